/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fuse backend: the hugetlbfs backend's code on a hugemem-fusefs mount.
 *
 * create starts hugemem-fusefs with the topology (emu grammar, all of it: the
 * daemon is the machine) and the --fault knobs, on <runtime dir>/fusefs (an
 * in-memory run, which has no runtime dir, gets a private directory under
 * $TMPDIR or /tmp); a secondary attaches to its primary's mount; with
 * $HUGEMEM_FUSEFS_MOUNT set, the daemon already serving that mount is used and
 * left running. Then it creates the hugetlbfs backend (inner) through
 * htlb_create_with() with an oracle: discovery reads the mount as its sysfs/
 * procfs root, each page file is told its node with user.hugemem.node before it
 * is sized, and the node and physical address of each mapped page are read back
 * from user.hugemem.page.<i>. Everything else is the hugetlbfs backend's.
 * The topology the inner backend gets is the user's without iova= and seed=
 * (caps equal to the machine, so nothing changes).
 *
 * When the daemon dies, the next page operation fails with -ENOTCONN and a
 * message naming the daemon, rather than the errno of whichever file call
 * noticed first (an unfetched page's SIGBUS becomes that error through the
 * hugetlbfs backend's guard). destroy unmaps through the inner backend, then
 * leaves the daemon (client.c: releases this process's hold; the starter stops
 * it only when no other process holds it), also after a failed create. So a
 * primary leaving first leaves its secondaries a serving mount, and the last
 * one out takes the daemon with it.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fusefs_i.h"
#include "hugetlbfs_i.h"

struct fz {
	struct hm_backend inner;       /* the hugetlbfs backend on the mount */
	struct hm_fusefs *daemon;      /* started, or attached (named / secondary) */
	bool attached;                 /* not ours to stop */
	char tmpdir[PATH_MAX];         /* in-memory: the private parent of the mount; "" */
	char topo[HM_EMU_TOPOLOGY_STR_MAX]; /* the inner backend's caps */
	uint64_t memfds;               /* nameless page files made (names stay unique) */
	uint64_t refusals;             /* the daemon's refusal count last seen */
};

/* ================================= the oracle ================================= */

static int
fz_place(void *ctx, int fd, int node)
{
	char v[16];

	(void)ctx;
	snprintf(v, sizeof(v), "%d", node);
	if (fsetxattr(fd, HM_FUSEFS_XATTR_NODE, v, strlen(v), 0) != 0)
		return -errno;
	return 0;
}

static int
fz_locate(void *ctx, int fd, uint64_t off, uint64_t page_sz, int *node, hm_iova_t *iova)
{
	char name[64], v[96];
	unsigned long long pa;
	unsigned int nd;
	ssize_t n;

	(void)ctx;
	snprintf(name, sizeof(name), HM_FUSEFS_XATTR_PAGE "%" PRIu64, off / page_sz);
	n = fgetxattr(fd, name, v, sizeof(v) - 1);
	if (n < 0)
		return hm_fail(errno == ENODATA ? EIO : errno, "fuse: no node and address for the "
			       "page at offset %" PRIu64 " of its page file: %s", off,
			       strerror(errno));
	v[n] = '\0';
	if (sscanf(v, "node=%u pa=0x%llx", &nd, &pa) != 2)
		return hm_fail(EIO, "fuse: the daemon answered '%s' for a page's location", v);
	*node = (int)nd;
	*iova = pa;
	return 0;
}

static int
fz_memfd(void *ctx, uint64_t page_sz, const char *name)
{
	struct fz *f = ctx;
	char path[PATH_MAX], szs[16];
	int fd;

	if (hm_snprintf(path, sizeof(path), "%s/%s/.%s-%d-%" PRIu64,
			hm_fusefs_mountpoint(f->daemon), hm_size_str(page_sz, szs, sizeof(szs)),
			name, (int)getpid(), f->memfds++) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0 && unlink(path) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* ================================== helpers ================================== */

/* @p topo without its iova= and seed= items into @p out (NULL stays NULL). */
static const char *
caps_of(const char *topo, char *out, size_t len)
{
	size_t o = 0;

	if (topo == NULL)
		return NULL;
	out[0] = '\0';
	for (const char *p = topo; *p != '\0';) {
		size_t n = strcspn(p, ";");
		if (strncmp(p, "iova=", 5) != 0 && strncmp(p, "seed=", 5) != 0 && n > 0 &&
		    o + n + 2 < len) {
			o += (size_t)snprintf(out + o, len - o, "%s%.*s", o > 0 ? ";" : "", (int)n, p);
		}
		p += n;
		if (*p == ';')
			p++;
	}
	return out;
}

/*
 * When the daemon is gone, say so instead of the file call's errno; when it
 * refused a page (empty pool, injected fault), add its reason to the message.
 */
static int
fz_explain(struct fz *f, int rc)
{
	char inner[512], *st, *line;
	unsigned long long n;

	if (rc >= 0)
		return rc;
	snprintf(inner, sizeof(inner), "%s", hm_last_error());
	if (!hm_fusefs_alive(f->daemon))
		return hm_fail(ENOTCONN, "fuse: the hugemem-fusefs daemon serving %s is gone (%s)",
			       hm_fusefs_mountpoint(f->daemon), inner);
	if (rc != -ENOMEM || (st = malloc(65536)) == NULL)
		return rc;
	if (hm_fusefs_status(hm_fusefs_mountpoint(f->daemon), st, 65536) >= 0 &&
	    (line = strstr(st, "\nrefused: ")) != NULL &&
	    sscanf(line + 10, "%llu", &n) == 1 && n > f->refusals) {
		char *why = strchr(line + 10, ' '), *end = why != NULL ? strchr(why, '\n') : NULL;
		f->refusals = n;
		if (end != NULL)
			*end = '\0';
		rc = hm_fail(ENOMEM, "%s (hugemem-fusefs: %s)", inner, why != NULL ? why + 1 : "");
	} else {
		hm_fail(ENOMEM, "%s", inner); /* the status read must not replace the message */
	}
	free(st);
	return rc;
}

static void fz_destroy(struct hm_backend *be);

/* Start, or attach to, the daemon this instance uses. */
static int
fz_daemon(struct fz *f, const struct hm_backend_params *params)
{
	const char *named = getenv("HUGEMEM_FUSEFS_MOUNT");
	char mnt[PATH_MAX];
	int rc;

	if (named != NULL && *named != '\0') {
		f->attached = true;
		rc = hm_fusefs_attach(named, &f->daemon);
		if (rc == 0 && params->fault != NULL && *params->fault != '\0')
			rc = hm_fusefs_control(named, params->fault);
		return rc;
	}
	if (params->in_memory || params->runtime_dir == NULL) {
		const char *tmp = getenv("TMPDIR");
		if (hm_snprintf(f->tmpdir, sizeof(f->tmpdir), "%s/hugemem-fusefs-XXXXXX",
				tmp != NULL && *tmp == '/' ? tmp : "/tmp") < 0 ||
		    mkdtemp(f->tmpdir) == NULL) {
			rc = hm_fail(errno != 0 ? errno : ENAMETOOLONG, "fuse: cannot make a "
				     "directory for the mount in %s: %s", tmp != NULL ? tmp : "/tmp",
				     strerror(errno));
			f->tmpdir[0] = '\0';
			return rc;
		}
		rc = hm_snprintf(mnt, sizeof(mnt), "%s/mnt", f->tmpdir);
	} else {
		rc = hm_snprintf(mnt, sizeof(mnt), "%s/fusefs", params->runtime_dir);
	}
	if (rc < 0)
		return hm_fail(ENAMETOOLONG, "fuse: the mount point path is too long");
	if (params->secondary) {
		f->attached = true;
		rc = hm_fusefs_attach(mnt, &f->daemon);
		return rc < 0 ? hm_fail(-rc, "fuse: a secondary uses its primary's mount: %s",
					hm_last_error()) : 0;
	}
	return hm_fusefs_start(mnt, params->topology, params->fault, &f->daemon);
}

static int
fz_create(struct hm_backend *be, const struct hm_backend_params *params)
{
	struct hm_backend_params ip;
	struct htlb_oracle oracle;
	struct hm_backend tmp;
	struct fz *f;
	int rc;

	if (be == NULL || params == NULL)
		return hm_fail(EINVAL, "fuse: create needs a backend and parameters");
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return hm_fail(ENOMEM, "fuse: out of memory");
	tmp.ops = be->ops;
	tmp.priv = f;
	f->inner.ops = &hm_hugetlbfs_ops;
	if (params->topology != NULL && strlen(params->topology) >= sizeof(f->topo)) {
		rc = hm_fail(EINVAL, "fuse: topology is too long");
		goto fail;
	}
	rc = fz_daemon(f, params);
	if (rc < 0)
		goto fail;
	if (f->attached) { /* refusals before us are not ours to report */
		char *st = malloc(65536), *line;
		unsigned long long n;
		if (st != NULL && hm_fusefs_status(hm_fusefs_mountpoint(f->daemon), st, 65536) >= 0 &&
		    (line = strstr(st, "\nrefused: ")) != NULL && sscanf(line + 10, "%llu", &n) == 1)
			f->refusals = n;
		free(st);
	}
	ip = *params;
	ip.topology = caps_of(params->topology, f->topo, sizeof(f->topo));
	ip.fault = NULL; /* the daemon has the knobs */
	oracle = (struct htlb_oracle){ .root = hm_fusefs_mountpoint(f->daemon), .ctx = f,
				       .place = fz_place, .locate = fz_locate, .memfd = fz_memfd };
	rc = htlb_create_with(&f->inner, &ip, &oracle);
	if (rc < 0) {
		char inner[512];
		snprintf(inner, sizeof(inner), "%s", hm_last_error());
		rc = hm_fail(-rc, "fuse: on the hugemem-fusefs mount %s: %s",
			     hm_fusefs_mountpoint(f->daemon), inner);
		goto fail;
	}
	be->priv = f;
	return 0;
fail:
	fz_destroy(&tmp);
	return rc;
}

static void
fz_destroy(struct hm_backend *be)
{
	struct fz *f;

	if (be == NULL || be->priv == NULL)
		return;
	f = be->priv;
	hm_hugetlbfs_ops.destroy(&f->inner);
	hm_fusefs_stop(f->daemon); /* leaves: stops it only when no one else holds it */
	if (f->tmpdir[0] != '\0' && rmdir(f->tmpdir) != 0)
		HM_LOG(WARNING, "fuse: cannot remove %s: %s", f->tmpdir, strerror(errno));
	free(f);
	be->priv = NULL;
}

static int
fz_probe(struct hm_backend *be, struct hm_probe *out)
{
	if (be == NULL || be->priv == NULL)
		return hm_fail(EINVAL, "fuse: probe needs a backend and an output");
	return hm_hugetlbfs_ops.probe(&((struct fz *)be->priv)->inner, out);
}

static int
fz_page_map(struct hm_backend *be, struct hm_page *pg)
{
	struct fz *f;

	if (be == NULL || be->priv == NULL)
		return hm_fail(EINVAL, "fuse: page_map needs a backend and a page");
	f = be->priv;
	return fz_explain(f, hm_hugetlbfs_ops.page_map(&f->inner, pg));
}

static void
fz_page_unmap(struct hm_backend *be, const struct hm_page *pg)
{
	HM_VERIFY(be != NULL && be->priv != NULL);
	hm_hugetlbfs_ops.page_unmap(&((struct fz *)be->priv)->inner, pg);
}

static int
fz_page_attach(struct hm_backend *be, struct hm_page *pg)
{
	struct fz *f;

	if (be == NULL || be->priv == NULL)
		return hm_fail(EINVAL, "fuse: page_attach needs a backend and a page");
	f = be->priv;
	return fz_explain(f, hm_hugetlbfs_ops.page_attach(&f->inner, pg));
}

static int
fz_page_fd(struct hm_backend *be, const struct hm_page *pg, uint64_t *offset)
{
	if (be == NULL || be->priv == NULL)
		return hm_fail(EINVAL, "fuse: page_fd needs a backend and a page");
	return hm_hugetlbfs_ops.page_fd(&((struct fz *)be->priv)->inner, pg, offset);
}

static int
fz_page_move(struct hm_backend *be, struct hm_page *pg, void *new_va)
{
	if (be == NULL || be->priv == NULL)
		return hm_fail(EINVAL, "fuse: page_move needs a backend and a page");
	return hm_hugetlbfs_ops.page_move(&((struct fz *)be->priv)->inner, pg, new_va);
}

static int
fz_node_of(struct hm_backend *be, const void *va)
{
	if (be == NULL || be->priv == NULL || va == NULL)
		return hm_fail(EINVAL, "fuse: node_of needs a backend and an address");
	return hm_hugetlbfs_ops.node_of(&((struct fz *)be->priv)->inner, va);
}

static int
fz_fault(struct hm_backend *be, const char *spec)
{
	if (be == NULL || be->priv == NULL || spec == NULL)
		return hm_fail(EINVAL, "fuse: fault needs a backend and a spec");
	return hm_fusefs_control(hm_fusefs_mountpoint(((struct fz *)be->priv)->daemon), spec);
}

static void
fz_dump(struct hm_backend *be, FILE *out)
{
	struct fz *f;
	char *st;

	if (be == NULL || be->priv == NULL || out == NULL)
		return;
	f = be->priv;
	fprintf(out, "fuse: hugemem-fusefs at %s (%s)\n", hm_fusefs_mountpoint(f->daemon),
		f->attached ? "a daemon this process uses" : "started by this process");
	hm_hugetlbfs_ops.dump(&f->inner, out);
	st = malloc(65536);
	if (st != NULL && hm_fusefs_status(hm_fusefs_mountpoint(f->daemon), st, 65536) >= 0) {
		for (char *l = strtok(st, "\n"); l != NULL; l = strtok(NULL, "\n"))
			if (strncmp(l, "pool ", 5) == 0 || strncmp(l, "mode:", 5) == 0 ||
			    strncmp(l, "faults:", 7) == 0 || strncmp(l, "allocations", 11) == 0)
				fprintf(out, "  daemon %s\n", l);
	}
	free(st);
}

int
hm_fusefs_pages_in_use(const struct hm_backend *be, int node, uint64_t page_sz)
{
	if (be == NULL || be->ops != &hm_fusefs_ops || be->priv == NULL)
		return hm_fail(EINVAL, "fuse: pages_in_use needs a running fuse backend");
	return hm_hugetlbfs_pages_in_use(&((const struct fz *)be->priv)->inner, node, page_sz);
}

const char *
hm_fusefs_backend_mount(const struct hm_backend *be)
{
	if (be == NULL || be->ops != &hm_fusefs_ops || be->priv == NULL)
		return hm_fail_ptr(EINVAL, "fuse: backend_mount needs a running fuse backend");
	return hm_fusefs_mountpoint(((const struct fz *)be->priv)->daemon);
}

const struct hm_backend_ops hm_fusefs_ops = {
	.name = "fuse",
	.description = "the hugetlbfs backend on a hugemem-fusefs mount: emulated pool, NUMA "
		       "and physical addresses, fault knobs (/dev/fuse)",
	.create = fz_create,
	.destroy = fz_destroy,
	.probe = fz_probe,
	.page_map = fz_page_map,
	.page_unmap = fz_page_unmap,
	.page_attach = fz_page_attach,
	.page_move = fz_page_move,
	.page_fd = fz_page_fd,
	.virt2iova = NULL,
	.node_of = fz_node_of,
	.fault = fz_fault,
	.dump = fz_dump,
};
