/*
 * template.h - the template pass of schema/: the Jinja2 subset that
 * MaestroNG environment files are written in, rendered to the same text
 * Jinja2 3.1 renders, in C.  Internal to schema/.
 *
 * The only variable a template sees is `env`, the process environment.
 * include/import/extends names resolve against base_dir as Jinja2's
 * FileSystemLoader does (no escape with `..`).  Jinja2's defaults apply:
 * trim_blocks and lstrip_blocks off, keep_trailing_newline off, default
 * Undefined (renders empty; maestro warns with file:line).
 *
 * Anything outside the supported subset is an error naming the construct
 * and its file:line, never silently different text.  Deep nesting, huge
 * loops and recursive includes or macros hit documented limits with an
 * error.
 */
#ifndef MAESTRO_SCHEMA_TEMPLATE_H
#define MAESTRO_SCHEMA_TEMPLATE_H

#include <stddef.h>

#include "base.h"

struct tmpl_output {
	char *text;            /* the rendered text, NUL-terminated; owned */
	size_t len;
	/*
	 * Line i (1-based) of text came from map.lines[i - 1]: the template
	 * file and line whose output starts that line.  The file names are
	 * owned by the output (they live until tmpl_output_release).
	 */
	struct mae_srcmap map;
	char **files;          /* owned names the map points into */
	size_t nfiles;
};

/*
 * Render a template.  `name` is how the top file is named in messages
 * ("maestro.yaml", "<stdin>"); base_dir is the directory include names
 * resolve against; envp is the environment (NULL-terminated "K=V"
 * strings), exposed as `env`.  Errors and warnings go to d, located in
 * the template files.  Returns 0 with *out filled, or a negative code
 * (out then holds nothing to release).
 */
int tmpl_render(const char *name, const char *text, size_t len,
		const char *base_dir, char *const *envp,
		struct tmpl_output *out, struct mae_diags *d);

void tmpl_output_release(struct tmpl_output *out);

#endif
