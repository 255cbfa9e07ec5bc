/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of hugemem-fusefs, the FUSE file system that emulates a hugetlbfs
 * machine (backends/fuse), and of its client library (hugemem/fusefs.h).
 *
 * Two kinds:
 *  - in-process tests of the file system's logic (tree.c, pages.c, machine.c)
 *    against a model, with the validator after every operation: no FUSE needed;
 *  - tests on a real mount started with hm_fusefs_start: need /dev/fuse, root
 *    or a usable fusermount3, and the hugemem-fusefs program; each skips with
 *    the reason (hm_fusefs_doctor's) where that is missing. Multi-process checks
 *    fork and exec this program again ("child" mode below).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fusefs_checks.h"
#include "fusefs_i.h"
#include "helpers.h"
#include "mp_spawn.h"
#include "hm_config.h"
#include "hugemem/emu.h"
#include "hugemem/fusefs.h"
#include "hugemem/hugemem.h"
#include "hugemem/hugetlbfs.h"

#define M2 (2 * HM_MB)
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef FALLOC_FL_COLLAPSE_RANGE
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#endif

#define assert_err(call, code, needle)                                                   \
	do {                                                                             \
		int rc_ = (int)(call);                                                   \
		if (rc_ != (code) || strstr(hm_last_error(), (needle)) == NULL)          \
			fail_msg("%s: got %d '%s', want %d mentioning '%s'", #call, rc_,  \
				 hm_last_error(), (code), (needle));                     \
	} while (0)

static char self_exe[PATH_MAX];

/* ============================== in-process tree ============================== */

static void
tree_ok(const struct fs_tree *t)
{
	const char *why = NULL;

	if (fs_tree_check(t, &why) != 0)
		fail_msg("tree check: %s", why);
}

static struct fs_inode *
mkfile(struct fs_tree *t, uint64_t dir, const char *name)
{
	struct fs_inode *n = NULL;

	assert_int_equal(fs_mknod(t, dir, name, S_IFREG | 0600, 0, 0, NULL, &n), 0);
	fs_open(t, n->ino);
	return n;
}

static uint64_t
pool_free(const struct fs_tree *t, unsigned int k, unsigned int node)
{
	uint64_t nr, fr, su;

	fs_pool_counts(&t->m, k, node, &nr, &fr, &su);
	return fr;
}

static void
test_fusefs_invalid_args(void **state)
{
	struct hm_fusefs *fs = NULL;
	char buf[64];
	int node, fd;
	uint64_t pa;

	(void)state;
	assert_err(hm_fusefs_start(NULL, NULL, NULL, &fs), -EINVAL, "absolute");
	assert_err(hm_fusefs_start("relative/dir", NULL, NULL, &fs), -EINVAL, "absolute");
	assert_err(hm_fusefs_start("/tmp/x", NULL, NULL, NULL), -EINVAL, "output");
	assert_err(hm_fusefs_start("/tmp/x", "nodez=1", NULL, &fs), -EINVAL, "nodez");
	assert_err(hm_fusefs_start("/tmp/x", "2M=4", "nth=0", &fs), -EINVAL, "nth");
	assert_err(hm_fusefs_start("/tmp/x", "2M=4", "bogus=1", &fs), -EINVAL, "bogus");
	assert_null(fs);
	assert_err(hm_fusefs_attach(NULL, &fs), -EINVAL, "absolute");
	assert_err(hm_fusefs_attach("/", &fs), -ENOTCONN, "not a FUSE mount");
	assert_err(hm_fusefs_attach("/nonexistent/x", &fs), -ENOTCONN, "No such file");
	assert_err(hm_fusefs_control("/tmp", NULL), -EINVAL, "spec");
	assert_err(hm_fusefs_control("rel", "nth=1"), -EINVAL, "absolute");
	assert_err(hm_fusefs_control("/nonexistent", "nth=1"), -ENOTCONN, "control");
	assert_int_equal(hm_fusefs_control("/nonexistent", ""), 0); /* no-op */
	assert_err(hm_fusefs_status("/tmp", NULL, 10), -EINVAL, "buffer");
	assert_err(hm_fusefs_status("/tmp", buf, 0), -EINVAL, "buffer");
	assert_err(hm_fusefs_check("/nonexistent"), -ENOTCONN, "control");
	assert_err(hm_fusefs_set_node(-1, 0), -EINVAL, "fd -1");
	assert_err(hm_fusefs_page_info(0, 0, NULL, &pa), -EINVAL, "outputs");
	fd = open(rundir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_err(hm_fusefs_set_node(fd, 0), -ENOTSUP, "not on a hugemem-fusefs mount");
	assert_err(hm_fusefs_page_info(fd, 0, &node, &pa), -ENOTSUP, "not on a hugemem-fusefs");
	close(fd);
	assert_null(hm_fusefs_mountpoint(NULL));
	assert_int_equal(hm_errno, EINVAL);
	assert_int_equal(hm_fusefs_pid(NULL), -1);
	assert_false(hm_fusefs_alive(NULL));
	hm_fusefs_stop(NULL);
#ifdef HM_HAVE_FUSE
	/* the daemon's own usage errors */
	{
		char *a1[] = { (char *)"hugemem-fusefs", NULL };
		char *a2[] = { (char *)"hugemem-fusefs", (char *)"--bogus", (char *)"/tmp", NULL };
		char *a3[] = { (char *)"hugemem-fusefs", (char *)"/a", (char *)"/b", NULL };
		assert_int_equal(hm_fusefs_main(1, a1), 2);
		assert_int_equal(hm_fusefs_main(3, a2), 2);
		assert_int_equal(hm_fusefs_main(3, a3), 2);
		assert_int_equal(hm_fusefs_main(0, NULL), 2);
	}
#endif
}

/* The tree's structure: fixed nodes refuse changes, page areas behave. */
static void
test_fusefs_tree_structure(void **state)
{
	struct fs_tree t;
	struct fs_inode *n, *d, *f;
	struct stat st;
	char buf[512];
	uint64_t dir2m;

	(void)state;
	assert_err(fs_tree_init(&t, "rel", NULL, NULL, 0, 0), -EINVAL, "absolute");
	assert_err(fs_tree_init(&t, "/m", "nodes=0", NULL, 0, 0), -EINVAL, "nodes");
	assert_int_equal(fs_tree_init(&t, "/m x", "nodes=2;2M=4,4;1G=0,1;lcores=0-1@0,2@1", NULL,
				      0, 0), 0);
	tree_ok(&t);
	dir2m = t.size_dir[1];
	assert_int_equal(fs_lookup(&t, 1, "2M", &n), 0);
	assert_int_equal(n->ino, dir2m);
	assert_int_equal(fs_lookup(&t, 1, "nope", &n), -ENOENT);
	assert_int_equal(fs_lookup(&t, t.control_ino, "x", &n), -ENOTDIR);
	/* fixed parts refuse */
	assert_int_equal(fs_mknod(&t, 1, "f", S_IFREG | 0600, 0, 0, NULL, &n), -EPERM);
	assert_int_equal(fs_remove(&t, 1, "2M", true), -EPERM);
	assert_int_equal(fs_remove(&t, 1, "absent", false), -ENOENT);
	assert_int_equal(fs_truncate(&t, 1, 0), -EISDIR);
	assert_int_equal(fs_write(&t, t.control_ino, 0, "nth=0", 5, false), -EINVAL);
	assert_non_null(strstr(t.last_error, "nth"));
	/* generated files */
	assert_int_equal(fs_lookup(&t, 1, "proc", &d), 0);
	assert_int_equal(fs_lookup(&t, d->ino, "mounts", &f), 0);
	memset(buf, 0, sizeof(buf));
	assert_true(fs_read(&t, f->ino, 0, sizeof(buf) - 1, buf) > 0);
	assert_non_null(strstr(buf, "hugemem-fusefs /m\\040x/2M hugetlbfs rw,relatime,pagesize=2M"));
	assert_non_null(strstr(buf, "/m\\040x/1G hugetlbfs rw,relatime,pagesize=1G"));
	assert_int_equal(fs_write(&t, f->ino, 0, "1", 1, false), -EPERM);
	assert_int_equal(fs_setattr(&t, f->ino, FS_SET_MODE, &(struct stat){ .st_mode = 0777 }),
			 -EPERM);
	/* page area: files, dirs, symlinks, FIFOs; no devices */
	assert_int_equal(fs_mknod(&t, dir2m, "sub", S_IFDIR | 0755, 0, 0, NULL, &d), 0);
	assert_int_equal(fs_mknod(&t, d->ino, "f", S_IFREG | 0600, 0, 0, NULL, &f), 0);
	assert_int_equal(fs_mknod(&t, d->ino, "f", S_IFREG | 0600, 0, 0, NULL, &n), -EEXIST);
	assert_int_equal(fs_mknod(&t, d->ino, "l", S_IFLNK | 0777, 0, 0, "/etc", &n), 0);
	assert_int_equal(fs_mknod(&t, d->ino, "p", S_IFIFO | 0600, 0, 0, NULL, &n), 0);
	assert_int_equal(fs_mknod(&t, d->ino, "c", S_IFCHR | 0600, 0, 0, NULL, &n), -EPERM);
	assert_int_equal(fs_mknod(&t, d->ino, "a/b", S_IFREG | 0600, 0, 0, NULL, &n), -EINVAL);
	memset(buf, 'x', 300);
	buf[255] = '\0';
	assert_int_equal(fs_mknod(&t, d->ino, buf, S_IFREG, 0, 0, NULL, &n), 0);
	buf[255] = 'x';
	buf[256] = '\0';
	assert_int_equal(fs_mknod(&t, d->ino, buf, S_IFREG, 0, 0, NULL, &n), -ENAMETOOLONG);
	tree_ok(&t);
	assert_int_equal(fs_remove(&t, dir2m, "sub", true), -ENOTEMPTY);
	assert_int_equal(fs_remove(&t, d->ino, "f", true), -ENOTDIR);
	assert_int_equal(fs_remove(&t, dir2m, "sub", false), -EISDIR);
	/* link and rename, within one size only */
	assert_int_equal(fs_link(&t, f->ino, dir2m, "hard", &n), 0);
	fs_stat(&t, f, &st);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(fs_link(&t, f->ino, t.size_dir[0], "x", &n), -EXDEV);
	assert_int_equal(fs_rename(&t, dir2m, "hard", t.size_dir[0], "hard", 0), -EXDEV);
	assert_int_equal(fs_rename(&t, dir2m, "hard", d->ino, "f", 1 /* NOREPLACE */), -EEXIST);
	assert_int_equal(fs_rename(&t, dir2m, "hard", d->ino, "f", 0), 0); /* same inode */
	assert_int_equal(fs_rename(&t, dir2m, "sub", d->ino, "inside", 0), -EINVAL);
	assert_int_equal(fs_rename(&t, d->ino, "p", dir2m, "moved", 0), 0);
	assert_int_equal(fs_rename(&t, dir2m, "moved", d->ino, "l", 0), 0); /* replaces l */
	tree_ok(&t);
	fs_tree_fini(&t);
}

/* Sizing, fallocate, punch, lazy pages and unlink against a model of the pool. */
static void
test_fusefs_tree_pages(void **state)
{
	struct fs_tree t;
	struct fs_inode *a, *b;
	char buf[64];
	uint64_t d;
	const char *why;
	int node;
	uint32_t frame;

	(void)state;
	assert_int_equal(fs_tree_init(&t, "/m", "nodes=2;2M=3,2", NULL, 0, 0), 0);
	d = t.size_dir[0];
	a = mkfile(&t, d, "a");
	assert_int_equal(fs_truncate(&t, a->ino, 4096), -EINVAL);       /* not whole pages */
	assert_int_equal(fs_truncate(&t, a->ino, M2 + 1), -EINVAL);
	assert_int_equal(fs_setxattr(&t, a->ino, HM_FUSEFS_XATTR_NODE, "1", 1, 0), 0);
	assert_int_equal(fs_setxattr(&t, a->ino, HM_FUSEFS_XATTR_NODE, "2", 1, 0), -EINVAL);
	assert_int_equal(fs_setxattr(&t, a->ino, HM_FUSEFS_XATTR_PAGES, "2", 1, 0), -EPERM);
	assert_int_equal(fs_setxattr(&t, a->ino, "user.other", "2", 1, 0), -EOPNOTSUPP);
	assert_int_equal(fs_truncate(&t, a->ino, 2 * M2), 0);
	assert_int_equal(pool_free(&t, 0, 1), 0);
	assert_int_equal(pool_free(&t, 0, 0), 3);
	assert_int_equal(fs_truncate(&t, a->ino, 3 * M2), 0);           /* falls back to node 0 */
	assert_int_equal(pool_free(&t, 0, 0), 2);
	assert_int_equal(fs_getxattr(&t, a->ino, HM_FUSEFS_XATTR_PAGE "2", buf, sizeof(buf)),
			 (ssize_t)strlen("node=0 pa=0x100000000000"));
	assert_int_equal(fs_getxattr(&t, a->ino, HM_FUSEFS_XATTR_PAGE "3", buf, sizeof(buf)),
			 -ENODATA);
	assert_int_equal(fs_getxattr(&t, a->ino, HM_FUSEFS_XATTR_PAGE "0", buf, 3), -ERANGE);
	tree_ok(&t);
	/* policy=bind: no fallback */
	assert_int_equal(fs_machine_apply(&t.m, "policy=bind"), 0);
	b = mkfile(&t, d, "b");
	assert_int_equal(fs_setxattr(&t, b->ino, HM_FUSEFS_XATTR_NODE, "1", 1, 0), 0);
	assert_int_equal(fs_truncate(&t, b->ino, M2), -ENOSPC);
	assert_int_equal(b->size, 0);
	/* all or nothing */
	assert_int_equal(fs_machine_apply(&t.m, "policy=preferred"), 0);
	assert_int_equal(fs_truncate(&t, b->ino, 3 * M2), -ENOSPC);
	assert_int_equal(pool_free(&t, 0, 0), 2);
	assert_int_equal(fs_fallocate(&t, b->ino, 0, 0, 3 * M2), -ENOSPC);
	assert_int_equal(b->size, 0);
	assert_int_equal(fs_fallocate(&t, b->ino, 0, 0, 2 * M2), 0);
	assert_int_equal(pool_free(&t, 0, 0), 0);
	tree_ok(&t);
	/* punch gives whole pages back; partial ranges keep them */
	assert_int_equal(fs_fallocate(&t, b->ino, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096,
				      M2), 0);
	assert_int_equal(pool_free(&t, 0, 0), 0);
	assert_int_equal(fs_fallocate(&t, b->ino, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, M2,
				      M2), 0);
	assert_int_equal(pool_free(&t, 0, 0), 1);
	assert_int_equal(b->size, 2 * M2);
	assert_int_equal(fs_fallocate(&t, b->ino, FALLOC_FL_PUNCH_HOLE, 0, M2), -EOPNOTSUPP);
	assert_int_equal(fs_fallocate(&t, b->ino, FALLOC_FL_COLLAPSE_RANGE, 0, M2), -EOPNOTSUPP);
	assert_int_equal(fs_fallocate(&t, b->ino, FALLOC_FL_KEEP_SIZE, M2, M2), 0);
	assert_int_equal(pool_free(&t, 0, 0), 0);
	tree_ok(&t);
	/* write(2) refused, write-back accepted, read back */
	assert_int_equal(fs_write(&t, b->ino, 0, "abc", 3, false), -EINVAL);
	assert_int_equal(fs_write(&t, b->ino, 100, "abc", 3, true), 3);
	memset(buf, 1, sizeof(buf));
	assert_int_equal(fs_read(&t, b->ino, 99, 5, buf), 5);
	assert_memory_equal(buf, "\0abc\0", 5);
	/* unlink of an open file keeps its pages until the last close */
	assert_int_equal(fs_remove(&t, d, "b", false), 0);
	assert_int_equal(pool_free(&t, 0, 0), 0);
	fs_release(&t, b->ino);
	assert_int_equal(pool_free(&t, 0, 0), 2);
	tree_ok(&t);
	/* sigbus mode: sizing takes nothing, the first read does, or fails with EIO */
	assert_int_equal(fs_machine_apply(&t.m, "sigbus=1;pool=0:2M:3"), 0); /* a holds 1 */
	b = mkfile(&t, d, "lazy");
	assert_int_equal(fs_truncate(&t, b->ino, 3 * M2), 0);
	assert_int_equal(pool_free(&t, 0, 0), 2);
	assert_int_equal(fs_read(&t, b->ino, 0, 8, buf), 8);
	assert_int_equal(fs_read(&t, b->ino, M2, 8, buf), 8);
	assert_int_equal(pool_free(&t, 0, 0), 0);
	assert_int_equal(fs_read(&t, b->ino, 2 * M2, 8, buf), -EIO);
	tree_ok(&t);
	/* shrinking a pool below its use shows surplus */
	assert_int_equal(fs_machine_apply(&t.m, "pool=0:2M:1"), 0);
	{
		uint64_t nr, fr, su;
		fs_pool_counts(&t.m, 0, 0, &nr, &fr, &su);
		assert_int_equal(nr, 3);
		assert_int_equal(fr, 0);
		assert_int_equal(su, 2);
	}
	/* truncation to 0 gives everything back */
	assert_int_equal(fs_truncate(&t, b->ino, 0), 0);
	assert_int_equal(fs_truncate(&t, a->ino, 0), 0);
	assert_int_equal(fs_machine_apply(&t.m, "clear"), 0);
	assert_int_equal(pool_free(&t, 0, 0), 3);
	assert_int_equal(pool_free(&t, 0, 1), 2);
	/* injected faults */
	assert_int_equal(fs_machine_apply(&t.m, "nth=2"), 0);
	assert_int_equal(fs_frame_take(&t.m, 0, 0, &node, &frame, &why), 0);
	assert_int_equal(fs_frame_take(&t.m, 0, 0, &node, &frame, &why), -ENOSPC);
	assert_non_null(strstr(why, "nth=2"));
	assert_int_equal(fs_machine_apply(&t.m, "die=1"), 0);
	assert_false(t.m.die_now);
	fs_frame_take(&t.m, 0, 0, &node, &frame, &why);
	assert_true(t.m.die_now);
	t.m.die_now = false;
	/* bad specs change nothing */
	assert_err(fs_machine_apply(&t.m, "node=1;pool=9:2M:1"), -EINVAL, "pool node");
	assert_int_equal(t.m.k.node_mask, 0);
	assert_err(fs_machine_apply(&t.m, "latency=2000000"), -EINVAL, "latency");
	assert_err(fs_machine_apply(&t.m, "policy=x"), -EINVAL, "policy");
	assert_err(fs_machine_apply(&t.m, "sigbus=1;;"), -EINVAL, "empty item");
	assert_err(fs_machine_apply(&t.m, "nth=1;nth=2"), -EINVAL, "twice");
	assert_err(fs_machine_apply(&t.m, "pool=0:3M:1"), -EINVAL, "pool size");
	assert_false(t.m.k.sigbus);
	assert_int_equal(fs_machine_apply(&t.m, "\n"), 0);
	fs_release(&t, a->ino);
	fs_release(&t, b->ino);
	fs_tree_fini(&t);
}

/* Random operations on the tree; the validator and a page-count model after each. */
static void
test_fusefs_tree_model(void **state)
{
	enum { FILES = 12 };
	struct fs_tree t;
	struct fs_inode *f[FILES] = { NULL };
	uint64_t seed = hm_test_seed(), pages[FILES] = { 0 }, total = 16, d;
	char name[16], buf[32];

	(void)state;
	assert_int_equal(fs_tree_init(&t, "/m", "nodes=1;2M=16", NULL, 0, 0), 0);
	d = t.size_dir[0];
	for (int step = 0; step < 4000; step++) {
		unsigned int i = (unsigned int)(hm_test_rand(&seed) % FILES);
		uint64_t want = hm_test_rand(&seed) % 6, used = 0;
		int rc;

		for (unsigned int j = 0; j < FILES; j++)
			used += pages[j];
		snprintf(name, sizeof(name), "f%u", i);
		switch (hm_test_rand(&seed) % 5) {
		case 0:
			if (f[i] == NULL)
				f[i] = mkfile(&t, d, name);
			break;
		case 1: /* truncate */
			if (f[i] == NULL)
				break;
			rc = fs_truncate(&t, f[i]->ino, want * M2);
			if (want > pages[i] && used + want - pages[i] > total) {
				assert_int_equal(rc, -ENOSPC);
			} else {
				assert_int_equal(rc, 0);
				pages[i] = want;
			}
			break;
		case 2: /* punch one page */
			if (f[i] == NULL || pages[i] == 0)
				break;
			assert_int_equal(fs_fallocate(&t, f[i]->ino, FALLOC_FL_PUNCH_HOLE |
						      FALLOC_FL_KEEP_SIZE, 0, M2), 0);
			assert_int_equal(fs_fallocate(&t, f[i]->ino, 0, 0, M2), 0); /* its own */
			break;
		case 3: /* unlink + close */
			if (f[i] == NULL)
				break;
			assert_int_equal(fs_remove(&t, d, name, false), 0);
			assert_int_equal(fs_read(&t, f[i]->ino, 0, sizeof(buf), buf),
					 pages[i] > 0 ? (ssize_t)sizeof(buf) : 0);
			fs_release(&t, f[i]->ino);
			fs_forget(&t, f[i]->ino, 1);
			f[i] = NULL;
			pages[i] = 0;
			break;
		default: /* write-back and read */
			if (f[i] == NULL || pages[i] == 0)
				break;
			assert_int_equal(fs_write(&t, f[i]->ino, 8, "data", 4, true), 4);
			assert_int_equal(fs_read(&t, f[i]->ino, 8, 4, buf), 4);
			assert_memory_equal(buf, "data", 4);
			break;
		}
		used = 0;
		for (unsigned int j = 0; j < FILES; j++)
			used += pages[j];
		assert_int_equal(t.m.pools[0][0].in_use, used);
		if (step % 16 == 0)
			tree_ok(&t);
	}
	tree_ok(&t);
	fs_tree_fini(&t);
}

/* The same topology and seed give emu's physical addresses. */
static void
test_fusefs_tree_layouts_match_emu(void **state)
{
	static const char *const topos[] = {
		"nodes=2;2M=8,8;1G=1,2;iova=contig",
		"nodes=2;2M=8,8;1G=1,2;iova=shuffled;seed=7",
		"nodes=2;2M=8,8;1G=1,2;iova=fragmented;seed=9",
	};

	(void)state;
	for (unsigned int i = 0; i < 3; i++) {
		struct hm_backend_params p = { .topology = topos[i], .runtime_dir = rundir,
					       .prefix = "fz", .in_memory = true };
		struct hm_backend be = { .ops = &hm_emu_ops };
		struct fs_tree t;
		void *va = hm_va_reserve(NULL, 16 * M2, M2, 0);

		assert_non_null(va);
		assert_int_equal(hm_emu_ops.create(&be, &p), 0);
		assert_int_equal(fs_tree_init(&t, "/m", topos[i], NULL, 0, 0), 0);
		for (int node = 0; node < 2; node++)
			for (unsigned int j = 0; j < 8; j++) {
				struct hm_page pg = { .va = (char *)va + (node * 8 + j) * M2,
						      .page_sz = M2, .node = node };
				const char *why;
				uint32_t frame;
				int got;
				assert_int_equal(hm_emu_ops.page_map(&be, &pg), 0);
				assert_int_equal(fs_frame_take(&t.m, 1, node, &got, &frame, &why), 0);
				assert_int_equal(got, node);
				assert_int_equal(t.m.pools[1][node].pa[frame], pg.iova);
			}
		hm_emu_ops.destroy(&be);
		hm_va_release(va, 16 * M2);
		fs_tree_fini(&t);
	}
}

/* ================================ on a mount ================================ */

/* Run this program in child mode; its exit status. */
static int
run_child(const char *mode, const char *arg)
{
	struct hm_test_child c;

	hm_test_spawn(&c, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self_exe, "child", mode, arg) });
	return hm_test_wait(&c, -1);
}

