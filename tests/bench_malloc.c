/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmarks (meson test --benchmark; scripts/bench-table.py for the table) of
 * the malloc heaps and memzones, side by side with DPDK's rte_malloc /
 * rte_memzone in the same process when built with -Ddpdk_compare (HM_BENCH_DPDK).
 * Figures are per object (per call), never per burst. Method (bench_common.h):
 * the thread is pinned to one CPU, both allocators preallocate 1 GiB (hugemem
 * -m, DPDK -m; DPDK on real 2 MiB hugepages or not at all) and one untimed
 * warm-up round per allocator touches the memory before timing; every phase is
 * timed in this thread's CPU time; a sample times >= 2000 calls (10^5 or more
 * for malloc/free, 10^6 for the mix); the median of 5 samples is the figure.
 * The samples of the two allocators are interleaved, alternating which runs
 * first. Everything runs twice: with hugemem's lcore malloc caches (the default)
 * and without them (--malloc-cache=0, the heap alone; hugemem re-initialised);
 * DPDK, which has no such cache, is measured again beside each.
 *
 *   1. for 64 B and 1 KiB (200 000 live) and 4 KiB (100 000 live):
 *      - malloc all, then free all in allocation order: ns per malloc, per free;
 *      - malloc all, then free all in a fixed random order (the same permutation
 *        on both sides): ns per free; and its floors (see floor_mode): malloc
 *        all, then in that order a load and a store on each block's first word
 *        (the misses of the order, overlapped), a dependent load of each
 *        header (one miss after another: the latency of one miss per free), and
 *        the least a validating free into a per-thread cache does (header
 *        load, compare, compare-and-swap, push);
 *      - zmalloc all (of memory the rounds before used and freed: recycled),
 *        free all in allocation order: ns per zmalloc, per zmalloc+free pair;
 *        and its clearing floor (floor_mode 4): malloc all (untimed: the
 *        blocks a zmalloc round gets, recycled and cold alike), then each
 *        block's size bytes cleared in allocation order with hugemem's own
 *        clearing, hm_zero (timed; called through a pointer; the same code
 *        on both sides' blocks), then free all (untimed). hugemem clears lazily (zmalloc clears what was used,
 *        free clears nothing), DPDK clears at free (its zmalloc of recycled
 *        memory clears nothing): this row's hugemem column against the DPDK
 *        column of "zmalloc N, recycled memory" is the floor of any allocator
 *        that clears at zmalloc; its own ratio says both sides' memory clears
 *        alike (~1);
 *      - calloc(size / 8, 8) all, free all: ns per calloc;
 *   2. random mix: 4096 slots, 10^6 operations; a random slot is filled with a
 *      random size in [16 B, 16 KiB] (64-byte alignment asked half the time,
 *      default alignment otherwise) when empty, freed when full; ns per
 *      operation, then the heap's holes (free bytes outside the largest free
 *      block) at the end of the last sample, and their mean over the end states
 *      of 8 more sequences (other seeds, untimed; one end state moves by
 *      several percent with any change to the allocator);
 *   3. memzones: reserve 2000 ("mz%d", 256 B), look them up in a random order,
 *      free them all; ns per call of each phase (with the caches only).
 *
 * Both allocators consume the same seeded xorshift sequences. Never fails on a
 * number; exits 1 only when an allocation or lookup is wrong. HM_BENCH_NO_DPDK=1
 * skips DPDK.
 *
 * Selecting (for valgrind --tool=callgrind on one workload): --malloc-cache=0
 * (or =1) runs only that pass; HM_BENCH_ONLY=text runs only the rounds of the
 * rows whose name contains text (e.g. "free 64 B, allocation order": the
 * allocation-order round of 64 B, which also times its mallocs); HM_BENCH_SIDE=
 * hugemem|dpdk runs only that allocator's samples (the other column reads 0).
 * The warm-up round still runs, so a profile counts 1 + 5 rounds.
 *
 * Probe (not in the default output, no ROW lines): HM_BENCH_PROBE_ZERO=1 also
 * times the clearing round on hugemem's memory, 4 KiB (100 000 blocks) and
 * 1 KiB (200 000 blocks), in each pass that runs, with six methods: glibc's
 * memset; hugemem's hm_zero (vector stores in the direction the blocks have
 * been moving: core/common/zero.c); a loop of 16-byte SSE2 stores (_mm_storeu_si128, 128 B a round); a
 * loop of 32-byte AVX2 stores (vmovdqu ymm, 128 B a round; only where
 * __builtin_cpu_supports("avx2")); and the two loops again with each block
 * cleared top down (its last 128 B first; the others go up). Each runs over
 * the blocks in four orders: allocation order (a zmalloc round's; hugemem's
 * heap, like DPDK's, carves a block from the top of a free one, so this is
 * mostly descending addresses: the probe prints the share), ascending and
 * descending addresses (the pointers sorted, untimed) and a fixed random
 * order (shuffled, untimed). A round is as the
 * clearing floor's (malloc all, clear, free all; recycled, cold memory); one
 * untimed warm-up round, then 5 samples of each method/order, interleaved (the
 * first one rotating), and one line per method/order: "clearing probe 4 KiB,
 * 100k live (hm lcore cache on): memset (glibc), ascending addresses:
 * <median> ns/block (samples <min>-<max>)". Each block's first and last word
 * are checked to read 0 (exit 1 otherwise). The probe alone:
 *   HM_BENCH_PROBE_ZERO=1 HM_BENCH_ONLY="clearing probe" HM_BENCH_NO_DPDK=1 \
 *     build-release/tests/bench_malloc --malloc-cache=1
 */
#include <errno.h>
#include <immintrin.h>
#include <inttypes.h>
#include <stdbool.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hugemem/hugemem.h"
#include "common_i.h" /* hm_zero: the clearing floor uses the library's clearing */

