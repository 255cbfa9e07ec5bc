/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu backend: hugepages emulated with ordinary shared memory.
 *
 * A page is a tmpfs file of page_sz bytes (`<pagedir>/<prefix>map_<KiB>k_<node>_<frame>`)
 * that page_map maps MAP_SHARED|MAP_FIXED over the core's PROT_NONE reservation and
 * closes, so nothing but the mapping (and the file, for other processes) keeps the
 * page alive; or, in in-memory mode (nothing to share), private anonymous memory
 * mapped there. Nothing is prefaulted: an emulated page costs memory only where it
 * is touched. Every page is madvised MADV_HUGEPAGE, so that where the kernel's
 * policy allows (backing.c) a first touch faults a 2M transparent huge page rather
 * than 512 base pages (anonymous THP is on by default on most distributions; shmem
 * THP, for page files, mostly is not).
 *
 * Physical addresses are synthetic. Every (page size, node) pool owns `total`
 * frames with precomputed PAs inside its own range [base, end); pool k (sizes
 * largest first, then nodes) starts at the first multiple of 2^44 past the end of
 * pool k-1, which is (k+1) << 44 for any pool smaller than 16 TiB. page_map takes
 * the lowest-index free frame, so the IOVA sequence is deterministic for a given
 * topology (layout and seed) and sequence of calls.
 *
 * Invariants (pool_check(), asserted at HM_DEBUG >= 3 after every change):
 *   pool->in_use == number of clear bits in pool->free[] below pool->total
 *   pool->va[i] != NULL  <=>  bit i of pool->free[] is clear (frame i mapped here)
 *   no free bit is set at or above pool->total; no free bit below word pool->hint
 *   pool->base <= pool->pa[i] < pool->end, pool->pa[i] % page_sz == 0, all distinct
 *   pool k's [base, end) lies below pool k+1's base (pools are disjoint)
 *   file mode, primary: a page file exists for frame i  <=>  pool->va[i] != NULL
 *
 * Processes: the primary cleans leftover page files at create and owns every frame
 * it maps; a secondary (params->secondary) attaches the primary's pages by handle
 * and never deletes a file it did not create. Frame accounting is per process, as
 * in DPDK where secondaries ask the primary to allocate: only the primary maps.
 *
 * virt2iova and node_of are not provided: the core keeps every page's IOVA and
 * node in its memseg tables, and a VA-indexed lookup here would only duplicate them.
 *
 * The fault-injection section below is backend-neutral (it knows pools only as
 * (size index, node) pairs described by a struct hm_probe), so other backends can
 * reuse it unchanged.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "emu_i.h"
#include "hugemem/emu.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define POOL_ALIGN (1ULL << 44) /* pool bases are multiples of this */

/* splitmix64: tiny, seedable with any value (including 0), good enough here. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ======================= fault injection (backend-neutral) ======================= */

enum fault_kind { FAULT_NTH, FAULT_EVERY, FAULT_NODE, FAULT_POOL, FAULT_RATE, FAULT_KINDS };

static const char *const fault_names[FAULT_KINDS] = { "nth", "every", "node", "pool", "rate" };

#define FAULT_CTX "emu: fault spec"
#define FAULT_VALID "nth=N, every=N, node=N, pool=NODE:SIZE:COUNT, rate=PERMILLE, clear"
#define NO_LIMIT UINT32_MAX

/* Fault settings and counters of one backend instance (lives in its priv). */
struct fault {
	uint64_t seed;            /* from the topology; restarts the rate PRNG */
	uint64_t nth;             /* N of the pending nth= fault; 0 = none */
	uint64_t nth_left;        /* calls until it fires (1 = the next call); valid if nth */
	uint64_t every;           /* every= period; 0 = off */
	uint64_t every_calls;     /* calls since every= was set; valid if every */
	uint64_t node_mask;       /* bit n: every map on node n fails */
	uint32_t rate;            /* permille, 0 = off */
	uint64_t rng;             /* rate PRNG state; valid if rate */
	uint32_t limit[HM_MAX_PAGE_SIZES][HM_MAX_NUMA_NODES]; /* frames; NO_LIMIT = none */
	uint64_t calls;           /* page_map calls checked since create or clear */
	uint64_t injected[FAULT_KINDS]; /* failures injected, by kind */
};

_Static_assert(HM_MAX_NUMA_NODES <= 64, "node_mask is 64 bits");

static void
fault_clear(struct fault *f, uint64_t seed)
{
	memset(f, 0, sizeof(*f));
	f->seed = seed;
	for (unsigned int k = 0; k < HM_MAX_PAGE_SIZES; k++)
		for (unsigned int n = 0; n < HM_MAX_NUMA_NODES; n++)
			f->limit[k][n] = NO_LIMIT;
}

static int
shape_size_index(const struct hm_probe *shape, uint64_t page_sz)
{
	for (unsigned int k = 0; k < shape->n_sizes; k++)
		if (shape->sizes[k].page_sz == page_sz)
			return (int)k;
	return -1;
}

