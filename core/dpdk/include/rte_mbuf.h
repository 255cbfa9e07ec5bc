/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet buffers, DPDK 22.11's rte_mbuf.h over hugemem's mbufs
 * (hugemem/mbuf.h). struct rte_mbuf (rte_mbuf_core.h) is struct hm_mbuf; a
 * pktmbuf pool is a mempool whose objects are [struct rte_mbuf][priv_size
 * bytes][data room] and whose private data is struct rte_pktmbuf_pool_private.
 * Allocation and free are hugemem's inline fast paths (hugemem/mbuf_core.h),
 * which also free indirect mbufs (rte_pktmbuf_attach / clone) and external
 * buffers (rte_pktmbuf_attach_extbuf) as DPDK does: freeing one detaches it,
 * and the last reference frees the buffer's owner.
 *
 * Invariant of a free mbuf: refcnt 1, next NULL, nb_segs 1, direct (or
 * EXTERNAL in a pool with pinned external buffers).
 */
#ifndef _RTE_MBUF_H_
#define _RTE_MBUF_H_

#include <stdint.h>
#include <string.h>

#include <rte_compat.h>
#include <rte_common.h>
#include <rte_config.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_branch_prediction.h>
#include <rte_mbuf_ptype.h>
#include <rte_mbuf_core.h>

#include "hugemem/mbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The hugemem mbuf a DPDK mbuf is. */
#define RTE_MBUF_HM(m) ((struct hm_mbuf *)(void *)(m))
#define RTE_MBUF_HM_CONST(m) ((const struct hm_mbuf *)(const void *)(m))

/* ---------------------------------------------------------------- flag names */

/** Name of the RX flag (or multi-bit value) @p mask, or NULL. */
const char *rte_get_rx_ol_flag_name(uint64_t mask);
/**
 * Names of the RX flags in @p mask, each followed by a space; the checksum
 * fields always appear (UNKNOWN when 0), bits without a name are skipped.
 * @return 0, or -1 when @p buf (of @p buflen bytes) is too small or NULL.
 */
int rte_get_rx_ol_flag_list(uint64_t mask, char *buf, size_t buflen);
/** Name of the TX flag (or multi-bit value) @p mask, or NULL. */
const char *rte_get_tx_ol_flag_name(uint64_t mask);
/** As rte_get_rx_ol_flag_list for TX flags. */
int rte_get_tx_ol_flag_list(uint64_t mask, char *buf, size_t buflen);

/* ---------------------------------------------------------------- addresses */

static inline void
rte_mbuf_prefetch_part1(struct rte_mbuf *m)
{
	rte_prefetch0(&m->cacheline0);
}

static inline void
rte_mbuf_prefetch_part2(struct rte_mbuf *m)
{
	rte_prefetch0(&m->cacheline1);
}

static inline uint16_t rte_pktmbuf_priv_size(struct rte_mempool *mp);

static inline rte_iova_t
rte_mbuf_iova_get(const struct rte_mbuf *m)
{
	return m->buf_iova;
}

static inline void
rte_mbuf_iova_set(struct rte_mbuf *m, rte_iova_t iova)
{
	m->buf_iova = iova;
}

/** IOVA of the data of @p mb. */
static inline rte_iova_t
rte_mbuf_data_iova(const struct rte_mbuf *mb)
{
	return rte_mbuf_iova_get(mb) + mb->data_off;
}

/** IOVA at the default headroom (what RX descriptors get). */
static inline rte_iova_t
rte_mbuf_data_iova_default(const struct rte_mbuf *mb)
{
	return rte_mbuf_iova_get(mb) + RTE_PKTMBUF_HEADROOM;
}

/** The direct mbuf whose buffer indirect mbuf @p mi is attached to. */
static inline struct rte_mbuf *
rte_mbuf_from_indirect(struct rte_mbuf *mi)
{
	return (struct rte_mbuf *)RTE_PTR_SUB(mi->buf_addr, sizeof(*mi) + mi->priv_size);
}

