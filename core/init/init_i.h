/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HUGEMEM_INIT_I_H
#define HUGEMEM_INIT_I_H

#include "common_i.h"
#include "hugemem/backend.h"
#include "hugemem/init.h"

/* Backends known to the project, built or not (for messages). */
HM_INTERNAL extern const char *const init_known_backends[];
/* "emu, hugetlbfs" style list of the built ones into @p buf. */
HM_INTERNAL const char *init_built_backends(char *buf, size_t len);
/* Parse "512" (MiB) or "1G" (suffixed bytes). 0 or -EINVAL/-ERANGE. */
HM_INTERNAL int init_parse_mem(const char *s, uint64_t *out);

#endif
