/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Example 1: start hugemem, print what it got, allocate on every node.
 *
 * The backend and the machine it presents come from options or from the
 * environment, never from the code, so the same binary runs on a CI VM and on
 * a server with real hugepages:
 *
 *   ./init_switch                                      emu, its default machine
 *   ./init_switch --topology='nodes=2;2M=64,64'        an emulated 2-node machine
 *   HUGEMEM_TOPOLOGY='nodes=4;2M=8,8,8,8' ./init_switch  the same from a variable
 *   HUGEMEM_OPTS="--in-memory --topology='nodes=2;2M=8,8'" ./init_switch
 *   ./init_switch --backend=hugetlbfs -m 64            real hugepages (as root;
 *                                                      `hugemem doctor` says what is missing)
 *   ./init_switch --in-memory -- hello                 the application's own
 *                                                      arguments follow the options
 *
 * Build against an installed hugemem:
 *   cc -std=c11 -o init_switch init_switch.c $(pkg-config --cflags --libs hugemem)
 */
#include <stdio.h>

#include "hugemem/hugemem.h"

int
main(int argc, char **argv)
{
	/* hugemem takes its options from the front of argv, like rte_eal_init, and
	 * returns how many it consumed (environment defaults first, argv wins). */
	int n = hm_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "hm_init: %s\n", hm_last_error());
		return 1;
	}
	argc -= n; /* argv[0] is still the program name, the rest is ours */
	argv += n;

	const struct hm_backend *be = hm_backend_get();
	printf("backend: %s\n", be->ops->name);
	printf("nodes: %u, lcores: %u, main lcore on node %d\n", hm_socket_count(),
	       hm_lcore_count(), hm_socket_id());

	/* One block of 1 MiB on each node: where it landed and its device address. */
	for (unsigned int node = 0; node < hm_socket_count(); node++) {
		void *p = hm_malloc_socket("example", 1 << 20, 64, (int)node);
		if (p == NULL) {
			fprintf(stderr, "node %u: %s\n", node, hm_last_error());
			hm_cleanup();
			return 1;
		}
		printf("node %u: 1 MiB at VA %p, IOVA 0x%llx; %lld MiB mapped on the node\n", node,
		       p, (unsigned long long)hm_malloc_virt2iova(p),
		       (long long)(hm_memseg_mapped_bytes((int)node) >> 20));
		hm_free(p);
	}
	for (int i = 1; i < argc; i++)
		printf("application argument: %s\n", argv[i]);

	/* Everything goes back: pages, files, mappings. */
	if (hm_cleanup() != 0) {
		fprintf(stderr, "hm_cleanup: %s\n", hm_last_error());
		return 1;
	}
	return 0;
}
