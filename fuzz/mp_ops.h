/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The operations fuzz_mp drives, shared by its two processes: fuzz_mp itself
 * (the primary, executing an op in place) and fuzz_mp_peer (a secondary started
 * with fork+exec, executing the ops it reads from its stdin pipe and writing
 * the reply to its stdout pipe). The same function runs an op on either side,
 * then every validator of that process (hm_malloc/memzone/memseg/mp_check and
 * the ring's and pool's when they exist; hm_memseg_check when the page map
 * changed, see mp_checks), so the reply says both what the op
 * returned and whether this process still sees consistent structures.
 *
 * Pointers travel in the messages as integers: an object's pointer is the same
 * in every attached process, which is what the ops check (a block malloc'ed by
 * one side is freed by the other, a ring's elements are the other side's
 * tokens, pool objects are put back by the process that did not get them).
 */
#ifndef HM_FUZZ_MP_OPS_H
#define HM_FUZZ_MP_OPS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hugemem/hugemem.h"

#define MP_OP_MAX_OBJS 32u
#define MP_RING_NAME "fzmp-ring"
#define MP_POOL_NAME "fzmp-pool"
#define MP_POOL_ELT 64u

enum mp_op_code {
	MP_OP_MALLOC,       /* a: size; val: the block, filled with its pattern */
	MP_OP_FREE,         /* a: block, b: size: its pattern checked, freed */
	MP_OP_ZONE_RESERVE, /* n: zone number, a: length; val: the zone, filled */
	MP_OP_ZONE_LOOKUP,  /* n: zone number; val: the zone (its pattern checked) or 0 */
	MP_OP_ZONE_FREE,    /* n: zone number */
	MP_OP_RING_CREATE,  /* a: count, b: flags; val: the ring */
	MP_OP_RING_FREE,
	MP_OP_RING_ENQ,     /* n tokens in objs; rc: how many went in (burst) */
	MP_OP_RING_DEQ,     /* up to n; rc: how many came out, into the reply's objs */
	MP_OP_POOL_CREATE,  /* a: objects, b: cache size; val: the pool */
	MP_OP_POOL_FREE,
	MP_OP_POOL_GET,     /* n objects into the reply's objs, each filled */
	MP_OP_POOL_PUT,     /* the n objects in objs, their patterns checked */
	MP_OP_FLUSH,        /* hm_malloc_cache_flush */
	MP_OP_CHECK,        /* nothing: the validators only */
	MP_OP_CHECK_ALL,    /* the same, hm_memseg_check included */
	MP_OP_QUIT,         /* the peer cleans up and exits */
	MP_OP_COUNT
};

struct mp_op {
	uint32_t code;
	uint32_t n;
	uint64_t a, b;
	uint64_t objs[MP_OP_MAX_OBJS];
};

struct mp_reply {
	int32_t rc;       /* the op's: 0, a count, or -errno */
	int32_t check_rc; /* 0, or the first validator's -errno */
	uint64_t val;
	uint64_t objs[MP_OP_MAX_OBJS];
	char msg[240];    /* why, when rc < 0 or check_rc != 0 */
};

/* Bytes of a block follow from its address: a block overwritten by anything
 * else (another process's allocation at the same place, say) is found. Blocks
 * over 8 KiB: their first and last 4 KiB and 8 bytes of every 4 KiB between
 * (a byte loop over megabytes dominated the instrumented target's time). */
static inline uint8_t
mp_byte(uint64_t s, size_t i)
{
	return (uint8_t)(s >> (8 * (i & 7))) ^ (uint8_t)(i >> 3);
}

static inline int
mp_pattern(void *p, size_t len, int fill)
{
	uint8_t *c = p;
	uint64_t s = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < len; i++) {
		if (len > 8192 && i >= 4096 && i < len - 4096 && (i & 4095) >= 8) {
			i = (i | 4095) < len - 4097 ? (i | 4095) : len - 4097;
			continue;
		}
		if (fill)
			c[i] = mp_byte(s, i);
		else if (c[i] != mp_byte(s, i))
			return 0;
	}
	return 1;
}

static inline void
mp_fill(void *p, size_t len)
{
	mp_pattern(p, len, 1);
}

static inline int
mp_ok(const void *p, size_t len)
{
	return mp_pattern((void *)(uintptr_t)p, len, 0);
}

