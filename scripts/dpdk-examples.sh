#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Which of DPDK's example programs (Debian's dpdk-doc, /usr/share/dpdk/examples)
# hugemem's DPDK layer can build: for each example with a Makefile, the DPDK
# headers it includes that the layer (core/dpdk/include) does not provide.
# "builds" means every DPDK header it includes exists in the layer; the
# examples that do are built and run by the suite (tests/dpdk_example.sh).
#   scripts/dpdk-examples.sh [EXAMPLES_DIR] [DPDK_INCLUDE_DIR]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
ex=${1:-/usr/share/dpdk/examples}
dpdk_inc=${2:-/usr/include/dpdk}
ours=$here/core/dpdk/include
[ -d "$ex" ] || { echo "$ex not found: install dpdk-doc" >&2; exit 1; }
[ -d "$dpdk_inc" ] || { echo "$dpdk_inc not found: install libdpdk-dev" >&2; exit 1; }
cd "$ex"
find . -name Makefile | sed 's|^\./||; s|/Makefile$||' | sort | while read -r d; do
	missing=$(grep -rhoE '#include <[a-z0-9_]+\.h>' "$d" --include='*.c' --include='*.h' |
		sed 's/.*<//; s/>//' | sort -u | while read -r h; do
			[ -f "$dpdk_inc/$h" ] || continue # a system header
			[ -f "$ours/$h" ] || printf '%s ' "${h%.h}"
		done)
	if [ -z "$missing" ]; then
		echo "$d: builds"
	else
		echo "$d: needs $missing"
	fi
done
