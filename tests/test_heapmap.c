/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap snapshots and heap maps: the snapshot against the heap's own view
 * (every live allocation found as one busy element with its tag, every byte
 * accounted for, stats equal), its validator on broken snapshots, the JSON
 * file round trip and hostile files, the SVG parsed as XML (python3) and, if a
 * headless chromium is installed, rendered; a 1 GiB heap of 10^5 elements
 * drawn under a few MB; the snapshot fetched through telemetry equal to the
 * one taken in process. emu only (--in-memory).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"

#define TOPO "nodes=2;2M=64,64;lcores=0@0,1@1"

static char tmpdir[PATH_MAX];

static int
setup_all(void **state)
{
	const char *b = getenv("HUGEMEM_RUNTIME_DIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/heapmap-files", b != NULL ? b : "/tmp");
	mkdir(b != NULL ? b : "/tmp", 0700);
	mkdir(tmpdir, 0700);
	return 0;
}

static int
teardown(void **state)
{
	return hm_test_teardown(state);
}

static void
start(const char *prefix)
{
	char pfx[64];
	char *argv[] = { (char *)"t", pfx, (char *)"--in-memory", (char *)"--topology=" TOPO, NULL };

	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", prefix);
	assert_true(hm_init(4, argv) >= 0);
}

/* Which busy element holds data pointer @p p (-1: none). */
static int64_t
find_busy(const struct hm_heap_snapshot *s, const void *p)
{
	uint64_t a = (uint64_t)(uintptr_t)p;

	for (uint32_t i = 0; i < s->n_elems; i++) {
		const struct hm_heap_snapshot_elem *e = &s->elems[i];
		if (e->state == HM_HEAP_ELEM_BUSY && a == e->addr + e->pad + 64)
			return i;
	}
	return -1;
}

static void
assert_snapshot_ok(const struct hm_heap_snapshot *s)
{
	const char *why = NULL;

	if (hm_heap_snapshot_check(s, &why) != 0)
		fail_msg("snapshot check: %s", why);
}

/* ------------------------------------------------------------------ tests */

static void
test_heapmap_invalid_args(void **state)
{
	struct hm_heap_snapshot s, *p;
	struct hm_heap_snapshot_seg seg;
	struct hm_heap_snapshot_page pg;
	struct hm_heap_snapshot_elem el[2];
	struct hm_heapmap_stats st;
	const char *why;

	(void)state;
	hm_test_quiet_log();
	assert_null(hm_heap_snapshot(0));
	assert_int_equal(hm_errno, ENODEV);
	assert_null(hm_heap_snapshot_buf(NULL));
	assert_int_equal(hm_errno, EINVAL);
	assert_int_equal(hm_heap_snapshot_check(NULL, &why), -EINVAL);
	hm_heap_snapshot_free(NULL);
	assert_int_equal(hm_heapmap_stats(NULL, &st), -EINVAL);
	assert_int_equal(hm_heapmap_svg(NULL, NULL, stdout), -EINVAL);
	assert_int_equal(hm_heapmap_text(NULL, 0, 0, stdout), -EINVAL);
	assert_int_equal(hm_heapmap_json_write(NULL, stdout), -EINVAL);
	assert_null(hm_heapmap_json_read(NULL, 0));
	assert_null(hm_heapmap_fetch(NULL, 0, 0));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_heapmap_fetch("p", 0, -1));
	assert_null(hm_heapmap_fetch("no-such-prefix-here", 0, 0));
	assert_int_equal(hm_errno, ENOENT);

	/* a valid one: one 2 MiB page, a busy block and a free one */
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "t");
	seg = (struct hm_heap_snapshot_seg){ .base = 2u << 20, .len = 2u << 20, .page_sz = 2u << 20,
					     .msl = 0, .first_page = 0, .n_pages = 1 };
	pg = (struct hm_heap_snapshot_page){ .addr = 2u << 20, .iova = HM_BAD_IOVA };
	memset(el, 0, sizeof(el));
	el[0] = (struct hm_heap_snapshot_elem){ .addr = 2u << 20, .size = 4096, .pad = 128,
					       .state = HM_HEAP_ELEM_BUSY, .tag = "x" };
	el[1] = (struct hm_heap_snapshot_elem){ .addr = (2u << 20) + 4096, .size = (2u << 20) - 4096,
					       .state = HM_HEAP_ELEM_FREE };
	s.segs = &seg;
	s.pages = &pg;
	s.elems = el;
	s.n_segs = s.n_pages = 1;
	s.n_elems = 2;
	s.total = 2u << 20;
	s.free_bytes = (2u << 20) - 4096;
	assert_snapshot_ok(&s);
	assert_int_equal(hm_heapmap_stats(&s, &st), 0);
	assert_int_equal(st.largest_free, (2u << 20) - 4096);
	assert_int_equal(st.pages_returnable, 0);
	assert_int_equal(hm_heapmap_stats(&s, NULL), -EINVAL);
	assert_int_equal(hm_heapmap_svg(&s, NULL, NULL), -EINVAL);
	assert_int_equal(hm_heapmap_text(&s, 8, 0, stdout), -EINVAL);
	assert_int_equal(hm_heapmap_text(&s, 300, 0, stdout), -EINVAL);

	/* every invariant, broken once: each refused with a reason */
