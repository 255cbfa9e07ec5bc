/* SPDX-License-Identifier: BSD-3-Clause */
/* The vector receive path with AVX2 (compiled with -mavx2; see i40e_rxtx_vec.h). */
#define VEC_FN i40e_recv_raw_vec_avx2
#define VEC_AVX2 1
#include "i40e_rxtx_vec.h"
