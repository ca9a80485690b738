#!/usr/bin/env bash
# scripts/initramfs.sh OUT [TEST [LIST]]: an initramfs whose /init is
# scripts/init.c (mounts, runs /test if given, prints kmemleak's report,
# powers off); LIST, a gen_init_cpio list, adds more files.
set -euo pipefail
. "$(dirname "$0")/env.sh"

out=$1
test=${2:-}
dir=$top/build/initramfs
mkdir -p "$dir"
aarch64-linux-gnu-gcc -static -O2 -Wall -o "$dir/init" "$top/scripts/init.c"
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "dir /proc 0755 0 0"
	echo "dir /sys 0755 0 0"
	echo "file /init $dir/init 0755 0 0"
	[ -z "$test" ] || echo "file /test $test 0755 0 0"
	[ -z "${3:-}" ] || cat "$3"
} >"$dir/list"
"$obj/usr/gen_init_cpio" "$dir/list" >"$out"
