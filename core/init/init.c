/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_init / hm_cleanup. Order (each step undone in reverse on failure and at
 * cleanup):
 *   1. resolve the config (environment defaults) and validate it;
 *   2. runtime dir <base>/<prefix> (not in --in-memory mode), private to the euid
 *      (docs/security.md);
 *   3. shared config: file + primary lock, or anonymous (--no-shconf);
 *   4. remove leftover fbarray files of a dead run of the same prefix;
 *   5. backend instance, probe;
 *   6. lcores (the caller becomes the main lcore; the ids asked for are claimed
 *      in the process table all at once, or none);
 *   7. memseg lists and their VA;
 *   8. preallocation (-m / --socket-mem, or everything in legacy mode);
 *   9. malloc heaps (one per node) over the preallocated pages; the memzone table;
 *  10. magic written: init complete;
 *  11. the telemetry server (unless --no-telemetry; a failure to start it is a
 *      warning, not a failed init); stopped first at cleanup.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init_i.h"
#include "hugemem/malloc.h"
#include "hugemem/memzone.h"
#include "lcore_i.h"
#include "malloc_i.h"
#include "memseg_i.h"
#include "memzone_i.h"
#include "mempool_i.h"
#include "mp_i.h"
#include "telemetry_i.h"

static struct {
	bool up;
	struct hm_backend be;
	struct hm_mem_config *mcfg;
	char run_base[PATH_MAX];   /* <base> */
	char run_dir[PATH_MAX];    /* <base>/<prefix> */
	size_t made_len;           /* 0, or length of the outermost level of run_dir that
				      init created (every deeper level was created too) */
	char *topology, *fault, *prefix; /* copies handed to the backend */
	char *huge_dir;            /* a secondary's copy of the primary's --huge-dir */
	bool secondary;            /* attached to another process's instance */
	char *leak_heapmap;        /* --leak-heapmap's prefix (a copy), or NULL */
	bool allow_leaks;          /* hm_cleanup returns 0 when something leaked */
	pid_t pid;                 /* the process that ran hm_init (valid while up) */
	pid_t forked_from;         /* this process, forked from @c pid, left that
				      instance at hm_cleanup: 0, or the instance's pid */
	/* hm_init's arguments while it runs hm_init_config (for telemetry's /eal/params) */
	int argc, n_opts;
	char **argv;
} g;

static int init_secondary(const struct hm_config *c);
static void teardown_shared(void);
static int refuse_live_leftovers(const char *dir);
struct mp_params;
static void primary_params(const struct hm_config *c, const struct hm_backend_ops *ops,
			   struct mp_params *p);
static void remove_instance(struct hm_mem_config *m);

int
hm_initialized(void)
{
	return g.up;
}

struct hm_backend *
hm_backend_get(void)
{
	return g.up ? &g.be : NULL;
}

const char *
hm_runtime_dir(void)
{
	return g.up ? g.run_dir : NULL;
}

void
hm_config_init(struct hm_config *cfg)
{
	if (cfg == NULL)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = -1;
}

int
hm_backend_fault(const char *spec)
{
	if (spec == NULL)
		return hm_fail(EINVAL, "fault spec is NULL");
	if (!g.up)
		return hm_fail(ENODEV, "hugemem is not initialised");
	if (g.be.ops->fault == NULL)
		return hm_fail(ENOTSUP, "backend %s has no fault injection", g.be.ops->name);
	int rc = memseg_write_lock();
	if (rc < 0)
		return rc;
	rc = g.be.ops->fault(&g.be, spec);
	memseg_write_unlock();
	return rc;
}

static const char *
env_or(const char *v, const char *env, const char *def)
{
	const char *e;

	if (v != NULL)
		return v;
	e = env != NULL ? getenv(env) : NULL;
	return e != NULL && *e != '\0' ? e : def;
}

/*
 * The base runtime dir: --runtime-dir, $HUGEMEM_RUNTIME_DIR, $RUNTIME_DIRECTORY
 * (systemd)/hugemem, /var/run/hugemem (root), $XDG_RUNTIME_DIR/hugemem, or
 * /tmp/hugemem-<euid>: a per-user name, so that two users without
 * XDG_RUNTIME_DIR never share (or block) one directory.
 */
static int
pick_run_base(const char *explicit_dir, char *out, size_t len)
{
	const char *d = explicit_dir;
	char tmp[PATH_MAX];
	int rc;

	if (d == NULL)
		d = env_or(NULL, "HUGEMEM_RUNTIME_DIR", NULL);
	if (d == NULL) {
		const char *sd = env_or(NULL, "RUNTIME_DIRECTORY", NULL);
		const char *xdg = env_or(NULL, "XDG_RUNTIME_DIR", NULL);
		if (sd != NULL)
			rc = hm_snprintf(tmp, sizeof(tmp), "%s/hugemem", sd);
		else if (geteuid() == 0)
			rc = hm_snprintf(tmp, sizeof(tmp), "/var/run/hugemem");
		else if (xdg != NULL)
			rc = hm_snprintf(tmp, sizeof(tmp), "%s/hugemem", xdg);
		else
			rc = hm_snprintf(tmp, sizeof(tmp), "/tmp/hugemem-%u",
					 (unsigned int)geteuid());
		if (rc < 0)
			return hm_fail(ENAMETOOLONG, "runtime dir path too long");
		d = tmp;
	} else if (*d != '/') {
		return hm_fail(EINVAL, "runtime dir '%s' must be an absolute path", d);
	}
	rc = hm_path_normalize(d, out, len);
	if (rc < 0)
		return hm_fail(-rc, "runtime dir: %s", hm_last_error());
	return 0;
}

/*
 * mkdir -p the runtime dir (mode 0700), refusing one that is not private
 * (owned by the euid, not writable by group/other) or that lies below a level
 * another user could swap (see hm_mkdirs_private). g.made_len records which
 * levels were created, however many.
 */
