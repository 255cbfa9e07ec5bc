/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's rings (rte_ring.h, rte_ring_elem.h, RTS / HTS, peek and
 * zero-copy): DPDK's documented errors for bad input, the capacity rules,
 * every enqueue / dequeue family against a FIFO model, element rings across
 * the index wrap, the peek and zero-copy protocols on ST and HTS sides, and
 * HTS peek between two worker lcores. Runs on emu.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_launch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dpdk_test.h"
#include "hugemem/ring.h"

static void
assert_ring_ok(const struct rte_ring *r)
{
	const char *why = NULL;

	if (hm_ring_check(RTE_RING_HM_CONST(r), &why) != 0)
		fail_msg("ring '%s': %s", r->name, why != NULL ? why : "?");
}

/* ---------------------------------------------------------------- errors */

static void
test_dpdk_ring_invalid_args(void **state)
{
	char name[64];
	struct rte_ring *r;
	void *mem;
	(void)state;

	/* sizes: not a power of two, 0 (DPDK takes it for one), too big, bad esize */
	assert_int_equal(rte_ring_get_memsize(3), -EINVAL);
	assert_int_equal(rte_ring_get_memsize(0), -EINVAL);
	assert_int_equal(rte_ring_get_memsize(1u << 31), -EINVAL);
	assert_int_equal(rte_ring_get_memsize_elem(6, 16), -EINVAL);
	assert_int_equal(rte_ring_get_memsize_elem(0, 16), -EINVAL);
	assert_int_equal(rte_ring_get_memsize(16), 384 + 16 * 8);
	assert_int_equal(rte_ring_get_memsize_elem(4, 1), 448); /* 388 rounded up to 64 */

	mem = rte_zmalloc("ring", rte_ring_get_memsize(16), 64);
	assert_non_null(mem);
	assert_int_equal(rte_ring_init(NULL, "x", 16, 0), -EINVAL);
	assert_int_equal(rte_ring_init(mem, NULL, 16, 0), -EINVAL);
	assert_int_equal(rte_ring_init(mem, "x", 15, 0), -EINVAL);
	assert_int_equal(rte_ring_init(mem, "x", 16, 0x80), -EINVAL);
	assert_int_equal(rte_ring_init(mem, "x", 16, RING_F_SP_ENQ | RING_F_MP_HTS_ENQ), -EINVAL);
	assert_int_equal(rte_ring_init(mem, "x", 16, RING_F_MC_RTS_DEQ | RING_F_MC_HTS_DEQ),
			 -EINVAL);
	memset(name, 'n', sizeof(name));
	name[RTE_RING_NAMESIZE] = '\0'; /* 29 characters: one too many */
	assert_int_equal(rte_ring_init(mem, name, 16, 0), -ENAMETOOLONG);
	assert_int_equal(rte_ring_init((struct rte_ring *)((char *)mem + 8), "x", 16, 0), -EINVAL);
	rte_free(mem);

	assert_null_errno(rte_ring_create("r", 3, SOCKET_ID_ANY, 0), EINVAL);
	assert_null_errno(rte_ring_create("r", 0, SOCKET_ID_ANY, 0), EINVAL);
	assert_null_errno(rte_ring_create("r", 1u << 31, SOCKET_ID_ANY, 0), EINVAL);
	/* EXACT_SZ: 2^30 - 1 is the largest; DPDK wraps 2^31 to a ring of size 0 */
	assert_null_errno(rte_ring_create("r", 1u << 30, SOCKET_ID_ANY, RING_F_EXACT_SZ), EINVAL);
	assert_null_errno(rte_ring_create("r", 1u << 31, SOCKET_ID_ANY, RING_F_EXACT_SZ), EINVAL);
	assert_null_errno(rte_ring_create("r", 0xffffffffu, SOCKET_ID_ANY, RING_F_EXACT_SZ), EINVAL);
	assert_null_errno(rte_ring_create_elem("r", 6, 16, SOCKET_ID_ANY, 0), EINVAL);
	assert_null_errno(rte_ring_create(name, 16, SOCKET_ID_ANY, 0), ENAMETOOLONG);
	/* invalid flags: refused before anything is reserved (DPDK leaves a half-built ring) */
	assert_null_errno(rte_ring_create("r", 16, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_MP_RTS_ENQ),
			  EINVAL);
	assert_null_errno(rte_ring_create("r", 16, SOCKET_ID_ANY, 0x100), EINVAL);
	assert_null_errno(rte_memzone_lookup("RG_r"), ENOENT);
	/* a node without memory: ENOMEM, as DPDK */
	assert_null_errno(rte_ring_create("r", 16, 5, 0), ENOMEM);
	assert_null_errno(rte_ring_lookup("r"), ENOENT);
	assert_null_errno(rte_ring_lookup(name), ENOENT);

	r = rte_ring_create("r", 16, SOCKET_ID_ANY, 0);
	assert_non_null(r);
	assert_null_errno(rte_ring_create("r", 16, SOCKET_ID_ANY, 0), EEXIST);
	assert_ptr_equal(rte_ring_lookup("r"), r);
	/* RTS distance on sides that are not RTS */
	assert_int_equal(rte_ring_set_prod_htd_max(r, 1), -ENOTSUP);
	assert_int_equal(rte_ring_set_cons_htd_max(r, 1), -ENOTSUP);
	assert_int_equal(rte_ring_get_prod_htd_max(r), UINT32_MAX);
	assert_int_equal(rte_ring_get_cons_htd_max(r), UINT32_MAX);
	rte_ring_free(r);
	assert_null_errno(rte_ring_lookup("r"), ENOENT);
	rte_ring_free(NULL);
}

