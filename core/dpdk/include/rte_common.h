/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's common macros, attributes and bit helpers, written for
 * hugemem's DPDK layer. Names and meanings are DPDK's; the code is hugemem's.
 */
#ifndef _RTE_COMMON_H_
#define _RTE_COMMON_H_

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <limits.h>

#include <rte_config.h>
#include <rte_os.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef typeof
#define typeof __typeof__
#endif
#ifndef asm
#define asm __asm__
#endif

/** Marks C11 constructs (anonymous unions) in headers that must also parse as C99. */
#define RTE_STD_C11 __extension__

#if defined(__clang__)
#define RTE_CC_CLANG
#elif defined(__GNUC__)
#define RTE_CC_GCC
#endif
#define RTE_CC_IS_GNU 1
#ifdef __GNUC__
#define GCC_VERSION (__GNUC__ * 10000 + __GNUC_MINOR__ * 100 + __GNUC_PATCHLEVEL__)
#endif

/* ---- attributes ---- */
#define __rte_aligned(a) __attribute__((__aligned__(a)))
#define __rte_packed __attribute__((__packed__))
#define __rte_may_alias __attribute__((__may_alias__))
#define __rte_deprecated __attribute__((__deprecated__))
#define __rte_deprecated_msg(msg) __attribute__((__deprecated__(msg)))
#define RTE_PRAGMA(x) _Pragma(#x)
#define RTE_PRAGMA_WARNING(w) RTE_PRAGMA(GCC warning #w)
#define RTE_DEPRECATED(x) RTE_PRAGMA_WARNING(#x is deprecated)
#define __rte_weak __attribute__((__weak__))
#define __rte_used __attribute__((used))
#define __rte_unused __attribute__((__unused__))
#define __rte_restrict __restrict
#define RTE_SET_USED(x) (void)(x)
#define __rte_format_printf(format_index, first_arg) \
	__attribute__((format(printf, format_index, first_arg)))
#if defined(__GNUC__) && !defined(__clang__)
#define __rte_alloc_size(...) __attribute__((alloc_size(__VA_ARGS__)))
#else
#define __rte_alloc_size(...)
#endif
#define __rte_noreturn __attribute__((noreturn))
#define __rte_warn_unused_result __attribute__((warn_unused_result))
#define __rte_always_inline inline __attribute__((always_inline))
#define __rte_noinline __attribute__((noinline))
#define __rte_hot __attribute__((hot))
#define __rte_cold __attribute__((cold))
#if defined(__SANITIZE_ADDRESS__) || defined(__clang__)
#define __rte_no_asan __attribute__((no_sanitize("address", "hwaddress")))
#else
#define __rte_no_asan
#endif

/* ---- constructors (RTE_INIT runs before main, in priority order) ---- */
#define RTE_PRIORITY_LOG 101
#define RTE_PRIORITY_BUS 110
#define RTE_PRIORITY_CLASS 120
#define RTE_PRIORITY_LAST 65535
#define RTE_PRIO(prio) RTE_PRIORITY_##prio
#define RTE_INIT_PRIO(func, prio) \
	static void __attribute__((constructor(RTE_PRIO(prio)), used)) func(void)
#define RTE_INIT(func) RTE_INIT_PRIO(func, LAST)
#define RTE_FINI_PRIO(func, prio) \
	static void __attribute__((destructor(RTE_PRIO(prio)), used)) func(void)
#define RTE_FINI(func) RTE_FINI_PRIO(func, LAST)

/* ---- pointer arithmetic and alignment (alignments are powers of two) ---- */
#define RTE_PTR_ADD(ptr, x) ((void *)((uintptr_t)(ptr) + (x)))
#define RTE_PTR_SUB(ptr, x) ((void *)((uintptr_t)(ptr) - (x)))
#define RTE_PTR_DIFF(ptr1, ptr2) ((uintptr_t)(ptr1) - (uintptr_t)(ptr2))
#define RTE_CAST_FIELD(var, field, type) \
	(*(type *)((uintptr_t)(var) + offsetof(typeof(*(var)), field)))

#define RTE_PTR_ALIGN_FLOOR(ptr, align) \
	((typeof(ptr))RTE_ALIGN_FLOOR((uintptr_t)(ptr), align))
#define RTE_ALIGN_FLOOR(val, align) \
	(typeof(val))((val) & (~((typeof(val))((align) - 1))))
