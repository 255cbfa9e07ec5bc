/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HUGEMEM_CLI_H
#define HUGEMEM_CLI_H

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

/* Each command gets argv with argv[0] = the command name; returns an exit code. */
int cmd_info(int argc, char **argv);
int cmd_rx(int argc, char **argv);
/* `hugemem doctor`: 0 can run, 2 the environment cannot, 1 bad options. */
int cmd_doctor(int argc, char **argv);
/* `hugemem fusefs`: hugemem-fusefs in the foreground (hm_fusefs_main). */
int cmd_fusefs(int argc, char **argv);

#endif
