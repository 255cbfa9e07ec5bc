/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mp thread: one per attached process, started at the end of hm_init and
 * joined by hm_cleanup. In a secondary it sleeps on sync_seq and applies each
 * page-map change (the sync callback diffs the lists' used masks against what
 * this process maps); in the primary it sleeps on req_seq and serves the
 * secondaries' requests. It takes no hugemem lock while waiting and none that a
 * page-sync waiter could hold, so a sync round always completes while the
 * process lives.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "mp_i.h"

static struct {
	pthread_t tid;
	bool running;
	volatile uint32_t stop;
	int (*sync)(void);
} th;

static void *
mp_main(void *arg)
{
	struct mp_shared *sh = mp_shared();
	struct mp_proc *self = mp_self();
	bool primary = mp_type() == HM_PROC_PRIMARY;

	(void)arg;
	while (!__atomic_load_n(&th.stop, __ATOMIC_ACQUIRE)) {
		if (primary) {
			uint32_t seq = __atomic_load_n(&sh->req_seq, __ATOMIC_ACQUIRE);
			if (mp_serve() == 0)
				mp_futex_wait(&sh->req_seq, seq, 100000);
			else
				hm_local_epoch_publish(); /* pages it mapped for a request */
			continue;
		}
		uint32_t seq = __atomic_load_n(&sh->sync_seq, __ATOMIC_ACQUIRE);
		if (seq == __atomic_load_n(&self->synced, __ATOMIC_ACQUIRE)) {
			mp_futex_wait(&sh->sync_seq, seq, 100000);
			continue;
		}
		hm_local_unlock_observe(); /* see common_i.h */
		if (th.sync() < 0) {
			/* not published: the changer times out naming us and undoes
			 * its change; try again on the next round */
			hm_log(HM_LOG_ERR, "mp: cannot apply a page map change: %s",
			       hm_last_error());
			mp_futex_wait(&sh->sync_seq, seq, 10000);
			continue;
		}
		hm_local_epoch_publish();
		__atomic_store_n(&self->synced, seq, __ATOMIC_RELEASE);
		mp_futex_wake(&self->synced);
	}
	return NULL;
}

int
mp_thread_start(int (*sync)(void))
{
	sigset_t all, old;
	int rc;

	if (th.running || !mp_active())
		return 0;
	th.sync = sync;
	th.stop = 0;
	/* the thread takes no signal: the application's handlers run elsewhere */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&th.tid, NULL, mp_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return hm_fail(rc, "mp: cannot start the mp thread: %s", strerror(rc));
	pthread_setname_np(th.tid, "hugemem-mp");
	th.running = true;
	return 0;
}

void
mp_thread_forget(void)
{
	th.running = false;
}

void
mp_thread_stop(void)
{
	struct mp_shared *sh = mp_shared();

	if (!th.running)
		return;
	__atomic_store_n(&th.stop, 1, __ATOMIC_RELEASE);
	/* wakes every process's mp thread once: they find nothing to do */
	if (sh != NULL) {
		mp_futex_wake(&sh->sync_seq);
		mp_futex_wake(&sh->req_seq);
	}
	pthread_join(th.tid, NULL);
	th.running = false;
}
