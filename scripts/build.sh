#!/usr/bin/env bash
# Configure (config/test.config on Kconfig defaults) and build the arm64 test
# kernel out of tree in build/obj-arm64. Incremental: only what changed is
# rebuilt. With --config, configure only.
set -euo pipefail
. "$(dirname "$0")/env.sh"

frag=$top/config/test.config
mkdir -p "$obj"
# The fragment on Kconfig defaults, every time: other steps (the per-patch
# builds of make check) may have configured this tree for another commit.
# An unchanged result rebuilds nothing.
sed 's/^\(CONFIG_[A-Z0-9_]*\)=n$/# \1 is not set/' "$frag" >"$obj/.config"
make -s -C "$tree" O="$obj" "${karch[@]}" olddefconfig
bad=0
while IFS= read -r l; do
	s=${l%%=*} v=${l#*=}
	if [ "$v" = n ]; then
		! grep -q "^$s=" "$obj/.config" || { echo "build: $s should be off" >&2; bad=1; }
	else
		grep -qx "$l" "$obj/.config" || { echo "build: $l did not survive olddefconfig" >&2; bad=1; }
	fi
done < <(grep '^CONFIG_' "$frag")
[ $bad -eq 0 ] || exit 1
[ "${1:-}" = --config ] && exit 0

echo "build: arm64 Image ($(make -s -C "$tree" kernelversion), $(git -C "$tree" rev-list --count base..HEAD) patches)"
start=$(date +%s)
if ! make -s -C "$tree" O="$obj" "${karch[@]}" -j"$jobs" Image modules >"$logs/build.log" 2>&1; then
	grep -E 'error|Error' "$logs/build.log" | head -n 20 >&2
	echo "build: FAILED (full log: build/logs/build.log)" >&2
	exit 1
fi
grep -E 'warning:' "$logs/build.log" | head -n 20 || true
# The workspace's end-to-end test module (tests/e2e), against this tree:
# built in a copy, so that the checkout holds no build products.
e2e=$top/build/e2e
mkdir -p "$e2e"
cp -u "$top"/tests/e2e/Kbuild "$top"/tests/e2e/*.c "$e2e"/
if ! make -s -C "$tree" O="$obj" "${karch[@]}" -j"$jobs" M="$e2e" W=1 modules >"$logs/build-e2e.log" 2>&1; then
	grep -E 'error|Error|warning' "$logs/build-e2e.log" | head -n 20 >&2
	echo "build: the e2e test module FAILED (build/logs/build-e2e.log)" >&2
	exit 1
fi
grep -E 'warning:' "$logs/build-e2e.log" | head -n 20 || true
echo "build: done in $(( $(date +%s) - start ))s"
