/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A consumer of the library built the way a user builds one: only the public
 * headers (no internal include directory) and a debug macro of its own that
 * differs from the library's (meson builds this file twice: HM_DEBUG undefined
 * and HM_DEBUG=3). It runs full RX cycles (fake NIC -> i40e driver -> the inline
 * mbuf free paths compiled here) with the pools' debug cookies on and off, many
 * times round the pool, so a cookie flipped on one side and not the other would
 * abort it ("get: the object is not free"). Then it checks that a debug pool
 * still catches a double free made by this code (in a child: it must abort).
 *
 * Usage: consumer_rx on|off   (--mempool-debug for the run)
 * Exit: 0 ok, 1 a failure (printed).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/traffic.h"

#define POOL_N 256u
#define LAPS 20u /* times every mbuf of the pool goes round */

static int
fail(const char *what)
{
	fprintf(stderr, "consumer_rx: %s: %s\n", what, hm_last_error());
	return 1;
}

static int
rx_cycles(struct hm_mempool *mp, enum hm_i40e_rx_path path)
{
	struct hm_i40e_rxq_conf qc;
	struct hm_traffic_gen_conf gc;
	struct hm_nic_conf nc;
	struct hm_mbuf *pkts[32];
	struct hm_i40e_rxq *rxq = NULL;
	struct hm_traffic_gen *g = NULL;
	struct hm_nic *nic = NULL;
	uint64_t want = (uint64_t)POOL_N * LAPS, got = 0;
	int rc = 1;

	hm_nic_conf_init(&nc);
	hm_traffic_gen_conf_init(&gc);
	gc.count = want;
	nic = hm_nic_create(&nc);
	g = hm_traffic_gen_create(&gc);
	if (nic == NULL || g == NULL)
		goto out;
	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = 128;
	qc.path = path;
	rxq = hm_i40e_rxq_setup(nic, 0, mp, &qc);
	if (rxq == NULL || hm_i40e_rxq_start(rxq) < 0)
		goto out;
	while (got < want) {
		int stepped = hm_nic_step(nic, hm_traffic_gen_source(g), 64);
		uint16_t n;

		if (stepped < 0)
			goto out;
		while ((n = hm_i40e_rx_burst(rxq, pkts, 32)) > 0) {
			for (uint16_t i = 0; i < n; i++) {
				struct hm_traffic_meta meta;
				if (hm_traffic_verify(hm_pktmbuf_mtod(pkts[i], void *),
						      pkts[i]->data_len, &meta) != 0) {
					fprintf(stderr, "consumer_rx: payload mismatch\n");
					goto out;
				}
			}
			/* half one by one, half in bulk: both inline paths */
			for (uint16_t i = 0; i < n / 2; i++)
				hm_pktmbuf_free(pkts[i]);
			hm_pktmbuf_free_bulk(pkts + n / 2, n - n / 2);
			got += n;
		}
		if (stepped == 0 && got < want) {
			fprintf(stderr, "consumer_rx: the source stopped at %llu of %llu\n",
				(unsigned long long)got, (unsigned long long)want);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc != 0 && got < want)
		fprintf(stderr, "consumer_rx: %s path: %llu of %llu packets (%s)\n",
			hm_i40e_rx_path_name(path), (unsigned long long)got,
			(unsigned long long)want, hm_last_error());
	hm_i40e_rxq_release(rxq);
	hm_nic_free(nic);
	hm_traffic_gen_free(g);
	return rc;
}

/* In a child: free one mbuf twice. @return 1 when the child aborted. */
static int
double_free_aborts(struct hm_mempool *mp)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct hm_mbuf *m = hm_pktmbuf_alloc(mp);
		if (freopen("/dev/null", "w", stderr) == NULL) /* the abort's message is expected */
			_exit(0);
		hm_pktmbuf_free(m);
		hm_pktmbuf_free(m);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 0;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

int
main(int argc, char **argv)
{
	char opt[32];
	char *args[] = { argv[0], (char *)"--in-memory",
			 (char *)"--topology=nodes=1;2M=64;lcores=0@0", opt, NULL };
	struct hm_mempool *mp;
	int debug, bad = 0;

	if (argc != 2 || (strcmp(argv[1], "on") != 0 && strcmp(argv[1], "off") != 0)) {
		fprintf(stderr, "usage: consumer_rx on|off\n");
		return 2;
	}
	debug = strcmp(argv[1], "on") == 0;
	snprintf(opt, sizeof(opt), "--mempool-debug=%s", argv[1]);
	if (hm_init(4, args) < 0)
		return fail("hm_init");
	mp = hm_pktmbuf_pool_create("consumer", POOL_N, 32, 0, HM_MBUF_DEFAULT_BUF_SIZE, 0);
	if (mp == NULL) {
		hm_cleanup();
		return fail("pool");
	}
	if (((mp->flags & HM_MEMPOOL_F_DEBUG) != 0) != debug) {
		fprintf(stderr, "consumer_rx: --mempool-debug=%s but the pool's flag is %s\n",
			argv[1], debug ? "off" : "on");
		bad = 1;
	}
	bad |= rx_cycles(mp, HM_I40E_RX_SCALAR);
	bad |= rx_cycles(mp, HM_I40E_RX_BULK);
	if (hm_mempool_avail_count(mp) != POOL_N) {
		fprintf(stderr, "consumer_rx: %u of %u mbufs back in the pool\n",
			hm_mempool_avail_count(mp), POOL_N);
		bad = 1;
	}
	if (debug && !double_free_aborts(mp)) {
		fprintf(stderr, "consumer_rx: a double free in a debug pool did not abort\n");
		bad = 1;
	}
	hm_mempool_free(mp);
	if (hm_cleanup() != 0)
		bad |= fail("hm_cleanup");
	if (!bad)
		printf("consumer_rx: %u x %u packets through scalar and bulk RX, mempool debug "
		       "%s, consumer HM_DEBUG %s: ok\n", POOL_N, LAPS, argv[1],
#ifdef HM_DEBUG
		       "defined"
#else
		       "undefined"
#endif
		       );
	return bad;
}
