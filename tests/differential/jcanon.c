/*
 * jcanon.c - read JSON documents, one per line, from standard input and
 * print for each its canonical text (base's writer) on one line, then
 * the streamed SHA-256 of that text in hex on the next.  With an argument
 * N, each document is written instead indented by N (mae_json_write_indent)
 * and followed by a NUL byte.  The oracle is json-differential.py
 * (Python's json.dumps).
 */
#include "base.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int to_stdout(const void *data, size_t n, void *ctx)
{
	(void)ctx;
	return fwrite(data, 1, n, stdout) == n ? 0 : -1;
}

int main(int argc, char **argv)
{
	int indent = argc > 1 ? atoi(argv[1]) : 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_error_t err;
		json_t *v = json_loadb(line, (size_t)n,
				       JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
		if (!v) {
			fprintf(stderr, "jcanon: %s\n", err.text);
			return 2;
		}
		if (indent) {
			if (mae_json_write_indent(v, indent, to_stdout, NULL) < 0)
				return 2;
			fputc('\0', stdout);
			json_decref(v);
			continue;
		}
		size_t len;
		char *c = mae_json_canonical_n(v, &len);
		struct mae_buf b = MAE_BUF_INIT;
		mae_json_canonical_add(&b, v);
		if (b.len != len || memcmp(b.s, c, len) != 0) {
			fprintf(stderr, "jcanon: the buffer and string writers differ\n");
			return 2;
		}
		char hex[MAE_SHA256_HEX_LEN + 1], hex2[MAE_SHA256_HEX_LEN + 1];
		mae_json_sha256_hex(v, hex);
		mae_sha256_hex(c, len, hex2);
		if (strcmp(hex, hex2) != 0) {
			fprintf(stderr, "jcanon: the streamed hash differs\n");
			return 2;
		}
		fwrite(c, 1, len, stdout);
		printf("\n%s\n", hex);
		free(c);
		mae_buf_release(&b);
		json_decref(v);
	}
	free(line);
	return 0;
}
