/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem rx --serve=N`, the server side (serve_i.h). The run is `hugemem rx`'s
 * own (the NIC is stepped by this process, so a full client ring simply holds
 * the next frame back: nothing is dropped); received packets go to the client
 * rings instead of back to the pool. A client that dies is noticed (its pid no
 * longer runs): what it was sent and never took is counted as lost and the run
 * fails, naming it.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common_i.h"
#include "cli.h"
#include "serve_i.h"

static void
pause_us(unsigned int us)
{
	struct timespec ts = { 0, (long)us * 1000 };
	nanosleep(&ts, NULL);
}

static bool
client_alive(const struct serve_client *c)
{
	int32_t pid = __atomic_load_n(&c->pid, __ATOMIC_ACQUIRE);
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

int
serve_setup(struct serve_run *s, unsigned int n, double wait_s, struct hm_mempool *pool,
	    const char *prefix)
{
	char name[HM_RING_NAMESIZE];
	uint64_t deadline;
	unsigned int up = 0;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->zone = hm_memzone_reserve(SERVE_ZONE, sizeof(struct serve_ctl), HM_SOCKET_ID_ANY, 0);
	if (s->zone == NULL) {
		fprintf(stderr, "hugemem rx: --serve: control block: %s\n", hm_last_error());
		return HM_EXIT_FAIL;
	}
	s->ctl = s->zone->addr;
	memset(s->ctl, 0, sizeof(*s->ctl));
	s->ctl->n_clients = n;
	s->ctl->server_pid = (int32_t)getpid();
	for (unsigned int k = 0; k < n; k++) {
		snprintf(name, sizeof(name), SERVE_RING_FMT, k);
		s->ring[k] = hm_ring_create(name, SERVE_RING_SIZE, HM_SOCKET_ID_ANY,
					    HM_RING_F_SP_ENQ | HM_RING_F_SC_DEQ);
		if (s->ring[k] == NULL) {
			fprintf(stderr, "hugemem rx: --serve: ring %s: %s\n", name, hm_last_error());
			return HM_EXIT_FAIL;
		}
	}
	s->pool_start = pool->size; /* all of them: the queues give theirs back at the end */
	__atomic_store_n(&s->ctl->magic, SERVE_MAGIC, __ATOMIC_RELEASE);
	fprintf(stderr, "hugemem rx: serving %u client(s): waiting for `hugemem client --id=K "
		"--file-prefix=%s` (K = 0..%u)\n", n, prefix, n - 1);
	deadline = hm_now_ms() + (uint64_t)(wait_s * 1000);
	for (;;) {
		up = 0;
		for (unsigned int k = 0; k < n; k++)
			up += __atomic_load_n(&s->ctl->c[k].pid, __ATOMIC_ACQUIRE) != 0;
		if (up == n)
			break;
		if (hm_now_ms() >= deadline) {
			fprintf(stderr, "hugemem rx: --serve=%u: only %u client(s) attached within %.0f "
				"s (--serve-wait)\n", n, up, wait_s);
			return HM_EXIT_FAIL;
		}
		pause_us(2000);
	}
	return 0;
}

/* Give up on client @p k, which died: free what its ring still holds. */
static void
drop_client(struct serve_run *s, unsigned int k)
{
	void *obj;
	uint64_t taken;

	while (hm_ring_dequeue(s->ring[k], &obj) == 0)
		hm_pktmbuf_free(obj);
	taken = __atomic_load_n(&s->ctl->c[k].received, __ATOMIC_ACQUIRE);
	s->lost += s->ctl->c[k].sent - taken;
	if (s->err[0] == '\0')
		snprintf(s->err, sizeof(s->err), "client %u (pid %d) exited after taking %" PRIu64
			 " of the %" PRIu64 " packets it was sent", k, (int)s->ctl->c[k].pid, taken,
			 s->ctl->c[k].sent);
	s->ctl->c[k].pid = -1;
}

void
serve_dispatch(struct serve_run *s, struct hm_mbuf **pkts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int tries = 0;; tries++) {
			unsigned int k = s->next;
			struct serve_client *c = &s->ctl->c[k];
			if (c->pid < 0) { /* gone: the next one takes it */
				s->next = (s->next + 1) % s->n;
				if (tries > s->n) {
					hm_pktmbuf_free(pkts[i]);
					s->lost++;
					break;
				}
				continue;
			}
			if (hm_ring_enqueue(s->ring[k], pkts[i]) == 0) {
				__atomic_store_n(&c->sent, c->sent + 1, __ATOMIC_RELEASE);
				s->next = (s->next + 1) % s->n;
				break;
			}
			/* full: the client is behind; wait unless it died */
			if (tries % 64 == 63 && !client_alive(c))
				drop_client(s, k);
			else
				pause_us(20);
		}
	}
}

