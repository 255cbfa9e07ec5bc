/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multi-process: this program is the primary; its secondaries are real
 * processes, tests/mp_peer (argv[1]) started with fork+exec (a fresh image
 * with ASLR: nothing is inherited but the environment). Runs on each backend
 * (suite multiprocess-<backend>).
 *
 * What is asserted: a secondary sees the primary's zones and pages at the same
 * addresses and the primary sees its writes; every refusal (no primary, a
 * --no-shconf / --in-memory primary, layout version, backend, memory mode,
 * address taken, a primary that never completes its init) fails with its
 * message and leaves no fd, mapping or file; a page mapped by the primary is
 * mapped in the secondary before the mapping call returns, and a freed page is
 * unmapped there before the free returns (read from /proc/<pid>/maps).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "mcfg_i.h"
#include "mp_peer.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"
#include "hugemem/fusefs.h"

#define TOPO "nodes=1;2M=256;lcores=0-15@0"
#define OUT_MAX 8192

static const char *peer;
static char run_base[512];
static char prefix[64];
static char run_dir[600];
static unsigned int test_no;

struct peer_run {
	struct hm_test_child c;
	pid_t pid;
	int status;
	char out[OUT_MAX];
	char err[OUT_MAX];
};

/*
 * Start mp_peer with hugemem options @p opts (NULL-terminated; the backend's
 * and --file-prefix are added) and steps @p steps (NULL-terminated).
 */
/* Peers started and not yet waited for (wait_file watches them). */
#define MAX_RUNNING 8
static struct peer_run *running[MAX_RUNNING];

static void
peer_start(struct peer_run *r, const char *const *opts, const char *const *steps)
{
	const char *argv[64];
	char *be[2];
	char pfx[100], env[700];
	int n = 0, nb;

	memset(r, 0, sizeof(*r));
	snprintf(env, sizeof(env), "MP_PEER_RUN_DIR=%s", run_dir);
	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", prefix);
	argv[n++] = peer;
	nb = hm_test_backend_args(be);
	for (int i = 0; i < nb; i++)
		argv[n++] = be[i];
	argv[n++] = pfx;
	for (; opts != NULL && *opts != NULL; opts++)
		argv[n++] = *opts;
	argv[n++] = "--";
	for (; *steps != NULL; steps++)
		argv[n++] = *steps;
	argv[n] = NULL;
	r->pid = hm_test_spawn(&r->c, &(struct hm_test_spawn_args){
		.argv = argv, .env = HM_TEST_ARGV(env), .out = HM_TEST_IO_FILE,
		.err = HM_TEST_IO_FILE, .dir = run_base });
	for (unsigned int i = 0; i < MAX_RUNNING; i++)
		if (running[i] == NULL) {
			running[i] = r;
			break;
		}
}

static void
peer_forget(struct peer_run *r)
{
	for (unsigned int i = 0; i < MAX_RUNNING; i++)
		if (running[i] == r)
			running[i] = NULL;
}

static int
peer_wait(struct peer_run *r)
{
	peer_forget(r);
	r->status = hm_test_wait(&r->c, -1);
	hm_test_collect(&r->c, r->out, sizeof(r->out), r->err, sizeof(r->err));
	if (r->status != 0)
		printf("# peer exit %d\n# stdout: %s\n# stderr: %s\n", r->status, r->out, r->err);
	return r->status;
}

static int
peer_run(struct peer_run *r, const char *const *opts, const char *const *steps)
{
	peer_start(r, opts, steps);
	return peer_wait(r);
}

/* A file in the run base, for touch/wait steps. */
static const char *
sync_file(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s-%d-%u", run_base, name, (int)getpid(), test_no);
	return buf;
}

/* Wait for @p path; a peer that fails meanwhile fails the test with its output. */
static void
wait_file(const char *path)
{
	struct stat st;
	for (int ms = 0; stat(path, &st) != 0; ms++) {
		for (unsigned int i = 0; i < MAX_RUNNING; i++) {
			/* still running (-1) or exited cleanly (0) */
			if (running[i] == NULL || hm_test_peek(&running[i]->c) <= 0)
				continue;
			printf("# a peer failed while the test waited for %s\n", path);
			assert_int_equal(peer_wait(running[i]), 0);
		}
		assert_true(ms < 20000);
		usleep(1000);
	}
}