static int
child_main(const char *mode, const char *arg)
{
	if (strcmp(mode, "map") == 0) { /* sees "hello" at 0, writes "world" at 16 */
		int fd = open(arg, O_RDWR);
		char *p = fd >= 0 ? mmap(NULL, M2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : NULL;
		if (p == NULL || p == MAP_FAILED)
			return 3;
		if (memcmp(p, "hello", 5) != 0)
			return 2;
		memcpy(p + 16, "world", 5);
		return msync(p, M2, MS_SYNC) == 0 ? 0 : 4;
	}
	if (strcmp(mode, "flock") == 0 || strcmp(mode, "fcntl") == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int fd = open(arg, O_RDWR), rc;
		if (fd < 0)
			return 3;
		rc = mode[0] == 'f' && mode[1] == 'l' ? flock(fd, LOCK_EX | LOCK_NB) :
			fcntl(fd, F_SETLK, &fl);
		return rc == 0 ? 0 : (errno == EWOULDBLOCK || errno == EAGAIN || errno == EACCES) ?
			1 : 2;
	}
	if (strcmp(mode, "nobody") == 0) { /* open as an ordinary user */
		int fd;
		if (setgid(65534) != 0 || setuid(65534) != 0)
			return 3;
		fd = open(arg, O_RDWR);
		return fd >= 0 ? 0 : errno == EACCES ? 1 : 2;
	}
	if (strcmp(mode, "hold") == 0) { /* hold the daemon, say so, wait to be killed */
		int h = open(arg, O_RDWR | O_CLOEXEC);
		if (write(1, h >= 0 ? "y" : "n", 1) != 1)
			return 2;
		pause();
		return 0;
	}
	if (strcmp(mode, "start-and-hang") == 0) {
		struct hm_fusefs *fs;
		if (hm_fusefs_start(arg, "nodes=1;2M=4", NULL, &fs) != 0)
			return 3;
		printf("up %d\n", hm_fusefs_pid(fs));
		fflush(stdout);
		pause();
		return 0;
	}
	return 120;
}

static void
test_fusefs_start_stop_and_layout(void **state)
{
	struct hm_fusefs *fs, *att = NULL, *again = NULL;
	struct hm_hugetlbfs_info info;
	char mnt[PATH_MAX], st[8192];
	int pid;

	(void)state;
	need_mount();
	fs = start("nodes=2;2M=6,4;1G=0,1;lcores=0-1@0,2-3@1", NULL, mnt, sizeof(mnt));
	pid = hm_fusefs_pid(fs);
	assert_true(pid > 0);
	assert_true(hm_fusefs_alive(fs));
	assert_string_equal(hm_fusefs_mountpoint(fs), mnt);
	/* a second start on a live mount is refused; attach works */
	assert_err(hm_fusefs_start(mnt, NULL, NULL, &again), -EBUSY, "already");
	assert_int_equal(hm_fusefs_attach(mnt, &att), 0);
	assert_int_equal(hm_fusefs_pid(att), -1);
	hm_fusefs_stop(att); /* forgets only */
	assert_true(hm_fusefs_alive(fs));
	/* discovery reads the mount as its sysfs/procfs root */
	assert_int_equal(hm_hugetlbfs_discover(mnt, NULL, &info), 0);
	assert_int_equal(info.n_nodes, 2);
	assert_int_equal(info.n_sizes, 2);
	assert_int_equal(info.default_page_sz, M2);
	assert_int_equal(info.sizes[0].page_sz, HM_GB);
	assert_int_equal(info.sizes[0].free_pages[1], 1);
	assert_int_equal(info.sizes[1].free_pages[0], 6);
	assert_int_equal(info.sizes[1].free_pages[1], 4);
	assert_true(info.sizes[1].per_node);
	assert_int_equal(info.sizes[1].nr, 10);
	snprintf(st, sizeof(st), "%s/2M", mnt);
	assert_string_equal(info.sizes[1].dir, st);
	assert_int_equal(sysfs_u64(mnt, "sys/devices/system/node/node1/cpulist"), 2);
	assert_true(hm_fusefs_status(mnt, st, sizeof(st)) > 0);
	assert_non_null(strstr(st, "check: ok"));
	assert_err(hm_fusefs_status(mnt, st, 16), -ENAMETOOLONG, "does not fit");
	assert_int_equal(hm_fusefs_check(mnt), 0);
	stop();
	assert_int_equal(kill(pid, 0), -1); /* reaped */
	assert_int_equal(access(mnt, F_OK), -1); /* the mount point we made is gone */
}

static void
test_fusefs_page_files(void **state)
{
	char mnt[PATH_MAX], path[PATH_MAX], buf[16];
	struct statfs sf;
	struct stat st;
	int fd, fd2, node;
	uint64_t pa;

	(void)state;
	need_mount();
	start("nodes=2;2M=3,2;iova=contig", NULL, mnt, sizeof(mnt));
	snprintf(path, sizeof(path), "%s/2M/page", mnt);
	fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(open(path, O_CREAT | O_EXCL | O_RDWR, 0600), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(ftruncate(fd, 4096), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(hm_fusefs_set_node(fd, 1), 0);
	assert_err(hm_fusefs_set_node(fd, 5), -EINVAL, "no such node");
	assert_err(hm_fusefs_page_info(fd, 0, &node, &pa), -ENODATA, "no page");
	assert_int_equal(ftruncate(fd, 2 * M2), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 2 * M2);
	assert_int_equal(hm_fusefs_page_info(fd, 1, &node, &pa), 0);
	assert_int_equal(node, 1);
	assert_int_equal(pa, (2ULL << 44) + M2); /* pool 2M node 1, contig, frame 1 */
	assert_int_equal(node_free(mnt, 1), 0);
	/* statfs: the page size and the pool */
	assert_int_equal(fstatfs(fd, &sf), 0);
	assert_int_equal(sf.f_bsize, M2);
	assert_int_equal(sf.f_blocks, 5);
	assert_int_equal(sf.f_bfree, 3);
	/* write(2) is refused, read(2) gives zeros */
	assert_int_equal(write(fd, "x", 1), -1);
	assert_int_equal(errno, EINVAL);
	memset(buf, 1, sizeof(buf));
	assert_int_equal(pread(fd, buf, sizeof(buf), 0), sizeof(buf));
	assert_int_equal(buf[0] + buf[15], 0);
	/* fallocate: grow, ENOSPC all or nothing, punch */
	fd2 = open(path, O_RDWR);
	assert_true(fd2 >= 0);
	assert_int_equal(fallocate(fd2, 0, 2 * M2, 4 * M2), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 2 * M2);
	assert_int_equal(fallocate(fd2, 0, 2 * M2, M2), 0);
	assert_int_equal(node_free(mnt, 0), 2);
	assert_int_equal(fallocate(fd2, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, M2), 0);
	assert_int_equal(node_free(mnt, 1), 1);
	assert_err(hm_fusefs_page_info(fd, 0, &node, &pa), -ENODATA, "no page");
	close(fd2);
	/* unlink: pages come back at the last close */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(node_free(mnt, 0), 2);
	close(fd);
	await_free(mnt, 0, 3);
	await_free(mnt, 1, 2);
	/* O_NOFOLLOW, FIFOs, directories, the fixed tree */
	snprintf(path, sizeof(path), "%s/2M/link", mnt);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(open(path, O_RDONLY | O_NOFOLLOW), -1);
	assert_int_equal(errno, ELOOP);
	snprintf(path, sizeof(path), "%s/2M/fifo", mnt);
	assert_int_equal(mkfifo(path, 0600), 0);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	close(fd);
	snprintf(path, sizeof(path), "%s/sys/x", mnt);
	assert_int_equal(mkdir(path, 0700), -1);
	assert_int_equal(errno, EPERM);
	snprintf(path, sizeof(path), "%s/2M/d", mnt);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(hm_fusefs_check(mnt), 0);
	stop();
}

/* MAP_SHARED between processes, data surviving the page cache, locks, modes. */
static void
test_fusefs_sharing_locks_permissions(void **state)
{
	char mnt[PATH_MAX], path[PATH_MAX];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char *p;
	int fd;

	(void)state;
	need_mount();
	/* under /tmp: another user must be able to reach the mount point */
	snprintf(mnt, sizeof(mnt), "/tmp/hugemem-test-fusefs-XXXXXX");
	assert_non_null(mkdtemp(mnt));
	assert_int_equal(chmod(mnt, 0755), 0);
	snprintf(cur_tmp, sizeof(cur_tmp), "%s", mnt);
	assert_int_equal(hm_fusefs_start(mnt, "nodes=1;2M=4", NULL, &cur), 0);
	snprintf(path, sizeof(path), "%s/2M/shared", mnt);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, M2), 0);
	p = mmap(NULL, M2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	memcpy(p, "hello", 5);
	assert_int_equal(run_child("map", path), 0);
	assert_memory_equal(p + 16, "world", 5);
	/* written back to the daemon: still there after the page cache is dropped */
	assert_int_equal(msync(p, M2, MS_SYNC), 0);
	assert_int_equal(munmap(p, M2), 0);
	assert_int_equal(posix_fadvise(fd, 0, M2, POSIX_FADV_DONTNEED), 0);
	p = mmap(NULL, M2, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_memory_equal(p, "hello", 5);
	assert_memory_equal(p + 16, "world", 5);
	munmap(p, M2);
	/* flock and fcntl locks, across processes */
	assert_int_equal(run_child("flock", path), 0);
	assert_int_equal(flock(fd, LOCK_SH), 0);
	assert_int_equal(run_child("flock", path), 1);
	assert_int_equal(flock(fd, LOCK_UN), 0);
	assert_int_equal(fcntl(fd, F_SETLK, &fl), 0);
	assert_int_equal(run_child("fcntl", path), 1);
	fl.l_type = F_UNLCK;
	assert_int_equal(fcntl(fd, F_SETLK, &fl), 0);
	assert_int_equal(run_child("fcntl", path), 0);
	/* modes: the kernel checks them against the daemon's attributes */
	if (geteuid() == 0) {
		assert_int_equal(run_child("nobody", path), 1);
		assert_int_equal(fchmod(fd, 0666), 0);
		assert_int_equal(run_child("nobody", path), 0);
	} else {
		printf("# not root: the other-user permission check is skipped\n");
	}
	close(fd);
	assert_int_equal(unlink(path), 0);
	await_free(mnt, 0, 4);
	assert_int_equal(hm_fusefs_check(mnt), 0);
	stop();
	assert_int_equal(rmdir(mnt), 0); /* not ours to remove for hm_fusefs_stop */
	cur_tmp[0] = '\0';
}

static sigjmp_buf bus_jb;

static void
on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jb, 1);
}

/* sigbus=1: sizing takes no page, the first touch does; none left gives SIGBUS. */
static void
test_fusefs_sigbus_on_first_touch(void **state)
{
	char mnt[PATH_MAX], path[PATH_MAX];
	struct sigaction sa = { .sa_handler = on_bus }, old;
	volatile char *p;
	volatile int bus = 0;
	int fd;

	(void)state;
	need_mount();
	start("nodes=1;2M=4", "sigbus=1;pool=0:2M:1", mnt, sizeof(mnt));
	snprintf(path, sizeof(path), "%s/2M/lazy", mnt);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 2 * M2), 0);
	assert_int_equal(node_free(mnt, 0), 1);
	p = mmap(NULL, 2 * M2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGBUS, &sa, &old), 0);
	if (sigsetjmp(bus_jb, 1) == 0)
		p[0] = 1;
	else
		bus = 1;
	assert_int_equal(bus, 0);
	assert_int_equal(node_free(mnt, 0), 0);
	if (sigsetjmp(bus_jb, 1) == 0)
		p[M2] = 1;
	else
		bus = 1;
	sigaction(SIGBUS, &old, NULL);
	assert_int_equal(bus, 1);
	munmap((void *)p, 2 * M2);
	close(fd);
	unlink(path);
	stop();
}

