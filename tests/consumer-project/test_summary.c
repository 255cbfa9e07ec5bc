/* The consumer's own cmocka test, on whatever backend hugemem/testing.h picks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hugemem/hugemem.h"
#include "hugemem/testing.h"
#include "summary.h"

static void
test_summary_counts_chains(void **state)
{
	struct summary s;
	struct hm_mempool *mp;
	struct hm_mbuf *a, *b;
	(void)state;

	mp = hm_pktmbuf_pool_create("t", 63, 0, 0, HM_MBUF_DEFAULT_BUF_SIZE, 0);
	assert_non_null(mp);
	a = hm_pktmbuf_alloc(mp);
	b = hm_pktmbuf_alloc(mp);
	assert_non_null(hm_pktmbuf_append(a, 100));
	assert_non_null(hm_pktmbuf_append(b, 50));
	memset(hm_pktmbuf_mtod(a, void *), 0, 100);
	assert_int_equal(hm_pktmbuf_chain(a, b), 0);
	memset(&s, 0, sizeof(s));
	summary_add(&s, a);
	assert_int_equal(s.packets, 1);
	assert_int_equal(s.bytes, 150);
	assert_int_equal(s.segments, 2);
	assert_int_equal(s.bad, 1); /* zeros are no generated frame */
	hm_pktmbuf_free(a);
	assert_int_equal(hm_mempool_avail_count(mp), 63);
	hm_mempool_free(mp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_counts_chains),
	};
	int rc;

	if (hm_testing_backend_ready(8) == HM_TESTING_SKIP)
		hm_testing_skip_exit("%s", hm_testing_reason());
	rc = hm_testing_init_topo("2M=8");
	if (rc == HM_TESTING_SKIP)
		hm_testing_skip_exit("%s", hm_testing_reason());
	if (rc != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	hm_cleanup();
	return rc;
}
