/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the emu backend puts underneath an emulated page: every page it maps is
 * madvised MADV_HUGEPAGE (the "hg" flag of its mapping in /proc/self/smaps),
 * in-memory pages are private anonymous memory (anonymous THP applies, no file
 * behind them), and hm_emu_backing_page_size() reports the kernel's policy: it is
 * compared here with the policy read straight from sysfs (the model), and its bad
 * inputs are refused with -EINVAL. Where that policy says THP, an in-memory 2M
 * page is one THP as soon as page_map returns (populated there: AnonHugePages and
 * Rss of its mapping in /proc/self/smaps are 2048 kB before any touch). Whether
 * the kernel finds a free 2M block for a given fault is up to memory
 * fragmentation: when /proc/vmstat's thp_fault_fallback says it fell back to base
 * pages during the map, that test skips rather than fails.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common_i.h"
#include "helpers.h"
#include "hugemem/emu.h"
#include "vmstat.h"

#define M2 (2 * HM_MB)

static char rundir[1024];

/* The bracketed word of a sysfs THP policy file, "" if unreadable. */
static void
policy(const char *file, char *out, size_t len)
{
	char path[256], line[256], *a, *b;
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/%s", file);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) != NULL && (a = strchr(line, '[')) != NULL &&
	    (b = strchr(a, ']')) != NULL && (size_t)(b - a) <= len) {
		memcpy(out, a + 1, (size_t)(b - a - 1));
		out[b - a - 1] = '\0';
	}
	fclose(f);
}

static uint64_t
thp_size(void)
{
	unsigned long long v = 0;
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");

	if (f != NULL) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* The smaps record of the mapping holding @p addr: its first line and VmFlags. */
static bool
smaps_of(const void *addr, char *first, size_t flen, char *flags, size_t glen)
{
	char line[1024];
	unsigned long lo, hi;
	bool in = false, found = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			if (in)
				snprintf(first, flen, "%s", line);
			continue;
		}
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, glen, "%s", line + 8);
			found = true;
			break;
		}
	}
	fclose(f);
	return found;
}

/* The kB of "<field>:" in the smaps record of the mapping holding @p addr; -1 if none. */
static long
smaps_kb(const void *addr, const char *field)
{
	char line[1024];
	unsigned long lo, hi;
	size_t flen = strlen(field);
	long kb = -1;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && strncmp(line, field, flen) == 0 && line[flen] == ':') {
			kb = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE 41
#define PR_GET_THP_DISABLE 42
#endif

/*
 * The anonymous THP policy that applies to this process's madvised memory (the
 * model): "prctl" when PR_SET_THP_DISABLE rules it out, else the THP size's own
 * hugepages-<size>kB/enabled unless that is [inherit] or absent, else enabled.
 */
static void
effective_anon_policy(char *out, size_t len)
{
	char file[64];
	int r = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);

	if (r > 0 && (r & 2) == 0) { /* 2: PR_THP_DISABLE_EXCEPT_ADVISED */
		snprintf(out, len, "prctl");
		return;
	}
	snprintf(file, sizeof(file), "hugepages-%" PRIu64 "kB/enabled", thp_size() >> 10);
	policy(file, out, len);
	if (out[0] == '\0' || strcmp(out, "inherit") == 0)
		policy("enabled", out, len);
}

