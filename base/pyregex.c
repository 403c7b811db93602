/*
 * pyregex.c - Python `re` patterns, matched by PCRE2 (see pyregex.h).
 *
 * The translator below follows CPython 3.11's sre_parse: the same
 * grammar, the same refusals and messages (positions are 0-based byte
 * offsets, as Python's are for ASCII patterns).  It writes a PCRE2
 * pattern whose meaning is Python's:
 *   - every literal in a character class is written \x{..}, so PCRE2's
 *     POSIX classes ([:alpha:]) and escapes Python lacks cannot appear;
 *   - \Z (end of text in Python) becomes \z, \v (a character in Python)
 *     \x{0b}, octal escapes and \x, \u, \U become \x{..};
 *   - backreferences become \g{N} and named groups plain groups (names
 *     are resolved here), so PCRE2's rules on names do not apply;
 *   - \s and \S add U+001C..U+001F, which str.isspace() counts and
 *     Unicode's White_Space does not;
 *   - {,n} becomes {0,n} (PCRE2 10.42 reads it literally);
 *   - the verbose flag (x) is applied here: whitespace and comments are
 *     dropped before PCRE2 sees the pattern.
 * Options: UTF, UCP (unless (?a)), DOTALL, ALT_CIRCUMFLEX (Python's ^ in
 * multiline mode also matches after a final newline), newline LF.
 *
 * Must not: include pcre2.h from a header; use PCRE2's JIT (its limits are
 * not all honoured there); allocate outside the budgets of pyregex.h.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyregex.h"

/* Python's \s: what str.isspace() says (Unicode 14), or ASCII's. */
#define SPACE_UNICODE "\\x{9}-\\x{d}\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}" \
	"\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
#define SPACE_ASCII "\\x{9}-\\x{d}\\x{20}"

/* ------------------------------------------------------------------ */
/* A counting allocator: PCRE2 gets at most a budget of bytes.          */

struct budget {
	size_t used, limit;
};

struct mae_regex {
	pcre2_code *code;
	struct budget budget; /* the code's allocator frees through it */
};

static void *budget_malloc(size_t n, void *data)
{
	struct budget *b = data;
	if (n > b->limit - b->used || n > SIZE_MAX - sizeof(max_align_t))
		return NULL;
	max_align_t *p = malloc(n + sizeof(max_align_t));
	if (!p)
		return NULL;
	*(size_t *)p = n;
	b->used += n;
	return p + 1;
}

static void budget_free(void *p, void *data)
{
	struct budget *b = data;
	if (!p)
		return;
	max_align_t *h = (max_align_t *)p - 1;
	b->used -= *(size_t *)h;
	free(h);
}

/* ------------------------------------------------------------------ */
/* The translator                                                       */

struct group_name {
	const char *name; /* in the pattern, not NUL-terminated */
	size_t len;
	int gid;
};

struct tr {
	const char *s;
	size_t n, i;
	struct mae_buf *out;
	uint32_t options;   /* PCRE2 compile options from global flags */
	bool ascii;         /* (?a): no UCP */
	bool started;       /* something was parsed: global flags are late */
	int groups;         /* capturing groups opened so far */
	unsigned char *open; /* open[g]: group g not yet closed */
	size_t open_cap;
	struct group_name *names;
	size_t nnames, names_cap;
	int max_condref;    /* highest group number a (?(N)...) names */
	size_t condref_pos;
	bool failed;
	size_t errpos;
	char err[160];
};

MAE_PRINTF(3, 4)
static bool fail(struct tr *t, size_t pos, const char *fmt, ...)
{
	if (t->failed)
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
	t->failed = true;
	t->errpos = pos;
	return false;
}

