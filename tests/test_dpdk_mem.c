/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's memory API (core/dpdk): rte_malloc (native and external
 * heaps), rte_memzone, rte_memory (lookups, walks, segment fds, extmem, DMA
 * masks, memory events, alloc validators) and rte_fbarray, with DPDK's
 * documented errors for bad input. Runs on emu.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_fbarray.h>
#include <rte_hugemem.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

#define MB2 (2ULL << 20)

static int
eal_init_v(const char *const *args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"test";
	for (; args[argc - 1] != NULL && argc < 31; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	return rte_eal_init(argc, argv);
}
#define EAL(...) eal_init_v((const char *const[]){ __VA_ARGS__, NULL })

static void
quiet(void)
{
	static FILE *null;

	if (null == NULL)
		null = fopen("/dev/null", "w");
	rte_openlog_stream(null);
	hm_test_quiet_log();
}

static int
setup(void **state)
{
	(void)state;
	quiet();
	return EAL("-l", "0-1", "--no-huge") == 3 ? 0 : -1;
}

static int
teardown(void **state)
{
	if (rte_lcore_count() > 0)
		rte_eal_cleanup();
	rte_openlog_stream(NULL);
	return hm_test_teardown(state);
}

static void
assert_check(void)
{
	const char *why = NULL;

	if (hm_dpdk_check(&why) != 0)
		fail_msg("hm_dpdk_check: %s", why != NULL ? why : "?");
}

#define assert_fails(call, err) \
	do { \
		rte_errno = 0; \
		assert_true((call) == -1); \
		assert_int_equal(rte_errno, (err)); \
	} while (0)
#define assert_null_errno(call, err) \
	do { \
		rte_errno = 0; \
		assert_null(call); \
		assert_int_equal(rte_errno, (err)); \
	} while (0)

/* ---------------------------------------------------------------- malloc */

static void
test_dpdk_mem_malloc_invalid_args(void **state)
{
	struct rte_malloc_socket_stats st;
	char long_name[40];
	int x = 0;
	size_t sz;
	(void)state;

	assert_null_errno(rte_malloc("t", 0, 0), EINVAL);
	assert_null_errno(rte_malloc("t", 64, 3), EINVAL);
	assert_null_errno(rte_zmalloc("t", 0, 64), EINVAL);
	assert_null_errno(rte_malloc_socket("t", 64, 0, 99), EINVAL);
	/* sizes through a volatile: the compiler would refuse the constants */
	volatile size_t huge = SIZE_MAX / 2;
	assert_null_errno(rte_calloc("t", huge, 4, 0), ENOMEM); /* overflow */
	huge = SIZE_MAX - 100;
	assert_null_errno(rte_malloc("t", huge, 0), ENOMEM);
	rte_free(NULL); /* no-op */
	rte_errno = 0;
	rte_free(&x);   /* logged, ignored */
	assert_int_equal(rte_errno, EINVAL);
	assert_fails(rte_malloc_validate(NULL, &sz), EINVAL);
	assert_fails(rte_malloc_validate(&x, &sz), EINVAL);
	assert_fails(rte_malloc_get_socket_stats(99, &st), EINVAL);
	assert_fails(rte_malloc_get_socket_stats(0, NULL), EINVAL);
	assert_int_equal(rte_malloc_virt2iova(&x), RTE_BAD_IOVA);

	memset(long_name, 'h', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_fails(rte_malloc_heap_create(NULL), EINVAL);
	assert_fails(rte_malloc_heap_create(""), EINVAL);
	assert_fails(rte_malloc_heap_create(long_name), EINVAL);
	assert_int_equal(rte_malloc_heap_create("ext"), 0);
	assert_fails(rte_malloc_heap_create("ext"), EEXIST);
	assert_fails(rte_malloc_heap_destroy("socket_0"), EPERM);
	assert_fails(rte_malloc_heap_destroy("nosuch"), ENOENT);
	assert_fails(rte_malloc_heap_destroy(NULL), EINVAL);
	assert_fails(rte_malloc_heap_memory_add("socket_0", &x, 4096, NULL, 0, 4096), EPERM);
	assert_fails(rte_malloc_heap_memory_add("nosuch", &x, 4096, NULL, 0, 4096), ENOENT);
	assert_fails(rte_malloc_heap_memory_add("ext", (char *)&x + 1, 4096, NULL, 0, 4096),
		     EINVAL);
	assert_fails(rte_malloc_heap_memory_remove("ext", &x, 4096), ENOENT);
	assert_fails(rte_malloc_heap_memory_remove("socket_0", &x, 4096), EPERM);
	assert_fails(rte_malloc_heap_memory_remove("ext", NULL, 4096), EINVAL);
	assert_fails(rte_malloc_heap_memory_attach("socket_0", &x, 4096), EPERM);
	assert_fails(rte_malloc_heap_memory_attach("ext", &x, 4096), ENOENT);
	assert_fails(rte_malloc_heap_memory_detach("ext", NULL, 0), EINVAL);
	assert_fails(rte_malloc_heap_get_socket(NULL), EINVAL);
	assert_fails(rte_malloc_heap_get_socket(long_name), EINVAL);
	assert_fails(rte_malloc_heap_get_socket("nosuch"), ENOENT);
	assert_int_equal(rte_malloc_heap_get_socket("socket_0"), 0);
	assert_int_equal(rte_malloc_heap_socket_is_external(SOCKET_ID_ANY), 0);
	assert_int_equal(rte_malloc_heap_socket_is_external(0), 0);
	assert_fails(rte_malloc_heap_socket_is_external(999), EINVAL);
	assert_int_equal(rte_malloc_heap_socket_is_external(rte_malloc_heap_get_socket("ext")), 1);
	assert_int_equal(rte_malloc_heap_destroy("ext"), 0);
	assert_check();
}

static void
test_dpdk_mem_malloc(void **state)
{
	struct rte_malloc_socket_stats st0, st1;
	unsigned char *p, *q, *z;
	size_t sz = 0;
	(void)state;

	assert_int_equal(rte_malloc_get_socket_stats(0, &st0), 0);
	p = rte_malloc("t", 1000, 0);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % RTE_CACHE_LINE_SIZE, 0);
	assert_int_equal(rte_malloc_validate(p, &sz), 0);
	assert_true(sz >= 1000);
	assert_int_equal(rte_malloc_get_socket_stats(0, &st1), 0);
	assert_int_equal(st1.alloc_count, st0.alloc_count + 1);
	assert_true(st1.heap_allocsz_bytes >= st0.heap_allocsz_bytes + 1000);
	memset(p, 0xab, 1000);
	/* realloc keeps the contents; NULL allocates; size 0 frees */
	q = rte_realloc(p, 100000, 0);
	assert_non_null(q);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(q[i], 0xab);
	assert_null(rte_realloc(q, 0, 0));
	assert_fails(rte_malloc_validate(q, NULL), EINVAL);
	p = rte_realloc(NULL, 64, 0);
	assert_non_null(p);
	rte_free(p);
	/* zeroed forms, alignment, socket forms */
	z = rte_zmalloc("z", 5000, 4096);
	assert_non_null(z);
	assert_int_equal((uintptr_t)z % 4096, 0);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(z[i], 0);
	memset(z, 1, 5000);
	rte_free(z);
	z = rte_calloc("c", 100, 50, 0);
	assert_non_null(z);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(z[i], 0);
	rte_free(z);
	z = rte_calloc_socket("c", 10, 10, 0, 0);
	assert_non_null(z);
	rte_free(z);
	z = rte_zmalloc_socket("z", 10, 0, SOCKET_ID_ANY);
	assert_non_null(z);
	z = rte_realloc_socket(z, 3 * MB2, 0, 0);
	assert_non_null(z);
	/* IOVA of the block = IOVA of its page + offset */
	assert_int_equal(rte_malloc_virt2iova(z + 100), rte_mem_virt2iova(z + 100));
	assert_ptr_equal(rte_mem_iova2virt(rte_malloc_virt2iova(z + 100)), z + 100);
	rte_free(z);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		rte_malloc_dump_stats(f, NULL);
		rte_malloc_dump_heaps(f);
		fclose(f);
		assert_non_null(strstr(buf, "socket_0"));
		free(buf);
	}
	assert_int_equal(rte_malloc_get_socket_stats(0, &st1), 0);
	assert_int_equal(st1.alloc_count, st0.alloc_count);
	assert_check();
}

