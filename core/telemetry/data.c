/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reply tree of a telemetry command (hm_telemetry_data_*): a string, an
 * array of one value type, or a dictionary, with DPDK's limits on entries and
 * string lengths. Containers nest up to HM_TELEMETRY_MAX_DEPTH levels; each has
 * one parent (telemetry_i.h states the invariants). Memory is libc's: replies
 * are built on the telemetry thread, never on a data path.
 */
#include <string.h>

#include "telemetry_i.h"

struct hm_telemetry_data *
hm_telemetry_data_alloc(void)
{
	struct hm_telemetry_data *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return hm_fail_ptr(ENOMEM, "telemetry: out of memory for a data object");
	return d;
}

static void release(struct hm_telemetry_data *d);

static void
drop_child(struct hm_telemetry_data *c, bool keep)
{
	if (c == NULL)
		return;
	c->parent = NULL;
	if (!keep) {
		release(c);
		free(c);
	}
}

/* Free everything @p d holds; it becomes empty (its parent link stays). */
static void
release(struct hm_telemetry_data *d)
{
	for (uint32_t i = 0; i < d->n; i++) {
		struct tel_value *v = &d->v[i];
		free(v->name);
		if (v->type == HM_TELEMETRY_STRING)
			free(v->str);
		else if (v->type == HM_TELEMETRY_CONTAINER)
			drop_child(v->c, v->keep != 0);
	}
	free(d->v);
	free(d->str);
	d->v = NULL;
	d->str = NULL;
	d->n = d->cap = 0;
	d->kind = DATA_NONE;
	d->elem_type = 0;
	d->depth = 0;
}

void
hm_telemetry_data_free(struct hm_telemetry_data *d)
{
	if (d == NULL)
		return;
	release(d);
	free(d);
}

int
hm_telemetry_data_start_array(struct hm_telemetry_data *d, enum hm_telemetry_type type)
{
	if (d == NULL)
		return hm_fail(EINVAL, "telemetry: start_array on a NULL data object");
	if ((unsigned int)type > HM_TELEMETRY_CONTAINER)
		return hm_fail(EINVAL, "telemetry: array type %d is not one of HM_TELEMETRY_STRING, "
			       "_INT, _U64, _CONTAINER", (int)type);
	release(d);
	d->kind = DATA_ARRAY;
	d->elem_type = (uint8_t)type;
	return 0;
}

int
hm_telemetry_data_start_dict(struct hm_telemetry_data *d)
{
	if (d == NULL)
		return hm_fail(EINVAL, "telemetry: start_dict on a NULL data object");
	release(d);
	d->kind = DATA_DICT;
	return 0;
}

/* Bytes of @p s to keep so that it fits @p max - 1 bytes, cut at a UTF-8
 * character boundary. */
static size_t
cut_len(const char *s, size_t max, bool *cut)
{
	size_t n = strnlen(s, max);

	*cut = n >= max;
	if (!*cut)
		return n;
	n = max - 1;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--; /* s[n] continues a character: cut before that character */
	return n;
}

static char *
copy_cut(const char *s, size_t max, bool *cut)
{
	size_t n = cut_len(s, max, cut);
	char *c = malloc(n + 1);

	if (c != NULL) {
		memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

int
hm_telemetry_data_string(struct hm_telemetry_data *d, const char *str)
{
	bool cut;
	char *c;

	if (d == NULL || str == NULL)
		return hm_fail(EINVAL, "telemetry: NULL data object or string");
	c = copy_cut(str, HM_TELEMETRY_MAX_SINGLE_STRING_LEN, &cut);
	if (c == NULL)
		return hm_fail(ENOMEM, "telemetry: out of memory for a string");
	release(d);
	d->kind = DATA_STRING;
	d->str = c;
	if (cut)
		return hm_fail(E2BIG, "telemetry: string longer than %d bytes, truncated",
			       HM_TELEMETRY_MAX_SINGLE_STRING_LEN - 1);
	return 0;
}

static bool
name_ok(const char *name)
{
	size_t n = strnlen(name, HM_TELEMETRY_MAX_STRING_LEN);

	if (n == 0 || n >= HM_TELEMETRY_MAX_STRING_LEN)
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '/' || *p == '.' ||
		      *p == '+' || *p == '-'))
			return false;
	return true;
}

