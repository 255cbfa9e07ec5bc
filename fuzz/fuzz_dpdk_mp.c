/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rte_mp_* datagram decoder (core/dpdk/eal_mp_wire.c): what a buggy peer
 * could put on a socket. Byte 0: bits 0-3 the number of fds that "came with"
 * it (0..15), bit 7 set: the rest builds a valid message (name, param, type)
 * which is encoded and then corrupted at one offset by one byte, to reach the
 * checks past the magic. Oracle: a decoded message keeps every invariant of
 * eal_mp_wire.h and decodes to the same message after encoding it again; a
 * refused one says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eal_mp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the oracle holds in every build (assert() is gone under NDEBUG) */
#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x)) {                                                    \
			fprintf(stderr, "fuzz_dpdk_mp: line %d: %s\n", __LINE__, #x); \
			abort();                                               \
		}                                                              \
	} while (0)

static void
check_decoded(const uint8_t *buf, size_t len, unsigned int n_fds, const int *fds)
{
	struct rte_mp_msg m, m2;
	char sender[MP_PEER_LEN], sender2[MP_PEER_LEN];
	uint8_t again[MP_WIRE_MAX];
	const char *why = NULL;
	uint16_t type, type2;
	int pid;

	memset(&m, 0xa5, sizeof(m));
	if (mp_wire_decode(buf, len, n_fds, fds, &type, sender, &m, &why) != 0) {
		CHECK(why != NULL && why[0] != '\0');
		return;
	}
	CHECK(type >= MP_W_MSG && type <= MP_W_IGN);
	CHECK(mp_peer_name_ok(sender, &pid) && pid >= 0);
	CHECK(m.name[0] != '\0' && strnlen(m.name, sizeof(m.name)) < sizeof(m.name));
	CHECK(m.len_param >= 0 && m.len_param <= RTE_MP_MAX_PARAM_LEN);
	CHECK(len == MP_WIRE_HDR_LEN + (size_t)m.len_param);
	CHECK(m.num_fds >= 0 && (unsigned int)m.num_fds == n_fds);
	for (unsigned int i = 0; i < RTE_MP_MAX_FD_NUM; i++)
		CHECK(m.fds[i] == (i < n_fds ? fds[i] : -1));
	for (int i = m.len_param; i < RTE_MP_MAX_PARAM_LEN; i++)
		CHECK(m.param[i] == 0);
	/* the round trip */
	size_t n = mp_wire_encode(again, type, sender, &m);
	CHECK(n == len);
	CHECK(mp_wire_decode(again, n, n_fds, fds, &type2, sender2, &m2, &why) == 0);
	CHECK(type2 == type && strcmp(sender2, sender) == 0);
	CHECK(memcmp(&m, &m2, sizeof(m)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[MP_WIRE_MAX + 64];
	int fds[16];
	unsigned int n_fds;

	if (size < 1 || size > sizeof(buf) + 1)
		return 0;
	n_fds = data[0] & 15u;
	for (unsigned int i = 0; i < 16; i++)
		fds[i] = 100 + (int)i;
	if ((data[0] & 0x80u) == 0 || size < 8) {
		memcpy(buf, data + 1, size - 1);
		check_decoded(buf, size - 1, n_fds, fds);
		return 0;
	}
	/* a valid message, then one byte changed: data[1] type, data[2] name length,
	 * data[3] param length, data[4..5] offset, data[6] the byte, data[7] sender pid */
	struct rte_mp_msg m;
	char sender[MP_PEER_LEN];
	size_t rest = size - 8;

	memset(&m, 0, sizeof(m));
	size_t nl = 1 + data[2] % (RTE_MP_MAX_NAME_LEN - 1);
	for (size_t i = 0; i < nl; i++)
		m.name[i] = (char)('a' + (i < rest ? data[8 + i] : i) % 26);
	m.len_param = data[3] % (RTE_MP_MAX_PARAM_LEN + 1);
	for (int i = 0; i < m.len_param; i++)
		m.param[i] = (size_t)i < rest ? data[8 + i] : (uint8_t)i;
	m.num_fds = (int)(n_fds > RTE_MP_MAX_FD_NUM ? RTE_MP_MAX_FD_NUM : n_fds);
	if (data[7] == 0)
		snprintf(sender, sizeof(sender), "%s", MP_SOCK_PRIMARY);
	else
		snprintf(sender, sizeof(sender), "%s_%u", MP_SOCK_PRIMARY, data[7]);
	size_t len = mp_wire_encode(buf, (uint16_t)(1 + data[1] % 4), sender, &m);
	check_decoded(buf, len, (unsigned int)m.num_fds, fds); /* valid: must decode */
	size_t off = ((size_t)data[4] | (size_t)data[5] << 8) % (len + 1);
	if (off < len)
		buf[off] = data[6];
	check_decoded(buf, len, (unsigned int)m.num_fds, fds);
	return 0;
}
