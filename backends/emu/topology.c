/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emu topology: the declarative machine description (nodes, page sizes and
 * pages per node, lcores and their nodes, IOVA layout, seed), its string parser,
 * validator and canonical formatter. The grammar is documented in hugemem/emu.h.
 *
 * Invariants of every topology this file produces (hm_emu_topology_validate()):
 *   1 <= n_nodes <= HM_MAX_NUMA_NODES, 1 <= n_sizes <= HM_MAX_PAGE_SIZES
 *   sizes[0].page_sz > sizes[1].page_sz > ... (powers of two in [4K, 16G])
 *   sizes[k].pages[n] <= HM_EMU_MAX_PAGES; sum of all pages >= 1
 *   lcore_node[i] in [-1, n_nodes) for i < n_lcores; lcore_node[n_lcores - 1] >= 0
 * and format(t) parses back to t (parse zeroes the ignored entries, so the round
 * trip is exact byte for byte).
 *
 * Every error is -EINVAL with a message starting "topology: " that names the bad
 * item and what is valid. Out-of-range numbers are -EINVAL too (emu.h).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "emu_i.h"
#include "hugemem/emu.h"

#define CTX "topology"
#define VALID_KEYS "nodes, 4K/2M/1G=..., lcores, iova, seed"

static const char *const iova_names[] = {
	[HM_EMU_IOVA_CONTIG] = "contig",
	[HM_EMU_IOVA_SHUFFLED] = "shuffled",
	[HM_EMU_IOVA_FRAGMENTED] = "fragmented",
};

int
emu_parse_page_size(const char *s, uint64_t *out)
{
	uint64_t sz;

	if (hm_parse_size(s, &sz) < 0 || !HM_IS_POWER_OF_2(sz) ||
	    sz < HM_EMU_MIN_PAGE_SZ || sz > HM_EMU_MAX_PAGE_SZ)
		return -EINVAL;
	*out = sz;
	return 0;
}

int
emu_parse_num(const char *ctx, const char *what, const char *val, uint64_t min,
	      uint64_t max, uint64_t *out)
{
	uint64_t v;
	int rc = hm_parse_u64(val, UINT64_MAX, &v);

	if (rc == -EINVAL)
		return hm_fail(EINVAL, "%s: %s '%s' is not a decimal number (valid: %" PRIu64
			       "..%" PRIu64 ")", ctx, what, val, min, max);
	if (rc < 0 || v < min || v > max)
		return hm_fail(EINVAL, "%s: %s '%s' is out of range (valid: %" PRIu64 "..%" PRIu64 ")",
			       ctx, what, val, min, max);
	*out = v;
	return 0;
}

/* Split "a,b,c" in place: returns the next item and advances *s (NULL at the end). */
static char *
next_item(char **s, char sep)
{
	char *item = *s, *end;

	if (item == NULL)
		return NULL;
	end = strchr(item, sep);
	if (end != NULL) {
		*end = '\0';
		*s = end + 1;
	} else {
		*s = NULL;
	}
	return item;
}

/* Default lcores: one per online CPU, in blocks over the nodes. */
static void
default_lcores(struct hm_emu_topology *t)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > HM_MAX_LCORE)
		n = HM_MAX_LCORE;
	t->n_lcores = (unsigned int)n;
	for (unsigned int i = 0; i < t->n_lcores; i++)
		t->lcore_node[i] = (int16_t)(i * t->n_nodes / t->n_lcores);
}

/* "c0,c1,..." of size key @p key into t->sizes[k] (t->n_nodes is final). */
static int
parse_counts(struct hm_emu_topology *t, unsigned int k, const char *key, char *val)
{
	uint32_t counts[HM_MAX_NUMA_NODES];
	unsigned int n = 1;
	char what[64];
	uint64_t v = 0;
	int rc;

	for (const char *c = val; *c != '\0'; c++)
		n += *c == ',';
	if (n != 1 && n != t->n_nodes)
		return hm_fail(EINVAL, CTX ": '%s' has %u counts, expected %u (one per node) or 1",
			       key, n, t->n_nodes);
	snprintf(what, sizeof(what), "'%s' count", key);
	n = 0;
	for (char *p = val; p != NULL;) {
		char *c = next_item(&p, ',');
		if (*c == '\0')
			return hm_fail(EINVAL, CTX ": '%s' has an empty count (valid: "
				       "comma-separated counts 0..%u)", key, HM_EMU_MAX_PAGES);
		rc = emu_parse_num(CTX, what, c, 0, HM_EMU_MAX_PAGES, &v);
		if (rc < 0)
			return rc;
		counts[n++] = (uint32_t)v;
	}
	for (unsigned int i = 0; i < t->n_nodes; i++)
		t->sizes[k].pages[i] = counts[n == 1 ? 0 : i];
	return 0;
}

