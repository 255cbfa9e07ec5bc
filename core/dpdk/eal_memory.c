/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_memory.h, rte_fbarray.h and rte_memzone.h over hugemem's memseg, fbarray
 * and memzone modules. DPDK's structs are hugemem's (asserted below, field by
 * field), so pointers pass through; callbacks go through small trampolines
 * because the callback types differ. hugemem's -errno / hm_errno become -1 /
 * NULL and rte_errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_fbarray.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "dpdk_i.h"
#include "hugemem/backend.h"
#include "hugemem/fbarray.h"
#include "hugemem/init.h"
#include "hugemem/memseg.h"
#include "hugemem/memzone.h"

#define SAME_FIELD(a, fa, b, fb) \
	_Static_assert(offsetof(struct a, fa) == offsetof(struct b, fb) && \
		       sizeof(((struct a *)0)->fa) == sizeof(((struct b *)0)->fb), \
		       #a "." #fa " is not " #b "." #fb)

SAME_FIELD(rte_fbarray, name, hm_fbarray, name);
SAME_FIELD(rte_fbarray, count, hm_fbarray, count);
SAME_FIELD(rte_fbarray, len, hm_fbarray, len);
SAME_FIELD(rte_fbarray, elt_sz, hm_fbarray, elt_sz);
SAME_FIELD(rte_fbarray, hm_flags, hm_fbarray, flags);
SAME_FIELD(rte_fbarray, data, hm_fbarray, data);
SAME_FIELD(rte_fbarray, rwlock, hm_fbarray, rwlock);
_Static_assert(sizeof(struct rte_fbarray) == sizeof(struct hm_fbarray), "fbarray size");
SAME_FIELD(rte_memseg, iova, hm_memseg, iova);
SAME_FIELD(rte_memseg, addr, hm_memseg, addr);
SAME_FIELD(rte_memseg, len, hm_memseg, len);
SAME_FIELD(rte_memseg, hugepage_sz, hm_memseg, page_sz);
SAME_FIELD(rte_memseg, socket_id, hm_memseg, socket_id);
SAME_FIELD(rte_memseg, nchannel, hm_memseg, nchannel);
SAME_FIELD(rte_memseg, nrank, hm_memseg, nrank);
SAME_FIELD(rte_memseg, flags, hm_memseg, flags);
SAME_FIELD(rte_memseg, hm_handle, hm_memseg, handle);
_Static_assert(sizeof(struct rte_memseg) == sizeof(struct hm_memseg), "memseg size");
SAME_FIELD(rte_memseg_list, base_va, hm_memseg_list, base_va);
SAME_FIELD(rte_memseg_list, page_sz, hm_memseg_list, page_sz);
SAME_FIELD(rte_memseg_list, socket_id, hm_memseg_list, socket_id);
SAME_FIELD(rte_memseg_list, version, hm_memseg_list, version);
SAME_FIELD(rte_memseg_list, len, hm_memseg_list, len);
SAME_FIELD(rte_memseg_list, external, hm_memseg_list, external);
SAME_FIELD(rte_memseg_list, heap, hm_memseg_list, heap);
SAME_FIELD(rte_memseg_list, memseg_arr, hm_memseg_list, memseg_arr);
_Static_assert(sizeof(struct rte_memseg_list) == sizeof(struct hm_memseg_list), "msl size");
SAME_FIELD(rte_memzone, name, hm_memzone, name);
SAME_FIELD(rte_memzone, iova, hm_memzone, iova);
SAME_FIELD(rte_memzone, addr, hm_memzone, addr);
SAME_FIELD(rte_memzone, len, hm_memzone, len);
SAME_FIELD(rte_memzone, hugepage_sz, hm_memzone, hugepage_sz);
SAME_FIELD(rte_memzone, socket_id, hm_memzone, socket_id);
SAME_FIELD(rte_memzone, flags, hm_memzone, flags);
_Static_assert(sizeof(struct rte_memzone) == sizeof(struct hm_memzone), "memzone size");
_Static_assert(RTE_MEMSEG_FLAG_DO_NOT_FREE == HM_MEMSEG_FLAG_DO_NOT_FREE &&
	       RTE_MEMSEG_FLAG_DIRTY == HM_MEMSEG_FLAG_DIRTY, "memseg flags");
_Static_assert(RTE_MEMZONE_2MB == HM_MEMZONE_2MB && RTE_MEMZONE_1GB == HM_MEMZONE_1GB &&
	       RTE_MEMZONE_16MB == HM_MEMZONE_16MB && RTE_MEMZONE_16GB == HM_MEMZONE_16GB &&
	       RTE_MEMZONE_256KB == HM_MEMZONE_256KB && RTE_MEMZONE_256MB == HM_MEMZONE_256MB &&
	       RTE_MEMZONE_512MB == HM_MEMZONE_512MB && RTE_MEMZONE_4GB == HM_MEMZONE_4GB &&
	       RTE_MEMZONE_SIZE_HINT_ONLY == HM_MEMZONE_SIZE_HINT_ONLY &&
	       RTE_MEMZONE_IOVA_CONTIG == HM_MEMZONE_IOVA_CONTIG &&
	       RTE_MEMZONE_NAMESIZE == HM_MEMZONE_NAMESIZE, "memzone flags");
_Static_assert(RTE_MEM_EVENT_CALLBACK_NAME_LEN == HM_MEM_EVENT_NAME_LEN &&
	       RTE_MEM_ALLOC_VALIDATOR_NAME_LEN == HM_MEM_EVENT_NAME_LEN, "name lengths");

#define HM_FB(a) ((struct hm_fbarray *)(void *)(a))
#define HM_CFB(a) ((const struct hm_fbarray *)(const void *)(a))

/* -errno from hugemem -> -1 and rte_errno; counts pass through. */
static int
ret_int(int rc)
{
	return rc < 0 ? eal_err(-rc) : rc;
}

static void *
ret_ptr(void *p)
{
	if (p == NULL)
		rte_errno = hm_errno;
	return p;
}

/* ---------------------------------------------------------------- fbarray */

const char *
eal_fbarray_dir(void)
{
	const char *d = eal.up && !eal.no_shconf ? hm_runtime_dir() : NULL;

	return d != NULL && *d != '\0' ? d : NULL;
}

int
rte_fbarray_init(struct rte_fbarray *arr, const char *name, unsigned int len, unsigned int elt_sz)
{
	return ret_int(hm_fbarray_init(HM_FB(arr), name, len, elt_sz, eal_fbarray_dir()));
}

int
rte_fbarray_attach(struct rte_fbarray *arr)
{
	return ret_int(hm_fbarray_attach(HM_FB(arr), eal_fbarray_dir()));
}

int
rte_fbarray_destroy(struct rte_fbarray *arr)
{
	return ret_int(hm_fbarray_destroy(HM_FB(arr)));
}

int
rte_fbarray_detach(struct rte_fbarray *arr)
{
	return ret_int(hm_fbarray_detach(HM_FB(arr)));
}

void *
rte_fbarray_get(const struct rte_fbarray *arr, unsigned int idx)
{
	return ret_ptr(hm_fbarray_get(HM_CFB(arr), idx));
}

int
rte_fbarray_find_idx(const struct rte_fbarray *arr, const void *elt)
{
	return ret_int(hm_fbarray_find_idx(HM_CFB(arr), elt));
}

int
rte_fbarray_set_used(struct rte_fbarray *arr, unsigned int idx)
{
	return ret_int(hm_fbarray_set_used(HM_FB(arr), idx));
}

int
rte_fbarray_set_free(struct rte_fbarray *arr, unsigned int idx)
{
	return ret_int(hm_fbarray_set_free(HM_FB(arr), idx));
}

int
rte_fbarray_is_used(struct rte_fbarray *arr, unsigned int idx)
{
	return ret_int(hm_fbarray_is_used(HM_FB(arr), idx));
}

#define FB_FIND1(name) \
	int rte_fbarray_##name(struct rte_fbarray *arr, unsigned int start) \
	{ \
		return ret_int(hm_fbarray_##name(HM_FB(arr), start)); \
	}
#define FB_FINDN(name) \
	int rte_fbarray_##name(struct rte_fbarray *arr, unsigned int start, unsigned int n) \
	{ \
		return ret_int(hm_fbarray_##name(HM_FB(arr), start, n)); \
	}
FB_FIND1(find_next_free)
FB_FIND1(find_next_used)
FB_FIND1(find_prev_free)
FB_FIND1(find_prev_used)
FB_FINDN(find_next_n_free)
FB_FINDN(find_next_n_used)
FB_FINDN(find_prev_n_free)
FB_FINDN(find_prev_n_used)
FB_FIND1(find_contig_free)
FB_FIND1(find_contig_used)
FB_FIND1(find_rev_contig_free)
FB_FIND1(find_rev_contig_used)
FB_FIND1(find_biggest_free)
FB_FIND1(find_biggest_used)
FB_FIND1(find_rev_biggest_free)
FB_FIND1(find_rev_biggest_used)

void
rte_fbarray_dump_metadata(struct rte_fbarray *arr, FILE *f)
{
	if (f == NULL)
		return;
	if (arr == NULL) {
		fprintf(f, "Invalid pointer to fbarray\n");
		return;
	}
	hm_fbarray_dump(HM_FB(arr), f);
}

/* ---------------------------------------------------------------- lookups */

int
rte_mem_lock_page(const void *virt)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)virt & ~((uintptr_t)pg - 1);

	return mlock((void *)a, (size_t)pg);
}

/* The physical address of @p virt from /proc/self/pagemap, or RTE_BAD_IOVA. */
static phys_addr_t
pagemap_phys(const void *virt)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t ent;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	off_t off = (off_t)((uintptr_t)virt / (uintptr_t)pg * sizeof(ent));

	if (fd < 0)
		return RTE_BAD_IOVA;
	if (pread(fd, &ent, sizeof(ent), off) != (ssize_t)sizeof(ent)) {
		close(fd);
		return RTE_BAD_IOVA;
	}
	close(fd);
	/* bit 63: present; bits 0-54: PFN (reads as 0 without CAP_SYS_ADMIN) */
	if (!(ent >> 63) || (ent & ((1ULL << 55) - 1)) == 0)
		return RTE_BAD_IOVA;
	return (ent & ((1ULL << 55) - 1)) * (uint64_t)pg + ((uintptr_t)virt % (uintptr_t)pg);
}

