#!/usr/bin/env bash
# A plugin's misspelt argument name is a compile error, at the use and at the declaration, and the
# error names it; the same file spelt right compiles (so the failures are not for another reason).
# Usage: misspelt_argument_test.sh CXX SOURCE -I... (include flags)
set -euo pipefail
cxx=$1
source=$2
shift 2

compile() { "$cxx" -std=c++17 -fsyntax-only -Wall -Wextra -Werror "$@" "$source" 2>&1; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

output=$(compile "$@" -DRLLOSS_MISSPELT=0) || fail "the correctly spelt file does not compile: $output"
for variant in 1:tau_nge 2:sclae; do
  level=${variant%%:*}
  name=${variant#*:}
  if output=$(compile "$@" -DRLLOSS_MISSPELT="$level"); then
    fail "RLLOSS_MISSPELT=$level compiled: a misspelt '$name' went unnoticed"
  fi
  grep -q "$name" <<<"$output" || fail "RLLOSS_MISSPELT=$level: the error does not name '$name': $output"
  echo "RLLOSS_MISSPELT=$level ('$name') does not compile, as it must"
done
