/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry: the reply data API and its JSON, the command table, and the
 * server spoken to over its socket as DPDK's client would (greeting, every
 * command's JSON parsed and compared with what the library itself says,
 * null and error replies), hostile clients (oversized, malformed, never
 * reading, a hundred at once), where the socket goes and what it refuses.
 * Runs on emu (--in-memory). $RUNTIME_DIRECTORY (set by meson) keeps sockets
 * out of /var/run.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "hugemem/hugemem.h"
#include "json_read.h"

#define TOPO "nodes=2;2M=64,64;lcores=0-1@0,2-3@1"

static char run_base[PATH_MAX];

/* ------------------------------------------------------------------ helpers */

static int
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

static void
capture_log(enum hm_log_level level, const char *msg, void *arg)
{
	(void)arg;
	if (level <= HM_LOG_WARNING && strlen(warnings) + strlen(msg) + 2 < sizeof(warnings)) {
		strcat(warnings, msg);
		strcat(warnings, "\n");
	}
}

static void
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

static int
teardown(void **state)
{
	hm_test_teardown(state);
	hm_log_set_hook(NULL, NULL);
	return 0;
}

static struct tj *
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
static struct tj *
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

static uint64_t
field_u64(const struct tj *o, const char *name)
{
	uint64_t u;

	if (!tj_u64(tj_get(o, name), &u))
		fail_msg("no integer field %s", name);
	return u;
}

static const char *
field_str(const struct tj *o, const char *name)
{
	const struct tj *f = tj_get(o, name);

	if (f == NULL || f->type != TJ_STR)
		fail_msg("no string field %s", name);
	return f->str;
}

static int
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
static int
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

/* ------------------------------------------------------------------ data API */

static int
cb_fail(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	(void)cmd;
	(void)params;
	(void)d;
	return -1;
}

