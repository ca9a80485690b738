#!/usr/bin/env bash
# make bench: commands issued per guest invalidation vs the fewest the
# specification allows, and CMD_SYNCs per request (KUnit case
# arm-smmu-v3-nested-inv.inv_bench, run alone under QEMU).
set -uo pipefail
. "$(dirname "$0")/env.sh"

log=$("$top/scripts/qemu.sh" bench kunit_shutdown=poweroff \
	kunit.filter_glob=arm-smmu-v3-nested-inv.inv_bench | tail -n 1)
echo "bench: console log $log"
grep -E '# inv_bench: ' "$log" | sed 's/^ *# inv_bench: /  /'
grep -qE '^ *ok [0-9]+ inv_bench' "$log"
