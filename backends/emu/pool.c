/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu frame pools: the frames of one (page size, node) pool, which of them this
 * process has mapped, where, and their synthetic physical addresses.
 *
 * Frames are grouped in chunks of EMU_CHUNK; a chunk's tables (free bits, PA
 * and VA per frame) are built when a frame of it is first taken, so a topology
 * of 2^20 frames in each of 96 pools costs a pointer per chunk until pages are
 * mapped (it cost 800 MB of PA tables before). Each chunk's PAs depend only on
 * (seed, pool id, chunk index), so they come out the same whenever it is built:
 *   contig:     frame f at offset f
 *   shuffled:   chunk c covers the offsets of window w(c) (a seeded permutation
 *               of the full chunks; a short last chunk keeps the last window),
 *               shuffled inside it (Fisher-Yates): the pool's offsets are
 *               exactly 0 .. total-1
 *   fragmented: chunk c starts at offset 2 * EMU_CHUNK * c: runs of 1-4
 *               consecutive frames separated by gaps of 1-3, the gaps cut short
 *               where the chunk would outgrow its 2 * EMU_CHUNK window
 * A pool of at most EMU_CHUNK frames lays out exactly as it did when the whole
 * pool was shuffled or fragmented at once (same seed, same PAs).
 *
 * Invariants (emu_pool_check):
 *   in_use == number of clear free bits in the built chunks
 *   va[i] != NULL  <=>  frame i's free bit is clear
 *   no free frame in a word below hint (unbuilt chunks are all free)
 *   base <= pa[i] < end and pa[i] % page_sz == 0 for every built frame
 */
#include <inttypes.h>
#include <string.h>

#include "emu_i.h"

#define CHUNK_WORDS (EMU_CHUNK / 64)

_Static_assert(EMU_CHUNK % 64 == 0, "chunks hold whole bitmap words");
_Static_assert(HM_EMU_MAX_PAGES / EMU_CHUNK <= UINT32_MAX, "chunk count fits");

static uint32_t
chunk_len(const struct pool *pool, uint32_t c)
{
	uint32_t left = pool->total - c * EMU_CHUNK;

	return left < EMU_CHUNK ? left : EMU_CHUNK;
}

/* The PRNG state a chunk's layout starts from; chunk 0 keeps the historic seed. */
static uint64_t
chunk_rng(const struct pool *pool, uint32_t c)
{
	uint64_t rng = pool->seed ^ ((uint64_t)(pool->id + 1) << 32);

	return c == 0 ? rng : rng ^ (uint64_t)c * 0xd1b54a32d192ed03ULL;
}

/*
 * Offsets (in pages from pool->base) of chunk @p c's frames into @p off (NULL:
 * compute only the end). @return one past the last offset the chunk's window uses.
 */
static uint64_t
chunk_layout(const struct pool *pool, uint32_t c, uint64_t *off)
{
	uint32_t n = chunk_len(pool, c);
	uint64_t rng = chunk_rng(pool, c), o, start, lim;

	switch (pool->layout) {
	case HM_EMU_IOVA_SHUFFLED:
		o = (uint64_t)pool->window[c] * EMU_CHUNK;
		if (off != NULL) {
			for (uint32_t i = 0; i < n; i++)
				off[i] = i;
			for (uint32_t i = n; i > 1; i--) { /* Fisher-Yates */
				uint32_t j = (uint32_t)(emu_rng_next(&rng) % i);
				uint64_t tmp = off[i - 1];
				off[i - 1] = off[j];
				off[j] = tmp;
			}
			for (uint32_t i = 0; i < n; i++)
				off[i] += o;
		}
		return o + n;
	case HM_EMU_IOVA_FRAGMENTED:
		start = o = (uint64_t)c * 2 * EMU_CHUNK;
		lim = start + 2 * EMU_CHUNK;
		for (uint32_t i = 0; i < n;) {
			uint32_t run = 1 + (uint32_t)(emu_rng_next(&rng) % 4);
			uint64_t gap;
			for (uint32_t r = 0; r < run && i < n; r++, i++, o++)
				if (off != NULL)
					off[i] = o;
			gap = 1 + emu_rng_next(&rng) % 3;
			/* keep room for the frames still to come inside the window */
			if (o + gap + (n - i) > lim)
				gap = lim - o - (n - i);
			o += gap;
		}
		return o;
	case HM_EMU_IOVA_CONTIG:
	default:
		o = (uint64_t)c * EMU_CHUNK;
		for (uint32_t i = 0; off != NULL && i < n; i++)
			off[i] = o + i;
		return o + n;
	}
}

int
emu_pool_init(struct pool *pool, uint64_t page_sz, uint32_t total, unsigned int id,
	      enum hm_emu_iova_layout layout, uint64_t seed, uint64_t base)
{
	uint64_t end_off;

	memset(pool, 0, sizeof(*pool));
	pool->page_sz = page_sz;
	pool->total = total;
	pool->id = id;
	pool->layout = layout;
	pool->seed = seed;
	pool->base = base;
	pool->n_chunks = (uint32_t)(((uint64_t)total + EMU_CHUNK - 1) / EMU_CHUNK);
	if (total == 0) {
		pool->end = base + page_sz;
		return 0;
	}
	pool->chunks = calloc(pool->n_chunks, sizeof(*pool->chunks));
	if (layout == HM_EMU_IOVA_SHUFFLED)
		pool->window = malloc(pool->n_chunks * sizeof(*pool->window));
	if (pool->chunks == NULL || (layout == HM_EMU_IOVA_SHUFFLED && pool->window == NULL)) {
		emu_pool_fini(pool);
		return hm_fail(ENOMEM, "emu: out of memory for a pool of %" PRIu32 " frames", total);
	}
	if (pool->window != NULL) {
		uint32_t full = total / EMU_CHUNK;
		uint64_t rng = chunk_rng(pool, 0) ^ 0x77696e646f77ULL; /* "window" */
		for (uint32_t c = 0; c < pool->n_chunks; c++)
			pool->window[c] = c;
		for (uint32_t i = full; i > 1; i--) {
			uint32_t j = (uint32_t)(emu_rng_next(&rng) % i);
			uint32_t tmp = pool->window[i - 1];
			pool->window[i - 1] = pool->window[j];
			pool->window[j] = tmp;
		}
	}
	end_off = layout == HM_EMU_IOVA_FRAGMENTED ? chunk_layout(pool, pool->n_chunks - 1, NULL) :
		  total;
	pool->end = base + end_off * page_sz;
	return 0;
}

