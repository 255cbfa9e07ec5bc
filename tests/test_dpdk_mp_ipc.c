/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_mp_* IPC between a primary and real secondaries. This program is the
 * primary; it fork+execs itself (a fresh image, ASLR on) as secondaries:
 *
 *   test_dpdk_mp_ipc peer PREFIX LCORE serve    actions echo/fd/silent/die/quit;
 *                                               prints "ready", runs until "quit"
 *   test_dpdk_mp_ipc peer PREFIX LCORE mortal   the same, but "die" kills it (SIGKILL)
 *   test_dpdk_mp_ipc peer PREFIX LCORE ask      asks the primary (sync, async,
 *                                               sendmsg), checks, exits
 *
 * A secondary's stdout is a pipe the primary reads "ready" from; its log goes
 * to the test's stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hugemem.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "eal_mp_wire.h" /* core/dpdk: to play a buggy or lying peer */
#include "dpdk_test.h"
#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"

static const char *self_path;
static char prefix[80];
static unsigned int test_no;

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
msg_init(struct rte_mp_msg *m, const char *name, const void *param, int len)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->len_param = len;
	if (len > 0)
		memcpy(m->param, param, (size_t)len);
}

/* ------------------------------------------------------------ the secondaries */

static int quit_flag;
static bool mortal;

/* echo: the reply is this pid, then the request's bytes + 1 */
static int
act_echo(const struct rte_mp_msg *msg, const void *peer)
{
	struct rte_mp_msg r;
	int pid = (int)getpid();

	msg_init(&r, msg->name, &pid, sizeof(pid));
	for (int i = 0; i < msg->len_param && i + 4 < RTE_MP_MAX_PARAM_LEN; i++)
		r.param[4 + i] = (uint8_t)(msg->param[i] + 1);
	r.len_param = 4 + msg->len_param;
	return rte_mp_reply(&r, peer);
}

/* fd: read 5 bytes through the fd received, write "child" at 100, send it back */
static int
act_fd(const struct rte_mp_msg *msg, const void *peer)
{
	struct rte_mp_msg r;
	char buf[5] = { 0 };
	int rc;

	if (msg->num_fds != 1 || pread(msg->fds[0], buf, 5, 0) != 5 ||
	    pwrite(msg->fds[0], "child", 5, 100) != 5)
		return -1;
	msg_init(&r, msg->name, buf, 5);
	r.num_fds = 1;
	r.fds[0] = msg->fds[0];
	rc = rte_mp_reply(&r, peer);
	close(msg->fds[0]);
	return rc;
}

static int
act_silent(const struct rte_mp_msg *msg, const void *peer)
{
	(void)msg;
	(void)peer;
	return 0;
}

static int
act_die(const struct rte_mp_msg *msg, const void *peer)
{
	if (mortal)
		kill(getpid(), SIGKILL); /* dies holding the request */
	return act_echo(msg, peer);
}

