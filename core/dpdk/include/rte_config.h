/* SPDX-License-Identifier: BSD-3-Clause */
/* The configuration every DPDK translation unit sees first (libdpdk.pc adds
 * `-include rte_config.h`, as DPDK's does). */
#ifndef _RTE_CONFIG_H_
#define _RTE_CONFIG_H_

#include <rte_build_config.h>

#define RTE_MAX_MEMZONE_DEFAULT RTE_MAX_MEMZONE

#endif /* _RTE_CONFIG_H_ */
