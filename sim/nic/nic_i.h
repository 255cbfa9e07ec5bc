/* SPDX-License-Identifier: BSD-3-Clause */
/* The fake NIC's files: nic.c (the device) tells nic_telemetry.c its devices. */
#ifndef HUGEMEM_NIC_I_H
#define HUGEMEM_NIC_I_H

#include "hugemem/sim/nic.h"

/* Make @p nic visible to the /hugemem/nic commands (registers the commands once). A
 * process with more than 64 live devices shows the first 64. */
__attribute__((visibility("hidden"))) void nic_tel_add(const struct hm_nic *nic);
/* Forget @p nic; waits for a command reading it. */
__attribute__((visibility("hidden"))) void nic_tel_remove(const struct hm_nic *nic);

#endif
