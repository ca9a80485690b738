#!/usr/bin/env bash
# make vmm: the RFC's own VMM runs a nested guest through the series.
#
#   L0  Debian's QEMU 10: -M virt,iommu=smmuv3,virtualization=on,gic-version=3
#       -cpu max, two edu devices, its SMMUv3 walking both stages
#   L1  the series' test kernel (with KVM), booted at EL2; /test is
#       scripts/vmm/l1_run.c: binds both edus to vfio-pci and runs the VMM
#   L2  the series' kernel again, light (config/l2.config), as a guest on
#       the VMM's vSMMUv3, with the workload scripts/vmm/l2_edu.c
#
# Then the stock guests, in the same L1 boot: Debian's own arm64 kernels
# (config/stock-guests), unmodified, with their own nvme modules, on an
# NVMe of L0's (-device nvme) that L1 assigns through the RFC's VMM with
# the project's fixes (vmm/, built by scripts/vmm-build.sh), one VM
# after another on the same device: ACPI with MSI-X, device tree with
# INTx (pci=nomsi), for each kernel. Their /init is scripts/vmm/l2_nvme.c.
# VMM_STOCK=0 leaves them out; VMM_STOCK=only runs them alone (the edu
# verdicts then fail); VMM_STOCK_GUESTS="acpi-6.1 ..." some of them;
# VMM_STOCK_PLAN=file another plan (build/vmm/stock.plan's format).
#
# VMM_L1=deb: L1 is instead the kernel of make deb's linux-image package
# (build/deb/), with its own VFIO modules, loaded by /init from the package
# as modprobe would (each after what modinfo says it depends on); only
# the device-tree guest runs, and kmemleak (not in Debian's config) is not
# asked. VMM_L1=deb-tree: the kernel of scripts/deb.sh --tree, the tree
# the packages are built from (its Image, and its VFIO modules built with
# M= and signed with the build's key as modules_install signs them): not
# the packages themselves.
#
# The VMM is ../shared/rfc-vmm/qemu-system-aarch64 (unmodified), or VMM=path.
# Without it the run fails (it is the series' only proof that the ABI serves
# its real client); VMM=none says not to run it, and nothing is counted.
# Each verdict line is counted (scripts/verdict.py vmm), and so are L1's
# console and kmemleak.
set -uo pipefail
. "$(dirname "$0")/env.sh"

vmm=${VMM:-$top/../shared/rfc-vmm/qemu-system-aarch64}
if [ "$vmm" = none ]; then
	echo "vmm: not run (VMM=none)"
	exit 0
fi
if [ ! -x "$vmm" ]; then
	result FAIL "vmm: the RFC's VMM is there" "not at $vmm (it is ../shared/rfc-vmm/qemu-system-aarch64 beside this workspace, or rebuild it with ../shared/rfc-vmm/build.sh; VMM=path points elsewhere, VMM=none leaves make vmm out)"
	exit 1
fi

objl2=$top/build/obj-l2
out=$top/build/vmm
mkdir -p "$out/mod" "$objl2"
start=$(date +%s)

# --- L2: the guest kernel, its workload module, its initramfs -------------
frag=$top/config/l2.config
if [ ! -f "$objl2/.config" ] || [ "$frag" -nt "$objl2/.config" ]; then
	make -s -C "$tree" O="$objl2" "${karch[@]}" KCONFIG_ALLCONFIG="$frag" allnoconfig
	bad=0
	while IFS= read -r l; do
		grep -qx "$l" "$objl2/.config" || { echo "vmm: $l did not survive allnoconfig" >&2; bad=1; }
	done < <(grep '^CONFIG_' "$frag")
	[ $bad -eq 0 ] || { result FAIL "vmm: guest kernel configuration"; exit 1; }
