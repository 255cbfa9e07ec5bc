/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small EAL services: sizes and strings, hex dumps, random numbers, the cycle
 * counter and delays, UUIDs, the version, the SIMD width.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hexdump.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_random.h>
#include <rte_string_fns.h>
#include <rte_uuid.h>
#include <rte_vect.h>
#include <rte_version.h>

#include "dpdk_i.h"
#include "hm_config.h"

/* ---------------------------------------------------------------- sizes, strings */

uint64_t
rte_str_to_size(const char *str)
{
	char *end;
	unsigned long long size;
	unsigned int shift = 0;

	if (str == NULL)
		return 0;
	while (isspace((unsigned char)*str))
		str++;
	if (*str == '-')
		return 0;
	errno = 0;
	size = strtoull(str, &end, 0);
	if (errno != 0 || end == str)
		return 0;
	switch (*end) {
	case 'T': case 't':
		shift = 40;
		break;
	case 'G': case 'g':
		shift = 30;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'K': case 'k':
		shift = 10;
		break;
	case '\0':
		return size;
	default:
		return 0;
	}
	if (end[1] != '\0' || (shift != 0 && size > (UINT64_MAX >> shift)))
		return 0;
	return (uint64_t)size << shift;
}

int
rte_strsplit(char *string, int stringlen, char **tokens, int maxtokens, char delim)
{
	int n = 0;
	bool start = true; /* a token starts here: at 0 and after each delimiter */

	if (string == NULL || tokens == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* "a,,b" gives "a", "", "b", as DPDK's */
	for (int i = 0; i < stringlen && string[i] != '\0' && n < maxtokens; i++) {
		if (start) {
			tokens[n++] = &string[i];
			start = false;
		}
		if (string[i] == delim) {
			string[i] = '\0';
			start = true;
		}
	}
	return n;
}

ssize_t
rte_strscpy(char *dst, const char *src, size_t dsize)
{
	size_t i;

	for (i = 0; i < dsize; i++) {
		dst[i] = src[i];
		if (src[i] == '\0')
			return (ssize_t)i;
	}
	if (dsize > 0)
		dst[dsize - 1] = '\0';
	rte_errno = E2BIG;
	return -E2BIG;
}

/* ---------------------------------------------------------------- dumps */

void
rte_hexdump(FILE *f, const char *title, const void *buf, unsigned int len)
{
	const unsigned char *p = buf;

	if (f == NULL)
		return;
	fprintf(f, "%s at [%p], len=%u\n", title != NULL ? title : "", buf, len);
	for (unsigned int off = 0; off < len; off += 16) {
		char line[128];
		int o = snprintf(line, sizeof(line), "%08X:", off);

		for (unsigned int i = 0; i < 16; i++)
			o += off + i < len ? snprintf(line + o, sizeof(line) - (size_t)o, " %02X",
						      p[off + i])
					   : snprintf(line + o, sizeof(line) - (size_t)o, "   ");
		o += snprintf(line + o, sizeof(line) - (size_t)o, " | ");
		for (unsigned int i = 0; i < 16 && off + i < len; i++)
			line[o++] = isprint(p[off + i]) ? (char)p[off + i] : '.';
		line[o] = '\0';
		fprintf(f, "%s\n", line);
	}
	fflush(f);
}

void
rte_memdump(FILE *f, const char *title, const void *buf, unsigned int len)
{
	const unsigned char *p = buf;

	if (f == NULL)
		return;
	if (title != NULL)
		fprintf(f, "%s: ", title);
	for (unsigned int i = 0; i < len; i++)
		fprintf(f, "%02x%s", p[i], (i + 1) % 16 == 0 || i + 1 == len ? "\n" : ":");
	fflush(f);
}

/* ---------------------------------------------------------------- random */

/* xoshiro256** per state; states seeded through splitmix64. */
struct rng {
	uint64_t s[4];
} __rte_cache_aligned;

static struct rng rngs[RTE_MAX_LCORE + 1]; /* the last one: threads without an lcore */
static pthread_mutex_t unreg_lock = PTHREAD_MUTEX_INITIALIZER;
static bool seeded;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

void
rte_srand(uint64_t seedval)
{
	uint64_t x = seedval;

	pthread_mutex_lock(&unreg_lock);
	for (unsigned int i = 0; i <= RTE_MAX_LCORE; i++)
		for (int k = 0; k < 4; k++)
			rngs[i].s[k] = splitmix(&x);
	__atomic_store_n(&seeded, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&unreg_lock);
}

static void
seed_default(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (!__atomic_load_n(&seeded, __ATOMIC_ACQUIRE))
		rte_srand(((uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec) ^ rte_rdtsc());
}

uint64_t
rte_rand(void)
{
	unsigned int id = rte_lcore_id();
	uint64_t v;

	pthread_once(&seed_once, seed_default);
	if (id < RTE_MAX_LCORE)
		return rng_next(&rngs[id]); /* only this lcore's thread uses it */
	pthread_mutex_lock(&unreg_lock);
	v = rng_next(&rngs[RTE_MAX_LCORE]);
	pthread_mutex_unlock(&unreg_lock);
	return v;
}

uint64_t
rte_rand_max(uint64_t upper_bound)
{
	uint64_t mask, v;

	if (upper_bound < 2)
		return 0;
	/* rejection sampling on the smallest covering mask: uniform */
	mask = rte_combine64ms1b(upper_bound - 1);
	do
		v = rte_rand() & mask;
	while (v >= upper_bound);
	return v;
}

double
rte_drand(void)
{
	return (double)(rte_rand() >> 11) * 0x1.0p-53;
}

/* ---------------------------------------------------------------- time */

enum timer_source eal_timer_source = EAL_TIMER_TSC;

static uint64_t tsc_hz;
static pthread_once_t tsc_once = PTHREAD_ONCE_INIT;

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void
measure_tsc(void)
{
#if defined(__aarch64__)
	uint64_t f;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	tsc_hz = f;
#else
	/* the counter over 20 ms of the monotonic clock, rounded to 10 kHz */
	uint64_t t0 = mono_ns(), c0 = rte_rdtsc_precise(), t1, c1;
	struct timespec d = { 0, 20 * 1000 * 1000 };

	nanosleep(&d, NULL);
	t1 = mono_ns();
	c1 = rte_rdtsc_precise();
	tsc_hz = t1 > t0 ? (uint64_t)((double)(c1 - c0) * 1e9 / (double)(t1 - t0)) : 0;
	tsc_hz = (tsc_hz + 5000) / 10000 * 10000;
	if (tsc_hz == 0)
		tsc_hz = 1;
#endif
}

uint64_t
rte_get_tsc_hz(void)
{
	pthread_once(&tsc_once, measure_tsc);
	return tsc_hz;
}

void
rte_delay_us_block(unsigned int us)
{
	uint64_t start = rte_get_timer_cycles();
	uint64_t ticks = (uint64_t)us * rte_get_timer_hz() / US_PER_S;

	while (rte_get_timer_cycles() - start < ticks)
		rte_pause();
}

void
rte_delay_us_sleep(unsigned int us)
{
	struct timespec req = { (time_t)(us / US_PER_S), (long)(us % US_PER_S) * 1000 }, rem;

	while (nanosleep(&req, &rem) != 0 && errno == EINTR)
		req = rem;
}

void (*rte_delay_us)(unsigned int us) = rte_delay_us_block;

void
rte_delay_us_callback_register(void (*userfunc)(unsigned int))
{
	if (userfunc != NULL)
		rte_delay_us = userfunc;
}

/* ---------------------------------------------------------------- UUIDs */

bool
rte_uuid_is_null(const rte_uuid_t uu)
{
	for (size_t i = 0; i < sizeof(rte_uuid_t); i++)
		if (uu[i] != 0)
			return false;
	return true;
}

int
rte_uuid_compare(const rte_uuid_t a, const rte_uuid_t b)
{
	int c = memcmp(a, b, sizeof(rte_uuid_t));

	return c < 0 ? -1 : c > 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
rte_uuid_parse(const char *in, rte_uuid_t uu)
{
	rte_uuid_t out;
	size_t o = 0;

	if (in == NULL || uu == NULL || strlen(in) != RTE_UUID_STRLEN - 1)
		return -1;
	for (size_t i = 0; i < RTE_UUID_STRLEN - 1;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (in[i++] != '-')
				return -1;
			continue;
		}
		int hi = hexval(in[i]), lo = hexval(in[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[o++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	memcpy(uu, out, sizeof(out));
	return 0;
}

void
rte_uuid_unparse(const rte_uuid_t uu, char *out, size_t len)
{
	char s[RTE_UUID_STRLEN];
	size_t o = 0;

	if (out == NULL || len == 0)
		return;
	for (size_t i = 0; i < sizeof(rte_uuid_t); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s[o++] = '-';
		o += (size_t)snprintf(s + o, sizeof(s) - o, "%02x", uu[i]);
	}
	snprintf(out, len, "%s", s);
}

/* ---------------------------------------------------------------- version */

const char *
rte_version_prefix(void)
{
	return "DPDK";
}

unsigned int
rte_version_year(void)
{
	return RTE_VER_YEAR;
}

unsigned int
rte_version_month(void)
{
	return RTE_VER_MONTH;
}

unsigned int
rte_version_minor(void)
{
	return RTE_VER_MINOR;
}

const char *
rte_version_suffix(void)
{
	return RTE_VER_SUFFIX;
}

unsigned int
rte_version_release(void)
{
	return RTE_VER_RELEASE;
}

const char *
rte_version(void)
{
	return "DPDK 22.11.0 (hugemem " HM_VERSION ")";
}

/* ---------------------------------------------------------------- SIMD width */

static uint16_t simd_width = RTE_VECT_DEFAULT_SIMD_BITWIDTH;
static bool simd_forced;

uint16_t
rte_vect_get_max_simd_bitwidth(void)
{
	return __atomic_load_n(&simd_width, __ATOMIC_RELAXED);
}

int
rte_vect_set_max_simd_bitwidth(uint16_t bitwidth)
{
	if (simd_forced)
		return -EPERM;
	if (bitwidth < RTE_VECT_SIMD_DISABLED || (bitwidth & (bitwidth - 1)) != 0)
		return -EINVAL;
	__atomic_store_n(&simd_width, bitwidth, __ATOMIC_RELAXED);
	return 0;
}

void
eal_vect_force(uint16_t bitwidth)
{
	simd_forced = bitwidth != 0;
	__atomic_store_n(&simd_width, bitwidth != 0 ? bitwidth : RTE_VECT_DEFAULT_SIMD_BITWIDTH,
			 __ATOMIC_RELAXED);
}
