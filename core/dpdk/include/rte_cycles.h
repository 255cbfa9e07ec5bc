/* SPDX-License-Identifier: BSD-3-Clause */
/* Time stamp counter and delays. */
#ifndef _RTE_CYCLES_H_
#define _RTE_CYCLES_H_

#include <stdint.h>
#include <rte_common.h>
#include <rte_atomic.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MS_PER_S 1000
#define US_PER_S 1000000
#define NS_PER_S 1000000000

enum timer_source {
	EAL_TIMER_TSC = 0,
	EAL_TIMER_HPET
};
/** Always EAL_TIMER_TSC (there is no HPET support). */
extern enum timer_source eal_timer_source;

/** The cycle counter (x86 TSC; arm64 generic timer). */
static inline uint64_t
rte_rdtsc(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
#else
	uint64_t t;
	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(t));
	return t;
#endif
}

/** rte_rdtsc after every earlier instruction completed. */
static inline uint64_t
rte_rdtsc_precise(void)
{
	rte_mb();
	return rte_rdtsc();
}

static inline uint64_t
rte_get_tsc_cycles(void)
{
	return rte_rdtsc();
}

/** Cycles of rte_rdtsc per second (measured once, then cached). */
uint64_t rte_get_tsc_hz(void);

static inline uint64_t
rte_get_timer_cycles(void)
{
	return rte_get_tsc_cycles();
}

static inline uint64_t
rte_get_timer_hz(void)
{
	return rte_get_tsc_hz();
}

/** Wait @p us microseconds: rte_delay_us_block unless a callback was registered. */
extern void (*rte_delay_us)(unsigned int us);

static inline void
rte_delay_ms(unsigned int ms)
{
	rte_delay_us(ms * 1000);
}

/** Busy-wait @p us microseconds on the cycle counter. */
void rte_delay_us_block(unsigned int us);
/** Sleep @p us microseconds (gives the CPU away). */
void rte_delay_us_sleep(unsigned int us);
/** Make @p userfunc the implementation of rte_delay_us (NULL is ignored). */
void rte_delay_us_callback_register(void (*userfunc)(unsigned int));

#ifdef __cplusplus
}
#endif
#endif /* _RTE_CYCLES_H_ */
