/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * External heaps: named heaps over memory the user adds with a per-page IOVA
 * table (as DPDK's rte_malloc_heap_*). They never grow; each memory region is
 * an external memseg list. Heap table changes run under the memory hotplug
 * write lock, with an external heap's lock inside it: external heaps never
 * grow, so this order never meets a growing native heap's (heap lock, then
 * hotplug lock).
 */
#include <string.h>

#include "malloc_i.h"
#include "mcfg_i.h"
#include "memseg_i.h"

static int
check_name(const char *name)
{
	if (name == NULL || name[0] == '\0')
		return hm_fail(EINVAL, "heap name is NULL or empty");
	if (strnlen(name, HM_MALLOC_HEAP_NAME_LEN) == HM_MALLOC_HEAP_NAME_LEN)
		return hm_fail(ENAMETOOLONG, "heap name '%.40s...' is %d characters or more",
			       name, HM_MALLOC_HEAP_NAME_LEN);
	return 0;
}

/* The external heap @p name, with its lock held, or NULL (rc set). */
static struct malloc_heap *
ext_heap(const char *name, int *rc)
{
	struct malloc_heap *h = NULL;

	*rc = malloc_st.mcfg == NULL ? hm_fail(ENODEV, "hugemem is not initialised") : check_name(name);
	if (*rc < 0)
		return NULL;
	h = lookup_by_name(name);
	if (h == NULL) {
		*rc = hm_fail(ENOENT, "no heap named '%s'", name);
		return NULL;
	}
	if (h->kind != HEAP_EXTERNAL) {
		*rc = hm_fail(EINVAL, "heap '%s' is a native heap", name);
		return NULL;
	}
	return h;
}

