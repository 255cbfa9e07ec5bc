#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `meson install` into a temporary DESTDIR, then build programs the way a user
# of the installed package does, with pkg-config only, and run them on emu:
#  - what is installed: libhugemem.a, libhugemem.so -> .so.0 -> .so.0.1.0 with
#    soname libhugemem.so.0 and only hm_* names exported, the headers of the
#    core and the simulator, hugemem.pc, the command;
#  - examples/rx_loop.c with each C compiler (shared), and statically linked
#    through `pkg-config --static` (Libs.private / Requires.private);
#  - tests/consumer-project/summary.cpp with each C++ compiler, linked into
#    the consumer's RX loop, run with --mempool-debug=on and =off.
# Usage: package-install.sh SRCDIR BUILDDIR WORKDIR
# Environment (from meson): HM_CC_ID (gcc|clang: the build's compiler),
#   HM_SANITIZE (b_sanitize), HM_COVERAGE (true|false).
# A sanitized library needs a consumer built with the same sanitizer runtime:
# then only the build's compiler family is used. Exit 0, 1 (a check failed,
# printed), 77 (no compiler at all).
set -u
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd) work=$3
san=${HM_SANITIZE:-none} cov=${HM_COVERAGE:-false} ccid=${HM_CC_ID:-gcc}
fail() { echo "FAIL: $*"; exit 1; }

rm -rf "$work" && mkdir -p "$work" || exit 1
dest=$work/dest
meson install -C "$build" --no-rebuild --destdir "$dest" --quiet >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log"; fail "meson install"; }

# -- what is installed
pc=$(find "$dest" -name hugemem.pc | head -1)
[ -n "$pc" ] || fail "no hugemem.pc installed"
pcdir=$(dirname "$pc") libdir=$(dirname "$(dirname "$pc")")
for f in libhugemem.a libhugemem.so libhugemem.so.0; do
	[ -e "$libdir/$f" ] || fail "$libdir/$f is not installed"
done
real=$(readlink -f "$libdir/libhugemem.so")
case $real in *libhugemem.so.0.*) ;; *) fail "libhugemem.so resolves to $real" ;; esac
soname=$(readelf -d "$real" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libhugemem.so.0 ] || fail "soname is '$soname', not libhugemem.so.0"
leaks=$(nm -D --defined-only "$real" | awk '$3 != "" && $3 !~ /^hm_/ && $3 != "HUGEMEM_0" { print $3 }')
[ -z "$leaks" ] || fail "libhugemem.so exports non-public names: $leaks"
# the DPDK layer calls libhugemem, it never carries a second copy of the core
# (a program linking both would have two hm_init states)
if [ -e "$libdir/libhugemem_dpdk.a" ]; then
	dup=$(nm --defined-only "$libdir/libhugemem_dpdk.a" 2>/dev/null | awk '$2 ~ /^[TDBR]$/ && $3 ~ /^hm_/ && $3 != "hm_dpdk_check" { print $3 }' | head -5)
	[ -z "$dup" ] || fail "libhugemem_dpdk.a defines core names (a copy of the core): $dup"
fi
# nor does the ethdev library (net_hugemem ports): only its own hm_eth* names
ls "$libdir"/libhugemem_ethdev.* >/dev/null 2>&1 || fail "libhugemem_ethdev is not installed"
if [ -e "$libdir/libhugemem_ethdev.a" ]; then
	dup=$(nm --defined-only "$libdir/libhugemem_ethdev.a" 2>/dev/null | awk '$2 ~ /^[TDBR]$/ && $3 ~ /^hm_/ && $3 !~ /^hm_eth(dev)?_/ { print $3 }' | head -5)
	[ -z "$dup" ] || fail "libhugemem_ethdev.a defines core or simulator names (a copy): $dup"
fi
inc=$(find "$dest" -type d -path '*/include/hugemem' | head -1)
for h in hugemem.h common.h testing.h mbuf_core.h sim/nic.h sim/i40e.h sim/traffic.h sim/pcap.h; do
	[ -f "$inc/$h" ] || fail "header hugemem/$h is not installed"
done
cli=$(find "$dest" -type f -name hugemem -path '*/bin/*' | head -1)
[ -n "$cli" ] && "$cli" version >/dev/null || fail "the installed hugemem command does not run"
# the installed command names the installed drop-in libdpdk.pc (beside itself)
dpc=$("$cli" --dpdk-pkgconfig-dir) || fail "hugemem --dpdk-pkgconfig-dir failed"
[ "$dpc" = "$(readlink -f "$libdir/hugemem/dpdk/pkgconfig")" ] && [ -f "$dpc/libdpdk.pc" ] ||
	fail "hugemem --dpdk-pkgconfig-dir printed '$dpc', not $libdir/hugemem/dpdk/pkgconfig"
