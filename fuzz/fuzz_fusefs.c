/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hugemem-fusefs's file system logic (backends/fuse tree.c, pages.c,
 * machine.c) from bytes, in-process, no FUSE: the first byte picks a topology,
 * then every 4 bytes are one operation on one of 8 names in two page
 * directories (create, mkdir, symlink, FIFO, unlink, rmdir, rename, link,
 * truncate, fallocate, punch, read, write-back, write(2), xattrs, open/close,
 * forget, a knob spec), and the hold file (hold.c: opens with each access mode,
 * the messages "leave" and junk, reads, releases, the client's EOF). After each
 * one fs_tree_check must hold (it checks the hold count against the table); a
 * grow that succeeds must leave whole pages; a die fault is only a flag here;
 * a stop decision must agree with fs_hold_stopping, and once stopping, no new
 * hold is taken.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fusefs_i.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAMES 8

static const char *const topos[] = {
	"nodes=1;2M=8",
	"nodes=2;2M=4,4;1G=1,0;iova=shuffled;seed=3",
	"nodes=3;4K=16,8,0;2M=2;iova=fragmented",
	"nodes=1;4K=64;64K=8",
};

static const char *const specs[] = {
	"nth=2", "every=3", "node=1", "pool=0:2M:1", "rate=500", "sigbus=1", "sigbus=0",
	"policy=bind", "policy=preferred", "clear", "die=2", "latency=0", "bogus", "nth=0;;",
	"pool=0:4K:0;node=0", "clear;every=1",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fs_tree t;
	uint64_t opened[64], held[16];
	unsigned int n_opened = 0, n_held = 0;
	const char *why = NULL;
	char name[8], name2[8], buf[256];

	if (size < 1 || size > 4096)
		return 0;
	if (fs_tree_init(&t, "/fuzz", topos[data[0] % 4], NULL, 0, 0) != 0)
		abort();
	for (size_t i = 1; i + 4 <= size; i += 4) {
		uint8_t op = data[i], a = data[i + 1], b = data[i + 2], c = data[i + 3];
		uint64_t dir = t.size_dir[a % t.m.topo.n_sizes];
		uint64_t P = t.m.topo.sizes[a % t.m.topo.n_sizes].page_sz;
		struct fs_inode *n = NULL;
		int rc = 0;

		snprintf(name, sizeof(name), "n%u", (a >> 2) % NAMES);
		snprintf(name2, sizeof(name2), "n%u", b % NAMES);
		if (fs_lookup(&t, dir, name, &n) == 0)
			fs_forget(&t, n->ino, 1); /* keep n only as a pointer for this step */
		else
			n = NULL;
		switch (op % 20) {
		case 0:
			if (fs_mknod(&t, dir, name, S_IFREG | 0600, 0, 0, NULL, &n) == 0 &&
			    n_opened < 64) {
				fs_open(&t, n->ino);
				opened[n_opened++] = n->ino;
			}
			break;
		case 1:
			fs_mknod(&t, dir, name, S_IFDIR | 0700, 0, 0, NULL, &n);
			break;
		case 2:
			fs_mknod(&t, dir, name, (c & 1) ? S_IFLNK | 0777 : S_IFIFO | 0600, 0, 0,
				 "/x", &n);
			break;
		case 3:
			fs_remove(&t, dir, name, c & 1);
			break;
		case 4:
			fs_rename(&t, dir, name, t.size_dir[b % t.m.topo.n_sizes], name2, c & 1);
			break;
		case 5:
			if (n != NULL)
				fs_link(&t, n->ino, dir, name2, &n);
			break;
		case 6:
			if (n != NULL) {
				uint64_t sz = (uint64_t)(c % 5) * P + ((b & 1) ? 4096 : 0);
				rc = fs_truncate(&t, n->ino, sz);
				if (rc == 0 && n->kind == FS_REG && n->size != sz)
					abort();
			}
			break;
		case 7:
		case 8:
			if (n != NULL)
				fs_fallocate(&t, n->ino, op % 20 == 7 ? (c & 1) : 3,
					     (uint64_t)(b % 4) * P / 2, (uint64_t)(c % 4 + 1) * P / 2);
			break;
		case 9:
			if (n != NULL)
				fs_read(&t, n->ino, (uint64_t)b * P / 16, sizeof(buf), buf);
			break;
		case 10:
		case 11:
			if (n != NULL)
				fs_write(&t, n->ino, (uint64_t)b * P / 16, "written", 7, op % 20 == 10);
			break;
		case 12:
			if (n != NULL) {
				char v[4];
				snprintf(v, sizeof(v), "%u", c % 4);
				fs_setxattr(&t, n->ino, HM_FUSEFS_XATTR_NODE, v, strlen(v), b % 3);
			}
			break;
		case 13:
			if (n != NULL) {
				snprintf(buf, sizeof(buf), HM_FUSEFS_XATTR_PAGE "%u", c % 6);
				fs_getxattr(&t, n->ino, c & 0x80 ? HM_FUSEFS_XATTR_PAGES : buf, buf,
					    b % 2 ? sizeof(buf) : 0);
				fs_listxattr(&t, n->ino, buf, b % 3 ? sizeof(buf) : 4);
				fs_removexattr(&t, n->ino, HM_FUSEFS_XATTR_NODE);
			}
			break;
		case 14:
			fs_machine_apply(&t.m, specs[c % 16]);
			t.m.die_now = false;
			break;
		case 15:
			if (n_opened > 0) {
				unsigned int k = c % n_opened;
				fs_release(&t, opened[k]);
				opened[k] = opened[--n_opened];
			}
			break;
		case 16:
			if (n != NULL && n_opened < 64) {
				fs_open(&t, n->ino);
				opened[n_opened++] = n->ino;
			}
			break;
		case 17: {
			struct statvfs sv;
			fs_statfs(&t, n != NULL ? n->ino : dir, &sv);
			if (sv.f_bfree > sv.f_blocks)
				abort();
			break;
		}
		case 18:
			if (n != NULL) /* a lookup the kernel would forget later */
				fs_lookup(&t, dir, name, &n);
			break;
		default:
			if (c < 128) {
				fs_read(&t, t.control_ino, 0, sizeof(buf), buf);
				break;
			}
			/* the hold file: pick a hold (or a bogus handle) by b */
			uint64_t fh = n_held > 0 && b < 200 ? held[b % n_held] : (uint64_t)b;
			static const char *const msgs[] = { "leave", "leave\n", "leav", "leave\n\n",
							    "", "LEAVE", "leave;x", "\0leave" };
			switch (c % 6) {
			case 0: {
				static const int modes[] = { O_RDWR, O_RDONLY, O_WRONLY, O_RDWR | O_TRUNC };
				bool was = fs_hold_stopping(&t);
				uint64_t h;
				rc = fs_hold_open(&t, modes[a % 4], (int32_t)a - 1, &h);
				if (was && rc != -ESHUTDOWN && rc != -EINVAL)
					abort();
				if (rc == 0 && n_held < 16)
					held[n_held++] = h;
				else if (rc == 0)
					fs_hold_release(&t, h);
				break;
			}
			case 1:
				fs_hold_write(&t, fh, msgs[a % 8], a % 8 == 7 ? 6 : strlen(msgs[a % 8]));
				break;
			case 2:
				fs_hold_read(&t, fh, a % 40, b % 2 ? sizeof(buf) : 3, buf);
				break;
			case 3:
				if (n_held > 0) {
					unsigned int k = b % n_held;
					if (fs_hold_release(&t, held[k]) != fs_hold_stopping(&t))
						abort();
					held[k] = held[--n_held];
				} else {
					fs_hold_release(&t, fh);
				}
				break;
			case 4:
				t.has_client = true;
				if (fs_hold_client_gone(&t) != fs_hold_stopping(&t))
					abort();
				break;
			default:
				fs_read(&t, t.hold_ino, 0, sizeof(buf), buf);
				fs_write(&t, t.hold_ino, 0, "leave", 5, false);
				break;
			}
			break;
		}
		t.m.die_now = false;
		if (fs_tree_check(&t, &why) != 0) {
			fprintf(stderr, "fusefs tree check after op %u: %s\n", op % 20, why);
			abort();
		}
	}
	while (n_opened > 0)
		fs_release(&t, opened[--n_opened]);
	while (n_held > 0)
		fs_hold_release(&t, held[--n_held]);
	if (atomic_load(&t.holds_live) != 0)
		abort();
	fs_tree_fini(&t);
	return 0;
}
