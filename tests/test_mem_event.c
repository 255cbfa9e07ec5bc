/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory event callbacks, alloc validators, thread_unsafe walks and external
 * memory outside heaps (hm_extmem_*): the memseg features DPDK's rte_memory.h
 * exposes. Conformance test, run once per backend suite.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

#define MB2 (2ULL << 20)

struct ev_rec {
	enum hm_mem_event ev;
	const void *addr;
	size_t len;
	int mapped;      /* every page of the range was mapped during the call */
	int unsafe_rc;   /* hm_memseg_walk_thread_unsafe from the callback */
	int locked_rc;   /* hm_memseg_walk (locked) from the callback */
	int alloc_rc;    /* hm_memseg_alloc_pages from the callback */
	int malloc_errno;
};

struct ev_log {
	struct ev_rec r[64];
	int n;
};

static int
count_page(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	(void)msl;
	(void)ms;
	++*(int *)arg;
	return 0;
}

static void
record_cb(enum hm_mem_event ev, const void *addr, size_t len, void *arg)
{
	struct ev_log *log = arg;
	struct ev_rec *r;
	struct hm_memseg *ms[1];
	int pages = 0;

	if (log->n >= 64)
		return;
	r = &log->r[log->n++];
	r->ev = ev;
	r->addr = addr;
	r->len = len;
	r->mapped = 1;
	for (size_t off = 0; off < len; off += 4096)
		if (hm_mem_virt2memseg((const char *)addr + off, NULL) == NULL)
			r->mapped = 0;
	r->unsafe_rc = hm_memseg_walk_thread_unsafe(count_page, &pages);
	r->locked_rc = hm_memseg_walk(count_page, &pages);
	r->alloc_rc = hm_memseg_alloc_pages(ms, 1, MB2, 0, 0);
	hm_errno = 0;
	void *p = hm_malloc("in-cb", 64, 0);
	r->malloc_errno = p == NULL ? hm_errno : 0;
	if (p != NULL)
		hm_free(p);
}

static void
noop_cb(enum hm_mem_event ev, const void *addr, size_t len, void *arg)
{
	(void)ev;
	(void)addr;
	(void)len;
	(void)arg;
}

static int
allow_all(int socket_id, size_t cur_limit, size_t new_len)
{
	(void)socket_id;
	(void)cur_limit;
	(void)new_len;
	return 0;
}

static int
list_cb0(const struct hm_memseg_list *msl, void *arg)
{
	(void)msl;
	(void)arg;
	return 0;
}

static int
page_cb0(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	(void)msl;
	(void)ms;
	(void)arg;
	return 0;
}

static int
run_cb0(const struct hm_memseg_list *msl, const struct hm_memseg *ms, size_t len, void *arg)
{
	(void)msl;
	(void)ms;
	(void)len;
	(void)arg;
	return 0;
}

