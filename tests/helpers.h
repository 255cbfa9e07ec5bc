/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the cmocka tests. */
#ifndef HM_TEST_HELPERS_H
#define HM_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
/* The first @p cap - 1 bytes of @p path into @p buf, NUL-terminated ("" when it
 * cannot be read): a child process's captured stdout/stderr. */
void hm_test_slurp(const char *path, char *buf, size_t cap);
uint64_t hm_test_rand(uint64_t *state);
/* Fisher-Yates shuffle of @p n elements of @p size bytes at @p base, drawing
 * from hm_test_rand(@p state) (the same seed gives the same order). */
void hm_test_shuffle(void *base, size_t n, size_t size, uint64_t *state);

/* Counters of process resources, for leak checks across init/cleanup cycles. */
int hm_test_count_fds(void);
int hm_test_count_maps(void);
/* Number of entries in @p dir (recursive), -1 if it does not exist. */
int hm_test_count_files(const char *dir);
/* Children of this process (of any of its threads) that exited and were not reaped:
 * state Z in /proc/<pid>/stat with our pid as ppid; @p first (may be NULL) gets one's
 * pid. -1 when /proc cannot be read. */
int hm_test_zombie_children(int *first);
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
/* The same, unless the backend emulates its machine: emu or fuse (the seeded IOVA
 * layouts, and the fault items both share: nth=, every=, node=, pool=, rate=,
 * clear; fuse counts page allocations of its daemon, one per page map). */
void hm_test_need_emulated(const char *why);

/*
 * Page files of the backend under test: hugetlbfs, those in the test mount
 * ($HUGEMEM_TEST_HUGE_DIR); fuse, those in the running instance's mount (0 when
 * not initialised); emu: 0 (its files live elsewhere).
 */
int hm_test_page_files(void);
/* hm_test_count_files(@p dir) less the fuse backend's mount inside it. */
int hm_test_run_files(const char *dir);

/* Pages of @p page_sz the running backend has mapped on @p node (emu, hugetlbfs, fuse). */
int hm_test_pages_in_use(int node, uint64_t page_sz);

/*
 * hm_init_config with the backend under test. On emu the topology is used as
 * written. On hugetlbfs the test mount is the --huge-dir and the emu topology
 * becomes caps on what this machine offers: seed= and iova=shuffled are dropped
 * (a real machine promises no IOVA layout either), nodes= is cut to the
 * machine's nodes (lcores of missing nodes move to the last one), sizes without
 * a mount are dropped, and the per-node counts stay exact caps. The test is
 * skipped with the reason when the topology asks for iova=contig|fragmented, or
 * for more pages of a size on a node than are free, or only for sizes the
 * machine lacks. On fuse the hugemem-fusefs daemon emulates the topology as
 * written, less page sizes below 2M (skipped when nothing else is left). A test that uses node >= 1 or a size the machine may lack says
 * so first with hm_test_need_nodes() / hm_test_need_page_sz().
 */
int hm_test_init_cfg(struct hm_config *c);

/* NUMA nodes the backend under test can offer (emu: HM_MAX_NUMA_NODES). */
unsigned int hm_test_nodes(void);
/* cmocka-skip the current test, with the reason, when the backend under test
 * cannot offer @p n NUMA nodes here. */
void hm_test_need_nodes(unsigned int n);
/* The second node of a two-node test: 1 where the backend offers two, else 0,
 * so that a test of "some node, not necessarily 0" runs on one-node machines. */
int hm_test_node_b(void);
/*
 * Operations for a long model or stress loop that maps and unmaps pages: @p n,
 * or n / 10 on fuse (a page map there is about ten FUSE requests, which keeps the
 * fuse suite within its CI budget) unless $HUGEMEM_TEST_FULL=1.
 */
unsigned int hm_test_ops(unsigned int n);
/*
 * Operations for a model loop run by one thread: hm_test_ops(@p n), and a
 * quarter of that under ThreadSanitizer, which has nothing to find in one
 * thread and runs such a loop ten times slower (the TSan suite's CI budget).
 */
static inline unsigned int
hm_test_model_ops(unsigned int n)
{
	if (HM_TEST_TSAN)
		n = n / 4 > 0 ? n / 4 : 1;
	return hm_test_ops(n);
}
/* The backend under test is emu. */
bool hm_test_is_emu(void);
/* The backend under test can offer pages of @p page_sz here (emu: any size;
 * fuse: hugepage sizes, 2M and up, which is what its suite uses). */
bool hm_test_has_page_sz(uint64_t page_sz);
/* cmocka-skip the current test, with the reason, when the backend under test
 * cannot offer pages of @p page_sz here (hugetlbfs: a mounted size with free
 * pages; 4K is never one). */
void hm_test_need_page_sz(uint64_t page_sz);
/*
 * The emu topology @p topo as the backend under test takes it, for tests that
 * pass --topology on a command line: @p topo itself on emu, on hugetlbfs the
 * caps hm_test_init_cfg would use (written to @p buf of @p len bytes). Skips the
 * test, with the reason, where hm_test_init_cfg would.
 */
const char *hm_test_topology(const char *topo, char *buf, size_t len);
/*
 * Command-line options that select the backend under test: none on emu (its
 * default), else --backend=NAME and, on hugetlbfs, --huge-dir=<the test mount>.
 * Writes at most 2 pointers (to static strings) to @p argv; returns how many.
 */
int hm_test_backend_args(char **argv);
/* hm_init_config of the backend under test with just a topology. */
int hm_test_init_topo(const char *topo);
/* cmocka teardown: hm_cleanup if initialised, default log hook; fails the test
 * when hm_cleanup found leaks (-EBUSY: a test that leaks on purpose inits with
 * hm_config.allow_leaks). */
int hm_test_teardown(void **state);
/* hm_leak_report's text (malloc'ed: the caller frees it); its return in *@p n. */
char *hm_test_leak_report(unsigned int *n);

/* Quiet the library's log while a test deliberately fails calls. */
void hm_test_quiet_log(void);

#endif
