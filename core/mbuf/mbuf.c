/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pktmbuf pools and the slow-path mbuf functions; the layout, the invariants and
 * the per-packet inline functions are in hugemem/mbuf_core.h and hugemem/mbuf.h.
 */
#include <inttypes.h>
#include <string.h>

#include "common_i.h"
#include "hugemem/mbuf.h"

#define MBUF_HDR ((uint32_t)sizeof(struct hm_mbuf))

/* The pool's private data when @p mp is a pktmbuf pool, else NULL. */
static const struct hm_pktmbuf_pool_private *
pool_priv(struct hm_mempool *mp)
{
	const struct hm_pktmbuf_pool_private *p;

	p = mp != NULL ? hm_mempool_get_priv(mp) : NULL;
	if (p == NULL || mp->private_data_size < sizeof(*p) ||
	    p->mbuf_priv_size % HM_MBUF_PRIV_ALIGN != 0 ||
	    mp->elt_size != HM_ALIGN_CEIL(MBUF_HDR + p->mbuf_priv_size + p->mbuf_data_room_size,
					  8u))
		return NULL;
	return p;
}

void
hm_pktmbuf_init(struct hm_mempool *mp, void *opaque, void *obj, unsigned int idx)
{
	const struct hm_pktmbuf_pool_private *p = mp != NULL ? hm_mempool_get_priv(mp) : NULL;
	struct hm_mbuf *m = obj;
	hm_iova_t iova;
	uint32_t hdr;

	(void)opaque;
	(void)idx;
	if (p == NULL || m == NULL)
		return;
	hdr = MBUF_HDR + p->mbuf_priv_size;
	memset(m, 0, hdr);
	m->priv_size = p->mbuf_priv_size;
	m->buf_addr = (char *)m + hdr;
	iova = hm_mempool_virt2iova(m);
	m->buf_iova = iova == HM_BAD_IOVA ? HM_BAD_IOVA : iova + hdr;
	m->buf_len = p->mbuf_data_room_size;
	m->data_off = m->buf_len < HM_PKTMBUF_HEADROOM ? m->buf_len : HM_PKTMBUF_HEADROOM;
	m->pool = mp;
	m->nb_segs = 1;
	m->port = HM_MBUF_PORT_INVALID;
	hm_mbuf_refcnt_set(m, 1);
	m->next = NULL;
}

/* ---------------------------------------------------------------- attached mbufs */

/* Add @p v to an external buffer's refcnt (a plain store when this is the only
 * reference, as hm_mbuf_refcnt_update does). @return the new value. */
static uint16_t
ext_refcnt_update(struct hm_mbuf_ext_shared_info *shinfo, int16_t v)
{
	if (__atomic_load_n(&shinfo->refcnt, __ATOMIC_RELAXED) == 1) {
		uint16_t n = (uint16_t)(1 + v);
		__atomic_store_n(&shinfo->refcnt, n, __ATOMIC_RELAXED);
		return n;
	}
	return __atomic_add_fetch(&shinfo->refcnt, (uint16_t)v, __ATOMIC_ACQ_REL);
}

void
hm_pktmbuf__detach(struct hm_mbuf *m)
{
	struct hm_mempool *mp = m->pool;
	const struct hm_pktmbuf_pool_private *p = hm_mempool_get_priv(mp);
	hm_iova_t iova;
	uint32_t hdr;

	if (m->ol_flags & HM_MBUF_F_EXTERNAL) {
		struct hm_mbuf_ext_shared_info *shinfo = m->shinfo;

		if (p->flags & HM_PKTMBUF_POOL_F_PINNED_EXT_BUF)
			return; /* a pinned buffer stays with its mbuf */
		if (ext_refcnt_update(shinfo, -1) == 0)
			shinfo->free_cb(m->buf_addr, shinfo->fcb_opaque);
	} else {
		/* indirect: the direct mbuf owning the buffer sits before it */
		struct hm_mbuf *md = (struct hm_mbuf *)(void *)((char *)m->buf_addr - MBUF_HDR -
								m->priv_size);

		if (hm_mbuf_refcnt_update(md, -1) == 0) {
			md->next = NULL;
			md->nb_segs = 1;
			hm_mbuf_refcnt_set(md, 1);
			hm_mbuf_raw_free(md);
		}
	}
	hdr = MBUF_HDR + p->mbuf_priv_size;
	m->priv_size = p->mbuf_priv_size;
	m->buf_addr = (char *)m + hdr;
	iova = hm_mempool_virt2iova(m);
	m->buf_iova = iova == HM_BAD_IOVA ? HM_BAD_IOVA : iova + hdr;
	m->buf_len = p->mbuf_data_room_size;
	m->data_off = m->buf_len < HM_PKTMBUF_HEADROOM ? m->buf_len : HM_PKTMBUF_HEADROOM;
	m->data_len = 0;
	m->ol_flags = 0;
}