fi
echo "vmm: guest (L2) kernel ($(make -s -C "$tree" kernelversion), $(git -C "$tree" rev-list --count base..HEAD) patches, config/l2.config)"
if ! make -s -C "$tree" O="$objl2" "${karch[@]}" -j"$jobs" Image modules >"$logs/vmm-l2-build.log" 2>&1; then
	grep -E 'error|Error' "$logs/vmm-l2-build.log" | head -n 20 >&2
	result FAIL "vmm: guest kernel builds" "see build/logs/vmm-l2-build.log"
	exit 1
fi
cp "$top/scripts/vmm/l2_edu.c" "$top/scripts/vmm/Kbuild" "$out/mod/"
if ! make -s -C "$tree" O="$objl2" "${karch[@]}" M="$out/mod" W=1 modules \
	>"$logs/vmm-l2-module.log" 2>&1 || grep -q 'warning:' "$logs/vmm-l2-module.log"; then
	cat "$logs/vmm-l2-module.log" >&2
	result FAIL "vmm: guest workload module builds (W=1, no warning)"
	exit 1
fi
cc=(aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Wno-unused-parameter)
"${cc[@]}" -o "$out/l2_init" "$top/scripts/vmm/l2_init.c" &&
	"${cc[@]}" -o "$out/l1_run" "$top/scripts/vmm/l1_run.c" || {
	result FAIL "vmm: L1 and L2 programs build"
	exit 1
}
cat >"$out/l2.list" <<EOF
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
file /init $out/l2_init 0755 0 0
file /l2_edu.ko $out/mod/l2_edu.ko 0644 0 0
EOF
"$objl2/usr/gen_init_cpio" "$out/l2.list" >"$out/l2.cpio"

