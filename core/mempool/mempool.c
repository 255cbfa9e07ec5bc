/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mempools: creation, lookup, iteration, statistics, validation and freeing
 * (population is mempool_populate.c). The fast path (get/put through the
 * caches) is inline in hugemem/mempool_core.h; the layout and the invariants
 * are described in hugemem/mempool.h.
 *
 * Naming. Header memzone "MP_<name>" (found again by hm_mempool_lookup, from any
 * process); chunk memzones "MPC_<hex address of the header>_<k>", unique while the
 * pool lives whatever its name's length (DPDK's "MP_<name>_<k>" cannot hold a
 * 25-character name and collides with a pool named "<name>_<k>").
 *
 * Chunks and their headers: see mempool_populate.c.
 *
 * Locking: creation and free rely on the memzone table's lock for names; a pool
 * is populated and freed by one thread while no other uses it (as in DPDK).
 */
#include <inttypes.h>
#include <string.h>

#include "mempool_i.h"
#include "mcfg_i.h"
#include "memzone_i.h"
#include "hugemem/init.h"
#include "hugemem/malloc.h"
#include "hugemem/memseg.h"
#include "hugemem/memzone.h"

_Static_assert(sizeof(struct hm_mempool_objhdr) == 24, "object header is DPDK's 24 bytes");
_Static_assert(offsetof(struct hm_mempool, elt_head) == 112 &&
	       offsetof(struct hm_mempool, nb_mem_chunks) == 128 &&
	       offsetof(struct hm_mempool, mem_head) == 136, "lists at DPDK's offsets");
_Static_assert(sizeof(struct hm_mempool) % HM_CACHE_LINE_SIZE == 0, "header in whole lines");
_Static_assert(sizeof(struct hm_mempool_cache) == 8256, "cache is DPDK's 8256 bytes");
_Static_assert(offsetof(struct hm_mempool_cache, objs) == HM_CACHE_LINE_SIZE,
	       "cache objects start on the second line");

#define MP_USER_FLAGS                                                               \
	(HM_MEMPOOL_F_NO_SPREAD | HM_MEMPOOL_F_NO_CACHE_ALIGN | HM_MEMPOOL_F_SP_PUT |  \
	 HM_MEMPOOL_F_SC_GET | HM_MEMPOOL_F_NO_IOVA_CONTIG | HM_MEMPOOL_F_DEBUG)
#define MP_MAX_N 0x3fffffffu            /* the ring needs align32pow2(n + 1) <= 2^30 */
#define MP_MZ_FLAGS (HM_MEMZONE_1GB | HM_MEMZONE_SIZE_HINT_ONLY)
#define MP_CHANNELS 4                   /* memory channels x ranks objects spread over (DPDK's default) */

static inline uint32_t
flushthresh_of(uint32_t size)
{
	return size * 3 / 2;
}

/* Largest cache size a pool of @p n objects accepts (1.5 * cache <= n). */
static uint32_t
max_cache_for(uint32_t n)
{
	uint64_t c = (2 * (uint64_t)n + 1) / 3;
	return c > HM_MEMPOOL_CACHE_MAX_SIZE ? HM_MEMPOOL_CACHE_MAX_SIZE : (uint32_t)c;
}

int
mempool_is_pool(const struct hm_mempool *mp)
{
	if (mp == NULL || ((uintptr_t)mp & (HM_CACHE_LINE_SIZE - 1)) != 0)
		return 0;
	if (!memzone_addr_is_zone(mp)) /* a pool is the start of its memzone */
		return 0;
	return __atomic_load_n(&mp->magic, __ATOMIC_ACQUIRE) == HM_MEMPOOL_MAGIC;
}

/* ---------------------------------------------------------------- sizes */

static unsigned int
gcd(unsigned int a, unsigned int b)
{
	while (b != 0) {
		unsigned int t = a % b;
		a = b;
		b = t;
	}
	return a;
}