static int
make_run_dir(void)
{
	int rc = hm_mkdirs_private(g.run_dir, &g.made_len);

	if (rc < 0)
		return hm_fail(-rc, "cannot use runtime dir %s: %s (pick another with "
			       "--runtime-dir or $HUGEMEM_RUNTIME_DIR)", g.run_dir, hm_last_error());
	return 0;
}

/* Remove what make_run_dir created, innermost first; a directory that still
 * holds something stays, with a warning through the log hook naming it. */
static void
remove_made_dirs(void)
{
	hm_rmdirs_made(g.run_dir, g.made_len);
	g.made_len = 0;
}

/* Letters, digits, '_', '-', '.', not starting with '.': no path tricks. */
static bool
prefix_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 64 || p[0] == '.')
		return false;
	for (; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

/*
 * Delete fbarray files no live process holds (a crashed run's leftovers).
 * Opened without following a symlink or blocking on a FIFO; anything under an
 * fbarray name that is not a regular file is no array of any process: removed.
 */
static void
clean_runtime_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "fbarray_", 8) != 0)
			continue;
		int fd = hm_open_private(dirfd(d), e->d_name, O_RDONLY, 0, 0, NULL);
		if (fd == -ELOOP) {
			HM_LOG(WARNING, "%s/%s is not a regular file: removed", dir, e->d_name);
			if (unlinkat(dirfd(d), e->d_name, 0) != 0 &&
			    unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) != 0 && errno != ENOENT)
				HM_LOG(WARNING, "cannot remove %s/%s: %s", dir, e->d_name,
				       strerror(errno));
			continue;
		}
		if (fd < 0 && fd != -EPERM)
			continue;
		if (fd == -EPERM) {
			/* another owner's file in our private dir: nobody of ours maps it */
			HM_LOG(WARNING, "removing %s/%s: %s", dir, e->d_name, hm_last_error());
			unlinkat(dirfd(d), e->d_name, 0);
			continue;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			HM_LOG(INFO, "removing leftover %s/%s", dir, e->d_name);
			unlinkat(dirfd(d), e->d_name, 0);
		}
		close(fd);
	}
	closedir(d);
}

static int
validate(const struct hm_config *c, const struct hm_backend_ops **ops)
{
	char built[128];
	const char *name = c->backend;

	*ops = NULL;
	if (c->leak_heapmap != NULL &&
	    (c->leak_heapmap[0] == '\0' || strlen(c->leak_heapmap) > PATH_MAX - 32))
		return hm_fail(EINVAL, "leak_heapmap: '%s' is not a file name prefix (non-empty, "
			       "below PATH_MAX)", c->leak_heapmap);
	*ops = hm_backend_lookup(name);
	if (*ops == NULL) {
		for (unsigned int i = 0; init_known_backends[i] != NULL; i++)
			if (strcmp(init_known_backends[i], name) == 0)
				return hm_fail(ENOTSUP, "backend '%s' is not built in this version "
					       "(built: %s)", name,
					       init_built_backends(built, sizeof(built)));
		return hm_fail(EINVAL, "unknown backend '%s' (built: %s)", name,
			       init_built_backends(built, sizeof(built)));
	}
	if (strcmp(name, "hugetlbfs") != 0 && strcmp(name, "fuse") != 0 &&
	    (c->huge_dir != NULL || c->huge_unlink_set || c->single_file_segments))
		return hm_fail(EINVAL, "--huge-dir, --huge-unlink and --single-file-segments "
			       "apply to the hugetlbfs backend only (and fuse, which runs it), "
			       "not '%s'", name);
	if (c->huge_unlink > HM_HUGE_UNLINK_NEVER)
		return hm_fail(EINVAL, "huge_unlink %d is not one of HM_HUGE_UNLINK_EXISTING, "
			       "_ALWAYS, _NEVER", (int)c->huge_unlink);
	if (c->single_file_segments && c->huge_unlink == HM_HUGE_UNLINK_ALWAYS && !c->in_memory)
		return hm_fail(EINVAL, "--single-file-segments cannot be combined with "
			       "--huge-unlink=always (a list file must stay reachable to grow)");
	if (c->huge_dir != NULL && c->huge_dir[0] != '/')
		return hm_fail(EINVAL, "--huge-dir '%s' must be an absolute path", c->huge_dir);
	if (c->memory != 0 && c->socket_mem_set)
		return hm_fail(EINVAL, "-m/--memory and --socket-mem cannot be combined");
	if (!prefix_ok(c->file_prefix))
		return hm_fail(EINVAL, "--file-prefix '%s' must be 1..64 of [A-Za-z0-9_.-], "
			       "not starting with '.'", c->file_prefix);
	if (c->legacy_mem && c->socket_limit_set)
		return hm_fail(EINVAL, "--socket-limit cannot be used with --legacy-mem "
			       "(legacy memory never grows)");
	for (unsigned int n = 0; c->socket_limit_set && n < HM_MAX_NUMA_NODES; n++)
		if (c->socket_limit[n] != 0 && c->socket_limit[n] <
		    (c->socket_mem_set ? c->socket_mem[n] : 0))
			return hm_fail(EINVAL, "--socket-limit of node %u is below its "
				       "--socket-mem", n);
	if ((c->base_virtaddr & (hm_sys_page_size() - 1)) != 0)
		return hm_fail(EINVAL, "--base-virtaddr 0x%llx is not page aligned",
			       (unsigned long long)c->base_virtaddr);
	if (c->iova_mode > HM_IOVA_VA)
		return hm_fail(EINVAL, "iova_mode %d is not one of HM_IOVA_DC, _PA, _VA",
			       (int)c->iova_mode);
	if (c->log_level > HM_LOG_DEBUG)
		return hm_fail(EINVAL, "log_level %d is above HM_LOG_DEBUG (7)", c->log_level);
	/* the caches give back half a class when it is full: cap 1 would give back
	 * nothing and push past the class's slots */
	if (!c->no_malloc_cache && c->malloc_cache != 0 &&
	    (c->malloc_cache < 2 || c->malloc_cache > HM_MALLOC_CACHE_MAX ||
	     c->malloc_cache % 2 != 0))
		return hm_fail(EINVAL, "--malloc-cache: malloc_cache %u is not 0 (default) or an "
			       "even number of blocks from 2 to %u", c->malloc_cache,
			       HM_MALLOC_CACHE_MAX);
	if (c->max_memzones > HM_MEMZONE_MAX_LIMIT)
		return hm_fail(EINVAL, "--max-memzones: max_memzones %u is more than %u "
			       "(HM_MEMZONE_MAX_LIMIT)", c->max_memzones, HM_MEMZONE_MAX_LIMIT);
	return 0;
}

