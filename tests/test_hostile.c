/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile environments (issue 17, docs/security.md): planted symlinks and FIFOs
 * in the runtime dir and the emu page dir, runtime dirs another user owns or can
 * write, predictable shared paths taken by another user, a full tmpfs under the
 * page files, a --no-shconf run next to a live primary of the same prefix, a
 * runtime dir nested deeper than any fixed table and made unwritable while
 * running, a topology of 96 pools of a million frames; and, below the public
 * init, fbarray files and the emu backend's page dir.
 *
 * Another local user: when run as root the tests drop to a spare uid (one with
 * no passwd entry, chosen per run) in a fork+exec'd child of this program;
 * without root those tests skip with the reason. Every child is this program
 * run again as `test_hostile --child <name> <args>`, and a child that could
 * hang on the bug (a FIFO opened for writing) runs under alarm().
 *
 * Runs on emu (its suite is `unit`); the hugetlbfs cases are in test_hugetlbfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"
#include "hugemem/emu.h"
#include "hugemem/fbarray.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif
#define M2 (2ULL << 20)

static char self[PATH_MAX]; /* this program, for fork+exec */
static char base[PATH_MAX]; /* a private scratch dir of this run */

/* ------------------------------------------------------------------ helpers */

static void
put_file(const char *path, const char *content, mode_t mode)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void
assert_content(const char *path, const char *want)
{
	char got[256] = { 0 };
	int fd = open(path, O_RDONLY);
	struct stat st;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	if ((size_t)st.st_size != strlen(want))
		fail_msg("%s is %lld bytes, want %zu: it was written through a planted name",
			 path, (long long)st.st_size, strlen(want));
	assert_true(read(fd, got, sizeof(got) - 1) >= 0);
	close(fd);
	assert_string_equal(got, want);
}

static void
rm_rf(const char *path)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static void
need_root(const char *why)
{
	if (geteuid() != 0) {
		printf("# SKIP: needs root (%s)\n", why);
		skip();
	}
}

/* A uid (and gid of the same number) nobody has, different for each run. */
static uid_t
spare_uid(void)
{
	char p[64];

	for (uid_t u = 60000 + (uid_t)(getpid() % 4000);; u++) {
		snprintf(p, sizeof(p), "/tmp/hugemem-%u", (unsigned int)u);
		if (getpwuid(u) == NULL && getgrgid((gid_t)u) == NULL && access(p, F_OK) != 0)
			return u;
	}
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * Run `self --child <argv...>` with @p env_set ("NAME=VALUE" or "NAME" to unset,
 * NULL-terminated) and wait, at most @p secs seconds. @return its exit status, or
 * 128 + signal.
 */
static int
run_child(const char *const *env, unsigned int secs, const char *first, ...)
{
	const char *argv[16];
	struct hm_test_child c;
	int argc = 0;
	va_list ap;

	argv[argc++] = self;
	argv[argc++] = "--child";
	va_start(ap, first);
	for (const char *a = first; a != NULL && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	fflush(NULL);
	/* the alarm is kept across exec: a hang ends as SIGALRM */
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = argv, .env = env, .alarm = secs });
	return hm_test_wait(&c, -1);
}

static int
child_fail(int code, const char *what)
{
	fprintf(stderr, "child: %s: %s\n", what, hm_last_error());
	return code;
}