uint32_t
hm_mempool_calc_obj_size(uint32_t elt_size, uint32_t flags, struct hm_mempool_objsz *sz)
{
	struct hm_mempool_objsz s;
	uint64_t elt, total;

	if (elt_size == 0) {
		hm_fail(EINVAL, "mempool object size 0");
		return 0;
	}
	/* DPDK's computation: the 24-byte header rounded up to a line unless
	 * NO_CACHE_ALIGN, the element to 8, the trailer (debug pools: the cookie)
	 * up to a line unless NO_CACHE_ALIGN, then to a number of lines coprime
	 * with the channels unless NO_SPREAD (NO_CACHE_ALIGN implies NO_SPREAD at
	 * creation, not here: DPDK's calc_obj_size spreads it) */
	s.header_size = sizeof(struct hm_mempool_objhdr);
	if (!(flags & HM_MEMPOOL_F_NO_CACHE_ALIGN))
		s.header_size = HM_ALIGN_CEIL(s.header_size, (uint32_t)HM_CACHE_LINE_SIZE);
	elt = HM_ALIGN_CEIL((uint64_t)elt_size, 8ull);
	total = s.header_size + elt + ((flags & HM_MEMPOOL_F_DEBUG) ? sizeof(uint64_t) : 0);
	if (!(flags & HM_MEMPOOL_F_NO_CACHE_ALIGN))
		total = HM_ALIGN_CEIL(total, (uint64_t)HM_CACHE_LINE_SIZE);
	if (!(flags & HM_MEMPOOL_F_NO_SPREAD)) {
		uint64_t lines = (total + HM_CACHE_LINE_SIZE - 1) / HM_CACHE_LINE_SIZE;
		while (gcd((unsigned int)(lines & 0xffffffffu), MP_CHANNELS) != 1)
			lines++;
		total = lines * HM_CACHE_LINE_SIZE;
	}
	if (total > UINT32_MAX / 2) {
		hm_fail(EINVAL, "mempool object size %u is too large", elt_size);
		return 0;
	}
	s.elt_size = (uint32_t)elt;
	s.trailer_size = (uint32_t)(total - s.header_size - elt);
	s.total_size = (uint32_t)total;
	if (sz != NULL)
		*sz = s;
	return s.total_size;
}

/* ---------------------------------------------------------------- create */

static unsigned int
lcore_slots(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < HM_MAX_LCORE; i++)
		if (hm_lcore_is_enabled(i))
			n = i + 1;
	return n;
}

static void
cache_init(struct hm_mempool_cache *c, uint32_t size, uint32_t user_owned)
{
	c->size = size;
	c->flushthresh = flushthresh_of(size);
	c->len = 0;
	c->user_owned = user_owned;
}

