#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# dpdk-compare-ops (-Ddpdk_compare): dpdk_ops_model built against hugemem's
# DPDK layer and against DPDK 22.11 itself run the same seeded ring / mempool
# operation sequences; their traces (every return value, count and a hash of
# which objects each get handed out) must be identical.
#   dpdk_compare_ops.sh HUGEMEM_BINARY DPDK_BINARY WORKDIR [SEEDS...]
set -u
hm=$1 dpdk=$2 work=$3
shift 3
[ $# -gt 0 ] || set -- 1 2 3
mkdir -p "$work" || exit 1
prefix=hm-compare-ops-$$
trap 'rm -rf "/var/run/dpdk/$prefix" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$prefix"' EXIT
status=0
for seed in "$@"; do
	"$hm" -l 0 --no-huge -- "$seed" "$work/hugemem.$seed" > "$work/hugemem.$seed.out" 2>&1 || {
		cat "$work/hugemem.$seed.out"; echo "FAIL: hugemem's run, seed $seed"; status=1; continue; }
	"$dpdk" -l 0 --no-huge -m 512 --no-pci --no-telemetry --no-shconf --file-prefix="$prefix" \
		--log-level=3 -- "$seed" "$work/dpdk.$seed" > "$work/dpdk.$seed.out" 2>&1 || {
		cat "$work/dpdk.$seed.out"
		if grep -q '^rte_eal_init:' "$work/dpdk.$seed.out"; then
			# the machine, not a disagreement: DPDK's EAL does not start here
			echo "SKIP: DPDK's EAL does not start on this machine (see above)"
			exit 77
		fi
		echo "FAIL: DPDK's run, seed $seed"; status=1; continue; }
	if ! diff -u "$work/dpdk.$seed" "$work/hugemem.$seed" > "$work/diff.$seed"; then
		head -40 "$work/diff.$seed"
		echo "FAIL: seed $seed: traces differ (---: DPDK 22.11, +++: hugemem), $work/diff.$seed"
		status=1
		continue
	fi
	echo "seed $seed: $(wc -l < "$work/dpdk.$seed") trace lines identical"
done
exit $status
