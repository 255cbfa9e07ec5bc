/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu fault injection. Backend-neutral: it knows pools only as (size index,
 * node) pairs described by a struct hm_probe, so other backends can reuse it
 * unchanged. The grammar is documented in hugemem/emu.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_i.h"

#define FAULT_CTX "emu: fault spec"
#define FAULT_VALID "nth=N, every=N, node=N, pool=NODE:SIZE:COUNT, rate=PERMILLE, clear"

static const char *const fault_names[FAULT_KINDS] = { "nth", "every", "node", "pool", "rate" };

_Static_assert(HM_MAX_NUMA_NODES <= 64, "node_mask is 64 bits");

void
emu_fault_clear(struct fault *f, uint64_t seed)
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
int
emu_fault_apply(struct fault *f, const char *spec, const struct hm_probe *shape)
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
			emu_fault_clear(&t, t.seed);
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
int
emu_fault_on_map(struct fault *f, unsigned int node, uint64_t page_sz)
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
	if (f->rate != 0 && emu_rng_next(&f->rng) % 1000 < f->rate && kind < 0) {
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
uint32_t
emu_fault_limit(const struct fault *f, unsigned int k, unsigned int node, uint32_t total)
{
	return f->limit[k][node] < total ? f->limit[k][node] : total;
}

void
emu_fault_dump(const struct fault *f, FILE *out, const struct hm_probe *shape)
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


void
emu_fault_counters(const struct fault *f, void (*emit)(void *, const char *, uint64_t), void *arg)
{
	char name[32];

	emit(arg, "page_map_calls", f->calls);
	for (int i = 0; i < FAULT_KINDS; i++) {
		snprintf(name, sizeof(name), "faults_injected_%s", fault_names[i]);
		emit(arg, name, f->injected[i]);
	}
	emit(arg, "fault_nth_pending", f->nth != 0 ? f->nth_left : 0);
	emit(arg, "fault_every", f->every);
	emit(arg, "fault_node_mask", f->node_mask);
	emit(arg, "fault_rate_permille", f->rate);
}
