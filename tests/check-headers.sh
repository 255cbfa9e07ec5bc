#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every public header compiles alone, as strict C11 and as C++17, with each
# compiler given: a one-line translation unit per header and language,
#   C:   -std=c11 -pedantic -Wall -Wextra -Werror   (no _GNU_SOURCE)
#   C++: -std=c++17 -pedantic -Wall -Wextra -Werror
# hugemem's own headers (core/include, sim/include) and the DPDK layer's
# rte_*.h and cmdline*.h (core/dpdk/include, with `-include rte_config.h` as libdpdk.pc
# gives it: ring, mempool, mbuf, net included).
# Usage: check-headers.sh SRCDIR WORKDIR CC|CXX:compiler ...
#   e.g. check-headers.sh . /tmp/h C:gcc CXX:g++ C:clang CXX:clang++
# Exit 0 when all compile, 1 otherwise (each failure printed), 77 when no
# compiler was given or HM_SKIP_WHY is set (tests/meson.build: the headers are the
# same in every build, so only the unsanitized -O0 one checks them).
set -u
[ -z "${HM_SKIP_WHY:-}" ] || { echo "SKIP: $HM_SKIP_WHY"; exit 77; }
src=$1 work=$2
shift 2
[ $# -gt 0 ] || { echo "SKIP: no compiler given"; exit 77; }
mkdir -p "$work" || exit 1
inc="-I$src/core/include -I$src/sim/include"
jobs=$work/jobs
: > "$jobs"
for h in "$src"/core/include/hugemem/*.h "$src"/sim/include/hugemem/sim/*.h; do
	rel=${h#"$src"/core/include/}
	rel=${rel#"$src"/sim/include/}
	name=$(echo "$rel" | tr '/.' '__')
	printf '#include "%s"\n' "$rel" > "$work/$name.c"
	printf '#include "%s"\n' "$rel" > "$work/$name.cpp"
	for spec in "$@"; do
		lang=${spec%%:*} cc=${spec#*:}
		case $lang in
		C) echo "$cc -std=c11 -pedantic -Wall -Wextra -Werror $inc -fsyntax-only $work/$name.c" ;;
		CXX) echo "$cc -std=c++17 -pedantic -Wall -Wextra -Werror $inc -fsyntax-only $work/$name.cpp" ;;
		*) echo "bad compiler spec $spec" >&2; exit 2 ;;
		esac >> "$jobs"
	done
done
dinc="$inc -I$src/core/dpdk/include -include rte_config.h"
for h in "$src"/core/dpdk/include/rte_*.h "$src"/core/dpdk/include/cmdline*.h; do
	rel=${h##*/}
	name=dpdk_$(echo "$rel" | tr '.' '_')
	printf '#include <%s>\n' "$rel" > "$work/$name.c"
	printf '#include <%s>\n' "$rel" > "$work/$name.cpp"
	for spec in "$@"; do
		lang=${spec%%:*} cc=${spec#*:}
		case $lang in
		C) echo "$cc -std=c11 -pedantic -Wall -Wextra -Werror $dinc -fsyntax-only $work/$name.c" ;;
		CXX) echo "$cc -std=c++17 -pedantic -Wall -Wextra -Werror $dinc -fsyntax-only $work/$name.cpp" ;;
		esac >> "$jobs"
	done
done
n=$(wc -l < "$jobs")
# two at a time; a failing command prints itself and its errors
if xargs -P 2 -I{} sh -c '{} 2>&1 || { echo "FAILED: {}"; exit 1; }' < "$jobs"; then
	echo "$n header compilations: all clean ($*)"
	exit 0
fi
exit 1
