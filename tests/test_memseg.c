/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memseg conformance tests: list sizing, page allocation and release, node
 * placement, IOVA<->VA lookups, walks, legacy mode, fault injection, and a
 * randomised model test. Run once per backend suite ($HUGEMEM_TEST_BACKEND);
 * topologies are emu topology strings, which hm_test_init_cfg turns into caps
 * on the machine under hugetlbfs. A test that needs a second node or 4K pages
 * uses node hm_test_node_b() / checks hm_test_has_page_sz(), so that it runs
 * on one-node machines with 2M hugepages only; fault injection and synthetic
 * IOVA layouts are emu features (hm_test_need_emu).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "hugemem/emu.h"

#define MB2 (2ULL << 20)
#define KB4 4096ULL

static const char *const TOPO2 = "nodes=2;2M=64,64;4K=256,256;lcores=0@0,1@1;iova=shuffled;seed=7";

static void
assert_valid(void)
{
	const char *why = NULL;
	int rc = hm_memseg_check(&why);
	if (rc != 0)
		fail_msg("memseg check: %s", why != NULL ? why : "?");
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

/* ------------------------------------------------------------------ */

static int
count_cb(const struct hm_memseg_list *msl, void *arg)
{
	(void)msl;
	++*(int *)arg;
	return 0;
}

static void
test_memseg_invalid_args(void **state)
{
	struct hm_memseg *ms[4], fake, *bad[2];
	int dummy, n = 0;
	(void)state;

	hm_test_quiet_log();
	/* before init */
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 0, 0), -ENODEV);
	assert_int_equal(hm_memseg_free_pages(ms, 1), -ENODEV);
	assert_null(hm_mem_virt2memseg(&dummy, NULL));
	assert_int_equal(hm_errno, ENODEV);
	assert_true(hm_mem_virt2iova(&dummy) == HM_BAD_IOVA);
	assert_null(hm_mem_iova2virt(0));
	assert_int_equal(hm_memseg_walk(NULL, NULL), -EINVAL);
	assert_int_equal(hm_memseg_list_walk(count_cb, &n), -ENODEV);
	assert_int_equal(hm_memseg_check(NULL), -ENODEV);
	assert_int_equal(hm_memseg_list_count(), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), -ENODEV);
	assert_int_equal(hm_memseg_iova_is_va(), -ENODEV);
	assert_int_equal(hm_memseg_walk(page_cb0, NULL), -ENODEV);
	assert_int_equal(hm_memseg_contig_walk(run_cb0, NULL), -ENODEV);
	hm_memseg_dump(NULL);
	hm_memseg_dump(stderr); /* "not initialised" */

	assert_int_equal(hm_test_init_topo(TOPO2), 0);
	hm_memseg_dump(NULL);
	/* alloc */
	assert_int_equal(hm_memseg_alloc_pages(NULL, 1, MB2, 0, 0), -EINVAL);
	assert_int_equal(hm_memseg_alloc_pages(ms, 0, MB2, 0, 0), -EINVAL);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, 3 << 20, 0, 0), -EINVAL);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, 0, 0, 0), -EINVAL);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, 1ULL << 30, 0, 0), -EINVAL); /* no 1G lists */
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, HM_SOCKET_ID_ANY, 0), -EINVAL);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 2, 0), -EINVAL);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 1000, 0), -EINVAL);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 0, 0x80), -EINVAL);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1u << 31, MB2, 0, 0), -EINVAL);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_memseg_mapped_bytes(-1), -EINVAL);
	assert_int_equal(hm_memseg_mapped_bytes(2), -EINVAL);
	assert_valid();

	/* free: nothing is unmapped when any entry is bad */
	assert_int_equal(hm_memseg_alloc_pages(ms, 2, MB2, 0, 0), 2);
	assert_int_equal(hm_memseg_free_pages(NULL, 1), -EINVAL);
	assert_int_equal(hm_memseg_free_pages(ms, 0), -EINVAL);
	memset(&fake, 0, sizeof(fake));
	bad[0] = ms[0];
	bad[1] = &fake; /* foreign pointer */
	assert_int_equal(hm_memseg_free_pages(bad, 2), -EINVAL);
	bad[1] = (struct hm_memseg *)((char *)ms[1] + 8); /* inside an element */
	assert_int_equal(hm_memseg_free_pages(bad, 2), -EINVAL);
	bad[1] = ms[0]; /* the same page twice */
	assert_int_equal(hm_memseg_free_pages(bad, 2), -EINVAL);
	bad[1] = NULL;
	assert_int_equal(hm_memseg_free_pages(bad, 2), -EINVAL);
	assert_int_equal(hm_memseg_mapped_bytes(0), (int64_t)(2 * MB2));
	assert_valid();
	assert_int_equal(hm_memseg_free_pages(ms, 2), 0);
	/* double free: the memseg is no longer mapped */
	assert_int_equal(hm_memseg_free_pages(ms, 1), -EINVAL);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);

	/* lookups of foreign addresses */
	assert_null(hm_mem_virt2memseg(&dummy, NULL));
	assert_int_equal(hm_errno, ENOENT);
	assert_null(hm_mem_virt2memseg_list(&dummy));
	assert_int_equal(hm_errno, ENOENT);
	assert_true(hm_mem_virt2iova(&dummy) == HM_BAD_IOVA);
	assert_null(hm_mem_iova2virt(0x1234));
	assert_int_equal(hm_errno, ENOENT);
	assert_null(hm_mem_virt2memseg(ms[0]->addr, NULL)); /* freed: slot not mapped */
	assert_int_equal(hm_errno, ENOENT);

	/* walks and contiguity checks */
	assert_int_equal(hm_memseg_walk(NULL, NULL), -EINVAL);
	assert_int_equal(hm_memseg_contig_walk(NULL, NULL), -EINVAL);
	assert_int_equal(hm_memseg_list_walk(NULL, NULL), -EINVAL);
	struct hm_memseg_list *msl = hm_mem_virt2memseg_list((char *)ms[0]);
	assert_null(msl); /* a memseg struct is not inside any list's VA */
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 0, 0), 1);
	msl = hm_mem_virt2memseg_list(ms[0]->addr);
	assert_non_null(msl);
	assert_int_equal(hm_memseg_is_iova_contig(NULL, ms[0]->addr, 10), -EINVAL);
	assert_int_equal(hm_memseg_is_iova_contig(msl, ms[0]->addr, 0), -EINVAL);
	assert_int_equal(hm_memseg_is_iova_contig(msl, &dummy, 10), -EINVAL);
	assert_int_equal(hm_memseg_is_iova_contig(msl, ms[0]->addr, MB2 + 1), -EINVAL);
	assert_int_equal(hm_memseg_is_iova_contig(msl, ms[0]->addr, MB2), 1);
	/* a list that is not one of ours (a caller's copy) is refused, not read */
	struct hm_memseg_list copy = *msl;
	assert_int_equal(hm_memseg_is_iova_contig(&copy, ms[0]->addr, MB2), -EINVAL);
	assert_null(hm_mem_virt2memseg(ms[0]->addr, &copy));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_mem_virt2memseg(ms[0]->addr, (struct hm_memseg_list *)((char *)msl + 8)));
	assert_int_equal(hm_errno, EINVAL);
	assert_int_equal(hm_memseg_free_pages(ms, 1), 0);
	assert_valid();
}

