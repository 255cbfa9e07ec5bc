/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem-fusefs, the client side (no libfuse here): start a daemon and wait
 * until it serves, stop it, attach to one that runs already, talk to it through
 * M/control, and the xattr oracle of page files.
 *
 * Start: a socketpair, fork, in the child setsid() (terminal signals are the
 * parent's business; the daemon stops when the parent does), stdin/out/err on
 * /dev/null, every other fd closed, exec `hugemem-fusefs --client-fd=3 ...`.
 * The parent reads "ready" or "error: <why>" (10 s at most).
 *
 * Holds (hold.c): every process using the mount, the starter too, keeps
 * M/hold open (O_RDWR, O_CLOEXEC) from start/attach to stop. Stop: write
 * "leave" to the hold, read the count left, close it. The starter then closes
 * its socket end; when no other hold was left it waits as before (5 s, then
 * SIGKILL; a mount left behind, a killed daemon's, is lazily unmounted; a
 * mount point we created is removed), else it returns at once and the daemon
 * serves the others until the last one leaves (it removes the mount point
 * itself: --remove-mountpoint). A process attached to a daemon whose starter
 * left, and that was the last hold, waits (5 s at most) until the daemon has
 * exited, so that whatever it does next (the last one out removes the runtime
 * dir) finds the mount gone. A daemon left to others stays this process's
 * child: a detached thread of its own blocks in waitpid() for it, so it is
 * reaped the moment it exits and no zombie stays behind while this process
 * lives on (without a thread, the next start or stop in this process reaps
 * it). So is a daemon that outlived its SIGKILL at stop (stuck in the kernel).
 * A handle stopped in a child forked after start/attach (hm_cleanup there)
 * only closes the child's copies of its descriptors: the parent's daemon,
 * hold and mount are left as they are.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fusefs_i.h"
#include "hm_config.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif
#ifndef MNT_DETACH
#define MNT_DETACH 2
#endif

#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 5000

struct hm_fusefs {
	char mnt[PATH_MAX];
	pid_t pid;          /* daemon we started; -1 attached */
	pid_t dpid;         /* the daemon's pid as it said (hold read); -1 unknown */
	int fd;             /* our end of the socketpair; -1 attached */
	int hold;           /* our open of M/hold; -1 none */
	pid_t owner;        /* the process that started or attached: only it leaves */
	bool made_dir;      /* we created mnt */
	bool reaped;        /* pid waited for */
	int status;         /* its wait status, if reaped */
};

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The daemon program: $HUGEMEM_FUSEFS_BIN, the build tree's, the installed one. */
static int
find_daemon(char *out, size_t len)
{
	const char *env = getenv("HUGEMEM_FUSEFS_BIN");
	const char *const cands[] = {
#ifdef HM_FUSEFS_BUILD_PATH
		HM_FUSEFS_BUILD_PATH,
#endif
#ifdef HM_FUSEFS_INSTALL_PATH
		HM_FUSEFS_INSTALL_PATH,
#endif
		NULL,
	};

	if (env != NULL && *env != '\0') {
		if (access(env, X_OK) != 0)
			return hm_fail(ENOENT, "fusefs: $HUGEMEM_FUSEFS_BIN=%s is not executable: %s",
				       env, strerror(errno));
		return hm_snprintf(out, len, "%s", env) < 0 ?
			hm_fail(ENAMETOOLONG, "fusefs: $HUGEMEM_FUSEFS_BIN is too long") : 0;
	}
	for (unsigned int i = 0; cands[i] != NULL; i++)
		if (access(cands[i], X_OK) == 0)
			return hm_snprintf(out, len, "%s", cands[i]) < 0 ? -ENAMETOOLONG : 0;
	return hm_fail(ENOENT, "fusefs: the hugemem-fusefs program is not built or installed "
		       "(build with libfuse3-dev installed, or set $HUGEMEM_FUSEFS_BIN)");
}

/* 1 when @p path is the root of a mount (its device differs from its parent's). */
static int
is_mount(const char *path)
{
	char parent[PATH_MAX];
	struct stat a, b;

	if (hm_snprintf(parent, sizeof(parent), "%s/..", path) < 0)
		return -ENAMETOOLONG;
	if (stat(path, &a) != 0)
		return errno == ENOTCONN ? 1 : -errno;
	if (stat(parent, &b) != 0)
		return -errno;
	return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

/* Unmount @p path lazily (root: umount2; else fusermount3 -u -z). */
static int
lazy_unmount(const char *path)
{
	pid_t pid, w;
	int st = 0;

	if (geteuid() == 0)
		return umount2(path, MNT_DETACH) == 0 ? 0 : -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp("fusermount3", "fusermount3", "-u", "-z", "-q", path, (char *)NULL);
		_exit(127);
	}
	while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	return w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EPERM;
}

/* A live hugemem-fusefs mount at @p mnt: 0, or -ENOTCONN with the reason. */
static int
check_live(const char *mnt)
{
	char path[PATH_MAX];
	struct statfs sf;

	if (statfs(mnt, &sf) != 0)
		return hm_fail(ENOTCONN, "fusefs: %s: %s%s", mnt, strerror(errno),
			       errno == ENOTCONN ? " (its hugemem-fusefs daemon died)" : "");
	if (sf.f_type != FUSE_SUPER_MAGIC)
		return hm_fail(ENOTCONN, "fusefs: %s is not a FUSE mount (start hugemem-fusefs %s)",
			       mnt, mnt);
	if (hm_snprintf(path, sizeof(path), "%s/control", mnt) < 0 || access(path, R_OK) != 0)
		return hm_fail(ENOTCONN, "fusefs: %s is a FUSE mount but not hugemem-fusefs's "
			       "(no readable control file)", mnt);
	return 0;
}

static struct hm_fusefs *
fs_new(const char *mnt)
{
	struct hm_fusefs *fs = calloc(1, sizeof(*fs));

	if (fs == NULL)
		return hm_fail_ptr(ENOMEM, "fusefs: out of memory");
	if (hm_snprintf(fs->mnt, sizeof(fs->mnt), "%s", mnt) < 0) {
		free(fs);
		return hm_fail_ptr(ENAMETOOLONG, "fusefs: mount point '%s' is too long", mnt);
	}
	fs->pid = -1;
	fs->dpid = -1;
	fs->fd = -1;
	fs->hold = -1;
	fs->owner = getpid();
	return fs;
}

/* Daemons this process started and left to other processes (not yet reaped). */
#define LEFT_MAX 32
static pid_t left_daemons[LEFT_MAX];

/* Reap the daemons we left behind that have exited since. */
static void
reap_left(void)
{
	for (unsigned int i = 0; i < LEFT_MAX; i++) {
		pid_t r;
		if (left_daemons[i] <= 0)
			continue;
		r = waitpid(left_daemons[i], NULL, WNOHANG);
		if (r == left_daemons[i] || (r < 0 && errno == ECHILD))
			left_daemons[i] = 0;
	}
}

static void *
reaper_main(void *arg)
{
	pid_t pid = (pid_t)(intptr_t)arg;

	pthread_setname_np(pthread_self(), "hm-fusefs-reap");
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return NULL; /* ECHILD: reaped by someone else (the application's waitpid(-1)) */
}

/* Our daemon @p pid goes on without us: reap it when it exits. */
static void
leave_daemon(pid_t pid)
{
	pthread_attr_t at;
	pthread_t t;
	sigset_t all, old;
	int rc;

	if (pthread_attr_init(&at) == 0) {
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&at, 256 * 1024);
		/* the thread takes no signal: they go to the application's threads */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		rc = pthread_create(&t, &at, reaper_main, (void *)(intptr_t)pid);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&at);
		if (rc == 0)
			return;
	}
	HM_LOG(DEBUG, "fusefs: no thread to reap daemon %d: the next start or stop does",
	       (int)pid);
	for (unsigned int i = 0; i < LEFT_MAX; i++)
		if (left_daemons[i] <= 0) {
			left_daemons[i] = pid;
			return;
		}
	/* table full: its zombie waits for this process's exit */
}

