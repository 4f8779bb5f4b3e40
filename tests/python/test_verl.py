"""rlloss.verl against a stand-in for verl (tests/python/verl_standin, written from verl's source):
registration through register_policy_loss and the verl.plugins entry point, the ppo_loss call path,
config lookup, and global_batch_info exactly as verl's agg_loss uses it."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

STANDIN = Path(__file__).resolve().parent / "verl_standin"
sys.path.insert(0, str(STANDIN))

import rlloss  # noqa: E402
import rlloss.verl  # noqa: E402
from conftest import AGG_MODES, SHIPPED, SOURCE_DIR, make_batch  # noqa: E402
from verl.trainer.ppo import core_algos  # noqa: E402
from verl.workers.config.actor import ActorConfig, PolicyLossConfig  # noqa: E402
from verl.workers.utils.losses import ppo_loss  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def registered():
    return rlloss.verl.register()


def verl_data(batch, rows=slice(None), dp_size=1, tokens=None, seqs=None, weights=False):
    data = {
        "old_log_probs": batch.old_log_prob[rows],
        "advantages": batch.advantages[rows],
        "response_mask": batch.mask[rows],
        "dp_size": dp_size,
        "batch_num_tokens": tokens,
        "global_batch_size": seqs,
    }
    if weights:
        data["rollout_is_weights"] = batch.weights[rows]
    return data


def run_ppo_loss(config, batch, **kwargs):
    rows = kwargs.get("rows", slice(None))
    log_prob = batch.log_prob[rows].clone().requires_grad_(True)
    value, metrics = ppo_loss(config, {"log_probs": log_prob}, verl_data(batch, **kwargs))
    value.backward()
    return value.detach(), log_prob.grad, metrics


def clean(batch):
    """verl's own losses let NaN in masked slots through (NaN * 0): compare on finite inputs."""
    batch.log_prob = torch.where(batch.mask > 0, batch.log_prob, batch.old_log_prob)
    return batch


def test_register_puts_every_plugin_in_verls_registry(registered):
    assert registered == [f"rlloss_{name}" for name in SHIPPED]
    for name in registered:
        fn = core_algos.get_policy_loss_fn(name)
        assert isinstance(fn, rlloss.verl.PolicyLoss)
    with pytest.raises(ValueError, match="Unsupported loss mode: rlloss_nope"):
        core_algos.get_policy_loss_fn("rlloss_nope")


def test_register_with_another_prefix():
    names = rlloss.verl.register(prefix="x_")
    assert names == [f"x_{name}" for name in SHIPPED]
    assert core_algos.get_policy_loss_fn("x_sapo").name == "sapo"


@pytest.mark.parametrize("mode", AGG_MODES)
def test_rlloss_ppo_clip_equals_verls_vanilla_through_ppo_loss(mode):
    batch = clean(make_batch(B=8, T=11, seed=400 + AGG_MODES.index(mode)))
    config = ActorConfig(
        clip_ratio=0.2,
        clip_ratio_low=0.2,
        clip_ratio_high=0.28,
        loss_agg_mode=mode,
        policy_loss=PolicyLossConfig("vanilla"),
    )
    verl_value, verl_grad, verl_metrics = run_ppo_loss(copy.deepcopy(config), batch, weights=True)
    config.policy_loss.loss_mode = "rlloss_ppo_clip"
    value, grad, metrics = run_ppo_loss(config, batch, weights=True)
    # seq-mean-token-mean: verl's 1e-8 on a bool mask's row length vanishes in float32 (below).
    rtol = 1e-7 if mode == "seq-mean-token-mean" else 1e-12
    torch.testing.assert_close(value, verl_value, rtol=rtol, atol=1e-12)
    torch.testing.assert_close(grad, verl_grad, rtol=rtol, atol=1e-12)
    for key in ("actor/ppo_kl", "actor/pg_loss"):
        assert isinstance(metrics[key], float)
        assert metrics[key] == pytest.approx(verl_metrics[key], rel=rtol, abs=1e-12), key
    # verl counts clipped tokens in float32 (`.float()`): equal to float32 precision.
    for key in ("actor/pg_clipfrac", "actor/pg_clipfrac_lower"):
        assert metrics[key] == pytest.approx(verl_metrics[key], rel=1e-6, abs=1e-7), key


