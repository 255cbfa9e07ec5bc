/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A strict JSON reader (json_read.c) for telemetry replies and heap map
 * snapshot files. Internal to the library (the heap map reads with it too).
 */
#ifndef HUGEMEM_JSON_READ_H
#define HUGEMEM_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common_i.h"

#define TJ_MAX_DEPTH 64
#define TJ_MAX_ENTRIES (1u << 24) /* entries of one array or object */

enum tj_type { TJ_NULL = 0, TJ_BOOL, TJ_NUM, TJ_STR, TJ_ARR, TJ_OBJ };

struct tj {
	char *name;       /* member name inside an object, else NULL */
	uint8_t type;     /* enum tj_type */
	bool b;           /* TJ_BOOL */
	bool is_int;      /* TJ_NUM without fraction or exponent that fits 64 bits */
	bool neg;         /* is_int: negative (value -u) */
	uint32_t n;       /* TJ_ARR, TJ_OBJ: entries */
	uint64_t u;       /* is_int: magnitude */
	double d;         /* TJ_NUM */
	char *str;        /* TJ_STR: decoded UTF-8, no NUL inside */
	struct tj *kids;  /* TJ_ARR, TJ_OBJ */
};

/* Parse @p n bytes. NULL + hm_errno EINVAL/ENOMEM, and "why at byte N" in @p err. */
HM_INTERNAL struct tj *tj_parse(const char *s, size_t n, char *err, size_t err_len);
HM_INTERNAL void tj_free(struct tj *v);
/* Member @p name of object @p obj (the first one), or NULL. */
HM_INTERNAL const struct tj *tj_get(const struct tj *obj, const char *name);
/* An exact non-negative integer / a signed integer. */
HM_INTERNAL bool tj_u64(const struct tj *v, uint64_t *out);
HM_INTERNAL bool tj_i64(const struct tj *v, int64_t *out);

#endif