/* Child: become uid/gid @p u (root only). */
static int
become(const char *u)
{
	uid_t uid = (uid_t)strtoul(u, NULL, 10);

	if (setgroups(0, NULL) != 0 || setgid((gid_t)uid) != 0 || setuid(uid) != 0) {
		perror("child: drop privileges");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ child bodies */

/* init + cleanup with the given options; 0 when init succeeded and cleanup left
 * nothing; with expect_fail, 0 when init failed with a message containing it. */
static int
child_init(int argc, char **argv)
{
	const char *uid = NULL, *expect = NULL;
	char *av[16];
	int n = 0, rc;

	av[n++] = (char *)"hostile";
	for (int i = 0; i < argc && n < 15; i++) {
		if (strncmp(argv[i], "as=", 3) == 0)
			uid = argv[i] + 3;
		else if (strncmp(argv[i], "expect=", 7) == 0)
			expect = argv[i] + 7;
		else
			av[n++] = argv[i];
	}
	av[n] = NULL;
	if (uid != NULL && become(uid) != 0)
		return 20;
	hm_test_quiet_log();
	rc = hm_init(n, av);
	if (expect != NULL) {
		if (rc >= 0)
			return child_fail(21, "init succeeded");
		if (strstr(hm_last_error(), expect) == NULL)
			return child_fail(22, expect);
		printf("refused as expected: %s\n", hm_last_error());
		return 0;
	}
	if (rc < 0)
		return child_fail(23, "init");
	printf("runtime dir %s page dir %s\n", hm_runtime_dir(),
	       hm_emu_page_dir(hm_backend_get()));
	/* the default names are per user */
	char want[64];
	snprintf(want, sizeof(want), "/tmp/hugemem-%u/", (unsigned int)geteuid());
	if (uid != NULL && strncmp(hm_runtime_dir(), want, strlen(want)) != 0)
		return child_fail(24, "runtime dir is not /tmp/hugemem-<uid>/...");
	snprintf(want, sizeof(want), "/dev/shm/hugemem-%u-", (unsigned int)geteuid());
	if (uid != NULL && strncmp(hm_emu_page_dir(hm_backend_get()), want, strlen(want)) != 0)
		return child_fail(25, "page dir is not /dev/shm/hugemem-<uid>-...");
	void *p = hm_malloc("hostile", 3 * M2, 0);
	if (p == NULL)
		return child_fail(26, "malloc");
	memset(p, 1, 3 * M2);
	hm_free(p);
	return hm_cleanup() == 0 ? 0 : child_fail(27, "cleanup");
}

/* Map and fill 2M pages on a small tmpfs until it is full: -ENOMEM, never SIGBUS. */
static int
child_full(int argc, char **argv)
{
	char opt[PATH_MAX + 32];
	struct hm_memseg *ms[1];
	int pages = 0, rc;

	if (argc < 1)
		return 30;
	snprintf(opt, sizeof(opt), "--runtime-dir=%s", argv[0]);
	char *av[] = { (char *)"hostile", opt, (char *)"--file-prefix=full",
		       (char *)"--topology=2M=64", NULL };
	hm_test_quiet_log();
	if (hm_init(4, av) < 0)
		return child_fail(31, "init");
	for (;;) {
		rc = hm_memseg_alloc_pages(ms, 1, M2, 0, 0);
		if (rc != 1)
			break;
		memset(ms[0]->addr, 0xa5, M2); /* every byte: a sparse file would SIGBUS */
		pages++;
	}
	if (rc != -ENOMEM || strstr(hm_last_error(), "full") == NULL)
		return child_fail(32, "page map on a full tmpfs");
	if (pages == 0 || pages >= 64)
		return child_fail(33, "pages mapped");
	/* the heap grows through the same path: NULL, not a crash */
	void *p;
	int blocks = 0;
	while ((p = hm_malloc("fill", M2 / 2, 0)) != NULL && blocks < 256) {
		memset(p, 0x5a, M2 / 2);
		blocks++;
	}
	printf("filled %d pages and %d heap blocks before ENOMEM: %s\n", pages, blocks,
	       hm_last_error());
	return hm_cleanup() == 0 ? 0 : child_fail(34, "cleanup");
}

/*
 * A primary holding heap pages: signals readiness on fd argv[0], waits for a
 * byte on fd argv[1] (while a --no-shconf run of the same prefix comes and
 * goes), then checks its page files are still there and its heap still grows.
 */
static int
child_primary(int argc, char **argv)
{
	char *av[] = { (char *)"hostile", (char *)"--file-prefix=shared",
		       (char *)"--topology=2M=64", NULL };
	int ready, go;
	char c = 'R';

	if (argc < 2)
		return 40;
	ready = atoi(argv[0]);
	go = atoi(argv[1]);
	hm_test_quiet_log();
	if (hm_init(3, av) < 0)
		return child_fail(41, "init");
	char *a = hm_malloc("a", 3 * M2, 0);
	if (a == NULL)
		return child_fail(42, "malloc");
	memset(a, 'A', 3 * M2);
	const char *dir = hm_emu_page_dir(hm_backend_get());
	int files = hm_test_count_files(dir);
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
		return 43;
	if (hm_test_count_files(dir) < files) {
		fprintf(stderr, "child: %d of the primary's %d page files in %s are gone\n",
			files - hm_test_count_files(dir), files, dir);
		return 44;
	}
	char *b = hm_malloc("b", 16 * M2, 0); /* grows the heap: new page files */
	if (b == NULL)
		return child_fail(45, "heap growth after the --no-shconf run");
	memset(b, 'B', 16 * M2);
	for (size_t i = 0; i < 3 * M2; i += 4096)
		if (a[i] != 'A')
			return 46;
	hm_free(a);
	hm_free(b);
	return hm_cleanup() == 0 ? 0 : child_fail(47, "cleanup");
}

/* As a spare uid: init in argv[0] (a dir of ours), make the runtime dir
 * unwritable, cleanup; the warnings must name what stayed. */
static char warned[4096];
static void
collect(enum hm_log_level l, const char *m, void *a)
{
	(void)a;
	if (l <= HM_LOG_WARNING && strlen(warned) + strlen(m) + 2 < sizeof(warned)) {
		strcat(warned, m);
		strcat(warned, "\n");
	}
}

static int
child_unwritable(int argc, char **argv)
{
	char opt[PATH_MAX + 32], run[PATH_MAX + 16];

	if (argc < 2 || become(argv[1]) != 0)
		return 50;
	snprintf(opt, sizeof(opt), "--runtime-dir=%s", argv[0]);
	char *av[] = { (char *)"hostile", opt, (char *)"--file-prefix=ro", NULL };
	hm_test_quiet_log();
	if (hm_init(3, av) < 0)
		return child_fail(51, "init");
	snprintf(run, sizeof(run), "%s/ro", argv[0]);
	if (chmod(run, 0500) != 0)
		return 52;
	hm_log_set_hook(collect, NULL);
	if (hm_cleanup() != 0)
		return child_fail(53, "cleanup");
	printf("warnings:\n%s", warned);
	char cfg[PATH_MAX + 32];
	snprintf(cfg, sizeof(cfg), "%s/config", run);
	if (strstr(warned, cfg) == NULL || strstr(warned, "fbarray_") == NULL ||
	    strstr(warned, run) == NULL)
		return 54;
	return 0;
}

/* VmHWM growth of init with a huge topology (argv[0]: "files" or "memory"). */
static long
vm_hwm_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			v = strtol(line + 6, NULL, 10);
	fclose(f);
	return v;
}

static int
child_huge_topology(int argc, char **argv)
{
	char *av[] = { (char *)"hostile", (char *)"--file-prefix=huge",
		       (char *)"--topology=nodes=32;16G=1048576;1G=1048576;4K=1048576;iova=fragmented",
		       (char *)"--in-memory", NULL };
	int n = argc > 0 && strcmp(argv[0], "files") == 0 ? 3 : 4;
	long before, after;
	int rc;

	hm_test_quiet_log();
	before = vm_hwm_kb();
	rc = hm_init(n, av);
	after = vm_hwm_kb();
	printf("init %s: %d (%s), VmHWM %ld -> %ld kB\n", n == 3 ? "files" : "in-memory", rc,
	       rc < 0 ? hm_last_error() : "ok", before, after);
	if (rc >= 0) {
		/* a page of each pool still maps */
		struct hm_memseg *ms[1];
		if (hm_memseg_alloc_pages(ms, 1, 4096, 31, 0) != 1)
			return child_fail(60, "4K page on node 31");
		hm_cleanup();
	} else if (strstr(hm_last_error(), "limit") == NULL) {
		return child_fail(61, "refused without naming the limit");
	}
	/* sanitizers add their own shadow; the budget is for hugemem's tables */
	return after - before < (HM_TEST_ASAN || HM_TEST_TSAN ? 256 : 64) * 1024 ? 0 : 62;
}

static int
child_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} kids[] = {
		{ "init", child_init },
		{ "full", child_full },
		{ "primary", child_primary },
		{ "unwritable", child_unwritable },
		{ "huge-topology", child_huge_topology },
	};

	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
		if (strcmp(argv[0], kids[i].name) == 0)
			return kids[i].fn(argc - 1, argv + 1);
	return 99;
}