static void
test_memseg_check_detects_corruption(void **state)
{
	struct hm_memseg *ms[2];
	const char *why = NULL;
	int nb = hm_test_node_b();
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(hm_test_init_topo(TOPO2), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 2, MB2, nb, 0), 2);
	struct hm_memseg_list *msl = hm_mem_virt2memseg_list(ms[0]->addr);
	struct hm_memseg saved = *ms[1];

	ms[1]->socket_id = nb == 0 ? 1 : 0;
	assert_int_equal(hm_memseg_check(&why), -EFAULT);
	assert_non_null(strstr(why, "node"));
	*ms[1] = saved;
	ms[1]->addr = (char *)ms[1]->addr + MB2;
	assert_int_equal(hm_memseg_check(&why), -EFAULT);
	assert_non_null(strstr(why, "addr"));
	*ms[1] = saved;
	ms[1]->len = 4096;
	assert_int_equal(hm_memseg_check(&why), -EFAULT);
	*ms[1] = saved;
	/* a free slot must be all zeros */
	struct hm_memseg *free_slot = (struct hm_memseg *)msl->memseg_arr.data + 5;
	free_slot->iova = 1;
	assert_int_equal(hm_memseg_check(&why), -EFAULT);
	assert_non_null(strstr(why, "free slot"));
	free_slot->iova = 0;
	/* the used mask must agree with the count */
	msl->memseg_arr.count++;
	assert_int_equal(hm_memseg_check(&why), -EFAULT);
	msl->memseg_arr.count--;
	assert_int_equal(hm_memseg_check(&why), 0);
	assert_int_equal(hm_memseg_free_pages(ms, 2), 0);
}

/* versions move on success only */
static void
test_memseg_versions(void **state)
{
	struct hm_memseg *ms[4];
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(hm_test_init_topo("nodes=1;2M=4"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 0, 0), 1);
	struct hm_memseg_list *msl = hm_mem_virt2memseg_list(ms[0]->addr);
	uint32_t v = msl->version;
	assert_int_equal(hm_memseg_alloc_pages(ms + 1, 1, MB2, 0, 0), 1);
	assert_int_equal(msl->version, v + 1);
	/* rejected: no change */
	assert_int_equal(hm_memseg_alloc_pages(ms + 2, 4, MB2, 0, 0), -ENOMEM);
	assert_int_equal(msl->version, v + 1);
	/* rolled back (the pool runs dry after 2 of 3): no change */
	assert_int_equal(hm_memseg_alloc_pages(ms + 2, 3, MB2, 0, 0), -ENOMEM);
	assert_int_equal(msl->version, v + 1);
	assert_int_equal(hm_memseg_free_pages(ms, 1), 0);
	assert_int_equal(msl->version, v + 2);
	assert_int_equal(hm_memseg_free_pages(ms + 1, 1), 0);
	assert_int_equal(msl->version, v + 3);
	assert_valid();
}

/* a fault injected into a multi-page request rolls back without a version change */
static void
test_memseg_versions_fault(void **state)
{
	struct hm_memseg *ms[4];
	(void)state;

	hm_test_need_emulated("fault injection (hm_backend_fault) is an emu and fuse feature");
	hm_test_quiet_log();
	assert_int_equal(hm_test_init_topo("nodes=1;2M=4;iova=fragmented;seed=3"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 0, 0), 1);
	struct hm_memseg_list *msl = hm_mem_virt2memseg_list(ms[0]->addr);
	uint32_t v = msl->version;
	assert_int_equal(hm_memseg_alloc_pages(ms + 1, 1, MB2, 0, 0), 1);
	assert_int_equal(msl->version, v + 1);
	assert_int_equal(hm_memseg_free_pages(ms, 1), 0);
	assert_int_equal(msl->version, v + 2);
	assert_int_equal(hm_backend_fault("nth=2"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms + 2, 2, MB2, 0, 0), -ENOMEM);
	assert_int_equal(msl->version, v + 2);
	assert_int_equal(hm_memseg_free_pages(ms + 1, 1), 0);
	assert_int_equal(msl->version, v + 3);
}

/* A walk callback may look things up while a writer waits; it may not allocate. */
struct walker {
	pthread_t writer;
	int started;
	int lookups_ok;
	int alloc_rc;
};