static int
act_quit(const struct rte_mp_msg *msg, const void *peer)
{
	(void)msg;
	(void)peer;
	__atomic_store_n(&quit_flag, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
child_fail(const char *what)
{
	fprintf(stderr, "FAIL %s (rte_errno %d: %s)\n", what, rte_errno, strerror(rte_errno));
	return 1;
}

static int
child_init(const char *pfx, const char *lcore)
{
	return dpdk_test_eal_v((const char *const[]){ "--proc-type=secondary", "--no-huge",
						 "--file-prefix", pfx, "-l", lcore, NULL });
}

static int
child_serve(const char *pfx, const char *lcore)
{
	if (child_init(pfx, lcore) < 0)
		return child_fail("rte_eal_init");
	if (rte_mp_action_register("echo", act_echo) < 0 ||
	    rte_mp_action_register("fd", act_fd) < 0 ||
	    rte_mp_action_register("silent", act_silent) < 0 ||
	    rte_mp_action_register("die", act_die) < 0 ||
	    rte_mp_action_register("quit", act_quit) < 0)
		return child_fail("rte_mp_action_register");
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	for (int i = 0; i < 12000 && !__atomic_load_n(&quit_flag, __ATOMIC_ACQUIRE); i++)
		usleep(10000);
	if (!__atomic_load_n(&quit_flag, __ATOMIC_ACQUIRE))
		return child_fail("no quit message within 120 s");
	if (hm_dpdk_check(NULL) != 0)
		return child_fail("hm_dpdk_check");
	return rte_eal_cleanup() == 0 ? 0 : child_fail("rte_eal_cleanup");
}

static int async_done;
static struct rte_mp_reply async_reply;
static struct rte_mp_msg async_first;
static pthread_t async_thread;

/* copies what it is given: the EAL frees reply->msgs after the callback */
static int
async_cb(const struct rte_mp_msg *req, const struct rte_mp_reply *reply)
{
	(void)req;
	async_reply = *reply;
	async_reply.msgs = NULL;
	if (reply->nb_received > 0)
		async_first = reply->msgs[0];
	async_thread = pthread_self();
	__atomic_store_n(&async_done, 1, __ATOMIC_RELEASE);
	return 0;
}

static bool
wait_async(double max_s)
{
	double t0 = now_s();

	while (!__atomic_load_n(&async_done, __ATOMIC_ACQUIRE) && now_s() - t0 < max_s)
		usleep(2000);
	return __atomic_load_n(&async_done, __ATOMIC_ACQUIRE);
}

/* rte_eal_init must fail with EPERM (the primary called rte_mp_disable) and
 * leave nothing initialised */
static int
child_refused(const char *pfx, const char *lcore)
{
	if (child_init(pfx, lcore) >= 0)
		return child_fail("rte_eal_init succeeded");
	if (rte_errno != EPERM)
		return child_fail("rte_eal_init's rte_errno is not EPERM");
	if (hm_initialized() || rte_lcore_count() != 0)
		return child_fail("something was left initialised");
	return 0;
}

/* The primary leaves first: once its socket is gone, a secondary's messages
 * and requests fail with ECONNREFUSED. */
static int
child_orphan(const char *pfx, const char *lcore)
{
	struct rte_mp_msg m;
	struct rte_mp_reply r;
	struct timespec ts = { 5, 0 };
	int rc = 0;

	if (child_init(pfx, lcore) < 0)
		return child_fail("rte_eal_init");
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	msg_init(&m, "noop", NULL, 0);
	for (int i = 0; i < 6000 && (rc = rte_mp_sendmsg(&m)) == 0; i++)
		usleep(10000);
	if (rc != -1 || rte_errno != ECONNREFUSED)
		return child_fail("rte_mp_sendmsg to a primary that left");
	if (rte_mp_request_sync(&m, &r, &ts) != -1 || rte_errno != ECONNREFUSED ||
	    r.nb_sent != 0 || r.msgs != NULL)
		return child_fail("rte_mp_request_sync to a primary that left");
	if (rte_mp_request_async(&m, &ts, async_cb) != -1 || rte_errno != ECONNREFUSED)
		return child_fail("rte_mp_request_async to a primary that left");
	return rte_eal_cleanup() == 0 ? 0 : child_fail("rte_eal_cleanup");
}

/* asks the primary: sync "ping", a message "note", async "ping" */
static int
child_ask(const char *pfx, const char *lcore)
{
	struct rte_mp_msg m;
	struct rte_mp_reply r;
	struct timespec ts = { 10, 0 };

	if (child_init(pfx, lcore) < 0)
		return child_fail("rte_eal_init");
	msg_init(&m, "ping", "abc", 3);
	if (rte_mp_request_sync(&m, &r, &ts) != 0)
		return child_fail("rte_mp_request_sync");
	if (r.nb_sent != 1 || r.nb_received != 1 || r.msgs == NULL ||
	    strcmp(r.msgs[0].name, "ping") != 0 || r.msgs[0].len_param != 3 ||
	    memcmp(r.msgs[0].param, "bcd", 3) != 0)
		return child_fail("the primary's reply to ping");
	free(r.msgs);
	msg_init(&m, "note", "hi", 2);
	if (rte_mp_sendmsg(&m) != 0)
		return child_fail("rte_mp_sendmsg");
	msg_init(&m, "ping", "xyz", 3);
	if (rte_mp_request_async(&m, &ts, async_cb) != 0)
		return child_fail("rte_mp_request_async");
	if (!wait_async(30))
		return child_fail("no async callback within 30 s");
	if (async_reply.nb_sent != 1 || async_reply.nb_received != 1 ||
	    memcmp(async_first.param, "yz{", 3) != 0)
		return child_fail("the primary's async reply");
	if (pthread_equal(async_thread, pthread_self()))
		return child_fail("the async callback ran on the main thread");
	return rte_eal_cleanup() == 0 ? 0 : child_fail("rte_eal_cleanup");
}

/* ------------------------------------------------------------ the primary */

/* A secondary: its stdout is a pipe (mp_spawn.h). */
static void
spawn(struct hm_test_child *p, const char *lcore, const char *mode)
{
	hm_test_spawn(p, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self_path, "peer", prefix, lcore, mode),
		.out = HM_TEST_IO_PIPE });
}

