/*
 * diag.c - a list of diagnostics that keeps going after the first
 * problem, positions translated through a source map.  Prints nothing.
 */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mae_diags_init(struct mae_diags *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->file = file;
}

void mae_diags_release(struct mae_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

static void diag_push(struct mae_diags *d, enum mae_severity sev,
		      const char *file, int line, int col, const char *fmt,
		      va_list ap)
{
	if (sev == MAE_SEV_ERROR) {
		if (d->nerrors >= MAE_DIAGS_MAX_ERRORS) {
			d->nerrors++;
			d->dropped++;
			return;
		}
		d->nerrors++;
	} else {
		if (d->nwarnings >= MAE_DIAGS_MAX_ERRORS) {
			d->nwarnings++;
			d->dropped++;
			return;
		}
		d->nwarnings++;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 8;
		d->v = mae_xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	struct mae_diag *dg = &d->v[d->n++];
	dg->sev = sev;
	dg->file = mae_xstrdup_or_null(file);
	dg->line = line;
	dg->col = col;
	dg->msg = mae_xvasprintf(fmt, ap);
}

void mae_diag_vat(struct mae_diags *d, enum mae_severity sev, int line,
		  int col, const char *fmt, va_list ap)
{
	const char *file = d->file;
	if (d->map && line > 0) {
		if ((size_t)line <= d->map->n) {
			file = d->map->lines[line - 1].file;
			line = d->map->lines[line - 1].line;
		} else if (d->map->n > 0) {
			/* past the end (e.g. YAML's end-of-stream mark) */
			file = d->map->lines[d->map->n - 1].file;
			line = d->map->lines[d->map->n - 1].line;
		}
	}
	diag_push(d, sev, file, line, col, fmt, ap);
}

void mae_diag_at(struct mae_diags *d, enum mae_severity sev, int line,
		 int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mae_diag_vat(d, sev, line, col, fmt, ap);
	va_end(ap);
}

void mae_diag_vfile(struct mae_diags *d, enum mae_severity sev,
		    const char *file, int line, int col, const char *fmt,
		    va_list ap)
{
	diag_push(d, sev, file, line, col, fmt, ap);
}

void mae_diag_file(struct mae_diags *d, enum mae_severity sev,
		   const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_push(d, sev, file, line, col, fmt, ap);
	va_end(ap);
}

char *mae_diag_format(const struct mae_diag *dg)
{
	struct mae_buf b = MAE_BUF_INIT;
	if (dg->file) {
		mae_buf_adds(&b, dg->file);
		if (dg->line > 0) {
			mae_buf_addf(&b, ":%d", dg->line);
			if (dg->col > 0)
				mae_buf_addf(&b, ":%d", dg->col);
		}
		mae_buf_adds(&b, ": ");
	}
	mae_buf_adds(&b, dg->sev == MAE_SEV_ERROR ? "error: " : "warning: ");
	mae_buf_adds(&b, dg->msg);
	return mae_buf_detach(&b);
}
