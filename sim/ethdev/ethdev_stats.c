/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_ethdev.h's counters (basic stats, xstats with names), the Tx buffer
 * helpers, descriptor status, tx_done_cleanup, the report of ports and pools,
 * and hm_ethdev_check.
 *
 * Where the figures come from: received packets, bytes, rx_nombuf and
 * receive errors from the i40e RX driver's queues; imissed from the device
 * (no descriptor, a queue not set up); sent packets and bytes from the
 * device's transmit engine (what reached the wire); oerrors from the device
 * (sink full or failing, DMA errors, malformed frames) and from the TX driver
 * (packets it refused). Counters of a released queue are kept, so stats never
 * go back; rte_eth_stats_reset and rte_eth_xstats_reset remember a baseline.
 * The stats and xstats functions are eth_do_<name> here, called with the
 * control lock held by rte_eth_<name> (ethdev_ctl.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ethdev_i.h"
#include "rte_hugemem_ethdev.h"

/* ---------------------------------------------------------------- stats */

static void
rxq_stats(const struct hm_eth_port *p, unsigned int q, struct hm_i40e_rxq_stats *s)
{
	struct hm_i40e_rxq_stats now;

	*s = p->rx_gone[q];
	if (p->rxq[q].q != NULL && hm_i40e_rxq_stats_get(p->rxq[q].q, &now) == 0) {
		s->packets += now.packets;
		s->bytes += now.bytes;
		s->rx_nombuf += now.rx_nombuf;
		s->rx_errors += now.rx_errors;
		s->rx_bad_len += now.rx_bad_len;
		s->rx_no_eof += now.rx_no_eof;
		s->tail_writes += now.tail_writes;
	}
}

static void
txq_stats(const struct hm_eth_port *p, unsigned int q, struct hm_i40e_txq_stats *s)
{
	struct hm_i40e_txq_stats now;

	*s = p->tx_gone[q];
	if (p->txq[q].q != NULL && hm_i40e_txq_stats_get(p->txq[q].q, &now) == 0) {
		s->packets += now.packets;
		s->bytes += now.bytes;
		s->tx_bad += now.tx_bad;
		s->ring_full += now.ring_full;
		s->cleanups += now.cleanups;
		s->freed += now.freed;
		s->wb_implied += now.wb_implied;
		s->tail_writes += now.tail_writes;
	}
}

void
eth_stats_keep_rxq(struct hm_eth_port *p, unsigned int q)
{
	struct hm_i40e_rxq_stats s;

	rxq_stats(p, q, &s);
	p->rx_gone[q] = s;
}

void
eth_stats_keep_txq(struct hm_eth_port *p, unsigned int q)
{
	struct hm_i40e_txq_stats s;

	txq_stats(p, q, &s);
	p->tx_gone[q] = s;
}

void
eth_stats_raw(const struct hm_eth_port *p, struct rte_eth_stats *st)
{
	struct hm_nic_stats ns;

	memset(st, 0, sizeof(*st));
	if (hm_nic_stats_get(p->nic, &ns) == 0) {
		st->imissed = ns.no_queue;
		st->ierrors = ns.oversize;
		for (unsigned int q = 0; q < p->max_queues; q++) {
			st->imissed += ns.q[q].missed + ns.q[q].ring_faults;
		}
	}
	for (unsigned int q = 0; q < ETH_MAX_Q; q++) {
		struct hm_i40e_rxq_stats r;
		struct hm_i40e_txq_stats t;
		struct hm_nic_txq_stats d;
		uint64_t rerr, terr = 0;

		rxq_stats(p, q, &r);
		txq_stats(p, q, &t);
		memset(&d, 0, sizeof(d));
		if (q < p->max_queues)
			hm_nic_txq_stats_get(p->nic, q, &d);
		rerr = r.rx_errors + r.rx_bad_len + r.rx_no_eof;
		terr = d.sink_full + d.sink_errors + d.dma_errors + d.malformed + t.tx_bad;
		st->ipackets += r.packets;
		st->ibytes += r.bytes;
		st->rx_nombuf += r.rx_nombuf;
		st->ierrors += rerr;
		st->opackets += d.packets;
		st->obytes += d.bytes;
		st->oerrors += terr;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[q] = r.packets;
			st->q_ibytes[q] = r.bytes;
			st->q_errors[q] = rerr;
			st->q_opackets[q] = d.packets;
			st->q_obytes[q] = d.bytes;
		}
	}
}