/* "holds=N stopping=S pid=P" of an open hold. 0 or -errno. */
static int
read_hold(int fd, unsigned int *holds, int *stopping, int *pid)
{
	char line[96];
	ssize_t n = pread(fd, line, sizeof(line) - 1, 0);

	if (n < 0)
		return -errno;
	line[n] = '\0';
	if (sscanf(line, "holds=%u stopping=%d pid=%d", holds, stopping, pid) != 3)
		return -EPROTO;
	return 0;
}

/* Open M/hold: this process uses the mount from now on. 0 or -errno. */
static int
open_hold(struct hm_fusefs *fs)
{
	char path[PATH_MAX];
	unsigned int holds;
	struct stat st;
	int stopping, pid, rc, e;

	if (hm_snprintf(path, sizeof(path), "%s/hold", fs->mnt) < 0)
		return hm_fail(ENAMETOOLONG, "fusefs: mount point '%s' is too long", fs->mnt);
	fs->hold = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fs->hold < 0 && errno == EACCES) {
		/* another user's daemon (allow_other): it holds for its own user only */
		HM_LOG(NOTICE, "fusefs: %s is another user's: this process does not keep the "
		       "daemon serving (it stops when its own user's processes left)", path);
		return 0;
	}
	if (fs->hold < 0) {
		e = errno;
		return hm_fail(e == ESHUTDOWN ? ENOTCONN : e, "fusefs: cannot hold %s: %s%s", path,
			       strerror(e), e == ESHUTDOWN ? " (its daemon is stopping: the process "
			       "that started it and every other user left)" : "");
	}
	if (fstat(fs->hold, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != geteuid() && geteuid() != 0)) {
		rc = hm_fail(EPERM, "fusefs: %s is not a hold file of this user's daemon", path);
		goto fail;
	}
	rc = read_hold(fs->hold, &holds, &stopping, &pid);
	if (rc < 0) {
		rc = hm_fail(-rc, "fusefs: %s does not answer as a hold file: %s", path,
			     strerror(-rc));
		goto fail;
	}
	fs->dpid = pid;
	return 0;
