/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's mbufs (rte_mbuf.h, rte_mbuf_core.h, rte_mbuf_dyn.h,
 * rte_mbuf_pool_ops.h, rte_mbuf_ptype.h): DPDK's errors for bad input, alloc
 * and free (pool counts come back exactly), data operations against a byte
 * model, clones and attach / detach (references and when buffers return),
 * external buffers and pinned external-buffer pools, hugemem's own frees of
 * attached mbufs against a refcount model, copy / read /
 * linearize across segments, the checks, dynamic fields and flags, pool ops
 * selection, offload flag and packet type names (the strings and list
 * layouts DPDK 22.11 prints), TX offload helpers and scheduler fields. Emu.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_memzone.h>

#include "dpdk_test.h"
#include "hugemem/mbuf.h"

#define NB 256

static struct rte_mempool *
pool(const char *name, unsigned int n)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
							 SOCKET_ID_ANY);
	assert_non_null(mp);
	return mp;
}

static void
assert_mbuf_ok(const struct rte_mbuf *m)
{
	const char *why = NULL;

	if (rte_mbuf_check(m, 1, &why) != 0)
		fail_msg("mbuf %p: %s", (const void *)m, why);
}

/* A chain of @p nseg segments holding bytes 0, 1, 2, ... (@p per bytes each). */
static struct rte_mbuf *
chain_of(struct rte_mempool *mp, unsigned int nseg, uint16_t per)
{
	struct rte_mbuf *head = NULL;
	unsigned int k = 0;

	for (unsigned int s = 0; s < nseg; s++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		char *d;
		assert_non_null(m);
		d = rte_pktmbuf_append(m, per);
		assert_non_null(d);
		for (unsigned int i = 0; i < per; i++)
			d[i] = (char)(k++ & 0xff);
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
	}
	return head;
}

/* ---------------------------------------------------------------- errors */

static void
test_dpdk_mbuf_invalid_args(void **state)
{
	struct rte_mbuf_dynfield f;
	struct rte_mbuf_dynflag fl;
	struct rte_pktmbuf_extmem ext;
	struct rte_mempool *mp;
	struct rte_mbuf *m;
	char buf[8];
	(void)state;

	assert_null_errno(rte_pktmbuf_pool_create("p", NB, 0, 3, 2048, SOCKET_ID_ANY), EINVAL);
	assert_null_errno(rte_pktmbuf_pool_create_by_ops("p", NB, 0, 0, 2048, SOCKET_ID_ANY, "nope"),
			  EINVAL);
	assert_null_errno(rte_memzone_lookup("MP_p"), ENOENT); /* nothing left */
	assert_null_errno(rte_pktmbuf_pool_create("p", 0, 0, 0, 2048, SOCKET_ID_ANY), EINVAL);
	assert_null_errno(rte_pktmbuf_pool_create_extbuf("p", NB, 0, 0, 2048, SOCKET_ID_ANY, NULL, 1),
			  EINVAL);
	memset(&ext, 0, sizeof(ext));
	ext.buf_ptr = buf;
	ext.buf_len = sizeof(buf);
	ext.elt_size = 4;
	assert_null_errno(rte_pktmbuf_pool_create_extbuf("p", NB, 0, 0, 2048, SOCKET_ID_ANY, &ext, 1),
			  EINVAL); /* slices below the data room */
	ext.elt_size = 2048;
	assert_null_errno(rte_pktmbuf_pool_create_extbuf("p", NB, 0, 0, 2048, SOCKET_ID_ANY, &ext, 1),
			  EINVAL); /* too little memory */

	mp = pool("p", NB);
	assert_null_errno(rte_pktmbuf_clone(NULL, mp), EINVAL);
	m = rte_pktmbuf_alloc(mp);
	assert_null_errno(rte_pktmbuf_copy(m, mp, 0, 10), EINVAL); /* empty: offset at the end */
	assert_null(rte_pktmbuf_read(m, 0, 1, buf));
	assert_null(rte_pktmbuf_read(m, UINT32_MAX, 2, buf)); /* DPDK wraps off + len */
	assert_null(rte_pktmbuf_prepend(m, 129));
	assert_null(rte_pktmbuf_append(m, 2049));
	assert_null(rte_pktmbuf_adj(m, 1));
	assert_int_equal(rte_pktmbuf_trim(m, 1), -1);
	m->nb_segs = RTE_MBUF_MAX_NB_SEGS;
	{
		struct rte_mbuf *t = rte_pktmbuf_alloc(mp);
		assert_int_equal(rte_pktmbuf_chain(m, t), -EOVERFLOW);
		m->nb_segs = 1;
		rte_pktmbuf_free(t);
	}
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(NULL);
	rte_pktmbuf_free_bulk(NULL, 3);

	/* dynamic fields and flags */
	memset(&f, 0, sizeof(f));
	snprintf(f.name, sizeof(f.name), "f");
	f.size = 4;
	f.align = 4;
	assert_fails(rte_mbuf_dynfield_register(NULL), EINVAL);
	f.size = 0;
	assert_fails(rte_mbuf_dynfield_register(&f), EINVAL);
	f.size = 128;
	assert_fails(rte_mbuf_dynfield_register(&f), EINVAL);
	f.size = 4;
	f.align = 3;
	assert_fails(rte_mbuf_dynfield_register(&f), EINVAL);
	f.align = 4;
	f.flags = 1;
	assert_fails(rte_mbuf_dynfield_register(&f), EINVAL);
	f.flags = 0;
	assert_fails(rte_mbuf_dynfield_register_offset(&f, 94), EINVAL);  /* misaligned */
	assert_fails(rte_mbuf_dynfield_register_offset(&f, 200), EINVAL); /* outside the mbuf */
	assert_fails(rte_mbuf_dynfield_register_offset(&f, 8), EBUSY);    /* not dynamic space */
	memset(f.name, 'n', sizeof(f.name));
	assert_fails(rte_mbuf_dynfield_register(&f), ENAMETOOLONG);
	f.size = 37;
	snprintf(f.name, sizeof(f.name), "big");
	assert_fails(rte_mbuf_dynfield_register(&f), ENOENT); /* 36 bytes free */
	assert_fails(rte_mbuf_dynfield_lookup("nope", NULL), ENOENT);
	assert_fails(rte_mbuf_dynfield_lookup(NULL, NULL), EINVAL);
	memset(&fl, 0, sizeof(fl));
	snprintf(fl.name, sizeof(fl.name), "fl");
	assert_fails(rte_mbuf_dynflag_register(NULL), EINVAL);
	assert_fails(rte_mbuf_dynflag_register_bitnum(&fl, 64), EINVAL);
	assert_fails(rte_mbuf_dynflag_register_bitnum(&fl, 0), EBUSY); /* RTE_MBUF_F_RX_VLAN */
	fl.flags = 2;
	assert_fails(rte_mbuf_dynflag_register(&fl), EINVAL);
	memset(fl.name, 'n', sizeof(fl.name));
	fl.flags = 0;
	assert_fails(rte_mbuf_dynflag_register(&fl), ENAMETOOLONG);
	assert_fails(rte_mbuf_dynflag_lookup("nope", NULL), ENOENT);

	/* pool ops names */
	assert_int_equal(rte_mbuf_set_platform_mempool_ops(NULL), -EINVAL);
	assert_int_equal(rte_mbuf_set_user_mempool_ops(""), -EINVAL);
	memset(f.name, 'o', 40);
	f.name[40] = '\0';
	assert_int_equal(rte_mbuf_set_user_mempool_ops(f.name), -EINVAL);
	/* names into buffers too small */
	assert_int_equal(rte_get_rx_ol_flag_list(0, buf, 0), -1);
	assert_int_equal(rte_get_rx_ol_flag_list(0, NULL, 10), -1);
	assert_int_equal(rte_get_ptype_name(0, NULL, 10), -1);
	assert_int_equal(rte_get_ptype_name(0, buf, 3), -1);
	rte_mempool_free(mp);
}