/* Its "ready <pid>" line (its socket is bound and its actions registered). */
static void
wait_ready(struct hm_test_child *p)
{
	char buf[64];
	int n = hm_test_read_line(p, buf, sizeof(buf), 60000);

	assert_true(n > 0 && (buf[n - 1] == '\n' || (size_t)n == sizeof(buf) - 1));
	assert_int_equal(atoi(buf + 6), p->pid);
	assert_memory_equal(buf, "ready ", 6);
}

static void
quit_all(struct hm_test_child *peers, unsigned int n)
{
	struct rte_mp_msg m;

	msg_init(&m, "quit", NULL, 0);
	assert_int_equal(rte_mp_sendmsg(&m), 0);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(hm_test_wait(&peers[i], -1), 0);
}

static int notes;
static char note[16];

static int
act_ping(const struct rte_mp_msg *msg, const void *peer)
{
	struct rte_mp_msg r;

	msg_init(&r, msg->name, msg->param, msg->len_param);
	for (int i = 0; i < r.len_param; i++)
		r.param[i]++;
	return rte_mp_reply(&r, peer);
}

static int
act_note(const struct rte_mp_msg *msg, const void *peer)
{
	(void)peer;
	memcpy(note, msg->param, msg->len_param < 15 ? (size_t)msg->len_param : 15);
	__atomic_add_fetch(&notes, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(prefix, sizeof(prefix), "dmpi%d-%u", (int)getpid(), ++test_no);
	__atomic_store_n(&async_done, 0, __ATOMIC_RELEASE);
	return 0;
}

static int
teardown(void **state)
{
	if (rte_lcore_count() > 0)
		rte_eal_cleanup();
	return hm_test_teardown(state);
}

static void
primary_up(void)
{
	assert_int_equal(dpdk_test_eal_v((const char *const[]){ "--no-huge", "--file-prefix", prefix,
							   "-l", "0", NULL }), 5);
	assert_int_equal(rte_eal_process_type(), RTE_PROC_PRIMARY);
}

/* Every bad argument's errno; no peer; --in-memory; rte_mp_disable; junk on the
 * socket is dropped with its fds. */
static void
test_dpdk_mp_ipc_invalid_args(void **state)
{
	struct rte_mp_msg m;
	struct rte_mp_reply r;
	struct timespec ts = { 1, 0 }, bad_ts = { 0, 1000000000L }, neg_ts = { -1, 0 };
	char name[RTE_MP_MAX_NAME_LEN + 1];
	(void)state;

	primary_up();
	/* names */
	assert_int_equal(rte_mp_action_register(NULL, act_ping), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mp_action_register("", act_ping), -1);
	assert_int_equal(rte_errno, EINVAL);
	memset(name, 'n', sizeof(name));
	name[RTE_MP_MAX_NAME_LEN] = '\0';
	assert_int_equal(rte_mp_action_register(name, act_ping), -1);
	assert_int_equal(rte_errno, E2BIG);
	name[RTE_MP_MAX_NAME_LEN - 1] = '\0'; /* 63 characters: fits */
	assert_int_equal(rte_mp_action_register(name, act_ping), 0);
	rte_mp_action_unregister(name);
	assert_int_equal(rte_mp_action_register("ping", NULL), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mp_action_register("ping", act_ping), 0);
	assert_int_equal(rte_mp_action_register("ping", act_note), -1);
	assert_int_equal(rte_errno, EEXIST);
	rte_mp_action_unregister("ping");
	rte_mp_action_unregister("ping"); /* not registered: nothing */
	rte_mp_action_unregister(NULL);
	assert_int_equal(rte_mp_action_register("ping", act_ping), 0);

	/* messages */
	assert_int_equal(rte_mp_sendmsg(NULL), -1);
	assert_int_equal(rte_errno, EINVAL);
	msg_init(&m, "", NULL, 0);
	assert_int_equal(rte_mp_sendmsg(&m), -1);
	assert_int_equal(rte_errno, EINVAL);
	memset(m.name, 'n', sizeof(m.name)); /* not terminated */
	assert_int_equal(rte_mp_sendmsg(&m), -1);
	assert_int_equal(rte_errno, E2BIG);
	msg_init(&m, "m", NULL, -1);
	assert_int_equal(rte_mp_sendmsg(&m), -1);
	assert_int_equal(rte_errno, EINVAL);
	m.len_param = RTE_MP_MAX_PARAM_LEN + 1;
	assert_int_equal(rte_mp_sendmsg(&m), -1);
	assert_int_equal(rte_errno, E2BIG);
	m.len_param = 0;
	m.num_fds = -1;
	assert_int_equal(rte_mp_sendmsg(&m), -1);
	assert_int_equal(rte_errno, EINVAL);
	m.num_fds = RTE_MP_MAX_FD_NUM + 1;
	assert_int_equal(rte_mp_sendmsg(&m), -1);
	assert_int_equal(rte_errno, E2BIG);
	m.num_fds = 0;
	m.len_param = RTE_MP_MAX_PARAM_LEN; /* the largest: no secondary, nothing sent */
	assert_int_equal(rte_mp_sendmsg(&m), 0);

	/* requests */
	assert_int_equal(rte_mp_request_sync(&m, NULL, &ts), -1);
	assert_int_equal(rte_errno, EINVAL);
	r.nb_sent = 7;
	r.msgs = (void *)&r;
	assert_int_equal(rte_mp_request_sync(NULL, &r, &ts), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(r.nb_sent, 0); /* reply cleared first, as DPDK */
	assert_null(r.msgs);
	assert_int_equal(rte_mp_request_sync(&m, &r, NULL), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mp_request_sync(&m, &r, &bad_ts), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mp_request_sync(&m, &r, &neg_ts), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mp_request_async(&m, &ts, NULL), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mp_request_async(&m, NULL, async_cb), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(rte_mp_request_async(NULL, &ts, async_cb), -1);
	assert_int_equal(rte_errno, EINVAL);
	/* no secondary: nothing sent, success; the async callback still runs */
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), 0);
	assert_int_equal(r.nb_sent, 0);
	assert_int_equal(r.nb_received, 0);
	assert_null(r.msgs);
	assert_int_equal(rte_mp_request_async(&m, &ts, async_cb), 0);
	assert_true(wait_async(30));
	assert_int_equal(async_reply.nb_sent, 0);
	assert_int_equal(async_reply.nb_received, 0);
	assert_false(pthread_equal(async_thread, pthread_self()));

	/* replies: the peer must be a socket of the instance (not this one) */
	assert_int_equal(rte_mp_reply(&m, NULL), -1);
	assert_int_equal(rte_errno, EINVAL);
	const char *const bad_peers[] = { "", "bogus", "mp_socket", "mp_socket_", "mp_socket_0",
					  "mp_socket_12x", "mp_socket_99999999999",
					  "/etc/mp_socket_12", "../mp_socket_12" };
	for (unsigned int i = 0; i < sizeof(bad_peers) / sizeof(bad_peers[0]); i++) {
		rte_errno = 0;
		assert_int_equal(rte_mp_reply(&m, bad_peers[i]), -1);
		assert_int_equal(rte_errno, EINVAL);
	}
	/* a secondary that has gone: nothing to answer, not an error */
	assert_int_equal(rte_mp_reply(&m, "mp_socket_2147483647"), 0);
	assert_int_equal(hm_dpdk_check(NULL), 0);

	/* junk on the primary's socket is dropped, and the fd it carried closed */
	{
		char path[200], junk[300];
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int fds0;
		union {
			char b[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = junk, .iov_len = sizeof(junk) };
		struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov,
				     .msg_iovlen = 1, .msg_control = ctl.b,
				     .msg_controllen = sizeof(ctl.b) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		snprintf(path, sizeof(path), "%s/mp_socket", rte_eal_get_runtime_dir());
		if (strlen(path) < sizeof(sa.sun_path)) {
			strcpy(sa.sun_path, path);
			memset(junk, 0x5a, sizeof(junk));
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
			fds0 = hm_test_count_fds();
			assert_true(sendmsg(s, &mh, 0) > 0);
			close(fd);
			/* the datagram is charged to our socket until the thread has
			 * received it (and the fd with it); then the fd must go */
			int outq = 1;
			for (int i = 0; i < 2000 && outq > 0; i++) {
				assert_int_equal(ioctl(s, SIOCOUTQ, &outq), 0);
				if (outq > 0)
					usleep(5000);
			}
			assert_int_equal(outq, 0);
			for (int i = 0; i < 400 && hm_test_count_fds() != fds0 - 1; i++)
				usleep(5000);
			assert_int_equal(hm_test_count_fds(), fds0 - 1);
		}
		close(s);
	}
	assert_int_equal(hm_dpdk_check(NULL), 0);

	/* rte_mp_disable with no secondary: true, and the channel is closed to us */
	assert_true(rte_mp_disable());
	assert_int_equal(rte_mp_sendmsg(&m), -1);
	assert_int_equal(rte_errno, ENOTSUP);
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), -1);
	assert_int_equal(rte_errno, ENOTSUP);
	assert_int_equal(rte_mp_request_async(&m, &ts, async_cb), -1);
	assert_int_equal(rte_errno, ENOTSUP);
	assert_int_equal(rte_mp_action_register("other", act_ping), -1);
	assert_int_equal(rte_errno, ENOTSUP);
	assert_int_equal(rte_eal_cleanup(), 0);

	/* --in-memory: no channel (ENOTSUP), a reply is a no-op (DPDK) */
	assert_int_equal(dpdk_test_eal_v((const char *const[]){ "--no-huge", "--in-memory", "-l", "0",
							   NULL }), 4);
	assert_int_equal(rte_mp_action_register("ping", act_ping), -1);
	assert_int_equal(rte_errno, ENOTSUP);
	assert_int_equal(rte_mp_sendmsg(&m), -1);
	assert_int_equal(rte_errno, ENOTSUP);
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), -1);
	assert_int_equal(rte_errno, ENOTSUP);
	assert_int_equal(rte_mp_request_async(&m, &ts, async_cb), -1);
	assert_int_equal(rte_errno, ENOTSUP);
	assert_int_equal(rte_mp_reply(&m, "mp_socket"), 0);
	assert_int_equal(rte_eal_cleanup(), 0);
}