static uint64_t
minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

int
eth_do_stats_get(uint16_t port_id, struct rte_eth_stats *stats)
{
	struct hm_eth_port *p = eth_port(port_id);
	const struct rte_eth_stats *b;
	struct rte_eth_stats raw;

	if (p == NULL)
		return -ENODEV;
	if (stats == NULL)
		return -EINVAL;
	eth_stats_raw(p, &raw);
	b = &p->base;
	stats->ipackets = minus(raw.ipackets, b->ipackets);
	stats->opackets = minus(raw.opackets, b->opackets);
	stats->ibytes = minus(raw.ibytes, b->ibytes);
	stats->obytes = minus(raw.obytes, b->obytes);
	stats->imissed = minus(raw.imissed, b->imissed);
	stats->ierrors = minus(raw.ierrors, b->ierrors);
	stats->oerrors = minus(raw.oerrors, b->oerrors);
	stats->rx_nombuf = minus(raw.rx_nombuf, b->rx_nombuf);
	for (unsigned int q = 0; q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++) {
		stats->q_ipackets[q] = minus(raw.q_ipackets[q], b->q_ipackets[q]);
		stats->q_opackets[q] = minus(raw.q_opackets[q], b->q_opackets[q]);
		stats->q_ibytes[q] = minus(raw.q_ibytes[q], b->q_ibytes[q]);
		stats->q_obytes[q] = minus(raw.q_obytes[q], b->q_obytes[q]);
		stats->q_errors[q] = minus(raw.q_errors[q], b->q_errors[q]);
	}
	return 0;
}

int
eth_do_stats_reset(uint16_t port_id)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	eth_stats_raw(p, &p->base);
	return 0;
}

/* ---------------------------------------------------------------- xstats */

#define XS_NAME(fmt, ...) snprintf(nm, sizeof(nm), fmt, __VA_ARGS__)