static void *
writer_thread(void *arg)
{
	struct hm_memseg *ms[1];
	(void)arg;
	/* blocks on the hotplug write lock until the walk ends */
	if (hm_memseg_alloc_pages(ms, 1, MB2, 0, 0) == 1)
		hm_memseg_free_pages(ms, 1);
	return NULL;
}

static int
nested_cb(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	struct walker *w = arg;
	struct hm_memseg *out[1];
	(void)msl;

	if (!w->started) {
		w->started = 1;
		pthread_create(&w->writer, NULL, writer_thread, NULL);
		usleep(100 * 1000); /* let it queue on the lock (no timing assertion) */
	}
	w->lookups_ok += hm_mem_iova2virt(ms->iova) == ms->addr &&
			 hm_mem_virt2memseg(ms->addr, NULL) == ms && hm_memseg_check(NULL) == 0;
	w->alloc_rc = hm_memseg_alloc_pages(out, 1, MB2, 0, 0);
	return 0;
}

static void
test_memseg_walk_callbacks_may_look_up(void **state)
{
	struct hm_memseg *ms[3];
	struct walker w = { 0 };
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(hm_test_init_topo(TOPO2), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 3, MB2, hm_test_node_b(), 0), 3);
	assert_int_equal(hm_memseg_walk(nested_cb, &w), 0);
	pthread_join(w.writer, NULL);
	assert_int_equal(w.lookups_ok, 3);
	assert_int_equal(w.alloc_rc, -EDEADLK);
	assert_valid();
}

/* Placement: best effort takes the biggest run; exact moves on to the next list. */
static void
test_memseg_placement_rules(void **state)
{
	struct hm_config c;
	struct hm_memseg *ms[32], *fr[16];
	(void)state;

	hm_config_init(&c);
	c.topology = "nodes=1;2M=48";
	c.limits.max_segs_per_list = 16;
	c.limits.max_segs_per_type = 32;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 16, MB2, 0, 0), 16);
	char *base = ms[0]->addr;
	/* free runs: [1], [3..8], [12..13] */
	int k = 0;
	fr[k++] = ms[1];
	for (int i = 3; i <= 8; i++)
		fr[k++] = ms[i];
	fr[k++] = ms[12];
	fr[k++] = ms[13];
	assert_int_equal(hm_memseg_free_pages(fr, (unsigned int)k), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms + 16, 10, MB2, 0, HM_MEMSEG_ALLOC_BEST_EFFORT), 6);
	assert_ptr_equal(ms[16]->addr, base + 3 * MB2);
	/* exact 2: slot 12 is the first run of 2 in list 0 */
	assert_int_equal(hm_memseg_alloc_pages(ms + 22, 2, MB2, 0, 0), 2);
	assert_ptr_equal(ms[22]->addr, base + 12 * MB2);
	/* exact 2 again: list 0 only has slot 1 left, so list 1 serves it */
	assert_int_equal(hm_memseg_alloc_pages(ms + 24, 2, MB2, 0, 0), 2);
	assert_ptr_not_equal(hm_mem_virt2memseg_list(ms[24]->addr), hm_mem_virt2memseg_list(base));
	assert_valid();
}

/* ------------------------------------------------------------------ */

static void
test_memseg_two_node_placement_and_iova(void **state)
{
	struct hm_memseg *ms[8];
	(void)state;

	assert_int_equal(hm_test_init_topo(TOPO2), 0);
	assert_int_equal(hm_memseg_iova_is_va(), 0);
	for (int node = 0; node <= hm_test_node_b(); node++) {
		for (int s = 0; s < 2; s++) {
			uint64_t pg = s == 0 ? MB2 : KB4;
			if (!hm_test_has_page_sz(pg))
				continue;
			struct hm_memseg_list *msl;
			uint32_t v0;

			assert_int_equal(hm_memseg_alloc_pages(ms, 8, pg, node, 0), 8);
			msl = hm_mem_virt2memseg_list(ms[0]->addr);
			assert_non_null(msl);
			assert_int_equal(msl->socket_id, node);
			assert_true(msl->page_sz == pg);
			v0 = msl->version;
			for (int i = 0; i < 8; i++) {
				char *va = ms[i]->addr;
				assert_int_equal(ms[i]->socket_id, node);
				assert_true(ms[i]->len == pg);
				assert_int_equal((uintptr_t)va % pg, 0);
				/* VA-contiguous in one list */
				assert_ptr_equal(va, (char *)ms[0]->addr + i * pg);
				/* usable memory, zeroed */
				assert_int_equal(va[0], 0);
				assert_int_equal(va[pg - 1], 0);
				memset(va, 0x5a, 64);
				va[pg - 1] = (char)i;
				/* round trips at several offsets */
				for (uint64_t off = 0; off < pg; off += pg / 4 + 1) {
					hm_iova_t io = hm_mem_virt2iova(va + off);
					assert_true(io == ms[i]->iova + off);
					assert_ptr_equal(hm_mem_iova2virt(io), va + off);
				}
				assert_ptr_equal(hm_mem_virt2memseg(va + pg / 2, NULL), ms[i]);
				assert_ptr_equal(hm_mem_virt2memseg(va, msl), ms[i]);
			}
			assert_valid();
			void *va[8];
			for (int i = 0; i < 8; i++)
				va[i] = ms[i]->addr;
			assert_int_equal(hm_memseg_free_pages(ms, 8), 0);
			assert_true(msl->version != v0);
			for (int i = 0; i < 8; i++) {
				/* the memseg is zeroed, the VA stays reserved */
				assert_true(ms[i]->len == 0 && ms[i]->iova == 0 && ms[i]->addr == NULL);
				assert_true(hm_test_va_mapped(va[i], pg));
			}
			assert_valid();
		}
	}
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_memseg_mapped_bytes(hm_test_node_b()), 0);
}

