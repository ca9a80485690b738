#!/usr/bin/env bash
# make / make demo: boot the patched kernel under QEMU's nested SMMUv3 and
# show what it found.
set -uo pipefail
. "$(dirname "$0")/env.sh"

log=$("$top/scripts/qemu.sh" demo kunit_shutdown=poweroff | tail -n 1)
echo "demo: Linux $(make -s -C "$tree" kernelversion) + $(git -C "$tree" rev-list --count base..HEAD) patches under $(qemu-system-aarch64 --version | head -n 1)"
echo "demo: console log $log"
line=$(grep -m1 -E 'arm-smmu-v3 .*features 0x' "$log" || true)
if [ -z "$line" ]; then
	echo "demo: arm-smmu-v3 did not probe" >&2
	exit 1
fi
echo "$line" | sed 's/^\[[^]]*\] /  /'
feat=$((16#$(echo "$line" | sed -E 's/.*features 0x([0-9a-f]+).*/\1/')))
names=(2_LVL_STRTAB 2_LVL_CDTAB TT_LE TT_BE PRI ATS SEV MSI COHERENCY
       TRANS_S1 TRANS_S2 STALLS HYP STALL_FORCE VAX RANGE_INV BTM SVA E2H NESTING)
printf '  features:'
for i in "${!names[@]}"; do
	(( feat & (1 << i) )) && printf ' %s' "${names[$i]}"
done
echo
grep -m1 -E 'pci \S+: \[1234:11e8\]' "$log" | sed 's/^\[[^]]*\] /  /'
# one '# Totals' line per suite: add them up
grep -E '^# Totals:' "$log" | sed -E 's/.*pass:([0-9]+) fail:([0-9]+).*/\1 \2/' |
	awk '{p += $1; f += $2; n++} END {if (n) printf "  KUnit at boot: %d suites, %d cases passed, %d failed\n", n, p, f}'
exit 0
