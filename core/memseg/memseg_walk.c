/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memseg walks (locked and thread_unsafe), the dump and the validator: readers
 * of the lists that memseg.c maintains. The locked forms hold the memory hotplug
 * read lock for the whole walk; the thread_unsafe forms take nothing and are
 * meant for memory event callbacks (which run under the write lock) and for
 * code that knows no page can be mapped or unmapped meanwhile.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "memseg_i.h"
#include "mp_i.h"

#define seg_at memseg_seg_at

/* ---------------------------------------------------------------- walks */

static int
walk(hm_memseg_list_walk_t lfn, hm_memseg_walk_t sfn, hm_memseg_contig_walk_t cfn, void *arg,
     bool locked)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	int ret = 0;

	if (mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (locked && (ret = memseg_read_lock(mcfg)) < 0)
		return ret;
	for (unsigned int i = 0; i < mcfg->n_lists && ret == 0; i++) {
		struct hm_memseg_list *msl = &mcfg->memsegs[i];
		struct hm_fbarray *arr = &msl->memseg_arr;
		int idx = 0;

		if (msl->len == 0)
			continue;
		if (lfn != NULL) {
			ret = lfn(msl, arg);
			continue;
		}
		while (ret == 0 && (unsigned int)idx < arr->len &&
		       (idx = fbarray_next_used(arr, (unsigned int)idx)) >= 0) {
			int n = fbarray_contig_used(arr, (unsigned int)idx);
			if (cfn != NULL) {
				ret = cfn(msl, seg_at(msl, (unsigned int)idx),
					  (size_t)n * msl->page_sz, arg);
			} else {
				for (int k = 0; k < n && ret == 0; k++)
					ret = sfn(msl, seg_at(msl, (unsigned int)(idx + k)), arg);
			}
			idx += n;
		}
	}
	if (locked)
		memseg_read_unlock(mcfg);
	return ret;
}

int
hm_memseg_list_walk(hm_memseg_list_walk_t fn, void *arg)
{
	if (fn == NULL)
		return hm_fail(EINVAL, "memseg_list_walk: NULL callback");
	return walk(fn, NULL, NULL, arg, true);
}

int
hm_memseg_walk(hm_memseg_walk_t fn, void *arg)
{
	if (fn == NULL)
		return hm_fail(EINVAL, "memseg_walk: NULL callback");
	return walk(NULL, fn, NULL, arg, true);
}

int
hm_memseg_contig_walk(hm_memseg_contig_walk_t fn, void *arg)
{
	if (fn == NULL)
		return hm_fail(EINVAL, "memseg_contig_walk: NULL callback");
	return walk(NULL, NULL, fn, arg, true);
}

int
hm_memseg_list_walk_thread_unsafe(hm_memseg_list_walk_t fn, void *arg)
{
	if (fn == NULL)
		return hm_fail(EINVAL, "memseg_list_walk_thread_unsafe: NULL callback");
	return walk(fn, NULL, NULL, arg, false);
}

int
hm_memseg_walk_thread_unsafe(hm_memseg_walk_t fn, void *arg)
{
	if (fn == NULL)
		return hm_fail(EINVAL, "memseg_walk_thread_unsafe: NULL callback");
	return walk(NULL, fn, NULL, arg, false);
}

int
hm_memseg_contig_walk_thread_unsafe(hm_memseg_contig_walk_t fn, void *arg)
{
	if (fn == NULL)
		return hm_fail(EINVAL, "memseg_contig_walk_thread_unsafe: NULL callback");
	return walk(NULL, NULL, fn, arg, false);
}

/* ---------------------------------------------------------------- page fds */

