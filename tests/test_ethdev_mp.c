/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hugemem ports in several processes. This program is the primary: it
 * creates two ports (port 0: two TX queues into a capture file), configures
 * and starts them, then fork+execs itself (a fresh image, ASLR on) as a
 * secondary:
 *
 *   test_ethdev_mp tx PREFIX MEMOPT        attach, look the ports up, transmit
 *                                           on TX queue 1 of port 0
 *   test_ethdev_mp rx PREFIX MEMOPT        receive what port 1's RSS steered to
 *                                           RX queue 1 (the primary fed the device)
 *   test_ethdev_mp refuse PREFIX MEMOPT    every control call -E_RTE_SECONDARY
 *   test_ethdev_mp fail PREFIX MEMOPT ERRNO [--vdev=...]
 *                                           rte_eal_init must fail with ERRNO
 *
 * Checked in the primary: the capture both processes wrote is a valid pcap
 * holding every frame of each once, each process's in its order; the port's
 * counters count both; the pool is whole after the port stops; the port is
 * as it was after the refusals; hostile capture files and a port table of
 * another build are refused at attach, leaving nothing initialised.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_hugemem_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "dpdk_test.h"
#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"
#include "hugemem/sim/pcap.h"
#include "hugemem/testing.h"

#define N_FRAMES 300u
#define N_GEN 400u                   /* frames port 1's generator offers */
#define FRAME_LEN 96u
#define POOL_N 2047u
#define POOL_NAME "ethmp_pool"
#define TABLE_MZ "hm_ethdev_ports"   /* sim/ethdev's port table */

static const char *self_path;
static char prefix[64];
static char out_path[4200];
static const char *mem_opt = "--no-huge";
static char mem_opt_buf[64];
static unsigned int test_no;

/* A frame: broadcast, ethertype 0x88b5, then the sender's tag and a sequence number. */
static void
frame_fill(uint8_t *f, uint8_t tag, uint32_t seq)
{
	memset(f, 0xff, 6);
	const uint8_t src[6] = { 0x02, 0, 0, 0, 0, tag };
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	f[14] = tag;
	memcpy(f + 15, &seq, 4);
	for (unsigned int i = 19; i < FRAME_LEN; i++)
		f[i] = (uint8_t)(i * 7u + seq + tag);
}

/* Transmit N_FRAMES tagged frames on @p port / @p queue. @return 0 or -1. */
static int
send_frames(struct rte_mempool *mp, uint16_t port, uint16_t queue, uint8_t tag)
{
	uint32_t sent = 0;
	unsigned int idle = 0;

	while (sent < N_FRAMES && idle < 1000000) {
		struct rte_mbuf *m[16];
		unsigned int n = N_FRAMES - sent < 16 ? N_FRAMES - sent : 16;
		if (rte_pktmbuf_alloc_bulk(mp, m, n) != 0) {
			idle++;
			rte_eth_tx_burst(port, queue, m, 0); /* let completions free mbufs */
			continue;
		}
		for (unsigned int i = 0; i < n; i++)
			frame_fill((uint8_t *)rte_pktmbuf_append(m[i], FRAME_LEN), tag, sent + i);
		uint16_t k = rte_eth_tx_burst(port, queue, m, (uint16_t)n);
		for (unsigned int i = k; i < n; i++)
			rte_pktmbuf_free(m[i]);
		idle = k == 0 ? idle + 1 : 0;
		sent += k;
	}
	return sent == N_FRAMES ? 0 : -1;
}

/* ------------------------------------------------------------ the children */

static int
child_fail(const char *what)
{
	fprintf(stderr, "FAIL %s (rte_errno %d: %s)\n", what, rte_errno, rte_strerror(rte_errno));
	return 1;
}

static int
child_attach(const char *pfx, const char *mem)
{
	if (dpdk_test_eal_v((const char *const[]){ "--proc-type=secondary", mem, "--file-prefix", pfx,
					      "-l", "1", NULL }) < 0)
		return child_fail("rte_eal_init");
	return 0;
}

