/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test helpers' topology adaptation (core/testing): an invented machine
 * (first bytes: nodes, sizes, per size a page size, a mount flag and free pages
 * per node) and an emu topology string (the rest). A result other than the input
 * parses as an emu topology with at most the machine's nodes and, when it names
 * sizes, only mounted sizes with no count above the free pages; a skip has a
 * reason.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem/emu.h"
#include "hugemem/testing.h"
#include "testing_i.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
quiet(enum hm_log_level l, const char *m, void *a)
{
	(void)l;
	(void)m;
	(void)a;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t szs[] = { 16ULL << 30, 1ULL << 30, 32ULL << 20, 2ULL << 20,
					64ULL << 10, 4096, 8192, 3ULL << 20 };
	static struct hm_hugetlbfs_info m;
	char topo[512], out[HM_TESTING_TOPOLOGY_MAX];
	struct hm_emu_topology t;
	const char *res;
	size_t p = 0;

	if (size < 2 || size > 2 + 3 * 10 + sizeof(topo) - 1)
		return 0;
	hm_log_set_hook(quiet, NULL);
	memset(&m, 0, sizeof(m));
	m.n_nodes = data[p++] % 5;            /* 0 is out of range: the code clamps */
	m.n_sizes = data[p++] % (HM_MAX_PAGE_SIZES + 1);
	for (unsigned int k = 0; k < m.n_sizes; k++) {
		if (p + 2 > size)
			return 0;
		m.sizes[k].page_sz = szs[data[p] % 8];
		/* hm_hugetlbfs_discover lists each page size once */
		for (unsigned int j = 0; j < k; j++)
			if (m.sizes[j].page_sz == m.sizes[k].page_sz)
				return 0;
		if (data[p++] & 0x80)
			strcpy(m.sizes[k].dir, "/mnt/huge");
		for (unsigned int n = 0; n < 4 && p < size; n++)
			m.sizes[k].free_pages[n] = data[p++] % 64;
	}
	if (size - p >= sizeof(topo)) /* the header took fewer bytes than the bound assumed */
		return 0;
	memcpy(topo, data + p, size - p);
	topo[size - p] = '\0';

	int rc = testing_adapt(topo, &m, out, sizeof(out), &res);
	if (rc == HM_TESTING_SKIP) {
		if (hm_testing_reason()[0] == '\0')
			abort();
		return 0;
	}
	if (rc != 0)
		abort();
	if (res == topo)
		return 0;
	if (res != out || hm_emu_topology_parse(res, &t) != 0)
		abort();
	if (t.n_nodes > (m.n_nodes < 1 ? 1 : m.n_nodes))
		abort();
	bool sizes = false;
	for (const char *q = strchr(res, ';'); q != NULL; q = strchr(q + 1, ';'))
		sizes |= q[1] >= '0' && q[1] <= '9';
	for (unsigned int i = 0; sizes && i < t.n_sizes; i++) {
		bool found = false;
		for (unsigned int k = 0; k < m.n_sizes; k++) {
			if (m.sizes[k].page_sz != t.sizes[i].page_sz || m.sizes[k].dir[0] == '\0')
				continue;
			found = true;
			for (unsigned int n = 0; n < t.n_nodes; n++)
				if (t.sizes[i].pages[n] > m.sizes[k].free_pages[n])
					abort();
		}
		if (!found)
			abort();
	}
	return 0;
}
