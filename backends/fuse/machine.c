/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem-fusefs: the emulated machine. One pool of frames per (page size,
 * node) of the topology, each frame with a synthetic physical address laid out
 * exactly as emu lays out its pools (pool k, sizes largest first then nodes, at
 * the first multiple of 2^44 past pool k-1; contig, shuffled or fragmented with
 * the topology seed), so the same topology string gives the same addresses on
 * emu and on fuse. Frames are taken lowest index first.
 *
 * The knobs (hugemem/fusefs.h) decide whether an allocation fails before the
 * pools are asked. Every allocation attempt counts as one call for nth=, every=,
 * rate= and die=, whichever fires.
 *
 * Invariants (fs_machine_check):
 *   pool->in_use == number of clear bits of pool->free below pool->total
 *   no free bit at or above pool->total; no free bit below word pool->hint
 *   pool->base <= pool->pa[i] < pool->end, pool->pa[i] % page_sz == 0
 *   pools are disjoint and ordered: pool (k, n) ends at or below the next one's base
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_i.h"
#include "fusefs_i.h"

#define POOL_ALIGN (1ULL << 44)
#define CTX "fusefs: knob spec"
#define VALID "nth=N, every=N, node=N, pool=NODE:SIZE:COUNT, rate=PERMILLE, die[=N], " \
	"latency=USEC, sigbus=0|1, policy=preferred|bind, clear"

static const char *const kind_names[FS_F_KINDS] = { "nth", "every", "node", "rate" };

/* splitmix64, as emu: the layouts must match emu's for the same seed. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Fill pool->pa per the layout (emu's pool_layout, same PRNG draws). */
static void
pool_layout(struct fs_pool *pool, enum hm_emu_iova_layout layout, uint64_t seed, unsigned int id)
{
	uint64_t rng = seed ^ ((uint64_t)(id + 1) << 32), P = pool->page_sz, off = 0;
	uint32_t n = pool->total;

	switch (layout) {
	case HM_EMU_IOVA_CONTIG:
		for (uint32_t i = 0; i < n; i++)
			pool->pa[i] = i;
		off = n;
		break;
	case HM_EMU_IOVA_SHUFFLED:
		for (uint32_t i = 0; i < n; i++)
			pool->pa[i] = i;
		for (uint32_t i = n; i > 1; i--) {
			uint32_t j = (uint32_t)(rng_next(&rng) % i);
			uint64_t tmp = pool->pa[i - 1];
			pool->pa[i - 1] = pool->pa[j];
			pool->pa[j] = tmp;
		}
		off = n;
		break;
	case HM_EMU_IOVA_FRAGMENTED:
		for (uint32_t i = 0; i < n;) {
			uint32_t run = 1 + (uint32_t)(rng_next(&rng) % 4);
			for (uint32_t r = 0; r < run && i < n; r++)
				pool->pa[i++] = off++;
			off += 1 + rng_next(&rng) % 3;
		}
		break;
	}
	for (uint32_t i = 0; i < n; i++)
		pool->pa[i] = pool->base + pool->pa[i] * P;
	pool->end = pool->base + (off > 0 ? off : 1) * P;
}

static void
knobs_clear(struct fs_machine *m)
{
	memset(&m->k, 0, sizeof(m->k));
	m->calls = 0;
	m->exhausted = 0;
	memset(m->injected, 0, sizeof(m->injected));
	for (unsigned int k = 0; k < HM_MAX_PAGE_SIZES; k++)
		for (unsigned int n = 0; n < HM_MAX_NUMA_NODES; n++)
			m->pools[k][n].limit = FS_NO_LIMIT;
}

void
fs_machine_fini(struct fs_machine *m)
{
	if (m == NULL)
		return;
	for (unsigned int k = 0; k < HM_MAX_PAGE_SIZES; k++)
		for (unsigned int n = 0; n < HM_MAX_NUMA_NODES; n++) {
			free(m->pools[k][n].free);
			free(m->pools[k][n].pa);
			m->pools[k][n].free = NULL;
			m->pools[k][n].pa = NULL;
		}
}

