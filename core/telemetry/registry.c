/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command table and the answer to one request. Commands are kept sorted by
 * name (the "/" command lists them in that order) under a reader-writer lock: a
 * callback runs under the read lock, so unregistering (write lock) waits for a
 * running callback and no callback runs after it returns. A callback must not
 * register or unregister (it would wait for itself): tel_in_callback() refuses
 * that with -EDEADLK.
 *
 * Invariants (tel_registry_check):
 *   names strictly increasing; each valid (tel_cmd_ok); help shorter than the cap
 *   each entry has exactly one of fn, fn_arg
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hm_config.h"
#include "telemetry_i.h"

struct cmd_entry {
	char name[HM_TELEMETRY_MAX_CMD_LEN];
	char help[HM_TELEMETRY_MAX_HELP_LEN];
	hm_telemetry_cb fn;         /* one of fn, fn_arg */
	hm_telemetry_arg_cb fn_arg;
	void *arg;
	bool builtin;               /* hugemem's own: not removable by the program */
};

/* hugemem's own commands have slots of their own beyond the program's */
#define BUILTIN_SLOTS 64

static struct {
	pthread_rwlock_t lock;
	unsigned int n;      /* entries */
	unsigned int n_user; /* of them the program's */
	struct cmd_entry cmds[HM_TELEMETRY_MAX_COMMANDS + BUILTIN_SLOTS];
} reg = { .lock = PTHREAD_RWLOCK_INITIALIZER };

static _Thread_local bool in_cb;

bool
tel_in_callback(void)
{
	return in_cb;
}

/* '/' then [A-Za-z0-9_/]*, shorter than HM_TELEMETRY_MAX_CMD_LEN. */
static bool
cmd_ok(const char *cmd)
{
	size_t n = strnlen(cmd, HM_TELEMETRY_MAX_CMD_LEN);

	if (n == 0 || n >= HM_TELEMETRY_MAX_CMD_LEN || cmd[0] != '/')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((cmd[i] >= 'a' && cmd[i] <= 'z') || (cmd[i] >= 'A' && cmd[i] <= 'Z') ||
		      (cmd[i] >= '0' && cmd[i] <= '9') || cmd[i] == '_' || cmd[i] == '/'))
			return false;
	return true;
}

