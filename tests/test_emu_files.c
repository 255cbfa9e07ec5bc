/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the emu backend, part 3 (part 1: test_emu.c): page files and the
 * page directory chosen for a runtime dir, leftover cleanup, in-memory pages,
 * attach from a child, the map failure path, cleanup at destroy, and probe.
 * Needs no hugepages and no root; /dev/shm (tmpfs) is used when the runtime
 * dir is not on tmpfs, as in production.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common_i.h"
#include "helpers.h"
#include "hugemem/emu.h"
#include "emu_test_common.h"

static void
test_emu_page_files(void **state)
{
	struct hm_backend be;
	struct hm_page pg[3];
	struct stat st;
	char name[64], path[2 * PATH_MAX];
	char *va;

	(void)state;
	be_create(&be, "nodes=2;2M=2;4K=3", NULL);
	assert_int_equal(stat(pagedir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(hm_test_count_files(pagedir), 0);
	va = map_n(&be, K4, 1, 3, pg);
	assert_int_equal(hm_test_count_files(pagedir), 3);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), PREFIX "map_4k_1_%d", i);
		assert_true(file_exists(pagedir, name));
		snprintf(path, sizeof(path), "%s/%s", pagedir, name);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, K4);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	/* the file is the page: same bytes */
	memcpy(va + K4, "hello", 6);
	snprintf(path, sizeof(path), "%s/" PREFIX "map_4k_1_1", pagedir);
	{
		char got[6] = { 0 };
		int fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(pread(fd, got, 6, 0), 6);
		close(fd);
		assert_string_equal(got, "hello");
	}
	hm_emu_ops.page_unmap(&be, &pg[1]);
	assert_false(file_exists(pagedir, PREFIX "map_4k_1_1"));
	assert_true(file_exists(pagedir, PREFIX "map_4k_1_0"));
	assert_int_equal(hm_test_count_files(pagedir), 2);
	/* 2M on node 0 */
	struct hm_page p2;
	char *v2 = map_n(&be, M2, 0, 1, &p2);
	assert_true(file_exists(pagedir, PREFIX "map_2048k_0_0"));
	unmap_n(&be, v2, 1, &p2);
	assert_false(file_exists(pagedir, PREFIX "map_2048k_0_0"));
	hm_emu_ops.page_unmap(&be, &pg[0]);
	hm_emu_ops.page_unmap(&be, &pg[2]);
	assert_int_equal(hm_test_count_files(pagedir), 0);
	hm_va_release(va, 3 * K4);
	hm_emu_ops.destroy(&be);
	assert_int_equal(hm_test_count_files(pagedir), -1); /* empty dir removed */
}

/* Create, map one page, check its file is in @p want_dir, destroy. */
static void
check_pagedir_for(const char *rd, const char *want_dir)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops };
	struct hm_page pg;
	char *va = reserve(K4, K4);

	params_init(&p, "4K=1");
	p.runtime_dir = rd;
	if (hm_emu_ops.create(&be, &p) != 0)
		fail_msg("create: %s", hm_last_error());
	assert_int_equal(map_page(&be, va, K4, 0, &pg), 0);
	assert_true(file_exists(want_dir, PREFIX "map_4k_0_0"));
	hm_emu_ops.page_unmap(&be, &pg);
	hm_emu_ops.destroy(&be);
	assert_int_equal(hm_test_count_files(want_dir), -1);
	hm_va_release(va, K4);
}

static void
test_emu_pagedir_choice(void **state)
{
	char rd[256], other[272], want[PATH_MAX], want2[PATH_MAX];
	bool tested_shm = false, tested_tmpfs = false;

	(void)state;
	/* runtime dir not on tmpfs: /dev/shm/hugemem-<euid>-<fnv1a(rd)>, distinct per dir */
	snprintf(rd, sizeof(rd), "/tmp/hm-emu-test-%d", (int)getpid());
	if (!on_tmpfs("/tmp") && on_tmpfs("/dev/shm")) {
		snprintf(other, sizeof(other), "%s-b", rd);
		assert_int_equal(mkdir(rd, 0700), 0);
		assert_int_equal(mkdir(other, 0700), 0);
		expected_pagedir(rd, want, sizeof(want));
		expected_pagedir(other, want2, sizeof(want2));
		assert_string_not_equal(want, want2);
		check_pagedir_for(rd, want);
		check_pagedir_for(other, want2);
		rmdir(rd);
		rmdir(other);
		tested_shm = true;
	}
	/* runtime dir on tmpfs: <rd>/pages */
	if (on_tmpfs("/dev/shm")) {
		snprintf(rd, sizeof(rd), "/dev/shm/hm-emu-test-%d", (int)getpid());
		assert_int_equal(mkdir(rd, 0700), 0);
		snprintf(want, sizeof(want), "%s/pages", rd);
		check_pagedir_for(rd, want);
		assert_int_equal(rmdir(rd), 0); /* nothing left in it */
		tested_tmpfs = true;
	}
	if (!tested_shm || !tested_tmpfs)
		skip(); /* needs /tmp off tmpfs and /dev/shm on tmpfs */
}

