/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The telemetry server: one thread, one listening SOCK_SEQPACKET socket, up to
 * HM_TELEMETRY_MAX_CLIENTS connections, all non-blocking under one poll().
 *
 * A client is answered one request at a time, in arrival order. A reply the
 * client's socket cannot take now (it is not reading) is kept (one per client)
 * and its further requests wait until it went out; a client that takes no
 * reply for STALL_MS is closed. So a client that never reads costs one reply
 * buffer and then its slot, and never blocks the thread. Connections beyond the
 * cap get one {"error"} message and are closed. The data path never waits for
 * this thread: commands read shared structures under their own locks.
 *
 * Where the socket goes (telemetry.h): <base>/dpdk/<prefix>/, made 0700.
 * Existing levels are checked before use: <prefix> must be a directory (not a
 * symlink) owned by the euid and not writable by group or other; <base>/dpdk
 * and <base> owned by root or the euid, writable by group/other only when
 * sticky. A name already bound is probed (probe()): a dead socket of ours is
 * replaced, a live hugemem server means "take the next instance", anything
 * else that accepts the connection is a running process and start fails
 * (-EADDRINUSE) naming it; a symlink, a non-socket or another user's socket at
 * the name is refused (-EEXIST) and left alone.
 *
 * Invariants (hm_telemetry_check): stats.clients <= HM_TELEMETRY_MAX_CLIENTS
 * (== slots with fd >= 0, which only the thread reads); a running server has a
 * socket and an instance below HM_TELEMETRY_MAX_INSTANCES.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hm_config.h"
#include "telemetry_i.h"

#define STALL_MS 2000        /* a client that takes no reply for this long is closed */
#define PROBE_MS 1000        /* wait for a greeting when probing a bound name */
#define ACCEPT_PAUSE_MS 100  /* out of fds: stop accepting for this long */

struct client {
	int fd;                  /* -1: free slot */
	char *pending;           /* a reply the socket did not take yet, or NULL */
	size_t pending_len;
	int64_t pending_since;   /* ms, monotonic */
	struct tel_conn conn;    /* per-connection state of commands */
};

static struct {
	pthread_mutex_t lock;    /* running, path, stats: for other threads */
	bool running;
	pid_t pid;               /* the process that started the server */
	pthread_t thread;
	int listen_fd;
	int wake[2];             /* pipe: a byte on wake[1] stops the thread */
	char dir[PATH_MAX];      /* <base>/dpdk/<prefix> */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ino_t path_ino;          /* inode of the socket file we bound */
	dev_t path_dev;
	char made[2][PATH_MAX];  /* directories start created, outermost first */
	unsigned int n_made;
	struct hm_telemetry_stats stats;
	struct client clients[HM_TELEMETRY_MAX_CLIENTS];
	struct tel_instance inst;
	char out[HM_TELEMETRY_MAX_OUTPUT_LEN];
	char in[HM_TELEMETRY_MAX_MSG_LEN + 3];
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER, .listen_fd = -1, .wake = { -1, -1 } };

static _Thread_local struct tel_conn *cur_conn;

struct tel_conn *
tel_conn_current(void)
{
	return cur_conn;
}

void
tel_conn_set(struct tel_conn *c, void *ctx, void (*ctx_free)(void *))
{
	if (c->ctx_free != NULL)
		c->ctx_free(c->ctx);
	c->ctx = ctx;
	c->ctx_free = ctx_free;
}

/* ---------------------------------------------------------------- directories */

static bool
trusted_level(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && (st->st_uid == 0 || st->st_uid == geteuid()) &&
		((st->st_mode & 022) == 0 || (st->st_mode & S_ISVTX) != 0);
}

static const char *
uid_str(uid_t uid, char *buf, size_t len)
{
	snprintf(buf, len, "uid %u", (unsigned int)uid);
	return buf;
}

