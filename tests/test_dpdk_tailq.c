/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's tailq registry (rte_tailq.h) and CPU flags (rte_cpuflags.h):
 * registration before and after rte_eal_init, heads that survive as lists and
 * go with rte_eal_cleanup, DPDK's errors for bad input, the validator catching a
 * broken list; flag names and values as DPDK 22.11 numbers them, and flags
 * checked against the kernel's /proc/cpuinfo. Runs on emu.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <rte_cpuflags.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hugemem.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_tailq.h>

#include "dpdk_test.h"
#include "helpers.h"
#include "hugemem/hugemem.h"

/* registered by a constructor, before main, as DPDK libraries do */
static struct rte_tailq_elem ctor_elem = { .name = "hm_test_ctor" };
EAL_REGISTER_TAILQ(ctor_elem)

struct obj_list;
RTE_TAILQ_HEAD(obj_list, rte_tailq_entry);

/* EAL on emu with lcore 0, logs quiet. */
static int
eal_up(void)
{
	dpdk_test_quiet();
	return DPDK_TEST_EAL("-l", "0", "--no-huge") == 3 ? 0 : -1;
}

static int
teardown(void **state)
{
	if (rte_lcore_count() > 0)
		rte_eal_cleanup();
	rte_openlog_stream(NULL);
	return hm_test_teardown(state);
}

static void
assert_check(void)
{
	const char *why = NULL;

	if (hm_dpdk_check(&why) != 0)
		fail_msg("hm_dpdk_check: %s", why != NULL ? why : "?");
}

static char *
dump_tailq(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	rte_dump_tailq(f);
	fclose(f);
	return buf;
}

static void
test_dpdk_tailq_invalid_args(void **state)
{
	static struct rte_tailq_elem empty = { .name = "" };
	static struct rte_tailq_elem dup = { .name = "hm_test_ctor" };
	static struct rte_tailq_elem longname;
	(void)state;

	memset((char *)(uintptr_t)longname.name, 'x', RTE_TAILQ_NAMESIZE); /* no NUL */
	/* before rte_eal_init: nothing to look up, elements wait */
	assert_null(ctor_elem.head);
	assert_null(rte_eal_tailq_lookup("hm_test_ctor"));
	assert_null(rte_eal_tailq_lookup(NULL));
	char *d = dump_tailq();
	assert_string_equal(d, "");
	free(d);
	assert_fails(rte_eal_tailq_register(NULL), EINVAL);
	empty.head = (struct rte_tailq_head *)&empty;
	assert_fails(rte_eal_tailq_register(&empty), EINVAL);
	assert_null(empty.head);
	assert_fails(rte_eal_tailq_register(&longname), EINVAL);
	assert_fails(rte_eal_tailq_register(&dup), EEXIST);
	assert_null(dup.head);
	assert_fails(rte_eal_tailq_register(&ctor_elem), EEXIST); /* twice */

	assert_int_equal(eal_up(), 0);
	assert_non_null(ctor_elem.head);
	struct rte_tailq_head *h = ctor_elem.head;
	assert_fails(rte_eal_tailq_register(&dup), EEXIST);
	assert_null(dup.head);
	assert_fails(rte_eal_tailq_register(&ctor_elem), EEXIST);
	assert_ptr_equal(ctor_elem.head, h); /* a second registration changes nothing */
	assert_fails(rte_eal_tailq_register(&empty), EINVAL);
	assert_null(rte_eal_tailq_lookup("no such list"));
	assert_null(rte_eal_tailq_lookup(""));
	assert_null(rte_eal_tailq_lookup(NULL));
	assert_check();
}

/* A list under a registered head behaves as a FIFO model says; cleanup takes the
 * heads away and a second init gives them back, empty. */