/* "0-1@0,2,3@1" into t->lcore_node / n_lcores (t->n_nodes is final). */
static int
parse_lcores(struct hm_emu_topology *t, char *val)
{
	unsigned int highest = 0;
	uint64_t a = 0, b = 0, node;
	char *item, *at, *dash;
	int rc;

	for (char *p = val; p != NULL;) {
		item = next_item(&p, ',');
		if (*item == '\0')
			return hm_fail(EINVAL, CTX ": lcores has an empty item (valid: id, a-b, "
				       "each optionally @node, separated by ',')");
		node = 0;
		at = strchr(item, '@');
		if (at != NULL) {
			*at = '\0';
			rc = emu_parse_num(CTX, "lcores node", at + 1, 0, t->n_nodes - 1, &node);
			if (rc < 0)
				return rc;
		}
		dash = strchr(item, '-');
		if (dash != NULL)
			*dash = '\0';
		rc = emu_parse_num(CTX, "lcore id", item, 0, HM_MAX_LCORE - 1, &a);
		if (rc < 0)
			return rc;
		b = a;
		if (dash != NULL) {
			rc = emu_parse_num(CTX, "lcore id", dash + 1, 0, HM_MAX_LCORE - 1, &b);
			if (rc < 0)
				return rc;
			if (b < a)
				return hm_fail(EINVAL, CTX ": lcore range %" PRIu64 "-%" PRIu64
					       " is reversed (valid: a-b with a <= b)", a, b);
		}
		for (uint64_t i = a; i <= b; i++) {
			if (t->lcore_node[i] >= 0)
				return hm_fail(EINVAL, CTX ": lcore %" PRIu64 " given twice", i);
			t->lcore_node[i] = (int16_t)node;
		}
		if (b + 1 > highest)
			highest = (unsigned int)b + 1;
	}
	t->n_lcores = highest;
	return 0;
}

enum key_kind { KEY_NODES, KEY_LCORES, KEY_IOVA, KEY_SEED, KEY_SIZE, KEY_UNKNOWN };

static enum key_kind
classify(const char *key)
{
	static const char *const names[] = { "nodes", "lcores", "iova", "seed" };

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(key, names[i]) == 0)
			return (enum key_kind)i;
	if (*key >= '0' && *key <= '9')
		return KEY_SIZE;
	return KEY_UNKNOWN;
}

static int
parse_iova(const char *val, enum hm_emu_iova_layout *out)
{
	for (unsigned int i = 0; i < sizeof(iova_names) / sizeof(iova_names[0]); i++) {
		if (strcmp(val, iova_names[i]) == 0) {
			*out = (enum hm_emu_iova_layout)i;
			return 0;
		}
	}
	return hm_fail(EINVAL, CTX ": unknown iova layout '%s' (valid: contig, shuffled, "
		       "fragmented)", val);
}

