/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_mp's secondary: fuzz_mp fork+execs it (a fresh image, ASLR on) with
 * hugemem options as arguments; it attaches (hm_init, --proc-type=secondary),
 * writes one reply (rc = hm_init's) and then, for every struct mp_op read on
 * stdin, runs it with mp_op_exec and writes the struct mp_reply on stdout.
 * MP_OP_QUIT or the end of stdin (fuzz_mp exited or crashed) makes it
 * hm_cleanup and exit, so it never outlives its primary's run.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "mp_ops.h"

static int
read_full(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int
write_full(int fd, const void *buf, size_t len)
{
	for (size_t put = 0; put < len;) {
		ssize_t n = write(fd, (const char *)buf + put, len - put);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		put += (size_t)n;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct mp_op op;
	struct mp_reply r;

	signal(SIGPIPE, SIG_IGN);
	hm_log_set_level(HM_LOG_EMERG);
	memset(&r, 0, sizeof(r));
	r.rc = hm_init(argc, argv);
	if (r.rc < 0)
		snprintf(r.msg, sizeof(r.msg), "hm_init: %s", hm_last_error());
	if (write_full(1, &r, sizeof(r)) < 0 || r.rc < 0)
		return 1;
	while (read_full(0, &op, sizeof(op)) == 0 && op.code != MP_OP_QUIT) {
		mp_op_exec(&op, &r);
		if (write_full(1, &r, sizeof(r)) < 0)
			break;
	}
	return hm_cleanup() < 0;
}