static void
test_memseg_freed_va_stays_reserved(void **state)
{
	struct hm_memseg *ms[4];
	void *va[4];
	(void)state;

	assert_int_equal(hm_test_init_topo(TOPO2), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 4, MB2, hm_test_node_b(), 0), 4);
	for (int i = 0; i < 4; i++)
		va[i] = ms[i]->addr;
	assert_int_equal(hm_memseg_free_pages(ms, 4), 0);
	for (int i = 0; i < 4; i++) {
		assert_true(hm_test_va_mapped(va[i], MB2));
		assert_null(hm_mem_virt2memseg(va[i], NULL));
		/* the list still owns the range */
		assert_non_null(hm_mem_virt2memseg_list(va[i]));
	}
	/* and the same slots come back first (first fit) */
	assert_int_equal(hm_memseg_alloc_pages(ms, 4, MB2, hm_test_node_b(), 0), 4);
	for (int i = 0; i < 4; i++)
		assert_ptr_equal(ms[i]->addr, va[i]);
	assert_valid();
}

/* ------------------------------------------------------------------ */

struct list_count {
	unsigned int per[2][2]; /* [2M, 4K][node] */
	int bad;
};

static int
count_lists(const struct hm_memseg_list *msl, void *arg)
{
	struct list_count *L = arg;

	L->per[msl->page_sz == MB2 ? 0 : 1][msl->socket_id]++;
	if (msl->memseg_arr.len != 8192 || msl->len != msl->page_sz * 8192 ||
	    (uintptr_t)msl->base_va % msl->page_sz != 0)
		L->bad++;
	return 0;
}

static void
test_memseg_list_sizing_default(void **state)
{
	struct list_count L;
	(void)state;

	memset(&L, 0, sizeof(L));
	assert_int_equal(hm_test_init_topo(TOPO2), 0);
	/* per (size, node) type, per-type cap 64G: 2M -> 4 lists of 8192 (16G each);
	 * 4K -> 4 lists of 8192 (32768 segs per type). emu: 4 types, 16 lists;
	 * hugetlbfs on one node with 2M pages: 1 type, 4 lists. */
	int types = (hm_test_node_b() + 1) * (hm_test_has_page_sz(KB4) ? 2 : 1);
	assert_int_equal(hm_memseg_list_count(), 4 * types);
	assert_int_equal(hm_memseg_list_walk(count_lists, &L), 0);
	assert_int_equal(L.bad, 0);
	for (int sz = 0; sz < 2; sz++)
		for (int n = 0; n < 2; n++)
			assert_int_equal(L.per[sz][n], n <= hm_test_node_b() &&
							       (sz == 0 || hm_test_has_page_sz(KB4))
						       ? 4 : 0);
}

static int
stop_cb(const struct hm_memseg_list *msl, void *arg)
{
	(void)msl;
	return ++*(int *)arg == 3 ? 77 : 0;
}

static void
test_memseg_list_sizing_limits(void **state)
{
	struct hm_config c;
	struct hm_memseg *ms[40];
	int n = 0;
	(void)state;

	hm_config_init(&c);
	c.topology = "nodes=1;2M=40";
	c.limits.max_segs_per_list = 16;
	c.limits.max_segs_per_type = 32;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	/* 32 segs per type in lists of 16: two lists */
	assert_int_equal(hm_memseg_list_count(), 2);
	assert_int_equal(hm_memseg_list_walk(stop_cb, &n), 0);
	assert_int_equal(n, 2);
	/* exact: no list holds 17 in a row */
	assert_int_equal(hm_memseg_alloc_pages(ms, 17, MB2, 0, 0), -ENOSPC);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	/* best effort: the biggest run of the first list with room */
	assert_int_equal(hm_memseg_alloc_pages(ms, 17, MB2, 0, HM_MEMSEG_ALLOC_BEST_EFFORT), 16);
	assert_int_equal(hm_memseg_alloc_pages(ms + 16, 17, MB2, 0, HM_MEMSEG_ALLOC_BEST_EFFORT), 16);
	/* both lists full: 32 pages is all the VA the limits allow */
	assert_int_equal(hm_memseg_alloc_pages(ms + 32, 1, MB2, 0, 0), -ENOSPC);
	assert_valid();
	assert_int_equal(hm_memseg_free_pages(ms, 32), 0);
	assert_valid();
	hm_cleanup();

	/* walk stop value is returned */
	hm_config_init(&c);
	c.topology = TOPO2;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	n = 0;
	assert_int_equal(hm_memseg_list_walk(stop_cb, &n), 77);
	assert_int_equal(n, 3);
}

/* ------------------------------------------------------------------ */

static void
test_memseg_exhaustion_leaves_state_unchanged(void **state)
{
	struct hm_memseg *ms[9];
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(hm_test_init_topo("nodes=1;2M=8"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 9, MB2, 0, 0), -ENOMEM);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_test_pages_in_use(0, MB2), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 8, MB2, 0, 0), 8);
	assert_int_equal(hm_memseg_alloc_pages(ms + 8, 1, MB2, 0, 0), -ENOMEM);
	assert_non_null(strstr(hm_last_error(), "node 0"));
	assert_int_equal(hm_memseg_mapped_bytes(0), (int64_t)(8 * MB2));
	assert_valid();
	/* best effort keeps what it got before the pool ran dry */
	assert_int_equal(hm_memseg_free_pages(ms + 4, 4), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms + 4, 6, MB2, 0, HM_MEMSEG_ALLOC_BEST_EFFORT), 4);
	assert_int_equal(hm_test_pages_in_use(0, MB2), 8);
	assert_valid();
}