fail:
	close(fs->hold);
	fs->hold = -1;
	return rc;
}

/* Whether process @p pid has exited (gone, or a zombie nobody reaped yet). */
static bool
pid_gone(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

int
hm_fusefs_attach(const char *mountpoint, struct hm_fusefs **out)
{
	struct hm_fusefs *fs;
	int rc;

	if (mountpoint == NULL || out == NULL || mountpoint[0] != '/')
		return hm_fail(EINVAL, "fusefs: attach needs an absolute mount point and an output");
	rc = check_live(mountpoint);
	if (rc < 0)
		return rc;
	fs = fs_new(mountpoint);
	if (fs == NULL)
		return -hm_errno;
	rc = open_hold(fs);
	if (rc < 0) {
		free(fs);
		return rc;
	}
	*out = fs;
	return 0;
}

/* In the child: fd 3 = @p sock, 0-2 = /dev/null, nothing else open; exec. */
static void __attribute__((noreturn))
child(int sock, const char *bin, char **argv)
{
	int null;

	setsid();
	if (sock != 3) {
		if (dup2(sock, 3) < 0)
			_exit(126);
	} else {
		fcntl(3, F_SETFD, 0);
	}
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 4U, ~0U, 0U) != 0)
#endif
		for (int fd = 4; fd < 65536; fd++)
			close(fd);
	execv(bin, argv);
	_exit(127);
}

/* Read the daemon's first line ("ready" / "error: ...") within the timeout. */
static int
await_ready(struct hm_fusefs *fs, char *line, size_t len)
{
	size_t got = 0;
	struct pollfd p = { fs->fd, POLLIN, 0 };

	line[0] = '\0';
	for (int waited = 0; waited < START_TIMEOUT_MS;) {
		int r = poll(&p, 1, 100);
		ssize_t n;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			waited += 100;
			continue;
		}
		n = read(fs->fd, line + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE; /* the daemon exited */
		got += (size_t)n;
		line[got] = '\0';
		if (strchr(line, '\n') != NULL || got + 1 >= len) {
			char *nl = strchr(line, '\n');
			if (nl != NULL)
				*nl = '\0';
			return 0;
		}
	}
	return -ETIMEDOUT;
}

