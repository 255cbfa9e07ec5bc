/* SPDX-License-Identifier: BSD-3-Clause */
/* lcore ids, nodes of lcores, thread registration. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "helpers.h"
#include "hugemem/hugemem.h"

static int
init_topo(const char *topo)
{
	struct hm_config c;

	hm_config_init(&c);
	c.backend = "emu";
	c.topology = topo;
	c.in_memory = true;
	return hm_init_config(&c);
}

static void
test_lcore_invalid_args(void **state)
{
	(void)state;
	hm_test_quiet_log();
	assert_false(hm_initialized());
	assert_int_equal(hm_lcore_id(), HM_LCORE_ID_ANY);
	assert_int_equal(hm_get_main_lcore(), HM_LCORE_ID_ANY);
	assert_int_equal(hm_socket_id(), HM_SOCKET_ID_ANY);
	assert_int_equal(hm_lcore_to_socket_id(0), -ENODEV);
	assert_int_equal(hm_thread_register(), -ENODEV);
	assert_int_equal(hm_lcore_count(), 0);
	assert_int_equal(hm_socket_count(), 0);
	assert_false(hm_lcore_is_enabled(0));
	hm_thread_unregister(); /* no-op */

	assert_int_equal(init_topo("nodes=2;2M=4,4;lcores=0@0,1@1"), 0);
	assert_int_equal(hm_lcore_to_socket_id(2), -EINVAL);
	assert_int_equal(hm_lcore_to_socket_id(HM_LCORE_ID_ANY), -EINVAL);
	assert_int_equal(hm_thread_register(), -EALREADY); /* main thread has lcore 0 */
	assert_int_equal(hm_lcore_id(), 0);
	hm_thread_unregister(); /* the main lcore is not given away */
	assert_int_equal(hm_lcore_id(), 0);
	assert_false(hm_lcore_is_enabled(2));
	assert_int_equal(hm_cleanup(), 0);
}

struct reg {
	int id, node, again;
	pthread_barrier_t *hold;
};

static void *
reg_thread(void *arg)
{
	struct reg *r = arg;

	r->id = hm_thread_register();
	r->node = hm_socket_id();
	r->again = hm_thread_register();
	pthread_barrier_wait(r->hold); /* keep the lcore until everyone registered */
	pthread_barrier_wait(r->hold);
	hm_thread_unregister();
	return NULL;
}

static void
test_lcore_registration(void **state)
{
	pthread_barrier_t hold;
	pthread_t t[4];
	struct reg r[4];
	int seen[4] = { 0 }, fails = 0;
	(void)state;

	hm_test_quiet_log();
	/* lcore 2 does not exist: ids 0, 1, 3 */
	assert_int_equal(init_topo("nodes=2;2M=4,4;lcores=0@1,1@0,3@1"), 0);
	assert_int_equal(hm_lcore_count(), 3);
	assert_int_equal(hm_socket_count(), 2);
	assert_int_equal(hm_get_main_lcore(), 0);
	assert_int_equal(hm_lcore_id(), 0);
	assert_int_equal(hm_socket_id(), 1);
	assert_int_equal(hm_lcore_to_socket_id(1), 0);
	assert_int_equal(hm_lcore_to_socket_id(2), -EINVAL);
	assert_int_equal(hm_lcore_to_socket_id(3), 1);

	pthread_barrier_init(&hold, NULL, 5);
	for (int i = 0; i < 4; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].hold = &hold;
		pthread_create(&t[i], NULL, reg_thread, &r[i]);
	}
	pthread_barrier_wait(&hold);
	for (int i = 0; i < 4; i++) {
		if (r[i].id < 0) {
			assert_int_equal(r[i].id, -ENOSPC);
			assert_int_equal(r[i].node, HM_SOCKET_ID_ANY);
			assert_int_equal(r[i].again, -ENOSPC);
			fails++;
			continue;
		}
		assert_true(r[i].id == 1 || r[i].id == 3);
		assert_int_equal(r[i].node, r[i].id == 1 ? 0 : 1);
		assert_int_equal(r[i].again, -EALREADY);
		seen[r[i].id]++;
	}
	assert_int_equal(fails, 2);
	assert_int_equal(seen[1], 1);
	assert_int_equal(seen[3], 1);
	pthread_barrier_wait(&hold);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&hold);

	/* released lcores can be taken again */
	struct reg again = { .hold = &hold };
	pthread_barrier_init(&hold, NULL, 1);
	pthread_create(&t[0], NULL, reg_thread, &again);
	pthread_join(t[0], NULL);
	assert_int_equal(again.id, 1);
	pthread_barrier_destroy(&hold);
	assert_int_equal(hm_cleanup(), 0);
}

