#!/bin/sh
# Behaviour tests of the `hugemem` command that need more than an exit status:
# output contents, fixture roots built at run time, planted page files.
#   sim/cli/cli_test.sh HUGEMEM FIXTURES CASE
# Each CASE is one meson test (sim/cli/meson.build). Doctor cases copy a fixture
# tree of sysfs/procfs from FIXTURES into a temporary root, point its hugetlbfs
# mount (@MNT@ in proc/mounts) at a temporary directory, and run
# `hugemem doctor` with HUGEMEM_SYSFS_ROOT set to it. Exit 0 pass, 1 fail,
# 77 skip (a case that needs root).
set -u
exe=$1
fx=$2
case=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hm-cli-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mnt=$tmp/mnt
mkdir "$mnt"
out=$tmp/out

fail() {
	echo "FAIL ($case): $*"
	echo "--- output:"
	cat "$out"
	exit 1
}
# use FIXTURE: the fixture's tree under $root, its hugetlbfs mount at $mnt
use() {
	cp -R "$fx/$1" "$root" || exit 1
	sed -i "s|@MNT@|$mnt|g" "$root/proc/mounts"
}
# run ARGS...: hugemem ARGS with stdout+stderr in $out, exit status in $rc
run() {
	HUGEMEM_SYSFS_ROOT=$root "$exe" "$@" >"$out" 2>&1
	rc=$?
	echo "\$ hugemem $* -> exit $rc"
}
doctor() {
	run doctor "$@"
}
expect() {
	[ "$rc" = "$1" ] || fail "exit $rc, expected $1"
}
has() {
	grep -qF -- "$1" "$out" || fail "the output lacks: $1"
}
lacks() {
	! grep -qF -- "$1" "$out" || fail "the output has: $1"
}
need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: $case needs root (chown of a file to another user)"
		exit 77
	fi
}

case $case in
# ---- one exit-status convention: 0 ok, 1 failed, 2 usage
usage-exit)
	for c in info doctor rx; do
		run "$c" --bogus-option
		expect 2
		has "--bogus-option"
	done
	run info --in-memory unexpected-argument
	expect 2
	run doctor unexpected-argument
	expect 2
	run nope
	expect 2
	has "unknown command 'nope'"
	has "doctor"
	run
	expect 2
	run help nope
	expect 2
	run version extra
	expect 2
	;;
unknown-option-lists-once)
	for c in info doctor; do
		run "$c" --frob
		expect 2
		[ "$(grep -o -- '--topology' "$out" | wc -l)" = 1 ] || fail "--topology listed $(grep -o -- '--topology' "$out" | wc -l) times"
		has "-h/--help"
	done
	;;
help)
	run help
	expect 0
	cp "$out" "$tmp/help"
	run --help
	expect 0
	cmp -s "$out" "$tmp/help" || fail "hugemem --help differs from hugemem help"
	has "exit status"
	has "doctor"
	for c in info doctor; do
		run "$c" --help
		expect 0
		has "usage: hugemem $c"
		has "--topology"
		has "--socket-mem"
		has "exit status: 0"
		has "2 usage"
		cp "$out" "$tmp/a"
		run help "$c"
		expect 0
		cmp -s "$out" "$tmp/a" || fail "hugemem help $c differs from hugemem $c --help"
		run "$c" --in-memory -h
		expect 0
		has "usage: hugemem $c"
	done
	;;
full-output)
	# stdout that cannot be written is a failure with a message, not exit 0
	for args in "info --in-memory --topology=2M=4" "doctor" "help" "version" "info --help"; do
		# shellcheck disable=SC2086
		"$exe" $args >/dev/full 2>"$out"
		rc=$?
		echo "\$ hugemem $args >/dev/full -> exit $rc"
		expect 1
		has "cannot write the output"
	done
	;;
# ---- info: OK only when something was tested
info-ok)
	run info --in-memory "--topology=nodes=2;2M=8,8;lcores=0@0,1@1"
	expect 0
	has "OK: every page landed"
	;;
