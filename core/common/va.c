/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual address reservation. Everything hugemem shares between processes
 * (config, fbarrays, memseg lists) sits at addresses chosen here, so that a later
 * process can map the same objects at the same VA. Reservations start at a
 * process-wide running hint (4 GiB, or --base-virtaddr) and move upward; when the
 * kernel cannot honour the hint (ASan's shadow covers that range, or something is
 * already mapped there) we retry a few steps higher, then at the alternate base
 * (32 TiB: ASan's shadow owns the default range and leaves this one free in every
 * ASan process, so that secondaries find the primary's range free too; TSan
 * processes keep the default), then let the kernel pick.
 * An exact request (a secondary mapping a primary's object) never falls back.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common_i.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define HINT_RETRIES 5

/* The running hint, shared by every thread of the process. */
static uint64_t next_base = HM_VA_BASE_DEFAULT;
static pthread_mutex_t hint_lock = PTHREAD_MUTEX_INITIALIZER;

size_t
hm_sys_page_size(void)
{
	static size_t pg;

	if (pg == 0)
		pg = (size_t)sysconf(_SC_PAGESIZE);
	return pg;
}

void
hm_va_set_base(uint64_t base)
{
	pthread_mutex_lock(&hint_lock);
	next_base = base != 0 ? base : HM_VA_BASE_DEFAULT;
	pthread_mutex_unlock(&hint_lock);
}

static void *
map_none(void *addr, size_t len, int extra)
{
	void *p = mmap(addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | extra, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Trim an over-sized reservation [p, p+len) to an aligned [r, r+size). */
static void *
trim(void *p, size_t len, size_t size, size_t align)
{
	uintptr_t b = (uintptr_t)p, r = HM_ALIGN_CEIL(b, align);

	if (r > b)
		munmap(p, r - b);
	if (b + len > r + size)
		munmap((void *)(r + size), b + len - (r + size));
	return (void *)r;
}

void *
hm_va_reserve(void *requested, size_t size, size_t align, unsigned int flags)
{
	size_t pg = hm_sys_page_size(), len;
	void *p;

	if (size == 0 || (size & (pg - 1)) != 0 || !HM_IS_POWER_OF_2(align))
		return hm_fail_ptr(EINVAL, "VA reservation of %zu bytes aligned %zu is invalid",
				   size, align);
	if (align < pg)
		align = pg;
	if (flags & HM_VA_EXACT) {
		if (requested == NULL || ((uintptr_t)requested & (align - 1)) != 0)
			return hm_fail_ptr(EINVAL, "exact VA %p is not aligned to %zu",
					   requested, align);
		p = map_none(requested, size, MAP_FIXED_NOREPLACE);
		if (p != NULL && p != requested) { /* kernels before 4.17 ignore the flag */
			munmap(p, size);
			p = NULL;
		}
		if (p == NULL)
			return hm_fail_ptr(EADDRNOTAVAIL,
					   "cannot reserve %zu bytes at exactly %p: the range is in use "
					   "in this process (try --base-virtaddr)", size, requested);
		madvise(p, size, MADV_DONTDUMP);
		return p;
	}
	if (size > SIZE_MAX - align)
		return hm_fail_ptr(ENOMEM, "VA reservation of %zu bytes is too large", size);
	len = size + (align > pg ? align : 0);

	pthread_mutex_lock(&hint_lock);
	uint64_t hint = requested != NULL ? (uint64_t)(uintptr_t)requested : next_base;
	/* the running hint, then (not asked for a place) the alternate base */
	for (int round = 0; round < (requested == NULL ? 2 : 1); round++) {
		if (round == 1)
			hint = next_base < HM_VA_BASE_ALT ? HM_VA_BASE_ALT : next_base;
		for (int i = 0; i < HINT_RETRIES; i++) {
			uint64_t h = HM_ALIGN_CEIL(hint, (uint64_t)align);
			p = map_none((void *)(uintptr_t)h, size, MAP_FIXED_NOREPLACE);
			if (p == (void *)(uintptr_t)h) {
				if (requested == NULL)
					next_base = h + size;
				goto done;
			}
			if (p != NULL)
				munmap(p, size);
			hint = h + size; /* skip past whatever sits there */
		}
		if (round == 1 || requested != NULL)
			break;
	}
	/* The kernel picks (a secondary may then find the range taken). */
	p = map_none(NULL, len, 0);
	if (p != NULL)
		p = trim(p, len, size, align);
done:
	pthread_mutex_unlock(&hint_lock);
	if (p == NULL)
		return hm_fail_ptr(ENOMEM, "cannot reserve %zu bytes of address space", size);
	madvise(p, size, MADV_DONTDUMP);
	return p;
}

void
hm_va_release(void *addr, size_t size)
{
	if (addr != NULL && size != 0)
		munmap(addr, size);
}

int
hm_va_rereserve(void *addr, size_t size)
{
	if (map_none(addr, size, MAP_FIXED) != addr)
		return hm_fail(errno, "cannot re-reserve VA hole at %p (+%zu)", addr, size);
	madvise(addr, size, MADV_DONTDUMP);
	return 0;
}
