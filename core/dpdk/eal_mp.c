/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK's multi-process IPC (rte_mp_*) over unix datagram sockets in hugemem's
 * private runtime dir (docs/multiprocess.md, "rte_mp_* messages").
 *
 * Each process of an instance binds one socket there: the primary "mp_socket",
 * a secondary "mp_socket_<pid>". Peers are found through hugemem's shared process
 * table (hm_mp_procs), not by listing the directory: the primary sends to every
 * LIVE secondary, a secondary to the primary. A message names its sender's
 * socket, which is where replies go and what an action receives as `peer`.
 * One thread per process ("rte_mp_handle") receives, runs the actions, matches
 * replies to the waiting requests, and runs the callbacks of async requests.
 * Waiters check their peers' liveness in the process table: a peer that died
 * is counted as sent and not received, and nobody waits for it past its death.
 *
 * Invariants (eal_mp_check, under ipc.lock):
 *   every pending request: n_open == number of its waits in state W_OPEN
 *   ipc.n_async == number of pending requests with a callback
 *   ipc.up  =>  ipc.sock >= 0 && ipc.evfd >= 0
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>

#include "dpdk_i.h"
#include "eal_mp_wire.h"
#include "hugemem/init.h"
#include "hugemem/mp.h"

#define MP_SLICE_MS 20        /* liveness checks of the peers waited for */
#define MP_SEND_RETRY_MS 1000 /* a peer's full receive queue: retry this long */
#define MP_PROCS_MAX 128      /* > hugemem's process table */
#define MP_DISABLED "mp_disabled" /* the primary's rte_mp_disable(): no secondary
				     attaches while this file is in the runtime dir */

enum {
	W_OPEN,    /* sent, no answer yet */
	W_REPLY,   /* answered: reply holds it */
	W_IGN,     /* answered "ignore": not counted as sent */
	W_DEAD,    /* the peer died before answering: sent, not received */
	W_TIMEOUT, /* no answer before the deadline */
	W_GONE,    /* not sent: the peer had no socket (left, or not yet there) */
	W_MOVED,   /* its reply went to the caller (with its fds) */
};

struct mp_wait {              /* one peer of one request */
	char peer[MP_PEER_LEN];   /* its socket name */
	int pid;                  /* 0: the primary */
	int state;                /* W_* */
	struct rte_mp_msg reply;  /* W_REPLY: what it answered (its fds are ours) */
};

struct mp_pending {
	struct mp_pending *next;
	struct rte_mp_msg req;    /* a copy of the request */
	rte_mp_async_reply_t clb; /* async: called on the mp thread; NULL: sync */
	uint64_t deadline_ms;     /* CLOCK_MONOTONIC */
	unsigned int n, n_open;
	bool posting;             /* async: its sender still sends; the thread waits */
	struct mp_wait w[];
};

struct mp_action {
	struct mp_action *next;
	char name[RTE_MP_MAX_NAME_LEN];
	rte_mp_t fn;
};

static struct {
	pthread_mutex_t lock;     /* everything below but the thread's own fields */
	pthread_cond_t cv;        /* a sync request's wait changed state */
	bool up;                  /* the channel runs (socket bound, thread started) */
	bool disabled;            /* rte_mp_disable returned true: ENOTSUP until cleanup */
	bool ready;               /* rte_eal_init has returned: a request with no action
				     is the application's choice, no longer "not yet" */
	int sock, evfd, dirfd;
	char dir[PATH_MAX];
	char self[MP_PEER_LEN];   /* this process's socket name */
	pthread_t tid;
	volatile int stop;
	unsigned int n_async;
	uint64_t last_check_ms;   /* the thread's last liveness check */
	struct mp_pending *pending;
	struct mp_action *actions;
} ipc = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.sock = -1, .evfd = -1, .dirfd = -1,
};

