#!/usr/bin/env bash
# make deb: installable Debian packages of the series for an arm64 host.
#
# The kernel is Debian's linux-source-6.1 with patches/ (build/linux), and
# its configuration is Debian's own arm64 one, from the linux-config-6.1
# package of the same version (config.arm64_none_arm64.xz, the flavour of
# linux-image-arm64), changed only where a build outside Debian's tree
# must (config/deb.config says each change and why). Kbuild's bindeb-pkg
# makes the packages: linux-image-<release> and linux-headers-<release>,
# release 6.1.<sublevel>-nested, beside Debian's 6.1.0-N-arm64.
#
#   scripts/deb.sh             configure, check, build the packages (1-2 h)
#   scripts/deb.sh --config    configure and check the configuration only
#   scripts/deb.sh --ci        what fits in CI: the configuration checks,
#                              drivers/iommu and drivers/vfio built with it
#                              through modpost, and the packaging of a
#                              small configuration checked file by file
#
# Packages land in build/deb/. Their version is <Debian's>+nested<N>:
# Debian's source version (config/base, the pinned base), then the series'
# version from the cover letter.
set -euo pipefail
. "$(dirname "$0")/env.sh"

mode=${1:-full}
[ "$mode" = full ] || [ "$mode" = --config ] || [ "$mode" = --ci ] || {
	sed -n '2,/^set/p' "$0" | sed '$d' >&2; exit 2; }
# Debian builds the 32-bit compat vDSO with its arm compiler, as here
karch+=(CROSS_COMPILE_COMPAT=arm-linux-gnueabihf-)
objd=$top/build/obj-deb
# the checks configure and build beside the packages' tree, not in it
[ "$mode" = full ] || objd=$top/build/obj-deb-ci
out=$top/build/deb
frag=$top/config/deb.config
mkdir -p "$objd" "$out"

# --- what it needs: Debian's arm64 configuration, the packaging tools ------
debver=$(grep -v '^#' "$top/config/base")
have=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo none)
if [ "$have" != "$debver" ]; then
	echo "deb: linux-source-6.1 is $have, config/base pins $debver (README, 'When Debian moves on')" >&2
	result FAIL "deb: the base is the pinned $debver"
	exit 1
fi
cfgdir=$top/build/linux-config
cfgxz=$cfgdir/usr/src/linux-config-6.1/config.arm64_none_arm64.xz
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# linux-config-6.1 and the reference linux-image are arm64 packages
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$SUDO dpkg --add-architecture arm64
	$SUDO apt-get update -qq >/dev/null
fi
# libssl-dev:arm64: the headers' sign-file, built for arm64
for p in rsync kmod dpkg-dev fakeroot file libssl-dev:arm64; do
	dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'ok installed' ||
		$SUDO apt-get install -y -qq --no-install-recommends $p >/dev/null
done
if [ "$(cat "$cfgdir/version" 2>/dev/null)" != "$debver" ]; then
	rm -rf "$cfgdir" && mkdir -p "$cfgdir"
	(cd "$cfgdir" && apt-get download -qq "linux-config-6.1:arm64=$debver" >/dev/null 2>&1) || {
		echo "deb: linux-config-6.1:arm64 $debver is not in the archive: the base moved (README, 'When Debian moves on')" >&2
		result FAIL "deb: Debian's arm64 configuration $debver"
		exit 1
	}
	dpkg -x "$cfgdir"/linux-config-6.1_*_arm64.deb "$cfgdir"
	echo "$debver" >"$cfgdir/version"
fi

# The series' version, from the cover letter's subject: [PATCH vN 0/M]
sv=$(sed -n 's/^Subject: \[PATCH v\([0-9]*\) 0\/.*/\1/p' "$top/patches/0000-cover-letter.patch")
pkgver="${debver}+nested${sv:-0}"
release="$(make -s -C "$tree" kernelversion)-nested"
# the packages' Maintainer field (builddeb's default is user@host)
export DEBFULLNAME="${DEBFULLNAME:-$(git -C "$top" config user.name || echo 'Nested Series')}"
export DEBEMAIL="${DEBEMAIL:-$(git -C "$top" config user.email || echo 'nested@example.org')}"

# --- configure: Debian's config, config/deb.config, olddefconfig ----------
# configure DIR BASE: DIR/.config from BASE and the fragment, then checked.
configure() {
	local dir=$1 base=$2
	mkdir -p "$dir"
	cp "$base" "$dir/.config"
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$dir" "$dir/.config" "$frag" 2>&1 |
		grep -v 'changes choice state' | grep -i 'warning' >&2 || true
	make -s -C "$tree" O="$dir" "${karch[@]}" olddefconfig
}

