/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Page sync and requests, both on futexes in the shared config (no sockets,
 * no files, no threads beyond one mp thread per process).
 *
 * Page sync: the process that changed the page map (the primary, holding the
 * memory hotplug write lock) bumps sync_seq and wakes every mp thread; each
 * one applies the change to its own mappings and publishes sync_seq in its slot
 * (procs[i].synced), waking the changer. The changer waits slot by slot, checks
 * the liveness of a slow one every 10 ms (a dead one is reaped, never waited
 * for) and gives up after the timeout naming the pid that did not answer.
 *
 * Requests: a secondary fills its slot's mailbox (type, args), marks it POSTED,
 * bumps req_seq and waits on the mailbox's state word; the primary's mp thread
 * takes it (SERVING), runs the handler and answers (DONE, result, out[], the
 * message). The requester checks every 10 ms that the primary still lives.
 */
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mp_i.h"

static unsigned int timeout_ms = MP_TIMEOUT_DEFAULT_MS;
static mp_handler_fn handlers[MP_REQ_TYPES];
static uint32_t req_count; /* this process's requests (mailbox seq) */

void
mp_set_timeout(unsigned int ms)
{
	timeout_ms = ms != 0 ? ms : MP_TIMEOUT_DEFAULT_MS;
}

unsigned int
mp_timeout(void)
{
	return timeout_ms;
}

int
mp_futex_wait(volatile uint32_t *addr, uint32_t val, unsigned int timeout_us)
{
	struct timespec ts = { (time_t)(timeout_us / 1000000u),
			       (long)(timeout_us % 1000000u) * 1000 };

	if (syscall(SYS_futex, addr, FUTEX_WAIT, val, &ts, NULL, 0) == 0)
		return 0;
	return -errno; /* EAGAIN: the value changed already; ETIMEDOUT; EINTR */
}

