/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmocka glue over the public test helpers (hugemem/testing.h): where those
 * return HM_TESTING_SKIP, these skip the cmocka test (or the whole program,
 * exit 77) with the reason. Plus what only hugemem's own tests use: resource
 * counters and a seeded PRNG.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "hm_config.h"
#include "hugemem/fusefs.h"
#include "hugemem/testing.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

void
hm_test_skip_all(const char *why, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, why);
	vsnprintf(msg, sizeof(msg), why, ap);
	va_end(ap);
	hm_testing_skip_exit("%s", msg);
}

/*
 * stdout line by line: meson reads a test's output through a pipe, and a test
 * it kills at its timeout would take a fully buffered cmocka failure message
 * (the line that says why it hung) with it.
 */
__attribute__((constructor)) static void
stdout_by_line(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

const char *
hm_test_backend(void)
{
	return hm_testing_backend();
}

uint64_t
hm_test_seed(void)
{
	const char *s = getenv("HUGEMEM_TEST_SEED");
	uint64_t seed = s != NULL ? strtoull(s, NULL, 0) : 0x9e3779b97f4a7c15ULL;
	if (seed == 0)
		seed = 1;
	printf("# seed 0x%" PRIx64 " (set HUGEMEM_TEST_SEED to replay)\n", seed);
	return seed;
}

void
hm_test_slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	buf[0] = '\0';
	if (f == NULL)
		return;
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

uint64_t
hm_test_rand(uint64_t *st)
{
	uint64_t x = *st;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return x * 0x2545f4914f6cdd1dULL;
}

void
hm_test_shuffle(void *base, size_t n, size_t size, uint64_t *state)
{
	unsigned char *v = base, t[64];

	assert_true(size <= sizeof(t));
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(hm_test_rand(state) % i);
		memcpy(t, v + j * size, size);
		memcpy(v + j * size, v + (i - 1) * size, size);
		memcpy(v + (i - 1) * size, t, size);
	}
}

static int
count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (e->d_type == DT_DIR) {
			char sub[4096];
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			int k = count_dir(sub);
			if (k > 0)
				n += k;
		}
	}
	closedir(d);
	return n;
}

int
hm_test_count_fds(void)
{
	int n = count_dir("/proc/self/fd");
	return n - 1; /* the DIR's own fd */
}

int
hm_test_count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;

	if (f == NULL)
		return -1;
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

int
hm_test_count_files(const char *dir)
{
	return count_dir(dir);
}

