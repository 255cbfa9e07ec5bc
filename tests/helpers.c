/* SPDX-License-Identifier: BSD-3-Clause */
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
#include "hugemem/emu.h"
#include "hugemem/fusefs.h"
#include "hugemem/hugetlbfs.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

void
hm_test_skip_all(const char *why, ...)
{
	va_list ap;

	printf("SKIP: ");
	va_start(ap, why);
	vprintf(why, ap);
	va_end(ap);
	printf("\n");
	exit(77);
}

const char *
hm_test_backend(void)
{
	const char *b = getenv("HUGEMEM_TEST_BACKEND");
	return b != NULL && *b != '\0' ? b : "emu";
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

/* true when @p topo has any `<size>=` item. */
static bool
topo_has_sizes(const char *topo)
{
	for (const char *p = topo; p != NULL; p = strchr(p, ';'), p = p != NULL ? p + 1 : NULL)
		if (*p >= '0' && *p <= '9')
			return true;
	return false;
}

static bool
is_hugetlbfs(void)
{
	return strcmp(hm_test_backend(), "hugetlbfs") == 0;
}

static bool
is_fuse(void)
{
	return strcmp(hm_test_backend(), "fuse") == 0;
}

/*
 * fuse: the smallest page size the suite uses there. Each page map on the mount
 * is about ten FUSE round trips, so small emulated sizes (4K, 64K: thousands of
 * pages) would make the suite slow; like a real machine, it keeps to hugepages.
 */
#define FUSE_MIN_PAGE_SZ (2ULL << 20)

void
hm_test_backend_ready(void)
{
	struct hm_hugetlbfs_info info;
	const char *dir = getenv("HUGEMEM_TEST_HUGE_DIR");
	uint64_t free_pages = 0;

	if (strcmp(hm_test_backend(), "fuse") == 0) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (f != NULL && hm_fusefs_doctor(f) > 0) {
			fclose(f);
			for (char *l = strtok(text, "\n"); l != NULL; l = strtok(NULL, "\n"))
				if (strncmp(l, "FAIL  ", 6) == 0)
					hm_test_skip_all("backend fuse: %s", l + 6);
		} else if (f != NULL) {
			fclose(f);
		}
		free(text);
		return;
	}
	if (!is_hugetlbfs())
		return;
	if (dir == NULL || *dir == '\0')
		hm_test_skip_all("backend hugetlbfs: HUGEMEM_TEST_HUGE_DIR is not set (run "
				 "scripts/hugepages.sh, which reserves 2 MiB pages and mounts "
				 "hugetlbfs as root)");
	if (hm_hugetlbfs_discover(NULL, dir, &info) < 0)
		hm_test_skip_all("backend hugetlbfs: %s", hm_last_error());
	for (unsigned int k = 0; k < info.n_sizes; k++)
		for (unsigned int n = 0; n < info.n_nodes && info.sizes[k].dir[0] != '\0'; n++)
			free_pages += info.sizes[k].free_pages[n];
	if (free_pages < 128)
		hm_test_skip_all("backend hugetlbfs: only %llu free hugepages under %s (the tests "
				 "need 128; echo 256 > /proc/sys/vm/nr_hugepages)",
				 (unsigned long long)free_pages, dir);
}

void
hm_test_need_emu(const char *why)
{
	if (hm_test_is_emu())
		return;
	printf("# SKIP on %s: %s\n", hm_test_backend(), why);
	skip();
}

void
hm_test_need_emulated(const char *why)
{
	if (hm_test_is_emu() || is_fuse())
		return;
	printf("# SKIP on %s: %s\n", hm_test_backend(), why);
	skip();
}

