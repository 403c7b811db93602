/*
 * shell-split.c - a command string split into words as Python's
 * shlex.split() does (MaestroNG's reading of `command` and exec checks).
 */
#include "shell-split.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

int shell_split(const char *s, char ***ret_argv, size_t *ret_n,
		struct mae_error *e)
{
	size_t n = 0, cap = 8;
	char **argv = mae_xmalloc(cap * sizeof(*argv));
	struct mae_buf w = MAE_BUF_INIT;
	bool in_word = false;
	const char *p = s;
	while (true) {
		char c = *p;
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (in_word) {
				if (n + 2 > cap) {
					cap *= 2;
					argv = mae_xrealloc(argv, cap * sizeof(*argv));
				}
				argv[n++] = mae_buf_detach(&w);
				in_word = false;
			}
			if (c == '\0')
				break;
			p++;
			continue;
		}
		in_word = true;
		if (c == '\\') {
			if (!p[1])
				goto no_escaped;
			mae_buf_addc(&w, p[1]);
			p += 2;
		} else if (c == '\'') {
			const char *q = strchr(p + 1, '\'');
			if (!q)
				goto no_closing;
			mae_buf_add(&w, p + 1, (size_t)(q - p - 1));
			p = q + 1;
		} else if (c == '"') {
			p++;
			while (*p != '"') {
				if (!*p)
					goto no_closing;
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
					mae_buf_addc(&w, p[1]);
					p += 2;
				} else if (*p == '\\' && !p[1]) {
					goto no_closing;
				} else {
					mae_buf_addc(&w, *p++);
				}
			}
			p++;
		} else {
			mae_buf_addc(&w, c);
			p++;
		}
	}
	argv[n] = NULL;
	*ret_argv = argv;
	if (ret_n)
		*ret_n = n;
	return 0;
no_escaped:
	mae_error_set(e, MAE_ERR_INVALID, "no escaped character after '\\'");
	goto fail;
no_closing:
	mae_error_set(e, MAE_ERR_INVALID, "no closing quotation");
fail:
	mae_buf_release(&w);
	argv[n] = NULL;
	argv_free(argv);
	*ret_argv = NULL;
	if (ret_n)
		*ret_n = 0;
	return MAE_ERR_INVALID;
}
