#!/usr/bin/env bash
# Usage: sdk_install_test.sh BUILD_DIR SOURCE_DIR. Prints what it checks; exits 1 at the first
# failure with the reason.
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset RLLOSS_PLUGIN_PATH
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
check() { echo "ok: $*"; }

plugins=(sapo ppo_clip gspo cispo)
cmake --install "$build" --prefix "$work/first" >"$work/install.log"

# The installed host finds the installed plugins (and only those), from any directory.
expect_listing() {
  local prefix=$1 listing
  listing=$(cd / && "$prefix/bin/host_example" list)
  for p in "${plugins[@]}"; do
    grep -q "file: *$prefix/lib/rlloss/plugins/librlloss_$p.so$" <<<"$listing" ||
      fail "host_example list from $prefix does not show $prefix's $p plugin:"$'\n'"$listing"
  done
  if grep "file:" <<<"$listing" | grep -v -q "$prefix/"; then
    fail "host_example list from $prefix shows plugins from elsewhere:"$'\n'"$listing"
  fi
}
expect_listing "$work/first"
check "installed host_example lists the installed plugins"

# A reinstall puts each plugin in place by rename: the old inode, which a running trainer may have
# mapped, is left untouched.
plugin_file="$work/first/lib/rlloss/plugins/librlloss_sapo.so"
before=$(stat -c %i "$plugin_file")
cmake --install "$build" --prefix "$work/first" >"$work/reinstall.log"
after=$(stat -c %i "$plugin_file")
[[ $before != "$after" ]] || fail "reinstalling rewrote $plugin_file in place (inode $before)"
leftovers=$(find "$work/first/lib/rlloss/plugins" -name '.*')
[[ -z $leftovers ]] || fail "a temporary file was left behind: $leftovers"
check "a reinstall replaces plugins by rename (inode $before -> $after)"

# The prefix is relocatable.
mv "$work/first" "$work/moved"
expect_listing "$work/moved"
check "a moved prefix still finds its plugins"

# The out-of-tree example: configured against the moved prefix, LibTorch nowhere on its include
# path, listed and validated by the installed host.
cmake -S "$source/examples/out_of_tree_plugin" -B "$work/my_pg" -DCMAKE_PREFIX_PATH="$work/moved" \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >"$work/my_pg-configure.log" ||
  fail "configuring the out-of-tree example failed: $(cat "$work/my_pg-configure.log")"
if grep -q -i torch "$work/my_pg/compile_commands.json"; then
  fail "the out-of-tree plugin's compile commands mention torch"
fi
grep -q -- "-isystem $work/moved/include" "$work/my_pg/compile_commands.json" ||
  fail "the out-of-tree plugin does not include the installed headers"
cmake --build "$work/my_pg" >"$work/my_pg-build.log" 2>&1 ||
  fail "building the out-of-tree example failed: $(cat "$work/my_pg-build.log")"
my_pg_file="$work/my_pg/plugins/librlloss_my_pg.so"
listing=$(RLLOSS_PLUGIN_PATH="$work/my_pg/plugins" "$work/moved/bin/host_example" list)
grep -q "^my_pg 1.0.0" <<<"$listing" ||
  fail "host_example list does not show my_pg from RLLOSS_PLUGIN_PATH:"$'\n'"$listing"
"$work/moved/bin/host_example" validate --library "$my_pg_file" >"$work/my_pg-validate.log" ||
  fail "validate --library $my_pg_file failed: $(cat "$work/my_pg-validate.log")"
check "out-of-tree my_pg: $(tail -1 "$work/my_pg-validate.log")"

# The plain C example: the ABI header alone (rlloss::plugin_api), no kit, no C++.
cmake -S "$source/examples/plain_c_plugin" -B "$work/gpg_c" -DCMAKE_PREFIX_PATH="$work/moved" \
  >"$work/gpg_c-configure.log" ||
  fail "configuring the plain C example failed: $(cat "$work/gpg_c-configure.log")"
cmake --build "$work/gpg_c" >"$work/gpg_c-build.log" 2>&1 ||
  fail "building the plain C example failed: $(cat "$work/gpg_c-build.log")"
gpg_c_file="$work/gpg_c/plugins/librlloss_gpg_c.so"
"$work/moved/bin/host_example" validate --library "$gpg_c_file" >"$work/gpg_c-validate.log" ||
  fail "validate --library $gpg_c_file failed: $(cat "$work/gpg_c-validate.log")"
check "plain C gpg_c: $(tail -1 "$work/gpg_c-validate.log")"

# A C++ host against the installed rlloss::torch (registry and LibTorch binding, static): built out
# of tree, it loads the installed plugins and takes a gradient through LibTorch's autograd.
cmake -S "$source/examples/torch_host" -B "$work/torch_host" -DCMAKE_PREFIX_PATH="$work/moved" \
  -DCMAKE_BUILD_TYPE=Release >"$work/torch_host-configure.log" 2>&1 ||
  fail "configuring the torch_host example failed: $(cat "$work/torch_host-configure.log")"
cmake --build "$work/torch_host" >"$work/torch_host-build.log" 2>&1 ||
  fail "building the torch_host example failed: $(cat "$work/torch_host-build.log")"
for loss_mode in sapo gspo; do
  output=$(cd / && RLLOSS_PLUGIN_PATH="$work/moved/lib/rlloss/plugins" \
    "$work/torch_host/torch_host" "$loss_mode") ||
    fail "torch_host $loss_mode failed: $output"
  grep -q "^plugin $loss_mode from $work/moved/lib/rlloss/plugins/librlloss_$loss_mode.so" \
    <<<"$output" || fail "torch_host did not load the installed $loss_mode: $output"
  if ! grep -Eq '^grad_norm [0-9.e+-]+$' <<<"$output" || grep -q -i nan <<<"$output"; then
    fail "torch_host $loss_mode gave no finite gradient: $output"
  fi
done
check "a C++ host built against rlloss::torch: $(grep '^loss ' <<<"$output")"

# The Python package installed into the moved prefix: imported from it, with its plugins.
(cd / && PYTHONPATH="$work/moved/lib/python3/dist-packages" env -u RLLOSS_PLUGIN_PATH \
  /usr/bin/python3 "$source/tests/install/installed_python_check.py" "$work/moved") ||
  fail "the installed Python package does not work from $work/moved"
check "the Python package in lib/python3/dist-packages"

# pkg-config gives what a C compiler needs for the ABI header.
cflags=$(PKG_CONFIG_PATH="$work/moved/lib/pkgconfig" pkg-config --cflags rlloss-plugin-api)
printf '#include <rlloss/plugin_api.h>\nint main(void) { return RLLOSS_ABI_VERSION_MAJOR - 1; }\n' \
  >"$work/abi.c"
# shellcheck disable=SC2086
cc -std=c99 -Wall -Wextra -Werror -pedantic $cflags "$work/abi.c" -o "$work/abi" ||
  fail "a C file with pkg-config's flags ($cflags) does not compile"
"$work/abi" || fail "RLLOSS_ABI_VERSION_MAJOR is not 1"
check "pkg-config --cflags rlloss-plugin-api: $cflags"
