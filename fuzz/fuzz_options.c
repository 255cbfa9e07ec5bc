/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The option parser: bytes split on NUL / newline into argv. hm_config_parse
 * either fails (config untouched) or consumes a prefix and leaves a config whose
 * fields are within their documented ranges. Parsing twice gives the same result.
 * Inputs starting with "L:" go to hm_config_parse_line instead (HUGEMEM_OPTS's
 * shell-like splitter), with the same invariants: failure changes nothing,
 * success is repeatable and never claims more than 64 words.
 */
#include <errno.h>
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

static int
parse_line(const uint8_t *data, size_t size)
{
	char line[2048], words[2048], words2[2048];
	struct hm_config c, c0, c2;
	int rc, rc2;

	memcpy(line, data, size);
	line[size] = '\0'; /* an embedded NUL just ends the line */
	hm_config_init(&c);
	c0 = c;
	/* strlen(line) + 1 bytes always suffice: never -ENOSPC */
	rc = hm_config_parse_line(&c, line, words, strlen(line) + 1);
	if (rc < 0) {
		if (rc == -ENOSPC || memcmp(&c, &c0, sizeof(c)) != 0)
			abort();
		return 0;
	}
	if (rc > 64 || c.iova_mode > HM_IOVA_VA || c.log_level > HM_LOG_DEBUG)
		abort();
	hm_config_init(&c2);
	rc2 = hm_config_parse_line(&c2, line, words2, sizeof(words2));
	if (rc2 != rc || c2.in_memory != c.in_memory || c2.memory != c.memory ||
	    (c.topology == NULL) != (c2.topology == NULL) ||
	    (c.topology != NULL && strcmp(c.topology, c2.topology) != 0))
		abort();
	return 0;
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
	if (size >= 2 && data[0] == 'L' && data[1] == ':')
		return parse_line(data + 2, size - 2);
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
