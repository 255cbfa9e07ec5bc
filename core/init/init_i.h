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

/* What the leak report found (core/init/leaks.c). */
struct init_leaks {
	unsigned int pools;  /* mempools (with their rings and memzones) */
	unsigned int rings;  /* rings in their own memzones */
	unsigned int zones;  /* other memzones */
	unsigned int blocks; /* malloc blocks that are no memzone's */
	unsigned int total;  /* the sum */
};
/* hm_cleanup's report: each leaked object logged at WARNING, counts in @p lk. */
HM_INTERNAL void init_leak_check(struct init_leaks *lk);

#endif