static void
test_dpdk_mem_external_heap(void **state)
{
	const size_t pg = 4096, len = 8 * pg;
	rte_iova_t iova[8];
	char *mem, *p;
	int sock;
	(void)state;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	for (int i = 0; i < 8; i++)
		iova[i] = 0x7000000 + (uint64_t)(7 - i) * pg; /* descending */
	assert_int_equal(rte_malloc_heap_create("ext"), 0);
	sock = rte_malloc_heap_get_socket("ext");
	assert_true(sock >= 0);
	assert_fails(rte_malloc_heap_memory_add("ext", mem, len, iova, 7, pg), EINVAL);
	assert_int_equal(rte_malloc_heap_memory_add("ext", mem, len, iova, 8, pg), 0);
	assert_fails(rte_malloc_heap_memory_add("ext", mem, len, iova, 8, pg), EEXIST);
	assert_int_equal(rte_malloc_heap_memory_attach("ext", mem, len), 0);
	assert_int_equal(rte_malloc_heap_memory_detach("ext", mem, len), 0);
	assert_fails(rte_malloc_heap_memory_attach("ext", mem, len / 2), ENOENT);
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(mem);
	assert_non_null(msl);
	assert_int_equal(msl->external, 1);
	assert_int_equal(msl->heap, 1);
	assert_int_equal(msl->socket_id, sock);

	p = rte_malloc_socket("ext", 100, 0, sock);
	assert_non_null(p);
	assert_true(p >= mem && p < mem + len);
	const struct rte_memseg *ms = rte_mem_virt2memseg(p, msl);
	assert_non_null(ms);
	assert_int_equal(rte_malloc_virt2iova(p), ms->iova + (uintptr_t)(p - (char *)ms->addr));
	assert_fails(rte_malloc_heap_memory_remove("ext", mem, len), EBUSY);
	assert_fails(rte_malloc_heap_destroy("ext"), EBUSY);
	rte_free(p);
	assert_int_equal(rte_malloc_heap_memory_remove("ext", mem, len), 0);
	assert_null(rte_mem_virt2memseg_list(mem));
	assert_int_equal(rte_malloc_heap_destroy("ext"), 0);
	assert_fails(rte_malloc_heap_get_socket("ext"), ENOENT);
	munmap(mem, len);
	assert_check();
}

