/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vector receive path, written once and compiled once per instruction set:
 * i40e_rxtx_vec_sse.c (-msse4.2) and i40e_rxtx_vec_avx2.c (-mavx2) define
 * VEC_FN, the name of their entry point, and VEC_AVX2 for the 256-bit variant,
 * then include this file. i40e_rxtx_vec.c picks one at setup.
 *
 * The ring is the bulk path's (i40e_rxtx.c): the scanned slots become NULL, a
 * block of rx_free_thresh slots is refilled from the pool at once (its cache's stack) when rx_tail
 * passes the trigger (vec_refill: a 16-byte store per descriptor), and a
 * failed refill puts every scanned mbuf back where it was (the packets stay on
 * the ring, rx_nombuf counts the block). What
 * differs: nothing is staged (at most n descriptors are scanned and their
 * packets go straight to the caller), four descriptors are checked at once
 * (DD and EOF set, RXE clear, 0 < length <= buffer: SIMD compares of their
 * status words, 64-bit lanes), and each mbuf gets two 16-byte stores:
 * rearm_data + ol_flags at offset 16, and packet_type, pkt_len, data_len,
 * vlan_tci, hash.rss at offset 32 (hash.rss is written whether or not
 * HM_MBUF_F_RX_RSS_HASH says it is valid, as DPDK's vector paths do). A group
 * with anything else in it, the rest of a dropped frame, and the last n % 4
 * descriptors go through the bulk path's per-descriptor rules (bad_desc,
 * frame_goes_on), with the same fields written.
 *
 * Descriptor words are read with the same atomic accessors as the other
 * paths (qw1 with acquire, then qw0): a device thread writes them.
 */
#include <immintrin.h>
#include <string.h>

#include "hugemem/mbuf.h"
#include "i40e_i.h"

#ifndef VEC_FN
#error "define VEC_FN before including i40e_rxtx_vec.h"
#endif

#define VEC_LEN_MASK 0x3FFFULL
#define VEC_OK_MASK (HM_I40E_RXD_DD | HM_I40E_RXD_EOF | HM_I40E_RXD_ERR_RXE)
#define VEC_OK_VAL (HM_I40E_RXD_DD | HM_I40E_RXD_EOF)
#define VEC_RSS_BITS I40E_RSS_BITS
#define VEC_VLAN_BITS I40E_VLAN_BITS

/*
 * ol_flags of the descriptors whose status words are the 64-bit lanes of @p a
 * (VEC_OLF's rules, computed lane by lane instead of looked up): VLAN and
 * VLAN_STRIPPED with L2TAG1P, RSS_HASH with FLTSTAT == 3, and with L3L4P the
 * IP checksum bad (bit 4) or good (bit 7) after IPE, the L4 one bad (bit 3) or
 * good (bit 8) after L4E, OUTER_IP_CKSUM_BAD (bit 5) with EIPE.
 */
#ifdef VEC_AVX2
#define VEC_T __m256i
#define V_SET1(x) _mm256_set1_epi64x((long long)(x))
#define V_AND _mm256_and_si256
#define V_OR _mm256_or_si256
#define V_XOR _mm256_xor_si256
#define V_EQ _mm256_cmpeq_epi64
#define V_SRL _mm256_srli_epi64
#define V_SLL _mm256_slli_epi64
#else
#define VEC_T __m128i
#define V_SET1(x) _mm_set1_epi64x((long long)(x))
#define V_AND _mm_and_si128
#define V_OR _mm_or_si128
#define V_XOR _mm_xor_si128
#define V_EQ _mm_cmpeq_epi64
#define V_SRL _mm_srli_epi64
#define V_SLL _mm_slli_epi64
#endif

/* Byte lookups of vec_olflags (the low byte of each 64-bit lane is the
 * index, the others are 0 and look up entry 0, which is 0). Checksums, by
 * bit 3 L3L4P | bits 0-2 IPE, L4E, EIPE: the flags shifted right by one (to
 * fit a byte); VLAN and RSS, by bit 0 L2TAG1P | bits 2-3 FLTSTAT. */
#define VEC_CK(i)                                                                         \
	((i) & 8 ? (int)(((((i) & 1) ? HM_MBUF_F_RX_IP_CKSUM_BAD : HM_MBUF_F_RX_IP_CKSUM_GOOD) | \
			  (((i) & 2) ? HM_MBUF_F_RX_L4_CKSUM_BAD : HM_MBUF_F_RX_L4_CKSUM_GOOD) | \
			  (((i) & 4) ? HM_MBUF_F_RX_OUTER_IP_CKSUM_BAD : 0)) >> 1)               \
		 : 0)
#define VEC_VR(i)                                                                         \
	(int)((((i) & 1) ? HM_MBUF_F_RX_VLAN | HM_MBUF_F_RX_VLAN_STRIPPED : 0) |          \
	      ((((i) & 12) == 12) ? HM_MBUF_F_RX_RSS_HASH : 0))
#define VEC_LUT16(f)                                                                      \
	(char)f(0), (char)f(1), (char)f(2), (char)f(3), (char)f(4), (char)f(5), (char)f(6),  \
		(char)f(7), (char)f(8), (char)f(9), (char)f(10), (char)f(11), (char)f(12),   \
		(char)f(13), (char)f(14), (char)f(15)

_Static_assert((HM_MBUF_F_RX_IP_CKSUM_BAD | HM_MBUF_F_RX_IP_CKSUM_GOOD | HM_MBUF_F_RX_L4_CKSUM_BAD |
		HM_MBUF_F_RX_L4_CKSUM_GOOD | HM_MBUF_F_RX_OUTER_IP_CKSUM_BAD) >> 1 <= 0xFF &&
		       (HM_MBUF_F_RX_VLAN | HM_MBUF_F_RX_VLAN_STRIPPED | HM_MBUF_F_RX_RSS_HASH) <= 0x7F &&
		       !((HM_MBUF_F_RX_IP_CKSUM_BAD | HM_MBUF_F_RX_IP_CKSUM_GOOD |
			  HM_MBUF_F_RX_L4_CKSUM_BAD | HM_MBUF_F_RX_L4_CKSUM_GOOD |
			  HM_MBUF_F_RX_OUTER_IP_CKSUM_BAD) & 1),
	       "vec_olflags' lookups hold the flags in a byte");
_Static_assert(HM_I40E_RXD_ERR_L4E == HM_I40E_RXD_ERR_IPE << 1 &&
		       HM_I40E_RXD_ERR_EIPE == HM_I40E_RXD_ERR_IPE << 2 && HM_I40E_RXD_L3L4P == 8 &&
		       HM_I40E_RXD_L2TAG1P == 4 && HM_I40E_RXD_FLTSTAT_MASK == 3ULL << 12,
	       "vec_olflags' indexes");

/*
 * ol_flags of the descriptors whose status words are the 64-bit lanes of @p a
 * (i40e_ol_tbl's rules): two 16-entry byte lookups (pshufb), one for the
 * checksum flags, one for VLAN, VLAN_STRIPPED and RSS_HASH.
 */
static inline VEC_T
vec_olflags(VEC_T a)
{
#ifdef VEC_AVX2
	const __m256i ck_lut = _mm256_setr_epi8(VEC_LUT16(VEC_CK), VEC_LUT16(VEC_CK));
	const __m256i vr_lut = _mm256_setr_epi8(VEC_LUT16(VEC_VR), VEC_LUT16(VEC_VR));
#define V_SHUF _mm256_shuffle_epi8
#else
	const __m128i ck_lut = _mm_setr_epi8(VEC_LUT16(VEC_CK));
	const __m128i vr_lut = _mm_setr_epi8(VEC_LUT16(VEC_VR));
#define V_SHUF _mm_shuffle_epi8
#endif
	const VEC_T ck_i = V_OR(V_AND(V_SRL(a, HM_I40E_RXD_ERROR_S + 3), V_SET1(7)),
				V_AND(a, V_SET1(HM_I40E_RXD_L3L4P)));
	const VEC_T vr_i = V_OR(V_AND(V_SRL(a, HM_I40E_RXD_STATUS_L2TAG1P_S), V_SET1(1)),
				V_AND(V_SRL(a, HM_I40E_RXD_STATUS_FLTSTAT_S - 2), V_SET1(12)));

	return V_OR(V_SLL(V_SHUF(ck_lut, ck_i), 1), V_SHUF(vr_lut, vr_i));
#undef V_SHUF
}

/* What a burst reads from the queue, in locals: the mbuf stores could alias
 * the queue (the project builds with -fno-strict-aliasing), so fields read
 * through rxq would be reloaded after each of them. */
struct vec_ctx {
	const uint32_t *pt;  /* ptype table */
	uint64_t init;       /* rearm_data */
	size_t dsz;          /* descriptor bytes */
	long long buf_size;  /* bytes per buffer */
};

/*
 * Groups of four descriptors from @p d (their slots' mbufs at rxep[0..]), at
 * most @p ng of them, for as long as all four of a group are good: fill the
 * mbufs, hand them to pkts[], clear the slots, add the lengths to *bytes.
 * @return the groups done; the first group with anything else in it is left
 * as it was. One loop, its constants in registers for the whole run (one
 * group per iteration was a function called from the per-descriptor loop:
 * gcc reloaded a dozen constants and spilled the loop's pointers in every
 * group), the lengths summed in a vector and added up once. Each group also
 * prefetches the four mbuf headers at pfm (I40E_PF_MBUF_AHEAD slots ahead:
 * vec_recv).
 */
static inline __attribute__((always_inline)) unsigned int
vec_run(const struct vec_ctx *c, const uint8_t *d, struct hm_mbuf **rxep, struct hm_mbuf **pkts,
	unsigned int ng, uint64_t *bytes, struct hm_mbuf *const *pfm)
{
	const size_t dsz = c->dsz;
	const uint32_t *const pt = c->pt;
	unsigned int g;
#ifdef VEC_AVX2
	const __m256i lmask = V_SET1(VEC_LEN_MASK), okm = V_SET1(VEC_OK_MASK);
	const __m256i okv = V_SET1(VEC_OK_VAL), bsz = V_SET1(c->buf_size);
	const __m256i zero = _mm256_setzero_si256(), init = V_SET1(c->init);
	/* what i40e_fill keeps of qw0: hash.rss, and vlan_tci when L2TAG1P */
	const __m256d kn = _mm256_castsi256_pd(V_SET1(VEC_RSS_BITS));
	const __m256d kv = _mm256_castsi256_pd(V_SET1(VEC_RSS_BITS | VEC_VLAN_BITS));
	/* ol_flags (as rearm_data's neighbour) and the qw0 mask of the last
	 * group, looked up again only when their qw1 bits change */
	const __m256i olb = V_SET1(I40E_OL_BITS);
	__m256i okey = V_SET1(~0ULL), keep = zero, r02 = zero, r13 = zero;
	__m256i sum = zero;

	for (g = 0; g < ng; g++, d += 4 * dsz, rxep += 4, pkts += 4, pfm += 4) {
		const uint64_t q10 = hm_i40e_rx_desc_qw1_load(d);
		const uint64_t q11 = hm_i40e_rx_desc_qw1_load(d + dsz);
		const uint64_t q12 = hm_i40e_rx_desc_qw1_load(d + 2 * dsz);
		const uint64_t q13 = hm_i40e_rx_desc_qw1_load(d + 3 * dsz);
		__builtin_prefetch(pfm[0], 1, 3);
		__builtin_prefetch(pfm[1], 1, 3);
		__builtin_prefetch(pfm[2], 1, 3);
		__builtin_prefetch(pfm[3], 1, 3);
		const __m256i a = _mm256_set_epi64x((long long)q13, (long long)q12, (long long)q11,
						    (long long)q10);
		const __m256i len = _mm256_and_si256(_mm256_srli_epi64(a, HM_I40E_RXD_LEN_PBUF_S), lmask);
		__m256i ok = _mm256_cmpeq_epi64(_mm256_and_si256(a, okm), okv);

		ok = _mm256_and_si256(ok, _mm256_cmpgt_epi64(len, zero));
		ok = _mm256_andnot_si256(_mm256_cmpgt_epi64(len, bsz), ok);
		if (_mm256_movemask_pd(_mm256_castsi256_pd(ok)) != 0xF)
			break;
		/* all four are the driver's: their other words, then the fields */
		const __m256i q0 = _mm256_set_epi64x(
			(long long)hm_i40e_rx_desc_qw_get(d + 3 * dsz, 0),
			(long long)hm_i40e_rx_desc_qw_get(d + 2 * dsz, 0),
			(long long)hm_i40e_rx_desc_qw_get(d + dsz, 0), (long long)hm_i40e_rx_desc_qw_get(d, 0));
		/* packet_type: four loads (a gather, vpgatherqd, is one instruction
		 * instead of twelve, but was 0.2-0.5 cycles/packet slower on this
		 * machine: docs/performance.md, issue #19 part 8) */
		const __m256i ptv = _mm256_set_epi64x(pt[hm_i40e_rxd_ptype(q13)], pt[hm_i40e_rxd_ptype(q12)],
						      pt[hm_i40e_rxd_ptype(q11)], pt[hm_i40e_rxd_ptype(q10)]);
		const __m256i key = _mm256_and_si256(a, olb);

		if (_mm256_movemask_epi8(_mm256_cmpeq_epi64(key, okey)) != -1) {
			const __m256i fl = vec_olflags(a);

			okey = key;
			/* vlan_tci only when the tag was stripped (L2TAG1P, moved
			 * to the sign bit blendv reads), hash.rss as written */
			keep = _mm256_castpd_si256(_mm256_blendv_pd(
				kn, kv,
				_mm256_castsi256_pd(_mm256_slli_epi64(a, 63 - HM_I40E_RXD_STATUS_L2TAG1P_S))));
			r02 = _mm256_unpacklo_epi64(init, fl);
			r13 = _mm256_unpackhi_epi64(init, fl);
		}
		const __m256i lo = _mm256_or_si256(ptv, _mm256_slli_epi64(len, 32));
		const __m256i hi = _mm256_or_si256(len, _mm256_and_si256(q0, keep));
		const __m256i f02 = _mm256_unpacklo_epi64(lo, hi); /* mbufs 0 and 2 */
		const __m256i f13 = _mm256_unpackhi_epi64(lo, hi); /* mbufs 1 and 3 */
		const __m256i mv = _mm256_loadu_si256((const __m256i *)(const void *)rxep);
		struct hm_mbuf *const m0 = rxep[0], *const m1 = rxep[1];
		struct hm_mbuf *const m2 = rxep[2], *const m3 = rxep[3];

		sum = _mm256_add_epi64(sum, len);
		_mm_storeu_si128((__m128i *)(void *)&m0->rearm_data, _mm256_castsi256_si128(r02));
		_mm_storeu_si128((__m128i *)(void *)&m0->packet_type, _mm256_castsi256_si128(f02));
		_mm_storeu_si128((__m128i *)(void *)&m1->rearm_data, _mm256_castsi256_si128(r13));
		_mm_storeu_si128((__m128i *)(void *)&m1->packet_type, _mm256_castsi256_si128(f13));
		_mm_storeu_si128((__m128i *)(void *)&m2->rearm_data, _mm256_extracti128_si256(r02, 1));
		_mm_storeu_si128((__m128i *)(void *)&m2->packet_type, _mm256_extracti128_si256(f02, 1));
		_mm_storeu_si128((__m128i *)(void *)&m3->rearm_data, _mm256_extracti128_si256(r13, 1));
		_mm_storeu_si128((__m128i *)(void *)&m3->packet_type, _mm256_extracti128_si256(f13, 1));
		_mm256_storeu_si256((__m256i *)(void *)pkts, mv);
		_mm256_storeu_si256((__m256i *)(void *)rxep, zero);
	}
	{
		const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));

		*bytes += (uint64_t)_mm_cvtsi128_si64(_mm_add_epi64(s, _mm_unpackhi_epi64(s, s)));
	}