/* The probe comes from a backend: check it before anything indexes with it. */
static int
check_probe(const struct hm_probe *p, const char *name)
{
	if (p->n_nodes == 0 || p->n_nodes > HM_MAX_NUMA_NODES || p->n_sizes == 0 ||
	    p->n_sizes > HM_MAX_PAGE_SIZES || p->n_lcores == 0 || p->n_lcores > HM_MAX_LCORE)
		return hm_fail(EINVAL, "backend %s reported an impossible topology (%u nodes, "
			       "%u page sizes, %u lcores)", name, p->n_nodes, p->n_sizes,
			       p->n_lcores);
	for (unsigned int s = 0; s < p->n_sizes; s++)
		if (!HM_IS_POWER_OF_2(p->sizes[s].page_sz) || p->sizes[s].page_sz < 4096 ||
		    (s > 0 && p->sizes[s].page_sz >= p->sizes[s - 1].page_sz))
			return hm_fail(EINVAL, "backend %s reported page sizes that are not "
				       "distinct powers of two, largest first", name);
	for (unsigned int l = 0; l < p->n_lcores; l++)
		if (p->lcore_node[l] < -1 || p->lcore_node[l] >= (int)p->n_nodes)
			return hm_fail(EINVAL, "backend %s put lcore %u on node %d", name, l,
				       p->lcore_node[l]);
	return 0;
}

/* Split -m over nodes in proportion to their lcores, as DPDK does. */
static int
split_memory(uint64_t total, const struct hm_probe *p, uint64_t out[HM_MAX_NUMA_NODES])
{
	uint64_t avail[HM_MAX_NUMA_NODES] = { 0 }, assigned = 0, lcores = 0;

	for (unsigned int n = 0; n < p->n_nodes; n++) {
		for (unsigned int s = 0; s < p->n_sizes; s++)
			avail[n] += p->sizes[s].page_sz * p->sizes[s].num_pages[n];
		lcores += lcore_count_on((int)n);
	}
	for (unsigned int n = 0; n < p->n_nodes && lcores > 0; n++) {
		uint64_t share = (uint64_t)((unsigned __int128)total * lcore_count_on((int)n) / lcores);
		out[n] = share < avail[n] ? share : avail[n];
		assigned += out[n];
	}
	for (unsigned int n = 0; n < p->n_nodes && assigned < total; n++) {
		uint64_t more = total - assigned, room = avail[n] - out[n];
		if (more > room)
			more = room;
		out[n] += more;
		assigned += more;
	}
	if (assigned < total) {
		char a[32], b[32];
		return hm_fail(ENOMEM, "-m %s: the backend offers only %s in all",
			       hm_size_str(total, a, sizeof(a)), hm_size_str(assigned, b, sizeof(b)));
	}
	return 0;
}

static void
teardown(void)
{
	telemetry_stop();
	/* a secondary's mp thread keeps applying the primary's page changes while
	 * its caches go back to the heaps (teardown_shared stops it) */
	if (!g.secondary)
		mp_thread_stop();
	mempool_ops_detach();
	/* others still attached: leave them the instance (files, tables, pages) */
	if (g.secondary || !mp_begin_close()) {
		teardown_shared();
		return;
	}
	memzone_fini();
	malloc_fini();
	memseg_fini();
	if (g.be.ops != NULL)
		g.be.ops->destroy(&g.be);
	memset(&g.be, 0, sizeof(g.be));
	lcore_fini();
	mp_leave();
	mcfg_destroy(g.mcfg);
	g.mcfg = NULL;
	remove_made_dirs();
	free(g.topology);
	free(g.fault);
	free(g.prefix);
	free(g.leak_heapmap);
	g.topology = g.fault = g.prefix = g.leak_heapmap = NULL;
	hm_va_set_base(0);
	g.up = false;
}

static char *
dup_or_null(const char *s, int *rc)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*rc = -ENOMEM;
	return d;
}

/* Step 11, in a primary and a secondary alike (a secondary's server takes the
 * next instance name, as DPDK's does). Observability, not the data path: a
 * server that cannot start (a live DPDK process on this prefix, a directory not
 * ours) is a warning, and the process runs without it. */
static void
start_telemetry(const struct hm_config *c)
{
	if (c->no_telemetry)
		return;
	struct tel_start_params tp = {
		.prefix = c->file_prefix,
		.runtime_dir = c->in_memory ? "" : g.run_dir,
		.backend = &g.be,
		.argc = g.argc,
		.argv = g.argv,
		.n_eal = g.n_opts,
	};
	if (telemetry_start(&tp) < 0)
		HM_LOG(WARNING, "%s; this process runs without telemetry "
		       "(--no-telemetry silences this)", hm_last_error());
}

/* The lcore ids @p c asks for (hm_config.lcores, .main_lcore). @return 0 or
 * -EINVAL naming the field. */
