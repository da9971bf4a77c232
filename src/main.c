/*
 * main.c: the tiphub program. It only hands argv to the command line (cli.c).
 */
#include "cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
