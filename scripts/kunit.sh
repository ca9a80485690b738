#!/usr/bin/env bash
# Boot the test kernel once under QEMU: the KUnit suites run at boot (all of
# them, or those matching $1, a kunit.filter_glob), then the machine powers
# off. Judges the console log: each KUnit case, a clean console, and the
# boot facts (SMMUv3 with both stages, the edu device).
set -uo pipefail
. "$(dirname "$0")/env.sh"

glob=${1:-}
args="kunit_shutdown=poweroff"
[ -n "$glob" ] && args="$args kunit.filter_glob=$glob"
log=$("$top/scripts/qemu.sh" kunit $args | tail -n 1)
echo "kunit: console log $log"
rc=0
# The suites the series brings; each must have run (unless filtered out).
expect=()
if [ -z "$glob" ]; then
	mapfile -t expect < <(grep -v '^#' "$top/config/suites" 2>/dev/null | grep . || true)
fi
"$top/scripts/verdict.py" kunit "$log" "${expect[@]}" || rc=1
"$top/scripts/verdict.py" boot "$log" || rc=1
"$top/scripts/verdict.py" console "$log" || rc=1
exit $rc