static void
test_fusefs_control_and_faults(void **state)
{
	struct hm_fusefs *fs;
	char mnt[PATH_MAX], path[PATH_MAX], st[8192];
	int fd;

	(void)state;
	need_mount();
	fs = start("nodes=2;2M=4,4", "nth=2", mnt, sizeof(mnt));
	snprintf(path, sizeof(path), "%s/2M/f", mnt);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, M2), 0);
	assert_int_equal(ftruncate(fd, 2 * M2), -1); /* the 2nd allocation */
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(ftruncate(fd, 2 * M2), 0);
	/* node=, pool= (surplus), a refused spec */
	assert_int_equal(hm_fusefs_control(mnt, "node=1;pool=0:2M:1"), 0);
	assert_true(hm_fusefs_status(mnt, st, sizeof(st)) > 0);
	assert_non_null(strstr(st, "node=1"));
	assert_non_null(strstr(st, "pool 2M node 0: total 4 in_use 2 free 0 surplus 1 limit 1"));
	assert_int_equal(sysfs_u64(mnt, "sys/kernel/mm/hugepages/hugepages-2048kB/"
				   "surplus_hugepages"), 1);
	assert_err(hm_fusefs_control(mnt, "node=1;pool=7:2M:1"), -EINVAL, "pool node");
	assert_err(hm_fusefs_control(mnt, "nonsense"), -EINVAL, "unknown item");
	assert_int_equal(hm_fusefs_control(mnt, "clear;latency=100"), 0);
	assert_true(hm_fusefs_status(mnt, st, sizeof(st)) > 0);
	assert_non_null(strstr(st, "latency=100"));
	assert_null(strstr(st, "error:"));
	assert_int_equal(hm_fusefs_control(mnt, "clear"), 0);
	/* die=N: the daemon vanishes while serving the allocation */
	assert_int_equal(hm_fusefs_control(mnt, "die=1"), 0);
	assert_int_equal(ftruncate(fd, 3 * M2), -1);
	assert_true(errno == ENOTCONN || errno == ECONNABORTED); /* in flight: aborted */
	assert_false(hm_fusefs_alive(fs));
	assert_err(hm_fusefs_check(mnt), -ENOTCONN, "died");
	close(fd);
	stop(); /* unmounts the dead mount and removes the mount point */
	assert_int_equal(access(mnt, F_OK), -1);
	/* `die` written to the control file */
	fs = start("nodes=1;2M=1", NULL, mnt, sizeof(mnt));
	assert_err(hm_fusefs_control(mnt, "die"), -ENOTCONN, "died");
	stop();
	assert_int_equal(access(mnt, F_OK), -1);
}

