/*
 * json-load.c - the daemon's JSON read within a budget (client-int.h,
 * ship_json_load).  jansson has no limit of its own and builds about 100
 * bytes of tree per value, so a hostile 64 MiB answer of `[{},{},...]`
 * would cost gigabytes.  The text is first checked here, in one pass
 * without allocating: RFC 8259 syntax as jansson reads it by default (an
 * object or array at the top, UTF-8, no U+0000), its values counted and
 * its nesting measured.  Only a text within budget reaches jansson, and a
 * text that passed the check and still fails there failed for want of
 * memory (jansson reports that as a syntax error, or with no text at all).
 *
 * Must not: allocate before the budget is known to hold.
 */
#include "client-int.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

struct scan {
	const unsigned char *s;
	size_t n, i;
	size_t values, max_values;
	int depth;
	int limit; /* 1: too many values, 2: too deep */
};

static void ws(struct scan *c)
{
	while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' ||
			       c->s[c->i] == '\n' || c->s[c->i] == '\r'))
		c->i++;
}

static bool hex4(struct scan *c, unsigned *v)
{
	*v = 0;
	for (int k = 0; k < 4; k++, c->i++) {
		if (c->i >= c->n)
			return false;
		unsigned char h = c->s[c->i];
		unsigned d = h >= '0' && h <= '9'   ? (unsigned)(h - '0')
			     : h >= 'a' && h <= 'f' ? (unsigned)(h - 'a' + 10)
			     : h >= 'A' && h <= 'F' ? (unsigned)(h - 'A' + 10)
						    : 16;
		if (d == 16)
			return false;
		*v = *v * 16 + d;
	}
	return true;
}

/* One UTF-8 sequence at c->i (not ASCII); false when invalid. */
static bool utf8(struct scan *c)
{
	uint32_t cp;
	size_t len = mae_utf8_decode(c->s + c->i, c->n - c->i, &cp);
	c->i += len;
	return len > 0;
}

static bool string(struct scan *c)
{
	c->i++; /* '"' */
	while (c->i < c->n) {
		unsigned char ch = c->s[c->i];
		if (ch == '"') {
			c->i++;
			return true;
		}
		if (ch < 0x20)
			return false;
		if (ch >= 0x80) {
			if (!utf8(c))
				return false;
			continue;
		}
		c->i++;
		if (ch != '\\')
			continue;
		if (c->i >= c->n)
			return false;
		ch = c->s[c->i++];
		if (ch == 'u') {
			unsigned v, lo;
			if (!hex4(c, &v) || v == 0)
				return false;
			if (v >= 0xdc00 && v <= 0xdfff)
				return false;
			if (v >= 0xd800 && v <= 0xdbff) {
				/* a high surrogate needs its low half */
				if (c->i + 2 > c->n || c->s[c->i] != '\\' ||
				    c->s[c->i + 1] != 'u')
					return false;
				c->i += 2;
				if (!hex4(c, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return false;
			}
		} else if (!strchr("\"\\/bfnrt", ch) || !ch) {
			return false;
		}
	}
	return false;
}

static bool digits(struct scan *c)
{
	size_t start = c->i;
	while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9')
		c->i++;
	return c->i > start;
}

static bool number(struct scan *c)
{
	if (c->s[c->i] == '-')
		c->i++;
	if (c->i < c->n && c->s[c->i] == '0')
		c->i++;
	else if (!digits(c))
		return false;
	if (c->i < c->n && c->s[c->i] == '.') {
		c->i++;
		if (!digits(c))
			return false;
	}
	if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
		c->i++;
		if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-'))
			c->i++;
		if (!digits(c))
			return false;
	}
	return true;
}

static bool word(struct scan *c, const char *w)
{
	size_t l = strlen(w);
	if (c->n - c->i < l || memcmp(c->s + c->i, w, l) != 0)
		return false;
	c->i += l;
	return true;
}

static bool value(struct scan *c);

/* An object or array at c->i; recursion is bounded by the depth limit. */
static bool container(struct scan *c)
{
	bool object = c->s[c->i] == '{';
	char close = object ? '}' : ']';
	if (++c->depth > SHIP_JSON_DEPTH_MAX) {
		c->limit = 2;
		return false;
	}
	c->i++;
	ws(c);
	if (c->i < c->n && c->s[c->i] == close) {
		c->i++;
		c->depth--;
		return true;
	}
	for (;;) {
		if (object) {
			ws(c);
			if (c->i >= c->n || c->s[c->i] != '"' || !string(c))
				return false;
			ws(c);
			if (c->i >= c->n || c->s[c->i] != ':')
				return false;
			c->i++;
			/* the key is a string jansson keeps too */
			if (++c->values > c->max_values) {
				c->limit = 1;
				return false;
			}
		}
		if (!value(c))
			return false;
		ws(c);
		if (c->i >= c->n)
			return false;
		if (c->s[c->i] == close) {
			c->i++;
			c->depth--;
			return true;
		}
		if (c->s[c->i] != ',')
			return false;
		c->i++;
	}
}

static bool value(struct scan *c)
{
	ws(c);
	if (c->i >= c->n)
		return false;
	if (++c->values > c->max_values) {
		c->limit = 1;
		return false;
	}
	switch (c->s[c->i]) {
	case '{':
	case '[':
		return container(c);
	case '"':
		return string(c);
	case 't':
		return word(c, "true");
	case 'f':
		return word(c, "false");
	case 'n':
		return word(c, "null");
	default:
		return number(c);
	}
}

int ship_json_load(const char *s, size_t n, size_t max_values,
		   json_t **ret, char *why, size_t why_n)
{
	*ret = NULL;
	struct scan c = { .s = (const unsigned char *)s, .n = n,
			  .max_values = max_values ? max_values : SHIP_JSON_MAX };
	ws(&c);
	bool ok = c.i < n && (s[c.i] == '{' || s[c.i] == '[') && value(&c);
	if (ok) {
		ws(&c);
		ok = c.i == n;
	}
	if (c.limit == 1) {
		snprintf(why, why_n, "holds more than %zu JSON values",
			 c.max_values);
		return MAE_ERR_LIMIT;
	}
	if (c.limit == 2) {
		snprintf(why, why_n, "nests JSON deeper than %d levels",
			 SHIP_JSON_DEPTH_MAX);
		return MAE_ERR_LIMIT;
	}
	json_error_t je;
	json_t *j = json_loadb(s, n, 0, &je);
	if (j && ok) {
		*ret = j;
		return 0;
	}
	json_decref(j);
	if (!ok || json_error_code(&je) == json_error_numeric_overflow) {
		snprintf(why, why_n, "is not JSON (%s)",
			 !j && je.text[0] ? je.text : "invalid syntax");
		return MAE_ERR_PROTOCOL;
	}
	snprintf(why, why_n, "could not be read: out of memory for %zu bytes "
		 "of JSON", n);
	return MAE_ERR_LIMIT;
}
