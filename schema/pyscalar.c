/*
 * pyscalar.c - PyYAML 6 SafeLoader's scalar resolution and construction,
 * and Python's str() of the constructed values.
 *
 * The implicit resolvers are PyYAML's regular expressions (resolver.py)
 * written out as small matchers, tried in PyYAML's order (bool, float,
 * int, merge, null, timestamp, value); the constructors follow
 * constructor.py: underscores dropped, sign, 0b/0x/0 prefixes,
 * sexagesimal parts, float via Python's float() rules.  Integers of any
 * size are kept as decimal strings (a small base-1e9 bignum), floats are
 * printed as Python's repr.  Must not: print, or accept a tag SafeLoader
 * would not construct as one of the five value types.
 */
#include "pyscalar.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_PREFIX "tag:yaml.org,2002:"

/* ------------------------------------------------------------------ */
/* A small unsigned bignum, base 1e9, least significant limb first.     */

#define BIG_BASE 1000000000u

struct big {
	uint32_t *d;
	size_t n, cap;
};

static void big_release(struct big *b)
{
	free(b->d);
	memset(b, 0, sizeof(*b));
}

/* b = b * m + a */
static void big_muladd(struct big *b, uint32_t m, uint32_t a)
{
	uint64_t carry = a;
	for (size_t i = 0; i < b->n; i++) {
		uint64_t v = (uint64_t)b->d[i] * m + carry;
		b->d[i] = (uint32_t)(v % BIG_BASE);
		carry = v / BIG_BASE;
	}
	while (carry) {
		if (b->n == b->cap) {
			b->cap = b->cap ? b->cap * 2 : 4;
			b->d = mae_xrealloc(b->d, b->cap * sizeof(*b->d));
		}
		b->d[b->n++] = (uint32_t)(carry % BIG_BASE);
		carry /= BIG_BASE;
	}
}

static bool big_is_zero(const struct big *b)
{
	return b->n == 0;
}

/* Decimal digits of b ("0" for zero), malloc'd. */
static char *big_to_dec(const struct big *b, size_t *ret_len)
{
	if (b->n == 0) {
		*ret_len = 1;
		return mae_xstrdup("0");
	}
	char *s = mae_xmalloc(b->n * 9 + 1);
	int k = sprintf(s, "%u", b->d[b->n - 1]);
	size_t len = (size_t)k;
	for (size_t i = b->n - 1; i-- > 0;)
		len += (size_t)sprintf(s + len, "%09u", b->d[i]);
	*ret_len = len;
	return s;
}