static void
test_telemetry_invalid_args(void **state)
{
	struct hm_telemetry_data *d = hm_telemetry_data_alloc(), *c, *e;
	char buf[HM_TELEMETRY_MAX_OUTPUT_LEN], path[256], name[200];

	(void)state;
	hm_test_quiet_log();
	assert_non_null(d);
	assert_int_equal(hm_telemetry_data_start_array(NULL, HM_TELEMETRY_INT), -EINVAL);
	assert_int_equal(hm_telemetry_data_start_array(d, (enum hm_telemetry_type)7), -EINVAL);
	assert_int_equal(hm_telemetry_data_start_dict(NULL), -EINVAL);
	assert_int_equal(hm_telemetry_data_string(NULL, "x"), -EINVAL);
	assert_int_equal(hm_telemetry_data_string(d, NULL), -EINVAL);
	/* adds to an object of another kind change nothing */
	assert_int_equal(hm_telemetry_data_add_array_int(d, 1), -EINVAL);
	assert_int_equal(hm_telemetry_data_add_dict_int(d, "a", 1), -EINVAL);
	assert_int_equal(hm_telemetry_data_start_array(d, HM_TELEMETRY_INT), 0);
	assert_int_equal(hm_telemetry_data_add_array_u64(d, 1), -EINVAL);
	assert_int_equal(hm_telemetry_data_add_array_string(d, "x"), -EINVAL);
	assert_int_equal(hm_telemetry_data_add_array_string(NULL, "x"), -EINVAL);
	assert_int_equal(hm_telemetry_data_add_dict_int(d, "a", 1), -EINVAL);
	assert_int_equal(hm_telemetry_data_json(d, "/t", buf, sizeof(buf)), 9);
	assert_string_equal(buf, "{\"/t\":[]}");
	assert_int_equal(hm_telemetry_data_start_dict(d), 0);
	assert_int_equal(hm_telemetry_data_add_dict_int(d, NULL, 1), -EINVAL);
	assert_int_equal(hm_telemetry_data_add_dict_int(d, "", 1), -EINVAL);
	assert_int_equal(hm_telemetry_data_add_dict_int(d, "a b", 1), -EINVAL);
	assert_int_equal(hm_telemetry_data_add_dict_int(d, "q\"", 1), -EINVAL);
	memset(name, 'n', sizeof(name));
	name[HM_TELEMETRY_MAX_STRING_LEN] = '\0';
	assert_int_equal(hm_telemetry_data_add_dict_int(d, name, 1), -EINVAL);
	name[HM_TELEMETRY_MAX_STRING_LEN - 1] = '\0';
	assert_int_equal(hm_telemetry_data_add_dict_int(d, name, 1), 0);
	assert_int_equal(hm_telemetry_data_add_dict_string(d, "s", NULL), -EINVAL);
	/* containers: itself, an ancestor, one already placed, too deep */
	assert_int_equal(hm_telemetry_data_add_dict_container(d, "self", d, 1), -EINVAL);
	c = hm_telemetry_data_alloc();
	hm_telemetry_data_start_dict(c);
	assert_int_equal(hm_telemetry_data_add_dict_container(d, "c", c, 1), 0);
	assert_int_equal(hm_telemetry_data_add_dict_container(c, "up", d, 1), -EINVAL);
	assert_int_equal(hm_telemetry_data_add_dict_container(d, "again", c, 1), -EINVAL);
	e = hm_telemetry_data_alloc();
	hm_telemetry_data_start_dict(e);
	{
		/* e holds up to HM_TELEMETRY_MAX_DEPTH levels of containers */
		struct hm_telemetry_data *chain[HM_TELEMETRY_MAX_DEPTH + 2];
		int i;
		chain[0] = e;
		for (i = 1; i <= HM_TELEMETRY_MAX_DEPTH + 1; i++) {
			chain[i] = hm_telemetry_data_alloc();
			hm_telemetry_data_start_dict(chain[i]);
			int rc = hm_telemetry_data_add_dict_container(chain[i - 1], "k", chain[i], 0);
			if (i <= HM_TELEMETRY_MAX_DEPTH)
				assert_int_equal(rc, 0);
			else
				assert_int_equal(rc, -E2BIG); /* and freed by the refusal (ASan) */
		}
	}
	hm_telemetry_data_free(e);
	/* a refused keep==0 container is freed (ASan would report a leak otherwise) */
	assert_int_equal(hm_telemetry_data_add_dict_container(NULL, "x", hm_telemetry_data_alloc(), 0),
			 -EINVAL);
	assert_int_equal(hm_telemetry_data_json(NULL, "/t", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(hm_telemetry_data_json(d, NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(hm_telemetry_data_json(d, "/t", NULL, 10), -EINVAL);
	assert_int_equal(hm_telemetry_data_json(d, "/t", buf, 4), -EINVAL);
	hm_telemetry_data_free(d);
	hm_telemetry_data_free(c); /* kept: freed after its parent */
	hm_telemetry_data_free(NULL);

	/* commands */
	assert_int_equal(hm_telemetry_register_cmd(NULL, cb_fail, "h"), -EINVAL);
	assert_int_equal(hm_telemetry_register_cmd("/t/x", NULL, "h"), -EINVAL);
	assert_int_equal(hm_telemetry_register_cmd("/t/x", cb_fail, NULL), -EINVAL);
	assert_int_equal(hm_telemetry_register_cmd("t/x", cb_fail, "h"), -EINVAL);
	assert_int_equal(hm_telemetry_register_cmd("/t x", cb_fail, "h"), -EINVAL);
	assert_int_equal(hm_telemetry_register_cmd("/t,x", cb_fail, "h"), -EINVAL);
	memset(name, 'a', sizeof(name));
	name[0] = '/';
	name[HM_TELEMETRY_MAX_CMD_LEN] = '\0';
	assert_int_equal(hm_telemetry_register_cmd(name, cb_fail, "h"), -EINVAL);
	assert_int_equal(hm_telemetry_register_cmd("/t/x", cb_fail, "ok"), 0);
	assert_int_equal(hm_telemetry_register_cmd("/t/x", cb_fail, "h"), -EEXIST);
	memset(name, 'h', sizeof(name));
	name[HM_TELEMETRY_MAX_HELP_LEN] = '\0';
	assert_int_equal(hm_telemetry_register_cmd("/t/y", cb_fail, name), -EINVAL);
	assert_int_equal(hm_telemetry_register_cmd_arg("/t/y", NULL, NULL, "h"), -EINVAL);
	assert_int_equal(hm_telemetry_unregister_cmd(NULL), -EINVAL);
	assert_int_equal(hm_telemetry_unregister_cmd("/t/none"), -ENOENT);
	assert_int_equal(hm_telemetry_exec("/", buf, sizeof(buf)) > 0, 1);
	assert_int_equal(hm_telemetry_unregister_cmd("/info"), -EPERM);
	assert_int_equal(hm_telemetry_unregister_cmd("/t/x"), 0);
	assert_int_equal(hm_telemetry_unregister_cmd("/t/x"), -ENOENT);
	assert_int_equal(hm_telemetry_exec(NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(hm_telemetry_exec("/", NULL, sizeof(buf)), -EINVAL);
	assert_int_equal(hm_telemetry_exec("/", buf, 100), -EINVAL);

	/* server and client */
	assert_null(hm_telemetry_socket_path());
	assert_int_equal(hm_telemetry_stats_get(NULL), -EINVAL);
	{
		struct hm_telemetry_stats st;
		assert_int_equal(hm_telemetry_stats_get(&st), -ENODEV);
	}
	assert_int_equal(hm_telemetry_path(NULL, 0, path, sizeof(path)), -EINVAL);
	assert_int_equal(hm_telemetry_path("", 0, path, sizeof(path)), -EINVAL);
	assert_int_equal(hm_telemetry_path("a/b", 0, path, sizeof(path)), -EINVAL);
	assert_int_equal(hm_telemetry_path("..", 0, path, sizeof(path)), -EINVAL);
	assert_int_equal(hm_telemetry_path("p", HM_TELEMETRY_MAX_INSTANCES, path, sizeof(path)),
			 -EINVAL);
	assert_int_equal(hm_telemetry_path("p", 0, NULL, 10), -EINVAL);
	assert_int_equal(hm_telemetry_path("p", 0, path, 8), -ENAMETOOLONG);
	assert_int_equal(hm_telemetry_connect(NULL, NULL, 0, 10), -EINVAL);
	assert_int_equal(hm_telemetry_connect("/nonexistent/sock", NULL, 0, 10), -ENOENT);
	assert_int_equal(hm_telemetry_connect("/x", buf, 1, 10), -EINVAL);
	assert_int_equal(hm_telemetry_query(-1, "/", buf, sizeof(buf), 10), -EINVAL);
	assert_int_equal(hm_telemetry_query(0, NULL, buf, sizeof(buf), 10), -EINVAL);
	assert_int_equal(hm_telemetry_query(0, "/", NULL, sizeof(buf), 10), -EINVAL);
	assert_int_equal(hm_telemetry_check(NULL), 0);
}

/* Exact JSON of trees, escaping, UTF-8 repair, truncation that stays valid. */
static void
test_telemetry_data_json(void **state)
{
	struct hm_telemetry_data *d = hm_telemetry_data_alloc(), *a, *k;
	static char buf[HM_TELEMETRY_MAX_OUTPUT_LEN];
	char big[HM_TELEMETRY_MAX_SINGLE_STRING_LEN + 100];
	struct tj *v;
	int n;

	(void)state;
	hm_test_quiet_log();
	/* nothing set: null, as DPDK */
	assert_true(hm_telemetry_data_json(d, "/x", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "{\"/x\":null}");
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_int(d, "i", -5);
	hm_telemetry_data_add_dict_u64(d, "u", UINT64_MAX);
	hm_telemetry_data_add_dict_string(d, "s", "q\"b\\c\n\x01\x7f\xc3\xa9\xff\xe2\x82");
	a = hm_telemetry_data_alloc();
	hm_telemetry_data_start_array(a, HM_TELEMETRY_STRING);
	hm_telemetry_data_add_array_string(a, "x");
	hm_telemetry_data_add_array_string(a, "");
	hm_telemetry_data_add_dict_container(d, "a", a, 0);
	k = hm_telemetry_data_alloc(); /* a kept, empty dict */
	hm_telemetry_data_start_dict(k);
	hm_telemetry_data_add_dict_container(d, "k", k, 1);
	hm_telemetry_data_json(d, "/c\"md", buf, sizeof(buf));
	assert_string_equal(buf, "{\"/c\\\"md\":{\"i\":-5,\"u\":18446744073709551615,"
			    "\"s\":\"q\\\"b\\\\c\\n\\u0001\x7f\xc3\xa9\\ufffd\\ufffd\\ufffd\","
			    "\"a\":[\"x\",\"\"],\"k\":{}}}");
	v = parse(buf);
	assert_string_equal(tj_get(tj_get(v, "/c\"md"), "s")->str,
			    "q\"b\\c\n\x01\x7f\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	tj_free(v);
	hm_telemetry_data_free(d);
	hm_telemetry_data_free(k);

	/* strings: truncated at a character boundary, -E2BIG */
	d = hm_telemetry_data_alloc();
	memset(big, 'a', sizeof(big));
	big[HM_TELEMETRY_MAX_SINGLE_STRING_LEN - 2] = (char)0xc3; /* a 2-byte char at the cut */
	big[HM_TELEMETRY_MAX_SINGLE_STRING_LEN - 1] = (char)0xa9;
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(hm_telemetry_data_string(d, big), -E2BIG);
	n = hm_telemetry_data_json(d, "/s", buf, sizeof(buf));
	assert_int_equal(n, (int)strlen("{\"/s\":\"\"}") + HM_TELEMETRY_MAX_SINGLE_STRING_LEN - 2);
	hm_telemetry_data_start_array(d, HM_TELEMETRY_STRING);
	big[200] = '\0';
	assert_int_equal(hm_telemetry_data_add_array_string(d, big), -E2BIG);
	hm_telemetry_data_json(d, "/s", buf, sizeof(buf));
	assert_int_equal(strlen(buf), strlen("{\"/s\":[\"\"]}") + HM_TELEMETRY_MAX_STRING_LEN - 1);

	/* caps */
	hm_telemetry_data_start_array(d, HM_TELEMETRY_U64);
	for (int i = 0; i < HM_TELEMETRY_MAX_ARRAY_ENTRIES; i++)
		assert_int_equal(hm_telemetry_data_add_array_u64(d, UINT64_MAX - (uint64_t)i), 0);
	assert_int_equal(hm_telemetry_data_add_array_u64(d, 1), -ENOSPC);
	/* 512 strings of 100 characters do not fit 16 KiB: a prefix of whole
	 * entries, valid JSON, and the next one would not have fitted */
	hm_telemetry_data_start_array(d, HM_TELEMETRY_STRING);
	big[100] = '\0';
	for (int i = 0; i < HM_TELEMETRY_MAX_ARRAY_ENTRIES; i++)
		assert_int_equal(hm_telemetry_data_add_array_string(d, big), 0);
	n = hm_telemetry_data_json(d, "/big", buf, sizeof(buf));
	assert_true(n > 0 && n < HM_TELEMETRY_MAX_OUTPUT_LEN);
	v = parse(buf);
	{
		const struct tj *arr = tj_get(v, "/big");
		/* {"/big":[ (9) "a..a" (102) ,"a..a" (103 each) ]} (2), NUL */
		assert_int_equal(arr->n, (HM_TELEMETRY_MAX_OUTPUT_LEN - 1 - 9 - 2 + 1) / 103);
		for (uint32_t i = 0; i < arr->n; i++)
			assert_string_equal(arr->kids[i].str, big);
		assert_true((size_t)n + 103 > HM_TELEMETRY_MAX_OUTPUT_LEN - 1);
	}
	tj_free(v);
	hm_telemetry_data_start_dict(d);
	for (int i = 0; i < HM_TELEMETRY_MAX_DICT_ENTRIES; i++) {
		char nm[16];
		snprintf(nm, sizeof(nm), "k%d", i);
		assert_int_equal(hm_telemetry_data_add_dict_int(d, nm, i), 0);
	}
	assert_int_equal(hm_telemetry_data_add_dict_int(d, "more", 1), -ENOSPC);
	/* small buffers: always valid JSON */
	for (size_t cap = 20; cap < 200; cap += 7) {
		n = hm_telemetry_data_json(d, "/d", buf, cap);
		assert_true(n > 0 && (size_t)n < cap);
		tj_free(parse(buf));
	}
	hm_telemetry_data_free(d);
}

/* ------------------------------------------------------------------ commands */

static int seen_calls;

static int
cb_echo(const char *cmd, const char *params, void *arg, struct hm_telemetry_data *d)
{
	char buf[64];

	seen_calls++;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_string(d, "cmd", cmd);
	hm_telemetry_data_add_dict_string(d, "params", params != NULL ? params : "(null)");
	snprintf(buf, sizeof(buf), "%p", arg);
	hm_telemetry_data_add_dict_string(d, "arg", buf);
	/* a callback may not change the table or ask the server */
	hm_telemetry_data_add_dict_int(d, "reg", hm_telemetry_register_cmd("/t/in", cb_fail, "h"));
	hm_telemetry_data_add_dict_int(d, "unreg", hm_telemetry_unregister_cmd("/t/echo"));
	{
		static char out[HM_TELEMETRY_MAX_OUTPUT_LEN];
		hm_telemetry_data_add_dict_int(d, "exec", hm_telemetry_exec("/", out, sizeof(out)));
	}
	return 0;
}

static volatile int slow_in, slow_out;

static int
cb_slow(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	(void)cmd;
	(void)params;
	__atomic_store_n(&slow_in, 1, __ATOMIC_SEQ_CST);
	usleep(200000);
	hm_telemetry_data_string(d, "slow");
	__atomic_store_n(&slow_out, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void *
run_slow(void *arg)
{
	static char out[HM_TELEMETRY_MAX_OUTPUT_LEN];

	(void)arg;
	hm_telemetry_exec("/t/slow", out, sizeof(out));
	return NULL;
}

static void
test_telemetry_registry(void **state)
{
	static char buf[HM_TELEMETRY_MAX_OUTPUT_LEN];
	int marker;
	char argstr[64];
	pthread_t t;
	struct tj *v;
	const struct tj *o;

	(void)state;
	hm_test_quiet_log();
	assert_int_equal(hm_telemetry_register_cmd_arg("/t/echo", cb_echo, &marker, "echo"), 0);
	assert_true(hm_telemetry_exec("/t/echo,a,b c", buf, sizeof(buf)) > 0);
	v = parse(buf);
	o = tj_get(v, "/t/echo");
	assert_string_equal(field_str(o, "cmd"), "/t/echo");
	assert_string_equal(field_str(o, "params"), "a,b c");
	snprintf(argstr, sizeof(argstr), "%p", (void *)&marker);
	assert_string_equal(field_str(o, "arg"), argstr);
	{
		int64_t x;
		assert_true(tj_i64(tj_get(o, "reg"), &x) && x == -EDEADLK);
		assert_true(tj_i64(tj_get(o, "unreg"), &x) && x == -EDEADLK);
		assert_true(tj_i64(tj_get(o, "exec"), &x) && x == -EDEADLK);
	}
	tj_free(v);
	/* "/cmd," is "/cmd" without parameters */
	hm_telemetry_exec("/t/echo,", buf, sizeof(buf));
	v = parse(buf);
	assert_string_equal(field_str(tj_get(v, "/t/echo"), "params"), "(null)");
	tj_free(v);
	/* the help of a command; "/" lists it, in order */
	hm_telemetry_exec("/help,/t/echo", buf, sizeof(buf));
	assert_string_equal(buf, "{\"/help\":{\"/t/echo\":\"echo\"}}");
	hm_telemetry_exec("/help", buf, sizeof(buf));
	assert_string_equal(buf, "{\"/help\":null}");
	hm_telemetry_exec("/help,/none", buf, sizeof(buf));
	assert_string_equal(buf, "{\"/help\":null}");
	hm_telemetry_exec("/", buf, sizeof(buf));
	v = parse(buf);
	o = tj_get(v, "/");
	assert_non_null(o);
	for (uint32_t i = 1; i < o->n; i++)
		assert_true(strcmp(o->kids[i - 1].str, o->kids[i].str) < 0);
	tj_free(v);
	assert_int_equal(hm_telemetry_unregister_cmd("/t/echo"), 0);
	hm_telemetry_exec("/t/echo", buf, sizeof(buf));
	assert_string_equal(buf, "{\"/t/echo\":null}");

	/* unregister waits for a running callback */
	assert_int_equal(hm_telemetry_register_cmd("/t/slow", cb_slow, "slow"), 0);
	slow_in = slow_out = 0;
	assert_int_equal(pthread_create(&t, NULL, run_slow, NULL), 0);
	while (!__atomic_load_n(&slow_in, __ATOMIC_SEQ_CST))
		usleep(1000);
	assert_int_equal(hm_telemetry_unregister_cmd("/t/slow"), 0);
	assert_int_equal(__atomic_load_n(&slow_out, __ATOMIC_SEQ_CST), 1);
	pthread_join(t, NULL);

	/* the program's table is capped; hugemem's own commands still work */
	for (int i = 0;; i++) {
		char nm[32];
		snprintf(nm, sizeof(nm), "/t/c%d", i);
		int rc = hm_telemetry_register_cmd(nm, cb_fail, "h");
		if (rc == -ENOSPC) {
			assert_int_equal(i, HM_TELEMETRY_MAX_COMMANDS);
			break;
		}
		assert_int_equal(rc, 0);
	}
	hm_telemetry_exec("/info", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"max_output_len\":16384"));
	assert_int_equal(hm_telemetry_check(NULL), 0);
	for (int i = 0; i < HM_TELEMETRY_MAX_COMMANDS; i++) {
		char nm[32];
		snprintf(nm, sizeof(nm), "/t/c%d", i);
		assert_int_equal(hm_telemetry_unregister_cmd(nm), 0);
	}
	/* a failing command answers null */
	assert_int_equal(hm_telemetry_register_cmd("/t/fail", cb_fail, "fails"), 0);
	hm_telemetry_exec("/t/fail,1", buf, sizeof(buf));
	assert_string_equal(buf, "{\"/t/fail\":null}");
	assert_int_equal(hm_telemetry_unregister_cmd("/t/fail"), 0);
}

/* ------------------------------------------------------------------ the socket */

struct zone_seen {
	int count;
	const struct hm_memzone *zones[64];
};

static int
zones_cb(const struct hm_memzone *z, void *arg)
{
	struct zone_seen *s = arg;

	if (s->count < 64)
		s->zones[s->count] = z;
	s->count++;
	return 0;
}

static void
test_telemetry_protocol(void **state)
{
	static char greet[1024];
	const char *path;
	const struct tj *val;
	struct tj *v, *g;
	struct hm_mempool *mp;
	struct hm_ring *r;
	struct zone_seen zs = { 0 };
	char expect[PATH_MAX], cmd[128];
	int fd;

	(void)state;
	start("tproto", NULL);
	path = hm_telemetry_socket_path();
	assert_non_null(path);
	snprintf(expect, sizeof(expect), "%s/dpdk/tproto/dpdk_telemetry.v2", run_base);
	assert_string_equal(path, expect);
	{
		char p2[PATH_MAX];
		assert_int_equal(hm_telemetry_path("tproto", 0, p2, sizeof(p2)), 0);
		assert_string_equal(p2, expect);
	}
	mp = hm_mempool_create("tpool", 1023, 128, 32, 0, NULL, NULL, NULL, NULL, 1, 0);
	assert_non_null(mp);
	r = hm_ring_create("tring", 64, 0, 0);
	assert_non_null(r);
	for (int i = 0; i < 5; i++)
		assert_int_equal(hm_ring_enqueue(r, (void *)(uintptr_t)(i + 1)), 0);

	/* greeting: DPDK's three keys */
	fd = connect_raw(path);
	assert_true(recv_one(fd, greet, sizeof(greet)) > 0);
	g = parse(greet);
	assert_int_equal(g->n, 3);
	assert_true(strncmp(field_str(g, "version"), "hugemem ", 8) == 0);
	assert_int_equal(field_u64(g, "pid"), (uint64_t)getpid());
	assert_int_equal(field_u64(g, "max_output_len"), HM_TELEMETRY_MAX_OUTPUT_LEN);
	tj_free(g);

	/* "/": every command of the issue is there */
	v = ask(fd, "/", &val);
	{
		static const char *const want[] = {
			"/", "/info", "/help", "/eal/params", "/eal/app_params", "/eal/heap_list",
			"/eal/heap_info", "/eal/memzone_list", "/eal/memzone_info", "/mempool/list",
			"/mempool/info", "/hugemem/info", "/hugemem/memseg_lists",
			"/hugemem/memseg_list", "/hugemem/pages", "/hugemem/backend",
			"/hugemem/rings", "/hugemem/ring", "/hugemem/lcores", "/hugemem/telemetry",
		};
		for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
			bool found = false;
			for (uint32_t i = 0; i < val->n; i++)
				found |= strcmp(val->kids[i].str, want[w]) == 0;
			if (!found)
				fail_msg("command %s is not listed", want[w]);
		}
	}
	tj_free(v);

	v = ask(fd, "/info", &val);
	assert_int_equal(field_u64(val, "max_output_len"), HM_TELEMETRY_MAX_OUTPUT_LEN);
	tj_free(v);

	/* /eal/params: the program name and hugemem's options; app args after "--" */
	v = ask(fd, "/eal/params", &val);
	assert_int_equal(val->n, 4);
	assert_string_equal(val->kids[0].str, "test");
	assert_string_equal(val->kids[1].str, "--file-prefix=tproto");
	assert_string_equal(val->kids[3].str, "--in-memory");
	tj_free(v);
	v = ask(fd, "/eal/app_params", &val);
	assert_int_equal(val->n, 1);
	assert_string_equal(val->kids[0].str, "app-arg");
	tj_free(v);

	/* memzones: the list is the walk's, each info the zone's own fields */
	hm_memzone_walk(zones_cb, &zs);
	v = ask(fd, "/eal/memzone_list", &val);
	assert_int_equal((int)val->n, zs.count);
	for (uint32_t i = 0; i < val->n && i < 64; i++) {
		const struct hm_memzone *z = zs.zones[i];
		const struct tj *info;
		struct tj *vi;
		char hex[32];
		uint64_t idx;

		assert_true(tj_u64(&val->kids[i], &idx));
		snprintf(cmd, sizeof(cmd), "/eal/memzone_info,%" PRIu64, idx);
		vi = ask(fd, cmd, &info);
		assert_int_equal(field_u64(info, "Zone"), idx);
		assert_string_equal(field_str(info, "Name"), z->name);
		assert_int_equal(field_u64(info, "Length"), z->len);
		snprintf(hex, sizeof(hex), "0x%" PRIx64, z->addr_64);
		assert_string_equal(field_str(info, "Address"), hex);
		assert_int_equal(field_u64(info, "Socket"), (uint64_t)z->socket_id);
		assert_int_equal(field_u64(info, "Hugepage_size"), z->hugepage_sz);
		assert_int_equal(field_u64(info, "Flags"), z->flags);
		snprintf(hex, sizeof(hex), "0x%" PRIx64, z->addr_64 / z->hugepage_sz * z->hugepage_sz);
		assert_string_equal(field_str(info, "Hugepage_base"), hex);
		assert_int_equal(field_u64(info, "Hugepage_used"),
				 (HM_ALIGN_CEIL(z->addr_64 + z->len, z->hugepage_sz) -
				  HM_ALIGN_FLOOR(z->addr_64, z->hugepage_sz)) / z->hugepage_sz);
		tj_free(vi);
	}
	tj_free(v);

	/* mempools */
	v = ask(fd, "/mempool/list", &val);
	assert_int_equal(val->n, 1);
	assert_string_equal(val->kids[0].str, "tpool");
	tj_free(v);
	{
		void *objs[10];
		struct hm_mempool_stats st;
		for (int i = 0; i < 10; i++)
			assert_int_equal(hm_mempool_get(mp, &objs[i]), 0);
		assert_int_equal(hm_mempool_stats_get(mp, &st), 0);
		v = ask(fd, "/mempool/info,tpool", &val);
		assert_string_equal(field_str(val, "name"), "tpool");
		assert_int_equal(field_u64(val, "size"), 1023);
		assert_int_equal(field_u64(val, "cache_size"), 32);
		assert_int_equal(field_u64(val, "elt_size"), mp->elt_size);
		assert_int_equal(field_u64(val, "header_size"), mp->header_size);
		assert_int_equal(field_u64(val, "trailer_size"), mp->trailer_size);
		assert_int_equal(field_u64(val, "populated_size"), 1023);
		assert_int_equal(field_u64(val, "socket_id"), 1);
		assert_int_equal(field_u64(val, "total_cache_count"), st.cached);
		assert_int_equal(field_u64(val, "common_pool_count"), st.backend);
		assert_int_equal(field_u64(val, "total_cache_count") +
				 field_u64(val, "common_pool_count"), 1023 - 10);
		assert_string_equal(field_str(val, "mz_name"), "MP_tpool");
		tj_free(v);
		for (int i = 0; i < 10; i++)
			hm_mempool_put(mp, objs[i]);
	}
	/* rings: count and capacity as the ring says */
	v = ask(fd, "/hugemem/rings", &val);
	{
		bool found = false;
		for (uint32_t i = 0; i < val->n; i++)
			found |= strcmp(val->kids[i].str, "tring") == 0;
		assert_true(found);
	}
	tj_free(v);
	v = ask(fd, "/hugemem/ring,tring", &val);
	assert_int_equal(field_u64(val, "used_count"), 5);
	assert_int_equal(field_u64(val, "capacity"), hm_ring_get_capacity(r));
	assert_int_equal(field_u64(val, "size"), hm_ring_get_size(r));
	tj_free(v);

	/* heaps: the list is the heaps holding memory, the info their stats */
	v = ask(fd, "/eal/heap_list", &val);
	{
		uint32_t k = 0;
		bool cached_seen = false;
		void *small[8];
		/* small blocks freed on this lcore stay in its cache: Cached_* */
		for (int i = 0; i < 8; i++)
			assert_non_null(small[i] = hm_malloc_socket("tcache", 200, 0, 0));
		for (int i = 0; i < 8; i++)
			hm_free(small[i]);
		for (int node = 0; node < 2; node++) {
			struct hm_malloc_socket_stats ms;
			const struct tj *info;
			struct tj *vi;
			assert_int_equal(hm_malloc_get_socket_stats(node, &ms), 0);
			if (ms.heap_totalsz_bytes == 0)
				continue;
			uint64_t id;
			assert_true(k < val->n && tj_u64(&val->kids[k++], &id) && id == (uint64_t)node);
			snprintf(cmd, sizeof(cmd), "/eal/heap_info,%d", node);
			vi = ask(fd, cmd, &info);
			assert_int_equal(field_u64(info, "Heap_id"), (uint64_t)node);
			assert_string_equal(field_str(info, "Name"), node == 0 ? "socket_0" : "socket_1");
			assert_int_equal(field_u64(info, "Heap_size"), ms.heap_totalsz_bytes);
			assert_int_equal(field_u64(info, "Free_size"), ms.heap_freesz_bytes);
			assert_int_equal(field_u64(info, "Alloc_size"), ms.heap_allocsz_bytes);
			assert_int_equal(field_u64(info, "Greatest_free_size"), ms.greatest_free_size);
			assert_int_equal(field_u64(info, "Alloc_count"), ms.alloc_count);
			assert_int_equal(field_u64(info, "Free_count"), ms.free_count);
			assert_int_equal(field_u64(info, "Socket_id"), (uint64_t)node);
			assert_int_equal(field_u64(info, "Cached_size"), ms.cached_bytes);
			assert_int_equal(field_u64(info, "Cached_count"), ms.cached_count);
			cached_seen |= node == 0 && ms.cached_count >= 8;
			tj_free(vi);
		}
		assert_true(cached_seen);
		/* the same blocks by lcore: all of them in this (the main) lcore's cache */
		{
			struct hm_malloc_socket_stats m0;
			const struct tj *me, *ci;
			char nm[32];
			struct tj *vc = ask(fd, "/hugemem/malloc_caches", &ci);
			assert_int_equal(hm_malloc_get_socket_stats(0, &m0), 0);
			assert_int_equal(field_u64(ci, "cap"), 32);
			assert_int_equal(field_u64(ci, "classes"), 16);
			assert_int_equal(field_u64(ci, "max_block"), 1024);
			snprintf(nm, sizeof(nm), "lcore_%u", hm_lcore_id());
			me = tj_get(ci, nm);
			assert_non_null(me);
			assert_int_equal(field_u64(me, "socket_id"), 0);
			assert_int_equal(field_u64(me, "count"), m0.cached_count);
			assert_int_equal(field_u64(me, "bytes"), m0.cached_bytes);
			assert_int_equal(field_u64(ci, "count"), m0.cached_count);
			assert_int_equal(field_u64(ci, "bytes"), m0.cached_bytes);
			/* every enabled lcore with a node heap has one, and only those */
			for (unsigned int l = 0; l < HM_MAX_LCORE; l++) {
				snprintf(nm, sizeof(nm), "lcore_%u", l);
				assert_true((tj_get(ci, nm) != NULL) == hm_lcore_is_enabled(l));
			}
			tj_free(vc);
			assert_true(hm_malloc_cache_flush() >= 8);
			vc = ask(fd, "/hugemem/malloc_caches", &ci);
			assert_int_equal(field_u64(ci, "count"), 0);
			assert_int_equal(field_u64(ci, "bytes"), 0);
			tj_free(vc);
		}
		assert_int_equal(k, val->n);
		assert_true(k == 2); /* the ring on node 0, the pool on node 1 */
	}
	tj_free(v);

	/* memseg lists and pages: the library's own counts */
	v = ask(fd, "/hugemem/memseg_lists", &val);
	assert_int_equal(val->n, hm_memseg_list_count());
	tj_free(v);
	v = ask(fd, "/hugemem/memseg_list,0", &val);
	assert_int_equal(field_u64(val, "index"), 0);
	tj_free(v);
	v = ask(fd, "/hugemem/pages", &val);
	for (int node = 0; node < 2; node++) {
		char nm[16];
		snprintf(nm, sizeof(nm), "node_%d", node);
		assert_int_equal(field_u64(tj_get(val, nm), "mapped_bytes"),
				 (uint64_t)hm_memseg_mapped_bytes(node));
		assert_int_equal(field_u64(tj_get(tj_get(val, nm), "2M"), "pages") * (2u << 20),
				 (uint64_t)hm_memseg_mapped_bytes(node));
	}
	tj_free(v);
	v = ask(fd, "/hugemem/info", &val);
	assert_string_equal(field_str(val, "backend"), "emu");
	assert_string_equal(field_str(val, "file_prefix"), "tproto");
	assert_int_equal(field_u64(val, "nodes"), 2);
	assert_int_equal(field_u64(val, "lcores"), hm_lcore_count());
	assert_string_equal(field_str(val, "telemetry_socket"), path);
	tj_free(v);
	v = ask(fd, "/hugemem/lcores", &val);
	assert_int_equal(tj_get(val, "node_1")->n, 2);
	tj_free(v);
	/* the backend's counters: an injected fault is counted */
	hm_test_quiet_log();
	assert_int_equal(hm_backend_fault("nth=1"), 0);
	assert_null(hm_malloc_socket("big", 8u << 20, 0, 0)); /* needs new pages: fails */
	hm_log_set_hook(capture_log, NULL);
	v = ask(fd, "/hugemem/backend", &val);
	assert_string_equal(field_str(val, "name"), "emu");
	{
		const struct tj *c = tj_get(val, "counters");
		assert_int_equal(c->type, TJ_OBJ);
		assert_int_equal(field_u64(c, "faults_injected_nth"), 1);
		assert_true(field_u64(c, "page_map_calls") >= 1);
		assert_int_equal(field_u64(c, "pages_in_use_2M_node1"),
				 (uint64_t)hm_test_pages_in_use(1, 2u << 20));
		assert_int_equal(field_u64(c, "pages_total_2M_node0"), 64);
	}
	tj_free(v);
	v = ask(fd, "/hugemem/telemetry", &val);
	assert_int_equal(field_u64(val, "clients"), 1);
	tj_free(v);

	/* bad parameters answer null */
	static const char *const nulls[] = {
		"/eal/memzone_info", "/eal/memzone_info,x", "/eal/memzone_info,99999",
		"/eal/memzone_info,-1", "/eal/memzone_info,1 ", "/mempool/info",
		"/mempool/info,nope", "/hugemem/ring,nope", "/hugemem/memseg_list,999",
		"/eal/heap_info", "/eal/heap_info,31", "/eal/heap_info,32", "/hugemem/heap_map,99",
		"/hugemem/heap_map_elems,0", "/hugemem/heap_map_segs",
		"/no/such/command",
	};
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++) {
		static char reply[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
		char want[256], key[128];
		snprintf(key, sizeof(key), "%s", nulls[i]);
		if (strchr(key, ',') != NULL)
			*strchr(key, ',') = '\0';
		snprintf(want, sizeof(want), "{\"%s\":null}", key);
		assert_true(hm_telemetry_query(fd, nulls[i], reply, sizeof(reply), 5000) > 0);
		assert_string_equal(reply, want);
	}
	close(fd);
	hm_ring_free(r);
	hm_mempool_free(mp);
	assert_int_equal(hm_telemetry_check(NULL), 0);
	hm_cleanup();
	/* cleanup removed the socket and the directory it made */
	assert_int_equal(access(expect, F_OK), -1);
	*strrchr(expect, '/') = '\0';
	assert_int_equal(access(expect, F_OK), -1);
}

/* Malformed and oversized requests: an error reply, the connection stays. */
static void
test_telemetry_bad_requests(void **state)
{
	static char buf[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	static char big[20000];
	struct hm_telemetry_stats st;
	const char *path;
	int fd;

	(void)state;
	start("tbad", NULL);
	path = hm_telemetry_socket_path();
	fd = connect_raw(path);
	assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
	static const struct {
		const char *msg;
		size_t len;
	} bad[] = {
		{ "info", 4 }, { "/in\x01" "fo", 6 }, { "/\xff\xfe", 3 }, { "/a\0b", 4 },
		{ "\n", 1 }, { "/\xed\xa0\x80", 4 }, { "/\xc0\xaf", 3 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tj *v;
		assert_int_equal(send(fd, bad[i].msg, bad[i].len, 0), (ssize_t)bad[i].len);
		assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
		v = parse(buf);
		assert_int_equal(v->n, 1);
		assert_string_equal(v->kids[0].name, "error");
		tj_free(v);
	}
	/* oversized: 1025 bytes and 20000 bytes */
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	assert_int_equal(send(fd, big, HM_TELEMETRY_MAX_MSG_LEN + 1, 0), HM_TELEMETRY_MAX_MSG_LEN + 1);
	assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"error\":\"request of 1025 bytes is longer than 1024\""));
	assert_int_equal(send(fd, big, sizeof(big), 0), (ssize_t)sizeof(big));
	assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "request of 20000 bytes"));
	/* exactly 1024 bytes: an unknown command, answered null with its name */
	assert_int_equal(send(fd, big, HM_TELEMETRY_MAX_MSG_LEN, 0), HM_TELEMETRY_MAX_MSG_LEN);
	assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
	assert_int_equal(strlen(buf), HM_TELEMETRY_MAX_MSG_LEN + strlen("{\"\":null}"));
	/* a line ending typed by a person is forgiven */
	assert_int_equal(send(fd, "/info\r\n", 7, 0), 7);
	assert_true(recv_one(fd, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "{\"/info\":{"));
	/* still served */
	assert_true(hm_telemetry_query(fd, "/info", buf, sizeof(buf), 5000) > 0);
	assert_int_equal(hm_telemetry_stats_get(&st), 0);
	assert_int_equal(st.bad, 9);
	assert_int_equal(st.unknown, 1);
	/* a zero-length message is the end of the connection (as in DPDK) */
	assert_int_equal(send(fd, "", 0, 0), 0);
	assert_int_equal(recv_one(fd, buf, sizeof(buf)), 0);
	close(fd);
	hm_cleanup();
}

/* Count the clients the server holds (through a fresh connection). */
static uint64_t
server_clients(const char *path)
{
	static char buf[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	struct hm_telemetry_stats st;

	(void)path;
	(void)buf;
	assert_int_equal(hm_telemetry_stats_get(&st), 0);
	return st.clients;
}

static void
wait_clients(const char *path, uint64_t n)
{
	for (int i = 0; i < 500 && server_clients(path) != n; i++)
		usleep(10000);
	assert_int_equal(server_clients(path), n);
}

/*
 * A client that never reads, and a hundred at once: the cap holds, the extra
 * ones are told why and closed, the stalled one is dropped, every served
 * client is answered correctly, and the heaps are untouched.
 */
static void
test_telemetry_hostile_clients(void **state)
{
	static char buf[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	struct hm_telemetry_stats st;
	int fds[100], served = 0, refused = 0, lazy;
	const char *path;
	const char *why;
	void *p;

	(void)state;
	start("thostile", NULL);
	path = hm_telemetry_socket_path();
	p = hm_malloc("keep", 4096, 0);
	assert_non_null(p);
	memset(p, 0x5a, 4096);

	/* the lazy client: asks and asks, never reads a reply */
	lazy = connect_raw(path);
	for (int i = 0; i < 2000; i++) {
		if (send(lazy, "/", 1, MSG_DONTWAIT) < 0) {
			assert_true(errno == EAGAIN || errno == EPIPE || errno == ECONNRESET);
			break;
		}
	}
	/* meanwhile another one is served */
	{
		int fd = hm_telemetry_connect(path, NULL, 0, 5000);
		assert_true(fd >= 0);
		assert_true(hm_telemetry_query(fd, "/hugemem/info", buf, sizeof(buf), 5000) > 0);
		close(fd);
	}
	/* the lazy one is dropped within the stall time */
	for (int i = 0; i < 600; i++) {
		assert_int_equal(hm_telemetry_stats_get(&st), 0);
		if (st.dropped == 1)
			break;
		usleep(10000);
	}
	assert_int_equal(st.dropped, 1);
	close(lazy);
	wait_clients(path, 0);

	/* a hundred at once */
	for (int i = 0; i < 100; i++) {
		fds[i] = connect_raw(path);
		assert_true(fds[i] >= 0);
	}
	for (int i = 0; i < 100; i++) {
		struct tj *g;
		assert_true(recv_one(fds[i], buf, sizeof(buf)) > 0);
		g = parse(buf);
		if (tj_get(g, "max_output_len") != NULL) {
			served++;
		} else {
			refused++;
			assert_non_null(strstr(field_str(g, "error"), "serves 32 clients at once"));
			assert_int_equal(recv_one(fds[i], buf, sizeof(buf)), 0); /* then closed */
			close(fds[i]);
			fds[i] = -1;
		}
		tj_free(g);
	}
	assert_int_equal(served, HM_TELEMETRY_MAX_CLIENTS);
	assert_int_equal(refused, 100 - HM_TELEMETRY_MAX_CLIENTS);
	/* every served client gets its own, correct answers */
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 100; i++) {
			struct tj *v;
			const struct tj *val;
			if (fds[i] < 0)
				continue;
			v = ask(fds[i], "/eal/params", &val);
			assert_string_equal(val->kids[1].str, "--file-prefix=thostile");
			tj_free(v);
		}
	assert_int_equal(hm_telemetry_stats_get(&st), 0);
	assert_int_equal(st.clients, HM_TELEMETRY_MAX_CLIENTS);
	assert_int_equal(st.refused, 100 - HM_TELEMETRY_MAX_CLIENTS);
	assert_int_equal(hm_telemetry_check(&why), 0);
	for (int i = 0; i < 100; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	wait_clients(path, 0);
	/* the process's memory is as it was */
	for (int i = 0; i < 4096; i++)
		assert_int_equal(((unsigned char *)p)[i], 0x5a);
	assert_int_equal(hm_malloc_check(&why), 0);
	assert_int_equal(hm_free(p), 0);
	hm_cleanup();
}

/*
 * The data path running while a client asks everything: two lcore threads
 * get and put mbuf-sized objects, move them through a ring and malloc/free
 * small and large blocks (heap growth and lcore caches), while a client loops
 * over every command, heap maps included. Under ThreadSanitizer (make
 * test-tsan) this is the race check of every command; everywhere the
 * validators pass and nothing is lost.
 */
struct worker {
	struct hm_mempool *mp;
	struct hm_ring *r;
	volatile int *stop;
	uint64_t ops;
	int err;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	void *objs[32], *blocks[64] = { NULL };
	uint64_t rng = 77 + (uintptr_t)w;

	if (hm_thread_register() < 0) {
		w->err = 1;
		return NULL;
	}
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		unsigned int k = (unsigned int)(hm_test_rand(&rng) % 64);
		if (hm_mempool_get_bulk(w->mp, objs, 32) == 0) {
			for (int i = 0; i < 32; i++)
				if (hm_ring_enqueue(w->r, objs[i]) != 0)
					hm_mempool_put(w->mp, objs[i]);
			for (int i = 0; i < 32; i++) {
				void *o;
				if (hm_ring_dequeue(w->r, &o) == 0)
					hm_mempool_put(w->mp, o);
			}
		}
		if (blocks[k] != NULL) {
			if (hm_free(blocks[k]) != 0)
				w->err = 1;
			blocks[k] = NULL;
		} else {
			size_t sz = k % 8 == 0 ? (1u << 20) + k * 4096 : 64 + k * 8;
			blocks[k] = hm_malloc(k % 2 ? "w_odd" : "w_even", sz, 0);
		}
		w->ops++;
	}
	for (int k = 0; k < 64; k++)
		if (blocks[k] != NULL && hm_free(blocks[k]) != 0)
			w->err = 1;
	hm_thread_unregister();
	return NULL;
}

static void
test_telemetry_with_data_path(void **state)
{
	static char reply[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	static const char *const cmds[] = {
		"/", "/info", "/eal/params", "/eal/heap_list", "/eal/heap_info,0", "/eal/heap_info,1",
		"/eal/memzone_list", "/eal/memzone_info,0", "/eal/memzone_info,1", "/mempool/list",
		"/mempool/info,tdp", "/hugemem/info", "/hugemem/lcores", "/hugemem/memseg_lists",
		"/hugemem/memseg_list,0", "/hugemem/pages", "/hugemem/backend", "/hugemem/rings",
		"/hugemem/ring,tdp_ring", "/hugemem/telemetry", "/hugemem/heap_map,0",
		"/hugemem/heap_map_segs,0", "/hugemem/heap_map_pages,0", "/hugemem/heap_map_elems,0",
		"/hugemem/heap_map,1", "/hugemem/heap_map_elems,0",
	};
	volatile int stop = 0;
	struct worker w[2];
	pthread_t t[2];
	const char *why;
	int fd;

	(void)state;
	start("tdata", NULL);
	struct hm_mempool *mp = hm_mempool_create("tdp", 4095, 192, 64, 0, NULL, NULL, NULL, NULL,
						  HM_SOCKET_ID_ANY, 0);
	struct hm_ring *r = hm_ring_create("tdp_ring", 1024, HM_SOCKET_ID_ANY, 0);
	assert_non_null(mp);
	assert_non_null(r);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct worker){ .mp = mp, .r = r, .stop = &stop };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	fd = hm_telemetry_connect(hm_telemetry_socket_path(), NULL, 0, 5000);
	assert_true(fd >= 0);
	for (int round = 0; round < (HM_TEST_TSAN ? 3 : 10); round++)
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			int n = hm_telemetry_query(fd, cmds[i], reply, sizeof(reply), 20000);
			assert_true(n > 0);
			tj_free(parse(reply));
		}
	close(fd);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].err, 0);
		assert_true(w[i].ops > 0);
	}
	assert_int_equal(hm_mempool_avail_count(mp), 4095);
	assert_int_equal(hm_ring_count(r), 0);
	assert_int_equal(hm_malloc_check(&why), 0);
	assert_int_equal(hm_telemetry_check(&why), 0);
	hm_ring_free(r);
	hm_mempool_free(mp);
	hm_cleanup();
}

/* ------------------------------------------------------------------ placement */

struct fake {
	int fd;
	pthread_t t;
	const char *greeting;
	volatile int stop;
};

static void *
fake_main(void *arg)
{
	struct fake *f = arg;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd p = { .fd = f->fd, .events = POLLIN };
		if (poll(&p, 1, 20) == 1) {
			int c = accept(f->fd, NULL, NULL);
			if (c >= 0) {
				(void)!send(c, f->greeting, strlen(f->greeting), MSG_NOSIGNAL);
				close(c);
			}
		}
	}
	return NULL;
}

static void
fake_start(struct fake *f, const char *path, const char *greeting)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	f->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->fd, 8), 0);
	f->greeting = greeting;
	f->stop = 0;
	assert_int_equal(pthread_create(&f->t, NULL, fake_main, f), 0);
}

