#!/usr/bin/env bash
# make test: install, apply, build, check, boot and test; every check and
# every test case is counted, and the last line is 'N passed, N failed'.
set -uo pipefail
. "$(dirname "$0")/env.sh"

start=$(date +%s)
: >"$results"
step() { echo; echo "=== $* ($(( $(date +%s) - start ))s)"; }

step "series onto the base"
if ! "$top/scripts/tree.sh"; then
	result FAIL "series applies" "$(cat "$logs/tree-failed" 2>/dev/null || echo 'see build/logs/tree.log') does not apply"
	"$top/scripts/verdict.py" summary
	exit 1
fi
result PASS "series applies"
pin=$(grep -v '^#' "$top/config/base")
have=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo none)
if [ "$have" = "$pin" ]; then
	result PASS "base is the pinned Debian linux-source-6.1 $pin"
else
	result FAIL "base is the pinned Debian linux-source-6.1 $pin" "this machine has $have: README, 'When Debian moves on'"
fi

step "checks"
"$top/scripts/check.sh"

step "Debian's configuration and packaging (make deb's part that fits)"
# a run that stops early (an install that failed) must not pass unseen
"$top/scripts/deb.sh" --ci || grep -q '^FAIL deb: ' "$results" ||
	result FAIL "deb: scripts/deb.sh --ci ran to its end"

step "build"
if "$top/scripts/build.sh"; then
	result PASS "build: arm64 test kernel"
	step "boot and KUnit under QEMU"
	"$top/scripts/kunit.sh"
	step "the uapi KUnit suite on a 32-bit kernel (arm)"
	"$top/scripts/kunit32.sh"
	step "VFIO selftest under QEMU (the VMM's side)"
	"$top/scripts/selftest.sh"
	step "the RFC's VMM: a nested guest on the series (make vmm)"
	"$top/scripts/vmm.sh"
else
	result FAIL "build: arm64 test kernel"
fi

step "done in $(( $(date +%s) - start ))s"
"$top/scripts/verdict.py" summary
