/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Page geometry of the memory native and external heaps manage, read from the
 * memseg lists: the page size under an element, whether a range is IOVA-
 * contiguous, whether a page size is one the HM_MEMZONE_ page-size flags name.
 * The heap algorithms (heap.c) learn these through malloc_pages, the
 * struct heap_pages that requests on native and external heaps carry; growth
 * (grow.c) uses them directly.
 */
#include "malloc_i.h"
#include "memseg_i.h"
#include "hugemem/memzone.h"

uint64_t
malloc_msl_page_sz(uint16_t msl_idx)
{
	const struct hm_memseg_list *msl = msl_idx == MSL_NONE ? NULL : memseg_list_at(msl_idx);
	return msl != NULL ? msl->page_sz : 0;
}

bool
malloc_iova_contig(uint16_t msl_idx, const void *p, uint64_t len)
{
	const struct hm_memseg_list *msl;

	if (msl_idx == MSL_NONE)
		return true; /* buffer heaps: IOVA is VA */
	msl = memseg_list_at(msl_idx);
	if (msl == NULL)
		return false;
	if (!msl->external && hm_memseg_iova_is_va() == 1)
		return true;
	/* external memory without IOVAs is never contiguous */
	const struct hm_memseg *ms = hm_mem_virt2memseg(p, msl);
	if (ms == NULL || ms->iova == HM_BAD_IOVA)
		return false;
	return hm_memseg_is_iova_contig(msl, p, len) == 1;
}

static const struct {
	uint32_t flag;
	uint64_t page_sz;
} pg_flags[] = {
	{ HM_MEMZONE_256KB, 256ULL << 10 }, { HM_MEMZONE_2MB, 2ULL << 20 },
	{ HM_MEMZONE_16MB, 16ULL << 20 },   { HM_MEMZONE_256MB, 256ULL << 20 },
	{ HM_MEMZONE_512MB, 512ULL << 20 }, { HM_MEMZONE_1GB, 1ULL << 30 },
	{ HM_MEMZONE_4GB, 4ULL << 30 },     { HM_MEMZONE_16GB, 16ULL << 30 },
};

bool
malloc_flags_allow(uint32_t flags, uint64_t page_sz)
{
	for (size_t i = 0; i < sizeof(pg_flags) / sizeof(pg_flags[0]); i++)
		if ((flags & pg_flags[i].flag) && pg_flags[i].page_sz == page_sz)
			return true;
	return false;
}

bool
malloc_pgsz_match(uint16_t msl_idx, uint32_t flags)
{
	return malloc_flags_allow(flags, malloc_msl_page_sz(msl_idx));
}

const struct heap_pages malloc_pages = {
	.page_sz = malloc_msl_page_sz,
	.iova_contig = malloc_iova_contig,
	.pgsz_match = malloc_pgsz_match,
};