static int
lcore_params_of(const struct hm_config *c, struct lcore_params *lp)
{
	memset(lp, 0, sizeof(*lp));
	lp->main_lcore = HM_LCORE_ID_ANY;
	if (c->main_lcore_set && c->main_lcore >= HM_MAX_LCORE)
		return hm_fail(EINVAL, "--main-lcore: %u is not an lcore id below %u",
			       c->main_lcore, HM_MAX_LCORE);
	if (c->lcores != NULL) {
		int rc = lcore_parse_list("-l/--lcores", c->lcores, lp->set);
		if (rc < 0)
			return rc;
	}
	if (!c->main_lcore_set)
		return 0;
	if (c->lcores == NULL)
		lp->set[c->main_lcore / 64] |= 1ull << (c->main_lcore % 64);
	else if (((lp->set[c->main_lcore / 64] >> (c->main_lcore % 64)) & 1) == 0)
		return hm_fail(EINVAL, "--main-lcore: lcore %u is not in -l/--lcores '%s'",
			       c->main_lcore, c->lcores);
	lp->main_lcore = c->main_lcore;
	return 0;
}

int
hm_init_config(const struct hm_config *cfg)
{
	struct lcore_params lcp;
	const struct hm_backend_ops *ops;
	struct memseg_params mp;
	struct hm_probe probe;
	struct hm_config c;
	uint64_t bytes[HM_MAX_NUMA_NODES] = { 0 };
	int rc = 0;

	if (cfg == NULL)
		return hm_fail_log(EINVAL, "hm_init_config: NULL config");
	if (g.up)
		return hm_fail(EALREADY, "hugemem is already initialised");
	if (g.forked_from != 0)
		return hm_fail_log(ENOTSUP, "hm_init: this process (pid %d) was forked from pid "
				   "%d's instance and left it at hm_cleanup; the library's "
				   "state here is that process's copy: exec a program to start "
				   "a new instance", (int)getpid(), (int)g.forked_from);
	c = *cfg;
	c.backend = env_or(c.backend, "HUGEMEM_BACKEND", "emu");
	c.topology = env_or(c.topology, "HUGEMEM_TOPOLOGY", NULL);
	c.fault = env_or(c.fault, "HUGEMEM_FAULT", NULL);
	c.file_prefix = env_or(c.file_prefix, NULL, "hugemem");
	if (c.in_memory)
		c.no_shconf = true;
	if (c.proc_type < HM_PROC_AUTO || c.proc_type > HM_PROC_SECONDARY) {
		rc = hm_fail(EINVAL, "proc_type %d is not one of HM_PROC_PRIMARY, _SECONDARY, "
			     "_AUTO", (int)c.proc_type);
		goto fail_log;
	}
	rc = lcore_params_of(&c, &lcp);
	if (rc < 0)
		goto fail_log;
	mp_set_timeout(c.mp_timeout_ms);
	if (c.proc_type != HM_PROC_PRIMARY) {
		int32_t ppid = 0;
		if (c.no_shconf) {
			rc = hm_fail(EINVAL, "--proc-type=%s cannot be combined with %s: a "
				     "secondary attaches to a primary's shared files",
				     c.proc_type == HM_PROC_AUTO ? "auto" : "secondary",
				     c.in_memory ? "--in-memory" : "--no-shconf");
			goto fail_log;
		}
		if (!prefix_ok(c.file_prefix)) {
			rc = hm_fail(EINVAL, "--file-prefix '%s' must be 1..64 of [A-Za-z0-9_.-], "
				     "not starting with '.'", c.file_prefix);
			goto fail_log;
		}
		rc = pick_run_base(c.runtime_dir, g.run_base, sizeof(g.run_base));
		if (rc == 0 && hm_snprintf(g.run_dir, sizeof(g.run_dir), "%s/%s", g.run_base,
					   c.file_prefix) < 0)
			rc = hm_fail(ENAMETOOLONG, "runtime dir path too long");
		if (rc < 0)
			goto fail_log;
		if (c.proc_type == HM_PROC_AUTO)
			c.proc_type = mcfg_primary_running(g.run_dir, &ppid) > 0 ?
				HM_PROC_SECONDARY : HM_PROC_PRIMARY;
		if (c.proc_type == HM_PROC_SECONDARY) {
			rc = init_secondary(&c);
			if (rc < 0)
				goto fail_log;
			return 0;
		}
	}
	rc = validate(&c, &ops);
	if (rc < 0)
		goto fail_log;

	rc = pick_run_base(c.runtime_dir, g.run_base, sizeof(g.run_base));
	if (rc < 0)
		goto fail_log;
	if (hm_snprintf(g.run_dir, sizeof(g.run_dir), "%s/%s",
			strcmp(g.run_base, "/") == 0 ? "" : g.run_base, c.file_prefix) < 0) {
		rc = hm_fail(ENAMETOOLONG, "runtime dir path too long");
		goto fail_log;
	}
	g.topology = dup_or_null(c.topology, &rc);
	g.fault = dup_or_null(c.fault, &rc);
	g.prefix = dup_or_null(c.file_prefix, &rc);
	g.leak_heapmap = dup_or_null(c.leak_heapmap, &rc);
	if (rc < 0) {
		hm_fail(ENOMEM, "out of memory");
		goto fail;
	}
	if (!c.in_memory) {
		rc = make_run_dir();
		if (rc < 0)
			goto fail_log;
	}
	hm_va_set_base(c.base_virtaddr);

	if (!c.no_shconf) {
		rc = refuse_live_leftovers(g.run_dir);
		if (rc < 0)
			goto fail_log;
	}
	g.mcfg = mcfg_create(c.no_shconf ? NULL : g.run_dir);
	if (g.mcfg == NULL) {
		rc = -hm_errno;
		goto fail_log;
	}
	if (!c.no_shconf)
		clean_runtime_dir(g.run_dir);
	snprintf(g.mcfg->backend, sizeof(g.mcfg->backend), "%s", ops->name);
	{
		struct mp_params mpp;
		primary_params(&c, ops, &mpp);
		rc = mp_primary_start(c.no_shconf ? NULL : &g.mcfg->mp, &mpp);
		if (rc < 0)
			goto fail_log;
	}

	struct hm_backend_params bp = {
		.topology = g.topology,
		.fault = g.fault,
		.runtime_dir = g.run_dir,
		.prefix = g.prefix,
		.in_memory = c.in_memory,
		.no_shconf = c.no_shconf,
		.huge_dir = c.huge_dir,
		.huge_unlink = (int)c.huge_unlink,
		.single_file_segments = c.single_file_segments,
		.legacy = c.legacy_mem,
		.want_pa = c.iova_mode == HM_IOVA_PA,
		.want_va = c.iova_mode == HM_IOVA_VA,
	};
	g.be.ops = ops;
	rc = ops->create(&g.be, &bp);
	if (rc < 0) {
		g.be.ops = NULL;
		goto fail_log;
	}
	memset(&probe, 0, sizeof(probe));
	rc = ops->probe(&g.be, &probe);
	if (rc == 0)
		rc = check_probe(&probe, ops->name);
	if (rc < 0)
		goto fail_log;

	for (unsigned int n = probe.n_nodes; n < HM_MAX_NUMA_NODES; n++)
		if ((c.socket_mem_set && c.socket_mem[n] != 0) ||
		    (c.socket_limit_set && c.socket_limit[n] != 0)) {
			rc = hm_fail(EINVAL, "--socket-mem/--socket-limit give memory for node %u, "
				     "but the topology has %u node(s)", n, probe.n_nodes);
			goto fail_log;
		}
	if (c.legacy_mem && ops->page_move == NULL) {
		rc = hm_fail(ENOTSUP, "--legacy-mem: backend %s cannot move pages to sort them",
			     ops->name);
		goto fail_log;
	}
	if (c.iova_mode == HM_IOVA_PA && !probe.has_pa) {
		rc = hm_fail(ENOTSUP, "--iova-mode=pa: backend %s cannot provide physical "
			     "addresses here", ops->name);
		goto fail_log;
	}

	rc = lcore_init(&probe, &lcp);
	if (rc < 0)
		goto fail_log;

	memset(&mp, 0, sizeof(mp));
	mp.limits = c.limits;
	mp.fbarray_dir = c.no_shconf ? NULL : g.run_dir;
	mp.iova_va = c.iova_mode == HM_IOVA_VA || (c.iova_mode == HM_IOVA_DC && !probe.has_pa);
	mp.legacy = c.legacy_mem;
	if (c.socket_limit_set)
		memcpy(mp.socket_limit, c.socket_limit, sizeof(mp.socket_limit));
	rc = memseg_init(g.mcfg, &g.be, &probe, &mp);
	if (rc < 0)
		goto fail_log;

	if (c.socket_mem_set) {
		memcpy(bytes, c.socket_mem, sizeof(bytes));
	} else if (c.memory != 0) {
		rc = split_memory(c.memory, &probe, bytes);
	} else if (c.legacy_mem) {
		for (unsigned int n = 0; n < probe.n_nodes; n++)
			for (unsigned int s = 0; s < probe.n_sizes; s++)
				bytes[n] += probe.sizes[s].page_sz * probe.sizes[s].num_pages[n];
	}
	if (rc == 0)
		rc = memseg_preallocate(bytes, &probe);
	if (rc == 0)
		rc = malloc_init(g.mcfg, mp.fbarray_dir,
				 c.no_malloc_cache ? 0 :
				 c.malloc_cache != 0 ? c.malloc_cache : HM_MALLOC_CACHE_DEFAULT);
	if (rc == 0)
		rc = memzone_init(g.mcfg, mp.fbarray_dir, c.max_memzones);
	if (rc == 0)
		rc = mempool_ops_attach(g.mcfg, true);
	if (rc < 0)
		goto fail_log;

	g.mcfg->mempool_debug = c.mempool_debug_set ? c.mempool_debug : HM_DEBUG >= 1;
	/* serves the secondaries' requests (heap growth, pages) */
	rc = mp_thread_start(NULL);
	if (rc < 0)
		goto fail_log;
	g.allow_leaks = c.allow_leaks;
	__atomic_store_n(&g.mcfg->magic, HM_MCFG_MAGIC, __ATOMIC_RELEASE);
	mcfg_set(g.mcfg);
	g.up = true;
	g.pid = getpid();
	start_telemetry(&c);
	if (c.log_level >= 0)
		hm_log_set_level((enum hm_log_level)c.log_level);
	return 0;

fail_log:
	HM_LOG(ERR, "init failed: %s", hm_last_error());
fail:
	{
		/* teardown may overwrite the message; keep the cause. */
		char why[512];
		snprintf(why, sizeof(why), "%s", hm_last_error());
		teardown();
		hm_fail(-rc, "%s", why);
	}
	return rc;
}

