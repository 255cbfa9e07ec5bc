/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Validators leave the caller's error state alone when they succeed
 * (conformance, every backend). A user checks a structure after an operation
 * and then reads hm_errno / hm_last_error() about that operation: a validator
 * that passes must not replace them (the memseg validator used to, with the
 * ENOENT its used-slot search records at a list's end) nor log. Each public
 * validator of core/include/hugemem (hm_*_check) runs here on a healthy
 * instance with hm_errno set to a sentinel and a known last error; both must be
 * unchanged after, and nothing logged from this thread. The same for the memseg
 * walks and dumps, which scan the lists to their ends. And the quiet scans still
 * see the ends: hm_memseg_check detects corruption in a list's last slots.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hm_config.h"
#include "hugemem/hugemem.h"
#include "hugemem/fusefs.h"

static const char *const TOPO2 = "nodes=2;2M=64,64;4K=256,256;lcores=0@0,1@1";
#define MB2 (2ULL << 20)
#define SENTINEL 0x5eed

/* What the test set before a call, and what the log hook saw during it. */
static struct {
	char last[512];		/* hm_last_error() before the call */
	pthread_t self;		/* the test's thread: other threads' messages do not count */
	unsigned int logged;	/* messages logged by the test's thread since arm() */
	char first[256];	/* the first of them */
} q;

static void
count_hook(enum hm_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)arg;
	if (!pthread_equal(pthread_self(), q.self))
		return;
	if (q.logged++ == 0)
		snprintf(q.first, sizeof(q.first), "%s", msg);
}

/* A known error state: the last error of a refused call, hm_errno a sentinel
 * no call sets, and the log hook counting at DEBUG. */
static void
arm(void)
{
	struct hm_fbarray none = { 0 };

	q.self = pthread_self();
	hm_log_set_hook(count_hook, NULL);
	hm_log_set_level(HM_LOG_DEBUG);
	assert_int_equal(hm_fbarray_find_next_used(&none, 0), -EINVAL);
	snprintf(q.last, sizeof(q.last), "%s", hm_last_error());
	assert_true(q.last[0] != '\0');
	hm_errno = SENTINEL;
	q.logged = 0;
}

/* The call since arm() left hm_errno, the last error and the log alone. */
static void
assert_quiet(const char *what)
{
	if (hm_errno != SENTINEL || strcmp(hm_last_error(), q.last) != 0 || q.logged != 0)
		fail_msg("%s succeeded but changed the error state: hm_errno %d (was %d), "
			 "last error '%s' (was '%s'), %u message(s) logged (first: '%s')",
			 what, hm_errno, SENTINEL, hm_last_error(), q.last, q.logged,
			 q.logged ? q.first : "");
}

