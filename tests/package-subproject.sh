#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# hugemem as a meson subproject of tests/consumer-project (C and C++, its own
# cmocka test, an RX loop with --mempool-debug=on and =off, compiled with its
# own HM_DEBUG too), configured and built once with gcc/g++ and once with
# clang/clang++, each from a fresh copy whose subprojects/hugemem is a symlink
# to this source tree. Checks besides the consumer's tests passing:
#  - dependency('hugemem') came from the subproject (override_dependency);
#  - none of hugemem's tests, benchmarks or fuzzers are registered;
#  - werror=true is hugemem's only: the parent builds a file that warns.
# Usage: package-subproject.sh SRCDIR WORKDIR
# Exit 0, 1 (a check failed, printed), 77 (no compiler pair, or HM_SKIP_WHY set).
set -u
src=$(cd "$1" && pwd) work=$2
fail() { echo "FAIL: $*"; exit 1; }
[ -z "${HM_SKIP_WHY:-}" ] || { echo "SKIP: $HM_SKIP_WHY"; exit 77; }

rm -rf "$work" && mkdir -p "$work" || exit 1
unset HUGEMEM_TEST_BACKEND HUGEMEM_BACKEND HUGEMEM_OPTS
pairs=0
for pair in gcc:g++ clang:clang++; do
	cc=${pair%%:*} cxx=${pair#*:}
	if ! command -v "$cc" >/dev/null || ! command -v "$cxx" >/dev/null; then
		echo "SKIP $cc/$cxx: not installed"
		continue
	fi
	proj=$work/proj-$cc b=$work/build-$cc
	cp -r "$src/tests/consumer-project" "$proj" && mkdir -p "$proj/subprojects" &&
		ln -s "$src" "$proj/subprojects/hugemem" || fail "cannot make $proj"
	CC=$cc CXX=$cxx meson setup "$b" "$proj" --force-fallback-for=hugemem \
		>"$work/setup-$cc.log" 2>&1 || { cat "$work/setup-$cc.log"; fail "$cc: meson setup"; }
	grep -q 'Dependency hugemem found: YES .*(overridden)' "$work/setup-$cc.log" ||
		fail "$cc: dependency('hugemem') did not come from the subproject's override"
	ninja -C "$b" -j2 >"$work/build-$cc.log" 2>&1 || { cat "$work/build-$cc.log"; fail "$cc: build"; }
	grep -q "lenient.c.*warning: unused variable" "$work/build-$cc.log" ||
		fail "$cc: the parent's deliberate warning was not seen"
	# only the consumer's own tests and no benchmark
	tests=$(meson test -C "$b" --no-rebuild --list 2>/dev/null | grep -v "^ninja" | sort | tr '\n' ' ')
	want="hugemem-version rx-app-dbg-debug-off rx-app-dbg-debug-on rx-app-debug-off rx-app-debug-on unit "
	[ "$tests" = "$want" ] || fail "$cc: registered tests are '$tests', want '$want'"
	[ -z "$(meson test -C "$b" --no-rebuild --benchmark --list 2>/dev/null | grep -v -e "^ninja" -e "^No tests defined")" ] || fail "$cc: benchmarks registered"
	# werror: true for hugemem, false (the default) for the parent
	meson introspect --buildoptions "$b" >"$work/options-$cc.json" || fail "introspect"
	python3 - "$work/options-$cc.json" <<'PY' || fail "$cc: werror is not hugemem's only"
import json, sys
o = {x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}
sys.exit(0 if o.get("werror") is False and o.get("hugemem:werror") is True else 1)
PY
	meson test -C "$b" --print-errorlogs >"$work/test-$cc.log" 2>&1 ||
		{ cat "$work/test-$cc.log"; fail "$cc: the consumer's tests"; }
	grep -E '^ *[0-9]+/[0-9]+ ' "$work/test-$cc.log" | sed "s/^/$cc: /"
	pairs=$((pairs + 1))
	rm -rf "$b" "$proj"
done
[ "$pairs" -gt 0 ] || { echo "SKIP: neither gcc/g++ nor clang/clang++ is installed"; exit 77; }
echo "package-subproject: $pairs compiler pairs, consumer built and tested: ok"