/* The primary's ports, looked up; N_FRAMES on TX queue 1 of port 0. */
static int
child_tx(const char *pfx, const char *mem)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_dev_info di;
	struct rte_mempool *mp;
	struct rte_eth_link link;
	uint16_t id;

	if (child_attach(pfx, mem) != 0)
		return 1;
	if (rte_eal_process_type() != RTE_PROC_SECONDARY)
		return child_fail("not a secondary");
	if (rte_eth_dev_count_avail() != 2)
		return child_fail("the primary's 2 ports are not visible");
	if (rte_eth_dev_get_name_by_port(0, name) != 0 || strcmp(name, "net_hugemem0") != 0 ||
	    rte_eth_dev_get_name_by_port(1, name) != 0 || strcmp(name, "net_hugemem1") != 0 ||
	    rte_eth_dev_get_port_by_name("net_hugemem1", &id) != 0 || id != 1)
		return child_fail("port ids and names differ from the primary's");
	if (rte_eth_dev_info_get(0, &di) != 0 || di.nb_tx_queues != 2 || di.nb_rx_queues != 1)
		return child_fail("port 0's queues differ from the primary's");
	if (rte_eth_link_get_nowait(0, &link) != 0 || link.link_status != RTE_ETH_LINK_UP)
		return child_fail("port 0 is not up");
	if (rte_eth_promiscuous_get(0) != 1)
		return child_fail("port 0's promiscuous mode differs from the primary's");
	mp = rte_mempool_lookup(POOL_NAME);
	if (mp == NULL)
		return child_fail("the primary's pool");
	if (send_frames(mp, 0, 1, 'S') != 0)
		return child_fail("rte_eth_tx_burst on TX queue 1");
	if (hm_ethdev_check(0, NULL) != 0)
		return child_fail("hm_ethdev_check");
	if (rte_eal_cleanup() != 0)
		return child_fail("rte_eal_cleanup");
	return 0;
}

/* What the device delivered to RX queue 1 of port 1: every frame whole, with
 * its packet type (the driver's table is the secondary's own copy). */
static int
child_rx(const char *pfx, const char *mem)
{
	unsigned int got = 0, idle = 0;

	if (child_attach(pfx, mem) != 0)
		return 1;
	while (idle < 200000) {
		struct rte_mbuf *m[32];
		uint16_t n = rte_eth_rx_burst(1, 1, m, 32);
		for (uint16_t i = 0; i < n; i++) {
			if (m[i]->pkt_len < 60 || m[i]->packet_type == RTE_PTYPE_UNKNOWN ||
			    m[i]->port != 1)
				return child_fail("a received frame without its length, type or port");
			rte_pktmbuf_free(m[i]);
		}
		got += n;
		idle = n == 0 ? idle + 1 : 0;
		if (n == 0 && rte_eth_rx_queue_count(1, 1) == 0 && got > 0)
			break;
	}
	printf("rx %u\n", got);
	if (hm_ethdev_check(1, NULL) != 0)
		return child_fail("hm_ethdev_check");
	if (rte_eal_cleanup() != 0)
		return child_fail("rte_eal_cleanup");
	return 0;
}