#ifdef HM_BENCH_DPDK
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>
#endif

#define SAMPLES 5

#include "bench_common.h"
#define PREALLOC_MB 1024

#define MIX_SLOTS 4096
#define MIX_OPS 1000000
#define MIX_MIN 16
#define MIX_MAX 16384
#define MIX_SEEDS 8
#define MIX_MEAN_ROW "random mix: holes at the end, mean over 8 more sequences"

#define MZ_COUNT 2000
#define MZ_LEN 256

/* ---------------------------------------------------------------- helpers */

static inline uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);
	if (p == NULL) {
		fprintf(stderr, "bench_malloc: out of memory\n");
		exit(1);
	}
	return p;
}

static void
broken(const char *who, const char *what, const char *why)
{
	fprintf(stderr, "bench_malloc: %s: %s failed: %s\n", who, what, why);
	exit(1);
}

/* ---------------------------------------------------------------- allocators */

struct frag {
	size_t total, free_bytes, largest;
	unsigned int free_count, alloc_count;
};

struct ops {
	const char *name;
	void *(*alloc)(size_t size, unsigned int align);
	void *(*zalloc)(size_t size, unsigned int align);
	void *(*calloc)(size_t num, size_t size, unsigned int align);
	void (*free)(void *p);
	void (*stats)(struct frag *f);
	int (*flush)(void); /* give per-thread caches back (NULL: none) */
	const void *(*mz_reserve)(const char *name, size_t len);
	const void *(*mz_lookup)(const char *name);
	int (*mz_free)(const void *mz);
	const char *(*error)(void);
};

static void *
hm_alloc_w(size_t size, unsigned int align)
{
	return hm_malloc("bench", size, align);
}

static void *
hm_zalloc_w(size_t size, unsigned int align)
{
	return hm_zmalloc("bench", size, align);
}

static void *
hm_calloc_w(size_t num, size_t size, unsigned int align)
{
	return hm_calloc("bench", num, size, align);
}

static void
hm_free_w(void *p)
{
	hm_free(p);
}

static void
hm_stats_w(struct frag *f)
{
	struct hm_malloc_socket_stats s;
	memset(f, 0, sizeof(*f));
	if (hm_malloc_get_socket_stats(hm_socket_id() < 0 ? 0 : hm_socket_id(), &s) < 0)
		return;
	f->total = s.heap_totalsz_bytes;
	f->free_bytes = s.heap_freesz_bytes;
	f->largest = s.greatest_free_size;
	f->free_count = s.free_count;
	f->alloc_count = s.alloc_count;
}

static const void *
hm_mz_reserve_w(const char *name, size_t len)
{
	return hm_memzone_reserve(name, len, HM_SOCKET_ID_ANY, 0);
}

static const void *
hm_mz_lookup_w(const char *name)
{
	return hm_memzone_lookup(name);
}

static int
hm_mz_free_w(const void *mz)
{
	return hm_memzone_free(mz);
}

static const char *
hm_error_w(void)
{
	return hm_last_error();
}

static const struct ops hm_ops = {
	"hugemem", hm_alloc_w, hm_zalloc_w, hm_calloc_w, hm_free_w, hm_stats_w,
	hm_malloc_cache_flush, hm_mz_reserve_w, hm_mz_lookup_w, hm_mz_free_w, hm_error_w,
};

#ifdef HM_BENCH_DPDK
static void *
rte_alloc_w(size_t size, unsigned int align)
{
	return rte_malloc("bench", size, align);
}

static void *
rte_zalloc_w(size_t size, unsigned int align)
{
	return rte_zmalloc("bench", size, align);
}

static void *
rte_calloc_w(size_t num, size_t size, unsigned int align)
{
	return rte_calloc("bench", num, size, align);
}

static void
rte_free_w(void *p)
{
	rte_free(p);
}

static void
rte_stats_w(struct frag *f)
{
	struct rte_malloc_socket_stats s;
	int socket = (int)rte_socket_id();
	memset(f, 0, sizeof(*f));
	if (socket < 0)
		socket = 0;
	if (rte_malloc_get_socket_stats(socket, &s) < 0)
		return;
	f->total = s.heap_totalsz_bytes;
	f->free_bytes = s.heap_freesz_bytes;
	f->largest = s.greatest_free_size;
	f->free_count = s.free_count;
	f->alloc_count = s.alloc_count;
}

static const void *
rte_mz_reserve_w(const char *name, size_t len)
{
	return rte_memzone_reserve(name, len, SOCKET_ID_ANY, 0);
}

static const void *
rte_mz_lookup_w(const char *name)
{
	return rte_memzone_lookup(name);
}

static int
rte_mz_free_w(const void *mz)
{
	return rte_memzone_free(mz);
}

static const char *
rte_error_w(void)
{
	return rte_strerror(rte_errno);
}

static const struct ops dpdk_ops = {
	"dpdk", rte_alloc_w, rte_zalloc_w, rte_calloc_w, rte_free_w, rte_stats_w, NULL,
	rte_mz_reserve_w, rte_mz_lookup_w, rte_mz_free_w, rte_error_w,
};
#endif

/* Set when DPDK's EAL is up: the DPDK column is measured. */
static const struct ops *dpdk;

/* ---------------------------------------------------------------- printing */

/* " (lcore cache on)" / " (lcore cache off)": hugemem's mode of this pass. */
static const char *mode_label = "";

static void
row_t(const char *what, double hm, double dp, const char *unit, const char *timing)
{
	char label[256];

	snprintf(label, sizeof(label), "%s%s", what, mode_label);
	bench_row(label, hm, dpdk != NULL ? dp : BENCH_NAN, unit, bench_backend(), timing);
}

