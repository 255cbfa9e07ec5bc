/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process table (mp_layout.h): who is attached, their identity (pid +
 * start time, so a recycled pid is never taken for the process that died), the
 * lcore ids they hold, and the robust-lock hooks (robust_i.h) that answer "is
 * the holder of this tag alive?".
 *
 * A slot is claimed under the table lock (robust, a leaf), becomes LIVE once
 * its process has attached every page, and is released at hm_cleanup. A
 * process that died is reaped by whichever survivor notices first (a page sync
 * that waits for it, a lock waiter, a claim that scans the table): its lcore ids
 * and read-lock counts are dropped and the slot is FREE again; its gen moves on
 * at the next claim, so a tag of the dead process never matches a live one.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mp_i.h"

static struct {
	struct mp_shared *sh;      /* NULL: not in a table */
	enum hm_proc_type type;    /* HM_PROC_INVALID when not initialised */
	unsigned int slot;
	uint32_t tag;
	uint32_t my_lcores;        /* lcore ids this process holds in the table */
	struct robust_table rt;
	void (*on_reap)(const uint32_t *lcores, unsigned int n);
} mp = { .type = HM_PROC_INVALID };

bool
mp_active(void)
{
	return mp.sh != NULL;
}

enum hm_proc_type
mp_type(void)
{
	return mp.type;
}

enum hm_proc_type
hm_proc_type(void)
{
	return mp.type;
}

struct mp_shared *
mp_shared(void)
{
	return mp.sh;
}

struct mp_proc *
mp_self(void)
{
	return mp.sh != NULL ? &mp.sh->procs[mp.slot] : NULL;
}

void
mp_on_reap(void (*fn)(const uint32_t *lcores, unsigned int n))
{
	mp.on_reap = fn;
}

/* ---------------------------------------------------------------- slots */

/* A slot's pid, read outside the table lock. */
static int32_t
slot_pid(const struct mp_proc *p)
{
	return __atomic_load_n(&p->pid, __ATOMIC_RELAXED);
}

/* The previous occupant's pid when its gen is @p gen (0: any gen), else 0. */
static int32_t
last_pid_of(const struct mp_proc *p, uint32_t gen)
{
	uint64_t last = __atomic_load_n(&p->last, __ATOMIC_ACQUIRE);

	if (gen != 0 && (uint32_t)(last >> 32) != gen)
		return 0;
	return (int32_t)(uint32_t)last;
}

/* pre: table lock, state REAPING or the slot our own. The occupant becomes the
 * previous one (one atomic word) and the slot FREE. */
static void
slot_clear(struct mp_proc *p)
{
	__atomic_store_n(&p->last, MP_LAST(p->gen, p->pid), __ATOMIC_RELEASE);
	__atomic_store_n(&p->pid, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&p->start_time, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&p->n_lcores, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&p->state, MP_SLOT_FREE, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- identity */

int
mp_proc_start_time(int32_t pid, uint64_t *out)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH; /* a zombie being reaped reads as empty */
	buf[n] = '\0';
	/* "pid (comm) state ppid ..." : comm may hold spaces and parentheses */
	char *p = strrchr(buf, ')'), *save = NULL, *tok;
	if (p == NULL)
		return -EIO;
	/* tokens after the comm: state is field 3, starttime field 22 */
	tok = strtok_r(p + 1, " ", &save);
	for (int field = 3; tok != NULL && field < 22; field++)
		tok = strtok_r(NULL, " ", &save);
	if (tok == NULL)
		return -EIO;
	*out = strtoull(tok, NULL, 10);
	return 0;
}

/* A zombie is dead for us: it will never release anything. */
static bool
is_zombie(int32_t pid)
{
	char path[64], buf[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p != NULL && (p[1] == ' ') && (p[2] == 'Z' || p[2] == 'X');
}

bool
mp_proc_alive(int32_t pid, uint64_t start)
{
	uint64_t now;

	if (pid <= 0)
		return false;
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return false;
	if (is_zombie(pid))
		return false;
	if (start == 0)
		return true;
	if (mp_proc_start_time(pid, &now) != 0)
		return kill(pid, 0) == 0 || errno != ESRCH; /* no /proc: trust kill() */
	return now == start;
}

static bool
slot_alive(const struct mp_proc *p)
{
	uint32_t st = __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);

	if (st != MP_SLOT_LIVE && st != MP_SLOT_CLAIMED)
		return false;
	return mp_proc_alive(slot_pid(p), __atomic_load_n(&p->start_time, __ATOMIC_RELAXED));
}

unsigned int
mp_table_live(const struct mp_shared *sh, int32_t *pids, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int s = 0; s < MP_MAX_PROCS; s++) {
		const struct mp_proc *p = &sh->procs[s];
		int32_t pid = slot_pid(p);
		if (!slot_alive(p) || pid == getpid())
			continue;
		if (n < max)
			pids[n] = pid;
		n++;
	}
	return n;
}

