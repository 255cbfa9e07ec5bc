/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The leak report at hm_cleanup (conformance, every backend): what the
 * application still holds is reported by object (a mempool with its ring and
 * memzones once, as the pool; a ring as the ring; other memzones by name, size
 * and socket; malloc blocks by type tag), logged at WARNING, released, and
 * hm_cleanup returns -EBUSY unless --allow-leaks / hm_config.allow_leaks asks
 * for the old behaviour (0). Blocks in lcore malloc caches are not leaks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

static const char *const TOPO2 = "nodes=2;2M=64,64;4K=256,256;lcores=0@0,1@1";

/* WARNING (and worse) lines logged since log_capture(). */
static struct {
	unsigned int n;
	char lines[32][256];
} logged;

static void
capture_hook(enum hm_log_level level, const char *msg, void *arg)
{
	(void)arg;
	if (level <= HM_LOG_WARNING && logged.n < 32)
		snprintf(logged.lines[logged.n++], sizeof(logged.lines[0]), "%s", msg);
}

static void
log_capture(void)
{
	memset(&logged, 0, sizeof(logged));
	hm_log_set_hook(capture_hook, NULL);
}

/* Some logged line contains @p what. */
static void
assert_logged(const char *what)
{
	for (unsigned int i = 0; i < logged.n; i++)
		if (strstr(logged.lines[i], what) != NULL)
			return;
	fail_msg("no logged line contains '%s' (%u lines)", what, logged.n);
}

static int
init_leaky(bool allow)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = TOPO2;
	c.allow_leaks = allow;
	return hm_test_init_cfg(&c);
}

static void
assert_has(const char *text, const char *what)
{
	if (strstr(text, what) == NULL)
		fail_msg("'%s' lacks '%s'", text, what);
}

static unsigned int
lines_of(const char *text)
{
	unsigned int n = 0;

	for (; *text != '\0'; text++)
		n += *text == '\n';
	return n;
}

/* One of each kind of object, left live. */
struct objs {
	struct hm_mempool *ring_pool, *stack_pool;
	struct hm_ring *ring;
	const struct hm_memzone *zone, *fake_ring;
	void *blocks[3];
};

static void
make_objs(struct objs *o)
{
	void *obj;

	o->ring_pool = hm_mempool_create("pool", 100, 64, 0, 0, NULL, NULL, NULL, NULL, 0, 0);
	assert_non_null(o->ring_pool);
	o->stack_pool = hm_mempool_create_empty("spool", 50, 32, 0, 0, 0, 0);
	assert_non_null(o->stack_pool);
	assert_int_equal(hm_mempool_set_ops_byname(o->stack_pool, "stack", NULL), 0);
	assert_int_equal(hm_mempool_populate_default(o->stack_pool), 50);
	assert_int_equal(hm_mempool_get(o->stack_pool, &obj), 0); /* one object in use */
	o->ring = hm_ring_create("rng", 128, 0, 0);
	assert_non_null(o->ring);
	assert_int_equal(hm_ring_enqueue(o->ring, (void *)1), 0);
	o->zone = hm_memzone_reserve("zone", 1000, hm_test_node_b(), 0);
	assert_non_null(o->zone);
	/* named like a ring's zone, but no ring: a memzone */
	o->fake_ring = hm_memzone_reserve("RG_fake", 4096, 0, 0);
	assert_non_null(o->fake_ring);
	o->blocks[0] = hm_malloc("tagA", 100, 0);
	o->blocks[1] = hm_malloc("tagA", 200, 0);
	o->blocks[2] = hm_malloc(NULL, 300, 0);
	for (unsigned int i = 0; i < 3; i++)
		assert_non_null(o->blocks[i]);
	/* freed small blocks wait in lcore 0's cache: not leaks */
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(hm_free(hm_malloc("cached", 64, 0)), 0);
}

/* ------------------------------------------------------------------ tests */

static void
test_leaks_none(void **state)
{
	struct objs o;
	unsigned int n;
	(void)state;

	log_capture();
	assert_int_equal(init_leaky(false), 0);
	make_objs(&o);
	assert_int_equal(hm_mempool_free(o.ring_pool), 0);
	assert_int_equal(hm_mempool_free(o.stack_pool), 0);
	hm_ring_free(o.ring);
	assert_int_equal(hm_memzone_free(o.zone), 0);
	assert_int_equal(hm_memzone_free(o.fake_ring), 0);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(hm_free(o.blocks[i]), 0);
	char *text = hm_test_leak_report(&n);
	assert_int_equal(n, 0);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(logged.n, 0);
}

