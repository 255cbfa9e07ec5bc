/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_zero: clear the memory hm_zmalloc, hm_calloc and memzones hand out.
 *
 * Clearing recycled memory is a stream of stores to cold lines, and what
 * bounds it is how well the CPU's prefetchers follow that stream. A heap that
 * carves each block from the top of a free one (ours, like DPDK's) hands out
 * consecutive blocks at descending addresses. glibc's memset clears upward,
 * with `rep stosb` from 2 KiB on: on the AMD EPYC hosts we measure on that
 * clears a 4 KiB block of cold memory in ~195 ns when the blocks follow one
 * another (either way), where a loop of vector stores that runs the same way
 * as the blocks (each block top down when they descend) takes ~145-175 ns, and
 * one that runs against them ~330-470 ns. Blocks in no order are another
 * matter: there `rep stosb` clears a 4 KiB block in ~400 ns and the vector
 * loops take ~630-830 (`HM_BENCH_PROBE_ZERO=1 tests/bench_malloc`;
 * docs/performance-history.md, "Issue #19, part 6"). So hm_zero clears a block of
 * ZERO_VEC_MIN to ZERO_VEC_MAX bytes with vector stores (AVX2 where the CPU
 * has it, chosen once at run time, else SSE2) only when it continues this
 * thread's previous clear, i.e. starts at most ZERO_GAP bytes above its end
 * (upward then) or ends at most ZERO_GAP below its start (top down then).
 * Any other block takes memset, and so do smaller ones (a few lines: the order
 * hardly matters) and larger ones (rare, since fresh memory comes clean; the
 * loops were measured up to 1 MiB only).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "common_i.h"

#define ZERO_VEC_MIN 512u
#define ZERO_VEC_MAX (4u << 20)
#define ZERO_GAP 4096u /* a header, a trailer, a small block between two clears */

/* This thread's previous clear (any method), [lo, hi). */
static __thread struct {
	uintptr_t lo, hi;
} zero_last;

#if defined(__x86_64__)
#include <immintrin.h>

/* The loops below store to [p, p + n), n >= 64: the unaligned ends with
 * 16-byte stores, the aligned middle in 128-byte rounds, in one direction. The
 * empty asm hides the zero from gcc, which would turn a loop of zero stores
 * back into a call to memset. */

static void
zero_sse2(char *p, size_t n, bool down)
{
	__m128i z = _mm_setzero_si128();
	__asm__("" : "+x"(z));
	char *lo = (char *)HM_ALIGN_CEIL((uintptr_t)p, 16);
	char *hi = (char *)HM_ALIGN_FLOOR((uintptr_t)p + n, 16);
	size_t m = (size_t)(hi - lo);

	_mm_storeu_si128((__m128i *)(void *)p, z);
	_mm_storeu_si128((__m128i *)(void *)(p + n - 16), z);
	if (down) {
		for (; m >= 128; m -= 128) {
			hi -= 128;
			for (int i = 112; i >= 0; i -= 16)
				_mm_store_si128((__m128i *)(void *)(hi + i), z);
		}
		for (; m != 0; m -= 16) {
			hi -= 16;
			_mm_store_si128((__m128i *)(void *)hi, z);
		}
	} else {
		for (; m >= 128; m -= 128, lo += 128)
			for (int i = 0; i < 128; i += 16)
				_mm_store_si128((__m128i *)(void *)(lo + i), z);
		for (; m != 0; m -= 16, lo += 16)
			_mm_store_si128((__m128i *)(void *)lo, z);
	}
}

/* Aligned 32-byte stores (vmovdqa: gcc splits only unaligned ones). */
__attribute__((target("avx2"))) static void
zero_avx2(char *p, size_t n, bool down)
{
	__m256i z = _mm256_setzero_si256();
	__asm__("" : "+x"(z));
	const __m128i z16 = _mm256_castsi256_si128(z);
	char *lo = (char *)HM_ALIGN_CEIL((uintptr_t)p, 32);
	char *hi = (char *)HM_ALIGN_FLOOR((uintptr_t)p + n, 32);
	size_t m = (size_t)(hi - lo);

	_mm_storeu_si128((__m128i *)(void *)p, z16);
	_mm_storeu_si128((__m128i *)(void *)(p + 16), z16);
	_mm_storeu_si128((__m128i *)(void *)(p + n - 32), z16);
	_mm_storeu_si128((__m128i *)(void *)(p + n - 16), z16);
	if (down) {
		for (; m >= 128; m -= 128) {
			hi -= 128;
			_mm256_store_si256((__m256i *)(void *)(hi + 96), z);
			_mm256_store_si256((__m256i *)(void *)(hi + 64), z);
			_mm256_store_si256((__m256i *)(void *)(hi + 32), z);
			_mm256_store_si256((__m256i *)(void *)hi, z);
		}
		for (; m != 0; m -= 32) {
			hi -= 32;
			_mm256_store_si256((__m256i *)(void *)hi, z);
		}
	} else {
		for (; m >= 128; m -= 128, lo += 128) {
			_mm256_store_si256((__m256i *)(void *)lo, z);
			_mm256_store_si256((__m256i *)(void *)(lo + 32), z);
			_mm256_store_si256((__m256i *)(void *)(lo + 64), z);
			_mm256_store_si256((__m256i *)(void *)(lo + 96), z);
		}
		for (; m != 0; m -= 32, lo += 32)
			_mm256_store_si256((__m256i *)(void *)lo, z);
	}
}

/* 0: not chosen yet, 1: SSE2, 2: AVX2. Threads racing on the first call
 * store the same value. */
static int zero_isa;

static int
isa_best(void)
{
	int isa = __atomic_load_n(&zero_isa, __ATOMIC_RELAXED);

	if (HM_UNLIKELY(isa == 0)) {
		__builtin_cpu_init(); /* in case a constructor clears before libgcc's ran */
		isa = __builtin_cpu_supports("avx2") ? 2 : 1;
		__atomic_store_n(&zero_isa, isa, __ATOMIC_RELAXED);
	}
	return isa;
}

int
hm_zero_vec(void *p, size_t n, int isa, bool down)
{
	if (isa == 0)
		isa = isa_best();
	if (n < 64 || isa < 1 || isa > 2)
		return -EINVAL;
	if (isa == 2 && isa_best() != 2)
		return -ENOTSUP;
	if (isa == 2)
		zero_avx2(p, n, down);
	else
		zero_sse2(p, n, down);
	return 0;
}

#else

int
hm_zero_vec(void *p, size_t n, int isa, bool down)
{
	(void)down;
	if (n < 64 || isa < 0 || isa > 2)
		return -EINVAL;
	if (isa != 0)
		return -ENOTSUP;
	memset(p, 0, n);
	return 0;
}

#endif

int
hm_zero(void *p, size_t n)
{
	uintptr_t lo = (uintptr_t)p, hi = lo + n, plo = zero_last.lo, phi = zero_last.hi;

	zero_last.lo = lo;
	zero_last.hi = hi;
	if (n >= ZERO_VEC_MIN && n <= ZERO_VEC_MAX) {
		if (lo >= phi && lo - phi <= ZERO_GAP && hm_zero_vec(p, n, 0, false) == 0)
			return HM_ZERO_UP;
		if (hi <= plo && plo - hi <= ZERO_GAP && hm_zero_vec(p, n, 0, true) == 0)
			return HM_ZERO_DOWN;
	}
	memset(p, 0, n);
	return HM_ZERO_MEMSET;
}
