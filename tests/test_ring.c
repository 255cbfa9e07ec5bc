/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ring conformance tests: DPDK's sizing rules and errno values, bulk (all or
 * nothing) and burst (as many as possible) against a FIFO model for every sync
 * mode and several element sizes, the free_space / available outputs, index
 * wrap across 2^32 (indexes started near UINT32_MAX with hm_ring_reset_at),
 * named rings in memzones (lookup, duplicates, free, reuse), the RTS distance,
 * the validator, and multi-threaded producer/consumer stress (1+1 and 2+2
 * threads on MT, RTS, HTS and ST sides) in which every token is dequeued
 * exactly once and each producer's tokens reach each consumer in order.
 * hm_ring_check runs after every operation of the single-threaded tests.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

#define N28 "abcdefghijklmnopqrstuvwxyz01"  /* 28 characters: the longest name */
#define N29 "abcdefghijklmnopqrstuvwxyz012" /* 29: too long */

/* Sync-mode flag pairs: every mode on each side and some mixes. */
static const unsigned int all_modes[] = {
	0,
	HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ,
	HM_RING_F_SP_ENQ,
	HM_RING_F_SC_DEQ,
	HM_RING_F_MP_RTS_ENQ | HM_RING_F_MC_RTS_DEQ,
	HM_RING_F_MP_HTS_ENQ | HM_RING_F_MC_HTS_DEQ,
	HM_RING_F_MP_RTS_ENQ | HM_RING_F_MC_HTS_DEQ,
	HM_RING_F_MP_HTS_ENQ | HM_RING_F_SC_DEQ,
	HM_RING_F_SP_ENQ | HM_RING_F_MC_RTS_DEQ,
};
#define N_MODES (sizeof(all_modes) / sizeof(all_modes[0]))

static int
init_hm(void)
{
	struct hm_config c;

	hm_config_init(&c);
	c.file_prefix = "ring"; /* other test programs run in parallel */
	return hm_test_init_cfg(&c);
}

static void
assert_ring_ok(const struct hm_ring *r)
{
	const char *why = NULL;

	if (hm_ring_check(r, &why) != 0)
		fail_msg("ring check: %s", why != NULL ? why : "?");
}

static void
assert_fails(const void *p, int err)
{
	if (p != NULL)
		fail_msg("expected errno %d, got %p", err, p);
	assert_int_equal(hm_errno, err);
}

/* Caller memory for a ring of @p slots elements of @p esize bytes. */
static struct hm_ring *
ring_mem(unsigned int esize, unsigned int slots)
{
	ssize_t sz = hm_ring_get_memsize_elem(esize, slots);
	void *p;

	assert_true(sz > 0);
	p = aligned_alloc(64, (size_t)sz);
	assert_non_null(p);
	memset(p, 0xa5, (size_t)sz);
	return p;
}

/* ------------------------------------------------------------------ */

