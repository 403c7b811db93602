/*
 * template-parse.c - lexer and parser of the template pass: Jinja2 3.1's
 * tokenizer rules (lexer.py) and its recursive-descent grammar
 * (parser.py), restricted to maestro's subset.  Constructs outside the
 * subset (unknown tags, filters, tests, slices, star arguments) are
 * refused here, at parse time, with their file:line, so a template never
 * renders differently from Jinja2 without saying so.
 *
 * Must not evaluate anything or touch files: template.c loads, this file
 * only turns text into a tree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template-int.h"

/* ------------------------------------------------------------------ */
/* Lexer                                                                */

struct lexer {
	struct tfile *tf;
	const char *src;
	size_t len, pos;
	int line;           /* the line at pos */
	size_t bol;         /* where that line begins */
	size_t cpos;        /* a place on it whose column is known: */
	int ccol;           /* that column (1-based, in characters) */
	struct tpool *pool;
	struct mae_diags *d;
	struct tok *toks;
	size_t n, cap;
	char bal[TMPL_MAX_DEPTH + 1];
	size_t nbal;
	bool failed;
};

static void lex_error(struct lexer *lx, struct tpos at, const char *fmt, ...)
	MAE_PRINTF(3, 4);
static void lex_error(struct lexer *lx, struct tpos at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!lx->failed)
		mae_diag_vfile(lx->d, MAE_SEV_ERROR, lx->tf->path, at.line,
			       at.col, fmt, ap);
	va_end(ap);
	lx->failed = true;
}

/*
 * The line and column of offset p, which is on the current line (at or
 * after lx->bol).  Columns count characters, as the YAML reader's do;
 * tokens come in order, so counting on from the last one keeps the
 * lexer linear on long lines.
 */
static struct tpos lex_at(struct lexer *lx, size_t p)
{
	if (p < lx->bol)
		return (struct tpos){ lx->line, 0 };
	if (lx->cpos < lx->bol || lx->cpos > p) {
		lx->cpos = lx->bol;
		lx->ccol = 1;
	}
	for (; lx->cpos < p; lx->cpos++)
		if (((unsigned char)lx->src[lx->cpos] & 0xc0) != 0x80)
			lx->ccol++;
	return (struct tpos){ lx->line, lx->ccol };
}

