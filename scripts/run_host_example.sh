#!/usr/bin/env bash
# Set up, build, then run the main job: list the plugins found and validate every one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
host=${BUILD_DIR:-build}/host_example/host_example
"$host" list
"$host" config --config configs/sapo.yaml
"$host" validate