static void
row(const char *what, double hm, double dp, const char *unit)
{
	row_t(what, hm, dp, unit, "cpu");
}

/* ---------------------------------------------------------------- workloads */

/*
 * Each round function is always_inline and instantiated per allocator with a
 * constant ops pointer (SIDE below), so the loops call hm_malloc / rte_malloc
 * directly: the same call cost on both sides. The drivers interleave the two
 * allocators sample by sample, alternating which goes first, so that a burst of
 * noise on the shared machine hits both columns rather than one.
 */

enum kind { K_MALLOC, K_ZMALLOC, K_CALLOC };

/* Floor rounds: instead of the random-order frees, the least memory work of a
 * free on each block in that order (timed), then the frees in allocation order
 * (untimed). Both allocators keep a 64-byte header right below the data, so
 * the word 8 bytes below the data is in the header's line on both sides.
 * floor_mode 1: a load and a store on the block's first word (independent
 *   misses: the CPU overlaps many; a throughput floor);
 * floor_mode 2: a dependent load of the header word: each address waits for
 *   the previous load (the latency of one miss per free, nothing overlapped);
 * floor_mode 3: what a validating free into a per-thread cache cannot avoid:
 *   load the header word, compare it, compare-and-swap it (to itself: nothing
 *   changes) and push the pointer on a stack; consecutive frees' misses may
 *   overlap as far as the CPU's window reaches;
 * floor_mode 4 (called with no order): the clearing floor of a zmalloc: each
 *   block's @p size bytes cleared in allocation order with hugemem's own
 *   clearing (hm_zero: vector stores that follow the blocks' direction, memset
 *   outside 512 B - 4 MiB), the same code on both libraries' blocks. */
static int floor_mode;
static volatile uint64_t floor_zero;  /* 0, unknown to the compiler */
static volatile uint64_t floor_magic = 0x6b6b6b6b6b6b6b6bULL; /* never a header word */
static void *floor_stack[64];
static uint64_t floor_sink;
static void *(*volatile clear_fn)(void *, int, size_t) = memset;
static int (*volatile zero_fn)(void *, size_t) = hm_zero;

/* One round: n allocations of @p size (malloc, zmalloc or calloc(size / 8, 8)),
 * then n frees, in allocation order (@p perm NULL) or in the order of @p perm. */