/* A started daemon goes away with the process that started it (its hold and
 * its socket both go with the SIGKILL). */
static void
test_fusefs_owner_death_unmounts(void **state)
{
	char mnt[PATH_MAX], line[64] = "";
	struct hm_test_child c;
	int daemon_pid = 0;

	(void)state;
	need_mount();
	snprintf(mnt, sizeof(mnt), "%s/mnt%d", rundir, mount_count++);
	hm_test_spawn(&c, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self_exe, "child", "start-and-hang", mnt),
		.out = HM_TEST_IO_PIPE });
	assert_true(hm_test_read_line(&c, line, sizeof(line), -1) > 0);
	assert_int_equal(sscanf(line, "up %d", &daemon_pid), 1);
	hm_test_kill(&c);
	for (int i = 0; i < 5000 && kill(daemon_pid, 0) == 0; i++)
		usleep(1000);
	assert_int_equal(kill(daemon_pid, 0), -1);
	{
		/* unmounted, and the mount point its dead starter made is removed too
		 * (--remove-mountpoint: nobody else would) */
		struct statfs sf;
		assert_int_equal(statfs(mnt, &sf), -1);
		assert_int_equal(errno, ENOENT);
	}
}

/* The "holds: N" count of the daemon at @p mnt once it equals @p want (releases
 * reach it asynchronously: bounded wait); the count last read. */