/* A free entry at the end of @p d, or NULL (full: -ENOSPC; -ENOMEM). */
static struct tel_value *
grow(struct hm_telemetry_data *d, int *rc)
{
	uint32_t max = d->kind == DATA_DICT ? HM_TELEMETRY_MAX_DICT_ENTRIES :
		HM_TELEMETRY_MAX_ARRAY_ENTRIES;

	if (d->n >= max) {
		*rc = hm_fail(ENOSPC, "telemetry: %s full (%u entries)",
			      d->kind == DATA_DICT ? "dictionary" : "array", max);
		return NULL;
	}
	if (d->n == d->cap) {
		uint32_t cap = d->cap == 0 ? 8 : d->cap * 2;
		struct tel_value *v;

		if (cap > max)
			cap = max;
		v = realloc(d->v, cap * sizeof(*v));
		if (v == NULL) {
			*rc = hm_fail(ENOMEM, "telemetry: out of memory for %u entries", cap);
			return NULL;
		}
		d->v = v;
		d->cap = cap;
	}
	memset(&d->v[d->n], 0, sizeof(d->v[0]));
	return &d->v[d->n];
}

/* Check that @p c can go into @p d; 0 or -errno. */
static int
container_ok(struct hm_telemetry_data *d, struct hm_telemetry_data *c)
{
	unsigned int level = (unsigned int)c->depth + 1;

	if (c->parent != NULL)
		return hm_fail(EINVAL, "telemetry: the container is already inside another one");
	for (struct hm_telemetry_data *a = d; a != NULL; a = a->parent, level++) {
		if (a == c)
			return hm_fail(EINVAL, "telemetry: a container cannot hold itself");
		if (level > HM_TELEMETRY_MAX_DEPTH)
			return hm_fail(E2BIG, "telemetry: containers nested deeper than %d levels",
				       HM_TELEMETRY_MAX_DEPTH);
	}
	return 0;
}

/* Record @p c (already checked) as the last entry's value, depths upward. */
static void
link_child(struct hm_telemetry_data *d, struct hm_telemetry_data *c, bool keep)
{
	uint8_t level = (uint8_t)(c->depth + 1);

	d->v[d->n].type = HM_TELEMETRY_CONTAINER;
	d->v[d->n].c = c;
	d->v[d->n].keep = keep;
	c->parent = d;
	for (struct hm_telemetry_data *a = d; a != NULL && a->depth < level; a = a->parent, level++)
		a->depth = level;
}

/* A container handed over with keep == 0 belongs to us even when the add is
 * refused: free it, unless it is not a free-standing object (inside another
 * container, or @p d or an ancestor of it, which the caller still holds). */
static void
take_refused(struct hm_telemetry_data *d, struct hm_telemetry_data *c)
{
	if (c == NULL || c->parent != NULL)
		return;
	for (struct hm_telemetry_data *a = d; a != NULL; a = a->parent)
		if (a == c)
			return;
	hm_telemetry_data_free(c);
}

/*
 * Append a value of @p type to @p d (an array of that type, or a dict when
 * @p name is not NULL). @p str / @p i / @p u / @p c: the value.
 */
