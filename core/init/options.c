/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK-style option parsing into struct hm_config. Every rejection names the
 * option, the value and what would be valid, through hm_last_error(). The parser
 * works on a copy and writes the caller's config only on success.
 */
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "init_i.h"
#include "hugemem/malloc.h"
#include "hugemem/memzone.h"
#include "lcore_i.h"

enum {
	OPT_MEMORY = 'm',
	OPT_LCORES = 'l',
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
	OPT_PROC_TYPE,
	OPT_MP_TIMEOUT,
	OPT_MAX_MEMZONES,
	OPT_ALLOW_LEAKS,
	OPT_NO_TELEMETRY,
	OPT_LEAK_HEAPMAP,
	OPT_MAIN_LCORE,
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
	{ "proc-type", required_argument, NULL, OPT_PROC_TYPE },
	{ "mp-timeout", required_argument, NULL, OPT_MP_TIMEOUT },
	{ "max-memzones", required_argument, NULL, OPT_MAX_MEMZONES },
	{ "allow-leaks", no_argument, NULL, OPT_ALLOW_LEAKS },
	{ "no-telemetry", no_argument, NULL, OPT_NO_TELEMETRY },
	{ "leak-heapmap", required_argument, NULL, OPT_LEAK_HEAPMAP },
	{ "lcores", required_argument, NULL, OPT_LCORES },
	{ "main-lcore", required_argument, NULL, OPT_MAIN_LCORE },
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
	"  --malloc-cache=N        blocks (<= 4 KiB) per size class each lcore keeps for\n"
	"                          reuse (even, 2..512, default 32; the classes above 1 KiB\n"
	"                          hold N x 3 KiB in all; 0: off, frees go to the heap)\n"
	"  --mempool-debug[=on|off] check every mempool get/put for double puts and foreign\n"
	"                          objects (default: on in debug builds of the library)\n"
	"  --proc-type=primary|secondary|auto  create the instance (default), attach to a\n"
	"                          running primary's, or secondary when a primary runs\n"
	"  --mp-timeout=MS         multi-process waits: a secondary for its primary's init, a\n"
	"                          page map change for every process (default 5000)\n"
	"  --max-memzones=N        memzone table capacity, 1..1048576 (default 2560)\n"
	"  -l, --lcores=LIST       lcore ids this process takes at init, all or none, e.g.\n"
	"                          0-3,5 (default: the lowest one no other process uses)\n"
	"  --main-lcore=ID         lcore id of the thread calling hm_init (default: the\n"
	"                          lowest of --lcores)\n"
	"  --allow-leaks           hm_cleanup returns 0 even when objects are still live\n"
	"                          (they are logged as leaked and released either way)\n"
	"  --no-telemetry          serve no telemetry socket (dpdk-telemetry.py -f PREFIX)\n"
	"  --leak-heapmap=PREFIX   when hm_cleanup finds leaks, draw each heap holding\n"
	"                          leaked blocks as PREFIX<heap id>.svg\n"
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

/*
 * true when @p bad ("--abbrev" or "--abbrev=value") is the start of two or more
 * long options and none of them exactly (getopt_long reports that as '?' too);
 * "--huge-dir, --huge-unlink" goes to @p buf.
 */
static bool
ambiguous(const char *bad, char *buf, size_t len)
{
	size_t n, off = 0;
	unsigned int hits = 0;

	if (strncmp(bad, "--", 2) != 0 || bad[2] == '\0')
		return false;
	bad += 2;
	n = strcspn(bad, "=");
	buf[0] = '\0';
	for (const struct option *o = long_opts; o->name != NULL; o++) {
		if (strncmp(o->name, bad, n) != 0)
			continue;
		if (o->name[n] == '\0')
			return false; /* exact: not an abbreviation */
		hits++;
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s--%s",
						hits > 1 ? ", " : "", o->name);
	}
	return hits > 1;
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
	case OPT_PROC_TYPE:
		if (strcmp(arg, "primary") == 0)
			c->proc_type = HM_PROC_PRIMARY;
		else if (strcmp(arg, "secondary") == 0)
			c->proc_type = HM_PROC_SECONDARY;
		else if (strcmp(arg, "auto") == 0)
			c->proc_type = HM_PROC_AUTO;
		else
			return hm_fail(EINVAL, "--proc-type: '%s' is not valid (primary, secondary, "
				       "auto)", arg);
		return 0;
	case OPT_MP_TIMEOUT:
		if (hm_parse_u64(arg, 3600000, &v) < 0 || v == 0)
			return hm_fail(EINVAL, "--mp-timeout: '%s' is not a number of milliseconds "
				       "from 1 to 3600000", arg);
		c->mp_timeout_ms = (unsigned int)v;
		return 0;
	case OPT_MAX_MEMZONES:
		if (hm_parse_u64(arg, HM_MEMZONE_MAX_LIMIT, &v) < 0 || v == 0)
			return hm_fail(EINVAL, "--max-memzones: '%s' is not a number of zones from 1 "
				       "to %u (HM_MEMZONE_MAX_LIMIT)", arg, HM_MEMZONE_MAX_LIMIT);
		c->max_memzones = (unsigned int)v;
		return 0;
	case OPT_ALLOW_LEAKS:
		c->allow_leaks = true;
		return 0;
	case OPT_NO_TELEMETRY:
		c->no_telemetry = true;
		return 0;
	case OPT_LEAK_HEAPMAP:
		if (arg[0] == '\0' || strlen(arg) > PATH_MAX - 32)
			return hm_fail(EINVAL, "--leak-heapmap: '%s' is not a file name prefix "
				       "(non-empty, below PATH_MAX)", arg);
		c->leak_heapmap = arg;
		return 0;
	case OPT_LCORES: {
		uint64_t set[LCORE_SET_WORDS];
		int rc = lcore_parse_list("-l/--lcores", arg, set);
		if (rc < 0)
			return rc;
		c->lcores = arg;
		return 0;
	}
	case OPT_MAIN_LCORE:
		if (hm_parse_u64(arg, HM_MAX_LCORE - 1, &v) < 0)
			return hm_fail(EINVAL, "--main-lcore: '%s' is not an lcore id below %u", arg,
				       HM_MAX_LCORE);
		c->main_lcore_set = true;
		c->main_lcore = (unsigned int)v;
		return 0;
	case OPT_SINGLE_FILE_SEGMENTS:
		c->single_file_segments = true;
		return need_backend("--single-file-segments", "hugetlbfs");
	case ':':
		return hm_fail(EINVAL, "option %s needs a value", bad);
	case '?':
		if (ambiguous(bad, list, sizeof(list)))
			return hm_fail(EINVAL, "ambiguous option '%.*s' (could be %s)",
				       (int)strcspn(bad, "="), bad, list);
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
	while ((opt = getopt_long(argc, argv, "+:m:l:", long_opts, &idx)) != -1) {
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

/* ------------------------------------------------------------ one-line options
 * HUGEMEM_OPTS and hm_config_parse_line: a line split into words as a POSIX shell
 * splits a command line without expansions: blanks (space, tab, newline)
 * separate words; '...' keeps everything up to the next ' literally; "..."
 * keeps blanks, and a backslash in it escapes " and \ (else it stays); a
 * backslash outside quotes takes the next character literally (a backslash
 * that ends the line stays). */

#define LINE_MAX_WORDS HM_INIT_LINE_MAX_WORDS

static bool
is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

int
init_split_line(const char *line, char *buf, size_t len, char **words)
{
	size_t o = 0;
	int n = 0;
	const char *p = line;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (*p == '\0')
			return n;
		if (n == LINE_MAX_WORDS)
			return hm_fail(E2BIG, "more than %d words", LINE_MAX_WORDS);
		if (o >= len)
			return hm_fail(ENOSPC, "the words do not fit in %zu bytes", len);
		words[n++] = buf + o;
		while (*p != '\0' && !is_blank(*p)) {
			char ch = *p++;

			if (ch == '\'') {
				while (*p != '\0' && *p != '\'') {
					if (o + 1 >= len)
						return hm_fail(ENOSPC, "the words do not fit in %zu bytes", len);
					buf[o++] = *p++;
				}
				if (*p++ != '\'')
					return hm_fail(EINVAL, "unterminated ' quote");
				continue;
			}
			if (ch == '"') {
				while (*p != '\0' && *p != '"') {
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					if (o + 1 >= len)
						return hm_fail(ENOSPC, "the words do not fit in %zu bytes", len);
					buf[o++] = *p++;
				}
				if (*p++ != '"')
					return hm_fail(EINVAL, "unterminated \" quote");
				continue;
			}
			if (ch == '\\' && *p != '\0') /* a last backslash stays, as in sh */
				ch = *p++;
			if (o + 1 >= len)
				return hm_fail(ENOSPC, "the words do not fit in %zu bytes", len);
			buf[o++] = ch;
		}
		buf[o++] = '\0';
	}
}

int
hm_config_parse_line(struct hm_config *cfg, const char *line, char *buf, size_t len)
{
	char *argv[LINE_MAX_WORDS + 2];
	struct hm_config c;
	int n, rc;

	if (cfg == NULL || line == NULL || buf == NULL || len == 0)
		return hm_fail(EINVAL, "config_parse_line: NULL config, line or buffer");
	argv[0] = (char *)"hugemem";
	n = init_split_line(line, buf, len, argv + 1);
	if (n < 0)
		return n;
	argv[n + 1] = NULL;
	c = *cfg;
	rc = hm_config_parse(&c, n + 1, argv);
	if (rc < 0)
		return rc;
	if (rc < n)
		return hm_fail(EINVAL, "'%s' is not an option (a line of options holds only "
			       "options)", argv[rc + 1]);
	*cfg = c;
	return n;
}

/* ------------------------------------------------------------- environment
 * Every long option --NAME has the default $HUGEMEM_<NAME> (upper case, '-' as
 * '_'), derived from long_opts, so an option added to the table gets its
 * variable with no other change. Flags take 1/on/yes/true (set) or
 * 0/off/no/false (not set). Then $HUGEMEM_OPTS, a line of options, is parsed over
 * them; hm_init parses argv last, so the command line wins. */

#define N_LONG_OPTS (sizeof(long_opts) / sizeof(long_opts[0]) - 1)
HM_STATIC_ASSERT(sizeof(long_opts) / sizeof(long_opts[0]) - 1 <= 64, "env mask is 64 bits");

static void
env_name(const char *opt, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "HUGEMEM_");