#else
	const __m128i lmask = V_SET1(VEC_LEN_MASK), okm = V_SET1(VEC_OK_MASK);
	const __m128i okv = V_SET1(VEC_OK_VAL), bsz = V_SET1(c->buf_size);
	const __m128i zero = _mm_setzero_si128(), init = V_SET1(c->init);
	const __m128d kn = _mm_castsi128_pd(V_SET1(VEC_RSS_BITS));
	const __m128d kv = _mm_castsi128_pd(V_SET1(VEC_RSS_BITS | VEC_VLAN_BITS));
	const __m128i olb = V_SET1(I40E_OL_BITS);
	__m128i ok01k = V_SET1(~0ULL), ok23k = V_SET1(~0ULL), k01 = zero, k23 = zero;
	__m128i fl01 = zero, fl23 = zero;
	__m128i sum = zero;

	for (g = 0; g < ng; g++, d += 4 * dsz, rxep += 4, pkts += 4, pfm += 4) {
		const uint64_t q10 = hm_i40e_rx_desc_qw1_load(d);
		const uint64_t q11 = hm_i40e_rx_desc_qw1_load(d + dsz);
		const uint64_t q12 = hm_i40e_rx_desc_qw1_load(d + 2 * dsz);
		const uint64_t q13 = hm_i40e_rx_desc_qw1_load(d + 3 * dsz);
		__builtin_prefetch(pfm[0], 1, 3);
		__builtin_prefetch(pfm[1], 1, 3);
		__builtin_prefetch(pfm[2], 1, 3);
		__builtin_prefetch(pfm[3], 1, 3);
		const __m128i a01 = _mm_set_epi64x((long long)q11, (long long)q10);
		const __m128i a23 = _mm_set_epi64x((long long)q13, (long long)q12);
		const __m128i len01 = _mm_and_si128(_mm_srli_epi64(a01, HM_I40E_RXD_LEN_PBUF_S), lmask);
		const __m128i len23 = _mm_and_si128(_mm_srli_epi64(a23, HM_I40E_RXD_LEN_PBUF_S), lmask);
		__m128i ok01 = _mm_cmpeq_epi64(_mm_and_si128(a01, okm), okv);
		__m128i ok23 = _mm_cmpeq_epi64(_mm_and_si128(a23, okm), okv);

		ok01 = _mm_andnot_si128(_mm_cmpgt_epi64(len01, bsz),
					_mm_and_si128(ok01, _mm_cmpgt_epi64(len01, zero)));
		ok23 = _mm_andnot_si128(_mm_cmpgt_epi64(len23, bsz),
					_mm_and_si128(ok23, _mm_cmpgt_epi64(len23, zero)));
		if (_mm_movemask_pd(_mm_castsi128_pd(_mm_and_si128(ok01, ok23))) != 0x3)
			break;
		/* all four are the driver's: their other words, then the fields */
		const __m128i q001 = _mm_set_epi64x((long long)hm_i40e_rx_desc_qw_get(d + dsz, 0),
						    (long long)hm_i40e_rx_desc_qw_get(d, 0));
		const __m128i q023 = _mm_set_epi64x((long long)hm_i40e_rx_desc_qw_get(d + 3 * dsz, 0),
						    (long long)hm_i40e_rx_desc_qw_get(d + 2 * dsz, 0));
		const __m128i key01 = _mm_and_si128(a01, olb), key23 = _mm_and_si128(a23, olb);

		if (_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi64(key01, ok01k),
						    _mm_cmpeq_epi64(key23, ok23k))) != 0xFFFF) {
			ok01k = key01;
			ok23k = key23;
			k01 = _mm_castpd_si128(_mm_blendv_pd(
				kn, kv,
				_mm_castsi128_pd(_mm_slli_epi64(a01, 63 - HM_I40E_RXD_STATUS_L2TAG1P_S))));
			k23 = _mm_castpd_si128(_mm_blendv_pd(
				kn, kv,
				_mm_castsi128_pd(_mm_slli_epi64(a23, 63 - HM_I40E_RXD_STATUS_L2TAG1P_S))));
			fl01 = vec_olflags(a01);
			fl23 = vec_olflags(a23);
		}
		const __m128i lo01 = _mm_or_si128(_mm_set_epi64x(pt[hm_i40e_rxd_ptype(q11)],
								 pt[hm_i40e_rxd_ptype(q10)]),
						  _mm_slli_epi64(len01, 32));
		const __m128i lo23 = _mm_or_si128(_mm_set_epi64x(pt[hm_i40e_rxd_ptype(q13)],
								 pt[hm_i40e_rxd_ptype(q12)]),
						  _mm_slli_epi64(len23, 32));
		const __m128i hi01 = _mm_or_si128(len01, _mm_and_si128(q001, k01));
		const __m128i hi23 = _mm_or_si128(len23, _mm_and_si128(q023, k23));
		const __m128i mv01 = _mm_loadu_si128((const __m128i *)(const void *)rxep);
		const __m128i mv23 = _mm_loadu_si128((const __m128i *)(const void *)(rxep + 2));
		struct hm_mbuf *const m0 = rxep[0], *const m1 = rxep[1];
		struct hm_mbuf *const m2 = rxep[2], *const m3 = rxep[3];

		sum = _mm_add_epi64(sum, _mm_add_epi64(len01, len23));
		_mm_storeu_si128((__m128i *)(void *)&m0->rearm_data, _mm_unpacklo_epi64(init, fl01));
		_mm_storeu_si128((__m128i *)(void *)&m0->packet_type, _mm_unpacklo_epi64(lo01, hi01));
		_mm_storeu_si128((__m128i *)(void *)&m1->rearm_data, _mm_unpackhi_epi64(init, fl01));
		_mm_storeu_si128((__m128i *)(void *)&m1->packet_type, _mm_unpackhi_epi64(lo01, hi01));
		_mm_storeu_si128((__m128i *)(void *)&m2->rearm_data, _mm_unpacklo_epi64(init, fl23));
		_mm_storeu_si128((__m128i *)(void *)&m2->packet_type, _mm_unpacklo_epi64(lo23, hi23));
		_mm_storeu_si128((__m128i *)(void *)&m3->rearm_data, _mm_unpackhi_epi64(init, fl23));
		_mm_storeu_si128((__m128i *)(void *)&m3->packet_type, _mm_unpackhi_epi64(lo23, hi23));
		_mm_storeu_si128((__m128i *)(void *)pkts, mv01);
		_mm_storeu_si128((__m128i *)(void *)(pkts + 2), mv23);
		_mm_storeu_si128((__m128i *)(void *)rxep, zero);
		_mm_storeu_si128((__m128i *)(void *)(rxep + 2), zero);
	}
	*bytes += (uint64_t)_mm_cvtsi128_si64(_mm_add_epi64(sum, _mm_unpackhi_epi64(sum, sum)));
