/* SPDX-License-Identifier: BSD-3-Clause */
/* What DPDK takes from the OS: queue macros and CPU sets (Linux). */
#ifndef _RTE_OS_H_
#define _RTE_OS_H_

#include <sched.h>
#include <sys/queue.h>

#define RTE_TAILQ_HEAD(name, type) TAILQ_HEAD(name, type)
#define RTE_TAILQ_ENTRY(type) TAILQ_ENTRY(type)
#define RTE_TAILQ_FOREACH(var, head, field) TAILQ_FOREACH(var, head, field)
#define RTE_TAILQ_FIRST(head) TAILQ_FIRST(head)
#define RTE_TAILQ_NEXT(elem, field) TAILQ_NEXT(elem, field)
#define RTE_STAILQ_HEAD(name, type) STAILQ_HEAD(name, type)
#define RTE_STAILQ_ENTRY(type) STAILQ_ENTRY(type)

#define RTE_HAS_CPUSET 1
typedef cpu_set_t rte_cpuset_t;
#define RTE_CPU_AND(dst, src1, src2) CPU_AND(dst, src1, src2)
#define RTE_CPU_OR(dst, src1, src2) CPU_OR(dst, src1, src2)
#define RTE_CPU_FILL(set) \
	do { \
		for (unsigned int rte_cpu_i_ = 0; rte_cpu_i_ < CPU_SETSIZE; rte_cpu_i_++) \
			CPU_SET(rte_cpu_i_, (set)); \
	} while (0)
#define RTE_CPU_NOT(dst, src) \
	do { \
		cpu_set_t rte_cpu_all_; \
		RTE_CPU_FILL(&rte_cpu_all_); \
		CPU_XOR(dst, &rte_cpu_all_, src); \
	} while (0)

#endif /* _RTE_OS_H_ */
