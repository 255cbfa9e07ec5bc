/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hugetlbfs backend in hostile environments (issue 17, docs/security.md):
 * leftovers under --huge-unlink=never that are not privately ours, another
 * user's file planted in a shared (sticky, world-writable) mount, and a mount
 * whose size= quota runs out while the pool still has pages.
 *
 * The first two run on the fixture of hugetlbfs_fixture.h (no hugepages); acting
 * as another user needs root (a spare uid in a fork+exec'd child of this program)
 * and skips without it. The quota test needs root and real hugepages
 * ($HUGEMEM_TEST_HUGE_DIR, scripts/hugepages.sh) and skips without them.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hugemem/hugetlbfs.h"
#include "hugetlbfs_fixture.h"
#include "mp_spawn.h"

/* Plant @p name in the fixture's page dir: @p n pages of "old data", @p mode. */
static void
plant(const char *name, unsigned int n, mode_t mode)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pages, name);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, mode);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)(n * M2)), 0);
	assert_int_equal(pwrite(fd, "old data", 8, 0), 8);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/*
 * Issue 17 item 3: --huge-unlink=never reuses a leftover only when it is a
 * regular file of ours with no group/other access (and one link). A file with
 * mode 0644, another user's file (as root: chowned) or a second hard link is
 * replaced by a fresh page, never mapped with its old bytes. Before, any
 * leftover under the name was reused, so a user who planted one in a
 * world-writable mount read (and steered) the primary's heap.
 */
static void
test_hugetlbfs_never_mode_reuses_only_private_files(void **state)
{
	const struct hm_memseg *ms = NULL;
	char path[PATH_MAX], other[PATH_MAX];
	(void)state;

	hm_test_quiet_log();
	fixture_simple(64);
	snprintf(other, sizeof(other), "%s/other-name", pages);
	for (int variant = 0; variant < 3; variant++) {
		for (int sfs = 0; sfs < 2; sfs++) {
			const char *name = sfs ? PREFIX "map_0" : PREFIX "map_0_0";
			snprintf(path, sizeof(path), "%s/%s", pages, name);
			plant(name, sfs ? 4 : 1, variant == 0 ? 0644 : 0600);
			if (variant == 1 && geteuid() != 0)
				continue; /* chown needs root */
			if (variant == 1)
				assert_int_equal(chown(path, 65534, 65534), 0);
			if (variant == 2)
				assert_int_equal(link(path, other), 0);
			assert_int_equal(init_fixture("never", sfs ? "sfs" : NULL, "2"), 0);
			assert_int_equal(hm_memseg_walk(first_seg, &ms), 1);
			assert_non_null(ms);
			if ((ms->flags & HM_MEMSEG_FLAG_DIRTY) != 0 ||
			    memcmp(ms->addr, "old data", 8) == 0)
				fail_msg("variant %d%s: a leftover that is not privately ours was "
					 "reused", variant, sfs ? " sfs" : "");
			assert_int_equal(((char *)ms->addr)[0], 0);
			assert_int_equal(hm_cleanup(), 0);
			if (variant == 2) {
				/* the other name still reaches the old bytes, untouched */
				char buf[9] = { 0 };
				int fd = open(other, O_RDONLY);
				assert_true(fd >= 0);
				assert_int_equal(pread(fd, buf, 8, 0), 8);
				close(fd);
				assert_string_equal(buf, "old data");
				unlink(other);
			}
			unlink(path);
		}
	}
	/* a private file of ours is still reused (and dirty) */
	plant(PREFIX "map_0_0", 1, 0600);
	assert_int_equal(init_fixture("never", NULL, "2"), 0);
	assert_int_equal(hm_memseg_walk(first_seg, &ms), 1);
	assert_true((ms->flags & HM_MEMSEG_FLAG_DIRTY) != 0);
	assert_int_equal(hm_cleanup(), 0);
	snprintf(path, sizeof(path), "%s/" PREFIX "map_0_0", pages);
	unlink(path);
}

/* Child of the next test: as uid argv[1], map page (0, 0) in page dir argv[0]
 * under never; 0 when refused naming the owner, 1 when the planted file was used. */