#endif
	return g;
}

/* dst[0..3] = src[3], src[2], src[1], src[0]. */
static inline __attribute__((always_inline)) void
vec_copy4_rev(struct hm_mbuf **dst, void *const *src)
{
#ifdef VEC_AVX2
	_mm256_storeu_si256((__m256i *)(void *)dst,
			    _mm256_permute4x64_epi64(_mm256_loadu_si256((const __m256i *)(const void *)src),
						     0x1b));
#else
	_mm_storeu_si128((__m128i *)(void *)dst,
			 _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)(src + 2)), 0x4e));
	_mm_storeu_si128((__m128i *)(void *)(dst + 2),
			 _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)src), 0x4e));
#endif
}

/* Arm the descriptor at @p d with @p m: one 16-byte store of (pkt_addr,
 * hdr_addr 0: DD clear). */
static inline __attribute__((always_inline)) void
vec_arm(uint8_t *d, const struct hm_mbuf *m, __m128i hr)
{
	_mm_storeu_si128((__m128i *)(void *)d,
			 _mm_add_epi64(_mm_loadl_epi64((const __m128i *)(const void *)&m->buf_iova), hr));
}

/*
 * i40e_alloc_bufs for this path: the rx_free_thresh slots ending at the
 * trigger filled straight off the lcore's pool cache (i40e_refill_take) or by
 * one bulk get, each descriptor armed with one 16-byte store
 * (pkt_addr, hdr_addr 0: DD clear), no rearm_data (written on receive). The
 * device owns a descriptor only once the tail (a release store) passes it.
 * @return 0, or -ENOMEM with the slots NULL.
 */