/* ---------------------------------------------------------------- alloc, free */

static void
test_dpdk_mbuf_alloc_free(void **state)
{
	struct rte_mbuf *ms[NB], *chains[4];
	struct rte_mempool *a = pool("a", NB), *b = pool("b", NB);
	struct rte_mbuf *m;
	(void)state;

	assert_int_equal(rte_pktmbuf_data_room_size(a), RTE_MBUF_DEFAULT_BUF_SIZE);
	assert_int_equal(rte_pktmbuf_priv_size(a), 0);
	assert_int_equal(rte_pktmbuf_priv_flags(a), 0);
	m = rte_pktmbuf_alloc(a);
	assert_non_null(m);
	assert_ptr_equal(m->pool, a);
	assert_int_equal(m->data_off, RTE_PKTMBUF_HEADROOM);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(m->port, RTE_MBUF_PORT_INVALID);
	assert_int_equal(m->pkt_len, 0);
	assert_int_equal(m->buf_len, RTE_MBUF_DEFAULT_BUF_SIZE);
	assert_ptr_equal(m->buf_addr, (char *)m + sizeof(*m));
	assert_ptr_equal(rte_mbuf_buf_addr(m, a), m->buf_addr);
	assert_ptr_equal(rte_mbuf_to_baddr(m), m->buf_addr);
	assert_ptr_equal(rte_mbuf_data_addr_default(m), rte_pktmbuf_mtod(m, char *));
	assert_ptr_equal(rte_mbuf_to_priv(m), (char *)m + sizeof(*m));
	assert_int_equal(rte_mbuf_iova_get(m), rte_mempool_virt2iova(m) + sizeof(*m));
	assert_int_equal(rte_mbuf_data_iova(m), rte_mbuf_iova_get(m) + RTE_PKTMBUF_HEADROOM);
	assert_int_equal(rte_mbuf_data_iova_default(m), rte_mbuf_data_iova(m));
	assert_int_equal(rte_pktmbuf_iova(m), rte_mbuf_data_iova(m));
	assert_int_equal(rte_pktmbuf_iova_offset(m, 5), rte_mbuf_data_iova(m) + 5);
	assert_true(RTE_MBUF_DIRECT(m));
	rte_mbuf_prefetch_part1(m);
	rte_mbuf_prefetch_part2(m);
	m->ol_flags = RTE_MBUF_F_RX_VLAN;
	m->packet_type = RTE_PTYPE_L2_ETHER;
	rte_pktmbuf_reset(m);
	assert_int_equal(m->ol_flags, 0);
	assert_int_equal(m->packet_type, 0);
	assert_mbuf_ok(m);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_avail_count(a), NB);

	/* raw alloc keeps the fields as the pool left them */
	m = rte_mbuf_raw_alloc(a);
	assert_non_null(m);
	__rte_mbuf_raw_sanity_check(m);
	rte_mbuf_raw_free(m);

	/* bulk: all or nothing */
	assert_int_equal(rte_pktmbuf_alloc_bulk(a, ms, NB), 0);
	assert_true(rte_pktmbuf_alloc_bulk(a, ms, 1) < 0);
	assert_null(rte_pktmbuf_alloc(a));
	rte_pktmbuf_free_bulk(ms, NB);
	assert_int_equal(rte_mempool_avail_count(a), NB);

	/* free_bulk of chains spanning two pools, NULL entries skipped */
	chains[0] = chain_of(a, 3, 100);
	chains[1] = NULL;
	chains[2] = chain_of(b, 2, 50);
	assert_int_equal(rte_pktmbuf_chain(chains[2], chain_of(a, 2, 10)), 0);
	chains[3] = chain_of(b, 1, 1);
	assert_int_equal(rte_mempool_in_use_count(a), 5);
	assert_int_equal(rte_mempool_in_use_count(b), 3);
	rte_pktmbuf_free_bulk(chains, 4);
	assert_int_equal(rte_mempool_avail_count(a), NB);
	assert_int_equal(rte_mempool_avail_count(b), NB);
	rte_mempool_free(a);
	rte_mempool_free(b);
}

/* ---------------------------------------------------------------- data */

static void
test_dpdk_mbuf_data_ops(void **state)
{
	struct rte_mempool *mp = pool("d", NB);
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *t;
	char *p;
	(void)state;

	p = rte_pktmbuf_append(m, 100);
	assert_ptr_equal(p, rte_pktmbuf_mtod(m, char *));
	memset(p, 'a', 100);
	assert_int_equal(rte_pktmbuf_data_len(m), 100);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 100);
	assert_int_equal(rte_pktmbuf_tailroom(m), 2048 - 100);
	p = rte_pktmbuf_prepend(m, 14);
	assert_ptr_equal(p, rte_pktmbuf_mtod(m, char *));
	assert_int_equal(rte_pktmbuf_headroom(m), 128 - 14);
	assert_int_equal(m->pkt_len, 114);
	p = rte_pktmbuf_adj(m, 4);
	assert_ptr_equal(p, rte_pktmbuf_mtod_offset(m, char *, 0));
	assert_int_equal(m->data_len, 110);
	assert_int_equal(rte_pktmbuf_trim(m, 10), 0);
	assert_int_equal(m->pkt_len, 100);
	assert_int_equal(rte_pktmbuf_is_contiguous(m), 1);
	/* chain: head grows, the tail's pkt_len becomes its data_len */
	t = chain_of(mp, 2, 30);
	assert_int_equal(t->pkt_len, 60);
	assert_int_equal(rte_pktmbuf_chain(m, t), 0);
	assert_int_equal(m->nb_segs, 3);
	assert_int_equal(m->pkt_len, 160);
	assert_int_equal(t->pkt_len, 30);
	assert_ptr_equal(rte_pktmbuf_lastseg(m), t->next);
	assert_int_equal(rte_pktmbuf_is_contiguous(m), 0);
	/* append and trim act on the last segment */
	assert_non_null(rte_pktmbuf_append(m, 5));
	assert_int_equal(t->next->data_len, 35);
	assert_int_equal(rte_pktmbuf_trim(m, 36), -1);
	assert_int_equal(rte_pktmbuf_trim(m, 35), 0);
	assert_int_equal(m->pkt_len, 130);
	assert_mbuf_ok(m);
	rte_pktmbuf_refcnt_update(m, 1);
	assert_int_equal(rte_mbuf_refcnt_read(t), 2);
	rte_pktmbuf_free(m); /* drops one reference of each */
	assert_int_equal(rte_mempool_in_use_count(mp), 3);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_avail_count(mp), NB);
	rte_mempool_free(mp);
}