/* A pinned external buffer's mbuf is being freed: @return 1 when other mbufs
 * still use the buffer (this one must not go back to its pool yet), else 0. */
static int
pinned_extbuf_decref(struct hm_mbuf *m)
{
	struct hm_mbuf_ext_shared_info *shinfo = m->shinfo;

	m->ol_flags = HM_MBUF_F_EXTERNAL;
	if (__atomic_load_n(&shinfo->refcnt, __ATOMIC_RELAXED) == 1)
		return 0;
	if (__atomic_add_fetch(&shinfo->refcnt, (uint16_t)-1, __ATOMIC_ACQ_REL) != 0)
		return 1;
	__atomic_store_n(&shinfo->refcnt, 1, __ATOMIC_RELAXED);
	return 0;
}

/* What the attached @p m must look like before its buffer's owner is touched:
 * NULL or the reason it cannot be an attached mbuf. */
static const char *
attached_bad(const struct hm_mbuf *m)
{
	const struct hm_mbuf *md;

	if (m->pool == NULL)
		return "no pool";
	if (m->ol_flags & HM_MBUF_F_EXTERNAL)
		return m->shinfo == NULL ? "external buffer without shared info" : NULL;
	md = (const struct hm_mbuf *)(const void *)((const char *)m->buf_addr - MBUF_HDR -
						    m->priv_size);
	if (m->buf_addr == NULL || md->buf_addr != m->buf_addr ||
	    (md->ol_flags & HM_MBUF__F_ATTACHED) != 0 || hm_mbuf_refcnt_read(md) == 0)
		return "indirect, but its buffer is not a direct mbuf's";
	return NULL;
}

struct hm_mbuf *
hm_pktmbuf__prefree_seg_attached(struct hm_mbuf *m)
{
	const char *why;

	if (hm_mbuf_refcnt_read(m) != 1 &&
	    __atomic_sub_fetch(&m->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return NULL; /* others still hold this segment */
	why = attached_bad(m);
	if (why != NULL) {
		/* kept out of its pool (the leak report names the pool) rather than
		 * freeing memory that may not be its buffer owner's */
		hm_fail_log(EFAULT, "free of mbuf %p: %s; the segment is not freed", (void *)m,
			    why);
		return NULL;
	}
	hm_pktmbuf__detach(m);
	if ((m->ol_flags & HM_MBUF_F_EXTERNAL) &&
	    (((const struct hm_pktmbuf_pool_private *)hm_mempool_get_priv(m->pool))->flags &
	     HM_PKTMBUF_POOL_F_PINNED_EXT_BUF) &&
	    pinned_extbuf_decref(m))
		return NULL;
	m->next = NULL;
	m->nb_segs = 1;
	hm_mbuf_refcnt_set(m, 1);
	return m;
}

static void
pool_init(struct hm_mempool *mp, void *arg)
{
	memcpy(hm_mempool_get_priv(mp), arg, sizeof(struct hm_pktmbuf_pool_private));
}

struct hm_mempool *
hm_pktmbuf_pool_create_by_ops(const char *name, unsigned int n, unsigned int cache_size,
			      uint16_t priv_size, uint16_t data_room_size, int socket_id,
			      const char *ops_name)
{
	struct hm_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = data_room_size,
		.mbuf_priv_size = priv_size,
		.flags = 0,
	};
	struct hm_mempool *mp;
	int rc;

	if (priv_size % HM_MBUF_PRIV_ALIGN != 0)
		return hm_fail_ptr(EINVAL, "pktmbuf pool '%s': priv_size %u is not a multiple "
				   "of %d", name != NULL ? name : "(null)", priv_size,
				   HM_MBUF_PRIV_ALIGN);
	mp = hm_mempool_create_empty(name, n, MBUF_HDR + priv_size + data_room_size,
				     cache_size, sizeof(priv), socket_id, 0);
	if (mp == NULL)
		return NULL;
	pool_init(mp, &priv);
	if (ops_name != NULL) {
		rc = hm_mempool_set_ops_byname(mp, ops_name, NULL);
		if (rc < 0)
			goto fail;
	}
	rc = hm_mempool_populate_default(mp);
	if (rc < 0)
		goto fail;
	hm_mempool_obj_iter(mp, hm_pktmbuf_init, NULL);
	return mp;
fail: {
	char why[256];
	snprintf(why, sizeof(why), "%s", hm_last_error());
	hm_mempool_free(mp);
	return hm_fail_ptr(-rc, "pktmbuf pool '%s': %s", name, why);
}
}

struct hm_mempool *
hm_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache_size,
		       uint16_t priv_size, uint16_t data_room_size, int socket_id)
{
	return hm_pktmbuf_pool_create_by_ops(name, n, cache_size, priv_size, data_room_size,
					     socket_id, NULL);
}

