/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Example 3, the "application code" under test: spread received packets over
 * worker rings by flow (the RSS hash the NIC computed), so that one worker sees
 * all packets of a flow, in order. A full ring drops the packet (freed and
 * counted), as a dataplane must rather than block.
 */
#ifndef EXAMPLE_DISPATCH_H
#define EXAMPLE_DISPATCH_H

#include <stdint.h>

#include "hugemem/hugemem.h"

#define DISPATCH_MAX_WORKERS 16

struct dispatch;

/** @p workers rings of @p ring_size (power of two) on node @p socket; NULL on error. */
struct dispatch *dispatch_create(const char *name, unsigned int workers, unsigned int ring_size,
				 int socket);
/** Queue each packet on its flow's worker ring. @return packets queued (the rest dropped). */
unsigned int dispatch_burst(struct dispatch *d, struct hm_mbuf **pkts, unsigned int n);
/** Up to @p n packets queued for worker @p w, oldest first. */
unsigned int dispatch_take(struct dispatch *d, unsigned int w, struct hm_mbuf **pkts,
			   unsigned int n);
/** Packets dropped because their worker's ring was full. */
uint64_t dispatch_dropped(const struct dispatch *d);
/** Free the rings and every packet still queued; NULL is fine. */
void dispatch_free(struct dispatch *d);

#endif
