/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_fbarray: fixed-capacity array of equally sized elements with a used bitmap,
 * optionally backed by a file so that other processes can map it at the same VA.
 *
 * Mapping at hdr->data (size rounded up to the system page size):
 *   [len * elt_sz bytes of elements][pad to 8][u64 n_masks][u64 bits[n_masks]]
 * Element i is used exactly when bit i%64 of bits[i/64] is set.
 *
 * Invariants (asserted verbatim by hm_fbarray_check):
 *   hdr->count == popcount(bits)
 *   n_masks == ceil(len / 64)
 *   no bit at index >= len is set
 *   len == 0 (uninitialised) or 0 < len <= INT_MAX, elt_sz > 0, data != NULL
 *
 * Process-local registry: every mapping this process made through init or attach
 * is recorded (data address, mapping size, fd, path) in a list guarded by
 * area_lock. Overlap with a recorded area makes attach fail with EEXIST; detach
 * and destroy act only on recorded areas. The fd of a file-backed area stays open
 * for as long as the area is mapped: it holds the shared flock that tells other
 * processes the array is live (init takes LOCK_EX first, destroy upgrades to
 * LOCK_EX, both non-blocking, so either fails with EBUSY while someone else maps
 * the file).
 *
 * Locking: set_used / set_free, is_used, count_used, check, dump and the finders
 * take the header's lock exactly once, exclusively (a robust lock: core/common/
 * robust_i.h; every critical section is a few word operations, so readers lose
 * nothing to sharing it), and then use the unlocked scan_* / measure_* helpers.
 * A process killed inside one leaves at most count and one mask word out of
 * step: whoever takes the lock over recomputes count from the mask (fb_repair).
 * get and find_idx are pure arithmetic and lock nothing.
 *
 * Finders work one 64-bit word at a time: load_word() returns a word in which a
 * set bit means "element in the wanted state" (the used bits, or their
 * complement) with every bit at or beyond len cleared, so no scan can report an
 * index >= len. Runs of n are found by folding a word onto itself (x &= x >> k
 * with doubling k, so bit p survives iff bits p..p+n-1 are set) and by carrying
 * a partial run across word boundaries, which also covers n > 64.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hugemem/fbarray.h"

#include "common_i.h"
#include "robust_i.h"

/* hdr->flags */
#define HM_FBARRAY_F_ANON (1u << 0) /* anonymous private mapping, no file */

#define WORD_BITS 64
#define FILE_PREFIX "fbarray_"

/* One mapping made by this process; node of the registry list. */
struct area {
	struct area *next;
	void *addr;	 /* == hdr->data */
	size_t size;	 /* bytes mapped, multiple of the system page */
	int fd;		 /* holds the shared flock; -1 for anonymous areas */
	char path[PATH_MAX]; /* backing file; "" for anonymous areas */
};

static pthread_mutex_t area_lock = PTHREAD_MUTEX_INITIALIZER;
static struct area *area_list; /* guarded by area_lock */

/* Where things sit in a mapping for a given geometry. */
struct layout {
	size_t mask_off; /* offset of the u64 n_masks field */
	size_t n_masks;	 /* ceil(len / 64) */
	size_t size;	 /* whole mapping, rounded to the system page */
};

static int
calc_layout(uint32_t len, uint32_t elt_sz, struct layout *lo)
{
	uint64_t elt_bytes = (uint64_t)len * elt_sz; /* < 2^63: len <= INT_MAX */
	uint64_t pg = hm_sys_page_size();
	uint64_t total;

	lo->n_masks = ((size_t)len + WORD_BITS - 1) / WORD_BITS;
	total = HM_ALIGN_CEIL(elt_bytes, (uint64_t)8) + 8 + 8 * (uint64_t)lo->n_masks;
	total = HM_ALIGN_CEIL(total, pg);
	if (total > SIZE_MAX)
		return -ENOMEM;
	lo->mask_off = (size_t)HM_ALIGN_CEIL(elt_bytes, (uint64_t)8);
	lo->size = (size_t)total;
	return 0;
}

/* The geometry fields of an initialised header are sane (no mapping check). */
static bool
hdr_valid(const struct hm_fbarray *arr)
{
	return arr != NULL && arr->len != 0 && arr->len <= INT_MAX && arr->elt_sz != 0 &&
	       arr->data != NULL;
}

static int
fail_hdr(const struct hm_fbarray *arr, const char *fn)
{
	if (arr == NULL)
		return hm_fail(EINVAL, "%s: NULL fbarray", fn);
	return hm_fail(EINVAL, "%s: fbarray %p is not initialised (len %u, elt_sz %u, data %p)",
		       fn, (const void *)arr, arr->len, arr->elt_sz, arr->data);
}

static uint64_t *
get_bits(const struct hm_fbarray *arr)
{
	size_t off = HM_ALIGN_CEIL((size_t)arr->len * arr->elt_sz, (size_t)8);

	return (uint64_t *)(void *)((char *)arr->data + off + 8); /* 8-aligned */
}

static uint64_t *
get_n_masks(const struct hm_fbarray *arr)
{
	return get_bits(arr) - 1;
}