uint16_t
hm_pktmbuf_data_room_size(struct hm_mempool *mp)
{
	const struct hm_pktmbuf_pool_private *p = pool_priv(mp);

	if (p == NULL) {
		hm_fail(EINVAL, "not a pktmbuf pool");
		return 0;
	}
	return p->mbuf_data_room_size;
}

uint16_t
hm_pktmbuf_priv_size(struct hm_mempool *mp)
{
	const struct hm_pktmbuf_pool_private *p = pool_priv(mp);

	if (p == NULL) {
		hm_fail(EINVAL, "not a pktmbuf pool");
		return 0;
	}
	return p->mbuf_priv_size;
}

/* ---------------------------------------------------------------- data */

char *
hm_pktmbuf_prepend(struct hm_mbuf *m, uint16_t len)
{
	if (m == NULL)
		return hm_fail_ptr(EINVAL, "pktmbuf prepend: NULL mbuf");
	if (len > m->data_off)
		return hm_fail_ptr(ENOSPC, "pktmbuf prepend: %u bytes, headroom is %u", len,
				   m->data_off);
	m->data_off = (uint16_t)(m->data_off - len);
	m->data_len = (uint16_t)(m->data_len + len);
	m->pkt_len += len;
	return hm_pktmbuf_mtod(m, char *);
}

char *
hm_pktmbuf_append(struct hm_mbuf *m, uint16_t len)
{
	struct hm_mbuf *last;
	char *tail;

	if (m == NULL)
		return hm_fail_ptr(EINVAL, "pktmbuf append: NULL mbuf");
	last = hm_pktmbuf_lastseg(m);
	if (len > hm_pktmbuf_tailroom(last))
		return hm_fail_ptr(ENOSPC, "pktmbuf append: %u bytes, tailroom of the last "
				   "segment is %u", len, hm_pktmbuf_tailroom(last));
	tail = hm_pktmbuf_mtod_offset(last, char *, last->data_len);
	last->data_len = (uint16_t)(last->data_len + len);
	m->pkt_len += len;
	return tail;
}

char *
hm_pktmbuf_adj(struct hm_mbuf *m, uint16_t len)
{
	if (m == NULL)
		return hm_fail_ptr(EINVAL, "pktmbuf adj: NULL mbuf");
	if (len > m->data_len)
		return hm_fail_ptr(ENOSPC, "pktmbuf adj: %u bytes, the first segment has %u",
				   len, m->data_len);
	m->data_len = (uint16_t)(m->data_len - len);
	m->data_off = (uint16_t)(m->data_off + len);
	m->pkt_len -= len;
	return hm_pktmbuf_mtod(m, char *);
}

int
hm_pktmbuf_trim(struct hm_mbuf *m, uint16_t len)
{
	struct hm_mbuf *last;

	if (m == NULL)
		return hm_fail(EINVAL, "pktmbuf trim: NULL mbuf");
	last = hm_pktmbuf_lastseg(m);
	if (len > last->data_len)
		return hm_fail(ENOSPC, "pktmbuf trim: %u bytes, the last segment has %u", len,
			       last->data_len);
	last->data_len = (uint16_t)(last->data_len - len);
	m->pkt_len -= len;
	return 0;
}

