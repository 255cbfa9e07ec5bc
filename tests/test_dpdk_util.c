/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's header-only helpers and small services: rte_common.h bit
 * tricks and macros, bitops, atomics, spinlocks, rwlocks, pause/wait, memcpy,
 * strings, hex dumps, random numbers, cycles and delays, UUIDs, version, SIMD
 * width, rte_errno and rte_strerror, rte_log, rte_thread_*, rte_ctrl_thread_create.
 * Compared against plain models where there is one.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_atomic.h>
#include <rte_bitops.h>
#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_debug.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hexdump.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_memcpy.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_random.h>
#include <rte_rwlock.h>
#include <rte_spinlock.h>
#include <rte_string_fns.h>
#include <rte_test.h>
#include <rte_thread.h>
#include <rte_uuid.h>
#include <rte_vect.h>
#include <rte_version.h>

#include "helpers.h"

/* ---------------------------------------------------------------- rte_common.h */

static uint32_t
model_pow2(uint64_t x, int bits)
{
	uint64_t p = 1;

	if (x == 0)
		return 0;
	while (p < x && p != 0)
		p <<= 1;
	return (bits == 32 && p > UINT32_MAX) ? 0 : (uint32_t)p;
}

static void
test_dpdk_util_common(void **state)
{
	uint64_t seed = hm_test_seed();
	uint32_t pos = 99;
	char buf[64];
	(void)state;

	/* bit helpers against plain loops */
	for (int i = 0; i < 10000; i++) {
		uint32_t x = (uint32_t)hm_test_rand(&seed) >> (hm_test_rand(&seed) % 32);
		uint64_t y = hm_test_rand(&seed) >> (hm_test_rand(&seed) % 64);
		uint32_t fls = 0, prev = 0;

		for (int b = 0; b < 32; b++)
			if (x & (1u << b))
				fls = (uint32_t)b + 1;
		prev = fls ? 1u << (fls - 1) : 0;
		assert_int_equal(rte_fls_u32(x), fls);
		assert_int_equal(rte_align32prevpow2(x), prev);
		assert_int_equal(rte_align32pow2(x), model_pow2(x, 32));
		assert_int_equal(rte_is_power_of_2(x), x != 0 && (x & (x - 1)) == 0);
		if (x != 0) {
			assert_int_equal(rte_bsf32(x), (uint32_t)__builtin_ctz(x));
			assert_int_equal(rte_log2_u32(x), x <= (1u << 31) ?
					 (uint32_t)__builtin_ctz(model_pow2(x, 32)) : 32);
		}
		if (y != 0 && y <= (1ULL << 63)) {
			uint64_t p = 1;
			while (p < y)
				p <<= 1;
			assert_int_equal(rte_align64pow2(y), p);
			assert_int_equal(rte_log2_u64(y), (uint32_t)__builtin_ctzll(p));
			assert_int_equal(rte_fls_u64(y), 64 - (uint32_t)__builtin_clzll(y));
			assert_int_equal(rte_align64prevpow2(y), 1ULL << (63 - __builtin_clzll(y)));
		}
	}
	assert_int_equal(rte_align32pow2(0), 0);
	assert_int_equal(rte_align32pow2((1u << 31) + 1), 0);
	assert_int_equal(rte_log2_u32(0), 0);
	assert_int_equal(rte_log2_u32(1), 0);
	assert_int_equal(rte_log2_u64(0), 0);
	assert_int_equal(rte_fls_u32(0), 0);
	assert_int_equal(rte_bsf32_safe(0, &pos), 0);
	assert_int_equal(pos, 99);
	assert_int_equal(rte_bsf32_safe(8, &pos), 1);
	assert_int_equal(pos, 3);
	assert_int_equal(rte_bsf64_safe(0, &pos), 0);
	assert_int_equal(rte_bsf64_safe(1ULL << 40, &pos), 1);
	assert_int_equal(pos, 40);
	assert_int_equal(rte_combine32ms1b(0x1000), 0x1fff);
	assert_int_equal(rte_combine64ms1b(1ULL << 40), (1ULL << 41) - 1);

	/* alignment and pointer macros */
	assert_int_equal(RTE_ALIGN_CEIL(65u, 64), 128);
	assert_int_equal(RTE_ALIGN_FLOOR(127u, 64), 64);
	assert_int_equal(RTE_ALIGN(64u, 64), 64);
	assert_int_equal(RTE_ALIGN_MUL_CEIL(7, 3), 9);
	assert_int_equal(RTE_ALIGN_MUL_FLOOR(7, 3), 6);
	assert_int_equal(RTE_ALIGN_MUL_NEAR(7, 3), 6);
	assert_int_equal(RTE_ALIGN_MUL_NEAR(8, 3), 9);
	assert_ptr_equal(RTE_PTR_ALIGN_CEIL(&buf[1], 8), (void *)RTE_ALIGN_CEIL((uintptr_t)&buf[1], 8));
	assert_ptr_equal(RTE_PTR_ADD(buf, 5), &buf[5]);
	assert_ptr_equal(RTE_PTR_SUB(&buf[5], 5), buf);
	assert_int_equal(RTE_PTR_DIFF(&buf[9], &buf[2]), 7);
	assert_true(rte_is_aligned(RTE_PTR_ALIGN(&buf[3], 16), 16));
	assert_false(rte_is_aligned((void *)0x1001, 16));
	assert_int_equal(RTE_MIN(3, 9), 3);
	assert_int_equal(RTE_MAX(3u, 9u), 9);
	assert_int_equal(RTE_DIM(buf), 64);
	assert_int_equal(RTE_LEN2MASK(5, uint8_t), 0x1f);
	assert_int_equal(RTE_IS_POWER_OF_2(64), 1);
	assert_int_equal(RTE_IS_POWER_OF_2(0), 0);
	assert_int_equal(RTE_CACHE_LINE_ROUNDUP(65), 128);
	assert_string_equal(RTE_STR(RTE_CACHE_LINE_SIZE), "64");
	{
		struct outer {
			int a;
			double member;
		} o;
		double *m = &o.member;
		assert_ptr_equal(container_of(m, struct outer, member), &o);
		assert_int_equal(RTE_SIZEOF_FIELD(struct outer, member), sizeof(double));
		int x = 1, y = 2;
		RTE_SWAP(x, y);
		assert_int_equal(x, 2);
		assert_int_equal(y, 1);
	}
	assert_true(likely(1));
	assert_false(unlikely(0));
	RTE_BUILD_BUG_ON(sizeof(uint32_t) != 4);
	/* sizes */
	assert_int_equal(rte_str_to_size("64k"), 65536);
	assert_int_equal(rte_str_to_size(" 2M"), 2 << 20);
	assert_int_equal(rte_str_to_size("1G"), 1 << 30);
	assert_int_equal(rte_str_to_size("1t"), 1ULL << 40);
	assert_int_equal(rte_str_to_size("123"), 123);
	assert_int_equal(rte_str_to_size("0x10"), 16);
	assert_int_equal(rte_str_to_size("12X"), 0);
	assert_int_equal(rte_str_to_size("1MB"), 0);
	assert_int_equal(rte_str_to_size("-1"), 0);
	assert_int_equal(rte_str_to_size("x"), 0);
	assert_int_equal(rte_str_to_size("99999999999999T"), 0);
	assert_int_equal(rte_str_to_size(NULL), 0);
}

