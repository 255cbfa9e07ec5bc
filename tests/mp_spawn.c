/* SPDX-License-Identifier: BSD-3-Clause */
/* Child processes for the multi-process tests (mp_spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "mp_spawn.h"

static int
status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * In the child: the output file @p path, created 0600 or an existing regular
 * file of ours, emptied; or a character device (/dev/null, /dev/full: only
 * root makes those), written as it is. Never through a symlink (O_NOFOLLOW),
 * never a FIFO, socket or directory (O_NONBLOCK keeps a FIFO from blocking the
 * open, fstat refuses it), never another user's file: truncated only after
 * fstat said it is ours.
 * @return the descriptor, or -1 (the child then exits 126).
 */
static int
open_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	struct stat st;
	bool ok;

	if (fd < 0)
		return -1;
	ok = fstat(fd, &st) == 0 && fcntl(fd, F_SETFL, 0) == 0;
	if (ok && S_ISREG(st.st_mode))
		ok = st.st_uid == geteuid() && ftruncate(fd, 0) == 0;
	else if (ok)
		ok = S_ISCHR(st.st_mode);
	if (!ok) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
open_null(void)
{
	return open("/dev/null", O_WRONLY | O_CLOEXEC);
}

/* In the child: descriptors, environment, signals, exec. Never returns. */
static void __attribute__((noreturn))
child_exec(const struct hm_test_spawn_args *a, const struct hm_test_child *c, int out_w, int in_r)
{
	int fo = -1, fe = -1, fp = -1;

	if (a->out == HM_TEST_IO_FILE)
		fo = open_out(a->out_path != NULL ? a->out_path : c->out_path);
	else if (a->out == HM_TEST_IO_PIPE)
		fo = out_w;
	else if (a->out == HM_TEST_IO_NULL)
		fo = open_null();
	if (a->err == HM_TEST_IO_FILE)
		fe = open_out(c->err_path);
	else if (a->err == HM_TEST_IO_NULL)
		fe = open_null();
	if (a->pass_as > 2)
		fp = a->pass_fd >= 0 ? a->pass_fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
	if ((a->out != HM_TEST_IO_INHERIT && fo < 0) ||
	    ((a->err == HM_TEST_IO_FILE || a->err == HM_TEST_IO_NULL) && fe < 0) ||
	    (a->pass_as > 2 && fp < 0))
		_exit(126);
	if ((in_r >= 0 && dup2(in_r, 0) < 0) || (fo >= 0 && dup2(fo, 1) < 0) ||
	    (fe >= 0 && dup2(fe, 2) < 0) || (a->err == HM_TEST_IO_STDOUT && dup2(1, 2) < 0) ||
	    (fp >= 0 && dup2(fp, a->pass_as) < 0))
		_exit(126);
	for (const char *const *e = a->env; e != NULL && *e != NULL; e++) {
		char name[256];
		const char *eq = strchr(*e, '=');
		size_t n = eq != NULL ? (size_t)(eq - *e) : strlen(*e);
		if (n == 0 || n >= sizeof(name))
			_exit(126);
		memcpy(name, *e, n);
		name[n] = '\0';
		if (eq != NULL ? setenv(name, eq + 1, 1) != 0 : unsetenv(name) != 0)
			_exit(126);
	}
	if (a->death_sig > 0 && prctl(PR_SET_PDEATHSIG, a->death_sig) != 0)
		_exit(126);
	if (a->default_signals) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
	}
	if (a->alarm > 0)
		alarm(a->alarm);
	execv(a->argv[0], (char *const *)a->argv);
	_exit(127);
}

pid_t
hm_test_spawn(struct hm_test_child *c, const struct hm_test_spawn_args *a)
{
	static unsigned int seq;
	const char *dir = a->dir != NULL ? a->dir : getenv("HUGEMEM_RUNTIME_DIR");
	int o[2] = { -1, -1 }, in[2] = { -1, -1 };

	memset(c, 0, sizeof(*c));
	c->status = -1;
	c->out = c->in = -1;
	assert_non_null(a->argv);
	assert_non_null(a->argv[0]);
	assert_true(a->err != HM_TEST_IO_PIPE);
	seq++;
	if ((a->out == HM_TEST_IO_FILE && a->out_path == NULL) || a->err == HM_TEST_IO_FILE)
		assert_non_null(dir);
	if (a->out == HM_TEST_IO_FILE && a->out_path == NULL)
		snprintf(c->out_path, sizeof(c->out_path), "%s/mp-%d-%u.out", dir, (int)getpid(),
			 seq);
	if (a->err == HM_TEST_IO_FILE)
		snprintf(c->err_path, sizeof(c->err_path), "%s/mp-%d-%u.err", dir, (int)getpid(),
			 seq);
	if (a->out == HM_TEST_IO_PIPE)
		assert_int_equal(pipe2(o, O_CLOEXEC), 0);
	if (a->in_pipe)
		assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0)
		child_exec(a, c, o[1], in[0]);
	if (o[1] >= 0)
		close(o[1]);
	if (in[0] >= 0)
		close(in[0]);
	c->out = o[0];
	c->in = in[1];
	return c->pid;
}