/* Every xstat of @p p, raw (before the xstats baseline); names when @p names. @return the count. */
static unsigned int
xstats_all(const struct hm_eth_port *p, struct rte_eth_xstat_name *names, uint64_t *values,
	   unsigned int cap)
{
	struct rte_eth_stats st;
	struct hm_nic_stats ns;
	unsigned int n = 0;
	char nm[RTE_ETH_XSTATS_NAME_SIZE];
	uint64_t dma_rx = 0, ringf = 0, rx_bad_len = 0, rx_no_eof = 0, rx_tail = 0;
	uint64_t tx_dmaf = 0, tx_dmae = 0, tx_mal = 0, tx_full = 0, tx_serr = 0, tx_bad = 0;
	uint64_t tx_ringfull = 0, tx_wb = 0, tx_skip = 0, tx_pad = 0, tx_tail = 0;
	uint64_t filtered = __atomic_load_n(&p->filtered, __ATOMIC_RELAXED);

#define PUT(v)                                                                             \
	do {                                                                               \
		if (n < cap) {                                                             \
			if (names != NULL)                                                 \
				snprintf(names[n].name, sizeof(names[n].name), "%s", nm);  \
			if (values != NULL)                                                \
				values[n] = (v);                                           \
		}                                                                          \
		n++;                                                                       \
	} while (0)

	eth_stats_raw(p, &st);
	memset(&ns, 0, sizeof(ns));
	hm_nic_stats_get(p->nic, &ns);
	for (unsigned int q = 0; q < ETH_MAX_Q; q++) {
		struct hm_i40e_rxq_stats r;
		struct hm_i40e_txq_stats t;
		rxq_stats(p, q, &r);
		txq_stats(p, q, &t);
		rx_bad_len += r.rx_bad_len;
		rx_no_eof += r.rx_no_eof;
		rx_tail += r.tail_writes;
		tx_bad += t.tx_bad;
		tx_ringfull += t.ring_full;
		tx_wb += t.wb_implied;
		tx_tail += t.tail_writes;
		if (q < p->max_queues) {
			struct hm_nic_txq_stats d;
			dma_rx += ns.q[q].dma_faults;
			ringf += ns.q[q].ring_faults;
			if (hm_nic_txq_stats_get(p->nic, q, &d) == 0) {
				tx_dmaf += d.dma_faults;
				tx_dmae += d.dma_errors;
				tx_mal += d.malformed;
				tx_full += d.sink_full;
				tx_serr += d.sink_errors;
				tx_skip += d.offload_skipped;
				tx_pad += d.padded;
			}
		}
	}
	/* DPDK's generic names first, then per queue, then the device's own */
	XS_NAME("%s", "rx_good_packets"); PUT(st.ipackets);
	XS_NAME("%s", "tx_good_packets"); PUT(st.opackets);
	XS_NAME("%s", "rx_good_bytes"); PUT(st.ibytes);
	XS_NAME("%s", "tx_good_bytes"); PUT(st.obytes);
	XS_NAME("%s", "rx_missed_errors"); PUT(st.imissed);
	XS_NAME("%s", "rx_errors"); PUT(st.ierrors);
	XS_NAME("%s", "tx_errors"); PUT(st.oerrors);
	XS_NAME("%s", "rx_mbuf_allocation_errors"); PUT(st.rx_nombuf);
	for (unsigned int q = 0; q < p->nb_rxq && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++) {
		XS_NAME("rx_q%u_packets", q); PUT(st.q_ipackets[q]);
		XS_NAME("rx_q%u_bytes", q); PUT(st.q_ibytes[q]);
		XS_NAME("rx_q%u_errors", q); PUT(st.q_errors[q]);
	}
	for (unsigned int q = 0; q < p->nb_txq && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++) {
		XS_NAME("tx_q%u_packets", q); PUT(st.q_opackets[q]);
		XS_NAME("tx_q%u_bytes", q); PUT(st.q_obytes[q]);
	}
	XS_NAME("%s", "rx_dma_faults"); PUT(dma_rx);
	XS_NAME("%s", "rx_ring_faults"); PUT(ringf);
	XS_NAME("%s", "rx_oversize_errors"); PUT(ns.oversize);
	XS_NAME("%s", "rx_no_queue_drops"); PUT(ns.no_queue);
	XS_NAME("%s", "rx_bad_length_errors"); PUT(rx_bad_len);
	XS_NAME("%s", "rx_no_eof_errors"); PUT(rx_no_eof);
	XS_NAME("%s", "rx_mac_filtered_packets"); PUT(filtered);
	XS_NAME("%s", "rx_faults_injected"); PUT(ns.faults_injected);
	XS_NAME("%s", "rx_tail_writes"); PUT(rx_tail);
	XS_NAME("%s", "tx_dma_faults"); PUT(tx_dmaf);
	XS_NAME("%s", "tx_dma_errors"); PUT(tx_dmae);
	XS_NAME("%s", "tx_malformed_errors"); PUT(tx_mal);
	XS_NAME("%s", "tx_sink_full_errors"); PUT(tx_full);
	XS_NAME("%s", "tx_sink_errors"); PUT(tx_serr);
	XS_NAME("%s", "tx_refused_packets"); PUT(tx_bad);
	XS_NAME("%s", "tx_ring_full"); PUT(tx_ringfull);
	XS_NAME("%s", "tx_writebacks_implied"); PUT(tx_wb);
	XS_NAME("%s", "tx_offloads_skipped"); PUT(tx_skip);
	XS_NAME("%s", "tx_padded_packets"); PUT(tx_pad);
	XS_NAME("%s", "tx_tail_writes"); PUT(tx_tail);
#undef PUT
	return n;
}