/* Text [b, e) was consumed: count its lines. */
static void lex_skip(struct lexer *lx, size_t b, size_t e)
{
	for (const char *q = lx->src + b, *end = lx->src + e;
	     (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++) {
		lx->line++;
		lx->bol = (size_t)(q - lx->src) + 1;
	}
}

/* A token starting at offset p. */
static struct tok *lex_push(struct lexer *lx, enum tok_kind k, size_t p)
{
	struct tpos line = lex_at(lx, p);
	if (lx->n == lx->cap) {
		/* tokens live only until parsed: malloc'd, not in the pool,
		 * but counted against its budget while they live */
		size_t cap = lx->cap ? 2 * lx->cap : 256;
		size_t more = (cap - lx->cap) * sizeof(struct tok);
		if (lx->pool->arena.bytes + more > TMPL_MAX_MEMORY) {
			lex_error(lx, line, "template too large (memory limit)");
			return NULL;
		}
		lx->pool->arena.bytes += more;
		lx->toks = mae_xrealloc(lx->toks, cap * sizeof(struct tok));
		lx->cap = cap;
	}
	struct tok *t = &lx->toks[lx->n++];
	memset(t, 0, sizeof(*t));
	t->k = k;
	t->pos = line;
	t->s = "";
	return t;
}

/*
 * Length of the Python whitespace character at s (str.isspace(): ASCII
 * space, \t\n\v\f\r, \x1c-\x1f and the Unicode spaces), 0 if none.
 */
size_t tmpl_space_len(const char *s, size_t n);
size_t tmpl_space_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	if (n == 0)
		return 0;
	if (u[0] == ' ' || (u[0] >= 0x09 && u[0] <= 0x0d) ||
	    (u[0] >= 0x1c && u[0] <= 0x1f))
		return 1;
	if (n >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
		return 2;
	if (n >= 3 && u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80)
		return 3;
	if (n >= 3 && u[0] == 0xe2 && u[1] == 0x80 &&
	    (u[2] <= 0x8a || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
		return 3;
	if (n >= 3 && u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f)
		return 3;
	if (n >= 3 && u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	return 0;
}

/* Length of the Python whitespace ending at s[n-1], 0 if none. */
static size_t space_len_back(const char *s, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++)
		if (tmpl_space_len(s + n - k, k) == k)
			return k;
	return 0;
}

static size_t skip_space(const char *s, size_t n, size_t pos)
{
	size_t k;
	while (pos < n && (k = tmpl_space_len(s + pos, n - pos)) > 0)
		pos += k;
	return pos;
}

static bool at(struct lexer *lx, size_t pos, const char *lit)
{
	size_t l = strlen(lit);
	return pos + l <= lx->len && memcmp(lx->src + pos, lit, l) == 0;
}

/* Emit text [b, e) as data, after an optional rstrip; advances line. */
static void lex_data(struct lexer *lx, size_t b, size_t e, bool rstrip)
{
	size_t end = e, k;
	if (rstrip)
		while (end > b && (k = space_len_back(lx->src + b, end - b)) > 0)
			end -= k;
	if (end > b) {
		struct tok *t = lex_push(lx, TK_DATA, b);
		if (!t)
			return;
		t->s = lx->src + b;
		t->n = end - b;
	}
	lex_skip(lx, b, e);
}

/* (\d+_)*\d+ at s: the length matched, 0 if none. */
static size_t match_digits(const char *s, size_t n, size_t pos,
			   bool (*isd)(char))
{
	size_t p = pos, last = 0;
	while (p < n && isd(s[p])) {
		while (p < n && isd(s[p]))
			p++;
		last = p;
		if (p + 1 < n && s[p] == '_' && isd(s[p + 1]))
			p++;
		else
			break;
	}
	return last ? last - pos : 0;
}

static bool is_dec(char c) { return c >= '0' && c <= '9'; }
static bool is_bin(char c) { return c == '0' || c == '1'; }
static bool is_oct(char c) { return c >= '0' && c <= '7'; }
static bool is_hex(char c)
{
	return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool is_zero(char c) { return c == '0'; }

static size_t match_float(const char *s, size_t n, size_t pos)
{
	if (pos > 0 && s[pos - 1] == '.')
		return 0;
	size_t a = match_digits(s, n, pos, is_dec);
	if (!a)
		return 0;
	size_t p = pos + a, q = p;
	if (q < n && s[q] == '.') {
		size_t f = match_digits(s, n, q + 1, is_dec);
		if (f)
			q += 1 + f;
	}
	if (q < n && (s[q] == 'e' || s[q] == 'E')) {
		size_t r = q + 1;
		if (r < n && (s[r] == '+' || s[r] == '-'))
			r++;
		size_t x = match_digits(s, n, r, is_dec);
		if (x)
			return r + x - pos;
	}
	return q > p ? q - pos : 0;
}

/* Jinja's integer_re; sets *base. */
static size_t match_int(const char *s, size_t n, size_t pos, int *base)
{
	if (pos + 2 < n && s[pos] == '0') {
		char c = s[pos + 1] | 0x20;
		bool (*isd)(char) = c == 'b' ? is_bin : c == 'o' ? is_oct :
				    c == 'x' ? is_hex : NULL;
		if (isd) {
			size_t p = pos + 2;
			for (;;) {
				size_t q = p;
				if (q < n && s[q] == '_')
					q++;
				if (q < n && isd(s[q]))
					p = q + 1;
				else
					break;
			}
			if (p > pos + 2) {
				*base = c == 'b' ? 2 : c == 'o' ? 8 : 16;
				return p - pos;
			}
		}
	}
	*base = 10;
	if (pos < n && s[pos] >= '1' && s[pos] <= '9') {
		size_t p = pos + 1;
		for (;;) {
			size_t q = p;
			if (q < n && s[q] == '_')
				q++;
			if (q < n && is_dec(s[q]))
				p = q + 1;
			else
				break;
		}
		return p - pos;
	}
	if (pos < n && s[pos] == '0') {
		size_t p = pos + 1;
		for (;;) {
			size_t q = p;
			if (q < n && s[q] == '_')
				q++;
			if (q < n && is_zero(s[q]))
				p = q + 1;
			else
				break;
		}
		return p - pos;
	}
	return 0;
}

static int hexval(char c)
{
	if (is_dec(c))
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Python's .encode("ascii", "backslashreplace").decode("unicode-escape")
 * of a string literal's body.
 */
static bool lex_unescape(struct lexer *lx, const char *s, size_t n,
			 struct tpos line,
			 struct tok *t)
{
	char *out = tpool_alloc(lx->pool, n * 4 + 1), *o = out;
	if (!out) {
		lex_error(lx, line, "template too large (memory limit)");
		return false;
	}
	for (size_t i = 0; i < n;) {
		if (s[i] != '\\') {
			*o++ = s[i++];
			continue;
		}
		if (i + 1 >= n) {
			lex_error(lx, line, "\\ at end of string");
			return false;
		}
		char c = s[i + 1];
		if ((unsigned char)c >= 0x80) {
			/* backslash + backslashreplace form of the character */
			uint32_t cp;
			size_t l = tmpl_utf8_get(s + i + 1, &cp);
			o += sprintf(o, cp < 0x100 ? "\\x%02x" :
					cp < 0x10000 ? "\\u%04x" : "\\U%08x",
				     (unsigned)cp);
			i += 1 + l;
			continue;
		}
		i += 2;
		uint32_t cp = 0;
		int digits = 0;
		switch (c) {
		case '\n': continue;
		case '\\': *o++ = '\\'; continue;
		case '\'': *o++ = '\''; continue;
		case '"': *o++ = '"'; continue;
		case 'a': *o++ = '\a'; continue;
		case 'b': *o++ = '\b'; continue;
		case 'f': *o++ = '\f'; continue;
		case 'n': *o++ = '\n'; continue;
		case 'r': *o++ = '\r'; continue;
		case 't': *o++ = '\t'; continue;
		case 'v': *o++ = '\v'; continue;
		case 'x': digits = 2; break;
		case 'u': digits = 4; break;
		case 'U': digits = 8; break;
		case 'N':
			lex_error(lx, line, "unsupported escape '\\N' in string");
			return false;
		default:
			if (is_oct(c)) {
				cp = (uint32_t)(c - '0');
				for (int k = 0; k < 2 && i < n && is_oct(s[i]); k++)
					cp = cp * 8 + (uint32_t)(s[i++] - '0');
				goto put;
			}
			*o++ = '\\';
			*o++ = c;
			continue;
		}
		for (int k = 0; k < digits; k++) {
			int h = i < n ? hexval(s[i]) : -1;
			if (h < 0) {
				lex_error(lx, line, "truncated \\%c escape in string",
					  c);
				return false;
			}
			cp = cp * 16 + (uint32_t)h;
			i++;
		}
		if (cp > 0x10ffff) {
			lex_error(lx, line, "illegal Unicode character in string");
			return false;
		}
put:
		if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
			lex_error(lx, line, "unsupported character U+%04X in string",
				  (unsigned)cp);
			return false;
		}
		o += mae_utf8_encode(cp, o);
	}
	*o = '\0';
	t->s = out;
	t->n = (size_t)(o - out);
	return true;
}

static const char *const operators[] = {
	"//", "**", "==", "!=", ">=", "<=",
	"+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}",
	">", "<", "=", ".", ":", "|", ",", ";",
};

/* Tokens of one {{ }} or {% %}; ends after the closing delimiter. */
static void lex_tag(struct lexer *lx, bool block)
{
	const char *s = lx->src;
	size_t n = lx->len;
	lx->nbal = 0;
	for (;;) {
		size_t p = lx->pos, k;
		if (lx->failed)
			return;
		if (p >= n)
			return; /* the parser reports the missing end */
		if (lx->nbal == 0) {
			bool strip = false;
			size_t l = 0;
			if (block) {
				if (at(lx, p, "+%}"))
					l = 3;
				else if (at(lx, p, "-%}"))
					l = 3, strip = true;
				else if (at(lx, p, "%}"))
					l = 2;
			} else {
				if (at(lx, p, "-}}"))
					l = 3, strip = true;
				else if (at(lx, p, "}}"))
					l = 2;
			}
			if (l) {
				lex_push(lx, block ? TK_BLOCK_END : TK_VAR_END, p);
				p += l;
				if (strip) {
					size_t q = skip_space(s, n, p);
					lex_skip(lx, p, q);
					p = q;
				}
				lx->pos = p;
				return;
			}
		}
		if ((k = tmpl_space_len(s + p, n - p)) > 0) {
			size_t q = skip_space(s, n, p);
			lex_skip(lx, p, q);
			lx->pos = q;
			continue;
		}
		int base;
		if ((k = match_float(s, n, p)) > 0) {
			struct tok *t = lex_push(lx, TK_FLOAT, p);
			if (!t)
				return;
			char buf[128];
			size_t m = 0;
			for (size_t i = p; i < p + k && m < sizeof(buf) - 1; i++)
				if (s[i] != '_')
					buf[m++] = s[i];
			buf[m] = '\0';
			t->f = strtod(buf, NULL);
			t->s = tpool_strndup(lx->pool, s + p, k);
			lx->pos = p + k;
			continue;
		}
		if ((k = match_int(s, n, p, &base)) > 0) {
			struct tok *t = lex_push(lx, TK_INT, p);
			if (!t)
				return;
			uint64_t v = 0;
			bool over = false;
			for (size_t i = p + (base == 10 ? 0 : 2); i < p + k; i++) {
				if (s[i] == '_')
					continue;
				int h = hexval(s[i]);
				if (v > (UINT64_MAX - (uint64_t)h) / (uint64_t)base)
					over = true;
				v = v * (uint64_t)base + (uint64_t)h;
			}
			if (over || v > INT64_MAX) {
				lex_error(lx, lex_at(lx, p),
					  "integer literal '%.*s' out of range",
					  (int)k, s + p);
				return;
			}
			t->i = (int64_t)v;
			lx->pos = p + k;
			continue;
		}
		if ((s[p] >= 'a' && s[p] <= 'z') || (s[p] >= 'A' && s[p] <= 'Z') ||
		    s[p] == '_') {
			size_t q = p + 1;
			while (q < n && ((s[q] >= 'a' && s[q] <= 'z') ||
					 (s[q] >= 'A' && s[q] <= 'Z') ||
					 is_dec(s[q]) || s[q] == '_'))
				q++;
			if (q < n && (unsigned char)s[q] >= 0x80) {
				lex_error(lx, lex_at(lx, q),
					  "unsupported non-ASCII name");
				return;
			}
			struct tok *t = lex_push(lx, TK_NAME, p);
			if (!t)
				return;
			t->s = tpool_strndup(lx->pool, s + p, q - p);
			t->n = q - p;
			lx->pos = q;
			continue;
		}
		if (s[p] == '\'' || s[p] == '"') {
			char qc = s[p];
			size_t q = p + 1;
			while (q < n && s[q] != qc) {
				if (s[q] == '\\' && q + 1 < n)
					q++;
				q++;
			}
			if (q < n) {
				struct tok *t = lex_push(lx, TK_STRING, p);
				if (!t || !lex_unescape(lx, s + p + 1, q - p - 1,
							t->pos, t))
					return;
				lex_skip(lx, p, q);
				lx->pos = q + 1;
				continue;
			}
		}
		const char *op = NULL;
		for (size_t i = 0; i < sizeof(operators) / sizeof(*operators); i++)
			if (at(lx, p, operators[i])) {
				op = operators[i];
				break;
			}
		if (!op) {
			if ((unsigned char)s[p] >= 0x80)
				lex_error(lx, lex_at(lx, p),
					  "unexpected non-ASCII character");
			else
				lex_error(lx, lex_at(lx, p), "unexpected char '%c'",
					  s[p]);
			return;
		}
		char o = op[0];
		if (!op[1] && (o == '(' || o == '[' || o == '{')) {
			if (lx->nbal >= TMPL_MAX_DEPTH) {
				lex_error(lx, lex_at(lx, p),
					  "nesting deeper than %d levels",
					  TMPL_MAX_DEPTH);
				return;
			}
			lx->bal[lx->nbal++] = o == '(' ? ')' : o == '[' ? ']' : '}';
		} else if (!op[1] && (o == ')' || o == ']' || o == '}')) {
			if (lx->nbal == 0) {
				lex_error(lx, lex_at(lx, p), "unexpected '%c'", o);
				return;
			}
			char want = lx->bal[--lx->nbal];
			if (want != o) {
				lex_error(lx, lex_at(lx, p),
					  "unexpected '%c', expected '%c'", o, want);
				return;
			}
		}
		struct tok *t = lex_push(lx, TK_OP, p);
		if (!t)
			return;
		t->s = op;
		t->n = strlen(op);
		lx->pos = p + t->n;
	}
}

/* The earliest "{{", "{%" or "{#" at or after pos, or len. */
static size_t find_tag(struct lexer *lx, size_t pos)
{
	for (size_t i = pos; i + 1 < lx->len; i++) {
		const char *q = memchr(lx->src + i, '{', lx->len - i);
		if (!q)
			return lx->len;
		i = (size_t)(q - lx->src);
		if (i + 1 < lx->len &&
		    (q[1] == '{' || q[1] == '%' || q[1] == '#'))
			return i;
	}
	return lx->len;
}

/* "{%[-+]?\s*raw\s*(-%}\s*|%})" at pos: its end, else 0. */
static size_t match_raw_begin(struct lexer *lx, size_t pos, const char *word,
			      bool *lstrip, bool *rstrip_after)
{
	size_t p = pos + 2;
	*lstrip = false;
	if (!at(lx, pos, "{%"))
		return 0;
	if (p < lx->len && (lx->src[p] == '-' || lx->src[p] == '+')) {
		*lstrip = lx->src[p] == '-';
		p++;
	}
	p = skip_space(lx->src, lx->len, p);
	if (!at(lx, p, word))
		return 0;
	p = skip_space(lx->src, lx->len, p + strlen(word));
	*rstrip_after = false;
	if (at(lx, p, "+%}") && strcmp(word, "endraw") == 0)
		return p + 3;
	if (at(lx, p, "-%}")) {
		*rstrip_after = true;
		return skip_space(lx->src, lx->len, p + 3);
	}
	if (at(lx, p, "%}"))
		return p + 2;
	return 0;
}

int tmpl_lex(struct tfile *tf, const char *src, size_t len,
	     struct tpool *pool, struct mae_diags *d,
	     struct tok **ret, size_t *ret_n)
{
	struct lexer lx = { .tf = tf, .src = src, .len = len, .line = 1,
			    .ccol = 1,
			    .pool = pool, .d = d };
	while (!lx.failed && lx.pos < len) {
		size_t t = find_tag(&lx, lx.pos);
		if (t >= len) {
			lex_data(&lx, lx.pos, len, false);
			break;
		}
		char kind = src[t + 1];
		char sign = t + 2 < len ? src[t + 2] : 0;
		bool strip = sign == '-';
		bool ls, rs;
		size_t rawend = kind == '%' ?
			match_raw_begin(&lx, t, "raw", &ls, &rs) : 0;
		lex_data(&lx, lx.pos, t, strip);
		size_t p = t + 2 + (sign == '-' || sign == '+');
		if (rawend) {
			struct tpos rawpos = lex_at(&lx, t);
			lex_skip(&lx, t, rawend);
			size_t q = rawend, e = 0;
			for (;;) {
				q = find_tag(&lx, q);
				if (q >= len)
					break;
				if ((e = match_raw_begin(&lx, q, "endraw", &ls, &rs)))
					break;
				q++;
			}
			if (!e && rawend >= len)
				break; /* nothing after the tag: Jinja2 stops quietly */
			if (!e) {
				lex_error(&lx, rawpos, "missing end of raw directive");
				break;
			}
			lex_data(&lx, rawend, q, ls);
			lex_skip(&lx, q, e);
			lx.pos = e;
			continue;
		}
		if (kind == '#') {
			size_t q = p, e = 0;
			for (; q + 1 < len; q++) {
				if (at(&lx, q, "+#}")) {
					e = q + 3;
				} else if (at(&lx, q, "-#}")) {
					e = skip_space(src, len, q + 3);
				} else if (at(&lx, q, "#}")) {
					e = q + 2;
				}
				if (e)
					break;
			}
			if (!e && p >= len)
				break; /* nothing after the tag: Jinja2 stops quietly */
			if (!e) {
				lex_error(&lx, lex_at(&lx, t), "missing end of comment tag");
				break;
			}
			lex_skip(&lx, t, e);
			lx.pos = e;
			continue;
		}
		lex_push(&lx, kind == '%' ? TK_BLOCK_BEGIN : TK_VAR_BEGIN, t);
		lx.pos = p;
		lex_tag(&lx, kind == '%');
	}
	struct tok *e = lx.failed ? NULL : lex_push(&lx, TK_EOF, len);
	/* the budget counts what is kept */
	pool->arena.bytes -= (lx.cap - (e ? lx.n : 0)) * sizeof(struct tok);
	if (!e) {
		free(lx.toks);
		return -1;
	}
	*ret = mae_xrealloc(lx.toks, lx.n * sizeof(struct tok));
	*ret_n = lx.n;
	return 0;
}

void tmpl_toks_free(struct tpool *pool, struct tok *toks, size_t n)
{
	if (toks)
		pool->arena.bytes -= n * sizeof(*toks);
	free(toks);
}

/* ------------------------------------------------------------------ */
/* Parser                                                               */

struct parser {
	struct tfile *tf;
	struct tok *t;
	size_t n, i;
	struct tpool *pool;
	struct mae_diags *d;
	int depth;
	bool failed;
	struct node **blocks;
	size_t nblocks;
	struct node *macro; /* the macro being parsed, for caller/varargs */
	int in_for;         /* inside a for statement: `loop` is not assignable */
};

static void perr(struct parser *p, struct tpos line, const char *fmt, ...)
	MAE_PRINTF(3, 4);
static void perr(struct parser *p, struct tpos line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!p->failed)
		mae_diag_vfile(p->d, MAE_SEV_ERROR, p->tf->path, line.line,
			       line.col, fmt, ap);
	va_end(ap);
	p->failed = true;
}

static struct tok *cur(struct parser *p) { return &p->t[p->i]; }
static struct tok *look(struct parser *p)
{
	return &p->t[p->i + 1 < p->n ? p->i + 1 : p->i];
}
static void advance(struct parser *p)
{
	if (p->i + 1 < p->n)
		p->i++;
}

static bool tok_is(struct tok *t, enum tok_kind k, const char *s)
{
	return t->k == k && (!s || strcmp(t->s, s) == 0);
}
static bool is_op(struct parser *p, const char *op)
{
	return tok_is(cur(p), TK_OP, op);
}
static bool is_name(struct parser *p, const char *nm)
{
	return tok_is(cur(p), TK_NAME, nm);
}

static const char *tok_desc(struct tok *t)
{
	switch (t->k) {
	case TK_DATA: return "template data";
	case TK_VAR_BEGIN: return "begin of print statement";
	case TK_VAR_END: return "end of print statement";
	case TK_BLOCK_BEGIN: return "begin of statement block";
	case TK_BLOCK_END: return "end of statement block";
	case TK_STRING: return "string";
	case TK_INT: return "integer";
	case TK_FLOAT: return "float";
	case TK_EOF: return "end of template";
	default: return t->s;
	}
}

static bool expect_op(struct parser *p, const char *op)
{
	if (is_op(p, op)) {
		advance(p);
		return true;
	}
	perr(p, cur(p)->pos, "expected '%s', got '%s'", op, tok_desc(cur(p)));
	return false;
}

static bool expect_kind(struct parser *p, enum tok_kind k, const char *what)
{
	if (cur(p)->k == k) {
		advance(p);
		return true;
	}
	if (cur(p)->k == TK_EOF)
		perr(p, cur(p)->pos, "unexpected end of template, expected %s",
		     what);
	else
		perr(p, cur(p)->pos, "expected %s, got '%s'", what,
		     tok_desc(cur(p)));
	return false;
}

static struct node *mknode(struct parser *p, enum node_kind k, struct tpos line)
{
	struct node *nd = tpool_alloc(p->pool, sizeof(*nd));
	if (!nd) {
		perr(p, line, "template too large (memory limit)");
		return NULL;
	}
	nd->k = k;
	nd->pos = line;
	return nd;
}

/* Growable node/name arrays in the pool. */
static bool push_node(struct parser *p, struct node ***v, size_t *n,
		      struct node *x)
{
	if ((*n & (*n - 1)) == 0) { /* 0, 1, 2, 4, ...: grow */
		struct node **nv = tpool_realloc(p->pool, *v,
						 (*n ? *n * 2 : 1) * sizeof(*nv));
		if (!nv) {
			perr(p, cur(p)->pos, "template too large (memory limit)");
			return false;
		}
		*v = nv;
	}
	(*v)[(*n)++] = x;
	return true;
}

static bool push_name(struct parser *p, const char ***v, size_t n,
		      const char *x)
{
	if ((n & (n - 1)) == 0) {
		const char **nv = tpool_realloc(p->pool, (void *)*v,
						(n ? n * 2 : 1) * sizeof(*nv));
		if (!nv) {
			perr(p, cur(p)->pos, "template too large (memory limit)");
			return false;
		}
		*v = nv;
	}
	(*v)[n] = x;
	return true;
}

static struct node *parse_expression(struct parser *p, bool condexpr);
static struct node *parse_unary(struct parser *p, bool with_filter);
static struct node *parse_primary(struct parser *p);
static struct node *parse_postfix(struct parser *p, struct node *nd);
static struct node *parse_body(struct parser *p, const char *const *ends);

static bool enter(struct parser *p)
{
	if (++p->depth > TMPL_MAX_DEPTH) {
		perr(p, cur(p)->pos, "nesting deeper than %d levels",
		     TMPL_MAX_DEPTH);
		return false;
	}
	return true;
}

static bool is_tuple_end(struct parser *p, const char *const *extra)
{
	struct tok *t = cur(p);
	if (t->k == TK_VAR_END || t->k == TK_BLOCK_END || tok_is(t, TK_OP, ")"))
		return true;
	for (; extra && *extra; extra++)
		if (tok_is(t, TK_NAME, *extra))
			return true;
	return false;
}

/* Jinja's parse_tuple. */
static struct node *parse_tuple(struct parser *p, bool simplified,
				bool condexpr, const char *const *extra,
				bool explicit_parens)
{
	struct tpos line = cur(p)->pos;
	struct node *tup = mknode(p, N_TUPLE, line);
	bool is_tuple = false;
	if (!tup)
		return NULL;
	for (;;) {
		if (tup->nv && !expect_op(p, ","))
			return NULL;
		if (is_tuple_end(p, extra))
			break;
		struct node *x = simplified ? parse_primary(p) :
					      parse_expression(p, condexpr);
		if (!x || !push_node(p, &tup->v, &tup->nv, x))
			return NULL;
		if (is_op(p, ","))
			is_tuple = true;
		else
			break;
	}
	if (!is_tuple) {
		if (tup->nv)
			return tup->v[0];
		if (!explicit_parens) {
			perr(p, cur(p)->pos, "expected an expression, got '%s'",
			     tok_desc(cur(p)));
			return NULL;
		}
	}
	return tup;
}

static struct node *mkconst(struct parser *p, struct tpos line, enum tval_kind k)
{
	struct node *nd = mknode(p, N_CONST, line);
	if (!nd)
		return NULL;
	nd->val = tpool_alloc(p->pool, sizeof(*nd->val));
	if (!nd->val) {
		perr(p, line, "template too large (memory limit)");
		return NULL;
	}
	nd->val->k = k;
	return nd;
}

static struct node *parse_primary(struct parser *p)
{
	struct tok *t = cur(p);
	struct node *nd;
	switch (t->k) {
	case TK_NAME:
		advance(p);
		if (!strcmp(t->s, "true") || !strcmp(t->s, "True") ||
		    !strcmp(t->s, "false") || !strcmp(t->s, "False")) {
			nd = mkconst(p, t->pos, TV_BOOL);
			if (nd)
				nd->val->u.b = t->s[0] == 't' || t->s[0] == 'T';
			return nd;
		}
		if (!strcmp(t->s, "none") || !strcmp(t->s, "None"))
			return mkconst(p, t->pos, TV_NONE);
		nd = mknode(p, N_NAME, t->pos);
		if (nd)
			nd->name = t->s;
		if (nd && p->macro) {
			if (!strcmp(t->s, "caller"))
				p->macro->uses_caller = true;
			else if (!strcmp(t->s, "varargs"))
				p->macro->uses_varargs = true;
			else if (!strcmp(t->s, "kwargs"))
				p->macro->uses_kwargs = true;
		}
		return nd;
	case TK_STRING: {
		struct mae_buf b = MAE_BUF_INIT;
		struct tpos line = t->pos;
		while (cur(p)->k == TK_STRING) {
			mae_buf_add(&b, cur(p)->s, cur(p)->n);
			advance(p);
		}
		nd = mkconst(p, line, TV_STR);
		if (nd) {
			nd->val->u.str.n = b.len;
			nd->val->u.str.s = tpool_strndup(p->pool, mae_buf_str(&b),
							 b.len);
		}
		mae_buf_release(&b);
		return nd;
	}
	case TK_INT:
		advance(p);
		nd = mkconst(p, t->pos, TV_INT);
		if (nd)
			nd->val->u.i = t->i;
		return nd;
	case TK_FLOAT:
		advance(p);
		nd = mkconst(p, t->pos, TV_FLOAT);
		if (nd)
			nd->val->u.f = t->f;
		return nd;
	case TK_OP:
		if (!strcmp(t->s, "(")) {
			if (!enter(p))
				return NULL;
			advance(p);
			nd = parse_tuple(p, false, true, NULL, true);
			p->depth--;
			if (nd && !expect_op(p, ")"))
				return NULL;
			return nd;
		}
		if (!strcmp(t->s, "[") || !strcmp(t->s, "{")) {
			bool dict = t->s[0] == '{';
			const char *close = dict ? "}" : "]";
			advance(p);
			nd = mknode(p, dict ? N_DICT : N_LIST, t->pos);
			if (!nd)
				return NULL;
			size_t nvals = 0;
			if (!enter(p))
				return NULL;
			while (!is_op(p, close)) {
				if (nd->nv && !expect_op(p, ","))
					return NULL;
				if (is_op(p, close))
					break;
				struct node *x = parse_expression(p, true);
				if (!x || !push_node(p, &nd->v, &nd->nv, x))
					return NULL;
				if (dict) {
					if (!expect_op(p, ":"))
						return NULL;
					x = parse_expression(p, true);
					if (!x || !push_node(p, &nd->v2, &nvals, x))
						return NULL;
				}
			}
			p->depth--;
			advance(p);
			return nd;
		}
		break;
	default:
		break;
	}
	if (t->k == TK_EOF)
		perr(p, t->pos, "unexpected end of template");
	else
		perr(p, t->pos, "unexpected '%s'", tok_desc(t));
	return NULL;
}

/* Arguments of a call: "(" already current. */
static bool parse_args(struct parser *p, struct node *call)
{
	size_t nkw = 0;
	if (!enter(p) || !expect_op(p, "("))
		return false;
	bool need_comma = false;
	while (!is_op(p, ")")) {
		if (need_comma) {
			if (!expect_op(p, ","))
				return false;
			if (is_op(p, ")"))
				break;
		}
		if (is_op(p, "*") || is_op(p, "**")) {
			perr(p, cur(p)->pos,
			     "unsupported '%s' argument in a call", cur(p)->s);
			return false;
		}
		if (cur(p)->k == TK_NAME && tok_is(look(p), TK_OP, "=")) {
			const char *key = cur(p)->s;
			advance(p);
			advance(p);
			struct node *x = parse_expression(p, true);
			if (!x || !push_name(p, &call->names, nkw, key) ||
			    !push_node(p, &call->v2, &nkw, x))
				return false;
			call->nnames = nkw;
		} else {
			if (nkw) {
				perr(p, cur(p)->pos,
				     "invalid syntax for function call expression");
				return false;
			}
			struct node *x = parse_expression(p, true);
			if (!x || !push_node(p, &call->v, &call->nv, x))
				return false;
		}
		need_comma = true;
	}
	advance(p);
	p->depth--;
	return true;
}

static bool in_list(const char *s, const char *const *l)
{
	for (; *l; l++)
		if (!strcmp(s, *l))
			return true;
	return false;
}

static struct node *parse_filter(struct parser *p, struct node *nd)
{
	while (is_op(p, "|")) {
		advance(p);
		struct tok *t = cur(p);
		if (!expect_kind(p, TK_NAME, "a filter name"))
			return NULL;
		const struct tfilter *def = tfilter_find(t->s);
		if (is_op(p, ".") || !def) {
			perr(p, t->pos, "unsupported filter '%s'", t->s);
			return NULL;
		}
		struct node *f = mknode(p, N_FILTER, t->pos);
		if (!f)
			return NULL;
		f->a = nd;
		f->name = t->s;
		f->filter = def;
		if (is_op(p, "(") && !parse_args(p, f))
			return NULL;
		nd = f;
	}
	return nd;
}

static struct node *parse_test(struct parser *p, struct node *nd)
{
	struct tpos line = cur(p)->pos;
	advance(p); /* is */
	bool neg = false;
	if (is_name(p, "not")) {
		advance(p);
		neg = true;
	}
	struct tok *t = cur(p);
	if (!expect_kind(p, TK_NAME, "a test name"))
		return NULL;
	if (is_op(p, ".") || (strcmp(t->s, "defined") && strcmp(t->s, "undefined") &&
			      strcmp(t->s, "none"))) {
		perr(p, t->pos, "unsupported test '%s'", t->s);
		return NULL;
	}
	struct tok *c = cur(p);
	if (tok_is(c, TK_OP, "(") ||
	    ((c->k == TK_NAME || c->k == TK_STRING || c->k == TK_INT ||
	      c->k == TK_FLOAT || tok_is(c, TK_OP, "[") || tok_is(c, TK_OP, "{")) &&
	     !tok_is(c, TK_NAME, "else") && !tok_is(c, TK_NAME, "or") &&
	     !tok_is(c, TK_NAME, "and"))) {
		perr(p, t->pos, "unsupported argument to test '%s'", t->s);
		return NULL;
	}
	struct node *x = mknode(p, N_TEST, line);
	if (!x)
		return NULL;
	x->a = nd;
	x->name = t->s;
	if (neg) {
		struct node *n = mknode(p, N_NOT, line);
		if (!n)
			return NULL;
		n->a = x;
		return n;
	}
	return x;
}

/* `nd(...)`: a call of what was parsed so far. */
static struct node *parse_call(struct parser *p, struct node *nd)
{
	struct node *c = mknode(p, N_CALL, cur(p)->pos);
	if (!c)
		return NULL;
	c->a = nd;
	return parse_args(p, c) ? c : NULL;
}

static struct node *parse_filter_expr(struct parser *p, struct node *nd)
{
	while (nd) {
		if (is_op(p, "|"))
			nd = parse_filter(p, nd);
		else if (is_name(p, "is"))
			nd = parse_test(p, nd);
		else if (is_op(p, "("))
			nd = parse_call(p, nd);
		else
			break;
	}
	return nd;
}

static struct node *parse_subscript(struct parser *p, struct node *nd)
{
	struct tok *t = cur(p);
	advance(p);
	if (!strcmp(t->s, ".")) {
		struct tok *a = cur(p);
		advance(p);
		if (a->k == TK_NAME) {
			struct node *g = mknode(p, N_GETATTR, t->pos);
			if (g) {
				g->a = nd;
				g->name = a->s;
			}
			return g;
		}
		if (a->k != TK_INT) {
			perr(p, a->pos, "expected name or number");
			return NULL;
		}
		struct node *g = mknode(p, N_GETITEM, t->pos);
		struct node *k = mkconst(p, t->pos, TV_INT);
		if (!g || !k)
			return NULL;
		k->val->u.i = a->i;
		g->a = nd;
		g->b = k;
		return g;
	}
	/* [ */
	struct node *tup = mknode(p, N_TUPLE, t->pos);
	if (!tup || !enter(p))
		return NULL;
	while (!is_op(p, "]")) {
		if (tup->nv && !expect_op(p, ","))
			return NULL;
		if (is_op(p, ":")) {
			perr(p, cur(p)->pos, "unsupported slice");
			return NULL;
		}
		struct node *x = parse_expression(p, true);
		if (!x)
			return NULL;
		if (is_op(p, ":")) {
			perr(p, cur(p)->pos, "unsupported slice");
			return NULL;
		}
		if (!push_node(p, &tup->v, &tup->nv, x))
			return NULL;
	}
	advance(p);
	p->depth--;
	struct node *g = mknode(p, N_GETITEM, t->pos);
	if (!g)
		return NULL;
	g->a = nd;
	if (tup->nv == 0) {
		perr(p, t->pos, "expected an expression, got ']'");
		return NULL;
	}
	g->b = tup->nv == 1 ? tup->v[0] : tup;
	return g;
}

static struct node *parse_postfix(struct parser *p, struct node *nd)
{
	while (nd) {
		if (is_op(p, ".") || is_op(p, "["))
			nd = parse_subscript(p, nd);
		else if (is_op(p, "("))
			nd = parse_call(p, nd);
		else
			break;
	}
	return nd;
}

static struct node *parse_unary(struct parser *p, bool with_filter)
{
	struct tok *t = cur(p);
	struct node *nd;
	if (is_op(p, "-") || is_op(p, "+")) {
		if (!enter(p))
			return NULL;
		advance(p);
		nd = mknode(p, t->s[0] == '-' ? N_NEG : N_POS, t->pos);
		if (nd && !(nd->a = parse_unary(p, false)))
			nd = NULL;
		p->depth--;
	} else {
		nd = parse_primary(p);
	}
	nd = parse_postfix(p, nd);
	if (with_filter)
		nd = parse_filter_expr(p, nd);
	return nd;
}

static struct node *binop(struct parser *p, struct tok *t, struct node *l,
			  struct node *r, enum node_kind k)
{
	if (!l || !r)
		return NULL;
	struct node *nd = mknode(p, k, t->pos);
	if (!nd)
		return NULL;
	nd->a = l;
	nd->b = r;
	nd->opname = t->s;
	return nd;
}

/* Is the current token one of ops (operators, or names when names)? */
static bool at_any(struct parser *p, const char *const *ops, bool names)
{
	for (; *ops; ops++)
		if (names ? is_name(p, *ops) : is_op(p, *ops))
			return true;
	return false;
}

/* operand (op operand)*, left-associative, as Jinja2 parses + - * ** ... */
static struct node *parse_left(struct parser *p,
			       struct node *(*operand)(struct parser *),
			       const char *const *ops, bool names,
			       enum node_kind k)
{
	struct node *l = operand(p);
	while (l && at_any(p, ops, names)) {
		struct tok *t = cur(p);
		advance(p);
		l = binop(p, t, l, operand(p), k);
	}
	return l;
}

static struct node *parse_unary_filtered(struct parser *p)
{
	return parse_unary(p, true);
}

static struct node *parse_pow(struct parser *p)
{
	static const char *const ops[] = { "**", NULL };
	return parse_left(p, parse_unary_filtered, ops, false, N_BINOP);
}

static struct node *parse_math2(struct parser *p)
{
	static const char *const ops[] = { "*", "/", "//", "%", NULL };
	return parse_left(p, parse_pow, ops, false, N_BINOP);
}

static struct node *parse_concat(struct parser *p)
{
	struct tpos line = cur(p)->pos;
	struct node *first = parse_math2(p);
	if (!first || !is_op(p, "~"))
		return first;
	struct node *nd = mknode(p, N_CONCAT, line);
	if (!nd || !push_node(p, &nd->v, &nd->nv, first))
		return NULL;
	while (is_op(p, "~")) {
		advance(p);
		struct node *x = parse_math2(p);
		if (!x || !push_node(p, &nd->v, &nd->nv, x))
			return NULL;
	}
	return nd;
}

static struct node *parse_math1(struct parser *p)
{
	static const char *const ops[] = { "+", "-", NULL };
	return parse_left(p, parse_concat, ops, false, N_BINOP);
}

static struct node *parse_compare(struct parser *p)
{
	struct tpos line = cur(p)->pos;
	struct node *e = parse_math1(p);
	struct node *cmp = NULL;
	size_t nops = 0;
	while (e) {
		const char *op = NULL;
		struct tok *t = cur(p);
		if (t->k == TK_OP && (!strcmp(t->s, "==") || !strcmp(t->s, "!=") ||
				      !strcmp(t->s, "<") || !strcmp(t->s, "<=") ||
				      !strcmp(t->s, ">") || !strcmp(t->s, ">="))) {
			op = t->s;
			advance(p);
		} else if (tok_is(t, TK_NAME, "in")) {
			op = "in";
			advance(p);
		} else if (tok_is(t, TK_NAME, "not") &&
			   tok_is(look(p), TK_NAME, "in")) {
			op = "not in";
			advance(p);
			advance(p);
		} else
			break;
		if (!cmp) {
			cmp = mknode(p, N_COMPARE, line);
			if (!cmp)
				return NULL;
			cmp->a = e;
		}
		struct node *r = parse_math1(p);
		if (!r || !push_name(p, &cmp->ops, nops, op) ||
		    !push_node(p, &cmp->v, &nops, r))
			return NULL;
		cmp->nv = nops;
	}
	return cmp && e ? cmp : e;
}

static struct node *parse_not(struct parser *p)
{
	if (is_name(p, "not")) {
		struct tok *t = cur(p);
		advance(p);
		if (!enter(p))
			return NULL;
		struct node *nd = mknode(p, N_NOT, t->pos);
		if (nd && !(nd->a = parse_not(p)))
			nd = NULL;
		p->depth--;
		return nd;
	}
	return parse_compare(p);
}

static struct node *parse_and(struct parser *p)
{
	static const char *const ops[] = { "and", NULL };
	return parse_left(p, parse_not, ops, true, N_AND);
}

static struct node *parse_or(struct parser *p)
{
	static const char *const ops[] = { "or", NULL };
	return parse_left(p, parse_and, ops, true, N_OR);
}

static struct node *parse_condexpr(struct parser *p)
{
	struct node *e1 = parse_or(p);
	while (e1 && is_name(p, "if")) {
		struct tpos line = cur(p)->pos;
		advance(p);
		struct node *nd = mknode(p, N_COND, line);
		if (!nd || !enter(p))
			return NULL;
		nd->a = e1;
		nd->b = parse_or(p);
		if (!nd->b)
			return NULL;
		if (is_name(p, "else")) {
			advance(p);
			if (!(nd->c = parse_condexpr(p)))
				return NULL;
		}
		p->depth--;
		e1 = nd;
	}
	return e1;
}

static struct node *parse_expression(struct parser *p, bool condexpr)
{
	return condexpr ? parse_condexpr(p) : parse_or(p);
}

/* ------------------------------------------------------------------ */
/* Statements                                                           */

static bool expect_block_end(struct parser *p)
{
	return expect_kind(p, TK_BLOCK_END, "end of statement block");
}

/* A name, name.attr, or a tuple of names (with_ns: name.attr allowed). */
static struct node *parse_assign_target(struct parser *p, bool with_tuple,
					bool name_only, bool with_ns,
					const char *const *extra)
{
	struct node *t;
	struct tpos line = cur(p)->pos;
	if (with_ns && cur(p)->k == TK_NAME && tok_is(look(p), TK_OP, ".")) {
		const char *obj = cur(p)->s;
		advance(p);
		advance(p);
		struct tok *a = cur(p);
		if (!expect_kind(p, TK_NAME, "a name"))
			return NULL;
		t = mknode(p, N_GETATTR, line);
		struct node *o = mknode(p, N_NAME, line);
		if (!t || !o)
			return NULL;
		o->name = obj;
		t->a = o;
		t->name = a->s;
		return t;
	}
	if (name_only) {
		struct tok *a = cur(p);
		if (!expect_kind(p, TK_NAME, "a name"))
			return NULL;
		t = mknode(p, N_NAME, line);
		if (t)
			t->name = a->s;
	} else if (with_tuple) {
		t = parse_tuple(p, true, true, extra, false);
	} else {
		t = parse_primary(p);
	}
	if (!t)
		return NULL;
	bool ok = t->k == N_NAME;
	if (t->k == N_TUPLE) {
		ok = true;
		for (size_t i = 0; i < t->nv; i++)
			ok = ok && t->v[i]->k == N_NAME;
	}
	if (!ok) {
		perr(p, line, "can't assign to this expression");
		return NULL;
	}
	for (size_t i = 0; p->in_for && i < (t->k == N_TUPLE ? t->nv : 1); i++) {
		struct node *x = t->k == N_TUPLE ? t->v[i] : t;
		if (!strcmp(x->name, "loop")) {
			perr(p, line, "can't assign to special loop variable in "
			     "for-loop target");
			return NULL;
		}
	}
	return t;
}

static bool check_assign_name(struct parser *p, struct node *t)
{
	const char *const bad[] = { "true", "false", "none", "True", "False",
				    "None", NULL };
	if (t->k == N_NAME && in_list(t->name, bad)) {
		perr(p, t->pos, "can't assign to '%s'", t->name);
		return false;
	}
	return true;
}

static struct node *parse_for_rest(struct parser *p, struct node *nd,
				   const char *const *in_end,
				   const char *const *rec_end,
				   const char *const *body_end,
				   const char *const *else_end);

static struct node *parse_for(struct parser *p, struct tpos line)
{
	static const char *const in_end[] = { "in", NULL };
	static const char *const rec_end[] = { "recursive", NULL };
	static const char *const body_end[] = { "endfor", "else", NULL };
	static const char *const else_end[] = { "endfor", NULL };
	struct node *nd = mknode(p, S_FOR, line);
	if (!nd)
		return NULL;
	p->in_for++;
	nd = parse_for_rest(p, nd, in_end, rec_end, body_end, else_end);
	p->in_for--;
	return nd;
}

static struct node *parse_for_rest(struct parser *p, struct node *nd,
				   const char *const *in_end,
				   const char *const *rec_end,
				   const char *const *body_end,
				   const char *const *else_end)
{
	if (!(nd->a = parse_assign_target(p, true, false, false, in_end)))
		return NULL;

	if (!is_name(p, "in")) {
		perr(p, cur(p)->pos, "expected 'in', got '%s'", tok_desc(cur(p)));
		return NULL;
	}
	advance(p);
	if (!(nd->b = parse_tuple(p, false, false, rec_end, false)))
		return NULL;
	if (is_name(p, "if")) {
		advance(p);
		if (!(nd->c = parse_expression(p, true)))
			return NULL;
	}
	if (is_name(p, "recursive")) {
		perr(p, cur(p)->pos, "unsupported recursive loop");
		return NULL;
	}
	if (!expect_block_end(p) || !(nd->d = parse_body(p, body_end)))
		return NULL;
	if (is_name(p, "else")) {
		advance(p);
		if (!expect_block_end(p) || !(nd->e = parse_body(p, else_end)))
			return NULL;
	}
	advance(p); /* endfor */
	return expect_block_end(p) ? nd : NULL;
}

static struct node *parse_if(struct parser *p, struct tpos line)
{
	static const char *const ends[] = { "elif", "else", "endif", NULL };
	static const char *const else_end[] = { "endif", NULL };
	struct node *top = mknode(p, S_IF, line), *nd = top;
	if (!top)
		return NULL;
	for (;;) {
		if (!(nd->a = parse_tuple(p, false, false, NULL, false)) ||
		    !expect_block_end(p) || !(nd->d = parse_body(p, ends)))
			return NULL;
		if (is_name(p, "elif")) {
			struct node *e = mknode(p, S_IF, cur(p)->pos);
			advance(p);
			if (!e)
				return NULL;
			struct node *body = mknode(p, S_BODY, e->pos);
			if (!body || !push_node(p, &body->v, &body->nv, e))
				return NULL;
			nd->e = body;
			nd = e;
			continue;
		}
		if (is_name(p, "else")) {
			advance(p);
			if (!expect_block_end(p) ||
			    !(nd->e = parse_body(p, else_end)))
				return NULL;
		}
		break;
	}
	advance(p); /* endif */
	return expect_block_end(p) ? top : NULL;
}

static struct node *parse_set(struct parser *p, struct tpos line)
{
	static const char *const ends[] = { "endset", NULL };
	struct node *nd = mknode(p, S_SET, line);
	if (!nd || !(nd->a = parse_assign_target(p, true, false, true, NULL)) ||
	    !check_assign_name(p, nd->a))
		return NULL;
	if (is_op(p, "=")) {
		advance(p);
		if (!(nd->b = parse_tuple(p, false, true, NULL, false)))
			return NULL;
		return expect_block_end(p) ? nd : NULL;
	}
	if (is_op(p, "|")) {
		perr(p, cur(p)->pos, "unsupported filter on a block set");
		return NULL;
	}
	nd->k = S_SETBLOCK;
	if (!expect_block_end(p) || !(nd->d = parse_body(p, ends)))
		return NULL;
	advance(p);
	return expect_block_end(p) ? nd : NULL;
}

static struct node *parse_with(struct parser *p, struct tpos line)
{
	static const char *const ends[] = { "endwith", NULL };
	struct node *nd = mknode(p, S_WITH, line);
	size_t nv = 0;
	if (!nd)
		return NULL;
	while (cur(p)->k != TK_BLOCK_END) {
		if (nd->nnames && !expect_op(p, ","))
			return NULL;
		struct node *t = parse_assign_target(p, false, false, false, NULL);
		if (!t || !check_assign_name(p, t))
			return NULL;
		if (t->k != N_NAME) {
			perr(p, t->pos, "unsupported tuple target in 'with'");
			return NULL;
		}
		if (!expect_op(p, "="))
			return NULL;
		struct node *v = parse_expression(p, true);
		if (!v || !push_name(p, &nd->names, nd->nnames, t->name) ||
		    !push_node(p, &nd->v, &nv, v))
			return NULL;
		nd->nnames = nv;
		nd->nv = nv;
	}
	advance(p);
	if (!(nd->d = parse_body(p, ends)))
		return NULL;
	advance(p);
	return expect_block_end(p) ? nd : NULL;
}

/* Macro or caller signature: "(" a, b=default ")". */
static bool parse_signature(struct parser *p, struct node *nd)
{
	size_t nd2 = 0;
	if (!expect_op(p, "("))
		return false;
	while (!is_op(p, ")")) {
		if (nd->nnames && !expect_op(p, ","))
			return false;
		struct node *t = parse_assign_target(p, false, true, false, NULL);
		if (!t || !check_assign_name(p, t))
			return false;
		struct node *def = NULL;
		if (is_op(p, "=")) {
			advance(p);
			if (!(def = parse_expression(p, true)))
				return false;
		} else if (nd2 && nd->v2[nd2 - 1]) {
			perr(p, t->pos, "non-default argument follows default argument");
			return false;
		}
		if (!def && !strcmp(t->name, "caller")) {
			perr(p, t->pos, "the special 'caller' argument must be "
			     "omitted or be given a default");
			return false;
		}
		if (!push_name(p, &nd->names, nd->nnames, t->name) ||
		    !push_node(p, &nd->v2, &nd2, def))
			return false;
		nd->nnames = nd2;
	}
	advance(p);
	return true;
}

/* The body of a macro or call block, whose caller/varargs/kwargs uses
 * are noted on nd, up to and including its end tag. */
static struct node *parse_macro_body(struct parser *p, struct node *nd,
				     const char *const *ends)
{
	struct node *saved = p->macro;
	p->macro = nd;
	nd->d = parse_body(p, ends);
	p->macro = saved;
	if (!nd->d)
		return NULL;
	advance(p);
	return expect_block_end(p) ? nd : NULL;
}

static struct node *parse_macro(struct parser *p, struct tpos line)
{
	static const char *const ends[] = { "endmacro", NULL };
	struct node *nd = mknode(p, S_MACRO, line);
	struct tok *t = cur(p);
	if (!nd || !expect_kind(p, TK_NAME, "a macro name"))
		return NULL;
	nd->name = t->s;
	if (!parse_signature(p, nd) || !expect_block_end(p))
		return NULL;
	return parse_macro_body(p, nd, ends);
}

static struct node *parse_call_block(struct parser *p, struct tpos line)
{
	static const char *const ends[] = { "endcall", NULL };
	struct node *nd = mknode(p, S_CALLBLOCK, line);
	if (!nd)
		return NULL;
	if (is_op(p, "(") && !parse_signature(p, nd))
		return NULL;
	if (!(nd->a = parse_expression(p, true)))
		return NULL;
	if (nd->a->k != N_CALL) {
		perr(p, line, "expected call");
		return NULL;
	}
	if (!expect_block_end(p))
		return NULL;
	return parse_macro_body(p, nd, ends);
}

static struct node *parse_block(struct parser *p, struct tpos line)
{
	static const char *const ends[] = { "endblock", NULL };
	struct node *nd = mknode(p, S_BLOCK, line);
	struct tok *t = cur(p);
	if (!nd || !expect_kind(p, TK_NAME, "a block name"))
		return NULL;
	nd->name = t->s;
	if (is_name(p, "scoped")) {
		advance(p);
		nd->op = 1;
	}
	if (is_name(p, "required")) {
		perr(p, cur(p)->pos, "unsupported required block");
		return NULL;
	}
	/* Jinja2 renders such a block once per iteration in a base template
	 * but also outside the blocks of a child template: refused rather
	 * than rendered differently */
	if (p->in_for) {
		perr(p, line, "unsupported 'block' inside a 'for' loop");
		return NULL;
	}
	if (cur(p)->k == TK_OP && !strcmp(cur(p)->s, "-")) {
		perr(p, cur(p)->pos, "use an underscore instead");
		return NULL;
	}
	for (size_t i = 0; i < p->nblocks; i++)
		if (!strcmp(p->blocks[i]->name, nd->name)) {
			perr(p, line, "block '%s' defined twice", nd->name);
			return NULL;
		}
	if (!push_node(p, &p->blocks, &p->nblocks, nd))
		return NULL;
	if (!expect_block_end(p))
		return NULL;
	struct node *saved = p->macro;
	p->macro = NULL;
	nd->d = parse_body(p, ends);
	p->macro = saved;
	if (!nd->d)
		return NULL;
	advance(p);
	if (cur(p)->k == TK_NAME) {
		if (strcmp(cur(p)->s, nd->name)) {
			perr(p, cur(p)->pos, "mismatching name '%s' for block '%s'",
			     cur(p)->s, nd->name);
			return NULL;
		}
		advance(p);
	}
	return expect_block_end(p) ? nd : NULL;
}

/* Optional "with context" / "without context"; returns -1 if absent. */
static int parse_context(struct parser *p)
{
	if ((is_name(p, "with") || is_name(p, "without")) &&
	    tok_is(look(p), TK_NAME, "context")) {
		int with = is_name(p, "with");
		advance(p);
		advance(p);
		return with;
	}
	return -1;
}

static struct node *parse_include(struct parser *p, struct tpos line)
{
	struct node *nd = mknode(p, S_INCLUDE, line);
	if (!nd || !(nd->a = parse_expression(p, true)))
		return NULL;
	if (is_name(p, "ignore") && tok_is(look(p), TK_NAME, "missing")) {
		advance(p);
		advance(p);
		nd->op |= 1;
	}
	if (parse_context(p) == 0)
		nd->op |= 2;
	return expect_block_end(p) ? nd : NULL;
}

static struct node *parse_import(struct parser *p, struct tpos line)
{
	struct node *nd = mknode(p, S_IMPORT, line);
	if (!nd || !(nd->a = parse_expression(p, true)))
		return NULL;
	if (!is_name(p, "as")) {
		perr(p, cur(p)->pos, "expected 'as', got '%s'", tok_desc(cur(p)));
		return NULL;
	}
	advance(p);
	struct node *t = parse_assign_target(p, false, true, false, NULL);
	if (!t || !check_assign_name(p, t))
		return NULL;
	nd->name = t->name;
	if (parse_context(p) == 1)
		nd->op |= 2;
	return expect_block_end(p) ? nd : NULL;
}

static struct node *parse_from(struct parser *p, struct tpos line)
{
	struct node *nd = mknode(p, S_FROMIMPORT, line);
	int ctx = -1;
	if (!nd || !(nd->a = parse_expression(p, true)))
		return NULL;
	if (!is_name(p, "import")) {
		perr(p, cur(p)->pos, "expected 'import', got '%s'",
		     tok_desc(cur(p)));
		return NULL;
	}
	advance(p);
	for (;;) {
		if (nd->nnames && !expect_op(p, ","))
			return NULL;
		if (cur(p)->k != TK_NAME) {
			expect_kind(p, TK_NAME, "a name");
			return NULL;
		}
		if ((ctx = parse_context(p)) >= 0)
			break;
		struct node *t = parse_assign_target(p, false, true, false, NULL);
		if (!t)
			return NULL;
		if (t->name[0] == '_') {
			perr(p, t->pos, "names starting with an underline can not be imported");
			return NULL;
		}
		const char *alias = t->name;
		if (is_name(p, "as")) {
			advance(p);
			struct node *a = parse_assign_target(p, false, true, false, NULL);
			if (!a)
				return NULL;
			alias = a->name;
		}
		if (!push_name(p, &nd->names, nd->nnames, t->name) ||
		    !push_name(p, &nd->names2, nd->nnames, alias))
			return NULL;
		nd->nnames++;
		if ((ctx = parse_context(p)) >= 0 || !is_op(p, ","))
			break;
	}
	if (ctx == 1)
		nd->op |= 2;
	return expect_block_end(p) ? nd : NULL;
}

static struct node *parse_statement(struct parser *p)
{
	struct tok *t = cur(p);
	struct tpos line = t->pos;
	struct node *nd = NULL;
	if (t->k != TK_NAME) {
		if (t->k == TK_EOF)
			perr(p, line, "unexpected end of template");
		else
			perr(p, line, "tag name expected");
		return NULL;
	}
	if (!enter(p))
		return NULL;
	advance(p);
	const char *w = t->s;
	if (!strcmp(w, "for"))
		nd = parse_for(p, line);
	else if (!strcmp(w, "if"))
		nd = parse_if(p, line);
	else if (!strcmp(w, "set"))
		nd = parse_set(p, line);
	else if (!strcmp(w, "with"))
		nd = parse_with(p, line);
	else if (!strcmp(w, "macro"))
		nd = parse_macro(p, line);
	else if (!strcmp(w, "call"))
		nd = parse_call_block(p, line);
	else if (!strcmp(w, "block"))
		nd = parse_block(p, line);
	else if (!strcmp(w, "include"))
		nd = parse_include(p, line);
	else if (!strcmp(w, "import"))
		nd = parse_import(p, line);
	else if (!strcmp(w, "from"))
		nd = parse_from(p, line);
	else if (!strcmp(w, "extends")) {
		nd = mknode(p, S_EXTENDS, line);
		if (nd && (!(nd->a = parse_expression(p, true)) ||
			   !expect_block_end(p)))
			nd = NULL;
	} else if (!strcmp(w, "print")) {
		nd = mknode(p, S_BODY, line);
		while (nd && cur(p)->k != TK_BLOCK_END) {
			struct node *e = mknode(p, S_PRINT, cur(p)->pos);
			if (nd->nv && !expect_op(p, ","))
				return NULL;
			if (!e || !(e->a = parse_expression(p, true)) ||
			    !push_node(p, &nd->v, &nd->nv, e))
				return NULL;
		}
		if (nd && !expect_block_end(p))
			nd = NULL;
	} else if (!strcmp(w, "filter") || !strcmp(w, "autoescape")) {
		perr(p, line, "unsupported tag '%s'", w);
	} else {
		perr(p, line, "unknown tag '%s'", w);
	}
	p->depth--;
	return nd;
}

/* Statements until one of ends (left current) or the end of input. */
static struct node *parse_body(struct parser *p, const char *const *ends)
{
	struct node *body = mknode(p, S_BODY, cur(p)->pos);
	if (!body)
		return NULL;
	for (;;) {
		struct tok *t = cur(p);
		struct node *nd = NULL;
		if (t->k == TK_EOF) {
			if (ends) {
				perr(p, t->pos, "unexpected end of template, "
				     "expected '%s'", ends[0]);
				return NULL;
			}
			break;
		}
		if (t->k == TK_DATA) {
			nd = mknode(p, S_DATA, t->pos);
			if (nd) {
				nd->s = t->s;
				nd->n = t->n;
			}
			advance(p);
		} else if (t->k == TK_VAR_BEGIN) {
			advance(p);
			nd = mknode(p, S_PRINT, t->pos);
			if (nd && (!(nd->a = parse_tuple(p, false, true, NULL, false)) ||
				   !expect_kind(p, TK_VAR_END, "end of print statement")))
				nd = NULL;
		} else if (t->k == TK_BLOCK_BEGIN) {
			advance(p);
			if (ends && cur(p)->k == TK_NAME && in_list(cur(p)->s, ends))
				break;
			nd = parse_statement(p);
		} else {
			perr(p, t->pos, "unexpected '%s'", tok_desc(t));
		}
		if (!nd || !push_node(p, &body->v, &body->nv, nd))
			return NULL;
	}
	return body;
}

int tmpl_parse(struct tfile *tf, struct tok *toks, size_t ntoks,
	       struct tpool *pool, struct mae_diags *d)
{
	struct parser p = { .tf = tf, .t = toks, .n = ntoks, .pool = pool,
			    .d = d };
	tf->root = parse_body(&p, NULL);
	if (!tf->root || p.failed)
		return -1;
	tf->blocks = p.blocks;
	tf->nblocks = p.nblocks;
	return 0;
}
