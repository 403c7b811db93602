/*
 * json.c - the canonical JSON writer and Python's float repr.
 *
 * The canonical text is exactly what Python writes with
 * json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False):
 * UTF-8, object keys sorted by code point (byte order of UTF-8), '"',
 * '\\' and the control characters escaped (\b \f \n \r \t short, the
 * others as lowercase \u00XX; DEL, U+2028 and everything above are
 * written as they are), integers in decimal, reals in Python's repr
 * (shortest digits that read back).  The text is produced in chunks
 * through a callback, so a hash never needs the whole document as one
 * string.  Must not: print, or depend on jansson's number formatting.
 */
#include "base.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ------------------------------------------------------------------ */
/* Python's float repr                                                  */

/*
 * Shortest digits that read back as x (x finite, > 0): the first
 * precision at which the correctly rounded decimal, or its neighbour on
 * the other side (the narrower gap below a power of two), round-trips.
 * digits gets the significant digits without trailing zeros; returns
 * decpt, where x = 0.DIGITS * 10**decpt.
 */
static int shortest_digits(double x, char digits[24])
{
	char buf[48];
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p - 1, x);
		char *e = strchr(buf, 'e');
		int exp10 = atoi(e + 1);
		/* mantissa digits as an integer */
		long long m = 0;
		for (char *c = buf; c < e; c++)
			if (is_digit(*c))
				m = m * 10 + (*c - '0');
		for (int delta = 0; delta < 3; delta++) {
			long long cand = m + (delta == 0 ? 0
					      : delta == 1 ? -1 : 1);
			if (cand <= 0)
				continue;
			char t[48];
			snprintf(t, sizeof(t), "%llde%d", cand, exp10 - (p - 1));
			if (strtod(t, NULL) != x)
				continue;
			int nd = snprintf(digits, 24, "%lld", cand);
			int decpt = exp10 - (p - 1) + nd;
			while (nd > 1 && digits[nd - 1] == '0')
				digits[--nd] = '\0';
			return decpt;
		}
	}
	/* %.17e always round-trips; not reached */
	snprintf(buf, sizeof(buf), "%.16e", x);
	char *e = strchr(buf, 'e');
	int nd = 0;
	for (char *c = buf; c < e; c++)
		if (is_digit(*c))
			digits[nd++] = *c;
	digits[nd] = '\0';
	return atoi(e + 1) + 1;
}

void mae_float_repr(double f, char out[32])
{
	if (isnan(f)) {
		strcpy(out, "nan");
		return;
	}
	if (isinf(f)) {
		strcpy(out, f < 0 ? "-inf" : "inf");
		return;
	}
	char *o = out;
	if (signbit(f)) {
		*o++ = '-';
		f = -f;
	}
	if (f == 0.0) {
		strcpy(o, "0.0");
		return;
	}
	char d[24];
	int decpt = shortest_digits(f, d);
	int nd = (int)strlen(d);
	if (decpt <= -4 || decpt > 16) {
		*o++ = d[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, d + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		int e = decpt - 1;
		sprintf(o, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
	} else if (decpt <= 0) {
		*o++ = '0';
		*o++ = '.';
		for (int i = 0; i < -decpt; i++)
			*o++ = '0';
		memcpy(o, d, (size_t)nd + 1);
	} else if (decpt >= nd) {
		memcpy(o, d, (size_t)nd);
		o += nd;
		for (int i = nd; i < decpt; i++)
			*o++ = '0';
		strcpy(o, ".0");
	} else {
		memcpy(o, d, (size_t)decpt);
		o += decpt;
		*o++ = '.';
		memcpy(o, d + decpt, (size_t)(nd - decpt) + 1);
	}
}

/* ------------------------------------------------------------------ */
/* The writer                                                           */

/* Output is gathered in a small buffer and handed on in chunks. */
struct jw {
	mae_write_fn fn;
	void *ctx;
	int rc;
	int indent;   /* 0: compact */
	size_t depth;
	size_t n;
	char buf[4096];
};

static void jw_flush(struct jw *w)
{
	if (w->n && !w->rc)
		w->rc = w->fn(w->buf, w->n, w->ctx);
	w->n = 0;
}

static void jw_add(struct jw *w, const char *p, size_t n)
{
	if (w->rc)
		return;
	if (w->n + n > sizeof(w->buf)) {
		jw_flush(w);
		if (n > sizeof(w->buf)) {
			if (!w->rc)
				w->rc = w->fn(p, n, w->ctx);
			return;
		}
	}
	memcpy(w->buf + w->n, p, n);
	w->n += n;
}

static void jw_addc(struct jw *w, char c)
{
	if (w->n == sizeof(w->buf))
		jw_flush(w);
	w->buf[w->n++] = c;
}

static void jw_string(struct jw *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	jw_addc(w, '"');
	size_t run = 0; /* start of the bytes not yet written */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw_add(w, s + run, i - run);
		run = i + 1;
		char esc[6] = { '\\', 0 };
		size_t en = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			en = 6;
		}
		jw_add(w, esc, en);
	}
	jw_add(w, s + run, len - run);
	jw_addc(w, '"');
}