int
fs_machine_init(struct fs_machine *m, const char *topo, const char *spec)
{
	uint64_t cursor = POOL_ALIGN;
	unsigned int id = 0;
	int rc;

	if (m == NULL)
		return hm_fail(EINVAL, "fusefs: machine_init needs a machine");
	memset(m, 0, sizeof(*m));
	rc = hm_emu_topology_parse(topo, &m->topo);
	if (rc < 0)
		return rc;
	for (unsigned int k = 0; k < m->topo.n_sizes; k++) {
		for (unsigned int n = 0; n < m->topo.n_nodes; n++, id++) {
			struct fs_pool *p = &m->pools[k][n];
			uint32_t words = (m->topo.sizes[k].pages[n] + 63) / 64;

			p->page_sz = m->topo.sizes[k].page_sz;
			p->total = m->topo.sizes[k].pages[n];
			p->base = cursor;
			if (p->total > 0) {
				p->free = malloc(words * sizeof(uint64_t));
				p->pa = malloc(p->total * sizeof(uint64_t));
				if (p->free == NULL || p->pa == NULL) {
					fs_machine_fini(m);
					return hm_fail(ENOMEM, "fusefs: out of memory for %" PRIu32
						       " frames", p->total);
				}
				memset(p->free, 0xff, words * sizeof(uint64_t));
				if (p->total % 64 != 0)
					p->free[words - 1] = (1ULL << (p->total % 64)) - 1;
			}
			pool_layout(p, m->topo.iova, m->topo.seed, id);
			cursor = HM_ALIGN_CEIL(p->end, POOL_ALIGN);
		}
	}
	knobs_clear(m);
	rc = spec != NULL ? fs_machine_apply(m, spec) : 0;
	if (rc < 0)
		fs_machine_fini(m);
	return rc;
}

int
fs_size_index(const struct fs_machine *m, uint64_t page_sz)
{
	for (unsigned int k = 0; k < m->topo.n_sizes; k++)
		if (m->topo.sizes[k].page_sz == page_sz)
			return (int)k;
	return -1;
}

/* "NODE:SIZE:COUNT" into limits[][] of the working copy. */
static int
parse_pool(const struct fs_machine *m, char *val, uint32_t limits[][HM_MAX_NUMA_NODES])
{
	char *size = strchr(val, ':'), *count = size != NULL ? strchr(size + 1, ':') : NULL;
	uint64_t node, sz, v;
	int k, rc;

	if (count == NULL)
		return hm_fail(EINVAL, CTX ": pool='%s' is not NODE:SIZE:COUNT", val);
	*size++ = '\0';
	*count++ = '\0';
	rc = emu_parse_num(CTX, "pool node", val, 0, m->topo.n_nodes - 1, &node);
	if (rc < 0)
		return rc;
	k = emu_parse_page_size(size, &sz) == 0 ? fs_size_index(m, sz) : -1;
	if (k < 0)
		return hm_fail(EINVAL, CTX ": pool size '%s' is not a page size of this machine",
			       size);
	rc = emu_parse_num(CTX, "pool count", count, 0, UINT32_MAX - 1, &v);
	if (rc < 0)
		return rc;
	limits[k][node] = (uint32_t)v;
	return 0;
}