	for (; *opt != '\0' && o + 1 < len; opt++)
		buf[o++] = *opt == '-' ? '_' : (char)(*opt >= 'a' && *opt <= 'z' ? *opt - 32 : *opt);
	buf[o < len ? o : len - 1] = '\0';
}

/* The backend an option belongs to (its need_backend), or NULL for all. */
static const char *
opt_backend(int val)
{
	return val == OPT_HUGE_DIR || val == OPT_HUGE_UNLINK || val == OPT_SINGLE_FILE_SEGMENTS ?
		"hugetlbfs" : NULL;
}

/* Record "<var>='<value>': <the parser's message>" for a refused variable. */
static int
env_fail(int rc, const char *var, const char *val)
{
	char why[400];

	snprintf(why, sizeof(why), "%s", hm_last_error());
	return hm_fail(-rc, "environment variable %s='%s': %s", var, val, why);
}

static int
flag_value(const char *v)
{
	static const char *const on[] = { "1", "on", "yes", "true" };
	static const char *const off[] = { "0", "off", "no", "false" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, on[i]) == 0)
			return 1;
		if (strcasecmp(v, off[i]) == 0)
			return 0;
	}
	return -1;
}

/*
 * Apply every $HUGEMEM_<NAME> and then $HUGEMEM_OPTS (words stored in @p buf)
 * to @p c. Bit i of *@p from_vars is set when long_opts[i] came from its own
 * variable. @return 0 or -errno naming the variable.
 */
