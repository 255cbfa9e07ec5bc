/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK 22.11's CPU feature flags (rte_cpuflags.h, x86 names and values), written
 * for hugemem: the flag enum in DPDK's order, so that a value compiled against
 * DPDK means the same flag here, and the queries over CPUID.
 */
#ifndef _RTE_CPUFLAGS_H_
#define _RTE_CPUFLAGS_H_

#include <errno.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_compat.h>

#ifdef __cplusplus
extern "C" {
#endif

/** x86 CPU features, as DPDK numbers them (CPUID leaves 1, 6, 7, 0x80000001, 0x80000007). */
enum rte_cpu_flag_t {
	RTE_CPUFLAG_SSE3 = 0,
	RTE_CPUFLAG_PCLMULQDQ,
	RTE_CPUFLAG_DTES64,
	RTE_CPUFLAG_MONITOR,
	RTE_CPUFLAG_DS_CPL,
	RTE_CPUFLAG_VMX,
	RTE_CPUFLAG_SMX,
	RTE_CPUFLAG_EIST,
	RTE_CPUFLAG_TM2,
	RTE_CPUFLAG_SSSE3,
	RTE_CPUFLAG_CNXT_ID,
	RTE_CPUFLAG_FMA,
	RTE_CPUFLAG_CMPXCHG16B,
	RTE_CPUFLAG_XTPR,
	RTE_CPUFLAG_PDCM,
	RTE_CPUFLAG_PCID,
	RTE_CPUFLAG_DCA,
	RTE_CPUFLAG_SSE4_1,
	RTE_CPUFLAG_SSE4_2,
	RTE_CPUFLAG_X2APIC,
	RTE_CPUFLAG_MOVBE,
	RTE_CPUFLAG_POPCNT,
	RTE_CPUFLAG_TSC_DEADLINE,
	RTE_CPUFLAG_AES,
	RTE_CPUFLAG_XSAVE,
	RTE_CPUFLAG_OSXSAVE,
	RTE_CPUFLAG_AVX,
	RTE_CPUFLAG_F16C,
	RTE_CPUFLAG_RDRAND,
	RTE_CPUFLAG_HYPERVISOR,
	RTE_CPUFLAG_FPU,
	RTE_CPUFLAG_VME,
	RTE_CPUFLAG_DE,
	RTE_CPUFLAG_PSE,
	RTE_CPUFLAG_TSC,
	RTE_CPUFLAG_MSR,
	RTE_CPUFLAG_PAE,
	RTE_CPUFLAG_MCE,
	RTE_CPUFLAG_CX8,
	RTE_CPUFLAG_APIC,
	RTE_CPUFLAG_SEP,
	RTE_CPUFLAG_MTRR,
	RTE_CPUFLAG_PGE,
	RTE_CPUFLAG_MCA,
	RTE_CPUFLAG_CMOV,
	RTE_CPUFLAG_PAT,
	RTE_CPUFLAG_PSE36,
	RTE_CPUFLAG_PSN,
	RTE_CPUFLAG_CLFSH,
	RTE_CPUFLAG_DS,
	RTE_CPUFLAG_ACPI,
	RTE_CPUFLAG_MMX,
	RTE_CPUFLAG_FXSR,
	RTE_CPUFLAG_SSE,
	RTE_CPUFLAG_SSE2,
	RTE_CPUFLAG_SS,
	RTE_CPUFLAG_HTT,
	RTE_CPUFLAG_TM,
	RTE_CPUFLAG_PBE,
	RTE_CPUFLAG_DIGTEMP,
	RTE_CPUFLAG_TRBOBST,
	RTE_CPUFLAG_ARAT,
	RTE_CPUFLAG_PLN,
	RTE_CPUFLAG_ECMD,
	RTE_CPUFLAG_PTM,
	RTE_CPUFLAG_MPERF_APERF_MSR,
	RTE_CPUFLAG_ACNT2,
	RTE_CPUFLAG_ENERGY_EFF,
	RTE_CPUFLAG_FSGSBASE,
	RTE_CPUFLAG_BMI1,
	RTE_CPUFLAG_HLE,
	RTE_CPUFLAG_AVX2,
	RTE_CPUFLAG_SMEP,
	RTE_CPUFLAG_BMI2,
	RTE_CPUFLAG_ERMS,
	RTE_CPUFLAG_INVPCID,
	RTE_CPUFLAG_RTM,
	RTE_CPUFLAG_AVX512F,
	RTE_CPUFLAG_RDSEED,
	RTE_CPUFLAG_LAHF_SAHF,
	RTE_CPUFLAG_LZCNT,
	RTE_CPUFLAG_SYSCALL,
	RTE_CPUFLAG_XD,
	RTE_CPUFLAG_1GB_PG,
	RTE_CPUFLAG_RDTSCP,
	RTE_CPUFLAG_EM64T,
	RTE_CPUFLAG_INVTSC,
	RTE_CPUFLAG_AVX512DQ,
	RTE_CPUFLAG_AVX512IFMA,
	RTE_CPUFLAG_AVX512CD,
	RTE_CPUFLAG_AVX512BW,
	RTE_CPUFLAG_AVX512VL,
	RTE_CPUFLAG_AVX512VBMI,
	RTE_CPUFLAG_AVX512VBMI2,
	RTE_CPUFLAG_GFNI,
	RTE_CPUFLAG_VAES,
	RTE_CPUFLAG_VPCLMULQDQ,
	RTE_CPUFLAG_AVX512VNNI,
	RTE_CPUFLAG_AVX512BITALG,
	RTE_CPUFLAG_AVX512VPOPCNTDQ,
	RTE_CPUFLAG_CLDEMOTE,
	RTE_CPUFLAG_MOVDIRI,
	RTE_CPUFLAG_MOVDIR64B,
	RTE_CPUFLAG_AVX512VP2INTERSECT,
	RTE_CPUFLAG_WAITPKG,
	RTE_CPUFLAG_NUMFLAGS, /* the number of flags; not a flag */
};

/** Which power-management intrinsics rte_power_* offers (hugemem has none: all 0). */
struct rte_cpu_intrinsics {
	uint32_t power_monitor : 1;
	uint32_t power_pause : 1;
	uint32_t power_monitor_multi : 1;
};

/** Fill @p intrinsics (all zero: hugemem has no rte_power_monitor / rte_power_pause). */
__rte_experimental
void rte_cpu_get_intrinsics_support(struct rte_cpu_intrinsics *intrinsics);

/** The flag's name ("SSE4_2"), or NULL for a value that is not a flag. */
const char *rte_cpu_get_flag_name(enum rte_cpu_flag_t feature);

/**
 * Whether this CPU has @p feature.
 * @return 1 (yes), 0 (no, or its CPUID leaf is beyond the CPU's), -ENOENT (not a flag).
 */
int rte_cpu_get_flag_enabled(enum rte_cpu_flag_t feature);

/**
 * Whether this CPU has every flag the layer was compiled to use (SSE4.2, AVX2...
 * as the compiler's target macros say); logs the first missing one.
 * @return 1 or 0.
 */
int rte_cpu_is_supported(void);

/** getauxval(@p type): 0 when the auxiliary vector has no such entry. */
unsigned long rte_cpu_getauxval(unsigned long type);

/**
 * strcmp of the string auxiliary value @p type (AT_PLATFORM, AT_BASE_PLATFORM,
 * AT_EXECFN) with @p str; -1 for another type, an absent entry or a NULL @p str.
 */
int rte_cpu_strcmp_auxval(unsigned long type, const char *str);

#ifdef __cplusplus
}
#endif
#endif /* _RTE_CPUFLAGS_H_ */