/* ---------------------------------------------------------------- bitops */

static void
test_dpdk_util_bitops(void **state)
{
	volatile uint32_t w32 = 0;
	volatile uint64_t w64 = 0;
	(void)state;

	assert_int_equal(RTE_BIT32(5), 32);
	assert_int_equal(RTE_BIT64(40), 1ULL << 40);
	assert_int_equal(RTE_GENMASK32(7, 4), 0xf0);
	assert_int_equal(RTE_GENMASK64(63, 62), 3ULL << 62);
	assert_int_equal(RTE_SHIFT_VAL32(3, 4), 0x30);
	for (unsigned int b = 0; b < 32; b++) {
		assert_int_equal(rte_bit_relaxed_test_and_set32(b, &w32), 0);
		assert_int_not_equal(rte_bit_relaxed_get32(b, &w32), 0);
	}
	assert_int_equal(w32, UINT32_MAX);
	rte_bit_relaxed_clear32(3, &w32);
	assert_int_equal(w32, UINT32_MAX & ~8u);
	assert_int_equal(rte_bit_relaxed_test_and_clear32(3, &w32), 0);
	assert_int_not_equal(rte_bit_relaxed_test_and_clear32(4, &w32), 0);
	rte_bit_relaxed_set64(63, &w64);
	assert_int_equal(w64, 1ULL << 63);
	assert_int_not_equal(rte_bit_relaxed_test_and_set64(63, &w64), 0);
	assert_int_not_equal(rte_bit_relaxed_test_and_clear64(63, &w64), 0);
	assert_int_equal(rte_bit_relaxed_get64(63, &w64), 0);
	rte_bit_relaxed_clear64(0, &w64);
	assert_int_equal(w64, 0);
}

/* ---------------------------------------------------------------- atomics, locks */

#define N_THREADS 4
#define N_ITER 20000

static struct {
	rte_atomic16_t a16;
	rte_atomic32_t a32;
	rte_atomic64_t a64;
	rte_spinlock_t sl;
	rte_spinlock_recursive_t rsl;
	rte_rwlock_t rw;
	uint64_t by_sl, by_rsl, by_rw; /* guarded by sl, rsl, rw (write) */
	volatile uint32_t go;
} sh;

static void *
hammer(void *arg)
{
	(void)arg;
	rte_wait_until_equal_32(&sh.go, 1, __ATOMIC_ACQUIRE);
	for (int i = 0; i < N_ITER; i++) {
		rte_atomic16_inc(&sh.a16);
		rte_atomic32_add(&sh.a32, 2);
		rte_atomic64_add_return(&sh.a64, 3);
		rte_spinlock_lock(&sh.sl);
		sh.by_sl++;
		rte_spinlock_unlock(&sh.sl);
		rte_spinlock_recursive_lock(&sh.rsl);
		rte_spinlock_recursive_lock(&sh.rsl);
		sh.by_rsl++;
		rte_spinlock_recursive_unlock(&sh.rsl);
		rte_spinlock_recursive_unlock(&sh.rsl);
		rte_rwlock_write_lock(&sh.rw);
		sh.by_rw++;
		rte_rwlock_write_unlock(&sh.rw);
		rte_rwlock_read_lock(&sh.rw);
		rte_rwlock_read_unlock(&sh.rw);
	}
	return NULL;
}