/* mkdir @p path 0700 or check the existing one; @p own: must be private. */
static int
make_level(const char *path, bool own)
{
	char who[32];
	struct stat st;

	for (int tries = 0; tries < 3; tries++) {
		if (mkdir(path, 0700) == 0) {
			snprintf(srv.made[srv.n_made++], sizeof(srv.made[0]), "%s", path);
			return 0;
		}
		if (errno != EEXIST)
			return hm_fail(errno, "telemetry: cannot create %s: %s", path,
				       hm_strerror(-errno));
		if (lstat(path, &st) == 0)
			break;
		/* removed in between (another process's cleanup): make it again */
	}
	if (S_ISLNK(st.st_mode))
		return hm_fail(EPERM, "telemetry: %s is a symbolic link; hugemem puts its socket "
			       "only in a real directory (remove it, or use --no-telemetry)", path);
	if (!S_ISDIR(st.st_mode))
		return hm_fail(ENOTDIR, "telemetry: %s is not a directory", path);
	if (own && (st.st_uid != geteuid() || (st.st_mode & 022) != 0))
		return hm_fail(EPERM, "telemetry: %s is owned by %s with mode %04o; the socket "
			       "directory must be ours and not writable by others (remove it, use "
			       "another --file-prefix, or --no-telemetry)", path,
			       uid_str(st.st_uid, who, sizeof(who)), (unsigned int)(st.st_mode & 07777));
	if (!own && !trusted_level(&st))
		return hm_fail(EPERM, "telemetry: %s is owned by %s with mode %04o: anyone could "
			       "replace what is inside (use RUNTIME_DIRECTORY/XDG_RUNTIME_DIR, or "
			       "--no-telemetry)", path, uid_str(st.st_uid, who, sizeof(who)),
			       (unsigned int)(st.st_mode & 07777));
	return 0;
}

static void
remove_made(void)
{
	while (srv.n_made > 0)
		rmdir(srv.made[--srv.n_made]); /* fails harmlessly when another process uses it */
}

static int
make_dirs(const char *prefix)
{
	char base[PATH_MAX], who[32];
	struct stat st;
	int rc;

	if ((rc = tel_base_dir(base, sizeof(base))) < 0)
		return rc;
	if (base[0] != '/')
		return hm_fail(EINVAL, "telemetry: directory %s is not absolute (check "
			       "RUNTIME_DIRECTORY and XDG_RUNTIME_DIR)", base);
	*strrchr(base, '/') = '\0'; /* <base>, then <base>/dpdk below */
	if (stat(base, &st) < 0)
		return hm_fail(errno, "telemetry: %s: %s", base, hm_strerror(-errno));
	if (!trusted_level(&st))
		return hm_fail(EPERM, "telemetry: %s is owned by %s with mode %04o: not a place for "
			       "the socket (use RUNTIME_DIRECTORY/XDG_RUNTIME_DIR, or --no-telemetry)",
			       base, uid_str(st.st_uid, who, sizeof(who)),
			       (unsigned int)(st.st_mode & 07777));
	strcat(base, "/dpdk");
	if ((rc = make_level(base, false)) < 0)
		return rc;
	if (hm_snprintf(srv.dir, sizeof(srv.dir), "%s/%s", base, prefix) < 0)
		return hm_fail(ENAMETOOLONG, "telemetry: %s/%s is too long", base, prefix);
	return make_level(srv.dir, true);
}

/* ---------------------------------------------------------------- the socket */

static const char *
file_kind(mode_t mode)
{
	return S_ISLNK(mode) ? "a symbolic link" : S_ISREG(mode) ? "a regular file" :
		S_ISDIR(mode) ? "a directory" : S_ISSOCK(mode) ? "a socket" :
		S_ISFIFO(mode) ? "a fifo" : "a device or other file";
}

/*
 * Probe a bound name as DPDK's telemetry does (connect; refused: nobody
 * listens), but trust only what is ours: 0 dead (removed), 1 a live hugemem
 * server, else -errno. Only a socket owned by the euid (lstat: a symlink is
 * never followed) in the private <prefix> directory (make_level checked it) is
 * unlinked, and only when its connect is refused; anything else at the name,
 * and any live listener, is left as it is.
 */
