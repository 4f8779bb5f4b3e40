"""Bad input raises rlloss.Error (bad input: a ValueError) with the plugin's or the library's
message and status; create warnings go to Python's warnings; a missing library says where it looked."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest
import torch

import rlloss
from conftest import SHIPPED, SOURCE_DIR, make_batch

INVALID = 1
UNSUPPORTED = 2


@pytest.fixture(scope="module")
def batch():
    return make_batch()


def call(loss, batch, **changes):
    inputs = dict(
        log_prob=batch.log_prob,
        old_log_prob=batch.old_log_prob,
        advantages=batch.advantages,
        response_mask=batch.mask,
    )
    inputs.update(changes)
    return loss(**inputs)


BAD_TENSORS = [
    (
        "shape",
        dict(old_log_prob=lambda b: b.old_log_prob[:, :3]),
        INVALID,
        "plugin 'sapo': old_log_prob has shape [6, 3], expected [6, 9] like log_prob",
    ),
    (
        "dtype",
        dict(old_log_prob=lambda b: b.old_log_prob.float()),
        INVALID,
        "old_log_prob has dtype float32 but log_prob has float64",
    ),
    (
        "weights dtype",
        dict(rollout_is_weights=lambda b: b.weights.float()),
        INVALID,
        "rollout_is_weights has dtype float32 but log_prob has float64",
    ),
    ("rank", dict(log_prob=lambda b: b.log_prob[0]), INVALID, "log_prob must have rank 2 [B, T], got rank 1"),
    (
        "int dtype",
        dict(log_prob=lambda b: b.log_prob.long()),
        INVALID,
        "log_prob has unsupported dtype int64",
    ),
    (
        "half on cpu",
        dict(
            log_prob=lambda b: b.log_prob.half(),
            old_log_prob=lambda b: b.old_log_prob.half(),
            advantages=lambda b: b.advantages.half(),
        ),
        UNSUPPORTED,
        "on cpu the inputs must be float32 or float64",
    ),
    (
        "float mask holding 2",
        dict(response_mask=lambda b: b.mask * 2),
        INVALID,
        "a mask must hold only 0 and 1",
    ),
    (
        "dp without counts",
        dict(dp_size=lambda b: 2),
        INVALID,
        "dp_size 2 with loss_agg_mode token-mean needs global_token_count",
    ),
    (
        "global count too small",
        dict(global_token_count=lambda b: 3),
        INVALID,
        "global_token_count 3 is smaller than this batch's masked-token count",
    ),
    (
        "fractional count",
        dict(global_token_count=lambda b: 2.5),
        INVALID,
        "global_token_count = 2.5: must be a whole number",
    ),
    (
        "count tensor of two",
        dict(global_seq_count=lambda b: torch.tensor([1, 2])),
        INVALID,
        "global_seq_count must be one number",
    ),
    ("not a tensor", dict(log_prob=lambda b: [1.0]), INVALID, "log_prob must be a torch.Tensor, got list"),
    (
        "sparse",
        dict(advantages=lambda b: b.advantages.to_sparse()),
        INVALID,
        "advantages (torch.sparse_coo) cannot be described as a DLTensor",
    ),
    ("meta", dict(advantages=lambda b: b.advantages.to("meta")), INVALID, "advantages is on device meta"),
    (
        "complex",
        dict(advantages=lambda b: b.advantages.to(torch.complex128)),
        INVALID,
        "advantages has dtype torch.complex128, which has no DLPack description",
    ),
]


@pytest.mark.parametrize("case", BAD_TENSORS, ids=[c[0] for c in BAD_TENSORS])
def test_bad_tensors_raise_with_the_message(batch, case):
    _, changes, status, message = case
    loss = rlloss.load_loss("sapo")
    with pytest.raises(rlloss.Error) as caught:
        call(loss, batch, **{key: make(batch) for key, make in changes.items()})
    assert message in str(caught.value)
    assert caught.value.status == status
    if status == INVALID:
        assert isinstance(caught.value, ValueError)


def test_a_refused_call_leaves_no_gradient(batch):
    log_prob = batch.log_prob.clone().requires_grad_(True)
    with pytest.raises(rlloss.InvalidArgumentError):
        rlloss.load_loss("sapo")(log_prob, batch.old_log_prob[:, :2], batch.advantages, batch.mask)
    assert log_prob.grad is None


BAD_ARGS = [
    (dict(tau_neg=-1.0), "argument 'tau_neg' = -1: out of range; allowed: a float in (0, inf)"),
    (dict(tau_nag=1.0), "unknown argument 'tau_nag'; declared: tau_pos, tau_neg"),
    (dict(tau_neg="1.05"), "argument 'tau_neg' has type string, expected float"),
    (dict(tau_neg=True), "argument 'tau_neg' has type bool, expected float"),
    (dict(tau_neg=float("nan")), "argument 'tau_neg' = nan: NaN is not allowed"),
    (
        dict(loss_agg_mode="token-meen"),
        "argument 'loss_agg_mode' = 'token-meen': not allowed; allowed: one of: token-mean",
    ),
    (dict(tau_neg=[1.0]), "argument 'tau_neg' = [1.0]: a list, expected a float"),
]


@pytest.mark.parametrize(
    "args, message", BAD_ARGS, ids=[next(iter(a)) + "=" + repr(next(iter(a.values()))) for a, _ in BAD_ARGS]
)
def test_bad_arguments_raise_with_the_message(args, message):
    with pytest.raises(rlloss.InvalidArgumentError) as caught:
        rlloss.load_loss("sapo", **args)
    assert message in str(caught.value), str(caught.value)
    assert caught.value.status == INVALID


def test_unknown_plugin_lists_the_loaded_ones():
    with pytest.raises(
        rlloss.InvalidArgumentError,
        match=r"unknown loss_mode 'sappo'; loaded plugins: " + ", ".join(SHIPPED),
    ):
        rlloss.load_loss("sappo")


def test_an_empty_registry_says_where_it_looked(tmp_path):
    registry = rlloss.Registry([tmp_path])
    assert registry.names() == SHIPPED  # the build's default directory fills in
    empty = rlloss.Registry([tmp_path], load=False)
    with pytest.raises(rlloss.InvalidArgumentError) as caught:
        empty.plugin("sapo")
    assert "loaded plugins: none; no plugin was found in the search path: " + str(tmp_path) in str(
        caught.value
    )
    assert "RLLOSS_PLUGIN_PATH" in str(caught.value)


def test_missing_plugin_directory(tmp_path):
    with pytest.raises(rlloss.InvalidArgumentError, match="plugin directory .*/nope does not exist"):
        rlloss.Registry([tmp_path / "nope"])


def test_create_warning_goes_to_python_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss = rlloss.load_loss("sapo", tau_neg=0.5)
    assert loss.args["tau_neg"] == 0.5
    assert len(caught) == 1 and issubclass(caught[0].category, rlloss.LossWarning)
    assert "sapo: tau_neg 0.5 < tau_pos 1" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rlloss.load_loss("sapo", tau_neg=1.2)  # no warning


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    environment = dict(os.environ, PYTHONPATH=str(SOURCE_DIR / "python"), **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment)


def test_a_missing_library_says_what_was_looked_for():
    result = run_python("import rlloss; rlloss.plugins()", RLLOSS_HOST_LIBRARY="/nowhere/librlloss_host.so")
    assert result.returncode != 0
    expected = "LibraryNotFoundError: cannot find librlloss_host.so; looked at: /nowhere/librlloss_host.so"
    assert expected in result.stderr
    assert "RLLOSS_HOST_LIBRARY names a file that does not exist" in result.stderr


def test_importing_rlloss_needs_neither_the_library_nor_verl():
    result = run_python(
        "import sys, rlloss, rlloss.verl; assert 'verl' not in sys.modules; print('ok')",
        RLLOSS_HOST_LIBRARY="/nowhere/librlloss_host.so",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_registry_log_goes_to_python_logging(caplog):
    zoo = os.environ.get("RLLOSS_TEST_ZOO_DIR")
    if not zoo:
        pytest.skip("RLLOSS_TEST_ZOO_DIR is not set; run through CTest")
    with caplog.at_level("INFO", logger="rlloss"):
        rlloss.Registry([os.path.join(zoo, "mixed")])
    assert any(
        "librlloss_test_abi_major_99.so is refused: it was built for rlloss ABI 99.2" in r.getMessage()
        for r in caplog.records
    )