struct hm_mempool *
hm_mempool_create_empty(const char *name, unsigned int n, unsigned int elt_size,
			unsigned int cache_size, unsigned int private_data_size, int socket_id,
			unsigned int flags)
{
	char mzname[HM_MEMZONE_NAMESIZE];
	struct hm_mempool_objsz sz;
	const struct hm_memzone *mz;
	struct hm_mempool *mp;
	unsigned int n_caches = 0;
	size_t nlen, hdr_len, priv;
	const char *ops;
	int ops_idx;

	if (!hm_initialized())
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	if (name == NULL || name[0] == '\0')
		return hm_fail_ptr(EINVAL, "mempool name is NULL or empty");
	nlen = strnlen(name, HM_MEMPOOL_NAMESIZE);
	if (nlen >= HM_MEMPOOL_NAMESIZE)
		return hm_fail_ptr(ENAMETOOLONG, "mempool name '%.25s...' is longer than %d "
				   "characters", name, HM_MEMPOOL_NAMESIZE - 1);
	if (n == 0 || n > MP_MAX_N)
		return hm_fail_ptr(EINVAL, "mempool '%s': n = %u objects; it must be 1..%u",
				   name, n, MP_MAX_N);
	if (cache_size > HM_MEMPOOL_CACHE_MAX_SIZE)
		return hm_fail_ptr(EINVAL, "mempool '%s': cache_size %u is above the maximum %d; "
				   "use cache_size <= %u", name, cache_size,
				   HM_MEMPOOL_CACHE_MAX_SIZE, max_cache_for(n));
	if (flushthresh_of(cache_size) > n)
		return hm_fail_ptr(EINVAL, "mempool '%s' of %u objects is too small for a cache "
				   "of %u (a cache holds up to 1.5 x cache_size = %u): use n >= "
				   "%u or cache_size <= %u", name, n, cache_size,
				   flushthresh_of(cache_size), flushthresh_of(cache_size),
				   max_cache_for(n));
	if (flags & ~MP_USER_FLAGS)
		return hm_fail_ptr(EINVAL, "mempool '%s': unknown flags 0x%x", name,
				   flags & ~MP_USER_FLAGS);
	if (socket_id < 0 && socket_id != HM_SOCKET_ID_ANY)
		return hm_fail_ptr(EINVAL, "mempool '%s': socket %d is invalid", name, socket_id);
	if (flags & HM_MEMPOOL_F_NO_CACHE_ALIGN)
		flags |= HM_MEMPOOL_F_NO_SPREAD; /* as DPDK: the pool's flags say so */
	if (mcfg_get() != NULL && mcfg_get()->mempool_debug)
		flags |= HM_MEMPOOL_F_DEBUG;
	if (hm_mempool_calc_obj_size(elt_size, flags, &sz) == 0)
		return hm_fail_ptr(EINVAL, "mempool '%s': object size %u must be 1..%u bytes",
				   name, elt_size, UINT32_MAX / 2 - 2 * HM_CACHE_LINE_SIZE);
	if (private_data_size > UINT32_MAX / 2)
		return hm_fail_ptr(EINVAL, "mempool '%s': private data size %u is too large",
				   name, private_data_size);

	ops = (flags & HM_MEMPOOL_F_SP_PUT) ?
		((flags & HM_MEMPOOL_F_SC_GET) ? "ring_sp_sc" : "ring_sp_mc") :
		((flags & HM_MEMPOOL_F_SC_GET) ? "ring_mp_sc" : HM_MEMPOOL_DEFAULT_OPS);
	ops_idx = hm_mempool_ops_lookup(ops);
	if (ops_idx < 0)
		ops_idx = hm_mempool_ops_lookup("stack");
	if (ops_idx < 0)
		return hm_fail_ptr(ENOENT, "mempool '%s': no ops '%s' or 'stack' registered",
				   name, ops);

	if (cache_size > 0)
		n_caches = lcore_slots();
	priv = HM_ALIGN_CEIL((size_t)private_data_size, (size_t)HM_CACHE_LINE_SIZE);
	hdr_len = sizeof(*mp) + n_caches * sizeof(struct hm_mempool_cache) + priv;
	snprintf(mzname, sizeof(mzname), "MP_%s", name);
	mz = hm_memzone_reserve_aligned(mzname, hdr_len, socket_id, MP_MZ_FLAGS,
					HM_CACHE_LINE_SIZE);
	if (mz == NULL) {
		char why[256];
		int err = hm_errno;
		snprintf(why, sizeof(why), "%s", hm_last_error());
		return hm_fail_ptr(err, "mempool '%s': %s", name, why);
	}
	mp = mz->addr;
	memset(mp, 0, hdr_len);
	memcpy(mp->name, name, nlen + 1);
	mp->mz = mz;
	mp->flags = flags | HM_MEMPOOL_F_NON_IO;
	mp->socket_id = socket_id;
	mp->size = n;
	mp->cache_size = cache_size;
	mp->elt_size = sz.elt_size;
	mp->header_size = sz.header_size;
	mp->trailer_size = sz.trailer_size;
	mp->private_data_size = (uint32_t)priv;
	mp->ops_index = ops_idx;
	mp->n_caches = n_caches;
	mp->fast_caches = (flags & HM_MEMPOOL_F_DEBUG) ? 0 : n_caches;
	mp->local_cache = n_caches > 0 ? (struct hm_mempool_cache *)(mp + 1) : NULL;
	for (unsigned int i = 0; i < n_caches; i++)
		cache_init(&mp->local_cache[i], cache_size, 0);
	__atomic_store_n(&mp->magic, HM_MEMPOOL_MAGIC, __ATOMIC_RELEASE);

	if (n_caches > 0 && (uint64_t)hm_lcore_count() * flushthresh_of(cache_size) >= n)
		HM_LOG(WARNING, "mempool '%s': the caches of its %u lcores can hold up to %u of "
		       "its %u objects, so a get can fail while objects sit in other lcores' "
		       "caches; use n >= %" PRIu64 " or a smaller cache", name,
		       hm_lcore_count(), hm_lcore_count() * flushthresh_of(cache_size), n,
		       (uint64_t)hm_lcore_count() * flushthresh_of(cache_size) + cache_size);
	return mp;
}