/* Every control call of a port is the primary's: -E_RTE_SECONDARY, nothing changes. */
static int
child_refuse(const char *pfx, const char *mem)
{
	struct rte_eth_conf conf;
	struct rte_ether_addr mac = { { 0x02, 1, 2, 3, 4, 5 } };
	struct rte_eth_rss_reta_entry64 reta[8];
	struct rte_eth_rss_conf rss;
	struct rte_mempool *mp;
	uint32_t ptypes[4];
	uint16_t mtu = 0;
	int rc[32], n = 0;

	if (child_attach(pfx, mem) != 0)
		return 1;
	mp = rte_mempool_lookup(POOL_NAME);
	memset(&conf, 0, sizeof(conf));
	memset(reta, 0, sizeof(reta));
	reta[0].mask = 1;
	memset(&rss, 0, sizeof(rss));
	rss.rss_hf = RTE_ETH_RSS_IPV4;
	rc[n++] = rte_eth_dev_configure(0, 1, 2, &conf);
	rc[n++] = rte_eth_rx_queue_setup(0, 0, 512, 0, NULL, mp);
	rc[n++] = rte_eth_tx_queue_setup(0, 1, 512, 0, NULL);
	rc[n++] = rte_eth_dev_start(0);
	rc[n++] = rte_eth_dev_stop(0);
	rc[n++] = rte_eth_dev_close(0);
	rc[n++] = rte_eth_dev_rx_queue_stop(0, 0);
	rc[n++] = rte_eth_dev_rx_queue_start(0, 0);
	rc[n++] = rte_eth_dev_tx_queue_stop(0, 1);
	rc[n++] = rte_eth_dev_tx_queue_start(0, 1);
	rc[n++] = rte_eth_promiscuous_disable(0);
	rc[n++] = rte_eth_promiscuous_enable(0);
	rc[n++] = rte_eth_allmulticast_enable(0);
	rc[n++] = rte_eth_allmulticast_disable(0);
	rc[n++] = rte_eth_dev_set_link_down(0);
	rc[n++] = rte_eth_dev_set_link_up(0);
	rc[n++] = rte_eth_dev_default_mac_addr_set(0, &mac);
	rc[n++] = rte_eth_dev_set_mtu(0, 1000);
	rc[n++] = rte_eth_dev_set_ptypes(0, RTE_PTYPE_UNKNOWN, ptypes, 0);
	rc[n++] = rte_eth_dev_rss_reta_update(0, reta, 64);
	rc[n++] = rte_eth_dev_rss_hash_update(0, &rss);
	rc[n++] = rte_vdev_init("net_hugemem7", "");
	rc[n++] = rte_vdev_uninit("net_hugemem1");
	for (int i = 0; i < n; i++)
		if (rc[i] != -E_RTE_SECONDARY) {
			fprintf(stderr, "FAIL call %d returned %d, not -E_RTE_SECONDARY\n", i, rc[i]);
			return 1;
		}
	if (rte_eth_dev_count_avail() != 2 || rte_eth_promiscuous_get(0) != 1 ||
	    rte_eth_allmulticast_get(0) != 0 || rte_eth_dev_get_mtu(0, &mtu) != 0 ||
	    mtu != RTE_ETHER_MTU || hm_ethdev_check(0, NULL) != 0)
		return child_fail("a refused call changed the port");
	printf("refused %d\n", n);
	if (rte_eal_cleanup() != 0)
		return child_fail("rte_eal_cleanup");
	return 0;
}

/* rte_eal_init must fail with @p want; nothing may be left initialised. */
static int
child_expect_fail(const char *pfx, const char *mem, int want, const char *vdev)
{
	int rc = dpdk_test_eal_v((const char *const[]){ "--proc-type=secondary", mem, "--file-prefix",
						   pfx, "-l", "1", vdev, NULL });
	if (rc >= 0)
		return child_fail("rte_eal_init succeeded");
	printf("rte_errno %d\n", rte_errno);
	if (rte_errno != want) {
		fprintf(stderr, "FAIL rte_errno %d (%s), not %d\n", rte_errno,
			rte_strerror(rte_errno), want);
		return 1;
	}
	if (hm_initialized())
		return child_fail("something was left initialised");
	return 0;
}

/* ------------------------------------------------------------ the primary */

struct child {
	int status;
	char out[4096];
	char err[8192];
};

/* fork+exec this program as @p mode with @p extra arguments; wait for it. */
static void
run_child(struct child *c, const char *mode, const char *a1, const char *a2)
{
	const struct hm_test_spawn_args a = {
		.argv = HM_TEST_ARGV(self_path, mode, prefix, mem_opt, a1, a2),
		.out = HM_TEST_IO_FILE, .err = HM_TEST_IO_FILE,
	};

	c->status = hm_test_run(&a, c->out, sizeof(c->out), c->err, sizeof(c->err));
	if (c->status != 0)
		printf("# child exit %d\n# stdout: %s\n# stderr: %s\n", c->status, c->out, c->err);
}

static struct rte_mempool *pool;