/* ---------------------------------------------------------------- table lock */

static int
table_repair(void *arg, const char **why)
{
	struct mp_shared *sh = arg;

	(void)why;
	/* every step below keeps the table consistent; a half-made claim is a
	 * CLAIMED slot whose process is dead, reaped like any other */
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		uint32_t t = sh->lcore_owner[i];
		unsigned int s = (t & ((1u << MP_TAG_SLOT_BITS) - 1)) - 1;
		if (t != 0 && (s >= MP_MAX_PROCS || MP_TAG(sh->procs[s].gen, s) != t ||
			       sh->procs[s].state == MP_SLOT_FREE))
			sh->lcore_owner[i] = 0;
	}
	/* a claim or release killed between the owner words and the count */
	for (unsigned int s = 0; s < MP_MAX_PROCS; s++) {
		struct mp_proc *p = &sh->procs[s];
		unsigned int n = 0;
		if (p->state == MP_SLOT_FREE)
			continue;
		for (unsigned int i = 0; i < HM_MAX_LCORE; i++)
			n += sh->lcore_owner[i] == MP_TAG(p->gen, s);
		__atomic_store_n(&p->n_lcores, n, __ATOMIC_RELAXED);
	}
	return 0;
}

/*
 * The table lock holds the holder's pid, not a tag: a process takes it before it
 * has a slot (and so a tag). A waiter that finds the holder gone (no such pid, or
 * a zombie) takes it over and runs table_repair.
 */
