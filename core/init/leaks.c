/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The leak report of hm_cleanup (and hm_leak_report): what the application
 * still holds when it shuts hugemem down, by object, from the top down:
 *   - mempools, each with every memzone it owns (its header zone "MP_<name>",
 *     its object chunks, the zone of its ring or stack), reported once as the
 *     pool;
 *   - rings in memzones of their own ("RG_<name>", magic and back pointer
 *     checked), reported as the ring;
 *   - the remaining memzones, by name, size and socket;
 *   - live malloc blocks that are no memzone's, by type tag.
 * Blocks waiting in lcore malloc caches are free memory, never leaks.
 *
 * This lives in core/init, the top of the core, because it names objects of
 * every layer; it reads them through their public headers only (and malloc's
 * tag summary), under their own locks.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include "init_i.h"
#include "malloc_i.h"
#include "hugemem/heapmap.h"
#include "hugemem/mempool.h"
#include "hugemem/memzone.h"
#include "hugemem/ring.h"

struct zone_ent {
	const struct hm_memzone *mz;
	bool claimed;           /* reported as (part of) a mempool or ring */
};

struct leak_ctx {
	struct zone_ent *z;     /* every reserved zone, table order */
	unsigned int n, cap;
	bool oom;               /* the zone list could not grow: zones are missing */
	FILE *f;                /* may be NULL */
	bool log;               /* also log each line at WARNING */
	struct init_leaks *out;
};

static void HM_PRINTF(2, 3)
emit(struct leak_ctx *c, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (c->f != NULL)
		fprintf(c->f, "  leak: %s\n", line);
	if (c->log)
		HM_LOG(WARNING, "hm_cleanup: leaked %s", line);
}

static int
collect_zone(const struct hm_memzone *mz, void *arg)
{
	struct leak_ctx *c = arg;

	if (c->n == c->cap) {
		unsigned int cap = c->cap != 0 ? 2 * c->cap : 64;
		struct zone_ent *z = realloc(c->z, cap * sizeof(*z));
		if (z == NULL) {
			c->oom = true;
			return 1;
		}
		c->z = z;
		c->cap = cap;
	}
	c->z[c->n].mz = mz;
	c->z[c->n].claimed = false;
	c->n++;
	return 0;
}

/* Mark the zone @p mz (may be NULL) as part of an object; @return whether it was listed. */
static bool
claim(struct leak_ctx *c, const void *mz)
{
	for (unsigned int i = 0; i < c->n && mz != NULL; i++)
		if ((const void *)c->z[i].mz == mz) {
			c->z[i].claimed = true;
			return true;
		}
	return false;
}

/* Mark the zone whose memory holds @p p (a pool's ring or stack). */
static bool
claim_holding(struct leak_ctx *c, const void *p)
{
	for (unsigned int i = 0; i < c->n && p != NULL; i++) {
		const char *a = c->z[i].mz->addr;
		if ((const char *)p >= a && (const char *)p < a + c->z[i].mz->len) {
			c->z[i].claimed = true;
			return true;
		}
	}
	return false;
}

static int
report_pool(struct hm_mempool *mp, void *arg)
{
	struct leak_ctx *c = arg;
	unsigned int zones = claim(c, mp->mz);

	for (const struct hm_mempool_memhdr *m = mp->mem_head; m != NULL; m = m->next)
		/* a populate_default chunk's header sits at the end of its memzone */
		zones += claim_holding(c, m);
	if ((mp->flags & HM_MEMPOOL_F_POOL_CREATED) != 0)
		zones += claim_holding(c, mp->pool_data);
	emit(c, "mempool '%.*s': %" PRIu32 " objects of %" PRIu32 " bytes, %u in use, "
	     "socket %d, in %u memzone(s)", HM_MEMPOOL_NAMESIZE - 1, mp->name, mp->size,
	     mp->elt_size, hm_mempool_in_use_count(mp), (int)mp->socket_id, zones);
	c->out->pools++;
	return 0;
}

/* @p mz holds a ring created in it (hm_ring_create), not memory named like one. */
static const struct hm_ring *
ring_of(const struct hm_memzone *mz)
{
	const struct hm_ring *r = mz->addr;

	if (strncmp(mz->name, HM_RING_MZ_PREFIX, sizeof(HM_RING_MZ_PREFIX) - 1) != 0 ||
	    mz->len < sizeof(*r) || __atomic_load_n(&r->magic, __ATOMIC_ACQUIRE) != HM_RING_MAGIC ||
	    r->memzone != mz)
		return NULL;
	return r;
}

