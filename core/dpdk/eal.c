/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_eal_init / rte_eal_cleanup and the rest of rte_eal.h.
 *
 * rte_eal_init parses the EAL options itself (getopt_long, stopping at "--" or
 * the first non-option, as DPDK), turns the memory options and hugemem's own
 * into a struct hm_config through hm_config_parse ("--name=value" strings, so
 * hugemem reports bad values in its own words), starts hugemem, then the lcores
 * (eal_lcore.c). Every failure undoes what was done: a failed rte_eal_init can
 * be retried, and rte_eal_cleanup returns the process to its state before.
 *
 * An option hugemem cannot honour is refused with its name and the reason
 * (ENOTSUP), never ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <sys/io.h>
#endif

#include <rte_eal.h>
#include <rte_hugemem.h>
#include <rte_lcore.h>
#include <rte_memory.h>
#include <rte_vect.h>
#include <rte_version.h>

#include "dpdk_i.h"
#include "hugemem/init.h"
#include "hugemem/lcore.h"
#include "hugemem/malloc.h"
#include "hugemem/memseg.h"
#include "hugemem/memzone.h"

struct eal_state eal = {
	.main_lcore = LCORE_ID_ANY,
	.lcore_lock = PTHREAD_RWLOCK_INITIALIZER,
};

RTE_DEFINE_PER_LCORE(int, _thread_id) = -1;

static rte_usage_hook_t usage_hook;

/* ---------------------------------------------------------------- options */

enum {
	OPT_HM = 256,            /* passed to hm_config_parse as --name[=value] */
	OPT_LCORES,
	OPT_MAIN_LCORE,
	OPT_LOG_LEVEL,
	OPT_NO_HUGE,
	OPT_NO_PCI,
	OPT_NOOP,                /* accepted, nothing to do in hugemem */
	OPT_PROC_TYPE,
	OPT_MBUF_POOL_OPS,
	OPT_SIMD,
	OPT_WORKER_STACK,
	OPT_HELP,
	OPT_VDEV,                /* a virtual device: probed by hugemem's ethdev */
	OPT_REFUSED,             /* a DPDK option hugemem cannot honour */
};

struct opt_info {
	struct option o;
	const char *why;         /* OPT_REFUSED: the reason */
};

