/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry's request parser and JSON writer. The input is split in two at its
 * first 0xff byte: the first part is answered as a request (hm_telemetry_exec,
 * every built-in command registered, hugemem not initialised); the second
 * drives a reply tree (operations on a few data objects: start, add values of
 * every type with names and strings from the input, nest containers) that is
 * then written as JSON into a buffer of an input-chosen size. Every reply must
 * be valid JSON within its buffer (the reader parses it back), the tree's
 * refusals must be the documented errnos, and everything is freed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/telemetry.h"
#include "json_read.h"
#include "telemetry_i.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];

static void
must_parse(const char *s, int n, size_t cap)
{
	struct tj *v;

	if (n < 0 || (size_t)n >= cap || strlen(s) != (size_t)n)
		abort();
	v = tj_parse(s, (size_t)n, NULL, 0);
	if (v == NULL || v->type != TJ_OBJ || v->n != 1)
		abort();
	tj_free(v);
}

static int
allowed(int rc)
{
	return rc == 0 || rc == -EINVAL || rc == -ENOSPC || rc == -E2BIG || rc == -ENOMEM;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_telemetry_data *d[4] = { NULL };
	const uint8_t *sep = memchr(data, 0xff, size), *p, *end = data + size;
	char req[HM_TELEMETRY_MAX_MSG_LEN + 8], str[160];
	size_t rlen = sep != NULL ? (size_t)(sep - data) : size;
	int n;

	if (size > 65536)
		return 0;
	if (tel_endpoints_register() < 0)
		abort();
	/* the request */
	if (rlen > sizeof(req) - 1)
		rlen = sizeof(req) - 1;
	memcpy(req, data, rlen);
	req[rlen] = '\0';
	n = hm_telemetry_exec(req, out, sizeof(out));
	must_parse(out, n, HM_TELEMETRY_MAX_OUTPUT_LEN);
	if (sep == NULL)
		return 0;
	/* the tree */
	for (int i = 0; i < 4; i++)
		if ((d[i] = hm_telemetry_data_alloc()) == NULL)
			abort();
	p = sep + 1;
	while (end - p >= 3) {
		uint8_t op = p[0] % 12, a = p[1] % 4, b = p[2];
		size_t slen;
		int rc = 0;

		p += 3;
		slen = (size_t)(b % 150) < (size_t)(end - p) ? (size_t)(b % 150) : (size_t)(end - p);
		memcpy(str, p, slen);
		str[slen] = '\0';
		p += slen;
		switch (op) {
		case 0:
			rc = hm_telemetry_data_start_array(d[a], (enum hm_telemetry_type)(b % 5));
			break;
		case 1:
			rc = hm_telemetry_data_start_dict(d[a]);
			break;
		case 2:
			rc = hm_telemetry_data_string(d[a], str);
			break;
		case 3:
			rc = hm_telemetry_data_add_array_string(d[a], str);
			break;
		case 4:
			rc = hm_telemetry_data_add_array_int(d[a], (int)b - 128);
			break;
		case 5:
			rc = hm_telemetry_data_add_array_u64(d[a], (uint64_t)b << 56 | slen);
			break;
		case 6:
			rc = hm_telemetry_data_add_dict_string(d[a], str, str);
			break;
		case 7:
			rc = hm_telemetry_data_add_dict_int(d[a], str, b);
			break;
		case 8:
			rc = hm_telemetry_data_add_dict_u64(d[a], str, UINT64_MAX - b);
			break;
		case 9: {
			/* a fresh container handed over (keep == 0): ours even when refused */
			struct hm_telemetry_data *c = hm_telemetry_data_alloc();
			if (c == NULL)
				abort();
			if (b & 1)
				hm_telemetry_data_start_dict(c);
			else
				hm_telemetry_data_start_array(c, HM_TELEMETRY_INT);
			hm_telemetry_data_add_dict_int(c, "x", 1);
			hm_telemetry_data_add_array_int(c, 2);
			rc = b & 2 ? hm_telemetry_data_add_dict_container(d[a], str, c, 0) :
				hm_telemetry_data_add_array_container(d[a], c, 0);
			break;
		}
		case 10: {
			/* a kept one: one of the four (cycles and double parents refused) */
			struct hm_telemetry_data *c = d[b % 4];
			rc = b & 4 ? hm_telemetry_data_add_dict_container(d[a], str, c, 1) :
				hm_telemetry_data_add_array_container(d[a], c, 1);
			break;
		}
		default: {
			size_t cap = 2 * HM_TELEMETRY_MAX_CMD_LEN + 16 + (size_t)b * 64;
			if (cap > sizeof(out))
				cap = sizeof(out);
			n = hm_telemetry_data_json(d[a], str[0] != '\0' ? str : "/c", out, cap);
			if (n >= 0)
				must_parse(out, n, cap);
			break;
		}
		}
		if (!allowed(rc))
			abort();
	}
	for (int i = 0; i < 4; i++) {
		n = hm_telemetry_data_json(d[i], "/end", out, sizeof(out));
		must_parse(out, n, sizeof(out));
	}
	/* a kept container is freed after the object holding it: free the
	 * parentless ones first (that unlinks their kept children), round by round */
	for (int round = 0; round < 4; round++)
		for (int i = 0; i < 4; i++)
			if (d[i] != NULL && d[i]->parent == NULL) {
				hm_telemetry_data_free(d[i]);
				d[i] = NULL;
			}
	for (int i = 0; i < 4; i++)
		if (d[i] != NULL)
			abort(); /* a kept child whose parent never went: a cycle */
	return 0;
}