static void jw_real(struct jw *w, double f)
{
	/* Python's json writes these for float('nan') and the infinities;
	 * jansson cannot hold them, but say what Python would */
	if (isnan(f)) {
		jw_add(w, "NaN", 3);
		return;
	}
	if (isinf(f)) {
		if (f < 0)
			jw_add(w, "-Infinity", 9);
		else
			jw_add(w, "Infinity", 8);
		return;
	}
	char out[32];
	mae_float_repr(f, out);
	jw_add(w, out, strlen(out));
}

/* Between members: nothing (compact), or a newline and the indent. */
static void jw_newline(struct jw *w)
{
	if (!w->indent)
		return;
	jw_addc(w, '\n');
	for (size_t i = 0; i < w->depth * (size_t)w->indent; i++)
		jw_addc(w, ' ');
}

struct jw_key {
	const char *key;
	json_t *value;
};

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct jw_key *)a)->key,
		      ((const struct jw_key *)b)->key);
}

static void jw_value(struct jw *w, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v);
		jw_addc(w, '{');
		if (n == 0) {
			jw_addc(w, '}');
			return;
		}
		struct jw_key small[16];
		struct jw_key *keys = n <= 16 ? small : mae_xmalloc(n * sizeof(*keys));
		size_t k = 0;
		const char *key;
		json_t *val;
		json_object_foreach((json_t *)v, key, val) {
			keys[k].key = key;
			keys[k].value = val;
			k++;
		}
		qsort(keys, k, sizeof(*keys), cmp_key);
		w->depth++;
		for (size_t i = 0; i < k; i++) {
			if (i)
				jw_addc(w, ',');
			jw_newline(w);
			jw_string(w, keys[i].key, strlen(keys[i].key));
			if (w->indent)
				jw_add(w, ": ", 2);
			else
				jw_addc(w, ':');
			jw_value(w, keys[i].value);
		}
		w->depth--;
		jw_newline(w);
		if (keys != small)
			free(keys);
		jw_addc(w, '}');
		return;
	}
	case JSON_ARRAY: {
		size_t n = json_array_size(v);
		jw_addc(w, '[');
		if (n == 0) {
			jw_addc(w, ']');
			return;
		}
		w->depth++;
		for (size_t i = 0; i < n; i++) {
			if (i)
				jw_addc(w, ',');
			jw_newline(w);
			jw_value(w, json_array_get(v, i));
		}
		w->depth--;
		jw_newline(w);
		jw_addc(w, ']');
		return;
	}
	case JSON_STRING:
		jw_string(w, json_string_value(v), json_string_length(v));
		return;
	case JSON_INTEGER: {
		char num[32];
		int n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
		jw_add(w, num, (size_t)n);
		return;
	}
	case JSON_REAL:
		jw_real(w, json_real_value(v));
		return;
	case JSON_TRUE:
		jw_add(w, "true", 4);
		return;
	case JSON_FALSE:
		jw_add(w, "false", 5);
		return;
	case JSON_NULL:
		jw_add(w, "null", 4);
		return;
	}
}

int mae_json_write_indent(const struct json_t *v, int indent,
			  mae_write_fn fn, void *ctx)
{
	struct jw *w = mae_xmalloc(sizeof(*w));
	w->fn = fn;
	w->ctx = ctx;
	w->rc = 0;
	w->indent = indent > 0 ? indent : 0;
	w->depth = 0;
	w->n = 0;
	jw_value(w, (const json_t *)v);
	jw_flush(w);
	int rc = w->rc;
	free(w);
	return rc;
}

int mae_json_write(const struct json_t *v, mae_write_fn fn, void *ctx)
{
	return mae_json_write_indent(v, 0, fn, ctx);
}

static int to_buf(const void *data, size_t n, void *ctx)
{
	struct mae_buf *b = ctx;
	mae_buf_add(b, data, n);
	return b->overflow ? MAE_ERR_LIMIT : 0;
}

int mae_json_canonical_add(struct mae_buf *b, const struct json_t *v)
{
	return mae_json_write(v, to_buf, b);
}

int mae_json_indented_add(struct mae_buf *b, const struct json_t *v, int indent)
{
	return mae_json_write_indent(v, indent, to_buf, b);
}

char *mae_json_canonical_n(const struct json_t *v, size_t *ret_len)
{
	if (!v)
		return NULL;
	struct mae_buf b = MAE_BUF_INIT;
	b.max = SIZE_MAX / 2;
	mae_json_canonical_add(&b, v);
	if (ret_len)
		*ret_len = b.len;
	return mae_buf_detach(&b);
}

char *mae_json_canonical(const struct json_t *v)
{
	return mae_json_canonical_n(v, NULL);
}

static int to_sha(const void *data, size_t n, void *ctx)
{
	mae_sha256_update(ctx, data, n);
	return 0;
}

void mae_sha256_add_json(struct mae_sha256 *h, const struct json_t *v)
{
	mae_json_write(v, to_sha, h);
}

void mae_json_sha256(const struct json_t *v, unsigned char out[MAE_SHA256_LEN])
{
	struct mae_sha256 h;
	mae_sha256_init(&h);
	mae_sha256_add_json(&h, v);
	mae_sha256_final(&h, out);
}

void mae_json_sha256_hex(const struct json_t *v, char out[65])
{
	struct mae_sha256 h;
	mae_sha256_init(&h);
	mae_sha256_add_json(&h, v);
	mae_sha256_final_hex(&h, out);
}