static const struct opt_info opts[] = {
	/* memory and process options, hugemem's own too: hm_config_parse */
	{ { "base-virtaddr", required_argument, NULL, OPT_HM }, NULL },
	{ { "file-prefix", required_argument, NULL, OPT_HM }, NULL },
	{ { "huge-dir", required_argument, NULL, OPT_HM }, NULL },
	{ { "huge-unlink", optional_argument, NULL, OPT_HM }, NULL },
	{ { "in-memory", no_argument, NULL, OPT_HM }, NULL },
	{ { "iova-mode", required_argument, NULL, OPT_HM }, NULL },
	{ { "legacy-mem", no_argument, NULL, OPT_HM }, NULL },
	{ { "memory", required_argument, NULL, OPT_HM }, NULL },
	{ { "no-shconf", no_argument, NULL, OPT_HM }, NULL },
	{ { "single-file-segments", no_argument, NULL, OPT_HM }, NULL },
	{ { "socket-limit", required_argument, NULL, OPT_HM }, NULL },
	{ { "socket-mem", required_argument, NULL, OPT_HM }, NULL },
	{ { "backend", required_argument, NULL, OPT_HM }, NULL },
	{ { "topology", required_argument, NULL, OPT_HM }, NULL },
	{ { "fault", required_argument, NULL, OPT_HM }, NULL },
	{ { "runtime-dir", required_argument, NULL, OPT_HM }, NULL },
	{ { "malloc-cache", required_argument, NULL, OPT_HM }, NULL },
	{ { "mempool-debug", optional_argument, NULL, OPT_HM }, NULL },
	{ { "mp-timeout", required_argument, NULL, OPT_HM }, NULL },
	/* the EAL's */
	{ { "lcores", required_argument, NULL, OPT_LCORES }, NULL },
	{ { "main-lcore", required_argument, NULL, OPT_MAIN_LCORE }, NULL },
	{ { "log-level", required_argument, NULL, OPT_LOG_LEVEL }, NULL },
	{ { "no-huge", no_argument, NULL, OPT_NO_HUGE }, NULL },
	{ { "no-pci", no_argument, NULL, OPT_NO_PCI }, NULL },
	{ { "no-hpet", no_argument, NULL, OPT_NOOP }, NULL },
	{ { "no-telemetry", no_argument, NULL, OPT_HM }, NULL },
	{ { "telemetry", no_argument, NULL, OPT_NOOP }, NULL }, /* DPDK's default too */
	{ { "proc-type", required_argument, NULL, OPT_PROC_TYPE }, NULL }, /* hm_config_parse's */
	{ { "mbuf-pool-ops-name", required_argument, NULL, OPT_MBUF_POOL_OPS }, NULL },
	{ { "force-max-simd-bitwidth", required_argument, NULL, OPT_SIMD }, NULL },
	{ { "huge-worker-stack", optional_argument, NULL, OPT_WORKER_STACK }, NULL },
	{ { "help", no_argument, NULL, OPT_HELP }, NULL },
	/* DPDK options hugemem cannot honour */
	{ { "allow", required_argument, NULL, OPT_REFUSED }, "hugemem has no PCI bus" },
	{ { "block", required_argument, NULL, OPT_REFUSED }, "hugemem has no PCI bus" },
	{ { "vdev", required_argument, NULL, OPT_VDEV }, NULL },
	{ { "syslog", optional_argument, NULL, OPT_REFUSED },
	  "hugemem logs to the log stream only (rte_openlog_stream)" },
	{ { "trace", required_argument, NULL, OPT_REFUSED }, "hugemem has no trace support" },
	{ { "trace-dir", required_argument, NULL, OPT_REFUSED }, "hugemem has no trace support" },
	{ { "trace-bufsz", required_argument, NULL, OPT_REFUSED }, "hugemem has no trace support" },
	{ { "trace-mode", required_argument, NULL, OPT_REFUSED }, "hugemem has no trace support" },
	{ { "vfio-intr", required_argument, NULL, OPT_REFUSED }, "hugemem has no VFIO devices" },
	{ { "vfio-vf-token", required_argument, NULL, OPT_REFUSED }, "hugemem has no VFIO devices" },
	{ { "create-uio-dev", no_argument, NULL, OPT_REFUSED }, "hugemem has no UIO devices" },
	{ { "vmware-tsc-map", no_argument, NULL, OPT_REFUSED },
	  "hugemem reads the TSC directly only" },
	{ { "match-allocations", no_argument, NULL, OPT_REFUSED },
	  "hugemem's heaps give back whole free pages, not the pages of one allocation" },
	{ { "service-corelist", required_argument, NULL, OPT_REFUSED },
	  "hugemem has no service cores" },
	{ { "driver-path", required_argument, NULL, OPT_REFUSED }, "hugemem loads no drivers" },
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

/* short options: "+" stops at the first non-option, ":" reports a missing argument */
static const char short_opts[] = "+:a:b:c:d:hl:m:n:r:s:S:v";

static const char *const short_refused[128] = {
	['a'] = "hugemem has no PCI bus",
	['b'] = "hugemem has no PCI bus",
	['d'] = "hugemem loads no drivers",
	['s'] = "hugemem has no service cores",
	['S'] = "hugemem has no service cores",
};

/* What rte_eal_init collected before starting hugemem. */
struct eal_args {
	char **hm_argv;            /* "prg" + "--name[=value]" strings (malloc'ed) */
	int hm_argc;
	const char *lcore_opt;     /* which option gave the lcores ("-l", "-c", "--lcores") */
	unsigned int order[RTE_MAX_LCORE]; /* lcores in option order */
	unsigned int n_order;
	rte_cpuset_t cpuset[RTE_MAX_LCORE]; /* --lcores '@' CPU sets */
	bool has_cpuset[RTE_MAX_LCORE];
	int main_lcore;            /* -1: the lowest */
	bool no_huge, version;
	unsigned int nchannel, nrank;
	char *mbuf_pool_ops;
	uint16_t simd;
	size_t worker_stack;
	char *vdev[RTE_MAX_ETHPORTS]; /* --vdev arguments, in order (malloc'ed) */
	unsigned int n_vdev;
};

static int
add_hm_arg(struct eal_args *a, const char *name, const char *val)
{
	size_t len = strlen(name) + (val != NULL ? strlen(val) : 0) + 4;
	char *s = malloc(len);

	if (s == NULL)
		return eal_err(ENOMEM);
	if (val != NULL)
		snprintf(s, len, "--%s=%s", name, val);
	else
		snprintf(s, len, "--%s", name);
	a->hm_argv[a->hm_argc++] = s;
	return 0;
}

static void
free_args(struct eal_args *a)
{
	for (int i = 1; i < a->hm_argc; i++)
		free(a->hm_argv[i]);
	free(a->hm_argv);
	free(a->mbuf_pool_ops);
	a->hm_argv = NULL;
	a->mbuf_pool_ops = NULL;
	for (unsigned int i = 0; i < a->n_vdev; i++)
		free(a->vdev[i]);
	a->n_vdev = 0;
}

static int __rte_format_printf(2, 3)
bad_opt(int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	RTE_LOG(ERR, EAL, "%s\n", msg);
	return eal_err(err);
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Record lcore @p id in option order. */
static int
add_lcore(struct eal_args *a, unsigned long id, const char *opt)
{
	char buf[32];

	if (id >= RTE_MAX_LCORE) {
		snprintf(buf, sizeof(buf), "%lu", id);
		return bad_opt(EINVAL, "option %s: lcore %s is not below RTE_MAX_LCORE (128)",
			       opt, buf);
	}
	for (unsigned int i = 0; i < a->n_order; i++)
		if (a->order[i] == id) {
			snprintf(buf, sizeof(buf), "%lu", id);
			return bad_opt(EINVAL, "option %s: lcore %s is given twice", opt, buf);
		}
	a->order[a->n_order++] = (unsigned int)id;
	return 0;
}

/* "A[-B]": the range, or -1. @p s advances past it. */
static int
parse_range(const char **s, unsigned long max, unsigned long *lo, unsigned long *hi)
{
	char *end;

	if (**s < '0' || **s > '9')
		return -1;
	*lo = strtoul(*s, &end, 10);
	*hi = *lo;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -1;
		*hi = strtoul(end + 1, &end, 10);
	}
	*s = end;
	return *lo <= *hi && *hi <= max ? 0 : -1;
}

/* -l 0-3,5 */
static int
parse_corelist(struct eal_args *a, const char *arg)
{
	const char *s = arg;
	unsigned long lo, hi;

	for (;;) {
		if (parse_range(&s, ULONG_MAX / 2, &lo, &hi) < 0 || (*s != ',' && *s != '\0'))
			return bad_opt(EINVAL, "option %s: '%s' is not a list of lcores like 0-3,5",
				       "-l", arg);
		for (unsigned long i = lo; i <= hi; i++)
			if (add_lcore(a, i, "-l") < 0)
				return -1;
		if (*s == '\0')
			return 0;
		s++;
	}
}

/* -c 0x3: hex, lowest lcore first */
static int
parse_coremask(struct eal_args *a, const char *arg)
{
	int cores[RTE_MAX_LCORE];

	if (rte_eal_parse_coremask(arg, cores) < 0)
		return bad_opt(EINVAL, "option %s: '%s' is not a hex mask of lcores below 128",
			       "-c", arg);
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++)
		if (cores[i] >= 0 && add_lcore(a, i, "-c") < 0)
			return -1;
	return 0;
}