/** Where the buffer embedded in @p mb (of pool @p mp) starts. */
static inline char *
rte_mbuf_buf_addr(struct rte_mbuf *mb, struct rte_mempool *mp)
{
	return (char *)mb + sizeof(*mb) + rte_pktmbuf_priv_size(mp);
}

/** Where data starts in @p mb's embedded buffer with the default headroom. */
static inline char *
rte_mbuf_data_addr_default(struct rte_mbuf *mb)
{
	return rte_mbuf_buf_addr(mb, mb->pool) + RTE_PKTMBUF_HEADROOM;
}

/** Deprecated name: the buffer embedded in @p md. */
static inline char *
rte_mbuf_to_baddr(struct rte_mbuf *md)
{
	return rte_mbuf_buf_addr(md, md->pool);
}

/** The application area after the header (priv_size bytes). */
static inline void *
rte_mbuf_to_priv(struct rte_mbuf *m)
{
	return RTE_PTR_ADD(m, sizeof(struct rte_mbuf));
}

/** Private data of a pktmbuf pool. */
struct rte_pktmbuf_pool_private {
	uint16_t mbuf_data_room_size; /* buffer bytes per mbuf, headroom included */
	uint16_t mbuf_priv_size;      /* application area per mbuf */
	uint32_t flags;               /* RTE_PKTMBUF_POOL_F_* */
};

static inline uint32_t
rte_pktmbuf_priv_flags(struct rte_mempool *mp)
{
	struct rte_pktmbuf_pool_private *p =
		(struct rte_pktmbuf_pool_private *)rte_mempool_get_priv(mp);

	return p->flags;
}

/** The pool's mbufs carry pinned external buffers (rte_pktmbuf_pool_create_extbuf). */
#define RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF (1 << 0)
#define RTE_MBUF_HAS_PINNED_EXTBUF(mb) \
	(rte_pktmbuf_priv_flags((mb)->pool) & RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF)

/* ---------------------------------------------------------------- references */

static inline uint16_t
rte_mbuf_refcnt_read(const struct rte_mbuf *m)
{
	return hm_mbuf_refcnt_read(RTE_MBUF_HM_CONST(m));
}

static inline void
rte_mbuf_refcnt_set(struct rte_mbuf *m, uint16_t new_value)
{
	hm_mbuf_refcnt_set(RTE_MBUF_HM(m), new_value);
}

static inline uint16_t
__rte_mbuf_refcnt_update(struct rte_mbuf *m, int16_t value)
{
	return __atomic_add_fetch(&m->refcnt, (uint16_t)value, __ATOMIC_ACQ_REL);
}

/** Add @p value to the refcnt. @return the new value. */
static inline uint16_t
rte_mbuf_refcnt_update(struct rte_mbuf *m, int16_t value)
{
	return hm_mbuf_refcnt_update(RTE_MBUF_HM(m), value);
}

static inline uint16_t
rte_mbuf_ext_refcnt_read(const struct rte_mbuf_ext_shared_info *shinfo)
{
	return __atomic_load_n(&shinfo->refcnt, __ATOMIC_RELAXED);
}

static inline void
rte_mbuf_ext_refcnt_set(struct rte_mbuf_ext_shared_info *shinfo, uint16_t new_value)
{
	__atomic_store_n(&shinfo->refcnt, new_value, __ATOMIC_RELAXED);
}

/** Add @p value to an external buffer's refcnt. @return the new value. */
static inline uint16_t
rte_mbuf_ext_refcnt_update(struct rte_mbuf_ext_shared_info *shinfo, int16_t value)
{
	if (likely(rte_mbuf_ext_refcnt_read(shinfo) == 1)) {
		++value;
		rte_mbuf_ext_refcnt_set(shinfo, (uint16_t)value);
		return (uint16_t)value;
	}
	return __atomic_add_fetch(&shinfo->refcnt, (uint16_t)value, __ATOMIC_ACQ_REL);
}

