/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK layer's packet operations (rte_mbuf.h) driven by the input against
 * a model of each packet's bytes: up to 8 packets from a 64-mbuf pool with
 * 256-byte data rooms, and operations alloc, append, prepend, adj, trim,
 * chain, clone, copy (offset, length), read (offset, length), linearize and
 * free. Writes (append, prepend, linearize) only go to packets whose segments
 * are all direct and unshared, as DPDK requires. After every operation each
 * packet passes rte_mbuf_check and reads back as the model says; every result
 * is the model's (NULL / -1 exactly where DPDK documents a refusal, or for a
 * copy when the pool runs out). At the end every mbuf is back in the pool.
 * Any disagreement aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SLOTS 8
#define NB_MBUF 64
#define ROOM 256 /* data room after the headroom */
#define MAXLEN (NB_MBUF * (ROOM + RTE_PKTMBUF_HEADROOM))

static struct rte_mempool *pool;

struct pkt {
	struct rte_mbuf *m;
	uint32_t len;
	uint8_t bytes[MAXLEN];
};

static struct pkt pk[SLOTS];
static uint8_t tmp[MAXLEN];

static void
start(void)
{
	char *args[] = { (char *)"fuzz", (char *)"-l", (char *)"0", (char *)"--no-huge",
			 (char *)"--in-memory", NULL };
	FILE *null = fopen("/dev/null", "w");

	if (null != NULL)
		rte_openlog_stream(null);
	if (rte_eal_init(5, args) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fz_mbuf", NB_MBUF, 0, 0, ROOM + RTE_PKTMBUF_HEADROOM,
				       SOCKET_ID_ANY);
	if (pool == NULL)
		abort();
}

/* writes go only to packets that own every byte they hold */
static int
writable(const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1)
			return 0;
	return 1;
}

static void
check(const struct pkt *p)
{
	const char *why = NULL;
	const uint8_t *r;

	if (p->m == NULL)
		return;
	if (rte_mbuf_check(p->m, 1, &why) != 0 || rte_pktmbuf_pkt_len(p->m) != p->len)
		abort();
	if (p->len == 0)
		return;
	r = rte_pktmbuf_read(p->m, 0, p->len, tmp);
	if (r == NULL || memcmp(r, p->bytes, p->len) != 0)
		abort();
}