/* One "N", "A-B" or "(list)" of --lcores into ids[] (returns count, -1). */
static int
lcores_group(const char **s, unsigned long max, unsigned long *ids, int cap)
{
	bool paren = **s == '(';
	unsigned long lo, hi;
	int n = 0;

	if (paren)
		(*s)++;
	for (;;) {
		if (parse_range(s, max, &lo, &hi) < 0)
			return -1;
		for (unsigned long i = lo; i <= hi; i++) {
			if (n == cap)
				return -1;
			ids[n++] = i;
		}
		if (!paren || **s != ',')
			break;
		(*s)++;
	}
	if (paren) {
		if (**s != ')')
			return -1;
		(*s)++;
	}
	return n;
}

/* --lcores '0,(1-2)@3,4@(5,6)' */
static int
parse_lcores(struct eal_args *a, const char *arg)
{
	const char *s = arg;
	unsigned long ids[RTE_MAX_LCORE], cpus[CPU_SETSIZE];

	for (;;) {
		int n = lcores_group(&s, RTE_MAX_LCORE - 1, ids, RTE_MAX_LCORE), nc = 0;

		if (n < 0)
			goto bad;
		if (*s == '@') {
			s++;
			nc = lcores_group(&s, CPU_SETSIZE - 1, cpus, CPU_SETSIZE);
			if (nc < 0)
				goto bad;
		}
		if (*s != ',' && *s != '\0')
			goto bad;
		for (int i = 0; i < n; i++) {
			if (add_lcore(a, ids[i], "--lcores") < 0)
				return -1;
			CPU_ZERO(&a->cpuset[ids[i]]);
			for (int k = 0; k < nc; k++)
				CPU_SET(cpus[k], &a->cpuset[ids[i]]);
			if (nc == 0)
				CPU_SET(ids[i], &a->cpuset[ids[i]]);
			a->has_cpuset[ids[i]] = true;
		}
		if (*s == '\0')
			return 0;
		s++;
	}
bad:
	return bad_opt(EINVAL, "option %s: '%s' is not an lcore map like 0,(1-2)@3,4@(5,6)",
		       "--lcores", arg);
}

static int
set_lcore_opt(struct eal_args *a, const char *opt)
{
	if (a->lcore_opt != NULL)
		return bad_opt(EINVAL, "option %s cannot be combined with %s", opt, a->lcore_opt);
	a->lcore_opt = opt;
	return 0;
}

