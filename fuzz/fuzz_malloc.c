/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Native heaps, external memory and memzones on a running hugemem (emu backend,
 * 2 nodes, in-memory, started once): bytes become malloc / zmalloc / calloc /
 * realloc / free on either node, external-heap memory add and remove, memzone
 * reserve and free, and invalid frees (a memzone's memory among them). After
 * every operation hm_malloc_check and hm_memzone_check must pass, zeroed
 * allocations must read zero and live blocks keep their contents. Small blocks
 * go through the main lcore's malloc cache. Every input ends with everything
 * freed, the cache flushed and the heaps back to their size before it (pages
 * returned).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hugemem/hugemem.h"

#define SLOTS 32
#define EXT_SZ (4u << 20)

static _Alignas(2 << 20) uint8_t ext_mem[EXT_SZ];

struct live {
	uint8_t *p;
	size_t size;
	uint8_t fill;
	const struct hm_memzone *mz;
};

static void
quiet(enum hm_log_level l, const char *m, void *a)
{
	(void)l;
	(void)m;
	(void)a;
}

static void
start(void)
{
	struct hm_config c;

	hm_log_set_hook(quiet, NULL);
	hm_config_init(&c);
	c.backend = "emu";
	c.topology = "nodes=2;2M=64,64;4K=256,256;lcores=0@0,1@1;iova=shuffled;seed=5";
	c.in_memory = true;
	/* a few preallocated (DO_NOT_FREE) pages beside the grown ones: a free
	 * next to them only, with no releasable page in the heap, skips the page
	 * scan; the check recounts the releasable pages after every operation */
	c.memory = 4u << 20;
	c.max_memzones = 64;
	c.malloc_cache = 4; /* tiny lcore cache: refills and give-backs every few ops */
	if (hm_init_config(&c) != 0)
		abort();
	if (hm_malloc_heap_create("ext") != 0)
		abort();
}

static void
check(void)
{
	const char *why;

	if (hm_malloc_check(&why) != 0 || hm_memzone_check(&why) != 0)
		abort();
}

static void
verify(const struct live *l)
{
	for (size_t i = 0; i < l->size; i += 1 + l->size / 8)
		if (l->p[i] != l->fill)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	struct live live[SLOTS];
	int64_t mapped0, mapped1;
	bool ext_added = false;
	int ext_socket;

	if (!started) {
		start();
		started = true;
	}
	if (size > 4096)
		return 0;
	memset(live, 0, sizeof(live));
	mapped0 = hm_memseg_mapped_bytes(0);
	mapped1 = hm_memseg_mapped_bytes(1);
	ext_socket = hm_malloc_heap_get_socket("ext");
	for (size_t i = 0; i + 4 <= size; i += 4) {
		const uint8_t *d = data + i;
		struct live *l = &live[d[1] % SLOTS];
		size_t sz = (((size_t)d[2] << 8) | d[3]) * ((d[0] & 0x80) ? 64 : 1) + 1;
		int socket = (d[0] >> 3) & 3; /* 0, 1, 2 = ANY, 3 = the external heap */
		socket = socket == 2 ? HM_SOCKET_ID_ANY : socket == 3 ? ext_socket : socket;
		unsigned int align = (d[0] & 0x40) ? 64u << (d[1] % 8) : 0;

		switch (d[0] & 7) {
		case 0: case 1: /* malloc / zmalloc / calloc */
			if (l->p != NULL)
				break;
			if (d[1] & 1)
				l->p = hm_zmalloc_socket("fz", sz, align, socket);
			else if (d[1] & 2)
				l->p = hm_calloc_socket("fz", sz, 1, align, socket);
			else
				l->p = hm_malloc_socket("fz", sz, align, socket);
			if (l->p == NULL)
				break;
			if ((d[1] & 3) != 0)
				for (size_t k = 0; k < sz; k += 1 + sz / 64)
					if (l->p[k] != 0)
						abort();
			if (align != 0 && ((uintptr_t)l->p & (align - 1)) != 0)
				abort();
			l->size = sz;
			l->fill = d[2] | 1;
			memset(l->p, l->fill, sz);
			break;
		case 2: /* free (and a refused double free) */
			if (l->p == NULL)
				break;
			verify(l);
			if (hm_free(l->p) != 0 || hm_free(l->p) == 0)
				abort();
			l->p = NULL;
			break;
		case 3: { /* realloc */
			if (l->p == NULL)
				break;
			uint8_t *n = hm_realloc(l->p, sz, 0);
			if (n == NULL) {
				verify(l);
				break;
			}
			size_t keep = l->size < sz ? l->size : sz;
			for (size_t k = 0; k < keep; k += 1 + keep / 8)
				if (n[k] != l->fill)
					abort();
			l->p = n;
			l->size = sz;
			memset(n, l->fill, sz);
			break;
		}
		case 4: /* external memory: add, or remove (refused while in use) */
			if (!ext_added) {
				hm_iova_t iova[EXT_SZ >> 21];
				for (unsigned int k = 0; k < EXT_SZ >> 21; k++)
					iova[k] = 0x7000000000ULL + ((uint64_t)(k * 7 % 2) << 21);
				if (hm_malloc_heap_memory_add("ext", ext_mem, EXT_SZ,
							      (d[1] & 1) ? iova : NULL, EXT_SZ >> 21,
							      2u << 20) != 0)
					abort();
				ext_added = true;
			} else {
				int rc = hm_malloc_heap_memory_remove("ext", ext_mem, EXT_SZ);
				if (rc == 0)
					ext_added = false;
				else if (rc != -16 /* EBUSY */)
					abort();
			}
			break;
		case 5: { /* memzone reserve / free */
			char name[32];
			snprintf(name, sizeof(name), "z%u", d[1] % SLOTS);
			if (l->mz == NULL) {
				l->mz = hm_memzone_reserve_aligned(name, sz, socket == ext_socket ?
								   HM_SOCKET_ID_ANY : socket,
								   (d[1] & 4) ? HM_MEMZONE_IOVA_CONTIG : 0,
								   align);
				if (l->mz != NULL && hm_memzone_lookup(name) != l->mz)
					abort();
			} else {
				if (hm_memzone_free(l->mz) != 0)
					abort();
				l->mz = NULL;
				if (hm_memzone_lookup(name) != NULL)
					abort();
			}
			break;
		}
		default: /* invalid frees change nothing; sometimes the cache gives back */
			if ((d[1] & 0x30) == 0x30 && hm_malloc_cache_flush() < 0)
				abort();
			if (l->p != NULL && (hm_free(l->p + 64) == 0 || hm_free(l->p + 8) == 0))
				abort();
			/* misaligned, or not heap memory at all: never an allocation */
			if (hm_free(ext_mem + 8) == 0 || hm_free(&live) == 0)
				abort();
			/* a memzone's memory is the zone's: refused, the zone stays */
			if (l->mz != NULL &&
			    (hm_free(l->mz->addr) != -22 /* EINVAL */ ||
			     hm_malloc_validate(l->mz->addr, NULL) != -22 ||
			     hm_realloc(l->mz->addr, sz, 0) != NULL ||
			     hm_memzone_lookup(l->mz->name) != l->mz))
				abort();
			break;
		}
		check();
	}
	for (unsigned int k = 0; k < SLOTS; k++) {
		if (live[k].p != NULL) {
			verify(&live[k]);
			if (hm_free(live[k].p) != 0)
				abort();
		}
		if (live[k].mz != NULL && hm_memzone_free(live[k].mz) != 0)
			abort();
	}
	if (ext_added && hm_malloc_heap_memory_remove("ext", ext_mem, EXT_SZ) != 0)
		abort();
	/* the main lcore's malloc cache gives its blocks back, then the heaps are empty */
	if (hm_malloc_cache_flush() < 0)
		abort();
	check();
	/* every page the input made the heaps map went back */
	if (hm_memseg_mapped_bytes(0) != mapped0 || hm_memseg_mapped_bytes(1) != mapped1)
		abort();
	return 0;
}
