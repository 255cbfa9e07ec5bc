/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem's own commands under /hugemem/: the instance, lcores, memseg lists
 * and pages per node, the backend and its counters, rings, and the server's
 * own counters. Memseg state is read inside memseg walks (hotplug read lock:
 * no page comes or goes meanwhile), rings inside a memzone walk (no ring can
 * be freed meanwhile).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fbarray_quiet.h"
#include "hm_config.h"
#include "mcfg_i.h"
#include "telemetry_i.h"
#include "hugemem/backend.h"
#include "hugemem/lcore.h"
#include "hugemem/memseg.h"
#include "hugemem/memzone.h"
#include "hugemem/ring.h"

/* ---- /hugemem/info ---- */

static int
hm_info(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	const struct tel_instance *in = tel_endpoints_get();
	struct hm_mem_config *mcfg = mcfg_get();
	const char *sock = hm_telemetry_socket_path();
	struct hm_telemetry_stats st;

	(void)cmd;
	(void)params;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_string(d, "version", "hugemem " HM_VERSION);
	hm_telemetry_data_add_dict_int(d, "pid", (int)getpid());
	if (in == NULL || mcfg == NULL) {
		hm_telemetry_data_add_dict_int(d, "initialised", 0);
		return 0;
	}
	hm_telemetry_data_add_dict_int(d, "initialised", 1);
	hm_telemetry_data_add_dict_string(d, "backend", mcfg->backend);
	hm_telemetry_data_add_dict_string(d, "file_prefix", in->prefix);
	hm_telemetry_data_add_dict_string(d, "runtime_dir", in->runtime_dir);
	hm_telemetry_data_add_dict_string(d, "iova_mode", mcfg->iova_va ? "va" : "pa");
	hm_telemetry_data_add_dict_int(d, "legacy_mem", (int)mcfg->legacy_mem);
	hm_telemetry_data_add_dict_int(d, "nodes", (int)hm_socket_count());
	hm_telemetry_data_add_dict_int(d, "lcores", (int)hm_lcore_count());
	hm_telemetry_data_add_dict_int(d, "main_lcore", (int)hm_get_main_lcore());
	hm_telemetry_data_add_dict_int(d, "memseg_lists", (int)mcfg->n_lists);
	hm_telemetry_data_add_dict_u64(d, "mem_version",
				       __atomic_load_n(&mcfg->mem_version, __ATOMIC_RELAXED));
	if (sock != NULL)
		hm_telemetry_data_add_dict_string(d, "telemetry_socket", sock);
	if (hm_telemetry_stats_get(&st) == 0)
		hm_telemetry_data_add_dict_int(d, "telemetry_instance", (int)st.instance);
	return 0;
}

/* ---- /hugemem/lcores ---- */

static int
hm_lcores(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	unsigned int n = hm_lcore_count();

	(void)cmd;
	(void)params;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_int(d, "count", (int)n);
	hm_telemetry_data_add_dict_int(d, "main", n == 0 ? -1 : (int)hm_get_main_lcore());
	for (unsigned int node = 0; node < hm_socket_count(); node++) {
		struct hm_telemetry_data *a = hm_telemetry_data_alloc();
		char name[32];

		if (a == NULL)
			return -1;
		hm_telemetry_data_start_array(a, HM_TELEMETRY_INT);
		for (unsigned int l = 0; l < HM_MAX_LCORE; l++)
			if (hm_lcore_is_enabled(l) && hm_lcore_to_socket_id(l) == (int)node)
				hm_telemetry_data_add_array_int(a, (int)l);
		snprintf(name, sizeof(name), "node_%u", node);
		hm_telemetry_data_add_dict_container(d, name, a, 0);
	}
	return 0;
}

/* ---- /hugemem/memseg_lists, /hugemem/memseg_list ---- */

static int
list_index(const struct hm_memseg_list *msl)
{
	struct hm_mem_config *mcfg = mcfg_get();

	return mcfg != NULL ? (int)(msl - mcfg->memsegs) : -1;
}