static void
print_usage(const char *prg)
{
	printf("Usage: %s [EAL options] -- [application options]\n\n"
	       "EAL options (hugemem's DPDK layer, DPDK %d.%02d):\n"
	       "  -l LIST | -c MASK | --lcores MAP   EAL lcores (default: the CPUs this\n"
	       "                                     process may use, or the --topology's)\n"
	       "  --main-lcore ID                    main lcore (default: the lowest)\n"
	       "  -n N, -r N                         memory channels and ranks (reported only)\n"
	       "  -m MB, --socket-mem, --socket-limit, --file-prefix, --huge-dir, --in-memory,\n"
	       "  --no-shconf, --legacy-mem, --single-file-segments, --huge-unlink[=MODE],\n"
	       "  --iova-mode pa|va, --base-virtaddr ADDR   as in DPDK (see below)\n"
	       "  --no-huge                          the emu backend (emulated hugepages)\n"
	       "  --proc-type primary|secondary|auto  attach to a running primary's\n"
	       "                                     memory (secondary; auto: when one runs)\n"
	       "  --log-level LEVEL | TYPE:LEVEL     log levels\n"
	       "  --no-pci, --no-hpet                accepted (nothing to switch off)\n"
	       "  --telemetry, --no-telemetry        the telemetry socket (on by default)\n"
	       "  --vdev net_hugemem<N>[,key=value...]  a port on the fake NIC (keys:\n"
	       "                                     docs/dpdk-compat.md, \"Ports\")\n"
	       "  --mbuf-pool-ops-name NAME, --force-max-simd-bitwidth N,\n"
	       "  --huge-worker-stack[=KB], -v, -h\n\n"
	       "hugemem options:\n%s\n",
	       prg, RTE_VER_YEAR, RTE_VER_MONTH, hm_usage());
	if (usage_hook != NULL)
		usage_hook(prg);
}

/*
 * Parse argv[1..] into @p a. @return the number of arguments consumed ("--"
 * included), or -1 with rte_errno (the log says why).
 */
static int
parse_args(struct eal_args *a, int argc, char **argv)
{
	struct option lopts[N_OPTS + 1];
	int opt, idx, consumed;

	memset(lopts, 0, sizeof(lopts));
	for (size_t i = 0; i < N_OPTS; i++)
		lopts[i] = opts[i].o;
	a->hm_argv = calloc((size_t)argc + 2, sizeof(char *));
	if (a->hm_argv == NULL)
		return eal_err(ENOMEM);
	a->hm_argv[0] = argv[0];
	a->hm_argc = 1;
	a->main_lcore = -1;

	optind = 0; /* full getopt reinitialisation (the '+' of short_opts included) */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, short_opts, lopts, &idx)) != -1) {
		unsigned long v;

		if (opt == '?' || opt == ':') {
			char name[3] = { '-', (char)optopt, 0 };
			const char *n = optopt != 0 ? name : argv[optind - 1];
			if (opt == ':')
				return bad_opt(EINVAL, "option %s needs an argument", n);
			return bad_opt(EINVAL, "unknown option %s (-h lists the options)", n);
		}
		if (opt < 128 && short_refused[opt] != NULL) {
			char name[3] = { '-', (char)opt, 0 };
			return bad_opt(ENOTSUP, "option %s is not supported: %s", name,
				       short_refused[opt]);
		}
		switch (opt) {
		case OPT_HM:
			if (add_hm_arg(a, lopts[idx].name, optarg) < 0)
				return -1;
			break;
		case 'm':
			if (add_hm_arg(a, "memory", optarg) < 0)
				return -1;
			break;
		case 'l':
			if (set_lcore_opt(a, "-l") < 0 || parse_corelist(a, optarg) < 0)
				return -1;
			break;
		case 'c':
			if (set_lcore_opt(a, "-c") < 0 || parse_coremask(a, optarg) < 0)
				return -1;
			break;
		case OPT_LCORES:
			if (set_lcore_opt(a, "--lcores") < 0 || parse_lcores(a, optarg) < 0)
				return -1;
			break;
		case OPT_MAIN_LCORE:
			if (parse_uint(optarg, RTE_MAX_LCORE - 1, &v) < 0)
				return bad_opt(EINVAL, "option %s: '%s' is not an lcore id below 128",
					       "--main-lcore", optarg);
			a->main_lcore = (int)v;
			break;
		case 'n':
			if (parse_uint(optarg, 1024, &v) < 0 || v == 0)
				return bad_opt(EINVAL, "option %s: '%s' is not a number of memory "
					       "channels (1..1024)", "-n", optarg);
			a->nchannel = (unsigned int)v;
			break;
		case 'r':
			if (parse_uint(optarg, 16, &v) < 0 || v == 0)
				return bad_opt(EINVAL, "option %s: '%s' is not a number of memory "
					       "ranks (1..16)", "-r", optarg);
			a->nrank = (unsigned int)v;
			break;
		case 'v':
			a->version = true;
			break;
		case OPT_LOG_LEVEL:
			if (eal_log_option(optarg) < 0)
				return bad_opt(EINVAL, "option %s: '%s' is not LEVEL, TYPE:LEVEL or "
					       "REGEX,LEVEL (levels 1..8 or emergency..debug)",
					       "--log-level", optarg);
			break;
		case OPT_NO_HUGE:
			a->no_huge = true;
			break;
		case OPT_NO_PCI:
		case OPT_NOOP:
			break;
		case OPT_PROC_TYPE:
			if (strcmp(optarg, "primary") != 0 && strcmp(optarg, "secondary") != 0 &&
			    strcmp(optarg, "auto") != 0)
				return bad_opt(EINVAL, "option %s: '%s' is not primary, secondary "
					       "or auto", "--proc-type", optarg);
			if (add_hm_arg(a, "proc-type", optarg) < 0)
				return -1;
			break;
		case OPT_MBUF_POOL_OPS:
			free(a->mbuf_pool_ops);
			a->mbuf_pool_ops = strdup(optarg);
			if (a->mbuf_pool_ops == NULL)
				return eal_err(ENOMEM);
			break;
		case OPT_SIMD:
			if (parse_uint(optarg, RTE_VECT_SIMD_MAX, &v) < 0 || v < 64 ||
			    (v & (v - 1)) != 0)
				return bad_opt(EINVAL, "option %s: '%s' is not a power of two "
					       ">= 64", "--force-max-simd-bitwidth", optarg);
			a->simd = (uint16_t)v;
			break;
		case OPT_WORKER_STACK:
			if (optarg == NULL) {
				/* the system's default thread stack size */
				pthread_attr_t at;
				size_t sz = 8u << 20;
				if (pthread_attr_init(&at) == 0) {
					pthread_attr_getstacksize(&at, &sz);
					pthread_attr_destroy(&at);
				}
				a->worker_stack = sz;
			} else if (parse_uint(optarg, 1UL << 22, &v) < 0 || v < 64) {
				return bad_opt(EINVAL, "option %s: '%s' is not a stack size in "
					       "KB (64..4194304)", "--huge-worker-stack", optarg);
			} else {
				a->worker_stack = (size_t)v << 10;
			}
			break;
		case OPT_VDEV:
			if (a->n_vdev == RTE_MAX_ETHPORTS)
				return bad_opt(EINVAL, "option --vdev: more than %d devices",
					       RTE_MAX_ETHPORTS);
			a->vdev[a->n_vdev] = strdup(optarg);
			if (a->vdev[a->n_vdev] == NULL)
				return eal_err(ENOMEM);
			a->n_vdev++;
			break;
		case 'h':
		case OPT_HELP:
			print_usage(argv[0]);
			exit(EXIT_SUCCESS);
		case OPT_REFUSED:
			return bad_opt(ENOTSUP, "option --%s is not supported: %s",
				       lopts[idx].name, opts[idx].why);
		default:
			return bad_opt(EINVAL, "unknown option %s", argv[optind - 1]);
		}
	}
	consumed = optind - 1;
	if (a->no_huge) {
		for (int i = 1; i < a->hm_argc; i++)
			if (strncmp(a->hm_argv[i], "--socket-mem", 12) == 0 ||
			    strncmp(a->hm_argv[i], "--huge-unlink", 13) == 0)
				return bad_opt(EINVAL, "option %s cannot be used with %s",
					       a->hm_argv[i], "--no-huge");
		if (add_hm_arg(a, "backend", "emu") < 0)
			return -1;
	}
	return consumed;
}

