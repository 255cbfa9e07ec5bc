/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem info`: start hugemem with the given options, print the topology the
 * backend offers, the memseg lists, then map two pages of every size on every
 * node (or, where every page is already mapped -- --legacy-mem, -m taking them
 * all -- look at two mapped ones), print where they landed (node, VA, IOVA), check
 * the IOVA<->VA round trip, and give them back.
 *
 * The verdict is "OK" (exit 0) only when every (page size, node) the backend
 * offers was tested and every page landed right. "FAILED" (exit 1): a page on the
 * wrong node, an IOVA that does not map back, a validator complaint. "NOT
 * VERIFIED" (exit 1): what could not be tested is listed (a map that failed, a
 * page size without a memseg list, a node with no pages).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "common_i.h" /* hm_size_str */
#include "hugemem/hugemem.h"

static const char info_usage[] =
	"usage: hugemem info [hugemem options]\n"
	"\n"
	"Start hugemem with the options, print the backend, topology and memseg lists,\n"
	"then map up to two pages of every size on every node (where every page is\n"
	"already mapped, check two mapped ones), print where each landed (node, VA, IOVA),\n"
	"check that its IOVA maps back to it, and give them back.\n"
	"Verdict: OK when every (page size, node) offered was tested and every page\n"
	"landed right; FAILED (a wrong node or IOVA); NOT VERIFIED (lists what could not\n"
	"be tested: a failed map, a page size without a memseg list, a node with no pages).\n"
	"\n"
	"info options:\n"
	"  -h, --help              this text\n"
	"\n";

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

/* Lists of one (page size, node), and up to two of their mapped pages. */
struct pick {
	uint64_t page_sz;
	int node;
	unsigned int lists, found;
	const struct hm_memseg *ms[2];
};

static int
count_lists(const struct hm_memseg_list *msl, void *arg)
{
	struct pick *p = arg;

	p->lists += !msl->external && msl->page_sz == p->page_sz && msl->socket_id == p->node;
	return 0;
}

static int
pick_mapped(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	struct pick *p = arg;

	if (msl->external || msl->page_sz != p->page_sz || msl->socket_id != p->node)
		return 0;
	p->ms[p->found++] = ms;
	return p->found == 2 ? 1 : 0;
}

/* Print and judge one page; 1 when it is wrong. */
static int
check_page(unsigned int n, uint64_t pg, const struct hm_memseg *ms, const char *how)
{
	void *back = hm_mem_iova2virt(ms->iova);
	char a[16];

	printf("  node %u %-4s: VA %p  IOVA 0x%012" PRIx64 "  landed on node %d  %s%s\n", n,
	       hm_size_str(pg, a, sizeof(a)), ms->addr, ms->iova, ms->socket_id,
	       back == ms->addr ? "iova->va ok" : "iova->va MISMATCH", how);
	return back != ms->addr || ms->socket_id != (int)n;
}

/*
 * Average memseg-list room of one (page size, node) pair with the default caps
 * (the CLI cannot change them): min(64G, 512G / pairs). A page larger than this
 * gets no list.
 */
uint64_t
cli_room_per_pair(const struct hm_probe *p)
{
	unsigned int pairs = 0;

	for (unsigned int s = 0; s < p->n_sizes; s++)
		for (unsigned int n = 0; n < p->n_nodes; n++)
			pairs += p->sizes[s].num_pages[n] > 0;
	if (pairs == 0)
		return 0;
	return 512 * HM_GB / pairs < 64 * HM_GB ? 512 * HM_GB / pairs : 64 * HM_GB;
}

struct verdict {
	int bad;              /* pages that landed wrong, allocation errors */
	int tested;           /* pages checked */
	int untested;         /* (size, node) pairs or nodes nothing could be checked on */
};

static void
test_pages(const struct hm_probe *p, struct verdict *v)
{
	char a[16], b[16];

	printf("test allocations (2 pages of each size on each node):\n");
	for (unsigned int n = 0; n < p->n_nodes; n++) {
		bool offered = false;
		for (unsigned int s = 0; s < p->n_sizes; s++) {
			struct hm_memseg *ms[2];
			uint64_t pg = p->sizes[s].page_sz;
			unsigned int want = p->sizes[s].num_pages[n] < 2 ? p->sizes[s].num_pages[n] : 2;
			struct pick pk = { .page_sz = pg, .node = (int)n };
			int got;

			if (want == 0)
				continue;
			offered = true;
			hm_size_str(pg, a, sizeof(a));
			hm_memseg_list_walk(count_lists, &pk);
			if (pk.lists == 0) {
				printf("  node %u %-4s: NOT TESTED: no memseg list holds %s pages on node "
				       "%u, so none can be used (%s of list room per (page size, node) "
				       "pair with this topology; fewer nodes or sizes leave more)\n",
				       n, a, a, n, hm_size_str(cli_room_per_pair(p), b, sizeof(b)));
				v->untested++;
				continue;
			}
			got = hm_memseg_alloc_pages(ms, want, pg, (int)n, 0);
			if (got > 0) {
				for (int i = 0; i < got; i++)
					v->bad += check_page(n, pg, ms[i], "");
				v->tested += got;
				hm_memseg_free_pages(ms, (unsigned int)got);
				continue;
			}
			if (got != -EPERM && got != -ENOMEM && got != -ENOSPC) {
				printf("  node %u %-4s: allocation FAILED: %s\n", n, a, hm_last_error());
				v->bad++;
				continue;
			}
			/* legacy mode, everything mapped, or a map that failed: pages already
			 * mapped there are as good a test */
			char why[256];
			snprintf(why, sizeof(why), "%s", hm_last_error());
			hm_memseg_walk(pick_mapped, &pk);
			for (unsigned int i = 0; i < pk.found; i++)
				v->bad += check_page(n, pg, pk.ms[i], "  (already mapped)");
			v->tested += (int)pk.found;
			if (pk.found == 0) {
				printf("  node %u %-4s: NOT TESTED: no page could be mapped and none is "
				       "mapped (%s)\n", n, a, why);
				v->untested++;
			}
		}
		if (!offered) {
			printf("  node %u     : NOT TESTED: the backend offers no pages on this node\n", n);
			v->untested++;
		}
	}
}

int
cmd_info(int argc, char **argv)
{
	struct hm_config cfg;
	struct hm_probe p;
	struct hm_backend *be;
	struct verdict v = { 0, 0, 0 };
	const char *why;
	int rc, n;

	if (cli_parse_options("info", info_usage, argc, argv, &cfg, &n) != 0)
		return n;
	rc = hm_init_config(&cfg);
	if (rc < 0) {
		/* the library has logged it too; say it once more as our verdict */
		fprintf(stderr, "hugemem info: cannot start: %s\n", hm_last_error());
		return HM_EXIT_FAIL;
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
	test_pages(&p, &v);
	rc = hm_memseg_check(&why);
	if (rc < 0) {
		printf("memseg check FAILED: %s\n", why);
		v.bad++;
	}
	hm_cleanup();
	if (v.bad != 0)
		printf("FAILED: %d problem(s)%s\n", v.bad,
		       v.untested != 0 ? ", and some pages could not be tested (NOT TESTED above)" : "");
	else if (v.tested == 0)
		printf("NOT VERIFIED: no page could be tested (NOT TESTED above says why)\n");
	else if (v.untested != 0)
		printf("NOT VERIFIED: %d page(s) landed right, but %d part(s) of the topology could "
		       "not be tested (NOT TESTED above)\n", v.tested, v.untested);
	else
		printf("OK: every page landed on its node and its IOVA maps back to it\n");
	return cli_output_status("info", v.bad == 0 && v.untested == 0 && v.tested > 0 ?
				       HM_EXIT_OK : HM_EXIT_FAIL);
}