static void
test_memseg_fault_injection(void **state)
{
	struct hm_memseg *ms[8];
	struct hm_config c;
	(void)state;

	hm_test_need_emu("fault injection (hm_backend_fault, params->fault) is an emu feature");
	hm_test_quiet_log();
	assert_int_equal(hm_test_init_topo(TOPO2), 0);
	/* the 3rd page map fails: an exact request of 5 maps nothing */
	assert_int_equal(hm_backend_fault("nth=3"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 5, MB2, 0, 0), -ENOMEM);
	assert_non_null(strstr(hm_last_error(), "injected"));
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_test_pages_in_use(0, MB2), 0);
	assert_valid();
	/* the fault fired once: the next request succeeds */
	assert_int_equal(hm_memseg_alloc_pages(ms, 5, MB2, 0, 0), 5);
	assert_int_equal(hm_memseg_free_pages(ms, 5), 0);
	/* best effort keeps the pages before the fault */
	assert_int_equal(hm_backend_fault("nth=3"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 5, MB2, 0, HM_MEMSEG_ALLOC_BEST_EFFORT), 2);
	assert_int_equal(hm_memseg_free_pages(ms, 2), 0);
	/* a failing node: only that node */
	assert_int_equal(hm_backend_fault("node=1"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, KB4, 1, 0), -ENOMEM);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, KB4, 0, 0), 1);
	assert_int_equal(hm_memseg_free_pages(ms, 1), 0);
	/* a shrunk pool */
	assert_int_equal(hm_backend_fault("clear;pool=1:2M:3"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 4, MB2, 1, 0), -ENOMEM);
	assert_int_equal(hm_memseg_alloc_pages(ms, 3, MB2, 1, 0), 3);
	assert_int_equal(hm_memseg_free_pages(ms, 3), 0);
	assert_int_equal(hm_backend_fault("bogus=1"), -EINVAL);
	assert_int_equal(hm_backend_fault(NULL), -EINVAL);
	assert_valid();
	hm_cleanup();
	assert_int_equal(hm_backend_fault("clear"), -ENODEV);

	/* a fault during preallocation fails init cleanly */
	hm_config_init(&c);
	c.topology = TOPO2;
	c.fault = "nth=2";
	c.memory = 8 * MB2;
	assert_int_equal(hm_test_init_cfg(&c), -ENOMEM);
	assert_false(hm_initialized());
}

/* ------------------------------------------------------------------ */

static void
test_memseg_prealloc_and_limits(void **state)
{
	struct hm_config c;
	struct hm_memseg *ms[4];
	int nb = hm_test_node_b();
	(void)state;

	hm_test_quiet_log();
	hm_config_init(&c);
	c.topology = TOPO2;
	c.socket_mem_set = true;
	c.socket_mem[0] = 4 * MB2;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), (int64_t)(4 * MB2));
	assert_valid();
	/* preallocated pages are never released; the next page follows them */
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 0, 0), 1);
	struct hm_memseg *pre = hm_mem_virt2memseg((char *)ms[0]->addr - 4 * MB2, NULL);
	assert_non_null(pre);
	assert_true(pre->flags & HM_MEMSEG_FLAG_DO_NOT_FREE);
	assert_false(ms[0]->flags & HM_MEMSEG_FLAG_DO_NOT_FREE);
	ms[1] = pre;
	assert_int_equal(hm_memseg_free_pages(&ms[1], 1), -EBUSY);
	assert_int_equal(hm_memseg_free_pages(ms, 2), -EBUSY); /* nothing freed */
	assert_non_null(hm_mem_virt2memseg(ms[0]->addr, NULL));
	assert_int_equal(hm_memseg_free_pages(ms, 1), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), (int64_t)(4 * MB2));
	hm_cleanup();

	/* more than everything: a clear ENOMEM, nothing left */
	hm_config_init(&c);
	c.topology = "nodes=1;2M=4";
	c.memory = 5 * MB2;
	assert_int_equal(hm_test_init_cfg(&c), -ENOMEM);
	assert_false(hm_initialized());

	/* a remainder no page size covers exactly takes one more smallest page */
	hm_config_init(&c);
	c.topology = "nodes=1;2M=8";
	c.socket_mem_set = true;
	c.socket_mem[0] = 1 << 20;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), (int64_t)MB2);
	hm_cleanup();

	/* --socket-limit caps growth per node; a request that exactly fills it is fine */
	hm_config_init(&c);
	c.topology = TOPO2;
	c.socket_limit_set = true;
	c.socket_limit[0] = 2 * MB2;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 2, MB2, 0, 0), 2);
	assert_int_equal(hm_memseg_free_pages(ms, 2), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 3, MB2, 0, 0), -ENOMEM);
	assert_non_null(strstr(hm_last_error(), "socket-limit"));
	assert_int_equal(hm_memseg_alloc_pages(ms, 3, MB2, 0, HM_MEMSEG_ALLOC_BEST_EFFORT), 2);
	if (hm_test_has_page_sz(KB4))
		assert_int_equal(hm_memseg_alloc_pages(ms + 2, 1, KB4, 0, 0), -ENOMEM);
	if (nb != 0)
		assert_int_equal(hm_memseg_alloc_pages(ms + 2, 2, MB2, nb, 0), 2); /* unlimited */
	assert_valid();
}