/* xstats after the reset baseline. */
static unsigned int
xstats_now(const struct hm_eth_port *p, uint64_t *values, unsigned int cap)
{
	unsigned int n = xstats_all(p, NULL, values, cap);

	for (unsigned int i = 0; i < n && i < cap && i < 256; i++)
		values[i] = minus(values[i], p->xbase[i]);
	return n;
}

int
eth_do_xstats_get_names(uint16_t port_id, struct rte_eth_xstat_name *xstats_names,
			unsigned int size)
{
	struct hm_eth_port *p = eth_port(port_id);
	unsigned int n;

	if (p == NULL)
		return -ENODEV;
	n = xstats_all(p, NULL, NULL, 0);
	if (xstats_names == NULL || size < n)
		return (int)n;
	return (int)xstats_all(p, xstats_names, NULL, size);
}

int
eth_do_xstats_get(uint16_t port_id, struct rte_eth_xstat *xstats, unsigned int n)
{
	struct hm_eth_port *p = eth_port(port_id);
	uint64_t v[256];
	unsigned int count;

	if (p == NULL)
		return -ENODEV;
	count = xstats_now(p, v, 256);
	if (xstats == NULL || n < count)
		return (int)count;
	for (unsigned int i = 0; i < count; i++) {
		xstats[i].id = i;
		xstats[i].value = v[i];
	}
	return (int)count;
}

int
eth_do_xstats_get_names_by_id(uint16_t port_id, struct rte_eth_xstat_name *xstats_names,
			      unsigned int size, uint64_t *ids)
{
	struct hm_eth_port *p = eth_port(port_id);
	struct rte_eth_xstat_name all[256];
	unsigned int n;

	if (p == NULL)
		return -ENODEV;
	n = xstats_all(p, all, NULL, 256);
	if (ids == NULL)
		return rte_eth_xstats_get_names(port_id, xstats_names, size);
	if (xstats_names == NULL && size > 0)
		return -EINVAL;
	for (unsigned int i = 0; i < size; i++) {
		if (ids[i] >= n)
			return -EINVAL;
		xstats_names[i] = all[ids[i]];
	}
	return (int)size;
}

int
eth_do_xstats_get_by_id(uint16_t port_id, const uint64_t *ids, uint64_t *values,
			unsigned int size)
{
	struct hm_eth_port *p = eth_port(port_id);
	uint64_t v[256];
	unsigned int n;

	if (p == NULL)
		return -ENODEV;
	n = xstats_now(p, v, 256);
	if (ids == NULL) {
		if (values == NULL || size < n)
			return (int)n;
		memcpy(values, v, sizeof(v[0]) * n);
		return (int)n;
	}
	if (values == NULL && size > 0)
		return -EINVAL;
	for (unsigned int i = 0; i < size; i++) {
		if (ids[i] >= n)
			return -EINVAL;
		values[i] = v[ids[i]];
	}
	return (int)size;
}

int
eth_do_xstats_get_id_by_name(uint16_t port_id, const char *xstat_name, uint64_t *id)
{
	struct hm_eth_port *p = eth_port(port_id);
	struct rte_eth_xstat_name all[256];
	unsigned int n;

	if (p == NULL)
		return -ENODEV;
	if (xstat_name == NULL || id == NULL)
		return -ENOMEM; /* DPDK's answer for NULL arguments here */
	n = xstats_all(p, all, NULL, 256);
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(all[i].name, xstat_name) == 0) {
			*id = i;
			return 0;
		}
	return -EINVAL;
}

int
eth_do_xstats_reset(uint16_t port_id)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	xstats_all(p, NULL, p->xbase, 256);
	eth_stats_raw(p, &p->base);
	return 0;
}

/* ---------------------------------------------------------------- Tx buffers */

int
rte_eth_tx_buffer_set_err_callback(struct rte_eth_dev_tx_buffer *buffer,
				   buffer_tx_error_fn cbfn, void *userdata)
{
	if (buffer == NULL)
		return -EINVAL;
	buffer->error_callback = cbfn;
	buffer->error_userdata = userdata;
	return 0;
}

