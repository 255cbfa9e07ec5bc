/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugetlbfs discovery: page sizes, free pages per node and mounts, read from
 * sysfs and procfs under a root prefix ("" on a real system, a fixture directory
 * in tests). Pure reading: nothing here locks, creates or maps anything.
 *
 * Invariants of a filled struct hm_hugetlbfs_info:
 *   sizes[i].page_sz > sizes[i+1].page_sz (distinct powers of two, largest first)
 *   sizes[i].dir[0] != '\0'  =>  sizes[i].mount is a hugetlbfs mount of that size
 *                                 containing dir on whole path components
 *   free_pages[n] == 0 for every n >= n_nodes
 */
#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hugetlbfs_i.h"

const char *
htlb_root(void)
{
	const char *r = getenv("HUGEMEM_SYSFS_ROOT");
	return r != NULL ? r : "";
}

int
htlb_size_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct hm_hugetlbfs_size *)a)->page_sz;
	uint64_t y = ((const struct hm_hugetlbfs_size *)b)->page_sz;

	return x > y ? -1 : x < y ? 1 : 0;
}

bool
htlb_path_within(const char *mnt, const char *dir)
{
	size_t n = strlen(mnt);

	while (n > 1 && mnt[n - 1] == '/')
		n--;
	if (n == 1 && mnt[0] == '/')
		return dir[0] == '/';
	return strncmp(mnt, dir, n) == 0 && (dir[n] == '\0' || dir[n] == '/');
}

