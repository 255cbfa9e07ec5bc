/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helpers: one test program runs on the emu backend (any CI machine) and on
 * real hugepages, chosen by an environment variable, with no rebuild. They do
 * not depend on a test framework: they return 0, HM_TESTING_SKIP with a reason
 * (hm_testing_reason()), or -errno; hm_testing_skip_exit() ends a program the
 * way meson, automake and ctest (SKIP_RETURN_CODE 77) count as skipped.
 *
 * Which backend (hm_testing_backend):
 *   $HUGEMEM_TEST_BACKEND, else $HUGEMEM_BACKEND (what hm_init reads too), else
 *   "emu". One variable switches a whole suite: HUGEMEM_BACKEND=hugetlbfs.
 * Which hugetlbfs mount (hm_testing_huge_dir):
 *   $HUGEMEM_TEST_HUGE_DIR, else $HUGEMEM_HUGE_DIR, else none: the machine's
 *   mounts, as hm_init finds them. With HUGEMEM_TEST_BACKEND=hugetlbfs a test
 *   mount is required ($HUGEMEM_TEST_HUGE_DIR): a suite selected that way never
 *   takes pages from a mount it was not given (hugemem's own suites work so).
 *
 * A test writes its memory needs as an emu topology ("nodes=2;2M=64,64;
 * lcores=0@0,1@1"). On emu that is the machine. On hugetlbfs
 * hm_testing_init_cfg() turns it into caps on what the real machine offers:
 * seed= and iova=shuffled are dropped (a real machine promises no IOVA layout),
 * nodes= is cut to the machine's nodes (lcores of missing nodes move to the last
 * one), sizes without a mount are dropped, per-node counts stay exact caps; it
 * skips, with the reason, a topology that asks for iova=contig|fragmented, for
 * more free pages of a size on a node than there are, or only for sizes the
 * machine lacks. On fuse the hugemem-fusefs daemon is the machine: the topology
 * is emulated as written, less page sizes below 2M (a page map there costs about
 * ten FUSE requests), and a test that needs such a size skips.
 *
 * Not thread-safe (they read the environment and the machine); the reason is
 * per thread.
 */
#ifndef HUGEMEM_TESTING_H
#define HUGEMEM_TESTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hugemem/common.h"
#include "hugemem/init.h"

#ifdef __cplusplus
extern "C" {
#endif

/** "Skip this test": a return value of the functions below, and the exit status
 * test harnesses count as a skipped program. */
#define HM_TESTING_SKIP 77

/** The backend tests run on (see above); never NULL. */
const char *hm_testing_backend(void);

/** The backend under test is emu (fault injection, synthetic IOVA layouts). */
bool hm_testing_is_emu(void);

/** The hugetlbfs mount for tests (see above), or NULL: the machine's mounts. */
const char *hm_testing_huge_dir(void);

/** Why the last call of this thread returned HM_TESTING_SKIP (or 0 for
 * hm_testing_nodes); "" when none did. */
const char *hm_testing_reason(void);

/**
 * Whether the backend under test can run here: emu always; hugetlbfs when its
 * mount is readable and holds at least @p min_pages free hugepages (of any size,
 * on all nodes); fuse when /dev/fuse, fusermount3 (non-root) and hugemem-fusefs
 * are usable (hm_fusefs_doctor); another backend when it is built.
 * @return 0 or HM_TESTING_SKIP.
 */
int hm_testing_backend_ready(unsigned int min_pages);

/** NUMA nodes the backend under test offers here (emu: HM_MAX_NUMA_NODES); 0
 * when the machine cannot be read (hm_testing_reason() says why). */
unsigned int hm_testing_nodes(void);

/** @return 0 when the backend under test offers @p n nodes here, else
 * HM_TESTING_SKIP. */
int hm_testing_need_nodes(unsigned int n);

/** The second node of a two-node test: 1 where the backend offers two, else 0,
 * so that a test of "some node, not necessarily 0" runs on one-node machines. */
int hm_testing_node_b(void);

/** The backend under test can offer pages of @p page_sz here (emu: any size;
 * hugetlbfs: a mounted size with free pages; fuse: 2M and up). */
bool hm_testing_has_page_sz(uint64_t page_sz);

/** @return 0 when hm_testing_has_page_sz(@p page_sz), else HM_TESTING_SKIP with
 * the reason (no such size, no mount serves it, none free). */
int hm_testing_need_page_sz(uint64_t page_sz);

/**
 * The emu topology @p topo as the backend under test takes it, for a test that
 * passes --topology on a command line: @p topo itself on emu; on hugetlbfs the
 * caps hm_testing_init_cfg would use, written to @p buf of @p len bytes
 * (HM_TESTING_TOPOLOGY_MAX always suffices). *@p out is set on success.
 * @return 0; HM_TESTING_SKIP where hm_testing_init_cfg would skip; -EINVAL
 *   (NULL @p buf or @p out).
 */
int hm_testing_topology(const char *topo, char *buf, size_t len, const char **out);
#define HM_TESTING_TOPOLOGY_MAX 2048

/**
 * Command-line options that select the backend under test, for a test of a
 * program that calls hm_init: none on emu (its default), else --backend=NAME
 * and, on hugetlbfs with a test mount, --huge-dir=<mount>. Writes at most 2
 * pointers (to static strings, valid until the next call) to @p argv.
 * @return how many; -EINVAL for NULL @p argv.
 */
int hm_testing_backend_args(char **argv);

/**
 * hm_init_config(@p c) on the backend under test: sets c->backend (and
 * c->huge_dir on hugetlbfs unless set or in-memory) and adapts c->topology as
 * above for the call; c->topology is restored afterwards.
 * @return 0 (initialised); HM_TESTING_SKIP (the machine cannot offer what the
 *   topology asks for: nothing was initialised); -errno from hm_init_config.
 */
int hm_testing_init_cfg(struct hm_config *c);

/** hm_testing_init_cfg of a default config with topology @p topo. */
int hm_testing_init_topo(const char *topo);

/** Pages of @p page_sz the running backend (emu, hugetlbfs or fuse) has mapped on
 * @p node. @return the count, or -EINVAL (not initialised, another backend,
 * node or size not offered). */
int hm_testing_pages_in_use(int node, uint64_t page_sz);

/** Print "SKIP: <reason>" on stdout and exit(HM_TESTING_SKIP). */
void hm_testing_skip_exit(const char *fmt, ...) HM_PRINTF(1, 2)
#if defined(__GNUC__)
	__attribute__((noreturn))
#endif
	;

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_TESTING_H */