/* Preallocation over two nodes: --socket-mem per node, -m split by lcores, spill. */
static void
test_memseg_prealloc_two_nodes(void **state)
{
	struct hm_config c;
	(void)state;

	hm_test_need_nodes(2);
	hm_test_quiet_log();
	if (hm_test_has_page_sz(KB4)) {
		hm_config_init(&c);
		c.topology = TOPO2;
		c.socket_mem_set = true;
		c.socket_mem[0] = 4 * MB2;
		c.socket_mem[1] = MB2 + 3 * KB4;
		assert_int_equal(hm_test_init_cfg(&c), 0);
		assert_int_equal(hm_memseg_mapped_bytes(0), (int64_t)(4 * MB2));
		/* largest pages first, the remainder in 4K pages */
		assert_int_equal(hm_memseg_mapped_bytes(1), (int64_t)(MB2 + 3 * KB4));
		assert_valid();
		hm_cleanup();
	}

	/* -m splits over nodes by lcore count: here 1 lcore each */
	hm_config_init(&c);
	c.topology = TOPO2;
	c.memory = 8 * MB2;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), (int64_t)(4 * MB2));
	assert_int_equal(hm_memseg_mapped_bytes(1), (int64_t)(4 * MB2));
	hm_cleanup();
	/* all lcores on node 1: all memory there */
	hm_config_init(&c);
	c.topology = "nodes=2;2M=64,64;lcores=0-1@1";
	c.memory = 8 * MB2;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_memseg_mapped_bytes(1), (int64_t)(8 * MB2));
	hm_cleanup();
	/* more than the node holds spills to the next node */
	hm_config_init(&c);
	c.topology = "nodes=2;2M=4,64;lcores=0-1@0";
	c.memory = 6 * MB2;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), (int64_t)(4 * MB2));
	assert_int_equal(hm_memseg_mapped_bytes(1), (int64_t)(2 * MB2));
	hm_cleanup();
	/* more than everything: a clear ENOMEM, nothing left */
	hm_config_init(&c);
	c.topology = "nodes=2;2M=4,4";
	c.memory = 9 * MB2;
	assert_int_equal(hm_test_init_cfg(&c), -ENOMEM);
	assert_false(hm_initialized());
}

/* ------------------------------------------------------------------ */

static void
test_memseg_iova_layouts(void **state)
{
	struct hm_memseg *ms[16];
	(void)state;

	hm_test_need_emulated("iova=contig|fragmented are synthetic IOVA layouts");
	hm_test_quiet_log();
	/* contig: consecutive frames are IOVA-contiguous */
	assert_int_equal(hm_test_init_topo("nodes=1;2M=32;iova=contig"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 16, MB2, 0, HM_MEMSEG_ALLOC_IOVA_CONTIG), 16);
	struct hm_memseg_list *msl = hm_mem_virt2memseg_list(ms[0]->addr);
	assert_int_equal(hm_memseg_is_iova_contig(msl, ms[0]->addr, 16 * MB2), 1);
	assert_valid();
	hm_cleanup();

	/* fragmented: runs of at most 4 frames, so 8 contiguous is impossible */
	assert_int_equal(hm_test_init_topo("nodes=1;2M=32;iova=fragmented;seed=3"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 8, MB2, 0, HM_MEMSEG_ALLOC_IOVA_CONTIG), -ENOMEM);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_test_pages_in_use(0, MB2), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 8, MB2, 0, 0), 8);
	msl = hm_mem_virt2memseg_list(ms[0]->addr);
	assert_int_equal(hm_memseg_is_iova_contig(msl, ms[0]->addr, 8 * MB2), 0);
	/* a range inside one page is always contiguous */
	assert_int_equal(hm_memseg_is_iova_contig(msl, (char *)ms[3]->addr + 5, 100), 1);
	/* but the IOVAs are distinct and translate back */
	for (int i = 0; i < 8; i++) {
		for (int j = 0; j < i; j++)
			assert_true(ms[i]->iova != ms[j]->iova);
		assert_ptr_equal(hm_mem_iova2virt(ms[i]->iova + 7), (char *)ms[i]->addr + 7);
	}
	assert_valid();
}

/* --iova-mode=va: IOVA is the address itself, on any backend */
static void
test_memseg_iova_as_va(void **state)
{
	struct hm_memseg *ms[3];
	struct hm_config c;
	(void)state;

	hm_config_init(&c);
	c.topology = TOPO2;
	c.iova_mode = HM_IOVA_VA;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	assert_int_equal(hm_memseg_iova_is_va(), 1);
	assert_int_equal(hm_memseg_alloc_pages(ms, 3, MB2, hm_test_node_b(),
					       HM_MEMSEG_ALLOC_IOVA_CONTIG), 3);
	for (int i = 0; i < 3; i++) {
		assert_true(ms[i]->iova == (uintptr_t)ms[i]->addr);
		assert_ptr_equal(hm_mem_iova2virt(ms[i]->iova + 1), (char *)ms[i]->addr + 1);
	}
	assert_valid();
}

/* ------------------------------------------------------------------ */

struct walk_acc {
	int pages;
	int runs;
	size_t run_len[8];
	int stop_at;
};

static int
page_cb(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	struct walk_acc *w = arg;
	(void)msl;
	(void)ms;
	return ++w->pages == w->stop_at ? -5 : 0;
}

static int
run_cb(const struct hm_memseg_list *msl, const struct hm_memseg *ms, size_t len, void *arg)
{
	struct walk_acc *w = arg;
	(void)msl;
	(void)ms;
	if (w->runs < 8)
		w->run_len[w->runs] = len;
	w->runs++;
	return 0;
}

static void
test_memseg_walks(void **state)
{
	struct hm_memseg *ms[7], *hole[2];
	struct walk_acc w;
	(void)state;

	assert_int_equal(hm_test_init_topo("nodes=1;2M=16"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 7, MB2, 0, 0), 7);
	hole[0] = ms[3];
	hole[1] = ms[4];
	assert_int_equal(hm_memseg_free_pages(hole, 2), 0);

	memset(&w, 0, sizeof(w));
	assert_int_equal(hm_memseg_walk(page_cb, &w), 0);
	assert_int_equal(w.pages, 5);
	memset(&w, 0, sizeof(w));
	assert_int_equal(hm_memseg_contig_walk(run_cb, &w), 0);
	assert_int_equal(w.runs, 2);
	assert_true(w.run_len[0] == 3 * MB2);
	assert_true(w.run_len[1] == 2 * MB2);
	memset(&w, 0, sizeof(w));
	w.stop_at = 2;
	assert_int_equal(hm_memseg_walk(page_cb, &w), -5);
	assert_int_equal(w.pages, 2);
}


/* ------------------------------------------------------------------ */

/* One mode of page fds: the fd maps the very page (both ways), stays the same,
 * is closed with the page; an unused entry is ENOENT afterwards. */
