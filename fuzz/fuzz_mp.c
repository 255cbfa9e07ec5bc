/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two processes, one operation stream. This process is the primary (emu
 * backend, started once, in a private runtime dir under /dev/shm, which holds
 * its page files too); the secondary is
 * fuzz_mp_peer, started once with fork+exec beside this binary (a fresh image:
 * it reaches everything by attaching) and fed ops through a pipe (fuzz/mp_ops.h).
 * Two attachments inside one process are not possible: hugemem's instance is
 * per process.
 *
 * Every 4 bytes are one op: byte 0 picks the op (low 7 bits) and the process
 * that runs it (bit 7), bytes 1-3 its slot and sizes. Ops: malloc / free (a
 * block is freed by whichever process the stream says, so blocks cross), memzone
 * reserve / lookup / free by name (a duplicate name is refused with -EEXIST, a
 * lookup finds what the model says, at the same address), ring create / free /
 * enqueue burst / dequeue burst (one side enqueues what the other dequeues: the
 * counts and the tokens match a FIFO model), mempool create / free / get / put
 * (objects taken in one process are put back in either; the available count is
 * the pool's size minus what the model holds), malloc cache flush. After every
 * op both processes run hm_malloc_check, hm_memzone_check, hm_mp_check and the
 * ring's and pool's validators, and hm_memseg_check when the op changed the page
 * map (heap 0's size changed) and at the end of every input.
 *
 * Every input ends with all of it freed and both processes' malloc caches
 * flushed; heap 0 then holds as many allocations as before the input. At exit
 * (libFuzzer's and the replay driver's) the peer is told to quit, this process
 * runs hm_cleanup, and the runtime dir and the page files are gone with the last
 * process; a peer whose primary dies sees the end of its pipe and cleans up too.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mp_ops.h"

#define BLOCKS 16u
#define ZONES 8u
#define HELD 64u
#define RING_MAX 128u

static char run_dir[64];
static pid_t peer_pid;
static int to_peer = -1, from_peer = -1;
static unsigned int base_allocs;
static bool trace; /* FUZZ_MP_TRACE=1: every op on stderr */

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_mp: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void
io_full(int fd, void *buf, size_t len, bool wr)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = wr ? write(fd, (char *)buf + done, len - done)
			       : read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("the peer (pid %d) is gone: %s", (int)peer_pid,
			    n == 0 ? "end of pipe" : strerror(errno));
		done += (size_t)n;
	}
}

/* Run @p o on side @p side (0: here, 1: the peer); the other side then runs its
 * validators too. Dies when either side's validators fail. */
static void
run(unsigned int side, const struct mp_op *o, struct mp_reply *r)
{
	struct mp_op chk = { .code = MP_OP_CHECK };
	struct mp_reply other;

	if (trace)
		fprintf(stderr, "op %u side %u n %u a %llu b %llu\n", o->code, side, o->n,
			(unsigned long long)o->a, (unsigned long long)o->b);
	if (side == 0) {
		mp_op_exec(o, r);
		io_full(to_peer, &chk, sizeof(chk), true);
		io_full(from_peer, &other, sizeof(other), false);
	} else {
		io_full(to_peer, (void *)o, sizeof(*o), true);
		io_full(from_peer, r, sizeof(*r), false);
		mp_op_exec(&chk, &other);
	}
	if (r->check_rc != 0)
		die("op %u on side %u: validator of that side: %s", o->code, side, r->msg);
	if (other.check_rc != 0)
		die("op %u on side %u: validator of the other side: %s", o->code, side, other.msg);
}

static void
stop(void)
{
	struct mp_op q = { .code = MP_OP_QUIT };
	int st = 0;

	if (peer_pid <= 0)
		return;
	if (write(to_peer, &q, sizeof(q)) != (ssize_t)sizeof(q))
		fprintf(stderr, "fuzz_mp: cannot tell the peer to quit\n");
	close(to_peer);
	close(from_peer);
	if (waitpid(peer_pid, &st, 0) != peer_pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "fuzz_mp: the peer ended with status %#x\n", (unsigned int)st);
	peer_pid = 0;
	if (hm_cleanup() < 0)
		fprintf(stderr, "fuzz_mp: hm_cleanup: %s\n", hm_last_error());
	/* on tmpfs, the page files live in the runtime dir too: an empty dir means
	 * nothing was left behind */
	if (rmdir(run_dir) != 0) {
		fprintf(stderr, "fuzz_mp: %s: %s after the last process left\n", run_dir,
			strerror(errno));
		_exit(1);
	}
}

