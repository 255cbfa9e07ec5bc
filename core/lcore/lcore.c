/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcore table. Process-local. A thread's id lives in TLS tagged with the table's
 * generation, so an id taken before hm_cleanup() reads as HM_LCORE_ID_ANY after a
 * re-init instead of aliasing a new thread's id.
 *
 * Invariant: taken[i] is set for exactly the lcores some live registration holds.
 *
 * Multi-process: an id is this process's in the shared process table (core/mp)
 * while taken[i] or in_set[i]. The set a process asks for at init (hm_config
 * .lcores / .main_lcore: DPDK's -l, --lcores, -c, --main-lcore) is claimed in one
 * step, all or none, before the table is published; its ids stay claimed until
 * lcore_fini, and threads of this process take and give them back locally. Ids
 * outside the set are claimed and released one by one as threads register.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lcore_i.h"
#include "mp_i.h"
#include "hugemem/lcore.h"
#include "hugemem/lock.h"

static struct {
	unsigned int n_lcores;
	unsigned int n_nodes;
	unsigned int main_lcore;
	int16_t node[HM_MAX_LCORE];      /* -1: no such lcore */
	volatile uint8_t taken[HM_MAX_LCORE];
	uint8_t in_set[HM_MAX_LCORE];    /* claimed at init for the whole run (lcore_params) */
} lc = { .main_lcore = HM_LCORE_ID_ANY };

static uint32_t next_gen = 1;
static void (*release_hook)(unsigned int lcore_id);
static void (*adopt_hook)(unsigned int lcore_id);
static uint8_t adopt_pending[HM_MAX_LCORE]; /* claimed at init, before the hook existed */
/* Held by hm_thread_register while it takes an id, and by lcore_freeze. */
static hm_spinlock_t reg_lock = HM_SPINLOCK_INITIALIZER;
/* Table generation, 0 = not initialised; and the calling thread's id tagged with
 * the generation it was taken in. Exported for the inline hm_lcore_id(). */
uint32_t hm_lcore__gen;
__thread struct hm_lcore__tls hm_lcore__self = { 0, HM_LCORE_ID_ANY };

static unsigned int
self_id(void)
{
	return hm_lcore_id();
}

int
lcore_parse_list(const char *opt, const char *s, uint64_t set[LCORE_SET_WORDS])
{
	const char *p = s;
	int n = 0;

	memset(set, 0, LCORE_SET_WORDS * sizeof(set[0]));
	if (s == NULL || *s == '\0')
		goto bad;
	for (;;) {
		unsigned long lo, hi;
		char *end;
		if (*p < '0' || *p > '9')
			goto bad;
		errno = 0;
		lo = strtoul(p, &end, 10);
		if (errno != 0)
			goto bad;
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				goto bad;
			hi = strtoul(p, &end, 10);
			if (errno != 0 || hi < lo)
				goto bad;
			p = end;
		}
		if (hi >= HM_MAX_LCORE) {
			memset(set, 0, LCORE_SET_WORDS * sizeof(set[0]));
			return hm_fail(EINVAL, "%s: lcore %lu in '%s' is not below HM_MAX_LCORE (%u)",
				       opt, hi, s, HM_MAX_LCORE);
		}
		for (unsigned long i = lo; i <= hi; i++) {
			if ((set[i / 64] >> (i % 64)) & 1) {
				memset(set, 0, LCORE_SET_WORDS * sizeof(set[0]));
				return hm_fail(EINVAL, "%s: lcore %lu is given twice in '%s'", opt, i, s);
			}
			set[i / 64] |= 1ull << (i % 64);
			n++;
		}
		if (*p == '\0')
			return n;
		if (*p++ != ',')
			goto bad;
	}
bad:
	memset(set, 0, LCORE_SET_WORDS * sizeof(set[0]));
	return hm_fail(EINVAL, "%s: '%s' is not a list of lcore ids like 0-3,5", opt,
		       s != NULL ? s : "(null)");
}

static bool
in_set(const uint64_t *set, unsigned int i)
{
	return i < HM_MAX_LCORE && ((set[i / 64] >> (i % 64)) & 1) != 0;
}

/* No set asked for: the lowest id no live process uses (one claim per id). */
static int
claim_lowest(void)
{
	unsigned int busy = 0;
	int32_t owner = 0;

	for (unsigned int i = 0; i < lc.n_lcores; i++) {
		if (lc.node[i] < 0)
			continue;
		int c = mp_lcore_claim(i, &owner);
		if (c >= 0) {
			lc.main_lcore = i;
			adopt_pending[i] = c == 1;
			return 0;
		}
		busy++;
	}
	if (busy > 0)
		return hm_fail(ENOSPC, "all %u lcores of the topology are used by other processes "
			       "of this instance (pid %d among them): add lcores to the primary's "
			       "topology", busy, (int)owner);
	return hm_fail(EINVAL, "the topology defines no lcore");
}

