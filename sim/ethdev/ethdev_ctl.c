/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lock of hugemem's ethdev. Another thread may read a port while
 * the application configures it: the telemetry thread answering the /ethdev commands
 * (ethdev_telemetry.c), or a thread of the program calling rte_eth_stats_get
 * while the main lcore reconfigures. Every public function below that changes
 * or reads a port's configuration, its queues, its link or its counters' base
 * runs under one recursive mutex (they call each other, and vdev.c's probe and
 * removal take it too), so a reader never sees a queue being released or a
 * port being destroyed. The burst functions never take it: they touch only
 * their started queues and counters that are relaxed atomics (sim/i40e,
 * sim/nic), which a reader under the lock may load at any time. Lock order:
 * the telemetry registry (a command runs under its read lock), this lock, a
 * port's tx_lock, then rx_locks (ethdev_i.h). So nothing under this lock may
 * register a telemetry command: the /ethdev and /hugemem/nic commands are
 * registered at load (ethdev_telemetry.c), before any device is created.
 */
#include <pthread.h>

#include "ethdev_i.h"

static pthread_mutex_t ctl_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

void
eth_ctl_lock(void)
{
	pthread_mutex_lock(&ctl_lock);
}

void
eth_ctl_unlock(void)
{
	pthread_mutex_unlock(&ctl_lock);
}

/* Run @p call (an int expression) under the lock and return its value. */
#define ETH_LOCKED(call)          \
	do {                      \
		int rc_;          \
		eth_ctl_lock();   \
		rc_ = (call);     \
		eth_ctl_unlock(); \
		return rc_;       \
	} while (0)

int
rte_eth_dev_configure(uint16_t port_id, uint16_t nb_rx_q, uint16_t nb_tx_q,
		const struct rte_eth_conf *c)
{
	ETH_LOCKED(eth_do_dev_configure(port_id, nb_rx_q, nb_tx_q, c));
}

int
rte_eth_rx_queue_setup(uint16_t port_id, uint16_t rx_queue_id, uint16_t nb_rx_desc,
		unsigned int socket_id, const struct rte_eth_rxconf *rx_conf,
		struct rte_mempool *mb_pool)
{
	ETH_LOCKED(eth_do_rx_queue_setup(port_id, rx_queue_id, nb_rx_desc, socket_id, rx_conf,
			mb_pool));
}

int
rte_eth_tx_queue_setup(uint16_t port_id, uint16_t tx_queue_id, uint16_t nb_tx_desc,
		unsigned int socket_id, const struct rte_eth_txconf *tx_conf)
{
	ETH_LOCKED(eth_do_tx_queue_setup(port_id, tx_queue_id, nb_tx_desc, socket_id, tx_conf));
}

int
rte_eth_dev_start(uint16_t port_id)
{
	ETH_LOCKED(eth_do_dev_start(port_id));
}

int
rte_eth_dev_stop(uint16_t port_id)
{
	ETH_LOCKED(eth_do_dev_stop(port_id));
}

int
rte_eth_dev_close(uint16_t port_id)
{
	ETH_LOCKED(eth_do_dev_close(port_id));
}

int
rte_eth_dev_rx_queue_start(uint16_t port_id, uint16_t rx_queue_id)
{
	ETH_LOCKED(eth_do_dev_rx_queue_start(port_id, rx_queue_id));
}

int
rte_eth_dev_rx_queue_stop(uint16_t port_id, uint16_t rx_queue_id)
{
	ETH_LOCKED(eth_do_dev_rx_queue_stop(port_id, rx_queue_id));
}

int
rte_eth_dev_tx_queue_start(uint16_t port_id, uint16_t tx_queue_id)
{
	ETH_LOCKED(eth_do_dev_tx_queue_start(port_id, tx_queue_id));
}

int
rte_eth_dev_tx_queue_stop(uint16_t port_id, uint16_t tx_queue_id)
{
	ETH_LOCKED(eth_do_dev_tx_queue_stop(port_id, tx_queue_id));
}

int
rte_eth_dev_set_link_up(uint16_t port_id)
{
	ETH_LOCKED(eth_do_dev_set_link_up(port_id));
}

int
rte_eth_dev_set_link_down(uint16_t port_id)
{
	ETH_LOCKED(eth_do_dev_set_link_down(port_id));
}

int
rte_eth_link_get(uint16_t port_id, struct rte_eth_link *link)
{
	ETH_LOCKED(eth_do_link_get(port_id, link));
}

int
rte_eth_link_get_nowait(uint16_t port_id, struct rte_eth_link *link)
{
	ETH_LOCKED(eth_do_link_get_nowait(port_id, link));
}

int
rte_eth_stats_get(uint16_t port_id, struct rte_eth_stats *stats)
{
	ETH_LOCKED(eth_do_stats_get(port_id, stats));
}

int
rte_eth_stats_reset(uint16_t port_id)
{
	ETH_LOCKED(eth_do_stats_reset(port_id));
}

int
rte_eth_xstats_get_names(uint16_t port_id, struct rte_eth_xstat_name *xstats_names,
		unsigned int size)
{
	ETH_LOCKED(eth_do_xstats_get_names(port_id, xstats_names, size));
}

int
rte_eth_xstats_get(uint16_t port_id, struct rte_eth_xstat *xstats, unsigned int n)
{
	ETH_LOCKED(eth_do_xstats_get(port_id, xstats, n));
}

int
rte_eth_xstats_get_names_by_id(uint16_t port_id, struct rte_eth_xstat_name *xstats_names,
		unsigned int size, uint64_t *ids)
{
	ETH_LOCKED(eth_do_xstats_get_names_by_id(port_id, xstats_names, size, ids));
}

int
rte_eth_xstats_get_by_id(uint16_t port_id, const uint64_t *ids, uint64_t *values,
		unsigned int size)
{
	ETH_LOCKED(eth_do_xstats_get_by_id(port_id, ids, values, size));
}

int
rte_eth_xstats_get_id_by_name(uint16_t port_id, const char *xstat_name, uint64_t *id)
{
	ETH_LOCKED(eth_do_xstats_get_id_by_name(port_id, xstat_name, id));
}

int
rte_eth_xstats_reset(uint16_t port_id)
{
	ETH_LOCKED(eth_do_xstats_reset(port_id));
}