/* A secondary's sync and async requests are answered by the primary; its
 * message reaches the primary's action. */
static void
test_dpdk_mp_ipc_sync_from_secondary(void **state)
{
	struct hm_test_child p;
	(void)state;

	primary_up();
	/* notes and note start zero (static): only this test writes them */
	assert_int_equal(rte_mp_action_register("ping", act_ping), 0);
	assert_int_equal(rte_mp_action_register("note", act_note), 0);
	spawn(&p, "1", "ask");
	assert_int_equal(hm_test_wait(&p, -1), 0);
	for (int i = 0; i < 2000 && __atomic_load_n(&notes, __ATOMIC_ACQUIRE) == 0; i++)
		usleep(5000);
	assert_int_equal(__atomic_load_n(&notes, __ATOMIC_ACQUIRE), 1);
	assert_string_equal(note, "hi");
	assert_int_equal(hm_dpdk_check(NULL), 0);
}

static void
check_echo(const struct rte_mp_msg *r, const struct hm_test_child *peers, unsigned int n,
	   bool *seen, const char *sent)
{
	int pid;
	size_t len = strlen(sent);

	assert_int_equal(r->len_param, 4 + (int)len);
	memcpy(&pid, r->param, 4);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(r->param[4 + i], (uint8_t)(sent[i] + 1));
	for (unsigned int i = 0; i < n; i++)
		if (peers[i].pid == pid) {
			assert_false(seen[i]);
			seen[i] = true;
			return;
		}
	fail_msg("a reply from pid %d, no secondary of ours", pid);
}

