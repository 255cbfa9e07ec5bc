/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pseudo-random numbers: one generator state per lcore (and one shared by
 * threads without an lcore, under a lock), all seeded by rte_srand(). Not for
 * cryptography.
 */
#ifndef _RTE_RANDOM_H_
#define _RTE_RANDOM_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Reseed every lcore's generator from @p seedval (deterministically). */
void rte_srand(uint64_t seedval);
/** 64 random bits. */
uint64_t rte_rand(void);
/** Uniform in [0, @p upper_bound); 0 when upper_bound is 0. */
uint64_t rte_rand_max(uint64_t upper_bound);
/** Uniform in [0, 1). */
double rte_drand(void);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_RANDOM_H_ */
