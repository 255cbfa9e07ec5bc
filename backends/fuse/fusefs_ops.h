/* SPDX-License-Identifier: BSD-3-Clause */
/* The libfuse low-level operations of hugemem-fusefs (ops.c), for daemon.c. */
#ifndef HUGEMEM_FUSEFS_OPS_H
#define HUGEMEM_FUSEFS_OPS_H

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 312
#endif
#include <fuse_lowlevel.h>

#include "common_i.h"

/* userdata of the session: the struct fs_tree it serves */
HM_INTERNAL extern const struct fuse_lowlevel_ops fusefs_ops;

#endif