/* The process's set, in one step of the process table: all or none. */
static int
claim_set(const struct lcore_params *lp)
{
	uint8_t dead[HM_MAX_LCORE];
	unsigned int busy, main_lcore = lp->main_lcore;
	int32_t owner;
	int rc;

	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		if (!in_set(lp->set, i))
			continue;
		if (i >= lc.n_lcores || lc.node[i] < 0) {
			unsigned int n = 0;
			for (unsigned int k = 0; k < lc.n_lcores; k++)
				n += lc.node[k] >= 0;
			return hm_fail(EINVAL, "lcore %u is not in the topology (it has %u lcore(s) "
				       "below %u; see --topology lcores=)", i, n, lc.n_lcores);
		}
		if (main_lcore == HM_LCORE_ID_ANY)
			main_lcore = i;
	}
	if (!in_set(lp->set, main_lcore))
		return hm_fail(EINVAL, "main lcore %u is not one of the lcores asked for",
			       main_lcore);
	rc = mp_lcore_claim_set(lp->set, dead, &busy, &owner);
	if (rc == -EBUSY)
		return hm_fail(EBUSY, "lcore %u is used by another process of the instance "
			       "(pid %d)", busy, (int)owner);
	if (rc < 0)
		return hm_fail(-rc, "cannot claim the lcore ids");
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		lc.in_set[i] = in_set(lp->set, i);
		adopt_pending[i] = dead[i];
	}
	lc.main_lcore = main_lcore;
	return 0;
}

int
lcore_init(const struct hm_probe *probe, const struct lcore_params *lp)
{
	bool want_set = false;
	int rc;

	memset(&lc, 0, sizeof(lc));
	memset(adopt_pending, 0, sizeof(adopt_pending));
	lc.n_lcores = probe->n_lcores;
	lc.n_nodes = probe->n_nodes;
	lc.main_lcore = HM_LCORE_ID_ANY;
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++)
		lc.node[i] = i < probe->n_lcores ? probe->lcore_node[i] : -1;
	for (unsigned int w = 0; lp != NULL && w < LCORE_SET_WORDS; w++)
		want_set |= lp->set[w] != 0;
	/* attached processes share the ids: the ones asked for, else the lowest free */
	rc = want_set ? claim_set(lp) : claim_lowest();
	if (rc < 0) {
		lc.n_lcores = 0;
		lc.n_nodes = 0;
		memset(adopt_pending, 0, sizeof(adopt_pending));
		return rc;
	}
	/* the main lcore is taken before the table is published */
	lc.taken[lc.main_lcore] = 1;
	hm_lcore__self.gen = next_gen;
	hm_lcore__self.id = lc.main_lcore;
	__atomic_store_n(&hm_lcore__gen, next_gen++, __ATOMIC_RELEASE);
	return 0;
}

void
lcore_fini(void)
{
	for (unsigned int i = 0; i < lc.n_lcores; i++)
		if (lc.taken[i] || lc.in_set[i])
			mp_lcore_release(i);
	memset(adopt_pending, 0, sizeof(adopt_pending));
	__atomic_store_n(&hm_lcore__gen, 0, __ATOMIC_RELEASE);
	lc.n_lcores = 0;
	lc.n_nodes = 0;
	lc.main_lcore = HM_LCORE_ID_ANY;
	memset((void *)lc.in_set, 0, sizeof(lc.in_set));
}

unsigned int
lcore_count_on(int node)
{
	unsigned int n = 0;
	for (unsigned int i = 0; i < lc.n_lcores; i++)
		n += lc.node[i] == node;
	return n;
}

unsigned int
hm_get_main_lcore(void)
{
	return hm_lcore__gen != 0 ? lc.main_lcore : HM_LCORE_ID_ANY;
}

int
hm_socket_id(void)
{
	unsigned int id = self_id();
	return id == HM_LCORE_ID_ANY ? HM_SOCKET_ID_ANY : lc.node[id];
}

int
hm_lcore_to_socket_id(unsigned int lcore_id)
{
	if (hm_lcore__gen == 0)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (lcore_id >= lc.n_lcores || lc.node[lcore_id] < 0)
		return hm_fail(EINVAL, "lcore %u does not exist (topology has %u lcores)",
			       lcore_id, lc.n_lcores);
	return lc.node[lcore_id];
}