void
emu_pool_fini(struct pool *pool)
{
	for (uint32_t c = 0; pool->chunks != NULL && c < pool->n_chunks; c++)
		free(pool->chunks[c]);
	free(pool->chunks);
	free(pool->window);
	pool->chunks = NULL;
	pool->window = NULL;
}

/* Build chunk @p c: every frame free, PAs laid out. NULL on ENOMEM. */
static struct pool_chunk *
chunk_build(struct pool *pool, uint32_t c)
{
	uint32_t n = chunk_len(pool, c);
	struct pool_chunk *ch;

	ch = calloc(1, sizeof(*ch) + n * (sizeof(uint64_t) + sizeof(void *)));
	if (ch == NULL)
		return hm_fail_ptr(ENOMEM, "emu: out of memory for the frame table of a %" PRIu64
				   "-byte page pool", pool->page_sz);
	ch->len = n;
	ch->pa = (uint64_t *)(void *)(ch + 1);
	ch->va = (void **)(void *)(ch->pa + n);
	chunk_layout(pool, c, ch->pa);
	for (uint32_t i = 0; i < n; i++)
		ch->pa[i] = pool->base + ch->pa[i] * pool->page_sz;
	for (uint32_t w = 0; w < (n + 63) / 64; w++)
		ch->free[w] = ~0ULL;
	if (n % 64 != 0)
		ch->free[n / 64] = (1ULL << (n % 64)) - 1;
	pool->chunks[c] = ch;
	return ch;
}

int64_t
emu_pool_take(struct pool *pool)
{
	uint32_t words = (uint32_t)(((uint64_t)pool->total + 63) / 64);

	for (uint32_t w = pool->hint; w < words;) {
		uint32_t c = w / CHUNK_WORDS, last = (c + 1) * CHUNK_WORDS;
		struct pool_chunk *ch = pool->chunks[c];

		if (ch == NULL && (ch = chunk_build(pool, c)) == NULL)
			return -2;
		for (; w < words && w < last; w++) {
			uint64_t *bits = &ch->free[w % CHUNK_WORDS];
			if (*bits != 0) {
				unsigned int b = (unsigned int)__builtin_ctzll(*bits);
				*bits &= ~(1ULL << b);
				pool->hint = w;
				pool->in_use++;
				return (int64_t)w * 64 + b;
			}
		}
	}
	pool->hint = words;
	return -1;
}

void
emu_pool_put(struct pool *pool, uint32_t frame)
{
	struct pool_chunk *ch = pool->chunks[frame / EMU_CHUNK];
	uint32_t i = frame % EMU_CHUNK;

	HM_ASSERT(frame < pool->total && pool->in_use > 0 && ch != NULL);
	HM_ASSERT(((ch->free[i / 64] >> (i % 64)) & 1) == 0 && "double free");
	ch->free[i / 64] |= 1ULL << (i % 64);
	ch->va[i] = NULL;
	pool->in_use--;
	if (frame / 64 < pool->hint)
		pool->hint = frame / 64;
}

void **
emu_pool_va(const struct pool *pool, uint32_t frame)
{
	struct pool_chunk *ch;

	if (frame >= pool->total || (ch = pool->chunks[frame / EMU_CHUNK]) == NULL)
		return NULL;
	return &ch->va[frame % EMU_CHUNK];
}

int
emu_pool_pa(struct pool *pool, uint32_t frame, uint64_t *pa)
{
	struct pool_chunk *ch = pool->chunks[frame / EMU_CHUNK];

	HM_ASSERT(frame < pool->total);
	if (ch == NULL && (ch = chunk_build(pool, frame / EMU_CHUNK)) == NULL)
		return -ENOMEM;
	*pa = ch->pa[frame % EMU_CHUNK];
	return 0;
}

bool
emu_pool_check(const struct pool *pool)
{
	uint32_t used = 0;

	for (uint32_t c = 0; c < pool->n_chunks; c++) {
		const struct pool_chunk *ch = pool->chunks[c];
		if (ch == NULL)
			continue; /* all free: the hint may not point past it */
		if (ch->len != chunk_len(pool, c))
			return false;
		for (uint32_t i = 0; i < ch->len; i++) {
			uint32_t f = c * EMU_CHUNK + i;
			bool is_free = (ch->free[i / 64] >> (i % 64)) & 1;
			if (is_free != (ch->va[i] == NULL))
				return false;
			if (is_free && f / 64 < pool->hint)
				return false;
			if (ch->pa[i] < pool->base || ch->pa[i] >= pool->end ||
			    ch->pa[i] % pool->page_sz != 0)
				return false;
			used += !is_free;
		}
		if (ch->len % 64 != 0 && (ch->free[ch->len / 64] >> (ch->len % 64)) != 0)
			return false;
	}
	for (uint32_t c = 0; c < pool->n_chunks; c++)
		if (pool->chunks[c] == NULL && c * CHUNK_WORDS < pool->hint)
			return false;
	return used == pool->in_use;
}