/* The primary's request reaches both secondaries; both answer. */
static void
test_dpdk_mp_ipc_broadcast(void **state)
{
	struct hm_test_child peers[2];
	struct rte_mp_msg m;
	struct rte_mp_reply r;
	struct timespec ts = { 20, 0 };
	bool seen[2] = { false, false };
	(void)state;

	primary_up();
	/* one after the other: two secondaries attaching at once can each take the
	 * other's -l lcore as their provisional main lcore (lcore_init, core/lcore) */
	spawn(&peers[0], "1", "serve");
	wait_ready(&peers[0]);
	spawn(&peers[1], "2", "serve");
	wait_ready(&peers[1]);
	msg_init(&m, "echo", "hello", 5);
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), 0);
	assert_int_equal(r.nb_sent, 2);
	assert_int_equal(r.nb_received, 2);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(r.msgs[i].name, "echo");
		assert_int_equal(r.msgs[i].num_fds, 0);
		check_echo(&r.msgs[i], peers, 2, seen, "hello");
	}
	free(r.msgs);
	assert_int_equal(hm_dpdk_check(NULL), 0);
	quit_all(peers, 2);
	/* nobody attached: nothing sent */
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), 0);
	assert_int_equal(r.nb_sent, 0);
	assert_null(r.msgs);
}

/* An async request: the callback runs on the IPC thread with every reply; one
 * to a peer that never answers gets its callback at the timeout. */
