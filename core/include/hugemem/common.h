/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem common definitions: basic types, global limits, the error convention
 * and the log hook. Every other public header includes this one.
 *
 * Error convention (docs/architecture.md):
 *  - functions returning int return 0 (or a count) on success, -errno on failure;
 *  - functions returning a pointer return NULL and set the thread-local hm_errno
 *    (a positive errno value);
 *  - either way, hm_last_error() returns a human-readable sentence describing the
 *    most recent failure of this thread (which option, which value, what to do).
 */
#ifndef HUGEMEM_COMMON_H
#define HUGEMEM_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** I/O virtual address as a device sees it (synthetic on emu, PA or VA on hardware). */
typedef uint64_t hm_iova_t;

#define HM_BAD_IOVA ((hm_iova_t)~0ULL)
/** "Any NUMA node": the calling lcore's node first, then the others. */
#define HM_SOCKET_ID_ANY (-1)

#define HM_CACHE_LINE_SIZE 64
#define HM_MAX_NUMA_NODES 32
#define HM_MAX_LCORE 128
#define HM_MAX_PAGE_SIZES 3
#define HM_MAX_MEMSEG_LISTS 128

#define HM_KB (1ULL << 10)
#define HM_MB (1ULL << 20)
#define HM_GB (1ULL << 30)

#if defined(__GNUC__)
#define HM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define HM_LIKELY(x) __builtin_expect(!!(x), 1)
#define HM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define HM_PRINTF(f, a)
#define HM_LIKELY(x) (x)
#define HM_UNLIKELY(x) (x)
#endif

/*
 * Spellings that differ between C11 and C++ (every public header compiles as
 * strict C11 and as C++17; tests/check-headers.sh proves it):
 *   HM_THREAD_LOCAL     _Thread_local | thread_local
 *   HM_STATIC_ASSERT    _Static_assert | static_assert (layout checks)
 *   HM_ALIGNAS(n)       _Alignas(n) | alignas(n)
 *   HM_RESTRICT         restrict | __restrict
 *   HM_EXTENSION        __extension__: an anonymous struct inside a union is C11
 *                       but a GNU extension in C++ (-pedantic would warn)
 *   HM_ANON_BEGIN/END   around a struct holding such members: clang++ also warns
 *                       that the anonymous struct's type is declared in an
 *                       anonymous union (-Wnested-anon-types)
 */
#ifdef __cplusplus
#define HM_THREAD_LOCAL thread_local
#define HM_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#define HM_ALIGNAS(n) alignas(n)
#define HM_RESTRICT __restrict
#else
#define HM_THREAD_LOCAL _Thread_local
#define HM_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define HM_ALIGNAS(n) _Alignas(n)
#define HM_RESTRICT restrict
#endif
#if defined(__GNUC__)
#define HM_EXTENSION __extension__
#else
#define HM_EXTENSION
#endif
#if defined(__cplusplus) && defined(__clang__)
#define HM_ANON_BEGIN                                                                  \
	_Pragma("clang diagnostic push")                                               \
	_Pragma("clang diagnostic ignored \"-Wnested-anon-types\"")
#define HM_ANON_END _Pragma("clang diagnostic pop")
#else
#define HM_ANON_BEGIN
#define HM_ANON_END
#endif

/** Round @p v up to a multiple of @p a (a power of two). */
#define HM_ALIGN_CEIL(v, a) (((v) + ((__typeof__(v))(a)-1)) & ~((__typeof__(v))(a)-1))
/** Round @p v down to a multiple of @p a (a power of two). */
#define HM_ALIGN_FLOOR(v, a) ((v) & ~((__typeof__(v))(a)-1))
#define HM_IS_POWER_OF_2(n) ((n) != 0 && (((n) & ((n)-1)) == 0))

/** errno of the last failed pointer-returning call of this thread (positive). */
extern HM_THREAD_LOCAL int hm_errno;

/**
 * Explain an error code. Accepts errno values with either sign.
 * @return a static string; never NULL.
 */
const char *hm_strerror(int err);

/**
 * The detailed message of this thread's last failure ("unknown option '--foo';
 * valid options: ..."), or "" when none was recorded. Valid until the next failing
 * call on this thread.
 */
const char *hm_last_error(void);

/** Log levels, syslog-like. */
enum hm_log_level {
	HM_LOG_EMERG = 0,
	HM_LOG_ERR = 3,
	HM_LOG_WARNING = 4,
	HM_LOG_NOTICE = 5,
	HM_LOG_INFO = 6,
	HM_LOG_DEBUG = 7,
};

/** Receives every message at or below the current level; @p msg has no newline. */
typedef void (*hm_log_fn)(enum hm_log_level level, const char *msg, void *arg);

/** Route messages to @p fn (NULL restores the default: stderr). */
void hm_log_set_hook(hm_log_fn fn, void *arg);
/** Messages above @p level are dropped. Default HM_LOG_NOTICE. */
void hm_log_set_level(enum hm_log_level level);
enum hm_log_level hm_log_get_level(void);
/** Emit one message through the hook (library and application alike). */
void hm_log(enum hm_log_level level, const char *fmt, ...) HM_PRINTF(2, 3);

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_COMMON_H */