static void
touch(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static int
setup(void **state)
{
	(void)state;
	test_no++;
	memset(running, 0, sizeof(running));
	snprintf(prefix, sizeof(prefix), "mp%d-%u", (int)getpid(), test_no);
	snprintf(run_dir, sizeof(run_dir), "%s/%s", run_base, prefix);
	return 0;
}

static int
teardown(void **state)
{
	hm_test_teardown(state);
	/* the runtime dir goes with the last process */
	assert_int_equal(mp_peer_count_entries(run_dir), -1);
	return 0;
}

static int
primary_init(const char *topo, struct hm_config *cfg)
{
	struct hm_config c;

	if (cfg == NULL) {
		hm_config_init(&c);
		cfg = &c;
	}
	cfg->topology = topo;
	cfg->file_prefix = prefix;
	/* zones and pools the peers made (or killed peers left) are the instance's,
	 * still there when this primary leaves last: not this process's leaks */
	cfg->allow_leaks = true;
	return hm_test_init_cfg(cfg);
}

/* ---------------------------------------------------------------- (a) */

static void
test_multiprocess_invalid_args(void **state)
{
	struct hm_config c;
	struct hm_mp_proc_info info[4];
	char *bad[] = { "t", "--proc-type=bogus" }, *bad2[] = { "t", "--mp-timeout=0" };
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(hm_proc_type(), HM_PROC_INVALID);
	assert_int_equal(hm_mp_procs(NULL, 0), -ENODEV);
	assert_int_equal(hm_mp_check(NULL), -ENODEV);
	hm_config_init(&c);
	assert_int_equal(hm_config_parse(&c, 2, bad), -EINVAL);
	assert_non_null(strstr(hm_last_error(), "--proc-type: 'bogus'"));
	assert_int_equal(hm_config_parse(&c, 2, bad2), -EINVAL);
	assert_non_null(strstr(hm_last_error(), "--mp-timeout"));
	assert_int_equal(c.proc_type, HM_PROC_PRIMARY);

	hm_config_init(&c);
	c.proc_type = (enum hm_proc_type)7;
	assert_int_equal(primary_init(TOPO, &c), -EINVAL);
	assert_non_null(strstr(hm_last_error(), "proc_type 7"));
	hm_config_init(&c);
	c.proc_type = HM_PROC_SECONDARY;
	c.in_memory = true;
	assert_int_equal(primary_init(TOPO, &c), -EINVAL);
	assert_non_null(strstr(hm_last_error(), "--in-memory"));
	hm_config_init(&c);
	c.proc_type = HM_PROC_AUTO;
	c.no_shconf = true;
	assert_int_equal(primary_init(TOPO, &c), -EINVAL);
	assert_non_null(strstr(hm_last_error(), "--no-shconf"));
	assert_int_equal(hm_proc_type(), HM_PROC_INVALID);

	/* a single process without shared config has no table */
	hm_config_init(&c);
	c.in_memory = true;
	assert_int_equal(primary_init(TOPO, &c), 0);
	assert_int_equal(hm_proc_type(), HM_PROC_PRIMARY);
	assert_int_equal(hm_mp_procs(info, 4), -ENOTSUP);
	assert_int_equal(hm_mp_check(NULL), 0);
	assert_int_equal(hm_cleanup(), 0);

	assert_int_equal(primary_init(TOPO, NULL), 0);
	assert_int_equal(hm_mp_procs(NULL, 4), -EINVAL);
	assert_int_equal(hm_mp_procs(NULL, 0), 1);
	assert_int_equal(hm_mp_procs(info, 4), 1);
	assert_int_equal(info[0].pid, getpid());
	assert_int_equal(info[0].type, HM_PROC_PRIMARY);
	assert_int_equal(info[0].self, 1);
	assert_int_equal(info[0].n_lcores, 1);
	assert_int_equal(hm_mp_check(NULL), 0);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(hm_proc_type(), HM_PROC_INVALID);
}

static void
test_multiprocess_attach_shares_zones(void **state)
{
	struct peer_run r;
	char f1[700], f2[700], w1[720], w2[720];
	struct hm_mp_proc_info info[4];
	const struct hm_memzone *a, *b;
	(void)state;

	assert_int_equal(primary_init(TOPO, NULL), 0);
	a = hm_memzone_reserve("mp-a", 4096, 0, 0);
	b = hm_memzone_reserve("mp-b", 6 << 20, 0, 0); /* the heap grows: new pages */
	assert_non_null(a);
	assert_non_null(b);
	mp_peer_pattern_fill(a->addr, a->len, 11);
	mp_peer_pattern_fill(b->addr, b->len, 12);
	sync_file(f1, sizeof(f1), "attached");
	sync_file(f2, sizeof(f2), "go");
	snprintf(w1, sizeof(w1), "touch=%s", f1);
	snprintf(w2, sizeof(w2), "wait=%s", f2);
	const char *opts[] = { "--proc-type=secondary", NULL };
	const char *steps[] = { "init", "lcore", "zone-check=mp-a:11", "zone-check=mp-b:12",
				"check", w1, w2, "zone-fill=mp-a:21", "zone-new=mp-c:100000:31",
				"check", "cleanup", NULL };
	peer_start(&r, opts, steps);
	wait_file(f1);
	assert_int_equal(hm_mp_procs(info, 4), 2);
	assert_int_equal(info[0].type + info[1].type, HM_PROC_PRIMARY + HM_PROC_SECONDARY);
	touch(f2);
	assert_int_equal(peer_wait(&r), 0);
	assert_non_null(strstr(r.out, "proc-type secondary"));
	/* a secondary's main lcore is one no live process uses (the primary has 0) */
	assert_non_null(strstr(r.out, "lcore 1\n"));
	assert_true(mp_peer_pattern_ok(a->addr, a->len, 21));
	assert_true(mp_peer_pattern_ok(b->addr, b->len, 12));
	const struct hm_memzone *c = hm_memzone_lookup("mp-c");
	assert_non_null(c);
	assert_true(mp_peer_pattern_ok(c->addr, c->len, 31));
	assert_int_equal(hm_mp_procs(info, 4), 1);
	assert_int_equal(hm_memzone_check(NULL), 0);
	assert_int_equal(hm_malloc_check(NULL), 0);
	assert_int_equal(hm_memseg_check(NULL), 0);
	assert_int_equal(hm_mp_check(NULL), 0);
	unlink(f1);
	unlink(f2);
}

static void
test_multiprocess_auto(void **state)
{
	struct peer_run r;
	const char *opts[] = { "--proc-type=auto", NULL };
	const char *steps[] = { "init", "check", NULL };
	(void)state;

	/* no primary: auto becomes one (and cleans up after itself) */
	assert_int_equal(peer_run(&r, opts, steps), 0);
	assert_non_null(strstr(r.out, "proc-type primary"));
	assert_int_equal(mp_peer_count_entries(run_dir), -1);
	/* a primary runs: auto attaches */
	assert_int_equal(primary_init(TOPO, NULL), 0);
	assert_int_equal(peer_run(&r, opts, steps), 0);
	assert_non_null(strstr(r.out, "proc-type secondary"));
}

/* Refusals: the peer asserts errno, message and that nothing is left behind. */
static void
refused(const char *const *opts, int err, const char *text)
{
	struct peer_run r;
	char step[300];
	int before = mp_peer_count_entries(run_dir);

	snprintf(step, sizeof(step), "expect-fail=%d:%s", err, text);
	const char *steps[] = { step, NULL };
	assert_int_equal(peer_run(&r, opts, steps), 0);
	assert_int_equal(mp_peer_count_entries(run_dir), before);
}

static void
test_multiprocess_refusals(void **state)
{
	const char *sec[] = { "--proc-type=secondary", NULL };
	const char *sec_fast[] = { "--proc-type=secondary", "--mp-timeout=150", NULL };
	struct hm_config c;
	(void)state;

	/* no primary at all */
	refused(sec, ENODEV, "no primary process is running with --file-prefix=");
	/* primaries that cannot be attached */
	hm_config_init(&c);
	c.no_shconf = true;
	assert_int_equal(primary_init(TOPO, &c), 0);
	refused(sec, ENODEV, "a primary started with --no-shconf or --in-memory creates no config");
	assert_int_equal(hm_cleanup(), 0);
	hm_config_init(&c);
	c.in_memory = true;
	assert_int_equal(primary_init(TOPO, &c), 0);
	refused(sec, ENODEV, "no primary process is running");
	assert_int_equal(hm_cleanup(), 0);

	assert_int_equal(primary_init(TOPO, NULL), 0);
	/* secondary-only misuse */
	const char *inmem[] = { "--proc-type=secondary", "--in-memory", NULL };
	refused(inmem, EINVAL, "cannot be combined with --in-memory");
	/* memory mode, topology and IOVA mode name both sides */
	const char *legacy[] = { "--proc-type=secondary", "--legacy-mem", NULL };
	refused(legacy, EINVAL, "this secondary asks for --legacy-mem, the primary (pid");
	const char *topo[] = { "--proc-type=secondary", "--topology=nodes=1;2M=8", NULL };
	refused(topo, EINVAL, "topology mismatch: this secondary asks for --topology=nodes=1;2M=8");
	const char *iova[] = { "--proc-type=secondary", hm_memseg_iova_is_va() == 1 ?
			       "--iova-mode=pa" : "--iova-mode=va", NULL };
	refused(iova, EINVAL, "IOVA mode mismatch");
	/* backend: another built one, or an unknown name */
	const char *be[] = { "--proc-type=secondary",
			     strcmp(hm_test_backend(), "emu") == 0 ? "--backend=hugetlbfs" :
			     "--backend=emu", NULL };
	if (hm_backend_lookup("hugetlbfs") != NULL && hm_backend_lookup("emu") != NULL)
		refused(be, EINVAL, "backend mismatch: this secondary asks for --backend=");
	/* layout version */
	struct hm_mem_config *m = mcfg_get();
	uint32_t v = m->version;
	m->version = v + 7;
	refused(sec_fast, EPROTO, "version mismatch: the primary's shared config");
	m->version = v;
	/* the config's address is taken in the secondary */
	char occupy[80];
	snprintf(occupy, sizeof(occupy), "occupy=%#" PRIx64 ":4096", m->mem_cfg_addr);
	const char *occ_steps[] = { occupy, "expect-fail=99:x", NULL };
	(void)occ_steps;
	{
		struct peer_run r;
		char step[200];
		snprintf(step, sizeof(step), "expect-fail=%d:%s", EADDRNOTAVAIL,
			 "--base-virtaddr");
		const char *steps[] = { occupy, step, NULL };
		assert_int_equal(peer_run(&r, sec, steps), 0);
	}
	/* a memseg list's range is taken in the secondary */
	{
		struct hm_memseg_list *msl = &m->memsegs[0];
		struct peer_run r;
		char step[200];
		snprintf(occupy, sizeof(occupy), "occupy=%#" PRIx64 ":4096",
			 (uint64_t)(uintptr_t)msl->base_va + msl->len - 4096);
		snprintf(step, sizeof(step), "expect-fail=%d:%s", EADDRNOTAVAIL,
			 "start the primary with --base-virtaddr");
		const char *steps[] = { occupy, step, NULL };
		assert_int_equal(peer_run(&r, sec, steps), 0);
	}
	assert_int_equal(hm_cleanup(), 0);

	/* a primary that never completes its init: a config without magic, locked */
	assert_int_equal(mkdir(run_dir, 0700), 0);
	char path[700];
	snprintf(path, sizeof(path), "%s/config", run_dir);
	int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)HM_ALIGN_CEIL(sizeof(struct hm_mem_config),
							   (size_t)sysconf(_SC_PAGESIZE))), 0);
	uint32_t ver = HM_MCFG_VERSION;
	assert_int_equal(pwrite(fd, &ver, sizeof(ver), offsetof(struct hm_mem_config, version)),
			 (ssize_t)sizeof(ver));
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	assert_int_equal(fcntl(fd, F_SETLK, &lk), 0);
	refused(sec_fast, ETIMEDOUT, "did not complete its init within 150 ms");
	/* the same file with nobody holding it: a dead primary's leftover */
	lk.l_type = F_UNLCK;
	assert_int_equal(fcntl(fd, F_SETLK, &lk), 0);
	refused(sec_fast, ENODEV, "left over from a primary that died before its init");
	close(fd);
	unlink(path);
	rmdir(run_dir);
}

