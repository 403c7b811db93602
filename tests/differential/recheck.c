/*
 * recheck.c - a driver for the differential test of base/pyregex.c
 * against Python's re: one JSON request per line on standard input,
 *   {"p": PATTERN, "b": [BODY, ...]}
 * one JSON answer per line on standard output,
 *   {"ok": true, "m": [BOOL, ...]} or {"ok": false, "err": MESSAGE}
 * ("m" holds each body's search result; a search that hit a limit is
 * the string "limit").
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyregex.h"

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, stdin) > 0) {
		json_error_t jerr;
		json_t *req = json_loads(line, JSON_ALLOW_NUL, &jerr);
		if (!req) {
			fprintf(stderr, "recheck: bad request: %s\n", jerr.text);
			return 2;
		}
		const char *p = json_string_value(json_object_get(req, "p"));
		json_t *out = json_object();
		struct mae_regex *re = NULL;
		struct mae_error err;
		mae_error_clear(&err);
		if (mae_regex_compile(p ? p : "", &re, &err) != 0) {
			json_object_set_new(out, "ok", json_false());
			json_object_set_new(out, "err", json_string(err.msg));
		} else {
			json_t *m = json_array();
			size_t i;
			json_t *b;
			json_array_foreach(json_object_get(req, "b"), i, b) {
				bool hit = false;
				mae_error_clear(&err);
				if (mae_regex_search(re, json_string_value(b),
							json_string_length(b), &hit,
							&err) != 0)
					json_array_append_new(m, json_string("limit"));
				else
					json_array_append_new(m, json_boolean(hit));
			}
			json_object_set_new(out, "ok", json_true());
			json_object_set_new(out, "m", m);
			mae_regex_free(re);
		}
		char *s = json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (!s)
			return 2;
		puts(s);
		fflush(stdout);
		free(s);
		json_decref(out);
		json_decref(req);
	}
	free(line);
	return 0;
}
