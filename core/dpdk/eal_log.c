/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_log, rte_errno, rte_strerror, panics and rte_exit.
 *
 * Log types: a table of names and levels; ids 0..31 are DPDK's static types
 * (names as in DPDK: "lib.eal", ..., "user1".."user8"; 21..23 unnamed), ids from
 * RTE_LOGTYPE_FIRST_EXT_ID on are registered by name. Every type starts at INFO,
 * the global level at DEBUG. Level options (--log-level TYPE:LEVEL, patterns,
 * regexps) are remembered in order, so a type registered later takes the level
 * of the last one that matches it. The table has a fixed capacity (LOG_TYPES_MAX)
 * and only grows; a mutex guards changes, levels and the count are read
 * without it (aligned 32-bit values).
 */
#include <errno.h>
#include <execinfo.h>
#include <fnmatch.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_debug.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "dpdk_i.h"
#include "hugemem/common.h"

RTE_DEFINE_PER_LCORE(int, _rte_errno);

struct log_type {
	char *name;      /* NULL: unused id */
	uint32_t level;
};

struct level_opt {
	char *pattern;
	bool regex;
	uint32_t level;
};

#define LOG_TYPES_MAX 1024

static struct log_type types[LOG_TYPES_MAX];

static struct {
	pthread_mutex_t mu;
	bool ready;               /* the static types are in */
	size_t n_types;
	struct level_opt *opts;
	size_t n_opts;
	uint32_t global;
	FILE *stream;            /* NULL: stderr */
	bool hm_attached;
	enum hm_log_level hm_level; /* hugemem's level before eal_log_attach */
} lg = { .mu = PTHREAD_MUTEX_INITIALIZER, .global = RTE_LOG_DEBUG };

static __thread int cur_level = -1, cur_type = -1;

static const char *const static_names[RTE_LOGTYPE_FIRST_EXT_ID] = {
	[RTE_LOGTYPE_EAL] = "lib.eal",
	[RTE_LOGTYPE_MALLOC] = "lib.malloc",
	[RTE_LOGTYPE_RING] = "lib.ring",
	[RTE_LOGTYPE_MEMPOOL] = "lib.mempool",
	[RTE_LOGTYPE_TIMER] = "lib.timer",
	[RTE_LOGTYPE_PMD] = "pmd",
	[RTE_LOGTYPE_HASH] = "lib.hash",
	[RTE_LOGTYPE_LPM] = "lib.lpm",
	[RTE_LOGTYPE_KNI] = "lib.kni",
	[RTE_LOGTYPE_ACL] = "lib.acl",
	[RTE_LOGTYPE_POWER] = "lib.power",
	[RTE_LOGTYPE_METER] = "lib.meter",
	[RTE_LOGTYPE_SCHED] = "lib.sched",
	[RTE_LOGTYPE_PORT] = "lib.port",
	[RTE_LOGTYPE_TABLE] = "lib.table",
	[RTE_LOGTYPE_PIPELINE] = "lib.pipeline",
	[RTE_LOGTYPE_MBUF] = "lib.mbuf",
	[RTE_LOGTYPE_CRYPTODEV] = "lib.cryptodev",
	[RTE_LOGTYPE_EFD] = "lib.efd",
	[RTE_LOGTYPE_EVENTDEV] = "lib.eventdev",
	[RTE_LOGTYPE_GSO] = "lib.gso",
	[RTE_LOGTYPE_USER1] = "user1",
	[RTE_LOGTYPE_USER2] = "user2",
	[RTE_LOGTYPE_USER3] = "user3",
	[RTE_LOGTYPE_USER4] = "user4",
	[RTE_LOGTYPE_USER5] = "user5",
	[RTE_LOGTYPE_USER6] = "user6",
	[RTE_LOGTYPE_USER7] = "user7",
	[RTE_LOGTYPE_USER8] = "user8",
};

static const char *const level_names[] = {
	NULL, "emergency", "alert", "critical", "error", "warning", "notice", "info", "debug",
};

