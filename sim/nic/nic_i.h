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

/* xorshift64*: the device's draws (fault modes and their effects). @p s != 0. */
static inline uint64_t
nic_xs64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* One fault mode, RX (nic.c) or TX (nic_tx.c): fires on every Nth frame and/or
 * with a probability in parts per million, from its own seeded stream. */
struct nic_fault {
	uint32_t every_nth;                 /* 0: off */
	uint32_t ppm;                       /* 0: off */
	uint64_t rng;                       /* xorshift64* state, never 0 */
	uint64_t seen;                      /* frames considered */
	uint64_t injected;                  /* ST_ADD */
};

/* Arm @p f (every_nth 0 and ppm 0: off) with the stream of @p seed; @p effects
 * (the device's effect draws) restarts from the same seed. */
static inline void
nic_fault_arm(struct nic_fault *f, uint64_t *effects, uint32_t every_nth, uint32_t ppm,
	      uint64_t seed)
{
	f->every_nth = every_nth;
	f->ppm = ppm;
	f->rng = (seed ^ 0x9e3779b97f4a7c15ULL) | 1;
	f->seen = 0;
	*effects = (seed * 0xbf58476d1ce4e5b9ULL) | 1;
}

/* Does @p f fire for this frame? Draws only when the mode is on. */
static inline bool
nic_fault_fires(struct nic_fault *f)
{
	bool fire = false;

	if (f->every_nth == 0 && f->ppm == 0)
		return false;
	f->seen++;
	if (f->every_nth != 0 && f->seen % f->every_nth == 0)
		fire = true;
	if (f->ppm != 0 && nic_xs64(&f->rng) % 1000000 < f->ppm)
		fire = true;
	if (fire)
		ST_ADD(f->injected, 1);
	return fire;
}

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
