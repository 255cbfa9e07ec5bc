/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the fuse backend (backends/fuse/fuse.c): the hugetlbfs backend's code
 * on a hugemem-fusefs mount. Lifecycle (a mount under the runtime dir, gone after
 * cleanup and after a failed init; in-memory on a private mount), the oracle
 * (node and emu's physical addresses from the daemon), knobs through
 * hm_backend_fault (injected faults named in the error, SIGBUS on first touch, a
 * dying daemon), a named daemon left running, and the hugetlbfs paths on the
 * mount: leftover cleanup with a live holder, single-file segments and their
 * holes, never/always unlink and dirty reuse, legacy mode sorted by IOVA; and its
 * hostile-directory rules there (planted symlinks, FIFOs, directories, shared or
 * hard-linked leftovers under never, another user's file in a sticky page dir).
 * Needs /dev/fuse (root, or fusermount3) and hugemem-fusefs; skips with the reason
 * otherwise. Multi-process checks fork and exec this program ("hold" mode).
 */
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fusefs_checks.h"
#include "fusefs_i.h"
#include "helpers.h"
#include "mp_spawn.h"
#include "hm_config.h"
#include "hugemem/emu.h"
#include "hugemem/hugemem.h"

#define M2 (2 * HM_MB)

#define assert_err(call, code, needle)                                                   \
	do {                                                                             \
		int rc_ = (int)(call);                                                   \
		if (rc_ != (code) || strstr(hm_last_error(), (needle)) == NULL)          \
			fail_msg("%s: got %d '%s', want %d mentioning '%s'", #call, rc_,  \
				 hm_last_error(), (code), (needle));                     \
	} while (0)

#ifdef HM_HAVE_FUSE
static char self_exe[PATH_MAX];

/* NULL, foreign and unknown arguments of the backend's own functions. */
static void
test_fuse_backend_invalid_args(void **state)
{
	struct hm_backend emu = { .ops = &hm_emu_ops, .priv = (void *)&emu };

	(void)state;
	assert_err(hm_fusefs_pages_in_use(NULL, 0, M2), -EINVAL, "fuse backend");
	assert_err(hm_fusefs_pages_in_use(&emu, 0, M2), -EINVAL, "fuse backend");
	assert_null(hm_fusefs_backend_mount(NULL));
	assert_int_equal(hm_errno, EINVAL);
	assert_null(hm_fusefs_backend_mount(&emu));
	assert_err(hm_fusefs_ops.create(NULL, NULL), -EINVAL, "parameters");
	assert_err(hm_fusefs_ops.probe(NULL, NULL), -EINVAL, "probe");
	assert_err(hm_fusefs_ops.page_map(NULL, NULL), -EINVAL, "page_map");
	assert_err(hm_fusefs_ops.page_attach(&(struct hm_backend){ 0 }, NULL), -EINVAL, "attach");
	assert_err(hm_fusefs_ops.page_move(NULL, NULL, NULL), -EINVAL, "page_move");
	assert_err(hm_fusefs_ops.node_of(NULL, NULL), -EINVAL, "node_of");
	assert_err(hm_fusefs_ops.fault(NULL, "nth=1"), -EINVAL, "fault");
	hm_fusefs_ops.destroy(NULL);
	hm_fusefs_ops.dump(NULL, stdout);
	/* a bad topology or knob is refused before any daemon starts */
	hm_test_quiet_log();
	{
		struct hm_config c;
		hm_config_init(&c);
		c.backend = "fuse";
		c.topology = "nodez=1";
		assert_err(hm_init_config(&c), -EINVAL, "nodez");
		c.topology = "nodes=1;2M=4";
		c.fault = "nth=0";
		assert_err(hm_init_config(&c), -EINVAL, "nth");
		assert_false(hm_initialized());
	}
}

static int
init_fuse(const char *topo, uint64_t memory)
{
	struct hm_config c;

	hm_config_init(&c);
	c.backend = "fuse";
	c.topology = topo;
	c.memory = memory;
	c.file_prefix = "fzbe";
	return hm_init_config(&c);
}

/* Start, place pages by node with the daemon's addresses, stop; a failed init too. */
static void
test_fuse_backend_lifecycle(void **state)
{
	static const char *const topo = "nodes=2;2M=4,4;lcores=0@0,1@1;iova=shuffled;seed=7";
	struct hm_memseg *ms[3];
	struct fs_machine m;
	char mnt[PATH_MAX], want[PATH_MAX];
	struct statfs sf;
	FILE *f;
	char *dump = NULL;
	size_t dlen = 0;

	(void)state;
	need_mount();
	assert_int_equal(init_fuse(topo, 0), 0);
	snprintf(mnt, sizeof(mnt), "%s", hm_fusefs_backend_mount(hm_backend_get()));
	snprintf(want, sizeof(want), "%s/fzbe/fusefs", rundir);
	assert_string_equal(mnt, want);
	assert_int_equal(statfs(mnt, &sf), 0);
	assert_int_equal(sf.f_type, 0x65735546);
	assert_int_equal(hm_memseg_alloc_pages(ms, 2, M2, 1, 0), 2);
	assert_int_equal(hm_fusefs_pages_in_use(hm_backend_get(), 1, M2), 2);
	assert_err(hm_fusefs_pages_in_use(hm_backend_get(), 2, M2), -EINVAL, "node");
	/* the daemon's addresses: emu's layout for the same topology */
	assert_int_equal(fs_machine_init(&m, topo, NULL), 0);
	for (int i = 0; i < 2; i++) {
		const char *why;
		uint32_t frame;
		int node;
		assert_int_equal(fs_frame_take(&m, 0, 1, &node, &frame, &why), 0);
		assert_int_equal(ms[i]->iova, m.pools[0][1].pa[frame]);
		assert_int_equal(ms[i]->socket_id, 1);
		assert_int_equal(hm_backend_get()->ops->node_of(hm_backend_get(), ms[i]->addr), 1);
	}
	fs_machine_fini(&m);
	memset(ms[0]->addr, 0x5a, M2);
	assert_int_equal(hm_memseg_free_pages(ms, 2), 0);
	assert_int_equal(hm_fusefs_pages_in_use(hm_backend_get(), 1, M2), 0);
	f = open_memstream(&dump, &dlen);
	hm_backend_get()->ops->dump(hm_backend_get(), f);
	fclose(f);
	assert_non_null(strstr(dump, "hugemem-fusefs at"));
	assert_non_null(strstr(dump, "IOVA from the hugemem-fusefs daemon"));
	free(dump);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(access(mnt, F_OK), -1);
	/* a failed init stops the daemon and removes the mount point */
	hm_test_quiet_log();
	assert_int_equal(init_fuse("nodes=1;2M=2", 8 * M2), -ENOMEM);
	assert_false(hm_initialized());
	assert_int_equal(access(mnt, F_OK), -1);
	/* in-memory: nameless page files on a private mount */
	{
		struct hm_config c;
		hm_config_init(&c);
		c.backend = "fuse";
		c.topology = "nodes=1;2M=4";
		c.in_memory = true;
		c.single_file_segments = true;
		assert_int_equal(hm_init_config(&c), 0);
		snprintf(mnt, sizeof(mnt), "%s", hm_fusefs_backend_mount(hm_backend_get()));
		assert_null(strstr(mnt, rundir));
		assert_int_equal(hm_memseg_alloc_pages(ms, 3, M2, 0, 0), 3);
		snprintf(want, sizeof(want), "%s/2M", mnt);
		assert_int_equal(hm_test_count_files(want), 0);
		assert_int_equal(hm_memseg_free_pages(ms, 3), 0);
		assert_int_equal(hm_cleanup(), 0);
		assert_int_equal(access(mnt, F_OK), -1);
	}
}

/* Knobs through hm_backend_fault: injected faults, SIGBUS on first touch, death. */
static void
test_fuse_backend_faults(void **state)
{
	struct hm_memseg *ms[4];
	char mnt[PATH_MAX];

	(void)state;
	need_mount();
	hm_test_quiet_log();
	assert_int_equal(init_fuse("nodes=1;2M=4", 0), 0);
	snprintf(mnt, sizeof(mnt), "%s", hm_fusefs_backend_mount(hm_backend_get()));
	assert_int_equal(hm_backend_fault("nth=2"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, M2, 0, 0), 1);
	assert_err(hm_memseg_alloc_pages(ms + 1, 1, M2, 0, 0), -ENOMEM, "injected fault (nth=2)");
	assert_err(hm_backend_fault("bogus=1"), -EINVAL, "bogus");
	/* a hugetlb cgroup limit: sizing passes, the first touch gets SIGBUS */
	assert_int_equal(hm_backend_fault("sigbus=1;pool=0:2M:2"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms + 1, 1, M2, 0, 0), 1);
	assert_err(hm_memseg_alloc_pages(ms + 2, 1, M2, 0, 0), -ENOMEM, "SIGBUS on first touch");
	assert_int_equal(hm_fusefs_pages_in_use(hm_backend_get(), 0, M2), 2);
	assert_int_equal(hm_memseg_free_pages(ms, 2), 0);
	await_free(mnt, 0, 2);
	/* the daemon dies: a clear error at the next page operation, a clean cleanup */
	assert_int_equal(hm_backend_fault("clear"), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, M2, 0, 0), 1);
	memset(ms[0]->addr, 1, 4096);
	assert_err(hm_backend_fault("die"), -ENOTCONN, "died");
	assert_err(hm_memseg_alloc_pages(ms + 1, 1, M2, 0, 0), -ENOTCONN, "is gone");
	assert_int_equal(((volatile char *)ms[0]->addr)[100], 1); /* in the page cache */
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(access(mnt, F_OK), -1);
	assert_int_equal(hm_test_zombie_children(NULL), 0); /* the dead daemon was reaped */
}

/* $HUGEMEM_FUSEFS_MOUNT: a running daemon is used, and left running. */
static void
test_fuse_backend_named_daemon(void **state)
{
	struct hm_memseg *ms[2];
	char mnt[PATH_MAX], dir[PATH_MAX];

	(void)state;
	need_mount();
	start("nodes=1;2M=8", NULL, mnt, sizeof(mnt));
	setenv("HUGEMEM_FUSEFS_MOUNT", mnt, 1);
	assert_int_equal(init_fuse("nodes=1;2M=4", 0), 0); /* caps on the daemon's 8 */
	assert_string_equal(hm_fusefs_backend_mount(hm_backend_get()), mnt);
	assert_int_equal(hm_memseg_alloc_pages(ms, 2, M2, 0, 0), 2);
	snprintf(dir, sizeof(dir), "%s/2M", mnt);
	assert_int_equal(hm_test_count_files(dir), 2);
	assert_int_equal(hm_cleanup(), 0);
	unsetenv("HUGEMEM_FUSEFS_MOUNT");
	assert_true(hm_fusefs_alive(cur));
	assert_int_equal(hm_test_count_files(dir), 0);
	await_free(mnt, 0, 8);
	assert_int_equal(hm_fusefs_check(mnt), 0);
	stop();
}

static int
init_paths(const char *topo, uint64_t memory, bool sfs, int unlink_mode, bool legacy)
{
	struct hm_config c;

	hm_config_init(&c);
	c.backend = "fuse";
	c.topology = topo;
	c.memory = memory;
	c.file_prefix = "fzbe";
	c.single_file_segments = sfs;
	c.legacy_mem = legacy;
	if (unlink_mode >= 0) {
		c.huge_unlink = (enum hm_huge_unlink)unlink_mode;
		c.huge_unlink_set = true;
	}
	return hm_init_config(&c);
}

static int
iova_order(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	const struct hm_memseg **prev = arg;

	(void)msl;
	if (*prev != NULL && (*prev)->addr < ms->addr && (*prev)->iova > ms->iova)
		return -1;
	*prev = ms;
	return 0;
}

/* The hugetlbfs backend's file handling, on the mount (a named daemon keeps files). */
static void
test_fuse_backend_hugetlbfs_paths(void **state)
{
	struct hm_memseg *ms[8];
	const struct hm_memseg *prev = NULL;
	char mnt[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], line[16] = "";
	struct hm_test_child holder;
	int fd, node;
	uint64_t pa;

	(void)state;
	need_mount();
	hm_test_quiet_log();
	start("nodes=1;2M=16;iova=shuffled;seed=5", NULL, mnt, sizeof(mnt));
	setenv("HUGEMEM_FUSEFS_MOUNT", mnt, 1);
	snprintf(dir, sizeof(dir), "%s/2M", mnt);
	/* leftovers: a dead run's file goes, a live holder's stays and is EBUSY */
	snprintf(path, sizeof(path), "%s/fzbemap_0_0", dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	assert_true(fd >= 0 && ftruncate(fd, M2) == 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/fzbemap_0_1", dir);
	hm_test_spawn(&holder, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self_exe, "hold", path), .out = HM_TEST_IO_PIPE });
	assert_true(hm_test_read_line(&holder, line, sizeof(line), -1) > 0);
	assert_string_equal(line, "held\n");
	assert_int_equal(init_paths("nodes=1;2M=16", 0, false, -1, false), 0);
	assert_int_equal(access(path, F_OK), 0);                /* held: kept */
	snprintf(path, sizeof(path), "%s/fzbemap_0_0", dir);
	assert_int_equal(access(path, F_OK), -1);               /* dead: removed */
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, M2, 0, 0), 1);
	assert_err(hm_memseg_alloc_pages(ms + 1, 1, M2, 0, 0), -EBUSY, "in use by another live");
	assert_int_equal(hm_memseg_free_pages(ms, 1), 0);
	assert_int_equal(hm_cleanup(), 0);
	hm_test_kill(&holder);
	/* single-file segments: one list file, a freed page is a hole given back */
	assert_int_equal(init_paths("nodes=1;2M=16", 0, true, -1, false), 0);
	assert_int_equal(access(path, F_OK), -1); /* the next primary removed the leftover */
	assert_int_equal(hm_memseg_alloc_pages(ms, 3, M2, 0, 0), 3);
	assert_int_equal(hm_test_count_files(dir), 1);
	snprintf(path, sizeof(path), "%s/fzbemap_0", dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(hm_fusefs_page_info(fd, 1, &node, &pa), 0);
	assert_int_equal(pa, ms[1]->iova);
	assert_int_equal(hm_memseg_free_pages(ms + 1, 1), 0);
	assert_err(hm_fusefs_page_info(fd, 1, &node, &pa), -ENODATA, "no page");
	assert_int_equal(node_free(mnt, 0), 16 - 2);
	close(fd);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(hm_test_count_files(dir), 0);
	/* never: files stay, and the next run reuses them as dirty pages */
	assert_int_equal(init_paths("nodes=1;2M=16", 0, false, HM_HUGE_UNLINK_NEVER, false), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 2, M2, 0, 0), 2);
	memset(ms[0]->addr, 0x77, 64);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(hm_test_count_files(dir), 2);
	assert_int_equal(init_paths("nodes=1;2M=16", 0, false, HM_HUGE_UNLINK_NEVER, false), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 1, M2, 0, 0), 1);
	assert_true((ms[0]->flags & HM_MEMSEG_FLAG_DIRTY) != 0);
	assert_int_equal(((unsigned char *)ms[0]->addr)[10], 0x77); /* the daemon kept it */
	assert_int_equal(hm_cleanup(), 0);
	/* always: no name while mapped (and the leftovers of never are cleaned) */
	assert_int_equal(init_paths("nodes=1;2M=16", 0, false, HM_HUGE_UNLINK_ALWAYS, false), 0);
	assert_int_equal(hm_test_count_files(dir), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 2, M2, 0, 0), 2);
	assert_int_equal(hm_test_count_files(dir), 0);
	assert_int_equal(hm_cleanup(), 0);
	/* legacy: every page mapped at init, sorted by the daemon's shuffled IOVAs */
	assert_int_equal(init_paths("nodes=1;2M=12", 0, false, -1, true), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), (int64_t)(12 * M2));
	assert_int_equal(hm_memseg_walk(iova_order, &prev), 0);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(hm_test_count_files(dir), 0);
	unsetenv("HUGEMEM_FUSEFS_MOUNT");
	await_free(mnt, 0, 16);
	assert_int_equal(hm_fusefs_check(mnt), 0);
	stop();
}

