/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hugemem: hugemem's virtual Ethernet device. A port is one fake NIC
 * (sim/nic, created at probe with the devargs' queues, node and frame size)
 * plus what sits outside a real NIC: the traffic arriving on its wire (a
 * capture replayed `loop` times, or the seeded generator; optionally paced)
 * and where its transmitted frames go (discarded, a pcap file, or another
 * port's wire: loopback=<name>).
 *
 * The device is stepped by the burst functions (rte_ethdev.h): rx_burst calls
 * rte_hm_eth_feed, which hands the NIC the next frames from the source (one
 * frame at a time, read ahead into pend; with back-pressure, the default, a
 * frame waits while the queue RSS steers it to has too few armed descriptors,
 * so a replay loses nothing; rx_drop=1 lets the NIC drop it as a real one
 * does, counted in imissed). tx_burst calls rte_hm_eth_kick, which lets the
 * NIC transmit what the queue was given. A frame on a wire is filtered as
 * i40e does: with promiscuous mode off, only the port's MAC, broadcast and
 * (all-multicast on) multicast destinations are received.
 *
 * With idle_report=MS on any port, once every port's source is read to its
 * end and nothing moved for MS milliseconds, the feed prints the report of
 * ports and pools on stderr (ethdev_stats.c) after landing the devices' held
 * write-backs and flushing the capture files: a test reads the files and the
 * report while the application still runs (DPDK's skeleton never returns).
 *
 * The EAL probes each --vdev through hm_ethdev_vdev_probe at init and calls
 * hm_ethdev_release_all at cleanup (eal.c's weak references).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus_vdev.h>

#include "common_i.h"
#include "ethdev_i.h"
#include "hugemem/init.h"
#include "rte_hugemem_ethdev.h"

#define PEND_CAP 16384u          /* the largest frame a port receives is 9728 */
#define FEED_MAX 512u            /* frames one feed takes at most */

/* ---------------------------------------------------------------- devargs */

/* enum hm_nic_fault and enum hm_nic_tx_fault, in order */
static const char *const rx_fault_names[] = { "err_bits", "no_eof", "len_zero", "len_over",
					      "delay", "ptype" };
static const char *const tx_fault_names[] = { "delay", "early", "lost", "spurious", "corrupt" };
static const char *const keys_help =
	"node, queues, max_frame, pcap, loop, gen, gen_size, gen_flows, gen_seed, gen_proto, "
	"gen_vlan, rate, tx_pcap, tx, loopback, link, speed, mac, rx_drop, rx_fault, tx_fault, "
	"idle_report";

static int
bad_arg(const char *dev, const char *key, const char *val, const char *rule)
{
	ETH_LOG(ERR, "%s: %s=%s: %s\n", dev, key, val, rule);
	return -EINVAL;
}

static int
parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno != 0 || *end != '\0' || x > max)
		return -1;
	*out = x;
	return 0;
}

/* "MODE:NTH" of a fault key; @return the mode index or -1. */
static int
parse_fault(const char *v, const char *const *names, unsigned int n_names, uint32_t *nth)
{
	const char *colon = strchr(v, ':');
	uint64_t x = 1;
	size_t len = colon != NULL ? (size_t)(colon - v) : strlen(v);

	if (colon != NULL && parse_u64(colon + 1, UINT32_MAX, &x) < 0)
		return -1;
	for (unsigned int i = 0; i < n_names; i++)
		if (strlen(names[i]) == len && strncmp(names[i], v, len) == 0) {
			*nth = (uint32_t)x;
			return (int)i;
		}
	return -1;
}

static int
parse_size(const char *dev, const char *v, struct hm_traffic_gen_conf *g)
{
	uint64_t a, b;
	const char *dash = strchr(v, '-');

	if (strcmp(v, "imix") == 0) {
		g->size_mode = HM_TRAFFIC_SIZE_IMIX;
		return 0;
	}
	if (dash == NULL) {
		if (parse_u64(v, HM_TRAFFIC_MAX_FRAME, &a) < 0 || a < HM_TRAFFIC_MIN_FRAME)
			return bad_arg(dev, "gen_size", v, "a frame size from 64 to 9728, MIN-MAX or "
				       "imix");
		g->size_mode = HM_TRAFFIC_SIZE_FIXED;
		g->size_min = (uint32_t)a;
		return 0;
	}
	char lo[32];
	size_t n = (size_t)(dash - v);
	if (n >= sizeof(lo))
		return bad_arg(dev, "gen_size", v, "MIN-MAX");
	memcpy(lo, v, n);
	lo[n] = '\0';
	if (parse_u64(lo, HM_TRAFFIC_MAX_FRAME, &a) < 0 ||
	    parse_u64(dash + 1, HM_TRAFFIC_MAX_FRAME, &b) < 0 || a < HM_TRAFFIC_MIN_FRAME || a > b)
		return bad_arg(dev, "gen_size", v, "MIN-MAX with 64 <= MIN <= MAX <= 9728");
	g->size_mode = HM_TRAFFIC_SIZE_RANDOM;
	g->size_min = (uint32_t)a;
	g->size_max = (uint32_t)b;
	return 0;
}

static int
parse_speed(const char *dev, const char *v, uint32_t *speed)
{
	static const struct { const char *name; uint32_t speed; } sp[] = {
		{ "1G", RTE_ETH_SPEED_NUM_1G }, { "10G", RTE_ETH_SPEED_NUM_10G },
		{ "25G", RTE_ETH_SPEED_NUM_25G }, { "40G", RTE_ETH_SPEED_NUM_40G },
	};
	for (size_t i = 0; i < sizeof(sp) / sizeof(sp[0]); i++)
		if (strcmp(v, sp[i].name) == 0) {
			*speed = sp[i].speed;
			return 0;
		}
	return bad_arg(dev, "speed", v, "1G, 10G, 25G or 40G");
}

/* One key=value. */
static int
parse_kv(struct eth_devargs *d, const char *key, const char *v)
{
	const char *dev = d->name;
	uint64_t x;

	if (strcmp(key, "node") == 0) {
		if (parse_u64(v, RTE_MAX_NUMA_NODES - 1, &x) < 0)
			return bad_arg(dev, key, v, "a NUMA node number");
		d->node = (int)x;
	} else if (strcmp(key, "queues") == 0) {
		if (parse_u64(v, ETH_MAX_Q, &x) < 0 || x == 0)
			return bad_arg(dev, key, v, "from 1 to 64 queues");
		d->queues = (unsigned int)x;
	} else if (strcmp(key, "max_frame") == 0) {
		if (parse_u64(v, HM_NIC_FRAME_MAX, &x) < 0 || x < 64 + ETH_OVERHEAD)
			return bad_arg(dev, key, v, "the largest frame, from 90 to 9728 bytes");
		d->max_frame = (unsigned int)x;
	} else if (strcmp(key, "pcap") == 0) {
		if (d->pcap != NULL || d->gen || *v == '\0')
			return bad_arg(dev, key, v, "one traffic source per port (pcap= or gen=)");
		d->pcap = strdup(v);
		if (d->pcap == NULL)
			return -ENOMEM;
	} else if (strcmp(key, "loop") == 0) {
		if (parse_u64(v, UINT64_MAX - 1, &d->loop) < 0)
			return bad_arg(dev, key, v, "the times the capture is replayed (0: forever)");
	} else if (strcmp(key, "gen") == 0) {
		if (d->pcap != NULL || d->gen)
			return bad_arg(dev, key, v, "one traffic source per port (pcap= or gen=)");
		if (parse_u64(v, UINT64_MAX, &d->gen_conf.count) < 0)
			return bad_arg(dev, key, v, "frames to generate (0: endless)");
		d->gen = true;
	} else if (strcmp(key, "gen_size") == 0) {
		return parse_size(dev, v, &d->gen_conf);
	} else if (strcmp(key, "gen_flows") == 0) {
		if (parse_u64(v, HM_TRAFFIC_MAX_FLOWS, &x) < 0 || x == 0)
			return bad_arg(dev, key, v, "from 1 to 65536 flows");
		d->gen_conf.flows = (uint32_t)x;
	} else if (strcmp(key, "gen_seed") == 0) {
		if (parse_u64(v, UINT64_MAX, &d->gen_conf.seed) < 0)
			return bad_arg(dev, key, v, "a seed");
	} else if (strcmp(key, "gen_proto") == 0) {
		if (strcmp(v, "udp") == 0)
			d->gen_conf.proto = HM_TRAFFIC_UDP;
		else if (strcmp(v, "tcp") == 0)
			d->gen_conf.proto = HM_TRAFFIC_TCP;
		else if (strcmp(v, "mixed") == 0)
			d->gen_conf.proto = HM_TRAFFIC_MIXED;
		else
			return bad_arg(dev, key, v, "udp, tcp or mixed");
	} else if (strcmp(key, "gen_vlan") == 0) {
		if (parse_u64(v, 0xFFFF, &x) < 0)
			return bad_arg(dev, key, v, "a VLAN TCI (0..65535)");
		d->gen_conf.vlan = true;
		d->gen_conf.vlan_tci = (uint16_t)x;
	} else if (strcmp(key, "rate") == 0) {
		if (parse_u64(v, 1000000000ull, &d->rate) < 0)
			return bad_arg(dev, key, v, "frames per second (0: unlimited)");
	} else if (strcmp(key, "tx_pcap") == 0) {
		if (d->tx_pcap != NULL || d->peer[0] != '\0' || d->discard || *v == '\0')
			return bad_arg(dev, key, v, "one sink per port (tx_pcap=, tx=discard or "
				       "loopback=)");
		d->tx_pcap = strdup(v);
		if (d->tx_pcap == NULL)
			return -ENOMEM;
	} else if (strcmp(key, "tx") == 0) {
		if (strcmp(v, "discard") != 0 || d->tx_pcap != NULL || d->peer[0] != '\0')
			return bad_arg(dev, key, v, "discard (one sink per port)");
		d->discard = true;
	} else if (strcmp(key, "loopback") == 0) {
		if (d->tx_pcap != NULL || d->discard || d->peer[0] != '\0' ||
		    strncmp(v, ETH_DRIVER, strlen(ETH_DRIVER)) != 0 ||
		    strlen(v) >= sizeof(d->peer))
			return bad_arg(dev, key, v, "the name of a net_hugemem port (one sink per "
				       "port)");
		snprintf(d->peer, sizeof(d->peer), "%s", v);
	} else if (strcmp(key, "link") == 0) {
		if (strcmp(v, "up") != 0 && strcmp(v, "down") != 0)
			return bad_arg(dev, key, v, "up or down");
		d->link_down = strcmp(v, "down") == 0;
	} else if (strcmp(key, "speed") == 0) {
		return parse_speed(dev, v, &d->speed);
	} else if (strcmp(key, "mac") == 0) {
		if (rte_ether_unformat_addr(v, &d->mac) < 0 ||
		    !rte_is_valid_assigned_ether_addr(&d->mac))
			return bad_arg(dev, key, v, "a unicast MAC address XX:XX:XX:XX:XX:XX");
		d->mac_set = true;
	} else if (strcmp(key, "rx_drop") == 0) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return bad_arg(dev, key, v, "0 or 1");
		d->rx_drop = v[0] == '1';
	} else if (strcmp(key, "rx_fault") == 0 || strcmp(key, "tx_fault") == 0) {
		bool rx = key[0] == 'r';
		uint32_t nth = 0;
		int m = rx ? parse_fault(v, rx_fault_names, 6, &nth)
			   : parse_fault(v, tx_fault_names, HM_NIC_TX_FAULT_COUNT, &nth);
		if (m < 0 || nth == 0)
			return bad_arg(dev, key, v, rx ? "MODE[:NTH], MODE err_bits, no_eof, len_zero, "
				       "len_over, delay or ptype, NTH >= 1"
				       : "MODE[:NTH], MODE delay, early, lost, spurious or corrupt, "
				       "NTH >= 1");
		unsigned int *n = rx ? &d->n_rx_fault : &d->n_tx_fault;
		if (*n == 8)
			return bad_arg(dev, key, v, "at most 8 faults of each kind");
		if (rx) {
			d->rx_fault[*n].mode = m;
			d->rx_fault[*n].nth = nth;
		} else {
			d->tx_fault[*n].mode = m;
			d->tx_fault[*n].nth = nth;
		}
		(*n)++;
	} else if (strcmp(key, "idle_report") == 0) {
		if (parse_u64(v, 3600000, &d->idle_report_ms) < 0 || d->idle_report_ms == 0)
			return bad_arg(dev, key, v, "milliseconds, 1..3600000");
	} else {
		ETH_LOG(ERR, "%s: unknown key '%s' (keys: %s)\n", dev, key, keys_help);
		return -EINVAL;
	}
	return 0;
}

void
eth_devargs_free(struct eth_devargs *d)
{
	free(d->pcap);
	free(d->tx_pcap);
	d->pcap = d->tx_pcap = NULL;
}

int
eth_devargs_parse(const char *name, const char *args, struct eth_devargs *d)
{
	char buf[1024];
	char *save = NULL;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	if (name == NULL || strncmp(name, ETH_DRIVER, strlen(ETH_DRIVER)) != 0 ||
	    strlen(name) >= sizeof(d->name)) {
		ETH_LOG(ERR, "'%s': not a net_hugemem device name (net_hugemem<N>, under %d "
			"characters)\n", name != NULL ? name : "(null)", RTE_ETH_NAME_MAX_LEN);
		return -EINVAL;
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->queues = 4;
	d->max_frame = HM_NIC_FRAME_MAX;
	d->loop = 1;
	d->speed = RTE_ETH_SPEED_NUM_10G;
	hm_traffic_gen_conf_init(&d->gen_conf);
	d->gen_conf.flows = 64;
	d->gen_conf.proto = HM_TRAFFIC_MIXED;
	if (args == NULL || *args == '\0')
		return 0;
	if (strlen(args) >= sizeof(buf)) {
		ETH_LOG(ERR, "%s: devargs longer than %zu characters\n", name, sizeof(buf) - 1);
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", args);
	for (char *kv = strtok_r(buf, ",", &save); kv != NULL && rc == 0;
	     kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (eq == NULL) {
			ETH_LOG(ERR, "%s: '%s' is not key=value\n", name, kv);
			rc = -EINVAL;
			break;
		}
		*eq = '\0';
		rc = parse_kv(d, kv, eq + 1);
	}
	if (rc < 0)
		eth_devargs_free(d);
	return rc;
}

/* ---------------------------------------------------------------- sink, filter */

/* Whether port @p p receives a frame addressed as @p f says (i40e's filters). */
static bool
mac_filter_pass(const struct hm_eth_port *p, const uint8_t *f, size_t len)
{
	struct rte_ether_addr dst;

	if (p->promisc || len < RTE_ETHER_ADDR_LEN)
		return true;
	memcpy(&dst, f, sizeof(dst));
	if (rte_is_broadcast_ether_addr(&dst))
		return true;
	if (rte_is_multicast_ether_addr(&dst))
		return p->allmulti;
	return rte_is_same_ether_addr(&dst, &p->mac);
}

/* The device's sink: what the port's wire does with a transmitted frame. */
int
eth_port_sink(void *ctx, const void *frame, size_t len)
{
	struct hm_eth_port *p = ctx;
	int rc;

	switch (p->sink) {
	case SINK_PCAP:
		rc = eth_pcap_sink_put(p, frame, len);
		if (rc < 0) {
			if (p->sink_errors++ == 0)
				ETH_LOG(ERR, "%s: tx_pcap=%s: %s\n", p->name, p->tx_pcap_path,
					strerror(-rc));
			return rc;
		}
		p->sink_frames++;
		return 1;
	case SINK_LOOPBACK: {
		struct hm_eth_port *peer = p->peer >= 0 ? &hm_eth_ports[p->peer] : NULL;
		if (peer == NULL || peer->state != PORT_PROBED)
			return -ENODEV;
		p->sink_frames++;
		if (!mac_filter_pass(peer, frame, len)) {
			__atomic_fetch_add(&peer->filtered, 1, __ATOMIC_RELAXED);
			return 1; /* on the wire; the peer's filter kept it out */
		}
		rc = eth_rx_lock(peer);
		if (rc < 0)
			return rc; /* the peer is out of service: a TX error of this port */
		rc = hm_nic_rx_frame(peer->nic, frame, len); /* a full ring: the peer's imissed */
		eth_rx_unlock(peer);
		return rc < 0 ? rc : 1;
	}
	default:
		p->sink_frames++;
		return 1;
	}
}

int
eth_port_resolve_peer(struct hm_eth_port *p)
{
	uint16_t id;

	if (p->sink != SINK_LOOPBACK)
		return 0;
	if (rte_eth_dev_get_port_by_name(p->peer_name, &id) < 0) {
		ETH_LOG(ERR, "%s: loopback=%s: no such port\n", p->name, p->peer_name);
		return -EINVAL;
	}
	p->peer = id;
	return 0;
}

/* ---------------------------------------------------------------- the feed */

static bool
all_sources_ended(void)
{
	for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++) {
		const struct hm_eth_port *p = &hm_eth_ports[i];
		if (p->state == PORT_PROBED && hm_eth_local[i].src != NULL &&
		    (!p->src_ended || p->pend_valid))
			return false;
	}
	return true;
}

static void
activity(void)
{
	__atomic_store_n(&hm_eth_sh->idle_last_ns, hm_now_ns(), __ATOMIC_RELAXED);
	__atomic_store_n(&hm_eth_sh->idle_reported, 0, __ATOMIC_RELAXED);
}

/* The idle report, once per quiet spell. */
static void
idle_check(void)
{
	uint64_t now, last;

	if (__atomic_load_n(&hm_eth_sh->idle_reported, __ATOMIC_RELAXED) || !all_sources_ended())
		return;
	now = hm_now_ns();
	last = __atomic_load_n(&hm_eth_sh->idle_last_ns, __ATOMIC_RELAXED);
	if (last == 0) {
		__atomic_store_n(&hm_eth_sh->idle_last_ns, now, __ATOMIC_RELAXED);
		return;
	}
	if (now - last < hm_eth_idle_ms * 1000000ull)
		return;
	if (__atomic_exchange_n(&hm_eth_sh->idle_reported, 1, __ATOMIC_ACQ_REL))
		return;
	for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++) {
		struct hm_eth_port *p = &hm_eth_ports[i];
		if (p->state != PORT_PROBED)
			continue;
		if (eth_tx_lock(p) < 0)
			continue; /* out of service */
		if (eth_rx_lock(p) == 0) {
			hm_nic_flush(p->nic);
			hm_nic_tx_flush(p->nic);
			eth_rx_unlock(p);
		}
		eth_tx_unlock(p);
	}
	char why[96];
	snprintf(why, sizeof(why), "idle for %" PRIu64 " ms, every input read to its end",
		 hm_eth_idle_ms);
	eth_report(stderr, why);
}

/* Reopen the capture for its next replay. @return 0, -errno. */
static int
source_rewind(struct hm_eth_port *p)
{
	struct eth_local *l = &hm_eth_local[p->id];

	hm_pcap_close(l->pin);
	l->pin = hm_pcap_open(l->pcap_path);
	l->src = l->pin != NULL ? hm_pcap_source(l->pin) : NULL;
	if (l->src == NULL) {
		int e = hm_errno;
		ETH_LOG(ERR, "%s: pcap=%s: %s\n", p->name, l->pcap_path, hm_last_error());
		return -e;
	}
	return 0;
}

/* The next frame into pend. @return 1, 0 at the end of the input, -errno. */
static int
source_next(struct hm_eth_port *p)
{
	struct eth_local *l = &hm_eth_local[p->id];

	for (;;) {
		int rc = hm_traffic_src_next(l->src, l->pend, PEND_CAP, NULL);
		if (rc > 0) {
			p->pend_len = (size_t)rc;
			p->pend_valid = true;
			return 1;
		}
		if (rc < 0) {
			ETH_LOG(ERR, "%s: its traffic source failed: %s\n", p->name, hm_last_error());
			return rc;
		}
		if (l->pin == NULL || p->loop_left == 0)
			return 0;
		if (p->loop_left != UINT64_MAX)
			p->loop_left--;
		if (p->loop_left == 0)
			return 0;
		rc = source_rewind(p);
		if (rc < 0)
			return rc;
	}
}

/* Armed descriptors of RX queue @p q of the device (the tail the driver wrote, the head). */
static unsigned int
armed(const struct hm_eth_port *p, unsigned int q)
{
	const struct eth_rxq *s = &p->rxq[q];
	uint32_t tail = __atomic_load_n(hm_nic_tail_reg(p->nic, q), __ATOMIC_ACQUIRE);
	int head = hm_nic_head(p->nic, q);

	if (head < 0 || tail >= s->nb_desc)
		return 0;
	return (tail + s->nb_desc - (unsigned int)head) % s->nb_desc;
}

/* Room for the pending frame in the queue RSS steers it to (back-pressure). */
static bool
room_for(const struct hm_eth_port *p, const uint8_t *pend)
{
	unsigned int q = 0;
	uint32_t hash;

	if (p->pend_len > p->max_frame || p->pend_len > PEND_CAP || p->pend_len < 14)
		return true; /* the device drops it anyway (oversize) */
	if (p->nb_rxq > 1 && hm_nic_rss(p->nic, pend, p->pend_len, &hash, &q) < 0)
		q = 0;
	if (q >= ETH_MAX_Q || !p->rxq[q].started || p->rxq[q].buf_size == 0)
		return true; /* a queue not started: the device counts it (imissed) */
	unsigned int need = (unsigned int)((p->pend_len + p->rxq[q].buf_size - 1) /
					   p->rxq[q].buf_size);
	return armed(p, q) >= need;
}

void
rte_hm_eth_feed(uint16_t port_id, uint16_t queue_id, uint16_t nb_pkts)
{
	struct hm_eth_port *p = &hm_eth_ports[port_id];
	struct eth_local *l = &hm_eth_local[port_id];
	unsigned int budget = nb_pkts == 0 ? 1 : nb_pkts, fed = 0;

	(void)queue_id;
	if (l->src != NULL && !(p->src_ended && !p->pend_valid) && eth_rx_trylock(p) == 1) {
		if (budget > FEED_MAX)
			budget = FEED_MAX;
		if (p->rate != 0) {
			uint64_t due = (uint64_t)((double)(hm_now_ns() - p->rate_t0) * 1e-9 *
						  (double)p->rate);
			uint64_t allow = due > p->fed ? due - p->fed : 0;
			if (allow < budget)
				budget = (unsigned int)allow;
		}
		while (fed < budget) {
			if (!p->pend_valid) {
				if (p->src_ended)
					break;
				int rc = source_next(p);
				if (rc <= 0) {
					p->src_ended = true;
					break;
				}
			}
			if (!mac_filter_pass(p, l->pend, p->pend_len)) {
				__atomic_fetch_add(&p->filtered, 1, __ATOMIC_RELAXED);
				p->pend_valid = false;
				continue;
			}
			if (!p->rx_drop && !room_for(p, l->pend))
				break;
			hm_nic_rx_frame(p->nic, l->pend,
					p->pend_len > PEND_CAP ? p->max_frame + 1u : p->pend_len);
			p->pend_valid = false;
			p->fed++;
			fed++;
		}
		if (p->src_ended && !p->pend_valid && !p->flushed) {
			hm_nic_flush(p->nic); /* write-backs held back land: the input is over */
			p->flushed = true;
		}
		eth_rx_unlock(p);
	}
	if (hm_eth_idle_ms != 0) {
		if (fed > 0)
			activity();
		else if (!eth_secondary())
			idle_check(); /* the report comes from the primary */
	}
}

void
rte_hm_eth_kick(uint16_t port_id, uint16_t queue_id, uint16_t nb_pkts)
{
	struct hm_eth_port *p = &hm_eth_ports[port_id];
	int n;

	if (eth_tx_lock(p) < 0)
		return; /* out of service: the fast path is empty now */
	n = hm_nic_txq_step(p->nic, queue_id, (unsigned int)nb_pkts + 32u);
	eth_tx_unlock(p);
	eth_secondary_sync(); /* a queue the primary stopped leaves the fast path */
	if (n > 0 && hm_eth_idle_ms != 0)
		activity();
}

/* ---------------------------------------------------------------- probe, remove */

static int
port_find(const char *name)
{
	for (int i = 0; i < RTE_MAX_ETHPORTS; i++)
		if (hm_eth_ports[i].state == PORT_PROBED && strcmp(hm_eth_ports[i].name, name) == 0)
			return i;
	return -1;
}

void
eth_port_destroy(struct hm_eth_port *p)
{
	uint16_t id = p->id;

	p->started = false;
	hm_nic_free(p->nic);
	eth_local_free(id);
	memset(p, 0, sizeof(*p));
	p->id = id;
	memset(&rte_hm_eth_fp[id], 0, sizeof(rte_hm_eth_fp[id]));
	eth_shared_put_if_empty();
}

static int
vdev_create(const char *name, const char *args)
{
	struct eth_devargs d;
	struct hm_nic_conf nc;
	struct hm_eth_port *p = NULL;
	struct eth_local *l;
	int rc, id = -1;

	if (!hm_initialized()) {
		ETH_LOG(ERR, "%s: the EAL is not initialised\n", name != NULL ? name : "(null)");
		return -ENODEV;
	}
	if (eth_secondary()) {
		ETH_LOG(ERR, "%s: a secondary process cannot create a port (it uses the "
			"primary's: no --vdev in a secondary)\n", name != NULL ? name : "(null)");
		rte_errno = E_RTE_SECONDARY;
		return -E_RTE_SECONDARY;
	}
	rc = eth_devargs_parse(name, args, &d);
	if (rc < 0)
		return rc;
	if (d.tx_pcap != NULL && strlen(d.tx_pcap) >= sizeof(p->tx_pcap_path)) {
		rc = bad_arg(d.name, "tx_pcap", d.tx_pcap, "a path under 1024 characters");
		goto fail_args;
	}
	rc = eth_shared_get();
	if (rc < 0)
		goto fail_args;
	if (port_find(d.name) >= 0) {
		ETH_LOG(ERR, "%s: a device of that name exists\n", d.name);
		rc = -EEXIST;
		goto fail_args;
	}
	for (int i = 0; i < RTE_MAX_ETHPORTS && id < 0; i++)
		if (hm_eth_ports[i].state == PORT_UNUSED)
			id = i;
	if (id < 0) {
		ETH_LOG(ERR, "%s: %d ports already\n", d.name, RTE_MAX_ETHPORTS);
		rc = -ENOSPC;
		goto fail_args;
	}
	p = &hm_eth_ports[id];
	l = &hm_eth_local[id];
	memset(p, 0, sizeof(*p));
	p->id = (uint16_t)id;
	p->peer = -1;
	hm_nic_conf_init(&nc);
	nc.nb_queues = d.queues;
	nc.numa_node = d.node;
	nc.max_frame = d.max_frame;
	nc.shared = true; /* secondaries step it too */
	p->nic = hm_nic_create(&nc);
	l->pend = malloc(PEND_CAP);
	if (p->nic == NULL || l->pend == NULL) {
		ETH_LOG(ERR, "%s: %s\n", d.name, p->nic == NULL ? hm_last_error() : "out of memory");
		rc = p->nic == NULL ? -hm_errno : -ENOMEM;
		goto fail_port;
	}
	for (unsigned int i = 0; i < d.n_rx_fault; i++)
		hm_nic_fault_set(p->nic, (enum hm_nic_fault)d.rx_fault[i].mode, d.rx_fault[i].nth, 0,
				 (uint64_t)id + 1);
	for (unsigned int i = 0; i < d.n_tx_fault; i++)
		hm_nic_tx_fault_set(p->nic, (enum hm_nic_tx_fault)d.tx_fault[i].mode,
				    d.tx_fault[i].nth, 0, (uint64_t)id + 1);
	/* the traffic arriving on the wire */
	if (d.pcap != NULL) {
		l->pcap_path = d.pcap;
		d.pcap = NULL;
		p->loop_left = d.loop == 0 ? UINT64_MAX : d.loop;
		l->pin = hm_pcap_open(l->pcap_path);
		l->src = l->pin != NULL ? hm_pcap_source(l->pin) : NULL;
		if (l->src == NULL) {
			rc = -hm_errno;
			ETH_LOG(ERR, "%s: pcap=%s: %s\n", d.name, l->pcap_path, hm_last_error());
			goto fail_port;
		}
	} else if (d.gen) {
		l->gen = hm_traffic_gen_create(&d.gen_conf);
		if (l->gen == NULL) {
			rc = -hm_errno;
			ETH_LOG(ERR, "%s: gen: %s\n", d.name, hm_last_error());
			goto fail_port;
		}
		l->src = hm_traffic_gen_source(l->gen);
	}
	p->rate = d.rate;
	p->rate_t0 = hm_now_ns();
	p->rx_drop = d.rx_drop;
	/* where transmitted frames go */
	snprintf(p->name, sizeof(p->name), "%s", d.name);
	if (d.tx_pcap != NULL) {
		snprintf(p->tx_pcap_path, sizeof(p->tx_pcap_path), "%s", d.tx_pcap);
		rc = eth_pcap_sink_open(p, l->pin);
		if (rc < 0)
			goto fail_port;
		p->sink = SINK_PCAP;
	} else if (d.peer[0] != '\0') {
		snprintf(p->peer_name, sizeof(p->peer_name), "%s", d.peer);
		p->sink = SINK_LOOPBACK;
	}
	struct hm_nic_sink s = { .kind = HM_NIC_SINK_FUNC, .fn = eth_port_sink, .ctx = p };
	rc = hm_nic_tx_sink_set(p->nic, &s);
	if (rc < 0)
		goto fail_port;
	p->sink_pid = (int32_t)getpid();
	p->node = d.node;
	p->max_queues = d.queues;
	p->max_frame = d.max_frame;
	p->mtu = RTE_ETHER_MTU;
	if (d.mac_set) {
		p->mac = d.mac;
	} else {
		static const struct rte_ether_addr base = { { 0x02, 0x68, 0x6d, 0x00, 0x00, 0x00 } };
		p->mac = base;
		p->mac.addr_bytes[5] = (uint8_t)id;
	}
	p->link_admin_up = !d.link_down;
	p->speed = d.speed;
	memcpy(p->rss_key, hm_nic_rss_default_key, HM_NIC_RSS_KEY_DEFAULT_LEN);
	p->rx_lock = (hm_spinlock_t)HM_SPINLOCK_INITIALIZER; /* free shared locks */
	p->tx_lock = (hm_spinlock_t)HM_SPINLOCK_INITIALIZER;
	snprintf(p->rx_what, sizeof(p->rx_what), "port %s rx", d.name);
	snprintf(p->tx_what, sizeof(p->tx_what), "port %s tx", d.name);
	if (d.idle_report_ms != 0)
		hm_eth_idle_ms = d.idle_report_ms;
	p->state = PORT_PROBED;
	eth_devargs_free(&d);
	for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++)
		if (hm_eth_ports[i].state == PORT_PROBED)
			eth_fp_sync(&hm_eth_ports[i]); /* the idle report may have been switched on */
	return 0;

fail_port:
	eth_port_destroy(p);
fail_args:
	eth_devargs_free(&d);
	eth_shared_put_if_empty();
	return rc < 0 ? rc : -EINVAL;
}