/* ------------------------------------------------------------------ tests */

/*
 * Item 1: a symlink planted at <runtime dir>/config (or under an fbarray name)
 * is never followed: the file it points to keeps its bytes. Before, init
 * truncated the victim to the size of the config.
 */
static void
test_hostile_planted_symlinks(void **state)
{
	char dir[PATH_MAX], run[PATH_MAX + 16], victim[PATH_MAX + 16], link[PATH_MAX + 64];
	char opt[PATH_MAX + 32];
	(void)state;

	snprintf(dir, sizeof(dir), "%s/symlinks", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(run, sizeof(run), "%s/p", dir);
	assert_int_equal(mkdir(run, 0700), 0);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	put_file(victim, "precious", 0600);
	snprintf(link, sizeof(link), "%s/config", run);
	assert_int_equal(symlink(victim, link), 0);
	snprintf(opt, sizeof(opt), "--runtime-dir=%s", dir);
	assert_int_equal(run_child(NULL, 30, "init", opt, "--file-prefix=p", "expect=symlink",
				   NULL), 0);
	assert_content(victim, "precious");
	assert_int_equal(unlink(link), 0);
	/* under the name of an fbarray file: removed as a leftover, never opened */
	snprintf(link, sizeof(link), "%s/fbarray_memseg-2048k-0-0", run);
	assert_int_equal(symlink(victim, link), 0);
	snprintf(link, sizeof(link), "%s/fbarray_malloc_heaps", run);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(run_child(NULL, 30, "init", opt, "--file-prefix=p", NULL), 0);
	assert_content(victim, "precious");
	assert_int_equal(hm_test_count_files(run), 0);
	rm_rf(dir);
}

/*
 * Item 2: a FIFO named fbarray_* in the runtime dir (and one under a page file
 * name in the emu page dir) must not hang init: leftovers are opened
 * O_NONBLOCK|O_NOFOLLOW and anything but a regular file is removed. Before,
 * init blocked forever in the leftover cleaner's open (here: SIGALRM).
 */
static void
test_hostile_fifo_does_not_hang(void **state)
{
	char dir[PATH_MAX], run[PATH_MAX + 16], fifo[PATH_MAX + 64], opt[PATH_MAX + 32];
	char pagedir[PATH_MAX];
	(void)state;

	snprintf(dir, sizeof(dir), "%s/fifo", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(run, sizeof(run), "%s/p", dir);
	assert_int_equal(mkdir(run, 0700), 0);
	snprintf(fifo, sizeof(fifo), "%s/fbarray_memseg-2048k-0-0", run);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(fifo, sizeof(fifo), "%s/fbarray_zzz", run);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* and in the page dir, under the name of the first page file */
	struct statfs sfs;
	assert_int_equal(statfs(run, &sfs), 0);
	if (sfs.f_type == TMPFS_MAGIC)
		snprintf(pagedir, sizeof(pagedir), "%s/pages", run);
	else
		snprintf(pagedir, sizeof(pagedir), "/dev/shm/hugemem-%u-%016" PRIx64,
			 (unsigned int)geteuid(), fnv1a(run));
	assert_true(mkdir(pagedir, 0700) == 0 || errno == EEXIST);
	snprintf(fifo, sizeof(fifo), "%s/pmap_2048k_0_0", pagedir);
	assert_true(mkfifo(fifo, 0600) == 0 || errno == EEXIST);
	snprintf(opt, sizeof(opt), "--runtime-dir=%s", dir);
	int rc = run_child(NULL, 30, "init", opt, "--file-prefix=p", NULL);
	if (rc == 128 + SIGALRM)
		fail_msg("init hung on a FIFO in the runtime dir");
	assert_int_equal(rc, 0);
	assert_int_equal(hm_test_count_files(run), 0);
	assert_int_equal(access(fifo, F_OK), -1);
	rmdir(pagedir);
	rm_rf(dir);
}

/*
 * Item 1: a runtime dir (or a level above it) that another user owns or can
 * write is refused, naming the owner or the mode; a sticky world-writable level
 * (/tmp) is fine. Before, any existing directory was used.
 */
static void
test_hostile_runtime_dir_not_private(void **state)
{
	char dir[PATH_MAX], run[PATH_MAX + 16], opt[PATH_MAX + 32], sub[PATH_MAX + 32];
	(void)state;

	snprintf(dir, sizeof(dir), "%s/private", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(run, sizeof(run), "%s/p", dir);
	snprintf(opt, sizeof(opt), "--runtime-dir=%s", dir);
	/* the runtime dir itself writable by others */
	assert_int_equal(mkdir(run, 0700), 0);
	assert_int_equal(chmod(run, 0777), 0);
	assert_int_equal(run_child(NULL, 30, "init", opt, "--file-prefix=p", "expect=mode 0777",
				   NULL), 0);
	assert_int_equal(hm_test_count_files(run), 0); /* nothing written into it */
	assert_int_equal(chmod(run, 0700), 0);
	/* the runtime dir is a symlink (to a private dir of ours: still refused) */
	assert_int_equal(rmdir(run), 0);
	snprintf(sub, sizeof(sub), "%s/elsewhere", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(symlink(sub, run), 0);
	assert_int_equal(run_child(NULL, 30, "init", opt, "--file-prefix=p", "expect=symlink",
				   NULL), 0);
	assert_int_equal(unlink(run), 0);
	/* a level above writable by others without the sticky bit */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(run_child(NULL, 30, "init", opt, "--file-prefix=p",
				   "expect=without the sticky bit", NULL), 0);
	/* ... with it (as /tmp): fine */
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(run_child(NULL, 30, "init", opt, "--file-prefix=p", NULL), 0);
	assert_int_equal(access(run, F_OK), -1); /* it made p and removed it */
	assert_int_equal(chmod(dir, 0700), 0);
	if (geteuid() == 0) {
		/* owned by another user: refused with the owner's name */
		uid_t u = spare_uid();
		char who[64];
		assert_int_equal(mkdir(run, 0700), 0);
		assert_int_equal(chown(run, u, u), 0);
		snprintf(who, sizeof(who), "expect=owned by uid %u", (unsigned int)u);
		assert_int_equal(run_child(NULL, 30, "init", opt, "--file-prefix=p", who, NULL), 0);
		assert_int_equal(rmdir(run), 0);
		/* a level above owned by another user */
		assert_int_equal(chown(dir, u, u), 0);
		assert_int_equal(run_child(NULL, 30, "init", opt, "--file-prefix=p", who, NULL), 0);
		assert_int_equal(chown(dir, 0, 0), 0);
	} else {
		printf("# (owner checks need root to chown: not run)\n");
	}
	rm_rf(dir);
}

/*
 * Item 4: without XDG_RUNTIME_DIR a user gets /tmp/hugemem-<uid> and an emu page
 * dir /dev/shm/hugemem-<uid>-<hash>; a name another user took first is refused
 * with the owner and the option that moves it. Before, every user shared
 * /tmp/hugemem and /dev/shm/hugemem-<hash>.
 */
static void
test_hostile_per_user_paths(void **state)
{
	char uid[16], as[32], tmpdir[64], run[96], pagedir[128];
	const char *env[] = { "HUGEMEM_RUNTIME_DIR", "XDG_RUNTIME_DIR", "RUNTIME_DIRECTORY",
			      NULL };
	uid_t u;
	(void)state;

	need_root("to act as a second user");
	u = spare_uid();
	snprintf(uid, sizeof(uid), "%u", (unsigned int)u);
	snprintf(as, sizeof(as), "as=%s", uid);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hugemem-%s", uid);
	snprintf(run, sizeof(run), "%s/hostile", tmpdir);
	/* the user's own default paths, made and removed by init and cleanup */
	assert_int_equal(run_child(env, 30, "init", as, "--file-prefix=hostile", NULL), 0);
	assert_int_equal(access(tmpdir, F_OK), -1);
	/* another user (root here) took /tmp/hugemem-<uid> */
	assert_int_equal(mkdir(tmpdir, 0755), 0);
	assert_int_equal(run_child(env, 30, "init", as, "--file-prefix=hostile",
				   "expect=owned by uid 0", NULL), 0);
	assert_int_equal(run_child(env, 30, "init", as, "--file-prefix=hostile",
				   "expect=--runtime-dir", NULL), 0);
	assert_int_equal(rmdir(tmpdir), 0);
	/* ... or the emu page dir of that runtime dir */
	snprintf(pagedir, sizeof(pagedir), "/dev/shm/hugemem-%s-%016" PRIx64, uid, fnv1a(run));
	assert_int_equal(mkdir(pagedir, 0700), 0);
	assert_int_equal(run_child(env, 30, "init", as, "--file-prefix=hostile",
				   "expect=owned by uid 0", NULL), 0);
	assert_int_equal(run_child(env, 30, "init", as, "--file-prefix=hostile",
				   "expect=--in-memory", NULL), 0);
	assert_int_equal(rmdir(pagedir), 0);
	assert_int_equal(access(tmpdir, F_OK), -1); /* the refused runs left nothing */
}

/*
 * Item 5: emu page files on a full tmpfs: the page map fails with -ENOMEM and a
 * message, never a SIGBUS when the page is written; no file is left behind.
 * Before, pages were sparse files and the first write past the end of the tmpfs
 * killed the process.
 */
static void
test_hostile_full_tmpfs(void **state)
{
	char mnt[PATH_MAX];
	(void)state;

	need_root("to mount a small tmpfs");
	snprintf(mnt, sizeof(mnt), "%s/small", base);
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("none", mnt, "tmpfs", 0, "size=24M,mode=0700") != 0) {
		printf("# SKIP: cannot mount a tmpfs: %s\n", strerror(errno));
		rmdir(mnt);
		skip();
	}
	int rc = run_child(NULL, 120, "full", mnt, NULL);
	int left = hm_test_count_files(mnt);
	assert_int_equal(umount2(mnt, MNT_DETACH), 0);
	assert_int_equal(rmdir(mnt), 0);
	if (rc == 128 + SIGBUS)
		fail_msg("SIGBUS writing a page on a full tmpfs");
	assert_int_equal(rc, 0);
	assert_int_equal(left, 0); /* runtime dir, config, fbarrays and pages all gone */
}

/*
 * Item 6: a --no-shconf (and an --in-memory) run of the same prefix next to a
 * live primary deletes none of the primary's page files, and the primary's heap
 * still grows afterwards. Before, the second run deleted them and removed the
 * page dir, and the primary's next growth failed.
 */
static void
test_hostile_noshconf_keeps_primary(void **state)
{
	struct hm_test_child primary;
	int ready[2], go[2];
	char r[16], g[16];
	char c;
	(void)state;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	snprintf(r, sizeof(r), "%d", ready[1]);
	snprintf(g, sizeof(g), "%d", go[0]);
	fflush(NULL);
	/* the pipes' ends by number: inherited, not O_CLOEXEC */
	hm_test_spawn(&primary, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self, "--child", "primary", r, g), .alarm = 120 });
	close(ready[1]);
	close(go[0]);
	int got = (int)read(ready[0], &c, 1), bad = 0;
	/* no assertion until the primary is released: a failure must not leave it
	 * waiting for its alarm */
	for (int mode = 0; got == 1 && bad == 0 && mode < 2; mode++) {
		char *av[] = { (char *)"t", (char *)"--file-prefix=shared",
			       (char *)(mode == 0 ? "--no-shconf" : "--in-memory"),
			       (char *)"--topology=2M=64", (char *)"-m", (char *)"8", NULL };
		if (hm_init(6, av) != 5) {
			bad = 1;
			break;
		}
		void *p = hm_malloc("second", 4 * M2, 0);
		if (p == NULL)
			bad = 2;
		else
			memset(p, 2, 4 * M2);
		if (mode == 0 && bad == 0) {
			/* its own files carry a private tag: p<pid>-<n>_ */
			char cmd[PATH_MAX + 64];
			snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q '^sharedmap_p%d-'",
				 hm_emu_page_dir(hm_backend_get()), (int)getpid());
			if (system(cmd) != 0)
				bad = 3;
		}
		hm_free(p);
		if (hm_cleanup() != 0)
			bad = 4;
	}
	int w = (int)write(go[1], "G", 1);
	hm_test_wait(&primary, -1);
	close(ready[0]);
	close(go[1]);
	assert_int_equal(got, 1);
	assert_int_equal(w, 1);
	if (bad != 0)
		fail_msg("second run, step %d: %s", bad, hm_last_error());
	assert_int_equal(primary.sig, 0);
	assert_int_equal(primary.status, 0);
}

