/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Child processes for the multi-process tests: fork+exec a program (usually
 * this test program again, as a secondary, a victim or a peer) with its stdout
 * and stderr in files, a pipe or the parent's, optionally a stdin pipe the
 * parent holds and one more descriptor passed at a fixed number; wait for it
 * with or without a deadline, or SIGKILL and reap it; read its captured output.
 *
 * A child's status is its exit status, or 128 + the signal that ended it (as a
 * shell reports it). In the child, a failure to set up its descriptors exits
 * 126 and a failed exec 127 before any test code runs.
 *
 * Programs that run themselves as children share one convention: argv[1] names
 * the child's role ("secondary", "peer", "victim", ...), and main() hands those
 * to the child code before anything else; hm_test_self_setup() is the rest of the
 * parent's start. Include after helpers.h (cmocka).
 */
#ifndef HM_TEST_MP_SPAWN_H
#define HM_TEST_MP_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A NULL-terminated argv in place: HM_TEST_ARGV(path, "peer", prefix). */
#define HM_TEST_ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Where one of the child's output streams goes. */
enum hm_test_io {
	HM_TEST_IO_INHERIT = 0, /* the parent's */
	HM_TEST_IO_FILE,        /* a file: out_path, or one hm_test_spawn names */
	HM_TEST_IO_PIPE,        /* stdout only: a pipe, read with hm_test_read_line */
	HM_TEST_IO_STDOUT,      /* stderr only: wherever stdout goes */
	HM_TEST_IO_NULL,        /* /dev/null */
};

struct hm_test_spawn_args {
	const char *const *argv; /* NULL-terminated; argv[0] is the program's path */
	const char *const *env;  /* NULL, or NULL-terminated "NAME=value" to set and "NAME"
				  * to unset in the child */
	enum hm_test_io out;     /* the child's stdout */
	enum hm_test_io err;     /* its stderr (HM_TEST_IO_PIPE is not offered) */
	const char *out_path;    /* HM_TEST_IO_FILE stdout: this file, which stays (NULL:
				  * one hm_test_spawn names and hm_test_collect removes);
				  * created, or a regular file of the euid, emptied, or a
				  * character device (/dev/full); a symlink, FIFO, socket,
				  * directory or another user's file there is left alone
				  * and the child exits 126 */
	const char *dir;         /* where hm_test_spawn's files go (NULL: $HUGEMEM_RUNTIME_DIR) */
	bool in_pipe;            /* stdin is a pipe; closing hm_test_child.in gives it EOF */
	int pass_fd;             /* with pass_as > 2: dup2(pass_fd, pass_as) in the child */
	int pass_as;             /* (pass_fd < 0: /dev/null there) */
	bool default_signals;    /* SIGINT and SIGTERM back to SIG_DFL in the child */
	unsigned int alarm;      /* > 0: alarm(2) in the child, kept across exec: a hang
				  * ends as SIGALRM after that many seconds */
	int death_sig;           /* > 0: the child gets it when this thread ends (PR_SET_PDEATHSIG) */
};

/* Filled by hm_test_spawn. One with pid 0 was never started: hm_test_wait,
 * hm_test_kill and hm_test_peek return its status field and touch nothing. */
struct hm_test_child {
	pid_t pid;          /* its pid (kept once it is reaped) */
	bool reaped;        /* hm_test_wait or hm_test_kill has reaped it */
	int status;         /* once reaped: exit status, or 128 + signal; else -1 */
	int sig;            /* once reaped: the signal that ended it, 0 when it exited */
	int out;            /* HM_TEST_IO_PIPE: read end of its stdout; else -1 */
	int in;             /* in_pipe: write end of its stdin (-1 once closed) */
	char out_path[600]; /* HM_TEST_IO_FILE stdout that hm_test_spawn named; else "" */
	char err_path[600]; /* HM_TEST_IO_FILE stderr; else "" */
};

/* fork+exec @p a->argv as @p c (asserts that fork and the pipes work).
 * @return the child's pid. */
pid_t hm_test_spawn(struct hm_test_child *c, const struct hm_test_spawn_args *a);

/*
 * Close the child's stdin pipe (its EOF), wait for it to end, close its stdout
 * pipe. @p timeout_ms < 0 waits as long as it takes, 0 only looks.
 * @return its status (also in c->status), or -ETIMEDOUT while it still runs.
 */
int hm_test_wait(struct hm_test_child *c, int timeout_ms);

/* SIGKILL the child unless it is reaped already, and reap it. @return its status. */
int hm_test_kill(struct hm_test_child *c);

/* Whether it has ended, without reaping it: -1 while it runs, else its status. */
int hm_test_peek(const struct hm_test_child *c);

/*
 * Read one line of its stdout pipe, '\n' kept, NUL-terminated: up to the
 * newline, end of file or @p len - 1 bytes. Each byte may take @p timeout_ms.
 * @return the bytes read, or -ETIMEDOUT.
 */
int hm_test_read_line(struct hm_test_child *c, char *buf, size_t len, int timeout_ms);

/*
 * Write @p input (unless NULL) to its stdin pipe, close that pipe, then read its
 * stdout pipe to the end (at most @p len - 1 bytes, NUL-terminated; NUL bytes it
 * wrote are kept). @return the bytes read.
 */
size_t hm_test_communicate(struct hm_test_child *c, const char *input, char *out, size_t len);

/*
 * Run @p argv followed by @p more (NULL or NULL-terminated; 63 words in all at
 * most) with @p input on its stdin and its stdout into @p out (as
 * hm_test_communicate), and wait for it. @return its status.
 */
int hm_test_run_stdio(const char *const *argv, const char *const *more, const char *input,
		      char *out, size_t len);

/* hm_test_spawn, hm_test_wait and hm_test_collect in one: start @p a, wait for
 * it, its captured output into @p out / @p err. @return its status. */
int hm_test_run(const struct hm_test_spawn_args *a, char *out, size_t out_len, char *err,
		size_t err_len);

/* Its captured stdout and stderr (files) into @p out / @p err (NULL: not
 * read; "" when there is none), then remove the files hm_test_spawn named. */
void hm_test_collect(struct hm_test_child *c, char *out, size_t out_len, char *err,
		     size_t err_len);

/* This program's path (/proc/self/exe); skips the whole program (exit 77) when
 * it cannot be read. */
const char *hm_test_self(void);

/*
 * The parent's start in a program that runs itself as its children: skips the
 * whole program (exit 77) without $HUGEMEM_RUNTIME_DIR or when /proc/self/exe
 * cannot be read, creates the runtime dir. @return this program's path.
 */
const char *hm_test_self_setup(void);

#endif
