/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbuf conformance tests: argument validation, DPDK's field layout and flag
 * values, pktmbuf pool creation and per-object init, alloc / free and their bulk
 * and raw forms, segment chains freed without leaks, refcnt sharing (also across
 * threads), prepend / append / adj / trim bounds, hm_mbuf_check's reasons, the
 * free-mbuf invariant in hm_pktmbuf_pool_check, and the debug-build double free.
 * Topologies are emu topology strings, which hm_test_init_cfg turns into caps on
 * the machine under hugetlbfs (iova=shuffled and seed= dropped: real pages bring
 * their own physical layout).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

static const char *const TOPO = "nodes=1;2M=64;lcores=0-3;iova=shuffled;seed=4";

static int
init_with(const char *topo)
{
	struct hm_config c;

	hm_config_init(&c);
	c.file_prefix = "mbuf"; /* other test programs run in parallel in the same dir */
	c.topology = topo;
	/* every pool checks its cookies, whatever the build (the consumer test covers off) */
	c.mempool_debug_set = true;
	c.mempool_debug = true;
	return hm_test_init_cfg(&c);
}

static void
assert_pool_ok(struct hm_mempool *mp)
{
	const char *why = NULL;

	if (hm_pktmbuf_pool_check(mp, &why) != 0)
		fail_msg("pktmbuf pool check: %s (%s)", why != NULL ? why : "?", hm_last_error());
}

static void
assert_mbuf_ok(const struct hm_mbuf *m)
{
	const char *why = NULL;

	if (hm_mbuf_check(m, 1, &why) != 0)
		fail_msg("mbuf check: %s", why != NULL ? why : "?");
}

static void
assert_fails_ptr(const void *p, int err)
{
	if (p != NULL)
		fail_msg("expected errno %d (%s), got %p", err, hm_strerror(err), p);
	assert_int_equal(hm_errno, err);
}

static struct hm_mempool *
make_pool(const char *name, unsigned int n, unsigned int cache, uint16_t priv, uint16_t room)
{
	struct hm_mempool *mp = hm_pktmbuf_pool_create(name, n, cache, priv, room, 0);

	if (mp == NULL)
		fail_msg("pktmbuf pool %s: %s", name, hm_last_error());
	assert_pool_ok(mp);
	return mp;
}

static void
assert_all_free(struct hm_mempool *mp)
{
	hm_mempool_cache_flush(NULL, mp);
	assert_int_equal(hm_mempool_avail_count(mp), mp->size);
	assert_pool_ok(mp);
}

/* ------------------------------------------------------------------ */