static int
add(struct hm_telemetry_data *d, const char *name, enum hm_telemetry_type type, const char *str,
    int i, uint64_t u, struct hm_telemetry_data *c, int keep)
{
	struct tel_value *v;
	bool cut = false;
	int rc = 0;

	if (d == NULL || (type == HM_TELEMETRY_STRING && str == NULL) ||
	    (type == HM_TELEMETRY_CONTAINER && c == NULL)) {
		rc = hm_fail(EINVAL, "telemetry: NULL data object or value");
		goto fail;
	}
	if (name == NULL && (d->kind != DATA_ARRAY || d->elem_type != type)) {
		rc = hm_fail(EINVAL, "telemetry: not an array of that value type (start it with "
			     "hm_telemetry_data_start_array)");
		goto fail;
	}
	if (name != NULL && d->kind != DATA_DICT) {
		rc = hm_fail(EINVAL, "telemetry: not a dictionary (start it with "
			     "hm_telemetry_data_start_dict)");
		goto fail;
	}
	if (name != NULL && !name_ok(name)) {
		rc = hm_fail(EINVAL, "telemetry: dictionary name '%.*s' is not 1..%d characters "
			     "of [A-Za-z0-9_/.+-]", HM_TELEMETRY_MAX_STRING_LEN, name,
			     HM_TELEMETRY_MAX_STRING_LEN - 1);
		goto fail;
	}
	if (type == HM_TELEMETRY_CONTAINER && (rc = container_ok(d, c)) < 0)
		goto fail;
	if ((v = grow(d, &rc)) == NULL)
		goto fail;
	if (name != NULL && (v->name = strdup(name)) == NULL) {
		rc = hm_fail(ENOMEM, "telemetry: out of memory for a name");
		goto fail;
	}
	v->type = (uint8_t)type;
	switch (type) {
	case HM_TELEMETRY_STRING:
		v->str = copy_cut(str, HM_TELEMETRY_MAX_STRING_LEN, &cut);
		if (v->str == NULL) {
			free(v->name);
			rc = hm_fail(ENOMEM, "telemetry: out of memory for a string");
			goto fail;
		}
		break;
	case HM_TELEMETRY_INT:
		v->i = i;
		break;
	case HM_TELEMETRY_U64:
		v->u = u;
		break;
	case HM_TELEMETRY_CONTAINER:
		link_child(d, c, keep != 0);
		break;
	}
	d->n++;
	if (cut)
		return hm_fail(E2BIG, "telemetry: string longer than %d bytes, truncated",
			       HM_TELEMETRY_MAX_STRING_LEN - 1);
	return 0;
fail:
	if (type == HM_TELEMETRY_CONTAINER && keep == 0)
		take_refused(d, c);
	return rc;
}

int
hm_telemetry_data_add_array_string(struct hm_telemetry_data *d, const char *str)
{
	return add(d, NULL, HM_TELEMETRY_STRING, str, 0, 0, NULL, 0);
}

int
hm_telemetry_data_add_array_int(struct hm_telemetry_data *d, int x)
{
	return add(d, NULL, HM_TELEMETRY_INT, NULL, x, 0, NULL, 0);
}

int
hm_telemetry_data_add_array_u64(struct hm_telemetry_data *d, uint64_t x)
{
	return add(d, NULL, HM_TELEMETRY_U64, NULL, 0, x, NULL, 0);
}

int
hm_telemetry_data_add_array_container(struct hm_telemetry_data *d, struct hm_telemetry_data *val,
				      int keep)
{
	return add(d, NULL, HM_TELEMETRY_CONTAINER, NULL, 0, 0, val, keep);
}

int
hm_telemetry_data_add_dict_string(struct hm_telemetry_data *d, const char *name, const char *val)
{
	if (name == NULL)
		return hm_fail(EINVAL, "telemetry: NULL dictionary name");
	return add(d, name, HM_TELEMETRY_STRING, val, 0, 0, NULL, 0);
}

int
hm_telemetry_data_add_dict_int(struct hm_telemetry_data *d, const char *name, int val)
{
	if (name == NULL)
		return hm_fail(EINVAL, "telemetry: NULL dictionary name");
	return add(d, name, HM_TELEMETRY_INT, NULL, val, 0, NULL, 0);
}

int
hm_telemetry_data_add_dict_u64(struct hm_telemetry_data *d, const char *name, uint64_t val)
{
	if (name == NULL)
		return hm_fail(EINVAL, "telemetry: NULL dictionary name");
	return add(d, name, HM_TELEMETRY_U64, NULL, 0, val, NULL, 0);
}

int
hm_telemetry_data_add_dict_container(struct hm_telemetry_data *d, const char *name,
				     struct hm_telemetry_data *val, int keep)
{
	if (name == NULL) {
		if (keep == 0)
			take_refused(d, val);
		return hm_fail(EINVAL, "telemetry: NULL dictionary name");
	}
	return add(d, name, HM_TELEMETRY_CONTAINER, NULL, 0, 0, val, keep);
}