#define BREAK(stmt, undo)                                                            \
	do {                                                                         \
		why = NULL;                                                          \
		stmt;                                                                \
		assert_int_equal(hm_heap_snapshot_check(&s, &why), -EFAULT);          \
		assert_non_null(why);                                                \
		assert_int_equal(hm_heapmap_stats(&s, &st), -EFAULT);                \
		undo;                                                                \
		assert_snapshot_ok(&s);                                              \
	} while (0)
	BREAK(s.total++, s.total--);
	BREAK(s.free_bytes -= 64, s.free_bytes += 64);
	BREAK(s.cached_bytes = 64, s.cached_bytes = 0);
	BREAK(el[1].size -= 64, el[1].size += 64);      /* a gap at the end */
	BREAK(el[1].addr += 64, el[1].addr -= 64);      /* a gap in the middle */
	BREAK(el[0].size += 64, el[0].size -= 64);      /* an overlap */
	BREAK(el[0].state = 7, el[0].state = HM_HEAP_ELEM_BUSY);
	BREAK(el[1].pad = 64, el[1].pad = 0);
	BREAK(el[0].pad = 4096, el[0].pad = 128);
	BREAK(memset(el[0].tag, 'x', sizeof(el[0].tag)), snprintf(el[0].tag, sizeof(el[0].tag), "x"));
	BREAK(el[1].tag[0] = 'y', el[1].tag[0] = '\0');
	BREAK(seg.n_pages = 2, seg.n_pages = 1);
	BREAK(pg.addr += 4096, pg.addr -= 4096);
	BREAK(seg.base += 64, seg.base -= 64);
	BREAK(s.n_pages = 0, s.n_pages = 1);
	BREAK(seg.len = 0, seg.len = 2u << 20);
	BREAK(s.n_elems = 1, s.n_elems = 2);
	BREAK(s.elems = NULL, s.elems = el);
	BREAK(memset(s.name, 'n', sizeof(s.name)), snprintf(s.name, sizeof(s.name), "t"));
#undef BREAK

	/* hostile JSON files: refused with a reason, nothing leaked (ASan) */
	static const char *const bad[] = {
		"", "{", "[]", "null", "{\"hugemem_heap_snapshot\":2}",
		"{\"hugemem_heap_snapshot\":1,\"name\":\"x\"}",
		"{\"hugemem_heap_snapshot\":1,\"name\":\"x\",\"socket_id\":0,\"heap_idx\":0,\"total\":0,"
		"\"free_bytes\":0,\"cached_bytes\":0,\"segs\":{\"base\":[1],\"len\":[]}}",
		"{\"hugemem_heap_snapshot\":1,\"name\":\"x\",\"socket_id\":0,\"heap_idx\":0,\"total\":64,"
		"\"free_bytes\":64,\"cached_bytes\":0,\"segs\":{\"base\":[64],\"len\":[64],\"page_sz\":[0],"
		"\"msl\":[-1],\"first_page\":[0],\"n_pages\":[0]},\"pages\":{\"addr\":[],\"iova\":[],"
		"\"flags\":[],\"socket_id\":[]},\"elems\":{\"addr\":[64],\"size\":[64],\"req\":[0],"
		"\"pad\":[0],\"state\":[0],\"flags\":[0],\"tag\":[\"toolongtagname\"]}}",
		"{\"hugemem_heap_snapshot\":1,\"name\":\"x\",\"socket_id\":0,\"heap_idx\":0,\"total\":64,"
		"\"free_bytes\":64,\"cached_bytes\":0,\"segs\":{\"base\":[64],\"len\":[64],\"page_sz\":[0],"
		"\"msl\":[-1],\"first_page\":[0],\"n_pages\":[0]},\"pages\":{\"addr\":[],\"iova\":[],"
		"\"flags\":[],\"socket_id\":[]},\"elems\":{\"addr\":[64],\"size\":[128],\"req\":[0],"
		"\"pad\":[0],\"state\":[0],\"flags\":[0],\"tag\":[\"\"]}}",
		"{\"hugemem_heap_snapshot\":1,\"name\":\"x\\u0000y\"}",
		"{\"hugemem_heap_snapshot\":1,\"name\":\"x\",\"socket_id\":1e3}",
		"{\"hugemem_heap_snapshot\":1,\"name\":\"x\",\"socket_id\":99999999999}",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		"{\"a\":\"\\ud800\"}", "{\"a\":01}", "{\"a\":1,}", "{\"a\" 1}", "\"\\x\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = hm_heapmap_json_read(bad[i], strlen(bad[i]));
		if (p != NULL)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(hm_errno, EINVAL);
		assert_true(strlen(hm_last_error()) > 0);
	}
	/* the valid one goes through */
	{
		char buf[4096];
		FILE *f = fmemopen(buf, sizeof(buf), "w");
		assert_int_equal(hm_heapmap_json_write(&s, f), 0);
		fclose(f);
		p = hm_heapmap_json_read(buf, strlen(buf));
		assert_non_null(p);
		assert_int_equal(p->n_elems, 2);
		assert_string_equal(p->elems[0].tag, "x");
		assert_int_equal(p->elems[0].pad, 128);
		hm_heap_snapshot_free(p);
		/* the same with bytes that are not UTF-8 in the tag: refused (a stray
		 * byte would not survive a write and read back, which writes U+FFFD;
		 * found by fuzz_heapmap); valid UTF-8 goes through */
		static const char *const tags[] = { "x\xa3", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82",
						    "\xe2\x82\xac" };
		char *t = strstr(buf, "\"tag\":[\"x\"");
		assert_non_null(t);
		t += strlen("\"tag\":[\"");
		for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
			char doc[4200];
			snprintf(doc, sizeof(doc), "%.*s%s%s", (int)(t - buf), buf, tags[i], t + 1);
			p = hm_heapmap_json_read(doc, strlen(doc));
			if (i + 1 < sizeof(tags) / sizeof(tags[0])) {
				assert_null(p);
				assert_int_equal(hm_errno, EINVAL);
				assert_non_null(strstr(hm_last_error(), "UTF-8"));
			} else {
				assert_non_null(p);
				assert_string_equal(p->elems[0].tag, "\xe2\x82\xac");
				hm_heap_snapshot_free(p);
			}
		}
	}
}

