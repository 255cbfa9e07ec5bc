#!/bin/sh
# Run libFuzzer targets for a while each; fail (and print the reproducer) on a crash.
#   scripts/run-fuzz.sh BUILD_DIR SECONDS TARGET...
# $FUZZ_JOBS targets run at once (default: the CPUs we may use), each on its own
# for SECONDS, so the whole run takes about targets / FUZZ_JOBS x SECONDS.
# New inputs go to BUILD_DIR/fuzz-work/<target> (the committed corpus in
# fuzz/corpus/<target> is read, never written). Crashes land in
# BUILD_DIR/fuzz-crashes/<target>-crash-*; keep one as fuzz/corpus/<target>/crash-<what>
# once the bug is fixed.
set -u
build=$1 secs=$2
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
res=$(mktemp -d)
trap 'rm -rf "$res"' EXIT

# fuzz_one TARGET: one target for SECONDS; writes $res/TARGET.fail on a failure
fuzz_one() {
	t=$1
	work="$build/fuzz-work/$t"
	crashes="$build/fuzz-crashes"
	mkdir -p "$work" "$crashes"
	log="$build/fuzz-$t.log"
	echo "fuzz $t: ${secs}s"
	if "$build/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$crashes/$t-" -timeout=20 -rss_limit_mb=4096 \
		"$work" "$top/fuzz/corpus/$t" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
		echo "fuzz $t: ok, $execs executions, $cov"
	else
		: >"$res/$t.fail"
		{
			echo "fuzz $t: FAILED"
			tail -n 40 "$log"
			for f in "$crashes/$t"-*; do
				[ -f "$f" ] || continue
				echo "reproducer: $f ($(wc -c <"$f") bytes):"
				od -A x -t x1z "$f" | head -n 20
			done
		} >&2
	fi
}

# target k goes to lane k mod jobs; each lane runs its targets one after another
lane=0
while [ "$lane" -lt "$jobs" ]; do
	(
		k=0
		for t in "$@"; do
			[ $((k % jobs)) -eq "$lane" ] && fuzz_one "$t"
			k=$((k + 1))
		done
	) &
	lane=$((lane + 1))
done
wait
status=0
for f in "$res"/*.fail; do
	[ -e "$f" ] && status=1
done
exit $status
