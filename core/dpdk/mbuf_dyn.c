/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dynamic mbuf fields and flags (rte_mbuf_dyn.h) and the mbuf pool ops names
 * (rte_mbuf_pool_ops.h). Both live in memzones, as in DPDK, so every process
 * of the instance sees the same registrations; they are gone with the EAL.
 *
 * Registry (memzone "rte_mbuf_dyn"), under its spinlock:
 *   free_space[i] == 0 <=> byte i of struct rte_mbuf belongs to a field or is
 *     not dynamic space (only dynfield1, bytes 92..127, starts free)
 *   bit b of free_flags == 1 <=> bit b of ol_flags is free (bits 23..40 start free)
 *   each of fields[0..nb_fields) owns [offset, offset + size), each of
 *     flags[0..nb_flags) its bit; names are unique among fields and among flags
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_memzone.h>

#include "dpdk_i.h"

#define DYN_MZ "rte_mbuf_dyn"
#define DYN_SPACE_MAX ((unsigned int)RTE_SIZEOF_FIELD(struct rte_mbuf, dynfield1))
#define DYN_FIELDS_MAX DYN_SPACE_MAX /* one byte each at most */
#define DYN_FLAGS_MAX 64

struct dyn_field {
	struct rte_mbuf_dynfield params;
	size_t offset;
};

struct dyn_flag {
	struct rte_mbuf_dynflag params;
	unsigned int bitnum;
};

struct dyn_shm {
	rte_spinlock_t lock;
	uint8_t free_space[sizeof(struct rte_mbuf)]; /* 1: free */
	uint64_t free_flags;                         /* 1: free */
	unsigned int nb_fields, nb_flags;
	struct dyn_field fields[DYN_FIELDS_MAX];
	struct dyn_flag flags[DYN_FLAGS_MAX];
};

/* ol_flags bits no DPDK flag uses: 23..40. */
static uint64_t
initial_free_flags(void)
{
	uint64_t m = 0;

	for (uint64_t b = RTE_MBUF_F_FIRST_FREE; b <= RTE_MBUF_F_LAST_FREE; b <<= 1)
		m |= b;
	return m;
}

/* The registry, made on first use. NULL with rte_errno when no memzone. */
static struct dyn_shm *
dyn_shm(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(DYN_MZ);
	struct dyn_shm *s;

	if (mz != NULL)
		return mz->addr;
	mz = rte_memzone_reserve_aligned(DYN_MZ, sizeof(*s), SOCKET_ID_ANY, 0, RTE_CACHE_LINE_SIZE);
	if (mz == NULL) {
		if (rte_errno == EEXIST) /* another thread made it */
			mz = rte_memzone_lookup(DYN_MZ);
		return mz != NULL ? mz->addr : NULL;
	}
	s = mz->addr;
	memset(s, 0, sizeof(*s));
	memset(s->free_space + offsetof(struct rte_mbuf, dynfield1), 1, DYN_SPACE_MAX);
	s->free_flags = initial_free_flags();
	rte_spinlock_init(&s->lock);
	return s;
}

static int
dyn_err(struct dyn_shm *s, int err)
{
	if (s != NULL)
		rte_spinlock_unlock(&s->lock);
	rte_errno = err;
	return -1;
}

/* 1 when [off, off + size) is free space. */
static int
space_free(const struct dyn_shm *s, size_t off, size_t size)
{
	if (off + size > sizeof(s->free_space))
		return 0;
	for (size_t i = off; i < off + size; i++)
		if (!s->free_space[i])
			return 0;
	return 1;
}

static struct dyn_field *
find_field(struct dyn_shm *s, const char *name)
{
	for (unsigned int i = 0; i < s->nb_fields; i++)
		if (strcmp(s->fields[i].params.name, name) == 0)
			return &s->fields[i];
	return NULL;
}