static void
test_emu_leftover_cleanup(void **state)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops }, sec = { .ops = &hm_emu_ops };
	struct hm_page pg;
	char *va = reserve(K4, K4);

	(void)state;
	/* a primary that crashed left files; other prefixes are not ours */
	assert_true(mkdir(pagedir, 0700) == 0 || errno == EEXIST);
	write_file(pagedir, PREFIX "map_4k_0_0", "stale");
	write_file(pagedir, PREFIX "map_2048k_1_7", "stale");
	write_file(pagedir, "othermap_4k_0_0", "keep");
	write_file(pagedir, PREFIX "notmap", "keep");
	/* a secondary cleans nothing */
	params_init(&p, "4K=1");
	p.secondary = true;
	assert_int_equal(hm_emu_ops.create(&sec, &p), 0);
	assert_int_equal(hm_test_count_files(pagedir), 4);
	hm_emu_ops.destroy(&sec);
	assert_int_equal(hm_test_count_files(pagedir), 4);
	/* the primary removes <prefix>map_* only */
	be_create(&be, "4K=1", NULL);
	assert_int_equal(hm_test_count_files(pagedir), 2);
	assert_true(file_exists(pagedir, "othermap_4k_0_0"));
	assert_true(file_exists(pagedir, PREFIX "notmap"));
	/* a leftover appearing later is replaced by a fresh, zeroed page */
	write_file(pagedir, PREFIX "map_4k_0_0", "stale");
	assert_int_equal(map_page(&be, va, K4, 0, &pg), 0);
	assert_int_equal(va[0], 0);
	assert_false(pg.dirty);
	hm_emu_ops.page_unmap(&be, &pg);
	assert_false(file_exists(pagedir, PREFIX "map_4k_0_0"));
	hm_emu_ops.destroy(&be);
	assert_int_equal(hm_test_count_files(pagedir), 2); /* dir kept: not empty */
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/othermap_4k_0_0", pagedir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/" PREFIX "notmap", pagedir);
	unlink(path);
	rmdir(pagedir);
	hm_va_release(va, K4);
}

static void
test_emu_in_memory(void **state)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops };
	struct hm_page pg[4];
	int fds = hm_test_count_fds();
	char *va;

	(void)state;
	params_init(&p, "nodes=2;2M=2;4K=2");
	p.in_memory = true;
	p.runtime_dir = NULL; /* not needed */
	assert_int_equal(hm_emu_ops.create(&be, &p), 0);
	assert_int_equal(hm_test_count_files(pagedir), -1);
	va = map_n(&be, M2, 1, 2, pg);
	assert_int_equal(hm_test_count_fds(), fds); /* no fd kept per page */
	assert_int_equal(hm_test_count_files(pagedir), -1);
	va[0] = 1;
	va[M2 + 5] = 2;
	assert_int_equal(va[0] + va[M2 + 5], 3);
	assert_int_equal(va[1], 0);
	assert_true(pg[0].iova != pg[1].iova);
	struct hm_page a = pg[0];
	assert_err(hm_emu_ops.page_attach(&be, &a), -ENOTSUP, "in-memory");
	hm_emu_ops.page_unmap(&be, &pg[0]);
	assert_int_equal(map_page(&be, va, M2, 1, &pg[0]), 0);
	assert_int_equal(va[0], 0); /* fresh anonymous memory */
	unmap_n(&be, va, 2, pg);
	hm_emu_ops.destroy(&be);
	assert_int_equal(hm_test_count_fds(), fds);
	assert_int_equal(hm_test_count_files(pagedir), -1);
}

