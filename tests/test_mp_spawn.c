/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The child-process helpers of the multi-process tests (tests/mp_spawn.h),
 * with /bin/sh as the child: statuses of exits and signals, output to files,
 * pipes and /dev/null, stdin pipes, the environment, a passed descriptor, the
 * alarm, waits with and without a deadline, kill and peek, line reads with a
 * timeout, the files removed once collected, and output paths that are not a
 * regular file of ours (symlink, FIFO, another user's) refused untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "mp_spawn.h"

#define SH(script) HM_TEST_ARGV("/bin/sh", "-c", script)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A child never started or reaped twice, a program that is not there, an
 * output file that cannot be made. */
static void
test_mp_spawn_invalid_args(void **state)
{
	struct hm_test_child c;
	int p[2];
	(void)state;

	/* pid 0: never started; its descriptor fields are not closed */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	memset(&c, 0, sizeof(c));
	c.status = -1;
	c.in = p[1];
	c.out = p[0];
	assert_int_equal(hm_test_wait(&c, -1), -1);
	assert_int_equal(hm_test_kill(&c), -1);
	assert_int_equal(hm_test_peek(&c), -1);
	assert_true(fcntl(p[0], F_GETFD) >= 0 && fcntl(p[1], F_GETFD) >= 0);
	close(p[0]);
	close(p[1]);
	/* a reaped child stays reaped: its status again, no second wait */
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("exit 7") });
	assert_int_equal(hm_test_wait(&c, -1), 7);
	assert_int_equal(hm_test_wait(&c, -1), 7);
	assert_int_equal(hm_test_kill(&c), 7);
	assert_int_equal(hm_test_peek(&c), 7);
	/* a program that does not exist: exec fails, 127 */
	hm_test_spawn(&c, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV("/nonexistent/program") });
	assert_int_equal(hm_test_wait(&c, -1), 127);
	/* a file that cannot be created: 126 before exec */
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("exit 0"),
							.out = HM_TEST_IO_FILE,
							.out_path = "/nonexistent/dir/out" });
	assert_int_equal(hm_test_wait(&c, -1), 126);
}

/* Exit statuses and signals; kill; peek before and after the end. */
static void
test_mp_spawn_status(void **state)
{
	struct hm_test_child c;
	(void)state;

	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("exit 3") });
	assert_true(c.pid > 0);
	assert_false(c.reaped);
	assert_int_equal(hm_test_wait(&c, -1), 3);
	assert_true(c.reaped);
	assert_int_equal(c.sig, 0);
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("kill -TERM $$") });
	assert_int_equal(hm_test_wait(&c, -1), 128 + SIGTERM);
	assert_int_equal(c.sig, SIGTERM);
	/* running: peek says so and reaps nothing; then killed */
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("exec sleep 30") });
	assert_int_equal(hm_test_peek(&c), -1);
	assert_int_equal(hm_test_kill(&c), 128 + SIGKILL);
	assert_int_equal(c.sig, SIGKILL);
	/* ended, not reaped: peek gives the status, the wait still reaps it */
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("exit 5") });
	int p = -1;
	for (int i = 0; i < 30000 && p < 0; i++) {
		p = hm_test_peek(&c);
		if (p < 0)
			usleep(1000);
	}
	assert_int_equal(p, 5);
	assert_false(c.reaped);
	assert_int_equal(hm_test_wait(&c, -1), 5);
}

/* A deadline: -ETIMEDOUT while it runs (not before the time), then kill; 0
 * only looks; the alarm kept across exec ends a hang as SIGALRM. */
static void
test_mp_spawn_deadline(void **state)
{
	struct hm_test_child c;
	(void)state;

	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("exec sleep 30") });
	int r0 = hm_test_wait(&c, 0);
	double t0 = now_s();
	int r1 = hm_test_wait(&c, 200);
	double dt = now_s() - t0;
	bool running = !c.reaped;
	/* killed before any assertion: a failure leaves no sleep behind */
	assert_int_equal(hm_test_kill(&c), 128 + SIGKILL);
	assert_int_equal(r0, -ETIMEDOUT);
	assert_int_equal(r1, -ETIMEDOUT);
	assert_true(dt >= 0.2);
	assert_true(running);
	/* ends well inside its deadline */
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("exit 4") });
	assert_int_equal(hm_test_wait(&c, 60000), 4);
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("exec sleep 30"), .alarm = 1 });
	assert_int_equal(hm_test_wait(&c, -1), 128 + SIGALRM);
}

/* stdout and stderr to named files, to one file, to /dev/null; collect reads
 * them and removes the files it named, not the caller's. */
