#!/bin/sh
# Build one of DPDK's example programs, as Debian's dpdk-doc ships it in
# /usr/share/dpdk/examples, UNMODIFIED with its own Makefile and hugemem's
# drop-in libdpdk.pc, then run it and check its output.
#   dpdk_example.sh PKGCONFIG_DIR CC EXAMPLE EXPECT_REGEX EXPECT_COUNT [ARGS...]
# EXPECT_COUNT is exact, or "N+" for at least N lines.
# Environment: HM_EXAMPLE_SECONDS=S runs a program that never returns for S
#   seconds (stdout line-buffered with stdbuf, ended by SIGTERM: that exit is
#   expected); HM_EXAMPLE_ALSO holds more "COUNT REGEX" lines, one a line, to check;
#   HM_EXAMPLE_STDIN is given to the program on its standard input (printf %b:
#   "\n" for newlines; without it, the input is /dev/null).
# EXAMPLE may be a subdirectory (multi_process/simple_mp); the program is its
# last component, as the examples' Makefiles name it.
# Skips (exit 77) with the reason when dpdk-doc, make or pkg-config is missing.
set -eu
pcdir=$1
cc=$2
example=$3
expect=$4
count=$5
shift 5

src=/usr/share/dpdk/examples/$example
if [ ! -f "$src/Makefile" ]; then
	echo "SKIP: $src/Makefile not found: install dpdk-doc (scripts/install-deps.sh does)"
	exit 77
fi
for tool in make pkg-config; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed"
		exit 77
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/hm-dpdk-example.XXXXXX")
trap 'rm -rf "$work"' EXIT
app=$(basename "$example")
mkdir -p "$(dirname "$work/$example")"
cp -r "$src" "$work/$example"
cd "$work/$example"
if [ -n "${HM_EXAMPLE_STDIN:-}" ]; then
	printf '%b' "$HM_EXAMPLE_STDIN" >stdin.txt
else
	: >stdin.txt
fi

# our libdpdk.pc must be the one found, also where DPDK itself is installed
export PKG_CONFIG_PATH="$pcdir"
pc=$(pkg-config --path libdpdk)
case "$pc" in
"$pcdir"/*) ;;
*) echo "FAIL: pkg-config found $pc, not $pcdir/libdpdk.pc"; exit 1 ;;
esac
if ! make CC="$cc" >build.log 2>&1; then
	cat build.log
	echo "FAIL: $example does not build against $pc"
	exit 1
fi
echo "built $example against $pc"

status=0
if [ -n "${HM_EXAMPLE_SECONDS:-}" ]; then
	for tool in timeout stdbuf; do
		command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool is not installed"; exit 77; }
	done
	timeout "$HM_EXAMPLE_SECONDS" stdbuf -oL "./build/$app" "$@" <stdin.txt >out.txt 2>&1 || status=$?
	[ "$status" -eq 124 ] && status=0 # ended by the timeout, as intended
else
	"./build/$app" "$@" <stdin.txt >out.txt 2>&1 || status=$?
fi
cat out.txt
if [ "$status" -ne 0 ]; then
	echo "FAIL: ./build/$app $* exited with $status"
	exit 1
fi
# check COUNT REGEX: exact count, or N+ for at least N
check() {
	want=$1
	got=$(grep -cE "$2" out.txt || true)
	case $want in
	*+) [ "$got" -ge "${want%+}" ] ;;
	*) [ "$got" -eq "$want" ] ;;
	esac || { echo "FAIL: expected $want line(s) matching '$2', got $got"; exit 1; }
	echo "OK: $got line(s) matching '$2' (expected $want)"
}
check "$count" "$expect"
if [ -n "${HM_EXAMPLE_ALSO:-}" ]; then
	printf '%s\n' "$HM_EXAMPLE_ALSO" | while read -r want re; do
		[ -n "$want" ] && check "$want" "$re"
	done || exit 1
fi
