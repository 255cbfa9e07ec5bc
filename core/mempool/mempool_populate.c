/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempool population: objects are laid out in chunks and handed to the
 * backend. A chunk is a memzone of hm_mempool_populate_default (its struct
 * hm_mempool_memhdr at the memzone's end, so such a pool owns nothing but
 * memzones), or caller memory given to hm_mempool_populate_iova / _virt, or
 * an anonymous mapping of hm_mempool_populate_anon (their memhdr from the
 * heap). Every chunk's free_cb gives its memory back when the pool is freed.
 *
 * Layout rule: unless the pool has HM_MEMPOOL_F_NO_IOVA_CONTIG (or the memory
 * has no IOVA), no object crosses a boundary of the pool's page size
 * (hm_mempool_page_size); objects bigger than a page go in IOVA-contiguous
 * runs of pages.
 *
 * DPDK's rules: populate_default works on a pool without chunks only (-EEXIST
 * otherwise), and a populate that fails frees every chunk of the pool, so the
 * pool is empty again.
 */
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mempool_i.h"
#include "hugemem/malloc.h"
#include "hugemem/memseg.h"
#include "hugemem/memzone.h"

#define MP_MZ_FLAGS (HM_MEMZONE_1GB | HM_MEMZONE_SIZE_HINT_ONLY)
#define MEMHDR_SPACE HM_CACHE_LINE_SIZE /* struct hm_mempool_memhdr at a chunk's end */
#define ENQ_BATCH 64                    /* objects enqueued at once while populating */

_Static_assert(sizeof(struct hm_mempool_memhdr) <= MEMHDR_SPACE, "memhdr fits a line");

/* Bytes of an area holding @p n objects that never cross a @p pg boundary
 * (pg 0: no rule), starting at any offset; *min_chunk: bytes for one object. */
static size_t
calc_mem_size(const struct hm_mempool *mp, uint32_t n, uint64_t pg, size_t *min_chunk)
{
	size_t total = mempool_obj_total(mp);

	*min_chunk = total;
	if (pg == 0)
		return total * n;
	size_t per_page = pg / total;
	if (per_page == 0)
		return HM_ALIGN_CEIL(total, (size_t)pg) * n;
	size_t full = ((n - 1) / per_page) * pg;
	size_t last = ((n - 1) % per_page + 1) * total;
	return full + last + total - 1;
}

struct smallest_pg {
	int socket;
	uint64_t pg;
};

static int
smallest_pg_cb(const struct hm_memseg_list *msl, void *arg)
{
	struct smallest_pg *s = arg;

	if ((msl->external != 0) != (s->socket >= HM_MALLOC_EXT_SOCKET_BASE))
		return 0;
	if (s->socket != HM_SOCKET_ID_ANY && msl->socket_id != s->socket)
		return 0;
	if (s->pg == 0 || msl->page_sz < s->pg)
		s->pg = msl->page_sz;
	return 0;
}

uint64_t
hm_mempool_page_size(const struct hm_mempool *mp)
{
	struct smallest_pg s;

	if (!mempool_is_pool(mp)) {
		hm_fail(EINVAL, "mempool page size: %p is not a mempool", (const void *)mp);
		return 0;
	}
	if (mp->flags & HM_MEMPOOL_F_NO_IOVA_CONTIG)
		return 0;
	s.socket = mp->socket_id;
	s.pg = 0;
	hm_memseg_list_walk(smallest_pg_cb, &s);
	return s.pg != 0 ? s.pg : hm_sys_page_size();
}

/* Create the backend once. 0 or -errno (recorded). */
static int
backend_once(struct hm_mempool *mp)
{
	int rc;

	if (mp->flags & HM_MEMPOOL_F_POOL_CREATED)
		return 0;
	rc = hm_mempool_ops_table.ops[mp->ops_index].alloc(mp);
	if (rc < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", hm_last_error());
		return hm_fail(-rc, "mempool '%s': backend '%s': %s", mp->name,
			       hm_mempool_ops_table.ops[mp->ops_index].name, why);
	}
	mp->flags |= HM_MEMPOOL_F_POOL_CREATED;
	return 0;
}

/* ---------------------------------------------------------------- placing objects */

/* Objects being added: linked in, then enqueued in batches. */
struct filler {
	struct hm_mempool *mp;
	struct hm_mempool_memhdr *chunk;
	uint32_t max;           /* objects still wanted */
	int lookup;             /* an object without a given IOVA looks its own up */
	uint32_t n_batch;
	void *batch[ENQ_BATCH];
};