info-env-defaults)
	# info and doctor take the environment's defaults as hm_init does; argv wins
	HUGEMEM_TOPOLOGY='nodes=2;2M=8,8;lcores=0@0,1@1' HUGEMEM_IN_MEMORY=1 \
		HUGEMEM_SYSFS_ROOT=$tmp "$exe" info >"$out" 2>&1; rc=$?
	expect 0
	has "topology: 2 node(s)"
	HUGEMEM_TOPOLOGY='nodes=2;2M=8,8;lcores=0@0,1@1' HUGEMEM_IN_MEMORY=1 \
		"$exe" info "--topology=nodes=3;2M=4,4,4;lcores=0@0" >"$out" 2>&1; rc=$?
	expect 0
	has "topology: 3 node(s)"
	HUGEMEM_MALLOC_CACHE=7 "$exe" info --in-memory >"$out" 2>&1; rc=$?
	expect 2
	has "HUGEMEM_MALLOC_CACHE"
	HUGEMEM_MALLOC_CACHE=7 "$exe" doctor >"$out" 2>&1; rc=$?
	expect 2
	has "HUGEMEM_MALLOC_CACHE"
	;;
info-map-fails)
	run info --in-memory "--topology=nodes=2;2M=8,8;lcores=0@0,1@1" --fault=node=1
	expect 1
	has "node 1 2M  : NOT TESTED"
	has "NOT VERIFIED"
	lacks "OK:"
	;;
info-every-map-fails)
	run info --in-memory "--topology=2M=8" --fault=every=1
	expect 1
	has "NOT VERIFIED: no page could be tested"
	;;
info-node-without-pages)
	run info --in-memory "--topology=nodes=2;2M=4,0;lcores=0@0,1@1"
	expect 1
	has "node 1     : NOT TESTED: the backend offers no pages on this node"
	;;
info-size-without-list)
	# 32 nodes x 2 sizes share the 512G cap: 8G per pair, less than a 16G page
	run info --in-memory "--topology=nodes=32;16G=1;2M=1"
	expect 1
	has "NOT TESTED: no memseg list holds 16G pages on node 0"
	has "8G of list room"
	;;
info-legacy-checks-mapped)
	run info --in-memory --legacy-mem "--topology=2M=4;iova=fragmented"
	expect 0
	has "(already mapped)"
	;;
info-init-fails)
	run info --in-memory "--topology=2M=4" -m 64
	expect 1
	has "hugemem info: cannot start"
	;;
# ---- doctor on emu: refuses exactly what info (hm_init) refuses
doctor-emu-same-as-info)
	# one case per line, arguments separated by |
	cat >"$tmp/cases" <<'EOF'
--topology=nodes=2;2M=8,8;1G=0,1;lcores=0@0,1@1;iova=shuffled;seed=7
--topology=nodez=1
--topology=2M=0
--topology=3M=4
--topology=2M=4;iova=bogus
--topology=nodes=2;2M=1,1,1
--topology=nodes=2;2M=8,8;lcores=0@0,1@2
--topology=4K=4;lcores=0-3
--topology=nodes=32;16G=1;2M=1
--topology=nodes=32;2M=1;1G=1;4K=1;64K=1;16G=1
--topology=2M=4|-m|8
--topology=2M=4|-m|9
--topology=nodes=2;2M=4,4;lcores=0@0,1@1|--socket-mem=8,8
--topology=nodes=2;2M=4,4;lcores=0@0,1@1|--socket-mem=8,10
--topology=2M=4|--socket-mem=2,2
--topology=2M=4|--socket-mem=4|--socket-limit=2
--topology=2M=4|--huge-dir=/mnt
--topology=2M=4|--iova-mode=va
--topology=2M=4|--fault=bogus
--topology=1G=2;2M=2|-m|2050
--topology=2M=4|-m|4|--socket-mem=4
--topology=2M=4|--legacy-mem|--socket-limit=4
--topology=2M=4|--legacy-mem
--topology=4K=40000|--legacy-mem
--topology=4K=40000|-m|100
--topology=4K=40000|-m|200
EOF
	while IFS= read -r line; do
		oldifs=$IFS
		IFS='|'
		# shellcheck disable=SC2086
		set -- $line
		IFS=$oldifs
		run info --in-memory "$@"
		irc=$rc
		run doctor --backend=emu "$@"
		[ "$rc" = "$irc" ] || fail "info exits $irc, doctor $rc for: $line"
	done <"$tmp/cases"
	;;
