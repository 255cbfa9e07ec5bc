/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of core/common: errors, log hook, size parsing, VA reservation. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>

#include "helpers.h"
#include "common_i.h"

static void
test_common_invalid_args(void **state)
{
	uint64_t v = 42;
	(void)state;

	hm_test_quiet_log();
	/* size parser */
	assert_int_equal(hm_parse_size(NULL, &v), -EINVAL);
	assert_int_equal(hm_parse_size("", &v), -EINVAL);
	assert_int_equal(hm_parse_size("M", &v), -EINVAL);
	assert_int_equal(hm_parse_size("2X", &v), -EINVAL);
	assert_int_equal(hm_parse_size("2MBs", &v), -EINVAL);
	assert_int_equal(hm_parse_size("-2M", &v), -EINVAL);
	assert_int_equal(hm_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(hm_parse_size("17179869184G", &v), -ERANGE); /* 2^34 G = 2^64 */
	assert_int_equal(v, 42);
	assert_int_equal(hm_parse_u64("12a", 100, &v), -EINVAL);
	assert_int_equal(hm_parse_u64("101", 100, &v), -ERANGE);
	assert_int_equal(hm_parse_u64("9", 7, &v), -ERANGE); /* max below one digit */
	assert_int_equal(hm_parse_u64("8", 7, &v), -ERANGE);
	assert_int_equal(hm_parse_u64("", 7, &v), -EINVAL);
	assert_int_equal(v, 42);
	/* VA reservation */
	assert_null(hm_va_reserve(NULL, 0, 4096, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_va_reserve(NULL, 100, 4096, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_va_reserve(NULL, 4096, 3, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_va_reserve(NULL, 4096, 4096, HM_VA_EXACT));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_va_reserve((void *)0x201000, 4096, 2 << 20, HM_VA_EXACT));
	assert_int_equal(hm_errno, EINVAL);
	/* snprintf truncation */
	char small[4];
	assert_int_equal(hm_snprintf(small, sizeof(small), "%s", "abcd"), -ENAMETOOLONG);
	assert_int_equal(hm_snprintf(small, sizeof(small), "%s", "abc"), 0);
}

static void
test_common_parse_size(void **state)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "0", 0 }, { "4096", 4096 }, { "4K", 4096 }, { "4k", 4096 }, { "4KB", 4096 },
		{ "2M", 2ULL << 20 }, { "2mb", 2ULL << 20 }, { "1G", 1ULL << 30 },
		{ "16G", 16ULL << 30 }, { "1T", 1ULL << 40 }, { "1048576kB", 1ULL << 30 },
	};
	char buf[32];
	(void)state;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 1;
		assert_int_equal(hm_parse_size(ok[i].s, &v), 0);
		assert_true(v == ok[i].v);
	}
	assert_string_equal(hm_size_str(2ULL << 20, buf, sizeof(buf)), "2M");
	assert_string_equal(hm_size_str(1ULL << 30, buf, sizeof(buf)), "1G");
	assert_string_equal(hm_size_str(4096, buf, sizeof(buf)), "4K");
	assert_string_equal(hm_size_str(1000, buf, sizeof(buf)), "1000");
	assert_string_equal(hm_size_str(3ULL << 20, buf, sizeof(buf)), "3M");
}

static void
test_common_errors(void **state)
{
	(void)state;
	hm_test_quiet_log();
	assert_string_equal(hm_strerror(-ENOMEM), hm_strerror(ENOMEM));
	assert_string_equal(hm_strerror(0), "success");
	assert_non_null(hm_strerror(INT_MIN));
	assert_non_null(hm_strerror(INT_MAX));
	assert_non_null(strstr(hm_strerror(EADDRNOTAVAIL), "--base-virtaddr"));
	assert_int_equal(hm_fail(ENOSPC, "table %s is full", "x"), -ENOSPC);
	assert_int_equal(hm_errno, ENOSPC);
	assert_string_equal(hm_last_error(), "table x is full");
	assert_null(hm_fail_ptr(EEXIST, "name %d taken", 7));
	assert_int_equal(hm_errno, EEXIST);
	assert_string_equal(hm_last_error(), "name 7 taken");
}

struct collected {
	int n;
	enum hm_log_level last;
	char msg[128];
};

