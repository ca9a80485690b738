#!/usr/bin/env bash
# Checks on the series (make check), each one a counted result:
#  - checkpatch --strict on every patch, and the series' form
#  - every patch builds on its own (the directories it touches; an x86_64
#    compile of drivers/iommu/intel/ when it touches VT-d), and links, with
#    the SMMU drivers, VFIO and the KUnit suites as modules, through modpost
#    (config/modules.config: what crosses a module boundary is exported)
#  - sparse (C=2) and W=1 on the .c files the series touches: no warning
#    that the base does not have
# The tree is left at the series' head.
set -uo pipefail
. "$(dirname "$0")/env.sh"

g() { git -C "$tree" "$@"; }
head=$(g rev-parse nested)
patches=$(ls "$top"/patches/[0-9][0-9][0-9][0-9]-*.patch 2>/dev/null | grep -v '/0000-')

# --- checkpatch and the series' form -------------------------------------
# checkpatch's SPDX check runs 'python3' with python3-ply: use Debian's
# python3, where deps.sh installed it, whatever python3 comes first in PATH.
mkdir -p "$top/build/bin"
ln -sf /usr/bin/python3 "$top/build/bin/python3"
# new_files_covered PATCH: every file PATCH adds is already matched by an
# F: pattern of MAINTAINERS (other than THE REST), so that checkpatch's
# "does MAINTAINERS need updating?" is answered: no.
new_files_covered() {
	local f sections
	for f in $(sed -n 's|^+++ b/||p' "$1" | sort -u); do
		grep -q "^new file mode" <(awk -v f="$f" '$0 == "diff --git a/" f " b/" f {on=1; next} /^diff --git/ {on=0} on' "$1") || continue
		sections=$(cd "$tree" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
			--sections -f "$f" 2>/dev/null | grep -v '^THE REST' | grep -v '^\s' | grep -c . || true)
		[ "$sections" -gt 0 ] || { echo "$f is in no MAINTAINERS section"; return 1; }
	done
}

echo "check: checkpatch --strict"
for p in $patches; do
	out=$(cd "$tree" && PATH="$top/build/bin:$PATH" \
		./scripts/checkpatch.pl --strict --terse --no-summary "$p" 2>&1)
	# new files an existing F: pattern already covers need no new line
	if echo "$out" | grep -q 'does MAINTAINERS need updating' &&
	   why=$(new_files_covered "$p"); then
		out=$(echo "$out" | grep -v 'does MAINTAINERS need updating' || true)
	fi
	if [ -z "$out" ]; then
		result PASS "checkpatch: $(basename "$p")"
	else
		result FAIL "checkpatch: $(basename "$p")" "$(echo "$out" | head -n 1)"
		echo "$out" | head -n 10 | sed 's/^/        /'
	fi
done

if [ -n "$patches" ]; then
	bad=
	[ -f "$top/patches/0000-cover-letter.patch" ] || bad="no cover letter"
	while IFS= read -r s; do
		echo "$s" | grep -Eq '^(iommu|iommu/[a-z0-9-]+|vfio|vfio/[a-z0-9-]+|selftests/iommu|Documentation/[a-z-]+|MAINTAINERS): [^ ]' ||
			bad="subject not in kernel style: $s"
	done < <(g log --reverse --format=%s base.."$head")
	n_tree=$(g rev-list --count base.."$head")
	n_files=$(echo "$patches" | wc -w)
	[ "$n_tree" = "$n_files" ] || bad="tree has $n_tree commits, patches/ has $n_files"
	if [ -z "$bad" ]; then result PASS "series form"; else result FAIL "series form" "$bad"; fi
fi

# --- each patch builds on its own -----------------------------------------
x86_ready() {
	[ -f "$objx86/.config" ] && [ "$top/config/x86.config" -ot "$objx86/.config" ] && return 0
	mkdir -p "$objx86"
	make -s -C "$tree" O="$objx86" ARCH=x86_64 KCONFIG_ALLCONFIG="$top/config/x86.config" allnoconfig
}