static void
list_fields(struct hm_telemetry_data *d, const struct hm_memseg_list *msl)
{
	char hex[32];

	hm_telemetry_data_add_dict_int(d, "index", list_index(msl));
	hm_telemetry_data_add_dict_u64(d, "page_sz", msl->page_sz);
	hm_telemetry_data_add_dict_int(d, "socket_id", msl->socket_id);
	tel_hex(hex, sizeof(hex), msl->base_va_64);
	hm_telemetry_data_add_dict_string(d, "base_va", hex);
	hm_telemetry_data_add_dict_u64(d, "len", msl->len);
	hm_telemetry_data_add_dict_u64(d, "slots", msl->memseg_arr.len);
	hm_telemetry_data_add_dict_u64(d, "used", msl->memseg_arr.count);
	hm_telemetry_data_add_dict_int(d, "external", (int)msl->external);
}

static int
lists_cb(const struct hm_memseg_list *msl, void *arg)
{
	struct hm_telemetry_data *c = hm_telemetry_data_alloc();

	if (c == NULL)
		return -1;
	hm_telemetry_data_start_dict(c);
	list_fields(c, msl);
	hm_telemetry_data_add_array_container(arg, c, 0);
	return 0;
}

static int
hm_memseg_lists(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	(void)cmd;
	(void)params;
	hm_telemetry_data_start_array(d, HM_TELEMETRY_CONTAINER);
	hm_memseg_list_walk(lists_cb, d);
	return 0;
}

struct list_one {
	int idx;
	struct hm_telemetry_data *d;
	bool found;
};

static int
list_one_cb(const struct hm_memseg_list *msl, void *arg)
{
	struct list_one *w = arg;
	struct hm_fbarray *arr = (struct hm_fbarray *)&msl->memseg_arr;
	struct hm_telemetry_data *runs;
	int i = 0;

	if (list_index(msl) != w->idx)
		return 0;
	w->found = true;
	hm_telemetry_data_start_dict(w->d);
	list_fields(w->d, msl);
	runs = hm_telemetry_data_alloc();
	if (runs == NULL)
		return 1;
	/* used slots as "first-last" runs: a list may hold thousands of pages */
	hm_telemetry_data_start_array(runs, HM_TELEMETRY_STRING);
	while ((unsigned int)i < arr->len && (i = fbarray_next_used(arr, (unsigned int)i)) >= 0) {
		int n = fbarray_contig_used(arr, (unsigned int)i);
		char run[32];

		snprintf(run, sizeof(run), n > 1 ? "%d-%d" : "%d", i, i + n - 1);
		if (hm_telemetry_data_add_array_string(runs, run) < 0)
			break;
		i += n;
	}
	hm_telemetry_data_add_dict_container(w->d, "used_runs", runs, 0);
	return 1;
}

static int
hm_memseg_list(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct list_one w = { .d = d };
	uint64_t idx;

	(void)cmd;
	if (tel_param_u64(params, HM_MAX_MEMSEG_LISTS - 1, &idx) < 0)
		return -1;
	w.idx = (int)idx;
	hm_memseg_list_walk(list_one_cb, &w);
	return w.found ? 0 : -1;
}

/* ---- /hugemem/pages: mapped pages per node and page size ---- */

struct page_count {
	uint64_t page_sz[HM_MAX_PAGE_SIZES];
	uint64_t pages[HM_MAX_NUMA_NODES][HM_MAX_PAGE_SIZES];
	uint64_t heap[HM_MAX_NUMA_NODES][HM_MAX_PAGE_SIZES];
	uint64_t fixed[HM_MAX_NUMA_NODES][HM_MAX_PAGE_SIZES];
	unsigned int n_sizes;
};

static int
pages_cb(const struct hm_memseg_list *msl, const struct hm_memseg *ms, void *arg)
{
	struct page_count *pc = arg;
	unsigned int k = 0;

	if (msl->external || ms->socket_id < 0 || ms->socket_id >= HM_MAX_NUMA_NODES)
		return 0;
	while (k < pc->n_sizes && pc->page_sz[k] != ms->page_sz)
		k++;
	if (k == pc->n_sizes) {
		if (k == HM_MAX_PAGE_SIZES)
			return 0;
		pc->page_sz[pc->n_sizes++] = ms->page_sz;
	}
	pc->pages[ms->socket_id][k]++;
	/* the heap flag is cleared by a free that is releasing the page, before
	 * it takes the hotplug lock: read it atomically (either answer is true) */
	uint32_t fl = __atomic_load_n(&ms->flags, __ATOMIC_RELAXED);
	pc->heap[ms->socket_id][k] += (fl & HM_MEMSEG_FLAG_HEAP) != 0;
	pc->fixed[ms->socket_id][k] += (fl & HM_MEMSEG_FLAG_DO_NOT_FREE) != 0;
	return 0;
}

