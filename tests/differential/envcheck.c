/*
 * envcheck.c - a driver for the differential tests of schema/env.c and
 * schema/select.c against Python: reads one request per line from
 * standard input and prints maestro's answer per line.
 *   glob<TAB>PATTERN<TAB>STRING   -> 1 or 0 (glob_match)
 *   split<TAB>TEXT                -> the argv as a JSON array, or ERROR
 *   norm<TAB>NAME                 -> N(NAME)
 * Tabs and newlines inside requests are written as \t and \n.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compute.h"
#include "shell-split.h"

static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == 't') {
			*w++ = '\t';
			r++;
		} else if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else if (r[0] == '\\' && r[1] == '\\') {
			*w++ = '\\';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		char *arg = tab + 1;
		if (strcmp(line, "glob") == 0) {
			char *t2 = strchr(arg, '\t');
			if (!t2)
				continue;
			*t2 = '\0';
			unescape(arg);
			unescape(t2 + 1);
			printf("%d\n", glob_match(arg, t2 + 1) ? 1 : 0);
		} else if (strcmp(line, "split") == 0) {
			unescape(arg);
			char **argv = NULL;
			size_t argc = 0;
			if (shell_split(arg, &argv, &argc, NULL) < 0) {
				puts("ERROR");
				continue;
			}
			json_t *a = json_array();
			for (size_t i = 0; i < argc; i++)
				json_array_append_new(a, json_string(argv[i]));
			char *s = json_dumps(a, JSON_COMPACT | JSON_ENSURE_ASCII);
			puts(s);
			free(s);
			json_decref(a);
			argv_free(argv);
		} else if (strcmp(line, "norm") == 0) {
			unescape(arg);
			char *s = env_name_normalise(arg);
			puts(s);
			free(s);
		}
	}
	free(line);
	return 0;
}