/* @p call succeeds (returns 0) and changes nothing of the error state. */
#define QUIET(call)                                     \
	do {                                            \
		arm();                                  \
		int rc_ = (call);                       \
		if (rc_ != 0)                           \
			fail_msg("%s returned %d (%s)", #call, rc_, hm_last_error()); \
		assert_quiet(#call);                    \
	} while (0)

static int
count_seg(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	(void)msl;
	(void)ms;
	++*(unsigned int *)arg;
	return 0;
}

static int
count_run(const struct hm_memseg_list *msl, const struct hm_memseg *ms, size_t len, void *arg)
{
	(void)msl;
	(void)ms;
	*(size_t *)arg += len;
	return 0;
}

static int
count_list(const struct hm_memseg_list *msl, void *arg)
{
	(void)msl;
	++*(unsigned int *)arg;
	return 0;
}

static int
init_here(void)
{
	int rc = hm_test_init_topo(TOPO2);

	hm_log_set_level(HM_LOG_NOTICE);
	return rc;
}

/* The detector works: a validator that fails (or is refused) does record. */
static void
test_validators_quiet_invalid_args(void **state)
{
	const char *why = NULL;
	(void)state;

	arm();
	assert_int_equal(hm_memseg_check(&why), -ENODEV); /* not initialised */
	assert_int_equal(hm_errno, ENODEV);
	assert_string_not_equal(hm_last_error(), q.last);
	arm();
	assert_int_equal(hm_ring_check(NULL, &why), -EINVAL);
	assert_int_equal(hm_errno, EINVAL);
	arm();
	assert_int_equal(hm_fbarray_check(NULL, &why), -EINVAL);
	assert_int_equal(hm_errno, EINVAL);
	arm();
	assert_int_equal(hm_heap_snapshot_check(NULL, &why), -EINVAL);
	assert_int_equal(hm_errno, EINVAL);
	arm();
	assert_int_equal(hm_mempool_check(NULL, &why), -EINVAL);
	assert_int_equal(hm_errno, EINVAL);
	hm_log_set_hook(NULL, NULL);
	hm_log_set_level(HM_LOG_NOTICE);
}

static void
test_validators_quiet_healthy(void **state)
{
	const char *why = NULL;
	struct hm_memseg *ms[3];
	void *blk[6];
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_here(), 0);
	/* one of each object, and holes: a freed page between two mapped ones,
	 * freed blocks between live ones */
	assert_int_equal(hm_memseg_alloc_pages(ms, 3, MB2, 0, 0), 3);
	assert_int_equal(hm_memseg_free_pages(&ms[1], 1), 0);
	for (int i = 0; i < 6; i++)
		assert_non_null(blk[i] = hm_malloc("vq", 1000 + 3000 * (size_t)i, 0));
	for (int i = 0; i < 6; i += 2)
		assert_int_equal(hm_free(blk[i]), 0);
	const struct hm_memzone *mz = hm_memzone_reserve("vq_mz", 4096, 0, 0);
	assert_non_null(mz);
	struct hm_ring *r = hm_ring_create("vq_ring", 64, 0, 0);
	assert_non_null(r);
	assert_int_equal(hm_ring_enqueue(r, blk[1]), 0);
	struct hm_mempool *mp = hm_mempool_create("vq_mp", 127, 64, 16, 0, NULL, NULL, NULL,
						  NULL, 0, 0);
	assert_non_null(mp);
	struct hm_mempool *pp = hm_pktmbuf_pool_create("vq_pkt", 127, 16, 0,
						       HM_MBUF_DEFAULT_BUF_SIZE, 0);
	assert_non_null(pp);
	struct hm_mbuf *m = hm_pktmbuf_alloc(pp);
	assert_non_null(m);
	struct hm_fbarray fb;
	assert_int_equal(hm_fbarray_init(&fb, "vq_fb", 200, 8, NULL), 0);
	assert_int_equal(hm_fbarray_set_used(&fb, 3), 0);
	assert_int_equal(hm_fbarray_set_used(&fb, 100), 0);
	size_t blen = 1 << 20;
	void *buf = aligned_alloc(4096, blen);
	assert_non_null(buf);
	struct hm_heap *bh = hm_heap_init(buf, blen, "vq_buf");
	assert_non_null(bh);
	void *b1 = hm_heap_alloc(bh, "vq", 500, 0, 0);
	assert_non_null(b1);
	assert_non_null(hm_heap_alloc(bh, "vq", 700, 0, 0));
	assert_int_equal(hm_heap_free(bh, b1), 0);
	struct hm_heap_snapshot *snap = hm_heap_snapshot_buf(bh);
	assert_non_null(snap);
	struct hm_heap_snapshot *snap0 = hm_heap_snapshot(0);
	assert_non_null(snap0);

	QUIET(hm_memseg_check(&why));
	QUIET(hm_memseg_check(NULL));
	QUIET(hm_fbarray_check(&fb, &why));
	QUIET(hm_malloc_check(&why));
	QUIET(hm_heap_check(bh, &why));
	QUIET(hm_heap_snapshot_check(snap, &why));
	QUIET(hm_heap_snapshot_check(snap0, &why));
	QUIET(hm_memzone_check(&why));
	QUIET(hm_ring_check(r, &why));
	QUIET(hm_mempool_check(mp, &why));
	QUIET(hm_pktmbuf_pool_check(pp, &why));
	QUIET(hm_mbuf_check(m, 1, &why));
	QUIET(hm_lcore_check(&why));
	QUIET(hm_mp_check(&why));
	QUIET(hm_telemetry_check(&why));
#ifdef HM_HAVE_FUSE
	if (strcmp(hm_test_backend(), "fuse") == 0) {
		const char *mnt = hm_fusefs_backend_mount(hm_backend_get());
		assert_non_null(mnt);
		QUIET(hm_fusefs_check(mnt));
	}
#endif
	hm_log_set_hook(NULL, NULL);
	hm_log_set_level(HM_LOG_NOTICE);
	hm_test_quiet_log();

	hm_heap_snapshot_free(snap0);
	hm_heap_snapshot_free(snap);
	hm_heap_fini(bh);
	free(buf);
	assert_int_equal(hm_fbarray_destroy(&fb), 0);
	hm_pktmbuf_free(m);
	assert_int_equal(hm_mempool_free(pp), 0);
	assert_int_equal(hm_mempool_free(mp), 0);
	hm_ring_free(r);
	assert_int_equal(hm_memzone_free(mz), 0);
	for (int i = 1; i < 6; i += 2)
		assert_int_equal(hm_free(blk[i]), 0);
	ms[1] = ms[2];
	assert_int_equal(hm_memseg_free_pages(ms, 2), 0);
}

/* The memseg walks and dumps scan every list to its end: as quiet. */
static void
test_validators_quiet_memseg_walks(void **state)
{
	struct hm_memseg *ms[3];
	unsigned int segs = 0, lists = 0;
	size_t bytes = 0;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_here(), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 3, MB2, 0, 0), 3);
	assert_int_equal(hm_memseg_free_pages(&ms[1], 1), 0);
	FILE *devnull = fopen("/dev/null", "w");
	assert_non_null(devnull);

	/* a page allocation that finds its run in one search */
	arm();
	assert_int_equal(hm_memseg_alloc_pages(&ms[1], 1, MB2, 0, 0), 1);
	assert_quiet("hm_memseg_alloc_pages");
	arm();
	assert_int_equal(hm_memseg_free_pages(&ms[1], 1), 0);
	assert_quiet("hm_memseg_free_pages");
	QUIET(hm_memseg_walk(count_seg, &segs));
	QUIET(hm_memseg_walk_thread_unsafe(count_seg, &segs));
	QUIET(hm_memseg_contig_walk(count_run, &bytes));
	QUIET(hm_memseg_contig_walk_thread_unsafe(count_run, &bytes));
	QUIET(hm_memseg_list_walk(count_list, &lists));
	arm();
	hm_memseg_dump(devnull);
	assert_quiet("hm_memseg_dump");
	/* (the walks did walk: each saw the two pages, twice) */
	assert_true(segs >= 4);
	assert_true(bytes >= 4 * MB2);
	assert_true(lists >= 1);
	hm_log_set_hook(NULL, NULL);
	hm_log_set_level(HM_LOG_NOTICE);
	hm_test_quiet_log();
	fclose(devnull);
	ms[1] = ms[2];
	assert_int_equal(hm_memseg_free_pages(ms, 2), 0);
}