static int
probe(const char *path)
{
	char greet[512], who[32];
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : hm_fail(errno, "telemetry: %s: %s", path,
						      hm_strerror(-errno));
	if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid())
		return hm_fail(EEXIST, "telemetry: %s exists and is not a socket of ours (%s of "
			       "%s, mode %04o); hugemem leaves it alone (remove it, use another "
			       "--file-prefix, or --no-telemetry)", path, file_kind(st.st_mode),
			       uid_str(st.st_uid, who, sizeof(who)), (unsigned int)(st.st_mode & 07777));
	fd = hm_telemetry_connect(path, greet, sizeof(greet), PROBE_MS);
	if (fd == -ECONNREFUSED) {
		struct stat now;
		/* a dead process's socket: unlink it only if it is still the one we
		 * looked at (our directory: only our uid can swap it meanwhile) */
		if (lstat(path, &now) == 0 && now.st_ino == st.st_ino && now.st_dev == st.st_dev &&
		    unlink(path) < 0 && errno != ENOENT)
			return hm_fail(errno, "telemetry: cannot remove the dead socket %s: %s",
				       path, hm_strerror(-errno));
		return 0;
	}
	if (fd == -ENOENT || fd == -ECONNRESET)
		return 0; /* gone, or going (a server stopping): try the name again */
	if (fd >= 0)
		close(fd);
	if (fd == -EBUSY && strstr(greet, "\"version\":\"hugemem ") != NULL)
		return 1; /* a hugemem server at its client cap */
	if (fd >= 0 && strstr(greet, "\"version\":\"hugemem ") != NULL)
		return 1;
	if (fd >= 0 || fd == -EPROTO || fd == -ETIMEDOUT || fd == -EBUSY || fd == -EPROTOTYPE)
		return hm_fail(EADDRINUSE, "telemetry: %s is in use by a running process (it "
			       "said: %.160s), not hugemem; hugemem does not take over its socket: "
			       "use another --file-prefix, or --no-telemetry", path,
			       fd == -EPROTOTYPE ? "nothing: a socket of another type" :
			       fd == -ETIMEDOUT ? "nothing" : greet);
	return fd;
}

/*
 * Serve at @p path: bind a socket under a private temporary name in the same
 * directory, listen, then link(2) it to @p path, which fails (EEXIST: the name
 * is taken) rather than replace anything. So a name is never seen bound but
 * not yet listening: another process probing it in that window would have
 * found its connect refused and removed it as a dead server's socket.
 * @return the listening fd, -EADDRINUSE when @p path exists, else -errno.
 */
static int
bind_one(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0;

	if (fd < 0)
		return hm_fail(errno, "telemetry: socket: %s", hm_strerror(-errno));
	/* <dir>/.hm<pid>: never longer than the socket's own name */
	if (hm_snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/.hm%d", srv.dir, (int)getpid()) < 0) {
		close(fd);
		return hm_fail(ENAMETOOLONG, "telemetry: %s is too long for a socket path",
			       srv.dir);
	}
	unlink(sa.sun_path); /* ours: a leftover of this pid's earlier, killed start */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		close(fd);
		return hm_fail(err, "telemetry: cannot bind %s: %s", sa.sun_path, hm_strerror(err));
	}
	if (listen(fd, 16) < 0)
		err = errno;
	else if (link(sa.sun_path, path) < 0)
		err = errno == EEXIST ? EADDRINUSE : errno;
	else if (lstat(path, &st) < 0)
		err = errno;
	unlink(sa.sun_path);
	if (err != 0) {
		close(fd);
		return err == EADDRINUSE ? -EADDRINUSE :
			hm_fail(err, "telemetry: cannot bind %s: %s", path, hm_strerror(err));
	}
	srv.path_ino = st.st_ino;
	srv.path_dev = st.st_dev;
	return fd;
}

/* Bind the first free instance name; srv.path and srv.stats.instance set. */
static int
bind_socket(void)
{
	char name[32];

	for (unsigned int inst = 0; inst < HM_TELEMETRY_MAX_INSTANCES; inst++) {
		for (int again = 0; again < 2; again++) {
			int fd, rc;

			tel_socket_name(inst, name, sizeof(name));
			if (hm_snprintf(srv.path, sizeof(srv.path), "%s/%s", srv.dir, name) < 0)
				return hm_fail(ENAMETOOLONG, "telemetry: %s/%s is longer than a "
					       "socket path may be (%zu); set RUNTIME_DIRECTORY to a "
					       "shorter directory, or --no-telemetry", srv.dir, name,
					       sizeof(srv.path) - 1);
			fd = bind_one(srv.path);
			if (fd >= 0) {
				srv.stats.instance = inst;
				return fd;
			}
			if (fd != -EADDRINUSE)
				return fd;
			rc = probe(srv.path);
			if (rc < 0)
				return rc;
			if (rc == 1)
				break; /* a live hugemem: next instance */
		}
	}
	return hm_fail(EADDRINUSE, "telemetry: %s holds %d live servers already; use another "
		       "--file-prefix or --no-telemetry", srv.dir, HM_TELEMETRY_MAX_INSTANCES);
}

