#!/bin/sh
# DPDK's multi_process/simple_mp, UNMODIFIED (Debian's dpdk-doc), built with
# hugemem's drop-in libdpdk.pc and run as DPDK's guide runs it: a primary and a
# secondary, each reading commands on its terminal (here a FIFO). Each sends a
# message through the shared rings; the other's worker lcore must print it.
# Both quit; both must exit 0.
#   dpdk_example_simple_mp.sh PKGCONFIG_DIR CC
# Skips (exit 77) with the reason when dpdk-doc, make or pkg-config is missing.
set -eu
pcdir=$1
cc=$2
src=/usr/share/dpdk/examples/multi_process/simple_mp
if [ ! -f "$src/Makefile" ]; then
	echo "SKIP: $src/Makefile not found: install dpdk-doc (scripts/install-deps.sh does)"
	exit 77
fi
for tool in make pkg-config mkfifo timeout stdbuf; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool is not installed"; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/hm-simple-mp.XXXXXX")
pids=
cleanup() {
	exec 7>&- 8>&- 2>/dev/null || true
	for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
cp -r "$src" "$work/simple_mp"
cd "$work/simple_mp"
export PKG_CONFIG_PATH="$pcdir"
if ! make CC="$cc" >build.log 2>&1; then
	cat build.log
	echo "FAIL: simple_mp does not build against $pcdir/libdpdk.pc"
	exit 1
fi
prefix=hm-smp-$$

# wait_for FILE REGEX: up to 30 s for a line matching REGEX in FILE
wait_for() {
	i=0
	while ! grep -qE "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 300 ]; then
			echo "FAIL: no line matching '$2' in $1 after 30 s; primary:"
			cat p.out
			echo "secondary:"
			cat s.out
			exit 1
		fi
		sleep 0.1
	done
}

mkfifo p.in s.in
timeout 120 stdbuf -oL ./build/simple_mp -l 0-1 --no-huge --file-prefix "$prefix" \
	--proc-type=primary <p.in >p.out 2>&1 &
ppid=$!
pids="$ppid"
exec 7>p.in
wait_for p.out 'APP: Finished Process Init'
timeout 120 stdbuf -oL ./build/simple_mp --lcores=2@0,3@1 --no-huge --file-prefix "$prefix" \
	--proc-type=secondary <s.in >s.out 2>&1 &
spid=$!
pids="$pids $spid"
exec 8>s.in
wait_for s.out 'APP: Finished Process Init'
echo "send hello_from_primary" >&7
wait_for s.out "core [0-9]+: Received 'hello_from_primary'"
echo "send hello_from_secondary" >&8
wait_for p.out "core [0-9]+: Received 'hello_from_secondary'"
echo quit >&8
exec 8>&-
st=0
wait "$spid" || st=$?
echo quit >&7
exec 7>&-
pt=0
wait "$ppid" || pt=$?
pids=
echo "--- primary"
cat p.out
echo "--- secondary"
cat s.out
if [ "$st" -ne 0 ] || [ "$pt" -ne 0 ]; then
	echo "FAIL: exit status primary $pt, secondary $st"
	exit 1
fi
grep -q 'proc-type\|secondary' s.out || true
echo "ok: the primary and the secondary each received the other's message"