static void
test_dpdk_util_atomics_and_locks(void **state)
{
	pthread_t t[N_THREADS];
	rte_atomic32_t a = RTE_ATOMIC32_INIT(5);
	uint32_t u32 = 7;
	uint16_t u16 = 1;
	uint64_t u64 = 9;
	(void)state;

	/* single-thread semantics */
	assert_int_equal(rte_atomic32_read(&a), 5);
	assert_int_equal(rte_atomic32_sub_return(&a, 5), 0);
	assert_int_equal(rte_atomic32_inc_and_test(&a), 0);
	assert_int_equal(rte_atomic32_dec_and_test(&a), 1);
	assert_int_equal(rte_atomic32_test_and_set(&a), 1);
	assert_int_equal(rte_atomic32_test_and_set(&a), 0);
	rte_atomic32_clear(&a);
	assert_int_equal(rte_atomic32_read(&a), 0);
	assert_int_equal(rte_atomic32_cmpset(&u32, 7, 8), 1);
	assert_int_equal(rte_atomic32_cmpset(&u32, 7, 9), 0);
	assert_int_equal(u32, 8);
	assert_int_equal(rte_atomic32_exchange(&u32, 1), 8);
	assert_int_equal(rte_atomic16_exchange(&u16, 2), 1);
	assert_int_equal(rte_atomic16_cmpset(&u16, 2, 3), 1);
	assert_int_equal(rte_atomic64_cmpset(&u64, 9, 10), 1);
	assert_int_equal(rte_atomic64_exchange(&u64, 0), 10);
	{
		rte_atomic64_t b;
		rte_atomic64_init(&b);
		rte_atomic64_set(&b, -1);
		assert_int_equal(rte_atomic64_inc_and_test(&b), 1);
		rte_atomic64_sub(&b, 4);
		rte_atomic64_dec(&b);
		assert_int_equal(rte_atomic64_read(&b), -5);
		rte_atomic16_t c = RTE_ATOMIC16_INIT(1);
		assert_int_equal(rte_atomic16_dec_and_test(&c), 1);
		rte_atomic16_sub(&c, 1);
		assert_int_equal(rte_atomic16_add_return(&c, 1), 0);
	}
	{
		rte_int128_t d = { .val = { 1, 2 } }, e = { .val = { 1, 2 } },
			     n = { .val = { 3, 4 } }, wrong = { .val = { 9, 9 } };
		assert_int_equal(rte_atomic128_cmp_exchange(&d, &e, &n, 0, __ATOMIC_ACQ_REL,
							    __ATOMIC_ACQUIRE), 1);
		assert_int_equal(d.val[0], 3);
		assert_int_equal(rte_atomic128_cmp_exchange(&d, &wrong, &n, 1, __ATOMIC_ACQ_REL,
							    __ATOMIC_ACQUIRE), 0);
		assert_int_equal(wrong.val[1], 4); /* the current value is returned */
	}
	rte_mb();
	rte_wmb();
	rte_rmb();
	rte_smp_mb();
	rte_smp_wmb();
	rte_smp_rmb();
	rte_io_mb();
	rte_io_wmb();
	rte_io_rmb();
	rte_atomic_thread_fence(__ATOMIC_SEQ_CST);
	rte_compiler_barrier();

	/* locks: trylock and is_locked */
	rte_spinlock_init(&sh.sl);
	assert_int_equal(rte_spinlock_trylock(&sh.sl), 1);
	assert_int_equal(rte_spinlock_is_locked(&sh.sl), 1);
	assert_int_equal(rte_spinlock_trylock(&sh.sl), 0);
	rte_spinlock_unlock(&sh.sl);
	assert_int_equal(rte_spinlock_is_locked(&sh.sl), 0);
	assert_int_equal(rte_tm_supported(), 0);
	rte_spinlock_lock_tm(&sh.sl);
	assert_int_equal(rte_spinlock_trylock_tm(&sh.sl), 0);
	rte_spinlock_unlock_tm(&sh.sl);
	rte_spinlock_recursive_init(&sh.rsl);
	assert_int_equal(rte_spinlock_recursive_trylock(&sh.rsl), 1);
	assert_int_equal(rte_spinlock_recursive_trylock_tm(&sh.rsl), 1); /* the holder again */
	rte_spinlock_recursive_unlock_tm(&sh.rsl);
	assert_int_equal(rte_spinlock_is_locked(&sh.rsl.sl), 1);
	rte_spinlock_recursive_unlock(&sh.rsl);
	assert_int_equal(rte_spinlock_is_locked(&sh.rsl.sl), 0);
	rte_spinlock_recursive_lock_tm(&sh.rsl);
	rte_spinlock_recursive_unlock(&sh.rsl);
	rte_rwlock_init(&sh.rw);
	assert_int_equal(rte_rwlock_read_trylock(&sh.rw), 0);
	assert_int_equal(rte_rwlock_read_trylock(&sh.rw), 0);
	assert_int_equal(rte_rwlock_write_trylock(&sh.rw), -EBUSY);
	rte_rwlock_read_unlock(&sh.rw);
	rte_rwlock_read_unlock_tm(&sh.rw);
	assert_int_equal(rte_rwlock_write_trylock(&sh.rw), 0);
	assert_int_equal(rte_rwlock_read_trylock(&sh.rw), -EBUSY);
	assert_int_equal(rte_rwlock_write_trylock(&sh.rw), -EBUSY);
	rte_rwlock_write_unlock_tm(&sh.rw);
	rte_rwlock_write_lock_tm(&sh.rw);
	rte_rwlock_write_unlock(&sh.rw);
	rte_rwlock_read_lock_tm(&sh.rw);
	rte_rwlock_read_unlock(&sh.rw);

	/* under contention: no increment lost */
	memset(&sh, 0, sizeof(sh));
	rte_spinlock_recursive_init(&sh.rsl);
	for (int i = 0; i < N_THREADS; i++)
		pthread_create(&t[i], NULL, hammer, NULL);
	__atomic_store_n(&sh.go, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < N_THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(rte_atomic16_read(&sh.a16), (int16_t)(N_THREADS * N_ITER));
	assert_int_equal(rte_atomic32_read(&sh.a32), 2 * N_THREADS * N_ITER);
	assert_int_equal(rte_atomic64_read(&sh.a64), 3 * N_THREADS * N_ITER);
	assert_int_equal(sh.by_sl, N_THREADS * N_ITER);
	assert_int_equal(sh.by_rsl, N_THREADS * N_ITER);
	assert_int_equal(sh.by_rw, N_THREADS * N_ITER);
	{
		volatile uint16_t v16 = 5;
		volatile uint64_t v64 = 6;
		rte_wait_until_equal_16(&v16, 5, __ATOMIC_RELAXED);
		rte_wait_until_equal_64(&v64, 6, __ATOMIC_ACQUIRE);
		RTE_WAIT_UNTIL_MASKED(&v64, 0x4, ==, 0x4, __ATOMIC_RELAXED);
	}
	rte_pause();
}

/* ---------------------------------------------------------------- memcpy, strings */

static void
test_dpdk_util_memcpy_and_strings(void **state)
{
	uint8_t src[600], dst[600];
	char s[16], *tok[8], line[64];
	(void)state;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7);
	for (size_t n = 0; n < 520; n += 13) {
		memset(dst, 0, sizeof(dst));
		assert_ptr_equal(rte_memcpy(dst + 1, src + 3, n), dst + 1);
		assert_memory_equal(dst + 1, src + 3, n);
		assert_int_equal(dst[n + 1], 0);
	}
	rte_mov16(dst, src);
	rte_mov32(dst, src);
	rte_mov64(dst, src);
	rte_mov128(dst, src);
	rte_mov256(dst, src);
	assert_memory_equal(dst, src, 256);
	memset(dst, 0, sizeof(dst));
	rte_mov128blocks(dst, src, 300);
	assert_memory_equal(dst, src, 256);
	assert_int_equal(dst[256], 0);
	rte_memcpy_aligned(dst, src, 64);
	rte_memcpy_generic(dst, src, 64);
	assert_ptr_equal(rte_mov15_or_less(dst, src, 7), dst);
	rte_prefetch0(src);
	rte_prefetch1(src);
	rte_prefetch2(src);
	rte_prefetch_non_temporal(src);
	rte_prefetch0_write(dst);
	rte_prefetch1_write(dst);
	rte_prefetch2_write(dst);
	rte_cldemote(src);

	/* strlcpy/strlcat: truncation is reported by the length */
	assert_int_equal(rte_strlcpy(s, "hello world, long", sizeof(s)), 17);
	assert_string_equal(s, "hello world, lo");
	assert_int_equal(strlcpy(s, "ab", sizeof(s)), 2);
	assert_int_equal(rte_strlcat(s, "cd", sizeof(s)), 4);
	assert_int_equal(strlcat(s, "0123456789abcdef", sizeof(s)), 20);
	assert_string_equal(s, "abcd0123456789a");
	assert_int_equal(rte_strlcpy(s, "x", 0), 1);
	/* strscpy: -E2BIG on truncation */
	assert_int_equal(rte_strscpy(s, "short", sizeof(s)), 5);
	rte_errno = 0;
	assert_int_equal(rte_strscpy(s, "this is far too long", sizeof(s)), -E2BIG);
	assert_int_equal(rte_errno, E2BIG);
	assert_string_equal(s, "this is far too");
	assert_int_equal(rte_strscpy(s, "x", 0), -E2BIG);
	/* strsplit: empty fields kept, at most maxtokens */
	strcpy(line, "a,b,,c");
	assert_int_equal(rte_strsplit(line, (int)strlen(line), tok, 8, ','), 4);
	assert_string_equal(tok[0], "a");
	assert_string_equal(tok[2], "");
	assert_string_equal(tok[3], "c");
	strcpy(line, "a b c");
	assert_int_equal(rte_strsplit(line, (int)sizeof(line), tok, 2, ' '), 2);
	assert_string_equal(tok[1], "b c");
	strcpy(line, "abc");
	assert_int_equal(rte_strsplit(line, 2, tok, 8, ','), 1);
	errno = 0;
	assert_int_equal(rte_strsplit(NULL, 5, tok, 8, ','), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(rte_strsplit(line, 5, NULL, 8, ','), -1);
}

/* ---------------------------------------------------------------- dumps, version, uuid */

static char *
capture(void (*fn)(FILE *, const char *, const void *, unsigned int), const void *b,
	unsigned int len)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);

	fn(f, "T", b, len);
	fclose(f);
	return buf;
}

