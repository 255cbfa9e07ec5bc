/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memseg lists: creation (DPDK's sizing rules), page allocation through the
 * backend, lookups in both directions (walks: memseg_walk.c; external lists and
 * extmem: extmem.c). See hugemem/memseg.h for the
 * invariants, asserted in hm_memseg_check().
 *
 * Concurrency: page alloc/free take mcfg->memory_hotplug_lock for writing, walks
 * and the validator for reading. virt2memseg / virt2iova take no lock: they are
 * arithmetic on tables whose slots only change for pages the caller must not be
 * using concurrently. iova2virt goes through a process-local index sorted by
 * IOVA, rebuilt when mcfg->mem_version moved since it was built.
 */
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "memseg_i.h"
#include "mp_i.h"

/* A run of pages contiguous in both IOVA and VA, for iova2virt. */
struct iova_run {
	hm_iova_t iova;
	uintptr_t va;
	uint64_t len;
};

static struct {
	struct hm_mem_config *mcfg; /* NULL when not initialised */
	struct hm_backend *be;
	const char *fbarray_dir;    /* where list fbarrays live (NULL: anonymous) */
	uint64_t socket_limit[HM_MAX_NUMA_NODES];
	pthread_rwlock_t idx_lock;  /* guards the iova index below */
	uint64_t idx_version;       /* mem_version the index was built from, +1 */
	struct iova_run *runs;
	size_t n_runs, cap_runs;
} st = { .idx_lock = PTHREAD_RWLOCK_INITIALIZER };

/*
 * The memory hotplug lock, with a per-thread read depth: a walk callback may call
 * lookups, the validator or dump (nested reads never touch the writer-preferring
 * lock again, so a queued writer cannot deadlock them), but may not map or unmap
 * pages (-EDEADLK instead of a self-deadlock).
 */
_Thread_local unsigned int memseg_rd_depth; /* see memseg_in_walk() */
#define rd_depth memseg_rd_depth

static int hotplug_repair(void *arg, const char **why);

static const struct robust_recover hotplug_rec = {
	"the memory map (memory hotplug lock)", hotplug_repair, NULL,
};

int
memseg_read_lock(struct hm_mem_config *m)
{
	int rc = 0;

	if (rd_depth == 0)
		rc = robust_read_lock(&m->memory_hotplug_lock, ROBUST_RD_HOTPLUG, &hotplug_rec);
	if (rc == 0)
		rd_depth++;
	return rc;
}

/*
 * The writer that held the hotplug lock died (the primary, mid-change). A page
 * it was mapping or unmapping can leave the per-node counters behind the
 * tables: those are recomputed; anything else is reported.
 */
static int
hotplug_repair(void *arg, const char **why)
{
	struct hm_mem_config *mcfg = st.mcfg;
	int64_t mapped[HM_MAX_NUMA_NODES] = { 0 };

	(void)arg;
	if (mcfg == NULL)
		return 0;
	*why = memseg_check_locked(mcfg, mapped);
	if (*why != NULL && strcmp(*why, "per-node mapped bytes != sum of used pages") == 0) {
		for (unsigned int n = 0; n < mcfg->n_nodes; n++)
			mcfg->mapped_bytes[n] = mapped[n];
		*why = NULL;
	}
	return *why == NULL ? 0 : -EFAULT;
}

void
memseg_read_unlock(struct hm_mem_config *m)
{
	if (--rd_depth == 0)
		robust_read_unlock(&m->memory_hotplug_lock, ROBUST_RD_HOTPLUG);
}

#define hp_read_lock memseg_read_lock
#define hp_read_unlock memseg_read_unlock

struct hm_mem_config *
memseg_mcfg(void)
{
	return st.mcfg;
}

struct hm_backend *
memseg_backend(void)
{
	return st.be;
}

const char *
memseg_fbarray_dir(void)
{
	return st.fbarray_dir;
}

int
memseg_write_lock(void)
{
	if (rd_depth != 0)
		return hm_fail(EDEADLK, "pages cannot be mapped or unmapped from inside a "
			       "memseg walk, memory event or alloc validator callback");
	return robust_write_lock(&st.mcfg->memory_hotplug_lock, ROBUST_RD_HOTPLUG, &hotplug_rec);
}

void
memseg_write_unlock(void)
{
	robust_write_unlock(&st.mcfg->memory_hotplug_lock);
}

void
memseg_use(struct hm_mem_config *mcfg, struct hm_backend *be, const char *dir)
{
	st.mcfg = mcfg;
	st.be = be;
	st.fbarray_dir = dir;
	memset(st.socket_limit, 0, sizeof(st.socket_limit));
	st.idx_version = 0;
}

static void
index_free(void)
{
	pthread_rwlock_wrlock(&st.idx_lock);
	free(st.runs);
	st.runs = NULL;
	st.n_runs = st.cap_runs = 0;
	st.idx_version = 0;
	pthread_rwlock_unlock(&st.idx_lock);
}

void
memseg_unuse(void)
{
	index_free();
	st.mcfg = NULL;
	st.be = NULL;
}

void
memseg_limits_default(struct hm_memseg_limits *l)
{
	if (l->max_lists == 0)
		l->max_lists = HM_MAX_MEMSEG_LISTS;
	if (l->max_segs_per_list == 0)
		l->max_segs_per_list = 8192;
	if (l->max_mem_per_list == 0)
		l->max_mem_per_list = 32 * HM_GB;
	if (l->max_segs_per_type == 0)
		l->max_segs_per_type = 32768;
	if (l->max_mem_per_type == 0)
		l->max_mem_per_type = 64 * HM_GB;
	if (l->max_mem == 0)
		l->max_mem = 512 * HM_GB;
	if (l->max_lists > HM_MAX_MEMSEG_LISTS)
		l->max_lists = HM_MAX_MEMSEG_LISTS;
}

static inline uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#define seg_at memseg_seg_at

/* ---------------------------------------------------------------- lists */

static int
create_list(struct hm_mem_config *mcfg, uint64_t page_sz, int node, unsigned int k,
	    uint32_t n_segs, const char *dir)
{
	struct hm_memseg_list *msl = &mcfg->memsegs[mcfg->n_lists];
	char name[HM_FBARRAY_NAME_LEN];
	int rc;

	snprintf(name, sizeof(name), "memseg-%" PRIu64 "k-%d-%u", page_sz >> 10, node, k);
	rc = hm_fbarray_init(&msl->memseg_arr, name, n_segs, sizeof(struct hm_memseg), dir);
	if (rc < 0)
		return rc;
	msl->base_va = hm_va_reserve(NULL, (size_t)page_sz * n_segs, page_sz, 0);
	if (msl->base_va == NULL) {
		rc = -hm_errno;
		hm_fbarray_destroy(&msl->memseg_arr);
		return hm_fail(-rc, "cannot reserve %" PRIu64 " bytes of VA for list %s: %s",
			       page_sz * n_segs, name, hm_strerror(rc));
	}
	msl->page_sz = page_sz;
	msl->len = page_sz * n_segs;
	msl->socket_id = node;
	msl->version = 0;
	msl->heap = 1;
	mcfg->n_lists++;
	return 0;
}

static void
destroy_lists(struct hm_mem_config *mcfg)
{
	for (unsigned int i = 0; i < mcfg->n_lists; i++) {
		struct hm_memseg_list *msl = &mcfg->memsegs[i];
		if (msl->len == 0)
			continue;
		if (!msl->external)
			hm_va_release(msl->base_va, msl->len);
		hm_fbarray_destroy(&msl->memseg_arr);
		memset(msl, 0, sizeof(*msl));
	}
	mcfg->n_lists = 0;
}

int
memseg_init(struct hm_mem_config *mcfg, struct hm_backend *be, const struct hm_probe *probe,
	    const struct memseg_params *p)
{
	struct hm_memseg_limits l = p->limits;
	unsigned int n_types = 0;
	int rc;

	memseg_limits_default(&l);
	for (unsigned int s = 0; s < probe->n_sizes; s++)
		for (unsigned int n = 0; n < probe->n_nodes; n++)
			n_types += probe->sizes[s].num_pages[n] > 0;
	if (n_types == 0)
		return hm_fail(ENOMEM, "the backend offers no pages on any node");
	if (l.max_lists / n_types == 0)
		return hm_fail(EINVAL, "%u memory types need more lists than the cap of %u",
			       n_types, l.max_lists);

	uint64_t max_mem_per_type = min_u64(l.max_mem_per_type, l.max_mem / n_types);
	uint64_t max_lists_per_type = l.max_lists / n_types;

	mcfg->n_nodes = probe->n_nodes;
	mcfg->iova_va = p->iova_va;
	mcfg->legacy_mem = p->legacy;
	for (unsigned int s = 0; s < probe->n_sizes; s++) {
		uint64_t pg = probe->sizes[s].page_sz;

		for (unsigned int n = 0; n < probe->n_nodes; n++) {
			if (probe->sizes[s].num_pages[n] == 0)
				continue;
			uint64_t segs_type = min_u64(max_mem_per_type / pg, l.max_segs_per_type);
			uint64_t segs_list_cap = min_u64(segs_type, l.max_segs_per_list);
			uint64_t mem_list = min_u64(segs_list_cap * pg, l.max_mem_per_list);
			uint64_t n_segs = min_u64(segs_list_cap, mem_list / pg);
			if (n_segs == 0) {
				HM_LOG(WARNING, "page size %" PRIu64 " exceeds the per-list cap: no list for it",
				       pg);
				continue;
			}
			uint64_t n_lists = min_u64(min_u64(segs_type / n_segs, max_mem_per_type / mem_list),
						   max_lists_per_type);
			for (unsigned int k = 0; k < n_lists; k++) {
				rc = create_list(mcfg, pg, (int)n, k, (uint32_t)n_segs, p->fbarray_dir);
				if (rc < 0)
					goto fail;
			}
		}
	}
	st.mcfg = mcfg;
	st.be = be;
	st.fbarray_dir = p->fbarray_dir;
	memseg_serve_requests();
	memcpy(st.socket_limit, p->socket_limit, sizeof(st.socket_limit));
	st.idx_version = 0;
	return 0;
fail:
	destroy_lists(mcfg);
	return rc;
}

/* ---------------------------------------------------------------- pages */

static int
map_one(struct hm_memseg_list *msl, unsigned int list_idx, unsigned int idx, uint32_t flags)
{
	struct hm_mem_config *mcfg = st.mcfg;
	struct hm_page pg = {
		.va = (char *)msl->base_va + (uint64_t)idx * msl->page_sz,
		.page_sz = msl->page_sz,
		.node = msl->socket_id,
		.list_idx = list_idx,
		.seg_idx = idx,
	};
	struct hm_memseg *ms;
	int rc;

	rc = st.be->ops->page_map(st.be, &pg);
	if (rc < 0)
		return rc;
	if (pg.node != msl->socket_id) {
		st.be->ops->page_unmap(st.be, &pg);
		return hm_fail(ENOMEM, "page for node %d landed on node %d", msl->socket_id, pg.node);
	}
	ms = seg_at(msl, idx);
	ms->addr = pg.va;
	ms->iova = mcfg->iova_va ? (hm_iova_t)(uintptr_t)pg.va : pg.iova;
	ms->len = msl->page_sz;
	ms->page_sz = msl->page_sz;
	ms->socket_id = msl->socket_id;
	ms->flags = flags | (pg.dirty ? HM_MEMSEG_FLAG_DIRTY : 0);
	ms->handle = pg.handle;
	hm_fbarray_set_used(&msl->memseg_arr, idx);
	mcfg->mapped_bytes[msl->socket_id] += (int64_t)msl->page_sz;
	return 0;
}

static void
unmap_one(struct hm_memseg_list *msl, unsigned int idx)
{
	struct hm_memseg *ms = seg_at(msl, idx);
	struct hm_page pg = {
		.va = ms->addr,
		.page_sz = ms->page_sz,
		.node = ms->socket_id,
		.list_idx = (uint32_t)(msl - st.mcfg->memsegs),
		.seg_idx = idx,
		.handle = ms->handle,
		.iova = ms->iova,
	};

	st.be->ops->page_unmap(st.be, &pg);
	st.mcfg->mapped_bytes[msl->socket_id] -= (int64_t)msl->page_sz;
	hm_fbarray_set_free(&msl->memseg_arr, idx);
	memset(ms, 0, sizeof(*ms));
}

void
memseg_bump_versions(struct hm_memseg_list *msl)
{
	__atomic_fetch_add(&msl->version, 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&st.mcfg->mem_version, 1, __ATOMIC_RELEASE);
}

static bool
run_iova_contig(const struct hm_memseg_list *msl, unsigned int idx, unsigned int n)
{
	const struct hm_memseg *first = seg_at(msl, idx);

	for (unsigned int k = 1; k < n; k++)
		if (seg_at(msl, idx + k)->iova != first->iova + (uint64_t)k * msl->page_sz)
			return false;
	return true;
}

static bool
have_size(uint64_t page_sz)
{
	for (unsigned int i = 0; i < st.mcfg->n_lists; i++)
		if (st.mcfg->memsegs[i].page_sz == page_sz && !st.mcfg->memsegs[i].external)
			return true;
	return false;
}

/* pre: hotplug write lock held. */
static int
alloc_locked(struct hm_memseg *ms[], unsigned int n, uint64_t page_sz, int socket,
	     unsigned int flags, uint32_t seg_flags)
{
	struct hm_mem_config *mcfg = st.mcfg;
	bool best = flags & HM_MEMSEG_ALLOC_BEST_EFFORT;
	uint64_t limit = st.socket_limit[socket];
	int rc = -ENOSPC;

	if (limit != 0) {
		uint64_t room = limit > (uint64_t)mcfg->mapped_bytes[socket] ?
			limit - (uint64_t)mcfg->mapped_bytes[socket] : 0;
		if (room / page_sz < n) {
			if (!best || room / page_sz == 0)
				return hm_fail(ENOMEM, "--socket-limit of node %d (%" PRIu64
					       " bytes) would be exceeded", socket, limit);
			n = (unsigned int)(room / page_sz);
		}
	}
	if (mem_alloc_validate(socket, (uint64_t)mcfg->mapped_bytes[socket] +
				       (uint64_t)n * page_sz) < 0)
		return hm_fail(ENOMEM, "an alloc validator refused %u more page(s) on node %d",
			       n, socket);
	for (unsigned int li = 0; li < mcfg->n_lists; li++) {
		struct hm_memseg_list *msl = &mcfg->memsegs[li];
		unsigned int want = n, done = 0;
		int idx;

		if (msl->page_sz != page_sz || msl->socket_id != socket || msl->external)
			continue;
		if (n > msl->memseg_arr.len && !best)
			continue;
		if (best) {
			idx = fbarray_biggest_free(&msl->memseg_arr, 0);
			if (idx < 0)
				continue;
			int run = fbarray_contig_free(&msl->memseg_arr, (unsigned int)idx);
			if ((unsigned int)run < want)
				want = (unsigned int)run;
		} else {
			idx = fbarray_next_n_free(&msl->memseg_arr, 0, n);
			if (idx < 0)
				continue;
		}
		for (; done < want; done++) {
			rc = map_one(msl, li, (unsigned int)idx + done, seg_flags);
			if (rc < 0)
				break;
		}
		if (done > 0 && (flags & HM_MEMSEG_ALLOC_IOVA_CONTIG) &&
		    !run_iova_contig(msl, (unsigned int)idx, done)) {
			while (done > 0)
				unmap_one(msl, (unsigned int)idx + --done);
			return hm_fail(ENOMEM, "the %u pages mapped on node %d are not IOVA-contiguous",
				       want, socket);
		}
		if (done < want && (!best || done == 0)) {
			while (done > 0)
				unmap_one(msl, (unsigned int)idx + --done);
			return rc; /* state as before: versions unchanged */
		}
		for (unsigned int k = 0; k < done; k++)
			ms[k] = seg_at(msl, (unsigned int)idx + k);
		memseg_bump_versions(msl);
		mem_event_notify(HM_MEM_EVENT_ALLOC, ms[0]->addr, (size_t)done * page_sz);
		return (int)done;
	}
	return hm_fail(ENOSPC, "no memseg list of %" PRIu64 "-byte pages on node %d has %u free "
		       "slots in a row", page_sz, socket, n);
}

/*
 * Every attached process maps the @p n new pages before the call returns; a
 * process that does not answer in time makes the allocation fail (undone here
 * and in everyone else). pre: hotplug write lock held, pages just mapped.
 */
static int
publish_alloc(struct hm_memseg *ms[], unsigned int n)
{
	char why[512];
	int32_t stuck;
	int rc = mp_sync_all(&stuck);

	if (rc == 0)
		return (int)n;
	snprintf(why, sizeof(why), "%s", hm_last_error());
	mem_event_notify(HM_MEM_EVENT_FREE, ms[0]->addr, (size_t)n * ms[0]->len);
	for (unsigned int k = 0; k < n; k++) {
		struct hm_memseg_list *msl = hm_mem_virt2memseg_list(ms[k]->addr);
		unsigned int idx = (unsigned int)(((uintptr_t)ms[k]->addr - (uintptr_t)msl->base_va) /
						  msl->page_sz);
		unmap_one(msl, idx);
		memseg_bump_versions(msl);
	}
	if (mp_sync_all(&stuck) < 0)
		HM_LOG(WARNING, "undoing a page map change: %s", hm_last_error());
	return hm_fail(-rc, "%s", why);
}

/* A secondary asks the primary to map pages (as DPDK: only the primary maps). */
static int
forward_alloc(struct hm_memseg *ms[], unsigned int n, uint64_t page_sz, int socket,
	      unsigned int flags)
{
	uint64_t args[4] = { n, page_sz, (uint64_t)(int64_t)socket, flags }, out[MP_REQ_OUTS];
	struct hm_memseg_list *msl;
	int rc;

	if (memseg_in_walk())
		return hm_fail(EDEADLK, "pages cannot be mapped from inside a memseg walk callback");
	rc = mp_request(MP_REQ_PAGES_ALLOC, args, 4, out);
	if (rc < 0)
		return rc;
	msl = memseg_list_at((unsigned int)out[0]);
	HM_VERIFY(msl != NULL && out[2] >= 1 && out[2] <= n &&
		  out[1] + out[2] <= msl->memseg_arr.len);
	for (unsigned int k = 0; k < out[2]; k++)
		ms[k] = seg_at(msl, (unsigned int)(out[1] + k));
	return (int)out[2];
}

static int
serve_alloc(const uint64_t args[MP_REQ_ARGS], uint64_t out[MP_REQ_OUTS])
{
	struct hm_memseg **ms;
	unsigned int n = (unsigned int)args[0];
	int rc;

	if (n == 0 || n > INT32_MAX)
		return hm_fail(EINVAL, "alloc_pages: n must be in 1..INT32_MAX");
	ms = malloc(sizeof(*ms) * n);
	if (ms == NULL)
		return hm_fail(ENOMEM, "alloc_pages: out of memory");
	rc = hm_memseg_alloc_pages(ms, n, args[1], (int)(int64_t)args[2], (unsigned int)args[3]);
	if (rc > 0) {
		struct hm_memseg_list *msl = hm_mem_virt2memseg_list(ms[0]->addr);
		out[0] = (uint64_t)(msl - st.mcfg->memsegs);
		out[1] = ((uintptr_t)ms[0]->addr - (uintptr_t)msl->base_va) / msl->page_sz;
		out[2] = (uint64_t)rc;
		rc = 0;
	}
	free(ms);
	return rc;
}

static int
serve_free(const uint64_t args[MP_REQ_ARGS], uint64_t out[MP_REQ_OUTS])
{
	struct hm_memseg_list *msl = memseg_list_at((unsigned int)args[0]);
	struct hm_memseg **ms;
	uint64_t first = args[1], n = args[2];
	int rc;

	(void)out;
	if (msl == NULL || n == 0 || first >= msl->memseg_arr.len ||
	    n > msl->memseg_arr.len - first)
		return hm_fail(EINVAL, "free_pages: list %" PRIu64 " slots %" PRIu64 "+%" PRIu64
			       " are not pages of a list", args[0], first, n);
	ms = malloc(sizeof(*ms) * n);
	if (ms == NULL)
		return hm_fail(ENOMEM, "free_pages: out of memory");
	for (uint64_t k = 0; k < n; k++)
		ms[k] = seg_at(msl, (unsigned int)(first + k));
	rc = hm_memseg_free_pages(ms, (unsigned int)n);
	free(ms);
	return rc;
}

void
memseg_serve_requests(void)
{
	mp_set_handler(MP_REQ_PAGES_ALLOC, serve_alloc);
	mp_set_handler(MP_REQ_PAGES_FREE, serve_free);
}

int
hm_memseg_alloc_pages(struct hm_memseg *ms[], unsigned int n, uint64_t page_sz, int socket,
		      unsigned int flags)
{
	struct hm_mem_config *mcfg = st.mcfg;
	int rc;

	if (mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (ms == NULL || n == 0 || n > INT32_MAX)
		return hm_fail(EINVAL, "alloc_pages: ms must be non-NULL and n in 1..INT32_MAX");
	if (flags & ~(HM_MEMSEG_ALLOC_BEST_EFFORT | HM_MEMSEG_ALLOC_IOVA_CONTIG))
		return hm_fail(EINVAL, "alloc_pages: unknown flags 0x%x", flags);
	if (socket < 0 || (unsigned int)socket >= mcfg->n_nodes)
		return hm_fail(EINVAL, "alloc_pages: node %d does not exist (nodes 0..%u)",
			       socket, mcfg->n_nodes - 1);
	if (!HM_IS_POWER_OF_2(page_sz) || !have_size(page_sz))
		return hm_fail(EINVAL, "alloc_pages: no memseg list has %" PRIu64 "-byte pages",
			       page_sz);
	if (mcfg->legacy_mem)
		return hm_fail(EPERM, "legacy memory mode: pages are fixed at init");
	if (mp_type() == HM_PROC_SECONDARY)
		return forward_alloc(ms, n, page_sz, socket, flags);
	rc = memseg_write_lock();
	if (rc < 0)
		return rc;
	rc = alloc_locked(ms, n, page_sz, socket, flags, 0);
	if (rc > 0)
		rc = publish_alloc(ms, (unsigned int)rc);
	memseg_write_unlock();
	return rc;
}

/* The list and index whose fbarray element is @p ms, or -1. */
static int
locate(const struct hm_memseg *ms, struct hm_memseg_list **out)
{
	for (unsigned int i = 0; i < st.mcfg->n_lists; i++) {
		struct hm_memseg_list *msl = &st.mcfg->memsegs[i];
		const char *b = msl->memseg_arr.data;

		if ((const char *)ms < b ||
		    (const char *)ms >= b + (size_t)msl->memseg_arr.len * sizeof(*ms))
			continue;
		int idx = hm_fbarray_find_idx(&msl->memseg_arr, ms);
		if (idx < 0)
			return -1;
		*out = msl;
		return idx;
	}
	return -1;
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
	return x < y ? -1 : x > y;
}

int
hm_memseg_free_pages(struct hm_memseg *ms[], unsigned int n)
{
	struct hm_mem_config *mcfg = st.mcfg;
	uintptr_t small[64], *sorted = small;
	int rc = 0;

	if (mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (ms == NULL || n == 0 || n > INT32_MAX)
		return hm_fail(EINVAL, "free_pages: ms must be non-NULL and n in 1..INT32_MAX");
	if (mcfg->legacy_mem)
		return hm_fail(EPERM, "legacy memory mode: pages are fixed at init");
	if (mp_type() == HM_PROC_SECONDARY && memseg_in_walk())
		return hm_fail(EDEADLK, "pages cannot be unmapped from inside a memseg walk "
			       "callback");
	if (n > 64) {
		sorted = malloc(sizeof(*sorted) * n);
		if (sorted == NULL)
			return hm_fail(ENOMEM, "free_pages: out of memory");
	}
	rc = memseg_write_lock();
	if (rc < 0) {
		if (sorted != small)
			free(sorted);
		return rc;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct hm_memseg_list *msl = NULL;
		int idx = ms[i] != NULL ? locate(ms[i], &msl) : -1;

		if (idx < 0 || ms[i]->len == 0) {
			rc = hm_fail(EINVAL, "free_pages: entry %u (%p) is not a mapped memseg", i,
				     (void *)ms[i]);
			goto out;
		}
		if (msl->external) {
			rc = hm_fail(EINVAL, "free_pages: entry %u is external memory (remove it "
				     "from its heap instead)", i);
			goto out;
		}
		if (ms[i]->flags & HM_MEMSEG_FLAG_DO_NOT_FREE) {
			rc = hm_fail(EBUSY, "free_pages: page %p was preallocated at init and "
				     "is never released", ms[i]->addr);
			goto out;
		}
		sorted[i] = (uintptr_t)ms[i];
	}
	qsort(sorted, n, sizeof(*sorted), cmp_ptr);
	for (unsigned int i = 1; i < n; i++)
		if (sorted[i] == sorted[i - 1]) {
			rc = hm_fail(EINVAL, "free_pages: memseg %p appears twice",
				     (void *)sorted[i]);
			goto out;
		}
	if (mp_type() == HM_PROC_SECONDARY) {
		/* checked here; the primary unmaps (runs of slots of one list) */
		memseg_write_unlock();
		for (unsigned int i = 0; i < n && rc == 0;) {
			struct hm_memseg_list *msl = NULL;
			int idx = locate((struct hm_memseg *)sorted[i], &msl);
			unsigned int run = 1;
			while (i + run < n && sorted[i + run] == sorted[i] + run * sizeof(*ms[0]))
				run++;
			uint64_t args[3] = { (uint64_t)(msl - mcfg->memsegs), (uint64_t)idx, run };
			rc = mp_request(MP_REQ_PAGES_FREE, args, 3, NULL);
			i += run;
		}
		goto done;
	}
	/* subscribers hear of every VA-contiguous run before any page goes */
	for (unsigned int i = 0, run = 1; i < n; i += run) {
		const struct hm_memseg *m0 = (const struct hm_memseg *)sorted[i];

		for (run = 1; i + run < n; run++) {
			const struct hm_memseg *m = (const struct hm_memseg *)sorted[i + run];
			if ((const char *)m->addr != (const char *)m0->addr + run * m0->len)
				break;
		}
		mem_event_notify(HM_MEM_EVENT_FREE, m0->addr, (size_t)run * m0->len);
	}
	for (unsigned int i = 0; i < n; i++) {
		struct hm_memseg_list *msl = NULL;
		int idx = locate((struct hm_memseg *)sorted[i], &msl);

		unmap_one(msl, (unsigned int)idx);
		memseg_bump_versions(msl);
	}
	/* every attached process unmaps them too; one that does not answer keeps
	 * them until it catches up (nobody else can reach them any more) */
	int32_t stuck;
	if (mp_sync_all(&stuck) < 0)
		HM_LOG(WARNING, "free_pages: %s", hm_last_error());
out:
	memseg_write_unlock();
done:
	if (sorted != small)
		free(sorted);
	return rc;
}

/* ---------------------------------------------------------------- legacy */

/* Move the page in slot @p from to the reserved address @p to (backend page_move). */
static int
move_page(struct hm_memseg_list *msl, const struct hm_memseg *ms, void *to)
{
	struct hm_page pg = {
		.va = ms->addr,
		.page_sz = ms->page_sz,
		.node = ms->socket_id,
		.list_idx = (uint32_t)(msl - st.mcfg->memsegs),
		.handle = ms->handle,
		.iova = ms->iova,
	};
	return st.be->ops->page_move(st.be, &pg, to);
}

/*
 * Legacy mode: reorder a list's mapped prefix [0, k) so that IOVA grows with VA,
 * as DPDK does after mapping all hugepages. Every page moves (backend page_move)
 * to a scratch reservation, then back into its sorted slot; memsegs (iova,
 * handle, flags) move with their pages. A failed move is unrecoverable for the
 * list's invariants, so it is fatal (it means the kernel refused mremap on a
 * range we own).
 */
static int
sort_list_by_iova(struct hm_memseg_list *msl, unsigned int k)
{
	uint64_t pg = msl->page_sz;
	struct hm_memseg *tmp;
	unsigned int *order;
	char *scratch;
	int rc = 0;

	if (k < 2)
		return 0;
	order = malloc(sizeof(*order) * k);
	tmp = malloc(sizeof(*tmp) * k);
	scratch = hm_va_reserve(NULL, (size_t)pg * k, pg, 0);
	if (order == NULL || tmp == NULL || scratch == NULL) {
		rc = hm_fail(ENOMEM, "legacy sort: out of memory");
		goto out;
	}
	for (unsigned int i = 0; i < k; i++) {
		order[i] = i;
		tmp[i] = *seg_at(msl, i);
	}
	/* insertion sort by IOVA: runs once per list at init */
	for (unsigned int i = 1; i < k; i++) {
		unsigned int v = order[i], j = i;
		while (j > 0 && tmp[order[j - 1]].iova > tmp[v].iova) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
	for (unsigned int i = 0; i < k; i++) {
		HM_VERIFY(move_page(msl, &tmp[i], scratch + (uint64_t)i * pg) == 0);
		tmp[i].addr = scratch + (uint64_t)i * pg;
	}
	for (unsigned int j = 0; j < k; j++) {
		void *to = (char *)msl->base_va + (uint64_t)j * pg;
		struct hm_memseg *ms = seg_at(msl, j);

		HM_VERIFY(move_page(msl, &tmp[order[j]], to) == 0);
		*ms = tmp[order[j]];
		ms->addr = to;
		if (st.mcfg->iova_va)
			ms->iova = (hm_iova_t)(uintptr_t)to;
	}
	memseg_bump_versions(msl);
out:
	if (scratch != NULL)
		hm_va_release(scratch, (size_t)pg * k);
	free(order);
	free(tmp);
	return rc;
}

/* ---------------------------------------------------------------- prealloc */

static int
prealloc_node(int node, uint64_t bytes, const struct hm_probe *probe)
{
	uint64_t want[HM_MAX_PAGE_SIZES] = { 0 }, left = bytes;
	struct hm_memseg *ms[256];

	/* Largest pages first; what they cannot cover exactly goes to smaller ones,
	 * and a remainder no smaller size can hold takes one more page of the
	 * smallest size with pages left. */
	for (unsigned int s = 0; s < probe->n_sizes && left > 0; s++) {
		uint64_t pg = probe->sizes[s].page_sz;
		uint64_t avail = probe->sizes[s].num_pages[node];
		want[s] = min_u64(left / pg, avail);
		left -= want[s] * pg;
	}
	if (left > 0) {
		for (int s = (int)probe->n_sizes - 1; s >= 0; s--) {
			if (want[s] < probe->sizes[s].num_pages[node]) {
				want[s]++;
				left = 0;
				break;
			}
		}
	}
	if (left > 0) {
		char b[32];
		return hm_fail(ENOMEM, "cannot preallocate %s on node %d: the backend offers less",
			       hm_size_str(bytes, b, sizeof(b)), node);
	}
	/* Exact requests, as DPDK's -m: a page the backend cannot map fails init.
	 * Chunks shrink only when no list has that many free slots in a row. */
	for (unsigned int s = 0; s < probe->n_sizes; s++) {
		uint64_t pg = probe->sizes[s].page_sz;
		unsigned int chunk = 256;

		while (want[s] > 0) {
			unsigned int n = (unsigned int)min_u64(want[s], chunk);
			int rc = alloc_locked(ms, n, pg, node, 0, HM_MEMSEG_FLAG_DO_NOT_FREE);
			if (rc == -ENOSPC && n > 1) {
				chunk = n / 2;
				continue;
			}
			if (rc < 0) {
				char b[32];
				return hm_fail(-rc, "cannot preallocate %s on node %d: %s",
					       hm_size_str(bytes, b, sizeof(b)), node,
					       hm_last_error());
			}
			want[s] -= (uint64_t)rc;
		}
	}
	return 0;
}

int
memseg_preallocate(const uint64_t bytes[HM_MAX_NUMA_NODES], const struct hm_probe *probe)
{
	struct hm_mem_config *mcfg = st.mcfg;
	int rc = 0;

	rc = memseg_write_lock();
	if (rc < 0)
		return rc;
	for (unsigned int n = 0; n < probe->n_nodes && rc == 0; n++)
		if (bytes[n] > 0)
			rc = prealloc_node((int)n, bytes[n], probe);
	if (rc == 0 && mcfg->legacy_mem && !mcfg->iova_va) {
		for (unsigned int i = 0; i < mcfg->n_lists && rc == 0; i++) {
			struct hm_memseg_list *msl = &mcfg->memsegs[i];
			rc = sort_list_by_iova(msl, (unsigned int)msl->memseg_arr.count);
		}
	}
	memseg_write_unlock();
	return rc;
}

void
memseg_fini(void)
{
	struct hm_mem_config *mcfg = st.mcfg;

	if (mcfg == NULL)
		return;
	/* a poisoned map is torn down all the same: this is the last process */
	bool locked = robust_write_lock(&mcfg->memory_hotplug_lock, ROBUST_RD_HOTPLUG,
					&hotplug_rec) == 0;
	for (unsigned int i = 0; i < mcfg->n_lists; i++) {
		struct hm_memseg_list *msl = &mcfg->memsegs[i];
		int idx = -1;
		if (msl->len == 0 || msl->external)
			continue;
		while ((idx = fbarray_next_used(&msl->memseg_arr,
							(unsigned int)(idx + 1))) >= 0) {
			unmap_one(msl, (unsigned int)idx);
			if ((unsigned int)idx + 1 >= msl->memseg_arr.len)
				break;
		}
	}
	destroy_lists(mcfg);
	if (locked)
		robust_write_unlock(&mcfg->memory_hotplug_lock);
	memseg_unuse();
	mem_event_fini();
}

void
memseg_fini_local(void)
{
	struct hm_mem_config *mcfg = st.mcfg;

	if (mcfg == NULL)
		return;
	for (unsigned int i = 0; i < mcfg->n_lists; i++) {
		struct hm_memseg_list *msl = &mcfg->memsegs[i];
		int idx = -1;

		if (msl->len == 0)
			continue;
		while (!msl->external && (unsigned int)(idx + 1) < msl->memseg_arr.len &&
		       (idx = fbarray_next_used(&msl->memseg_arr,
							(unsigned int)(idx + 1))) >= 0) {
			const struct hm_memseg *ms = seg_at(msl, (unsigned int)idx);
			struct hm_page pg = {
				.va = ms->addr, .page_sz = ms->page_sz, .node = ms->socket_id,
				.list_idx = i, .seg_idx = (uint32_t)idx, .handle = ms->handle,
				.iova = ms->iova,
			};
			st.be->ops->page_unmap(st.be, &pg);
		}
		if (!msl->external)
			hm_va_release(msl->base_va, msl->len);
		if (hm_fbarray_detach(&msl->memseg_arr) < 0)
			HM_LOG(WARNING, "cleanup: list %s: %s", msl->memseg_arr.name,
			       hm_last_error());
	}
	memseg_unuse();
	mem_event_fini();
}

/* ---------------------------------------------------------------- lookups */

/* @p msl is one of our lists (not a caller-made copy). */
static bool
own_list(const struct hm_memseg_list *msl)
{
	const struct hm_memseg_list *l0 = st.mcfg->memsegs;
	uintptr_t off = (uintptr_t)msl - (uintptr_t)l0;

	return (uintptr_t)msl >= (uintptr_t)l0 && off % sizeof(*l0) == 0 &&
	       off / sizeof(*l0) < st.mcfg->n_lists && msl->len != 0;
}

static struct hm_memseg_list *
find_list(const void *va)
{
	/* the list this thread hit last: lookups cluster (a heap, a packet pool) */
	static _Thread_local unsigned int hint;
	struct hm_mem_config *mcfg = st.mcfg;
	uintptr_t a = (uintptr_t)va;
	struct hm_memseg_list *msl;

	if (hint < mcfg->n_lists) {
		msl = &mcfg->memsegs[hint];
		if (a - (uintptr_t)msl->base_va < msl->len && a >= (uintptr_t)msl->base_va)
			return msl;
	}
	for (unsigned int i = 0; i < mcfg->n_lists; i++) {
		msl = &mcfg->memsegs[i];
		if (a >= (uintptr_t)msl->base_va && a - (uintptr_t)msl->base_va < msl->len) {
			hint = i;
			return msl;
		}
	}
	return NULL;
}

struct hm_memseg_list *
hm_mem_virt2memseg_list(const void *va)
{
	struct hm_memseg_list *msl;

	if (st.mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	msl = find_list(va);
	if (msl == NULL)
		return hm_fail_ptr(ENOENT, "%p is in no memseg list", va);
	return msl;
}

struct hm_memseg *
hm_mem_virt2memseg(const void *va, const struct hm_memseg_list *msl)
{
	struct hm_memseg *ms;
	uintptr_t off;

	if (st.mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	if (msl == NULL)
		msl = find_list(va);
	else if (!own_list(msl))
		return hm_fail_ptr(EINVAL, "virt2memseg: %p is not a memseg list", (const void *)msl);
	if (msl == NULL)
		return hm_fail_ptr(ENOENT, "%p is in no memseg list", va);
	off = (uintptr_t)va - (uintptr_t)msl->base_va;
	if ((uintptr_t)va < (uintptr_t)msl->base_va || off >= msl->len)
		return hm_fail_ptr(ENOENT, "%p is outside the given list", va);
	/* page sizes are powers of two: a shift, not a 64-bit divide (~30 cycles) */
	ms = seg_at(msl, (unsigned int)(off >> __builtin_ctzll(msl->page_sz)));
	if (ms->len == 0)
		return hm_fail_ptr(ENOENT, "no page is mapped at %p", va);
	return ms;
}

hm_iova_t
hm_mem_virt2iova(const void *va)
{
	const struct hm_memseg *ms;

	/* IOVA-as-VA: every address is its own IOVA, as in DPDK */
	if (st.mcfg != NULL && st.mcfg->iova_va)
		return (hm_iova_t)(uintptr_t)va;
	ms = hm_mem_virt2memseg(va, NULL);

	if (ms == NULL)
		return HM_BAD_IOVA;
	if (ms->iova == HM_BAD_IOVA) {
		hm_errno = ENOENT; /* external memory added without IOVAs */
		return HM_BAD_IOVA;
	}
	return ms->iova + ((uintptr_t)va - (uintptr_t)ms->addr);
}

static int
cmp_run(const void *a, const void *b)
{
	const struct iova_run *x = a, *y = b;
	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

/* pre: idx_lock held for writing. */
static int
rebuild_index(uint64_t version)
{
	struct hm_mem_config *mcfg = st.mcfg;
	size_t n = 0;
	int rc = hp_read_lock(mcfg);

	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < mcfg->n_lists; i++)
		n += mcfg->memsegs[i].memseg_arr.count;
	if (n > st.cap_runs) {
		struct iova_run *r = realloc(st.runs, n * sizeof(*r));
		if (r == NULL) {
			hp_read_unlock(mcfg);
			return hm_fail(ENOMEM, "iova index: out of memory");
		}
		st.runs = r;
		st.cap_runs = n;
	}
	n = 0;
	for (unsigned int i = 0; i < mcfg->n_lists; i++) {
		struct hm_memseg_list *msl = &mcfg->memsegs[i];
		struct hm_fbarray *arr = &msl->memseg_arr;
		int k = 0;

		while (n < st.cap_runs && (unsigned int)k < arr->len &&
		       (k = fbarray_next_used(arr, (unsigned int)k)) >= 0) {
			const struct hm_memseg *ms = seg_at(msl, (unsigned int)k++);
			if (ms->iova != HM_BAD_IOVA)
				st.runs[n++] = (struct iova_run){ ms->iova, (uintptr_t)ms->addr,
								  ms->len };
		}
	}
	hp_read_unlock(mcfg);
	if (n > 1)
		qsort(st.runs, n, sizeof(*st.runs), cmp_run);
	/* coalesce runs contiguous in both spaces */
	size_t w = 0;
	for (size_t r = 0; r < n; r++) {
		if (w > 0 && st.runs[w - 1].iova + st.runs[w - 1].len == st.runs[r].iova &&
		    st.runs[w - 1].va + st.runs[w - 1].len == st.runs[r].va)
			st.runs[w - 1].len += st.runs[r].len;
		else
			st.runs[w++] = st.runs[r];
	}
	st.n_runs = w;
	st.idx_version = version + 1;
	return 0;
}

void *
hm_mem_iova2virt(hm_iova_t iova)
{
	void *va = NULL;
	uint64_t v;

	if (st.mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	v = __atomic_load_n(&st.mcfg->mem_version, __ATOMIC_ACQUIRE);
	pthread_rwlock_rdlock(&st.idx_lock);
	if (st.idx_version != v + 1) {
		pthread_rwlock_unlock(&st.idx_lock);
		pthread_rwlock_wrlock(&st.idx_lock);
		if (st.idx_version != v + 1 && rebuild_index(v) < 0) {
			pthread_rwlock_unlock(&st.idx_lock);
			return NULL;
		}
	}
	size_t lo = 0, hi = st.n_runs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct iova_run *r = &st.runs[mid];
		if (iova < r->iova) {
			hi = mid;
		} else if (iova - r->iova >= r->len) {
			lo = mid + 1;
		} else {
			va = (void *)(r->va + (iova - r->iova));
			break;
		}
	}
	pthread_rwlock_unlock(&st.idx_lock);
	if (va == NULL)
		return hm_fail_ptr(ENOENT, "IOVA 0x%" PRIx64 " is not mapped", iova);
	return va;
}

int
hm_memseg_is_iova_contig(const struct hm_memseg_list *msl, const void *start, size_t len)
{
	uintptr_t a = (uintptr_t)start, base;
	unsigned int first, last;

	if (st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (msl == NULL || len == 0 || !own_list(msl))
		return hm_fail(EINVAL, "is_iova_contig: not a memseg list, or zero length");
	base = (uintptr_t)msl->base_va;
	if (a < base || a - base >= msl->len || len > msl->len - (a - base))
		return hm_fail(EINVAL, "is_iova_contig: range is not inside the list");
	first = (unsigned int)((a - base) >> __builtin_ctzll(msl->page_sz));
	last = (unsigned int)((a - base + len - 1) >> __builtin_ctzll(msl->page_sz));
	for (unsigned int i = first; i <= last; i++)
		if (seg_at(msl, i)->len == 0)
			return hm_fail(EINVAL, "is_iova_contig: page %u of the range is not mapped", i);
	return run_iova_contig(msl, first, last - first + 1);
}

/* ---------------------------------------------------------------- state */

unsigned int
hm_memseg_list_count(void)
{
	unsigned int n = 0;

	if (st.mcfg == NULL)
		return 0;
	for (unsigned int i = 0; i < st.mcfg->n_lists; i++)
		n += st.mcfg->memsegs[i].len != 0;
	return n;
}

struct hm_memseg_list *
memseg_list_at(unsigned int idx)
{
	if (st.mcfg == NULL || idx >= st.mcfg->n_lists || st.mcfg->memsegs[idx].len == 0)
		return NULL;
	return &st.mcfg->memsegs[idx];
}

int64_t
hm_memseg_mapped_bytes(int node)
{
	if (st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (node < 0 || (unsigned int)node >= st.mcfg->n_nodes)
		return hm_fail(EINVAL, "node %d does not exist", node);
	return __atomic_load_n(&st.mcfg->mapped_bytes[node], __ATOMIC_RELAXED);
}

int
hm_memseg_iova_is_va(void)
{
	if (st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	return st.mcfg->iova_va != 0;
}
