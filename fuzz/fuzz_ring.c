/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring operations from bytes against a FIFO model, on a ring laid out with
 * hm_ring_init_elem in a malloc'ed buffer (no hm_init needed). The first two
 * bytes pick the sync modes, EXACT_SZ, the element size and the count; then
 * every two bytes are one operation: bulk or burst enqueue / dequeue through the
 * default or the explicit-mode functions, single enqueue / dequeue, reset, or a
 * reset to an index near 2^32 (so the wrap is crossed). After each operation the
 * returned count, the free_space / available output, count / free_count / full /
 * empty and hm_ring_check must agree with the model, and dequeued elements must
 * be the model's, byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/ring.h"

#define MAX_SLOTS 64u
#define MAX_ESIZE 24u
#define MAX_N (MAX_SLOTS + 4)

static const unsigned int modes[] = {
	0,
	HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ,
	HM_RING_F_MP_RTS_ENQ | HM_RING_F_MC_RTS_DEQ,
	HM_RING_F_MP_HTS_ENQ | HM_RING_F_MC_HTS_DEQ,
	HM_RING_F_SP_ENQ | HM_RING_F_MC_HTS_DEQ,
	HM_RING_F_MP_RTS_ENQ | HM_RING_F_SC_DEQ,
	HM_RING_F_MP_HTS_ENQ | HM_RING_F_MC_RTS_DEQ,
	HM_RING_F_SC_DEQ,
};

static void
elem(uint8_t *dst, unsigned int esize, uint32_t tok)
{
	for (unsigned int w = 0; w < esize / 4; w++) {
		uint32_t v = tok * 0x9e3779b1u ^ w;
		memcpy(dst + 4 * w, &v, 4);
	}
}

static unsigned int
enq(struct hm_ring *r, unsigned int how, const void *b, unsigned int es, unsigned int n,
    unsigned int *fs)
{
	uint32_t st = r->prod.sync_type;

	switch (how) {
	case 0:
		return hm_ring_enqueue_bulk_elem(r, b, es, n, fs);
	case 1:
		return hm_ring_enqueue_burst_elem(r, b, es, n, fs);
	case 2:
		if (st == HM_RING_SYNC_ST)
			return hm_ring_sp_enqueue_bulk_elem(r, b, es, n, fs);
		if (st == HM_RING_SYNC_MT_RTS)
			return hm_ring_mp_rts_enqueue_bulk_elem(r, b, es, n, fs);
		if (st == HM_RING_SYNC_MT_HTS)
			return hm_ring_mp_hts_enqueue_bulk_elem(r, b, es, n, fs);
		return hm_ring_mp_enqueue_bulk_elem(r, b, es, n, fs);
	default:
		if (st == HM_RING_SYNC_ST)
			return hm_ring_sp_enqueue_burst_elem(r, b, es, n, fs);
		if (st == HM_RING_SYNC_MT_RTS)
			return hm_ring_mp_rts_enqueue_burst_elem(r, b, es, n, fs);
		if (st == HM_RING_SYNC_MT_HTS)
			return hm_ring_mp_hts_enqueue_burst_elem(r, b, es, n, fs);
		return hm_ring_mp_enqueue_burst_elem(r, b, es, n, fs);
	}
}