static void
test_mem_event_invalid_args(void **state)
{
	char name64[65], name63[64];
	int x;
	(void)state;

	hm_test_quiet_log();
	/* not initialised */
	assert_int_equal(hm_mem_event_callback_register("a", noop_cb, NULL), -ENODEV);
	assert_int_equal(hm_mem_event_callback_unregister("a", NULL), -ENODEV);
	assert_int_equal(hm_mem_alloc_validator_register("a", allow_all, 0, 0), -ENODEV);
	assert_int_equal(hm_mem_alloc_validator_unregister("a", 0), -ENODEV);
	assert_int_equal(hm_memseg_walk_thread_unsafe(page_cb0, NULL), -ENODEV);
	assert_int_equal(hm_extmem_register(&x, 4096, NULL, 0, 4096), -ENODEV);
	assert_int_equal(hm_extmem_unregister(&x, 4096), -ENODEV);
	assert_int_equal(hm_extmem_attach(&x, 4096), -ENODEV);
	assert_int_equal(hm_extmem_detach(&x, 4096), -ENODEV);

	assert_int_equal(hm_test_init_topo("nodes=1;2M=16"), 0);
	memset(name64, 'n', 64);
	name64[64] = '\0';
	memset(name63, 'n', 63);
	name63[63] = '\0';
	assert_int_equal(hm_mem_event_callback_register(NULL, noop_cb, NULL), -EINVAL);
	assert_int_equal(hm_mem_event_callback_register("", noop_cb, NULL), -EINVAL);
	assert_int_equal(hm_mem_event_callback_register("a", NULL, NULL), -EINVAL);
	assert_int_equal(hm_mem_event_callback_register(name64, noop_cb, NULL), -ENAMETOOLONG);
	assert_int_equal(hm_mem_event_callback_register(name63, noop_cb, NULL), 0);
	assert_int_equal(hm_mem_event_callback_register(name63, noop_cb, NULL), -EEXIST);
	assert_int_equal(hm_mem_event_callback_register(name63, noop_cb, &x), 0); /* other arg */
	assert_int_equal(hm_mem_event_callback_unregister(NULL, NULL), -EINVAL);
	assert_int_equal(hm_mem_event_callback_unregister("b", NULL), -ENOENT);
	assert_int_equal(hm_mem_event_callback_unregister(name63, name63), -ENOENT);
	assert_int_equal(hm_mem_event_callback_unregister(name63, NULL), 0);
	assert_int_equal(hm_mem_event_callback_unregister(name63, NULL), -ENOENT);
	assert_int_equal(hm_mem_event_callback_unregister(name63, &x), 0);

	assert_int_equal(hm_mem_alloc_validator_register(NULL, allow_all, 0, 0), -EINVAL);
	assert_int_equal(hm_mem_alloc_validator_register("v", NULL, 0, 0), -EINVAL);
	assert_int_equal(hm_mem_alloc_validator_register("v", allow_all, -1, 0), -EINVAL);
	assert_int_equal(hm_mem_alloc_validator_register("v", allow_all, 1, 0), -EINVAL);
	assert_int_equal(hm_mem_alloc_validator_register(name64, allow_all, 0, 0), -ENAMETOOLONG);
	assert_int_equal(hm_mem_alloc_validator_register("v", allow_all, 0, 0), 0);
	assert_int_equal(hm_mem_alloc_validator_register("v", allow_all, 0, 1), -EEXIST);
	assert_int_equal(hm_mem_alloc_validator_unregister("v", 1), -EINVAL);
	assert_int_equal(hm_mem_alloc_validator_unregister("w", 0), -ENOENT);
	assert_int_equal(hm_mem_alloc_validator_unregister(NULL, 0), -EINVAL);
	assert_int_equal(hm_mem_alloc_validator_unregister("v", 0), 0);
	assert_int_equal(hm_mem_alloc_validator_unregister("v", 0), -ENOENT);

	assert_int_equal(hm_memseg_list_walk_thread_unsafe(NULL, NULL), -EINVAL);
	assert_int_equal(hm_memseg_walk_thread_unsafe(NULL, NULL), -EINVAL);
	assert_int_equal(hm_memseg_contig_walk_thread_unsafe(NULL, NULL), -EINVAL);
	assert_int_equal(hm_memseg_list_walk_thread_unsafe(list_cb0, NULL), 0);
	assert_int_equal(hm_memseg_contig_walk_thread_unsafe(run_cb0, NULL), 0);

	/* extmem: every bad geometry is refused and nothing is registered */
	unsigned int lists = hm_memseg_list_count();
	char *buf = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hm_iova_t iova[8] = { 0 };
	assert_true(buf != MAP_FAILED);
	assert_int_equal(hm_extmem_register(NULL, 4096, NULL, 0, 4096), -EINVAL);
	assert_int_equal(hm_extmem_register(buf, 0, NULL, 0, 4096), -EINVAL);
	assert_int_equal(hm_extmem_register(buf + 64, 4096, NULL, 0, 4096), -EINVAL);
	assert_int_equal(hm_extmem_register(buf, 4096 + 64, NULL, 0, 4096), -EINVAL);
	assert_int_equal(hm_extmem_register(buf, 4096, NULL, 0, 3000), -EINVAL);
	assert_int_equal(hm_extmem_register(buf, 4096, NULL, 0, 2048), -EINVAL);
	assert_int_equal(hm_extmem_register(buf, 8 * 4096, iova, 7, 4096), -EINVAL);
	assert_int_equal(hm_extmem_unregister(NULL, 4096), -EINVAL);
	assert_int_equal(hm_extmem_unregister(buf, 0), -EINVAL);
	assert_int_equal(hm_extmem_unregister(buf, 4096), -ENOENT);
	assert_int_equal(hm_extmem_attach(buf, 4096), -ENOENT);
	assert_int_equal(hm_extmem_detach(buf, 4096), -ENOENT);
	assert_int_equal(hm_extmem_attach(NULL, 4096), -EINVAL);
	assert_int_equal(hm_extmem_detach(buf, 0), -EINVAL);
	assert_int_equal(hm_memseg_list_count(), lists);
	assert_int_equal(hm_cleanup(), 0);
	munmap(buf, 8 * 4096);

	/* legacy mode: memory never changes, so there is nothing to subscribe to */
	{
		struct hm_config c;
		hm_config_init(&c);
		c.topology = "nodes=1;2M=4";
		c.legacy_mem = true;
		c.memory = 4 * MB2;
		if (hm_test_init_cfg(&c) == 0) {
			assert_int_equal(hm_mem_event_callback_register("a", noop_cb, NULL),
					 -ENOTSUP);
			assert_int_equal(hm_mem_alloc_validator_register("a", allow_all, 0, 0),
					 -ENOTSUP);
			assert_int_equal(hm_cleanup(), 0);
		}
	}
}

