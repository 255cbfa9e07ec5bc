/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem-fusefs: a FUSE file system that behaves like a hugetlbfs machine, and
 * the `fuse` backend that runs the hugetlbfs backend's code on it.
 *
 * The mount (one daemon, one mount point M)
 * -----------------------------------------
 *   M/<size>/          one directory per page size ("2M", "1G"): the hugetlbfs
 *                      mounts. Files there are page files: sizes are multiples of
 *                      the page size (others: EINVAL), sizing takes pages from the
 *                      (size, node) pool (ENOSPC when empty), fallocate allocates
 *                      or punches holes (PUNCH_HOLE|KEEP_SIZE), unlink and
 *                      truncation give pages back once the last opener is gone,
 *                      write(2) is EINVAL (page-cache writeback of MAP_SHARED
 *                      mappings is how data arrives), flock/fcntl locks, symlinks,
 *                      FIFOs, subdirectories and permissions work as on any file
 *                      system (the kernel enforces modes: default_permissions).
 *                      statfs: f_bsize = the page size, f_blocks/f_bfree = pool.
 *   M/sys/...          what the hugetlbfs backend reads from sysfs:
 *                      kernel/mm/hugepages/hugepages-<kB>/{nr,free,resv,surplus}_hugepages,
 *                      nr_overcommit_hugepages; devices/system/node/node<N>/cpulist and
 *                      node<N>/hugepages/hugepages-<kB>/{nr,free,surplus}_hugepages
 *   M/proc/mounts      one `hugetlbfs` line per size dir (pagesize=<size>)
 *   M/proc/meminfo     Hugepagesize: (the largest size)
 *   M/control          read: the machine's state; write: a knob spec (below)
 *   M/hold             one O_RDWR open per process using the mount (0600, the
 *                      daemon's user only); write "leave", read "holds=N
 *                      stopping=0|1 pid=P". A daemon started by a process stops
 *                      when that process left and no hold is left
 *                      (docs/backends.md, "Who keeps the daemon serving")
 * So the hugetlbfs backend's discovery reads M as its sysfs/procfs root.
 *
 * Per page file, extended attributes are the oracle that replaces
 * /proc/self/pagemap and get_mempolicy:
 *   user.hugemem.node     (rw) decimal node the file's pages should come from
 *   user.hugemem.page.<i> (ro) "node=<n> pa=0x<hex>" of page i (ENODATA: no page)
 *   user.hugemem.pages    (ro) one "<i> <node> 0x<pa>" line per page held
 *
 * Machine: the emu topology grammar (hugemem/emu.h): nodes, page sizes and pages
 * per node, lcores (M/sys/.../cpulist), iova=contig|shuffled|fragmented and seed
 * give the same physical addresses as emu for the same string.
 *
 * Knob spec (--fault, the control file, hm_fusefs_control, hm_backend_fault)
 * ---------------------------------------------------------------------------
 * `;`-separated items applied in order, all or nothing:
 *   nth=N          the Nth page allocation from now fails, once
 *   every=N        every Nth page allocation fails
 *   node=N         every allocation for a file that wants node N fails
 *   pool=NODE:SIZE:COUNT  that pool offers at most COUNT pages from now on (pages
 *                  in use stay, shown as surplus)
 *   rate=PERMILLE  each allocation fails with that probability (seeded PRNG)
 *   die=N          the daemon exits, as if killed, at the Nth allocation from now
 *   die            the daemon exits now
 *   latency=USEC   every request waits USEC (0..1000000) before its reply
 *   sigbus=0|1     1: sizing a file takes no pages, the first touch of each page
 *                  does, and a touch the pool cannot serve gets SIGBUS (a hugetlb
 *                  cgroup limit); 0 (default): sizing takes them, or ENOSPC
 *   policy=preferred|bind  a file whose node is empty gets another node's page
 *                  (preferred, the kernel's MPOL_PREFERRED; default) or ENOSPC
 *   clear          every fault, limit and mode back to the defaults, counters reset
 * A failed allocation is ENOSPC for the call that sized the file, or SIGBUS on
 * first touch in sigbus mode. A bad spec is -EINVAL and changes nothing.
 */
#ifndef HUGEMEM_FUSEFS_H
#define HUGEMEM_FUSEFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hugemem/backend.h"
#include "hugemem/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Extended attribute names of page files (see above). */
#define HM_FUSEFS_XATTR_NODE "user.hugemem.node"
#define HM_FUSEFS_XATTR_PAGE "user.hugemem.page."
#define HM_FUSEFS_XATTR_PAGES "user.hugemem.pages"

/** A daemon this process started, or one it uses (process-local). */
struct hm_fusefs;

/**
 * Start hugemem-fusefs on @p mountpoint (absolute; created when missing, must be
 * empty and not a mount) and wait until it answers (at most 10 s), then hold it
 * (an O_RDWR open of M/hold, kept until hm_fusefs_stop). The daemon exits and
 * unmounts when hm_fusefs_stop is called or this process dies, and no other
 * process holds the mount; else when the last hold goes (close, exit, SIGKILL),
 * removing a mount point this call created.
 * The program is $HUGEMEM_FUSEFS_BIN, else the build tree's, else the installed one.
 * @param topology  emu grammar; NULL = default topology
 * @param spec      knob spec applied at start; NULL = none
 * @return 0 with *out; -EINVAL (bad argument, topology or spec), -ENOENT (no
 *   daemon program), -ENODEV (/dev/fuse unusable), -EBUSY (mount point in use),
 *   -ETIMEDOUT, or the errno of the failing step; hm_last_error() says which.
 */
int hm_fusefs_start(const char *mountpoint, const char *topology, const char *spec,
		    struct hm_fusefs **out);

/**
 * Use a daemon that already serves @p mountpoint (started by hand, by
 * `hugemem fusefs`, or by another process), holding it (M/hold; another user's
 * daemon is used without a hold). hm_fusefs_stop releases the hold.
 * @return 0; -EINVAL, -ENOTCONN (not a live hugemem-fusefs mount, or its daemon
 *   is stopping), -EPERM (M/hold is not this user's daemon's), or the errno of
 *   the open.
 */
int hm_fusefs_attach(const char *mountpoint, struct hm_fusefs **out);

/**
 * Leave a daemon: release this process's hold ("leave", then read how many are
 * left). A daemon hm_fusefs_start started and no other process holds is stopped
 * (unmount, wait for it, SIGKILL after 5 s, lazy-unmount a dead mount, remove a
 * mount point it created); one that others hold is left serving them (it stops
 * after the last; it is still this process's child, and a detached thread waits
 * for it so that it is reaped when it exits). An attached daemon is forgotten;
 * when this was the last hold of a daemon whose starter left, this waits (5 s
 * at most) until it exited.
 * In a child forked after start or attach it only closes the child's copies of
 * the descriptors (the daemon, its hold and mount stay the parent's).
 * NULL is fine.
 */
void hm_fusefs_stop(struct hm_fusefs *fs);

/** The mount point, or NULL (hm_errno EINVAL) for NULL. */
const char *hm_fusefs_mountpoint(const struct hm_fusefs *fs);

/** Process id of a daemon this process started; -1 for an attached one or NULL. */
int hm_fusefs_pid(const struct hm_fusefs *fs);

/** Whether the mount still answers (false once the daemon died). */
bool hm_fusefs_alive(const struct hm_fusefs *fs);

/**
 * Apply a knob spec through M/control.
 * @return 0; -EINVAL (bad spec: hm_last_error() has the daemon's reason),
 *   -ENOTCONN (daemon gone), -EACCES, or the errno of the write.
 */
int hm_fusefs_control(const char *mountpoint, const char *spec);

/**
 * Read the daemon's state (M/control) into @p buf.
 * @return length; -EINVAL, -ENOTCONN, -ENAMETOOLONG (buffer too small).
 */
int hm_fusefs_status(const char *mountpoint, char *buf, size_t len);

/**
 * Validator: the daemon checks its pools and tree (the "check:" line of the status).
 * @return 0; -EFAULT with the reason in hm_last_error(); -ENOTCONN, -EINVAL.
 */
int hm_fusefs_check(const char *mountpoint);

/**
 * Ask for @p node's pool for the pages of page file @p fd sized from now on.
 * @return 0; -EINVAL (bad fd or node the machine lacks), -ENOTSUP (not a
 *   hugemem-fusefs page file).
 */
int hm_fusefs_set_node(int fd, int node);

/**
 * Node and physical address of page @p index of page file @p fd.
 * @return 0; -ENODATA (no page there), -EINVAL, -ENOTSUP (not a fusefs file).
 */
int hm_fusefs_page_info(int fd, uint64_t index, int *node, uint64_t *pa);

/**
 * What the fuse backend needs here (/dev/fuse, fusermount3 for non-root, the
 * daemon program), one "ok"/"FAIL" line each with "  fix:" lines, to @p out
 * (NULL: nothing printed).
 * @return the number of problems (0: the fuse backend can run here).
 */
int hm_fusefs_doctor(FILE *out);

/**
 * The daemon: `hugemem-fusefs [--topology=T] [--fault=SPEC] [-d] MOUNTPOINT`
 * (`hugemem fusefs` calls this with argv[0] = "fusefs"). Mounts, serves in the
 * foreground until SIGINT/SIGTERM/SIGHUP or an unmount, unmounts.
 * @return an exit status: 0 after a clean unmount, 1 failure, 2 usage.
 */
int hm_fusefs_main(int argc, char **argv);

/**
 * Pages of @p page_sz a running fuse backend instance has mapped on @p node.
 * @return the count; -EINVAL (not a fuse backend, node or size not offered).
 */
int hm_fusefs_pages_in_use(const struct hm_backend *be, int node, uint64_t page_sz);

/**
 * Mount point the running fuse backend instance uses.
 * @return the path, or NULL with hm_errno EINVAL.
 */
const char *hm_fusefs_backend_mount(const struct hm_backend *be);

/** The ops table (registered as "fuse" in core/init/backends.c when built). */
extern const struct hm_backend_ops hm_fusefs_ops;

#ifdef __cplusplus
}
#endif
#endif /* HUGEMEM_FUSEFS_H */