# seed OBJDIR FRAGMENT: configure OBJDIR from FRAGMENT on Kconfig defaults,
# for the commit checked out: a symbol a later patch adds is left out here
# and comes back there (a .config kept across commits would lose it).
seed() {
	mkdir -p "$1"
	sed 's/^\(CONFIG_[A-Z0-9_]*\)=n$/# \1 is not set/' "$2" >"$1/.config"
	make -s -C "$tree" O="$1" "${karch[@]}" olddefconfig
}

# --- KUNIT_ALL_TESTS: the unit suites, and nothing that takes over an SMMU --
# The series' KUnit suites touch no live SMMU: KUNIT_ALL_TESTS=y gets them
# all. The end-to-end test, which does take over the test machine's SMMU,
# is the workspace's (tests/e2e), not the series': no patch may bring it.
name="Kconfig: KUNIT_ALL_TESTS gets the unit suites, the series no e2e test"
echo "check: $name"
obja=$top/build/obj-allkunit
mkdir -p "$obja"
printf '%s\n' CONFIG_PCI=y CONFIG_PCI_HOST_GENERIC=y CONFIG_IOMMU_SUPPORT=y \
	CONFIG_ARM_SMMU_V3=y CONFIG_KUNIT=y CONFIG_KUNIT_ALL_TESTS=y >"$obja/.config"
if make -s -C "$tree" O="$obja" "${karch[@]}" olddefconfig >"$logs/check-allkunit.log" 2>&1; then
	e2e=$(git -C "$tree" diff --name-only base HEAD | grep -i e2e || true)
	if ! grep -q '^CONFIG_ARM_SMMU_V3_KUNIT_TEST=y' "$obja/.config" ||
	   ! grep -q '^CONFIG_IOMMU_NESTED_KUNIT_TEST=y' "$obja/.config"; then
		result FAIL "$name" "the unit suites are not in KUNIT_ALL_TESTS"
	elif [ -n "$e2e" ]; then
		result FAIL "$name" "the series brings $e2e"
	else
		result PASS "$name"
	fi
else
	result FAIL "$name" "olddefconfig failed"
fi

# The modular arm64 configuration (config/modules.config)
objm=$top/build/obj-arm64-m