#define RTE_MBUF_PREFETCH_TO_FREE(m) \
	do { \
		if ((m) != NULL) \
			rte_prefetch0(m); \
	} while (0)

/* ---------------------------------------------------------------- checks */

/** Panic unless @p m passes rte_mbuf_check. */
void rte_mbuf_sanity_check(const struct rte_mbuf *m, int is_header);

/**
 * DPDK's mbuf checks: pool, buffer address, IOVA (not 0), refcnt (not 0 or
 * 0xffff); with @p is_header, data_len <= pkt_len and every segment's data
 * inside its buffer, nb_segs and pkt_len matching the chain.
 * @return 0, or -1 with *@p reason (may be NULL) saying what is wrong.
 */
int rte_mbuf_check(const struct rte_mbuf *m, int is_header, const char **reason);

#ifdef RTE_LIBRTE_MBUF_DEBUG
#define __rte_mbuf_sanity_check(m, is_h) rte_mbuf_sanity_check(m, is_h)
#else
#define __rte_mbuf_sanity_check(m, is_h) do { } while (0)
#endif

static __rte_always_inline void
__rte_mbuf_raw_sanity_check(__rte_unused const struct rte_mbuf *m)
{
	RTE_ASSERT(rte_mbuf_refcnt_read(m) == 1);
	RTE_ASSERT(m->next == NULL);
	RTE_ASSERT(m->nb_segs == 1);
	__rte_mbuf_sanity_check(m, 0);
}

#define MBUF_RAW_ALLOC_CHECK(m) __rte_mbuf_raw_sanity_check(m)

/* ---------------------------------------------------------------- alloc, free */

/** An mbuf as the pool holds it (not reset), or NULL when the pool is empty. */
static inline struct rte_mbuf *
rte_mbuf_raw_alloc(struct rte_mempool *mp)
{
	return (struct rte_mbuf *)(void *)hm_mbuf_raw_alloc(RTE_MEMPOOL_HM(mp));
}

/** Put @p m back in its pool. pre: direct, refcnt 1, next NULL, nb_segs 1. */
static __rte_always_inline void
rte_mbuf_raw_free(struct rte_mbuf *m)
{
	hm_mbuf_raw_free(RTE_MBUF_HM(m));
}

/** Object constructor of pktmbuf pools (rte_mempool_obj_cb_t). */
void rte_pktmbuf_init(struct rte_mempool *mp, void *opaque_arg, void *m, unsigned i);
/** Pool constructor: store @p opaque_arg (a struct rte_pktmbuf_pool_private,
 * NULL: no private area, the whole element after the header is data room). */
void rte_pktmbuf_pool_init(struct rte_mempool *mp, void *opaque_arg);

/**
 * A pool of @p n mbufs with @p priv_size bytes of application area (a multiple
 * of RTE_MBUF_PRIV_ALIGN) and @p data_room_size bytes of buffer, with the ops
 * of rte_mbuf_best_mempool_ops().
 * @return the pool, or NULL with rte_errno EINVAL (priv_size, and every
 *   rte_mempool_create_empty error), ENAMETOOLONG, EEXIST, ENOSPC, ENOMEM.
 */
struct rte_mempool *rte_pktmbuf_pool_create(const char *name, unsigned n, unsigned cache_size,
					    uint16_t priv_size, uint16_t data_room_size,
					    int socket_id);
/** Same with the ops named @p ops_name (NULL: the best ones); also EINVAL for an unknown name. */
struct rte_mempool *rte_pktmbuf_pool_create_by_ops(const char *name, unsigned int n,
						   unsigned int cache_size, uint16_t priv_size,
						   uint16_t data_room_size, int socket_id,
						   const char *ops_name);