static void
collect(enum hm_log_level l, const char *m, void *arg)
{
	struct collected *c = arg;
	c->n++;
	c->last = l;
	snprintf(c->msg, sizeof(c->msg), "%s", m);
}

static void
test_common_log_hook_and_level(void **state)
{
	struct collected c = { 0 };
	enum hm_log_level old = hm_log_get_level();
	(void)state;

	hm_log_set_hook(collect, &c);
	hm_log_set_level(HM_LOG_WARNING);
	hm_log(HM_LOG_INFO, "dropped %d", 1);
	assert_int_equal(c.n, 0);
	hm_log(HM_LOG_ERR, "kept %d", 2);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.last, HM_LOG_ERR);
	assert_string_equal(c.msg, "kept 2");
	/* hm_fail records quietly (DEBUG), hm_fail_log reports at ERR */
	hm_fail(EINVAL, "quiet");
	assert_int_equal(c.n, 1);
	hm_fail_log(EINVAL, "loud");
	assert_int_equal(c.n, 2);
	assert_string_equal(c.msg, "loud");
	hm_log_set_level(old);
	hm_log_set_hook(NULL, NULL);
}

static void
test_common_va_reserve(void **state)
{
	size_t pg = hm_sys_page_size(), big = 2u << 20;
	void *a, *b;
	(void)state;

	hm_test_quiet_log();
	a = hm_va_reserve(NULL, 4 * big, big, 0);
	assert_non_null(a);
	assert_int_equal((uintptr_t)a % big, 0);
	assert_true(hm_test_va_mapped(a, 4 * big));
	/* PROT_NONE: not readable; an exact request on top of it must fail cleanly */
	b = hm_va_reserve(a, big, big, HM_VA_EXACT);
	assert_null(b);
	assert_int_equal(hm_errno, EADDRNOTAVAIL);
	/* re-reserving a hole keeps the range reserved */
	assert_int_equal(hm_va_rereserve((char *)a + big, big), 0);
	assert_true(hm_test_va_mapped((char *)a + big, big));
	hm_va_release(a, 4 * big);
	assert_false(hm_test_va_mapped(a, 4 * big));
	/* now the exact address is free again */
	b = hm_va_reserve(a, big, big, HM_VA_EXACT);
	assert_ptr_equal(b, a);
	hm_va_release(b, big);
	/* a hint that is taken falls back to somewhere else */
	a = hm_va_reserve(NULL, pg, pg, 0);
	assert_non_null(a);
	b = hm_va_reserve(a, pg, pg, 0);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	hm_va_release(a, pg);
	hm_va_release(b, pg);
}

/* Clearing against memset's model: exactly [p, p + n) becomes zero, the guard
 * bytes on both sides keep their pattern. @p isa < 0: through hm_zero, else
 * hm_zero_vec(isa, down). */
static void
check_zero(unsigned char *buf, size_t cap, size_t off, size_t n, int isa, bool down)
{
	const size_t guard = 256;

	assert_true(off >= guard && off + n + guard <= cap);
	for (size_t i = off - guard; i < off + n + guard; i++)
		buf[i] = (unsigned char)(0x5a ^ i ^ (i >> 8));
	if (isa < 0)
		hm_zero(buf + off, n);
	else
		assert_int_equal(hm_zero_vec(buf + off, n, isa, down), 0);
	for (size_t i = off - guard; i < off; i++)
		if (buf[i] != (unsigned char)(0x5a ^ i ^ (i >> 8)))
			fail_msg("isa %d down %d n %zu off %zu: byte %zu before the block changed",
				 isa, down, n, off, off - i);
	for (size_t i = off; i < off + n; i++)
		if (buf[i] != 0)
			fail_msg("isa %d down %d n %zu off %zu: byte %zu not cleared", isa, down, n,
				 off, i - off);
	for (size_t i = off + n; i < off + n + guard; i++)
		if (buf[i] != (unsigned char)(0x5a ^ i ^ (i >> 8)))
			fail_msg("isa %d down %d n %zu off %zu: byte %zu after the block changed",
				 isa, down, n, off, i - off - n);
}