/* "pool=NODE:SIZE:COUNT" into f->limit. */
static int
fault_parse_pool(struct fault *f, char *val, const struct hm_probe *shape)
{
	char *size = strchr(val, ':'), *count = size != NULL ? strchr(size + 1, ':') : NULL;
	uint64_t node, sz, v;
	int k, rc;

	if (count == NULL)
		return hm_fail(EINVAL, FAULT_CTX ": pool='%s' is not NODE:SIZE:COUNT", val);
	*size++ = '\0';
	*count++ = '\0';
	rc = emu_parse_num(FAULT_CTX, "pool node", val, 0, shape->n_nodes - 1, &node);
	if (rc < 0)
		return rc;
	k = emu_parse_page_size(size, &sz) == 0 ? shape_size_index(shape, sz) : -1;
	if (k < 0)
		return hm_fail(EINVAL, FAULT_CTX ": pool size '%s' is not a page size of this "
			       "backend", size);
	rc = emu_parse_num(FAULT_CTX, "pool count", count, 0, UINT32_MAX - 1, &v);
	if (rc < 0)
		return rc;
	f->limit[k][node] = (uint32_t)v;
	return 0;
}

/*
 * Apply @p spec on top of @p f, for a backend whose nodes and sizes @p shape
 * describes. All or nothing: on error @p f is unchanged.
 * @return 0 or -EINVAL naming the bad item.
 */
static int
fault_apply(struct fault *f, const char *spec, const struct hm_probe *shape)
{
	struct fault t = *f;
	bool seen_nth = false, seen_every = false, seen_rate = false;
	char *copy, *p, *item, *val;
	uint64_t v;
	int rc = 0;

	if (spec == NULL)
		return hm_fail(EINVAL, FAULT_CTX ": NULL spec (valid: " FAULT_VALID ")");
	if (*spec == '\0')
		return 0;
	copy = strdup(spec);
	if (copy == NULL)
		return hm_fail(ENOMEM, FAULT_CTX ": out of memory");
	for (p = copy; p != NULL && rc == 0;) {
		item = p;
		p = strchr(p, ';');
		if (p != NULL)
			*p++ = '\0';
		if (*item == '\0') {
			rc = hm_fail(EINVAL, FAULT_CTX ": empty item (doubled or trailing ';'; "
				     "valid: " FAULT_VALID ")");
			break;
		}
		if (strcmp(item, "clear") == 0) {
			fault_clear(&t, t.seed);
			continue;
		}
		val = strchr(item, '=');
		if (val == NULL) {
			rc = hm_fail(EINVAL, FAULT_CTX ": unknown item '%s' (valid: " FAULT_VALID ")",
				     item);
			break;
		}
		*val++ = '\0';
		if (*val == '\0') {
			rc = hm_fail(EINVAL, FAULT_CTX ": '%s' has an empty value (valid: "
				     FAULT_VALID ")", item);
		} else if (strcmp(item, "nth") == 0 || strcmp(item, "every") == 0) {
			bool nth = item[0] == 'n';
			bool *seen = nth ? &seen_nth : &seen_every;
			if (*seen) {
				rc = hm_fail(EINVAL, FAULT_CTX ": '%s' given twice", item);
				break;
			}
			*seen = true;
			rc = emu_parse_num(FAULT_CTX, item, val, 1, UINT64_MAX, &v);
			if (rc == 0 && nth) {
				t.nth = v;
				t.nth_left = v;
			} else if (rc == 0) {
				t.every = v;
				t.every_calls = 0;
			}
		} else if (strcmp(item, "node") == 0) {
			rc = emu_parse_num(FAULT_CTX, "node", val, 0, shape->n_nodes - 1, &v);
			if (rc == 0)
				t.node_mask |= 1ULL << v;
		} else if (strcmp(item, "pool") == 0) {
			rc = fault_parse_pool(&t, val, shape);
		} else if (strcmp(item, "rate") == 0) {
			if (seen_rate) {
				rc = hm_fail(EINVAL, FAULT_CTX ": 'rate' given twice");
				break;
			}
			seen_rate = true;
			rc = emu_parse_num(FAULT_CTX, "rate (permille)", val, 0, 1000, &v);
			if (rc == 0) {
				t.rate = (uint32_t)v;
				t.rng = t.seed ^ 0x72617465ULL; /* "rate" */
			}
		} else {
			rc = hm_fail(EINVAL, FAULT_CTX ": unknown key '%s' (valid: " FAULT_VALID ")",
				     item);
		}
	}
	free(copy);
	if (rc == 0)
		*f = t;
	return rc;
}

/*
 * Account one page_map call of a @p page_sz page on @p node and decide whether it
 * fails. Every armed fault advances on every call, whichever one fires.
 * @return 0, or -ENOMEM with "emu: injected fault (<kind>=N) ...".
 */
