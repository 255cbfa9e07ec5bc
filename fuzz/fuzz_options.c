/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The option parser: bytes split on NUL / newline into argv. hm_config_parse
 * either fails (config untouched) or consumes a prefix and leaves a config whose
 * fields are within their documented ranges. Parsing twice gives the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(enum hm_log_level l, const char *m, void *a)
{
	(void)l;
	(void)m;
	(void)a;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[2048], *argv[64];
	struct hm_config c, c0, c2;
	int argc = 0, rc, rc2;

	if (size >= sizeof(buf))
		return 0;
	hm_log_set_hook(quiet, NULL);
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)"fuzz";
	for (char *p = buf; p < buf + size && argc < 63;) {
		argv[argc++] = p;
		while (p < buf + size && *p != '\n' && *p != '\0')
			p++;
		*p++ = '\0';
	}
	argv[argc] = NULL;
	hm_config_init(&c);
	c0 = c;
	rc = hm_config_parse(&c, argc, argv);
	if (rc < 0) {
		if (memcmp(&c, &c0, sizeof(c)) != 0)
			abort();
		return 0;
	}
	if (rc > argc - 1 || c.iova_mode > HM_IOVA_VA || c.log_level > HM_LOG_DEBUG ||
	    (c.base_virtaddr & 4095) != 0)
		abort();
	hm_config_init(&c2);
	rc2 = hm_config_parse(&c2, argc, argv);
	if (rc2 != rc || memcmp(&c, &c2, sizeof(c)) != 0)
		abort();
	return 0;
}