/* Child side of test_emu_page_attach: 0 on success, else the failed step. */
static int
attach_child(struct hm_page *pg, int n, struct hm_page *gone)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops };

	params_init(&p, "nodes=2;2M=2;4K=4");
	p.secondary = true;
	hm_test_quiet_log();
	if (hm_emu_ops.create(&be, &p) != 0)
		return 10;
	for (int i = 0; i < n; i++) {
		struct hm_page a = pg[i];
		char *v = a.va;
		/* forget the inherited mapping: the attach must bring the data back */
		if (hm_va_rereserve(v, a.page_sz) != 0)
			return 11;
		a.iova = 0;
		a.node = -1;
		if (hm_emu_ops.page_attach(&be, &a) != 0)
			return 12;
		if (a.iova != pg[i].iova || a.node != pg[i].node || a.dirty)
			return 13;
		if (v[0] != 'P' || v[1] != (char)('0' + i) || v[a.page_sz - 1] != 'E')
			return 14;
		v[2] = 'C'; /* visible to the parent */
	}
	/* a page that is not mapped has no file */
	if (hm_emu_ops.page_attach(&be, gone) != -ENOENT)
		return 15;
	if (hm_va_rereserve(gone->va, gone->page_sz) != 0)
		return 16;
	/* unmapping an attached page drops the mapping only */
	hm_emu_ops.page_unmap(&be, &pg[0]);
	hm_emu_ops.destroy(&be);
	return 0;
}

static void
test_emu_page_attach(void **state)
{
	enum { N = 3 };
	struct hm_backend be;
	struct hm_page pg[N], gone;
	char *va, *vg;
	pid_t pid;
	int status;

	(void)state;
	be_create(&be, "nodes=2;2M=2;4K=4", NULL);
	va = map_n(&be, K4, 1, N, pg);
	for (int i = 0; i < N; i++) {
		va[i * K4] = 'P';
		va[i * K4 + 1] = (char)('0' + i);
		va[i * K4 + K4 - 1] = 'E';
	}
	vg = reserve(K4, K4);
	gone = pg[0];
	gone.va = vg;
	gone.handle = pg[N - 1].handle + 1; /* frame 3: never mapped */
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(attach_child(pg, N, &gone));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(va[i * K4 + 2], 'C');
	/* the secondary removed none of our files, nor the directory */
	assert_int_equal(hm_test_count_files(pagedir), N);
	assert_int_equal(hm_emu_pages_in_use(&be, 1, K4), N);
	unmap_n(&be, va, N, pg);
	hm_emu_ops.destroy(&be);
	hm_va_release(vg, K4);
}

