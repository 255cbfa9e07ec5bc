/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem's own additions to rte_ethdev.h (not DPDK API): the device behind a
 * port, for tests that inject faults or read the model's counters, the report
 * of ports and pools, and the port validator.
 */
#ifndef _RTE_HUGEMEM_ETHDEV_H_
#define _RTE_HUGEMEM_ETHDEV_H_

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hm_nic;

/** The fake NIC behind @p port_id (hugemem/sim/nic.h, nic_tx.h); NULL for a bad port id. */
struct hm_nic *rte_hm_eth_nic(uint16_t port_id);
/**
 * Every port's counters and, for every pool an Rx queue uses, its mbufs:
 * available, in the ports' rings, held by the application; on @p f (stderr
 * when NULL). The same report net_hugemem's idle_report= key prints.
 */
void rte_hm_eth_report(FILE *f);
/**
 * Validator of port @p port_id: the fast path matches the started queues,
 * queues within the configured counts, each driver queue and the device pass
 * their own validators.
 * @return 0, -ENODEV (not a port), -EFAULT with *reason.
 */
int hm_ethdev_check(uint16_t port_id, const char **reason);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_HUGEMEM_ETHDEV_H_ */