/*
 * A random workload on node 1's heap, against a shadow of live blocks: the
 * snapshot holds each live block as one busy element (data pointer, tag,
 * requested size), its figures equal the heap's stats, the validator passes,
 * and hm_malloc_check agrees.
 */
static void
test_heapmap_snapshot_matches_heap(void **state)
{
	enum { N = 3000 };
	static void *live[N];
	static size_t lsize[N];
	struct hm_malloc_socket_stats ms;
	struct hm_heapmap_stats st;
	struct hm_heap_snapshot *s;
	uint64_t rng = hm_test_seed(), busy = 0;
	const struct hm_memzone *mz;
	const char *why;
	unsigned int n_live = 0;

	(void)state;
	start("hmsnap");
	memset(live, 0, sizeof(live));
	/* a memzone's block is told apart (HM_HEAP_ELEM_F_MEMZONE); hm_malloc's are not */
	mz = hm_memzone_reserve("hmsnap_zone", 100000, 1, 0);
	assert_non_null(mz);
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < 2000; i++) {
			unsigned int k = (unsigned int)(hm_test_rand(&rng) % N);
			if (live[k] != NULL) {
				assert_int_equal(hm_free(live[k]), 0);
				live[k] = NULL;
				n_live--;
			} else {
				size_t sz = 1 + hm_test_rand(&rng) % (hm_test_rand(&rng) % 8 == 0 ? 300000 : 2000);
				unsigned int align = (unsigned int)(64u << (hm_test_rand(&rng) % 6));
				live[k] = hm_malloc_socket(k % 2 ? "odd" : "even", sz, align, 1);
				assert_non_null(live[k]);
				lsize[k] = sz;
				n_live++;
			}
		}
		s = hm_heap_snapshot(1);
		assert_non_null(s);
		assert_snapshot_ok(s);
		assert_int_equal(hm_malloc_check(&why), 0);
		assert_int_equal(s->heap_idx, 1);
		assert_int_equal(s->socket_id, 1);
		assert_string_equal(s->name, "socket_1");
		/* every live block, exactly once */
		busy = 0;
		for (unsigned int k = 0; k < N; k++) {
			int64_t e;
			if (live[k] == NULL)
				continue;
			e = find_busy(s, live[k]);
			assert_true(e >= 0);
			assert_string_equal(s->elems[e].tag, k % 2 ? "odd" : "even");
			assert_int_equal(s->elems[e].req, lsize[k]);
			assert_true(s->elems[e].size >= lsize[k] + 64 + s->elems[e].pad);
		}
		for (unsigned int k = 0; k < N; k++)
			if (live[k] != NULL)
				assert_int_equal(s->elems[find_busy(s, live[k])].flags, 0);
		for (uint32_t i = 0; i < s->n_elems; i++) {
			const struct hm_heap_snapshot_elem *e = &s->elems[i];
			bool zone = e->state == HM_HEAP_ELEM_BUSY && e->addr < mz->addr_64 &&
				    mz->addr_64 + mz->len <= e->addr + e->size;
			busy += e->state == HM_HEAP_ELEM_BUSY;
			assert_int_equal(e->flags, zone ? HM_HEAP_ELEM_F_MEMZONE : 0);
		}
		/* the zone's block is busy too; the main lcore's cache may hold blocks:
		 * they are CACHED, not busy */
		assert_int_equal(busy, n_live + 1);
		/* stats: the heap's own figures */
		assert_int_equal(hm_malloc_get_socket_stats(1, &ms), 0);
		assert_int_equal(s->total, ms.heap_totalsz_bytes);
		assert_int_equal(s->cached_bytes, ms.cached_bytes);
		assert_int_equal(s->free_bytes + s->cached_bytes, ms.heap_freesz_bytes);
		assert_int_equal(hm_heapmap_stats(s, &st), 0);
		assert_int_equal(st.n_busy, n_live + 1);
		assert_int_equal(st.n_memzone, 1);
		assert_int_equal(st.busy_bytes + st.free_bytes + st.cached_bytes, st.total);
		assert_int_equal(st.largest_free, ms.greatest_free_size);
		assert_int_equal(st.pages * (2u << 20), s->total);
		{
			uint64_t tag_bytes = 0, tag_count = 0;
			for (unsigned int t = 0; t < st.n_tags; t++) {
				tag_bytes += st.tags[t].bytes;
				tag_count += st.tags[t].count;
			}
			assert_int_equal(tag_bytes, st.busy_bytes);
			assert_int_equal(tag_count, st.n_busy);
		}
		hm_heap_snapshot_free(s);
	}
	assert_int_equal(hm_memzone_free(mz), 0);
	/* heaps without memory and beyond the table */
	assert_null(hm_heap_snapshot(HM_MAX_HEAPS));
	assert_int_equal(hm_errno, ENOENT);
	assert_null(hm_heap_snapshot(7));
	assert_int_equal(hm_errno, ENOENT);
	for (unsigned int k = 0; k < N; k++)
		if (live[k] != NULL)
			assert_int_equal(hm_free(live[k]), 0);
	hm_malloc_cache_flush();
	/* all free: every page the heap kept is preallocated or returnable */
	s = hm_heap_snapshot(1);
	assert_non_null(s);
	assert_int_equal(hm_heapmap_stats(s, &st), 0);
	assert_int_equal(st.n_busy, 0);
	assert_int_equal(st.n_cached, 0);
	hm_heap_snapshot_free(s);
	hm_cleanup();
}

