/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK-style option parsing into struct hm_config. Every rejection names the
 * option, the value and what would be valid, through hm_last_error(). The parser
 * works on a copy and writes the caller's config only on success.
 */
#include <getopt.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "init_i.h"
#include "hugemem/malloc.h"

enum {
	OPT_MEMORY = 'm',
	OPT_BACKEND = 256,
	OPT_TOPOLOGY,
	OPT_FAULT,
	OPT_SOCKET_MEM,
	OPT_SOCKET_LIMIT,
	OPT_FILE_PREFIX,
	OPT_RUNTIME_DIR,
	OPT_IN_MEMORY,
	OPT_NO_SHCONF,
	OPT_BASE_VIRTADDR,
	OPT_IOVA_MODE,
	OPT_LEGACY_MEM,
	OPT_LOG_LEVEL,
	OPT_HUGE_DIR,
	OPT_HUGE_UNLINK,
	OPT_SINGLE_FILE_SEGMENTS,
	OPT_MALLOC_CACHE,
	OPT_MEMPOOL_DEBUG,
	OPT_NO_TELEMETRY,
};

static const struct option long_opts[] = {
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "topology", required_argument, NULL, OPT_TOPOLOGY },
	{ "fault", required_argument, NULL, OPT_FAULT },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "socket-mem", required_argument, NULL, OPT_SOCKET_MEM },
	{ "socket-limit", required_argument, NULL, OPT_SOCKET_LIMIT },
	{ "file-prefix", required_argument, NULL, OPT_FILE_PREFIX },
	{ "runtime-dir", required_argument, NULL, OPT_RUNTIME_DIR },
	{ "in-memory", no_argument, NULL, OPT_IN_MEMORY },
	{ "no-shconf", no_argument, NULL, OPT_NO_SHCONF },
	{ "base-virtaddr", required_argument, NULL, OPT_BASE_VIRTADDR },
	{ "iova-mode", required_argument, NULL, OPT_IOVA_MODE },
	{ "legacy-mem", no_argument, NULL, OPT_LEGACY_MEM },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "huge-dir", required_argument, NULL, OPT_HUGE_DIR },
	{ "huge-unlink", optional_argument, NULL, OPT_HUGE_UNLINK },
	{ "single-file-segments", no_argument, NULL, OPT_SINGLE_FILE_SEGMENTS },
	{ "malloc-cache", required_argument, NULL, OPT_MALLOC_CACHE },
	{ "mempool-debug", optional_argument, NULL, OPT_MEMPOOL_DEBUG },
	{ "no-telemetry", no_argument, NULL, OPT_NO_TELEMETRY },
	{ NULL, 0, NULL, 0 },
};

static const char usage[] =
	"hugemem options:\n"
	"  --backend=NAME          memory backend: emu (default) | hugetlbfs | fuse\n"
	"  --topology=SPEC         backend topology, e.g. emu: nodes=2;2M=512,512;1G=0,2;\n"
	"                          lcores=0@0,1@1;iova=contig|shuffled|fragmented;seed=7\n"
	"  --fault=SPEC            backend fault injection, e.g. emu: nth=3;node=1\n"
	"  -m, --memory=SIZE       preallocate SIZE (MiB, or 512M / 1G), split over nodes\n"
	"  --socket-mem=A,B,...    preallocate per node (MiB or suffixed)\n"
	"  --socket-limit=A,B,...  never map more than this per node (0 = no limit)\n"
	"  --file-prefix=NAME      runtime dir <run>/NAME and page-file prefix (default hugemem)\n"
	"  --runtime-dir=DIR       base runtime directory\n"
	"  --in-memory             create no files at all (implies --no-shconf)\n"
	"  --no-shconf             no shared config: no other process can attach\n"
	"  --base-virtaddr=ADDR    base address hint for all reservations (default 0x100000000)\n"
	"  --iova-mode=pa|va       device addresses are (synthetic) physical or virtual\n"
	"  --legacy-mem            map all memory at init, sorted by IOVA; no growth or free\n"
	"  --log-level=LEVEL       emerg|alert|crit|err|warning|notice|info|debug or 1..8\n"
	"  --malloc-cache=N        small blocks per size class each lcore keeps for reuse\n"
	"                          (even, 2..512, default 32; 0: off, frees go to the heap)\n"
	"  --mempool-debug[=on|off] check every mempool get/put for double puts and foreign\n"
	"                          objects (default: on in debug builds of the library)\n"
	"  --no-telemetry          serve no telemetry socket (dpdk-telemetry.py -f PREFIX)\n"
	"  --huge-dir=DIR          hugetlbfs backend: hugetlbfs mount or directory to use\n"
	"  --huge-unlink[=existing|always|never]  hugetlbfs backend: page file lifetime\n"
	"  --single-file-segments  hugetlbfs backend: one file per memseg list\n";

const char *
hm_usage(void)
{
	return usage;
}