static void
page_fds_mode(bool in_memory, bool sfs)
{
	struct hm_config c;
	struct hm_memseg *ms[2];
	uint64_t off[2] = { 1, 1 }, off2 = 7;
	int fd[2];
	bool emu = hm_test_is_emu();

	hm_config_init(&c);
	c.topology = "nodes=1;2M=4";
	c.in_memory = in_memory;
	c.single_file_segments = sfs;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 2, MB2, 0, 0), 2);
	fd[0] = hm_memseg_get_fd(ms[0], &off[0]);
	if (in_memory && (emu || fd[0] == -ENOTSUP)) {
		/* emu's in-memory pages, hugetlbfs's MAP_HUGETLB ones: anonymous */
		assert_int_equal(fd[0], -ENOTSUP);
		assert_int_equal(off[0], 1);
		assert_int_equal(hm_memseg_get_fd_thread_unsafe(ms[1], NULL), -ENOTSUP);
		assert_int_equal(hm_memseg_free_pages(ms, 2), 0);
		assert_int_equal(hm_cleanup(), 0);
		return;
	}
	assert_true(fd[0] >= 0);
	fd[1] = hm_memseg_get_fd_thread_unsafe(ms[1], &off[1]);
	assert_true(fd[1] >= 0);
	assert_int_equal(hm_memseg_get_fd(ms[0], &off2), fd[0]); /* the same fd again */
	assert_int_equal(off2, off[0]);
	assert_int_equal(hm_memseg_get_fd(ms[0], NULL), fd[0]);
	if (sfs) { /* one file per list: same fd, offsets by slot */
		assert_int_equal(fd[0], fd[1]);
		assert_true(off[0] != off[1]);
	} else {
		assert_true(fd[0] != fd[1]);
		assert_int_equal(off[0], 0);
		assert_int_equal(off[1], 0);
	}
	for (int i = 0; i < 2; i++) {
		struct stat st;
		unsigned char *m;

		assert_int_equal(fstat(fd[i], &st), 0);
		assert_true((uint64_t)st.st_size >= off[i] + MB2);
		m = mmap(NULL, MB2, PROT_READ | PROT_WRITE, MAP_SHARED, fd[i], (off_t)off[i]);
		assert_true(m != MAP_FAILED);
		memset(ms[i]->addr, 0x5a + i, 4096);
		assert_int_equal(m[100], 0x5a + i);
		m[MB2 - 1] = 0xc3;
		assert_int_equal(((unsigned char *)ms[i]->addr)[MB2 - 1], 0xc3);
		assert_int_equal(munmap(m, MB2), 0);
	}
	struct hm_memseg *gone = ms[1];
	assert_int_equal(hm_memseg_free_pages(&ms[1], 1), 0);
	assert_int_equal(hm_memseg_get_fd(gone, NULL), -ENOENT);
	if (!sfs) /* a page's own fd is closed with it */
		assert_int_equal(fcntl(fd[1], F_GETFD), -1);
	assert_int_equal(hm_memseg_get_fd(ms[0], NULL), fd[0]);
	assert_int_equal(hm_memseg_free_pages(ms, 1), 0);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(fcntl(fd[0], F_GETFD), -1); /* the backend closed it */
}

static void
test_memseg_page_fds(void **state)
{
	static char local[128] __attribute__((aligned(8)));
	struct hm_memseg *ms;
	void *ext;
	(void)state;

	/* bad input, before and after init */
	assert_int_equal(hm_memseg_get_fd(NULL, NULL), -EINVAL);
	assert_int_equal(hm_memseg_get_fd((const struct hm_memseg *)(void *)local, NULL), -ENODEV);
	assert_int_equal(hm_test_init_topo("nodes=1;2M=4"), 0);
	assert_int_equal(hm_memseg_alloc_pages(&ms, 1, MB2, 0, 0), 1);
	assert_int_equal(hm_memseg_get_fd(NULL, NULL), -EINVAL);
	assert_int_equal(hm_memseg_get_fd_thread_unsafe(NULL, NULL), -EINVAL);
	assert_int_equal(hm_memseg_get_fd((const struct hm_memseg *)(void *)local, NULL), -EINVAL);
	/* inside a list's array but not at an entry */
	assert_int_equal(hm_memseg_get_fd((const struct hm_memseg *)(void *)((char *)ms + 8), NULL),
			 -EINVAL);
	assert_int_equal(hm_memseg_get_fd(ms + 1, NULL), -ENOENT); /* the next slot is unused */
	/* external memory has no segment fds */
	ext = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ext != MAP_FAILED);
	assert_int_equal(hm_extmem_register(ext, 4 * 4096, NULL, 0, 4096), 0);
	struct hm_memseg *ems = hm_mem_virt2memseg(ext, NULL);
	assert_non_null(ems);
	assert_int_equal(hm_memseg_get_fd(ems, NULL), -ENOTSUP);
	assert_int_equal(hm_extmem_unregister(ext, 4 * 4096), 0);
	munmap(ext, 4 * 4096);
	assert_int_equal(hm_memseg_free_pages(&ms, 1), 0);
	assert_int_equal(hm_cleanup(), 0);

	page_fds_mode(false, false);
	if (!hm_test_is_emu()) /* emu has no single-file segments */
		page_fds_mode(false, true);
	page_fds_mode(true, false);
}

/* ------------------------------------------------------------------ */

struct first_list {
	int node;
	const struct hm_memseg_list *l;
};

static int
find_first_list(const struct hm_memseg_list *l, void *arg)
{
	struct first_list *f = arg;

	if (l->socket_id == f->node && l->memseg_arr.count > 0) {
		f->l = l;
		return 1;
	}
	return 0;
}