static int
fault_on_map(struct fault *f, unsigned int node, uint64_t page_sz)
{
	int kind = -1;
	uint64_t arg = 0;
	char szs[16];

	f->calls++;
	if (f->nth != 0 && --f->nth_left == 0) {
		kind = FAULT_NTH;
		arg = f->nth;
		f->nth = 0;
	}
	if (f->every != 0 && ++f->every_calls % f->every == 0 && kind < 0) {
		kind = FAULT_EVERY;
		arg = f->every;
	}
	if ((f->node_mask & (1ULL << node)) != 0 && kind < 0) {
		kind = FAULT_NODE;
		arg = node;
	}
	if (f->rate != 0 && rng_next(&f->rng) % 1000 < f->rate && kind < 0) {
		kind = FAULT_RATE;
		arg = f->rate;
	}
	if (kind < 0)
		return 0;
	f->injected[kind]++;
	return hm_fail(ENOMEM, "emu: injected fault (%s=%" PRIu64 ") on page_map call %" PRIu64
		       " of a %s page on node %u", fault_names[kind], arg, f->calls,
		       hm_size_str(page_sz, szs, sizeof(szs)), node);
}

/* Frames pool (k, node) may have in use, given its @p total. */
static uint32_t
fault_limit(const struct fault *f, unsigned int k, unsigned int node, uint32_t total)
{
	return f->limit[k][node] < total ? f->limit[k][node] : total;
}

static void
fault_dump(const struct fault *f, FILE *out, const struct hm_probe *shape)
{
	char szs[16];

	fprintf(out, "  faults:");
	if (f->nth != 0)
		fprintf(out, " nth=%" PRIu64 " (fires in %" PRIu64 " calls)", f->nth, f->nth_left);
	if (f->every != 0)
		fprintf(out, " every=%" PRIu64, f->every);
	for (unsigned int n = 0; n < shape->n_nodes; n++)
		if ((f->node_mask & (1ULL << n)) != 0)
			fprintf(out, " node=%u", n);
	for (unsigned int k = 0; k < shape->n_sizes; k++)
		for (unsigned int n = 0; n < shape->n_nodes; n++)
			if (f->limit[k][n] != NO_LIMIT)
				fprintf(out, " pool=%u:%s:%" PRIu32, n,
					hm_size_str(shape->sizes[k].page_sz, szs, sizeof(szs)),
					f->limit[k][n]);
	if (f->rate != 0)
		fprintf(out, " rate=%" PRIu32, f->rate);
	fprintf(out, "\n  page_map calls %" PRIu64 ", injected failures", f->calls);
	for (int i = 0; i < FAULT_KINDS; i++)
		fprintf(out, " %s %" PRIu64, fault_names[i], f->injected[i]);
	fprintf(out, "\n");
}

/* ================================ frame pools ================================ */

struct pool {
	uint64_t page_sz;   /* bytes */
	uint32_t total;     /* frames, from the topology */
	uint32_t in_use;    /* frames mapped by this process */
	uint32_t hint;      /* no free bit below word hint */
	uint64_t base, end; /* PA range holding every frame; [base, end) */
	uint64_t *free;     /* bit i set: frame i free; NULL if total == 0 */
	uint64_t *pa;       /* PA of frame i */
	void **va;          /* VA of frame i while mapped here, else NULL */
};

struct emu {
	struct hm_emu_topology topo;
	struct pool pools[HM_MAX_PAGE_SIZES][HM_MAX_NUMA_NODES];
	struct fault fault;
	bool in_memory;           /* anonymous pages, no page dir */
	bool secondary;           /* never delete files this process did not create */
	const char *prefix;       /* page file prefix; params outlive the instance */
	char pagedir[PATH_MAX];   /* "" in in-memory mode */
};

/* Fill pool->pa per the layout, seeded per pool. pool->base is set. */
static void
pool_layout(struct pool *pool, enum hm_emu_iova_layout layout, uint64_t seed, unsigned int id)
{
	uint64_t rng = seed ^ ((uint64_t)(id + 1) << 32), P = pool->page_sz, off = 0;
	uint32_t n = pool->total;

	switch (layout) {
	case HM_EMU_IOVA_CONTIG:
		for (uint32_t i = 0; i < n; i++)
			pool->pa[i] = (uint64_t)i;
		off = n;
		break;
	case HM_EMU_IOVA_SHUFFLED:
		for (uint32_t i = 0; i < n; i++)
			pool->pa[i] = (uint64_t)i;
		for (uint32_t i = n; i > 1; i--) { /* Fisher-Yates */
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
			off += 1 + rng_next(&rng) % 3; /* gap */
		}
		break;
	}
	for (uint32_t i = 0; i < n; i++)
		pool->pa[i] = pool->base + pool->pa[i] * P;
	pool->end = pool->base + (off > 0 ? off : 1) * P;
}

