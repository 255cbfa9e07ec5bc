/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memseg lists in a secondary process: attach (at init), sync (each page-map
 * change of the primary, from the mp thread), detach (at cleanup).
 *
 * Attach maps every list's fbarray at the primary's address, reserves every
 * list's VA range at exactly the primary's base (a range the kernel gives to
 * something else here is refused naming --base-virtaddr), then, under the memory
 * hotplug read lock, maps every used page through the backend's page_attach and
 * marks this process LIVE in the process table with the sync_seq it has seen.
 *
 * A process-local view (what this process maps: one bit and the page's handle
 * per slot, DPDK's private fbarray) lets sync diff against the shared used
 * masks: a slot used here but free (or holding another page: another handle)
 * there is unmapped first, then every slot used there and not here is attached.
 * Only the lists whose version moved are scanned. The primary holds the hotplug
 * write lock while it waits for this, so the shared tables do not move under
 * the scan; sync itself takes no hugemem lock.
 *
 * Invariant (memseg_attach_check): a slot is mapped here iff it is used in the
 * shared list and its handle is the one recorded here (after each sync).
 */
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include "memseg_i.h"
#include "mp_i.h"

struct lview {
	uint32_t n;            /* slots; 0: this list is not attached here */
	uint32_t version;      /* msl->version applied here */
	void *base;
	uint64_t len, page_sz;
	int node;
	bool external;         /* fbarray only: the memory is the primary's */
	bool va;               /* the list's VA range is reserved here */
	struct hm_fbarray hdr; /* the fbarray as attached (the shared header may go) */
	uint64_t *bits;        /* slot mapped here */
	uint64_t *handles;     /* its handle */
};

static struct {
	struct hm_mem_config *mcfg;
	struct hm_backend *be;
	const char *dir;
	struct lview lv[HM_MAX_MEMSEG_LISTS];
	pthread_mutex_t lock;  /* the backend and the views: attach/sync/detach */
	uint64_t attached;     /* pages mapped here */
} at = { .lock = PTHREAD_MUTEX_INITIALIZER };

static inline bool
bit_get(const uint64_t *b, uint32_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

static inline void
bit_set(uint64_t *b, uint32_t i, bool on)
{
	if (on)
		b[i / 64] |= 1ull << (i % 64);
	else
		b[i / 64] &= ~(1ull << (i % 64));
}

/* @p notify: memory event subscribers of this process hear of it first (a
 * page the primary freed; not when this process detaches) */
static void
unmap_here(unsigned int li, uint32_t k, bool notify)
{
	struct lview *v = &at.lv[li];
	struct hm_page pg = {
		.va = (char *)v->base + (uint64_t)k * v->page_sz,
		.page_sz = v->page_sz,
		.node = v->node,
		.list_idx = li,
		.seg_idx = k,
		.handle = v->handles[k],
	};

	if (notify)
		mem_event_notify(HM_MEM_EVENT_FREE, pg.va, (size_t)pg.page_sz);
	at.be->ops->page_unmap(at.be, &pg);
	bit_set(v->bits, k, false);
	v->handles[k] = 0;
	at.attached--;
}

static int
attach_here(unsigned int li, uint32_t k, const struct hm_memseg *ms, bool notify)
{
	struct lview *v = &at.lv[li];
	struct hm_page pg = {
		.va = (char *)v->base + (uint64_t)k * v->page_sz,
		.page_sz = v->page_sz,
		.node = ms->socket_id,
		.list_idx = li,
		.seg_idx = k,
		.handle = ms->handle,
	};
	int rc = at.be->ops->page_attach(at.be, &pg);

	if (rc < 0)
		return hm_fail(-rc, "cannot attach page %" PRIu32 " of list %s at %p: %s", k,
			       at.mcfg->memsegs[li].memseg_arr.name, pg.va, hm_last_error());
	bit_set(v->bits, k, true);
	v->handles[k] = ms->handle;
	at.attached++;
	if (notify)
		mem_event_notify(HM_MEM_EVENT_ALLOC, pg.va, (size_t)pg.page_sz);
	return 0;
}

/* Unmap what list @p li maps here, release its VA, detach its fbarray. */
static void
drop_list(unsigned int li)
{
	struct lview *v = &at.lv[li];

	if (v->n == 0)
		return;
	for (uint32_t k = 0; k < v->n && !v->external; k++)
		if (bit_get(v->bits, k))
			unmap_here(li, k, false);
	if (v->va)
		hm_va_release(v->base, (size_t)v->len);
	/* the shared header may be gone (an external list the primary removed):
	 * detach by the copy of what this process attached */
	if (hm_fbarray_detach(&v->hdr) < 0)
		HM_LOG(WARNING, "detach of list %u: %s", li, hm_last_error());
	free(v->bits);
	free(v->handles);
	memset(v, 0, sizeof(*v));
}

/* Attach list @p li's fbarray, reserve its VA (not for external lists). */
static int
add_list(unsigned int li)
{
	struct hm_memseg_list *msl = &at.mcfg->memsegs[li];
	struct lview *v = &at.lv[li];
	uint32_t n = msl->memseg_arr.len;
	int rc;

	memset(v, 0, sizeof(*v));
	rc = hm_fbarray_attach(&msl->memseg_arr, at.dir);
	if (rc < 0)
		return hm_fail(-rc, "cannot attach memseg list %s: %s", msl->memseg_arr.name,
			       hm_last_error());
	v->hdr = msl->memseg_arr;
	v->n = n;
	v->base = msl->base_va;
	v->len = msl->len;
	v->page_sz = msl->page_sz;
	v->node = msl->socket_id;
	v->external = msl->external != 0;
	v->version = msl->external ? msl->version : 0;
	v->bits = calloc((n + 63) / 64, sizeof(uint64_t));
	v->handles = calloc(n, sizeof(uint64_t));
	if (v->bits == NULL || v->handles == NULL) {
		drop_list(li);
		return hm_fail(ENOMEM, "attach: out of memory for list %u", li);
	}
	if (v->external)
		return 0;
	if (hm_va_reserve(msl->base_va, (size_t)msl->len, (size_t)msl->page_sz,
			  HM_VA_EXACT) == NULL) {
		char sz[32];
		rc = -hm_errno;
		drop_list(li);
		return hm_fail(-rc, "memseg list %s needs %s of address space at %p as in the "
			       "primary, and that range is in use in this process: start the "
			       "primary with --base-virtaddr at an address free in both "
			       "(e.g. --base-virtaddr=0x%llx)", msl->memseg_arr.name,
			       hm_size_str(msl->len, sz, sizeof(sz)), msl->base_va,
			       0x200000000000ull);
	}
	v->va = true;
	return 0;
}

/* Bring list @p li here in line with the shared one; @p notify: memory event
 * subscribers hear of the changes (after attach, DPDK's order: FREE before an
 * unmap, ALLOC after a map). pre: at.lock. */
static int
sync_list(unsigned int li, bool notify)
{
	struct hm_memseg_list *msl = &at.mcfg->memsegs[li];
	struct lview *v = &at.lv[li];
	uint32_t ver = __atomic_load_n(&msl->version, __ATOMIC_ACQUIRE);
	int rc, next;

	if (msl->len == 0 || li >= at.mcfg->n_lists) {
		drop_list(li);
		return 0;
	}
	if (v->n != 0 && (v->base != msl->base_va || v->len != msl->len ||
			  v->external != (msl->external != 0)))
		drop_list(li);
	if (v->n == 0) {
		rc = add_list(li);
		if (rc < 0)
			return rc;
	}
	if (v->external || ver == v->version)
		return 0;
	/* first what went away (or changed), then what came */
	for (uint32_t k = 0; k < v->n; k++) {
		if (!bit_get(v->bits, k))
			continue;
		const struct hm_memseg *ms = (const struct hm_memseg *)msl->memseg_arr.data + k;
		if (ms->len == 0 || ms->handle != v->handles[k])
			unmap_here(li, k, notify);
	}
	next = fbarray_next_used(&msl->memseg_arr, 0);
	while (next >= 0) {
		uint32_t k = (uint32_t)next;
		const struct hm_memseg *ms = (const struct hm_memseg *)msl->memseg_arr.data + k;
		if (!bit_get(v->bits, k) && ms->len != 0) {
			rc = attach_here(li, k, ms, notify);
			if (rc < 0)
				return rc;
		}
		if (k + 1 >= v->n)
			break;
		next = fbarray_next_used(&msl->memseg_arr, k + 1);
	}
	v->version = ver;
	return 0;
}

int
memseg_sync_local(void)
{
	int rc = 0;

	if (at.mcfg == NULL)
		return 0;
	pthread_mutex_lock(&at.lock);
	for (unsigned int li = 0; li < HM_MAX_MEMSEG_LISTS && rc == 0; li++)
		if (li < at.mcfg->n_lists || at.lv[li].n != 0)
			rc = sync_list(li, true);
	pthread_mutex_unlock(&at.lock);
	return rc;
}

static void
detach_all(void)
{
	for (unsigned int li = 0; li < HM_MAX_MEMSEG_LISTS; li++)
		drop_list(li);
	at.attached = 0;
}

int
memseg_attach(struct hm_mem_config *mcfg, struct hm_backend *be, const char *dir)
{
	int rc = 0;

	if (be->ops->page_attach == NULL)
		return hm_fail(ENOTSUP, "backend %s cannot share pages with another process",
			       be->ops->name);
	pthread_mutex_lock(&at.lock);
	at.mcfg = mcfg;
	at.be = be;
	at.dir = dir;
	memseg_use(mcfg, be, dir);
	/* the lists themselves never change after the primary's init (external
	 * ones aside): reserve them first, outside the lock */
	for (unsigned int li = 0; li < mcfg->n_lists && rc == 0; li++)
		if (mcfg->memsegs[li].len != 0)
			rc = add_list(li);
	if (rc == 0)
		rc = memseg_read_lock(mcfg);
	if (rc == 0) {
		for (unsigned int li = 0; li < mcfg->n_lists && rc == 0; li++)
			rc = sync_list(li, false);
		/* from here every page-map change waits for this process */
		if (rc == 0)
			mp_set_live(__atomic_load_n(&mcfg->mp.sync_seq, __ATOMIC_ACQUIRE));
		memseg_read_unlock(mcfg);
	}
	if (rc < 0) {
		char why[512];
		snprintf(why, sizeof(why), "%s", hm_last_error());
		detach_all();
		memseg_unuse();
		at.mcfg = NULL;
		at.be = NULL;
		pthread_mutex_unlock(&at.lock);
		return hm_fail(-rc, "%s", why);
	}
	pthread_mutex_unlock(&at.lock);
	return 0;
}

void
memseg_detach(void)
{
	if (at.mcfg == NULL)
		return;
	pthread_mutex_lock(&at.lock);
	detach_all();
	memseg_unuse();
	mem_event_fini();
	at.mcfg = NULL;
	at.be = NULL;
	pthread_mutex_unlock(&at.lock);
}

/*
 * pre: a process forked from the one that attached or created the lists, which
 * keeps them. Only this process's view goes: the VA (pages included: munmap
 * of a shared mapping is this process's business), the list fbarrays (unmapped
 * and closed, their flocks stay with the parent's open file), the views' libc
 * memory. No backend call (page_unmap could release a page the parent uses),
 * no lock taken (a parent's thread may have held one at the fork).
 */
void
memseg_forget(void)
{
	struct hm_mem_config *mcfg = memseg_mcfg();

	if (at.mcfg != NULL) { /* a secondary's views */
		for (unsigned int li = 0; li < HM_MAX_MEMSEG_LISTS; li++) {
			struct lview *v = &at.lv[li];
			if (v->n == 0)
				continue;
			if (v->va)
				hm_va_release(v->base, (size_t)v->len);
			hm_fbarray_detach(&v->hdr);
			free(v->bits);
			free(v->handles);
			memset(v, 0, sizeof(*v));
		}
		at.attached = 0;
		at.mcfg = NULL;
		at.be = NULL;
	} else if (mcfg != NULL) { /* the lists the primary made */
		for (unsigned int i = 0; i < mcfg->n_lists; i++) {
			struct hm_memseg_list *msl = &mcfg->memsegs[i];
			if (msl->len == 0)
				continue;
			if (!msl->external) /* external memory is the application's */
				hm_va_release(msl->base_va, msl->len);
			hm_fbarray_detach(&msl->memseg_arr);
		}
	}
	memseg_unuse();
	mem_event_fini();
}

int
memseg_attach_check(const char **reason)
{
	const char *why = NULL;

	if (at.mcfg == NULL)
		return 0;
	pthread_mutex_lock(&at.lock);
	for (unsigned int li = 0; li < at.mcfg->n_lists && why == NULL; li++) {
		const struct hm_memseg_list *msl = &at.mcfg->memsegs[li];
		const struct lview *v = &at.lv[li];
		if (msl->len == 0 || v->external)
			continue;
		if (v->n != msl->memseg_arr.len) {
			why = "a list of the shared config is not attached here";
			break;
		}
		if (v->version != msl->version)
			continue; /* a sync is on its way */
		for (uint32_t k = 0; k < v->n && why == NULL; k++) {
			const struct hm_memseg *ms = (const struct hm_memseg *)msl->memseg_arr.data + k;
			bool used = ms->len != 0;
			if (used != bit_get(v->bits, k) || (used && ms->handle != v->handles[k]))
				why = "a page mapped in the shared list is not mapped here (or the "
				      "other way round)";
		}
	}
	pthread_mutex_unlock(&at.lock);
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "memseg attach view is corrupt: %s", why);
	}
	return 0;
}

uint64_t
memseg_attached_pages(void)
{
	return at.attached;
}
