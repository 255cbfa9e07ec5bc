/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Barriers and the (legacy, still widely used) rte_atomicN_t counters of DPDK
 * 22.11, on the compiler's __atomic builtins. Every counter operation is
 * sequentially consistent, as DPDK's are (they are full barriers on x86).
 */
#ifndef _RTE_ATOMIC_H_
#define _RTE_ATOMIC_H_

#include <stdint.h>
#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define rte_compiler_barrier() do { __asm__ volatile("" : : : "memory"); } while (0)

/** Full memory barrier (loads and stores, also against devices). */
static inline void rte_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
#if defined(__x86_64__)
static inline void rte_wmb(void) { rte_compiler_barrier(); }
static inline void rte_rmb(void) { rte_compiler_barrier(); }
/* x86 keeps loads and stores in order except store->load */
static inline void rte_smp_wmb(void) { rte_compiler_barrier(); }
static inline void rte_smp_rmb(void) { rte_compiler_barrier(); }
#else
static inline void rte_wmb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void rte_rmb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void rte_smp_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
static inline void rte_smp_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
#endif
/** Barrier between lcores (the processor's view of memory). */
static inline void rte_smp_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
/** Barriers for I/O memory (device registers). */
static inline void rte_io_mb(void) { rte_mb(); }
static inline void rte_io_wmb(void) { rte_wmb(); }
static inline void rte_io_rmb(void) { rte_rmb(); }
#define rte_cio_wmb() rte_wmb()
#define rte_cio_rmb() rte_rmb()

/** A fence with the C11 memory order @p memorder (__ATOMIC_*). */
static inline void
rte_atomic_thread_fence(int memorder)
{
	__atomic_thread_fence(memorder);
}

/* ---- 16-bit ---- */

