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
 * nothing to sharing it), and then use the unlocked fbarray_scan_* /
 * fbarray_measure_* helpers (fbarray_scan.c).
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
 *
 * Files: this one (registry, lifecycle, elements and bits, dump and check),
 * fbarray_find.c (the public finders), fbarray_scan.c (the unlocked scans),
 * fbarray_i.h (what they share). Calls go fbarray.c -> fbarray_scan.c and
 * fbarray_find.c -> fbarray_scan.c, never back.
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

#include "fbarray_i.h"

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
	while (pos < arr->len && (s = fbarray_scan_next(arr, pos, true)) >= 0) {
		uint32_t l = fbarray_measure_run(arr, (uint32_t)s, true);

		fprintf(f, " [%u-%u]", (uint32_t)s, (uint32_t)s + l - 1);
		pos = (uint32_t)s + l;
	}
	if (arr->count == 0)
		fprintf(f, " none");
	fprintf(f, "\n");
	fb_unlock(arr);
}

/* The validator's verdict on a corrupt @p arr: -EFAULT, @p why in *reason and
 * in the last error. */
static int
report(const struct hm_fbarray *arr, const char **reason, const char *why)
{
	if (reason != NULL)
		*reason = why;
	return hm_fail(EFAULT, "fbarray %p is corrupt: %s", (const void *)arr, why);
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
		return hm_fail(EINVAL, "fbarray check: NULL fbarray");
	}
	if (arr->len == 0) { /* uninitialised or destroyed: nobody may write it */
		if (arr->count != 0)
			return report(arr, reason, "count > len");
		if (arr->data != NULL)
			return report(arr, reason, "len is 0 but data is set");
		return 0;
	}
	if (arr->data == NULL)
		return report(arr, reason, "data is NULL with len > 0");
	if (arr->len > INT_MAX)
		return report(arr, reason, "len > INT_MAX");
	if (arr->elt_sz == 0)
		return report(arr, reason, "elt_sz is 0 with len > 0");
	if (((uintptr_t)arr->data & (hm_sys_page_size() - 1)) != 0)
		return report(arr, reason, "data is not page aligned");
	if (memchr(arr->name, '\0', sizeof(arr->name)) == NULL)
		return report(arr, reason, "name is not NUL-terminated");

	nw = count_words(arr->len);
	bits = get_bits(arr);
	if (fb_lock(arr) < 0)
		return report(arr, reason, "its lock was left by a dead process");
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
	return bad != NULL ? report(arr, reason, bad) : 0;
}