int
hm_pktmbuf_chain(struct hm_mbuf *head, struct hm_mbuf *tail)
{
	struct hm_mbuf *last;

	if (head == NULL || tail == NULL || head == tail)
		return hm_fail(EINVAL, "pktmbuf chain: NULL or identical head and tail");
	if ((uint32_t)head->nb_segs + tail->nb_segs > HM_MBUF_MAX_NB_SEGS)
		return hm_fail(EOVERFLOW, "pktmbuf chain: %u + %u segments exceed %u",
			       head->nb_segs, tail->nb_segs, HM_MBUF_MAX_NB_SEGS);
	/* a tail already in head's chain (or head in tail's) would make a cycle
	 * that lastseg and free never leave: O(segments), as lastseg is anyway */
	last = head;
	for (struct hm_mbuf *s = head; s != NULL; s = s->next) {
		if (s == tail)
			return hm_fail(EINVAL, "pktmbuf chain: the tail is already a segment of "
				       "the head's chain");
		last = s;
	}
	for (const struct hm_mbuf *s = tail; s != NULL; s = s->next)
		if (s == head)
			return hm_fail(EINVAL, "pktmbuf chain: the head is a segment of the "
				       "tail's chain");
	last->next = tail;
	head->nb_segs = (uint16_t)(head->nb_segs + tail->nb_segs);
	head->pkt_len += tail->pkt_len;
	tail->pkt_len = tail->data_len;
	return 0;
}

int
hm_pktmbuf_is_contiguous(const struct hm_mbuf *m)
{
	return m != NULL && m->nb_segs == 1;
}

/* ---------------------------------------------------------------- checks */

void
hm_mbuf_raw_sanity_check(const struct hm_mbuf *m, struct hm_mempool *mp)
{
	const char *why = NULL;
	char msg[160];

	if (m == NULL)
		why = "NULL mbuf";
	else if (hm_mbuf_refcnt_read(m) != 1)
		why = "refcnt != 1";
	else if (m->next != NULL)
		why = "next != NULL";
	else if (m->nb_segs != 1)
		why = "nb_segs != 1";
	else if (m->ol_flags & HM_MBUF_F_INDIRECT)
		why = "indirect (still attached to another mbuf's buffer)";
	else if (mp != NULL && m->pool != mp)
		why = "mbuf of another pool";
	if (why == NULL)
		return;
	snprintf(msg, sizeof(msg), "free mbuf %p: %s", (const void *)m, why);
	hm_panic(__FILE__, __LINE__, msg);
}

/* The checks every segment must pass (DPDK's "generic checks"). */
static const char *
check_seg(const struct hm_mbuf *m)
{
	uint16_t cnt;

	if (m->pool == NULL)
		return "bad mbuf pool";
	if (m->buf_iova == 0)
		return "bad IO addr";
	if (m->buf_addr == NULL)
		return "bad virt addr";
	/* 0: freed; 0xffff: decremented from 0 (a double free), as DPDK rejects */
	cnt = hm_mbuf_refcnt_read(m);
	if (cnt == 0 || cnt == UINT16_MAX)
		return "bad ref cnt";
	if (!(m->ol_flags & (HM_MBUF_F_EXTERNAL | HM_MBUF_F_INDIRECT)) &&
	    m->buf_addr != (const char *)m + MBUF_HDR + m->priv_size)
		return "buf_addr does not follow the header and private area";
	return NULL;
}

static const char *
check_mbuf(const struct hm_mbuf *m, int is_header)
{
	uint32_t pkt_len, nb_segs, seen = 0;
	const char *why;

	if (m == NULL)
		return "mbuf is NULL";
	why = check_seg(m);
	if (why != NULL || !is_header)
		return why;
	if (m->data_len > m->pkt_len)
		return "bad data_len";
	nb_segs = m->nb_segs;
	pkt_len = m->pkt_len;
	do {
		/* the first segment passed above; the others are checked here
		 * (DPDK checks only the first: a freed or foreign segment in a
		 * chain would go unnoticed) */
		if (seen > 0 && (why = check_seg(m)) != NULL)
			return why;
		if (m->data_off > m->buf_len)
			return "data offset too big in mbuf segment";
		if ((uint32_t)m->data_off + m->data_len > m->buf_len)
			return "data length too big in mbuf segment";
		if (++seen > nb_segs)
			return "bad nb_segs";
		pkt_len -= m->data_len;
	} while ((m = m->next) != NULL);
	if (seen != nb_segs)
		return "bad nb_segs";
	if (pkt_len != 0)
		return "bad pkt_len";
	return NULL;
}

