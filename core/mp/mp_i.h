/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core/mp internals: the process table (procs.c), the page sync and the
 * request mailbox (sync.c), the mp thread (thread.c). The shared layout is
 * mp_layout.h (embedded in struct hm_mem_config).
 *
 * Layering: mp sits just above mcfg. memseg, lcore and malloc call it directly
 * (sync after a page map change, lcore id claims, requests to the primary); what
 * it needs from above (the secondary's page sync, the primary's request
 * handlers) it receives as callbacks.
 *
 * Lock order: the table lock is a leaf (nothing is taken or waited for while
 * holding it). A page-sync waiter holds the memory hotplug write lock; the
 * mp threads it waits for take no lock at all.
 */
#ifndef HUGEMEM_MP_I_H
#define HUGEMEM_MP_I_H

#include <stdbool.h>

#include "common_i.h"
#include "mp_layout.h"
#include "hugemem/mp.h"

struct hm_mem_config;

#define MP_TIMEOUT_DEFAULT_MS 5000u

/* Why a primary cannot be attached (mp_params.no_attach). */
enum {
	MP_NO_ATTACH_OK = 0,
	MP_NO_ATTACH_TOPOLOGY_LONG,  /* its topology string does not fit mp_params */
	MP_NO_ATTACH_HUGE_DIR_LONG,  /* its --huge-dir does not fit */
	MP_NO_ATTACH_UNLINK_ALWAYS,  /* --huge-unlink=always: its page files are gone */
	MP_NO_ATTACH_NO_PAGE_ATTACH, /* its backend cannot share pages */
};

enum mp_req_type {
	MP_REQ_NONE = 0,
	MP_REQ_HEAP_GROW,   /* args: heap index, size, align, bound, contig, pg_flags, hint_only */
	MP_REQ_PAGES_FREE,  /* args: list index, first seg, count */
	MP_REQ_PAGES_ALLOC, /* args: n, page_sz, socket, flags; out: list, first seg, count */
	MP_REQ_TYPES
};

/* Handler run by the primary's mp thread; returns 0/-errno (message recorded). */
typedef int (*mp_handler_fn)(const uint64_t args[MP_REQ_ARGS], uint64_t out[MP_REQ_OUTS]);

/* ---- procs.c: the process table ---- */

/*
 * Become the primary of the fresh config @p sh: claim a slot, record @p p for
 * secondaries, install the robust-lock hooks. @return 0 or -errno.
 */
HM_INTERNAL int mp_primary_start(struct mp_shared *sh, const struct mp_params *p);
/* 0 when @p sh's primary is alive, else -ENODEV naming it ("has exited"). A
 * secondary asks before it starts its backend (whose own refusal, e.g. the fuse
 * mount gone with the primary, would hide the cause) and again under the table
 * lock in mp_secondary_start. */
HM_INTERNAL int mp_check_primary(const struct mp_shared *sh);
/*
 * Join @p sh as a secondary: claim a slot in state CLAIMED. Refuses when the
 * primary has gone, the instance is closing, or the table is full.
 * @return 0 or -errno with a message.
 */
HM_INTERNAL int mp_secondary_start(struct mp_shared *sh);
/* The claimed slot becomes LIVE with synced = @p seq (page syncs now wait for it). */
HM_INTERNAL void mp_set_live(uint32_t seq);
/* Leaving: page syncs stop waiting for this process (it unmaps everything next). */
HM_INTERNAL void mp_set_leaving(void);
/*
 * Before the primary's cleanup: when no other process is attached, mark the
 * instance closing (no process attaches any more) and return true (tear it all
 * down); else false (leave the shared state to the others).
 */
HM_INTERNAL bool mp_begin_close(void);
/*
 * Give up this process's slot and lcore ids. @return true when no other process
 * is attached any more: the instance is marked closing and the caller removes
 * the shared files.
 */
HM_INTERNAL bool mp_leave(void);
/* Forget the table without touching it (a refused attach, a failed init). */
HM_INTERNAL void mp_abandon(void);

/* 1 when this process is in a shared table (not --no-shconf). */
HM_INTERNAL bool mp_active(void);
HM_INTERNAL enum hm_proc_type mp_type(void);
HM_INTERNAL struct mp_shared *mp_shared(void);
/* This process's slot, or NULL. */
HM_INTERNAL struct mp_proc *mp_self(void);
/* The primary runs (its slot is LIVE and its process alive). */
HM_INTERNAL bool mp_primary_alive(int32_t *pid);

/*
 * Process identity: start time of @p pid in clock ticks after boot.
 * @return 0, -ESRCH (no such process) or -errno.
 */
