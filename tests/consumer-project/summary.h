/* The consumer's payload summary (C++ behind a C interface). */
#ifndef CONSUMER_SUMMARY_H
#define CONSUMER_SUMMARY_H

#include <stdint.h>

#include "hugemem/mbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct summary {
	uint64_t packets, bytes, segments, bad;
};

/* Add @p m (a chain) to @p s; a payload that fails the generator's check counts as bad. */
void summary_add(struct summary *s, const struct hm_mbuf *m);

#ifdef __cplusplus
}
#endif
#endif
