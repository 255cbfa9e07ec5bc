/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem info`: start hugemem with the given options, print the topology the
 * backend offers, the memseg lists, then map two pages of every size on every
 * node, print where they landed (node, VA, IOVA), check the IOVA<->VA round trip,
 * and give them back.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "common_i.h" /* hm_size_str */
#include "hugemem/hugemem.h"

static int
print_list(const struct hm_memseg_list *msl, void *arg)
{
	char a[16], b[16];
	(void)arg;
	printf("  %-20s page %-4s node %d  VA %p..%p (%s)  mapped %u/%u\n",
	       msl->memseg_arr.name, hm_size_str(msl->page_sz, a, sizeof(a)), msl->socket_id,
	       msl->base_va, (void *)((char *)msl->base_va + msl->len),
	       hm_size_str(msl->len, b, sizeof(b)), msl->memseg_arr.count, msl->memseg_arr.len);
	return 0;
}

static void
print_topology(const struct hm_probe *p)
{
	char a[16];

	printf("topology: %u node(s), %u lcore(s)\n", p->n_nodes, hm_lcore_count());
	for (unsigned int n = 0; n < p->n_nodes; n++) {
		printf("  node %u: lcores", n);
		for (unsigned int l = 0; l < p->n_lcores; l++)
			if (p->lcore_node[l] == (int)n)
				printf(" %u", l);
		printf("; pages");
		for (unsigned int s = 0; s < p->n_sizes; s++)
			printf(" %s x %" PRIu32, hm_size_str(p->sizes[s].page_sz, a, sizeof(a)),
			       p->sizes[s].num_pages[n]);
		printf("\n");
	}
}

static int
test_pages(const struct hm_probe *p, int *tested)
{
	int bad = 0;
	char a[16];

	printf("test allocations (2 pages of each size on each node):\n");
	for (unsigned int n = 0; n < p->n_nodes; n++) {
		for (unsigned int s = 0; s < p->n_sizes; s++) {
			struct hm_memseg *ms[2];
			uint64_t pg = p->sizes[s].page_sz;
			unsigned int want = p->sizes[s].num_pages[n] < 2 ? p->sizes[s].num_pages[n] : 2;
			int got;

			if (want == 0)
				continue;
			got = hm_memseg_alloc_pages(ms, want, pg, (int)n, 0);
			if (got == -EPERM || got == -ENOMEM || got == -ENOSPC) {
				/* legacy mode, or everything already mapped: nothing to show */
				printf("  node %u %-4s: skipped (%s)\n", n, hm_size_str(pg, a, sizeof(a)),
				       hm_last_error());
				continue;
			}
			if (got < 0) {
				printf("  node %u %-4s: allocation failed: %s\n", n,
				       hm_size_str(pg, a, sizeof(a)), hm_last_error());
				bad++;
				continue;
			}
			for (int i = 0; i < got; i++) {
				void *back = hm_mem_iova2virt(ms[i]->iova);
				printf("  node %u %-4s: VA %p  IOVA 0x%012" PRIx64 "  landed on node %d  %s\n",
				       n, hm_size_str(pg, a, sizeof(a)), ms[i]->addr, ms[i]->iova,
				       ms[i]->socket_id,
				       back == ms[i]->addr ? "iova->va ok" : "iova->va MISMATCH");
				bad += back != ms[i]->addr || ms[i]->socket_id != (int)n;
				++*tested;
			}
			hm_memseg_free_pages(ms, (unsigned int)got);
		}
	}
	return bad;
}

int
cmd_info(int argc, char **argv)
{
	struct hm_probe p;
	struct hm_backend *be;
	const char *why;
	int rc, bad, tested = 0;

	rc = hm_init(argc, argv);
	if (rc < 0) {
		/* the library has logged why */
		fprintf(stderr, "hugemem info: cannot start (%s); see --help\n", hm_strerror(rc));
		return 1;
	}
	if (rc + 1 < argc) {
		fprintf(stderr, "hugemem info: unexpected argument '%s'\n", argv[rc + 1]);
		hm_cleanup();
		return 2;
	}
	be = hm_backend_get();
	memset(&p, 0, sizeof(p));
	be->ops->probe(be, &p);
	printf("backend: %s (%s)\n", be->ops->name, be->ops->description);
	printf("runtime dir: %s\n", hm_runtime_dir());
	if (be->ops->dump != NULL)
		be->ops->dump(be, stdout);
	printf("iova mode: %s\n", hm_memseg_iova_is_va() ? "va" : "pa");
	print_topology(&p);
	printf("memseg lists: %u\n", hm_memseg_list_count());
	hm_memseg_list_walk(print_list, NULL);
	bad = test_pages(&p, &tested);
	rc = hm_memseg_check(&why);
	if (rc < 0) {
		printf("memseg check FAILED: %s\n", why);
		bad++;
	}
	hm_cleanup();
	if (bad != 0)
		printf("FAILED: %d problem(s)\n", bad);
	else if (tested == 0)
		printf("OK: memory is consistent (no free page to test-map)\n");
	else
		printf("OK: every page landed on its node and its IOVA maps back to it\n");
	return bad == 0 ? 0 : 1;
}
