/*
 * ydump.c - print what maestro's YAML reader makes of YAML text, in the
 * format pyyaml-dump.py prints PyYAML's result in, for the differential
 * test (yaml-differential.py compares the two).
 *
 *   ydump lines CORPUS   every line not starting with '#' is one document
 *   ydump doc FILE...    each file is one document
 *   ydump floats FILE    each line a double in C99 hex; prints its repr
 *
 * Format: a header line per document ("== TEXT" or "== FILE"), then one
 * line per node: scalars "TYPE:STR" (Python's str(), backslashes and
 * control bytes escaped), "seq", "map"; children indented by two, list
 * items prefixed "- ", mapping values prefixed "KEY: ".  A document
 * that cannot be read prints "error".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "yaml-tree.h"

static void put_escaped(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\')
			fputs("\\\\", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static void put_scalar(const struct ynode *n)
{
	static const char *const names[] = {
		[YSCALAR_NULL] = "null", [YSCALAR_BOOL] = "bool",
		[YSCALAR_INT] = "int",   [YSCALAR_FLOAT] = "float",
		[YSCALAR_STR] = "str",
	};
	fputs(n->timestamp ? "timestamp" : names[n->type], stdout);
	putchar(':');
	if (n->type == YSCALAR_STR && !n->timestamp)
		put_escaped(n->text, n->text_len);
	else
		put_escaped(n->str, strlen(n->str));
}

static void dump(const struct ynode *n, int indent, const struct ynode *key,
		 bool item)
{
	printf("%*s", indent, "");
	if (item)
		fputs("- ", stdout);
	if (key) {
		put_scalar(key);
		fputs(": ", stdout);
	}
	switch (n->kind) {
	case YNODE_SCALAR:
		put_scalar(n);
		putchar('\n');
		break;
	case YNODE_SEQ:
		puts("seq");
		for (size_t i = 0; i < n->nitems; i++)
			dump(n->items[i], indent + 2, NULL, true);
		break;
	case YNODE_MAP:
		puts("map");
		for (size_t i = 0; i < n->npairs; i++)
			dump(n->pairs[i].value, indent + 2, n->pairs[i].key,
			     false);
		break;
	}
}

static void one(const char *text, size_t len)
{
	struct mae_diags d;
	mae_diags_init(&d, "<input>");
	struct ydoc *doc = NULL;
	int rc = ydoc_parse(text, len, &doc, &d);
	if (rc < 0 || mae_diags_failed(&d)) {
		puts("error");
	} else if (!ydoc_root(doc)) {
		puts("null:None");
	} else {
		dump(ydoc_root(doc), 0, NULL, false);
	}
	if (getenv("YDUMP_DIAGS"))
		for (size_t i = 0; i < d.n; i++) {
			char *m = mae_diag_format(&d.v[i]);
			fprintf(stderr, "%s\n", m);
			free(m);
		}
	ydoc_free(doc);
	mae_diags_release(&d);
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "lines") && strcmp(argv[1], "doc") &&
			 strcmp(argv[1], "floats"))) {
		fprintf(stderr, "usage: ydump lines CORPUS | ydump doc FILE... | "
				"ydump floats FILE\n");
		return 2;
	}
	if (!strcmp(argv[1], "floats")) {
		FILE *f = fopen(argv[2], "r");
		if (!f) {
			perror(argv[2]);
			return 1;
		}
		char line[128], out[32];
		while (fgets(line, sizeof(line), f)) {
			mae_float_repr(strtod(line, NULL), out);
			puts(out);
		}
		fclose(f);
		return 0;
	}
	for (int a = 2; a < argc; a++) {
		char *data;
		size_t len;
		struct mae_error e;
		if (mae_read_file(argv[a], (size_t)64 << 20, &data, &len, &e)) {
			fprintf(stderr, "ydump: %s\n", e.msg);
			return 1;
		}
		if (!strcmp(argv[1], "doc")) {
			printf("== %s\n", argv[a]);
			one(data, len);
		} else {
			char *p = data, *end = data + len;
			while (p < end) {
				char *nl = memchr(p, '\n', (size_t)(end - p));
				size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
				if (n > 0 && p[0] != '#') {
					fputs("== ", stdout);
					fwrite(p, 1, n, stdout);
					putchar('\n');
					one(p, n);
				}
				p += n + 1;
			}
		}
		free(data);
	}
	return 0;
}