/* Wait for our daemon to exit, @p ms at most; true when it did. */
static bool
reap(struct hm_fusefs *fs, unsigned int ms)
{
	for (unsigned int t = 0; !fs->reaped; t++) {
		pid_t r = waitpid(fs->pid, &fs->status, WNOHANG);
		if (r == fs->pid || (r < 0 && errno == ECHILD)) {
			fs->reaped = true;
			break;
		}
		if (t >= ms)
			return false;
		sleep_ms(1);
	}
	return true;
}

int
hm_fusefs_start(const char *mountpoint, const char *topology, const char *spec,
		struct hm_fusefs **out)
{
	char bin[PATH_MAX], line[1500], topo_arg[HM_EMU_TOPOLOGY_STR_MAX + 16];
	char *spec_arg = NULL, *argv[9];
	struct fs_machine probe;
	struct hm_fusefs *fs;
	struct stat st;
	int sv[2], rc, argc = 0, m;

	reap_left();
	if (mountpoint == NULL || out == NULL || mountpoint[0] != '/')
		return hm_fail(EINVAL, "fusefs: start needs an absolute mount point and an output");
	/* refuse a bad machine here, with the parser's message, not the daemon's */
	rc = fs_machine_init(&probe, topology, spec);
	if (rc < 0)
		return rc;
	fs_machine_fini(&probe);
	if (topology != NULL && strlen(topology) >= HM_EMU_TOPOLOGY_STR_MAX)
		return hm_fail(EINVAL, "fusefs: topology is too long");
	if (access("/dev/fuse", R_OK | W_OK) != 0)
		return hm_fail(ENODEV, "fusefs: /dev/fuse is not usable (%s): modprobe fuse; in a "
			       "container pass --device /dev/fuse (hugemem doctor --backend=fuse)",
			       strerror(errno));
	rc = find_daemon(bin, sizeof(bin));
	if (rc < 0)
		return rc;
	fs = fs_new(mountpoint);
	if (fs == NULL)
		return -hm_errno;
	m = is_mount(mountpoint);
	if (m == -ENOENT) {
		if (mkdir(mountpoint, 0700) != 0) {
			rc = hm_fail(errno, "fusefs: cannot create mount point %s: %s", mountpoint,
				     strerror(errno));
			goto fail;
		}
		fs->made_dir = true;
	} else if (m == 1) {
		struct statfs sf;
		if (check_live(mountpoint) == 0) {
			rc = hm_fail(EBUSY, "fusefs: %s is already a hugemem-fusefs mount (attach to "
				     "it, or stop its daemon)", mountpoint);
			goto fail;
		}
		/* stat may still answer from cached attributes; statfs asks the daemon */
		if (statfs(mountpoint, &sf) != 0 && errno == ENOTCONN) {
			HM_LOG(NOTICE, "fusefs: %s is the mount of a dead daemon; unmounting it",
			       mountpoint);
			lazy_unmount(mountpoint);
		} else {
			rc = hm_fail(EBUSY, "fusefs: %s is a mount point already", mountpoint);
			goto fail;
		}
	} else if (m < 0) {
		rc = hm_fail(-m, "fusefs: mount point %s: %s", mountpoint, strerror(-m));
		goto fail;
	}
	if (stat(mountpoint, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rc = hm_fail(ENOTDIR, "fusefs: mount point %s is not a directory", mountpoint);
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		rc = hm_fail(errno, "fusefs: socketpair: %s", strerror(errno));
		goto fail;
	}
	argv[argc++] = (char *)"hugemem-fusefs";
	argv[argc++] = (char *)"--client-fd=3";
	if (fs->made_dir)
		argv[argc++] = (char *)"--remove-mountpoint";
	if (topology != NULL) {
		snprintf(topo_arg, sizeof(topo_arg), "--topology=%s", topology);
		argv[argc++] = topo_arg;
	}
	if (spec != NULL && *spec != '\0') {
		if (asprintf(&spec_arg, "--fault=%s", spec) < 0) {
			close(sv[0]);
			close(sv[1]);
			rc = hm_fail(ENOMEM, "fusefs: out of memory");
			goto fail;
		}
		argv[argc++] = spec_arg;
	}
	argv[argc++] = fs->mnt;
	argv[argc] = NULL;
	fs->pid = fork();
	if (fs->pid == 0)
		child(sv[1], bin, argv);
	rc = errno;
	close(sv[1]);
	free(spec_arg);
	if (fs->pid < 0) {
		close(sv[0]);
		rc = hm_fail(rc, "fusefs: fork: %s", strerror(rc));
		goto fail;
	}
	fs->fd = sv[0];
	rc = await_ready(fs, line, sizeof(line));
	if (rc == 0 && strcmp(line, "ready") == 0) {
		rc = open_hold(fs);
		if (rc == 0) {
			*out = fs;
			return 0;
		}
		char why[512];
		snprintf(why, sizeof(why), "%s", hm_last_error());
		hm_fusefs_stop(fs);
		return hm_fail(-rc, "%s", why);
	}
	if (rc == 0 && strncmp(line, "error: ", 7) == 0)
		rc = hm_fail(strstr(line, "fuse: device not found") != NULL ? ENODEV : EIO,
			     "fusefs: hugemem-fusefs could not start on %s: %s", mountpoint,
			     line + 7);
	else if (rc == -ETIMEDOUT)
		rc = hm_fail(ETIMEDOUT, "fusefs: hugemem-fusefs did not answer within %d s",
			     START_TIMEOUT_MS / 1000);
	else if (reap(fs, 1000) && WIFEXITED(fs->status))
		rc = hm_fail(EIO, "fusefs: %s exited with status %d before mounting %s%s", bin,
			     WEXITSTATUS(fs->status), mountpoint, WEXITSTATUS(fs->status) == 127 ?
			     " (cannot execute it)" : "");
	else
		rc = hm_fail(EIO, "fusefs: %s died before mounting %s", bin, mountpoint);
	hm_fusefs_stop(fs);
	return rc;
fail:
	if (fs->made_dir)
		rmdir(fs->mnt);
	free(fs);
	return rc;
}

void
hm_fusefs_stop(struct hm_fusefs *fs)
{
	unsigned int holds = 0;
	int stopping = 0, dpid = -1;
	bool known = false;

	reap_left();
	if (fs == NULL)
		return;
	if (fs->owner != getpid()) {
		/* a forked child's copy (hm_cleanup after fork): the hold, the socket
		 * and the daemon are its parent's. Closing our copies of the fds
		 * releases nothing (the open file descriptions stay the parent's); a
		 * "leave" written here, a wait or an unmount would end the parent's. */
		if (fs->hold >= 0)
			close(fs->hold);
		if (fs->fd >= 0)
			close(fs->fd);
		free(fs);
		return;
	}
	if (fs->hold >= 0) {
		/* leave first, then read what is left: the daemon orders both */
		known = write(fs->hold, "leave", 5) == 5 &&
			read_hold(fs->hold, &holds, &stopping, &dpid) == 0;
		close(fs->hold);
		fs->hold = -1;
	}
	if (fs->pid > 0 && known && holds > 0) {
		/* others use the mount: the daemon serves them and stops after them */
		close(fs->fd);
		fs->fd = -1;
		HM_LOG(INFO, "fusefs: daemon %d keeps serving %s for %u other process(es)",
		       (int)fs->pid, fs->mnt, holds);
		leave_daemon(fs->pid);
		free(fs);
		return;
	}
	if (fs->pid <= 0 && fs->dpid > 0 && (known ? stopping != 0 : true)) {
		/* the last user of a daemon whose starter left: it stops now */
		for (unsigned int t = 0; !pid_gone(fs->dpid); t++) {
			if (t >= STOP_TIMEOUT_MS) {
				HM_LOG(WARNING, "fusefs: daemon %d of %s did not stop within %d s",
				       (int)fs->dpid, fs->mnt, STOP_TIMEOUT_MS / 1000);
				break;
			}
			sleep_ms(1);
		}
	}
	if (fs->pid > 0) {
		if (fs->fd >= 0)
			close(fs->fd);
		fs->fd = -1;
		if (!reap(fs, STOP_TIMEOUT_MS)) {
			HM_LOG(WARNING, "fusefs: daemon %d did not stop within %d s; killing it",
			       (int)fs->pid, STOP_TIMEOUT_MS / 1000);
			kill(fs->pid, SIGKILL);
			if (!reap(fs, STOP_TIMEOUT_MS))
				leave_daemon(fs->pid); /* stuck in the kernel: reaped when it ends */
		} else if (WIFEXITED(fs->status) && WEXITSTATUS(fs->status) != 0) {
			HM_LOG(WARNING, "fusefs: daemon %d exited with status %d%s", (int)fs->pid,
			       WEXITSTATUS(fs->status), WEXITSTATUS(fs->status) == 3 ?
			       " (a die fault)" : "");
		}
		if (is_mount(fs->mnt) == 1 && lazy_unmount(fs->mnt) < 0)
			HM_LOG(WARNING, "fusefs: cannot unmount %s: %s", fs->mnt, strerror(errno));
		if (fs->made_dir && rmdir(fs->mnt) != 0 && errno != ENOENT)
			HM_LOG(WARNING, "fusefs: cannot remove mount point %s: %s", fs->mnt,
			       strerror(errno));
	}
	free(fs);
}

const char *
hm_fusefs_mountpoint(const struct hm_fusefs *fs)
{
	if (fs == NULL)
		return hm_fail_ptr(EINVAL, "fusefs: NULL daemon");
	return fs->mnt;
}

int
hm_fusefs_pid(const struct hm_fusefs *fs)
{
	return fs != NULL && fs->pid > 0 ? (int)fs->pid : -1;
}

bool
hm_fusefs_alive(const struct hm_fusefs *fs)
{
	struct statfs sf;

	if (fs == NULL)
		return false;
	if (fs->pid > 0) { /* ours: an exited process settles it without a request */
		siginfo_t si;
		if (fs->reaped)
			return false;
		si.si_pid = 0; /* WNOWAIT: look, leave the status to hm_fusefs_stop */
		if (waitid(P_PID, (id_t)fs->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid != 0)
			return false;
	}
	/* a dying daemon closes its connection before it becomes a zombie: ask the mount */
	return statfs(fs->mnt, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC;
}

/* open <mnt>/control; -errno with a message. */
static int
open_control(const char *mnt, int flags)
{
	char path[PATH_MAX];
	int fd;

	if (mnt == NULL || mnt[0] != '/')
		return hm_fail(EINVAL, "fusefs: needs an absolute mount point");
	if (hm_snprintf(path, sizeof(path), "%s/control", mnt) < 0)
		return hm_fail(ENAMETOOLONG, "fusefs: mount point '%s' is too long", mnt);
	fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int e = errno;
		return hm_fail(e == ENOENT || e == ENOTCONN ? ENOTCONN : e, "fusefs: %s: %s%s", path,
			       strerror(e), e == ENOTCONN ? " (the daemon died)" : "");
	}
	return fd;
}

int
hm_fusefs_status(const char *mountpoint, char *buf, size_t len)
{
	size_t got = 0;
	int fd;

	if (buf == NULL || len == 0)
		return hm_fail(EINVAL, "fusefs: status needs a buffer");
	fd = open_control(mountpoint, O_RDONLY);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return hm_fail(e, "fusefs: reading %s/control: %s", mountpoint, strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got + 1 >= len) {
			close(fd);
			return hm_fail(ENAMETOOLONG, "fusefs: status does not fit in %zu bytes", len);
		}
	}
	close(fd);
	buf[got] = '\0';
	return (int)got;
}

/* The value of the "<key>: " line of the status, copied to @p out; false if none. */
static bool
status_line(const char *status, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	for (const char *p = status; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ':' && p[kl + 1] == ' ') {
			const char *e = strchr(p, '\n');
			size_t n = e != NULL ? (size_t)(e - p) - kl - 2 : strlen(p + kl + 2);
			if (n >= len)
				n = len - 1;
			memcpy(out, p + kl + 2, n);
			out[n] = '\0';
			return true;
		}
	}
	return false;
}