static size_t
count_words(uint32_t len)
{
	return ((size_t)len + WORD_BITS - 1) / WORD_BITS;
}

/* A holder died inside a critical section: count may be one off the mask. */
static int
fb_repair(void *arg, const char **why)
{
	struct hm_fbarray *arr = arg;
	uint64_t *bits = get_bits(arr), pop = 0;
	size_t nw = count_words(arr->len);

	if (*get_n_masks(arr) != nw) {
		*why = "n_masks != ceil(len / 64)";
		return -EFAULT;
	}
	if (arr->len % WORD_BITS != 0)
		bits[nw - 1] &= (1ULL << (arr->len % WORD_BITS)) - 1;
	for (size_t w = 0; w < nw; w++)
		pop += (uint64_t)__builtin_popcountll(bits[w]);
	arr->count = (uint32_t)pop;
	return 0;
}

static int
fb_lock(struct hm_fbarray *arr)
{
	struct robust_recover rec = { "an fbarray", fb_repair, arr };

	return robust_write_lock(&arr->rwlock, ROBUST_NO_READERS, &rec);
}

static void
fb_unlock(struct hm_fbarray *arr)
{
	robust_write_unlock(&arr->rwlock);
}

/*
 * Word @p w of the mask with set bits meaning "in the wanted state" (@p used or
 * free) and every bit at index >= len cleared.
 */
static inline uint64_t
load_word(const uint64_t *bits, uint32_t len, size_t w, bool used)
{
	uint64_t v = used ? bits[w] : ~bits[w];
	size_t last = ((size_t)len - 1) / WORD_BITS;

	if (w == last && len % WORD_BITS != 0)
		v &= (1ULL << (len % WORD_BITS)) - 1;
	return v;
}

/* Bits p of the result are set iff bits p..p+n-1 of @p v are; 1 <= n <= 64. */
static inline uint64_t
fold_word(uint64_t v, unsigned int n)
{
	unsigned int have = 1;

	while (have < n && v != 0) {
		unsigned int k = have < n - have ? have : n - have;

		v &= v >> k;
		have += k;
	}
	return v;
}

/* Number of consecutive set bits of @p v starting at bit 0. */
static inline unsigned int
count_low_ones(uint64_t v)
{
	return ~v == 0 ? WORD_BITS : (unsigned int)__builtin_ctzll(~v);
}

/* Number of consecutive set bits of @p v starting at bit 63. */
static inline unsigned int
count_high_ones(uint64_t v)
{
	return ~v == 0 ? WORD_BITS : (unsigned int)__builtin_clzll(~v);
}

static inline int
miss(bool used)
{
	return used ? -ENOENT : -ENOSPC;
}

/* Lowest index >= start in the wanted state, or -1. pre: start < len. */
static int64_t
scan_next(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t nw = count_words(arr->len), w = start / WORD_BITS;
	uint64_t v = load_word(bits, arr->len, w, used) & (~0ULL << (start % WORD_BITS));

	for (;;) {
		if (v != 0)
			return (int64_t)(w * WORD_BITS + (size_t)__builtin_ctzll(v));
		if (++w >= nw)
			return -1;
		v = load_word(bits, arr->len, w, used);
	}
}

/* Highest index <= start in the wanted state, or -1. pre: start < len. */
static int64_t
scan_prev(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t w = start / WORD_BITS;
	uint64_t v = load_word(bits, arr->len, w, used) &
		     (~0ULL >> (WORD_BITS - 1 - start % WORD_BITS));

	for (;;) {
		if (v != 0)
			return (int64_t)(w * WORD_BITS + WORD_BITS - 1 -
					 (size_t)__builtin_clzll(v));
		if (w == 0)
			return -1;
		v = load_word(bits, arr->len, --w, used);
	}
}

/*
 * Lowest r >= start with [r, r+n) all in the wanted state, or -1.
 * pre: start < len, 1 <= n <= len.
 */
static int64_t
scan_next_n(const struct hm_fbarray *arr, uint32_t start, uint32_t n, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t nw = count_words(arr->len), w = start / WORD_BITS;
	uint64_t v = load_word(bits, arr->len, w, used) & (~0ULL << (start % WORD_BITS));
	uint64_t run = 0, run_start = 0; /* wanted run ending at the previous word's top */

	for (;;) {
		if (run != 0) {
			unsigned int low = count_low_ones(v);

			if (run + low >= n)
				return (int64_t)run_start;
			if (low == WORD_BITS) {
				run += WORD_BITS;
				goto next;
			}
			run = 0;
		}
		if (n <= WORD_BITS) {
			uint64_t f = fold_word(v, n);

			if (f != 0)
				return (int64_t)(w * WORD_BITS + (size_t)__builtin_ctzll(f));
		}
		run = count_high_ones(v);
		run_start = w * WORD_BITS + WORD_BITS - run;
next:
		if (++w >= nw)
			return -1;
		v = load_word(bits, arr->len, w, used);
	}
}

/*
 * Highest r with r + n - 1 <= start and [r, r+n) all in the wanted state, or -1.
 * pre: start < len, 1 <= n <= len.
 */
