/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seeded random operation sequences on rte_ring and rte_mempool, each result
 * checked against a simple model, DPDK's API only: the same source builds
 * against hugemem's DPDK layer (test dpdk-ops-model-emu) and, with
 * -Ddpdk_compare, against DPDK 22.11 itself (dpdk-compare-ops runs both on
 * the same seeds and compares their traces line by line).
 *
 *   dpdk_ops_model [EAL options] -- [SEED [TRACE_FILE]]
 * SEED defaults to $HUGEMEM_TEST_SEED, else 1.
 *
 * Rings: random size (power of two or RING_F_EXACT_SZ), element size, producer
 * and consumer sync mode (MP/SP/RTS/HTS, MC/SC/RTS/HTS), start index near the
 * 32-bit wrap; operations drawn from the generic and the mode's own
 * enqueue/dequeue (bulk, burst, single, elem), peek and zero-copy (ST and HTS
 * sides), reset. The model is a FIFO of element values of the ring's capacity:
 * every return, free space / available count, dequeued value and the
 * count/free_count/full/empty queries must agree with it.
 * Mempools: random size, element size, cache size (the EINVAL boundary
 * included), flags, private size; the object and memory iterators, obj_init
 * indexes; get/put single and bulk through the lcore's cache, a user-owned
 * cache and flushes. The model is the set of objects held: gets hand out
 * distinct objects of the pool not held, all or nothing, succeed when the
 * backend alone has enough and fail when the pool has too few (-ENOBUFS: DPDK
 * documents -ENOENT but returns its ring ops' -ENOBUFS);
 * avail/in_use/full/empty follow; what is written in a held object survives.
 * Exit 0 when everything agrees; each disagreement printed, exit 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

static int failures;
static FILE *trace;
static uint64_t rng;

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			if (++failures > 20) \
				exit(1); \
		} \
	} while (0)

#define TRACE(...) \
	do { \
		if (trace != NULL) \
			fprintf(trace, __VA_ARGS__); \
	} while (0)

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int
rnd_below(unsigned int n)
{
	return n == 0 ? 0 : (unsigned int)(rnd() % n);
}

/* ------------------------------------------------------------------ rings */

#define MAX_ESIZE 20 /* bytes, a multiple of 4 */
#define MAX_BURST 700

/* The model: values[first .. first + len) in a circular buffer of capacity. */
struct fifo {
	uint32_t *vals; /* one value v per element; its words are v, v + 1, ... */
	unsigned int cap, first, len;
	uint32_t next; /* value of the next element enqueued */
};

static void
fill_elem(void *dst, unsigned int esize, uint32_t v)
{
	uint32_t w[MAX_ESIZE / 4];

	for (unsigned int i = 0; i < esize / 4; i++)
		w[i] = v + i;
	memcpy(dst, w, esize);
}

static uint32_t
elem_val(const void *src, unsigned int esize)
{
	uint32_t w[MAX_ESIZE / 4];

	memcpy(w, src, esize);
	for (unsigned int i = 1; i < esize / 4; i++)
		if (w[i] != w[0] + i)
			return UINT32_MAX; /* torn element */
	return w[0];
}

static void
fifo_push(struct fifo *f, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		f->vals[(f->first + f->len + i) % f->cap] = f->next++;
	f->len += n;
}

/* the element the model expects at position i from the head */
static uint32_t
fifo_at(const struct fifo *f, unsigned int i)
{
	return f->vals[(f->first + i) % f->cap];
}

static void
fifo_pop(struct fifo *f, unsigned int n)
{
	f->first = (f->first + n) % f->cap;
	f->len -= n;
}

/* n elements the model would enqueue next, written to buf */
static void
make_elems(const struct fifo *f, void *buf, unsigned int esize, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		fill_elem((char *)buf + (size_t)i * esize, esize, f->next + i);
}

/* check n dequeued elements against the model's head */
static void
check_elems(const struct fifo *f, const void *buf, unsigned int esize, unsigned int n, int ring)
{
	for (unsigned int i = 0; i < n; i++) {
		uint32_t got = elem_val((const char *)buf + (size_t)i * esize, esize);

		CHECK(got == fifo_at(f, i), "ring %d: element %u is %" PRIu32 ", model %" PRIu32, ring, i, got,
		      fifo_at(f, i));
	}
}

