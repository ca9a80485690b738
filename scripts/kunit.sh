#!/usr/bin/env bash
# Boot the test kernel once under QEMU: the KUnit suites run at boot (all of
# them, or those matching $1, a kunit.filter_glob), then /init (scripts/
# init.c) loads the workspace's end-to-end module (its suite runs as it
# loads), has kmemleak scan and powers off. Judges the console log: each
# KUnit case, a clean console, the boot facts (SMMUv3 with both stages, the
# edu device), and kmemleak's report.
set -uo pipefail
. "$(dirname "$0")/env.sh"

glob=${1:-}
args=
[ -n "$glob" ] && args="kunit.filter_glob=$glob"
# after the suites, init asks kmemleak for a scan and powers off
# with the workspace's end-to-end module, which init loads (tests/e2e)
echo "file /e2e.ko $top/build/e2e/arm-smmu-v3-nested-e2e.ko 0644 0 0" \
	>"$top/build/kunit-initramfs.list"
"$top/scripts/initramfs.sh" "$top/build/kunit-initramfs.cpio" "" \
	"$top/build/kunit-initramfs.list"
log=$(INITRD="$top/build/kunit-initramfs.cpio" "$top/scripts/qemu.sh" kunit $args | tail -n 1)
echo "kunit: console log $log"
rc=0
# The suites the series brings; each must have run (unless filtered out).
expect=()
if [ -z "$glob" ]; then
	mapfile -t expect < <(grep -v '^#' "$top/config/suites" 2>/dev/null | grep . || true)
fi
"$top/scripts/verdict.py" kunit "$log" "${expect[@]}" || rc=1
# the end-to-end module runs after the built-in suites, unfiltered
if [ -z "$glob" ]; then
	"$top/scripts/verdict.py" e2e "$log" || rc=1
fi
"$top/scripts/verdict.py" boot "$log" || rc=1
"$top/scripts/verdict.py" console "$log" || rc=1
# A filtered run is not judged for leaks: 6.1's KUnit frees the copies it
# makes of filtered suites but not their logs (512 bytes each).
if [ -z "$glob" ]; then
	"$top/scripts/verdict.py" leaks "$log" || rc=1
fi
exit $rc