static int
table_lock(struct mp_shared *sh)
{
	int32_t me = (int32_t)getpid(), cur;
	uint64_t wait = 0, checks = 0;

	for (;;) {
		cur = 0;
		if (__atomic_compare_exchange_n(&sh->lock.locked, &cur, me, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 0;
		robust_backoff(&wait);
		if (wait < 256 || ++checks % 8 != 0 || cur == me)
			continue;
		if (!mp_proc_alive(cur, 0) &&
		    __atomic_compare_exchange_n(&sh->lock.locked, &cur, me, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED)) {
			const char *why = NULL;
			table_repair(sh, &why);
			hm_log(HM_LOG_WARNING, "mp: took over the process table lock of process %d, "
			       "which died holding it", (int)cur);
			return 0;
		}
	}
}

static void
table_unlock(struct mp_shared *sh)
{
	__atomic_store_n(&sh->lock.locked, 0, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- reaping */

/* pre: table lock. Release what slot @p s held; lcore ids into lc[0..*n). */
static void
reap_locked(struct mp_shared *sh, unsigned int s, uint32_t *lc, unsigned int *n)
{
	struct mp_proc *p = &sh->procs[s];
	uint32_t tag = MP_TAG(p->gen, s);

	__atomic_store_n(&p->state, MP_SLOT_REAPING, __ATOMIC_RELEASE);
	*n = 0;
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		uint32_t exp = tag;
		if (__atomic_load_n(&sh->lcore_owner[i], __ATOMIC_ACQUIRE) == tag)
			__atomic_store_n(&sh->lcore_dead[i], 1, __ATOMIC_RELEASE);
		if (__atomic_compare_exchange_n(&sh->lcore_owner[i], &exp, 0, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			lc[(*n)++] = i;
	}
	for (unsigned int k = 0; k < ROBUST_RD_IDS; k++)
		__atomic_store_n(&p->rd[k], 0, __ATOMIC_RELEASE);
	__atomic_store_n(&p->req.state, MP_REQ_IDLE, __ATOMIC_RELEASE);
	if (p->type == HM_PROC_PRIMARY)
		__atomic_store_n(&sh->primary_gone, 1, __ATOMIC_RELEASE);
	slot_clear(p);
	mp_futex_wake(&p->synced);
}

bool
mp_reap_if_dead(unsigned int s, int32_t *pid)
{
	struct mp_shared *sh = mp.sh;
	uint32_t lc[HM_MAX_LCORE];
	unsigned int n = 0;
	bool freed;

	*pid = 0;
	if (sh == NULL || s >= MP_MAX_PROCS)
		return false;
	struct mp_proc *p = &sh->procs[s];
	if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == MP_SLOT_FREE) {
		*pid = last_pid_of(p, 0);
		return true;
	}
	if (s == mp.slot || slot_alive(p))
		return false;
	table_lock(sh);
	*pid = slot_pid(p);
	freed = p->state == MP_SLOT_FREE;
	if (!freed && (p->state == MP_SLOT_REAPING || !slot_alive(p))) {
		int32_t dead = slot_pid(p);
		reap_locked(sh, s, lc, &n);
		freed = true;
		table_unlock(sh);
		hm_log(HM_LOG_WARNING, "mp: process %d died without hm_cleanup: %s released "
		       "(%u lcore id(s))", dead,
		       p->type == HM_PROC_PRIMARY ? "the primary's slot" : "its slot", n);
		if (mp.on_reap != NULL && n > 0)
			mp.on_reap(lc, n);
		return true;
	}
	if (freed)
		*pid = last_pid_of(p, 0);
	table_unlock(sh);
	return freed;
}

/* Robust-lock hooks. */
static int
hook_tag_dead(uint32_t tag, int32_t *pid)
{
	unsigned int s = (tag & ((1u << MP_TAG_SLOT_BITS) - 1)) - 1;
	uint32_t gen = tag >> MP_TAG_SLOT_BITS;
	struct mp_proc *p;

	*pid = 0;
	if (mp.sh == NULL || s >= MP_MAX_PROCS)
		return 1; /* no process ever had that tag: a stale word */
	p = &mp.sh->procs[s];
	if (__atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) != gen) {
		*pid = last_pid_of(p, gen);
		return 1;
	}
	if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == MP_SLOT_FREE) {
		*pid = last_pid_of(p, gen);
		return 1;
	}
	*pid = slot_pid(p);
	if (slot_alive(p))
		return 0;
	int32_t seen = *pid;
	mp_reap_if_dead(s, pid);
	*pid = last_pid_of(p, gen);
	if (*pid == 0)
		*pid = seen;
	return 1;
}

static int
hook_slot_dead(unsigned int s, int32_t *pid)
{
	return mp_reap_if_dead(s, pid) ? 1 : 0;
}

static void
install_hooks(void)
{
	mp.rt = (struct robust_table){
		.tag_dead = hook_tag_dead,
		.slot_dead = hook_slot_dead,
		.rd = &mp.sh->procs[0].rd[0],
		.rd_stride = (unsigned int)(sizeof(struct mp_proc) / sizeof(uint32_t)),
		.n_slots = MP_MAX_PROCS,
		.self = mp.slot,
		.tag = mp.tag,
	};
	_Static_assert(sizeof(struct mp_proc) % sizeof(uint32_t) == 0, "slot in words");
	robust_set_table(&mp.rt);
}

/* ---------------------------------------------------------------- claims */

/* pre: table lock. Claim a slot for this process. */
static int
claim_locked(struct mp_shared *sh, enum hm_proc_type type, uint32_t *lc, unsigned int *n_lc)
{
	uint64_t start = 0;
	unsigned int s;

	*n_lc = 0;
	for (s = 0; s < MP_MAX_PROCS; s++) {
		struct mp_proc *p = &sh->procs[s];
		uint32_t st = p->state;
		if (st == MP_SLOT_FREE)
			break;
		if (!slot_alive(p)) {
			unsigned int k = 0;
			reap_locked(sh, s, lc + *n_lc, &k);
			*n_lc += k;
			break;
		}
	}
	if (s == MP_MAX_PROCS)
		return hm_fail(ENOSPC, "the process table is full: %d processes are attached",
			       MP_MAX_PROCS);
	if (mp_proc_start_time(getpid(), &start) != 0)
		start = 0;
	struct mp_proc *p = &sh->procs[s];
	uint32_t gen = p->gen >= MP_GEN_MAX ? 1 : p->gen + 1;
	__atomic_store_n(&p->gen, gen, __ATOMIC_RELEASE);
	__atomic_store_n(&p->pid, (int32_t)getpid(), __ATOMIC_RELAXED);
	__atomic_store_n(&p->type, (uint32_t)type, __ATOMIC_RELAXED);
	__atomic_store_n(&p->start_time, start, __ATOMIC_RELAXED);
	__atomic_store_n(&p->n_lcores, 0, __ATOMIC_RELAXED);
	for (unsigned int k = 0; k < ROBUST_RD_IDS; k++)
		p->rd[k] = 0;
	memset(&p->req, 0, sizeof(p->req));
	p->synced = __atomic_load_n(&sh->sync_seq, __ATOMIC_ACQUIRE);
	__atomic_store_n(&p->state, MP_SLOT_CLAIMED, __ATOMIC_RELEASE);
	mp.slot = s;
	mp.tag = MP_TAG(gen, s);
	return 0;
}

int
mp_primary_start(struct mp_shared *sh, const struct mp_params *params)
{
	uint32_t lc[HM_MAX_LCORE];
	unsigned int n = 0;
	int rc;

	mp.type = HM_PROC_PRIMARY;
	mp.my_lcores = 0;
	if (sh == NULL)
		return 0; /* --no-shconf: no table */
	/* a fresh (zeroed) config: nobody else can see it before magic is set */
	rc = claim_locked(sh, HM_PROC_PRIMARY, lc, &n);
	if (rc < 0) {
		mp.type = HM_PROC_INVALID;
		return rc;
	}
	sh->params = *params;
	sh->primary_pid = getpid();
	sh->primary_slot = mp.slot;
	sh->primary_gone = 0;
	__atomic_store_n(&sh->procs[mp.slot].state, MP_SLOT_LIVE, __ATOMIC_RELEASE);
	mp.sh = sh;
	install_hooks();
	return 0;
}

bool
mp_primary_alive(int32_t *pid)
{
	struct mp_shared *sh = mp.sh;

	if (pid != NULL)
		*pid = sh != NULL ? sh->primary_pid : 0;
	if (sh == NULL)
		return mp.type == HM_PROC_PRIMARY;
	if (__atomic_load_n(&sh->primary_gone, __ATOMIC_ACQUIRE))
		return false;
	const struct mp_proc *p = &sh->procs[sh->primary_slot % MP_MAX_PROCS];
	if (__atomic_load_n(&p->type, __ATOMIC_RELAXED) != HM_PROC_PRIMARY || !slot_alive(p))
		return false;
	return true;
}

int
mp_check_primary(const struct mp_shared *sh)
{
	const struct mp_proc *pp = &sh->procs[sh->primary_slot % MP_MAX_PROCS];

	if (__atomic_load_n(&sh->primary_gone, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&pp->type, __ATOMIC_RELAXED) != HM_PROC_PRIMARY || !slot_alive(pp))
		return hm_fail(ENODEV, "the primary (pid %d) has exited: a secondary attaches only "
			       "while its primary runs", (int)sh->primary_pid);
	return 0;
}

int
mp_secondary_start(struct mp_shared *sh)
{
	uint32_t lc[HM_MAX_LCORE];
	unsigned int n = 0;
	int rc;

	mp.sh = sh; /* the hooks below need it */
	mp.slot = 0;
	mp.tag = ROBUST_TAG_ANON;
	table_lock(sh);
	if (__atomic_load_n(&sh->closing, __ATOMIC_ACQUIRE)) {
		table_unlock(sh);
		rc = hm_fail(EBUSY, "the instance is being removed by its last process: start "
			     "a primary again");
		goto fail;
	}
	rc = mp_check_primary(sh);
	if (rc < 0) {
		table_unlock(sh);
		goto fail;
	}
	rc = claim_locked(sh, HM_PROC_SECONDARY, lc, &n);
	table_unlock(sh);
	if (rc < 0)
		goto fail;
	if (n > 0 && mp.on_reap != NULL)
		mp.on_reap(lc, n);
	mp.type = HM_PROC_SECONDARY;
	mp.my_lcores = 0;
	install_hooks();
	return 0;
fail:
	mp.sh = NULL;
	mp.type = HM_PROC_INVALID;
	return rc;
}

void
mp_set_live(uint32_t seq)
{
	struct mp_proc *p = mp_self();

	if (p == NULL)
		return;
	__atomic_store_n(&p->synced, seq, __ATOMIC_RELEASE);
	__atomic_store_n(&p->state, MP_SLOT_LIVE, __ATOMIC_RELEASE);
}

void
mp_set_leaving(void)
{
	struct mp_proc *p = mp_self();

	if (p != NULL)
		__atomic_store_n(&p->state, MP_SLOT_CLAIMED, __ATOMIC_RELEASE);
}

bool
mp_begin_close(void)
{
	struct mp_shared *sh = mp.sh;
	bool alone = true;

	if (sh == NULL)
		return true;
	table_lock(sh);
	for (unsigned int s = 0; s < MP_MAX_PROCS; s++)
		if (s != mp.slot && slot_alive(&sh->procs[s]))
			alone = false;
	if (alone)
		__atomic_store_n(&sh->closing, 1, __ATOMIC_RELEASE);
	table_unlock(sh);
	return alone;
}

bool
mp_leave(void)
{
	struct mp_shared *sh = mp.sh;
	bool last = true;

	if (sh == NULL) {
		mp.type = HM_PROC_INVALID;
		return true;
	}
	table_lock(sh);
	struct mp_proc *p = &sh->procs[mp.slot];
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++) {
		uint32_t exp = mp.tag;
		__atomic_compare_exchange_n(&sh->lcore_owner[i], &exp, 0, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
	}
	if (p->type == HM_PROC_PRIMARY)
		__atomic_store_n(&sh->primary_gone, 1, __ATOMIC_RELEASE);
	slot_clear(p);
	mp_futex_wake(&p->synced);
	for (unsigned int s = 0; s < MP_MAX_PROCS; s++)
		if (s != mp.slot && slot_alive(&sh->procs[s]))
			last = false;
	if (last)
		__atomic_store_n(&sh->closing, 1, __ATOMIC_RELEASE);
	table_unlock(sh);
	robust_set_table(NULL);
	mp.sh = NULL;
	mp.type = HM_PROC_INVALID;
	return last;
}

void
mp_abandon(void)
{
	if (mp.sh != NULL)
		robust_set_table(NULL);
	mp.sh = NULL;
	mp.type = HM_PROC_INVALID;
}

/* ---------------------------------------------------------------- lcore ids */

/*
 * Every change of lcore_owner[] (claim, release, reap, repair) is made under
 * the table lock, so a claim of several ids is one step: either all of them
 * become the caller's or none does, and two processes asking for overlapping
 * sets at the same moment give exactly one winner.
 *
 * pre: table lock. Whether id @p id can be taken by this process: 0 (free, or
 * left by a process that is gone: freed now, lcore_dead set; its whole slot is
 * reaped into lc[*n_lc..]); -EBUSY (a live process has it: *owner its pid, our
 * own pid when another thread of this process has it).
 */
static int
lcore_free_locked(struct mp_shared *sh, unsigned int id, int32_t *owner, uint32_t *lc,
		  unsigned int *n_lc)
{
	uint32_t t = __atomic_load_n(&sh->lcore_owner[id], __ATOMIC_ACQUIRE);
	unsigned int s = (t & ((1u << MP_TAG_SLOT_BITS) - 1)) - 1;

	if (t == 0)
		return 0;
	if (t == mp.tag) {
		*owner = (int32_t)getpid();
		return -EBUSY;
	}
	if (s < MP_MAX_PROCS && MP_TAG(sh->procs[s].gen, s) == t &&
	    __atomic_load_n(&sh->procs[s].state, __ATOMIC_ACQUIRE) != MP_SLOT_FREE) {
		struct mp_proc *p = &sh->procs[s];
		unsigned int k = 0;
		if (slot_alive(p)) {
			*owner = slot_pid(p);
			return -EBUSY;
		}
		int32_t dead = slot_pid(p);
		reap_locked(sh, s, lc + *n_lc, &k);
		*n_lc += k;
		hm_log(HM_LOG_WARNING, "mp: process %d died without hm_cleanup: its slot released "
		       "(%u lcore id(s))", (int)dead, k);
		return 0;
	}
	/* a tag no attached slot has: a stale word (repair missed it) */
	__atomic_store_n(&sh->lcore_owner[id], 0, __ATOMIC_RELEASE);
	__atomic_store_n(&sh->lcore_dead[id], 1, __ATOMIC_RELEASE);
	return 0;
}

int
mp_lcore_claim_set(const uint64_t set[MP_LCORE_SET_WORDS], uint8_t dead[HM_MAX_LCORE],
		   unsigned int *busy, int32_t *owner)
{
	struct mp_shared *sh = mp.sh;
	uint32_t lc[HM_MAX_LCORE];
	unsigned int n_lc = 0, n = 0;
	int rc = 0;

	*owner = 0;
	*busy = UINT32_MAX;
	memset(dead, 0, HM_MAX_LCORE);
	if (sh == NULL)
		return 0;
	table_lock(sh);
	/* first every id is checked (dead owners reaped), then all are taken */
	for (unsigned int i = 0; i < HM_MAX_LCORE && rc == 0; i++)
		if ((set[i / 64] >> (i % 64)) & 1) {
			rc = lcore_free_locked(sh, i, owner, lc, &n_lc);
			if (rc < 0)
				*busy = i;
		}
	for (unsigned int i = 0; i < HM_MAX_LCORE && rc == 0; i++)
		if ((set[i / 64] >> (i % 64)) & 1) {
			__atomic_store_n(&sh->lcore_owner[i], mp.tag, __ATOMIC_RELEASE);
			/* 1: the caller resets what a dead process left in the id's state */
			dead[i] = __atomic_exchange_n(&sh->lcore_dead[i], 0, __ATOMIC_ACQ_REL);
			n++;
		}
	if (rc == 0)
		__atomic_fetch_add(&sh->procs[mp.slot].n_lcores, n, __ATOMIC_RELAXED);
	table_unlock(sh);
	if (n_lc > 0 && mp.on_reap != NULL)
		mp.on_reap(lc, n_lc);
	return rc;
}

int
mp_lcore_claim(unsigned int id, int32_t *owner)
{
	uint64_t set[MP_LCORE_SET_WORDS] = { 0 };
	uint8_t dead[HM_MAX_LCORE];
	unsigned int busy;
	int rc;

	*owner = 0;
	if (id >= HM_MAX_LCORE)
		return -EINVAL;
	set[id / 64] = 1ull << (id % 64);
	rc = mp_lcore_claim_set(set, dead, &busy, owner);
	if (rc == -EBUSY && *owner == (int32_t)getpid())
		*owner = 0; /* another thread of ours */
	return rc < 0 ? rc : dead[id];
}

int
mp_lcore_is_mine(unsigned int id)
{
	if (mp.sh == NULL || id >= HM_MAX_LCORE)
		return -1;
	return __atomic_load_n(&mp.sh->lcore_owner[id], __ATOMIC_ACQUIRE) == mp.tag;
}

void
mp_lcore_release(unsigned int id)
{
	struct mp_shared *sh = mp.sh;

	if (sh == NULL || id >= HM_MAX_LCORE)
		return;
	table_lock(sh);
	if (__atomic_load_n(&sh->lcore_owner[id], __ATOMIC_ACQUIRE) == mp.tag) {
		__atomic_store_n(&sh->lcore_owner[id], 0, __ATOMIC_RELEASE);
		__atomic_fetch_sub(&sh->procs[mp.slot].n_lcores, 1, __ATOMIC_RELAXED);
	}
	table_unlock(sh);
}

/* ---------------------------------------------------------------- public */

static const char *
type_name(uint32_t t)
{
	return t == HM_PROC_PRIMARY ? "primary" : t == HM_PROC_SECONDARY ? "secondary" : "?";
}

int
hm_mp_procs(struct hm_mp_proc_info *out, unsigned int max)
{
	struct mp_shared *sh = mp.sh;
	unsigned int n = 0;

	if (out == NULL && max > 0)
		return hm_fail(EINVAL, "hm_mp_procs: NULL output with max %u", max);
	if (mp.type == HM_PROC_INVALID)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (sh == NULL)
		return hm_fail(ENOTSUP, "this instance runs without a shared config (--no-shconf "
			       "or --in-memory): no other process can attach");
	for (unsigned int s = 0; s < MP_MAX_PROCS; s++) {
		const struct mp_proc *p = &sh->procs[s];
		int32_t pid = slot_pid(p);
		if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != MP_SLOT_LIVE ||
		    !mp_proc_alive(pid, __atomic_load_n(&p->start_time, __ATOMIC_RELAXED)))
			continue;
		if (n < max)
			out[n] = (struct hm_mp_proc_info){
				.pid = pid,
				.type = (enum hm_proc_type)__atomic_load_n(&p->type, __ATOMIC_RELAXED),
				.n_lcores = __atomic_load_n(&p->n_lcores, __ATOMIC_RELAXED),
				.synced = __atomic_load_n(&p->synced, __ATOMIC_RELAXED),
				.self = s == mp.slot,
			};
		n++;
	}
	return (int)n;
}

int
hm_mp_lcore_owner(unsigned int lcore_id)
{
	struct mp_shared *sh = mp.sh;
	int32_t pid = 0;

	if (mp.type == HM_PROC_INVALID)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (sh == NULL)
		return hm_fail(ENOTSUP, "this instance runs without a shared config (--no-shconf "
			       "or --in-memory): lcore ids are not shared");
	if (lcore_id >= HM_MAX_LCORE)
		return hm_fail(EINVAL, "lcore %u is not below HM_MAX_LCORE (%u)", lcore_id,
			       HM_MAX_LCORE);
	table_lock(sh);
	uint32_t t = sh->lcore_owner[lcore_id];
	unsigned int s = (t & ((1u << MP_TAG_SLOT_BITS) - 1)) - 1;
	if (t != 0 && s < MP_MAX_PROCS && MP_TAG(sh->procs[s].gen, s) == t &&
	    slot_alive(&sh->procs[s]))
		pid = slot_pid(&sh->procs[s]);
	table_unlock(sh);
	return (int)pid;
}

void
hm_mp_dump(FILE *f)
{
	struct mp_shared *sh = mp.sh;

	if (f == NULL)
		return;
	if (sh == NULL) {
		fprintf(f, "mp: %s\n", mp.type == HM_PROC_INVALID ? "not initialised" :
			"no shared config (single process)");
		return;
	}
	fprintf(f, "mp: this process is %s pid %d (slot %u); primary pid %d%s; sync seq %u\n",
		type_name((uint32_t)mp.type), (int)getpid(), mp.slot, (int)sh->primary_pid,
		sh->primary_gone ? " (exited)" : "", sh->sync_seq);
	table_lock(sh); /* a settled table, as hm_mp_check reads it */
	for (unsigned int s = 0; s < MP_MAX_PROCS; s++) {
		const struct mp_proc *p = &sh->procs[s];
		if (p->state == MP_SLOT_FREE)
			continue;
		fprintf(f, "  slot %u: %s pid %d %s%s, synced %u, lcores:", s, type_name(p->type),
			(int)p->pid, p->state == MP_SLOT_LIVE ? "live" : "attaching",
			mp_proc_alive(p->pid, p->start_time) ? "" : " (dead)", p->synced);
		for (unsigned int i = 0; i < HM_MAX_LCORE; i++)
			if (sh->lcore_owner[i] == MP_TAG(p->gen, s))
				fprintf(f, " %u", i);
		fputc('\n', f);
	}
	table_unlock(sh);
}

int
hm_mp_check(const char **reason)
{
	struct mp_shared *sh = mp.sh;
	const char *why = NULL;
	unsigned int primaries = 0;

	if (mp.type == HM_PROC_INVALID)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (sh == NULL)
		return 0; /* no table: nothing shared */
	/* slots change under the table lock (a reap, a join): read a settled table */
	table_lock(sh);
	for (unsigned int s = 0; s < MP_MAX_PROCS && why == NULL; s++) {
		const struct mp_proc *p = &sh->procs[s];
		uint32_t st = __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
		if (st > MP_SLOT_REAPING)
			why = "slot state out of range";
		else if ((st == MP_SLOT_LIVE || st == MP_SLOT_CLAIMED) &&
			 (p->pid <= 0 || p->gen == 0 || p->gen > MP_GEN_MAX))
			why = "attached slot without pid or gen";
		else if (st == MP_SLOT_FREE && p->pid != 0)
			why = "free slot with a pid";
		else if (st == MP_SLOT_LIVE && p->type == HM_PROC_PRIMARY) {
			primaries++;
			if (s != sh->primary_slot)
				why = "a live primary outside primary_slot";
		} else if ((st == MP_SLOT_LIVE || st == MP_SLOT_CLAIMED) &&
			   p->type != HM_PROC_SECONDARY && p->type != HM_PROC_PRIMARY)
			why = "attached slot of an unknown type";
	}
	if (why == NULL && primaries > 1)
		why = "more than one live primary";
	for (unsigned int i = 0; i < HM_MAX_LCORE && why == NULL; i++) {
		uint32_t t = __atomic_load_n(&sh->lcore_owner[i], __ATOMIC_ACQUIRE);
		unsigned int s = (t & ((1u << MP_TAG_SLOT_BITS) - 1)) - 1;
		if (t == 0)
			continue;
		if (s >= MP_MAX_PROCS)
			why = "lcore owner tag names no slot";
		else if (MP_TAG(sh->procs[s].gen, s) != t)
			why = "lcore owner tag of a slot's old generation";
		else if (sh->procs[s].state == MP_SLOT_FREE)
			why = "lcore owned by a free slot";
	}
	/* procs[s].n_lcores == |{ i : lcore_owner[i] == tag of s }| for attached slots
	 * (owner words and counts change together under the table lock) */
	for (unsigned int s = 0; s < MP_MAX_PROCS && why == NULL; s++) {
		const struct mp_proc *p = &sh->procs[s];
		unsigned int n = 0;
		if (p->state != MP_SLOT_LIVE && p->state != MP_SLOT_CLAIMED)
			continue;
		for (unsigned int i = 0; i < HM_MAX_LCORE; i++)
			n += sh->lcore_owner[i] == MP_TAG(p->gen, s);
		if (n != p->n_lcores)
			why = "a process's lcore count differs from the ids it owns";
	}
	table_unlock(sh);
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "process table is corrupt: %s", why);
	}
	return 0;
}