/* ---------------------------------------------------------------- capacity */

static void
test_dpdk_ring_capacity(void **state)
{
	static const unsigned int exact[] = { 1, 2, 3, 7, 8, 100, 1023, 1024 };
	void *objs[2048];
	struct rte_ring *r;
	(void)state;

	for (unsigned int i = 0; i < 2048; i++)
		objs[i] = (void *)(uintptr_t)(i + 1);
	for (unsigned int c = 1; c <= 1024; c <<= 1) {
		r = rte_ring_create("cap", c, SOCKET_ID_ANY, 0);
		assert_non_null(r);
		assert_int_equal(rte_ring_get_size(r), c);
		assert_int_equal(rte_ring_get_capacity(r), c - 1);
		assert_int_equal(r->mask, c - 1);
		assert_int_equal(rte_ring_enqueue_burst(r, objs, 2048, NULL), c - 1);
		assert_int_equal(rte_ring_full(r), 1);
		assert_ring_ok(r);
		rte_ring_free(r);
	}
	for (unsigned int i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		unsigned int free_space = 99;
		r = rte_ring_create("cap", exact[i], SOCKET_ID_ANY, RING_F_EXACT_SZ);
		assert_non_null(r);
		assert_int_equal(rte_ring_get_capacity(r), exact[i]);
		assert_int_equal(rte_ring_get_size(r), rte_align32pow2(exact[i] + 1));
		assert_int_equal(rte_ring_enqueue_burst(r, objs, 2048, &free_space), exact[i]);
		assert_int_equal(free_space, 0);
		assert_int_equal(rte_ring_count(r), exact[i]);
		assert_int_equal(rte_ring_free_count(r), 0);
		assert_ring_ok(r);
		rte_ring_free(r);
	}
}

/* ---------------------------------------------------------------- FIFO model */

enum fam { FAM_DEFAULT, FAM_MPMC, FAM_SPSC, FAM_RTS, FAM_HTS, FAM_N };

static unsigned int
enq(struct rte_ring *r, enum fam f, void *const *o, unsigned int n, int burst, unsigned int *fs)
{
	switch (f) {
	case FAM_MPMC:
		return burst ? rte_ring_mp_enqueue_burst(r, o, n, fs) : rte_ring_mp_enqueue_bulk(r, o, n, fs);
	case FAM_SPSC:
		return burst ? rte_ring_sp_enqueue_burst(r, o, n, fs) : rte_ring_sp_enqueue_bulk(r, o, n, fs);
	case FAM_RTS:
		return burst ? rte_ring_mp_rts_enqueue_burst(r, o, n, fs) :
			       rte_ring_mp_rts_enqueue_bulk(r, o, n, fs);
	case FAM_HTS:
		return burst ? rte_ring_mp_hts_enqueue_burst(r, o, n, fs) :
			       rte_ring_mp_hts_enqueue_bulk(r, o, n, fs);
	default:
		return burst ? rte_ring_enqueue_burst(r, o, n, fs) : rte_ring_enqueue_bulk(r, o, n, fs);
	}
}