static void
set_reaped(struct hm_test_child *c, int st)
{
	c->status = status_of(st);
	c->sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	c->reaped = true;
	if (c->out >= 0)
		close(c->out);
	c->out = -1;
}

int
hm_test_wait(struct hm_test_child *c, int timeout_ms)
{
	struct timespec t0, now;
	int st = 0;
	pid_t w;

	if (c->pid <= 0)
		return c->status;
	if (c->in >= 0)
		close(c->in);
	c->in = -1;
	if (c->reaped)
		return c->status;
	if (timeout_ms < 0) {
		while ((w = waitpid(c->pid, &st, 0)) < 0 && errno == EINTR)
			;
		assert_int_equal(w, c->pid);
		set_reaped(c, st);
		return c->status;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		w = waitpid(c->pid, &st, WNOHANG);
		if (w != 0) {
			assert_int_equal(w, c->pid);
			set_reaped(c, st);
			return c->status;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((long long)(now.tv_sec - t0.tv_sec) * 1000000000LL + (now.tv_nsec - t0.tv_nsec) >=
		    (long long)timeout_ms * 1000000LL)
			return -ETIMEDOUT;
		usleep(1000);
	}
}

int
hm_test_kill(struct hm_test_child *c)
{
	if (!c->reaped && c->pid > 0)
		assert_int_equal(kill(c->pid, SIGKILL), 0);
	return hm_test_wait(c, -1);
}

int
hm_test_peek(const struct hm_test_child *c)
{
	siginfo_t si;

	if (c->reaped || c->pid <= 0)
		return c->status;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0)
		return -1;
	return si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
}

int
hm_test_read_line(struct hm_test_child *c, char *buf, size_t len, int timeout_ms)
{
	size_t n = 0;

	assert_true(c->out >= 0 && len > 0);
	while (n + 1 < len) {
		struct pollfd p = { .fd = c->out, .events = POLLIN };
		int r;
		while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
			;
		if (r != 1) {
			buf[n] = '\0';
			return -ETIMEDOUT;
		}
		if (read(c->out, buf + n, 1) != 1)
			break;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return (int)n;
}

size_t
hm_test_communicate(struct hm_test_child *c, const char *input, char *out, size_t len)
{
	size_t n = 0;
	ssize_t r;

	assert_true(c->out >= 0 && len > 0);
	if (input != NULL) {
		assert_true(c->in >= 0);
		assert_int_equal(write(c->in, input, strlen(input)), (ssize_t)strlen(input));
	}
	if (c->in >= 0)
		close(c->in);
	c->in = -1;
	while (n + 1 < len && (r = read(c->out, out + n, len - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	return n;
}

int
hm_test_run(const struct hm_test_spawn_args *a, char *out, size_t out_len, char *err,
	    size_t err_len)
{
	struct hm_test_child c;

	hm_test_spawn(&c, a);
	hm_test_wait(&c, -1);
	hm_test_collect(&c, out, out_len, err, err_len);
	return c.status;
}

int
hm_test_run_stdio(const char *const *argv, const char *const *more, const char *input,
		  char *out, size_t len)
{
	const char *all[64];
	struct hm_test_child c;
	size_t n = 0;

	for (; *argv != NULL; argv++) {
		assert_true(n + 1 < sizeof(all) / sizeof(all[0]));
		all[n++] = *argv;
	}
	for (; more != NULL && *more != NULL; more++) {
		assert_true(n + 1 < sizeof(all) / sizeof(all[0]));
		all[n++] = *more;
	}
	all[n] = NULL;
	hm_test_spawn(&c, &(struct hm_test_spawn_args){ .argv = all, .in_pipe = true,
							.out = HM_TEST_IO_PIPE });
	hm_test_communicate(&c, input, out, len);
	return hm_test_wait(&c, -1);
}

static void
take_file(char *path, char *buf, size_t len)
{
	if (buf != NULL && len > 0) {
		buf[0] = '\0';
		if (path[0] != '\0')
			hm_test_slurp(path, buf, len);
	}
	if (path[0] != '\0')
		unlink(path);
	path[0] = '\0';
}

void
hm_test_collect(struct hm_test_child *c, char *out, size_t out_len, char *err, size_t err_len)
{
	take_file(c->out_path, out, out_len);
	take_file(c->err_path, err, err_len);
}

const char *
hm_test_self(void)
{
	static char self[4096];
	ssize_t n;

	if (self[0] != '\0')
		return self;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		hm_test_skip_all("cannot read /proc/self/exe");
	self[n] = '\0';
	return self;
}

const char *
hm_test_self_setup(void)
{
	const char *base = getenv("HUGEMEM_RUNTIME_DIR");

	if (base == NULL)
		hm_test_skip_all("HUGEMEM_RUNTIME_DIR is not set");
	mkdir(base, 0700);
	return hm_test_self();
}