static uint64_t
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void
close_fds(struct rte_mp_msg *m)
{
	for (int i = 0; i < m->num_fds && i < RTE_MP_MAX_FD_NUM; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	m->num_fds = 0;
}

/* ---------------------------------------------------------------- checks */

static int
check_name(const char *name)
{
	if (name == NULL || name[0] == '\0') {
		RTE_LOG(ERR, EAL, "mp: the action name is NULL or empty\n");
		return eal_err(EINVAL);
	}
	if (strnlen(name, RTE_MP_MAX_NAME_LEN) == RTE_MP_MAX_NAME_LEN) {
		RTE_LOG(ERR, EAL, "mp: the action name is %d characters or longer\n",
			RTE_MP_MAX_NAME_LEN);
		return eal_err(E2BIG);
	}
	return 0;
}

/* DPDK's checks and errno values: EINVAL for NULL, empty or negative, E2BIG
 * for too long or too many. */
static int
check_msg(const struct rte_mp_msg *m)
{
	if (m == NULL) {
		RTE_LOG(ERR, EAL, "mp: the message is NULL\n");
		return eal_err(EINVAL);
	}
	if (check_name(m->name) < 0)
		return -1;
	if (m->len_param < 0 || m->num_fds < 0) {
		RTE_LOG(ERR, EAL, "mp: %s: negative len_param or num_fds\n", m->name);
		return eal_err(EINVAL);
	}
	if (m->len_param > RTE_MP_MAX_PARAM_LEN || m->num_fds > RTE_MP_MAX_FD_NUM) {
		RTE_LOG(ERR, EAL, "mp: %s: len_param %d (max %d) or num_fds %d (max %d) too "
			"large\n", m->name, m->len_param, RTE_MP_MAX_PARAM_LEN, m->num_fds,
			RTE_MP_MAX_FD_NUM);
		return eal_err(E2BIG);
	}
	return 0;
}

static int
check_ts(const struct timespec *ts)
{
	if (ts == NULL || ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L) {
		RTE_LOG(ERR, EAL, "mp: the timeout is NULL or not a valid timespec\n");
		return eal_err(EINVAL);
	}
	return 0;
}

/* 0 when the channel can be used; else -1, rte_errno ENOTSUP, logged. */
static int
check_channel(const char *fn)
{
	const char *why = NULL;

	if (eal.up && eal.no_shconf)
		why = "IPC is disabled with --no-shconf / --in-memory";
	else if (__atomic_load_n(&ipc.disabled, __ATOMIC_ACQUIRE))
		why = "IPC was disabled by rte_mp_disable()";
	else if (!__atomic_load_n(&ipc.up, __ATOMIC_ACQUIRE))
		why = "the EAL is not initialised";
	if (why == NULL)
		return 0;
	RTE_LOG(DEBUG, EAL, "%s: %s\n", fn, why);
	return eal_err(ENOTSUP);
}

/* ---------------------------------------------------------------- peers */

/* The live processes of the instance (the process table), @return how many. */
static int
live_procs(struct hm_mp_proc_info *info)
{
	int n = hm_mp_procs(info, MP_PROCS_MAX);

	return n < 0 ? 0 : n > MP_PROCS_MAX ? MP_PROCS_MAX : n;
}

/* @p pid (0: the primary) is a live attached process. */
static bool
peer_alive(int pid)
{
	struct hm_mp_proc_info info[MP_PROCS_MAX];
	int n = live_procs(info);

	for (int i = 0; i < n; i++)
		if (pid == 0 ? info[i].type == HM_PROC_PRIMARY : info[i].pid == pid)
			return true;
	return false;
}

/* Where @p peer's socket is: the full path, or through the directory's fd
 * when that is longer than a socket address holds. */
static socklen_t
peer_addr(const char *peer, struct sockaddr_un *sa)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", ipc.dir, peer);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s",
			     ipc.dirfd, peer);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
}

/*
 * Send @p msg as @p type to @p peer (fds as SCM_RIGHTS).
 * @return 0 sent; 1 the peer is gone (no socket, or nobody reads it); -errno.
 */
static int
send_to(const char *peer, uint16_t type, const struct rte_mp_msg *msg)
{
	uint8_t buf[MP_WIRE_MAX];
	union {
		char b[CMSG_SPACE(sizeof(int) * RTE_MP_MAX_FD_NUM)];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_un sa;
	struct iovec iov;
	struct msghdr mh;
	uint64_t until = now_ms() + MP_SEND_RETRY_MS;

	iov.iov_base = buf;
	iov.iov_len = mp_wire_encode(buf, type, ipc.self, msg);
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &sa;
	mh.msg_namelen = peer_addr(peer, &sa);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (msg->num_fds > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)msg->num_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)msg->num_fds);
		memcpy(CMSG_DATA(c), msg->fds, sizeof(int) * (size_t)msg->num_fds);
	}
	for (;;) {
		if (sendmsg(ipc.sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno == ENOENT || errno == ECONNREFUSED)
			return 1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && now_ms() < until) {
			usleep(1000); /* its receive queue is full: let it read */
			continue;
		}
		int err = errno;
		RTE_LOG(ERR, EAL, "mp: cannot send '%s' to %s: %s\n", msg->name, peer,
			strerror(err));
		return -err;
	}
}

/* A peer that is gone is an error only when it is the primary (a secondary
 * has nobody else to talk to); the primary skips departed secondaries. */