/* ---------------------------------------------------------------- memzones */

static void
count_zone(const struct rte_memzone *mz, void *arg)
{
	(void)mz;
	++*(int *)arg;
}

static void
test_dpdk_mem_memzone(void **state)
{
	const struct rte_memzone *a, *b, *c;
	char long_name[40];
	int n = 0;
	(void)state;

	memset(long_name, 'z', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_null_errno(rte_memzone_reserve(NULL, 64, SOCKET_ID_ANY, 0), EINVAL);
	assert_null_errno(rte_memzone_reserve(long_name, 64, SOCKET_ID_ANY, 0), ENAMETOOLONG);
	assert_null_errno(rte_memzone_reserve_aligned("a", 64, SOCKET_ID_ANY, 0, 3), EINVAL);
	assert_null_errno(rte_memzone_reserve_bounded("a", 4096, SOCKET_ID_ANY, 0, 64, 2048),
			  EINVAL);
	assert_null_errno(rte_memzone_reserve("a", 64, -2, 0), EINVAL);
	/* a socket without a heap has no memory: ENOMEM, as DPDK */
	assert_null_errno(rte_memzone_reserve("a", 64, 5, 0), ENOMEM);
	assert_null_errno(rte_memzone_reserve("a", 64, SOCKET_ID_ANY, 0x8), EINVAL);
	assert_null_errno(rte_memzone_lookup(NULL), EINVAL);
	assert_null_errno(rte_memzone_lookup("a"), ENOENT);
	assert_int_equal(rte_memzone_free(NULL), -EINVAL);
	rte_memzone_walk(NULL, NULL); /* no-op */

	a = rte_memzone_reserve("a", 1000, 0, 0);
	assert_non_null(a);
	assert_string_equal(a->name, "a");
	assert_true(a->len >= 1000);
	assert_int_equal(a->socket_id, 0);
	assert_int_equal(a->hugepage_sz, MB2);
	assert_int_equal(a->flags, 0);
	assert_int_equal(a->iova, rte_mem_virt2iova(a->addr));
	assert_ptr_equal(rte_memzone_lookup("a"), a);
	assert_null_errno(rte_memzone_reserve("a", 64, SOCKET_ID_ANY, 0), EEXIST);
	b = rte_memzone_reserve_aligned("b", 100, SOCKET_ID_ANY, RTE_MEMZONE_2MB, 1 << 16);
	assert_non_null(b);
	assert_int_equal((uintptr_t)b->addr % (1 << 16), 0);
	c = rte_memzone_reserve_bounded("c", 3000, 0, RTE_MEMZONE_IOVA_CONTIG, 64, 4096);
	assert_non_null(c);
	assert_int_equal((uintptr_t)c->addr / 4096, ((uintptr_t)c->addr + c->len - 1) / 4096);
	rte_memzone_walk(count_zone, &n);
	assert_int_equal(n, 3);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		rte_memzone_dump(f);
		fclose(f);
		assert_non_null(strstr(buf, "'b'"));
		free(buf);
	}
	assert_int_equal(rte_memzone_free(b), 0);
	assert_int_equal(rte_memzone_free(b), -EINVAL);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_memzone_free(a), 0);
	assert_int_equal(rte_memzone_free(c), 0);
	n = 0;
	rte_memzone_walk(count_zone, &n);
	assert_int_equal(n, 0);
	assert_check();
}

