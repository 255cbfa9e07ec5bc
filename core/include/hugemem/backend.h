/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backend SPI: where pages come from. The core (memseg) reserves address space,
 * picks list slots and keeps the tables; a backend only maps one page at a given
 * address, says what IOVA and node it got, and unmaps it again.
 *
 * One `static const struct hm_backend_ops` per backend, registered in the explicit
 * table of core/init/backends.c. Shared memory never holds a pointer to a backend:
 * memseg entries hold the backend's opaque page handle, and the config records
 * the backend by name.
 *
 * Threading: the core serialises every call on one backend instance (it holds the
 * memory hotplug write lock around page_map / page_unmap / fault), except
 * virt2iova and node_of, which must be safe to call concurrently with each other.
 */
#ifndef HUGEMEM_BACKEND_H
#define HUGEMEM_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hugemem/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a backend offers: page sizes, nodes, pages per (size, node), lcores. */
struct hm_probe {
	unsigned int n_nodes;  /* nodes are 0 .. n_nodes-1 */
	unsigned int n_sizes;  /* entries used in sizes[] */
	struct {
		uint64_t page_sz;                       /* bytes, power of two */
		uint32_t num_pages[HM_MAX_NUMA_NODES];  /* upper bound per node, not a reservation */
	} sizes[HM_MAX_PAGE_SIZES];                     /* largest page size first */
	unsigned int n_lcores;                          /* lcores 0 .. n_lcores-1 */
	int16_t lcore_node[HM_MAX_LCORE];               /* node of each lcore */
	bool has_pa;           /* IOVAs are physical-like (not merely the VA) */
};

/** How the core asks a backend to start. All strings outlive the instance. */
struct hm_backend_params {
	const char *topology;     /* backend-specific description; NULL = default */
	const char *fault;        /* initial fault-injection spec; NULL = none */
	const char *runtime_dir;  /* <run>/hugemem/<prefix>, exists, mode 0700 */
	const char *prefix;       /* file prefix (page files are <prefix>map_*) */
	bool in_memory;           /* no files anywhere: anonymous or memfd pages */
	bool secondary;           /* another process (the primary) owns the pages: clean nothing */
	bool no_shconf;           /* --no-shconf: no other process will attach these pages, so
				     page files get names no primary of the same prefix uses */
	/* Options of file-backed backends (hugetlbfs); others ignore them. */
	const char *huge_dir;     /* --huge-dir; NULL = any mount */
	int huge_unlink;          /* enum hm_huge_unlink (hugemem/init.h) */
	bool single_file_segments; /* one page file per memseg list */
	bool legacy;              /* --legacy-mem: every page mapped at init, never freed */
	bool want_pa;             /* --iova-mode=pa given: no silent fallback to IOVA-as-VA */
	bool want_va;             /* --iova-mode=va given: physical addresses not needed */
};

/** One page, in and out of the ops below. */
struct hm_page {
	void *va;           /* in: page-aligned address inside a reserved list range */
	uint64_t page_sz;   /* in: a size from the probe */
	int node;           /* in: wanted node; out (page_map): node it landed on */
	uint32_t list_idx;  /* in: memseg list index (for naming) */
	uint32_t seg_idx;   /* in: slot in that list */
	uint64_t handle;    /* out of page_map, in to page_unmap / page_attach */
	hm_iova_t iova;     /* out: device-visible address of va */
	bool dirty;         /* out: the page may hold old data (not zeroed) */
};

struct hm_backend;

struct hm_backend_ops {
	/** Registry name ("emu"), and one line for `hugemem info`. Required. */
	const char *name;
	const char *description;

	/**
	 * Start an instance: parse params->topology, set be->priv. Required.
	 * @return 0, or -errno with hm_last_error() naming the bad part of the input
	 *   (-EINVAL malformed topology, -ENOTSUP option not supported).
	 */
	int (*create)(struct hm_backend *be, const struct hm_backend_params *params);

	/** Release be->priv and every page still mapped. Required; NULL priv is fine. */
	void (*destroy)(struct hm_backend *be);

	/** Fill @p out. Required. @return 0 or -errno. */
	int (*probe)(struct hm_backend *be, struct hm_probe *out);

