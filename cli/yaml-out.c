/*
 * yaml-out.c - YAML from a canonical JSON text, for `maestro config`:
 * block style, two spaces per level, a list item's mapping starting on
 * the dash's line.  Streamed: each piece goes to the caller's sink as it
 * is made, so the output has no size limit of its own (it is complete or
 * the sink says why not).  Reads only well-formed JSON from base's
 * canonical writer.
 */
#include "yaml-out.h"
#include "cli.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * YAML from the canonical JSON text of the document (compact, keys
 * already sorted): block style, two spaces per level, a list item's
 * mapping starting on the dash's line.  A string is written plain when
 * YAML reads it back as the same string, else as its JSON form (a valid
 * YAML double-quoted scalar).  The text is well-formed: it comes from
 * base's canonical writer.
 */
struct yout {
	const char *p; /* the cursor in the canonical text */
	void (*emit)(void *ud, const void *data, size_t n);
	void *ud;
};

static void put(struct yout *y, const char *s, size_t n)
{
	y->emit(y->ud, s, n);
}

static void puts_(struct yout *y, const char *s)
{
	y->emit(y->ud, s, strlen(s));
}

/* A string YAML 1.1 reads back unchanged without quotes. */
static bool yaml_plain(const char *s, size_t n)
{
	static const char *const special[] = {
		"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"true", "True", "TRUE", "false", "False", "FALSE", "on", "On",
		"ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
	};
	if (n == 0)
		return false;
	for (size_t i = 0; i < sizeof(special) / sizeof(*special); i++)
		if (strlen(special[i]) == n && memcmp(s, special[i], n) == 0)
			return false;
	/* a first character YAML reads as the start of a plain string */
	bool dash_word = s[0] == '-' && n > 1 &&
			 ((s[1] >= 'a' && s[1] <= 'z') ||
			  (s[1] >= 'A' && s[1] <= 'Z') || s[1] == '-');
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      s[0] == '_' || s[0] == '/' || dash_word))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("_./@+=-", c)))
			return false;
	}
	return true;
}

/*
 * Copy the JSON string [p, q] (both quotes included) as a YAML
 * double-quoted scalar.  The canonical text leaves DEL, the C1 controls, U+2028,
 * U+2029, U+FFFE and U+FFFF raw; YAML may not carry them raw (a reader
 * refuses them or folds them as line breaks), so they become \u escapes,
 * and so do the other characters a terminal must not get raw
 * (cli_char_unsafe: bidi controls).
 */
static void yaml_quoted(struct yout *y, const char *p, const char *q)
{
	const unsigned char *s = (const unsigned char *)p;
	const unsigned char *e = (const unsigned char *)q + 1;
	while (s < e) {
		const unsigned char *run = s;
		/* ASCII (a backslash escape included) is copied whole */
		while (s < e && *s >= 0x20 && *s < 0x7f)
			s++;
		put(y, (const char *)run, (size_t)(s - run));
		if (s >= e)
			break;
		uint32_t cp = *s;
		size_t len = mae_utf8_decode(s, (size_t)(e - s), &cp);
		if (len == 0)
			len = 1; /* not UTF-8: not canonical text; copied as it is */
		if (cli_char_unsafe(cp) || cp == 0xfffe || cp == 0xffff) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			put(y, esc, 6);
		} else {
			put(y, (const char *)s, len);
		}
		s += len;
	}
}

/* Copy one scalar (string, number, literal, {} or []) at the cursor. */
static void yaml_scalar(struct yout *y)
{
	const char *p = y->p;
	if (*p == '"') {
		const char *q = p + 1;
		while (*q != '"')
			q += *q == '\\' ? 2 : 1;
		if (yaml_plain(p + 1, (size_t)(q - p - 1)))
			put(y, p + 1, (size_t)(q - p - 1));
		else
			yaml_quoted(y, p, q);
		y->p = q + 1;
		return;
	}
	if ((*p == '{' && p[1] == '}') || (*p == '[' && p[1] == ']')) {
		put(y, p, 2);
		y->p = p + 2;
		return;
	}
	size_t n = strcspn(p, ",}]");
	/* YAML 1.1 reads "1e+16" as a string: write "1.0e+16", as PyYAML's
	 * representer does */
	bool number = *p == '-' || (*p >= '0' && *p <= '9');
	const char *e = number ? memchr(p, 'e', n) : NULL;
	if (e && !memchr(p, '.', n)) {
		put(y, p, (size_t)(e - p));
		puts_(y, ".0");
		put(y, e, n - (size_t)(e - p));
	} else {
		put(y, p, n);
	}
	y->p = p + n;
}

static bool yaml_at_block(const struct yout *y)
{
	return (y->p[0] == '{' && y->p[1] != '}') ||
	       (y->p[0] == '[' && y->p[1] != ']');
}

static void yaml_indent(struct yout *y, int indent)
{
	static const char spaces[] = "                                ";
	while (indent > 0) {
		int n = indent < (int)sizeof(spaces) - 1 ? indent
							 : (int)sizeof(spaces) - 1;
		put(y, spaces, (size_t)n);
		indent -= n;
	}
}

/* A non-empty object or array at the cursor; with inline_first the
 * first line's indentation is already written (after "- "). */
static void yaml_block(struct yout *y, int indent, bool inline_first)
{
	char open = *y->p++;
	bool first = true;
	while (true) {
		if (open == '{') {
			if (!(first && inline_first))
				yaml_indent(y, indent);
			yaml_scalar(y); /* the key */
			y->p++;         /* ':' */
			if (yaml_at_block(y)) {
				puts_(y, ":\n");
				yaml_block(y, indent + 2, false);
			} else {
				puts_(y, ": ");
				yaml_scalar(y);
				put(y, "\n", 1);
			}
		} else {
			if (!(first && inline_first))
				yaml_indent(y, indent);
			puts_(y, "- ");
			if (y->p[0] == '{' && y->p[1] != '}') {
				yaml_block(y, indent + 2, true);
			} else if (yaml_at_block(y)) {
				put(y, "\n", 1);
				yaml_block(y, indent + 2, false);
			} else {
				yaml_scalar(y);
				put(y, "\n", 1);
			}
		}
		first = false;
		if (*y->p++ != ',')
			return; /* the closing '}' or ']' */
	}
}

void cli_yaml_from_json(const char *canon,
			void (*emit)(void *ud, const void *data, size_t n),
			void *ud)
{
	struct yout y = { canon, emit, ud };
	if ((canon[0] == '{' && canon[1] != '}') ||
	    (canon[0] == '[' && canon[1] != ']')) {
		yaml_block(&y, 0, false);
	} else {
		yaml_scalar(&y);
		put(&y, "\n", 1);
	}
}

void cli_yaml_members(const char *canon, int indent,
		      void (*emit)(void *ud, const void *data, size_t n),
		      void *ud)
{
	struct yout y = { canon, emit, ud };
	yaml_block(&y, indent, false);
}