static void
test_dpdk_util_dumps_version_uuid(void **state)
{
	const char text[] = "ABCDEFGHIJKLMNOPQ\x01";
	rte_uuid_t u, v, zero = { 0 };
	char s[RTE_UUID_STRLEN], *out;
	(void)state;

	out = capture(rte_hexdump, text, 18);
	assert_non_null(strstr(out, "T at ["));
	assert_non_null(strstr(out, "len=18"));
	assert_non_null(strstr(out, "00000000: 41 42 43"));
	assert_non_null(strstr(out, "| ABCDEFGHIJKLMNOP"));
	assert_non_null(strstr(out, "00000010: 51 01"));
	assert_non_null(strstr(out, "| Q."));
	free(out);
	out = capture(rte_memdump, text, 3);
	assert_string_equal(out, "T: 41:42:43\n");
	free(out);
	rte_hexdump(NULL, "x", text, 3);

	assert_string_equal(rte_version_prefix(), "DPDK");
	assert_int_equal(rte_version_year(), 22);
	assert_int_equal(rte_version_month(), 11);
	assert_int_equal(rte_version_minor(), 0);
	assert_string_equal(rte_version_suffix(), "");
	assert_int_equal(rte_version_release(), 99);
	assert_true(strncmp(rte_version(), "DPDK 22.11.0", 12) == 0);
	assert_int_equal(RTE_VERSION, RTE_VERSION_NUM(22, 11, 0, 99));

	assert_int_equal(rte_uuid_parse("0123456789abcdef-0123-4567-89ab-cdef0123", u), -1);
	assert_int_equal(rte_uuid_parse("01234567-89ab-cdef-0123-456789abcdeg", u), -1);
	assert_int_equal(rte_uuid_parse(NULL, u), -1);
	assert_int_equal(rte_uuid_parse("01234567-89AB-cdef-0123-456789abcdef", u), 0);
	assert_int_equal(u[0], 0x01);
	assert_int_equal(u[5], 0xab);
	assert_int_equal(u[15], 0xef);
	rte_uuid_unparse(u, s, sizeof(s));
	assert_string_equal(s, "01234567-89ab-cdef-0123-456789abcdef");
	rte_uuid_unparse(u, s, 9);
	assert_string_equal(s, "01234567");
	rte_uuid_copy(v, u);
	assert_int_equal(rte_uuid_compare(u, v), 0);
	v[15]++;
	assert_int_equal(rte_uuid_compare(u, v), -1);
	assert_int_equal(rte_uuid_compare(v, u), 1);
	assert_false(rte_uuid_is_null(u));
	assert_true(rte_uuid_is_null(zero));
	{
		rte_uuid_t w = RTE_UUID_INIT(0x01234567, 0x89ab, 0xcdef, 0x0123, 0x456789abcdefULL);
		assert_int_equal(rte_uuid_compare(u, w), 0);
	}
	/* SIMD width */
	assert_int_equal(rte_vect_get_max_simd_bitwidth(), RTE_VECT_DEFAULT_SIMD_BITWIDTH);
	assert_int_equal(rte_vect_set_max_simd_bitwidth(100), -EINVAL);
	assert_int_equal(rte_vect_set_max_simd_bitwidth(32), -EINVAL);
	assert_int_equal(rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_512), 0);
	assert_int_equal(rte_vect_get_max_simd_bitwidth(), 512);
	assert_int_equal(rte_vect_set_max_simd_bitwidth(RTE_VECT_SIMD_256), 0);
}

