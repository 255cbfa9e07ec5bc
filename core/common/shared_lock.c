/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared locks (hugemem/lock.h): the public face of the robust spinlock
 * (robust.c, robust_i.h), for libraries built over hugemem's public API that
 * keep locks in shared memory (sim/ethdev's ports). Waiting, takeover, repair
 * and poisoning are robust_lock's; this file only checks arguments and who
 * holds a word before it releases it.
 *
 * Word values (robust_i.h): 0 free; the holder's process tag; ROBUST_POISON |
 * pid when a repair failed.
 */
#include <errno.h>
#include <stddef.h>

#include "common_i.h"
#include "hugemem/lock.h"
#include "robust_i.h"

int
hm_shared_lock(hm_spinlock_t *l, const char *what, hm_shared_repair_fn repair, void *arg)
{
	struct robust_recover rec = {
		.what = what != NULL ? what : "a shared lock",
		.repair = repair,
		.arg = arg,
	};

	if (l == NULL)
		return hm_fail(EINVAL, "shared lock: NULL lock");
	return robust_lock(l, &rec);
}

int
hm_shared_trylock(hm_spinlock_t *l)
{
	uint32_t cur;

	if (l == NULL)
		return hm_fail(EINVAL, "shared trylock: NULL lock");
	if (robust_trylock(l))
		return 1;
	cur = (uint32_t)__atomic_load_n(&l->locked, __ATOMIC_RELAXED);
	if (cur & ROBUST_POISON)
		return hm_fail(EOWNERDEAD, "shared lock at %p was left inconsistent by process %u, "
			       "which died while holding it", (void *)l, cur & ~ROBUST_POISON);
	return 0;
}

int
hm_shared_unlock(hm_spinlock_t *l)
{
	uint32_t cur;

	if (l == NULL)
		return hm_fail(EINVAL, "shared unlock: NULL lock");
	cur = (uint32_t)__atomic_load_n(&l->locked, __ATOMIC_RELAXED);
	if (cur == 0)
		return hm_fail(EINVAL, "shared unlock: the lock at %p is not held", (void *)l);
	if (cur & ROBUST_POISON)
		return hm_fail(EINVAL, "shared unlock: the lock at %p is poisoned (process %u "
			       "died holding it), nobody holds it", (void *)l, cur & ~ROBUST_POISON);
	if (cur != robust_self_tag())
		return hm_fail(EPERM, "shared unlock: the lock at %p is held by another process",
			       (void *)l);
	robust_unlock(l);
	return 0;
}

int
hm_shared_held(const hm_spinlock_t *l)
{
	return l != NULL &&
	       (uint32_t)__atomic_load_n(&l->locked, __ATOMIC_RELAXED) == robust_self_tag();
}

int32_t
hm_shared_poisoned(const hm_spinlock_t *l)
{
	uint32_t cur;

	if (l == NULL)
		return 0;
	cur = (uint32_t)__atomic_load_n(&l->locked, __ATOMIC_RELAXED);
	if (!(cur & ROBUST_POISON))
		return 0;
	return (cur & ~ROBUST_POISON) != 0 ? (int32_t)(cur & ~ROBUST_POISON) : -1;
}