static void
port_remove(struct hm_eth_port *p)
{
	if (p->started) {
		p->started = false;
		eth_fp_sync(p);
		eth_port_stop_all_queues(p);
	}
	eth_port_release_queues(p);
	eth_port_destroy(p);
}

int
rte_vdev_init(const char *name, const char *args)
{
	int rc;

	/* done at load already (this links it into static programs); never under
	 * the control lock: registering waits for running telemetry commands */
	eth_tel_register();
	eth_ctl_lock();
	rc = vdev_create(name, args);
	eth_ctl_unlock();
	return rc;
}

int
rte_vdev_uninit(const char *name)
{
	int id;

	if (name == NULL)
		return -EINVAL;
	if (eth_secondary()) {
		ETH_LOG(ERR, "%s: a secondary process cannot remove a port\n", name);
		rte_errno = E_RTE_SECONDARY;
		return -E_RTE_SECONDARY;
	}
	eth_ctl_lock();
	id = port_find(name);
	if (id >= 0)
		port_remove(&hm_eth_ports[id]);
	eth_ctl_unlock();
	return id < 0 ? -ENOENT : 0;
}

int hm_ethdev_vdev_probe(const char *devargs);
void hm_ethdev_release_all(void);

int
hm_ethdev_vdev_probe(const char *devargs)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	const char *comma;
	size_t n;

	if (devargs == NULL)
		return -EINVAL;
	comma = strchr(devargs, ',');
	n = comma != NULL ? (size_t)(comma - devargs) : strlen(devargs);
	if (n == 0 || n >= sizeof(name)) {
		ETH_LOG(ERR, "--vdev=%s: no device name before the first ','\n", devargs);
		return -EINVAL;
	}
	memcpy(name, devargs, n);
	name[n] = '\0';
	return rte_vdev_init(name, comma != NULL ? comma + 1 : "");
}

void
hm_ethdev_release_all(void)
{
	eth_ctl_lock();
	if (!eth_secondary())
		for (uint16_t i = 0; i < RTE_MAX_ETHPORTS; i++)
			if (hm_eth_ports[i].state == PORT_PROBED)
				port_remove(&hm_eth_ports[i]);
	eth_ctl_unlock();
	eth_shared_put(); /* a secondary leaves the primary's ports as they are */
	hm_eth_idle_ms = 0;
	__atomic_store_n(&hm_eth_sh->idle_last_ns, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&hm_eth_sh->idle_reported, 0, __ATOMIC_RELAXED);
}

struct hm_nic *
rte_hm_eth_nic(uint16_t port_id)
{
	struct hm_eth_port *p = eth_port(port_id);
	return p != NULL ? p->nic : NULL;
}
