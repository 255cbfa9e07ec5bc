/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual devices, DPDK 22.11's rte_bus_vdev.h: create and remove a device at
 * run time, as the EAL option --vdev does at init. hugemem's only virtual
 * device driver is net_hugemem (sim/ethdev): the name must start with
 * "net_hugemem"; @p args are its key=value list (docs/dpdk-compat.md).
 */
#ifndef _RTE_BUS_VDEV_H_
#define _RTE_BUS_VDEV_H_

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Create the device @p name with @p args (may be NULL or "").
 * @return 0; -EINVAL (NULL or unknown name, a bad key or value), -EEXIST (a
 *   device of that name exists), -ENOSPC (RTE_MAX_ETHPORTS ports), -ENOMEM,
 *   -ENODEV (the EAL is not initialised), or the errno of a file it opens.
 */
int rte_vdev_init(const char *name, const char *args);
/** Stop and remove the device @p name. @return 0, -EINVAL (NULL), -ENOENT (no such device). */
int rte_vdev_uninit(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_BUS_VDEV_H_ */
