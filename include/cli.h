/*
 * cli.h: the tiphub command line: sub-commands, shared options, exit codes.
 *
 * main.c hands argv to cli_main(), which finds the sub-command and runs it. Each
 * sub-command lives in its own src/cli_<name>.c, parses its own options with
 * getopt_long, and returns one of the exit codes below. The options every command
 * shares (--db, --json, --quiet, --verbose, --help) are parsed by cli_common_option().
 */
#ifndef TIPHUB_CLI_H
#define TIPHUB_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "err.h"

/* Exit codes, documented in docs/CLI.md. */
enum {
    EXIT_OK = 0,       /* success */
    EXIT_REJECTED = 1, /* the run finished but some input was rejected (quarantined) */
    EXIT_USAGE = 2,    /* the command line is wrong */
    EXIT_RUNTIME = 3,  /* runtime failure: input file, I/O, internal */
    EXIT_STORE = 4,    /* the store failed or is corrupt */
    EXIT_REFUSED = 5,  /* refused by policy: privacy budget, disclosure rule */
};

/* Option codes for the shared long options (above the range of short options). */
enum {
    CLI_OPT_DB = 1000,
    CLI_OPT_JSON,
    CLI_OPT_FIRST_FREE = 1100, /* commands number their own long-only options from here */
};

/* The shared long options; put this at the start of a command's option array. */
#define CLI_COMMON_LONGOPTS                                                                        \
    {"db", required_argument, NULL, CLI_OPT_DB}, {"json", no_argument, NULL, CLI_OPT_JSON},        \
        {"quiet", no_argument, NULL, 'q'}, {"verbose", no_argument, NULL, 'v'},                    \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }
#define CLI_COMMON_SHORTOPTS "qvh"

struct cli_common {
    const char *db; /* --db, or NULL when not given (see cli_db_path) */
    bool json;      /* --json: machine-readable output on stdout */
    bool quiet;     /* --quiet: no progress, only errors */
    bool help;      /* --help was given */
};

/* Run tiphub with its full argv (argv[0] is the program). Returns the exit code. */
int cli_main(int argc, char **argv);

/*
 * Handle one shared option returned by getopt_long. Returns true if opt was one of
 * them (and updates c), false if the command must handle it itself.
 */
bool cli_common_option(int opt, const char *arg, struct cli_common *c);

/* Prepare getopt_long for a sub-command's argv (resets optind, silences opterr). */
void cli_getopt_reset(void);

/* The store path: --db if given, else $TIPHUB_DB, else "./tiphub.db". */
const char *cli_db_path(const struct cli_common *c);

/* The exit code for an ERR_* code. */
int cli_exit_for(int err_code);

/*
 * Print "tiphub: error: <message>" for e and return the exit code for its code.
 * With json set, also print {"error": {"code": ..., "message": ...}} on stdout.
 */
int cli_fail(const struct cli_common *c, const struct err *e);

/*
 * Print a usage error for command cmd and a hint to run `tiphub cmd --help`.
 * Returns EXIT_USAGE.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Report an option getopt_long did not accept (opt is '?' or ':') for command cmd,
 * using argv[optind - 1]. Returns EXIT_USAGE.
 */
int cli_bad_option(const char *cmd, char **argv);

/* Print o as one compact JSON line on stdout and release it (o may be NULL). */
struct json_t;
void cli_print_json(struct json_t *o);

/* The program version, e.g. "0.1.0". */
const char *cli_version(void);

#endif