doctor-emu-memory)
	run doctor "--topology=2M=4" -m 64
	expect 1
	has "the topology offers only 8M"
	run doctor "--topology=2M=4" -m 8
	expect 0
	;;
# ---- doctor, emu --in-memory, in a process whose THP a parent disabled (prctl, inherited):
# the reason names the prctl and the fix is about it, not about sysfs
doctor-emu-thp-prctl)
	pol=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
	case $pol in
	*"[always]"* | *"[madvise]"*) ;;
	*)
		echo "SKIP: $case: no anonymous transparent huge pages here ($pol)"
		exit 77
		;;
	esac
	command -v python3 >/dev/null || { echo "SKIP: $case: python3 sets the prctl"; exit 77; }
	# PR_SET_THP_DISABLE is 41; a kernel without it (before 3.15) skips
	HUGEMEM_SYSFS_ROOT=$root python3 -c 'import ctypes, os, sys
if ctypes.CDLL(None).prctl(41, 1, 0, 0, 0) != 0:
    sys.exit(77)
os.execv(sys.argv[1], sys.argv[1:])' "$exe" doctor --in-memory "--topology=2M=4" >"$out" 2>&1
	rc=$?
	[ "$rc" != 77 ] || { echo "SKIP: $case: prctl(PR_SET_THP_DISABLE) refused"; exit 77; }
	echo "\$ (prctl PR_SET_THP_DISABLE) hugemem doctor --in-memory --topology=2M=4 -> exit $rc"
	has "2M pages are 4K pages underneath: this process has transparent huge pages disabled (prctl PR_SET_THP_DISABLE"
	has "fix: start it from a process that does not disable transparent huge pages"
	lacks "echo madvise"
	# without the prctl the same command reports THP and no fix about it
	run doctor --in-memory "--topology=2M=4"
	has "2M pages are 2M transparent huge pages underneath"
	lacks "PR_SET_THP_DISABLE"
	;;
# ---- doctor on the fuse backend: hm_fusefs_doctor's checks, then the topology as emu
doctor-fuse)
	run doctor --backend=fuse "--topology=2M=4" -m 64
	expect 1
	has "the topology offers only 8M"
	export HUGEMEM_FUSEFS_BIN="$tmp/none"
	run doctor --backend=fuse "--topology=2M=4"
	unset HUGEMEM_FUSEFS_BIN
	expect 1
	has "HUGEMEM_FUSEFS_BIN=$tmp/none is not executable"
	has "fix: install libfuse3-dev and rebuild"
	export HUGEMEM_FUSEFS_MOUNT="$mnt"
	run doctor --backend=fuse "--topology=2M=4"
	unset HUGEMEM_FUSEFS_MOUNT
	expect 1
	has "$mnt is not a FUSE mount"
	has "fix: start one: hugemem fusefs <dir> &, or unset HUGEMEM_FUSEFS_MOUNT"
	if [ -r /dev/fuse ] && [ -w /dev/fuse ] && [ "$(id -u)" -eq 0 ]; then
		run doctor --backend=fuse "--topology=nodes=2;2M=4,4" -m 16 --single-file-segments
		expect 0
		has "ok    /dev/fuse is usable"
		has "ok    daemon program"
		has "16 MiB to preallocate fits the topology"
		lacks "emu pages go to tmpfs"
	fi
	;;
# ---- doctor on hugetlbfs fixtures
doctor-ok)
	use doctor-ok
	doctor --backend=hugetlbfs -m 64
	expect 0
	has "can run"
	has "no page files left in $mnt"
	has "ASLR off"
	;;
doctor-no-pages)
	use doctor-nopages
	doctor --backend=hugetlbfs -m 64
	expect 1
	has "/proc/sys/vm/nr_hugepages"
	;;
doctor-cgroup-v1)
	use doctor-cgroup
	doctor --backend=hugetlbfs -m 64
	expect 1
	has "the hugetlb cgroup allows 4 MiB more"
	has "$root/sys/fs/cgroup/hugetlb/grp/hugetlb.2MB.limit_in_bytes"
	lacks "nr_hugepages)"
	lacks "> /proc/sys/vm/nr_hugepages"
	doctor --backend=hugetlbfs -m 4
	expect 0
	;;