int
hm_test_va_mapped(const void *addr, size_t len)
{
	/* MAP_FIXED_NOREPLACE fails with EEXIST when anything overlaps. */
	void *p = mmap((void *)addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	munmap(p, len);
	return p != addr; /* old kernels: hint ignored means something is there */
}

int
hm_test_zombie_children(int *first)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], buf[512], *p, state;
		int ppid;
		FILE *f;
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "re");
		if (f == NULL)
			continue; /* gone meanwhile */
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* "pid (comm) S ppid ...": comm may hold spaces and ')' */
		if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %c %d", &state, &ppid) != 2)
			continue;
		if (ppid == (int)getpid() && state == 'Z') {
			if (n == 0 && first != NULL)
				*first = atoi(e->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

static void
quiet(enum hm_log_level l, const char *m, void *a)
{
	(void)l;
	(void)m;
	(void)a;
}

void
hm_test_quiet_log(void)
{
	hm_log_set_hook(quiet, NULL);
}

/* cmocka-skip the current test with the reason of the last HM_TESTING_SKIP. */
static void
skip_test(void)
{
	printf("# SKIP on %s: %s\n", hm_testing_backend(), hm_testing_reason());
	skip();
}

void
hm_test_backend_ready(void)
{
	if (hm_testing_backend_ready(128) == HM_TESTING_SKIP)
		hm_test_skip_all("%s", hm_testing_reason());
}

void
hm_test_need_emu(const char *why)
{
	if (hm_test_is_emu())
		return;
	printf("# SKIP on %s: %s\n", hm_test_backend(), why);
	skip();
}

static bool
is_fuse(void)
{
	return strcmp(hm_test_backend(), "fuse") == 0;
}

void
hm_test_need_emulated(const char *why)
{
	if (hm_test_is_emu() || is_fuse())
		return;
	printf("# SKIP on %s: %s\n", hm_test_backend(), why);
	skip();
}

unsigned int
hm_test_ops(unsigned int n)
{
	const char *full = getenv("HUGEMEM_TEST_FULL");

	if (!is_fuse() || (full != NULL && *full != '\0' && *full != '0'))
		return n;
	return n / 10 > 0 ? n / 10 : 1;
}

int
hm_test_page_files(void)
{
	const char *d = hm_testing_huge_dir();
#ifdef HM_HAVE_FUSE
	static const char *const sizes[] = { "2M", "4M", "8M", "16M", "32M", "64M", "128M",
					     "256M", "512M", "1G", "2G", "4G", "8G", "16G" };
	const struct hm_backend *be = hm_backend_get();

	if (is_fuse()) {
		char path[4096];
		const char *mnt;
		int n = 0;
		if (be == NULL || (mnt = hm_fusefs_backend_mount(be)) == NULL)
			return 0;
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			int c;
			snprintf(path, sizeof(path), "%s/%s", mnt, sizes[k]);
			c = count_dir(path);
			n += c > 0 ? c : 0;
		}
		return n;
	}
#endif
	if (hm_test_is_emu() || is_fuse() || d == NULL || *d == '\0')
		return 0;
	return count_dir(d);
}

int
hm_test_run_files(const char *dir)
{
	char mnt[4096];
	int n = count_dir(dir), m;

	if (n <= 0 || !is_fuse())
		return n;
	/* the fuse backend's mount is the emulated machine, not hugemem's files */
	snprintf(mnt, sizeof(mnt), "%s/fusefs", dir);
	m = count_dir(mnt);
	return m >= 0 ? n - m - 1 : n;
}

int
hm_test_pages_in_use(int node, uint64_t page_sz)
{
	return hm_testing_pages_in_use(node, page_sz);
}

unsigned int
hm_test_nodes(void)
{
	unsigned int n = hm_testing_nodes();

	if (n == 0)
		skip_test();
	return n;
}

void
hm_test_need_nodes(unsigned int n)
{
	if (hm_testing_need_nodes(n) == HM_TESTING_SKIP)
		skip_test();
}

int
hm_test_node_b(void)
{
	return hm_testing_node_b();
}

bool
hm_test_is_emu(void)
{
	return hm_testing_is_emu();
}

bool
hm_test_has_page_sz(uint64_t page_sz)
{
	return hm_testing_has_page_sz(page_sz);
}

void
hm_test_need_page_sz(uint64_t page_sz)
{
	if (hm_testing_need_page_sz(page_sz) == HM_TESTING_SKIP)
		skip_test();
}

const char *
hm_test_topology(const char *topo, char *buf, size_t len)
{
	const char *out = topo;

	if (hm_testing_topology(topo, buf, len, &out) == HM_TESTING_SKIP)
		skip_test();
	return out;
}

int
hm_test_backend_args(char **argv)
{
	return hm_testing_backend_args(argv);
}

int
hm_test_init_cfg(struct hm_config *c)
{
	int rc = hm_testing_init_cfg(c);

	if (rc == HM_TESTING_SKIP)
		skip_test();
	return rc;
}

int
hm_test_init_topo(const char *topo)
{
	int rc = hm_testing_init_topo(topo);

	if (rc == HM_TESTING_SKIP)
		skip_test();
	return rc;
}

int
hm_test_teardown(void **state)
{
	int rc = 0;

	(void)state;
	if (hm_initialized() && hm_cleanup() == -EBUSY) {
		/* a test that leaks on purpose inits with allow_leaks */
		print_error("hm_cleanup found leaks: %s\n", hm_last_error());
		rc = -1;
	}
	hm_log_set_hook(NULL, NULL);
	return rc;
}

char *
hm_test_leak_report(unsigned int *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	*n = hm_leak_report(f);
	fclose(f);
	assert_non_null(buf);
	return buf;
}
