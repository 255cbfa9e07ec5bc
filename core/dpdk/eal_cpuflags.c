/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_cpuflags.h: CPU feature flags read with CPUID (x86); on other
 * architectures every flag reads 0. The table maps each enum value to its CPUID
 * leaf, subleaf, register and bit (Intel SDM vol. 2A, CPUID; AMD APM vol. 3 for
 * the 0x8000000x leaves).
 */
#include <errno.h>
#include <string.h>
#include <sys/auxv.h>
#include <elf.h>

#include <rte_cpuflags.h>
#include <rte_log.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HAVE_CPUID 1
#endif

enum { EAX, EBX, ECX, EDX };

struct feature {
	const char *name;
	uint32_t leaf, subleaf;
	uint8_t reg, bit;
};

#define FEAT(n, l, s, r, b) [RTE_CPUFLAG_##n] = { #n, l, s, r, b }

static const struct feature features[RTE_CPUFLAG_NUMFLAGS] = {
	FEAT(SSE3, 0x1, 0, ECX, 0),
	FEAT(PCLMULQDQ, 0x1, 0, ECX, 1),
	FEAT(DTES64, 0x1, 0, ECX, 2),
	FEAT(MONITOR, 0x1, 0, ECX, 3),
	FEAT(DS_CPL, 0x1, 0, ECX, 4),
	FEAT(VMX, 0x1, 0, ECX, 5),
	FEAT(SMX, 0x1, 0, ECX, 6),
	FEAT(EIST, 0x1, 0, ECX, 7),
	FEAT(TM2, 0x1, 0, ECX, 8),
	FEAT(SSSE3, 0x1, 0, ECX, 9),
	FEAT(CNXT_ID, 0x1, 0, ECX, 10),
	FEAT(FMA, 0x1, 0, ECX, 12),
	FEAT(CMPXCHG16B, 0x1, 0, ECX, 13),
	FEAT(XTPR, 0x1, 0, ECX, 14),
	FEAT(PDCM, 0x1, 0, ECX, 15),
	FEAT(PCID, 0x1, 0, ECX, 17),
	FEAT(DCA, 0x1, 0, ECX, 18),
	FEAT(SSE4_1, 0x1, 0, ECX, 19),
	FEAT(SSE4_2, 0x1, 0, ECX, 20),
	FEAT(X2APIC, 0x1, 0, ECX, 21),
	FEAT(MOVBE, 0x1, 0, ECX, 22),
	FEAT(POPCNT, 0x1, 0, ECX, 23),
	FEAT(TSC_DEADLINE, 0x1, 0, ECX, 24),
	FEAT(AES, 0x1, 0, ECX, 25),
	FEAT(XSAVE, 0x1, 0, ECX, 26),
	FEAT(OSXSAVE, 0x1, 0, ECX, 27),
	FEAT(AVX, 0x1, 0, ECX, 28),
	FEAT(F16C, 0x1, 0, ECX, 29),
	FEAT(RDRAND, 0x1, 0, ECX, 30),
	FEAT(HYPERVISOR, 0x1, 0, ECX, 31),
	FEAT(FPU, 0x1, 0, EDX, 0),
	FEAT(VME, 0x1, 0, EDX, 1),
	FEAT(DE, 0x1, 0, EDX, 2),
	FEAT(PSE, 0x1, 0, EDX, 3),
	FEAT(TSC, 0x1, 0, EDX, 4),
	FEAT(MSR, 0x1, 0, EDX, 5),
	FEAT(PAE, 0x1, 0, EDX, 6),
	FEAT(MCE, 0x1, 0, EDX, 7),
	FEAT(CX8, 0x1, 0, EDX, 8),
	FEAT(APIC, 0x1, 0, EDX, 9),
	FEAT(SEP, 0x1, 0, EDX, 11),
	FEAT(MTRR, 0x1, 0, EDX, 12),
	FEAT(PGE, 0x1, 0, EDX, 13),
	FEAT(MCA, 0x1, 0, EDX, 14),
	FEAT(CMOV, 0x1, 0, EDX, 15),
	FEAT(PAT, 0x1, 0, EDX, 16),
	FEAT(PSE36, 0x1, 0, EDX, 17),
	FEAT(PSN, 0x1, 0, EDX, 18),
	FEAT(CLFSH, 0x1, 0, EDX, 19),
	FEAT(DS, 0x1, 0, EDX, 21),
	FEAT(ACPI, 0x1, 0, EDX, 22),
	FEAT(MMX, 0x1, 0, EDX, 23),
	FEAT(FXSR, 0x1, 0, EDX, 24),
	FEAT(SSE, 0x1, 0, EDX, 25),
	FEAT(SSE2, 0x1, 0, EDX, 26),
	FEAT(SS, 0x1, 0, EDX, 27),
	FEAT(HTT, 0x1, 0, EDX, 28),
	FEAT(TM, 0x1, 0, EDX, 29),
	FEAT(PBE, 0x1, 0, EDX, 31),
	FEAT(DIGTEMP, 0x6, 0, EAX, 0),
	FEAT(TRBOBST, 0x6, 0, EAX, 1),
	FEAT(ARAT, 0x6, 0, EAX, 2),
	FEAT(PLN, 0x6, 0, EAX, 4),
	FEAT(ECMD, 0x6, 0, EAX, 5),
	FEAT(PTM, 0x6, 0, EAX, 6),
	FEAT(MPERF_APERF_MSR, 0x6, 0, ECX, 0),
	FEAT(ACNT2, 0x6, 0, ECX, 1),
	FEAT(ENERGY_EFF, 0x6, 0, ECX, 3),
	FEAT(FSGSBASE, 0x7, 0, EBX, 0),
	FEAT(BMI1, 0x7, 0, EBX, 3),
	FEAT(HLE, 0x7, 0, EBX, 4),
	FEAT(AVX2, 0x7, 0, EBX, 5),
	FEAT(SMEP, 0x7, 0, EBX, 7),
	FEAT(BMI2, 0x7, 0, EBX, 8),
	FEAT(ERMS, 0x7, 0, EBX, 9),
	FEAT(INVPCID, 0x7, 0, EBX, 10),
	FEAT(RTM, 0x7, 0, EBX, 11),
	FEAT(AVX512F, 0x7, 0, EBX, 16),
	FEAT(RDSEED, 0x7, 0, EBX, 18),
	FEAT(LAHF_SAHF, 0x80000001, 0, ECX, 0),
	FEAT(LZCNT, 0x80000001, 0, ECX, 5),
	FEAT(SYSCALL, 0x80000001, 0, EDX, 11),
	FEAT(XD, 0x80000001, 0, EDX, 20),
	FEAT(1GB_PG, 0x80000001, 0, EDX, 26),
	FEAT(RDTSCP, 0x80000001, 0, EDX, 27),
	FEAT(EM64T, 0x80000001, 0, EDX, 29),
	FEAT(INVTSC, 0x80000007, 0, EDX, 8),
	FEAT(AVX512DQ, 0x7, 0, EBX, 17),
	FEAT(AVX512IFMA, 0x7, 0, EBX, 21),
	FEAT(AVX512CD, 0x7, 0, EBX, 28),
	FEAT(AVX512BW, 0x7, 0, EBX, 30),
	FEAT(AVX512VL, 0x7, 0, EBX, 31),
	FEAT(AVX512VBMI, 0x7, 0, ECX, 1),
	FEAT(AVX512VBMI2, 0x7, 0, ECX, 6),
	FEAT(GFNI, 0x7, 0, ECX, 8),
	FEAT(VAES, 0x7, 0, ECX, 9),
	FEAT(VPCLMULQDQ, 0x7, 0, ECX, 10),
	FEAT(AVX512VNNI, 0x7, 0, ECX, 11),
	FEAT(AVX512BITALG, 0x7, 0, ECX, 12),
	FEAT(AVX512VPOPCNTDQ, 0x7, 0, ECX, 14),
	FEAT(CLDEMOTE, 0x7, 0, ECX, 25),
	FEAT(MOVDIRI, 0x7, 0, ECX, 27),
	FEAT(MOVDIR64B, 0x7, 0, ECX, 28),
	FEAT(AVX512VP2INTERSECT, 0x7, 0, EDX, 8),
	FEAT(WAITPKG, 0x7, 0, ECX, 5),
};