/* ---------------------------------------------------------------- (b) */

/* Permissions of the mapping covering @p va in process @p pid ("rw-s"), or "". */
static void
maps_perm(pid_t pid, const void *va, char out[8])
{
	char path[64], line[512];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;
		char perm[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) == 3 &&
		    (uintptr_t)va >= lo && (uintptr_t)va < hi) {
			snprintf(out, 8, "%s", perm);
			break;
		}
	}
	fclose(f);
}

static void
test_multiprocess_page_sync(void **state)
{
	struct peer_run r;
	char f1[700], f2[700], w1[720], w2[720];
	struct hm_mp_proc_info info[4];
	char perm[8];
	(void)state;

	assert_int_equal(primary_init(TOPO, NULL), 0);
	sync_file(f1, sizeof(f1), "attached");
	sync_file(f2, sizeof(f2), "go");
	snprintf(w1, sizeof(w1), "touch=%s", f1);
	snprintf(w2, sizeof(w2), "wait=%s", f2);
	const char *opts[] = { "--proc-type=secondary", NULL };
	const char *steps[] = { "init", w1, w2, "check", NULL };
	peer_start(&r, opts, steps);
	wait_file(f1);
	for (int round = 0; round < 4; round++) {
		/* 4 MiB from an empty heap: fresh pages */
		void *p = hm_malloc("sync", 4 << 20, 0);
		assert_non_null(p);
		/* mapped in the secondary before hm_malloc returned */
		maps_perm(r.pid, p, perm);
		assert_string_equal(perm, "rw-s");
		assert_int_equal(hm_mp_procs(info, 4), 2);
		assert_int_equal(info[0].synced, info[1].synced);
		hm_free(p); /* whole pages go back: unmapped everywhere before return */
		maps_perm(r.pid, p, perm);
		assert_string_equal(perm, "---p");
	}
	touch(f2);
	assert_int_equal(peer_wait(&r), 0);
	unlink(f1);
	unlink(f2);
}

