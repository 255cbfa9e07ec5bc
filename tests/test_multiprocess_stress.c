/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multi-process stress (suite multiprocess, every backend): this program is the
 * primary, and three real secondaries (tests/mp_peer, fork+exec: a fresh image,
 * ASLR on) work beside it.
 *
 * test_multiprocess_stress_mbufs: HUGEMEM_MP_STRESS_MBUFS mbufs (default
 * 1 000 000; 200 000 under ASan/TSan) go round robin to the three secondaries
 * through one SP/SC ring each and come back through another. Every payload is
 * numbered and checked at each end: a secondary checks what the primary wrote,
 * rewrites odd ones in place and replaces even ones by a fresh mbuf it takes
 * from the shared pool (so mbufs are freed and allocated in every process); the
 * primary checks what comes back and frees it.
 *
 * test_multiprocess_stress_heap: three secondaries malloc/free (blocks up to
 * 3 MiB, so some need new pages, which the primary maps for them) while the
 * primary grows the heap by 8 MiB blocks and shrinks it by freeing them.
 *
 * Both assert, after the secondaries are gone: the pool's count as at the
 * start, every heap's stats as at the start and hm_malloc_check clean, the same
 * memzones (name, address, length) as at the start, and hm_mp_check clean with
 * one process attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "mp_peer.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"

#define TOPO "nodes=1;2M=256;lcores=0-15@0"
#define N_SEC 3
#define RING_SZ 1024u
#define IN_FLIGHT 512u /* per secondary: below the rings' capacity, so nobody blocks */
#define POOL_SZ 4095u

static const char *peer;
static char run_base[512];
static char prefix[64];
static unsigned int test_no;

struct sec {
	struct hm_test_child c;
	bool live; /* started and not reaped */
};

/* Secondaries started and not yet reaped: a failed test kills them in teardown. */
static struct sec *live_secs[N_SEC];

static void
sec_start(struct sec *s, unsigned int k, const char *const *steps)
{
	const char *argv[32];
	char *be[2];
	char pfx[100];
	int n = 0, nb;

	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", prefix);
	argv[n++] = peer;
	nb = hm_test_backend_args(be);
	for (int i = 0; i < nb; i++)
		argv[n++] = be[i];
	argv[n++] = pfx;
	argv[n++] = "--proc-type=secondary";
	argv[n++] = "--";
	for (; *steps != NULL; steps++)
		argv[n++] = *steps;
	argv[n] = NULL;
	hm_test_spawn(&s->c, &(struct hm_test_spawn_args){
		.argv = argv, .out = HM_TEST_IO_FILE, .err = HM_TEST_IO_STDOUT, .dir = run_base });
	s->live = true;
	live_secs[k] = s;
}

/* 0 while running; else its exit status (a signal: 128 + it), its output printed
 * when it failed. */
static int
sec_poll(struct sec *s, bool block)
{
	if (!s->live)
		return 0;
	int rc = hm_test_wait(&s->c, block ? -1 : 0);
	if (rc < 0)
		return 0;
	s->live = false;
	for (unsigned int k = 0; k < N_SEC; k++)
		if (live_secs[k] == s)
			live_secs[k] = NULL;
	FILE *f = fopen(s->c.out_path, "r");
	if (f != NULL) {
		char line[512];
		while (rc != 0 && fgets(line, sizeof(line), f) != NULL)
			printf("# secondary: %s", line);
		fclose(f);
	}
	hm_test_collect(&s->c, NULL, 0, NULL, 0);
	return rc == 0 ? -1 : rc; /* -1: exited cleanly */
}

/* ---- the state that must come back: heaps and memzones ---- */

#define MAX_ZONES 64
struct snapshot {
	int heap_rc[HM_MAX_HEAPS];
	struct hm_malloc_socket_stats heap[HM_MAX_HEAPS];
	unsigned int n_zones;
	struct {
		char name[HM_MEMZONE_NAMESIZE];
		const void *addr;
		size_t len;
	} zone[MAX_ZONES];
};

