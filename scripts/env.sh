# Common settings for the workspace scripts (sourced).
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tree=$top/build/linux
obj=$top/build/obj-arm64
objx86=$top/build/obj-x86
logs=$top/build/logs
results=${RESULTS:-$top/build/results.txt}
karch=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
jobs=$(nproc)
mkdir -p "$logs"

# result PASS|FAIL|SKIP NAME [DETAIL]: record one counted test.
result() {
	local st=$1 name=$2
	shift 2
	printf '%s %s\n' "$st" "$name" >>"$results"
	if [ "$st" = FAIL ]; then
		printf '  FAIL  %s%s\n' "$name" "${1:+: $*}"
	else
		printf '  %-4s  %s\n' "$st" "$name"
	fi
}