static inline int
vec_refill(struct hm_i40e_rxq *rxq, size_t dsz)
{
	const uint16_t thresh = rxq->rx_free_thresh;
	const uint16_t alloc_idx = (uint16_t)(rxq->rx_free_trigger - (thresh - 1));
	struct hm_mbuf **rxep = &rxq->sw_ring[alloc_idx];
	const __m128i hr = _mm_set_epi64x(0, HM_PKTMBUF_HEADROOM);
	uint8_t *d = desc_at(rxq, alloc_idx);
	void *const *top = i40e_refill_take(rxq->mp, thresh);
	unsigned int i = 0;

	if (HM_LIKELY(top != NULL)) {
		/* straight off the pool's cache: each pointer loaded once, into
		 * sw_ring and (through buf_iova) the descriptor; four at a time
		 * (thresh is at least 32), then the rest */
		for (; i + 4 <= thresh; i += 4, d += 4 * dsz) {
			struct hm_mbuf *const m0 = (struct hm_mbuf *)top[-1 - (ptrdiff_t)i];
			struct hm_mbuf *const m1 = (struct hm_mbuf *)top[-2 - (ptrdiff_t)i];
			struct hm_mbuf *const m2 = (struct hm_mbuf *)top[-3 - (ptrdiff_t)i];
			struct hm_mbuf *const m3 = (struct hm_mbuf *)top[-4 - (ptrdiff_t)i];

			/* sw_ring: the four pointers reversed by one load, one
			 * permute and one store (scalar stores get vectorised by the
			 * compiler with four inserts instead) */
			vec_copy4_rev(rxep + i, top - 4 - (ptrdiff_t)i);
			vec_arm(d, m0, hr);
			vec_arm(d + dsz, m1, hr);
			vec_arm(d + 2 * dsz, m2, hr);
			vec_arm(d + 3 * dsz, m3, hr);
		}
		for (; i < thresh; i++, d += dsz) {
			struct hm_mbuf *const m = (struct hm_mbuf *)top[-1 - (ptrdiff_t)i];

			rxep[i] = m;
			vec_arm(d, m, hr);
		}
	} else {
		/* the pool's general get: a cache refill, no lcore cache, a debug pool */
		if (HM_UNLIKELY(hm_mempool_get_bulk(rxq->mp, (void **)rxep, thresh) < 0)) {
			memset(rxep, 0, sizeof(*rxep) * thresh); /* a failed get may have written some */
			return -ENOMEM;
		}
		for (; i < thresh; i++, d += dsz)
			vec_arm(d, rxep[i], hr);
	}
	tail_write(rxq, rxq->rx_free_trigger);
	rxq->rx_free_trigger = (uint16_t)(rxq->rx_free_trigger + thresh);
	if (rxq->rx_free_trigger >= rxq->nb_desc)
		rxq->rx_free_trigger = (uint16_t)(thresh - 1);
	return 0;
}

