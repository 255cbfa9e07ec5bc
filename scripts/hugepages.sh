#!/usr/bin/env bash
# Run the hugetlbfs backend suite on real 2 MiB hugepages (root only).
#   scripts/hugepages.sh [BUILD_DIR] [PAGES]     defaults: build 512
# Reserves PAGES hugepages (on top of what is already reserved), mounts hugetlbfs
# in a temporary directory, runs `meson test -C BUILD_DIR --suite hugetlbfs` with
# HUGEMEM_TEST_HUGE_DIR pointing at the mount, and gives everything back on exit
# (trap), also when the tests fail or the script is interrupted. Without root,
# or when the kernel cannot reserve a single page, it says why and exits 0: the
# suite's tests then skip themselves.
# 512 pages (1 GiB): the largest test topology caps 256 pages on a node (the
# malloc model) and tests skip, saying so, when fewer are free than a topology
# caps; the rest is headroom. Reserving costs no time: pages are zeroed when
# first touched.
set -euo pipefail
build=${1:-build}
want=${2:-512}
nr=/proc/sys/vm/nr_hugepages

if [ "$(id -u)" -ne 0 ] || [ ! -w "$nr" ]; then
	echo "hugepages.sh: not root; the hugetlbfs suite needs real hugepages (skipped)"
	exit 0
fi
old=$(cat "$nr")
mnt=$(mktemp -d /tmp/hugemem-hugetlbfs.XXXXXX)
mounted=0
cleanup() {
	rc=$?
	if [ "$mounted" = 1 ]; then
		rm -f "$mnt"/* 2>/dev/null || true
		umount "$mnt" || umount -l "$mnt" || true
	fi
	rmdir "$mnt" 2>/dev/null || true
	echo "$old" > "$nr" || true
	echo "hugepages.sh: restored nr_hugepages=$(cat "$nr"), unmounted $mnt"
	exit "$rc"
}
trap cleanup EXIT INT TERM

echo $((old + want)) > "$nr"
got=$(( $(cat "$nr") - old ))
if [ "$got" -lt 128 ]; then
	echo "hugepages.sh: the kernel reserved only $got of $want 2 MiB pages (memory fragmented?); skipped"
	exit 0
fi
mount -t hugetlbfs -o pagesize=2M nodev "$mnt"
mounted=1
echo "hugepages.sh: $got 2 MiB pages reserved, hugetlbfs mounted at $mnt"
HUGEMEM_TEST_HUGE_DIR=$mnt meson test -C "$build" --suite hugetlbfs --print-errorlogs