/* ---------------------------------------------------------------- (c) */

static void
ops_alias(const char *alias, const char *base)
{
	struct hm_mempool_ops o;
	int b;

	if (hm_mempool_ops_lookup(alias) >= 0)
		return;
	b = hm_mempool_ops_lookup(base);
	assert_true(b >= 0);
	o = hm_mempool_ops_table.ops[b];
	snprintf(o.name, sizeof(o.name), "%s", alias);
	assert_true(hm_mempool_ops_register(&o) >= 0);
}

static struct hm_mempool *
pool_with_ops(const char *name, const char *ops)
{
	struct hm_mempool *mp = hm_mempool_create_empty(name, 1024, 256, 32, 0, 0, 0);

	assert_non_null(mp);
	assert_int_equal(hm_mempool_set_ops_byname(mp, ops, NULL), 0);
	assert_true(hm_mempool_populate_default(mp) > 0);
	return mp;
}

/* Exchange @p n mbufs each way with a peer: send on @p to, receive on @p from. */
static void
exchange(struct hm_ring *to, struct hm_ring *from, struct hm_mempool *pkt, uint64_t n,
	 uint64_t seed_out, uint64_t seed_in)
{
	uint64_t sent = 0, got = 0;
	unsigned int idle = 0;

	while (sent < n || got < n) {
		bool progress = false;
		if (sent < n) {
			struct hm_mbuf *m = hm_pktmbuf_alloc(pkt);
			if (m != NULL) {
				assert_int_equal(mp_peer_mbuf_fill(m, sent, seed_out), 0);
				if (hm_ring_enqueue(to, m) == 0) {
					sent++;
					progress = true;
				} else {
					hm_pktmbuf_free(m);
				}
			}
		}
		void *obj;
		if (got < n && hm_ring_dequeue(from, &obj) == 0) {
			assert_true(mp_peer_mbuf_ok(obj, got, seed_in));
			hm_pktmbuf_free(obj);
			got++;
			progress = true;
		}
		if (!progress) {
			assert_true(idle++ < 20000);
			usleep(500);
		} else {
			idle = 0;
		}
	}
}