void
serve_finish(struct serve_run *s, double wait_s, struct hm_mempool *pool)
{
	uint64_t deadline = hm_now_ms() + (uint64_t)(wait_s * 1000);

	if (s->ctl == NULL)
		return;
	__atomic_store_n(&s->ctl->done, 1, __ATOMIC_RELEASE);
	for (unsigned int k = 0; k < s->n; k++) {
		struct serve_client *c = &s->ctl->c[k];
		while (c->pid > 0 && !__atomic_load_n(&c->finished, __ATOMIC_ACQUIRE)) {
			if (!client_alive(c)) {
				drop_client(s, k);
				break;
			}
			if (hm_now_ms() >= deadline) {
				if (s->err[0] == '\0')
					snprintf(s->err, sizeof(s->err), "client %u (pid %d) did not "
						 "finish within %.0f s of the end", k, (int)c->pid, wait_s);
				break;
			}
			pause_us(1000);
		}
	}
	(void)pool;
}

void
serve_count_pool(struct serve_run *s, struct hm_mempool *pool)
{
	s->pool_end = hm_mempool_avail_count(pool);
}

bool
serve_ok(const struct serve_run *s)
{
	if (s->err[0] != '\0' || s->lost != 0 || s->pool_end != s->pool_start)
		return false;
	for (unsigned int k = 0; k < s->n; k++)
		if (s->ctl->c[k].verified != s->ctl->c[k].sent || s->ctl->c[k].bad != 0)
			return false;
	return true;
}

void
serve_report(const struct serve_run *s, bool json)
{
	if (s->ctl == NULL)
		return;
	if (json) {
		printf(", \"serve\": {\"clients\": [");
		for (unsigned int k = 0; k < s->n; k++) {
			const struct serve_client *c = &s->ctl->c[k];
			printf("%s{\"id\": %u, \"pid\": %d, \"sent\": %" PRIu64 ", \"received\": %" PRIu64
			       ", \"verified\": %" PRIu64 ", \"bad\": %" PRIu64 "}", k ? ", " : "", k,
			       (int)c->pid, c->sent, c->received, c->verified, c->bad);
		}
		printf("], \"lost\": %" PRIu64 ", \"pool_start\": %u, \"pool_end\": %u, \"ok\": %s",
		       s->lost, s->pool_start, s->pool_end, serve_ok(s) ? "true" : "false");
		if (s->err[0] != '\0')
			printf(", \"error\": \"%s\"", s->err);
		printf("}");
		return;
	}
	printf("serve: %u client(s), packets handed out round robin through rings %s..%u\n",
	       s->n, "hugemem_client_0", s->n - 1);
	for (unsigned int k = 0; k < s->n; k++) {
		const struct serve_client *c = &s->ctl->c[k];
		printf("  client %u (pid %d): sent %" PRIu64 ", received %" PRIu64 ", verified %"
		       PRIu64 ", bad %" PRIu64 "\n", k, (int)c->pid, c->sent, c->received,
		       c->verified, c->bad);
	}
	if (s->lost != 0)
		printf("  lost to clients that died: %" PRIu64 "\n", s->lost);
	if (s->err[0] != '\0')
		printf("  error: %s\n", s->err);
	printf("pool: %u mbufs, %u back in it after the run and the queues' release%s\n",
	       s->pool_start, s->pool_end,
	       s->pool_start == s->pool_end ? " (every mbuf came back)" : " (MBUFS MISSING)");
}

void
serve_teardown(struct serve_run *s)
{
	for (unsigned int k = 0; k < SERVE_MAX_CLIENTS; k++) {
		if (s->ring[k] == NULL)
			continue;
		void *obj;
		while (hm_ring_dequeue(s->ring[k], &obj) == 0)
			hm_pktmbuf_free(obj);
		hm_ring_free(s->ring[k]);
		s->ring[k] = NULL;
	}
	if (s->zone != NULL)
		hm_memzone_free(s->zone);
	s->zone = NULL;
	s->ctl = NULL;
}
