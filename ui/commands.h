/*
 * commands.h: the subcommands of the moespec program.
 *
 * Each cmd_* takes the arguments after the command word (argv[0] is the
 * command name, as getopt_long expects) and returns the process exit status
 * (SPEC 9: 0, 1 runtime, 2 usage, 3 input, 130/143 signals). Each command
 * file owns its --help text.
 */
#ifndef MOESPEC_UI_COMMANDS_H
#define MOESPEC_UI_COMMANDS_H

int cmd_train(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_simulate(int argc, char **argv);

#endif