static void
flush_batch(struct filler *f)
{
	if (f->n_batch == 0)
		return;
	/* the backend holds size objects; the pool has fewer: cannot fail */
	HM_VERIFY(hm_mempool_ops_enqueue(f->mp, f->batch, f->n_batch) == 0);
	f->n_batch = 0;
}

static void
add_elem(struct filler *f, void *obj, hm_iova_t iova)
{
	struct hm_mempool *mp = f->mp;
	struct hm_mempool_objhdr *h = hm_mempool_get_header(obj);

	h->next = NULL;
	h->mp = mp;
	h->iova = iova;
	if (hm_mempool_debug(mp))
		*hm_mempool_get_cookie(mp, obj) = HM_MEMPOOL_COOKIE_IN;
	if (mp->elt_tail == NULL)
		mp->elt_head = h;
	else
		mp->elt_tail->next = h;
	mp->elt_tail = h;
	mp->populated_size++;
	if (iova != HM_BAD_IOVA)
		mp->flags &= ~HM_MEMPOOL_F_NON_IO;
	f->chunk->n_objs++;
	f->max--;
	f->batch[f->n_batch++] = obj;
	if (f->n_batch == ENQ_BATCH)
		flush_batch(f);
}

/* 1 when every byte of [va, va+len) has IOVA iova + offset. */
static int
iova_contig(const uint8_t *va, size_t len, hm_iova_t iova)
{
	const uint8_t *p = va, *end = va + len;

	while (p < end) {
		const struct hm_memseg *ms = hm_mem_virt2memseg(p, NULL);
		if (ms == NULL || hm_mem_virt2iova(p) != iova + (hm_iova_t)(p - va))
			return 0;
		p = (const uint8_t *)HM_ALIGN_FLOOR((uintptr_t)p, (uintptr_t)ms->page_sz) +
			ms->page_sz;
	}
	return 1;
}

/*
 * Place objects in [va, va+len): never across a pg boundary when an object fits
 * in a page. iova: IOVA of va when the range is IOVA-contiguous; HM_BAD_IOVA
 * means none, or (f->lookup) look each object up (an object across a
 * discontinuity gets HM_BAD_IOVA).
 */
static void
fill_range(struct filler *f, uint8_t *va, size_t len, hm_iova_t iova, uint64_t pg)
{
	const struct hm_mempool *mp = f->mp;
	size_t total = mempool_obj_total(mp), off = 0;

	if (!(mp->flags & HM_MEMPOOL_F_NO_CACHE_ALIGN))
		off = HM_ALIGN_CEIL((uintptr_t)va, (uintptr_t)HM_CACHE_LINE_SIZE) - (uintptr_t)va;
	else
		off = HM_ALIGN_CEIL((uintptr_t)va, (uintptr_t)8) - (uintptr_t)va;
	while (f->max > 0) {
		uintptr_t start = (uintptr_t)va + off;
		if (pg != 0 && total <= pg && start / pg != (start + total - 1) / pg)
			off += HM_ALIGN_CEIL(start, (uintptr_t)pg) - start;
		if (off > len || total > len - off)
			break;
		uint8_t *obj = va + off + mp->header_size;
		hm_iova_t oiova = HM_BAD_IOVA;
		if (iova != HM_BAD_IOVA) {
			oiova = iova + off + mp->header_size;
		} else if (f->lookup) {
			oiova = hm_mem_virt2iova(obj);
			if (oiova != HM_BAD_IOVA && !iova_contig(obj, mp->elt_size, oiova))
				oiova = HM_BAD_IOVA;
		}
		add_elem(f, obj, oiova);
		off += total;
	}
}

/* Fill a chunk that is not known to be IOVA-contiguous: run by IOVA-contiguous
 * run of pages, so objects bigger than a page are IOVA-contiguous too. */
