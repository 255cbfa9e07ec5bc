/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal helpers shared by every core module: assertions, error recording,
 * VA reservation, small file helpers. Nothing here is public API.
 */
#ifndef HUGEMEM_COMMON_I_H
#define HUGEMEM_COMMON_I_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "hugemem/common.h"

#define HM_INTERNAL __attribute__((visibility("hidden")))

/* Debug level: 0 release, 1 O(1) asserts (default in debug builds), 3 O(n) walks. */
#ifndef HM_DEBUG
#define HM_DEBUG 0
#endif

HM_INTERNAL void hm_panic(const char *file, int line, const char *expr)
	__attribute__((noreturn));

/* Always on: untrusted pointers, shared-memory headers. */
#define HM_VERIFY(x) \
	do { if (HM_UNLIKELY(!(x))) hm_panic(__FILE__, __LINE__, #x); } while (0)
#if HM_DEBUG >= 1
#define HM_ASSERT(x) HM_VERIFY(x)
#else
#define HM_ASSERT(x) ((void)0)
#endif
#if HM_DEBUG >= 3
#define HM_ASSERT_EXPENSIVE(x) HM_VERIFY(x)
#else
#define HM_ASSERT_EXPENSIVE(x) ((void)0)
#endif

/*
 * Record a failure for hm_last_error() and return -err, so a public function can
 * write `return hm_fail(EINVAL, "len %u exceeds ...", len);`. Logs at DEBUG only:
 * whether a failure deserves the user's attention is the caller's decision.
 */
HM_INTERNAL int hm_fail(int err, const char *fmt, ...) HM_PRINTF(2, 3);
/* Same, for pointer-returning functions: sets hm_errno and returns NULL. */
HM_INTERNAL void *hm_fail_ptr(int err, const char *fmt, ...) HM_PRINTF(2, 3);
/* Same as hm_fail but also logs the message at ERR. */
HM_INTERNAL int hm_fail_log(int err, const char *fmt, ...) HM_PRINTF(2, 3);

#define HM_LOG(level, ...) hm_log(HM_LOG_##level, __VA_ARGS__)

/* ---- local epoch (robust.c) ---- */

/*
 * CLOCK_MONOTONIC in nanoseconds and milliseconds: every deadline, timeout and
 * elapsed time in the library and the simulator (not the rte_timer cycles of
 * core/dpdk, which count CLOCK_MONOTONIC_RAW).
 */
static inline uint64_t
hm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
static inline uint64_t
hm_now_ms(void)
{
	return hm_now_ns() / 1000000u;
}

/*
 * Orders, inside this process, what its mp thread mapped for another process's
 * page-map change before this process's later use of those pages: the mp thread
 * publishes after applying a change (and after serving a request), every
 * shared-lock acquisition and every answer from the primary observes. The real
 * chain (mp thread -> the other process -> a lock word or mailbox) is ordered
 * already, through memory ThreadSanitizer does not see as one: this pair shows
 * it within the process. One relaxed-cost load per lock.
 */
HM_INTERNAL extern uint32_t hm_local_epoch;
static inline void
hm_local_epoch_publish(void)
{
	__atomic_add_fetch(&hm_local_epoch, 1, __ATOMIC_RELEASE);
}
static inline void
hm_local_epoch_observe(void)
{
	(void)__atomic_load_n(&hm_local_epoch, __ATOMIC_ACQUIRE);
}

/*
 * The other direction: what a thread of this process read of shared state
 * before it released a shared lock (e.g. hm_free reading a page's memseg entry
 * before its cache flush unlocks the heap) comes before the mp thread's later
 * change of that state on another process's request (unmapping that page). The
 * chain runs through the other process again; under ThreadSanitizer every
 * shared-lock release publishes to the mp thread, which observes before it
 * serves a request or applies a page change. Outside TSan builds this costs
 * nothing (the real order needs no help), so no atomic is added to unlocks.
 */
#if defined(__SANITIZE_THREAD__)
#define HM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HM_TSAN 1
#endif
#endif
#ifdef HM_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#endif
static inline void
hm_local_unlock_publish(void)
{
#ifdef HM_TSAN
	__tsan_release(&hm_local_epoch);
#endif
}
static inline void
hm_local_unlock_observe(void)
{
#ifdef HM_TSAN
	__tsan_acquire(&hm_local_epoch);
#endif
}

/* ---- VA reservation (va.c) ---- */

/* Default base hint: low addresses keep IOVA-as-VA under narrow DMA masks. */
#define HM_VA_BASE_DEFAULT 0x100000000ULL
/* Where reservations go when the default range is taken (sanitizer shadows). */
#define HM_VA_BASE_ALT 0x200000000000ULL

enum {
	HM_VA_EXACT = 1 << 0, /* requested is an exact address, not a hint */
};

/*
 * Reserve @p size bytes of PROT_NONE address space aligned to @p align (a power of
 * two >= system page). With HM_VA_EXACT the result is @p requested or NULL with
 * hm_errno EADDRNOTAVAIL. Otherwise @p requested (or the process's running base
 * hint when NULL) is a hint: tried a few times upward, then the kernel picks.
 * @return the base, or NULL and hm_errno set (ENOMEM, EADDRNOTAVAIL, EINVAL).
 */
HM_INTERNAL void *hm_va_reserve(void *requested, size_t size, size_t align,
				unsigned int flags);
/* Give back a reservation (or any mapping) entirely. */
HM_INTERNAL void hm_va_release(void *addr, size_t size);
/* Turn [addr, addr+size) back into a PROT_NONE reservation (drops the pages). */
HM_INTERNAL int hm_va_rereserve(void *addr, size_t size);
/* Set the running base hint (--base-virtaddr); 0 restores the default. */
HM_INTERNAL void hm_va_set_base(uint64_t base);
/* System page size, cached. */
HM_INTERNAL size_t hm_sys_page_size(void);

/* ---- clearing (zero.c) ---- */

/* memset(p, 0, n), with vector stores in the same direction when the block
 * continues this thread's previous clear (zero.c says why). Returns how
 * (callers may ignore it; tests look). */
enum { HM_ZERO_MEMSET, HM_ZERO_UP, HM_ZERO_DOWN };
HM_INTERNAL int hm_zero(void *p, size_t n);
/* hm_zero's vector loop for [p, p + n), n >= 64: @p isa 1 SSE2, 2 AVX2, 0 the
 * best the CPU has; @p down: from the top. 0, -EINVAL (n < 64, unknown isa) or
 * -ENOTSUP (the CPU or the build lacks it), nothing written then. */
HM_INTERNAL int hm_zero_vec(void *p, size_t n, int isa, bool down);

/* ---- small string helpers (util.c) ---- */

/* snprintf that reports truncation: 0 or -ENAMETOOLONG. */
HM_INTERNAL int hm_snprintf(char *buf, size_t len, const char *fmt, ...) HM_PRINTF(3, 4);
/* Parse "2M", "1G", "4096", "64k", "2MB", "1048576kB" into bytes. 0 or -EINVAL/-ERANGE. */
HM_INTERNAL int hm_parse_size(const char *s, uint64_t *out);
/* Parse a non-negative decimal integer <= max that ends exactly at *end or NUL. */
HM_INTERNAL int hm_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* "2M", "1G", "4K" for a page size; @p buf of >= 16 bytes. */
HM_INTERNAL const char *hm_size_str(uint64_t sz, char *buf, size_t len);

/* ---- private files and directories (file.c; rules in its header comment) ---- */

enum {
	HM_PRIV_NOSHARE = 1 << 0, /* no group/other permission bits (mode & 077 == 0) */
	HM_PRIV_ONELINK = 1 << 1, /* st_nlink == 1: no other name reaches the file */
};

/* "uid 1000 (alice)" (just "uid 1000" without a passwd entry), in @p buf. */
HM_INTERNAL const char *hm_uid_str(uid_t uid, char *buf, size_t len);

/*
 * Whether @p st (of @p path, for the message) is a regular file owned by the
 * euid, plus the HM_PRIV_* @p checks. @return 0, or -ELOOP (not a regular file),
 * -EPERM (owner, mode, links) with a message naming what is wrong.
 */
HM_INTERNAL int hm_file_check(const char *path, const struct stat *st, unsigned int checks);

/*
 * openat(@p dir_fd, @p name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode), then
 * hm_file_check on the open fd (so nothing can be swapped in between) and
 * O_NONBLOCK cleared. A symlink is never followed and a FIFO never blocks.
 * @return the fd (its fstat in *st_out when not NULL), or -errno with a message
 *   (-ELOOP symlink or not a regular file, -EPERM owner/mode/links, open's errno).
 */
HM_INTERNAL int hm_open_private(int dir_fd, const char *name, int flags, mode_t mode,
				unsigned int checks, struct stat *st_out);

/*
 * Check a directory's @p st (of @p path): @p own: owned by the euid and not
 * writable by group/other; else a trusted ancestor: owned by root or the euid,
 * writable by group/other only with the sticky bit.
 * @return 0, -ENOTDIR or -EACCES with a message naming the owner or mode.
 */
HM_INTERNAL int hm_dir_check(const char *path, const struct stat *st, bool own);

/*
 * mkdir -p @p path (absolute) with mode 0700, checking every level that already
 * existed: the last must be a private directory, the others trusted ancestors
 * (a symlink among them is checked, and so is every level of where it leads).
 * *made_len: 0 when every level existed, else the length of the first level
 * created (every level below it was created too). On failure what was created
 * is removed again. @return 0 or -errno with a message.
 */
HM_INTERNAL int hm_mkdirs_private(const char *path, size_t *made_len);

/*
 * Remove the levels of @p path that hm_mkdirs_private created (length >= made_len),
 * innermost first. A level that cannot be removed is reported through the log
 * hook at WARNING with its path (an outer level that still holds another entry
 * is not a failure). @return the number of failures.
 */
HM_INTERNAL int hm_rmdirs_made(const char *path, size_t made_len);

/*
 * Size the file of @p fd to @p size bytes. On tmpfs (runtime dirs under /run,
 * $XDG_RUNTIME_DIR, /dev/shm) the blocks are allocated now, so a full tmpfs is
 * -ENOMEM here and not a SIGBUS when the mapping is first written; elsewhere the
 * file is sized sparse (allocating on a disk costs milliseconds per MiB).
 * @return 0, -ENOMEM (no room), or the errno of fallocate/ftruncate.
 */
HM_INTERNAL int hm_file_size(int fd, uint64_t size);

/* Copy absolute @p in to @p out, collapsing '//' and dropping a trailing '/';
 * '.' and '..' components are refused. @return 0, -EINVAL, -ENAMETOOLONG. */
HM_INTERNAL int hm_path_normalize(const char *in, char *out, size_t len);

#endif /* HUGEMEM_COMMON_I_H */