static struct dyn_flag *
find_flag(struct dyn_shm *s, const char *name)
{
	for (unsigned int i = 0; i < s->nb_flags; i++)
		if (strcmp(s->flags[i].params.name, name) == 0)
			return &s->flags[i];
	return NULL;
}

int
rte_mbuf_dynfield_register_offset(const struct rte_mbuf_dynfield *params, size_t req)
{
	struct dyn_field *f;
	struct dyn_shm *s;
	size_t off;

	if (params == NULL)
		return dyn_err(NULL, EINVAL);
	if (memchr(params->name, '\0', sizeof(params->name)) == NULL)
		return dyn_err(NULL, ENAMETOOLONG);
	if (params->size == 0 || params->size >= sizeof(struct rte_mbuf) ||
	    !RTE_IS_POWER_OF_2(params->align) || params->flags != 0)
		return dyn_err(NULL, EINVAL);
	if (req != SIZE_MAX &&
	    (req >= sizeof(struct rte_mbuf) || (req & (params->align - 1)) != 0))
		return dyn_err(NULL, EINVAL);
	s = dyn_shm();
	if (s == NULL)
		return -1;
	rte_spinlock_lock(&s->lock);
	f = find_field(s, params->name);
	if (f != NULL) {
		if (f->params.size != params->size || f->params.align != params->align ||
		    f->params.flags != params->flags || (req != SIZE_MAX && req != f->offset))
			return dyn_err(s, EEXIST);
		off = f->offset;
		rte_spinlock_unlock(&s->lock);
		return (int)off;
	}
	if (req != SIZE_MAX) {
		if (!space_free(s, req, params->size))
			return dyn_err(s, EBUSY);
		off = req;
	} else {
		for (off = 0; off < sizeof(struct rte_mbuf); off += params->align)
			if (space_free(s, off, params->size))
				break;
		if (off >= sizeof(struct rte_mbuf))
			return dyn_err(s, ENOENT);
	}
	if (s->nb_fields >= DYN_FIELDS_MAX)
		return dyn_err(s, ENOMEM);
	f = &s->fields[s->nb_fields++];
	f->params = *params;
	f->offset = off;
	memset(s->free_space + off, 0, params->size);
	rte_spinlock_unlock(&s->lock);
	RTE_LOG(DEBUG, MBUF, "dynamic field %s: offset %zu, size %zu\n", params->name, off,
		params->size);
	return (int)off;
}

int
rte_mbuf_dynfield_register(const struct rte_mbuf_dynfield *params)
{
	return rte_mbuf_dynfield_register_offset(params, SIZE_MAX);
}

int
rte_mbuf_dynfield_lookup(const char *name, struct rte_mbuf_dynfield *params)
{
	struct dyn_field *f;
	struct dyn_shm *s;
	int off;

	if (name == NULL)
		return dyn_err(NULL, EINVAL);
	if (rte_memzone_lookup(DYN_MZ) == NULL)
		return dyn_err(NULL, ENOENT);
	s = dyn_shm();
	if (s == NULL)
		return -1;
	rte_spinlock_lock(&s->lock);
	f = find_field(s, name);
	if (f == NULL)
		return dyn_err(s, ENOENT);
	if (params != NULL)
		*params = f->params;
	off = (int)f->offset;
	rte_spinlock_unlock(&s->lock);
	return off;
}