int
hm_fusefs_control(const char *mountpoint, const char *spec)
{
	size_t len;
	ssize_t n;
	int fd, e;

	if (spec == NULL)
		return hm_fail(EINVAL, "fusefs: control needs a spec");
	len = strlen(spec);
	if (len == 0)
		return 0;
	fd = open_control(mountpoint, O_WRONLY);
	if (fd < 0)
		return fd;
	n = write(fd, spec, len);
	e = errno;
	close(fd);
	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		return hm_fail(EIO, "fusefs: short write to %s/control", mountpoint);
	if (e == EINVAL) {
		char *st = malloc(65536), why[512] = "rejected";
		if (st != NULL && hm_fusefs_status(mountpoint, st, 65536) >= 0)
			status_line(st, "error", why, sizeof(why));
		free(st);
		return hm_fail(EINVAL, "%s", why);
	}
	if (e == ECONNABORTED)
		e = ENOTCONN; /* the request was in flight when the daemon went */
	return hm_fail(e, "fusefs: writing '%s' to %s/control: %s%s", spec, mountpoint,
		       strerror(e), e == ENOTCONN ? " (the daemon died)" : "");
}

int
hm_fusefs_check(const char *mountpoint)
{
	char *st = malloc(65536), val[512];
	int rc;

	if (st == NULL)
		return hm_fail(ENOMEM, "fusefs: out of memory");
	rc = hm_fusefs_status(mountpoint, st, 65536);
	if (rc >= 0) {
		if (!status_line(st, "check", val, sizeof(val)))
			rc = hm_fail(EIO, "fusefs: %s/control has no check line", mountpoint);
		else if (strcmp(val, "ok") == 0)
			rc = 0;
		else
			rc = hm_fail(EFAULT, "fusefs: daemon at %s: %s", mountpoint, val);
	}
	free(st);
	return rc;
}