static void
test_backing_bad_input(void **state)
{
	char why[256];

	(void)state;
	strcpy(why, "untouched");
	const uint64_t bad[] = { 0, 1, 3, 2048, 8193, 3 * HM_MB, 32 * HM_GB, UINT64_MAX };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hm_emu_backing_page_size(true, NULL, bad[i], why, sizeof(why)),
				 -EINVAL);
		assert_non_null(strstr(hm_last_error(), "not an emulated page size"));
	}
	assert_int_equal(hm_emu_backing_page_size(true, NULL, M2, NULL, 16), -EINVAL);
	assert_non_null(strstr(hm_last_error(), "NULL buffer"));
	assert_int_equal(hm_emu_backing_page_size(false, NULL, M2, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(hm_last_error(), "absolute path"));
	assert_int_equal(hm_emu_backing_page_size(false, "dev/shm", M2, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(hm_emu_backing_page_size(false, "", M2, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "untouched"); /* nothing written on failure */
}

static void
test_backing_policy_model(void **state)
{
	uint64_t base = (uint64_t)sysconf(_SC_PAGESIZE), thp = thp_size();
	char why[512], anon[32], shmem[32];
	int64_t got;

	(void)state;
	effective_anon_policy(anon, sizeof(anon));
	policy("shmem_enabled", shmem, sizeof(shmem));
	/* emulated pages smaller than a THP: base pages, in every mode */
	assert_int_equal(hm_emu_backing_page_size(true, NULL, 4 * HM_KB, why, sizeof(why)),
			 (int64_t)base);
	assert_non_null(strstr(why, "4K pages are"));
	assert_int_equal(hm_emu_backing_page_size(false, "/dev/shm", 64 * HM_KB, why,
						  sizeof(why)), (int64_t)base);
	/* in-memory: anonymous THP policy */
	got = hm_emu_backing_page_size(true, NULL, M2, why, sizeof(why));
	if (thp == 0 || thp > M2)
		assert_int_equal(got, (int64_t)base);
	else if (strcmp(anon, "always") == 0 || strcmp(anon, "madvise") == 0)
		assert_int_equal(got, (int64_t)thp);
	else
		assert_int_equal(got, (int64_t)base);
	assert_non_null(strstr(why, "2M pages are"));
	if (thp != 0 && thp <= M2 && strcmp(anon, "prctl") == 0)
		assert_non_null(strstr(why, "PR_SET_THP_DISABLE"));
	else if (thp != 0 && thp <= M2)
		assert_non_null(strstr(why, anon[0] != '\0' ? anon : "unreadable"));
	/* 1G emulated pages: THP-sized pieces when THP applies */
	assert_int_equal(hm_emu_backing_page_size(true, NULL, HM_GB, NULL, 0), got);
	/* file mode on a filesystem that is not tmpfs: base pages unless shmem is forced */
	got = hm_emu_backing_page_size(false, "/proc/self", M2, why, sizeof(why));
	if (thp != 0 && strcmp(shmem, "force") == 0)
		assert_int_equal(got, (int64_t)thp);
	else if (thp != 0 && thp <= M2 && strcmp(shmem, "deny") != 0)
		assert_non_null(strstr(why, "not on tmpfs"));
	if (thp != 0 && strcmp(shmem, "force") != 0)
		assert_int_equal(got, (int64_t)base);
	/* shmem deny wins over any mount option */
	got = hm_emu_backing_page_size(false, "/dev/shm", M2, why, sizeof(why));
	if (strcmp(shmem, "deny") == 0 || thp == 0)
		assert_int_equal(got, (int64_t)base);
	assert_true(got == (int64_t)base || got == (int64_t)thp);
}

/* Map one 2M page of an emu instance; the mapping's smaps record. */
static void
map_and_inspect(bool in_memory)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops };
	struct hm_page pg;
	char first[1024], flags[512];
	char *va;

	memset(&p, 0, sizeof(p));
	p.topology = "nodes=1;2M=2";
	p.in_memory = in_memory;
	p.runtime_dir = in_memory ? NULL : rundir;
	p.prefix = "thptest";
	assert_int_equal(hm_emu_ops.create(&be, &p), 0);
	va = hm_va_reserve(NULL, M2, M2, 0);
	assert_non_null(va);
	memset(&pg, 0, sizeof(pg));
	pg.va = va;
	pg.page_sz = M2;
	pg.node = 0;
	assert_int_equal(hm_emu_ops.page_map(&be, &pg), 0);
	va[0] = 1;
	va[M2 - 1] = 2;
	assert_true(smaps_of(va, first, sizeof(first), flags, sizeof(flags)));
	assert_non_null(strstr(flags, " hg")); /* MADV_HUGEPAGE */
	if (in_memory) {
		/* private anonymous: "rw-p", no file behind it */
		assert_non_null(strstr(first, " rw-p "));
		assert_null(strchr(first, '/'));
	} else {
		assert_non_null(strstr(first, " rw-s "));
		assert_non_null(strstr(first, "thptestmap_2048k_0_0"));
	}
	assert_int_equal(va[0] + va[M2 - 1], 3);
	assert_int_equal(va[1], 0);
	hm_emu_ops.page_unmap(&be, &pg);
	hm_va_release(va, M2);
	hm_emu_ops.destroy(&be);
}

static void
test_in_memory_pages_are_anonymous_and_madvised(void **state)
{
	(void)state;
	map_and_inspect(true);
}

static void
test_page_files_are_madvised(void **state)
{
	(void)state;
	map_and_inspect(false);
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Whether this kernel has MADV_POPULATE_WRITE. */
static bool
populate_write_works(void)
{
	size_t len = (size_t)sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok;

	assert_true(p != MAP_FAILED);
	ok = madvise(p, len, MADV_POPULATE_WRITE) == 0;
	munmap(p, len);
	return ok;
}

/*
 * Where the kernel offers anonymous THP (hm_emu_backing_page_size says so), each
 * in-memory 2M page is one THP, populated by page_map: the first touch of an
 * emulated hugepage costs one 2M fault, as on hugetlbfs, and not 512.
 */
static void
test_in_memory_page_is_a_thp(void **state)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops };
	struct hm_page pg[2];
	char why[512];
	long long fb0, fb1;
	long anon[2], rss[2];
	char *va;

	(void)state;
	if (hm_emu_backing_page_size(true, NULL, M2, why, sizeof(why)) != (int64_t)M2) {
		print_message("skipped: %s\n", why);
		skip();
	}
	memset(&p, 0, sizeof(p));
	p.topology = "nodes=1;2M=2";
	p.in_memory = true;
	assert_int_equal(hm_emu_ops.create(&be, &p), 0);
	/* two adjacent pages: each is its own THP, whether or not their VMAs merge */
	va = hm_va_reserve(NULL, 2 * M2, M2, 0);
	assert_non_null(va);
	fb0 = hm_test_vmstat("thp_fault_fallback");
	for (int i = 0; i < 2; i++) {
		memset(&pg[i], 0, sizeof(pg[i]));
		pg[i].va = va + i * M2;
		pg[i].page_sz = M2;
		pg[i].node = 0;
		assert_int_equal(hm_emu_ops.page_map(&be, &pg[i]), 0);
	}
	/* populated at page_map, before any touch (MADV_POPULATE_WRITE, Linux 5.14;
	 * older kernels leave it to the first touch) */
	if (!populate_write_works())
		for (int i = 0; i < 2; i++)
			va[i * M2] = 0;
	fb1 = hm_test_vmstat("thp_fault_fallback");
	for (int i = 0; i < 2; i++) {
		anon[i] = smaps_kb(pg[i].va, "AnonHugePages");
		rss[i] = smaps_kb(pg[i].va, "Rss");
	}
	if ((anon[0] < 2048 || anon[1] < 2048) && fb1 > fb0) {
		print_message("skipped: the kernel fell back to base pages (thp_fault_fallback "
			      "+%lld: memory too fragmented)\n", fb1 - fb0);
		for (int i = 0; i < 2; i++)
			hm_emu_ops.page_unmap(&be, &pg[i]);
		hm_va_release(va, 2 * M2);
		hm_emu_ops.destroy(&be);
		skip();
	}
	/* a VMA holding both pages counts both; one per page counts its own */
	for (int i = 0; i < 2; i++) {
		if (anon[i] != 2048 && anon[i] != 4096)
			fail_msg("page %d: AnonHugePages %ld kB (Rss %ld kB), expected a 2M THP: %s",
				 i, anon[i], rss[i], why);
		assert_int_equal(rss[i], anon[i]);
	}
	assert_int_equal(anon[0], anon[1] == 4096 ? 4096 : 2048);
	/* the contents are the page's: zero, then what was written */
	assert_int_equal(va[0] | va[M2 - 1] | va[M2] | va[2 * M2 - 1], 0);
	va[0] = 1;
	va[2 * M2 - 1] = 2;
	assert_int_equal(va[0] + va[2 * M2 - 1], 3);
	for (int i = 0; i < 2; i++)
		hm_emu_ops.page_unmap(&be, &pg[i]);
	/* unmapped: the THPs are gone with the mappings */
	assert_true(smaps_kb(va, "AnonHugePages") <= 0);
	hm_va_release(va, 2 * M2);
	hm_emu_ops.destroy(&be);
}

