/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A capturing TX sink for the tests of the fake NIC's transmit engine and the
 * i40e TX driver: every frame the device sends is copied, in order, so that a
 * test can compare it byte for byte with what it handed over. The sink can
 * also play full (return 0) or failing (return an errno) on demand.
 */
#ifndef HM_TEST_TX_CAPTURE_H
#define HM_TEST_TX_CAPTURE_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/sim/nic_tx.h"

struct tx_capture {
	uint8_t *data;               /* frames back to back */
	size_t size, used;           /* bytes allocated, used */
	uint32_t *len;               /* per frame */
	size_t *off;
	uint32_t n, max;             /* frames captured, room for */
	uint32_t read;               /* frames consumed by tx_capture_next */
	int ret;                     /* what the sink returns: 1 (take), 0 (full), -errno */
	uint64_t calls;
};

static inline void
tx_capture_init(struct tx_capture *c, uint32_t max_frames, size_t bytes)
{
	memset(c, 0, sizeof(*c));
	c->data = malloc(bytes);
	c->len = calloc(max_frames, sizeof(*c->len));
	c->off = calloc(max_frames, sizeof(*c->off));
	c->size = bytes;
	c->max = max_frames;
	c->ret = 1;
	if (c->data == NULL || c->len == NULL || c->off == NULL)
		abort();
}

static inline void
tx_capture_fini(struct tx_capture *c)
{
	free(c->data);
	free(c->len);
	free(c->off);
	memset(c, 0, sizeof(*c));
}

/* Forget what was captured (the buffers stay). */
static inline void
tx_capture_reset(struct tx_capture *c)
{
	c->n = c->read = 0;
	c->used = 0;
}

static inline int
tx_capture_fn(void *ctx, const void *frame, size_t len)
{
	struct tx_capture *c = ctx;

	c->calls++;
	if (c->ret != 1)
		return c->ret;
	if (c->n == c->max || c->used + len > c->size)
		abort(); /* the test sized its capture too small */
	c->off[c->n] = c->used;
	c->len[c->n] = (uint32_t)len;
	memcpy(c->data + c->used, frame, len);
	c->used += len;
	c->n++;
	return 1;
}

static inline struct hm_nic_sink
tx_capture_sink(struct tx_capture *c)
{
	struct hm_nic_sink s;

	memset(&s, 0, sizeof(s));
	s.kind = HM_NIC_SINK_FUNC;
	s.fn = tx_capture_fn;
	s.ctx = c;
	return s;
}

/* The next captured frame not yet read (NULL when none); *len its length. */
static inline const uint8_t *
tx_capture_next(struct tx_capture *c, uint32_t *len)
{
	if (c->read == c->n)
		return NULL;
	*len = c->len[c->read];
	return c->data + c->off[c->read++];
}

#endif /* HM_TEST_TX_CAPTURE_H */