/* Parse every item of @p s (a writable copy) into @p t, which holds the defaults. */
static int
parse_items(char *s, struct hm_emu_topology *t)
{
	char *size_key[HM_MAX_PAGE_SIZES], *size_val[HM_MAX_PAGE_SIZES];
	char *seen[KEY_SIZE] = { NULL };
	char *lcores = NULL;
	unsigned int n_sizes = 0;
	uint64_t v = 0;
	int rc;

	/* Pass 1: keys, duplicates, scalar values; sizes and lcores need nodes= first. */
	for (char *p = s; p != NULL;) {
		char *key = next_item(&p, ';');
		char *val = strchr(key, '=');

		if (*key == '\0')
			return hm_fail(EINVAL, CTX ": empty item (doubled or trailing ';'; "
				       "valid: key=value items separated by one ';')");
		if (val == NULL)
			return hm_fail(EINVAL, CTX ": item '%s' is not key=value (valid keys: "
				       VALID_KEYS ")", key);
		*val++ = '\0';
		enum key_kind kind = classify(key);
		if (kind == KEY_UNKNOWN)
			return hm_fail(EINVAL, CTX ": unknown key '%s' (valid: " VALID_KEYS ")", key);
		if (*val == '\0')
			return hm_fail(EINVAL, CTX ": '%s' has an empty value", key);
		if (kind == KEY_SIZE) {
			uint64_t sz;
			if (emu_parse_page_size(key, &sz) < 0)
				return hm_fail(EINVAL, CTX ": bad page size '%s' (valid: a power of two "
					       "from 4K to 16G, written like 4K, 2M, 1G)", key);
			for (unsigned int k = 0; k < n_sizes; k++)
				if (t->sizes[k].page_sz == sz)
					return hm_fail(EINVAL, CTX ": page size '%s' given twice "
						       "(as '%s')", key, size_key[k]);
			if (n_sizes == HM_MAX_PAGE_SIZES)
				return hm_fail(EINVAL, CTX ": too many page sizes at '%s' (valid: at "
					       "most %d distinct sizes)", key, HM_MAX_PAGE_SIZES);
			memset(&t->sizes[n_sizes], 0, sizeof(t->sizes[n_sizes]));
			t->sizes[n_sizes].page_sz = sz;
			size_key[n_sizes] = key;
			size_val[n_sizes++] = val;
			continue;
		}
		if (seen[kind] != NULL)
			return hm_fail(EINVAL, CTX ": key '%s' given twice", key);
		seen[kind] = key;
		switch (kind) {
		case KEY_NODES:
			rc = emu_parse_num(CTX, "nodes", val, 1, HM_MAX_NUMA_NODES, &v);
			if (rc < 0)
				return rc;
			t->n_nodes = (unsigned int)v;
			break;
		case KEY_SEED:
			rc = emu_parse_num(CTX, "seed", val, 0, UINT64_MAX, &t->seed);
			if (rc < 0)
				return rc;
			break;
		case KEY_IOVA:
			rc = parse_iova(val, &t->iova);
			if (rc < 0)
				return rc;
			break;
		default:
			lcores = val;
			break;
		}
	}

	/* Pass 2: per-node lists, now that n_nodes is known. */
	if (n_sizes > 0) {
		for (unsigned int k = n_sizes; k < HM_MAX_PAGE_SIZES; k++)
			memset(&t->sizes[k], 0, sizeof(t->sizes[k]));
		t->n_sizes = n_sizes;
		for (unsigned int k = 0; k < n_sizes; k++) {
			rc = parse_counts(t, k, size_key[k], size_val[k]);
			if (rc < 0)
				return rc;
		}
		/* Largest first (insertion sort of at most HM_MAX_PAGE_SIZES entries). */
		for (unsigned int i = 1; i < n_sizes; i++)
			for (unsigned int j = i; j > 0 && t->sizes[j].page_sz > t->sizes[j - 1].page_sz; j--) {
				__typeof__(t->sizes[0]) tmp = t->sizes[j];
				t->sizes[j] = t->sizes[j - 1];
				t->sizes[j - 1] = tmp;
			}
	} else {
		for (unsigned int i = 0; i < t->n_nodes; i++)
			t->sizes[0].pages[i] = 1024;
	}
	if (lcores != NULL)
		return parse_lcores(t, lcores);
	default_lcores(t);
	return 0;
}

static uint64_t
count_total(const struct hm_emu_topology *t)
{
	uint64_t total = 0;

	for (unsigned int k = 0; k < t->n_sizes; k++)
		for (unsigned int n = 0; n < t->n_nodes; n++)
			total += t->sizes[k].pages[n];
	return total;
}

int
hm_emu_topology_parse(const char *s, struct hm_emu_topology *out)
{
	struct hm_emu_topology t;
	char *copy;
	int rc = 0;

	if (out == NULL)
		return hm_fail(EINVAL, CTX ": no output topology given");
	memset(&t, 0, sizeof(t));
	for (unsigned int i = 0; i < HM_MAX_LCORE; i++)
		t.lcore_node[i] = -1;
	t.n_nodes = 1;
	t.n_sizes = 1;
	t.sizes[0].page_sz = 2 * HM_MB;
	t.iova = HM_EMU_IOVA_CONTIG;
	t.seed = 1;
	if (s == NULL || *s == '\0') {
		t.sizes[0].pages[0] = 1024;
		default_lcores(&t);
	} else {
		copy = strdup(s);
		if (copy == NULL)
			return hm_fail(ENOMEM, CTX ": out of memory copying the string");
		rc = parse_items(copy, &t);
		free(copy);
		if (rc < 0)
			return rc;
	}
	if (count_total(&t) == 0)
		return hm_fail(EINVAL, CTX ": no pages at all (valid: at least one page, e.g. 2M=1024)");
	HM_ASSERT(hm_emu_topology_validate(&t) == 0);
	*out = t;
	return 0;
}

