#!/usr/bin/env bash
# Boot the test kernel under QEMU's virt machine with its nested SMMUv3 and
# the edu device, and keep the console log in build/logs/.
#
#   scripts/qemu.sh NAME [kernel args...]
# Environment: INITRD=file (optional), QEMU_TIMEOUT=seconds (default 600),
#   QEMU_MACHINE=... (default virt,iommu=smmuv3), QEMU_MEM=... (default 1G),
#   QEMU_SMP=N (default 1), QEMU_EXTRA="..." (more QEMU options, e.g. a
#   -trace), QEMU_MARKS=file (the console's 'VMMTEST: MARK' lines, each
#   after the time it arrived: scripts/stamp.py), QEMU_KERNEL=file (another
#   kernel than the test kernel: make deb's, for its run of make vmm).
# Prints the path of the console log on its last line.
set -euo pipefail
. "$(dirname "$0")/env.sh"

name=$1
shift
log=$logs/$name-$(date +%Y%m%d-%H%M%S).log
# edu's DMA mask is widened from its 28-bit default to 40 bits, so that the
# selftest can aim DMA at the physical address of a page of its own (a
# stage-2 bypass would land there).
edu=edu,dma_mask=0xffffffffff
args=(-M "${QEMU_MACHINE:-virt,iommu=smmuv3}" -cpu max,pauth-impdef=on
      -m "${QEMU_MEM:-1G}" -smp "${QEMU_SMP:-1}" -nographic
      -no-reboot -nic none -device $edu -device $edu
      -kernel "${QEMU_KERNEL:-$obj/arch/arm64/boot/Image}")
[ -n "${INITRD:-}" ] && args+=(-initrd "$INITRD")
# shellcheck disable=SC2206
[ -n "${QEMU_EXTRA:-}" ] && args+=($QEMU_EXTRA)

{
	echo "# qemu-system-aarch64 ${args[*]} -append \"console=ttyAMA0 panic=-1 $*\""
	echo "# $(qemu-system-aarch64 --version | head -n 1)"
	[ -z "${QEMU_KERNEL:-}" ] || echo "# kernel: $QEMU_KERNEL"
	echo "# base: Linux $(make -s -C "$tree" kernelversion), $(git -C "$tree" rev-list --count base..HEAD) patches, HEAD $(git -C "$tree" rev-parse --short HEAD)"
} >"$log"
rc=0
if [ -n "${QEMU_MARKS:-}" ]; then
	# the console's 'VMMTEST: MARK' lines, with the time they arrived
	: >"$QEMU_MARKS"
	set +e
	timeout "${QEMU_TIMEOUT:-600}" qemu-system-aarch64 "${args[@]}" \
		-append "console=ttyAMA0 panic=-1 $*" </dev/null 2>&1 |
		"$top/scripts/stamp.py" "$QEMU_MARKS" >>"$log"
	rc=${PIPESTATUS[0]}
	set -e
else
	timeout "${QEMU_TIMEOUT:-600}" qemu-system-aarch64 "${args[@]}" \
		-append "console=ttyAMA0 panic=-1 $*" </dev/null >>"$log" 2>&1 || rc=$?
fi
[ $rc -eq 124 ] && echo "# TIMEOUT after ${QEMU_TIMEOUT:-600}s" >>"$log"
echo "$log"
