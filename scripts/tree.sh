#!/usr/bin/env bash
# Make build/linux: Debian's linux-source-6.1 as a git tree with one commit
# tagged 'base', and the series in patches/ applied on top with 'git am -3'.
#
#   scripts/tree.sh          reuse the tree when it already holds exactly the
#                            series (the work tree is then left as it is)
#   scripts/tree.sh --fresh  throw the commits away and apply patches/ again
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$top/build/linux
tarball=/usr/src/linux-source-6.1.tar.xz
log=$top/build/logs/tree.log
mkdir -p "$top/build/logs"

fresh=0
[ "${1:-}" = --fresh ] && fresh=1

g() { git -C "$tree" "$@"; }

series() { ls "$top"/patches/[0-9][0-9][0-9][0-9]-*.patch 2>/dev/null | grep -v '/0000-' || true; }

# A stamp of the series: when patches/ did not change, nothing is redone.
stamp=$( (cat $(series) /dev/null) | sha256sum | cut -c1-16)

if [ ! -d "$tree/.git" ]; then
	echo "tree: unpacking $tarball"
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	tar -C "$tree.tmp" -xf "$tarball"
	mv "$tree.tmp"/linux-source-6.1 "$tree"
	rmdir "$tree.tmp"
	# Debian's packaging ignores everything at the top level, so that new
	# files of a patch could not be added: drop that block, keep upstream's.
	sed -i '/^# Debian packaging/,/^!\/debian\//d' "$tree/.gitignore"
	sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tree/.gitignore"
	sed -i '$ { /^#$/d }' "$tree/.gitignore"
	g init -q
	g config user.name "$(git -C "$top" config user.name || echo 'Nested Series')"
	g config user.email "$(git -C "$top" config user.email || echo 'nested@example.org')"
	g config core.abbrev 12
	g add -A -f .
	g commit -q -m "Linux $(make -s -C "$tree" kernelversion) (Debian linux-source-6.1)"
	g tag base
	fresh=1
fi

ver=$(make -s -C "$tree" kernelversion)
pin=$(grep -v '^#' "$top/config/base")
have=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo '?')
echo "tree: base is Linux $ver (Debian linux-source-6.1, $have)" | tee "$log"
if [ "$have" != "$pin" ]; then
	echo "tree: the base moved: config/base pins $pin, this machine has $have (README: 'When Debian moves on')" | tee -a "$log" >&2
fi

if [ $fresh -eq 0 ] && [ "$(cat "$tree/.git/series-stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "tree: series already applied ($(g rev-list --count base..HEAD) patches)"
	exit 0
fi

g am --abort >/dev/null 2>&1 || true
g checkout -q -f --detach base
g branch -q -f nested base
g checkout -q nested
g clean -q -fdx -e /.git

rm -f "$top/build/logs/tree-failed"
n=0
for p in $(series); do
	n=$((n + 1))
	if ! g am -q -3 "$p" >>"$log" 2>&1; then
		echo "tree: FAILED to apply $(basename "$p"):" >&2
		g am --show-current-patch=diff >/dev/null 2>&1 || true
		sed -n '/^error\|^CONFLICT\|^fatal/p' "$log" | tail -n 8 >&2
		g diff --name-only --diff-filter=U | sed 's/^/tree:   conflict in /' >&2 || true
		g am --abort >/dev/null 2>&1 || true
		rm -f "$tree/.git/series-stamp"
		basename "$p" >"$top/build/logs/tree-failed"
		exit 1
	fi
done
echo "$stamp" >"$tree/.git/series-stamp"
echo "tree: applied $n patches on base"