static const unsigned int prod_modes[] = { 0, RING_F_SP_ENQ, RING_F_MP_RTS_ENQ, RING_F_MP_HTS_ENQ };
static const unsigned int cons_modes[] = { 0, RING_F_SC_DEQ, RING_F_MC_RTS_DEQ, RING_F_MC_HTS_DEQ };

static unsigned int
mode_enqueue(struct rte_ring *r, const void *objs, unsigned int esize, unsigned int n, int burst,
	     unsigned int *free_space)
{
	switch (rte_ring_get_prod_sync_type(r)) {
	case RTE_RING_SYNC_ST:
		return burst ? rte_ring_sp_enqueue_burst_elem(r, objs, esize, n, free_space) :
			       rte_ring_sp_enqueue_bulk_elem(r, objs, esize, n, free_space);
	case RTE_RING_SYNC_MT_RTS:
		return burst ? rte_ring_mp_rts_enqueue_burst_elem(r, objs, esize, n, free_space) :
			       rte_ring_mp_rts_enqueue_bulk_elem(r, objs, esize, n, free_space);
	case RTE_RING_SYNC_MT_HTS:
		return burst ? rte_ring_mp_hts_enqueue_burst_elem(r, objs, esize, n, free_space) :
			       rte_ring_mp_hts_enqueue_bulk_elem(r, objs, esize, n, free_space);
	default:
		return burst ? rte_ring_mp_enqueue_burst_elem(r, objs, esize, n, free_space) :
			       rte_ring_mp_enqueue_bulk_elem(r, objs, esize, n, free_space);
	}
}

static unsigned int
mode_dequeue(struct rte_ring *r, void *objs, unsigned int esize, unsigned int n, int burst,
	     unsigned int *avail)
{
	switch (rte_ring_get_cons_sync_type(r)) {
	case RTE_RING_SYNC_ST:
		return burst ? rte_ring_sc_dequeue_burst_elem(r, objs, esize, n, avail) :
			       rte_ring_sc_dequeue_bulk_elem(r, objs, esize, n, avail);
	case RTE_RING_SYNC_MT_RTS:
		return burst ? rte_ring_mc_rts_dequeue_burst_elem(r, objs, esize, n, avail) :
			       rte_ring_mc_rts_dequeue_bulk_elem(r, objs, esize, n, avail);
	case RTE_RING_SYNC_MT_HTS:
		return burst ? rte_ring_mc_hts_dequeue_burst_elem(r, objs, esize, n, avail) :
			       rte_ring_mc_hts_dequeue_bulk_elem(r, objs, esize, n, avail);
	default:
		return burst ? rte_ring_mc_dequeue_burst_elem(r, objs, esize, n, avail) :
			       rte_ring_mc_dequeue_bulk_elem(r, objs, esize, n, avail);
	}
}

static int
peekable(enum rte_ring_sync_type st)
{
	return st == RTE_RING_SYNC_ST || st == RTE_RING_SYNC_MT_HTS;
}

/* copy n elements to / from a zero-copy area (two pieces across the wrap) */
static void
zc_write(const struct rte_ring_zc_data *zcd, const void *src, unsigned int esize, unsigned int n)
{
	unsigned int n1 = n < zcd->n1 ? n : zcd->n1;

	memcpy(zcd->ptr1, src, (size_t)n1 * esize);
	if (n > n1)
		memcpy(zcd->ptr2, (const char *)src + (size_t)n1 * esize, (size_t)(n - n1) * esize);
}

static void
zc_read(const struct rte_ring_zc_data *zcd, void *dst, unsigned int esize, unsigned int n)
{
	unsigned int n1 = n < zcd->n1 ? n : zcd->n1;

	memcpy(dst, zcd->ptr1, (size_t)n1 * esize);
	if (n > n1)
		memcpy((char *)dst + (size_t)n1 * esize, zcd->ptr2, (size_t)(n - n1) * esize);
}

