#!/usr/bin/env bash
# make bench: commands issued per guest invalidation vs the fewest the
# specification allows, and CMD_SYNCs per request (KUnit case
# arm-smmu-v3-nested-inv.inv_bench), then per batch of requests, against
# the same requests one per call (inv_batch_bench); run under QEMU.
set -uo pipefail
. "$(dirname "$0")/env.sh"

rc=0
for c in inv_bench inv_batch_bench; do
	log=$("$top/scripts/qemu.sh" bench kunit_shutdown=poweroff \
		kunit.filter_glob=arm-smmu-v3-nested-inv.$c | tail -n 1)
	echo "bench: $c, console log $log"
	grep -E "# $c: " "$log" | sed "s/^ *# $c: /  /"
	grep -qE "^ *ok [0-9]+ $c" "$log" || rc=1
done
exit $rc