static void
test_multiprocess_objects(void **state)
{
	struct peer_run r;
	char f1[700], f2[700], w1[720], w2[720];
	void *obj;
	(void)state;

	/* this process registers alpha, beta, gamma; the peer beta then alpha */
	ops_alias("alpha", "stack");
	ops_alias("beta", "ring_mp_mc");
	ops_alias("gamma", "ring_sp_sc");
	assert_int_equal(primary_init(TOPO, NULL), 0);
	struct hm_mempool *pa = pool_with_ops("pa", "alpha");
	struct hm_mempool *pb = pool_with_ops("pb", "beta");
	struct hm_mempool *pg = pool_with_ops("pg", "gamma");
	struct hm_mempool *pkt = hm_pktmbuf_pool_create("pkt", 1023, 32, 0, 2048, 0);
	struct hm_ring *to = hm_ring_create("to-peer", 1024, 0, HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ);
	struct hm_ring *from = hm_ring_create("from-peer", 1024, 0,
					      HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ);
	assert_non_null(pkt);
	assert_non_null(to);
	assert_non_null(from);
	sync_file(f1, sizeof(f1), "made");
	sync_file(f2, sizeof(f2), "go");
	snprintf(w1, sizeof(w1), "touch=%s", f1);
	snprintf(w2, sizeof(w2), "wait=%s", f2);
	const char *opts[] = { "--proc-type=secondary", NULL };
	const char *steps[] = { "ops=beta@ring_mp_mc,alpha@stack", "init",
				"pool-use=pa:300:1", "pool-use=pb:300:2",
				"pool-missing=pg:ops 'gamma' are not registered in this process",
				"mbuf-recv=to-peer:3000:5", "mbuf-send=from-peer:pkt:3000:6",
				"ops=delta@stack", "pool-new=peer-d:256:0:delta",
				"pool-use=peer-d:50:3", "ring-new=peer-ring:64", "check", w1, w2,
				"pool-free=peer-d", "ring-free=peer-ring", "check", NULL };
	peer_start(&r, opts, steps);
	exchange(to, from, pkt, 3000, 5, 6);
	wait_file(f1);
	/* the peer's pool and ring, by name; its ops are unknown here */
	struct hm_mempool *pd = hm_mempool_lookup("peer-d");
	assert_non_null(pd);
	assert_non_null(hm_ring_lookup("peer-ring"));
	hm_test_quiet_log();
	assert_int_equal(hm_mempool_get(pd, &obj), -ENOTSUP);
	assert_non_null(strstr(hm_last_error(), "ops 'delta' are not registered"));
	hm_log_set_hook(NULL, NULL);
	touch(f2);
	assert_int_equal(peer_wait(&r), 0);
	assert_null(hm_mempool_lookup("peer-d"));
	/* every object is back (caches included) */
	assert_int_equal(hm_mempool_avail_count(pkt), 1023);
	assert_int_equal(hm_mempool_avail_count(pa), 1024);
	assert_int_equal(hm_mempool_avail_count(pb), 1024);
	assert_int_equal(hm_mempool_check(pkt, NULL), 0);
	assert_int_equal(hm_mempool_check(pa, NULL), 0);
	assert_int_equal(hm_mempool_check(pb, NULL), 0);
	assert_int_equal(hm_ring_count(to), 0);
	assert_int_equal(hm_ring_count(from), 0);
	assert_int_equal(hm_mempool_free(pa), 0);
	assert_int_equal(hm_mempool_free(pb), 0);
	assert_int_equal(hm_mempool_free(pg), 0);
	assert_int_equal(hm_mempool_free(pkt), 0);
	hm_ring_free(to);
	hm_ring_free(from);
	assert_int_equal(hm_malloc_check(NULL), 0);
	unlink(f1);
	unlink(f2);
}

/* ---------------------------------------------------------------- (d) */

static void
test_multiprocess_lcores_unique(void **state)
{
	struct peer_run r[3], x;
	char f2[700], w1[3][720], w2[720], f1[3][700];
	char name[16];
	bool seen[16] = { false };
	(void)state;

	assert_int_equal(primary_init("nodes=1;2M=128;lcores=0-3@0", NULL), 0);
	assert_int_equal(hm_lcore_id(), 0u);
	sync_file(f2, sizeof(f2), "go");
	snprintf(w2, sizeof(w2), "wait=%s", f2);
	const char *opts[] = { "--proc-type=secondary", NULL };
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "up%d", i);
		sync_file(f1[i], sizeof(f1[i]), name);
		snprintf(w1[i], sizeof(w1[i]), "touch=%s", f1[i]);
		const char *steps[] = { "init", "lcore", "small=500", w1[i], w2, "check", NULL };
		peer_start(&r[i], opts, steps);
		wait_file(f1[i]);
	}
	/* lcores 0-3 all in use: a fifth process is refused, leaving nothing */
	refused(opts, ENOSPC, "all 4 lcores of the topology are used by other processes");
	assert_int_equal(hm_mp_procs(NULL, 0), 4);
	touch(f2);
	seen[0] = true;
	for (int i = 0; i < 3; i++) {
		unsigned int id;
		assert_int_equal(peer_wait(&r[i]), 0);
		assert_non_null(strstr(r[i].out, "lcore "));
		id = (unsigned int)atoi(strstr(r[i].out, "lcore ") + 6);
		assert_true(id < 4);
		assert_false(seen[id]);
		seen[id] = true;
	}
	/* their malloc caches went back to the heap when they left */
	struct hm_malloc_socket_stats st;
	assert_int_equal(hm_malloc_get_socket_stats(0, &st), 0);
	assert_int_equal(st.alloc_count, 0);
	assert_int_equal(hm_malloc_check(NULL), 0);
	/* the ids are free again: the next secondary gets the lowest */
	const char *steps[] = { "init", "lcore", NULL };
	assert_int_equal(peer_run(&x, opts, steps), 0);
	assert_non_null(strstr(x.out, "lcore 1\n"));
	unlink(f2);
	for (int i = 0; i < 3; i++)
		unlink(f1[i]);
}

