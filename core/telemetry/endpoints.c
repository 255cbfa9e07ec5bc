/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The commands DPDK 22.11 answers, with its names and fields, over hugemem's
 * structures: /eal/params, /eal/app_params, /eal/memzone_list,
 * /eal/memzone_info, /mempool/list, /mempool/info (the heap ones live in
 * heap_ep.c). Every command reads shared structures inside the walk that holds
 * their lock (memzone read lock: no zone, ring or pool can be freed while it
 * is read), never through a pointer kept from an earlier request.
 *
 * Parameters are checked (DPDK takes whatever strtoul makes of them): a bad or
 * unknown one answers null.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "mcfg_i.h"
#include "telemetry_i.h"
#include "hugemem/mempool.h"
#include "hugemem/memzone.h"

static const struct tel_instance *cur_inst;
static pthread_mutex_t inst_lock = PTHREAD_MUTEX_INITIALIZER;

void
tel_endpoints_set(const struct tel_instance *in)
{
	pthread_mutex_lock(&inst_lock);
	cur_inst = in;
	pthread_mutex_unlock(&inst_lock);
}

const struct tel_instance *
tel_endpoints_get(void)
{
	const struct tel_instance *in;

	pthread_mutex_lock(&inst_lock);
	in = cur_inst;
	pthread_mutex_unlock(&inst_lock);
	return in;
}

int
tel_param_u64(const char *params, uint64_t max, uint64_t *out)
{
	char *end;

	if (params == NULL || params[0] < '0' || params[0] > '9')
		return -1;
	errno = 0;
	*out = strtoull(params, &end, 10);
	return errno != 0 || *end != '\0' || *out > max ? -1 : 0;
}

void
tel_hex(char *buf, size_t len, uint64_t v)
{
	snprintf(buf, len, "0x%" PRIx64, v);
}

/* ---- /eal/params, /eal/app_params ---- */

static int
eal_params(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	const struct tel_instance *in = tel_endpoints_get();
	bool app = strcmp(cmd, "/eal/app_params") == 0;

	(void)params;
	hm_telemetry_data_start_array(d, HM_TELEMETRY_STRING);
	if (in == NULL)
		return 0;
	/* DPDK's split: the program name and hugemem's options, then what follows */
	for (int i = app ? in->n_eal + 1 : 0; i < (app ? in->argc : in->n_eal + 1) && i < in->argc;
	     i++) {
		if (!app && strcmp(in->argv[i], "--") == 0)
			continue;
		hm_telemetry_data_add_array_string(d, in->argv[i]);
	}
	return 0;
}

/* ---- /eal/memzone_list, /eal/memzone_info ---- */

static int
zone_index(const struct hm_memzone *z)
{
	struct hm_mem_config *mcfg = mcfg_get();

	return mcfg != NULL ? hm_fbarray_find_idx(&mcfg->memzones, z) : -1;
}

static int
mz_list_cb(const struct hm_memzone *z, void *arg)
{
	int idx = zone_index(z);

	if (idx >= 0)
		hm_telemetry_data_add_array_int(arg, idx);
	return 0;
}

static int
memzone_list(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	(void)cmd;
	(void)params;
	hm_telemetry_data_start_array(d, HM_TELEMETRY_INT);
	if (hm_memzone_walk(mz_list_cb, d) < 0 && hm_errno == ENODEV)
		return 0; /* not initialised: no zones */
	return 0;
}

struct mz_find {
	uint64_t idx;
	struct hm_memzone copy;
	bool found;
};

static int
mz_find_cb(const struct hm_memzone *z, void *arg)
{
	struct mz_find *f = arg;

	if ((uint64_t)zone_index(z) != f->idx)
		return 0;
	f->copy = *z;
	f->found = true;
	return 1;
}

static int
memzone_info(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct mz_find f = { 0 };
	uint64_t pg, first, last;
	char addr[32];

	(void)cmd;
	if (tel_param_u64(params, INT32_MAX, &f.idx) < 0)
		return -1;
	hm_memzone_walk(mz_find_cb, &f);
	if (!f.found)
		return -1;
	pg = f.copy.hugepage_sz != 0 ? f.copy.hugepage_sz : 1;
	first = f.copy.addr_64 / pg * pg;
	last = (f.copy.addr_64 + (f.copy.len != 0 ? f.copy.len : 1) + pg - 1) / pg * pg;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_int(d, "Zone", (int)f.idx);
	hm_telemetry_data_add_dict_string(d, "Name", f.copy.name);
	hm_telemetry_data_add_dict_u64(d, "Length", f.copy.len);
	tel_hex(addr, sizeof(addr), f.copy.addr_64);
	hm_telemetry_data_add_dict_string(d, "Address", addr);
	hm_telemetry_data_add_dict_int(d, "Socket", f.copy.socket_id);
	hm_telemetry_data_add_dict_u64(d, "Flags", f.copy.flags);
	hm_telemetry_data_add_dict_u64(d, "Hugepage_size", f.copy.hugepage_sz);
	tel_hex(addr, sizeof(addr), first);
	hm_telemetry_data_add_dict_string(d, "Hugepage_base", addr);
	hm_telemetry_data_add_dict_int(d, "Hugepage_used", (int)((last - first) / pg));
	/* hugemem's additions */
	if (f.copy.iova != HM_BAD_IOVA) {
		tel_hex(addr, sizeof(addr), f.copy.iova);
		hm_telemetry_data_add_dict_string(d, "IOVA", addr);
	}
	return 0;
}