static unsigned int
deq(struct rte_ring *r, enum fam f, void **o, unsigned int n, int burst, unsigned int *av)
{
	switch (f) {
	case FAM_MPMC:
		return burst ? rte_ring_mc_dequeue_burst(r, o, n, av) : rte_ring_mc_dequeue_bulk(r, o, n, av);
	case FAM_SPSC:
		return burst ? rte_ring_sc_dequeue_burst(r, o, n, av) : rte_ring_sc_dequeue_bulk(r, o, n, av);
	case FAM_RTS:
		return burst ? rte_ring_mc_rts_dequeue_burst(r, o, n, av) :
			       rte_ring_mc_rts_dequeue_bulk(r, o, n, av);
	case FAM_HTS:
		return burst ? rte_ring_mc_hts_dequeue_burst(r, o, n, av) :
			       rte_ring_mc_hts_dequeue_bulk(r, o, n, av);
	default:
		return burst ? rte_ring_dequeue_burst(r, o, n, av) : rte_ring_dequeue_bulk(r, o, n, av);
	}
}

static const unsigned int fam_flags[FAM_N] = {
	[FAM_DEFAULT] = 0,
	[FAM_MPMC] = 0,
	[FAM_SPSC] = RING_F_SP_ENQ | RING_F_SC_DEQ,
	[FAM_RTS] = RING_F_MP_RTS_ENQ | RING_F_MC_RTS_DEQ,
	[FAM_HTS] = RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ,
};

static void
test_dpdk_ring_fifo_model(void **state)
{
	uint64_t seed = hm_test_seed();
	(void)state;

	for (int f = 0; f < FAM_N; f++) {
		struct rte_ring *r = rte_ring_create("fifo", 64, SOCKET_ID_ANY, fam_flags[f]);
		uintptr_t next_in = 1, next_out = 1;
		void *buf[80];

		assert_non_null(r);
		assert_int_equal(rte_ring_is_prod_single(r), f == FAM_SPSC);
		assert_int_equal(rte_ring_is_cons_single(r), f == FAM_SPSC);
		assert_int_equal(rte_ring_get_prod_sync_type(r),
				 f == FAM_SPSC ? RTE_RING_SYNC_ST : f == FAM_RTS ? RTE_RING_SYNC_MT_RTS :
				 f == FAM_HTS ? RTE_RING_SYNC_MT_HTS : RTE_RING_SYNC_MT);
		/* start near the 32-bit wrap of the indexes */
		hm_ring_reset_at(RTE_RING_HM(r), UINT32_MAX - 100);
		for (int op = 0; op < 3000; op++) {
			unsigned int in_ring = (unsigned int)(next_in - next_out), room, n, got;
			unsigned int left = 12345;
			int burst = (int)(hm_test_rand(&seed) & 1);

			n = (unsigned int)(hm_test_rand(&seed) % 80);
			if (hm_test_rand(&seed) & 1) {
				room = 63 - in_ring;
				for (unsigned int i = 0; i < n; i++)
					buf[i] = (void *)(next_in + i);
				got = enq(r, (enum fam)f, buf, n, burst, &left);
				assert_int_equal(got, n <= room ? n : burst ? room : 0);
				assert_int_equal(left, room - got);
				next_in += got;
			} else {
				got = deq(r, (enum fam)f, buf, n, burst, &left);
				assert_int_equal(got, n <= in_ring ? n : burst ? in_ring : 0);
				assert_int_equal(left, in_ring - got);
				for (unsigned int i = 0; i < got; i++)
					assert_ptr_equal(buf[i], (void *)(next_out + i));
				next_out += got;
			}
			assert_int_equal(rte_ring_count(r), next_in - next_out);
			assert_int_equal(rte_ring_free_count(r), 63 - (next_in - next_out));
			assert_int_equal(rte_ring_empty(r), next_in == next_out);
			assert_int_equal(rte_ring_full(r), next_in - next_out == 63);
		}
		assert_ring_ok(r);
		rte_ring_free(r);
	}
}