/* A buffer heap: one range, page size 0; JSON round trip is exact. */
static void
test_heapmap_buffer_heap_roundtrip(void **state)
{
	static char buf[1 << 20] __attribute__((aligned(64)));
	struct hm_heap *h = hm_heap_init(buf, sizeof(buf), "buf");
	struct hm_heap_snapshot *s, *r;
	char path[PATH_MAX];
	void *p[64];
	FILE *f;
	char *text;
	long len;

	(void)state;
	assert_non_null(h);
	for (int i = 0; i < 64; i++)
		assert_non_null(p[i] = hm_heap_alloc(h, i % 3 ? "a" : "b\"<&>", 100 + i * 37, 64, 0));
	for (int i = 0; i < 64; i += 3)
		assert_int_equal(hm_heap_free(h, p[i]), 0);
	s = hm_heap_snapshot_buf(h);
	assert_non_null(s);
	assert_snapshot_ok(s);
	assert_int_equal(s->n_segs, 1);
	assert_int_equal(s->segs[0].page_sz, 0);
	assert_int_equal(s->segs[0].msl, -1);
	assert_int_equal(s->heap_idx, -1);
	snprintf(path, sizeof(path), "%s/buf.json", tmpdir);
	f = fopen(path, "w");
	assert_int_equal(hm_heapmap_json_write(s, f), 0);
	fclose(f);
	f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = malloc((size_t)len);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	r = hm_heapmap_json_read(text, (size_t)len);
	free(text);
	assert_non_null(r);
	assert_string_equal(r->name, s->name);
	assert_int_equal(r->n_elems, s->n_elems);
	assert_int_equal(r->total, s->total);
	assert_memory_equal(r->segs, s->segs, s->n_segs * sizeof(s->segs[0]));
	assert_memory_equal(r->elems, s->elems, s->n_elems * sizeof(s->elems[0]));
	hm_heap_snapshot_free(r);
	hm_heap_snapshot_free(s);
	assert_null(hm_heap_snapshot_buf((struct hm_heap *)(void *)(buf + 64)));
	hm_heap_fini(h);
}