static inline __attribute__((always_inline)) void
sizes_round(const struct ops *o, enum kind k, void **p, unsigned int n, size_t size,
	    const unsigned int *perm, double *t_alloc, double *t_free)
{
	double t0 = cpu_ns();
	for (unsigned int i = 0; i < n; i++)
		p[i] = k == K_MALLOC    ? o->alloc(size, 0)
		       : k == K_ZMALLOC ? o->zalloc(size, 0)
					: o->calloc(size / 8, 8, 0);
	double t1 = cpu_ns();
	for (unsigned int i = 0; i < n; i++)
		if (p[i] == NULL)
			broken(o->name, "malloc", o->error());
	double t2 = cpu_ns();
	if (floor_mode == 4) {
		int (*clear)(void *, size_t) = zero_fn;
		for (unsigned int i = 0; i < n; i++)
			clear(p[i], size);
	} else if (perm == NULL)
		for (unsigned int i = 0; i < n; i++)
			o->free(p[i]);
	else if (!floor_mode)
		for (unsigned int i = 0; i < n; i++)
			o->free(p[perm[i]]);
	else if (floor_mode == 1)
		for (unsigned int i = 0; i < n; i++) {
			volatile uint64_t *q = p[perm[i]];
			*q = *q + 1;
		}
	else if (floor_mode == 2) {
		uint64_t z = floor_zero, dep = 0;
		for (unsigned int i = 0; i < n; i++)
			dep = *(const volatile uint64_t *)((uintptr_t)p[perm[i]] - 8 + dep) & z;
		floor_sink += dep;
	} else {
		uint64_t magic = floor_magic;
		for (unsigned int i = 0; i < n; i++) {
			uint64_t *h = (uint64_t *)((uintptr_t)p[perm[i]] - 8);
			uint64_t w = __atomic_load_n(h, __ATOMIC_RELAXED);
			if (w == magic)
				broken(o->name, "floor", "a header word reads as poison");
			__atomic_compare_exchange_n(h, &w, w, false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
			floor_stack[i & 63] = h;
		}
	}
	double t3 = cpu_ns();
	if (floor_mode) /* 1-3 with perm, 4 without */
		for (unsigned int i = 0; i < n; i++)
			o->free(p[i]);
	*t_alloc = (t1 - t0) / n;
	*t_free = (t3 - t2) / n;
}

/* 10^6 random operations over the slots; ns per operation. Leaves the slots as
 * the sequence left them. */
static inline __attribute__((always_inline)) double
mix_round(const struct ops *o, void **slot, uint64_t seed)
{
	uint64_t rng = seed;
	unsigned int failed = 0;

	double t0 = cpu_ns();
	for (unsigned int i = 0; i < MIX_OPS; i++) {
		uint64_t r = xorshift(&rng);
		unsigned int k = (unsigned int)(r % MIX_SLOTS);
		if (slot[k] == NULL) {
			size_t size = MIX_MIN + (size_t)((r >> 12) % (MIX_MAX - MIX_MIN + 1));
			unsigned int align = (r >> 40) & 1 ? 64 : 0;
			slot[k] = o->alloc(size, align);
			failed += slot[k] == NULL;
		} else {
			o->free(slot[k]);
			slot[k] = NULL;
		}
	}
	double t1 = cpu_ns();
	if (failed != 0)
		broken(o->name, "mixed-workload malloc", o->error());
	return (t1 - t0) / MIX_OPS;
}

static inline __attribute__((always_inline)) void
mix_clear(const struct ops *o, void **slot)
{
	for (unsigned int k = 0; k < MIX_SLOTS; k++) {
		if (slot[k] != NULL)
			o->free(slot[k]);
		slot[k] = NULL;
	}
	/* every sample starts from an empty heap: hugemem's lcore cache included,
	 * or blocks it kept from an earlier workload would be handed out wherever
	 * that workload left them */
	if (o->flush != NULL)
		o->flush();
}

/* Memzones: reserve all, look up in @p order, free all (reserve order). */
static inline __attribute__((always_inline)) void
mz_round(const struct ops *o, char (*names)[16], const unsigned int *order, const void **mz,
	 const void **found, double *t_res, double *t_look, double *t_free)
{
	double t0 = cpu_ns();
	for (unsigned int i = 0; i < MZ_COUNT; i++)
		mz[i] = o->mz_reserve(names[i], MZ_LEN);
	double t1 = cpu_ns();
	for (unsigned int i = 0; i < MZ_COUNT; i++)
		if (mz[i] == NULL)
			broken(o->name, "memzone reserve", o->error());
	double t2 = cpu_ns();
	for (unsigned int i = 0; i < MZ_COUNT; i++)
		found[i] = o->mz_lookup(names[order[i]]);
	double t3 = cpu_ns();
	for (unsigned int i = 0; i < MZ_COUNT; i++)
		if (found[i] != mz[order[i]])
			broken(o->name, "memzone lookup", "wrong zone");
	double t4 = cpu_ns();
	for (unsigned int i = 0; i < MZ_COUNT; i++)
		if (o->mz_free(mz[i]) != 0)
			broken(o->name, "memzone free", o->error());
	double t5 = cpu_ns();
	*t_res = (t1 - t0) / MZ_COUNT;
	*t_look = (t3 - t2) / MZ_COUNT;
	*t_free = (t5 - t4) / MZ_COUNT;
}

typedef void sizes_fn(void **p, unsigned int n, size_t size, const unsigned int *perm,
		      double *ta, double *tf);

/* An allocator and its instances of the rounds. */
struct side {
	const struct ops *o;
	sizes_fn *sizes[3]; /* by enum kind */
	double (*mix)(void **slot, uint64_t seed);
	void (*mix_clear)(void **slot);
	void (*mz)(char (*names)[16], const unsigned int *order, const void **mz,
		   const void **found, double *tr, double *tl, double *tf);
};

#define SIDE(tag, OPS)                                                                      \
	static void tag##_sizes_m(void **p, unsigned int n, size_t size,                    \
				  const unsigned int *perm, double *ta, double *tf)         \
	{                                                                                   \
		sizes_round(OPS, K_MALLOC, p, n, size, perm, ta, tf);                       \
	}                                                                                   \
	static void tag##_sizes_z(void **p, unsigned int n, size_t size,                    \
				  const unsigned int *perm, double *ta, double *tf)         \
	{                                                                                   \
		sizes_round(OPS, K_ZMALLOC, p, n, size, perm, ta, tf);                      \
	}                                                                                   \
	static void tag##_sizes_c(void **p, unsigned int n, size_t size,                    \
				  const unsigned int *perm, double *ta, double *tf)         \
	{                                                                                   \
		sizes_round(OPS, K_CALLOC, p, n, size, perm, ta, tf);                       \
	}                                                                                   \
	static double tag##_mix(void **slot, uint64_t seed)                                 \
	{                                                                                   \
		return mix_round(OPS, slot, seed);                                          \
	}                                                                                   \
	static void tag##_mix_clear(void **slot)                                            \
	{                                                                                   \
		mix_clear(OPS, slot);                                                       \
	}                                                                                   \
	static void tag##_mz(char (*names)[16], const unsigned int *order, const void **mz, \
			     const void **found, double *tr, double *tl, double *tf)        \
	{                                                                                   \
		mz_round(OPS, names, order, mz, found, tr, tl, tf);                         \
	}                                                                                   \
	static const struct side tag##_side = { OPS,                                        \
						{ tag##_sizes_m, tag##_sizes_z,             \
						  tag##_sizes_c },                          \
						tag##_mix, tag##_mix_clear, tag##_mz }

SIDE(hm, &hm_ops);
#ifdef HM_BENCH_DPDK
SIDE(rte, &dpdk_ops);
#endif

/* sides[0] is hugemem, sides[1] DPDK when it runs. */
static const struct side *sides[2];
static unsigned int n_sides;

/* Whether side @p i (0 hugemem, 1 DPDK) runs its samples ($HM_BENCH_SIDE). */
static inline bool
side_on(unsigned int i)
{
	return bench_side(i == 1) != 0;
}

/* Whether the row @p what (without the pass's mode label) is selected
 * ($HM_BENCH_ONLY, matched against the full row name). */
static bool
wanted(const char *what)
{
	char label[256];

	snprintf(label, sizeof(label), "%s%s", what, mode_label);
	return bench_wanted(label) != 0;
}

/* Index of the side that runs @p k-th in sample @p s (alternating order). */
static inline unsigned int
turn(int s, unsigned int k)
{
	return n_sides == 2 ? (k + (unsigned int)s) % 2 : k;
}

/* A fixed random permutation of 0..n-1 (Fisher-Yates, seeded). */
static unsigned int *
permutation(unsigned int n, uint64_t seed)
{
	unsigned int *perm = xcalloc(n, sizeof(*perm));
	uint64_t rng = seed;

	for (unsigned int i = 0; i < n; i++)
		perm[i] = i;
	for (unsigned int i = n - 1; i > 0; i--) {
		unsigned int j = (unsigned int)(xorshift(&rng) % (i + 1));
		unsigned int t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	return perm;
}

/* What one sample of one size measures on one side. */
enum { T_MALLOC, T_FREE, T_FREE_RAND, T_FLOOR, T_FLOOR_DEP, T_FLOOR_CACHE, T_ZMALLOC, T_ZPAIR,
       T_ZFLOOR, T_CALLOC, T_N };

/* One sample: the rounds of the rows @p want selects (HM_BENCH_ONLY). */
static void
sizes_sample(const struct side *sd, void **p, unsigned int n, size_t size,
	     const unsigned int *perm, const bool want[T_N], double t[T_N])
{
	double x, zf;

	if (want[T_MALLOC] || want[T_FREE])
		sd->sizes[K_MALLOC](p, n, size, NULL, &t[T_MALLOC], &t[T_FREE]);
	if (want[T_FREE_RAND])
		sd->sizes[K_MALLOC](p, n, size, perm, &x, &t[T_FREE_RAND]);
	for (int f = 1; f <= 3; f++) {
		if (!want[T_FLOOR + f - 1])
			continue;
		floor_mode = f;
		sd->sizes[K_MALLOC](p, n, size, perm, &x, &t[T_FLOOR + f - 1]);
	}
	floor_mode = 0;
	if (want[T_ZMALLOC] || want[T_ZPAIR]) {
		sd->sizes[K_ZMALLOC](p, n, size, NULL, &t[T_ZMALLOC], &zf);
		t[T_ZPAIR] = t[T_ZMALLOC] + zf;
	}
	if (want[T_ZFLOOR]) {
		floor_mode = 4;
		sd->sizes[K_MALLOC](p, n, size, NULL, &x, &t[T_ZFLOOR]);
		floor_mode = 0;
	}
	if (want[T_CALLOC])
		sd->sizes[K_CALLOC](p, n, size, NULL, &t[T_CALLOC], &x);
}

static void
bench_sizes(void)
{
	static const struct { size_t size; unsigned int n; const char *label; } w[] = {
		{ 64, 200000, "64 B" },
		{ 1024, 200000, "1 KiB" },
		{ 4096, 100000, "4 KiB" },
	};
	static const char *const what[T_N] = {
		"malloc", "free", "free", "free", "free", "free", "zmalloc", "zmalloc+free", "zmalloc",
		"calloc",
	};
	static const char *const how[T_N] = {
		"", ", allocation order", ", random order",
		", random order: floor (a load + store on each block, same order)",
		", random order: latency floor (a dependent load of each header, same order)",
		", random order: cached-free floor (header load, compare, CAS, push; same order)",
		", recycled memory", ", pair",
		(", recycled memory: clearing floor (hugemem's clearing of each block, allocation "
		 "order, no allocation)"),
		"",
	};
	void **p = xcalloc(200000, sizeof(*p));

	for (size_t k = 0; k < sizeof(w) / sizeof(w[0]); k++) {
		double t[2][T_N][SAMPLES] = { { { 0 } } }, one[T_N];
		char label[T_N][192];
		bool want[T_N], any = false;

		for (int m = 0; m < T_N; m++) {
			snprintf(label[m], sizeof(label[m]), "%s %s%s, %uk live", what[m],
				 w[k].label, how[m], w[k].n / 1000);
			want[m] = wanted(label[m]);
			any |= want[m];
		}
		if (!any)
			continue;
		unsigned int *perm = permutation(w[k].n, 0x5851f42d4c957f2dULL + k);
		/* warm-up: faults in headers and data */
		for (unsigned int i = 0; i < n_sides; i++)
			if (side_on(i))
				sizes_sample(sides[i], p, w[k].n, w[k].size, perm, want, one);
		for (int s = 0; s < SAMPLES; s++)
			for (unsigned int j = 0; j < n_sides; j++) {
				unsigned int i = turn(s, j);
				if (!side_on(i))
					continue;
				memset(one, 0, sizeof(one));
				sizes_sample(sides[i], p, w[k].n, w[k].size, perm, want, one);
				for (int m = 0; m < T_N; m++)
					t[i][m][s] = one[m];
			}
		for (int m = 0; m < T_N; m++)
			if (want[m])
				row(label[m], median(t[0][m]), median(t[1][m]), "ns/call");
		free(perm);
		/* the next size starts from an empty cache, as the mix does */
		for (unsigned int i = 0; i < n_sides; i++)
			if (sides[i]->o->flush != NULL)
				sides[i]->o->flush();
	}
	free(p);
}

/* ---------------------------------------------------------------- clearing probe */

/* HM_BENCH_PROBE_ZERO=1: the clearing round on hugemem's memory with three
 * ways of clearing, in both block orders (see the file's header). Each method
 * is a call per block, as memset is; @p size is a multiple of 128. */

/* 16-byte SSE2 stores, 8 a round. The zero is hidden from the compiler, which
 * would otherwise turn the loop back into a call to memset. */
static __attribute__((noinline)) void
clear_sse2(void *p, size_t size)
{
	__m128i z = _mm_setzero_si128();
	char *c = p;

	__asm__("" : "+x"(z));
	for (size_t o = 0; o < size; o += 128) {
		_mm_storeu_si128((__m128i *)(c + o), z);
		_mm_storeu_si128((__m128i *)(c + o + 16), z);
		_mm_storeu_si128((__m128i *)(c + o + 32), z);
		_mm_storeu_si128((__m128i *)(c + o + 48), z);
		_mm_storeu_si128((__m128i *)(c + o + 64), z);
		_mm_storeu_si128((__m128i *)(c + o + 80), z);
		_mm_storeu_si128((__m128i *)(c + o + 96), z);
		_mm_storeu_si128((__m128i *)(c + o + 112), z);
	}
}

/* 32-byte AVX2 stores (vmovdqu), 4 a round; called only where the CPU has
 * AVX2. In assembly: gcc's generic tuning splits _mm256_storeu_si256 into two
 * 16-byte stores (vmovdqu + vextracti128). */
static __attribute__((noinline, target("avx2"))) void
clear_avx2(void *p, size_t size)
{
	__m256i z = _mm256_setzero_si256();
	char *c = p;

	for (size_t o = 0; o < size; o += 128)
		__asm__ volatile("vmovdqu %1, (%0)\n\t"
				 "vmovdqu %1, 32(%0)\n\t"
				 "vmovdqu %1, 64(%0)\n\t"
				 "vmovdqu %1, 96(%0)"
				 :
				 : "r"(c + o), "x"(z)
				 : "memory");
}

/* As clear_sse2, from the block's last 128 bytes down to its first. */
static __attribute__((noinline)) void
clear_sse2_down(void *p, size_t size)
{
	__m128i z = _mm_setzero_si128();
	char *c = p;

	__asm__("" : "+x"(z));
	for (size_t o = size; o > 0; o -= 128) {
		_mm_storeu_si128((__m128i *)(c + o - 16), z);
		_mm_storeu_si128((__m128i *)(c + o - 32), z);
		_mm_storeu_si128((__m128i *)(c + o - 48), z);
		_mm_storeu_si128((__m128i *)(c + o - 64), z);
		_mm_storeu_si128((__m128i *)(c + o - 80), z);
		_mm_storeu_si128((__m128i *)(c + o - 96), z);
		_mm_storeu_si128((__m128i *)(c + o - 112), z);
		_mm_storeu_si128((__m128i *)(c + o - 128), z);
	}
}

/* As clear_avx2, from the block's last 128 bytes down to its first. */
static __attribute__((noinline, target("avx2"))) void
clear_avx2_down(void *p, size_t size)
{
	__m256i z = _mm256_setzero_si256();
	char *c = p;

	for (size_t o = size; o > 0; o -= 128)
		__asm__ volatile("vmovdqu %1, -32(%0)\n\t"
				 "vmovdqu %1, -64(%0)\n\t"
				 "vmovdqu %1, -96(%0)\n\t"
				 "vmovdqu %1, -128(%0)"
				 :
				 : "r"(c + o), "x"(z)
				 : "memory");
}

static void
clear_memset(void *p, size_t size)
{
	clear_fn(p, 0, size);
}

static void
clear_hm_zero(void *p, size_t size)
{
	zero_fn(p, size);
}

static const struct {
	const char *name;
	void (*clear)(void *p, size_t size);
	bool avx2; /* needs AVX2 */
} probe_methods[] = {
	{ "memset (glibc)", clear_memset, false },
	{ "hm_zero (hugemem's: follows the blocks' direction)", clear_hm_zero, false },
	{ "SSE2 16-byte stores", clear_sse2, false },
	{ "AVX2 32-byte stores", clear_avx2, true },
	{ "SSE2 16-byte stores, each block top down", clear_sse2_down, false },
	{ "AVX2 32-byte stores, each block top down", clear_avx2_down, true },
};
#define PROBE_METHODS (sizeof(probe_methods) / sizeof(probe_methods[0]))

/* The block orders of the probe: the allocation order (a zmalloc round's),
 * the blocks sorted by address, ascending and descending, and a fixed random
 * order of them. */
enum { PROBE_ALLOC, PROBE_UP, PROBE_DOWN, PROBE_RANDOM, PROBE_ORDERS };
static const char *const probe_orders[PROBE_ORDERS] = {
	"allocation order", "ascending addresses", "descending addresses", "random order",
};

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;

	return x < y ? -1 : x > y;
}

/* One round: hm_malloc n blocks (untimed), clear each with @p clear in the
 * block order @p order (timed; @p q: scratch for the sorted pointers), free
 * all in allocation order (untimed); ns per block. *@p down: how many of the
 * n - 1 steps of the allocation order go to a lower address. */
static double
probe_round(void **p, void **q, unsigned int n, size_t size, void (*clear)(void *, size_t),
	    int order, unsigned int *down)
{
	void **b = p;

	for (unsigned int i = 0; i < n; i++)
		if ((p[i] = hm_malloc("bench", size, 0)) == NULL)
			broken("hugemem", "malloc", hm_last_error());
	*down = 0;
	for (unsigned int i = 1; i < n; i++)
		*down += (uintptr_t)p[i] < (uintptr_t)p[i - 1];
	if (order != PROBE_ALLOC) {
		memcpy(q, p, n * sizeof(*q));
		if (order == PROBE_RANDOM) {
			uint64_t rng = 0x9e3779b97f4a7c15ULL;
			for (unsigned int i = n - 1; i > 0; i--) {
				unsigned int j = (unsigned int)(xorshift(&rng) % (i + 1));
				void *t = q[i];
				q[i] = q[j];
				q[j] = t;
			}
		} else
			qsort(q, n, sizeof(*q), cmp_ptr);
		b = q;
	}
	double t0 = cpu_ns();
	if (order == PROBE_DOWN)
		for (unsigned int i = n; i-- > 0;)
			clear(b[i], size);
	else
		for (unsigned int i = 0; i < n; i++)
			clear(b[i], size);
	double t1 = cpu_ns();
	for (unsigned int i = 0; i < n; i++)
		if (*(const volatile uint64_t *)p[i] != 0 ||
		    *(const volatile uint64_t *)((char *)p[i] + size - 8) != 0)
			broken("hugemem", "clearing probe", "a block was not cleared");
	for (unsigned int i = 0; i < n; i++)
		hm_free(p[i]);
	return (t1 - t0) / n;
}

static void
bench_probe_zero(void)
{
	static const struct { size_t size; unsigned int n; const char *label; } w[] = {
		{ 4096, 100000, "4 KiB" },
		{ 1024, 200000, "1 KiB" },
	};
	unsigned int m_on[PROBE_METHODS], nm = 0, down;
	bool avx2 = __builtin_cpu_supports("avx2");
	void **p, **q;

	if (!side_on(0))
		return;
	for (unsigned int m = 0; m < PROBE_METHODS; m++)
		if (avx2 || !probe_methods[m].avx2)
			m_on[nm++] = m;
	if (!avx2)
		printf("clearing probe: AVX2 not measured: this CPU has no AVX2\n");
	p = xcalloc(200000, sizeof(*p));
	q = xcalloc(200000, sizeof(*q));
	for (size_t k = 0; k < sizeof(w) / sizeof(w[0]); k++) {
		double t[PROBE_METHODS][PROBE_ORDERS][SAMPLES];
		unsigned int nc = nm * PROBE_ORDERS;
		char label[128];

		snprintf(label, sizeof(label), "clearing probe %s, %uk live", w[k].label,
			 w[k].n / 1000);
		if (!wanted(label))
			continue;
		probe_round(p, q, w[k].n, w[k].size, clear_memset, PROBE_ALLOC, &down); /* warm-up */
		printf("%s%s: allocation order: %.1f %% of steps to a lower address\n", label,
		       mode_label, 100.0 * down / (w[k].n - 1));
		for (int s = 0; s < SAMPLES; s++)
			for (unsigned int j = 0; j < nc; j++) {
				unsigned int c = (j + (unsigned int)s) % nc;
				unsigned int m = m_on[c / PROBE_ORDERS], o = c % PROBE_ORDERS;
				t[m][o][s] = probe_round(p, q, w[k].n, w[k].size,
							 probe_methods[m].clear, (int)o, &down);
			}
		for (unsigned int i = 0; i < nm; i++)
			for (int o = 0; o < PROBE_ORDERS; o++) {
				unsigned int m = m_on[i];
				double lo = minimum(t[m][o], SAMPLES), hi = t[m][o][0];
				for (int s = 1; s < SAMPLES; s++)
					hi = t[m][o][s] > hi ? t[m][o][s] : hi;
				printf("%s%s: %s, %s: %.1f ns/block (samples %.1f-%.1f)\n", label,
				       mode_label, probe_methods[m].name, probe_orders[o],
				       median(t[m][o]), lo, hi);
			}
		hm_malloc_cache_flush();
	}
	free(p);
	free(q);
}

/* largest/free is DPDK's usual figure, but with 1 GiB preallocated the largest
 * block is almost all of it; "holes" (free bytes outside the largest block)
 * against the bytes in use says how much the live blocks are spread out. */
static void
print_frag(const char *who, const struct frag *f)
{
	size_t holes = f->free_bytes - f->largest, used = f->total - f->free_bytes;

	printf("mixed heap at end %-10s total %10zu B  free %10zu B in %5u block(s)  "
	       "largest %10zu B  largest/free %.4f  fragmentation %.4f  "
	       "holes %8zu B = %.3f x in-use %zu B (%u live)\n",
	       who, f->total, f->free_bytes, f->free_count, f->largest,
	       f->free_bytes ? (double)f->largest / (double)f->free_bytes : 0.0,
	       f->free_bytes ? 1.0 - (double)f->largest / (double)f->free_bytes : 0.0,
	       holes, used ? (double)holes / (double)used : 0.0, used, f->alloc_count);
}

static double
holes_mb(const struct frag *f)
{
	return (double)(f->free_bytes - f->largest) / 1e6;
}

/* Warm-up (another seed), then 5 samples from an empty heap each; the heap
 * figures are taken at the end of the last sample, before its blocks are freed. */
static void
bench_mix(void)
{
	void **slot = xcalloc(MIX_SLOTS, sizeof(*slot));
	double t[2][SAMPLES] = { { 0 } };
	struct frag fr[2], flushed;
	bool have_flushed = false;
	char label[64];

	memset(fr, 0, sizeof(fr));
	for (unsigned int i = 0; i < n_sides; i++) {
		if (!side_on(i))
			continue;
		mix_clear(sides[i]->o, slot); /* empties the cache the sizes workloads left */
		sides[i]->mix(slot, 0x9e3779b97f4a7c15ULL);
		sides[i]->mix_clear(slot);
	}
	for (int s = 0; s < SAMPLES; s++)
		for (unsigned int j = 0; j < n_sides; j++) {
			unsigned int i = turn(s, j);
			if (!side_on(i))
				continue;
			t[i][s] = sides[i]->mix(slot, 0x2545f4914f6cdd1dULL);
			if (s == SAMPLES - 1) {
				sides[i]->o->stats(&fr[i]);
				if (sides[i]->o->flush != NULL && sides[i]->o->flush() >= 0) {
					sides[i]->o->stats(&flushed);
					have_flushed = true;
				}
			}
			sides[i]->mix_clear(slot);
		}
	/* the holes are one end state of a chaotic process (a small change
	 * anywhere moves the figure by several percent either way): also their
	 * mean over MIX_SEEDS other sequences, untimed */
	double mean[2] = { 0, 0 };
	if (wanted(MIX_MEAN_ROW))
		for (unsigned int i = 0; i < n_sides; i++) {
			if (!side_on(i))
				continue;
			for (unsigned int q = 0; q < MIX_SEEDS; q++) {
				struct frag f;
				sides[i]->mix(slot, 0xda942042e4dd58b5ULL * (q + 1));
				sides[i]->o->stats(&f);
				mean[i] += holes_mb(&f) / MIX_SEEDS;
				sides[i]->mix_clear(slot);
			}
		}
	free(slot);
	snprintf(label, sizeof(label), "random mix 16 B-16 KiB, per operation");
	row(label, median(t[0]), median(t[1]), "ns/op");
	row_t("random mix: holes at the end (free bytes outside the largest block)",
	      holes_mb(&fr[0]), holes_mb(&fr[1]), "MB", "heap");
	if (wanted(MIX_MEAN_ROW))
		row_t(MIX_MEAN_ROW, mean[0], mean[1], "MB", "heap-mean@8");
	for (unsigned int i = 0; i < n_sides; i++)
		print_frag(sides[i]->o->name, &fr[i]);
	if (have_flushed)
		print_frag("hm flushed", &flushed); /* after hm_malloc_cache_flush() */
}

static void
bench_memzone(void)
{
	char (*names)[16] = xcalloc(MZ_COUNT, sizeof(*names));
	unsigned int *order = permutation(MZ_COUNT, 0x853c49e6748fea9bULL);
	const void **mz = xcalloc(MZ_COUNT, sizeof(*mz));
	const void **found = xcalloc(MZ_COUNT, sizeof(*found));
	double tr[2][SAMPLES] = { { 0 } }, tl[2][SAMPLES] = { { 0 } }, tf[2][SAMPLES] = { { 0 } };
	double wr, wl, wf;
	char label[64];

	for (unsigned int i = 0; i < MZ_COUNT; i++)
		snprintf(names[i], sizeof(names[i]), "mz%u", i);
	for (unsigned int i = 0; i < n_sides; i++)
		if (side_on(i))
			sides[i]->mz(names, order, mz, found, &wr, &wl, &wf);
	for (int s = 0; s < SAMPLES; s++)
		for (unsigned int j = 0; j < n_sides; j++) {
			unsigned int i = turn(s, j);
			if (!side_on(i))
				continue;
			sides[i]->mz(names, order, mz, found, &tr[i][s], &tl[i][s], &tf[i][s]);
		}
	snprintf(label, sizeof(label), "memzone reserve, %d zones", MZ_COUNT);
	row(label, median(tr[0]), median(tr[1]), "ns/call");
	snprintf(label, sizeof(label), "memzone lookup, %d zones, random order", MZ_COUNT);
	row(label, median(tl[0]), median(tl[1]), "ns/call");
	snprintf(label, sizeof(label), "memzone free, %d zones", MZ_COUNT);
	row(label, median(tf[0]), median(tf[1]), "ns/call");
	free(names);
	free(order);
	free(mz);
	free(found);
}

/* ---------------------------------------------------------------- setup */

static void
hm_start(bool cache)
{
	struct hm_config c;

	bench_hm_config(&c, "hmbench", (uint64_t)PREALLOC_MB << 20, NULL, PREALLOC_MB / 2 + 8);
	c.no_malloc_cache = !cache;
	if (hm_init_config(&c) < 0) {
		fprintf(stderr, "bench_malloc: hm_init: %s\n", hm_last_error());
		exit(1);
	}
	mode_label = cache ? " (hm lcore cache on)" : " (hm lcore cache off)";
	printf("hugemem: %s backend, -m %d --in-memory, lcore malloc cache %s\n", bench_backend(),
	       PREALLOC_MB, cache ? "on" : "off (--malloc-cache=0)");
}

/* The mix rows and the memzone rows are selected as a whole. */
static void
run_pass(bool cache, bool memzones)
{
	hm_start(cache);
	bench_sizes();
	if (bench_env_on("HM_BENCH_PROBE_ZERO"))
		bench_probe_zero();
	if (wanted("random mix 16 B-16 KiB, per operation") ||
	    wanted("random mix: holes at the end (free bytes outside the largest block)") ||
	    wanted(MIX_MEAN_ROW))
		bench_mix();
	char mz[3][64];
	snprintf(mz[0], sizeof(mz[0]), "memzone reserve, %d zones", MZ_COUNT);
	snprintf(mz[1], sizeof(mz[1]), "memzone lookup, %d zones, random order", MZ_COUNT);
	snprintf(mz[2], sizeof(mz[2]), "memzone free, %d zones", MZ_COUNT);
	if (memzones && (wanted(mz[0]) || wanted(mz[1]) || wanted(mz[2])))
		bench_memzone();
	hm_cleanup();
}

int
main(int argc, char **argv)
{
	int cpu, pass = -1; /* -1: both; 0: cache off only; 1: cache on only */

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--malloc-cache=0") == 0)
			pass = 0;
		else if (strcmp(argv[i], "--malloc-cache=1") == 0)
			pass = 1;
		else {
			fprintf(stderr, "usage: %s [--malloc-cache=0|1]  (env: HM_BENCH_ONLY, "
				"HM_BENCH_SIDE, HM_BENCH_NO_DPDK, HM_BENCH_PROBE_ZERO; see the "
				"file's header)\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	cpu = pin_self();
#ifdef HM_BENCH_DPDK
	/* DPDK first: both want VA at 4 GiB, and hugemem falls back to another hint */
	if (side_on(1) && bench_dpdk_start("bench_malloc", cpu, PREALLOC_MB, PREALLOC_MB / 2 + 8))
		dpdk = &dpdk_ops;
#else
	bench_note("dpdk: not built (configure with -Ddpdk_compare=enabled and libdpdk-dev)");
#endif
	bench_say_flags("bench_malloc");
	printf("pinned to cpu %d; median of %d samples, ns per call, thread CPU time\n", cpu,
	       SAMPLES);
	sides[n_sides++] = &hm_side;
#ifdef HM_BENCH_DPDK
	if (dpdk != NULL)
		sides[n_sides++] = &rte_side;
#endif
	if (pass != 0)
		run_pass(true, true);
	if (pass != 1)
		run_pass(false, false);
#ifdef HM_BENCH_DPDK
	if (dpdk != NULL)
		rte_eal_cleanup();
#endif
	return 0;
}