static int
pools_create(struct emu *e)
{
	const struct hm_emu_topology *t = &e->topo;
	uint64_t cursor = POOL_ALIGN;
	unsigned int id = 0;

	for (unsigned int k = 0; k < t->n_sizes; k++) {
		for (unsigned int n = 0; n < t->n_nodes; n++, id++) {
			struct pool *pool = &e->pools[k][n];
			uint32_t words = (t->sizes[k].pages[n] + 63) / 64;

			pool->page_sz = t->sizes[k].page_sz;
			pool->total = t->sizes[k].pages[n];
			pool->base = cursor;
			if (pool->total > 0) {
				pool->free = malloc(words * sizeof(uint64_t));
				pool->pa = malloc(pool->total * sizeof(uint64_t));
				pool->va = calloc(pool->total, sizeof(void *));
				if (pool->free == NULL || pool->pa == NULL || pool->va == NULL)
					return hm_fail(ENOMEM, "emu: out of memory for %" PRIu32
						       " frames", pool->total);
				memset(pool->free, 0xff, words * sizeof(uint64_t));
				if (pool->total % 64 != 0)
					pool->free[words - 1] = (1ULL << (pool->total % 64)) - 1;
			}
			pool_layout(pool, t->iova, t->seed, id);
			/* Worst case (16G pages, 2^20 frames, gaps) stays far below 2^64. */
			HM_ASSERT(pool->end > pool->base && pool->end < UINT64_MAX - POOL_ALIGN);
			cursor = HM_ALIGN_CEIL(pool->end, POOL_ALIGN);
		}
	}
	return 0;
}

static void
pools_free(struct emu *e)
{
	for (unsigned int k = 0; k < HM_MAX_PAGE_SIZES; k++) {
		for (unsigned int n = 0; n < HM_MAX_NUMA_NODES; n++) {
			free(e->pools[k][n].free);
			free(e->pools[k][n].pa);
			free(e->pools[k][n].va);
		}
	}
}

/* The pool invariants of the file comment; true when they hold. O(total). */
static bool __attribute__((unused))
pool_check(const struct pool *pool)
{
	uint32_t used = 0;

	for (uint32_t i = 0; i < pool->total; i++) {
		bool is_free = (pool->free[i / 64] >> (i % 64)) & 1;
		if (is_free != (pool->va[i] == NULL))
			return false;
		if (is_free && i / 64 < pool->hint)
			return false;
		if (pool->pa[i] < pool->base || pool->pa[i] >= pool->end ||
		    pool->pa[i] % pool->page_sz != 0)
			return false;
		used += !is_free;
	}
	if (pool->total % 64 != 0 && (pool->free[pool->total / 64] >> (pool->total % 64)) != 0)
		return false;
	return used == pool->in_use;
}

/* Lowest-index free frame, marked used; -1 if none. */
static int64_t
pool_take(struct pool *pool)
{
	uint32_t words = (pool->total + 63) / 64;

	for (uint32_t w = pool->hint; w < words; w++) {
		if (pool->free[w] != 0) {
			unsigned int b = (unsigned int)__builtin_ctzll(pool->free[w]);
			pool->free[w] &= ~(1ULL << b);
			pool->hint = w;
			pool->in_use++;
			return (int64_t)w * 64 + b;
		}
	}
	pool->hint = words;
	return -1;
}

static void
pool_put(struct pool *pool, uint32_t frame)
{
	HM_ASSERT(frame < pool->total && pool->in_use > 0);
	HM_ASSERT(((pool->free[frame / 64] >> (frame % 64)) & 1) == 0 && "double free");
	pool->free[frame / 64] |= 1ULL << (frame % 64);
	pool->va[frame] = NULL;
	pool->in_use--;
	if (frame / 64 < pool->hint)
		pool->hint = frame / 64;
}

/* The shape of the machine for the fault parser: sizes, nodes, frames per pool. */
static void
emu_shape(const struct emu *e, struct hm_probe *out, bool limited)
{
	const struct hm_emu_topology *t = &e->topo;

	memset(out, 0, sizeof(*out));
	out->n_nodes = t->n_nodes;
	out->n_sizes = t->n_sizes;
	for (unsigned int k = 0; k < t->n_sizes; k++) {
		out->sizes[k].page_sz = t->sizes[k].page_sz;
		for (unsigned int n = 0; n < t->n_nodes; n++) {
			uint32_t total = e->pools[k][n].total;
			out->sizes[k].num_pages[n] = limited ? fault_limit(&e->fault, k, n, total) : total;
		}
	}
	out->n_lcores = t->n_lcores;
	memcpy(out->lcore_node, t->lcore_node, sizeof(out->lcore_node));
	out->has_pa = true;
}

/* ================================ page handles ================================ */

/* handle = "EM" << 48 | size index << 40 | node << 32 | frame; 0 is never valid. */
#define HANDLE_MAGIC 0x454dULL
_Static_assert(HM_MAX_PAGE_SIZES <= 256 && HM_MAX_NUMA_NODES <= 256, "handle fields are 8 bits");
_Static_assert(HM_EMU_MAX_PAGES <= UINT32_MAX, "frame field is 32 bits");

static uint64_t
handle_make(unsigned int k, unsigned int node, uint32_t frame)
{
	return HANDLE_MAGIC << 48 | (uint64_t)k << 40 | (uint64_t)node << 32 | frame;
}

