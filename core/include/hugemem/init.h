/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lifecycle: options, hm_init, hm_cleanup. init -> cleanup -> init works in one
 * process any number of times and leaves no file, fd or mapping behind.
 *
 * Options (DPDK-style, getopt_long; docs/options.md has the full table):
 *   --backend=NAME        emu (default; $HUGEMEM_BACKEND)
 *   --topology=SPEC       backend topology ($HUGEMEM_TOPOLOGY), e.g. for emu
 *                         "nodes=2;2M=512,512;lcores=0@0,1@1;iova=shuffled;seed=7"
 *   --fault=SPEC          backend fault injection from the start ($HUGEMEM_FAULT)
 *   -m, --memory=SIZE     preallocate SIZE (MiB, or with a K/M/G suffix), split
 *                         over nodes by lcore count
 *   --socket-mem=A,B,...  preallocate per node (MiB or suffixed)
 *   --socket-limit=A,B,.. cap per node (0 = none)
 *   --file-prefix=NAME    runtime dir <run>/hugemem/NAME, page file prefix
 *   --runtime-dir=DIR     base runtime dir ($HUGEMEM_RUNTIME_DIR)
 *   --in-memory           no files at all (implies --no-shconf)
 *   --no-shconf           no shared config files
 *   --base-virtaddr=ADDR  VA hint for every reservation
 *   --iova-mode=pa|va     IOVA as (synthetic or real) PA, or as VA
 *   --legacy-mem          map all memory at init, sorted by IOVA; no growth
 *   --log-level=LEVEL     emerg..debug, or DPDK's numbers 1..8
 *   --mempool-debug[=on|off]  object cookies checked on every get/put of new pools
 *   --proc-type=primary|secondary|auto  create the instance (default) or attach
 *                         to a running primary's (hugemem/mp.h)
 *   --mp-timeout=MS       multi-process waits (default 5000)
 *   -l, --lcores=LIST     lcore ids this process takes at init, all or none
 *                         ("0-3,5"; default: the lowest free one)
 *   --main-lcore=ID       the calling thread's lcore id (default: the lowest)
 *   --max-memzones=N      memzone table capacity (1..HM_MEMZONE_MAX_LIMIT)
 *   --allow-leaks         hm_cleanup returns 0 even when objects were still live
 *   --no-telemetry        no telemetry server (hugemem/telemetry.h)
 *   --leak-heapmap=PREFIX heap maps of the leaked blocks at hm_cleanup
 *   --huge-dir, --huge-unlink, --single-file-segments: hugetlbfs backend only
 *
 * Environment (hm_init, hm_config_from_env): every option --NAME has the default
 * $HUGEMEM_<NAME> (upper case, '-' as '_': HUGEMEM_HUGE_DIR, HUGEMEM_FILE_PREFIX,
 * HUGEMEM_MEMORY for -m; flags take 1/on/yes/true or 0/off/no/false), then
 * $HUGEMEM_OPTS, one line of options split like a shell command line, is
 * parsed over them, and argv last: the command line wins.
 */
#ifndef HUGEMEM_INIT_H
#define HUGEMEM_INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hugemem/common.h"
#include "hugemem/memseg.h"
#include "hugemem/mp.h"