/*
 * Item 11: a runtime dir 12 levels below an existing one works and cleanup
 * removes exactly the levels it made; a runtime dir made unwritable while
 * running makes cleanup warn (log hook) naming each file it could not remove.
 * Before, 9+ new levels failed with "File name too long", and cleanup failures
 * were silent.
 */
static void
test_hostile_nested_and_unwritable(void **state)
{
	char dir[PATH_MAX], deep[PATH_MAX + 64], opt[PATH_MAX + 96], keep[PATH_MAX + 16];
	(void)state;

	snprintf(dir, sizeof(dir), "%s/nested", base);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(keep, sizeof(keep), "%s/keep", dir);
	put_file(keep, "mine", 0600);
	snprintf(deep, sizeof(deep), "%s/a/b/c/d/e/f/g/h/i/j/k", dir);
	snprintf(opt, sizeof(opt), "--runtime-dir=%s", deep);
	assert_int_equal(run_child(NULL, 30, "init", opt, "--file-prefix=l", NULL), 0);
	assert_int_equal(hm_test_count_files(dir), 1); /* a/... gone, keep stays */
	assert_content(keep, "mine");
	/* a trailing slash and doubled slashes name the same dir */
	snprintf(opt, sizeof(opt), "--runtime-dir=%s//a/b/", dir);
	assert_int_equal(run_child(NULL, 30, "init", opt, "--file-prefix=l", NULL), 0);
	assert_int_equal(hm_test_count_files(dir), 1);
	/* '..' is refused */
	snprintf(opt, sizeof(opt), "--runtime-dir=%s/a/../b", dir);
	assert_int_equal(run_child(NULL, 30, "init", opt, "--file-prefix=l", "expect='..'",
				   NULL), 0);
	if (geteuid() == 0) {
		/* a user (root ignores modes) whose runtime dir goes read-only; in /tmp,
		 * where that user can reach it */
		char uid[16], ro[] = "/tmp/hugemem-hostile-XXXXXX";
		uid_t u = spare_uid();
		snprintf(uid, sizeof(uid), "%u", (unsigned int)u);
		assert_non_null(mkdtemp(ro));
		assert_int_equal(chown(ro, u, u), 0);
		int rc = run_child(NULL, 30, "unwritable", ro, uid, NULL);
		rm_rf(ro);
		assert_int_equal(rc, 0);
	} else {
		printf("# (unwritable runtime dir: needs root to act as a user root's "
		       "override cannot hide; not run)\n");
	}
	rm_rf(dir);
}