static void
test_mem_event_alloc_and_free(void **state)
{
	struct ev_log log;
	struct hm_memseg *ms[3], *odd[2];
	int64_t before;
	(void)state;

	hm_test_quiet_log();
	memset(&log, 0, sizeof(log));
	assert_int_equal(hm_test_init_topo("nodes=1;2M=16"), 0);
	assert_int_equal(hm_mem_event_callback_register("rec", record_cb, &log), 0);
	before = hm_memseg_mapped_bytes(0);

	/* one event for the VA-contiguous run, after the pages are mapped */
	assert_int_equal(hm_memseg_alloc_pages(ms, 3, MB2, 0, 0), 3);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.r[0].ev, HM_MEM_EVENT_ALLOC);
	assert_ptr_equal(log.r[0].addr, ms[0]->addr);
	assert_int_equal(log.r[0].len, 3 * MB2);
	assert_int_equal(log.r[0].mapped, 1);
	/* inside: walks work (the locked one too), mapping memory does not */
	assert_int_equal(log.r[0].unsafe_rc, 0);
	assert_int_equal(log.r[0].locked_rc, 0);
	assert_int_equal(log.r[0].alloc_rc, -EDEADLK);
	assert_int_equal(log.r[0].malloc_errno, EDEADLK);
	assert_int_equal(hm_memseg_mapped_bytes(0), before + (int64_t)(3 * MB2));

	/* freeing pages 0 and 2: two runs, each told before it goes */
	odd[0] = ms[2];
	odd[1] = ms[0];
	assert_int_equal(hm_memseg_free_pages(odd, 2), 0);
	assert_int_equal(log.n, 3);
	for (int i = 1; i < 3; i++) {
		assert_int_equal(log.r[i].ev, HM_MEM_EVENT_FREE);
		assert_int_equal(log.r[i].len, MB2);
		assert_int_equal(log.r[i].mapped, 1);
	}
	assert_true((log.r[1].addr == odd[1]->addr && log.r[2].addr == odd[0]->addr) ||
		    log.r[1].addr != log.r[2].addr);

	/* a heap growing and shrinking is heard the same way */
	log.n = 0;
	void *p = hm_malloc("big", 3 * MB2, 0);
	assert_non_null(p);
	size_t grown = 0;
	for (int i = 0; i < log.n; i++) {
		assert_int_equal(log.r[i].ev, HM_MEM_EVENT_ALLOC);
		grown += log.r[i].len;
	}
	assert_true(grown >= 3 * MB2);
	int n_alloc = log.n;
	assert_int_equal(hm_free(p), 0);
	size_t shrunk = 0;
	for (int i = n_alloc; i < log.n; i++) {
		assert_int_equal(log.r[i].ev, HM_MEM_EVENT_FREE);
		shrunk += log.r[i].len;
	}
	assert_int_equal(shrunk, grown);

	/* external heap memory counts as memory a heap got */
	char *ext = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ext != MAP_FAILED);
	assert_int_equal(hm_malloc_heap_create("xh"), 0);
	log.n = 0;
	assert_int_equal(hm_malloc_heap_memory_add("xh", ext, 4 * 4096, NULL, 0, 4096), 0);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.r[0].ev, HM_MEM_EVENT_ALLOC);
	assert_ptr_equal(log.r[0].addr, ext);
	assert_int_equal(log.r[0].len, 4 * 4096);
	assert_int_equal(hm_malloc_heap_memory_remove("xh", ext, 4 * 4096), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.r[1].ev, HM_MEM_EVENT_FREE);
	assert_ptr_equal(log.r[1].addr, ext);
	assert_int_equal(hm_malloc_heap_destroy("xh"), 0);

	/* unregistered: silence */
	assert_int_equal(hm_mem_event_callback_unregister("rec", &log), 0);
	log.n = 0;
	odd[0] = ms[1];
	assert_int_equal(hm_memseg_free_pages(odd, 1), 0);
	assert_int_equal(log.n, 0);

	/* cleanup forgets the callbacks: a new instance calls none */
	assert_int_equal(hm_mem_event_callback_register("rec", record_cb, &log), 0);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(hm_test_init_topo("nodes=1;2M=16"), 0);
	log.n = 0;
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 0, 0), 1);
	assert_int_equal(log.n, 0);
	assert_int_equal(hm_mem_event_callback_unregister("rec", &log), -ENOENT);
	assert_int_equal(hm_cleanup(), 0);
	munmap(ext, 4 * 4096);
}