int
hm_test_page_files(void)
{
	const char *d = getenv("HUGEMEM_TEST_HUGE_DIR");
#ifdef HM_HAVE_FUSE
	const struct hm_backend *be = hm_backend_get();

	if (is_fuse()) {
		char path[4096];
		const char *mnt;
		int n = 0;
		if (be == NULL || (mnt = hm_fusefs_backend_mount(be)) == NULL)
			return 0;
		for (unsigned int k = 0; k < 64; k++) { /* the size dirs: 2M, 1G, ... */
			static const char *const names[] = { "2M", "4M", "8M", "16M", "32M", "64M",
							     "128M", "256M", "512M", "1G", "2G",
							     "4G", "8G", "16G" };
			int c;
			if (k >= sizeof(names) / sizeof(names[0]))
				break;
			snprintf(path, sizeof(path), "%s/%s", mnt, names[k]);
			c = count_dir(path);
			n += c > 0 ? c : 0;
		}
		return n;
	}
#endif
	if (hm_test_is_emu() || d == NULL || *d == '\0')
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
	const struct hm_backend *be = hm_backend_get();

	if (be != NULL && strcmp(be->ops->name, "hugetlbfs") == 0)
		return hm_hugetlbfs_pages_in_use(be, node, page_sz);
#ifdef HM_HAVE_FUSE
	if (be != NULL && strcmp(be->ops->name, "fuse") == 0)
		return hm_fusefs_pages_in_use(be, node, page_sz);
#endif
	return hm_emu_pages_in_use(be, node, page_sz);
}

/* What the machine offers under the test mount; skips the test when unreadable. */
static void
machine(struct hm_hugetlbfs_info *info)
{
	const char *dir = getenv("HUGEMEM_TEST_HUGE_DIR");

	if (hm_hugetlbfs_discover(NULL, dir != NULL && *dir != '\0' ? dir : NULL, info) < 0) {
		printf("# SKIP on hugetlbfs: %s\n", hm_last_error());
		skip();
	}
}

static const char *
size_name(uint64_t sz, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (sz >= 1024 && sz % 1024 == 0 && u < 3) {
		sz /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, sz);
	else
		snprintf(buf, len, "%" PRIu64 "%c", sz, units[u]);
	return buf;
}

unsigned int
hm_test_nodes(void)
{
	struct hm_hugetlbfs_info info;

	if (!is_hugetlbfs())
		return HM_MAX_NUMA_NODES;
	machine(&info);
	return info.n_nodes;
}

void
hm_test_need_nodes(unsigned int n)
{
	unsigned int have = hm_test_nodes();

	if (have >= n)
		return;
	printf("# SKIP on %s: the test needs %u NUMA nodes; this machine has %u\n",
	       hm_test_backend(), n, have);
	skip();
}

int
hm_test_node_b(void)
{
	return hm_test_nodes() > 1 ? 1 : 0;
}

unsigned int
hm_test_ops(unsigned int n)
{
	const char *full = getenv("HUGEMEM_TEST_FULL");

	if (!is_fuse() || (full != NULL && *full != '\0' && *full != '0'))
		return n;
	return n / 10 > 0 ? n / 10 : 1;
}

bool
hm_test_is_emu(void)
{
	return strcmp(hm_test_backend(), "emu") == 0;
}

bool
hm_test_has_page_sz(uint64_t page_sz)
{
	struct hm_hugetlbfs_info info;

	if (is_fuse())
		return page_sz >= FUSE_MIN_PAGE_SZ;
	if (!is_hugetlbfs())
		return true;
	machine(&info);
	for (unsigned int k = 0; k < info.n_sizes; k++) {
		uint64_t free_pages = 0;
		if (info.sizes[k].page_sz != page_sz || info.sizes[k].dir[0] == '\0')
			continue;
		for (unsigned int n = 0; n < info.n_nodes; n++)
			free_pages += info.sizes[k].free_pages[n];
		return free_pages > 0;
	}
	return false;
}

void
hm_test_need_page_sz(uint64_t page_sz)
{
	struct hm_hugetlbfs_info info;
	char b[32];

	if (is_fuse()) {
		if (page_sz >= FUSE_MIN_PAGE_SZ)
			return;
		printf("# SKIP on fuse: the test needs %s pages; the fuse suite keeps to hugepage "
		       "sizes (a page map is ~10 FUSE requests; thousands of small pages would "
		       "make it slow), as a real machine does\n", size_name(page_sz, b, sizeof(b)));
		skip();
	}
	if (!is_hugetlbfs())
		return;
	machine(&info);
	for (unsigned int k = 0; k < info.n_sizes; k++) {
		uint64_t free_pages = 0;
		if (info.sizes[k].page_sz != page_sz)
			continue;
		for (unsigned int n = 0; n < info.n_nodes; n++)
			free_pages += info.sizes[k].free_pages[n];
		if (info.sizes[k].dir[0] != '\0' && free_pages > 0)
			return;
		printf("# SKIP on hugetlbfs: the test needs %s pages; %s\n",
		       size_name(page_sz, b, sizeof(b)),
		       info.sizes[k].dir[0] == '\0' ? "no hugetlbfs mount serves that size"
						     : "none are free");
		skip();
	}
	printf("# SKIP on hugetlbfs: the test needs %s pages; the machine has no such hugepage "
	       "size%s\n", size_name(page_sz, b, sizeof(b)),
	       page_sz < (1ULL << 20) ? " (small pages as a second size are an emu model)" : "");
	skip();
}