/* ---------------------------------------------------------------- clients */

static void
client_close(struct client *c, bool dropped)
{
	close(c->fd);
	c->fd = -1;
	free(c->pending);
	c->pending = NULL;
	c->pending_len = 0;
	tel_conn_set(&c->conn, NULL, NULL);
	pthread_mutex_lock(&srv.lock);
	srv.stats.clients--;
	srv.stats.dropped += dropped;
	pthread_mutex_unlock(&srv.lock);
}

/* Send @p len bytes of @p msg, or keep them for later. false: the client is gone. */
static bool
client_send(struct client *c, const char *msg, size_t len)
{
	ssize_t n = send(c->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n >= 0)
		return true;
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		return false;
	c->pending = malloc(len);
	if (c->pending == NULL)
		return false;
	memcpy(c->pending, msg, len);
	c->pending_len = len;
	c->pending_since = (int64_t)hm_now_ms();
	return true;
}

static size_t
greeting(char *buf, size_t cap, const char *error)
{
	char pid[16];
	struct jw w;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	jw_init(&w, buf, cap);
	jw_open(&w, '{');
	jw_raw(&w, "\"version\":\"hugemem " HM_VERSION "\",\"pid\":",
	       strlen("\"version\":\"hugemem " HM_VERSION "\",\"pid\":"));
	jw_raw(&w, pid, strlen(pid));
	if (error != NULL) {
		jw_raw(&w, ",\"error\":", 9);
		jw_str(&w, error, strlen(error), true);
	} else {
		char max[40];
		int n = snprintf(max, sizeof(max), ",\"max_output_len\":%d",
				 HM_TELEMETRY_MAX_OUTPUT_LEN);
		jw_raw(&w, max, (size_t)n);
	}
	jw_close(&w, '}');
	return jw_end(&w);
}

static void
accept_all(int64_t *pause_until)
{
	for (;;) {
		struct client *c = NULL;
		int fd = accept4(srv.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		size_t len;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				*pause_until = (int64_t)hm_now_ms() + ACCEPT_PAUSE_MS;
			return; /* EAGAIN: all taken; others: the next poll tells */
		}
		for (unsigned int i = 0; i < HM_TELEMETRY_MAX_CLIENTS && c == NULL; i++)
			if (srv.clients[i].fd < 0)
				c = &srv.clients[i];
		if (c == NULL) {
			char why[160];
			snprintf(why, sizeof(why), "hugemem telemetry serves %d clients at once and "
				 "that many are connected; try again later", HM_TELEMETRY_MAX_CLIENTS);
			len = greeting(srv.out, sizeof(srv.out), why);
			(void)!send(fd, srv.out, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
			pthread_mutex_lock(&srv.lock);
			srv.stats.refused++;
			pthread_mutex_unlock(&srv.lock);
			continue;
		}
		c->fd = fd;
		pthread_mutex_lock(&srv.lock);
		srv.stats.clients++;
		srv.stats.accepted++;
		pthread_mutex_unlock(&srv.lock);
		len = greeting(srv.out, sizeof(srv.out), NULL);
		if (!client_send(c, srv.out, len))
			client_close(c, false);
	}
}

/* One request of client @p c. */
static void
serve_one(struct client *c)
{
	ssize_t n = recv(c->fd, srv.in, sizeof(srv.in), MSG_TRUNC | MSG_DONTWAIT);
	size_t len;
	int outcome;

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) { /* closed (or a 0-byte message, which DPDK treats the same) */
		client_close(c, false);
		return;
	}
	cur_conn = &c->conn;
	len = tel_dispatch(srv.in, (size_t)n, srv.out, sizeof(srv.out), &outcome);
	cur_conn = NULL;
	pthread_mutex_lock(&srv.lock);
	srv.stats.requests++;
	srv.stats.unknown += outcome == 1;
	srv.stats.failed += outcome == 2;
	srv.stats.bad += outcome == 3;
	pthread_mutex_unlock(&srv.lock);
	if (!client_send(c, srv.out, len))
		client_close(c, false);
}