/*
 * In a child whose THP prctl(PR_SET_THP_DISABLE, 1, @p flags) set: what
 * hm_emu_backing_page_size says for an in-memory 2M page and what its page gets.
 * @return 0 when they agree (and match @p want_thp), else a failing line number.
 */
/* Print the failing line of prctl_child; @return 1 (its exit status). */
static int
child_fail(int line, const char *why)
{
	printf("prctl child: check at line %d failed (backing: %s; %s)\n", line, why,
	       hm_last_error());
	fflush(stdout);
	return 1;
}

static int
prctl_child(unsigned long flags, bool want_thp)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops };
	struct hm_page pg;
	char why[512] = "";
	long long fb0;
	int64_t got;
	long anon;
	char *va;

	if (prctl(PR_SET_THP_DISABLE, 1, flags, 0, 0) != 0)
		return 77; /* this kernel lacks the flag */
	got = hm_emu_backing_page_size(true, NULL, M2, why, sizeof(why));
	if (got != (want_thp ? (int64_t)M2 : sysconf(_SC_PAGESIZE)))
		return child_fail(__LINE__, why);
	if (!want_thp && strstr(why, "PR_SET_THP_DISABLE") == NULL)
		return child_fail(__LINE__, why);
	memset(&p, 0, sizeof(p));
	p.topology = "nodes=1;2M=1";
	p.in_memory = true;
	if (hm_emu_ops.create(&be, &p) != 0 || (va = hm_va_reserve(NULL, M2, M2, 0)) == NULL)
		return child_fail(__LINE__, why);
	memset(&pg, 0, sizeof(pg));
	pg.va = va;
	pg.page_sz = M2;
	fb0 = hm_test_vmstat("thp_fault_fallback");
	if (hm_emu_ops.page_map(&be, &pg) != 0)
		return child_fail(__LINE__, why);
	va[0] = 1;
	anon = smaps_kb(va, "AnonHugePages");
	if (want_thp && anon != 2048 && hm_test_vmstat("thp_fault_fallback") == fb0)
		return child_fail(__LINE__, why);
	if (!want_thp && anon != 0)
		return child_fail(__LINE__, why);
	hm_emu_ops.page_unmap(&be, &pg);
	hm_va_release(va, M2);
	hm_emu_ops.destroy(&be);
	return 0;
}