/* true when @p topo has the item `key=val` (val NULL: any value). */
static bool
topo_item(const char *topo, const char *key, const char *val)
{
	size_t kl = strlen(key), vl = val != NULL ? strlen(val) : 0;

	for (const char *p = topo; p != NULL; p = strchr(p, ';'), p = p != NULL ? p + 1 : NULL) {
		if (strncmp(p, key, kl) != 0 || p[kl] != '=')
			continue;
		if (val == NULL)
			return true;
		const char *v = p + kl + 1;
		if (strncmp(v, val, vl) == 0 && (v[vl] == ';' || v[vl] == '\0'))
			return true;
	}
	return false;
}

/* snprintf at @p *o into @p out of @p len bytes; *o grows past len on truncation. */
static void __attribute__((format(printf, 4, 5)))
append(char *out, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*o >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *o, len - *o, fmt, ap);
	va_end(ap);
	*o += n > 0 ? (size_t)n : 0;
}

/*
 * The emu topology @p topo made into the caps the hugetlbfs backend takes on
 * this machine (see helpers.h). Skips the test, with the reason, where the
 * machine cannot offer what the topology asks for.
 */
static const char *
adapt_topology(const char *topo, char *out, size_t len)
{
	struct hm_hugetlbfs_info info;
	struct hm_emu_topology t;
	unsigned int nodes, sizes = 0;
	size_t o = 0;
	char b[32];

	if (topo == NULL || *topo == '\0')
		return topo;
	if (topo_item(topo, "iova", "contig") || topo_item(topo, "iova", "fragmented")) {
		printf("# SKIP on hugetlbfs: topology '%s' asks for a synthetic IOVA layout (emu "
		       "only: here physical addresses are the machine's)\n", topo);
		skip();
	}
	if (hm_emu_topology_parse(topo, &t) < 0)
		return topo; /* let init report the bad string */
	machine(&info);
	nodes = t.n_nodes < info.n_nodes ? t.n_nodes : info.n_nodes;
	append(out, len, &o, "nodes=%u", nodes);
	for (unsigned int i = 0; i < t.n_sizes; i++) {
		const struct hm_hugetlbfs_size *hs = NULL;
		bool any = false;

		for (unsigned int k = 0; k < info.n_sizes; k++)
			if (info.sizes[k].page_sz == t.sizes[i].page_sz && info.sizes[k].dir[0] != '\0')
				hs = &info.sizes[k];
		if (hs == NULL)
			continue; /* a size the machine lacks: tests that use it said so */
		for (unsigned int n = 0; n < nodes; n++) {
			if (t.sizes[i].pages[n] > hs->free_pages[n]) {
				printf("# SKIP on hugetlbfs: topology '%s' wants %u %s pages on node "
				       "%u; %u are free (scripts/hugepages.sh reserves more)\n",
				       topo, t.sizes[i].pages[n],
				       size_name(t.sizes[i].page_sz, b, sizeof(b)), n,
				       hs->free_pages[n]);
				skip();
			}
			any |= t.sizes[i].pages[n] > 0;
		}
		if (!any)
			continue;
		append(out, len, &o, ";%s=", size_name(t.sizes[i].page_sz, b, sizeof(b)));
		for (unsigned int n = 0; n < nodes; n++)
			append(out, len, &o, "%s%u", n > 0 ? "," : "", t.sizes[i].pages[n]);
		sizes++;
	}
	if (sizes == 0 && t.n_sizes > 0 && topo_has_sizes(topo)) {
		printf("# SKIP on hugetlbfs: topology '%s' has no page size with free hugepages "
		       "under a mount here\n", topo);
		skip();
	}
	if (topo_item(topo, "lcores", NULL)) {
		append(out, len, &o, ";lcores=");
		for (unsigned int l = 0, first = 1; l < t.n_lcores; l++) {
			unsigned int node = (unsigned int)t.lcore_node[l];
			if (t.lcore_node[l] < 0)
				continue;
			/* lcores of nodes the machine lacks move to its last node */
			append(out, len, &o, "%s%u@%u", first ? "" : ",", l,
			       node < nodes ? node : nodes - 1);
			first = 0;
		}
	}
	if (o >= len) {
		printf("# SKIP on hugetlbfs: topology '%s' is too long to adapt\n", topo);
		skip();
	}
	return out;
}