static int
hm_pages(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct page_count *pc = calloc(1, sizeof(*pc));

	(void)cmd;
	(void)params;
	if (pc == NULL)
		return -1;
	hm_telemetry_data_start_dict(d);
	hm_memseg_walk(pages_cb, pc);
	for (unsigned int node = 0; node < hm_socket_count(); node++) {
		struct hm_telemetry_data *n = hm_telemetry_data_alloc();
		char name[32];

		if (n == NULL)
			break;
		hm_telemetry_data_start_dict(n);
		hm_telemetry_data_add_dict_u64(n, "mapped_bytes",
					       (uint64_t)hm_memseg_mapped_bytes((int)node));
		for (unsigned int k = 0; k < pc->n_sizes; k++) {
			struct hm_telemetry_data *s = hm_telemetry_data_alloc();
			char sz[16];

			if (s == NULL)
				break;
			hm_telemetry_data_start_dict(s);
			hm_telemetry_data_add_dict_u64(s, "pages", pc->pages[node][k]);
			hm_telemetry_data_add_dict_u64(s, "heap", pc->heap[node][k]);
			hm_telemetry_data_add_dict_u64(s, "preallocated", pc->fixed[node][k]);
			hm_telemetry_data_add_dict_container(n, hm_size_str(pc->page_sz[k], sz, sizeof(sz)),
							     s, 0);
		}
		snprintf(name, sizeof(name), "node_%u", node);
		hm_telemetry_data_add_dict_container(d, name, n, 0);
	}
	free(pc);
	return 0;
}

/* ---- /hugemem/backend ---- */

struct be_walk {
	struct hm_backend *be;
	struct hm_telemetry_data *counters;
};

static void
counter_cb(void *arg, const char *name, uint64_t value)
{
	hm_telemetry_data_add_dict_u64(arg, name, value);
}

/* The backend is called only under the hotplug lock (backend.h): a list walk
 * holds its read lock, so page maps cannot run while it reports. */
static int
be_counters_cb(const struct hm_memseg_list *msl, void *arg)
{
	struct be_walk *w = arg;

	(void)msl;
	w->be->ops->counters(w->be, counter_cb, w->counters);
	return 1;
}

static int
hm_backend_ep(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	const struct tel_instance *in = tel_endpoints_get();
	struct be_walk w;

	(void)cmd;
	(void)params;
	if (in == NULL || in->backend == NULL || in->backend->ops == NULL)
		return -1;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_string(d, "name", in->backend->ops->name);
	hm_telemetry_data_add_dict_string(d, "description", in->backend->ops->description);
	w.be = in->backend;
	w.counters = hm_telemetry_data_alloc();
	if (w.counters == NULL)
		return 0;
	hm_telemetry_data_start_dict(w.counters);
	if (w.be->ops->counters != NULL)
		hm_memseg_list_walk(be_counters_cb, &w);
	hm_telemetry_data_add_dict_container(d, "counters", w.counters, 0);
	return 0;
}

/* ---- /hugemem/rings, /hugemem/ring ---- */

static bool
ring_of(const struct hm_memzone *z, const struct hm_ring **r)
{
	const struct hm_ring *x = z->addr;

	if (strncmp(z->name, HM_RING_MZ_PREFIX, strlen(HM_RING_MZ_PREFIX)) != 0 ||
	    z->len < sizeof(*x) || __atomic_load_n(&x->magic, __ATOMIC_ACQUIRE) != HM_RING_MAGIC ||
	    strncmp(x->name, z->name + strlen(HM_RING_MZ_PREFIX), HM_RING_NAMESIZE) != 0)
		return false;
	*r = x;
	return true;
}

static int
rings_cb(const struct hm_memzone *z, void *arg)
{
	const struct hm_ring *r;

	if (ring_of(z, &r))
		hm_telemetry_data_add_array_string(arg, r->name);
	return 0;
}

static int
hm_rings(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	(void)cmd;
	(void)params;
	hm_telemetry_data_start_array(d, HM_TELEMETRY_STRING);
	hm_memzone_walk(rings_cb, d);
	return 0;
}

struct ring_find {
	const char *name;
	struct hm_telemetry_data *d;
	bool found;
};

static const char *
sync_name(uint32_t t)
{
	static const char *const names[] = { "MP/MC", "SP/SC", "RTS", "HTS" };

	return t < 4 ? names[t] : "?";
}