static inline void
mp_zone_name(char *buf, size_t len, uint32_t n)
{
	snprintf(buf, len, "fzmp-zone-%u", n);
}

static inline int
mp_fail(struct mp_reply *r, int rc, const char *what)
{
	snprintf(r->msg, sizeof(r->msg), "%s: %s", what, hm_last_error());
	return rc;
}

static inline int
mp_op_run(const struct mp_op *o, struct mp_reply *r)
{
	char name[HM_MEMZONE_NAMESIZE];
	const struct hm_memzone *mz;
	struct hm_ring *ring;
	struct hm_mempool *pool;
	void *objs[MP_OP_MAX_OBJS];
	uint32_t n = o->n < MP_OP_MAX_OBJS ? o->n : MP_OP_MAX_OBJS;

	switch (o->code) {
	case MP_OP_MALLOC: {
		void *p = hm_malloc("fuzz_mp", (size_t)o->a, 0);
		if (p == NULL)
			return mp_fail(r, -hm_errno, "hm_malloc");
		mp_fill(p, (size_t)o->a);
		r->val = (uint64_t)(uintptr_t)p;
		return 0;
	}
	case MP_OP_FREE: {
		void *p = (void *)(uintptr_t)o->a;
		if (p != NULL && !mp_ok(p, (size_t)o->b)) {
			snprintf(r->msg, sizeof(r->msg), "block %p (%zu bytes) was overwritten", p,
				 (size_t)o->b);
			return -EFAULT;
		}
		hm_free(p);
		return 0;
	}
	case MP_OP_ZONE_RESERVE:
		mp_zone_name(name, sizeof(name), o->n);
		mz = hm_memzone_reserve(name, (size_t)o->a, HM_SOCKET_ID_ANY, 0);
		if (mz == NULL)
			return mp_fail(r, -hm_errno, "hm_memzone_reserve");
		mp_fill(mz->addr, mz->len);
		r->val = (uint64_t)(uintptr_t)mz;
		return 0;
	case MP_OP_ZONE_LOOKUP:
		mp_zone_name(name, sizeof(name), o->n);
		mz = hm_memzone_lookup(name);
		if (mz == NULL)
			return mp_fail(r, -hm_errno, "hm_memzone_lookup");
		r->val = (uint64_t)(uintptr_t)mz;
		if (!mp_ok(mz->addr, mz->len)) {
			snprintf(r->msg, sizeof(r->msg), "zone %s was overwritten", name);
			return -EFAULT;
		}
		return 0;
	case MP_OP_ZONE_FREE:
		mp_zone_name(name, sizeof(name), o->n);
		mz = hm_memzone_lookup(name);
		if (mz == NULL)
			return mp_fail(r, -hm_errno, "hm_memzone_lookup");
		return hm_memzone_free(mz) < 0 ? mp_fail(r, -hm_errno, "hm_memzone_free") : 0;
	case MP_OP_RING_CREATE:
		ring = hm_ring_create(MP_RING_NAME, (unsigned int)o->a, HM_SOCKET_ID_ANY,
				      (unsigned int)o->b);
		if (ring == NULL)
			return mp_fail(r, -hm_errno, "hm_ring_create");
		r->val = (uint64_t)(uintptr_t)ring;
		return 0;
	case MP_OP_RING_FREE:
		ring = hm_ring_lookup(MP_RING_NAME);
		if (ring == NULL)
			return mp_fail(r, -hm_errno, "hm_ring_lookup");
		hm_ring_free(ring);
		return 0;
	case MP_OP_RING_ENQ:
		ring = hm_ring_lookup(MP_RING_NAME);
		if (ring == NULL)
			return mp_fail(r, -hm_errno, "hm_ring_lookup");
		for (uint32_t i = 0; i < n; i++)
			objs[i] = (void *)(uintptr_t)o->objs[i];
		return (int)hm_ring_enqueue_burst(ring, objs, n, NULL);
	case MP_OP_RING_DEQ: {
		ring = hm_ring_lookup(MP_RING_NAME);
		if (ring == NULL)
			return mp_fail(r, -hm_errno, "hm_ring_lookup");
		unsigned int got = hm_ring_dequeue_burst(ring, objs, n, NULL);
		for (unsigned int i = 0; i < got; i++)
			r->objs[i] = (uint64_t)(uintptr_t)objs[i];
		return (int)got;
	}
	case MP_OP_POOL_CREATE:
		pool = hm_mempool_create(MP_POOL_NAME, (unsigned int)o->a, MP_POOL_ELT,
					 (unsigned int)o->b, 0, NULL, NULL, NULL, NULL,
					 HM_SOCKET_ID_ANY, 0);
		if (pool == NULL)
			return mp_fail(r, -hm_errno, "hm_mempool_create");
		r->val = (uint64_t)(uintptr_t)pool;
		return 0;
	case MP_OP_POOL_FREE:
		pool = hm_mempool_lookup(MP_POOL_NAME);
		if (pool == NULL)
			return mp_fail(r, -hm_errno, "hm_mempool_lookup");
		return hm_mempool_free(pool) < 0 ? mp_fail(r, -hm_errno, "hm_mempool_free") : 0;
	case MP_OP_POOL_GET: {
		pool = hm_mempool_lookup(MP_POOL_NAME);
		if (pool == NULL)
			return mp_fail(r, -hm_errno, "hm_mempool_lookup");
		int rc = hm_mempool_get_bulk(pool, objs, n);
		if (rc < 0)
			return rc;
		for (uint32_t i = 0; i < n; i++) {
			mp_fill(objs[i], MP_POOL_ELT);
			r->objs[i] = (uint64_t)(uintptr_t)objs[i];
		}
		return 0;
	}
	case MP_OP_POOL_PUT:
		pool = hm_mempool_lookup(MP_POOL_NAME);
		if (pool == NULL)
			return mp_fail(r, -hm_errno, "hm_mempool_lookup");
		for (uint32_t i = 0; i < n; i++) {
			objs[i] = (void *)(uintptr_t)o->objs[i];
			if (!mp_ok(objs[i], MP_POOL_ELT)) {
				snprintf(r->msg, sizeof(r->msg), "pool object %p was overwritten",
					 objs[i]);
				return -EFAULT;
			}
		}
		hm_mempool_put_bulk(pool, objs, n);
		return 0;
	case MP_OP_FLUSH:
		return hm_malloc_cache_flush();
	case MP_OP_CHECK:
	case MP_OP_CHECK_ALL:
		return 0;
	default:
		snprintf(r->msg, sizeof(r->msg), "unknown op %u", o->code);
		return -EINVAL;
	}
}

