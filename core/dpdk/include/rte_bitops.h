/* SPDX-License-Identifier: BSD-3-Clause */
/* Bit macros and relaxed (non-atomic, volatile) bit operations of DPDK 22.11. */
#ifndef _RTE_BITOPS_H_
#define _RTE_BITOPS_H_

#include <stdint.h>
#include <rte_debug.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_BIT64(nr) (UINT64_C(1) << (nr))
#define RTE_BIT32(nr) (UINT32_C(1) << (nr))
#define RTE_GENMASK32(high, low) \
	(((~UINT32_C(0)) << (low)) & (~UINT32_C(0) >> (31u - (high))))
#define RTE_GENMASK64(high, low) \
	(((~UINT64_C(0)) << (low)) & (~UINT64_C(0) >> (63u - (high))))
#define RTE_SHIFT_VAL32(val, nr) (UINT32_C(val) << (nr))
#define RTE_SHIFT_VAL64(val, nr) (UINT64_C(val) << (nr))

#define RTE_BITOPS_DEFINE_(w) \
	static inline uint##w##_t \
	rte_bit_relaxed_get##w(unsigned int nr, volatile uint##w##_t *addr) \
	{ \
		RTE_ASSERT(nr < w); \
		return *addr & RTE_BIT##w(nr); \
	} \
	static inline void \
	rte_bit_relaxed_set##w(unsigned int nr, volatile uint##w##_t *addr) \
	{ \
		RTE_ASSERT(nr < w); \
		*addr = *addr | RTE_BIT##w(nr); \
	} \
	static inline void \
	rte_bit_relaxed_clear##w(unsigned int nr, volatile uint##w##_t *addr) \
	{ \
		RTE_ASSERT(nr < w); \
		*addr = *addr & ~RTE_BIT##w(nr); \
	} \
	static inline uint##w##_t \
	rte_bit_relaxed_test_and_set##w(unsigned int nr, volatile uint##w##_t *addr) \
	{ \
		uint##w##_t old = rte_bit_relaxed_get##w(nr, addr); \
		rte_bit_relaxed_set##w(nr, addr); \
		return old; \
	} \
	static inline uint##w##_t \
	rte_bit_relaxed_test_and_clear##w(unsigned int nr, volatile uint##w##_t *addr) \
	{ \
		uint##w##_t old = rte_bit_relaxed_get##w(nr, addr); \
		rte_bit_relaxed_clear##w(nr, addr); \
		return old; \
	}

RTE_BITOPS_DEFINE_(32)
RTE_BITOPS_DEFINE_(64)
#undef RTE_BITOPS_DEFINE_

#ifdef __cplusplus
}
#endif
#endif /* _RTE_BITOPS_H_ */
