/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem-fusefs, the daemon: hm_fusefs_main() parses the options, builds the
 * tree, mounts, serves requests one at a time and unmounts on SIGINT/SIGTERM/
 * SIGHUP, on `fusermount3 -u`/`umount`, or, when a hugemem process started it
 * (--client-fd), when that process closes its end or dies.
 *
 * Start protocol with a client (client.c): the client passes one end of a
 * socketpair as --client-fd; the daemon writes "ready\n" once mounted or
 * "error: <reason>\n" and exits. Afterwards EOF on the socket (the client
 * left or died) means "stop once nobody uses the mount": the daemon stops at
 * EOF when no process holds M/hold, else when the last hold goes (hold.c), so
 * secondaries keep their pages after the primary that started the daemon left.
 * --remove-mountpoint (the client made the directory): the daemon removes its
 * mount point after unmounting, because the client may be gone by then.
 * libfuse's own messages are captured and sent as the reason.
 */
#include "fusefs_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fusefs_i.h"

#define USAGE \
	"usage: hugemem-fusefs [--topology=T] [--fault=SPEC] [-d] MOUNTPOINT\n" \
	"Mount a file system at MOUNTPOINT (an existing empty directory) that behaves like\n" \
	"a hugetlbfs machine: MOUNTPOINT/<size>/ are the hugetlbfs mounts, MOUNTPOINT/sys\n" \
	"and MOUNTPOINT/proc what discovery reads, MOUNTPOINT/control the knobs.\n" \
	"  --topology=T   the machine, in emu's grammar (default: nodes=1;2M=1024)\n" \
	"  --fault=SPEC   knobs at start: nth=N every=N node=N pool=NODE:SIZE:COUNT\n" \
	"                 rate=PERMILLE die[=N] latency=USEC sigbus=0|1\n" \
	"                 policy=preferred|bind clear (hugemem/fusefs.h)\n" \
	"  -d             libfuse debug output (every request)\n" \
	"  --client-fd=N  started by a hugemem process (internal): see daemon.c\n" \
	"  --remove-mountpoint  with --client-fd: rmdir MOUNTPOINT after unmounting\n" \
	"Runs in the foreground until SIGINT/SIGTERM or `fusermount3 -u MOUNTPOINT`.\n" \
	"Use it: hugemem info --backend=fuse with HUGEMEM_FUSEFS_MOUNT=MOUNTPOINT.\n"

enum { OPT_TOPOLOGY = 256, OPT_FAULT, OPT_CLIENT_FD, OPT_RMDIR };

static const struct option long_opts[] = {
	{ "topology", required_argument, NULL, OPT_TOPOLOGY },
	{ "fault", required_argument, NULL, OPT_FAULT },
	{ "client-fd", required_argument, NULL, OPT_CLIENT_FD },
	{ "remove-mountpoint", no_argument, NULL, OPT_RMDIR },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* libfuse's messages, kept for the client's error line. */
static char fuse_msgs[1024];

static void
log_capture(enum fuse_log_level level, const char *fmt, va_list ap) HM_PRINTF(2, 0);
static void
log_capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(fuse_msgs);

	(void)level;
	if (n + 2 < sizeof(fuse_msgs))
		vsnprintf(fuse_msgs + n, sizeof(fuse_msgs) - n, fmt, ap);
	for (char *p = fuse_msgs; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
}

struct watch {
	int client_fd;       /* EOF here: the client left */
	int stop_pipe[2];    /* main -> watcher: we are done */
	pthread_t main_thread;
	struct fs_tree *t;   /* only its atomics: holds_live, client_gone */
};

static void *
watcher(void *arg)
{
	struct watch *w = arg;
	struct pollfd p[2] = { { w->client_fd, POLLIN, 0 }, { w->stop_pipe[0], POLLIN, 0 } };
	char buf[64];

	for (;;) {
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents != 0)
			return NULL;
		if (p[0].revents != 0 && read(w->client_fd, buf, sizeof(buf)) <= 0)
			break;
	}
	/* processes still hold the mount: the last release ends the loop (ops.c) */
	if (fs_hold_client_gone(w->t))
		pthread_kill(w->main_thread, SIGTERM); /* the session loop ends, then unmounts */
	return NULL;
}

