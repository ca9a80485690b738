#!/usr/bin/env bash
# Install what the workspace needs from Debian's archive, once (idempotent,
# no prompts). Nothing is downloaded from anywhere else.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
for p in linux-source-6.1 gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
	 flex bison bc libssl-dev libelf-dev cpio sparse python3 gcc make \
	 xz-utils git python3-ply python3-git qemu-efi-aarch64 \
	 gcc-arm-linux-gnueabihf kmod; do
	have_pkg "$p" || need+=("$p")
done

qemu_ok() {
	command -v qemu-system-aarch64 >/dev/null 2>&1 || return 1
	local v
	v=$(qemu-system-aarch64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
	[ "${v:-0}" -ge 10 ]
}

if [ ${#need[@]} -eq 0 ] && qemu_ok; then
	exit 0
fi

echo "deps: installing ${need[*]} ${qemu_ok:+}$(qemu_ok || echo qemu-system-arm/bookworm-backports)"

# bookworm-backports carries QEMU 10.0.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo 'deb http://deb.debian.org/debian bookworm-backports main' |
		$SUDO tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
fi

$SUDO apt-get update -qq
# the base at the pinned version while the archive has it (config/base)
pin=$(grep -v '^#' "$(dirname "$0")/../config/base")
src=linux-source-6.1
apt-cache show "linux-source-6.1=$pin" >/dev/null 2>&1 && src="linux-source-6.1=$pin"
need=("${need[@]/#linux-source-6.1*/$src}")
if [ ${#need[@]} -gt 0 ]; then
	$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if ! qemu_ok; then
	$SUDO apt-get install -y -qq --no-install-recommends \
		-t bookworm-backports qemu-system-arm
fi
qemu_ok || { echo "deps: qemu-system-aarch64 >= 10 not available" >&2; exit 1; }
