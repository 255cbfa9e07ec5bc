/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ports' telemetry commands (/ethdev/list, /ethdev/stats, /ethdev/xstats,
 * /ethdev/link_status; sim/ethdev/ethdev_telemetry.c), spoken to over this
 * process's own telemetry socket: DPDK 22.11's names, help texts and JSON
 * shapes, every value equal to what rte_eth_stats_get / rte_eth_xstats_get /
 * rte_eth_link_get_nowait say; bad parameters answered as DPDK 22.11.11 answers
 * them (checked against it) and leaving the ports as they were; the counters
 * read while a worker lcore moves traffic between two back-to-back ports
 * (monotonic while it runs, equal to the ports' own at the end; the TSan build
 * runs this too); and DPDK's own client, dpdk-telemetry.py unmodified, reading
 * every command from a second process of this program (`serve` mode, started
 * by fork+exec), skipped with the reason where Debian's dpdk-dev is absent.
 *
 * Ports: net_hugemem0 (generated frames; its TX wire is port 1's RX wire),
 * net_hugemem1 (speed 25G, so its link reads apart from port 0's 10G) and
 * net_hugemem2 (link=down), two queues each.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_hugemem_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/hugemem.h"
#include "json_read.h"

#define MP(p) ((struct rte_mempool *)(void *)(p))
#define CLIENT "/usr/bin/dpdk-telemetry.py"
#define N_FRAMES 3000u
#define NQ 2

static const char *self;
static char serve_prefix[64]; /* tethtel_<pid of the test>: a run of its own */

static int
eal_init_v(const char *const *args)
{
	char *argv[32];
	int argc = 0;

	argv[argc++] = (char *)"test_ethdev_telemetry";
	for (; args[argc - 1] != NULL && argc < 31; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	return rte_eal_init(argc, argv);
}
#define EAL(...) eal_init_v((const char *const[]){ __VA_ARGS__, NULL })

static void
quiet(void)
{
	static FILE *null;

	if (null == NULL)
		null = fopen("/dev/null", "w");
	rte_openlog_stream(null);
	hm_test_quiet_log();
}

static struct hm_mempool *pool;
static int fd = -1;

static void
port_up(uint16_t port)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_UDP |
					   RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	assert_int_equal(rte_eth_dev_configure(port, NQ, NQ, &conf), 0);
	for (uint16_t q = 0; q < NQ; q++) {
		assert_int_equal(rte_eth_rx_queue_setup(port, q, 256, 0, NULL, MP(pool)), 0);
		assert_int_equal(rte_eth_tx_queue_setup(port, q, 256, 0, NULL), 0);
	}
	assert_int_equal(rte_eth_dev_start(port), 0);
	assert_int_equal(rte_eth_promiscuous_enable(port), 0);
}

/* Three ports up, this process's telemetry socket connected. */
static int
setup(void **state)
{
	const char *sock;

	(void)state;
	quiet();
	if (EAL("-l", "0-1", "--no-huge", "--file-prefix=tethtel",
		"--vdev=net_hugemem0,queues=2,gen_size=64-1500,gen=3000,loopback=net_hugemem1",
		"--vdev=net_hugemem1,queues=2,speed=25G", "--vdev=net_hugemem2,queues=2,link=down") < 0)
		return -1;
	pool = hm_pktmbuf_pool_create("tel_pool", 4096, 32, 0, 2176, 0);
	if (pool == NULL)
		return -1;
	for (uint16_t p = 0; p < 3; p++)
		port_up(p);
	sock = hm_telemetry_socket_path();
	if (sock == NULL)
		return -1;
	fd = hm_telemetry_connect(sock, NULL, 0, 5000);
	return fd >= 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	const char *why = NULL;

	if (fd >= 0)
		close(fd);
	fd = -1;
	for (uint16_t p = 0; p < 3; p++) {
		assert_int_equal(hm_ethdev_check(p, &why), 0);
		assert_int_equal(rte_eth_dev_stop(p), 0);
		assert_int_equal(rte_eth_dev_close(p), 0);
	}
	assert_int_equal(hm_mempool_in_use_count(pool), 0);
	assert_int_equal(hm_mempool_free(pool), 0);
	pool = NULL;
	rte_eal_cleanup();
	rte_openlog_stream(NULL);
	return hm_test_teardown(state);
}

/* ------------------------------------------------------------------ helpers */

static struct tj *
parse(const char *s)
{
	char err[128];
	struct tj *v = tj_parse(s, strlen(s), err, sizeof(err));

	if (v == NULL)
		fail_msg("not JSON (%s): %.300s", err, s);
	return v;
}

/* Ask @p msg; the reply's only member (named after the command) in *val. */
static struct tj *
ask(const char *msg, const struct tj **val)
{
	static char reply[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	char key[HM_TELEMETRY_MAX_MSG_LEN + 1];
	struct tj *v;
	int n = hm_telemetry_query(fd, msg, reply, sizeof(reply), 5000);

	if (n < 0)
		fail_msg("%s: %d", msg, n);
	v = parse(reply);
	snprintf(key, sizeof(key), "%s", msg);
	if (strchr(key, ',') != NULL)
		*strchr(key, ',') = '\0';
	assert_int_equal(v->type, TJ_OBJ);
	assert_int_equal(v->n, 1);
	assert_string_equal(v->kids[0].name, key);
	*val = &v->kids[0];
	return v;
}

static uint64_t
u64_of(const struct tj *o, const char *name)
{
	uint64_t u;

	if (!tj_u64(tj_get(o, name), &u))
		fail_msg("no integer %s", name);
	return u;
}

/* Move exactly @p n frames port 0 -> (TX wire) -> port 1 in this thread: port
 * 0 receives and sends n more, port 1 receives n more. */
static void
move_frames(unsigned int n)
{
	struct rte_mbuf *pkts[32];
	unsigned int taken = 0, seen = 0;

	for (int spins = 0; seen < n && spins < 200000; spins++)
		for (uint16_t q = 0; q < NQ; q++) {
			uint16_t want = (uint16_t)(n - taken < 32 ? n - taken : 32);
			uint16_t k = want == 0 ? 0 : rte_eth_rx_burst(0, q, pkts, want);
			uint16_t s = 0;
			taken += k;
			while (s < k)
				s = (uint16_t)(s + rte_eth_tx_burst(0, q, pkts + s, (uint16_t)(k - s)));
			k = rte_eth_rx_burst(1, q, pkts, 32);
			for (uint16_t i = 0; i < k; i++)
				hm_pktmbuf_free((struct hm_mbuf *)(void *)pkts[i]);
			seen += k;
		}
	assert_int_equal(taken, n);
	assert_int_equal(seen, n);
}

static const char *const stat_keys[] = {
	"ipackets", "opackets", "ibytes", "obytes", "imissed", "ierrors", "oerrors", "rx_nombuf",
	"q_ipackets", "q_opackets", "q_ibytes", "q_obytes", "q_errors",
};

/* /ethdev/stats's value @p v is exactly @p st, in DPDK's member order. */
static void
assert_stats_equal(const struct tj *v, const struct rte_eth_stats *st)
{
	const uint64_t scalars[] = { st->ipackets, st->opackets, st->ibytes, st->obytes,
				     st->imissed, st->ierrors, st->oerrors, st->rx_nombuf };
	const uint64_t *arrays[] = { st->q_ipackets, st->q_opackets, st->q_ibytes, st->q_obytes,
				     st->q_errors };

	assert_int_equal(v->type, TJ_OBJ);
	assert_int_equal(v->n, 13);
	for (unsigned int i = 0; i < 13; i++)
		assert_string_equal(v->kids[i].name, stat_keys[i]);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(u64_of(v, stat_keys[i]), scalars[i]);
	for (unsigned int a = 0; a < 5; a++) {
		const struct tj *arr = tj_get(v, stat_keys[8 + a]);
		assert_int_equal(arr->type, TJ_ARR);
		assert_int_equal(arr->n, RTE_ETHDEV_QUEUE_STAT_CNTRS);
		for (unsigned int q = 0; q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++) {
			uint64_t u;
			assert_true(tj_u64(&arr->kids[q], &u));
			assert_int_equal(u, arrays[a][q]);
		}
	}
}

/* ------------------------------------------------------------------ tests */

/*
 * Bad parameters, each answered as DPDK 22.11.11 answers it (null; or, for
 * text after the number, the port the number names), the ports unchanged.
 */
static void
test_ethdev_telemetry_invalid_args(void **state)
{
	static const char *const cmds[] = { "/ethdev/stats", "/ethdev/xstats",
					     "/ethdev/link_status" };
	static const char *const null_params[] = {
		"", ",", ",x", ",-1", ",+1", ", 1", ",3", ",31", ",32", ",65536", ",65537",
		",4294967296", ",99999999999999999999", ",\xc3\xa9",
	};
	struct hm_telemetry_stats t0, t1;
	struct rte_eth_stats before[3], after;
	const struct tj *v;
	struct tj *r;
	char msg[128];
	unsigned int nulls = 0;
	(void)state;

	move_frames(500);
	for (uint16_t p = 0; p < 3; p++)
		assert_int_equal(rte_eth_stats_get(p, &before[p]), 0);
	assert_int_equal(hm_telemetry_stats_get(&t0), 0);
	for (unsigned int c = 0; c < 3; c++)
		for (unsigned int i = 0; i < sizeof(null_params) / sizeof(null_params[0]); i++) {
			snprintf(msg, sizeof(msg), "%s%s", cmds[c], null_params[i]);
			r = ask(msg, &v);
			if (v->type != TJ_NULL)
				fail_msg("%s answered something, DPDK answers null", msg);
			tj_free(r);
			nulls++;
		}
	assert_int_equal(hm_telemetry_stats_get(&t1), 0);
	/* every null one a failed command (not a protocol error, not unknown) */
	assert_int_equal(t1.failed - t0.failed, nulls);

	/* text after the number is ignored, as DPDK does: which port answered */
	static const struct {
		const char *msg;
		int port; /* -1: null */
	} cases[] = {
		{ "/ethdev/stats,0abc", 0 },       { "/ethdev/stats,1,2", 1 },
		{ "/ethdev/stats,0 ", 0 },         { "/ethdev/stats,0x1", 0 }, /* base 10 (atoi) */
		{ "/ethdev/stats,01", 1 },         { "/ethdev/stats,08", -1 },
		{ "/ethdev/stats,0x", 0 },         { "/ethdev/xstats,0abc", 0 },
		{ "/ethdev/xstats,0x1", 1 },       /* strtoul base 0 */
		{ "/ethdev/xstats,08", 0 },        /* octal "0", then "8" */
		{ "/ethdev/xstats,1,2", 1 },       { "/ethdev/link_status,1abc", 1 },
		{ "/ethdev/link_status,0x2", 2 },  { "/ethdev/link_status,02", 2 },
		{ "/ethdev/link_status,0x", 0 },
	};
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = ask(cases[i].msg, &v);
		if (cases[i].port < 0) {
			assert_int_equal(v->type, TJ_NULL);
		} else if (strncmp(cases[i].msg, "/ethdev/stats", 13) == 0) {
			assert_stats_equal(v, &before[cases[i].port]);
		} else if (strncmp(cases[i].msg, "/ethdev/xstats", 14) == 0) {
			assert_int_equal(u64_of(v, "tx_good_packets"),
					 before[cases[i].port].opackets);
			assert_int_equal(u64_of(v, "rx_good_packets"),
					 before[cases[i].port].ipackets);
		} else {
			struct rte_eth_link l;
			assert_int_equal(rte_eth_link_get_nowait((uint16_t)cases[i].port, &l), 0);
			assert_string_equal(tj_get(v, "status")->str, l.link_status ? "UP" : "DOWN");
			if (l.link_status)
				assert_int_equal(u64_of(v, "speed"), l.link_speed);
		}
		tj_free(r);
	}
	/* /ethdev/list ignores parameters, as DPDK's does */
	r = ask("/ethdev/list,junk", &v);
	assert_int_equal(v->type, TJ_ARR);
	assert_int_equal(v->n, 3);
	tj_free(r);

	/* nothing changed: the same counters, valid ports, a sound server */
	for (uint16_t p = 0; p < 3; p++) {
		const char *why = NULL;
		assert_int_equal(rte_eth_stats_get(p, &after), 0);
		assert_memory_equal(&after, &before[p], sizeof(after));
		assert_int_equal(hm_ethdev_check(p, &why), 0);
	}
	{
		const char *why = NULL;
		assert_int_equal(hm_telemetry_check(&why), 0);
	}
	/* and the ports still move traffic, telemetry still sees it */
	move_frames(100);
	assert_int_equal(rte_eth_stats_get(1, &after), 0);
	assert_int_equal(after.ipackets, before[1].ipackets + 100);
	r = ask("/ethdev/stats,1", &v);
	assert_stats_equal(v, &after);
	tj_free(r);
}

/* Names, help texts, shapes, and every value equal to the ports' own. */
static void
test_ethdev_telemetry_shapes(void **state)
{
	static const char *const help[][2] = {
		{ "/ethdev/list", "Returns list of available ethdev ports. Takes no parameters" },
		{ "/ethdev/stats", "Returns the common stats for a port. Parameters: int port_id" },
		{ "/ethdev/xstats", "Returns the extended stats for a port. Parameters: int port_id" },
		{ "/ethdev/link_status",
		  "Returns the link status for a port. Parameters: int port_id" },
	};
	struct rte_eth_xstat_name names[256];
	struct rte_eth_xstat xs[256];
	struct rte_eth_stats st;
	const struct tj *v;
	struct tj *r;
	char msg[64];
	(void)state;

	move_frames(1000);
	/* listed by "/" and explained by /help as DPDK does */
	r = ask("/", &v);
	for (unsigned int i = 0; i < 4; i++) {
		bool found = false;
		for (uint32_t k = 0; k < v->n; k++)
			found |= strcmp(v->kids[k].str, help[i][0]) == 0;
		assert_true(found);
	}
	tj_free(r);
	for (unsigned int i = 0; i < 4; i++) {
		snprintf(msg, sizeof(msg), "/help,%s", help[i][0]);
		r = ask(msg, &v);
		assert_string_equal(tj_get(v, help[i][0])->str, help[i][1]);
		tj_free(r);
	}
	/* the list: the port ids, as ints */
	r = ask("/ethdev/list", &v);
	assert_int_equal(v->type, TJ_ARR);
	assert_int_equal(v->n, 3);
	for (uint32_t k = 0; k < 3; k++) {
		uint64_t u;
		assert_true(tj_u64(&v->kids[k], &u));
		assert_int_equal(u, k);
	}
	tj_free(r);
	for (uint16_t p = 0; p < 3; p++) {
		struct rte_eth_link l;
		int n;

		snprintf(msg, sizeof(msg), "/ethdev/stats,%u", p);
		r = ask(msg, &v);
		assert_int_equal(rte_eth_stats_get(p, &st), 0);
		assert_stats_equal(v, &st);
		tj_free(r);

		snprintf(msg, sizeof(msg), "/ethdev/xstats,%u", p);
		r = ask(msg, &v);
		n = rte_eth_xstats_get_names(p, names, 256);
		assert_true(n > 20);
		assert_int_equal(rte_eth_xstats_get(p, xs, 256), n);
		assert_int_equal(v->type, TJ_OBJ);
		assert_int_equal(v->n, (uint32_t)n);
		for (int i = 0; i < n; i++) {
			uint64_t u;
			assert_string_equal(v->kids[i].name, names[i].name);
			assert_true(tj_u64(&v->kids[i], &u));
			assert_int_equal(u, xs[i].value);
		}
		tj_free(r);

		snprintf(msg, sizeof(msg), "/ethdev/link_status,%u", p);
		r = ask(msg, &v);
		assert_int_equal(rte_eth_link_get_nowait(p, &l), 0);
		assert_int_equal(v->type, TJ_OBJ);
		if (p == 2) { /* link=down: DPDK says only that */
			assert_int_equal(l.link_status, RTE_ETH_LINK_DOWN);
			assert_int_equal(v->n, 1);
			assert_string_equal(tj_get(v, "status")->str, "DOWN");
		} else {
			assert_int_equal(v->n, 3);
			assert_string_equal(v->kids[0].name, "status");
			assert_string_equal(v->kids[0].str, "UP");
			assert_string_equal(v->kids[1].name, "speed");
			assert_int_equal(u64_of(v, "speed"), p == 0 ? RTE_ETH_SPEED_NUM_10G
								    : RTE_ETH_SPEED_NUM_25G);
			assert_string_equal(tj_get(v, "duplex")->str, "full-duplex");
		}
		tj_free(r);
	}
	/* port 0 moved the frames: received, sent, spread over both queues */
	r = ask("/ethdev/stats,0", &v);
	assert_int_equal(u64_of(v, "ipackets"), 1000);
	assert_int_equal(u64_of(v, "opackets"), 1000);
	assert_true(tj_get(v, "q_ipackets")->kids[0].u > 0 && tj_get(v, "q_ipackets")->kids[1].u > 0);
	tj_free(r);
	/* a reset is seen as rte_eth_stats_get sees it; a port taken down reads DOWN */
	assert_int_equal(rte_eth_stats_reset(0), 0);
	assert_int_equal(rte_eth_stats_get(0, &st), 0);
	r = ask("/ethdev/stats,0", &v);
	assert_stats_equal(v, &st);
	assert_int_equal(u64_of(v, "ipackets"), 0);
	tj_free(r);
	assert_int_equal(rte_eth_dev_set_link_down(1), 0);
	r = ask("/ethdev/link_status,1", &v);
	assert_int_equal(v->n, 1);
	assert_string_equal(tj_get(v, "status")->str, "DOWN");
	tj_free(r);
	assert_int_equal(rte_eth_dev_set_link_up(1), 0);
	/* a port closed is gone from the list and its commands answer null */
	assert_int_equal(rte_eth_dev_stop(2), 0);
	assert_int_equal(rte_eth_dev_close(2), 0);
	r = ask("/ethdev/list", &v);
	assert_int_equal(v->n, 2);
	tj_free(r);
	r = ask("/ethdev/stats,2", &v);
	assert_int_equal(v->type, TJ_NULL);
	tj_free(r);
	assert_int_equal(rte_vdev_init("net_hugemem2", "queues=2,link=down"), 0);
	port_up(2); /* for the teardown */
}

struct worker {
	uint64_t seen;
	int done;
};

/* Lcore 1: port 0 -> wire -> port 1 until every frame arrived. */
static int
worker_fwd(void *arg)
{
	struct worker *w = arg;
	struct rte_mbuf *pkts[32];
	uint64_t seen = 0;

	for (long spins = 0; seen < N_FRAMES && spins < 2000000; spins++)
		for (uint16_t q = 0; q < NQ; q++) {
			uint16_t k = rte_eth_rx_burst(0, q, pkts, 32);
			uint16_t s = rte_eth_tx_burst(0, q, pkts, k);
			for (uint16_t i = s; i < k; i++)
				hm_pktmbuf_free((struct hm_mbuf *)(void *)pkts[i]);
			k = rte_eth_rx_burst(1, q, pkts, 32);
			for (uint16_t i = 0; i < k; i++)
				hm_pktmbuf_free((struct hm_mbuf *)(void *)pkts[i]);
			seen += k;
		}
	w->seen = seen;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * The counters read over the socket while a worker lcore moves the traffic:
 * never going back; once it is done, exactly the ports' rte_eth_stats_get and
 * xstats, and what was sent is what arrived.
 */
static void
test_ethdev_telemetry_live_counters(void **state)
{
	struct worker w = { 0, 0 };
	uint64_t last[2][4] = { { 0 } };
	unsigned int polls = 0;
	struct rte_eth_stats s0, s1;
	const struct tj *v;
	struct tj *r;
	(void)state;

	assert_int_equal(rte_lcore_count(), 2);
	assert_int_equal(rte_eal_remote_launch(worker_fwd, &w, 1), 0);
	while (!__atomic_load_n(&w.done, __ATOMIC_ACQUIRE) || polls < 4) {
		for (uint16_t p = 0; p < 2; p++) {
			char msg[32];
			snprintf(msg, sizeof(msg), "/ethdev/stats,%u", p);
			r = ask(msg, &v);
			const uint64_t now[4] = { u64_of(v, "ipackets"), u64_of(v, "opackets"),
						  u64_of(v, "ibytes"), u64_of(v, "obytes") };
			for (unsigned int k = 0; k < 4; k++) {
				assert_true(now[k] >= last[p][k]);
				last[p][k] = now[k];
			}
			assert_true(now[0] <= N_FRAMES);
			tj_free(r);
		}
		r = ask("/ethdev/xstats,1", &v);
		assert_true(u64_of(v, "rx_good_packets") <= N_FRAMES);
		tj_free(r);
		r = ask("/ethdev/link_status,0", &v);
		assert_string_equal(tj_get(v, "status")->str, "UP");
		tj_free(r);
		polls++;
	}
	assert_int_equal(rte_eal_wait_lcore(1), 0);
	assert_int_equal(w.seen, N_FRAMES);
	assert_true(polls >= 4);
	assert_int_equal(rte_eth_stats_get(0, &s0), 0);
	assert_int_equal(rte_eth_stats_get(1, &s1), 0);
	r = ask("/ethdev/stats,0", &v);
	assert_stats_equal(v, &s0);
	tj_free(r);
	r = ask("/ethdev/stats,1", &v);
	assert_stats_equal(v, &s1);
	tj_free(r);
	assert_int_equal(s0.ipackets, N_FRAMES);
	assert_int_equal(s0.opackets, N_FRAMES);
	assert_int_equal(s1.ipackets, N_FRAMES);
	assert_int_equal(s1.ibytes, s0.obytes);
	assert_int_equal(s0.imissed + s0.ierrors + s0.oerrors + s1.imissed + s1.ierrors, 0);
}

/* ------------------------------------------------------------------ DPDK's client */

static volatile sig_atomic_t serve_stop;

static void
on_term(int sig)
{
	(void)sig;
	serve_stop = 1;
}

/* `test_ethdev_telemetry serve`: ports moving paced traffic until SIGTERM or
 * the end of its standard input (the test closes the pipe; ThreadSanitizer
 * delivers signals late to a loop that makes no system call), at most 60 s,
 * for DPDK's client to read. */
static int
serve(void)
{
	struct pollfd in = { .fd = 0, .events = POLLIN };
	struct rte_mbuf *pkts[32];
	struct timespec t0, t;

	signal(SIGTERM, on_term);
	quiet();
	char prefix_opt[96];

	snprintf(prefix_opt, sizeof(prefix_opt), "--file-prefix=%s", serve_prefix);
	if (EAL("-l", "0", "--no-huge", prefix_opt,
		"--vdev=net_hugemem0,queues=2,gen=0,rate=20000,loopback=net_hugemem1",
		"--vdev=net_hugemem1,queues=2,speed=25G",
		"--vdev=net_hugemem2,queues=2,link=down") < 0)
		return 2;
	pool = hm_pktmbuf_pool_create("srv_pool", 4096, 32, 0, 2176, 0);
	if (pool == NULL)
		return 3;
	for (uint16_t p = 0; p < 3; p++)
		port_up(p);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		uint16_t moved = 0;
		for (uint16_t q = 0; q < NQ; q++) {
			uint16_t k = rte_eth_rx_burst(0, q, pkts, 32);
			uint16_t s = rte_eth_tx_burst(0, q, pkts, k);
			for (uint16_t i = s; i < k; i++)
				hm_pktmbuf_free((struct hm_mbuf *)(void *)pkts[i]);
			k = rte_eth_rx_burst(1, q, pkts, 32);
			for (uint16_t i = 0; i < k; i++)
				hm_pktmbuf_free((struct hm_mbuf *)(void *)pkts[i]);
			moved = (uint16_t)(moved + k);
		}
		if (moved == 0)
			usleep(200);
		if (poll(&in, 1, 0) > 0) /* readable or hung up: the test is done */
			serve_stop = 1;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!serve_stop && t.tv_sec - t0.tv_sec < 60);
	for (uint16_t p = 0; p < 3; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	hm_mempool_free(pool);
	rte_eal_cleanup();
	return 0;
}

/* Run DPDK's client with @p args, @p input on stdin; its stdout in @p out. */
static int
run_client(const char *const *args, const char *input, char *out, size_t len)
{
	return hm_test_run_stdio(HM_TEST_ARGV("/usr/bin/python3", CLIENT), args, input, out, len);
}

/* The next line of the client's output, as JSON: {"<cmd>": value}. */
static struct tj *
line_json(char **cursor, const char *cmd, const struct tj **val)
{
	char *nl = strchr(*cursor, '\n');
	struct tj *v;

	if (nl == NULL)
		fail_msg("the client printed fewer lines than commands");
	*nl = '\0';
	v = parse(*cursor);
	*cursor = nl + 1;
	assert_int_equal(v->type, TJ_OBJ);
	assert_int_equal(v->n, 1);
	assert_string_equal(v->kids[0].name, cmd);
	*val = &v->kids[0];
	return v;
}

/* dpdk-telemetry.py, unmodified, reads every ethdev command of a live process. */
static void
test_ethdev_telemetry_dpdk_client(void **state)
{
	static char out[1 << 18];
	const char *args[] = { "-f", serve_prefix, NULL };
	char path[PATH_MAX], *cur;
	const struct tj *v;
	struct tj *r;
	struct hm_test_child srv; /* its stdin a pipe: the end of it stops the server */
	int sfd = -1;
	(void)state;

	if (access(CLIENT, R_OK) != 0 || access("/usr/bin/python3", X_OK) != 0) {
		printf("# SKIP: %s or python3 is not installed (Debian package dpdk-dev: "
		       "apt-get install dpdk-dev; not a test dependency)\n", CLIENT);
		skip();
	}
	hm_test_spawn(&srv, &(struct hm_test_spawn_args){
		.argv = HM_TEST_ARGV(self, "serve", serve_prefix), .in_pipe = true,
		.out = HM_TEST_IO_NULL, .err = HM_TEST_IO_NULL });
	assert_int_equal(hm_telemetry_path(serve_prefix, 0, path, sizeof(path)), 0);
	for (int i = 0; i < 500 && sfd < 0; i++) {
		sfd = hm_telemetry_connect(path, NULL, 0, 1000);
		if (sfd < 0)
			usleep(20000);
	}
	if (sfd < 0)
		fail_msg("no telemetry socket at %s", path);
	/* wait for traffic to have moved */
	for (int i = 0; i < 500; i++) {
		static char reply[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
		assert_true(hm_telemetry_query(sfd, "/ethdev/stats,1", reply, sizeof(reply), 5000) >
			    0);
		/* null until the ports are up, then zero until frames arrived */
		if (strstr(reply, "\"ipackets\":") != NULL &&
		    strstr(reply, "\"ipackets\":0,") == NULL)
			break;
		usleep(20000);
	}
	close(sfd);

	assert_int_equal(run_client(args,
				    "/\n/ethdev/list\n/ethdev/stats,0\n/ethdev/xstats,1\n"
				    "/ethdev/link_status,1\n/ethdev/link_status,2\n"
				    "/help,/ethdev/xstats\n/ethdev/stats,7\n",
				    out, sizeof(out)),
			 0);
	cur = out;
	r = line_json(&cur, "/", &v);
	{
		unsigned int found = 0;
		for (uint32_t k = 0; k < v->n; k++)
			found += strncmp(v->kids[k].str, "/ethdev/", 8) == 0;
		assert_int_equal(found, 4);
	}
	tj_free(r);
	r = line_json(&cur, "/ethdev/list", &v);
	assert_int_equal(v->type, TJ_ARR);
	assert_int_equal(v->n, 3);
	tj_free(r);
	r = line_json(&cur, "/ethdev/stats", &v);
	assert_int_equal(v->n, 13);
	for (unsigned int i = 0; i < 13; i++)
		assert_string_equal(v->kids[i].name, stat_keys[i]);
	assert_true(u64_of(v, "ipackets") > 0);
	assert_true(u64_of(v, "opackets") > 0);
	assert_int_equal(tj_get(v, "q_ipackets")->n, RTE_ETHDEV_QUEUE_STAT_CNTRS);
	tj_free(r);
	r = line_json(&cur, "/ethdev/xstats", &v);
	assert_string_equal(v->kids[0].name, "rx_good_packets");
	assert_true(u64_of(v, "rx_good_packets") > 0);
	assert_non_null(tj_get(v, "rx_q1_packets"));
	tj_free(r);
	r = line_json(&cur, "/ethdev/link_status", &v);
	assert_string_equal(tj_get(v, "status")->str, "UP");
	assert_int_equal(u64_of(v, "speed"), RTE_ETH_SPEED_NUM_25G);
	assert_string_equal(tj_get(v, "duplex")->str, "full-duplex");
	tj_free(r);
	r = line_json(&cur, "/ethdev/link_status", &v);
	assert_int_equal(v->n, 1);
	assert_string_equal(tj_get(v, "status")->str, "DOWN");
	tj_free(r);
	r = line_json(&cur, "/help", &v);
	assert_string_equal(tj_get(v, "/ethdev/xstats")->str,
			    "Returns the extended stats for a port. Parameters: int port_id");
	tj_free(r);
	r = line_json(&cur, "/ethdev/stats", &v);
	assert_int_equal(v->type, TJ_NULL);
	tj_free(r);

	/* the server's stdin ends: it stops, cleans up and exits 0 */
	hm_test_wait(&srv, -1);
	assert_int_equal(srv.sig, 0);
	assert_int_equal(srv.status, 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ethdev_telemetry_invalid_args, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_telemetry_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ethdev_telemetry_live_counters, setup,
						teardown),
		cmocka_unit_test(test_ethdev_telemetry_dpdk_client),
	};

	self = argv[0];
	if (argc > 2 && strcmp(argv[1], "serve") == 0) {
		snprintf(serve_prefix, sizeof(serve_prefix), "%s", argv[2]);
		return serve();
	}
	snprintf(serve_prefix, sizeof(serve_prefix), "tethtel_%ld", (long)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