struct hm_mempool *
hm_mempool_create(const char *name, unsigned int n, unsigned int elt_size,
		  unsigned int cache_size, unsigned int private_data_size,
		  hm_mempool_ctor_t *mp_init, void *mp_init_arg, hm_mempool_obj_cb_t *obj_init,
		  void *obj_init_arg, int socket_id, unsigned int flags)
{
	struct hm_mempool *mp;
	int rc;

	mp = hm_mempool_create_empty(name, n, elt_size, cache_size, private_data_size,
				     socket_id, flags);
	if (mp == NULL)
		return NULL;
	if (mp_init != NULL)
		mp_init(mp, mp_init_arg);
	rc = hm_mempool_populate_default(mp);
	if (rc < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", hm_last_error());
		hm_mempool_free(mp);
		return hm_fail_ptr(-rc, "%s", why);
	}
	if (obj_init != NULL)
		hm_mempool_obj_iter(mp, obj_init, obj_init_arg);
	return mp;
}

/* ---------------------------------------------------------------- ops */

const char *
hm_mempool_ops_name(const struct hm_mempool *mp)
{
	if (!mempool_is_pool(mp))
		return hm_fail_ptr(EINVAL, "not a mempool");
	return hm_mempool_ops_table.ops[mp->ops_index].name;
}

int
hm_mempool_set_ops_byname(struct hm_mempool *mp, const char *name, void *pool_config)
{
	int idx;

	if (!mempool_is_pool(mp))
		return hm_fail(EINVAL, "mempool set ops: %p is not a mempool", (void *)mp);
	if (name == NULL)
		return hm_fail(EINVAL, "mempool set ops: NULL name");
	if (mp->flags & HM_MEMPOOL_F_POOL_CREATED)
		return hm_fail(EEXIST, "mempool '%s' is populated: its backend '%s' cannot change",
			       mp->name, hm_mempool_ops_table.ops[mp->ops_index].name);
	idx = hm_mempool_ops_lookup(name);
	if (idx < 0) /* DPDK's answer for an unknown name */
		return hm_fail(EINVAL, "mempool '%s': no mempool ops named '%.40s'", mp->name, name);
	mp->ops_index = idx;
	mp->pool_config = pool_config;
	return 0;
}

/* ---------------------------------------------------------------- free, lookup */

int
hm_mempool_free(struct hm_mempool *mp)
{
	const struct hm_memzone *mz;

	if (mp == NULL)
		return 0;
	if (!mempool_is_pool(mp))
		return hm_fail(EINVAL, "mempool free: %p is not a mempool", (void *)mp);
	mempool_free_chunks(mp);
	__atomic_store_n(&mp->magic, 0, __ATOMIC_RELEASE);
	if (mp->flags & HM_MEMPOOL_F_POOL_CREATED)
		hm_mempool_ops_table.ops[mp->ops_index].free(mp);
	mz = mp->mz;
	hm_memzone_free(mz);
	return 0;
}

struct hm_mempool *
hm_mempool_lookup(const char *name)
{
	char mzname[HM_MEMZONE_NAMESIZE];
	const struct hm_memzone *mz;
	struct hm_mempool *mp;

	if (!hm_initialized())
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	if (name == NULL)
		return hm_fail_ptr(EINVAL, "mempool lookup: NULL name");
	if (name[0] == '\0' || strnlen(name, HM_MEMPOOL_NAMESIZE) >= HM_MEMPOOL_NAMESIZE)
		return hm_fail_ptr(ENOENT, "no mempool named '%.40s'", name);
	snprintf(mzname, sizeof(mzname), "MP_%s", name);
	mz = hm_memzone_lookup(mzname);
	if (mz == NULL)
		return hm_fail_ptr(ENOENT, "no mempool named '%s'", name);
	mp = mz->addr;
	if (__atomic_load_n(&mp->magic, __ATOMIC_ACQUIRE) != HM_MEMPOOL_MAGIC ||
	    strncmp(mp->name, name, HM_MEMPOOL_NAMESIZE) != 0)
		return hm_fail_ptr(ENOENT, "no mempool named '%s' (memzone %s is not a pool)",
				   name, mzname);
	return mp;
}

struct walk_arg {
	int (*fn)(struct hm_mempool *mp, void *arg);
	void *arg;
};

static int
walk_cb(const struct hm_memzone *z, void *arg)
{
	struct walk_arg *w = arg;
	struct hm_mempool *mp = z->addr;

	if (strncmp(z->name, "MP_", 3) != 0 || z->len < sizeof(*mp) ||
	    __atomic_load_n(&mp->magic, __ATOMIC_ACQUIRE) != HM_MEMPOOL_MAGIC ||
	    strncmp(mp->name, z->name + 3, HM_MEMPOOL_NAMESIZE) != 0)
		return 0;
	return w->fn(mp, w->arg);
}