static int
gone(const char *peer, const struct rte_mp_msg *msg)
{
	RTE_LOG(ERR, EAL, "mp: cannot send '%s': the primary process (%s) is gone\n",
		msg->name, peer);
	return eal_err(ECONNREFUSED);
}

/* The peers a message goes to: every live secondary (primary), the primary
 * (secondary). @return how many (at most MP_PROCS_MAX) into @p names/@p pids. */
static unsigned int
peers_of_self(char (*names)[MP_PEER_LEN], int *pids)
{
	struct hm_mp_proc_info info[MP_PROCS_MAX];
	unsigned int k = 0;
	int n;

	if (hm_proc_type() == HM_PROC_SECONDARY) {
		strcpy(names[0], MP_SOCK_PRIMARY);
		pids[0] = 0;
		return 1;
	}
	n = live_procs(info);
	for (int i = 0; i < n; i++) {
		if (info[i].self || info[i].type != HM_PROC_SECONDARY)
			continue;
		snprintf(names[k], MP_PEER_LEN, MP_SOCK_PRIMARY "_%d", info[i].pid);
		pids[k++] = info[i].pid;
	}
	return k;
}

/* ---------------------------------------------------------------- requests */

/* Under ipc.lock: a pending request waits on a reply named @p name. */
static bool
name_pending(const char *name)
{
	for (struct mp_pending *p = ipc.pending; p != NULL; p = p->next)
		if (p->n_open > 0 && strcmp(p->req.name, name) == 0)
			return true;
	return false;
}

static void
unlink_pending(struct mp_pending *p)
{
	for (struct mp_pending **pp = &ipc.pending; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			if (p->clb != NULL)
				ipc.n_async--;
			return;
		}
}

static void
free_pending(struct mp_pending *p)
{
	for (unsigned int i = 0; i < p->n; i++)
		if (p->w[i].state == W_REPLY)
			close_fds(&p->w[i].reply);
	free(p);
}

/* Under ipc.lock: wait @p w is resolved with @p state. */
static void
resolve(struct mp_pending *p, struct mp_wait *w, int state)
{
	w->state = state;
	p->n_open--;
}

/* Under ipc.lock: mark the open waits of @p p whose peer died. */
static void
reap_dead(struct mp_pending *p)
{
	for (unsigned int i = 0; i < p->n; i++)
		if (p->w[i].state == W_OPEN && !peer_alive(p->w[i].pid)) {
			RTE_LOG(WARNING, EAL, "mp: request '%s': %s died before answering\n",
				p->req.name, p->w[i].peer);
			resolve(p, &p->w[i], W_DEAD);
		}
}

/*
 * Make and post request @p req to this process's peers, send it.
 * @return the pending request (already in ipc.pending) or NULL, rte_errno set.
 */
static struct mp_pending *
post(const struct rte_mp_msg *req, const struct timespec *ts, rte_mp_async_reply_t clb)
{
	char names[MP_PROCS_MAX][MP_PEER_LEN];
	int pids[MP_PROCS_MAX];
	unsigned int n = peers_of_self(names, pids);
	struct mp_pending *p = calloc(1, sizeof(*p) + n * sizeof(p->w[0]));
	uint64_t t_ms;
	int err = 0;

	if (p == NULL)
		return (void)eal_err(ENOMEM), NULL;
	p->req = *req;
	p->clb = clb;
	t_ms = ts->tv_sec > 100000000 ? 100000000000ULL :
	       (uint64_t)ts->tv_sec * 1000u + ((uint64_t)ts->tv_nsec + 999999u) / 1000000u;
	p->deadline_ms = now_ms() + t_ms;
	p->n = p->n_open = n;
	p->posting = clb != NULL;
	for (unsigned int i = 0; i < n; i++) {
		memcpy(p->w[i].peer, names[i], MP_PEER_LEN);
		p->w[i].pid = pids[i];
		p->w[i].state = W_OPEN;
	}
	pthread_mutex_lock(&ipc.lock);
	if (name_pending(req->name)) {
		pthread_mutex_unlock(&ipc.lock);
		free(p);
		RTE_LOG(ERR, EAL, "mp: a request '%s' is already waiting for replies\n",
			req->name);
		return (void)eal_err(EEXIST), NULL;
	}
	p->next = ipc.pending;
	ipc.pending = p;
	if (clb != NULL)
		ipc.n_async++;
	pthread_mutex_unlock(&ipc.lock);

	for (unsigned int i = 0; i < n; i++) {
		int rc = send_to(p->w[i].peer, MP_W_REQ, req);
		if (rc == 0)
			continue;
		pthread_mutex_lock(&ipc.lock);
		if (p->w[i].state == W_OPEN)
			resolve(p, &p->w[i], W_GONE);
		pthread_mutex_unlock(&ipc.lock);
		if (rc == 1 && p->w[i].pid == 0) {
			gone(p->w[i].peer, req);
			err = ECONNREFUSED;
		} else if (rc < 0 && err == 0) {
			err = -rc;
		}
	}
	if (err != 0) {
		pthread_mutex_lock(&ipc.lock);
		unlink_pending(p);
		pthread_mutex_unlock(&ipc.lock);
		free_pending(p);
		return (void)eal_err(err), NULL;
	}
	if (clb != NULL) {
		uint64_t one = 1;
		/* from here on the thread finishes it (and frees it) */
		pthread_mutex_lock(&ipc.lock);
		p->posting = false;
		pthread_mutex_unlock(&ipc.lock);
		if (write(ipc.evfd, &one, sizeof(one)) < 0) { /* the thread polls anyway */ }
	}
	return p;
}

