/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_fbarray: a fixed-capacity indexed array of equally sized elements plus a used
 * bit per element, optionally backed by a file so that other processes can map it
 * at the same address (memseg lists and memzones live in fbarrays).
 *
 * The header (struct hm_fbarray) lives wherever the caller puts it, usually inside
 * shared memory; the data mapping is at hdr->data in every process. Mapping layout:
 *   [len * elt_sz bytes of elements][pad to 8][u64 n_masks][u64 bits[n_masks]]
 * element i is used exactly when bit i%64 of bits[i/64] is set.
 *
 * Invariants (asserted by hm_fbarray_check):
 *   count == popcount(bits)
 *   no bit at index >= len is ever set
 *
 * Files: <dir>/fbarray_<name>. Every process that maps the array holds a shared
 * flock on the file; init takes an exclusive one first, so a second init of a
 * live name fails with EBUSY (even inside the same process, since locks belong to
 * open file descriptions), and destroy fails with EBUSY while another process is
 * attached.
 *
 * Locking: set_used / set_free, is_used and the finders take the header's lock
 * (exclusively, and robust: a process that dies holding it is taken over and
 * the count recomputed from the mask); get and find_idx take none.
 */
#ifndef HUGEMEM_FBARRAY_H
#define HUGEMEM_FBARRAY_H

#include <stdbool.h>
#include <stdint.h>

#include "hugemem/common.h"
#include "hugemem/lock.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_FBARRAY_NAME_LEN 64

struct hm_fbarray {
	char name[HM_FBARRAY_NAME_LEN]; /* NUL-terminated; at most 63 chars */
	uint32_t count;                 /* used elements; == popcount(mask) */
	uint32_t len;                   /* capacity in elements; 0 when not initialised */
	uint32_t elt_sz;                /* bytes per element */
	uint32_t flags;                 /* internal: HM_FBARRAY_F_* */
	void *data;                     /* mapping, same VA in every process */
	hm_rwlock_t rwlock;             /* process-shared */
};

/**
 * Create an array of @p len elements of @p elt_sz bytes, all free and zeroed.
 * @param dir  directory for the backing file, or NULL for an anonymous array that
 *             no other process can attach (--no-shconf, --in-memory, fuzzers).
 * pre: @p arr is caller storage; its previous contents are ignored.
 * @return 0; -EINVAL (NULL arr/name, elt_sz 0, len 0 or > INT_MAX, empty name),
 *   -ENAMETOOLONG (name of 64+ chars, path too long), -EBUSY (the file is live in
 *   some process, this one included), -ELOOP (a symlink, FIFO or anything but a
 *   regular file sits under the file's name: never followed), -EPERM (the file
 *   is owned by another user, has group/other permissions or other hard links:
 *   never truncated), -ENOMEM, or the errno of open/ftruncate/mmap.
 */
int hm_fbarray_init(struct hm_fbarray *arr, const char *name, unsigned int len,
		    unsigned int elt_sz, const char *dir);

/**
 * Map an existing file-backed array, whose header was initialised by another
 * process (or this one), at the same address hdr->data. No zeroing.
 * @return 0; -EINVAL (NULL, bad header, anonymous array), -EEXIST (this process
 *   already maps that range), -EADDRNOTAVAIL (the VA is taken here), -ENOENT (no
 *   file), -ELOOP / -EPERM (not a regular file of this user with mode 0600, as for
 *   init), or the errno of open/flock/mmap.
 */
int hm_fbarray_attach(struct hm_fbarray *arr, const char *dir);

/**
 * Unmap an attached or initialised array in this process; the file stays.
 * @return 0; -EINVAL (NULL or bad header), -ENOENT (not mapped by this process,
 *   data NULL included: a destroyed or zeroed header).
 */
int hm_fbarray_detach(struct hm_fbarray *arr);

/**
 * Unmap, delete the file and zero the header. A file that cannot be deleted
 * (its directory became unwritable) stays, reported through the log hook at
 * WARNING with its path; the array is unmapped all the same.
 * @return 0; -EINVAL (NULL, bad geometry), -ENOENT (not mapped by this process,
 *   e.g. destroyed already: the header is zeroed), -EBUSY (another
 *   process still has it attached; nothing changes).
 */
