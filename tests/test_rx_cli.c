/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem rx` as a user runs it: the real binary (argv[1]) started with
 * fork+exec on crafted captures, its exit status, stdout (text or --json)
 * and stderr checked. Replays of every link type and of pcapng, a corrupt
 * record deep in a file, --pcap-in and --pcap-out naming one file (by path,
 * symlink, hard link), timestamps kept by --pcap-out over one and four queues,
 * snaplen truncation warned once and counted, lost frames failing the run
 * unless allowed, jumbo and TSO-sized frames, offloaded checksums called out
 * and fixed, SIGINT / SIGTERM during a run (summary, exit 1, runtime dir
 * empty), and writes that fail (stdout and --pcap-out on a full device).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "mp_spawn.h"
#include "hugemem/sim/pcap.h"
#include "hugemem/sim/traffic.h"
#include "pcap_craft.h"

#define TOPO "--topology=nodes=1;2M=64"
#define OUT_MAX (1 << 16)

static const char *cli;
static char tmpdir[256];
static uint8_t img[8 << 20];

struct run {
	int status;          /* exit status, or 128 + signal */
	char out[OUT_MAX];   /* stdout (when not redirected) */
	char err[OUT_MAX];   /* stderr */
};

static struct run R;

static struct hm_test_child cur; /* the run started last */

/* Start the CLI with @p args (NULL-terminated, without argv[0]); stdout goes
 * to @p out_path when given. @return the child's pid. */
static pid_t
start(const char *const *args, const char *out_path)
{
	const char *argv[64];
	int n = 0;

	argv[n++] = cli;
	argv[n++] = "rx";
	while (*args != NULL)
		argv[n++] = *args++;
	argv[n] = NULL;
	return hm_test_spawn(&cur, &(struct hm_test_spawn_args){
		.argv = argv, .out = HM_TEST_IO_FILE, .out_path = out_path,
		.err = HM_TEST_IO_FILE, .dir = tmpdir, .default_signals = true });
}

static int
finish(pid_t pid)
{
	assert_int_equal(cur.pid, pid);
	R.status = hm_test_wait(&cur, -1);
	hm_test_collect(&cur, R.out, sizeof(R.out), R.err, sizeof(R.err));
	return R.status;
}

static int
run_cli(const char *const *args)
{
	return finish(start(args, NULL));
}

#define RUN(...) run_cli((const char *const[]){ __VA_ARGS__, NULL })

static void
expect(int status, const char *what)
{
	if (R.status != status)
		fail_msg("%s: exit %d, expected %d\nstdout: %s\nstderr: %s", what, R.status, status,
			 R.out, R.err);
}

static void
has(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL)
		fail_msg("'%s' not in:\n%s", needle, text);
}

static void
lacks(const char *text, const char *needle)
{
	if (strstr(text, needle) != NULL)
		fail_msg("'%s' unexpectedly in:\n%s", needle, text);
}

static int
count(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The number after "key": in a JSON text (the first occurrence). */
static uint64_t
jnum(const char *json, const char *key)
{
	char k[64];
	snprintf(k, sizeof(k), "\"%s\": ", key);
	const char *p = strstr(json, k);
	if (p == NULL)
		fail_msg("no %s in %s", key, json);
	return strtoull(p + strlen(k), NULL, 10);
}

/* "key": value in the JSON output, or fail showing it. */
#define JEQ(key, value)                                                                    \
	do {                                                                               \
		uint64_t got_ = jnum(R.out, key), want_ = (uint64_t)(value);                \
		if (got_ != want_)                                                         \
			fail_msg("%s: %llu, expected %llu in:\n%s", key,                     \
				 (unsigned long long)got_, (unsigned long long)want_, R.out);     \
	} while (0)

static void
jhas(const char *json, const char *key, const char *value)
{
	char k[160];
	snprintf(k, sizeof(k), "\"%s\": %s", key, value);
	has(json, k);
}

static void
path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void
write_file(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static char opt_in[320], opt_out[320];

static const char *
in_opt(const char *path)
{
	snprintf(opt_in, sizeof(opt_in), "--pcap-in=%s", path);
	return opt_in;
}

static const char *
out_opt(const char *path)
{
	snprintf(opt_out, sizeof(opt_out), "--pcap-out=%s", path);
	return opt_out;
}

/* @p n generated frames (seed, sizes) into frames[]/flen[]. */
static uint8_t frames[400][1600];
static size_t flen[400];

static void
gen_frames(int n, uint64_t seed, enum hm_traffic_proto proto)
{
	struct hm_traffic_gen_conf c;

	hm_traffic_gen_conf_init(&c);
	c.seed = seed;
	c.flows = 64;
	c.proto = proto;
	c.size_mode = HM_TRAFFIC_SIZE_RANDOM;
	c.size_min = 64;
	c.size_max = 1514;
	struct hm_traffic_gen *g = hm_traffic_gen_create(&c);
	assert_non_null(g);
	for (int i = 0; i < n; i++)
		flen[i] = (size_t)hm_traffic_gen_next(g, frames[i], sizeof(frames[i]), NULL);
	hm_traffic_gen_free(g);
}

/* A classic pcap of the frames in @p linktype, ns timestamps base + i * 1001. */
static size_t
craft_capture(uint32_t linktype, int n, uint32_t snaplen)
{
	static uint8_t rec[1700];
	struct craft c;

	craft_init(&c, img, sizeof(img), false);
	craft_pcap_hdr(&c, true, snaplen, linktype);
	for (int i = 0; i < n; i++) {
		size_t rl = craft_link_record(linktype, frames[i], flen[i], rec, false);
		uint32_t cl = rl < snaplen ? (uint32_t)rl : snaplen;
		uint64_t ts = 1700000000000000000ull + (uint64_t)i * 1001;
		craft_pcap_rec(&c, (uint32_t)(ts / 1000000000u), (uint32_t)(ts % 1000000000u), rec, cl,
			       (uint32_t)rl);
	}
	return c.len;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hm-test-rx-cli-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ */

/* Usage errors exit 2 and say what the rule is; rx lists its own options once. */
static void
test_rx_cli_usage(void **state)
{
	(void)state;

	RUN("--in-memory", "--frob");
	expect(2, "--frob");
	has(R.err, "unknown option '--frob'");
	assert_int_equal(count(R.err, "--nic-node"), 1);
	assert_int_equal(count(R.err, "--max-pkt-len=N"), 1);
	has(R.err, "hugemem help");
	lacks(R.err, "--socket-mem"); /* the common options are a pointer, not a list */

	RUN("--in-memory", TOPO, "--descs=32");
	expect(2, "--descs=32");
	has(R.err, "multiple of 32 from 64 to 4096");
	lacks(R.err, "not a multiple");
	RUN("--in-memory", TOPO, "--descs=100");
	expect(2, "--descs=100");
	RUN("--in-memory", "--allow-drops=1");
	expect(2, "--allow-drops=1");
	RUN("--in-memory", "--max-pkt-len=63");
	expect(2, "--max-pkt-len=63");
	RUN("--in-memory", "--rx-path=bulk", "--max-chain=3");
	expect(2, "--max-chain with bulk");
	has(R.err, "scattered");
	RUN("--in-memory", "--max-pkt-len=60000", "--data-room=2176");
	expect(2, "a frame bigger than 5 buffers of the room given");
	has(R.err, "raise --data-room to");
	RUN("--in-memory", "--huge");
	expect(2, "ambiguous --huge");
	has(R.err, "ambiguous");
	RUN("--help");
	expect(0, "--help");
	has(R.out, "Exit status: 0");
	has(R.out, "2 usage");
	has(R.out, "SIGINT");
}

/* Every supported link type replays; the summary says what was wrapped. */
static void
test_rx_cli_linktypes(void **state)
{
	static const struct {
		uint32_t lt;
		const char *name;
		bool ng;
	} cases[] = { { 113, "LINUX_SLL", false }, { 276, "LINUX_SLL2", true }, { 0, "NULL", false },
		      { 108, "LOOP", true }, { 101, "RAW", false }, { 228, "IPV4", true },
		      { 1, NULL, true } };
	static uint8_t rec[1700];
	char path[300];
	struct craft c;
	(void)state;

	gen_frames(150, 3, HM_TRAFFIC_MIXED);
	path_of(path, sizeof(path), "lt.cap");
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		size_t len;
		if (cases[k].ng) {
			craft_init(&c, img, sizeof(img), k % 2 == 1);
			craft_ng_shb(&c);
			craft_ng_idb(&c, (uint16_t)cases[k].lt, 0, 9, 0);
			for (int i = 0; i < 150; i++) {
				size_t rl = craft_link_record(cases[k].lt, frames[i], flen[i], rec, false);
				craft_ng_epb(&c, 0, 1000 + (uint64_t)i, rec, (uint32_t)rl, (uint32_t)rl,
					     false);
			}
			len = c.len;
		} else {
			len = craft_capture(cases[k].lt, 150, 65535);
		}
		write_file(path, img, len);
		RUN("--in-memory", TOPO, in_opt(path), "--json");
		expect(0, "replay");
		JEQ("packets", 150);
		JEQ("wrapped", cases[k].name != NULL ? 150 : 0);
		if (cases[k].name != NULL) {
			char v[64];
			snprintf(v, sizeof(v), "\"%s\"", cases[k].name);
			jhas(R.out, "wrapped_from", v);
		}
		jhas(R.out, "kind", cases[k].ng ? "\"pcapng\"" : "\"pcap\"");
		assert_int_equal(jnum(R.out, "ipv4_tcp") + jnum(R.out, "ipv4_udp"), 150);
		JEQ("l4_good", 150);
		if (k == 0) {
			RUN("--in-memory", TOPO, in_opt(path));
			expect(0, "replay, text");
			has(R.out, "150 frames wrapped from LINUX_SLL into Ethernet");
			has(R.out, "ptypes: ipv4_tcp ");
		}
	}
	/* a link type we cannot replay: refused up front by number and name */
	size_t len = craft_capture(1, 10, 65535);
	img[20] = 105;
	write_file(path, img, len);
	RUN("--in-memory", TOPO, in_opt(path));
	expect(2, "IEEE802_11 pcap");
	has(R.err, "link type 105 (IEEE802_11)");
	/* in pcapng the interface is met on the way: the run fails naming it */
	craft_init(&c, img, sizeof(img), false);
	craft_ng_shb(&c);
	craft_ng_idb(&c, 1, 0, -1, 0);
	craft_ng_idb(&c, 9999, 0, -1, 0);
	for (int i = 0; i < 40; i++)
		craft_ng_epb(&c, i < 39 ? 0 : 1, 1, frames[i], (uint32_t)flen[i], (uint32_t)flen[i],
			     false);
	write_file(path, img, c.len);
	RUN("--in-memory", TOPO, in_opt(path));
	expect(1, "pcapng interface 9999");
	has(R.err, "link type 9999 (unknown)");
	has(R.err, "record 40");
	has(R.out, "39 packets of 39 offered");
}

/* A corrupt record deep in a file fails the run with the record and offset. */
static void
test_rx_cli_corrupt(void **state)
{
	char path[300], where[96];
	struct craft c;
	(void)state;

	gen_frames(300, 11, HM_TRAFFIC_UDP);
	path_of(path, sizeof(path), "bad.pcap");
	/* (a) the file ends inside record 150 */
	craft_init(&c, img, sizeof(img), false);
	craft_pcap_hdr(&c, false, 65535, 1);
	size_t at150 = 0;
	for (int i = 0; i < 300; i++) {
		if (i == 149)
			at150 = c.len;
		craft_pcap_rec(&c, 1, (uint32_t)i, frames[i], (uint32_t)flen[i], (uint32_t)flen[i]);
	}
	write_file(path, img, at150 + 16 + 10);
	snprintf(where, sizeof(where), "record 150 at offset %zu", at150);
	RUN("--in-memory", TOPO, in_opt(path));
	expect(1, "cut in record 150");
	has(R.err, where);
	has(R.out, where);
	has(R.out, "packets of 149 offered");
	lacks(R.out, "accounting: every frame delivered or counted as a drop\n");
	has(R.out, "not read to its end");
	RUN("--in-memory", TOPO, in_opt(path), "--json", "--burst=64");
	expect(1, "cut in record 150, json");
	has(R.out, where);
	jhas(R.out, "ok", "false");
	JEQ("packets", 149);
	/* (b) record 2 (not the first of a burst) claims more than the snaplen */
	img[24 + 16 + flen[0] + 10] = 0x7f;
	write_file(path, img, c.len);
	RUN("--in-memory", TOPO, in_opt(path));
	expect(1, "record 2 caplen");
	has(R.err, "record 2 at offset");
	has(R.err, "exceeds the snaplen");
}

/* --pcap-in and --pcap-out on one file: refused before anything is truncated. */
static void
test_rx_cli_same_file(void **state)
{
	char in[300], sym[300], hard[300];
	struct stat st0, st1;
	(void)state;

	gen_frames(50, 5, HM_TRAFFIC_UDP);
	path_of(in, sizeof(in), "same.pcap");
	path_of(sym, sizeof(sym), "same-sym.pcap");
	path_of(hard, sizeof(hard), "same-hard.pcap");
	size_t len = craft_capture(1, 50, 65535);
	write_file(in, img, len);
	assert_int_equal(symlink(in, sym), 0);
	assert_int_equal(link(in, hard), 0);
	assert_int_equal(stat(in, &st0), 0);
	const char *outs[] = { in, sym, hard };
	for (int k = 0; k < 3; k++) {
		char o[320];
		snprintf(o, sizeof(o), "--pcap-out=%s", outs[k]);
		RUN("--in-memory", TOPO, in_opt(in), o);
		expect(2, "same file");
		has(R.err, "same file");
		assert_int_equal(stat(in, &st1), 0);
		assert_int_equal(st1.st_size, st0.st_size);
		assert_int_equal(st1.st_mtim.tv_nsec, st0.st_mtim.tv_nsec);
	}
	RUN("--in-memory", TOPO, in_opt(sym));
	expect(0, "the file is intact");
	assert_non_null(strstr(R.out, "50 packets of 50 offered"));
}

/* Frames of a capture read back: (timestamp, bytes, origlen) of each record. */
struct got {
	uint64_t ts;
	uint32_t caplen, origlen;
	uint8_t data[1600];
};
static struct got got[400];

static int
read_capture(const char *path)
{
	struct hm_pcap_reader *r = hm_pcap_open(path);
	struct hm_pcap_rec rec;
	int n = 0;

	assert_non_null(r);
	while (n < 400 && hm_pcap_next(r, got[n].data, sizeof(got[n].data), &rec) == 1) {
		got[n].ts = rec.ts_ns;
		got[n].caplen = rec.caplen;
		got[n].origlen = rec.origlen;
		n++;
	}
	hm_pcap_close(r);
	return n;
}

/* --pcap-out keeps each frame's input timestamp, over one queue and four. */
static void
test_rx_cli_timestamps(void **state)
{
	char in[300], out[300];
	(void)state;

	gen_frames(300, 21, HM_TRAFFIC_MIXED);
	path_of(in, sizeof(in), "ts-in.pcap");
	path_of(out, sizeof(out), "ts-out.pcap");
	write_file(in, img, craft_capture(1, 300, 65535));
	for (int queues = 1; queues <= 4; queues += 3) {
		char q[32];
		snprintf(q, sizeof(q), "--queues=%d", queues);
		RUN("--in-memory", TOPO, in_opt(in), out_opt(out), q, "--json");
		expect(0, "replay with capture");
		JEQ("frames", 300);
		int n = read_capture(out);
		assert_int_equal(n, 300);
		bool seen[300] = { false };
		for (int i = 0; i < n; i++) {
			int j = -1;
			for (int k = 0; k < 300 && j < 0; k++)
				if (!seen[k] && flen[k] == got[i].caplen &&
				    memcmp(frames[k], got[i].data, flen[k]) == 0)
					j = k;
			assert_true(j >= 0);
			seen[j] = true;
			assert_int_equal(got[i].ts, 1700000000000000000ull + (uint64_t)j * 1001);
			if (queues == 1)
				assert_int_equal(j, i);
		}
		if (queues == 4) {
			/* RSS spread them: several queues received frames */
			assert_true(strstr(R.out, "{\"queue\": 3, \"packets\": 0") == NULL);
		}
	}
	/* generating: the generator's clock (1 us per frame from 0) */
	RUN("--in-memory", TOPO, "--packets=200", out_opt(out));
	expect(0, "generator with capture");
	assert_int_equal(read_capture(out), 200);
	for (int i = 0; i < 200; i++)
		assert_int_equal(got[i].ts, (uint64_t)i * 1000);
}

/* Records cut by the snaplen: one warning, counted, origlen kept in the output. */
static void
test_rx_cli_truncated(void **state)
{
	char in[300], out[300];
	int cut = 0;
	(void)state;

	gen_frames(200, 8, HM_TRAFFIC_TCP);
	for (int i = 0; i < 200; i++)
		cut += flen[i] > 128;
	path_of(in, sizeof(in), "snap.pcap");
	path_of(out, sizeof(out), "snap-out.pcap");
	write_file(in, img, craft_capture(113, 200, 128));
	RUN("--in-memory", TOPO, in_opt(in), out_opt(out), "--json");
	expect(0, "truncated replay");
	assert_int_equal(count(R.err, "warning"), 1);
	has(R.err, "snaplen");
	JEQ("truncated", (uint64_t)cut);
	assert_int_equal(read_capture(out), 200);
	for (int i = 0; i < 200; i++) {
		/* wrapped SLL: 16-byte header out, 14 in */
		uint32_t orig = (uint32_t)flen[i];
		assert_int_equal(got[i].origlen, orig);
		assert_int_equal(got[i].caplen, flen[i] + 2 > 128 ? 126 : flen[i]);
	}
	RUN("--in-memory", TOPO, in_opt(in));
	has(R.out, "truncated by the capture's snaplen");
}

/* Jumbo frames: received by default from a capture, lost (and failing) when
 * --max-pkt-len is lower, unless --max-drops / --allow-drops accept them. */
static void
test_rx_cli_drops(void **state)
{
	static uint8_t jumbo[9000];
	char in[300];
	struct craft c;
	(void)state;

	gen_frames(60, 9, HM_TRAFFIC_UDP);
	memcpy(jumbo, frames[0], flen[0]);
	path_of(in, sizeof(in), "jumbo.pcap");
	craft_init(&c, img, sizeof(img), false);
	craft_pcap_hdr(&c, false, 65535, 1);
	for (int i = 0; i < 60; i++) {
		bool big = i % 6 == 5;
		craft_pcap_rec(&c, 1, 0, big ? jumbo : frames[i], big ? 9000 : (uint32_t)flen[i],
			       big ? 9000 : (uint32_t)flen[i]);
	}
	write_file(in, img, c.len);
	RUN("--in-memory", TOPO, in_opt(in), "--json");
	expect(0, "jumbo replay");
	JEQ("packets", 60);
	jhas(R.out, "rx_path", "\"scattered\"");
	RUN("--in-memory", TOPO, in_opt(in), "--max-pkt-len=2048");
	expect(1, "jumbo over --max-pkt-len");
	has(R.out, "lost: 10 frames: oversize 10 (longer than 2048 bytes");
	has(R.out, "--allow-drops");
	has(R.out, "verdict: FAILED");
	RUN("--in-memory", TOPO, in_opt(in), "--max-pkt-len=2048", "--max-drops=10", "--json");
	expect(0, "--max-drops=10");
	JEQ("lost", 10);
	JEQ("oversize", 10);
	RUN("--in-memory", TOPO, in_opt(in), "--max-pkt-len=2048", "--max-drops=9");
	expect(1, "--max-drops=9");
	RUN("--in-memory", TOPO, in_opt(in), "--max-pkt-len=2048", "--allow-drops");
	expect(0, "--allow-drops");
	has(R.out, "accepted (--allow-drops)");
	/* the pool too small to keep up: frames missed are lost too */
	RUN("--in-memory", TOPO, "--packets=5000", "--descs=64", "--burst=128", "--json");
	expect(1, "burst above the ring");
	assert_true(jnum(R.out, "rx_missed") > 0);
	JEQ("lost", jnum(R.out, "rx_missed"));
}

/* TSO/GRO-sized frames of a loopback capture: --max-pkt-len up to 81280. */
static void
test_rx_cli_large(void **state)
{
	static uint8_t big[60000], rec[60100];
	char in[300], out[300];
	struct craft c;
	(void)state;

	/* an IPv4 TCP frame of 60000 bytes with right checksums */
	gen_frames(1, 4, HM_TRAFFIC_TCP);
	memcpy(big, frames[0], 54);
	for (size_t i = 54; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	big[16] = (uint8_t)((60000 - 14) >> 8);
	big[17] = (uint8_t)(60000 - 14);
	hm_traffic_cksum_fix(big, sizeof(big));
	path_of(in, sizeof(in), "tso.pcap");
	path_of(out, sizeof(out), "tso-out.pcap");
	craft_init(&c, img, sizeof(img), false);
	craft_pcap_hdr(&c, false, 262144, 113);
	size_t rl = craft_link_record(113, big, sizeof(big), rec, false);
	for (int i = 0; i < 20; i++)
		craft_pcap_rec(&c, 1, (uint32_t)i, rec, (uint32_t)rl, (uint32_t)rl);
	write_file(in, img, c.len);
	RUN("--in-memory", TOPO, in_opt(in));
	expect(1, "TSO frames, default");
	has(R.out, "oversize 20 (longer than 9728 bytes, --max-pkt-len: raise it)");
	RUN("--in-memory", TOPO, in_opt(in), "--max-pkt-len=65535", out_opt(out), "--json");
	expect(0, "TSO frames, --max-pkt-len=65535");
	JEQ("packets", 20);
	jhas(R.out, "rx_path", "\"scattered\"");
	assert_true(jnum(R.out, "data_room") >= 65535 / 5 + 128);
	JEQ("l4_good", 20);
	struct hm_pcap_reader *r = hm_pcap_open(out);
	static uint8_t f[70000], want[70000];
	struct hm_pcap_rec hr;
	craft_wrapped(big, sizeof(big), want);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(hm_pcap_next(r, f, sizeof(f), &hr), 1);
		assert_int_equal(hr.caplen, sizeof(big));
		assert_memory_equal(f, want, sizeof(big));
	}
	hm_pcap_close(r);
}

/* Offloaded checksums of a host capture: counted, called out, fixed on demand. */
static void
test_rx_cli_checksums(void **state)
{
	char in[300];
	(void)state;

	gen_frames(120, 17, HM_TRAFFIC_TCP);
	int partial = 0;
	for (int i = 0; i < 120; i++) {
		struct hm_traffic_info fi;
		hm_traffic_parse(frames[i], flen[i], &fi);
		uint32_t l4len = (uint32_t)(flen[i] - fi.l4_off);
		uint32_t ps = (fi.src_ip >> 16) + (fi.src_ip & 0xffff) + (fi.dst_ip >> 16) +
			      (fi.dst_ip & 0xffff) + 6 + l4len;
		while (ps >> 16)
			ps = (ps & 0xffff) + (ps >> 16);
		frames[i][fi.l4_off + 16] = (uint8_t)(ps >> 8);
		frames[i][fi.l4_off + 17] = (uint8_t)ps;
		partial += hm_traffic_cksum_offloaded(frames[i], flen[i]);
	}
	assert_true(partial >= 118);
	path_of(in, sizeof(in), "offload.pcap");
	write_file(in, img, craft_capture(1, 120, 65535));
	RUN("--in-memory", TOPO, in_opt(in), "--json");
	expect(0, "bad checksums are not losses");
	JEQ("l4_bad", (uint64_t)partial);
	JEQ("l4_offloaded", (uint64_t)partial);
	JEQ("ip_good", 120);
	JEQ("ipv4_tcp", 120);
	RUN("--in-memory", TOPO, in_opt(in));
	has(R.out, "checksum offload");
	has(R.out, "--fix-checksums");
	RUN("--in-memory", TOPO, in_opt(in), "--fix-checksums", "--json");
	expect(0, "--fix-checksums");
	JEQ("l4_good", 120);
	JEQ("l4_bad", 0);
	JEQ("fixed_l4", (uint64_t)partial);
	JEQ("l4_offloaded", 0);
}

/* Files (not directories) under @p dir, recursively. */
static int
files_under(const char *dir)
{
	char cmd[400], out[32] = "";
	snprintf(cmd, sizeof(cmd), "find '%s' ! -type d | wc -l", dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	if (fgets(out, sizeof(out), p) == NULL)
		out[0] = '\0';
	pclose(p);
	return atoi(out);
}

/* Wait until the run has printed its first progress line (it is in the loop);
 * false after 30 s. */
static bool
wait_running(void)
{
	for (int i = 0; i < 600; i++) {
		hm_test_slurp(cur.err_path, R.err, sizeof(R.err));
		if (strstr(R.err, " packets, ") != NULL)
			return true;
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

/* SIGINT / SIGTERM: summary so far, exit 1, runtime and page files gone. */
static void
test_rx_cli_signals(void **state)
{
	char rd[300], ropt[320];
	(void)state;

	if (access("/dev/shm", W_OK) != 0)
		skip(); /* the runtime dir must be on tmpfs, so the emu page files live in it */
	snprintf(rd, sizeof(rd), "/dev/shm/hm-test-rx-cli-%d", (int)getpid());
	assert_int_equal(mkdir(rd, 0700), 0);
	snprintf(ropt, sizeof(ropt), "--runtime-dir=%s", rd);
	const int sigs[2] = { SIGINT, SIGTERM };
	for (int k = 0; k < 2; k++) {
		pid_t pid = k == 0 ? start((const char *const[]){ ropt, "--file-prefix=sig", TOPO,
								 "--duration=120", NULL }, NULL)
				   : start((const char *const[]){ ropt, "--file-prefix=sig", TOPO,
								 "--packets=100000000000",
								 "--pool-size=4096", NULL }, NULL);
		bool running = wait_running();
		int files = files_under(rd); /* config, fbarrays, pages while running */
		assert_int_equal(kill(pid, sigs[k]), 0);
		finish(pid);
		assert_true(running);
		assert_true(files > 0);
		expect(1, k == 0 ? "SIGINT" : "SIGTERM");
		has(R.out, k == 0 ? "verdict: interrupted by SIGINT" : "verdict: interrupted by SIGTERM");
		has(R.out, "packets of");
		has(R.err, "interrupted");
		assert_int_equal(files_under(rd), 0);
	}
	/* --json says it too */
	pid_t pid = start((const char *const[]){ ropt, "--file-prefix=sig", TOPO, "--duration=120",
						"--json", "--queues=2", NULL }, NULL);
	/* no progress lines with --json: wait for the runtime files instead */
	for (int i = 0; i < 600 && files_under(rd) < 3; i++) {
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
	}
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, NULL);
	assert_int_equal(kill(pid, SIGINT), 0);
	finish(pid);
	expect(1, "SIGINT --json");
	jhas(R.out, "interrupted", "true");
	jhas(R.out, "signal", "\"SIGINT\"");
	jhas(R.out, "ok", "false");
	assert_int_equal(files_under(rd), 0);
	assert_int_equal(rmdir(rd), 0);
}

/* Writes that fail: the summary on a full stdout, the capture on a full disk. */
static void
test_rx_cli_write_errors(void **state)
{
	char out[300];
	(void)state;

	if (access("/dev/full", W_OK) != 0)
		skip();
	const char *args[] = { "--in-memory", TOPO, "--packets=1000", NULL };
	finish(start(args, "/dev/full"));
	expect(1, "stdout on /dev/full");
	has(R.err, "cannot write the summary to standard output: No space left on device");
	const char *jargs[] = { "--in-memory", TOPO, "--packets=1000", "--json", NULL };
	finish(start(jargs, "/dev/full"));
	expect(1, "--json on /dev/full");
	has(R.err, "No space left on device");

	RUN("--in-memory", TOPO, "--packets=1000", "--pcap-out=/dev/full");
	expect(1, "--pcap-out=/dev/full");
	has(R.err, "--pcap-out=/dev/full");
	has(R.err, "No space left on device");
	has(R.out, "capture: ERROR");
	RUN("--in-memory", TOPO, "--packets=10", "--pcap-out=/dev/full"); /* all buffered */
	expect(1, "--pcap-out=/dev/full, 10 frames");
	has(R.err, "No space left on device");
	path_of(out, sizeof(out), "no-such-dir/x.pcap");
	RUN("--in-memory", TOPO, "--packets=10", out_opt(out));
	expect(1, "--pcap-out in a missing directory");
	has(R.err, "cannot create");
	has(R.err, "No such file or directory");
	RUN("--in-memory", TOPO, "--pcap-in=/nonexistent/x.pcap");
	expect(2, "--pcap-in missing");
	has(R.err, "No such file or directory");
}

/* --forward: a known capture in, port 1's capture out: every frame sent as it
 * arrived (in order over one queue, as a multiset over four), none lost; the
 * scattered path's chains go out whole; the TX options' refusals. */
static void
test_rx_cli_forward(void **state)
{
	char in[300], txo[300], out[300], opt[340];
	(void)state;

	gen_frames(300, 41, HM_TRAFFIC_MIXED);
	path_of(in, sizeof(in), "fwd-in.pcap");
	path_of(txo, sizeof(txo), "fwd-tx.pcap");
	path_of(out, sizeof(out), "fwd-rx.pcap");
	write_file(in, img, craft_capture(1, 300, 65535));
	snprintf(opt, sizeof(opt), "--tx-out=%s", txo);
	const char *shapes[][3] = {
		{ "--queues=1", "--tx-path=simple", "--max-pkt-len=1514" },
		{ "--queues=4", "--tx-path=scalar", "--rx-path=bulk" },
		/* 640-byte mbufs: frames arrive as chains, leave as chains */
		{ "--queues=2", "--max-pkt-len=2560", "--data-room=640" },
	};
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		RUN("--in-memory", TOPO, in_opt(in), "--forward", opt, shapes[s][0], shapes[s][1],
		    shapes[s][2], "--json");
		expect(0, "forward a capture");
		JEQ("forwarded", 300);
		JEQ("sent", 300);
		JEQ("given_up", 0);
		JEQ("oerrors", 0);
		has(R.out, "\"lost\": 0, \"payload_mismatches\": 0");
		int n = read_capture(txo);
		assert_int_equal(n, 300);
		bool seen[300] = { false };
		for (int i = 0; i < n; i++) {
			int j = -1;
			for (int k = 0; k < 300 && j < 0; k++)
				if (!seen[k] && flen[k] == got[i].caplen &&
				    memcmp(frames[k], got[i].data, flen[k]) == 0)
					j = k;
			if (j < 0)
				fail_msg("shape %zu: frame %d sent by port 1 is not one of the input's", s,
					 i);
			seen[j] = true;
			if (strcmp(shapes[s][0], "--queues=1") == 0)
				assert_int_equal(j, i);
		}
	}
	/* generated traffic: payloads checked on the way out, text summary */
	RUN("--in-memory", TOPO, "--packets=5000", "--forward");
	expect(0, "forward generated traffic");
	has(R.out, "forward: 5000 of 5000 packets sent by port 1");
	has(R.out, "every payload left port 1 as it arrived");
	has(R.out, "forward lost: none");
	/* refusals */
	RUN("--in-memory", TOPO, opt);
	expect(2, "--tx-out without --forward");
	has(R.err, "needs --forward");
	RUN("--in-memory", TOPO, "--tx-path=simple");
	expect(2, "--tx-path without --forward");
	RUN("--in-memory", TOPO, "--forward", "--tx-path=vector");
	expect(2, "--tx-path=vector");
	RUN("--in-memory", TOPO, "--forward", "--tx-descs=100");
	expect(2, "--tx-descs=100");
	RUN("--in-memory", TOPO, "--forward", "--forward=1");
	expect(2, "--forward=1");
	RUN("--in-memory", TOPO, in_opt(in), "--forward", "--data-room=640", "--max-pkt-len=2560",
	    "--tx-path=simple");
	expect(2, "the simple path cannot send chains");
	has(R.err, "simple path");
	char same[340];
	snprintf(same, sizeof(same), "--tx-out=%s", in);
	RUN("--in-memory", TOPO, in_opt(in), "--forward", same);
	expect(2, "--tx-out is the --pcap-in file");
	has(R.err, "same file");
	RUN("--in-memory", TOPO, "--forward", opt, out_opt(txo));
	expect(2, "--tx-out and --pcap-out the same");
	RUN("--in-memory", TOPO, "--packets=10", "--forward", "--tx-out=/nonexistent/dir/x.pcap");
	expect(1, "--tx-out in a missing directory");
	has(R.err, "--tx-out=/nonexistent/dir/x.pcap");
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_cli_usage),
		cmocka_unit_test(test_rx_cli_linktypes),
		cmocka_unit_test(test_rx_cli_corrupt),
		cmocka_unit_test(test_rx_cli_same_file),
		cmocka_unit_test(test_rx_cli_timestamps),
		cmocka_unit_test(test_rx_cli_truncated),
		cmocka_unit_test(test_rx_cli_drops),
		cmocka_unit_test(test_rx_cli_large),
		cmocka_unit_test(test_rx_cli_checksums),
		cmocka_unit_test(test_rx_cli_signals),
		cmocka_unit_test(test_rx_cli_write_errors),
		cmocka_unit_test(test_rx_cli_forward),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s <path of the hugemem binary>\n", argv[0]);
		return 2;
	}
	cli = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
