/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_mbuf.h's functions that are not inline: pktmbuf pools (plain, by ops,
 * with pinned external buffers), bulk free, clone, copy, read and linearize
 * across segments, the checks and the dump. struct rte_mbuf is struct hm_mbuf
 * (asserted below); pools are hugemem mempools made through the layer's
 * rte_mempool functions, so their ops and event callbacks apply.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

#include "dpdk_i.h"
#include "hugemem/mbuf.h"

#define SAME(a, b)                                                                    \
	_Static_assert(offsetof(struct rte_mbuf, a) == offsetof(struct hm_mbuf, b) &&  \
		       sizeof(((struct rte_mbuf *)0)->a) == sizeof(((struct hm_mbuf *)0)->b), \
		       "rte_mbuf." #a " is hm_mbuf." #b)
SAME(buf_addr, buf_addr);
SAME(buf_iova, buf_iova);
SAME(data_off, data_off);
SAME(refcnt, refcnt);
SAME(nb_segs, nb_segs);
SAME(port, port);
SAME(ol_flags, ol_flags);
SAME(packet_type, packet_type);
SAME(pkt_len, pkt_len);
SAME(data_len, data_len);
SAME(vlan_tci, vlan_tci);
SAME(hash, hash);
SAME(vlan_tci_outer, vlan_tci_outer);
SAME(buf_len, buf_len);
SAME(pool, pool);
SAME(next, next);
SAME(tx_offload, tx_offload);
SAME(shinfo, shinfo);
SAME(priv_size, priv_size);
SAME(timesync, timesync);
SAME(dynfield1, dynfield1);
_Static_assert(sizeof(struct rte_mbuf) == sizeof(struct hm_mbuf), "mbuf size");
_Static_assert(sizeof(struct rte_pktmbuf_pool_private) == sizeof(struct hm_pktmbuf_pool_private) &&
	       offsetof(struct rte_pktmbuf_pool_private, mbuf_priv_size) ==
	       offsetof(struct hm_pktmbuf_pool_private, mbuf_priv_size) &&
	       offsetof(struct rte_pktmbuf_pool_private, flags) ==
	       offsetof(struct hm_pktmbuf_pool_private, flags), "pool private data");
_Static_assert(RTE_MBUF_F_EXTERNAL == HM_MBUF_F_EXTERNAL && RTE_MBUF_F_INDIRECT == HM_MBUF_F_INDIRECT &&
	       RTE_MBUF_F_RX_VLAN == HM_MBUF_F_RX_VLAN && RTE_MBUF_F_RX_RSS_HASH == HM_MBUF_F_RX_RSS_HASH &&
	       RTE_MBUF_F_RX_IP_CKSUM_GOOD == HM_MBUF_F_RX_IP_CKSUM_GOOD &&
	       RTE_MBUF_F_RX_L4_CKSUM_BAD == HM_MBUF_F_RX_L4_CKSUM_BAD &&
	       RTE_PTYPE_L4_UDP == HM_PTYPE_L4_UDP && RTE_PKTMBUF_HEADROOM == HM_PKTMBUF_HEADROOM &&
	       RTE_MBUF_PORT_INVALID == HM_MBUF_PORT_INVALID, "mbuf constants");
_Static_assert(sizeof(struct rte_mbuf_ext_shared_info) == sizeof(struct hm_mbuf_ext_shared_info) &&
	       offsetof(struct rte_mbuf_ext_shared_info, free_cb) ==
	       offsetof(struct hm_mbuf_ext_shared_info, free_cb) &&
	       offsetof(struct rte_mbuf_ext_shared_info, fcb_opaque) ==
	       offsetof(struct hm_mbuf_ext_shared_info, fcb_opaque) &&
	       offsetof(struct rte_mbuf_ext_shared_info, refcnt) ==
	       offsetof(struct hm_mbuf_ext_shared_info, refcnt) &&
	       RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF == HM_PKTMBUF_POOL_F_PINNED_EXT_BUF,
	       "external buffer shared info (core/mbuf detaches it)");

/* ---------------------------------------------------------------- pools */

void
rte_pktmbuf_pool_init(struct rte_mempool *mp, void *opaque_arg)
{
	struct rte_pktmbuf_pool_private def, *p = opaque_arg;

	if (mp == NULL || mp->private_data_size < sizeof(struct rte_pktmbuf_pool_private))
		return;
	if (p == NULL) {
		/* no private area: everything after the header is data room */
		memset(&def, 0, sizeof(def));
		def.mbuf_data_room_size = mp->elt_size > sizeof(struct rte_mbuf) ?
			(uint16_t)RTE_MIN(mp->elt_size - sizeof(struct rte_mbuf), (size_t)UINT16_MAX) : 0;
		p = &def;
	}
	memcpy(rte_mempool_get_priv(mp), p, sizeof(*p));
}

void
rte_pktmbuf_init(struct rte_mempool *mp, void *opaque_arg, void *m, unsigned i)
{
	hm_pktmbuf_init(RTE_MEMPOOL_HM(mp), opaque_arg, m, i);
}

/* create_empty + ops + pool init + populate; the pool or NULL (rte_errno set,
 * nothing left). */
static struct rte_mempool *
pool_make(const char *name, unsigned int n, unsigned int cache_size, unsigned int elt_size,
	  const struct rte_pktmbuf_pool_private *priv, int socket_id, const char *ops_name)
{
	struct rte_mempool *mp;
	int rc;

	mp = rte_mempool_create_empty(name, n, elt_size, cache_size, sizeof(*priv), socket_id, 0);
	if (mp == NULL)
		return NULL;
	if (ops_name == NULL)
		ops_name = rte_mbuf_best_mempool_ops();
	rc = rte_mempool_set_ops_byname(mp, ops_name, NULL);
	if (rc != 0) {
		RTE_LOG(ERR, MBUF, "pktmbuf pool '%s': mempool ops '%s': %s\n", name, ops_name,
			rte_strerror(-rc));
		goto fail;
	}
	rte_pktmbuf_pool_init(mp, (void *)(uintptr_t)priv);
	rc = rte_mempool_populate_default(mp);
	if (rc < 0)
		goto fail;
	return mp;
fail:
	rte_mempool_free(mp);
	rte_errno = -rc;
	return NULL;
}

struct rte_mempool *
rte_pktmbuf_pool_create_by_ops(const char *name, unsigned int n, unsigned int cache_size,
			       uint16_t priv_size, uint16_t data_room_size, int socket_id,
			       const char *ops_name)
{
	struct rte_pktmbuf_pool_private priv;
	struct rte_mempool *mp;

	if (RTE_ALIGN(priv_size, RTE_MBUF_PRIV_ALIGN) != priv_size) {
		RTE_LOG(ERR, MBUF, "mbuf priv_size=%u is not a multiple of %d\n", priv_size,
			RTE_MBUF_PRIV_ALIGN);
		rte_errno = EINVAL;
		return NULL;
	}
	memset(&priv, 0, sizeof(priv));
	priv.mbuf_data_room_size = data_room_size;
	priv.mbuf_priv_size = priv_size;
	mp = pool_make(name, n, cache_size,
		       (unsigned int)sizeof(struct rte_mbuf) + priv_size + data_room_size, &priv,
		       socket_id, ops_name);
	if (mp != NULL)
		rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

struct rte_mempool *
rte_pktmbuf_pool_create(const char *name, unsigned n, unsigned cache_size, uint16_t priv_size,
			uint16_t data_room_size, int socket_id)
{
	return rte_pktmbuf_pool_create_by_ops(name, n, cache_size, priv_size, data_room_size,
					      socket_id, NULL);
}

/* The free callback of a pinned external buffer: the last clone let go of
 * the buffer of mbuf @p opaque, which goes back to its pool. */
static void
free_pinned(void *addr, void *opaque)
{
	struct rte_mbuf *m = opaque;

	(void)addr;
	rte_mbuf_ext_refcnt_set(m->shinfo, 1);
	m->ol_flags = RTE_MBUF_F_EXTERNAL;
	m->next = NULL;
	m->nb_segs = 1;
	rte_mbuf_raw_free(m);
}

struct extmem_ctx {
	const struct rte_pktmbuf_extmem *ext;
	unsigned int num, i; /* next slice: ext[i] at off */
	size_t off;
};

static void
init_extmem(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct extmem_ctx *c = arg;
	const struct rte_pktmbuf_extmem *e = &c->ext[c->i];
	struct rte_mbuf *m = obj;
	uint16_t priv_size = rte_pktmbuf_priv_size(mp);
	struct rte_mbuf_ext_shared_info *shinfo;

	(void)idx;
	memset(m, 0, sizeof(*m));
	m->priv_size = priv_size;
	m->buf_addr = (char *)e->buf_ptr + c->off;
	m->buf_iova = e->buf_iova == RTE_BAD_IOVA ? RTE_BAD_IOVA : e->buf_iova + c->off;
	m->buf_len = rte_pktmbuf_data_room_size(mp);
	c->off += e->elt_size;
	if (c->off + e->elt_size > e->buf_len) {
		c->off = 0;
		c->i++;
	}
	rte_pktmbuf_reset_headroom(m);
	m->pool = mp;
	m->nb_segs = 1;
	m->port = RTE_MBUF_PORT_INVALID;
	m->ol_flags = RTE_MBUF_F_EXTERNAL;
	rte_mbuf_refcnt_set(m, 1);
	m->next = NULL;
	/* the shared info sits right after the header and the private area */
	shinfo = (struct rte_mbuf_ext_shared_info *)RTE_PTR_ADD(m, sizeof(*m) + priv_size);
	m->shinfo = shinfo;
	shinfo->free_cb = free_pinned;
	shinfo->fcb_opaque = m;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
}

struct rte_mempool *
rte_pktmbuf_pool_create_extbuf(const char *name, unsigned int n, unsigned int cache_size,
			       uint16_t priv_size, uint16_t data_room_size, int socket_id,
			       const struct rte_pktmbuf_extmem *ext_mem, unsigned int ext_num)
{
	struct rte_pktmbuf_pool_private priv;
	struct extmem_ctx ctx = { ext_mem, ext_num, 0, 0 };
	uint64_t slices = 0;
	struct rte_mempool *mp;

	if (RTE_ALIGN(priv_size, RTE_MBUF_PRIV_ALIGN) != priv_size || ext_mem == NULL ||
	    ext_num == 0) {
		RTE_LOG(ERR, MBUF, "pktmbuf extbuf pool: priv_size %u (multiple of %d), ext_mem "
			"%p, ext_num %u\n", priv_size, RTE_MBUF_PRIV_ALIGN, (const void *)ext_mem,
			ext_num);
		rte_errno = EINVAL;
		return NULL;
	}
	for (unsigned int i = 0; i < ext_num; i++) {
		if (ext_mem[i].buf_ptr == NULL || ext_mem[i].elt_size < data_room_size ||
		    ext_mem[i].elt_size == 0) {
			RTE_LOG(ERR, MBUF, "pktmbuf extbuf pool: ext_mem[%u] has no memory or "
				"slices of %u bytes below the data room %u\n", i,
				ext_mem[i].elt_size, data_room_size);
			rte_errno = EINVAL;
			return NULL;
		}
		slices += ext_mem[i].buf_len / ext_mem[i].elt_size;
	}
	if (slices < n) {
		RTE_LOG(ERR, MBUF, "pktmbuf extbuf pool: %" PRIu64 " slices for %u mbufs\n",
			slices, n);
		rte_errno = EINVAL;
		return NULL;
	}
	memset(&priv, 0, sizeof(priv));
	priv.mbuf_data_room_size = data_room_size;
	priv.mbuf_priv_size = priv_size;
	priv.flags = RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF;
	mp = pool_make(name, n, cache_size,
		       (unsigned int)(sizeof(struct rte_mbuf) + priv_size +
				      sizeof(struct rte_mbuf_ext_shared_info)),
		       &priv, socket_id, NULL);
	if (mp != NULL)
		rte_mempool_obj_iter(mp, init_extmem, &ctx);
	return mp;
}

/* ---------------------------------------------------------------- free, clone, copy */

/* hugemem's own: the same prefree (attached mbufs included), segments back in
 * bulk per pool, and a direct push onto the lcore cache when every mbuf is a
 * plain one of one pool. */
void
rte_pktmbuf_free_bulk(struct rte_mbuf **mbufs, unsigned int count)
{
	if (mbufs == NULL)
		return;
	hm_pktmbuf_free_bulk((struct hm_mbuf **)(void *)mbufs, count);
}

struct rte_mbuf *
rte_pktmbuf_clone(struct rte_mbuf *md, struct rte_mempool *mp)
{
	struct rte_mbuf *mc, *mi, **prev;
	uint32_t pkt_len;
	uint16_t nseg = 0;

	if (md == NULL || mp == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	mc = rte_pktmbuf_alloc(mp);
	if (mc == NULL) {
		rte_errno = ENOBUFS;
		return NULL;
	}
	pkt_len = md->pkt_len;
	mi = mc;
	prev = &mc;
	for (;;) {
		rte_pktmbuf_attach(mi, md);
		*prev = mi;
		prev = &mi->next;
		nseg++;
		md = md->next;
		if (md == NULL)
			break;
		mi = rte_pktmbuf_alloc(mp);
		if (mi == NULL) {
			*prev = NULL;
			mc->nb_segs = nseg;
			rte_pktmbuf_free(mc);
			rte_errno = ENOBUFS;
			return NULL;
		}
	}
	*prev = NULL;
	mc->nb_segs = nseg;
	mc->pkt_len = pkt_len;
	__rte_mbuf_sanity_check(mc, 1);
	return mc;
}

struct rte_mbuf *
rte_pktmbuf_copy(const struct rte_mbuf *m, struct rte_mempool *mp, uint32_t off, uint32_t len)
{
	struct rte_mbuf *mc, *last, **prev;

	if (m == NULL || mp == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (off >= m->pkt_len) {
		rte_errno = EINVAL;
		return NULL;
	}
	mc = rte_pktmbuf_alloc(mp);
	if (mc == NULL) {
		rte_errno = ENOBUFS;
		return NULL;
	}
	if (len > m->pkt_len - off)
		len = m->pkt_len - off;
	__rte_pktmbuf_copy_hdr(mc, m);
	mc->ol_flags = m->ol_flags & ~(RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL);
	last = mc;
	prev = &mc->next;
	while (len > 0) {
		uint32_t n;

		while (off >= m->data_len) {
			off -= m->data_len;
			m = m->next;
		}
		if (rte_pktmbuf_tailroom(last) == 0) {
			last = rte_pktmbuf_alloc(mp);
			if (last == NULL) {
				rte_pktmbuf_free(mc);
				rte_errno = ENOBUFS;
				return NULL;
			}
			mc->nb_segs++;
			*prev = last;
			prev = &last->next;
		}
		n = RTE_MIN((uint32_t)m->data_len - off, len);
		n = RTE_MIN(n, (uint32_t)rte_pktmbuf_tailroom(last));
		memcpy(rte_pktmbuf_mtod_offset(last, char *, last->data_len),
		       rte_pktmbuf_mtod_offset(m, const char *, off), n);
		last->data_len = (uint16_t)(last->data_len + n);
		mc->pkt_len += n;
		off += n;
		len -= n;
	}
	__rte_mbuf_sanity_check(mc, 1);
	return mc;
}

const void *
__rte_pktmbuf_read(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *buf)
{
	const struct rte_mbuf *seg = m;
	uint32_t done = 0;

	if ((uint64_t)off + len > m->pkt_len)
		return NULL;
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	if (seg == NULL)
		return len == 0 ? buf : NULL;
	if ((uint64_t)off + len <= seg->data_len)
		return rte_pktmbuf_mtod_offset(seg, const char *, off);
	while (done < len && seg != NULL) {
		uint32_t n = RTE_MIN((uint32_t)seg->data_len - off, len - done);
		memcpy((char *)buf + done, rte_pktmbuf_mtod_offset(seg, const char *, off), n);
		done += n;
		off = 0;
		seg = seg->next;
	}
	return done == len ? buf : NULL;
}

int
__rte_pktmbuf_linearize(struct rte_mbuf *mbuf)
{
	struct rte_mbuf *m, *next;
	char *dst;

	if (mbuf->pkt_len - mbuf->data_len > rte_pktmbuf_tailroom(mbuf) ||
	    mbuf->pkt_len > UINT16_MAX)
		return -1;
	dst = rte_pktmbuf_mtod_offset(mbuf, char *, mbuf->data_len);
	for (m = mbuf->next; m != NULL; m = next) {
		next = m->next;
		memcpy(dst, rte_pktmbuf_mtod(m, const char *), m->data_len);
		dst += m->data_len;
		rte_pktmbuf_free_seg(m);
	}
	mbuf->data_len = (uint16_t)mbuf->pkt_len;
	mbuf->next = NULL;
	mbuf->nb_segs = 1;
	return 0;
}

/* ---------------------------------------------------------------- checks, dump */

int
rte_mbuf_check(const struct rte_mbuf *m, int is_header, const char **reason)
{
	const char *why = NULL;

	if (hm_mbuf_check(RTE_MBUF_HM_CONST(m), is_header, &why) == 0)
		return 0;
	if (reason != NULL)
		*reason = why;
	return -1;
}

void
rte_mbuf_sanity_check(const struct rte_mbuf *m, int is_header)
{
	const char *why = NULL;

	if (rte_mbuf_check(m, is_header, &why) != 0)
		rte_panic("mbuf %p: %s\n", (const void *)m, why);
}

void
rte_pktmbuf_dump(FILE *f, const struct rte_mbuf *m, unsigned dump_len)
{
	hm_pktmbuf_dump(f, RTE_MBUF_HM_CONST(m), dump_len);
}
