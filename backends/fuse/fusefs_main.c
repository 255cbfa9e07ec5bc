/* SPDX-License-Identifier: BSD-3-Clause */
/* The hugemem-fusefs program: the daemon of hugemem/fusefs.h. */
#include "hugemem/fusefs.h"

int
main(int argc, char **argv)
{
	return hm_fusefs_main(argc, argv);
}
