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
#   scripts/deb.sh --tree      the packages' kernel (Image) and its VFIO
#                              modules only, in the same tree, without
#                              the ~3500 other modules: for VMM_L1=deb-tree
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
[ "$mode" = full ] || [ "$mode" = --config ] || [ "$mode" = --ci ] || [ "$mode" = --tree ] || {
	sed -n '2,/^set/p' "$0" | sed '$d' >&2; exit 2; }
# Debian builds the 32-bit compat vDSO with its arm compiler, as here;
# LOCALVERSION set (empty) keeps Kbuild from adding "+" for a git tree
# without a tag at HEAD: the release is CONFIG_LOCALVERSION's alone
karch+=(CROSS_COMPILE_COMPAT=arm-linux-gnueabihf- LOCALVERSION=)
objd=$top/build/obj-deb
# the checks configure and build beside the packages' tree, not in it
[ "$mode" = full ] || [ "$mode" = --tree ] || objd=$top/build/obj-deb-ci
out=$top/build/deb
frag=$top/config/deb.config
mkdir -p "$objd" "$out"
# one deb.sh at a time: bindeb-pkg writes its packages into build/ (the
# parent of every object tree), and --tree shares the packages' tree
exec 9>"$top/build/deb.lock"
flock -n 9 || { echo "deb: waiting for another scripts/deb.sh"; flock 9; }

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
# the packages' Maintainer field (builddeb's default is user@host)
export DEBFULLNAME="${DEBFULLNAME:-$(git -C "$top" config user.name || echo 'Nested Series')}"
export DEBEMAIL="${DEBEMAIL:-$(git -C "$top" config user.email || echo 'nested@example.org')}"

