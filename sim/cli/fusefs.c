/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `hugemem fusefs [--topology=T] [--fault=SPEC] [-d] MOUNTPOINT`: run
 * hugemem-fusefs, the emulated hugetlbfs machine of the fuse backend, in the
 * foreground (hugemem/fusefs.h). Exit 0 after a clean unmount, 1 on failure,
 * 2 for bad options.
 */
#include "cli.h"
#include "hugemem/fusefs.h"

int
cmd_fusefs(int argc, char **argv)
{
	return hm_fusefs_main(argc, argv);
}