static int64_t
scan_prev_n(const struct hm_fbarray *arr, uint32_t start, uint32_t n, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t w = start / WORD_BITS;
	uint64_t v = load_word(bits, arr->len, w, used) &
		     (~0ULL >> (WORD_BITS - 1 - start % WORD_BITS));
	uint64_t run = 0, run_end = 0; /* wanted run starting at the next word's bit 0 */

	for (;;) {
		if (run != 0) {
			unsigned int high = count_high_ones(v);

			if (run + high >= n)
				return (int64_t)(run_end - n + 1);
			if (high == WORD_BITS) {
				run += WORD_BITS;
				goto next;
			}
			run = 0;
		}
		if (n <= WORD_BITS) {
			uint64_t f = fold_word(v, n);

			if (f != 0)
				return (int64_t)(w * WORD_BITS + WORD_BITS - 1 -
						 (size_t)__builtin_clzll(f));
		}
		run = count_low_ones(v);
		run_end = w * WORD_BITS + run - 1;
next:
		if (w == 0)
			return -1;
		v = load_word(bits, arr->len, --w, used);
	}
}

/* Length of the wanted run beginning at start (0 if start is not wanted). */
static uint32_t
measure_run(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t nw = count_words(arr->len), w = start / WORD_BITS;
	/* Set bits: unwanted elements, including every index >= len. */
	uint64_t v = ~load_word(bits, arr->len, w, used) & (~0ULL << (start % WORD_BITS));

	for (;;) {
		if (v != 0)
			return (uint32_t)(w * WORD_BITS + (size_t)__builtin_ctzll(v) - start);
		if (++w >= nw)
			return arr->len - start;
		v = ~load_word(bits, arr->len, w, used);
	}
}

/* Length of the wanted run ending at start (0 if start is not wanted). */
static uint32_t
measure_rev_run(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	const uint64_t *bits = get_bits(arr);
	size_t w = start / WORD_BITS;
	uint64_t v = ~load_word(bits, arr->len, w, used) &
		     (~0ULL >> (WORD_BITS - 1 - start % WORD_BITS));

	for (;;) {
		if (v != 0)
			return (uint32_t)(start - (w * WORD_BITS + WORD_BITS - 1 -
						   (size_t)__builtin_clzll(v)));
		if (w == 0)
			return start + 1;
		v = ~load_word(bits, arr->len, --w, used);
	}
}

/* Start of the longest wanted run within [start, len); first one wins ties. */
static int64_t
scan_biggest(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	int64_t best = -1;
	uint32_t best_len = 0, pos = start;

	while (pos < arr->len && arr->len - pos > best_len) {
		int64_t s = scan_next(arr, pos, used);
		uint32_t l;

		if (s < 0)
			break;
		l = measure_run(arr, (uint32_t)s, used);
		HM_ASSERT(l > 0);
		if (l > best_len) {
			best = s;
			best_len = l;
		}
		pos = (uint32_t)s + l;
	}
	return best;
}

/* Lowest index of the longest wanted run within [0, start]; highest one wins ties. */
static int64_t
scan_rev_biggest(const struct hm_fbarray *arr, uint32_t start, bool used)
{
	int64_t best = -1, pos = start;
	uint32_t best_len = 0;

	while (pos >= 0 && (uint64_t)pos + 1 > best_len) {
		int64_t e = scan_prev(arr, (uint32_t)pos, used), s;
		uint32_t l;

		if (e < 0)
			break;
		l = measure_rev_run(arr, (uint32_t)e, used);
		HM_ASSERT(l > 0);
		s = e - l + 1;
		if (l > best_len) {
			best = s;
			best_len = l;
		}
		pos = s - 1;
	}
	return best;
}

/* ---- registry ---- */

/* pre: area_lock held. The area starting at @p addr, or NULL. */
static struct area *
lookup_area(const void *addr)
{
	struct area *a;

	for (a = area_list; a != NULL; a = a->next)
		if (a->addr == addr)
			return a;
	return NULL;
}

/* pre: area_lock held. true when [addr, addr+size) overlaps a recorded area. */
static bool
overlaps_area(const void *addr, size_t size)
{
	uintptr_t b = (uintptr_t)addr, e = b + size;
	struct area *a;

	for (a = area_list; a != NULL; a = a->next) {
		uintptr_t ab = (uintptr_t)a->addr, ae = ab + a->size;

		if (b < ae && ab < e)
			return true;
	}
	return false;
}

/* pre: area_lock held; @p a is in the list. Unlinks it (does not free). */
static void
remove_area(struct area *a)
{
	struct area **pp;

	for (pp = &area_list; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			return;
		}
	}
	HM_ASSERT(0 && "area not in the registry");
}

static struct area *
new_area(void *addr, size_t size, int fd, const char *path)
{
	struct area *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->addr = addr;
	a->size = size;
	a->fd = fd;
	if (path != NULL)
		memcpy(a->path, path, strlen(path) + 1); /* caller checked the length */
	return a;
}

/* ---- lifecycle ---- */

