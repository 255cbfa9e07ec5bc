/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A process killed while it holds a net_hugemem port's device locks does not
 * stop the others. This program is the primary: port 0 (an endless generator
 * feeding its RX queue, two TX queues into tx=discard) configured and started;
 * it fork+execs itself (a fresh image, ASLR on) as the victim:
 *
 *   test_ethdev_robust victim PREFIX MEMOPT [corrupt]
 *       attach, transmit a few frames on TX queue 1 (the NIC then holds this
 *       process's sink callback), take the port's tx_lock and rx_lock through
 *       hm_shared_lock on the port table's lock words (sim/ethdev/ethdev_i.h),
 *       with "corrupt" write an RX tail register outside the ring, say
 *       "held PID" and wait to be killed
 *
 * Checked in the primary after the SIGKILL: the next TX and RX bursts and
 * rte_eth_dev_stop complete (the locks are taken over), TX goes through this
 * process's own sink, the port validates and works after a restart, the pool
 * is whole; with "corrupt", the RX takeover's check fails: the port is out of
 * service (bursts return 0, dev_stop and dev_start -EOWNERDEAD, the error and
 * the log name the victim's pid, logged once), and it can still be closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_hugemem_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "ethdev_i.h" /* the port table: where the lock words are */
#include "dpdk_test.h"
#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"
#include "hugemem/testing.h"

#define POOL_N 2047u
#define POOL_NAME "ethrob_pool"
#define VPOOL_N 255u
#define VPOOL_NAME "ethrob_vpool"   /* the victim's: no cache, so nothing dies with it */
#define FRAME_LEN 80u

static const char *self_path;
static char prefix[64];
static const char *mem_opt = "--no-huge";
static char mem_opt_buf[64];
static unsigned int test_no;
static struct rte_mempool *pool, *vpool;
static char log_path[4200];
static FILE *log_f;

/* Up to @p n broadcast frames on @p port / @p queue. @return the count sent. */
static unsigned int
send_some(struct rte_mempool *mp, uint16_t port, uint16_t queue, unsigned int n)
{
	struct rte_mbuf *m[16];

	if (n > 16)
		n = 16;
	if (rte_pktmbuf_alloc_bulk(mp, m, n) != 0)
		return 0;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *f = (uint8_t *)rte_pktmbuf_append(m[i], FRAME_LEN);
		if (f == NULL) { /* no room: cannot happen with this pool's mbufs */
			rte_pktmbuf_free_bulk(m, n);
			return 0;
		}
		memset(f, 0xff, 6);
		memset(f + 6, 0x02, 6);
		f[12] = 0x88;
		f[13] = 0xb5;
		memset(f + 14, (int)i, FRAME_LEN - 14);
	}
	uint16_t k = rte_eth_tx_burst(port, queue, m, (uint16_t)n);
	for (unsigned int i = k; i < n; i++)
		rte_pktmbuf_free(m[i]);
	return k;
}

/* Frames received on port 0 queue 0 in at most @p bursts bursts, freed. */
static unsigned int
recv_some(unsigned int bursts)
{
	unsigned int got = 0;

	for (unsigned int b = 0; b < bursts; b++) {
		struct rte_mbuf *m[32];
		uint16_t n = rte_eth_rx_burst(0, 0, m, 32);
		for (uint16_t i = 0; i < n; i++)
			rte_pktmbuf_free(m[i]);
		got += n;
	}
	return got;
}

/* ------------------------------------------------------------ the victim */

static int
child_fail(const char *what)
{
	printf("FAIL %s (rte_errno %d, %s)\n", what, rte_errno, hm_last_error());
	return 1;
}

static int
child_victim(const char *pfx, const char *mem, bool corrupt)
{
	if (dpdk_test_eal_v((const char *const[]){ "--proc-type=secondary", mem, "--file-prefix", pfx,
					      "-l", "1", NULL }) < 0)
		return child_fail("rte_eal_init");
	struct rte_mempool *mp = rte_mempool_lookup(VPOOL_NAME);
	if (mp == NULL)
		return child_fail("rte_mempool_lookup");
	unsigned int sent = 0;
	for (int i = 0; i < 1000 && sent < 8; i++)
		sent += send_some(mp, 0, 1, 8 - sent);
	if (sent != 8)
		return child_fail("tx on queue 1");
	const struct rte_memzone *mz = rte_memzone_lookup(ETH_SHARED_MZ);
	if (mz == NULL)
		return child_fail("the port table");
	struct hm_eth_port *p = &((struct eth_shared *)mz->addr)->ports[0];
	if (p->sink_pid != (int32_t)getpid())
		return child_fail("the NIC holds another process's sink");
	if (hm_shared_lock(&p->tx_lock, "victim tx", NULL, NULL) != 0 ||
	    hm_shared_lock(&p->rx_lock, "victim rx", NULL, NULL) != 0)
		return child_fail("hm_shared_lock");
	if (corrupt)
		hm_nic_tail_write(hm_nic_tail_reg(p->nic, 0), 60000); /* outside any ring */
	printf("held %d\n", (int)getpid());
	fflush(stdout);
	for (;;)
		pause(); /* until SIGKILL */
}

/* ------------------------------------------------------------ the primary */

static int
setup(void **state)
{
	const char *base = getenv("HUGEMEM_RUNTIME_DIR");
	struct rte_eth_conf conf;
	(void)state;

	snprintf(prefix, sizeof(prefix), "ethrob%d-%u", (int)getpid(), ++test_no);
	snprintf(log_path, sizeof(log_path), "%s/%s.log", base, prefix);
	log_f = fopen(log_path, "w+");
	if (log_f == NULL || rte_openlog_stream(log_f) != 0)
		return -1;
	if (dpdk_test_eal_v((const char *const[]){ mem_opt, "--file-prefix", prefix, "-l", "0",
					      "--vdev=net_hugemem0,queues=2,tx=discard,gen=0",
					      NULL }) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create(POOL_NAME, POOL_N, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	vpool = rte_pktmbuf_pool_create(VPOOL_NAME, VPOOL_N, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL || vpool == NULL)
		return -1;
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(0, 1, 2, &conf) != 0 ||
	    rte_eth_rx_queue_setup(0, 0, 512, 0, NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(0, 0, 256, 0, NULL) != 0 ||
	    rte_eth_tx_queue_setup(0, 1, 256, 0, NULL) != 0 ||
	    rte_eth_promiscuous_enable(0) != 0 || rte_eth_dev_start(0) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	if (rte_lcore_count() > 0)
		rte_eal_cleanup();
	rte_openlog_stream(NULL);
	if (log_f != NULL)
		fclose(log_f);
	log_f = NULL;
	unlink(log_path);
	return hm_test_teardown(state);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Start the victim, wait until it holds both locks, kill it. @return its pid. */
static pid_t
victim_run(bool corrupt)
{
	char line[128], want[64];
	struct hm_test_child v;

	hm_test_spawn(&v, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self_path, "victim", prefix, mem_opt,
				     corrupt ? "corrupt" : NULL),
		.out = HM_TEST_IO_PIPE });
	assert_true(hm_test_read_line(&v, line, sizeof(line), 60000) >= 0);
	snprintf(want, sizeof(want), "held %d\n", (int)v.pid);
	if (strcmp(line, want) != 0) {
		hm_test_kill(&v);
		fail_msg("victim: %s", line);
	}
	/* while it lives: the locks are its own */
	struct hm_eth_port *p =
		&((struct eth_shared *)rte_memzone_lookup(ETH_SHARED_MZ)->addr)->ports[0];
	assert_int_equal(hm_shared_trylock(&p->tx_lock), 0);
	assert_int_equal(hm_shared_trylock(&p->rx_lock), 0);
	assert_int_equal(hm_shared_unlock(&p->rx_lock), -EPERM);
	assert_int_equal(hm_test_kill(&v), 128 + SIGKILL);
	return v.pid;
}

/* The victim's locks are taken over; the port carries on. */
static void
test_ethdev_robust_takeover(void **state)
{
	struct rte_eth_stats st;
	(void)state;

	assert_true(recv_some(64) > 0);
	victim_run(false);
	double t0 = now_s();
	unsigned int sent = 0;
	for (int i = 0; i < 1000 && sent < 16; i++)
		sent += send_some(pool, 0, 0, 16 - sent);
	assert_int_equal(sent, 16); /* tx_lock taken over, our sink installed */
	unsigned int got = 0;
	for (int i = 0; i < 200 && got == 0; i++)
		got += recv_some(ETH_RX_TRIES); /* the feed waits once, then takes over */
	assert_true(got > 0);
	assert_int_equal(rte_eth_dev_stop(0), 0);
	assert_true(now_s() - t0 < 60.0); /* bounded: nobody waited forever */
	assert_int_equal(hm_ethdev_check(0, NULL), 0);
	assert_int_equal(rte_eth_stats_get(0, &st), 0);
	assert_int_equal(st.opackets, 8 + 16);
	assert_int_equal(st.oerrors, 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	assert_int_equal(rte_mempool_avail_count(vpool), VPOOL_N);
	/* it works afterwards */
	assert_int_equal(rte_eth_dev_start(0), 0);
	assert_true(recv_some(64) > 0);
	sent = 0;
	for (int i = 0; i < 1000 && sent < 16; i++)
		sent += send_some(pool, 0, 1, 16 - sent);
	assert_int_equal(sent, 16);
	assert_int_equal(rte_eth_dev_stop(0), 0);
	assert_int_equal(hm_ethdev_check(0, NULL), 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	assert_int_equal(rte_mempool_avail_count(vpool), VPOOL_N);
	char buf[8192];
	fflush(log_f);
	rewind(log_f);
	buf[fread(buf, 1, sizeof(buf) - 1, log_f)] = '\0';
	assert_null(strstr(buf, "out of service"));
}

/* The victim left the RX side inconsistent: the port goes out of service. */
static void
test_ethdev_robust_poisoned(void **state)
{
	char pidstr[32], buf[8192];
	(void)state;

	assert_true(recv_some(64) > 0);
	pid_t pid = victim_run(true);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	double t0 = now_s();
	for (int i = 0; i < 20; i++)
		recv_some(ETH_RX_TRIES); /* the feed finds the dead holder, the check fails */
	assert_int_equal(recv_some(64), 0);
	assert_int_equal(send_some(pool, 0, 0, 8), 0);
	rte_errno = 0;
	assert_int_equal(rte_eth_dev_stop(0), -EOWNERDEAD);
	assert_non_null(strstr(hm_last_error(), pidstr));
	assert_non_null(strstr(hm_last_error(), "net_hugemem0 rx"));
	assert_true(now_s() - t0 < 60.0);
	assert_int_equal(rte_eth_dev_start(0), -EOWNERDEAD);
	assert_int_equal(rte_eth_dev_tx_queue_start(0, 0), -EOWNERDEAD);
	fflush(log_f);
	rewind(log_f);
	buf[fread(buf, 1, sizeof(buf) - 1, log_f)] = '\0';
	char *first = strstr(buf, "out of service");
	assert_non_null(first);
	assert_null(strstr(first + 1, "net_hugemem0: out of service")); /* once */
	assert_non_null(strstr(first, pidstr));
	/* the port can still be closed; its queues' mbufs go back */
	assert_int_equal(rte_eth_dev_close(0), 0);
	assert_int_equal(rte_eth_dev_count_avail(), 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	assert_int_equal(rte_mempool_avail_count(vpool), VPOOL_N);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ethdev_robust_takeover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_robust_poisoned, setup, teardown),
	};
	rte_log_set_global_level(RTE_LOG_ERR);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "victim") == 0)
		return child_victim(argv[2], argv[3], argc == 5 && strcmp(argv[4], "corrupt") == 0);
	self_path = hm_test_self_setup();
	if (strcmp(hm_test_backend(), "emu") != 0) {
		const char *dir = hm_testing_huge_dir();
		hm_test_backend_ready();
		snprintf(mem_opt_buf, sizeof(mem_opt_buf), "--backend=%s", hm_test_backend());
		mem_opt = mem_opt_buf;
		if (dir != NULL)
			setenv("HUGEMEM_HUGE_DIR", dir, 1);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
