/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hugemem's device arguments and a port's life: the bytes are the devargs
 * of rte_vdev_init("net_hugemem0", ...). Either the device is refused and no
 * port exists, or the port validates (hm_ethdev_check), is configured with one
 * Rx and one Tx queue, started, forwards a few bursts to itself, stops and is
 * removed, and every mbuf of the pool is back. Keys that name files (pcap=,
 * tx_pcap=) or print (idle_report=) are not tried.
 *
 * What follows a first 0xff byte is the parameter of the ports' telemetry
 * commands (/ethdev/stats, /ethdev/xstats, /ethdev/link_status, /ethdev/list),
 * asked through hm_telemetry_exec while the port is started: each reply is
 * valid JSON named after its command (or hugemem's {"error"} for a request
 * with control or non-ASCII bytes), null exactly when DPDK 22.11's reading of
 * the parameter (a leading digit; base 10 for stats, strtoul base 0 for the
 * others; the rest ignored) does not name port 0, and otherwise the port's
 * own counters and link.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_hugemem_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "hugemem/telemetry.h"
#include "json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *pool;

static int
eal_up(void)
{
	static int state; /* 0: not tried, 1: up, -1: failed */
	char *argv[] = { (char *)"fuzz", (char *)"--in-memory", (char *)"--no-huge",
			 (char *)"-l", (char *)"0", NULL };

	if (state == 0) {
		static FILE *null;
		null = fopen("/dev/null", "w");
		rte_openlog_stream(null);
		state = rte_eal_init(5, argv) >= 0 ? 1 : -1;
		if (state == 1) {
			pool = rte_pktmbuf_pool_create("fuzz_ethdev", 1023, 0, 0,
						       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
			if (pool == NULL)
				abort();
		}
	}
	return state;
}

static void
check(uint16_t port)
{
	const char *why = NULL;

	if (hm_ethdev_check(port, &why) != 0) {
		fprintf(stderr, "fuzz_ethdev: port %u: %s\n", port, why != NULL ? why : "?");
		abort();
	}
}

/* DPDK 22.11's reading of @p param: 1 when it names port 0. */
static int
names_port0(const char *param, int base)
{
	char *end;

	if (param[0] < '0' || param[0] > '9')
		return 0;
	return strtoul(param, &end, base) == 0;
}

/* Ask the four commands with @p param; the oracle of the file comment. */
static void
ask_telemetry(const char *param)
{
	static const char *const cmds[] = { "/ethdev/stats", "/ethdev/xstats",
					     "/ethdev/link_status", "/ethdev/list" };
	static char reply[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	char msg[HM_TELEMETRY_MAX_MSG_LEN];
	bool odd = false;

	for (const char *c = param; *c != '\0'; c++)
		odd |= (unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f;
	for (unsigned int i = 0; i < 4; i++) {
		struct rte_eth_stats st;
		struct rte_eth_link link;
		const struct tj *v;
		struct tj *r;
		int n;

		snprintf(msg, sizeof(msg), "%s,%s", cmds[i], param);
		n = hm_telemetry_exec(msg, reply, sizeof(reply));
		r = n > 0 ? tj_parse(reply, (size_t)n, NULL, 0) : NULL;
		if (r == NULL || r->type != TJ_OBJ || r->n != 1)
			abort();
		v = &r->kids[0];
		if (strcmp(v->name, "error") == 0) {
			if (!odd)
				abort();
		} else if (strcmp(v->name, cmds[i]) != 0) {
			abort();
		} else if (i == 3) {
			if (v->type != TJ_ARR || v->n != 1) /* the parameter is ignored */
				abort();
		} else if (!names_port0(param, i == 0 ? 10 : 0)) {
			if (v->type != TJ_NULL)
				abort();
		} else if (i == 0) {
			uint64_t u;
			if (rte_eth_stats_get(0, &st) != 0 || v->n != 13 ||
			    !tj_u64(tj_get(v, "ipackets"), &u) || u != st.ipackets)
				abort();
		} else if (i == 1) {
			if (v->type != TJ_OBJ || (int)v->n != rte_eth_xstats_get(0, NULL, 0))
				abort();
		} else {
			const struct tj *s = tj_get(v, "status");
			if (rte_eth_link_get_nowait(0, &link) != 0 || s == NULL || s->type != TJ_STR ||
			    strcmp(s->str, link.link_status ? "UP" : "DOWN") != 0)
				abort();
		}
		tj_free(r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, 0xff, size);
	char args[512], param[256];
	struct rte_eth_conf conf;
	struct rte_mbuf *pkts[32];

	size_t alen = sep != NULL ? (size_t)(sep - data) : size;
	size_t plen = sep != NULL ? size - alen - 1 : 0;

	if (alen >= sizeof(args) || plen >= sizeof(param) || eal_up() < 0)
		return 0;
	memcpy(args, data, alen);
	args[alen] = '\0';
	if (sep != NULL)
		memcpy(param, sep + 1, plen);
	param[plen] = '\0';
	if (strstr(args, "pcap") != NULL || strstr(args, "idle_report") != NULL)
		return 0;
	int rc = rte_vdev_init("net_hugemem0", args);
	if (rc != 0) {
		if (rc > 0 || rte_eth_dev_count_avail() != 0)
			abort(); /* a refusal is -errno and leaves no port */
		return 0;
	}
	if (rte_eth_dev_count_avail() != 1)
		abort();
	check(0);
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(0, 1, 1, &conf) == 0 &&
	    rte_eth_rx_queue_setup(0, 0, 128, 0, NULL, pool) == 0 &&
	    rte_eth_tx_queue_setup(0, 0, 128, 0, NULL) == 0 && rte_eth_dev_start(0) == 0) {
		rte_eth_promiscuous_enable(0);
		for (int i = 0; i < 8; i++) {
			uint16_t n = rte_eth_rx_burst(0, 0, pkts, 32);
			uint16_t k = rte_eth_tx_burst(0, 0, pkts, n);
			for (uint16_t j = k; j < n; j++)
				rte_pktmbuf_free(pkts[j]);
			check(0);
		}
		if (sep != NULL)
			ask_telemetry(param);
		if (rte_eth_dev_stop(0) != 0)
			abort();
		check(0);
	}
	if (rte_vdev_uninit("net_hugemem0") != 0 || rte_eth_dev_count_avail() != 0)
		abort();
	if (rte_mempool_in_use_count(pool) != 0) {
		fprintf(stderr, "fuzz_ethdev: %u mbufs not back\n", rte_mempool_in_use_count(pool));
		abort();
	}
	return 0;
}
