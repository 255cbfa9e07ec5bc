/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of tests/bench_pad.h, the page-offset placement bench_ring and
 * bench_mempool run their samples with: a placed sample's arrays land at
 * caller_off whatever the stack depth it is run from, the probe runs one
 * burst, pad_choose() keeps clear of the noted bands, the sample pairs
 * alternate which side goes first, sample functions are 64-byte aligned, and
 * the environment is read as the benchmarks document it.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define SAMPLES 7
#include "bench_common.h"
#define PAD_BURSTS 5
#include "bench_pad.h"

static unsigned int bursts_seen; /* pad_bursts as the last sample saw it */

/* A sample with one array of 32 pointers, like bench_mempool's bulk ones. */
static PAD_SAMPLE double
sample_small(void *arg)
{
	void *objs[32];

	for (unsigned int i = 0; i < pad_bursts; i++) {
		objs[i % 32] = arg;
		__asm__ volatile("" : : "r"(objs) : "memory");
	}
	bursts_seen = pad_bursts;
	probe_seen = (uintptr_t)objs;
	return 1.0;
}

/* A sample with a larger frame (two arrays of 32, like bench_ring's). */
static PAD_SAMPLE double
sample_large(void *arg)
{
	struct {
		void *in[32];
		void *out[32];
	} a;

	for (unsigned int i = 0; i < pad_bursts; i++) {
		a.in[i % 32] = arg;
		a.out[i % 32] = a.in[i % 32];
		__asm__ volatile("" : : "r"(&a) : "memory");
	}
	bursts_seen = pad_bursts;
	probe_seen = (uintptr_t)&a;
	return 2.0;
}

/* Run @p s from @p extra more bytes of stack than the caller: @return the page
 * offset its arrays landed at. */
static __attribute__((noinline)) unsigned int
run_deeper(struct pad_side *s, size_t extra)
{
	volatile char *x = __builtin_alloca(extra + 1);

	x[0] = 1;
	run_padded(s->f, s->arg, s->anchor, &s->pad);
	__asm__ volatile("" : : "r"(x) : "memory");
	return pgoff(probe_seen);
}

/* Placed at every multiple of 16 of a page, from the depth pad_place() probed
 * at and from deeper ones, both sample shapes. */
static void
test_bench_pad_place_any_depth(void **state)
{
	static const size_t extra[] = {0, 8, 16, 48, 200, 1000, 2056, 4095, 5000};
	static const pad_sample_fn fs[] = {sample_small, sample_large};
	(void)state;

	if (HM_TEST_ASAN) {
		/* ASan's alloca adds redzones and rounds to 32 bytes, so a pad does
		 * not move the frame below it by its own length (benchmarks run in
		 * release builds; gcc, clang and TSan builds place exactly) */
		print_message("skipped: AddressSanitizer's alloca is not a plain stack move\n");
		skip();
	}
	for (unsigned int k = 0; k < 2; k++)
		for (unsigned int off = 0; off < 4096; off += 16) {
			struct pad_side s = pad_side(1, fs[k], NULL);

			caller_off = off;
			bursts_seen = 0;
			pad_place(&s);
			assert_int_equal(s.placed, 1);
			assert_int_equal(bursts_seen, 1);  /* the probe: one burst */
			assert_int_equal(pad_bursts, PAD_BURSTS); /* restored */
			/* at caller_off, or as far above it as the arrays sit above a
			 * 16-byte boundary (their alignment is the compiler's) */
			assert_int_equal(s.at & ~15u, off);
			assert_int_equal(s.at & 15u, s.at - off);
			assert_int_equal(pgoff(probe_seen), s.at);
			for (unsigned int e = 0; e < sizeof(extra) / sizeof(extra[0]); e++)
				assert_int_equal(run_deeper(&s, extra[e]), s.at);
			assert_true(pad_run(&s) == (k == 0 ? 1.0 : 2.0)); /* checks too */
			assert_int_equal(bursts_seen, PAD_BURSTS);
			assert_int_equal(pgoff(probe_seen), s.at);
			assert_true(s.pad < 4096);
		}
}

/* An unplaced side runs with no pad; a side that does not run is not placed. */
static void
test_bench_pad_unplaced(void **state)
{
	struct pad_side s = pad_side(1, sample_small, NULL), off = pad_side(0, sample_small, NULL);
	(void)state;

	assert_int_equal(s.placed, 0);
	assert_true(pad_run(&s) == 1.0);
	assert_int_equal(s.pad, 0);
	assert_null(off.f);
	pad_place(&off);
	assert_int_equal(off.placed, 0);
}

static char order[16];
static unsigned int n_order;

static double
mark_h(void *arg)
{
	(void)arg;
	order[n_order++] = 'h';
	return 10.0;
}

static double
mark_d(void *arg)
{
	(void)arg;
	order[n_order++] = 'd';
	return 20.0;
}

/* Even samples: hugemem then DPDK; odd: DPDK first; a side that does not run
 * leaves its figure alone. */