static void
ring_run(int id, unsigned int nops)
{
	static unsigned char buf[MAX_BURST * MAX_ESIZE];
	unsigned int esize = 4 * (1 + rnd_below(MAX_ESIZE / 4));
	unsigned int flags = prod_modes[rnd_below(4)] | cons_modes[rnd_below(4)];
	unsigned int count, size, cap;
	struct fifo f = { 0 };
	struct rte_ring *r;
	char name[RTE_RING_NAMESIZE];

	if (rnd() & 1) {
		flags |= RING_F_EXACT_SZ;
		count = 1 + rnd_below(600);
		for (size = 1; size < count + 1; size <<= 1)
			;
		cap = count;
	} else {
		count = 2u << rnd_below(10);
		size = count;
		cap = count - 1;
	}
	snprintf(name, sizeof(name), "model%d", id);
	r = rte_ring_create_elem(name, esize, count, SOCKET_ID_ANY, flags);
	TRACE("ring %d esize %u count %u flags %#x -> %s\n", id, esize, count, flags,
	      r != NULL ? "ok" : "NULL");
	CHECK(r != NULL, "ring %d: create esize %u count %u flags %#x: rte_errno %d", id, esize,
	      count, flags, rte_errno);
	if (r == NULL)
		return;
	CHECK(rte_ring_get_size(r) == size && rte_ring_get_capacity(r) == cap,
	      "ring %d: size %u capacity %u, model %u %u", id, rte_ring_get_size(r),
	      rte_ring_get_capacity(r), size, cap);
	/* MT and ST head/tail are DPDK's public struct: start near the index wrap */
	if (rte_ring_get_prod_sync_type(r) <= RTE_RING_SYNC_ST &&
	    rte_ring_get_cons_sync_type(r) <= RTE_RING_SYNC_ST) {
		uint32_t start = UINT32_MAX - rnd_below(2 * size);

		r->prod.head = r->prod.tail = r->cons.head = r->cons.tail = start;
	}
	f.cap = cap;
	f.vals = calloc(cap, sizeof(*f.vals));
	if (f.vals == NULL)
		abort();
	for (unsigned int op = 0; op < nops; op++) {
		unsigned int n = rnd_below(rnd() & 3 ? 16 : cap + 4 < MAX_BURST ? cap + 4 : MAX_BURST);
		unsigned int room = cap - f.len, want, got, aux = 12345;
		int burst = (int)(rnd() & 1), kind = (int)rnd_below(16);
		enum rte_ring_sync_type pst = rte_ring_get_prod_sync_type(r);
		enum rte_ring_sync_type cst = rte_ring_get_cons_sync_type(r);
		struct rte_ring_zc_data zcd;

		memset(&zcd, 0, sizeof(zcd));

		if ((kind == 8 || kind == 10) && !peekable(pst))
			kind = 0;
		if ((kind == 9 || kind == 11) && !peekable(cst))
			kind = 1;
		switch (kind) {
		case 0: case 2: case 4: /* enqueue: generic, mode's own, single */
			if (kind == 4) {
				make_elems(&f, buf, esize, 1);
				int rc = rte_ring_enqueue_elem(r, buf, esize);
				TRACE("enq1 -> %d\n", rc);
				CHECK(rc == (room > 0 ? 0 : -ENOBUFS), "ring %d: enqueue_elem %d, room %u",
				      id, rc, room);
				if (rc == 0)
					fifo_push(&f, 1);
				break;
			}
			make_elems(&f, buf, esize, n);
			got = kind == 0 ? (burst ? rte_ring_enqueue_burst_elem(r, buf, esize, n, &aux) :
						   rte_ring_enqueue_bulk_elem(r, buf, esize, n, &aux)) :
					  mode_enqueue(r, buf, esize, n, burst, &aux);
			want = n <= room ? n : burst ? room : 0;
			TRACE("enq%d %s %u -> %u free %u\n", kind, burst ? "burst" : "bulk", n, got, aux);
			CHECK(got == want && aux == room - got,
			      "ring %d: enqueue %s %u -> %u free %u, model %u free %u", id,
			      burst ? "burst" : "bulk", n, got, aux, want, room - want);
			fifo_push(&f, got);
			break;
		case 1: case 3: case 5: /* dequeue: generic, mode's own, single */
			if (kind == 5) {
				int rc = rte_ring_dequeue_elem(r, buf, esize);
				TRACE("deq1 -> %d\n", rc);
				CHECK(rc == (f.len > 0 ? 0 : -ENOENT), "ring %d: dequeue_elem %d, len %u",
				      id, rc, f.len);
				if (rc == 0) {
					check_elems(&f, buf, esize, 1, id);
					fifo_pop(&f, 1);
				}
				break;
			}
			got = kind == 1 ? (burst ? rte_ring_dequeue_burst_elem(r, buf, esize, n, &aux) :
						   rte_ring_dequeue_bulk_elem(r, buf, esize, n, &aux)) :
					  mode_dequeue(r, buf, esize, n, burst, &aux);
			want = n <= f.len ? n : burst ? f.len : 0;
			TRACE("deq%d %s %u -> %u avail %u\n", kind, burst ? "burst" : "bulk", n, got, aux);
			CHECK(got == want && aux == f.len - got,
			      "ring %d: dequeue %s %u -> %u avail %u, model %u avail %u", id,
			      burst ? "burst" : "bulk", n, got, aux, want, f.len - want);
			if (got == want) {
				check_elems(&f, buf, esize, got, id);
				fifo_pop(&f, got);
			}
			break;
		case 8: case 10: { /* peek / zero-copy enqueue: start n, finish m <= started */
			unsigned int m;

			want = n <= room ? n : burst ? room : 0;
			if (kind == 8)
				got = burst ? rte_ring_enqueue_burst_elem_start(r, n, &aux) :
					      rte_ring_enqueue_bulk_elem_start(r, n, &aux);
			else
				got = burst ? rte_ring_enqueue_zc_burst_elem_start(r, esize, n, &zcd, &aux) :
					      rte_ring_enqueue_zc_bulk_elem_start(r, esize, n, &zcd, &aux);
			m = got > 0 ? rnd_below(got + 1) : 0;
			make_elems(&f, buf, esize, m);
			if (kind == 8) {
				rte_ring_enqueue_elem_finish(r, buf, esize, m);
			} else {
				if (got > 0) {
					CHECK(zcd.n1 <= got && (zcd.n1 == got || zcd.ptr2 != NULL),
					      "ring %d: zc n1 %u of %u", id, zcd.n1, got);
					zc_write(&zcd, buf, esize, m);
				}
				rte_ring_enqueue_zc_elem_finish(r, m);
			}
			TRACE("enq%s %s %u -> %u free %u finish %u\n", kind == 8 ? "peek" : "zc",
			      burst ? "burst" : "bulk", n, got, aux, m);
			CHECK(got == want && aux == room - got,
			      "ring %d: %s enqueue start %u -> %u free %u, model %u free %u", id,
			      kind == 8 ? "peek" : "zc", n, got, aux, want, room - want);
			fifo_push(&f, m);
			break;
		}
		case 9: case 11: { /* peek / zero-copy dequeue */
			unsigned int m;

			want = n <= f.len ? n : burst ? f.len : 0;
			if (kind == 9)
				got = burst ? rte_ring_dequeue_burst_elem_start(r, buf, esize, n, &aux) :
					      rte_ring_dequeue_bulk_elem_start(r, buf, esize, n, &aux);
			else {
				got = burst ? rte_ring_dequeue_zc_burst_elem_start(r, esize, n, &zcd, &aux) :
					      rte_ring_dequeue_zc_bulk_elem_start(r, esize, n, &zcd, &aux);
				if (got > 0)
					zc_read(&zcd, buf, esize, got);
			}
			TRACE("deq%s %s %u -> %u avail %u\n", kind == 9 ? "peek" : "zc",
			      burst ? "burst" : "bulk", n, got, aux);
			CHECK(got == want && aux == f.len - got,
			      "ring %d: %s dequeue start %u -> %u avail %u, model %u avail %u", id,
			      kind == 9 ? "peek" : "zc", n, got, aux, want, f.len - want);
			if (got == want)
				check_elems(&f, buf, esize, got, id);
			/* finish fewer than peeked: the rest stays at the head */
			m = got > 0 ? rnd_below(got + 1) : 0;
			if (kind == 9)
				rte_ring_dequeue_elem_finish(r, m);
			else
				rte_ring_dequeue_zc_elem_finish(r, m);
			TRACE("finish %u\n", m);
			fifo_pop(&f, m <= f.len ? m : f.len);
			break;
		}
		case 12:
			if (rnd_below(8) == 0) {
				rte_ring_reset(r);
				TRACE("reset\n");
				f.first = f.len = 0;
			}
			break;
		default: { /* counters only */
			unsigned int c = rte_ring_count(r), fc = rte_ring_free_count(r);

			TRACE("count %u free %u\n", c, fc);
			break;
		}
		}
		CHECK(rte_ring_count(r) == f.len && rte_ring_free_count(r) == cap - f.len &&
			      rte_ring_empty(r) == (f.len == 0) && rte_ring_full(r) == (f.len == cap),
		      "ring %d op %u: count %u free %u empty %d full %d, model len %u of %u", id, op,
		      rte_ring_count(r), rte_ring_free_count(r), rte_ring_empty(r), rte_ring_full(r),
		      f.len, cap);
	}
	CHECK(rte_ring_lookup(name) == r, "ring %d: lookup", id);
	rte_ring_free(r);
	free(f.vals);
}

