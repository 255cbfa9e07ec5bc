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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_invalid_args),
		cmocka_unit_test(test_common_parse_size),
		cmocka_unit_test(test_common_errors),
		cmocka_unit_test(test_common_log_hook_and_level),
		cmocka_unit_test(test_common_va_reserve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