int
init_parse_mem(const char *s, uint64_t *out)
{
	size_t n;
	uint64_t v;
	int rc;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	n = strlen(s);
	if (s[n - 1] >= '0' && s[n - 1] <= '9') {
		rc = hm_parse_u64(s, UINT64_MAX >> 20, &v);
		if (rc == 0)
			*out = v << 20;
		return rc;
	}
	return hm_parse_size(s, out);
}

static int
parse_mem_list(const char *opt, const char *arg, uint64_t out[HM_MAX_NUMA_NODES])
{
	uint64_t vals[HM_MAX_NUMA_NODES] = { 0 };
	char buf[512], *save = NULL, *tok;
	unsigned int n = 0;

	if (hm_snprintf(buf, sizeof(buf), "%s", arg) < 0 || arg[0] == '\0')
		return hm_fail(EINVAL, "%s: '%s' is empty or too long", opt, arg);
	if (buf[strlen(buf) - 1] == ',' || strstr(buf, ",,") != NULL || buf[0] == ',')
		return hm_fail(EINVAL, "%s: '%s' has an empty entry", opt, arg);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (n == HM_MAX_NUMA_NODES)
			return hm_fail(EINVAL, "%s: more than %d nodes", opt, HM_MAX_NUMA_NODES);
		if (init_parse_mem(tok, &vals[n]) < 0)
			return hm_fail(EINVAL, "%s: '%s' is not a size (MiB, or with K/M/G suffix)",
				       opt, tok);
		n++;
	}
	memcpy(out, vals, sizeof(vals));
	return 0;
}

static int
parse_log_level(const char *arg, int *out)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
					     "warning", "notice", "info", "debug" };
	uint64_t v;

	for (int i = 0; i < 8; i++)
		if (strcasecmp(arg, names[i]) == 0) {
			*out = i;
			return 0;
		}
	/* numbers are DPDK's: 1 (emerg) .. 8 (debug) */
	if (hm_parse_u64(arg, 8, &v) == 0 && v >= 1) {
		*out = (int)v - 1;
		return 0;
	}
	return hm_fail(EINVAL, "--log-level: '%s' is not a level (emerg, alert, crit, err, "
		       "warning, notice, info, debug, or DPDK's 1..8)", arg);
}

/* hugetlbfs-only options are refused with a reason while that backend is not built. */
static int
need_backend(const char *opt, const char *backend)
{
	char built[128];

	if (hm_backend_lookup(backend) != NULL)
		return 0;
	return hm_fail(ENOTSUP, "option %s belongs to the %s backend, which this build does "
		       "not include (built backends: %s)", opt, backend,
		       init_built_backends(built, sizeof(built)));
}

static const char *
valid_options(char *buf, size_t len)
{
	size_t off = snprintf(buf, len, "-m");
	for (const struct option *o = long_opts; o->name != NULL && off < len; o++)
		off += (size_t)snprintf(buf + off, len - off, ", --%s", o->name);
	return buf;
}