unsigned int
hm_lcore_count(void)
{
	unsigned int n = 0;

	if (hm_lcore__gen == 0)
		return 0;
	for (unsigned int i = 0; i < lc.n_lcores; i++)
		n += lc.node[i] >= 0;
	return n;
}

unsigned int
hm_socket_count(void)
{
	return hm_lcore__gen != 0 ? lc.n_nodes : 0;
}

int
hm_lcore_is_enabled(unsigned int lcore_id)
{
	return hm_lcore__gen != 0 && lcore_id < lc.n_lcores && lc.node[lcore_id] >= 0;
}

/* Whether a thread other than the caller holds an lcore id right now. */
static bool
others_registered(void)
{
	unsigned int self = self_id();

	for (unsigned int i = 0; hm_lcore__gen != 0 && i < lc.n_lcores; i++)
		if (i != self && __atomic_load_n(&lc.taken[i], __ATOMIC_ACQUIRE))
			return true;
	return false;
}

bool
lcore_freeze(void)
{
	hm_spinlock_lock(&reg_lock);
	return others_registered();
}

void
lcore_thaw(void)
{
	hm_spinlock_unlock(&reg_lock);
}

void
lcore_on_release(void (*fn)(unsigned int lcore_id))
{
	release_hook = fn;
}

void
lcore_on_adopt(void (*fn)(unsigned int lcore_id))
{
	adopt_hook = fn;
	for (unsigned int i = 0; fn != NULL && i < HM_MAX_LCORE; i++)
		if (adopt_pending[i]) {
			adopt_pending[i] = 0;
			fn(i);
		}
}

/* pre: reg_lock; taken[@p i] just set by the caller. Make id @p i this process's
 * in the process table (ids of the init set already are). @return as
 * mp_lcore_claim: 0, 1 (its last owner died: adopt), -EBUSY (*owner). */
static int
claim_shared(unsigned int i, int32_t *owner)
{
	*owner = 0;
	return lc.in_set[i] ? 0 : mp_lcore_claim(i, owner);
}

/* Give id @p i back to the process table, unless it belongs to the init set. */
static void
release_shared(unsigned int i)
{
	if (!lc.in_set[i])
		mp_lcore_release(i);
}

int
hm_thread_register(void)
{
	if (hm_lcore__gen == 0)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (self_id() != HM_LCORE_ID_ANY)
		return hm_fail(EALREADY, "this thread already is lcore %u", hm_lcore__self.id);
	hm_spinlock_lock(&reg_lock);
	/* the ids this process claimed at init first, then any free one */
	for (unsigned int pass = 0; pass < 2; pass++)
		for (unsigned int i = 0; i < lc.n_lcores; i++) {
			uint8_t exp = 0;
			if (lc.node[i] < 0 || lc.in_set[i] != (pass == 0))
				continue;
			if (!__atomic_compare_exchange_n(&lc.taken[i], &exp, 1, 0, __ATOMIC_ACQ_REL,
							 __ATOMIC_RELAXED))
				continue;
			int32_t owner;
			int c = claim_shared(i, &owner);
			if (c < 0) {
				/* another process of the instance uses it */
				__atomic_store_n(&lc.taken[i], 0, __ATOMIC_RELEASE);
				continue;
			}
			if (c == 1 && adopt_hook != NULL)
				adopt_hook(i);
			hm_lcore__self.gen = hm_lcore__gen;
			hm_lcore__self.id = i;
			hm_spinlock_unlock(&reg_lock);
			return (int)i;
		}
	hm_spinlock_unlock(&reg_lock);
	return hm_fail(ENOSPC, "all %u lcores of the topology are taken by this or another "
		       "process of the instance (add lcores= to the topology)", hm_lcore_count());
}

int
hm_thread_register_id(unsigned int lcore_id)
{
	uint8_t exp = 0;

	if (hm_lcore__gen == 0)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (lcore_id >= lc.n_lcores || lc.node[lcore_id] < 0)
		return hm_fail(EINVAL, "lcore %u does not exist (topology has %u lcores)",
			       lcore_id, lc.n_lcores);
	if (self_id() != HM_LCORE_ID_ANY)
		return hm_fail(EALREADY, "this thread already is lcore %u", hm_lcore__self.id);
	hm_spinlock_lock(&reg_lock);
	if (!__atomic_compare_exchange_n(&lc.taken[lcore_id], &exp, 1, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED)) {
		hm_spinlock_unlock(&reg_lock);
		return hm_fail(EBUSY, "lcore %u is held by another thread", lcore_id);
	}
	int32_t owner;
	int c = claim_shared(lcore_id, &owner);
	if (c < 0) {
		__atomic_store_n(&lc.taken[lcore_id], 0, __ATOMIC_RELEASE);
		hm_spinlock_unlock(&reg_lock);
		return hm_fail(EBUSY, "lcore %u is used by another process of the instance (pid %d)",
			       lcore_id, (int)owner);
	}
	hm_lcore__self.gen = hm_lcore__gen;
	hm_lcore__self.id = lcore_id;
	hm_spinlock_unlock(&reg_lock);
	if (c == 1 && adopt_hook != NULL)
		adopt_hook(lcore_id);
	return (int)lcore_id;
}

