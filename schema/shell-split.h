/*
 * shell-split.h - shlex.split() for command strings.
 */
#ifndef MAESTRO_SCHEMA_SHELL_SPLIT_H
#define MAESTRO_SCHEMA_SHELL_SPLIT_H

#include <stddef.h>

#include "base.h"

/*
 * Split a command string as Python's shlex.split() does (POSIX mode, no
 * comments): blanks separate words, '...' is literal, "..." allows
 * backslash escapes of \ and ", a backslash outside quotes escapes any
 * character.  Fills a NULL-terminated argv (each string and the array
 * newly allocated; free with argv_free).  An unclosed quote or a final
 * backslash is MAE_ERR_INVALID ("no closing quotation", "no escaped
 * character after '\'"): the message never holds the string, as a command
 * can hold a secret; the caller says which command (where, not what).
 */
int shell_split(const char *s, char ***ret_argv, size_t *ret_n,
		struct mae_error *e);
void argv_free(char **argv);

#endif