/* Decode and check @p h against this instance and @p page_sz; NULL if foreign. */
static struct pool *
handle_pool(struct emu *e, uint64_t h, uint64_t page_sz, unsigned int *k, unsigned int *node,
	    uint32_t *frame)
{
	struct pool *pool;

	*k = (unsigned int)(h >> 40) & 0xff;
	*node = (unsigned int)(h >> 32) & 0xff;
	*frame = (uint32_t)h;
	if ((h >> 48) != HANDLE_MAGIC || *k >= e->topo.n_sizes || *node >= e->topo.n_nodes)
		return NULL;
	pool = &e->pools[*k][*node];
	if (pool->page_sz != page_sz || *frame >= pool->total)
		return NULL;
	return pool;
}

static int
page_path(const struct emu *e, const struct pool *pool, unsigned int node, uint32_t frame,
	  char *buf, size_t len)
{
	int rc = hm_snprintf(buf, len, "%s/%smap_%" PRIu64 "k_%u_%" PRIu32, e->pagedir, e->prefix,
			     pool->page_sz >> 10, node, frame);
	if (rc < 0)
		return hm_fail(ENAMETOOLONG, "emu: page file name in %s is too long", e->pagedir);
	return 0;
}

/* A fresh page file of pool->page_sz zero bytes for frame (file mode). */
static int
page_create(const struct emu *e, const struct pool *pool, unsigned int node, uint32_t frame,
	    char *path, size_t len)
{
	int fd, err, rc;

	path[0] = '\0';
	rc = page_path(e, pool, node, frame, path, len);
	if (rc < 0)
		return rc;
	fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && !e->secondary) {
		/* A leftover of a dead primary (or of a crash between map and unlink). */
		HM_LOG(DEBUG, "emu: removing leftover page file %s", path);
		if (unlink(path) != 0 && errno != ENOENT) {
			err = errno;
			rc = hm_fail(EEXIST, "emu: leftover page file %s cannot be removed: %s",
				     path, strerror(err));
			path[0] = '\0'; /* not ours: do not unlink it on the way out */
			return rc;
		}
		fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		err = errno;
		rc = hm_fail(err, "emu: cannot create page file %s: %s", path, strerror(err));
		path[0] = '\0';
		return rc;
	}
	if (ftruncate(fd, (off_t)pool->page_sz) != 0) {
		err = errno;
		close(fd);
		return hm_fail(err, "emu: cannot size a %" PRIu64 "-byte page: %s", pool->page_sz,
			       strerror(err));
	}
	return fd;
}

/* ================================== the ops ================================== */

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Choose, create and (primary) clean the page directory. */
static int
pagedir_setup(struct emu *e, const struct hm_backend_params *params)
{
	const char *rd = params->runtime_dir;
	size_t plen = strlen(e->prefix);
	struct statfs sfs;
	struct stat st;
	struct dirent *de;
	DIR *d;
	int err, rc;

	if (rd == NULL)
		return hm_fail(EINVAL, "emu: runtime_dir is required unless in_memory is set");
	if (statfs(rd, &sfs) != 0) {
		err = errno;
		return hm_fail(err, "emu: cannot statfs runtime dir %s: %s", rd, strerror(err));
	}
	if (sfs.f_type == TMPFS_MAGIC)
		rc = hm_snprintf(e->pagedir, sizeof(e->pagedir), "%s/pages", rd);
	else
		rc = hm_snprintf(e->pagedir, sizeof(e->pagedir), "/dev/shm/hugemem-%016" PRIx64,
				 fnv1a(rd));
	if (rc < 0)
		return hm_fail(ENAMETOOLONG, "emu: runtime dir path %s is too long", rd);
	if (mkdir(e->pagedir, 0700) != 0 && errno != EEXIST) {
		err = errno;
		return hm_fail(err, "emu: cannot create page directory %s: %s (runtime dir %s is "
			       "not on tmpfs; without /dev/shm use in-memory mode)", e->pagedir,
			       strerror(err), rd);
	}
	if (lstat(e->pagedir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return hm_fail(EACCES, "emu: page directory %s is not a directory owned by uid %u",
			       e->pagedir, (unsigned int)geteuid());
	if (params->secondary)
		return 0;
	d = opendir(e->pagedir);
	if (d == NULL) {
		err = errno;
		return hm_fail(err, "emu: cannot open page directory %s: %s", e->pagedir,
			       strerror(err));
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, e->prefix, plen) != 0 ||
		    strncmp(de->d_name + plen, "map_", 4) != 0)
			continue;
		HM_LOG(DEBUG, "emu: removing leftover page file %s/%s", e->pagedir, de->d_name);
		if (unlinkat(dirfd(d), de->d_name, 0) != 0 && errno != ENOENT)
			HM_LOG(WARNING, "emu: cannot remove leftover page file %s/%s: %s",
			       e->pagedir, de->d_name, strerror(errno));
	}
	closedir(d);
	return 0;
}

static void emu_destroy(struct hm_backend *be);