/* python3 parses @p path as XML; 1 when it did, 0 when python3 is missing. */
static int
xml_ok(const char *path)
{
	struct hm_test_child c;

	if (access("/usr/bin/python3", X_OK) != 0)
		return 0;
	hm_test_spawn(&c, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV("/usr/bin/python3", "-c",
				     "import sys, xml.etree.ElementTree as E\n"
				     "r = E.parse(sys.argv[1]).getroot()\n"
				     "assert r.tag.endswith('svg'), r.tag\n"
				     "n = sum(1 for _ in r.iter())\n"
				     "assert n > 10, n\n",
				     path) });
	if (hm_test_wait(&c, -1) != 0)
		fail_msg("%s is not well-formed SVG (python3 exit %d)", path, c.status);
	return 1;
}

/* Build a synthetic snapshot: @p total bytes in 2 MiB pages (four segments),
 * @p n elements of random sizes and states, tags from a few names. */
static struct hm_heap_snapshot *
synthetic(uint64_t total, uint32_t n, uint64_t seed)
{
	struct hm_heap_snapshot *s = calloc(1, sizeof(*s));
	uint64_t pg = 2u << 20, per_seg = total / 4, rng = seed;
	static const char *const tags[] = { "mbuf", "ring", "flow_table", "acl", "lpm", "tmp",
					    "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8" };

	snprintf(s->name, sizeof(s->name), "synthetic");
	s->n_segs = 4;
	s->n_pages = (uint32_t)(total / pg);
	s->segs = calloc(4, sizeof(s->segs[0]));
	s->pages = calloc(s->n_pages, sizeof(s->pages[0]));
	s->elems = calloc(n + 8, sizeof(s->elems[0]));
	for (uint32_t g = 0; g < 4; g++) {
		struct hm_heap_snapshot_seg *sg = &s->segs[g];
		sg->base = (1ULL << 36) + g * (per_seg + (64ULL << 20));
		sg->len = per_seg;
		sg->page_sz = pg;
		sg->msl = (int32_t)g;
		sg->first_page = g * (uint32_t)(per_seg / pg);
		sg->n_pages = (uint32_t)(per_seg / pg);
		for (uint32_t p = 0; p < sg->n_pages; p++) {
			s->pages[sg->first_page + p].addr = sg->base + p * pg;
			s->pages[sg->first_page + p].iova = sg->base + p * pg;
			s->pages[sg->first_page + p].flags = p < 2 ? HM_MEMSEG_FLAG_DO_NOT_FREE : 0;
		}
		/* elements: random sizes averaging per_seg / (n / 4), last one fills the rest */
		uint64_t at = sg->base, end = sg->base + per_seg, avg = per_seg / (n / 4);
		for (uint32_t i = 0; i < n / 4 && at < end; i++) {
			struct hm_heap_snapshot_elem *e = &s->elems[s->n_elems++];
			uint64_t sz = (64 + hm_test_rand(&rng) % (2 * avg)) & ~63ULL;
			if (i + 1 == n / 4 || sz >= end - at)
				sz = end - at;
			e->addr = at;
			e->size = sz;
			switch (hm_test_rand(&rng) % 10) {
			case 0: case 1:
				e->state = HM_HEAP_ELEM_FREE;
				s->free_bytes += sz;
				break;
			case 2:
				e->state = HM_HEAP_ELEM_CACHED;
				s->cached_bytes += sz;
				break;
			default:
				e->state = HM_HEAP_ELEM_BUSY;
				snprintf(e->tag, sizeof(e->tag), "%s", tags[hm_test_rand(&rng) % 14]);
				if (sz > 256 && hm_test_rand(&rng) % 4 == 0)
					e->pad = 128;
				break;
			}
			at += sz;
		}
		s->total += per_seg;
	}
	return s;
}

/* A worker on lcore 1 (node 1) parks small blocks in its malloc cache, keeps
 * them there until told, then gives them back. */
static volatile int cache_ready, cache_done;

static void *
cache_worker(void *arg)
{
	void *b[200];

	(void)arg;
	if (hm_thread_register() < 0)
		return NULL;
	for (int i = 0; i < 200; i++)
		b[i] = hm_malloc("conn", 300, 0);
	for (int i = 0; i < 200; i += 2)
		hm_free(b[i]); /* into this lcore's cache */
	__atomic_store_n(&cache_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&cache_done, __ATOMIC_ACQUIRE))
		usleep(1000);
	for (int i = 1; i < 200; i += 2)
		hm_free(b[i]);
	hm_thread_unregister();
	return NULL;
}

/* SVG of a real heap and of a 1 GiB heap with 10^5 elements: valid XML,
 * a few MB at most; the text rendering fits its rows. */