const char *
rte_cpu_get_flag_name(enum rte_cpu_flag_t feature)
{
	if ((unsigned int)feature >= RTE_CPUFLAG_NUMFLAGS)
		return NULL;
	return features[feature].name;
}

int
rte_cpu_get_flag_enabled(enum rte_cpu_flag_t feature)
{
	if ((unsigned int)feature >= RTE_CPUFLAG_NUMFLAGS)
		return -ENOENT;
#ifdef HAVE_CPUID
	const struct feature *f = &features[feature];
	unsigned int r[4] = { 0 };

	if ((uint32_t)__get_cpuid_max(f->leaf & 0x80000000u, NULL) < f->leaf)
		return 0;
	__cpuid_count(f->leaf, f->subleaf, r[EAX], r[EBX], r[ECX], r[EDX]);
	return (int)((r[f->reg] >> f->bit) & 1u);
#else
	return 0;
#endif
}

/* The flags this library was compiled to use (the compiler's target macros). */
static const enum rte_cpu_flag_t compiled[] = {
#ifdef __SSE__
	RTE_CPUFLAG_SSE,
#endif
#ifdef __SSE2__
	RTE_CPUFLAG_SSE2,
#endif
#ifdef __SSE3__
	RTE_CPUFLAG_SSE3,
#endif
#ifdef __SSSE3__
	RTE_CPUFLAG_SSSE3,
#endif
#ifdef __SSE4_1__
	RTE_CPUFLAG_SSE4_1,
#endif
#ifdef __SSE4_2__
	RTE_CPUFLAG_SSE4_2,
#endif
#ifdef __AVX__
	RTE_CPUFLAG_AVX,
#endif
#ifdef __AVX2__
	RTE_CPUFLAG_AVX2,
#endif
#ifdef __AVX512F__
	RTE_CPUFLAG_AVX512F,
#endif
#ifdef __AES__
	RTE_CPUFLAG_AES,
#endif
#ifdef __PCLMUL__
	RTE_CPUFLAG_PCLMULQDQ,
#endif
#ifdef __POPCNT__
	RTE_CPUFLAG_POPCNT,
#endif
	RTE_CPUFLAG_NUMFLAGS, /* keeps the array non-empty */
};

