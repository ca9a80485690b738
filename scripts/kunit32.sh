#!/usr/bin/env bash
# The IOMMU core's uapi KUnit suite (iommu-nested-uapi) on a 32-bit kernel:
# 32-bit arm, built by kunit.py in build/obj-arm32 from
# config/arm32.kunitconfig and run under qemu-system-arm -M virt. The
# structures' u64 fields must be checked as u64 there too. Each case
# counts, as "kunit32 iommu-nested-uapi.<case>".
set -uo pipefail
. "$(dirname "$0")/env.sh"

log=$logs/kunit32-$(date +%Y%m%d-%H%M%S).log
rc=0
( cd "$tree" && python3 tools/testing/kunit/kunit.py run --arch=arm \
	--cross_compile=arm-linux-gnueabihf- --build_dir="$top/build/obj-arm32" \
	--kunitconfig="$top/config/arm32.kunitconfig" --jobs="$jobs" \
	--raw_output=kunit ) </dev/null >"$log" 2>&1 || rc=1
echo "kunit32: log $log"
VERDICT_PREFIX=kunit32 "$top/scripts/verdict.py" kunit "$log" iommu-nested-uapi || rc=1
exit $rc