/*
 * Item 14: a 90-byte topology of 96 pools of 2^20 frames initialises with a
 * bounded peak RSS (the frame tables are built per chunk when frames are used).
 * Before, init took 800 MB of RSS for the PA tables alone.
 */
static void
test_hostile_huge_topology(void **state)
{
	(void)state;
	assert_int_equal(run_child(NULL, 120, "huge-topology", "memory", NULL), 0);
	assert_int_equal(run_child(NULL, 120, "huge-topology", "files", NULL), 0);
}

/*
 * Issue 17 item 1: whatever sits under an array's file name, init never follows
 * a symlink, never waits on a FIFO and never truncates a file that is not
 * privately ours (another name reaches it, or group/other may use it); attach
 * takes only a private regular file of ours. The victim keeps its bytes.
 * Before, init opened the name with O_CREAT|O_RDWR and truncated whatever it
 * reached: the victim behind the symlink became an empty array.
 */
static void
test_hostile_fbarray_files(void **state)
{
	struct hm_fbarray a, b;
	char path[PATH_MAX + 32], victim[PATH_MAX + 32];
	struct stat st;
	int fd;

	char tdir[PATH_MAX];

	(void)state;
	snprintf(tdir, sizeof(tdir), "%s/fbarray", base);
	assert_int_equal(mkdir(tdir, 0700), 0);
	snprintf(path, sizeof(path), "%s/fbarray_hostile", tdir);
	snprintf(victim, sizeof(victim), "%s/victim", tdir);
	fd = open(victim, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "precious", 8), 8);
	close(fd);
	/* a symlink */
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(hm_fbarray_init(&a, "hostile", 100, 8, tdir), -ELOOP);
	assert_non_null(strstr(hm_last_error(), "symlink"));
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, 8);
	assert_int_equal(unlink(path), 0);
	/* a FIFO (a blocking open would never return) */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(hm_fbarray_init(&a, "hostile", 100, 8, tdir), -ELOOP);
	assert_non_null(strstr(hm_last_error(), "FIFO"));
	assert_int_equal(unlink(path), 0);
	/* a second hard link to the victim */
	assert_int_equal(link(victim, path), 0);
	assert_int_equal(hm_fbarray_init(&a, "hostile", 100, 8, tdir), -EPERM);
	assert_non_null(strstr(hm_last_error(), "hard links"));
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, 8);
	assert_int_equal(unlink(path), 0);
	/* a file others may read or write */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0666), 0);
	close(fd);
	assert_int_equal(hm_fbarray_init(&a, "hostile", 100, 8, tdir), -EPERM);
	assert_non_null(strstr(hm_last_error(), "mode 0666"));
	assert_int_equal(unlink(path), 0);
	/* attach refuses the same things once the array exists */
	assert_int_equal(hm_fbarray_init(&a, "hostile", 100, 8, tdir), 0);
	b = a;
	assert_int_equal(hm_fbarray_detach(&a), 0);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(hm_fbarray_attach(&b, tdir), -EPERM);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(rename(path, victim), 0); /* the array's file is now "victim" */
	assert_int_equal(symlink(victim, path), 0);
	assert_int_equal(hm_fbarray_attach(&b, tdir), -ELOOP);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(victim, path), 0);
	assert_int_equal(hm_fbarray_attach(&b, tdir), 0);
	assert_int_equal(hm_fbarray_destroy(&b), 0);
	assert_int_equal(stat(path, &st), -1);
	unlink(victim);
	assert_int_equal(rmdir(tdir), 0);
}