#define RTE_PTR_ALIGN_CEIL(ptr, align) \
	RTE_PTR_ALIGN_FLOOR((typeof(ptr))RTE_PTR_ADD(ptr, (align) - 1), align)
#define RTE_ALIGN_CEIL(val, align) \
	RTE_ALIGN_FLOOR(((val) + ((typeof(val))(align) - 1)), align)
#define RTE_PTR_ALIGN(ptr, align) RTE_PTR_ALIGN_CEIL(ptr, align)
#define RTE_ALIGN(val, align) RTE_ALIGN_CEIL(val, align)
/* multiples of any integer (not only powers of two) */
#define RTE_ALIGN_MUL_CEIL(v, mul) \
	((((v) + (typeof(v))(mul) - 1) / ((typeof(v))(mul))) * (typeof(v))(mul))
#define RTE_ALIGN_MUL_FLOOR(v, mul) (((v) / ((typeof(v))(mul))) * (typeof(v))(mul))
#define RTE_ALIGN_MUL_NEAR(v, mul) \
	__extension__({ \
		typeof(v) rte_ceil_ = RTE_ALIGN_MUL_CEIL(v, mul); \
		typeof(v) rte_floor_ = RTE_ALIGN_MUL_FLOOR(v, mul); \
		(rte_ceil_ - (v)) > ((v) - rte_floor_) ? rte_floor_ : rte_ceil_; \
	})

/** 1 when @p ptr is a multiple of @p align (a power of two). */
static inline int
rte_is_aligned(const void *const __rte_restrict ptr, const unsigned int align)
{
	return ((uintptr_t)ptr & (uintptr_t)(align - 1)) == 0;
}

/** Compile-time check: breaks the build when @p condition is true. */
#define RTE_BUILD_BUG_ON(condition) ((void)sizeof(char[1 - 2 * !!(condition)]))

/* ---- cache lines ---- */
#define RTE_CACHE_LINE_MASK (RTE_CACHE_LINE_SIZE - 1)
#define RTE_CACHE_LINE_ROUNDUP(size) RTE_ALIGN_CEIL(size, RTE_CACHE_LINE_SIZE)
#if RTE_CACHE_LINE_SIZE == 64
#define RTE_CACHE_LINE_SIZE_LOG2 6
#elif RTE_CACHE_LINE_SIZE == 128
#define RTE_CACHE_LINE_SIZE_LOG2 7
#else
#error "unsupported cache line size"
#endif
#define RTE_CACHE_LINE_MIN_SIZE 64
#define __rte_cache_aligned __rte_aligned(RTE_CACHE_LINE_SIZE)
#define __rte_cache_min_aligned __rte_aligned(RTE_CACHE_LINE_MIN_SIZE)

/* ---- markers: zero-size fields naming a position in a struct ---- */
__extension__ typedef void *RTE_MARKER[0];
__extension__ typedef uint8_t RTE_MARKER8[0];
__extension__ typedef uint16_t RTE_MARKER16[0];
__extension__ typedef uint32_t RTE_MARKER32[0];
__extension__ typedef uint64_t RTE_MARKER64[0];

/* ---- addresses ---- */
typedef uint64_t phys_addr_t;
#define RTE_BAD_PHYS_ADDR ((phys_addr_t)-1)
typedef uint64_t rte_iova_t;
#define RTE_BAD_IOVA ((rte_iova_t)-1)

/* ---- bit tricks ---- */

/** Copy the most significant set bit of @p x into every lower bit. */
static inline uint32_t
rte_combine32ms1b(uint32_t x)
{
	x |= x >> 1;
	x |= x >> 2;
	x |= x >> 4;
	x |= x >> 8;
	x |= x >> 16;
	return x;
}

static inline uint64_t
rte_combine64ms1b(uint64_t v)
{
	v |= v >> 1;
	v |= v >> 2;
	v |= v >> 4;
	v |= v >> 8;
	v |= v >> 16;
	v |= v >> 32;
	return v;
}

#define RTE_IS_POWER_OF_2(n) ((n) && !(((n) - 1) & (n)))