/* ---------------------------------------------------------------- memory */

struct walk_acc {
	int pages, runs, lists, stop_at;
	size_t bytes;
};

static int
page_cb(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	struct walk_acc *w = arg;

	(void)msl;
	w->pages++;
	w->bytes += ms->len;
	/* stop_at n > 0: stop (1) at page n; n < 0: fail (-1) at page -n */
	return w->stop_at != 0 && w->pages == abs(w->stop_at) ? (w->stop_at > 0 ? 1 : -1) : 0;
}

static int
run_cb(const struct rte_memseg_list *msl, const struct rte_memseg *ms, size_t len, void *arg)
{
	struct walk_acc *w = arg;

	(void)msl;
	(void)ms;
	w->runs++;
	w->bytes += len;
	return 0;
}

static int
list_cb(const struct rte_memseg_list *msl, void *arg)
{
	struct walk_acc *w = arg;

	(void)msl;
	w->lists++;
	return w->stop_at < 0 ? -5 : 0;
}

static void
test_dpdk_mem_lookups_and_walks(void **state)
{
	struct walk_acc w;
	struct rte_memseg_list *msl;
	struct rte_memseg *ms;
	int local = 0;
	char *p;
	(void)state;

	p = rte_malloc("w", 3 * MB2, 0);
	assert_non_null(p);
	msl = rte_mem_virt2memseg_list(p);
	assert_non_null(msl);
	assert_int_equal(msl->external, 0);
	assert_int_equal(msl->heap, 1);
	assert_int_equal(msl->page_sz, MB2);
	assert_int_equal(msl->socket_id, 0);
	assert_true((char *)msl->base_va <= p && p < (char *)msl->base_va + msl->len);
	ms = rte_mem_virt2memseg(p + 5, msl);
	assert_non_null(ms);
	assert_true((char *)ms->addr <= p + 5 && p + 5 < (char *)ms->addr + ms->len);
	assert_int_equal(ms->hugepage_sz, MB2);
	assert_ptr_equal(rte_mem_virt2memseg(p + 5, NULL), ms);
	assert_ptr_equal(rte_fbarray_get(&msl->memseg_arr,
					 (unsigned int)rte_fbarray_find_idx(&msl->memseg_arr, ms)),
			 ms);
	assert_int_equal(rte_mem_virt2iova(p + 5), ms->iova + (uintptr_t)(p + 5 - (char *)ms->addr));
	assert_ptr_equal(rte_mem_iova2virt(rte_mem_virt2iova(p + 5)), p + 5);
	/* emu's physical addresses are its synthetic IOVAs (PA mode) */
	assert_int_equal(rte_mem_virt2phy(p + 5), rte_mem_virt2iova(p + 5));
	assert_int_equal(rte_eal_using_phys_addrs(), 1);
	/* not hugemem's memory */
	assert_null_errno(rte_mem_virt2memseg_list(&local), ENOENT);
	assert_null_errno(rte_mem_virt2memseg(&local, NULL), ENOENT);
	assert_null_errno(rte_mem_virt2memseg(p, (const struct rte_memseg_list *)&local), EINVAL);
	assert_null(rte_mem_iova2virt(RTE_BAD_IOVA - 1));

	/* walks: every page, runs, lists; 1 and -1 stop them */
	memset(&w, 0, sizeof(w));
	assert_int_equal(rte_memseg_walk(page_cb, &w), 0);
	assert_true(w.pages >= 2);
	assert_int_equal(w.bytes, rte_eal_get_physmem_size());
	memset(&w, 0, sizeof(w));
	assert_int_equal(rte_memseg_contig_walk(run_cb, &w), 0);
	assert_true(w.runs >= 1);
	assert_int_equal(w.bytes, rte_eal_get_physmem_size());
	memset(&w, 0, sizeof(w));
	w.stop_at = 1;
	assert_int_equal(rte_memseg_walk(page_cb, &w), 1);
	assert_int_equal(w.pages, 1);
	memset(&w, 0, sizeof(w));
	w.stop_at = -1;
	assert_int_equal(rte_memseg_walk_thread_unsafe(page_cb, &w), -1);
	memset(&w, 0, sizeof(w));
	assert_int_equal(rte_memseg_list_walk(list_cb, &w), 0);
	assert_true(w.lists >= 1);
	w.stop_at = -1;
	assert_int_equal(rte_memseg_list_walk_thread_unsafe(list_cb, &w), -1);
	memset(&w, 0, sizeof(w));
	assert_int_equal(rte_memseg_contig_walk_thread_unsafe(run_cb, &w), 0);
	assert_fails(rte_memseg_walk(NULL, NULL), EINVAL);
	assert_fails(rte_memseg_contig_walk(NULL, NULL), EINVAL);
	assert_fails(rte_memseg_list_walk(NULL, NULL), EINVAL);

	/* segment fds: emu's page files, DPDK's errnos for the rest */
	size_t off = 7;
	assert_fails(rte_memseg_get_fd(NULL), EINVAL);
	assert_fails(rte_memseg_get_fd((const struct rte_memseg *)&local), EINVAL);
	assert_fails(rte_memseg_get_fd_offset(ms, NULL), EINVAL);
	assert_fails(rte_memseg_get_fd_offset_thread_unsafe(NULL, &off), EINVAL);
	int sfd = rte_memseg_get_fd(ms);
	assert_true(sfd >= 0);
	assert_int_equal(rte_memseg_get_fd_thread_unsafe(ms), sfd);
	assert_int_equal(rte_memseg_get_fd_offset(ms, &off), 0);
	assert_int_equal(off, 0); /* a file per page */
	off = 7;
	assert_int_equal(rte_memseg_get_fd_offset_thread_unsafe(ms, &off), 0);
	assert_int_equal(off, 0);
	{
		unsigned char *m = mmap(NULL, MB2, PROT_READ, MAP_SHARED, sfd, 0);
		assert_true(m != MAP_FAILED);
		((volatile char *)ms->addr)[64] = 0x77;
		assert_int_equal(m[64], 0x77); /* the fd is the page */
		munmap(m, MB2);
	}
	int free_idx = rte_fbarray_find_next_free(&msl->memseg_arr, 0);
	assert_true(free_idx >= 0);
	assert_fails(rte_memseg_get_fd(rte_fbarray_get(&msl->memseg_arr, (unsigned int)free_idx)),
		     ENOENT);
	assert_fails(rte_memseg_get_fd_offset(rte_fbarray_get(&msl->memseg_arr,
							      (unsigned int)free_idx), &off),
		     ENOENT);

	/* DMA masks: emu's IOVAs are above 2^40 */
	assert_int_equal(rte_mem_check_dma_mask(64), -1);
	assert_int_equal(rte_mem_check_dma_mask(63), 0);
	assert_int_equal(rte_mem_check_dma_mask_thread_unsafe(12), -1);
	rte_mem_set_dma_mask(40);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		rte_dump_physmem_layout(f);
		fclose(f);
		assert_non_null(strstr(buf, "Segment 0-"));
		assert_non_null(strstr(buf, "hugepage_sz:2097152"));
		free(buf);
	}
	/* mlock of a page (root, or a memlock limit, allows it) */
	int rc = rte_mem_lock_page(p);
	assert_true(rc == 0 || errno == ENOMEM || errno == EPERM || errno == EAGAIN);
	if (rc == 0)
		munlock((void *)((uintptr_t)p & ~(uintptr_t)4095), 4096);
	rte_free(p);
	assert_int_equal(rte_memory_get_nchannel(), 0);
	assert_check();
}