/** External memory for rte_pktmbuf_pool_create_extbuf. */
struct rte_pktmbuf_extmem {
	void *buf_ptr;       /* VA */
	rte_iova_t buf_iova; /* IOVA of buf_ptr (RTE_BAD_IOVA: none) */
	size_t buf_len;      /* bytes */
	uint16_t elt_size;   /* bytes of buffer per mbuf */
};

/**
 * A pool whose mbufs each carry a pinned slice of elt_size bytes of the
 * caller's memory @p ext_mem[0..ext_num) as an external buffer (data room
 * @p data_room_size <= elt_size); n slices must fit.
 * @return the pool, or NULL with rte_errno EINVAL (priv_size, NULL or empty
 *   ext_mem, a slice smaller than the data room, too little memory for n) and
 *   the rte_mempool_create_empty errors.
 */
struct rte_mempool *rte_pktmbuf_pool_create_extbuf(const char *name, unsigned int n,
						   unsigned int cache_size, uint16_t priv_size,
						   uint16_t data_room_size, int socket_id,
						   const struct rte_pktmbuf_extmem *ext_mem,
						   unsigned int ext_num);

/** Data room of a pktmbuf pool's mbufs. */
static inline uint16_t
rte_pktmbuf_data_room_size(struct rte_mempool *mp)
{
	struct rte_pktmbuf_pool_private *p =
		(struct rte_pktmbuf_pool_private *)rte_mempool_get_priv(mp);

	return p->mbuf_data_room_size;
}

/** Application area of a pktmbuf pool's mbufs. */
static inline uint16_t
rte_pktmbuf_priv_size(struct rte_mempool *mp)
{
	struct rte_pktmbuf_pool_private *p =
		(struct rte_pktmbuf_pool_private *)rte_mempool_get_priv(mp);

	return p->mbuf_priv_size;
}

/** data_off = min(RTE_PKTMBUF_HEADROOM, buf_len). */
static inline void
rte_pktmbuf_reset_headroom(struct rte_mbuf *m)
{
	m->data_off = (uint16_t)RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, m->buf_len);
}

/** Reset the packet fields of a single-segment mbuf (what alloc does). */
static inline void
rte_pktmbuf_reset(struct rte_mbuf *m)
{
	hm_pktmbuf_reset(RTE_MBUF_HM(m));
}

/** A reset mbuf, or NULL when the pool is empty. */
static inline struct rte_mbuf *
rte_pktmbuf_alloc(struct rte_mempool *mp)
{
	return (struct rte_mbuf *)(void *)hm_pktmbuf_alloc(RTE_MEMPOOL_HM(mp));
}

/** @p count reset mbufs, all or none. @return 0, or < 0 (-ENOBUFS). */
static inline int
rte_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, unsigned count)
{
	return hm_pktmbuf_alloc_bulk(RTE_MEMPOOL_HM(pool), (struct hm_mbuf **)(void *)mbufs, count);
}

/* ---------------------------------------------------------------- external buffers */

/**
 * Put a struct rte_mbuf_ext_shared_info at the end of the buffer
 * [buf_addr, buf_addr + *buf_len) (pointer-aligned) with refcnt 1, and
 * shorten *@p buf_len to what is left before it.
 * @return the shared info, or NULL when the buffer is too small for it.
 */
static inline struct rte_mbuf_ext_shared_info *
rte_pktmbuf_ext_shinfo_init_helper(void *buf_addr, uint16_t *buf_len,
				   rte_mbuf_extbuf_free_callback_t free_cb, void *fcb_opaque)
{
	uintptr_t end = (uintptr_t)buf_addr + *buf_len;
	struct rte_mbuf_ext_shared_info *shinfo;

	if (*buf_len < sizeof(*shinfo))
		return NULL;
	shinfo = (struct rte_mbuf_ext_shared_info *)((end - sizeof(*shinfo)) &
						     ~(uintptr_t)(sizeof(uintptr_t) - 1));
	if ((uintptr_t)shinfo <= (uintptr_t)buf_addr)
		return NULL;
	shinfo->free_cb = free_cb;
	shinfo->fcb_opaque = fcb_opaque;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
	*buf_len = (uint16_t)((uintptr_t)shinfo - (uintptr_t)buf_addr);
	return shinfo;
}