static void
test_dpdk_ring_single(void **state)
{
	struct rte_ring *r = rte_ring_create("one", 4, SOCKET_ID_ANY, 0);
	void *o = NULL;
	(void)state;

	assert_non_null(r);
	assert_int_equal(rte_ring_dequeue(r, &o), -ENOENT);
	assert_int_equal(rte_ring_enqueue(r, (void *)1), 0);
	assert_int_equal(rte_ring_mp_enqueue(r, (void *)2), 0);
	assert_int_equal(rte_ring_sp_enqueue(r, (void *)3), 0);
	assert_int_equal(rte_ring_enqueue(r, (void *)4), -ENOBUFS);
	assert_int_equal(rte_ring_dequeue(r, &o), 0);
	assert_ptr_equal(o, (void *)1);
	assert_int_equal(rte_ring_mc_dequeue(r, &o), 0);
	assert_ptr_equal(o, (void *)2);
	assert_int_equal(rte_ring_sc_dequeue(r, &o), 0);
	assert_ptr_equal(o, (void *)3);
	assert_int_equal(rte_ring_sc_dequeue(r, &o), -ENOENT);
	assert_int_equal(rte_ring_enqueue(r, (void *)5), 0);
	rte_ring_reset(r);
	assert_int_equal(rte_ring_count(r), 0);
	assert_int_equal(rte_ring_empty(r), 1);
	rte_ring_free(r);
}

/* ---------------------------------------------------------------- elements */

struct elem16 {
	uint64_t a, b;
};

static void
test_dpdk_ring_elem(void **state)
{
	struct rte_ring *r = rte_ring_create_elem("e16", sizeof(struct elem16), 32, SOCKET_ID_ANY,
						  RING_F_SP_ENQ | RING_F_SC_DEQ);
	struct elem16 in[40], out[40], one = { 7, 8 };
	unsigned int fs = 0, av = 0;
	uint64_t k = 0, j = 0;
	(void)state;

	assert_non_null(r);
	assert_int_equal(rte_ring_get_capacity(r), 31);
	/* many rounds across the slot array's end: the copy splits at the wrap */
	for (int round = 0; round < 50; round++) {
		unsigned int n = 1 + (unsigned int)round % 29;
		for (unsigned int i = 0; i < n; i++)
			in[i] = (struct elem16){ k + i, ~(k + i) };
		assert_int_equal(rte_ring_sp_enqueue_bulk_elem(r, in, sizeof(in[0]), n, &fs), n);
		assert_int_equal(fs, 31 - n);
		k += n;
		assert_int_equal(rte_ring_sc_dequeue_burst_elem(r, out, sizeof(out[0]), 40, &av), n);
		assert_int_equal(av, 0);
		for (unsigned int i = 0; i < n; i++, j++) {
			assert_int_equal(out[i].a, j);
			assert_int_equal(out[i].b, ~j);
		}
	}
	assert_int_equal(rte_ring_enqueue_elem(r, &one, sizeof(one)), 0);
	assert_int_equal(rte_ring_sp_enqueue_elem(r, &one, sizeof(one)), 0);
	assert_int_equal(rte_ring_mp_enqueue_bulk_elem(r, in, sizeof(in[0]), 30, NULL), 0); /* bulk: none */
	assert_int_equal(rte_ring_enqueue_burst_elem(r, in, sizeof(in[0]), 30, NULL), 29);
	assert_int_equal(rte_ring_enqueue_elem(r, &one, sizeof(one)), -ENOBUFS);
	assert_int_equal(rte_ring_dequeue_elem(r, &out[0], sizeof(out[0])), 0);
	assert_int_equal(out[0].a, 7);
	assert_int_equal(rte_ring_sc_dequeue_elem(r, &out[0], sizeof(out[0])), 0);
	assert_int_equal(rte_ring_dequeue_bulk_elem(r, out, sizeof(out[0]), 30, NULL), 0);
	assert_int_equal(rte_ring_dequeue_bulk_elem(r, out, sizeof(out[0]), 29, NULL), 29);
	assert_int_equal(rte_ring_mc_dequeue_elem(r, &out[0], sizeof(out[0])), -ENOENT);
	assert_ring_ok(r);
	rte_ring_free(r);
}