/* pre: lg.mu held. Creates the static types on first use. @return 0 or -ENOMEM. */
static int
table_ready(void)
{
	if (lg.ready)
		return 0;
	for (size_t i = 0; i < RTE_LOGTYPE_FIRST_EXT_ID; i++) {
		types[i].level = RTE_LOG_INFO;
		if (static_names[i] != NULL && types[i].name == NULL &&
		    (types[i].name = strdup(static_names[i])) == NULL)
			return -ENOMEM;
	}
	__atomic_store_n(&lg.n_types, (size_t)RTE_LOGTYPE_FIRST_EXT_ID, __ATOMIC_RELEASE);
	__atomic_store_n(&lg.ready, true, __ATOMIC_RELEASE);
	return 0;
}

static void
ensure_table(void)
{
	if (__atomic_load_n(&lg.ready, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&lg.mu);
	table_ready();
	pthread_mutex_unlock(&lg.mu);
}

static bool
level_ok(uint32_t level)
{
	return level >= RTE_LOG_EMERG && level <= RTE_LOG_MAX;
}

static bool
opt_matches(const struct level_opt *o, const char *name)
{
	regex_t re;
	bool m;

	if (!o->regex)
		return fnmatch(o->pattern, name, 0) == 0;
	if (regcomp(&re, o->pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	m = regexec(&re, name, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

int
rte_openlog_stream(FILE *f)
{
	__atomic_store_n(&lg.stream, f, __ATOMIC_RELEASE);
	return 0;
}

FILE *
rte_log_get_stream(void)
{
	FILE *f = __atomic_load_n(&lg.stream, __ATOMIC_ACQUIRE);

	return f != NULL ? f : stderr;
}

void
rte_log_set_global_level(uint32_t level)
{
	__atomic_store_n(&lg.global, level, __ATOMIC_RELAXED);
}

uint32_t
rte_log_get_global_level(void)
{
	return __atomic_load_n(&lg.global, __ATOMIC_RELAXED);
}

int
rte_log_get_level(uint32_t logtype)
{
	ensure_table();
	if (logtype >= __atomic_load_n(&lg.n_types, __ATOMIC_ACQUIRE))
		return -1;
	return (int)__atomic_load_n(&types[logtype].level, __ATOMIC_RELAXED);
}

bool
rte_log_can_log(uint32_t logtype, uint32_t loglevel)
{
	int tl = rte_log_get_level(logtype);

	return tl >= 0 && loglevel <= rte_log_get_global_level() && loglevel <= (uint32_t)tl;
}

int
rte_log_set_level(uint32_t logtype, uint32_t level)
{
	int rc = -1;

	if (!level_ok(level))
		return -1;
	pthread_mutex_lock(&lg.mu);
	if (table_ready() == 0 && logtype < lg.n_types && types[logtype].name != NULL) {
		__atomic_store_n(&types[logtype].level, level, __ATOMIC_RELAXED);
		rc = 0;
	}
	pthread_mutex_unlock(&lg.mu);
	return rc;
}

static int
set_by_match(const char *pattern, bool regex, uint32_t level)
{
	struct level_opt o = { .regex = regex, .level = level }, *no;
	regex_t re;

	if (pattern == NULL || !level_ok(level))
		return -1;
	if (regex) {
		if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
			return -1;
		regfree(&re);
	}
	o.pattern = strdup(pattern);
	if (o.pattern == NULL)
		return -1;
	pthread_mutex_lock(&lg.mu);
	if (table_ready() < 0 ||
	    (no = realloc(lg.opts, (lg.n_opts + 1) * sizeof(*lg.opts))) == NULL) {
		pthread_mutex_unlock(&lg.mu);
		free(o.pattern);
		return -1;
	}
	lg.opts = no;
	lg.opts[lg.n_opts++] = o;
	for (size_t i = 0; i < lg.n_types; i++)
		if (types[i].name != NULL && opt_matches(&o, types[i].name))
			__atomic_store_n(&types[i].level, level, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&lg.mu);
	return 0;
}

int
rte_log_set_level_pattern(const char *pattern, uint32_t level)
{
	return set_by_match(pattern, false, level);
}

int
rte_log_set_level_regexp(const char *regex, uint32_t level)
{
	return set_by_match(regex, true, level);
}

int
rte_log_cur_msg_loglevel(void)
{
	return cur_level;
}

int
rte_log_cur_msg_logtype(void)
{
	return cur_type;
}

/* pre: lg.mu held, table ready. @return the id or -errno. */
static int
register_locked(const char *name)
{
	for (size_t i = 0; i < lg.n_types; i++)
		if (types[i].name != NULL && strcmp(types[i].name, name) == 0)
			return (int)i;
	if (lg.n_types == LOG_TYPES_MAX)
		return -ENOMEM;
	types[lg.n_types].name = strdup(name);
	if (types[lg.n_types].name == NULL)
		return -ENOMEM;
	types[lg.n_types].level = RTE_LOG_INFO;
	__atomic_store_n(&lg.n_types, lg.n_types + 1, __ATOMIC_RELEASE);
	return (int)lg.n_types - 1;
}

static int
do_register(const char *name, bool pick, uint32_t level_def)
{
	int id;

	if (name == NULL || name[0] == '\0')
		return -EINVAL;
	pthread_mutex_lock(&lg.mu);
	id = table_ready();
	if (id == 0)
		id = register_locked(name);
	if (id >= 0 && pick) {
		uint32_t level = level_ok(level_def) ? level_def : RTE_LOG_INFO;
		for (size_t i = 0; i < lg.n_opts; i++)
			if (opt_matches(&lg.opts[i], name))
				level = lg.opts[i].level;
		__atomic_store_n(&types[id].level, level, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&lg.mu);
	return id;
}

int
rte_log_register(const char *name)
{
	return do_register(name, false, 0);
}

int
rte_log_register_type_and_pick_level(const char *name, uint32_t level_def)
{
	return do_register(name, true, level_def);
}

static const char *
level_name(uint32_t l)
{
	return l >= 1 && l <= RTE_LOG_MAX ? level_names[l] : "unknown";
}

void
rte_log_list_types(FILE *out, const char *prefix)
{
	if (out == NULL)
		return;
	pthread_mutex_lock(&lg.mu);
	if (table_ready() == 0)
		for (size_t i = 0; i < lg.n_types; i++)
			if (types[i].name != NULL)
				fprintf(out, "%s%s\n", prefix != NULL ? prefix : "",
					types[i].name);
	pthread_mutex_unlock(&lg.mu);
}

void
rte_log_dump(FILE *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&lg.mu);
	fprintf(f, "global log level is %s\n", level_name(rte_log_get_global_level()));
	if (table_ready() == 0)
		for (size_t i = 0; i < lg.n_types; i++)
			if (types[i].name != NULL)
				fprintf(f, "id %zu: %s, level is %s\n", i, types[i].name,
					level_name(types[i].level));
	pthread_mutex_unlock(&lg.mu);
}

int
rte_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
{
	FILE *f = rte_log_get_stream();

	ensure_table();
	if (logtype >= __atomic_load_n(&lg.n_types, __ATOMIC_ACQUIRE))
		return -1;
	if (!rte_log_can_log(logtype, level))
		return 0;
	cur_level = (int)level;
	cur_type = (int)logtype;
	vfprintf(f, format, ap);
	fflush(f);
	return 0;
}

int
rte_log(uint32_t level, uint32_t logtype, const char *format, ...)
{
	va_list ap;
	int rc;

	va_start(ap, format);
	rc = rte_vlog(level, logtype, format, ap);
	va_end(ap);
	return rc;
}

/* ---------------------------------------------------------------- --log-level */

static int
parse_level(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;
	size_t len = strlen(s);

	if (len == 0)
		return -1;
	v = strtoul(s, &end, 10);
	if (*end == '\0' && s[0] >= '0' && s[0] <= '9') {
		if (v < RTE_LOG_EMERG || v > RTE_LOG_MAX)
			return -1;
		*out = (uint32_t)v;
		return 0;
	}
	for (uint32_t l = RTE_LOG_EMERG; l <= RTE_LOG_MAX; l++)
		if (strncmp(s, level_names[l], len) == 0) {
			*out = l;
			return 0;
		}
	return -1;
}

int
eal_log_option(const char *arg)
{
	const char *sep = strchr(arg, ':');
	bool regex = false;
	uint32_t level;
	char *pat;
	int rc;

	if (sep == NULL) {
		sep = strchr(arg, ',');
		regex = true;
	}
	if (sep == NULL) {
		if (parse_level(arg, &level) < 0)
			return -1;
		rte_log_set_global_level(level);
		return 0;
	}
	if (sep == arg || parse_level(sep + 1, &level) < 0)
		return -1;
	pat = strndup(arg, (size_t)(sep - arg));
	if (pat == NULL)
		return -1;
	rc = set_by_match(pat, regex, level);
	free(pat);
	return rc;
}

/* ---------------------------------------------------------------- hugemem's log */

static void
hm_bridge(enum hm_log_level level, const char *msg, void *arg)
{
	uint32_t l = (uint32_t)level + 1;

	(void)arg;
	rte_log(l > RTE_LOG_MAX ? RTE_LOG_MAX : l, RTE_LOGTYPE_EAL, "EAL: %s\n", msg);
}

void
eal_log_attach(void)
{
	if (lg.hm_attached)
		return;
	lg.hm_level = hm_log_get_level();
	hm_log_set_hook(hm_bridge, NULL);
	hm_log_set_level(HM_LOG_DEBUG); /* rte_log filters */
	lg.hm_attached = true;
}

void
eal_log_detach(void)
{
	if (!lg.hm_attached)
		return;
	hm_log_set_hook(NULL, NULL);
	hm_log_set_level(lg.hm_level);
	lg.hm_attached = false;
}

/* ---------------------------------------------------------------- errors, panics */

const char *
rte_strerror(int errnum)
{
	static __thread char buf[256];
	const char *s;

	switch (errnum) {
	case E_RTE_SECONDARY:
		return "Invalid call in secondary process";
	case E_RTE_NO_CONFIG:
		return "Missing rte_config structure";
	default:
		s = strerror_r(errnum, buf, sizeof(buf));
		if (s != buf)
			snprintf(buf, sizeof(buf), "%s", s);
		return buf;
	}
}

void
rte_dump_stack(void)
{
	void *frames[64];
	int n = backtrace(frames, 64);
	char **sym = backtrace_symbols(frames, n);

	for (int i = 0; i < n; i++)
		rte_log(RTE_LOG_ERR, RTE_LOGTYPE_EAL, "%d: [%s]\n", n - i,
			sym != NULL ? sym[i] : "?");
	free(sym);
}

void
__rte_panic(const char *funcname, const char *format, ...)
{
	va_list ap;

	rte_log(RTE_LOG_CRIT, RTE_LOGTYPE_EAL, "PANIC in %s():\n", funcname);
	va_start(ap, format);
	rte_vlog(RTE_LOG_CRIT, RTE_LOGTYPE_EAL, format, ap);
	va_end(ap);
	rte_dump_stack();
	abort();
}

void
rte_exit(int exit_code, const char *format, ...)
{
	va_list ap;

	if (exit_code != 0)
		RTE_LOG(CRIT, EAL, "Error - exiting with code: %d\n  Cause: ", exit_code);
	va_start(ap, format);
	rte_vlog(RTE_LOG_CRIT, RTE_LOGTYPE_EAL, format, ap);
	va_end(ap);
	if (eal.up && rte_eal_cleanup() != 0)
		RTE_LOG(CRIT, EAL, "EAL could not release all resources\n");
	exit(exit_code);
}