# --- configure: Debian's config, config/deb.config, olddefconfig ----------
# configure DIR BASE: DIR/.config from BASE and the fragment, then checked.
configure() {
	local dir=$1 base=$2
	mkdir -p "$dir"
	cp "$base" "$dir/.config"
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$dir" "$dir/.config" "$frag" >"$logs/deb-merge.log" 2>&1 ||
		{ cat "$logs/deb-merge.log" >&2; return 1; }
	make -s -C "$tree" O="$dir" "${karch[@]}" olddefconfig >>"$logs/deb-merge.log" 2>&1 ||
		{ cat "$logs/deb-merge.log" >&2; return 1; }
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
			grep -Fqx -- "$l" "$dir/.config" && continue
		fi
		echo "deb: '$l' did not survive olddefconfig" >&2; bad=1
	done < <(grep -E '^(CONFIG_|# CONFIG_.* is not set)' "$frag")
	for l in CONFIG_IOMMU_SUPPORT=y CONFIG_IOMMU_API=y CONFIG_ARM_SMMU_V3=y \
		 CONFIG_ARM_SMMU=y CONFIG_PCI_MSI=y CONFIG_ARM_GIC_V3_ITS=y \
		 CONFIG_ARM_GIC_V3_ITS_PCI=y CONFIG_VIRTUALIZATION=y CONFIG_KVM=y CONFIG_EVENTFD=y \
		 CONFIG_VFIO=m CONFIG_VFIO_IOMMU_TYPE1=m CONFIG_VFIO_PCI_CORE=m \
		 CONFIG_VFIO_PCI=m CONFIG_IOMMU_DEFAULT_DMA_STRICT=y \
		 CONFIG_ARM_SMMU_DISABLE_BYPASS_BY_DEFAULT=y CONFIG_MODULES=y \
		 CONFIG_MODULE_SIG=y CONFIG_COMPAT_VDSO=y "# CONFIG_KUNIT is not set" \
		 "# CONFIG_ARM_SMMU_V3_KUNIT_TEST is not set" \
		 "# CONFIG_IOMMU_NESTED_KUNIT_TEST is not set"; do
		if [[ $l == "# CONFIG_"* ]]; then
			local s=${l#\# }; s=${s%% *}
			grep -q "^$s=" "$dir/.config" || continue
			echo "deb: a host's kernel has no $s" >&2; bad=1; continue
		fi
		grep -Fqx -- "$l" "$dir/.config" || { echo "deb: a host needs '$l'" >&2; bad=1; }
	done
	return $bad
}

# what olddefconfig changed in Debian's config, beyond the fragment
config_delta() {
	local dir=$1
	local d=$logs/$(basename "$dir")-config.diff
	"$tree/scripts/diffconfig" "$2" "$dir/.config" >"$d" || true
	echo "deb: olddefconfig changed $(wc -l <"$d") symbols of Debian's config (build/logs/$(basename "$d"))"
}

debcfg=$objd/debian-arm64.config
xzcat "$cfgxz" >"$debcfg.new"
cmp -s "$debcfg.new" "$debcfg" && rm "$debcfg.new" || mv "$debcfg.new" "$debcfg"
if [ ! -f "$objd/.config" ] || [ "$frag" -nt "$objd/.config" ] ||
   [ "$debcfg" -nt "$objd/.config" ] || [ "$objd" != "$top/build/obj-deb" ]; then
	configure "$objd" "$debcfg" ||
		{ result FAIL "deb: Debian's arm64 config ($debver) with the series configures as a host needs" "merge_config/olddefconfig"; exit 1; }
fi
if check_config "$objd"; then
	result PASS "deb: Debian's arm64 config ($debver) with the series configures as a host needs"
else
	result FAIL "deb: Debian's arm64 config ($debver) with the series configures as a host needs"
	exit 1
fi
config_delta "$objd" "$debcfg"
release=$(make -s -C "$tree" O="$objd" "${karch[@]}" kernelrelease)
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
	[ -f "$pkg" ] || { echo "deb: no $pkg" >&2; return 1; }
	rm -rf "$w" && mkdir -p "$w"
	dpkg-deb -R "$pkg" "$w/pkg" || return 1
	rel=$(cat "$dir/include/config/kernel.release")
	# a copy of the object tree's scripts/ and include/, where the
	# recorded commands run as they did (paths relative to the tree)
	t=$w/obj && mkdir -p "$t"
	cp -a "$dir/scripts" "$dir/include" "$t/" || return 1
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
		cp "$t/$o" "$w/pkg/usr/src/linux-headers-$rel/$o" || return 1
		hrebuilt=$((hrebuilt + 1))
	done < <(cd "$w/pkg" && find . -type f -exec file {} + | grep ' ELF ' | grep -v 'ARM aarch64' | cut -d: -f1)
	if [ -f "$w/pkg/DEBIAN/md5sums" ]; then
		(cd "$w/pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
			xargs -r0 md5sum >DEBIAN/md5sums)
	fi
	[ "$hrebuilt" -gt 0 ] || { echo "deb: no program of the build machine in $(basename "$pkg")" >&2; return 1; }
	dpkg-deb --root-owner-group -Zxz -b "$w/pkg" "$pkg" >/dev/null || return 1
	rm -rf "$w"
}

# headers_check PACKAGE: every program in it is an arm64 one
headers_check() {
	local w=$top/build/deb-headers-check elf bad
	[ -f "$1" ] || { echo "deb: no $1" >&2; return 1; }
	rm -rf "$w" && dpkg-deb -x "$1" "$w" || return 1
	elf=$(cd "$w" && find . -type f -exec file {} + | grep ' ELF ') || true
	rm -rf "$w"
	[ -n "$elf" ] || { echo "deb: no program in $(basename "$1")" >&2; return 1; }
	bad=$(echo "$elf" | grep -v 'ARM aarch64' | cut -d: -f1) || true
	[ -z "$bad" ] || { echo "deb: not arm64 programs in $(basename "$1"): $bad" >&2; return 1; }
}

# --- CI: what the series touches, built with Debian's configuration ------
# drivers/iommu/ and drivers/vfio/ (everything the series changes but the
# x86 VT-d driver and the selftest) as Debian has them, IOMMU built in and
# VFIO modular: the directories are built in the tree, and drivers/vfio is
# built again as modules (M=) so that modpost runs on them, in full: the
# kernel's exports are those of Debian's own vmlinux of the same version
# (the Module.symvers of its linux-headers package; building Debian's
# vmlinux here is most of an hour), but for drivers/iommu/, whose exports
# are taken from the objects just built (the series adds some). An import
# nothing exports is then modpost's error, as it would be in make deb.