/* --------------------------------------------------------------- mempools */

#define MAX_POOL 3000

struct pool_model {
	struct rte_mempool *mp;
	void *objs[MAX_POOL];  /* in obj_iter order */
	void *sorted[MAX_POOL]; /* by address, for lookups */
	unsigned int n;
	unsigned char held[MAX_POOL];
	unsigned int nheld;
	unsigned int init_calls, mp_init_calls;
	uint64_t tag[MAX_POOL];
};

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

/* index of obj in obj_iter order, or -1 when it is not an object of the pool */
static int
obj_index(const struct pool_model *pm, const void *obj)
{
	void *const *hit = bsearch(&obj, pm->sorted, pm->n, sizeof(void *), cmp_ptr);

	if (hit == NULL)
		return -1;
	for (unsigned int i = 0; i < pm->n; i++)
		if (pm->objs[i] == *hit)
			return (int)i;
	return -1;
}

static void
collect_obj(struct rte_mempool *mp, void *opaque, void *obj, unsigned int idx)
{
	struct pool_model *pm = opaque;

	(void)mp;
	if (idx < MAX_POOL && pm->n == idx)
		pm->objs[pm->n++] = obj;
}

static void
init_obj(struct rte_mempool *mp, void *opaque, void *obj, unsigned int idx)
{
	struct pool_model *pm = opaque;

	(void)mp;
	(void)obj;
	CHECK(idx == pm->init_calls, "obj_init index %u, call %u", idx, pm->init_calls);
	pm->init_calls++;
}

