/*
 * output.c - everything maestro prints passes here: standard output
 * (written in full, or the command fails saying why), the one escaping
 * of text bound for a terminal, messages on stderr and aligned tables.
 *
 * Text from the description and from the daemons (names, versions,
 * Docker's error messages) may hold ESC, CR, LF or bidi overrides: on a
 * terminal they would draw fake lines or rewrite what is shown.  Every
 * text printer escapes them with cli_escape(); JSON output is escaped by
 * jansson already and does not come here.
 */
#include "cli.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the first error writing standard output (0: none seen) */
static int out_errno;

static void out_failed(void)
{
	if (!out_errno)
		out_errno = errno ? errno : EIO;
}

void cli_out(const void *data, size_t n)
{
	if (n && fwrite(data, 1, n, stdout) != n)
		out_failed();
}

void cli_out_sink(void *ud, const void *data, size_t n)
{
	(void)ud;
	cli_out(data, n);
}

void cli_outs(const char *s)
{
	cli_out(s, strlen(s));
}

void cli_outf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vfprintf(stdout, fmt, ap) < 0)
		out_failed();
	va_end(ap);
}

void cli_out_json(const json_t *j, size_t flags)
{
	/* streamed: no copy of the text, and no NULL to dereference */
	if (json_dumpf(j, stdout, flags) < 0) {
		if (ferror(stdout)) {
			out_failed();
			return;
		}
		/* jansson fails only on memory when the stream is fine */
		fputs("maestro: fatal: out of memory (writing JSON)\n", stderr);
		abort();
	}
	cli_outs("\n");
}

static int out_chunk(const void *data, size_t n, void *ctx)
{
	(void)ctx;
	cli_out(data, n);
	return 0;
}

void cli_out_json_sorted(const json_t *j)
{
	mae_json_write_indent(j, 2, out_chunk, NULL);
	cli_outs("\n");
}

int cli_out_finish(void)
{
	errno = 0;
	if (fflush(stdout) != 0)
		out_failed();
	else if (ferror(stdout))
		out_failed();
	if (!out_errno)
		return 0;
	if (out_errno == EPIPE) {
		/* the reader left (`| head`): end as SIGPIPE does, quietly,
		 * even when it was ignored (as git does) */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
		return -1;
	}
	cli_error("write failure on standard output: %s", strerror(out_errno));
	return -1;
}

bool cli_char_unsafe(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	       c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f ||
	       c == 0x061c || c == 0xfeff;
}

/*
 * Append s escaped to b, stopping before a piece would pass `limit`
 * columns.  Returns the columns written; *cut says it stopped early.
 * An escape counts one column per byte, a character one.
 */
static size_t escape_upto(struct mae_buf *b, const char *s, size_t limit,
			  bool *cut)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	size_t width = 0;
	*cut = false;
	while (n) {
		char esc[16];
		uint32_t c = 0;
		size_t len = mae_utf8_decode(p, n, &c);
		const char *piece = (const char *)p;
		size_t plen = len, cols = 1;
		if (len == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", p[0]);
			len = 1;
			piece = esc;
		} else if (cli_char_unsafe(c)) {
			if (c == '\n')
				piece = "\\n";
			else if (c == '\r')
				piece = "\\r";
			else if (c == '\t')
				piece = "\\t";
			else {
				snprintf(esc, sizeof(esc),
					 c < 0x80 ? "\\x%02x" : "\\u%04x",
					 (unsigned)c);
				piece = esc;
			}
		}
		if (piece != (const char *)p)
			cols = plen = strlen(piece);
		if (width + cols > limit) {
			*cut = true;
			return width;
		}
		mae_buf_add(b, piece, plen);
		width += cols;
		p += len;
		n -= len;
	}
	return width;
}

size_t cli_escape(struct mae_buf *b, const char *s, size_t max)
{
	bool cut;
	size_t mark = b->len;
	size_t w = escape_upto(b, s, max ? max : SIZE_MAX, &cut);
	if (!cut)
		return w;
	/* again, leaving room for the mark of the cut */
	if (b->s) {
		b->len = mark;
		b->s[mark] = '\0';
	}
	w = escape_upto(b, s, max > 3 ? max - 3 : 0, &cut);
	mae_buf_adds(b, "...");
	return w + 3;
}

char *cli_escaped(const char *s, size_t max)
{
	struct mae_buf b = MAE_BUF_INIT;
	cli_escape(&b, s, max);
	return mae_buf_detach(&b);
}

void cli_dot_escape(struct mae_buf *b, const char *s)
{
	char *shown = cli_escaped(s, 0);
	for (const char *p = shown; *p; p++) {
		if (*p == '"' || *p == '\\')
			mae_buf_addc(b, '\\');
		mae_buf_addc(b, *p);
	}
	free(shown);
}