int
hm_lcore_set_main(unsigned int lcore_id)
{
	unsigned int self = self_id();
	uint8_t exp = 0;

	if (hm_lcore__gen == 0)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (lcore_id >= lc.n_lcores || lc.node[lcore_id] < 0)
		return hm_fail(EINVAL, "lcore %u does not exist (topology has %u lcores)",
			       lcore_id, lc.n_lcores);
	if (self != lc.main_lcore)
		return hm_fail(EPERM, "only the main lcore's thread can move the main lcore");
	if (lcore_id == self)
		return 0;
	if (__atomic_load_n(&lc.taken[lcore_id], __ATOMIC_ACQUIRE))
		return hm_fail(EBUSY, "lcore %u is held by another thread", lcore_id);
	/* the old id's per-lcore state (malloc cache) goes back before it is free;
	 * only this thread fills that cache, so it stays empty until the swap */
	if (release_hook != NULL)
		release_hook(self);
	hm_spinlock_lock(&reg_lock);
	if (!__atomic_compare_exchange_n(&lc.taken[lcore_id], &exp, 1, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED)) {
		hm_spinlock_unlock(&reg_lock);
		return hm_fail(EBUSY, "lcore %u is held by another thread", lcore_id);
	}
	int32_t owner;
	int c = claim_shared(lcore_id, &owner);
	if (c < 0) {
		__atomic_store_n(&lc.taken[lcore_id], 0, __ATOMIC_RELEASE);
		hm_spinlock_unlock(&reg_lock);
		return hm_fail(EBUSY, "lcore %u is used by another process of the instance (pid %d)",
			       lcore_id, (int)owner);
	}
	hm_lcore__self.id = lcore_id;
	lc.main_lcore = lcore_id;
	release_shared(self);
	__atomic_store_n(&lc.taken[self], 0, __ATOMIC_RELEASE);
	hm_spinlock_unlock(&reg_lock);
	if (c == 1 && adopt_hook != NULL)
		adopt_hook(lcore_id);
	return 0;
}

void
hm_thread_unregister(void)
{
	unsigned int id = self_id();

	if (id == HM_LCORE_ID_ANY || id == lc.main_lcore)
		return; /* the main lcore stays with the thread that called hm_init */
	if (release_hook != NULL)
		release_hook(id);
	hm_spinlock_lock(&reg_lock); /* hm_lcore_check sees both changes or neither */
	release_shared(id);
	__atomic_store_n(&lc.taken[id], 0, __ATOMIC_RELEASE);
	hm_spinlock_unlock(&reg_lock);
	hm_lcore__self.gen = 0;
	hm_lcore__self.id = HM_LCORE_ID_ANY;
}

int
hm_lcore_check(const char **reason)
{
	const char *why = NULL;

	if (hm_lcore__gen == 0)
		return hm_fail(ENODEV, "hugemem is not initialised");
	hm_spinlock_lock(&reg_lock); /* registrations change taken[] and the table under it */
	if (lc.main_lcore >= lc.n_lcores || lc.node[lc.main_lcore] < 0 ||
	    !__atomic_load_n(&lc.taken[lc.main_lcore], __ATOMIC_ACQUIRE))
		why = "the main lcore is not a taken lcore of the topology";
	for (unsigned int i = 0; i < HM_MAX_LCORE && why == NULL; i++) {
		/* held == taken[i] || in_set[i]; held <=> the process table gives it to us */
		bool held = __atomic_load_n(&lc.taken[i], __ATOMIC_ACQUIRE) || lc.in_set[i];
		int mine = mp_lcore_is_mine(i);
		if (held && (i >= lc.n_lcores || lc.node[i] < 0))
			why = "a held lcore is not in the topology";
		else if (mine >= 0 && held && mine == 0)
			why = "an lcore this process holds is another's in the process table";
		else if (mine > 0 && !held)
			why = "the process table gives this process an lcore it does not hold";
	}
	hm_spinlock_unlock(&reg_lock);
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "lcore table is corrupt: %s", why);
	}
	return 0;
}
