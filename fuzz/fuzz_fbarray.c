/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fbarray against its linear-scan model: bytes become set_used / set_free /
 * finder calls on an anonymous array; every finder's answer (error codes
 * included) must equal the model's, and hm_fbarray_check must pass after each
 * mutation.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fbarray_model.h"

#define MAX_LEN 4200

static uint16_t
take16(const uint8_t **d, size_t *n)
{
	uint16_t v = 0;
	if (*n >= 2) {
		v = (uint16_t)((*d)[0] | (*d)[1] << 8);
		*d += 2;
		*n -= 2;
	} else if (*n == 1) {
		v = (*d)[0];
		*d += 1;
		*n -= 1;
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool model[MAX_LEN];
	struct hm_fbarray arr;
	unsigned int len;
	const char *why;

	if (size < 2 || size > 1 << 16)
		return 0;
	len = 1 + take16(&data, &size) % MAX_LEN;
	if (hm_fbarray_init(&arr, "fuzz", len, 8, NULL) != 0)
		abort();
	memset(model, 0, sizeof(model));
	/* each operation: [op][arg][start lo][start hi] */
	while (size >= 4) {
		uint8_t op = data[0], arg = data[1];
		unsigned int a;
		int got, want;

		data += 2;
		size -= 2;
		a = take16(&data, &size) % (len + 2); /* sometimes out of range */
		/* n for the _n finders: small, around 64, len, or len + 1 */
		unsigned int b = arg < 200 ? arg % 130 : arg < 250 ? len : len + 1;

		switch (op & 7) {
		case 0: case 1:
			want = a < len ? 0 : -EINVAL;
			if (hm_fbarray_set_used(&arr, a) != want)
				abort();
			if (a < len)
				model[a] = true;
			break;
		case 2:
			want = a < len ? 0 : -EINVAL;
			if (hm_fbarray_set_free(&arr, a) != want)
				abort();
			if (a < len)
				model[a] = false;
			break;
		case 3: /* a run of either state, crossing words */
			for (unsigned int i = a; i < a + b && i < len; i++) {
				if (arg & 1)
					hm_fbarray_set_free(&arr, i);
				else
					hm_fbarray_set_used(&arr, i);
				model[i] = !(arg & 1);
			}
			break;
		default: {
			unsigned int k = (op >> 3) % (N_FINDERS1 + N_FINDERSN);
			if (k < N_FINDERS1) {
				got = finders1[k].fn(&arr, a);
				want = naive_find(model, len, finders1[k].q, a, 0, finders1[k].used);
			} else {
				k -= N_FINDERS1;
				got = findersn[k].fn(&arr, a, b);
				want = naive_find(model, len, findersn[k].q, a, b, findersn[k].used);
			}
			if (got != want)
				abort();
			break;
		}
		}
		if (hm_fbarray_check(&arr, &why) != 0)
			abort();
		if (hm_fbarray_count_used(&arr) != (int)arr.count)
			abort();
	}
	hm_fbarray_destroy(&arr);
	return 0;
}