int
hm_init(int argc, char **argv)
{
	struct hm_config cfg;
	bool mine;
	char opts_words[4096]; /* $HUGEMEM_OPTS's words; cfg points into them */
	int n, rc;

	hm_config_init(&cfg);
	n = init_parse_all(&cfg, argc, argv, opts_words, sizeof(opts_words));
	if (n < 0) {
		HM_LOG(ERR, "%s", hm_last_error());
		return n;
	}
	mine = !g.up;
	if (mine) { /* for telemetry's /eal/params and /eal/app_params (it copies them) */
		g.argc = argc;
		g.argv = argv;
		g.n_opts = n;
	}
	rc = hm_init_config(&cfg);
	if (mine) {
		g.argc = g.n_opts = 0;
		g.argv = NULL;
	}
	if (rc < 0)
		return rc;
	/* DPDK's convention: argv[n] becomes the program name, so the caller can
	 * do argc -= n; argv += n; and keep argv[0]. */
	if (n > 0)
		argv[n] = argv[0];
	return n;
}

/* This process's mapping of the shared config and init's copies of the
 * options; the runtime dir is no longer this process's to remove. */
static void
drop_config(void)
{
	if (g.secondary)
		mcfg_detach(g.mcfg);
	else
		mcfg_release(g.mcfg);
	g.mcfg = NULL;
	g.made_len = 0;
	free(g.topology);
	free(g.fault);
	free(g.prefix);
	free(g.huge_dir);
	free(g.leak_heapmap);
	g.topology = g.fault = g.prefix = g.huge_dir = g.leak_heapmap = NULL;
	hm_va_set_base(0);
	g.secondary = false;
}

