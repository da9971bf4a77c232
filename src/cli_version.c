/*
 * cli_version.c: `tiphub version`, the version of the program and its libraries.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_int.h"

#include "banned.h"

static const char usage[] = "usage: tiphub version [--json]\n\n"
                            "Print the version of tiphub.\n";

int cli__run_version(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_common common = {0};

    for (;;) {
        int opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL);
        if (opt == -1)
            break;
        if (!cli_common_option(opt, optarg, &common))
            return cli_bad_option("version", argv);
    }
    if (common.help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (optind < argc)
        return cli_usage_error("version", "unexpected argument '%s'", argv[optind]);
    if (common.json) {
        json_t *o = json_pack("{s:s,s:s}", "program", "tiphub", "version", cli_version());
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
    } else {
        printf("tiphub %s\n", cli_version());
    }
    return EXIT_OK;
}