static int
get_fd(const struct hm_memseg *ms, uint64_t *offset, bool locked)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	struct hm_backend *be = memseg_backend();
	uint64_t off = 0;
	int rc = -EINVAL;
	bool found = false;

	if (ms == NULL)
		return hm_fail(EINVAL, "memseg_get_fd: NULL memseg");
	if (mcfg == NULL || be == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (locked)
		memseg_read_lock(mcfg);
	for (unsigned int i = 0; i < mcfg->n_lists && !found; i++) {
		struct hm_memseg_list *msl = &mcfg->memsegs[i];
		const char *b = msl->memseg_arr.data, *p = (const char *)ms;
		size_t span = (size_t)msl->memseg_arr.len * msl->memseg_arr.elt_sz, idx;
		struct hm_page pg;

		if (msl->len == 0 || b == NULL || p < b || p >= b + span ||
		    (size_t)(p - b) % msl->memseg_arr.elt_sz != 0)
			continue;
		found = true;
		idx = (size_t)(p - b) / msl->memseg_arr.elt_sz;
		if (hm_fbarray_is_used(&msl->memseg_arr, (unsigned int)idx) != 1) {
			rc = hm_fail(ENOENT, "memseg_get_fd: entry %zu of list %u is unused", idx, i);
			break;
		}
		if (msl->external) {
			rc = hm_fail(ENOTSUP, "memseg_get_fd: list %u is external memory, which has "
				     "no segment fds", i);
			break;
		}
		if (be->ops->page_fd == NULL) {
			rc = hm_fail(ENOTSUP, "memseg_get_fd: the %s backend has no page fds",
				     be->ops->name);
			break;
		}
		pg = (struct hm_page){ .va = ms->addr, .page_sz = ms->page_sz,
				       .node = ms->socket_id, .list_idx = i,
				       .seg_idx = (uint32_t)idx, .handle = ms->handle,
				       .iova = ms->iova };
		rc = be->ops->page_fd(be, &pg, &off);
		if (rc >= 0 && offset != NULL)
			*offset = off;
	}
	if (locked)
		memseg_read_unlock(mcfg);
	if (!found)
		return hm_fail(EINVAL, "memseg_get_fd: %p is not an entry of a memseg list",
			       (const void *)ms);
	return rc;
}

int
hm_memseg_get_fd(const struct hm_memseg *ms, uint64_t *offset)
{
	return get_fd(ms, offset, true);
}

int
hm_memseg_get_fd_thread_unsafe(const struct hm_memseg *ms, uint64_t *offset)
{
	return get_fd(ms, offset, false);
}

void
hm_memseg_dump(FILE *f)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	char b[32];

	if (f == NULL)
		return;
	if (mcfg == NULL) {
		fprintf(f, "memseg: not initialised\n");
		return;
	}
	if (memseg_read_lock(mcfg) < 0) {
		fprintf(f, "memseg: %s\n", hm_last_error());
		return;
	}
	fprintf(f, "memseg lists: %u (iova mode %s%s)\n", hm_memseg_list_count(),
		mcfg->iova_va ? "va" : "pa", mcfg->legacy_mem ? ", legacy" : "");
	for (unsigned int i = 0; i < mcfg->n_lists; i++) {
		struct hm_memseg_list *msl = &mcfg->memsegs[i];
		struct hm_fbarray *arr = &msl->memseg_arr;

		if (msl->len == 0)
			continue;
		fprintf(f, "  list %u %s%s: page %s node %d va %p-%p slots %u used %u version %u\n", i,
			arr->name, msl->external ? " (external)" : "",
			hm_size_str(msl->page_sz, b, sizeof(b)), msl->socket_id,
			msl->base_va, (void *)((char *)msl->base_va + msl->len), arr->len,
			arr->count, msl->version);
		int idx = 0;
		while ((unsigned int)idx < arr->len &&
		       (idx = fbarray_next_used(arr, (unsigned int)idx)) >= 0) {
			int n = fbarray_contig_used(arr, (unsigned int)idx);
			for (int k = 0; k < n; k++) {
				const struct hm_memseg *ms = seg_at(msl, (unsigned int)(idx + k));
				fprintf(f, "    seg %u va %p iova 0x%" PRIx64 " node %d%s%s\n",
					idx + k, ms->addr, ms->iova, ms->socket_id,
					ms->flags & HM_MEMSEG_FLAG_DO_NOT_FREE ? " do-not-free" : "",
					ms->flags & HM_MEMSEG_FLAG_DIRTY ? " dirty" : "");
			}
			idx += n;
		}
	}
	for (unsigned int n = 0; n < mcfg->n_nodes; n++)
		fprintf(f, "  node %u: %s mapped\n", n,
			hm_size_str((uint64_t)mcfg->mapped_bytes[n], b, sizeof(b)));
	memseg_read_unlock(mcfg);
}

/* A free slot's memseg is all zero (one memcmp: the validator visits every
 * slot of every list, a million on a 4K list). */
static bool
seg_zero(const struct hm_memseg *ms)
{
	static const struct hm_memseg zero;

	return memcmp(ms, &zero, sizeof(zero)) == 0;
}