/* ---------------------------------------------------------------- random, time */

static void
custom_delay(unsigned int us)
{
	static unsigned int total;

	total += us;
	rte_errno = (int)total; /* where the test can see it */
}

static void
test_dpdk_util_random_and_time(void **state)
{
	uint64_t a[16], hist[10] = { 0 }, t0, hz;
	(void)state;

	/* the same seed, the same sequence */
	rte_srand(42);
	for (int i = 0; i < 16; i++)
		a[i] = rte_rand();
	rte_srand(42);
	for (int i = 0; i < 16; i++)
		assert_int_equal(rte_rand(), a[i]);
	assert_int_not_equal(a[0], a[1]);
	assert_int_equal(rte_rand_max(0), 0);
	assert_int_equal(rte_rand_max(1), 0);
	/* bounds always, and roughly uniform: each decile within 20% of 1/10 */
	for (int i = 0; i < 20000; i++) {
		uint64_t r = rte_rand_max(10);
		assert_true(r < 10);
		hist[r]++;
		double d = rte_drand();
		assert_true(d >= 0.0 && d < 1.0);
		assert_true(rte_rand_max(1000003) < 1000003);
	}
	for (int i = 0; i < 10; i++)
		assert_true(hist[i] > 1600 && hist[i] < 2400);

	/* cycles: monotonic, a known rate; delays last at least as asked */
	hz = rte_get_tsc_hz();
	assert_true(hz >= 1000000);
	assert_int_equal(rte_get_timer_hz(), hz);
	t0 = rte_rdtsc();
	assert_true(rte_rdtsc_precise() >= t0);
	assert_true(rte_get_tsc_cycles() >= t0);
	t0 = rte_get_timer_cycles();
	rte_delay_us_block(2000);
	assert_true(rte_get_timer_cycles() - t0 >= hz / 1000 * 2 * 9 / 10);
	t0 = rte_get_timer_cycles();
	rte_delay_us_sleep(2000);
	assert_true(rte_get_timer_cycles() - t0 >= hz / 1000 * 2 * 9 / 10);
	rte_delay_ms(1);
	assert_int_equal(eal_timer_source, EAL_TIMER_TSC);
	/* a registered delay function replaces the busy wait */
	rte_delay_us_callback_register(custom_delay);
	rte_delay_us(5);
	rte_delay_ms(2);
	assert_int_equal(rte_errno, 2005);
	rte_delay_us_callback_register(NULL); /* ignored */
	rte_delay_us_callback_register(rte_delay_us_block);
}