static int
check_name(const char *name, bool file_backed, const char *fn)
{
	size_t n;

	if (name == NULL)
		return hm_fail(EINVAL, "%s: NULL name", fn);
	n = strnlen(name, HM_FBARRAY_NAME_LEN);
	if (n == 0)
		return hm_fail(EINVAL, "%s: empty name", fn);
	if (n == HM_FBARRAY_NAME_LEN)
		return hm_fail(ENAMETOOLONG, "%s: name '%.16s...' has %d or more characters "
			       "(at most %d)", fn, name, HM_FBARRAY_NAME_LEN,
			       HM_FBARRAY_NAME_LEN - 1);
	if (file_backed && strchr(name, '/') != NULL)
		return hm_fail(EINVAL, "%s: name '%s' contains '/'", fn, name);
	return 0;
}

/* Try to make our lock exclusive; on failure get the shared one back. */
static int
upgrade_lock(int fd, const char *path)
{
	int err;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	err = errno == EWOULDBLOCK ? EBUSY : errno;
	/* Linux drops the old lock before a failed conversion: take it back. */
	if (flock(fd, LOCK_SH | LOCK_NB) != 0)
		HM_LOG(WARNING, "fbarray: cannot restore the shared lock on %s: %s", path,
		       hm_strerror(errno));
	return -err;
}

int
hm_fbarray_init(struct hm_fbarray *arr, const char *name, unsigned int len,
		unsigned int elt_sz, const char *dir)
{
	char path[PATH_MAX] = "";
	struct layout lo;
	struct area *a = NULL;
	bool owner = false;
	void *va, *p;
	int fd = -1, rc;

	if (arr == NULL)
		return hm_fail(EINVAL, "fbarray init: NULL fbarray");
	rc = check_name(name, dir != NULL, "fbarray init");
	if (rc < 0)
		return rc;
	if (elt_sz == 0)
		return hm_fail(EINVAL, "fbarray init '%s': elt_sz is 0", name);
	if (len == 0 || len > INT_MAX)
		return hm_fail(EINVAL, "fbarray init '%s': len %u is not in [1, %d]", name, len,
			       INT_MAX);
	if (calc_layout(len, elt_sz, &lo) < 0)
		return hm_fail(ENOMEM, "fbarray init '%s': %u elements of %u bytes do not fit "
			       "in the address space", name, len, elt_sz);
	if (dir != NULL && hm_snprintf(path, sizeof(path), "%s/" FILE_PREFIX "%s", dir,
				       name) < 0)
		return hm_fail(ENAMETOOLONG, "fbarray init '%s': path under '%s' is too long",
			       name, dir);

	pthread_mutex_lock(&area_lock); /* also serialises our use of the VA hint */
	va = hm_va_reserve(NULL, lo.size, hm_sys_page_size(), 0);
	if (va == NULL) {
		pthread_mutex_unlock(&area_lock);
		return -hm_errno;
	}
	if (dir == NULL) {
		p = mmap(va, lo.size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p == MAP_FAILED) {
			rc = hm_fail(errno, "fbarray init '%s': cannot map %zu bytes: %s", name,
				     lo.size, hm_strerror(errno));
			goto fail;
		}
	} else {
		/* no symlink followed, no FIFO waited on, nobody else's file truncated */
		fd = hm_open_private(AT_FDCWD, path, O_CREAT | O_RDWR, 0600,
				     HM_PRIV_NOSHARE | HM_PRIV_ONELINK, NULL);
		if (fd < 0) {
			rc = hm_fail(-fd, "fbarray init '%s': %s", name, hm_last_error());
			fd = -1;
			goto fail;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int err = errno == EWOULDBLOCK ? EBUSY : errno;

			rc = hm_fail(err, "fbarray init '%s': %s is in use by a live process "
				     "(this one included)", name, path);
			goto fail;
		}
		owner = true;
		if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
			int err = errno == EWOULDBLOCK ? EBUSY : errno;

			owner = false; /* someone else got in between: it is theirs now */
			rc = hm_fail(err, "fbarray init '%s': lost the lock on %s", name, path);
			goto fail;
		}
		/* Truncating to 0 first discards old contents: the pages read as zeros.
		 * On tmpfs the blocks are allocated now: a full tmpfs is an error here,
		 * not a SIGBUS when an element is first written. */
		if (ftruncate(fd, 0) != 0 || (rc = hm_file_size(fd, lo.size)) != 0) {
			rc = hm_fail(rc < 0 ? -rc : errno, "fbarray init '%s': cannot size %s to "
				     "%zu bytes: %s", name, path, lo.size,
				     hm_strerror(rc < 0 ? rc : errno));
			goto fail;
		}
		p = mmap(va, lo.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
		if (p == MAP_FAILED) {
			rc = hm_fail(errno, "fbarray init '%s': cannot map %s: %s", name, path,
				     hm_strerror(errno));
			goto fail;
		}
	}
	HM_ASSERT(p == va);
	a = new_area(va, lo.size, fd, dir != NULL ? path : NULL);
	if (a == NULL) {
		rc = hm_fail(ENOMEM, "fbarray init '%s': out of memory", name);
		goto fail;
	}
	*(uint64_t *)(void *)((char *)va + lo.mask_off) = lo.n_masks;
	a->next = area_list;
	area_list = a;
	pthread_mutex_unlock(&area_lock);

	memset(arr, 0, sizeof(*arr));
	memcpy(arr->name, name, strlen(name) + 1);
	arr->len = len;
	arr->elt_sz = elt_sz;
	arr->count = 0;
	arr->flags = dir == NULL ? HM_FBARRAY_F_ANON : 0;
	arr->data = va;
	hm_rwlock_init(&arr->rwlock);
	return 0;

fail:
	/* A file we created or sized is garbage: remove it while nobody else holds it. */
	if (fd >= 0 && owner && upgrade_lock(fd, path) == 0)
		unlink(path);
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&area_lock);
	hm_va_release(va, lo.size);
	return rc;
}