static int
apply_env(struct hm_config *c, char *buf, size_t len, uint64_t *from_vars)
{
	char var[64], opt[64];
	const char *line;
	int rc;

	*from_vars = 0;
	for (size_t i = 0; i < N_LONG_OPTS; i++) {
		const struct option *o = &long_opts[i];
		const char *v;

		env_name(o->name, var, sizeof(var));
		v = getenv(var);
		if (v == NULL || *v == '\0')
			continue;
		snprintf(opt, sizeof(opt), "--%s", o->name);
		if (o->has_arg == no_argument) {
			int on = flag_value(v);
			if (on < 0)
				return hm_fail(EINVAL, "environment variable %s='%s': %s is a flag: "
					       "1, on, yes, true (set it) or 0, off, no, false",
					       var, v, opt);
			if (on == 0)
				continue;
			v = NULL;
		}
		rc = parse_one(c, o->val, v, opt);
		if (rc < 0)
			return env_fail(rc, var, v != NULL ? v : "1");
		*from_vars |= 1ULL << i;
	}
	line = getenv("HUGEMEM_OPTS");
	if (line != NULL) {
		rc = hm_config_parse_line(c, line, buf, len);
		if (rc < 0)
			return env_fail(rc, "HUGEMEM_OPTS", line);
	}
	return 0;
}

