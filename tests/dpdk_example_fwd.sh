#!/bin/sh
# A forwarding example of DPDK's (Debian's dpdk-doc, /usr/share/dpdk/examples),
# built UNMODIFIED with its own Makefile and hugemem's drop-in libdpdk.pc, run
# on net_hugemem ports: port 0 replays a generated capture LOOPS times, port 1
# writes what it sends to a capture. The program never returns (skeleton and
# l2fwd forward until killed), so the ports' idle report (idle_report=, printed
# once every input is read to its end and nothing moved for a while, after the
# capture is flushed; the one whose port 1 sent every frame) says when to
# look; then the program is killed and
#   - the output capture holds every input frame LOOPS times, in order, byte
#     for byte (l2fwd: the MAC addresses aside, the destination checked),
#   - the report counts every frame on both ports, nothing missed or in error,
#   - the pool is back: no mbuf held by the application.
#   dpdk_example_fwd.sh PKGCONFIG_DIR CC EXAMPLE CHECK_TOOL FRAMES LOOPS DST_PORT|- [ARGS...]
# ARGS are the program's, after the EAL's: @IN@ and @OUT@ in them become the
# capture paths. Skips (exit 77) with the reason when dpdk-doc, make or
# pkg-config is missing.
set -eu
pcdir=$1
cc=$2
example=$3
check=$4
frames=$5
loops=$6
dst=$7
shift 7

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

work=$(mktemp -d "${TMPDIR:-/tmp}/hm-dpdk-fwd.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
cp -r "$src" "$work/$example"
cd "$work/$example"

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
# the program's name is the Makefile's APP (skeleton builds basicfwd)
app=$(sed -n 's/^APP *= *//p' Makefile)
echo "built $example ($app) against $pc"

in=$work/in.pcap
out=$work/out.pcap
"$check" gen "$in" "$frames" 7
# the program's arguments with the capture paths substituted
for a; do
	shift
	set -- "$@" "$(printf '%s\n' "$a" | sed -e "s|@IN@|$in|g" -e "s|@OUT@|$out|g")"
done

total=$((frames * loops))
# an idle report whose port 1 sent every frame, the report's pool line after it
# (an earlier report can come while a thread the scheduler held back still has
# frames in hand: when it sends them, a later quiet spell reports again)
reported() {
	awk -v tx="port 1 [(]net_hugemem1[)]: rx [0-9]+ packets, tx $total packets" \
		'$0 ~ tx { seen = 1 } seen && /held by the application/ { ok = 1 } END { exit !ok }' out.txt
}
"./build/$app" "$@" >out.txt 2>&1 &
pid=$!
# that report, or the program gone, or 120 s
i=0
while ! reported; do
	if ! kill -0 "$pid" 2>/dev/null || [ "$i" -ge 1200 ]; then
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
kill "$pid" 2>/dev/null || true
status=0
wait "$pid" 2>/dev/null || status=$?
pid=
cat out.txt
if ! grep -q "held by the application" out.txt; then
	echo "FAIL: ./build/$app $* gave no idle report (exit status $status)"
	exit 1
fi

fail=0
grep -q "port 0 (net_hugemem0): rx $total packets, .* imissed 0, ierrors 0, oerrors 0, rx_nombuf 0" out.txt ||
	{ echo "FAIL: port 0 did not receive $total frames cleanly"; fail=1; }
grep -q "port 1 (net_hugemem1): rx [0-9]* packets, tx $total packets, imissed 0, ierrors 0, oerrors 0" out.txt ||
	{ echo "FAIL: port 1 did not send $total frames cleanly"; fail=1; }
last_pool=$(grep "held by the application" out.txt | tail -n 1)
case "$last_pool" in
*" 0 held by the application") ;;
*) echo "FAIL: mbufs still held by the application at idle: $last_pool"; fail=1 ;;
esac
if [ "$dst" = - ]; then
	"$check" cmp "$in" "$out" "$loops" || fail=1
else
	"$check" cmp "$in" "$out" "$loops" "$dst" || fail=1
fi
[ "$fail" -eq 0 ] || exit 1
echo "OK: $example forwarded $total frames, every one as it went in, pool back"