/* ---------------------------------------------------------------- clones */

static void
test_dpdk_mbuf_clone_attach(void **state)
{
	struct rte_mempool *mp = pool("c", NB), *cp = pool("cl", NB);
	struct rte_mbuf *m = chain_of(mp, 3, 200), *c, *mi;
	(void)state;

	m->port = 3;
	m->packet_type = RTE_PTYPE_L3_IPV4;
	m->hash.rss = 0x1234;
	m->dynfield1[2] = 77;
	c = rte_pktmbuf_clone(m, cp);
	assert_non_null(c);
	assert_int_equal(c->nb_segs, 3);
	assert_int_equal(c->pkt_len, 600);
	assert_int_equal(c->port, 3);
	assert_int_equal(c->hash.rss, 0x1234);
	assert_int_equal(c->dynfield1[2], 77);
	assert_mbuf_ok(c);
	for (struct rte_mbuf *s = c, *o = m; s != NULL; s = s->next, o = o->next) {
		assert_true(RTE_MBUF_CLONED(s));
		assert_false(RTE_MBUF_DIRECT(s));
		assert_ptr_equal(s->buf_addr, o->buf_addr);
		assert_ptr_equal(rte_mbuf_from_indirect(s), o);
		assert_int_equal(rte_mbuf_refcnt_read(o), 2);
		assert_memory_equal(rte_pktmbuf_mtod(s, char *), rte_pktmbuf_mtod(o, char *), 200);
	}
	/* the original goes first: its buffers stay until the clone lets go */
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_in_use_count(mp), 3);
	rte_pktmbuf_free(c);
	assert_int_equal(rte_mempool_avail_count(mp), NB);
	assert_int_equal(rte_mempool_avail_count(cp), NB);

	/* attach / detach by hand; a clone of a clone points at the direct mbuf */
	m = chain_of(mp, 1, 64);
	mi = rte_pktmbuf_alloc(cp);
	rte_pktmbuf_attach(mi, m);
	assert_int_equal(rte_mbuf_refcnt_read(m), 2);
	assert_int_equal(mi->data_len, 64);
	c = rte_pktmbuf_clone(mi, cp);
	assert_ptr_equal(rte_mbuf_from_indirect(c), m);
	assert_int_equal(rte_mbuf_refcnt_read(m), 3);
	rte_pktmbuf_detach(mi);
	assert_true(RTE_MBUF_DIRECT(mi));
	assert_ptr_equal(mi->buf_addr, (char *)mi + sizeof(*mi));
	assert_int_equal(mi->data_len, 0);
	assert_int_equal(rte_mbuf_refcnt_read(m), 2);
	rte_pktmbuf_free(mi);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_in_use_count(mp), 1); /* the clone holds it */
	rte_pktmbuf_free(c);
	assert_int_equal(rte_mempool_avail_count(mp), NB);
	assert_int_equal(rte_mempool_avail_count(cp), NB);

	/* a clone that runs out of mbufs leaves nothing allocated */
	{
		struct rte_mempool *tiny = pool("tiny", 2);
		m = chain_of(mp, 3, 10);
		assert_null_errno(rte_pktmbuf_clone(m, tiny), ENOBUFS);
		assert_int_equal(rte_mempool_avail_count(tiny), 2);
		assert_int_equal(rte_mbuf_refcnt_read(m), 1);
		rte_pktmbuf_free(m);
		rte_mempool_free(tiny);
	}
	rte_mempool_free(mp);
	rte_mempool_free(cp);
}

/* ---------------------------------------------------------------- external buffers */

static int ext_frees;
static void *ext_freed_addr, *ext_freed_opaque;

static void
ext_free(void *addr, void *opaque)
{
	ext_frees++;
	ext_freed_addr = addr;
	ext_freed_opaque = opaque;
}

static void
test_dpdk_mbuf_extbuf(void **state)
{
	struct rte_mempool *mp = pool("e", NB);
	struct rte_mbuf_ext_shared_info *shinfo;
	struct rte_mbuf *m, *c;
	uint16_t len = 4096;
	char *buf = rte_malloc("ext", len, 64);
	(void)state;

	shinfo = rte_pktmbuf_ext_shinfo_init_helper(buf, &len, ext_free, (void *)0x77);
	assert_non_null(shinfo);
	assert_true((char *)shinfo >= buf + len);
	assert_true(len < 4096 && len >= 4096 - sizeof(*shinfo) - 8);
	assert_int_equal(rte_mbuf_ext_refcnt_read(shinfo), 1);
	{
		uint16_t small = sizeof(*shinfo);
		assert_null(rte_pktmbuf_ext_shinfo_init_helper(buf, &small, ext_free, NULL));
	}
	m = rte_pktmbuf_alloc(mp);
	rte_pktmbuf_attach_extbuf(m, buf, rte_malloc_virt2iova(buf), len, shinfo);
	assert_true(RTE_MBUF_HAS_EXTBUF(m));
	assert_ptr_equal(m->shinfo, shinfo);
	assert_int_equal(m->data_off, 0);
	rte_pktmbuf_reset_headroom(m);
	assert_non_null(rte_pktmbuf_append(m, 100));
	c = rte_pktmbuf_clone(m, mp);
	assert_non_null(c);
	assert_true(RTE_MBUF_HAS_EXTBUF(c));
	assert_false(RTE_MBUF_CLONED(c));
	assert_int_equal(rte_mbuf_ext_refcnt_read(shinfo), 2);
	assert_int_equal(rte_mbuf_ext_refcnt_update(shinfo, 1), 3);
	assert_int_equal(rte_mbuf_ext_refcnt_update(shinfo, -1), 2);
	ext_frees = 0;
	rte_pktmbuf_free(m);
	assert_int_equal(ext_frees, 0);
	rte_pktmbuf_free(c);
	assert_int_equal(ext_frees, 1);
	assert_ptr_equal(ext_freed_addr, buf);
	assert_ptr_equal(ext_freed_opaque, (void *)0x77);
	assert_int_equal(rte_mempool_avail_count(mp), NB);
	rte_free(buf);
	rte_mempool_free(mp);
}