void cli_vmessage(const char *prefix, const char *fmt, va_list ap)
{
	char *raw = mae_xvasprintf(fmt, ap);
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_adds(&b, prefix);
	cli_escape(&b, raw, 0);
	mae_buf_addc(&b, '\n');
	fputs(mae_buf_str(&b), stderr);
	mae_buf_release(&b);
	free(raw);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cli_vmessage("maestro: error: ", fmt, ap);
	va_end(ap);
}

void cli_debug(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cli_vmessage("maestro: debug: ", fmt, ap);
	va_end(ap);
}

void cli_trace_call(void *ud, const char *ship, const char *method,
		    const char *path, long status, int rc, int64_t ms)
{
	(void)ud;
	cli_debug("%s: %s %s -> %ld%s%s (%lld ms)", ship, method, path, status,
		  rc ? " " : "", rc ? mae_err_name(rc) : "", (long long)ms);
}

void cli_print_diags(const struct cli_globals *g, const struct mae_diags *d)
{
	(void)g;
	for (size_t i = 0; i < d->n; i++) {
		char *s = mae_diag_format(&d->v[i]);
		char *shown = cli_escaped(s, 0);
		fprintf(stderr, "%s\n", shown);
		free(shown);
		free(s);
	}
	if (d->dropped)
		fprintf(stderr, "maestro: %zu more problems not shown\n",
			d->dropped);
}

char *cli_usage_text(const struct cli_command *cmd)
{
	/* words are split at spaces outside brackets: "[-f FILE]" stays whole */
	struct mae_buf b = MAE_BUF_INIT;
	const size_t indent = strlen("usage: maestro ");
	size_t col = strlen("usage:");
	mae_buf_adds(&b, "usage:");
	const char *p = cmd->usage;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		int depth = 0;
		while (*p && (depth || *p != ' ')) {
			depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
			p++;
		}
		size_t n = (size_t)(p - w);
		if (!n)
			break;
		if (col + 1 + n > CLI_USAGE_WIDTH && col > indent) {
			mae_buf_addf(&b, "\n%*s", (int)indent, "");
			col = indent;
		} else {
			mae_buf_addc(&b, ' ');
			col++;
		}
		mae_buf_add(&b, w, n);
		col += n;
	}
	mae_buf_addc(&b, '\n');
	return mae_buf_detach(&b);
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cli_vmessage("maestro: ", fmt, ap);
	va_end(ap);
	char *usage = cli_usage_text(cmd);
	fputs(usage, stderr);
	free(usage);
	fprintf(stderr, "Try 'maestro %s --help'.\n", cmd->name);
	return CLI_EXIT_USAGE;
}

void cli_table_init(struct cli_table *t, size_t ncols,
		   const char *const *heads)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->width = mae_xcalloc(ncols, sizeof(*t->width));
	cli_table_add(t, heads);
}

void cli_table_add(struct cli_table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 8;
		t->cells = mae_xrealloc(t->cells,
					t->cap * t->ncols * sizeof(*t->cells));
		t->cols = mae_xrealloc(t->cols,
				       t->cap * t->ncols * sizeof(*t->cols));
	}
	for (size_t i = 0; i < t->ncols; i++) {
		struct mae_buf b = MAE_BUF_INIT;
		size_t w = cli_escape(&b, cells[i], CLI_CELL_MAX);
		t->cells[t->nrows * t->ncols + i] = mae_buf_detach(&b);
		t->cols[t->nrows * t->ncols + i] = w;
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->nrows++;
}

void cli_table_print(const struct cli_table *t)
{
	static const char spaces[] = "                                ";
	struct mae_buf line = MAE_BUF_INIT;
	for (size_t r = 0; r < t->nrows; r++) {
		mae_buf_reset(&line);
		for (size_t i = 0; i < t->ncols; i++) {
			size_t k = r * t->ncols + i;
			mae_buf_adds(&line, t->cells[k]);
			if (i + 1 == t->ncols)
				break;
			size_t pad = t->width[i] - t->cols[k] + 2;
			while (pad) {
				size_t m = pad < sizeof(spaces) - 1 ? pad
								    : sizeof(spaces) - 1;
				mae_buf_add(&line, spaces, m);
				pad -= m;
			}
		}
		mae_buf_addc(&line, '\n');
		cli_out(line.s, line.len);
	}
	mae_buf_release(&line);
}

void cli_table_release(struct cli_table *t)
{
	for (size_t k = 0; k < t->nrows * t->ncols; k++)
		free(t->cells[k]);
	free(t->cells);
	free(t->cols);
	free(t->width);
	memset(t, 0, sizeof(*t));
}
