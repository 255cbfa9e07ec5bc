/* SPDX-License-Identifier: BSD-3-Clause */
/* API stability markers. As with DPDK, calling an experimental function needs
 * ALLOW_EXPERIMENTAL_API and an internal one ALLOW_INTERNAL_API. */
#ifndef _RTE_COMPAT_H_
#define _RTE_COMPAT_H_

#ifndef ALLOW_EXPERIMENTAL_API
#define __rte_experimental \
	__attribute__((deprecated("Symbol is not yet part of stable ABI")))
#else
#define __rte_experimental
#endif

#if !defined(ALLOW_INTERNAL_API) && defined(__has_attribute)
#if __has_attribute(error)
#define __rte_internal __attribute__((error("Symbol is not public ABI")))
#else
#define __rte_internal __attribute__((deprecated("Symbol is not public ABI")))
#endif
#else
#define __rte_internal
#endif

#endif /* _RTE_COMPAT_H_ */