/* Index of @p name, or -(insertion point) - 1. pre: lock held. */
static int
find(const char *name)
{
	int lo = 0, hi = (int)reg.n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2, c = strcmp(reg.cmds[mid].name, name);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static int
do_register(const char *cmd, hm_telemetry_cb fn, hm_telemetry_arg_cb fn_arg, void *arg,
	    const char *help, bool builtin)
{
	struct cmd_entry *e;
	int at;

	if (cmd == NULL || (fn == NULL && fn_arg == NULL) || help == NULL)
		return hm_fail(EINVAL, "telemetry: register: NULL command, callback or help");
	if (!cmd_ok(cmd))
		return hm_fail(EINVAL, "telemetry: command '%.*s' is not '/' followed by "
			       "[A-Za-z0-9_/], shorter than %d characters",
			       HM_TELEMETRY_MAX_CMD_LEN, cmd, HM_TELEMETRY_MAX_CMD_LEN);
	if (strnlen(help, HM_TELEMETRY_MAX_HELP_LEN) >= HM_TELEMETRY_MAX_HELP_LEN)
		return hm_fail(EINVAL, "telemetry: help of %s is %d characters or longer", cmd,
			       HM_TELEMETRY_MAX_HELP_LEN);
	if (in_cb)
		return hm_fail(EDEADLK, "telemetry: commands cannot be registered from a "
			       "command's callback");
	pthread_rwlock_wrlock(&reg.lock);
	at = find(cmd);
	if (at >= 0) {
		bool keep = builtin && reg.cmds[at].builtin;
		pthread_rwlock_unlock(&reg.lock);
		return keep ? 0 : hm_fail(EEXIST, "telemetry: command %s is already registered", cmd);
	}
	if (builtin ? reg.n - reg.n_user == BUILTIN_SLOTS :
	    reg.n_user == HM_TELEMETRY_MAX_COMMANDS) {
		pthread_rwlock_unlock(&reg.lock);
		return hm_fail(ENOSPC, "telemetry: %d commands registered already",
			       builtin ? BUILTIN_SLOTS : HM_TELEMETRY_MAX_COMMANDS);
	}
	at = -at - 1;
	memmove(&reg.cmds[at + 1], &reg.cmds[at], (reg.n - (unsigned int)at) * sizeof(reg.cmds[0]));
	e = &reg.cmds[at];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", cmd);
	snprintf(e->help, sizeof(e->help), "%s", help);
	e->fn = fn;
	e->fn_arg = fn_arg;
	e->arg = arg;
	e->builtin = builtin;
	reg.n++;
	reg.n_user += !builtin;
	pthread_rwlock_unlock(&reg.lock);
	return 0;
}

int
hm_telemetry_register_cmd(const char *cmd, hm_telemetry_cb fn, const char *help)
{
	if (fn == NULL)
		return hm_fail(EINVAL, "telemetry: register: NULL callback");
	return do_register(cmd, fn, NULL, NULL, help, false);
}

int
hm_telemetry_register_cmd_arg(const char *cmd, hm_telemetry_arg_cb fn, void *arg, const char *help)
{
	if (fn == NULL)
		return hm_fail(EINVAL, "telemetry: register: NULL callback");
	return do_register(cmd, NULL, fn, arg, help, false);
}

int
tel_register_builtin(const char *cmd, hm_telemetry_cb fn, const char *help)
{
	return do_register(cmd, fn, NULL, NULL, help, true);
}

int
hm_telemetry_unregister_cmd(const char *cmd)
{
	int at;

	if (cmd == NULL)
		return hm_fail(EINVAL, "telemetry: unregister: NULL command");
	if (in_cb)
		return hm_fail(EDEADLK, "telemetry: commands cannot be unregistered from a "
			       "command's callback");
	pthread_rwlock_wrlock(&reg.lock);
	at = find(cmd);
	if (at < 0 || reg.cmds[at].builtin) {
		bool builtin = at >= 0;
		pthread_rwlock_unlock(&reg.lock);
		return builtin ? hm_fail(EPERM, "telemetry: %s is one of hugemem's own commands", cmd) :
			hm_fail(ENOENT, "telemetry: command '%.*s' is not registered",
				HM_TELEMETRY_MAX_CMD_LEN, cmd);
	}
	reg.n--;
	reg.n_user--;
	memmove(&reg.cmds[at], &reg.cmds[at + 1], (reg.n - (unsigned int)at) * sizeof(reg.cmds[0]));
	pthread_rwlock_unlock(&reg.lock);
	return 0;
}

const char *
tel_registry_check(void)
{
	const char *why = NULL;

	pthread_rwlock_rdlock(&reg.lock);
	for (unsigned int i = 0; i < reg.n && why == NULL; i++) {
		const struct cmd_entry *e = &reg.cmds[i];
		if (!cmd_ok(e->name))
			why = "a registered command has an invalid name";
		else if (i > 0 && strcmp(reg.cmds[i - 1].name, e->name) >= 0)
			why = "the command table is not sorted and unique";
		else if (strnlen(e->help, sizeof(e->help)) >= sizeof(e->help))
			why = "a help text is not terminated";
		else if ((e->fn == NULL) == (e->fn_arg == NULL))
			why = "a command has no callback, or two";
	}
	if (why == NULL) {
		unsigned int users = 0;
		for (unsigned int i = 0; i < reg.n; i++)
			users += !reg.cmds[i].builtin;
		if (users != reg.n_user || reg.n_user > HM_TELEMETRY_MAX_COMMANDS ||
		    reg.n - reg.n_user > BUILTIN_SLOTS)
			why = "the command counts do not match the table";
	}
	pthread_rwlock_unlock(&reg.lock);
	return why;
}

/* ---- hugemem's answers to "/", "/info", "/help" ---- */

static int
cmd_list(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	(void)cmd;
	(void)params;
	hm_telemetry_data_start_array(d, HM_TELEMETRY_STRING);
	/* the read lock is held by the dispatcher */
	for (unsigned int i = 0; i < reg.n; i++)
		hm_telemetry_data_add_array_string(d, reg.cmds[i].name);
	return 0;
}

static int
cmd_info(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	(void)cmd;
	(void)params;
	hm_telemetry_data_start_dict(d);
	hm_telemetry_data_add_dict_string(d, "version", "hugemem " HM_VERSION);
	hm_telemetry_data_add_dict_int(d, "max_output_len", HM_TELEMETRY_MAX_OUTPUT_LEN);
	return 0;
}

static int
cmd_help(const char *cmd, const char *params, struct hm_telemetry_data *d)
{
	int at;

	(void)cmd;
	if (params == NULL || (at = find(params)) < 0)
		return -1;
	hm_telemetry_data_start_dict(d);
	/* a command name is a valid dictionary name: [A-Za-z0-9_/] */
	return hm_telemetry_data_add_dict_string(d, reg.cmds[at].name, reg.cmds[at].help);
}

static int core_rc;

static void
register_core_once(void)
{
	int rc = tel_register_builtin("/", cmd_list, "Returns the list of available commands. "
				      "Takes no parameters");
	if (rc == 0)
		rc = tel_register_builtin("/info", cmd_info, "Returns the version and the largest "
					  "reply (max_output_len). Takes no parameters");
	if (rc == 0)
		rc = tel_register_builtin("/help", cmd_help, "Returns the help text of a command. "
					  "Parameters: string command");
	core_rc = rc;
}

int
tel_register_core(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, register_core_once);
	return core_rc;
}