static int
adopt_cb(struct hm_mempool *mp, void *arg)
{
	unsigned int id = *(unsigned int *)arg;
	struct hm_mempool_cache *c = hm_mempool_default_cache(mp, id);

	if (c != NULL && __atomic_load_n(&c->len, __ATOMIC_RELAXED) != 0) {
		hm_log(HM_LOG_WARNING, "mempool %s: %u object(s) left in lcore %u's cache by a "
		       "process that died are dropped", mp->name, c->len, id);
		__atomic_store_n(&c->len, 0, __ATOMIC_RELEASE);
	}
	return 0;
}

void
mempool_lcore_adopt(unsigned int lcore_id)
{
	struct walk_arg w = { adopt_cb, &lcore_id };

	/* also during hm_init (a secondary's main lcore): no hm_initialized() check */
	hm_memzone_walk(walk_cb, &w);
}

int
hm_mempool_walk(int (*fn)(struct hm_mempool *mp, void *arg), void *arg)
{
	struct walk_arg w = { fn, arg };

	if (!hm_initialized())
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (fn == NULL)
		return hm_fail(EINVAL, "mempool walk: NULL callback");
	return hm_memzone_walk(walk_cb, &w);
}

/* ---------------------------------------------------------------- iteration, counts */

unsigned int
hm_mempool_obj_iter(struct hm_mempool *mp, hm_mempool_obj_cb_t *fn, void *arg)
{
	unsigned int i = 0;

	if (!mempool_is_pool(mp) || fn == NULL) {
		hm_fail(EINVAL, "mempool obj_iter: NULL or foreign pool, or NULL callback");
		return 0;
	}
	for (struct hm_mempool_objhdr *h = mp->elt_head; h != NULL; h = h->next)
		fn(mp, arg, h + 1, i++);
	return i;
}

unsigned int
hm_mempool_mem_iter(struct hm_mempool *mp, hm_mempool_mem_cb_t *fn, void *arg)
{
	unsigned int i = 0;

	if (!mempool_is_pool(mp) || fn == NULL) {
		hm_fail(EINVAL, "mempool mem_iter: NULL or foreign pool, or NULL callback");
		return 0;
	}
	for (struct hm_mempool_memhdr *m = mp->mem_head; m != NULL; m = m->next)
		fn(mp, arg, m, i++);
	return i;
}

static uint32_t
backend_count(const struct hm_mempool *mp)
{
	if (!(mp->flags & HM_MEMPOOL_F_POOL_CREATED))
		return 0;
	return hm_mempool_ops_table.ops[mp->ops_index].get_count(mp);
}

static uint32_t
cached_count(const struct hm_mempool *mp)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < mp->n_caches; i++)
		n += mp->local_cache[i].len;
	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

unsigned int
hm_mempool_avail_count(const struct hm_mempool *mp)
{
	uint64_t n;

	if (!mempool_is_pool(mp))
		return 0;
	n = (uint64_t)backend_count(mp) + cached_count(mp);
	return n > mp->populated_size ? mp->populated_size : (unsigned int)n;
}

unsigned int
hm_mempool_in_use_count(const struct hm_mempool *mp)
{
	if (!mempool_is_pool(mp))
		return 0;
	return mp->populated_size - hm_mempool_avail_count(mp);
}

int
hm_mempool_full(const struct hm_mempool *mp)
{
	return mempool_is_pool(mp) && hm_mempool_avail_count(mp) == mp->size;
}

int
hm_mempool_empty(const struct hm_mempool *mp)
{
	return mempool_is_pool(mp) && hm_mempool_avail_count(mp) == 0;
}

void *
hm_mempool_get_priv(struct hm_mempool *mp)
{
	if (!mempool_is_pool(mp))
		return hm_fail_ptr(EINVAL, "mempool get_priv: not a mempool");
	return (uint8_t *)(mp + 1) + (size_t)mp->n_caches * sizeof(struct hm_mempool_cache);
}