static void
test_mp_spawn_files(void **state)
{
	const char *base = getenv("HUGEMEM_RUNTIME_DIR");
	char out[64], err[64], mine[4200], path_o[600], path_e[600];
	struct hm_test_child c;
	struct stat st;
	(void)state;

	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("echo out; echo err >&2"),
							.out = HM_TEST_IO_FILE,
							.err = HM_TEST_IO_FILE });
	assert_int_equal(hm_test_wait(&c, -1), 0);
	snprintf(path_o, sizeof(path_o), "%s", c.out_path);
	snprintf(path_e, sizeof(path_e), "%s", c.err_path);
	assert_int_equal(strncmp(path_o, base, strlen(base)), 0);
	assert_int_equal(stat(path_o, &st), 0);
	hm_test_collect(&c, out, sizeof(out), err, sizeof(err));
	assert_string_equal(out, "out\n");
	assert_string_equal(err, "err\n");
	assert_int_equal(stat(path_o, &st), -1);
	assert_int_equal(stat(path_e, &st), -1);
	/* both into one file, in order */
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("echo a; echo b >&2; echo c"),
							.out = HM_TEST_IO_FILE,
							.err = HM_TEST_IO_STDOUT });
	assert_int_equal(hm_test_wait(&c, -1), 0);
	hm_test_collect(&c, out, sizeof(out), err, sizeof(err));
	assert_string_equal(out, "a\nb\nc\n");
	assert_string_equal(err, "");
	/* the caller's file stays; /dev/null takes stderr */
	snprintf(mine, sizeof(mine), "%s/mine-%d.out", base, (int)getpid());
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("echo kept; echo gone >&2"),
							.out = HM_TEST_IO_FILE, .out_path = mine,
							.err = HM_TEST_IO_NULL });
	assert_int_equal(hm_test_wait(&c, -1), 0);
	hm_test_collect(&c, out, sizeof(out), err, sizeof(err));
	assert_string_equal(out, ""); /* not one hm_test_spawn named */
	hm_test_slurp(mine, out, sizeof(out));
	assert_string_equal(out, "kept\n");
	assert_int_equal(unlink(mine), 0);
	/* a short buffer: cut, NUL-terminated */
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("echo 0123456789"),
							.out = HM_TEST_IO_FILE });
	hm_test_wait(&c, -1);
	hm_test_collect(&c, out, 5, NULL, 0);
	assert_string_equal(out, "0123");
}

/* Spawn /bin/sh writing to @p out_path; @return the child's status. */
static int
spawn_to(const char *out_path)
{
	struct hm_test_child c;

	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("echo written"),
							.out = HM_TEST_IO_FILE,
							.out_path = out_path });
	return hm_test_wait(&c, -1);
}

/* The child's output file is opened without following a symlink, and only a
 * regular file of ours is emptied: a symlink (to a file of ours or dangling),
 * a FIFO and another user's file are refused (126) and left as they were; a
 * character device is written as it is. */
static void
test_mp_spawn_output_refused(void **state)
{
	const char *base = getenv("HUGEMEM_RUNTIME_DIR");
	char out[64], target[600], link[600], fifo[600];
	struct stat st;
	FILE *f;
	(void)state;

	snprintf(target, sizeof(target), "%s/target-%d", base, (int)getpid());
	snprintf(link, sizeof(link), "%s/link-%d.out", base, (int)getpid());
	snprintf(fifo, sizeof(fifo), "%s/fifo-%d.out", base, (int)getpid());
	f = fopen(target, "w");
	assert_non_null(f);
	fputs("precious\n", f);
	fclose(f);

	/* a symlink to a file of ours: refused, the target not truncated or written */
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(spawn_to(link), 126);
	hm_test_slurp(target, out, sizeof(out));
	assert_string_equal(out, "precious\n");
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(unlink(link), 0);

	/* a dangling symlink: refused, nothing created at its target */
	snprintf(out, sizeof(out), "%s", "/tmp/hm-mp-spawn-dangling-target");
	unlink(out);
	assert_int_equal(symlink(out, link), 0);
	assert_int_equal(spawn_to(link), 126);
	assert_int_equal(lstat(out, &st), -1);
	assert_int_equal(unlink(link), 0);

	/* a FIFO: refused at once (no reader to block on) */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(spawn_to(fifo), 126);
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(unlink(fifo), 0);

	/* another user's file (root can make one): refused, not emptied */
	if (geteuid() == 0) {
		assert_int_equal(chown(target, 65534, 65534), 0);
		assert_int_equal(spawn_to(target), 126);
		hm_test_slurp(target, out, sizeof(out));
		assert_string_equal(out, "precious\n");
		assert_int_equal(chown(target, 0, 0), 0);
	} else {
		print_message("[  SKIP    ] another user's file: needs root to chown one\n");
	}

	/* a character device: written as it is (nothing to empty) */
	assert_int_equal(spawn_to("/dev/null"), 0);
	/* the regular file of ours itself: emptied, then written */
	assert_int_equal(spawn_to(target), 0);
	hm_test_slurp(target, out, sizeof(out));
	assert_string_equal(out, "written\n");
	assert_int_equal(unlink(target), 0);
}