doctor-cgroup-v2-parent)
	# the limit sits on the parent of this process's cgroup, partly used
	use doctor-ok
	echo "0::/a/b" >"$root/proc/self/cgroup"
	mkdir -p "$root/sys/fs/cgroup/a/b"
	echo 8388608 >"$root/sys/fs/cgroup/a/hugetlb.2MB.max"
	echo 6291456 >"$root/sys/fs/cgroup/a/hugetlb.2MB.current"
	echo max >"$root/sys/fs/cgroup/a/b/hugetlb.2MB.max"
	doctor --backend=hugetlbfs -m 4
	expect 1
	has "allows 2 MiB more hugepage memory (limit 8 MiB, 6 MiB in use)"
	has "echo 10485760 > $root/sys/fs/cgroup/a/hugetlb.2MB.max"
	lacks "> /proc/sys/vm/nr_hugepages"
	doctor --backend=hugetlbfs -m 2
	expect 0
	;;
doctor-cgroup-zero-no-m)
	# no -m: a cgroup that allows nothing is not fixed by nr_hugepages
	use doctor-cgroup
	echo 0 >"$root/sys/fs/cgroup/hugetlb/grp/hugetlb.2MB.limit_in_bytes"
	doctor --backend=hugetlbfs
	expect 1
	has "the hugetlb cgroup allows 0 MiB more"
	lacks "> /proc/sys/vm/nr_hugepages"
	;;
doctor-mount-quota)
	use doctor-ok
	sed -i 's|pagesize=2M|pagesize=2M,size=8388608|' "$root/proc/mounts"
	doctor --backend=hugetlbfs -m 64
	expect 1
	has "size= quota 8M"
	has "the size= quota of hugetlbfs mount $mnt (8 MiB) leaves 8 MiB"
	has "mount -o remount,size=64M $mnt"
	lacks "> /proc/sys/vm/nr_hugepages"
	doctor --backend=hugetlbfs -m 8
	expect 0
	doctor --backend=hugetlbfs -m 64 --in-memory
	expect 0
	;;
doctor-socket-mem)
	use doctor-ok
	doctor --backend=hugetlbfs --socket-mem=64
	expect 0
	doctor --backend=hugetlbfs --socket-mem=0,64
	expect 1
	has "give memory for node 1, but this machine has 1 node(s)"
	doctor --backend=hugetlbfs --socket-mem=2048
	expect 1
	has "--socket-mem asks 2048 MiB on node 0, which has 1024 MiB"
	;;
doctor-page-files)
	# ours and unused: a leftover with a safe removal command; ours and held: in
	# use; a FIFO: skipped without hanging
	use doctor-ok
	: >"$mnt/hugememmap_0_0"
	: >"$mnt/hugememmap_0_1"
	mkfifo "$mnt/hugememmap_0_2"
	HUGEMEM_SYSFS_ROOT=$root flock -s "$mnt/hugememmap_0_1" "$exe" doctor --backend=hugetlbfs >"$out" 2>&1
	rc=$?
	expect 0
	has "1 leftover 2M page file(s) of yours in $mnt"
	has "flock -xn"
	has "1 2M page file(s) of yours in $mnt are in use by live processes"
	has "FIFO 'hugememmap_0_2'"
	lacks "rm $mnt/*map_*"
	;;
doctor-foreign-files)
	need_root
	use doctor-ok
	: >"$mnt/othermap_0_0"
	: >"$mnt/othermap_0_1"
	chown 65534 "$mnt/othermap_0_0" "$mnt/othermap_0_1"
	chmod 600 "$mnt/othermap_0_0" "$mnt/othermap_0_1"
	HUGEMEM_SYSFS_ROOT=$root flock -s "$mnt/othermap_0_1" "$exe" doctor --backend=hugetlbfs >"$out" 2>&1
	rc=$?
	expect 0
	has "2 2M page file(s) in $mnt belong to uid 65534 (1 in use by another process)"
	lacks "leftover 2M page file"
	lacks "rm -f"
	;;
doctor-aslr)
	use doctor-ok
	rm "$root/proc/sys/kernel/randomize_va_space"
	doctor --backend=hugetlbfs
	has "ASLR state unknown"
	lacks "ASLR off"
	echo 2 >"$root/proc/sys/kernel/randomize_va_space"
	doctor --backend=hugetlbfs
	has "ASLR is on (randomize_va_space=2)"
	;;
