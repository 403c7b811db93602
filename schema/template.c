/*
 * template.c - the template pass, first cut: plain text passes through
 * (newlines normalised and one trailing newline dropped, as Jinja2 does)
 * with a line map; any template construct is reported as not yet
 * supported.  Replaced by the full lexer/parser/evaluator.
 */
#include <stdlib.h>
#include <string.h>

#include "template.h"

int tmpl_render(const char *name, const char *text, size_t len,
		const char *base_dir, char *const *envp,
		struct tmpl_output *out, struct mae_diags *d)
{
	struct mae_buf b = MAE_BUF_INIT;
	size_t line = 1, nlines = 0, cap = 0;
	struct mae_srcloc *lines = NULL;
	bool start = true;
	char *fname = mae_xstrdup(name);

	(void)base_dir;
	(void)envp;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '{' && i + 1 < len && strchr("{%#", text[i + 1])) {
			mae_diag_file(d, MAE_SEV_ERROR, name, (int)line, 0,
				      "unsupported template construct '{%c'",
				      text[i + 1]);
			free(lines);
			free(fname);
			mae_buf_release(&b);
			return MAE_ERR_INVALID;
		}
		if (c == '\r') {
			if (i + 1 < len && text[i + 1] == '\n')
				i++;
			c = '\n';
		}
		if (start) {
			if (nlines == cap) {
				cap = cap ? 2 * cap : 64;
				lines = mae_xrealloc(lines, cap * sizeof(*lines));
			}
			lines[nlines++] = (struct mae_srcloc){ fname, (int)line };
			start = false;
		}
		mae_buf_addc(&b, c);
		if (c == '\n') {
			line++;
			start = true;
		}
	}
	if (b.len > 0 && b.s[b.len - 1] == '\n')
		b.len--, b.s[b.len] = '\0';
	out->text = mae_buf_detach(&b);
	out->len = strlen(out->text);
	out->map.lines = lines;
	out->map.n = nlines;
	out->files = mae_xmalloc(sizeof(char *));
	out->files[0] = fname;
	out->nfiles = 1;
	return 0;
}

void tmpl_output_release(struct tmpl_output *out)
{
	if (!out)
		return;
	free(out->text);
	free(out->map.lines);
	for (size_t i = 0; i < out->nfiles; i++)
		free(out->files[i]);
	free(out->files);
	memset(out, 0, sizeof(*out));
}