static void
test_ring_invalid_args(void **state)
{
	struct hm_ring *m = ring_mem(8, 64), *r, *x;
	char *mis = (char *)m + 8;
	unsigned int fs = 7;
	(void)state;

	hm_test_quiet_log();
	/* sizing */
	assert_int_equal(hm_ring_get_memsize_elem(0, 64), -EINVAL);
	assert_int_equal(hm_ring_get_memsize_elem(6, 64), -EINVAL);
	assert_int_equal(hm_ring_get_memsize_elem(8, 0), -EINVAL);
	assert_int_equal(hm_ring_get_memsize_elem(8, 100), -EINVAL);
	assert_int_equal(hm_ring_get_memsize_elem(8, 1u << 31), -EINVAL);
	assert_int_equal(hm_ring_get_memsize(3), -EINVAL);

	/* init in caller memory */
	assert_int_equal(hm_ring_init(NULL, "r", 64, 0), -EINVAL);
	assert_int_equal(hm_ring_init((struct hm_ring *)mis, "r", 64, 0), -EINVAL);
	assert_int_equal(hm_ring_init(m, NULL, 64, 0), -EINVAL);
	assert_int_equal(hm_ring_init(m, "", 64, 0), -EINVAL);
	assert_int_equal(hm_ring_init(m, N29, 64, 0), -ENAMETOOLONG);
	assert_int_equal(hm_ring_init(m, "r", 0, 0), -EINVAL);
	assert_int_equal(hm_ring_init(m, "r", 100, 0), -EINVAL);
	assert_int_equal(hm_ring_init(m, "r", 1u << 31, 0), -EINVAL);
	assert_int_equal(hm_ring_init(m, "r", 0, HM_RING_F_EXACT_SZ), -EINVAL);
	assert_int_equal(hm_ring_init(m, "r", 0x80000000u, HM_RING_F_EXACT_SZ), -EINVAL);
	/* EXACT_SZ counts from 2^30 on would need a size of 2^31: refused, as DPDK */
	assert_int_equal(hm_ring_init(m, "r", 1u << 30, HM_RING_F_EXACT_SZ), -EINVAL);
	assert_int_equal(hm_ring_init(m, "r", 0x7fffffffu, HM_RING_F_EXACT_SZ), -EINVAL);
	assert_int_equal(hm_ring_init_elem(m, "r", 0, 64, 0), -EINVAL);
	assert_int_equal(hm_ring_init_elem(m, "r", 10, 64, 0), -EINVAL);
	assert_int_equal(hm_ring_init(m, "r", 64, 0x80), -EINVAL);
	assert_int_equal(hm_ring_init(m, "r", 64, HM_RING_F_SP_ENQ | HM_RING_F_MP_RTS_ENQ), -EINVAL);
	assert_int_equal(hm_ring_init(m, "r", 64, HM_RING_F_MP_HTS_ENQ | HM_RING_F_MP_RTS_ENQ),
			 -EINVAL);
	assert_int_equal(hm_ring_init(m, "r", 64, HM_RING_F_SC_DEQ | HM_RING_F_MC_HTS_DEQ), -EINVAL);
	assert_int_equal(hm_ring_init(m, "r", 64, HM_RING_F_MC_RTS_DEQ | HM_RING_F_MC_HTS_DEQ),
			 -EINVAL);
	/* order: count before the name, the name before the flags */
	assert_int_equal(hm_ring_init(m, N29, 100, 0x80), -EINVAL);
	assert_int_equal(hm_ring_init(m, N29, 64, 0x80), -ENAMETOOLONG);
	/* nothing was written */
	assert_int_equal(((unsigned char *)m)[0], 0xa5);
	assert_int_equal(hm_ring_check(NULL, NULL), -EINVAL);
	assert_int_equal(hm_ring_check(m, NULL), -EFAULT);

	assert_int_equal(hm_ring_init(m, N28, 64, 0), 0);
	assert_ring_ok(m);
	/* htd: not RTS, NULL, above the capacity */
	assert_int_equal(hm_ring_set_prod_htd_max(m, 4), -ENOTSUP);
	assert_int_equal(hm_ring_set_cons_htd_max(m, 4), -ENOTSUP);
	assert_int_equal(hm_ring_set_prod_htd_max(NULL, 4), -EINVAL);
	assert_int_equal(hm_ring_set_cons_htd_max(NULL, 4), -EINVAL);
	assert_int_equal(hm_ring_get_prod_htd_max(m), UINT32_MAX);
	assert_int_equal(hm_ring_get_cons_htd_max(NULL), UINT32_MAX);
	assert_int_equal(hm_ring_init(m, "rts", 64, HM_RING_F_MP_RTS_ENQ | HM_RING_F_MC_RTS_DEQ), 0);
	assert_int_equal(hm_ring_set_prod_htd_max(m, 64), -EINVAL);
	assert_int_equal(hm_ring_set_cons_htd_max(m, 64), -EINVAL);
	assert_int_equal(hm_ring_get_prod_htd_max(m), 63 / 8);
	assert_ring_ok(m);
	/* n == 0 moves nothing, reports the room */
	assert_int_equal(hm_ring_enqueue_bulk(m, NULL, 0, &fs), 0);
	assert_int_equal(fs, 63);
	assert_int_equal(hm_ring_dequeue_burst(m, NULL, 0, &fs), 0);
	assert_int_equal(fs, 0);
	/* free, reset of NULL: nothing */
	hm_ring_free(NULL);
	hm_ring_reset(NULL);
	hm_ring_reset_at(NULL, 5);
	/* a ring in caller memory cannot be freed */
	hm_errno = 0;
	hm_ring_free(m);
	assert_int_equal(hm_errno, EINVAL);
	assert_ring_ok(m);

	/* before hm_init: named rings need the memzone table */
	assert_fails(hm_ring_create("r", 64, HM_SOCKET_ID_ANY, 0), ENODEV);
	assert_fails(hm_ring_lookup("r"), ENODEV);
	assert_fails(hm_ring_lookup(NULL), EINVAL);

	assert_int_equal(init_hm(), 0);
	hm_test_quiet_log();
	assert_fails(hm_ring_create(NULL, 64, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails(hm_ring_create("", 64, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails(hm_ring_create("r", 0, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails(hm_ring_create("r", 1u << 30, HM_SOCKET_ID_ANY, HM_RING_F_EXACT_SZ), EINVAL);
	assert_fails(hm_ring_create("r", 1000, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails(hm_ring_create_elem("r", 6, 64, HM_SOCKET_ID_ANY, 0), EINVAL);
	assert_fails(hm_ring_create(N29, 64, HM_SOCKET_ID_ANY, 0), ENAMETOOLONG);
	assert_fails(hm_ring_create("r", 64, HM_SOCKET_ID_ANY, 0x100), EINVAL);
	assert_fails(hm_ring_create("r", 64, HM_SOCKET_ID_ANY,
				    HM_RING_F_SC_DEQ | HM_RING_F_MC_RTS_DEQ), EINVAL);
	assert_fails(hm_ring_create("r", 64, -5, 0), EINVAL);
	assert_int_equal(hm_memzone_count(), 0);

	r = hm_ring_create(N28, 64, HM_SOCKET_ID_ANY, 0);
	assert_non_null(r);
	assert_ring_ok(r);
	assert_fails(hm_ring_create(N28, 64, HM_SOCKET_ID_ANY, 0), EEXIST);
	/* a memzone squatting on the name also makes it taken */
	assert_non_null(hm_memzone_reserve("RG_squat", 4096, HM_SOCKET_ID_ANY, 0));
	assert_fails(hm_ring_create("squat", 64, HM_SOCKET_ID_ANY, 0), EEXIST);
	/* ...but it is not a ring (nor is a zone too small to hold one) */
	assert_fails(hm_ring_lookup("squat"), ENOENT);
	assert_non_null(hm_memzone_reserve("RG_tiny", 64, HM_SOCKET_ID_ANY, 0));
	assert_fails(hm_ring_lookup("tiny"), ENOENT);
	assert_int_equal(hm_memzone_free(hm_memzone_lookup("RG_tiny")), 0);
	/* 2^30 slots of 4 GiB - 4 bytes: valid arguments, no such memory */
	assert_fails(hm_ring_create_elem("huge", 0xfffffffcu, 1u << 30, HM_SOCKET_ID_ANY, 0),
		     ENOMEM);
	assert_fails(hm_ring_lookup("nosuch"), ENOENT);
	assert_fails(hm_ring_lookup(N29), ENOENT);
	assert_fails(hm_ring_lookup(""), ENOENT);
	/* foreign pointers are left alone */
	x = ring_mem(8, 64);
	memcpy(x, r, sizeof(*r));
	hm_errno = 0;
	hm_ring_free(x);
	assert_int_equal(hm_errno, EINVAL);
	memset(x, 0, sizeof(*x));
	hm_errno = 0;
	hm_ring_free(x);
	assert_int_equal(hm_errno, EINVAL);
	assert_ptr_equal(hm_ring_lookup(N28), r);
	assert_int_equal(hm_memzone_count(), 2);
	hm_ring_free(r);
	assert_fails(hm_ring_lookup(N28), ENOENT);
	assert_int_equal(hm_memzone_count(), 1);
	assert_int_equal(hm_memzone_free(hm_memzone_lookup("RG_squat")), 0);
	free(x);
	free(m);
}

static void
test_ring_capacity(void **state)
{
	struct hm_ring *r = ring_mem(8, 2048);
	void *objs[2048];
	unsigned int fs, av;
	(void)state;

	for (unsigned int i = 0; i < 2048; i++)
		objs[i] = (void *)(uintptr_t)(i + 1);
	assert_int_equal(hm_ring_get_memsize(1024), 384 + 1024 * 8);
	assert_int_equal(hm_ring_get_memsize_elem(4, 1), 384 + 64);
	assert_int_equal(hm_ring_get_memsize_elem(12, 4), 384 + 64);
	assert_int_equal(hm_ring_get_memsize_elem(20, 4), 384 + 128);

	/* power of two: one slot stays empty */
	assert_int_equal(hm_ring_init(r, "cap", 1024, 0), 0);
	assert_int_equal(hm_ring_get_size(r), 1024);
	assert_int_equal(hm_ring_get_capacity(r), 1023);
	assert_int_equal(hm_ring_count(r), 0);
	assert_int_equal(hm_ring_free_count(r), 1023);
	assert_true(hm_ring_empty(r));
	assert_false(hm_ring_full(r));
	assert_int_equal(hm_ring_enqueue_bulk(r, objs, 1024, &fs), 0);
	assert_int_equal(fs, 1023);
	assert_int_equal(hm_ring_enqueue_bulk(r, objs, 1023, &fs), 1023);
	assert_int_equal(fs, 0);
	assert_true(hm_ring_full(r));
	assert_false(hm_ring_empty(r));
	assert_int_equal(hm_ring_enqueue(r, objs[0]), -ENOBUFS);
	assert_int_equal(hm_ring_enqueue_burst(r, objs, 5, &fs), 0);
	assert_ring_ok(r);
	assert_int_equal(hm_ring_dequeue_bulk(r, objs + 1024, 1023, &av), 1023);
	assert_int_equal(av, 0);
	assert_memory_equal(objs, objs + 1024, 1023 * sizeof(void *));

	/* exact size: 1000 gives capacity 1000 and size 1024 */
	assert_int_equal(hm_ring_init(r, "cap", 1000, HM_RING_F_EXACT_SZ), 0);
	assert_int_equal(hm_ring_get_size(r), 1024);
	assert_int_equal(hm_ring_get_capacity(r), 1000);
	assert_int_equal(hm_ring_enqueue_burst(r, objs, 1024, &fs), 1000);
	assert_int_equal(fs, 0);
	assert_true(hm_ring_full(r));
	assert_ring_ok(r);
	/* exact size 1024 needs 2048 slots */
	assert_int_equal(hm_ring_init(r, "cap", 1024, HM_RING_F_EXACT_SZ), 0);
	assert_int_equal(hm_ring_get_size(r), 2048);
	assert_int_equal(hm_ring_get_capacity(r), 1024);
	assert_int_equal(hm_ring_enqueue_burst(r, objs, 2048, NULL), 1024);
	assert_ring_ok(r);
	/* exact size 1: two slots */
	assert_int_equal(hm_ring_init(r, "cap", 1, HM_RING_F_EXACT_SZ), 0);
	assert_int_equal(hm_ring_get_size(r), 2);
	assert_int_equal(hm_ring_get_capacity(r), 1);
	/* count 1 without the flag: a ring that never holds anything (DPDK's rule) */
	assert_int_equal(hm_ring_init(r, "cap", 1, 0), 0);
	assert_int_equal(hm_ring_get_capacity(r), 0);
	assert_true(hm_ring_full(r));
	assert_int_equal(hm_ring_enqueue(r, objs[0]), -ENOBUFS);
	assert_ring_ok(r);
	free(r);
}

/* Element @p tok as esize bytes: word w = tok * 0x9e3779b1 + w. */
static void
make_elem(uint8_t *dst, unsigned int esize, uint32_t tok)
{
	for (unsigned int w = 0; w < esize / 4; w++) {
		uint32_t v = tok * 0x9e3779b1u + w;
		memcpy(dst + 4 * w, &v, 4);
	}
}

struct fifo {
	uint32_t *q;
	unsigned int cap, head, len;
};

static void
fifo_push(struct fifo *f, uint32_t tok)
{
	assert_true(f->len < f->cap);
	f->q[(f->head + f->len++) % f->cap] = tok;
}

static uint32_t
fifo_pop(struct fifo *f)
{
	uint32_t t = f->q[f->head];

	assert_true(f->len > 0);
	f->head = (f->head + 1) % f->cap;
	f->len--;
	return t;
}

/* Ops: 0 default bulk enq, 1 default burst enq, 2 explicit-mode bulk enq,
 * 3 explicit burst enq, 4..7 the same for dequeue, 8 single enq, 9 single deq. */
static unsigned int
do_enq(struct hm_ring *r, int op, const void *buf, unsigned int esize, unsigned int n,
       unsigned int *fs)
{
	uint32_t st = r->prod.sync_type;

	switch (op) {
	case 0:
		return hm_ring_enqueue_bulk_elem(r, buf, esize, n, fs);
	case 1:
		return hm_ring_enqueue_burst_elem(r, buf, esize, n, fs);
	case 2:
		return st == HM_RING_SYNC_ST ? hm_ring_sp_enqueue_bulk_elem(r, buf, esize, n, fs)
		       : st == HM_RING_SYNC_MT_RTS ? hm_ring_mp_rts_enqueue_bulk_elem(r, buf, esize, n, fs)
		       : st == HM_RING_SYNC_MT_HTS ? hm_ring_mp_hts_enqueue_bulk_elem(r, buf, esize, n, fs)
		       : hm_ring_mp_enqueue_bulk_elem(r, buf, esize, n, fs);
	default:
		return st == HM_RING_SYNC_ST ? hm_ring_sp_enqueue_burst_elem(r, buf, esize, n, fs)
		       : st == HM_RING_SYNC_MT_RTS ? hm_ring_mp_rts_enqueue_burst_elem(r, buf, esize, n, fs)
		       : st == HM_RING_SYNC_MT_HTS ? hm_ring_mp_hts_enqueue_burst_elem(r, buf, esize, n, fs)
		       : hm_ring_mp_enqueue_burst_elem(r, buf, esize, n, fs);
	}
}

static unsigned int
do_deq(struct hm_ring *r, int op, void *buf, unsigned int esize, unsigned int n, unsigned int *av)
{
	uint32_t st = r->cons.sync_type;

	switch (op) {
	case 0:
		return hm_ring_dequeue_bulk_elem(r, buf, esize, n, av);
	case 1:
		return hm_ring_dequeue_burst_elem(r, buf, esize, n, av);
	case 2:
		return st == HM_RING_SYNC_ST ? hm_ring_sc_dequeue_bulk_elem(r, buf, esize, n, av)
		       : st == HM_RING_SYNC_MT_RTS ? hm_ring_mc_rts_dequeue_bulk_elem(r, buf, esize, n, av)
		       : st == HM_RING_SYNC_MT_HTS ? hm_ring_mc_hts_dequeue_bulk_elem(r, buf, esize, n, av)
		       : hm_ring_mc_dequeue_bulk_elem(r, buf, esize, n, av);
	default:
		return st == HM_RING_SYNC_ST ? hm_ring_sc_dequeue_burst_elem(r, buf, esize, n, av)
		       : st == HM_RING_SYNC_MT_RTS ? hm_ring_mc_rts_dequeue_burst_elem(r, buf, esize, n, av)
		       : st == HM_RING_SYNC_MT_HTS ? hm_ring_mc_hts_dequeue_burst_elem(r, buf, esize, n, av)
		       : hm_ring_mc_dequeue_burst_elem(r, buf, esize, n, av);
	}
}

/* @p ops random operations on @p r against a FIFO model. */
static void
run_model(struct hm_ring *r, unsigned int esize, unsigned int ops, uint64_t *seed)
{
	const unsigned int cap = hm_ring_get_capacity(r), maxn = cap + 3;
	uint8_t *buf = malloc((size_t)maxn * esize), *want = malloc(esize);
	struct fifo f = {calloc(cap + 1, sizeof(uint32_t)), cap + 1, 0, 0};
	uint32_t next = 1;

	assert_non_null(buf);
	assert_non_null(want);
	assert_non_null(f.q);
	f.len = hm_ring_count(r);
	assert_int_equal(f.len, 0);
	for (unsigned int i = 0; i < ops; i++) {
		uint64_t x = hm_test_rand(seed);
		unsigned int op = (unsigned int)(x % 10), n = (unsigned int)((x >> 8) % (maxn + 1));
		unsigned int room = 12345, got, expect;
		int bulk = op % 2 == 0;

		if ((x >> 40) % 4 != 0)
			n = (unsigned int)((x >> 8) % 9); /* mostly small */
		if (op < 4 || op == 8) {
			if (op == 8)
				n = 1;
			for (unsigned int k = 0; k < n; k++)
				make_elem(buf + (size_t)k * esize, esize, next + k);
			if (op == 8) {
				int rc = esize == sizeof(void *) && (x >> 50) % 2
					 ? hm_ring_enqueue(r, *(void **)(void *)buf)
					 : hm_ring_enqueue_elem(r, buf, esize);
				got = rc == 0;
				room = cap - f.len - got;
				expect = f.len < cap;
				if (!expect)
					assert_int_equal(rc, -ENOBUFS);
			} else {
				/* without free_space the producer may use its cached view
				 * of the consumers' tail: the counts must not change */
				unsigned int *rp = (x >> 52) % 2 ? &room : NULL;
				got = do_enq(r, (int)op, buf, esize, n, rp);
				if (rp == NULL)
					room = cap - f.len - got;
				expect = cap - f.len;
				if (n <= expect)
					expect = n;
				else if (op == 0 || op == 2)
					expect = 0;
			}
			assert_int_equal(got, expect);
			for (unsigned int k = 0; k < got; k++)
				fifo_push(&f, next + k);
			next += got;
			assert_int_equal(room, cap - f.len);
		} else {
			unsigned int dop = op == 9 ? 9 : op - 4;
			if (op == 9) {
				int rc = esize == sizeof(void *) && (x >> 50) % 2
					 ? hm_ring_dequeue(r, (void **)(void *)buf)
					 : hm_ring_dequeue_elem(r, buf, esize);
				got = rc == 0;
				room = f.len - got;
				expect = f.len > 0;
				if (!expect)
					assert_int_equal(rc, -ENOENT);
			} else {
				unsigned int *rp = (x >> 52) % 2 ? &room : NULL;
				got = do_deq(r, (int)dop, buf, esize, n, rp);
				if (rp == NULL)
					room = f.len - got;
				expect = f.len;
				if (n <= expect)
					expect = n;
				else if (bulk)
					expect = 0;
			}
			assert_int_equal(got, expect);
			for (unsigned int k = 0; k < got; k++) {
				make_elem(want, esize, fifo_pop(&f));
				assert_memory_equal(buf + (size_t)k * esize, want, esize);
			}
			assert_int_equal(room, f.len);
		}
		assert_int_equal(hm_ring_count(r), f.len);
		assert_int_equal(hm_ring_free_count(r), cap - f.len);
		assert_int_equal(hm_ring_empty(r), f.len == 0);
		assert_int_equal(hm_ring_full(r), f.len == cap);
		assert_ring_ok(r);
	}
	free(f.q);
	free(buf);
	free(want);
}

static void
test_ring_model(void **state)
{
	static const unsigned int esizes[] = {4, 8, 12, 16, 20, 24, 32};
	uint64_t seed = hm_test_seed();
	(void)state;

	for (size_t m = 0; m < N_MODES; m++)
		for (size_t e = 0; e < sizeof(esizes) / sizeof(esizes[0]); e++)
			for (int exact = 0; exact < 2; exact++) {
				unsigned int count = exact ? 13 : 16;
				unsigned int fl = all_modes[m] | (exact ? HM_RING_F_EXACT_SZ : 0);
				struct hm_ring *r = ring_mem(esizes[e], 16);
				assert_int_equal(hm_ring_init_elem(r, "model", esizes[e], count, fl),
						 0);
				assert_ring_ok(r);
				run_model(r, esizes[e], 1500, &seed);
				free(r);
			}
}

/* Indexes start just below 2^32 and wrap during the run. */
static void
test_ring_wrap(void **state)
{
	uint64_t seed = hm_test_seed() ^ 0x5555;
	(void)state;

	for (size_t m = 0; m < N_MODES; m++)
		for (uint32_t back = 0; back < 40; back += 13) {
			struct hm_ring *r = ring_mem(8, 32);
			void *objs[40], *out[40];
			unsigned int fs, av;

			assert_int_equal(hm_ring_init(r, "wrap", 32, all_modes[m]), 0);
			hm_ring_reset_at(r, UINT32_MAX - back);
			assert_ring_ok(r);
			assert_int_equal(hm_ring_count(r), 0);
			/* fill to capacity across the wrap, then drain in one bulk */
			for (unsigned int i = 0; i < 40; i++)
				objs[i] = (void *)(uintptr_t)(0x1000 + i);
			assert_int_equal(hm_ring_enqueue_bulk(r, objs, 31, &fs), 31);
			assert_int_equal(fs, 0);
			assert_int_equal(hm_ring_count(r), 31);
			assert_ring_ok(r);
			assert_int_equal(hm_ring_dequeue_bulk(r, out, 31, &av), 31);
			assert_int_equal(av, 0);
			assert_memory_equal(objs, out, 31 * sizeof(void *));
			assert_ring_ok(r);
			/* and random traffic over the boundary region */
			hm_ring_reset_at(r, UINT32_MAX - back);
			run_model(r, 8, 400, &seed);
			free(r);
		}
}

static void
test_ring_reset(void **state)
{
	struct hm_ring *r = ring_mem(8, 64);
	void *objs[8] = {0};
	(void)state;

	for (size_t m = 0; m < N_MODES; m++) {
		assert_int_equal(hm_ring_init(r, "reset", 64, all_modes[m]), 0);
		assert_int_equal(hm_ring_enqueue_bulk(r, objs, 8, NULL), 8);
		assert_int_equal(hm_ring_count(r), 8);
		hm_ring_reset(r);
		assert_int_equal(hm_ring_count(r), 0);
		assert_true(hm_ring_empty(r));
		assert_ring_ok(r);
		assert_int_equal(r->prod.tail, 0);
		assert_int_equal(r->cons.tail, 0);
	}
	free(r);
}

static void
test_ring_rts_htd(void **state)
{
	struct hm_ring *r = ring_mem(8, 1024);
	(void)state;

	assert_int_equal(hm_ring_init(r, "htd", 1024, HM_RING_F_MP_RTS_ENQ | HM_RING_F_MC_RTS_DEQ),
			 0);
	assert_int_equal(hm_ring_get_prod_htd_max(r), 1023 / 8);
	assert_int_equal(hm_ring_get_cons_htd_max(r), 1023 / 8);
	assert_int_equal(hm_ring_set_prod_htd_max(r, 5), 0);
	assert_int_equal(hm_ring_set_cons_htd_max(r, 1023), 0);
	assert_int_equal(hm_ring_get_prod_htd_max(r), 5);
	assert_int_equal(hm_ring_get_cons_htd_max(r), 1023);
	assert_ring_ok(r);
	/* only one side RTS */
	assert_int_equal(hm_ring_init(r, "htd", 1024, HM_RING_F_MC_RTS_DEQ), 0);
	assert_int_equal(hm_ring_get_prod_htd_max(r), UINT32_MAX);
	assert_int_equal(hm_ring_set_prod_htd_max(r, 1), -ENOTSUP);
	assert_int_equal(hm_ring_set_cons_htd_max(r, 0), 0);
	assert_int_equal(hm_ring_get_cons_htd_max(r), 0);
	/* htd 0: every operation waits for the previous one; still works alone */
	{
		void *o[4] = {0}, *p[4];
		assert_int_equal(hm_ring_enqueue_bulk(r, o, 4, NULL), 4);
		assert_int_equal(hm_ring_dequeue_bulk(r, p, 4, NULL), 4);
	}
	assert_ring_ok(r);
	free(r);
}

/* Reset empties the ring and keeps what was configured: a head-tail distance set
 * with hm_ring_set_*_htd_max survives it (DPDK's rte_ring_reset keeps it too). */
static void
test_ring_reset_keeps_htd_max(void **state)
{
	struct hm_ring *r = ring_mem(8, 1024);
	void *o[4] = {0};
	(void)state;

	assert_int_equal(hm_ring_init(r, "htd", 1024, HM_RING_F_MP_RTS_ENQ | HM_RING_F_MC_RTS_DEQ),
			 0);
	assert_int_equal(hm_ring_set_prod_htd_max(r, 3), 0);
	assert_int_equal(hm_ring_set_cons_htd_max(r, 1000), 0);
	assert_int_equal(hm_ring_enqueue_bulk(r, o, 4, NULL), 4);
	hm_ring_reset(r);
	assert_int_equal(hm_ring_count(r), 0);
	assert_int_equal(hm_ring_get_prod_htd_max(r), 3);
	assert_int_equal(hm_ring_get_cons_htd_max(r), 1000);
	hm_ring_reset_at(r, UINT32_MAX - 2);
	assert_int_equal(hm_ring_get_prod_htd_max(r), 3);
	assert_int_equal(hm_ring_get_cons_htd_max(r), 1000);
	assert_ring_ok(r);
	free(r);
}

/*
 * MT sides and the ST consumer size their room from a cached view of the other
 * side's tail (other_tail): a stale view, behind the real tail by any amount or
 * passed by the head, never makes a bulk refuse what the ring can take nor take
 * more. The ST producer reads the consumer's tail on every call.
 */
static void
test_ring_cached_tail(void **state)
{
	static const unsigned int modes[] = {0, HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ};
	void *in[16], *out[16];
	(void)state;

	for (unsigned int k = 0; k < 16; k++)
		in[k] = (void *)(uintptr_t)(k + 1);
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct hm_ring *r = ring_mem(8, 16);

		assert_int_equal(hm_ring_init(r, "cached", 16, modes[m]), 0);
		/* full, then empty: each side's view of the other is now stale */
		assert_int_equal(hm_ring_enqueue_bulk(r, in, 15, NULL), 15);
		assert_int_equal(r->prod.other_tail, 0);
		assert_int_equal(hm_ring_dequeue_bulk(r, out, 15, NULL), 15);
		assert_int_equal(r->cons.other_tail, 15);
		assert_ring_ok(r);
		/* the producer's view says full: it reads the real tail and takes 15 */
		assert_int_equal(hm_ring_enqueue_bulk(r, in, 15, NULL), 15);
		assert_int_equal(r->prod.other_tail, 15);
		assert_int_equal(hm_ring_enqueue_burst(r, in, 1, NULL), 0);
		assert_int_equal(hm_ring_dequeue_bulk(r, out, 15, NULL), 15);
		for (unsigned int k = 0; k < 15; k++)
			assert_ptr_equal(out[k], in[k]);
		/* a view far behind, the head past it (room above the capacity when
		 * computed from it): re-read, exactly the real room */
		for (int i = 0; i < 100; i++) {
			assert_int_equal(hm_ring_enqueue_bulk(r, in, 10, NULL), 10);
			assert_int_equal(hm_ring_dequeue_bulk(r, out, 10, NULL), 10);
		}
		r->prod.other_tail = 0;
		r->cons.other_tail = 0;
		assert_ring_ok(r);
		assert_int_equal(hm_ring_enqueue_bulk(r, in, 16, NULL), 0);
		assert_int_equal(hm_ring_enqueue_burst(r, in, 16, NULL), 15);
		assert_int_equal(hm_ring_dequeue_burst(r, out, 16, NULL), 15);
		assert_int_equal(hm_ring_count(r), 0);
		/* a view behind by 5 within the capacity: 10 from the view, then one
		 * more after a re-read, and no more than 15 in all. A single producer
		 * does not use its view: it reads the consumer's tail on every call
		 * (ring_core.h), so its view is the real tail after each enqueue. */
		r->prod.other_tail = r->cons.tail - 5;
		assert_ring_ok(r);
		assert_int_equal(hm_ring_enqueue_bulk(r, in, 10, NULL), 10);
		assert_int_equal(r->prod.other_tail,
				 modes[m] != 0 ? r->cons.tail : r->cons.tail - 5);
		assert_int_equal(hm_ring_enqueue_bulk(r, in, 5, NULL), 5);
		assert_int_equal(r->prod.other_tail, r->cons.tail);
		assert_int_equal(hm_ring_enqueue_bulk(r, in, 1, NULL), 0);
		/* the consumer's view: 0 left by the view, 15 in the ring */
		r->cons.other_tail = r->cons.head;
		assert_int_equal(hm_ring_dequeue_bulk(r, out, 15, NULL), 15);
		assert_int_equal(hm_ring_dequeue_bulk(r, out, 1, NULL), 0);
		/* free_space / available are always exact: read from the other side */
		r->prod.other_tail = r->cons.tail - 3;
		{
			unsigned int fs = 0;
			assert_int_equal(hm_ring_enqueue_bulk(r, in, 2, &fs), 2);
			assert_int_equal(fs, 13);
		}
		assert_ring_ok(r);
		/* reset: both views back with the indexes */
		hm_ring_reset(r);
		assert_int_equal(r->prod.other_tail, r->cons.tail);
		assert_int_equal(r->cons.other_tail, r->prod.tail);
		assert_ring_ok(r);
		free(r);
	}
}

static void
test_ring_check_detects_corruption(void **state)
{
	struct hm_ring *r = ring_mem(8, 64);
	struct hm_ring saved;
	const char *why;
	(void)state;

#define CORRUPT(stmt)                                                  \
	do {                                                           \
		memcpy(&saved, r, sizeof(saved));                      \
		stmt;                                                  \
		why = NULL;                                            \
		assert_int_equal(hm_ring_check(r, &why), -EFAULT);     \
		assert_non_null(why);                                  \
		memcpy(r, &saved, sizeof(saved));                      \
		assert_ring_ok(r);                                     \
	} while (0)

	assert_int_equal(hm_ring_init(r, "corrupt", 64, 0), 0);
	CORRUPT(r->magic = 0);
	CORRUPT(memset(r->name, 'x', sizeof(r->name)));
	CORRUPT(r->flags |= 0x1000);
	CORRUPT(r->esize = 6);
	CORRUPT(r->size = 48);
	CORRUPT(r->mask = 31);
	CORRUPT(r->capacity = 64);
	CORRUPT(r->prod.sync_type = HM_RING_SYNC_ST);
	CORRUPT(r->cons.sync_type = 9);
	/* dump copes with a bad sync type */
	r->cons.sync_type = 9;
	hm_ring_dump(stderr, r);
	r->cons.sync_type = HM_RING_SYNC_MT;
	CORRUPT(r->prod.head = 3);
	CORRUPT(r->cons.tail = 1; r->cons.head = 1);
	CORRUPT(r->prod.tail = 64; r->prod.head = 64);
	CORRUPT(r->prod.htd_max = 3);
	CORRUPT(r->prod.other_tail = 5);
	CORRUPT(r->cons.other_tail = 1);
	CORRUPT(r->memzone = (const struct hm_memzone *)(void *)&saved);
	assert_int_equal(hm_ring_init(r, "corrupt", 13, HM_RING_F_EXACT_SZ), 0);
	CORRUPT(r->capacity = 7);
	CORRUPT(r->capacity = 16);
	assert_int_equal(hm_ring_init(r, "corrupt", 64, HM_RING_F_MP_RTS_ENQ), 0);
	CORRUPT(r->prod.rts_head.val.cnt = 1);
	CORRUPT(r->prod.htd_max = 64);
	assert_int_equal(hm_ring_init(r, "corrupt", 64, HM_RING_F_MC_HTS_DEQ), 0);
	CORRUPT(r->cons.hts.pos.head = 2);
	assert_int_equal(hm_ring_set_cons_htd_max(r, 1), -ENOTSUP);
#undef CORRUPT
	free(r);
}

static void
test_ring_named(void **state)
{
	struct hm_ring *a, *b, *c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	void *o[3] = {(void *)1, (void *)2, (void *)3}, *p[3];
	(void)state;

	assert_int_equal(init_hm(), 0);
	a = hm_ring_create("a", 1024, HM_SOCKET_ID_ANY, HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ);
	b = hm_ring_create_elem("b", 16, 100, 0, HM_RING_F_EXACT_SZ | HM_RING_F_MP_HTS_ENQ);
	c = hm_ring_create("c", 64, HM_SOCKET_ID_ANY, HM_RING_F_MP_RTS_ENQ | HM_RING_F_MC_RTS_DEQ);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal((uintptr_t)a % 64, 0);
	assert_int_equal(hm_ring_get_capacity(b), 100);
	assert_int_equal(b->esize, 16);
	assert_ptr_equal(hm_ring_lookup("a"), a);
	assert_ptr_equal(hm_ring_lookup("b"), b);
	assert_ptr_equal(hm_ring_lookup("c"), c);
	assert_non_null(hm_memzone_lookup("RG_a"));
	assert_true(hm_memzone_lookup("RG_a")->len >= (size_t)hm_ring_get_memsize(1024));
	assert_ring_ok(a);
	assert_ring_ok(b);
	assert_ring_ok(c);
	assert_int_equal(hm_ring_enqueue_bulk(a, o, 3, NULL), 3);
	assert_int_equal(hm_ring_dequeue_bulk(hm_ring_lookup("a"), p, 3, NULL), 3);
	assert_memory_equal(o, p, sizeof(o));

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	hm_ring_list_dump(f);
	hm_ring_dump(f, c);
	hm_ring_dump(f, NULL);
	fclose(f);
	hm_ring_dump(NULL, a); /* NULL stream: stdout */
	hm_ring_list_dump(NULL);
	assert_non_null(strstr(buf, "ring 'a'"));
	assert_non_null(strstr(buf, "ring 'b'"));
	assert_non_null(strstr(buf, "HTS"));
	assert_non_null(strstr(buf, "RTS"));
	assert_non_null(strstr(buf, "ST head"));
	free(buf);

	hm_ring_free(b);
	assert_fails(hm_ring_lookup("b"), ENOENT);
	assert_null(hm_memzone_lookup("RG_b"));
	/* the name is free again */
	b = hm_ring_create("b", 32, HM_SOCKET_ID_ANY, 0);
	assert_non_null(b);
	assert_ptr_equal(hm_ring_lookup("b"), b);
	hm_ring_free(a);
	hm_ring_free(b);
	hm_ring_free(c);
	assert_int_equal(hm_memzone_count(), 0);
	/* a ring left behind is a leak: reported as the ring, not as its memzone,
	 * and released by hm_cleanup, which says so with -EBUSY */
	assert_non_null(hm_ring_create("left", 64, HM_SOCKET_ID_ANY, 0));
	unsigned int n = 0;
	buf = hm_test_leak_report(&n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(buf, "leak: ring 'left': 0 of 63 slots used, socket "));
	assert_null(strstr(buf, "memzone"));
	free(buf);
	hm_test_quiet_log();
	assert_int_equal(hm_cleanup(), -EBUSY);
	assert_int_equal(hm_initialized(), 0);
}

/* ------------------------------------------------------------------ threads */

#define MAX_THREADS 4

struct stress {
	struct hm_ring *r;
	unsigned int n_prod, n_cons;
	uint32_t per_prod;              /* tokens per producer */
	uint32_t total;
	uint32_t taken;                 /* tokens dequeued so far (atomic) */
	uint8_t *seen[MAX_THREADS];     /* per consumer: times each token was seen */
	int order_ok[MAX_THREADS];      /* per consumer: each producer's tokens in order */
};

struct worker {
	struct stress *s;
	unsigned int id;
	uint64_t seed;
};

/* token t = producer * per_prod + i; stored as t + 1 so no pointer is NULL */
static void *
producer(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	void *objs[32];
	uint32_t i = 0;

	while (i < s->per_prod) {
		uint64_t x = hm_test_rand(&w->seed);
		unsigned int n = (unsigned int)(x % 32) + 1, got;

		if (n > s->per_prod - i)
			n = s->per_prod - i;
		for (unsigned int k = 0; k < n; k++)
			objs[k] = (void *)(uintptr_t)(w->id * s->per_prod + i + k + 1);
		if ((x >> 32) & 1)
			got = hm_ring_enqueue_bulk(s->r, objs, n, NULL);
		else
			got = hm_ring_enqueue_burst(s->r, objs, n, NULL);
		if (got == 0)
			sched_yield();
		i += got;
	}
	return NULL;
}

static void *
consumer(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	uint32_t last[MAX_THREADS];
	void *objs[32];

	for (unsigned int p = 0; p < MAX_THREADS; p++)
		last[p] = UINT32_MAX;
	s->order_ok[w->id] = 1;
	while (__atomic_load_n(&s->taken, __ATOMIC_RELAXED) < s->total) {
		uint64_t x = hm_test_rand(&w->seed);
		unsigned int n = (unsigned int)(x % 32) + 1, got;

		if ((x >> 32) & 1)
			got = hm_ring_dequeue_bulk(s->r, objs, n, NULL);
		else
			got = hm_ring_dequeue_burst(s->r, objs, n, NULL);
		if (got == 0) {
			sched_yield();
			continue;
		}
		for (unsigned int k = 0; k < got; k++) {
			uint32_t t = (uint32_t)((uintptr_t)objs[k] - 1), p = t / s->per_prod;
			if (t >= s->total) {
				s->order_ok[w->id] = 0;
				continue;
			}
			if (s->seen[w->id][t] < 255)
				s->seen[w->id][t]++;
			if (last[p] != UINT32_MAX && t <= last[p])
				s->order_ok[w->id] = 0;
			last[p] = t;
		}
		__atomic_fetch_add(&s->taken, got, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void
run_stress(unsigned int flags, unsigned int n_prod, unsigned int n_cons, uint32_t per_prod,
	   unsigned int count)
{
	struct stress s;
	struct worker w[2 * MAX_THREADS];
	pthread_t t[2 * MAX_THREADS];
	uint64_t seed = hm_test_seed();
	struct hm_ring *r = ring_mem(8, count);

	assert_int_equal(hm_ring_init(r, "stress", count, flags), 0);
	/* start near the wrap so the run crosses 2^32 */
	hm_ring_reset_at(r, UINT32_MAX - 1000);
	memset(&s, 0, sizeof(s));
	s.r = r;
	s.n_prod = n_prod;
	s.n_cons = n_cons;
	s.per_prod = per_prod;
	s.total = per_prod * n_prod;
	for (unsigned int c = 0; c < n_cons; c++) {
		s.seen[c] = calloc(s.total, 1);
		assert_non_null(s.seen[c]);
	}
	for (unsigned int i = 0; i < n_prod + n_cons; i++) {
		w[i].s = &s;
		w[i].id = i < n_prod ? i : i - n_prod;
		w[i].seed = hm_test_rand(&seed) | 1;
		assert_int_equal(pthread_create(&t[i], NULL, i < n_prod ? producer : consumer,
						&w[i]), 0);
	}
	for (unsigned int i = 0; i < n_prod + n_cons; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);

	assert_int_equal(s.taken, s.total);
	for (uint32_t tok = 0; tok < s.total; tok++) {
		unsigned int times = 0;
		for (unsigned int c = 0; c < n_cons; c++)
			times += s.seen[c][tok];
		if (times != 1)
			fail_msg("flags 0x%x: token %u dequeued %u times", flags, tok, times);
	}
	for (unsigned int c = 0; c < n_cons; c++) {
		assert_true(s.order_ok[c]);
		free(s.seen[c]);
	}
	assert_true(hm_ring_empty(r));
	assert_ring_ok(r);
	free(r);
}

static uint32_t
stress_tokens(void)
{
	return HM_TEST_TSAN || HM_TEST_ASAN ? 20000 : 100000;
}

static void
test_ring_stress_2threads(void **state)
{
	(void)state;
	run_stress(HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ, 1, 1, stress_tokens(), 256);
	run_stress(0, 1, 1, stress_tokens(), 256);
	run_stress(HM_RING_F_MP_RTS_ENQ | HM_RING_F_MC_RTS_DEQ, 1, 1, stress_tokens(), 256);
	run_stress(HM_RING_F_MP_HTS_ENQ | HM_RING_F_MC_HTS_DEQ, 1, 1, stress_tokens(), 256);
	/* two producers on an MT side, no consumer contention */
	run_stress(HM_RING_F_SC_DEQ, 2, 1, stress_tokens() / 2, 64);
}

static void
test_ring_stress_4threads(void **state)
{
	(void)state;
	run_stress(0, 2, 2, stress_tokens() / 2, 128);
	run_stress(HM_RING_F_MP_RTS_ENQ | HM_RING_F_MC_RTS_DEQ, 2, 2, stress_tokens() / 2, 128);
	run_stress(HM_RING_F_MP_HTS_ENQ | HM_RING_F_MC_HTS_DEQ, 2, 2, stress_tokens() / 2, 128);
	/* mixed modes: RTS producers, HTS consumers; MT producers, RTS consumers */
	run_stress(HM_RING_F_MP_RTS_ENQ | HM_RING_F_MC_HTS_DEQ, 2, 2, stress_tokens() / 2, 128);
	run_stress(HM_RING_F_MC_RTS_DEQ, 3, 1, stress_tokens() / 3, 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_ring_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_ring_capacity, hm_test_teardown),
		cmocka_unit_test_teardown(test_ring_model, hm_test_teardown),
		cmocka_unit_test_teardown(test_ring_wrap, hm_test_teardown),
		cmocka_unit_test_teardown(test_ring_reset, hm_test_teardown),
		cmocka_unit_test_teardown(test_ring_rts_htd, hm_test_teardown),
		cmocka_unit_test_teardown(test_ring_reset_keeps_htd_max, hm_test_teardown),
		cmocka_unit_test_teardown(test_ring_cached_tail, hm_test_teardown),
		cmocka_unit_test_teardown(test_ring_check_detects_corruption, hm_test_teardown),
		cmocka_unit_test_teardown(test_ring_named, hm_test_teardown),
		cmocka_unit_test_teardown(test_ring_stress_2threads, hm_test_teardown),
		cmocka_unit_test_teardown(test_ring_stress_4threads, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