echo "installed: $(cd "$dest" && find . -type f | wc -l) files; $real (soname $soname, $(nm -D --defined-only "$real" | grep -c ' hm_') hm_* symbols)"

# -- pkg-config only
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$dest"
pkg-config --exists hugemem || fail "pkg-config does not find hugemem"
cflags=$(pkg-config --cflags hugemem) libs=$(pkg-config --libs hugemem)
slibs=$(pkg-config --static --libs hugemem)
echo "pkg-config: --cflags $cflags; --libs $libs; --static --libs $slibs"
grep -q '^Requires.private:.*numa' "$pc" || grep -q '^Libs.private:.*numa' "$pc" ||
	! readelf -d "$real" | grep -q libnuma || fail "the library needs libnuma, hugemem.pc does not say so"
extra=""
[ "$san" = none ] || extra="-fsanitize=$san"
[ "$cov" = true ] && extra="$extra --coverage"
export LD_LIBRARY_PATH="$libdir" HUGEMEM_RUNTIME_DIR="$work/run"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="halt_on_error=1"

ccs="" cxxs=""
if [ "$san" = none ] || [ "$ccid" = gcc ]; then
	ccs="$ccs gcc" cxxs="$cxxs g++"
fi
if [ "$san" = none ] || [ "$ccid" = clang ]; then
	ccs="$ccs clang" cxxs="$cxxs clang++"
fi
[ "$san" = none ] || echo "sanitized library ($san): consumers built with $ccid's runtime only"
built=0
for cc in $ccs; do
	command -v "$cc" >/dev/null || { echo "SKIP $cc: not installed"; continue; }
	exe=$work/rx_loop-$cc
	# shellcheck disable=SC2086
	"$cc" -std=c11 -Wall -Wextra -Werror $extra $cflags -o "$exe" "$src/examples/rx_loop.c" $libs ||
		fail "$cc: examples/rx_loop.c does not build with pkg-config's flags"
	readelf -d "$exe" | grep -q 'NEEDED.*libhugemem.so.0' || fail "$cc: not linked with libhugemem.so.0"
	"$exe" --in-memory --topology='nodes=2;2M=32,32;lcores=0@0,1@1' -- 3000 || fail "$cc: rx_loop failed"
	built=$((built + 1))
done
for cxx in $cxxs; do
	command -v "$cxx" >/dev/null || { echo "SKIP $cxx: not installed"; continue; }
	cc=gcc
	[ "$cxx" = clang++ ] && cc=clang
	command -v "$cc" >/dev/null || cc=$cxx
	p=$src/tests/consumer-project
	# shellcheck disable=SC2086
	"$cxx" -std=c++17 -Wall -Wextra -Werror -pedantic $extra $cflags -c -o "$work/summary-$cxx.o" "$p/summary.cpp" &&
		"$cc" -std=c11 -Wall -Wextra -Werror $extra $cflags -c -o "$work/app-$cxx.o" "$p/app.c" &&
		"$cxx" $extra -o "$work/app-$cxx" "$work/app-$cxx.o" "$work/summary-$cxx.o" $libs ||
		fail "$cxx: the consumer's C++ part does not build with pkg-config's flags"
	for mode in on off; do
		"$work/app-$cxx" --in-memory --mempool-debug=$mode -- 3000 || fail "$cxx: app --mempool-debug=$mode"
	done
	built=$((built + 1))
done
# static: the archive and what pkg-config --static adds for it
cc=""
for c in $ccs; do
	command -v "$c" >/dev/null && { cc=$c; break; }
done
if [ -n "$cc" ]; then
	sl=$(echo "$slibs" | sed 's/-lhugemem\b/-l:libhugemem.a/')
	# shellcheck disable=SC2086
	"$cc" -std=c11 $extra $cflags -o "$work/rx_loop-static" "$src/examples/rx_loop.c" $sl ||
		fail "static link with 'pkg-config --static --libs hugemem' ($sl)"
	! readelf -d "$work/rx_loop-static" | grep -q 'libhugemem.so' || fail "the static build needs libhugemem.so"
	LD_LIBRARY_PATH= "$work/rx_loop-static" --in-memory -- 2000 || fail "static rx_loop failed"
	built=$((built + 1))
fi
[ "$built" -gt 0 ] || { echo "SKIP: no C or C++ compiler found"; exit 77; }
rm -rf "$dest"
echo "package-install: $built consumers built with pkg-config only and run on emu: ok"