static void
test_dpdk_mem_extmem(void **state)
{
	const size_t pg = 4096, len = 4 * pg;
	rte_iova_t iova[4] = { 0x10000, 0x11000, 0x12000, 0x40000 };
	char *mem;
	(void)state;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	assert_fails(rte_extmem_register(NULL, len, NULL, 0, pg), EINVAL);
	assert_fails(rte_extmem_register(mem, len, NULL, 0, 1000), EINVAL);
	assert_fails(rte_extmem_register(mem + 1, len, NULL, 0, pg), EINVAL);
	assert_fails(rte_extmem_register(mem, len, iova, 3, pg), EINVAL);
	assert_fails(rte_extmem_unregister(mem, len), ENOENT);
	assert_fails(rte_extmem_attach(mem, len), ENOENT);
	assert_fails(rte_extmem_detach(NULL, len), EINVAL);
	assert_int_equal(rte_extmem_register(mem, len, iova, 4, pg), 0);
	assert_fails(rte_extmem_register(mem, len, NULL, 0, pg), EEXIST);
	assert_int_equal(rte_extmem_attach(mem, len), 0);
	assert_int_equal(rte_extmem_detach(mem, len), 0);
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(mem + 10);
	assert_non_null(msl);
	assert_int_equal(msl->external, 1);
	assert_int_equal(msl->heap, 0);
	assert_int_equal(rte_mem_virt2iova(mem + 3 * pg + 7), 0x40007);
	/* no segment fds for external memory (DPDK's ENOTSUP) */
	{
		size_t off;
		const struct rte_memseg *ems = rte_mem_virt2memseg(mem, msl);
		assert_non_null(ems);
		assert_fails(rte_memseg_get_fd(ems), ENOTSUP);
		assert_fails(rte_memseg_get_fd_offset_thread_unsafe(ems, &off), ENOTSUP);
	}
	/* a heap cannot take it too */
	assert_int_equal(rte_malloc_heap_create("ext"), 0);
	assert_fails(rte_malloc_heap_memory_add("ext", mem, len, NULL, 0, pg), EEXIST);
	assert_int_equal(rte_malloc_heap_destroy("ext"), 0);
	/* external memory is not counted as hugemem's */
	uint64_t before = rte_eal_get_physmem_size();
	assert_fails(rte_extmem_unregister(mem, pg), ENOENT);
	assert_int_equal(rte_extmem_unregister(mem, len), 0);
	assert_int_equal(rte_eal_get_physmem_size(), before);
	assert_null(rte_mem_virt2memseg_list(mem));
	munmap(mem, len);
	assert_check();
}

