/* SPDX-License-Identifier: BSD-3-Clause */
/* The SIMD width the application allows (--force-max-simd-bitwidth). */
#ifndef _RTE_VECT_H_
#define _RTE_VECT_H_

#include <stdint.h>
#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

enum rte_vect_max_simd {
	RTE_VECT_SIMD_DISABLED = 64,
	RTE_VECT_SIMD_128 = 128,
	RTE_VECT_SIMD_256 = 256,
	RTE_VECT_SIMD_512 = 512,
	RTE_VECT_SIMD_MAX = INT16_MAX + 1,
};

#define RTE_VECT_DEFAULT_SIMD_BITWIDTH RTE_VECT_SIMD_256

/** The largest SIMD width code may use (RTE_VECT_DEFAULT_SIMD_BITWIDTH unless set). */
uint16_t rte_vect_get_max_simd_bitwidth(void);
/**
 * @return 0; -EINVAL (not a power of two >= 64), -EPERM (forced on the command
 *   line with --force-max-simd-bitwidth).
 */
int rte_vect_set_max_simd_bitwidth(uint16_t bitwidth);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_VECT_H_ */