static int
zone_cb(const struct hm_memzone *mz, void *arg)
{
	struct snapshot *s = arg;

	assert_true(s->n_zones < MAX_ZONES);
	snprintf(s->zone[s->n_zones].name, sizeof(s->zone[0].name), "%s", mz->name);
	s->zone[s->n_zones].addr = mz->addr;
	s->zone[s->n_zones].len = mz->len;
	s->n_zones++;
	return 0;
}

static void
snap(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	for (int h = 0; h < HM_MAX_HEAPS; h++)
		s->heap_rc[h] = hm_malloc_get_socket_stats(h, &s->heap[h]);
	assert_int_equal(hm_memzone_walk(zone_cb, s), 0);
}

static void
assert_same(const struct snapshot *a, const struct snapshot *b)
{
	for (int h = 0; h < HM_MAX_HEAPS; h++) {
		assert_int_equal(a->heap_rc[h], b->heap_rc[h]);
		if (a->heap_rc[h] != 0)
			continue;
		if (memcmp(&a->heap[h], &b->heap[h], sizeof(a->heap[h])) != 0) {
			printf("# heap %d: total %zu/%zu free %zu/%zu allocs %u/%u free elems %u/%u "
			       "cached %u/%u\n",
			       h, a->heap[h].heap_totalsz_bytes, b->heap[h].heap_totalsz_bytes,
			       a->heap[h].heap_freesz_bytes, b->heap[h].heap_freesz_bytes,
			       a->heap[h].alloc_count, b->heap[h].alloc_count,
			       a->heap[h].free_count, b->heap[h].free_count,
			       a->heap[h].cached_count, b->heap[h].cached_count);
			fail_msg("heap %d's stats differ from the start", h);
		}
	}
	assert_int_equal(a->n_zones, b->n_zones);
	for (unsigned int i = 0; i < a->n_zones; i++) {
		assert_string_equal(a->zone[i].name, b->zone[i].name);
		assert_ptr_equal(a->zone[i].addr, b->zone[i].addr);
		assert_int_equal(a->zone[i].len, b->zone[i].len);
	}
	assert_int_equal(hm_malloc_check(NULL), 0);
	assert_int_equal(hm_memzone_check(NULL), 0);
	assert_int_equal(hm_memseg_check(NULL), 0);
	assert_int_equal(hm_mp_check(NULL), 0);
	assert_int_equal(hm_mp_procs(NULL, 0), 1);
}

static int
setup(void **state)
{
	struct hm_config c;

	(void)state;
	test_no++;
	snprintf(prefix, sizeof(prefix), "mps%d-%u", (int)getpid(), test_no);
	hm_config_init(&c);
	c.topology = TOPO;
	c.file_prefix = prefix;
	return hm_test_init_cfg(&c);
}

static int
teardown(void **state)
{
	char dir[600];

	/* after a failure: the secondaries still running go first */
	for (unsigned int k = 0; k < N_SEC; k++)
		if (live_secs[k] != NULL && live_secs[k]->live) {
			hm_test_kill(&live_secs[k]->c);
			hm_test_collect(&live_secs[k]->c, NULL, 0, NULL, 0);
			live_secs[k]->live = false;
			live_secs[k] = NULL;
		}
	assert_int_equal(hm_test_teardown(state), 0);
	/* the runtime dir goes with the last process */
	snprintf(dir, sizeof(dir), "%s/%s", run_base, prefix);
	assert_int_equal(mp_peer_count_entries(dir), -1);
	return 0;
}