/* In-memory emu pages are anonymous memory: segment fds are not supported. */
static void
test_dpdk_mem_segment_fds_in_memory(void **state)
{
	size_t off = 3;
	(void)state;

	quiet();
	assert_int_equal(EAL("-l", "0", "--no-huge", "--in-memory"), 4);
	void *p = rte_malloc(NULL, 100, 0);
	assert_non_null(p);
	const struct rte_memseg *ms = rte_mem_virt2memseg(p, NULL);
	assert_non_null(ms);
	assert_fails(rte_memseg_get_fd(ms), ENOTSUP);
	assert_fails(rte_memseg_get_fd_thread_unsafe(ms), ENOTSUP);
	assert_fails(rte_memseg_get_fd_offset(ms, &off), ENOTSUP);
	assert_int_equal(off, 3);
	assert_fails(rte_memseg_get_fd_offset(ms, NULL), EINVAL);
	rte_free(p);
}

/* ---------------------------------------------------------------- events */

static struct {
	int alloc, freed;
	size_t alloc_len, free_len;
	int walk_rc;
} ev;

static int
ev_page(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	(void)msl;
	(void)ms;
	(void)arg;
	return 0;
}

static void
ev_cb(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	(void)addr;
	(void)arg;
	if (type == RTE_MEM_EVENT_ALLOC) {
		ev.alloc++;
		ev.alloc_len += len;
	} else {
		ev.freed++;
		ev.free_len += len;
	}
	ev.walk_rc = rte_memseg_walk_thread_unsafe(ev_page, NULL);
}

static int val_calls, val_verdict;

static int
validator(int socket_id, size_t cur_limit, size_t new_len)
{
	(void)socket_id;
	(void)cur_limit;
	(void)new_len;
	val_calls++;
	return val_verdict;
}

