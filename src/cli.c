/*
 * cli.c: sub-command dispatch and the options every command shares.
 *
 * The table below is the list of sub-commands; each is implemented in its own
 * src/cli_<name>.c. This file also maps error codes to exit codes and prints
 * errors the same way everywhere: "tiphub: error: <what went wrong>".
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_int.h"
#include "log.h"
#include "progress.h"

#include "banned.h"

struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

static const struct cli_command commands[] = {
    {"init", "create a store", cli__run_init},
    {"import", "import case files (CSV, JSON Lines) into a store", cli__run_import},
    {"export", "export a store's cases as CSV or JSON Lines", cli__run_export},
    {"encode", "encode records as CLKs (clkhash-compatible Bloom filters)", cli__run_encode},
    {"quarantine", "list, export and retry the rows import set aside", cli__run_quarantine},
    {"status", "show what a store holds; check its integrity", cli__run_status},
    {"hub", "add agencies' submissions of encodings to the hub", cli__run_hub},
    {"link", "link records of the same person across agencies (CLKs, Dice)", cli__run_link},
    {"stats", "Global Report tables with disclosure control or differential privacy",
     cli__run_stats},
    {"report", "the HTML report: Global Report chapters with charts, protected", cli__run_report},
    {"synth", "write synthetic multi-agency case files with ground truth", cli__run_synth},
    {"version", "print the version", cli__run_version},
};

static const size_t ncommands = sizeof(commands) / sizeof(commands[0]);

const char *cli_version(void)
{
    return TIPHUB_VERSION_STRING;
}

static void print_main_help(FILE *out)
{
    size_t i;

    fprintf(out, "usage: tiphub [--version] [--help] <command> [options]\n\n"
                 "tiphub: a coordination hub for organisations that fight trafficking in persons.\n"
                 "Agencies record cases in the HTCDS standard, link them across agencies without\n"
                 "sharing names, and publish protected Global Report statistics.\n\n"
                 "commands:\n");
    for (i = 0; i < ncommands; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'tiphub <command> --help' for a command's options.\n"
                 "The store is --db PATH, else $TIPHUB_DB, else ./tiphub.db.\n"
                 "Exit codes: 0 success, 1 some input rejected, 2 usage error, 3 runtime\n"
                 "failure, 4 store failure, 5 refused by a privacy rule.\n");
}

int cli_main(int argc, char **argv)
{
    const char *name;
    size_t i;

    if (argc < 2) {
        print_main_help(stderr);
        return EXIT_USAGE;
    }
    name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_main_help(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("tiphub %s\n", TIPHUB_VERSION_STRING);
        return EXIT_OK;
    }
    for (i = 0; i < ncommands; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            cli_getopt_reset();
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "tiphub: error: unknown command '%s'\nRun 'tiphub --help' for the list.\n",
            name);
    return EXIT_USAGE;
}

void cli_getopt_reset(void)
{
    optind = 1;
    opterr = 0;
}

bool cli_common_option(int opt, const char *arg, struct cli_common *c)
{
    switch (opt) {
    case CLI_OPT_DB:
        c->db = arg;
        return true;
    case CLI_OPT_JSON:
        c->json = true;
        progress_enable(false);
        return true;
    case 'q':
        c->quiet = true;
        progress_enable(false);
        log_set_level(LOG_ERROR);
        return true;
    case 'v':
        log_set_level(log_current_level < LOG_DEBUG ? log_current_level + 1 : LOG_DEBUG);
        return true;
    case 'h':
        c->help = true;
        return true;
    default:
        return false;
    }
}

const char *cli_db_path(const struct cli_common *c)
{
    const char *env;

    if (c->db != NULL && c->db[0] != '\0')
        return c->db;
    env = getenv("TIPHUB_DB");
    if (env != NULL && env[0] != '\0')
        return env;
    return "./tiphub.db";
}

int cli_exit_for(int err_code)
{
    switch (err_code) {
    case ERR_OK:
        return EXIT_OK;
    case ERR_USAGE:
        return EXIT_USAGE;
    case ERR_DB:
    case ERR_CORRUPT:
        return EXIT_STORE;
    case ERR_REFUSED:
        return EXIT_REFUSED;
    default:
        return EXIT_RUNTIME;
    }
}

int cli_fail(const struct cli_common *c, const struct err *e)
{
    const char *msg = e->msg[0] != '\0' ? e->msg : err_name(e->code);

    fprintf(stderr, "tiphub: error: %s\n", msg);
    if (c != NULL && c->json) {
        json_t *o = json_pack("{s:{s:s,s:s}}", "error", "code", err_name(e->code), "message", msg);
        if (o != NULL) {
            json_dumpf(o, stdout, JSON_COMPACT);
            fputc('\n', stdout);
            json_decref(o);
        }
    }
    return cli_exit_for(e->code);
}

void cli_print_json(json_t *o)
{
    if (o == NULL)
        return;
    json_dumpf(o, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    fflush(stdout);
    json_decref(o);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "tiphub %s: error: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun 'tiphub %s --help' for usage.\n", cmd);
    return EXIT_USAGE;
}

int cli_bad_option(const char *cmd, char **argv)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "?";

    if (optopt != 0 && optopt < 256)
        return cli_usage_error(cmd, "option '-%c' is unknown or needs a value", optopt);
    return cli_usage_error(cmd, "option '%s' is unknown or needs a value", arg);
}