	/**
	 * Map one page of pg->page_sz at pg->va, readable and writable, replacing the
	 * PROT_NONE reservation there (MAP_FIXED), zeroed unless pg->dirty is set on
	 * return. Fill handle, iova, node, dirty. Required.
	 * pre: pg->va aligned to pg->page_sz and currently reserved PROT_NONE.
	 * @return 0; -ENOMEM (no page on that node: pool empty, injected fault), or the
	 *   errno of the underlying call. On failure the VA is still reserved.
	 */
	int (*page_map)(struct hm_backend *be, struct hm_page *pg);

	/**
	 * Undo page_map: turn [va, va+page_sz) back into a PROT_NONE reservation and
	 * return the page to the pool. Required; must not fail for a mapped page.
	 * pre: pg->{va, page_sz, node, handle, list_idx, seg_idx} as page_map left them.
	 */
	void (*page_unmap)(struct hm_backend *be, const struct hm_page *pg);

	/**
	 * Map, in another process, a page that another process mapped (same handle,
	 * same va). Optional: NULL means the backend cannot share pages.
	 * @return 0 or -errno (-ENOENT: the page is gone).
	 */
	int (*page_attach)(struct hm_backend *be, struct hm_page *pg);

	/**
	 * Move a mapped page to @p new_va, keeping its contents, IOVA and handle;
	 * the old range becomes a PROT_NONE reservation again and pg->va is updated.
	 * Used by legacy mode to order pages by IOVA. Optional: NULL means legacy
	 * mode is refused with -ENOTSUP.
	 * pre: new_va aligned to pg->page_sz and reserved PROT_NONE.
	 * @return 0 or -errno (the page stays where it was).
	 */
	int (*page_move)(struct hm_backend *be, struct hm_page *pg, void *new_va);

	/** IOVA of any address inside a mapped page, or HM_BAD_IOVA. Optional. */
	hm_iova_t (*virt2iova)(struct hm_backend *be, const void *va);

	/** Node that really backs @p va, or -errno. Optional. */
	int (*node_of)(struct hm_backend *be, const void *va);

	/**
	 * Change fault injection at run time; the spec grammar is the backend's
	 * (docs/backends.md). Optional: NULL means -ENOTSUP.
	 * @return 0 or -EINVAL with hm_last_error() naming the bad part.
	 */
	int (*fault)(struct hm_backend *be, const char *spec);

	/** Print backend state (pools, faults) for `hugemem info`. Optional. */
	void (*dump)(struct hm_backend *be, FILE *f);

	/**
	 * Report counters for telemetry (/hugemem/backend): call @p emit once per
	 * counter with a stable name of [A-Za-z0-9_] and its value (faults injected,
	 * page_map calls, pages in use). Called under the hotplug read lock, so no
	 * page_map / page_unmap / fault runs meanwhile. Optional.
	 */
	void (*counters)(struct hm_backend *be,
			 void (*emit)(void *arg, const char *name, uint64_t value), void *arg);

	/**
	 * The file descriptor behind a page this process mapped or attached, for
	 * sharing it (vhost-user style): the backend keeps it open until the page is
	 * unmapped or the backend destroyed; the caller must not close it. *offset
	 * receives the page's byte offset in that file (0 for a file per page).
	 * Optional: NULL means -ENOTSUP. (Last, so that the members before it keep
	 * their offsets for backends built before it existed.)
	 * pre: pg->{va, page_sz, node, handle, list_idx, seg_idx} as page_map left them.
	 * @return the fd; -ENOTSUP (this backend instance never has page fds, e.g.
	 *   anonymous memory), -ENODEV (no fd for this page), -EINVAL (not a page of
	 *   this instance), or the errno of reopening the page's file.
	 */
	int (*page_fd)(struct hm_backend *be, const struct hm_page *pg, uint64_t *offset);
};

/** A running backend instance (process-local). */
struct hm_backend {
	const struct hm_backend_ops *ops;
	void *priv; /* the backend's state */
};

/** The registry: NULL-terminated, in the order `hugemem info` lists them. */
extern const struct hm_backend_ops *const hm_backends[];

/** Find a built backend by name; NULL and hm_errno ENOENT if not built. */
const struct hm_backend_ops *hm_backend_lookup(const char *name);

/**
 * Apply a fault-injection spec to the running backend (after hm_init).
 * @return 0; -EINVAL (NULL or bad spec), -ENODEV (not initialised), -ENOTSUP.
 */
int hm_backend_fault(const char *spec);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_BACKEND_H */
