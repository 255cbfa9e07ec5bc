/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry, part 2 (part 1: test_telemetry.c): the server spoken to over its
 * socket as DPDK's client would (greeting, every command's JSON parsed and
 * compared with what the library itself says, null and error replies), bad
 * requests, hostile clients (oversized, malformed, never reading, a hundred at
 * once), and a client polling while a worker lcore moves traffic. Runs on emu
 * (--in-memory). $RUNTIME_DIRECTORY (set by meson) keeps sockets out of
 * /var/run.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "json_read.h"
#include "telemetry_test_common.h"

/* ------------------------------------------------------------------ the socket */

struct zone_seen {
	int count;
	const struct hm_memzone *zones[64];
};

static int
zones_cb(const struct hm_memzone *z, void *arg)
{
	struct zone_seen *s = arg;

	if (s->count < 64)
		s->zones[s->count] = z;
	s->count++;
	return 0;
}

static void
test_telemetry_protocol(void **state)
{
	static char greet[1024];
	const char *path;
	const struct tj *val;
	struct tj *v, *g;
	struct hm_mempool *mp;
	struct hm_ring *r;
	struct zone_seen zs = { 0 };
	char expect[PATH_MAX], cmd[128];
	int fd;

	(void)state;
	start("tproto", NULL);
	path = hm_telemetry_socket_path();
	assert_non_null(path);
	snprintf(expect, sizeof(expect), "%s/dpdk/tproto/dpdk_telemetry.v2", run_base);
	assert_string_equal(path, expect);
	{
		char p2[PATH_MAX];
		assert_int_equal(hm_telemetry_path("tproto", 0, p2, sizeof(p2)), 0);
		assert_string_equal(p2, expect);
	}
	mp = hm_mempool_create("tpool", 1023, 128, 32, 0, NULL, NULL, NULL, NULL, 1, 0);
	assert_non_null(mp);
	r = hm_ring_create("tring", 64, 0, 0);
	assert_non_null(r);
	for (int i = 0; i < 5; i++)
		assert_int_equal(hm_ring_enqueue(r, (void *)(uintptr_t)(i + 1)), 0);

	/* greeting: DPDK's three keys */
	fd = connect_raw(path);
	assert_true(recv_one(fd, greet, sizeof(greet)) > 0);
	g = parse(greet);
	assert_int_equal(g->n, 3);
	assert_true(strncmp(field_str(g, "version"), "hugemem ", 8) == 0);
	assert_int_equal(field_u64(g, "pid"), (uint64_t)getpid());
	assert_int_equal(field_u64(g, "max_output_len"), HM_TELEMETRY_MAX_OUTPUT_LEN);
	tj_free(g);

	/* "/": every command of the issue is there */
	v = ask(fd, "/", &val);
	{
		static const char *const want[] = {
			"/", "/info", "/help", "/eal/params", "/eal/app_params", "/eal/heap_list",
			"/eal/heap_info", "/eal/memzone_list", "/eal/memzone_info", "/mempool/list",
			"/mempool/info", "/hugemem/info", "/hugemem/memseg_lists",
			"/hugemem/memseg_list", "/hugemem/pages", "/hugemem/backend",
			"/hugemem/rings", "/hugemem/ring", "/hugemem/lcores", "/hugemem/telemetry",
		};
		for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
			bool found = false;
			for (uint32_t i = 0; i < val->n; i++)
				found |= strcmp(val->kids[i].str, want[w]) == 0;
			if (!found)
				fail_msg("command %s is not listed", want[w]);
		}
	}
	tj_free(v);

	v = ask(fd, "/info", &val);
	assert_int_equal(field_u64(val, "max_output_len"), HM_TELEMETRY_MAX_OUTPUT_LEN);
	tj_free(v);

	/* /eal/params: the program name and hugemem's options; app args after "--" */
	v = ask(fd, "/eal/params", &val);
	assert_int_equal(val->n, 4);
	assert_string_equal(val->kids[0].str, "test");
	assert_string_equal(val->kids[1].str, "--file-prefix=tproto");
	assert_string_equal(val->kids[3].str, "--in-memory");
	tj_free(v);
	v = ask(fd, "/eal/app_params", &val);
	assert_int_equal(val->n, 1);
	assert_string_equal(val->kids[0].str, "app-arg");
	tj_free(v);

	/* memzones: the list is the walk's, each info the zone's own fields */
	hm_memzone_walk(zones_cb, &zs);
	v = ask(fd, "/eal/memzone_list", &val);
	assert_int_equal((int)val->n, zs.count);
	for (uint32_t i = 0; i < val->n && i < 64; i++) {
		const struct hm_memzone *z = zs.zones[i];
		const struct tj *info;
		struct tj *vi;
		char hex[32];
		uint64_t idx;

		assert_true(tj_u64(&val->kids[i], &idx));
		snprintf(cmd, sizeof(cmd), "/eal/memzone_info,%" PRIu64, idx);
		vi = ask(fd, cmd, &info);
		assert_int_equal(field_u64(info, "Zone"), idx);
		assert_string_equal(field_str(info, "Name"), z->name);
		assert_int_equal(field_u64(info, "Length"), z->len);
		snprintf(hex, sizeof(hex), "0x%" PRIx64, z->addr_64);
		assert_string_equal(field_str(info, "Address"), hex);
		assert_int_equal(field_u64(info, "Socket"), (uint64_t)z->socket_id);
		assert_int_equal(field_u64(info, "Hugepage_size"), z->hugepage_sz);
		assert_int_equal(field_u64(info, "Flags"), z->flags);
		snprintf(hex, sizeof(hex), "0x%" PRIx64, z->addr_64 / z->hugepage_sz * z->hugepage_sz);
		assert_string_equal(field_str(info, "Hugepage_base"), hex);
		assert_int_equal(field_u64(info, "Hugepage_used"),
				 (HM_ALIGN_CEIL(z->addr_64 + z->len, z->hugepage_sz) -
				  HM_ALIGN_FLOOR(z->addr_64, z->hugepage_sz)) / z->hugepage_sz);
		tj_free(vi);
	}
	tj_free(v);

	/* mempools */
	v = ask(fd, "/mempool/list", &val);
	assert_int_equal(val->n, 1);
	assert_string_equal(val->kids[0].str, "tpool");
	tj_free(v);
	{
		void *objs[10];
		struct hm_mempool_stats st;
		for (int i = 0; i < 10; i++)
			assert_int_equal(hm_mempool_get(mp, &objs[i]), 0);
		assert_int_equal(hm_mempool_stats_get(mp, &st), 0);
		v = ask(fd, "/mempool/info,tpool", &val);
		assert_string_equal(field_str(val, "name"), "tpool");
		assert_int_equal(field_u64(val, "size"), 1023);
		assert_int_equal(field_u64(val, "cache_size"), 32);
		assert_int_equal(field_u64(val, "elt_size"), mp->elt_size);
		assert_int_equal(field_u64(val, "header_size"), mp->header_size);
		assert_int_equal(field_u64(val, "trailer_size"), mp->trailer_size);
		assert_int_equal(field_u64(val, "populated_size"), 1023);
		assert_int_equal(field_u64(val, "socket_id"), 1);
		assert_int_equal(field_u64(val, "total_cache_count"), st.cached);
		assert_int_equal(field_u64(val, "common_pool_count"), st.backend);
		assert_int_equal(field_u64(val, "total_cache_count") +
				 field_u64(val, "common_pool_count"), 1023 - 10);
		assert_string_equal(field_str(val, "mz_name"), "MP_tpool");
		tj_free(v);
		for (int i = 0; i < 10; i++)
			hm_mempool_put(mp, objs[i]);
	}
	/* rings: count and capacity as the ring says */
	v = ask(fd, "/hugemem/rings", &val);
	{
		bool found = false;
		for (uint32_t i = 0; i < val->n; i++)
			found |= strcmp(val->kids[i].str, "tring") == 0;
		assert_true(found);
	}
	tj_free(v);
	v = ask(fd, "/hugemem/ring,tring", &val);
	assert_int_equal(field_u64(val, "used_count"), 5);
	assert_int_equal(field_u64(val, "capacity"), hm_ring_get_capacity(r));
	assert_int_equal(field_u64(val, "size"), hm_ring_get_size(r));
	tj_free(v);

	/* heaps: the list is the heaps holding memory, the info their stats */
	v = ask(fd, "/eal/heap_list", &val);
	{
		uint32_t k = 0;
		bool cached_seen = false;
		void *small[8];
		/* small blocks freed on this lcore stay in its cache: Cached_* */
		for (int i = 0; i < 8; i++)
			assert_non_null(small[i] = hm_malloc_socket("tcache", 200, 0, 0));
		for (int i = 0; i < 8; i++)
			hm_free(small[i]);
		for (int node = 0; node < 2; node++) {
			struct hm_malloc_socket_stats ms;
			const struct tj *info;
			struct tj *vi;
			assert_int_equal(hm_malloc_get_socket_stats(node, &ms), 0);
			if (ms.heap_totalsz_bytes == 0)
				continue;
			uint64_t id;
			assert_true(k < val->n && tj_u64(&val->kids[k++], &id) && id == (uint64_t)node);
			snprintf(cmd, sizeof(cmd), "/eal/heap_info,%d", node);
			vi = ask(fd, cmd, &info);
			assert_int_equal(field_u64(info, "Heap_id"), (uint64_t)node);
			assert_string_equal(field_str(info, "Name"), node == 0 ? "socket_0" : "socket_1");
			assert_int_equal(field_u64(info, "Heap_size"), ms.heap_totalsz_bytes);
			assert_int_equal(field_u64(info, "Free_size"), ms.heap_freesz_bytes);
			assert_int_equal(field_u64(info, "Alloc_size"), ms.heap_allocsz_bytes);
			assert_int_equal(field_u64(info, "Greatest_free_size"), ms.greatest_free_size);
			assert_int_equal(field_u64(info, "Alloc_count"), ms.alloc_count);
			assert_int_equal(field_u64(info, "Free_count"), ms.free_count);
			assert_int_equal(field_u64(info, "Socket_id"), (uint64_t)node);
			assert_int_equal(field_u64(info, "Cached_size"), ms.cached_bytes);
			assert_int_equal(field_u64(info, "Cached_count"), ms.cached_count);
			cached_seen |= node == 0 && ms.cached_count >= 8;
			tj_free(vi);
		}
		assert_true(cached_seen);
		/* the same blocks by lcore: all of them in this (the main) lcore's cache */
		{
			struct hm_malloc_socket_stats m0;
			const struct tj *me, *ci;
			char nm[32];
			struct tj *vc = ask(fd, "/hugemem/malloc_caches", &ci);
			assert_int_equal(hm_malloc_get_socket_stats(0, &m0), 0);
			assert_int_equal(field_u64(ci, "cap"), 32);
			assert_int_equal(field_u64(ci, "classes"), 24);
			assert_int_equal(field_u64(ci, "max_block"), 4096);
			snprintf(nm, sizeof(nm), "lcore_%u", hm_lcore_id());
			me = tj_get(ci, nm);
			assert_non_null(me);
			assert_int_equal(field_u64(me, "socket_id"), 0);
			assert_int_equal(field_u64(me, "count"), m0.cached_count);
			assert_int_equal(field_u64(me, "bytes"), m0.cached_bytes);
			assert_int_equal(field_u64(ci, "count"), m0.cached_count);
			assert_int_equal(field_u64(ci, "bytes"), m0.cached_bytes);
			/* every enabled lcore with a node heap has one, and only those */
			for (unsigned int l = 0; l < HM_MAX_LCORE; l++) {
				snprintf(nm, sizeof(nm), "lcore_%u", l);
				assert_true((tj_get(ci, nm) != NULL) == hm_lcore_is_enabled(l));
			}
			tj_free(vc);
			assert_true(hm_malloc_cache_flush() >= 8);
			vc = ask(fd, "/hugemem/malloc_caches", &ci);
			assert_int_equal(field_u64(ci, "count"), 0);
			assert_int_equal(field_u64(ci, "bytes"), 0);
			tj_free(vc);
		}
		assert_int_equal(k, val->n);
		assert_true(k == 2); /* the ring on node 0, the pool on node 1 */
	}
	tj_free(v);

	/* memseg lists and pages: the library's own counts */
	v = ask(fd, "/hugemem/memseg_lists", &val);
	assert_int_equal(val->n, hm_memseg_list_count());
	tj_free(v);
	v = ask(fd, "/hugemem/memseg_list,0", &val);
	assert_int_equal(field_u64(val, "index"), 0);
	tj_free(v);
	v = ask(fd, "/hugemem/pages", &val);
	for (int node = 0; node < 2; node++) {
		char nm[16];
		snprintf(nm, sizeof(nm), "node_%d", node);
		assert_int_equal(field_u64(tj_get(val, nm), "mapped_bytes"),
				 (uint64_t)hm_memseg_mapped_bytes(node));
		assert_int_equal(field_u64(tj_get(tj_get(val, nm), "2M"), "pages") * (2u << 20),
				 (uint64_t)hm_memseg_mapped_bytes(node));
	}
	tj_free(v);
	v = ask(fd, "/hugemem/info", &val);
	assert_string_equal(field_str(val, "backend"), "emu");
	assert_string_equal(field_str(val, "file_prefix"), "tproto");
	assert_int_equal(field_u64(val, "nodes"), 2);
	assert_int_equal(field_u64(val, "lcores"), hm_lcore_count());
	assert_string_equal(field_str(val, "telemetry_socket"), path);
	tj_free(v);
	v = ask(fd, "/hugemem/lcores", &val);
	assert_int_equal(tj_get(val, "node_1")->n, 2);
	tj_free(v);
	/* the backend's counters: an injected fault is counted */
	hm_test_quiet_log();
	assert_int_equal(hm_backend_fault("nth=1"), 0);
	assert_null(hm_malloc_socket("big", 8u << 20, 0, 0)); /* needs new pages: fails */
	hm_log_set_hook(capture_log, NULL);
	v = ask(fd, "/hugemem/backend", &val);
	assert_string_equal(field_str(val, "name"), "emu");
	{
		const struct tj *c = tj_get(val, "counters");
		assert_int_equal(c->type, TJ_OBJ);
		assert_int_equal(field_u64(c, "faults_injected_nth"), 1);
		assert_true(field_u64(c, "page_map_calls") >= 1);
		assert_int_equal(field_u64(c, "pages_in_use_2M_node1"),
				 (uint64_t)hm_test_pages_in_use(1, 2u << 20));
		assert_int_equal(field_u64(c, "pages_total_2M_node0"), 64);
	}
	tj_free(v);
	v = ask(fd, "/hugemem/telemetry", &val);
	assert_int_equal(field_u64(val, "clients"), 1);
	tj_free(v);

	/* bad parameters answer null */
	static const char *const nulls[] = {
		"/eal/memzone_info", "/eal/memzone_info,x", "/eal/memzone_info,99999",
		"/eal/memzone_info,-1", "/eal/memzone_info,1 ", "/mempool/info",
		"/mempool/info,nope", "/hugemem/ring,nope", "/hugemem/memseg_list,999",
		"/eal/heap_info", "/eal/heap_info,31", "/eal/heap_info,32", "/hugemem/heap_map,99",
		"/hugemem/heap_map_elems,0", "/hugemem/heap_map_segs",
		"/no/such/command",
	};
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
		static char reply[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
		char want[256], key[128];
		snprintf(key, sizeof(key), "%s", nulls[i]);
		if (strchr(key, ',') != NULL)
			*strchr(key, ',') = '\0';
		snprintf(want, sizeof(want), "{\"%s\":null}", key);
		assert_true(hm_telemetry_query(fd, nulls[i], reply, sizeof(reply), 5000) > 0);
		assert_string_equal(reply, want);
	}
	close(fd);
	hm_ring_free(r);
	hm_mempool_free(mp);
	assert_int_equal(hm_telemetry_check(NULL), 0);
	hm_cleanup();
	/* cleanup removed the socket and the directory it made */
	assert_int_equal(access(expect, F_OK), -1);
	*strrchr(expect, '/') = '\0';
	assert_int_equal(access(expect, F_OK), -1);
}