# debian_ref: Debian's linux-image and linux-headers of the pinned version,
# in build/deb-ref (the image's file list and maintainer scripts, the
# headers' Module.symvers); sets drel, Debian's release (6.1.0-N-arm64).
debian_ref() {
	local ref=$top/build/deb-ref meta
	meta=$(apt-cache depends "linux-image-arm64:arm64=$debver" 2>/dev/null |
		sed -n 's/.*Depends: \(linux-image-6[^:]*\).*/\1/p' | head -n 1)
	[ -n "$meta" ] || { echo "deb: no linux-image-arm64 $debver in the archive" >&2; return 1; }
	drel=${meta#linux-image-}
	[ "$(cat "$ref/name" 2>/dev/null)" = "$drel=$debver" ] && return 0
	rm -rf "$ref" && mkdir -p "$ref"
	(cd "$ref" && apt-get download -qq "linux-image-$drel:arm64=$debver" \
		"linux-headers-$drel:arm64=$debver" >/dev/null 2>&1) ||
		{ echo "deb: cannot download Debian's $drel $debver" >&2; return 1; }
	dpkg-deb -c "$ref/linux-image-${drel}_${debver}_arm64.deb" | awk '{print $6}' >"$ref/list" &&
	dpkg-deb -e "$ref/linux-image-${drel}_${debver}_arm64.deb" "$ref/control" &&
	dpkg-deb --fsys-tarfile "$ref/linux-image-${drel}_${debver}_arm64.deb" |
		tar -xO "./boot/vmlinuz-$drel" >"$ref/vmlinuz" &&
	file -b "$ref/vmlinuz" | cut -d, -f1 >"$ref/vmlinuz.type" && rm "$ref/vmlinuz" &&
	dpkg-deb --fsys-tarfile "$ref/linux-headers-${drel}_${debver}_arm64.deb" |
		tar -xO "./usr/src/linux-headers-$drel/Module.symvers" >"$ref/Module.symvers" || return 1
	rm -f "$ref"/*.deb
	echo "$drel=$debver" >"$ref/name"
}

# ci_symvers: $objd/Module.symvers, Debian's vmlinux exports with
# drivers/iommu/'s as built: a symbol drivers/iommu defines is exported
# only if its objects export it.
ci_symvers() {
	local w=$top/build/deb-ci-syms f
	mkdir -p "$w"
	for f in $(find "$objd/drivers/iommu" -name '*.o' ! -name '*.mod.o'); do
		aarch64-linux-gnu-nm --defined-only "$f"
	done >"$w/nm"
	awk '$2 ~ /^[TDRB]$/ {print $3}' "$w/nm" | sort -u >"$w/defined"
	sed -n 's/.* __ksymtab_\(.*\)$/\1/p' "$w/nm" | sort -u >"$w/exported"
	{
		awk -F'\t' -v d="$w/defined" -v e="$w/exported" -v n="$w/new" '
			BEGIN { while ((getline l < d) > 0) defd[l] = 1
				while ((getline l < e) > 0) expd[l] = 1 }
			$3 == "vmlinux" && (!($2 in defd) || ($2 in expd)) { print; seen[$2] = 1 }
			END { for (x in expd) if (!(x in seen)) print x > n }
		' "$top/build/deb-ref/Module.symvers" || return 1
		touch "$w/new"
		for f in $(cat "$w/new"); do
			if grep -rqs "EXPORT_SYMBOL_GPL($f)" "$tree/drivers/iommu"; then
				printf '0x00000000\t%s\tvmlinux\tEXPORT_SYMBOL_GPL\t\n' "$f"
			else
				printf '0x00000000\t%s\tvmlinux\tEXPORT_SYMBOL\t\n' "$f"
			fi
		done
	} >"$objd/Module.symvers"
	echo "deb: the kernel's exports: Debian's vmlinux's $(awk -F'\t' '$3 == "vmlinux"' "$top/build/deb-ref/Module.symvers" | wc -l), drivers/iommu/'s as built $(wc -l <"$w/exported") ($(wc -l <"$w/new") new)"
}

ci_build() {
	local cl=$logs/deb-ci-build.log m=$top/build/deb-ci-vfio
	make -C "$tree" O="$objd" "${karch[@]}" -j"$jobs" modules_prepare >"$cl" 2>&1 &&
	make -C "$tree" O="$objd" "${karch[@]}" -j"$jobs" drivers/iommu/ drivers/vfio/ >>"$cl" 2>&1 || {
		grep -E 'error|Error' "$cl" | head -n 20 >&2
		return 1
	}
	debian_ref && ci_symvers || return 1
	rm -rf "$m" && cp -r "$tree/drivers/vfio" "$m"
	make -C "$tree" O="$objd" "${karch[@]}" -j"$jobs" M="$m" modules >>"$cl" 2>&1 || {
		grep -E 'ERROR|error|Error' "$cl" | head -n 20 >&2
		return 1
	}
	# modpost ran in full (no -w: it had the kernel's symbols)
	if grep -q 'unresolved symbol warnings\|Symbol info of vmlinux is missing' "$cl"; then
		echo "deb: modpost ran without the kernel's symbols" >&2
		return 1
	fi
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

# --- CI: the packaging, on a small configuration -------------------------
# bindeb-pkg on make check's modular tree (build/obj-arm64-m, already built
# there at the series' head), and its files against Debian's own
# linux-image of the same version: the kernel, its config and System.map
# in /boot, each module Debian also has at Debian's path, the maintainer
# scripts running /etc/kernel/postinst.d (initramfs-tools, GRUB) as
# Debian's do, and the headers where /lib/modules/<release>/build says.
ci_package() {
	local dir=$top/build/obj-arm64-m ref=$top/build/deb-ref pk=$top/build/deb-ci
	local cl=$logs/deb-ci-package.log bad=0 rel f m n=0 meta
	debian_ref || return 1
	meta=linux-image-$drel
	rm -rf "$pk" && mkdir -p "$pk"
	rm -f "$top"/build/linux-*.deb "$top"/build/linux-*.buildinfo "$top"/build/linux-*.changes
	make -C "$tree" O="$dir" "${karch[@]}" -j"$jobs" KDEB_PKGVERSION="$pkgver" \
		KBUILD_IMAGE=arch/arm64/boot/Image KDEB_COMPRESS=gzip bindeb-pkg >"$cl" 2>&1 || {
		grep -E 'error|Error' "$cl" | head -n 20 >&2; return 1; }
	# linux-libc-dev is Debian's to give (userspace's uapi headers)
	rm -f "$top"/build/linux-libc-dev_*.deb
	mv "$top"/build/linux-*.deb "$pk/" && rm -f "$top"/build/linux-*.buildinfo "$top"/build/linux-*.changes
	rel=$(cat "$dir/include/config/kernel.release")
	headers_for_target "$dir" "$pk/linux-headers-${rel}_${pkgver}_arm64.deb" &&
	headers_check "$pk/linux-headers-${rel}_${pkgver}_arm64.deb" || bad=1
	dpkg-deb -c "$pk/linux-image-${rel}_${pkgver}_arm64.deb" | awk '{print $6}' >"$pk/image.list" &&
	dpkg-deb -c "$pk/linux-headers-${rel}_${pkgver}_arm64.deb" | awk '{print $6, $8}' >"$pk/headers.list" &&
	dpkg-deb -e "$pk/linux-image-${rel}_${pkgver}_arm64.deb" "$pk/control" || return 1
	# the kernel itself as Debian's: an uncompressed Image (an EFI
	# application, which shim and sbsign take), not Kbuild's Image.gz
	dpkg-deb --fsys-tarfile "$pk/linux-image-${rel}_${pkgver}_arm64.deb" |
		tar -xO "./boot/vmlinuz-$rel" >"$pk/vmlinuz" || return 1
	f=$(file -b "$pk/vmlinuz" | cut -d, -f1)
	rm -f "$pk/vmlinuz"
	[ "$f" = "$(cat "$ref/vmlinuz.type")" ] ||
		{ echo "deb: /boot/vmlinuz-$rel is '$f', Debian's '$(cat "$ref/vmlinuz.type")'" >&2; bad=1; }
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
		ok=1
	fi
	if ci_build; then
		result PASS "deb: drivers/iommu and drivers/vfio build with Debian's config, VFIO as modules through modpost, imports exported"
	else
		result FAIL "deb: drivers/iommu and drivers/vfio build with Debian's config, VFIO as modules through modpost, imports exported"
		ok=1
	fi
	exit "${ok:-0}"
fi

# --- tree: the kernel and its VFIO modules, no package ------------------
# With vmlinux built, modpost checks the modules against it in full.
if [ "$mode" = --tree ]; then
	m=$top/build/deb-vfio
	t0=$(date +%s)
	if ! make -C "$tree" O="$objd" "${karch[@]}" -j"$jobs" KBUILD_BUILD_USER=nested \
		KBUILD_BUILD_HOST=workspace Image >"$logs/deb-tree.log" 2>&1; then
		grep -E 'error|Error' "$logs/deb-tree.log" | head -n 20 >&2
		result FAIL "deb: the packages' kernel (Image) builds" "build/logs/deb-tree.log"
		exit 1
	fi
	cp "$objd/vmlinux.symvers" "$objd/Module.symvers"
	rm -rf "$m" && cp -r "$tree/drivers/vfio" "$m"
	if ! make -C "$tree" O="$objd" "${karch[@]}" -j"$jobs" M="$m" modules >>"$logs/deb-tree.log" 2>&1; then
		grep -E 'ERROR|error|Error' "$logs/deb-tree.log" | head -n 20 >&2
		result FAIL "deb: the VFIO modules build against the packages' kernel, through modpost" "build/logs/deb-tree.log"
		exit 1
	fi
	# signed as modules_install signs the package's, with the build's key
	for k in $(find "$m" -name '*.ko'); do
		"$objd/scripts/sign-file" sha256 "$objd/certs/signing_key.pem" \
			"$objd/certs/signing_key.x509" "$k" || { result FAIL "deb: sign $k"; exit 1; }
	done
	result PASS "deb: the packages' kernel and its VFIO modules build, through modpost against vmlinux, signed ($(( $(date +%s) - t0 ))s)"
	exit 0
fi

# --- full: the packages -------------------------------------------------
if [ "$mode" = full ]; then
	echo "deb: building linux-image-$release and linux-headers-$release $pkgver (Debian's arm64 config, -j$jobs)"
	t0=$(date +%s)
	rm -f "$top"/build/*.deb "$top"/build/*.buildinfo "$top"/build/*.changes "$out"/*
	if ! make -C "$tree" O="$objd" "${karch[@]}" -j"$jobs" \
		KDEB_PKGVERSION="$pkgver" KDEB_COMPRESS=xz KBUILD_IMAGE=arch/arm64/boot/Image \
		KBUILD_BUILD_USER=nested KBUILD_BUILD_HOST=workspace \
		bindeb-pkg >"$logs/deb-build.log" 2>&1; then
		grep -E 'error|Error' "$logs/deb-build.log" | head -n 20 >&2
		result FAIL "deb: the packages build" "build/logs/deb-build.log"
		exit 1
	fi
	rm -f "$top"/build/linux-libc-dev_*.deb
	mv "$top"/build/linux-*"$pkgver"*.deb "$top"/build/*.buildinfo "$top"/build/*.changes "$out/"
	hd=$out/linux-headers-${release}_${pkgver}_arm64.deb
	[ -f "$out/linux-image-${release}_${pkgver}_arm64.deb" ] && [ -f "$hd" ] ||
		{ result FAIL "deb: the packages are linux-image-$release and linux-headers-$release" "$(ls "$out")"; exit 1; }
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