doctor-huge-dir)
	use doctor-ok
	# not inside any mount, and not empty: never suggest mounting over it
	mkdir "$tmp/full"
	echo keep >"$tmp/full/data"
	doctor --backend=hugetlbfs "--huge-dir=$tmp/full"
	expect 1
	has "$tmp/full is not empty"
	lacks "nodev $tmp/full"
	has "--huge-dir=$mnt (an existing mount)"
	mkdir "$tmp/empty"
	doctor --backend=hugetlbfs "--huge-dir=$tmp/empty"
	expect 1
	has "nodev $tmp/empty"
	doctor --backend=hugetlbfs --huge-dir=/nonexistent/x
	expect 1
	mkdir "$mnt/sub"
	doctor --backend=hugetlbfs "--huge-dir=$mnt/sub"
	expect 0
	;;
doctor-hugetlbfs-topology)
	use doctor-ok
	doctor --backend=hugetlbfs "--topology=2M=4;iova=shuffled"
	expect 1
	doctor --backend=hugetlbfs "--topology=nodes=2;2M=4,4"
	expect 1
	doctor --backend=hugetlbfs "--topology=2M=4"
	expect 0
	;;
# ---- scripts: the skip listing of make test, hugepages.sh's modes
test-skips)
	mkdir -p "$tmp/b/meson-logs"
	python3 - "$tmp/b/meson-logs/testlog.json" <<'EOF'
import json, sys
recs = [
    {"name": "hugemem:hugetlbfs / memseg-hugetlbfs", "result": "SKIP", "returncode": 77,
     "stdout": "SKIP: backend hugetlbfs: HUGEMEM_TEST_HUGE_DIR is not set\n"},
    {"name": "hugemem:hugetlbfs / ring-hugetlbfs", "result": "SKIP", "returncode": 77,
     "stdout": "SKIP: backend hugetlbfs: HUGEMEM_TEST_HUGE_DIR is not set\n"},
    {"name": "hugemem:unit / quiet", "result": "SKIP", "returncode": 77, "stdout": ""},
    {"name": "hugemem:emu / mempool-emu", "result": "OK", "returncode": 0,
     "stdout": "[ RUN      ] test_a\n[       OK ] test_a\n[ RUN      ] test_b\n"
               "# SKIP on emu: needs two nodes\n[  SKIPPED ] test_b\n"
               "[ RUN      ] test_c\n# SKIP: pagemap unreadable\n[       OK ] test_c\n"
               "[==========] 3 test(s) run.\n[  SKIPPED ] 1 test(s), listed below:\n"
               "[  SKIPPED ] test_b\n"},
]
with open(sys.argv[1], "w") as f:
    for r in recs:
        f.write(json.dumps(r) + "\n")
EOF
	python3 "$fx/../../../scripts/test-skips.py" "$tmp/b" >"$out" 2>&1
	rc=$?
	expect 0
	has "3 test program(s), 1 test function(s), and 1 that skipped a part"
	has "SKIP memseg-hugetlbfs, ring-hugetlbfs: backend hugetlbfs: HUGEMEM_TEST_HUGE_DIR is not set"
	has "SKIP quiet: (no reason printed)"
	has "SKIP mempool-emu/test_b: on emu: needs two nodes"
	has "PART mempool-emu/test_c: pagemap unreadable"
	[ "$(grep -c test_b "$out")" = 1 ] || fail "test_b listed more than once"
	rm "$tmp/b/meson-logs/testlog.json"
	python3 "$fx/../../../scripts/test-skips.py" "$tmp/b" >"$out" 2>&1
	rc=$?
	expect 0
	has "cannot read"
	;;
hugepages-script)
	hp="$fx/../../../scripts/hugepages.sh"
	bash "$hp" --help >"$out" 2>&1
	rc=$?
	expect 0
	has "--use-mount DIR"
	has "--no-reserve"
	has "/tmp/hugemem-hugepages.lock"
	bash "$hp" --frob >"$out" 2>&1
	rc=$?
	expect 2
	bash "$hp" --use-mount "$tmp" build >"$out" 2>&1
	rc=$?
	expect 1
	has "is not on a hugetlbfs mount"
	;;
*)
	echo "cli_test.sh: unknown case '$case'"
	exit 1
	;;
esac
echo "ok: $case"
