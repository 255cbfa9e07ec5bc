/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared memory configuration: everything another process needs to find the
 * same memory (lists, and later heaps and memzones). It lives in
 * <runtime_dir>/config, mapped at the same VA in every process, or in anonymous
 * memory under --no-shconf / --in-memory.
 *
 * Process-type rule: the primary holds a POSIX write lock on the file for its
 * whole life; a second primary with the same runtime dir fails with EBUSY.
 *
 * Lock order: memory_hotplug_lock before any list's fbarray lock.
 */
#ifndef HUGEMEM_MCFG_I_H
#define HUGEMEM_MCFG_I_H

#include "common_i.h"
#include "hugemem/lock.h"
#include "hugemem/memseg.h"
#include "mp_layout.h"

#define HM_MCFG_MAGIC 0x68756765u /* "huge": written when init completes */
#define HM_MCFG_VERSION 5u        /* layout version; bump on any change */

struct hm_mem_config {
	volatile uint32_t magic;        /* HM_MCFG_MAGIC once the primary finished init */
	uint32_t version;               /* HM_MCFG_VERSION */
	uint64_t mem_cfg_addr;          /* VA of this struct in every process */
	hm_rwlock_t memory_hotplug_lock; /* write: page alloc/free; read: walks */
	volatile uint64_t mem_version;  /* bumped on every page alloc or free */
	uint32_t n_lists;               /* lists in use in memsegs[] */
	uint32_t iova_va;               /* 1: IOVA == VA */
	uint32_t legacy_mem;            /* 1: pages fixed at init */
	uint32_t n_nodes;               /* nodes of the backend's probe */
	char backend[32];               /* backend name */
	int64_t mapped_bytes[HM_MAX_NUMA_NODES]; /* bytes of mapped pages per node */
	uint32_t next_ext_socket;       /* socket id of the next external heap */
	uint32_t mempool_debug;         /* 1: new pools get HM_MEMPOOL_F_DEBUG (--mempool-debug) */
	struct hm_fbarray heaps;        /* struct malloc_heap[HM_MAX_HEAPS] (core/malloc) */
	struct hm_fbarray memzones;     /* struct hm_memzone[] (core/memzone) */
	struct hm_fbarray memzone_index; /* name hash index of the memzones */
	struct hm_memseg_list memsegs[HM_MAX_MEMSEG_LISTS];
	struct {                        /* mempool ops names: a pool's ops_index means
					   names[ops_index] in every process (core/mempool) */
		hm_spinlock_t lock;     /* robust */
		uint32_t n;
		char names[16][32];     /* HM_MEMPOOL_MAX_OPS_IDX x HM_MEMPOOL_OPS_NAMESIZE */
	} mempool_ops;
	struct mp_shared mp;            /* process table, page sync, requests (core/mp) */
};

/*
 * Create the config: file-backed in @p dir (primary lock taken) or anonymous when
 * dir is NULL. @return the mapping, or NULL with hm_errno (EBUSY: another primary).
 */
HM_INTERNAL struct hm_mem_config *mcfg_create(const char *dir);
/* Unmap, unlink the file and drop the lock. NULL is a no-op. */
HM_INTERNAL void mcfg_destroy(struct hm_mem_config *mcfg);
/* The primary leaves while secondaries run: unmap and drop the lock, keep the file. */
HM_INTERNAL void mcfg_release(struct hm_mem_config *mcfg);

/* ---- attach.c: the secondary side ---- */

/*
 * Map <dir>/config of a running primary at its address, after waiting up to
 * @p timeout_ms for its init. NULL with hm_errno: ENODEV (no primary / no config
 * file), ETIMEDOUT, EPROTO (layout version), EADDRNOTAVAIL (address taken here),
 * EPERM (not a private file of ours).
 */
HM_INTERNAL struct hm_mem_config *mcfg_attach(const char *dir, unsigned int timeout_ms);
/* Unmap an attached config (nothing else). */
HM_INTERNAL void mcfg_detach(struct hm_mem_config *m);
/* Delete <dir>/config (the last process out). */
HM_INTERNAL void mcfg_remove(const char *dir);
/* 1 when a live primary holds <dir>/config's lock (*pid: its pid), 0 when none. */
HM_INTERNAL int mcfg_primary_running(const char *dir, int32_t *pid);
/* Copy the process table of a complete <dir>/config into @p out. 0 or -errno. */
HM_INTERNAL int mcfg_read_table(const char *dir, struct mp_shared *out);

/* The current process's config, or NULL before init / after cleanup. */
HM_INTERNAL struct hm_mem_config *mcfg_get(void);
HM_INTERNAL void mcfg_set(struct hm_mem_config *mcfg);

#endif