#ifdef __cplusplus
extern "C" {
#endif

enum hm_iova_mode {
	HM_IOVA_DC = 0, /* don't care: the backend's natural mode (emu: pa) */
	HM_IOVA_PA,
	HM_IOVA_VA,
};

enum hm_huge_unlink {
	HM_HUGE_UNLINK_EXISTING = 0, /* delete leftover page files at start (default) */
	HM_HUGE_UNLINK_ALWAYS,       /* unlink each page file right after mapping it */
	HM_HUGE_UNLINK_NEVER,        /* reuse leftover files as (dirty) pages */
};

/** Everything hm_init understands. Strings must outlive the hm_init_config call. */
struct hm_config {
	const char *backend;      /* NULL: $HUGEMEM_BACKEND, else "emu" */
	const char *topology;     /* NULL: $HUGEMEM_TOPOLOGY, else the backend default */
	const char *fault;        /* NULL: $HUGEMEM_FAULT, else none */
	uint64_t memory;          /* -m, bytes; 0 = no preallocation */
	uint64_t socket_mem[HM_MAX_NUMA_NODES];   /* bytes per node */
	bool socket_mem_set;
	uint64_t socket_limit[HM_MAX_NUMA_NODES]; /* bytes per node; 0 = none */
	bool socket_limit_set;
	const char *file_prefix;  /* NULL: "hugemem" */
	const char *runtime_dir;  /* NULL: $HUGEMEM_RUNTIME_DIR, $RUNTIME_DIRECTORY/hugemem, /var/run/hugemem (root), $XDG_RUNTIME_DIR/hugemem, /tmp/hugemem-<euid> */
	bool in_memory;
	bool no_shconf;
	bool legacy_mem;
	uint64_t base_virtaddr;   /* 0: default hint (4 GiB) */
	enum hm_iova_mode iova_mode;
	int log_level;            /* -1: leave as is */
	/* hugetlbfs backend only: */
	const char *huge_dir;
	enum hm_huge_unlink huge_unlink;
	bool huge_unlink_set;
	bool single_file_segments;
	/* list sizing caps; zeros mean DPDK's defaults */
	struct hm_memseg_limits limits;
	unsigned int max_memzones; /* --max-memzones: memzone table capacity; 0:
				      HM_MEMZONE_MAX_DEFAULT (2560); at most HM_MEMZONE_MAX_LIMIT */
	/* blocks per size class in each lcore's malloc cache (--malloc-cache):
	 * 0: HM_MALLOC_CACHE_DEFAULT; else even, 2..HM_MALLOC_CACHE_MAX */
	unsigned int malloc_cache;
	bool no_malloc_cache;      /* --malloc-cache=0: every free goes to the heap */
	/* --mempool-debug: new pools keep and check object cookies (HM_MEMPOOL_F_DEBUG).
	 * Unset: on when the library is a debug build, off in release builds. */
	bool mempool_debug_set;
	bool mempool_debug;
	/* --allow-leaks: hm_cleanup returns 0 even when mempools, rings, memzones or
	 * malloc blocks were still live (they are logged and released either way).
	 * Appended in hugemem 0.2. */
	bool allow_leaks;
	/* --no-telemetry: no telemetry server thread and socket (hugemem/telemetry.h);
	 * by default hm_init starts one, as DPDK does */
	bool no_telemetry;
	/* --leak-heapmap=PREFIX: when hm_cleanup finds leaks, each heap holding
	 * busy blocks is drawn (hugemem/heapmap.h) as PREFIX<heap id>.svg; NULL:
	 * none. Appended in hugemem 0.2. */
	const char *leak_heapmap;
	/* --proc-type (appended after leak_heapmap): HM_PROC_PRIMARY (0, default), _SECONDARY or _AUTO */
	enum hm_proc_type proc_type;
	/* --mp-timeout: ms a secondary waits for its primary's init and a page map
	 * change waits for every process; 0: 5000 */
	unsigned int mp_timeout_ms;
	/* -l / --lcores=LIST (appended after mp_timeout_ms): the lcore ids this
	 * process takes at init, e.g. "2-3,5" (DPDK's -l): all of them in one step,
	 * or hm_init fails with -EBUSY naming the id and the process that holds it
	 * and takes none. The calling thread becomes main_lcore (main_lcore_set) or
	 * the lowest; other threads get the rest from hm_thread_register first.
	 * NULL and !main_lcore_set: one id, the lowest no live process uses. */
	const char *lcores;
	/* --main-lcore=ID: the calling thread's lcore id; one of lcores (alone: the
	 * set is just ID). Valid when main_lcore_set. */
	bool main_lcore_set;
	unsigned int main_lcore;
};

/** Defaults: everything zero / NULL, log_level -1. */
void hm_config_init(struct hm_config *cfg);

/**
 * Parse DPDK-style options from argv[1..] into @p cfg (which keeps pointers into
 * argv). Parsing stops at "--" or the first non-option argument.
 * @return the number of options consumed ("--" included, argv[0] not), or
 *   -EINVAL with hm_last_error() naming the bad option and the valid values;
 *   -ENOTSUP for an option of a backend that is not built. @p cfg is unchanged
 *   on failure.
 */
int hm_config_parse(struct hm_config *cfg, int argc, char **argv);

/**
 * Split @p line into words as a POSIX shell would without expansions (blanks
 * separate words; '...' is literal; "..." keeps blanks and a backslash escapes
 * " and \ in it; a backslash outside quotes escapes the next character) and
 * parse them like hm_config_parse. Every word must be an option. The words are
 * stored in @p buf, which @p cfg then points into: strlen(line) + 1 bytes always
 * suffice, and @p buf must outlive the use of @p cfg.
 * @return the number of words; -EINVAL (unterminated quote, a word that is not
 *   an option, a bad option: hm_last_error() says which), -ENOTSUP (an option of
 *   a backend that is not built), -ENOSPC (@p buf too small), -E2BIG (more than
 *   64 words). @p cfg is unchanged on failure.
 */
int hm_config_parse_line(struct hm_config *cfg, const char *line, char *buf, size_t len);

/**
 * Apply the environment defaults hm_init applies before argv: $HUGEMEM_<NAME>
 * for every option --NAME, then the options of $HUGEMEM_OPTS. For programs that
 * build a config and call hm_config_parse / hm_init_config themselves.
 * @p cfg then points into the environment and into a static buffer (the words
 * of $HUGEMEM_OPTS) that the next call reuses; not thread-safe (as getopt).
 * @return 0; -EINVAL / -ENOTSUP with hm_last_error() naming the variable (a bad
 *   value, or an option of another backend than the selected one, e.g.
 *   HUGEMEM_HUGE_DIR with the emu backend). @p cfg is unchanged on failure.
 */
int hm_config_from_env(struct hm_config *cfg);

/**
 * Start hugemem: runtime dir, shared config, backend, lcores, memseg lists,
 * preallocation. On failure nothing is left behind.
 * @return 0; -EALREADY (already initialised), -EINVAL / -ENOTSUP (bad config,
 *   message in hm_last_error(); -ENOTSUP also in a process forked from an
 *   initialised one that left its instance at hm_cleanup), -EBUSY (another
 *   primary owns the runtime dir), -ENOMEM (preallocation impossible), or
 *   another -errno from the system.
 */
int hm_init_config(const struct hm_config *cfg);

/**
 * hm_config_from_env + hm_config_parse + hm_init_config (the environment gives
 * defaults, argv wins), with DPDK's return convention: the number n
 * of options consumed, and argv[n] is set to argv[0], so that after
 * `argc -= n; argv += n;` argv[0] is still the program name. -errno on failure.
 */
int hm_init(int argc, char **argv);

/**
 * Release everything hm_init created: pages, lists, config, files, mappings.
 * What the application still holds is a leak: each mempool (with its ring and
 * memzones), ring, memzone and malloc block still live is logged at WARNING
 * ("hm_cleanup: leaked ...", as hm_leak_report lists them) and released too.
 * Blocks waiting in lcore malloc caches are not leaks. With
 * hm_config.leak_heapmap (--leak-heapmap=PREFIX), each heap holding leaked
 * blocks is first drawn as PREFIX<heap id>.svg (a file that exists must be a
 * regular file of ours: no symlink is followed; a failure is a WARNING).
 * hugemem is shut down whatever this returns.
 *
 * In a process forked (without exec) from the one that called hm_init, the
 * instance stays with that process: hm_cleanup releases only this process's
 * own copies (its mappings of the config, lists and pages, inherited fds, its
 * libc memory), touches no shared file, lock, process-table slot, lcore id or
 * socket, counts no leak (the objects are the other process's), logs at INFO
 * that the instance stays with pid N and returns 0. hm_init is then refused in
 * that process (-ENOTSUP): exec to start a new instance. docs/multiprocess.md,
 * "fork without exec".
 * @return 0; -EBUSY when something leaked, unless hm_config.allow_leaks
 *   (--allow-leaks) was set at init; -EALREADY when not initialised.
 */
int hm_cleanup(void);

/**
 * What hm_cleanup would report as leaked if it ran now, one line per object on
 * @p f (may be NULL): "  leak: mempool 'p': ...", "  leak: ring 'r': ...",
 * "  leak: memzone 'z': <len> bytes, socket <n>", "  leak: malloc: <n> block(s)
 * of type 't', <bytes> bytes". A mempool's or ring's own memzones are reported
 * as that object, not as memzones.
 * @return the number of leaked objects (a mempool, ring or memzone counts one,
 *   each malloc block one); 0 when not initialised.
 */
unsigned int hm_leak_report(FILE *f);

/** 1 between a successful hm_init and hm_cleanup. */
int hm_initialized(void);

/** Running backend instance (NULL when not initialised). */
struct hm_backend *hm_backend_get(void);

/** <run>/hugemem/<prefix> of the running instance, or NULL. */
const char *hm_runtime_dir(void);

/** The usage text of hm_init's options, for applications' --help. */
const char *hm_usage(void);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_INIT_H */
