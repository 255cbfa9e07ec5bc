#!/bin/sh
# Install the Debian packages hugemem needs to build and test, and only the
# missing ones. Idempotent. As root it runs apt-get; otherwise it prints the
# exact command to run and fails.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --coverage       also lcov (make coverage)
#   scripts/install-deps.sh --bench  also libdpdk-dev if it can (make bench: the
#                                    DPDK column); optional, never needed to build
#                                    or test: without root it only says how
#   scripts/install-deps.sh --print  only print what is missing
set -eu

# build: compilers, meson/ninja, pkg-config; tests: cmocka; sanitizer and
# libFuzzer runtimes for clang (gcc's come with gcc itself); libpcap only for
# the tests that cross-check our pcap reader and writer; libnuma for the hugetlbfs
# backend's NUMA placement (built without it, placement is left to the kernel);
# g++ (clang++ comes with clang) and binutils (readelf, nm) for the package suite:
# headers as C++, consumers of the installed library, its soname and exports.
# dpdk-doc (and make) only for the test that builds DPDK's own example programs
# unmodified against the DPDK layer (/usr/share/dpdk/examples). libdpdk-dev is
# never needed: the layer has its own headers. libfuse3-dev and fuse3 (fusermount3)
# for hugemem-fusefs, the fuse backend.
PKGS="gcc g++ clang libclang-rt-14-dev binutils meson ninja-build pkg-config libcmocka-dev libpcap-dev libnuma-dev make dpdk-doc libfuse3-dev fuse3"
mode=${1:-}
if [ "$mode" = "--coverage" ]; then
	PKGS="$PKGS lcov"
	mode=""
fi
if [ "$mode" = "--bench" ]; then
	mode=""
	if ! dpkg-query -W -f='${Status}' libdpdk-dev 2>/dev/null | grep -q "install ok installed"; then
		if [ "$(id -u)" -eq 0 ]; then
			PKGS="$PKGS libdpdk-dev"
		else
			echo "make bench: without libdpdk-dev there is no DPDK column; as root:" \
				"apt-get install -y --no-install-recommends libdpdk-dev" >&2
		fi
	fi
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$mode" = "--print" ]; then
	echo "missing:$missing"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "hugemem needs these packages:$missing" >&2
	echo "run as root:  apt-get update && $cmd" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