static int
emu_create(struct hm_backend *be, const struct hm_backend_params *params)
{
	struct hm_backend tmp;
	struct hm_probe shape;
	struct emu *e;
	int rc;

	if (be == NULL || params == NULL)
		return hm_fail(EINVAL, "emu: create needs a backend and parameters");
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return hm_fail(ENOMEM, "emu: out of memory");
	tmp.ops = be->ops;
	tmp.priv = e;
	e->in_memory = params->in_memory;
	e->secondary = params->secondary;
	e->prefix = params->prefix != NULL ? params->prefix : "";
	rc = hm_emu_topology_parse(params->topology, &e->topo);
	if (rc == 0)
		rc = pools_create(e);
	fault_clear(&e->fault, e->topo.seed);
	if (rc == 0 && params->fault != NULL) {
		emu_shape(e, &shape, false);
		rc = fault_apply(&e->fault, params->fault, &shape);
	}
	if (rc == 0 && !e->in_memory)
		rc = pagedir_setup(e, params);
	if (rc < 0) {
		e->pagedir[0] = '\0'; /* nothing mapped: leave the directory alone */
		emu_destroy(&tmp);
		return rc;
	}
	be->priv = e;
	return 0;
}

static void
emu_destroy(struct hm_backend *be)
{
	struct emu *e;
	char path[PATH_MAX];

	if (be == NULL || be->priv == NULL)
		return;
	e = be->priv;
	for (unsigned int k = 0; k < e->topo.n_sizes; k++) {
		for (unsigned int n = 0; n < e->topo.n_nodes; n++) {
			struct pool *pool = &e->pools[k][n];
			for (uint32_t i = 0; pool->in_use > 0 && i < pool->total; i++) {
				if (pool->va[i] == NULL)
					continue;
				if (hm_va_rereserve(pool->va[i], pool->page_sz) < 0)
					HM_LOG(ERR, "%s", hm_last_error());
				if (!e->in_memory && page_path(e, pool, n, i, path, sizeof(path)) == 0)
					unlink(path);
				pool_put(pool, i);
			}
		}
	}
	if (e->pagedir[0] != '\0' && !e->secondary)
		rmdir(e->pagedir); /* fails harmlessly if another prefix still has files */
	pools_free(e);
	free(e);
	be->priv = NULL;
}

static int
emu_probe(struct hm_backend *be, struct hm_probe *out)
{
	if (be == NULL || be->priv == NULL || out == NULL)
		return hm_fail(EINVAL, "emu: probe needs a backend and an output");
	emu_shape(be->priv, out, true);
	return 0;
}

/*
 * Argument checks of page_map (@p want_node) and page_attach (the node comes from
 * the handle): size index in *k and the pool, or NULL and a message.
 */
static struct pool *
map_args(struct hm_backend *be, const struct hm_page *pg, const char *op, bool want_node,
	 unsigned int *k)
{
	struct emu *e;
	char szs[16], valid[64];
	size_t off = 0;

	if (be == NULL || be->priv == NULL || pg == NULL)
		return hm_fail_ptr(EINVAL, "emu: %s needs a backend and a page", op);
	e = be->priv;
	for (*k = 0; *k < e->topo.n_sizes; (*k)++)
		if (e->topo.sizes[*k].page_sz == pg->page_sz)
			break;
	if (*k == e->topo.n_sizes) {
		valid[0] = '\0';
		for (unsigned int i = 0; i < e->topo.n_sizes; i++) {
			snprintf(valid + off, sizeof(valid) - off, "%s%s", i > 0 ? ", " : "",
				 hm_size_str(e->topo.sizes[i].page_sz, szs, sizeof(szs)));
			off = strlen(valid);
		}
		return hm_fail_ptr(EINVAL, "emu: %s: page size %" PRIu64 " is not in the topology "
				   "(valid: %s)", op, pg->page_sz, valid);
	}
	if (want_node && (pg->node < 0 || (unsigned int)pg->node >= e->topo.n_nodes))
		return hm_fail_ptr(EINVAL, "emu: %s: node %d does not exist (valid: 0..%u)", op,
				   pg->node, e->topo.n_nodes - 1);
	if (pg->va == NULL || ((uintptr_t)pg->va & (pg->page_sz - 1)) != 0)
		return hm_fail_ptr(EINVAL, "emu: %s: va %p is not aligned to the page size %s", op,
				   pg->va, hm_size_str(pg->page_sz, szs, sizeof(szs)));
	return &e->pools[*k][want_node ? pg->node : 0];
}

