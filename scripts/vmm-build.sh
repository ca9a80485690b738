#!/usr/bin/env bash
# The RFC's VMM with the project's fixes (vmm/*.patch), for real guests.
#
# ../shared/rfc-vmm/ holds the VMM as the RFC built it (QEMU's branch
# v6.1.0-rmr-v2-nested_smmuv3_v10 at bc504f47fc11), its source and its
# build.sh. This builds the same source with vmm/*.patch applied (each
# patch fixes one defect of the VMM's own; none touches the VFIO ABI it
# speaks), static for arm64 as build.sh does, with the devices a guest
# of an operator's needs besides vfio-pci: PCIe root ports, virtio block,
# net, SCSI and RNG, an e1000e NIC.
#
#   scripts/vmm-build.sh       build/vmm-fixed/qemu-system-aarch64, built
#                              again only when vmm/ or this script change
#
# About 3 minutes on 2 cores. The unmodified binary stays in the tests.
set -euo pipefail
. "$(dirname "$0")/env.sh"

rfc=$top/../shared/rfc-vmm
out=$top/build/vmm-fixed
src=$(ls "$rfc"/qemu-*.tar.xz 2>/dev/null | head -n 1)
[ -n "$src" ] || { echo "vmm-build: no VMM source in $rfc" >&2; exit 1; }
# the fixes, in order: every NNNN-*.patch but the cover letter
patches=$(ls "$top"/vmm/[0-9][0-9][0-9][0-9]-*.patch | grep -v '/0000-')
# what the binary is built from: the source, the patches, this script
key=$(cat "$src" $patches "$0" | sha256sum | cut -c1-16)
if [ -x "$out/qemu-system-aarch64" ] && [ "$(cat "$out/key" 2>/dev/null)" = "$key" ]; then
	echo "vmm-build: $out/qemu-system-aarch64 is up to date ($key)"
	exit 0
fi

# arm64 static libraries for a cross build (Debian multiarch), as build.sh
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
if ! [ -e /usr/lib/aarch64-linux-gnu/libglib-2.0.a ] || ! [ -e /usr/lib/aarch64-linux-gnu/libfdt.a ] ||
   ! [ -e /usr/lib/aarch64-linux-gnu/libpixman-1.a ] || ! command -v ninja >/dev/null; then
	dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
	$SUDO apt-get update -qq
	# libfdt-dev cannot be installed for two architectures at once
	if dpkg -s libfdt-dev:amd64 >/dev/null 2>&1; then
		$SUDO apt-get remove -y -qq libfdt-dev:amd64
	fi
	$SUDO apt-get install -y -qq --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
		libglib2.0-dev:arm64 libpixman-1-dev:arm64 zlib1g-dev:arm64 libfdt-dev:arm64 \
		libpcre2-dev:arm64 libffi-dev:arm64 meson ninja-build pkg-config python3 >/dev/null
fi

start=$(date +%s)
rm -rf "$out"
mkdir -p "$out"
tar -xJf "$src" -C "$out"
q=$out/qemu
for p in $patches; do
	patch -s -p1 -d "$q" --no-backup-if-mismatch <"$p" ||
		{ echo "vmm-build: $(basename "$p") does not apply" >&2; exit 1; }
	echo "vmm-build: applied $(basename "$p")"
done
# as build.sh: the fp submodule of the tests is absent
sed -i "s/^  subdir('fp')/  # subdir('fp') -- submodule absent/" "$q/tests/meson.build"
# the virt machine and vfio-pci, as the RFC's build, and what a guest of an
# operator's uses; QEMU 6.1's target/arm links the M-profile helpers
printf '%s\n' CONFIG_ARM_VIRT=y CONFIG_VFIO_PCI=y CONFIG_ARM_V7M=y CONFIG_SEMIHOSTING=y \
	CONFIG_ARM_COMPATIBLE_SEMIHOSTING=y CONFIG_ARM_GIC_KVM=y \
	CONFIG_PCIE_PORT=y CONFIG_VIRTIO_PCI=y CONFIG_VIRTIO_BLK=y CONFIG_VIRTIO_NET=y \
	CONFIG_VIRTIO_SCSI=y CONFIG_VIRTIO_RNG=y CONFIG_E1000E_PCI_EXPRESS=y \
	> "$q/configs/devices/aarch64-softmmu/rfcvmm.mak"
mkdir -p "$q/build"
cd "$q/build"
# build.sh's configuration (-fno-pie: Debian's cross gcc defaults to PIE,
# which a static non-PIE link cannot take)
../configure --cross-prefix=aarch64-linux-gnu- --static --target-list=aarch64-softmmu \
  --meson=meson --disable-werror --without-default-devices --with-devices-aarch64=rfcvmm \
  --enable-kvm --enable-tcg --enable-fdt=system \
  --disable-docs --disable-tools --disable-guest-agent --disable-gio --disable-slirp --disable-capstone \
  --disable-sdl --disable-gtk --disable-vnc --disable-spice --disable-opengl --disable-virglrenderer \
  --disable-curses --disable-xen --disable-libudev --disable-attr --disable-seccomp --disable-cap-ng \
  --disable-linux-aio --disable-linux-io-uring --disable-libusb --disable-usb-redir --disable-smartcard \
  --disable-zstd --disable-lzo --disable-snappy --disable-bzip2 --disable-lzfse --disable-gnutls \
  --disable-nettle --disable-gcrypt --disable-auth-pam --disable-vde --disable-netmap --disable-libssh \
  --disable-numa --disable-rbd --disable-glusterfs --disable-libiscsi --disable-libnfs --disable-virtfs \
  --disable-fuse --disable-mpath --disable-libpmem --disable-libdaxctl --disable-rdma --disable-pvrdma \
  --disable-bpf --disable-brlapi --disable-alsa --disable-pa --disable-jack --disable-oss --audio-drv-list= \
  --disable-xkbcommon --disable-iconv --disable-u2f --disable-multiprocess --disable-vhost-user \
  --disable-vhost-net --disable-vhost-vsock --disable-vhost-scsi --disable-vhost-crypto --disable-vhost-kernel \
  --disable-vhost-vdpa --disable-live-block-migration --disable-tpm --disable-replication \
  --disable-bochs --disable-cloop --disable-dmg --disable-vdi --disable-vvfat --disable-qed --disable-parallels \
  --disable-crypto-afalg --disable-malloc-trim --disable-membarrier --disable-qom-cast-debug --disable-pie \
  --disable-debug-tcg --disable-sparse --disable-gettext \
  --disable-debug-info --extra-cflags=-fno-pie --extra-ldflags=-no-pie > "$logs/vmm-build-configure.log" 2>&1 || {
	tail -n 20 "$logs/vmm-build-configure.log" >&2; exit 1; }
ninja -j"$jobs" qemu-system-aarch64 > "$logs/vmm-build.log" 2>&1 || {
	grep -E 'error|FAILED' "$logs/vmm-build.log" | head -n 20 >&2; exit 1; }
aarch64-linux-gnu-strip -o "$out/qemu-system-aarch64" "$q/build/qemu-system-aarch64"
# the sources and objects are not kept: about 1 GiB
rm -rf "$q"
echo "$key" > "$out/key"
echo "vmm-build: $out/qemu-system-aarch64 in $(( $(date +%s) - start ))s ($key; $(echo $patches | wc -w) patches)"