int
hm_hugetlbfs_unescape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	if (in == NULL || out == NULL || len == 0)
		return hm_fail(EINVAL, "hugetlbfs: unescape needs input and output");
	for (size_t i = 0; in[i] != '\0'; i++) {
		char c = in[i];
		if (c == '\\' && in[i + 1] >= '0' && in[i + 1] <= '3' && in[i + 2] >= '0' &&
		    in[i + 2] <= '7' && in[i + 3] >= '0' && in[i + 3] <= '7') {
			c = (char)((in[i + 1] - '0') * 64 + (in[i + 2] - '0') * 8 + (in[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= len)
			return hm_fail(ENAMETOOLONG, "hugetlbfs: mount path '%s' is too long", in);
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* Read one unsigned decimal from @p path. 0 or -errno (-EINVAL: not a number). */
static int
read_u64(const char *path, uint64_t *out)
{
	char buf[64];
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return hm_parse_u64(buf, UINT64_MAX, out) == 0 ? 0 : -EINVAL;
}

static uint32_t
clamp_u32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* "Hugepagesize:    2048 kB" of <root>/proc/meminfo, or 0. */
static uint64_t
default_page_size(const char *root)
{
	char path[PATH_MAX], line[256];
	unsigned long long kb;
	uint64_t sz = 0;
	FILE *f;

	if (hm_snprintf(path, sizeof(path), "%s/proc/meminfo", root) < 0)
		return 0;
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Hugepagesize: %llu kB", &kb) == 1) {
			sz = (uint64_t)kb * HM_KB;
			break;
		}
	fclose(f);
	return sz;
}

/* hugetlbfs entries of <root>/proc/mounts into info->mounts. */
static void
read_mounts(const char *root, struct hm_hugetlbfs_info *info)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (hm_snprintf(path, sizeof(path), "%s/proc/mounts", root) < 0)
		return;
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0 && info->n_mounts < HM_HUGETLBFS_MAX_MOUNTS) {
		char *save = NULL, *dev, *mnt, *type, *opts, *o;
		struct hm_hugetlbfs_mount *m = &info->mounts[info->n_mounts];

		dev = strtok_r(line, " \t\n", &save);
		mnt = strtok_r(NULL, " \t\n", &save);
		type = strtok_r(NULL, " \t\n", &save);
		opts = strtok_r(NULL, " \t\n", &save);
		if (dev == NULL || mnt == NULL || type == NULL || strcmp(type, "hugetlbfs") != 0)
			continue;
		if (hm_hugetlbfs_unescape(mnt, m->path, sizeof(m->path)) < 0)
			continue;
		m->page_sz = info->default_page_sz;
		m->has_pagesize = false;
		for (o = opts != NULL ? strtok_r(opts, ",", &save) : NULL; o != NULL;
		     o = strtok_r(NULL, ",", &save)) {
			uint64_t v;
			if (strncmp(o, "pagesize=", 9) != 0)
				continue;
			m->has_pagesize = true;
			m->page_sz = hm_parse_size(o + 9, &v) == 0 ? v : 0;
		}
		info->n_mounts++;
	}
	free(line);
	fclose(f);
}

/* Pick the directory of size @p s among the mounts (section 3.2 of the reference). */
static void
pick_dir(struct hm_hugetlbfs_info *info, struct hm_hugetlbfs_size *s, const char *huge_dir)
{
	size_t best = 0;

	for (unsigned int i = 0; i < info->n_mounts; i++) {
		const struct hm_hugetlbfs_mount *m = &info->mounts[i];
		if (m->page_sz != s->page_sz)
			continue;
		if (huge_dir == NULL) {
			snprintf(s->mount, sizeof(s->mount), "%s", m->path);
			snprintf(s->dir, sizeof(s->dir), "%s", m->path);
			return;
		}
		if (htlb_path_within(m->path, huge_dir) && strlen(m->path) > best) {
			best = strlen(m->path);
			snprintf(s->mount, sizeof(s->mount), "%s", m->path);
			snprintf(s->dir, sizeof(s->dir), "%s", huge_dir);
		}
	}
}

/* Per-node free counts of size @p s; falls back to the global count on node 0. */
static void
count_pages(const char *root, struct hm_hugetlbfs_info *info, struct hm_hugetlbfs_size *s)
{
	char path[PATH_MAX];
	const char *names[] = { "nr_hugepages", "free_hugepages", "resv_hugepages",
				"surplus_hugepages", "nr_overcommit_hugepages" };
	uint32_t *vals[] = { &s->nr, &s->free, &s->resv, &s->surplus, &s->overcommit };
	uint64_t v, total = 0, kb = s->page_sz / HM_KB;

	for (unsigned int i = 0; i < 5; i++) {
		if (hm_snprintf(path, sizeof(path), "%s/sys/kernel/mm/hugepages/hugepages-%" PRIu64
				"kB/%s", root, kb, names[i]) == 0 && read_u64(path, &v) == 0)
			*vals[i] = clamp_u32(v);
	}
	for (unsigned int n = 0; n < info->n_nodes; n++) {
		if (hm_snprintf(path, sizeof(path), "%s/sys/devices/system/node/node%u/hugepages/"
				"hugepages-%" PRIu64 "kB/free_hugepages", root, n, kb) == 0 &&
		    read_u64(path, &v) == 0) {
			s->free_pages[n] = clamp_u32(v);
			total += v;
		}
	}
	s->per_node = total > 0;
	if (total > 0)
		return;
	memset(s->free_pages, 0, sizeof(s->free_pages));
	v = (s->free > s->resv ? s->free - s->resv : 0) +
	    (s->overcommit > s->surplus ? s->overcommit - s->surplus : 0);
	s->free_pages[0] = clamp_u32(v);
}

/* 1 + the highest node<N> directory under <root>/sys/devices/system/node (>= 1). */
static unsigned int
count_nodes(const char *root)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned int n = 1;
	DIR *d;

	if (hm_snprintf(path, sizeof(path), "%s/sys/devices/system/node", root) < 0)
		return 1;
	d = opendir(path);
	if (d == NULL)
		return 1;
	while ((de = readdir(d)) != NULL) {
		uint64_t id;
		if (strncmp(de->d_name, "node", 4) != 0 ||
		    hm_parse_u64(de->d_name + 4, HM_MAX_NUMA_NODES - 1, &id) != 0)
			continue;
		if (id + 1 > n)
			n = (unsigned int)id + 1;
	}
	closedir(d);
	return n;
}

