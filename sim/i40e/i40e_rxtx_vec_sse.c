/* SPDX-License-Identifier: BSD-3-Clause */
/* The vector receive path with SSE4.2 (compiled with -msse4.2; see i40e_rxtx_vec.h). */
#define VEC_FN i40e_recv_raw_vec_sse
#include "i40e_rxtx_vec.h"
