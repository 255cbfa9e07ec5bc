/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Error recording and the log hook. hm_errno and the last-error message are
 * thread-local; the hook and level are process-wide (set them before starting
 * threads, or accept that a concurrent change may apply a message late).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common_i.h"

_Thread_local int hm_errno;
static _Thread_local char last_msg[512];

static hm_log_fn log_hook;
static void *log_arg;
static enum hm_log_level log_level = HM_LOG_NOTICE;

const char *
hm_strerror(int err)
{
	if (err == INT_MIN)
		return "unknown error";
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case EADDRNOTAVAIL:
		return "address not available (another mapping sits at the required VA; try --base-virtaddr)";
	default:
		return strerror(err);
	}
}

const char *
hm_last_error(void)
{
	return last_msg;
}

static void HM_PRINTF(2, 0)
record(int err, const char *fmt, va_list ap)
{
	char tmp[sizeof(last_msg)];

	/* via a copy: callers often pass hm_last_error() itself as an argument */
	hm_errno = err;
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	memcpy(last_msg, tmp, sizeof(last_msg));
}

int
hm_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(err, fmt, ap);
	va_end(ap);
	hm_log(HM_LOG_DEBUG, "%s", last_msg);
	return -err;
}

int
hm_fail_log(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(err, fmt, ap);
	va_end(ap);
	hm_log(HM_LOG_ERR, "%s", last_msg);
	return -err;
}

void *
hm_fail_ptr(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(err, fmt, ap);
	va_end(ap);
	hm_log(HM_LOG_DEBUG, "%s", last_msg);
	return NULL;
}

void
hm_log_set_hook(hm_log_fn fn, void *arg)
{
	log_hook = fn;
	log_arg = arg;
}

void
hm_log_set_level(enum hm_log_level level)
{
	log_level = level;
}

enum hm_log_level
hm_log_get_level(void)
{
	return log_level;
}

void
hm_log(enum hm_log_level level, const char *fmt, ...)
{
	static const char *const names[] = {
		"EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG",
	};
	char buf[1024];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_hook != NULL)
		log_hook(level, buf, log_arg);
	else
		fprintf(stderr, "hugemem: %s: %s\n",
			names[(unsigned)level < 8 ? level : 7], buf);
}

void
hm_panic(const char *file, int line, const char *expr)
{
	/* Through the hook (it may be a test's collector), and always on stderr. */
	hm_log(HM_LOG_EMERG, "%s:%d: assertion failed: %s", file, line, expr);
	if (log_hook != NULL)
		fprintf(stderr, "hugemem: %s:%d: assertion failed: %s\n", file, line, expr);
	abort();
}