static void
init_pool(struct rte_mempool *mp, void *opaque)
{
	struct pool_model *pm = opaque;

	(void)mp;
	pm->mp_init_calls++;
}

struct chunk_sum {
	unsigned int chunks;
	size_t len;
	const struct pool_model *pm;
	unsigned int inside;
};

static void
sum_chunk(struct rte_mempool *mp, void *opaque, struct rte_mempool_memhdr *memhdr,
	  unsigned int idx)
{
	struct chunk_sum *cs = opaque;

	(void)mp;
	(void)idx;
	cs->chunks++;
	cs->len += memhdr->len;
	for (unsigned int i = 0; i < cs->pm->n; i++) {
		uintptr_t o = (uintptr_t)cs->pm->objs[i], a = (uintptr_t)memhdr->addr;

		if (o >= a && o < a + memhdr->len)
			cs->inside++;
	}
}

static uint64_t
fnv(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

/* check and account objs[0..n) just handed out */
static void
took(struct pool_model *pm, void **objs, unsigned int n, const char *how, int id)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (unsigned int i = 0; i < n; i++) {
		int k = obj_index(pm, objs[i]);

		CHECK(k >= 0, "pool %d: %s handed out %p, not an object of the pool", id, how, objs[i]);
		if (k < 0)
			continue;
		CHECK(!pm->held[k], "pool %d: %s handed out object %d, already held", id, how, k);
		CHECK(rte_mempool_from_obj(objs[i]) == pm->mp, "pool %d: object %d's pool", id, k);
		pm->held[k] = 1;
		pm->nheld++;
		pm->tag[k] = rnd();
		memcpy(objs[i], &pm->tag[k],
		       pm->mp->elt_size < sizeof(uint64_t) ? pm->mp->elt_size : sizeof(uint64_t));
		h = fnv(h, (uint64_t)k);
	}
	TRACE("  objs %016" PRIx64 "\n", h);
}