/* Receive at most @p n <= HM_I40E_RX_MAX_BURST packets from a ring of
 * @p dsz-byte descriptors (a constant: VEC_FN has one copy per size, so the
 * descriptor offsets are immediates and nothing spills). */
static inline __attribute__((always_inline)) uint16_t
vec_recv(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n, const size_t dsz)
{
	struct hm_mbuf *drop[HM_I40E_RX_MAX_BURST];
	uint8_t why[HM_I40E_RX_MAX_BURST];
	const uint16_t old_tail = rxq->rx_tail;
	struct hm_mbuf **rxep = &rxq->sw_ring[old_tail];
	unsigned int nb_scan = 0, nb_rx = 0, nd = 0;
	uint32_t dropped = 0; /* bit i: scanned descriptor i was dropped */
	uint8_t discard = rxq->discard; /* committed with the scan */
	uint64_t bytes = 0;

	const struct vec_ctx c = {
		rxq->ptype_tbl, rxq->mbuf_init, dsz, rxq->buf_size,
	};
	const uint8_t *d = desc_at(rxq, old_tail);
	struct hm_mbuf *const *pfm;

	if (n > HM_I40E_RX_MAX_BURST)
		n = HM_I40E_RX_MAX_BURST;
	/* The descriptors of this burst and the next two; the mbuf headers of
	 * the next burst now, and those I40E_PF_MBUF_AHEAD descriptors ahead (pfm)
	 * four per group as the loops go (the rest after them): spread through
	 * the burst, their misses queue behind fewer others than 32 issued at
	 * once (the headers 64..79 ahead are the last burst's: after an idle
	 * period the first burst leaves those 16 to the next). Not this
	 * burst's headers: they are only written, and the 16-byte stores wait
	 * for their lines in the store queue without stalling the loop (their
	 * prefetches cost 0.4 cycles/packet with the lines in cache and saved
	 * nothing with them flushed; docs/performance.md, issue #19 part 8). */
	i40e_prefetch_burst_part(rxq, old_tail, 0);
	i40e_prefetch_burst(rxq, old_tail + HM_I40E_RX_MAX_BURST);
	i40e_prefetch_burst_part(rxq, old_tail + 2 * HM_I40E_RX_MAX_BURST, 0);
	{
		/* 80 ahead, not 64: flushed 10.3 -> 9.8 cycles/packet, hot 7.05 ->
		 * 7.35 (72, 88 and 96 in between or alike: performance.md part 8); the
		 * sw_ring's 32 spare entries cover pfm[31] */
		unsigned int pfi = old_tail + I40E_PF_MBUF_AHEAD;

		while (pfi >= rxq->nb_desc) /* nb_desc >= 64: at most twice */
			pfi -= rxq->nb_desc;
		pfm = &rxq->sw_ring[pfi];
	}
	while (nb_scan < n) {
		struct hm_mbuf *m;
		enum drop_reason bad;
		uint64_t q1;
		uint32_t len;

		if (!discard && nb_scan + 4 <= n) {
			const unsigned int g = vec_run(&c, d, rxep + nb_scan, pkts + nb_rx,
						       (n - nb_scan) / 4, &bytes, pfm + nb_scan);

			nb_scan += 4 * g;
			nb_rx += 4 * g;
			d += 4 * g * c.dsz;
			if (nb_scan == n)
				break;
		}
		/* one descriptor, by the bulk path's rules */
		q1 = hm_i40e_rx_desc_qw1_load(d);
		if (!(q1 & HM_I40E_RXD_DD))
			break;
		__builtin_prefetch(pfm[nb_scan], 1, 3);
		m = rxep[nb_scan];
		rxep[nb_scan] = NULL; /* scanned: NULL until refilled */
		len = hm_i40e_rxd_pbuf_len(q1);
		bad = bad_desc(rxq, q1, len);
		if (HM_UNLIKELY(discard)) {
			/* the rest of a frame already counted as dropped */
			if (q1 & HM_I40E_RXD_EOF)
				discard = 0;
			bad = DROP_SKIP;
		} else if (HM_UNLIKELY(bad != DROP_NONE) && frame_goes_on(rxq, q1, len)) {
			discard = 1;
		}
		if (HM_UNLIKELY(bad != DROP_NONE)) {
			why[nd] = (uint8_t)bad;
			drop[nd++] = m;
			dropped |= 1u << nb_scan;
		} else {
			i40e_fill(m, c.init, c.pt, hm_i40e_rx_desc_qw_get(d, 0), q1, len);
			bytes += len;
			pkts[nb_rx++] = m;
		}
		nb_scan++;
		d += c.dsz;
	}
	for (unsigned int k = nb_scan; k < HM_I40E_RX_MAX_BURST; k++)
		__builtin_prefetch(pfm[k], 1, 3);
	if (nb_scan == 0)
		return 0;
	rxq->rx_tail = (uint16_t)(old_tail + nb_scan);
	if (rxq->rx_tail > rxq->rx_free_trigger && HM_UNLIKELY(vec_refill(rxq, c.dsz) < 0)) {
		/* every mbuf back in its slot: the packets stay on the ring */
		unsigned int r = 0, k = 0;

		I40E_ST_ADD(rxq->st.rx_nombuf, rxq->rx_free_thresh);
		rxq->rx_tail = old_tail;
		for (unsigned int i = 0; i < nb_scan; i++)
			rxep[i] = (dropped >> i) & 1 ? drop[k++] : pkts[r++];
		return 0;
	}
	if (HM_UNLIKELY(nd != 0))
		i40e_commit_drops(rxq, drop, why, nd);
	rxq->discard = discard;
	if (rxq->rx_tail >= rxq->nb_desc)
		rxq->rx_tail = 0;
	I40E_ST_ADD(rxq->st.bytes, bytes);
	I40E_ST_ADD(rxq->st.packets, nb_rx);
	return (uint16_t)nb_rx;
}

HM_INTERNAL uint16_t
VEC_FN(struct hm_i40e_rxq *rxq, struct hm_mbuf **pkts, uint16_t n)
{
	if (rxq->dshift == 5)
		return vec_recv(rxq, pkts, n, 32);
	return vec_recv(rxq, pkts, n, 16);
}
