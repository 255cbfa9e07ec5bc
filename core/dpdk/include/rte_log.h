/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging with DPDK 22.11's types and levels. A message is written when its
 * level is <= the global level and <= its type's level. hugemem's own messages
 * (hm_log) reach the same stream as type EAL while the EAL is up.
 */
#ifndef _RTE_LOG_H_
#define _RTE_LOG_H_

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The static log types (names "lib.eal", "lib.malloc", ..., "user1".."user8"). */
#define RTE_LOGTYPE_EAL 0
#define RTE_LOGTYPE_MALLOC 1
#define RTE_LOGTYPE_RING 2
#define RTE_LOGTYPE_MEMPOOL 3
#define RTE_LOGTYPE_TIMER 4
#define RTE_LOGTYPE_PMD 5
#define RTE_LOGTYPE_HASH 6
#define RTE_LOGTYPE_LPM 7
#define RTE_LOGTYPE_KNI 8
#define RTE_LOGTYPE_ACL 9
#define RTE_LOGTYPE_POWER 10
#define RTE_LOGTYPE_METER 11
#define RTE_LOGTYPE_SCHED 12
#define RTE_LOGTYPE_PORT 13
#define RTE_LOGTYPE_TABLE 14
#define RTE_LOGTYPE_PIPELINE 15
#define RTE_LOGTYPE_MBUF 16
#define RTE_LOGTYPE_CRYPTODEV 17
#define RTE_LOGTYPE_EFD 18
#define RTE_LOGTYPE_EVENTDEV 19
#define RTE_LOGTYPE_GSO 20
#define RTE_LOGTYPE_USER1 24
#define RTE_LOGTYPE_USER2 25
#define RTE_LOGTYPE_USER3 26
#define RTE_LOGTYPE_USER4 27
#define RTE_LOGTYPE_USER5 28
#define RTE_LOGTYPE_USER6 29
#define RTE_LOGTYPE_USER7 30
#define RTE_LOGTYPE_USER8 31
/** Dynamic types (rte_log_register) get ids from here on. */
#define RTE_LOGTYPE_FIRST_EXT_ID 32

#define RTE_LOG_EMERG 1U
#define RTE_LOG_ALERT 2U
#define RTE_LOG_CRIT 3U
#define RTE_LOG_ERR 4U
#define RTE_LOG_WARNING 5U
#define RTE_LOG_NOTICE 6U
#define RTE_LOG_INFO 7U
#define RTE_LOG_DEBUG 8U
#define RTE_LOG_MAX RTE_LOG_DEBUG

/** Send messages to @p f (NULL: back to the default, stderr). @return 0. */
int rte_openlog_stream(FILE *f);
/** The stream messages go to (stderr unless changed). */
FILE *rte_log_get_stream(void);
/** Messages above @p level are dropped whatever their type (1..8; default 8). */
void rte_log_set_global_level(uint32_t level);
uint32_t rte_log_get_global_level(void);
/** Level of @p logtype, or -1 for an unknown type. */
int rte_log_get_level(uint32_t logtype);
/** Whether a message of @p logtype at @p loglevel would be written. */
bool rte_log_can_log(uint32_t logtype, uint32_t loglevel);
/** Set the level of every type whose name matches the glob @p pattern (and of
 * types registered later that match it). @return 0, -1 for a bad level or pattern. */
int rte_log_set_level_pattern(const char *pattern, uint32_t level);
/** The same with a POSIX extended regular expression. */
int rte_log_set_level_regexp(const char *regex, uint32_t level);
/** @return 0, -1 for an unknown type or a level outside 1..8. */
int rte_log_set_level(uint32_t logtype, uint32_t level);
/** Level / type of the message being written (for a custom stream), else -1. */
int rte_log_cur_msg_loglevel(void);
int rte_log_cur_msg_logtype(void);
/**
 * The type named @p name, created at level INFO if new (the same id when the
 * name is known). @return the id (> 0); -EINVAL (NULL or empty name), -ENOMEM.
 */
int rte_log_register(const char *name);
/**
 * rte_log_register, then the level of the last --log-level (or pattern) that
 * matches the name, else @p level_def. @return the id or a negative errno.
 */
int rte_log_register_type_and_pick_level(const char *name, uint32_t level_def);
/** One line per type: @p prefix and the name. */
void rte_log_list_types(FILE *out, const char *prefix);
/** The global level and every type with its level. */
void rte_log_dump(FILE *f);

/** Write a message (no prefix added). @return 0; -1 for an unknown type. */
int rte_log(uint32_t level, uint32_t logtype, const char *format, ...)
	__rte_cold __rte_format_printf(3, 4);
int rte_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
	__rte_format_printf(3, 0);

/** rte_log with the type name as prefix: RTE_LOG(ERR, EAL, "...\n"). */
#define RTE_LOG(l, t, ...) rte_log(RTE_LOG_##l, RTE_LOGTYPE_##t, #t ": " __VA_ARGS__)

/** RTE_LOG, compiled out when @p l is above RTE_LOG_DP_LEVEL (data paths). */
#define RTE_LOG_DP(l, t, ...) \
	(void)((RTE_LOG_##l <= RTE_LOG_DP_LEVEL) ? \
	       rte_log(RTE_LOG_##l, RTE_LOGTYPE_##t, #t ": " __VA_ARGS__) : 0)

#define RTE_LOG_REGISTER_IMPL(type, name, level) \
	int type; \
	RTE_INIT(__##type) \
	{ \
		type = rte_log_register_type_and_pick_level(name, RTE_LOG_##level); \
		if (type < 0) \
			type = RTE_LOGTYPE_EAL; \
	}
/** Define int @p type and register it as @p name at @p level before main(). */
#define RTE_LOG_REGISTER(type, name, level) RTE_LOG_REGISTER_IMPL(type, RTE_STR(name), level)
#define RTE_LOG_REGISTER_DEFAULT(type, level) \
	RTE_LOG_REGISTER_IMPL(type, RTE_STR(RTE_LOG_DEFAULT_LOGTYPE), level)
#define RTE_LOG_REGISTER_SUFFIX(type, suffix, level) \
	RTE_LOG_REGISTER_IMPL(type, RTE_STR(RTE_LOG_DEFAULT_LOGTYPE) "." RTE_STR(suffix), level)

#ifdef __cplusplus
}
#endif
#endif /* _RTE_LOG_H_ */