/* pick up to n held objects for a put, checking what was written in them */
static unsigned int
give(struct pool_model *pm, void **objs, unsigned int n, int id)
{
	unsigned int m = 0;
	unsigned int start = rnd_below(pm->n);

	for (unsigned int j = 0; j < pm->n && m < n; j++) {
		unsigned int k = (start + j) % pm->n;
		uint64_t v = 0;

		if (!pm->held[k])
			continue;
		memcpy(&v, pm->objs[k],
		       pm->mp->elt_size < sizeof(uint64_t) ? pm->mp->elt_size : sizeof(uint64_t));
		CHECK(memcmp(&v, &pm->tag[k], pm->mp->elt_size < 8 ? pm->mp->elt_size : 8) == 0,
		      "pool %d: held object %u was overwritten", id, k);
		pm->held[k] = 0;
		pm->nheld--;
		objs[m++] = pm->objs[k];
	}
	return m;
}

static void
pool_run(int id, unsigned int nops)
{
	static struct pool_model pm;
	static void *objs[MAX_POOL];
	static const unsigned int flag_bits[] = { RTE_MEMPOOL_F_NO_SPREAD,
		RTE_MEMPOOL_F_NO_CACHE_ALIGN, RTE_MEMPOOL_F_SP_PUT, RTE_MEMPOOL_F_SC_GET,
		RTE_MEMPOOL_F_NO_IOVA_CONTIG };
	unsigned int n = 1 + rnd_below(rnd() & 1 ? 64 : MAX_POOL);
	unsigned int elt = 1 + rnd_below(rnd() & 1 ? 64 : 2048);
	unsigned int cache = rnd() & 3 ? rnd_below(n * 2 / 3 + 1) : rnd_below(n * 2);
	unsigned int priv = rnd() & 1 ? 0 : 8 * rnd_below(9);
	unsigned int flags = 0;
	struct rte_mempool_cache *uc;
	struct chunk_sum cs = { 0 };
	char name[RTE_MEMPOOL_NAMESIZE];
	int bad_cache, rc;

	if (cache > RTE_MEMPOOL_CACHE_MAX_SIZE)
		cache = rnd_below(RTE_MEMPOOL_CACHE_MAX_SIZE + 2);
	for (unsigned int i = 0; i < 5; i++)
		if (rnd_below(4) == 0)
			flags |= flag_bits[i];
	/* DPDK: the cache's flush threshold (1.5 x its size) must not exceed n */
	bad_cache = cache > RTE_MEMPOOL_CACHE_MAX_SIZE || cache * 3 / 2 > n;
	memset(&pm, 0, sizeof(pm));
	snprintf(name, sizeof(name), "model%d", id);
	rte_errno = 0;
	pm.mp = rte_mempool_create(name, n, elt, cache, priv, init_pool, &pm, init_obj, &pm,
				   SOCKET_ID_ANY, flags);
	TRACE("pool %d n %u elt %u cache %u priv %u flags %#x -> %s %d\n", id, n, elt, cache, priv,
	      flags, pm.mp != NULL ? "ok" : "NULL", pm.mp != NULL ? 0 : rte_errno);
	if (bad_cache) {
		CHECK(pm.mp == NULL && rte_errno == EINVAL,
		      "pool %d: cache %u for %u objects: %p rte_errno %d, model EINVAL", id, cache, n,
		      (void *)pm.mp, rte_errno);
		if (pm.mp != NULL)
			rte_mempool_free(pm.mp);
		return;
	}
	CHECK(pm.mp != NULL, "pool %d: create n %u elt %u cache %u flags %#x: rte_errno %d", id, n,
	      elt, cache, flags, rte_errno);
	if (pm.mp == NULL)
		return;
	CHECK(pm.mp_init_calls == 1 && pm.init_calls == n, "pool %d: mp_init %u obj_init %u", id,
	      pm.mp_init_calls, pm.init_calls);
	CHECK(rte_mempool_obj_iter(pm.mp, collect_obj, &pm) == n && pm.n == n,
	      "pool %d: obj_iter %u objects", id, pm.n);
	memcpy(pm.sorted, pm.objs, n * sizeof(void *));
	qsort(pm.sorted, n, sizeof(void *), cmp_ptr);
	for (unsigned int i = 1; i < n; i++)
		CHECK((uintptr_t)pm.sorted[i] - (uintptr_t)pm.sorted[i - 1] >= elt,
		      "pool %d: objects overlap", id);
	cs.pm = &pm;
	CHECK(rte_mempool_mem_iter(pm.mp, sum_chunk, &cs) == pm.mp->nb_mem_chunks &&
		      cs.chunks == pm.mp->nb_mem_chunks && cs.inside == n &&
		      cs.len >= (size_t)n * (elt + pm.mp->header_size + pm.mp->trailer_size),
		      "pool %d: %u chunks (nb_mem_chunks %u), %zu bytes, %u of %u objects inside", id,
		      cs.chunks, pm.mp->nb_mem_chunks, cs.len, cs.inside, n);
	/* DPDK rounds the element size up to 8 bytes, the private area to 64 */
	CHECK(pm.mp->size == n && pm.mp->cache_size == cache &&
		      pm.mp->elt_size == ((elt + 7) & ~7u) &&
		      pm.mp->private_data_size == ((priv + 63) & ~63u),
		      "pool %d: fields size %u cache %u elt %u priv %u, created with %u %u %u %u", id,
		      pm.mp->size, pm.mp->cache_size, pm.mp->elt_size, pm.mp->private_data_size, n,
		      cache, elt, priv);
	uc = rte_mempool_cache_create(1 + rnd_below(RTE_MEMPOOL_CACHE_MAX_SIZE), SOCKET_ID_ANY);
	CHECK(uc != NULL, "pool %d: user cache: rte_errno %d", id, rte_errno);
	if (uc == NULL)
		abort();

	for (unsigned int op = 0; op < nops; op++) {
		struct rte_mempool_cache *dc = rte_mempool_default_cache(pm.mp, rte_lcore_id());
		unsigned int avail = n - pm.nheld - uc->len;
		/* only this lcore's cache holds objects (rte_mempool_ops_get_count is
		 * internal in DPDK) */
		unsigned int backend = rte_mempool_avail_count(pm.mp) - (dc != NULL ? dc->len : 0);
		unsigned int uc_len = uc->len;
		unsigned int k = 1 + rnd_below(rnd() & 3 ? 32 : n + 8 < MAX_POOL ? n + 8 : MAX_POOL);
		int kind = (int)rnd_below(8);

		if (k > MAX_POOL)
			k = MAX_POOL;
		switch (kind) {
		case 0: case 1: case 2: { /* get: single, bulk, through the user cache */
			const char *how = kind == 0 ? "get" : kind == 1 ? "get_bulk" : "generic_get";

			if (kind == 0)
				k = 1;
			rc = kind == 0 ? rte_mempool_get(pm.mp, objs) :
			     kind == 1 ? rte_mempool_get_bulk(pm.mp, objs, k) :
					 rte_mempool_generic_get(pm.mp, objs, k, uc);
			TRACE("%s %u -> %d\n", how, k, rc);
			/* DPDK documents -ENOENT; it returns its ring and stack ops' -ENOBUFS */
			CHECK(rc == 0 || rc == -ENOBUFS, "pool %d: %s %u -> %d", id, how, k, rc);
			/* a user cache's objects are the caller's to get, not in avail */
			if (k > avail + (kind == 2 ? uc_len : 0))
				CHECK(rc != 0, "pool %d: %s %u of %u available succeeded", id, how, k, avail);
			if (k <= backend)
				CHECK(rc == 0, "pool %d: %s %u failed with %u in the backend", id, how, k,
				      backend);
			if (rc == 0)
				took(&pm, objs, k, how, id);
			break;
		}
		case 3: case 4: case 5: { /* put: single, bulk, through the user cache */
			unsigned int m = give(&pm, objs, kind == 3 ? 1 : k, id);

			if (kind == 3 && m == 1)
				rte_mempool_put(pm.mp, objs[0]);
			else if (kind == 4)
				rte_mempool_put_bulk(pm.mp, objs, m);
			else if (kind == 5)
				rte_mempool_generic_put(pm.mp, objs, m, uc);
			TRACE("put%d %u\n", kind, m);
			break;
		}
		case 6: /* flushes move objects, change no count */
			if (rnd() & 1)
				rte_mempool_cache_flush(uc, pm.mp);
			else if (dc != NULL)
				rte_mempool_cache_flush(dc, pm.mp);
			TRACE("flush\n");
			break;
		default:
			TRACE("avail %u in_use %u\n", rte_mempool_avail_count(pm.mp),
			      rte_mempool_in_use_count(pm.mp));
			break;
		}
		avail = n - pm.nheld - uc->len;
		CHECK(rte_mempool_avail_count(pm.mp) == avail &&
			      rte_mempool_in_use_count(pm.mp) == n - avail &&
			      rte_mempool_full(pm.mp) == (avail == n) &&
			      rte_mempool_empty(pm.mp) == (avail == 0),
		      "pool %d op %u: avail %u in_use %u full %d empty %d; model avail %u of %u", id,
		      op, rte_mempool_avail_count(pm.mp), rte_mempool_in_use_count(pm.mp),
		      rte_mempool_full(pm.mp), rte_mempool_empty(pm.mp), avail, n);
		CHECK(dc == NULL || dc->len <= dc->flushthresh, "pool %d: lcore cache %u over %u", id,
		      dc != NULL ? dc->len : 0, dc != NULL ? dc->flushthresh : 0);
	}

	/* everything back, caches flushed: one get of the whole pool hands out
	 * every object exactly once */
	for (unsigned int m; (m = give(&pm, objs, MAX_POOL, id)) > 0;)
		rte_mempool_put_bulk(pm.mp, objs, m);
	rte_mempool_cache_flush(uc, pm.mp);
	if (rte_mempool_default_cache(pm.mp, rte_lcore_id()) != NULL)
		rte_mempool_cache_flush(rte_mempool_default_cache(pm.mp, rte_lcore_id()), pm.mp);
	CHECK(rte_mempool_avail_count(pm.mp) == n && rte_mempool_full(pm.mp),
	      "pool %d: %u available after flushes, of %u", id, rte_mempool_avail_count(pm.mp), n);
	rc = rte_mempool_generic_get(pm.mp, objs, n, NULL);
	CHECK(rc == 0, "pool %d: get all %u: %d", id, n, rc);
	if (rc == 0) {
		took(&pm, objs, n, "get all", id);
		CHECK(pm.nheld == n, "pool %d: %u distinct of %u", id, pm.nheld, n);
		rte_mempool_generic_put(pm.mp, objs, n, NULL);
	}
	rte_mempool_cache_free(uc);
	CHECK(rte_mempool_lookup(name) == pm.mp, "pool %d: lookup", id);
	rte_mempool_free(pm.mp);
}

int
main(int argc, char **argv)
{
	int rc = rte_eal_init(argc, argv);
	uint64_t seed;

	if (rc < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	if (argc > 1 && strcmp(argv[1], "--") == 0) {
		argc--;
		argv++;
	}
	if (argc > 1)
		seed = strtoull(argv[1], NULL, 0);
	else if (getenv("HUGEMEM_TEST_SEED") != NULL)
		seed = strtoull(getenv("HUGEMEM_TEST_SEED"), NULL, 0);
	else
		seed = 1;
	if (argc > 2) {
		trace = fopen(argv[2], "w");
		if (trace == NULL) {
			perror(argv[2]);
			return 1;
		}
	}
	rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	for (int i = 0; i < 48; i++)
		ring_run(i, 1500);
	for (int i = 0; i < 24; i++)
		pool_run(i, 1500);
	if (trace != NULL)
		fclose(trace);
	rte_eal_cleanup();
	printf("seed %" PRIu64 ": 48 rings x 1500 ops, 24 mempools x 1500 ops: %d disagreement(s)\n",
	       seed, failures);
	return failures != 0;
}