/* ---- one request ---- */

size_t
tel_error_reply(char *buf, size_t cap, const char *fmt, ...)
{
	char msg[256];
	struct jw w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jw_init(&w, buf, cap);
	if (jw_open(&w, '{') && jw_raw(&w, "\"error\":", 8) && jw_str(&w, msg, strlen(msg), true))
		jw_close(&w, '}');
	return jw_end(&w);
}

static size_t
null_reply(char *buf, size_t cap, const char *cmd)
{
	struct jw w;

	jw_init(&w, buf, cap);
	if (jw_open(&w, '{') && jw_str(&w, cmd, strlen(cmd), true) && jw_raw(&w, ":null", 5))
		jw_close(&w, '}');
	return jw_end(&w);
}

size_t
tel_dispatch(const char *msg, size_t n, char *buf, size_t cap, int *outcome)
{
	char cmd[HM_TELEMETRY_MAX_MSG_LEN + 1], *params = NULL, *comma;
	struct hm_telemetry_data *d;
	const struct cmd_entry *e;
	size_t len;
	int at, rc;

	*outcome = 3;
	/* @p n may be the length of a message longer than what was read of it */
	if (n > HM_TELEMETRY_MAX_MSG_LEN + 2)
		return tel_error_reply(buf, cap, "request of %zu bytes is longer than %d", n,
				       HM_TELEMETRY_MAX_MSG_LEN);
	/* people type requests with socat or nc: forgive one line ending */
	if (n > 0 && msg[n - 1] == '\n')
		n -= n > 1 && msg[n - 2] == '\r' ? 2 : 1;
	if (n > HM_TELEMETRY_MAX_MSG_LEN)
		return tel_error_reply(buf, cap, "request of %zu bytes is longer than %d", n,
				       HM_TELEMETRY_MAX_MSG_LEN);
	if (n == 0)
		return tel_error_reply(buf, cap, "empty request (\"/\" lists the commands)");
	if (tel_text_ok(msg, n) != n)
		return tel_error_reply(buf, cap, "request has a control character or invalid UTF-8 "
				       "at byte %zu", tel_text_ok(msg, n));
	if (msg[0] != '/')
		return tel_error_reply(buf, cap, "requests are \"/command\" or "
				       "\"/command,parameters\" (\"/\" lists the commands)");
	memcpy(cmd, msg, n);
	cmd[n] = '\0';
	if ((comma = strchr(cmd, ',')) != NULL) {
		*comma = '\0';
		if (comma[1] != '\0')
			params = comma + 1;
	}
	tel_register_core(); /* cannot fail: built-ins have slots of their own */
	pthread_rwlock_rdlock(&reg.lock);
	at = strlen(cmd) < HM_TELEMETRY_MAX_CMD_LEN ? find(cmd) : -1;
	if (at < 0) {
		pthread_rwlock_unlock(&reg.lock);
		*outcome = 1;
		return null_reply(buf, cap, cmd);
	}
	e = &reg.cmds[at];
	d = hm_telemetry_data_alloc();
	rc = -1;
	if (d != NULL) {
		in_cb = true;
		rc = e->fn != NULL ? e->fn(cmd, params, d) : e->fn_arg(cmd, params, e->arg, d);
		in_cb = false;
	}
	pthread_rwlock_unlock(&reg.lock);
	if (rc < 0) {
		*outcome = 2;
		len = null_reply(buf, cap, cmd);
	} else {
		*outcome = 0;
		rc = hm_telemetry_data_json(d, cmd, buf, cap);
		len = rc < 0 ? null_reply(buf, cap, cmd) : (size_t)rc;
	}
	hm_telemetry_data_free(d);
	return len;
}

int
hm_telemetry_exec(const char *msg, char *buf, size_t len)
{
	int outcome;

	if (msg == NULL || buf == NULL || len < HM_TELEMETRY_MAX_OUTPUT_LEN)
		return hm_fail(EINVAL, "telemetry: exec needs a request and a buffer of %d bytes",
			       HM_TELEMETRY_MAX_OUTPUT_LEN);
	if (in_cb)
		return hm_fail(EDEADLK, "telemetry: exec from a command's callback");
	return (int)tel_dispatch(msg, strnlen(msg, HM_TELEMETRY_MAX_MSG_LEN + 1), buf,
				 HM_TELEMETRY_MAX_OUTPUT_LEN, &outcome);
}