/*
 * An option of one backend from the environment while another backend runs
 * (e.g. HUGEMEM_HUGE_DIR exported, backend emu): refuse, naming the variable.
 */
static int
env_backend_check(const struct hm_config *c, uint64_t from_vars)
{
	const char *be = c->backend;
	char var[64];

	if (be == NULL) {
		be = getenv("HUGEMEM_BACKEND");
		be = be != NULL && *be != '\0' ? be : "emu";
	}
	for (size_t i = 0; i < N_LONG_OPTS; i++) {
		const char *own = opt_backend(long_opts[i].val);
		if ((from_vars & (1ULL << i)) == 0 || own == NULL || strcmp(own, be) == 0)
			continue;
		env_name(long_opts[i].name, var, sizeof(var));
		return hm_fail(EINVAL, "environment variable %s is set, but --%s belongs to the "
			       "%s backend and the backend is '%s' (unset %s or select %s)", var,
			       long_opts[i].name, own, be, var, own);
	}
	return 0;
}

int
hm_config_from_env(struct hm_config *cfg)
{
	static char words[4096];
	struct hm_config c;
	uint64_t from_vars;
	int rc;

	if (cfg == NULL)
		return hm_fail(EINVAL, "config_from_env: NULL config");
	c = *cfg;
	rc = apply_env(&c, words, sizeof(words), &from_vars);
	if (rc == 0)
		rc = env_backend_check(&c, from_vars);
	if (rc == 0)
		*cfg = c;
	return rc;
}

int
init_parse_all(struct hm_config *cfg, int argc, char **argv, char *buf, size_t len)
{
	struct hm_config c;
	uint64_t from_vars;
	int n;

	if (cfg == NULL || argc < 0 || (argc > 0 && argv == NULL))
		return hm_fail(EINVAL, "config_parse: NULL config or argv");
	c = *cfg;
	n = apply_env(&c, buf, len, &from_vars);
	if (n < 0)
		return n;
	n = hm_config_parse(&c, argc, argv);
	if (n < 0)
		return n;
	if (env_backend_check(&c, from_vars) < 0)
		return -EINVAL;
	*cfg = c;
	return n;
}
