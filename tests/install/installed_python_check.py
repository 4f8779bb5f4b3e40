"""The Python package as installed into a prefix (cmake --install, or the Debian package): it is
imported from <prefix>/lib/python3/dist-packages, finds that prefix's librlloss_host.so and
plugins, is listed as a `verl.plugins` entry point, and computes a loss whose on-policy gradient
is the plain policy gradient. Usage: installed_python_check.py PREFIX (with the package's folder
on sys.path, e.g. by PYTHONPATH, unless the interpreter already searches it)."""

import importlib.metadata
import sys
from pathlib import Path

import rlloss
import torch

prefix = Path(sys.argv[1]).resolve()
site = prefix / "lib" / "python3" / "dist-packages"
plugin_dir = prefix / "lib" / "rlloss" / "plugins"


def fail(message: str) -> None:
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


if not Path(rlloss.__file__).resolve().is_relative_to(site):
    fail(f"rlloss was imported from {rlloss.__file__}, not from {site}")
paths = {info.name: Path(info.path) for info in rlloss.plugins()}
for name in ("sapo", "ppo_clip", "gspo", "cispo"):
    if paths.get(name) != plugin_dir / f"librlloss_{name}.so":
        fail(f"plugin {name} came from {paths.get(name)}, not from {plugin_dir}")
entry_points = importlib.metadata.entry_points(group="verl.plugins")
if not any(ep.name == "rlloss" and ep.value == "rlloss.verl_entry_point" for ep in entry_points):
    fail(f"no verl.plugins entry point 'rlloss'; found {list(entry_points)}")

# On policy (log_prob == old_log_prob) SAPO's gradient is -A times the token-mean weight m / N.
torch.manual_seed(0)
old_log_prob = -torch.rand(3, 7, dtype=torch.float64)
log_prob = old_log_prob.clone().requires_grad_()
advantages = torch.randn(3, 7, dtype=torch.float64)
mask = torch.rand(3, 7) > 0.3
loss, metrics = rlloss.load_loss("sapo")(log_prob, old_log_prob, advantages, mask)
loss.backward()
expected = -advantages * mask / mask.sum()
if not torch.allclose(log_prob.grad, expected, rtol=1e-12, atol=1e-15):
    fail(f"on-policy gradient {log_prob.grad} is not -A m / N = {expected}")
print(f"ok: the installed Python package from {site}: {len(paths)} plugins, loss {loss.item():.6g}")