static unsigned int
await_holds(const char *mnt, unsigned int want)
{
	char st[8192];
	const char *p;
	unsigned int n = ~0u;

	for (int i = 0; i < 5000; i++) {
		assert_true(hm_fusefs_status(mnt, st, sizeof(st)) > 0);
		p = strstr(st, "\nholds: ");
		assert_non_null(p);
		n = (unsigned int)strtoul(p + 8, NULL, 10);
		if (n == want)
			break;
		usleep(1000);
	}
	return n;
}

/* Start this program as a child that holds the daemon at @p mnt (M/hold) until
 * it is killed; returns once the daemon counts @p holds. exec: a fork alone
 * would keep the starter's socket too; a failed test leaves no holder
 * (SIGKILL when this thread ends). */
static void
spawn_holder(struct hm_test_child *kid, const char *mnt, unsigned int holds)
{
	char path[PATH_MAX], buf[4];

	snprintf(path, sizeof(path), "%s/hold", mnt);
	hm_test_spawn(kid, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self_exe, "child", "hold", path), .out = HM_TEST_IO_PIPE,
		.death_sig = SIGKILL });
	assert_int_equal(hm_test_read_line(kid, buf, 2, -1), 1);
	assert_int_equal(buf[0], 'y');
	assert_int_equal(await_holds(mnt, holds), holds);
}