int
rte_mbuf_dynflag_register_bitnum(const struct rte_mbuf_dynflag *params, unsigned int req)
{
	struct dyn_flag *f;
	struct dyn_shm *s;
	unsigned int bit;

	if (params == NULL)
		return dyn_err(NULL, EINVAL);
	if (memchr(params->name, '\0', sizeof(params->name)) == NULL)
		return dyn_err(NULL, ENAMETOOLONG);
	if (params->flags != 0 || (req != UINT_MAX && req >= 64))
		return dyn_err(NULL, EINVAL);
	s = dyn_shm();
	if (s == NULL)
		return -1;
	rte_spinlock_lock(&s->lock);
	f = find_flag(s, params->name);
	if (f != NULL) {
		if (f->params.flags != params->flags || (req != UINT_MAX && req != f->bitnum))
			return dyn_err(s, EEXIST);
		bit = f->bitnum;
		rte_spinlock_unlock(&s->lock);
		return (int)bit;
	}
	if (req != UINT_MAX) {
		if (!(s->free_flags & (1ULL << req)))
			return dyn_err(s, EBUSY);
		bit = req;
	} else {
		if (s->free_flags == 0)
			return dyn_err(s, ENOENT);
		bit = (unsigned int)__builtin_ctzll(s->free_flags);
	}
	if (s->nb_flags >= DYN_FLAGS_MAX)
		return dyn_err(s, ENOMEM);
	f = &s->flags[s->nb_flags++];
	f->params = *params;
	f->bitnum = bit;
	s->free_flags &= ~(1ULL << bit);
	rte_spinlock_unlock(&s->lock);
	RTE_LOG(DEBUG, MBUF, "dynamic flag %s: bit %u\n", params->name, bit);
	return (int)bit;
}

int
rte_mbuf_dynflag_register(const struct rte_mbuf_dynflag *params)
{
	return rte_mbuf_dynflag_register_bitnum(params, UINT_MAX);
}

int
rte_mbuf_dynflag_lookup(const char *name, struct rte_mbuf_dynflag *params)
{
	struct dyn_flag *f;
	struct dyn_shm *s;
	int bit;

	if (name == NULL)
		return dyn_err(NULL, EINVAL);
	if (rte_memzone_lookup(DYN_MZ) == NULL)
		return dyn_err(NULL, ENOENT);
	s = dyn_shm();
	if (s == NULL)
		return -1;
	rte_spinlock_lock(&s->lock);
	f = find_flag(s, name);
	if (f == NULL)
		return dyn_err(s, ENOENT);
	if (params != NULL)
		*params = f->params;
	bit = (int)f->bitnum;
	rte_spinlock_unlock(&s->lock);
	return bit;
}

void
rte_mbuf_dyn_dump(FILE *out)
{
	struct dyn_shm *s;
	unsigned int free_bytes = 0;

	if (out == NULL)
		return;
	if (rte_memzone_lookup(DYN_MZ) == NULL || (s = dyn_shm()) == NULL) {
		fprintf(out, "Reserved fields: none\nReserved flags: none\nFree space in mbuf "
			"(0-127): %u bytes\nFree bit in mbuf->ol_flags (0-63): %d\n", DYN_SPACE_MAX,
			__builtin_popcountll(initial_free_flags()));
		return;
	}
	rte_spinlock_lock(&s->lock);
	fprintf(out, "Reserved fields:\n");
	for (unsigned int i = 0; i < s->nb_fields; i++)
		fprintf(out, "  name=%s offset=%zu size=%zu align=%zu flags=%x\n",
			s->fields[i].params.name, s->fields[i].offset, s->fields[i].params.size,
			s->fields[i].params.align, s->fields[i].params.flags);
	fprintf(out, "Reserved flags:\n");
	for (unsigned int i = 0; i < s->nb_flags; i++)
		fprintf(out, "  name=%s bitnum=%u flags=%x\n", s->flags[i].params.name,
			s->flags[i].bitnum, s->flags[i].params.flags);
	for (unsigned int i = 0; i < sizeof(s->free_space); i++)
		free_bytes += s->free_space[i];
	fprintf(out, "Free space in mbuf (0-127): %u bytes\n", free_bytes);
	fprintf(out, "Free bit in mbuf->ol_flags (0-63): %d\n", __builtin_popcountll(s->free_flags));
	rte_spinlock_unlock(&s->lock);
}