static void
test_lcore_default_topology_and_reinit(void **state)
{
	(void)state;
	hm_test_quiet_log();
	assert_int_equal(init_topo(NULL), 0);
	assert_true(hm_lcore_count() >= 1);
	assert_int_equal(hm_socket_count(), 1);
	assert_int_equal(hm_socket_id(), 0);
	assert_int_equal(hm_cleanup(), 0);
	/* the id taken in the previous life does not leak into this one */
	assert_int_equal(hm_lcore_id(), HM_LCORE_ID_ANY);
	assert_int_equal(init_topo("nodes=2;2M=2,2;lcores=0@1"), 0);
	assert_int_equal(hm_lcore_id(), 0);
	assert_int_equal(hm_socket_id(), 1);
	assert_int_equal(hm_cleanup(), 0);
}

struct by_id {
	unsigned int want;
	int got, again, node;
};

static void *
by_id_thread(void *arg)
{
	struct by_id *b = arg;

	b->got = hm_thread_register_id(b->want);
	b->node = hm_socket_id();
	b->again = hm_thread_register_id(b->want);
	hm_thread_unregister();
	return NULL;
}

static void
test_lcore_register_id_and_set_main(void **state)
{
	struct by_id b;
	pthread_t t;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(hm_thread_register_id(0), -ENODEV);
	assert_int_equal(hm_lcore_set_main(0), -ENODEV);
	assert_int_equal(init_topo("nodes=2;2M=4,4;lcores=0@0,1@1,3@1"), 0);
	/* the main thread holds lcore 0 */
	assert_int_equal(hm_thread_register_id(1), -EALREADY);
	assert_int_equal(hm_lcore_set_main(2), -EINVAL); /* no lcore 2 */
	assert_int_equal(hm_lcore_set_main(HM_LCORE_ID_ANY), -EINVAL);
	assert_int_equal(hm_lcore_set_main(0), 0);       /* already main: no change */
	assert_int_equal(hm_get_main_lcore(), 0);

	/* a thread takes exactly the id it asks for, and only a free one */
	b = (struct by_id){ .want = 3 };
	pthread_create(&t, NULL, by_id_thread, &b);
	pthread_join(t, NULL);
	assert_int_equal(b.got, 3);
	assert_int_equal(b.node, 1);
	assert_int_equal(b.again, -EALREADY);
	b = (struct by_id){ .want = 0 };
	pthread_create(&t, NULL, by_id_thread, &b);
	pthread_join(t, NULL);
	assert_int_equal(b.got, -EBUSY);
	assert_int_equal(b.node, HM_SOCKET_ID_ANY);
	b = (struct by_id){ .want = 2 };
	pthread_create(&t, NULL, by_id_thread, &b);
	pthread_join(t, NULL);
	assert_int_equal(b.got, -EINVAL);

	/* the main lcore moves to 3: the old id is free, the new one taken */
	assert_int_equal(hm_lcore_set_main(3), 0);
	assert_int_equal(hm_get_main_lcore(), 3);
	assert_int_equal(hm_lcore_id(), 3);
	assert_int_equal(hm_socket_id(), 1);
	b = (struct by_id){ .want = 0 };
	pthread_create(&t, NULL, by_id_thread, &b);
	pthread_join(t, NULL);
	assert_int_equal(b.got, 0);
	assert_int_equal(b.node, 0);
	hm_thread_unregister(); /* the main lcore stays */
	assert_int_equal(hm_lcore_id(), 3);
	/* a thread that is not the main lcore's cannot move it */
	assert_int_equal(hm_cleanup(), 0);
	assert_int_equal(init_topo("nodes=1;2M=4;lcores=0-2"), 0);
	assert_int_equal(hm_lcore_id(), 0);
	assert_int_equal(hm_cleanup(), 0);
}

static void *
set_main_thread(void *arg)
{
	int *rc = arg;

	rc[0] = hm_lcore_set_main(2);      /* not registered: not the main thread */
	rc[1] = hm_thread_register_id(1);
	rc[2] = hm_lcore_set_main(2);      /* registered, still not the main one */
	hm_thread_unregister();
	return NULL;
}

static void
test_lcore_set_main_only_from_main(void **state)
{
	int rc[3];
	pthread_t t;
	(void)state;

	hm_test_quiet_log();
	assert_int_equal(init_topo("nodes=1;2M=4;lcores=0-2"), 0);
	pthread_create(&t, NULL, set_main_thread, rc);
	pthread_join(t, NULL);
	assert_int_equal(rc[0], -EPERM);
	assert_int_equal(rc[1], 1);
	assert_int_equal(rc[2], -EPERM);
	assert_int_equal(hm_get_main_lcore(), 0);
	assert_int_equal(hm_cleanup(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lcore_invalid_args),
		cmocka_unit_test(test_lcore_registration),
		cmocka_unit_test(test_lcore_default_topology_and_reinit),
		cmocka_unit_test(test_lcore_register_id_and_set_main),
		cmocka_unit_test(test_lcore_set_main_only_from_main),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
