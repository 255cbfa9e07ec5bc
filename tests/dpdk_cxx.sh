#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Build tests/dpdk_cxx.cpp as a user's C++17 program against hugemem's drop-in
# libdpdk.pc (flags from pkg-config only, -pedantic -Werror) and run it on emu
# with two lcores.   dpdk_cxx.sh PKGCONFIG_DIR CXX SOURCE WORKDIR
# Skips (77) when the C++ compiler or pkg-config is missing.
set -eu
pcdir=$1 cxx=$2 src=$3 work=$4
command -v "$cxx" >/dev/null 2>&1 || { echo "SKIP: $cxx is not installed"; exit 77; }
command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: pkg-config is not installed"; exit 77; }
export PKG_CONFIG_PATH="$pcdir"
pc=$(pkg-config --path libdpdk)
case "$pc" in
"$pcdir"/*) ;;
*) echo "FAIL: pkg-config found $pc, not $pcdir/libdpdk.pc"; exit 1 ;;
esac
mkdir -p "$work"
# shellcheck disable=SC2046 # pkg-config's words
"$cxx" -std=c++17 -pedantic -Wall -Wextra -Werror $(pkg-config --cflags libdpdk) \
	-o "$work/dpdk_cxx" "$src" $(pkg-config --libs libdpdk) ||
	{ echo "FAIL: $src does not build with $cxx against $pc"; exit 1; }
echo "built $src with $cxx against $pc"
"$work/dpdk_cxx" -l 0-1 --no-huge