static void
flush_pending(struct client *c)
{
	ssize_t n = send(c->fd, c->pending, c->pending_len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		if ((int64_t)hm_now_ms() - c->pending_since > STALL_MS)
			client_close(c, true);
		return;
	}
	if (n < 0) {
		client_close(c, false);
		return;
	}
	free(c->pending);
	c->pending = NULL;
	c->pending_len = 0;
}

static void *
server_main(void *arg)
{
	struct pollfd pf[2 + HM_TELEMETRY_MAX_CLIENTS];
	struct client *who[HM_TELEMETRY_MAX_CLIENTS];
	int64_t pause_until = 0;

	(void)arg;
	pthread_setname_np(pthread_self(), "hm-telemetry");
	for (;;) {
		unsigned int n = 0, nc = 0;
		bool stalled = false;
		int timeout = -1;

		pf[n++] = (struct pollfd){ .fd = srv.wake[0], .events = POLLIN };
		if ((int64_t)hm_now_ms() >= pause_until)
			pf[n++] = (struct pollfd){ .fd = srv.listen_fd, .events = POLLIN };
		else
			timeout = ACCEPT_PAUSE_MS;
		for (unsigned int i = 0; i < HM_TELEMETRY_MAX_CLIENTS; i++) {
			struct client *c = &srv.clients[i];
			if (c->fd < 0)
				continue;
			stalled |= c->pending != NULL;
			who[nc++] = c;
			pf[n++] = (struct pollfd){ .fd = c->fd,
						   .events = c->pending != NULL ? POLLOUT : POLLIN };
		}
		if (stalled)
			timeout = 500;
		if (poll(pf, n, timeout) < 0 && errno != EINTR)
			break;
		if (pf[0].revents != 0)
			break; /* stop */
		for (unsigned int i = 0; i < nc; i++) {
			struct pollfd *p = &pf[n - nc + i];
			struct client *c = who[i];
			if (c->pending != NULL) {
				if (p->revents & (POLLERR | POLLHUP | POLLNVAL))
					client_close(c, false);
				else
					flush_pending(c); /* also on timeout: closes a stalled one */
			} else if (p->revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) {
				serve_one(c);
			}
		}
		if (n > nc + 1 && (pf[1].revents & POLLIN))
			accept_all(&pause_until);
	}
	return NULL;
}

/* ---------------------------------------------------------------- start, stop */

static void
inst_free(struct tel_instance *in)
{
	free(in->argv);
	memset(in, 0, sizeof(*in));
}

/* Copy the instance description: argv strings in one block after the pointers. */
static int
inst_copy(struct tel_instance *in, const struct tel_start_params *p)
{
	size_t bytes = (size_t)(p->argc + 1) * sizeof(char *);
	char *s;

	memset(in, 0, sizeof(*in));
	for (int i = 0; i < p->argc; i++)
		bytes += strlen(p->argv[i]) + 1;
	bytes += strlen(p->prefix) + 1 + strlen(p->runtime_dir) + 1;
	in->argv = malloc(bytes);
	if (in->argv == NULL)
		return hm_fail(ENOMEM, "telemetry: out of memory");
	s = (char *)(in->argv + p->argc + 1);
	for (int i = 0; i < p->argc; i++) {
		in->argv[i] = strcpy(s, p->argv[i]);
		s += strlen(s) + 1;
	}
	in->argv[p->argc] = NULL;
	in->argc = p->argc;
	in->n_eal = p->n_eal;
	in->prefix = strcpy(s, p->prefix);
	s += strlen(s) + 1;
	in->runtime_dir = strcpy(s, p->runtime_dir);
	in->backend = p->backend;
	return 0;
}

static void
close_fds(void)
{
	for (unsigned int i = 0; i < HM_TELEMETRY_MAX_CLIENTS; i++) {
		struct client *c = &srv.clients[i];
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		free(c->pending);
		c->pending = NULL;
		tel_conn_set(&c->conn, NULL, NULL);
	}
	if (srv.listen_fd >= 0)
		close(srv.listen_fd);
	for (int i = 0; i < 2; i++)
		if (srv.wake[i] >= 0)
			close(srv.wake[i]);
	srv.listen_fd = srv.wake[0] = srv.wake[1] = -1;
}