/*
 * Fill @p r from the resolved request @p p: nb_sent counts the peers it reached
 * (minus those that answered "ignore"), msgs the replies (malloc'd; their fds
 * move to the caller). @return 0 or -1 (ENOMEM: replies dropped).
 */
static int
collect(struct mp_pending *p, struct rte_mp_reply *r)
{
	unsigned int k = 0;

	memset(r, 0, sizeof(*r));
	for (unsigned int i = 0; i < p->n; i++) {
		r->nb_sent += p->w[i].state != W_GONE && p->w[i].state != W_IGN;
		k += p->w[i].state == W_REPLY;
	}
	if (k == 0)
		return 0;
	r->msgs = malloc(k * sizeof(r->msgs[0]));
	if (r->msgs == NULL)
		return eal_err(ENOMEM);
	for (unsigned int i = 0; i < p->n; i++)
		if (p->w[i].state == W_REPLY) {
			r->msgs[r->nb_received++] = p->w[i].reply;
			p->w[i].state = W_MOVED; /* free_pending leaves its fds */
		}
	return 0;
}

/* Run @p p's callback (on the mp thread) and free it. */
static void
finish_async(struct mp_pending *p)
{
	struct rte_mp_reply r;

	if (collect(p, &r) < 0)
		RTE_LOG(ERR, EAL, "mp: out of memory for the replies to '%s'\n", p->req.name);
	if (p->clb(&p->req, &r) < 0)
		RTE_LOG(ERR, EAL, "mp: the callback of request '%s' failed\n", p->req.name);
	free(r.msgs);
	free_pending(p);
}

/* The mp thread: async requests past their deadline or waiting only on dead
 * peers are finished. */
static void
expire_async(void)
{
	struct mp_pending *done = NULL, *next;
	uint64_t now = now_ms();
	bool check = now - ipc.last_check_ms >= MP_SLICE_MS;

	pthread_mutex_lock(&ipc.lock);
	if (check)
		ipc.last_check_ms = now;
	for (struct mp_pending *p = ipc.pending; p != NULL; p = next) {
		next = p->next;
		if (p->clb == NULL || p->posting)
			continue;
		if (p->n_open > 0 && check)
			reap_dead(p);
		if (p->n_open > 0 && now >= p->deadline_ms)
			for (unsigned int i = 0; i < p->n; i++)
				if (p->w[i].state == W_OPEN)
					resolve(p, &p->w[i], W_TIMEOUT);
		if (p->n_open == 0) {
			unlink_pending(p);
			p->next = done;
			done = p;
		}
	}
	pthread_mutex_unlock(&ipc.lock);
	for (; done != NULL; done = next) {
		next = done->next;
		finish_async(done);
	}
}

/* ---------------------------------------------------------------- receiving */

static void
on_reply(uint16_t type, const char *sender, struct rte_mp_msg *m)
{
	struct mp_pending *found = NULL;
	bool finish = false;

	pthread_mutex_lock(&ipc.lock);
	for (struct mp_pending *p = ipc.pending; p != NULL && found == NULL; p = p->next) {
		if (strcmp(p->req.name, m->name) != 0)
			continue;
		for (unsigned int i = 0; i < p->n; i++) {
			struct mp_wait *w = &p->w[i];
			if (w->state != W_OPEN || strcmp(w->peer, sender) != 0)
				continue;
			if (type == MP_W_REP)
				w->reply = *m;
			else
				close_fds(m);
			resolve(p, w, type == MP_W_REP ? W_REPLY : W_IGN);
			found = p;
			break;
		}
	}
	finish = found != NULL && found->clb != NULL && !found->posting && found->n_open == 0;
	if (finish)
		unlink_pending(found);
	else if (found != NULL)
		pthread_cond_broadcast(&ipc.cv); /* a sync waiter (an async one: the thread) */
	pthread_mutex_unlock(&ipc.lock);
	if (found == NULL) {
		RTE_LOG(DEBUG, EAL, "mp: a reply '%s' from %s that nobody waits for (late?)\n",
			m->name, sender);
		close_fds(m);
	} else if (finish) {
		finish_async(found);
	}
}

