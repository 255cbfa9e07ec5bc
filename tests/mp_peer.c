/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mp_peer: the other process of the multiprocess tests. test_multiprocess
 * fork+execs it (a fresh image, ASLR on: nothing is inherited but the
 * environment), so everything it uses it reaches by attaching.
 *
 *   mp_peer [hugemem options] -- STEP...
 *
 * Steps run in order; the first that fails prints "FAIL <step>: <why>" on
 * stderr and exits 1; success exits 0. Steps before "init" run before hm_init.
 *   occupy=ADDR:LEN         map [ADDR, ADDR+LEN) before init (an address the
 *                           primary uses, taken here)
 *   expect-fail=ERRNO:TEXT  hm_init must fail with -ERRNO and a message holding
 *                           TEXT, leaving no fd, mapping or file behind; ends
 *   init                    hm_init with the options (hm_proc_type printed)
 *   zone-check=NAME:SEED    the memzone holds pattern SEED
 *   zone-fill=NAME:SEED     write pattern SEED into it
 *   zone-new=NAME:SIZE:SEED reserve it here and fill it
 *   zone-free=NAME          free it
 *   churn=N:SEED[:MAX]      N random malloc/free rounds (sizes up to MAX, default
 *                           3 MiB), every block checked
 *   ops=ALIAS@BASE,...      register copies of built-in mempool ops under other
 *                           names (before init: this process's order; after: shared)
 *   pool-new=NAME:N:CACHE:OPS  a mempool of N 256-byte objects
 *   pool-use=NAME:ROUNDS:SEED  get/fill/check/put bursts; the count is as before
 *   pool-missing=NAME:TEXT  a get from the pool fails with -ENOTSUP and TEXT
 *   pool-count=NAME:N       the pool's available count is N
 *   pool-free=NAME / ring-free=NAME
 *   ring-new=NAME:COUNT     an SP/SC ring
 *   mbuf-send=RING:POOL:N:SEED  N mbufs with numbered payloads into the ring
 *   mbuf-recv=RING:N:SEED   N mbufs out of the ring (10 s), payloads checked, freed
 *   relay=IN:OUT:POOL:N:SEED_IN:SEED_OUT  N mbufs out of IN (numbered payloads of
 *                           SEED_IN, checked), each sent on OUT with the payload of
 *                           SEED_OUT: odd ones rewritten in place, even ones freed
 *                           and replaced by a fresh mbuf from POOL (stress test)
 *   malloc-fail=SIZE:ERRNO:TEXT  hm_malloc(SIZE) fails with ERRNO and TEXT
 *   pages-fail=ERRNO:TEXT   hm_memseg_alloc_pages of one page fails with -ERRNO and TEXT
 *   small=N                 N small hm_malloc/hm_free pairs (they stay in this lcore's
 *                           malloc cache until hm_cleanup flushes it)
 *   procs=N                 hm_mp_procs counts N attached processes
 *   hammer=MS:SEED[:POOL]   random mallocs/frees (some needing new pages), memzone
 *                           reserves/frees, ring creates/frees, gets/puts on mempool
 *                           POOL, every block and zone checked, for MS ms (0: until
 *                           killed); what it holds at the end it gives back
 *   check                   hm_memseg/malloc/memzone/mp checks
 *   lcore                   print "lcore <id>"
 *   touch=PATH / wait=PATH  create a file / wait (10 s) for it: sync with the test
 *   sleep=MS
 *   cleanup                 hm_cleanup (also done at exit when not given)
 */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hugemem/hugemem.h"
#include "mp_peer.h"

static const char *step;

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s: ", step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int
count_dir(const char *path)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "%s", path);
	return mp_peer_count_entries(cmd);
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static const struct hm_memzone *
zone(const char *name)
{
	const struct hm_memzone *z = hm_memzone_lookup(name);
	if (z == NULL)
		fail("no memzone %s: %s", name, hm_last_error());
	return z;
}