/**
 * Attach the external buffer [buf_addr, + buf_len) with IOVA @p buf_iova to
 * direct mbuf @p m (data_off and data_len 0). The buffer's refcnt in
 * @p shinfo counts the mbufs attached to it; the caller set it.
 */
static inline void
rte_pktmbuf_attach_extbuf(struct rte_mbuf *m, void *buf_addr, rte_iova_t buf_iova,
			  uint16_t buf_len, struct rte_mbuf_ext_shared_info *shinfo)
{
	RTE_ASSERT(RTE_MBUF_DIRECT(m));
	RTE_ASSERT(shinfo != NULL);
	m->buf_addr = buf_addr;
	rte_mbuf_iova_set(m, buf_iova);
	m->buf_len = buf_len;
	m->data_len = 0;
	m->data_off = 0;
	m->ol_flags |= RTE_MBUF_F_EXTERNAL;
	m->shinfo = shinfo;
}

#define rte_pktmbuf_detach_extbuf(m) rte_pktmbuf_detach(m)

/** Copy the dynamic fields of @p msrc to @p mdst. */
static inline void
rte_mbuf_dynfield_copy(struct rte_mbuf *mdst, const struct rte_mbuf *msrc)
{
	memcpy(&mdst->dynfield1, msrc->dynfield1, sizeof(mdst->dynfield1));
}

/* The per-packet fields a clone or a copy takes over. */
static inline void
__rte_pktmbuf_copy_hdr(struct rte_mbuf *mdst, const struct rte_mbuf *msrc)
{
	mdst->port = msrc->port;
	mdst->vlan_tci = msrc->vlan_tci;
	mdst->vlan_tci_outer = msrc->vlan_tci_outer;
	mdst->tx_offload = msrc->tx_offload;
	mdst->hash = msrc->hash;
	mdst->packet_type = msrc->packet_type;
	rte_mbuf_dynfield_copy(mdst, msrc);
}

/**
 * Make @p mi (direct, refcnt 1) an indirect mbuf sharing @p m's buffer and
 * data (or @p m's external buffer): the buffer's owner gains a reference.
 */
static inline void
rte_pktmbuf_attach(struct rte_mbuf *mi, struct rte_mbuf *m)
{
	RTE_ASSERT(RTE_MBUF_DIRECT(mi) && rte_mbuf_refcnt_read(mi) == 1);
	if (RTE_MBUF_HAS_EXTBUF(m)) {
		rte_mbuf_ext_refcnt_update(m->shinfo, 1);
		mi->ol_flags = m->ol_flags;
		mi->shinfo = m->shinfo;
	} else {
		rte_mbuf_refcnt_update(rte_mbuf_from_indirect(m), 1);
		mi->priv_size = m->priv_size;
		mi->ol_flags = m->ol_flags | RTE_MBUF_F_INDIRECT;
	}
	__rte_pktmbuf_copy_hdr(mi, m);
	mi->data_off = m->data_off;
	mi->data_len = m->data_len;
	rte_mbuf_iova_set(mi, rte_mbuf_iova_get(m));
	mi->buf_addr = m->buf_addr;
	mi->buf_len = m->buf_len;
	mi->next = NULL;
	mi->pkt_len = mi->data_len;
	mi->nb_segs = 1;
	__rte_mbuf_sanity_check(mi, 1);
	__rte_mbuf_sanity_check(m, 0);
}