/* ---------------------------------------------- the emu backend, directly */

#define K4 4096ULL
#define PREFIX "hmtest"

static char rundir[PATH_MAX + 16]; /* runtime dir of the emu backend tests */
static char pagedir[PATH_MAX];     /* where emu puts its pages for rundir */

#define assert_err(call, code, needle)                                                   \
	do {                                                                             \
		int rc_ = (call);                                                        \
		if (rc_ != (code) || strstr(hm_last_error(), (needle)) == NULL)          \
			fail_msg("%s: got %d '%s', want %d mentioning '%s'", #call, rc_,  \
				 hm_last_error(), (code), (needle));                     \
	} while (0)

static void
emu_dirs(void)
{
	struct statfs sfs;

	snprintf(rundir, sizeof(rundir), "%s/emu", base);
	assert_int_equal(mkdir(rundir, 0700), 0);
	assert_int_equal(statfs(rundir, &sfs), 0);
	if (sfs.f_type == TMPFS_MAGIC)
		snprintf(pagedir, sizeof(pagedir), "%s/pages", rundir);
	else
		snprintf(pagedir, sizeof(pagedir), "/dev/shm/hugemem-%u-%016" PRIx64,
			 (unsigned int)geteuid(), fnv1a(rundir));
}

static void
params_init(struct hm_backend_params *p, const char *topo)
{
	memset(p, 0, sizeof(*p));
	p->topology = topo;
	p->runtime_dir = rundir;
	p->prefix = PREFIX;
}