/* One "key=value" (or bare key) item into the working copies. */
static int
apply_item(struct fs_machine *m, struct fs_knobs *t, uint32_t limits[][HM_MAX_NUMA_NODES],
	   char *item, unsigned int *seen)
{
	enum { S_NTH = 1, S_EVERY = 2, S_RATE = 4, S_DIE = 8, S_LAT = 16, S_SIGBUS = 32,
	       S_POLICY = 64 };
	char *val = strchr(item, '=');
	unsigned int bit = 0;
	uint64_t v;
	int rc;

	if (strcmp(item, "clear") == 0) {
		memset(t, 0, sizeof(*t));
		for (unsigned int k = 0; k < HM_MAX_PAGE_SIZES; k++)
			for (unsigned int n = 0; n < HM_MAX_NUMA_NODES; n++)
				limits[k][n] = FS_NO_LIMIT;
		*seen |= 1u << 31; /* counters reset on commit */
		return 0;
	}
	if (strcmp(item, "die") == 0) {
		m->die_now = true; /* applied only if the whole spec is valid (caller) */
		*seen |= 1u << 30;
		return 0;
	}
	if (val == NULL)
		return hm_fail(EINVAL, CTX ": unknown item '%s' (valid: " VALID ")", item);
	*val++ = '\0';
	if (*val == '\0')
		return hm_fail(EINVAL, CTX ": '%s' has an empty value (valid: " VALID ")", item);
	if (strcmp(item, "nth") == 0)
		bit = S_NTH;
	else if (strcmp(item, "every") == 0)
		bit = S_EVERY;
	else if (strcmp(item, "rate") == 0)
		bit = S_RATE;
	else if (strcmp(item, "die") == 0)
		bit = S_DIE;
	else if (strcmp(item, "latency") == 0)
		bit = S_LAT;
	else if (strcmp(item, "sigbus") == 0)
		bit = S_SIGBUS;
	else if (strcmp(item, "policy") == 0)
		bit = S_POLICY;
	if (bit != 0 && (*seen & bit) != 0)
		return hm_fail(EINVAL, CTX ": '%s' given twice", item);
	*seen |= bit;
	switch (bit) {
	case S_NTH:
	case S_EVERY:
	case S_DIE:
		rc = emu_parse_num(CTX, item, val, 1, UINT64_MAX, &v);
		if (rc < 0)
			return rc;
		if (bit == S_NTH) {
			t->nth = v;
			t->nth_left = v;
		} else if (bit == S_EVERY) {
			t->every = v;
			t->every_calls = 0;
		} else {
			t->die_at = v; /* relative; made absolute on commit */
		}
		return 0;
	case S_RATE:
		rc = emu_parse_num(CTX, "rate (permille)", val, 0, 1000, &v);
		if (rc < 0)
			return rc;
		t->rate = (uint32_t)v;
		t->rng = m->topo.seed ^ 0x72617465ULL;
		return 0;
	case S_LAT:
		rc = emu_parse_num(CTX, "latency (microseconds)", val, 0, 1000000, &v);
		if (rc < 0)
			return rc;
		t->latency_us = (uint32_t)v;
		return 0;
	case S_SIGBUS:
		rc = emu_parse_num(CTX, "sigbus", val, 0, 1, &v);
		if (rc < 0)
			return rc;
		t->sigbus = v != 0;
		return 0;
	case S_POLICY:
		if (strcmp(val, "preferred") != 0 && strcmp(val, "bind") != 0)
			return hm_fail(EINVAL, CTX ": policy '%s' is not preferred or bind", val);
		t->strict = val[0] == 'b';
		return 0;
	default:
		break;
	}
	if (strcmp(item, "node") == 0) {
		rc = emu_parse_num(CTX, "node", val, 0, m->topo.n_nodes - 1, &v);
		if (rc == 0)
			t->node_mask |= 1ULL << v;
		return rc;
	}
	if (strcmp(item, "pool") == 0)
		return parse_pool(m, val, limits);
	return hm_fail(EINVAL, CTX ": unknown key '%s' (valid: " VALID ")", item);
}

int
fs_machine_apply(struct fs_machine *m, const char *spec)
{
	uint32_t limits[HM_MAX_PAGE_SIZES][HM_MAX_NUMA_NODES];
	struct fs_knobs t;
	unsigned int seen = 0;
	bool die_before;
	char *copy, *p, *item;
	int rc = 0;

	if (m == NULL || spec == NULL)
		return hm_fail(EINVAL, CTX ": NULL spec (valid: " VALID ")");
	/* a trailing newline (echo > control) is not an item */
	copy = strdup(spec);
	if (copy == NULL)
		return hm_fail(ENOMEM, CTX ": out of memory");
	for (size_t n = strlen(copy); n > 0 && (copy[n - 1] == '\n' || copy[n - 1] == '\r');)
		copy[--n] = '\0';
	if (*copy == '\0') {
		free(copy);
		return 0;
	}
	t = m->k;
	t.die_at = 0;
	for (unsigned int k = 0; k < HM_MAX_PAGE_SIZES; k++)
		for (unsigned int n = 0; n < HM_MAX_NUMA_NODES; n++)
			limits[k][n] = m->pools[k][n].limit;
	die_before = m->die_now;
	for (p = copy; p != NULL && rc == 0;) {
		item = p;
		p = strchr(p, ';');
		if (p != NULL)
			*p++ = '\0';
		if (*item == '\0')
			rc = hm_fail(EINVAL, CTX ": empty item (doubled or trailing ';'; valid: "
				     VALID ")");
		else
			rc = apply_item(m, &t, limits, item, &seen);
	}
	free(copy);
	if (rc < 0) {
		m->die_now = die_before;
		return rc;
	}
	if ((seen & (1u << 31)) != 0) {
		m->calls = 0;
		m->exhausted = 0;
		memset(m->injected, 0, sizeof(m->injected));
	}
	t.die_at = t.die_at != 0 ? m->calls + t.die_at : (seen & (1u << 31)) ? 0 : m->k.die_at;
	m->k = t;
	for (unsigned int k = 0; k < HM_MAX_PAGE_SIZES; k++)
		for (unsigned int n = 0; n < HM_MAX_NUMA_NODES; n++)
			m->pools[k][n].limit = limits[k][n];
	return 0;
}