static void
test_heapmap_svg(void **state)
{
	struct hm_heap_snapshot *s;
	struct stat st;
	char path[PATH_MAX];
	FILE *f;
	void *p[200];
	int parsed = 0;

	(void)state;
	start("hmsvg");
	for (int i = 0; i < 200; i++)
		assert_non_null(p[i] = hm_malloc_socket(i % 2 ? "a<b>&\"c" : "\xff\xfe", 5000 + i * 100,
							0, 0));
	for (int i = 0; i < 200; i += 2)
		assert_int_equal(hm_free(p[i]), 0);
	s = hm_heap_snapshot(0);
	assert_non_null(s);
	snprintf(path, sizeof(path), "%s/real.svg", tmpdir);
	f = fopen(path, "w");
	assert_int_equal(hm_heapmap_svg(s, "test <&> \"title\"", f), 0);
	fclose(f);
	parsed += xml_ok(path);
	hm_heap_snapshot_free(s);
	for (int i = 1; i < 200; i += 2)
		assert_int_equal(hm_free(p[i]), 0);
	/* a dataplane-like heap on node 1 (docs/heapmap.svg is this picture): a
	 * packet pool and a ring (memzones), tables of several tags, holes where
	 * sessions and ACL blocks were freed, small blocks parked in the lcore
	 * cache, a big scratch buffer freed */
	{
		static void *q[1200];
		struct hm_mempool *mp = hm_pktmbuf_pool_create("pkts", 2047, 64, 0, 2176, 1);
		struct hm_ring *r = hm_ring_create("work", 4096, 1, 0);
		void *scratch = hm_malloc_socket("scratch", 3u << 20, 0, 1);
		static const char *const tags[] = { "flow_tbl", "session", "acl", "lpm", "stats" };
		static const size_t sizes[] = { 24576, 640, 4096, 65536, 256 };
		assert_non_null(mp);
		assert_non_null(r);
		assert_non_null(scratch);
		for (int i = 0; i < 1200; i++)
			assert_non_null(q[i] = hm_malloc_socket(tags[i % 5], sizes[i % 5], 0, 1));
		assert_int_equal(hm_free(scratch), 0);
		for (int i = 0; i < 1200; i++)
			if ((i % 5 == 1 && i % 3 == 0) || (i % 5 == 2 && i % 4 == 0))
				assert_int_equal(hm_free(q[i]), 0);
		for (int i = 4; i < 1200; i += 10)
			assert_int_equal(hm_free(q[i]), 0);
		pthread_t w;
		cache_ready = cache_done = 0;
		assert_int_equal(pthread_create(&w, NULL, cache_worker, NULL), 0);
		while (!__atomic_load_n(&cache_ready, __ATOMIC_ACQUIRE))
			usleep(1000);
		s = hm_heap_snapshot(1);
		__atomic_store_n(&cache_done, 1, __ATOMIC_RELEASE);
		pthread_join(w, NULL);
		{
			struct hm_heapmap_stats hst;
			assert_int_equal(hm_heapmap_stats(s, &hst), 0);
			/* the worker's parked blocks: one size class keeps at most
			 * HM_MALLOC_CACHE_DEFAULT of them, then gives half back */
			assert_true(hst.n_cached >= 1 && hst.n_cached <= HM_MALLOC_CACHE_DEFAULT);
		}
		assert_non_null(s);
		snprintf(path, sizeof(path), "%s/dataplane.svg", tmpdir);
		f = fopen(path, "w");
		assert_int_equal(hm_heapmap_svg(s, "a dataplane heap (tests/test_heapmap.c)", f), 0);
		fclose(f);
		parsed += xml_ok(path);
		for (int i = 0; i < 1200; i++)
			if (!((i % 5 == 1 && i % 3 == 0) || (i % 5 == 2 && i % 4 == 0) ||
			      (i % 10 == 4)))
				assert_int_equal(hm_free(q[i]), 0);
		hm_ring_free(r);
		hm_mempool_free(mp);
	}
	/* the text map: legend letters and at most the rows asked */
	{
		char out[65536];
		int lines = 0;
		f = fmemopen(out, sizeof(out), "w");
		assert_int_equal(hm_heapmap_text(s, 32, 10, f), 0);
		fclose(f);
		for (char *c = strstr(out, "  0x"); c != NULL; c = strstr(c + 1, "\n  0x"))
			lines++;
		assert_true(lines >= 1 && lines <= 10);
		assert_non_null(strstr(out, "A lpm "));
		assert_non_null(strstr(out, " flow_tbl "));
	}
	hm_heap_snapshot_free(s);
	hm_cleanup();

	/* 1 GiB, 10^5 elements */
	s = synthetic(1ULL << 30, 100000, 42);
	assert_snapshot_ok(s);
	snprintf(path, sizeof(path), "%s/big.svg", tmpdir);
	f = fopen(path, "w");
	assert_int_equal(hm_heapmap_svg(s, NULL, f), 0);
	fclose(f);
	assert_int_equal(stat(path, &st), 0);
	print_message("1 GiB, 100000 elements: %lld bytes of SVG\n", (long long)st.st_size);
	assert_true(st.st_size < 4 * 1024 * 1024);
	parsed += xml_ok(path);
	hm_heap_snapshot_free(s);
	/* an empty heap draws too */
	{
		struct hm_heap_snapshot e = { .name = "empty" };
		f = fopen(path, "w");
		assert_int_equal(hm_heapmap_svg(&e, NULL, f), 0);
		fclose(f);
		parsed += xml_ok(path);
	}
	/* a full stream is an error, not a silent success */
	f = fopen("/dev/full", "w");
	if (f != NULL) {
		s = synthetic(64ULL << 20, 1000, 1);
		assert_int_equal(hm_heapmap_svg(s, NULL, f), -ENOSPC);
		assert_int_equal(hm_heapmap_json_write(s, f), -ENOSPC);
		fclose(f);
		hm_heap_snapshot_free(s);
	}
	if (parsed == 0)
		skip(); /* python3 missing: the SVG was written but not parsed */
}