static int
ring_cb(const struct hm_memzone *z, void *arg)
{
	struct ring_find *f = arg;
	const struct hm_ring *r;
	struct hm_telemetry_data *d = f->d;

	if (!ring_of(z, &r) || strcmp(r->name, f->name) != 0)
		return 0;
	f->found = true;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_string(d, "name", r->name);
	hm_telemetry_data_add_dict_int(d, "socket_id", z->socket_id);
	hm_telemetry_data_add_dict_u64(d, "flags", r->flags);
	hm_telemetry_data_add_dict_u64(d, "size", r->size);
	hm_telemetry_data_add_dict_u64(d, "capacity", r->capacity);
	hm_telemetry_data_add_dict_u64(d, "esize", r->esize);
	hm_telemetry_data_add_dict_u64(d, "used_count", hm_ring_count(r));
	hm_telemetry_data_add_dict_u64(d, "free_count", hm_ring_free_count(r));
	hm_telemetry_data_add_dict_string(d, "prod_sync", sync_name(r->prod.sync_type));
	hm_telemetry_data_add_dict_string(d, "cons_sync", sync_name(r->cons.sync_type));
	hm_telemetry_data_add_dict_string(d, "mz_name", z->name);
	hm_telemetry_data_add_dict_u64(d, "mz_len", z->len);
	return 1;
}

static int
hm_ring_ep(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct ring_find f = { .name = params, .d = d };

	(void)cmd;
	if (params == NULL || strlen(params) >= HM_RING_NAMESIZE)
		return -1;
	hm_memzone_walk(ring_cb, &f);
	return f.found ? 0 : -1;
}

/* ---- /hugemem/telemetry ---- */

static int
hm_telemetry_ep(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct hm_telemetry_stats st;

	(void)cmd;
	(void)params;
	if (hm_telemetry_stats_get(&st) < 0)
		return -1;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_string(d, "socket", hm_telemetry_socket_path());
	hm_telemetry_data_add_dict_int(d, "instance", (int)st.instance);
	hm_telemetry_data_add_dict_int(d, "clients", (int)st.clients);
	hm_telemetry_data_add_dict_int(d, "max_clients", HM_TELEMETRY_MAX_CLIENTS);
	hm_telemetry_data_add_dict_u64(d, "accepted", st.accepted);
	hm_telemetry_data_add_dict_u64(d, "refused", st.refused);
	hm_telemetry_data_add_dict_u64(d, "requests", st.requests);
	hm_telemetry_data_add_dict_u64(d, "unknown", st.unknown);
	hm_telemetry_data_add_dict_u64(d, "failed", st.failed);
	hm_telemetry_data_add_dict_u64(d, "bad", st.bad);
	hm_telemetry_data_add_dict_u64(d, "dropped", st.dropped);
	return 0;
}

int
tel_hm_endpoints_register(void)
{
	static const struct {
		const char *cmd;
		hm_telemetry_cb fn;
		const char *help;
	} eps[] = {
		{ "/hugemem/info", hm_info, "Returns the instance: version, backend, prefix, "
		  "IOVA mode, nodes, lcores. Takes no parameters" },
		{ "/hugemem/lcores", hm_lcores, "Returns the lcores of each node. Takes no "
		  "parameters" },
		{ "/hugemem/memseg_lists", hm_memseg_lists, "Returns every memseg list (page "
		  "size, node, VA, slots used). Takes no parameters" },
		{ "/hugemem/memseg_list", hm_memseg_list, "Returns one memseg list and its used "
		  "slots. Parameters: int list index" },
		{ "/hugemem/pages", hm_pages, "Returns mapped pages per node and page size. Takes "
		  "no parameters" },
		{ "/hugemem/backend", hm_backend_ep, "Returns the backend and its counters "
		  "(faults injected). Takes no parameters" },
		{ "/hugemem/rings", hm_rings, "Returns the ring names. Takes no parameters" },
		{ "/hugemem/ring", hm_ring_ep, "Returns a ring's sizes and fill. Parameters: "
		  "string ring name" },
		{ "/hugemem/telemetry", hm_telemetry_ep, "Returns this server's counters. Takes "
		  "no parameters" },
	};
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(eps) / sizeof(eps[0]); i++)
		rc = tel_register_builtin(eps[i].cmd, eps[i].fn, eps[i].help);
	return rc;
}