static void
test_dpdk_mp_ipc_async(void **state)
{
	struct hm_test_child peers[2];
	struct rte_mp_msg m;
	struct rte_mp_reply r;
	struct timespec ts = { 20, 0 }, short_ts = { 0, 200000000L };
	bool seen[2] = { false, false };
	(void)state;

	primary_up();
	/* one after the other: two secondaries attaching at once can each take the
	 * other's -l lcore as their provisional main lcore (lcore_init, core/lcore) */
	spawn(&peers[0], "1", "serve");
	wait_ready(&peers[0]);
	spawn(&peers[1], "2", "serve");
	wait_ready(&peers[1]);
	msg_init(&m, "echo", "as", 2);
	assert_int_equal(rte_mp_request_async(&m, &ts, async_cb), 0);
	assert_true(wait_async(60));
	assert_false(pthread_equal(async_thread, pthread_self()));
	assert_int_equal(async_reply.nb_sent, 2);
	assert_int_equal(async_reply.nb_received, 2);
	check_echo(&async_first, peers, 2, seen, "as");

	/* nobody answers "silent": the callback comes at the timeout, nothing received */
	__atomic_store_n(&async_done, 0, __ATOMIC_RELEASE);
	msg_init(&m, "silent", NULL, 0);
	double t0 = now_s();
	assert_int_equal(rte_mp_request_async(&m, &short_ts, async_cb), 0);
	/* one request per name waits at a time */
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), -1);
	assert_int_equal(rte_errno, EEXIST);
	assert_int_equal(rte_mp_request_async(&m, &ts, async_cb), -1);
	assert_int_equal(rte_errno, EEXIST);
	assert_true(wait_async(60));
	assert_true(now_s() - t0 >= 0.19);
	assert_int_equal(async_reply.nb_sent, 2);
	assert_int_equal(async_reply.nb_received, 0);
	assert_int_equal(hm_dpdk_check(NULL), 0);
	quit_all(peers, 2);
}

/* An fd passed both ways refers to the same file. */
static void
test_dpdk_mp_ipc_fds(void **state)
{
	struct hm_test_child p;
	struct rte_mp_msg m;
	struct rte_mp_reply r;
	struct timespec ts = { 20, 0 };
	struct stat a, b;
	char path[4200], buf[5];
	int fd;
	(void)state;

	primary_up();
	snprintf(path, sizeof(path), "%s/ipc-fd-%d", getenv("HUGEMEM_RUNTIME_DIR"),
		 (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(pwrite(fd, "hello", 5, 0), 5);
	spawn(&p, "1", "serve");
	wait_ready(&p);
	msg_init(&m, "fd", NULL, 0);
	m.num_fds = 1;
	m.fds[0] = fd;
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), 0);
	assert_int_equal(r.nb_sent, 1);
	assert_int_equal(r.nb_received, 1);
	assert_int_equal(r.msgs[0].len_param, 5);
	assert_memory_equal(r.msgs[0].param, "hello", 5); /* read there through the fd */
	assert_int_equal(r.msgs[0].num_fds, 1);
	assert_true(r.msgs[0].fds[0] >= 0 && r.msgs[0].fds[0] != fd);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(fstat(r.msgs[0].fds[0], &b), 0);
	assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
	assert_int_equal(pread(fd, buf, 5, 100), 5); /* written there */
	assert_memory_equal(buf, "child", 5);
	assert_true(fcntl(r.msgs[0].fds[0], F_GETFD) & FD_CLOEXEC);
	close(r.msgs[0].fds[0]);
	free(r.msgs);
	close(fd);
	quit_all(&p, 1);
}

/* A live peer that never answers: -1 ETIMEDOUT after the timeout, not before,
 * nothing kept. A request nobody has an action for times out too (DPDK). */
static void
test_dpdk_mp_ipc_timeout(void **state)
{
	struct hm_test_child p;
	struct rte_mp_msg m;
	struct rte_mp_reply r;
	struct timespec ts = { 0, 300000000L };
	(void)state;

	primary_up();
	spawn(&p, "1", "serve");
	wait_ready(&p);
	const char *const names[] = { "silent", "no-such-action" };
	for (unsigned int i = 0; i < 2; i++) {
		msg_init(&m, names[i], "x", 1);
		double t0 = now_s();
		assert_int_equal(rte_mp_request_sync(&m, &r, &ts), -1);
		double dt = now_s() - t0;
		assert_int_equal(rte_errno, ETIMEDOUT);
		assert_int_equal(r.nb_sent, 1);
		assert_int_equal(r.nb_received, 0);
		assert_null(r.msgs);
		assert_true(dt >= 0.29);
		assert_true(dt < 30); /* bounded by the timeout, not by the peer */
	}
	/* the channel still works */
	msg_init(&m, "echo", "z", 1);
	ts.tv_sec = 20;
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), 0);
	assert_int_equal(r.nb_received, 1);
	free(r.msgs);
	assert_int_equal(hm_dpdk_check(NULL), 0);
	quit_all(&p, 1);
}

/* A secondary killed while it holds the request: counted as sent, not
 * received, not waited for; the other one's reply is kept. */
