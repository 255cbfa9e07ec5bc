/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem telemetry: DPDK 22.11's telemetry v2 protocol, served so that DPDK's own
 * client (`dpdk-telemetry.py -f <file-prefix>`) reads a running hugemem process.
 *
 * The server. hm_init starts one thread (unless --no-telemetry) once init has
 * succeeded; hm_cleanup stops it (joined, socket removed). It listens on a
 * SOCK_SEQPACKET unix socket where DPDK's client looks for a process of that
 * --file-prefix: <dir>/dpdk/<prefix>/dpdk_telemetry.v2, <dir> being
 * $RUNTIME_DIRECTORY, else /var/run for root, else $XDG_RUNTIME_DIR, else /tmp.
 * (hugemem's own runtime dir is <...>/hugemem/<prefix>; the telemetry directory
 * is a separate one, made 0700 and checked private.) When that name is taken by
 * another live hugemem process (an --in-memory run of the same prefix, a
 * secondary), the first free "dpdk_telemetry.v2:N" is used, as DPDK does
 * (`dpdk-telemetry.py -f <prefix> -i N`). A live non-hugemem process (DPDK)
 * answering there is never taken over: the server does not start and a warning
 * names it. Any failure to start the server (that one, a directory that is not
 * private, a path too long for a socket) is logged at WARNING and hm_init
 * goes on without telemetry: it is observability, the data path never needs it
 * (DPDK fails rte_eal_init instead).
 *
 * The protocol. On connect the server sends a greeting
 *   {"version":"hugemem 0.1.0","pid":1234,"max_output_len":16384}
 * A client sends one message per request: "/command" or "/command,parameters".
 * The reply is one message of at most max_output_len bytes:
 *   {"/command":<value>}  the command's data (entries that do not fit are left out)
 *   {"/command":null}     unknown command, or the command failed (DPDK's answer)
 *   {"error":"..."}       a message hugemem refuses to parse: too long (> 1024
 *                         bytes), not starting with '/', control characters,
 *                         invalid UTF-8; and the one-message answer to a client
 *                         beyond HM_TELEMETRY_MAX_CLIENTS, which is then closed.
 * docs/observability.md lists every command and its fields.
 *
 * The data API builds a command's reply: a single string, an array of one value
 * type, or a dictionary; containers nest (HM_TELEMETRY_MAX_DEPTH levels). It has
 * DPDK's rte_tel_data shape and limits (entries, string lengths) with hugemem's
 * names; DPDK's restrictions on nesting are a subset of what it accepts.
 *
 * Threads: registration, the data API and hm_telemetry_exec may be called from
 * any thread, before hm_init too; a command's callback runs on the telemetry
 * thread (or the thread calling hm_telemetry_exec), one at a time, and must not
 * register or unregister commands (-EDEADLK).
 */
#ifndef HUGEMEM_TELEMETRY_H
#define HUGEMEM_TELEMETRY_H

#include <stddef.h>
#include <stdint.h>

#include "hugemem/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HM_TELEMETRY_VERSION "v2"
#define HM_TELEMETRY_SOCKET_NAME "dpdk_telemetry.v2"
#define HM_TELEMETRY_MAX_OUTPUT_LEN 16384 /* bytes in one reply (the greeting's max_output_len) */
#define HM_TELEMETRY_MAX_MSG_LEN 1024     /* bytes in one request */
#define HM_TELEMETRY_MAX_CMD_LEN 56       /* command names are shorter than this */
#define HM_TELEMETRY_MAX_HELP_LEN 128     /* help texts are shorter than this */
#define HM_TELEMETRY_MAX_STRING_LEN 128   /* dict names and strings in containers, incl. NUL */
#define HM_TELEMETRY_MAX_SINGLE_STRING_LEN 8192 /* hm_telemetry_data_string, incl. NUL */
#define HM_TELEMETRY_MAX_DICT_ENTRIES 256
#define HM_TELEMETRY_MAX_ARRAY_ENTRIES 512
#define HM_TELEMETRY_MAX_DEPTH 8          /* containers inside containers */
#define HM_TELEMETRY_MAX_CLIENTS 32       /* connected at once; more are told so and closed */
#define HM_TELEMETRY_MAX_COMMANDS 256     /* registered at once */
#define HM_TELEMETRY_MAX_INSTANCES 64     /* socket names tried: .v2, .v2:1 .. .v2:63 */

/** Value types of an array (DPDK's enum rte_tel_value_type, same order). */
enum hm_telemetry_type {
	HM_TELEMETRY_STRING = 0,
	HM_TELEMETRY_INT,       /* int */
	HM_TELEMETRY_U64,       /* uint64_t */
	HM_TELEMETRY_CONTAINER, /* another struct hm_telemetry_data */
};

/** A reply under construction (opaque). */
struct hm_telemetry_data;

/* ---- building replies ---- */

/** A new, empty data object (libc memory). NULL + hm_errno ENOMEM. */
struct hm_telemetry_data *hm_telemetry_data_alloc(void);
/** Free @p d and the containers it owns (added with keep == 0). NULL is a no-op. */
void hm_telemetry_data_free(struct hm_telemetry_data *d);

/**
 * Make @p d an empty array of @p type values (anything it held is released).
 * @return 0; -EINVAL (NULL, unknown type).
 */
int hm_telemetry_data_start_array(struct hm_telemetry_data *d, enum hm_telemetry_type type);
/** Make @p d an empty dictionary. @return 0, -EINVAL. */
int hm_telemetry_data_start_dict(struct hm_telemetry_data *d);
/**
 * Make @p d the single string @p str.
 * @return 0; -EINVAL (NULL); -E2BIG: longer than HM_TELEMETRY_MAX_SINGLE_STRING_LEN - 1
 *   bytes, stored truncated (at a UTF-8 character boundary).
 */
int hm_telemetry_data_string(struct hm_telemetry_data *d, const char *str);

/**
 * Append to an array started with the matching type.
 * @return 0; -EINVAL (NULL, @p d not an array of that type; a container that is
 *   @p d itself, holds @p d, or is already inside another container); -ENOSPC
 *   (HM_TELEMETRY_MAX_ARRAY_ENTRIES reached); -E2BIG: a string longer than
 *   HM_TELEMETRY_MAX_STRING_LEN - 1 (stored truncated), or containers nested
 *   deeper than HM_TELEMETRY_MAX_DEPTH (not added); -ENOMEM.
 * A container added with @p keep == 0 belongs to @p d from then on (freed with
 * it, also when the add fails); with keep != 0 the caller frees it, after @p d.
 */
int hm_telemetry_data_add_array_string(struct hm_telemetry_data *d, const char *str);
int hm_telemetry_data_add_array_int(struct hm_telemetry_data *d, int x);
int hm_telemetry_data_add_array_u64(struct hm_telemetry_data *d, uint64_t x);
int hm_telemetry_data_add_array_container(struct hm_telemetry_data *d,
					  struct hm_telemetry_data *val, int keep);

/**
 * Add @p name = value to a dictionary. Names are 1..HM_TELEMETRY_MAX_STRING_LEN-1
 * characters of [A-Za-z0-9_/.+-] (DPDK's rule: they need no JSON escaping). A
 * name given twice appears twice, as in DPDK.
 * @return as the array functions; -EINVAL also for a bad name.
 */
int hm_telemetry_data_add_dict_string(struct hm_telemetry_data *d, const char *name,
				      const char *val);
int hm_telemetry_data_add_dict_int(struct hm_telemetry_data *d, const char *name, int val);
int hm_telemetry_data_add_dict_u64(struct hm_telemetry_data *d, const char *name, uint64_t val);
int hm_telemetry_data_add_dict_container(struct hm_telemetry_data *d, const char *name,
					 struct hm_telemetry_data *val, int keep);

/**
 * The reply the server would send for @p d as the answer to command @p cmd:
 * {"<cmd>":<value>}, JSON, at most @p len - 1 bytes plus a NUL (entries that do
 * not fit are left out, a single string is cut at a character boundary; the
 * result is always valid JSON when @p len >= 2 * HM_TELEMETRY_MAX_CMD_LEN + 16).
 * @return the length written; -EINVAL (NULL, @p len too small for the frame).
 */
int hm_telemetry_data_json(const struct hm_telemetry_data *d, const char *cmd, char *buf,
			   size_t len);

/* ---- commands ---- */

/** A command (DPDK's telemetry_cb): fill @p d; < 0 makes the reply null. */
typedef int (*hm_telemetry_cb)(const char *cmd, const char *params, struct hm_telemetry_data *d);
/** The same with the argument given at registration. */
typedef int (*hm_telemetry_arg_cb)(const char *cmd, const char *params, void *arg,
				   struct hm_telemetry_data *d);

/**
 * Register @p cmd ("/lib/what": '/' then [A-Za-z0-9_/], shorter than
 * HM_TELEMETRY_MAX_CMD_LEN) with @p help (shorter than HM_TELEMETRY_MAX_HELP_LEN).
 * Registrations outlive hm_cleanup. @p params is NULL when the request had none.
 * @return 0; -EINVAL (NULL, bad name or help); -EEXIST (already registered);
 *   -ENOSPC (HM_TELEMETRY_MAX_COMMANDS); -EDEADLK (from inside a callback).
 */
int hm_telemetry_register_cmd(const char *cmd, hm_telemetry_cb fn, const char *help);
/** Same, with @p arg passed to every call of @p fn. */
int hm_telemetry_register_cmd_arg(const char *cmd, hm_telemetry_arg_cb fn, void *arg,
				  const char *help);
/**
 * Remove a command registered by the program. When it returns, the callback is
 * not running and will not be called again.
 * @return 0; -EINVAL (NULL); -ENOENT (not registered); -EPERM (one of hugemem's
 *   own commands); -EDEADLK (from inside a callback).
 */
int hm_telemetry_unregister_cmd(const char *cmd);

/**
 * Answer request @p msg ("/cmd" or "/cmd,params") in this thread, exactly as the
 * server would: the reply JSON in @p buf (NUL-terminated, truncated to @p len).
 * @return the reply's length; -EINVAL (NULL, @p len < HM_TELEMETRY_MAX_OUTPUT_LEN);
 *   -EDEADLK (from inside a callback).
 */
int hm_telemetry_exec(const char *msg, char *buf, size_t len);

/* ---- the server ---- */

/** Counters of the running server (reset by each start). */
struct hm_telemetry_stats {
	uint32_t instance;        /* socket suffix: 0 for dpdk_telemetry.v2, N for ...v2:N */
	uint32_t clients;         /* connected now */
	uint64_t accepted;        /* connections served */
	uint64_t refused;         /* connections over HM_TELEMETRY_MAX_CLIENTS */
	uint64_t requests;        /* messages answered */
	uint64_t unknown;         /* answered null: unknown command */
	uint64_t failed;          /* answered null: the command failed */
	uint64_t bad;             /* answered {"error"}: too long, malformed */
	uint64_t dropped;         /* clients closed for not reading their replies */
};

/** Path of the socket being served, or NULL (not running). */
const char *hm_telemetry_socket_path(void);
/** Server counters. @return 0; -EINVAL (NULL); -ENODEV (not running). */
int hm_telemetry_stats_get(struct hm_telemetry_stats *st);
/**
 * Validator: the command table (sorted, unique, valid names, built-ins present)
 * and the server's client accounting. @return 0 or -EFAULT with *@p reason.
 */
int hm_telemetry_check(const char **reason);

/* ---- clients ---- */

/**
 * Where DPDK's client looks for instance @p instance of file prefix @p prefix
 * (the rule above), written to @p buf.
 * @return 0; -EINVAL (NULL or empty prefix, a '/' in it, instance >=
 *   HM_TELEMETRY_MAX_INSTANCES); -ENAMETOOLONG.
 */
int hm_telemetry_path(const char *prefix, unsigned int instance, char *buf, size_t len);
/**
 * Connect to the socket at @p path and read its greeting into @p greeting (may
 * be NULL). Waits at most @p timeout_ms for the greeting.
 * @return the connected fd (close it when done); -EINVAL; -ETIMEDOUT; -EPROTO
 *   (the greeting is not telemetry's); connect's -errno (-ENOENT, -ECONNREFUSED).
 */
int hm_telemetry_connect(const char *path, char *greeting, size_t len, int timeout_ms);
/**
 * Send @p msg on @p fd and read the reply into @p reply (NUL-terminated).
 * Waits at most @p timeout_ms. @return the reply's length; -EINVAL; -ETIMEDOUT;
 *   -EMSGSIZE (reply longer than @p len - 1); -ECONNRESET (closed); -errno.
 */
int hm_telemetry_query(int fd, const char *msg, char *reply, size_t len, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_TELEMETRY_H */