static void
test_dpdk_tailq_lists(void **state)
{
	struct rte_tailq_entry *e, *tmp;
	struct obj_list *list;
	int model[16], n = 0;
	(void)state;

	assert_int_equal(eal_up(), 0);
	list = RTE_TAILQ_LOOKUP("hm_test_ctor", obj_list);
	assert_non_null(list);
	assert_ptr_equal(list, RTE_TAILQ_CAST(ctor_elem.head, obj_list));
	assert_ptr_equal(rte_eal_tailq_lookup("hm_test_ctor"), ctor_elem.head);
	assert_string_equal(ctor_elem.head->name, "hm_test_ctor");
	assert_true(TAILQ_EMPTY(list));
	/* the heads are in shared memory: a memzone of the instance */
	assert_non_null(rte_memzone_lookup("hm_dpdk_tailqs"));
	for (int i = 0; i < 16; i++) {
		e = rte_zmalloc("tailq_entry", sizeof(*e), 0);
		assert_non_null(e);
		e->data = (void *)(uintptr_t)(i + 1);
		if (i % 3 == 0)
			TAILQ_INSERT_HEAD(list, e, next);
		else
			TAILQ_INSERT_TAIL(list, e, next);
	}
	/* model: heads reversed, then tails in order */
	for (int i = 15; i >= 0; i--)
		if (i % 3 == 0)
			model[n++] = i + 1;
	for (int i = 0; i < 16; i++)
		if (i % 3 != 0)
			model[n++] = i + 1;
	n = 0;
	RTE_TAILQ_FOREACH(e, list, next)
		assert_int_equal((int)(uintptr_t)e->data, model[n++]);
	assert_int_equal(n, 16);
	assert_check();
	char *d = dump_tailq();
	assert_non_null(strstr(d, "qname:<hm_test_ctor>"));
	free(d);
	/* remove while walking: the odd ones */
	RTE_TAILQ_FOREACH_SAFE(e, list, next, tmp) {
		if ((uintptr_t)e->data % 2 == 1) {
			TAILQ_REMOVE(list, e, next);
			rte_free(e);
		}
	}
	n = 0;
	RTE_TAILQ_FOREACH(e, list, next) {
		assert_int_equal((uintptr_t)e->data % 2, 0);
		n++;
	}
	assert_int_equal(n, 8);
	assert_check();
	RTE_TAILQ_FOREACH_SAFE(e, list, next, tmp) {
		TAILQ_REMOVE(list, e, next);
		rte_free(e);
	}
	assert_int_equal(rte_eal_cleanup(), 0);
	assert_null(ctor_elem.head);
	assert_null(rte_eal_tailq_lookup("hm_test_ctor"));
	assert_int_equal(eal_up(), 0);
	assert_non_null(ctor_elem.head);
	assert_true(TAILQ_EMPTY(&ctor_elem.head->tailq_head));
	assert_check();
}

/* After init a registration gets its head at once, until all RTE_MAX_TAILQ are
 * taken (ENOSPC, and the element is not kept); the validator sees a broken list. */
static void
test_dpdk_tailq_register_after_init(void **state)
{
	static struct rte_tailq_elem more[RTE_MAX_TAILQ];
	struct rte_tailq_entry e1, e2;
	int registered = 0, i;
	(void)state;

	assert_int_equal(eal_up(), 0);
	for (i = 0; i < RTE_MAX_TAILQ; i++) {
		snprintf((char *)(uintptr_t)more[i].name, RTE_TAILQ_NAMESIZE, "hm_test_more_%d", i);
		rte_errno = 0;
		if (rte_eal_tailq_register(&more[i]) < 0)
			break;
		assert_non_null(more[i].head);
		assert_ptr_equal(rte_eal_tailq_lookup(more[i].name), more[i].head);
		registered++;
	}
	/* the constructor's element holds one head: 31 more fit */
	assert_int_equal(registered, RTE_MAX_TAILQ - 1);
	assert_int_equal(rte_errno, ENOSPC);
	assert_null(more[i].head);
	assert_null(rte_eal_tailq_lookup(more[i].name));
	assert_fails(rte_eal_tailq_register(&more[i]), ENOSPC); /* not kept: same answer */
	assert_check();

	/* a list whose tqh_last is wrong */
	struct obj_list *list = RTE_TAILQ_CAST(more[0].head, obj_list);
	TAILQ_INSERT_TAIL(list, &e1, next);
	TAILQ_INSERT_TAIL(list, &e2, next);
	assert_check();
	struct rte_tailq_entry **saved = list->tqh_last;
	list->tqh_last = &e1.next.tqe_next;
	const char *why = NULL;
	assert_int_equal(hm_dpdk_check(&why), -EFAULT);
	assert_non_null(strstr(why, "tailq"));
	list->tqh_last = saved;
	assert_check();
	TAILQ_INIT(list);
	/* re-init: every kept element gets its head again (32 of 32) */
	assert_int_equal(rte_eal_cleanup(), 0);
	assert_int_equal(eal_up(), 0);
	for (i = 0; i < registered; i++)
		assert_ptr_equal(rte_eal_tailq_lookup(more[i].name), more[i].head);
	assert_check();
}

/* ---------------------------------------------------------------- cpuflags */