static void
test_memseg_legacy_mode(void **state)
{
	struct hm_config c;
	struct hm_memseg *ms[1];
	(void)state;

	hm_test_quiet_log();
	hm_config_init(&c);
	c.topology = "nodes=2;2M=12,5;iova=shuffled;seed=11";
	c.legacy_mem = true;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	/* everything is mapped at init */
	assert_int_equal(hm_memseg_mapped_bytes(0), (int64_t)(12 * MB2));
	if (hm_test_node_b() != 0)
		assert_int_equal(hm_memseg_mapped_bytes(1), (int64_t)(5 * MB2));
	assert_valid();
	/* and sorted: IOVA grows with VA inside each list */
	for (int node = 0; node <= hm_test_node_b(); node++) {
		struct first_list f = { node, NULL };
		int n = node == 0 ? 12 : 5;

		hm_memseg_list_walk(find_first_list, &f);
		assert_non_null(f.l);
		assert_int_equal(f.l->memseg_arr.count, n);
		const struct hm_memseg *segs = f.l->memseg_arr.data;
		for (int i = 1; i < n; i++)
			assert_true(segs[i].iova > segs[i - 1].iova);
		for (int i = 0; i < n; i++) {
			char *va = segs[i].addr;
			assert_ptr_equal(va, (char *)f.l->base_va + i * MB2);
			va[0] = (char)i;
			va[MB2 - 1] = (char)i;
			assert_ptr_equal(hm_mem_iova2virt(segs[i].iova), va);
			assert_true(hm_mem_virt2iova(va + 5) == segs[i].iova + 5);
			assert_true(segs[i].flags & HM_MEMSEG_FLAG_DO_NOT_FREE);
		}
		ms[0] = (struct hm_memseg *)&segs[0];
		assert_int_equal(hm_memseg_free_pages(ms, 1), -EPERM);
	}
	/* no growth */
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, MB2, 0, 0), -EPERM);
	assert_valid();
}

/* ------------------------------------------------------------------ */

/* Random alloc/free against a shadow model of live pages, with data checks. */
struct live {
	struct hm_memseg *ms;
	void *va;
	uint64_t tag;
	uint64_t pg;
	int node;
};

static void
test_memseg_model(void **state)
{
	static struct live live[512];
	int n_live = 0;
	int64_t bytes[2] = { 0, 0 };
	uint64_t rng = hm_test_seed();
	int nb = hm_test_node_b();
	bool has_4k = hm_test_has_page_sz(KB4);
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(hm_test_init_topo("nodes=2;2M=48,48;4K=128,128;lcores=0@0,1@1;iova=shuffled;seed=5"), 0);
	for (int op = 0; op < (int)hm_test_model_ops(3000); op++) { /* fuse: 300 */
		uint64_t r = hm_test_rand(&rng);
		if ((r & 3) != 0 && n_live < 400) {
			struct hm_memseg *ms[6];
			int node = (int)((r >> 2) & 1) & nb;
			uint64_t pg = (r >> 3) & 1 || !has_4k ? MB2 : KB4;
			unsigned int n = 1 + (unsigned int)((r >> 4) % 6);
			unsigned int fl = (r >> 8) & 1 ? HM_MEMSEG_ALLOC_BEST_EFFORT : 0;
			int got = hm_memseg_alloc_pages(ms, n, pg, node, fl);
			if (got < 0) {
				assert_true(got == -ENOMEM || got == -ENOSPC);
			} else {
				assert_true(fl ? (got >= 1 && (unsigned)got <= n) : (unsigned)got == n);
				for (int i = 0; i < got; i++) {
					struct live *l = &live[n_live++];
					l->ms = ms[i];
					l->va = ms[i]->addr;
					l->pg = pg;
					l->node = node;
					l->tag = hm_test_rand(&rng);
					assert_int_equal(ms[i]->socket_id, node);
					/* fresh pages are zero */
					assert_true(*(uint64_t *)l->va == 0);
					*(uint64_t *)l->va = l->tag;
					*(uint64_t *)((char *)l->va + pg - 8) = ~l->tag;
					bytes[node] += (int64_t)pg;
				}
			}
		} else if (n_live > 0) {
			/* free 1..3 random live pages in one call */
			struct hm_memseg *ms[3];
			int k = 1 + (int)((r >> 2) % 3);
			if (k > n_live)
				k = n_live;
			for (int i = 0; i < k; i++) {
				int j = (int)(hm_test_rand(&rng) % (uint64_t)n_live);
				struct live *l = &live[j];
				assert_true(*(uint64_t *)l->va == l->tag);
				assert_true(*(uint64_t *)((char *)l->va + l->pg - 8) == ~l->tag);
				ms[i] = l->ms;
				bytes[l->node] -= (int64_t)l->pg;
				live[j] = live[--n_live];
			}
			assert_int_equal(hm_memseg_free_pages(ms, (unsigned int)k), 0);
		}
		assert_int_equal(hm_memseg_mapped_bytes(0), bytes[0]);
		if (nb != 0)
			assert_int_equal(hm_memseg_mapped_bytes(1), bytes[1]);
		if (op % 16 == 0) {
			assert_valid();
			for (int i = 0; i < n_live; i++) {
				hm_iova_t io = hm_mem_virt2iova(live[i].va);
				assert_true(io == live[i].ms->iova);
				assert_ptr_equal(hm_mem_iova2virt(io + 8), (char *)live[i].va + 8);
			}
		}
	}
	for (int i = 0; i < n_live; i++)
		assert_true(*(uint64_t *)live[i].va == live[i].tag);
	assert_valid();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_memseg_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_two_node_placement_and_iova, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_freed_va_stays_reserved, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_list_sizing_default, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_list_sizing_limits, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_exhaustion_leaves_state_unchanged, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_fault_injection, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_prealloc_and_limits, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_prealloc_two_nodes, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_iova_layouts, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_iova_as_va, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_walks, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_legacy_mode, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_model, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_check_detects_corruption, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_versions, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_versions_fault, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_walk_callbacks_may_look_up, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_placement_rules, hm_test_teardown),
		cmocka_unit_test_teardown(test_memseg_page_fds, hm_test_teardown),
	};
	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