int
hm_mempool_stats_get(const struct hm_mempool *mp, struct hm_mempool_stats *st)
{
	if (!mempool_is_pool(mp))
		return hm_fail(EINVAL, "mempool stats: %p is not a mempool", (const void *)mp);
	if (st == NULL)
		return hm_fail(EINVAL, "mempool stats: NULL output");
	memset(st, 0, sizeof(*st));
	st->size = mp->size;
	st->populated = mp->populated_size;
	st->backend = backend_count(mp);
	for (uint32_t i = 0; i < mp->n_caches; i++) {
		st->cache_len[i] = mp->local_cache[i].len;
		st->cached += st->cache_len[i];
	}
	st->cached_max = mp->n_caches * flushthresh_of(mp->cache_size);
	st->in_use = st->backend + st->cached > st->populated ? 0 :
		st->populated - st->backend - st->cached;
	st->n_caches = mp->n_caches;
	st->nb_mem_chunks = mp->nb_mem_chunks;
	st->get_fail = __atomic_load_n(&mp->get_fail, __ATOMIC_RELAXED);
	return 0;
}

/* ---------------------------------------------------------------- caches */

struct hm_mempool_cache *
hm_mempool_cache_create(unsigned int size, int socket_id)
{
	struct hm_mempool_cache *c;

	if (!hm_initialized())
		return hm_fail_ptr(ENODEV, "hugemem is not initialised");
	if (size == 0 || size > HM_MEMPOOL_CACHE_MAX_SIZE)
		return hm_fail_ptr(EINVAL, "mempool cache size %u must be 1..%d", size,
				   HM_MEMPOOL_CACHE_MAX_SIZE);
	c = hm_zmalloc_socket("mempool_cache", sizeof(*c), HM_CACHE_LINE_SIZE, socket_id);
	if (c == NULL)
		return NULL;
	cache_init(c, size, 1);
	return c;
}

int
hm_mempool_cache_free(struct hm_mempool_cache *cache)
{
	size_t usable;

	if (cache == NULL)
		return 0;
	if (hm_malloc_validate(cache, &usable) != 0 || usable < sizeof(*cache) ||
	    cache->user_owned != 1)
		return hm_fail(EINVAL, "mempool cache free: %p is not a cache from "
			       "hm_mempool_cache_create", (void *)cache);
	cache->user_owned = 0;
	return hm_free(cache);
}

int
hm_mempool_cache_flush(struct hm_mempool_cache *cache, struct hm_mempool *mp)
{
	if (!mempool_is_pool(mp))
		return hm_fail(EINVAL, "mempool cache flush: %p is not a mempool", (void *)mp);
	if (cache == NULL)
		cache = hm_mempool_default_cache(mp, hm_lcore_id());
	if (cache == NULL || cache->len == 0)
		return 0;
	for (uint32_t i = 0; i < cache->len; i++)
		if (hm_mempool_from_obj(cache->objs[i]) != mp)
			return hm_fail(EINVAL, "mempool cache flush: the cache holds %p of another "
				       "pool, not of '%s'", cache->objs[i], mp->name);
	hm_mempool_ops_enqueue(mp, cache->objs, cache->len);
	cache->len = 0;
	return 0;
}

/* ---------------------------------------------------------------- debug cookies */

static void
cookie_panic(const struct hm_mempool *mp, const void *obj, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "mempool '%.25s': object %p: %s", mp->name, obj, what);
	hm_panic(__FILE__, __LINE__, msg);
}

void
hm_mempool_check_cookies(const struct hm_mempool *mp, void *const *objs, unsigned int n,
			 int put)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t *cookie;

		if (objs[i] == NULL)
			cookie_panic(mp, objs[i], put ? "put of a NULL object" : "got NULL");
		if (hm_mempool_get_header(objs[i])->mp != mp)
			cookie_panic(mp, objs[i], put ? "put to the wrong pool (the object is not "
				     "from this pool)" : "got an object of another pool");
		cookie = hm_mempool_get_cookie(mp, objs[i]);
		if (put) {
			if (*cookie == HM_MEMPOOL_COOKIE_IN)
				cookie_panic(mp, objs[i], "double put (the object is already in the "
					     "pool)");
			if (*cookie != HM_MEMPOOL_COOKIE_OUT)
				cookie_panic(mp, objs[i], "put: trailer cookie is corrupt (written "
					     "past the object's end?)");
			*cookie = HM_MEMPOOL_COOKIE_IN;
		} else {
			if (*cookie != HM_MEMPOOL_COOKIE_IN)
				cookie_panic(mp, objs[i], "get: the object is not free (cookie "
					     "corrupt or handed out twice)");
			*cookie = HM_MEMPOOL_COOKIE_OUT;
		}
	}
}

/* ---------------------------------------------------------------- check, audit, dump */

