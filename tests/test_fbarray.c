/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_fbarray tests:
 *  - argument validation of every public function (NULL, zeroed header, index and
 *    start == len, n == 0 / n > len, bad names and geometry), with the array's
 *    state checked unchanged after each rejected call;
 *  - hm_fbarray_check spotting corrupted headers and masks;
 *  - a property test comparing every finder against a naive linear scan over
 *    thousands of random and structured states, for lengths around word sizes;
 *  - lifecycle: backing files, flock semantics (EBUSY), attach in a forked child,
 *    detach/attach, EEXIST / EADDRNOTAVAIL / ENOENT, anonymous arrays, and
 *    init/destroy cycles leaving no fd, mapping or file behind;
 *  - concurrent writers and readers.
 * Needs nothing special: files go to a private directory under
 * $HUGEMEM_RUNTIME_DIR (or /tmp).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hugemem/fbarray.h"

#include "helpers.h"

#define MAX_LEN 4099

static char tdir[PATH_MAX]; /* private directory for backing files */

#include "fbarray_model.h"

/* ---- small helpers ---- */

static size_t
page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Mapping size for a geometry, as fbarray.h documents the layout. */
static size_t
map_size(unsigned int len, unsigned int elt_sz)
{
	size_t off = ((size_t)len * elt_sz + 7) & ~(size_t)7;
	size_t total = off + 8 + 8 * (((size_t)len + 63) / 64);

	return (total + page_size() - 1) & ~(page_size() - 1);
}

static uint64_t *
mask_of(const struct hm_fbarray *arr)
{
	size_t off = ((size_t)arr->len * arr->elt_sz + 7) & ~(size_t)7;

	return (uint64_t *)(void *)((char *)arr->data + off + 8);
}

static void
file_path(char *buf, size_t sz, const char *name)
{
	if (snprintf(buf, sz, "%s/fbarray_%s", tdir, name) >= (int)sz)
		fail_msg("path of '%s' too long", name);
}

static bool
file_exists(const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	file_path(p, sizeof(p), name);
	return stat(p, &st) == 0;
}

static void
assert_check_ok(struct hm_fbarray *arr)
{
	const char *why = NULL;
	int rc = hm_fbarray_check(arr, &why);

	if (rc != 0)
		fail_msg("hm_fbarray_check: %d (%s)", rc, why != NULL ? why : "?");
}