static void
fake_stop(struct fake *f, const char *path)
{
	__atomic_store_n(&f->stop, 1, __ATOMIC_RELEASE);
	pthread_join(f->t, NULL);
	close(f->fd);
	unlink(path);
}

static void
test_telemetry_placement(void **state)
{
	char dir[PATH_MAX], v2[PATH_MAX], v21[PATH_MAX], link[PATH_MAX];
	struct fake fk;
	struct stat st;
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/dpdk/tplace", run_base);
	snprintf(v2, sizeof(v2), "%s/dpdk_telemetry.v2", dir);
	snprintf(v21, sizeof(v21), "%s/dpdk_telemetry.v2:1", dir);
	snprintf(link, sizeof(link), "%s/dpdk", run_base);
	mkdir(link, 0700);
	mkdir(dir, 0700);

	/* another live hugemem holds the name: the next instance, as DPDK */
	fake_start(&fk, v2, "{\"version\":\"hugemem 0.1.0\",\"pid\":1,\"max_output_len\":16384}");
	start("tplace", NULL);
	assert_non_null(hm_telemetry_socket_path());
	assert_string_equal(hm_telemetry_socket_path(), v21);
	{
		struct hm_telemetry_stats s;
		char p[PATH_MAX];
		assert_int_equal(hm_telemetry_stats_get(&s), 0);
		assert_int_equal(s.instance, 1);
		assert_int_equal(hm_telemetry_path("tplace", 1, p, sizeof(p)), 0);
		assert_string_equal(p, v21);
	}
	hm_cleanup();
	assert_int_equal(access(v21, F_OK), -1);
	assert_int_equal(access(v2, F_OK), 0); /* the other one's stays */
	fake_stop(&fk, v2);

	/* a live DPDK process: never taken over, a warning names it, init goes on */
	fake_start(&fk, v2, "{\"version\": \"DPDK 22.11.1\", \"pid\": 4242, \"max_output_len\": 16384}");
	start("tplace", NULL);
	assert_null(hm_telemetry_socket_path());
	assert_non_null(strstr(warnings, "DPDK 22.11.1"));
	assert_non_null(strstr(warnings, "--no-telemetry"));
	assert_non_null(hm_malloc("x", 64, 0)); /* hugemem works */
	hm_cleanup();
	fd = hm_telemetry_connect(v2, NULL, 0, 2000); /* DPDK's socket still answers */
	assert_true(fd >= 0);
	close(fd);
	fake_stop(&fk, v2);

	/* a dead socket (its process gone) is replaced */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", v2);
		assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(s);
	}
	start("tplace", NULL);
	assert_string_equal(hm_telemetry_socket_path(), v2);
	hm_cleanup();

	/* a regular file planted under the name: left alone, no telemetry */
	mkdir(dir, 0700);
	fd = open(v2, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	start("tplace", NULL);
	assert_null(hm_telemetry_socket_path());
	assert_non_null(strstr(warnings, "not a socket of ours"));
	hm_cleanup();
	assert_int_equal(stat(v2, &st), 0);
	assert_int_equal(st.st_size, 4);
	unlink(v2);

	/* a directory others may write: refused */
	assert_int_equal(chmod(dir, 0777), 0);
	start("tplace", NULL);
	assert_null(hm_telemetry_socket_path());
	assert_non_null(strstr(warnings, "not writable by others"));
	hm_cleanup();
	rmdir(dir);

	/* a symlink as the directory: refused, its target untouched */
	snprintf(link, sizeof(link), "%s/dpdk", run_base);
	mkdir(link, 0700);
	snprintf(link, sizeof(link), "%s/dpdk/tplace-target", run_base);
	mkdir(link, 0700);
	assert_int_equal(symlink(link, dir), 0);
	start("tplace", NULL);
	assert_null(hm_telemetry_socket_path());
	assert_non_null(strstr(warnings, "symbolic link"));
	hm_cleanup();
	assert_int_equal(hm_test_count_files(link), 0);
	unlink(dir);
	rmdir(link);

	/* --no-telemetry: no socket, no directory */
	start("tplace", "--no-telemetry");
	assert_null(hm_telemetry_socket_path());
	assert_int_equal(access(dir, F_OK), -1);
	hm_cleanup();

	/* a child forked after init: its cleanup leaves the parent's server alone */
	start("tplace", NULL);
	{
		pid_t pid = fork();
		int status;
		if (pid == 0) {
			hm_cleanup();
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		fd = hm_telemetry_connect(v2, NULL, 0, 2000);
		assert_true(fd >= 0);
		close(fd);
	}
	hm_cleanup();
	assert_int_equal(access(dir, F_OK), -1);

	/* init -> cleanup cycles leak no fd */
	{
		int before = hm_test_count_fds();
		for (int i = 0; i < 20; i++) {
			start("tplace", NULL);
			assert_non_null(hm_telemetry_socket_path());
			hm_cleanup();
		}
		assert_int_equal(hm_test_count_fds(), before);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_telemetry_invalid_args),
		cmocka_unit_test(test_telemetry_data_json),
		cmocka_unit_test(test_telemetry_registry),
		cmocka_unit_test_teardown(test_telemetry_protocol, teardown),
		cmocka_unit_test_teardown(test_telemetry_bad_requests, teardown),
		cmocka_unit_test_teardown(test_telemetry_hostile_clients, teardown),
		cmocka_unit_test_teardown(test_telemetry_with_data_path, teardown),
		cmocka_unit_test_teardown(test_telemetry_placement, teardown),
	};

	return cmocka_run_group_tests(tests, setup_all, NULL);
}