static void
test_dpdk_mp_ipc_peer_killed(void **state)
{
	struct hm_test_child peers[2];
	struct rte_mp_msg m;
	struct rte_mp_reply r;
	struct timespec ts = { 120, 0 };
	bool seen[2] = { false, false };
	(void)state;

	primary_up();
	/* one after the other: two secondaries attaching at once can each take the
	 * other's -l lcore as their provisional main lcore (lcore_init, core/lcore) */
	spawn(&peers[0], "1", "mortal");
	wait_ready(&peers[0]);
	spawn(&peers[1], "2", "serve");
	wait_ready(&peers[1]);
	msg_init(&m, "die", "k", 1);
	double t0 = now_s();
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), 0);
	assert_true(now_s() - t0 < 60); /* far below its 120 s timeout */
	assert_int_equal(r.nb_sent, 2);
	assert_int_equal(r.nb_received, 1);
	seen[0] = true; /* the mortal one must not have answered */
	check_echo(&r.msgs[0], peers, 2, seen, "k");
	free(r.msgs);
	assert_int_equal(hm_test_wait(&peers[0], -1), 128 + SIGKILL);
	/* its leftover socket is skipped: only the survivor is asked */
	msg_init(&m, "echo", "e", 1);
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), 0);
	assert_int_equal(r.nb_sent, 1);
	assert_int_equal(r.nb_received, 1);
	free(r.msgs);
	assert_int_equal(hm_dpdk_check(NULL), 0);

	/* the same with an async request: the callback comes when the victim is
	 * dead, with the survivor's reply */
	spawn(&peers[0], "1", "mortal");
	wait_ready(&peers[0]);
	__atomic_store_n(&async_done, 0, __ATOMIC_RELEASE);
	msg_init(&m, "die", "q", 1);
	t0 = now_s();
	assert_int_equal(rte_mp_request_async(&m, &ts, async_cb), 0);
	assert_true(wait_async(60));
	assert_true(now_s() - t0 < 60);
	assert_int_equal(async_reply.nb_sent, 2);
	assert_int_equal(async_reply.nb_received, 1);
	seen[0] = true;
	seen[1] = false;
	check_echo(&async_first, peers, 2, seen, "q");
	assert_int_equal(hm_test_wait(&peers[0], -1), 128 + SIGKILL);
	assert_int_equal(hm_dpdk_check(NULL), 0);
	quit_all(&peers[1], 1);
}

/* rte_mp_disable: false while a secondary is attached (nothing changes); once
 * true, a secondary is refused and nothing of it stays in the table. */
static void
test_dpdk_mp_ipc_disable(void **state)
{
	struct hm_test_child p;
	struct rte_mp_msg m;
	struct rte_mp_reply r;
	struct timespec ts = { 20, 0 };
	char path[4200];
	(void)state;

	primary_up();
	snprintf(path, sizeof(path), "%s/mp_disabled", rte_eal_get_runtime_dir());
	spawn(&p, "1", "serve");
	wait_ready(&p);
	assert_false(rte_mp_disable());
	assert_int_equal(access(path, F_OK), -1);
	msg_init(&m, "echo", "d", 1);
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), 0);
	assert_int_equal(r.nb_received, 1);
	free(r.msgs);
	quit_all(&p, 1);

	assert_true(rte_mp_disable());
	assert_true(rte_mp_disable()); /* again: still true */
	assert_int_equal(access(path, F_OK), 0);
	spawn(&p, "1", "refused");
	assert_int_equal(hm_test_wait(&p, -1), 0);
	assert_int_equal(hm_mp_procs(NULL, 0), 1);
	assert_int_equal(hm_dpdk_check(NULL), 0);
	assert_int_equal(rte_eal_cleanup(), 0);
	assert_int_equal(access(path, F_OK), -1);
}

static int
act_noop(const struct rte_mp_msg *msg, const void *peer)
{
	(void)msg;
	(void)peer;
	return 0;
}

/* The primary leaves while a secondary runs: the secondary's calls fail with
 * ECONNREFUSED, not hang (child_orphan checks). */
static void
test_dpdk_mp_ipc_primary_gone(void **state)
{
	struct hm_test_child p;
	(void)state;

	primary_up();
	assert_int_equal(rte_mp_action_register("noop", act_noop), 0);
	spawn(&p, "1", "orphan");
	wait_ready(&p);
	assert_int_equal(rte_eal_cleanup(), 0);
	assert_int_equal(hm_test_wait(&p, -1), 0);
}

struct liar {
	char dir[4096];
	char sender[MP_PEER_LEN];
	uint16_t type;
	const char *name;
};

/* Sends one well-formed datagram to the primary's socket, 100 ms from now,
 * claiming to come from l->sender. */
