/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HUGEMEM_TESTING_I_H
#define HUGEMEM_TESTING_I_H

#include "common_i.h"
#include "hugemem/hugetlbfs.h"

/*
 * The emu topology @p topo as caps on machine @p m (hugemem/testing.h): *@p res
 * becomes @p out (of @p len bytes) or @p topo itself (NULL, empty or unparsable:
 * init reports it). @return 0 or HM_TESTING_SKIP (reason in hm_testing_reason()).
 */
HM_INTERNAL int testing_adapt(const char *topo, const struct hm_hugetlbfs_info *m, char *out,
			      size_t len, const char **res);

#endif