/*
 * A file of @p n pages (mode @p mode) with "old data" at its start, written
 * through a mapping (hugetlbfs, and so the mount, refuses write(2)); @p n = 0:
 * an ordinary file off the mount with those 8 bytes.
 */
static void
plant(const char *path, unsigned int n, mode_t mode)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, mode);
	char *p;

	assert_true(fd >= 0);
	if (n == 0) {
		assert_int_equal(write(fd, "old data", 8), 8);
	} else {
		assert_int_equal(ftruncate(fd, (off_t)(n * M2)), 0);
		p = mmap(NULL, M2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		assert_true(p != MAP_FAILED);
		memcpy(p, "old data", 8);
		munmap(p, M2);
	}
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static bool
holds_old_data(const char *path)
{
	char buf[9] = { 0 };
	int fd = open(path, O_RDONLY);
	bool yes = fd >= 0 && pread(fd, buf, 8, 0) == 8 && strcmp(buf, "old data") == 0;

	if (fd >= 0)
		close(fd);
	return yes;
}

/*
 * The hostile-directory rules of the hugetlbfs backend (docs/security.md) hold on
 * a hugemem-fusefs mount: a symlink, FIFO or directory planted under a page name
 * is removed, never followed or waited on (at init's cleaning and at page_map);
 * under --huge-unlink=never only a private, singly linked file of ours is reused
 * (a 0644 file and a hard-linked one are replaced, their bytes never mapped).
 */
static void
test_fuse_backend_hostile_files(void **state)
{
	struct hm_memseg *ms[3];
	char mnt[PATH_MAX], dir[PATH_MAX], target[PATH_MAX], link2[PATH_MAX];
	char p0[PATH_MAX], p1[PATH_MAX], p2[PATH_MAX];
	struct stat st;
	int dirty = 0;

	(void)state;
	need_mount();
	hm_test_quiet_log();
	start("nodes=1;2M=16", NULL, mnt, sizeof(mnt));
	setenv("HUGEMEM_FUSEFS_MOUNT", mnt, 1);
	snprintf(dir, sizeof(dir), "%s/2M", mnt);
	snprintf(p0, sizeof(p0), "%s/fzbemap_0_0", dir);
	snprintf(p1, sizeof(p1), "%s/fzbemap_0_1", dir);
	snprintf(p2, sizeof(p2), "%s/fzbemap_0_2", dir);
	snprintf(target, sizeof(target), "%s/fzbe-target", rundir); /* off the mount */
	plant(target, 0, 0600);
	/* at init: the cleaner removes what is no regular file, follows nothing */
	assert_int_equal(symlink(target, p0), 0);
	assert_int_equal(mkfifo(p1, 0600), 0);
	assert_int_equal(mkdir(p2, 0700), 0);
	assert_int_equal(init_paths("nodes=1;2M=16", 0, false, -1, false), 0);
	assert_int_equal(lstat(p0, &st), -1);
	assert_int_equal(lstat(p1, &st), -1);
	assert_int_equal(lstat(p2, &st), -1);
	/* at page_map: planted after init, replaced by page files of ours */
	assert_int_equal(symlink(target, p0), 0);
	assert_int_equal(mkfifo(p1, 0600), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 2, M2, 0, 0), 2);
	for (int i = 0; i < 2; i++)
		memset(ms[i]->addr, 0x33, 64);
	assert_int_equal(lstat(p0, &st), 0);
	assert_true(S_ISREG(st.st_mode) && st.st_uid == geteuid() && st.st_nlink == 1);
	assert_int_equal(lstat(p1, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_size, 8);
	assert_true(holds_old_data(target));
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(hm_test_count_files(dir), 0);
	/* never: a 0644 file and a hard-linked one are not reused; a private one is */
	plant(p0, 1, 0644);
	plant(p1, 1, 0600);
	snprintf(link2, sizeof(link2), "%s/other-name", dir);
	assert_int_equal(link(p1, link2), 0);
	plant(p2, 1, 0600);
	assert_int_equal(init_paths("nodes=1;2M=16", 0, false, HM_HUGE_UNLINK_NEVER, false), 0);
	assert_int_equal(hm_memseg_alloc_pages(ms, 3, M2, 0, 0), 3);
	for (int i = 0; i < 3; i++) {
		bool old = memcmp(ms[i]->addr, "old data", 8) == 0;
		if ((ms[i]->flags & HM_MEMSEG_FLAG_DIRTY) != 0) {
			dirty++;
			assert_true(old); /* the reused file keeps its bytes */
		} else {
			assert_false(old);
		}
	}
	assert_int_equal(dirty, 1);
	assert_true(holds_old_data(link2)); /* the other name still has the old page */
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(unlink(link2), 0);
	assert_int_equal(init_paths("nodes=1;2M=16", 0, false, -1, false), 0); /* cleans */
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(hm_test_count_files(dir), 0);
	assert_int_equal(unlink(target), 0);
	unsetenv("HUGEMEM_FUSEFS_MOUNT");
	await_free(mnt, 0, 16);
	assert_int_equal(hm_fusefs_check(mnt), 0);
	stop();
}

/*
 * The other user's side (run as a spare uid, fork+exec'd by the test below): on
 * the named mount, with --huge-unlink=never, the page file root planted (0666) in
 * the sticky page dir cannot be deleted, so page_map is refused naming its owner.
 */
static int
child_foreign(const char *mnt, const char *uid)
{
	struct hm_backend be = { .ops = &hm_fusefs_ops };
	struct hm_backend_params bp = { .prefix = "fzbe", .huge_unlink = HM_HUGE_UNLINK_NEVER };
	uid_t u = (uid_t)strtoul(uid, NULL, 10);
	char *va;
	int rc;

	if (setgroups(0, NULL) != 0 || setgid((gid_t)u) != 0 || setuid(u) != 0)
		return 10;
	setenv("HUGEMEM_FUSEFS_MOUNT", mnt, 1);
	hm_test_quiet_log();
	if (hm_fusefs_ops.create(&be, &bp) != 0) {
		fprintf(stderr, "child: create: %s\n", hm_last_error());
		return 11;
	}
	va = mmap(NULL, 2 * M2, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (va == MAP_FAILED)
		return 13;
	va = (char *)HM_ALIGN_CEIL((uintptr_t)va, M2);
	struct hm_page pg = { .va = va, .page_sz = M2, .node = 0, .list_idx = 0, .seg_idx = 0 };
	rc = be.ops->page_map(&be, &pg);
	if (rc == 0) {
		fprintf(stderr, "child: mapped the planted file: '%.8s'\n", va);
		return 1;
	}
	if (rc != -EPERM || strstr(hm_last_error(), "owned by uid 0") == NULL) {
		fprintf(stderr, "child: page_map: %d %s\n", rc, hm_last_error());
		return 12;
	}
	hm_fusefs_ops.destroy(&be);
	return 0;
}

static void
test_fuse_backend_foreign_leftover_refused(void **state)
{
	char tmp[] = "/tmp/hm-fzbe-XXXXXX", mnt[PATH_MAX], dir[PATH_MAX], path[PATH_MAX];
	char uid[16];
	uid_t u;
	struct hm_test_child c;
	int rc;

	(void)state;
	need_mount();
	if (geteuid() != 0) {
		printf("# SKIP: needs root (to plant a file as another user)\n");
		skip();
	}
	/* a mount another user can reach: under /tmp */
	assert_non_null(mkdtemp(tmp));
	snprintf(cur_tmp, sizeof(cur_tmp), "%s", tmp);
	assert_int_equal(chmod(tmp, 0755), 0);
	snprintf(mnt, sizeof(mnt), "%s/mnt", tmp);
	rc = hm_fusefs_start(mnt, "nodes=1;2M=4", NULL, &cur);
	if (rc != 0)
		fail_msg("hm_fusefs_start(%s): %d %s", mnt, rc, hm_last_error());
	snprintf(dir, sizeof(dir), "%s/2M", mnt);
	assert_int_equal(chmod(dir, 01777), 0);
	snprintf(path, sizeof(path), "%s/fzbemap_0_0", dir);
	plant(path, 1, 0666);
	for (u = 60000 + (uid_t)(getpid() % 4000); getpwuid(u) != NULL; u++)
		;
	snprintf(uid, sizeof(uid), "%u", (unsigned int)u);
	fflush(NULL);
	hm_test_spawn(&c, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self_exe, "foreign", mnt, uid), .alarm = 30 });
	hm_test_wait(&c, -1);
	assert_true(holds_old_data(path)); /* not written, not removed */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(c.sig, 0);
	assert_int_equal(c.status, 0);
	await_free(mnt, 0, 4);
	assert_int_equal(hm_fusefs_check(mnt), 0);
	stop();
}
#endif