/*
 * Every validator of this process; 0 or the first one's -errno (why in r->msg).
 * hm_memseg_check (the page map: ~2 ms in a debug build, 10x that instrumented,
 * most of an op's cost) runs when heap 0's size changed since this process last
 * ran it, i.e. when pages were mapped or unmapped, and when @p full is set.
 */
static inline int
mp_checks(struct mp_reply *r, int full)
{
	static size_t seen_total = (size_t)-1;
	struct hm_malloc_socket_stats st;
	const char *why = NULL;
	struct hm_ring *ring;
	struct hm_mempool *pool;
	int rc;

	if ((rc = hm_malloc_check(&why)) < 0 || (rc = hm_memzone_check(&why)) < 0 ||
	    (rc = hm_mp_check(&why)) < 0)
		goto fail;
	if ((rc = hm_malloc_get_socket_stats(0, &st)) < 0)
		goto fail;
	if (full || st.heap_totalsz_bytes != seen_total) {
		if ((rc = hm_memseg_check(&why)) < 0)
			goto fail;
		seen_total = st.heap_totalsz_bytes;
	}
	ring = hm_ring_lookup(MP_RING_NAME);
	if (ring != NULL && (rc = hm_ring_check(ring, &why)) < 0)
		goto fail;
	pool = hm_mempool_lookup(MP_POOL_NAME);
	if (pool != NULL && (rc = hm_mempool_check(pool, &why)) < 0)
		goto fail;
	return 0;
fail:
	snprintf(r->msg, sizeof(r->msg), "validator: %s", why != NULL ? why : hm_last_error());
	return rc;
}

/* Run @p o and the validators into @p r. */
static inline void
mp_op_exec(const struct mp_op *o, struct mp_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->rc = mp_op_run(o, r);
	r->check_rc = mp_checks(r, o->code == MP_OP_FLUSH || o->code == MP_OP_CHECK_ALL);
}

#endif