static void
test_dpdk_mbuf_pinned_extbuf(void **state)
{
	struct rte_pktmbuf_extmem ext[2];
	struct rte_mempool *mp, *cp = pool("pcl", 16);
	struct rte_mbuf *m, *c;
	char *mem = rte_malloc("extmem", 2 * 8 * 2048, 64);
	(void)state;

	for (int i = 0; i < 2; i++) {
		ext[i].buf_ptr = mem + i * 8 * 2048;
		ext[i].buf_iova = rte_malloc_virt2iova(ext[i].buf_ptr);
		ext[i].buf_len = 8 * 2048;
		ext[i].elt_size = 2048;
	}
	mp = rte_pktmbuf_pool_create_extbuf("pin", 16, 0, 8, 2048, SOCKET_ID_ANY, ext, 2);
	assert_non_null(mp);
	assert_int_equal(rte_pktmbuf_priv_flags(mp), RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF);
	assert_int_equal(rte_pktmbuf_priv_size(mp), 8);
	m = rte_pktmbuf_alloc(mp);
	assert_non_null(m);
	assert_true(RTE_MBUF_HAS_EXTBUF(m));
	assert_true(RTE_MBUF_HAS_PINNED_EXTBUF(m));
	assert_true((char *)m->buf_addr >= mem && (char *)m->buf_addr < mem + 2 * 8 * 2048);
	assert_int_equal(m->buf_len, 2048);
	assert_int_equal(m->data_off, RTE_PKTMBUF_HEADROOM);
	assert_ptr_equal(m->shinfo, (char *)m + sizeof(*m) + 8);
	assert_non_null(rte_pktmbuf_append(m, 50));
	/* a clone pins the buffer: the mbuf comes back when the clone goes */
	c = rte_pktmbuf_clone(m, cp);
	assert_non_null(c);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_in_use_count(mp), 1);
	rte_pktmbuf_free(c);
	assert_int_equal(rte_mempool_avail_count(mp), 16);
	assert_int_equal(rte_mempool_avail_count(cp), 16);
	/* every mbuf has its own slice */
	{
		struct rte_mbuf *all[16];
		assert_int_equal(rte_pktmbuf_alloc_bulk(mp, all, 16), 0);
		for (int i = 0; i < 16; i++) {
			assert_true(RTE_MBUF_HAS_EXTBUF(all[i]));
			for (int j = 0; j < i; j++)
				assert_ptr_not_equal(all[i]->buf_addr, all[j]->buf_addr);
		}
		rte_pktmbuf_free_bulk(all, 16);
	}
	assert_int_equal(rte_mempool_avail_count(mp), 16);
	rte_mempool_free(mp);
	rte_mempool_free(cp);
	rte_free(mem);
}

/* ------------------------------------------- hugemem's free of attached mbufs */

/*
 * hm_pktmbuf_free / hm_pktmbuf_free_bulk free indirect and external-buffer
 * mbufs exactly as rte_pktmbuf_free does (they are the same code): a seeded
 * random sequence of chains, clones (into either pool), external buffers,
 * extra references and frees through the four functions, checked after every
 * step against a model of every segment's refcnt, each external buffer's
 * refcnt and free callback, and both pools' counts.
 */
#define HF_HANDLES 24
#define HF_EXT 64

struct hf_handle {
	struct rte_mbuf *m; /* NULL: slot free */
	unsigned int refs;  /* references the test holds on every segment */
};

static int hf_ext_freed[HF_EXT];

static void
hf_ext_free(void *addr, void *opaque)
{
	hf_ext_freed[(uintptr_t)opaque]++;
	rte_free(addr);
}

/* A segment the model knows: its own references and indirect segments on it. */
struct hf_seg {
	const struct rte_mbuf *m;
	unsigned int own, nind;
};

static struct hf_seg *
hf_seg_of(struct hf_seg *tab, unsigned int *n, const struct rte_mbuf *m)
{
	for (unsigned int i = 0; i < *n; i++)
		if (tab[i].m == m)
			return &tab[i];
	tab[*n] = (struct hf_seg){ .m = m };
	return &tab[(*n)++];
}

static void
hf_check(const struct hf_handle *h, struct rte_mempool *a, struct rte_mempool *b,
	 struct rte_mbuf_ext_shared_info **shinfo, unsigned int next_ext)
{
	struct hf_seg tab[4 * HF_HANDLES * 3];
	unsigned int n = 0, n_ext[HF_EXT] = { 0 };

	for (int i = 0; i < HF_HANDLES; i++) {
		for (const struct rte_mbuf *s = h[i].m; s != NULL; s = s->next) {
			hf_seg_of(tab, &n, s)->own += h[i].refs;
			if (RTE_MBUF_CLONED(s))
				hf_seg_of(tab, &n, rte_mbuf_from_indirect((struct rte_mbuf *)s))->nind++;
			else if (RTE_MBUF_HAS_EXTBUF(s))
				/* the newest buffer at that address (a freed one's
				 * memory comes back from rte_malloc) */
				for (unsigned int e = next_ext; e-- > 0;)
					if (s->shinfo == shinfo[e]) {
						n_ext[e]++;
						break;
					}
		}
	}
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(rte_mbuf_refcnt_read(tab[i].m), tab[i].own + tab[i].nind);
	/* every segment alive is out of its pool, every other one back in it */
	assert_int_equal(rte_mempool_in_use_count(a) + rte_mempool_in_use_count(b), n);
	for (unsigned int e = 0; e < next_ext; e++) {
		assert_int_equal(hf_ext_freed[e], n_ext[e] == 0 ? 1 : 0);
		if (n_ext[e] > 0)
			assert_int_equal(rte_mbuf_ext_refcnt_read(shinfo[e]), n_ext[e]);
	}
}

static void
test_dpdk_mbuf_hm_free_attached(void **state)
{
	struct rte_mempool *pools[2] = { pool("hfa", NB), pool("hfb", NB) };
	struct rte_mbuf_ext_shared_info *shinfo[HF_EXT];
	struct hf_handle h[HF_HANDLES] = { { NULL, 0 } };
	unsigned int next_ext = 0, frees_by[4] = { 0 };
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	(void)state;

	memset(hf_ext_freed, 0, sizeof(hf_ext_freed));
	for (int step = 0; step < 3000; step++) {
		unsigned int r, i, op;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = (unsigned int)(seed >> 33);
		i = r % HF_HANDLES;
		op = (r >> 8) % 8;
		if (h[i].m == NULL) {
			struct rte_mempool *mp = pools[(r >> 12) & 1];
			int src = (int)((i + 1 + (r >> 16) % (HF_HANDLES - 1)) % HF_HANDLES);

			if (op < 3 && h[src].m != NULL) { /* a clone of another handle */
				h[i].m = rte_pktmbuf_clone(h[src].m, mp);
				assert_non_null(h[i].m);
			} else if (op < 5 && next_ext < HF_EXT) { /* an external buffer */
				uint16_t len = 1024;
				char *buf = rte_malloc("hf_ext", len, 64);

				assert_non_null(buf);
				shinfo[next_ext] = rte_pktmbuf_ext_shinfo_init_helper(
					buf, &len, hf_ext_free, (void *)(uintptr_t)next_ext);
				assert_non_null(shinfo[next_ext]);
				h[i].m = rte_pktmbuf_alloc(mp);
				assert_non_null(h[i].m);
				rte_pktmbuf_attach_extbuf(h[i].m, buf, rte_malloc_virt2iova(buf), len,
							  shinfo[next_ext]);
				rte_pktmbuf_reset_headroom(h[i].m);
				assert_non_null(rte_pktmbuf_append(h[i].m, 10));
				next_ext++;
			} else { /* a direct chain of 1 to 3 segments */
				h[i].m = chain_of(mp, 1 + (r >> 20) % 3, 20);
			}
			h[i].refs = 1;
		} else if (op < 2) { /* one more reference on every segment */
			rte_pktmbuf_refcnt_update(h[i].m, 1);
			h[i].refs++;
		} else {
			/* drop one reference, through one of the four frees; the bulk
			 * ones take the next live handles along */
			struct rte_mbuf *batch[3];
			unsigned int nb = 0, how = (r >> 4) % 4;

			for (unsigned int k = 0; k < HF_HANDLES && nb < (how >= 2 ? 3u : 1u); k++) {
				unsigned int j = (i + k) % HF_HANDLES;

				if (h[j].m == NULL)
					continue;
				batch[nb++] = h[j].m;
				if (--h[j].refs == 0)
					h[j].m = NULL;
			}
			frees_by[how]++;
			if (how == 0)
				hm_pktmbuf_free((struct hm_mbuf *)(void *)batch[0]);
			else if (how == 1)
				rte_pktmbuf_free(batch[0]);
			else if (how == 2)
				hm_pktmbuf_free_bulk((struct hm_mbuf **)(void *)batch, nb);
			else
				rte_pktmbuf_free_bulk(batch, nb);
		}
		hf_check(h, pools[0], pools[1], shinfo, next_ext);
	}
	for (int k = 0; k < 4; k++)
		assert_true(frees_by[k] > 100); /* every free function was exercised */
	assert_true(next_ext > 20);
	for (int i = 0; i < HF_HANDLES; i++) {
		while (h[i].m != NULL) {
			struct rte_mbuf *m = h[i].m;
			if (--h[i].refs == 0)
				h[i].m = NULL;
			hm_pktmbuf_free((struct hm_mbuf *)(void *)m);
		}
	}
	hf_check(h, pools[0], pools[1], shinfo, next_ext);
	assert_int_equal(rte_mempool_avail_count(pools[0]), NB);
	assert_int_equal(rte_mempool_avail_count(pools[1]), NB);
	rte_mempool_free(pools[0]);
	rte_mempool_free(pools[1]);
}

