/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the kernel puts underneath an emulated page (hm_emu_backing_page_size).
 *
 * An emulated 2M page is ordinary memory: 512 base pages, each faulted and zeroed
 * on its own, unless the kernel backs the range with transparent huge pages
 * (THP). emu asks for them (madvise(MADV_HUGEPAGE) on every page it maps); whether
 * it gets them is the kernel's policy:
 *   - in-memory mode maps private anonymous memory: the THP size's own
 *     transparent_hugepage/hugepages-<size>kB/enabled (Linux 6.8) must be
 *     [always] or [madvise], or [inherit] (or absent) and /sys/kernel/mm/
 *     transparent_hugepage/enabled [always] or [madvise]; and this process must
 *     not have THP disabled by prctl(PR_SET_THP_DISABLE) (which a child inherits),
 *     unless only for memory that is not madvised (PR_THP_DISABLE_EXCEPT_ADVISED);
 *   - page files live on tmpfs: shmem_enabled [force] gives them THP everywhere,
 *     [deny] nowhere, otherwise the mount's huge= option decides: always and
 *     within_size give THP to a page file of >= 2M; advise does not, because
 *     page_map allocates a file's blocks (posix_fallocate) before it maps it.
 * Emulated pages smaller than a THP are always base pages. The answer is the
 * policy: where memory is fragmented the kernel may still fall back to base pages
 * for a range (AnonHugePages / ShmemPmdMapped in /proc/meminfo show what it did).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common_i.h"
#include "hugemem/emu.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

/* The bracketed word of a sysfs policy file ("always [madvise] never"), or "". */
static void
policy_word(const char *path, char *out, size_t len)
{
	char line[256], *a, *b;
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(line, sizeof(line), f) != NULL && (a = strchr(line, '[')) != NULL &&
	    (b = strchr(a, ']')) != NULL && (size_t)(b - a) < len) {
		memcpy(out, a + 1, (size_t)(b - a - 1));
		out[b - a - 1] = '\0';
	}
	fclose(f);
}

static uint64_t
thp_size(void)
{
	unsigned long long v = 0;
	FILE *f = fopen(THP_DIR "/hpage_pmd_size", "re");

	if (f != NULL) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

#ifndef PR_GET_THP_DISABLE
#define PR_GET_THP_DISABLE 42
#endif
#define THP_DISABLE_EXCEPT_ADVISED (1 << 1) /* PR_THP_DISABLE_EXCEPT_ADVISED, Linux 6.18 */

/* Whether prctl(PR_SET_THP_DISABLE) keeps THP from this process's madvised memory. */
static bool
thp_disabled_here(void)
{
	int r = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);

	return r > 0 && (r & THP_DISABLE_EXCEPT_ADVISED) == 0;
}

/*
 * The huge= option of the tmpfs mount holding @p path (longest mount point that
 * is a prefix of it), "" when the mount has none, "-" when it is not tmpfs or
 * not found. @p mnt receives the mount point.
 */
static void
tmpfs_huge(const char *path, char *huge, size_t hlen, char *mnt, size_t mlen)
{
	char line[4096], mp[1024], fstype[64], opts[2048];
	size_t best = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	snprintf(huge, hlen, "-");
	snprintf(mnt, mlen, "?");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *sep = strstr(line, " - ");
		const char *h;
		size_t n;

		if (sep == NULL || sscanf(line, "%*s %*s %*s %*s %1023s", mp) != 1 ||
		    sscanf(sep + 3, "%63s %*s %2047s", fstype, opts) != 2)
			continue;
		n = strlen(mp);
		if (strncmp(path, mp, n) != 0 ||
		    (n > 1 && path[n] != '\0' && path[n] != '/') || n < best)
			continue;
		best = n;
		snprintf(mnt, mlen, "%s", mp);
		if (strcmp(fstype, "tmpfs") != 0) {
			snprintf(huge, hlen, "-");
			continue;
		}
		huge[0] = '\0';
		h = strstr(opts, "huge=");
		if (h != NULL)
			snprintf(huge, hlen, "%.*s", (int)strcspn(h + 5, ",\n"), h + 5);
	}
	fclose(f);
}