static void
be_create(struct hm_backend *be, const char *topo, const char *fault)
{
	struct hm_backend_params p;

	params_init(&p, topo);
	p.fault = fault;
	be->ops = &hm_emu_ops;
	be->priv = NULL;
	if (hm_emu_ops.create(be, &p) != 0)
		fail_msg("create(%s): %s", topo, hm_last_error());
}

/* A PROT_NONE reservation of @p size bytes (page aligned). */
static char *
reserve(size_t size)
{
	void *va = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(va != MAP_FAILED);
	return va;
}

static int
map_page(struct hm_backend *be, void *va, uint64_t sz, int node, struct hm_page *pg)
{
	memset(pg, 0, sizeof(*pg));
	pg->va = va;
	pg->page_sz = sz;
	pg->node = node;
	return be->ops->page_map(be, pg);
}

static bool
file_exists(const char *dir, const char *name)
{
	char path[2 * PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static void
write_file(const char *dir, const char *name, const char *data)
{
	char path[2 * PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	put_file(path, data, 0600);
}

/*
 * Issue 17 items 1, 2, 6 at the backend: in the page dir a symlink or FIFO under
 * a page name is removed by the cleaner, never followed or waited on; a page
 * file another live instance maps is neither deleted by a second primary's
 * cleaner nor taken over (-EBUSY), and a --no-shconf instance uses names of its
 * own; attach takes only a private file of ours; a page dir others can write is
 * refused. Before, the cleaner deleted the live instance's files and the second
 * instance replaced them.
 */
static void
test_hostile_emu_pagedir(void **state)
{
	struct hm_backend a, b, c = { .ops = &hm_emu_ops };
	struct hm_backend_params p;
	struct hm_page pa, pb, pc;
	char victim[PATH_MAX], path[2 * PATH_MAX], fifo[2 * PATH_MAX];
	char *va = reserve(3 * K4);
	struct stat st;

	(void)state;
	hm_test_quiet_log();
	emu_dirs();
	assert_true(mkdir(pagedir, 0700) == 0 || errno == EEXIST);
	snprintf(victim, sizeof(victim), "%s/victim", rundir);
	write_file(rundir, "victim", "precious");
	snprintf(path, sizeof(path), "%s/" PREFIX "map_4k_0_0", pagedir);
	assert_int_equal(symlink(victim, path), 0);
	snprintf(fifo, sizeof(fifo), "%s/" PREFIX "map_4k_0_1", pagedir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	be_create(&a, "4K=4", NULL);
	assert_int_equal(access(fifo, F_OK), -1);
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, 8);
	/* a live page of a: a second primary leaves it alone and cannot take it */
	assert_int_equal(map_page(&a, va, K4, 0, &pa), 0);
	va[0] = 'a';
	be_create(&b, "4K=4", NULL);
	assert_true(file_exists(pagedir, PREFIX "map_4k_0_0"));
	assert_err(map_page(&b, va + K4, K4, 0, &pb), -EBUSY, "mapped by another live process");
	assert_true(hm_test_va_mapped(va + K4, K4));
	hm_emu_ops.destroy(&b);
	assert_true(file_exists(pagedir, PREFIX "map_4k_0_0"));
	/* a --no-shconf instance of the same prefix: its own names */
	params_init(&p, "4K=4");
	p.no_shconf = true;
	assert_int_equal(hm_emu_ops.create(&c, &p), 0);
	assert_int_equal(map_page(&c, va + 2 * K4, K4, 0, &pc), 0);
	assert_int_equal(hm_test_count_files(pagedir), 2);
	hm_emu_ops.destroy(&c);
	assert_int_equal(hm_test_count_files(pagedir), 1);
	assert_int_equal(va[0], 'a');
	/* attach: only a private file of ours */
	struct hm_backend s2 = { .ops = &hm_emu_ops };
	params_init(&p, "4K=4");
	p.secondary = true;
	assert_int_equal(hm_emu_ops.create(&s2, &p), 0);
	assert_int_equal(chmod(path, 0644), 0);
	struct hm_page at = pa;
	at.va = va + K4;
	assert_err(hm_emu_ops.page_attach(&s2, &at), -EPERM, "mode 0644");
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(hm_emu_ops.page_attach(&s2, &at), 0);
	assert_int_equal(va[K4], 'a');
	hm_emu_ops.page_unmap(&s2, &at);
	hm_emu_ops.destroy(&s2);
	hm_emu_ops.page_unmap(&a, &pa);
	hm_emu_ops.destroy(&a);
	assert_int_equal(hm_test_count_files(pagedir), -1);
	/* a page dir others can write in is not ours to use */
	assert_int_equal(mkdir(pagedir, 0700), 0);
	assert_int_equal(chmod(pagedir, 0777), 0);
	params_init(&p, "4K=4");
	assert_err(hm_emu_ops.create(&c, &p), -EACCES, "mode 0777");
	assert_err(hm_emu_ops.create(&c, &p), -EACCES, "--in-memory");
	assert_int_equal(rmdir(pagedir), 0);
	unlink(victim);
	munmap(va, 3 * K4);
	assert_int_equal(rmdir(rundir), 0);
	hm_log_set_hook(NULL, NULL);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hostile_planted_symlinks, hm_test_teardown),
		cmocka_unit_test_teardown(test_hostile_fifo_does_not_hang, hm_test_teardown),
		cmocka_unit_test_teardown(test_hostile_runtime_dir_not_private, hm_test_teardown),
		cmocka_unit_test_teardown(test_hostile_per_user_paths, hm_test_teardown),
		cmocka_unit_test_teardown(test_hostile_full_tmpfs, hm_test_teardown),
		cmocka_unit_test_teardown(test_hostile_noshconf_keeps_primary, hm_test_teardown),
		cmocka_unit_test_teardown(test_hostile_nested_and_unwritable, hm_test_teardown),
		cmocka_unit_test_teardown(test_hostile_huge_topology, hm_test_teardown),
		cmocka_unit_test_teardown(test_hostile_fbarray_files, hm_test_teardown),
		cmocka_unit_test_teardown(test_hostile_emu_pagedir, hm_test_teardown),
	};
	const char *rd = getenv("HUGEMEM_RUNTIME_DIR");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int rc;

	if (n <= 0)
		return 1;
	self[n] = '\0';
	if (argc >= 3 && strcmp(argv[1], "--child") == 0)
		return child_main(argc - 2, argv + 2);
	if (rd == NULL || *rd == '\0')
		rd = "/tmp";
	if (strcmp(hm_test_backend(), "emu") != 0)
		hm_test_skip_all("hostile-environment tests run on emu (hugetlbfs: test_hugetlbfs)");
	/* a private scratch dir: the runtime dirs below must pass the ownership checks */
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", rd);
	if (system(cmd) != 0)
		return 1;
	snprintf(base, sizeof(base), "%s/hostile-XXXXXX", rd);
	if (mkdtemp(base) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0 && rc == 0)
		rc = 1;
	return rc;
}