# dirs_for COMMIT: the kbuild directories to build for what COMMIT touches.
dirs_for() {
	g diff-tree --no-commit-id --name-only -r "$1" | while read -r f; do
		case $f in
		include/*|drivers/iommu/iommu.c) echo drivers/iommu/; echo drivers/vfio/ ;;
		drivers/iommu/intel/*) ;;	# x86_64 only
		drivers/*|lib/*|mm/*|kernel/*) dirname "$f" | sed 's|$|/|' ;;
		esac
	done | sort -u
}

echo "check: every patch builds on its own"
"$top/scripts/build.sh" --config || result FAIL "builds: configure the test kernel"
for c in $(g rev-list --reverse base.."$head"); do
	subj=$(g log -1 --format=%s "$c")
	g checkout -q --detach "$c" || { result FAIL "builds: $subj" "checkout"; continue; }
	ok=1 why=
	dirs=$(dirs_for "$c")
	seed "$obj" "$top/config/test.config" || { ok=0; why="configure"; }
	if [ $ok = 1 ] && [ -n "$dirs" ]; then
		# shellcheck disable=SC2086
		make -s -C "$tree" O="$obj" "${karch[@]}" -j"$jobs" $dirs \
			>"$logs/check-build.log" 2>&1 || { ok=0; why="arm64: $(grep -m1 -E 'error|\*\*\*' "$logs/check-build.log")"; }
	fi
	# x86_64, without KUnit: VT-d, and the core as most configs build it
	if [ $ok = 1 ] && g diff-tree --no-commit-id --name-only -r "$c" | grep -q '^drivers/iommu/\|^include/'; then
		x86_ready && make -s -C "$tree" O="$objx86" ARCH=x86_64 -j"$jobs" drivers/iommu/ \
			>"$logs/check-build-x86.log" 2>&1 || { ok=0; why="x86_64: $(grep -m1 -E 'error|\*\*\*' "$logs/check-build-x86.log")"; }
	fi
	# the selftest, against this commit's uapi headers, warning-free
	if [ $ok = 1 ] && g diff-tree --no-commit-id --name-only -r "$c" | grep -q '^tools/testing/selftests/iommu/'; then
		mkdir -p "$top/build/selftest-check"
		{ make -s -C "$tree" O="$obj" "${karch[@]}" headers &&
		  make -s -C "$tree/tools/testing/selftests/iommu" "${karch[@]:1}" \
			OUTPUT="$top/build/selftest-check" KHDR_INCLUDES="-isystem $obj/usr/include" \
			LDFLAGS=-static
		} >"$logs/check-build-selftest.log" 2>&1 || ok=0
		grep -q 'warning:' "$logs/check-build-selftest.log" && ok=0
		[ $ok = 1 ] || why="selftest: $(grep -m1 -E 'warning|error|\*\*\*' "$logs/check-build-selftest.log")"
	fi
	# arm64 with the drivers as modules: Image and modules, through modpost
	if [ $ok = 1 ] && g diff-tree --no-commit-id --name-only -r "$c" | grep -q '^drivers/\|^include/'; then
		seed "$objm" "$top/config/modules.config" &&
		make -s -C "$tree" O="$objm" "${karch[@]}" -j"$jobs" Image modules \
			>"$logs/check-build-m.log" 2>&1 || { ok=0; why="modules: $(grep -m1 -E 'ERROR|error|\*\*\*' "$logs/check-build-m.log")"; }
	fi
	if [ $ok = 1 ]; then result PASS "builds: $subj"; else result FAIL "builds: $subj" "$why"; fi
done
g checkout -q nested

# --- sparse and W=1 on the touched files -----------------------------------
# warnings FILE.c OBJDIR ARCHARGS...: sparse + W=1 messages for FILE, with
# line and column numbers dropped so that base and head compare.
warnings() {
	local f=$1 o=$2
	shift 2
	# only what FILE and the headers it includes say: 'make' may also
	# rebuild (and check) prerequisites such as the vDSO
	make -C "$tree" O="$o" "$@" W=1 C=2 "${f%.c}.o" 2>&1 |
		grep -E 'warning:|error:' |
		grep -E "^($tree/)?($f|[^ :]*\.h):" |
		sed -E "s|^$tree/||; s/:[0-9]+:[0-9]+:/:/; s/:[0-9]+:/:/" | sort
}

touched=$(g diff --name-only --diff-filter=AM base "$head" -- '*.c' | grep -v '^tools/' || true)
cache=$top/build/check-cache
mkdir -p "$cache"
if [ -n "$touched" ]; then
	echo "check: sparse and W=1 on touched files"
	for f in $touched; do
		case $f in
		drivers/iommu/intel/*) x86_ready; o=$objx86; a=(ARCH=x86_64) ;;
		*) o=$obj; a=("${karch[@]}") ;;
		esac
		key=$cache/base-$(echo "$f" | tr / _).txt
		if [ ! -f "$key" ]; then
			if g cat-file -e "base:$f" 2>/dev/null; then
				g checkout -q --detach base
				warnings "$f" "$o" "${a[@]}" >"$key"
				g checkout -q nested
			else
				: >"$key"
			fi
		fi
		warnings "$f" "$o" "${a[@]}" >"$logs/warn-head.txt"
		new=$(comm -13 "$key" "$logs/warn-head.txt")
		if [ -z "$new" ]; then
			result PASS "sparse+W=1: $f"
		else
			result FAIL "sparse+W=1: $f" "$(echo "$new" | head -n 1)"
			echo "$new" | head -n 10 | sed 's/^/        /'
		fi
	done
fi

# --- the harness's own verdicts -------------------------------------------
"$top/scripts/harness-check.sh"