static void
test_dpdk_cpuflags_names_and_values(void **state)
{
	struct rte_cpu_intrinsics in;
	(void)state;

	/* DPDK 22.11's values (x86 rte_cpuflags.h) */
	assert_int_equal(RTE_CPUFLAG_SSE3, 0);
	assert_int_equal(RTE_CPUFLAG_FPU, 30);
	assert_int_equal(RTE_CPUFLAG_DIGTEMP, 59);
	assert_int_equal(RTE_CPUFLAG_FSGSBASE, 68);
	assert_int_equal(RTE_CPUFLAG_INVTSC, 86);
	assert_int_equal(RTE_CPUFLAG_WAITPKG, 104);
	assert_int_equal(RTE_CPUFLAG_NUMFLAGS, 105);
	assert_string_equal(rte_cpu_get_flag_name(RTE_CPUFLAG_SSE4_2), "SSE4_2");
	assert_string_equal(rte_cpu_get_flag_name(RTE_CPUFLAG_1GB_PG), "1GB_PG");
	assert_string_equal(rte_cpu_get_flag_name(RTE_CPUFLAG_WAITPKG), "WAITPKG");
	for (int f = 0; f < RTE_CPUFLAG_NUMFLAGS; f++) {
		const char *n = rte_cpu_get_flag_name((enum rte_cpu_flag_t)f);
		assert_non_null(n);
		for (int g = 0; g < f; g++)
			assert_string_not_equal(n, rte_cpu_get_flag_name((enum rte_cpu_flag_t)g));
		int en = rte_cpu_get_flag_enabled((enum rte_cpu_flag_t)f);
		assert_true(en == 0 || en == 1);
	}
	/* bad input */
	assert_null(rte_cpu_get_flag_name(RTE_CPUFLAG_NUMFLAGS));
	assert_null(rte_cpu_get_flag_name((enum rte_cpu_flag_t)-1));
	assert_int_equal(rte_cpu_get_flag_enabled(RTE_CPUFLAG_NUMFLAGS), -ENOENT);
	assert_int_equal(rte_cpu_get_flag_enabled((enum rte_cpu_flag_t)-1), -ENOENT);
	assert_int_equal(rte_cpu_get_flag_enabled((enum rte_cpu_flag_t)100000), -ENOENT);
	/* this machine runs the layer, so it has what the layer was compiled for */
	assert_int_equal(rte_cpu_is_supported(), 1);
	memset(&in, 0xff, sizeof(in));
	rte_cpu_get_intrinsics_support(&in);
	assert_int_equal(in.power_monitor, 0);
	assert_int_equal(in.power_pause, 0);
	rte_cpu_get_intrinsics_support(NULL);
	assert_int_equal(rte_cpu_getauxval(AT_PAGESZ), (unsigned long)sysconf(_SC_PAGESIZE));
	assert_int_equal(rte_cpu_getauxval(0x7fffffff), 0);
	assert_int_equal(rte_cpu_strcmp_auxval(AT_HWCAP, "x"), -1); /* not a string entry */
	assert_int_equal(rte_cpu_strcmp_auxval(AT_PLATFORM, NULL), -1);
#if defined(__x86_64__)
	assert_int_equal(rte_cpu_strcmp_auxval(AT_PLATFORM, "x86_64"), 0);
	assert_true(rte_cpu_strcmp_auxval(AT_PLATFORM, "aarch64") != 0);
#endif
}

/* Flags against the kernel's view (the first "flags" line of /proc/cpuinfo). */
static void
test_dpdk_cpuflags_match_cpuinfo(void **state)
{
	static const struct {
		enum rte_cpu_flag_t f;
		const char *linux_name;
	} map[] = {
		{ RTE_CPUFLAG_FPU, "fpu" }, { RTE_CPUFLAG_TSC, "tsc" }, { RTE_CPUFLAG_CX8, "cx8" },
		{ RTE_CPUFLAG_CMOV, "cmov" }, { RTE_CPUFLAG_MMX, "mmx" },
		{ RTE_CPUFLAG_FXSR, "fxsr" }, { RTE_CPUFLAG_SSE, "sse" },
		{ RTE_CPUFLAG_SSE2, "sse2" }, { RTE_CPUFLAG_SSE3, "pni" },
		{ RTE_CPUFLAG_SSSE3, "ssse3" }, { RTE_CPUFLAG_SSE4_1, "sse4_1" },
		{ RTE_CPUFLAG_SSE4_2, "sse4_2" }, { RTE_CPUFLAG_POPCNT, "popcnt" },
		{ RTE_CPUFLAG_CMPXCHG16B, "cx16" }, { RTE_CPUFLAG_PCLMULQDQ, "pclmulqdq" },
		{ RTE_CPUFLAG_AES, "aes" }, { RTE_CPUFLAG_EM64T, "lm" },
		{ RTE_CPUFLAG_AVX2, "avx2" }, { RTE_CPUFLAG_BMI1, "bmi1" },
		{ RTE_CPUFLAG_BMI2, "bmi2" }, { RTE_CPUFLAG_AVX512F, "avx512f" },
	};
	char line[8192], padded[8200];
	FILE *f;
	bool found = false;
	(void)state;

#if !defined(__x86_64__)
	skip();
#endif
	f = fopen("/proc/cpuinfo", "re");
	if (f == NULL)
		skip();
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "flags", 5) == 0) {
			found = true;
			break;
		}
	fclose(f);
	if (!found)
		skip();
	line[strcspn(line, "\n")] = '\0';
	snprintf(padded, sizeof(padded), "%s ", strchr(line, ':') + 1);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		char word[64];
		snprintf(word, sizeof(word), " %s ", map[i].linux_name);
		int kernel = strstr(padded, word) != NULL;
		if (rte_cpu_get_flag_enabled(map[i].f) != kernel)
			fail_msg("%s: CPUID says %d, /proc/cpuinfo says %d",
				 rte_cpu_get_flag_name(map[i].f), rte_cpu_get_flag_enabled(map[i].f),
				 kernel);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_dpdk_tailq_invalid_args, teardown),
		cmocka_unit_test_teardown(test_dpdk_tailq_lists, teardown),
		cmocka_unit_test_teardown(test_dpdk_tailq_register_after_init, teardown),
		cmocka_unit_test(test_dpdk_cpuflags_names_and_values),
		cmocka_unit_test(test_dpdk_cpuflags_match_cpuinfo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
