/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem-fusefs: the hold file M/hold, how the daemon knows which processes
 * still use its mount without trusting them.
 *
 * Every hugemem process that uses the mount (the primary that started the
 * daemon, each secondary, anything attached by name) opens M/hold O_RDWR and
 * keeps it open (O_CLOEXEC) until it leaves. Each open is one hold, a slot in
 * t->holds whose number is the FUSE file handle. The kernel sends RELEASE when
 * the last fd of that open goes, however it goes (close, exit, SIGKILL), so a
 * process cannot leave without the daemon seeing it. The file is 0600, owned
 * by the daemon's user, mode fixed (setattr is EPERM), in the read-only root:
 * nobody else can open it, and no other name in the root can be made.
 *
 * Messages, one per write: "leave" (optionally with a newline): this hold stops
 * counting now, while the fd stays open, so that the process can read the
 * count after it left; anything else is EINVAL (t->last_error says why) and
 * changes nothing; a second "leave" is EALREADY. A read gives
 * "holds=<N> stopping=<0|1> pid=<daemon pid>\n".
 *
 * Stop rule (daemon.c): a daemon started by a client (--client-fd) stops once
 * its client's socket hit EOF (client_gone) and no hold is left
 * (holds_live == 0). The two events come from two threads (the watcher sees
 * EOF, the session loop sees releases); each side writes its own variable, then
 * reads the other's, both sequentially consistent, so at least one of them sees
 * both conditions true. A daemon started by hand counts holds but never stops
 * for them.
 *
 * Invariants (fs_hold_check): holds_live == number of HELD slots; a FREE slot
 * has pid 0; n_holds <= cap_holds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fusefs_i.h"

#define HOLDS_MAX 65536u

bool
fs_hold_stopping(const struct fs_tree *t)
{
	return t->has_client && atomic_load(&t->client_gone) && atomic_load(&t->holds_live) == 0;
}

static struct fs_hold *
slot_of(const struct fs_tree *t, uint64_t fh)
{
	if (fh == 0 || fh > t->n_holds || t->holds[fh - 1].state == FS_HOLD_FREE)
		return NULL;
	return &t->holds[fh - 1];
}

int
fs_hold_open(struct fs_tree *t, int accmode, int32_t pid, uint64_t *fh)
{
	uint32_t i;

	if ((accmode & O_ACCMODE) != O_RDWR) {
		snprintf(t->last_error, sizeof(t->last_error), "hold: opened without O_RDWR: a "
			 "hold is an O_RDWR open of <mount>/hold");
		return -EINVAL;
	}
	if (fs_hold_stopping(t))
		return -ESHUTDOWN;
	for (i = 0; i < t->n_holds; i++)
		if (t->holds[i].state == FS_HOLD_FREE)
			break;
	if (i == t->n_holds) {
		if (t->n_holds == t->cap_holds) {
			uint32_t cap = t->cap_holds == 0 ? 16 : t->cap_holds * 2;
			struct fs_hold *h;
			if (cap > HOLDS_MAX)
				return -ENOMEM;
			h = realloc(t->holds, cap * sizeof(*h));
			if (h == NULL)
				return -ENOMEM;
			t->holds = h;
			t->cap_holds = cap;
		}
		t->n_holds++;
	}
	t->holds[i].pid = pid > 0 ? pid : -1;
	t->holds[i].state = FS_HOLD_HELD;
	atomic_fetch_add(&t->holds_live, 1);
	*fh = (uint64_t)i + 1;
	return 0;
}

ssize_t
fs_hold_write(struct fs_tree *t, uint64_t fh, const char *buf, size_t size)
{
	struct fs_hold *h = slot_of(t, fh);

	if (h == NULL)
		return -EBADF;
	if (!((size == 5 || (size == 6 && buf[5] == '\n')) && memcmp(buf, "leave", 5) == 0)) {
		snprintf(t->last_error, sizeof(t->last_error), "hold: unknown message '%.*s' "
			 "(the only message is 'leave')", size > 64 ? 64 : (int)size, buf);
		return -EINVAL;
	}
	if (h->state == FS_HOLD_LEFT)
		return -EALREADY;
	h->state = FS_HOLD_LEFT;
	atomic_fetch_sub(&t->holds_live, 1);
	return (ssize_t)size;
}

ssize_t
fs_hold_read(struct fs_tree *t, uint64_t fh, uint64_t off, size_t size, char *buf)
{
	char line[96];
	int n;

	if (slot_of(t, fh) == NULL)
		return -EBADF;
	n = snprintf(line, sizeof(line), "holds=%u stopping=%d pid=%d\n",
		     (unsigned int)atomic_load(&t->holds_live), fs_hold_stopping(t) ? 1 : 0,
		     (int)getpid());
	if (n < 0 || off >= (uint64_t)n)
		return 0;
	if (size > (size_t)n - off)
		size = (size_t)n - (size_t)off;
	memcpy(buf, line + off, size);
	return (ssize_t)size;
}

bool
fs_hold_release(struct fs_tree *t, uint64_t fh)
{
	struct fs_hold *h = slot_of(t, fh);

	if (h == NULL)
		return false;
	if (h->state == FS_HOLD_HELD)
		atomic_fetch_sub(&t->holds_live, 1);
	h->state = FS_HOLD_FREE;
	h->pid = 0;
	while (t->n_holds > 0 && t->holds[t->n_holds - 1].state == FS_HOLD_FREE)
		t->n_holds--;
	return fs_hold_stopping(t);
}

bool
fs_hold_client_gone(struct fs_tree *t)
{
	atomic_store(&t->client_gone, true);
	return fs_hold_stopping(t);
}

void
fs_hold_fini(struct fs_tree *t)
{
	free(t->holds);
	t->holds = NULL;
	t->n_holds = t->cap_holds = 0;
	atomic_store(&t->holds_live, 0);
}

int
fs_hold_check(const struct fs_tree *t, const char **reason)
{
	static _Thread_local char msg[160];
	uint32_t held = 0;

	if (t->n_holds > t->cap_holds) {
		snprintf(msg, sizeof(msg), "hold table: %u slots used of %u", t->n_holds,
			 t->cap_holds);
		goto bad;
	}
	for (uint32_t i = 0; i < t->n_holds; i++) {
		if (t->holds[i].state > FS_HOLD_LEFT ||
		    (t->holds[i].state == FS_HOLD_FREE && t->holds[i].pid != 0)) {
			snprintf(msg, sizeof(msg), "hold slot %u: state %u pid %d", i,
				 t->holds[i].state, (int)t->holds[i].pid);
			goto bad;
		}
		held += t->holds[i].state == FS_HOLD_HELD;
	}
	if (held != atomic_load(&t->holds_live)) {
		snprintf(msg, sizeof(msg), "%u holds held, holds_live says %u", held,
			 (unsigned int)atomic_load(&t->holds_live));
		goto bad;
	}
	return 0;
bad:
	if (reason != NULL)
		*reason = msg;
	return -EFAULT;
}
