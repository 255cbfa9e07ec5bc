/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_fbarray tests, part 2 (part 1: test_fbarray.c): lifecycle (backing files,
 * flock semantics (EBUSY), attach in a forked child, detach/attach, EEXIST /
 * EADDRNOTAVAIL / ENOENT, anonymous arrays, init/destroy cycles leaving no fd,
 * mapping or file behind) and concurrent writers and readers. Needs nothing
 * special: files go to a private directory under $HUGEMEM_RUNTIME_DIR (or
 * /tmp).
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fbarray_file_lifecycle),
		cmocka_unit_test_teardown(test_fbarray_attach_forked, reap_child),
		cmocka_unit_test(test_fbarray_detach_attach),
		cmocka_unit_test(test_fbarray_anonymous),
		cmocka_unit_test(test_fbarray_no_leaks),
		cmocka_unit_test(test_fbarray_concurrent),
	};

	return cmocka_run_group_tests(tests, fbarray_group_setup, fbarray_group_teardown);
}
