/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The datagrams of the rte_mp_* IPC channel (eal_mp.c): encoding and defensive
 * decoding, no I/O, no state (fuzz/fuzz_dpdk_mp.c drives the decoder alone).
 *
 * One datagram = one header + len_param bytes of param; the fds travel beside it
 * as SCM_RIGHTS. All fields in host order (both ends run on this machine):
 *
 *   magic u32 | version u16 | type u16 | sender[32] | name[64] | len_param i32 |
 *   num_fds i32 | param[len_param]
 *
 * Invariants of a decoded message (mp_wire_decode):
 *   magic == MP_WIRE_MAGIC, version == MP_WIRE_VERSION, type in MSG..IGN
 *   sender is "mp_socket" or "mp_socket_<pid>" (1..10 digits, no leading 0)
 *   name is non-empty and NUL-terminated inside its 64 bytes
 *   0 <= len_param <= RTE_MP_MAX_PARAM_LEN, datagram length == header + len_param
 *   0 <= num_fds <= RTE_MP_MAX_FD_NUM and num_fds == the fds that came with it
 */
#ifndef HUGEMEM_EAL_MP_WIRE_H
#define HUGEMEM_EAL_MP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_eal.h>

#define MP_WIRE_HIDDEN __attribute__((visibility("hidden")))
#define MP_WIRE_MAGIC 0x504d4d48u /* "HMMP" */
#define MP_WIRE_VERSION 1
#define MP_PEER_LEN 32             /* socket names: "mp_socket_" + 10 digits + NUL */
#define MP_SOCK_PRIMARY "mp_socket"

enum mp_wire_type {
	MP_W_MSG = 1, /* rte_mp_sendmsg: no answer expected */
	MP_W_REQ,     /* rte_mp_request_*: the peer's action answers with rte_mp_reply */
	MP_W_REP,     /* rte_mp_reply */
	MP_W_IGN,     /* "not counted": the peer cannot answer (it is leaving) */
};

struct mp_wire_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;              /* enum mp_wire_type */
	char sender[MP_PEER_LEN];   /* the sender's socket name, NUL-terminated */
	char name[RTE_MP_MAX_NAME_LEN];
	int32_t len_param;
	int32_t num_fds;
};

#define MP_WIRE_HDR_LEN sizeof(struct mp_wire_hdr)
#define MP_WIRE_MAX (MP_WIRE_HDR_LEN + RTE_MP_MAX_PARAM_LEN)

/*
 * A peer's socket name: "mp_socket" (the primary, *pid = 0) or "mp_socket_<pid>"
 * (a secondary, *pid its pid). @p name is read up to MP_PEER_LEN bytes.
 */
MP_WIRE_HIDDEN bool mp_peer_name_ok(const char *name, int *pid);

/*
 * Write the datagram of @p msg (checked by the caller: name, len_param, num_fds
 * in range) from @p sender as @p type into @p buf (MP_WIRE_MAX bytes).
 * @return its length.
 */
MP_WIRE_HIDDEN size_t mp_wire_encode(uint8_t *buf, uint16_t type, const char *sender,
		      const struct rte_mp_msg *msg);

/*
 * Check and unpack the datagram @p buf[0..len) that came with @p n_fds fds
 * (@p fds, copied into out->fds). @return 0 (*type, sender, *out filled; unused
 * fds slots are -1) or -EBADMSG with *why (static text).
 */
MP_WIRE_HIDDEN int mp_wire_decode(const uint8_t *buf, size_t len, unsigned int n_fds,
				  const int *fds, uint16_t *type, char sender[MP_PEER_LEN],
				  struct rte_mp_msg *out, const char **why);

#endif /* HUGEMEM_EAL_MP_WIRE_H */