/* A used slot @p k of @p msl: its memseg describes its page; adds the page to
 * @p mapped. @return NULL, or what is wrong. */
static const char *
used_seg_check(const struct hm_mem_config *mcfg, const struct hm_memseg_list *msl,
	       unsigned int k, int64_t mapped[HM_MAX_NUMA_NODES])
{
	const struct hm_memseg *ms = seg_at(msl, k);

	if (ms->addr != (char *)msl->base_va + (uint64_t)k * msl->page_sz)
		return "used memseg: addr != base_va + idx*page_sz";
	if (ms->len != msl->page_sz || ms->page_sz != msl->page_sz)
		return "used memseg: len or page_sz differ from the list's";
	if (ms->socket_id != msl->socket_id)
		return "used memseg: node differs from the list's";
	if (ms->iova == HM_BAD_IOVA && !msl->external)
		return "used memseg: bad IOVA";
	if (mcfg->iova_va && ms->iova != (hm_iova_t)(uintptr_t)ms->addr)
		return "used memseg: IOVA != VA in IOVA-as-VA mode";
	if (!msl->external)
		mapped[msl->socket_id] += (int64_t)ms->len;
	return NULL;
}

/* The validator's walk. pre: the hotplug lock is held (read or write). */
const char *
memseg_check_locked(struct hm_mem_config *mcfg, int64_t mapped[HM_MAX_NUMA_NODES])
{
	const char *why = NULL;

	for (unsigned int i = 0; i < mcfg->n_lists && why == NULL; i++) {
		struct hm_memseg_list *msl = &mcfg->memsegs[i];

		if (msl->len == 0)
			continue;
		if (hm_fbarray_check(&msl->memseg_arr, &why) < 0)
			break;
		if (msl->memseg_arr.elt_sz != sizeof(struct hm_memseg) ||
		    msl->len != msl->page_sz * msl->memseg_arr.len ||
		    ((uintptr_t)msl->base_va & (msl->page_sz - 1)) != 0 ||
		    (!msl->external && (msl->socket_id < 0 || !msl->heap ||
					(unsigned int)msl->socket_id >= mcfg->n_nodes))) {
			why = "list header inconsistent (elt_sz, len, alignment, node or heap flag)";
			break;
		}
		/* run by run (one search each, not one locked lookup per slot): a
		 * free run's slots are zero, then the used run after it */
		const unsigned int len = msl->memseg_arr.len;
		unsigned int k = 0;
		while (k < len && why == NULL) {
			int next = fbarray_next_used(&msl->memseg_arr, k);
			if (next < 0 && next != -ENOENT) {
				why = "the list's used-slot search failed";
				break;
			}
			for (unsigned int end = next < 0 ? len : (unsigned int)next;
			     k < end && why == NULL; k++)
				if (!seg_zero(seg_at(msl, k)))
					why = "free slot has a non-zero memseg";
			if (k >= len || why != NULL)
				break;
			next = fbarray_next_free(&msl->memseg_arr, k);
			if (next < 0 && next != -ENOSPC) {
				why = "the list's free-slot search failed";
				break;
			}
			for (unsigned int end = next < 0 ? len : (unsigned int)next;
			     k < end && why == NULL; k++)
				why = used_seg_check(mcfg, msl, k, mapped);
		}
	}
	for (unsigned int n = 0; n < mcfg->n_nodes && why == NULL; n++)
		if (mapped[n] != mcfg->mapped_bytes[n])
			why = "per-node mapped bytes != sum of used pages";
	return why;
}

int
hm_memseg_check(const char **reason)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	int64_t mapped[HM_MAX_NUMA_NODES] = { 0 };
	const char *why = NULL;
	int rc;

	if (mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	rc = memseg_read_lock(mcfg);
	if (rc < 0)
		return rc;
	why = memseg_check_locked(mcfg, mapped);
	/* a secondary: what it maps matches the shared lists. Under the read
	 * lock: the primary changes a list's pages under the write lock and bumps
	 * its version after, so a scan without the lock could read a version not
	 * yet bumped and pages already changed (a false "not mapped here"). Lock
	 * order read lock -> attach lock; memseg_attach takes them the other way
	 * round, but only inside hm_init, before the process can be checked. */
	if (why == NULL && mp_type() == HM_PROC_SECONDARY)
		memseg_attach_check(&why);
	memseg_read_unlock(mcfg);
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "memseg is corrupt: %s", why);
	}
	return 0;
}
