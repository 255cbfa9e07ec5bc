/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry, part 1: the reply data API and its JSON, the command table, and
 * where the socket goes and what it refuses. Part 2 (test_telemetry_socket.c):
 * the server spoken to over its socket as DPDK's client would, bad requests,
 * hostile clients, a client beside the data path. Runs on emu (--in-memory).
 * $RUNTIME_DIRECTORY (set by meson) keeps sockets out of /var/run. The
 * placement tests first remove what a killed earlier run of theirs left under
 * their prefix (a dead socket, a symlink, a 0777 directory), so one killed run
 * does not fail every later one.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include "telemetry_test_common.h"

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

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Remove @p path and everything below it (symlinks themselves, never their targets). */
static void
rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700);
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* What a killed run of test @p prefix may have left: <base>/dpdk/<prefix>*. */
static void
clear_leftovers(const char *prefix)
{
	static const char *const suffix[] = { "", "-target", "-other" };
	char p[PATH_MAX];

	for (unsigned int i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s/dpdk/%s%s", run_base, prefix, suffix[i]);
		rm_tree(p);
	}
	snprintf(p, sizeof(p), "%s/dpdk", run_base);
	mkdir(p, 0700);
}

/* A fresh, empty socket directory for @p prefix (what a killed run left is
 * removed first): its path in @p dir, instance 0's socket path in @p v2. */
static void
fresh_dir(const char *prefix, char *dir, char *v2)
{
	clear_leftovers(prefix);
	snprintf(dir, PATH_MAX, "%s/dpdk/%s", run_base, prefix);
	snprintf(v2, PATH_MAX, "%s/dpdk_telemetry.v2", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
}

static void
test_telemetry_placement(void **state)
{
	char dir[PATH_MAX], v2[PATH_MAX], v21[PATH_MAX], link[PATH_MAX];
	struct fake fk;
	struct stat st;
	int fd;

	(void)state;
	fresh_dir("tplace", dir, v2);
	snprintf(v21, sizeof(v21), "%s/dpdk_telemetry.v2:1", dir);

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
	assert_non_null(strstr(warnings, "in use by a running process"));
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

/* Bind a socket of @p type at @p path; @p listening: listen (never accept). */
static int
bind_at(const char *path, int type, bool listening)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening)
		assert_int_equal(listen(s, 8), 0);
	return s;
}

/* start() at @p v2 is refused with @p why in the warning; nothing there changes. */
static void
refused_at(const char *dir, const char *v2, const char *why)
{
	struct stat before, after;

	assert_int_equal(lstat(v2, &before), 0);
	start("tleft", NULL);
	assert_null(hm_telemetry_socket_path());
	if (strstr(warnings, why) == NULL)
		fail_msg("no '%s' in the warnings: %s", why, warnings);
	assert_non_null(strstr(warnings, "--no-telemetry"));
	assert_non_null(hm_malloc("x", 64, 0)); /* hugemem works without it */
	hm_cleanup();
	assert_int_equal(lstat(v2, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_mode, before.st_mode);
	assert_int_equal(after.st_uid, before.st_uid);
	assert_int_equal(hm_test_count_files(dir), 1); /* no instance :1 either */
}

/*
 * What may sit at the socket's name when the server starts, as DPDK's
 * telemetry decides (connect to it; refused: a dead process's, replace it),
 * but trusting only what is ours: a dead socket of ours is replaced; a live
 * listener (answering or not, any socket type), a symlink (even to a dead
 * socket of ours), a directory, another user's dead socket are refused and
 * left exactly as they were.
 */
static void
test_telemetry_socket_leftovers(void **state)
{
	char dir[PATH_MAX], v2[PATH_MAX], target[PATH_MAX], greet[512], pid[32];
	struct stat st;
	int s, fd;

	(void)state;
	fresh_dir("tleft", dir, v2);
	snprintf(target, sizeof(target), "%s/dpdk/tleft-target", run_base);
	assert_int_equal(mkdir(target, 0700), 0);

	/* a dead socket of ours (its process killed): replaced, and we serve there */
	close(bind_at(v2, SOCK_SEQPACKET, true));
	start("tleft", NULL);
	assert_non_null(hm_telemetry_socket_path());
	assert_string_equal(hm_telemetry_socket_path(), v2);
	assert_int_equal(hm_test_count_files(dir), 1); /* no temporary name left beside it */
	fd = hm_telemetry_connect(v2, greet, sizeof(greet), 2000);
	assert_true(fd >= 0);
	close(fd);
	snprintf(pid, sizeof(pid), "\"pid\":%d,", (int)getpid());
	assert_non_null(strstr(greet, pid));
	hm_cleanup();
	assert_int_equal(access(v2, F_OK), -1);
	assert_int_equal(access(dir, F_OK), 0); /* made by the test, not the server: kept */

	/* a live listener that says nothing (a stopped process): refused, still there */
	s = bind_at(v2, SOCK_SEQPACKET, true);
	refused_at(dir, v2, "in use by a running process (it said: nothing)");
	fd = connect_raw(v2);
	assert_true(fd >= 0); /* still listening */
	close(fd);
	close(s);
	unlink(v2);

	/* a live stream socket (another program's): refused, still there */
	s = bind_at(v2, SOCK_STREAM, true);
	refused_at(dir, v2, "a socket of another type");
	close(s);
	unlink(v2);

	/* a symlink to a dead socket of ours: refused (never followed), both untouched */
	snprintf(greet, sizeof(greet), "%s/dead.sock", target);
	close(bind_at(greet, SOCK_SEQPACKET, true));
	assert_int_equal(symlink(greet, v2), 0);
	refused_at(dir, v2, "a symbolic link");
	assert_int_equal(lstat(greet, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	unlink(v2);
	unlink(greet);

	/* a dangling symlink: refused, left as it is */
	assert_int_equal(symlink("/nonexistent/hm-tleft", v2), 0);
	refused_at(dir, v2, "a symbolic link");
	assert_int_equal(readlink(v2, greet, sizeof(greet)), (ssize_t)strlen("/nonexistent/hm-tleft"));
	unlink(v2);

	/* a directory under the name: refused, left */
	assert_int_equal(mkdir(v2, 0700), 0);
	refused_at(dir, v2, "a directory");
	rmdir(v2);

	/* another user's dead socket (root can make one): not ours to remove */
	if (geteuid() == 0) {
		close(bind_at(v2, SOCK_SEQPACKET, true));
		assert_int_equal(lchown(v2, 65534, 65534), 0);
		refused_at(dir, v2, "not a socket of ours (a socket of uid 65534");
		assert_int_equal(lstat(v2, &st), 0);
		assert_true(S_ISSOCK(st.st_mode) && st.st_uid == 65534);
		unlink(v2);
	} else {
		print_message("[  SKIP    ] another user's socket: needs root to chown one\n");
	}
	clear_leftovers("tleft");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_telemetry_invalid_args),
		cmocka_unit_test(test_telemetry_data_json),
		cmocka_unit_test(test_telemetry_registry),
		cmocka_unit_test_teardown(test_telemetry_placement, teardown),
		cmocka_unit_test_teardown(test_telemetry_socket_leftovers, teardown),
	};

	return cmocka_run_group_tests(tests, setup_all, NULL);
}