int
hm_emu_topology_validate(const struct hm_emu_topology *t)
{
	if (t == NULL)
		return hm_fail(EINVAL, CTX ": NULL topology");
	if (t->n_nodes < 1 || t->n_nodes > HM_MAX_NUMA_NODES)
		return hm_fail(EINVAL, CTX ": n_nodes %u is out of range (valid: 1..%d)",
			       t->n_nodes, HM_MAX_NUMA_NODES);
	if (t->n_sizes < 1 || t->n_sizes > HM_MAX_PAGE_SIZES)
		return hm_fail(EINVAL, CTX ": n_sizes %u is out of range (valid: 1..%d)",
			       t->n_sizes, HM_MAX_PAGE_SIZES);
	for (unsigned int k = 0; k < t->n_sizes; k++) {
		uint64_t sz = t->sizes[k].page_sz;
		if (!HM_IS_POWER_OF_2(sz) || sz < HM_EMU_MIN_PAGE_SZ || sz > HM_EMU_MAX_PAGE_SZ)
			return hm_fail(EINVAL, CTX ": sizes[%u].page_sz %" PRIu64 " is not a power "
				       "of two from 4K to 16G", k, sz);
		if (k > 0 && sz >= t->sizes[k - 1].page_sz)
			return hm_fail(EINVAL, CTX ": sizes[%u].page_sz %" PRIu64 " is not smaller "
				       "than sizes[%u] (valid: distinct sizes, largest first)",
				       k, sz, k - 1);
		for (unsigned int n = 0; n < t->n_nodes; n++)
			if (t->sizes[k].pages[n] > HM_EMU_MAX_PAGES)
				return hm_fail(EINVAL, CTX ": sizes[%u].pages[%u] = %" PRIu32 " is out "
					       "of range (valid: 0..%u)", k, n, t->sizes[k].pages[n],
					       HM_EMU_MAX_PAGES);
	}
	if (count_total(t) == 0)
		return hm_fail(EINVAL, CTX ": no pages at all (valid: at least one page)");
	if (t->n_lcores < 1 || t->n_lcores > HM_MAX_LCORE)
		return hm_fail(EINVAL, CTX ": n_lcores %u is out of range (valid: 1..%d)",
			       t->n_lcores, HM_MAX_LCORE);
	for (unsigned int i = 0; i < t->n_lcores; i++)
		if (t->lcore_node[i] < -1 || t->lcore_node[i] >= (int)t->n_nodes)
			return hm_fail(EINVAL, CTX ": lcore_node[%u] = %d is out of range (valid: "
				       "-1 for no lcore, or 0..%u)", i, t->lcore_node[i], t->n_nodes - 1);
	if (t->lcore_node[t->n_lcores - 1] < 0)
		return hm_fail(EINVAL, CTX ": lcore_node[%u] is -1 (valid: n_lcores is 1 + the "
			       "highest lcore id)", t->n_lcores - 1);
	if ((unsigned int)t->iova >= sizeof(iova_names) / sizeof(iova_names[0]))
		return hm_fail(EINVAL, CTX ": iova layout %d is unknown (valid: contig, shuffled, "
			       "fragmented)", (int)t->iova);
	return 0;
}

/* Append to buf at *off; -ENAMETOOLONG once it no longer fits. */
static int
append(char *buf, size_t len, size_t *off, const char *fmt, ...) HM_PRINTF(4, 5);

static int
append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off) {
		*off = len;
		return -ENAMETOOLONG;
	}
	*off += (size_t)n;
	return 0;
}

int
hm_emu_topology_format(const struct hm_emu_topology *t, char *buf, size_t len)
{
	char szs[16];
	size_t off = 0;
	bool first = true;
	int rc;

	if (buf == NULL)
		return hm_fail(EINVAL, CTX ": no output buffer given");
	rc = hm_emu_topology_validate(t);
	if (rc < 0)
		return rc;
	rc = append(buf, len, &off, "nodes=%u", t->n_nodes);
	for (unsigned int k = 0; k < t->n_sizes && rc == 0; k++) {
		bool same = true;
		for (unsigned int n = 1; n < t->n_nodes; n++)
			same = same && t->sizes[k].pages[n] == t->sizes[k].pages[0];
		rc = append(buf, len, &off, ";%s=", hm_size_str(t->sizes[k].page_sz, szs, sizeof(szs)));
		for (unsigned int n = 0; n < (same ? 1 : t->n_nodes) && rc == 0; n++)
			rc = append(buf, len, &off, "%s%" PRIu32, n > 0 ? "," : "", t->sizes[k].pages[n]);
	}
	if (rc == 0)
		rc = append(buf, len, &off, ";lcores=");
	for (unsigned int i = 0; i < t->n_lcores && rc == 0; i++) {
		unsigned int j = i;
		if (t->lcore_node[i] < 0)
			continue;
		while (j + 1 < t->n_lcores && t->lcore_node[j + 1] == t->lcore_node[i])
			j++;
		if (j > i)
			rc = append(buf, len, &off, "%s%u-%u@%d", first ? "" : ",", i, j, t->lcore_node[i]);
		else
			rc = append(buf, len, &off, "%s%u@%d", first ? "" : ",", i, t->lcore_node[i]);
		first = false;
		i = j;
	}
	if (rc == 0)
		rc = append(buf, len, &off, ";iova=%s;seed=%" PRIu64, iova_names[t->iova], t->seed);
	if (rc < 0) {
		if (len > 0)
			buf[0] = '\0';
		return hm_fail(ENAMETOOLONG, CTX ": the canonical string does not fit in %zu bytes "
			       "(HM_EMU_TOPOLOGY_STR_MAX always does)", len);
	}
	return (int)off;
}