/* Lowest free frame of @p p, marked used; false if none or limited. */
static bool
pool_take(struct fs_pool *p, uint32_t *frame)
{
	uint32_t words = (p->total + 63) / 64;

	if (p->in_use >= p->total || (p->limit != FS_NO_LIMIT && p->in_use >= p->limit))
		return false;
	for (uint32_t w = p->hint; w < words; w++) {
		if (p->free[w] != 0) {
			unsigned int b = (unsigned int)__builtin_ctzll(p->free[w]);
			p->free[w] &= ~(1ULL << b);
			p->hint = w;
			p->in_use++;
			*frame = w * 64 + b;
			return true;
		}
	}
	p->hint = words;
	return false;
}

int
fs_frame_take(struct fs_machine *m, unsigned int k, int node, int *node_out, uint32_t *frame_out,
	      const char **why)
{
	static _Thread_local char msg[160];
	int kind = -1;
	uint64_t arg = 0;
	unsigned int first = node >= 0 && (unsigned int)node < m->topo.n_nodes ? (unsigned int)node : 0;

	HM_ASSERT(k < m->topo.n_sizes);
	*why = NULL;
	m->calls++;
	if (m->k.die_at != 0 && m->calls >= m->k.die_at) {
		m->die_now = true;
		*why = "die";
		return -ENOSPC;
	}
	if (m->k.nth != 0 && --m->k.nth_left == 0) {
		kind = FS_F_NTH;
		arg = m->k.nth;
		m->k.nth = 0;
	}
	if (m->k.every != 0 && ++m->k.every_calls % m->k.every == 0 && kind < 0) {
		kind = FS_F_EVERY;
		arg = m->k.every;
	}
	if (node >= 0 && node < 64 && (m->k.node_mask & (1ULL << node)) != 0 && kind < 0) {
		kind = FS_F_NODE;
		arg = (uint64_t)node;
	}
	if (m->k.rate != 0 && rng_next(&m->k.rng) % 1000 < m->k.rate && kind < 0) {
		kind = FS_F_RATE;
		arg = m->k.rate;
	}
	if (kind >= 0) {
		m->injected[kind]++;
		snprintf(msg, sizeof(msg), "injected fault (%s=%" PRIu64 ") on allocation %" PRIu64,
			 kind_names[kind], arg, m->calls);
		*why = msg;
		goto refused;
	}
	for (unsigned int i = 0; i < m->topo.n_nodes; i++) {
		unsigned int n = (first + i) % m->topo.n_nodes;
		if (i > 0 && m->k.strict)
			break;
		if (pool_take(&m->pools[k][n], frame_out)) {
			*node_out = (int)n;
			return 0;
		}
	}
	m->exhausted++;
	snprintf(msg, sizeof(msg), "no free page in the pool%s (allocation %" PRIu64 ")",
		 m->k.strict || m->topo.n_nodes == 1 ? "" : "s of every node", m->calls);
	*why = msg;
refused:
	m->refusals++;
	{
		char szs[16];
		snprintf(m->refusal, sizeof(m->refusal), "%s; a %s page for node %d", msg,
			 hm_size_str(m->pools[k][0].page_sz, szs, sizeof(szs)), node);
	}
	return -ENOSPC;
}

void
fs_frame_put(struct fs_machine *m, unsigned int k, unsigned int node, uint32_t frame)
{
	struct fs_pool *p = &m->pools[k][node];

	HM_VERIFY(k < m->topo.n_sizes && node < m->topo.n_nodes && frame < p->total);
	HM_VERIFY(((p->free[frame / 64] >> (frame % 64)) & 1) == 0 && "frame freed twice");
	p->free[frame / 64] |= 1ULL << (frame % 64);
	if (frame / 64 < p->hint)
		p->hint = frame / 64;
	p->in_use--;
}

void
fs_pool_counts(const struct fs_machine *m, unsigned int k, unsigned int node, uint64_t *nr,
	       uint64_t *free_pages, uint64_t *surplus)
{
	const struct fs_pool *p = &m->pools[k][node];
	uint64_t cap = p->limit != FS_NO_LIMIT && p->limit < p->total ? p->limit : p->total;

	*nr = cap > p->in_use ? cap : p->in_use;
	*free_pages = cap > p->in_use ? cap - p->in_use : 0;
	*surplus = p->in_use > cap ? p->in_use - cap : 0;
}

/* snprintf at *o; *o stops at len - 1 on truncation. */
static void HM_PRINTF(4, 5)
put(char *buf, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*o + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *o, len - *o, fmt, ap);
	va_end(ap);
	if (n > 0)
		*o = *o + (size_t)n < len ? *o + (size_t)n : len - 1;
}