static void *
liar_main(void *arg)
{
	const struct liar *l = arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t buf[MP_WIRE_MAX];
	struct rte_mp_msg m;
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	usleep(100000);
	msg_init(&m, l->name, NULL, 0);
	size_t n = mp_wire_encode(buf, l->type, l->sender, &m);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", l->dir, MP_SOCK_PRIMARY);
	if (sendto(s, buf, n, 0, (struct sockaddr *)&sa, sizeof(sa)) != (ssize_t)n)
		perror("liar: sendto");
	close(s);
	return NULL;
}

/* An "ignore me" answer (what a secondary still in rte_eal_init sends) takes
 * the peer out of nb_sent; a reply from a socket that was not asked is
 * dropped. */
static void
test_dpdk_mp_ipc_ignore(void **state)
{
	struct hm_test_child p;
	struct rte_mp_msg m;
	struct rte_mp_reply r;
	struct timespec ts = { 30, 0 }, short_ts = { 0, 500000000L };
	struct liar l;
	pthread_t t;
	(void)state;

	primary_up();
	if (strlen(rte_eal_get_runtime_dir()) + 20 > sizeof(((struct sockaddr_un *)0)->sun_path))
		skip();
	spawn(&p, "1", "serve");
	wait_ready(&p);
	snprintf(l.dir, sizeof(l.dir), "%s", rte_eal_get_runtime_dir());
	snprintf(l.sender, sizeof(l.sender), MP_SOCK_PRIMARY "_%d", (int)p.pid);
	l.type = MP_W_IGN;
	l.name = "silent";
	assert_int_equal(pthread_create(&t, NULL, liar_main, &l), 0);
	msg_init(&m, "silent", NULL, 0);
	double t0 = now_s();
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), 0);
	assert_true(now_s() - t0 < 25);
	assert_int_equal(r.nb_sent, 0);
	assert_int_equal(r.nb_received, 0);
	assert_null(r.msgs);
	pthread_join(t, NULL);
	/* a reply from a pid that was not asked: not taken */
	snprintf(l.sender, sizeof(l.sender), MP_SOCK_PRIMARY "_%d", (int)p.pid + 1);
	l.type = MP_W_REP;
	assert_int_equal(pthread_create(&t, NULL, liar_main, &l), 0);
	assert_int_equal(rte_mp_request_sync(&m, &r, &short_ts), -1);
	assert_int_equal(rte_errno, ETIMEDOUT);
	assert_int_equal(r.nb_sent, 1);
	pthread_join(t, NULL);
	assert_int_equal(hm_dpdk_check(NULL), 0);
	quit_all(&p, 1);
}

/* A runtime dir too long for a socket address: the sockets are reached
 * through the directory's fd, both ways. */
static void
test_dpdk_mp_ipc_long_path(void **state)
{
	struct hm_test_child p;
	struct rte_mp_msg m;
	struct rte_mp_reply r;
	struct timespec ts = { 20, 0 };
	struct sockaddr_un sa;
	bool seen = false;
	(void)state;

	/* the longest prefix hugemem takes (64 characters) */
	snprintf(prefix, sizeof(prefix), "dmpi%d-%u-", (int)getpid(), test_no);
	while (strlen(prefix) < 64)
		strcat(prefix, "L");
	primary_up();
	if (strlen(rte_eal_get_runtime_dir()) + sizeof("/mp_socket_4194304") <=
	    sizeof(sa.sun_path))
		printf("# the runtime dir %s is short enough for a socket address: this "
		       "test runs the ordinary path\n", rte_eal_get_runtime_dir());
	spawn(&p, "1", "serve");
	wait_ready(&p);
	msg_init(&m, "echo", "long", 4);
	assert_int_equal(rte_mp_request_sync(&m, &r, &ts), 0);
	assert_int_equal(r.nb_sent, 1);
	assert_int_equal(r.nb_received, 1);
	check_echo(&r.msgs[0], &p, 1, &seen, "long");
	free(r.msgs);
	quit_all(&p, 1);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dpdk_mp_ipc_invalid_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mp_ipc_sync_from_secondary, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mp_ipc_broadcast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mp_ipc_async, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mp_ipc_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mp_ipc_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mp_ipc_peer_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mp_ipc_long_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mp_ipc_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mp_ipc_primary_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpdk_mp_ipc_ignore, setup, teardown),
	};
	if (argc == 5 && strcmp(argv[1], "peer") == 0) {
		if (strcmp(argv[4], "ask") == 0)
			return child_ask(argv[2], argv[3]);
		if (strcmp(argv[4], "orphan") == 0)
			return child_orphan(argv[2], argv[3]);
		if (strcmp(argv[4], "refused") == 0)
			return child_refused(argv[2], argv[3]);
		mortal = strcmp(argv[4], "mortal") == 0;
		return child_serve(argv[2], argv[3]);
	}
	self_path = hm_test_self_setup();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