/* ---- /mempool/list, /mempool/info ---- */

static int
mp_list_cb(struct hm_mempool *mp, void *arg)
{
	hm_telemetry_data_add_array_string(arg, mp->name);
	return 0;
}

static int
mempool_list(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	(void)cmd;
	(void)params;
	hm_telemetry_data_start_array(d, HM_TELEMETRY_STRING);
	hm_mempool_walk(mp_list_cb, d);
	return 0;
}

/*
 * Objects in the per-lcore caches. Their owners change the lengths without
 * any lock, as in DPDK: the sum is a moment's approximation, read word by word
 * (aligned 32-bit loads cannot tear). Not instrumented by TSan: the race is
 * the documented nature of this count, not a bug of the data path.
 */
__attribute__((no_sanitize("thread"))) static uint64_t
cached_objects(const struct hm_mempool *mp)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < mp->n_caches; i++)
		n += *(const volatile uint32_t *)&mp->local_cache[i].len;
	return n;
}

struct mp_info {
	const char *name;
	struct hm_telemetry_data *d;
	bool found;
};

static int
mp_info_cb(struct hm_mempool *mp, void *arg)
{
	struct mp_info *w = arg;
	const struct hm_memzone *mz = mp->mz;
	struct hm_telemetry_data *d = w->d;
	unsigned int common = 0;

	if (strcmp(mp->name, w->name) != 0)
		return 0;
	w->found = true;
	if (mp->flags & HM_MEMPOOL_F_POOL_CREATED)
		common = hm_mempool_ops_table.ops[mp->ops_index].get_count(mp);
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_string(d, "name", mp->name);
	hm_telemetry_data_add_dict_u64(d, "pool_id", (uint64_t)(uintptr_t)mp->pool_data);
	hm_telemetry_data_add_dict_int(d, "flags", (int)mp->flags);
	hm_telemetry_data_add_dict_int(d, "socket_id", mp->socket_id);
	hm_telemetry_data_add_dict_int(d, "size", (int)mp->size);
	hm_telemetry_data_add_dict_int(d, "cache_size", (int)mp->cache_size);
	hm_telemetry_data_add_dict_int(d, "elt_size", (int)mp->elt_size);
	hm_telemetry_data_add_dict_int(d, "header_size", (int)mp->header_size);
	hm_telemetry_data_add_dict_int(d, "trailer_size", (int)mp->trailer_size);
	hm_telemetry_data_add_dict_int(d, "private_data_size", (int)mp->private_data_size);
	hm_telemetry_data_add_dict_int(d, "ops_index", mp->ops_index);
	hm_telemetry_data_add_dict_int(d, "populated_size", (int)mp->populated_size);
	hm_telemetry_data_add_dict_u64(d, "total_cache_count", cached_objects(mp));
	hm_telemetry_data_add_dict_u64(d, "common_pool_count", common);
	if (mz != NULL) {
		hm_telemetry_data_add_dict_string(d, "mz_name", mz->name);
		hm_telemetry_data_add_dict_u64(d, "mz_len", mz->len);
		hm_telemetry_data_add_dict_u64(d, "mz_hugepage_sz", mz->hugepage_sz);
		hm_telemetry_data_add_dict_int(d, "mz_socket_id", mz->socket_id);
		hm_telemetry_data_add_dict_u64(d, "mz_flags", mz->flags);
	}
	/* hugemem's additions */
	hm_telemetry_data_add_dict_string(d, "ops_name", hm_mempool_ops_name(mp));
	hm_telemetry_data_add_dict_u64(d, "get_fail", __atomic_load_n(&mp->get_fail,
								       __ATOMIC_RELAXED));
	hm_telemetry_data_add_dict_u64(d, "nb_mem_chunks", mp->nb_mem_chunks);
	return 1;
}

static int
mempool_info(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	struct mp_info w = { .name = params, .d = d };

	(void)cmd;
	if (params == NULL || strlen(params) >= HM_MEMPOOL_NAMESIZE)
		return -1;
	hm_mempool_walk(mp_info_cb, &w);
	return w.found ? 0 : -1;
}

int
tel_endpoints_register(void)
{
	static const struct {
		const char *cmd;
		hm_telemetry_cb fn;
		const char *help;
	} eps[] = {
		{ "/eal/params", eal_params, "Returns the program name and hugemem's options "
		  "(DPDK: EAL parameters). Takes no parameters" },
		{ "/eal/app_params", eal_params, "Returns the application's arguments after "
		  "hugemem's options. Takes no parameters" },
		{ "/eal/memzone_list", memzone_list, "Returns the memzone indexes. Takes no "
		  "parameters" },
		{ "/eal/memzone_info", memzone_info, "Returns a memzone's name, length, address, "
		  "socket and pages. Parameters: int memzone index" },
		{ "/mempool/list", mempool_list, "Returns the mempool names. Takes no parameters" },
		{ "/mempool/info", mempool_info, "Returns a mempool's sizes, counts and memzone. "
		  "Parameters: string pool name" },
	};
	int rc = tel_register_core();

	for (size_t i = 0; rc == 0 && i < sizeof(eps) / sizeof(eps[0]); i++)
		rc = tel_register_builtin(eps[i].cmd, eps[i].fn, eps[i].help);
	if (rc == 0)
		rc = tel_hm_endpoints_register();
	if (rc == 0)
		rc = tel_heap_endpoints_register();
	return rc;
}
