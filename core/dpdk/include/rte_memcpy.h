/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_memcpy and the fixed-size moves DPDK's x86 header exposes. They are the
 * compiler's memcpy, inlined: for the sizes that matter (constants, and small
 * or cache-aligned copies) it emits the same vector moves DPDK writes by hand.
 */
#ifndef _RTE_MEMCPY_H_
#define _RTE_MEMCPY_H_

#include <stdint.h>
#include <string.h>
#include <rte_common.h>
#include <rte_vect.h>

#ifdef __cplusplus
extern "C" {
#endif

static __rte_always_inline void *
rte_memcpy(void *dst, const void *src, size_t n)
{
	return memcpy(dst, src, n);
}

static __rte_always_inline void *
rte_memcpy_aligned(void *dst, const void *src, size_t n)
{
	return memcpy(dst, src, n);
}

static __rte_always_inline void *
rte_memcpy_generic(void *dst, const void *src, size_t n)
{
	return memcpy(dst, src, n);
}

static __rte_always_inline void *
rte_mov15_or_less(void *dst, const void *src, size_t n)
{
	return memcpy(dst, src, n & 15);
}

static __rte_always_inline void
rte_mov16(uint8_t *dst, const uint8_t *src)
{
	memcpy(dst, src, 16);
}

static __rte_always_inline void
rte_mov32(uint8_t *dst, const uint8_t *src)
{
	memcpy(dst, src, 32);
}

static __rte_always_inline void
rte_mov64(uint8_t *dst, const uint8_t *src)
{
	memcpy(dst, src, 64);
}

static __rte_always_inline void
rte_mov128(uint8_t *dst, const uint8_t *src)
{
	memcpy(dst, src, 128);
}

static __rte_always_inline void
rte_mov256(uint8_t *dst, const uint8_t *src)
{
	memcpy(dst, src, 256);
}

/** Copy the largest multiple of 128 bytes <= n. */
static __rte_always_inline void
rte_mov128blocks(uint8_t *dst, const uint8_t *src, size_t n)
{
	memcpy(dst, src, n & ~(size_t)127);
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_MEMCPY_H_ */