static void
test_leaks_reported_by_object(void **state)
{
	struct objs o;
	unsigned int n;
	char want[160];
	(void)state;

	log_capture();
	assert_int_equal(init_leaky(false), 0);
	make_objs(&o);
	unsigned int zones = hm_memzone_count();
	char *text = hm_test_leak_report(&n);
	/* 2 pools + 1 ring + 2 memzones + 3 malloc blocks */
	assert_int_equal(n, 8);
	/* pools, ring, zones, then the two malloc tags: one line each */
	assert_int_equal(lines_of(text), 7);
	assert_has(text, "  leak: mempool 'pool': 100 objects of 64 bytes, 0 in use, socket 0, "
			 "in 3 memzone(s)\n"); /* header, chunk, ring */
	assert_has(text, "  leak: mempool 'spool': 50 objects of 32 bytes, 1 in use, socket 0, "
			 "in 3 memzone(s)\n"); /* header, chunk, stack */
	assert_has(text, "  leak: ring 'rng': 1 of 127 slots used, socket 0\n");
	snprintf(want, sizeof(want), "  leak: memzone 'zone': 1024 bytes, socket %d\n",
		 hm_test_node_b());
	assert_has(text, want);
	assert_has(text, "  leak: memzone 'RG_fake': 4096 bytes, socket 0\n");
	assert_has(text, "  leak: malloc: 2 block(s) of type 'tagA', 300 bytes\n");
	assert_has(text, "  leak: malloc: 1 block(s) of type '(untagged)', 300 bytes\n");
	/* a pool's or ring's own zones are not listed as memzones */
	assert_null(strstr(text, "'MP_"));
	assert_null(strstr(text, "'RG_rng'"));
	assert_null(strstr(text, "'SK_"));
	assert_null(strstr(text, "MPC_"));
	assert_null(strstr(text, "cached"));
	assert_int_equal(zones, 3 + 3 + 1 + 2);

	/* hm_cleanup logs the same lines, releases everything, says -EBUSY */
	assert_int_equal(hm_cleanup(), -EBUSY);
	assert_int_equal(hm_errno, EBUSY);
	assert_has(hm_last_error(), "2 mempool(s), 1 ring(s), 2 memzone(s) and 3 malloc "
				    "block(s)");
	assert_has(hm_last_error(), "--allow-leaks");
	assert_int_equal(logged.n, 7);
	assert_logged("hm_cleanup: leaked mempool 'pool': 100 objects of 64 bytes");
	assert_logged("hm_cleanup: leaked ring 'rng'");
	assert_logged("hm_cleanup: leaked memzone 'zone': 1024 bytes");
	assert_logged("hm_cleanup: leaked malloc: 2 block(s) of type 'tagA'");
	free(text);
	assert_int_equal(hm_initialized(), 0);
	assert_int_equal(hm_leak_report(NULL), 0);

	/* shut down for real: a new init starts empty */
	assert_int_equal(init_leaky(false), 0);
	assert_int_equal(hm_memzone_count(), 0);
	assert_null(hm_mempool_lookup("pool"));
	assert_int_equal(hm_leak_report(NULL), 0);
	assert_int_equal(hm_memseg_mapped_bytes(0), 0);
	assert_int_equal(hm_cleanup(), 0);
}

/* allow_leaks (--allow-leaks): the same report, return 0. */
static void
test_leaks_allowed(void **state)
{
	struct objs o;
	char *argv[] = { (char *)"prog", (char *)"--allow-leaks", NULL };
	struct hm_config c;
	(void)state;

	log_capture();
	hm_config_init(&c);
	assert_int_equal(hm_config_parse(&c, 2, argv), 1);
	assert_true(c.allow_leaks);
	c.topology = TOPO2;
	assert_int_equal(hm_test_init_cfg(&c), 0);
	make_objs(&o);
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(logged.n, 7);
	assert_logged("hm_cleanup: leaked mempool 'spool'");
	assert_int_equal(hm_initialized(), 0);
	/* the flag belongs to that run only */
	log_capture();
	assert_int_equal(init_leaky(false), 0);
	assert_non_null(hm_memzone_reserve("again", 64, 0, 0));
	assert_int_equal(hm_cleanup(), -EBUSY);
	assert_int_equal(logged.n, 1);
}

static void
test_leaks_invalid_args(void **state)
{
	char *argv[] = { (char *)"prog", (char *)"--allow-leaks=yes", NULL };
	struct hm_config c, before;
	(void)state;

	/* not initialised: nothing to report */
	assert_int_equal(hm_leak_report(NULL), 0);
	assert_int_equal(hm_leak_report(stdout), 0);
	assert_int_equal(hm_cleanup(), -EALREADY);
	hm_config_init(&c);
	before = c;
	assert_int_equal(hm_config_parse(&c, 2, argv), -EINVAL);
	assert_has(hm_last_error(), "--allow-leaks takes no value");
	assert_memory_equal(&c, &before, sizeof(c));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_leaks_invalid_args, hm_test_teardown),
		cmocka_unit_test_teardown(test_leaks_none, hm_test_teardown),
		cmocka_unit_test_teardown(test_leaks_reported_by_object, hm_test_teardown),
		cmocka_unit_test_teardown(test_leaks_allowed, hm_test_teardown),
	};

	hm_test_backend_ready();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
