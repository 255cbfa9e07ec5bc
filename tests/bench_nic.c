/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmarks (meson test --benchmark) of the simulator's traffic side: the
 * generator, the fake NIC stepped (per-frame device cost: classify, checksum
 * verification, Toeplitz, DMA by IOVA, write-back; a minimal re-arm loop as
 * the driver), the device thread against a polling driver (end to end, the
 * two threads on the machine's two cores), and pcap write/read. Median of 5
 * samples, in this thread's CPU time, except the device thread's figure (wall
 * time, load average beside it). Never fails on a number.
 */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hugemem/hugemem.h"
#include "hugemem/sim/i40e_desc.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/pcap.h"
#include "hugemem/sim/traffic.h"

#define SAMPLES 5

#include "bench_common.h"
#define NB 1024u
#define BSZ 2048u

static void
die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, hm_last_error());
	exit(1);
}

static struct hm_traffic_gen *
gen(enum hm_traffic_size_mode mode, uint32_t size, uint64_t count)
{
	struct hm_traffic_gen_conf c;
	hm_traffic_gen_conf_init(&c);
	c.size_mode = mode;
	c.size_min = size;
	c.flows = 1024;
	c.proto = HM_TRAFFIC_MIXED;
	c.count = count;
	struct hm_traffic_gen *g = hm_traffic_gen_create(&c);
	if (g == NULL)
		die("gen");
	return g;
}

static void
bench_gen(const char *name, enum hm_traffic_size_mode mode, uint32_t size)
{
	static uint8_t f[HM_TRAFFIC_MAX_FRAME];
	enum { N = 200000 };
	double t[SAMPLES];
	struct hm_traffic_gen *g = gen(mode, size, 0);
	uint64_t bytes = 0;

	for (int s = 0; s < SAMPLES; s++) {
		double t0 = cpu_ns();
		for (int i = 0; i < N; i++)
			bytes += (uint64_t)hm_traffic_gen_next(g, f, sizeof(f), NULL);
		t[s] = (cpu_ns() - t0) / N;
	}
	char label[96];

	snprintf(label, sizeof(label), "traffic generator, %s frames (%.0f B average)", name,
		 (double)bytes / ((double)N * SAMPLES));
	bench_row(label, median(t), BENCH_NAN, "ns/frame", "-", "cpu");
	hm_traffic_gen_free(g);
}

struct ring {
	const struct hm_memzone *ring, *bufs;
	uint32_t *tail;
	uint32_t next;
};

static void
ring_init(struct ring *r, struct hm_nic *nic, int node)
{
	struct hm_nic_queue_conf qc;

	r->ring = hm_memzone_reserve_aligned("bring", NB * 32, node, HM_MEMZONE_IOVA_CONTIG, 128);
	r->bufs = hm_memzone_reserve_aligned("bbufs", (size_t)NB * BSZ, node,
					     HM_MEMZONE_IOVA_CONTIG, 128);
	if (r->ring == NULL || r->bufs == NULL)
		die("memzone");
	for (uint32_t i = 0; i < NB; i++)
		hm_i40e_rx_desc_arm((uint8_t *)r->ring->addr + 32 * i, 32, r->bufs->iova + (hm_iova_t)i * BSZ);
	qc.ring_iova = r->ring->iova;
	qc.nb_desc = NB;
	qc.buf_size = BSZ;
	qc.desc_size = 32;
	if (hm_nic_queue_setup(nic, 0, &qc) < 0)
		die("queue setup");
	r->tail = hm_nic_tail_reg(nic, 0);
	r->next = 0;
	hm_nic_tail_write(r->tail, NB - 1);
}

static volatile unsigned int sink;

/* The minimal driver: take every DD descriptor, touch its first byte, re-arm. */
static unsigned int
ring_poll(struct ring *r)
{
	unsigned int n = 0;

	for (;;) {
		uint8_t *d = (uint8_t *)r->ring->addr + 32 * r->next;
		uint64_t qw1 = hm_i40e_rx_desc_qw1_load(d);
		if (!(qw1 & HM_I40E_RXD_DD))
			break;
		sink += *((uint8_t *)r->bufs->addr + (size_t)r->next * BSZ);
		hm_i40e_rx_desc_arm(d, 32, r->bufs->iova + (hm_iova_t)r->next * BSZ);
		r->next = (r->next + 1) % NB;
		n++;
	}
	if (n > 0)
		hm_nic_tail_write(r->tail, r->next == 0 ? NB - 1 : r->next - 1);
	return n;
}

