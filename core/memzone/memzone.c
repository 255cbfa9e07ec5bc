/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memzones: named malloc elements (type tag "memzone") described in a shared
 * table, with an O(1) name index.
 *
 * Shared state, all at the same VA in every process that maps the files:
 *   - the descriptor table: fbarray mcfg->memzones ("memzone"), max elements of
 *     struct hm_memzone; slot i is reserved exactly when its used bit is set;
 *   - the name index: fbarray mcfg->memzone_index ("memzone_index") of 8-byte elements. Elements
 *     [0, IDX_HDR_ELTS) hold struct mz_index_hdr (the rwlock, the counters);
 *     the n_buckets elements after them are the buckets of an open-addressing
 *     hash table with linear probing. A bucket holds {hash of the name, slot+1},
 *     slot+1 == 0 meaning empty. Deletion shifts the rest of the cluster back
 *     (Knuth's algorithm R) instead of leaving tombstones, so every lookup ends
 *     at the first empty bucket and the table never needs rebuilding. The used
 *     bit of an index element is set for the header elements and for buckets
 *     holding an entry.
 * Neither holds a process-local pointer; the only pointers (descriptor addr)
 * are VAs of hugepage memory, equal in every process. Both fbarray headers sit
 * in the shared config (mcfg->memzones, mcfg->memzone_index), where another
 * process finds them to attach.
 *
 * Locking: hdr->lock (process-shared rwlock) is taken for writing by reserve
 * and free, for reading by lookup, walk, dump and check. A per-thread depth lets
 * a walk callback call the readers; reserve and free from a callback fail with
 * EDEADLK instead of deadlocking. Lock order: memzone lock, then heap lock, then
 * the memory hotplug lock (reserve allocates under the memzone lock), so memzone
 * functions must not be called from a memseg walk callback. Free drops the
 * memzone lock before giving the memory back (as DPDK does).
 *
 * Invariants (hm_memzone_check):
 *   memzones.count == popcount(used bits) == hdr->live <= max
 *   free slot => its descriptor is all zeros
 *   every slot below hdr->free_hint is used
 *   used slot => name non-empty and NUL-terminated, flags == 0,
 *                addr % 64 == 0, malloc_zone_validate(addr, &usable) == 0
 *                (a live block marked as a memzone's),
 *                len <= usable, the element's type tag is "memzone",
 *                probing the index for the name finds exactly this slot
 *   bucket non-empty => slot used, bucket hash == hash(slot's name),
 *                no empty bucket between the entry's home and the bucket
 *   non-empty buckets == hdr->live; index used bits == header + non-empty buckets
 *   n_buckets is a power of two >= 2 * max, so an empty bucket always exists
 */
#include <inttypes.h>
#include <string.h>

#include "fbarray_quiet.h"
#include "malloc_i.h"
#include "memzone_i.h"
#include "robust_i.h"
#include "hugemem/fbarray.h"
#include "hugemem/malloc.h"
#include "hugemem/memseg.h"

_Static_assert(sizeof(struct hm_memzone) == 72, "memzone descriptor is 72 bytes (DPDK's)");

#define MZ_ALIGN HM_CACHE_LINE_SIZE /* minimum alignment and length unit */
#define MZ_TYPE "memzone"           /* malloc type tag */
#define IDX_MAGIC 0x6d7a6978u       /* "mzix" */
#define IDX_MIN_BUCKETS 8u

#define MZ_PG_FLAGS                                                                 \
	(HM_MEMZONE_2MB | HM_MEMZONE_1GB | HM_MEMZONE_16MB | HM_MEMZONE_16GB |      \
	 HM_MEMZONE_256KB | HM_MEMZONE_256MB | HM_MEMZONE_512MB | HM_MEMZONE_4GB)
#define MZ_ALL_FLAGS (MZ_PG_FLAGS | HM_MEMZONE_SIZE_HINT_ONLY | HM_MEMZONE_IOVA_CONTIG)

/* One bucket of the name index. 8 bytes. */
struct mz_ent {
	uint32_t hash;  /* name_hash() of the zone's name; valid when slot1 != 0 */
	uint32_t slot1; /* descriptor slot + 1; 0: empty bucket */
};

/* Header of the index fbarray (its first IDX_HDR_ELTS elements). */
struct mz_index_hdr {
	hm_rwlock_t lock;       /* write: reserve, free; read: lookup, walk, dump, check */
	uint32_t magic;         /* IDX_MAGIC once initialised */
	uint32_t n_buckets;     /* power of two >= 2 * max */
	uint32_t max;           /* capacity of the descriptor table */
	uint32_t live;          /* non-empty buckets == reserved zones */
	uint32_t free_hint;     /* every slot below it is used */
	uint32_t pad0;
	uint64_t reserved[4];
};

#define IDX_HDR_ELTS (sizeof(struct mz_index_hdr) / sizeof(struct mz_ent))
_Static_assert(sizeof(struct mz_ent) == 8, "index bucket is 8 bytes");
_Static_assert(sizeof(struct mz_index_hdr) % sizeof(struct mz_ent) == 0,
	       "index header is a whole number of buckets");
_Static_assert(sizeof(struct mz_index_hdr) == 64, "index header is one cache line");

/*
 * Process-local view: shortcuts into the shared config. Both fbarray headers,
 * their data, the lock and the counters are in shared memory.
 */
static struct {
	struct hm_mem_config *mcfg;  /* NULL when not initialised */
	struct hm_fbarray *table;    /* &mcfg->memzones */
	struct hm_fbarray *index;    /* &mcfg->memzone_index */
	struct hm_memzone *zones;    /* table->data */
	struct mz_index_hdr *hdr;    /* index.data */
	struct mz_ent *bk;           /* hdr + 1: the buckets */
} st;

static _Thread_local unsigned int rd_depth; /* read-lock nesting of this thread */

/* ---------------------------------------------------------------- helpers */

/* FNV-1a over the name (at most HM_MEMZONE_NAMESIZE bytes), then murmur3's
 * finaliser so the low bits used as the bucket index are well mixed. Stores the
 * length (HM_MEMZONE_NAMESIZE when the name is too long) in *len. */
static uint32_t
name_hash(const char *name, size_t *len)
{
	uint32_t h = 2166136261u;
	size_t n = 0;

	while (n < HM_MEMZONE_NAMESIZE && name[n] != '\0') {
		h ^= (uint8_t)name[n++];
		h *= 16777619u;
	}
	*len = n;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static int mz_repair(void *arg, const char **why);
static const struct robust_recover mz_rec = { "the memzone table", mz_repair, NULL };

/* The table lock is robust (core/common/robust_i.h): a process that dies
 * holding it is taken over and the table repaired (mz_repair). */
static int
rd_lock(void)
{
	int rc = 0;

	if (rd_depth == 0)
		rc = robust_read_lock(&st.hdr->lock, ROBUST_RD_MEMZONE, &mz_rec);
	if (rc == 0)
		rd_depth++;
	return rc;
}

static void
rd_unlock(void)
{
	if (--rd_depth == 0)
		robust_read_unlock(&st.hdr->lock, ROBUST_RD_MEMZONE);
}

static int
wr_lock(void)
{
	return robust_write_lock(&st.hdr->lock, ROBUST_RD_MEMZONE, &mz_rec);
}

static void
wr_unlock(void)
{
	robust_write_unlock(&st.hdr->lock);
}

static inline uint32_t
bucket_mask(void)
{
	return st.hdr->n_buckets - 1;
}

/*
 * Bucket holding @p name (hash @p h), or -1 when absent; then *empty (may be
 * NULL) is the first empty bucket of the probe, where an insert goes.
 * pre: lock held (either mode).
 */
static int
index_find(const char *name, uint32_t h, uint32_t *empty)
{
	const uint32_t mask = bucket_mask(), max = st.hdr->max;
	uint32_t i = h & mask;

	for (uint32_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
		const struct mz_ent *e = &st.bk[i];
		if (e->slot1 == 0) {
			if (empty != NULL)
				*empty = i;
			return -1;
		}
		if (e->hash == h && e->slot1 <= max &&
		    strncmp(st.zones[e->slot1 - 1].name, name, HM_MEMZONE_NAMESIZE) == 0)
			return (int)i;
	}
	/* no empty bucket: only a corrupt table gets here (live <= n_buckets / 2) */
	if (empty != NULL)
		*empty = UINT32_MAX;
	return -1;
}

/* Bucket whose entry points at @p slot, probing from the home of @p h, or -1.
 * pre: lock held. */
static int
index_find_slot(uint32_t h, uint32_t slot)
{
	const uint32_t mask = bucket_mask();
	uint32_t i = h & mask;

	for (uint32_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
		if (st.bk[i].slot1 == 0)
			return -1;
		if (st.bk[i].slot1 == slot + 1)
			return (int)i;
	}
	return -1;
}

/* Empty bucket @p b (the first empty bucket of the probe for @p h) gets @p slot.
 * pre: write lock held. */
static void
index_insert(uint32_t b, uint32_t h, uint32_t slot)
{
	HM_ASSERT(st.bk[b].slot1 == 0);
	st.bk[b].hash = h;
	st.bk[b].slot1 = slot + 1;
	hm_fbarray_set_used(st.index, (unsigned int)(IDX_HDR_ELTS + b));
	st.hdr->live++;
}

/*
 * Empty bucket @p i and pull back the entries after it that would become
 * unreachable: entry j (home k) moves into the hole i unless k lies cyclically in
 * (i, j]. Ends at the first empty bucket. pre: write lock held.
 */
static void
index_remove(uint32_t i)
{
	const uint32_t mask = bucket_mask();
	uint32_t j = i;

	for (uint32_t n = 0; n < mask; n++) {
		j = (j + 1) & mask;
		if (st.bk[j].slot1 == 0)
			break;
		uint32_t k = st.bk[j].hash & mask;
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			st.bk[i] = st.bk[j];
			i = j;
		}
	}
	st.bk[i].hash = 0;
	st.bk[i].slot1 = 0;
	hm_fbarray_set_free(st.index, (unsigned int)(IDX_HDR_ELTS + i));
	st.hdr->live--;
}

/* ---------------------------------------------------------------- init / fini */

/* For malloc's messages: the name of the zone whose memory starts at @p addr. */
static bool
zone_name_of(const void *addr, char *name, size_t len)
{
	bool found = false;
	int i = 0;

	if (st.mcfg == NULL)
		return false;
	rd_lock();
	while (!found && (unsigned int)i < st.table->len &&
	       (i = fbarray_next_used(st.table, (unsigned int)i)) >= 0) {
		if (st.zones[i].addr == addr) {
			snprintf(name, len, "%.*s", HM_MEMZONE_NAMESIZE - 1, st.zones[i].name);
			found = true;
		}
		i++;
	}
	rd_unlock();
	return found;
}

bool
memzone_addr_is_zone(const void *addr)
{
	return malloc_zone_validate(addr, NULL) == 0;
}

int
memzone_init(struct hm_mem_config *mcfg, const char *dir, unsigned int max)
{
	uint32_t n_buckets = IDX_MIN_BUCKETS;
	int rc;

	if (mcfg == NULL)
		return hm_fail(EINVAL, "memzone_init: NULL config");
	if (st.mcfg != NULL)
		return hm_fail(EALREADY, "memzone table already initialised");
	if (max == 0)
		max = HM_MEMZONE_MAX_DEFAULT;
	if (max > HM_MEMZONE_MAX_LIMIT)
		return hm_fail(EINVAL, "max_memzones %u is more than %u", max, HM_MEMZONE_MAX_LIMIT);
	while (n_buckets < 2 * max)
		n_buckets <<= 1;

	rc = hm_fbarray_init(&mcfg->memzones, "memzone", max, sizeof(struct hm_memzone), dir);
	if (rc < 0)
		return rc;
	st.index = &mcfg->memzone_index;
	rc = hm_fbarray_init(st.index, "memzone_index", (unsigned int)(IDX_HDR_ELTS + n_buckets),
			     sizeof(struct mz_ent), dir);
	if (rc < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", hm_last_error());
		hm_fbarray_destroy(&mcfg->memzones);
		memset(st.index, 0, sizeof(*st.index));
		return hm_fail(-rc, "%s", why);
	}
	st.hdr = st.index->data;
	st.bk = (struct mz_ent *)st.index->data + IDX_HDR_ELTS;
	hm_rwlock_init(&st.hdr->lock);
	st.hdr->n_buckets = n_buckets;
	st.hdr->max = max;
	st.hdr->live = 0;
	st.hdr->free_hint = 0;
	for (unsigned int i = 0; i < IDX_HDR_ELTS; i++)
		hm_fbarray_set_used(st.index, i);
	__atomic_store_n(&st.hdr->magic, IDX_MAGIC, __ATOMIC_RELEASE);
	st.table = &mcfg->memzones;
	st.zones = mcfg->memzones.data;
	st.mcfg = mcfg;
	malloc_set_zone_namer(zone_name_of);
	return 0;
}

void
memzone_fini(void)
{
	unsigned int n = 0;
	int i = 0;

	if (st.mcfg == NULL)
		return;
	malloc_set_zone_namer(NULL);
	/* free what is still reserved (hm_cleanup reported it already) */
	while ((unsigned int)i < st.table->len &&
	       (i = fbarray_next_used(st.table, (unsigned int)i)) >= 0) {
		struct hm_memzone *z = &st.zones[i];
		void *addr = z->addr;
		int rc;

		memset(z, 0, sizeof(*z));
		hm_fbarray_set_free(st.table, (unsigned int)i);
		rc = malloc_zone_free(addr);
		if (rc < 0)
			HM_LOG(WARNING, "hm_cleanup: memzone slot %d at %p: %s", i, addr,
			       hm_last_error());
		n++;
		i++;
	}
	if (n > 0)
		HM_LOG(DEBUG, "hm_cleanup: freed %u memzone(s) still reserved", n);
	st.hdr->magic = 0;
	hm_fbarray_destroy(st.index);
	hm_fbarray_destroy(st.table);
	memset(&st, 0, sizeof(st));
}

int
memzone_attach(struct hm_mem_config *mcfg, const char *dir)
{
	int rc;

	if (st.mcfg != NULL)
		return hm_fail(EALREADY, "memzone table already initialised");
	rc = hm_fbarray_attach(&mcfg->memzones, dir);
	if (rc < 0)
		return hm_fail(-rc, "cannot attach the memzone table: %s", hm_last_error());
	rc = hm_fbarray_attach(&mcfg->memzone_index, dir);
	if (rc < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", hm_last_error());
		hm_fbarray_detach(&mcfg->memzones);
		return hm_fail(-rc, "cannot attach the memzone index: %s", why);
	}
	st.index = &mcfg->memzone_index;
	st.hdr = st.index->data;
	st.bk = (struct mz_ent *)st.index->data + IDX_HDR_ELTS;
	if (__atomic_load_n(&st.hdr->magic, __ATOMIC_ACQUIRE) != IDX_MAGIC) {
		hm_fbarray_detach(&mcfg->memzone_index);
		hm_fbarray_detach(&mcfg->memzones);
		memset(&st, 0, sizeof(st));
		return hm_fail(EPROTO, "the primary's memzone index is not initialised");
	}
	st.table = &mcfg->memzones;
	st.zones = mcfg->memzones.data;
	st.mcfg = mcfg;
	malloc_set_zone_namer(zone_name_of);
	return 0;
}

void
memzone_detach(void)
{
	if (st.mcfg == NULL)
		return;
	malloc_set_zone_namer(NULL);
	hm_fbarray_detach(st.index);
	hm_fbarray_detach(st.table);
	memset(&st, 0, sizeof(st));
}

/* ---------------------------------------------------------------- reserve */

/* The zone's memory: biggest block, or @p req bytes. NULL + hm_errno. */
static void *
zone_alloc(size_t req, int socket, unsigned int flags, unsigned int align, unsigned int bound,
	   size_t *len_out)
{
	bool contig = (flags & HM_MEMZONE_IOVA_CONTIG) != 0;
	struct hm_malloc_socket_stats stats;
	void *p;

	/* a socket with no heap has no memory: ENOMEM, as DPDK (the arguments
	 * themselves were valid; a negative id other than ANY was refused before) */
	if (socket != HM_SOCKET_ID_ANY && hm_malloc_get_socket_stats(socket, &stats) < 0)
		return hm_fail_ptr(ENOMEM, "memzone: socket %d is neither a node nor an "
				   "external heap", socket);
	if (req == 0) {
		p = malloc_zone_alloc_biggest(MZ_TYPE, socket, flags & ~HM_MEMZONE_IOVA_CONTIG,
					      align, contig, len_out);
	} else {
		p = malloc_zone_alloc(MZ_TYPE, req, socket, flags & ~HM_MEMZONE_IOVA_CONTIG, align,
				      bound, contig);
		*len_out = req;
	}
	if (p == NULL) {
		int err = hm_errno == EINVAL ? EINVAL : ENOMEM;
		char why[256];
		snprintf(why, sizeof(why), "%s", hm_last_error());
		return hm_fail_ptr(err, "memzone: %s", why);
	}
	return p;
}

/* The checks in DPDK's order, then allocation. pre: write lock held. */
static const struct hm_memzone *
reserve_locked(const char *name, size_t len, int socket, unsigned int flags, unsigned int align,
	       unsigned int bound)
{
	struct hm_fbarray *t = st.table;
	size_t nlen, requested, got;
	uint32_t h, b = UINT32_MAX;
	int slot;
	void *addr;

	if (t->count >= t->len)
		return hm_fail_ptr(ENOSPC, "memzone table is full (%u zones)", t->len);
	if (name == NULL || name[0] == '\0')
		return hm_fail_ptr(EINVAL, "memzone name is NULL or empty");
	h = name_hash(name, &nlen);
	if (nlen >= HM_MEMZONE_NAMESIZE)
		return hm_fail_ptr(ENAMETOOLONG, "memzone name '%.31s...' is longer than %d "
				   "characters", name, HM_MEMZONE_NAMESIZE - 1);
	if (index_find(name, h, &b) >= 0)
		return hm_fail_ptr(EEXIST, "memzone '%s' already exists", name);
	if (b == UINT32_MAX)
		return hm_fail_ptr(EFAULT, "memzone index is corrupt: no empty bucket");
	if (align != 0 && !HM_IS_POWER_OF_2(align))
		return hm_fail_ptr(EINVAL, "memzone '%s': alignment %u is not a power of two",
				   name, align);
	if (align < MZ_ALIGN)
		align = MZ_ALIGN;
	if (len > SIZE_MAX - (MZ_ALIGN - 1))
		return hm_fail_ptr(EINVAL, "memzone '%s': length %zu is too large", name, len);
	len = HM_ALIGN_CEIL(len, (size_t)MZ_ALIGN);
	requested = len > MZ_ALIGN ? len : MZ_ALIGN;
	if (bound != 0 && (requested > bound || !HM_IS_POWER_OF_2(bound)))
		return hm_fail_ptr(EINVAL, "memzone '%s': bound %u must be a power of two >= the "
				   "length %zu", name, bound, requested);
	if (socket < 0 && socket != HM_SOCKET_ID_ANY)
		return hm_fail_ptr(EINVAL, "memzone '%s': socket %d is invalid", name, socket);
	if (flags & ~MZ_ALL_FLAGS)
		return hm_fail_ptr(EINVAL, "memzone '%s': unknown flags 0x%x", name,
				   flags & ~MZ_ALL_FLAGS);
	slot = fbarray_next_free(t, st.hdr->free_hint < t->len ? st.hdr->free_hint : 0);
	if (slot < 0)
		slot = fbarray_next_free(t, 0);
	if (slot < 0)
		return hm_fail_ptr(EFAULT, "memzone table is corrupt: count %u < %u but no free "
				   "slot", t->count, t->len);

	if (len == 0 && bound == 0)
		requested = 0; /* the biggest free block */
	else if (len == 0)
		requested = bound;
	addr = zone_alloc(requested, socket, flags, align, bound, &got);
	if (addr == NULL)
		return NULL;

	const struct malloc_elem *e = elem_of_live(addr);
	const struct hm_memseg *ms = hm_mem_virt2memseg(addr, NULL);
	struct hm_memzone *z = &st.zones[slot];

	memset(z, 0, sizeof(*z));
	memcpy(z->name, name, nlen + 1);
	z->addr = addr;
	z->iova = hm_malloc_virt2iova(addr);
	z->len = got;
	z->hugepage_sz = ms != NULL ? ms->page_sz : malloc_msl_page_sz(e->msl_idx);
	z->socket_id = e->heap->socket_id;
	z->flags = 0;
	hm_fbarray_set_used(t, (unsigned int)slot);
	st.hdr->free_hint = (uint32_t)slot + 1;
	index_insert(b, h, (uint32_t)slot);
	return z;
}

const struct hm_memzone *
hm_memzone_reserve_bounded(const char *name, size_t len, int socket_id, unsigned int flags,
			   unsigned int align, unsigned int bound)
{
	const struct hm_memzone *z;

	if (st.mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	if (rd_depth != 0)
		return hm_fail_ptr(EDEADLK, "memzone reserve from inside a memzone walk callback");
	int rc = wr_lock();
	if (rc < 0)
		return hm_fail_ptr(-rc, "%s", hm_last_error());
	z = reserve_locked(name, len, socket_id, flags, align, bound);
	wr_unlock();
	return z;
}

const struct hm_memzone *
hm_memzone_reserve_aligned(const char *name, size_t len, int socket_id, unsigned int flags,
			   unsigned int align)
{
	return hm_memzone_reserve_bounded(name, len, socket_id, flags, align, 0);
}

const struct hm_memzone *
hm_memzone_reserve(const char *name, size_t len, int socket_id, unsigned int flags)
{
	return hm_memzone_reserve_bounded(name, len, socket_id, flags, MZ_ALIGN, 0);
}

/* ---------------------------------------------------------------- free */

int
hm_memzone_free(const struct hm_memzone *zone)
{
	struct hm_memzone *z;
	size_t nlen;
	void *addr;
	int idx, b, rc;

	if (st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (zone == NULL)
		return hm_fail(EINVAL, "memzone free: NULL zone");
	if (rd_depth != 0)
		return hm_fail(EDEADLK, "memzone free from inside a memzone walk callback");
	idx = hm_fbarray_find_idx(st.table, zone);
	if (idx < 0)
		return hm_fail(EINVAL, "memzone free: %p is not a memzone descriptor",
			       (const void *)zone);
	rc = wr_lock();
	if (rc < 0)
		return rc;
	if (hm_fbarray_is_used(st.table, (unsigned int)idx) != 1) {
		wr_unlock();
		return hm_fail(EINVAL, "memzone free: slot %d is not reserved (double free?)", idx);
	}
	z = &st.zones[idx];
	b = index_find_slot(name_hash(z->name, &nlen), (uint32_t)idx);
	if (b < 0) {
		wr_unlock();
		return hm_fail_log(EFAULT, "memzone index is corrupt: zone '%.31s' (slot %d) is "
				   "not in it", z->name, idx);
	}
	index_remove((uint32_t)b);
	addr = z->addr;
	memset(z, 0, sizeof(*z));
	hm_fbarray_set_free(st.table, (unsigned int)idx);
	if ((uint32_t)idx < st.hdr->free_hint)
		st.hdr->free_hint = (uint32_t)idx;
	wr_unlock();

	rc = malloc_zone_free(addr);
	if (rc < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", hm_last_error());
		return hm_fail_log(-rc, "memzone free: the zone is gone but its memory at %p "
				   "was not freed: %s", addr, why);
	}
	return 0;
}

/* ---------------------------------------------------------------- queries */

const struct hm_memzone *
hm_memzone_lookup(const char *name)
{
	const struct hm_memzone *z = NULL;
	size_t nlen;
	uint32_t h;
	int b;

	if (st.mcfg == NULL)
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	if (name == NULL)
		return hm_fail_ptr(EINVAL, "memzone lookup: NULL name");
	h = name_hash(name, &nlen);
	if (nlen == 0 || nlen >= HM_MEMZONE_NAMESIZE)
		return hm_fail_ptr(ENOENT, "no memzone named '%.40s'", name);
	if (rd_lock() < 0)
		return NULL;
	b = index_find(name, h, NULL);
	if (b >= 0)
		z = &st.zones[st.bk[b].slot1 - 1];
	rd_unlock();
	if (z == NULL)
		return hm_fail_ptr(ENOENT, "no memzone named '%s'", name);
	return z;
}

int
hm_memzone_walk(int (*fn)(const struct hm_memzone *zone, void *arg), void *arg)
{
	int i = 0, rc = 0;

	if (st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (fn == NULL)
		return hm_fail(EINVAL, "memzone walk: NULL callback");
	rc = rd_lock();
	if (rc < 0)
		return rc;
	while (rc == 0 && (unsigned int)i < st.table->len &&
	       (i = fbarray_next_used(st.table, (unsigned int)i)) >= 0)
		rc = fn(&st.zones[i++], arg);
	rd_unlock();
	return rc;
}

unsigned int
hm_memzone_count(void)
{
	unsigned int n;

	if (st.mcfg == NULL) {
		hm_errno = ENODEV;
		return 0;
	}
	if (rd_lock() < 0)
		return 0;
	n = st.table->count;
	rd_unlock();
	return n;
}

unsigned int
hm_memzone_max_get(void)
{
	if (st.mcfg == NULL) {
		hm_errno = ENODEV;
		return 0;
	}
	return st.table->len;
}

void
hm_memzone_dump(FILE *f)
{
	unsigned int longest = 0, run = 0;
	int i = 0;

	if (f == NULL)
		return;
	if (st.mcfg == NULL) {
		fprintf(f, "memzone: not initialised\n");
		return;
	}
	if (rd_lock() < 0) {
		fprintf(f, "memzone: %s\n", hm_last_error());
		return;
	}
	/* longest cluster of non-empty buckets (probe length bound) */
	for (uint32_t k = 0; k < 2 * st.hdr->n_buckets; k++) {
		run = st.bk[k & bucket_mask()].slot1 != 0 ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	fprintf(f, "memzone: %u/%u zones; index: %u buckets, longest cluster %u\n",
		st.table->count, st.table->len, st.hdr->n_buckets,
		longest < st.hdr->n_buckets ? longest : st.hdr->n_buckets);
	while ((unsigned int)i < st.table->len &&
	       (i = fbarray_next_used(st.table, (unsigned int)i)) >= 0) {
		const struct hm_memzone *z = &st.zones[i];
		char pg[16];
		fprintf(f, "  [%d] '%.31s' addr=%p len=%zu iova=0x%" PRIx64 " page=%s socket=%d\n",
			i, z->name, z->addr, z->len, (uint64_t)z->iova,
			hm_size_str(z->hugepage_sz, pg, sizeof(pg)), z->socket_id);
		i++;
	}
	rd_unlock();
}

/* ---------------------------------------------------------------- validator */

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i] != 0)
			return false;
	return true;
}

/* The check proper. @return NULL or the reason. pre: read lock held. */
static const char *
check_locked(void)
{
	const struct mz_index_hdr *hdr = st.hdr;
	struct hm_fbarray *t = st.table;
	const char *why = NULL;
	uint32_t used = 0, entries = 0;

	if (hm_fbarray_check(t, &why) < 0 || hm_fbarray_check(st.index, &why) < 0)
		return why;
	if (hdr->magic != IDX_MAGIC)
		return "index header magic is wrong";
	if (!HM_IS_POWER_OF_2(hdr->n_buckets) || hdr->n_buckets < 2 * hdr->max ||
	    st.index->len != IDX_HDR_ELTS + hdr->n_buckets)
		return "index size is not a power of two >= 2 * max";
	if (hdr->max != t->len)
		return "index max != table capacity";
	for (unsigned int i = 0; i < IDX_HDR_ELTS; i++)
		if (hm_fbarray_is_used(st.index, i) != 1)
			return "index header element not marked used";

	for (uint32_t i = 0; i < t->len; i++) {
		const struct hm_memzone *z = &st.zones[i];
		int u = hm_fbarray_is_used(t, i);
		size_t nlen, usable = 0;
		uint32_t h;
		int b;

		if (u != 1) {
			if (i < hdr->free_hint)
				return "a slot below free_hint is free";
			if (!all_zero(z, sizeof(*z)))
				return "free slot's descriptor is not zeroed";
			continue;
		}
		used++;
		h = name_hash(z->name, &nlen);
		if (nlen == 0 || nlen >= HM_MEMZONE_NAMESIZE)
			return "zone name empty or not NUL-terminated";
		if (z->flags != 0)
			return "zone flags != 0";
		if (z->addr == NULL || (uintptr_t)z->addr % MZ_ALIGN != 0)
			return "zone address NULL or not 64-byte aligned";
		if (malloc_zone_validate(z->addr, &usable) != 0)
			return "zone address is not a live memzone block of a heap";
		if (z->len > usable)
			return "zone length exceeds its allocation";
		if (strncmp(elem_of_live(z->addr)->busy.type, MZ_TYPE,
			    sizeof(((struct malloc_elem *)0)->busy.type)) != 0)
			return "zone allocation's type tag is not \"memzone\"";
		b = index_find(z->name, h, NULL);
		if (b < 0)
			return "zone not findable through the index";
		if (st.bk[b].slot1 != i + 1)
			return "index finds the zone's name at another slot";
	}
	if (used != t->count)
		return "table count != used slots";

	for (uint32_t i = 0; i < hdr->n_buckets; i++) {
		const struct mz_ent *e = &st.bk[i];
		int u = hm_fbarray_is_used(st.index, (unsigned int)(IDX_HDR_ELTS + i));
		size_t nlen;

		if (e->slot1 == 0) {
			if (u != 0)
				return "empty bucket marked used";
			if (e->hash != 0)
				return "empty bucket has a hash";
			continue;
		}
		entries++;
		if (u != 1)
			return "non-empty bucket not marked used";
		if (e->slot1 > t->len || hm_fbarray_is_used(t, e->slot1 - 1) != 1)
			return "index entry points at a free or invalid slot";
		if (e->hash != name_hash(st.zones[e->slot1 - 1].name, &nlen))
			return "index entry hash != hash of the zone's name";
		/* reachable: no empty bucket between its home and itself */
		for (uint32_t k = e->hash & bucket_mask(); k != i; k = (k + 1) & bucket_mask())
			if (st.bk[k].slot1 == 0)
				return "index entry unreachable (empty bucket before it)";
	}
	if (entries != hdr->live)
		return "index entries != header live count";
	if (entries != t->count)
		return "index entries != zone count";
	if (st.index->count != IDX_HDR_ELTS + entries)
		return "index used bits != header + entries";
	return NULL;
}

/*
 * A process died holding the table's write lock, in the middle of a reserve or
 * a free. The descriptors and their used bits are the truth: a used slot whose
 * descriptor was never completed (or already cleared) is freed, free slots are
 * zeroed, the name index is rebuilt from the descriptors and free_hint
 * recomputed; then the whole check runs. The memory of a half-made or
 * half-freed zone stays allocated (the dead process's leak).
 * pre: the write lock is held (taken over).
 */
static int
mz_repair(void *arg, const char **why)
{
	struct hm_fbarray *t = st.table;
	uint32_t first_free = UINT32_MAX;
	size_t usable;

	(void)arg;
	for (uint32_t i = 0; i < t->len; i++) {
		struct hm_memzone *z = &st.zones[i];
		size_t nlen;
		if (hm_fbarray_is_used(t, i) == 1) {
			name_hash(z->name, &nlen);
			if (nlen != 0 && nlen < HM_MEMZONE_NAMESIZE && z->addr != NULL &&
			    malloc_zone_validate(z->addr, &usable) == 0 && z->len <= usable)
				continue;
			hm_fbarray_set_free(t, i);
		}
		if (!all_zero(z, sizeof(*z)))
			memset(z, 0, sizeof(*z));
		if (first_free == UINT32_MAX)
			first_free = i;
	}
	for (uint32_t k = 0; k < st.hdr->n_buckets; k++) {
		st.bk[k].hash = 0;
		st.bk[k].slot1 = 0;
		hm_fbarray_set_free(st.index, (unsigned int)(IDX_HDR_ELTS + k));
	}
	st.hdr->live = 0;
	for (uint32_t i = 0; i < t->len; i++) {
		uint32_t b = UINT32_MAX, h;
		size_t nlen;
		if (hm_fbarray_is_used(t, i) != 1)
			continue;
		h = name_hash(st.zones[i].name, &nlen);
		if (index_find(st.zones[i].name, h, &b) >= 0 || b == UINT32_MAX) {
			/* the same name twice cannot be: keep the first */
			memset(&st.zones[i], 0, sizeof(st.zones[i]));
			hm_fbarray_set_free(t, i);
			continue;
		}
		index_insert(b, h, i);
	}
	st.hdr->free_hint = first_free == UINT32_MAX ? t->len : first_free;
	*why = check_locked();
	return *why == NULL ? 0 : -EFAULT;
}

int
hm_memzone_check(const char **reason)
{
	const char *why;

	if (st.mcfg == NULL)
		return hm_fail(ENODEV, "hugemem is not initialised");
	int rc = rd_lock();
	if (rc < 0)
		return rc;
	why = check_locked();
	rd_unlock();
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "memzone table is corrupt: %s", why);
	}
	return 0;
}