int
hm_malloc_heap_create(const char *name)
{
	int rc;

	if (malloc_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	rc = check_name(name);
	if (rc < 0)
		return rc;
	rc = memseg_write_lock(); /* serialises heap table changes too */
	if (rc < 0)
		return rc;
	if (lookup_by_name(name) != NULL) {
		rc = hm_fail(EEXIST, "a heap named '%s' exists", name);
		goto out;
	}
	rc = hm_fail(ENOSPC, "all %d heaps are in use", HM_MAX_HEAPS);
	for (unsigned int i = malloc_st.n_nodes; i < HM_MAX_HEAPS; i++) {
		if (malloc_st.heaps[i].kind != HEAP_UNUSED)
			continue;
		heap_init(&malloc_st.heaps[i], HEAP_EXTERNAL, (int)malloc_st.mcfg->next_ext_socket++, name);
		hm_fbarray_set_used(&malloc_st.mcfg->heaps, i);
		rc = 0;
		break;
	}
out:
	memseg_write_unlock();
	return rc;
}

/*
 * External heap changes run entirely under the memory hotplug write lock (which
 * also serialises the heap table): the heap is looked up, checked and changed
 * with nobody able to destroy, add or remove in between. External heaps never
 * grow, so taking their heap lock inside the hotplug lock cannot meet the
 * opposite order of a growing native heap.
 */
int
hm_malloc_heap_destroy(const char *name)
{
	struct malloc_heap *h = NULL;
	int rc;

	if (malloc_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	rc = memseg_write_lock();
	if (rc < 0)
		return rc;
	h = ext_heap(name, &rc);
	if (h == NULL)
		goto out;
	rc = heap_lock(h);
	if (rc < 0)
		goto out;
	if (h->total_size != 0) {
		heap_unlock(h);
		rc = hm_fail(EBUSY, "heap '%s' still holds memory: remove it first", name);
		goto out;
	}
	hm_fbarray_set_free(&malloc_st.mcfg->heaps, (unsigned int)(h - malloc_st.heaps));
	memset(h, 0, sizeof(*h));
	rc = 0;
out:
	memseg_write_unlock();
	return rc;
}

int
hm_malloc_heap_memory_add(const char *name, void *va, size_t len, const hm_iova_t iova[],
			  unsigned int n_pages, size_t page_sz)
{
	struct malloc_heap *h = NULL;
	int rc, li;

	if (malloc_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if ((va == NULL || len == 0 || !HM_IS_POWER_OF_2(page_sz) || page_sz < 4096 ||
	     ((uintptr_t)va & (page_sz - 1)) != 0 || (len & (page_sz - 1)) != 0 ||
	     len < MIN_ELEM_SIZE || len / page_sz > INT32_MAX || len > (1ULL << 46) ||
	     (iova != NULL && n_pages != len / page_sz)))
		return hm_fail(EINVAL, "heap memory add: va and len must be aligned to page_sz (a "
			       "power of two >= 4K) and the IOVA table must have len/page_sz "
			       "entries");
	rc = memseg_write_lock();
	if (rc < 0)
		return rc;
	h = ext_heap(name, &rc);
	if (h == NULL)
		goto out;
	li = memseg_external_add(va, len, page_sz, iova, h->socket_id);
	if (li < 0) {
		rc = li;
		goto out;
	}
	rc = heap_lock(h);
	if (rc < 0) {
		memseg_external_remove((unsigned int)li);
		goto out;
	}
	/* user memory: its content is unknown, so it is dirty */
	heap_add_memory(h, va, len, (uint16_t)li, true);
	heap_unlock(h);
	rc = 0;
out:
	memseg_write_unlock();
	return rc;
}

int
hm_malloc_heap_memory_remove(const char *name, void *va, size_t len)
{
	struct malloc_heap *h = NULL;
	struct hm_memseg_list *msl;
	struct malloc_elem *e;
	int rc;

	if (malloc_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	rc = memseg_write_lock();
	if (rc < 0)
		return rc;
	h = ext_heap(name, &rc);
	if (h == NULL)
		goto out;
	msl = va != NULL ? hm_mem_virt2memseg_list(va) : NULL;
	if (msl == NULL || !msl->external || msl->base_va != va || msl->len != len ||
	    msl->socket_id != h->socket_id) {
		rc = hm_fail(ENOENT, "heap '%s' has no memory region %p (+%zu)", name, va, len);
		goto out;
	}
	rc = heap_lock(h);
	if (rc < 0)
		goto out;
	/* the whole region must be one free element: nothing allocated in it */
	e = (struct malloc_elem *)va;
	if (e->cookie != (ELEM_COOKIE ^ (uint32_t)(uintptr_t)e) || e->state != ELEM_FREE ||
	    e->size != len) {
		heap_unlock(h);
		rc = hm_fail(EBUSY, "heap '%s': memory %p still has allocations", name, va);
		goto out;
	}
	heap_hide_region(h, e, va, (char *)va + len);
	memset(e, 0, sizeof(*e)); /* the user's memory again: no header left behind */
	heap_unlock(h);
	memseg_external_remove((unsigned int)(msl - malloc_st.mcfg->memsegs));
	rc = 0;
out:
	memseg_write_unlock();
	return rc;
}

int
hm_malloc_heap_get_socket(const char *name)
{
	struct malloc_heap *h = NULL;
	int rc;

	if (malloc_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	rc = check_name(name);
	if (rc < 0)
		return rc;
	h = lookup_by_name(name);
	if (h == NULL)
		return hm_fail(ENOENT, "no heap named '%s'", name);
	return h->socket_id;
}

int
hm_malloc_heap_socket_is_external(int socket)
{
	struct malloc_heap *h = NULL;

	if (malloc_st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	h = lookup_by_socket(socket);
	return h != NULL && h->kind == HEAP_EXTERNAL;
}

void
ext_heap_forget_all(void)
{
	struct hm_mem_config *mcfg = malloc_st.mcfg;

	/* external memory is the user's: forget its lists */
	if (memseg_write_lock() == 0) {
		for (unsigned int li = 0; li < mcfg->n_lists; li++)
			if (mcfg->memsegs[li].len != 0 && mcfg->memsegs[li].external)
				memseg_external_remove(li);
		memseg_write_unlock();
	}
}