/*
 * The emu topology @p topo for the fuse backend: the daemon emulates it as
 * written, less the sizes below FUSE_MIN_PAGE_SZ. Skips the test when only such
 * sizes are left.
 */
static const char *
fuse_topology(const char *topo, char *out, size_t len)
{
	struct hm_emu_topology t;
	unsigned int n = 0;

	if (topo == NULL || *topo == '\0' || hm_emu_topology_parse(topo, &t) < 0)
		return topo; /* default (2M), or let init report the bad string */
	for (unsigned int i = 0; i < t.n_sizes; i++)
		if (t.sizes[i].page_sz >= FUSE_MIN_PAGE_SZ)
			t.sizes[n++] = t.sizes[i];
	if (n == t.n_sizes)
		return topo;
	if (n == 0) {
		printf("# SKIP on fuse: topology '%s' has only page sizes below 2M (the fuse "
		       "suite keeps to hugepage sizes)\n", topo);
		skip();
	}
	t.n_sizes = n;
	if (hm_emu_topology_format(&t, out, len) < 0) {
		printf("# SKIP on fuse: topology '%s' is too long to adapt\n", topo);
		skip();
	}
	return out;
}

const char *
hm_test_topology(const char *topo, char *buf, size_t len)
{
	if (is_fuse())
		return fuse_topology(topo, buf, len);
	if (!is_hugetlbfs())
		return topo;
	return adapt_topology(topo, buf, len);
}

int
hm_test_backend_args(char **argv)
{
	static char backend[64], dir[4096 + 16];
	const char *d = getenv("HUGEMEM_TEST_HUGE_DIR");
	int n = 0;

	if (hm_test_is_emu())
		return 0;
	snprintf(backend, sizeof(backend), "--backend=%s", hm_test_backend());
	argv[n++] = backend;
	if (is_hugetlbfs() && d != NULL && *d != '\0') {
		snprintf(dir, sizeof(dir), "--huge-dir=%s", d);
		argv[n++] = dir;
	}
	return n;
}

int
hm_test_init_cfg(struct hm_config *c)
{
	char adapted[HM_EMU_TOPOLOGY_STR_MAX];
	const char *topo = c->topology;
	int rc;

	c->backend = hm_test_backend();
	if (is_hugetlbfs() && c->huge_dir == NULL && !c->in_memory)
		c->huge_dir = getenv("HUGEMEM_TEST_HUGE_DIR");
	if (is_fuse()) {
		c->topology = fuse_topology(topo, adapted, sizeof(adapted));
		if (c->topology != topo)
			printf("# fuse topology: '%s' for '%s'\n", c->topology, topo);
	}
	if (is_hugetlbfs()) {
		c->topology = adapt_topology(topo, adapted, sizeof(adapted));
		if (c->topology != topo && strcmp(c->topology, topo) != 0)
			printf("# hugetlbfs topology: '%s' for '%s'\n", c->topology, topo);
	}
	rc = hm_init_config(c);
	c->topology = topo;
	if (rc == -ENOTSUP && is_hugetlbfs() &&
	    strstr(hm_last_error(), "hugetlbfs: topology") != NULL) {
		printf("# SKIP on hugetlbfs: %s\n", hm_last_error());
		skip();
	}
	return rc;
}

int
hm_test_init_topo(const char *topo)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = topo;
	return hm_test_init_cfg(&c);
}

int
hm_test_teardown(void **state)
{
	(void)state;
	if (hm_initialized())
		hm_cleanup();
	hm_log_set_hook(NULL, NULL);
	return 0;
}