/* The quiet scans still reach a list's end: corruption in the last slot (free)
 * and in a used run after a free one are found; repaired, the check passes. */
static void
test_validators_quiet_memseg_detects_at_end(void **state)
{
	struct hm_memseg *ms[3];
	const char *why = NULL;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_here(), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 3, MB2, 0, 0), 3);
	struct hm_memseg_list *msl = hm_mem_virt2memseg_list(ms[0]->addr);
	assert_non_null(msl);
	assert_int_equal(hm_memseg_free_pages(&ms[1], 1), 0); /* used, free, used */
	unsigned int len = msl->memseg_arr.len;
	struct hm_memseg *last = (struct hm_memseg *)msl->memseg_arr.data + (len - 1);
	assert_int_equal(hm_fbarray_is_used(&msl->memseg_arr, len - 1), 0);

	last->iova = 1;
	assert_int_equal(hm_memseg_check(&why), -EFAULT);
	assert_non_null(strstr(why, "free slot"));
	assert_int_equal(hm_errno, EFAULT);
	last->iova = 0;
	struct hm_memseg saved = *ms[2];
	ms[2]->len = 4096; /* the used run after the free slot */
	assert_int_equal(hm_memseg_check(&why), -EFAULT);
	assert_non_null(strstr(why, "len"));
	*ms[2] = saved;
	arm();
	assert_int_equal(hm_memseg_check(&why), 0);
	assert_quiet("hm_memseg_check after the repair");
	hm_log_set_hook(NULL, NULL);
	hm_log_set_level(HM_LOG_NOTICE);
	hm_test_quiet_log();
	ms[1] = ms[2];
	assert_int_equal(hm_memseg_free_pages(ms, 2), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_validators_quiet_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_validators_quiet_healthy, hm_test_teardown),
		cmocka_unit_test_teardown(test_validators_quiet_memseg_walks, hm_test_teardown),
		cmocka_unit_test_teardown(test_validators_quiet_memseg_detects_at_end,
					  hm_test_teardown),
	};

	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
