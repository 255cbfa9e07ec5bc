/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private declarations of hugemem-fusefs, the FUSE file system that emulates a
 * hugetlbfs machine, split by job:
 *
 *   machine.c  the emulated machine: page pools per (size, node) with synthetic
 *              physical addresses (emu's layouts), the fault/knob spec, counters
 *              (no libfuse, no files)
 *   tree.c     the file system: inodes, directories, page files and their pages,
 *              the sysfs/procfs-shaped virtual files, xattrs, statfs (no libfuse:
 *              the fuzzer and the unit tests drive it directly)
 *   ops.c      libfuse low-level callbacks over tree.c
 *   daemon.c   hm_fusefs_main: options, mount, session loop, exit on request
 *   hold.c     the hold file: which processes use the mount, when the daemon stops
 *   client.c   what a hugemem process uses: start/stop a daemon, control, oracle
 *   fuse.c     the `fuse` backend: the hugetlbfs backend on the mount
 *
 * Nothing here is thread-safe: the daemon serves one request at a time. The
 * exception is the pair holds_live / client_gone (hold.c), which the daemon's
 * watcher thread reads and writes too (C11 atomics, sequentially consistent).
 */
#ifndef HUGEMEM_FUSEFS_I_H
#define HUGEMEM_FUSEFS_I_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include "common_i.h"
#include "hugemem/emu.h"
#include "hugemem/fusefs.h"

/* ================================ machine.c ================================ */

#define FS_NO_LIMIT UINT32_MAX
#define FS_NO_FRAME UINT32_MAX

/* One (page size, node) pool: frames with precomputed physical addresses. */
struct fs_pool {
	uint64_t page_sz;   /* bytes */
	uint32_t total;     /* frames, from the topology */
	uint32_t limit;     /* at most this many in use (pool=); FS_NO_LIMIT = total */
	uint32_t in_use;    /* frames held by page files */
	uint32_t hint;      /* no free bit below word hint */
	uint64_t base, end; /* PA range of the frames, [base, end) */
	uint64_t *free;     /* bit i set: frame i free; NULL if total == 0 */
	uint64_t *pa;       /* PA of frame i */
};

enum fs_fault_kind { FS_F_NTH, FS_F_EVERY, FS_F_NODE, FS_F_RATE, FS_F_KINDS };

/* Fault and behaviour knobs (control file / --fault). */
struct fs_knobs {
	uint64_t nth, nth_left;   /* pending nth= fault; 0 = none */
	uint64_t every, every_calls;
	uint64_t node_mask;       /* bit n: every allocation on node n fails */
	uint32_t rate;            /* permille */
	uint64_t rng;             /* rate PRNG */
	uint64_t die_at;          /* die at this allocation count (calls); 0 = never */
	uint32_t latency_us;      /* added to every request */
	bool sigbus;              /* sizing does not allocate: first touch does (SIGBUS) */
	bool strict;              /* no fallback to other nodes (MPOL_BIND-like) */
};

/* The emulated machine. */
struct fs_machine {
	struct hm_emu_topology topo;
	struct fs_pool pools[HM_MAX_PAGE_SIZES][HM_MAX_NUMA_NODES];
	struct fs_knobs k;
	uint64_t calls;                   /* allocation attempts since start or clear */
	uint64_t injected[FS_F_KINDS];    /* failures injected, by kind */
	uint64_t exhausted;               /* allocations refused for an empty pool */
	uint64_t refusals;                /* allocations refused, any reason */
	char refusal[192];                /* why the last one was refused */
	bool die_now;                     /* a die fault fired: the daemon must exit */
};

/*
 * Build the machine of topology string @p topo (emu grammar; NULL = default)
 * and apply @p spec (knobs; NULL = none). On failure nothing is left allocated.
 * @return 0; -EINVAL (bad topology or spec, hm_last_error() says which), -ENOMEM.
 */
HM_INTERNAL int fs_machine_init(struct fs_machine *m, const char *topo, const char *spec);
HM_INTERNAL void fs_machine_fini(struct fs_machine *m);

/*
 * Apply a knob spec (grammar in hugemem/fusefs.h) on top of the current one,
 * all or nothing. @return 0 or -EINVAL naming the bad item.
 */
HM_INTERNAL int fs_machine_apply(struct fs_machine *m, const char *spec);

/* Size index of @p page_sz, or -1. */
HM_INTERNAL int fs_size_index(const struct fs_machine *m, uint64_t page_sz);

/*
 * Take one frame of size index @p k for a file preferring @p node (-1: none),
 * falling back to the other nodes in order unless strict. Counts one allocation
 * attempt for the faults.
 * @return 0 with *node_out and *frame_out; -ENOSPC (pool empty or limited, or an
 *   injected fault; *why says which). m->die_now may be set: the caller exits.
 */
HM_INTERNAL int fs_frame_take(struct fs_machine *m, unsigned int k, int node, int *node_out,
			      uint32_t *frame_out, const char **why);
HM_INTERNAL void fs_frame_put(struct fs_machine *m, unsigned int k, unsigned int node,
			      uint32_t frame);

/* Counters of pool (k, node) as sysfs shows them. */
HM_INTERNAL void fs_pool_counts(const struct fs_machine *m, unsigned int k, unsigned int node,
				uint64_t *nr, uint64_t *free_pages, uint64_t *surplus);

/* Human-readable state (topology, pools, knobs, counters) into @p buf. Length. */
HM_INTERNAL size_t fs_machine_status(const struct fs_machine *m, char *buf, size_t len);

/* Pool invariants; 0 or -EFAULT with *reason. O(frames). */
HM_INTERNAL int fs_machine_check(const struct fs_machine *m, const char **reason);

/* ================================== tree.c ================================== */

/* What an inode is. */
enum fs_kind {
	FS_ROOT,     /* the mount root: read-only directory */
	FS_VDIR,     /* a directory of the sysfs/procfs tree */
	FS_VFILE,    /* a generated file (sysfs counters, mounts, meminfo) */
	FS_CONTROL,  /* the control file: read = status, write = knob spec */
	FS_HOLD,     /* the hold file: each open is a process using the mount (hold.c) */
	FS_DIR,      /* a directory of a page area (the size dirs and their subdirs) */
	FS_REG,      /* a page file */
	FS_LNK,      /* a symlink in a page area */
	FS_SPECIAL,  /* a FIFO or socket in a page area */
};

/* Generated contents of an FS_VFILE. */
enum fs_vfile {
	FS_V_NR, FS_V_FREE, FS_V_RESV, FS_V_SURPLUS, FS_V_OVERCOMMIT, /* global, per size */
	FS_V_NODE_NR, FS_V_NODE_FREE, FS_V_NODE_SURPLUS,              /* per size and node */
	FS_V_CPULIST,                                                  /* per node */
	FS_V_MOUNTS, FS_V_MEMINFO,
};

enum fs_page_state {
	FS_PG_HOLE = 0, /* no frame; reads as zeros (punched, or beyond a failed grow) */
	FS_PG_LAZY,     /* no frame yet: the first read (a fault) takes one (sigbus mode) */
	FS_PG_HAVE,     /* frame held */
};

struct fs_page {
	uint32_t frame;  /* valid if HAVE */
	uint8_t node;    /* valid if HAVE */
	uint8_t state;   /* enum fs_page_state */
};

struct fs_dirent {
	char *name;
	uint64_t ino;
	uint64_t cookie; /* readdir offset: strictly increasing in the array */
};

struct fs_inode {
	uint64_t ino, gen;
	enum fs_kind kind;
	mode_t mode;                 /* type and permission bits */
	uid_t uid;
	gid_t gid;
	uint32_t nlink;              /* names pointing here (dirs: 2 + subdirs) */
	dev_t rdev;
	struct timespec atime, mtime, ctime;
	uint64_t nlookup;            /* kernel references (lookup/create minus forget) */
	uint32_t nopen;              /* open handles */
	int k;                       /* page size index (page areas and size vfiles); else -1 */
	int node;                    /* vfile node; -1 */
	enum fs_vfile vf;            /* FS_VFILE only */
	uint64_t parent;             /* directories: parent ino */
	/* directories */
	struct fs_dirent *ents;
	uint32_t n_ents, cap_ents;
	uint64_t next_cookie;
	/* page files */
	uint64_t size;               /* bytes, multiple of the page size */
	struct fs_page *pages;       /* size / page_sz entries */
	int data_fd;                 /* memfd holding the bytes; -1 until needed */
	int pref_node;               /* user.hugemem.node; -1 = none */
	/* symlinks */
	char *target;
};

/* The file system: machine + inode table. */
struct fs_tree {
	struct fs_machine m;
	char mountpoint[4096];       /* as clients see it (for proc/mounts) */
	struct fs_slot {
		struct fs_inode *n;  /* NULL = free */
		uint64_t gen;        /* generation of the next inode in this slot */
	} *slots;                    /* by ino - 1 */
	uint64_t n_slots;            /* slots in use or freed; cap_slots allocated */
	uint64_t cap_slots;
	uint64_t n_inodes;           /* live inodes */
	uint64_t free_hint;          /* no free slot below this index */
	uint64_t control_ino;
	uint64_t size_dir[HM_MAX_PAGE_SIZES]; /* ino of each page size's directory */
	uid_t owner_uid;             /* the daemon's user: owns root, control, size dirs */
	gid_t owner_gid;
	char last_error[512];        /* of the last failed control write */
	uint64_t requests;           /* served, for the status */
	uint64_t hold_ino;           /* the hold file */
	/* holds (hold.c): one slot per open of the hold file; fh = slot + 1 */
	struct fs_hold {
		int32_t pid;         /* the opener, as the kernel said; 0 = free slot */
		uint8_t state;       /* enum fs_hold_state */
	} *holds;
	uint32_t n_holds, cap_holds; /* slots used (some free) / allocated */
	_Atomic uint32_t holds_live; /* slots in state FS_HOLD_HELD */
	_Atomic bool client_gone;    /* the starting process closed its socket (daemon.c) */
	bool has_client;             /* started with --client-fd: stops when unused */
	void *session;               /* the daemon's struct fuse_session; NULL in tests */
};

enum fs_hold_state {
	FS_HOLD_FREE = 0, /* slot unused */
	FS_HOLD_HELD,     /* an open that keeps the daemon serving */
	FS_HOLD_LEFT,     /* its process wrote "leave": open, but no longer counted */
};

/*
 * Build the tree for topology @p topo, knobs @p spec, mounted at @p mountpoint
 * (absolute; used only in proc/mounts). Owner of the fixed nodes: @p uid/@p gid.
 * @return 0 or -errno (hm_last_error() says why).
 */
HM_INTERNAL int fs_tree_init(struct fs_tree *t, const char *mountpoint, const char *topo,
			     const char *spec, uid_t uid, gid_t gid);
HM_INTERNAL void fs_tree_fini(struct fs_tree *t);

/* The inode of @p ino, or NULL. */
HM_INTERNAL struct fs_inode *fs_get(const struct fs_tree *t, uint64_t ino);

/* stat of an inode. */
HM_INTERNAL void fs_stat(const struct fs_tree *t, const struct fs_inode *n, struct stat *st);

/* Name lookup; takes one kernel reference on success. 0 or -ENOENT/-ENOTDIR. */
HM_INTERNAL int fs_lookup(struct fs_tree *t, uint64_t parent, const char *name,
			  struct fs_inode **out);
/* Drop @p n kernel references; the inode goes when unreferenced, unlinked and closed. */
HM_INTERNAL void fs_forget(struct fs_tree *t, uint64_t ino, uint64_t n);

/*
 * Make a node in a page area: @p mode carries the type (S_IFREG, S_IFDIR,
 * S_IFLNK with @p target, S_IFIFO, S_IFSOCK). Takes a kernel reference.
 * @return 0; -EEXIST, -EPERM (outside a page area, or a device node), -ENOENT,
 *   -ENOTDIR, -ENAMETOOLONG, -ENOMEM.
 */
HM_INTERNAL int fs_mknod(struct fs_tree *t, uint64_t parent, const char *name, mode_t mode,
			 uid_t uid, gid_t gid, const char *target, struct fs_inode **out);
/* unlink (@p dir false) or rmdir (true). 0; -ENOENT, -EISDIR, -ENOTDIR, -ENOTEMPTY, -EPERM. */
HM_INTERNAL int fs_remove(struct fs_tree *t, uint64_t parent, const char *name, bool dir);
/* A second name for a non-directory, in a page area of the same size. */
HM_INTERNAL int fs_link(struct fs_tree *t, uint64_t ino, uint64_t newparent, const char *newname,
			struct fs_inode **out);
/* rename within page areas of one size; @p flags RENAME_NOREPLACE / 0. */
HM_INTERNAL int fs_rename(struct fs_tree *t, uint64_t parent, const char *name, uint64_t newparent,
			  const char *newname, unsigned int flags);

/* chmod/chown/utimes (@p valid: FS_SET_* bits). 0 or -EPERM. */
#define FS_SET_MODE (1u << 0)
#define FS_SET_UID (1u << 1)
#define FS_SET_GID (1u << 2)
#define FS_SET_ATIME (1u << 3)
#define FS_SET_MTIME (1u << 4)
HM_INTERNAL int fs_setattr(struct fs_tree *t, uint64_t ino, unsigned int valid,
			   const struct stat *st);

/*
 * Resize a page file. Growth takes frames for the new pages (all or nothing:
 * -ENOSPC) unless sigbus mode makes them lazy. A size that is not a multiple of
 * the page size is -EINVAL, as on hugetlbfs.
 */
HM_INTERNAL int fs_truncate(struct fs_tree *t, uint64_t ino, uint64_t size);
/* fallocate: mode 0 / KEEP_SIZE allocate (all or nothing), PUNCH_HOLE|KEEP_SIZE frees. */
HM_INTERNAL int fs_fallocate(struct fs_tree *t, uint64_t ino, int mode, uint64_t off,
			     uint64_t len);

/*
 * Read up to @p size bytes at @p off into @p buf. Page files: lazy pages in the
 * range take their frames first (-EIO when none: the faulting process gets
 * SIGBUS). Virtual files: generated text. @return bytes read or -errno.
 */
HM_INTERNAL ssize_t fs_read(struct fs_tree *t, uint64_t ino, uint64_t off, size_t size, char *buf);
/*
 * Write: page files accept only page-cache writeback (@p writepage; write(2) is
 * -EINVAL as on hugetlbfs); the control file takes a knob spec.
 */
HM_INTERNAL ssize_t fs_write(struct fs_tree *t, uint64_t ino, uint64_t off, const char *buf,
			     size_t size, bool writepage);
HM_INTERNAL void fs_open(struct fs_tree *t, uint64_t ino);
HM_INTERNAL void fs_release(struct fs_tree *t, uint64_t ino);

/* xattrs: user.hugemem.node (rw), user.hugemem.page.<i> and user.hugemem.pages (ro). */
HM_INTERNAL ssize_t fs_getxattr(struct fs_tree *t, uint64_t ino, const char *name, char *buf,
				size_t size);
HM_INTERNAL int fs_setxattr(struct fs_tree *t, uint64_t ino, const char *name, const char *val,
			    size_t size, int flags);
HM_INTERNAL ssize_t fs_listxattr(struct fs_tree *t, uint64_t ino, char *buf, size_t size);
HM_INTERNAL int fs_removexattr(struct fs_tree *t, uint64_t ino, const char *name);

/* statfs of the file system holding @p ino (page areas: their size's pool). */
HM_INTERNAL void fs_statfs(const struct fs_tree *t, uint64_t ino, struct statvfs *out);

/* Next directory entry after readdir offset @p off: index into ents or -1. */
HM_INTERNAL int64_t fs_dir_next(const struct fs_inode *dir, uint64_t off);

/* ================================== hold.c ================================== */

/*
 * A process opened the hold file (@p accmode: O_ACCMODE bits of its open;
 * @p pid: the opener). Only O_RDWR opens are holds.
 * @return 0 with *fh (never 0); -EINVAL (not O_RDWR), -ESHUTDOWN (the daemon
 *   is stopping: its client left and no hold is left), -ENOMEM.
 */
HM_INTERNAL int fs_hold_open(struct fs_tree *t, int accmode, int32_t pid, uint64_t *fh);
/* The message "leave": this hold stops counting. size or -EINVAL / -EALREADY / -EBADF. */
HM_INTERNAL ssize_t fs_hold_write(struct fs_tree *t, uint64_t fh, const char *buf, size_t size);
/* "holds=<N> stopping=<0|1> pid=<daemon pid>\n" from @p off; bytes or -EBADF. */
HM_INTERNAL ssize_t fs_hold_read(struct fs_tree *t, uint64_t fh, uint64_t off, size_t size,
				 char *buf);
/* The open went (close, exit, SIGKILL). @return true when the daemon must stop now. */
HM_INTERNAL bool fs_hold_release(struct fs_tree *t, uint64_t fh);
/* The client's socket hit EOF (any thread). @return true when the daemon must stop now. */
HM_INTERNAL bool fs_hold_client_gone(struct fs_tree *t);
/* Whether the daemon is done: a client that left and no hold. */
HM_INTERNAL bool fs_hold_stopping(const struct fs_tree *t);
HM_INTERNAL void fs_hold_fini(struct fs_tree *t);
/* holds_live == slots HELD, free slots have pid 0; 0 or -EFAULT with *reason. */
HM_INTERNAL int fs_hold_check(const struct fs_tree *t, const char **reason);

/* Whole-tree invariants (and the machine's); 0 or -EFAULT with *reason. */
HM_INTERNAL int fs_tree_check(const struct fs_tree *t, const char **reason);

#endif /* HUGEMEM_FUSEFS_I_H */