# check_config DIR: each line of the fragment, and what a host needs, as set.
check_config() {
	local dir=$1 bad=0 l
	while IFS= read -r l; do
		if [[ $l == "# CONFIG_"* ]]; then
			# "is not set", or absent when what it depends on is off
			local s=${l#\# }; s=${s%% *}
			grep -q "^$s=" "$dir/.config" || continue
		else
			grep -qx -- "$l" "$dir/.config" && continue
		fi
		echo "deb: '$l' did not survive olddefconfig" >&2; bad=1
	done < <(grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$frag")
	for l in CONFIG_IOMMU_SUPPORT=y CONFIG_IOMMU_API=y CONFIG_ARM_SMMU_V3=y \
		 CONFIG_ARM_SMMU=y CONFIG_PCI_MSI=y CONFIG_ARM_GIC_V3_ITS=y \
		 CONFIG_ARM_GIC_V3_ITS_PCI=y CONFIG_VIRTUALIZATION=y CONFIG_KVM=y CONFIG_EVENTFD=y \
		 CONFIG_VFIO=m CONFIG_VFIO_IOMMU_TYPE1=m CONFIG_VFIO_PCI_CORE=m \
		 CONFIG_VFIO_PCI=m CONFIG_IOMMU_DEFAULT_DMA_STRICT=y \
		 CONFIG_ARM_SMMU_DISABLE_BYPASS_BY_DEFAULT=y CONFIG_MODULES=y \
		 CONFIG_MODULE_SIG=y "# CONFIG_KUNIT is not set" \
		 "# CONFIG_ARM_SMMU_V3_KUNIT_TEST is not set" \
		 "# CONFIG_IOMMU_NESTED_KUNIT_TEST is not set"; do
		if [[ $l == "# CONFIG_"* ]]; then
			local s=${l#\# }; s=${s%% *}
			grep -q "^$s=" "$dir/.config" || continue
			echo "deb: a host's kernel has no $s" >&2; bad=1; continue
		fi
		grep -qx -- "$l" "$dir/.config" || { echo "deb: a host needs '$l'" >&2; bad=1; }
	done
	return $bad
}

# what olddefconfig changed in Debian's config, beyond the fragment
config_delta() {
	local dir=$1
	"$tree/scripts/diffconfig" "$2" "$dir/.config" >"$logs/deb-config.diff" || true
	echo "deb: olddefconfig changed $(wc -l <"$logs/deb-config.diff") symbols of Debian's config (build/logs/deb-config.diff)"
}

debcfg=$objd/debian-arm64.config
xzcat "$cfgxz" >"$debcfg"
if [ ! -f "$objd/.config" ] || [ "$frag" -nt "$objd/.config" ] ||
   [ "$debcfg" -nt "$objd/.config" ] || [ "$mode" != full ]; then
	configure "$objd" "$debcfg"
fi
if check_config "$objd"; then
	result PASS "deb: Debian's arm64 config ($debver) with the series configures as a host needs"
else
	result FAIL "deb: Debian's arm64 config ($debver) with the series configures as a host needs"
	exit 1
fi
config_delta "$objd" "$debcfg"
[ "$mode" = --config ] && exit 0

# --- the headers' programs, for the host that installs them ---------------
# 6.1's builddeb puts into linux-headers the programs of scripts/ as the
# build made them: for the build machine (x86-64 here), so that on the
# arm64 host an out-of-tree module (DKMS, a GPU driver) would not build.
# Each one is built again for arm64 with the commands Kbuild recorded in
# its .cmd files (gcc -> aarch64-linux-gnu-gcc; sign-file needs Debian's
# libssl-dev:arm64), and the package is made again with them.
# headers_for_target OBJDIR PACKAGE
headers_for_target() {
	local dir=$1 pkg=$2 w=$top/build/deb-headers-work t f o cmd rel
	rm -rf "$w" && mkdir -p "$w"
	dpkg-deb -R "$pkg" "$w/pkg"
	rel=$(cat "$dir/include/config/kernel.release")
	# a copy of the object tree's scripts/ and include/, where the
	# recorded commands run as they did (paths relative to the tree)
	t=$w/obj && mkdir -p "$t"
	cp -a "$dir/scripts" "$dir/include" "$t/"
	# build PROGRAM: its objects, then its link, for arm64
	runcmd() {
		cmd=$(sed -n "s|^cmd_$1 := ||p" "$2")
		[ -n "$cmd" ] || return 1
		cmd=${cmd/#gcc /aarch64-linux-gnu-gcc }
		cmd=${cmd/#g++ /aarch64-linux-gnu-g++ }
		(cd "$t" && eval "$cmd") >>"$logs/deb-headers.log" 2>&1
	}
	: >"$logs/deb-headers.log"
	hrebuilt=0
	while IFS= read -r f; do
		o=${f#./usr/src/linux-headers-$rel/}
		# the objects its link names, each from its own recorded command
		for f2 in $(sed -n "s|^cmd_$o := ||p" "$dir/$(dirname "$o")/.$(basename "$o").cmd" |
			    tr ' ' '\n' | grep -E '^[^-].*\.o$' | grep -vx "$o"); do
			runcmd "$f2" "$dir/$(dirname "$f2")/.$(basename "$f2").cmd" ||
				{ echo "deb: $o: no command for $f2" >&2; return 1; }
		done
		runcmd "$o" "$dir/$(dirname "$o")/.$(basename "$o").cmd" ||
			{ echo "deb: $o: not rebuilt for arm64 ($logs/deb-headers.log)" >&2; return 1; }
		cp "$t/$o" "$w/pkg/usr/src/linux-headers-$rel/$o"
		hrebuilt=$((hrebuilt + 1))
	done < <(cd "$w/pkg" && find . -type f -exec file {} + | grep ' ELF ' | grep -v 'ARM aarch64' | cut -d: -f1)
	if [ -f "$w/pkg/DEBIAN/md5sums" ]; then
		(cd "$w/pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
			xargs -r0 md5sum >DEBIAN/md5sums)
	fi
	dpkg-deb --root-owner-group -Zxz -b "$w/pkg" "$pkg" >/dev/null
	rm -rf "$w"
}

# headers_check PACKAGE: every program in it is an arm64 one
headers_check() {
	local w=$top/build/deb-headers-check bad
	rm -rf "$w" && dpkg-deb -x "$1" "$w"
	bad=$(cd "$w" && find . -type f -exec file {} + | grep ' ELF ' | grep -v 'ARM aarch64' | cut -d: -f1)
	rm -rf "$w"
	[ -z "$bad" ] || { echo "deb: not arm64 programs in $(basename "$1"): $bad" >&2; return 1; }
}

# --- CI: what the series touches, built with Debian's configuration ------
# drivers/iommu/ and drivers/vfio/ (everything the series changes but the
# x86 VT-d driver and the selftest) as Debian has them, IOMMU built in and
# VFIO modular: the directories are built in the tree, and drivers/vfio is
# built again as modules (M=) so that modpost runs on them. Without
# vmlinux (Debian's vmlinux is most of an hour here) modpost cannot tell
# an unexported symbol from a kernel one, so the modules' imports are
# checked here: every symbol a module takes from drivers/iommu/ or from
# another of the modules must be exported there.
ci_build() {
	local cl=$logs/deb-ci-build.log m=$top/build/deb-ci-vfio
	make -C "$tree" O="$objd" "${karch[@]}" -j"$jobs" modules_prepare >"$cl" 2>&1 &&
	make -C "$tree" O="$objd" "${karch[@]}" -j"$jobs" drivers/iommu/ drivers/vfio/ >>"$cl" 2>&1 || {
		grep -E 'error|Error' "$cl" | head -n 20 >&2
		return 1
	}
	rm -rf "$m" && cp -r "$tree/drivers/vfio" "$m"
	make -C "$tree" O="$objd" "${karch[@]}" -j"$jobs" M="$m" modules >>"$cl" 2>&1 || {
		grep -E 'error|Error' "$cl" | head -n 20 >&2
		return 1
	}
	# warnings in what the series touches (Debian's config, no W=1)
	if grep -E '^[^ ]*(drivers/iommu|drivers/vfio|include/linux/iommu|include/uapi/linux/(iommu|vfio))[^ ]*: warning:' "$cl" >&2; then
		echo "deb: warnings (build/logs/deb-ci-build.log)" >&2
		return 1
	fi
	kos=$(find "$m" -name '*.ko' | sort)
	[ -n "$kos" ] || { echo "deb: no module in drivers/vfio" >&2; return 1; }
	echo "deb: drivers/vfio as modules with Debian's config: $(for k in $kos; do basename "$k"; done | tr '\n' ' ')"
	return 0
}

# ci_imports: each module's imports from drivers/iommu/ or from another
# module of drivers/vfio are exported by their definer.
ci_imports() {
	local defs=$top/build/deb-ci-defs bad=0 k s f
	nm_a() { aarch64-linux-gnu-nm --defined-only "$@" 2>/dev/null; }
	# definer of each global symbol: drivers/iommu's built-in objects, the modules
	{
		for f in $(find "$objd/drivers/iommu" -name '*.o' ! -name '*.mod.o' ! -name 'built-in.a'); do
			nm_a "$f" | awk -v f="${f#$objd/}" '$2 ~ /^[TDRB]$/ || $3 ~ /^__ksymtab_/ {print $3, f}'
		done
		for k in $kos; do
			nm_a "$k" | awk -v f="$(basename "$k")" '$2 ~ /^[TDRB]$/ || $3 ~ /^__ksymtab_/ {print $3, f}'
		done
	} | sort -u >"$defs"
	for k in $kos; do
		for s in $(aarch64-linux-gnu-nm -u "$k" | awk '{print $2}'); do
			f=$(awk -v s="$s" '$1 == s {print $2; exit}' "$defs")
			[ -n "$f" ] || continue		# the kernel's own, not ours to judge
			if [[ $f == *.ko ]]; then
				grep -q "^__ksymtab_$s $f\$" "$defs" && continue
			else
				grep -q "^__ksymtab_$s drivers/iommu/" "$defs" && continue
			fi
			echo "deb: $(basename "$k") uses $s of $f, which does not export it" >&2
			bad=1
		done
	done
	return $bad
}

# --- CI: the packaging, on a small configuration -------------------------
# bindeb-pkg on make check's modular tree (build/obj-arm64-m, already built
# there at the series' head), and its files against Debian's own
# linux-image of the same version: the kernel, its config and System.map
# in /boot, each module Debian also has at Debian's path, the maintainer
# scripts running /etc/kernel/postinst.d (initramfs-tools, GRUB) as
# Debian's do, and the headers where /lib/modules/<release>/build says.
ci_package() {
	local dir=$top/build/obj-arm64-m ref=$top/build/deb-ref pk=$top/build/deb-ci
	local cl=$logs/deb-ci-package.log bad=0 rel drel meta f m n=0
	meta=$(apt-cache depends "linux-image-arm64:arm64=$debver" 2>/dev/null |
		sed -n 's/.*Depends: \(linux-image-6[^:]*\).*/\1/p' | head -n 1)
	[ -n "$meta" ] || { echo "deb: no linux-image-arm64 $debver in the archive" >&2; return 1; }
	if [ "$(cat "$ref/name" 2>/dev/null)" != "$meta=$debver" ]; then
		rm -rf "$ref" && mkdir -p "$ref"
		(cd "$ref" && apt-get download -qq "$meta:arm64=$debver" >/dev/null 2>&1) ||
			{ echo "deb: cannot download $meta $debver" >&2; return 1; }
		dpkg-deb -c "$ref"/*.deb | awk '{print $6}' >"$ref/list"
		dpkg-deb -e "$ref"/*.deb "$ref/control"
		rm -f "$ref"/*.deb
		echo "$meta=$debver" >"$ref/name"
	fi
	drel=${meta#linux-image-}
	rm -rf "$pk" && mkdir -p "$pk"
	rm -f "$top"/build/linux-*.deb "$top"/build/linux-*.buildinfo "$top"/build/linux-*.changes
	make -C "$tree" O="$dir" "${karch[@]}" -j"$jobs" KDEB_PKGVERSION="$pkgver" \
		KDEB_COMPRESS=gzip bindeb-pkg >"$cl" 2>&1 || {
		grep -E 'error|Error' "$cl" | head -n 20 >&2; return 1; }
	mv "$top"/build/linux-*.deb "$pk/" && rm -f "$top"/build/linux-*.buildinfo "$top"/build/linux-*.changes
	rel=$(cat "$dir/include/config/kernel.release")
	headers_for_target "$dir" "$pk/linux-headers-${rel}_${pkgver}_arm64.deb" &&
	headers_check "$pk/linux-headers-${rel}_${pkgver}_arm64.deb" || bad=1
	dpkg-deb -c "$pk/linux-image-${rel}_${pkgver}_arm64.deb" | awk '{print $6}' >"$pk/image.list" &&
	dpkg-deb -c "$pk/linux-headers-${rel}_${pkgver}_arm64.deb" | awk '{print $6, $8}' >"$pk/headers.list" &&
	dpkg-deb -e "$pk/linux-image-${rel}_${pkgver}_arm64.deb" "$pk/control" || return 1
	for f in vmlinuz config System.map; do
		grep -qx "./boot/$f-$drel" "$ref/list" || { echo "deb: Debian's $meta has no /boot/$f-$drel" >&2; bad=1; }
		grep -qx "./boot/$f-$rel" "$pk/image.list" || { echo "deb: the package has no /boot/$f-$rel" >&2; bad=1; }
	done
	while read -r m; do
		f=$(grep -m 1 "^\./lib/modules/$drel/kernel/.*/$(basename "$m")\$" "$ref/list") || continue
		n=$((n + 1))
		[ "${f#./lib/modules/$drel/}" = "${m#./lib/modules/$rel/}" ] ||
			{ echo "deb: ${m#./lib/modules/$rel/} is ${f#./lib/modules/$drel/} in Debian's" >&2; bad=1; }
	done < <(grep "^\./lib/modules/$rel/kernel/.*\.ko\$" "$pk/image.list")
	[ $n -gt 0 ] || { echo "deb: no module of the package is in Debian's" >&2; bad=1; }
	for f in "$ref/control/postinst" "$pk/control/postinst" "$pk/control/postrm"; do
		grep -q '/etc/kernel/post\(inst\|rm\)\.d' "$f" || { echo "deb: $f runs no /etc/kernel hook" >&2; bad=1; }
	done
	grep -qx "./lib/modules/$rel/build /usr/src/linux-headers-$rel" "$pk/headers.list" ||
		{ echo "deb: no /lib/modules/$rel/build link to the headers" >&2; bad=1; }
	for f in Makefile .config Module.symvers; do
		grep -q "^\./usr/src/linux-headers-$rel/$f " "$pk/headers.list" || { echo "deb: the headers have no $f" >&2; bad=1; }
	done
	echo "deb: packaged $rel from build/obj-arm64-m: $(grep -c '\.ko$' "$pk/image.list") modules, $n of them at Debian's paths in $meta; the headers' $hrebuilt programs rebuilt for arm64"
	return $bad
}

if [ "$mode" = --ci ]; then
	if ci_package; then
		result PASS "deb: bindeb-pkg of a small configuration installs its files where Debian's $debver does"
	else
		result FAIL "deb: bindeb-pkg of a small configuration installs its files where Debian's $debver does"
	fi
	if ci_build && ci_imports; then
		result PASS "deb: drivers/iommu and drivers/vfio build with Debian's config, VFIO as modules through modpost, imports exported"
	else
		result FAIL "deb: drivers/iommu and drivers/vfio build with Debian's config, VFIO as modules through modpost, imports exported"
	fi
	exit 0
fi

# --- full: the packages -------------------------------------------------
if [ "$mode" = full ]; then
	echo "deb: building linux-image-$release and linux-headers-$release $pkgver (Debian's arm64 config, -j$jobs)"
	t0=$(date +%s)
	rm -f "$top"/build/*.deb "$top"/build/*.buildinfo "$top"/build/*.changes
	if ! make -C "$tree" O="$objd" "${karch[@]}" -j"$jobs" \
		KDEB_PKGVERSION="$pkgver" KDEB_COMPRESS=xz \
		KBUILD_BUILD_USER=nested KBUILD_BUILD_HOST=workspace \
		bindeb-pkg >"$logs/deb-build.log" 2>&1; then
		grep -E 'error|Error' "$logs/deb-build.log" | head -n 20 >&2
		result FAIL "deb: the packages build" "build/logs/deb-build.log"
		exit 1
	fi
	mv "$top"/build/linux-*"$pkgver"*.deb "$top"/build/*.buildinfo "$top"/build/*.changes "$out/" 2>/dev/null || true
	hd=$out/linux-headers-${release}_${pkgver}_arm64.deb
	if headers_for_target "$objd" "$hd" && headers_check "$hd"; then
		result PASS "deb: the headers' programs are arm64 ones"
	else
		result FAIL "deb: the headers' programs are arm64 ones"
	fi
	t=$(( $(date +%s) - t0 ))
	echo "deb: built in ${t}s on $(nproc) cores: $(cd "$out" && ls linux-*"$pkgver"*.deb | tr '\n' ' ')"
	echo "$t" >"$out/build-seconds"
	result PASS "deb: linux-image-$release and linux-headers-$release $pkgver built"
	exit 0
fi