static void
fill_virt(struct filler *f, uint8_t *va, size_t len, uint64_t pg)
{
	uint8_t *end = va + len, *run = va;

	while (run < end && f->max > 0) {
		hm_iova_t riova = hm_mem_virt2iova(run);
		uint8_t *p = run;

		/* extend the run page by page while the IOVA follows */
		for (;;) {
			const struct hm_memseg *ms = hm_mem_virt2memseg(p, NULL);
			uint64_t step = ms != NULL ? ms->page_sz : pg;
			uint8_t *next = (uint8_t *)HM_ALIGN_FLOOR((uintptr_t)p, (uintptr_t)step) + step;
			if (next >= end) {
				p = end;
				break;
			}
			p = next;
			if (riova == HM_BAD_IOVA ||
			    hm_mem_virt2iova(p) != riova + (hm_iova_t)(p - run))
				break;
		}
		fill_range(f, run, (size_t)(p - run), riova, pg);
		run = p;
	}
}

static void
chunk_link(struct hm_mempool *mp, struct hm_mempool_memhdr *mh)
{
	if (mp->mem_tail == NULL)
		mp->mem_head = mh;
	else
		mp->mem_tail->next = mh;
	mp->mem_tail = mh;
	mp->nb_mem_chunks++;
}

/* ---------------------------------------------------------------- freeing chunks */

/* memhdr.pad of a populate_default chunk. Its free_cb points into the process
 * that populated the pool (another process maps the library elsewhere), so every
 * process recognises and frees such a chunk by this tag, never through that
 * pointer (a secondary freeing a pool the primary made). */
#define CHUNK_MZ_TAG 0x4d5a4348u

/* free_cb of a populate_default chunk: its memzone (which holds the memhdr). */
static void
chunk_mz_free(struct hm_mempool_memhdr *mh, void *opaque)
{
	(void)mh;
	hm_memzone_free(opaque);
}

int
mempool_chunk_is_mz(const struct hm_mempool_memhdr *mh)
{
	return mh->pad == CHUNK_MZ_TAG;
}

void
mempool_free_chunks(struct hm_mempool *mp)
{
	struct hm_mempool_memhdr *mh = mp->mem_head;

	/* take the objects back out of the backend (all are there while a pool
	 * is populated or freed, as DPDK assumes), then give the memory back */
	if (mp->flags & HM_MEMPOOL_F_POOL_CREATED) {
		void *drain[ENQ_BATCH];
		uint32_t left = hm_mempool_ops_table.ops[mp->ops_index].get_count(mp);
		while (left > 0) {
			uint32_t n = left < ENQ_BATCH ? left : ENQ_BATCH;
			if (hm_mempool_ops_dequeue(mp, drain, n) < 0)
				break;
			left -= n;
		}
	}
	mp->elt_head = mp->elt_tail = NULL;
	mp->populated_size = 0;
	mp->mem_head = mp->mem_tail = NULL;
	mp->nb_mem_chunks = 0;
	while (mh != NULL) {
		struct hm_mempool_memhdr *next = mh->next;
		int embedded = mempool_chunk_is_mz(mh);
		if (embedded)
			chunk_mz_free(mh, mh->opaque);
		else if (mh->free_cb != NULL)
			mh->free_cb(mh, mh->opaque);
		if (!embedded)
			hm_free(mh);
		mh = next;
	}
	mp->flags |= HM_MEMPOOL_F_NON_IO;
}

/* ---------------------------------------------------------------- populate */

