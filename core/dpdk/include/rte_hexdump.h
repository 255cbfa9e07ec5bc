/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_HEXDUMP_H_
#define _RTE_HEXDUMP_H_

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Print @p len bytes of @p buf as offset, 16 hex bytes and their ASCII per line. */
void rte_hexdump(FILE *f, const char *title, const void *buf, unsigned int len);
/** Print @p len bytes of @p buf as hex bytes, 16 per line, without ASCII. */
void rte_memdump(FILE *f, const char *title, const void *buf, unsigned int len);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_HEXDUMP_H_ */