/**
 * Give indirect or external-buffer mbuf @p m its own buffer back (a pinned
 * external buffer stays attached): the buffer's owner loses a reference, and
 * the last one frees it (the direct mbuf back to its pool, or the external
 * buffer's free callback).
 */
static inline void
rte_pktmbuf_detach(struct rte_mbuf *m)
{
	hm_pktmbuf__detach(RTE_MBUF_HM(m));
}

/**
 * Drop one reference to segment @p m. @return m when it must go back to its
 * pool (detached, with the free-mbuf invariant restored), NULL otherwise.
 * hugemem's own hm_pktmbuf_prefree_seg: one test of ol_flags sends indirect and
 * external-buffer segments out of line.
 */
static __rte_always_inline struct rte_mbuf *
rte_pktmbuf_prefree_seg(struct rte_mbuf *m)
{
	return (struct rte_mbuf *)(void *)hm_pktmbuf_prefree_seg(RTE_MBUF_HM(m));
}

/** Free one segment (not the rest of its chain). hugemem's own. */
static __rte_always_inline void
rte_pktmbuf_free_seg(struct rte_mbuf *m)
{
	hm_pktmbuf_free_seg(RTE_MBUF_HM(m));
}

/** Free a whole chain. NULL does nothing. hugemem's own. */
static inline void
rte_pktmbuf_free(struct rte_mbuf *m)
{
	hm_pktmbuf_free(RTE_MBUF_HM(m));
}

/** Free @p count chains (NULL entries skipped), segments back in bulk per pool. */
void rte_pktmbuf_free_bulk(struct rte_mbuf **mbufs, unsigned int count);

/**
 * An indirect chain from @p mp sharing @p md's data segment by segment.
 * @return the clone, or NULL with rte_errno ENOBUFS (the pool ran out; nothing
 *   is left allocated).
 */
struct rte_mbuf *rte_pktmbuf_clone(struct rte_mbuf *md, struct rte_mempool *mp);

/**
 * A copy, in new direct mbufs from @p mp, of @p len bytes (UINT32_MAX: to the
 * end) of @p m from byte @p offset, with @p m's packet fields.
 * @return the copy, or NULL: offset at or past the end, or the pool ran out.
 */
struct rte_mbuf *rte_pktmbuf_copy(const struct rte_mbuf *m, struct rte_mempool *mp,
				  uint32_t offset, uint32_t length);

/** Add @p v to the refcnt of every segment of @p m. */
static inline void
rte_pktmbuf_refcnt_update(struct rte_mbuf *m, int16_t v)
{
	__rte_mbuf_sanity_check(m, 1);
	do {
		rte_mbuf_refcnt_update(m, v);
	} while ((m = m->next) != NULL);
}

/* ---------------------------------------------------------------- data */

static inline uint16_t
rte_pktmbuf_headroom(const struct rte_mbuf *m)
{
	return m->data_off;
}

/** Bytes free after the data of segment @p m. */
static inline uint16_t
rte_pktmbuf_tailroom(const struct rte_mbuf *m)
{
	return (uint16_t)(m->buf_len - rte_pktmbuf_headroom(m) - m->data_len);
}

static inline struct rte_mbuf *
rte_pktmbuf_lastseg(struct rte_mbuf *m)
{
	while (m->next != NULL)
		m = m->next;
	return m;
}

#define rte_pktmbuf_pkt_len(m) ((m)->pkt_len)
#define rte_pktmbuf_data_len(m) ((m)->data_len)

/** Make room for @p len bytes before the data. @return the new start, or NULL (headroom too small). */
static inline char *
rte_pktmbuf_prepend(struct rte_mbuf *m, uint16_t len)
{
	if (unlikely(len > rte_pktmbuf_headroom(m)))
		return NULL;
	m->data_off = (uint16_t)(m->data_off - len);
	m->data_len = (uint16_t)(m->data_len + len);
	m->pkt_len = m->pkt_len + len;
	return (char *)m->buf_addr + m->data_off;
}

