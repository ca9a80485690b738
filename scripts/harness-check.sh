#!/usr/bin/env bash
# The harness's own checks: verdicts that must fail on logs made to fail
# them. A skipped case proves nothing (a selftest whose device never bound
# skips every case), and a boot without both edu devices cannot run the
# two-device cases: either must fail make test.
set -uo pipefail
. "$(dirname "$0")/env.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
v=$top/scripts/verdict.py
# judged as make test judges, whatever the caller exported
unset VERDICT_SKIP VERDICT_PREFIX

# judged VERDICT-ARGS...: 0 when make test would pass on what it records
judged() {
	: >"$tmp/results"
	RESULTS=$tmp/results "$v" "$@" >/dev/null 2>&1
	RESULTS=$tmp/results "$v" summary >/dev/null 2>&1
}

echo "check: the harness fails on what did not run"
# 6.1's kselftest harness prints a skipped case without its name
printf '%s\n' 'TAP version 13' '1..2' '#  RUN           f.a ...' '#            OK  f.a' \
	'ok 1 f.a' '#  RUN           f.b ...' '#      SKIP      needs a second edu device' \
	'#            OK  f.b' 'ok 2 # SKIP needs a second edu device' >"$tmp/tap.log"
if judged tap t "$tmp/tap.log"; then
	result FAIL "harness: a skipped TAP case fails make test" "2 cases, 1 skipped: passed"
elif ! grep -qx 'FAIL t.f.b' "$tmp/results"; then
	result FAIL "harness: a skipped TAP case fails make test" "not named f.b: $(grep -v '^PASS' "$tmp/results")"
else
	result PASS "harness: a skipped TAP case fails make test"
fi

printf '%s\n' 'KTAP version 1' '1..1' '    KTAP version 1' '    # Subtest: s' \
	'    1..2' '    ok 1 a' '    ok 2 b # SKIP needs a second edu' \
	'# s: pass:1 fail:0 skip:1 total:2' 'ok 1 s' >"$tmp/kunit.log"
if judged kunit "$tmp/kunit.log"; then
	result FAIL "harness: a skipped KUnit case fails make test" "2 cases, 1 skipped: passed"
else
	result PASS "harness: a skipped KUnit case fails make test"
fi

# qemu.sh gives every machine two edu devices
smmu='arm-smmu-v3 arm-smmu-v3.0.auto: ias 44-bit, oas 44-bit (features 0x00001fff)'
printf '%s\n' "$smmu" 'pci 0000:00:02.0: [1234:11e8] type 00 class 0x00ff00' >"$tmp/boot1.log"
printf '%s\n' "$smmu" 'pci 0000:00:02.0: [1234:11e8] type 00 class 0x00ff00' \
	'pci 0000:00:03.0: [1234:11e8] type 00 class 0x00ff00' >"$tmp/boot2.log"
if judged boot "$tmp/boot1.log" || ! judged boot "$tmp/boot2.log"; then
	result FAIL "harness: a boot needs both edu devices" "one edu passed, or two failed"
else
	result PASS "harness: a boot needs both edu devices"
fi

# make vmm is the only run of the RFC's VMM on the series: without the
# VMM it fails (VMM=none alone leaves it out)
: >"$tmp/results"
if RESULTS=$tmp/results VMM=$tmp/no-vmm "$top/scripts/vmm.sh" >/dev/null 2>&1 ||
   ! grep -q '^FAIL vmm: ' "$tmp/results"; then
	result FAIL "harness: make vmm without the RFC's VMM fails" "$(cat "$tmp/results")"
else
	result PASS "harness: make vmm without the RFC's VMM fails"
fi

# the host's own event lines, 6.1's and the series' for a nested master,
# fail make vmm (a guest's events go to its VMM)
host='vmm host (L1) logged no event as its own (the guest'"'"'s go to the VMM)'
: >"$tmp/marks"; : >"$tmp/trace"
for ev in 'arm-smmu-v3 arm-smmu-v3.0.auto: event 0x10 received:' \
	  'vfio-pci 0000:00:02.0: event 0x10 of a nested master: 0000000800000010 0000028000000000 0000000001234000 0000000001234000'; do
	printf '%s\n' 'vmm-l1: start' "$ev" >"$tmp/ev.log"
	: >"$tmp/results"
	RESULTS=$tmp/results "$v" vmm "$tmp/ev.log" "$tmp/marks" "$tmp/trace" >/dev/null 2>&1
	if grep -qxF "FAIL $host" "$tmp/results"; then
		result PASS "harness: a host event line fails make vmm (${ev%%:*}...)"
	else
		result FAIL "harness: a host event line fails make vmm (${ev%%:*}...)" "$(grep -F "$host" "$tmp/results")"
	fi
done
printf '%s\n' 'vmm-l1: start' >"$tmp/ev.log"
: >"$tmp/results"
RESULTS=$tmp/results "$v" vmm "$tmp/ev.log" "$tmp/marks" "$tmp/trace" >/dev/null 2>&1
grep -qxF "PASS $host" "$tmp/results" &&
	result PASS "harness: no host event line passes that verdict" ||
	result FAIL "harness: no host event line passes that verdict" "$(grep -F "$host" "$tmp/results")"