static void
test_bench_pad_pair_order(void **state)
{
	struct pad_side h = pad_side(1, mark_h, NULL), d = pad_side(1, mark_d, NULL);
	struct pad_side none = pad_side(0, mark_d, NULL);
	double hv = 0, dv = 0;
	(void)state;

	n_order = 0;
	memset(order, 0, sizeof(order));
	for (int n = 0; n < 4; n++)
		pad_pair(&h, &d, n, &hv, &dv);
	assert_string_equal(order, "hddhhddh");
	assert_true(hv == 10.0 && dv == 20.0);
	n_order = 0;
	memset(order, 0, sizeof(order));
	dv = -1;
	pad_pair(&h, &none, 1, &hv, &dv);
	assert_string_equal(order, "h");
	assert_true(dv == -1);
}

/* pad_choose(): the first multiple of 64 clear of every band by 64 bytes, the
 * least crowded one when none is, and the figures the benchmarks printed. */
static void
test_bench_pad_choose(void **state)
{
	struct pad_bands bs;
	unsigned int near = 99;
	(void)state;

	memset(&bs, 0, sizeof(bs));
	assert_int_equal(pad_choose(&bs, 512, &near), 0);
	assert_int_equal(near, 0);

	/* a line at 0: 512 bytes of arrays start 64 past its end, or end 64 before it */
	pad_note(&bs, "line", 4096 * 7 + 0x20, 64); /* the page offset is what counts */
	assert_int_equal(bs.b[0].off, 0x20);
	bs.b[0].off = 0;
	assert_int_equal(pad_choose(&bs, 512, &near), 128);
	assert_int_equal(near, 0);
	assert_int_equal(pad_near(&bs, 64, 512, 64), 1);
	assert_int_equal(pad_near(&bs, 64, 512, 0), 0);
	assert_int_equal(pad_near(&bs, 3520, 512, 64), 0);
	assert_int_equal(pad_near(&bs, 3584, 512, 64), 1);

	/* bench_mempool's caches' windows on this machine: 576 */
	memset(&bs, 0, sizeof(bs));
	pad_note(&bs, "hugemem cache", 1984, 256);
	pad_note(&bs, "hugemem pktmbuf cache", 256, 256);
	pad_note(&bs, "floor", 2112, 256);
	assert_int_equal(pad_choose(&bs, 256, &near), 576);
	assert_int_equal(near, 0);
	assert_string_equal(bs.b[1].name, "hugemem pktmbuf cache");

	/* a band every 256 bytes: nothing is clear; margin 0 does not help either,
	 * so the first offset with the fewest neighbours */
	memset(&bs, 0, sizeof(bs));
	for (unsigned int o = 0; o < 4096; o += 256)
		pad_note(&bs, "b", o, 64);
	assert_int_equal(bs.n, PAD_MAX_BANDS);
	pad_note(&bs, "one too many", 0, 64);
	assert_int_equal(bs.n, PAD_MAX_BANDS);
	pad_choose(&bs, 512, &near);
	assert_true(near > 0);
	for (unsigned int o = 0; o < 4096; o += 64)
		assert_true(pad_near(&bs, o, 512, 0) >= near);
}

/* PAD_SAMPLE functions start on a 64-byte boundary (their loops' alignment
 * then depends on their own code only). */
static void
test_bench_pad_sample_aligned(void **state)
{
	pad_sample_fn fs[2] = {sample_small, sample_large};
	(void)state;

	for (int i = 0; i < 2; i++) {
		__asm__ volatile("" : "+r"(fs[i])); /* the address as the linker placed it */
		assert_int_equal((uintptr_t)fs[i] % 64, 0);
	}
}

/* HM_BENCH_CALLER_OFF and HM_BENCH_SWEEP as the benchmarks' headers say. */
static void
test_bench_pad_env(void **state)
{
	(void)state;

	caller_off = 123;
	unsetenv("HM_BENCH_CALLER_OFF");
	assert_int_equal(pad_env_off("t"), 0);
	assert_int_equal(caller_off, 123);
	setenv("HM_BENCH_CALLER_OFF", "0x40", 1);
	assert_int_equal(pad_env_off("t"), 1);
	assert_int_equal(caller_off, 64);
	setenv("HM_BENCH_CALLER_OFF", "100", 1);
	assert_int_equal(pad_env_off("t"), -1);
	setenv("HM_BENCH_CALLER_OFF", "4096", 1);
	assert_int_equal(pad_env_off("t"), -1);
	assert_int_equal(caller_off, 64);
	unsetenv("HM_BENCH_CALLER_OFF");

	unsetenv("HM_BENCH_SWEEP");
	assert_int_equal(pad_sweep_step(), 0);
	setenv("HM_BENCH_SWEEP", "0", 1);
	assert_int_equal(pad_sweep_step(), 0);
	setenv("HM_BENCH_SWEEP", "32", 1);
	assert_int_equal(pad_sweep_step(), 32);
	setenv("HM_BENCH_SWEEP", "8", 1);
	assert_int_equal(pad_sweep_step(), 64);
	setenv("HM_BENCH_SWEEP", "1", 1);
	assert_int_equal(pad_sweep_step(), 64);
	unsetenv("HM_BENCH_SWEEP");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench_pad_place_any_depth),
		cmocka_unit_test(test_bench_pad_unplaced),
		cmocka_unit_test(test_bench_pad_pair_order),
		cmocka_unit_test(test_bench_pad_choose),
		cmocka_unit_test(test_bench_pad_sample_aligned),
		cmocka_unit_test(test_bench_pad_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
