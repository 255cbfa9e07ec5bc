/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's tail queue registry (rte_tailq.h), written for hugemem: named list
 * heads that every process of an instance shares. A library or application
 * registers a struct rte_tailq_elem (usually with EAL_REGISTER_TAILQ, before
 * main); rte_eal_init gives each registered element a head in shared memory
 * (elem->head), and rte_eal_tailq_register after init does so at once.
 */
#ifndef _RTE_TAILQ_H_
#define _RTE_TAILQ_H_

#include <stdio.h>

#include <rte_common.h>
#include <rte_debug.h>
#include <rte_os.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A generic list entry: what a registered list usually holds. */
struct rte_tailq_entry {
	RTE_TAILQ_ENTRY(rte_tailq_entry) next; /* the list linkage */
	void *data;                           /* the object this entry stands for */
};
RTE_TAILQ_HEAD(rte_tailq_entry_head, rte_tailq_entry);

#define RTE_TAILQ_NAMESIZE 32 /* names are at most 31 characters */

/** A named list head, in shared memory. */
struct rte_tailq_head {
	struct rte_tailq_entry_head tailq_head; /* first: RTE_TAILQ_CAST relies on it */
	char name[RTE_TAILQ_NAMESIZE];
};

/** What a user registers: its name, and the head the EAL gives it. */
struct rte_tailq_elem {
	struct rte_tailq_head *head; /* set by rte_eal_init or a later register; NULL before */
	RTE_TAILQ_ENTRY(rte_tailq_elem) next; /* the process's list of registered elements */
	const char name[RTE_TAILQ_NAMESIZE];
};

/** The head of @p tailq_entry's list as a `struct struct_name *`. */
#define RTE_TAILQ_CAST(tailq_entry, struct_name) \
	(struct struct_name *)&(tailq_entry)->tailq_head

/** Look a list up by name; NULL when there is none. */
#define RTE_TAILQ_LOOKUP(name, struct_name) __extension__ ({ \
	struct rte_tailq_head *head = rte_eal_tailq_lookup(name); \
	head == NULL ? NULL : RTE_TAILQ_CAST(head, struct_name); \
})

/** Print every list head (name, first and last pointers) to @p f (stdout if NULL). */
void rte_dump_tailq(FILE *f);

/** The head named @p name, or NULL (NULL name, unknown name, EAL not initialised). */
struct rte_tailq_head *rte_eal_tailq_lookup(const char *name);

/**
 * Register @p t. Before rte_eal_init the element waits for it; afterwards its
 * head is created (or found, when another process or registration made it).
 * @return 0; -1 with rte_errno and t->head NULL: EINVAL (NULL, empty name or one of
 *   32+ characters), EEXIST (a registered element has that name), ENOSPC (all
 *   RTE_MAX_TAILQ heads are taken).
 */
int rte_eal_tailq_register(struct rte_tailq_elem *t);

/** Register @p t from a constructor; a failure panics, as in DPDK. */
#define EAL_REGISTER_TAILQ(t) \
RTE_INIT(tailqinitfn_ ##t) \
{ \
	if (rte_eal_tailq_register(&t) < 0) \
		rte_panic("Cannot initialize tailq: %s\n", t.name); \
}

/** Walk a list while removing (and freeing) the current entry. */
#define RTE_TAILQ_FOREACH_SAFE(var, head, field, tvar) \
	for ((var) = RTE_TAILQ_FIRST((head)); \
	     (var) && ((tvar) = RTE_TAILQ_NEXT((var), field), 1); \
	     (var) = (tvar))

#ifdef __cplusplus
}
#endif
#endif /* _RTE_TAILQ_H_ */
