/*
 * error.c - allocation that cannot fail, error values and diagnostics.
 * Nothing here prints except the one line before abort() on exhausted
 * memory.
 */
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
	fprintf(stderr, "maestro: fatal: out of memory (asked for %zu bytes)\n", n);
	abort();
}

void *mae_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory(n);
	return p;
}

void *mae_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory(n * size);
	return p;
}

void *mae_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory(n);
	return q;
}

char *mae_xstrdup(const char *s)
{
	return mae_xstrndup(s, strlen(s));
}

char *mae_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = mae_xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *mae_xvasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		n = 0;
	char *p = mae_xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *mae_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = mae_xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

const char *mae_err_name(int code)
{
	switch (code) {
	case MAE_OK: return "ok";
	case MAE_ERR_INVALID: return "invalid";
	case MAE_ERR_IO: return "io";
	case MAE_ERR_CONNECT: return "connect";
	case MAE_ERR_TIMEOUT: return "timeout";
	case MAE_ERR_PROTOCOL: return "protocol";
	case MAE_ERR_REMOTE: return "remote";
	case MAE_ERR_AUTH: return "auth";
	case MAE_ERR_CANCELLED: return "cancelled";
	case MAE_ERR_LIMIT: return "limit";
	case MAE_ERR_STATE: return "state";
	case MAE_ERR_NOTFOUND: return "notfound";
	case MAE_ERR_INTERNAL: return "internal";
	}
	return "unknown";
}

void mae_error_clear(struct mae_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

int mae_error_vset(struct mae_error *e, int code, const char *fmt, va_list ap)
{
	if (!e)
		return code;
	mae_error_clear(e);
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return code;
}

int mae_error_set(struct mae_error *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mae_error_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

void mae_error_prefix(struct mae_error *e, const char *fmt, ...)
{
	if (!e)
		return;
	char prefix[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* the result is cut to the message's size, as every message is */
	char *joined = mae_xasprintf("%s: %s", prefix, e->msg);
	size_t n = strlen(joined);
	if (n >= sizeof(e->msg))
		n = sizeof(e->msg) - 1;
	memcpy(e->msg, joined, n);
	e->msg[n] = '\0';
	free(joined);
}

/* ------------------------------------------------------------------ */

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
	dg->file = file ? mae_xstrdup(file) : NULL;
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