int
hm_fbarray_attach(struct hm_fbarray *arr, const char *dir)
{
	char path[PATH_MAX];
	struct layout lo;
	struct stat st;
	struct area *a;
	uint64_t n_masks;
	void *va, *p;
	int fd = -1, rc;

	if (!hdr_valid(arr))
		return fail_hdr(arr, "fbarray attach");
	if (memchr(arr->name, '\0', sizeof(arr->name)) == NULL)
		return hm_fail(EINVAL, "fbarray attach: name is not terminated");
	rc = check_name(arr->name, true, "fbarray attach");
	if (rc < 0)
		return rc;
	if (arr->flags & HM_FBARRAY_F_ANON)
		return hm_fail(EINVAL, "fbarray attach '%s': anonymous arrays cannot be attached",
			       arr->name);
	if (dir == NULL)
		return hm_fail(EINVAL, "fbarray attach '%s': NULL directory", arr->name);
	if (((uintptr_t)arr->data & (hm_sys_page_size() - 1)) != 0)
		return hm_fail(EINVAL, "fbarray attach '%s': data %p is not page aligned",
			       arr->name, arr->data);
	if (calc_layout(arr->len, arr->elt_sz, &lo) < 0 ||
	    (uintptr_t)arr->data > UINTPTR_MAX - lo.size)
		return hm_fail(EINVAL, "fbarray attach '%s': header geometry is impossible",
			       arr->name);
	if (hm_snprintf(path, sizeof(path), "%s/" FILE_PREFIX "%s", dir, arr->name) < 0)
		return hm_fail(ENAMETOOLONG, "fbarray attach '%s': path under '%s' is too long",
			       arr->name, dir);

	pthread_mutex_lock(&area_lock);
	if (overlaps_area(arr->data, lo.size)) {
		pthread_mutex_unlock(&area_lock);
		return hm_fail(EEXIST, "fbarray attach '%s': [%p, +%zu) is already mapped by "
			       "this process", arr->name, arr->data, lo.size);
	}
	va = hm_va_reserve(arr->data, lo.size, hm_sys_page_size(), HM_VA_EXACT);
	if (va == NULL) {
		pthread_mutex_unlock(&area_lock);
		return hm_fail(EADDRNOTAVAIL, "fbarray attach '%s': cannot reserve %zu bytes at "
			       "%p: the range is in use in this process", arr->name, lo.size,
			       arr->data);
	}
	fd = hm_open_private(AT_FDCWD, path, O_RDWR, 0, HM_PRIV_NOSHARE, NULL);
	if (fd < 0) {
		rc = hm_fail(-fd, "fbarray attach '%s': %s", arr->name, hm_last_error());
		fd = -1;
		goto fail;
	}
	if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
		int err = errno == EWOULDBLOCK ? EBUSY : errno;

		rc = hm_fail(err, "fbarray attach '%s': %s is being created or destroyed",
			     arr->name, path);
		goto fail;
	}
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < lo.size) {
		rc = hm_fail(EINVAL, "fbarray attach '%s': %s is smaller than the %zu bytes "
			     "the header describes", arr->name, path, lo.size);
		goto fail;
	}
	p = mmap(va, lo.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		rc = hm_fail(errno, "fbarray attach '%s': cannot map %s: %s", arr->name, path,
			     hm_strerror(errno));
		goto fail;
	}
	n_masks = *(const uint64_t *)(const void *)((const char *)va + lo.mask_off);
	if (n_masks != lo.n_masks) {
		rc = hm_fail(EINVAL, "fbarray attach '%s': %s does not match the header "
			     "(n_masks %llu, expected %zu)", arr->name, path,
			     (unsigned long long)n_masks, lo.n_masks);
		goto fail;
	}
	a = new_area(va, lo.size, fd, path);
	if (a == NULL) {
		rc = hm_fail(ENOMEM, "fbarray attach '%s': out of memory", arr->name);
		goto fail;
	}
	a->next = area_list;
	area_list = a;
	pthread_mutex_unlock(&area_lock);
	return 0;

fail:
	if (fd >= 0)
		close(fd);
	hm_va_release(va, lo.size);
	pthread_mutex_unlock(&area_lock);
	return rc;
}

/* pre: area_lock held. The area of @p arr (same address and size), or NULL. */
static struct area *
find_area(const struct hm_fbarray *arr)
{
	struct layout lo;
	struct area *a = lookup_area(arr->data);

	if (a == NULL || calc_layout(arr->len, arr->elt_sz, &lo) < 0 || a->size != lo.size)
		return NULL;
	return a;
}

