/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the telemetry test programs share (test_telemetry.c,
 * test_telemetry_socket.c): the group setup that gives every run a private
 * $RUNTIME_DIRECTORY, init on an emu topology with the library's warnings
 * captured, replies parsed as JSON (json_read.h) and their fields read, and
 * raw connections to the socket. Include after helpers.h (cmocka).
 */
#ifndef HUGEMEM_TEST_TELEMETRY_TEST_COMMON_H
#define HUGEMEM_TEST_TELEMETRY_TEST_COMMON_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "json_read.h"

#define TOPO "nodes=2;2M=64,64;lcores=0-1@0,2-3@1"

static char run_base[PATH_MAX];

/* ------------------------------------------------------------------ helpers */

static inline int
setup_all(void **state)
{
	const char *rd = getenv("RUNTIME_DIRECTORY");
	char tmpl[] = "/tmp/hm-tel-XXXXXX";

	(void)state;
	if (rd == NULL || *rd == '\0') {
		if (mkdtemp(tmpl) == NULL)
			return -1;
		setenv("RUNTIME_DIRECTORY", tmpl, 1);
		rd = getenv("RUNTIME_DIRECTORY");
	}
	mkdir(rd, 0755);
	snprintf(run_base, sizeof(run_base), "%s", rd);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static char warnings[8192];

static inline void
capture_log(enum hm_log_level level, const char *msg, void *arg)
{
	(void)arg;
	if (level <= HM_LOG_WARNING && strlen(warnings) + strlen(msg) + 2 < sizeof(warnings)) {
		strcat(warnings, msg);
		strcat(warnings, "\n");
	}
}

static inline void
start(const char *prefix, const char *extra)
{
	char pfx[128], topo[128];
	char *argv[8] = { (char *)"test", pfx, topo, (char *)"--in-memory", NULL };
	int argc = 4;

	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", prefix);
	snprintf(topo, sizeof(topo), "--topology=%s", TOPO);
	if (extra != NULL)
		argv[argc++] = (char *)extra;
	argv[argc++] = (char *)"--";
	argv[argc++] = (char *)"app-arg";
	argv[argc] = NULL;
	warnings[0] = '\0';
	hm_log_set_hook(capture_log, NULL);
	assert_true(hm_init(argc, argv) >= 0);
}

static inline int
teardown(void **state)
{
	hm_test_teardown(state);
	hm_log_set_hook(NULL, NULL);
	return 0;
}

static inline struct tj *
parse(const char *s)
{
	char err[128];
	struct tj *v = tj_parse(s, strlen(s), err, sizeof(err));

	if (v == NULL)
		fail_msg("not JSON (%s): %.300s", err, s);
	return v;
}

/* Ask @p cmd on @p fd and return the value under the reply's only key, which
 * must be the command without its parameters. */
static inline struct tj *
ask(int fd, const char *cmd, const struct tj **val)
{
	static char reply[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	char key[HM_TELEMETRY_MAX_MSG_LEN + 1];
	struct tj *v;
	int n = hm_telemetry_query(fd, cmd, reply, sizeof(reply), 5000);

	if (n < 0)
		fail_msg("%s: %s", cmd, hm_last_error());
	assert_true(n <= HM_TELEMETRY_MAX_OUTPUT_LEN);
	v = parse(reply);
	snprintf(key, sizeof(key), "%s", cmd);
	if (strchr(key, ',') != NULL)
		*strchr(key, ',') = '\0';
	assert_int_equal(v->type, TJ_OBJ);
	assert_int_equal(v->n, 1);
	assert_string_equal(v->kids[0].name, key);
	*val = &v->kids[0];
	return v;
}

static inline uint64_t
field_u64(const struct tj *o, const char *name)
{
	uint64_t u;

	if (!tj_u64(tj_get(o, name), &u))
		fail_msg("no integer field %s", name);
	return u;
}

static inline const char *
field_str(const struct tj *o, const char *name)
{
	const struct tj *f = tj_get(o, name);

	if (f == NULL || f->type != TJ_STR)
		fail_msg("no string field %s", name);
	return f->str;
}

static inline int
connect_raw(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* Receive one message (waits up to 5 s); returns its length, 0 on EOF. */
static inline int
recv_one(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, 5000) != 1)
		return -ETIMEDOUT;
	n = recv(fd, buf, len - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

#endif /* HUGEMEM_TEST_TELEMETRY_TEST_COMMON_H */