/* Remove tdir and its (flat) contents. */
static void
clean_tdir(void)
{
	DIR *d;
	struct dirent *e;

	if (tdir[0] == '\0' || (d = opendir(tdir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(tdir);
}

/* mkdir -p */
static int
make_dirs(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int
group_setup(void **state)
{
	const char *base = getenv("HUGEMEM_RUNTIME_DIR");
	int n;

	(void)state;
	hm_test_quiet_log();
	if (base != NULL && base[0] != '\0') {
		if (make_dirs(base) != 0)
			return -1;
		n = snprintf(tdir, sizeof(tdir), "%s/fbarray.XXXXXX", base);
	} else {
		n = snprintf(tdir, sizeof(tdir), "/tmp/hm_fbarray.XXXXXX");
	}
	if (n >= (int)sizeof(tdir) - 64 || mkdtemp(tdir) == NULL) {
		tdir[0] = '\0';
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	clean_tdir();
	return 0;
}

/* ---- validation ---- */

/* Snapshot of everything a rejected call must leave alone. */
struct snap {
	struct hm_fbarray hdr;
	unsigned char data[1024];
	uint64_t mask[4];
};

static void
take_snap(struct hm_fbarray *arr, struct snap *s)
{
	memcpy(&s->hdr, arr, sizeof(*arr));
	memcpy(s->data, arr->data, (size_t)arr->len * arr->elt_sz);
	memcpy(s->mask, mask_of(arr), 8 * ((arr->len + 63) / 64));
}

static void
assert_snap(struct hm_fbarray *arr, const struct snap *s, int line)
{
	if (memcmp(&s->hdr, arr, sizeof(*arr)) != 0)
		fail_msg("line %d: header changed by a rejected call", line);
	if (memcmp(s->data, arr->data, (size_t)arr->len * arr->elt_sz) != 0)
		fail_msg("line %d: elements changed by a rejected call", line);
	if (memcmp(s->mask, mask_of(arr), 8 * ((arr->len + 63) / 64)) != 0)
		fail_msg("line %d: mask changed by a rejected call", line);
	assert_check_ok(arr);
}

#define UNCHANGED() assert_snap(&a, &snap, __LINE__)

static void
test_fbarray_invalid_args(void **state)
{
	struct hm_fbarray a, b, z, bad;
	struct snap snap;
	char name64[HM_FBARRAY_NAME_LEN + 1], name63[HM_FBARRAY_NAME_LEN], longdir[PATH_MAX + 16];
	FILE *devnull = fopen("/dev/null", "w");
	const unsigned int len = 100, esz = 8;
	int *elt;

	(void)state;
	assert_non_null(devnull);
	memset(name64, 'x', HM_FBARRAY_NAME_LEN);
	name64[HM_FBARRAY_NAME_LEN] = '\0';
	memset(name63, 'y', HM_FBARRAY_NAME_LEN - 1);
	name63[HM_FBARRAY_NAME_LEN - 1] = '\0';
	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';

	/* A live array with some state, to prove rejected calls leave it alone. */
	assert_int_equal(hm_fbarray_init(&a, "inval", len, esz, tdir), 0);
	for (unsigned int i = 0; i < len; i += 3)
		assert_int_equal(hm_fbarray_set_used(&a, i), 0);
	for (unsigned int i = 0; i < len; i++)
		memset(hm_fbarray_get(&a, i), (int)i, esz);
	take_snap(&a, &snap);

	/* init */
	assert_int_equal(hm_fbarray_init(NULL, "x", len, esz, NULL), -EINVAL);
	assert_int_equal(hm_fbarray_init(&a, NULL, len, esz, NULL), -EINVAL);
	UNCHANGED();
	assert_int_equal(hm_fbarray_init(&a, "", len, esz, NULL), -EINVAL);
	UNCHANGED();
	assert_int_equal(hm_fbarray_init(&a, name64, len, esz, NULL), -ENAMETOOLONG);
	UNCHANGED();
	assert_int_equal(hm_fbarray_init(&a, name64, len, esz, tdir), -ENAMETOOLONG);
	UNCHANGED();
	assert_int_equal(hm_fbarray_init(&a, "x", len, 0, NULL), -EINVAL);
	UNCHANGED();
	assert_int_equal(hm_fbarray_init(&a, "x", 0, esz, NULL), -EINVAL);
	UNCHANGED();
	assert_int_equal(hm_fbarray_init(&a, "x", (unsigned int)INT_MAX + 1, esz, NULL), -EINVAL);
	UNCHANGED();
	assert_int_equal(hm_fbarray_init(&a, "x", UINT_MAX, esz, NULL), -EINVAL);
	UNCHANGED();
	assert_int_equal(hm_fbarray_init(&a, "x", len, esz, longdir), -ENAMETOOLONG);
	UNCHANGED();
	assert_int_equal(hm_fbarray_init(&a, "a/b", len, esz, tdir), -EINVAL);
	UNCHANGED();
	assert_int_equal(hm_fbarray_init(&a, "x", len, esz, "/nonexistent-hugemem-dir"),
			 -ENOENT);
	UNCHANGED();
	assert_int_equal(hm_fbarray_init(&a, "inval", len, esz, tdir), -EBUSY); /* live */
	UNCHANGED();
	/* 63 characters is the longest valid name, file-backed or not. */
	assert_int_equal(hm_fbarray_init(&b, name63, len, esz, tdir), 0);
	assert_true(file_exists(name63));
	assert_int_equal(hm_fbarray_destroy(&b), 0);
	assert_false(file_exists(name63));
	assert_int_equal(hm_fbarray_init(&b, name63, 1, 1, NULL), 0);
	assert_int_equal(hm_fbarray_destroy(&b), 0);

	/* Every other entry point: NULL, then a zeroed header. */
	memset(&z, 0, sizeof(z));
	for (int pass = 0; pass < 2; pass++) {
		struct hm_fbarray *p = pass == 0 ? NULL : &z;

		assert_int_equal(hm_fbarray_attach(p, tdir), -EINVAL);
		/* a zeroed header maps nothing: ENOENT, as DPDK (NULL: EINVAL) */
		assert_int_equal(hm_fbarray_detach(p), pass == 0 ? -EINVAL : -ENOENT);
		assert_int_equal(hm_fbarray_destroy(p), pass == 0 ? -EINVAL : -ENOENT);
		hm_errno = 0;
		assert_null(hm_fbarray_get(p, 0));
		assert_int_equal(hm_errno, EINVAL);
		assert_int_equal(hm_fbarray_find_idx(p, a.data), -EINVAL);
		assert_int_equal(hm_fbarray_set_used(p, 0), -EINVAL);
		assert_int_equal(hm_fbarray_set_free(p, 0), -EINVAL);
		assert_int_equal(hm_fbarray_is_used(p, 0), -EINVAL);
		assert_int_equal(hm_fbarray_count_used(p), -EINVAL);
		for (size_t i = 0; i < N_FINDERS1; i++)
			assert_int_equal(finders1[i].fn(p, 0), -EINVAL);
		for (size_t i = 0; i < N_FINDERSN; i++)
			assert_int_equal(findersn[i].fn(p, 0, 1), -EINVAL);
		hm_fbarray_dump(p, devnull);
	}
	assert_int_equal(hm_fbarray_check(NULL, NULL), -EINVAL);
	assert_int_equal(hm_fbarray_check(&z, NULL), 0); /* uninitialised is consistent */
	hm_fbarray_dump(&a, NULL);
	for (size_t i = 0; i < sizeof(z); i++)
		assert_int_equal(((unsigned char *)&z)[i], 0);
	UNCHANGED();

	/* Indexes and starts out of range on the live array. */
	const unsigned int bad_idx[] = { len, len + 1, INT_MAX, UINT_MAX };
	for (size_t k = 0; k < sizeof(bad_idx) / sizeof(bad_idx[0]); k++) {
		unsigned int i = bad_idx[k];

		hm_errno = 0;
		assert_null(hm_fbarray_get(&a, i));
		assert_int_equal(hm_errno, EINVAL);
		assert_int_equal(hm_fbarray_set_used(&a, i), -EINVAL);
		UNCHANGED();
		assert_int_equal(hm_fbarray_set_free(&a, i), -EINVAL);
		UNCHANGED();
		assert_int_equal(hm_fbarray_is_used(&a, i), -EINVAL);
		for (size_t f = 0; f < N_FINDERS1; f++)
			assert_int_equal(finders1[f].fn(&a, i), -EINVAL);
		for (size_t f = 0; f < N_FINDERSN; f++)
			assert_int_equal(findersn[f].fn(&a, i, 1), -EINVAL);
		UNCHANGED();
	}
	/* n == 0, n > len; then runs that cannot fit after / before start. */
	for (size_t f = 0; f < N_FINDERSN; f++) {
		bool used = findersn[f].used;

		assert_int_equal(findersn[f].fn(&a, 0, 0), -EINVAL);
		assert_int_equal(findersn[f].fn(&a, 0, len + 1), -EINVAL);
		assert_int_equal(findersn[f].fn(&a, len - 1, UINT_MAX), -EINVAL);
		if (findersn[f].q == Q_NEXT_N) {
			assert_int_equal(findersn[f].fn(&a, len - 2, 3), MISS(used));
			assert_int_equal(findersn[f].fn(&a, 1, len), MISS(used));
		} else {
			assert_int_equal(findersn[f].fn(&a, 1, 3), MISS(used));
			assert_int_equal(findersn[f].fn(&a, len - 2, len), MISS(used));
		}
		UNCHANGED();
	}
	assert_int_equal(hm_fbarray_count_used(&a), (int)((len + 2) / 3));

	/* find_idx: outside, misaligned, and the good cases. */
	elt = hm_fbarray_get(&a, 5);
	assert_non_null(elt);
	assert_int_equal(hm_fbarray_find_idx(&a, NULL), -EINVAL);
	assert_int_equal(hm_fbarray_find_idx(&a, (char *)a.data - 1), -EINVAL);
	assert_int_equal(hm_fbarray_find_idx(&a, (char *)a.data - esz), -EINVAL);
	assert_int_equal(hm_fbarray_find_idx(&a, (char *)a.data + (size_t)len * esz), -EINVAL);
	assert_int_equal(hm_fbarray_find_idx(&a, (char *)a.data + 1), -EINVAL);
	assert_int_equal(hm_fbarray_find_idx(&a, (char *)elt + esz - 1), -EINVAL);
	assert_int_equal(hm_fbarray_find_idx(&a, mask_of(&a)), -EINVAL);
	assert_int_equal(hm_fbarray_find_idx(&a, elt), 5);
	assert_int_equal(hm_fbarray_find_idx(&a, a.data), 0);
	assert_int_equal(hm_fbarray_find_idx(&a, (char *)a.data + (size_t)(len - 1) * esz),
			 (int)len - 1);

	/* Lifecycle calls on a live array that must be refused. */
	assert_int_equal(hm_fbarray_attach(&a, NULL), -EINVAL);
	UNCHANGED();
	assert_int_equal(hm_fbarray_attach(&a, tdir), -EEXIST);
	UNCHANGED();

	/* Headers with impossible geometry are refused everywhere. */
	memcpy(&bad, &a, sizeof(bad));
	bad.len = (unsigned int)INT_MAX + 1;
	assert_int_equal(hm_fbarray_set_used(&bad, 0), -EINVAL);
	assert_int_equal(hm_fbarray_find_next_free(&bad, 0), -EINVAL);
	assert_int_equal(hm_fbarray_attach(&bad, tdir), -EINVAL);
	assert_int_equal(hm_fbarray_detach(&bad), -EINVAL);
	assert_int_equal(hm_fbarray_destroy(&bad), -EINVAL);
	memcpy(&bad, &a, sizeof(bad));
	bad.elt_sz = 0;
	assert_int_equal(hm_fbarray_is_used(&bad, 0), -EINVAL);
	assert_null(hm_fbarray_get(&bad, 0));
	assert_int_equal(hm_fbarray_find_idx(&bad, a.data), -EINVAL);
	assert_int_equal(hm_fbarray_count_used(&bad), -EINVAL);
	memcpy(&bad, &a, sizeof(bad));
	bad.data = NULL;
	assert_int_equal(hm_fbarray_find_prev_used(&bad, 0), -EINVAL);
	assert_int_equal(hm_fbarray_destroy(&bad), -ENOENT);
	/* A well-formed header for a range this process never mapped. */
	memcpy(&bad, &a, sizeof(bad));
	bad.data = (char *)a.data + 64 * page_size();
	assert_int_equal(hm_fbarray_detach(&bad), -ENOENT);
	assert_int_equal(hm_fbarray_destroy(&bad), -ENOENT);
	/* Same address, different geometry: not the recorded area either. */
	memcpy(&bad, &a, sizeof(bad));
	bad.len = len * 1000;
	assert_int_equal(hm_fbarray_detach(&bad), -ENOENT);
	assert_int_equal(hm_fbarray_destroy(&bad), -ENOENT);
	/* Misaligned data cannot be attached. */
	memcpy(&bad, &a, sizeof(bad));
	bad.data = (char *)a.data + 8;
	assert_int_equal(hm_fbarray_attach(&bad, tdir), -EINVAL);
	UNCHANGED();

	assert_int_equal(hm_fbarray_destroy(&a), 0);
	assert_false(file_exists("inval"));
	fclose(devnull);
}

static void
test_fbarray_check_detects_corruption(void **state)
{
	struct hm_fbarray a, c;
	const char *why;
	uint64_t *mask;

	(void)state;
	assert_int_equal(hm_fbarray_init(&a, "corrupt", 100, 3, NULL), 0);
	assert_int_equal(hm_fbarray_set_used(&a, 7), 0);
	assert_int_equal(hm_fbarray_set_used(&a, 99), 0);
	assert_check_ok(&a);
	mask = mask_of(&a);
	assert_int_equal(mask[-1], 2); /* n_masks */

	memcpy(&c, &a, sizeof(c));
	c.count = 1;
	why = NULL;
	assert_int_equal(hm_fbarray_check(&c, &why), -EFAULT);
	assert_non_null(why);
	assert_non_null(strstr(why, "popcount"));
	assert_int_equal(hm_fbarray_check(&c, NULL), -EFAULT);

	c.count = 101;
	assert_int_equal(hm_fbarray_check(&c, &why), -EFAULT);

	memcpy(&c, &a, sizeof(c));
	c.len = 0;
	c.count = 0;
	assert_int_equal(hm_fbarray_check(&c, &why), -EFAULT); /* len 0, data set */
	memcpy(&c, &a, sizeof(c));
	c.data = NULL;
	assert_int_equal(hm_fbarray_check(&c, &why), -EFAULT);
	memcpy(&c, &a, sizeof(c));
	c.elt_sz = 0;
	assert_int_equal(hm_fbarray_check(&c, &why), -EFAULT);

	/* A bit beyond len, with the count matching the popcount. */
	mask[1] |= 1ULL << 40; /* index 104 */
	a.count++;
	why = NULL;
	assert_int_equal(hm_fbarray_check(&a, &why), -EFAULT);
	assert_non_null(why);
	assert_non_null(strstr(why, ">= len"));
	/* ...and the finders never report it. */
	assert_int_equal(hm_fbarray_find_next_used(&a, 99), 99);
	assert_int_equal(hm_fbarray_find_contig_used(&a, 99), 1);
	mask[1] &= ~(1ULL << 40);
	a.count--;
	assert_check_ok(&a);

	mask[-1] = 3;
	assert_int_equal(hm_fbarray_check(&a, &why), -EFAULT);
	assert_non_null(strstr(why, "n_masks"));
	mask[-1] = 2;
	assert_check_ok(&a);

	assert_int_equal(hm_fbarray_destroy(&a), 0);
	assert_int_equal(hm_fbarray_check(&a, NULL), 0); /* zeroed */
}

/* ---- property test against the naive model ---- */

static unsigned int
pick_run_len(uint64_t *rng)
{
	static const unsigned int lens[] = {
		1, 1, 2, 3, 5, 62, 63, 64, 65, 66, 100, 127, 128, 129, 200,
	};
	uint64_t r = hm_test_rand(rng);

	if (r & 1)
		return lens[(r >> 1) % (sizeof(lens) / sizeof(lens[0]))];
	return 1 + (unsigned int)((r >> 1) % 150);
}

static void
fill(bool *m, unsigned int len, unsigned int from, unsigned int to, bool v)
{
	for (unsigned int i = from; i < to && i < len; i++)
		m[i] = v;
}

/* Next state of the model; returns a description of its kind. */
static const char *
gen_state(bool *m, unsigned int len, uint64_t *rng)
{
	uint64_t r = hm_test_rand(rng);
	bool base = (r >> 8) & 1;

	switch (r % 9) {
	case 0:
		fill(m, len, 0, len, false);
		return "empty";
	case 1:
		fill(m, len, 0, len, true);
		return "full";
	case 2: {
		unsigned int p = (unsigned int)(hm_test_rand(rng) % 17); /* density p/16 */

		for (unsigned int i = 0; i < len; i++)
			m[i] = hm_test_rand(rng) % 16 < p;
		return "random density";
	}
	case 3: {
		unsigned int i = (unsigned int)(hm_test_rand(rng) % 3);

		fill(m, len, 0, i, !base);
		while (i < len) {
			unsigned int l = pick_run_len(rng);

			fill(m, len, i, i + l, base);
			base = !base;
			i += l;
		}
		return "alternating runs";
	}
	case 4: /* runs straddling word boundaries */
		fill(m, len, 0, len, base);
		for (unsigned int b = 64; b < len + 64; b += 64) {
			unsigned int before, after;

			if (hm_test_rand(rng) % 3 == 0)
				continue;
			before = (unsigned int)(hm_test_rand(rng) % 70);
			after = (unsigned int)(hm_test_rand(rng) % 70);
			fill(m, len, b > before ? b - before : 0, b + after, !base);
		}
		return "word-boundary runs";
	case 5: { /* one odd element out, often at a boundary */
		static const unsigned int spots[] = { 0, 1, 62, 63, 64, 65, 127, 128 };
		unsigned int at = (unsigned int)(hm_test_rand(rng) % len);

		if (hm_test_rand(rng) & 1)
			at = spots[hm_test_rand(rng) % 8] % len;
		if (hm_test_rand(rng) & 1)
			at = len - 1;
		fill(m, len, 0, len, base);
		m[at] = !base;
		return "single element";
	}
	case 6: { /* long runs over several words */
		unsigned int k = 1 + (unsigned int)(hm_test_rand(rng) % 3);

		fill(m, len, 0, len, base);
		for (unsigned int j = 0; j < k; j++) {
			unsigned int s = (unsigned int)(hm_test_rand(rng) % len);
			unsigned int l = 64 + (unsigned int)(hm_test_rand(rng) % 300);

			fill(m, len, s, s + l, !base);
		}
		return "long runs";
	}
	default: { /* a few flips of the previous state */
		unsigned int k = 1 + (unsigned int)(hm_test_rand(rng) % 8);

		for (unsigned int j = 0; j < k; j++) {
			unsigned int i = (unsigned int)(hm_test_rand(rng) % len);

			m[i] = !m[i];
		}
		return "incremental";
	}
	}
}

/* Bring the array to the model's state, one checked mutation at a time. */
static void
apply_state(struct hm_fbarray *arr, bool *cur, const bool *want, unsigned int len,
	    uint64_t *rng)
{
	for (unsigned int i = 0; i < len; i++) {
		int rc;

		if (cur[i] == want[i]) {
			if (hm_test_rand(rng) % 64 != 0)
				continue;
			/* Idempotent call: nothing may change. */
			int before = hm_fbarray_count_used(arr);

			rc = want[i] ? hm_fbarray_set_used(arr, i) : hm_fbarray_set_free(arr, i);
			assert_int_equal(rc, 0);
			assert_int_equal(hm_fbarray_count_used(arr), before);
		} else {
			rc = want[i] ? hm_fbarray_set_used(arr, i) : hm_fbarray_set_free(arr, i);
			assert_int_equal(rc, 0);
			cur[i] = want[i];
		}
		assert_check_ok(arr);
	}
}

static void
check_queries(struct hm_fbarray *arr, const bool *m, unsigned int len, unsigned int st,
	      const char *kind, uint64_t *rng)
{
	unsigned int starts[160], ns = 0;
	const unsigned int ns_want[] = { 0, 1, 2, 3, 63, 64, 65, 100, len, len + 1 };

	if (len <= 70) {
		for (unsigned int s = 0; s <= len; s++)
			starts[ns++] = s;
	} else {
		const unsigned int fixed[] = { 0, 1, 2, 62, 63, 64, 65, 66, 127, 128, 129,
					       len - 65, len - 64, len - 2, len - 1, len };

		for (size_t k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++)
			if (fixed[k] <= len)
				starts[ns++] = fixed[k];
		while (ns < 32)
			starts[ns++] = (unsigned int)(hm_test_rand(rng) % len);
	}

	for (unsigned int k = 0; k < ns; k++) {
		unsigned int s = starts[k];

		for (size_t f = 0; f < N_FINDERS1; f++) {
			int got = finders1[f].fn(arr, s);
			int exp = naive_find(m, len, finders1[f].q, s, 0, finders1[f].used);

			if (got != exp) {
				hm_fbarray_dump(arr, stdout);
				fail_msg("len %u state %u (%s): %s(%u) = %d, model says %d",
					 len, st, kind, finders1[f].name, s, got, exp);
			}
		}
		for (size_t f = 0; f < N_FINDERSN; f++) {
			for (size_t j = 0; j < sizeof(ns_want) / sizeof(ns_want[0]); j++) {
				unsigned int n = ns_want[j];
				int got = findersn[f].fn(arr, s, n);
				int exp = naive_find(m, len, findersn[f].q, s, n, findersn[f].used);

				if (got != exp) {
					hm_fbarray_dump(arr, stdout);
					fail_msg("len %u state %u (%s): %s(%u, %u) = %d, "
						 "model says %d", len, st, kind,
						 findersn[f].name, s, n, got, exp);
				}
			}
		}
	}
}

static void
test_fbarray_finders_vs_model(void **state)
{
	static const struct {
		unsigned int len, elt_sz, states;
	} cfg[] = {
		{ 1, 1, 60 },	  { 63, 1, 900 },  { 64, 3, 900 },   { 65, 8, 900 },
		{ 100, 5, 900 }, { 129, 48, 900 }, { 4099, 2, 250 },
	};
	static bool cur[MAX_LEN], want[MAX_LEN];
	uint64_t rng = hm_test_seed();
	unsigned int total = 0;

	(void)state;
	for (size_t c = 0; c < sizeof(cfg) / sizeof(cfg[0]); c++) {
		struct hm_fbarray arr;
		unsigned int len = cfg[c].len, pop;

		assert_int_equal(hm_fbarray_init(&arr, "model", len, cfg[c].elt_sz, NULL), 0);
		memset(cur, 0, sizeof(cur));
		memset(want, 0, sizeof(want));
		for (unsigned int st = 0; st < cfg[c].states; st++) {
			/* Start with the two extreme states, then random ones. */
			const char *kind = st == 0 ? "empty" : "full";

			if (st == 1)
				fill(want, len, 0, len, true);
			else if (st > 1)
				kind = gen_state(want, len, &rng);
			apply_state(&arr, cur, want, len, &rng);
			pop = 0;
			for (unsigned int i = 0; i < len; i++) {
				pop += cur[i];
				if (hm_fbarray_is_used(&arr, i) != (int)cur[i])
					fail_msg("len %u state %u: is_used(%u) wrong", len, st, i);
			}
			assert_int_equal(hm_fbarray_count_used(&arr), (int)pop);
			check_queries(&arr, cur, len, st, kind, &rng);
			total++;
		}
		assert_int_equal(hm_fbarray_destroy(&arr), 0);
	}
	printf("# %u states compared\n", total);
}

/* Hand-written cases from the reference's list, easier to read when they break. */
static void
test_fbarray_finders_known_cases(void **state)
{
	struct hm_fbarray a;

	(void)state;
	assert_int_equal(hm_fbarray_init(&a, "known", 256, sizeof(int), NULL), 0);
	/* empty */
	assert_int_equal(hm_fbarray_find_next_free(&a, 10), 10);
	assert_int_equal(hm_fbarray_find_next_used(&a, 0), -ENOENT);
	assert_int_equal(hm_fbarray_find_prev_n_free(&a, 255, 256), 0);
	assert_int_equal(hm_fbarray_find_next_n_free(&a, 0, 256), 0);
	assert_int_equal(hm_fbarray_find_contig_free(&a, 6), 250);
	assert_int_equal(hm_fbarray_find_rev_contig_free(&a, 6), 7);
	assert_int_equal(hm_fbarray_find_biggest_free(&a, 3), 3);
	assert_int_equal(hm_fbarray_find_rev_biggest_free(&a, 3), 0);
	assert_int_equal(hm_fbarray_find_biggest_used(&a, 3), -ENOENT);

	/* used run [60, 200): crosses two word boundaries, longer than 64 */
	for (unsigned int i = 60; i < 200; i++)
		assert_int_equal(hm_fbarray_set_used(&a, i), 0);
	assert_int_equal(hm_fbarray_find_next_used(&a, 0), 60);
	assert_int_equal(hm_fbarray_find_next_free(&a, 60), 200);
	assert_int_equal(hm_fbarray_find_prev_free(&a, 199), 59);
	assert_int_equal(hm_fbarray_find_next_n_used(&a, 0, 140), 60);
	assert_int_equal(hm_fbarray_find_next_n_used(&a, 61, 140), -ENOENT);
	assert_int_equal(hm_fbarray_find_next_n_used(&a, 61, 139), 61);
	assert_int_equal(hm_fbarray_find_prev_n_used(&a, 255, 140), 60);
	assert_int_equal(hm_fbarray_find_prev_n_used(&a, 198, 139), 60);
	assert_int_equal(hm_fbarray_find_prev_n_used(&a, 198, 140), -ENOENT);
	assert_int_equal(hm_fbarray_find_next_n_free(&a, 0, 60), 0);
	assert_int_equal(hm_fbarray_find_next_n_free(&a, 0, 61), -ENOSPC);
	assert_int_equal(hm_fbarray_find_next_n_free(&a, 0, 56), 0);
	assert_int_equal(hm_fbarray_find_next_n_free(&a, 1, 56), 1);
	assert_int_equal(hm_fbarray_find_next_n_free(&a, 5, 56), 200);
	assert_int_equal(hm_fbarray_find_prev_n_free(&a, 255, 56), 200);
	assert_int_equal(hm_fbarray_find_prev_n_free(&a, 255, 57), 3);
	assert_int_equal(hm_fbarray_find_prev_n_free(&a, 58, 57), 2);
	assert_int_equal(hm_fbarray_find_contig_used(&a, 60), 140);
	assert_int_equal(hm_fbarray_find_contig_used(&a, 100), 100);
	assert_int_equal(hm_fbarray_find_rev_contig_used(&a, 199), 140);
	assert_int_equal(hm_fbarray_find_rev_contig_used(&a, 200), 0);
	assert_int_equal(hm_fbarray_find_biggest_free(&a, 0), 0);   /* 60 vs 56: first */
	assert_int_equal(hm_fbarray_find_biggest_free(&a, 5), 200); /* 55 vs 56 */
	assert_int_equal(hm_fbarray_find_rev_biggest_free(&a, 255), 0);
	assert_int_equal(hm_fbarray_find_rev_biggest_free(&a, 254), 0); /* 55 vs 60 */
	assert_int_equal(hm_fbarray_find_rev_biggest_used(&a, 255), 60);
	assert_int_equal(hm_fbarray_find_rev_biggest_used(&a, 100), 60);
	/* the last word's top bit */
	assert_int_equal(hm_fbarray_set_used(&a, 255), 0);
	assert_int_equal(hm_fbarray_find_prev_used(&a, 254), 199);
	assert_int_equal(hm_fbarray_find_next_used(&a, 200), 255);
	assert_int_equal(hm_fbarray_find_rev_contig_used(&a, 255), 1);
	assert_int_equal(hm_fbarray_find_contig_free(&a, 200), 55);
	assert_int_equal(hm_fbarray_count_used(&a), 141);
	assert_check_ok(&a);
	assert_int_equal(hm_fbarray_destroy(&a), 0);
}

/* ---- lifecycle ---- */

static void
test_fbarray_file_lifecycle(void **state)
{
	struct hm_fbarray a, b;
	char path[PATH_MAX];
	struct stat st;
	const unsigned int len = 777, esz = 24;

	(void)state;
	file_path(path, sizeof(path), "life");
	assert_int_equal(hm_fbarray_init(&a, "life", len, esz, tdir), 0);
	assert_string_equal(a.name, "life");
	assert_int_equal(a.len, len);
	assert_int_equal(a.elt_sz, esz);
	assert_int_equal(hm_fbarray_count_used(&a), 0);
	assert_int_equal(((uintptr_t)a.data) % page_size(), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((size_t)st.st_size, map_size(len, esz));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(hm_test_va_mapped(a.data, map_size(len, esz)));
	assert_int_equal(mask_of(&a)[-1], (len + 63) / 64);

	/* zeroed, then written and read back */
	for (unsigned int i = 0; i < len; i++) {
		unsigned char *e = hm_fbarray_get(&a, i);

		for (unsigned int j = 0; j < esz; j++)
			assert_int_equal(e[j], 0);
		memset(e, (int)(i * 7 + 1), esz);
		if (i % 5 == 0)
			assert_int_equal(hm_fbarray_set_used(&a, i), 0);
	}
	for (unsigned int i = 0; i < len; i++) {
		unsigned char *e = hm_fbarray_get(&a, i);

		assert_int_equal(hm_fbarray_find_idx(&a, e), (int)i);
		for (unsigned int j = 0; j < esz; j++)
			assert_int_equal(e[j], (unsigned char)(i * 7 + 1));
		assert_int_equal(hm_fbarray_is_used(&a, i), i % 5 == 0);
	}
	assert_int_equal(hm_fbarray_count_used(&a), (len + 4) / 5);

	/* second init of the live name in this very process */
	assert_int_equal(hm_fbarray_init(&b, "life", len, esz, tdir), -EBUSY);
	assert_int_equal(hm_fbarray_init(&b, "life", 3, 3, tdir), -EBUSY);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((size_t)st.st_size, map_size(len, esz));
	assert_int_equal(((unsigned char *)hm_fbarray_get(&a, 3))[0], (unsigned char)22);
	assert_check_ok(&a);

	assert_int_equal(hm_fbarray_destroy(&a), 0);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(a.len, 0);
	assert_null(a.data);
	/* destroy twice: ENOENT, as DPDK's rte_fbarray_destroy */
	assert_int_equal(hm_fbarray_destroy(&a), -ENOENT);

	/* A stale file full of garbage: init must still give zeroed contents. */
	{
		int fd = open(path, O_CREAT | O_WRONLY, 0600);
		char junk[8192];

		assert_true(fd >= 0);
		memset(junk, 0xa5, sizeof(junk));
		for (int k = 0; k < 8; k++)
			assert_int_equal(write(fd, junk, sizeof(junk)), sizeof(junk));
		close(fd);
	}
	assert_int_equal(hm_fbarray_init(&a, "life", len, esz, tdir), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((size_t)st.st_size, map_size(len, esz));
	for (unsigned int i = 0; i < len; i++) {
		unsigned char *e = hm_fbarray_get(&a, i);

		for (unsigned int j = 0; j < esz; j++)
			assert_int_equal(e[j], 0);
		assert_int_equal(hm_fbarray_is_used(&a, i), 0);
	}
	assert_check_ok(&a);
	assert_int_equal(hm_fbarray_destroy(&a), 0);
	assert_false(file_exists("life"));
}

static pid_t child_pid = -1;

static int
reap_child(void **state)
{
	(void)state;
	if (child_pid > 0) {
		kill(child_pid, SIGKILL);
		waitpid(child_pid, NULL, 0);
		child_pid = -1;
	}
	return 0;
}

#define CHILD_CHECK(x, code) \
	do { if (!(x)) _exit(code); } while (0)

/* The child side of test_fbarray_attach_forked; exit code says what failed. */
static void
run_child(struct hm_fbarray *hdr, int to_parent, int from_parent)
{
	void *data = hdr->data;
	char c;

	/* fork copied the parent's mapping and registry: drop them, then attach. */
	CHILD_CHECK(hm_fbarray_attach(hdr, tdir) == -EEXIST, 10);
	CHILD_CHECK(hm_fbarray_detach(hdr) == 0, 11);
	CHILD_CHECK(!hm_test_va_mapped(data, map_size(hdr->len, hdr->elt_sz)), 12);
	CHILD_CHECK(hm_fbarray_attach(hdr, tdir) == 0, 13);
	CHILD_CHECK(hdr->data == data, 14);
	/* the parent's bits and data */
	CHILD_CHECK(hm_fbarray_count_used(hdr) == 4, 15);
	for (unsigned int i = 0; i < hdr->len; i++) {
		bool used = i == 0 || i == 5 || i == 64 || i == hdr->len - 1;

		CHILD_CHECK(hm_fbarray_is_used(hdr, i) == used, 16);
		CHILD_CHECK(*(uint64_t *)hm_fbarray_get(hdr, i) == i * 3 + 1, 17);
	}
	CHILD_CHECK(hm_fbarray_check(hdr, NULL) == 0, 18);
	/* our writes, for the parent to see */
	CHILD_CHECK(hm_fbarray_set_used(hdr, 500) == 0, 19);
	CHILD_CHECK(hm_fbarray_set_free(hdr, 5) == 0, 20);
	*(uint64_t *)hm_fbarray_get(hdr, 500) = 0xabcdef;
	/* a second process cannot init the live name either */
	{
		struct hm_fbarray other;

		CHILD_CHECK(hm_fbarray_init(&other, hdr->name, 10, 1, tdir) == -EBUSY, 21);
	}
	CHILD_CHECK(write(to_parent, "r", 1) == 1, 22);
	CHILD_CHECK(read(from_parent, &c, 1) == 1 && c == 'g', 23);
	CHILD_CHECK(hm_fbarray_detach(hdr) == 0, 24);
	CHILD_CHECK(hm_fbarray_detach(hdr) == -ENOENT, 25);
	_exit(0);
}

static void
test_fbarray_attach_forked(void **state)
{
	struct hm_fbarray *hdr, saved;
	int up[2], down[2], status;
	const unsigned int len = 1000;
	size_t sz = map_size(len, 8);
	void *data;
	char c;

	(void)state;
	/* The header lives in shared memory, as it would in the shared config. */
	hdr = mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(hdr != MAP_FAILED);
	assert_int_equal(hm_fbarray_init(hdr, "shared", len, 8, tdir), 0);
	data = hdr->data;
	for (unsigned int i = 0; i < len; i++)
		*(uint64_t *)hm_fbarray_get(hdr, i) = i * 3 + 1;
	assert_int_equal(hm_fbarray_set_used(hdr, 0), 0);
	assert_int_equal(hm_fbarray_set_used(hdr, 5), 0);
	assert_int_equal(hm_fbarray_set_used(hdr, 64), 0);
	assert_int_equal(hm_fbarray_set_used(hdr, len - 1), 0);

	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(down), 0);
	fflush(NULL);
	child_pid = fork();
	assert_true(child_pid >= 0);
	if (child_pid == 0) {
		close(up[0]);
		close(down[1]);
		run_child(hdr, up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) != 1) { /* the child died before getting ready */
		waitpid(child_pid, &status, 0);
		child_pid = -1;
		fail_msg("child failed at step %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}

	/* the child's writes */
	assert_int_equal(hm_fbarray_is_used(hdr, 500), 1);
	assert_int_equal(hm_fbarray_is_used(hdr, 5), 0);
	assert_int_equal(hm_fbarray_count_used(hdr), 4);
	assert_int_equal(*(uint64_t *)hm_fbarray_get(hdr, 500), 0xabcdef);
	assert_int_equal(hm_fbarray_find_next_used(hdr, 1), 64);
	assert_check_ok(hdr);

	/* the child is attached: destroy refuses and changes nothing */
	memcpy(&saved, hdr, sizeof(saved));
	assert_int_equal(hm_fbarray_destroy(hdr), -EBUSY);
	assert_int_equal(memcmp(&saved, hdr, sizeof(saved)), 0);
	assert_true(file_exists("shared"));
	assert_true(hm_test_va_mapped(data, sz));
	assert_int_equal(*(uint64_t *)hm_fbarray_get(hdr, 7), 22);
	assert_int_equal(hm_fbarray_set_used(hdr, 7), 0);
	assert_int_equal(hm_fbarray_destroy(hdr), -EBUSY);

	/* let the child detach and exit */
	assert_int_equal(write(down[1], "g", 1), 1);
	assert_int_equal(waitpid(child_pid, &status, 0), child_pid);
	child_pid = -1;
	close(up[0]);
	close(down[1]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child failed at step %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	assert_true(file_exists("shared"));
	assert_int_equal(hm_fbarray_count_used(hdr), 5);
	assert_int_equal(hm_fbarray_destroy(hdr), 0);
	assert_false(file_exists("shared"));
	assert_false(hm_test_va_mapped(data, sz));
	assert_int_equal(hdr->len, 0);
	munmap(hdr, page_size());
}

static void
test_fbarray_detach_attach(void **state)
{
	struct hm_fbarray a, c;
	const unsigned int len = 300;
	size_t sz = map_size(len, 16);
	void *data, *other;

	(void)state;
	assert_int_equal(hm_fbarray_init(&a, "reattach", len, 16, tdir), 0);
	data = a.data;
	for (unsigned int i = 0; i < len; i += 7) {
		assert_int_equal(hm_fbarray_set_used(&a, i), 0);
		*(unsigned int *)hm_fbarray_get(&a, i) = i ^ 0x5a5a;
	}
	/* already mapped here: EEXIST, for the same range and for overlapping ones */
	assert_int_equal(hm_fbarray_attach(&a, tdir), -EEXIST);
	memcpy(&c, &a, sizeof(c));
	c.data = (char *)a.data + page_size();
	assert_int_equal(hm_fbarray_attach(&c, tdir), -EEXIST);
	memcpy(&c, &a, sizeof(c));
	c.data = (char *)a.data - page_size();
	assert_int_equal(hm_fbarray_attach(&c, tdir), -EEXIST);

	assert_int_equal(hm_fbarray_detach(&a), 0);
	assert_false(hm_test_va_mapped(data, sz));
	assert_true(file_exists("reattach"));
	assert_int_equal(hm_fbarray_detach(&a), -ENOENT);
	assert_int_equal(hm_fbarray_destroy(&a), -ENOENT);
	assert_int_equal(a.data, data); /* the header is untouched */

	assert_int_equal(hm_fbarray_attach(&a, tdir), 0);
	assert_ptr_equal(a.data, data);
	assert_check_ok(&a);
	for (unsigned int i = 0; i < len; i++) {
		assert_int_equal(hm_fbarray_is_used(&a, i), i % 7 == 0);
		if (i % 7 == 0)
			assert_int_equal(*(unsigned int *)hm_fbarray_get(&a, i), i ^ 0x5a5a);
	}

	/* something else sits at the address: EADDRNOTAVAIL */
	other = mmap(NULL, sz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(other != MAP_FAILED);
	memcpy(&c, &a, sizeof(c));
	c.data = other;
	assert_int_equal(hm_fbarray_attach(&c, tdir), -EADDRNOTAVAIL);
	/* a free address but no file: ENOENT, and the VA is given back */
	munmap(other, sz);
	snprintf(c.name, sizeof(c.name), "no-such-array");
	assert_int_equal(hm_fbarray_attach(&c, tdir), -ENOENT);
	assert_false(hm_test_va_mapped(other, sz));
	/* a file smaller than the header's geometry says */
	other = mmap(NULL, map_size(len * 100, 16), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	assert_true(other != MAP_FAILED);
	munmap(other, map_size(len * 100, 16));
	memcpy(&c, &a, sizeof(c));
	c.data = other;
	c.len = len * 100;
	assert_int_equal(hm_fbarray_attach(&c, tdir), -EINVAL);
	assert_false(hm_test_va_mapped(other, map_size(len * 100, 16)));

	assert_int_equal(hm_fbarray_destroy(&a), 0);
	assert_false(file_exists("reattach"));
	assert_false(hm_test_va_mapped(data, sz));
}

static void
test_fbarray_anonymous(void **state)
{
	struct hm_fbarray a, b;
	int files = hm_test_count_files(tdir);
	const unsigned int len = 130;

	(void)state;
	assert_int_equal(hm_fbarray_init(&a, "anon", len, 12, NULL), 0);
	assert_int_equal(hm_test_count_files(tdir), files);
	assert_false(file_exists("anon"));
	/* the same name twice is fine without files */
	assert_int_equal(hm_fbarray_init(&b, "anon", len, 12, NULL), 0);
	assert_true(a.data != b.data);
	for (unsigned int i = 0; i < len; i++) {
		unsigned char *e = hm_fbarray_get(&a, i);

		for (unsigned int j = 0; j < 12; j++)
			assert_int_equal(e[j], 0);
		memset(e, (int)i, 12);
		memset(hm_fbarray_get(&b, i), 0xff, 12);
	}
	for (unsigned int i = 0; i < len; i++)
		assert_int_equal(((unsigned char *)hm_fbarray_get(&a, i))[11], (unsigned char)i);
	assert_int_equal(hm_fbarray_set_used(&a, 129), 0);
	assert_int_equal(hm_fbarray_find_prev_used(&a, 129), 129);
	assert_int_equal(hm_fbarray_find_next_used(&b, 0), -ENOENT);

	assert_int_equal(hm_fbarray_attach(&a, tdir), -EINVAL);
	assert_int_equal(hm_fbarray_attach(&a, NULL), -EINVAL);
	assert_int_equal(hm_fbarray_destroy(&a), 0);
	assert_int_equal(a.len, 0);
	assert_int_equal(hm_fbarray_destroy(&a), -ENOENT);

	/* detach of an anonymous array unmaps it; it cannot come back */
	assert_int_equal(hm_fbarray_detach(&b), 0);
	assert_false(hm_test_va_mapped(b.data, map_size(len, 12)));
	assert_int_equal(hm_fbarray_attach(&b, tdir), -EINVAL);
	assert_int_equal(hm_fbarray_destroy(&b), -ENOENT);
	assert_int_equal(hm_test_count_files(tdir), files);
}

/* ThreadSanitizer maps its shadow lazily: /proc/self/maps keeps growing. */
#if defined(__SANITIZE_THREAD__)
#define MAPS_STABLE 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MAPS_STABLE 0
#endif
#endif
#ifndef MAPS_STABLE
#define MAPS_STABLE 1
#endif

static void
test_fbarray_no_leaks(void **state)
{
	struct hm_fbarray a, b;
	int fds, maps, files;
	void *data;

	(void)state;
	/* one warm-up round so that lazily created resources exist already */
	assert_int_equal(hm_fbarray_init(&a, "leak", 5000, 8, tdir), 0);
	assert_int_equal(hm_fbarray_destroy(&a), 0);
	fds = hm_test_count_fds();
	maps = hm_test_count_maps();
	files = hm_test_count_files(tdir);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(hm_fbarray_init(&a, "leak", 5000, 8, tdir), 0);
		assert_int_equal(hm_fbarray_set_used(&a, (unsigned int)i), 0);
		assert_int_equal(hm_fbarray_init(&b, "leak", 5000, 8, tdir), -EBUSY);
		assert_int_equal(hm_fbarray_destroy(&a), 0);
		assert_int_equal(hm_fbarray_init(&b, "leak-anon", 100, 1, NULL), 0);
		assert_int_equal(hm_fbarray_set_used(&b, 99), 0);
		assert_int_equal(hm_fbarray_destroy(&b), 0);
		/* init, detach, attach, destroy */
		assert_int_equal(hm_fbarray_init(&a, "leak2", 64, 64, tdir), 0);
		data = a.data;
		assert_int_equal(hm_fbarray_detach(&a), 0);
		assert_false(hm_test_va_mapped(data, map_size(64, 64)));
		assert_int_equal(hm_fbarray_attach(&a, tdir), 0);
		assert_int_equal(hm_fbarray_destroy(&a), 0);
		assert_false(hm_test_va_mapped(data, map_size(64, 64)));
	}
	assert_int_equal(hm_test_count_fds(), fds);
	if (MAPS_STABLE)
		assert_int_equal(hm_test_count_maps(), maps);
	assert_int_equal(hm_test_count_files(tdir), files);
}

/* ---- concurrency ---- */

#define CC_LEN 1000
#define CC_WRITER_OPS 20000
#define CC_READER_MIN 2000

struct cc_ctx {
	struct hm_fbarray arr;
	atomic_int writers_left;
	atomic_int errors;
	bool shadow[CC_LEN]; /* written by the owning writer only */
};

struct cc_thread {
	struct cc_ctx *ctx;
	unsigned int id;
};

static void *
cc_writer(void *p)
{
	struct cc_thread *t = p;
	struct cc_ctx *ctx = t->ctx;
	uint64_t rng = 0x1234567ULL * (t->id + 1);

	for (int k = 0; k < CC_WRITER_OPS; k++) {
		/* writer id owns the indexes i with i % 2 == id */
		unsigned int i = (unsigned int)(hm_test_rand(&rng) % (CC_LEN / 2)) * 2 + t->id;
		bool used = hm_test_rand(&rng) & 1;
		int rc = used ? hm_fbarray_set_used(&ctx->arr, i)
			      : hm_fbarray_set_free(&ctx->arr, i);

		if (rc != 0 || hm_fbarray_is_used(&ctx->arr, i) != used)
			atomic_fetch_add(&ctx->errors, 1);
		ctx->shadow[i] = used;
	}
	atomic_fetch_sub(&ctx->writers_left, 1);
	return NULL;
}

static void *
cc_reader(void *p)
{
	struct cc_thread *t = p;
	struct cc_ctx *ctx = t->ctx;
	uint64_t rng = 0x9876543ULL * (t->id + 1);
	struct hm_fbarray *a = &ctx->arr;

	for (int k = 0; k < CC_READER_MIN || atomic_load(&ctx->writers_left) > 0; k++) {
		unsigned int s = (unsigned int)(hm_test_rand(&rng) % CC_LEN);
		unsigned int n = 1 + (unsigned int)(hm_test_rand(&rng) % 80);
		int r;
		bool ok = true;

		r = hm_fbarray_find_next_used(a, s);
		ok &= r == -ENOENT || (r >= (int)s && r < CC_LEN);
		r = hm_fbarray_find_prev_free(a, s);
		ok &= r == -ENOSPC || (r >= 0 && r <= (int)s);
		r = hm_fbarray_find_next_n_free(a, s, n);
		ok &= r == -ENOSPC || (r >= (int)s && r + (int)n <= CC_LEN);
		r = hm_fbarray_find_prev_n_used(a, s, n);
		ok &= r == -ENOENT || (r >= 0 && r + (int)n - 1 <= (int)s);
		r = hm_fbarray_find_contig_free(a, s);
		ok &= r >= 0 && r <= CC_LEN - (int)s;
		r = hm_fbarray_find_rev_contig_used(a, s);
		ok &= r >= 0 && r <= (int)s + 1;
		r = hm_fbarray_find_biggest_free(a, s);
		ok &= r == -ENOSPC || (r >= (int)s && r < CC_LEN);
		r = hm_fbarray_find_rev_biggest_used(a, s);
		ok &= r == -ENOENT || (r >= 0 && r <= (int)s);
		r = hm_fbarray_count_used(a);
		ok &= r >= 0 && r <= CC_LEN;
		/* under the read lock the count always matches the mask */
		ok &= hm_fbarray_check(a, NULL) == 0;
		if (!ok)
			atomic_fetch_add(&ctx->errors, 1);
	}
	return NULL;
}

static void
test_fbarray_concurrent(void **state)
{
	static struct cc_ctx ctx;
	struct cc_thread th[4];
	pthread_t tid[4];
	int expect = 0;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(hm_fbarray_init(&ctx.arr, "concurrent", CC_LEN, 4, tdir), 0);
	atomic_store(&ctx.writers_left, 2);
	atomic_store(&ctx.errors, 0);
	for (unsigned int i = 0; i < 4; i++) {
		th[i].ctx = &ctx;
		th[i].id = i % 2;
		assert_int_equal(pthread_create(&tid[i], NULL, i < 2 ? cc_writer : cc_reader,
						&th[i]), 0);
	}
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	assert_int_equal(atomic_load(&ctx.errors), 0);
	assert_check_ok(&ctx.arr);
	for (unsigned int i = 0; i < CC_LEN; i++) {
		expect += ctx.shadow[i];
		assert_int_equal(hm_fbarray_is_used(&ctx.arr, i), ctx.shadow[i]);
	}
	assert_int_equal(hm_fbarray_count_used(&ctx.arr), expect);
	assert_int_equal(ctx.arr.rwlock.cnt, 0);
	assert_int_equal(ctx.arr.rwlock.wait, 0);
	assert_int_equal(hm_fbarray_destroy(&ctx.arr), 0);
}

/* ---- dump ---- */

static void
test_fbarray_dump(void **state)
{
	struct hm_fbarray a;
	char buf[1024];
	FILE *f;

	(void)state;
	assert_int_equal(hm_fbarray_init(&a, "dumped", 200, 4, NULL), 0);
	for (unsigned int i = 62; i < 70; i++)
		assert_int_equal(hm_fbarray_set_used(&a, i), 0);
	assert_int_equal(hm_fbarray_set_used(&a, 3), 0);
	assert_int_equal(hm_fbarray_set_used(&a, 199), 0);
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	hm_fbarray_dump(&a, f);
	fclose(f);
	assert_non_null(strstr(buf, "dumped"));
	assert_non_null(strstr(buf, "len=200"));
	assert_non_null(strstr(buf, "elt_sz=4"));
	assert_non_null(strstr(buf, "count=10"));
	assert_non_null(strstr(buf, "[3-3] [62-69] [199-199]"));
	assert_int_equal(hm_fbarray_destroy(&a), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fbarray_invalid_args),
		cmocka_unit_test(test_fbarray_check_detects_corruption),
		cmocka_unit_test(test_fbarray_finders_known_cases),
		cmocka_unit_test(test_fbarray_finders_vs_model),
		cmocka_unit_test(test_fbarray_file_lifecycle),
		cmocka_unit_test_teardown(test_fbarray_attach_forked, reap_child),
		cmocka_unit_test(test_fbarray_detach_attach),
		cmocka_unit_test(test_fbarray_anonymous),
		cmocka_unit_test(test_fbarray_no_leaks),
		cmocka_unit_test(test_fbarray_concurrent),
		cmocka_unit_test(test_fbarray_dump),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