int
rte_eth_tx_buffer_init(struct rte_eth_dev_tx_buffer *buffer, uint16_t size)
{
	if (buffer == NULL)
		return -EINVAL;
	buffer->size = size;
	if (buffer->error_callback == NULL)
		return rte_eth_tx_buffer_set_err_callback(buffer, rte_eth_tx_buffer_drop_callback,
							  NULL);
	return 0;
}

void
rte_eth_tx_buffer_drop_callback(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	(void)userdata;
	for (uint16_t i = 0; i < unsent; i++)
		hm_pktmbuf_free((struct hm_mbuf *)(void *)pkts[i]);
}

void
rte_eth_tx_buffer_count_callback(struct rte_mbuf **pkts, uint16_t unsent, void *userdata)
{
	rte_eth_tx_buffer_drop_callback(pkts, unsent, NULL);
	if (userdata != NULL)
		*(uint64_t *)userdata += unsent;
}

/* ---------------------------------------------------------------- queues */

int
rte_hm_eth_rx_queue_count(uint16_t port_id, uint16_t queue_id)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	if (queue_id >= p->nb_rxq || p->rxq[queue_id].q == NULL)
		return -EINVAL;
	return hm_i40e_rx_queue_count(p->rxq[queue_id].q);
}

int
rte_hm_eth_rx_descriptor_status(uint16_t port_id, uint16_t queue_id, uint16_t offset)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	if (queue_id >= RTE_MAX_QUEUES_PER_PORT)
		return -EINVAL;
	if (queue_id >= p->nb_rxq || p->rxq[queue_id].q == NULL || !p->rxq[queue_id].started)
		return -ENODEV;
	return hm_i40e_rx_desc_status(p->rxq[queue_id].q, offset);
}

int
rte_hm_eth_tx_descriptor_status(uint16_t port_id, uint16_t queue_id, uint16_t offset)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	if (queue_id >= RTE_MAX_QUEUES_PER_PORT)
		return -EINVAL;
	if (queue_id >= p->nb_txq || p->txq[queue_id].q == NULL || !p->txq[queue_id].started)
		return -ENODEV;
	return hm_i40e_tx_desc_status(p->txq[queue_id].q, offset);
}

int
rte_eth_tx_done_cleanup(uint16_t port_id, uint16_t queue_id, uint32_t free_cnt)
{
	struct hm_eth_port *p = eth_port(port_id);

	if (p == NULL)
		return -ENODEV;
	if (queue_id >= p->nb_txq || p->txq[queue_id].q == NULL)
		return -EINVAL;
	if (!p->txq[queue_id].started)
		return -ENODEV;
	return hm_i40e_tx_done_cleanup(p->txq[queue_id].q, free_cnt);
}

/* ---------------------------------------------------------------- report, check */

/* One pool's accounting: size, available, in the ports' rings, held elsewhere. */
static void
report_pool(FILE *f, struct hm_mempool *mp)
{
	unsigned int avail = hm_mempool_avail_count(mp);
	unsigned int size = avail + hm_mempool_in_use_count(mp), rings = 0;

	for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++) {
		const struct hm_eth_port *p = &hm_eth_ports[i];
		if (p->state != PORT_PROBED)
			continue;
		for (unsigned int q = 0; q < ETH_MAX_Q; q++) {
			struct hm_i40e_rxq_info ri;
			struct hm_i40e_txq_info ti;
			if (p->rxq[q].q != NULL && p->rxq[q].mp == mp &&
			    hm_i40e_rxq_info_get(p->rxq[q].q, &ri) == 0)
				rings += ri.held;
			if (p->txq[q].q != NULL && hm_i40e_txq_info_get(p->txq[q].q, &ti) == 0)
				rings += ti.held; /* TX mbufs: counted for the pool they came from */
		}
	}
	fprintf(f, "net_hugemem: pool %s: %u mbufs: %u available, %u in the ports' rings, %u "
		"held by the application\n", mp->name, size, avail, rings,
		size >= avail + rings ? size - avail - rings : 0);
}