/* Rendered by a headless chromium when one is installed (it is not a test
 * dependency): the page loads and a screenshot is written. */
static void
test_heapmap_svg_renders(void **state)
{
	static const char *const browsers[] = { "/usr/bin/chromium", "/usr/bin/chromium-browser",
						"/usr/bin/google-chrome" };
	const char *browser = NULL;
	char svg[PATH_MAX], png[PATH_MAX], arg[PATH_MAX + 32], url[PATH_MAX + 16];
	struct hm_heap_snapshot *s;
	struct hm_test_child c;
	struct stat st;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof(browsers) / sizeof(browsers[0]); i++)
		if (access(browsers[i], X_OK) == 0)
			browser = browsers[i];
	if (browser == NULL) {
		print_message("no headless chromium installed: the SVG is not rendered\n");
		skip();
	}
	s = synthetic(256ULL << 20, 20000, 3);
	snprintf(svg, sizeof(svg), "%s/render.svg", tmpdir);
	snprintf(png, sizeof(png), "%s/render.png", tmpdir);
	f = fopen(svg, "w");
	assert_int_equal(hm_heapmap_svg(s, NULL, f), 0);
	fclose(f);
	hm_heap_snapshot_free(s);
	unlink(png);
	snprintf(arg, sizeof(arg), "--screenshot=%s", png);
	snprintf(url, sizeof(url), "file://%s", svg);
	hm_test_spawn(&c, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(browser, "--headless", "--no-sandbox", "--disable-gpu", arg,
				     "--window-size=1200,1600", url) });
	hm_test_wait(&c, -1);
	assert_true(c.sig == 0 && c.status == 0);
	assert_int_equal(stat(png, &st), 0);
	assert_true(st.st_size > 1000);
}

/* The snapshot fetched through telemetry is the one taken in process. */
static void
test_heapmap_fetch(void **state)
{
	struct hm_heap_snapshot *a, *b;
	struct hm_telemetry_stats ts;
	void *p[3000];
	const char *prefix = "hmfetch";

	(void)state;
	start(prefix);
	if (hm_telemetry_socket_path() == NULL)
		fail_msg("no telemetry socket: %s", hm_last_error());
	for (int i = 0; i < 3000; i++)
		assert_non_null(p[i] = hm_malloc_socket(i % 7 ? "fetch" : "f\"q\\", 64 + i % 900, 0, 0));
	for (int i = 0; i < 3000; i += 4)
		assert_int_equal(hm_free(p[i]), 0);
	assert_int_equal(hm_telemetry_stats_get(&ts), 0);
	b = hm_heapmap_fetch(prefix, ts.instance, 0);
	if (b == NULL)
		fail_msg("fetch: %s", hm_last_error());
	a = hm_heap_snapshot(0);
	assert_non_null(a);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->n_segs, b->n_segs);
	assert_int_equal(a->n_pages, b->n_pages);
	assert_int_equal(a->n_elems, b->n_elems);
	assert_int_equal(a->total, b->total);
	assert_memory_equal(a->segs, b->segs, a->n_segs * sizeof(a->segs[0]));
	assert_memory_equal(a->pages, b->pages, a->n_pages * sizeof(a->pages[0]));
	assert_memory_equal(a->elems, b->elems, a->n_elems * sizeof(a->elems[0]));
	hm_heap_snapshot_free(a);
	hm_heap_snapshot_free(b);
	/* a heap that does not exist there */
	assert_null(hm_heapmap_fetch(prefix, ts.instance, 20));
	assert_int_equal(hm_errno, ENODEV);
	for (int i = 1; i < 3000; i++)
		if (i % 4 != 0)
			assert_int_equal(hm_free(p[i]), 0);
	hm_cleanup();
}