/*
 * hm_cleanup in a process forked (without exec) from the one that ran hm_init:
 * the instance, its files, locks, process-table slot, lcore ids, telemetry
 * socket and every shared object stay the parent's. This process releases only
 * its own copies: its mappings of the config, lists, pages, heap table and
 * memzone table; the telemetry fds it inherited; libc memory of init. Nothing
 * of the shared memory is written, no file removed, no lock released (closing
 * an inherited fd leaves a flock to the parent's open file, and the primary's
 * POSIX lock is per process, so never this one's). The backend instance is not
 * destroyed (its destroy removes a primary's files): its fds and memory stay
 * until this process exits.
 */
static void
teardown_forked(void)
{
	HM_LOG(INFO, "hm_cleanup in pid %d, forked from pid %d: the instance stays with pid "
	       "%d; only this process's mappings and copies are released", (int)getpid(),
	       (int)g.pid, (int)g.pid);
	telemetry_stop();   /* forked: closes the inherited fds, unlinks nothing */
	mp_thread_forget(); /* the mp thread is the parent's */
	mp_abandon();       /* slot and lcore ids: the parent's; the table untouched */
	malloc_forget();    /* the lcore caches' blocks are the parent's: not flushed */
	memzone_detach();
	memseg_forget();
	lcore_fini();       /* local only now that the table is forgotten */
	drop_config(); /* unmap, close: the primary lock is the parent's */
	g.forked_from = g.pid;
	g.allow_leaks = false;
	g.up = false;
}

int
hm_cleanup(void)
{
	struct init_leaks lk;
	bool allow;

	if (!g.up)
		return hm_fail(EALREADY, "hugemem is not initialised");
	if (getpid() != g.pid) {
		teardown_forked();
		return 0;
	}
	/* a secondary, or a primary leaving first: the objects are the instance's,
	 * the processes that stay use them; leaks are counted by the last one out
	 * that is the primary (a secondary's own blocks are not told apart) */
	if (!g.secondary && hm_mp_procs(NULL, 0) <= 1)
		init_leak_check(&lk); /* logs each leaked object */
	else
		memset(&lk, 0, sizeof(lk));
	if (lk.total > 0 && g.leak_heapmap != NULL)
		init_leak_heapmaps(g.leak_heapmap); /* where they sit, before they go */
	allow = g.allow_leaks;
	teardown(); /* releases the leaked objects too */
	g.allow_leaks = false;
	if (lk.total > 0 && !allow)
		return hm_fail(EBUSY, "hm_cleanup: the application still held %u mempool(s), %u "
			       "ring(s), %u memzone(s) and %u malloc block(s) (logged as \"leaked\"); "
			       "hugemem released them and is shut down. --allow-leaks "
			       "(hm_config.allow_leaks) makes this return 0", lk.pools, lk.rings,
			       lk.zones, lk.blocks);
	return 0;
}

/* ================================================================ multi-process */

/*
 * A config whose primary died while secondaries still run: a new primary would
 * truncate what they map. Refused, naming them.
 */
static int
refuse_live_leftovers(const char *dir)
{
	struct mp_shared *tbl = malloc(sizeof(*tbl));
	int32_t pids[4];
	unsigned int n;
	int32_t ppid;

	if (tbl == NULL)
		return hm_fail(ENOMEM, "out of memory");
	if (mcfg_primary_running(dir, &ppid) > 0 || mcfg_read_table(dir, tbl) < 0) {
		free(tbl);
		return 0; /* a live primary: mcfg_create says so; no table: nothing to do */
	}
	n = mp_table_live(tbl, pids, 4);
	free(tbl);
	if (n == 0)
		return 0;
	return hm_fail(EBUSY, "%u process(es) of a previous primary still run on %s (pid %d%s): "
		       "stop them, or give this primary its own --file-prefix", n, dir,
		       (int)pids[0], n > 1 ? " and others" : "");
}

/* What a secondary needs to know of this primary's start. */
static void
primary_params(const struct hm_config *c, const struct hm_backend_ops *ops, struct mp_params *p)
{
	memset(p, 0, sizeof(*p));
	if (c->topology != NULL && hm_snprintf(p->topology, sizeof(p->topology), "%s",
					       c->topology) < 0)
		p->no_attach = MP_NO_ATTACH_TOPOLOGY_LONG;
	if (c->huge_dir != NULL && hm_snprintf(p->huge_dir, sizeof(p->huge_dir), "%s",
					       c->huge_dir) < 0)
		p->no_attach = MP_NO_ATTACH_HUGE_DIR_LONG;
	if (c->huge_unlink == HM_HUGE_UNLINK_ALWAYS)
		p->no_attach = MP_NO_ATTACH_UNLINK_ALWAYS;
	if (ops->page_attach == NULL)
		p->no_attach = MP_NO_ATTACH_NO_PAGE_ATTACH;
	p->huge_unlink = (int32_t)c->huge_unlink;
	p->single_file_segments = c->single_file_segments;
	p->legacy_mem = c->legacy_mem;
	p->base_virtaddr = c->base_virtaddr;
	p->made_len = (uint32_t)g.made_len;
}

