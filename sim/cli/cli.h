/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HUGEMEM_CLI_H
#define HUGEMEM_CLI_H

#include <stdint.h>

/*
 * Exit status, the same for every command (documented in each --help):
 *   0  done, and the verdict is good (info: every test page landed; rx: every
 *      frame delivered or accounted for and every payload intact; doctor: can run)
 *   1  the run or the check failed (a bad verdict, lost frames, an I/O error,
 *      doctor: the environment cannot run this)
 *   2  usage: an unknown or bad option or argument (nothing was run)
 */
#define HM_EXIT_OK 0
#define HM_EXIT_FAIL 1
#define HM_EXIT_USAGE 2

/* The exit-status paragraph every --help ends with. */
#define HM_CLI_EXIT_HELP                                                                   \
	"exit status: 0 done and the verdict is good; 1 the run or the check failed (doctor:\n" \
	"  this cannot run here), or the output could not be written; 2 usage: an unknown or\n" \
	"  bad option or argument, nothing was run\n"

struct hm_config;

/*
 * Parse the hugemem options of command @p cmd (argv[0] is the command name) into
 * @p cfg, for commands that take no options of their own besides -h/--help.
 * @return 0 (go on; *code = the options consumed), or -1: stop and exit with
 *   *code -- HM_EXIT_OK after printing @p usage, the hugemem options and the exit
 *   status for -h/--help; HM_EXIT_USAGE after naming the bad option or argument
 *   and listing the valid options once.
 */
int cli_parse_options(const char *cmd, const char *usage, int argc, char **argv,
		      struct hm_config *cfg, int *code);

/*
 * Flush stdout; when anything printed could not be written, say so on stderr
 * ("hugemem CMD: cannot write the output: ...") and turn @p rc == HM_EXIT_OK into
 * HM_EXIT_FAIL. @return the exit status.
 */
int cli_output_status(const char *cmd, int rc);

struct hm_probe;

/*
 * Memseg-list room of each (page size, node) pair @p p offers, with the default
 * list caps (the CLI cannot change them): min(64G, 512G / pairs). A page larger
 * than this gets no list.
 */
uint64_t cli_room_per_pair(const struct hm_probe *p);

/* Each command gets argv with argv[0] = the command name; returns an exit code. */
int cmd_info(int argc, char **argv);
int cmd_rx(int argc, char **argv);
/* `hugemem client --id=K`: a secondary of `hugemem rx --serve=N` (serve_i.h). */
int cmd_client(int argc, char **argv);
/* `hugemem doctor`: 0 can run, 1 the environment cannot, 2 bad options. */
int cmd_doctor(int argc, char **argv);
/* `hugemem heapmap`: draw a heap from a running process or a snapshot file. */
int cmd_heapmap(int argc, char **argv);
/* `hugemem fusefs`: hugemem-fusefs in the foreground (hm_fusefs_main). */
int cmd_fusefs(int argc, char **argv);
/* `hugemem --dpdk-pkgconfig-dir` (dpdk_pc.c); argv[0] is the option itself. */
int cmd_dpdk_pkgconfig_dir(int argc, char **argv);

#endif