int
hm_mempool_populate_default(struct hm_mempool *mp)
{
	size_t max_alloc = SIZE_MAX;
	bool one_contig = false;
	uint32_t added = 0;
	uint64_t pg;
	int rc;

	if (!mempool_is_pool(mp))
		return hm_fail(EINVAL, "mempool populate: %p is not a mempool", (void *)mp);
	if (mp->nb_mem_chunks != 0)
		return hm_fail(EEXIST, "mempool '%s' has memory already (%u chunks): "
			       "populate_default fills an empty pool only", mp->name,
			       mp->nb_mem_chunks);
	rc = backend_once(mp);
	if (rc < 0)
		return rc;
	pg = hm_mempool_page_size(mp);
	mp->pg_sz = pg;

	while (mp->populated_size < mp->size) {
		uint32_t want = mp->size - mp->populated_size;
		char name[HM_MEMZONE_NAMESIZE];
		const struct hm_memzone *mz = NULL;
		unsigned int flags = MP_MZ_FLAGS;
		size_t min_chunk, mem_size, area;
		struct hm_mempool_memhdr *mh;
		struct filler f;

		mem_size = calc_mem_size(mp, want, pg, &min_chunk);
		if (pg != 0 && min_chunk == mem_size)
			flags |= HM_MEMZONE_IOVA_CONTIG;
		if (one_contig) {
			/* the last chunk had no IOVA-contiguous run long enough for
			 * an object bigger than a page: ask for one object, contiguous */
			flags |= HM_MEMZONE_IOVA_CONTIG;
			mem_size = min_chunk;
		}
		snprintf(name, sizeof(name), "MPC_%" PRIxPTR "_%u", (uintptr_t)mp,
			 mp->nb_mem_chunks);
		do {
			area = HM_ALIGN_CEIL(mem_size < max_alloc ? mem_size : max_alloc,
					     (size_t)HM_CACHE_LINE_SIZE);
			mz = hm_memzone_reserve_aligned(name, area + MEMHDR_SPACE, mp->socket_id,
							flags, HM_CACHE_LINE_SIZE);
			if (mz != NULL || hm_errno != ENOMEM)
				break;
			max_alloc = (mem_size < max_alloc ? mem_size : max_alloc) / 2;
		} while (max_alloc >= min_chunk);
		if (mz == NULL) {
			int err = hm_errno == 0 ? ENOMEM : hm_errno;
			char why[256];
			snprintf(why, sizeof(why), "%s", hm_last_error());
			mempool_free_chunks(mp);
			return hm_fail(err, "mempool '%s': no memory for %u objects (%u placed "
				       "and given back; even one %zu-byte object failed): %s",
				       mp->name, mp->size, mp->size - want, min_chunk, why);
		}

		mh = (struct hm_mempool_memhdr *)((uint8_t *)mz->addr + area);
		memset(mh, 0, sizeof(*mh));
		mh->mp = mp;
		mh->addr = mz->addr;
		mh->len = area;
		mh->free_cb = chunk_mz_free;
		mh->pad = CHUNK_MZ_TAG;
		mh->opaque = (void *)(uintptr_t)mz;
		mh->iova = mz->iova != HM_BAD_IOVA && iova_contig(mz->addr, area, mz->iova) ?
			mz->iova : HM_BAD_IOVA;

		memset(&f, 0, sizeof(f));
		f.mp = mp;
		f.chunk = mh;
		f.max = want;
		f.lookup = 1;
		if (mh->iova != HM_BAD_IOVA || pg == 0)
			fill_range(&f, mz->addr, area, mh->iova, pg);
		else
			fill_virt(&f, mz->addr, area, pg);
		flush_batch(&f);
		if (mh->n_objs == 0) {
			hm_memzone_free(mz);
			if (!one_contig) {
				one_contig = true;
				continue;
			}
			mempool_free_chunks(mp);
			return hm_fail(ENOMEM, "mempool '%s': no %zu-byte object fits in an "
				       "IOVA-contiguous part of a %zu-byte chunk", mp->name,
				       min_chunk, area);
		}
		chunk_link(mp, mh);
		added += mh->n_objs;
		one_contig = false;
	}
	return (int)added;
}

int
hm_mempool_populate_iova(struct hm_mempool *mp, char *vaddr, hm_iova_t iova, size_t len,
			 hm_mempool_memchunk_free_cb_t *free_cb, void *opaque)
{
	struct hm_mempool_memhdr *mh;
	struct filler f;
	int rc;

	if (!mempool_is_pool(mp))
		return hm_fail(EINVAL, "mempool populate_iova: %p is not a mempool", (void *)mp);
	if (vaddr == NULL)
		return hm_fail(EINVAL, "mempool '%s' populate_iova: NULL address", mp->name);
	if (mp->populated_size >= mp->size)
		return hm_fail(ENOSPC, "mempool '%s' is full (%u objects)", mp->name, mp->size);
	rc = backend_once(mp);
	if (rc < 0)
		return rc;
	if (mp->flags & HM_MEMPOOL_F_NO_IOVA_CONTIG)
		iova = HM_BAD_IOVA;
	mh = hm_zmalloc("mempool_memhdr", sizeof(*mh), 0);
	if (mh == NULL)
		return hm_fail(ENOMEM, "mempool '%s' populate_iova: no memory for the chunk "
			       "header", mp->name);
	mh->mp = mp;
	mh->addr = vaddr;
	mh->iova = iova;
	mh->len = len;
	mh->free_cb = free_cb;
	mh->opaque = opaque;
	if (mp->pg_sz == 0)
		mp->pg_sz = hm_mempool_page_size(mp);
	memset(&f, 0, sizeof(f));
	f.mp = mp;
	f.chunk = mh;
	f.max = mp->size - mp->populated_size;
	fill_range(&f, (uint8_t *)vaddr, len, iova, mp->pg_sz);
	flush_batch(&f);
	if (mh->n_objs == 0) {
		hm_free(mh); /* not kept: the caller keeps its memory */
		return 0;
	}
	chunk_link(mp, mh);
	return (int)mh->n_objs;
}