static int
emu_page_map(struct hm_backend *be, struct hm_page *pg)
{
	struct emu *e;
	struct pool *pool;
	char path[PATH_MAX], szs[16];
	unsigned int k = 0, node;
	uint32_t frame, limit;
	int64_t f;
	void *p;
	int fd, err, rc;

	pool = map_args(be, pg, "page_map", true, &k);
	if (pool == NULL)
		return -hm_errno;
	e = be->priv;
	node = (unsigned int)pg->node;
	rc = fault_on_map(&e->fault, node, pg->page_sz);
	if (rc < 0)
		return rc;
	limit = fault_limit(&e->fault, k, node, pool->total);
	if (pool->in_use >= limit) {
		hm_size_str(pg->page_sz, szs, sizeof(szs));
		if (pool->in_use < pool->total) {
			e->fault.injected[FAULT_POOL]++;
			return hm_fail(ENOMEM, "emu: injected fault (pool=%u:%s:%" PRIu32 "): no "
				       "free %s page on node %u (%" PRIu32 " of %" PRIu32 " in use)",
				       node, szs, limit, szs, node, pool->in_use, pool->total);
		}
		return hm_fail(ENOMEM, "emu: no free %s page on node %u (all %" PRIu32 " in use)",
			       szs, node, pool->total);
	}
	f = pool_take(pool);
	HM_ASSERT(f >= 0);
	frame = (uint32_t)f;
	if (e->in_memory) {
		path[0] = '\0';
		p = mmap(pg->va, pool->page_sz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		err = errno;
	} else {
		fd = page_create(e, pool, node, frame, path, sizeof(path));
		if (fd < 0) {
			rc = fd;
			goto fail;
		}
		p = mmap(pg->va, pool->page_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fd, 0);
		err = errno;
		close(fd);
	}
	if (p == MAP_FAILED) {
		hm_va_rereserve(pg->va, pool->page_sz); /* MAP_FIXED may have dropped it */
		rc = hm_fail(err, "emu: cannot map a %s page at %p: %s",
			     hm_size_str(pg->page_sz, szs, sizeof(szs)), pg->va, strerror(err));
		goto fail;
	}
	HM_ASSERT(p == pg->va);
	/* A request, not a requirement: without THP the page is base pages (backing.c). */
	(void)madvise(pg->va, pool->page_sz, MADV_HUGEPAGE);
	pool->va[frame] = pg->va;
	pg->handle = handle_make(k, node, frame);
	pg->iova = pool->pa[frame];
	pg->dirty = false;
	HM_ASSERT_EXPENSIVE(pool_check(pool));
	return 0;
fail:
	if (path[0] != '\0')
		unlink(path);
	pool_put(pool, frame);
	HM_ASSERT_EXPENSIVE(pool_check(pool));
	return rc;
}

static void
emu_page_unmap(struct hm_backend *be, const struct hm_page *pg)
{
	struct emu *e;
	struct pool *pool;
	char path[PATH_MAX];
	unsigned int k, node;
	uint32_t frame;

	HM_VERIFY(be != NULL && be->priv != NULL && pg != NULL);
	e = be->priv;
	if (hm_va_rereserve(pg->va, pg->page_sz) < 0)
		HM_LOG(ERR, "%s", hm_last_error());
	pool = handle_pool(e, pg->handle, pg->page_sz, &k, &node, &frame);
	if (pool == NULL) {
		HM_LOG(ERR, "emu: page_unmap of %p: foreign handle 0x%" PRIx64, pg->va, pg->handle);
		return;
	}
	if (pool->va[frame] != pg->va) {
		/* Attached, not mapped, by this (secondary) process: the owner frees it. */
		HM_ASSERT(e->secondary && "page_unmap of a page this primary did not map");
		return;
	}
	if (!e->in_memory && page_path(e, pool, node, frame, path, sizeof(path)) == 0 &&
	    unlink(path) != 0)
		HM_LOG(WARNING, "emu: cannot remove page file %s: %s", path, strerror(errno));
	pool_put(pool, frame);
	HM_ASSERT_EXPENSIVE(pool_check(pool));
}

static int
emu_page_move(struct hm_backend *be, struct hm_page *pg, void *new_va)
{
	struct emu *e;
	struct pool *pool;
	unsigned int k, node;
	uint32_t frame;

	HM_VERIFY(be != NULL && be->priv != NULL && pg != NULL);
	e = be->priv;
	pool = handle_pool(e, pg->handle, pg->page_sz, &k, &node, &frame);
	if (pool == NULL || pool->va[frame] != pg->va)
		return hm_fail(EINVAL, "emu: page_move of %p: not a page this process mapped",
			       pg->va);
	if (new_va == NULL || ((uintptr_t)new_va & (pg->page_sz - 1)) != 0)
		return hm_fail(EINVAL, "emu: page_move to %p: not aligned to the page size",
			       new_va);
	/* mremap keeps the mapping (same backing pages, the madvise flag with them) */
	if (mremap(pg->va, pg->page_sz, pg->page_sz, MREMAP_MAYMOVE | MREMAP_FIXED,
		   new_va) == MAP_FAILED)
		return hm_fail(errno, "emu: page_move %p -> %p: %s", pg->va, new_va,
			       strerror(errno));
	if (hm_va_rereserve(pg->va, pg->page_sz) < 0)
		HM_LOG(ERR, "%s", hm_last_error());
	pool->va[frame] = new_va;
	pg->va = new_va;
	return 0;
}

static int
emu_page_attach(struct hm_backend *be, struct hm_page *pg)
{
	struct emu *e;
	struct pool *pool;
	struct stat st;
	char path[PATH_MAX], szs[16];
	unsigned int k, node;
	uint32_t frame;
	void *p;
	int fd, err, rc;

	if (map_args(be, pg, "page_attach", false, &k) == NULL)
		return -hm_errno;
	e = be->priv;
	if (e->in_memory)
		return hm_fail(ENOTSUP, "emu: page_attach needs page files; in-memory mode "
			       "cannot share pages");
	pool = handle_pool(e, pg->handle, pg->page_sz, &k, &node, &frame);
	if (pool == NULL)
		return hm_fail(EINVAL, "emu: page_attach: handle 0x%" PRIx64 " is not an emu page "
			       "of size %s in this topology", pg->handle,
			       hm_size_str(pg->page_sz, szs, sizeof(szs)));
	rc = page_path(e, pool, node, frame, path, sizeof(path));
	if (rc < 0)
		return rc;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		return hm_fail(err, "emu: page_attach: cannot open page file %s: %s", path,
			       strerror(err));
	}
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != pool->page_sz) {
		close(fd);
		return hm_fail(EIO, "emu: page_attach: page file %s is not %" PRIu64 " bytes",
			       path, pool->page_sz);
	}
	p = mmap(pg->va, pool->page_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	err = errno;
	close(fd);
	if (p == MAP_FAILED) {
		hm_va_rereserve(pg->va, pool->page_sz);
		return hm_fail(err, "emu: page_attach: cannot map %s at %p: %s", path, pg->va,
			       strerror(err));
	}
	pg->node = (int)node;
	pg->iova = pool->pa[frame];
	pg->dirty = false;
	return 0;
}