/* The secondary's options against the primary's instance: every mismatch
 * names both sides. */
static int
check_against_primary(const struct hm_config *c, const struct hm_mem_config *m)
{
	const struct mp_params *p = &m->mp.params;
	const char *be = c->backend != NULL ? c->backend : getenv("HUGEMEM_BACKEND");
	const char *topo = c->topology != NULL ? c->topology : getenv("HUGEMEM_TOPOLOGY");
	static const char *const why[] = {
		[MP_NO_ATTACH_TOPOLOGY_LONG] = "its --topology is longer than a secondary can read",
		[MP_NO_ATTACH_HUGE_DIR_LONG] = "its --huge-dir is longer than a secondary can read",
		[MP_NO_ATTACH_UNLINK_ALWAYS] = "it runs with --huge-unlink=always: its page files "
					       "are gone, so no other process can map its pages",
		[MP_NO_ATTACH_NO_PAGE_ATTACH] = "its backend cannot share pages",
	};

	if (p->no_attach != MP_NO_ATTACH_OK)
		return hm_fail(ENOTSUP, "the primary (pid %d) cannot be attached: %s",
			       (int)m->mp.primary_pid,
			       p->no_attach < sizeof(why) / sizeof(why[0]) && why[p->no_attach] ?
			       why[p->no_attach] : "unknown reason");
	if (be != NULL && *be != '\0' && strcmp(be, m->backend) != 0)
		return hm_fail(EINVAL, "backend mismatch: this secondary asks for --backend=%s, the "
			       "primary (pid %d) runs --backend=%s", be, (int)m->mp.primary_pid,
			       m->backend);
	if (topo != NULL && *topo != '\0' && strcmp(topo, p->topology) != 0)
		return hm_fail(EINVAL, "topology mismatch: this secondary asks for --topology=%s, "
			       "the primary (pid %d) runs --topology=%s", topo,
			       (int)m->mp.primary_pid,
			       p->topology[0] != '\0' ? p->topology : "(the backend's default)");
	if (c->legacy_mem && !m->legacy_mem)
		return hm_fail(EINVAL, "memory mode mismatch: this secondary asks for --legacy-mem, "
			       "the primary (pid %d) runs dynamic memory", (int)m->mp.primary_pid);
	if (c->single_file_segments && !p->single_file_segments)
		return hm_fail(EINVAL, "memory mode mismatch: this secondary asks for "
			       "--single-file-segments, the primary (pid %d) uses a file per page",
			       (int)m->mp.primary_pid);
	if ((c->iova_mode == HM_IOVA_PA && m->iova_va) || (c->iova_mode == HM_IOVA_VA && !m->iova_va))
		return hm_fail(EINVAL, "IOVA mode mismatch: this secondary asks for --iova-mode=%s, "
			       "the primary (pid %d) runs IOVA as %s",
			       c->iova_mode == HM_IOVA_PA ? "pa" : "va", (int)m->mp.primary_pid,
			       m->iova_va ? "VA" : "PA");
	if (c->huge_dir != NULL && strcmp(c->huge_dir, p->huge_dir) != 0)
		return hm_fail(EINVAL, "--huge-dir mismatch: this secondary asks for %s, the primary "
			       "(pid %d) uses %s", c->huge_dir, (int)m->mp.primary_pid,
			       p->huge_dir[0] != '\0' ? p->huge_dir : "any mount");
	if (c->memory != 0 || c->socket_mem_set || c->socket_limit_set)
		HM_LOG(NOTICE, "secondary: -m, --socket-mem and --socket-limit are the primary's "
		       "(pid %d): ignored here", (int)m->mp.primary_pid);
	return 0;
}

static char *
dup_nonempty(const char *s, int *rc)
{
	return s[0] != '\0' ? dup_or_null(s, rc) : NULL;
}