/* A corrupt attached mbuf (external flag without shared info, indirect whose
 * buffer is no mbuf's) is reported and kept out of its pool, never freed into
 * memory that is not its owner's. */
static void
test_dpdk_mbuf_hm_free_corrupt(void **state)
{
	struct rte_mempool *mp = pool("hfc", 8);
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *x = rte_pktmbuf_alloc(mp);
	(void)state;

	assert_non_null(m);
	assert_non_null(x);
	m->ol_flags |= RTE_MBUF_F_EXTERNAL; /* shinfo stays NULL */
	hm_pktmbuf_free((struct hm_mbuf *)(void *)m);
	assert_int_equal(rte_mempool_in_use_count(mp), 2);
	assert_non_null(strstr(hm_last_error(), "external buffer without shared info"));
	x->ol_flags |= RTE_MBUF_F_INDIRECT; /* its buffer is its own: no direct mbuf owns it */
	x->buf_addr = (char *)x->buf_addr + 64;
	rte_pktmbuf_free(x);
	assert_int_equal(rte_mempool_in_use_count(mp), 2);
	assert_non_null(strstr(hm_last_error(), "is not a direct mbuf's"));
	/* repaired, they go back */
	m->ol_flags = 0;
	x->ol_flags = 0;
	x->buf_addr = (char *)x->buf_addr - 64;
	hm_pktmbuf_free((struct hm_mbuf *)(void *)m);
	rte_pktmbuf_free(x);
	assert_int_equal(rte_mempool_avail_count(mp), 8);
	rte_mempool_free(mp);
}

/* ---------------------------------------------------------------- copy, read, linearize */

static void
test_dpdk_mbuf_copy_read_linearize(void **state)
{
	struct rte_mempool *mp = pool("crl", NB);
	struct rte_mbuf *m = chain_of(mp, 4, 1000), *c;
	uint8_t buf[4000];
	const uint8_t *r;
	(void)state;

	/* read: inside the first segment is a pointer into it; across is a copy */
	r = rte_pktmbuf_read(m, 10, 20, buf);
	assert_ptr_equal(r, rte_pktmbuf_mtod_offset(m, uint8_t *, 10));
	r = rte_pktmbuf_read(m, 990, 2020, buf);
	assert_ptr_equal(r, buf);
	for (unsigned int i = 0; i < 2020; i++)
		assert_int_equal(r[i], (990 + i) & 0xff);
	r = rte_pktmbuf_read(m, 2500, 100, buf); /* inside the third segment */
	assert_ptr_equal(r, rte_pktmbuf_mtod_offset(m->next->next, uint8_t *, 500));
	assert_null(rte_pktmbuf_read(m, 3999, 2, buf));
	assert_non_null(rte_pktmbuf_read(m, 3999, 1, buf));

	/* copy a range across segments into new direct mbufs */
	c = rte_pktmbuf_copy(m, mp, 500, 3000);
	assert_non_null(c);
	assert_int_equal(c->pkt_len, 3000);
	assert_mbuf_ok(c);
	r = rte_pktmbuf_read(c, 0, 3000, buf);
	for (unsigned int i = 0; i < 3000; i++)
		assert_int_equal(r[i], (500 + i) & 0xff);
	rte_pktmbuf_free(c);
	c = rte_pktmbuf_copy(m, mp, 3990, UINT32_MAX); /* to the end */
	assert_int_equal(c->pkt_len, 10);
	rte_pktmbuf_free(c);

	/* linearize: 4000 bytes fit in the first segment's 2048 - 1000 tailroom? no */
	assert_int_equal(rte_pktmbuf_linearize(m), -1);
	assert_int_equal(m->nb_segs, 4);
	rte_pktmbuf_free(m);
	m = chain_of(mp, 3, 300);
	assert_int_equal(rte_pktmbuf_linearize(m), 0);
	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(m->data_len, 900);
	assert_null(m->next);
	for (unsigned int i = 0; i < 900; i++)
		assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[i], i & 0xff);
	assert_int_equal(rte_pktmbuf_linearize(m), 0); /* contiguous already */
	assert_mbuf_ok(m);
	rte_pktmbuf_free(m);
	assert_int_equal(rte_mempool_avail_count(mp), NB);
	rte_mempool_free(mp);
}

/* ---------------------------------------------------------------- checks */

