/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tail queue registry (rte_tailq.h): named list heads shared by every process
 * of an instance.
 *
 * Elements register in a process-local list (usually from constructors, before
 * rte_eal_init). The heads live in a memzone, HEADS_MZ, reserved when the first
 * head is needed (so a program with no tailq has no such zone), found by name in
 * a process attaching to a running instance, and freed by rte_eal_cleanup of the
 * process that reserved it. rte_eal_init gives every registered element its head,
 * a registration after init gets one at once, cleanup sets every element's head
 * back to NULL, so that init -> cleanup -> init works with the same elements.
 *
 * Invariants (eal_tailq_check, while the EAL is up):
 *   zone->magic == TAILQ_MAGIC, zone->n <= RTE_MAX_TAILQ
 *   heads[0..n) have distinct non-empty NUL-terminated names
 *   each head's list is well linked: tqh_last is the address of the last next pointer
 *   every registered element's head is one of heads[0..n) with the element's name
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include <rte_tailq.h>

#include "dpdk_i.h"
#include "hugemem/hugemem.h"

#define HEADS_MZ "hm_dpdk_tailqs"
#define TAILQ_MAGIC 0x544c5148u /* "TLQH" */
#define MAX_WALK (1u << 24)    /* entries a check follows before calling a list a loop */