static int
setup(void **state)
{
	const char *base = getenv("HUGEMEM_RUNTIME_DIR");
	char vdev0[4400];
	struct rte_eth_conf conf;
	(void)state;

	snprintf(prefix, sizeof(prefix), "ethmp%d-%u", (int)getpid(), ++test_no);
	snprintf(out_path, sizeof(out_path), "%s/%s-out.pcap", base, prefix);
	snprintf(vdev0, sizeof(vdev0), "--vdev=net_hugemem0,queues=2,tx_pcap=%s", out_path);
	if (dpdk_test_eal_v((const char *const[]){ mem_opt, "--file-prefix", prefix, "-l", "0", vdev0,
					      "--vdev=net_hugemem1,tx=discard,queues=2,gen=400",
					      NULL }) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create(POOL_NAME, POOL_N, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		return -1;
	memset(&conf, 0, sizeof(conf));
	for (uint16_t port = 0; port < 2; port++) {
		uint16_t ntx = port == 0 ? 2 : 1, nrx = port == 0 ? 1 : 2;
		conf.rxmode.mq_mode = port == 1 ? RTE_ETH_MQ_RX_RSS : RTE_ETH_MQ_RX_NONE;
		if (rte_eth_dev_configure(port, nrx, ntx, &conf) != 0)
			return -1;
		for (uint16_t q = 0; q < nrx; q++)
			if (rte_eth_rx_queue_setup(port, q, 512, 0, NULL, pool) != 0)
				return -1;
		for (uint16_t q = 0; q < ntx; q++)
			if (rte_eth_tx_queue_setup(port, q, 256, 0, NULL) != 0)
				return -1;
		if (rte_eth_promiscuous_enable(port) != 0 || rte_eth_dev_start(port) != 0)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	if (rte_lcore_count() > 0)
		rte_eal_cleanup();
	unlink(out_path);
	return hm_test_teardown(state);
}

/* A secondary transmits on its own TX queue of the primary's port while the
 * primary transmits on queue 0: one valid capture with every frame once. */
static void
test_ethdev_mp_tx(void **state)
{
	static uint8_t buf[16384];
	uint32_t next[2] = { 0, 0 };
	struct hm_pcap_rec rec;
	struct rte_eth_stats st;
	struct child c;
	int got;
	(void)state;

	unsigned int start = rte_mempool_avail_count(pool);
	assert_int_equal(send_frames(pool, 0, 0, 'P'), 0);
	run_child(&c, "tx", NULL, NULL);
	assert_int_equal(c.status, 0);
	assert_int_equal(rte_eth_stats_get(0, &st), 0);
	assert_int_equal(st.opackets, 2 * N_FRAMES);
	assert_int_equal(st.q_opackets[0], N_FRAMES);
	assert_int_equal(st.q_opackets[1], N_FRAMES);
	assert_int_equal(st.oerrors, 0);
	assert_int_equal(hm_ethdev_check(0, NULL), 0);
	/* the mbufs still in both TX rings go back when the port stops */
	assert_int_equal(rte_eth_dev_stop(0), 0);
	assert_int_equal(rte_eth_dev_stop(1), 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
	assert_true(start <= POOL_N);

	struct hm_pcap_reader *r = hm_pcap_open(out_path);
	assert_non_null(r);
	unsigned int n = 0;
	while ((got = hm_pcap_next(r, buf, sizeof(buf), &rec)) == 1) {
		uint8_t want[FRAME_LEN];
		uint32_t seq;
		assert_int_equal(rec.caplen, FRAME_LEN);
		assert_true(buf[14] == 'P' || buf[14] == 'S');
		unsigned int who = buf[14] == 'S';
		memcpy(&seq, buf + 15, 4);
		assert_int_equal(seq, next[who]); /* each sender's frames in its order */
		frame_fill(want, buf[14], seq);
		assert_memory_equal(buf, want, FRAME_LEN);
		next[who]++;
		n++;
	}
	assert_int_equal(got, 0); /* whole records to the end: a valid capture */
	hm_pcap_close(r);
	assert_int_equal(n, 2 * N_FRAMES);
	assert_int_equal(next[0], N_FRAMES);
	assert_int_equal(next[1], N_FRAMES);
}

/* The primary polls RX queue 0 of port 1 (its rx_burst feeds the device from
 * the generator; RSS steers about half the frames to queue 1); a secondary
 * receives queue 1's: together every frame. */
static void
test_ethdev_mp_rx(void **state)
{
	struct rte_eth_stats st;
	struct child c;
	unsigned int got0 = 0, rounds = 0;
	int waiting = 0;
	(void)state;

	while (rounds++ < 2000000) {
		struct rte_mbuf *m[32];
		uint16_t n = rte_eth_rx_burst(1, 0, m, 32);
		for (uint16_t i = 0; i < n; i++)
			rte_pktmbuf_free(m[i]);
		got0 += n;
		waiting = rte_eth_rx_queue_count(1, 1);
		assert_true(waiting >= 0);
		if (n == 0 && got0 + (unsigned int)waiting == N_GEN)
			break;
	}
	assert_int_equal(got0 + (unsigned int)waiting, N_GEN);
	assert_true(waiting > 0 && got0 > 0); /* RSS used both queues */
	run_child(&c, "rx", NULL, NULL);
	assert_int_equal(c.status, 0);
	char want[32];
	snprintf(want, sizeof(want), "rx %d\n", waiting);
	assert_string_equal(c.out, want);
	assert_int_equal(rte_eth_stats_get(1, &st), 0);
	assert_int_equal(st.ipackets, N_GEN);
	assert_int_equal(st.q_ipackets[1], (uint64_t)waiting);
	assert_int_equal(hm_ethdev_check(1, NULL), 0);
	assert_int_equal(rte_eth_dev_stop(0), 0);
	assert_int_equal(rte_eth_dev_stop(1), 0);
	assert_int_equal(rte_mempool_avail_count(pool), POOL_N);
}

/* A secondary may not configure, start, stop or close a port. */
static void
test_ethdev_mp_refusals(void **state)
{
	struct child c;
	(void)state;

	run_child(&c, "refuse", NULL, NULL);
	assert_int_equal(c.status, 0);
	assert_non_null(strstr(c.out, "refused 23"));
	assert_non_null(strstr(c.err, "not allowed in a secondary process"));
	assert_int_equal(rte_eth_promiscuous_get(0), 1);
	assert_int_equal(rte_eth_dev_count_avail(), 2);
	assert_int_equal(hm_ethdev_check(0, NULL), 0);
	/* --vdev in a secondary: its ports are the primary's */
	char e[16];
	snprintf(e, sizeof(e), "%d", E_RTE_SECONDARY);
	run_child(&c, "fail", e, "--vdev=net_hugemem5");
	assert_int_equal(c.status, 0);
	assert_non_null(strstr(c.err, "a secondary process cannot create a port"));
}

/* Attach refusals: a TX capture replaced by a symbolic link, by a file that
 * is no pcap, by another user's file; a port table of another build. */
static void
test_ethdev_mp_attach_refusals(void **state)
{
	char e[16], moved[4300];
	struct child c;
	int fd;
	(void)state;

	snprintf(moved, sizeof(moved), "%s.moved", out_path);
	assert_int_equal(rename(out_path, moved), 0);
	assert_int_equal(symlink(moved, out_path), 0);
	snprintf(e, sizeof(e), "%d", ELOOP);
	run_child(&c, "fail", e, NULL);
	assert_int_equal(c.status, 0);
	assert_non_null(strstr(c.err, "a symbolic link is not followed"));
	assert_int_equal(unlink(out_path), 0);

	fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not a capture file at all", 25), 25);
	snprintf(e, sizeof(e), "%d", EINVAL);
	run_child(&c, "fail", e, NULL);
	assert_int_equal(c.status, 0);
	assert_non_null(strstr(c.err, "not the capture the primary started"));
	if (geteuid() == 0) {
		assert_int_equal(fchown(fd, 4242, 4242), 0);
		snprintf(e, sizeof(e), "%d", EPERM);
		run_child(&c, "fail", e, NULL);
		assert_int_equal(c.status, 0);
		assert_non_null(strstr(c.err, "belongs to uid 4242"));
	}
	close(fd);
	assert_int_equal(unlink(out_path), 0);
	assert_int_equal(rename(moved, out_path), 0);

	/* the table as another build wrote it (its size field) */
	const struct rte_memzone *mz = rte_memzone_lookup(TABLE_MZ);
	assert_non_null(mz);
	uint64_t *size = (uint64_t *)mz->addr + 1, saved = *size;
	*size = saved + 64;
	snprintf(e, sizeof(e), "%d", EPROTO);
	run_child(&c, "fail", e, NULL);
	*size = saved;
	assert_int_equal(c.status, 0);
	assert_non_null(strstr(c.err, "must use the same hugemem build"));
	/* and a secondary attaches again once all is well */
	run_child(&c, "tx", NULL, NULL);
	assert_int_equal(c.status, 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ethdev_mp_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_mp_rx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_mp_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_mp_attach_refusals, setup, teardown),
	};
	rte_log_set_global_level(RTE_LOG_ERR);
	if (argc == 4 && strcmp(argv[1], "tx") == 0)
		return child_tx(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "rx") == 0)
		return child_rx(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "refuse") == 0)
		return child_refuse(argv[2], argv[3]);
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "fail") == 0)
		return child_expect_fail(argv[2], argv[3], atoi(argv[4]),
					 argc == 6 ? argv[5] : NULL);
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
