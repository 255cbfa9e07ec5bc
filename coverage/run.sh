#!/bin/sh
# Coverage of the whole suite: build with gcov instrumentation, run every test,
# write an lcov report (BUILD_DIR/coverage/index.html) and enforce the thresholds
# in coverage/thresholds (line coverage per top-level directory).
#   coverage/run.sh BUILD_DIR
# Progress: each step says what it does ("coverage [1/4] ..."), and meson prints a
# line per test as it finishes; the skipped tests and their reasons follow it.
set -eu
build=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
info="$build/coverage.info"
step() {
	echo "coverage [$1/4] $2 ($(date +%H:%M:%S))"
}
step 1 "running the test suite in $build (one line per test)"
# lcov reads the counters of this run only
find "$build" -name '*.gcda' -delete
rc=0
meson test -C "$build" --print-errorlogs --no-suite soak || rc=$?
"$top/scripts/test-skips.py" "$build"
if [ "$rc" -ne 0 ]; then
	echo "coverage: the test suite failed (exit $rc); no report" >&2
	exit "$rc"
fi
step 2 "collecting the counters (lcov --capture)"
# counters of consumer programs the package tests compile with --coverage outside
# meson's *.p/ object directories (clang's among them: another gcov format, which
# lcov refuses): not hugemem's code, dropped
find "$build" \( -name '*.gcno' -o -name '*.gcda' \) -not -path '*.p/*' -delete
lcov --quiet --capture --directory "$build" --base-directory "$build" --output-file "$info.raw" 2>/dev/null \
	--rc lcov_branch_coverage=0 >/dev/null
lcov --quiet --extract "$info.raw" "$top/core/*" "$top/backends/*" "$top/sim/*" \
	--output-file "$info" >/dev/null
step 3 "writing the HTML report (genhtml)"
genhtml --quiet --output-directory "$build/coverage" "$info" >/dev/null
step 4 "checking the thresholds of coverage/thresholds"
status=0
while read -r dir min; do
	case "$dir" in ''|\#*) continue ;; esac
	pct=$(lcov --quiet --extract "$info" "$top/$dir/*" --output-file "$info.$dir.part" >/dev/null 2>&1 &&
		lcov --summary "$info.$dir.part" 2>&1 | sed -n 's/.*lines\.*: *\([0-9.]*\)%.*/\1/p')
	rm -f "$info.$dir.part"
	[ -n "$pct" ] || pct=0
	if awk "BEGIN { exit !($pct >= $min) }"; then
		echo "coverage $dir: $pct% lines (threshold $min%) ok"
	else
		echo "coverage $dir: $pct% lines, below the threshold of $min%" >&2
		status=1
	fi
done <"$top/coverage/thresholds"
echo "report: $build/coverage/index.html"
exit $status
