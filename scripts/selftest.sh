#!/usr/bin/env bash
# scripts/selftest.sh [kernel args...]: the VFIO nested selftest
# (tools/testing/selftests/iommu) under QEMU, built
# static for arm64 against the test kernel's installed uapi headers, packed
# as /test of an initramfs whose /init (scripts/init.c) runs it, booted
# with KUnit off; it binds edu to vfio-pci, plays the VMM, and /init
# reports kmemleak and powers off. Each TAP case counts.
# The machine has a GICv3 ITS, which isolates MSIs: VFIO needs no
# allow_unsafe_interrupts, and MSIs are translated as on real hardware.
# Kernel args replay or resize a run: vfio_nested.seed=0x.. (the seed a
# run printed), vfio_nested.requests=N (requests fuzzed; 100000 default).
set -uo pipefail
. "$(dirname "$0")/env.sh"

out=$top/build/selftest
mkdir -p "$out"
if ! make -s -C "$tree/tools/testing/selftests/iommu" "${karch[@]:1}" \
	OUTPUT="$out" KHDR_INCLUDES="-isystem $obj/usr/include" LDFLAGS=-static \
	>"$logs/selftest-build.log" 2>&1; then
	cat "$logs/selftest-build.log"
	result FAIL "selftest: build" "see build/logs/selftest-build.log"
	exit 1
fi
"$top/scripts/initramfs.sh" "$out/initramfs.cpio" "$out/vfio_nested" || {
	result FAIL "selftest: initramfs"
	exit 1
}
# about 6 minutes of QEMU on 2 cores (the fuzz case's DMA checks are most
# of it): allow twice that
log=$(INITRD="$out/initramfs.cpio" QEMU_MACHINE=virt,iommu=smmuv3,gic-version=3 \
	QEMU_TIMEOUT=${QEMU_TIMEOUT:-1200} \
	"$top/scripts/qemu.sh" selftest kunit.enable=0 "$@" | tail -n 1)
echo "selftest: console log $log"
rc=0
VERDICT_PREFIX=selftest "$top/scripts/verdict.py" boot "$log" || rc=1
"$top/scripts/verdict.py" tap selftest-iommu "$log" || rc=1
"$top/scripts/verdict.py" console "$log" || rc=1
"$top/scripts/verdict.py" leaks "$log" || rc=1
exit $rc