int hm_fbarray_destroy(struct hm_fbarray *arr);

/** Element @p idx (used or free). NULL and hm_errno EINVAL when out of range. */
void *hm_fbarray_get(const struct hm_fbarray *arr, unsigned int idx);

/** Index of element @p elt, or -EINVAL when it is not an element start of @p arr. */
int hm_fbarray_find_idx(const struct hm_fbarray *arr, const void *elt);

/** Mark used / free; idempotent. @return 0 or -EINVAL. */
int hm_fbarray_set_used(struct hm_fbarray *arr, unsigned int idx);
int hm_fbarray_set_free(struct hm_fbarray *arr, unsigned int idx);

/** @return 1 used, 0 free, -EINVAL. */
int hm_fbarray_is_used(struct hm_fbarray *arr, unsigned int idx);

/** Number of used elements, or -EINVAL. */
int hm_fbarray_count_used(struct hm_fbarray *arr);

/*
 * Finders. All return an index (>= 0) or -errno:
 *   -EINVAL  NULL array, start >= len, n == 0 or n > len;
 *   -ENOENT  no used element/run found (searching used);
 *   -ENOSPC  no free element/run found (searching free).
 */

/** Lowest index >= start in the wanted state. */
int hm_fbarray_find_next_free(struct hm_fbarray *arr, unsigned int start);
int hm_fbarray_find_next_used(struct hm_fbarray *arr, unsigned int start);
/** Highest index <= start in the wanted state. */
int hm_fbarray_find_prev_free(struct hm_fbarray *arr, unsigned int start);
int hm_fbarray_find_prev_used(struct hm_fbarray *arr, unsigned int start);
/** Lowest r >= start such that [r, r+n) are all in the wanted state. */
int hm_fbarray_find_next_n_free(struct hm_fbarray *arr, unsigned int start, unsigned int n);
int hm_fbarray_find_next_n_used(struct hm_fbarray *arr, unsigned int start, unsigned int n);
/** Highest r with r+n-1 <= start such that [r, r+n) are all in the state; returns r. */
int hm_fbarray_find_prev_n_free(struct hm_fbarray *arr, unsigned int start, unsigned int n);
int hm_fbarray_find_prev_n_used(struct hm_fbarray *arr, unsigned int start, unsigned int n);
/**
 * Length of the run in the wanted state that begins at @p start (forward) or ends
 * at @p start (rev); 0 when start itself is not in that state. -EINVAL only.
 */
int hm_fbarray_find_contig_free(struct hm_fbarray *arr, unsigned int start);
int hm_fbarray_find_contig_used(struct hm_fbarray *arr, unsigned int start);
int hm_fbarray_find_rev_contig_free(struct hm_fbarray *arr, unsigned int start);
int hm_fbarray_find_rev_contig_used(struct hm_fbarray *arr, unsigned int start);
/**
 * Start (lowest index) of the longest run in the wanted state within [start, len)
 * (forward) or [0, start] (rev). Ties keep the first run met in scan direction.
 */
int hm_fbarray_find_biggest_free(struct hm_fbarray *arr, unsigned int start);
int hm_fbarray_find_biggest_used(struct hm_fbarray *arr, unsigned int start);
int hm_fbarray_find_rev_biggest_free(struct hm_fbarray *arr, unsigned int start);
int hm_fbarray_find_rev_biggest_used(struct hm_fbarray *arr, unsigned int start);

/** Print the header and the used ranges. */
void hm_fbarray_dump(struct hm_fbarray *arr, FILE *f);

/**
 * Validator: header sane, count == popcount(mask), no bit beyond len.
 * Passing, it changes neither hm_errno nor hm_last_error().
 * @return 0; -EINVAL (NULL); -EFAULT with *reason set to a static description
 *   (and recorded for hm_last_error()).
 */
int hm_fbarray_check(struct hm_fbarray *arr, const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_FBARRAY_H */