static int
parse_one(struct hm_config *c, int opt, const char *arg, const char *bad)
{
	char list[512];
	uint64_t v;

	switch (opt) {
	case OPT_BACKEND:
		c->backend = arg;
		return 0;
	case OPT_TOPOLOGY:
		c->topology = arg;
		return 0;
	case OPT_FAULT:
		c->fault = arg;
		return 0;
	case OPT_MEMORY:
		if (init_parse_mem(arg, &v) < 0 || v == 0)
			return hm_fail(EINVAL, "-m/--memory: '%s' is not a non-zero size "
				       "(MiB, or with K/M/G suffix)", arg);
		c->memory = v;
		return 0;
	case OPT_SOCKET_MEM:
		c->socket_mem_set = true;
		return parse_mem_list("--socket-mem", arg, c->socket_mem);
	case OPT_SOCKET_LIMIT:
		c->socket_limit_set = true;
		return parse_mem_list("--socket-limit", arg, c->socket_limit);
	case OPT_FILE_PREFIX:
		c->file_prefix = arg;
		return 0;
	case OPT_RUNTIME_DIR:
		c->runtime_dir = arg;
		return 0;
	case OPT_IN_MEMORY:
		c->in_memory = true;
		return 0;
	case OPT_NO_SHCONF:
		c->no_shconf = true;
		return 0;
	case OPT_BASE_VIRTADDR: {
		char *end;
		errno = 0;
		unsigned long long a = strtoull(arg, &end, 0);
		if (errno != 0 || *end != '\0' || arg[0] == '-' || arg[0] == '\0' || a == 0 ||
		    (a & (hm_sys_page_size() - 1)) != 0)
			return hm_fail(EINVAL, "--base-virtaddr: '%s' is not a non-zero, "
				       "page-aligned address (e.g. 0x200000000)", arg);
		c->base_virtaddr = a;
		return 0;
	}
	case OPT_IOVA_MODE:
		if (strcmp(arg, "pa") == 0)
			c->iova_mode = HM_IOVA_PA;
		else if (strcmp(arg, "va") == 0)
			c->iova_mode = HM_IOVA_VA;
		else
			return hm_fail(EINVAL, "--iova-mode: '%s' is not valid (pa, va)", arg);
		return 0;
	case OPT_LEGACY_MEM:
		c->legacy_mem = true;
		return 0;
	case OPT_LOG_LEVEL:
		return parse_log_level(arg, &c->log_level);
	case OPT_HUGE_DIR:
		c->huge_dir = arg;
		return need_backend("--huge-dir", "hugetlbfs");
	case OPT_HUGE_UNLINK:
		if (arg != NULL && strcmp(arg, "existing") == 0)
			c->huge_unlink = HM_HUGE_UNLINK_EXISTING;
		else if (arg == NULL || strcmp(arg, "always") == 0) /* bare: DPDK's "always" */
			c->huge_unlink = HM_HUGE_UNLINK_ALWAYS;
		else if (strcmp(arg, "never") == 0)
			c->huge_unlink = HM_HUGE_UNLINK_NEVER;
		else
			return hm_fail(EINVAL, "--huge-unlink: '%s' is not valid (existing, "
				       "always, never)", arg);
		c->huge_unlink_set = true;
		return need_backend("--huge-unlink", "hugetlbfs");
	case OPT_MALLOC_CACHE: {
		char *end;
		errno = 0;
		unsigned long n = strtoul(arg, &end, 10);
		if (errno != 0 || *end != '\0' || arg[0] < '0' || arg[0] > '9' ||
		    (n != 0 && (n < 2 || n > HM_MALLOC_CACHE_MAX || n % 2 != 0)))
			return hm_fail(EINVAL, "--malloc-cache: '%s' is not 0 (off) or an even "
				       "number of blocks from 2 to %u", arg, HM_MALLOC_CACHE_MAX);
		c->no_malloc_cache = n == 0;
		c->malloc_cache = (unsigned int)n;
		return 0;
	}
	case OPT_MEMPOOL_DEBUG:
		if (arg == NULL || strcmp(arg, "on") == 0 || strcmp(arg, "1") == 0)
			c->mempool_debug = true;
		else if (strcmp(arg, "off") == 0 || strcmp(arg, "0") == 0)
			c->mempool_debug = false;
		else
			return hm_fail(EINVAL, "--mempool-debug: '%s' is not valid (on, off)", arg);
		c->mempool_debug_set = true;
		return 0;
	case OPT_NO_TELEMETRY:
		c->no_telemetry = true;
		return 0;
	case OPT_SINGLE_FILE_SEGMENTS:
		c->single_file_segments = true;
		return need_backend("--single-file-segments", "hugetlbfs");
	case ':':
		return hm_fail(EINVAL, "option %s needs a value", bad);
	case '?':
		if (strchr(bad, '=') != NULL) {
			/* a flag given a value, e.g. --in-memory=1 */
			for (const struct option *o = long_opts; o->name != NULL; o++)
				if (o->has_arg == no_argument &&
				    strncmp(bad + 2, o->name, strlen(o->name)) == 0 &&
				    bad[2 + strlen(o->name)] == '=')
					return hm_fail(EINVAL, "option --%s takes no value (got '%s')",
						       o->name, bad);
		}
		return hm_fail(EINVAL, "unknown option '%s'; valid options: %s", bad,
			       valid_options(list, sizeof(list)));
	default:
		return hm_fail(EINVAL, "unknown option '%s'; valid options: %s", bad,
			       valid_options(list, sizeof(list)));
	}
}

int
hm_config_parse(struct hm_config *cfg, int argc, char **argv)
{
	struct hm_config c;
	int opt, idx, rc = 0, saved_opterr = opterr;

	if (cfg == NULL || argc < 0 || (argc > 0 && argv == NULL))
		return hm_fail(EINVAL, "config_parse: NULL config or argv");
	if (argc == 0)
		return 0;
	for (int i = 0; i < argc; i++)
		if (argv[i] == NULL)
			return hm_fail(EINVAL, "config_parse: argv[%d] is NULL", i);
	c = *cfg;
	optind = 0; /* GNU: full re-initialisation, so parsing twice works */
	opterr = 0;
	/* '+': stop at the first non-option (no argv permutation); ':': report a
	 * missing argument as ':' rather than '?'. */
	while ((opt = getopt_long(argc, argv, "+:m:", long_opts, &idx)) != -1) {
		/* Name the offending argument: a short option by its letter (it may sit
		 * in a cluster such as -xm), anything else as written. */
		char shortopt[3] = { '-', (char)optopt, '\0' };
		const char *bad = (opt == '?' || opt == ':') && optopt > 0 && optopt < 128 ?
			shortopt : argv[optind - 1];

		rc = parse_one(&c, opt, optarg, bad);
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = optind - 1; /* options consumed, "--" included, argv[0] not */
	optind = 0;
	opterr = saved_opterr;
	if (rc >= 0)
		*cfg = c;
	return rc;
}
