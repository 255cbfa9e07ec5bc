/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem rx --serve=N` and `hugemem client --id=K`: DPDK's client_server_mp on
 * the fake NIC. The server (the primary) receives as `hugemem rx` does and
 * hands every packet to one of N rings, round robin; each client (a secondary)
 * dequeues from its ring, verifies every payload and frees the mbufs into the
 * shared pool. They meet in the memzone SERVE_ZONE (struct serve_ctl).
 */
#ifndef HUGEMEM_CLI_SERVE_I_H
#define HUGEMEM_CLI_SERVE_I_H

#include <stdbool.h>
#include <stdint.h>

#include "hugemem/hugemem.h"

#define SERVE_MAX_CLIENTS 16u
#define SERVE_RING_SIZE 1024u          /* entries per client ring */
#define SERVE_ZONE "hugemem_serve"      /* the control block */
#define SERVE_RING_FMT "hugemem_client_%u"
#define SERVE_MAGIC 0x73657276u         /* "serv" */

/* One client's line of the control block. */
struct serve_client {
	volatile int32_t pid;          /* the client's, once attached; 0 before */
	volatile uint32_t finished;    /* 1: it has counted everything it was sent */
	volatile uint64_t sent;        /* packets the server put in its ring */
	volatile uint64_t received;    /* packets the client took out */
	volatile uint64_t verified;    /* ... whose payload checked out */
	volatile uint64_t bad;         /* ... whose payload did not */
	uint64_t pad[2];
};

struct serve_ctl {
	uint32_t magic;                /* SERVE_MAGIC once the server set it up */
	uint32_t n_clients;
	volatile uint32_t done;        /* 1: the server sends nothing more */
	int32_t server_pid;
	struct serve_client c[SERVE_MAX_CLIENTS];
};

/* The server's side of a run. */
struct serve_run {
	unsigned int n;
	const struct hm_memzone *zone;
	struct serve_ctl *ctl;
	struct hm_ring *ring[SERVE_MAX_CLIENTS];
	unsigned int next;             /* round robin */
	unsigned int pool_start, pool_end;
	uint64_t lost;                 /* packets a client that died never took */
	char err[256];                 /* why the serving failed; "" when it did not */
};

/* Rings and control block; wait (@p wait_s) until the N clients attached.
 * @return 0, or an exit status after a message. */
int serve_setup(struct serve_run *s, unsigned int n, double wait_s, struct hm_mempool *pool,
		const char *prefix);
/* Hand @p n received packets to the clients (waiting for ring room). */
void serve_dispatch(struct serve_run *s, struct hm_mbuf **pkts, unsigned int n);
/* No more packets: wait (@p wait_s) for every client to count its own. */
void serve_finish(struct serve_run *s, double wait_s, struct hm_mempool *pool);
/* After the queues gave their mbufs back: the pool's count at the end. */
void serve_count_pool(struct serve_run *s, struct hm_mempool *pool);
/* The summary lines (text) or the JSON member "serve". */
void serve_report(const struct serve_run *s, bool json);
/* 1 when every packet reached a client intact and the pool is whole again. */
bool serve_ok(const struct serve_run *s);
void serve_teardown(struct serve_run *s);

#endif