static void
test_emu_map_failure_path(void **state)
{
	struct hm_backend be;
	struct hm_page pg;
	char *va = reserve(K4, K4);

	(void)state;
	be_create(&be, "4K=2", NULL);
	/* the page directory vanished (another instance of the same runtime dir
	 * removed it once empty): the next page_map makes it again */
	assert_int_equal(rmdir(pagedir), 0);
	assert_int_equal(map_page(&be, va, K4, 0, &pg), 0);
	assert_true(file_exists(pagedir, PREFIX "map_4k_0_0"));
	hm_emu_ops.page_unmap(&be, &pg);
	/* ... unless something else took its name: creating the file fails */
	assert_int_equal(rmdir(pagedir), 0);
	int fd = open(pagedir, O_CREAT | O_EXCL | O_RDWR, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_err(map_page(&be, va, K4, 0, &pg), -ENOTDIR, "page directory");
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 0);
	assert_reserved(va, K4);
	assert_int_equal(unlink(pagedir), 0);
	assert_int_equal(map_page(&be, va, K4, 0, &pg), 0);
	assert_int_equal(pg.iova, 1ULL << 44); /* frame 0 was returned */
	hm_emu_ops.page_unmap(&be, &pg);
	/* an empty directory under the name is no page file: removed, then mapped */
	char path[2 * PATH_MAX], inner[3 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/" PREFIX "map_4k_0_0", pagedir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(map_page(&be, va, K4, 0, &pg), 0);
	hm_emu_ops.page_unmap(&be, &pg);
	/* one that cannot be removed (not empty) is in the way */
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(inner, sizeof(inner), "%s/x", path);
	assert_int_equal(mkdir(inner, 0700), 0);
	assert_err(map_page(&be, va, K4, 0, &pg), -EEXIST, PREFIX "map_4k_0_0");
	assert_reserved(va, K4);
	assert_int_equal(hm_emu_pages_in_use(&be, 0, K4), 0);
	assert_int_equal(rmdir(inner), 0);
	assert_int_equal(rmdir(path), 0);
	hm_emu_ops.destroy(&be);
	hm_va_release(va, K4);
}

static void
test_emu_destroy_cleanup(void **state)
{
	struct hm_backend be;
	struct hm_page p2[2], p4[3];
	int fds, maps;
	char *v2, *v4;

	(void)state;
	fds = hm_test_count_fds();
	be_create(&be, "nodes=2;2M=2;4K=3", NULL);
	v2 = map_n(&be, M2, 1, 2, p2);
	v4 = map_n(&be, K4, 0, 3, p4);
	v2[0] = v4[0] = 1;
	assert_int_equal(hm_test_count_files(pagedir), 5);
	assert_int_equal(hm_test_count_fds(), fds + 1); /* the page dir, no fd per page */
	maps = hm_test_count_maps();
	hm_emu_ops.destroy(&be);
	assert_null(be.priv);
	assert_int_equal(hm_test_count_files(pagedir), -1);
	assert_int_equal(hm_test_count_fds(), fds);
	assert_reserved(v2, 2 * M2);
	assert_reserved(v4, 3 * K4);
	assert_true(hm_test_count_maps() <= maps);
	hm_va_release(v2, 2 * M2);
	hm_va_release(v4, 3 * K4);
	/* create/destroy cycles leak nothing */
	for (int i = 0; i < 5; i++) {
		be_create(&be, NULL, NULL);
		hm_emu_ops.destroy(&be);
	}
	assert_int_equal(hm_test_count_fds(), fds);
	assert_int_equal(hm_test_count_files(pagedir), -1);
}

static void
test_emu_probe(void **state)
{
	struct hm_backend be;
	struct hm_probe pr;

	(void)state;
	be_create(&be, "nodes=3;2M=1,2,3;1G=0,0,1;lcores=0-1@2,4@1", NULL);
	assert_int_equal(hm_emu_ops.probe(&be, &pr), 0);
	assert_int_equal(pr.n_nodes, 3);
	assert_int_equal(pr.n_sizes, 2);
	assert_int_equal(pr.sizes[0].page_sz, HM_GB);
	assert_int_equal(pr.sizes[0].num_pages[2], 1);
	assert_int_equal(pr.sizes[0].num_pages[0], 0);
	assert_int_equal(pr.sizes[1].page_sz, M2);
	for (int n = 0; n < 3; n++)
		assert_int_equal(pr.sizes[1].num_pages[n], n + 1);
	assert_int_equal(pr.n_lcores, 5);
	assert_int_equal(pr.lcore_node[0], 2);
	assert_int_equal(pr.lcore_node[1], 2);
	assert_int_equal(pr.lcore_node[2], -1);
	assert_int_equal(pr.lcore_node[3], -1);
	assert_int_equal(pr.lcore_node[4], 1);
	assert_true(pr.has_pa);
	assert_string_equal(hm_emu_ops.name, "emu");
	assert_non_null(hm_emu_ops.description);
	assert_null(hm_emu_ops.virt2iova);
	assert_null(hm_emu_ops.node_of);

	/* a 1G page, touched only at its first bytes */
	char *va = reserve(HM_GB, HM_GB);
	struct hm_page pg;
	assert_err(map_page(&be, va, HM_GB, 0, &pg), -ENOMEM, "no free 1G page on node 0 (all 0 in use)");
	assert_int_equal(map_page(&be, va, HM_GB, 2, &pg), 0);
	assert_int_equal(pg.iova % HM_GB, 0);
	assert_int_equal(pg.node, 2);
	va[0] = 7;
	assert_int_equal(va[0], 7);
	assert_true(file_exists(pagedir, PREFIX "map_1048576k_2_0"));
	hm_emu_ops.page_unmap(&be, &pg);
	assert_reserved(va, HM_GB);
	hm_va_release(va, HM_GB);
	hm_emu_ops.destroy(&be);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emu_page_files),
		cmocka_unit_test(test_emu_pagedir_choice),
		cmocka_unit_test(test_emu_leftover_cleanup),
		cmocka_unit_test(test_emu_in_memory),
		cmocka_unit_test(test_emu_page_attach),
		cmocka_unit_test(test_emu_map_failure_path),
		cmocka_unit_test(test_emu_destroy_cleanup),
		cmocka_unit_test(test_emu_probe),
	};

	return cmocka_run_group_tests(tests, emu_group_setup, emu_group_teardown);
}