size_t
fs_machine_status(const struct fs_machine *m, char *buf, size_t len)
{
	char topo[HM_EMU_TOPOLOGY_STR_MAX], szs[16];
	size_t o = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	if (hm_emu_topology_format(&m->topo, topo, sizeof(topo)) < 0)
		snprintf(topo, sizeof(topo), "?");
	put(buf, len, &o, "topology: %s\n", topo);
	for (unsigned int k = 0; k < m->topo.n_sizes; k++)
		for (unsigned int n = 0; n < m->topo.n_nodes; n++) {
			const struct fs_pool *p = &m->pools[k][n];
			uint64_t nr, fr, su;
			fs_pool_counts(m, k, n, &nr, &fr, &su);
			put(buf, len, &o, "pool %s node %u: total %" PRIu32 " in_use %" PRIu32
			    " free %" PRIu64 " surplus %" PRIu64, hm_size_str(p->page_sz, szs,
			    sizeof(szs)), n, p->total, p->in_use, fr, su);
			if (p->limit != FS_NO_LIMIT)
				put(buf, len, &o, " limit %" PRIu32, p->limit);
			put(buf, len, &o, " pa 0x%" PRIx64 "..0x%" PRIx64 "\n", p->base, p->end);
		}
	put(buf, len, &o, "mode: sigbus=%d policy=%s latency=%" PRIu32 "\n", m->k.sigbus,
	    m->k.strict ? "bind" : "preferred", m->k.latency_us);
	put(buf, len, &o, "faults:");
	if (m->k.nth != 0)
		put(buf, len, &o, " nth=%" PRIu64 " (fires in %" PRIu64 ")", m->k.nth, m->k.nth_left);
	if (m->k.every != 0)
		put(buf, len, &o, " every=%" PRIu64, m->k.every);
	for (unsigned int n = 0; n < m->topo.n_nodes; n++)
		if ((m->k.node_mask >> n) & 1)
			put(buf, len, &o, " node=%u", n);
	if (m->k.rate != 0)
		put(buf, len, &o, " rate=%" PRIu32, m->k.rate);
	if (m->k.die_at != 0)
		put(buf, len, &o, " die at allocation %" PRIu64, m->k.die_at);
	put(buf, len, &o, "\nallocations %" PRIu64 ", exhausted %" PRIu64 ", injected", m->calls,
	    m->exhausted);
	for (int i = 0; i < FS_F_KINDS; i++)
		put(buf, len, &o, " %s %" PRIu64, kind_names[i], m->injected[i]);
	put(buf, len, &o, "\n");
	if (m->refusals > 0)
		put(buf, len, &o, "refused: %" PRIu64 " %s\n", m->refusals, m->refusal);
	return o;
}

int
fs_machine_check(const struct fs_machine *m, const char **reason)
{
	static _Thread_local char msg[160];
	uint64_t prev_end = 0;

	for (unsigned int k = 0; k < m->topo.n_sizes; k++)
		for (unsigned int n = 0; n < m->topo.n_nodes; n++) {
			const struct fs_pool *p = &m->pools[k][n];
			uint32_t used = 0;
			if (p->base < prev_end) {
				snprintf(msg, sizeof(msg), "pool %u/%u overlaps the previous one", k, n);
				goto bad;
			}
			prev_end = p->end;
			for (uint32_t i = 0; i < p->total; i++) {
				bool is_free = (p->free[i / 64] >> (i % 64)) & 1;
				if (is_free && i / 64 < p->hint) {
					snprintf(msg, sizeof(msg), "pool %u/%u: free frame %" PRIu32
						 " below the hint", k, n, i);
					goto bad;
				}
				if (p->pa[i] < p->base || p->pa[i] >= p->end ||
				    p->pa[i] % p->page_sz != 0) {
					snprintf(msg, sizeof(msg), "pool %u/%u: frame %" PRIu32
						 " PA 0x%" PRIx64 " outside the pool", k, n, i, p->pa[i]);
					goto bad;
				}
				used += !is_free;
			}
			if (p->total % 64 != 0 && (p->free[p->total / 64] >> (p->total % 64)) != 0) {
				snprintf(msg, sizeof(msg), "pool %u/%u: free bits past the end", k, n);
				goto bad;
			}
			if (used != p->in_use) {
				snprintf(msg, sizeof(msg), "pool %u/%u: in_use %" PRIu32 " but %" PRIu32
					 " frames taken", k, n, p->in_use, used);
				goto bad;
			}
		}
	return 0;
bad:
	if (reason != NULL)
		*reason = msg;
	return -EFAULT;
}