int
rte_cpu_is_supported(void)
{
	for (size_t i = 0; compiled[i] != RTE_CPUFLAG_NUMFLAGS; i++) {
		if (rte_cpu_get_flag_enabled(compiled[i]) != 1) {
			RTE_LOG(ERR, EAL, "this CPU lacks %s, which the DPDK layer was compiled "
				"for\n", rte_cpu_get_flag_name(compiled[i]));
			return 0;
		}
	}
	return 1;
}

void
rte_cpu_get_intrinsics_support(struct rte_cpu_intrinsics *intrinsics)
{
	if (intrinsics != NULL)
		memset(intrinsics, 0, sizeof(*intrinsics));
}

unsigned long
rte_cpu_getauxval(unsigned long type)
{
	return getauxval(type);
}

/* Only the entries that hold a string pointer are read as strings (DPDK reads any
 * type as one: AT_HWCAP's bits would be dereferenced). */
int
rte_cpu_strcmp_auxval(unsigned long type, const char *str)
{
	const char *v;

	if (type != AT_PLATFORM && type != AT_BASE_PLATFORM && type != AT_EXECFN)
		return -1;
	v = (const char *)rte_cpu_getauxval(type);

	if (v == NULL || str == NULL)
		return -1;
	return strcmp(v, str);
}