static void
on_message(uint16_t type, const char *sender, struct rte_mp_msg *m)
{
	rte_mp_t fn = NULL;

	pthread_mutex_lock(&ipc.lock);
	for (struct mp_action *a = ipc.actions; a != NULL; a = a->next)
		if (strcmp(a->name, m->name) == 0)
			fn = a->fn;
	pthread_mutex_unlock(&ipc.lock);
	if (fn == NULL) {
		close_fds(m);
		if (type == MP_W_REQ && !__atomic_load_n(&ipc.ready, __ATOMIC_ACQUIRE)) {
			/* still in rte_eal_init, its actions not registered yet: tell
			 * the requester not to count on us (DPDK does the same) */
			struct rte_mp_msg ign;

			memset(&ign, 0, sizeof(ign));
			memcpy(ign.name, m->name, sizeof(ign.name));
			send_to(sender, MP_W_IGN, &ign);
			return;
		}
		RTE_LOG(ERR, EAL, "mp: no action for %s '%s' from %s\n",
			type == MP_W_REQ ? "request" : "message", m->name, sender);
		return;
	}
	if (fn(m, sender) < 0)
		RTE_LOG(ERR, EAL, "mp: the action of '%s' failed\n", m->name);
}

/* One datagram: decoded defensively; a bad one is dropped with its fds. */
static void
recv_one(void)
{
	uint8_t buf[MP_WIRE_MAX + 1];
	union {
		char b[CMSG_SPACE(sizeof(int) * RTE_MP_MAX_FD_NUM)];
		struct cmsghdr align;
	} ctl;
	int fds[RTE_MP_MAX_FD_NUM];
	unsigned int n_fds = 0;
	bool extra = false;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh;
	struct rte_mp_msg m;
	char sender[MP_PEER_LEN];
	const char *why = NULL;
	uint16_t type;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	n = recvmsg(ipc.sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (n_fds < RTE_MP_MAX_FD_NUM)
				fds[n_fds++] = fd;
			else {
				close(fd);
				extra = true;
			}
		}
	}
	if (extra || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0)
		why = "too long, or too many fds";
	else if (mp_wire_decode(buf, (size_t)n, n_fds, fds, &type, sender, &m, &why) == 0)
		why = NULL;
	if (why != NULL) {
		RTE_LOG(WARNING, EAL, "mp: dropped a malformed message (%zd bytes, %u fds): %s\n",
			n, n_fds, why);
		for (unsigned int i = 0; i < n_fds; i++)
			close(fds[i]);
		return;
	}
	if (type == MP_W_REP || type == MP_W_IGN)
		on_reply(type, sender, &m);
	else
		on_message(type, sender, &m);
}

static void *
ipc_main(void *arg)
{
	struct pollfd pf[2] = { { .fd = ipc.sock, .events = POLLIN },
				{ .fd = ipc.evfd, .events = POLLIN } };
	(void)arg;

	while (!__atomic_load_n(&ipc.stop, __ATOMIC_ACQUIRE)) {
		int timeout;

		pthread_mutex_lock(&ipc.lock);
		timeout = ipc.n_async > 0 ? MP_SLICE_MS : 1000;
		pthread_mutex_unlock(&ipc.lock);
		pf[0].revents = pf[1].revents = 0;
		if (poll(pf, 2, timeout) > 0) {
			if (pf[1].revents & POLLIN) {
				uint64_t v;
				if (read(ipc.evfd, &v, sizeof(v)) < 0) { /* EAGAIN: nothing */ }
			}
			if (pf[0].revents & POLLIN)
				recv_one();
		}
		expire_async();
	}
	return NULL;
}

/* ---------------------------------------------------------------- lifecycle */

/* Remove mp_socket* files whose process is not attached (a crashed run's
 * leftovers; all of them when @p all). */
