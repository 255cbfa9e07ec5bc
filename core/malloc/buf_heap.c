/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stand-alone heaps over a caller's buffer (no hm_init, no backend, no memseg):
 * the heap's state sits at the start of the buffer, the rest is one expansion
 * of elements with msl_idx MSL_NONE. Used by fuzzers and by users who want the
 * allocator over plain memory. Needs heap.c only.
 */
#include <string.h>

#include "heap_i.h"

#define BUF_HEAP(x) ((struct malloc_heap *)(void *)(x))

struct hm_heap *
hm_heap_init(void *buf, size_t len, const char *name)
{
	uintptr_t start = (uintptr_t)buf, mem;
	struct malloc_heap *h = buf;

	if (buf == NULL || name == NULL || (start & (MALLOC_ALIGN - 1)) != 0)
		return hm_fail_ptr(EINVAL, "heap init: NULL buffer or name, or buffer not 64-byte "
				   "aligned");
	if (strnlen(name, HM_MALLOC_HEAP_NAME_LEN) == HM_MALLOC_HEAP_NAME_LEN)
		return hm_fail_ptr(EINVAL, "heap init: name too long");
	mem = HM_ALIGN_CEIL(start + sizeof(*h), MALLOC_ALIGN);
	if (len < mem - start + MIN_ELEM_SIZE || len > (1ULL << 46))
		return hm_fail_ptr(EINVAL, "heap init: %zu bytes cannot hold the heap and one "
				   "allocation (need %zu)", len,
				   (size_t)(mem - start + MIN_ELEM_SIZE));
	heap_init(h, HEAP_BUFFER, HM_SOCKET_ID_ANY, name);
	h->buf_start = mem;
	h->buf_len = HM_ALIGN_FLOOR(start + len - mem, MALLOC_ALIGN);
	heap_add_memory(h, (void *)mem, h->buf_len, MSL_NONE, true);
	return (struct hm_heap *)h;
}

void
hm_heap_fini(struct hm_heap *heap)
{
	if (heap != NULL)
		memset(BUF_HEAP(heap), 0, sizeof(struct malloc_heap));
}

static bool
buf_heap_ok(const struct hm_heap *heap)
{
	return heap != NULL && BUF_HEAP(heap)->kind == HEAP_BUFFER;
}

/* Element of @p ptr in buffer heap @p h, validated. */
static struct malloc_elem *
buf_lookup(struct malloc_heap *h, const void *ptr)
{
	struct malloc_elem *e;
	uintptr_t p = (uintptr_t)ptr;

	if (p < h->buf_start + ELEM_HEADER_LEN || p >= h->buf_start + h->buf_len)
		return hm_fail_ptr(EINVAL, "%p is not inside heap %s", ptr, h->name);
	e = elem_from_data(ptr);
	if (e != NULL && e->heap != h)
		return hm_fail_ptr(EINVAL, "%p belongs to another heap", ptr);
	return e;
}

void *
hm_heap_alloc(struct hm_heap *heap, const char *type, size_t size, size_t align, size_t bound)
{
	struct malloc_heap *h = BUF_HEAP(heap);
	struct alloc_req r;
	void *p;

	if (!buf_heap_ok(heap))
		return hm_fail_ptr(EINVAL, "heap alloc: not a heap");
	if (heap_make_req(&r, type, size, align, bound) < 0)
		return NULL;
	hm_spinlock_lock(&h->lock);
	p = heap_alloc(h, &r);
	hm_spinlock_unlock(&h->lock);
	if (p == NULL)
		return hm_fail_ptr(ENOMEM, "heap %s: no %zu bytes (align %zu, bound %zu)", h->name,
				   size, align, bound);
	return p;
}

int
hm_heap_free(struct hm_heap *heap, void *ptr)
{
	struct malloc_heap *h = BUF_HEAP(heap);
	struct malloc_elem *e;

	if (ptr == NULL)
		return 0;
	if (!buf_heap_ok(heap))
		return hm_fail(EINVAL, "heap free: not a heap");
	e = buf_lookup(h, ptr);
	if (e == NULL)
		return -hm_errno;
	hm_spinlock_lock(&h->lock);
	if (e->state != ELEM_BUSY) {
		hm_spinlock_unlock(&h->lock);
		return hm_fail(EINVAL, "double free of %p", ptr);
	}
	heap_free_elem(e);
	hm_spinlock_unlock(&h->lock);
	return 0;
}

void *
hm_heap_realloc(struct hm_heap *heap, void *ptr, size_t size, size_t align)
{
	struct malloc_heap *h = BUF_HEAP(heap);
	struct malloc_elem *e;
	struct alloc_req r;
	bool ok;
	void *n;

	if (!buf_heap_ok(heap))
		return hm_fail_ptr(EINVAL, "heap realloc: not a heap");
	if (ptr == NULL)
		return hm_heap_alloc(heap, NULL, size, align, 0);
	if (heap_make_req(&r, NULL, size, align, 0) < 0)
		return NULL;
	e = buf_lookup(h, ptr);
	if (e == NULL)
		return NULL;
	hm_spinlock_lock(&h->lock);
	ok = e->state == ELEM_BUSY && ((uintptr_t)ptr & (r.align - 1)) == 0 &&
	     heap_resize_in_place(e, r.size, size);
	hm_spinlock_unlock(&h->lock);
	if (ok)
		return ptr;
	uint64_t old = elem_user_size(e);
	n = hm_heap_alloc(heap, e->busy.type, size, align, 0);
	if (n == NULL)
		return NULL;
	memcpy(n, ptr, old < size ? old : size);
	hm_heap_free(heap, ptr);
	return n;
}

int
hm_heap_usable(struct hm_heap *heap, const void *ptr, size_t *size)
{
	struct malloc_elem *e;

	if (!buf_heap_ok(heap))
		return hm_fail(EINVAL, "heap: not a heap");
	e = buf_lookup(BUF_HEAP(heap), ptr);
	if (e == NULL)
		return -hm_errno;
	if (size != NULL)
		*size = elem_user_size(e);
	return 0;
}

int
hm_heap_stats(struct hm_heap *heap, struct hm_malloc_socket_stats *stats)
{
	if (!buf_heap_ok(heap) || stats == NULL)
		return hm_fail(EINVAL, "heap stats: not a heap, or NULL output");
	hm_spinlock_lock(&BUF_HEAP(heap)->lock);
	heap_stats(BUF_HEAP(heap), stats);
	hm_spinlock_unlock(&BUF_HEAP(heap)->lock);
	return 0;
}

int
hm_heap_check(struct hm_heap *heap, const char **reason)
{
	const char *why;
	int rc;

	if (!buf_heap_ok(heap))
		return hm_fail(EINVAL, "heap check: not a heap");
	hm_spinlock_lock(&BUF_HEAP(heap)->lock);
	rc = heap_check(BUF_HEAP(heap), &why, NULL);
	hm_spinlock_unlock(&BUF_HEAP(heap)->lock);
	if (rc < 0) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "heap %s is corrupt: %s", BUF_HEAP(heap)->name, why);
	}
	return 0;
}

void
hm_heap_dump(struct hm_heap *heap, FILE *f)
{
	if (!buf_heap_ok(heap) || f == NULL)
		return;
	hm_spinlock_lock(&BUF_HEAP(heap)->lock);
	heap_dump(BUF_HEAP(heap), f, true, NULL);
	hm_spinlock_unlock(&BUF_HEAP(heap)->lock);
}
