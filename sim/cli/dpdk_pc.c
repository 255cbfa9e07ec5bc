/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem --dpdk-pkgconfig-dir`: the directory holding the drop-in libdpdk.pc
 * (docs/dpdk-compat.md), for PKG_CONFIG_PATH=$(hugemem --dpdk-pkgconfig-dir).
 *
 * Which one: an installed command prints the directory beside its own
 * installation (<bindir>/../<libdir>/hugemem/dpdk/pkgconfig, so that a copy
 * installed under a DESTDIR or moved with its prefix finds its own); a command
 * run from the build tree prints the build tree's (<build>/core/dpdk/pkgconfig);
 * else the configured <prefix>/<libdir>/hugemem/dpdk/pkgconfig. The directory printed
 * always holds libdpdk.pc; when none does, the command says so and fails.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static bool
has_pc(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/libdpdk.pc", dir) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Whether @p path lies inside directory @p dir (both canonical). */
static bool
inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

int
cmd_dpdk_pkgconfig_dir(int argc, char **argv)
{
	char exe[PATH_MAX], root[PATH_MAX], cand[PATH_MAX], real[PATH_MAX];
	ssize_t n;
	char *slash;

	if (argc > 1) {
		fprintf(stderr, "hugemem --dpdk-pkgconfig-dir: unexpected argument '%s'\n", argv[1]);
		return HM_EXIT_USAGE;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL)
			*slash = '\0'; /* the command's directory */
		/* installed: the one beside this installation */
		if (snprintf(cand, sizeof(cand), "%s/%s", exe, HM_DPDK_PC_FROM_BINDIR) <
			    (int)sizeof(cand) &&
		    realpath(cand, real) != NULL && has_pc(real)) {
			printf("%s\n", real);
			return HM_EXIT_OK;
		}
		/* from the build tree: the build tree's */
		if (realpath(HM_BUILD_ROOT, root) != NULL && inside(exe, root) &&
		    has_pc(HM_DPDK_PC_BUILD_DIR)) {
			printf("%s\n", HM_DPDK_PC_BUILD_DIR);
			return HM_EXIT_OK;
		}
	}
	if (has_pc(HM_DPDK_PC_INSTALL_DIR)) {
		printf("%s\n", HM_DPDK_PC_INSTALL_DIR);
		return HM_EXIT_OK;
	}
	fprintf(stderr, "hugemem --dpdk-pkgconfig-dir: no libdpdk.pc in %s (installed) nor beside "
		"this command (%s): install hugemem (meson install) or run the command of a "
		"build tree\n", HM_DPDK_PC_INSTALL_DIR, n > 0 ? exe : "?");
	return HM_EXIT_FAIL;
}