static const char *
check_pool(const struct hm_mempool *mp)
{
	const struct hm_mempool_objhdr *h = mp->elt_head;
	uint64_t in = 0, backend, cached = 0;
	size_t total = mempool_obj_total(mp);
	uint32_t objs = 0, chunks = 0;

	if (strnlen(mp->name, HM_MEMPOOL_NAMESIZE) == 0 ||
	    strnlen(mp->name, HM_MEMPOOL_NAMESIZE) >= HM_MEMPOOL_NAMESIZE)
		return "name empty or not NUL-terminated";
	if (mp->ops_index < 0 ||
	    (uint32_t)mp->ops_index >= __atomic_load_n(&hm_mempool_ops_table.num_ops,
							__ATOMIC_ACQUIRE))
		return "ops index out of the table";
	if (mp->header_size < sizeof(struct hm_mempool_objhdr) || mp->elt_size % 8 != 0 ||
	    mp->elt_size == 0)
		return "object sizes are inconsistent";
	if (mp->size == 0 || mp->size > MP_MAX_N || mp->populated_size > mp->size)
		return "populated_size > size";
	if (mp->cache_size > HM_MEMPOOL_CACHE_MAX_SIZE || flushthresh_of(mp->cache_size) > mp->size)
		return "cache_size out of bounds";
	if ((mp->n_caches == 0) != (mp->local_cache == NULL) ||
	    (mp->n_caches > 0 && (mp->cache_size == 0 || mp->n_caches > HM_MAX_LCORE ||
				  mp->local_cache != (const void *)(mp + 1))))
		return "per-lcore caches misplaced";
	/* mp->fast_caches == (debug pool ? 0 : mp->n_caches) */
	if (mp->fast_caches != (hm_mempool_debug(mp) ? 0 : mp->n_caches))
		return "fast_caches is not n_caches (0 for a debug pool)";
	for (uint32_t i = 0; i < mp->n_caches; i++) {
		const struct hm_mempool_cache *c = &mp->local_cache[i];
		if (c->size != mp->cache_size || c->flushthresh != flushthresh_of(c->size) ||
		    c->user_owned != 0)
			return "a per-lcore cache's size / flushthresh is wrong";
		if (c->len > c->flushthresh)
			return "a per-lcore cache holds more than flushthresh objects";
		for (uint32_t k = 0; k < c->len; k++)
			if (c->objs[k] == NULL || hm_mempool_from_obj(c->objs[k]) != mp)
				return "a per-lcore cache holds an object of another pool";
		cached += c->len;
	}
	if ((mp->flags & HM_MEMPOOL_F_POOL_CREATED) == 0 && mp->populated_size != 0)
		return "objects without a backend";
	backend = backend_count(mp);
	if (backend + cached > mp->populated_size)
		return "backend + caches hold more objects than populated";

	for (const struct hm_mempool_memhdr *m = mp->mem_head; m != NULL; m = m->next) {
		const uint8_t *lo = m->addr, *hi = lo + m->len, *prev = NULL;
		if (m->mp != mp || m->n_objs == 0 || m->addr == NULL)
			return "chunk header inconsistent (owner, object count, address)";
		if (mempool_chunk_is_mz(m)) {
			const struct hm_memzone *mz = m->opaque;
			if (mz == NULL || mz->addr != m->addr || (const uint8_t *)m != hi)
				return "chunk header inconsistent with its memzone";
			if (m->iova != HM_BAD_IOVA && m->iova != mz->iova)
				return "chunk IOVA differs from its memzone's";
		}
		for (uint32_t k = 0; k < m->n_objs; k++, h = h->next) {
			const uint8_t *obj;
			if (h == NULL)
				return "fewer objects in the list than the chunks hold";
			obj = (const uint8_t *)(h + 1);
			if (h->mp != mp)
				return "object header does not point at its pool";
			if (obj - mp->header_size < lo || obj + mp->elt_size + mp->trailer_size > hi)
				return "object outside its chunk";
			if (prev != NULL && obj < prev + total)
				return "objects overlap";
			if (mp->pg_sz != 0 && total <= mp->pg_sz) {
				uintptr_t s = (uintptr_t)(obj - mp->header_size);
				if (s / mp->pg_sz != (s + total - 1) / mp->pg_sz)
					return "object crosses a page boundary";
			}
			/* populate_default's chunks are hugemem memory: each object's
			 * IOVA is its address's translation */
			if (mempool_chunk_is_mz(m) && h->iova != HM_BAD_IOVA &&
			    h->iova != hm_mem_virt2iova(obj))
				return "object IOVA differs from the translation of its address";
			if (m->iova != HM_BAD_IOVA && h->iova != m->iova + (hm_iova_t)(obj - lo))
				return "object IOVA differs from its chunk's";
			if (hm_mempool_debug(mp)) {
				uint64_t c = *hm_mempool_get_cookie(mp, obj);
				if (c == HM_MEMPOOL_COOKIE_IN)
					in++;
				else if (c != HM_MEMPOOL_COOKIE_OUT)
					return "object trailer cookie corrupt";
			}
			prev = obj;
			objs++;
		}
		chunks++;
	}
	if (h != NULL)
		return "more objects in the list than the chunks hold";
	if (objs != mp->populated_size)
		return "object list length != populated_size";
	if (chunks != mp->nb_mem_chunks)
		return "chunk list length != nb_mem_chunks";
	if (hm_mempool_debug(mp) && in < backend + cached)
		return "fewer objects marked free than the backend and caches hold";
	return NULL;
}

