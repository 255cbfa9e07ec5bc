/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `hugemem` command: `hugemem <command> [hugemem options] [-- command args]`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hm_config.h"
#include "hugemem/hugemem.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "info", cmd_info, "print the topology, memseg lists and where test pages land" },
	{ "rx", cmd_rx, "receive traffic through the fake NIC and the i40e driver (rx --help)" },
	{ "doctor", cmd_doctor, "check what a backend needs here and print the fix for each problem" },
	{ "fusefs", cmd_fusefs, "run hugemem-fusefs (the fuse backend's emulated machine) on a mount point" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: hugemem <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "  %-10s %s\n  %-10s %s\n\n%s", "help", "this text", "version",
		"print the version", hm_usage());
}

int
main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("hugemem %s\n", HM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "hugemem: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