/* ---------------------------------------------------------------- init */

/* The default EAL lcores, in order: every lcore of the topology
 * (@p from_topology, after hm_init), else the CPUs this thread may run on as
 * lcore ids (< RTE_MAX_LCORE; every one exists in the EAL's own topology). */
static void
default_lcores(struct eal_args *a, bool from_topology)
{
	a->n_order = 0;
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++)
		if (from_topology ? hm_lcore_is_enabled(i) : CPU_ISSET(i, &eal.init_affinity))
			a->order[a->n_order++] = i;
}

/* Whether lcore @p id is one of the EAL lcores. */
static bool
lcore_listed(const struct eal_args *a, unsigned int id)
{
	for (unsigned int i = 0; i < a->n_order; i++)
		if (a->order[i] == id)
			return true;
	return false;
}

int
rte_eal_init(int argc, char **argv)
{
	struct eal_args a;
	struct hm_config cfg;
	const char *backend, *topo_env;
	bool synth_topo = false;
	rte_cpuset_t cpusets[RTE_MAX_LCORE];
	bool want_pin[RTE_MAX_LCORE];
	unsigned int main_lcore;
	char lcore_list[RTE_MAX_LCORE * 4 + 1];
	int consumed, rc;

	if (eal.up || hm_initialized()) {
		RTE_LOG(ERR, EAL, "rte_eal_init: already initialised\n");
		return eal_err(EALREADY);
	}
	if (argc < 1 || argv == NULL || argv[0] == NULL) {
		RTE_LOG(ERR, EAL, "rte_eal_init: argv must hold at least the program name\n");
		return eal_err(EINVAL);
	}
	memset(&a, 0, sizeof(a));
	if (pthread_getaffinity_np(pthread_self(), sizeof(eal.init_affinity),
				   &eal.init_affinity) != 0) {
		CPU_ZERO(&eal.init_affinity);
		CPU_SET(0, &eal.init_affinity);
	}
	consumed = parse_args(&a, argc, argv);
	if (consumed < 0)
		goto fail_args;

	hm_config_init(&cfg);
	rc = hm_config_parse(&cfg, a.hm_argc, a.hm_argv);
	if (rc < 0) {
		RTE_LOG(ERR, EAL, "%s\n", hm_last_error());
		rte_errno = -rc == ENOTSUP ? ENOTSUP : EINVAL;
		goto fail_args;
	}
	backend = cfg.backend != NULL ? cfg.backend : getenv("HUGEMEM_BACKEND");
	if (backend == NULL || *backend == '\0')
		backend = "emu";
	topo_env = getenv("HUGEMEM_TOPOLOGY");
	if (strcmp(backend, "emu") == 0 && cfg.topology == NULL &&
	    (topo_env == NULL || *topo_env == '\0')) {
		/* every lcore id exists, on one node: the EAL lcores are then
		 * chosen by -l / -c / --lcores (or the CPUs), the others are free
		 * for rte_thread_register, as in DPDK */
		cfg.topology = "lcores=0-127";
		synth_topo = true;
	}
	eal.has_hugepages = strcmp(backend, "hugetlbfs") == 0;
	eal.no_shconf = cfg.no_shconf || cfg.in_memory;
	eal.base_virtaddr = cfg.base_virtaddr != 0 ? cfg.base_virtaddr : 0x100000000ULL;

	/* the EAL lcores, known before hugemem starts: hm_init_config claims them all
	 * in one step of the process table (two processes starting at the same
	 * moment with disjoint -l both succeed), the calling thread on the main one */
	if (a.lcore_opt == NULL && synth_topo)
		default_lcores(&a, false);
	if (a.n_order > 0) {
		size_t off = 0;
		main_lcore = RTE_MAX_LCORE;
		for (unsigned int i = 0; i < a.n_order; i++) {
			off += (size_t)snprintf(lcore_list + off, sizeof(lcore_list) - off, "%s%u",
						i > 0 ? "," : "", a.order[i]);
			if (a.order[i] < main_lcore)
				main_lcore = a.order[i];
		}
		if (a.main_lcore >= 0 && !lcore_listed(&a, (unsigned int)a.main_lcore)) {
			RTE_LOG(ERR, EAL, "option --main-lcore: lcore %d is not an EAL lcore\n",
				a.main_lcore);
			rte_errno = EINVAL;
			goto fail_args;
		}
		cfg.lcores = lcore_list;
		cfg.main_lcore_set = true;
		cfg.main_lcore = a.main_lcore >= 0 ? (unsigned int)a.main_lcore : main_lcore;
	}

	eal_log_attach();
	rc = hm_init_config(&cfg); /* logs why it failed */
	if (rc < 0) {
		rte_errno = -rc;
		goto fail_log;
	}
	if (eal_mp_start() < 0) /* the rte_mp_* channel (eal_mp.c) */
		goto fail_hm;

	/* the EAL lcores */
	if (a.lcore_opt == NULL)
		default_lcores(&a, !synth_topo);
	if (a.n_order == 0) {
		RTE_LOG(ERR, EAL, "no lcore to run on (the topology has none of the CPUs "
			"this process may use: give -l)\n");
		rte_errno = EINVAL;
		goto fail_hm;
	}
	main_lcore = RTE_MAX_LCORE;
	for (unsigned int i = 0; i < a.n_order; i++) {
		unsigned int id = a.order[i];
		if (!hm_lcore_is_enabled(id)) {
			RTE_LOG(ERR, EAL, "option %s: lcore %u is not in the topology%s\n",
				a.lcore_opt, id, synth_topo ? "" : " (see --topology lcores=)");
			rte_errno = EINVAL;
			goto fail_hm;
		}
		if (id < main_lcore)
			main_lcore = id;
		if (a.has_cpuset[id]) {
			cpusets[id] = a.cpuset[id];
		} else {
			CPU_ZERO(&cpusets[id]);
			CPU_SET(id, &cpusets[id]);
		}
		/* pin where the machine allows: every CPU asked for is ours */
		rte_cpuset_t both;
		CPU_AND(&both, &cpusets[id], &eal.init_affinity);
		want_pin[id] = CPU_EQUAL(&both, &cpusets[id]);
		if (!want_pin[id])
			cpusets[id] = eal.init_affinity;
	}
	if (a.main_lcore >= 0) {
		if (!lcore_listed(&a, (unsigned int)a.main_lcore)) {
			RTE_LOG(ERR, EAL, "option --main-lcore: lcore %d is not an EAL lcore\n",
				a.main_lcore);
			rte_errno = EINVAL;
			goto fail_hm;
		}
		main_lcore = (unsigned int)a.main_lcore;
	}
	rc = hm_lcore_set_main(main_lcore);
	if (rc < 0) {
		RTE_LOG(ERR, EAL, "cannot make lcore %u the main lcore: %s\n", main_lcore,
			hm_last_error());
		rte_errno = -rc;
		goto fail_hm;
	}
	eal.nchannel = a.nchannel;
	eal.nrank = a.nrank;
	eal.worker_stack = a.worker_stack;
	eal.mbuf_pool_ops = a.mbuf_pool_ops;
	a.mbuf_pool_ops = NULL;
	eal_vect_force(a.simd);
	if (eal_tailqs_init() < 0) /* heads of the tailqs registered so far */
		goto fail_hm;
	/* the virtual devices (DPDK probes its buses here): hugemem's ethdev library
	 * when the program links it (a weak reference: a program without ports has none) */
	for (unsigned int i = 0; i < a.n_vdev; i++) {
		if (hm_ethdev_vdev_probe == NULL) {
			RTE_LOG(ERR, EAL, "option --vdev=%s: no virtual device driver in this "
				"program (net_hugemem is in hugemem's ethdev library, which `pkg-config "
				"--libs libdpdk` links when the program uses rte_eth_*)\n", a.vdev[i]);
			rte_errno = ENOTSUP;
			goto fail_hm;
		}
		rc = hm_ethdev_vdev_probe(a.vdev[i]);
		if (rc < 0) {
			RTE_LOG(ERR, EAL, "failed to initialize %s device (%s)\n", a.vdev[i],
				rte_strerror(-rc));
			rte_errno = -rc;
			goto fail_hm;
		}
	}
	/* a secondary's ports: the primary's (hugemem's ethdev library, if linked) */
	if (hm_ethdev_attach != NULL) {
		rc = hm_ethdev_attach();
		if (rc < 0) {
			RTE_LOG(ERR, EAL, "cannot attach to the primary's ports (%s)\n",
				rte_strerror(-rc));
			rte_errno = -rc;
			goto fail_hm;
		}
	}
	if (eal_lcores_start(a.order, a.n_order, main_lcore, cpusets, want_pin) < 0)
		goto fail_hm;
	eal.up = true;
	eal_mp_ready();
	mempool_ops_sync(); /* rte_mempool_ops_table shows every backend from now on */
	if (a.version)
		RTE_LOG(INFO, EAL, "RTE Version: '%s'\n", rte_version());
	free_args(&a);
	argv[consumed] = argv[0];
	return consumed;

fail_hm:
	rc = rte_errno;
	if (hm_ethdev_release_all != NULL)
		hm_ethdev_release_all();
	eal_tailqs_fini();
	free(eal.mbuf_pool_ops);
	eal.mbuf_pool_ops = NULL;
	eal_vect_force(0);
	eal_mp_stop();
	hm_cleanup();
	rte_errno = rc;
fail_log:
	eal_log_detach();
fail_args:
	free_args(&a);
	return -1;
}

