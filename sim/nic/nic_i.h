/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the fake NIC: what its receive engine (nic.c) and its transmit
 * engine (nic_tx.c) share. nic.c owns struct hm_nic and the IOVA translation
 * (one-page caches validated by the memseg list's version); nic_tx.c owns
 * the TX state hanging off the device (struct nic_tx), created with it;
 * nic_telemetry.c serves the /hugemem/nic commands for the devices nic.c
 * tells it about.
 */
#ifndef HUGEMEM_NIC_I_H
#define HUGEMEM_NIC_I_H

#include <stdbool.h>
#include <stdint.h>

#include "common_i.h"
#include "hugemem/memseg.h"
#include "hugemem/sim/nic.h"

#define SEG_MAX 8u         /* pages one buffer may span */

/* Relaxed single-writer counter update: race-free snapshots for readers. */
#define ST_ADD(field, v) \
	__atomic_store_n(&(field), __atomic_load_n(&(field), __ATOMIC_RELAXED) + (v), \
			 __ATOMIC_RELAXED)
#define ST_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* One page-sized IOVA -> VA translation; valid while msl->version == version. */
struct xlat {
	hm_iova_t iova;                     /* IOVA of va; valid when len != 0 */
	uint8_t *va;                        /* page start */
	uint64_t len;                       /* bytes; 0 = empty */
	const struct hm_memseg_list *msl;   /* list holding the page */
	uint32_t version;                   /* msl->version when filled */
};

/* A piece of a DMA range inside one page. */
struct seg {
	uint8_t *va;
	uint32_t len;
};

struct nic_tx;

/* nic.c: translate [iova, iova+len) through the cache @p x into at most
 * SEG_MAX pieces. @return the number of pieces, 0 when a byte maps nowhere. */
HM_INTERNAL unsigned int nic_xlat_range(struct xlat *x, hm_iova_t iova, uint32_t len,
					struct seg *segs);
/* nic.c: the device's TX state. */
HM_INTERNAL struct nic_tx *nic_tx_of(const struct hm_nic *nic);
/* nic.c: whether the device thread runs (stepped calls refuse with EBUSY). */
HM_INTERNAL bool nic_thread_on(const struct hm_nic *nic);
/* nic.c: conf.delay_frames. */
HM_INTERNAL unsigned int nic_delay_frames(const struct hm_nic *nic);

/* nic_tx.c: TX state for @p nb_queues queues (in hugemem memory on @p node
 * when @p shared), or NULL (ENOMEM). */
HM_INTERNAL struct nic_tx *nic_tx_create(unsigned int nb_queues, bool shared, int node);
/* nic_tx.c: free what nic_tx_create(.., @p shared, ..) gave (NULL accepted). */
HM_INTERNAL void nic_tx_free(struct nic_tx *tx, bool shared);
/* nic_tx.c: the device thread transmits what the TX queues hold (a burst each). */
HM_INTERNAL void nic_tx_poll(struct hm_nic *nic);
/* nic_tx.c: 1 when the TX sink loops back into a NIC (the device thread refuses). */
HM_INTERNAL bool nic_tx_loops(const struct hm_nic *nic);
/* nic_tx.c: the TX invariants (nic_tx.h); NULL when they hold, else why. */
HM_INTERNAL const char *nic_tx_check(const struct hm_nic *nic);

/* nic_telemetry.c: make @p nic visible to the /hugemem/nic commands (registers
 * the commands once). A process with more than 64 live devices shows the first 64. */
HM_INTERNAL void nic_tel_add(const struct hm_nic *nic);
/* nic_telemetry.c: forget @p nic; waits for a command reading it. */
HM_INTERNAL void nic_tel_remove(const struct hm_nic *nic);

#endif /* HUGEMEM_NIC_I_H */