static int peek(const struct tr *t)
{
	return t->i < t->n ? (unsigned char)t->s[t->i] : -1;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_octal(int c)
{
	return c >= '0' && c <= '7';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t seq_len(const struct tr *t, size_t at);

/* The code point of the character at t->i (the pattern is UTF-8, as
 * the YAML reader checked); t->i moves past it. */
static long take_char(struct tr *t)
{
	unsigned char c = (unsigned char)t->s[t->i];
	size_t k = seq_len(t, t->i);
	long v = k == 1 ? c : k == 2 ? c & 0x1f : k == 3 ? c & 0x0f : c & 0x07;
	for (size_t j = 1; j < k; j++)
		v = (v << 6) | ((unsigned char)t->s[t->i + j] & 0x3f);
	t->i += k;
	return v;
}

/* Length of the UTF-8 sequence starting with byte c (1 for ASCII). */
static size_t seq_len(const struct tr *t, size_t at)
{
	unsigned char c = (unsigned char)t->s[at];
	size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	return at + k <= t->n ? k : t->n - at;
}

/* The text of the escape at [from, t->i) for a message. */
static const char *esc_text(const struct tr *t, size_t from, char *buf,
			    size_t cap)
{
	size_t k = t->i - from;
	if (k > cap - 1)
		k = cap - 1;
	memcpy(buf, t->s + from, k);
	buf[k] = '\0';
	return buf;
}

/* Read exactly k hex digits after \x, \u or \U: the value, or -1. */
static long read_hex(struct tr *t, size_t start, int k)
{
	long v = 0;
	for (int j = 0; j < k; j++) {
		int h = peek(t) >= 0 ? hexval(peek(t)) : -1;
		if (h < 0) {
			char buf[16];
			return fail(t, start, "incomplete escape %s",
				    esc_text(t, start, buf, sizeof(buf))),
			       -1;
		}
		v = v * 16 + h;
		t->i++;
	}
	return v;
}

enum esc_kind {
	ESC_CHAR,     /* value holds one code point */
	ESC_CLASS,    /* text holds a PCRE2 class escape (\d ...) */
	ESC_SPACE,    /* \s */
	ESC_NSPACE,   /* \S */
	ESC_AT,       /* an assertion: \A \Z \b \B (outside a class) */
	ESC_GROUPREF, /* value holds a group number */
	ESC_ERROR,
};

struct esc {
	enum esc_kind kind;
	long value;
	char text[4];
};

/* A code point from an escape (\x, \u, \U, octal) at start. */
static bool esc_codepoint(struct tr *t, size_t start, int c, struct esc *e)
{
	long v;
	e->kind = ESC_CHAR;
	if (c == 'x')
		v = read_hex(t, start, 2);
	else if (c == 'u')
		v = read_hex(t, start, 4);
	else
		v = read_hex(t, start, 8);
	if (v < 0)
		return false;
	if (v > 0x10ffff) {
		char buf[16];
		return fail(t, start, "bad escape %s",
			    esc_text(t, start, buf, sizeof(buf)));
	}
	e->value = v;
	return true;
}

/*
 * The escape after a backslash at t->i - 1, as sre_parse's _escape
 * (in_class false) or _class_escape (in_class true) read it.
 */
static bool read_escape(struct tr *t, bool in_class, struct esc *e)
{
	size_t start = t->i - 1;
	int c = peek(t);
	memset(e, 0, sizeof(*e));
	if (c < 0)
		return fail(t, start, "bad escape (end of pattern)");
	t->i++;
	switch (c) {
	case 'd': case 'D': case 'w': case 'W':
		e->kind = ESC_CLASS;
		e->text[0] = '\\';
		e->text[1] = (char)c;
		return true;
	case 's':
		e->kind = ESC_SPACE;
		return true;
	case 'S':
		e->kind = ESC_NSPACE;
		return true;
	case 'a': e->kind = ESC_CHAR; e->value = 7; return true;
	case 'f': e->kind = ESC_CHAR; e->value = 12; return true;
	case 'n': e->kind = ESC_CHAR; e->value = 10; return true;
	case 'r': e->kind = ESC_CHAR; e->value = 13; return true;
	case 't': e->kind = ESC_CHAR; e->value = 9; return true;
	case 'v': e->kind = ESC_CHAR; e->value = 11; return true;
	case 'x': case 'u': case 'U':
		return esc_codepoint(t, start, c, e);
	case 'N':
		return fail(t, start, "named characters \\N{...} are not "
			    "supported (write the character or \\uXXXX)");
	case 'b':
		if (in_class) {
			e->kind = ESC_CHAR;
			e->value = 8;
			return true;
		}
		/* fall through */
	case 'A': case 'B': case 'Z':
		if (in_class)
			return fail(t, start, "bad escape \\%c", c);
		e->kind = ESC_AT;
		e->text[0] = '\\';
		e->text[1] = c == 'Z' ? 'z' : (char)c;
		return true;
	default:
		break;
	}
	if (c == '0' || (in_class && is_octal(c))) {
		long v = c - '0';
		for (int j = 0; j < 2 && peek(t) >= 0 && is_octal(peek(t)); j++)
			v = v * 8 + (t->s[t->i++] - '0');
		if (v > 0377) {
			char buf[8];
			return fail(t, start, "octal escape value %s outside "
				    "of range 0-0o377",
				    esc_text(t, start, buf, sizeof(buf)));
		}
		e->kind = ESC_CHAR;
		e->value = v;
		return true;
	}
	if (is_digit(c)) {
		if (in_class)
			return fail(t, start, "bad escape \\%c", c);
		long v = c - '0';
		if (is_digit(peek(t))) {
			int c2 = peek(t);
			if (is_octal(c) && is_octal(c2) && t->i + 1 < t->n &&
			    is_octal((unsigned char)t->s[t->i + 1])) {
				v = (c - '0') * 64 + (c2 - '0') * 8 +
				    (t->s[t->i + 1] - '0');
				t->i += 2;
				if (v > 0377) {
					char buf[8];
					return fail(t, start,
						    "octal escape value %s "
						    "outside of range 0-0o377",
						    esc_text(t, start, buf,
							     sizeof(buf)));
				}
				e->kind = ESC_CHAR;
				e->value = v;
				return true;
			}
			v = v * 10 + (c2 - '0');
			t->i++;
		}
		if (v >= t->groups + 1)
			return fail(t, start + 1, "invalid group reference %ld",
				    v);
		if (t->open[v])
			return fail(t, start + 1, "cannot refer to an open "
				    "group");
		e->kind = ESC_GROUPREF;
		e->value = v;
		return true;
	}
	if (is_alpha(c))
		return fail(t, start, "bad escape \\%c", c);
	/* any other character stands for itself */
	t->i--;
	e->kind = ESC_CHAR;
	e->value = take_char(t);
	return true;
}

/* Python takes i, I, U+0130 and U+0131 for one another when matching
 * case-insensitively; PCRE2 follows Unicode's case folding, which does
 * not. */
static bool turkish_i(long v)
{
	return v == 'i' || v == 'I' || v == 0x130 || v == 0x131;
}

#define TURKISH_I "iI\\x{130}\\x{131}"

/* Write the literal code point v for PCRE2. */
static void emit_char(struct tr *t, long v, bool caseless)
{
	if (caseless && turkish_i(v))
		mae_buf_adds(t->out, "[" TURKISH_I "]");
	else if (v < 0x80 && (is_alpha((int)v) || is_digit((int)v)))
		mae_buf_addc(t->out, (char)v);
	else
		mae_buf_addf(t->out, "\\x{%lx}", v);
}

static bool push_group(struct tr *t)
{
	t->groups++;
	if ((size_t)t->groups >= t->open_cap) {
		size_t cap = t->open_cap ? t->open_cap * 2 : 16;
		while (cap <= (size_t)t->groups)
			cap *= 2;
		t->open = mae_xrealloc(t->open, cap);
		memset(t->open + t->open_cap, 0, cap - t->open_cap);
		t->open_cap = cap;
	}
	t->open[t->groups] = 1;
	return true;
}

static int find_name(const struct tr *t, const char *name, size_t len)
{
	for (size_t j = 0; j < t->nnames; j++)
		if (t->names[j].len == len &&
		    memcmp(t->names[j].name, name, len) == 0)
			return t->names[j].gid;
	return 0;
}

/*
 * A group name up to the terminator `end`: Python accepts identifiers;
 * non-ASCII bytes are taken as identifier characters.
 */
static bool read_name(struct tr *t, char end, const char *what,
		      const char **ret, size_t *ret_len)
{
	size_t start = t->i;
	while (t->i < t->n && t->s[t->i] != end)
		t->i++;
	if (t->i >= t->n)
		return fail(t, start, "missing %c, unterminated name", end);
	size_t len = t->i - start;
	t->i++;
	if (len == 0)
		return fail(t, start, "missing %s", what);
	const char *p = t->s + start;
	for (size_t j = 0; j < len; j++) {
		unsigned char c = (unsigned char)p[j];
		bool ok = c >= 0x80 || is_alpha(c) || c == '_' ||
			  (j > 0 && is_digit(c));
		if (!ok)
			return fail(t, start, "bad character in group name "
				    "'%.*s'", (int)(len > 60 ? 60 : len), p);
	}
	*ret = p;
	*ret_len = len;
	return true;
}

/* Flags the translator applies itself: verbose (x) and, for the
 * Turkish i, case-insensitive (i). */
enum { FL_X = 1, FL_I = 2 };

static bool parse_alts(struct tr *t, unsigned fl, int nested);
static bool parse_seq(struct tr *t, unsigned *fl, int nested, bool first);

/* Inline flags after "(?" (first flag char at t->i); sre_parse's
 * _parse_flags.  Returns 1 for global flags, 2 for a scoped group (its
 * PCRE2 prefix written), 0 on error. */
static int parse_flags(struct tr *t, unsigned *fl, unsigned *add_ret,
		       unsigned *del_ret)
{
	enum { F_I = 1, F_M = 2, F_S = 4, F_X = 8, F_A = 16, F_U = 32 };
	const char *flags = "imsxau";
	unsigned add = 0, del = 0;
	int c = peek(t);
	size_t start = t->i;
	if (c != '-') {
		for (;;) {
			if (c == 'L')
				return fail(t, t->i, "bad inline flags: cannot "
					    "use 'L' flag with a str pattern"),
				       0;
			const char *f = strchr(flags, c);
			add |= 1u << (f - flags);
			if ((add & F_A) && (add & F_U))
				return fail(t, t->i, "bad inline flags: flags "
					    "'a', 'u' and 'L' are "
					    "incompatible"), 0;
			t->i++;
			c = peek(t);
			if (c < 0)
				return fail(t, t->i, "missing -, : or )"), 0;
			if (c == ')' || c == '-' || c == ':')
				break;
			if (!strchr(flags, c) || c == 0)
				return fail(t, t->i, is_alpha(c) ?
					    "unknown flag" :
					    "missing -, : or )"), 0;
		}
	}
	if (c == ')') {
		t->i++;
		*add_ret = add;
		*del_ret = 0;
		return 1;
	}
	if (c == '-') {
		t->i++;
		c = peek(t);
		if (c < 0)
			return fail(t, t->i, "missing flag"), 0;
		if (!strchr(flags, c) || c == 0 || c == 'L')
			return fail(t, t->i, is_alpha(c) ? "unknown flag" :
				    "missing flag"), 0;
		for (;;) {
			const char *f = strchr(flags, c);
			if ((1u << (f - flags)) & (F_A | F_U))
				return fail(t, t->i, "bad inline flags: cannot "
					    "turn off flags 'a', 'u' and "
					    "'L'"), 0;
			del |= 1u << (f - flags);
			t->i++;
			c = peek(t);
			if (c < 0)
				return fail(t, t->i, "missing :"), 0;
			if (c == ':')
				break;
			if (!strchr(flags, c) || c == 0 || c == 'L')
				return fail(t, t->i, is_alpha(c) ?
					    "unknown flag" : "missing :"), 0;
		}
	}
	t->i++; /* ':' */
	if (add & del)
		return fail(t, t->i - 1, "bad inline flags: flag turned on "
			    "and off"), 0;
	if (add & F_A)
		return fail(t, start, "scoped ASCII matching (?a:...) is not "
			    "supported: use (?a) at the start"), 0;
	if (add & F_X)
		*fl |= FL_X;
	if (del & F_X)
		*fl &= ~(unsigned)FL_X;
	if (add & F_I)
		*fl |= FL_I;
	if (del & F_I)
		*fl &= ~(unsigned)FL_I;
	mae_buf_adds(t->out, "(?");
	for (int j = 0; j < 3; j++)
		if (add & (1u << j))
			mae_buf_addc(t->out, flags[j]);
	if (del & (F_I | F_M | F_S)) {
		mae_buf_addc(t->out, '-');
		for (int j = 0; j < 3; j++)
			if (del & (1u << j))
				mae_buf_addc(t->out, flags[j]);
	}
	mae_buf_addc(t->out, ':');
	*add_ret = add;
	*del_ret = del;
	return 2;
}

static bool expect_close(struct tr *t, size_t open_pos)
{
	if (peek(t) != ')')
		return fail(t, open_pos, "missing ), unterminated subpattern");
	t->i++;
	mae_buf_addc(t->out, ')');
	return true;
}

/* A group at t->i (just after '('); *repeatable says whether a quantifier
 * may follow it, *skip that nothing was written (comments, flags). */
static bool parse_group(struct tr *t, unsigned *fl, int nested, bool first,
			bool has_items, bool *skip)
{
	size_t start = t->i - 1;
	*skip = false;
	if (nested >= MAE_REGEX_MAX_NEST)
		return fail(t, start, "groups nested deeper than %d levels",
			    MAE_REGEX_MAX_NEST);
	if (peek(t) != '?') {
		push_group(t);
		int gid = t->groups;
		mae_buf_addc(t->out, '(');
		if (!parse_alts(t, *fl, nested + 1))
			return false;
		t->open[gid] = 0;
		return expect_close(t, start);
	}
	t->i++;
	int c = peek(t);
	if (c < 0)
		return fail(t, t->i, "unexpected end of pattern");
	t->i++;
	const char *prefix = NULL;
	switch (c) {
	case ':': prefix = "(?:"; break;
	case '=': prefix = "(?="; break;
	case '!': prefix = "(?!"; break;
	case '>': prefix = "(?>"; break;
	case '<': {
		int d = peek(t);
		if (d < 0)
			return fail(t, t->i, "unexpected end of pattern");
		if (d != '=' && d != '!') {
			size_t k = seq_len(t, t->i);
			return fail(t, t->i - 2, "unknown extension ?<%.*s",
				    (int)k, t->s + t->i);
		}
		t->i++;
		prefix = d == '=' ? "(?<=" : "(?<!";
		break;
	}
	case '#':
		while (t->i < t->n && t->s[t->i] != ')')
			t->i++;
		if (t->i >= t->n)
			return fail(t, start, "missing ), unterminated "
				    "comment");
		t->i++;
		*skip = true;
		return true;
	case 'P': {
		int d = peek(t);
		if (d == '<') {
			t->i++;
			const char *name;
			size_t len;
			if (!read_name(t, '>', "group name", &name, &len))
				return false;
			int old = find_name(t, name, len);
			push_group(t);
			int gid = t->groups;
			if (old)
				return fail(t, start + 4, "redefinition of group "
					    "name '%.*s' as group %d; was group "
					    "%d", (int)(len > 60 ? 60 : len),
					    name, gid, old);
			if (t->nnames == t->names_cap) {
				t->names_cap = t->names_cap ? t->names_cap * 2 : 8;
				t->names = mae_xrealloc(t->names, t->names_cap *
							sizeof(*t->names));
			}
			t->names[t->nnames++] =
				(struct group_name){ name, len, gid };
			mae_buf_addc(t->out, '(');
			if (!parse_alts(t, *fl, nested + 1))
				return false;
			t->open[gid] = 0;
			return expect_close(t, start);
		}
		if (d == '=') {
			t->i++;
			const char *name;
			size_t len;
			size_t at = t->i;
			if (!read_name(t, ')', "group name", &name, &len))
				return false;
			int gid = find_name(t, name, len);
			if (!gid)
				return fail(t, at, "unknown group name '%.*s'",
					    (int)(len > 60 ? 60 : len), name);
			if (t->open[gid])
				return fail(t, at, "cannot refer to an open "
					    "group");
			mae_buf_addf(t->out, "(?:\\g{%d})", gid);
			return true;
		}
		if (d < 0)
			return fail(t, t->i, "unexpected end of pattern");
		return fail(t, t->i - 1, "unknown extension ?P%.*s",
			    (int)seq_len(t, t->i), t->s + t->i);
	}
	case '(': {
		size_t at = t->i;
		while (t->i < t->n && t->s[t->i] != ')')
			t->i++;
		if (t->i >= t->n)
			return fail(t, at, "missing ), unterminated name");
		size_t len = t->i - at;
		const char *name = t->s + at;
		t->i++;
		if (len == 0)
			return fail(t, at, "missing group name");
		long gid = 0;
		bool digits = true;
		for (size_t j = 0; j < len; j++)
			digits = digits && is_digit((unsigned char)name[j]);
		if (digits) {
			for (size_t j = 0; j < len && gid < 100000; j++)
				gid = gid * 10 + (name[j] - '0');
			if (gid == 0)
				return fail(t, at, "bad group number");
			if (gid >= 100000)
				return fail(t, at, "invalid group reference "
					    "%.*s", (int)(len > 20 ? 20 : len),
					    name);
			if (gid > t->max_condref) {
				t->max_condref = (int)gid;
				t->condref_pos = at;
			}
		} else {
			for (size_t j = 0; j < len; j++) {
				unsigned char ch = (unsigned char)name[j];
				if (!(ch >= 0x80 || is_alpha(ch) || ch == '_' ||
				      (j > 0 && is_digit(ch))))
					return fail(t, at, "bad character in "
						    "group name '%.*s'",
						    (int)(len > 60 ? 60 : len),
						    name);
			}
			gid = find_name(t, name, len);
			if (!gid)
				return fail(t, at, "unknown group name '%.*s'",
					    (int)(len > 60 ? 60 : len), name);
		}
		mae_buf_addf(t->out, "(?(%ld)", gid);
		unsigned v = *fl;
		if (!parse_seq(t, &v, nested + 1, false))
			return false;
		if (peek(t) == '|') {
			t->i++;
			mae_buf_addc(t->out, '|');
			v = *fl;
			if (!parse_seq(t, &v, nested + 1, false))
				return false;
			if (peek(t) == '|')
				return fail(t, t->i, "conditional backref with "
					    "more than two branches");
		}
		return expect_close(t, start);
	}
	default:
		break;
	}
	if (prefix) {
		mae_buf_adds(t->out, prefix);
		if (!parse_alts(t, *fl, nested + 1))
			return false;
		return expect_close(t, start);
	}
	if (c == '-' || c == 'L' || strchr("imsxau", c)) {
		t->i--;
		unsigned add, del;
		unsigned v = *fl;
		int kind = parse_flags(t, &v, &add, &del);
		if (kind == 0)
			return false;
		if (kind == 1) {
			if (!first || has_items)
				return fail(t, start, "global flags not at the "
					    "start of the expression");
			if (add & 1) {
				t->options |= PCRE2_CASELESS;
				*fl |= FL_I;
			}
			if (add & 2)
				t->options |= PCRE2_MULTILINE;
			if (add & 8)
				*fl |= FL_X;
			if (add & 16)
				t->ascii = true;
			*skip = true;
			return true;
		}
		if (!parse_alts(t, v, nested + 1))
			return false;
		return expect_close(t, start);
	}
	size_t k = seq_len(t, t->i - 1);
	return fail(t, start + 1, "unknown extension ?%.*s", (int)k,
		    t->s + t->i - 1);
}

/* The members of a class that are Python's \s. */
static const char *space_set(const struct tr *t)
{
	return t->ascii ? SPACE_ASCII : SPACE_UNICODE;
}

/* One member of a class at t->i: an escape or a character.  t->i moves
 * past it. */
static bool class_member(struct tr *t, struct esc *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = ESC_CHAR;
	if (peek(t) == '\\') {
		t->i++;
		return read_escape(t, true, e);
	}
	e->value = take_char(t);
	return true;
}

static void emit_member(struct tr *t, const struct esc *e)
{
	mae_buf_addf(t->out, "\\x{%lx}", e->value);
}

/* A character class at t->i (just after '['): sre_parse's set parser. */
static bool parse_class(struct tr *t, bool caseless)
{
	size_t start = t->i - 1;
	bool negate = false;
	if (peek(t) == '^') {
		negate = true;
		t->i++;
	}
	size_t body = t->i;
	/* members go to a side buffer: \S may turn the class into a group */
	struct mae_buf members, *out = t->out;
	mae_buf_init(&members);
	t->out = &members;
	bool has_nspace = false, turkish = false;
	bool ok = true;
	for (;;) {
		int c = peek(t);
		if (c < 0) {
			ok = fail(t, start, "unterminated character set");
			break;
		}
		if (c == ']' && t->i != body) {
			t->i++;
			break;
		}
		size_t item = t->i;
		struct esc e1;
		if (!class_member(t, &e1)) {
			ok = false;
			break;
		}
		if (peek(t) == '-' && t->i + 1 >= t->n) {
			ok = fail(t, start, "unterminated character set");
			break;
		}
		if (peek(t) != '-' || t->s[t->i + 1] == ']') {
			switch (e1.kind) {
			case ESC_CHAR:
				turkish = turkish || turkish_i(e1.value);
				emit_member(t, &e1);
				break;
			case ESC_CLASS:
				mae_buf_adds(t->out, e1.text);
				break;
			case ESC_SPACE:
				mae_buf_adds(t->out, space_set(t));
				break;
			case ESC_NSPACE:
				has_nspace = true;
				break;
			default:
				break;
			}
			continue;
		}
		/* a range: both ends must be characters */
		t->i++; /* '-' */
		struct esc e2;
		if (!class_member(t, &e2)) {
			ok = false;
			break;
		}
		if (e1.kind != ESC_CHAR || e2.kind != ESC_CHAR ||
		    e2.value < e1.value) {
			ok = fail(t, item, "bad character range %.*s",
				  (int)(t->i - item), t->s + item);
			break;
		}
		emit_member(t, &e1);
		mae_buf_addc(t->out, '-');
		emit_member(t, &e2);
		static const long is[] = { 'I', 'i', 0x130, 0x131 };
		for (size_t j = 0; j < 4; j++)
			turkish = turkish || (e1.value <= is[j] && is[j] <= e2.value);
	}
	if (turkish && caseless)
		mae_buf_adds(t->out, TURKISH_I);
	t->out = out;
	if (ok) {
		if (!has_nspace) {
			mae_buf_adds(out, negate ? "[^" : "[");
			mae_buf_add(out, members.s, members.len);
			mae_buf_addc(out, ']');
		} else {
			/* [..\S..] = (?:[..]|[^\s...]); negated: not that */
			mae_buf_adds(out, negate ? "(?!" : "(?:");
			if (members.len) {
				mae_buf_addc(out, '[');
				mae_buf_add(out, members.s, members.len);
				mae_buf_adds(out, "]|");
			}
			mae_buf_addf(out, "[^%s])", space_set(t));
			if (negate)
				mae_buf_adds(out, "(?s:.)");
		}
	}
	mae_buf_release(&members);
	return ok;
}

enum last_item {
	LAST_NONE,   /* nothing yet (start, after '|' or '(') */
	LAST_AT,     /* an assertion: ^ $ \A \Z \b \B */
	LAST_ITEM,   /* something a quantifier may follow */
	LAST_REPEAT, /* a quantifier */
};

/* A quantifier at t->i, if there is one: true with *q filled, or false
 * with t->i unchanged ('{' that is no quantifier is a literal). */
static bool read_quantifier(struct tr *t, bool *is_q)
{
	size_t here = t->i;
	int c = peek(t);
	*is_q = false;
	if (c == '*' || c == '+' || c == '?') {
		*is_q = true;
		return true;
	}
	if (c != '{')
		return true;
	t->i++;
	if (peek(t) == '}') {
		t->i = here;
		return true;
	}
	size_t lo_at = t->i;
	while (is_digit(peek(t)))
		t->i++;
	size_t lo_end = t->i, hi_at = t->i, hi_end = t->i;
	bool comma = false;
	if (peek(t) == ',') {
		comma = true;
		t->i++;
		hi_at = t->i;
		while (is_digit(peek(t)))
			t->i++;
		hi_end = t->i;
	}
	if (peek(t) != '}') {
		t->i = here;
		return true;
	}
	t->i++;
	*is_q = true;
	unsigned long long lo = 0, hi = 0;
	bool has_hi = false;
	for (size_t j = lo_at; j < lo_end && lo <= 4294967295ull; j++)
		lo = lo * 10 + (unsigned)(t->s[j] - '0');
	if (!comma) {
		hi = lo;
		has_hi = true;
	} else if (hi_end > hi_at) {
		for (size_t j = hi_at; j < hi_end && hi <= 4294967295ull; j++)
			hi = hi * 10 + (unsigned)(t->s[j] - '0');
		has_hi = true;
	}
	if (lo >= 4294967295ull || (has_hi && hi >= 4294967295ull))
		return fail(t, here, "the repetition number is too large");
	if (has_hi && hi < lo)
		return fail(t, here, "min repeat greater than max repeat");
	if (lo > MAE_REGEX_MAX_REPEAT ||
	    (has_hi && hi > MAE_REGEX_MAX_REPEAT))
		return fail(t, here, "repetition count above maestro's limit "
			    "of %d", MAE_REGEX_MAX_REPEAT);
	/* the text is written by the caller, normalised */
	t->i = here;
	return true;
}

/* Write the quantifier at t->i (read_quantifier said there is one). */
static void emit_quantifier(struct tr *t)
{
	int c = peek(t);
	if (c != '{') {
		mae_buf_addc(t->out, (char)c);
		t->i++;
		return;
	}
	t->i++;
	mae_buf_addc(t->out, '{');
	if (peek(t) == ',')
		mae_buf_addc(t->out, '0');
	while (peek(t) != '}')
		mae_buf_addc(t->out, t->s[t->i++]);
	mae_buf_addc(t->out, '}');
	t->i++;
}

static void skip_verbose(struct tr *t)
{
	for (;;) {
		int c = peek(t);
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			t->i++;
		} else if (c == '#') {
			while (t->i < t->n && t->s[t->i] != '\n')
				t->i++;
		} else {
			return;
		}
	}
}

/* One branch: items up to '|', ')' or the end.  *fl may be changed by
 * global flags at the start. */
static bool parse_seq(struct tr *t, unsigned *fl, int nested, bool first)
{
	enum last_item last = LAST_NONE;
	bool has_items = false;
	for (;;) {
		if (*fl & FL_X)
			skip_verbose(t);
		int c = peek(t);
		if (c < 0 || c == '|' || c == ')')
			return true;
		size_t here = t->i;
		bool is_q;
		if (!read_quantifier(t, &is_q))
			return false;
		if (is_q) {
			if (last == LAST_NONE || last == LAST_AT)
				return fail(t, here, "nothing to repeat");
			if (last == LAST_REPEAT)
				return fail(t, here, "multiple repeat");
			emit_quantifier(t);
			if (peek(t) == '?' || peek(t) == '+')
				mae_buf_addc(t->out, t->s[t->i++]);
			last = LAST_REPEAT;
			continue;
		}
		t->i++;
		has_items = true;
		switch (c) {
		case '(': {
			bool skip;
			if (!parse_group(t, fl, nested, first,
					 has_items && last != LAST_NONE, &skip))
				return false;
			if (!skip)
				last = LAST_ITEM;
			else if (last == LAST_NONE)
				has_items = false;
			break;
		}
		case '[':
			if (!parse_class(t, *fl & FL_I))
				return false;
			last = LAST_ITEM;
			break;
		case '\\': {
			struct esc e;
			if (!read_escape(t, false, &e))
				return false;
			last = LAST_ITEM;
			switch (e.kind) {
			case ESC_CHAR:
				emit_char(t, e.value, *fl & FL_I);
				break;
			case ESC_CLASS:
				mae_buf_adds(t->out, e.text);
				break;
			case ESC_SPACE:
				mae_buf_addf(t->out, "[%s]", space_set(t));
				break;
			case ESC_NSPACE:
				mae_buf_addf(t->out, "[^%s]", space_set(t));
				break;
			case ESC_AT:
				mae_buf_adds(t->out, e.text);
				last = LAST_AT;
				break;
			case ESC_GROUPREF:
				mae_buf_addf(t->out, "(?:\\g{%ld})", e.value);
				break;
			default:
				break;
			}
			break;
		}
		case '^':
		case '$':
			mae_buf_addc(t->out, (char)c);
			last = LAST_AT;
			break;
		case '.':
			mae_buf_addc(t->out, '.');
			last = LAST_ITEM;
			break;
		default:
			t->i--;
			emit_char(t, take_char(t), *fl & FL_I);
			last = LAST_ITEM;
			break;
		}
	}
}

static bool parse_alts(struct tr *t, unsigned fl, int nested)
{
	bool first = nested == 0;
	for (;;) {
		unsigned v = fl;
		if (!parse_seq(t, &v, nested, first))
			return false;
		if (nested == 0)
			fl = v; /* global flags hold for what follows */
		if (peek(t) != '|')
			return true;
		t->i++;
		mae_buf_addc(t->out, '|');
		first = false;
	}
}

/* Translate pattern; false with t->err on a refusal. */
static bool translate(struct tr *t)
{
	if (!parse_alts(t, false, 0))
		return false;
	if (t->i < t->n)
		return fail(t, t->i, "unbalanced parenthesis");
	if (t->max_condref > t->groups)
		return fail(t, t->condref_pos, "invalid group reference %d",
			    t->max_condref);
	return true;
}

/* ------------------------------------------------------------------ */

int mae_regex_compile(const char *pattern, struct mae_regex **ret,
			 struct mae_error *err)
{
	if (ret)
		*ret = NULL;
	size_t n = strlen(pattern);
	if (n > MAE_REGEX_MAX_LEN)
		return mae_error_set(err, MAE_ERR_INVALID, "longer than %d "
				     "bytes (%zu)", MAE_REGEX_MAX_LEN, n);
	struct mae_buf out;
	mae_buf_init(&out);
	struct tr t = { .s = pattern, .n = n, .out = &out };
	push_group(&t); /* group 0 is the whole match, never open */
	t.groups = 0;
	t.open[0] = 0;
	bool ok = translate(&t);
	free(t.open);
	free(t.names);
	if (!ok) {
		mae_buf_release(&out);
		return mae_error_set(err, MAE_ERR_INVALID, "%s at position %zu",
				     t.err, t.errpos);
	}

	struct mae_regex *r = mae_xcalloc(1, sizeof(*r));
	r->budget.limit = MAE_REGEX_COMPILE_HEAP;
	pcre2_general_context *gc =
		pcre2_general_context_create(budget_malloc, budget_free,
					     &r->budget);
	pcre2_compile_context *cc = gc ? pcre2_compile_context_create(gc) :
					 NULL;
	if (!cc) {
		pcre2_general_context_free(gc);
		mae_buf_release(&out);
		free(r);
		return mae_error_set(err, MAE_ERR_LIMIT, "out of memory");
	}
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	pcre2_set_parens_nest_limit(cc, 2 * MAE_REGEX_MAX_NEST + 8);
	pcre2_set_max_pattern_length(cc, out.len);
	uint32_t opts = t.options | PCRE2_UTF | PCRE2_DOTALL |
			PCRE2_ALT_CIRCUMFLEX | PCRE2_NEVER_BACKSLASH_C;
	if (!t.ascii)
		opts |= PCRE2_UCP;
	int code;
	PCRE2_SIZE off;
	r->code = pcre2_compile((PCRE2_SPTR)mae_buf_str(&out), out.len, opts,
				&code, &off, cc);
	pcre2_compile_context_free(cc);
	pcre2_general_context_free(gc);
	mae_buf_release(&out);
	if (!r->code) {
		free(r);
		PCRE2_UCHAR msg[160];
		if (code == PCRE2_ERROR_HEAPLIMIT || code == PCRE2_ERROR_NOMEMORY)
			return mae_error_set(err, MAE_ERR_INVALID, "too large to "
					     "compile in %u MiB",
					     MAE_REGEX_COMPILE_HEAP >> 20);
		if (code == PCRE2_ERROR_PATTERN_TOO_LARGE)
			return mae_error_set(err, MAE_ERR_INVALID, "too large "
					     "once compiled (PCRE2's limit is "
					     "64 KiB of compiled code)");
		pcre2_get_error_message(code, msg, sizeof(msg));
		return mae_error_set(err, MAE_ERR_INVALID, "%s", (char *)msg);
	}
	if (ret)
		*ret = r;
	else
		mae_regex_free(r);
	return 0;
}

void mae_regex_free(struct mae_regex *re)
{
	if (!re)
		return;
	pcre2_code_free(re->code);
	free(re);
}

static int search_once(const struct mae_regex *re, const char *text,
		       size_t len, bool *ret_matched, struct mae_error *err)
{
	struct budget budget = { 0, MAE_REGEX_MATCH_HEAP + (64u << 10) };
	pcre2_general_context *gc =
		pcre2_general_context_create(budget_malloc, budget_free,
					     &budget);
	pcre2_match_context *mc = gc ? pcre2_match_context_create(gc) : NULL;
	pcre2_match_data *md =
		mc ? pcre2_match_data_create_from_pattern(re->code, gc) : NULL;
	int rc;
	if (!md) {
		rc = PCRE2_ERROR_NOMEMORY;
	} else {
		pcre2_set_match_limit(mc, MAE_REGEX_MATCH_LIMIT);
		pcre2_set_heap_limit(mc, MAE_REGEX_MATCH_HEAP >> 10);
		rc = pcre2_match(re->code, (PCRE2_SPTR)text, len, 0, 0, md, mc);
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	pcre2_general_context_free(gc);
	if (rc >= 0) {
		*ret_matched = true;
		return 0;
	}
	if (rc == PCRE2_ERROR_NOMATCH) {
		*ret_matched = false;
		return 0;
	}
	if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
		return 1; /* not UTF-8 */
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT)
		return mae_error_set(err, MAE_ERR_LIMIT, "the regex gave up "
				     "after %u steps on %zu bytes",
				     MAE_REGEX_MATCH_LIMIT, len);
	if (rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_NOMEMORY)
		return mae_error_set(err, MAE_ERR_LIMIT, "the regex needed more "
				     "than %u MiB on %zu bytes",
				     MAE_REGEX_MATCH_HEAP >> 20, len);
	PCRE2_UCHAR msg[160];
	pcre2_get_error_message(rc, msg, sizeof(msg));
	return mae_error_set(err, MAE_ERR_INTERNAL, "regex search: %s",
			     (char *)msg);
}

int mae_regex_search(const struct mae_regex *re, const char *text,
			size_t len, bool *ret_matched, struct mae_error *err)
{
	int rc = search_once(re, text, len, ret_matched, err);
	if (rc != 1)
		return rc;
	/* not UTF-8: read it as ISO-8859-1 */
	if (len > SIZE_MAX / 2)
		return mae_error_set(err, MAE_ERR_LIMIT, "body too large");
	char *u = mae_xmalloc(2 * len + 1);
	size_t k = 0;
	for (size_t j = 0; j < len; j++) {
		unsigned char c = (unsigned char)text[j];
		if (c < 0x80) {
			u[k++] = (char)c;
		} else {
			u[k++] = (char)(0xc0 | (c >> 6));
			u[k++] = (char)(0x80 | (c & 0x3f));
		}
	}
	rc = search_once(re, u, k, ret_matched, err);
	free(u);
	return rc == 1 ? mae_error_set(err, MAE_ERR_INTERNAL,
				       "regex search: bad UTF-8") : rc;
}