int
rte_eal_cleanup(void)
{
	if (!eal.up) {
		RTE_LOG(WARNING, EAL, "rte_eal_cleanup: not initialised\n");
		return eal_err(EALREADY);
	}
	if (rte_lcore_id() != eal.main_lcore) {
		RTE_LOG(ERR, EAL, "rte_eal_cleanup: only the main lcore can clean up\n");
		return eal_err(EPERM);
	}
	eal_lcores_stop();
	if (hm_ethdev_release_all != NULL)
		hm_ethdev_release_all(); /* ports the application did not close */
	eal_timer_fini();
	eal_tailqs_fini();
	eal_mp_stop(); /* before hugemem: its socket goes before the runtime dir */
	hm_cleanup();
	eal_memory_fini();
	eal_log_detach();
	eal_vect_force(0);
	free(eal.mbuf_pool_ops);
	eal.mbuf_pool_ops = NULL;
	eal.nchannel = eal.nrank = 0;
	eal.up = false;
	return 0;
}

/* ---------------------------------------------------------------- the rest */

enum rte_proc_type_t
rte_eal_process_type(void)
{
	/* before rte_eal_init: primary, as DPDK's default configuration says */
	return hm_proc_type() == HM_PROC_SECONDARY ? RTE_PROC_SECONDARY : RTE_PROC_PRIMARY;
}

