/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * File-backed arrays: struct rte_fbarray is hugemem's struct hm_fbarray (same
 * fields at DPDK 22.11's offsets; hugemem keeps flags in DPDK's padding at
 * offset 76 and an 8-byte lock at 88). Arrays live in the EAL's runtime
 * directory as fbarray_<name> (anonymous with --no-shconf / --in-memory or
 * before rte_eal_init). Functions return -1 (or NULL) with rte_errno set.
 */
#ifndef _RTE_FBARRAY_H_
#define _RTE_FBARRAY_H_

#include <stdio.h>

#include <rte_rwlock.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_FBARRAY_NAME_LEN 64

struct rte_fbarray {
	char name[RTE_FBARRAY_NAME_LEN]; /* NUL-terminated */
	unsigned int count;              /* used elements */
	unsigned int len;                /* capacity */
	unsigned int elt_sz;             /* bytes per element */
	unsigned int hm_flags;           /* hugemem's (DPDK: padding) */
	void *data;                      /* the elements */
	rte_rwlock_t rwlock;             /* process-shared */
};

/** @return 0; -1 with rte_errno EINVAL, ENAMETOOLONG, EBUSY (name in use), ENOMEM, ... */
int rte_fbarray_init(struct rte_fbarray *arr, const char *name, unsigned int len,
		     unsigned int elt_sz);
/** Map an array another process created. @return 0; -1 (EINVAL, EEXIST, ENOENT, ...). */
int rte_fbarray_attach(struct rte_fbarray *arr);
/** Unmap and delete. @return 0; -1 (EINVAL, ENOENT: not mapped here, e.g. destroyed, EBUSY). */
int rte_fbarray_destroy(struct rte_fbarray *arr);
/** Unmap in this process only. @return 0; -1 (EINVAL, ENOENT). */
int rte_fbarray_detach(struct rte_fbarray *arr);
/** Element @p idx, or NULL (rte_errno EINVAL). */
void *rte_fbarray_get(const struct rte_fbarray *arr, unsigned int idx);
/** Index of @p elt, or -1 (EINVAL). */
int rte_fbarray_find_idx(const struct rte_fbarray *arr, const void *elt);
int rte_fbarray_set_used(struct rte_fbarray *arr, unsigned int idx);
int rte_fbarray_set_free(struct rte_fbarray *arr, unsigned int idx);
/** 1 used, 0 free, -1 (EINVAL). */
int rte_fbarray_is_used(struct rte_fbarray *arr, unsigned int idx);

/* Finders: an index, or -1 with rte_errno EINVAL (bad arguments), ENOENT (no
 * used element found), ENOSPC (no free element found). */
int rte_fbarray_find_next_free(struct rte_fbarray *arr, unsigned int start);
int rte_fbarray_find_next_used(struct rte_fbarray *arr, unsigned int start);
int rte_fbarray_find_next_n_free(struct rte_fbarray *arr, unsigned int start, unsigned int n);
int rte_fbarray_find_next_n_used(struct rte_fbarray *arr, unsigned int start, unsigned int n);
int rte_fbarray_find_prev_free(struct rte_fbarray *arr, unsigned int start);
int rte_fbarray_find_prev_used(struct rte_fbarray *arr, unsigned int start);
int rte_fbarray_find_prev_n_free(struct rte_fbarray *arr, unsigned int start, unsigned int n);
int rte_fbarray_find_prev_n_used(struct rte_fbarray *arr, unsigned int start, unsigned int n);
int rte_fbarray_find_biggest_free(struct rte_fbarray *arr, unsigned int start);
int rte_fbarray_find_biggest_used(struct rte_fbarray *arr, unsigned int start);
int rte_fbarray_find_rev_biggest_free(struct rte_fbarray *arr, unsigned int start);
int rte_fbarray_find_rev_biggest_used(struct rte_fbarray *arr, unsigned int start);
/* Run lengths: >= 0, or -1 (EINVAL). */
int rte_fbarray_find_contig_free(struct rte_fbarray *arr, unsigned int start);
int rte_fbarray_find_contig_used(struct rte_fbarray *arr, unsigned int start);
int rte_fbarray_find_rev_contig_free(struct rte_fbarray *arr, unsigned int start);
int rte_fbarray_find_rev_contig_used(struct rte_fbarray *arr, unsigned int start);

/** Print the header and the used ranges. */
void rte_fbarray_dump_metadata(struct rte_fbarray *arr, FILE *f);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_FBARRAY_H_ */