static uint64_t
stress_mbufs(void)
{
	const char *e = getenv("HUGEMEM_MP_STRESS_MBUFS");

	if (e != NULL && strtoull(e, NULL, 0) >= N_SEC)
		return strtoull(e, NULL, 0);
	return mp_peer_sanitized() ? 200000 : 1000000;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_multiprocess_stress_mbufs(void **state)
{
	struct hm_ring *to[N_SEC], *from[N_SEC];
	static struct sec sec[N_SEC]; /* static: teardown reaches them after a failure */
	uint64_t total = stress_mbufs(), want[N_SEC], sent[N_SEC] = { 0 }, got[N_SEC] = { 0 };
	struct snapshot before, after;
	char steps[N_SEC][160], rn[32];
	double t0 = now_s();
	(void)state;

	struct hm_mempool *pool = hm_pktmbuf_pool_create("stress", POOL_SZ, 64, 0, 2048, 0);
	assert_non_null(pool);
	for (unsigned int k = 0; k < N_SEC; k++) {
		snprintf(rn, sizeof(rn), "to-%u", k);
		to[k] = hm_ring_create(rn, RING_SZ, 0, HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ);
		snprintf(rn, sizeof(rn), "from-%u", k);
		from[k] = hm_ring_create(rn, RING_SZ, 0, HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ);
		assert_non_null(to[k]);
		assert_non_null(from[k]);
	}
	snap(&before);
	assert_int_equal(hm_mempool_avail_count(pool), POOL_SZ);
	for (unsigned int k = 0; k < N_SEC; k++) {
		want[k] = total / N_SEC + (k < total % N_SEC);
		snprintf(steps[k], sizeof(steps[k]), "relay=to-%u:from-%u:stress:%" PRIu64 ":%u:%u",
			 k, k, want[k], 100 + k, 200 + k);
		const char *st[] = { "init", steps[k], "check", NULL };
		sec_start(&sec[k], k, st);
	}
	/* round robin: a burst out to each secondary, what it sent back checked */
	unsigned int idle = 0;
	for (bool busy = true; busy;) {
		busy = false;
		bool moved = false;
		for (unsigned int k = 0; k < N_SEC; k++) {
			struct hm_mbuf *b[32];
			unsigned int n = 32;
			if (got[k] < want[k])
				busy = true;
			if (n > want[k] - sent[k])
				n = (unsigned int)(want[k] - sent[k]);
			if (n > IN_FLIGHT - (sent[k] - got[k]))
				n = IN_FLIGHT - (unsigned int)(sent[k] - got[k]);
			if (n > 0 && hm_pktmbuf_alloc_bulk(pool, b, n) == 0) {
				for (unsigned int i = 0; i < n; i++)
					assert_int_equal(mp_peer_mbuf_fill(b[i], sent[k] + i, 100 + k), 0);
				assert_int_equal(hm_ring_enqueue_bulk(to[k], (void **)b, n, NULL), n);
				sent[k] += n;
				moved = true;
			}
			n = hm_ring_dequeue_burst(from[k], (void **)b, 32, NULL);
			for (unsigned int i = 0; i < n; i++, got[k]++) {
				if (!mp_peer_mbuf_ok(b[i], got[k], 200 + k))
					fail_msg("mbuf %" PRIu64 " from secondary %u: payload differs",
						 got[k], k);
				hm_pktmbuf_free(b[i]);
			}
			moved |= n > 0;
			int rc = sec_poll(&sec[k], false);
			if (rc > 0)
				fail_msg("secondary %u failed (exit %d) after %" PRIu64 " of %" PRIu64,
					 k, rc, got[k], want[k]);
		}
		if (moved) {
			idle = 0;
		} else {
			/* nothing moved: the secondaries need the CPU (2 cores, 4 processes) */
			struct timespec ts = { 0, 50000 };
			nanosleep(&ts, NULL);
			assert_true(++idle < 400000); /* about 20 s without progress */
		}
	}
	for (unsigned int k = 0; k < N_SEC; k++) {
		int rc = sec_poll(&sec[k], true);
		assert_true(rc <= 0);
		assert_int_equal(got[k], want[k]);
	}
	printf("# %" PRIu64 " mbufs through %u secondaries and back in %.2f s\n", total, N_SEC,
	       now_s() - t0);
	assert_int_equal(hm_mempool_avail_count(pool), POOL_SZ);
	assert_int_equal(hm_mempool_check(pool, NULL), 0);
	for (unsigned int k = 0; k < N_SEC; k++) {
		assert_int_equal(hm_ring_count(to[k]), 0);
		assert_int_equal(hm_ring_count(from[k]), 0);
	}
	snap(&after);
	assert_same(&before, &after);
	for (unsigned int k = 0; k < N_SEC; k++) {
		hm_ring_free(to[k]);
		hm_ring_free(from[k]);
	}
	assert_int_equal(hm_mempool_free(pool), 0);
}

static void
test_multiprocess_stress_heap(void **state)
{
	enum { BIG = 8, BIG_SZ = 8 << 20 };
	static struct sec sec[N_SEC]; /* static: teardown reaches them after a failure */
	struct snapshot before, after;
	char steps[N_SEC][64];
	void *big[BIG] = { 0 };
	uint64_t s = hm_test_seed() | 1, rounds = 0;
	unsigned int live = N_SEC;
	size_t peak = 0, low = SIZE_MAX;
	struct hm_malloc_socket_stats st;
	(void)state;

	snap(&before);
	for (unsigned int k = 0; k < N_SEC; k++) {
		snprintf(steps[k], sizeof(steps[k]), "churn=%u:%u", mp_peer_sanitized() ? 500 : 1000,
			 7 + k);
		const char *stp[] = { "init", steps[k], "check", NULL };
		sec_start(&sec[k], k, stp);
	}
	/* grow and shrink while they run: 8 MiB blocks need new pages each time, and
	 * their pages go back when freed */
	while (live > 0 || rounds < 64) {
		unsigned int b = (unsigned int)(mp_peer_rand(&s) % BIG);
		if (big[b] != NULL) {
			assert_true(mp_peer_pattern_ok(big[b], BIG_SZ, (uint64_t)(uintptr_t)big[b]));
			hm_free(big[b]);
			big[b] = NULL;
		} else {
			big[b] = hm_malloc("grow", BIG_SZ, 0);
			assert_non_null(big[b]);
			mp_peer_pattern_fill(big[b], BIG_SZ, (uint64_t)(uintptr_t)big[b]);
		}
		assert_int_equal(hm_malloc_get_socket_stats(0, &st), 0);
		peak = st.heap_totalsz_bytes > peak ? st.heap_totalsz_bytes : peak;
		low = st.heap_totalsz_bytes < low ? st.heap_totalsz_bytes : low;
		rounds++;
		for (unsigned int k = 0; k < N_SEC; k++) {
			int rc = sec_poll(&sec[k], false);
			if (rc > 0)
				fail_msg("secondary %u failed (exit %d)", k, rc);
			live -= rc < 0;
		}
	}
	for (unsigned int b = 0; b < BIG; b++) {
		if (big[b] != NULL)
			assert_true(mp_peer_pattern_ok(big[b], BIG_SZ, (uint64_t)(uintptr_t)big[b]));
		hm_free(big[b]);
	}
	printf("# %" PRIu64 " grow/shrink rounds; heap 0 between %zu and %zu MiB\n", rounds,
	       low >> 20, peak >> 20);
	assert_true(peak >= low + 2 * (size_t)BIG_SZ);
	snap(&after);
	assert_same(&before, &after);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_multiprocess_stress_mbufs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiprocess_stress_heap, setup, teardown),
	};
	const char *rb = getenv("HUGEMEM_RUNTIME_DIR");

	if (argc < 2)
		hm_test_skip_all("usage: %s <path of mp_peer>", argv[0]);
	peer = argv[1];
	if (rb == NULL)
		hm_test_skip_all("HUGEMEM_RUNTIME_DIR is not set");
	snprintf(run_base, sizeof(run_base), "%s", rb);
	mkdir(run_base, 0700);
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