static void
remove_stale(bool all)
{
	struct hm_mp_proc_info info[MP_PROCS_MAX];
	int n = all ? 0 : live_procs(info);
	DIR *d = opendir(ipc.dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int pid;
		bool live = false;

		if (!mp_peer_name_ok(e->d_name, &pid) || strcmp(e->d_name, ipc.self) == 0)
			continue;
		for (int i = 0; i < n && !live; i++)
			live = pid == 0 ? info[i].type == HM_PROC_PRIMARY : info[i].pid == pid;
		if (!live)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

int
eal_mp_start(void)
{
	struct sockaddr_un sa;
	sigset_t all, old;
	const char *dir = hm_runtime_dir();
	int rc;

	if (eal.no_shconf || ipc.up)
		return 0;
	if (dir == NULL || strlen(dir) >= sizeof(ipc.dir)) {
		RTE_LOG(ERR, EAL, "mp: no runtime dir for the IPC socket\n");
		return eal_err(EINVAL);
	}
	strcpy(ipc.dir, dir);
	if (hm_proc_type() == HM_PROC_SECONDARY)
		snprintf(ipc.self, sizeof(ipc.self), MP_SOCK_PRIMARY "_%d", (int)getpid());
	else
		strcpy(ipc.self, MP_SOCK_PRIMARY);
	ipc.dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ipc.sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ipc.evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ipc.dirfd < 0 || ipc.sock < 0 || ipc.evfd < 0) {
		rc = errno;
		RTE_LOG(ERR, EAL, "mp: cannot open the IPC channel in %s: %s\n", dir,
			strerror(rc));
		goto fail;
	}
	/* a file of our name is a leftover (the primary holds the config lock; a
	 * secondary's name holds its live pid) */
	unlinkat(ipc.dirfd, ipc.self, 0);
	if (hm_proc_type() != HM_PROC_SECONDARY) {
		remove_stale(false);
		unlinkat(ipc.dirfd, MP_DISABLED, 0); /* a crashed primary's */
	} else {
		struct stat st;
		/* after our slot went LIVE: a primary's rte_mp_disable either sees
		 * us attached (and returns false) or made the file before this */
		if (fstatat(ipc.dirfd, MP_DISABLED, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			RTE_LOG(ERR, EAL, "the primary process refused secondary attachment: "
				"it called rte_mp_disable() (%s/%s)\n", dir, MP_DISABLED);
			rc = EPERM;
			goto fail;
		}
	}
	if (bind(ipc.sock, (struct sockaddr *)&sa, peer_addr(ipc.self, &sa)) != 0) {
		rc = errno;
		RTE_LOG(ERR, EAL, "mp: cannot bind %s/%s: %s\n", dir, ipc.self, strerror(rc));
		goto fail;
	}
	ipc.stop = 0;
	ipc.last_check_ms = 0;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread takes no signal */
	rc = pthread_create(&ipc.tid, NULL, ipc_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		RTE_LOG(ERR, EAL, "mp: cannot start the IPC thread: %s\n", strerror(rc));
		unlinkat(ipc.dirfd, ipc.self, 0);
		goto fail;
	}
	pthread_setname_np(ipc.tid, "rte_mp_handle");
	pthread_mutex_lock(&ipc.lock);
	__atomic_store_n(&ipc.up, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ipc.lock);
	return 0;
fail:
	if (ipc.sock >= 0)
		close(ipc.sock);
	if (ipc.evfd >= 0)
		close(ipc.evfd);
	if (ipc.dirfd >= 0)
		close(ipc.dirfd);
	ipc.sock = ipc.evfd = ipc.dirfd = -1;
	return eal_err(rc);
}

void
eal_mp_stop(void)
{
	struct mp_pending *p;
	struct mp_action *a;
	uint64_t one = 1;

	if (ipc.up) {
		__atomic_store_n(&ipc.stop, 1, __ATOMIC_RELEASE);
		if (write(ipc.evfd, &one, sizeof(one)) < 0) { /* it polls with a timeout */ }
		pthread_join(ipc.tid, NULL);
		pthread_mutex_lock(&ipc.lock);
		__atomic_store_n(&ipc.up, false, __ATOMIC_RELEASE);
		/* async requests nobody will finish: dropped without their
		 * callbacks (a sync one belongs to its waiting thread) */
		for (struct mp_pending **pp = &ipc.pending; (p = *pp) != NULL;) {
			if (p->clb == NULL) {
				pp = &p->next;
				continue;
			}
			unlink_pending(p);
			free_pending(p);
		}
		pthread_mutex_unlock(&ipc.lock);
		unlinkat(ipc.dirfd, ipc.self, 0);
		if (__atomic_load_n(&ipc.disabled, __ATOMIC_ACQUIRE) &&
		    hm_proc_type() != HM_PROC_SECONDARY)
			unlinkat(ipc.dirfd, MP_DISABLED, 0);
		if (hm_mp_procs(NULL, 0) <= 1) {
			/* the last one out: the dir can go */
			remove_stale(true);
			unlinkat(ipc.dirfd, MP_DISABLED, 0);
		}
		close(ipc.sock);
		close(ipc.evfd);
		close(ipc.dirfd);
		ipc.sock = ipc.evfd = ipc.dirfd = -1;
	}
	pthread_mutex_lock(&ipc.lock);
	while ((a = ipc.actions) != NULL) {
		ipc.actions = a->next;
		free(a);
	}
	__atomic_store_n(&ipc.disabled, false, __ATOMIC_RELEASE);
	__atomic_store_n(&ipc.ready, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ipc.lock);
}

void
eal_mp_ready(void)
{
	__atomic_store_n(&ipc.ready, true, __ATOMIC_RELEASE);
}

int
eal_mp_check(const char **why)
{
	unsigned int n_async = 0;

	*why = NULL;
	pthread_mutex_lock(&ipc.lock);
	if (ipc.up && (ipc.sock < 0 || ipc.evfd < 0))
		*why = "mp: the IPC channel is up without its socket";
	for (struct mp_pending *p = ipc.pending; p != NULL && *why == NULL; p = p->next) {
		unsigned int open = 0;
		for (unsigned int i = 0; i < p->n; i++)
			open += p->w[i].state == W_OPEN;
		if (open != p->n_open)
			*why = "mp: a pending request's open count is wrong";
		n_async += p->clb != NULL;
	}
	if (*why == NULL && n_async != ipc.n_async)
		*why = "mp: the count of async requests is wrong";
	pthread_mutex_unlock(&ipc.lock);
	return *why == NULL ? 0 : -EFAULT;
}

/* ---------------------------------------------------------------- the API */

bool
rte_mp_disable(void)
{
	int fd;

	/* before rte_eal_init: no process to keep in sync */
	if (!eal.up || __atomic_load_n(&ipc.disabled, __ATOMIC_ACQUIRE))
		return true;
	if (hm_proc_type() == HM_PROC_SECONDARY)
		return false; /* it is in use: by this process */
	if (!eal.no_shconf) {
		/* the file first, then the count (a secondary checks the other way
		 * round, eal_mp_start): one of the two sees the other */
		fd = openat(ipc.dirfd, MP_DISABLED, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0) {
			RTE_LOG(ERR, EAL, "rte_mp_disable: cannot create %s/%s: %s\n", ipc.dir,
				MP_DISABLED, strerror(errno));
			return false;
		}
		close(fd);
		if (hm_mp_procs(NULL, 0) > 1) {
			unlinkat(ipc.dirfd, MP_DISABLED, 0);
			return false;
		}
	}
	__atomic_store_n(&ipc.disabled, true, __ATOMIC_RELEASE);
	return true;
}

int
rte_mp_action_register(const char *name, rte_mp_t action)
{
	struct mp_action *a;

	if (check_name(name) < 0)
		return -1;
	if (action == NULL) {
		RTE_LOG(ERR, EAL, "mp: action '%s' is NULL\n", name);
		return eal_err(EINVAL);
	}
	if ((eal.up && eal.no_shconf) || __atomic_load_n(&ipc.disabled, __ATOMIC_ACQUIRE))
		return check_channel(__func__);
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return eal_err(ENOMEM);
	strcpy(a->name, name);
	a->fn = action;
	pthread_mutex_lock(&ipc.lock);
	for (struct mp_action *b = ipc.actions; b != NULL; b = b->next)
		if (strcmp(b->name, name) == 0) {
			pthread_mutex_unlock(&ipc.lock);
			free(a);
			RTE_LOG(ERR, EAL, "mp: action '%s' is already registered\n", name);
			return eal_err(EEXIST);
		}
	a->next = ipc.actions;
	ipc.actions = a;
	pthread_mutex_unlock(&ipc.lock);
	return 0;
}

void
rte_mp_action_unregister(const char *name)
{
	struct mp_action *gone_a = NULL;

	if (check_name(name) < 0)
		return;
	pthread_mutex_lock(&ipc.lock);
	for (struct mp_action **pp = &ipc.actions; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->name, name) == 0) {
			gone_a = *pp;
			*pp = gone_a->next;
			break;
		}
	pthread_mutex_unlock(&ipc.lock);
	free(gone_a);
}

int
rte_mp_sendmsg(struct rte_mp_msg *msg)
{
	char names[MP_PROCS_MAX][MP_PEER_LEN];
	int pids[MP_PROCS_MAX];
	unsigned int n;
	int err = 0;

	if (check_msg(msg) < 0 || check_channel(__func__) < 0)
		return -1;
	n = peers_of_self(names, pids);
	for (unsigned int i = 0; i < n; i++) {
		int rc = send_to(names[i], MP_W_MSG, msg);
		if (rc == 1 && pids[i] == 0)
			return gone(names[i], msg);
		if (rc < 0 && err == 0)
			err = -rc;
	}
	return err != 0 ? eal_err(err) : 0;
}

int
rte_mp_request_sync(struct rte_mp_msg *req, struct rte_mp_reply *reply,
		    const struct timespec *ts)
{
	struct mp_pending *p;
	bool timed_out;
	int rc;

	if (reply == NULL) {
		RTE_LOG(ERR, EAL, "mp: rte_mp_request_sync: reply is NULL\n");
		return eal_err(EINVAL);
	}
	memset(reply, 0, sizeof(*reply));
	if (check_msg(req) < 0 || check_ts(ts) < 0 || check_channel(__func__) < 0)
		return -1;
	if (__atomic_load_n(&ipc.up, __ATOMIC_ACQUIRE) && pthread_equal(pthread_self(), ipc.tid)) {
		RTE_LOG(ERR, EAL, "mp: rte_mp_request_sync from an IPC action or callback "
			"would wait for itself (use rte_mp_request_async)\n");
		return eal_err(EDEADLK);
	}
	p = post(req, ts, NULL);
	if (p == NULL)
		return -1;
	uint64_t checked = now_ms();

	pthread_mutex_lock(&ipc.lock);
	while (p->n_open > 0) {
		uint64_t now = now_ms();
		struct timespec until;

		if (now - checked >= MP_SLICE_MS) {
			/* however busy the channel is with other replies */
			reap_dead(p);
			checked = now;
			continue;
		}
		if (now >= p->deadline_ms)
			break;
		clock_gettime(CLOCK_REALTIME, &until);
		uint64_t slice = p->deadline_ms - now < MP_SLICE_MS ? p->deadline_ms - now :
				 MP_SLICE_MS;
		until.tv_nsec += (long)(slice * 1000000u);
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&ipc.cv, &ipc.lock, &until);
	}
	timed_out = p->n_open > 0;
	unlink_pending(p);
	pthread_mutex_unlock(&ipc.lock);
	if (timed_out) {
		for (unsigned int i = 0; i < p->n; i++)
			if (p->w[i].state == W_OPEN)
				RTE_LOG(ERR, EAL, "mp: no reply to '%s' from %s within the "
					"timeout\n", req->name, p->w[i].peer);
		collect(p, reply);
		for (int i = 0; i < reply->nb_received; i++)
			close_fds(&reply->msgs[i]);
		free(reply->msgs);
		reply->msgs = NULL;
		reply->nb_received = 0;
		free_pending(p);
		return eal_err(ETIMEDOUT);
	}
	rc = collect(p, reply);
	free_pending(p);
	return rc;
}