/* Pipes: line by line with a timeout, stdin in and stdout out, EOF on close. */
static void
test_mp_spawn_pipes(void **state)
{
	char line[16], buf[64];
	struct hm_test_child c;
	(void)state;

	hm_test_spawn(&c, &(struct hm_test_spawn_args){
		.argv = SH("echo one; echo two-is-longer; read x; echo got $x"),
		.out = HM_TEST_IO_PIPE, .in_pipe = true });
	assert_int_equal(hm_test_read_line(&c, line, sizeof(line), 30000), 4);
	assert_string_equal(line, "one\n");
	/* a line longer than the buffer comes in parts */
	assert_int_equal(hm_test_read_line(&c, line, 8, 30000), 7);
	assert_string_equal(line, "two-is-");
	assert_int_equal(hm_test_read_line(&c, line, sizeof(line), 30000), 7);
	assert_string_equal(line, "longer\n");
	/* nothing more until it reads its stdin */
	assert_int_equal(hm_test_read_line(&c, line, sizeof(line), 100), -ETIMEDOUT);
	assert_int_equal(write(c.in, "x\n", 2), 2);
	assert_int_equal(hm_test_read_line(&c, line, sizeof(line), 30000), 6);
	assert_string_equal(line, "got x\n");
	/* end of file: 0 bytes */
	assert_int_equal(hm_test_read_line(&c, line, sizeof(line), 30000), 0);
	assert_int_equal(hm_test_wait(&c, -1), 0);
	assert_int_equal(c.out, -1);
	assert_int_equal(c.in, -1);
	/* closing stdin (the wait does) ends a child that reads to EOF */
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("cat >/dev/null; exit 9"),
							.in_pipe = true });
	assert_int_equal(hm_test_wait(&c, -1), 9);
	/* communicate: all of stdin in, all of stdout out */
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("tr a-z A-Z"),
							.out = HM_TEST_IO_PIPE, .in_pipe = true });
	assert_int_equal(hm_test_communicate(&c, "abc\ndef\n", buf, sizeof(buf)), 8);
	assert_string_equal(buf, "ABC\nDEF\n");
	assert_int_equal(hm_test_wait(&c, -1), 0);
	assert_int_equal(hm_test_run_stdio(SH("printf '%s|' \"$0\" \"$@\"; cat"),
					   HM_TEST_ARGV("b", "c"), "in", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "b|c|in");
}

/* The environment (set and unset), a passed descriptor, SIGINT back to default,
 * hm_test_run. */
static void
test_mp_spawn_env_fds(void **state)
{
	char out[128], err[64];
	struct hm_test_child c;
	int p[2];
	(void)state;

	setenv("MP_SPAWN_GONE", "here", 1);
	assert_int_equal(hm_test_run(&(struct hm_test_spawn_args){
					     .argv = SH("echo \"$MP_SPAWN_A|${MP_SPAWN_GONE-unset}\""),
					     .env = HM_TEST_ARGV("MP_SPAWN_A=x=y", "MP_SPAWN_GONE"),
					     .out = HM_TEST_IO_FILE, .err = HM_TEST_IO_FILE },
				     out, sizeof(out), err, sizeof(err)),
			 0);
	assert_string_equal(out, "x=y|unset\n");
	assert_string_equal(getenv("MP_SPAWN_GONE"), "here"); /* the parent's unchanged */
	unsetenv("MP_SPAWN_GONE");
	/* a variable without a name: refused in the child (126) */
	assert_int_equal(hm_test_run(&(struct hm_test_spawn_args){ .argv = SH("exit 0"),
								   .env = HM_TEST_ARGV("=x") },
				     NULL, 0, NULL, 0),
			 126);
	/* fd 9 in the child is our pipe's write end (dash: one digit); -1 passes /dev/null */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("echo via-9 >&9"),
							.pass_fd = p[1], .pass_as = 9 });
	close(p[1]);
	assert_int_equal(hm_test_wait(&c, -1), 0);
	assert_int_equal(read(p[0], out, sizeof(out)), 6);
	assert_memory_equal(out, "via-9\n", 6);
	close(p[0]);
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("read x <&9; exit $?"),
							.pass_fd = -1, .pass_as = 9 });
	assert_int_equal(hm_test_wait(&c, -1), 1); /* /dev/null: EOF at once */
	/* SIGINT ignored here is ignored in a child, unless put back to default */
	signal(SIGINT, SIG_IGN);
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("kill -INT $$; exit 2") });
	assert_int_equal(hm_test_wait(&c, -1), 2);
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = SH("kill -INT $$; exit 2"),
							.default_signals = true });
	assert_int_equal(hm_test_wait(&c, -1), 128 + SIGINT);
	signal(SIGINT, SIG_DFL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mp_spawn_invalid_args),
		cmocka_unit_test(test_mp_spawn_status),
		cmocka_unit_test(test_mp_spawn_deadline),
		cmocka_unit_test(test_mp_spawn_files),
		cmocka_unit_test(test_mp_spawn_output_refused),
		cmocka_unit_test(test_mp_spawn_pipes),
		cmocka_unit_test(test_mp_spawn_env_fds),
	};

	if (getenv("HUGEMEM_RUNTIME_DIR") == NULL)
		hm_test_skip_all("HUGEMEM_RUNTIME_DIR is not set");
	mkdir(getenv("HUGEMEM_RUNTIME_DIR"), 0700);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
