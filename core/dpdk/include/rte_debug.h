/* SPDX-License-Identifier: BSD-3-Clause */
/* Panics and assertions. */
#ifndef _RTE_DEBUG_H_
#define _RTE_DEBUG_H_

#include <rte_log.h>
#include <rte_branch_prediction.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Print the calling thread's stack to the log stream (ERR level). */
void rte_dump_stack(void);

/** Log the message, dump the stack and abort(). */
#define rte_panic(...) rte_panic_(__func__, __VA_ARGS__, "dummy")
#define rte_panic_(func, format, ...) __rte_panic(func, format "%.0s", __VA_ARGS__)

#ifdef RTE_ENABLE_ASSERT
#define RTE_ASSERT(exp) RTE_VERIFY(exp)
#else
#define RTE_ASSERT(exp) do { } while (0)
#endif
#define RTE_VERIFY(exp) \
	do { \
		if (unlikely(!(exp))) \
			rte_panic("line %d\tassert \"%s\" failed\n", __LINE__, #exp); \
	} while (0)

void __rte_panic(const char *funcname, const char *format, ...)
	__attribute__((cold)) __attribute__((noreturn)) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif /* _RTE_DEBUG_H_ */