static void
test_common_zero_model(void **state)
{
	(void)state;
	const size_t cap = (4u << 20) + 8192;
	unsigned char *buf = mmap(NULL, cap, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	/* around the loops' rounds (16, 32, 128 bytes) and hm_zero's bounds
	 * (memset below 512 and above 4 MiB) */
	static const size_t lens[] = {64, 65, 95, 96, 127, 128, 129, 191, 255, 256, 257, 511,
				      512, 513, 600, 1024, 1056, 2047, 2048, 4096, 4097, 4159,
				      65536, 65600, (4u << 20) - 1, 4u << 20, (4u << 20) + 1};
	/* 64-aligned like the heap's blocks, 16- and 32-aligned, and odd */
	static const size_t offs[] = {256, 272, 288, 320, 257, 263, 383, 319};
	const size_t nl = sizeof(lens) / sizeof(lens[0]), no = sizeof(offs) / sizeof(offs[0]);

	for (int isa = 0; isa <= 2; isa++) {
		if (isa == 2 && !__builtin_cpu_supports("avx2")) {
			assert_int_equal(hm_zero_vec(buf + 256, 4096, 2, false), -ENOTSUP);
			continue;
		}
		for (int down = 0; down <= 1; down++)
			for (size_t l = 0; l < nl; l++)
				for (size_t o = 0; o < no; o++)
					if (lens[l] < 65536 || o < 2)
						check_zero(buf, cap, offs[o], lens[l], isa, down);
	}
	/* hm_zero: a block that starts just above the previous clear's end goes
	 * upward, one that ends just below its start top down (the vector loops
	 * from 512 B to 4 MiB), anything else through memset; each clears exactly
	 * its bytes */
	for (size_t l = 0; l < nl; l++)
		for (size_t o = 0; o < no; o++) {
			size_t n = lens[l], x = offs[o], y = x + n + 64;
			bool vec = n >= 512 && n <= (4u << 20);
			if (n > 65600 && o >= 2)
				continue;
			if (y + n + 256 > cap)
				y = x; /* room for one block only: then always memset */
			check_zero(buf, cap, x, n, -1, false);
			if (y == x)
				continue;
			check_zero(buf, cap, y, n, -1, false);   /* continues upward */
			assert_int_equal(hm_zero(buf + y, n), HM_ZERO_MEMSET); /* overlaps: no */
			check_zero(buf, cap, x, n, -1, false);
			assert_int_equal(hm_zero(buf + y, n), vec ? HM_ZERO_UP : HM_ZERO_MEMSET);
			assert_int_equal(hm_zero(buf + x, n), vec ? HM_ZERO_DOWN : HM_ZERO_MEMSET);
			/* far away: memset, and the next block continues from there */
			assert_int_equal(hm_zero(buf + cap - n, n), HM_ZERO_MEMSET);
		}
	/* the direction follows the previous clear's own ends, whatever its size */
	assert_int_equal(hm_zero(buf + 65536, 64), HM_ZERO_MEMSET);
	assert_int_equal(hm_zero(buf + 65536 + 64 + 4096, 1024), HM_ZERO_UP);
	assert_int_equal(hm_zero(buf + 65536 + 64 + 4096 + 1024 + 4097, 1024), HM_ZERO_MEMSET);
	assert_int_equal(hm_zero(buf + 65536 - 4096 - 2048, 2048), HM_ZERO_MEMSET);
	assert_int_equal(hm_zero(buf + 65536 - 4096 - 2048 - 4096 - 600, 600), HM_ZERO_DOWN);
	/* refused: nothing written */
	memset(buf, 0x77, 256);
	assert_int_equal(hm_zero_vec(buf, 63, 0, false), -EINVAL);
	assert_int_equal(hm_zero_vec(buf, 0, 1, true), -EINVAL);
	assert_int_equal(hm_zero_vec(buf, 128, 3, false), -EINVAL);
	assert_int_equal(hm_zero_vec(buf, 128, -1, false), -EINVAL);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(buf[i], 0x77);
	munmap(buf, cap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_invalid_args),
		cmocka_unit_test(test_common_parse_size),
		cmocka_unit_test(test_common_errors),
		cmocka_unit_test(test_common_log_hook_and_level),
		cmocka_unit_test(test_common_va_reserve),
		cmocka_unit_test(test_common_zero_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
