/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark (meson test --benchmark): what a telemetry client costs the data
 * path. The i40e driver's RX cycles per packet, measured as bench_i40e does
 * (the stepped device writes 960 frames of 64 bytes untimed, rx_burst(32)
 * drains them under the TSC; 20 rounds a sample, well under a scheduler
 * tick), 150 samples in each of three settings, taken in blocks of 25
 * interleaved (A B C A B C ...) so that a loaded machine shifts them alike:
 *   A. telemetry server running, no client;
 *   B. one client in another thread asking, as fast as it is answered, for
 *      the structures the RX path uses: /mempool/info of the RX pool (reads
 *      its cache lengths and ring), /hugemem/nic/stats, /eal/heap_info,
 *      /hugemem/ring, and every 16th request a whole heap map snapshot;
 *   C. as B, with 100 more clients connected and idle (32 served, the rest
 *      refused), connected before the sample starts.
 * The RX thread is pinned to CPU 0, the clients to CPU 1 (the server thread is
 * the library's, unpinned). Printed per setting: the median and the 10th
 * percentile (the run least disturbed by other work), the ratios B/A and C/A,
 * and the requests answered during the samples.
 * Never fails on a number; exits 1 when setup fails or a packet is missing.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/traffic.h"

#define SAMPLES 7 /* bench_common.h's median (unused here: N_SAMPLES per setting) */
#include "bench_common.h"
#define N_SAMPLES (BLOCK * CYCLES)

#define ROUNDS 20       /* a sample: 19 200 packets, well under a scheduler tick */
#define BLOCK 25        /* samples in a row of one setting */
#define CYCLES 6        /* A B C blocks, this many times: 150 samples each */
#define NB_DESC 1024u
#define PER_ROUND 960u
#define BURST 32u
#define IDLE_CLIENTS 100

static inline uint64_t
rdtsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return (uint64_t)wall_ns();
#endif
}

static struct {
	struct hm_nic *nic;
	struct hm_traffic_gen *g;
	struct hm_i40e_rxq *rxq;
	struct hm_mempool *mp;
	struct hm_mbuf *held[PER_ROUND + BURST];
} B;

static volatile int client_on, client_stop;
static uint64_t answered;

static void
pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set); /* best effort */
}

static void *
client_main(void *arg)
{
	static const char *const cmds[] = { "/mempool/info,bench_pool", "/hugemem/nic/stats,0",
					    "/eal/heap_info,0", "/hugemem/ring,MP_bench_pool" };
	static char reply[HM_TELEMETRY_MAX_OUTPUT_LEN + 1];
	const char *path = arg;
	uint64_t n = 0;
	int fd;

	pin(1);
	fd = hm_telemetry_connect(path, NULL, 0, 5000);
	if (fd < 0) {
		fprintf(stderr, "bench_telemetry: client: %s\n", hm_last_error());
		return NULL;
	}
	while (!__atomic_load_n(&client_stop, __ATOMIC_RELAXED)) {
		if (!__atomic_load_n(&client_on, __ATOMIC_RELAXED)) {
			usleep(1000);
			continue;
		}
		const char *c = n % 16 == 15 ? "/hugemem/heap_map,0" : cmds[n % 4];
		if (hm_telemetry_query(fd, c, reply, sizeof(reply), 5000) < 0)
			break;
		n++;
		__atomic_store_n(&answered, n, __ATOMIC_RELAXED);
	}
	close(fd);
	return NULL;
}

static uint64_t
round_cycles(void)
{
	unsigned int got = 0;
	uint64_t t0, t1;

	if (hm_nic_step(B.nic, hm_traffic_gen_source(B.g), PER_ROUND) != (int)PER_ROUND)
		return 0;
	t0 = rdtsc();
	while (got < PER_ROUND) {
		uint16_t n = hm_i40e_rx_burst(B.rxq, B.held + got, BURST);
		if (n == 0)
			break;
		got += n;
	}
	t1 = rdtsc();
	hm_pktmbuf_free_bulk(B.held, got);
	return got == PER_ROUND ? t1 - t0 : 0;
}

static double
sample(void)
{
	uint64_t c = 0;

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t x = round_cycles();
		if (x == 0)
			return -1;
		c += x;
	}
	return (double)c / (ROUNDS * PER_ROUND);
}

