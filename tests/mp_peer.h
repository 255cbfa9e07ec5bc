/* SPDX-License-Identifier: BSD-3-Clause */
/* What test_multiprocess and its peer process (mp_peer) both use. */
#ifndef HM_MP_PEER_H
#define HM_MP_PEER_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hugemem/hugemem.h"

static inline uint64_t
mp_peer_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Bytes of @p p are a function of @p seed and the offset (8 at a time). */
static inline void
mp_peer_pattern_fill(void *p, size_t len, uint64_t seed)
{
	unsigned char *c = p;
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = mp_peer_rand(&s);
		memcpy(c + i, &v, len - i < 8 ? len - i : 8);
	}
}

static inline bool
mp_peer_pattern_ok(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *c = p;
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = mp_peer_rand(&s);
		if (memcmp(c + i, &v, len - i < 8 ? len - i : 8) != 0)
			return false;
	}
	return true;
}

/* Packet number @p seq of stream @p seed: its length and bytes follow from both;
 * the first 8 bytes are seq itself. */
static inline uint16_t
mp_peer_payload_len(uint64_t seed, uint64_t seq)
{
	return (uint16_t)(60 + (seed * 31 + seq * 7) % 1400);
}

static inline int
mp_peer_mbuf_fill(struct hm_mbuf *m, uint64_t seq, uint64_t seed)
{
	uint16_t len = mp_peer_payload_len(seed, seq);
	char *d = hm_pktmbuf_append(m, len);

	if (d == NULL)
		return -1;
	mp_peer_pattern_fill(d, len, seed ^ (seq << 20));
	memcpy(d, &seq, sizeof(seq));
	return 0;
}

static inline bool
mp_peer_mbuf_ok(const struct hm_mbuf *m, uint64_t seq, uint64_t seed)
{
	uint16_t len = mp_peer_payload_len(seed, seq);
	const char *d = hm_pktmbuf_mtod(m, const char *);
	uint64_t got;

	if (m->data_len != len || m->pkt_len != len)
		return false;
	memcpy(&got, d, sizeof(got));
	if (got != seq)
		return false;
	/* the pattern after the number */
	uint64_t s = (seed ^ (seq << 20)) * 0x9e3779b97f4a7c15ull + 1;
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = mp_peer_rand(&s);
		if (i == 0)
			continue;
		if (memcmp(d + i, &v, len - i < 8 ? len - i : 8) != 0)
			return false;
	}
	return true;
}

/* Entries of @p dir, recursively; -1 when it does not exist. */
static inline int
mp_peer_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char sub[4096];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (e->d_type == DT_DIR) {
			snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
			int k = mp_peer_count_entries(sub);
			n += k > 0 ? k : 0;
		}
	}
	closedir(d);
	return n;
}

static inline int
mp_peer_count_fds(void)
{
	return mp_peer_count_entries("/proc/self/fd") - 1; /* the DIR's own */
}

static inline int
mp_peer_count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;

	if (f == NULL)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Sanitizer runtimes map lazily: mapping counts mean nothing under them. */
static inline bool
mp_peer_sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
	return true;
#else
	return false;
#endif
#else
	return false;
#endif
}

#endif