int
hm_hugetlbfs_discover(const char *root, const char *huge_dir, struct hm_hugetlbfs_info *out)
{
	struct hm_hugetlbfs_info *info;
	char path[PATH_MAX], hd[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int err;

	if (out == NULL)
		return hm_fail(EINVAL, "hugetlbfs: discover needs an output");
	if (root == NULL)
		root = "";
	if (huge_dir != NULL) {
		size_t n;
		if (huge_dir[0] != '/')
			return hm_fail(EINVAL, "hugetlbfs: --huge-dir '%s' must be an absolute path",
				       huge_dir);
		if (hm_snprintf(hd, sizeof(hd), "%s", huge_dir) < 0)
			return hm_fail(EINVAL, "hugetlbfs: --huge-dir '%s' is too long", huge_dir);
		n = strlen(hd);
		while (n > 1 && hd[n - 1] == '/')
			hd[--n] = '\0';
		huge_dir = hd;
	}
	if (hm_snprintf(path, sizeof(path), "%s/sys/kernel/mm/hugepages", root) < 0)
		return hm_fail(EINVAL, "hugetlbfs: root '%s' is too long", root);
	d = opendir(path);
	if (d == NULL) {
		err = errno;
		return hm_fail(ENOENT, "hugetlbfs: cannot read %s: %s (kernel without hugetlb "
			       "support?)", path, strerror(err));
	}
	info = calloc(1, sizeof(*info));
	if (info == NULL) {
		closedir(d);
		return hm_fail(ENOMEM, "hugetlbfs: out of memory");
	}
	info->n_nodes = count_nodes(root);
	info->default_page_sz = default_page_size(root);
	while ((de = readdir(d)) != NULL) {
		unsigned long long kb;
		int end = -1;
		if (sscanf(de->d_name, "hugepages-%llukB%n", &kb, &end) != 1 ||
		    end != (int)strlen(de->d_name) || kb == 0 ||
		    !HM_IS_POWER_OF_2(kb) || kb > (UINT64_MAX >> 10))
			continue;
		if (info->n_sizes == HM_MAX_PAGE_SIZES) {
			HM_LOG(WARNING, "hugetlbfs: more than %d page sizes in %s; ignoring %s",
			       HM_MAX_PAGE_SIZES, path, de->d_name);
			continue;
		}
		info->sizes[info->n_sizes++].page_sz = (uint64_t)kb * HM_KB;
	}
	closedir(d);
	qsort(info->sizes, info->n_sizes, sizeof(info->sizes[0]), htlb_size_cmp);
	read_mounts(root, info);
	for (unsigned int i = 0; i < info->n_sizes; i++) {
		pick_dir(info, &info->sizes[i], huge_dir);
		count_pages(root, info, &info->sizes[i]);
	}
	*out = *info;
	free(info);
	return 0;
}

/* Parse a cpulist ("0-3,8,10-11") and put those CPUs on @p node. */
static void
apply_cpulist(const char *list, int node, struct hm_probe *out)
{
	const char *p = list;

	while (*p != '\0' && *p != '\n') {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;
		if (end == p)
			return;
		p = end;
		if (*p == '-') {
			b = strtoul(p + 1, &end, 10);
			if (end == p + 1)
				return;
			p = end;
		}
		for (unsigned long c = a; c <= b && c < HM_MAX_LCORE && c < out->n_lcores; c++)
			out->lcore_node[c] = (int16_t)node;
		if (*p == ',')
			p++;
	}
}

void
htlb_lcores(const char *root, unsigned int n_nodes, struct hm_probe *out)
{
	char path[PATH_MAX], buf[1024];
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	if (ncpu < 1)
		ncpu = 1;
	out->n_lcores = ncpu > HM_MAX_LCORE ? HM_MAX_LCORE : (unsigned int)ncpu;
	for (unsigned int l = 0; l < HM_MAX_LCORE; l++)
		out->lcore_node[l] = l < out->n_lcores ? 0 : -1;
	for (unsigned int n = 0; n < n_nodes; n++) {
		FILE *f;
		if (hm_snprintf(path, sizeof(path), "%s/sys/devices/system/node/node%u/cpulist",
				root, n) < 0)
			continue;
		f = fopen(path, "re");
		if (f == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL)
			apply_cpulist(buf, (int)n, out);
		fclose(f);
	}
}