int
main(void)
{
	char *argv[] = { (char *)"bench_telemetry", (char *)"--in-memory",
			 (char *)"--file-prefix=bench-telemetry",
			 (char *)"--topology=nodes=1;2M=128;lcores=0@0,1@0", NULL };
	struct hm_i40e_rxq_conf qc;
	struct hm_nic_conf nc;
	struct hm_traffic_gen_conf gc;
	static double s[3][N_SAMPLES];
	double med[3], p10[3];
	uint64_t served[3] = { 0 }, before;
	int idle[IDLE_CLIENTS];
	const char *path;
	pthread_t t;
	int rc = 1;

	pin(0);
	if (hm_init(4, argv) < 0) {
		fprintf(stderr, "bench_telemetry: init: %s\n", hm_last_error());
		return 1;
	}
	path = hm_telemetry_socket_path();
	if (path == NULL) {
		fprintf(stderr, "bench_telemetry: no telemetry server: %s\n", hm_last_error());
		goto out;
	}
	hm_nic_conf_init(&nc);
	B.nic = hm_nic_create(&nc);
	B.mp = hm_pktmbuf_pool_create("bench_pool", 4096, 256, 0, HM_MBUF_DEFAULT_BUF_SIZE, 0);
	hm_traffic_gen_conf_init(&gc);
	gc.flows = 256;
	B.g = hm_traffic_gen_create(&gc);
	if (B.nic == NULL || B.mp == NULL || B.g == NULL)
		goto out;
	hm_i40e_rxq_conf_init(&qc);
	qc.nb_desc = NB_DESC;
	qc.path = HM_I40E_RX_BULK;
	B.rxq = hm_i40e_rxq_setup(B.nic, 0, B.mp, &qc);
	if (B.rxq == NULL || hm_i40e_rxq_start(B.rxq) < 0 || round_cycles() == 0)
		goto out;
	if (pthread_create(&t, NULL, client_main, (void *)path) != 0)
		goto out;
	for (int i = 0; i < IDLE_CLIENTS; i++)
		idle[i] = -1;
	for (int cyc = 0; cyc < CYCLES; cyc++) {
		for (int mode = 0; mode < 3; mode++) {
			__atomic_store_n(&client_on, mode > 0, __ATOMIC_RELAXED);
			/* the idle clients are connected (and greeted or refused) before
			 * the samples: what is measured is their presence, not the accepts */
			if (mode == 2)
				for (int k = 0; k < IDLE_CLIENTS; k++)
					idle[k] = hm_telemetry_connect(path, NULL, 0, 5000);
			usleep(5000);
			before = __atomic_load_n(&answered, __ATOMIC_RELAXED);
			for (int i = 0; i < BLOCK; i++) {
				double x = sample();
				if (x < 0)
					goto stop;
				s[mode][cyc * BLOCK + i] = x;
			}
			served[mode] += __atomic_load_n(&answered, __ATOMIC_RELAXED) - before;
			if (mode == 2)
				for (int k = 0; k < IDLE_CLIENTS; k++)
					if (idle[k] >= 0)
						close(idle[k]);
		}
	}
	for (int mode = 0; mode < 3; mode++) {
		qsort(s[mode], N_SAMPLES, sizeof(double), cmp_d);
		med[mode] = s[mode][N_SAMPLES / 2];
		p10[mode] = s[mode][N_SAMPLES / 10];
	}
	printf("bench_telemetry: RX driver cycles/packet (bulk path, 64-byte frames; %d samples of "
	       "%u packets each, median and 10th percentile):\n", N_SAMPLES, ROUNDS * PER_ROUND);
	printf("  A no telemetry client:                   %6.1f  p10 %6.1f\n", med[0], p10[0]);
	printf("  B one client polling as fast as served:  %6.1f  p10 %6.1f  (x%.3f of A)\n", med[1],
	       p10[1], med[1] / med[0]);
	printf("  C as B, plus %d idle clients:           %6.1f  p10 %6.1f  (x%.3f of A)\n",
	       IDLE_CLIENTS, med[2], p10[2], med[2] / med[0]);
	printf("  requests answered during the samples: B %" PRIu64 ", C %" PRIu64 "\n", served[1],
	       served[2]);
	rc = 0;
stop:
	__atomic_store_n(&client_stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
out:
	if (rc != 0)
		fprintf(stderr, "bench_telemetry: setup or a round failed\n");
	hm_i40e_rxq_release(B.rxq);
	hm_nic_free(B.nic);
	hm_traffic_gen_free(B.g);
	if (B.mp != NULL)
		hm_mempool_free(B.mp);
	hm_cleanup();
	return rc;
}