/* ---------------------------------------------------------------- RTS / HTS */

static void
test_dpdk_ring_rts_hts(void **state)
{
	struct rte_ring *r;
	(void)state;

	r = rte_ring_create("rts", 256, SOCKET_ID_ANY, RING_F_MP_RTS_ENQ | RING_F_MC_RTS_DEQ);
	assert_non_null(r);
	assert_int_equal(r->rts_prod.sync_type, RTE_RING_SYNC_MT_RTS);
	assert_int_equal(rte_ring_get_prod_htd_max(r), 255 / 8);
	assert_int_equal(rte_ring_get_cons_htd_max(r), 255 / 8);
	assert_int_equal(rte_ring_set_prod_htd_max(r, 3), 0);
	assert_int_equal(rte_ring_get_prod_htd_max(r), 3);
	assert_int_equal(r->rts_prod.htd_max, 3);
	/* no limit, for DPDK: stored as the capacity */
	assert_int_equal(rte_ring_set_cons_htd_max(r, UINT32_MAX), 0);
	assert_int_equal(rte_ring_get_cons_htd_max(r), 255);
	rte_ring_free(r);

	r = rte_ring_create("hts", 8, SOCKET_ID_ANY, RING_F_MP_HTS_ENQ);
	assert_non_null(r);
	assert_int_equal(r->hts_prod.sync_type, RTE_RING_SYNC_MT_HTS);
	assert_int_equal(r->cons.sync_type, RTE_RING_SYNC_MT);
	assert_int_equal(rte_ring_set_prod_htd_max(r, 1), -ENOTSUP);
	assert_int_equal(rte_ring_enqueue(r, (void *)9), 0);
	assert_int_equal(r->hts_prod.ht.pos.head, 1);
	assert_int_equal(r->hts_prod.ht.pos.tail, 1);
	assert_int_equal(r->prod.tail, 1); /* DPDK code reads prod.tail on any side */
	rte_ring_free(r);
}

/* ---------------------------------------------------------------- peek */

static void
test_dpdk_ring_peek(void **state)
{
	static const unsigned int modes[] = { RING_F_SP_ENQ | RING_F_SC_DEQ,
					      RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ };
	void *objs[8], *out[8];
	unsigned int fs = 0, av = 0;
	(void)state;

	for (unsigned int i = 0; i < 8; i++)
		objs[i] = (void *)(uintptr_t)(0x100 + i);
	for (unsigned int m = 0; m < 2; m++) {
		struct rte_ring *r = rte_ring_create("peek", 8, SOCKET_ID_ANY, modes[m]);
		assert_non_null(r);
		hm_ring_reset_at(RTE_RING_HM(r), UINT32_MAX - 2);

		/* reserve 5, publish 3: the other 2 slots are given back */
		assert_int_equal(rte_ring_enqueue_bulk_start(r, 5, &fs), 5);
		assert_int_equal(fs, 2);
		assert_int_equal(rte_ring_count(r), 0); /* nothing visible yet */
		rte_ring_enqueue_finish(r, objs, 3);
		assert_int_equal(rte_ring_count(r), 3);
		assert_int_equal(rte_ring_enqueue_bulk_start(r, 5, NULL), 0); /* 4 free */
		assert_int_equal(rte_ring_enqueue_burst_start(r, 5, &fs), 4);
		assert_int_equal(fs, 0);
		rte_ring_enqueue_finish(r, objs + 3, 4);
		assert_int_equal(rte_ring_count(r), 7);

		/* peek 2 and keep them, then take 1 of 3 */
		assert_int_equal(rte_ring_dequeue_bulk_start(r, out, 2, &av), 2);
		assert_int_equal(av, 5);
		assert_ptr_equal(out[0], objs[0]);
		assert_ptr_equal(out[1], objs[1]);
		rte_ring_dequeue_finish(r, 0);
		assert_int_equal(rte_ring_count(r), 7);
		assert_int_equal(rte_ring_dequeue_burst_start(r, out, 3, NULL), 3);
		rte_ring_dequeue_finish(r, 1);
		assert_int_equal(rte_ring_count(r), 6);
		assert_int_equal(rte_ring_dequeue_bulk_start(r, out, 7, NULL), 0);
		assert_int_equal(rte_ring_dequeue_burst_start(r, out, 8, &av), 6);
		assert_int_equal(av, 0);
		for (unsigned int i = 0; i < 6; i++)
			assert_ptr_equal(out[i], objs[1 + i]);
		rte_ring_dequeue_finish(r, 6);
		assert_int_equal(rte_ring_empty(r), 1);
		assert_ring_ok(r);
		rte_ring_free(r);
	}

	/* MT and RTS sides: start gives nothing, finish does nothing */
	struct rte_ring *r = rte_ring_create("peekmt", 8, SOCKET_ID_ANY, RING_F_MC_RTS_DEQ);
	assert_non_null(r);
	assert_int_equal(rte_ring_enqueue_bulk_start(r, 1, NULL), 0);
	rte_ring_enqueue_finish(r, objs, 0);
	assert_int_equal(rte_ring_enqueue_bulk(r, objs, 2, NULL), 2);
	assert_int_equal(rte_ring_dequeue_bulk_start(r, out, 1, NULL), 0);
	rte_ring_dequeue_finish(r, 1);
	assert_int_equal(rte_ring_count(r), 2);
	assert_ring_ok(r);
	rte_ring_free(r);
}