int
hm_fbarray_detach(struct hm_fbarray *arr)
{
	struct area *a;

	/* what destroy leaves (or a header never initialised) maps nothing of
	 * this process: ENOENT, as DPDK says for a second destroy */
	if (arr != NULL && arr->data == NULL)
		return hm_fail(ENOENT, "fbarray detach: fbarray %p maps nothing (destroyed or "
			       "never initialised)", (const void *)arr);
	if (!hdr_valid(arr))
		return fail_hdr(arr, "fbarray detach");
	pthread_mutex_lock(&area_lock);
	a = find_area(arr);
	if (a == NULL) {
		pthread_mutex_unlock(&area_lock);
		return hm_fail(ENOENT, "fbarray detach: %p is not mapped by this process",
			       arr->data);
	}
	remove_area(a);
	pthread_mutex_unlock(&area_lock);
	hm_va_release(a->addr, a->size);
	if (a->fd >= 0)
		close(a->fd);
	free(a);
	return 0;
}

int
hm_fbarray_destroy(struct hm_fbarray *arr)
{
	struct area *a;
	int rc;

	/* what destroy leaves (or a header never initialised) maps nothing of
	 * this process: ENOENT, as DPDK says for a second destroy */
	if (arr != NULL && arr->data == NULL)
		return hm_fail(ENOENT, "fbarray destroy: fbarray %p maps nothing (destroyed or "
			       "never initialised)", (const void *)arr);
	if (!hdr_valid(arr))
		return fail_hdr(arr, "fbarray destroy");
	pthread_mutex_lock(&area_lock);
	a = find_area(arr);
	if (a == NULL) {
		pthread_mutex_unlock(&area_lock);
		return hm_fail(ENOENT, "fbarray destroy: %p is not mapped by this process",
			       arr->data);
	}
	if (a->fd >= 0) {
		rc = upgrade_lock(a->fd, a->path);
		if (rc < 0) {
			pthread_mutex_unlock(&area_lock);
			return hm_fail(-rc, "fbarray destroy '%.63s': %s is still attached by "
				       "another process", arr->name, a->path);
		}
		/* A name that cannot go (the directory became unwritable) is no reason
		 * to keep the mapping: say which file stays, and unmap anyway. */
		if (unlink(a->path) != 0 && errno != ENOENT)
			HM_LOG(WARNING, "fbarray destroy '%.63s': cannot remove %s: %s; the "
			       "file stays", arr->name, a->path, hm_strerror(errno));
		close(a->fd);
	}
	remove_area(a);
	pthread_mutex_unlock(&area_lock);
	hm_va_release(a->addr, a->size);
	free(a);
	memset(arr, 0, sizeof(*arr));
	return 0;
}

/* ---- elements and bits ---- */

void *
hm_fbarray_get(const struct hm_fbarray *arr, unsigned int idx)
{
	if (!hdr_valid(arr)) {
		fail_hdr(arr, "fbarray get");
		return NULL;
	}
	if (idx >= arr->len)
		return hm_fail_ptr(EINVAL, "fbarray get '%.63s': index %u >= len %u", arr->name,
				   idx, arr->len);
	return (char *)arr->data + (size_t)idx * arr->elt_sz;
}

int
hm_fbarray_find_idx(const struct hm_fbarray *arr, const void *elt)
{
	uintptr_t b, p = (uintptr_t)elt;
	size_t off;

	if (!hdr_valid(arr))
		return fail_hdr(arr, "fbarray find_idx");
	b = (uintptr_t)arr->data;
	if (elt == NULL || p < b || p - b >= (size_t)arr->len * arr->elt_sz)
		return hm_fail(EINVAL, "fbarray find_idx '%.63s': %p is outside the elements",
			       arr->name, elt);
	off = p - b;
	if (off % arr->elt_sz != 0)
		return hm_fail(EINVAL, "fbarray find_idx '%.63s': %p is not an element start",
			       arr->name, elt);
	return (int)(off / arr->elt_sz);
}

static int
set_state(struct hm_fbarray *arr, unsigned int idx, bool used, const char *fn)
{
	uint64_t *word, bit;

	if (!hdr_valid(arr))
		return fail_hdr(arr, fn);
	if (idx >= arr->len)
		return hm_fail(EINVAL, "%s '%.63s': index %u >= len %u", fn, arr->name, idx,
			       arr->len);
	word = &get_bits(arr)[idx / WORD_BITS];
	bit = 1ULL << (idx % WORD_BITS);
	int rc = fb_lock(arr);
	if (rc < 0)
		return rc;
	if (used && (*word & bit) == 0) {
		HM_ASSERT(arr->count < arr->len && "count out of sync with the mask");
		*word |= bit;
		arr->count++;
	} else if (!used && (*word & bit) != 0) {
		HM_ASSERT(arr->count > 0 && "count out of sync with the mask");
		*word &= ~bit;
		arr->count--;
	}
	fb_unlock(arr);
	return 0;
}

int
hm_fbarray_set_used(struct hm_fbarray *arr, unsigned int idx)
{
	return set_state(arr, idx, true, "fbarray set_used");
}