int
rte_eal_iopl_init(void)
{
#if defined(__x86_64__)
	return iopl(3) == 0 ? 0 : -1;
#else
	return -1;
#endif
}

int
rte_eal_primary_proc_alive(const char *config_file_path)
{
	char path[PATH_MAX];
	int fd, rc;

	if (config_file_path == NULL) {
		const char *dir = eal.up ? hm_runtime_dir() : NULL;
		if (dir == NULL || *dir == '\0')
			return 0;
		snprintf(path, sizeof(path), "%s/config", dir);
		config_file_path = path;
	}
	fd = open(config_file_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* F_TEST: is a region locked by another process? */
	rc = lockf(fd, F_TEST, 0);
	close(fd);
	return rc != 0;
}

rte_usage_hook_t
rte_set_application_usage_hook(rte_usage_hook_t usage_func)
{
	rte_usage_hook_t old = usage_hook;

	usage_hook = usage_func;
	return old;
}

int
rte_eal_has_hugepages(void)
{
	return eal.up && eal.has_hugepages;
}

int
rte_eal_has_pci(void)
{
	return 0;
}

int
rte_eal_create_uio_dev(void)
{
	return 0;
}

enum rte_intr_mode
rte_eal_vfio_intr_mode(void)
{
	return RTE_INTR_MODE_NONE;
}

void
rte_eal_vfio_get_vf_token(rte_uuid_t vf_token)
{
	memset(vf_token, 0, sizeof(rte_uuid_t));
}

int
rte_sys_gettid(void)
{
	return (int)syscall(SYS_gettid);
}

uint64_t
rte_eal_get_baseaddr(void)
{
	return eal.base_virtaddr != 0 ? eal.base_virtaddr : 0x100000000ULL;
}

enum rte_iova_mode
rte_eal_iova_mode(void)
{
	int va = hm_memseg_iova_is_va();

	return va < 0 ? RTE_IOVA_DC : va ? RTE_IOVA_VA : RTE_IOVA_PA;
}

const char *
rte_eal_mbuf_user_pool_ops(void)
{
	return eal.mbuf_pool_ops;
}

const char *
rte_eal_get_runtime_dir(void)
{
	const char *d = eal.up ? hm_runtime_dir() : NULL;

	return d != NULL ? d : "";
}

int
rte_eal_parse_coremask(const char *coremask, int *cores)
{
	int tmp[RTE_MAX_LCORE], n = 0;
	size_t len;

	if (coremask == NULL || cores == NULL)
		return -1;
	while (*coremask == ' ' || *coremask == '\t')
		coremask++;
	if (coremask[0] == '0' && (coremask[1] == 'x' || coremask[1] == 'X'))
		coremask += 2;
	len = strlen(coremask);
	while (len > 0 && (coremask[len - 1] == ' ' || coremask[len - 1] == '\t'))
		len--;
	if (len == 0)
		return -1;
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++)
		tmp[i] = -1;
	/* the last digit holds lcores 0-3 */
	for (size_t k = 0; k < len; k++) {
		char c = coremask[len - 1 - k];
		int v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		for (unsigned int b = 0; b < 4; b++) {
			size_t id = k * 4 + b;
			if (!(v & (1 << b)))
				continue;
			if (id >= RTE_MAX_LCORE)
				return -1;
			tmp[id] = 0;
		}
	}
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++)
		cores[i] = tmp[i] < 0 ? -1 : n++;
	return 0;
}