/* Contents of @p path contain @p needle. */
static bool
file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	static char buf[4 << 20];
	size_t n;

	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static int
init_leaky(const char *opt)
{
	char *argv[] = { (char *)"t", (char *)"--file-prefix=hmleak", (char *)"--in-memory",
			 (char *)"--topology=" TOPO, (char *)"--allow-leaks", (char *)opt, NULL };

	return hm_init(6, argv);
}

/* --leak-heapmap: hm_cleanup draws each heap holding leaked blocks, only then,
 * never through a symlink; bad prefixes are refused at init. */
static void
test_heapmap_leak_map(void **state)
{
	char pfx[PATH_MAX], opt[PATH_MAX + 32], p0[PATH_MAX + 16], p1[PATH_MAX + 16];
	char victim[PATH_MAX + 16];
	struct hm_config c;
	struct stat st;
	void *p;

	(void)state;
	snprintf(pfx, sizeof(pfx), "%s/leak-", tmpdir);
	snprintf(opt, sizeof(opt), "--leak-heapmap=%s", pfx);
	snprintf(p0, sizeof(p0), "%s0.svg", pfx);
	snprintf(p1, sizeof(p1), "%s1.svg", pfx);
	snprintf(victim, sizeof(victim), "%s/victim.txt", tmpdir);
	unlink(p0);
	unlink(p1);

	/* a block and a memzone leaked on node 1: heap 1 is drawn, heap 0 is not */
	assert_true(init_leaky(opt) >= 0);
	assert_non_null(hm_malloc_socket("leaky", 5000, 0, 1));
	assert_non_null(hm_memzone_reserve("leakzone", 100000, 1, 0));
	p = hm_malloc_socket("freed", 7000, 0, 1);
	assert_non_null(p);
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(access(p0, F_OK), -1);
	assert_int_equal(access(p1, F_OK), 0);
	xml_ok(p1);
	assert_true(file_has(p1, "leaky"));
	assert_true(file_has(p1, "memzone"));
	assert_true(file_has(p1, "2 leaked block(s) at hm_cleanup"));
	assert_false(file_has(p1, "freed"));
	/* an existing file of ours is replaced */
	assert_true(init_leaky(opt) >= 0);
	assert_non_null(hm_malloc_socket("leaky2", 3000, 0, 1));
	assert_int_equal(hm_cleanup(), 0);
	assert_true(file_has(p1, "leaky2"));
	assert_false(file_has(p1, "leakzone"));

	/* no leaks: nothing drawn */
	assert_int_equal(unlink(p1), 0);
	assert_true(init_leaky(opt) >= 0);
	p = hm_malloc_socket("gone", 5000, 0, 1);
	assert_non_null(p);
	assert_int_equal(hm_free(p), 0);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(access(p1, F_OK), -1);

	/* a symlink at the name is not followed: its target keeps its contents,
	 * cleanup still releases everything (the failure is a warning) */
	{
		FILE *f = fopen(victim, "w");
		assert_non_null(f);
		fputs("keep me", f);
		fclose(f);
	}
	assert_int_equal(symlink(victim, p1), 0);
	assert_true(init_leaky(opt) >= 0);
	assert_non_null(hm_malloc_socket("leaky", 5000, 0, 1));
	assert_int_equal(hm_cleanup(), 0);
	assert_false(hm_initialized());
	assert_true(file_has(victim, "keep me"));
	assert_false(file_has(victim, "svg"));
	assert_int_equal(lstat(p1, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	unlink(p1);
	unlink(victim);

	/* bad prefixes: refused at init, nothing started */
	assert_int_equal(init_leaky("--leak-heapmap="), -EINVAL);
	assert_false(hm_initialized());
	hm_config_init(&c);
	c.topology = TOPO;
	c.in_memory = true;
	c.leak_heapmap = "";
	assert_int_equal(hm_init_config(&c), -EINVAL);
	assert_false(hm_initialized());
	{
		static char longp[PATH_MAX];
		memset(longp, 'x', sizeof(longp) - 1);
		longp[0] = '/';
		longp[sizeof(longp) - 1] = '\0';
		c.leak_heapmap = longp;
		assert_int_equal(hm_init_config(&c), -EINVAL);
		assert_false(hm_initialized());
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heapmap_invalid_args),
		cmocka_unit_test_teardown(test_heapmap_snapshot_matches_heap, teardown),
		cmocka_unit_test(test_heapmap_buffer_heap_roundtrip),
		cmocka_unit_test_teardown(test_heapmap_svg, teardown),
		cmocka_unit_test(test_heapmap_svg_renders),
		cmocka_unit_test_teardown(test_heapmap_fetch, teardown),
		cmocka_unit_test_teardown(test_heapmap_leak_map, teardown),
	};

	return cmocka_run_group_tests(tests, setup_all, NULL);
}