/* ------------------------------------------------------------ fuse daemon */

/* On fuse, the hugemem-fusefs daemon of the running primary (its pid, from the
 * control status) and its mount; pid -1 on other backends. */
static int fuse_pid = -1;
static char fuse_mnt[700];

static void
fuse_daemon_note(void)
{
	char st[4096];
	const char *p;

	fuse_pid = -1;
	if (strcmp(hm_test_backend(), "fuse") != 0)
		return;
	snprintf(fuse_mnt, sizeof(fuse_mnt), "%s/fusefs", run_dir);
	assert_true(hm_fusefs_status(fuse_mnt, st, sizeof(st)) > 0);
	p = strstr(st, ", pid ");
	assert_non_null(p);
	fuse_pid = atoi(p + 6);
	assert_true(fuse_pid > 0);
	/* the primary holds the mount */
	assert_non_null(strstr(st, "\nholds: 1 (its starter runs)\n"));
}

/* Whether /proc/self/mountinfo lists @p mnt as a mount point. */
static bool
mounted(const char *mnt)
{
	char line[4096], want[720];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	bool found = false;

	assert_non_null(f);
	snprintf(want, sizeof(want), " %s ", mnt);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		/* id parent major:minor root MOUNTPOINT ... */
		char *p = line;
		for (int field = 0; field < 4 && p != NULL; field++)
			p = strchr(p + 1, ' ');
		found = p != NULL && strncmp(p, want, strlen(want)) == 0;
	}
	fclose(f);
	return found;
}

/* The daemon noted exited (it is this process's child: reaped here, or by the
 * library's next start/stop) and left no mount. */
static void
fuse_daemon_gone(void)
{
	int st = 0;
	pid_t r = 0;

	if (fuse_pid < 0)
		return;
	for (int i = 0; i < 10000; i++) {
		r = waitpid(fuse_pid, &st, WNOHANG);
		if (r != 0)
			break;
		usleep(1000);
	}
	if (r == fuse_pid)
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	else
		assert_true(r < 0 && errno == ECHILD && kill(fuse_pid, 0) != 0 && errno == ESRCH);
	assert_false(mounted(fuse_mnt));
	assert_int_equal(access(fuse_mnt, F_OK), -1);
	fuse_pid = -1;
}

/* The primary leaves first: the secondary keeps what it has, maps nothing new,
 * and as the last one out removes the instance (teardown checks the dir). */
static void
test_multiprocess_primary_leaves_first(void **state)
{
	struct peer_run r, x;
	char f1[700], f2[700], w1[720], w2[720], nomem[200];
	int32_t pid = getpid();
	struct hm_mempool *pkt;
	struct hm_ring *ring;
	(void)state;

	assert_int_equal(primary_init(TOPO, NULL), 0);
	fuse_daemon_note();
	const struct hm_memzone *z = hm_memzone_reserve("keep", 3 << 20, 0, 0);
	assert_non_null(z);
	mp_peer_pattern_fill(z->addr, z->len, 44);
	pkt = hm_pktmbuf_pool_create("pkt", 511, 0, 0, 2048, 0);
	ring = hm_ring_create("loop", 512, 0, 0);
	assert_non_null(pkt);
	assert_non_null(ring);
	void *spare = hm_malloc("spare", 1 << 20, 0); /* a free megabyte in the heap later */
	assert_non_null(spare);
	hm_free(spare);
	sync_file(f1, sizeof(f1), "up");
	sync_file(f2, sizeof(f2), "go");
	snprintf(w1, sizeof(w1), "touch=%s", f1);
	snprintf(w2, sizeof(w2), "wait=%s", f2);
	snprintf(nomem, sizeof(nomem), "pages-fail=%d:the primary (pid %d) has exited: "
		 "secondaries cannot map new pages", ENODEV, (int)pid);
	const char *opts[] = { "--proc-type=secondary", NULL };
	const char *steps[] = { "init", w1, w2, "procs=1", "zone-check=keep:44",
				"mbuf-send=loop:pkt:400:9", "mbuf-recv=loop:400:9",
				"pool-count=pkt:511", "churn=300:3:65536", nomem, "malloc-fail=67108864:12:",
				"check", NULL };
	peer_start(&r, opts, steps);
	wait_file(f1);
	/* leaves while the secondary runs: the files stay for it */
	assert_int_equal(hm_cleanup(), 0);
	assert_true(mp_peer_count_entries(run_dir) > 0);
	/* no new secondary without a primary, no new primary over the old secondary */
	refused(opts, ENODEV, "has exited: a secondary attaches only while its primary runs");
	struct hm_config c;
	hm_config_init(&c);
	hm_test_quiet_log();
	assert_int_equal(primary_init(TOPO, &c), -EBUSY);
	assert_non_null(strstr(hm_last_error(), "of a previous primary still run on"));
	hm_log_set_hook(NULL, NULL);
	touch(f2);
	assert_int_equal(peer_wait(&r), 0);
	/* fuse: the daemon served the secondary to its end, then went with its mount */
	fuse_daemon_gone();
	(void)x;
	unlink(f1);
	unlink(f2);
}

