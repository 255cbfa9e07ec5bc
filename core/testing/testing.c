/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helpers (hugemem/testing.h): which backend a test runs on, whether it can
 * run here, and an emu topology turned into caps on a real machine. Nothing here
 * keeps state between calls except the reason of the last skip (per thread) and
 * the strings of hm_testing_backend_args.
 *
 * The adaptation is testing_adapt() over a struct hm_hugetlbfs_info, so that the
 * fuzzer (fuzz/fuzz_testing.c) drives it with invented machines:
 *   success  => the result parses as an emu topology, has at most the machine's
 *               nodes, only sizes the machine mounts, and no count above the
 *               machine's free pages of that size on that node;
 *   skip     => the reason says which item the machine cannot offer.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common_i.h"
#include "hm_config.h"
#include "hugemem/emu.h"
#include "hugemem/hugetlbfs.h"
#include "hugemem/testing.h"
#include "testing_i.h"
#ifdef HM_HAVE_HUGETLBFS
#include "hugetlbfs_i.h" /* htlb_root: $HUGEMEM_SYSFS_ROOT, as the backend reads it */
#endif
#ifdef HM_HAVE_FUSE
#include "hugemem/fusefs.h"
#endif

/*
 * fuse: the smallest page size offered to tests. The daemon emulates any size,
 * but each page map on its mount is about ten FUSE requests: a suite of 4K pages
 * would be slow, so, like a real machine, it keeps to hugepage sizes.
 */
#define FUSE_MIN_PAGE_SZ (2ULL << 20)

static HM_THREAD_LOCAL char reason[512];

const char *
hm_testing_reason(void)
{
	return reason;
}

static int HM_PRINTF(1, 2)
skip_because(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return HM_TESTING_SKIP;
}

void
hm_testing_skip_exit(const char *fmt, ...)
{
	va_list ap;

	printf("SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(HM_TESTING_SKIP);
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);
	return v != NULL && *v != '\0' ? v : NULL;
}

const char *
hm_testing_backend(void)
{
	const char *b = env("HUGEMEM_TEST_BACKEND");

	if (b == NULL)
		b = env("HUGEMEM_BACKEND");
	return b != NULL ? b : "emu";
}

bool
hm_testing_is_emu(void)
{
	return strcmp(hm_testing_backend(), "emu") == 0;
}

static bool
is_fuse(void)
{
	return strcmp(hm_testing_backend(), "fuse") == 0;
}

static bool
is_hugetlbfs(void)
{
	return strcmp(hm_testing_backend(), "hugetlbfs") == 0;
}

const char *
hm_testing_huge_dir(void)
{
	const char *d = env("HUGEMEM_TEST_HUGE_DIR");

	return d != NULL ? d : env("HUGEMEM_HUGE_DIR");
}

/* What the machine offers under the test mount, read as the backend reads it
 * (under $HUGEMEM_SYSFS_ROOT when set). 0 or HM_TESTING_SKIP. */
static int
machine(struct hm_hugetlbfs_info *info)
{
#ifdef HM_HAVE_HUGETLBFS
	if (hm_hugetlbfs_discover(htlb_root(), hm_testing_huge_dir(), info) < 0)
		return skip_because("%s", hm_last_error());
	return 0;
#else
	memset(info, 0, sizeof(*info));
	return skip_because("the hugetlbfs backend is not built in this version");
#endif
}