/* Malformed and oversized requests: an error reply, the connection stays. */
static void
test_telemetry_bad_requests(void **state)
{
	static char buf[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	static char big[20000];
	struct hm_telemetry_stats st;
	const char *path;
	int fd;

	(void)state;
	start("tbad", NULL);
	path = hm_telemetry_socket_path();
	fd = connect_raw(path);
	assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
	static const struct {
		const char *msg;
		size_t len;
	} bad[] = {
		{ "info", 4 }, { "/in\x01" "fo", 6 }, { "/\xff\xfe", 3 }, { "/a\0b", 4 },
		{ "\n", 1 }, { "/\xed\xa0\x80", 4 }, { "/\xc0\xaf", 3 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tj *v;
		assert_int_equal(send(fd, bad[i].msg, bad[i].len, 0), (ssize_t)bad[i].len);
		assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
		v = parse(buf);
		assert_int_equal(v->n, 1);
		assert_string_equal(v->kids[0].name, "error");
		tj_free(v);
	}
	/* oversized: 1025 bytes and 20000 bytes */
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	assert_int_equal(send(fd, big, HM_TELEMETRY_MAX_MSG_LEN + 1, 0), HM_TELEMETRY_MAX_MSG_LEN + 1);
	assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"error\":\"request of 1025 bytes is longer than 1024\""));
	assert_int_equal(send(fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
	assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "request of 20000 bytes"));
	/* exactly 1024 bytes: an unknown command, answered null with its name */
	assert_int_equal(send(fd, big, HM_TELEMETRY_MAX_MSG_LEN, 0), HM_TELEMETRY_MAX_MSG_LEN);
	assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
	assert_int_equal(strlen(buf), HM_TELEMETRY_MAX_MSG_LEN + strlen("{\"\":null}"));
	/* a line ending typed by a person is forgiven */
	assert_int_equal(send(fd, "/info\r\n", 7, 0), 7);
	assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "{\"/info\":{"));
	/* still served */
	assert_true(hm_telemetry_query(fd, "/info", buf, sizeof(buf), 5000) > 0);
	assert_int_equal(hm_telemetry_stats_get(&st), 0);
	assert_int_equal(st.bad, 9);
	assert_int_equal(st.unknown, 1);
	/* a zero-length message is the end of the connection (as in DPDK) */
	assert_int_equal(send(fd, "", 0, 0), 0);
	assert_int_equal(recv_one(fd, buf, sizeof(buf)), 0);
	close(fd);
	hm_cleanup();
}

