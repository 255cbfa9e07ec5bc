/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the cmocka tests. */
#ifndef HM_TEST_HELPERS_H
#define HM_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hugemem/common.h"
#include "hugemem/init.h"

/* Sanitizer builds: their runtimes map memory lazily, so /proc/self/maps
 * counts are only meaningful without them (ASan: per size class; TSan: shadow). */
#if defined(__SANITIZE_ADDRESS__)
#define HM_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HM_TEST_ASAN 1
#endif
#endif
#ifndef HM_TEST_ASAN
#define HM_TEST_ASAN 0
#endif
#if defined(__SANITIZE_THREAD__)
#define HM_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HM_TEST_TSAN 1
#endif
#endif
#ifndef HM_TEST_TSAN
#define HM_TEST_TSAN 0
#endif

/* Skip the whole program with exit 77 and a reason (meson counts it as SKIP). */
void hm_test_skip_all(const char *why, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Backend under test: $HUGEMEM_TEST_BACKEND, default "emu". */
const char *hm_test_backend(void);

/* Deterministic PRNG for property tests (xorshift64*); seed from $HUGEMEM_TEST_SEED. */
uint64_t hm_test_seed(void);
uint64_t hm_test_rand(uint64_t *state);

/* Counters of process resources, for leak checks across init/cleanup cycles. */
int hm_test_count_fds(void);
int hm_test_count_maps(void);
/* Number of entries in @p dir (recursive), -1 if it does not exist. */
int hm_test_count_files(const char *dir);
/* 1 when [addr, addr+len) is reserved (mapped, any protection) in this process. */
int hm_test_va_mapped(const void *addr, size_t len);

/*
 * Skip the whole program (exit 77, with the reason) when the backend under test
 * cannot run here: hugetlbfs without $HUGEMEM_TEST_HUGE_DIR (a hugetlbfs mount
 * that scripts/hugepages.sh provides) or without free hugepages.
 */
void hm_test_backend_ready(void);

/* cmocka-skip the current test, with the reason, unless the backend is emu
 * (fault injection, synthetic IOVA layouts, emu pool counters). */
void hm_test_need_emu(const char *why);

/* Pages of @p page_sz the running backend has mapped on @p node (emu or hugetlbfs). */
int hm_test_pages_in_use(int node, uint64_t page_sz);

/* hm_init_config with the backend under test (hugetlbfs: the test mount as
 * --huge-dir; a topology it cannot offer here skips the test with the reason). */
int hm_test_init_cfg(struct hm_config *c);
/* hm_init_config of the backend under test with just a topology. */
int hm_test_init_topo(const char *topo);
/* cmocka teardown: hm_cleanup if initialised, default log hook. */
int hm_test_teardown(void **state);

/* Quiet the library's log while a test deliberately fails calls. */
void hm_test_quiet_log(void);

#endif
