/*
 * render-tmpl.c - the maestro side of the differential tests: render one
 * template file with tmpl_render() and the process environment, as
 * render_jinja.py renders it with Jinja2.
 *
 *     render-tmpl BASE_DIR NAME [--map]
 *
 * Output on stdout; diagnostics on stderr; exit 0, or 1 when rendering
 * failed.  --map prints "LINE FILE:LINE" per output line instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: render-tmpl BASE_DIR NAME [--map]\n");
		return 2;
	}
	char *path = mae_xasprintf("%s/%s", argv[1], argv[2]);
	char *data;
	size_t len;
	struct mae_error e;
	if (mae_read_file(path, (size_t)16 << 20, &data, &len, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		free(path);
		return 1;
	}
	struct mae_diags d;
	struct tmpl_output out;
	mae_diags_init(&d, argv[2]);
	int rc = tmpl_render(argv[2], data, len, argv[1], environ, &out, &d);
	for (size_t i = 0; i < d.n; i++) {
		char *s = mae_diag_format(&d.v[i]);
		fprintf(stderr, "%s\n", s);
		free(s);
	}
	if (rc == 0) {
		if (argc > 3 && !strcmp(argv[3], "--map")) {
			for (size_t i = 0; i < out.map.n; i++)
				printf("%zu %s:%d\n", i + 1, out.map.lines[i].file,
				       out.map.lines[i].line);
		} else {
			fwrite(out.text, 1, out.len, stdout);
		}
		tmpl_output_release(&out);
	}
	mae_diags_release(&d);
	free(data);
	free(path);
	return rc == 0 ? 0 : 1;
}