int
hm_mempool_check(const struct hm_mempool *mp, const char **reason)
{
	const char *why;

	if (!mempool_is_pool(mp))
		return hm_fail(EINVAL, "mempool check: %p is not a mempool", (const void *)mp);
	why = check_pool(mp);
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return hm_fail(EFAULT, "mempool '%s' is corrupt: %s", mp->name, why);
	}
	return 0;
}

void
hm_mempool_audit(struct hm_mempool *mp)
{
	const char *why = NULL;
	char msg[256];

	if (hm_mempool_check(mp, &why) == 0)
		return;
	snprintf(msg, sizeof(msg), "mempool audit: %s", why != NULL ? why : hm_last_error());
	hm_panic(__FILE__, __LINE__, msg);
}

void
hm_mempool_dump(FILE *f, const struct hm_mempool *mp)
{
	struct hm_mempool_stats st;
	char pg[16];

	if (f == NULL)
		return;
	if (hm_mempool_stats_get(mp, &st) < 0) {
		fprintf(f, "mempool <%p>: not a mempool\n", (const void *)mp);
		return;
	}
	fprintf(f, "mempool <%s>@%p\n", mp->name, (const void *)mp);
	fprintf(f, "  flags=0x%x socket_id=%d ops=%s pool_data=%p\n", mp->flags, mp->socket_id,
		hm_mempool_ops_table.ops[mp->ops_index].name, mp->pool_data);
	fprintf(f, "  size=%u populated_size=%u nb_mem_chunks=%u page=%s\n", mp->size,
		mp->populated_size, mp->nb_mem_chunks,
		mp->pg_sz != 0 ? hm_size_str(mp->pg_sz, pg, sizeof(pg)) : "none");
	fprintf(f, "  header_size=%u elt_size=%u trailer_size=%u total_obj_size=%zu "
		"private_data_size=%u\n", mp->header_size, mp->elt_size, mp->trailer_size,
		mempool_obj_total(mp), mp->private_data_size);
	fprintf(f, "  avail=%u (backend %u + per-lcore caches %u) in_use=%u get_fail=%" PRIu64
		"\n", st.backend + st.cached, st.backend, st.cached, st.in_use, st.get_fail);
	fprintf(f, "  cache_size=%u caches=%u (can hold %u objects at worst)\n", mp->cache_size,
		mp->n_caches, st.cached_max);
	for (uint32_t i = 0; i < mp->n_caches; i++)
		if (st.cache_len[i] != 0)
			fprintf(f, "    lcore %u: %u objects cached\n", i, st.cache_len[i]);
	for (const struct hm_mempool_memhdr *m = mp->mem_head; m != NULL; m = m->next)
		fprintf(f, "  chunk %s: addr=%p len=%zu iova=0x%" PRIx64 " objects=%u\n",
			mempool_chunk_is_mz(m) ? ((const struct hm_memzone *)m->opaque)->name :
			"(caller memory)", m->addr, m->len, (uint64_t)m->iova, m->n_objs);
}

static int
dump_cb(struct hm_mempool *mp, void *arg)
{
	hm_mempool_dump(arg, mp);
	return 0;
}

void
hm_mempool_list_dump(FILE *f)
{
	if (f == NULL)
		return;
	if (hm_mempool_walk(dump_cb, f) == -ENODEV)
		fprintf(f, "mempool: not initialised\n");
}