static void
run_churn(unsigned int n, uint64_t seed, uint64_t max)
{
	void *blk[64] = { 0 };
	size_t len[64] = { 0 };
	uint64_t s = seed | 1;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int k = (unsigned int)(mp_peer_rand(&s) % 64);
		if (blk[k] != NULL) {
			if (!mp_peer_pattern_ok(blk[k], len[k], (uint64_t)(uintptr_t)blk[k]))
				fail("block %p (%zu bytes) was overwritten", blk[k], len[k]);
			hm_free(blk[k]);
			blk[k] = NULL;
			continue;
		}
		len[k] = 1 + (size_t)(mp_peer_rand(&s) % (mp_peer_rand(&s) % 8 == 0 ? max : 4096));
		blk[k] = hm_malloc("peer", len[k], 0);
		if (blk[k] == NULL)
			fail("hm_malloc(%zu): %s", len[k], hm_last_error());
		mp_peer_pattern_fill(blk[k], len[k], (uint64_t)(uintptr_t)blk[k]);
	}
	for (unsigned int k = 0; k < 64; k++) {
		if (blk[k] != NULL && !mp_peer_pattern_ok(blk[k], len[k], (uint64_t)(uintptr_t)blk[k]))
			fail("block %p was overwritten", blk[k]);
		hm_free(blk[k]);
	}
}

static void
register_ops(char *list)
{
	char *save = NULL;

	for (char *tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *at = strchr(tok, '@');
		if (at == NULL)
			fail("ops: '%s' is not ALIAS@BASE", tok);
		*at = '\0';
		int base = hm_mempool_ops_lookup(at + 1);
		if (base < 0)
			fail("no ops %s", at + 1);
		struct hm_mempool_ops o = hm_mempool_ops_table.ops[base];
		snprintf(o.name, sizeof(o.name), "%s", tok);
		if (hm_mempool_ops_register(&o) < 0)
			fail("register %s: %s", tok, hm_last_error());
	}
}

static struct hm_mempool *
pool(const char *name)
{
	struct hm_mempool *mp = hm_mempool_lookup(name);
	if (mp == NULL)
		fail("no mempool %s: %s", name, hm_last_error());
	return mp;
}

static void
pool_use(struct hm_mempool *mp, unsigned int rounds, uint64_t seed)
{
	unsigned int before = hm_mempool_avail_count(mp);
	void *objs[32];
	uint64_t s = seed | 1;

	for (unsigned int r = 0; r < rounds; r++) {
		unsigned int n = 1 + (unsigned int)(mp_peer_rand(&s) % 32);
		if (hm_mempool_get_bulk(mp, objs, n) < 0)
			fail("get of %u from %s: %s", n, mp->name, hm_last_error());
		for (unsigned int i = 0; i < n; i++)
			mp_peer_pattern_fill(objs[i], mp->elt_size, (uint64_t)(uintptr_t)objs[i] ^ seed);
		for (unsigned int i = 0; i < n; i++)
			if (!mp_peer_pattern_ok(objs[i], mp->elt_size,
						(uint64_t)(uintptr_t)objs[i] ^ seed))
				fail("object %p of %s changed under us", objs[i], mp->name);
		hm_mempool_put_bulk(mp, objs, n);
	}
	if (hm_mempool_avail_count(mp) != before)
		fail("%s: %u available before, %u after", mp->name, before,
		     hm_mempool_avail_count(mp));
}

static struct hm_ring *
ring(const char *name)
{
	struct hm_ring *r = hm_ring_lookup(name);
	if (r == NULL)
		fail("no ring %s: %s", name, hm_last_error());
	return r;
}

static void
mbuf_send(struct hm_ring *r, struct hm_mempool *mp, uint64_t n, uint64_t seed)
{
	for (uint64_t seq = 0; seq < n;) {
		struct hm_mbuf *m = hm_pktmbuf_alloc(mp);
		if (m == NULL) {
			sleep_ms(1); /* the other side still holds them */
			continue;
		}
		if (mp_peer_mbuf_fill(m, seq, seed) < 0)
			fail("append: %s", hm_last_error());
		while (hm_ring_enqueue(r, m) != 0)
			sleep_ms(1);
		seq++;
	}
}