/* Count the clients the server holds (through a fresh connection). */
static uint64_t
server_clients(const char *path)
{
	static char buf[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	struct hm_telemetry_stats st;

	(void)path;
	(void)buf;
	assert_int_equal(hm_telemetry_stats_get(&st), 0);
	return st.clients;
}

static void
wait_clients(const char *path, uint64_t n)
{
	for (int i = 0; i < 500 && server_clients(path) != n; i++)
		usleep(10000);
	assert_int_equal(server_clients(path), n);
}

/*
 * A client that never reads, and a hundred at once: the cap holds, the extra
 * ones are told why and closed, the stalled one is dropped, every served
 * client is answered correctly, and the heaps are untouched.
 */
static void
test_telemetry_hostile_clients(void **state)
{
	static char buf[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	struct hm_telemetry_stats st;
	int fds[100], served = 0, refused = 0, lazy;
	const char *path;
	const char *why;
	void *p;

	(void)state;
	start("thostile", NULL);
	path = hm_telemetry_socket_path();
	p = hm_malloc("keep", 4096, 0);
	assert_non_null(p);
	memset(p, 0x5a, 4096);

	/* the lazy client: asks and asks, never reads a reply */
	lazy = connect_raw(path);
	for (int i = 0; i < 2000; i++) {
		if (send(lazy, "/", 1, MSG_DONTWAIT) < 0) {
			assert_true(errno == EAGAIN || errno == EPIPE || errno == ECONNRESET);
			break;
		}
	}
	/* meanwhile another one is served */
	{
		int fd = hm_telemetry_connect(path, NULL, 0, 5000);
		assert_true(fd >= 0);
		assert_true(hm_telemetry_query(fd, "/hugemem/info", buf, sizeof(buf), 5000) > 0);
		close(fd);
	}
	/* the lazy one is dropped within the stall time */
	for (int i = 0; i < 600; i++) {
		assert_int_equal(hm_telemetry_stats_get(&st), 0);
		if (st.dropped == 1)
			break;
		usleep(10000);
	}
	assert_int_equal(st.dropped, 1);
	close(lazy);
	wait_clients(path, 0);

	/* a hundred at once */
	for (int i = 0; i < 100; i++) {
		fds[i] = connect_raw(path);
		assert_true(fds[i] >= 0);
	}
	for (int i = 0; i < 100; i++) {
		struct tj *g;
		assert_true(recv_one(fds[i], buf, sizeof(buf)) > 0);
		g = parse(buf);
		if (tj_get(g, "max_output_len") != NULL) {
			served++;
		} else {
			refused++;
			assert_non_null(strstr(field_str(g, "error"), "serves 32 clients at once"));
			assert_int_equal(recv_one(fds[i], buf, sizeof(buf)), 0); /* then closed */
			close(fds[i]);
			fds[i] = -1;
		}
		tj_free(g);
	}
	assert_int_equal(served, HM_TELEMETRY_MAX_CLIENTS);
	assert_int_equal(refused, 100 - HM_TELEMETRY_MAX_CLIENTS);
	/* every served client gets its own, correct answers */
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 100; i++) {
			struct tj *v;
			const struct tj *val;
			if (fds[i] < 0)
				continue;
			v = ask(fds[i], "/eal/params", &val);
			assert_string_equal(val->kids[1].str, "--file-prefix=thostile");
			tj_free(v);
		}
	assert_int_equal(hm_telemetry_stats_get(&st), 0);
	assert_int_equal(st.clients, HM_TELEMETRY_MAX_CLIENTS);
	assert_int_equal(st.refused, 100 - HM_TELEMETRY_MAX_CLIENTS);
	assert_int_equal(hm_telemetry_check(&why), 0);
	for (int i = 0; i < 100; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	wait_clients(path, 0);
	/* the process's memory is as it was */
	for (int i = 0; i < 4096; i++)
		assert_int_equal(((unsigned char *)p)[i], 0x5a);
	assert_int_equal(hm_malloc_check(&why), 0);
	assert_int_equal(hm_free(p), 0);
	hm_cleanup();
}

/*
 * The data path running while a client asks everything: two lcore threads
 * get and put mbuf-sized objects, move them through a ring and malloc/free
 * small and large blocks (heap growth and lcore caches), while a client loops
 * over every command, heap maps included. Under ThreadSanitizer (make
 * test-tsan) this is the race check of every command; everywhere the
 * validators pass and nothing is lost.
 */
struct worker {
	struct hm_mempool *mp;
	struct hm_ring *r;
	volatile int *stop;
	uint64_t ops;
	int err;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	void *objs[32], *blocks[64] = { NULL };
	uint64_t rng = 77 + (uintptr_t)w;

	if (hm_thread_register() < 0) {
		w->err = 1;
		return NULL;
	}
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		unsigned int k = (unsigned int)(hm_test_rand(&rng) % 64);
		if (hm_mempool_get_bulk(w->mp, objs, 32) == 0) {
			for (int i = 0; i < 32; i++)
				if (hm_ring_enqueue(w->r, objs[i]) != 0)
					hm_mempool_put(w->mp, objs[i]);
			for (int i = 0; i < 32; i++) {
				void *o;
				if (hm_ring_dequeue(w->r, &o) == 0)
					hm_mempool_put(w->mp, o);
			}
		}
		if (blocks[k] != NULL) {
			if (hm_free(blocks[k]) != 0)
				w->err = 1;
			blocks[k] = NULL;
		} else {
			size_t sz = k % 8 == 0 ? (1u << 20) + k * 4096 : 64 + k * 8;
			blocks[k] = hm_malloc(k % 2 ? "w_odd" : "w_even", sz, 0);
		}
		w->ops++;
	}
	for (int k = 0; k < 64; k++)
		if (blocks[k] != NULL && hm_free(blocks[k]) != 0)
			w->err = 1;
	hm_thread_unregister();
	return NULL;
}

static void
test_telemetry_with_data_path(void **state)
{
	static char reply[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	static const char *const cmds[] = {
		"/", "/info", "/eal/params", "/eal/heap_list", "/eal/heap_info,0", "/eal/heap_info,1",
		"/eal/memzone_list", "/eal/memzone_info,0", "/eal/memzone_info,1", "/mempool/list",
		"/mempool/info,tdp", "/hugemem/info", "/hugemem/lcores", "/hugemem/memseg_lists",
		"/hugemem/memseg_list,0", "/hugemem/pages", "/hugemem/backend", "/hugemem/rings",
		"/hugemem/ring,tdp_ring", "/hugemem/telemetry", "/hugemem/heap_map,0",
		"/hugemem/heap_map_segs,0", "/hugemem/heap_map_pages,0", "/hugemem/heap_map_elems,0",
		"/hugemem/heap_map,1", "/hugemem/heap_map_elems,0",
	};
	volatile int stop = 0;
	struct worker w[2];
	pthread_t t[2];
	const char *why;
	int fd;

	(void)state;
	start("tdata", NULL);
	struct hm_mempool *mp = hm_mempool_create("tdp", 4095, 192, 64, 0, NULL, NULL, NULL, NULL,
						  HM_SOCKET_ID_ANY, 0);
	struct hm_ring *r = hm_ring_create("tdp_ring", 1024, HM_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_non_null(r);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct worker){ .mp = mp, .r = r, .stop = &stop };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	fd = hm_telemetry_connect(hm_telemetry_socket_path(), NULL, 0, 5000);
	assert_true(fd >= 0);
	for (int round = 0; round < (HM_TEST_TSAN ? 3 : 10); round++)
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			int n = hm_telemetry_query(fd, cmds[i], reply, sizeof(reply), 20000);
			assert_true(n > 0);
			tj_free(parse(reply));
		}
	close(fd);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].err, 0);
		assert_true(w[i].ops > 0);
	}
	assert_int_equal(hm_mempool_avail_count(mp), 4095);
	assert_int_equal(hm_ring_count(r), 0);
	assert_int_equal(hm_malloc_check(&why), 0);
	assert_int_equal(hm_telemetry_check(&why), 0);
	hm_ring_free(r);
	hm_mempool_free(mp);
	hm_cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_telemetry_protocol, teardown),
		cmocka_unit_test_teardown(test_telemetry_bad_requests, teardown),
		cmocka_unit_test_teardown(test_telemetry_hostile_clients, teardown),
		cmocka_unit_test_teardown(test_telemetry_with_data_path, teardown),
	};

	return cmocka_run_group_tests(tests, setup_all, NULL);
}