/* The fd is on a FUSE file system: 0, or -ENOTSUP / -EINVAL. */
static int
fuse_fd(int fd, const char *what)
{
	struct statfs sf;

	if (fd < 0 || fstatfs(fd, &sf) != 0)
		return hm_fail(EINVAL, "fusefs: %s: fd %d: %s", what, fd,
			       fd < 0 ? "negative" : strerror(errno));
	if (sf.f_type != FUSE_SUPER_MAGIC)
		return hm_fail(ENOTSUP, "fusefs: %s: fd %d is not on a hugemem-fusefs mount", what, fd);
	return 0;
}

int
hm_fusefs_set_node(int fd, int node)
{
	char v[16];
	int rc = fuse_fd(fd, "set_node");

	if (rc < 0)
		return rc;
	if (node < 0 || node >= HM_MAX_NUMA_NODES)
		return hm_fail(EINVAL, "fusefs: set_node: node %d is out of range", node);
	snprintf(v, sizeof(v), "%d", node);
	if (fsetxattr(fd, HM_FUSEFS_XATTR_NODE, v, strlen(v), 0) != 0) {
		int e = errno;
		if (e == EOPNOTSUPP || e == ENOTSUP)
			return hm_fail(ENOTSUP, "fusefs: set_node: fd %d is not a page file", fd);
		return hm_fail(e, "fusefs: set_node %d on fd %d: %s%s", node, fd, strerror(e),
			       e == EINVAL ? " (the machine has no such node)" : "");
	}
	return 0;
}

