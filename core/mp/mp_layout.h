/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The multi-process part of the shared config (struct hm_mem_config.mp): the
 * process table, the primary's start parameters that a secondary must reuse,
 * and the futex words of the page sync and of the request mailbox. Types only:
 * core/mcfg embeds it, core/mp runs it. Same VA in every process, no pointers.
 *
 * Invariants (hm_mp_check):
 *   a LIVE or CLAIMED slot has pid > 0 and gen > 0; a FREE slot has pid == 0
 *   lcore_owner[i] != 0  =>  it is the tag of a LIVE or CLAIMED slot
 *   at most one LIVE slot has type PRIMARY, and it is primary_slot
 */
#ifndef HUGEMEM_MP_LAYOUT_H
#define HUGEMEM_MP_LAYOUT_H

#include <stdint.h>

#include "hugemem/common.h"
#include "hugemem/lock.h"
#include "robust_i.h"

#define MP_MAX_PROCS 64           /* slot + 1 fits the 7 low bits of a tag */
#define MP_TAG_SLOT_BITS 7
#define MP_TAG(gen, slot) (((uint32_t)(gen) << MP_TAG_SLOT_BITS) | ((uint32_t)(slot) + 1))
#define MP_GEN_MAX 0xffffffu      /* gen < 2^24: tags stay below 2^31 */
#define MP_REQ_ARGS 8
#define MP_REQ_OUTS 4
#define MP_MSG_LEN 200
#define MP_TOPOLOGY_LEN 1024
#define MP_HUGE_DIR_LEN 256

enum mp_slot_state {
	MP_SLOT_FREE = 0,
	MP_SLOT_CLAIMED,  /* registering: not yet waited for by page syncs */
	MP_SLOT_LIVE,     /* attached: every page sync waits for it */
	MP_SLOT_REAPING,  /* its process died; a survivor is releasing what it held */
};

enum mp_req_state {
	MP_REQ_IDLE = 0,
	MP_REQ_POSTED,    /* the requester filled it and waits */
	MP_REQ_SERVING,   /* the primary's mp thread took it */
	MP_REQ_DONE,      /* result and out[] are valid */
	MP_REQ_FILLING,   /* a thread of the requester is writing it */
};

/* A request from a secondary to the primary (one at a time per process). */
struct mp_req {
	volatile uint32_t state;   /* futex word: enum mp_req_state */
	uint32_t type;             /* enum mp_req_type (mp_i.h) */
	int32_t result;            /* 0 or -errno; valid when DONE */
	uint32_t seq;              /* requester's count, echoed in done_seq */
	uint32_t done_seq;
	uint32_t pad;
	uint64_t args[MP_REQ_ARGS];
	uint64_t out[MP_REQ_OUTS];
	char msg[MP_MSG_LEN];      /* the primary's hm_last_error() when result < 0 */
};

/*
 * One attached process. The identity (gen, pid, type, start_time, last) is
 * written under the table lock and read without it (liveness checks by lock
 * waiters and page syncs): every access is __atomic; a writer stores it before
 * the state that publishes it (release), and a reaper moves the state to
 * REAPING before it clears it, so a reader that sees pid 0 or a stale
 * start_time sees a process that is dead anyway.
 */
#define MP_LAST(gen, pid) ((uint64_t)(gen) << 32 | (uint32_t)(pid))
struct mp_proc {
	volatile uint32_t state;   /* enum mp_slot_state */
	uint32_t gen;              /* bumped each time the slot is claimed (1..MP_GEN_MAX) */
	int32_t pid;               /* 0 when FREE */
	uint32_t type;             /* enum hm_proc_type */
	uint64_t start_time;       /* clock ticks after boot (/proc/<pid>/stat field 22) */
	volatile uint32_t synced;  /* futex word: the sync_seq this process has applied */
	uint32_t n_lcores;         /* lcore ids it holds */
	/* MP_LAST(gen, pid) of the previous occupant (messages about old tags): one
	 * word, so that a reader outside the table lock never pairs one occupant's
	 * gen with another's pid */
	uint64_t last;
	volatile uint32_t rd[ROBUST_RD_IDS]; /* its read holds of the robust rwlocks */
	uint32_t pad[2];
	struct mp_req req;
} __attribute__((aligned(64)));

/* What a secondary must start its backend and checks with (the primary's). */
struct mp_params {
	char topology[MP_TOPOLOGY_LEN]; /* "" = the backend's default */
	char huge_dir[MP_HUGE_DIR_LEN]; /* "" = any mount */
	int32_t huge_unlink;            /* enum hm_huge_unlink */
	uint32_t single_file_segments;
	uint32_t legacy_mem;
	uint32_t no_attach;             /* a reason code: MP_NO_ATTACH_* (mp_i.h) */
	uint64_t base_virtaddr;         /* the primary's --base-virtaddr (0: default) */
	uint32_t made_len;              /* length of the outermost runtime dir level the
					   primary created (0: none; hm_rmdirs_made) */
	uint32_t pad;
};

struct mp_shared {
	hm_spinlock_t lock;             /* holder's pid: claims, releases, reaps (procs.c) */
	volatile uint32_t closing;      /* 1: the last process is removing the instance */
	volatile uint32_t sync_seq;     /* futex word: bumped after each page map change */
	volatile uint32_t req_seq;      /* futex word: bumped when a request is posted */
	int32_t primary_pid;            /* the primary's pid (kept after it exits) */
	uint32_t primary_slot;
	volatile uint32_t primary_gone; /* 1: the primary has exited (cleanly or not) */
	uint32_t pad;
	struct mp_params params;
	uint32_t lcore_owner[HM_MAX_LCORE]; /* tag of the process using the id, 0 free */
	volatile uint8_t lcore_dead[HM_MAX_LCORE]; /* 1: last held by a process that died:
						    * its per-lcore shared state (mempool
						    * caches) is reset by the next claimer */
	struct mp_proc procs[MP_MAX_PROCS];
};

#endif /* HUGEMEM_MP_LAYOUT_H */