HM_INTERNAL int mp_proc_start_time(int32_t pid, uint64_t *out);
/* @p pid runs and is the process that started at @p start (0: do not compare). */
HM_INTERNAL bool mp_proc_alive(int32_t pid, uint64_t start);
/* Pids of the live processes recorded in @p sh (read-only: an old config file
 * a new primary found); at most @p max into @p pids. @return how many. */
HM_INTERNAL unsigned int mp_table_live(const struct mp_shared *sh, int32_t *pids,
				       unsigned int max);

/* lcore ids (every change under the table lock): claim @p id for this process. 0; 1 when the id's last owner died
 * (the caller resets that lcore's shared per-lcore state: mempool caches);
 * -EBUSY (a live process has it: *owner its pid). Dead owners' ids are reaped
 * first. */
HM_INTERNAL int mp_lcore_claim(unsigned int id, int32_t *owner);
#define MP_LCORE_SET_WORDS ((HM_MAX_LCORE + 63) / 64)
/* Claim every id of @p set (bit i of set[i / 64]) for this process in one step
 * under the table lock: all of them or none. Ids of dead processes are reaped
 * first. @return 0, dead[i] = 1 for each id whose last owner died (its shared
 * per-lcore state is the caller's to reset); -EBUSY when a live process holds
 * one (*busy the lowest such id, *owner that process's pid, this process's own
 * when one of its threads holds it): nothing claimed. No table: 0. */
HM_INTERNAL int mp_lcore_claim_set(const uint64_t set[MP_LCORE_SET_WORDS],
				   uint8_t dead[HM_MAX_LCORE], unsigned int *busy,
				   int32_t *owner);
HM_INTERNAL void mp_lcore_release(unsigned int id);
/* 1 when the table gives id @p id to this process, 0 when not, -1 without a
 * table. Only this process changes its own ids while it lives. */
HM_INTERNAL int mp_lcore_is_mine(unsigned int id);

/* Reap slot @p s when its process is gone. @return true when the slot is free now. */
HM_INTERNAL bool mp_reap_if_dead(unsigned int s, int32_t *pid);
/* Called, under no lock, for each process reaped (its lcore ids before release):
 * malloc/mempool hook in to drop per-lcore state. */
HM_INTERNAL void mp_on_reap(void (*fn)(const uint32_t *lcores, unsigned int n));

/* ---- sync.c: page sync and requests ---- */

/* Timeout of page syncs and requests, ms (0: MP_TIMEOUT_DEFAULT_MS). */
HM_INTERNAL void mp_set_timeout(unsigned int ms);
HM_INTERNAL unsigned int mp_timeout(void);
/*
 * After a page map change (hotplug write lock held): bump sync_seq and wait
 * until every other LIVE process has applied it. Dead processes are reaped, not
 * waited for. @return 0, or -ETIMEDOUT with a message naming the pid that did
 * not answer (*stuck its pid).
 */
HM_INTERNAL int mp_sync_all(int32_t *stuck);
/*
 * Secondary: ask the primary to run request @p type and wait for the answer.
 * @return the handler's result (out[] filled on success); -ENODEV when the
 *   primary has exited ("the primary (pid N) has exited: ..."), -ETIMEDOUT.
 */
HM_INTERNAL int mp_request(uint32_t type, const uint64_t *args, unsigned int n_args,
			   uint64_t out[MP_REQ_OUTS]);
/* Primary: who serves request @p type. */
HM_INTERNAL void mp_set_handler(uint32_t type, mp_handler_fn fn);
/* Primary's mp thread: serve every posted request. @return how many. */
HM_INTERNAL unsigned int mp_serve(void);

/* futex on a shared word (not PRIVATE: other processes wait on it too). */
HM_INTERNAL int mp_futex_wait(volatile uint32_t *addr, uint32_t val, unsigned int timeout_us);
HM_INTERNAL void mp_futex_wake(volatile uint32_t *addr);

/* ---- thread.c ---- */

/*
 * Start this process's mp thread: a secondary's applies page-map changes with
 * @p sync (its view of the lists against the shared one); the primary's serves
 * requests. @return 0 or -errno.
 */
HM_INTERNAL int mp_thread_start(int (*sync)(void));
/* Stop and join it (no-op when not running). */
HM_INTERNAL void mp_thread_stop(void);
/* A process forked from one whose mp thread runs: that thread is the parent's
 * (fork copies only the calling thread); forget it without waking or joining. */
HM_INTERNAL void mp_thread_forget(void);

#endif /* HUGEMEM_MP_I_H */
