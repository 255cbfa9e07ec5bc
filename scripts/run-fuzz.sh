#!/bin/sh
# Run libFuzzer targets for a while each; fail (and print the reproducer) on a crash.
#   scripts/run-fuzz.sh BUILD_DIR SECONDS TARGET...
# New inputs go to BUILD_DIR/fuzz-work/<target> (the committed corpus in
# fuzz/corpus/<target> is read, never written). Crashes land in
# BUILD_DIR/fuzz-crashes/<target>-crash-*; keep one as fuzz/corpus/<target>/crash-<what>
# once the bug is fixed.
set -u
build=$1 secs=$2
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
status=0
for t in "$@"; do
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
		status=1
		echo "fuzz $t: FAILED" >&2
		tail -n 40 "$log" >&2
		for f in "$crashes/$t"-*; do
			[ -f "$f" ] || continue
			echo "reproducer: $f ($(wc -c <"$f") bytes):" >&2
			od -A x -t x1z "$f" | head -n 20 >&2
		done
	fi
done
exit $status