static struct {
	int calls, socket, verdict;
	size_t cur_limit, new_len;
	int walk_rc;
} vs;

static int
validator(int socket_id, size_t cur_limit, size_t new_len)
{
	int pages = 0;

	vs.calls++;
	vs.socket = socket_id;
	vs.cur_limit = cur_limit;
	vs.new_len = new_len;
	vs.walk_rc = hm_memseg_walk_thread_unsafe(count_page, &pages);
	return vs.verdict;
}

static void
test_mem_event_validator(void **state)
{
	struct hm_memseg *ms[4];
	int64_t base;
	(void)state;

	hm_test_quiet_log();
	memset(&vs, 0, sizeof(vs));
	assert_int_equal(hm_test_init_topo("nodes=1;2M=16"), 0);
	base = hm_memseg_mapped_bytes(0);
	/* limit: two more pages */
	assert_int_equal(hm_mem_alloc_validator_register("cap", validator, 0,
							 (size_t)base + 2 * MB2), 0);
	/* below the limit: not asked */
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 0, 0), 1);
	assert_int_equal(vs.calls, 0);
	/* reaching it: asked with the limit and the total after the mapping */
	vs.verdict = -1;
	assert_int_equal(hm_memseg_alloc_pages(&ms[1], 2, MB2, 0, 0), -ENOMEM);
	assert_int_equal(vs.calls, 1);
	assert_int_equal(vs.socket, 0);
	assert_int_equal(vs.cur_limit, (size_t)base + 2 * MB2);
	assert_int_equal(vs.new_len, (size_t)base + 3 * MB2);
	assert_int_equal(vs.walk_rc, 0);
	/* refused: nothing was mapped */
	assert_int_equal(hm_memseg_mapped_bytes(0), base + (int64_t)MB2);
	/* a heap growth is refused the same way, with ENOMEM */
	hm_errno = 0;
	assert_null(hm_malloc_socket("v", 3 * MB2, 0, 0));
	assert_int_equal(hm_errno, ENOMEM);
	/* allowed: the mapping goes on */
	vs.verdict = 0;
	assert_int_equal(hm_memseg_alloc_pages(&ms[1], 1, MB2, 0, 0), 1);
	assert_int_equal(vs.new_len, (size_t)base + 2 * MB2);
	assert_int_equal(hm_mem_alloc_validator_unregister("cap", 0), 0);
	vs.calls = 0;
	vs.verdict = -1;
	assert_int_equal(hm_memseg_alloc_pages(&ms[2], 1, MB2, 0, 0), 1);
	assert_int_equal(vs.calls, 0);
	assert_int_equal(hm_memseg_free_pages(ms, 3), 0);
	assert_int_equal(hm_cleanup(), 0);
}

struct ext_walk {
	const void *va;
	int lists, pages;
};