/* The primary leaves first, then one of its two secondaries is SIGKILLed:
 * the other keeps working, and as the last one out removes the instance (on
 * fuse: the daemon serves it to its end, then exits with its mount). */
static void
test_multiprocess_primary_leaves_then_secondary_killed(void **state)
{
	struct peer_run a, b;
	char fa[700], fb[700], go[700], never[700], ta[720], tb[720], wgo[720], wnever[720];
	(void)state;

	assert_int_equal(primary_init(TOPO, NULL), 0);
	fuse_daemon_note();
	const struct hm_memzone *z = hm_memzone_reserve("keep", 3 << 20, 0, 0);
	assert_non_null(z);
	mp_peer_pattern_fill(z->addr, z->len, 45);
	sync_file(fa, sizeof(fa), "a-up");
	sync_file(fb, sizeof(fb), "b-up");
	sync_file(go, sizeof(go), "go");
	sync_file(never, sizeof(never), "never");
	snprintf(ta, sizeof(ta), "touch=%s", fa);
	snprintf(tb, sizeof(tb), "touch=%s", fb);
	snprintf(wgo, sizeof(wgo), "wait=%s", go);
	snprintf(wnever, sizeof(wnever), "wait=%s", never);
	const char *opts[] = { "--proc-type=secondary", NULL };
	const char *steps_a[] = { "init", "zone-check=keep:45", ta, wnever, NULL };
	const char *steps_b[] = { "init", "zone-check=keep:45", tb, wgo, "procs=1",
				  "zone-check=keep:45", "churn=200:3:65536", "check", NULL };
	peer_start(&a, opts, steps_a);
	peer_start(&b, opts, steps_b);
	wait_file(fa);
	wait_file(fb);
	assert_int_equal(hm_cleanup(), 0);
	if (fuse_pid > 0) { /* the daemon serves the two secondaries */
		char st[4096];
		assert_int_equal(kill(fuse_pid, 0), 0);
		assert_true(mounted(fuse_mnt));
		bool two = false;
		/* the daemon's watcher sees the primary's socket EOF asynchronously */
		for (int i = 0; i < 5000 && !two; i++) {
			assert_true(hm_fusefs_status(fuse_mnt, st, sizeof(st)) > 0);
			two = strstr(st, "\nholds: 2 (its starter left: stops at 0)\n") != NULL;
			if (!two)
				usleep(1000);
		}
		if (!two)
			fail_msg("daemon status: %s", st);
	}
	peer_forget(&a);
	hm_test_kill(&a.c);
	hm_test_collect(&a.c, NULL, 0, NULL, 0);
	if (fuse_pid > 0) { /* its hold went with it (FUSE release comes after the exit) */
		char st[4096];
		bool one = false;
		for (int i = 0; i < 5000 && !one; i++) {
			assert_true(hm_fusefs_status(fuse_mnt, st, sizeof(st)) > 0);
			one = strstr(st, "\nholds: 1 (its starter left: stops at 0)\n") != NULL;
			if (!one)
				usleep(1000);
		}
		assert_true(one);
		assert_int_equal(kill(fuse_pid, 0), 0);
	}
	touch(go);
	assert_int_equal(peer_wait(&b), 0);
	fuse_daemon_gone(); /* teardown: no runtime dir */
	unlink(fa);
	unlink(fb);
	unlink(go);
}

/* ---------------------------------------------------------------- (e) */

static unsigned int
env_uint(const char *name, unsigned int def)
{
	const char *v = getenv(name);
	return v != NULL && *v != '\0' ? (unsigned int)strtoul(v, NULL, 10) : def;
}

/*
 * SIGKILL a secondary at random points (seeded) while it hammers every locked
 * shared structure, HUGEMEM_MP_KILLS times (100): the primary and another
 * secondary keep working through it (locks a victim held are taken over and
 * the structure checked or rebuilt), what they hold stays intact, validators
 * pass after every few kills, and the victims' slots and lcore ids are reaped.
 */
/* Every validator of the instance, each failure printed with its reason. */
static void
check_all(unsigned int when)
{
	int rc[4] = { hm_malloc_check(NULL), 0, 0, 0 };
	if (rc[0] != 0)
		printf("# after kill %u: %s\n", when, hm_last_error());
	rc[1] = hm_memzone_check(NULL);
	if (rc[1] != 0)
		printf("# after kill %u: %s\n", when, hm_last_error());
	rc[2] = hm_memseg_check(NULL);
	if (rc[2] != 0)
		printf("# after kill %u: %s\n", when, hm_last_error());
	rc[3] = hm_mp_check(NULL);
	if (rc[3] != 0)
		printf("# after kill %u: %s\n", when, hm_last_error());
	for (int k = 0; k < 4; k++)
		assert_int_equal(rc[k], 0);
}