/* ---------------------------------------------------------------- errno, log */

static void *
errno_thread(void *arg)
{
	*(int *)arg = rte_errno; /* not the main thread's */
	rte_errno = 77;
	return NULL;
}

RTE_LOG_REGISTER(test_logtype, hugemem.test.ctor, NOTICE);

static int
test_fn(int x)
{
	RTE_TEST_ASSERT(x > 0, "x is %d", x);
	RTE_TEST_ASSERT_EQUAL(x, 1, "x");
	RTE_TEST_ASSERT_NOT_EQUAL(x, 2, "x");
	RTE_TEST_ASSERT_SUCCESS(x - 1, "x");
	RTE_TEST_ASSERT_FAIL(x, "x");
	RTE_TEST_ASSERT_NULL(NULL, "p");
	RTE_TEST_ASSERT_NOT_NULL(&x, "p");
	return 0;
}

static void
test_dpdk_util_errno_and_log(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	pthread_t t;
	int other = -1, id, id2;
	(void)state;

	rte_errno = 5;
	pthread_create(&t, NULL, errno_thread, &other);
	pthread_join(t, NULL);
	assert_int_equal(other, 0);
	assert_int_equal(rte_errno, 5); /* per thread */
	assert_string_equal(rte_strerror(E_RTE_SECONDARY), "Invalid call in secondary process");
	assert_string_equal(rte_strerror(E_RTE_NO_CONFIG), "Missing rte_config structure");
	assert_string_equal(rte_strerror(EINVAL), strerror(EINVAL));
	assert_true(RTE_MAX_ERRNO > E_RTE_NO_CONFIG);

	/* types, levels, patterns */
	f = open_memstream(&buf, &len);
	assert_int_equal(rte_openlog_stream(f), 0);
	assert_ptr_equal(rte_log_get_stream(), f);
	assert_int_equal(rte_log_get_level(RTE_LOGTYPE_EAL), (int)RTE_LOG_INFO);
	assert_int_equal(rte_log_get_global_level(), RTE_LOG_DEBUG);
	assert_int_equal(rte_log_get_level(test_logtype), (int)RTE_LOG_NOTICE); /* constructor */
	assert_true(test_logtype >= RTE_LOGTYPE_FIRST_EXT_ID);
	assert_int_equal(rte_log_register(NULL), -EINVAL);
	assert_int_equal(rte_log_register(""), -EINVAL);
	id = rte_log_register("hugemem.test.a");
	assert_true(id >= RTE_LOGTYPE_FIRST_EXT_ID);
	assert_int_equal(rte_log_register("hugemem.test.a"), id); /* same name, same id */
	assert_int_equal(rte_log_get_level((uint32_t)id), (int)RTE_LOG_INFO);
	assert_int_equal(rte_log_get_level(100000), -1);
	assert_int_equal(rte_log_set_level((uint32_t)id, 0), -1);
	assert_int_equal(rte_log_set_level((uint32_t)id, 9), -1);
	assert_int_equal(rte_log_set_level(100000, 3), -1);
	assert_int_equal(rte_log_set_level(22, 3), -1); /* an unnamed static id */
	assert_int_equal(rte_log_set_level((uint32_t)id, RTE_LOG_ERR), 0);
	assert_true(rte_log_can_log((uint32_t)id, RTE_LOG_ERR));
	assert_false(rte_log_can_log((uint32_t)id, RTE_LOG_WARNING));
	assert_false(rte_log_can_log(100000, RTE_LOG_EMERG));
	assert_int_equal(rte_log(RTE_LOG_WARNING, (uint32_t)id, "dropped\n"), 0);
	assert_int_equal(rte_log(RTE_LOG_ERR, (uint32_t)id, "kept %d\n", 1), 0);
	assert_int_equal(rte_log_cur_msg_loglevel(), (int)RTE_LOG_ERR);
	assert_int_equal(rte_log_cur_msg_logtype(), id);
	assert_int_equal(rte_log(RTE_LOG_ERR, 100000, "x\n"), -1);
	RTE_LOG(NOTICE, USER1, "user %s\n", "one");
	RTE_LOG_DP(DEBUG, USER1, "compiled out (above RTE_LOG_DP_LEVEL)\n");
	/* the global level caps every type */
	rte_log_set_global_level(RTE_LOG_CRIT);
	RTE_LOG(ERR, EAL, "not shown\n");
	rte_log_set_global_level(RTE_LOG_DEBUG);
	/* glob patterns and regexps, also for types registered later */
	assert_int_equal(rte_log_set_level_pattern("hugemem.test.*", RTE_LOG_DEBUG), 0);
	assert_int_equal(rte_log_get_level((uint32_t)id), (int)RTE_LOG_DEBUG);
	assert_int_equal(rte_log_set_level_pattern("x", 0), -1);
	assert_int_equal(rte_log_set_level_regexp("^hugemem\\.test\\.b$", RTE_LOG_ALERT), 0);
	assert_int_equal(rte_log_set_level_regexp("(", RTE_LOG_ALERT), -1);
	id2 = rte_log_register_type_and_pick_level("hugemem.test.b", RTE_LOG_INFO);
	assert_int_equal(rte_log_get_level((uint32_t)id2), (int)RTE_LOG_ALERT);
	id2 = rte_log_register_type_and_pick_level("hugemem.test.c", RTE_LOG_INFO);
	assert_int_equal(rte_log_get_level((uint32_t)id2), (int)RTE_LOG_DEBUG);
	id2 = rte_log_register_type_and_pick_level("other.c", RTE_LOG_WARNING);
	assert_int_equal(rte_log_get_level((uint32_t)id2), (int)RTE_LOG_WARNING);
	rte_log_list_types(f, "> ");
	rte_log_dump(f);
	rte_log_list_types(NULL, "x");
	rte_log_dump(NULL);
	/* RTE_TEST_ASSERT returns -1 from the caller */
	assert_int_equal(test_fn(1), 0);
	assert_int_equal(test_fn(2), -1); /* logged at DEBUG: not shown at INFO */
	fflush(f);
	assert_null(strstr(buf, "Test assert"));
	assert_int_equal(rte_log_set_level(RTE_LOGTYPE_EAL, RTE_LOG_DEBUG), 0);
	assert_int_equal(test_fn(0), -1);
	assert_int_equal(rte_log_set_level(RTE_LOGTYPE_EAL, RTE_LOG_INFO), 0);
	fflush(f);
	assert_non_null(strstr(buf, "kept 1\n"));
	assert_null(strstr(buf, "dropped"));
	assert_non_null(strstr(buf, "USER1: user one\n"));
	assert_null(strstr(buf, "compiled out"));
	assert_null(strstr(buf, "not shown"));
	assert_non_null(strstr(buf, "> lib.eal\n"));
	assert_non_null(strstr(buf, "> hugemem.test.ctor\n"));
	assert_non_null(strstr(buf, "global log level is debug"));
	assert_non_null(strstr(buf, "hugemem.test.b, level is alert"));
	assert_non_null(strstr(buf, "Test assert test_fn line"));
	rte_openlog_stream(NULL);
	assert_ptr_equal(rte_log_get_stream(), stderr);
	fclose(f);
	free(buf);
}