int
telemetry_start(const struct tel_start_params *p)
{
	sigset_t all, old;
	int rc;

	if (srv.running)
		return hm_fail(EALREADY, "telemetry: the server is running already");
	if ((rc = tel_endpoints_register()) < 0)
		return rc;
	memset(&srv.stats, 0, sizeof(srv.stats));
	for (unsigned int i = 0; i < HM_TELEMETRY_MAX_CLIENTS; i++)
		srv.clients[i].fd = -1;
	srv.n_made = 0;
	if ((rc = inst_copy(&srv.inst, p)) < 0)
		return rc;
	if ((rc = make_dirs(p->prefix)) < 0)
		goto fail;
	if ((rc = bind_socket()) < 0)
		goto fail;
	srv.listen_fd = rc;
	if (pipe2(srv.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		rc = hm_fail(errno, "telemetry: pipe: %s", hm_strerror(-errno));
		goto fail;
	}
	tel_endpoints_set(&srv.inst);
	/* the thread takes no signal: they go to the application's threads */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = -pthread_create(&srv.thread, NULL, server_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		tel_endpoints_set(NULL);
		hm_fail(-rc, "telemetry: cannot start its thread: %s", hm_strerror(rc));
		goto fail;
	}
	srv.pid = getpid();
	pthread_mutex_lock(&srv.lock);
	srv.running = true;
	pthread_mutex_unlock(&srv.lock);
	HM_LOG(INFO, "telemetry: serving %s (dpdk-telemetry.py -f %s%s)", srv.path, p->prefix,
	       srv.stats.instance == 0 ? "" : " -i N");
	return 0;
fail:
	if (srv.listen_fd >= 0)
		unlink(srv.path);
	close_fds();
	remove_made();
	inst_free(&srv.inst);
	return rc;
}

void
telemetry_stop(void)
{
	struct stat st;

	if (!srv.running)
		return;
	if (srv.pid == getpid()) {
		/* the name first (only if it is still the one we bound), so that no
		 * new client reaches a server about to go */
		if (lstat(srv.path, &st) == 0 && st.st_ino == srv.path_ino &&
		    st.st_dev == srv.path_dev)
			unlink(srv.path);
		(void)!write(srv.wake[1], "x", 1);
		pthread_join(srv.thread, NULL);
		close_fds();
		remove_made();
	} else {
		/* a forked child: the thread and the socket are the parent's */
		for (unsigned int i = 0; i < HM_TELEMETRY_MAX_CLIENTS; i++) {
			struct client *c = &srv.clients[i];
			if (c->fd >= 0)
				close(c->fd);
			c->fd = -1;
			free(c->pending);
			c->pending = NULL;
			c->conn.ctx = NULL; /* the parent's to free */
			c->conn.ctx_free = NULL;
		}
		close(srv.listen_fd);
		close(srv.wake[0]);
		close(srv.wake[1]);
		srv.listen_fd = srv.wake[0] = srv.wake[1] = -1;
		srv.n_made = 0;
	}
	tel_endpoints_set(NULL);
	inst_free(&srv.inst);
	pthread_mutex_lock(&srv.lock);
	srv.running = false;
	pthread_mutex_unlock(&srv.lock);
}

/* ---------------------------------------------------------------- queries */

const char *
hm_telemetry_socket_path(void)
{
	const char *p;

	pthread_mutex_lock(&srv.lock);
	p = srv.running ? srv.path : NULL;
	pthread_mutex_unlock(&srv.lock);
	return p;
}

int
hm_telemetry_stats_get(struct hm_telemetry_stats *st)
{
	int rc = 0;

	if (st == NULL)
		return hm_fail(EINVAL, "telemetry: NULL stats");
	pthread_mutex_lock(&srv.lock);
	if (srv.running)
		*st = srv.stats;
	else
		rc = hm_fail(ENODEV, "telemetry: the server is not running");
	pthread_mutex_unlock(&srv.lock);
	return rc;
}

int
hm_telemetry_check(const char **reason)
{
	const char *why = tel_registry_check();

	pthread_mutex_lock(&srv.lock);
	if (why == NULL && srv.running) {
		if (srv.stats.clients > HM_TELEMETRY_MAX_CLIENTS)
			why = "more clients than the cap";
		else if (srv.stats.instance >= HM_TELEMETRY_MAX_INSTANCES)
			why = "instance beyond HM_TELEMETRY_MAX_INSTANCES";
		else if (srv.listen_fd < 0 || srv.path[0] != '/')
			why = "running without a socket";
	}
	pthread_mutex_unlock(&srv.lock);
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return -EFAULT;
	}
	return 0;
}
