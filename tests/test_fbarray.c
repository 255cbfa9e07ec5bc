/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_fbarray tests, part 1:
 *  - argument validation of every public function (NULL, zeroed header, index and
 *    start == len, n == 0 / n > len, bad names and geometry), with the array's
 *    state checked unchanged after each rejected call;
 *  - hm_fbarray_check spotting corrupted headers and masks;
 *  - a property test comparing every finder against a naive linear scan over
 *    thousands of random and structured states, for lengths around word sizes;
 *  - the dump.
 * Part 2 (test_fbarray_lifecycle.c): backing files, flock, attach in a forked
 * child, detach/attach, anonymous arrays, no leaks, concurrent writers and
 * readers. Needs nothing special: files go to a private directory under
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
#include "fbarray_test_common.h"

#include "fbarray_model.h"

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
		const unsigned int states = hm_test_model_ops(cfg[c].states);
		for (unsigned int st = 0; st < states; st++) {
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
		cmocka_unit_test(test_fbarray_dump),
	};

	return cmocka_run_group_tests(tests, fbarray_group_setup, fbarray_group_teardown);
}
