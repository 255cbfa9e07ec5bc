/* SPDX-License-Identifier: BSD-3-Clause */
/* Small parsing and formatting helpers used by option and topology parsers. */
#include <ctype.h>
#include <string.h>

#include "common_i.h"

int
hm_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

int
hm_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (d > max || v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (*s != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

int
hm_parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t n = 0;
	unsigned shift = 0;
	uint64_t v;
	int rc;

	if (s == NULL)
		return -EINVAL;
	while (isdigit((unsigned char)s[n]) && n < sizeof(num) - 1) {
		num[n] = s[n];
		n++;
	}
	if (n == 0 || n == sizeof(num) - 1)
		return -EINVAL;
	num[n] = '\0';
	s += n;
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	case 't': case 'T': shift = 40; s++; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (shift != 0 && (*s == 'b' || *s == 'B'))
		s++;
	if (*s != '\0')
		return -EINVAL;
	rc = hm_parse_u64(num, UINT64_MAX >> shift, &v);
	if (rc < 0)
		return rc;
	*out = v << shift;
	return 0;
}

const char *
hm_size_str(uint64_t sz, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (sz >= 1024 && (sz % 1024) == 0 && u < 3) {
		sz /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)sz);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)sz, units[u]);
	return buf;
}