/*
 * An ST side's peek start reads the other side's tail and refreshes the side's
 * cached view of it (hugemem's other_tail) as every head move does: a ring
 * used through peek alone for 2^32 - capacity objects would otherwise keep a
 * view that, read modulo 2^32, is ahead of the other side's tail, and the next
 * ordinary enqueue or dequeue would see room that is not there. The stale
 * views are set directly (6 ahead: what that drift leaves).
 */
static void
test_dpdk_ring_peek_refreshes_view(void **state)
{
	void *objs[16], *out[16];
	(void)state;

	for (unsigned int i = 0; i < 16; i++)
		objs[i] = (void *)(uintptr_t)(0x200 + i);
	struct rte_ring *r = rte_ring_create("peekview", 8, SOCKET_ID_ANY,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(r);
	struct hm_ring *h = RTE_RING_HM(r);
	hm_ring_reset_at(h, UINT32_MAX - 3);
	assert_int_equal(rte_ring_enqueue_bulk(r, objs, 5, NULL), 5);

	/* producer: a peek start and finish, then the ordinary path */
	__atomic_store_n(&h->prod.other_tail, h->cons.tail + 6, __ATOMIC_RELAXED);
	assert_int_equal(rte_ring_enqueue_bulk_start(r, 1, NULL), 1);
	rte_ring_enqueue_finish(r, objs + 5, 1);
	assert_int_equal(h->prod.other_tail, h->cons.tail);
	assert_int_equal(rte_ring_enqueue_burst(r, objs + 6, 10, NULL), 1); /* 7 - 6 */
	assert_int_equal(rte_ring_count(r), 7);
	assert_ring_ok(r);

	/* consumer: the same */
	__atomic_store_n(&h->cons.other_tail, h->prod.tail + 6, __ATOMIC_RELAXED);
	assert_int_equal(rte_ring_dequeue_bulk_start(r, out, 2, NULL), 2);
	rte_ring_dequeue_finish(r, 2);
	assert_int_equal(h->cons.other_tail, h->prod.tail);
	assert_int_equal(rte_ring_dequeue_burst(r, out + 2, 16, NULL), 5);
	for (unsigned int i = 0; i < 7; i++)
		assert_ptr_equal(out[i], objs[i]);
	assert_int_equal(rte_ring_empty(r), 1);
	assert_ring_ok(r);
	rte_ring_free(r);
}

static void
test_dpdk_ring_peek_elem(void **state)
{
	struct rte_ring *r = rte_ring_create_elem("pe", 12, 16, SOCKET_ID_ANY,
						  RING_F_SP_ENQ | RING_F_MC_HTS_DEQ);
	uint32_t in[3 * 10], out[3 * 10];
	(void)state;

	assert_non_null(r);
	for (unsigned int i = 0; i < 30; i++)
		in[i] = i * 7;
	hm_ring_reset_at(RTE_RING_HM(r), 10); /* slots 10..15 then 0..3 */
	assert_int_equal(rte_ring_enqueue_bulk_elem_start(r, 10, NULL), 10);
	rte_ring_enqueue_elem_finish(r, in, 12, 10);
	assert_int_equal(rte_ring_dequeue_burst_elem_start(r, out, 12, 10, NULL), 10);
	assert_memory_equal(out, in, sizeof(in));
	rte_ring_dequeue_elem_finish(r, 10);
	assert_int_equal(rte_ring_count(r), 0);
	assert_ring_ok(r);
	rte_ring_free(r);
}

/* ---------------------------------------------------------------- zero copy */

static void
test_dpdk_ring_zc(void **state)
{
	static const unsigned int modes[] = { RING_F_SP_ENQ | RING_F_SC_DEQ,
					      RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ };
	struct rte_ring_zc_data zcd;
	unsigned int fs = 0, av = 0;
	(void)state;

	for (unsigned int m = 0; m < 2; m++) {
		struct rte_ring *r = rte_ring_create("zc", 8, SOCKET_ID_ANY, modes[m]);
		void **slots = (void **)(void *)&r[1];

		assert_non_null(r);
		hm_ring_reset_at(RTE_RING_HM(r), 5); /* 3 slots before the wrap */
		memset(&zcd, 0, sizeof(zcd));
		assert_int_equal(rte_ring_enqueue_zc_bulk_start(r, 5, &zcd, &fs), 5);
		assert_int_equal(fs, 2);
		assert_ptr_equal(zcd.ptr1, &slots[5]);
		assert_int_equal(zcd.n1, 3);
		assert_ptr_equal(zcd.ptr2, &slots[0]);
		for (unsigned int i = 0; i < zcd.n1; i++)
			((void **)zcd.ptr1)[i] = (void *)(uintptr_t)(i + 1);
		for (unsigned int i = 0; i < 5 - zcd.n1; i++)
			((void **)zcd.ptr2)[i] = (void *)(uintptr_t)(zcd.n1 + i + 1);
		rte_ring_enqueue_zc_finish(r, 4); /* the 5th is given back */
		assert_int_equal(rte_ring_count(r), 4);

		assert_int_equal(rte_ring_dequeue_zc_bulk_start(r, 5, &zcd, NULL), 0);
		assert_int_equal(rte_ring_dequeue_zc_burst_start(r, 5, &zcd, &av), 4);
		assert_int_equal(av, 0);
		assert_int_equal(zcd.n1, 3);
		assert_ptr_equal(((void **)zcd.ptr1)[0], (void *)1);
		assert_ptr_equal(((void **)zcd.ptr2)[0], (void *)4);
		rte_ring_dequeue_zc_finish(r, 2);
		assert_int_equal(rte_ring_count(r), 2);
		assert_int_equal(rte_ring_dequeue_zc_bulk_start(r, 2, &zcd, NULL), 2);
		assert_ptr_equal(((void **)zcd.ptr1)[0], (void *)3); /* slot 7 */
		assert_int_equal(zcd.n1, 1);
		assert_ptr_equal(zcd.ptr2, &slots[0]);
		assert_ptr_equal(((void **)zcd.ptr2)[0], (void *)4);
		rte_ring_dequeue_zc_finish(r, 2);

		/* no wrap: ptr2 is NULL and n1 the whole reservation */
		assert_int_equal(rte_ring_enqueue_zc_burst_start(r, 3, &zcd, NULL), 3);
		assert_null(zcd.ptr2);
		assert_int_equal(zcd.n1, 3);
		rte_ring_enqueue_zc_finish(r, 0);
		assert_int_equal(rte_ring_count(r), 0);

		/* the _elem forms with the pointer size */
		assert_int_equal(rte_ring_enqueue_zc_burst_elem_start(r, 8, 2, &zcd, NULL), 2);
		rte_ring_enqueue_zc_elem_finish(r, 0);
		assert_int_equal(rte_ring_dequeue_zc_burst_elem_start(r, 8, 2, &zcd, NULL), 0);
		rte_ring_dequeue_zc_elem_finish(r, 0);
		assert_ring_ok(r);
		rte_ring_free(r);
	}
}

/* ---------------------------------------------------------------- threads */

#define HTS_N 20000u

static struct rte_ring *hts_ring;
static volatile int hts_bad;

/* Producer (lcore 1): peek-enqueue sequence numbers; consumer (lcore 2):
 * peek-dequeue, keep some, check the order. */
static int
hts_worker(void *arg)
{
	(void)arg;
	if (rte_lcore_id() == 1) {
		uintptr_t next = 1;
		while (next <= HTS_N) {
			unsigned int want = HTS_N - next + 1 < 7 ? (unsigned int)(HTS_N - next + 1) : 7;
			unsigned int n = rte_ring_enqueue_burst_start(hts_ring, want, NULL);
			void *o[7];
			for (unsigned int i = 0; i < n; i++)
				o[i] = (void *)(next + i);
			rte_ring_enqueue_finish(hts_ring, o, n);
			next += n;
		}
	} else {
		uintptr_t want = 1;
		while (want <= HTS_N) {
			void *o[5];
			unsigned int n = rte_ring_dequeue_burst_start(hts_ring, o, 5, NULL);
			unsigned int take = n > 1 ? n - 1 : n;
			for (unsigned int i = 0; i < take; i++)
				if (o[i] != (void *)(want + i))
					hts_bad = 1;
			rte_ring_dequeue_finish(hts_ring, take);
			want += take;
		}
	}
	return 0;
}

static void
test_dpdk_ring_hts_peek_threads(void **state)
{
	(void)state;
	hts_ring = rte_ring_create("htsmt", 64, SOCKET_ID_ANY, RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ);
	assert_non_null(hts_ring);
	hts_bad = 0;
	assert_int_equal(rte_eal_remote_launch(hts_worker, NULL, 1), 0);
	assert_int_equal(rte_eal_remote_launch(hts_worker, NULL, 2), 0);
	rte_eal_mp_wait_lcore();
	assert_int_equal(hts_bad, 0);
	assert_int_equal(rte_ring_count(hts_ring), 0);
	assert_ring_ok(hts_ring);
	rte_ring_free(hts_ring);
}

/* ---------------------------------------------------------------- init, lookup, dump */

static void
test_dpdk_ring_init_lookup_dump(void **state)
{
	ssize_t sz = rte_ring_get_memsize_elem(8, 32);
	struct rte_ring *r = rte_zmalloc("ring", (size_t)sz, 64), *named;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	assert_non_null(r);
	assert_int_equal(rte_ring_init(r, "mine", 32, RING_F_SC_DEQ), 0);
	assert_string_equal(r->name, "mine");
	assert_int_equal(r->flags, RING_F_SC_DEQ);
	assert_null(r->memzone);
	assert_int_equal(rte_ring_get_capacity(r), 31);
	assert_null_errno(rte_ring_lookup("mine"), ENOENT); /* not registered */
	assert_int_equal(rte_ring_enqueue(r, r), 0);
	rte_ring_free(r); /* not from create: left alone */
	assert_int_equal(rte_ring_count(r), 1);

	named = rte_ring_create("named", 16, 0, 0);
	assert_non_null(named);
	assert_non_null(named->memzone);
	assert_string_equal(named->memzone->name, "RG_named");
	assert_ptr_equal(named->memzone->addr, named);

	f = open_memstream(&text, &len);
	assert_non_null(f);
	rte_ring_dump(f, r);
	rte_ring_list_dump(f);
	fclose(f);
	assert_non_null(strstr(text, "mine"));
	assert_non_null(strstr(text, "named"));
	free(text);
	rte_ring_free(named);
	rte_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dpdk_ring_invalid_args, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_ring_capacity, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_ring_fifo_model, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_ring_single, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_ring_elem, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_ring_rts_hts, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_ring_peek, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_ring_peek_refreshes_view, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_ring_peek_elem, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_ring_zc, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_ring_hts_peek_threads, dpdk_test_setup,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_ring_init_lookup_dump, dpdk_test_setup,
						dpdk_test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
