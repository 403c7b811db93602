/*
 * fuzz-template.c - fuzz target for the template pass (tmpl_render).
 * The input is a template; includes, imports and extends resolve in
 * tests/fuzz/template-dir (a few fixed partials), so that a run is
 * deterministic and tests/differential/fuzz-corpus.sh can render the same
 * files with Jinja2.  Besides "no crash, no leak, no hang" it checks:
 *   - success and failure are consistent with the diagnostics;
 *   - the line map has exactly one entry per output line, each located.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *const fuzz_env[] = { "BAR=bar", "HOME=/home/maestro", "EMPTY=",
				  "NUMBER=42", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mae_diags d;
	struct tmpl_output out;
	if (size > 65536)
		return 0;
	mae_diags_init(&d, "fuzz.j2");
	int rc = tmpl_render("fuzz.j2", (const char *)data, size,
			     FUZZ_SOURCE_DIR "/template-dir", fuzz_env, &out, &d);
	if ((rc == 0) == mae_diags_failed(&d))
		abort();
	if (rc == 0) {
		size_t lines = 0;
		for (size_t i = 0; i < out.len; i++)
			lines += out.text[i] == '\n';
		if (out.text[out.len] != '\0' ||
		    out.map.n != (out.len ? lines + 1 : 0))
			abort();
		for (size_t i = 0; i < out.map.n; i++)
			if (!out.map.lines[i].file || out.map.lines[i].line < 1)
				abort();
		tmpl_output_release(&out);
	}
	mae_diags_release(&d);
	return 0;
}
