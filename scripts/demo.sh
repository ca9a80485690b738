#!/usr/bin/env bash
# make / make demo: boot the patched kernel under QEMU's nested SMMUv3, run
# the workspace's end-to-end suite (nested DMA through edu, tests/e2e) and
# tell what happened: the STEs the driver wrote, every DMA with VA -> IPA ->
# guest RAM and the bytes seen,
# and the commands QEMU's SMMUv3 executed at each step.
set -uo pipefail
. "$(dirname "$0")/env.sh"

# The suite is the workspace's module (tests/e2e), which init loads; the
# series' built-in suites are filtered out (no suite has this name).
echo "file /e2e.ko $top/build/e2e/arm-smmu-v3-nested-e2e.ko 0644 0 0" \
	>"$top/build/demo-initramfs.list"
"$top/scripts/initramfs.sh" "$top/build/demo-initramfs.cpio" "" \
	"$top/build/demo-initramfs.list"
log=$(INITRD="$top/build/demo-initramfs.cpio" \
	QEMU_EXTRA="-trace smmuv3_cmdq_opcode" "$top/scripts/qemu.sh" demo \
	kunit.filter_glob=none-of-the-series loglevel=8 \
	'dyndbg="func arm_smmu_log_ste +p"' | tail -n 1)
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
grep -E 'pci \S+: \[1234:11e8\]' "$log" | sed 's/^\[[^]]*\] /  /'
echo
echo "demo: the arm-smmu-v3-nested-e2e suite, step by step"
"$top/scripts/account.py" "$log"
