/*
 * main.c: the tiphub program. It initialises libsodium (which picks the fastest
 * implementation of each primitive for this CPU) and hands argv to the command
 * line (cli.c).
 */
#include <stdio.h>

#include <sodium.h>

#include "cli.h"

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fputs("tiphub: fatal: libsodium cannot be initialised\n", stderr);
        return EXIT_RUNTIME;
    }
    return cli_main(argc, argv);
}
