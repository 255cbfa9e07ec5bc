/* SPDX-License-Identifier: BSD-3-Clause */
/* Example 3: see dispatch.h. Only hugemem's public API. */
#include <stdio.h>

#include "dispatch.h"

struct dispatch {
	unsigned int workers;
	uint64_t dropped;
	struct hm_ring *ring[DISPATCH_MAX_WORKERS];
};

struct dispatch *
dispatch_create(const char *name, unsigned int workers, unsigned int ring_size, int socket)
{
	struct dispatch *d;
	char rname[64];

	if (name == NULL || workers == 0 || workers > DISPATCH_MAX_WORKERS)
		return NULL;
	/* the struct itself in hugepage memory on the workers' node */
	d = hm_zmalloc_socket("dispatch", sizeof(*d), 0, socket);
	if (d == NULL)
		return NULL;
	d->workers = workers;
	for (unsigned int w = 0; w < workers; w++) {
		snprintf(rname, sizeof(rname), "%s_%u", name, w);
		/* one producer (the RX thread), one consumer (worker w) */
		d->ring[w] = hm_ring_create(rname, ring_size, socket,
					    HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ);
		if (d->ring[w] == NULL) {
			dispatch_free(d);
			return NULL;
		}
	}
	return d;
}

unsigned int
dispatch_burst(struct dispatch *d, struct hm_mbuf **pkts, unsigned int n)
{
	unsigned int queued = 0;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int w = pkts[i]->hash.rss % d->workers;

		if (hm_ring_enqueue(d->ring[w], pkts[i]) == 0) {
			queued++;
		} else {
			hm_pktmbuf_free(pkts[i]);
			d->dropped++;
		}
	}
	return queued;
}

unsigned int
dispatch_take(struct dispatch *d, unsigned int w, struct hm_mbuf **pkts, unsigned int n)
{
	if (w >= d->workers)
		return 0;
	return hm_ring_dequeue_burst(d->ring[w], (void **)pkts, n, NULL);
}

uint64_t
dispatch_dropped(const struct dispatch *d)
{
	return d->dropped;
}

void
dispatch_free(struct dispatch *d)
{
	struct hm_mbuf *m;

	if (d == NULL)
		return;
	for (unsigned int w = 0; w < d->workers; w++) {
		if (d->ring[w] == NULL)
			continue;
		while (hm_ring_dequeue(d->ring[w], (void **)&m) == 0)
			hm_pktmbuf_free(m);
		hm_ring_free(d->ring[w]);
	}
	hm_free(d);
}