phys_addr_t
rte_mem_virt2phy(const void *virt)
{
	struct hm_backend *be = hm_backend_get();
	const struct hm_memseg_list *msl = be != NULL ? hm_mem_virt2memseg_list(virt) : NULL;

	if (msl != NULL && !msl->external) {
		/* hugemem's memory: the backend knows its physical address; in PA
		 * mode it is the memseg's IOVA */
		const struct hm_memseg *ms = hm_mem_virt2memseg(virt, msl);
		if (ms == NULL)
			return RTE_BAD_IOVA;
		if (be->ops->virt2iova != NULL)
			return be->ops->virt2iova(be, virt);
		if (hm_memseg_iova_is_va() == 0)
			return ms->iova + ((uintptr_t)virt - (uintptr_t)ms->addr);
		return RTE_BAD_IOVA;
	}
	return pagemap_phys(virt);
}

rte_iova_t
rte_mem_virt2iova(const void *virt)
{
	rte_iova_t iova;

	if (!hm_initialized())
		return RTE_BAD_IOVA;
	iova = hm_mem_virt2iova(virt);
	if (iova != RTE_BAD_IOVA || hm_memseg_iova_is_va() == 1)
		return iova;
	/* memory hugemem does not know: its physical address, as DPDK */
	if (hm_mem_virt2memseg_list(virt) == NULL)
		return pagemap_phys(virt);
	return RTE_BAD_IOVA;
}

