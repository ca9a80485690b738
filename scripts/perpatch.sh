#!/usr/bin/env bash
# make per-patch: every patch's own tests at that patch. For each commit of
# the series that changes the kernel, configure the test kernel for that
# commit (config/test.config on Kconfig defaults: a symbol a later patch
# adds is left out), build it incrementally, boot it under QEMU and run
# every KUnit suite that exists then; each must pass, and the console must
# be clean. One line per patch, results in build/perpatch.txt; the tree is
# left at the series' head. Not part of make test: about an hour on 2 cores.
set -uo pipefail
. "$(dirname "$0")/env.sh"
export RESULTS=$top/build/perpatch-results.txt
# a suite may lack what a later patch adds: skips are counted apart
export VERDICT_SKIP=SKIP

g() { git -C "$tree" "$@"; }
table=$top/build/perpatch.txt
: >"$table"
rc=0 n=0
for c in $(g rev-list --reverse base..nested); do
	n=$((n + 1))
	subj=$(g log -1 --format=%s "$c")
	if ! g diff-tree --no-commit-id --name-only -r "$c" | grep -q '^drivers/\|^include/'; then
		printf '%2d  -                   %s (no kernel change)\n' "$n" "$subj" | tee -a "$table"
		continue
	fi
	g checkout -q --detach "$c"
	sed 's/^\(CONFIG_[A-Z0-9_]*\)=n$/# \1 is not set/' "$top/config/test.config" >"$obj/.config"
	if ! { make -s -C "$tree" O="$obj" "${karch[@]}" olddefconfig &&
	       make -s -C "$tree" O="$obj" "${karch[@]}" -j"$jobs" Image; } \
		>"$logs/perpatch-build.log" 2>&1; then
		printf '%2d  build FAILED        %s\n' "$n" "$subj" | tee -a "$table"
		rc=1
		continue
	fi
	log=$("$top/scripts/qemu.sh" "perpatch-$n" kunit_shutdown=poweroff | tail -n 1)
	: >"$RESULTS"
	"$top/scripts/verdict.py" kunit "$log" >/dev/null
	"$top/scripts/verdict.py" console "$log" >/dev/null
	pass=$(grep -c '^PASS' "$RESULTS") fail=$(grep -c '^FAIL' "$RESULTS")
	skip=$(grep -c '^SKIP' "$RESULTS")
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ] || rc=1
	printf '%2d  %4d pass %2d fail %2d skip  %s\n' "$n" "$pass" "$fail" "$skip" "$subj" | tee -a "$table"
done
g checkout -q nested
exit $rc
