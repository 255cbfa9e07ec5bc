/* SPDX-License-Identifier: BSD-3-Clause */
/* String helpers of DPDK 22.11 (strlcpy/strlcat where the C library lacks them). */
#ifndef _RTE_STRING_FNS_H_
#define _RTE_STRING_FNS_H_

#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Split @p string (at most @p stringlen bytes) at @p delim into at most
 * @p maxtokens tokens, writing NULs into it.
 * @return the number of tokens; -1 with errno EINVAL for NULL arguments.
 */
int rte_strsplit(char *string, int stringlen, char **tokens, int maxtokens, char delim);

/** Copy @p src into @p dst of @p size bytes, always NUL-terminated (size > 0).
 * @return strlen(src): truncation happened when it is >= size. */
static inline size_t
rte_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size != 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/** Append @p src to the string in @p dst of @p size bytes.
 * @return the length the result would have had without truncation. */
static inline size_t
rte_strlcat(char *dst, const char *src, size_t size)
{
	/* strnlen is POSIX, not C11: the header compiles under -std=c11 */
	const char *end = (const char *)memchr(dst, '\0', size);
	size_t l = end != NULL ? (size_t)(end - dst) : size;

	if (l < size)
		return l + rte_strlcpy(&dst[l], src, size - l);
	return l + strlen(src);
}

#if !defined(RTE_USE_LIBBSD) && !defined(strlcpy)
#define strlcpy(dst, src, size) rte_strlcpy(dst, src, size)
#define strlcat(dst, src, size) rte_strlcat(dst, src, size)
#endif

/**
 * Copy @p src into @p dst of @p dsize bytes, NUL-terminated.
 * @return the length copied; -E2BIG (rte_errno E2BIG) when @p src did not fit
 *   (dst holds the truncated string) or @p dsize is 0.
 */
ssize_t rte_strscpy(char *dst, const char *src, size_t dsize);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_STRING_FNS_H_ */
