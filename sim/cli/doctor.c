/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem doctor [hugemem options]`: check, without starting hugemem on real
 * memory, whether `hugemem info` / an application with the same options can run
 * on this machine, and print for each problem the exact command that fixes it.
 *
 * Lines start with "ok", "note" (informational), "warn" (works, with a caveat)
 * or "FAIL" (this request cannot run); each warn/FAIL is followed by "  fix:".
 * Exit (cli.h): 0 the request can run, 1 it cannot (a FAIL), 2 bad options.
 *
 * What is checked:
 *  - emu: the topology is parsed by the emu parser and hugemem is started dry
 *    (in memory, nothing preallocated, then cleaned up), so a topology or option
 *    hm_init refuses is refused here; every (page size, node) with pages needs a
 *    memseg list; -m / --socket-mem must fit the topology and the lists.
 *  - hugetlbfs: free pages per size and node, mounts, the mount's size= quota
 *    (statfs on a real hugetlbfs mount, else the mount option), the hugetlb
 *    cgroup limits of this process (v1 and v2, every ancestor, minus usage);
 *    -m / --socket-mem must fit all of them, and the fix names the one that is
 *    short (nr_hugepages only when the pool is). Page files in the page dir are
 *    sorted into ours and unused (leftovers), ours in use, another user's, and
 *    entries that are not regular files; only the first get a removal command.
 *  - everywhere: ASLR (or "unknown" when unreadable), the mempolicy syscalls,
 *    /dev/fuse, pagemap PFNs.
 * sysfs and procfs are read under $HUGEMEM_SYSFS_ROOT when set (tests use fixture
 * copies); mounts' directories, pagemap, /dev/fuse and the mempolicy syscalls are
 * always this process's real ones.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"
#include "common_i.h"
#include "hugemem/emu.h"
#include "hugemem/fusefs.h"
#include "hugemem/hugemem.h"
#include "hugemem/hugetlbfs.h"
#include "hugetlbfs_i.h"

#define HUGETLBFS_MAGIC_ 0x958458f6
#define NONE UINT64_MAX

static const char doctor_usage[] =
	"usage: hugemem doctor [hugemem options]\n"
	"\n"
	"Check, without starting hugemem on real memory, whether a run with these options\n"
	"(e.g. hugemem info --backend=hugetlbfs -m 512) can work on this machine, and print\n"
	"the command that fixes each problem. Lines: ok, note, warn (works, with a caveat),\n"
	"FAIL (cannot run); each warn and FAIL has a \"fix:\" line.\n"
	"emu: the topology and options are checked by a dry start; -m / --socket-mem must\n"
	"fit the topology. hugetlbfs: free pages per size and node, mounts and their size=\n"
	"quota, hugetlb cgroup limits, leftover page files (yours, unused) versus files in\n"
	"use or another user's, pagemap; -m / --socket-mem must fit pool, quota and cgroup.\n"
	"fuse: /dev/fuse, fusermount3 (not root), the hugemem-fusefs program, a mount named\n"
	"by HUGEMEM_FUSEFS_MOUNT; then the topology and memory as for emu.\n"
	"\n"
	"doctor options:\n"
	"  -h, --help              this text\n"
	"\n";

struct report {
	unsigned int fails, warns;
};

static void
ok(const char *fmt, ...) HM_PRINTF(1, 2);
static void
ok(const char *fmt, ...)
{
	va_list ap;

	printf("ok    ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void
note(const char *fmt, ...) HM_PRINTF(1, 2);
static void
note(const char *fmt, ...)
{
	va_list ap;

	printf("note  ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void
problem(struct report *r, bool fatal, const char *fix, const char *fmt, ...) HM_PRINTF(4, 5);
static void
problem(struct report *r, bool fatal, const char *fix, const char *fmt, ...)
{
	va_list ap;

	printf("%s  ", fatal ? "FAIL" : "warn");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n  fix: %s\n", fix);
	if (fatal)
		r->fails++;
	else
		r->warns++;
}

static uint64_t
min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;
	return m < c ? m : c;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t
mib_up(uint64_t bytes)
{
	return (bytes >> 20) + ((bytes & ((1 << 20) - 1)) != 0);
}

/* First line of <root><rel>; false (errno set) when unreadable. */
static bool
read_line(const char *root, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	bool got;
	int fd;

	if (hm_snprintf(path, sizeof(path), "%s%s", root, rel) < 0) {
		errno = ENAMETOOLONG;
		return false;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return false;
	}
	errno = 0;
	got = fgets(buf, (int)len, f) != NULL;
	if (!got && errno == 0)
		errno = ENODATA;
	fclose(f);
	if (got)
		buf[strcspn(buf, "\n")] = '\0';
	return got;
}

static bool
read_u64_file(const char *path, uint64_t *v)
{
	char buf[64];

	return read_line("", path, buf, sizeof(buf)) && hm_parse_u64(buf, UINT64_MAX, v) == 0;
}

/* ------------------------------------------------------------ requests */

/* What the options ask to preallocate, in all and per node. */
static uint64_t
request(const struct hm_config *c)
{
	uint64_t t = 0;

	if (!c->socket_mem_set)
		return c->memory;
	for (unsigned int n = 0; n < HM_MAX_NUMA_NODES; n++)
		t += c->socket_mem[n];
	return t;
}

/* --socket-mem entries for nodes the machine or topology lacks (init refuses them). */
static void
check_socket_nodes(struct report *r, const struct hm_config *c, unsigned int n_nodes,
		   const char *what)
{
	char fix[256];

	for (unsigned int n = n_nodes; n < HM_MAX_NUMA_NODES; n++)
		if ((c->socket_mem_set && c->socket_mem[n] != 0) ||
		    (c->socket_limit_set && c->socket_limit[n] != 0)) {
			(void)hm_snprintf(fix, sizeof(fix), "give one --socket-mem/--socket-limit entry per "
				 "node, %u at most", n_nodes);
			problem(r, true, fix, "--socket-mem/--socket-limit give memory for node %u, but "
				"%s has %u node(s)", n, what, n_nodes);
			return;
		}
	for (unsigned int n = 0; c->socket_limit_set && c->socket_mem_set && n < n_nodes; n++)
		if (c->socket_limit[n] != 0 && c->socket_limit[n] < c->socket_mem[n]) {
			problem(r, true, "raise that --socket-limit entry or lower --socket-mem",
				"--socket-limit of node %u is below its --socket-mem", n);
			return;
		}
}

/* ------------------------------------------------------------ emu */

struct list_room {
	uint64_t page_sz;
	int node;
	uint64_t slots; /* pages the lists of (page_sz, node) hold */
	unsigned int lists;
};

static int
count_room(const struct hm_memseg_list *msl, void *arg)
{
	struct list_room *lr = arg;

	if (!msl->external && msl->page_sz == lr->page_sz && msl->socket_id == lr->node) {
		lr->lists++;
		lr->slots += msl->memseg_arr.len;
	}
	return 0;
}

static void
quiet_log(enum hm_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

/*
 * -m and --socket-mem against what the topology offers and its lists hold, as
 * init splits and preallocates (split by lcores, largest pages first).
 */
static void
emu_memory_fits(struct report *r, const struct hm_config *c, const struct hm_probe *p,
		const uint64_t room[HM_MAX_NUMA_NODES], const uint64_t offer[HM_MAX_NUMA_NODES])
{
	uint64_t bytes[HM_MAX_NUMA_NODES] = { 0 }, total_offer = 0, assigned = 0, lc = 0;
	char a[32], b[32], fix[256];

	for (unsigned int n = 0; n < p->n_nodes; n++)
		total_offer += offer[n];
	if (c->socket_mem_set) {
		memcpy(bytes, c->socket_mem, sizeof(bytes));
	} else if (c->memory == 0 && c->legacy_mem) {
		memcpy(bytes, offer, sizeof(bytes)); /* legacy maps everything at init */
	} else if (c->memory != 0) {
		unsigned int lcn[HM_MAX_NUMA_NODES] = { 0 };
		for (unsigned int l = 0; l < p->n_lcores; l++)
			if (p->lcore_node[l] >= 0 && p->lcore_node[l] < (int)p->n_nodes) {
				lcn[p->lcore_node[l]]++;
				lc++;
			}
		for (unsigned int n = 0; n < p->n_nodes && lc > 0; n++) {
			uint64_t share = (uint64_t)((unsigned __int128)c->memory * lcn[n] / lc);
			bytes[n] = share < offer[n] ? share : offer[n];
			assigned += bytes[n];
		}
		for (unsigned int n = 0; n < p->n_nodes && assigned < c->memory; n++) {
			uint64_t more = c->memory - assigned, spare = offer[n] - bytes[n];
			more = more < spare ? more : spare;
			bytes[n] += more;
			assigned += more;
		}
		if (assigned < c->memory) {
			(void)hm_snprintf(fix, sizeof(fix), "ask for at most -m %" PRIu64 " or offer more pages "
				 "in --topology", total_offer >> 20);
			problem(r, true, fix, "-m %s: the topology offers only %s in all",
				hm_size_str(c->memory, a, sizeof(a)),
				hm_size_str(total_offer, b, sizeof(b)));
			return;
		}
	} else {
		return;
	}
	for (unsigned int n = 0; n < p->n_nodes; n++) {
		uint64_t have = room[n] < offer[n] ? room[n] : offer[n];
		if (bytes[n] <= have)
			continue;
		(void)hm_snprintf(fix, sizeof(fix), "ask for at most %" PRIu64 " MiB on node %u, or offer more "
			 "pages there in --topology", have >> 20, n);
		problem(r, true, fix, "node %u: %s to preallocate, but %s%s", n,
			hm_size_str(bytes[n], a, sizeof(a)), hm_size_str(have, b, sizeof(b)),
			have < offer[n] ? " fit in its memseg lists" : " is all the topology offers there");
		return;
	}
	ok("%" PRIu64 " MiB to preallocate fits the topology",
	   c->memory == 0 && !c->socket_mem_set ? total_offer >> 20 : mib_up(request(c)));
}

/*
 * The fix for anonymous memory without THP, from the reason
 * hm_emu_backing_page_size gave (@p why): the process's prctl, the THP size's
 * own knob (transparent_hugepage/hugepages-<size>kB/enabled), or the top-level
 * knob.
 */
static void
thp_fix(const char *why, char *fix, size_t len)
{
	const char *k = strstr(why, "transparent_hugepage/hugepages-");

	if (strstr(why, "PR_SET_THP_DISABLE") != NULL)
		(void)hm_snprintf(fix, len, "start it from a process that does not disable "
				  "transparent huge pages: the launcher or container runtime called "
				  "prctl(PR_SET_THP_DISABLE), which children inherit; "
				  "prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0) before exec clears it");
	else if (k != NULL)
		(void)hm_snprintf(fix, len, "echo madvise > /sys/kernel/mm/%.*s (root)",
				  (int)strcspn(k, " ;)"), k);
	else
		(void)hm_snprintf(fix, len, "echo madvise > /sys/kernel/mm/transparent_hugepage/"
				  "enabled (root)");
}

/*
 * What the kernel puts under the largest emulated page size: base pages make a
 * first touch fault and zero every 4K page on its own (16-20x the cost of a 2M
 * page, docs/performance.md). Called during the dry start (hm_runtime_dir set).
 */
static void
check_emu_backing(struct report *r, const struct hm_config *c, const struct hm_probe *p)
{
	const char *rd = hm_runtime_dir(), *dir = "/dev/shm";
	uint64_t big = 0;
	struct statfs sfs;
	char why[512], fix[600];
	int64_t got;

	for (unsigned int s = 0; s < p->n_sizes; s++)
		big = p->sizes[s].page_sz > big ? p->sizes[s].page_sz : big;
	if (rd != NULL && statfs(rd, &sfs) == 0 && sfs.f_type == 0x01021994 /* tmpfs */)
		dir = rd;
	got = hm_emu_backing_page_size(c->in_memory, dir, big, why, sizeof(why));
	if (got < 0)
		return;
	if ((uint64_t)got == big || (uint64_t)got >= 2 * HM_MB ||
	    hm_emu_backing_page_size(true, NULL, big, NULL, 0) == got) {
		/* THP underneath, or pages too small for it, or no mode would get it */
		if ((uint64_t)got < 2 * HM_MB && (uint64_t)got != big) {
			char anon[512];
			(void)hm_emu_backing_page_size(true, NULL, big, anon, sizeof(anon));
			thp_fix(anon, fix, sizeof(fix) - 32);
			if (!c->in_memory)
				(void)hm_snprintf(fix + strlen(fix), 32, ", then use --in-memory");
			problem(r, false, fix,
				"%s: a first touch faults and zeroes every base page on its own "
				"(16-20x the cost of a 2M page)", why);
		} else
			ok("%s", why);
		return;
	}
	if (c->in_memory)
		thp_fix(why, fix, sizeof(fix));
	else
		(void)hm_snprintf(fix, sizeof(fix), "--in-memory (its anonymous pages get transparent "
				  "huge pages here), or mount -o remount,huge=within_size on the tmpfs "
				  "holding %s (root; shmem_enabled must not be [deny])", dir);
	problem(r, false, fix, "%s: a first touch faults and zeroes every base page on its own "
		"(16-20x the cost of a 2M page)", why);
}

/* The topology and the memory request, by a dry start of emu on that topology. */
static void
check_topology(struct report *r, const struct hm_config *c)
{
	const char *topo = c->topology != NULL ? c->topology : getenv("HUGEMEM_TOPOLOGY");
	uint64_t room[HM_MAX_NUMA_NODES] = { 0 }, offer[HM_MAX_NUMA_NODES] = { 0 };
	struct hm_emu_topology t;
	struct hm_config d = *c;
	enum hm_log_level lvl;
	struct hm_probe p;
	char a[16], b[16];
	int rc;

	if (hm_emu_topology_parse(topo, &t) < 0) {
		problem(r, true, "write the topology in the grammar of docs/backends.md (e.g. "
			"nodes=2;2M=512,512;lcores=0@0,1@1)", "--topology: %s", hm_last_error());
		return;
	}
	/* what init's validation checks on the parts the dry start leaves out */
	if (c->memory != 0 && c->socket_mem_set) {
		problem(r, true, "give one of them", "-m/--memory and --socket-mem cannot be combined");
		return;
	}
	if (c->legacy_mem && c->socket_limit_set) {
		problem(r, true, "drop one of them", "--socket-limit cannot be used with --legacy-mem "
			"(legacy memory never grows)");
		return;
	}
	/* A dry start: what hm_init would refuse, without mapping a page or a file. */
	d.in_memory = true;
	d.no_shconf = true;
	d.memory = 0;
	d.socket_mem_set = false;
	memset(d.socket_mem, 0, sizeof(d.socket_mem));
	d.legacy_mem = false;
	d.log_level = -1;
	lvl = hm_log_get_level();
	hm_log_set_hook(quiet_log, NULL);
	rc = hm_init_config(&d);
	hm_log_set_hook(NULL, NULL);
	hm_log_set_level(lvl);
	if (rc < 0) {
		problem(r, true, "fix the option it names (hugemem doctor --help lists them)",
			"hugemem would not start with these options: %s", hm_last_error());
		return;
	}
	memset(&p, 0, sizeof(p));
	hm_backend_get()->ops->probe(hm_backend_get(), &p);
	ok("topology accepted: %u node(s), %u page size(s), %u lcore(s)", p.n_nodes, p.n_sizes,
	   p.n_lcores);
	for (unsigned int s = 0; s < p.n_sizes; s++) {
		uint64_t pg = p.sizes[s].page_sz;
		unsigned int with = 0, without = 0;
		int first = -1;
		for (unsigned int n = 0; n < p.n_nodes; n++) {
			struct list_room lr = { .page_sz = pg, .node = (int)n };
			if (p.sizes[s].num_pages[n] == 0)
				continue;
			hm_memseg_list_walk(count_room, &lr);
			offer[n] += pg * p.sizes[s].num_pages[n];
			room[n] += pg * (lr.slots < p.sizes[s].num_pages[n] ? lr.slots :
					 p.sizes[s].num_pages[n]);
			with++;
			if (lr.lists == 0 && without++ == 0)
				first = (int)n;
		}
		if (without > 0)
			problem(r, true, "fewer nodes or page sizes in --topology (every (page size, "
				"node) pair shares the memseg list caps), or drop this page size",
				"%s pages get no memseg list on %u of the %u node(s) offering them (node %d "
				"first): the list caps leave %s of room per (page size, node) pair, less "
				"than one page, so hugemem can use none of them",
				hm_size_str(pg, a, sizeof(a)), without, with, first,
				hm_size_str(cli_room_per_pair(&p), b, sizeof(b)));
	}
	for (unsigned int n = 0; n < p.n_nodes; n++)
		if (offer[n] == 0)
			note("node %u offers no pages: nothing can be allocated there, "
			     "and hugemem info reports the node NOT TESTED", n);
	check_socket_nodes(r, c, p.n_nodes, "the topology");
	emu_memory_fits(r, c, &p, room, offer);
	check_emu_backing(r, c, &p);
	hm_cleanup();
	if (c->fault != NULL || getenv("HUGEMEM_FAULT") != NULL)
		note("--fault / HUGEMEM_FAULT: the injected failures are not simulated here; "
		     "preallocation may fail by design");
}

static void
check_emu(struct report *r, const struct hm_config *c)
{
	check_topology(r, c);
	if (c->in_memory || access("/dev/shm", W_OK) == 0)
		ok("emu pages go to tmpfs (/dev/shm or the runtime dir) or anonymous memory");
	else
		problem(r, false, "mount -t tmpfs tmpfs /dev/shm, or use --in-memory",
			"/dev/shm is not writable: page files need a tmpfs runtime dir");
}

static bool
pfn_readable(void)
{
	static volatile int word = 1;
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	bool ok_ = false;

	word = 2;
	if (fd < 0)
		return false;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)&word / 4096 * 8)) == (ssize_t)sizeof(e))
		ok_ = (e & ((1ULL << 55) - 1)) != 0;
	close(fd);
	return ok_;
}

/* ------------------------------------------------------------ hugetlbfs */

/* An empty directory (or none yet) to mount on: @p base, else base-1, base-2, ... */
static void
empty_dir(const char *base, char *out, size_t len)
{
	for (unsigned int i = 0; i < 100; i++) {
		struct dirent *de;
		bool empty = true;
		DIR *d;

		if (i == 0)
			(void)hm_snprintf(out, len, "%s", base);
		else
			(void)hm_snprintf(out, len, "%s-%u", base, i);
		d = opendir(out);
		if (d == NULL) {
			if (errno == ENOENT)
				return;
			continue;
		}
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				empty = false;
		closedir(d);
		if (empty)
			return;
	}
}

/* Whether @p dir exists with something in it (a mount there would hide it). */
static bool
non_empty_dir(const char *dir)
{
	struct dirent *de;
	bool full = false;
	DIR *d = opendir(dir);

	if (d == NULL)
		return false;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			full = true;
	closedir(d);
	return full;
}

/* "mkdir -p DIR && mount ..." for pages of @p szs on an empty directory near @p base. */
static void
mount_fix(char *fix, size_t len, const char *base, const char *szs, const char *tail)
{
	char dir[PATH_MAX];

	empty_dir(base, dir, sizeof(dir));
	(void)hm_snprintf(fix, len, "mkdir -p %s && mount -t hugetlbfs -o pagesize=%s nodev %s%s%s", dir,
		 szs, dir, tail[0] != '\0' ? "   " : "", tail);
}

/* The page dir's files named *map_*, sorted by who they belong to. */
struct files {
	unsigned int ours_free, ours_held, foreign, foreign_held, foreign_closed, odd, unreadable;
	uid_t foreign_uid;
	bool many_uids;
	char odd_name[NAME_MAX + 1];
	char odd_kind[16];
	uid_t odd_uid;
};

static const char *
kind(mode_t m)
{
	return S_ISFIFO(m) ? "FIFO" : S_ISLNK(m) ? "symlink" : S_ISDIR(m) ? "directory" :
	       S_ISSOCK(m) ? "socket" : S_ISCHR(m) || S_ISBLK(m) ? "device" : "special file";
}

/* Whether a live process holds @p fd's file (a shared flock per mapping). */
static bool
held(int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		return false;
	}
	return errno == EWOULDBLOCK;
}

static void
scan_files(int dfd, DIR *d, struct files *f)
{
	struct dirent *de;
	uid_t me = geteuid();

	while ((de = readdir(d)) != NULL) {
		struct stat st, st2;
		int fd;

		if (strstr(de->d_name, "map_") == NULL)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (!S_ISREG(st.st_mode)) {
			if (f->odd++ == 0) {
				snprintf(f->odd_name, sizeof(f->odd_name), "%s", de->d_name);
				snprintf(f->odd_kind, sizeof(f->odd_kind), "%s", kind(st.st_mode));
				f->odd_uid = st.st_uid;
			}
			continue;
		}
		/* never blocks (a FIFO swapped in after the stat), never follows a link */
		fd = openat(dfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0 && (fstat(fd, &st2) != 0 || st2.st_ino != st.st_ino ||
				!S_ISREG(st2.st_mode))) {
			close(fd);
			continue;
		}
		if (st.st_uid != me) {
			if (f->foreign++ == 0)
				f->foreign_uid = st.st_uid;
			else if (f->foreign_uid != st.st_uid)
				f->many_uids = true;
			f->foreign_held += fd >= 0 && held(fd);
			f->foreign_closed += fd < 0; /* not ours to open: cannot tell */
		} else if (fd < 0) {
			f->unreadable++;
		} else if (held(fd)) {
			f->ours_held++;
		} else {
			f->ours_free++;
		}
		if (fd >= 0)
			close(fd);
	}
}

static void
check_files(struct report *r, const char *dir, uint64_t page_sz)
{
	struct files f;
	char fix[2 * PATH_MAX + 256], szs[16];
	DIR *d;

	memset(&f, 0, sizeof(f));
	d = opendir(dir);
	if (d == NULL)
		return;
	scan_files(dirfd(d), d, &f);
	closedir(d);
	hm_size_str(page_sz, szs, sizeof(szs));
	if (f.ours_free + f.ours_held + f.foreign + f.odd + f.unreadable == 0) {
		ok("no page files left in %s", dir);
		return;
	}
	if (f.ours_held > 0)
		note("%u %s page file(s) of yours in %s are in use by live processes", f.ours_held,
		     szs, dir);
	if (f.foreign > 0) {
		char use[96];
		if (f.foreign_closed == f.foreign)
			snprintf(use, sizeof(use), "whether a process uses them cannot be checked "
				 "without opening them");
		else
			snprintf(use, sizeof(use), "%u in use by another process%s", f.foreign_held,
				 f.foreign_closed > 0 ? ", some not checked" : "");
		note("%u %s page file(s) in %s belong to %s%u (%s): not yours and not leftovers "
		     "of yours; hugemem neither uses nor removes them", f.foreign, szs, dir,
		     f.many_uids ? "several users, e.g. uid " : "uid ", (unsigned int)f.foreign_uid,
		     use);
	}
	if (f.odd > 0)
		note("%u entr%s named *map_* in %s %s not a regular file (%s '%s' of uid %u): not a "
		     "page file; doctor did not open it", f.odd, f.odd == 1 ? "y" : "ies", dir,
		     f.odd == 1 ? "is" : "are", f.odd_kind, f.odd_name, (unsigned int)f.odd_uid);
	if (f.unreadable > 0)
		note("%u page file(s) of yours in %s cannot be opened (mode?): doctor cannot tell "
		     "whether a process uses them", f.unreadable, dir);
	if (f.ours_free > 0) {
		(void)hm_snprintf(fix, sizeof(fix), "the next primary with the same --file-prefix removes "
			 "its own; or now, only your files no process holds: for f in '%s'/*map_*; "
			 "do [ -f \"$f\" ] && [ -O \"$f\" ] && flock -xn \"$f\" rm -f \"$f\"; done",
			 dir);
		problem(r, false, fix, "%u leftover %s page file(s) of yours in %s hold hugepages and "
			"no live process uses them", f.ours_free, szs, dir);
	}
}

/* One hugetlb cgroup limit of this process, the tightest over every ancestor. */
struct cg {
	uint64_t avail;            /* bytes still allowed; NONE = no limit */
	uint64_t limit, usage;
	char file[PATH_MAX];       /* the limit file of the binding cgroup */
};

/* <dir>/<limit file> and <dir>/<usage file>: fold into @p out when tighter. */
static void
cg_level(const char *dir, const char *lim_name, const char *use_name, struct cg *out)
{
	char path[PATH_MAX], val[64];
	uint64_t lim, use = 0;

	if (hm_snprintf(path, sizeof(path), "%s/%s", dir, lim_name) < 0 ||
	    !read_line("", path, val, sizeof(val)) || strcmp(val, "max") == 0 ||
	    hm_parse_u64(val, UINT64_MAX, &lim) != 0)
		return;
	if (lim >= (UINT64_MAX >> 1))
		return; /* v1 "unlimited" (a huge page-aligned number) */
	if (hm_snprintf(path, sizeof(path), "%s/%s", dir, use_name) == 0)
		read_u64_file(path, &use);
	if (out->avail == NONE || (lim > use ? lim - use : 0) < out->avail) {
		out->avail = lim > use ? lim - use : 0;
		out->limit = lim;
		out->usage = use;
		hm_snprintf(out->file, sizeof(out->file), "%s/%s", dir, lim_name);
	}
}

static void
cgroup_limit(const char *root, uint64_t page_sz, struct cg *out)
{
	char line[PATH_MAX + 64], path[PATH_MAX], szs[16], lim[64], use[64];
	FILE *f;

	out->avail = NONE;
	hm_size_str(page_sz, szs, sizeof(szs));
	if (hm_snprintf(path, sizeof(path), "%s/proc/self/cgroup", root) < 0)
		return;
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *ctrl = strchr(line, ':'), *cg, dir[PATH_MAX];
		bool v1;
		size_t len;

		if (ctrl == NULL || (cg = strchr(ctrl + 1, ':')) == NULL)
			continue;
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		if (strcmp(ctrl + 1, "hugetlb") == 0)
			v1 = true;
		else if (ctrl[1] == '\0' && line[0] == '0')
			v1 = false;
		else
			continue;
		snprintf(lim, sizeof(lim), "hugetlb.%sB.%s", szs, v1 ? "limit_in_bytes" : "max");
		snprintf(use, sizeof(use), "hugetlb.%sB.%s", szs, v1 ? "usage_in_bytes" : "current");
		/* the cgroup and each ancestor below the root: any of them may cap us */
		if (hm_snprintf(dir, sizeof(dir), "%s/sys/fs/cgroup%s%s", root, v1 ? "/hugetlb" : "",
				strcmp(cg, "/") == 0 ? "" : cg) < 0)
			continue;
		len = strlen(root) + strlen("/sys/fs/cgroup") + (v1 ? strlen("/hugetlb") : 0);
		for (;;) {
			char *slash;
			cg_level(dir, lim, use, out);
			if (strlen(dir) <= len || (slash = strrchr(dir, '/')) == NULL ||
			    (size_t)(slash - dir) < len)
				break;
			*slash = '\0';
		}
	}
	fclose(f);
}

/* The size= quota of hugetlbfs mount @p mnt: total and still free; NONE = none. */
static void
mount_quota(const char *root, const char *mnt, uint64_t *total, uint64_t *avail, bool *known)
{
	char path[PATH_MAX], *line = NULL, dec[PATH_MAX];
	struct statfs sf;
	size_t cap = 0;
	FILE *f;

	*total = *avail = NONE;
	*known = false;
	if (statfs(mnt, &sf) == 0 && (unsigned long)sf.f_type == HUGETLBFS_MAGIC_) {
		/* the kernel's own count: f_blocks is the quota, 0 without size= */
		if (sf.f_blocks > 0) {
			*total = (uint64_t)sf.f_blocks * (uint64_t)sf.f_bsize;
			*avail = (uint64_t)sf.f_bfree * (uint64_t)sf.f_bsize;
			*known = true;
		}
		return;
	}
	if (hm_snprintf(path, sizeof(path), "%s/proc/mounts", root) < 0)
		return;
	f = fopen(path, "re");
	if (f == NULL)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *dev, *m, *type, *opts, *o;

		dev = strtok_r(line, " \t\n", &save);
		m = strtok_r(NULL, " \t\n", &save);
		type = strtok_r(NULL, " \t\n", &save);
		opts = strtok_r(NULL, " \t\n", &save);
		if (dev == NULL || m == NULL || type == NULL || opts == NULL ||
		    strcmp(type, "hugetlbfs") != 0 ||
		    hm_hugetlbfs_unescape(m, dec, sizeof(dec)) < 0 || strcmp(dec, mnt) != 0)
			continue;
		for (o = strtok_r(opts, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save)) {
			char *end;
			unsigned long long v;
			if (strncmp(o, "size=", 5) != 0)
				continue;
			errno = 0;
			v = strtoull(o + 5, &end, 10);
			if (errno != 0 || end == o + 5)
				continue;
			switch (*end) {
			case 'k': case 'K': v = v <= (ULLONG_MAX >> 10) ? v << 10 : ULLONG_MAX; break;
			case 'm': case 'M': v = v <= (ULLONG_MAX >> 20) ? v << 20 : ULLONG_MAX; break;
			case 'g': case 'G': v = v <= (ULLONG_MAX >> 30) ? v << 30 : ULLONG_MAX; break;
			case '\0': break;
			default: continue; /* a percentage: the kernel shows bytes */
			}
			*total = *avail = v;
		}
	}
	free(line);
	fclose(f);
}

/* Per page size: what each constraint leaves of the request. */
struct size_budget {
	uint64_t page_sz;
	bool usable;                  /* has a page dir, or in-memory */
	uint64_t pool;                /* free pages, bytes */
	uint64_t node_pool[HM_MAX_NUMA_NODES];
	struct cg cg;
	uint64_t q_total, q_avail;    /* mount quota; NONE = none */
	bool q_known;
	char mount[PATH_MAX];
};

static void
huge_dir_fix(char *fix, size_t len, const struct hm_config *c, const struct hm_hugetlbfs_info *info)
{
	char other[PATH_MAX + 64] = "";

	for (unsigned int i = 0; i < info->n_mounts; i++)
		if (info->mounts[i].page_sz != 0) {
			(void)hm_snprintf(other, sizeof(other), "; or --huge-dir=%s (an existing mount)",
				 info->mounts[i].path);
			break;
		}
	if (non_empty_dir(c->huge_dir)) {
		char dir[PATH_MAX], tail[PATH_MAX + 128];
		empty_dir("/mnt/huge-2M", dir, sizeof(dir));
		(void)hm_snprintf(tail, sizeof(tail), "then --huge-dir=%s (%s is not empty: a mount on it "
			 "would hide its files)%s", dir, c->huge_dir, other);
		mount_fix(fix, len, "/mnt/huge-2M", "2M", tail);
	} else {
		(void)hm_snprintf(fix, len, "mkdir -p %s && mount -t hugetlbfs -o pagesize=2M nodev %s   "
			 "(it is empty or does not exist yet)%s", c->huge_dir, c->huge_dir, other);
	}
}

static void
check_hugetlbfs(struct report *r, const char *root, const struct hm_config *c)
{
	struct hm_hugetlbfs_info info;
	struct size_budget sb[HM_MAX_PAGE_SIZES];
	char szs[16], a[32], fix[2 * PATH_MAX + 256];
	uint64_t need = request(c), pool = 0, cg_cap = 0, q_cap = 0, usable = 0, small_pg = 0;
	struct size_budget *cg_b = NULL, *q_b = NULL;
	bool any_mount = false, node_short = false;

	memset(sb, 0, sizeof(sb));
	if (hm_hugetlbfs_discover(root, c->huge_dir, &info) < 0) {
		problem(r, true, "use a kernel with CONFIG_HUGETLBFS, or --backend=emu",
			"%s", hm_last_error());
		return;
	}
	for (unsigned int n = 0; n < info.n_mounts; n++) {
		uint64_t qt, qa;
		bool qk;
		mount_quota(root, info.mounts[n].path, &qt, &qa, &qk);
		note("hugetlbfs mount %s, page size %s%s%s%s%s", info.mounts[n].path,
		     info.mounts[n].page_sz != 0 ? hm_size_str(info.mounts[n].page_sz, szs,
							  sizeof(szs)) : "unknown",
		     info.mounts[n].has_pagesize ? "" : " (default size: no pagesize=)",
		     qt != NONE ? ", size= quota " : "", qt != NONE ? hm_size_str(qt, a, sizeof(a)) : "",
		     qt == NONE ? "" : qk ? "" : " (usage not known here)");
	}
	for (unsigned int k = 0; k < info.n_sizes; k++) {
		const struct hm_hugetlbfs_size *s = &info.sizes[k];
		struct size_budget *b = &sb[k];

		b->page_sz = s->page_sz;
		hm_size_str(s->page_sz, szs, sizeof(szs));
		for (unsigned int n = 0; n < info.n_nodes; n++) {
			note("%s pages on node %u: %" PRIu32 " free%s", szs, n, s->free_pages[n],
			     s->per_node ? "" : " (global count)");
			b->node_pool[n] = (uint64_t)s->free_pages[n] * s->page_sz;
			b->pool += b->node_pool[n];
		}
		b->q_total = b->q_avail = NONE;
		if (s->dir[0] == '\0' && !c->in_memory)
			continue; /* no mount: reported below */
		b->usable = true;
		any_mount = true;
		small_pg = s->page_sz;
		if (!c->in_memory) {
			ok("%s pages: files go to %s", szs, s->dir);
			if (access(s->dir, W_OK) != 0)
				problem(r, true, "create it inside the mount and make it writable "
					"(mkdir -p DIR), or run as the mount's owner",
					"%s is not writable: %s", s->dir, strerror(errno));
			else
				check_files(r, s->dir, s->page_sz);
			snprintf(b->mount, sizeof(b->mount), "%s", s->mount);
			mount_quota(root, s->mount, &b->q_total, &b->q_avail, &b->q_known);
		}
		cgroup_limit(root, s->page_sz, &b->cg);
		if (b->cg.avail != NONE)
			ok("hugetlb cgroup limit for %s pages: %" PRIu64 " MiB, %" PRIu64 " MiB in use "
			   "(%s)", szs, b->cg.limit >> 20, b->cg.usage >> 20, b->cg.file);
		pool += b->pool;
		cg_cap = sat_add(cg_cap, b->cg.avail);
		q_cap = sat_add(q_cap, b->q_avail);
		usable += min3(b->pool, b->cg.avail, b->q_avail);
		if (b->cg.avail != NONE && cg_b == NULL)
			cg_b = b;
		if (b->q_avail != NONE && q_b == NULL)
			q_b = b;
	}
	/* sizes without a mount, when others have one (else the FAIL below says it) */
	for (unsigned int k = 0; any_mount && !c->in_memory && k < info.n_sizes; k++) {
		const struct hm_hugetlbfs_size *s = &info.sizes[k];
		char base[64];

		if (sb[k].usable || (sb[k].pool == 0 && s->page_sz != info.default_page_sz))
			continue;
		hm_size_str(s->page_sz, szs, sizeof(szs));
		if (c->huge_dir != NULL) {
			note("%s pages: no hugetlbfs mount of that size contains --huge-dir %s, so "
			     "they are not used", szs, c->huge_dir);
			continue;
		}
		(void)hm_snprintf(base, sizeof(base), "/dev/hugepages-%s", szs);
		mount_fix(fix, sizeof(fix), base, szs, "");
		problem(r, false, fix, "no hugetlbfs mount for %s pages (%" PRIu64 " MiB free): "
			"they are not used", szs, sb[k].pool >> 20);
	}
	if (!any_mount && !c->in_memory) {
		if (c->huge_dir != NULL)
			huge_dir_fix(fix, sizeof(fix), c, &info);
		else
			mount_fix(fix, sizeof(fix), "/dev/hugepages", "2M",
				  "(or use --in-memory, or --backend=emu)");
		problem(r, true, fix, "no hugetlbfs mount%s%s", c->huge_dir != NULL ?
			" contains --huge-dir " : "", c->huge_dir != NULL ? c->huge_dir : "");
	}
	if (!any_mount && !c->in_memory) {
		uint64_t all = 0, pg = info.default_page_sz != 0 ? info.default_page_sz : 2 * HM_MB;
		for (unsigned int k = 0; k < info.n_sizes; k++)
			all += sb[k].pool;
		if (all == 0) {
			(void)hm_snprintf(fix, sizeof(fix), "echo %" PRIu64 " > /proc/sys/vm/nr_hugepages"
					  "   (%s pages, as root)", need > 0 ? (need + pg - 1) / pg : 256,
					  hm_size_str(pg, szs, sizeof(szs)));
			problem(r, true, fix, "no free hugepages either");
		}
		goto pagemap;
	}
	check_socket_nodes(r, c, info.n_nodes, "this machine");
	/* --socket-mem: each node's own free pages */
	for (unsigned int n = 0; c->socket_mem_set && n < info.n_nodes; n++) {
		uint64_t have = 0;
		for (unsigned int k = 0; k < info.n_sizes; k++)
			have += sb[k].usable ? sb[k].node_pool[n] : 0;
		if (c->socket_mem[n] <= have)
			continue;
		(void)hm_snprintf(fix, sizeof(fix), "echo $(( $(cat /sys/devices/system/node/node%u/hugepages/"
			 "hugepages-%" PRIu64 "kB/nr_hugepages) + %" PRIu64 " )) > /sys/devices/system/"
			 "node/node%u/hugepages/hugepages-%" PRIu64 "kB/nr_hugepages", n, small_pg >> 10,
			 (c->socket_mem[n] - have + small_pg - 1) / small_pg, n, small_pg >> 10);
		problem(r, true, fix, "--socket-mem asks %" PRIu64 " MiB on node %u, which has %"
			PRIu64 " MiB of free hugepages", mib_up(c->socket_mem[n]), n, have >> 20);
		node_short = true;
	}
	/*
	 * Each of pool, cgroup and quota that cannot hold the request on its own gets
	 * its own message and fix; nr_hugepages is suggested only when the pool is
	 * short. Without -m, a run needs at least some memory.
	 */
	uint64_t want = need > 0 ? need : 1;
	if (pool < want && !node_short) {
		uint64_t pages = need > 0 ? (need - pool + small_pg - 1) / small_pg : 256;
		(void)hm_snprintf(fix, sizeof(fix), "echo $(( $(cat /proc/sys/vm/nr_hugepages) + %" PRIu64
			 " )) > /proc/sys/vm/nr_hugepages   (%s pages; per node: /sys/devices/system/"
			 "node/node0/hugepages/hugepages-%" PRIu64 "kB/nr_hugepages)", pages,
			 hm_size_str(small_pg, szs, sizeof(szs)), small_pg >> 10);
		if (need > 0)
			problem(r, true, fix, "the request (%" PRIu64 " MiB) needs more than the %"
				PRIu64 " MiB of free hugepages", mib_up(need), pool >> 20);
		else
			problem(r, true, fix, "no free hugepages");
	}
	if (cg_cap < want && cg_b != NULL) {
		uint64_t more = want - cg_cap, pg = cg_b->page_sz;
		(void)hm_snprintf(fix, sizeof(fix), "raise the limit (as root or the cgroup's owner): echo %"
			 PRIu64 " > %s   (or ask for less: at most %" PRIu64 " MiB)",
			 cg_b->cg.limit + (more + pg - 1) / pg * pg, cg_b->cg.file, cg_cap >> 20);
		problem(r, true, fix, "the hugetlb cgroup allows %" PRIu64 " MiB more hugepage memory "
			"(limit %" PRIu64 " MiB, %" PRIu64 " MiB in use)%s%" PRIu64 " MiB; pages past "
			"it SIGBUS at first touch (hugemem turns that into ENOMEM) and raising "
			"nr_hugepages does not change it", cg_cap >> 20, cg_b->cg.limit >> 20,
			cg_b->cg.usage >> 20, need > 0 ? ", below the requested " : ", a run needs > ",
			mib_up(need));
	}
	if (q_cap < want && q_b != NULL) {
		uint64_t more = want - q_cap;
		(void)hm_snprintf(fix, sizeof(fix), "mount -o remount,size=%" PRIu64 "M %s   (as root; or a "
			 "mount without a quota through --huge-dir, or ask for less: at most %" PRIu64
			 " MiB)", mib_up(q_b->q_total + more), q_b->mount, q_cap >> 20);
		problem(r, true, fix, "the size= quota of hugetlbfs mount %s (%" PRIu64 " MiB) leaves "
			"%" PRIu64 " MiB%s%" PRIu64 " MiB: page files past it cannot be created, "
			"whatever nr_hugepages says", q_b->mount, q_b->q_total >> 20, q_cap >> 20,
			need > 0 ? ", below the requested " : ", a run needs > ", mib_up(need));
	}
	if (r->fails == 0 && usable < want)
		problem(r, true, "raise whichever of nr_hugepages, the hugetlb cgroup limit and the "
			"mount quota is lowest for each page size, or ask for less",
			"free hugepages, the hugetlb cgroup and the mount quota together leave %" PRIu64
			" MiB, below the requested %" PRIu64 " MiB", usable >> 20, mib_up(want));
	else if (usable >= want)
		ok("%" PRIu64 " MiB of hugepages usable (free pages within cgroup and mount quota)%s",
		   usable >> 20, need > 0 ? ", enough for the request" : "");
pagemap:
	if (c->topology != NULL || getenv("HUGEMEM_TOPOLOGY") != NULL) {
		const char *topo = c->topology != NULL ? c->topology : getenv("HUGEMEM_TOPOLOGY");
		struct hm_emu_topology t;
		if (strstr(topo, "iova=") != NULL || strstr(topo, "seed=") != NULL)
			problem(r, true, "drop iova= and seed= (emu only)", "--topology '%s': iova= "
				"and seed= are emu-only (physical addresses here are the machine's)",
				topo);
		else if (hm_emu_topology_parse(topo, &t) < 0)
			problem(r, true, "write the caps in the emu grammar (docs/backends.md)",
				"--topology: %s", hm_last_error());
		else if (t.n_nodes > info.n_nodes)
			problem(r, true, "ask for at most the machine's nodes", "--topology asks for %u "
				"nodes; this machine has %u", t.n_nodes, info.n_nodes);
	}
	if (c->fault != NULL && *c->fault != '\0')
		problem(r, true, "drop --fault (fault injection is emu only)",
			"--fault is not supported on real hugepages");
	if (pfn_readable())
		ok("/proc/self/pagemap shows PFNs: IOVA can be physical (--iova-mode=pa)");
	else if (c->iova_mode == HM_IOVA_PA)
		problem(r, true, "run with CAP_SYS_ADMIN (root), or use --iova-mode=va",
			"--iova-mode=pa: /proc/self/pagemap shows PFNs as 0 to this process");
	else
		note("/proc/self/pagemap shows PFNs as 0 (needs CAP_SYS_ADMIN): IOVA will be the VA");
}

/* ------------------------------------------------------------ common */

static void
check_common(struct report *r, const char *root)
{
	char buf[64] = "";
	int mode = 0;

	if (!read_line(root, "/proc/sys/kernel/randomize_va_space", buf, sizeof(buf)))
		note("ASLR state unknown (cannot read %s/proc/sys/kernel/randomize_va_space: %s): if "
		     "it is on, secondary processes may not map the primary's memory at the same "
		     "addresses; --base-virtaddr=0x200000000 makes that likely to work", root,
		     strerror(errno));
	else if (strcmp(buf, "0") != 0)
		note("ASLR is on (randomize_va_space=%s): secondary processes map the primary's "
		     "memory at the same addresses; if that collides, pass "
		     "--base-virtaddr=0x200000000 (or sysctl -w kernel.randomize_va_space=0)", buf);
	else
		ok("ASLR off (randomize_va_space=0)");
	if (syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0) != 0 && errno == EPERM)
		problem(r, false, "allow get_mempolicy/set_mempolicy/mbind in the seccomp profile (docker: "
			"--cap-add SYS_NICE or --security-opt seccomp=<profile>)",
			"the mempolicy syscalls are blocked (EPERM): pages cannot be steered to "
			"NUMA nodes, only checked where possible");
	else
		ok("mempolicy syscalls available");
	if (access("/dev/fuse", R_OK | W_OK) == 0)
		ok("/dev/fuse is usable (fuse backend)");
	else
		note("/dev/fuse is not usable (%s): the fuse backend cannot run here "
		     "(modprobe fuse; in containers --device /dev/fuse)", strerror(errno));
}

/*
 * fuse: what the backend needs here (hm_fusefs_doctor: /dev/fuse, fusermount3 for
 * an ordinary user, the daemon program, a mount named by $HUGEMEM_FUSEFS_MOUNT),
 * then the topology and the memory as for emu: the daemon is a machine of exactly
 * that topology. The hugetlbfs options the fuse backend takes are left out of the
 * emu dry start (emu refuses them).
 */
static void
check_fuse(struct report *r, const struct hm_config *c)
{
	struct hm_config e = *c;
	int n;

	fflush(stdout);
	n = hm_fusefs_doctor(stdout);
	fflush(stdout);
	if (n > 0)
		r->fails += (unsigned int)n;
	e.backend = "emu";
	e.huge_dir = NULL;
	e.single_file_segments = false;
	e.huge_unlink_set = false;
	check_topology(r, &e);
}

int
cmd_doctor(int argc, char **argv)
{
	struct hm_config c;
	struct report r = { 0, 0 };
	const char *root = htlb_root();
	int code;

	if (cli_parse_options("doctor", doctor_usage, argc, argv, &c, &code) != 0)
		return code;
	if (c.backend == NULL)
		c.backend = getenv("HUGEMEM_BACKEND") != NULL && *getenv("HUGEMEM_BACKEND") != '\0' ?
			    getenv("HUGEMEM_BACKEND") : "emu";
	printf("hugemem doctor: backend %s", c.backend);
	if (c.socket_mem_set)
		printf(", --socket-mem %" PRIu64 " MiB in all", mib_up(request(&c)));
	else if (c.memory != 0)
		printf(", -m %" PRIu64 " MiB", mib_up(c.memory));
	printf("\n");
	if (hm_backend_lookup(c.backend) == NULL) {
		problem(&r, true, "use a built backend (hugemem info lists them) or rebuild with "
			"its dependency", "backend '%s' is not built in this hugemem", c.backend);
	} else if (strcmp(c.backend, "hugetlbfs") == 0) {
		check_hugetlbfs(&r, root, &c);
	} else if (strcmp(c.backend, "emu") == 0) {
		check_emu(&r, &c);
	} else if (strcmp(c.backend, "fuse") == 0) {
		check_fuse(&r, &c);
	}
	check_common(&r, root);
	printf("%s: %u problem(s), %u warning(s)\n",
	       r.fails > 0 ? "cannot run" : "can run", r.fails, r.warns);
	return cli_output_status("doctor", r.fails > 0 ? HM_EXIT_FAIL : HM_EXIT_OK);
}