def test_rlloss_sapo_equals_verls_sapo_under_verls_aggregation():
    batch = clean(make_batch(B=8, T=11, seed=410))
    config = ActorConfig(
        tau_pos=1.0, tau_neg=1.3, loss_agg_mode="seq-mean-token-mean", policy_loss=PolicyLossConfig("sapo")
    )
    verl_value, verl_grad, _ = run_ppo_loss(copy.deepcopy(config), batch)
    config.policy_loss.loss_mode = "rlloss_sapo"
    value, grad, metrics = run_ppo_loss(config, batch)
    # ppo_loss hands verl a bool mask, whose int64 row lengths plus 1e-8 become float32, where
    # the 1e-8 vanishes; we divide by len + 1e-8 as DESIGN.md says: a relative 1e-8 / len apart.
    torch.testing.assert_close(value, verl_value, rtol=1e-8, atol=1e-12)
    torch.testing.assert_close(grad, verl_grad, rtol=1e-8, atol=1e-12)
    assert set(metrics) >= {"actor/ppo_kl", "actor/gate_mean", "actor/pg_loss"}


def test_rlloss_gspo_equals_verls_gspo():
    # verl-project/verl core_algos.py compute_policy_loss_gspo at 018f23b5, mirrored in the
    # stand-in; GSPO's paper clip ranges so that whole rows clip.
    batch = clean(make_batch(B=8, T=11, seed=420))
    config = ActorConfig(
        clip_ratio_low=3e-4,
        clip_ratio_high=4e-4,
        loss_agg_mode="seq-mean-token-mean",
        policy_loss=PolicyLossConfig("gspo"),
    )
    verl_value, verl_grad, verl_metrics = run_ppo_loss(copy.deepcopy(config), batch)
    config.policy_loss.loss_mode = "rlloss_gspo"
    value, grad, metrics = run_ppo_loss(config, batch)
    # As for sapo: verl's float32 len + 1e-8 against our float64 one.
    torch.testing.assert_close(value, verl_value, rtol=1e-8, atol=1e-12)
    torch.testing.assert_close(grad, verl_grad, rtol=1e-8, atol=1e-12)
    assert metrics["actor/pg_clipfrac"] == pytest.approx(verl_metrics["actor/pg_clipfrac"], abs=1e-7)
    assert 0 < metrics["actor/pg_clipfrac"] < 1  # the clip acts on some rows, not all
    assert metrics["actor/ppo_kl"] == pytest.approx(verl_metrics["actor/ppo_kl"], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("mode", ["token-mean", "seq-mean-token-sum", "token-sum"])
def test_rlloss_cispo_equals_verls_cispo(mode):
    batch = clean(make_batch(B=8, T=11, seed=430))
    config = ActorConfig(
        clip_ratio_low=0.1, clip_ratio_high=0.28, loss_agg_mode=mode, policy_loss=PolicyLossConfig("cispo")
    )
    verl_value, verl_grad, verl_metrics = run_ppo_loss(copy.deepcopy(config), batch)
    config.policy_loss.loss_mode = "rlloss_cispo"
    value, grad, metrics = run_ppo_loss(config, batch)
    torch.testing.assert_close(value, verl_value, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad, verl_grad, rtol=1e-12, atol=1e-12)
    assert metrics["actor/pg_clipfrac"] == pytest.approx(verl_metrics["actor/pg_clipfrac"], abs=1e-7)
    assert 0 < metrics["actor/pg_clipfrac"] < 1


# verl's own settings for each loss (its recipes' values where they have one), as ActorConfig
# fields; verl-project/verl core_algos.py at 1dda039b, transcribed in the stand-in.
VERL_SETTINGS = {
    "gpg": {},
    "dro": {"policy_loss": PolicyLossConfig("dro", dro_beta=0.5)},
    # The DPPO recipe's thresholds and cap (examples/dppo_trainer); a small cap too, which the
    # ratio reaches.
    "dppo_tv": {"clip_ratio_low": 0.15, "clip_ratio_high": 0.15, "clip_ratio_c": 10000.0},
    "dppo_kl": {"clip_ratio_low": 0.05, "clip_ratio_high": 0.05, "clip_ratio_c": 1.5},
    # verl's CISPO recipe: no lower clip.
    "cispo": {"clip_ratio_low": 10.0, "clip_ratio_high": 0.2},
}


@pytest.mark.parametrize("mode", AGG_MODES)
@pytest.mark.parametrize("loss", sorted(VERL_SETTINGS))
def test_rlloss_equals_verls_own_loss_through_ppo_loss(loss, mode):
    batch = clean(make_batch(B=8, T=11, seed=500 + AGG_MODES.index(mode), spread=0.8))
    settings = dict(VERL_SETTINGS[loss])
    config = ActorConfig(loss_agg_mode=mode, **settings)
    if "policy_loss" not in settings:
        config.policy_loss = PolicyLossConfig(loss)
    verl_value, verl_grad, verl_metrics = run_ppo_loss(copy.deepcopy(config), batch, weights=True)
    config.policy_loss.loss_mode = f"rlloss_{loss}"
    value, grad, metrics = run_ppo_loss(config, batch, weights=True)
    # seq-mean-token-mean: verl's 1e-8 on a bool mask's row length vanishes in float32.
    rtol = 1e-7 if mode == "seq-mean-token-mean" else 1e-12
    torch.testing.assert_close(value, verl_value, rtol=rtol, atol=1e-12)
    torch.testing.assert_close(grad, verl_grad, rtol=rtol, atol=1e-12)
    assert grad.abs().sum() > 0
    for key, expected in verl_metrics.items():
        if loss == "cispo" and key == "actor/pg_clipfrac_lower":
            assert expected == 0.0  # verl's constant "for compatibility"; the plugin omits it
            continue
        # verl's fractions are float32 means (`.float()`).
        tolerance = 1e-6 if "clipfrac" in key else max(rtol, 1e-12)
        assert metrics[key] == pytest.approx(expected, rel=tolerance, abs=tolerance), key
    if "actor/pg_clipfrac" in verl_metrics and loss != "cispo":
        assert 0 < metrics["actor/pg_clipfrac"] < 1, "the region or clip acts on some tokens"


def test_rlloss_dro_without_dro_beta_is_refused_as_verl_refuses_it():
    batch = clean(make_batch(seed=510))
    config = ActorConfig(policy_loss=PolicyLossConfig("dro"))
    with pytest.raises(ValueError, match="policy_loss.dro_beta must be a positive value"):
        run_ppo_loss(copy.deepcopy(config), batch)
    config.policy_loss.loss_mode = "rlloss_dro"
    with pytest.raises(rlloss.Error, match="'dro_beta' has no default and must be set"):
        run_ppo_loss(config, batch)


@pytest.mark.parametrize("mode", AGG_MODES)
@pytest.mark.parametrize("plugin", [f"rlloss_{name}" for name in SHIPPED])
def test_two_simulated_ranks_average_to_the_single_process_gradient(plugin, mode):
    batch = make_batch(B=10, T=9, seed=420 + AGG_MODES.index(mode))
    config = ActorConfig(
        loss_agg_mode=mode,
        policy_loss=PolicyLossConfig(plugin, dro_beta=0.5),
        loss_scale_factor=6 if mode.endswith("norm") else None,
    )
    whole_value, whole_grad, _ = run_ppo_loss(config, batch, weights=True)
    tokens = int(batch.mask.sum())
    seqs = batch.mask.shape[0]  # verl's global_batch_size: the mini-batch's sequence count
    values, grads = [], []
    for rows in (slice(0, 4), slice(4, 10)):
        value, grad, _ = run_ppo_loss(
            config, batch, rows=rows, dp_size=2, tokens=tokens, seqs=seqs, weights=True
        )
        values.append(value)
        grads.append(grad)
    if mode.startswith("seq-mean"):
        # verl divides by global_batch_size (every sequence); the single process by the
        # sequences holding tokens. Give the single process the same count to compare.
        whole_value, whole_grad, _ = run_ppo_loss(
            config, batch, dp_size=1, tokens=tokens, seqs=seqs, weights=True
        )
    torch.testing.assert_close((values[0] + values[1]) / 2, whole_value, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(torch.cat(grads) / 2, whole_grad, rtol=1e-12, atol=1e-12)


def test_arguments_come_from_policy_loss_first_then_the_actor():
    fn = core_algos.get_policy_loss_fn("rlloss_sapo")
    info = rlloss.default_registry().plugin("sapo")
    config = ActorConfig(tau_pos=1.5, tau_neg=2.0)
    assert rlloss.verl.plugin_args(info, config, "token-sum") == {
        "tau_pos": 1.5,
        "tau_neg": 2.0,
        "clip_ratio": 0.2,
        "clip_ratio_low": 0.2,
        "clip_ratio_high": 0.2,
        "loss_agg_mode": "token-sum",
    }
    # A mapping config (OmegaConf-like) with policy_loss.<arg> overriding <arg>; None means unset.
    mapping = {
        "tau_pos": 1.5,
        "tau_neg": None,
        "clip_ratio_low": None,
        "policy_loss": {"loss_mode": "rlloss_sapo", "tau_pos": 0.9},
        "global_batch_info": {},
    }
    assert rlloss.verl.plugin_args(info, mapping, None) == {"tau_pos": 0.9}
    batch = make_batch(seed=430)
    value, metrics = fn(
        old_log_prob=batch.old_log_prob,
        log_prob=batch.log_prob,
        advantages=batch.advantages,
        response_mask=batch.mask,
        loss_agg_mode="token-mean",
        config=mapping,
    )
    expected, _ = rlloss.load_loss("sapo", tau_pos=0.9)(
        batch.log_prob, batch.old_log_prob, batch.advantages, batch.mask
    )
    assert value.item() == expected.item()
    assert all(key.startswith("actor/") and isinstance(v, float) for key, v in metrics.items())


def test_global_batch_info_errors_as_verls_agg_loss():
    batch = make_batch(seed=440)
    fn = core_algos.get_policy_loss_fn("rlloss_sapo")
    config = ActorConfig(global_batch_info={"dp_size": 2})
    with pytest.raises(ValueError, match="needs global_token_count"):
        fn(
            old_log_prob=batch.old_log_prob,
            log_prob=batch.log_prob,
            advantages=batch.advantages,
            response_mask=batch.mask,
            config=config,
        )
    config = ActorConfig(global_batch_info={"dp_size": 1, "micro_batch_size": 4})
    with pytest.raises(ValueError, match=r"unknown keys \['micro_batch_size'\]"):
        fn(
            old_log_prob=batch.old_log_prob,
            log_prob=batch.log_prob,
            advantages=batch.advantages,
            response_mask=batch.mask,
            config=config,
        )


def test_verl_plugins_entry_point_registers_on_import_verl(tmp_path):
    """A distribution's verl.plugins entry point (as python/pyproject.toml declares it) makes
    `import verl` register the plugins."""
    dist = tmp_path / "rlloss-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: rlloss\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text("[verl.plugins]\nrlloss = rlloss.verl_entry_point\n")
    code = (
        "import verl\n"
        "from verl.trainer.ppo.core_algos import POLICY_LOSS_REGISTRY\n"
        "print(sorted(k for k in POLICY_LOSS_REGISTRY if k.startswith('rlloss_')))\n"
    )
    path = os.pathsep.join([str(tmp_path), str(STANDIN), str(SOURCE_DIR / "python")])
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=path)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str([f"rlloss_{name}" for name in SHIPPED])
    off = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=path, VERL_USE_EXTERNAL_PLUGINS="none"),
    )
    assert off.stdout.strip() == "[]"


def test_the_packaged_entry_point_is_declared():
    text = (SOURCE_DIR / "python" / "pyproject.toml").read_text()
    assert '[project.entry-points."verl.plugins"]\nrlloss = "rlloss.verl_entry_point"' in text
