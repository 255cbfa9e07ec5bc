/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_mempool.h's functions that are not inline, over hugemem's mempools.
 * struct rte_mempool is struct hm_mempool (asserted below), so pools pass
 * through; callbacks typed for struct rte_mempool get trampolines. The layer
 * adds what DPDK does around hugemem's calls: event callbacks (READY when a
 * populate fills the pool, DESTROY before a free), the object spread over the
 * EAL's -n channels and -r ranks, and DPDK's return conventions.
 *
 * Where DPDK 22.11 is wrong, the layer does the right thing (docs/
 * dpdk-compat.md): a name of 26..28 characters is refused before anything is
 * reserved (DPDK leaks a memzone), avail_count before populate is 0 (DPDK
 * crashes), n = 0 and elt_size = 0 are refused.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_memory.h>
#include <rte_mempool.h>

#include "dpdk_i.h"
#include "hugemem/mempool.h"

#define SAME(a, b)                                                                         \
	_Static_assert(offsetof(struct rte_mempool, a) == offsetof(struct hm_mempool, b) &&  \
		       sizeof(((struct rte_mempool *)0)->a) == sizeof(((struct hm_mempool *)0)->b), \
		       "rte_mempool." #a " is hm_mempool." #b)
SAME(name, name);
SAME(hm_magic, magic);
SAME(pool_data, pool_data);
SAME(pool_config, pool_config);
SAME(mz, mz);
SAME(flags, flags);
SAME(socket_id, socket_id);
SAME(size, size);
SAME(cache_size, cache_size);
SAME(elt_size, elt_size);
SAME(header_size, header_size);
SAME(trailer_size, trailer_size);
SAME(private_data_size, private_data_size);
SAME(ops_index, ops_index);
SAME(hm_n_caches, n_caches);
SAME(local_cache, local_cache);
SAME(populated_size, populated_size);
SAME(elt_list.stqh_first, elt_head);
SAME(nb_mem_chunks, nb_mem_chunks);
SAME(mem_list.stqh_first, mem_head);
SAME(hm_pg_sz, pg_sz);
SAME(hm_get_fail, get_fail);
_Static_assert(sizeof(struct rte_mempool) == sizeof(struct hm_mempool), "pool size");
_Static_assert(sizeof(struct rte_mempool_cache) == sizeof(struct hm_mempool_cache) &&
	       offsetof(struct rte_mempool_cache, len) == offsetof(struct hm_mempool_cache, len) &&
	       offsetof(struct rte_mempool_cache, flushthresh) ==
	       offsetof(struct hm_mempool_cache, flushthresh) &&
	       offsetof(struct rte_mempool_cache, objs) == offsetof(struct hm_mempool_cache, objs),
	       "cache layout");
_Static_assert(sizeof(struct rte_mempool_objhdr) == sizeof(struct hm_mempool_objhdr) &&
	       offsetof(struct rte_mempool_objhdr, mp) == offsetof(struct hm_mempool_objhdr, mp) &&
	       offsetof(struct rte_mempool_objhdr, iova) == offsetof(struct hm_mempool_objhdr, iova),
	       "object header layout");
_Static_assert(sizeof(struct rte_mempool_memhdr) == sizeof(struct hm_mempool_memhdr) &&
	       offsetof(struct rte_mempool_memhdr, addr) == offsetof(struct hm_mempool_memhdr, addr) &&
	       offsetof(struct rte_mempool_memhdr, iova) == offsetof(struct hm_mempool_memhdr, iova) &&
	       offsetof(struct rte_mempool_memhdr, len) == offsetof(struct hm_mempool_memhdr, len) &&
	       offsetof(struct rte_mempool_memhdr, free_cb) ==
	       offsetof(struct hm_mempool_memhdr, free_cb) &&
	       offsetof(struct rte_mempool_memhdr, opaque) == offsetof(struct hm_mempool_memhdr, opaque) &&
	       offsetof(struct rte_mempool_memhdr, hm_n_objs) ==
	       offsetof(struct hm_mempool_memhdr, n_objs), "chunk header layout");
_Static_assert(RTE_MEMPOOL_F_NO_SPREAD == HM_MEMPOOL_F_NO_SPREAD &&
	       RTE_MEMPOOL_F_NO_CACHE_ALIGN == HM_MEMPOOL_F_NO_CACHE_ALIGN &&
	       RTE_MEMPOOL_F_SP_PUT == HM_MEMPOOL_F_SP_PUT && RTE_MEMPOOL_F_SC_GET == HM_MEMPOOL_F_SC_GET &&
	       RTE_MEMPOOL_F_POOL_CREATED == HM_MEMPOOL_F_POOL_CREATED &&
	       RTE_MEMPOOL_F_NO_IOVA_CONTIG == HM_MEMPOOL_F_NO_IOVA_CONTIG &&
	       RTE_MEMPOOL_F_NON_IO == HM_MEMPOOL_F_NON_IO &&
	       RTE_MEMPOOL_HEADER_COOKIE1 == HM_MEMPOOL_COOKIE_OUT &&
	       RTE_MEMPOOL_HEADER_COOKIE2 == HM_MEMPOOL_COOKIE_IN &&
	       RTE_MEMPOOL_CACHE_MAX_SIZE == HM_MEMPOOL_CACHE_MAX_SIZE &&
	       RTE_MEMPOOL_NAMESIZE == HM_MEMPOOL_NAMESIZE &&
	       RTE_MEMPOOL_OPS_NAMESIZE == HM_MEMPOOL_OPS_NAMESIZE &&
	       RTE_MEMPOOL_MAX_OPS_IDX == HM_MEMPOOL_MAX_OPS_IDX, "mempool constants");

#define HM(mp) RTE_MEMPOOL_HM(mp)
#define RTE_MP(mp) ((struct rte_mempool *)(void *)(mp))

static struct rte_mempool *
ret_pool(struct hm_mempool *mp)
{
	if (mp == NULL)
		rte_errno = hm_errno;
	return RTE_MP(mp);
}

/* ---------------------------------------------------------------- sizes */

static unsigned int
gcd(unsigned int a, unsigned int b)
{
	while (b != 0) {
		unsigned int t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Channels x ranks objects spread over: the EAL's -n and -r (4 and 1 when not given). */
static unsigned int
spread_ways(void)
{
	unsigned int nchan = rte_memory_get_nchannel(), nrank = rte_memory_get_nrank();

	return (nchan == 0 ? 4 : nchan) * (nrank == 0 ? 1 : nrank);
}

/* Bytes rounded up to lines, then to a number of lines coprime with @p ways. */
static uint64_t
spread(uint64_t total, unsigned int ways)
{
	uint64_t lines = (total + RTE_MEMPOOL_ALIGN - 1) / RTE_MEMPOOL_ALIGN;

	while (gcd((unsigned int)(lines & 0xffffffffu), ways) != 1)
		lines++;
	return lines * RTE_MEMPOOL_ALIGN;
}

uint32_t
rte_mempool_calc_obj_size(uint32_t elt_size, uint32_t flags, struct rte_mempool_objsz *sz)
{
	struct rte_mempool_objsz s;
	uint64_t total;

	/* DPDK's computation, element size 0 included (hugemem's refuses it) */
	s.header_size = sizeof(struct rte_mempool_objhdr);
	if (!(flags & RTE_MEMPOOL_F_NO_CACHE_ALIGN))
		s.header_size = RTE_ALIGN_CEIL(s.header_size, (uint32_t)RTE_MEMPOOL_ALIGN);
	s.elt_size = RTE_ALIGN_CEIL(elt_size, (uint32_t)sizeof(uint64_t));
	total = (uint64_t)s.header_size + s.elt_size;
	if (!(flags & RTE_MEMPOOL_F_NO_CACHE_ALIGN))
		total = RTE_ALIGN_CEIL(total, (uint64_t)RTE_MEMPOOL_ALIGN);
	if (!(flags & RTE_MEMPOOL_F_NO_SPREAD))
		total = spread(total, spread_ways());
	s.trailer_size = (uint32_t)(total - s.header_size - s.elt_size);
	s.total_size = (uint32_t)total;
	if (sz != NULL)
		*sz = s;
	return s.total_size;
}

/* ---------------------------------------------------------------- create, free */

struct rte_mempool *
rte_mempool_create_empty(const char *name, unsigned n, unsigned elt_size, unsigned cache_size,
			 unsigned private_data_size, int socket_id, unsigned flags)
{
	struct hm_mempool *mp;

	if (flags & ~RTE_MEMPOOL_VALID_USER_FLAGS) {
		RTE_LOG(ERR, MEMPOOL, "mempool '%s': invalid flags 0x%x\n",
			name != NULL ? name : "(null)", flags & ~RTE_MEMPOOL_VALID_USER_FLAGS);
		rte_errno = EINVAL;
		return NULL;
	}
	mempool_ops_sync();
	mp = hm_mempool_create_empty(name, n, elt_size, cache_size, private_data_size, socket_id,
				     flags);
	if (mp == NULL) {
		RTE_LOG(ERR, MEMPOOL, "%s\n", hm_last_error());
		return ret_pool(NULL);
	}
	/* the spread over the EAL's channels and ranks, when they are not hugemem's 4 x 1 */
	if (!(mp->flags & HM_MEMPOOL_F_NO_SPREAD) && spread_ways() != 4) {
		uint64_t t = spread((uint64_t)mp->header_size + mp->elt_size +
				    (hm_mempool_debug(mp) ? sizeof(uint64_t) : 0), spread_ways());
		mp->trailer_size = (uint32_t)(t - mp->header_size - mp->elt_size);
	}
	return RTE_MP(mp);
}

static void
populate_done(struct rte_mempool *mp, uint32_t before)
{
	if (before < mp->size && mp->populated_size >= mp->size)
		mempool_event_invoke(RTE_MEMPOOL_EVENT_READY, mp);
}

int
rte_mempool_populate_default(struct rte_mempool *mp)
{
	uint32_t before = hm_mempool_ops_name(HM(mp)) != NULL ? mp->populated_size : 0;
	int rc = hm_mempool_populate_default(HM(mp));

	if (rc >= 0)
		populate_done(mp, before);
	return rc;
}

int
rte_mempool_populate_iova(struct rte_mempool *mp, char *vaddr, rte_iova_t iova, size_t len,
			  rte_mempool_memchunk_free_cb_t *free_cb, void *opaque)
{
	uint32_t before = hm_mempool_ops_name(HM(mp)) != NULL ? mp->populated_size : 0;
	int rc = hm_mempool_populate_iova(HM(mp), vaddr, iova, len,
					  (hm_mempool_memchunk_free_cb_t *)free_cb, opaque);

	if (rc > 0)
		populate_done(mp, before);
	return rc;
}

int
rte_mempool_populate_virt(struct rte_mempool *mp, char *addr, size_t len, size_t pg_sz,
			  rte_mempool_memchunk_free_cb_t *free_cb, void *opaque)
{
	uint32_t before = hm_mempool_ops_name(HM(mp)) != NULL ? mp->populated_size : 0;
	int rc = hm_mempool_populate_virt(HM(mp), addr, len, pg_sz,
					  (hm_mempool_memchunk_free_cb_t *)free_cb, opaque);

	if (rc > 0)
		populate_done(mp, before);
	return rc;
}

int
rte_mempool_populate_anon(struct rte_mempool *mp)
{
	int rc = hm_mempool_populate_anon(HM(mp));

	if (rc <= 0) {
		/* DPDK's convention here: 0 and rte_errno */
		rte_errno = rc < 0 ? -rc : ENOBUFS;
		return 0;
	}
	populate_done(mp, 0);
	return rc;
}

struct rte_mempool *
rte_mempool_create(const char *name, unsigned n, unsigned elt_size, unsigned cache_size,
		   unsigned private_data_size, rte_mempool_ctor_t *mp_init, void *mp_init_arg,
		   rte_mempool_obj_cb_t *obj_init, void *obj_init_arg, int socket_id,
		   unsigned flags)
{
	struct rte_mempool *mp;
	int rc;

	mp = rte_mempool_create_empty(name, n, elt_size, cache_size, private_data_size,
				      socket_id, flags);
	if (mp == NULL)
		return NULL;
	if (mp_init != NULL)
		mp_init(mp, mp_init_arg);
	rc = rte_mempool_populate_default(mp);
	if (rc < 0) {
		rte_mempool_free(mp);
		rte_errno = -rc;
		return NULL;
	}
	if (obj_init != NULL)
		rte_mempool_obj_iter(mp, obj_init, obj_init_arg);
	return mp;
}

void
rte_mempool_free(struct rte_mempool *mp)
{
	if (mp == NULL)
		return;
	if (hm_mempool_ops_name(HM(mp)) == NULL) {
		RTE_LOG(ERR, MEMPOOL, "rte_mempool_free: %p is not a mempool\n", (void *)mp);
		rte_errno = EINVAL;
		return;
	}
	mempool_event_invoke(RTE_MEMPOOL_EVENT_DESTROY, mp);
	hm_mempool_free(HM(mp));
}

struct rte_mempool *
rte_mempool_lookup(const char *name)
{
	return ret_pool(hm_mempool_lookup(name));
}

/* ---------------------------------------------------------------- iteration */

struct obj_tramp {
	rte_mempool_obj_cb_t *fn;
	void *arg;
};

static void
obj_tramp(struct hm_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct obj_tramp *t = arg;

	t->fn(RTE_MP(mp), t->arg, obj, idx);
}

uint32_t
rte_mempool_obj_iter(struct rte_mempool *mp, rte_mempool_obj_cb_t *obj_cb, void *obj_cb_arg)
{
	struct obj_tramp t = { obj_cb, obj_cb_arg };

	if (obj_cb == NULL)
		return 0;
	return hm_mempool_obj_iter(HM(mp), obj_tramp, &t);
}

struct mem_tramp {
	rte_mempool_mem_cb_t *fn;
	void *arg;
};

static void
mem_tramp(struct hm_mempool *mp, void *arg, struct hm_mempool_memhdr *mh, unsigned int idx)
{
	struct mem_tramp *t = arg;

	t->fn(RTE_MP(mp), t->arg, (struct rte_mempool_memhdr *)(void *)mh, idx);
}

uint32_t
rte_mempool_mem_iter(struct rte_mempool *mp, rte_mempool_mem_cb_t *mem_cb, void *mem_cb_arg)
{
	struct mem_tramp t = { mem_cb, mem_cb_arg };

	if (mem_cb == NULL)
		return 0;
	return hm_mempool_mem_iter(HM(mp), mem_tramp, &t);
}

struct walk_tramp {
	void (*fn)(struct rte_mempool *, void *);
	void *arg;
};

static int
walk_tramp(struct hm_mempool *mp, void *arg)
{
	struct walk_tramp *t = arg;

	t->fn(RTE_MP(mp), t->arg);
	return 0;
}

void
rte_mempool_walk(void (*func)(struct rte_mempool *, void *arg), void *arg)
{
	struct walk_tramp t = { func, arg };

	if (func != NULL)
		(void)hm_mempool_walk(walk_tramp, &t);
}

/* ---------------------------------------------------------------- counts, caches, misc */

unsigned int
rte_mempool_avail_count(const struct rte_mempool *mp)
{
	return hm_mempool_avail_count(RTE_MEMPOOL_HM_CONST(mp));
}

unsigned int
rte_mempool_in_use_count(const struct rte_mempool *mp)
{
	return hm_mempool_in_use_count(RTE_MEMPOOL_HM_CONST(mp));
}

struct rte_mempool_cache *
rte_mempool_cache_create(uint32_t size, int socket_id)
{
	struct hm_mempool_cache *c = hm_mempool_cache_create(size, socket_id);

	if (c == NULL)
		rte_errno = hm_errno;
	return (struct rte_mempool_cache *)(void *)c;
}

void
rte_mempool_cache_free(struct rte_mempool_cache *cache)
{
	if (hm_mempool_cache_free(RTE_MEMPOOL_CACHE_HM(cache)) < 0)
		RTE_LOG(ERR, MEMPOOL, "%s\n", hm_last_error());
}

void
rte_mempool_dump(FILE *f, struct rte_mempool *mp)
{
	hm_mempool_dump(f, HM(mp));
}

void
rte_mempool_list_dump(FILE *f)
{
	hm_mempool_list_dump(f);
}

void
rte_mempool_audit(struct rte_mempool *mp)
{
	hm_mempool_audit(HM(mp));
}

int
rte_mempool_get_page_size(struct rte_mempool *mp, size_t *pg_sz)
{
	if (hm_mempool_ops_name(HM(mp)) == NULL || pg_sz == NULL)
		return -EINVAL;
	*pg_sz = (size_t)hm_mempool_page_size(HM(mp));
	return 0;
}

void
rte_mempool_check_cookies(const struct rte_mempool *mp, void *const *obj_table_const,
			  unsigned int n, int free)
{
	const struct hm_mempool *h = RTE_MEMPOOL_HM_CONST(mp);

	if (!hm_mempool_debug(h))
		return;
	if (free == 0 || free == 1) {
		/* DPDK's free: 0 for objects being put, 1 for objects just taken */
		hm_mempool_check_cookies(h, obj_table_const, n, free == 0);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint64_t c;

		if (obj_table_const[i] == NULL || hm_mempool_from_obj(obj_table_const[i]) != h)
			rte_panic("mempool '%s': object %p is not of this pool\n", mp->name,
				  obj_table_const[i]);
		c = *hm_mempool_get_cookie(h, obj_table_const[i]);
		if (c != HM_MEMPOOL_COOKIE_IN && c != HM_MEMPOOL_COOKIE_OUT)
			rte_panic("mempool '%s': object %p has a corrupt cookie\n", mp->name,
				  obj_table_const[i]);
	}
}

void
rte_mempool_contig_blocks_check_cookies(const struct rte_mempool *mp,
					void *const *first_obj_table_const, unsigned int n,
					int free)
{
	struct rte_mempool_info info;
	size_t total = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;

	if (!hm_mempool_debug(RTE_MEMPOOL_HM_CONST(mp)))
		return;
	if (rte_mempool_ops_get_info(mp, &info) != 0)
		rte_panic("mempool '%s': its ops give no contiguous block size\n", mp->name);
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 0; j < info.contig_block_size; j++) {
			void *obj = RTE_PTR_ADD(first_obj_table_const[i], j * total);
			rte_mempool_check_cookies(mp, &obj, 1, free);
		}
}

/* ---------------------------------------------------------------- op helpers */

ssize_t
rte_mempool_op_calc_mem_size_helper(const struct rte_mempool *mp, uint32_t obj_num,
				    uint32_t pg_shift, size_t chunk_reserve, size_t *min_chunk_size,
				    size_t *align)
{
	size_t total, mem = 0;

	if (mp == NULL || min_chunk_size == NULL || align == NULL || pg_shift >= 64)
		return -EINVAL;
	total = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	if (total != 0 && pg_shift == 0) {
		mem = total * obj_num + chunk_reserve;
	} else if (total != 0 && obj_num != 0) {
		size_t pg = (size_t)1 << pg_shift, per_page, in_last;

		if (chunk_reserve >= pg)
			return -EINVAL;
		per_page = (pg - chunk_reserve) / total;
		if (per_page == 0) {
			/* an object spans pages: runs of contiguous pages hold one each */
			mem = RTE_ALIGN_CEIL(total + chunk_reserve, pg) * obj_num;
		} else {
			in_last = (obj_num - 1) % per_page + 1;
			mem = in_last * total + chunk_reserve +
			      ((obj_num - in_last) / per_page) * pg;
			mem += total - 1; /* the area may start anywhere in a page */
		}
	}
	*min_chunk_size = total;
	*align = RTE_MEMPOOL_ALIGN;
	return (ssize_t)mem;
}

ssize_t
rte_mempool_op_calc_mem_size_default(const struct rte_mempool *mp, uint32_t obj_num,
				     uint32_t pg_shift, size_t *min_chunk_size, size_t *align)
{
	return rte_mempool_op_calc_mem_size_helper(mp, obj_num, pg_shift, 0, min_chunk_size,
						   align);
}

int
rte_mempool_op_populate_helper(struct rte_mempool *mp, unsigned int flags, unsigned int max_objs,
			       void *vaddr, rte_iova_t iova, size_t len,
			       rte_mempool_populate_obj_cb_t *obj_cb, void *obj_cb_arg)
{
	size_t total, off = 0, pg = 0;
	unsigned int i;

	if (mp == NULL || obj_cb == NULL || vaddr == NULL)
		return -EINVAL;
	total = (size_t)mp->header_size + mp->elt_size + mp->trailer_size;
	if (total == 0 || rte_mempool_get_page_size(mp, &pg) < 0)
		return -EINVAL;
	if (flags & RTE_MEMPOOL_POPULATE_F_ALIGN_OBJ)
		off = RTE_ALIGN_MUL_CEIL((uintptr_t)vaddr, total) - (uintptr_t)vaddr;
	for (i = 0; i < max_objs; i++) {
		uintptr_t start = (uintptr_t)vaddr + off;
		void *obj;

		/* an object that fits in a page does not cross one */
		if (pg != 0 && total <= pg && start / pg != (start + total - 1) / pg) {
			off += RTE_ALIGN_CEIL(start, pg) - start;
			if (flags & RTE_MEMPOOL_POPULATE_F_ALIGN_OBJ)
				off += RTE_ALIGN_MUL_CEIL((uintptr_t)vaddr + off, total) -
				       ((uintptr_t)vaddr + off);
		}
		if (off > len || total > len - off)
			break;
		obj = RTE_PTR_ADD(vaddr, off + mp->header_size);
		obj_cb(mp, obj_cb_arg, obj,
		       iova == RTE_BAD_IOVA ? RTE_BAD_IOVA : iova + off + mp->header_size);
		rte_mempool_ops_enqueue_bulk(mp, &obj, 1);
		off += total;
	}
	return (int)i;
}

int
rte_mempool_op_populate_default(struct rte_mempool *mp, unsigned int max_objs, void *vaddr,
				rte_iova_t iova, size_t len, rte_mempool_populate_obj_cb_t *obj_cb,
				void *obj_cb_arg)
{
	return rte_mempool_op_populate_helper(mp, 0, max_objs, vaddr, iova, len, obj_cb,
					      obj_cb_arg);
}
