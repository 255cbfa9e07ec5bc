/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's ethdev telemetry commands, registered by the ports layer as
 * DPDK's ethdev library registers them (at load: a program that links
 * libhugemem_ethdev lists them even before it has a port; the core knows
 * nothing of ports and calls nothing here):
 *   /ethdev/list                 array of the port ids (RTE_ETH_FOREACH_DEV)
 *   /ethdev/stats,<port>         rte_eth_stats_get: ipackets, opackets, ibytes,
 *                                obytes, imissed, ierrors, oerrors, rx_nombuf, and
 *                                q_ipackets, q_opackets, q_ibytes, q_obytes,
 *                                q_errors (RTE_ETHDEV_QUEUE_STAT_CNTRS each)
 *   /ethdev/xstats,<port>        every xstat, name: value, in rte_eth_xstats order
 *   /ethdev/link_status,<port>   status "UP"/"DOWN"; when up, speed (Mbps) and
 *                                duplex ("full-duplex"/"half-duplex")
 * Names, help texts, JSON shapes and the answers to bad parameters are DPDK
 * 22.11's, checked against DPDK 22.11.11 itself: null for a missing or empty
 * parameter, one not starting with a digit (negative, '+', ' '), or a port that
 * does not exist; what follows the number is ignored (/ethdev/stats reads it in
 * base 10 as atoi does, xstats and link_status as strtoul(.., 0) does: "0x1" and
 * "01" are port 1, with DPDK's NOTICE "Extra parameters passed to ethdev
 * telemetry command, ignoring"). One deliberate difference: DPDK truncates the
 * number to 16 bits (",65536" reads port 0); hugemem answers null for any
 * number that is not below RTE_MAX_ETHPORTS.
 *
 * A command runs on the telemetry thread while lcores may be polling the
 * ports: it holds the control lock (ethdev_ctl.c), so no port or queue goes
 * away under it, and the counters it sums are relaxed atomics of their single
 * writers (the drivers' queues, the device).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "ethdev_i.h"
#include "hugemem/sim/nic.h"
#include "hugemem/telemetry.h"

/*
 * The port of a request's parameters, read as DPDK 22.11 reads them: a
 * leading digit, then strtoul in @p base; trailing text ignored (noticed when
 * @p notice). pre: the control lock is held.
 * @return 0 and *port; -EINVAL (malformed, out of range, not a port).
 */
static int
port_param(const char *params, int base, bool notice, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (params == NULL || params[0] < '0' || params[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(params, &end, base);
	if (errno != 0 || v >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	if (*end != '\0' && notice)
		ETH_LOG(NOTICE, "Extra parameters passed to ethdev telemetry command, ignoring\n");
	if (eth_port((uint16_t)v) == NULL)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int
tel_list(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	uint16_t p;

	(void)cmd;
	(void)params; /* DPDK ignores them too */
	hm_telemetry_data_start_array(d, HM_TELEMETRY_INT);
	eth_ctl_lock();
	RTE_ETH_FOREACH_DEV(p)
	hm_telemetry_data_add_array_int(d, p);
	eth_ctl_unlock();
	return 0;
}

/* @p name: an array of the RTE_ETHDEV_QUEUE_STAT_CNTRS values @p v. */
static void
add_queue_array(struct hm_telemetry_data *d, const char *name, const uint64_t *v)
{
	struct hm_telemetry_data *a = hm_telemetry_data_alloc();

	if (a == NULL)
		return; /* left out, as DPDK does */
	hm_telemetry_data_start_array(a, HM_TELEMETRY_U64);
	for (unsigned int q = 0; q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++)
		hm_telemetry_data_add_array_u64(a, v[q]);
	hm_telemetry_data_add_dict_container(d, name, a, 0);
}

static int
tel_stats(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct rte_eth_stats st;
	uint16_t port;
	int rc;

	(void)cmd;
	eth_ctl_lock();
	rc = port_param(params, 10, false, &port);
	if (rc == 0)
		rc = eth_do_stats_get(port, &st);
	eth_ctl_unlock();
	if (rc < 0)
		return -1;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_u64(d, "ipackets", st.ipackets);
	hm_telemetry_data_add_dict_u64(d, "opackets", st.opackets);
	hm_telemetry_data_add_dict_u64(d, "ibytes", st.ibytes);
	hm_telemetry_data_add_dict_u64(d, "obytes", st.obytes);
	hm_telemetry_data_add_dict_u64(d, "imissed", st.imissed);
	hm_telemetry_data_add_dict_u64(d, "ierrors", st.ierrors);
	hm_telemetry_data_add_dict_u64(d, "oerrors", st.oerrors);
	hm_telemetry_data_add_dict_u64(d, "rx_nombuf", st.rx_nombuf);
	add_queue_array(d, "q_ipackets", st.q_ipackets);
	add_queue_array(d, "q_opackets", st.q_opackets);
	add_queue_array(d, "q_ibytes", st.q_ibytes);
	add_queue_array(d, "q_obytes", st.q_obytes);
	add_queue_array(d, "q_errors", st.q_errors);
	return 0;
}

static int
tel_xstats(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	uint16_t port;
	int rc, n = 0;

	(void)cmd;
	eth_ctl_lock();
	rc = port_param(params, 0, true, &port);
	if (rc == 0)
		rc = n = eth_do_xstats_get(port, NULL, 0);
	if (rc > 0) {
		names = calloc((size_t)n, sizeof(*names));
		vals = calloc((size_t)n, sizeof(*vals));
		rc = names == NULL || vals == NULL ? -ENOMEM : 0;
	}
	/* names and values under one hold of the lock: the same set */
	if (rc == 0 && n > 0 && eth_do_xstats_get_names(port, names, (unsigned int)n) != n)
		rc = -EIO;
	if (rc == 0 && n > 0 && eth_do_xstats_get(port, vals, (unsigned int)n) != n)
		rc = -EIO;
	eth_ctl_unlock();
	if (rc == 0) {
		hm_telemetry_data_start_dict(d);
		for (int i = 0; i < n; i++)
			hm_telemetry_data_add_dict_u64(d, names[i].name, vals[i].value);
	}
	free(names);
	free(vals);
	return rc < 0 ? -1 : 0;
}

static int
tel_link_status(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct rte_eth_link link;
	uint16_t port;
	int rc;

	(void)cmd;
	eth_ctl_lock();
	rc = port_param(params, 0, true, &port);
	if (rc == 0)
		rc = eth_do_link_get_nowait(port, &link);
	eth_ctl_unlock();
	if (rc < 0)
		return -1;
	hm_telemetry_data_start_dict(d);
	if (link.link_status == RTE_ETH_LINK_DOWN) {
		hm_telemetry_data_add_dict_string(d, "status", "DOWN");
		return 0;
	}
	hm_telemetry_data_add_dict_string(d, "status", "UP");
	hm_telemetry_data_add_dict_u64(d, "speed", link.link_speed);
	hm_telemetry_data_add_dict_string(d, "duplex", link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX
							       ? "full-duplex"
							       : "half-duplex");
	return 0;
}

static void
register_cmds(void)
{
	/* the fake NICs' commands now, not at the first hm_nic_create, which runs
	 * under the control lock: registering waits for running commands, and
	 * ours take the control lock (a lock-order inversion) */
	hm_nic_telemetry_register();
	/* failures (a full table) leave the ports working, only not visible */
	hm_telemetry_register_cmd("/ethdev/list", tel_list,
				  "Returns list of available ethdev ports. Takes no parameters");
	hm_telemetry_register_cmd("/ethdev/stats", tel_stats,
				  "Returns the common stats for a port. Parameters: int port_id");
	hm_telemetry_register_cmd("/ethdev/xstats", tel_xstats,
				  "Returns the extended stats for a port. Parameters: int port_id");
	hm_telemetry_register_cmd("/ethdev/link_status", tel_link_status,
				  "Returns the link status for a port. Parameters: int port_id");
}

void
eth_tel_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, register_cmds);
}

/* At load, as DPDK's RTE_INIT(ethdev_init_telemetry); rte_vdev_init calls it
 * too, before it takes the control lock. */
__attribute__((constructor)) static void
tel_init(void)
{
	eth_tel_register();
}