/** Add @p len bytes after the data of the last segment. @return where they start, or NULL. */
static inline char *
rte_pktmbuf_append(struct rte_mbuf *m, uint16_t len)
{
	struct rte_mbuf *m_last = rte_pktmbuf_lastseg(m);
	char *tail;

	if (unlikely(len > rte_pktmbuf_tailroom(m_last)))
		return NULL;
	tail = (char *)m_last->buf_addr + m_last->data_off + m_last->data_len;
	m_last->data_len = (uint16_t)(m_last->data_len + len);
	m->pkt_len = m->pkt_len + len;
	return tail;
}

/** Remove @p len bytes from the start of the first segment. @return the new start, or NULL. */
static inline char *
rte_pktmbuf_adj(struct rte_mbuf *m, uint16_t len)
{
	if (unlikely(len > m->data_len))
		return NULL;
	m->data_len = (uint16_t)(m->data_len - len);
	m->data_off = (uint16_t)(m->data_off + len);
	m->pkt_len = m->pkt_len - len;
	return (char *)m->buf_addr + m->data_off;
}

/** Remove @p len bytes from the end of the last segment. @return 0, or -1. */
static inline int
rte_pktmbuf_trim(struct rte_mbuf *m, uint16_t len)
{
	struct rte_mbuf *m_last = rte_pktmbuf_lastseg(m);

	if (unlikely(len > m_last->data_len))
		return -1;
	m_last->data_len = (uint16_t)(m_last->data_len - len);
	m->pkt_len = m->pkt_len - len;
	return 0;
}

/** 1 when the packet is one segment. */
static inline int
rte_pktmbuf_is_contiguous(const struct rte_mbuf *m)
{
	return m->nb_segs == 1;
}

/* The out-of-line part of rte_pktmbuf_read. */
const void *__rte_pktmbuf_read(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *buf);

/**
 * @p len bytes of the packet from byte @p off: a pointer into the first
 * segment when they are there, else copied into @p buf.
 * @return the bytes, or NULL when off + len is past the packet's end.
 */
static inline const void *
rte_pktmbuf_read(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *buf)
{
	if (likely((uint64_t)off + len <= rte_pktmbuf_data_len(m)))
		return rte_pktmbuf_mtod_offset(m, char *, off);
	return __rte_pktmbuf_read(m, off, len, buf);
}

/**
 * Append chain @p tail to chain @p head. @return 0, or -EOVERFLOW (more than
 * RTE_MBUF_MAX_NB_SEGS segments; nothing changes).
 */
static inline int
rte_pktmbuf_chain(struct rte_mbuf *head, struct rte_mbuf *tail)
{
	struct rte_mbuf *cur_tail;

	if ((uint32_t)head->nb_segs + tail->nb_segs > RTE_MBUF_MAX_NB_SEGS)
		return -EOVERFLOW;
	cur_tail = rte_pktmbuf_lastseg(head);
	cur_tail->next = tail;
	head->nb_segs = (uint16_t)(head->nb_segs + tail->nb_segs);
	head->pkt_len += tail->pkt_len;
	tail->pkt_len = tail->data_len;
	return 0;
}

/** The tx_offload word for these lengths. */
static __rte_always_inline uint64_t
rte_mbuf_tx_offload(uint64_t il2, uint64_t il3, uint64_t il4, uint64_t tso, uint64_t ol3,
		    uint64_t ol2, uint64_t unused)
{
	return il2 << RTE_MBUF_L2_LEN_OFS | il3 << RTE_MBUF_L3_LEN_OFS |
	       il4 << RTE_MBUF_L4_LEN_OFS | tso << RTE_MBUF_TSO_SEGSZ_OFS |
	       ol3 << RTE_MBUF_OUTL3_LEN_OFS | ol2 << RTE_MBUF_OUTL2_LEN_OFS |
	       unused << RTE_MBUF_TXOFLD_UNUSED_OFS;
}