struct tailq_zone {
	uint32_t magic;
	uint32_t n;              /* heads in use; only grows while the instance lives */
	hm_rwlock_t lock;        /* process-shared: guards n and the heads' names */
	struct rte_tailq_head heads[RTE_MAX_TAILQ];
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER; /* elems, mz, zone */
static RTE_TAILQ_HEAD(, rte_tailq_elem) elems = TAILQ_HEAD_INITIALIZER(elems);
static const struct hm_memzone *mz; /* HEADS_MZ, once attached, while the EAL is up */
static bool mz_owner;               /* this process reserved it and frees it */
static struct tailq_zone *zone;     /* mz->addr, or NULL */
static bool up;                     /* between eal_tailqs_init and eal_tailqs_fini */

/*
 * Find the heads' zone or, with @p create, reserve it. pre: reg_lock held, up.
 * @return 0 or an errno (with a log line when @p create).
 */
static int
zone_attach(bool create)
{
	if (zone != NULL)
		return 0;
	mz = create ? hm_memzone_reserve(HEADS_MZ, sizeof(struct tailq_zone), HM_SOCKET_ID_ANY, 0)
		    : NULL;
	mz_owner = mz != NULL;
	if (mz == NULL && (!create || hm_errno == EEXIST))
		mz = hm_memzone_lookup(HEADS_MZ); /* another process's, or none yet */
	if (mz == NULL) {
		if (create)
			RTE_LOG(ERR, EAL, "Cannot reserve the tailq heads: %s\n", hm_last_error());
		return create ? hm_errno : ENOENT;
	}
	zone = mz->addr;
	if (mz_owner) {
		memset(zone, 0, sizeof(*zone));
		hm_rwlock_init(&zone->lock);
		__atomic_store_n(&zone->magic, TAILQ_MAGIC, __ATOMIC_RELEASE);
	} else if (mz->len < sizeof(struct tailq_zone) ||
		   __atomic_load_n(&zone->magic, __ATOMIC_ACQUIRE) != TAILQ_MAGIC) {
		RTE_LOG(ERR, EAL, "memzone " HEADS_MZ " does not hold tailq heads\n");
		mz = NULL;
		zone = NULL;
		return EINVAL;
	}
	return 0;
}

/* The head named @p name; pre: zone lock held. */
static struct rte_tailq_head *
find_head(const char *name)
{
	for (uint32_t i = 0; i < zone->n; i++)
		if (strncmp(zone->heads[i].name, name, RTE_TAILQ_NAMESIZE) == 0)
			return &zone->heads[i];
	return NULL;
}

/* The head named @p name, made when there is none; NULL when all are taken. */
static struct rte_tailq_head *
head_get(const char *name)
{
	struct rte_tailq_head *h;

	hm_rwlock_write_lock(&zone->lock);
	h = find_head(name);
	if (h == NULL && zone->n < RTE_MAX_TAILQ) {
		h = &zone->heads[zone->n];
		TAILQ_INIT(&h->tailq_head);
		snprintf(h->name, sizeof(h->name), "%s", name);
		__atomic_store_n(&zone->n, zone->n + 1, __ATOMIC_RELEASE);
	}
	hm_rwlock_write_unlock(&zone->lock);
	return h;
}

static bool
name_ok(const char *name)
{
	size_t n = strnlen(name, RTE_TAILQ_NAMESIZE);

	return n > 0 && n < RTE_TAILQ_NAMESIZE;
}

int
rte_eal_tailq_register(struct rte_tailq_elem *t)
{
	struct rte_tailq_elem *e;
	int err = 0;

	if (t == NULL)
		return eal_err(EINVAL);
	if (!name_ok(t->name)) {
		t->head = NULL;
		RTE_LOG(ERR, EAL, "tailq name must be 1..%d characters\n", RTE_TAILQ_NAMESIZE - 1);
		return eal_err(EINVAL);
	}
	pthread_mutex_lock(&reg_lock);
	TAILQ_FOREACH(e, &elems, next)
		if (strncmp(e->name, t->name, RTE_TAILQ_NAMESIZE) == 0)
			break;
	if (e != NULL) {
		/* @p t may be @p e itself: its head stays as it is */
		RTE_LOG(ERR, EAL, "%s tailq is already registered\n", t->name);
		if (e != t)
			t->head = NULL;
		err = EEXIST;
		goto out;
	}
	t->head = NULL;
	if (up) {
		err = zone_attach(true);
		if (err != 0)
			goto out;
		t->head = head_get(t->name);
		if (t->head == NULL) {
			RTE_LOG(ERR, EAL, "Cannot initialize tailq: %s (all %d heads are taken)\n",
				t->name, RTE_MAX_TAILQ);
			err = ENOSPC;
			goto out;
		}
	}
	TAILQ_INSERT_TAIL(&elems, t, next);
out:
	pthread_mutex_unlock(&reg_lock);
	return err != 0 ? eal_err(err) : 0;
}

struct rte_tailq_head *
rte_eal_tailq_lookup(const char *name)
{
	struct rte_tailq_head *h = NULL;

	if (name == NULL)
		return NULL;
	pthread_mutex_lock(&reg_lock);
	if (up && zone_attach(false) == 0) {
		hm_rwlock_read_lock(&zone->lock);
		h = find_head(name);
		hm_rwlock_read_unlock(&zone->lock);
	}
	pthread_mutex_unlock(&reg_lock);
	return h;
}

void
rte_dump_tailq(FILE *f)
{
	if (f == NULL)
		f = stdout;
	pthread_mutex_lock(&reg_lock);
	if (up && zone_attach(false) == 0) {
		hm_rwlock_read_lock(&zone->lock);
		for (uint32_t i = 0; i < zone->n; i++) {
			const struct rte_tailq_head *h = &zone->heads[i];
			fprintf(f, "Tailq %" PRIu32 ": qname:<%s>, tqh_first:%p, tqh_last:%p\n", i,
				h->name, (void *)h->tailq_head.tqh_first,
				(void *)h->tailq_head.tqh_last);
		}
		hm_rwlock_read_unlock(&zone->lock);
	}
	pthread_mutex_unlock(&reg_lock);
}

/* ---------------------------------------------------------------- lifecycle */

int
eal_tailqs_init(void)
{
	struct rte_tailq_elem *e;
	int err = 0;

	pthread_mutex_lock(&reg_lock);
	up = true;
	if (TAILQ_EMPTY(&elems))
		goto out;
	err = zone_attach(true);
	TAILQ_FOREACH(e, &elems, next) {
		if (err != 0)
			break;
		e->head = head_get(e->name);
		if (e->head == NULL) {
			RTE_LOG(ERR, EAL, "Cannot initialize tailq: %s (all %d heads are taken)\n",
				e->name, RTE_MAX_TAILQ);
			err = ENOSPC;
		}
	}
out:
	pthread_mutex_unlock(&reg_lock);
	if (err != 0) {
		eal_tailqs_fini();
		return eal_err(err);
	}
	return 0;
}

void
eal_tailqs_fini(void)
{
	struct rte_tailq_elem *e;

	pthread_mutex_lock(&reg_lock);
	TAILQ_FOREACH(e, &elems, next)
		e->head = NULL;
	if (mz != NULL && mz_owner)
		hm_memzone_free(mz);
	mz = NULL;
	mz_owner = false;
	zone = NULL;
	up = false;
	pthread_mutex_unlock(&reg_lock);
}

const char *
eal_tailq_check(void)
{
	const char *why = NULL;
	struct rte_tailq_elem *e;

	pthread_mutex_lock(&reg_lock);
	if (!up || zone_attach(false) != 0) {
		if (!TAILQ_EMPTY(&elems))
			why = "registered tailq elements have no heads";
		goto out;
	}
	hm_rwlock_read_lock(&zone->lock);
	if (zone->magic != TAILQ_MAGIC || zone->n > RTE_MAX_TAILQ)
		why = "tailq heads: bad magic or count";
	for (uint32_t i = 0; why == NULL && i < zone->n; i++) {
		const struct rte_tailq_head *h = &zone->heads[i];
		struct rte_tailq_entry *const *last = &h->tailq_head.tqh_first;
		const struct rte_tailq_entry *x = h->tailq_head.tqh_first;
		uint32_t steps = 0;

		if (!name_ok(h->name))
			why = "a tailq head has an empty or unterminated name";
		for (uint32_t j = 0; why == NULL && j < i; j++)
			if (strcmp(zone->heads[j].name, h->name) == 0)
				why = "two tailq heads have the same name";
		for (; why == NULL && x != NULL; x = x->next.tqe_next) {
			if (++steps > MAX_WALK)
				why = "a tailq list loops";
			last = &x->next.tqe_next;
		}
		if (why == NULL && h->tailq_head.tqh_last != last)
			why = "a tailq list's tqh_last is not its last next pointer";
	}
	TAILQ_FOREACH(e, &elems, next) {
		if (why != NULL)
			break;
		if (e->head < &zone->heads[0] || e->head >= &zone->heads[zone->n] ||
		    strncmp(e->head->name, e->name, RTE_TAILQ_NAMESIZE) != 0)
			why = "a registered tailq element's head is not its own";
	}
	hm_rwlock_read_unlock(&zone->lock);
out:
	pthread_mutex_unlock(&reg_lock);
	return why;
}