static int
child_never_foreign(char **argv)
{
	struct hm_backend be = { .ops = &hm_hugetlbfs_ops };
	struct hm_backend_params bp = { .prefix = PREFIX, .huge_dir = argv[0],
					.huge_unlink = HM_HUGE_UNLINK_NEVER };
	uid_t u = (uid_t)strtoul(argv[1], NULL, 10);
	char *va;
	int rc;

	if (setgroups(0, NULL) != 0 || setgid((gid_t)u) != 0 || setuid(u) != 0)
		return 10;
	hm_test_quiet_log();
	if (hm_hugetlbfs_ops.create(&be, &bp) != 0) {
		fprintf(stderr, "child: create: %s\n", hm_last_error());
		return 11;
	}
	va = mmap(NULL, 2 * M2, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	va = (char *)HM_ALIGN_CEIL((uintptr_t)va, M2);
	struct hm_page pg = { .va = va, .page_sz = M2, .node = 0, .list_idx = 0, .seg_idx = 0 };
	rc = be.ops->page_map(&be, &pg);
	printf("page_map as uid %u: %d %s\n", (unsigned int)u, rc, rc < 0 ? hm_last_error() : "");
	if (rc == 0) {
		fprintf(stderr, "child: mapped the planted file: '%.8s'\n", va);
		return 1;
	}
	if (rc != -EPERM || strstr(hm_last_error(), "owned by uid 0") == NULL)
		return 12;
	hm_hugetlbfs_ops.destroy(&be);
	return 0;
}

static char self_exe[PATH_MAX];

/*
 * Item 3, the other user's side: in a world-writable sticky page dir (as a
 * shared hugetlbfs mount may be), a user running with --huge-unlink=never meets
 * a file root planted under its page name, mode 0666. It cannot delete it
 * (sticky), so page_map is refused with the owner's name; before, it mapped the
 * planted file and used its bytes. Needs root (to plant as another user).
 */
static void
test_hugetlbfs_never_mode_foreign_leftover_refused(void **state)
{
	char saved_root[PATH_MAX], saved_pages[PATH_MAX], path[PATH_MAX], uid[16];
	char troot[] = "/tmp/hm-htlb-root-XXXXXX", tpages[] = "/tmp/hm-htlb-pages-XXXXXX";
	uid_t u;
	struct hm_test_child c;
	(void)state;

	if (geteuid() != 0) {
		printf("# SKIP: needs root (to plant a file as another user)\n");
		skip();
	}
	/* a fixture another user can read: under /tmp */
	snprintf(saved_root, sizeof(saved_root), "%s", root);
	snprintf(saved_pages, sizeof(saved_pages), "%s", pages);
	assert_non_null(mkdtemp(troot));
	assert_non_null(mkdtemp(tpages));
	snprintf(root, sizeof(root), "%s", troot);
	snprintf(pages, sizeof(pages), "%s", tpages);
	fixture_simple(64);
	assert_int_equal(chmod(root, 0755), 0);
	assert_int_equal(chmod(pages, 01777), 0);
	plant(PREFIX "map_0_0", 1, 0666);
	for (u = 60000 + (uid_t)(getpid() % 4000); getpwuid(u) != NULL; u++)
		;
	snprintf(uid, sizeof(uid), "%u", (unsigned int)u);
	fflush(NULL);
	hm_test_spawn(&c, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self_exe, "--child", pages, uid), .alarm = 30 });
	hm_test_wait(&c, -1);
	snprintf(path, sizeof(path), "%s/" PREFIX "map_0_0", pages);
	char buf[9] = { 0 };
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, 8, 0), 8);
	close(fd);
	char cmd[3 * PATH_MAX];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, pages);
	assert_int_equal(system(cmd), 0);
	snprintf(root, sizeof(root), "%s", saved_root);
	snprintf(pages, sizeof(pages), "%s", saved_pages);
	assert_string_equal(buf, "old data"); /* the planted file was not written */
	assert_int_equal(c.sig, 0);
	assert_int_equal(c.status, 0);
}

/*
 * Issue 17 item 16: a mount whose size= quota is used up while the pool still
 * has free pages says so ("the hugetlbfs mount <path> is at its size= quota
 * (4 MiB)"), not "no free hugepage of that size?". Needs root (to mount) and
 * real hugepages (at least 4 free).
 */
static void
test_hugetlbfs_quota_real(void **state)
{
	const char *dir = real_dir();
	struct hm_hugetlbfs_info info;
	char qmnt[] = "/tmp/hm-htlb-quota-XXXXXX";
	unsigned int k = 0;
	(void)state;

	assert_int_equal(hm_hugetlbfs_discover(NULL, dir, &info), 0);
	while (k < info.n_sizes && info.sizes[k].page_sz != M2)
		k++;
	if (k == info.n_sizes || info.sizes[k].free_pages[0] < 4) {
		printf("# SKIP: needs 4 free 2M hugepages\n");
		skip();
	}
	assert_non_null(mkdtemp(qmnt));
	if (mount("nodev", qmnt, "hugetlbfs", 0, "pagesize=2M,size=4M") != 0) {
		printf("# SKIP: cannot mount hugetlbfs with size= (%s; needs root)\n",
		       strerror(errno));
		rmdir(qmnt);
		skip();
	}
	hm_test_quiet_log();
	int rc = init_real(qmnt, false, false, "6");
	char why[512];
	snprintf(why, sizeof(why), "%s", hm_last_error());
	int left = hm_test_count_files(qmnt);
	assert_int_equal(umount2(qmnt, MNT_DETACH), 0);
	assert_int_equal(rmdir(qmnt), 0);
	assert_int_equal(rc, -ENOMEM);
	if (strstr(why, "is at its size= quota (4 MiB)") == NULL)
		fail_msg("the quota refusal does not name the quota: %s", why);
	assert_int_equal(left, 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hugetlbfs_never_mode_reuses_only_private_files,
					  teardown),
		cmocka_unit_test_teardown(test_hugetlbfs_never_mode_foreign_leftover_refused,
					  teardown),
		cmocka_unit_test_teardown(test_hugetlbfs_quota_real, teardown),
	};
	const char *rd = getenv("HUGEMEM_RUNTIME_DIR");
	char cmd[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);

	if (n <= 0)
		return 1;
	self_exe[n] = '\0';
	if (argc == 4 && strcmp(argv[1], "--child") == 0)
		return child_never_foreign(argv + 2);
	snprintf(root, sizeof(root), "%s/htlbh-fixture-%d", rd != NULL ? rd : "/tmp", (int)getpid());
	snprintf(pages, sizeof(pages), "%s/htlbh-pages-%d", rd != NULL ? rd : "/tmp", (int)getpid());
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", root, pages);
	if (system(cmd) != 0)
		rc = rc != 0 ? rc : 1;
	return rc;
}