void
mp_futex_wake(volatile uint32_t *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* ---------------------------------------------------------------- page sync */

int
mp_sync_all(int32_t *stuck)
{
	struct mp_shared *sh = mp_shared();
	struct mp_proc *self = mp_self();
	uint32_t seq;
	uint64_t deadline;

	*stuck = 0;
	if (sh == NULL)
		return 0;
	seq = __atomic_add_fetch(&sh->sync_seq, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&self->synced, seq, __ATOMIC_RELEASE);
	mp_futex_wake(&sh->sync_seq);
	deadline = hm_now_ms() + timeout_ms;
	for (unsigned int s = 0; s < MP_MAX_PROCS; s++) {
		struct mp_proc *p = &sh->procs[s];
		uint64_t next_check = hm_now_ms() + 10;

		if (p == self)
			continue;
		for (;;) {
			uint32_t st = __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
			uint32_t got = __atomic_load_n(&p->synced, __ATOMIC_ACQUIRE);
			int32_t pid;

			/* CLAIMED slots attach under the hotplug read lock, which the
			 * changer's write lock excludes: they see the new map anyway */
			if (st != MP_SLOT_LIVE || got == seq)
				break;
			uint64_t now = hm_now_ms();
			if (now >= next_check) {
				if (mp_reap_if_dead(s, &pid))
					break;
				next_check = now + 10;
			}
			if (now >= deadline) {
				*stuck = __atomic_load_n(&p->pid, __ATOMIC_RELAXED);
				return hm_fail(ETIMEDOUT, "process %d did not apply a page map change "
					       "within %u ms (stopped or stuck?): the change is undone",
					       (int)*stuck, timeout_ms);
			}
			mp_futex_wait(&p->synced, got, 10000);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- requests */

void
mp_set_handler(uint32_t type, mp_handler_fn fn)
{
	if (type < MP_REQ_TYPES)
		handlers[type] = fn;
}

int
mp_request(uint32_t type, const uint64_t *args, unsigned int n_args, uint64_t out[MP_REQ_OUTS])
{
	struct mp_shared *sh = mp_shared();
	struct mp_proc *self = mp_self();
	struct mp_req *r;
	int32_t ppid = 0;
	uint32_t seq;
	uint64_t deadline;

	if (sh == NULL || self == NULL || mp_type() != HM_PROC_SECONDARY)
		return hm_fail(EINVAL, "mp: only a secondary process sends requests");
	if (n_args > MP_REQ_ARGS || type == MP_REQ_NONE || type >= MP_REQ_TYPES)
		return hm_fail(EINVAL, "mp: bad request %u", type);
	if (!mp_primary_alive(&ppid))
		return hm_fail(ENODEV, "the primary (pid %d) has exited: secondaries cannot map "
			       "new pages", (int)ppid);
	r = &self->req;
	/* one request in flight per process: threads take turns */
	for (uint64_t w = 0;;) {
		uint32_t exp = MP_REQ_IDLE;
		if (__atomic_compare_exchange_n(&r->state, &exp, MP_REQ_FILLING, 0,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		robust_backoff(&w);
	}
	seq = __atomic_add_fetch(&req_count, 1, __ATOMIC_RELAXED);
	r->type = type;
	r->seq = seq;
	r->result = 0;
	r->msg[0] = '\0';
	memset(r->args, 0, sizeof(r->args));
	memcpy(r->args, args, sizeof(*args) * n_args);
	__atomic_store_n(&r->state, MP_REQ_POSTED, __ATOMIC_RELEASE);
	__atomic_add_fetch(&sh->req_seq, 1, __ATOMIC_SEQ_CST);
	mp_futex_wake(&sh->req_seq);
	/* the primary may itself wait for a sync round: allow for it */
	deadline = hm_now_ms() + 2ull * timeout_ms + 1000;
	for (uint64_t next_check = hm_now_ms() + 10;;) {
		uint32_t st = __atomic_load_n(&r->state, __ATOMIC_ACQUIRE);
		if (st == MP_REQ_DONE && r->done_seq == seq)
			break;
		uint64_t now = hm_now_ms();
		if (now >= next_check) {
			if (!mp_primary_alive(&ppid)) {
				__atomic_store_n(&r->state, MP_REQ_IDLE, __ATOMIC_RELEASE);
				return hm_fail(ENODEV, "the primary (pid %d) has exited: secondaries "
					       "cannot map new pages", (int)ppid);
			}
			next_check = now + 10;
		}
		if (now >= deadline) {
			/* the primary may still answer: it finds the mailbox taken back */
			__atomic_store_n(&r->state, MP_REQ_IDLE, __ATOMIC_RELEASE);
			return hm_fail(ETIMEDOUT, "the primary (pid %d) did not answer within %llu ms",
				       (int)ppid, (unsigned long long)(2ull * timeout_ms + 1000));
		}
		mp_futex_wait(&r->state, st, 10000);
	}
	hm_local_epoch_observe(); /* our mp thread applied the change before the answer */
	int rc = r->result;
	if (rc < 0)
		hm_fail(-rc, "%s", r->msg[0] != '\0' ? r->msg : hm_strerror(rc));
	else if (out != NULL)
		memcpy(out, r->out, sizeof(r->out));
	__atomic_store_n(&r->state, MP_REQ_IDLE, __ATOMIC_RELEASE);
	return rc;
}

unsigned int
mp_serve(void)
{
	struct mp_shared *sh = mp_shared();
	unsigned int n = 0;

	if (sh == NULL || mp_type() != HM_PROC_PRIMARY)
		return 0;
	for (unsigned int s = 0; s < MP_MAX_PROCS; s++) {
		struct mp_req *r = &sh->procs[s].req;
		uint32_t exp = MP_REQ_POSTED;
		uint64_t out[MP_REQ_OUTS] = { 0 };
		uint64_t args[MP_REQ_ARGS];
		uint32_t type, seq;
		int rc;

		if (!__atomic_compare_exchange_n(&r->state, &exp, MP_REQ_SERVING, 0,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		hm_local_unlock_observe(); /* see common_i.h */
		type = r->type;
		seq = r->seq;
		memcpy(args, r->args, sizeof(args));
		if (type < MP_REQ_TYPES && handlers[type] != NULL)
			rc = handlers[type](args, out);
		else
			rc = hm_fail(ENOTSUP, "mp: the primary has no handler for request %u", type);
		/* the requester may have died or given up: answer only a SERVING mailbox */
		exp = MP_REQ_SERVING;
		if (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) == MP_REQ_SERVING) {
			r->result = rc;
			memcpy(r->out, out, sizeof(out));
			if (rc < 0)
				snprintf(r->msg, sizeof(r->msg), "%s", hm_last_error());
			r->done_seq = seq;
			__atomic_compare_exchange_n(&r->state, &exp, MP_REQ_DONE, 0, __ATOMIC_RELEASE,
						    __ATOMIC_RELAXED);
			mp_futex_wake(&r->state);
		}
		n++;
	}
	return n;
}