static void
test_mbuf_invalid_args(void **state)
{
	struct hm_mempool *mp, *plain;
	struct hm_mbuf fake;
	const char *why = NULL;
	unsigned int mz0;
	(void)state;

	hm_test_quiet_log();
	assert_fails_ptr(hm_pktmbuf_pool_create("p", 64, 0, 0, 2176, 0), ENODEV);
	assert_int_equal(init_with(TOPO), 0);
	mz0 = hm_memzone_count();
	assert_fails_ptr(hm_pktmbuf_pool_create(NULL, 64, 0, 0, 2176, 0), EINVAL);
	assert_fails_ptr(hm_pktmbuf_pool_create("", 64, 0, 0, 2176, 0), EINVAL);
	assert_fails_ptr(hm_pktmbuf_pool_create("abcdefghijklmnopqrstuvwxyz", 64, 0, 0, 2176, 0),
			 ENAMETOOLONG);
	assert_fails_ptr(hm_pktmbuf_pool_create("p", 0, 0, 0, 2176, 0), EINVAL);
	assert_fails_ptr(hm_pktmbuf_pool_create("p", 64, 0, 7, 2176, 0), EINVAL);
	assert_fails_ptr(hm_pktmbuf_pool_create("p", 64, 0, 12, 2176, 0), EINVAL);
	assert_fails_ptr(hm_pktmbuf_pool_create("p", 64, 600, 0, 2176, 0), EINVAL);
	assert_fails_ptr(hm_pktmbuf_pool_create("p", 64, 64, 0, 2176, 0), EINVAL);
	assert_fails_ptr(hm_pktmbuf_pool_create("p", 64, 0, 0, 2176, -5), EINVAL);
	assert_fails_ptr(hm_pktmbuf_pool_create_by_ops("p", 64, 0, 0, 2176, 0, "nope"), EINVAL);
	assert_int_equal(hm_memzone_count(), mz0);
	mp = make_pool("p", 64, 0, 0, HM_MBUF_DEFAULT_BUF_SIZE);
	assert_fails_ptr(hm_pktmbuf_pool_create("p", 64, 0, 0, 2176, 0), EEXIST);

	/* data functions */
	assert_fails_ptr(hm_pktmbuf_prepend(NULL, 1), EINVAL);
	assert_fails_ptr(hm_pktmbuf_append(NULL, 1), EINVAL);
	assert_fails_ptr(hm_pktmbuf_adj(NULL, 1), EINVAL);
	assert_int_equal(hm_pktmbuf_trim(NULL, 1), -EINVAL);
	assert_int_equal(hm_pktmbuf_chain(NULL, NULL), -EINVAL);
	struct hm_mbuf *m = hm_pktmbuf_alloc(mp);
	assert_non_null(m);
	assert_int_equal(hm_pktmbuf_chain(m, NULL), -EINVAL);
	assert_int_equal(hm_pktmbuf_chain(NULL, m), -EINVAL);
	assert_int_equal(hm_pktmbuf_chain(m, m), -EINVAL);
	assert_int_equal(hm_pktmbuf_is_contiguous(NULL), 0);
	hm_pktmbuf_free(m);
	hm_pktmbuf_free(NULL);
	hm_pktmbuf_free_bulk(NULL, 0);

	/* pool queries on other things */
	memset(&fake, 0, sizeof(fake));
	assert_int_equal(hm_pktmbuf_data_room_size(NULL), 0);
	assert_int_equal(hm_errno, EINVAL);
	assert_int_equal(hm_pktmbuf_priv_size((struct hm_mempool *)&fake), 0);
	assert_int_equal(hm_errno, EINVAL);
	plain = hm_mempool_create("plain", 64, 64, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(plain);
	assert_int_equal(hm_pktmbuf_data_room_size(plain), 0);
	assert_int_equal(hm_pktmbuf_pool_check(plain, &why), -EINVAL);
	assert_int_equal(hm_pktmbuf_pool_check(NULL, &why), -EINVAL);
	assert_int_equal(hm_pktmbuf_pool_check((struct hm_mempool *)&fake, &why), -EINVAL);
	hm_pktmbuf_init(NULL, NULL, &fake, 0); /* no-op */
	hm_pktmbuf_init(mp, NULL, NULL, 0);    /* no-op */
	assert_int_equal(hm_mbuf_check(NULL, 1, &why), -EFAULT);
	assert_string_equal(why, "mbuf is NULL");
	hm_pktmbuf_dump(stdout, NULL, 0);
	hm_pktmbuf_dump(NULL, &fake, 0);
	assert_int_equal(hm_mempool_free(plain), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
	assert_int_equal(hm_memzone_count(), mz0);
}

/* DPDK's layout and flag values. */
static void
test_mbuf_layout_and_flags(void **state)
{
	struct hm_mempool *mp;
	(void)state;

	assert_int_equal(sizeof(struct hm_mbuf), 128);
	assert_int_equal(offsetof(struct hm_mbuf, buf_iova), 8);
	assert_int_equal(offsetof(struct hm_mbuf, refcnt), 18);
	assert_int_equal(offsetof(struct hm_mbuf, ol_flags), 24);
	assert_int_equal(offsetof(struct hm_mbuf, pkt_len), 36);
	assert_int_equal(offsetof(struct hm_mbuf, hash), 44);
	assert_int_equal(offsetof(struct hm_mbuf, pool), 56);
	assert_int_equal(offsetof(struct hm_mbuf, next), 64);
	assert_int_equal(offsetof(struct hm_mbuf, dynfield1), 92);
	assert_int_equal(HM_MBUF_DEFAULT_BUF_SIZE, 2176);
	assert_int_equal(HM_PKTMBUF_HEADROOM, 128);
	assert_int_equal(HM_MBUF_F_RX_VLAN, 1ULL << 0);
	assert_int_equal(HM_MBUF_F_RX_RSS_HASH, 1ULL << 1);
	assert_int_equal(HM_MBUF_F_RX_L4_CKSUM_BAD, 1ULL << 3);
	assert_int_equal(HM_MBUF_F_RX_IP_CKSUM_BAD, 1ULL << 4);
	assert_int_equal(HM_MBUF_F_RX_VLAN_STRIPPED, 1ULL << 6);
	assert_int_equal(HM_MBUF_F_RX_IP_CKSUM_GOOD, 1ULL << 7);
	assert_int_equal(HM_MBUF_F_RX_L4_CKSUM_GOOD, 1ULL << 8);
	assert_int_equal(HM_MBUF_F_EXTERNAL, 1ULL << 61);
	/* the rearm word aliases the four fields */
	struct hm_mbuf m;
	memset(&m, 0, sizeof(m));
	m.data_off = 0x80;
	m.refcnt = 1;
	m.nb_segs = 1;
	m.port = 0xffff;
	assert_int_equal(m.rearm_data, 0xffff000100010080ULL);

	assert_int_equal(init_with(TOPO), 0);
	mp = make_pool("lay", 100, 0, 0, HM_MBUF_DEFAULT_BUF_SIZE);
	/* DPDK: elt 2304, total 2368 (37 lines); a debug pool (this file's) carries
	 * the 8-byte trailer cookie as DPDK's debug builds do: 2376 -> 39 lines */
	assert_int_equal(mp->elt_size, 2304);
	assert_int_equal(mp->header_size, 64);
	assert_int_equal(mp->header_size + mp->elt_size + mp->trailer_size,
			 hm_mempool_debug(mp) ? 2496 : 2368);
	assert_int_equal(hm_mempool_calc_obj_size(2304, 0, NULL), 2368);
	assert_int_equal(hm_pktmbuf_data_room_size(mp), 2176);
	assert_int_equal(hm_pktmbuf_priv_size(mp), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
}

struct init_check {
	uint16_t priv, room;
	unsigned int n;
};

static void
init_cb(struct hm_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct init_check *c = arg;
	struct hm_mbuf *m = obj;
	hm_iova_t iova = hm_mem_virt2iova((char *)m + 128 + c->priv);

	(void)idx;
	assert_ptr_equal(m->pool, mp);
	assert_ptr_equal(m->buf_addr, (char *)m + 128 + c->priv);
	assert_int_equal(m->buf_iova, iova);
	assert_int_equal(m->buf_len, c->room);
	assert_int_equal(m->data_off, c->room < 128 ? c->room : 128);
	assert_int_equal(m->priv_size, c->priv);
	assert_int_equal(hm_mbuf_refcnt_read(m), 1);
	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(m->port, HM_MBUF_PORT_INVALID);
	assert_null(m->next);
	assert_int_equal(hm_mbuf_data_iova_default(m), iova + 128);
	assert_int_equal(hm_mbuf_data_iova(m), iova + m->data_off);
	assert_ptr_equal(hm_pktmbuf_mtod(m, char *), (char *)m->buf_addr + m->data_off);
	assert_ptr_equal(hm_pktmbuf_mtod_offset(m, char *, 10), (char *)m->buf_addr + m->data_off + 10);
	/* the whole buffer is IOVA-contiguous (the pool keeps objects within pages) */
	assert_int_equal(hm_mem_virt2iova((char *)m->buf_addr + m->buf_len - 1),
			 iova + m->buf_len - 1);
	assert_int_equal(hm_mbuf_check(m, 1, NULL), 0);
	c->n++;
}

/* Every object initialised as DPDK's rte_pktmbuf_init does, IOVA checked. */
static void
test_mbuf_pool_init_fields(void **state)
{
	static const uint16_t privs[] = { 0, 64, 8 };
	static const uint16_t rooms[] = { 2176, 4096 + 128, 64 };
	(void)state;

	assert_int_equal(init_with(TOPO), 0);
	for (unsigned int k = 0; k < 3; k++) {
		struct init_check c = { privs[k], rooms[k], 0 };
		struct hm_mempool *mp = make_pool("fields", 3000, 32, privs[k], rooms[k]);
		assert_int_equal(hm_mempool_obj_iter(mp, init_cb, &c), 3000);
		assert_int_equal(c.n, 3000);
		assert_int_equal(hm_pktmbuf_priv_size(mp), privs[k]);
		assert_int_equal(hm_mempool_free(mp), 0);
	}
}

/* alloc resets; bulk all or nothing; raw forms; free_bulk over pools and chains. */
static void
test_mbuf_alloc_free(void **state)
{
	struct hm_mempool *a, *b;
	struct hm_mbuf *m[80], *x;
	(void)state;

	assert_int_equal(init_with(TOPO), 0);
	a = make_pool("a", 64, 0, 0, 512);
	b = make_pool("b", 64, 8, 16, 512);
	x = hm_pktmbuf_alloc(a);
	assert_non_null(x);
	/* dirty it, free it, get it back reset */
	x->pkt_len = 99;
	x->data_len = 99;
	x->data_off = 3;
	x->ol_flags = HM_MBUF_F_RX_VLAN | HM_MBUF_F_RX_IP_CKSUM_BAD;
	x->packet_type = HM_PTYPE_L3_IPV4;
	x->port = 3;
	x->vlan_tci = 7;
	x->tx_offload = 5;
	hm_pktmbuf_free(x);
	assert_int_equal(hm_pktmbuf_alloc_bulk(a, m, 64), 0);
	for (unsigned int i = 0; i < 64; i++) {
		assert_int_equal(m[i]->pkt_len, 0);
		assert_int_equal(m[i]->data_len, 0);
		assert_int_equal(m[i]->data_off, 128);
		assert_int_equal(m[i]->port, HM_MBUF_PORT_INVALID);
		assert_int_equal(m[i]->tx_offload, 0);
		assert_int_equal(m[i]->vlan_tci, 0);
		assert_int_equal(m[i]->packet_type, 0);
		assert_true((m[i]->ol_flags & ~HM_MBUF_F_EXTERNAL) == 0);
		m[i]->ol_flags = 0;
		assert_mbuf_ok(m[i]);
	}
	assert_null(hm_pktmbuf_alloc(a));
	hm_pktmbuf_free_bulk(m, 64);
	assert_all_free(a);
	/* all or nothing */
	assert_true(hm_pktmbuf_alloc_bulk(a, m, 65) < 0);
	assert_int_equal(hm_mempool_avail_count(a), 64);
	/* raw alloc keeps the fields as they are in the pool */
	x = hm_mbuf_raw_alloc(a);
	if (x == NULL) { /* (a plain assert leaves gcc -O3 a NULL path to warn about) */
		fail_msg("raw alloc: %s", hm_last_error());
		return;
	}
	assert_int_equal(hm_mbuf_refcnt_read(x), 1);
	assert_int_equal(x->nb_segs, 1);
	assert_null(x->next);
	hm_mbuf_raw_free(x);
	assert_all_free(a);
	/* free_bulk: NULL entries, two pools interleaved, chains */
	assert_int_equal(hm_pktmbuf_alloc_bulk(a, m, 40), 0);
	assert_int_equal(hm_pktmbuf_alloc_bulk(b, m + 40, 40), 0);
	for (unsigned int i = 0; i < 40; i += 2) {
		struct hm_mbuf *t = m[i];
		m[i] = m[40 + i];
		m[40 + i] = t;
	}
	assert_int_equal(hm_pktmbuf_chain(m[0], m[1]), 0);
	m[1] = NULL;
	assert_int_equal(hm_pktmbuf_chain(m[2], m[79]), 0);
	m[79] = NULL;
	hm_pktmbuf_free_bulk(m, 80);
	assert_all_free(a);
	assert_all_free(b);
	assert_int_equal(hm_mempool_free(a), 0);
	assert_int_equal(hm_mempool_free(b), 0);
}

/* Chains: pkt_len / nb_segs, check, freed without leaks, overflow refused. */
static void
test_mbuf_chains(void **state)
{
	uint64_t seed = hm_test_seed();
	struct hm_mempool *mp;
	(void)state;

	assert_int_equal(init_with(TOPO), 0);
	mp = make_pool("chain", 512, 16, 0, 256);
	for (unsigned int round = 0; round < 200; round++) {
		unsigned int k = (unsigned int)(hm_test_rand(&seed) % 20) + 1, total = 0;
		struct hm_mbuf *head = hm_pktmbuf_alloc(mp);
		assert_non_null(head);
		for (unsigned int i = 0; i < k; i++) {
			struct hm_mbuf *s = i == 0 ? head : hm_pktmbuf_alloc(mp);
			uint16_t len = (uint16_t)(hm_test_rand(&seed) % 129);
			assert_non_null(s);
			char *d = hm_pktmbuf_append(s, len);
			assert_non_null(d);
			memset(d, (int)i, len);
			total += len;
			if (i > 0)
				assert_int_equal(hm_pktmbuf_chain(head, s), 0);
			assert_mbuf_ok(head);
		}
		assert_int_equal(head->nb_segs, k);
		assert_int_equal(head->pkt_len, total);
		assert_int_equal(hm_pktmbuf_is_contiguous(head), k == 1);
		assert_int_equal(hm_mempool_in_use_count(mp), k);
		if (round == 0)
			hm_pktmbuf_dump(stdout, head, 64);
		hm_pktmbuf_free(head);
		assert_int_equal(hm_mempool_in_use_count(mp), 0);
		if (round % 20 == 0)
			assert_pool_ok(mp);
	}
	/* chaining two chains */
	struct hm_mbuf *a = hm_pktmbuf_alloc(mp), *b = hm_pktmbuf_alloc(mp), *c = hm_pktmbuf_alloc(mp);
	assert_non_null(hm_pktmbuf_append(a, 10));
	assert_non_null(hm_pktmbuf_append(b, 20));
	assert_non_null(hm_pktmbuf_append(c, 30));
	assert_int_equal(hm_pktmbuf_chain(b, c), 0);
	assert_int_equal(hm_pktmbuf_chain(a, b), 0);
	assert_int_equal(a->nb_segs, 3);
	assert_int_equal(a->pkt_len, 60);
	assert_int_equal(b->pkt_len, 20);
	assert_ptr_equal(hm_pktmbuf_lastseg(a), c);
	assert_mbuf_ok(a);
	/* a segment already in the chain, either way round, would make a cycle */
	assert_int_equal(hm_pktmbuf_chain(a, c), -EINVAL);
	assert_int_equal(hm_pktmbuf_chain(a, b), -EINVAL);
	assert_int_equal(hm_pktmbuf_chain(c, a), -EINVAL);
	assert_null(c->next);
	assert_int_equal(a->nb_segs, 3);
	assert_int_equal(a->pkt_len, 60);
	/* overflow */
	a->nb_segs = HM_MBUF_MAX_NB_SEGS;
	struct hm_mbuf *d = hm_pktmbuf_alloc(mp);
	assert_int_equal(hm_pktmbuf_chain(a, d), -EOVERFLOW);
	assert_null(c->next);
	a->nb_segs = 3;
	hm_pktmbuf_free(d);
	hm_pktmbuf_free(a);
	assert_all_free(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* refcnt: shared segments go back on the last free, also across threads. */
struct ref_arg {
	struct hm_mbuf **m;
	unsigned int n;
};

static void *
ref_thread(void *p)
{
	struct ref_arg *a = p;

	hm_pktmbuf_free_bulk(a->m, a->n);
	return NULL;
}

static void
test_mbuf_refcnt(void **state)
{
	struct hm_mempool *mp;
	struct hm_mbuf *m, *tail, *h1, *h2, *many[256], *copy[256];
	struct ref_arg ra = { copy, 256 };
	pthread_t t;
	(void)state;

	assert_int_equal(init_with(TOPO), 0);
	mp = make_pool("ref", 400, 0, 0, 256);
	m = hm_pktmbuf_alloc(mp);
	assert_int_equal(hm_mbuf_refcnt_update(m, 1), 2);
	hm_pktmbuf_free(m);
	assert_int_equal(hm_mbuf_refcnt_read(m), 1);
	assert_int_equal(hm_mempool_in_use_count(mp), 1);
	hm_pktmbuf_free(m);
	assert_int_equal(hm_mempool_in_use_count(mp), 0);
	/* one tail shared by two chains */
	tail = hm_pktmbuf_alloc(mp);
	h1 = hm_pktmbuf_alloc(mp);
	h2 = hm_pktmbuf_alloc(mp);
	assert_non_null(hm_pktmbuf_append(tail, 8));
	assert_int_equal(hm_pktmbuf_chain(h1, tail), 0);
	hm_mbuf_refcnt_update(tail, 1);
	h2->next = tail;
	h2->nb_segs = 2;
	h2->pkt_len = 8;
	hm_pktmbuf_free(h1);
	assert_int_equal(hm_mempool_in_use_count(mp), 2);
	assert_int_equal(hm_mbuf_refcnt_read(tail), 1);
	assert_mbuf_ok(h2);
	hm_pktmbuf_free(h2);
	assert_all_free(mp);
	/* two threads drop one reference each: each mbuf returns exactly once */
	for (unsigned int r = 0; r < 20; r++) {
		assert_int_equal(hm_pktmbuf_alloc_bulk(mp, many, 256), 0);
		for (unsigned int i = 0; i < 256; i++) {
			hm_mbuf_refcnt_update(many[i], 1);
			copy[i] = many[i];
		}
		assert_int_equal(pthread_create(&t, NULL, ref_thread, &ra), 0);
		hm_pktmbuf_free_bulk(many, 256);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_all_free(mp);
	}
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* prepend / append / adj / trim: exact bounds, nothing changes on failure. */
static void
test_mbuf_data_bounds(void **state)
{
	struct hm_mempool *mp;
	struct hm_mbuf *m, *s;
	char *p;
	(void)state;

	assert_int_equal(init_with(TOPO), 0);
	hm_test_quiet_log();
	mp = make_pool("bounds", 64, 0, 0, 1024);
	m = hm_pktmbuf_alloc(mp);
	assert_int_equal(hm_pktmbuf_headroom(m), 128);
	assert_int_equal(hm_pktmbuf_tailroom(m), 1024 - 128);
	/* append to the tailroom exactly */
	p = hm_pktmbuf_append(m, 896);
	assert_ptr_equal(p, hm_pktmbuf_mtod(m, char *));
	assert_int_equal(hm_pktmbuf_tailroom(m), 0);
	assert_fails_ptr(hm_pktmbuf_append(m, 1), ENOSPC);
	assert_int_equal(m->data_len, 896);
	assert_int_equal(m->pkt_len, 896);
	/* prepend the headroom exactly */
	assert_fails_ptr(hm_pktmbuf_prepend(m, 129), ENOSPC);
	p = hm_pktmbuf_prepend(m, 128);
	assert_ptr_equal(p, m->buf_addr);
	assert_int_equal(m->data_len, 1024);
	assert_int_equal(m->pkt_len, 1024);
	assert_fails_ptr(hm_pktmbuf_prepend(m, 1), ENOSPC);
	assert_mbuf_ok(m);
	/* adj */
	assert_fails_ptr(hm_pktmbuf_adj(m, 1025), ENOSPC);
	p = hm_pktmbuf_adj(m, 24);
	assert_ptr_equal(p, (char *)m->buf_addr + 24);
	assert_int_equal(m->data_len, 1000);
	assert_int_equal(m->pkt_len, 1000);
	/* trim */
	assert_int_equal(hm_pktmbuf_trim(m, 1001), -ENOSPC);
	assert_int_equal(hm_pktmbuf_trim(m, 1000), 0);
	assert_int_equal(m->data_len, 0);
	assert_int_equal(m->pkt_len, 0);
	assert_mbuf_ok(m);
	/* on a chain: append and trim act on the last segment, pkt_len on the head */
	s = hm_pktmbuf_alloc(mp);
	assert_non_null(hm_pktmbuf_append(m, 100));
	assert_non_null(hm_pktmbuf_append(s, 50));
	assert_int_equal(hm_pktmbuf_chain(m, s), 0);
	p = hm_pktmbuf_append(m, 10);
	assert_ptr_equal(p, hm_pktmbuf_mtod_offset(s, char *, 50));
	assert_int_equal(s->data_len, 60);
	assert_int_equal(m->pkt_len, 160);
	assert_int_equal(hm_pktmbuf_trim(m, 61), -ENOSPC);
	assert_int_equal(hm_pktmbuf_trim(m, 60), 0);
	assert_int_equal(s->data_len, 0);
	assert_int_equal(m->pkt_len, 100);
	assert_mbuf_ok(m);
	hm_pktmbuf_free(m);
	assert_all_free(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
}

/* hm_mbuf_check's reasons, and the free-mbuf invariant of the pool check. */
struct find_free {
	struct hm_mbuf *m;
};

static void
find_free_cb(struct hm_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct find_free *f = arg;
	(void)idx;
	if (f->m == NULL && *hm_mempool_get_cookie(mp, obj) == HM_MEMPOOL_COOKIE_IN)
		f->m = obj;
}

static void
expect_reason(const struct hm_mbuf *m, const char *reason)
{
	const char *why = NULL;

	assert_int_equal(hm_mbuf_check(m, 1, &why), -EFAULT);
	assert_string_equal(why, reason);
}

static void
test_mbuf_check_detects(void **state)
{
	struct hm_mempool *mp;
	struct hm_mbuf *m, *s, saved;
	const char *why = NULL;
	(void)state;

	assert_int_equal(init_with(TOPO), 0);
	hm_test_quiet_log();
	mp = make_pool("chk", 64, 0, 0, 512);
	m = hm_pktmbuf_alloc(mp);
	s = hm_pktmbuf_alloc(mp);
	assert_non_null(hm_pktmbuf_append(m, 10));
	assert_non_null(hm_pktmbuf_append(s, 20));
	assert_int_equal(hm_pktmbuf_chain(m, s), 0);
	saved = *m;
#define CORRUPT(stmt, reason)                                                       \
	do {                                                                        \
		stmt;                                                               \
		expect_reason(m, reason);                                           \
		*m = saved;                                                         \
		assert_mbuf_ok(m);                                                  \
	} while (0)
	CORRUPT(m->pool = NULL, "bad mbuf pool");
	CORRUPT(m->buf_iova = 0, "bad IO addr");
	CORRUPT(m->buf_addr = NULL, "bad virt addr");
	CORRUPT(m->refcnt = 0, "bad ref cnt");
	CORRUPT(m->buf_addr = (char *)m->buf_addr + 64,
		"buf_addr does not follow the header and private area");
	CORRUPT(m->data_len = 31, "bad data_len");
	CORRUPT(m->data_off = 600, "data offset too big in mbuf segment");
	CORRUPT(m->data_off = 505, "data length too big in mbuf segment");
	CORRUPT(m->nb_segs = 1, "bad nb_segs");
	CORRUPT(m->nb_segs = 3, "bad nb_segs");
	CORRUPT(m->pkt_len = 29, "bad pkt_len");
	/* DPDK's rte_mbuf_check: 0xffff is a refcnt decremented from 0 (double free) */
	CORRUPT(m->refcnt = UINT16_MAX, "bad ref cnt");
#undef CORRUPT
	/* the chain's other segments get the generic checks too */
	{
		struct hm_mbuf ssaved = *s;
#define CORRUPT_SEG(stmt, reason)                                                   \
	do {                                                                        \
		stmt;                                                               \
		expect_reason(m, reason);                                           \
		*s = ssaved;                                                        \
		assert_mbuf_ok(m);                                                  \
	} while (0)
		CORRUPT_SEG(s->pool = NULL, "bad mbuf pool");
		CORRUPT_SEG(s->buf_addr = NULL, "bad virt addr");
		CORRUPT_SEG(s->refcnt = 0, "bad ref cnt");
		CORRUPT_SEG(s->refcnt = UINT16_MAX, "bad ref cnt");
		CORRUPT_SEG(s->buf_addr = (char *)s->buf_addr + 64,
			    "buf_addr does not follow the header and private area");
#undef CORRUPT_SEG
	}
	assert_int_equal(hm_mbuf_check(m, 0, NULL), 0);
	hm_pktmbuf_free(m);
	assert_pool_ok(mp);
	/* an mbuf's fixed fields */
	m = hm_pktmbuf_alloc(mp);
	m->buf_len = 100;
	assert_int_equal(hm_pktmbuf_pool_check(mp, &why), -EFAULT);
	assert_string_equal(why, "mbuf priv_size / buf_len differ from the pool's");
	m->buf_len = 512;
	hm_pktmbuf_free(m);
	assert_pool_ok(mp);
	/* a free mbuf (cookie: in the pool) with refcnt 2 */
	struct find_free f = { NULL };
	hm_mempool_obj_iter(mp, find_free_cb, &f);
	assert_non_null(f.m);
	hm_mbuf_refcnt_set(f.m, 2);
	assert_int_equal(hm_pktmbuf_pool_check(mp, &why), -EFAULT);
	assert_string_equal(why, "a free mbuf does not have refcnt 1, next NULL and one segment");
	hm_mbuf_refcnt_set(f.m, 1);
	f.m->nb_segs = 2;
	assert_int_equal(hm_pktmbuf_pool_check(mp, &why), -EFAULT);
	f.m->nb_segs = 1;
	assert_pool_ok(mp);
	assert_int_equal(hm_mempool_free(mp), 0);
}

static int
child_aborts(void (*fn)(struct hm_mempool *), struct hm_mempool *mp)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		hm_test_quiet_log();
		fn(mp);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void
double_free(struct hm_mempool *mp)
{
	struct hm_mbuf *m = hm_pktmbuf_alloc(mp);
	hm_pktmbuf_free(m);
	hm_pktmbuf_free(m);
}

static void
double_free_bulk(struct hm_mempool *mp)
{
	struct hm_mbuf *m[2];
	m[0] = hm_pktmbuf_alloc(mp);
	m[1] = m[0];
	hm_pktmbuf_free_bulk(m, 2);
}

static void
raw_free_chained(struct hm_mempool *mp)
{
	struct hm_mbuf *a = hm_pktmbuf_alloc(mp), *b = hm_pktmbuf_alloc(mp);
	hm_pktmbuf_chain(a, b);
	hm_mbuf_raw_free(a); /* next != NULL: not a free mbuf */
}

static void
test_mbuf_double_free_debug(void **state)
{
	(void)state;
	static void (*const cases[])(struct hm_mempool *) = {
		double_free, double_free_bulk, raw_free_chained,
	};
	assert_int_equal(init_with(TOPO), 0);
	for (unsigned int i = 0; i < 3; i++) {
		/* the pool is shared with the child: a fresh one each time */
		struct hm_mempool *mp = make_pool("dbl", 64, 8, 0, 256);
		assert_true(child_aborts(cases[i], mp));
		assert_int_equal(hm_mempool_free(mp), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mbuf_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_mbuf_layout_and_flags, hm_test_teardown),
		cmocka_unit_test_teardown(test_mbuf_pool_init_fields, hm_test_teardown),
		cmocka_unit_test_teardown(test_mbuf_alloc_free, hm_test_teardown),
		cmocka_unit_test_teardown(test_mbuf_chains, hm_test_teardown),
		cmocka_unit_test_teardown(test_mbuf_refcnt, hm_test_teardown),
		cmocka_unit_test_teardown(test_mbuf_data_bounds, hm_test_teardown),
		cmocka_unit_test_teardown(test_mbuf_check_detects, hm_test_teardown),
		cmocka_unit_test_teardown(test_mbuf_double_free_debug, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