int
hm_fusefs_page_info(int fd, uint64_t index, int *node, uint64_t *pa)
{
	char name[64], v[96];
	unsigned int nd;
	unsigned long long p;
	ssize_t n;
	int rc;

	if (node == NULL || pa == NULL)
		return hm_fail(EINVAL, "fusefs: page_info needs outputs");
	rc = fuse_fd(fd, "page_info");
	if (rc < 0)
		return rc;
	snprintf(name, sizeof(name), HM_FUSEFS_XATTR_PAGE "%" PRIu64, index);
	n = fgetxattr(fd, name, v, sizeof(v) - 1);
	if (n < 0) {
		int e = errno;
		if (e == ENODATA)
			return hm_fail(ENODATA, "fusefs: page %" PRIu64 " of fd %d has no page of the "
				       "pool", index, fd);
		return hm_fail(e == EOPNOTSUPP ? ENOTSUP : e, "fusefs: page_info of fd %d: %s", fd,
			       strerror(e));
	}
	v[n] = '\0';
	if (sscanf(v, "node=%u pa=0x%llx", &nd, &p) != 2)
		return hm_fail(EIO, "fusefs: page_info: unexpected answer '%s'", v);
	*node = (int)nd;
	*pa = p;
	return 0;
}

int
hm_fusefs_doctor(FILE *out)
{
	char bin[PATH_MAX];
	const char *mnt = getenv("HUGEMEM_FUSEFS_MOUNT");
	int problems = 0;

#define OK(...) do { if (out != NULL) { fprintf(out, "ok    "); fprintf(out, __VA_ARGS__); \
	fprintf(out, "\n"); } } while (0)
