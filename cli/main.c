/*
 * main.c - the maestro executable: everything else is the cli library
 * (cli.c and the cmd-*.c files), which the tests link too.
 */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
