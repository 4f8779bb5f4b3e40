#!/usr/bin/env bash
# CI: builds the Debian package from build/ (cpack -G DEB), installs it with apt-get as a user
# would, and runs the installed host_example's list and validate from /usr/bin, away from the
# source and build trees, then the installed Python package with /usr/bin/python3.
# Usage: scripts/ci_package.sh (after scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
scripts/install_packages.sh package dpkg-dev # dpkg-shlibdeps, for the package's Depends
rm -f "$build_dir"/rlloss_*.deb
(cd "$build_dir" && cpack -G DEB)
deb=$(ls "$build_dir"/rlloss_*.deb)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "./$deb"
dpkg-deb --field "$deb" Package Version Depends
source_dir=$PWD
cd /
unset RLLOSS_PLUGIN_PATH
listing=$(/usr/bin/host_example list)
echo "$listing" | grep -E "^[a-z_]+ [0-9]|file:"
for p in sapo ppo_clip gspo cispo; do
  grep -q "file: */usr/lib/rlloss/plugins/librlloss_$p.so$" <<<"$listing" || {
    echo "the installed host_example does not list /usr/lib/rlloss/plugins/librlloss_$p.so" >&2
    exit 1
  }
done
/usr/bin/host_example validate | tail -1
# The Python package the .deb puts in /usr/lib/python3/dist-packages, with no PYTHONPATH.
env -u PYTHONPATH /usr/bin/python3 "$source_dir/tests/install/installed_python_check.py" /usr