static void
test_dpdk_mbuf_check(void **state)
{
	struct rte_mempool *mp = pool("ck", NB);
	struct rte_mbuf *m = chain_of(mp, 2, 10);
	const char *why = NULL;
	pid_t pid;
	int st;
	(void)state;

	assert_int_equal(rte_mbuf_check(m, 1, &why), 0);
	rte_mbuf_sanity_check(m, 1);
	assert_int_equal(rte_mbuf_check(NULL, 0, &why), -1);
	m->nb_segs = 3;
	assert_int_equal(rte_mbuf_check(m, 1, &why), -1);
	assert_string_equal(why, "bad nb_segs");
	assert_int_equal(rte_mbuf_check(m, 0, NULL), 0); /* segment checks only */
	m->nb_segs = 2;
	m->pkt_len = 19;
	assert_int_equal(rte_mbuf_check(m, 1, &why), -1);
	assert_string_equal(why, "bad pkt_len");
	m->pkt_len = 20;
	rte_mbuf_refcnt_set(m, 0);
	assert_int_equal(rte_mbuf_check(m, 0, &why), -1);
	assert_string_equal(why, "bad ref cnt");
	/* sanity_check panics */
	pid = fork();
	if (pid == 0) {
		rte_openlog_stream(fopen("/dev/null", "w"));
		rte_mbuf_sanity_check(m, 0);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	rte_mbuf_refcnt_set(m, 1);
	rte_pktmbuf_free(m);
	rte_mempool_free(mp);
}

/* ---------------------------------------------------------------- dynamic fields and flags */

static void
test_dpdk_mbuf_dyn(void **state)
{
	struct rte_mbuf_dynfield f1, f2, f8, got;
	struct rte_mbuf_dynflag fl, fl2;
	struct rte_mempool *mp = pool("dyn", 8);
	struct rte_mbuf *m, *c;
	int o1, o2, o8, b1, b2, ts_off;
	uint64_t rx_flag, tx_flag;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	memset(&f1, 0, sizeof(f1));
	snprintf(f1.name, sizeof(f1.name), "one_byte");
	f1.size = 1;
	f1.align = 1;
	f2 = f1;
	snprintf(f2.name, sizeof(f2.name), "two_bytes");
	f2.size = 2;
	f2.align = 2;
	f8 = f1;
	snprintf(f8.name, sizeof(f8.name), "eight");
	f8.size = 8;
	f8.align = 8;
	o1 = rte_mbuf_dynfield_register(&f1);
	assert_int_equal(o1, 92); /* the first free byte: dynfield1 */
	o2 = rte_mbuf_dynfield_register(&f2);
	assert_int_equal(o2, 94);
	o8 = rte_mbuf_dynfield_register(&f8);
	assert_int_equal(o8, 96);
	assert_int_equal(rte_mbuf_dynfield_register(&f1), o1); /* idempotent */
	assert_int_equal(rte_mbuf_dynfield_register_offset(&f8, 96), 96);
	f8.size = 4;
	assert_fails(rte_mbuf_dynfield_register(&f8), EEXIST); /* other parameters */
	f8.size = 8;
	assert_fails(rte_mbuf_dynfield_register_offset(&f8, 104), EEXIST); /* other offset */
	assert_int_equal(rte_mbuf_dynfield_lookup("two_bytes", &got), 94);
	assert_int_equal(got.size, 2);
	assert_int_equal(got.align, 2);
	/* a given offset: taken -> EBUSY; free -> there */
	snprintf(got.name, sizeof(got.name), "at120");
	got.size = 8;
	got.align = 8;
	assert_int_equal(rte_mbuf_dynfield_register_offset(&got, 120), 120);
	snprintf(got.name, sizeof(got.name), "clash");
	assert_fails(rte_mbuf_dynfield_register_offset(&got, 120), EBUSY);

	memset(&fl, 0, sizeof(fl));
	snprintf(fl.name, sizeof(fl.name), "flag_a");
	b1 = rte_mbuf_dynflag_register(&fl);
	assert_int_equal(b1, 23); /* RTE_MBUF_F_FIRST_FREE */
	assert_int_equal(rte_mbuf_dynflag_register(&fl), b1);
	fl2 = fl;
	snprintf(fl2.name, sizeof(fl2.name), "flag_b");
	b2 = rte_mbuf_dynflag_register_bitnum(&fl2, 40);
	assert_int_equal(b2, 40);
	assert_fails(rte_mbuf_dynflag_register_bitnum(&fl, 30), EEXIST);
	assert_int_equal(rte_mbuf_dynflag_lookup("flag_b", &fl2), 40);
	assert_string_equal(fl2.name, "flag_b");

	assert_int_equal(rte_mbuf_dyn_rx_timestamp_register(&ts_off, &rx_flag), 0);
	assert_int_equal(rte_mbuf_dyn_tx_timestamp_register(NULL, &tx_flag), 0);
	assert_int_equal(ts_off % 8, 0);
	assert_int_equal(ts_off, 104); /* the next free 8 aligned bytes */
	assert_int_equal(rx_flag, 1ULL << 24);
	assert_int_equal(tx_flag, 1ULL << 25);
	assert_int_equal(rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL), ts_off);

	/* use them: dynamic fields travel with clones */
	m = rte_pktmbuf_alloc(mp);
	*RTE_MBUF_DYNFIELD(m, o8, uint64_t *) = 0x1122334455667788ULL;
	*RTE_MBUF_DYNFIELD(m, o1, uint8_t *) = 9;
	m->ol_flags |= 1ULL << b1;
	c = rte_pktmbuf_clone(m, mp);
	assert_int_equal(*RTE_MBUF_DYNFIELD(c, o8, uint64_t *), 0x1122334455667788ULL);
	assert_int_equal(*RTE_MBUF_DYNFIELD(c, o1, uint8_t *), 9);
	assert_true(c->ol_flags & (1ULL << b1));
	rte_pktmbuf_free(c);
	rte_pktmbuf_free(m);

	f = open_memstream(&text, &len);
	rte_mbuf_dyn_dump(f);
	fclose(f);
	assert_non_null(strstr(text, "two_bytes"));
	assert_non_null(strstr(text, "flag_b"));
	free(text);
	rte_mempool_free(mp);
}

/* ---------------------------------------------------------------- pool ops names */

static void
test_dpdk_mbuf_pool_ops(void **state)
{
	struct rte_mempool *mp;
	(void)state;

	assert_null(rte_mbuf_user_mempool_ops());
	assert_null(rte_mbuf_platform_mempool_ops());
	assert_string_equal(rte_mbuf_best_mempool_ops(), RTE_MBUF_DEFAULT_MEMPOOL_OPS);
	assert_int_equal(rte_mbuf_set_platform_mempool_ops("ring_sp_sc"), 0);
	assert_int_equal(rte_mbuf_set_platform_mempool_ops("ring_sp_sc"), 0);
	assert_int_equal(rte_mbuf_set_platform_mempool_ops("stack"), -EEXIST);
	assert_string_equal(rte_mbuf_best_mempool_ops(), "ring_sp_sc");
	assert_int_equal(rte_mbuf_set_user_mempool_ops("ring_mp_sc"), 0);
	assert_int_equal(rte_mbuf_set_user_mempool_ops("stack"), 0);
	assert_string_equal(rte_mbuf_user_mempool_ops(), "stack");
	assert_string_equal(rte_mbuf_best_mempool_ops(), "stack");
	mp = rte_pktmbuf_pool_create("ops", 64, 0, 0, 1024, SOCKET_ID_ANY);
	assert_non_null(mp);
	assert_string_equal(rte_mempool_get_ops(mp->ops_index)->name, "stack");
	rte_mempool_free(mp);
	mp = rte_pktmbuf_pool_create_by_ops("ops", 64, 0, 0, 1024, SOCKET_ID_ANY, "ring_mp_mc");
	assert_string_equal(rte_mempool_get_ops(mp->ops_index)->name, "ring_mp_mc");
	rte_mempool_free(mp);

	/* the EAL option */
	rte_eal_cleanup();
	assert_int_equal(DPDK_TEST_EAL("-l", "0", "--no-huge", "--mbuf-pool-ops-name=ring_sp_mc"), 4);
	assert_string_equal(rte_mbuf_user_mempool_ops(), "ring_sp_mc");
	assert_string_equal(rte_mbuf_best_mempool_ops(), "ring_sp_mc");
}