void *
rte_mem_iova2virt(rte_iova_t iova)
{
	return ret_ptr(hm_mem_iova2virt(iova));
}

struct rte_memseg *
rte_mem_virt2memseg(const void *virt, const struct rte_memseg_list *msl)
{
	return ret_ptr(hm_mem_virt2memseg(virt, (const struct hm_memseg_list *)(const void *)msl));
}

struct rte_memseg_list *
rte_mem_virt2memseg_list(const void *virt)
{
	return ret_ptr(hm_mem_virt2memseg_list(virt));
}

/* ---------------------------------------------------------------- walks */

struct walk_ctx {
	rte_memseg_walk_t seg;
	rte_memseg_contig_walk_t contig;
	rte_memseg_list_walk_t list;
	void *arg;
	int stop;  /* what the callback returned when it stopped the walk; 0 */
};

static int
seg_tramp(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	struct walk_ctx *c = arg;

	c->stop = c->seg((const struct rte_memseg_list *)(const void *)msl,
			 (const struct rte_memseg *)(const void *)ms, c->arg);
	return c->stop;
}

static int
contig_tramp(const struct hm_memseg_list *msl, const struct hm_memseg *ms, size_t len, void *arg)
{
	struct walk_ctx *c = arg;

	c->stop = c->contig((const struct rte_memseg_list *)(const void *)msl,
			    (const struct rte_memseg *)(const void *)ms, len, c->arg);
	return c->stop;
}

