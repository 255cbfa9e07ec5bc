/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * External memseg lists: user memory registered as a list, either as an
 * external heap's memory (memseg_external_add/remove, called by malloc's
 * ext_heap.c) or bare, without a heap (hm_extmem_*, DPDK's rte_extmem_*).
 * Every slot of such a list is used; the memory stays the user's. Changes
 * happen under the memory hotplug write lock like page maps.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memseg_i.h"

/* pre: write lock held. */
static int
ext_add(void *va, uint64_t len, uint64_t page_sz, const hm_iova_t *iova, int socket_id,
	bool heap)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	uintptr_t a = (uintptr_t)va;
	unsigned int slot = HM_MAX_MEMSEG_LISTS, n = (unsigned int)(len / page_sz);
	struct hm_memseg_list *msl;
	char name[HM_FBARRAY_NAME_LEN];
	int rc;

	for (unsigned int i = 0; i < mcfg->n_lists; i++) {
		struct hm_memseg_list *l = &mcfg->memsegs[i];
		uintptr_t b = (uintptr_t)l->base_va;
		if (l->len == 0) {
			if (slot == HM_MAX_MEMSEG_LISTS)
				slot = i;
			continue;
		}
		if (a < b + l->len && b < a + len) {
			rc = hm_fail(EEXIST, "memory %p (+%" PRIu64 ") overlaps memseg list %s", va,
				     len, l->memseg_arr.name);
			goto out;
		}
	}
	if (slot == HM_MAX_MEMSEG_LISTS) {
		if (mcfg->n_lists == HM_MAX_MEMSEG_LISTS) {
			rc = hm_fail(ENOSPC, "all %d memseg lists are in use", HM_MAX_MEMSEG_LISTS);
			goto out;
		}
		slot = mcfg->n_lists;
	}
	msl = &mcfg->memsegs[slot];
	snprintf(name, sizeof(name), "memseg-ext-%u", slot);
	rc = hm_fbarray_init(&msl->memseg_arr, name, n, sizeof(struct hm_memseg), memseg_fbarray_dir());
	if (rc < 0)
		goto out;
	for (unsigned int i = 0; i < n; i++) {
		struct hm_memseg *ms = memseg_seg_at(msl, i);
		ms->addr = (char *)va + (uint64_t)i * page_sz;
		ms->iova = iova != NULL ? iova[i] : HM_BAD_IOVA;
		ms->len = page_sz;
		ms->page_sz = page_sz;
		ms->socket_id = socket_id;
		hm_fbarray_set_used(&msl->memseg_arr, i);
	}
	msl->base_va = va;
	msl->page_sz = page_sz;
	msl->len = len;
	msl->socket_id = socket_id;
	msl->external = 1;
	msl->heap = heap;
	if (slot == mcfg->n_lists)
		mcfg->n_lists++;
	memseg_bump_versions(msl);
	rc = (int)slot;
out:
	return rc;
}

int
memseg_external_add(void *va, uint64_t len, uint64_t page_sz, const hm_iova_t *iova,
		    int socket_id)
{
	int rc = ext_add(va, len, page_sz, iova, socket_id, true);

	/* a heap got memory: subscribers hear of it as of pages a heap maps */
	if (rc >= 0)
		mem_event_notify(HM_MEM_EVENT_ALLOC, va, len);
	return rc;
}

void
memseg_external_remove(unsigned int idx)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	struct hm_memseg_list *msl = memseg_list_at(idx);

	if (msl == NULL || !msl->external)
		return;
	if (msl->heap)
		mem_event_notify(HM_MEM_EVENT_FREE, msl->base_va, msl->len);
	hm_fbarray_destroy(&msl->memseg_arr);
	memset(msl, 0, sizeof(*msl));
	while (mcfg->n_lists > 0 && mcfg->memsegs[mcfg->n_lists - 1].len == 0)
		mcfg->n_lists--;
	__atomic_fetch_add(&mcfg->mem_version, 1, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- extmem */

static bool
extmem_args_ok(const void *va, size_t len, size_t page_sz)
{
	return va != NULL && len != 0 && HM_IS_POWER_OF_2(page_sz) && page_sz >= 4096 &&
	       ((uintptr_t)va & (page_sz - 1)) == 0 && (len & (page_sz - 1)) == 0 &&
	       len / page_sz <= INT32_MAX && len <= (1ULL << 46);
}

int
hm_extmem_register(void *va, size_t len, const hm_iova_t iova[], unsigned int n_pages,
		   size_t page_sz)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	int rc;

	if (mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (!extmem_args_ok(va, len, page_sz) || (iova != NULL && n_pages != len / page_sz))
		return hm_fail(EINVAL, "extmem register: va and len must be aligned to page_sz (a "
			       "power of two >= 4K) and the IOVA table must have len/page_sz "
			       "entries");
	rc = memseg_write_lock();
	if (rc < 0)
		return rc;
	if (mcfg->next_ext_socket > INT32_MAX) {
		rc = hm_fail(ENOSPC, "extmem register: no socket id left");
	} else {
		rc = ext_add(va, len, page_sz, iova, (int)mcfg->next_ext_socket, false);
		if (rc >= 0) {
			mcfg->next_ext_socket++;
			rc = 0;
		}
	}
	memseg_write_unlock();
	return rc;
}

/* The extmem (heap == 0) list that is exactly [va, va+len), or NULL. pre: a lock. */
static struct hm_memseg_list *
extmem_find(const void *va, size_t len)
{
	struct hm_mem_config *mcfg = memseg_mcfg();

	for (unsigned int i = 0; i < mcfg->n_lists; i++) {
		struct hm_memseg_list *msl = &mcfg->memsegs[i];
		if (msl->len != 0 && msl->external && !msl->heap && msl->base_va == va &&
		    msl->len == len)
			return msl;
	}
	return NULL;
}

int
hm_extmem_unregister(void *va, size_t len)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	struct hm_memseg_list *msl;
	int rc;

	if (mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (va == NULL || len == 0)
		return hm_fail(EINVAL, "extmem unregister: NULL va or zero length");
	rc = memseg_write_lock();
	if (rc < 0)
		return rc;
	msl = extmem_find(va, len);
	if (msl == NULL)
		rc = hm_fail(ENOENT, "extmem unregister: %p (+%zu) is not registered", va, len);
	else
		memseg_external_remove((unsigned int)(msl - mcfg->memsegs));
	memseg_write_unlock();
	return rc;
}

static int
extmem_sync(void *va, size_t len, const char *what)
{
	struct hm_mem_config *mcfg = memseg_mcfg();
	int rc = 0;

	if (mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (va == NULL || len == 0)
		return hm_fail(EINVAL, "extmem %s: NULL va or zero length", what);
	rc = memseg_read_lock(mcfg);
	if (rc < 0)
		return rc;
	if (extmem_find(va, len) == NULL)
		rc = hm_fail(ENOENT, "extmem %s: %p (+%zu) is not registered", what, va, len);
	memseg_read_unlock(mcfg);
	return rc;
}

int
hm_extmem_attach(void *va, size_t len)
{
	return extmem_sync(va, len, "attach");
}

int
hm_extmem_detach(void *va, size_t len)
{
	return extmem_sync(va, len, "detach");
}