# mod_order DIR NAME...: in ${ordered[@]}, the files under DIR of the
# modules NAME and of what each depends on (modinfo), each after its
# dependencies, as modprobe would load them
mod_order() {
	local dir=$1 m
	shift
	ordered=()
	for m in "$@"; do mod_add "$dir" "$m" || return 1; done
}
mod_add() {
	local dir=$1 m=$2 f d
	for f in "${ordered[@]}"; do
		f=$(basename "$f"); f=${f%%.ko*}
		[ "${f//-/_}" = "${m//-/_}" ] && return 0
	done
	f=$(find "$dir" -name "$m.ko*" -o -name "${m//_/-}.ko*" -o -name "${m//-/_}.ko*" | head -n 1)
	[ -n "$f" ] || { echo "vmm: module $m is not in $dir" >&2; return 1; }
	d=$(modinfo -F depends "$f") || { echo "vmm: modinfo cannot read $f" >&2; return 1; }
	for d in ${d//,/ }; do mod_add "$dir" "$d" || return 1; done
	ordered+=("$f")
}

# --- L1: the test kernel's initramfs, with the VMM and the guest ---------
efi=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd
l1kernel=
name=vmm
if [ "${VMM_L1:-}" = deb ] || [ "${VMM_L1:-}" = deb-tree ]; then
	if [ "$VMM_L1" = deb ]; then
		img=$(ls "$top"/build/deb/linux-image-*_arm64.deb 2>/dev/null | grep -v -- -dbg | tail -n 1)
		[ -n "$img" ] || { result FAIL "vmm (deb): make deb's linux-image package" "none in build/deb"; exit 1; }
		root=$out/deb-root
		rm -rf "$root" && dpkg-deb -x "$img" "$root"
		rel=$(ls "$root/lib/modules")
		l1kernel=$root/boot/vmlinuz-$rel
		moddir=$root/lib/modules/$rel/kernel
		echo "vmm: L1 is $(basename "$img"): $rel, its modules from the package"
	else
		# scripts/deb.sh --tree: the same kernel and VFIO modules, unpackaged
		rel=$(cat "$top/build/obj-deb/include/config/kernel.release")
		l1kernel=$top/build/obj-deb/arch/arm64/boot/Image
		moddir=$top/build/deb-vfio
		[ -f "$l1kernel" ] || { result FAIL "vmm (deb): scripts/deb.sh --tree's kernel" "no $l1kernel"; exit 1; }
		echo "vmm: L1 is make deb's kernel from its tree (scripts/deb.sh --tree): $rel, its VFIO modules from build/deb-vfio"
	fi
	name=vmm-deb
	efi=/nonexistent
	# each module after what it depends on, as modprobe would load them
	mod_order "$moddir" vfio_iommu_type1 vfio_pci || { result FAIL "vmm (deb): the package's VFIO modules"; exit 1; }
	mods=("${ordered[@]}")
fi
{
	echo "dir /vmm 0755 0 0"
	echo "file /vmm/qemu-system-aarch64 $vmm 0755 0 0"
	echo "file /vmm/Image $objl2/arch/arm64/boot/Image 0644 0 0"
	echo "file /vmm/l2.cpio $out/l2.cpio 0644 0 0"
	[ -f "$efi" ] && echo "file /vmm/QEMU_EFI.fd $efi 0644 0 0"
	if [ -n "$l1kernel" ]; then
		echo "dir /modules 0755 0 0"
		i=0
		for f in "${mods[@]}"; do
			i=$((i + 1))
			printf 'file /modules/%02d-%s %s 0644 0 0\n' $i "$(basename "$f")" "$f"
		done
	fi
} >"$out/l1.list"
if [ -n "$l1kernel" ]; then
	echo "vmm: the device-tree guest only; /init loads $(for f in "${mods[@]}"; do basename "$f" .ko; done | tr '\n' ' ')"
elif [ ! -f "$efi" ]; then
	echo "vmm: no $efi (Debian's qemu-efi-aarch64): the ACPI guest is not run"
fi
# --- stock guests: Debian's kernels, L0's NVMe ----------------------------
# on by default; VMM_STOCK=0 leaves them out, and make deb's run (VMM_L1)
# has the device-tree edu guest only
l0_nvme=
[ -n "${VMM_L1:-}" ] && VMM_STOCK=0
VMM_STOCK=${VMM_STOCK:-1}
l0_timeout=1800
if [ "$VMM_STOCK" = 1 ] || [ "$VMM_STOCK" = only ]; then
	l0_timeout=3600
	if ! "$top/scripts/vmm-build.sh"; then
		result FAIL "vmm: the RFC's VMM with the project's fixes builds (scripts/vmm-build.sh)"
		exit 1
	fi
	"${cc[@]}" -pthread -o "$out/l2_nvme" "$top/scripts/vmm/l2_nvme.c" ||
		{ result FAIL "vmm: the stock guests' /init builds"; exit 1; }
	stock=$top/build/stock
	mkdir -p "$stock"
	plan=$out/stock.plan
	: >"$plan"
	{
		echo "dir /vmm/fixed 0755 0 0"
		echo "file /vmm/fixed/qemu-system-aarch64 $top/build/vmm-fixed/qemu-system-aarch64 0755 0 0"
		echo "file /vmm/stock.plan $plan 0644 0 0"
		echo "dir /vmm/stock 0755 0 0"
		# VMM_STOCK=only: the stock guests without the edu VMs (while
		# working on them; its run fails the edu verdicts it skips)
		[ "$VMM_STOCK" = only ] && echo "file /vmm/stock.only $plan 0644 0 0"
	} >>"$out/l1.list"
	while read -r key pkg ver; do
		case $key in ''|'#'*) continue ;; esac
		deb=$(ls "$stock/${pkg}_"*.deb 2>/dev/null | head -n 1)
		if [ -z "$deb" ]; then
			dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
			(cd "$stock" && apt-get download -qq "$pkg:arm64=$ver" >/dev/null 2>&1) ||
				{ apt-get update -qq && (cd "$stock" && apt-get download -qq "$pkg:arm64=$ver"); } ||
				{ result FAIL "vmm: Debian's $pkg $ver downloads"; exit 1; }
			deb=$(ls "$stock/${pkg}_"*.deb | head -n 1)
		fi
		root=$stock/$pkg
		[ -d "$root/boot" ] || dpkg-deb -x "$deb" "$root"
		krel=$(ls "$root/lib/modules")
		g=$out/stock-$key
		rm -rf "$g" && mkdir -p "$g/modules"
		# nvme and what it depends on, each after its dependencies,
		# uncompressed (their signatures are kept: Debian signs the .ko)
		mod_order "$root/lib/modules/$krel/kernel" nvme || { result FAIL "vmm: $pkg's nvme modules"; exit 1; }
		smods=()
		for f in "${ordered[@]}"; do
			m=$(basename "$f"); m=${m%%.ko*}
			smods+=("$m")
			case $f in
			*.xz) xz -dc "$f" >"$g/modules/$(printf %02d ${#smods[@]})-$m.ko" ;;
			*) cp "$f" "$g/modules/$(printf %02d ${#smods[@]})-$m.ko" ;;
			esac
		done
		{
			echo "dir /dev 0755 0 0"
			echo "nod /dev/console 0600 0 0 c 5 1"
			echo "dir /proc 0755 0 0"
			echo "dir /sys 0755 0 0"
			echo "file /init $out/l2_nvme 0755 0 0"
			echo "dir /modules 0755 0 0"
			for f in "$g"/modules/*.ko; do echo "file /modules/$(basename "$f") $f 0644 0 0"; done
		} >"$g/list"
		"$objl2/usr/gen_init_cpio" "$g/list" >"$g/l2.cpio"
		{
			echo "dir /vmm/stock/$key 0755 0 0"
			echo "file /vmm/stock/$key/Image $root/boot/vmlinuz-$krel 0644 0 0"
			echo "file /vmm/stock/$key/l2.cpio $g/l2.cpio 0644 0 0"
		} >>"$out/l1.list"
		echo "vmm: stock guest $key: $pkg $ver ($krel), modules ${smods[*]}"
	done < "$top/config/stock-guests"
	# one VM after another on the same NVMe: MSI-X (ACPI, the fixed VMM),
	# INTx (device tree, pci=nomsi), MSI-X again, INTx again
	common="console=ttyAMA0 iommu.strict=1 quiet"
	fx=/vmm/fixed/qemu-system-aarch64
	acpim=virt,iommu=nested-smmuv3,gic-version=3
	dtm=virt,iommu=smmuv3,gic-version=3
	# 256 MiB each: VFIO pins and maps all of a guest's RAM at start and
	# unpins it at teardown, both at TCG's pace here; 512 MiB cost about a
	# minute more per guest (2026-12-08) and the guests need less
	while read -r key _; do
		case $key in ''|'#'*) continue ;; esac
		k=/vmm/stock/$key
		echo "acpi-$key $fx $k/Image $k/l2.cpio $acpim 1 256 2 $common acpi=force l2nvme.tag=acpi-$key"
		echo "dt-$key $fx $k/Image $k/l2.cpio $dtm 0 256 2 $common pci=nomsi l2nvme.tag=dt-$key"
	done < "$top/config/stock-guests" >>"$plan"
	# VMM_STOCK_PLAN=file: that plan instead (experiments)
	[ -n "${VMM_STOCK_PLAN:-}" ] && cp "$VMM_STOCK_PLAN" "$plan"
	# VMM_STOCK_GUESTS="acpi-6.1 dt-6.1": those of the plan only
	if [ -n "${VMM_STOCK_GUESTS:-}" ]; then
		awk -v want=" $VMM_STOCK_GUESTS " 'index(want, " " $1 " ")' "$plan" >"$plan.new"
		mv "$plan.new" "$plan"
	fi
	# L0's NVMe, on a disk image of its own (the guests write 64 MiB of
	# it), zeroed for each run. dbcs=off: no shadow doorbells. QEMU
	# 10.0.2's INTx accounting (cq_pending) only sees CQ head doorbells
	# written to the BAR; with shadow doorbells (Linux uses them when
	# offered) a drained CQ can stay counted, and INTx then stays asserted
	# mid-run (seen 2026-12-08 in a DT INTx guest: Interrupt Status set,
	# the host's count stuck, 39,523 interrupts, RCU stalls). README.
	rm -f "$out/nvme.img"
	truncate -s 256M "$out/nvme.img"
	l0_nvme="-drive if=none,id=nv0,file=$out/nvme.img,format=raw -device nvme,serial=nested0,drive=nv0,dbcs=off"
	echo "vmm: stock guests: $(awk '{print $1}' "$plan" | tr '\n' ' ')"
fi
"$top/scripts/initramfs.sh" "$out/l1.cpio" "$out/l1_run" "$out/l1.list"
echo "vmm: built in $(( $(date +%s) - start ))s; VMM $(sha256sum "$vmm" | cut -c1-16) ($vmm)"

# --- run ------------------------------------------------------------------
# L1 at EL2 (virtualization=on) with a GICv3 for KVM's vGIC and ITS, and
# 2 vCPUs (the VMM's threads and the guest's vCPU); the SMMU's command
# trace is kept for the figures, with what QEMU calls guest errors (an
# SMMU command or table it refuses: a finding). RCU's stall timeout is raised: KVM under
# TCG is slow, and the stalls it causes are judged by verdict.py.
rm -f "$out/l0-trace.txt" "$out/marks.txt"
log=$(INITRD="$out/l1.cpio" QEMU_KERNEL=$l1kernel QEMU_MACHINE=virt,iommu=smmuv3,virtualization=on,gic-version=3 \
	QEMU_MEM=2G QEMU_SMP=2 QEMU_TIMEOUT=${QEMU_TIMEOUT:-$l0_timeout} \
	QEMU_MARKS="$out/marks.txt" \
	QEMU_EXTRA="-msg timestamp=on -D $out/l0-trace.txt -d guest_errors -trace smmuv3_cmdq_opcode $l0_nvme" \
	"$top/scripts/qemu.sh" $name kunit.enable=0 rcupdate.rcu_cpu_stall_timeout=100 | tail -n 1)
# the trace and the marks beside the console log
mv "$out/l0-trace.txt" "${log%.log}.l0-trace"
mv "$out/marks.txt" "${log%.log}.marks"
echo "vmm: console log $log, L0's trace ${log%.log}.l0-trace ($(( $(date +%s) - start ))s)"
rc=0
acpi=0
[ -f "$efi" ] && acpi=1
stags=
[ -n "$l0_nvme" ] && stags=$(awk '!/^#/ && NF { print $1 }' "$plan" | tr '\n' ' ')
VMM_ACPI=$acpi VMM_STOCK_ON=$([ -n "$l0_nvme" ] && echo 1) VMM_STOCK_TAGS=$stags "$top/scripts/verdict.py" vmm "$log" "${log%.log}.marks" "${log%.log}.l0-trace" || rc=1
if [ -n "$l1kernel" ]; then
	# the package's modules, each loaded by /init
	if grep -q 'init: module .* not loaded\|module verification failed' "$log" ||
	   [ "$(grep -cE 'init: module \S+ loaded\s*$' "$log")" -ne ${#mods[@]} ]; then
		result FAIL "vmm (deb): L1 loaded make deb's ${#mods[@]} VFIO modules" "$(grep 'init: module' "$log" | head -n 3)"
		rc=1
	else
		result PASS "vmm (deb): L1 loaded make deb's ${#mods[@]} VFIO modules"
	fi
	grep -q "Linux version $rel " "$log" && result PASS "vmm (deb): L1 ran make deb's kernel ($rel)" ||
		{ result FAIL "vmm (deb): L1 ran make deb's kernel ($rel)"; rc=1; }
else
	"$top/scripts/verdict.py" leaks "$log" || rc=1
fi
exit $rc