/*
 * Holds (M/hold, backends/fuse/hold.c): each O_RDWR open of M/hold by the
 * daemon's user keeps it serving after the process that started it left;
 * nothing else does. Asserted: the starter holds one; opens other than O_RDWR,
 * another user's open, a name made in the root, a chmod, an unlink and bogus
 * messages are refused with their errno and leave the count as it was;
 * "leave" counts once (then EALREADY); a starter that stops while another
 * process holds returns at once and the daemon serves on; when that holder is
 * SIGKILLed the daemon unmounts, removes the mount point it was started on
 * and exits; a new hold on a daemon in that state is refused (ESHUTDOWN).
 */
static void
test_fusefs_hold_rules(void **state)
{
	char tmp[] = "/tmp/hugemem-test-fusefs-XXXXXX", mnt[PATH_MAX], path[PATH_MAX];
	char buf[128], st[8192];
	struct hm_test_child kid;
	int fd, fd2, dpid, wst;
	pid_t r = 0;

	(void)state;
	need_mount();
	assert_non_null(mkdtemp(tmp));
	assert_int_equal(chmod(tmp, 0755), 0); /* another user reaches the mount */
	snprintf(cur_tmp, sizeof(cur_tmp), "%s", tmp);
	snprintf(mnt, sizeof(mnt), "%s/m", tmp); /* made by start: the daemon removes it */
	assert_int_equal(hm_fusefs_start(mnt, "nodes=1;2M=4", NULL, &cur), 0);
	dpid = hm_fusefs_pid(cur);
	assert_int_equal(await_holds(mnt, 1), 1); /* the starter's */
	snprintf(path, sizeof(path), "%s/hold", mnt);
	/* only O_RDWR opens hold */
	assert_int_equal(open(path, O_RDONLY | O_CLOEXEC), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(open(path, O_WRONLY | O_CLOEXEC), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(hm_fusefs_status(mnt, st, sizeof(st)) > 0);
	assert_non_null(strstr(st, "error: hold: opened without O_RDWR"));
	/* no second hold file, no rename, no unlink, no chmod */
	snprintf(buf, sizeof(buf), "%s/hold2", mnt);
	assert_int_equal(open(buf, O_CREAT | O_RDWR | O_CLOEXEC, 0600), -1);
	assert_true(errno == EPERM || errno == EACCES);
	assert_int_equal(unlink(path), -1);
	assert_int_equal(rename(path, buf), -1);
	assert_int_equal(chmod(path, 0666), -1);
	assert_int_equal(errno, EPERM);
	if (geteuid() == 0)
		assert_int_equal(run_child("nobody", path), 1); /* EACCES */
	else
		printf("# not root: the other-user hold check is skipped\n");
	assert_int_equal(await_holds(mnt, 1), 1);
	/* messages */
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(await_holds(mnt, 2), 2);
	assert_int_equal(write(fd, "bogus", 5), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(write(fd, "leave now", 9), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(hm_fusefs_status(mnt, st, sizeof(st)) > 0);
	assert_non_null(strstr(st, "error: hold: unknown message 'leave now'"));
	assert_int_equal(await_holds(mnt, 2), 2);
	assert_int_equal(write(fd, "leave\n", 6), 6);
	assert_int_equal(write(fd, "leave", 5), -1);
	assert_int_equal(errno, EALREADY);
	memset(buf, 0, sizeof(buf));
	assert_true(pread(fd, buf, sizeof(buf) - 1, 0) > 0);
	snprintf(st, sizeof(st), "holds=1 stopping=0 pid=%d\n", dpid);
	assert_string_equal(buf, st);
	close(fd);
	assert_int_equal(await_holds(mnt, 1), 1);
	/* a child holds; the starter stops: the daemon serves the child on */
	spawn_holder(&kid, mnt, 2);
	fd2 = open(path, O_RDWR | O_CLOEXEC); /* a hold of ours, to read the state */
	assert_true(fd2 >= 0);
	stop(); /* leaves at once: 2 holds were left (the child's, fd2) */
	assert_int_equal(kill(dpid, 0), 0);
	for (int i = 0; i < 5000; i++) { /* the daemon sees the socket's EOF soon */
		assert_true(hm_fusefs_status(mnt, st, sizeof(st)) > 0);
		if (strstr(st, "\nholds: 2 (its starter left: stops at 0)\n") != NULL)
			break;
		usleep(1000);
	}
	if (strstr(st, "\nholds: 2 (its starter left: stops at 0)\n") == NULL)
		fail_msg("daemon status: %s", st);
	close(fd2);
	assert_int_equal(await_holds(mnt, 1), 1);
	hm_test_kill(&kid);
	for (int i = 0; i < 10000 && r == 0; i++) {
		r = waitpid(dpid, &wst, WNOHANG);
		if (r == 0)
			usleep(1000);
	}
	/* the daemon is our child: reaped here or by the library's reaper thread */
	if (r == dpid)
		assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
	else
		assert_true(r < 0 && errno == ECHILD);
	assert_int_equal(access(mnt, F_OK), -1); /* unmounted, mount point removed */
	assert_int_equal(errno, ENOENT);
	assert_int_equal(rmdir(tmp), 0);
	cur_tmp[0] = '\0';
}

/*
 * A daemon its starter left to another process (hm_fusefs_stop with holds
 * left) is still the starter's child: once the last holder is gone and the
 * daemon exits, no zombie of it remains, with no later start or stop in this
 * process to reap it.
 */
static void
test_fusefs_left_daemon_reaped(void **state)
{
	struct hm_test_child kid;
	char mnt[PATH_MAX];
	int dpid, z = 0;

	(void)state;
	need_mount();
	start("nodes=1;2M=4", NULL, mnt, sizeof(mnt));
	dpid = hm_fusefs_pid(cur);
	spawn_holder(&kid, mnt, 2);
	stop(); /* leaves at once: the child's hold remains */
	assert_int_equal(kill(dpid, 0), 0);
	assert_int_equal(hm_test_zombie_children(NULL), 0);
	hm_test_kill(&kid); /* the last hold goes: the daemon unmounts and exits */
	for (int i = 0; i < 10000 && kill(dpid, 0) == 0; i++) /* a zombie answers kill */
		usleep(1000);
	if (kill(dpid, 0) == 0)
		fail_msg("daemon %d is still there 10 s after its last holder (%s)", dpid,
			 hm_test_zombie_children(&z) > 0 && z == dpid ? "a zombie nobody reaped" :
			 "running");
	assert_int_equal(errno, ESRCH);
	assert_int_equal(hm_test_zombie_children(&z), 0);
	assert_int_equal(access(mnt, F_OK), -1); /* unmounted, mount point removed */
}

/*
 * A child forked (no exec) after start that stops the inherited handle, as
 * hm_cleanup in a forked child does, leaves the parent's daemon alone: no
 * "leave" through the shared hold, no unmount, no wait; the parent's hold
 * still counts and its stop still unmounts.
 */
static void
test_fusefs_forked_child_stop(void **state)
{
	char mnt[PATH_MAX];
	int st;
	pid_t pid;

	(void)state;
	need_mount();
	start("nodes=1;2M=4", NULL, mnt, sizeof(mnt));
	assert_int_equal(await_holds(mnt, 1), 1);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		hm_fusefs_stop(cur);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(hm_fusefs_alive(cur)); /* still mounted, still served */
	assert_int_equal(await_holds(mnt, 1), 1);
	stop();
	assert_int_equal(access(mnt, F_OK), -1); /* unmounted, mount point removed */
	assert_int_equal(hm_test_zombie_children(NULL), 0);
}

/* The daemon's tree: the hold file's rules without a mount (hold.c). */
static void
test_fusefs_tree_holds(void **state)
{
	struct fs_tree t;
	const char *why = NULL;
	uint64_t a, b, c;
	char buf[96];

	(void)state;
	assert_int_equal(fs_tree_init(&t, "/m", "nodes=1;2M=4", NULL, 0, 0), 0);
	assert_int_equal(fs_hold_open(&t, O_RDONLY, 7, &a), -EINVAL);
	assert_int_equal(fs_hold_open(&t, O_WRONLY, 7, &a), -EINVAL);
	assert_int_equal(atomic_load(&t.holds_live), 0);
	assert_false(fs_hold_stopping(&t)); /* no client: never stops for holds */
	t.has_client = true;
	assert_int_equal(fs_hold_open(&t, O_RDWR, 7, &a), 0);
	assert_int_equal(fs_hold_open(&t, O_RDWR, 8, &b), 0);
	assert_true(a != 0 && b != 0 && a != b);
	assert_int_equal(fs_hold_write(&t, a, "x", 1), -EINVAL);
	assert_int_equal(fs_hold_write(&t, 999, "leave", 5), -EBADF);
	assert_int_equal(fs_hold_read(&t, 0, 0, sizeof(buf), buf), -EBADF);
	assert_int_equal(fs_read(&t, t.hold_ino, 0, sizeof(buf), buf), -EBADF);
	assert_int_equal(fs_write(&t, t.hold_ino, 0, "leave", 5, false), -EBADF);
	assert_int_equal(atomic_load(&t.holds_live), 2);
	assert_false(fs_hold_client_gone(&t)); /* two holds left */
	assert_int_equal(fs_hold_write(&t, a, "leave", 5), 5);
	assert_int_equal(fs_hold_write(&t, a, "leave", 5), -EALREADY);
	assert_false(fs_hold_release(&t, a)); /* left already: b remains */
	assert_false(fs_hold_release(&t, a)); /* a second release: nothing */
	assert_int_equal(atomic_load(&t.holds_live), 1);
	assert_int_equal(fs_tree_check(&t, &why), 0);
	assert_true(fs_hold_release(&t, b)); /* the last one, its client gone: stop */
	assert_true(fs_hold_stopping(&t));
	assert_int_equal(fs_hold_open(&t, O_RDWR, 9, &c), -ESHUTDOWN);
	assert_int_equal(fs_tree_check(&t, &why), 0);
	/* the validator sees a count that disagrees with the table */
	atomic_store(&t.holds_live, 3);
	assert_int_equal(fs_tree_check(&t, &why), -EFAULT);
	assert_non_null(strstr(why, "holds_live says 3"));
	atomic_store(&t.holds_live, 0);
	fs_tree_fini(&t);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fusefs_invalid_args),
		cmocka_unit_test(test_fusefs_tree_structure),
		cmocka_unit_test(test_fusefs_tree_pages),
		cmocka_unit_test(test_fusefs_tree_model),
		cmocka_unit_test(test_fusefs_tree_layouts_match_emu),
		cmocka_unit_test_teardown(test_fusefs_start_stop_and_layout, teardown),
		cmocka_unit_test_teardown(test_fusefs_page_files, teardown),
		cmocka_unit_test_teardown(test_fusefs_sharing_locks_permissions, teardown),
		cmocka_unit_test_teardown(test_fusefs_sigbus_on_first_touch, teardown),
		cmocka_unit_test_teardown(test_fusefs_control_and_faults, teardown),
		cmocka_unit_test_teardown(test_fusefs_owner_death_unmounts, teardown),
		cmocka_unit_test_teardown(test_fusefs_hold_rules, teardown),
		cmocka_unit_test_teardown(test_fusefs_left_daemon_reaped, teardown),
		cmocka_unit_test_teardown(test_fusefs_forked_child_stop, teardown),
		cmocka_unit_test(test_fusefs_tree_holds),
	};

	if (realpath("/proc/self/exe", self_exe) == NULL)
		return 1;
	if (argc == 4 && strcmp(argv[1], "child") == 0)
		return child_main(argv[2], argv[3]);
	hm_test_quiet_log();
	if (setup_all() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
