/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem's DPDK layer: the build configuration DPDK 22.11 applications see
 * (limits equal to hugemem's own, so that arrays an application sizes with them
 * hold every id hugemem hands out).
 */
#ifndef _RTE_BUILD_CONFIG_H_
#define _RTE_BUILD_CONFIG_H_

#include "hugemem/common.h"

#define RTE_HUGEMEM 1 /* this is hugemem's DPDK layer, not DPDK */

#define RTE_VER_YEAR 22
#define RTE_VER_MONTH 11
#define RTE_VER_MINOR 0
#define RTE_VER_SUFFIX ""
#define RTE_VER_RELEASE 99

#define RTE_EXEC_ENV_LINUX 1
#define RTE_EXEC_ENV_IS_LINUX 1
#define RTE_EXEC_ENV_IS_FREEBSD 0
#define RTE_EXEC_ENV_IS_WINDOWS 0
#define RTE_EXEC_ENV 1

#if defined(__x86_64__)
#define RTE_ARCH_X86_64 1
#define RTE_ARCH_X86 1
#define RTE_ARCH_64 1
#define RTE_ARCH "x86_64"
#elif defined(__aarch64__)
#define RTE_ARCH_ARM64 1
#define RTE_ARCH_ARM 1
#define RTE_ARCH_64 1
#define RTE_ARCH "arm64"
#else
#error "hugemem's DPDK layer supports x86_64 and aarch64"
#endif

#define RTE_CACHE_LINE_SIZE HM_CACHE_LINE_SIZE
#define RTE_MAX_LCORE HM_MAX_LCORE
#define RTE_MAX_NUMA_NODES HM_MAX_NUMA_NODES
#define RTE_MAX_HEAPS 32
#define RTE_MAX_MEMSEG_LISTS HM_MAX_MEMSEG_LISTS
#define RTE_MAX_MEMSEG_PER_LIST 8192
#define RTE_MAX_MEM_MB_PER_LIST 32768
#define RTE_MAX_MEMSEG_PER_TYPE 32768
#define RTE_MAX_MEM_MB_PER_TYPE 65536
#define RTE_MAX_MEM_MB 524288
#define RTE_MAX_MEMZONE 2560
#define RTE_MAX_TAILQ 32
#define RTE_MAX_VFIO_GROUPS 64
#define RTE_MAX_VFIO_CONTAINERS 64
#define RTE_LOG_DP_LEVEL RTE_LOG_INFO
#define RTE_BACKTRACE 1
#define RTE_MAX_ETHPORTS 32
#define RTE_MEMPOOL_CACHE_MAX_SIZE 512
#define RTE_MBUF_DEFAULT_MEMPOOL_OPS "ring_mp_mc"
#define RTE_PKTMBUF_HEADROOM 128
#define RTE_MBUF_REFCNT_ATOMIC 1
#define RTE_ENABLE_STDATOMIC 0

#endif /* _RTE_BUILD_CONFIG_H_ */