static int
ext_list_cb(const struct hm_memseg_list *msl, void *arg)
{
	struct ext_walk *w = arg;

	w->lists += msl->base_va == w->va;
	return 0;
}

static int
ext_page_cb(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	struct ext_walk *w = arg;

	(void)ms;
	w->pages += msl->base_va == w->va;
	return 0;
}

static void
test_mem_event_extmem(void **state)
{
	hm_iova_t iova[4] = { 0x10000, 0x50000, 0x20000, 0x30000 };
	struct hm_memseg_list *msl;
	struct ext_walk w;
	char *buf;
	(void)state;

	hm_test_quiet_log();
	buf = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	assert_int_equal(hm_test_init_topo("nodes=1;2M=16"), 0);
	assert_int_equal(hm_extmem_register(buf, 4 * 4096, iova, 4, 4096), 0);
	msl = hm_mem_virt2memseg_list(buf + 5000);
	assert_non_null(msl);
	assert_int_equal(msl->external, 1);
	assert_int_equal(msl->heap, 0);
	assert_true(msl->socket_id >= HM_MALLOC_EXT_SOCKET_BASE);
	assert_int_equal(msl->len, 4 * 4096);
	assert_int_equal(hm_malloc_heap_socket_is_external(msl->socket_id), 0); /* no heap */
	assert_int_equal(hm_mem_virt2iova(buf + 4096 + 12), 0x50000 + 12);
	assert_int_equal(hm_mem_virt2memseg(buf + 3 * 4096, NULL)->iova, 0x30000);
	w = (struct ext_walk){ .va = buf };
	assert_int_equal(hm_memseg_list_walk(ext_list_cb, &w), 0);
	assert_int_equal(hm_memseg_walk(ext_page_cb, &w), 0);
	assert_int_equal(w.lists, 1);
	assert_int_equal(w.pages, 4);
	assert_int_equal(hm_memseg_check(NULL), 0);

	/* overlaps are refused, by extmem and by the heaps alike */
	assert_int_equal(hm_extmem_register(buf, 4 * 4096, NULL, 0, 4096), -EEXIST);
	assert_int_equal(hm_extmem_register(buf + 4096, 4096, NULL, 0, 4096), -EEXIST);
	assert_int_equal(hm_malloc_heap_create("xh"), 0);
	assert_int_equal(hm_malloc_heap_memory_add("xh", buf, 4 * 4096, NULL, 0, 4096), -EEXIST);
	/* the heap's memory is not extmem's to unregister */
	assert_int_equal(hm_extmem_attach(buf, 4 * 4096), 0);
	assert_int_equal(hm_extmem_detach(buf, 4 * 4096), 0);
	assert_int_equal(hm_extmem_attach(buf, 2 * 4096), -ENOENT);
	assert_int_equal(hm_extmem_unregister(buf, 2 * 4096), -ENOENT);
	assert_int_equal(hm_extmem_unregister(buf, 4 * 4096), 0);
	assert_null(hm_mem_virt2memseg_list(buf));
	assert_int_equal(hm_errno, ENOENT);
	assert_int_equal(hm_extmem_unregister(buf, 4 * 4096), -ENOENT);

	/* without IOVAs: known, but no device address */
	assert_int_equal(hm_extmem_register(buf, 4 * 4096, NULL, 0, 4096), 0);
	assert_int_equal(hm_mem_virt2iova(buf), HM_BAD_IOVA);
	/* cleanup forgets it; the memory stays the user's */
	assert_int_equal(hm_malloc_heap_destroy("xh"), 0);
	assert_int_equal(hm_cleanup(), 0);
	buf[0] = 1;
	assert_int_equal(hm_test_init_topo("nodes=1;2M=16"), 0);
	assert_null(hm_mem_virt2memseg_list(buf));
	assert_int_equal(hm_extmem_register(buf, 4 * 4096, NULL, 0, 4096), 0);
	assert_int_equal(hm_cleanup(), 0);
	munmap(buf, 4 * 4096);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mem_event_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_mem_event_alloc_and_free, hm_test_teardown),
		cmocka_unit_test_teardown(test_mem_event_validator, hm_test_teardown),
		cmocka_unit_test_teardown(test_mem_event_extmem, hm_test_teardown),
	};

	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
