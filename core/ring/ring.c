/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rings: sizing, init in caller memory, named rings in memzones, reset, the
 * RTS distance, dump and the validator. The enqueue / dequeue fast paths are
 * inline in hugemem/ring_core.h, whose header comment states the protocol and
 * the index invariants.
 *
 * A named ring is memzone "RG_<name>" with the ring at mz->addr: the memzone
 * table is the registry, so lookup is hm_memzone_lookup plus a check that the
 * zone really holds that ring (r->memzone == mz, the name and the magic match),
 * and a duplicate name is the memzone's EEXIST.
 *
 * Invariants (hm_ring_check), for a quiescent ring:
 *   magic == HM_RING_MAGIC, name NUL-terminated within HM_RING_NAMESIZE
 *   esize % 4 == 0 && esize != 0
 *   size is a power of two <= 2^30, mask == size - 1
 *   EXACT_SZ ? size == align32pow2(capacity + 1) : capacity == mask
 *   sync_type of each side == the mode its flags ask for
 *   head == tail on both sides (RTS: head.cnt == tail.cnt too)
 *   prod.tail - cons.tail <= capacity
 *   RTS: htd_max <= capacity
 *   memzone != NULL => memzone->addr == r
 */
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "common_i.h"
#include "hugemem/memzone.h"
#include "hugemem/ring.h"

#define RING_ALIGN HM_CACHE_LINE_SIZE
#define RING_PROD_FLAGS (HM_RING_F_SP_ENQ | HM_RING_F_MP_RTS_ENQ | HM_RING_F_MP_HTS_ENQ)
#define RING_CONS_FLAGS (HM_RING_F_SC_DEQ | HM_RING_F_MC_RTS_DEQ | HM_RING_F_MC_HTS_DEQ)
#define RING_ALL_FLAGS (RING_PROD_FLAGS | RING_CONS_FLAGS | HM_RING_F_EXACT_SZ)
#define RING_HTD_DIV 8 /* default RTS htd_max = capacity / 8 (DPDK's) */
#define RING_EXACT_MAX ((1u << 30) - 1) /* largest EXACT_SZ count: size 2^30 */

_Static_assert(sizeof(HM_RING_MZ_PREFIX) - 1 + HM_RING_NAMESIZE <= HM_MEMZONE_NAMESIZE,
	       "memzone RG_<name> must fit a memzone name");

/* ---------------------------------------------------------------- helpers */

static uint32_t
align32pow2(uint32_t x)
{
	x--;
	x |= x >> 1;
	x |= x >> 2;
	x |= x >> 4;
	x |= x >> 8;
	x |= x >> 16;
	return x + 1;
}

/* The sync mode @p flags ask for on one side, or -1 for two modes at once. */
static int
side_sync(unsigned int flags, unsigned int st, unsigned int rts, unsigned int hts)
{
	switch (flags & (st | rts | hts)) {
	case 0:
		return HM_RING_SYNC_MT;
	default:
		if ((flags & (st | rts | hts)) == st)
			return HM_RING_SYNC_ST;
		if ((flags & (st | rts | hts)) == rts)
			return HM_RING_SYNC_MT_RTS;
		if ((flags & (st | rts | hts)) == hts)
			return HM_RING_SYNC_MT_HTS;
		return -1;
	}
}

static int
prod_sync(unsigned int flags)
{
	return side_sync(flags, HM_RING_F_SP_ENQ, HM_RING_F_MP_RTS_ENQ, HM_RING_F_MP_HTS_ENQ);
}

static int
cons_sync(unsigned int flags)
{
	return side_sync(flags, HM_RING_F_SC_DEQ, HM_RING_F_MC_RTS_DEQ, HM_RING_F_MC_HTS_DEQ);
}

