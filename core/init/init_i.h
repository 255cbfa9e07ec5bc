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
/* Split @p line into @p words (at most HM_INIT_LINE_MAX_WORDS) stored in @p buf of
 * @p len bytes, as hm_config_parse_line does. @return the word count, or -errno
 * with the reason recorded. */
#define HM_INIT_LINE_MAX_WORDS 64
HM_INTERNAL int init_split_line(const char *line, char *buf, size_t len, char **words);
/* hm_init's parse: environment defaults ($HUGEMEM_<OPTION>, then $HUGEMEM_OPTS,
 * whose words go to @p buf), then argv. @return options consumed from argv or
 * -errno; @p cfg unchanged on failure. */
HM_INTERNAL int init_parse_all(struct hm_config *cfg, int argc, char **argv, char *buf,
			       size_t len);

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
/* Draw each heap holding busy blocks (at cleanup: leaks) as <prefix><heap id>.svg;
 * each file written or failure is logged at WARNING. @return files written. */
HM_INTERNAL unsigned int init_leak_heapmaps(const char *prefix);

#endif