int
hm_testing_backend_ready(unsigned int min_pages)
{
	struct hm_hugetlbfs_info info;
	uint64_t free_pages = 0;
	const char *be = hm_testing_backend();

	if (hm_backend_lookup(be) == NULL)
		return skip_because("backend %s is not built in this version of hugemem", be);
#ifdef HM_HAVE_FUSE
	if (is_fuse()) { /* /dev/fuse, fusermount3, the daemon: the doctor's first FAIL */
		char *text = NULL, *l;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		int rc = 0;
		if (f != NULL && hm_fusefs_doctor(f) > 0) {
			fclose(f);
			f = NULL;
			for (l = strtok(text, "\n"); l != NULL && rc == 0; l = strtok(NULL, "\n"))
				if (strncmp(l, "FAIL  ", 6) == 0)
					rc = skip_because("backend fuse: %.480s", l + 6);
		}
		if (f != NULL)
			fclose(f);
		free(text);
		return rc;
	}
#endif
	if (!is_hugetlbfs())
		return 0;
	if (env("HUGEMEM_TEST_BACKEND") != NULL && env("HUGEMEM_TEST_HUGE_DIR") == NULL)
		return skip_because("backend hugetlbfs: HUGEMEM_TEST_HUGE_DIR is not set (a "
				    "hugetlbfs mount for the tests; hugemem's scripts/hugepages.sh "
				    "reserves 2 MiB pages and mounts one, as root)");
	if (machine(&info) != 0)
		return skip_because("backend hugetlbfs: %.480s", hm_testing_reason());
	for (unsigned int k = 0; k < info.n_sizes; k++)
		for (unsigned int n = 0; n < info.n_nodes && info.sizes[k].dir[0] != '\0'; n++)
			free_pages += info.sizes[k].free_pages[n];
	if (free_pages < min_pages)
		return skip_because("backend hugetlbfs: only %" PRIu64 " free hugepages under %s "
				    "(the tests need %u; echo %u > /proc/sys/vm/nr_hugepages)",
				    free_pages, hm_testing_huge_dir() != NULL ?
				    hm_testing_huge_dir() : "the hugetlbfs mounts",
				    min_pages, 2 * min_pages);
	return 0;
}

unsigned int
hm_testing_nodes(void)
{
	struct hm_hugetlbfs_info info;

	if (!is_hugetlbfs())
		return HM_MAX_NUMA_NODES;
	if (machine(&info) != 0)
		return 0;
	return info.n_nodes;
}

int
hm_testing_need_nodes(unsigned int n)
{
	unsigned int have = hm_testing_nodes();

	if (have >= n)
		return 0;
	if (have == 0)
		return HM_TESTING_SKIP; /* the reason is machine()'s */
	return skip_because("the test needs %u NUMA nodes; this machine has %u", n, have);
}

int
hm_testing_node_b(void)
{
	return hm_testing_nodes() > 1 ? 1 : 0;
}

static const char *
size_name(uint64_t sz, char *buf, size_t len)
{
	return hm_size_str(sz, buf, len);
}

/* 0 when the machine mounts @p page_sz with free pages, else a skip with why. */
static int
size_offered(const struct hm_hugetlbfs_info *info, uint64_t page_sz)
{
	char b[32];

	for (unsigned int k = 0; k < info->n_sizes && k < HM_MAX_PAGE_SIZES; k++) {
		uint64_t free_pages = 0;
		if (info->sizes[k].page_sz != page_sz)
			continue;
		for (unsigned int n = 0; n < info->n_nodes && n < HM_MAX_NUMA_NODES; n++)
			free_pages += info->sizes[k].free_pages[n];
		if (info->sizes[k].dir[0] != '\0' && free_pages > 0)
			return 0;
		return skip_because("the test needs %s pages; %s", size_name(page_sz, b, sizeof(b)),
				    info->sizes[k].dir[0] == '\0' ?
				    "no hugetlbfs mount serves that size" : "none are free");
	}
	return skip_because("the test needs %s pages; the machine has no such hugepage size%s",
			    size_name(page_sz, b, sizeof(b)),
			    page_sz < (1ULL << 20) ? " (small pages as a second size are an emu "
						     "model)" : "");
}