/* Attach to the running primary of g.run_dir. On failure nothing is left. */
static int
init_secondary(const struct hm_config *c)
{
	const struct hm_backend_ops *ops;
	struct lcore_params lcp;
	struct hm_probe probe;
	struct stat sb;
	unsigned int stage = 0;
	int rc = 0;

	if (stat(g.run_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return hm_fail(ENODEV, "no primary process is running with --file-prefix=%s: %s "
			       "does not exist", c->file_prefix, g.run_dir);
	g.mcfg = mcfg_attach(g.run_dir, mp_timeout());
	if (g.mcfg == NULL)
		return -hm_errno;
	stage = 1;
	rc = mp_check_primary(&g.mcfg->mp);
	if (rc == 0)
		rc = check_against_primary(c, g.mcfg);
	if (rc < 0)
		goto fail;
	ops = hm_backend_lookup(g.mcfg->backend);
	if (ops == NULL) {
		char built[128];
		rc = hm_fail(ENOTSUP, "the primary (pid %d) runs backend %s, which this build lacks "
			     "(built: %s)", (int)g.mcfg->mp.primary_pid, g.mcfg->backend,
			     init_built_backends(built, sizeof(built)));
		goto fail;
	}
	g.topology = dup_nonempty(g.mcfg->mp.params.topology, &rc);
	g.huge_dir = dup_nonempty(g.mcfg->mp.params.huge_dir, &rc);
	g.prefix = dup_or_null(c->file_prefix, &rc);
	if (rc < 0) {
		rc = hm_fail(ENOMEM, "out of memory");
		goto fail;
	}
	struct hm_backend_params bp = {
		.topology = g.topology,
		.runtime_dir = g.run_dir,
		.prefix = g.prefix,
		.secondary = true,
		.huge_dir = g.huge_dir,
		.huge_unlink = g.mcfg->mp.params.huge_unlink,
		.single_file_segments = g.mcfg->mp.params.single_file_segments != 0,
		.legacy = g.mcfg->legacy_mem != 0,
	};
	g.be.ops = ops;
	rc = ops->create(&g.be, &bp);
	if (rc < 0) {
		g.be.ops = NULL;
		goto fail;
	}
	stage = 2;
	memset(&probe, 0, sizeof(probe));
	rc = ops->probe(&g.be, &probe);
	if (rc == 0)
		rc = check_probe(&probe, ops->name);
	if (rc == 0 && probe.n_nodes != g.mcfg->n_nodes)
		rc = hm_fail(EINVAL, "the backend shows %u node(s) here, the primary (pid %d) saw %u",
			     probe.n_nodes, (int)g.mcfg->mp.primary_pid, g.mcfg->n_nodes);
	if (rc < 0)
		goto fail;
	rc = mp_secondary_start(&g.mcfg->mp);
	if (rc < 0)
		goto fail;
	stage = 3;
	rc = lcore_params_of(c, &lcp); /* validated by hm_init_config */
	if (rc == 0)
		rc = lcore_init(&probe, &lcp);
	if (rc < 0)
		goto fail;
	stage = 4;
	rc = memseg_attach(g.mcfg, &g.be, g.run_dir);
	if (rc < 0)
		goto fail;
	stage = 5;
	/* the slot is live from memseg_attach on: page-map changes wait for this
	 * process from there, so its mp thread applies them from there (the attach
	 * steps below can wait, e.g. on the shared mempool ops lock a killed
	 * process held, while a changer times out on us) */
	rc = mp_thread_start(memseg_sync_local);
	if (rc < 0)
		goto fail;
	stage = 6;
	rc = malloc_attach(g.mcfg, g.run_dir,
			   c->no_malloc_cache ? 0 :
			   c->malloc_cache != 0 ? c->malloc_cache : HM_MALLOC_CACHE_DEFAULT);
	if (rc < 0)
		goto fail;
	stage = 7;
	rc = memzone_attach(g.mcfg, g.run_dir);
	if (rc < 0)
		goto fail;
	stage = 8;
	rc = mempool_ops_attach(g.mcfg, false);
	if (rc < 0)
		goto fail;
	mcfg_set(g.mcfg);
	g.secondary = true;
	g.up = true;
	g.pid = getpid();
	start_telemetry(c);
	if (c->log_level >= 0)
		hm_log_set_level((enum hm_log_level)c->log_level);
	return 0;

fail:;
	char why[512];
	snprintf(why, sizeof(why), "%s", hm_last_error());
	mempool_ops_detach();
	if (stage >= 8)
		memzone_detach();
	if (stage >= 7)
		malloc_detach();
	if (stage >= 5) {
		/* as teardown_shared: no change waits for us, then the thread goes */
		mp_set_leaving();
		mp_thread_stop();
		memseg_detach();
	}
	if (stage >= 4)
		lcore_fini();
	bool last = stage >= 3 ? mp_leave() : false;
	if (stage >= 2) {
		ops->destroy(&g.be);
		memset(&g.be, 0, sizeof(g.be));
	}
	if (last)
		remove_instance(g.mcfg);
	if (stage >= 1)
		mcfg_detach(g.mcfg);
	g.mcfg = NULL;
	free(g.topology);
	free(g.huge_dir);
	free(g.prefix);
	g.topology = g.huge_dir = g.prefix = NULL;
	return hm_fail(-rc, "%s", why);
}

/*
 * The last process out, the primary gone before it: remove what the primary
 * would have removed at its exit. Fbarray files and the config go by name;
 * page files through a primary-mode instance of the backend, whose create
 * deletes the page files of the prefix that no process maps any more and whose
 * destroy removes its page directory; then the runtime dir levels the primary
 * created.
 */
static void
remove_instance(struct hm_mem_config *m)
{
	const struct mp_params *p = &m->mp.params;
	const struct hm_backend_ops *ops = hm_backend_lookup(m->backend);

	clean_runtime_dir(g.run_dir);
	if (ops != NULL) {
		struct hm_backend tmp = { ops, NULL };
		struct hm_backend_params bp = {
			.topology = p->topology[0] != '\0' ? p->topology : NULL,
			.runtime_dir = g.run_dir,
			.prefix = g.prefix,
			.huge_dir = p->huge_dir[0] != '\0' ? p->huge_dir : NULL,
			.huge_unlink = p->huge_unlink,
			.single_file_segments = p->single_file_segments != 0,
			.legacy = p->legacy_mem != 0,
		};
		if (ops->create(&tmp, &bp) == 0)
			ops->destroy(&tmp);
		else
			HM_LOG(WARNING, "cleanup: page files of %s may be left: %s", g.run_dir,
			       hm_last_error());
	}
	mcfg_remove(g.run_dir);
	if (!g.secondary)
		remove_made_dirs();
	else if (p->made_len > 0)
		hm_rmdirs_made(g.run_dir, p->made_len);
}

/*
 * hm_cleanup of a secondary, or of a primary while secondaries run: release
 * what is this process's (its mappings, lcore ids, cached blocks, slot) and
 * leave the instance to the others; the last one out removes it.
 */
static void
teardown_shared(void)
{
	bool last;

	malloc_detach();
	memzone_detach();
	/* no page change waits for this process any more; then its mp thread goes
	 * and nothing of the shared memory is touched again */
	mp_set_leaving();
	mp_thread_stop();
	if (g.secondary)
		memseg_detach();
	else
		memseg_fini_local();
	if (g.be.ops != NULL)
		g.be.ops->destroy(&g.be);
	memset(&g.be, 0, sizeof(g.be));
	lcore_fini();
	last = mp_leave();
	if (last)
		remove_instance(g.mcfg);
	drop_config(); /* the runtime dir is the others' now */
	g.up = false;
}