/* ---------------------------------------------------------------- names */

static void
test_dpdk_mbuf_flag_names(void **state)
{
	/* what DPDK 22.11 returns, bit by bit and for the multi-bit values */
	static const struct { uint64_t mask; const char *name; } rx[] = {
		{ 1ULL << 0, "RTE_MBUF_F_RX_VLAN" }, { 1ULL << 1, "RTE_MBUF_F_RX_RSS_HASH" },
		{ 1ULL << 2, "RTE_MBUF_F_RX_FDIR" }, { 1ULL << 3, "RTE_MBUF_F_RX_L4_CKSUM_BAD" },
		{ 1ULL << 4, "RTE_MBUF_F_RX_IP_CKSUM_BAD" },
		{ 1ULL << 5, "RTE_MBUF_F_RX_OUTER_IP_CKSUM_BAD" },
		{ 1ULL << 6, "RTE_MBUF_F_RX_VLAN_STRIPPED" },
		{ 1ULL << 7, "RTE_MBUF_F_RX_IP_CKSUM_GOOD" },
		{ 1ULL << 8, "RTE_MBUF_F_RX_L4_CKSUM_GOOD" },
		{ 1ULL << 9, "RTE_MBUF_F_RX_IEEE1588_PTP" },
		{ 1ULL << 10, "RTE_MBUF_F_RX_IEEE1588_TMST" }, { 1ULL << 11, NULL },
		{ 1ULL << 13, "RTE_MBUF_F_RX_FDIR_ID" }, { 1ULL << 14, "RTE_MBUF_F_RX_FDIR_FLX" },
		{ 1ULL << 15, "RTE_MBUF_F_RX_QINQ_STRIPPED" }, { 1ULL << 16, "RTE_MBUF_F_RX_LRO" },
		{ 1ULL << 17, NULL }, { 1ULL << 18, "RTE_MBUF_F_RX_SEC_OFFLOAD" },
		{ 1ULL << 19, "RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED" }, { 1ULL << 20, "RTE_MBUF_F_RX_QINQ" },
		{ 1ULL << 21, "RTE_MBUF_F_RX_OUTER_L4_CKSUM_BAD" },
		{ 1ULL << 22, "RTE_MBUF_F_RX_OUTER_L4_CKSUM_GOOD" }, { 1ULL << 23, NULL },
		{ 0x90, "RTE_MBUF_F_RX_IP_CKSUM_NONE" }, { 0x108, "RTE_MBUF_F_RX_L4_CKSUM_NONE" },
		{ 0x600000, "RTE_MBUF_F_RX_OUTER_L4_CKSUM_INVALID" }, { 0, NULL }, { 3, NULL },
	};
	static const struct { uint64_t mask; const char *name; } tx[] = {
		{ 1ULL << 41, "RTE_MBUF_F_TX_OUTER_UDP_CKSUM" }, { 1ULL << 42, "RTE_MBUF_F_TX_UDP_SEG" },
		{ 1ULL << 44, "RTE_MBUF_F_TX_MACSEC" }, { 1ULL << 45, "RTE_MBUF_F_TX_TUNNEL_VXLAN" },
		{ 0x6ULL << 45, "RTE_MBUF_F_TX_TUNNEL_VXLAN_GPE" },
		{ 0xdULL << 45, "RTE_MBUF_F_TX_TUNNEL_IP" }, { 0xeULL << 45, "RTE_MBUF_F_TX_TUNNEL_UDP" },
		{ 1ULL << 48, NULL }, /* ESP has no name in DPDK's function */
		{ 1ULL << 52, "RTE_MBUF_F_TX_TCP_CKSUM" }, { 3ULL << 52, "RTE_MBUF_F_TX_UDP_CKSUM" },
		{ 1ULL << 60, "RTE_MBUF_F_TX_OUTER_IPV6" }, { 0, NULL }, { 1ULL << 61, NULL },
	};
	char buf[512];
	(void)state;

	for (unsigned int i = 0; i < RTE_DIM(rx); i++) {
		const char *n = rte_get_rx_ol_flag_name(rx[i].mask);
		if (rx[i].name == NULL)
			assert_null(n);
		else
			assert_string_equal(n, rx[i].name);
	}
	for (unsigned int i = 0; i < RTE_DIM(tx); i++) {
		const char *n = rte_get_tx_ol_flag_name(tx[i].mask);
		if (tx[i].name == NULL)
			assert_null(n);
		else
			assert_string_equal(n, tx[i].name);
	}
	/* lists: table order, fields by value (UNKNOWN for 0), unnamed bits skipped */
	assert_int_equal(rte_get_rx_ol_flag_list(0x1 | 0x90 | 0x100 | 0x600000 | (1ULL << 23), buf,
						 sizeof(buf)), 0);
	assert_string_equal(buf, "RTE_MBUF_F_RX_VLAN RTE_MBUF_F_RX_L4_CKSUM_GOOD "
			    "RTE_MBUF_F_RX_IP_CKSUM_NONE RTE_MBUF_F_RX_OUTER_L4_CKSUM_INVALID ");
	assert_int_equal(rte_get_rx_ol_flag_list(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN "
			    "RTE_MBUF_F_RX_OUTER_L4_CKSUM_UNKNOWN ");
	assert_int_equal(rte_get_tx_ol_flag_list(0x30000000000000ULL | 0x200000000000ULL |
						 (1ULL << 60) | 0x40000000000000ULL | 1, buf,
						 sizeof(buf)), 0);
	assert_string_equal(buf, "RTE_MBUF_F_TX_IP_CKSUM RTE_MBUF_F_TX_UDP_CKSUM "
			    "RTE_MBUF_F_TX_OUTER_IPV6 RTE_MBUF_F_TX_TUNNEL_VXLAN ");
	assert_int_equal(rte_get_tx_ol_flag_list(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "RTE_MBUF_F_TX_L4_NO_CKSUM ");
	assert_int_equal(rte_get_tx_ol_flag_list(RTE_MBUF_F_TX_TUNNEL_ESP | RTE_MBUF_F_TX_IPV4, buf,
						 sizeof(buf)), 0);
	assert_string_equal(buf, "RTE_MBUF_F_TX_L4_NO_CKSUM RTE_MBUF_F_TX_IPV4 ");
	/* too small: -1 with what fitted */
	assert_int_equal(rte_get_rx_ol_flag_list(0x1, buf, 20), -1);
	assert_string_equal(buf, "RTE_MBUF_F_RX_VLAN ");
	assert_int_equal(rte_get_rx_ol_flag_list(0x1, buf, 19), -1);
}

static void
test_dpdk_mbuf_ptype_names(void **state)
{
	char buf[512];
	(void)state;

	assert_string_equal(rte_get_ptype_l2_name(RTE_PTYPE_L2_ETHER_VLAN), "L2_ETHER_VLAN");
	assert_string_equal(rte_get_ptype_l2_name(0xb), "L2_UNKNOWN");
	assert_string_equal(rte_get_ptype_l3_name(RTE_PTYPE_L3_IPV6_EXT_UNKNOWN),
			    "L3_IPV6_EXT_UNKNOWN");
	assert_string_equal(rte_get_ptype_l3_name(0x20), "L3_UNKNOWN");
	assert_string_equal(rte_get_ptype_l4_name(RTE_PTYPE_L4_IGMP), "L4_IGMP");
	assert_string_equal(rte_get_ptype_tunnel_name(RTE_PTYPE_TUNNEL_MPLS_IN_UDP),
			    "TUNNEL_MPLS_IN_UDP");
	assert_string_equal(rte_get_ptype_tunnel_name(0xe000), "TUNNEL_UNKNOWN");
	assert_string_equal(rte_get_ptype_inner_l2_name(RTE_PTYPE_INNER_L2_ETHER_QINQ),
			    "INNER_L2_ETHER_QINQ");
	assert_string_equal(rte_get_ptype_inner_l3_name(RTE_PTYPE_INNER_L3_IPV4_EXT_UNKNOWN),
			    "INNER_L3_IPV4_EXT_UNKNOWN");
	assert_string_equal(rte_get_ptype_inner_l4_name(RTE_PTYPE_INNER_L4_NONFRAG),
			    "INNER_L4_NONFRAG");
	assert_string_equal(rte_get_ptype_inner_l4_name(0x7000000), "INNER_L4_UNKNOWN");
	assert_int_equal(rte_get_ptype_name(0x11, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "L2_ETHER L3_IPV4 ");
	assert_int_equal(rte_get_ptype_name(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "UNKNOWN");
	assert_int_equal(rte_get_ptype_name(0x1112111, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "L2_ETHER L3_IPV4 L4_TCP TUNNEL_GRE INNER_L2_ETHER INNER_L3_IPV4 "
			    "INNER_L4_TCP ");
	assert_int_equal(rte_get_ptype_name(0x211, buf, 10), -1);
	assert_string_equal(buf, "L2_ETHER ");
	assert_true(RTE_ETH_IS_IPV4_HDR(RTE_PTYPE_L3_IPV4_EXT));
	assert_false(RTE_ETH_IS_IPV4_HDR(RTE_PTYPE_L3_IPV6));
	assert_true(RTE_ETH_IS_IPV6_HDR(RTE_PTYPE_L3_IPV6_EXT));
	assert_true(RTE_ETH_IS_TUNNEL_PKT(RTE_PTYPE_TUNNEL_VXLAN));
	assert_false(RTE_ETH_IS_TUNNEL_PKT(RTE_PTYPE_L4_UDP));
}

/* ---------------------------------------------------------------- fields */

static void
test_dpdk_mbuf_fields(void **state)
{
	struct rte_mbuf m;
	uint32_t q;
	uint8_t tc, color;
	(void)state;

	memset(&m, 0, sizeof(m));
	m.packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_UDP |
			RTE_PTYPE_TUNNEL_VXLAN | RTE_PTYPE_INNER_L2_ETHER | RTE_PTYPE_INNER_L3_IPV4 |
			RTE_PTYPE_INNER_L4_TCP;
	assert_int_equal(m.l2_type, 1);
	assert_int_equal(m.l3_type, 4);
	assert_int_equal(m.l4_type, 2);
	assert_int_equal(m.tun_type, 3);
	assert_int_equal(m.inner_l2_type, 1);
	assert_int_equal(m.inner_l3_type, 1);
	assert_int_equal(m.inner_l4_type, 1);
	assert_int_equal(m.inner_esp_next_proto, 0x11);

	m.tx_offload = rte_mbuf_tx_offload(14, 20, 8, 1460, 40, 14, 0);
	assert_int_equal(m.l2_len, 14);
	assert_int_equal(m.l3_len, 20);
	assert_int_equal(m.l4_len, 8);
	assert_int_equal(m.tso_segsz, 1460);
	assert_int_equal(m.outer_l3_len, 40);
	assert_int_equal(m.outer_l2_len, 14);

	rte_mbuf_sched_set(&m, 0x12345, 3, 2);
	rte_mbuf_sched_get(&m, &q, &tc, &color);
	assert_int_equal(q, 0x12345);
	assert_int_equal(tc, 3);
	assert_int_equal(color, 2);
	assert_int_equal(m.hash.sched.reserved, 0);
	rte_mbuf_sched_queue_set(&m, 7);
	rte_mbuf_sched_traffic_class_set(&m, 1);
	rte_mbuf_sched_color_set(&m, 0);
	assert_int_equal(rte_mbuf_sched_queue_get(&m), 7);
	assert_int_equal(rte_mbuf_sched_traffic_class_get(&m), 1);
	assert_int_equal(rte_mbuf_sched_color_get(&m), 0);
	m.hash.txadapter.txq = 5;
	assert_int_equal(((uint16_t *)(void *)&m.hash)[3], 5);
	/* hugemem's names for the same bits */
	assert_int_equal(((struct hm_mbuf *)(void *)&m)->hash.sched.queue_id, 7);
	assert_int_equal(((struct hm_mbuf *)(void *)&m)->tso_segsz, 1460);
	assert_int_equal(((struct hm_mbuf *)(void *)&m)->l3_type, 4);

	/* TX offload rules */
	m.ol_flags = 0;
	assert_int_equal(rte_validate_tx_offload(&m), 0);
	m.ol_flags = RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_IPV6;
	assert_int_equal(rte_validate_tx_offload(&m), -EINVAL);
	m.ol_flags = RTE_MBUF_F_TX_TCP_CKSUM;
	assert_int_equal(rte_validate_tx_offload(&m), -EINVAL);
	m.ol_flags = RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4;
	assert_int_equal(rte_validate_tx_offload(&m), 0);
	m.ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4;
	assert_int_equal(rte_validate_tx_offload(&m), -EINVAL); /* IPv4 TSO needs IP cksum */
	m.ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
	assert_int_equal(rte_validate_tx_offload(&m), 0);
	m.tso_segsz = 0;
	assert_int_equal(rte_validate_tx_offload(&m), -EINVAL);
	m.ol_flags = RTE_MBUF_F_TX_OUTER_IP_CKSUM | RTE_MBUF_F_TX_UDP_SEG;
	assert_int_equal(rte_validate_tx_offload(&m), -EINVAL);
	m.ol_flags |= RTE_MBUF_F_TX_OUTER_IPV4;
	assert_int_equal(rte_validate_tx_offload(&m), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_invalid_args, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_alloc_free, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_data_ops, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_clone_attach, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_extbuf, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_pinned_extbuf, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_hm_free_attached, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_hm_free_corrupt, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_copy_read_linearize,
						dpdk_test_setup_debug, dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_check, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_dyn, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mbuf_pool_ops, dpdk_test_setup_debug,
						dpdk_test_teardown),
		cmocka_unit_test(test_dpdk_mbuf_flag_names),
		cmocka_unit_test(test_dpdk_mbuf_ptype_names),
		cmocka_unit_test(test_dpdk_mbuf_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
