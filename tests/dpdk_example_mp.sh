#!/bin/sh
# DPDK's multi_process/client_server_mp (Debian's dpdk-doc), built UNMODIFIED
# with its own Makefiles and hugemem's drop-in libdpdk.pc, run as DPDK's guide
# runs it: mp_server (the primary) with two net_hugemem ports, port 0 replaying
# a generated capture, port 1 writing what is sent on it to a capture; two
# mp_client secondaries (-n 0, -n 1) that take the frames the server hands them
# round robin through a ring each and transmit each on the other port of the
# pair (port 0 -> port 1), each on its own TX queue of the server's port.
# The server runs until signalled: once the ports' idle report shows every
# frame sent, the clients are stopped (SIGTERM: the shell starts background
# jobs with SIGINT ignored) and then the server with SIGINT, as a user would
# (its handler stops and closes the ports and exits 0). Then
#   - the output capture holds every input frame once, byte for byte, each
#     client's frames in their order (pcap_fwd_check merged),
#   - the report counts every frame on both ports, nothing missed or in error,
#   - the pool is back: no mbuf held by the application.
# FRAMES stays under what the two client rings hold (2 x 127), so nothing is
# dropped whenever the clients start (the example drops what a full ring
# cannot take).
#   dpdk_example_mp.sh PKGCONFIG_DIR CC CHECK_TOOL FRAMES [EAL ARGS...]
# Skips (exit 77) with the reason when dpdk-doc, make or pkg-config is missing.
set -eu
pcdir=$1
cc=$2
check=$3
frames=$4
shift 4

example=multi_process/client_server_mp
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

work=$(mktemp -d "${TMPDIR:-/tmp}/hm-dpdk-mp.XXXXXX")
server=
clients=
cleanup() {
	for p in $clients $server; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
cp -r "$src" "$work/csmp"
cd "$work/csmp"

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
echo "built $example (mp_server, mp_client) against $pc"

# a private instance: the runtime dir and prefix are this test's
export HUGEMEM_RUNTIME_DIR="$work/run"
mkdir "$HUGEMEM_RUNTIME_DIR"
prefix=csmp$$
in=$work/in.pcap
out=$work/out.pcap
"$check" gen "$in" "$frames" 11

# wait_for FILE REGEX PID: until FILE has a line matching REGEX (0), PID is
# gone or 120 s passed (1)
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		if ! kill -0 "$3" 2>/dev/null || [ "$i" -ge 1200 ]; then
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}
show() {
	for f in server.txt client0.txt client1.txt; do
		[ -f "$f" ] && { echo "--- $f"; cat "$f"; }
	done
	return 0
}

./mp_server/build/mp_server "$@" -l 0 --file-prefix=$prefix \
	--vdev=net_hugemem0,pcap="$in",idle_report=300 \
	--vdev=net_hugemem1,tx_pcap="$out" -- -p 3 -n 2 >server.txt 2>&1 &
server=$!
if ! wait_for server.txt "Finished Process Init" "$server"; then
	show
	echo "FAIL: mp_server did not come up"
	exit 1
fi
# one after the other: two secondaries initialising at once can each hold, for a
# moment, the lcore id the other asks for with -l (hugemem's EAL then refuses one)
for k in 0 1; do
	./mp_client/build/mp_client "$@" -l $((k + 1)) --proc-type=secondary \
		--file-prefix=$prefix -- -n $k >client$k.txt 2>&1 &
	clients="$clients $!"
	if ! wait_for client$k.txt "Finished Process Init" $!; then
		show
		echo "FAIL: mp_client -n $k did not come up"
		exit 1
	fi
done
# the report from an idle spell after every frame went out on port 1
if ! wait_for server.txt "port 1 (net_hugemem1): rx 0 packets, tx $frames packets" "$server"; then
	show
	echo "FAIL: port 1 never reported $frames frames sent"
	exit 1
fi
# the rest of that report (its pool line), 10 s at most
i=0
until awk -v tx="port 1 [(]net_hugemem1[)]: rx 0 packets, tx $frames packets" \
	'$0 ~ tx { seen = 1 } seen && /held by the application/ { ok = 1 } END { exit !ok }' \
	server.txt || [ "$i" -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
fail=0
for p in $clients; do
	if ! kill -0 "$p" 2>/dev/null; then
		echo "FAIL: client $p exited before it was stopped"
		fail=1
	fi
	kill -TERM "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
done
clients=
kill -INT "$server"
i=0
while kill -0 "$server" 2>/dev/null && [ "$i" -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
status=0
wait "$server" || status=$?
server=
show
if [ "$status" -ne 0 ]; then
	echo "FAIL: mp_server exited with status $status after SIGINT (its handler stops, closes, exits 0)"
	fail=1
fi
grep -q "port 0 (net_hugemem0): rx $frames packets, .* imissed 0, ierrors 0, oerrors 0, rx_nombuf 0" server.txt ||
	{ echo "FAIL: port 0 did not receive $frames frames cleanly"; fail=1; }
grep -q "port 1 (net_hugemem1): rx 0 packets, tx $frames packets, imissed 0, ierrors 0, oerrors 0" server.txt ||
	{ echo "FAIL: port 1 did not send $frames frames cleanly"; fail=1; }
last_pool=$(grep "net_hugemem: pool MProc_pktmbuf_pool" server.txt | tail -n 1)
case "$last_pool" in
*" 0 held by the application") ;;
*) echo "FAIL: mbufs held by the application at idle: $last_pool"; fail=1 ;;
esac
for k in 0 1; do
	grep -q "APP: Finished Process Init" client$k.txt ||
		{ echo "FAIL: client $k did not come up"; fail=1; }
done
"$check" merged "$in" "$out" 2 || fail=1
[ "$fail" -eq 0 ] || exit 1
echo "OK: $example: mp_server and 2 mp_client secondaries forwarded $frames frames, each once and as it went in, pool back"
