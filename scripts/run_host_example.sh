#!/usr/bin/env bash
# Set up, build, then run the main job: list the plugins found, validate every one of them, and
# train a policy for 100 GRPO steps with the SAPO plugin (about half a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build_dir=${BUILD_DIR:-build}
host=$build_dir/host_example/host_example
"$host" list
"$host" config --config configs/sapo.yaml
"$host" validate
"$host" train --config configs/train_sapo.yaml --steps 100 --metrics-file "$build_dir/train_metrics.jsonl"
