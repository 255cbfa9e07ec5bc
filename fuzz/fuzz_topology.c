/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emu topology parser: any string is either refused with -EINVAL (and the
 * output untouched) or parsed into a topology that validates, formats, and
 * parses back to the same struct.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/emu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hm_emu_topology t, t2, sentinel;
	char s[4096], out[HM_EMU_TOPOLOGY_STR_MAX];
	int rc, n;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&t, 0xa5, sizeof(t));
	sentinel = t;
	rc = hm_emu_topology_parse(s, &t);
	if (rc != 0) {
		if (rc != -22 || memcmp(&t, &sentinel, sizeof(t)) != 0)
			abort();
		return 0;
	}
	if (hm_emu_topology_validate(&t) != 0)
		abort();
	n = hm_emu_topology_format(&t, out, sizeof(out));
	if (n < 0 || (size_t)n >= sizeof(out))
		abort();
	memset(&t2, 0, sizeof(t2));
	if (hm_emu_topology_parse(out, &t2) != 0 || memcmp(&t, &t2, sizeof(t)) != 0)
		abort();
	return 0;
}
