#!/usr/bin/env bash
# Run the hugetlbfs backend suite (meson suite `hugetlbfs`) on real 2 MiB hugepages.
#
#   scripts/hugepages.sh [BUILD_DIR] [PAGES]           defaults: build 512 (root)
#       Reserves PAGES more hugepages (on top of what is already reserved), mounts
#       hugetlbfs in a temporary directory, runs the suite there, and gives
#       everything back on exit (trap), also when the tests fail or the script is
#       interrupted.
#   scripts/hugepages.sh --no-reserve [BUILD_DIR]      (root)
#       Mounts hugetlbfs in a temporary directory and runs the suite on the pages
#       already free; nr_hugepages is not changed.
#   scripts/hugepages.sh --use-mount DIR [BUILD_DIR]   (any user who can write DIR)
#       Runs the suite in a fresh subdirectory of DIR, an existing hugetlbfs mount
#       (or a directory inside one), and removes the subdirectory afterwards;
#       nothing is reserved or mounted.
#
# Every mode serialises with other runs on the lock /tmp/hugemem-hugepages.lock
# (one pool of hugepages per machine): it takes the lock itself, or uses the one
# its parent holds when started as `flock /tmp/hugemem-hugepages.lock scripts/...`.
# Without root (default and --no-reserve modes), when the kernel cannot reserve
# 128 pages, or (--no-reserve, --use-mount) fewer than 128 are free, it says why
# and exits 0. After the run it lists what the suite skipped and why
# (scripts/test-skips.py); the exit status is the suite's.
# 512 pages (1 GiB): the largest test topology caps 256 pages on a node (the
# malloc model) and tests skip, saying so, when fewer are free than a topology
# caps; the rest is headroom. Reserving costs no time: pages are zeroed when
# first touched.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lock=/tmp/hugemem-hugepages.lock
nr=/proc/sys/vm/nr_hugepages
mode=reserve
use_dir=
case "${1:-}" in
--no-reserve)
	mode=no-reserve
	shift
	;;
--use-mount=*)
	mode=use-mount
	use_dir=${1#--use-mount=}
	shift
	;;
--use-mount)
	mode=use-mount
	use_dir=${2:?--use-mount needs a directory}
	shift 2
	;;
-h|--help)
	sed -n '2,27p' "$0"
	exit 0
	;;
-*)
	echo "hugepages.sh: unknown option '$1' (--no-reserve, --use-mount DIR, --help)" >&2
	exit 2
	;;
esac
build=${1:-build}
want=${2:-512}

# The lock: inherited from a `flock FILE scripts/hugepages.sh` parent (same open
# file, so flock succeeds at once), else our own, waiting for other runs.
take_lock() {
	local fd
	for fd in "/proc/$$/fd/"*; do
		if [ "$(readlink "$fd" 2>/dev/null)" = "$lock" ] && flock -n "${fd##*/}" 2>/dev/null; then
			return
		fi
	done
	[ -e "$lock" ] || (set -C; : >"$lock") 2>/dev/null || true
	exec 9<"$lock"
	if ! flock -n 9; then
		echo "hugepages.sh: another run holds $lock; waiting for it"
		flock 9
	fi
}

# The suite with HUGEMEM_TEST_HUGE_DIR=$1, then its skips; returns meson's status.
run_suite() {
	local rc=0
	HUGEMEM_TEST_HUGE_DIR=$1 meson test -C "$build" --suite hugetlbfs --print-errorlogs || rc=$?
	"$top/scripts/test-skips.py" "$build" || true
	return "$rc"
}

# Free 2 MiB pages nobody has reserved yet.
free_pages() {
	local d=/sys/kernel/mm/hugepages/hugepages-2048kB
	echo $(( $(cat "$d/free_hugepages" 2>/dev/null || echo 0) - $(cat "$d/resv_hugepages" 2>/dev/null || echo 0) ))
}

# Without a reservation: skip (exit 0, as when reserving fails) below 128 free pages.
enough_free() {
	local f
	f=$(free_pages)
	if [ "$f" -lt 128 ]; then
		echo "hugepages.sh: only $f free 2 MiB pages (the suite needs 128; reserve some or" \
			"drop --no-reserve/--use-mount); skipped"
		exit 0
	fi
}

if [ "$mode" = use-mount ]; then
	if [ "$(stat -f -c %T "$use_dir" 2>/dev/null)" != hugetlbfs ]; then
		echo "hugepages.sh: $use_dir is not on a hugetlbfs mount" >&2
		exit 1
	fi
	take_lock
	enough_free
	sub=$(mktemp -d "$use_dir/hugemem-test.XXXXXX")
	trap 'rm -rf "$sub"' EXIT
	echo "hugepages.sh: using $sub (in the existing mount; $(free_pages) hugepages free, nr_hugepages untouched)"
	rc=0
	run_suite "$sub" || rc=$?
	exit "$rc"
fi

if [ "$(id -u)" -ne 0 ] || [ ! -w "$nr" ]; then
	echo "hugepages.sh: not root; the hugetlbfs suite needs real hugepages (skipped;" \
		"--use-mount DIR runs it on an existing mount you can write)"
	exit 0
fi
take_lock
[ "$mode" = reserve ] || enough_free
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
	if [ "$mode" = reserve ]; then
		echo "$old" > "$nr" || true
		echo "hugepages.sh: restored nr_hugepages=$(cat "$nr"), unmounted $mnt"
	else
		echo "hugepages.sh: unmounted $mnt (nr_hugepages untouched: $(cat "$nr"))"
	fi
	exit "$rc"
}
trap cleanup EXIT INT TERM

if [ "$mode" = reserve ]; then
	echo $((old + want)) > "$nr"
	got=$(( $(cat "$nr") - old ))
	if [ "$got" -lt 128 ]; then
		echo "hugepages.sh: the kernel reserved only $got of $want 2 MiB pages (memory fragmented?); skipped"
		exit 0
	fi
	what="$got 2 MiB pages reserved"
else
	what="$(free_pages) hugepages already free, none reserved"
fi
mount -t hugetlbfs -o pagesize=2M nodev "$mnt"
mounted=1
echo "hugepages.sh: $what, hugetlbfs mounted at $mnt"
rc=0
run_suite "$mnt" || rc=$?
exit "$rc"