static int
list_tramp(const struct hm_memseg_list *msl, void *arg)
{
	struct walk_ctx *c = arg;

	c->stop = c->list((const struct rte_memseg_list *)(const void *)msl, c->arg);
	return c->stop;
}

/* DPDK's walk results: 0 all walked, 1 stopped, -1 the callback's error (or the
 * walk could not run: rte_errno ENODEV, EDEADLK). */
static int
walk_ret(const struct walk_ctx *c, int rc)
{
	if (c->stop != 0)
		return c->stop > 0 ? 1 : -1;
	return ret_int(rc);
}

#define WALK(name, field, tramp, type) \
	int rte_memseg_##name(type func, void *arg) \
	{ \
		struct walk_ctx c = { .field = func, .arg = arg }; \
		if (func == NULL) \
			return eal_err(EINVAL); \
		return walk_ret(&c, hm_memseg_##name(tramp, &c)); \
	}

WALK(walk, seg, seg_tramp, rte_memseg_walk_t)
WALK(contig_walk, contig, contig_tramp, rte_memseg_contig_walk_t)
WALK(list_walk, list, list_tramp, rte_memseg_list_walk_t)
WALK(walk_thread_unsafe, seg, seg_tramp, rte_memseg_walk_t)
WALK(contig_walk_thread_unsafe, contig, contig_tramp, rte_memseg_contig_walk_t)
WALK(list_walk_thread_unsafe, list, list_tramp, rte_memseg_list_walk_t)

/* ---------------------------------------------------------------- segment fds */

/* hugemem's hm_memseg_get_fd has DPDK's contract (EINVAL, ENOENT, ENOTSUP, ENODEV). */
static int
seg_fd(const struct rte_memseg *ms, size_t *offset, bool need_offset, bool locked)
{
	const void *raw = ms; /* rte_memseg is packed; an hm_memseg lies at the same address */
	const struct hm_memseg *hms = raw;
	uint64_t off = 0;
	int rc;

	if (need_offset && offset == NULL)
		return eal_err(EINVAL);
	rc = locked ? hm_memseg_get_fd(hms, &off) : hm_memseg_get_fd_thread_unsafe(hms, &off);
	if (rc < 0)
		return eal_err(-rc);
	if (!need_offset)
		return rc;
	*offset = (size_t)off;
	return 0;
}

int
rte_memseg_get_fd(const struct rte_memseg *ms)
{
	return seg_fd(ms, NULL, false, true);
}

int
rte_memseg_get_fd_thread_unsafe(const struct rte_memseg *ms)
{
	return seg_fd(ms, NULL, false, false);
}

int
rte_memseg_get_fd_offset(const struct rte_memseg *ms, size_t *offset)
{
	return seg_fd(ms, offset, true, true);
}

int
rte_memseg_get_fd_offset_thread_unsafe(const struct rte_memseg *ms, size_t *offset)
{
	return seg_fd(ms, offset, true, false);
}

/* ---------------------------------------------------------------- extmem */

int
rte_extmem_register(void *va_addr, size_t len, rte_iova_t iova_addrs[], unsigned int n_pages,
		    size_t page_sz)
{
	return ret_int(hm_extmem_register(va_addr, len, iova_addrs,
					  iova_addrs != NULL ? n_pages : 0, page_sz));
}

int
rte_extmem_unregister(void *va_addr, size_t len)
{
	return ret_int(hm_extmem_unregister(va_addr, len));
}

int
rte_extmem_attach(void *va_addr, size_t len)
{
	return ret_int(hm_extmem_attach(va_addr, len));
}

int
rte_extmem_detach(void *va_addr, size_t len)
{
	return ret_int(hm_extmem_detach(va_addr, len));
}

/* ---------------------------------------------------------------- state */

struct dump_ctx {
	FILE *f;
	const void *msl; /* the list of the last segment printed */
	int list;        /* its number */
};

static int
dump_seg(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	struct dump_ctx *d = arg;
	int idx = hm_fbarray_find_idx(&msl->memseg_arr, ms);

	if (d->msl != msl) {
		d->msl = msl;
		d->list++;
	}
	fprintf(d->f, "Segment %d-%d: IOVA:0x%" PRIx64 ", len:%" PRIu64 ", virt:%p, "
		"socket_id:%" PRId32 ", hugepage_sz:%" PRIu64 ", nchannel:%" PRIx32
		", nrank:%" PRIx32 "%s\n", d->list, idx, ms->iova, ms->len, ms->addr,
		ms->socket_id, ms->page_sz, ms->nchannel, ms->nrank,
		msl->external ? " (external)" : "");
	return 0;
}

void
rte_dump_physmem_layout(FILE *f)
{
	struct dump_ctx d = { f, NULL, -1 };

	if (f == NULL || !hm_initialized())
		return;
	hm_memseg_walk(dump_seg, &d);
}

static int
size_list(const struct hm_memseg_list *msl, void *arg)
{
	if (!msl->external)
		*(uint64_t *)arg += (uint64_t)msl->memseg_arr.count * msl->page_sz;
	return 0;
}

uint64_t
rte_eal_get_physmem_size(void)
{
	uint64_t total = 0;

	if (hm_initialized())
		hm_memseg_list_walk(size_list, &total);
	return total;
}

unsigned int
rte_memory_get_nchannel(void)
{
	return eal.nchannel;
}

unsigned int
rte_memory_get_nrank(void)
{
	return eal.nrank;
}

static uint8_t dma_maskbits; /* 0: none set */

struct dma_ctx {
	uint64_t mask;
	bool ok;
};

static int
dma_seg(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	struct dma_ctx *c = arg;

	(void)msl;
	if (ms->iova != RTE_BAD_IOVA && ((ms->iova + ms->len - 1) & ~c->mask) != 0) {
		c->ok = false;
		return 1;
	}
	return 0;
}

static int
check_dma(uint8_t maskbits, bool locked)
{
	struct dma_ctx c = { .ok = true };

	if (maskbits > 63) {
		RTE_LOG(ERR, EAL, "wrong DMA mask size %u (max 63)\n", maskbits);
		return -1;
	}
	c.mask = maskbits == 0 ? 0 : (~0ULL >> (64 - maskbits));
	if (locked)
		hm_memseg_walk(dma_seg, &c);
	else
		hm_memseg_walk_thread_unsafe(dma_seg, &c);
	if (!c.ok)
		return -1;
	rte_mem_set_dma_mask(maskbits);
	return 0;
}

int
rte_mem_check_dma_mask(uint8_t maskbits)
{
	return check_dma(maskbits, true);
}

int
rte_mem_check_dma_mask_thread_unsafe(uint8_t maskbits)
{
	return check_dma(maskbits, false);
}

void
rte_mem_set_dma_mask(uint8_t maskbits)
{
	if (dma_maskbits == 0 || maskbits < dma_maskbits)
		dma_maskbits = maskbits;
}

int
rte_eal_using_phys_addrs(void)
{
	return hm_memseg_iova_is_va() == 0;
}

/* ---------------------------------------------------------------- memory events */

/* One rte callback; hugemem calls ev_tramp with the entry as its argument. */
struct ev_entry {
	struct ev_entry *next;
	char name[RTE_MEM_EVENT_CALLBACK_NAME_LEN];
	rte_mem_event_callback_t clb;
	void *arg;
};

static struct ev_entry *ev_list;
static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;

static void
ev_tramp(enum hm_mem_event ev, const void *addr, size_t len, void *arg)
{
	struct ev_entry *e = arg;

	e->clb(ev == HM_MEM_EVENT_ALLOC ? RTE_MEM_EVENT_ALLOC : RTE_MEM_EVENT_FREE, addr, len,
	       e->arg);
}

int
rte_mem_event_callback_register(const char *name, rte_mem_event_callback_t clb, void *arg)
{
	struct ev_entry *e, **tail;
	int rc;

	if (name == NULL || clb == NULL)
		return eal_err(EINVAL);
	if (strnlen(name, RTE_MEM_EVENT_CALLBACK_NAME_LEN) == RTE_MEM_EVENT_CALLBACK_NAME_LEN)
		return eal_err(ENAMETOOLONG);
	pthread_mutex_lock(&ev_lock);
	for (e = ev_list; e != NULL; e = e->next)
		if (e->arg == arg && strcmp(e->name, name) == 0) {
			pthread_mutex_unlock(&ev_lock);
			return eal_err(EEXIST);
		}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		pthread_mutex_unlock(&ev_lock);
		return eal_err(ENOMEM);
	}
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->clb = clb;
	e->arg = arg;
	rc = hm_mem_event_callback_register(name, ev_tramp, e);
	if (rc < 0) {
		pthread_mutex_unlock(&ev_lock);
		free(e);
		return eal_err(-rc);
	}
	for (tail = &ev_list; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = e;
	pthread_mutex_unlock(&ev_lock);
	return 0;
}

int
rte_mem_event_callback_unregister(const char *name, void *arg)
{
	struct ev_entry **pp;
	int rc;

	if (name == NULL)
		return eal_err(EINVAL);
	pthread_mutex_lock(&ev_lock);
	for (pp = &ev_list; *pp != NULL; pp = &(*pp)->next) {
		struct ev_entry *e = *pp;
		if (e->arg != arg || strcmp(e->name, name) != 0)
			continue;
		rc = hm_mem_event_callback_unregister(name, e);
		if (rc < 0) {
			pthread_mutex_unlock(&ev_lock);
			return eal_err(-rc);
		}
		*pp = e->next;
		free(e);
		pthread_mutex_unlock(&ev_lock);
		return 0;
	}
	pthread_mutex_unlock(&ev_lock);
	return eal_err(hm_initialized() ? ENOENT : ENODEV);
}

void
eal_memory_fini(void)
{
	struct ev_entry *e;

	pthread_mutex_lock(&ev_lock);
	while ((e = ev_list) != NULL) {
		ev_list = e->next;
		free(e);
	}
	pthread_mutex_unlock(&ev_lock);
	dma_maskbits = 0;
}

int
rte_mem_alloc_validator_register(const char *name, rte_mem_alloc_validator_t clb, int socket_id,
				 size_t limit)
{
	/* the callback types are the same: hugemem calls it directly */
	return ret_int(hm_mem_alloc_validator_register(name, clb, socket_id, limit));
}

int
rte_mem_alloc_validator_unregister(const char *name, int socket_id)
{
	return ret_int(hm_mem_alloc_validator_unregister(name, socket_id));
}

/* ---------------------------------------------------------------- memzones */

#define RTE_MZ(z) ((const struct rte_memzone *)(const void *)(z))

const struct rte_memzone *
rte_memzone_reserve(const char *name, size_t len, int socket_id, unsigned int flags)
{
	return ret_ptr((void *)(uintptr_t)RTE_MZ(hm_memzone_reserve(name, len, socket_id, flags)));
}

const struct rte_memzone *
rte_memzone_reserve_aligned(const char *name, size_t len, int socket_id, unsigned int flags,
			    unsigned int align)
{
	return ret_ptr((void *)(uintptr_t)RTE_MZ(
		hm_memzone_reserve_aligned(name, len, socket_id, flags, align)));
}

const struct rte_memzone *
rte_memzone_reserve_bounded(const char *name, size_t len, int socket_id, unsigned int flags,
			    unsigned int align, unsigned int bound)
{
	return ret_ptr((void *)(uintptr_t)RTE_MZ(
		hm_memzone_reserve_bounded(name, len, socket_id, flags, align, bound)));
}

int
rte_memzone_free(const struct rte_memzone *mz)
{
	const void *z = mz; /* the same object (layout asserted above) */
	int rc = hm_memzone_free(z);

	if (rc < 0)
		rte_errno = -rc;
	return rc;
}

const struct rte_memzone *
rte_memzone_lookup(const char *name)
{
	return ret_ptr((void *)(uintptr_t)RTE_MZ(hm_memzone_lookup(name)));
}

void
rte_memzone_dump(FILE *f)
{
	if (f != NULL)
		hm_memzone_dump(f);
}

struct mz_walk {
	void (*func)(const struct rte_memzone *, void *);
	void *arg;
};

static int
mz_tramp(const struct hm_memzone *mz, void *arg)
{
	struct mz_walk *w = arg;

	w->func(RTE_MZ(mz), w->arg);
	return 0;
}

void
rte_memzone_walk(void (*func)(const struct rte_memzone *, void *arg), void *arg)
{
	struct mz_walk w = { func, arg };

	if (func != NULL)
		hm_memzone_walk(mz_tramp, &w);
}