static unsigned int
report(FILE *f, bool log, struct init_leaks *out)
{
	struct malloc_leak_type t[MALLOC_LEAK_TYPES];
	struct leak_ctx c = { .f = f, .log = log, .out = out };
	unsigned int n_types, shown = 0;

	memset(out, 0, sizeof(*out));
	if (!hm_initialized())
		return 0;
	(void)hm_memzone_walk(collect_zone, &c);
	if (c.oom)
		emit(&c, "(out of process memory: the memzones below are not all attributed)");
	(void)hm_mempool_walk(report_pool, &c);
	for (unsigned int i = 0; i < c.n; i++) {
		const struct hm_ring *r = c.z[i].claimed ? NULL : ring_of(c.z[i].mz);
		if (r == NULL)
			continue;
		c.z[i].claimed = true;
		emit(&c, "ring '%.*s': %u of %u slots used, socket %d", HM_RING_NAMESIZE - 1,
		     r->name, hm_ring_count(r), r->capacity, (int)c.z[i].mz->socket_id);
		out->rings++;
	}
	for (unsigned int i = 0; i < c.n; i++) {
		const struct hm_memzone *mz = c.z[i].mz;
		if (c.z[i].claimed)
			continue;
		emit(&c, "memzone '%.*s': %zu bytes, socket %d", HM_MEMZONE_NAMESIZE - 1, mz->name,
		     mz->len, (int)mz->socket_id);
		out->zones++;
	}
	free(c.z);
	out->blocks = malloc_leak_types(false, t, MALLOC_LEAK_TYPES, &n_types);
	for (unsigned int k = 0; k < n_types; k++) {
		emit(&c, "malloc: %u block(s) of type '%s', %" PRIu64 " bytes", t[k].n,
		     t[k].type[0] != '\0' ? t[k].type : "(untagged)", t[k].bytes);
		shown += t[k].n;
	}
	if (shown < out->blocks)
		emit(&c, "malloc: %u block(s) of other types", out->blocks - shown);
	out->total = out->pools + out->rings + out->zones + out->blocks;
	return out->total;
}

unsigned int
hm_leak_report(FILE *f)
{
	struct init_leaks lk;

	return report(f, false, &lk);
}

void
init_leak_check(struct init_leaks *lk)
{
	report(NULL, true, lk);
}

/* Heap map of heap @p idx into @p path, when it holds busy blocks.
 * @return 1 written, 0 nothing to draw, -errno (logged). */
static int
leak_heapmap(int idx, const char *path)
{
	struct hm_heap_snapshot *s = hm_heap_snapshot(idx);
	uint64_t busy = 0;
	char title[128];
	FILE *f = NULL;
	int fd, rc = 0;

	if (s == NULL)
		return 0; /* no such heap */
	for (uint32_t i = 0; i < s->n_elems; i++)
		busy += s->elems[i].state == HM_HEAP_ELEM_BUSY;
	if (busy == 0)
		goto out;
	/* the user's path, perhaps in a shared directory: no symlink followed, an
	 * existing file must be a regular file of ours, and only then truncated */
	fd = hm_open_private(AT_FDCWD, path, O_WRONLY | O_CREAT, 0644, 0, NULL);
	if (fd < 0 || ftruncate(fd, 0) != 0 || (f = fdopen(fd, "w")) == NULL) {
		rc = fd < 0 ? fd : -errno;
		if (fd >= 0) {
			hm_fail(-rc, "cannot write %s: %s", path, strerror(-rc));
			close(fd);
		}
		goto fail;
	}
	snprintf(title, sizeof(title), "%s: %" PRIu64 " leaked block(s) at hm_cleanup", s->name,
		 busy);
	rc = hm_heapmap_svg(s, title, f);
	if (fclose(f) != 0 && rc == 0)
		rc = hm_fail(EIO, "cannot write %s: %s", path, strerror(errno));
	if (rc < 0)
		goto fail;
	HM_LOG(WARNING, "hm_cleanup: the %" PRIu64 " leaked block(s) of heap %d (%s) are drawn "
	       "in %s", busy, idx, s->name, path);
	rc = 1;
	goto out;
fail:
	HM_LOG(WARNING, "hm_cleanup: no heap map of the leaks of heap %d: %s", idx,
	       hm_last_error());
out:
	hm_heap_snapshot_free(s);
	return rc;
}

unsigned int
init_leak_heapmaps(const char *prefix)
{
	char path[PATH_MAX];
	unsigned int n = 0;

	for (int i = 0; i < HM_MAX_HEAPS; i++) {
		if (hm_snprintf(path, sizeof(path), "%s%d.svg", prefix, i) < 0)
			break; /* the prefix was checked at init to leave room */
		n += leak_heapmap(i, path) > 0;
	}
	return n;
}