static const char *
sync_name(uint32_t st)
{
	static const char *const names[] = {"MT", "ST", "RTS", "HTS"};

	return st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

/* Slots for a requested @p count: count itself, or the power of two above it
 * (EXACT_SZ). 0 when the count is invalid (then *why says so). */
static uint32_t
ring_slots(unsigned int count, unsigned int flags, const char **why)
{
	if (count == 0) {
		*why = "count 0";
		return 0;
	}
	if (count > HM_RING_SZ_MASK) {
		*why = "count above HM_RING_SZ_MASK (0x7fffffff)";
		return 0;
	}
	if (flags & HM_RING_F_EXACT_SZ) {
		/* the size (the power of two above count) is at most 2^30, as without
		 * EXACT_SZ (DPDK refuses larger counts too, but wraps 2^31 to size 0) */
		if (count > RING_EXACT_MAX) {
			*why = "EXACT_SZ count above 2^30 - 1";
			return 0;
		}
		return align32pow2(count + 1);
	}
	if (!HM_IS_POWER_OF_2(count)) {
		*why = "count not a power of two (use HM_RING_F_EXACT_SZ for any count)";
		return 0;
	}
	return count;
}

static ssize_t
memsize(unsigned int esize, uint32_t slots)
{
	return (ssize_t)HM_ALIGN_CEIL(sizeof(struct hm_ring) + (uint64_t)slots * esize,
				      (uint64_t)RING_ALIGN);
}

/* Arguments of init / create other than the memory: 0 or -errno (recorded). */
static int
check_args(const char *name, unsigned int esize, unsigned int count, unsigned int flags,
	   uint32_t *slots)
{
	const char *why = NULL;

	if (esize == 0 || esize % 4 != 0)
		return hm_fail(EINVAL, "ring '%s': element size %u is not a non-zero multiple "
			       "of 4", name != NULL ? name : "(null)", esize);
	*slots = ring_slots(count, flags, &why);
	if (*slots == 0)
		return hm_fail(EINVAL, "ring '%s': %s: %u", name != NULL ? name : "(null)", why,
			       count);
	if ((uint64_t)*slots * esize > (uint64_t)SSIZE_MAX - sizeof(struct hm_ring) - RING_ALIGN)
		return hm_fail(EINVAL, "ring '%s': %u slots of %u bytes do not fit in memory",
			       name != NULL ? name : "(null)", *slots, esize);
	if (name == NULL || name[0] == '\0')
		return hm_fail(EINVAL, "ring name is NULL or empty");
	if (strnlen(name, HM_RING_NAMESIZE) >= HM_RING_NAMESIZE)
		return hm_fail(ENAMETOOLONG, "ring name '%.28s...' is longer than %d characters",
			       name, HM_RING_NAMESIZE - 1);
	if (flags & ~RING_ALL_FLAGS)
		return hm_fail(EINVAL, "ring '%s': unknown flags 0x%x", name,
			       flags & ~RING_ALL_FLAGS);
	if (prod_sync(flags) < 0)
		return hm_fail(EINVAL, "ring '%s': flags 0x%x ask for two producer modes "
			       "(SP_ENQ, MP_RTS_ENQ, MP_HTS_ENQ: at most one)", name, flags);
	if (cons_sync(flags) < 0)
		return hm_fail(EINVAL, "ring '%s': flags 0x%x ask for two consumer modes "
			       "(SC_DEQ, MC_RTS_DEQ, MC_HTS_DEQ: at most one)", name, flags);
	return 0;
}

static void
side_init(struct hm_ring_headtail *ht, uint32_t sync_type, uint32_t capacity, uint32_t idx)
{
	memset(ht, 0, sizeof(*ht));
	ht->sync_type = sync_type;
	if (sync_type == HM_RING_SYNC_MT_RTS) {
		ht->htd_max = capacity / RING_HTD_DIV;
		ht->rts_head.val.pos = idx;
		ht->rts_tail.val.pos = idx;
	} else {
		ht->head = idx;
		ht->tail = idx;
	}
	ht->other_tail = idx; /* both sides start at idx */
}

/* Lay out a ring; arguments already checked. */
static void
ring_setup(struct hm_ring *r, const char *name, unsigned int esize, unsigned int count,
	   uint32_t slots, unsigned int flags, const struct hm_memzone *mz)
{
	memset(r, 0, sizeof(*r));
	strcpy(r->name, name);
	r->flags = flags;
	r->esize = esize;
	r->memzone = mz;
	r->size = slots;
	r->mask = slots - 1;
	r->capacity = (flags & HM_RING_F_EXACT_SZ) ? count : slots - 1;
	side_init(&r->prod, (uint32_t)prod_sync(flags), r->capacity, 0);
	side_init(&r->cons, (uint32_t)cons_sync(flags), r->capacity, 0);
	r->magic = HM_RING_MAGIC;
}

/* ---------------------------------------------------------------- sizing, init */

ssize_t
hm_ring_get_memsize_elem(unsigned int esize, unsigned int count)
{
	if (esize == 0 || esize % 4 != 0)
		return hm_fail(EINVAL, "ring element size %u is not a non-zero multiple of 4",
			       esize);
	if (count == 0 || !HM_IS_POWER_OF_2(count) || count > HM_RING_SZ_MASK)
		return hm_fail(EINVAL, "ring count %u is not a power of two in [1, 2^30]", count);
	return memsize(esize, count);
}

ssize_t
hm_ring_get_memsize(unsigned int count)
{
	return hm_ring_get_memsize_elem(sizeof(void *), count);
}

int
hm_ring_init_elem(struct hm_ring *r, const char *name, unsigned int esize, unsigned int count,
		  unsigned int flags)
{
	uint32_t slots = 0;
	int rc;

	if (r == NULL)
		return hm_fail(EINVAL, "hm_ring_init: NULL ring memory");
	if ((uintptr_t)r % RING_ALIGN != 0)
		return hm_fail(EINVAL, "hm_ring_init: ring memory %p is not %d-byte aligned",
			       (void *)r, RING_ALIGN);
	rc = check_args(name, esize, count, flags, &slots);
	if (rc < 0)
		return rc;
	ring_setup(r, name, esize, count, slots, flags, NULL);
	return 0;
}

int
hm_ring_init(struct hm_ring *r, const char *name, unsigned int count, unsigned int flags)
{
	return hm_ring_init_elem(r, name, sizeof(void *), count, flags);
}

/* ---------------------------------------------------------------- named rings */

struct hm_ring *
hm_ring_create_elem(const char *name, unsigned int esize, unsigned int count, int socket_id,
		    unsigned int flags)
{
	char mz_name[HM_MEMZONE_NAMESIZE];
	const struct hm_memzone *mz;
	uint32_t slots = 0;
	struct hm_ring *r;
	int rc;

	rc = check_args(name, esize, count, flags, &slots);
	if (rc < 0) {
		hm_errno = -rc;
		return NULL;
	}
	snprintf(mz_name, sizeof(mz_name), "%s%s", HM_RING_MZ_PREFIX, name);
	mz = hm_memzone_reserve_aligned(mz_name, (size_t)memsize(esize, slots), socket_id, 0,
					RING_ALIGN);
	if (mz == NULL) {
		int err = hm_errno;
		char why[256];

		snprintf(why, sizeof(why), "%s", hm_last_error());
		return hm_fail_ptr(err, "ring '%s': %s", name, why);
	}
	r = mz->addr;
	ring_setup(r, name, esize, count, slots, flags, mz);
	return r;
}

struct hm_ring *
hm_ring_create(const char *name, unsigned int count, int socket_id, unsigned int flags)
{
	return hm_ring_create_elem(name, sizeof(void *), count, socket_id, flags);
}

/* The zone holding ring @p name if it is a live ring, else NULL with *err
 * ENOENT (or the memzone lookup's errno, e.g. ENODEV). */
static const struct hm_memzone *
ring_zone(const char *name, int *err)
{
	char mz_name[HM_MEMZONE_NAMESIZE];
	const struct hm_memzone *mz;
	const struct hm_ring *r;

	snprintf(mz_name, sizeof(mz_name), "%s%s", HM_RING_MZ_PREFIX, name);
	*err = ENOENT;
	mz = hm_memzone_lookup(mz_name);
	if (mz == NULL) {
		*err = hm_errno;
		return NULL;
	}
	if (mz->len < sizeof(struct hm_ring))
		return NULL;
	r = mz->addr;
	if (r->magic != HM_RING_MAGIC || r->memzone != mz ||
	    strncmp(r->name, name, HM_RING_NAMESIZE) != 0)
		return NULL;
	return mz;
}

struct hm_ring *
hm_ring_lookup(const char *name)
{
	const struct hm_memzone *mz;
	int err;

	if (name == NULL)
		return hm_fail_ptr(EINVAL, "hm_ring_lookup: NULL name");
	if (strnlen(name, HM_RING_NAMESIZE) >= HM_RING_NAMESIZE)
		return hm_fail_ptr(ENOENT, "no ring named '%.28s...' (names are at most %d "
				   "characters)", name, HM_RING_NAMESIZE - 1);
	mz = ring_zone(name, &err);
	if (mz == NULL) {
		if (err != ENOENT)
			return NULL; /* the memzone's error (ENODEV) is recorded */
		return hm_fail_ptr(ENOENT, "no ring named '%s'", name);
	}
	return mz->addr;
}

void
hm_ring_free(struct hm_ring *r)
{
	const struct hm_memzone *mz;
	char name[HM_RING_NAMESIZE];
	int rc, err;

	if (r == NULL)
		return;
	if (r->magic != HM_RING_MAGIC || memchr(r->name, '\0', HM_RING_NAMESIZE) == NULL) {
		(void)hm_fail_ptr(EINVAL, "hm_ring_free: %p is not a ring", (void *)r);
		return;
	}
	if (r->memzone == NULL) {
		(void)hm_fail_ptr(EINVAL, "hm_ring_free: ring '%s' was not made by hm_ring_create "
				  "(its memory is the caller's)", r->name);
		return;
	}
	memcpy(name, r->name, sizeof(name));
	mz = ring_zone(name, &err);
	if (mz == NULL || mz != r->memzone || mz->addr != (void *)r) {
		(void)hm_fail_ptr(EINVAL, "hm_ring_free: %p is not the live ring '%s'", (void *)r,
				  name);
		return;
	}
	r->magic = 0;
	rc = hm_memzone_free(mz);
	if (rc < 0) {
		r->magic = HM_RING_MAGIC;
		(void)hm_fail_ptr(-rc, "hm_ring_free: ring '%s': %s", name, hm_last_error());
	}
}

/* ---------------------------------------------------------------- reset, RTS distance */

void
hm_ring_reset_at(struct hm_ring *r, uint32_t idx)
{
	uint32_t prod_htd, cons_htd;

	if (r == NULL)
		return;
	/* only heads and tails move: a configured RTS distance stays (DPDK's too) */
	prod_htd = r->prod.htd_max;
	cons_htd = r->cons.htd_max;
	side_init(&r->prod, r->prod.sync_type, r->capacity, idx);
	side_init(&r->cons, r->cons.sync_type, r->capacity, idx);
	if (r->prod.sync_type == HM_RING_SYNC_MT_RTS)
		r->prod.htd_max = prod_htd;
	if (r->cons.sync_type == HM_RING_SYNC_MT_RTS)
		r->cons.htd_max = cons_htd;
}

void
hm_ring_reset(struct hm_ring *r)
{
	hm_ring_reset_at(r, 0);
}

static unsigned int
get_htd(const struct hm_ring *r, const struct hm_ring_headtail *ht)
{
	if (r == NULL || ht->sync_type != HM_RING_SYNC_MT_RTS)
		return UINT32_MAX;
	return __atomic_load_n(&ht->htd_max, __ATOMIC_RELAXED);
}

static int
set_htd(struct hm_ring *r, struct hm_ring_headtail *ht, unsigned int v, const char *side)
{
	if (ht->sync_type != HM_RING_SYNC_MT_RTS)
		return hm_fail(ENOTSUP, "ring '%s': %s are %s, not RTS: no head-tail distance",
			       r->name, side, sync_name(ht->sync_type));
	if (v > r->capacity)
		return hm_fail(EINVAL, "ring '%s': head-tail distance %u is above the capacity %u",
			       r->name, v, r->capacity);
	__atomic_store_n(&ht->htd_max, v, __ATOMIC_RELAXED);
	return 0;
}

unsigned int
hm_ring_get_prod_htd_max(const struct hm_ring *r)
{
	return r == NULL ? UINT32_MAX : get_htd(r, &r->prod);
}

unsigned int
hm_ring_get_cons_htd_max(const struct hm_ring *r)
{
	return r == NULL ? UINT32_MAX : get_htd(r, &r->cons);
}

int
hm_ring_set_prod_htd_max(struct hm_ring *r, unsigned int v)
{
	if (r == NULL)
		return hm_fail(EINVAL, "hm_ring_set_prod_htd_max: NULL ring");
	return set_htd(r, &r->prod, v, "producers");
}

int
hm_ring_set_cons_htd_max(struct hm_ring *r, unsigned int v)
{
	if (r == NULL)
		return hm_fail(EINVAL, "hm_ring_set_cons_htd_max: NULL ring");
	return set_htd(r, &r->cons, v, "consumers");
}

/* ---------------------------------------------------------------- dump, check */

static void
dump_side(FILE *f, const char *what, const struct hm_ring_headtail *ht)
{
	switch (ht->sync_type) {
	case HM_RING_SYNC_MT_RTS:
		fprintf(f, "  %s: RTS head %" PRIu32 " (cnt %" PRIu32 ") tail %" PRIu32
			" (cnt %" PRIu32 ") htd_max %" PRIu32 "\n", what, ht->rts_head.val.pos,
			ht->rts_head.val.cnt, ht->rts_tail.val.pos, ht->rts_tail.val.cnt,
			ht->htd_max);
		break;
	case HM_RING_SYNC_MT_HTS:
		fprintf(f, "  %s: HTS head %" PRIu32 " tail %" PRIu32 "\n", what, ht->hts.pos.head,
			ht->hts.pos.tail);
		break;
	default:
		fprintf(f, "  %s: %s head %" PRIu32 " tail %" PRIu32 " (other side's tail last read: %"
			PRIu32 ")\n", what, sync_name(ht->sync_type), ht->head, ht->tail,
			ht->other_tail);
		break;
	}
}

void
hm_ring_dump(FILE *f, const struct hm_ring *r)
{
	if (f == NULL)
		f = stdout;
	if (r == NULL) {
		fprintf(f, "ring: NULL\n");
		return;
	}
	fprintf(f, "ring '%.*s' at %p: flags 0x%" PRIx32 ", esize %" PRIu32 ", size %" PRIu32
		", capacity %" PRIu32 ", memzone %p\n", HM_RING_NAMESIZE - 1, r->name,
		(const void *)r, r->flags, r->esize, r->size, r->capacity,
		(const void *)r->memzone);
	dump_side(f, "prod", &r->prod);
	dump_side(f, "cons", &r->cons);
	fprintf(f, "  used %u, avail %u\n", hm_ring_count(r), hm_ring_free_count(r));
}

static int
dump_one(const struct hm_memzone *mz, void *arg)
{
	const size_t plen = sizeof(HM_RING_MZ_PREFIX) - 1;

	if (strncmp(mz->name, HM_RING_MZ_PREFIX, plen) == 0 && mz->len >= sizeof(struct hm_ring)) {
		const struct hm_ring *r = mz->addr;
		if (r->magic == HM_RING_MAGIC && r->memzone == mz)
			hm_ring_dump(arg, r);
	}
	return 0;
}

void
hm_ring_list_dump(FILE *f)
{
	if (f == NULL)
		f = stdout;
	(void)hm_memzone_walk(dump_one, f);
}

#define FAIL(msg)                                  \
	do {                                       \
		if (reason != NULL)                \
			*reason = (msg);           \
		return -EFAULT;                    \
	} while (0)

static int
check_side(const struct hm_ring_headtail *ht, int want, const struct hm_ring *r,
	   const char **reason, uint32_t *tail)
{
	if (want < 0 || ht->sync_type != (uint32_t)want)
		FAIL("a side's sync_type does not match the ring's flags");
	switch (ht->sync_type) {
	case HM_RING_SYNC_MT_RTS:
		if (ht->rts_head.raw != ht->rts_tail.raw)
			FAIL("RTS head != tail (pos or cnt): an operation is in flight or was "
			     "interrupted");
		if (ht->htd_max > r->capacity)
			FAIL("RTS htd_max is above the capacity");
		*tail = ht->rts_tail.val.pos;
		break;
	default: /* MT, ST, HTS: head and tail are the same two words */
		if (ht->head != ht->tail)
			FAIL("head != tail: an operation is in flight or was interrupted");
		if (ht->htd_max != 0 || ht->rts_head.raw != 0)
			FAIL("RTS fields set on a side that is not RTS");
		*tail = ht->tail;
		break;
	}
	return 0;
}

int
hm_ring_check(const struct hm_ring *r, const char **reason)
{
	uint32_t pt = 0, ct = 0;
	int rc;

	if (r == NULL)
		return hm_fail(EINVAL, "hm_ring_check: NULL ring");
	if (r->magic != HM_RING_MAGIC)
		FAIL("bad magic: not an initialised ring");
	if (memchr(r->name, '\0', HM_RING_NAMESIZE) == NULL)
		FAIL("name is not NUL-terminated");
	if (r->flags & ~RING_ALL_FLAGS)
		FAIL("unknown flags");
	if (r->esize == 0 || r->esize % 4 != 0)
		FAIL("esize is not a non-zero multiple of 4");
	if (!HM_IS_POWER_OF_2(r->size) || r->size > RING_EXACT_MAX + 1u)
		FAIL("size is not a power of two <= 2^30");
	if (r->mask != r->size - 1)
		FAIL("mask != size - 1");
	if (r->flags & HM_RING_F_EXACT_SZ) {
		if (r->capacity == 0 || r->capacity >= r->size ||
		    align32pow2(r->capacity + 1) != r->size)
			FAIL("EXACT_SZ: size is not the power of two above capacity");
	} else if (r->capacity != r->mask) {
		FAIL("capacity != size - 1");
	}
	rc = check_side(&r->prod, prod_sync(r->flags), r, reason, &pt);
	if (rc < 0)
		return rc;
	rc = check_side(&r->cons, cons_sync(r->flags), r, reason, &ct);
	if (rc < 0)
		return rc;
	if (pt - ct > r->capacity)
		FAIL("prod.tail - cons.tail is above the capacity (or negative)");
	/* a cached view of the other side's tail is that tail as it was: never ahead
	 * of it (ahead, the side would see room that is not there) */
	if (r->prod.sync_type <= HM_RING_SYNC_ST && (int32_t)(ct - r->prod.other_tail) < 0)
		FAIL("prod.other_tail is ahead of cons.tail");
	if (r->cons.sync_type <= HM_RING_SYNC_ST && (int32_t)(pt - r->cons.other_tail) < 0)
		FAIL("cons.other_tail is ahead of prod.tail");
	if (r->memzone != NULL && r->memzone->addr != (const void *)r)
		FAIL("the ring's memzone does not start at the ring");
	return 0;
}