#define FAIL(fix, ...) do { problems++; if (out != NULL) { fprintf(out, "FAIL  "); \
	fprintf(out, __VA_ARGS__); fprintf(out, "\n  fix: %s\n", fix); } } while (0)
	if (access("/dev/fuse", R_OK | W_OK) == 0)
		OK("/dev/fuse is usable");
	else
		FAIL("modprobe fuse (as root); in a container: docker run --device /dev/fuse "
		     "--cap-add SYS_ADMIN", "/dev/fuse is not usable: %s", strerror(errno));
	if (geteuid() == 0) {
		OK("running as root: hugemem-fusefs mounts with mount(2)");
	} else {
		const char *path = getenv("PATH");
		char cand[PATH_MAX];
		bool found = false;
		struct stat st;
		for (const char *p = path != NULL ? path : "/usr/bin:/bin"; p != NULL && !found;
		     p = strchr(p, ':'), p = p != NULL ? p + 1 : NULL) {
			size_t n = strcspn(p, ":");
			if (snprintf(cand, sizeof(cand), "%.*s/fusermount3", (int)n, p) <
				    (int)sizeof(cand) && stat(cand, &st) == 0)
				found = true;
		}
		if (!found)
			FAIL("apt-get install fuse3 (as root)", "fusermount3 is not installed: an "
			     "ordinary user cannot mount FUSE file systems");
		else if ((st.st_mode & S_ISUID) == 0)
			FAIL("chmod u+s the fusermount3 above (as root; Debian's fuse3 package "
			     "installs it setuid)", "%s is not setuid root", cand);
		else
			OK("%s can mount for this user", cand);
	}
	if (find_daemon(bin, sizeof(bin)) == 0)
		OK("daemon program %s", bin);
	else
		FAIL("install libfuse3-dev and rebuild (meson setup -Dfuse=enabled), or set "
		     "HUGEMEM_FUSEFS_BIN", "%s", hm_last_error());
	if (mnt != NULL && *mnt != '\0') {
		if (check_live(mnt) == 0)
			OK("HUGEMEM_FUSEFS_MOUNT=%s is a live hugemem-fusefs mount", mnt);
		else
			FAIL("start one: hugemem fusefs <dir> &, or unset HUGEMEM_FUSEFS_MOUNT", "%s",
			     hm_last_error());
	}
#undef OK
#undef FAIL
	return problems;
}

#ifndef HM_HAVE_FUSE
int
hm_fusefs_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "hugemem-fusefs: this build has no libfuse3 (install libfuse3-dev and "
		"rebuild)\n");
	return 1;
}
#endif
