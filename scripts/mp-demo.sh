#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# The multi-process demo (make demo, README): `hugemem rx --serve=N` as the
# primary and N `hugemem client --id=K` secondaries, in the background as two
# terminals would run them. Succeeds when every process exits 0: every packet
# reached its client intact and the pool was whole again at the end.
#
#   scripts/mp-demo.sh HUGEMEM_BINARY [CLIENTS [PACKETS [extra hugemem options...]]]
#
# Runs in a private runtime dir (removed afterwards; it must be empty by then:
# the last process out removes the instance).
set -u
cli=${1:?usage: $0 HUGEMEM_BINARY [CLIENTS [PACKETS [options...]]]}
n=${2:-2}
packets=${3:-20000}
shift; [ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift
topo='--topology=nodes=2;2M=256,256;lcores=0-3@0,4-7@1'
run=$(mktemp -d "${TMPDIR:-/tmp}/hugemem-mp-demo.XXXXXX") || exit 1
export HUGEMEM_RUNTIME_DIR="$run"
prefix=demo-mp

echo "\$ hugemem rx --serve=$n --file-prefix=$prefix --packets=$packets $topo $* &"
"$cli" rx --serve="$n" --file-prefix=$prefix --packets="$packets" "$topo" "$@" &
server=$!
pids=""
k=0
while [ "$k" -lt "$n" ]; do
	echo "\$ hugemem client --id=$k --file-prefix=$prefix &"
	"$cli" client --id="$k" --file-prefix=$prefix &
	pids="$pids $!"
	k=$((k + 1))
done
status=0
for p in $pids; do
	wait "$p" || status=1
done
wait "$server" || status=1
if [ -n "$(ls -A "$run" 2>/dev/null)" ]; then
	echo "mp-demo: $run is not empty after the last process left:" >&2
	ls -lR "$run" >&2
	status=1
fi
rm -rf "$run"
if [ "$status" -eq 0 ]; then
	echo "mp-demo: ok: the server and its $n client(s) exited 0, every packet verified, the pool whole again"
else
	echo "mp-demo: FAILED" >&2
fi
exit "$status"