int
hm_testing_need_page_sz(uint64_t page_sz)
{
	struct hm_hugetlbfs_info info;
	char b[32];

	if (is_fuse())
		return page_sz >= FUSE_MIN_PAGE_SZ ? 0 :
			skip_because("the test needs %s pages; the fuse suite keeps to hugepage "
				     "sizes (a page map is ~10 FUSE requests; thousands of small "
				     "pages would make it slow), as a real machine does",
				     size_name(page_sz, b, sizeof(b)));
	if (!is_hugetlbfs())
		return 0;
	if (machine(&info) != 0)
		return HM_TESTING_SKIP;
	return size_offered(&info, page_sz);
}

bool
hm_testing_has_page_sz(uint64_t page_sz)
{
	return hm_testing_need_page_sz(page_sz) == 0;
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

/* true when @p topo has any `<size>=` item. */
static bool
topo_has_sizes(const char *topo)
{
	for (const char *p = topo; p != NULL; p = strchr(p, ';'), p = p != NULL ? p + 1 : NULL)
		if (*p >= '0' && *p <= '9')
			return true;
	return false;
}

/* snprintf at @p *o into @p out of @p len bytes; *o grows past len on truncation. */
static void HM_PRINTF(4, 5)
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

int
testing_adapt(const char *topo, const struct hm_hugetlbfs_info *m, char *out, size_t len,
	      const char **res)
{
	struct hm_emu_topology t;
	unsigned int nodes, m_nodes, sizes = 0;
	size_t o = 0;
	char b[32];

	*res = topo;
	if (topo == NULL || *topo == '\0')
		return 0;
	if (topo_item(topo, "iova", "contig") || topo_item(topo, "iova", "fragmented"))
		return skip_because("topology '%.200s' asks for a synthetic IOVA layout (emu only: "
				    "here physical addresses are the machine's)", topo);
	if (hm_emu_topology_parse(topo, &t) < 0)
		return 0; /* let init report the bad string */
	m_nodes = m->n_nodes < 1 ? 1 : m->n_nodes > HM_MAX_NUMA_NODES ? HM_MAX_NUMA_NODES :
		m->n_nodes;
	nodes = t.n_nodes < m_nodes ? t.n_nodes : m_nodes;
	append(out, len, &o, "nodes=%u", nodes);
	for (unsigned int i = 0; i < t.n_sizes; i++) {
		const struct hm_hugetlbfs_size *hs = NULL;
		bool any = false;

		for (unsigned int k = 0; k < m->n_sizes && k < HM_MAX_PAGE_SIZES; k++)
			if (m->sizes[k].page_sz == t.sizes[i].page_sz && m->sizes[k].dir[0] != '\0')
				hs = &m->sizes[k];
		if (hs == NULL)
			continue; /* a size the machine lacks: tests that use it say so */
		for (unsigned int n = 0; n < nodes; n++) {
			if (t.sizes[i].pages[n] > hs->free_pages[n])
				return skip_because("topology '%.200s' wants %u %s pages on node %u; "
						    "%u are free", topo, t.sizes[i].pages[n],
						    size_name(t.sizes[i].page_sz, b, sizeof(b)), n,
						    hs->free_pages[n]);
			any |= t.sizes[i].pages[n] > 0;
		}
		if (!any)
			continue;
		append(out, len, &o, ";%s=", size_name(t.sizes[i].page_sz, b, sizeof(b)));
		for (unsigned int n = 0; n < nodes; n++)
			append(out, len, &o, "%s%u", n > 0 ? "," : "", t.sizes[i].pages[n]);
		sizes++;
	}
	if (sizes == 0 && t.n_sizes > 0 && topo_has_sizes(topo))
		return skip_because("topology '%.200s' has no page size with free hugepages under "
				    "a mount here", topo);
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
	if (o >= len)
		return skip_because("topology '%.200s' is too long to adapt", topo);
	*res = out;
	return 0;
}

/*
 * fuse: the daemon emulates @p topo as written, less the sizes below
 * FUSE_MIN_PAGE_SZ; a skip when nothing else is left.
 */
static int
fuse_adapt(const char *topo, char *out, size_t len, const char **res)
{
	struct hm_emu_topology t;
	unsigned int n = 0;

	if (hm_emu_topology_parse(topo, &t) < 0)
		return 0; /* let init report the bad string */
	for (unsigned int i = 0; i < t.n_sizes; i++)
		if (t.sizes[i].page_sz >= FUSE_MIN_PAGE_SZ)
			t.sizes[n++] = t.sizes[i];
	if (n == t.n_sizes)
		return 0;
	if (n == 0)
		return skip_because("topology '%.200s' has only page sizes below 2M (the fuse suite "
				    "keeps to hugepage sizes)", topo);
	t.n_sizes = n;
	if (hm_emu_topology_format(&t, out, len) < 0)
		return skip_because("topology '%.200s' is too long to adapt", topo);
	*res = out;
	return 0;
}

int
hm_testing_topology(const char *topo, char *buf, size_t len, const char **out)
{
	struct hm_hugetlbfs_info info;

	if (buf == NULL || out == NULL || len == 0)
		return hm_fail(EINVAL, "testing_topology: NULL buffer or result");
	*out = topo;
	if (is_fuse() && topo != NULL && *topo != '\0')
		return fuse_adapt(topo, buf, len, out);
	if (!is_hugetlbfs() || topo == NULL || *topo == '\0')
		return 0;
	if (machine(&info) != 0)
		return HM_TESTING_SKIP;
	return testing_adapt(topo, &info, buf, len, out);
}

int
hm_testing_backend_args(char **argv)
{
	static char backend[64], dir[HM_HUGETLBFS_PATH_MAX + 16];
	const char *d = hm_testing_huge_dir();
	int n = 0;

	if (argv == NULL)
		return hm_fail(EINVAL, "testing_backend_args: NULL argv");
	if (hm_testing_is_emu())
		return 0;
	snprintf(backend, sizeof(backend), "--backend=%s", hm_testing_backend());
	argv[n++] = backend;
	if (is_hugetlbfs() && d != NULL) {
		snprintf(dir, sizeof(dir), "--huge-dir=%s", d);
		argv[n++] = dir;
	}
	return n;
}

int
hm_testing_init_cfg(struct hm_config *c)
{
	char adapted[HM_TESTING_TOPOLOGY_MAX];
	const char *topo, *use;
	int rc;

	if (c == NULL)
		return hm_fail(EINVAL, "testing_init_cfg: NULL config");
	topo = c->topology;
	c->backend = hm_testing_backend();
	if (is_hugetlbfs() && c->huge_dir == NULL && !c->in_memory)
		c->huge_dir = hm_testing_huge_dir();
	rc = hm_testing_topology(topo, adapted, sizeof(adapted), &use);
	if (rc != 0)
		return rc;
	c->topology = use;
	rc = hm_init_config(c);
	c->topology = topo;
	/* the hugetlbfs backend refuses caps the machine cannot meet: a skip */
	if (rc == -ENOTSUP && is_hugetlbfs() &&
	    strstr(hm_last_error(), "hugetlbfs: topology") != NULL)
		return skip_because("%s", hm_last_error());
	return rc;
}

int
hm_testing_init_topo(const char *topo)
{
	struct hm_config c;

	hm_config_init(&c);
	c.topology = topo;
	return hm_testing_init_cfg(&c);
}

int
hm_testing_pages_in_use(int node, uint64_t page_sz)
{
	const struct hm_backend *be = hm_backend_get();

	if (be == NULL)
		return hm_fail(EINVAL, "testing_pages_in_use: hugemem is not initialised");
#ifdef HM_HAVE_HUGETLBFS
	if (strcmp(be->ops->name, "hugetlbfs") == 0)
		return hm_hugetlbfs_pages_in_use(be, node, page_sz);
#endif
#ifdef HM_HAVE_FUSE
	if (strcmp(be->ops->name, "fuse") == 0)
		return hm_fusefs_pages_in_use(be, node, page_sz);
#endif
	return hm_emu_pages_in_use(be, node, page_sz);
}
