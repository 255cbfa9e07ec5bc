/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A benchmark sample's stack arrays at one page offset (bench_ring.c,
 * bench_mempool.c; their comments say why: 4 KiB aliasing between the caller's
 * burst arrays and a ring's header lines or a mempool cache's top window would
 * otherwise decide the figure, and Linux randomises the stack top within its
 * page on every exec).
 *
 * A sample function (pad_sample_fn) runs PAD_BURSTS bursts per sample -- its
 * loop reads pad_bursts -- and leaves its arrays' address in probe_seen.
 * run_padded() runs it below a pad (alloca) that puts those arrays at page
 * offset caller_off; pad_place() finds that pad with a probe of one burst.
 * The pad is kept as an anchor relative to run_padded's own frame, so the
 * arrays land at caller_off whichever function (and stack depth) the sample is
 * run from; every placed run checks it. The offsets to keep clear of are each
 * program's: a struct pad_bands of the page offsets it notes (pad_note), from
 * which pad_choose() picks caller_off.
 *
 * A header of its own rather than part of bench_common.h: it holds state
 * (pad_bursts, probe_seen, caller_off) and a noinline function, which the
 * other benchmarks that include bench_common.h do not want (an unused static
 * variable is an error with -Werror). Include after bench_common.h, with
 * PAD_BURSTS (bursts per full sample) defined.
 */
#ifndef HUGEMEM_BENCH_PAD_H
#define HUGEMEM_BENCH_PAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef PAD_BURSTS
#error "define PAD_BURSTS (bursts per sample) before including bench_pad.h"
#endif

/* One sample: ns per object; @p arg is the ring or pool (or NULL). */
typedef double (*pad_sample_fn)(void *arg);

/* On a sample function: 64-byte aligned, so where its loop falls against the
 * CPU's fetch blocks depends on its own code only, not on the code the
 * compiler happened to put before it (DPDK's pktmbuf alloc+free single moved
 * from 8.4 to 6.2 ns/mbuf with no change but the length of other functions). */
#define PAD_SAMPLE __attribute__((aligned(64)))

static unsigned int pad_bursts = PAD_BURSTS; /* bursts per sample; 1 during a probe */
static uintptr_t probe_seen;                 /* the last sample's arrays (set by the sample) */
static unsigned int caller_off;              /* their page offset in every placed sample */

/* Page offset of @p p. */
static inline unsigned int
pgoff(uintptr_t p)
{
	return (unsigned int)(p & 4095u);
}

static inline void
pad_fail(const char *what)
{
	fprintf(stderr, "bench: %s\n", what);
	exit(1);
}

/*
 * Run @p f on @p arg below a pad of stack: with @p anchor ~0u none, otherwise
 * the pad that takes this function's frame down to page offset @p anchor (so
 * the pad, not the caller's depth, decides where @p f's frame sits). The pad
 * used goes to *@p used. Not inlined: the pad is what moves @p f's frame.
 */
static __attribute__((noinline)) double
run_padded(pad_sample_fn f, void *arg, unsigned int anchor, size_t *used)
{
	size_t pad = anchor == ~0u ? 0
				    : ((uintptr_t)__builtin_frame_address(0) - anchor) & 4095u;
	volatile char *a = __builtin_alloca(pad + 1);
	/* through a volatile: a call the compiler cannot resolve, so it cannot
	 * clone this function for a known @p f and inline f's frame (arrays
	 * included) into this one's, above the pad (clang -O3 did) */
	pad_sample_fn volatile fv = f;
	double r;

	a[0] = 0;
	r = fv(arg);
	__asm__ volatile("" : : "r"(a) : "memory");
	*used = pad;
	return r;
}

/* One library's side of a workload. */
struct pad_side {
	pad_sample_fn f; /* NULL: the side does not run */
	void *arg;
	int placed;         /* 1: f's arrays at caller_off (pad_place) */
	unsigned int at;     /* placed: their page offset, caller_off or up to 15
				above it (see pad_place) */
	unsigned int anchor; /* run_padded's anchor for that; ~0u unplaced */
	size_t pad;          /* bytes of pad of the last run */
};

/* A side running @p f on @p arg when @p run (unplaced until pad_place). */
static inline struct pad_side
pad_side(int run, pad_sample_fn f, void *arg)
{
	struct pad_side s = {run ? f : NULL, arg, 0, 0, ~0u, 0};

	return s;
}

/* One sample of @p s; a placed side's arrays must be at caller_off. */
static inline double
pad_run(struct pad_side *s)
{
	double r = run_padded(s->f, s->arg, s->anchor, &s->pad);

	if (s->placed && pgoff(probe_seen) != s->at)
		pad_fail("a sample's arrays missed their page offset");
	return r;
}

/* Place @p s's arrays at caller_off: probes of one burst each (a ring or pool
 * is left as it was), moving the anchor by what each one missed by. The pad
 * moves the stack in steps of 16 bytes, so arrays the compiler aligned to
 * less than 16 (clang put a struct of pointer arrays at 8 mod 16) land at
 * caller_off plus their own offset within 16 bytes: s->at. */
