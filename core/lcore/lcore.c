/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcore table. Process-local. A thread's id lives in TLS tagged with the table's
 * generation, so an id taken before hm_cleanup() reads as HM_LCORE_ID_ANY after a
 * re-init instead of aliasing a new thread's id.
 *
 * Invariant: taken[i] is set for exactly the lcores some live registration holds.
 */
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
lcore_init(const struct hm_probe *probe)
{
	memset(&lc, 0, sizeof(lc));
	lc.n_lcores = probe->n_lcores;
	lc.n_nodes = probe->n_nodes;
	lc.main_lcore = HM_LCORE_ID_ANY;
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++)
		lc.node[i] = i < probe->n_lcores ? probe->lcore_node[i] : -1;
	/* attached processes share the ids: the lowest one no live process uses */
	unsigned int busy = 0;
	int32_t owner = 0;
	for (unsigned int i = 0; i < lc.n_lcores; i++) {
		if (lc.node[i] < 0)
			continue;
		int c = mp_lcore_claim(i, &owner);
		if (c >= 0) {
			lc.main_lcore = i;
			adopt_pending[i] = c == 1;
			break;
		}
		busy++;
	}
	if (lc.main_lcore == HM_LCORE_ID_ANY && busy > 0)
		return hm_fail(ENOSPC, "all %u lcores of the topology are used by other processes "
			       "of this instance (pid %d among them): add lcores to the primary's "
			       "topology", busy, (int)owner);
	if (lc.main_lcore == HM_LCORE_ID_ANY)
		return hm_fail(EINVAL, "the topology defines no lcore");
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
		if (lc.taken[i])
			mp_lcore_release(i);
	memset(adopt_pending, 0, sizeof(adopt_pending));
	__atomic_store_n(&hm_lcore__gen, 0, __ATOMIC_RELEASE);
	lc.n_lcores = 0;
	lc.n_nodes = 0;
	lc.main_lcore = HM_LCORE_ID_ANY;
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

int
hm_thread_register(void)
{
	if (hm_lcore__gen == 0)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (self_id() != HM_LCORE_ID_ANY)
		return hm_fail(EALREADY, "this thread already is lcore %u", hm_lcore__self.id);
	hm_spinlock_lock(&reg_lock);
	for (unsigned int i = 0; i < lc.n_lcores; i++) {
		uint8_t exp = 0;
		if (lc.node[i] < 0)
			continue;
		if (__atomic_compare_exchange_n(&lc.taken[i], &exp, 1, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			int32_t owner;
			int c = mp_lcore_claim(i, &owner);
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
	int c = mp_lcore_claim(lcore_id, &owner);
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
	int c = mp_lcore_claim(lcore_id, &owner);
	if (c < 0) {
		__atomic_store_n(&lc.taken[lcore_id], 0, __ATOMIC_RELEASE);
		hm_spinlock_unlock(&reg_lock);
		return hm_fail(EBUSY, "lcore %u is used by another process of the instance (pid %d)",
			       lcore_id, (int)owner);
	}
	hm_lcore__self.id = lcore_id;
	lc.main_lcore = lcore_id;
	mp_lcore_release(self);
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
	mp_lcore_release(id);
	__atomic_store_n(&lc.taken[id], 0, __ATOMIC_RELEASE);
	hm_lcore__self.gen = 0;
	hm_lcore__self.id = HM_LCORE_ID_ANY;
}
