/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet buffers (DPDK's rte_mbuf): pktmbuf pools, chains, data manipulation and
 * the validator. The layout and the per-packet fast paths (alloc, free, bulk
 * forms, refcnt, data IOVA, mtod) are in hugemem/mbuf_core.h, included here.
 *
 * A pktmbuf pool is a mempool whose objects are [struct hm_mbuf][priv_size bytes]
 * [data_room_size bytes of buffer] and whose private data is a struct
 * hm_pktmbuf_pool_private. Every object is initialised once (hm_pktmbuf_init):
 * buf_addr / buf_iova point at the buffer, buf_len = data_room_size, data_off =
 * min(HM_PKTMBUF_HEADROOM, buf_len), refcnt 1, nb_segs 1, port invalid, next NULL.
 *
 * Chains: the first segment holds pkt_len (sum of data_len over the chain) and
 * nb_segs; freeing a chain frees every segment whose refcnt drops to 0.
 * Segments shared through refcnt (hm_mbuf_refcnt_update) go back to the pool
 * when the last reference is freed.
 */
#ifndef HUGEMEM_MBUF_H
#define HUGEMEM_MBUF_H

#include <stdio.h>

#include "hugemem/mbuf_core.h"
#include "hugemem/mempool.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Private data of a pktmbuf pool (hm_mempool_get_priv). */
struct hm_pktmbuf_pool_private {
	uint16_t mbuf_data_room_size; /* buffer bytes per mbuf (headroom included) */
	uint16_t mbuf_priv_size;      /* bytes between the header and the buffer */
	uint32_t flags;               /* HM_PKTMBUF_POOL_F_*; 0 for hm_pktmbuf_pool_create's */
};

/**
 * A pool of @p n mbufs with per-lcore caches of @p cache_size, @p priv_size bytes
 * of application area per mbuf (a multiple of 8) and @p data_room_size bytes of
 * buffer (headroom included; HM_MBUF_DEFAULT_BUF_SIZE is the usual value), on
 * @p socket_id, with the default ops.
 * @return the pool or NULL with hm_errno EINVAL (priv_size not a multiple of 8,
 *   and every create_empty error), ENAMETOOLONG, EEXIST, ENOMEM, ENODEV.
 */
struct hm_mempool *hm_pktmbuf_pool_create(const char *name, unsigned int n,
					  unsigned int cache_size, uint16_t priv_size,
					  uint16_t data_room_size, int socket_id);
/** Same with the ops named @p ops_name (NULL: default). Also EINVAL (unknown ops, as DPDK). */
struct hm_mempool *hm_pktmbuf_pool_create_by_ops(const char *name, unsigned int n,
						 unsigned int cache_size, uint16_t priv_size,
						 uint16_t data_room_size, int socket_id,
						 const char *ops_name);

/** Object constructor of pktmbuf pools (hm_mempool_obj_cb_t); NULL arguments: no-op. */
void hm_pktmbuf_init(struct hm_mempool *mp, void *opaque, void *obj, unsigned int idx);
/** Buffer bytes per mbuf of a pktmbuf pool; 0 (hm_errno EINVAL) for anything else. */
uint16_t hm_pktmbuf_data_room_size(struct hm_mempool *mp);
/** Private bytes per mbuf of a pktmbuf pool; 0 (hm_errno EINVAL) for anything else. */
uint16_t hm_pktmbuf_priv_size(struct hm_mempool *mp);

/**
 * Make room for @p len bytes before the data. @return the new data start, or NULL
 * with hm_errno EINVAL (NULL m) / ENOSPC (headroom too small): nothing changes.
 */
char *hm_pktmbuf_prepend(struct hm_mbuf *m, uint16_t len);
/**
 * Add @p len bytes after the data of the last segment. @return where they start,
 * or NULL with hm_errno EINVAL / ENOSPC (tailroom of the last segment too small).
 */
char *hm_pktmbuf_append(struct hm_mbuf *m, uint16_t len);
/**
 * Remove @p len bytes from the start of the first segment. @return the new data
 * start, or NULL with hm_errno EINVAL / ENOSPC (more than data_len).
 */
char *hm_pktmbuf_adj(struct hm_mbuf *m, uint16_t len);
/** Remove @p len bytes from the end of the last segment. @return 0; -EINVAL; -ENOSPC. */
int hm_pktmbuf_trim(struct hm_mbuf *m, uint16_t len);
/**
 * Append chain @p tail to chain @p head (head's pkt_len and nb_segs grow).
 * @return 0; -EINVAL (NULL, same mbuf, or one already a segment of the other's chain:
 * that would make a cycle); -EOVERFLOW (more than 65535 segments).
 */
int hm_pktmbuf_chain(struct hm_mbuf *head, struct hm_mbuf *tail);
/** 1 when the packet is one segment. */
int hm_pktmbuf_is_contiguous(const struct hm_mbuf *m);

/**
 * DPDK's rte_mbuf_check: pool, buffer address and IOVA, refcnt (not 0, not
 * 0xffff); with @p is_header also data_len <= pkt_len, every segment's data
 * inside its buffer, nb_segs and pkt_len matching the chain. Plus: a direct
 * mbuf's buf_addr follows its header and private area, and with @p is_header
 * every segment of the chain (not only the first) passes those per-segment
 * checks. @return 0, or -EFAULT with *reason.
 */
int hm_mbuf_check(const struct hm_mbuf *m, int is_header, const char **reason);
/**
 * hm_mempool_check of a pktmbuf pool, then every mbuf's fixed fields (pool,
 * buf_addr, buf_iova, buf_len, priv_size); in debug builds every free mbuf (in
 * the backend or a cache) has refcnt 1, next NULL and nb_segs 1.
 * @return 0; -EINVAL (not a pktmbuf pool); -EFAULT with *reason.
 */
int hm_pktmbuf_pool_check(struct hm_mempool *mp, const char **reason);
/** Print the header fields of every segment and up to @p dump_len data bytes. */
void hm_pktmbuf_dump(FILE *f, const struct hm_mbuf *m, unsigned int dump_len);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_MBUF_H */