static void
test_multiprocess_sigkill(void **state)
{
	/* 100 kills; 25 under a sanitizer (every kill costs a sanitized exec: the CI
	 * budget), the same code paths. HUGEMEM_MP_KILLS=N for a soak. */
	unsigned int kills = env_uint("HUGEMEM_MP_KILLS", HM_TEST_ASAN || HM_TEST_TSAN ? 25 : 100);
	uint64_t seed = hm_test_seed(), rs = seed | 1;
	struct peer_run survivor, victim;
	char f1[700], w1[720], hm[80], hv[80];
	void *mine[16];
	(void)state;

	printf("# %u kills, seed %" PRIu64 "\n", kills, seed);
	assert_int_equal(primary_init("nodes=1;2M=512;lcores=0-7@0", NULL), 0);
	struct hm_mempool *kp = hm_mempool_create_empty("kpool", 4096, 64, 32, 0, 0, 0);
	assert_non_null(kp);
	assert_int_equal(hm_mempool_set_ops_byname(kp, "stack", NULL), 0);
	assert_true(hm_mempool_populate_default(kp) > 0);
	for (unsigned int i = 0; i < 16; i++) {
		mine[i] = hm_malloc("mine", 1000 + i * 4096, 0);
		assert_non_null(mine[i]);
		mp_peer_pattern_fill(mine[i], 1000 + i * 4096, 77 + i);
	}
	const struct hm_memzone *mz = hm_memzone_reserve("mine-zone", 100000, 0, 0);
	assert_non_null(mz);
	mp_peer_pattern_fill(mz->addr, mz->len, 99);

	const char *opts[] = { "--proc-type=secondary", NULL };
	/* the other secondary: hammers for the whole run, and must finish clean */
	snprintf(hm, sizeof(hm), "hammer=%u:%" PRIu64 ":kpool", 3000 + kills * 40, seed + 1);
	const char *s_steps[] = { "init", hm, "check", NULL };
	peer_start(&survivor, opts, s_steps);
	sync_file(f1, sizeof(f1), "victim-up");
	for (unsigned int i = 0; i < kills; i++) {
		unlink(f1);
		snprintf(w1, sizeof(w1), "touch=%s", f1);
		snprintf(hv, sizeof(hv), "hammer=0:%" PRIu64 ":kpool", seed + 2 + i);
		const char *v_steps[] = { "init", w1, hv, NULL };
		peer_start(&victim, opts, v_steps);
		/* most kills land in the hammer loop, some in the middle of an attach */
		uint64_t r = mp_peer_rand(&rs);
		if (r % 4 != 0)
			wait_file(f1);
		usleep((useconds_t)(r >> 16) % 20000);
		peer_forget(&victim);
		hm_test_kill(&victim.c);
		hm_test_collect(&victim.c, NULL, 0, NULL, 0);
		/* this process keeps working on the same structures */
		void *p = hm_malloc("between", 1 + (size_t)(r % 100000), 0);
		if (p == NULL) {
			struct hm_memseg *ms[1];
			printf("# kill %u: hm_malloc: %s\n", i, hm_last_error());
			int rc = hm_memseg_alloc_pages(ms, 1, 2 << 20, 0, 0);
			printf("# alloc_pages: %d %s\n", rc, hm_last_error());
			hm_malloc_dump_stats(stdout);
			hm_mp_dump(stdout);
		}
		assert_non_null(p);
		hm_free(p);
		char zn[32];
		snprintf(zn, sizeof(zn), "between-%u", i);
		const struct hm_memzone *z = hm_memzone_reserve(zn, 8192, 0, 0);
		assert_non_null(z);
		assert_int_equal(hm_memzone_free(z), 0);
		if (i % 10 == 9)
			check_all(i);
	}
	assert_int_equal(peer_wait(&survivor), 0);
	/* what this process holds is intact */
	for (unsigned int i = 0; i < 16; i++) {
		assert_true(mp_peer_pattern_ok(mine[i], 1000 + i * 4096, 77 + i));
		hm_free(mine[i]);
	}
	assert_true(mp_peer_pattern_ok(mz->addr, mz->len, 99));
	assert_int_equal(hm_memzone_free(mz), 0);
	assert_int_equal(hm_malloc_check(NULL), 0);
	assert_int_equal(hm_memzone_check(NULL), 0);
	assert_int_equal(hm_memseg_check(NULL), 0);
	assert_int_equal(hm_mempool_check(kp, NULL), 0);
	assert_int_equal(hm_mp_check(NULL), 0);
	/* the victims are gone from the table: only this process is attached */
	assert_int_equal(hm_mp_procs(NULL, 0), 1);
	unlink(f1);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_multiprocess_invalid_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiprocess_attach_shares_zones, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_multiprocess_auto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiprocess_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiprocess_page_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiprocess_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiprocess_lcores_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiprocess_primary_leaves_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_multiprocess_primary_leaves_then_secondary_killed,
						setup, teardown),
	};
	/* the SIGKILL soak alone: its own meson test in suite `soak`, which make
	 * test and CI leave out (docs/multiprocess.md, "Known gaps") */
	const struct CMUnitTest soak[] = {
		cmocka_unit_test_setup_teardown(test_multiprocess_sigkill, setup, teardown),
	};
	const char *rb = getenv("HUGEMEM_RUNTIME_DIR");
	bool run_soak = argc >= 3 && strcmp(argv[2], "sigkill") == 0;

	if (argc < 2 || (argc >= 3 && !run_soak))
		hm_test_skip_all("usage: %s <path of mp_peer> [sigkill]", argv[0]);
	peer = argv[1];
	if (rb == NULL)
		hm_test_skip_all("HUGEMEM_RUNTIME_DIR is not set");
	snprintf(run_base, sizeof(run_base), "%s", rb);
	mkdir(run_base, 0700);
	hm_test_backend_ready();
	if (run_soak)
		return cmocka_run_group_tests_name("multiprocess-sigkill", soak, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