static void
test_dpdk_mem_events(void **state)
{
	char name64[65];
	void *p;
	(void)state;

	memset(&ev, 0, sizeof(ev));
	memset(name64, 'e', 64);
	name64[64] = '\0';
	assert_fails(rte_mem_event_callback_register(NULL, ev_cb, NULL), EINVAL);
	assert_fails(rte_mem_event_callback_register("e", NULL, NULL), EINVAL);
	assert_fails(rte_mem_event_callback_register(name64, ev_cb, NULL), ENAMETOOLONG);
	assert_int_equal(rte_mem_event_callback_register("e", ev_cb, NULL), 0);
	assert_fails(rte_mem_event_callback_register("e", ev_cb, NULL), EEXIST);
	assert_fails(rte_mem_event_callback_unregister(NULL, NULL), EINVAL);
	assert_fails(rte_mem_event_callback_unregister("e", &ev), ENOENT);

	/* 3 pages mapped on growth, the same given back on free */
	p = rte_malloc("ev", 5 * MB2, 0);
	assert_non_null(p);
	assert_true(ev.alloc >= 1);
	assert_true(ev.alloc_len >= 5 * MB2);
	assert_int_equal(ev.walk_rc, 0);
	rte_free(p);
	assert_int_equal(ev.free_len, ev.alloc_len);
	assert_int_equal(rte_mem_event_callback_unregister("e", NULL), 0);
	ev.alloc = 0;
	p = rte_malloc("ev", 5 * MB2, 0);
	rte_free(p);
	assert_int_equal(ev.alloc, 0);

	/* validators: -1 refuses the growth */
	assert_fails(rte_mem_alloc_validator_register(NULL, validator, 0, 0), EINVAL);
	assert_fails(rte_mem_alloc_validator_register("v", validator, -1, 0), EINVAL);
	assert_fails(rte_mem_alloc_validator_register(name64, validator, 0, 0), ENAMETOOLONG);
	assert_int_equal(rte_mem_alloc_validator_register("v", validator, 0, 0), 0);
	assert_fails(rte_mem_alloc_validator_register("v", validator, 0, 1), EEXIST);
	val_verdict = -1;
	assert_null_errno(rte_malloc("big", 5 * MB2, 0), ENOMEM);
	assert_true(val_calls >= 1);
	val_verdict = 0;
	p = rte_malloc("big", 5 * MB2, 0);
	assert_non_null(p);
	rte_free(p);
	assert_int_equal(rte_mem_alloc_validator_unregister("v", 0), 0);
	assert_fails(rte_mem_alloc_validator_unregister("v", 0), ENOENT);
	assert_fails(rte_mem_alloc_validator_unregister(NULL, 0), EINVAL);
	/* cleanup forgets the callbacks with the instance */
	assert_int_equal(rte_mem_event_callback_register("e", ev_cb, NULL), 0);
	assert_int_equal(rte_eal_cleanup(), 0);
	assert_int_equal(EAL("-l", "0", "--legacy-mem", "-m", "8"), 5);
	assert_fails(rte_mem_event_callback_unregister("e", NULL), ENOENT);
	/* legacy memory never changes: nothing to subscribe to */
	assert_fails(rte_mem_event_callback_register("e", ev_cb, NULL), ENOTSUP);
	assert_fails(rte_mem_alloc_validator_register("v", validator, 0, 0), ENOTSUP);
	assert_check();
}

/* ---------------------------------------------------------------- fbarray */

