/* SPDX-License-Identifier: BSD-3-Clause */
/* The UDP header (DPDK 22.11's rte_udp.h). */
#ifndef _RTE_UDP_H_
#define _RTE_UDP_H_

#include <stdint.h>

#include <rte_byteorder.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_udp_hdr {
	rte_be16_t src_port;
	rte_be16_t dst_port;
	rte_be16_t dgram_len;   /* header and payload bytes */
	rte_be16_t dgram_cksum;
} __rte_packed;

#ifdef __cplusplus
}
#endif
#endif /* _RTE_UDP_H_ */