static void
mbuf_recv(struct hm_ring *r, uint64_t n, uint64_t seed)
{
	unsigned int idle = 0;

	for (uint64_t seq = 0; seq < n;) {
		void *obj;
		if (hm_ring_dequeue(r, &obj) != 0) {
			if (idle++ > 10000)
				fail("ring %s: %" PRIu64 " of %" PRIu64 " received", r->name, seq, n);
			sleep_ms(1);
			continue;
		}
		idle = 0;
		struct hm_mbuf *m = obj;
		if (!mp_peer_mbuf_ok(m, seq, seed))
			fail("mbuf %" PRIu64 " (%u bytes): payload differs", seq, m->data_len);
		hm_pktmbuf_free(m);
		seq++;
	}
}

static void
relay(struct hm_ring *in, struct hm_ring *out, struct hm_mempool *mp, uint64_t n,
      uint64_t seed_in, uint64_t seed_out)
{
	void *burst[32];
	unsigned int idle = 0;

	for (uint64_t seq = 0; seq < n;) {
		unsigned int got = hm_ring_dequeue_burst(in, burst, 32, NULL);
		if (got == 0) {
			if (idle++ > 200000)
				fail("ring %s: %" PRIu64 " of %" PRIu64 " relayed", in->name, seq, n);
			struct timespec ts = { 0, 50000 };
			nanosleep(&ts, NULL);
			continue;
		}
		idle = 0;
		for (unsigned int i = 0; i < got; i++, seq++) {
			struct hm_mbuf *m = burst[i];
			if (!mp_peer_mbuf_ok(m, seq, seed_in))
				fail("mbuf %" PRIu64 " (%u bytes) on %s: payload differs", seq,
				     m->data_len, in->name);
			if (seq % 2 == 0) {
				hm_pktmbuf_free(m);
				while ((m = hm_pktmbuf_alloc(mp)) == NULL)
					sched_yield();
			} else {
				hm_pktmbuf_reset(m);
			}
			if (mp_peer_mbuf_fill(m, seq, seed_out) < 0)
				fail("append: %s", hm_last_error());
			burst[i] = m;
		}
		for (unsigned int done = 0; done < got;) {
			done += hm_ring_enqueue_burst(out, &burst[done], got - done, NULL);
			if (done < got)
				sched_yield();
		}
	}
}

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The kill test's workload: every shared structure with a lock, in a loop. */
static void
hammer(uint64_t ms, uint64_t seed, const char *pool_name)
{
	enum { BLKS = 32, ZONES = 8, OBJS = 64 };
	void *blk[BLKS] = { 0 };
	size_t len[BLKS] = { 0 };
	const struct hm_memzone *zn[ZONES] = { 0 };
	void *objs[OBJS];
	unsigned int n_objs = 0, zseq = 0;
	struct hm_mempool *mp = pool_name != NULL ? pool(pool_name) : NULL;
	uint64_t s = seed | 1, end = ms != 0 ? now_ms() + ms : UINT64_MAX, ops = 0;
	char name[HM_MEMZONE_NAMESIZE];

	while (now_ms() < end) {
		uint64_t r = mp_peer_rand(&s), k = (r >> 8) % 64;
		switch (r % 8) {
		case 0: case 1: case 2: case 3: {
			unsigned int b = (unsigned int)(k % BLKS);
			if (blk[b] != NULL) {
				if (!mp_peer_pattern_ok(blk[b], len[b], (uint64_t)(uintptr_t)blk[b]))
					fail("block %p (%zu bytes) was overwritten", blk[b], len[b]);
				hm_free(blk[b]);
				blk[b] = NULL;
				break;
			}
			len[b] = 1 + (size_t)(mp_peer_rand(&s) % (r % 64 == 0 ? 3u << 20 : 8192));
			blk[b] = hm_malloc("hammer", len[b], 0);
			if (blk[b] == NULL)
				fail("hm_malloc(%zu): %s", len[b], hm_last_error());
			mp_peer_pattern_fill(blk[b], len[b], (uint64_t)(uintptr_t)blk[b]);
			break;
		}
		case 4: case 5: {
			unsigned int z = (unsigned int)(k % ZONES);
			if (zn[z] != NULL) {
				if (!mp_peer_pattern_ok(zn[z]->addr, zn[z]->len, (uint64_t)(uintptr_t)zn[z]))
					fail("zone %s was overwritten", zn[z]->name);
				if (hm_memzone_free(zn[z]) < 0)
					fail("free zone: %s", hm_last_error());
				zn[z] = NULL;
				break;
			}
			snprintf(name, sizeof(name), "h%d-%u", (int)getpid(), zseq++);
			zn[z] = hm_memzone_reserve(name, 4096 + (mp_peer_rand(&s) % 65536),
						   HM_SOCKET_ID_ANY, 0);
			if (zn[z] == NULL)
				fail("reserve %s: %s", name, hm_last_error());
			mp_peer_pattern_fill(zn[z]->addr, zn[z]->len, (uint64_t)(uintptr_t)zn[z]);
			break;
		}
		case 6: {
			if (mp == NULL)
				break;
			if (n_objs > 0 && (r & 256)) {
				unsigned int n = 1 + (unsigned int)(k % n_objs);
				n_objs -= n;
				hm_mempool_put_bulk(mp, &objs[n_objs], n);
			} else if (n_objs < OBJS) {
				unsigned int n = 1 + (unsigned int)(k % (OBJS - n_objs));
				if (n > 16)
					n = 16;
				if (hm_mempool_get_bulk(mp, &objs[n_objs], n) == 0)
					n_objs += n;
			}
			break;
		}
		default: {
			snprintf(name, sizeof(name), "hr%d", (int)getpid());
			struct hm_ring *rg = hm_ring_create(name, 64, HM_SOCKET_ID_ANY, 0);
			if (rg == NULL)
				fail("ring %s: %s", name, hm_last_error());
			hm_ring_free(rg);
			break;
		}
		}
		ops++;
	}
	for (unsigned int b = 0; b < BLKS; b++)
		hm_free(blk[b]);
	for (unsigned int z = 0; z < ZONES; z++)
		if (zn[z] != NULL && hm_memzone_free(zn[z]) < 0)
			fail("free zone: %s", hm_last_error());
	if (n_objs > 0)
		hm_mempool_put_bulk(mp, objs, n_objs);
	printf("hammer %" PRIu64 " ops\n", ops);
}