/* ---------------------------------------------------------------- threads */

static uint32_t
thread_fn(void *arg)
{
	return (uint32_t)(uintptr_t)arg * 2;
}

static volatile int thread_hold;

/* Runs until released, so that its affinity and priority can be asked. */
static uint32_t
hold_fn(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&thread_hold, __ATOMIC_ACQUIRE))
		sched_yield();
	return 0;
}

static volatile int ctrl_hold;

static void *
ctrl_fn(void *arg)
{
	cpu_set_t *s = arg;

	pthread_getaffinity_np(pthread_self(), sizeof(*s), s);
	while (__atomic_load_n(&ctrl_hold, __ATOMIC_ACQUIRE))
		sched_yield();
	return NULL;
}

static void
tls_destructor(void *p)
{
	(void)p;
}

static void
test_dpdk_util_threads(void **state)
{
	rte_thread_t t, self = rte_thread_self();
	rte_thread_attr_t attr;
	rte_cpuset_t cs, got;
	rte_thread_key key;
	enum rte_thread_priority prio;
	uint32_t ret = 0;
	char name[32];
	pthread_t pt;
	(void)state;

	assert_int_equal(rte_thread_create(NULL, NULL, thread_fn, NULL), EINVAL);
	assert_int_equal(rte_thread_create(&t, NULL, NULL, NULL), EINVAL);
	assert_int_equal(rte_thread_create(&t, NULL, thread_fn, (void *)21), 0);
	assert_int_equal(rte_thread_join(t, &ret), 0);
	assert_int_equal(ret, 42);
	assert_true(rte_thread_equal(self, rte_thread_self()));
	assert_int_equal(rte_thread_attr_init(NULL), EINVAL);
	assert_int_equal(rte_thread_attr_init(&attr), 0);
	assert_int_equal(rte_thread_attr_set_priority(&attr, (enum rte_thread_priority)7), EINVAL);
	assert_int_equal(rte_thread_attr_set_priority(&attr, RTE_THREAD_PRIORITY_NORMAL), 0);
	rte_thread_get_affinity(&cs);
	assert_true(CPU_COUNT(&cs) >= 1);
	assert_int_equal(rte_thread_attr_set_affinity(&attr, &cs), 0);
	assert_int_equal(rte_thread_attr_set_affinity(&attr, NULL), EINVAL);
	assert_int_equal(rte_thread_attr_get_affinity(&attr, &got), 0);
	assert_true(CPU_EQUAL(&cs, &got));
	__atomic_store_n(&thread_hold, 1, __ATOMIC_RELEASE);
	assert_int_equal(rte_thread_create(&t, &attr, hold_fn, NULL), 0);
	assert_int_equal(rte_thread_get_affinity_by_id(t, &got), 0);
	assert_int_equal(rte_thread_set_affinity_by_id(t, &cs), 0);
	assert_int_equal(rte_thread_set_affinity_by_id(t, NULL), EINVAL);
	assert_int_equal(rte_thread_get_priority(t, &prio), 0);
	assert_int_equal(prio, RTE_THREAD_PRIORITY_NORMAL);
	assert_int_equal(rte_thread_get_priority(t, NULL), EINVAL);
	assert_int_equal(rte_thread_set_priority(t, RTE_THREAD_PRIORITY_NORMAL), 0);
	assert_int_equal(rte_thread_set_priority(t, (enum rte_thread_priority)9), EINVAL);
	__atomic_store_n(&thread_hold, 0, __ATOMIC_RELEASE);
	assert_int_equal(rte_thread_join(t, NULL), 0);
	assert_int_equal(rte_thread_create(&t, NULL, thread_fn, NULL), 0);
	assert_int_equal(rte_thread_detach(t), 0);
	assert_int_equal(rte_thread_set_affinity(&cs), 0);
	assert_int_equal(rte_thread_set_affinity(NULL), -1);

	/* TLS keys */
	assert_int_equal(rte_thread_key_create(NULL, NULL), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_thread_key_create(&key, tls_destructor), 0);
	assert_null(rte_thread_value_get(key));
	assert_int_equal(rte_thread_value_set(key, &ret), 0);
	assert_ptr_equal(rte_thread_value_get(key), &ret);
	assert_int_equal(rte_thread_value_set(NULL, &ret), -1);
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(rte_thread_value_get(NULL));
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_thread_key_delete(key), 0);
	assert_int_equal(rte_thread_key_delete(NULL), -1);

	/* names (15 characters at most) and control threads */
	assert_int_equal(rte_thread_setname(pthread_self(), "a-very-long-thread-name"), 0);
	assert_int_equal(rte_thread_getname(pthread_self(), name, sizeof(name)), 0);
	assert_string_equal(name, "a-very-long-thr");
	assert_int_equal(rte_thread_setname(pthread_self(), NULL), -EINVAL);
	assert_int_equal(rte_thread_getname(pthread_self(), NULL, 4), -EINVAL);
	rte_thread_setname(pthread_self(), "test_dpdk_util");
	assert_int_equal(rte_ctrl_thread_create(NULL, "c", NULL, ctrl_fn, &got), -EINVAL);
	__atomic_store_n(&ctrl_hold, 1, __ATOMIC_RELEASE);
	assert_int_equal(rte_ctrl_thread_create(&pt, "ctrl-test", NULL, ctrl_fn, &got), 0);
	assert_int_equal(rte_thread_getname(pt, name, sizeof(name)), 0);
	assert_string_equal(name, "ctrl-test");
	__atomic_store_n(&ctrl_hold, 0, __ATOMIC_RELEASE);
	pthread_join(pt, NULL);
	assert_true(CPU_COUNT(&got) >= 1);
}