int
hm_fbarray_set_free(struct hm_fbarray *arr, unsigned int idx)
{
	return set_state(arr, idx, false, "fbarray set_free");
}

int
hm_fbarray_is_used(struct hm_fbarray *arr, unsigned int idx)
{
	int r;

	if (!hdr_valid(arr))
		return fail_hdr(arr, "fbarray is_used");
	if (idx >= arr->len)
		return hm_fail(EINVAL, "fbarray is_used '%.63s': index %u >= len %u", arr->name,
			       idx, arr->len);
	r = fb_lock(arr);
	if (r < 0)
		return r;
	r = (get_bits(arr)[idx / WORD_BITS] >> (idx % WORD_BITS)) & 1;
	fb_unlock(arr);
	return r;
}

int
hm_fbarray_count_used(struct hm_fbarray *arr)
{
	int r;

	if (!hdr_valid(arr))
		return fail_hdr(arr, "fbarray count_used");
	r = fb_lock(arr);
	if (r < 0)
		return r;
	r = (int)arr->count;
	fb_unlock(arr);
	return r;
}

/* ---- finders ---- */

enum find_op {
	FIND_NEXT,
	FIND_PREV,
	FIND_NEXT_N,
	FIND_PREV_N,
	FIND_CONTIG,
	FIND_REV_CONTIG,
	FIND_BIGGEST,
	FIND_REV_BIGGEST,
};

static const char *const op_names[] = {
	[FIND_NEXT] = "find_next",
	[FIND_PREV] = "find_prev",
	[FIND_NEXT_N] = "find_next_n",
	[FIND_PREV_N] = "find_prev_n",
	[FIND_CONTIG] = "find_contig",
	[FIND_REV_CONTIG] = "find_rev_contig",
	[FIND_BIGGEST] = "find_biggest",
	[FIND_REV_BIGGEST] = "find_rev_biggest",
};

/*
 * Answer from the count alone when the array is entirely in one state, or -1
 * when the bitmap must be scanned. pre: read lock held, arguments validated.
 */
static int64_t
try_shortcut(const struct hm_fbarray *arr, enum find_op op, uint32_t start, uint32_t n,
	     bool used)
{
	uint32_t wanted = used ? arr->count : arr->len - arr->count;

	if (wanted == 0) /* nothing in the wanted state */
		return op == FIND_CONTIG || op == FIND_REV_CONTIG ? 0 : miss(used);
	if (wanted != arr->len)
		return -1;
	switch (op) { /* everything in the wanted state */
	case FIND_NEXT:
	case FIND_PREV:
	case FIND_NEXT_N:
	case FIND_BIGGEST:
		return start;
	case FIND_PREV_N:
		return start - n + 1;
	case FIND_CONTIG:
		return arr->len - start;
	case FIND_REV_CONTIG:
		return (int64_t)start + 1;
	case FIND_REV_BIGGEST:
		return 0;
	}
	return -1;
}

static int
find(struct hm_fbarray *arr, enum find_op op, unsigned int start, unsigned int n, bool used)
{
	int64_t r;

	if (!hdr_valid(arr))
		return fail_hdr(arr, op_names[op]);
	if (start >= arr->len)
		return hm_fail(EINVAL, "fbarray %s '%.63s': start %u >= len %u", op_names[op],
			       arr->name, start, arr->len);
	if (op == FIND_NEXT_N || op == FIND_PREV_N) {
		if (n == 0 || n > arr->len)
			return hm_fail(EINVAL, "fbarray %s '%.63s': n %u is not in [1, len %u]",
				       op_names[op], arr->name, n, arr->len);
		/* No room for a run of n after (before) start. */
		if ((op == FIND_NEXT_N && arr->len - start < n) ||
		    (op == FIND_PREV_N && start < n - 1))
			goto not_found;
	}

	r = fb_lock(arr);
	if (r < 0)
		return (int)r;
	r = try_shortcut(arr, op, start, n, used);
	if (r == -1) {
		switch (op) {
		case FIND_NEXT:
			r = scan_next(arr, start, used);
			break;
		case FIND_PREV:
			r = scan_prev(arr, start, used);
			break;
		case FIND_NEXT_N:
			r = scan_next_n(arr, start, n, used);
			break;
		case FIND_PREV_N:
			r = scan_prev_n(arr, start, n, used);
			break;
		case FIND_CONTIG:
			r = measure_run(arr, start, used);
			break;
		case FIND_REV_CONTIG:
			r = measure_rev_run(arr, start, used);
			break;
		case FIND_BIGGEST:
			r = scan_biggest(arr, start, used);
			break;
		case FIND_REV_BIGGEST:
			r = scan_rev_biggest(arr, start, used);
			break;
		}
		if (r == -1)
			r = miss(used);
	}
	fb_unlock(arr);
	if (r >= 0) {
		HM_ASSERT(r <= arr->len);
		return (int)r;
	}
not_found:
	return hm_fail(used ? ENOENT : ENOSPC, "fbarray %s '%.63s': no %s element%s from %u",
		       op_names[op], arr->name, used ? "used" : "free",
		       op == FIND_NEXT_N || op == FIND_PREV_N ? " run" : "", start);
}

