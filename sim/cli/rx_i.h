/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to `hugemem rx`: its options (rx_opts.c), the run's results and the
 * report (rx_report.c), shared with the command itself (rx.c).
 */
#ifndef HUGEMEM_CLI_RX_I_H
#define HUGEMEM_CLI_RX_I_H

#include <stdbool.h>
#include <stdint.h>

#include "hugemem/sim/i40e.h"
#include "hugemem/sim/i40e_tx.h"
#include "hugemem/sim/nic.h"
#include "hugemem/sim/nic_tx.h"
#include "hugemem/sim/pcap.h"
#include "serve_i.h"

#define RX_MAX_QUEUES 16u
#define RX_MAX_BURST 512u
#define RX_HELP 3 /* parse_opts: --help printed, exit 0 */

struct rx_opts {
	int nic_node;
	unsigned int queues, descs, burst, pool_size;
	enum hm_i40e_rx_path path;
	uint64_t packets;           /* 0: no limit (pcap) / the default (generator) */
	double duration;            /* seconds; 0: none */
	const char *pcap_in, *pcap_out;
	bool json;
	uint64_t seed;
	unsigned int data_room;     /* bytes per mbuf incl. headroom; 0: chosen */
	unsigned int max_pkt_len;   /* 0: chosen */
	unsigned int max_chain;     /* buffers per frame; 0: chosen */
	uint64_t max_drops;         /* lost frames accepted; UINT64_MAX: --allow-drops */
	bool fix_checksums;
	unsigned int serve;         /* --serve=N: hand packets to N client processes; 0 off */
	double serve_wait;          /* seconds to wait for the clients (30) */
	/* --forward: every received packet is sent on a second port (rx_fwd.c) */
	bool forward;
	enum hm_i40e_tx_path tx_path;
	unsigned int tx_descs;      /* 0: --descs */
	const char *tx_out;         /* pcap of what the second port sent; NULL: discard */
	const char *heapmap;        /* --heapmap=FILE: the NIC node's heap map at the end */
};

/* What the options resolve to (rx_geometry). */
struct rx_geom {
	unsigned int data_room;     /* bytes per mbuf incl. headroom */
	unsigned int buf_size;      /* bytes per buffer the NIC fills */
	unsigned int max_pkt;       /* largest frame received */
	unsigned int chain;         /* buffers per frame (NIC max_chain) */
	bool scattered;             /* the scattered path will be used */
	bool large;                 /* max_pkt above i40e's 9728: NIC large_frames */
	unsigned int pool_size;
};

/* Packet-type classes counted from the mbufs. */
enum rx_ptype {
	PT_L2 = 0, PT_IPV4, PT_IPV4_TCP, PT_IPV4_UDP, PT_IPV4_ICMP, PT_IPV4_FRAG,
	PT_IPV6, PT_IPV6_TCP, PT_IPV6_UDP, PT_IPV6_ICMP, PT_IPV6_FRAG, PT_UNKNOWN, PT_COUNT
};

/* Checksum verdicts from ol_flags: good, bad, unknown (not checked), none. */
enum rx_ck { CK_GOOD = 0, CK_BAD, CK_UNKNOWN, CK_NONE, CK_COUNT };

struct rx_result {
	/* the run */
	uint64_t offered;           /* frames taken from the source */
	uint64_t delivered, mismatch;
	uint64_t cycles, t0, t1;    /* driver cycles; run start/end, ns */
	const char *path_name;
	/* input */
	bool from_pcap;
	struct hm_pcap_stats in;    /* when from_pcap */
	enum hm_pcap_format in_format;
	char src_err[512];          /* the source's failure; "" when none */
	/* offloads */
	uint64_t ip_ck[CK_COUNT], l4_ck[CK_COUNT];
	uint64_t l4_offloaded;      /* bad L4 checksums holding only the pseudo-header sum */
	uint64_t fixed_ip, fixed_l4;/* --fix-checksums */
	uint64_t ptype[PT_COUNT];
	/* drops */
	struct hm_nic_stats ns;
	struct hm_i40e_rxq_stats qst[RX_MAX_QUEUES];
	uint64_t missed, nombuf, dma, ringf, errs, badlen, noeof, lost, unaccounted;
	/* placement */
	int ring_node, queue_node, mbuf_node;
	/* capture */
	uint64_t written;
	char out_err[512];          /* the --pcap-out failure; "" when none */
	/* --forward */
	struct rx_fwd_result {
		const char *path_name;      /* the TX path in use */
		uint64_t forwarded;         /* packets the TX driver took */
		uint64_t given_up;          /* packets freed unsent: the TX ring stayed full */
		uint64_t cycles;            /* TX driver cycles */
		struct hm_i40e_txq_stats qst[RX_MAX_QUEUES];
		struct hm_nic_txq_stats dst[RX_MAX_QUEUES];
		uint64_t sent, bytes, tx_bad, oerrors, dma_errors, malformed, in_flight;
		uint64_t mismatch;          /* generated payloads that left the port changed */
		uint64_t written;           /* frames written to --tx-out */
		uint64_t lost;              /* given_up + tx_bad + oerrors + dma_errors + malformed + in_flight */
		int ring_node, queue_node;
		char out_err[512];          /* the --tx-out failure; "" when none */
	} fwd;
	/* how it ended */
	int signal;                 /* the signal that interrupted the run; 0: none */
	const struct serve_run *serve; /* --serve: the clients' side; NULL otherwise */
	bool ok;
};

struct rx_fwd;

/* The second port: a NIC on the NIC's node, one TX queue per RX queue, its sink
 * (verifying generated payloads when @p verify; --tx-out, nanosecond stamps when
 * @p nsec). @return NULL with a message on stderr and *code the exit status. */
struct rx_fwd *rx_fwd_setup(const struct rx_opts *o, const struct rx_geom *g, bool verify,
			    bool nsec, int *code);
/* Send @p n received packets of queue @p q (the device transmits as it goes);
 * packets the ring cannot take after the device caught up are freed and counted. */
void rx_fwd_burst(struct rx_fwd *f, unsigned int q, struct hm_mbuf **pkts, uint16_t n,
		  struct rx_result *r);
/* Let the device send what the rings hold, land late write-backs, clean up. */
void rx_fwd_drain(struct rx_fwd *f);
/* Counters and placement into r->fwd; closes --tx-out (its error lands in out_err). */
void rx_fwd_collect(struct rx_fwd *f, const struct rx_opts *o, struct rx_result *r);
/* Release everything (NULL accepted). @return 0, or -1 when --tx-out could not be closed. */
int rx_fwd_teardown(struct rx_fwd *f);

/* Parse argv: rx options into @p o, the rest into nargv. @return 0, RX_HELP or HM_EXIT_USAGE. */
int rx_parse_opts(int argc, char **argv, struct rx_opts *o, int *nargc, char **nargv);
/* Resolve buffer sizes, path and pool (@p snaplen: the capture's, 0 generating).
 * @return 0 or HM_EXIT_USAGE with a message. */
int rx_geometry(const struct rx_opts *o, uint32_t snaplen, struct rx_geom *g);
/* Totals from the NIC and the queues; sets r->lost, r->unaccounted, r->ok. */
void rx_account(const struct rx_opts *o, struct rx_result *r);
/* The summary (text or JSON) on stdout. */
void rx_report(const struct rx_opts *o, const struct rx_geom *g, const struct rx_result *r);

#endif