/**
 * DPDK's consistency rules of TX offload flags: IP checksum only for IPv4,
 * an IP version with L4 checksum or TSO, TSO with a segment size (and the IP
 * checksum for IPv4), outer IP checksum only for outer IPv4.
 * @return 0, or -EINVAL.
 */
static inline int
rte_validate_tx_offload(const struct rte_mbuf *m)
{
	uint64_t f = m->ol_flags;

	if (!(f & RTE_MBUF_F_TX_OFFLOAD_MASK))
		return 0;
	if ((f & RTE_MBUF_F_TX_IP_CKSUM) && (f & RTE_MBUF_F_TX_IPV6))
		return -EINVAL;
	if ((f & (RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)) &&
	    !(f & (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6)))
		return -EINVAL;
	if ((f & RTE_MBUF_F_TX_TCP_SEG) &&
	    (m->tso_segsz == 0 || ((f & RTE_MBUF_F_TX_IPV4) && !(f & RTE_MBUF_F_TX_IP_CKSUM))))
		return -EINVAL;
	if ((f & RTE_MBUF_F_TX_OUTER_IP_CKSUM) && !(f & RTE_MBUF_F_TX_OUTER_IPV4))
		return -EINVAL;
	return 0;
}

/* The out-of-line part of rte_pktmbuf_linearize. */
int __rte_pktmbuf_linearize(struct rte_mbuf *mbuf);

/**
 * Move the data of every segment into the first one and free the others.
 * @return 0, or -1 when the first segment's tailroom is too small (nothing
 *   changes).
 */
static inline int
rte_pktmbuf_linearize(struct rte_mbuf *mbuf)
{
	if (rte_pktmbuf_is_contiguous(mbuf))
		return 0;
	return __rte_pktmbuf_linearize(mbuf);
}

/** Print the header of every segment and up to @p dump_len data bytes. */
void rte_pktmbuf_dump(FILE *f, const struct rte_mbuf *m, unsigned dump_len);

/* ---------------------------------------------------------------- scheduler fields */

static inline uint32_t
rte_mbuf_sched_queue_get(const struct rte_mbuf *m)
{
	return m->hash.sched.queue_id;
}

static inline uint8_t
rte_mbuf_sched_traffic_class_get(const struct rte_mbuf *m)
{
	return m->hash.sched.traffic_class;
}

static inline uint8_t
rte_mbuf_sched_color_get(const struct rte_mbuf *m)
{
	return m->hash.sched.color;
}

static inline void
rte_mbuf_sched_get(const struct rte_mbuf *m, uint32_t *queue_id, uint8_t *traffic_class,
		   uint8_t *color)
{
	struct rte_mbuf_sched sched = m->hash.sched;

	*queue_id = sched.queue_id;
	*traffic_class = sched.traffic_class;
	*color = sched.color;
}

static inline void
rte_mbuf_sched_queue_set(struct rte_mbuf *m, uint32_t queue_id)
{
	m->hash.sched.queue_id = queue_id;
}

static inline void
rte_mbuf_sched_traffic_class_set(struct rte_mbuf *m, uint8_t traffic_class)
{
	m->hash.sched.traffic_class = traffic_class;
}

static inline void
rte_mbuf_sched_color_set(struct rte_mbuf *m, uint8_t color)
{
	m->hash.sched.color = color;
}

/** Set the three fields (reserved becomes 0). */
static inline void
rte_mbuf_sched_set(struct rte_mbuf *m, uint32_t queue_id, uint8_t traffic_class, uint8_t color)
{
	struct rte_mbuf_sched s;

	s.queue_id = queue_id;
	s.traffic_class = traffic_class;
	s.color = color;
	s.reserved = 0;
	m->hash.sched = s;
}

#ifdef __cplusplus
}
#endif
#endif /* _RTE_MBUF_H_ */
