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
 * to the child code before anything else; mp_self_setup() is the rest of the
 * parent's start. Include after helpers.h (cmocka).
 */
#ifndef HM_TEST_MP_SPAWN_H
#define HM_TEST_MP_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A NULL-terminated argv in place: MP_ARGV(path, "peer", prefix). */
#define MP_ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Where one of the child's output streams goes. */
enum mp_io {
	MP_IO_INHERIT = 0, /* the parent's */
	MP_IO_FILE,        /* a file (mp_spawn_args.out_path, or one mp_spawn names) */
	MP_IO_PIPE,        /* stdout only: a pipe, read with mp_read_line */
	MP_IO_STDOUT,      /* stderr only: wherever stdout goes */
};

struct mp_spawn_args {
	const char *const *argv; /* NULL-terminated; argv[0] is the program's path */
	const char *const *env;  /* NULL, or NULL-terminated "NAME=value" set in the child */
	enum mp_io out;          /* the child's stdout */
	enum mp_io err;          /* its stderr (MP_IO_PIPE is not offered) */
	const char *out_path;    /* MP_IO_FILE stdout: this file, which stays (NULL: a
				  * file mp_spawn names and mp_collect removes) */
	const char *dir;         /* where mp_spawn's files go (NULL: $HUGEMEM_RUNTIME_DIR) */
	bool in_pipe;            /* stdin is a pipe; closing mp_child.in gives it EOF */
	int pass_fd;             /* with pass_as > 2: dup2(pass_fd, pass_as) in the child */
	int pass_as;
	bool default_signals;    /* SIGINT and SIGTERM back to SIG_DFL in the child */
};

struct mp_child {
	pid_t pid;           /* its pid (kept once it is reaped) */
	bool reaped;         /* mp_wait or mp_kill has reaped it */
	int status;          /* once reaped: exit status, or 128 + signal; else -1 */
	int out;             /* MP_IO_PIPE: read end of its stdout; else -1 */
	int in;              /* in_pipe: write end of its stdin (-1 once closed) */
	char out_path[600];  /* MP_IO_FILE stdout named by mp_spawn; else "" */
	char err_path[600];  /* MP_IO_FILE stderr; else "" */
};

/* fork+exec @p a->argv as @p c (asserts that fork and the pipes work).
 * @return the child's pid. */
pid_t mp_spawn(struct mp_child *c, const struct mp_spawn_args *a);

/*
 * Close the child's stdin pipe (its EOF), wait for it to end, close its stdout
 * pipe. @p timeout_ms < 0 waits as long as it takes, 0 only looks.
 * @return its status (also in c->status), or -ETIMEDOUT while it still runs.
 */
int mp_wait(struct mp_child *c, int timeout_ms);

/* SIGKILL the child unless it is reaped already, and reap it. @return its status. */
int mp_kill(struct mp_child *c);

/* Whether it has ended, without reaping it: -1 while it runs, else its status. */
int mp_peek(const struct mp_child *c);

/*
 * Read one line of its stdout pipe, '\n' kept, NUL-terminated: up to the
 * newline, end of file or @p len - 1 bytes. Each byte may take @p timeout_ms.
 * @return the bytes read, or -ETIMEDOUT.
 */
int mp_read_line(struct mp_child *c, char *buf, size_t len, int timeout_ms);

/* Its captured stdout and stderr (files) into @p out / @p err (NULL: not
 * read; "" when there is none), then remove the files mp_spawn named. */
void mp_collect(struct mp_child *c, char *out, size_t out_len, char *err, size_t err_len);

/*
 * The parent's start in a program that runs itself as its children: skips the
 * whole program (exit 77) without $HUGEMEM_RUNTIME_DIR or when /proc/self/exe
 * cannot be read, creates the runtime dir. @return this program's path.
 */
const char *mp_self_setup(void);

#endif
