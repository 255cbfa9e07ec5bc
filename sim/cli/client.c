/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem client --id=K`: a secondary process of `hugemem rx --serve=N`
 * (serve_i.h). It attaches to the server's instance (waiting for it to start,
 * up to --wait seconds), takes the packets of ring hugemem_client_K, verifies
 * every payload (the generator's integrity header and checksum, over the whole
 * chain) and frees the mbufs into the shared pool, until the server says it
 * is done and everything it was sent has been taken.
 *
 * Exit status (cli.h): 0 every packet it was sent arrived intact; 1 a payload
 * was bad, a packet is missing, the server went away first, or it could not
 * attach; 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common_i.h"
#include "cli.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/traffic.h"
#include "serve_i.h"

#define CLIENT_BURST 32

static const char client_usage[] =
	"usage: hugemem client --id=K [--json] [--wait=S] [hugemem options]\n"
	"\n"
	"A secondary process of `hugemem rx --serve=N` (give both the same --file-prefix):\n"
	"takes the packets of ring hugemem_client_K, verifies every payload and frees the\n"
	"mbufs into the server's pool.\n"
	"\n"
	"client options:\n"
	"  --id=K                  which client: 0 .. N-1\n"
	"  --wait=S                seconds to wait for the server to start (10)\n"
	"  --json                  print the summary as one JSON object\n"
	"\n"
	"hugemem options: see `hugemem help` (--proc-type=secondary is implied).\n"
	"Exit status: 0 every packet arrived intact; 1 a bad payload, a missing packet, the\n"
	"server gone first, or no server to attach to; 2 usage.\n";

static void
pause_us(unsigned int us)
{
	struct timespec ts = { 0, (long)us * 1000 };
	nanosleep(&ts, NULL);
}

/* hm_init as a secondary, retried while no server runs yet. */
static int
attach(int argc, char **argv, double wait_s)
{
	uint64_t deadline = hm_now_ns() + (uint64_t)(wait_s * 1e9);
	int rc;

	for (;;) {
		char **av = calloc((size_t)argc + 1, sizeof(*av));
		if (av == NULL)
			return -ENOMEM;
		memcpy(av, argv, sizeof(*av) * (size_t)argc);
		hm_log_set_level(HM_LOG_EMERG);
		rc = hm_init(argc, av);
		hm_log_set_level(HM_LOG_NOTICE);
		free(av);
		if (rc >= 0 || (rc != -ENODEV && rc != -ETIMEDOUT) || hm_now_ns() >= deadline)
			return rc;
		pause_us(20000);
	}
}

static uint16_t
flatten_verify(const struct hm_mbuf *m, uint8_t *buf, size_t cap)
{
	size_t len = 0;

	for (const struct hm_mbuf *s = m; s != NULL; s = s->next) {
		size_t k = s->data_len;
		if (len + k > cap)
			return 0;
		memcpy(buf + len, hm_pktmbuf_mtod(s, const void *), k);
		len += k;
	}
	return hm_traffic_verify(buf, len, NULL) == 0 ? 1 : 0;
}

int
cmd_client(int argc, char **argv)
{
	static uint8_t flat[HM_NIC_FRAME_MAX_LARGE];
	struct hm_mbuf *pkts[CLIENT_BURST];
	const struct hm_memzone *z = NULL;
	struct serve_ctl *ctl;
	struct serve_client *me;
	struct hm_ring *ring;
	char name[HM_RING_NAMESIZE];
	char **nargv;
	long id = -1;
	bool json = false, sec_given = false;
	double wait_s = 10;
	int nargc = 0, rc, ret = HM_EXIT_FAIL;
	uint64_t t0, t1, received = 0, verified = 0, bad = 0;

	nargv = calloc((size_t)argc + 2, sizeof(*nargv));
	if (nargv == NULL)
		return HM_EXIT_FAIL;
	nargv[nargc++] = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(client_usage, stdout);
			free(nargv);
			return cli_output_status("client", HM_EXIT_OK);
		}
		if (strncmp(a, "--id=", 5) == 0) {
			errno = 0;
			id = strtol(a + 5, &end, 10);
			if (errno != 0 || end == a + 5 || *end != '\0' || id < 0 ||
			    id >= (long)SERVE_MAX_CLIENTS) {
				fprintf(stderr, "hugemem client: %s: a client number from 0 to %u\n", a,
					SERVE_MAX_CLIENTS - 1);
				free(nargv);
				return HM_EXIT_USAGE;
			}
		} else if (strncmp(a, "--wait=", 7) == 0) {
			wait_s = strtod(a + 7, &end);
			if (end == a + 7 || *end != '\0' || !(wait_s >= 0) || wait_s > 86400) {
				fprintf(stderr, "hugemem client: %s: seconds, 0 to 86400\n", a);
				free(nargv);
				return HM_EXIT_USAGE;
			}
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else {
			sec_given |= strncmp(a, "--proc-type", 11) == 0;
			nargv[nargc++] = argv[i];
		}
	}
	if (id < 0) {
		fprintf(stderr, "hugemem client: --id=K is required (K = 0 .. N-1 of the server's "
			"--serve=N)\n");
		free(nargv);
		return HM_EXIT_USAGE;
	}
	if (!sec_given)
		nargv[nargc++] = (char *)"--proc-type=secondary";
	rc = attach(nargc, nargv, wait_s);
	if (rc < 0) {
		fprintf(stderr, "hugemem client %ld: cannot attach: %s (%s)\n", id, hm_strerror(rc),
			hm_last_error());
		free(nargv);
		return rc == -EINVAL ? HM_EXIT_USAGE : HM_EXIT_FAIL;
	}
	if (rc + 1 < nargc) {
		fprintf(stderr, "hugemem client: unexpected argument '%s'\n", nargv[rc + 1]);
		ret = HM_EXIT_USAGE;
		goto out;
	}
	if (hm_proc_type() != HM_PROC_SECONDARY) {
		fprintf(stderr, "hugemem client %ld: no server is running with this --file-prefix "
			"(this process would be the primary)\n", id);
		goto out;
	}
	/* the server made its control block before it accepted clients */
	for (uint64_t deadline = hm_now_ns() + (uint64_t)(wait_s * 1e9);;) {
		z = hm_memzone_lookup(SERVE_ZONE);
		if (z != NULL && __atomic_load_n(&((struct serve_ctl *)z->addr)->magic,
						 __ATOMIC_ACQUIRE) == SERVE_MAGIC)
			break;
		if (hm_now_ns() >= deadline) {
			fprintf(stderr, "hugemem client %ld: the primary is not `hugemem rx --serve` "
				"(no %s memzone)\n", id, SERVE_ZONE);
			goto out;
		}
		pause_us(10000);
	}
	ctl = z->addr;
	if ((uint32_t)id >= ctl->n_clients) {
		fprintf(stderr, "hugemem client: --id=%ld, but the server serves %u client(s) "
			"(0 .. %u)\n", id, ctl->n_clients, ctl->n_clients - 1);
		ret = HM_EXIT_USAGE;
		goto out;
	}
	me = &ctl->c[id];
	snprintf(name, sizeof(name), SERVE_RING_FMT, (unsigned int)id);
	ring = hm_ring_lookup(name);
	if (ring == NULL) {
		fprintf(stderr, "hugemem client %ld: ring %s: %s\n", id, name, hm_last_error());
		goto out;
	}
	int32_t zero = 0;
	if (!__atomic_compare_exchange_n(&me->pid, &zero, (int32_t)getpid(), 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		fprintf(stderr, "hugemem client %ld: another process (pid %d) already is client %ld\n",
			id, (int)zero, id);
		goto out;
	}
	t0 = hm_now_ns();
	for (;;) {
		unsigned int n = hm_ring_dequeue_burst(ring, (void **)pkts, CLIENT_BURST, NULL);
		for (unsigned int i = 0; i < n; i++) {
			if (flatten_verify(pkts[i], flat, sizeof(flat)))
				verified++;
			else
				bad++;
		}
		if (n > 0) {
			hm_pktmbuf_free_bulk(pkts, n);
			received += n;
			__atomic_store_n(&me->received, received, __ATOMIC_RELEASE);
			continue;
		}
		if (__atomic_load_n(&ctl->done, __ATOMIC_ACQUIRE) &&
		    received >= __atomic_load_n(&me->sent, __ATOMIC_ACQUIRE) &&
		    hm_ring_count(ring) == 0)
			break;
		int nproc = hm_mp_procs(NULL, 0);
		if (nproc >= 0 && !__atomic_load_n(&ctl->done, __ATOMIC_ACQUIRE) &&
		    (kill(ctl->server_pid, 0) != 0 && errno == ESRCH)) {
			fprintf(stderr, "hugemem client %ld: the server (pid %d) exited before the "
				"end of the run\n", id, (int)ctl->server_pid);
			break;
		}
		pause_us(50);
	}
	t1 = hm_now_ns();
	uint64_t sent = __atomic_load_n(&me->sent, __ATOMIC_ACQUIRE);
	__atomic_store_n(&me->verified, verified, __ATOMIC_RELEASE);
	__atomic_store_n(&me->bad, bad, __ATOMIC_RELEASE);
	__atomic_store_n(&me->finished, 1, __ATOMIC_RELEASE);
	double secs = (double)(t1 - t0) / 1e9;
	bool ok = bad == 0 && verified == sent && __atomic_load_n(&ctl->done, __ATOMIC_ACQUIRE);
	if (json)
		printf("{\"client\": %ld, \"pid\": %d, \"server_pid\": %d, \"lcore\": %u, "
		       "\"received\": %" PRIu64 ", \"sent\": %" PRIu64 ", \"verified\": %" PRIu64
		       ", \"bad\": %" PRIu64 ", \"seconds\": %.3f, \"ok\": %s}\n", id, (int)getpid(),
		       (int)ctl->server_pid, hm_lcore_id(), received, sent, verified, bad, secs,
		       ok ? "true" : "false");
	else
		printf("hugemem client %ld (pid %d, lcore %u): %" PRIu64 " packets from the server "
		       "(pid %d) in %.3f s, %" PRIu64 " verified, %" PRIu64 " bad, %" PRIu64
		       " of %" PRIu64 " sent taken; verdict: %s\n", id, (int)getpid(), hm_lcore_id(),
		       received, (int)ctl->server_pid, secs, verified, bad, received, sent,
		       ok ? "ok" : "FAILED");
	ret = ok ? HM_EXIT_OK : HM_EXIT_FAIL;
out:
	if (hm_cleanup() < 0) {
		fprintf(stderr, "hugemem client: cleanup: %s\n", hm_last_error());
		ret = HM_EXIT_FAIL;
	}
	free(nargv);
	return cli_output_status("client", ret);
}