int
hm_fbarray_find_next_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_NEXT, start, 1, false);
}

int
hm_fbarray_find_next_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_NEXT, start, 1, true);
}

int
hm_fbarray_find_prev_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_PREV, start, 1, false);
}

int
hm_fbarray_find_prev_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_PREV, start, 1, true);
}

int
hm_fbarray_find_next_n_free(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FIND_NEXT_N, start, n, false);
}

int
hm_fbarray_find_next_n_used(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FIND_NEXT_N, start, n, true);
}

int
hm_fbarray_find_prev_n_free(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FIND_PREV_N, start, n, false);
}

int
hm_fbarray_find_prev_n_used(struct hm_fbarray *arr, unsigned int start, unsigned int n)
{
	return find(arr, FIND_PREV_N, start, n, true);
}

int
hm_fbarray_find_contig_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_CONTIG, start, 1, false);
}

int
hm_fbarray_find_contig_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_CONTIG, start, 1, true);
}

int
hm_fbarray_find_rev_contig_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_REV_CONTIG, start, 1, false);
}

int
hm_fbarray_find_rev_contig_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_REV_CONTIG, start, 1, true);
}

int
hm_fbarray_find_biggest_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_BIGGEST, start, 1, false);
}

int
hm_fbarray_find_biggest_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_BIGGEST, start, 1, true);
}

int
hm_fbarray_find_rev_biggest_free(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_REV_BIGGEST, start, 1, false);
}

int
hm_fbarray_find_rev_biggest_used(struct hm_fbarray *arr, unsigned int start)
{
	return find(arr, FIND_REV_BIGGEST, start, 1, true);
}

/* ---- diagnostics ---- */

void
hm_fbarray_dump(struct hm_fbarray *arr, FILE *f)
{
	uint32_t pos = 0;
	int64_t s;

	if (f == NULL)
		return;
	if (!hdr_valid(arr)) {
		fprintf(f, "fbarray %p: not initialised\n", (void *)arr);
		return;
	}
	if (fb_lock(arr) < 0) {
		fprintf(f, "fbarray '%.63s': %s\n", arr->name, hm_last_error());
		return;
	}
	fprintf(f, "fbarray '%.63s': len=%u elt_sz=%u count=%u data=%p%s\n", arr->name,
		arr->len, arr->elt_sz, arr->count, arr->data,
		(arr->flags & HM_FBARRAY_F_ANON) ? " anonymous" : "");
	fprintf(f, "  used:");
	while (pos < arr->len && (s = scan_next(arr, pos, true)) >= 0) {
		uint32_t l = measure_run(arr, (uint32_t)s, true);

		fprintf(f, " [%u-%u]", (uint32_t)s, (uint32_t)s + l - 1);
		pos = (uint32_t)s + l;
	}
	if (arr->count == 0)
		fprintf(f, " none");
	fprintf(f, "\n");
	fb_unlock(arr);
}

static int
report(const char **reason, const char *why)
{
	if (reason != NULL)
		*reason = why;
	return -EFAULT;
}

int
hm_fbarray_check(struct hm_fbarray *arr, const char **reason)
{
	const uint64_t *bits;
	uint64_t pop = 0;
	size_t nw, w;
	const char *bad = NULL;

	if (arr == NULL) {
		if (reason != NULL)
			*reason = "NULL fbarray";
		return -EINVAL;
	}
	if (arr->len == 0) { /* uninitialised or destroyed: nobody may write it */
		if (arr->count != 0)
			return report(reason, "count > len");
		if (arr->data != NULL)
			return report(reason, "len is 0 but data is set");
		return 0;
	}
	if (arr->data == NULL)
		return report(reason, "data is NULL with len > 0");
	if (arr->len > INT_MAX)
		return report(reason, "len > INT_MAX");
	if (arr->elt_sz == 0)
		return report(reason, "elt_sz is 0 with len > 0");
	if (((uintptr_t)arr->data & (hm_sys_page_size() - 1)) != 0)
		return report(reason, "data is not page aligned");
	if (memchr(arr->name, '\0', sizeof(arr->name)) == NULL)
		return report(reason, "name is not NUL-terminated");

	nw = count_words(arr->len);
	bits = get_bits(arr);
	if (fb_lock(arr) < 0)
		return report(reason, "its lock was left by a dead process");
	if (arr->count > arr->len) {
		bad = "count > len";
		goto out;
	}
	if (*get_n_masks(arr) != nw) {
		bad = "n_masks != ceil(len / 64)";
		goto out;
	}
	for (w = 0; w < nw; w++)
		pop += (uint64_t)__builtin_popcountll(bits[w]);
	/* no bit at index >= len is ever set */
	if (arr->len % WORD_BITS != 0 && (bits[nw - 1] >> (arr->len % WORD_BITS)) != 0)
		bad = "a bit at index >= len is set";
	/* count == popcount(bits) */
	else if (pop != arr->count)
		bad = "count != popcount(mask)";
out:
	fb_unlock(arr);
	return bad != NULL ? report(reason, bad) : 0;
}