static inline int
rte_is_power_of_2(uint32_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/** Smallest power of two >= @p x; 0 for 0 and for values above 2^31. */
static inline uint32_t
rte_align32pow2(uint32_t x)
{
	return rte_combine32ms1b(x - 1) + 1;
}

/** Largest power of two <= @p x (0 for 0). */
static inline uint32_t
rte_align32prevpow2(uint32_t x)
{
	x = rte_combine32ms1b(x);
	return x - (x >> 1);
}

static inline uint64_t
rte_align64pow2(uint64_t v)
{
	return rte_combine64ms1b(v - 1) + 1;
}

static inline uint64_t
rte_align64prevpow2(uint64_t v)
{
	v = rte_combine64ms1b(v);
	return v - (v >> 1);
}

/** Index of the lowest set bit of @p v (undefined for 0). */
static inline uint32_t
rte_bsf32(uint32_t v)
{
	return (uint32_t)__builtin_ctz(v);
}

/** As rte_bsf32 into *@p pos; 0 (and *pos untouched) when @p v is 0, else 1. */
static inline int
rte_bsf32_safe(uint32_t v, uint32_t *pos)
{
	if (v == 0)
		return 0;
	*pos = rte_bsf32(v);
	return 1;
}

static inline uint32_t
rte_bsf64(uint64_t v)
{
	return (uint32_t)__builtin_ctzll(v);
}

static inline int
rte_bsf64_safe(uint64_t v, uint32_t *pos)
{
	if (v == 0)
		return 0;
	*pos = rte_bsf64(v);
	return 1;
}

/** 1-based index of the highest set bit of @p x, 0 for 0. */
static inline uint32_t
rte_fls_u32(uint32_t x)
{
	return x == 0 ? 0 : 32 - (uint32_t)__builtin_clz(x);
}

static inline uint32_t
rte_fls_u64(uint64_t x)
{
	return x == 0 ? 0 : 64 - (uint32_t)__builtin_clzll(x);
}

/** ceil(log2(v)); 0 for 0 and 1. */
static inline uint32_t
rte_log2_u32(uint32_t v)
{
	if (v == 0)
		return 0;
	v = rte_align32pow2(v);
	return v == 0 ? 32 : rte_bsf32(v);
}

static inline uint32_t
rte_log2_u64(uint64_t v)
{
	if (v == 0)
		return 0;
	v = rte_align64pow2(v);
	return v == 0 ? 64 : rte_bsf64(v);
}

/* ---- small helpers ---- */
#define RTE_MIN(a, b) \
	__extension__({ \
		typeof(a) rte_a_ = (a); \
		typeof(b) rte_b_ = (b); \
		rte_a_ < rte_b_ ? rte_a_ : rte_b_; \
	})
#define RTE_MAX(a, b) \
	__extension__({ \
		typeof(a) rte_a_ = (a); \
		typeof(b) rte_b_ = (b); \
		rte_a_ > rte_b_ ? rte_a_ : rte_b_; \
	})
#ifndef offsetof
#define offsetof(TYPE, MEMBER) __builtin_offsetof(TYPE, MEMBER)
#endif
#ifndef container_of
#define container_of(ptr, type, member) \
	__extension__({ \
		const typeof(((type *)0)->member) *rte_mptr_ = (ptr); \
		(type *)(void *)((char *)rte_mptr_ - offsetof(type, member)); \
	})
#endif
#define RTE_SWAP(a, b) \
	__extension__({ \
		typeof(a) rte_tmp_ = a; \
		a = b; \
		b = rte_tmp_; \
	})
#define RTE_SIZEOF_FIELD(type, field) (sizeof(((type *)0)->field))
#define _RTE_STR(x) #x
#define RTE_STR(x) _RTE_STR(x)
/* "format" plus arguments as one parameter list, for wrapper macros */
#define RTE_FMT(fmt, ...) fmt "%.0s", __VA_ARGS__ ""
#define RTE_FMT_HEAD(fmt, ...) fmt
#define RTE_FMT_TAIL(fmt, ...) __VA_ARGS__
/** Mask of the low @p ln bits of a @p tp-bit value. */
#define RTE_LEN2MASK(ln, tp) ((tp)((uint64_t)-1 >> (sizeof(uint64_t) * CHAR_BIT - (ln))))
#define RTE_DIM(a) (sizeof(a) / sizeof((a)[0]))

/**
 * Parse "123", "64k", "2M", "1G", "1T" (case-insensitive suffix) into bytes.
 * @return the size, or 0 when @p str is not a size.
 */
uint64_t rte_str_to_size(const char *str);

/** Log @p format at CRIT, release the EAL (rte_eal_cleanup) and exit(@p exit_code). */
__rte_noreturn void rte_exit(int exit_code, const char *format, ...)
	__rte_format_printf(2, 3);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_COMMON_H_ */