/* ---------------------------------------------------------------- validator */

int
hm_dpdk_check(const char **reason)
{
	const char *why = NULL;
	unsigned int n_rte = 0;
	int rc;

	if (!eal.up) {
		if (reason != NULL)
			*reason = "the EAL is not initialised";
		return -ENODEV;
	}
	pthread_rwlock_rdlock(&eal.lcore_lock); /* roles of non-EAL lcores */
	if (!hm_initialized())
		why = "the EAL is up but hugemem is not";
	else if (eal.main_lcore >= RTE_MAX_LCORE || eal.lc[eal.main_lcore].role != ROLE_RTE)
		why = "the main lcore is not an EAL lcore";
	else if (eal.lc[eal.main_lcore].has_thread)
		why = "the main lcore has a worker thread";
	for (unsigned int i = 0; i < RTE_MAX_LCORE && why == NULL; i++) {
		const struct eal_lcore *l = &eal.lc[i];

		if (l->role == ROLE_RTE) {
			n_rte++;
			if (l->core_index < 0 || l->core_index >= RTE_MAX_LCORE)
				why = "an EAL lcore has no index";
			else if (i != eal.main_lcore && !l->has_thread)
				why = "a worker lcore has no thread";
			else if (!hm_lcore_is_enabled(i))
				why = "an EAL lcore is not in hugemem's topology";
		} else if (l->has_thread || l->core_index != -1) {
			why = "an lcore that is not an EAL lcore has a thread or an index";
		}
		if (l->has_thread && l->state != WAIT && l->state != RUNNING)
			why = "a worker is in no state";
	}
	/* indexes are 0..n-1, each once */
	for (unsigned int k = 0; k < n_rte && why == NULL; k++) {
		unsigned int hits = 0;
		for (unsigned int i = 0; i < RTE_MAX_LCORE; i++)
			hits += eal.lc[i].role == ROLE_RTE && eal.lc[i].core_index == (int)k;
		if (hits != 1)
			why = "EAL lcore indexes are not 0..n-1 each once";
	}
	pthread_rwlock_unlock(&eal.lcore_lock);
	if (why == NULL)
		why = eal_tailq_check();
	if (why == NULL)
		why = eal_timer_check();
	if (why != NULL) {
		if (reason != NULL)
			*reason = why;
		return -EFAULT;
	}
	rc = eal_mp_check(&why);
	if (rc < 0) {
		if (reason != NULL)
			*reason = why;
		return rc;
	}
	rc = hm_lcore_check(reason);
	if (rc == 0)
		rc = hm_memseg_check(reason);
	if (rc == 0)
		rc = hm_malloc_check(reason);
	if (rc == 0)
		rc = hm_memzone_check(reason);
	return rc;
}
