/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vector receive path's entry point and its instruction set: AVX2 when
 * the CPU has it, else SSE4.2 (__builtin_cpu_supports, as DPDK picks its RX
 * function at run time); hm_i40e_rxq_conf.vec_isa can ask for one. The
 * variants are i40e_rxtx_vec_sse.c and i40e_rxtx_vec_avx2.c, built on x86
 * only; elsewhere the vector path is refused at setup.
 */
#include "i40e_i.h"

enum hm_i40e_vec_isa
i40e_vec_isa_pick(enum hm_i40e_vec_isa want)
{
#if defined(HM_I40E_HAVE_VEC)
	int sse = __builtin_cpu_supports("sse4.2"), avx2 = __builtin_cpu_supports("avx2");

	if (want == HM_I40E_VEC_AVX2)
		return avx2 ? HM_I40E_VEC_AVX2 : HM_I40E_VEC_AUTO;
	if (want == HM_I40E_VEC_SSE42)
		return sse ? HM_I40E_VEC_SSE42 : HM_I40E_VEC_AUTO;
	return avx2 ? HM_I40E_VEC_AVX2 : sse ? HM_I40E_VEC_SSE42 : HM_I40E_VEC_AUTO;
#else
	(void)want;
	return HM_I40E_VEC_AUTO;
#endif
}

static inline uint16_t
recv_raw(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n)
{
#if defined(HM_I40E_HAVE_VEC)
	if (rxq->vec_isa == HM_I40E_VEC_AVX2)
		return i40e_recv_raw_vec_avx2(rxq, pkts, n);
	return i40e_recv_raw_vec_sse(rxq, pkts, n);
#else
	(void)rxq;
	(void)pkts;
	(void)n;
	return 0; /* setup refuses the vector path in such builds */
#endif
}

uint16_t
hm_i40e_recv_pkts_vec(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n)
{
	uint16_t nb_rx = 0;

	if (HM_UNLIKELY(rxq == NULL || pkts == NULL || !rxq->started ||
			rxq->path != HM_I40E_RX_VECTOR))
		return 0;
	while (nb_rx < n) {
		uint16_t want = (uint16_t)(n - nb_rx);
		if (want > HM_I40E_RX_MAX_BURST)
			want = HM_I40E_RX_MAX_BURST;
		uint16_t got = recv_raw(rxq, pkts + nb_rx, want);
		nb_rx = (uint16_t)(nb_rx + got);
		if (got < want)
			break;
	}
	return nb_rx;
}