int
hm_mbuf_check(const struct hm_mbuf *m, int is_header, const char **reason)
{
	const char *why = check_mbuf(m, is_header);

	if (why == NULL)
		return 0;
	if (reason != NULL)
		*reason = why;
	return hm_fail(EFAULT, "mbuf %p is corrupt: %s", (const void *)m, why);
}

struct pool_check {
	const struct hm_pktmbuf_pool_private *p;
	const char *why;
};

static void
check_obj(struct hm_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct pool_check *c = arg;
	const struct hm_mbuf *m = obj;
	hm_iova_t iova = hm_mempool_virt2iova(obj);
	uint32_t hdr = MBUF_HDR + c->p->mbuf_priv_size;

	(void)idx;
	if (c->why != NULL)
		return;
	if (m->pool != mp)
		c->why = "mbuf pool pointer is not its pool";
	else if (m->priv_size != c->p->mbuf_priv_size || m->buf_len != c->p->mbuf_data_room_size)
		c->why = "mbuf priv_size / buf_len differ from the pool's";
	else if (!(m->ol_flags & (HM_MBUF_F_EXTERNAL | HM_MBUF_F_INDIRECT)) &&
		 (m->buf_addr != (const char *)m + hdr ||
		  m->buf_iova != (iova == HM_BAD_IOVA ? HM_BAD_IOVA : iova + hdr)))
		c->why = "mbuf buf_addr / buf_iova do not match its place in the pool";
	else if (hm_mempool_debug(mp) && *hm_mempool_get_cookie(mp, obj) == HM_MEMPOOL_COOKIE_IN &&
		 (hm_mbuf_refcnt_read(m) != 1 || m->next != NULL || m->nb_segs != 1))
		c->why = "a free mbuf does not have refcnt 1, next NULL and one segment";
}

int
hm_pktmbuf_pool_check(struct hm_mempool *mp, const char **reason)
{
	struct pool_check c = { NULL, NULL };
	int rc;

	if (mp == NULL)
		return hm_fail(EINVAL, "pktmbuf pool check: NULL pool");
	rc = hm_mempool_check(mp, reason);
	if (rc < 0)
		return rc;
	c.p = pool_priv(mp);
	if (c.p == NULL)
		return hm_fail(EINVAL, "pktmbuf pool check: '%s' is not a pktmbuf pool", mp->name);
	hm_mempool_obj_iter(mp, check_obj, &c);
	if (c.why != NULL) {
		if (reason != NULL)
			*reason = c.why;
		return hm_fail(EFAULT, "pktmbuf pool '%s' is corrupt: %s", mp->name, c.why);
	}
	return 0;
}

void
hm_pktmbuf_dump(FILE *f, const struct hm_mbuf *m, unsigned int dump_len)
{
	unsigned int seg = 0;

	if (f == NULL)
		return;
	if (m == NULL) {
		fprintf(f, "mbuf: NULL\n");
		return;
	}
	fprintf(f, "dump mbuf at %p, iova=0x%" PRIx64 ", buf_len=%u\n", (const void *)m,
		(uint64_t)m->buf_iova, m->buf_len);
	fprintf(f, "  pkt_len=%u, ol_flags=0x%" PRIx64 ", nb_segs=%u, port=%u, ptype=0x%x\n",
		m->pkt_len, m->ol_flags, m->nb_segs, m->port, m->packet_type);
	for (; m != NULL && seg <= HM_MBUF_MAX_NB_SEGS; m = m->next, seg++) {
		const uint8_t *d = hm_pktmbuf_mtod(m, const uint8_t *);
		unsigned int n = m->data_len < dump_len ? m->data_len : dump_len;
		fprintf(f, "  segment at %p, data=%p, data_len=%u, data_off=%u, refcnt=%u\n",
			(const void *)m, (const void *)d, m->data_len, m->data_off,
			hm_mbuf_refcnt_read(m));
		for (unsigned int i = 0; i < n; i++)
			fprintf(f, "%s%02x", i % 16 == 0 ? (i ? "\n    " : "    ") : " ", d[i]);
		if (n > 0)
			fprintf(f, "\n");
		dump_len -= n;
	}
}