int
main(int argc, char **argv)
{
#ifdef HM_HAVE_FUSE
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fuse_backend_invalid_args, teardown),
		cmocka_unit_test_teardown(test_fuse_backend_lifecycle, teardown),
		cmocka_unit_test_teardown(test_fuse_backend_faults, teardown),
		cmocka_unit_test_teardown(test_fuse_backend_named_daemon, teardown),
		cmocka_unit_test_teardown(test_fuse_backend_hugetlbfs_paths, teardown),
		cmocka_unit_test_teardown(test_fuse_backend_hostile_files, teardown),
		cmocka_unit_test_teardown(test_fuse_backend_foreign_leftover_refused, teardown),
	};

	if (argc == 3 && strcmp(argv[1], "hold") == 0) { /* a live process holding a file */
		int fd = open(argv[2], O_CREAT | O_RDWR, 0600);
		if (fd < 0 || ftruncate(fd, M2) != 0 || flock(fd, LOCK_SH) != 0)
			return 3;
		printf("held\n");
		fflush(stdout);
		pause();
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "foreign") == 0)
		return child_foreign(argv[2], argv[3]);
	if (realpath("/proc/self/exe", self_exe) == NULL || setup_all() != 0)
		return 1;
	hm_test_quiet_log();
	return cmocka_run_group_tests(tests, NULL, NULL);
#else
	(void)argc;
	(void)argv;
	hm_test_skip_all("the fuse backend is not built (no libfuse3)");
#endif
}