void
eth_report(FILE *f, const char *why)
{
	struct hm_mempool *seen[64];
	unsigned int nseen = 0;

	fprintf(f, "net_hugemem: %s\n", why);
	for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++) {
		struct hm_eth_port *p = &hm_eth_ports[i];
		struct rte_eth_stats st;
		if (p->state != PORT_PROBED)
			continue;
		eth_stats_raw(p, &st);
		fprintf(f, "net_hugemem: port %u (%s): rx %" PRIu64 " packets, tx %" PRIu64
			" packets, imissed %" PRIu64 ", ierrors %" PRIu64 ", oerrors %" PRIu64
			", rx_nombuf %" PRIu64 ", filtered %" PRIu64 "%s\n", i, p->name, st.ipackets,
			st.opackets, st.imissed, st.ierrors, st.oerrors, st.rx_nombuf,
			__atomic_load_n(&p->filtered, __ATOMIC_RELAXED),
			p->src == NULL ? "" : p->src_ended ? ", input read to its end"
							   : ", input not read to its end");
		for (unsigned int q = 0; q < ETH_MAX_Q; q++) {
			struct hm_mempool *mp = p->rxq[q].mp;
			bool dup = mp == NULL;
			for (unsigned int k = 0; k < nseen && !dup; k++)
				dup = seen[k] == mp;
			if (!dup && nseen < 64)
				seen[nseen++] = mp;
		}
	}
	for (unsigned int k = 0; k < nseen; k++)
		report_pool(f, seen[k]);
	fflush(f);
}

void
rte_hm_eth_report(FILE *f)
{
	eth_report(f != NULL ? f : stderr, "report");
}

#define CHECK(cond, why)                 \
	do {                             \
		if (!(cond)) {           \
			*reason = (why); \
			return -EFAULT;  \
		}                        \
	} while (0)

int
hm_ethdev_check(uint16_t port_id, const char **reason)
{
	const char *dummy, *why;
	struct hm_eth_port *p = eth_port(port_id);
	const struct rte_hm_eth_fp *fp;

	if (reason == NULL)
		reason = &dummy;
	*reason = NULL;
	if (p == NULL)
		return -ENODEV;
	fp = &rte_hm_eth_fp[port_id];
	CHECK(p->id == port_id, "port id and slot disagree");
	CHECK(!p->started || p->configured, "started but never configured");
	CHECK(p->nb_rxq <= p->max_queues && p->nb_txq <= p->max_queues,
	      "more queues configured than the device has");
	for (unsigned int q = 0; q < ETH_MAX_Q; q++) {
		const struct eth_rxq *r = &p->rxq[q];
		const struct eth_txq *t = &p->txq[q];
		CHECK(q < p->nb_rxq || r->q == NULL, "an Rx queue set up beyond nb_rx_queues");
		CHECK(q < p->nb_txq || t->q == NULL, "a Tx queue set up beyond nb_tx_queues");
		CHECK(!r->started || r->q != NULL, "an Rx queue started but not set up");
		CHECK(!t->started || t->q != NULL, "a Tx queue started but not set up");
		CHECK(fp->rxq[q] == (p->started && r->started ? (void *)r->q : NULL),
		      "the fast path's Rx queue is not the started one");
		CHECK(fp->txq[q] == (p->started && t->started ? (void *)t->q : NULL),
		      "the fast path's Tx queue is not the started one");
		if (r->q != NULL && hm_i40e_rxq_check(r->q, &why) != 0) {
			*reason = why;
			return -EFAULT;
		}
		if (t->q != NULL && hm_i40e_txq_check(t->q, &why) != 0) {
			*reason = why;
			return -EFAULT;
		}
	}
	if (hm_nic_check(p->nic, &why) != 0) {
		*reason = why;
		return -EFAULT;
	}
	return 0;
}
