/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `hugemem` command: `hugemem <command> [hugemem options] [-- command args]`.
 * Exit status (cli.h): 0 ok, 1 the run or the check failed (an output that could
 * not be written included), 2 usage.
 */
#include <errno.h>
#include <stdbool.h>
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
	{ "rx", cmd_rx, "receive traffic through the fake NIC and the i40e driver" },
	{ "client", cmd_client, "a secondary process of `rx --serve`: verify and free its packets" },
	{ "doctor", cmd_doctor, "check what a backend needs here and print the fix for each problem" },
	{ "heapmap", cmd_heapmap, "draw a heap (SVG, text) from a running process or a snapshot" },
	{ "fusefs", cmd_fusefs, "run hugemem-fusefs (the fuse backend's emulated machine) on a mount point" },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
list_commands(FILE *f)
{
	fprintf(f, "commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "  %-10s %s\n  %-10s %s\n", "help [CMD]", "this text, or CMD --help",
		"version", "print the version");
	fprintf(f, "  --dpdk-pkgconfig-dir  print the directory of the drop-in libdpdk.pc "
		"(PKG_CONFIG_PATH for DPDK programs)\n");
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: hugemem <command> [options]      (hugemem <command> --help: its options)\n\n");
	list_commands(f);
	fprintf(f, "\n%s\n%s", hm_usage(), HM_CLI_EXIT_HELP);
}

/*
 * Everything the command printed must have reached stdout: a full disk or
 * `> /dev/full` is a failed run (exit 1, with a message), not a silent success.
 */
int
cli_output_status(const char *cmd, int rc)
{
	int err = 0;

	if (fflush(stdout) != 0)
		err = errno;
	if (err != 0 || ferror(stdout)) {
		fprintf(stderr, "hugemem%s%s: cannot write the output: %s\n", cmd != NULL ? " " : "",
			cmd != NULL ? cmd : "", strerror(err != 0 ? err : EIO));
		return rc == HM_EXIT_OK ? HM_EXIT_FAIL : rc;
	}
	return rc;
}

/* After a command: one that failed has said why (rx reports its own write errors). */
static int
finish(int rc)
{
	return rc == HM_EXIT_OK ? cli_output_status(NULL, rc) : rc;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return HM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		if (argc == 2) {
			usage(stdout);
			return finish(HM_EXIT_OK);
		}
		if (argc > 3) {
			fprintf(stderr, "hugemem help: one command at a time\n");
			return HM_EXIT_USAGE;
		}
		for (size_t i = 0; i < N_COMMANDS; i++)
			if (strcmp(argv[2], commands[i].name) == 0) {
				char *hargv[] = { argv[2], (char *)"--help", NULL };
				return finish(commands[i].fn(2, hargv));
			}
		fprintf(stderr, "hugemem help: unknown command '%s'\n", argv[2]);
		list_commands(stderr);
		return HM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		if (argc > 2) {
			fprintf(stderr, "hugemem version: unexpected argument '%s'\n", argv[2]);
			return HM_EXIT_USAGE;
		}
		printf("hugemem %s\n", HM_VERSION);
		return finish(HM_EXIT_OK);
	}
	if (strcmp(argv[1], "--dpdk-pkgconfig-dir") == 0)
		return finish(cmd_dpdk_pkgconfig_dir(argc - 1, argv + 1));
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return finish(commands[i].fn(argc - 1, argv + 1));
	fprintf(stderr, "hugemem: unknown command '%s'\n", argv[1]);
	list_commands(stderr);
	return HM_EXIT_USAGE;
}

static bool
is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int
cli_parse_options(const char *cmd, const char *text, int argc, char **argv,
		  struct hm_config *cfg, int *code)
{
	int n;

	hm_config_init(cfg);
	/* the environment gives defaults ($HUGEMEM_<OPTION>, $HUGEMEM_OPTS), as in hm_init */
	if (hm_config_from_env(cfg) < 0) {
		fprintf(stderr, "hugemem %s: %s\n", cmd, hm_last_error());
		*code = HM_EXIT_USAGE;
		return -1;
	}
	n = hm_config_parse(cfg, argc, argv);
	/* -h/--help anywhere among the options (getopt refuses them as unknown) */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (is_help(argv[i]) && (n < 0 || i > n)) {
			printf("%s%s\n%s", text, hm_usage(), HM_CLI_EXIT_HELP);
			*code = HM_EXIT_OK;
			return -1;
		}
	if (n < 0) {
		const char *err = hm_last_error();
		/* an unknown option's message lists the valid ones: add ours, once */
		if (strstr(err, "valid options:") != NULL)
			fprintf(stderr, "hugemem %s: %s, -h/--help\n", cmd, err);
		else
			fprintf(stderr, "hugemem %s: %s (hugemem %s --help lists the options)\n",
				cmd, err, cmd);
		*code = HM_EXIT_USAGE;
		return -1;
	}
	if (n + 1 < argc) {
		fprintf(stderr, "hugemem %s: unexpected argument '%s' (it takes options only; "
			"hugemem %s --help lists them)\n", cmd, argv[n + 1], cmd);
		*code = HM_EXIT_USAGE;
		return -1;
	}
	*code = n;
	return 0;
}