int
rte_mp_request_async(struct rte_mp_msg *req, const struct timespec *ts,
		     rte_mp_async_reply_t clb)
{
	if (check_msg(req) < 0 || check_ts(ts) < 0)
		return -1;
	if (clb == NULL) {
		RTE_LOG(ERR, EAL, "mp: rte_mp_request_async: the callback is NULL\n");
		return eal_err(EINVAL);
	}
	if (check_channel(__func__) < 0)
		return -1;
	return post(req, ts, clb) == NULL ? -1 : 0;
}

int
rte_mp_reply(struct rte_mp_msg *msg, const char *peer)
{
	const char *name = peer;
	size_t dl = strlen(ipc.dir);
	int pid, rc;

	if (check_msg(msg) < 0)
		return -1;
	if (peer == NULL) {
		RTE_LOG(ERR, EAL, "mp: rte_mp_reply: peer is NULL\n");
		return eal_err(EINVAL);
	}
	if (eal.up && eal.no_shconf)
		return 0; /* DPDK: nobody to answer, not an error */
	if (check_channel(__func__) < 0)
		return -1;
	/* the peer an action was given, or its socket's full path */
	if (dl > 0 && strncmp(peer, ipc.dir, dl) == 0 && peer[dl] == '/')
		name = peer + dl + 1;
	if (!mp_peer_name_ok(name, &pid) || strcmp(name, ipc.self) == 0) {
		RTE_LOG(ERR, EAL, "mp: rte_mp_reply: '%.100s' is not a peer's socket\n", peer);
		return eal_err(EINVAL);
	}
	rc = send_to(name, MP_W_REP, msg);
	if (rc == 1)
		return pid == 0 ? gone(name, msg) : 0;
	return rc < 0 ? eal_err(-rc) : 0;
}