static int
emu_fault(struct hm_backend *be, const char *spec)
{
	struct emu *e;
	struct hm_probe shape;

	if (be == NULL || be->priv == NULL)
		return hm_fail(EINVAL, "emu: fault needs a backend");
	e = be->priv;
	emu_shape(e, &shape, false);
	return fault_apply(&e->fault, spec, &shape);
}

static void
emu_dump(struct hm_backend *be, FILE *f)
{
	struct emu *e;
	struct hm_probe shape;
	char topo[HM_EMU_TOPOLOGY_STR_MAX], szs[16];

	if (be == NULL || be->priv == NULL || f == NULL)
		return;
	e = be->priv;
	if (hm_emu_topology_format(&e->topo, topo, sizeof(topo)) < 0)
		snprintf(topo, sizeof(topo), "?");
	fprintf(f, "emu: topology %s\n", topo);
	fprintf(f, "  pages: %s%s%s\n", e->in_memory ? "anonymous (in-memory)" : e->pagedir,
		e->in_memory ? "" : "/", e->in_memory ? "" : e->prefix);
	for (unsigned int k = 0; k < e->topo.n_sizes; k++) {
		for (unsigned int n = 0; n < e->topo.n_nodes; n++) {
			const struct pool *pool = &e->pools[k][n];
			fprintf(f, "  pool %s node %u: total %" PRIu32 ", in use %" PRIu32
				", limit %" PRIu32 ", pa [0x%" PRIx64 ", 0x%" PRIx64 ")\n",
				hm_size_str(pool->page_sz, szs, sizeof(szs)), n, pool->total,
				pool->in_use, fault_limit(&e->fault, k, n, pool->total),
				pool->base, pool->end);
		}
	}
	for (unsigned int k = 0; k < e->topo.n_sizes; k++) {
		char why[512];
		if (hm_emu_backing_page_size(e->in_memory, e->pagedir, e->topo.sizes[k].page_sz,
					     why, sizeof(why)) >= 0)
			fprintf(f, "  underneath: %s\n", why);
	}
	emu_shape(e, &shape, false);
	fault_dump(&e->fault, f, &shape);
}

int
hm_emu_pages_in_use(const struct hm_backend *be, int node, uint64_t page_sz)
{
	const struct emu *e;
	char szs[16];

	if (be == NULL || be->ops != &hm_emu_ops || be->priv == NULL)
		return hm_fail(EINVAL, "emu: hm_emu_pages_in_use needs a running emu backend");
	e = be->priv;
	if (node < 0 || (unsigned int)node >= e->topo.n_nodes)
		return hm_fail(EINVAL, "emu: node %d does not exist (valid: 0..%u)", node,
			       e->topo.n_nodes - 1);
	for (unsigned int k = 0; k < e->topo.n_sizes; k++)
		if (e->topo.sizes[k].page_sz == page_sz)
			return (int)e->pools[k][node].in_use;
	return hm_fail(EINVAL, "emu: page size %s is not in the topology",
		       hm_size_str(page_sz, szs, sizeof(szs)));
}

const char *
hm_emu_page_dir(const struct hm_backend *be)
{
	if (be == NULL || be->ops != &hm_emu_ops || be->priv == NULL)
		return hm_fail_ptr(EINVAL, "emu: hm_emu_page_dir needs a running emu backend");
	return ((const struct emu *)be->priv)->pagedir;
}

const struct hm_backend_ops hm_emu_ops = {
	.name = "emu",
	.description = "emulated hugepages on tmpfs or anonymous memory with a declarative NUMA topology "
		       "and synthetic IOVAs",
	.create = emu_create,
	.destroy = emu_destroy,
	.probe = emu_probe,
	.page_map = emu_page_map,
	.page_unmap = emu_page_unmap,
	.page_attach = emu_page_attach,
	.page_move = emu_page_move,
	.virt2iova = NULL,
	.node_of = NULL,
	.fault = emu_fault,
	.dump = emu_dump,
};
