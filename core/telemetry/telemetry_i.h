/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry internals shared by data.c (the reply tree), json.c (its JSON),
 * registry.c (commands, dispatch), server.c (socket and thread) and
 * endpoints.c (hugemem's own commands).
 *
 * A reply is a tree: a data object is empty, one string, an array of one value
 * type, or a dictionary; a container value points to another data object,
 * which then has exactly one parent (no sharing, no cycle).
 *   d->depth == 0 when d holds no container, else 1 + max depth of its children
 *   every ancestor a of d: a->depth > depth of its path to d
 *   a kept child (keep != 0) is freed by its creator, after its parent
 */
#ifndef HUGEMEM_TELEMETRY_I_H
#define HUGEMEM_TELEMETRY_I_H

#include <stdbool.h>
#include <stdint.h>

#include "common_i.h"
#include "hugemem/telemetry.h"

enum data_kind {
	DATA_NONE = 0, /* nothing set yet: the reply is null */
	DATA_STRING,
	DATA_ARRAY,
	DATA_DICT,
};

struct tel_value {
	char *name;                 /* dict entries: the key; NULL in arrays */
	uint8_t type;               /* enum hm_telemetry_type */
	uint8_t keep;               /* CONTAINER: 1 = the creator frees it */
	union {
		char *str;          /* STRING */
		int i;              /* INT */
		uint64_t u;         /* U64 */
		struct hm_telemetry_data *c; /* CONTAINER */
	};
};

struct hm_telemetry_data {
	uint8_t kind;               /* enum data_kind */
	uint8_t elem_type;          /* ARRAY: enum hm_telemetry_type of every entry */
	uint8_t depth;              /* container levels below this object */
	struct hm_telemetry_data *parent; /* the container holding this one, or NULL */
	uint32_t n, cap;            /* ARRAY/DICT: entries used, allocated */
	struct tel_value *v;        /* ARRAY/DICT entries */
	char *str;                  /* STRING */
};

/* ---- json.c ---- */

/* A bounded JSON writer: everything it writes fits in cap - 1 bytes plus NUL,
 * with room kept for the closers of every open container. */
struct jw {
	char *buf;
	size_t cap;     /* bytes of buf, NUL included */
	size_t pos;     /* bytes written */
	size_t reserve; /* bytes the open containers need to close */
};

HM_INTERNAL void jw_init(struct jw *w, char *buf, size_t cap);
/* Append raw bytes if they fit. */
HM_INTERNAL bool jw_raw(struct jw *w, const char *s, size_t n);
/* Append a quoted, escaped JSON string of @p n bytes of @p s (invalid UTF-8
 * becomes U+FFFD). @p cut: write as many whole characters as fit (and the
 * quotes) instead of nothing. */
HM_INTERNAL bool jw_str(struct jw *w, const char *s, size_t n, bool cut);
/* Open / close a container: '{' or '[' now, and room kept for its closer. */
HM_INTERNAL bool jw_open(struct jw *w, char c);
HM_INTERNAL void jw_close(struct jw *w, char c);
/* Append the JSON of @p d: entries that do not fit are left out. */
HM_INTERNAL bool jw_data(struct jw *w, const struct hm_telemetry_data *d);
/* NUL-terminate and return the length. */
HM_INTERNAL size_t jw_end(struct jw *w);
/* Length of the valid UTF-8 sequence at @p s (@p n > 0 bytes there), 0 when
 * none starts there (overlong, surrogate, beyond U+10FFFF, cut short). */
HM_INTERNAL size_t tel_utf8_len(const unsigned char *s, size_t n);
/* Length of the longest prefix of @p s (at most @p n bytes) that is valid
 * UTF-8 without control characters (bytes < 0x20 or 0x7f). */
HM_INTERNAL size_t tel_text_ok(const char *s, size_t n);

/* ---- client.c ---- */

/* <base>/dpdk, <base> as dpdk-telemetry.py picks it. 0 or -ENAMETOOLONG. */
HM_INTERNAL int tel_base_dir(char *buf, size_t len);
/* "dpdk_telemetry.v2" or "dpdk_telemetry.v2:N". 0 or -ENAMETOOLONG. */
HM_INTERNAL int tel_socket_name(unsigned int instance, char *buf, size_t len);

/* ---- registry.c ---- */

/* "/", "/info", "/help" (once per process). @return 0 or -errno. */
HM_INTERNAL int tel_register_core(void);

/* The reply to request @p msg of @p n bytes (when @p n > HM_TELEMETRY_MAX_MSG_LEN
 * + 2, only that many bytes need be readable: the rest was cut), in @p buf (HM_TELEMETRY_MAX_OUTPUT_LEN
 * bytes at least). Counts into *@p outcome: 0 answered, 1 unknown command,
 * 2 command failed, 3 refused (error reply). @return the reply's length. */
HM_INTERNAL size_t tel_dispatch(const char *msg, size_t n, char *buf, size_t cap, int *outcome);
/* A {"error":"..."} reply. */
HM_INTERNAL size_t tel_error_reply(char *buf, size_t cap, const char *fmt, ...) HM_PRINTF(3, 4);
/* Register hugemem's own command (not removable by the program); as
 * hm_telemetry_register_cmd. Idempotent: an existing built-in is kept. */
HM_INTERNAL int tel_register_builtin(const char *cmd, hm_telemetry_cb fn, const char *help);
/* Validate the command table. @return NULL or the reason. */
HM_INTERNAL const char *tel_registry_check(void);

/* ---- endpoints.c ---- */

struct hm_backend;

/* What the built-in commands report about the instance (set by init). */
struct tel_instance {
	const char *prefix;           /* --file-prefix */
	const char *runtime_dir;      /* hugemem's runtime dir, or "" (--in-memory) */
	struct hm_backend *backend;   /* the running backend */
	int argc;                     /* arguments hm_init parsed, then the application's */
	char **argv;                  /* (copies); argv[0..n_eal) are hugemem's options */
	int n_eal;
};

/* Register every built-in command (idempotent). @return 0 or -errno. */
HM_INTERNAL int tel_endpoints_register(void);
/* The /hugemem/ ones (endpoints_hm.c), the heap ones (heap_ep.c). */
HM_INTERNAL int tel_hm_endpoints_register(void);
HM_INTERNAL int tel_heap_endpoints_register(void);
/* A decimal parameter <= max, digits only. 0, or -1 (the command answers null). */
HM_INTERNAL int tel_param_u64(const char *params, uint64_t max, uint64_t *out);
/* "0x1a2b" */
HM_INTERNAL void tel_hex(char *buf, size_t len, uint64_t v);
/* The instance the built-ins describe (NULL: not initialised). Set by the
 * server's start and stop, read by the commands on the server thread. */
HM_INTERNAL void tel_endpoints_set(const struct tel_instance *in);
HM_INTERNAL const struct tel_instance *tel_endpoints_get(void);

/* ---- server.c: started and stopped by init ---- */

/* What a command may keep between requests of one connection (the heap map's
 * snapshot): freed with ctx_free when replaced or when the client goes. */
struct tel_conn {
	void *ctx;
	void (*ctx_free)(void *ctx);
};

/* The connection whose request the calling thread is answering, or NULL
 * (hm_telemetry_exec). */
HM_INTERNAL struct tel_conn *tel_conn_current(void);
/* Replace @p c's state (the old one is freed). */
HM_INTERNAL void tel_conn_set(struct tel_conn *c, void *ctx, void (*ctx_free)(void *));

struct tel_start_params {
	const char *prefix;
	const char *runtime_dir;
	struct hm_backend *backend;
	int argc;        /* hm_init's argc/argv (0/NULL for hm_init_config) */
	char **argv;
	int n_eal;       /* options hm_init consumed (argv[1..n_eal]) */
};

/* Start the server for this instance. @return 0 or -errno with a message
 * (-EADDRINUSE: a live non-hugemem process serves the prefix; -EPERM/-EACCES:
 * the directory is not private; -EEXIST: a non-socket holds the name), and
 * nothing left behind. */
HM_INTERNAL int telemetry_start(const struct tel_start_params *p);
/* Stop it: thread joined, socket and directories made removed. In a child
 * forked from the process that started it, only closes the inherited fds. */
HM_INTERNAL void telemetry_stop(void);
/* 1 while the calling thread runs a command's callback. */
HM_INTERNAL bool tel_in_callback(void);

#endif
