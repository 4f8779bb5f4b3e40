"""YAML resolution from Python gives what `host_example config` gives: the same loss_mode, values
and sources, from the same C++ rules."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

import rlloss
from conftest import SOURCE_DIR

HOST_EXAMPLE = os.environ.get("RLLOSS_TEST_HOST_EXAMPLE")
CONFIGS = SOURCE_DIR / "configs"


def host_example_config(config, overrides):
    command = [HOST_EXAMPLE, "config", "--config", str(config)]
    for item in overrides:
        command += ["--set", item]
    out = subprocess.run(
        command, check=True, capture_output=True, text=True, env=dict(os.environ, RLLOSS_PLUGIN_PATH="")
    ).stdout
    loss_mode = re.search(r"^loss_mode: (\S+)$", out, re.M).group(1)
    args = {
        m.group(1): (m.group(2), m.group(3)) for m in re.finditer(r"^  (\w+):\s+(\S+)\s+\((.*)\)$", out, re.M)
    }
    return loss_mode, args


def shown(value) -> str:
    """A value as host_example prints it (%.15g, true/false, the string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


CASES = [
    ("sapo.yaml", []),
    ("sapo.yaml", ["tau_neg=1.2", "loss_agg_mode=seq-mean-token-mean"]),
    ("ppo_clip.yaml", ["clip_ratio_c=2.5"]),
    ("sapo.yaml", ["loss_mode=ppo_clip", "actor_rollout_ref.actor.policy_loss.clip_ratio=0.1"]),
]


@pytest.mark.skipif(not HOST_EXAMPLE, reason="RLLOSS_TEST_HOST_EXAMPLE is not set; run through CTest")
@pytest.mark.parametrize("config, overrides", CASES)
def test_resolution_equals_host_example_config(config, overrides):
    expected_mode, expected_args = host_example_config(CONFIGS / config, overrides)
    resolved = rlloss.resolve_yaml(CONFIGS / config, overrides)
    assert resolved.loss_mode == expected_mode
    assert {a.name: (shown(a.value), a.source) for a in resolved.args} == expected_args
    loss = rlloss.load_loss_from_yaml(CONFIGS / config, overrides)
    assert loss.name == expected_mode
    assert {a.name: (shown(a.value), a.source) for a in loss.resolved_args} == expected_args


def test_overrides_as_a_dict_keep_float_values_exact():
    resolved = rlloss.resolve_yaml(
        CONFIGS / "sapo.yaml", {"tau_neg": 1.1000000000000001, "loss_agg_mode": "token-sum"}
    )
    values = resolved.values()
    assert values["tau_neg"] == 1.1000000000000001
    assert values["loss_agg_mode"] == "token-sum"
    assert {a.name: a.source for a in resolved.args}["tau_neg"] == "override"


def test_yaml_text_and_plugin_dirs_relative_to_base_dir(tmp_path):
    zoo = os.environ.get("RLLOSS_TEST_ZOO_DIR")
    if not zoo:
        pytest.skip("RLLOSS_TEST_ZOO_DIR is not set; run through CTest")
    text = "actor_rollout_ref:\n  actor:\n    policy_loss:\n      loss_mode: toy\n      plugin_dirs: [toy]\n"
    yaml = rlloss.Yaml.parse(text, base_dir=zoo, source_name="inline.yaml")
    registry = rlloss.Registry(yaml=yaml)
    assert os.path.join(zoo, "toy") in registry.search_path()
    assert registry.resolve(yaml).loss_mode == "toy"


YAML_ERRORS = [
    (
        "actor_rollout_ref: {actor: {tau_neg: -2, policy_loss: {loss_mode: sapo}}}",
        [],
        "actor_rollout_ref.actor.tau_neg",
    ),
    (
        "actor_rollout_ref: {actor: {tau_neg: '1.05', policy_loss: {loss_mode: sapo}}}",
        [],
        "actor_rollout_ref.actor.tau_neg",
    ),
    ("actor_rollout_ref: {actor: {policy_loss: {loss_mode: sappo}}}", [], "did you mean 'sapo'"),
    ("actor_rollout_ref: {actor: {policy_loss: {}}}", [], "loss_mode is not set"),
    (
        "actor_rollout_ref: {actor: {policy_loss: {loss_mode: sapo}}}",
        ["tau_pos"],
        "override 'tau_pos' has no '='",
    ),
    ("actor_rollout_ref: {actor: {policy_loss: {loss_mode: sapo}}}", ["nonsense=1"], "nonsense"),
    ("a: [1, 2", [], "inline.yaml"),
]


@pytest.mark.parametrize("text, overrides, message", YAML_ERRORS)
def test_yaml_errors_name_the_key(text, overrides, message):
    with pytest.raises(rlloss.InvalidArgumentError) as caught:
        yaml = rlloss.Yaml.parse(text, source_name="inline.yaml")
        rlloss.default_registry().resolve(yaml, overrides)
    assert message in str(caught.value), str(caught.value)


def test_missing_yaml_file():
    with pytest.raises(rlloss.InvalidArgumentError, match="no_such.yaml"):
        rlloss.load_loss_from_yaml(CONFIGS / "no_such.yaml")