/* b as an int64 with sign, if it fits. */
static bool big_to_i64(const struct big *b, bool neg, int64_t *ret)
{
	if (b->n > 3)
		return false;
	unsigned __int128 v = 0;
	for (size_t i = b->n; i-- > 0;)
		v = v * BIG_BASE + b->d[i];
	unsigned __int128 lim = (unsigned __int128)INT64_MAX + (neg ? 1 : 0);
	if (v > lim)
		return false;
	if (neg)
		*ret = v == (unsigned __int128)INT64_MAX + 1 ? INT64_MIN
							      : -(int64_t)v;
	else
		*ret = (int64_t)v;
	return true;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

static bool is_pyspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static bool eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool eq_any(const char *s, size_t n, const char *const *lits)
{
	for (; *lits; lits++)
		if (eq(s, n, *lits))
			return true;
	return false;
}

static int fail(char **err, const char *fmt, ...) MAE_PRINTF(2, 3);
static int fail(char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	*err = mae_xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

char *pyscalar_quote(const char *s, size_t n)
{
	struct mae_buf b = MAE_BUF_INIT;
	size_t lim = n > 60 ? 57 : n;
	for (size_t i = 0; i < lim; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			mae_buf_addf(&b, "\\x%02x", c);
		else
			mae_buf_addc(&b, (char)c);
	}
	if (lim < n)
		mae_buf_adds(&b, "...");
	return mae_buf_detach(&b);
}

/* ------------------------------------------------------------------ */
/* The implicit resolvers (resolver.py)                                 */

static const char *const bool_words[] = {
	"yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
	"false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", NULL,
};
static const char *const null_words[] = { "", "~", "null", "Null", "NULL",
					  NULL };

/* [0-9_]* from *i */
static void skip_digits_us(const char *s, size_t n, size_t *i)
{
	while (*i < n && (is_digit(s[*i]) || s[*i] == '_'))
		(*i)++;
}

/* (?::[0-5]?[0-9])+ from *i; false if not at least one part. */
static bool match_sexa_parts(const char *s, size_t n, size_t *i)
{
	size_t parts = 0;
	while (*i < n && s[*i] == ':') {
		size_t j = *i + 1, k = j;
		while (k < n && is_digit(s[k]))
			k++;
		if (k - j == 1 || (k - j == 2 && s[j] <= '5'))
			*i = k;
		else
			break;
		parts++;
	}
	return parts > 0;
}

static bool match_exponent(const char *s, size_t n, size_t *i)
{
	/* (?:[eE][-+][0-9]+)? - optional, so only consume a whole one */
	size_t j = *i;
	if (j < n && (s[j] == 'e' || s[j] == 'E')) {
		j++;
		if (j < n && (s[j] == '-' || s[j] == '+')) {
			j++;
			size_t k = j;
			while (k < n && is_digit(s[k]))
				k++;
			if (k > j)
				*i = k;
		}
	}
	return true;
}

static bool match_float(const char *s, size_t n)
{
	if (n == 0)
		return false;
	size_t i = 0;
	/* \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?  and  \.(?:nan|NaN|NAN) */
	if (s[0] == '.') {
		static const char *const nans[] = { ".nan", ".NaN", ".NAN",
						    ".inf", ".Inf", ".INF",
						    NULL };
		if (eq_any(s, n, nans))
			return true;
		i = 1;
		if (i < n && is_digit(s[i])) {
			skip_digits_us(s, n, &i);
			match_exponent(s, n, &i);
			return i == n;
		}
		return false;
	}
	if (s[0] == '-' || s[0] == '+') {
		static const char *const infs[] = { ".inf", ".Inf", ".INF",
						    NULL };
		if (eq_any(s + 1, n - 1, infs))
			return true;
		i = 1;
	}
	if (i >= n || !is_digit(s[i]))
		return false;
	skip_digits_us(s, n, &i);
	size_t after_int = i;
	/* [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)? */
	if (i < n && s[i] == '.') {
		i++;
		skip_digits_us(s, n, &i);
		match_exponent(s, n, &i);
		if (i == n)
			return true;
	}
	/* [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* */
	i = after_int;
	if (!match_sexa_parts(s, n, &i))
		return false;
	if (i >= n || s[i] != '.')
		return false;
	i++;
	skip_digits_us(s, n, &i);
	return i == n;
}

static bool match_int(const char *s, size_t n)
{
	size_t i = 0;
	if (n > 0 && (s[0] == '-' || s[0] == '+'))
		i = 1;
	if (i >= n || !is_digit(s[i]))
		return false;
	const char *t = s + i;
	size_t m = n - i;
	if (m >= 3 && t[0] == '0' && t[1] == 'b') {
		for (size_t k = 2; k < m; k++)
			if (t[k] != '0' && t[k] != '1' && t[k] != '_')
				return false;
		return true;
	}
	if (m >= 3 && t[0] == '0' && t[1] == 'x') {
		for (size_t k = 2; k < m; k++)
			if (digit_value(t[k]) > 15 && t[k] != '_')
				return false;
		return true;
	}
	if (t[0] == '0') {
		if (m == 1)
			return true;
		for (size_t k = 1; k < m; k++)
			if (!(t[k] >= '0' && t[k] <= '7') && t[k] != '_')
				return false;
		return true;
	}
	/* [1-9][0-9_]* alone or with sexagesimal parts */
	size_t k = 0;
	skip_digits_us(t, m, &k);
	if (k == m)
		return true;
	if (!match_sexa_parts(t, m, &k))
		return false;
	return k == m;
}

/* [0-9]{count} at s[*i] */
static bool digits_n(const char *s, size_t n, size_t *i, int count)
{
	for (int c = 0; c < count; c++, (*i)++)
		if (*i >= n || !is_digit(s[*i]))
			return false;
	return true;
}

/* [0-9][0-9]? at s[*i] */
static bool digits_1_2(const char *s, size_t n, size_t *i)
{
	if (!digits_n(s, n, i, 1))
		return false;
	if (*i < n && is_digit(s[*i]))
		(*i)++;
	return true;
}

struct tstamp {
	int year, month, day;
	bool has_time;
	int hour, minute, second;
	int fraction; /* microseconds */
	bool tz, tz_neg;
	int tz_hour, tz_minute;
};

static int num(const char *s, size_t from, size_t to)
{
	int v = 0;
	for (size_t i = from; i < to; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* The resolver's timestamp expression, capturing the constructor's groups. */
static bool match_timestamp(const char *s, size_t n, struct tstamp *t)
{
	memset(t, 0, sizeof(*t));
	size_t i = 0, a;
	if (!digits_n(s, n, &i, 4))
		return false;
	t->year = num(s, 0, 4);
	if (i >= n || s[i] != '-')
		return false;
	a = ++i;
	if (!digits_1_2(s, n, &i))
		return false;
	t->month = num(s, a, i);
	bool two = i - a == 2;
	if (i >= n || s[i] != '-')
		return false;
	a = ++i;
	if (!digits_1_2(s, n, &i))
		return false;
	t->day = num(s, a, i);
	two = two && i - a == 2;
	if (i == n)
		return two; /* the date-only form needs two-digit month and day */
	/* (?:[Tt]|[ \t]+) */
	if (s[i] == 'T' || s[i] == 't') {
		i++;
	} else if (s[i] == ' ' || s[i] == '\t') {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
	} else {
		return false;
	}
	t->has_time = true;
	a = i;
	if (!digits_1_2(s, n, &i))
		return false;
	t->hour = num(s, a, i);
	if (i >= n || s[i] != ':')
		return false;
	a = ++i;
	if (!digits_n(s, n, &i, 2))
		return false;
	t->minute = num(s, a, i);
	if (i >= n || s[i] != ':')
		return false;
	a = ++i;
	if (!digits_n(s, n, &i, 2))
		return false;
	t->second = num(s, a, i);
	if (i < n && s[i] == '.') {
		a = ++i;
		while (i < n && is_digit(s[i]))
			i++;
		int frac = 0;
		for (size_t k = 0; k < 6; k++)
			frac = frac * 10 + (a + k < i ? s[a + k] - '0' : 0);
		t->fraction = frac;
	}
	if (i == n)
		return true;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == 'Z') {
		t->tz = true;
		return i + 1 == n;
	}
	if (i < n && (s[i] == '-' || s[i] == '+')) {
		t->tz = true;
		t->tz_neg = s[i] == '-';
		a = ++i;
		if (!digits_1_2(s, n, &i))
			return false;
		t->tz_hour = num(s, a, i);
		if (i < n && s[i] == ':') {
			a = ++i;
			if (!digits_n(s, n, &i, 2))
				return false;
			t->tz_minute = num(s, a, i);
		}
		return i == n;
	}
	return false;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* datetime.date / datetime.datetime, then str() of it. */
static int construct_timestamp(const struct tstamp *t, struct pyscalar *out,
			       char **err)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	if (t->year < 1)
		return fail(err, "year %d is out of range", t->year);
	if (t->month < 1 || t->month > 12)
		return fail(err, "month must be in 1..12");
	int dim = mdays[t->month - 1] + (t->month == 2 && is_leap(t->year));
	if (t->day < 1 || t->day > dim)
		return fail(err, "day is out of range for month");
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_addf(&b, "%04d-%02d-%02d", t->year, t->month, t->day);
	if (t->has_time) {
		if (t->hour > 23)
			goto bad_hour;
		if (t->minute > 59 || t->second > 59) {
			mae_buf_release(&b);
			return fail(err, t->minute > 59
					? "minute must be in 0..59"
					: "second must be in 0..59");
		}
		mae_buf_addf(&b, " %02d:%02d:%02d", t->hour, t->minute,
			     t->second);
		if (t->fraction)
			mae_buf_addf(&b, ".%06d", t->fraction);
		if (t->tz) {
			int mins = t->tz_hour * 60 + t->tz_minute;
			if (mins >= 24 * 60) {
				mae_buf_release(&b);
				return fail(err, "offset must be a timedelta "
					    "strictly between -24 hours and "
					    "24 hours");
			}
			bool neg = t->tz_neg && mins > 0;
			mae_buf_addf(&b, "%c%02d:%02d", neg ? '-' : '+',
				     mins / 60, mins % 60);
		}
	}
	out->type = YSCALAR_STR;
	out->timestamp = true;
	out->str_len = b.len;
	out->str = mae_buf_detach(&b);
	return 0;
bad_hour:
	mae_buf_release(&b);
	return fail(err, "hour must be in 0..23");
}

/* ------------------------------------------------------------------ */
/* Constructors (constructor.py)                                        */

/* s without '_' (construct_yaml_int/float start with that), malloc'd. */
static char *drop_underscores(const char *s, size_t n, size_t *ret_len,
			      bool lower)
{
	char *r = mae_xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '_')
			continue;
		char c = s[i];
		if (lower && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		r[k++] = c;
	}
	r[k] = '\0';
	*ret_len = k;
	return r;
}

/*
 * Python's int(s, base) for base 2, 8, 10 or 16 on a string without
 * underscores: whitespace around, optional sign, optional matching
 * prefix, at least one digit.  Adds into *b (which must be zero) and
 * returns 0 with *neg set, or -1.
 */
static int py_int(const char *s, size_t n, int base, struct big *b, bool *neg,
		  char **err)
{
	size_t i = 0;
	while (i < n && is_pyspace(s[i]))
		i++;
	while (n > i && is_pyspace(s[n - 1]))
		n--;
	*neg = false;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		*neg = s[i++] == '-';
	if (base != 10 && n - i >= 2 && s[i] == '0') {
		char p = (char)(s[i + 1] | 0x20);
		if ((base == 16 && p == 'x') || (base == 8 && p == 'o') ||
		    (base == 2 && p == 'b'))
			i += 2;
	}
	if (i >= n)
		goto bad;
	for (size_t k = i; k < n; k++)
		if (digit_value(s[k]) >= base)
			goto bad;
	/* Python's digit limit, checked before the quadratic work. */
	while (i < n - 1 && s[i] == '0')
		i++;
	size_t sig = n - i;
	static const double log10_base[17] = {
		[2] = 0.30103, [8] = 0.90309, [10] = 1.0, [16] = 1.20412,
	};
	if (base == 10 ? sig > PYSCALAR_MAX_INT_DIGITS
		       : (double)sig * log10_base[base] >
				 PYSCALAR_MAX_INT_DIGITS + 1)
		return fail(err, "integer has more than %d digits (the limit "
			    "of Python's int conversion)",
			    PYSCALAR_MAX_INT_DIGITS);
	if (base == 10) {
		/* nine digits at a time */
		while (i < n) {
			size_t take = (n - i) % 9 ? (n - i) % 9 : 9;
			uint32_t chunk = 0, mul = 1;
			for (size_t k = 0; k < take; k++) {
				chunk = chunk * 10 + (uint32_t)(s[i + k] - '0');
				mul *= 10;
			}
			big_muladd(b, mul, chunk);
			i += take;
		}
	} else {
		for (; i < n; i++)
			big_muladd(b, (uint32_t)base,
				   (uint32_t)digit_value(s[i]));
	}
	return 0;
bad: {
	char *sh = pyscalar_quote(s, n);
	fail(err, "invalid literal for int() with base %d: '%s'", base, sh);
	free(sh);
	return -1;
}
}

static void set_int(struct pyscalar *out, struct big *b, bool neg)
{
	if (big_is_zero(b))
		neg = false; /* -0 is 0 */
	out->type = YSCALAR_INT;
	out->int_fits = big_to_i64(b, neg, &out->i);
	size_t len;
	char *dec = big_to_dec(b, &len);
	if (neg) {
		char *s = mae_xmalloc(len + 2);
		s[0] = '-';
		memcpy(s + 1, dec, len + 1);
		free(dec);
		dec = s;
		len++;
	}
	out->str = dec;
	out->str_len = len;
}

static int construct_int(const char *text, size_t len, struct pyscalar *out,
			 char **err)
{
	size_t n;
	char *v = drop_underscores(text, len, &n, false);
	char *s = v;
	int rc = -1;
	struct big b = { 0 };
	bool neg = false, sub_neg = false;
	if (n == 0) {
		rc = fail(err, "an empty value is not an integer");
		goto out;
	}
	if (s[0] == '-')
		neg = true;
	if (s[0] == '-' || s[0] == '+') {
		s++;
		n--;
	}
	if (eq(s, n, "0")) {
		rc = 0;
	} else if (n >= 2 && s[0] == '0' && s[1] == 'b') {
		rc = py_int(s + 2, n - 2, 2, &b, &sub_neg, err);
	} else if (n >= 2 && s[0] == '0' && s[1] == 'x') {
		rc = py_int(s + 2, n - 2, 16, &b, &sub_neg, err);
	} else if (n >= 1 && s[0] == '0') {
		rc = py_int(s, n, 8, &b, &sub_neg, err);
	} else if (n >= 1 && memchr(s, ':', n)) {
		/* sum(part * 60**k): Horner from the most significant part */
		size_t start = 0;
		rc = 0;
		for (size_t i = 0; i <= n && rc == 0; i++) {
			if (i < n && s[i] != ':')
				continue;
			struct big part = { 0 };
			bool pneg;
			rc = py_int(s + start, i - start, 10, &part, &pneg,
				    err);
			if (rc == 0 && start == 0) {
				big_release(&b);
				b = part;
				sub_neg = pneg;
				memset(&part, 0, sizeof(part));
			} else if (rc == 0) {
				if (pneg || part.n > 1) {
					/* only explicit !!int can get here */
					rc = fail(err, "unsupported "
						  "sexagesimal part");
				} else {
					if (b.n > PYSCALAR_MAX_INT_DIGITS / 9 +
							  1)
						rc = fail(err, "integer has "
							  "more than %d "
							  "digits",
							  PYSCALAR_MAX_INT_DIGITS);
					else
						big_muladd(&b, 60,
							   part.n ? part.d[0]
								  : 0);
				}
			}
			big_release(&part);
			start = i + 1;
		}
	} else {
		rc = py_int(s, n, 10, &b, &sub_neg, err);
	}
	if (rc == 0) {
		set_int(out, &b, neg != sub_neg);
		if (out->str_len > PYSCALAR_MAX_INT_DIGITS + 1) {
			free(out->str);
			out->str = NULL;
			rc = fail(err, "integer has more than %d digits (the "
				  "limit of Python's int conversion)",
				  PYSCALAR_MAX_INT_DIGITS);
		}
	}
out:
	big_release(&b);
	free(v);
	return rc;
}

/*
 * Python's float(s): whitespace around, sign, digits with an optional
 * point and exponent, or inf/infinity/nan in any case.  Not C's hex
 * floats or nan(...).
 */
static int py_float(const char *s, size_t n, double *ret, char **err)
{
	size_t i = 0;
	while (i < n && is_pyspace(s[i]))
		i++;
	while (n > i && is_pyspace(s[n - 1]))
		n--;
	char *t = mae_xstrndup(s + i, n - i);
	size_t m = n - i, k = 0;
	if (k < m && (t[k] == '-' || t[k] == '+'))
		k++;
	bool ok;
	if (!strcasecmp(t + k, "inf") || !strcasecmp(t + k, "infinity") ||
	    !strcasecmp(t + k, "nan")) {
		ok = true;
	} else {
		size_t d = 0;
		while (k < m && is_digit(t[k]))
			k++, d++;
		if (k < m && t[k] == '.') {
			k++;
			while (k < m && is_digit(t[k]))
				k++, d++;
		}
		ok = d > 0;
		if (ok && k < m && (t[k] == 'e' || t[k] == 'E')) {
			k++;
			if (k < m && (t[k] == '-' || t[k] == '+'))
				k++;
			size_t e = 0;
			while (k < m && is_digit(t[k]))
				k++, e++;
			ok = e > 0;
		}
		ok = ok && k == m && memchr(t, '\0', m) == NULL;
	}
	if (!ok) {
		char *sh = pyscalar_quote(s, n);
		fail(err, "could not convert string to float: '%s'", sh);
		free(sh);
		free(t);
		return -1;
	}
	*ret = strtod(t, NULL);
	free(t);
	return 0;
}

/* float(60**k), correctly rounded as Python converts the int; k < 174. */
static double pow60(size_t k)
{
	struct big b = { 0 };
	big_muladd(&b, 1, 1);
	for (size_t i = 0; i < k; i++)
		big_muladd(&b, 60, 0);
	size_t len;
	char *dec = big_to_dec(&b, &len);
	double r = strtod(dec, NULL);
	free(dec);
	big_release(&b);
	return r;
}

static int construct_float(const char *text, size_t len, struct pyscalar *out,
			   char **err)
{
	size_t n;
	char *v = drop_underscores(text, len, &n, true);
	char *s = v;
	int rc = 0;
	double sign = 1.0, f = 0.0;
	if (n == 0) {
		rc = fail(err, "an empty value is not a float");
		goto out;
	}
	if (s[0] == '-')
		sign = -1.0;
	if (s[0] == '-' || s[0] == '+') {
		s++;
		n--;
	}
	if (eq(s, n, ".inf")) {
		f = sign * INFINITY;
	} else if (eq(s, n, ".nan")) {
		f = NAN;
	} else if (memchr(s, ':', n)) {
		/* parts reversed; value += part * 60**k, in float */
		size_t start[175], end[175], np = 0, from = 0;
		for (size_t i = 0; i <= n; i++) {
			if (i < n && s[i] != ':')
				continue;
			if (np == 174) {
				rc = fail(err, "int too large to convert to "
					  "float");
				goto out;
			}
			start[np] = from;
			end[np++] = i;
			from = i + 1;
		}
		double value = 0.0;
		for (size_t k = 0; k < np; k++) {
			size_t idx = np - 1 - k;
			double part;
			rc = py_float(s + start[idx], end[idx] - start[idx],
				      &part, err);
			if (rc)
				goto out;
			value += part * pow60(k);
		}
		f = sign * value;
	} else {
		double p;
		rc = py_float(s, n, &p, err);
		if (rc)
			goto out;
		f = sign * p;
	}
	out->type = YSCALAR_FLOAT;
	out->f = f;
	char buf[32];
	mae_float_repr(f, buf);
	out->str = mae_xstrdup(buf);
	out->str_len = strlen(buf);
out:
	free(v);
	return rc;
}

static int construct_bool(const char *text, size_t len, struct pyscalar *out,
			  char **err)
{
	char low[8];
	size_t k = 0;
	if (len < sizeof(low)) {
		for (; k < len; k++)
			low[k] = (char)((text[k] >= 'A' && text[k] <= 'Z')
						? text[k] - 'A' + 'a'
						: text[k]);
		low[k] = '\0';
		static const char *const t[] = { "yes", "true", "on", NULL };
		static const char *const f[] = { "no", "false", "off", NULL };
		if (memchr(text, '\0', len) == NULL &&
		    (eq_any(low, k, t) || eq_any(low, k, f))) {
			out->type = YSCALAR_BOOL;
			out->b = eq_any(low, k, t);
			out->str = mae_xstrdup(out->b ? "True" : "False");
			out->str_len = strlen(out->str);
			return 0;
		}
	}
	char *sh = pyscalar_quote(text, len);
	fail(err, "'%s' is not a boolean (yes/no, true/false, on/off)", sh);
	free(sh);
	return -1;
}

static void construct_null(struct pyscalar *out)
{
	out->type = YSCALAR_NULL;
	out->str = mae_xstrdup("None");
	out->str_len = 4;
}

static void construct_str(const char *text, size_t len, struct pyscalar *out)
{
	out->type = YSCALAR_STR;
	out->str = mae_xmalloc(len + 1);
	memcpy(out->str, text, len);
	out->str[len] = '\0';
	out->str_len = len;
}

int pyscalar_resolve(const char *text, size_t len, bool plain,
		     const char *tag, struct pyscalar *out, char **err)
{
	memset(out, 0, sizeof(*out));
	*err = NULL;
	if (tag && strcmp(tag, "!") == 0) {
		construct_str(text, len, out);
		return 0;
	}
	if (tag) {
		const char *t = tag;
		if (mae_startswith(t, TAG_PREFIX)) {
			t += strlen(TAG_PREFIX);
			if (!strcmp(t, "str")) {
				construct_str(text, len, out);
				return 0;
			}
			if (!strcmp(t, "int"))
				return construct_int(text, len, out, err);
			if (!strcmp(t, "float"))
				return construct_float(text, len, out, err);
			if (!strcmp(t, "bool"))
				return construct_bool(text, len, out, err);
			if (!strcmp(t, "null")) {
				construct_null(out);
				return 0;
			}
			return fail(err, "unsupported tag '!!%s' (only !!str, "
				    "!!int, !!float, !!bool and !!null)", t);
		}
		return fail(err, "unsupported tag '%s' (only !!str, !!int, "
			    "!!float, !!bool and !!null)", tag);
	}
	if (!plain) {
		construct_str(text, len, out);
		return 0;
	}
	if (eq_any(text, len, bool_words))
		return construct_bool(text, len, out, err);
	if (match_float(text, len))
		return construct_float(text, len, out, err);
	if (match_int(text, len))
		return construct_int(text, len, out, err);
	if (eq(text, len, "<<")) {
		out->special = PYSCALAR_MERGE;
		return 0;
	}
	if (eq_any(text, len, null_words)) {
		construct_null(out);
		return 0;
	}
	struct tstamp ts;
	if (len > 0 && is_digit(text[0]) && match_timestamp(text, len, &ts))
		return construct_timestamp(&ts, out, err);
	if (eq(text, len, "=")) {
		out->special = PYSCALAR_EQUALS;
		return 0;
	}
	construct_str(text, len, out);
	return 0;
}