static int
free_slot(void)
{
	for (int i = 0; i < SLOTS; i++)
		if (pk[i].m == NULL)
			return i;
	return -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;
	size_t i = 0;

	if (!started) {
		start();
		started = 1;
	}
	while (i + 3 <= size) {
		uint8_t op = data[i] % 11;
		struct pkt *a = &pk[data[i + 1] % SLOTS], *b = &pk[(data[i + 1] >> 4) % SLOTS];
		uint32_t n = data[i + 2] * (data[i] >= 128 ? 4u : 1u); /* up to 1020 */
		uint32_t off = a->len != 0 ? ((uint32_t)data[i + 2] * 37u) % (a->len + 1) : 0;
		int k;

		i += 3;
		switch (op) {
		case 0: /* alloc */
			if (a->m == NULL) {
				a->m = rte_pktmbuf_alloc(pool);
				a->len = 0;
				if (a->m == NULL && rte_mempool_avail_count(pool) != 0)
					abort();
			}
			break;
		case 1: /* append n bytes (a pattern) to the last segment */
			if (a->m != NULL && writable(a->m)) {
				char *p = rte_pktmbuf_append(a->m, (uint16_t)n);

				if (p == NULL) {
					if (n <= rte_pktmbuf_tailroom(rte_pktmbuf_lastseg(a->m)))
						abort();
					break;
				}
				for (uint32_t j = 0; j < n; j++)
					a->bytes[a->len + j] = p[j] = (char)(n + j);
				a->len += n;
			}
			break;
		case 2: /* prepend n bytes */
			if (a->m != NULL && writable(a->m)) {
				char *p = rte_pktmbuf_prepend(a->m, (uint16_t)n);

				if (p == NULL) {
					if (n <= rte_pktmbuf_headroom(a->m))
						abort();
					break;
				}
				memmove(a->bytes + n, a->bytes, a->len);
				for (uint32_t j = 0; j < n; j++)
					a->bytes[j] = p[j] = (char)(0x80 + j);
				a->len += n;
			}
			break;
		case 3: /* adj: drop n bytes at the front of the first segment */
			if (a->m != NULL) {
				uint16_t first = rte_pktmbuf_data_len(a->m);
				char *p = rte_pktmbuf_adj(a->m, (uint16_t)n);

				if ((p == NULL) != (n > first))
					abort();
				if (p != NULL) {
					memmove(a->bytes, a->bytes + n, a->len - n);
					a->len -= n;
				}
			}
			break;
		case 4: /* trim: drop n bytes at the end of the last segment */
			if (a->m != NULL) {
				uint16_t last = rte_pktmbuf_data_len(rte_pktmbuf_lastseg(a->m));
				int rc = rte_pktmbuf_trim(a->m, (uint16_t)n);

				if ((rc != 0) != (n > last))
					abort();
				if (rc == 0)
					a->len -= n;
			}
			break;
		case 5: /* chain b after a */
			if (a->m != NULL && b->m != NULL && a != b) {
				uint32_t segs = (uint32_t)a->m->nb_segs + b->m->nb_segs;
				int rc = rte_pktmbuf_chain(a->m, b->m);

				if ((rc != 0) != (segs > RTE_MBUF_MAX_NB_SEGS))
					abort();
				if (rc == 0) {
					memcpy(a->bytes + a->len, b->bytes, b->len);
					a->len += b->len;
					b->m = NULL;
				}
			}
			break;
		case 6: /* clone a into a free slot */
			k = free_slot();
			if (a->m != NULL && k >= 0) {
				struct rte_mbuf *c = rte_pktmbuf_clone(a->m, pool);

				if (c == NULL) {
					if (rte_mempool_avail_count(pool) >= a->m->nb_segs)
						abort();
					break;
				}
				pk[k].m = c;
				pk[k].len = a->len;
				memcpy(pk[k].bytes, a->bytes, a->len);
			}
			break;
		case 7: /* copy [off, off + n) of a into a free slot */
			k = free_slot();
			if (a->m != NULL && k >= 0) {
				struct rte_mbuf *c = rte_pktmbuf_copy(a->m, pool, off, n);
				uint32_t want = off < a->len ? (n < a->len - off ? n : a->len - off) : 0;

				if (c == NULL) {
					/* refused: nothing at the offset, or too few mbufs */
					if (off < a->len &&
					    rte_mempool_avail_count(pool) >= want / ROOM + 2)
						abort();
					break;
				}
				if (off >= a->len)
					abort();
				pk[k].m = c;
				pk[k].len = want;
				memcpy(pk[k].bytes, a->bytes + off, want);
			}
			break;
		case 8: /* read [off, off + n) */
			if (a->m != NULL) {
				const uint8_t *r = rte_pktmbuf_read(a->m, off, n, tmp);

				if ((r == NULL) != (off + n > a->len))
					abort();
				if (r != NULL && memcmp(r, a->bytes + off, n) != 0)
					abort();
			}
			break;
		case 9: /* linearize */
			if (a->m != NULL && writable(a->m)) {
				int rc = rte_pktmbuf_linearize(a->m);

				if (rc == 0 && a->m->nb_segs != 1)
					abort();
				if (rc != 0 && a->len <= rte_pktmbuf_data_len(a->m) +
								   rte_pktmbuf_tailroom(a->m))
					abort();
			}
			break;
		default: /* free */
			if (a->m != NULL) {
				rte_pktmbuf_free(a->m);
				a->m = NULL;
			}
			break;
		}
		for (int s = 0; s < SLOTS; s++)
			check(&pk[s]);
	}
	for (int s = 0; s < SLOTS; s++) {
		rte_pktmbuf_free(pk[s].m);
		pk[s].m = NULL;
		pk[s].len = 0;
	}
	if (!rte_mempool_full(pool))
		abort();
	return 0;
}