int
hm_mempool_populate_virt(struct hm_mempool *mp, char *addr, size_t len, size_t pg_sz,
			 hm_mempool_memchunk_free_cb_t *free_cb, void *opaque)
{
	size_t off, run;
	int cnt = 0, rc;

	if (!mempool_is_pool(mp))
		return hm_fail(EINVAL, "mempool populate_virt: %p is not a mempool", (void *)mp);
	if (addr == NULL || pg_sz == 0 || !HM_IS_POWER_OF_2(pg_sz) ||
	    (uintptr_t)addr % pg_sz != 0 || len % pg_sz != 0)
		return hm_fail(EINVAL, "mempool '%s' populate_virt: address %p and length %zu must "
			       "be multiples of the page size %zu (a power of two)", mp->name,
			       (void *)addr, len, pg_sz);
	if (mp->populated_size >= mp->size)
		return hm_fail(ENOSPC, "mempool '%s' is full (%u objects)", mp->name, mp->size);
	if (mp->flags & HM_MEMPOOL_F_NO_IOVA_CONTIG)
		return hm_mempool_populate_iova(mp, addr, HM_BAD_IOVA, len, free_cb, opaque);
	for (off = 0; off < len && mp->populated_size < mp->size; off += run) {
		hm_iova_t iova = hm_mem_virt2iova(addr + off);

		/* the longest run of pages whose IOVAs follow each other */
		for (run = pg_sz; off + run < len; run += pg_sz)
			if (iova == HM_BAD_IOVA ||
			    hm_mem_virt2iova(addr + off + run) != iova + run)
				break;
		rc = hm_mempool_populate_iova(mp, addr + off, iova, run, free_cb, opaque);
		if (rc < 0) {
			char why[256];
			snprintf(why, sizeof(why), "%s", hm_last_error());
			mempool_free_chunks(mp);
			return hm_fail(-rc, "%s (the pool's chunks are given back, as DPDK)", why);
		}
		if (rc > 0)
			free_cb = NULL; /* the first chunk holding objects frees the area */
		cnt += rc;
	}
	return cnt;
}

/* free_cb of populate_anon: unmap the whole area (opaque: its length). */
static void
chunk_anon_free(struct hm_mempool_memhdr *mh, void *opaque)
{
	munmap(mh->addr, (size_t)(uintptr_t)opaque);
}

int
hm_mempool_populate_anon(struct hm_mempool *mp)
{
	size_t pg = hm_sys_page_size(), size, min;
	void *addr;
	int rc;

	if (!mempool_is_pool(mp))
		return hm_fail(EINVAL, "mempool populate_anon: %p is not a mempool", (void *)mp);
	if (mp->nb_mem_chunks != 0)
		return hm_fail(EINVAL, "mempool '%s' has memory already (%u chunks): "
			       "populate_anon fills an empty pool only", mp->name, mp->nb_mem_chunks);
	rc = backend_once(mp);
	if (rc < 0)
		return rc;
	/* one area (no IOVA: nothing to keep contiguous), sized for the page rule */
	if (mp->pg_sz == 0)
		mp->pg_sz = hm_mempool_page_size(mp);
	size = HM_ALIGN_CEIL(calc_mem_size(mp, mp->size, mp->pg_sz, &min) + HM_CACHE_LINE_SIZE, pg);
	addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (addr == MAP_FAILED)
		return hm_fail(ENOMEM, "mempool '%s' populate_anon: mmap of %zu bytes: %s",
			       mp->name, size, strerror(errno));
	rc = hm_mempool_populate_iova(mp, addr, HM_BAD_IOVA, size, chunk_anon_free,
				      (void *)(uintptr_t)size);
	if (rc <= 0) {
		munmap(addr, size);
		return rc < 0 ? rc : hm_fail(ENOBUFS, "mempool '%s' populate_anon: no object "
					     "placed", mp->name);
	}
	return (int)mp->populated_size;
}