static void
run_checks(void)
{
	const char *why = NULL;

	if (hm_memseg_check(&why) < 0)
		fail("hm_memseg_check: %s", hm_last_error());
	if (hm_malloc_check(&why) < 0)
		fail("hm_malloc_check: %s", hm_last_error());
	if (hm_memzone_check(&why) < 0)
		fail("hm_memzone_check: %s", hm_last_error());
	if (hm_mp_check(&why) < 0)
		fail("hm_mp_check: %s", hm_last_error());
}

/* A crash says so (and where) on stderr: the test prints the peer's stderr. */
static void
on_crash(int sig)
{
	void *frames[32];
	int n = backtrace(frames, 32);
	static const char msg[] = "CRASH: signal ";
	char num[4] = { (char)('0' + sig / 10), (char)('0' + sig % 10), '\n', 0 };

	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, num, 3);
	backtrace_symbols_fd(frames, n, 2);
	signal(sig, SIG_DFL);
	raise(sig);
}

int
main(int argc, char **argv)
{
	int first = 1, opt_end = argc, rc;
	bool up = false;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			opt_end = i;
			break;
		}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGABRT, on_crash);
	for (int i = opt_end + 1; i < argc; i++) {
		char *a = argv[i], *v = strchr(a, '=');
		step = a;
		if (v != NULL)
			v++;
		if (strncmp(a, "occupy=", 7) == 0) {
			unsigned long long addr = strtoull(v, &v, 0), len = strtoull(v + 1, NULL, 0);
			void *p = mmap((void *)(uintptr_t)addr, len, PROT_NONE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (p == MAP_FAILED)
				fail("cannot map %#llx: %s", addr, strerror(errno));
		} else if (strncmp(a, "expect-fail=", 12) == 0) {
			int want = atoi(v);
			const char *text = strchr(v, ':') != NULL ? strchr(v, ':') + 1 : "";
			const char *rd = getenv("MP_PEER_RUN_DIR");
			int fds = mp_peer_count_fds(), maps = mp_peer_count_maps();
			int files = rd != NULL ? count_dir(rd) : 0;
			char **av = calloc((size_t)opt_end + 1, sizeof(*av));
			memcpy(av, argv, sizeof(*av) * (size_t)opt_end);
			hm_log_set_level(HM_LOG_EMERG);
			rc = hm_init(opt_end, av);
			free(av);
			if (rc >= 0)
				fail("hm_init succeeded; expected -%d (%s)", want, text);
			if (rc != -want)
				fail("hm_init returned %d (%s); expected -%d", rc, hm_last_error(), want);
			if (strstr(hm_last_error(), text) == NULL)
				fail("message '%s' lacks '%s'", hm_last_error(), text);
			if (mp_peer_count_fds() != fds)
				fail("fds: %d before, %d after the failed init", fds,
				     mp_peer_count_fds());
			if (!mp_peer_sanitized() && mp_peer_count_maps() != maps)
				fail("mappings: %d before, %d after the failed init", maps,
				     mp_peer_count_maps());
			if (rd != NULL && count_dir(rd) != files)
				fail("%s: %d entries before, %d after the failed init", rd, files,
				     count_dir(rd));
			if (hm_proc_type() != HM_PROC_INVALID)
				fail("hm_proc_type() is %d after a failed init", (int)hm_proc_type());
			printf("refused: %s\n", hm_last_error());
			return 0;
		} else if (strcmp(a, "init") == 0) {
			char **av = calloc((size_t)opt_end + 1, sizeof(*av));
			memcpy(av, argv, sizeof(*av) * (size_t)opt_end);
			rc = hm_init(opt_end, av);
			free(av);
			if (rc < 0)
				fail("hm_init: %s", hm_last_error());
			up = true;
			printf("proc-type %s pid %d\n",
			       hm_proc_type() == HM_PROC_SECONDARY ? "secondary" :
			       hm_proc_type() == HM_PROC_PRIMARY ? "primary" : "invalid",
			       (int)getpid());
		} else if (strncmp(a, "zone-check=", 11) == 0) {
			char name[64];
			uint64_t seed;
			if (sscanf(v, "%63[^:]:%" SCNu64, name, &seed) != 2)
				fail("bad step");
			const struct hm_memzone *z = zone(name);
			if (!mp_peer_pattern_ok(z->addr, z->len, seed))
				fail("memzone %s at %p does not hold pattern %" PRIu64, name, z->addr,
				     seed);
		} else if (strncmp(a, "zone-fill=", 10) == 0) {
			char name[64];
			uint64_t seed;
			if (sscanf(v, "%63[^:]:%" SCNu64, name, &seed) != 2)
				fail("bad step");
			const struct hm_memzone *z = zone(name);
			mp_peer_pattern_fill(z->addr, z->len, seed);
		} else if (strncmp(a, "zone-new=", 9) == 0) {
			char name[64];
			uint64_t size, seed;
			if (sscanf(v, "%63[^:]:%" SCNu64 ":%" SCNu64, name, &size, &seed) != 3)
				fail("bad step");
			const struct hm_memzone *z = hm_memzone_reserve(name, size, HM_SOCKET_ID_ANY, 0);
			if (z == NULL)
				fail("hm_memzone_reserve(%s, %" PRIu64 "): %s", name, size,
				     hm_last_error());
			mp_peer_pattern_fill(z->addr, z->len, seed);
		} else if (strncmp(a, "zone-free=", 10) == 0) {
			if (hm_memzone_free(zone(v)) < 0)
				fail("hm_memzone_free(%s): %s", v, hm_last_error());
		} else if (strncmp(a, "churn=", 6) == 0) {
			unsigned int n = (unsigned int)strtoul(v, &v, 10);
			uint64_t seed = strtoull(v + 1, &v, 10);
			run_churn(n, seed, *v == ':' ? strtoull(v + 1, NULL, 0) : 3u << 20);
		} else if (strncmp(a, "ops=", 4) == 0) {
			register_ops(v);
		} else if (strncmp(a, "pool-new=", 9) == 0) {
			char name[64], ops[64];
			unsigned int n, cache;
			if (sscanf(v, "%63[^:]:%u:%u:%63s", name, &n, &cache, ops) != 4)
				fail("bad step");
			struct hm_mempool *mp = hm_mempool_create_empty(name, n, 256, cache, 0,
									HM_SOCKET_ID_ANY, 0);
			if (mp == NULL || hm_mempool_set_ops_byname(mp, ops, NULL) < 0 ||
			    hm_mempool_populate_default(mp) < 0)
				fail("pool %s with ops %s: %s", name, ops, hm_last_error());
		} else if (strncmp(a, "pool-use=", 9) == 0) {
			char name[64];
			unsigned int rounds;
			uint64_t seed;
			if (sscanf(v, "%63[^:]:%u:%" SCNu64, name, &rounds, &seed) != 3)
				fail("bad step");
			pool_use(pool(name), rounds, seed);
		} else if (strncmp(a, "pool-missing=", 13) == 0) {
			char name[64];
			void *obj;
			if (sscanf(v, "%63[^:]", name) != 1)
				fail("bad step");
			const char *text = strchr(v, ':') != NULL ? strchr(v, ':') + 1 : "";
			rc = hm_mempool_get(pool(name), &obj);
			if (rc != -ENOTSUP || strstr(hm_last_error(), text) == NULL)
				fail("get from %s: %d (%s), expected -ENOTSUP with '%s'", name, rc,
				     hm_last_error(), text);
		} else if (strncmp(a, "pool-count=", 11) == 0) {
			char name[64];
			unsigned int n;
			if (sscanf(v, "%63[^:]:%u", name, &n) != 2)
				fail("bad step");
			if (hm_mempool_avail_count(pool(name)) != n)
				fail("%s: %u available, expected %u", name,
				     hm_mempool_avail_count(pool(name)), n);
		} else if (strncmp(a, "pool-free=", 10) == 0) {
			if (hm_mempool_free(pool(v)) < 0)
				fail("free %s: %s", v, hm_last_error());
		} else if (strncmp(a, "ring-free=", 10) == 0) {
			hm_ring_free(ring(v));
		} else if (strncmp(a, "ring-new=", 9) == 0) {
			char name[64];
			unsigned int n;
			if (sscanf(v, "%63[^:]:%u", name, &n) != 2)
				fail("bad step");
			if (hm_ring_create(name, n, HM_SOCKET_ID_ANY,
					   HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ) == NULL)
				fail("ring %s: %s", name, hm_last_error());
		} else if (strncmp(a, "mbuf-send=", 10) == 0) {
			char rn[64], pn[64];
			uint64_t n, seed;
			if (sscanf(v, "%63[^:]:%63[^:]:%" SCNu64 ":%" SCNu64, rn, pn, &n, &seed) != 4)
				fail("bad step");
			mbuf_send(ring(rn), pool(pn), n, seed);
		} else if (strncmp(a, "mbuf-recv=", 10) == 0) {
			char rn[64];
			uint64_t n, seed;
			if (sscanf(v, "%63[^:]:%" SCNu64 ":%" SCNu64, rn, &n, &seed) != 3)
				fail("bad step");
			mbuf_recv(ring(rn), n, seed);
		} else if (strncmp(a, "relay=", 6) == 0) {
			char in[64], out[64], pn[64];
			uint64_t n, si, so;
			if (sscanf(v, "%63[^:]:%63[^:]:%63[^:]:%" SCNu64 ":%" SCNu64 ":%" SCNu64, in,
				   out, pn, &n, &si, &so) != 6)
				fail("bad step");
			relay(ring(in), ring(out), pool(pn), n, si, so);
		} else if (strncmp(a, "malloc-fail=", 12) == 0) {
			unsigned long long size = strtoull(v, &v, 0);
			int want = atoi(v + 1);
			const char *text = strchr(v + 1, ':') != NULL ? strchr(v + 1, ':') + 1 : "";
			void *p = hm_malloc("peer", (size_t)size, 0);
			if (p != NULL)
				fail("hm_malloc(%llu) succeeded", size);
			if (hm_errno != want || strstr(hm_last_error(), text) == NULL)
				fail("hm_malloc(%llu): errno %d (%s), expected %d with '%s'", size,
				     hm_errno, hm_last_error(), want, text);
		} else if (strncmp(a, "pages-fail=", 11) == 0) {
			struct hm_memseg *ms[1];
			int want = atoi(v);
			const char *text = strchr(v, ':') != NULL ? strchr(v, ':') + 1 : "";
			rc = hm_memseg_alloc_pages(ms, 1, 2u << 20, 0, 0);
			if (rc != -want || strstr(hm_last_error(), text) == NULL)
				fail("alloc_pages: %d (%s), expected -%d with '%s'", rc,
				     hm_last_error(), want, text);
		} else if (strncmp(a, "small=", 6) == 0) {
			unsigned int n = (unsigned int)atoi(v);
			for (unsigned int k = 0; k < n; k++) {
				void *p = hm_malloc("small", 64 + (k % 8) * 64, 0);
				if (p == NULL)
					fail("hm_malloc: %s", hm_last_error());
				memset(p, 0x5a, 64);
				hm_free(p);
			}
		} else if (strncmp(a, "procs=", 6) == 0) {
			int n = hm_mp_procs(NULL, 0);
			if (n != atoi(v))
				fail("hm_mp_procs: %d attached, expected %s (%s)", n, v,
				     n < 0 ? hm_last_error() : "");
		} else if (strncmp(a, "hammer=", 7) == 0) {
			uint64_t ms = strtoull(v, &v, 10), seed = 1;
			char pn[64] = "";
			if (*v == ':')
				seed = strtoull(v + 1, &v, 10);
			if (*v == ':')
				snprintf(pn, sizeof(pn), "%s", v + 1);
			hammer(ms, seed, pn[0] != '\0' ? pn : NULL);
		} else if (strcmp(a, "check") == 0) {
			run_checks();
		} else if (strcmp(a, "lcore") == 0) {
			printf("lcore %u\n", hm_lcore_id());
		} else if (strncmp(a, "touch=", 6) == 0) {
			int fd = open(v, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
			if (fd < 0)
				fail("%s: %s", v, strerror(errno));
			close(fd);
		} else if (strncmp(a, "wait=", 5) == 0) {
			struct stat st;
			unsigned int ms = 0;
			while (stat(v, &st) != 0) {
				if (ms++ > 10000)
					fail("%s did not appear within 10 s", v);
				sleep_ms(1);
			}
		} else if (strncmp(a, "sleep=", 6) == 0) {
			sleep_ms((unsigned int)atoi(v));
		} else if (strcmp(a, "cleanup") == 0) {
			if (hm_cleanup() < 0)
				fail("hm_cleanup: %s", hm_last_error());
			up = false;
		} else {
			fail("unknown step");
		}
	}
	(void)first;
	if (up && hm_cleanup() < 0) {
		step = "cleanup at exit";
		fail("%s", hm_last_error());
	}
	return 0;
}