static int
run_prctl_child(unsigned long flags, bool want_thp)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(prctl_child(flags, want_thp));
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * A process whose THP is disabled by prctl (a container runtime or a parent may
 * set it; children inherit it) gets base pages, and the backing answer (hugemem
 * info, doctor) says so and why; PR_THP_DISABLE_EXCEPT_ADVISED (Linux 6.18)
 * leaves emu's madvised pages their THP.
 */
static void
test_backing_honours_prctl_thp_disable(void **state)
{
	char why[512];
	uint64_t thp = thp_size();
	bool thp_here;
	int rc;

	(void)state;
	if (thp == 0 || thp > M2) {
		print_message("skipped: no 2M transparent huge pages in this kernel\n");
		skip();
	}
	thp_here = hm_emu_backing_page_size(true, NULL, M2, why, sizeof(why)) == (int64_t)M2;
	if (!thp_here && strstr(why, "PR_SET_THP_DISABLE") != NULL) {
		print_message("skipped: THP is already disabled for this process: %s\n", why);
		skip();
	}
	rc = run_prctl_child(0, false);
	if (rc != 0)
		fail_msg("prctl(PR_SET_THP_DISABLE, 1): the child failed (exit %d)", rc);
	rc = run_prctl_child(2 /* PR_THP_DISABLE_EXCEPT_ADVISED */, thp_here);
	if (rc != 0 && rc != 77)
		fail_msg("prctl(PR_SET_THP_DISABLE, 1, EXCEPT_ADVISED): the child failed (exit %d)",
			 rc);
}

/* The dump (hugemem info prints it) says what is underneath every size. */
static void
test_dump_states_backing(void **state)
{
	struct hm_backend_params p;
	struct hm_backend be = { .ops = &hm_emu_ops };
	char buf[8192], why[512];
	size_t n;
	FILE *f;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.topology = "nodes=1;1G=1;2M=2;4K=4";
	p.in_memory = true;
	assert_int_equal(hm_emu_ops.create(&be, &p), 0);
	f = tmpfile();
	assert_non_null(f);
	hm_emu_ops.dump(&be, f);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	const uint64_t sizes[] = { HM_GB, M2, 4 * HM_KB };
	for (size_t i = 0; i < 3; i++) {
		char line[600];
		assert_true(hm_emu_backing_page_size(true, NULL, sizes[i], why, sizeof(why)) > 0);
		snprintf(line, sizeof(line), "  underneath: %s\n", why);
		if (strstr(buf, line) == NULL)
			fail_msg("dump lacks '%s':\n%s", line, buf);
	}
	hm_emu_ops.destroy(&be);
}

static int
setup(void **state)
{
	const char *base = getenv("HUGEMEM_RUNTIME_DIR");

	(void)state;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	snprintf(rundir, sizeof(rundir), "%s/emu-thp-%d", base, (int)getpid());
	for (char *s = rundir + 1; (s = strchr(s, '/')) != NULL; s++) { /* mkdir -p */
		*s = '\0';
		mkdir(rundir, 0700);
		*s = '/';
	}
	if (mkdir(rundir, 0700) != 0)
		return -1;
	hm_test_quiet_log();
	return 0;
}

static int
teardown(void **state)
{
	char cmd[1200];

	(void)state;
	/* the page directory the backend made (and emptied) for rundir */
	snprintf(cmd, sizeof(cmd), "%s/pages", rundir);
	rmdir(cmd);
	return rmdir(rundir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backing_bad_input),
		cmocka_unit_test(test_backing_policy_model),
		cmocka_unit_test(test_in_memory_pages_are_anonymous_and_madvised),
		cmocka_unit_test(test_page_files_are_madvised),
		cmocka_unit_test(test_in_memory_page_is_a_thp),
		cmocka_unit_test(test_backing_honours_prctl_thp_disable),
		cmocka_unit_test(test_dump_states_backing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