static void
start(void)
{
	struct hm_config c;
	char self[PATH_MAX], peer[PATH_MAX + 32], rd[128];
	int in[2], out[2];
	ssize_t n;
	struct mp_reply r;
	struct hm_malloc_socket_stats st;

	signal(SIGPIPE, SIG_IGN);
	trace = getenv("FUZZ_MP_TRACE") != NULL;
	hm_log_set_level(HM_LOG_EMERG);
	snprintf(run_dir, sizeof(run_dir), "/dev/shm/hugemem-fuzz-mp-XXXXXX");
	if (mkdtemp(run_dir) == NULL)
		die("mkdtemp: %s", strerror(errno));
	hm_config_init(&c);
	c.backend = "emu";
	c.topology = "nodes=1;2M=128;lcores=0-3@0";
	c.runtime_dir = run_dir;
	c.file_prefix = "fzmp";
	c.no_telemetry = true;
	c.max_memzones = 64;
	/* small memseg lists (the 128 pages fit twice): hm_memseg_check reads every
	 * unused entry, 8192 per list by default */
	c.limits.max_segs_per_list = 256;
	c.limits.max_mem_per_list = 512ull << 20;
	if (hm_init_config(&c) != 0)
		die("hm_init: %s", hm_last_error());
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	snprintf(peer, sizeof(peer), "%s/fuzz_mp_peer", dirname(self));
	snprintf(rd, sizeof(rd), "--runtime-dir=%s", run_dir);
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
		die("pipe: %s", strerror(errno));
	peer_pid = fork();
	if (peer_pid < 0)
		die("fork: %s", strerror(errno));
	if (peer_pid == 0) {
		char *argv[] = { peer, "--backend=emu", rd, "--file-prefix=fzmp",
				 "--proc-type=secondary", "--no-telemetry", NULL };
		dup2(in[0], 0);
		dup2(out[1], 1);
		execv(peer, argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	to_peer = in[1];
	from_peer = out[0];
	io_full(from_peer, &r, sizeof(r), false);
	if (r.rc < 0)
		die("%s: %s", peer, r.msg);
	atexit(stop);
	if (hm_malloc_get_socket_stats(0, &st) != 0)
		die("stats: %s", hm_last_error());
	base_allocs = st.alloc_count;
}

struct model {
	struct {
		uint64_t p, size;
	} blk[BLOCKS];
	bool zone[ZONES];
	uint64_t zone_p[ZONES];
	bool ring;
	unsigned int ring_cap, ring_len, ring_head;
	uint64_t fifo[RING_MAX], next_tok;
	bool pool;
	unsigned int pool_sz, pool_cache, held;
	uint64_t held_obj[HELD];
};

static void
expect(bool ok, const char *what, const struct mp_op *o, unsigned int side,
       const struct mp_reply *r)
{
	if (!ok)
		die("%s (op %u on side %u, n %u, a %llu): rc %d, %s", what, o->code, side, o->n,
		    (unsigned long long)o->a, r->rc, r->msg);
}

static void
pool_put(struct model *m, unsigned int side, unsigned int n)
{
	struct mp_op o = { .code = MP_OP_POOL_PUT };
	struct mp_reply r;

	while (n > 0) {
		o.n = n < MP_OP_MAX_OBJS ? n : MP_OP_MAX_OBJS;
		n -= o.n;
		m->held -= o.n;
		memcpy(o.objs, &m->held_obj[m->held], o.n * sizeof(uint64_t));
		run(side, &o, &r);
		expect(r.rc == 0, "pool put", &o, side, &r);
	}
}

static void
pool_avail_check(const struct model *m)
{
	struct hm_mempool *p = hm_mempool_lookup(MP_POOL_NAME);

	if (p == NULL)
		die("pool lost");
	if (hm_mempool_avail_count(p) != m->pool_sz - m->held)
		die("pool: %u available, the model says %u of %u", hm_mempool_avail_count(p),
		    m->pool_sz - m->held, m->pool_sz);
}

static void
step(struct model *m, const uint8_t *in)
{
	unsigned int side = in[0] >> 7, code = (in[0] & 0x7f) % MP_OP_CHECK;
	unsigned int k = in[1], v = (unsigned int)in[2] | (unsigned int)in[3] << 8;
	struct mp_op o = { .code = code };
	struct mp_reply r;

	switch (code) {
	case MP_OP_MALLOC:
	case MP_OP_FREE: {
		unsigned int b = k % BLOCKS;
		if (m->blk[b].p != 0) {
			o.code = MP_OP_FREE;
			o.a = m->blk[b].p;
			o.b = m->blk[b].size;
			run(side, &o, &r);
			expect(r.rc == 0, "free", &o, side, &r);
			m->blk[b].p = 0;
			break;
		}
		o.code = MP_OP_MALLOC;
		/* now and then 512 KiB..4 MiB: the heap grows by pages (mapped by the
		 * primary for a secondary's request) and shrinks when they are freed */
		o.a = v & 0x8000 ? (uint64_t)(v & 0x7f) << 15 : 1 + v % 9000;
		if (o.a == 0)
			o.a = 1;
		run(side, &o, &r);
		expect(r.rc == 0 && r.val != 0, "malloc", &o, side, &r);
		m->blk[b].p = r.val;
		m->blk[b].size = o.a;
		break;
	}
	case MP_OP_ZONE_RESERVE: {
		unsigned int z = k % ZONES;
		o.n = z;
		o.a = 64 + v % 300000;
		run(side, &o, &r);
		if (m->zone[z]) {
			expect(r.rc == -EEXIST, "reserve of a taken name", &o, side, &r);
		} else {
			expect(r.rc == 0, "reserve", &o, side, &r);
			m->zone[z] = true;
			m->zone_p[z] = r.val;
		}
		break;
	}
	case MP_OP_ZONE_LOOKUP:
	case MP_OP_ZONE_FREE: {
		unsigned int z = k % ZONES;
		o.n = z;
		run(side, &o, &r);
		if (!m->zone[z]) {
			expect(r.rc == -ENOENT, "lookup of no zone", &o, side, &r);
			break;
		}
		expect(r.rc == 0, "zone by name", &o, side, &r);
		if (code == MP_OP_ZONE_LOOKUP)
			expect(r.val == m->zone_p[z], "zone at another address", &o, side, &r);
		else
			m->zone[z] = false;
		break;
	}
	case MP_OP_RING_CREATE:
		o.a = 4u << (k % 6); /* 4..128 slots */
		o.b = k & 0x40 ? HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ : 0;
		run(side, &o, &r);
		if (m->ring) {
			expect(r.rc == -EEXIST, "ring of a taken name", &o, side, &r);
			break;
		}
		expect(r.rc == 0, "ring create", &o, side, &r);
		m->ring = true;
		m->ring_cap = (unsigned int)o.a - 1;
		m->ring_len = m->ring_head = 0;
		break;
	case MP_OP_RING_FREE:
		run(side, &o, &r);
		expect(m->ring ? r.rc == 0 : r.rc == -ENOENT, "ring free", &o, side, &r);
		m->ring = false;
		break;
	case MP_OP_RING_ENQ: {
		o.n = 1 + k % MP_OP_MAX_OBJS;
		for (unsigned int i = 0; i < o.n; i++)
			o.objs[i] = (m->next_tok + i + 1) * 8;
		run(side, &o, &r);
		if (!m->ring) {
			expect(r.rc == -ENOENT, "enqueue without a ring", &o, side, &r);
			break;
		}
		unsigned int fit = m->ring_cap - m->ring_len;
		expect(r.rc == (int)(o.n < fit ? o.n : fit), "enqueue count", &o, side, &r);
		for (int i = 0; i < r.rc; i++)
			m->fifo[(m->ring_head + m->ring_len++) % RING_MAX] = o.objs[i];
		m->next_tok += (uint64_t)r.rc;
		break;
	}
	case MP_OP_RING_DEQ: {
		o.n = 1 + k % MP_OP_MAX_OBJS;
		run(side, &o, &r);
		if (!m->ring) {
			expect(r.rc == -ENOENT, "dequeue without a ring", &o, side, &r);
			break;
		}
		expect(r.rc == (int)(o.n < m->ring_len ? o.n : m->ring_len), "dequeue count", &o,
		       side, &r);
		for (int i = 0; i < r.rc; i++) {
			expect(r.objs[i] == m->fifo[m->ring_head], "dequeued token", &o, side, &r);
			m->ring_head = (m->ring_head + 1) % RING_MAX;
			m->ring_len--;
		}
		break;
	}
	case MP_OP_POOL_CREATE:
		o.a = 32 + v % 480;
		o.b = k & 1 ? 8 : 0;
		run(side, &o, &r);
		if (m->pool) {
			expect(r.rc == -EEXIST, "pool of a taken name", &o, side, &r);
			break;
		}
		expect(r.rc == 0, "pool create", &o, side, &r);
		m->pool = true;
		m->pool_sz = (unsigned int)o.a;
		m->pool_cache = (unsigned int)o.b;
		m->held = 0;
		pool_avail_check(m);
		break;
	case MP_OP_POOL_FREE:
		if (m->pool && m->held > 0)
			pool_put(m, side, m->held);
		run(side, &o, &r);
		expect(m->pool ? r.rc == 0 : r.rc == -ENOENT, "pool free", &o, side, &r);
		m->pool = false;
		break;
	case MP_OP_POOL_GET:
	case MP_OP_POOL_PUT:
		if (m->pool && m->held > 0 && (code == MP_OP_POOL_PUT || m->held + 16 > HELD)) {
			pool_put(m, side, 1 + k % m->held);
			pool_avail_check(m);
			break;
		}
		o.code = MP_OP_POOL_GET;
		o.n = 1 + k % 16;
		run(side, &o, &r);
		if (!m->pool) {
			expect(r.rc == -ENOENT, "get without a pool", &o, side, &r);
			break;
		}
		/* without caches a get fails exactly when the pool has too few; with
		 * them, objects another lcore caches do not count */
		if (m->pool_cache == 0 || r.rc == 0)
			expect(r.rc == (o.n <= m->pool_sz - m->held ? 0 : -ENOENT), "get", &o,
			       side, &r);
		else
			expect(r.rc == -ENOENT, "get error", &o, side, &r);
		if (r.rc == 0) {
			for (unsigned int i = 0; i < o.n; i++)
				for (unsigned int j = 0; j < m->held; j++)
					expect(r.objs[i] != m->held_obj[j], "object handed out twice",
					       &o, side, &r);
			memcpy(&m->held_obj[m->held], r.objs, o.n * sizeof(uint64_t));
			m->held += o.n;
		}
		pool_avail_check(m);
		break;
	default: /* MP_OP_FLUSH */
		run(side, &o, &r);
		expect(r.rc >= 0, "cache flush", &o, side, &r);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	struct model m;
	struct mp_op o;
	struct mp_reply r;
	struct hm_malloc_socket_stats st;

	if (!started) {
		start();
		started = true;
	}
	if (size > 4 * 128)
		size = 4 * 128;
	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i + 4 <= size; i += 4)
		step(&m, data + i);

	/* everything goes back, each piece on the side the last byte says */
	unsigned int side = size > 0 ? data[size - 1] & 1 : 0;
	if (m.pool) {
		if (m.held > 0)
			pool_put(&m, side, m.held);
		o = (struct mp_op){ .code = MP_OP_POOL_FREE };
		run(side ^ 1, &o, &r);
		expect(r.rc == 0, "pool free at the end", &o, side ^ 1, &r);
	}
	if (m.ring) {
		o = (struct mp_op){ .code = MP_OP_RING_FREE };
		run(side, &o, &r);
		expect(r.rc == 0, "ring free at the end", &o, side, &r);
	}
	for (unsigned int z = 0; z < ZONES; z++)
		if (m.zone[z]) {
			o = (struct mp_op){ .code = MP_OP_ZONE_FREE, .n = z };
			run(side ^ (z & 1), &o, &r);
			expect(r.rc == 0, "zone free at the end", &o, side ^ (z & 1), &r);
		}
	for (unsigned int b = 0; b < BLOCKS; b++)
		if (m.blk[b].p != 0) {
			o = (struct mp_op){ .code = MP_OP_FREE, .a = m.blk[b].p, .b = m.blk[b].size };
			run(side ^ (b & 1), &o, &r);
			expect(r.rc == 0, "free at the end", &o, side ^ (b & 1), &r);
		}
	o = (struct mp_op){ .code = MP_OP_FLUSH };
	run(0, &o, &r);
	run(1, &o, &r);
	o = (struct mp_op){ .code = MP_OP_CHECK_ALL };
	run(0, &o, &r);
	run(1, &o, &r);
	if (hm_malloc_get_socket_stats(0, &st) != 0 || st.alloc_count != base_allocs)
		die("heap 0 holds %u allocations after the input, %u before", st.alloc_count,
		    base_allocs);
	return 0;
}
