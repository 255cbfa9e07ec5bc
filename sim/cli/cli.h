/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef HUGEMEM_CLI_H
#define HUGEMEM_CLI_H

/* Each command gets argv with argv[0] = the command name; returns an exit code. */
int cmd_info(int argc, char **argv);
int cmd_rx(int argc, char **argv);
/* `hugemem doctor`: 0 can run, 2 the environment cannot, 1 bad options. */
int cmd_doctor(int argc, char **argv);

#endif