/* The timestamp field and one of the timestamp flags. */
static int
timestamp_register(int *field_offset, uint64_t *flag, const char *flag_name)
{
	struct rte_mbuf_dynfield field;
	struct rte_mbuf_dynflag fl;
	int off, bit;

	memset(&field, 0, sizeof(field));
	snprintf(field.name, sizeof(field.name), "%s", RTE_MBUF_DYNFIELD_TIMESTAMP_NAME);
	field.size = sizeof(rte_mbuf_timestamp_t);
	field.align = __alignof__(rte_mbuf_timestamp_t);
	memset(&fl, 0, sizeof(fl));
	snprintf(fl.name, sizeof(fl.name), "%s", flag_name);
	off = rte_mbuf_dynfield_register(&field);
	if (off < 0)
		return -1;
	bit = rte_mbuf_dynflag_register(&fl);
	if (bit < 0)
		return -1;
	if (field_offset != NULL)
		*field_offset = off;
	if (flag != NULL)
		*flag = 1ULL << bit;
	return 0;
}

int
rte_mbuf_dyn_rx_timestamp_register(int *field_offset, uint64_t *rx_flag)
{
	return timestamp_register(field_offset, rx_flag, RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME);
}

int
rte_mbuf_dyn_tx_timestamp_register(int *field_offset, uint64_t *tx_flag)
{
	return timestamp_register(field_offset, tx_flag, RTE_MBUF_DYNFLAG_TX_TIMESTAMP_NAME);
}

/* ---------------------------------------------------------------- pool ops names */

#define USER_OPS_MZ "mbuf_user_pool_ops"
#define PLATFORM_OPS_MZ "mbuf_platform_pool_ops"

static int
ops_name_ok(const char *ops_name)
{
	return ops_name != NULL && ops_name[0] != '\0' &&
	       strnlen(ops_name, RTE_MEMPOOL_OPS_NAMESIZE) < RTE_MEMPOOL_OPS_NAMESIZE;
}

int
rte_mbuf_set_platform_mempool_ops(const char *ops_name)
{
	const struct rte_memzone *mz;

	if (!ops_name_ok(ops_name))
		return -EINVAL;
	mz = rte_memzone_lookup(PLATFORM_OPS_MZ);
	if (mz == NULL) {
		mz = rte_memzone_reserve(PLATFORM_OPS_MZ, RTE_MEMPOOL_OPS_NAMESIZE, SOCKET_ID_ANY, 0);
		if (mz == NULL)
			return -rte_errno;
		strcpy(mz->addr, ops_name);
		return 0;
	}
	if (strcmp(mz->addr, ops_name) == 0)
		return 0;
	RTE_LOG(ERR, MBUF, "platform mempool ops are '%s' already\n", (const char *)mz->addr);
	return -EEXIST;
}

const char *
rte_mbuf_platform_mempool_ops(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(PLATFORM_OPS_MZ);

	return mz != NULL ? mz->addr : NULL;
}

int
rte_mbuf_set_user_mempool_ops(const char *ops_name)
{
	const struct rte_memzone *mz;

	if (!ops_name_ok(ops_name))
		return -EINVAL;
	mz = rte_memzone_lookup(USER_OPS_MZ);
	if (mz == NULL) {
		mz = rte_memzone_reserve(USER_OPS_MZ, RTE_MEMPOOL_OPS_NAMESIZE, SOCKET_ID_ANY, 0);
		if (mz == NULL)
			return -rte_errno;
	}
	strcpy(mz->addr, ops_name);
	return 0;
}

const char *
rte_mbuf_user_mempool_ops(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(USER_OPS_MZ);

	return mz != NULL ? mz->addr : rte_eal_mbuf_user_pool_ops();
}

const char *
rte_mbuf_best_mempool_ops(void)
{
	const char *n = rte_mbuf_user_mempool_ops();

	if (n == NULL)
		n = rte_mbuf_platform_mempool_ops();
	return n != NULL ? n : RTE_MBUF_DEFAULT_MEMPOOL_OPS;
}