static void
bench_stepped(const char *name, enum hm_traffic_size_mode mode, uint32_t size)
{
	enum { FR = 4096, N = 200000 };
	static uint8_t frames[FR][1518];
	static int lens[FR];
	double t[SAMPLES];
	struct hm_nic_conf c;
	struct ring r;

	hm_nic_conf_init(&c);
	struct hm_nic *nic = hm_nic_create(&c);
	if (nic == NULL)
		die("nic");
	ring_init(&r, nic, 0);
	struct hm_traffic_gen *g = gen(mode, size, 0);
	for (int i = 0; i < FR; i++)
		lens[i] = hm_traffic_gen_next(g, frames[i], sizeof(frames[i]), NULL);
	for (int s = -1; s < SAMPLES; s++) { /* sample -1 warms up (first touch) */
		double t0 = cpu_ns();
		for (int i = 0; i < N; i += 32) {
			for (int k = 0; k < 32; k++)
				hm_nic_rx_frame(nic, frames[(i + k) % FR], (size_t)lens[(i + k) % FR]);
			ring_poll(&r);
		}
		if (s >= 0)
			t[s] = (cpu_ns() - t0) / N;
	}
	struct hm_nic_stats st;
	hm_nic_stats_get(nic, &st);
	char label[96];

	snprintf(label, sizeof(label), "fake NIC stepped, %s frames, device + minimal re-arm",
		 name);
	bench_row(label, median(t), BENCH_NAN, "ns/frame", "emu", "cpu");
	if (st.q[0].missed != 0)
		bench_note("bench_nic: %s stepped: %" PRIu64 " frames missed", name,
			   st.q[0].missed);
	hm_memzone_free(r.ring);
	hm_memzone_free(r.bufs);
	hm_nic_free(nic);
	hm_traffic_gen_free(g);
}

static void
bench_thread(const char *name, enum hm_traffic_size_mode mode, uint32_t size)
{
	enum { N = 500000 };
	double t[SAMPLES];
	struct hm_nic_conf c;
	struct ring r;

	hm_nic_conf_init(&c);
	c.backpressure = true;
	struct hm_nic *nic = hm_nic_create(&c);
	if (nic == NULL)
		die("nic");
	ring_init(&r, nic, 0);
	for (int s = 0; s < SAMPLES; s++) {
		struct hm_traffic_gen *g = gen(mode, size, N);
		uint64_t got = 0;
		double t0 = wall_ns();
		if (hm_nic_start(nic, hm_traffic_gen_source(g)) < 0)
			die("start");
		while (got < N) {
			unsigned int n = ring_poll(&r);
			got += n;
			if (n == 0 && hm_nic_running(nic) == 0 && ring_poll(&r) == 0)
				break;
		}
		t[s] = (wall_ns() - t0) / (double)got;
		hm_nic_stop(nic);
		hm_traffic_gen_free(g);
	}
	char label[96];

	snprintf(label, sizeof(label), "fake NIC device thread + polling driver, %s frames", name);
	bench_row_wall(label, median(t), BENCH_NAN, "ns/frame", "emu");
	hm_memzone_free(r.ring);
	hm_memzone_free(r.bufs);
	hm_nic_free(nic);
}

static void
bench_pcap(void)
{
	static uint8_t f[HM_TRAFFIC_MAX_FRAME];
	enum { N = 100000 };
	char path[] = "/tmp/hm-bench-pcap-XXXXXX";
	double tw[SAMPLES], tr[SAMPLES];
	int fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp");
	close(fd);
	struct hm_traffic_gen *g = gen(HM_TRAFFIC_SIZE_IMIX, 0, 0);
	int len = hm_traffic_gen_next(g, f, sizeof(f), NULL);
	for (int s = 0; s < SAMPLES; s++) {
		double t0 = cpu_ns();
		struct hm_pcap_writer *w = hm_pcap_writer_open(path, NULL);
		for (int i = 0; i < N; i++)
			hm_pcap_write(w, f, (size_t)len, (uint64_t)i);
		hm_pcap_writer_close(w);
		tw[s] = (cpu_ns() - t0) / N;
		t0 = cpu_ns();
		struct hm_pcap_reader *r = hm_pcap_open(path);
		struct hm_pcap_rec rec;
		while (hm_pcap_next(r, f, sizeof(f), &rec) == 1)
			;
		hm_pcap_close(r);
		tr[s] = (cpu_ns() - t0) / N;
	}
	char label[64];

	snprintf(label, sizeof(label), "pcap write, %d B records", len);
	bench_row(label, median(tw), BENCH_NAN, "ns/record", "-", "cpu");
	snprintf(label, sizeof(label), "pcap read, %d B records", len);
	bench_row(label, median(tr), BENCH_NAN, "ns/record", "-", "cpu");
	unlink(path);
	hm_traffic_gen_free(g);
}

int
main(void)
{
	struct hm_config c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_gen("64 B", HM_TRAFFIC_SIZE_FIXED, 64);
	bench_gen("IMIX", HM_TRAFFIC_SIZE_IMIX, 0);
	bench_pcap();
	hm_config_init(&c);
	c.topology = "nodes=1;2M=64";
	c.file_prefix = "bench-nic";
	c.in_memory = true;
	if (hm_init_config(&c) < 0)
		die("init");
	bench_stepped("64 B", HM_TRAFFIC_SIZE_FIXED, 64);
	bench_stepped("IMIX", HM_TRAFFIC_SIZE_IMIX, 0);
	bench_thread("64 B", HM_TRAFFIC_SIZE_FIXED, 64);
	hm_cleanup();
	return 0;
}