static inline void
pad_place(struct pad_side *s)
{
	unsigned int anchor = 0;

	s->placed = 0;
	if (s->f == NULL)
		return;
	for (int i = 0; i < 8; i++) {
		unsigned int at;
		size_t pad;

		pad_bursts = 1;
		run_padded(s->f, s->arg, anchor, &pad);
		pad_bursts = PAD_BURSTS;
		at = pgoff(probe_seen);
		unsigned int want = (caller_off & ~15u) | (at & 15u);
		if (at == want) {
			s->anchor = anchor;
			s->at = at;
			s->placed = 1;
			return;
		}
		anchor = (anchor + want - at) & 4095u; /* up by the difference */
	}
	pad_fail("placing the burst arrays failed");
}

/* Sample @p n of both sides that run, interleaved: @p d first when @p n is odd. */
static inline void
pad_pair(struct pad_side *h, struct pad_side *d, int n, double *hv, double *dv)
{
	if (d->f != NULL && n % 2 == 1)
		*dv = pad_run(d);
	if (h->f != NULL)
		*hv = pad_run(h);
	if (d->f != NULL && n % 2 == 0)
		*dv = pad_run(d);
}

/* HM_BENCH_VERBOSE: the offset and pads (when @p placed) and every sample. */
static inline void
pad_verbose(int placed, const struct pad_side *h, const struct pad_side *d, const double *hs,
	    const double *ds, int have_dpdk)
{
	if (placed)
		printf("  burst arrays at page offset %u (pads %zu / %zu bytes)\n", caller_off,
		       h->pad, d->pad);
	for (int s = 0; s < SAMPLES; s++)
		printf("  sample %d: hugemem %.3f ns, dpdk %.3f ns\n", s, hs[s],
		       have_dpdk ? ds[s] : 0.0);
}

/* ---------------------------------------------------------------- offsets */

/* Page offsets to keep the arrays clear of, each a band of bytes with a name. */
#define PAD_MAX_BANDS 16
struct pad_bands {
	unsigned int n;
	struct {
		unsigned int off, len; /* page offset, bytes */
		char name[32];
	} b[PAD_MAX_BANDS];
};

/* Note the @p len bytes at @p p as @p name (one of the first PAD_MAX_BANDS). */
static inline void
pad_note(struct pad_bands *bs, const char *name, uintptr_t p, unsigned int len)
{
	if (bs->n < PAD_MAX_BANDS) {
		bs->b[bs->n].off = pgoff(p);
		bs->b[bs->n].len = len;
		snprintf(bs->b[bs->n].name, sizeof(bs->b[0].name), "%s", name);
		bs->n++;
	}
}

/* Bands that come within @p margin bytes of @p len bytes of arrays at page
 * offset @p off, page offsets taken modulo 4 KiB. */
static inline unsigned int
pad_near(const struct pad_bands *bs, unsigned int off, unsigned int len, unsigned int margin)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < bs->n; i++) {
		unsigned int d = (off - bs->b[i].off) & 4095u; /* arrays after the band */

		if (d < bs->b[i].len + margin || d > 4096 - len - margin)
			n++;
	}
	return n;
}

/* The first multiple of 64 whose @p len bytes of arrays stay 64 bytes clear of
 * every band; else clear of as many as can be (*@p near: how many it comes
 * near). */
static inline unsigned int
pad_choose(const struct pad_bands *bs, unsigned int len, unsigned int *near)
{
	unsigned int best = 0, best_n = ~0u;

	for (unsigned int margin = 64;; margin = 0) {
		for (unsigned int off = 0; off < 4096; off += 64) {
			unsigned int n = pad_near(bs, off, len, margin);

			if (n == 0) {
				*near = 0;
				return off;
			}
			if (n < best_n) {
				best_n = n;
				best = off;
			}
		}
		if (margin == 0)
			break;
	}
	*near = best_n;
	return best;
}

/* The bands as ", name offset" after one another (no newline). */
static inline void
pad_print(const struct pad_bands *bs)
{
	for (unsigned int i = 0; i < bs->n; i++)
		printf("%s %s %u", i ? "," : "", bs->b[i].name, bs->b[i].off);
}

/* $HM_BENCH_CALLER_OFF into caller_off: @return 1 when set, 0 when not, -1
 * (with the reason, for @p prog) when it is not a multiple of 16 below 4096. */
static inline int
pad_env_off(const char *prog)
{
	const char *o = getenv("HM_BENCH_CALLER_OFF");
	unsigned long off;

	if (o == NULL || *o == '\0')
		return 0;
	off = strtoul(o, NULL, 0);
	if (off >= 4096 || off % 16 != 0) {
		fprintf(stderr, "%s: HM_BENCH_CALLER_OFF: a multiple of 16 below 4096\n", prog);
		return -1;
	}
	caller_off = (unsigned int)off;
	return 1;
}

/* $HM_BENCH_SWEEP's step: 0 when unset, 64 unless a multiple of 16 from 16. */
static inline unsigned int
pad_sweep_step(void)
{
	unsigned long step;

	if (!bench_env_on("HM_BENCH_SWEEP"))
		return 0;
	step = strtoul(getenv("HM_BENCH_SWEEP"), NULL, 0);
	return step >= 16 && step % 16 == 0 ? (unsigned int)step : 64;
}

#endif