int64_t
hm_emu_backing_page_size(bool in_memory, const char *path, uint64_t page_sz, char *why,
			 size_t len)
{
	char pol[32], huge[32], mnt[1024], a[16], b[16], c[16];
	uint64_t base = (uint64_t)sysconf(_SC_PAGESIZE), thp;
	char dummy[1];

	if (why == NULL && len > 0)
		return hm_fail(EINVAL, "emu: backing page size: NULL buffer of length %zu", len);
	if (page_sz < HM_EMU_MIN_PAGE_SZ || page_sz > HM_EMU_MAX_PAGE_SZ ||
	    (page_sz & (page_sz - 1)) != 0)
		return hm_fail(EINVAL, "emu: backing page size: %" PRIu64 " is not an emulated page "
			       "size (a power of two from 4K to 16G)", page_sz);
	if (!in_memory && (path == NULL || path[0] != '/'))
		return hm_fail(EINVAL, "emu: backing page size: page files need an absolute path "
			       "on their filesystem");
	if (why == NULL) {
		why = dummy;
		len = sizeof(dummy);
	}
	hm_size_str(page_sz, a, sizeof(a));
	hm_size_str(base, b, sizeof(b));
	thp = thp_size();
	if (thp == 0) {
		snprintf(why, len, "%s pages are %s pages underneath: this kernel offers no "
			 "transparent huge pages (%s)", a, b, THP_DIR);
		return (int64_t)base;
	}
	hm_size_str(thp, c, sizeof(c));
	if (page_sz < thp) {
		snprintf(why, len, "%s pages are %s pages underneath (smaller than a %s "
			 "transparent huge page)", a, b, c);
		return (int64_t)base;
	}
	if (in_memory) {
		char knob[64], kpath[160], own[32];

		if (thp_disabled_here()) {
			snprintf(why, len, "%s pages are %s pages underneath: this process has "
				 "transparent huge pages disabled (prctl PR_SET_THP_DISABLE, "
				 "inherited from its parent)", a, b);
			return (int64_t)base;
		}
		/* the THP size's own policy decides unless it is [inherit] */
		snprintf(knob, sizeof(knob), "hugepages-%" PRIu64 "kB/enabled", thp >> 10);
		snprintf(kpath, sizeof(kpath), THP_DIR "/%s", knob);
		policy_word(kpath, own, sizeof(own));
		if (own[0] != '\0' && strcmp(own, "inherit") != 0) {
			snprintf(pol, sizeof(pol), "%s", own);
		} else {
			policy_word(THP_DIR "/enabled", pol, sizeof(pol));
			snprintf(knob, sizeof(knob), "enabled");
		}
		if (strcmp(pol, "always") == 0 || strcmp(pol, "madvise") == 0) {
			snprintf(why, len, "%s pages are %s transparent huge pages underneath "
				 "(anonymous memory, madvised; transparent_hugepage/%s is [%s]; "
				 "%s where memory is too fragmented)", a, c, knob, pol, b);
			return (int64_t)thp;
		}
		snprintf(why, len, "%s pages are %s pages underneath: transparent_hugepage/%s "
			 "is [%s]", a, b, knob, pol[0] != '\0' ? pol : "unreadable");
		return (int64_t)base;
	}
	policy_word(THP_DIR "/shmem_enabled", pol, sizeof(pol));
	if (strcmp(pol, "force") == 0) {
		snprintf(why, len, "%s pages are %s transparent huge pages underneath "
			 "(transparent_hugepage/shmem_enabled is [force])", a, c);
		return (int64_t)thp;
	}
	if (strcmp(pol, "deny") == 0) {
		snprintf(why, len, "%s pages are %s pages underneath: "
			 "transparent_hugepage/shmem_enabled is [deny]", a, b);
		return (int64_t)base;
	}
	tmpfs_huge(path, huge, sizeof(huge), mnt, sizeof(mnt));
	if (strcmp(huge, "always") == 0 || strcmp(huge, "within_size") == 0) {
		snprintf(why, len, "%s pages are %s transparent huge pages underneath (tmpfs %s is "
			 "mounted huge=%s; %s where memory is too fragmented)", a, c, mnt, huge, b);
		return (int64_t)thp;
	}
	if (strcmp(huge, "-") == 0)
		snprintf(why, len, "%s pages are %s pages underneath: %s is not on tmpfs", a, b,
			 path);
	else if (strcmp(huge, "advise") == 0)
		snprintf(why, len, "%s pages are %s pages underneath: tmpfs %s is mounted "
			 "huge=advise, which page files allocated before they are mapped do not "
			 "get (huge=within_size does)", a, b, mnt);
	else
		snprintf(why, len, "%s pages are %s pages underneath: tmpfs %s is mounted %s%s", a,
			 b, mnt, huge[0] != '\0' ? "huge=" : "without huge=", huge);
	return (int64_t)base;
}
