/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap split/merge over a plain buffer, against a shadow model: bytes become
 * aligned and bounded allocations, reallocations and frees (some of them invalid
 * on purpose: double frees, interior and foreign pointers). After every
 * operation hm_heap_check must pass, every valid call must keep the live blocks'
 * contents and placement rules, and every invalid call must fail and change
 * nothing. At the end everything is freed and the heap must be one free block.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/malloc.h"

#define BUF_SZ (4u << 20)
#define SLOTS 64

static _Alignas(4096) uint8_t buf[BUF_SZ];

struct live {
	uint8_t *p;
	size_t size;
	uint8_t fill;
};

static void
verify(const struct live *l)
{
	for (size_t i = 0; i < l->size; i += 1 + l->size / 16)
		if (l->p[i] != l->fill)
			abort();
	if (l->size > 0 && l->p[l->size - 1] != l->fill)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct live live[SLOTS];
	struct hm_malloc_socket_stats st0, st;
	struct hm_heap *h;
	const char *why;

	if (size > 1 << 14)
		return 0;
	memset(live, 0, sizeof(live));
	/* heap size from the first byte: 64 KiB .. 4 MiB */
	size_t hsz = size > 0 ? ((size_t)data[0] % 64 + 1) << 16 : BUF_SZ;
	h = hm_heap_init(buf, hsz, "fuzz");
	if (h == NULL || hm_heap_stats(h, &st0) != 0)
		abort();
	for (size_t i = 1; i + 4 <= size; i += 4) {
		const uint8_t *d = data + i;
		struct live *l = &live[d[1] % SLOTS];
		size_t sz = ((size_t)d[2] << 8 | d[3]) % 20000 + 1;
		size_t align = (d[0] & 0x70) ? (size_t)1 << (4 + ((d[0] >> 4) & 7) * 2) : 0;
		size_t bound = 0;

		switch (d[0] & 7) {
		case 0: case 1: case 2: /* allocate, sometimes with a bound */
			if (l->p != NULL)
				break;
			if (d[0] & 8) {
				bound = 1;
				while (bound < sz)
					bound <<= 1;
				bound <<= d[1] & 3;
			}
			l->p = hm_heap_alloc(h, "fz", sz, align, bound);
			if (l->p == NULL)
				break; /* full: fine */
			if (align > 64 && ((uintptr_t)l->p & (align - 1)) != 0)
				abort();
			if (bound != 0 && ((uintptr_t)l->p / bound) != (((uintptr_t)l->p + sz - 1) / bound))
				abort();
			size_t usable = 0;
			if (hm_heap_usable(h, l->p, &usable) != 0 || usable < sz)
				abort();
			l->size = sz;
			l->fill = d[2];
			memset(l->p, l->fill, sz);
			break;
		case 3: case 4: /* free */
			if (l->p == NULL)
				break;
			verify(l);
			if (hm_heap_free(h, l->p) != 0)
				abort();
			if (hm_heap_free(h, l->p) != -22) /* double free is refused */
				abort();
			l->p = NULL;
			break;
		case 5: { /* realloc: contents up to min(old, new) survive */
			if (l->p == NULL)
				break;
			uint8_t *n = hm_heap_realloc(h, l->p, sz, 0);
			if (n == NULL) {
				verify(l); /* failure leaves the block alone */
				break;
			}
			size_t keep = l->size < sz ? l->size : sz;
			for (size_t k = 0; k < keep; k += 1 + keep / 16)
				if (n[k] != l->fill)
					abort();
			l->p = n;
			l->size = sz;
			memset(n, l->fill, sz);
			break;
		}
		case 6: /* invalid frees change nothing */
			if (l->p != NULL && hm_heap_free(h, l->p + 64) == 0)
				abort();
			if (hm_heap_free(h, buf + BUF_SZ - 64) == 0 && hsz < BUF_SZ - 4096)
				abort();
			break;
		default: /* check every live block */
			for (unsigned int k = 0; k < SLOTS; k++)
				if (live[k].p != NULL)
					verify(&live[k]);
			break;
		}
		if (hm_heap_check(h, &why) != 0)
			abort();
	}
	for (unsigned int k = 0; k < SLOTS; k++)
		if (live[k].p != NULL) {
			verify(&live[k]);
			if (hm_heap_free(h, live[k].p) != 0)
				abort();
		}
	/* everything coalesced back into one free element */
	if (hm_heap_check(h, &why) != 0 || hm_heap_stats(h, &st) != 0 || st.alloc_count != 0 ||
	    st.free_count != 1 || st.heap_freesz_bytes != st0.heap_freesz_bytes)
		abort();
	hm_heap_fini(h);
	return 0;
}
