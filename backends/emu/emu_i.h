/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private declarations shared by the emu backend's files: the number and size
 * parsers that the topology string and the fault spec have in common, fault
 * injection (fault.c) and the frame pools (pool.c).
 */
#ifndef HUGEMEM_EMU_I_H
#define HUGEMEM_EMU_I_H

#include <stdint.h>
#include <stdio.h>

#include "common_i.h"
#include "hugemem/backend.h"
#include "hugemem/emu.h"

/*
 * Parse an emulated page size ("4K", "2M", "1G", any form hm_parse_size takes)
 * that is a power of two in [HM_EMU_MIN_PAGE_SZ, HM_EMU_MAX_PAGE_SZ].
 * @return 0 or -EINVAL; records no message (the caller knows the context).
 */
HM_INTERNAL int emu_parse_page_size(const char *s, uint64_t *out);

/*
 * Parse the decimal @p val of @p what into [min, max]. On failure records
 * "<ctx>: <what> '<val>' is not a decimal number|is out of range (valid: min..max)".
 * @return 0 or -EINVAL.
 */
HM_INTERNAL int emu_parse_num(const char *ctx, const char *what, const char *val,
			      uint64_t min, uint64_t max, uint64_t *out);

/* splitmix64: tiny, seedable with any value (including 0), good enough here. */
static inline uint64_t
emu_rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ---- fault injection (fault.c) ---- */

enum fault_kind { FAULT_NTH, FAULT_EVERY, FAULT_NODE, FAULT_POOL, FAULT_RATE, FAULT_KINDS };

#define NO_LIMIT UINT32_MAX

/* Fault settings and counters of one backend instance (lives in its priv). */
struct fault {
	uint64_t seed;            /* from the topology; restarts the rate PRNG */
	uint64_t nth;             /* N of the pending nth= fault; 0 = none */
	uint64_t nth_left;        /* calls until it fires (1 = the next call); valid if nth */
	uint64_t every;           /* every= period; 0 = off */
	uint64_t every_calls;     /* calls since every= was set; valid if every */
	uint64_t node_mask;       /* bit n: every map on node n fails */
	uint32_t rate;            /* permille, 0 = off */
	uint64_t rng;             /* rate PRNG state; valid if rate */
	uint32_t limit[HM_MAX_PAGE_SIZES][HM_MAX_NUMA_NODES]; /* frames; NO_LIMIT = none */
	uint64_t calls;           /* page_map calls checked since create or clear */
	uint64_t injected[FAULT_KINDS]; /* failures injected, by kind */
};


/* No fault, no limit, counters at zero; @p seed restarts the rate PRNG. */
HM_INTERNAL void emu_fault_clear(struct fault *f, uint64_t seed);
/*
 * Apply @p spec on top of @p f, for a backend whose nodes and sizes @p shape
 * describes. All or nothing: on error @p f is unchanged.
 * @return 0 or -EINVAL naming the bad item.
 */
HM_INTERNAL int emu_fault_apply(struct fault *f, const char *spec, const struct hm_probe *shape);
/*
 * Account one page_map call of a @p page_sz page on @p node and decide whether it
 * fails. Every armed fault advances on every call, whichever one fires.
 * @return 0, or -ENOMEM with "emu: injected fault (<kind>=N) ...".
 */
HM_INTERNAL int emu_fault_on_map(struct fault *f, unsigned int node, uint64_t page_sz);
/* Frames pool (k, node) may have in use, given its @p total. */
HM_INTERNAL uint32_t emu_fault_limit(const struct fault *f, unsigned int k, unsigned int node,
				     uint32_t total);
HM_INTERNAL void emu_fault_dump(const struct fault *f, FILE *out, const struct hm_probe *shape);
/* The fault counters for telemetry (the backend counters op), one emit() each. */
HM_INTERNAL void emu_fault_counters(const struct fault *f,
				    void (*emit)(void *, const char *, uint64_t), void *arg);

/* ---- frame pools (pool.c) ---- */

#define EMU_CHUNK 4096u /* frames per lazily built table chunk */

/* The per-frame tables of EMU_CHUNK consecutive frames (fewer in a pool's last chunk). */
struct pool_chunk {
	uint32_t len;        /* frames in this chunk */
	uint64_t *pa;        /* PA of each frame (len entries, after the struct) */
	void **va;           /* VA of each frame while mapped here, else NULL */
	uint64_t free[EMU_CHUNK / 64]; /* bit i set: frame i free (no bit at or past len) */
};

/*
 * One (page size, node) pool. Its per-frame tables are built a chunk at a time
 * when a frame of the chunk is first taken, so a topology of a million frames
 * per pool costs memory only for the frames in use (and a chunk pointer per
 * EMU_CHUNK frames); a chunk's PAs are a pure function of (seed, pool id, chunk).
 */
struct pool {
	uint64_t page_sz;   /* bytes */
	uint32_t total;     /* frames, from the topology */
	uint32_t in_use;    /* frames mapped by this process */
	uint32_t hint;      /* no free frame in 64-frame words below hint */
	uint64_t base, end; /* PA range holding every frame; [base, end) */
	unsigned int id;    /* pool number (sizes largest first, then nodes) */
	enum hm_emu_iova_layout layout;
	uint64_t seed;      /* the topology's */
	uint32_t n_chunks;  /* ceil(total / EMU_CHUNK) */
	struct pool_chunk **chunks; /* n_chunks entries, NULL until built; NULL if total 0 */
	uint32_t *window;   /* shuffled: PA window of each chunk (a permutation of the
			       full chunks; a short last chunk keeps the last window) */
};

/* Set up @p pool (no frame table yet); its PA range starts at @p base.
 * @return 0 or -ENOMEM with a message. */
HM_INTERNAL int emu_pool_init(struct pool *pool, uint64_t page_sz, uint32_t total,
			      unsigned int id, enum hm_emu_iova_layout layout, uint64_t seed,
			      uint64_t base);
HM_INTERNAL void emu_pool_fini(struct pool *pool);
/* Lowest-index free frame, marked used: >= 0; -1 if none; -2 out of memory
 * for its chunk (a message is recorded). */
HM_INTERNAL int64_t emu_pool_take(struct pool *pool);
/* Give a taken frame back. */
HM_INTERNAL void emu_pool_put(struct pool *pool, uint32_t frame);
/* The VA slot of @p frame (NULL when its chunk was never built: not mapped). */
HM_INTERNAL void **emu_pool_va(const struct pool *pool, uint32_t frame);
/* The PA of @p frame in *pa (its chunk is built if need be: a secondary attaches
 * frames it never took). @return 0 or -ENOMEM with a message. */
HM_INTERNAL int emu_pool_pa(struct pool *pool, uint32_t frame, uint64_t *pa);
/* The pool invariants (emu.c's header comment); true when they hold. O(frames built). */
HM_INTERNAL bool emu_pool_check(const struct pool *pool);

#endif /* HUGEMEM_EMU_I_H */