/** Set *dst to src if it equals exp. @return non-zero when it did. */
static inline int
rte_atomic16_cmpset(volatile uint16_t *dst, uint16_t exp, uint16_t src)
{
	return __atomic_compare_exchange_n(dst, &exp, src, 0, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/** Store @p val, return the previous value. */
static inline uint16_t
rte_atomic16_exchange(volatile uint16_t *dst, uint16_t val)
{
	return __atomic_exchange_n(dst, val, __ATOMIC_SEQ_CST);
}

typedef struct {
	volatile int16_t cnt;
} rte_atomic16_t;

#define RTE_ATOMIC16_INIT(val) { (val) }

static inline void
rte_atomic16_init(rte_atomic16_t *v)
{
	v->cnt = 0;
}

static inline int16_t
rte_atomic16_read(const rte_atomic16_t *v)
{
	return __atomic_load_n(&v->cnt, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic16_set(rte_atomic16_t *v, int16_t new_value)
{
	__atomic_store_n(&v->cnt, new_value, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic16_add(rte_atomic16_t *v, int16_t inc)
{
	__atomic_fetch_add(&v->cnt, inc, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic16_sub(rte_atomic16_t *v, int16_t dec)
{
	__atomic_fetch_sub(&v->cnt, dec, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic16_inc(rte_atomic16_t *v)
{
	rte_atomic16_add(v, 1);
}

static inline void
rte_atomic16_dec(rte_atomic16_t *v)
{
	rte_atomic16_sub(v, 1);
}

/** Add and return the new value. */
static inline int16_t
rte_atomic16_add_return(rte_atomic16_t *v, int16_t inc)
{
	return __atomic_add_fetch(&v->cnt, inc, __ATOMIC_SEQ_CST);
}

static inline int16_t
rte_atomic16_sub_return(rte_atomic16_t *v, int16_t dec)
{
	return __atomic_sub_fetch(&v->cnt, dec, __ATOMIC_SEQ_CST);
}

/** Increment; 1 when the result is 0. */
static inline int
rte_atomic16_inc_and_test(rte_atomic16_t *v)
{
	return __atomic_add_fetch(&v->cnt, 1, __ATOMIC_SEQ_CST) == 0;
}

/** Decrement; 1 when the result is 0. */
static inline int
rte_atomic16_dec_and_test(rte_atomic16_t *v)
{
	return __atomic_sub_fetch(&v->cnt, 1, __ATOMIC_SEQ_CST) == 0;
}

/** Set to 1 if it is 0. @return 1 when it did, 0 when it was already set. */
static inline int
rte_atomic16_test_and_set(rte_atomic16_t *v)
{
	return rte_atomic16_cmpset((volatile uint16_t *)&v->cnt, 0, 1);
}

static inline void
rte_atomic16_clear(rte_atomic16_t *v)
{
	rte_atomic16_set(v, 0);
}

/* ---- 32-bit ---- */

/** Set *dst to src if it equals exp. @return non-zero when it did. */
static inline int
rte_atomic32_cmpset(volatile uint32_t *dst, uint32_t exp, uint32_t src)
{
	return __atomic_compare_exchange_n(dst, &exp, src, 0, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/** Store @p val, return the previous value. */
static inline uint32_t
rte_atomic32_exchange(volatile uint32_t *dst, uint32_t val)
{
	return __atomic_exchange_n(dst, val, __ATOMIC_SEQ_CST);
}

typedef struct {
	volatile int32_t cnt;
} rte_atomic32_t;

#define RTE_ATOMIC32_INIT(val) { (val) }

static inline void
rte_atomic32_init(rte_atomic32_t *v)
{
	v->cnt = 0;
}

static inline int32_t
rte_atomic32_read(const rte_atomic32_t *v)
{
	return __atomic_load_n(&v->cnt, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic32_set(rte_atomic32_t *v, int32_t new_value)
{
	__atomic_store_n(&v->cnt, new_value, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic32_add(rte_atomic32_t *v, int32_t inc)
{
	__atomic_fetch_add(&v->cnt, inc, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic32_sub(rte_atomic32_t *v, int32_t dec)
{
	__atomic_fetch_sub(&v->cnt, dec, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic32_inc(rte_atomic32_t *v)
{
	rte_atomic32_add(v, 1);
}

static inline void
rte_atomic32_dec(rte_atomic32_t *v)
{
	rte_atomic32_sub(v, 1);
}

/** Add and return the new value. */
static inline int32_t
rte_atomic32_add_return(rte_atomic32_t *v, int32_t inc)
{
	return __atomic_add_fetch(&v->cnt, inc, __ATOMIC_SEQ_CST);
}

static inline int32_t
rte_atomic32_sub_return(rte_atomic32_t *v, int32_t dec)
{
	return __atomic_sub_fetch(&v->cnt, dec, __ATOMIC_SEQ_CST);
}

/** Increment; 1 when the result is 0. */
static inline int
rte_atomic32_inc_and_test(rte_atomic32_t *v)
{
	return __atomic_add_fetch(&v->cnt, 1, __ATOMIC_SEQ_CST) == 0;
}

/** Decrement; 1 when the result is 0. */
static inline int
rte_atomic32_dec_and_test(rte_atomic32_t *v)
{
	return __atomic_sub_fetch(&v->cnt, 1, __ATOMIC_SEQ_CST) == 0;
}

/** Set to 1 if it is 0. @return 1 when it did, 0 when it was already set. */
static inline int
rte_atomic32_test_and_set(rte_atomic32_t *v)
{
	return rte_atomic32_cmpset((volatile uint32_t *)&v->cnt, 0, 1);
}

static inline void
rte_atomic32_clear(rte_atomic32_t *v)
{
	rte_atomic32_set(v, 0);
}

/* ---- 64-bit ---- */

/** Set *dst to src if it equals exp. @return non-zero when it did. */
static inline int
rte_atomic64_cmpset(volatile uint64_t *dst, uint64_t exp, uint64_t src)
{
	return __atomic_compare_exchange_n(dst, &exp, src, 0, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/** Store @p val, return the previous value. */
static inline uint64_t
rte_atomic64_exchange(volatile uint64_t *dst, uint64_t val)
{
	return __atomic_exchange_n(dst, val, __ATOMIC_SEQ_CST);
}

typedef struct {
	volatile int64_t cnt;
} rte_atomic64_t;

#define RTE_ATOMIC64_INIT(val) { (val) }

static inline void
rte_atomic64_init(rte_atomic64_t *v)
{
	v->cnt = 0;
}

static inline int64_t
rte_atomic64_read(rte_atomic64_t *v)
{
	return __atomic_load_n(&v->cnt, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic64_set(rte_atomic64_t *v, int64_t new_value)
{
	__atomic_store_n(&v->cnt, new_value, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic64_add(rte_atomic64_t *v, int64_t inc)
{
	__atomic_fetch_add(&v->cnt, inc, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic64_sub(rte_atomic64_t *v, int64_t dec)
{
	__atomic_fetch_sub(&v->cnt, dec, __ATOMIC_SEQ_CST);
}

static inline void
rte_atomic64_inc(rte_atomic64_t *v)
{
	rte_atomic64_add(v, 1);
}

static inline void
rte_atomic64_dec(rte_atomic64_t *v)
{
	rte_atomic64_sub(v, 1);
}

/** Add and return the new value. */
static inline int64_t
rte_atomic64_add_return(rte_atomic64_t *v, int64_t inc)
{
	return __atomic_add_fetch(&v->cnt, inc, __ATOMIC_SEQ_CST);
}

static inline int64_t
rte_atomic64_sub_return(rte_atomic64_t *v, int64_t dec)
{
	return __atomic_sub_fetch(&v->cnt, dec, __ATOMIC_SEQ_CST);
}

/** Increment; 1 when the result is 0. */
static inline int
rte_atomic64_inc_and_test(rte_atomic64_t *v)
{
	return __atomic_add_fetch(&v->cnt, 1, __ATOMIC_SEQ_CST) == 0;
}

/** Decrement; 1 when the result is 0. */
static inline int
rte_atomic64_dec_and_test(rte_atomic64_t *v)
{
	return __atomic_sub_fetch(&v->cnt, 1, __ATOMIC_SEQ_CST) == 0;
}

/** Set to 1 if it is 0. @return 1 when it did, 0 when it was already set. */
static inline int
rte_atomic64_test_and_set(rte_atomic64_t *v)
{
	return rte_atomic64_cmpset((volatile uint64_t *)&v->cnt, 0, 1);
}

static inline void
rte_atomic64_clear(rte_atomic64_t *v)
{
	rte_atomic64_set(v, 0);
}

/* ---- 128-bit compare and exchange (64-bit targets) ---- */

typedef struct {
	RTE_STD_C11
	union {
		uint64_t val[2];
		__extension__ __int128 int128;
	};
} __rte_aligned(16) rte_int128_t;

/**
 * If *dst equals *exp, store *src there and return 1; else copy *dst into *exp
 * and return 0. @p weak may fail spuriously (treated as strong here); the
 * orders are C11 __ATOMIC_* values (always at least as strong as asked).
 */
static inline int
rte_atomic128_cmp_exchange(rte_int128_t *dst, rte_int128_t *exp, const rte_int128_t *src,
			   unsigned int weak, int success, int failure)
{
	(void)weak;
	(void)success;
	(void)failure;
#if defined(__x86_64__)
	uint8_t ok;
	__asm__ volatile("lock cmpxchg16b %[dst]\n\tsete %[ok]"
			 : [dst] "+m"(dst->int128), [ok] "=q"(ok), "+a"(exp->val[0]),
			   "+d"(exp->val[1])
			 : "b"(src->val[0]), "c"(src->val[1])
			 : "memory", "cc");
	return ok;
#else
	return __atomic_compare_exchange_n(&dst->int128, &exp->int128, src->int128, 0,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
#endif
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_ATOMIC_H_ */