static void
say(int fd, const char *fmt, ...) HM_PRINTF(2, 3);
static void
say(int fd, const char *fmt, ...)
{
	char line[1400];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) < 0)
			return;
	} else {
		fputs(line, stderr);
	}
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
hm_fusefs_main(int argc, char **argv)
{
	const char *topo = NULL, *spec = NULL;
	char mnt[PATH_MAX], opts[256];
	char *fargv[8];
	struct fuse_args args;
	struct fuse_session *se = NULL;
	struct fs_tree *t = NULL;
	struct watch w = { .client_fd = -1, .stop_pipe = { -1, -1 } };
	pthread_t wt;
	bool debug = false, watching = false, mounted = false, rm_mnt = false;
	int c, fargc = 0, rc = 1;
	uint64_t v;

	if (argc < 1 || argv == NULL)
		return 2;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+dh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_TOPOLOGY:
			topo = optarg;
			break;
		case OPT_FAULT:
			spec = optarg;
			break;
		case OPT_CLIENT_FD:
			if (hm_parse_u64(optarg, INT_MAX, &v) < 0) {
				fprintf(stderr, "hugemem-fusefs: --client-fd '%s' is not an fd\n", optarg);
				return 2;
			}
			w.client_fd = (int)v;
			break;
		case OPT_RMDIR:
			rm_mnt = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			fputs(USAGE, stdout);
			return 0;
		default:
			fprintf(stderr, "hugemem-fusefs: unknown option '%s'\n%s", argv[optind - 1],
				USAGE);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "hugemem-fusefs: %s\n%s", optind >= argc ? "no mount point" :
			"more than one mount point", USAGE);
		return 2;
	}
	/* an absolute path stays as the user wrote it: proc/mounts must match their view */
	if (argv[optind][0] == '/' ? hm_snprintf(mnt, sizeof(mnt), "%s", argv[optind]) < 0 :
	    realpath(argv[optind], mnt) == NULL) {
		say(w.client_fd, "error: mount point %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	for (size_t n = strlen(mnt); n > 1 && mnt[n - 1] == '/';)
		mnt[--n] = '\0';
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		say(w.client_fd, "error: out of memory\n");
		return 1;
	}
	if (fs_tree_init(t, mnt, topo, spec, getuid(), getgid()) < 0) {
		say(w.client_fd, "error: %s\n", hm_last_error());
		free(t);
		return w.client_fd >= 0 ? 1 : 2;
	}
	t->m.die_now = false; /* "die" at start means nothing */
	t->has_client = w.client_fd >= 0;
	w.t = t;
	/* a program libfuse runs (fusermount3) must not keep the client's socket open */
	if (w.client_fd >= 0)
		fcntl(w.client_fd, F_SETFD, FD_CLOEXEC);
	raise_nofile();
	/* every request is some process waiting in a page fault or a file call:
	 * serve it before batch work (root only; others keep their priority) */
	if (geteuid() == 0 && setpriority(PRIO_PROCESS, 0, -10) != 0)
		say(-1, "hugemem-fusefs: cannot raise the priority: %s\n", strerror(errno));
	snprintf(opts, sizeof(opts), "fsname=hugemem-fusefs,subtype=hugemem,default_permissions%s",
		 geteuid() == 0 ? ",allow_other" : "");
	fargv[fargc++] = (char *)"hugemem-fusefs";
	fargv[fargc++] = (char *)"-o";
	fargv[fargc++] = opts;
	if (debug)
		fargv[fargc++] = (char *)"-d";
	fargv[fargc] = NULL;
	args = (struct fuse_args)FUSE_ARGS_INIT(fargc, fargv);
	fuse_msgs[0] = '\0';
	if (w.client_fd >= 0)
		fuse_set_log_func(log_capture);
	se = fuse_session_new(&args, &fusefs_ops, sizeof(fusefs_ops), t);
	if (se == NULL) {
		say(w.client_fd, "error: fuse_session_new failed: %s\n", fuse_msgs);
		goto out;
	}
	if (fuse_set_signal_handlers(se) != 0) {
		say(w.client_fd, "error: cannot install signal handlers\n");
		goto out;
	}
	if (fuse_session_mount(se, mnt) != 0) {
		say(w.client_fd, "error: cannot mount %s: %s\n", mnt,
		    fuse_msgs[0] != '\0' ? fuse_msgs : "see libfuse's message above");
		goto out_signals;
	}
	mounted = true;
	t->session = se;
	if (w.client_fd >= 0) {
		sigset_t all, old;
		w.main_thread = pthread_self();
		if (pipe2(w.stop_pipe, O_CLOEXEC) != 0) {
			say(w.client_fd, "error: pipe: %s\n", strerror(errno));
			goto out_unmount;
		}
		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, &old);
		watching = pthread_create(&wt, NULL, watcher, &w) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!watching) {
			say(w.client_fd, "error: cannot start the watcher thread\n");
			goto out_unmount;
		}
		say(w.client_fd, "ready\n");
	} else {
		fprintf(stderr, "hugemem-fusefs: serving %s (pid %d); stop with Ctrl-C or "
			"fusermount3 -u %s\n", mnt, (int)getpid(), mnt);
	}
	rc = fuse_session_loop(se) < 0 ? 1 : 0;
out_unmount:
	if (watching) {
		if (write(w.stop_pipe[1], "x", 1) < 0)
			pthread_cancel(wt);
		pthread_join(wt, NULL);
	}
	if (w.stop_pipe[0] >= 0) {
		close(w.stop_pipe[0]);
		close(w.stop_pipe[1]);
	}
	if (mounted) {
		fuse_session_unmount(se);
		/* before the socket closes: a client waiting for EOF finds it gone */
		if (rm_mnt && w.client_fd >= 0 && rmdir(mnt) != 0)
			say(-1, "hugemem-fusefs: cannot remove %s: %s\n", mnt, strerror(errno));
	}
out_signals:
	fuse_remove_signal_handlers(se);
out:
	if (se != NULL)
		fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	fuse_set_log_func(NULL);
	fs_tree_fini(t);
	free(t);
	if (w.client_fd >= 0)
		close(w.client_fd);
	return rc;
}
