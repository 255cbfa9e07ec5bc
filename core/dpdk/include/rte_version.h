/* SPDX-License-Identifier: BSD-3-Clause */
/* The DPDK API version this layer implements. */
#ifndef _RTE_VERSION_H_
#define _RTE_VERSION_H_

#include <rte_compat.h>
#include <rte_config.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RTE_VERSION_NUM(a, b, c, d) ((a) << 24 | (b) << 16 | (c) << 8 | (d))
#define RTE_VERSION RTE_VERSION_NUM(RTE_VER_YEAR, RTE_VER_MONTH, RTE_VER_MINOR, RTE_VER_RELEASE)

const char *rte_version_prefix(void);   /* "DPDK" */
unsigned int rte_version_year(void);    /* 22 */
unsigned int rte_version_month(void);   /* 11 */
unsigned int rte_version_minor(void);   /* 0 */
const char *rte_version_suffix(void);   /* "" */
unsigned int rte_version_release(void); /* 99: a release, not a release candidate */
/** "DPDK 22.11.0 (hugemem <version>)" */
const char *rte_version(void);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_VERSION_H_ */