static void
test_dpdk_mem_fbarray(void **state)
{
	struct rte_fbarray a, z;
	char path[600];
	(void)state;

	memset(&z, 0, sizeof(z));
	assert_fails(rte_fbarray_init(NULL, "x", 10, 4), EINVAL);
	assert_fails(rte_fbarray_init(&a, "x", 0, 4), EINVAL);
	assert_fails(rte_fbarray_init(&a, "x", 10, 0), EINVAL);
	assert_int_equal(rte_fbarray_init(&a, "dpdk-test", 100, 16), 0);
	/* in the runtime directory, as DPDK's */
	snprintf(path, sizeof(path), "%s/fbarray_dpdk-test", rte_eal_get_runtime_dir());
	assert_int_equal(access(path, F_OK), 0);
	assert_fails(rte_fbarray_attach(&a), EEXIST);
	assert_int_equal(a.len, 100);
	assert_int_equal(a.elt_sz, 16);
	assert_int_equal(rte_fbarray_set_used(&a, 10), 0);
	assert_int_equal(rte_fbarray_set_used(&a, 11), 0);
	assert_int_equal(a.count, 2);
	assert_int_equal(rte_fbarray_is_used(&a, 10), 1);
	assert_int_equal(rte_fbarray_is_used(&a, 9), 0);
	assert_fails(rte_fbarray_is_used(&a, 100), EINVAL);
	assert_fails(rte_fbarray_set_used(&a, 100), EINVAL);
	assert_int_equal(rte_fbarray_find_next_used(&a, 0), 10);
	assert_int_equal(rte_fbarray_find_next_free(&a, 10), 12);
	assert_int_equal(rte_fbarray_find_prev_used(&a, 50), 11);
	assert_int_equal(rte_fbarray_find_prev_free(&a, 11), 9);
	assert_int_equal(rte_fbarray_find_next_n_used(&a, 0, 2), 10);
	assert_fails(rte_fbarray_find_next_n_used(&a, 0, 3), ENOENT);
	assert_int_equal(rte_fbarray_find_next_n_free(&a, 5, 5), 5);
	assert_int_equal(rte_fbarray_find_next_n_free(&a, 6, 5), 12);
	assert_int_equal(rte_fbarray_find_prev_n_free(&a, 99, 88), 12);
	assert_fails(rte_fbarray_find_prev_n_free(&a, 99, 89), ENOSPC);
	assert_int_equal(rte_fbarray_find_prev_n_used(&a, 11, 2), 10);
	assert_int_equal(rte_fbarray_find_contig_used(&a, 10), 2);
	assert_int_equal(rte_fbarray_find_contig_free(&a, 12), 88);
	assert_int_equal(rte_fbarray_find_rev_contig_used(&a, 11), 2);
	assert_int_equal(rte_fbarray_find_rev_contig_free(&a, 9), 10);
	assert_int_equal(rte_fbarray_find_biggest_free(&a, 0), 12);
	assert_int_equal(rte_fbarray_find_biggest_used(&a, 0), 10);
	assert_int_equal(rte_fbarray_find_rev_biggest_free(&a, 99), 12);
	assert_int_equal(rte_fbarray_find_rev_biggest_used(&a, 99), 10);
	assert_fails(rte_fbarray_find_next_free(&a, 100), EINVAL);
	assert_fails(rte_fbarray_find_next_free(NULL, 0), EINVAL);
	void *e = rte_fbarray_get(&a, 11);
	assert_non_null(e);
	assert_int_equal(rte_fbarray_find_idx(&a, e), 11);
	assert_fails(rte_fbarray_find_idx(&a, (char *)e + 1), EINVAL);
	assert_null_errno(rte_fbarray_get(&a, 100), EINVAL);
	assert_int_equal(rte_fbarray_set_free(&a, 10), 0);
	assert_int_equal(a.count, 1);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		rte_fbarray_dump_metadata(&a, f);
		rte_fbarray_dump_metadata(NULL, f);
		fclose(f);
		assert_non_null(strstr(buf, "dpdk-test"));
		free(buf);
	}
	rte_fbarray_dump_metadata(&a, NULL);
	assert_int_equal(rte_fbarray_destroy(&a), 0);
	assert_int_equal(access(path, F_OK), -1);
	/* twice: ENOENT, as DPDK */
	assert_fails(rte_fbarray_destroy(&a), ENOENT);
	assert_fails(rte_fbarray_detach(&z), ENOENT);
	assert_fails(rte_fbarray_destroy(NULL), EINVAL);
	/* detach keeps the file; attach maps it again */
	assert_int_equal(rte_fbarray_init(&a, "dpdk-test2", 8, 8), 0);
	assert_int_equal(rte_fbarray_set_used(&a, 3), 0);
	assert_int_equal(rte_fbarray_detach(&a), 0);
	assert_int_equal(rte_fbarray_attach(&a), 0);
	assert_int_equal(rte_fbarray_is_used(&a, 3), 1);
	assert_int_equal(rte_fbarray_destroy(&a), 0);
	assert_check();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dpdk_mem_malloc_invalid_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mem_malloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mem_external_heap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mem_memzone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mem_lookups_and_walks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mem_extmem, setup, teardown),
		cmocka_unit_test_teardown(test_dpdk_mem_segment_fds_in_memory, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mem_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mem_fbarray, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