static unsigned int
deq(struct hm_ring *r, unsigned int how, void *b, unsigned int es, unsigned int n,
    unsigned int *av)
{
	uint32_t st = r->cons.sync_type;

	switch (how) {
	case 0:
		return hm_ring_dequeue_bulk_elem(r, b, es, n, av);
	case 1:
		return hm_ring_dequeue_burst_elem(r, b, es, n, av);
	case 2:
		if (st == HM_RING_SYNC_ST)
			return hm_ring_sc_dequeue_bulk_elem(r, b, es, n, av);
		if (st == HM_RING_SYNC_MT_RTS)
			return hm_ring_mc_rts_dequeue_bulk_elem(r, b, es, n, av);
		if (st == HM_RING_SYNC_MT_HTS)
			return hm_ring_mc_hts_dequeue_bulk_elem(r, b, es, n, av);
		return hm_ring_mc_dequeue_bulk_elem(r, b, es, n, av);
	default:
		if (st == HM_RING_SYNC_ST)
			return hm_ring_sc_dequeue_burst_elem(r, b, es, n, av);
		if (st == HM_RING_SYNC_MT_RTS)
			return hm_ring_mc_rts_dequeue_burst_elem(r, b, es, n, av);
		if (st == HM_RING_SYNC_MT_HTS)
			return hm_ring_mc_hts_dequeue_burst_elem(r, b, es, n, av);
		return hm_ring_mc_dequeue_burst_elem(r, b, es, n, av);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[MAX_N * MAX_ESIZE], want[MAX_ESIZE];
	uint32_t fifo[MAX_SLOTS], fhead = 0, flen = 0, next = 1;
	unsigned int flags, esize, count, cap;
	struct hm_ring *r;
	const char *why;
	ssize_t memsz;

	if (size < 2 || size > 1 << 14)
		return 0;
	flags = modes[data[0] % 8] | ((data[0] & 8) ? HM_RING_F_EXACT_SZ : 0);
	esize = 4 * (1 + data[1] % (MAX_ESIZE / 4));
	if (flags & HM_RING_F_EXACT_SZ)
		count = 1 + (data[1] >> 3) % (MAX_SLOTS - 1);      /* 1..63 */
	else
		count = 1u << ((data[1] >> 3) % 7);                /* 1..64 */
	memsz = hm_ring_get_memsize_elem(esize, MAX_SLOTS);
	if (memsz <= 0)
		abort();
	r = aligned_alloc(64, (size_t)memsz);
	if (r == NULL)
		return 0;
	if (hm_ring_init_elem(r, "fuzz", esize, count, flags) != 0 || hm_ring_check(r, &why) != 0)
		abort();
	cap = hm_ring_get_capacity(r);
	if (cap > MAX_SLOTS - 1 || hm_ring_get_size(r) > MAX_SLOTS)
		abort();

	for (size_t i = 2; i + 2 <= size; i += 2) {
		unsigned int op = data[i] & 15, how = (data[i] >> 4) & 3, n = data[i + 1] % (MAX_N + 1);
		unsigned int got, room = 0xdead, expect;

		switch (op) {
		case 0: case 1: case 2: case 3: case 4: case 5: /* enqueue n */
			if (op >= 4)
				n = 1 + n % 8;
			for (unsigned int k = 0; k < n; k++)
				elem(buf + k * esize, esize, next + k);
			/* odd ops ask for no free_space: the cached consumer tail is used */
			got = enq(r, how, buf, esize, n, op % 2 ? NULL : &room);
			if (op % 2)
				room = cap - flen - (got <= cap - flen ? got : 0);
			expect = n <= cap - flen ? n : (how % 2 == 0 ? 0 : cap - flen);
			if (got != expect || room != cap - flen - got)
				abort();
			for (unsigned int k = 0; k < got; k++)
				fifo[(fhead + flen++) % MAX_SLOTS] = next + k;
			next += got;
			break;
		case 6: case 7: case 8: case 9: case 10: case 11: /* dequeue n */
			if (op >= 10)
				n = 1 + n % 8;
			got = deq(r, how, buf, esize, n, op % 2 ? NULL : &room);
			if (op % 2)
				room = flen - (got <= flen ? got : 0);
			expect = n <= flen ? n : (how % 2 == 0 ? 0 : flen);
			if (got != expect || room != flen - got)
				abort();
			for (unsigned int k = 0; k < got; k++) {
				elem(want, esize, fifo[fhead]);
				fhead = (fhead + 1) % MAX_SLOTS;
				flen--;
				if (memcmp(buf + k * esize, want, esize) != 0)
					abort();
			}
			break;
		case 12: /* single enqueue */
			elem(buf, esize, next);
			got = hm_ring_enqueue_elem(r, buf, esize) == 0;
			if (got != (flen < cap))
				abort();
			if (got)
				fifo[(fhead + flen++) % MAX_SLOTS] = next++;
			break;
		case 13: /* single dequeue */
			got = hm_ring_dequeue_elem(r, buf, esize) == 0;
			if (got != (flen > 0))
				abort();
			if (got) {
				elem(want, esize, fifo[fhead]);
				fhead = (fhead + 1) % MAX_SLOTS;
				flen--;
				if (memcmp(buf, want, esize) != 0)
					abort();
			}
			break;
		case 14: /* reset */
			hm_ring_reset(r);
			fhead = flen = 0;
			break;
		default: /* reset near the wrap */
			hm_ring_reset_at(r, UINT32_MAX - data[i + 1]);
			fhead = flen = 0;
			break;
		}
		if (hm_ring_count(r) != flen || hm_ring_free_count(r) != cap - flen ||
		    hm_ring_empty(r) != (flen == 0) || hm_ring_full(r) != (flen == cap))
			abort();
		if (hm_ring_check(r, &why) != 0)
			abort();
	}
	free(r);
	return 0;
}
