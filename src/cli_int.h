/*
 * cli_int.h: private to the cli module. The entry point of every sub-command.
 *
 * Each takes the sub-command's own argv (argv[0] is the command name) and returns
 * an exit code from cli.h. The table in cli.c lists them.
 */
#ifndef TIPHUB_CLI_INT_H
#define TIPHUB_CLI_INT_H

int cli__run_synth(int argc, char **argv);
int cli__run_version(int argc, char **argv);
int cli__run_init(int argc, char **argv);
int cli__run_import(int argc, char **argv);
int cli__run_export(int argc, char **argv);
int cli__run_quarantine(int argc, char **argv);
int cli__run_status(int argc, char **argv);
int cli__run_encode(int argc, char **argv);
int cli__run_hub(int argc, char **argv);
int cli__run_link(int argc, char **argv);
int cli__run_stats(int argc, char **argv);
int cli__run_report(int argc, char **argv);

#endif
