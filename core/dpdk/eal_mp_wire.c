/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encoding and decoding of the rte_mp_* datagrams (layout and invariants in
 * eal_mp_wire.h). The decoder trusts nothing: a peer is one of this user's
 * processes (the runtime dir is private), but a buggy one can send anything.
 */
#include <errno.h>
#include <string.h>

#include "eal_mp_wire.h"

_Static_assert(MP_WIRE_HDR_LEN == 4 + 2 + 2 + MP_PEER_LEN + RTE_MP_MAX_NAME_LEN + 4 + 4,
	       "the wire header has no padding");

bool
mp_peer_name_ok(const char *name, int *pid)
{
	size_t base = sizeof(MP_SOCK_PRIMARY) - 1;
	size_t n = strnlen(name, MP_PEER_LEN);
	long long v = 0;

	if (n == MP_PEER_LEN || strncmp(name, MP_SOCK_PRIMARY, base) != 0)
		return false;
	if (n == base) {
		*pid = 0;
		return true;
	}
	/* "_" then 1..10 digits, no leading zero, a positive int */
	if (name[base] != '_' || n < base + 2 || n > base + 11 || name[base + 1] == '0')
		return false;
	for (size_t i = base + 1; i < n; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (name[i] - '0');
	}
	if (v > 0x7fffffff)
		return false;
	*pid = (int)v;
	return true;
}

size_t
mp_wire_encode(uint8_t *buf, uint16_t type, const char *sender, const struct rte_mp_msg *msg)
{
	struct mp_wire_hdr h;

	memset(&h, 0, sizeof(h));
	h.magic = MP_WIRE_MAGIC;
	h.version = MP_WIRE_VERSION;
	h.type = type;
	/* NUL-terminated, zero-padded (h is zeroed) */
	memcpy(h.sender, sender, strnlen(sender, sizeof(h.sender) - 1));
	memcpy(h.name, msg->name, strnlen(msg->name, sizeof(h.name) - 1));
	h.len_param = msg->len_param;
	h.num_fds = msg->num_fds;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), msg->param, (size_t)msg->len_param);
	return sizeof(h) + (size_t)msg->len_param;
}

static int
bad(const char **why, const char *what)
{
	*why = what;
	return -EBADMSG;
}

int
mp_wire_decode(const uint8_t *buf, size_t len, unsigned int n_fds, const int *fds,
	       uint16_t *type, char sender[MP_PEER_LEN], struct rte_mp_msg *out,
	       const char **why)
{
	struct mp_wire_hdr h;
	int pid;

	if (len < sizeof(h))
		return bad(why, "shorter than the header");
	memcpy(&h, buf, sizeof(h));
	if (h.magic != MP_WIRE_MAGIC)
		return bad(why, "bad magic");
	if (h.version != MP_WIRE_VERSION)
		return bad(why, "unknown version");
	if (h.type < MP_W_MSG || h.type > MP_W_IGN)
		return bad(why, "unknown type");
	if (!mp_peer_name_ok(h.sender, &pid))
		return bad(why, "the sender is no peer socket name");
	if (strnlen(h.name, sizeof(h.name)) == sizeof(h.name) || h.name[0] == '\0')
		return bad(why, "the name is empty or not terminated");
	if (h.len_param < 0 || h.len_param > RTE_MP_MAX_PARAM_LEN)
		return bad(why, "len_param out of range");
	if (len != sizeof(h) + (size_t)h.len_param)
		return bad(why, "the length does not match len_param");
	if (h.num_fds < 0 || h.num_fds > RTE_MP_MAX_FD_NUM || (unsigned int)h.num_fds != n_fds)
		return bad(why, "num_fds does not match the fds received");
	memset(out, 0, sizeof(*out));
	/* up to the NUL: what follows it is not carried over */
	memcpy(out->name, h.name, strlen(h.name));
	out->len_param = h.len_param;
	out->num_fds = h.num_fds;
	memcpy(out->param, buf + sizeof(h), (size_t)h.len_param);
	for (unsigned int i = 0; i < RTE_MP_MAX_FD_NUM; i++)
		out->fds[i] = i < n_fds ? fds[i] : -1;
	memset(sender, 0, MP_PEER_LEN);
	memcpy(sender, h.sender, strlen(h.sender));
	*type = h.type;
	return 0;
}