/* Control threads avoid the CPUs of pinned EAL lcores where others are left. */
static void
test_dpdk_util_ctrl_thread_cpus(void **state)
{
	char *argv[] = { (char *)"t", (char *)"-l", (char *)"0", (char *)"--in-memory", NULL };
	cpu_set_t all, got;
	pthread_t pt;
	(void)state;

	pthread_getaffinity_np(pthread_self(), sizeof(all), &all);
	hm_test_quiet_log();
	assert_int_equal(rte_eal_init(4, argv), 3);
	assert_int_equal(rte_ctrl_thread_create(&pt, "ctrl", NULL, ctrl_fn, &got), 0);
	pthread_join(pt, NULL);
	if (CPU_ISSET(0, &all) && CPU_COUNT(&all) > 1)
		assert_false(CPU_ISSET(0, &got)); /* lcore 0 is pinned to CPU 0 */
	assert_true(CPU_COUNT(&got) >= 1);
	assert_int_equal(rte_eal_cleanup(), 0);
	/* the main thread's CPUs are given back */
	pthread_getaffinity_np(pthread_self(), sizeof(got), &got);
	assert_true(CPU_EQUAL(&got, &all));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpdk_util_common),
		cmocka_unit_test(test_dpdk_util_bitops),
		cmocka_unit_test(test_dpdk_util_atomics_and_locks),
		cmocka_unit_test(test_dpdk_util_memcpy_and_strings),
		cmocka_unit_test(test_dpdk_util_dumps_version_uuid),
		cmocka_unit_test(test_dpdk_util_random_and_time),
		cmocka_unit_test(test_dpdk_util_errno_and_log),
		cmocka_unit_test(test_dpdk_util_threads),
		cmocka_unit_test_teardown(test_dpdk_util_ctrl_thread_cpus, hm_test_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
