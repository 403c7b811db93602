/*
 * template-value.c - the Python-like values of the template pass: a
 * counted bump pool, constructors, Python's str()/repr(), ==, <,
 * arithmetic (64-bit integers: overflow is an error, never a wrong
 * number), iteration, len() and json.dumps as Jinja2's tojson calls it.
 *
 * Must not know about templates or scopes: template.c evaluates.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template-int.h"
#include "yaml-tree.h"

/* ------------------------------------------------------------------ */
/* Pool                                                                 */

/*
 * The render's pool is base's arena with the template limit; each block
 * carries its size in front (16 bytes, keeping the alignment) for
 * tpool_realloc.
 */
void *tpool_alloc(struct tpool *p, size_t n)
{
	p->arena.max = TMPL_MAX_MEMORY;
	if (n > TMPL_MAX_MEMORY)
		return NULL;
	size_t *h = mae_arena_alloc(&p->arena, n + 2 * sizeof(size_t));
	if (!h)
		return NULL;
	*h = n;
	return h + 2;
}

void *tpool_realloc(struct tpool *p, void *old, size_t n)
{
	size_t oldn = old ? ((size_t *)old)[-2] : 0;
	if (old && n <= oldn)
		return old;
	void *nw = tpool_alloc(p, n);
	if (nw && old)
		memcpy(nw, old, oldn);
	return nw;
}

char *tpool_strndup(struct tpool *p, const char *s, size_t n)
{
	char *r = tpool_alloc(p, n + 1);
	if (r)
		memcpy(r, s, n);
	return r;
}

void tpool_release(struct tpool *p)
{
	mae_arena_release(&p->arena);
}

/* ------------------------------------------------------------------ */
/* Errors and budgets                                                   */

int terr(struct rctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!c->failed)
		mae_diag_vfile(c->d, MAE_SEV_ERROR, c->file, c->pos.line, c->pos.col, fmt, ap);
	va_end(ap);
	c->failed = true;
	return -1;
}

void twarn(struct rctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mae_diag_vfile(c->d, MAE_SEV_WARNING, c->file, c->pos.line, c->pos.col, fmt, ap);
	va_end(ap);
}

int tmpl_step(struct rctx *c)
{
	if (++c->iterations > TMPL_MAX_ITERATIONS)
		return terr(c, "more than %lld loop iterations in total",
			    (long long)TMPL_MAX_ITERATIONS);
	return 0;
}

int tmpl_work(struct rctx *c, int64_t n)
{
	c->work += n;
	if (c->work > TMPL_MAX_WORK)
		return terr(c, "template does too much work (more than %lld "
			    "comparisons)", (long long)TMPL_MAX_WORK);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Constructors                                                         */

struct tvalue *tv_new(struct rctx *c, enum tval_kind k)
{
	struct tvalue *v = tpool_alloc(&c->pool, sizeof(*v));
	if (!v) {
		terr(c, "template uses more than %zu MiB of memory",
		     TMPL_MAX_MEMORY >> 20);
		return NULL;
	}
	v->k = k;
	return v;
}

struct tvalue *tv_int(struct rctx *c, int64_t i)
{
	struct tvalue *v = tv_new(c, TV_INT);
	if (v)
		v->u.i = i;
	return v;
}

struct tvalue *tv_float(struct rctx *c, double f)
{
	struct tvalue *v = tv_new(c, TV_FLOAT);
	if (v)
		v->u.f = f;
	return v;
}

struct tvalue *tv_bool(struct rctx *c, bool b)
{
	static struct tvalue t = { .k = TV_BOOL, .u.b = true };
	static struct tvalue f = { .k = TV_BOOL, .u.b = false };
	(void)c;
	return b ? &t : &f;
}

struct tvalue *tv_none(struct rctx *c)
{
	static struct tvalue none = { .k = TV_NONE };
	(void)c;
	return &none;
}

struct tvalue *tv_undef(struct rctx *c, const char *what)
{
	struct tvalue *v = tv_new(c, TV_UNDEF);
	if (v)
		v->u.undef = what;
	return v;
}

struct tvalue *tv_str(struct rctx *c, const char *s, size_t n)
{
	struct tvalue *v = tv_new(c, TV_STR);
	if (!v)
		return NULL;
	char *d = tpool_strndup(&c->pool, s, n);
	if (!d) {
		terr(c, "template uses more than %zu MiB of memory",
		     TMPL_MAX_MEMORY >> 20);
		return NULL;
	}
	v->u.str.s = d;
	v->u.str.n = n;
	return v;
}

struct tvalue *tv_str_buf(struct rctx *c, struct mae_buf *b)
{
	struct tvalue *v = NULL;
	if (b->overflow)
		terr(c, "a string longer than %zu MiB", TMPL_MAX_OUTPUT >> 20);
	else
		v = tv_str(c, mae_buf_str(b), b->len);
	mae_buf_release(b);
	return v;
}

int tseq_push(struct rctx *c, struct tseq *q, struct tvalue *v)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 4;
		struct tvalue **nv = tpool_realloc(&c->pool, q->v,
						   cap * sizeof(*nv));
		if (!nv)
			return terr(c, "template uses more than %zu MiB of memory",
				    TMPL_MAX_MEMORY >> 20);
		q->v = nv;
		q->cap = cap;
	}
	q->v[q->n++] = v;
	q->taint |= (uint8_t)tv_taint_src(v);
	return 0;
}

unsigned tv_taint(const struct tvalue *v)
{
	unsigned t = v->taint;
	switch (v->k) {
	case TV_LIST: case TV_TUPLE: case TV_VIEW:
		return t | v->u.seq.taint;
	case TV_DICT: case TV_NS:
		return t | v->u.dict.taint;
	case TV_GEN:
		return v->gen_src ? t | tv_taint_src(v->gen_src) : t;
	case TV_METHOD:
		return t | tv_taint(v->u.method.self);
	default:
		return t;
	}
}

unsigned tv_taint_src(const struct tvalue *v)
{
	bool whole = v->environ ||
		     (v->k == TV_METHOD && v->u.method.self->environ);
	return tv_taint(v) | (whole ? TAINT_WHOLE : 0);
}

struct tvalue *tv_marked(struct rctx *c, const struct tvalue *v,
			 unsigned bits)
{
	struct tvalue *r = tv_new(c, v->k);
	if (!r)
		return NULL;
	*r = *v;
	r->taint |= (uint8_t)bits;
	if (v->environ)
		r->taint |= TAINT_WHOLE;
	r->environ = false;
	size_t n = 0;
	struct tvalue ***arrs[2] = { NULL, NULL };
	if (v->k == TV_LIST || v->k == TV_TUPLE || v->k == TV_VIEW) {
		n = v->u.seq.n;
		r->u.seq.cap = n;
		arrs[0] = &r->u.seq.v;
	} else if (v->k == TV_DICT || v->k == TV_NS) {
		n = v->u.dict.n;
		r->u.dict.cap = n;
		arrs[0] = &r->u.dict.keys;
		arrs[1] = &r->u.dict.vals;
	}
	for (int i = 0; i < 2 && arrs[i] && n; i++) {
		struct tvalue **a = tpool_alloc(&c->pool, n * sizeof(*a));
		if (!a) {
			terr(c, "template uses more than %zu MiB of memory",
			     TMPL_MAX_MEMORY >> 20);
			return NULL;
		}
		memcpy(a, *arrs[i], n * sizeof(*a));
		*arrs[i] = a;
	}
	return r;
}

static bool hashable(const struct tvalue *v, int depth)
{
	switch (v->k) {
	case TV_LIST: case TV_DICT: case TV_NS: case TV_VIEW:
		return false;
	case TV_TUPLE:
		if (depth > TMPL_MAX_VALUE_DEPTH)
			return false; /* reported as unhashable: no deep recursion */
		for (size_t i = 0; i < v->u.seq.n; i++)
			if (!hashable(v->u.seq.v[i], depth + 1))
				return false;
		return true;
	default:
		return true;
	}
}

bool tv_hashable(const struct tvalue *v)
{
	return hashable(v, 0);
}

struct tvalue *tdict_get(struct rctx *c, struct tdict *d,
			 const struct tvalue *k, bool *err)
{
	*err = false;
	if (!tv_hashable(k)) {
		*err = true;
		return NULL;
	}
	for (size_t i = 0; i < d->n; i++) {
		int eq = tmpl_work(c, 1) < 0 ? -1 : tv_eq(c, d->keys[i], k);
		if (eq < 0) {
			*err = true;
			return NULL;
		}
		if (eq)
			return d->vals[i];
	}
	return NULL;
}

int tdict_set(struct rctx *c, struct tdict *d, struct tvalue *k,
	      struct tvalue *v)
{
	if (!tv_hashable(k))
		return terr(c, "unhashable type: '%s'", tv_type_name(k));
	for (size_t i = 0; i < d->n; i++) {
		int eq = tmpl_work(c, 1) < 0 ? -1 : tv_eq(c, d->keys[i], k);
		if (eq < 0)
			return -1;
		if (eq) {
			d->vals[i] = v;
			d->taint |= (uint8_t)tv_taint_src(v);
			return 0;
		}
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 4;
		struct tvalue **nk = tpool_realloc(&c->pool, d->keys,
						   cap * sizeof(*nk));
		struct tvalue **nv = nk ? tpool_realloc(&c->pool, d->vals,
							cap * sizeof(*nv)) : NULL;
		if (!nv)
			return terr(c, "template uses more than %zu MiB of memory",
				    TMPL_MAX_MEMORY >> 20);
		d->keys = nk;
		d->vals = nv;
		d->cap = cap;
	}
	d->keys[d->n] = k;
	d->vals[d->n++] = v;
	d->taint |= (uint8_t)(tv_taint_src(k) | tv_taint_src(v));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Inspection                                                           */

const char *tv_type_name(const struct tvalue *v)
{
	switch (v->k) {
	case TV_UNDEF: return "Undefined";
	case TV_NONE: return "NoneType";
	case TV_BOOL: return "bool";
	case TV_INT: return "int";
	case TV_FLOAT: return "float";
	case TV_STR: return "str";
	case TV_LIST: return "list";
	case TV_TUPLE: return "tuple";
	case TV_DICT: return v->environ ? "_Environ" : "dict";
	case TV_RANGE: return "range";
	case TV_MACRO: return "Macro";
	case TV_NS: return "Namespace";
	case TV_LOOP: return "LoopContext";
	case TV_METHOD: return "builtin_function_or_method";
	case TV_BUILTIN: return "builtin";
	case TV_GEN: return "generator";
	case TV_VIEW: return v->view;
	}
	return "object";
}

bool tv_is_num(const struct tvalue *v)
{
	return v->k == TV_INT || v->k == TV_FLOAT || v->k == TV_BOOL;
}

/*
 * Python's len(range) exactly: up to 2**64 - 1 (range(-2**63, 2**63-1)),
 * so unsigned; every difference is taken in uint64_t, where it is exact
 * because it is never negative.
 */
uint64_t tv_range_len(const struct tvalue *v)
{
	int64_t a = v->u.range.start, b = v->u.range.stop, s = v->u.range.step;
	if (s > 0 && a < b)
		return ((uint64_t)b - (uint64_t)a - 1) / (uint64_t)s + 1;
	if (s < 0 && a > b)
		return ((uint64_t)a - (uint64_t)b - 1) / (0 - (uint64_t)s) + 1;
	return 0;
}

int64_t tv_range_item(const struct tvalue *v, uint64_t i)
{
	/* start + i * step wraps modulo 2**64 on the way, but the item
	 * itself lies between start and stop, so the result is exact */
	return (int64_t)((uint64_t)v->u.range.start +
			 i * (uint64_t)v->u.range.step);
}

bool tv_truthy(const struct tvalue *v)
{
	switch (v->k) {
	case TV_UNDEF: case TV_NONE: return false;
	case TV_BOOL: return v->u.b;
	case TV_INT: return v->u.i != 0;
	case TV_FLOAT: return v->u.f != 0.0;
	case TV_STR: return v->u.str.n > 0;
	case TV_LIST: case TV_TUPLE: case TV_VIEW: return v->u.seq.n > 0;
	case TV_DICT: return v->u.dict.n > 0;
	case TV_RANGE: return tv_range_len(v) > 0;
	default: return true;
	}
}

int64_t tv_len(struct rctx *c, const struct tvalue *v)
{
	switch (v->k) {
	case TV_UNDEF: return 0;
	case TV_STR:
		if (tmpl_work(c, 1 + (int64_t)(v->u.str.n / 64)) < 0)
			return -1;
		return (int64_t)mae_utf8_count(v->u.str.s, v->u.str.n);
	case TV_LIST: case TV_TUPLE: case TV_VIEW: return (int64_t)v->u.seq.n;
	case TV_DICT: return (int64_t)v->u.dict.n;
	case TV_RANGE:
		if (tv_range_len(v) > INT64_MAX)
			/* Python: OverflowError from len() */
			return terr(c, "range too long for len(): more than "
				    "%lld items (the limit)", (long long)INT64_MAX);
		return (int64_t)tv_range_len(v);
	default:
		return terr(c, "object of type '%s' has no len()",
			    tv_type_name(v));
	}
}

/* ------------------------------------------------------------------ */
/* str() and repr()                                                     */

void tv_float_repr(double x, struct mae_buf *b)
{
	char buf[32];
	mae_float_repr(x, buf); /* base's, shared with the YAML reader */
	mae_buf_adds(b, buf);
}

/* Python's str.isprintable() for a non-ASCII code point (approximate:
 * the control, format, separator and private-use ranges). */
static bool cp_printable(uint32_t cp)
{
	if (cp <= 0xa0 || cp == 0xad || cp == 0x61c || cp == 0x1680 ||
	    cp == 0x180e || (cp >= 0x2000 && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202f) || (cp >= 0x205f && cp <= 0x206f) ||
	    cp == 0x3000 || (cp >= 0xd800 && cp <= 0xf8ff) || cp == 0xfeff ||
	    (cp >= 0xfff9 && cp <= 0xfffb) || (cp & 0xfffe) == 0xfffe ||
	    (cp >= 0x3134b && cp < 0xe0100) || cp > 0xe01ef)
		return false; /* planes 3 to 16 are unassigned or private */
	return true;
}

static void str_repr(const char *s, size_t n, struct mae_buf *b)
{
	bool sq = memchr(s, '\'', n) != NULL, dq = memchr(s, '"', n) != NULL;
	char q = sq && !dq ? '"' : '\'';
	mae_buf_addc(b, q);
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x80) {
			uint32_t cp;
			size_t l = tmpl_utf8_get(s + i, &cp);
			if (cp_printable(cp))
				mae_buf_add(b, s + i, l);
			else if (cp <= 0xff)
				mae_buf_addf(b, "\\x%02x", (unsigned)cp);
			else if (cp <= 0xffff)
				mae_buf_addf(b, "\\u%04x", (unsigned)cp);
			else
				mae_buf_addf(b, "\\U%08x", (unsigned)cp);
			i += l;
			continue;
		}
		i++;
		if (ch == (unsigned char)q || ch == '\\') {
			mae_buf_addc(b, '\\');
			mae_buf_addc(b, (char)ch);
		} else if (ch == '\t') {
			mae_buf_adds(b, "\\t");
		} else if (ch == '\n') {
			mae_buf_adds(b, "\\n");
		} else if (ch == '\r') {
			mae_buf_adds(b, "\\r");
		} else if (ch < ' ' || ch == 0x7f) {
			mae_buf_addf(b, "\\x%02x", ch);
		} else {
			mae_buf_addc(b, (char)ch);
		}
	}
	mae_buf_addc(b, q);
}

static int repr_depth_enter(struct rctx *c)
{
	if (++c->value_depth > TMPL_MAX_VALUE_DEPTH) {
		c->value_depth--;
		return terr(c, "values nested deeper than %d levels",
			    TMPL_MAX_VALUE_DEPTH);
	}
	return 0;
}


static int repr_inner(struct rctx *c, const struct tvalue *v,
		      struct mae_buf *b)
{
	int rc = 0;
	switch (v->k) {
	case TV_UNDEF: mae_buf_adds(b, "Undefined"); return 0;
	case TV_STR:
		if (v->markup)
			mae_buf_adds(b, "Markup(");
		str_repr(v->u.str.s, v->u.str.n, b);
		if (v->markup)
			mae_buf_addc(b, ')');
		return 0;
	case TV_LIST: case TV_TUPLE: case TV_DICT: case TV_VIEW:
		break;
	default:
		return tv_to_str(c, v, b);
	}
	for (int i = 0; i < c->value_depth; i++)
		if (c->vstack[i] == v) {
			mae_buf_adds(b, v->k == TV_DICT ? "{...}" : "[...]");
			return 0;
		}
	if (v->k == TV_DICT && v->environ)
		return terr(c, "unsupported: printing 'env' (it would show every "
			    "variable of the environment)");
	if (repr_depth_enter(c) < 0)
		return -1;
	c->vstack[c->value_depth - 1] = v;
	if (v->k == TV_DICT) {
		mae_buf_addc(b, '{');
		for (size_t i = 0; i < v->u.dict.n && rc == 0; i++) {
			if (i)
				mae_buf_adds(b, ", ");
			rc = repr_inner(c, v->u.dict.keys[i], b);
			mae_buf_adds(b, ": ");
			if (rc == 0)
				rc = repr_inner(c, v->u.dict.vals[i], b);
		}
		mae_buf_addc(b, '}');
	} else {
		if (v->k == TV_VIEW) {
			mae_buf_adds(b, v->view);
			mae_buf_addc(b, '(');
		}
		mae_buf_addc(b, v->k == TV_TUPLE ? '(' : '[');
		for (size_t i = 0; i < v->u.seq.n && rc == 0; i++) {
			if (i)
				mae_buf_adds(b, ", ");
			rc = repr_inner(c, v->u.seq.v[i], b);
		}
		if (v->k == TV_TUPLE && v->u.seq.n == 1)
			mae_buf_addc(b, ',');
		mae_buf_addc(b, v->k == TV_TUPLE ? ')' : ']');
		if (v->k == TV_VIEW)
			mae_buf_addc(b, ')');
	}
	c->value_depth--;
	if (rc == 0 && b->overflow)
		return terr(c, "a string longer than %zu MiB",
			    TMPL_MAX_OUTPUT >> 20);
	return rc;
}

int tv_repr(struct rctx *c, const struct tvalue *v, struct mae_buf *b)
{
	return repr_inner(c, v, b);
}

int tv_to_str(struct rctx *c, const struct tvalue *v, struct mae_buf *b)
{
	switch (v->k) {
	case TV_UNDEF: return 0;
	case TV_NONE: mae_buf_adds(b, "None"); return 0;
	case TV_BOOL: mae_buf_adds(b, v->u.b ? "True" : "False"); return 0;
	case TV_INT: mae_buf_addf(b, "%lld", (long long)v->u.i); return 0;
	case TV_FLOAT: tv_float_repr(v->u.f, b); return 0;
	case TV_STR: mae_buf_add(b, v->u.str.s, v->u.str.n); return 0;
	case TV_LIST: case TV_TUPLE: case TV_DICT: case TV_VIEW:
		return repr_inner(c, v, b);
	case TV_RANGE:
		mae_buf_addf(b, "range(%lld, %lld", (long long)v->u.range.start,
			     (long long)v->u.range.stop);
		if (v->u.range.step != 1)
			mae_buf_addf(b, ", %lld", (long long)v->u.range.step);
		mae_buf_addc(b, ')');
		return 0;
	default:
		return terr(c, "unsupported: printing a %s object",
			    tv_type_name(v));
	}
}

/* ------------------------------------------------------------------ */
/* Comparison                                                           */

static int num_cmp(const struct tvalue *a, const struct tvalue *b)
{
	/* -1, 0, 1; 2 when unordered (nan) */
	if (a->k != TV_FLOAT && b->k != TV_FLOAT) {
		int64_t x = a->k == TV_BOOL ? a->u.b : a->u.i;
		int64_t y = b->k == TV_BOOL ? b->u.b : b->u.i;
		return x < y ? -1 : x > y;
	}
	long double x = a->k == TV_FLOAT ? a->u.f : a->k == TV_BOOL ? a->u.b :
		(long double)a->u.i;
	long double y = b->k == TV_FLOAT ? b->u.f : b->k == TV_BOOL ? b->u.b :
		(long double)b->u.i;
	if (isnan(x) || isnan(y))
		return 2;
	return x < y ? -1 : x > y;
}

static int str_cmp(struct rctx *c, const struct tvalue *a,
		   const struct tvalue *b)
{
	tmpl_work(c, 1 + (int64_t)(a->u.str.n / 64));
	size_t n = a->u.str.n < b->u.str.n ? a->u.str.n : b->u.str.n;
	int r = memcmp(a->u.str.s, b->u.str.s, n);
	if (r)
		return r < 0 ? -1 : 1;
	return a->u.str.n < b->u.str.n ? -1 : a->u.str.n > b->u.str.n;
}

int tv_eq(struct rctx *c, const struct tvalue *a, const struct tvalue *b)
{
	if (a == b && a->k != TV_FLOAT)
		return 1;
	if (tv_is_num(a) && tv_is_num(b))
		return num_cmp(a, b) == 0;
	if (a->k != b->k)
		return 0;
	switch (a->k) {
	case TV_UNDEF: case TV_NONE: return 1;
	case TV_STR: return str_cmp(c, a, b) == 0;
	case TV_RANGE: {
		uint64_t la = tv_range_len(a), lb = tv_range_len(b);
		if (la != lb)
			return 0;
		if (la == 0)
			return 1;
		if (a->u.range.start != b->u.range.start)
			return 0;
		return la == 1 || a->u.range.step == b->u.range.step;
	}
	case TV_LIST: case TV_TUPLE: {
		if (a->u.seq.n != b->u.seq.n)
			return 0;
		if (repr_depth_enter(c) < 0)
			return -1;
		int r = 1;
		for (size_t i = 0; i < a->u.seq.n && r == 1; i++)
			r = tmpl_work(c, 1) < 0 ? -1 :
			    a->u.seq.v[i] == b->u.seq.v[i] ? 1 :
			    tv_eq(c, a->u.seq.v[i], b->u.seq.v[i]);
		c->value_depth--;
		return r;
	}
	case TV_DICT: {
		if (a->u.dict.n != b->u.dict.n)
			return 0;
		if (repr_depth_enter(c) < 0)
			return -1;
		int r = 1;
		for (size_t i = 0; i < a->u.dict.n && r == 1; i++) {
			bool err;
			struct tvalue *o = tdict_get(c, (struct tdict *)&b->u.dict,
						     a->u.dict.keys[i], &err);
			if (err)
				r = -1;
			else if (!o)
				r = 0;
			else
				r = tv_eq(c, a->u.dict.vals[i], o);
		}
		c->value_depth--;
		return r;
	}
	case TV_VIEW:
		return terr(c, "unsupported comparison of '%s' objects", a->view);
	default:
		return 0; /* identity, checked above */
	}
}

int tv_lt(struct rctx *c, const struct tvalue *a, const struct tvalue *b)
{
	if (a->k == TV_UNDEF || b->k == TV_UNDEF)
		return terr(c, "'%s' is undefined", a->k == TV_UNDEF ?
			    a->u.undef : b->u.undef);
	if (tv_is_num(a) && tv_is_num(b))
		return num_cmp(a, b) == -1;
	if (a->k == TV_STR && b->k == TV_STR)
		return str_cmp(c, a, b) < 0;
	if (a->k == b->k && (a->k == TV_LIST || a->k == TV_TUPLE)) {
		if (repr_depth_enter(c) < 0)
			return -1;
		size_t n = a->u.seq.n < b->u.seq.n ? a->u.seq.n : b->u.seq.n;
		int r = -2;
		for (size_t i = 0; i < n && r == -2; i++) {
			int eq = tmpl_work(c, 1) < 0 ? -1 :
				 tv_eq(c, a->u.seq.v[i], b->u.seq.v[i]);
			if (eq < 0)
				r = -1;
			else if (!eq)
				r = tv_lt(c, a->u.seq.v[i], b->u.seq.v[i]);
		}
		c->value_depth--;
		if (r == -2)
			r = a->u.seq.n < b->u.seq.n;
		return r;
	}
	return terr(c, "'<' not supported between instances of '%s' and '%s'",
		    tv_type_name(a), tv_type_name(b));
}

/* ------------------------------------------------------------------ */
/* Arithmetic                                                           */

static int overflow(struct rctx *c)
{
	return terr(c, "integer overflow (template integers are 64-bit)");
}

static double as_double(const struct tvalue *v)
{
	return v->k == TV_FLOAT ? v->u.f : v->k == TV_BOOL ? v->u.b :
		(double)v->u.i;
}

static int64_t as_int(const struct tvalue *v)
{
	return v->k == TV_BOOL ? v->u.b : v->u.i;
}

static struct tvalue *seq_concat(struct rctx *c, enum tval_kind k,
				 const struct tseq *x, const struct tseq *y)
{
	struct tvalue *r = tv_new(c, k);
	if (!r)
		return NULL;
	for (size_t i = 0; i < x->n; i++)
		if (tmpl_step(c) < 0 || tseq_push(c, &r->u.seq, x->v[i]) < 0)
			return NULL;
	for (size_t i = 0; i < y->n; i++)
		if (tmpl_step(c) < 0 || tseq_push(c, &r->u.seq, y->v[i]) < 0)
			return NULL;
	return r;
}

static struct tvalue *repeat(struct rctx *c, const struct tvalue *s,
			     int64_t times)
{
	if (times < 0)
		times = 0;
	if (s->k == TV_STR ? s->u.str.n == 0 : s->u.seq.n == 0)
		times = 0; /* nothing to repeat: do not loop `times` times */
	if (s->k == TV_STR) {
		if (s->u.str.n && (uint64_t)times > TMPL_MAX_OUTPUT / s->u.str.n) {
			terr(c, "a string longer than %zu MiB",
			     TMPL_MAX_OUTPUT >> 20);
			return NULL;
		}
		struct mae_buf b = MAE_BUF_INIT;
		for (int64_t i = 0; i < times; i++)
			mae_buf_add(&b, s->u.str.s, s->u.str.n);
		return tv_str_buf(c, &b);
	}
	struct tvalue *r = tv_new(c, s->k);
	if (!r)
		return NULL;
	for (int64_t i = 0; i < times; i++)
		for (size_t j = 0; j < s->u.seq.n; j++)
			if (tmpl_step(c) < 0 ||
			    tseq_push(c, &r->u.seq, s->u.seq.v[j]) < 0)
				return NULL;
	return r;
}

static double py_fmod(double x, double y, double *div_out)
{
	double mod = fmod(x, y);
	double div = (x - mod) / y;
	if (mod != 0.0) {
		if ((y < 0) != (mod < 0)) {
			mod += y;
			div -= 1.0;
		}
	} else {
		mod = copysign(0.0, y);
	}
	double fl;
	if (div != 0.0) {
		fl = floor(div);
		if (div - fl > 0.5)
			fl += 1.0;
	} else {
		fl = copysign(0.0, x / y);
	}
	*div_out = fl;
	return mod;
}

static struct tvalue *ipow(struct rctx *c, int64_t base, int64_t e)
{
	int64_t r = 1;
	if (base == 0 || base == 1)
		return tv_int(c, e == 0 ? 1 : base);
	if (base == -1)
		return tv_int(c, e % 2 ? -1 : 1);
	while (e > 0) {
		if (e & 1) {
			if (__builtin_mul_overflow(r, base, &r)) {
				overflow(c);
				return NULL;
			}
		}
		e >>= 1;
		if (e && __builtin_mul_overflow(base, base, &base)) {
			overflow(c);
			return NULL;
		}
	}
	return tv_int(c, r);
}

static struct tvalue *type_error(struct rctx *c, const char *op,
				 const struct tvalue *a, const struct tvalue *b)
{
	if (a->k == TV_UNDEF || b->k == TV_UNDEF)
		terr(c, "'%s' is undefined", a->k == TV_UNDEF ? a->u.undef :
		     b->u.undef);
	else
		terr(c, "unsupported operand type(s) for %s: '%s' and '%s'", op,
		     tv_type_name(a), tv_type_name(b));
	return NULL;
}

struct tvalue *tv_binop(struct rctx *c, const char *op, struct tvalue *a,
			struct tvalue *b)
{
	if ((a->k == TV_STR && a->markup) || (b->k == TV_STR && b->markup)) {
		/* Markup escapes the other operand: outside the subset */
		terr(c, "unsupported: '%s' with the result of tojson", op);
		return NULL;
	}
	bool nums = tv_is_num(a) && tv_is_num(b);
	bool ints = nums && a->k != TV_FLOAT && b->k != TV_FLOAT;
	int64_t r;
	switch (op[0]) {
	case '+':
		if (ints) {
			if (__builtin_add_overflow(as_int(a), as_int(b), &r)) {
				overflow(c);
				return NULL;
			}
			return tv_int(c, r);
		}
		if (nums)
			return tv_float(c, as_double(a) + as_double(b));
		if (a->k == TV_STR && b->k == TV_STR) {
			struct mae_buf buf = MAE_BUF_INIT;
			buf.max = TMPL_MAX_OUTPUT;
			mae_buf_add(&buf, a->u.str.s, a->u.str.n);
			mae_buf_add(&buf, b->u.str.s, b->u.str.n);
			return tv_str_buf(c, &buf);
		}
		if (a->k == b->k && (a->k == TV_LIST || a->k == TV_TUPLE))
			return seq_concat(c, a->k, &a->u.seq, &b->u.seq);
		return type_error(c, "+", a, b);
	case '-':
		if (ints) {
			if (__builtin_sub_overflow(as_int(a), as_int(b), &r)) {
				overflow(c);
				return NULL;
			}
			return tv_int(c, r);
		}
		if (nums)
			return tv_float(c, as_double(a) - as_double(b));
		return type_error(c, "-", a, b);
	case '*':
		if (op[1] == '*') {
			if (ints) {
				if (as_int(b) >= 0)
					return ipow(c, as_int(a), as_int(b));
				if (as_int(a) == 0) {
					terr(c, "0.0 cannot be raised to a negative power");
					return NULL;
				}
				return tv_float(c, pow(as_double(a), as_double(b)));
			}
			if (nums) {
				double x = as_double(a), y = as_double(b);
				if (x == 0.0 && y < 0) {
					terr(c, "0.0 cannot be raised to a negative power");
					return NULL;
				}
				if (x < 0 && y != floor(y) && !isinf(y)) {
					terr(c, "unsupported: complex result of '**'");
					return NULL;
				}
				double z = pow(x, y);
				if (isinf(z) && !isinf(x) && !isinf(y)) {
					terr(c, "float overflow in '**'");
					return NULL;
				}
				return tv_float(c, z);
			}
			return type_error(c, "** or pow()", a, b);
		}
		if (ints) {
			if (__builtin_mul_overflow(as_int(a), as_int(b), &r)) {
				overflow(c);
				return NULL;
			}
			return tv_int(c, r);
		}
		if (nums)
			return tv_float(c, as_double(a) * as_double(b));
		if ((a->k == TV_STR || a->k == TV_LIST || a->k == TV_TUPLE) &&
		    (b->k == TV_INT || b->k == TV_BOOL))
			return repeat(c, a, as_int(b));
		if ((b->k == TV_STR || b->k == TV_LIST || b->k == TV_TUPLE) &&
		    (a->k == TV_INT || a->k == TV_BOOL))
			return repeat(c, b, as_int(a));
		return type_error(c, "*", a, b);
	case '/':
		if (!nums)
			return type_error(c, op, a, b);
		if (as_double(b) == 0.0 && !(ints ? as_int(b) != 0 : false)) {
			terr(c, op[1] ? "integer division or modulo by zero" :
			     "division by zero");
			return NULL;
		}
		if (op[1] == '/') {
			if (ints) {
				int64_t x = as_int(a), y = as_int(b);
				if (x == INT64_MIN && y == -1) {
					overflow(c);
					return NULL;
				}
				int64_t q = x / y;
				if ((x % y != 0) && ((x < 0) != (y < 0)))
					q--;
				return tv_int(c, q);
			}
			double d;
			py_fmod(as_double(a), as_double(b), &d);
			return tv_float(c, d);
		}
		return tv_float(c, as_double(a) / as_double(b));
	case '%':
		if (a->k == TV_STR) {
			terr(c, "unsupported: string formatting with '%%'");
			return NULL;
		}
		if (!nums)
			return type_error(c, "%", a, b);
		if (as_double(b) == 0.0) {
			terr(c, ints ? "integer division or modulo by zero" :
			     "float modulo");
			return NULL;
		}
		if (ints) {
			int64_t x = as_int(a), y = as_int(b);
			if (y == -1)
				return tv_int(c, 0);
			int64_t m = x % y;
			if (m != 0 && ((m < 0) != (y < 0)))
				m += y;
			return tv_int(c, m);
		} else {
			double d;
			return tv_float(c, py_fmod(as_double(a), as_double(b), &d));
		}
	}
	terr(c, "unsupported operator '%s'", op);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Iteration                                                            */

/* str.lower() of an ASCII string (the key of sort/unique). */
struct tvalue *tv_lower_key(struct rctx *c, struct tvalue *v)
{
	if (v->k != TV_STR)
		return v;
	for (size_t i = 0; i < v->u.str.n; i++)
		if ((unsigned char)v->u.str.s[i] >= 0x80) {
			terr(c, "unsupported: case-insensitive sort or unique of "
			     "non-ASCII text");
			return NULL;
		}
	struct tvalue *r = tv_str(c, v->u.str.s, v->u.str.n);
	if (!r)
		return NULL;
	char *d = (char *)r->u.str.s;
	for (size_t i = 0; i < r->u.str.n; i++)
		if (d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] + 32);
	return r;
}

/* Jinja2's do_unique, run when the generator is consumed. */
static struct tseq *unique_items(struct rctx *c, struct tvalue *src, bool cs)
{
	struct tseq *q = tv_items(c, src);
	struct tseq *r = q ? tpool_alloc(&c->pool, sizeof(*r)) : NULL;
	struct tdict seen = { 0 };
	if (!r) {
		if (q)
			terr(c, "template uses more than %zu MiB of memory",
			     TMPL_MAX_MEMORY >> 20);
		return NULL;
	}
	for (size_t i = 0; i < q->n; i++) {
		struct tvalue *k = cs ? q->v[i] : tv_lower_key(c, q->v[i]);
		bool err;
		if (!k)
			return NULL;
		if (!tv_hashable(k)) {
			terr(c, "unhashable type: '%s'", tv_type_name(k));
			return NULL;
		}
		if (tdict_get(c, &seen, k, &err) || err) {
			if (err)
				return NULL;
			continue;
		}
		if (tmpl_step(c) < 0 || tdict_set(c, &seen, k, k) < 0 ||
		    tseq_push(c, r, q->v[i]) < 0)
			return NULL;
	}
	return r;
}

static struct tseq *items_of(struct rctx *c, struct tvalue *v);

/* Iterating a tainted value (or env) gives tainted items. */
struct tseq *tv_items(struct rctx *c, struct tvalue *v)
{
	struct tseq *q = items_of(c, v);
	unsigned bits = tv_taint_src(v);
	if (!q || !bits || !q->n)
		return q;
	struct tseq *t = tpool_alloc(&c->pool, sizeof(*t));
	struct tvalue **a = t ? tpool_alloc(&c->pool, q->n * sizeof(*a)) : NULL;
	if (!a) {
		terr(c, "template uses more than %zu MiB of memory",
		     TMPL_MAX_MEMORY >> 20);
		return NULL;
	}
	t->v = a;
	t->n = t->cap = q->n;
	t->taint = (uint8_t)bits;
	for (size_t i = 0; i < q->n; i++)
		if (!(a[i] = (tv_taint(q->v[i]) & bits) == bits ? q->v[i] :
			     tv_marked(c, q->v[i], bits)))
			return NULL;
	return t;
}

static struct tseq *items_of(struct rctx *c, struct tvalue *v)
{
	struct tseq *q = tpool_alloc(&c->pool, sizeof(*q));
	if (!q) {
		terr(c, "template uses more than %zu MiB of memory",
		     TMPL_MAX_MEMORY >> 20);
		return NULL;
	}
	switch (v->k) {
	case TV_UNDEF:
		return q;
	case TV_LIST: case TV_TUPLE: case TV_VIEW:
		*q = v->u.seq;
		return q;
	case TV_GEN:
		if (v->consumed)
			return q;
		v->consumed = true;
		return unique_items(c, v->gen_src, v->gen_cs);
	case TV_DICT:
		for (size_t i = 0; i < v->u.dict.n; i++)
			if (tmpl_step(c) < 0 ||
			    tseq_push(c, q, v->u.dict.keys[i]) < 0)
				return NULL;
		return q;
	case TV_STR:
		for (size_t i = 0; i < v->u.str.n;) {
			uint32_t cp;
			size_t l = tmpl_utf8_get(v->u.str.s + i, &cp);
			struct tvalue *ch = tv_str(c, v->u.str.s + i, l);
			if (!ch || tmpl_step(c) < 0 || tseq_push(c, q, ch) < 0)
				return NULL;
			i += l;
		}
		return q;
	case TV_RANGE: {
		uint64_t n = tv_range_len(v);
		if (n > (uint64_t)(TMPL_MAX_ITERATIONS - c->iterations)) {
			terr(c, "more than %lld loop iterations in total",
			     (long long)TMPL_MAX_ITERATIONS);
			return NULL;
		}
		for (uint64_t i = 0; i < n; i++) {
			struct tvalue *x = tv_int(c, tv_range_item(v, i));
			if (!x || tmpl_step(c) < 0 || tseq_push(c, q, x) < 0)
				return NULL;
		}
		return q;
	}
	default:
		terr(c, "'%s' object is not iterable", tv_type_name(v));
		return NULL;
	}
}

/* ------------------------------------------------------------------ */
/* JSON (json.dumps with sort_keys=True, then Jinja's HTML escapes)     */

static void json_str(const char *s, size_t n, struct mae_buf *b)
{
	mae_buf_addc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x80) {
			uint32_t cp;
			i += tmpl_utf8_get(s + i, &cp);
			if (cp >= 0x10000) {
				cp -= 0x10000;
				mae_buf_addf(b, "\\u%04x\\u%04x",
					     (unsigned)(0xd800 + (cp >> 10)),
					     (unsigned)(0xdc00 + (cp & 0x3ff)));
			} else {
				mae_buf_addf(b, "\\u%04x", (unsigned)cp);
			}
			continue;
		}
		i++;
		switch (ch) {
		case '"': mae_buf_adds(b, "\\\""); break;
		case '\\': mae_buf_adds(b, "\\\\"); break;
		case '\n': mae_buf_adds(b, "\\n"); break;
		case '\r': mae_buf_adds(b, "\\r"); break;
		case '\t': mae_buf_adds(b, "\\t"); break;
		case '\b': mae_buf_adds(b, "\\b"); break;
		case '\f': mae_buf_adds(b, "\\f"); break;
		case '<': mae_buf_adds(b, "\\u003c"); break;
		case '>': mae_buf_adds(b, "\\u003e"); break;
		case '&': mae_buf_adds(b, "\\u0026"); break;
		case '\'': mae_buf_adds(b, "\\u0027"); break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				mae_buf_addf(b, "\\u%04x", ch);
			else
				mae_buf_addc(b, (char)ch);
		}
	}
	mae_buf_addc(b, '"');
}

static void json_float(double f, struct mae_buf *b)
{
	if (isnan(f))
		mae_buf_adds(b, "NaN");
	else if (isinf(f))
		mae_buf_adds(b, f < 0 ? "-Infinity" : "Infinity");
	else
		tv_float_repr(f, b);
}

static void json_nl(struct mae_buf *b, int indent, int level)
{
	mae_buf_addc(b, '\n');
	for (int i = 0; i < indent * level; i++)
		mae_buf_addc(b, ' ');
}

static int json_inner(struct rctx *c, const struct tvalue *v, int indent,
		      int level, struct mae_buf *b)
{
	switch (v->k) {
	case TV_NONE: mae_buf_adds(b, "null"); return 0;
	case TV_BOOL: mae_buf_adds(b, v->u.b ? "true" : "false"); return 0;
	case TV_INT: mae_buf_addf(b, "%lld", (long long)v->u.i); return 0;
	case TV_FLOAT: json_float(v->u.f, b); return 0;
	case TV_STR: json_str(v->u.str.s, v->u.str.n, b); return 0;
	case TV_LIST: case TV_TUPLE: case TV_DICT:
		if (!v->environ)
			break;
		/* fall through */
	default:
		return terr(c, "object of type '%s' is not JSON serializable",
			    tv_type_name(v));
	}
	for (int i = 0; i < c->value_depth; i++)
		if (c->vstack[i] == v)
			return terr(c, "circular reference detected");
	if (repr_depth_enter(c) < 0)
		return -1;
	c->vstack[c->value_depth - 1] = v;
	int rc = 0;
	const char *sep = indent >= 0 ? "," : ", ";
	if (v->k == TV_DICT) {
		size_t n = v->u.dict.n;
		size_t *ord = tpool_alloc(&c->pool, (n + 1) * sizeof(*ord));
		if (!ord) {
			c->value_depth--;
			return terr(c, "template uses more than %zu MiB of memory",
				    TMPL_MAX_MEMORY >> 20);
		}
		/* sorted(items): insertion sort with Python's < on keys */
		for (size_t i = 0; i < n && rc == 0; i++) {
			size_t j = i;
			ord[i] = i;
			while (j > 0 && rc == 0) {
				int lt = tv_lt(c, v->u.dict.keys[ord[j]],
					       v->u.dict.keys[ord[j - 1]]);
				if (lt < 0)
					rc = -1;
				if (lt != 1)
					break;
				size_t t = ord[j];
				ord[j] = ord[j - 1];
				ord[j - 1] = t;
				j--;
			}
		}
		mae_buf_addc(b, '{');
		for (size_t i = 0; i < n && rc == 0; i++) {
			const struct tvalue *k = v->u.dict.keys[ord[i]];
			if (i)
				mae_buf_adds(b, sep);
			if (indent >= 0)
				json_nl(b, indent, level + 1);
			switch (k->k) {
			case TV_STR: json_str(k->u.str.s, k->u.str.n, b); break;
			case TV_INT: mae_buf_addf(b, "\"%lld\"", (long long)k->u.i); break;
			case TV_BOOL: mae_buf_adds(b, k->u.b ? "\"true\"" : "\"false\""); break;
			case TV_NONE: mae_buf_adds(b, "\"null\""); break;
			case TV_FLOAT:
				mae_buf_addc(b, '"');
				json_float(k->u.f, b);
				mae_buf_addc(b, '"');
				break;
			default:
				rc = terr(c, "keys must be str, int, float, bool or None, not %s",
					  tv_type_name(k));
			}
			mae_buf_adds(b, ": ");
			if (rc == 0)
				rc = json_inner(c, v->u.dict.vals[ord[i]], indent,
						level + 1, b);
		}
		if (indent >= 0 && n)
			json_nl(b, indent, level);
		mae_buf_addc(b, '}');
	} else {
		mae_buf_addc(b, '[');
		for (size_t i = 0; i < v->u.seq.n && rc == 0; i++) {
			if (i)
				mae_buf_adds(b, sep);
			if (indent >= 0)
				json_nl(b, indent, level + 1);
			rc = json_inner(c, v->u.seq.v[i], indent, level + 1, b);
		}
		if (indent >= 0 && v->u.seq.n)
			json_nl(b, indent, level);
		mae_buf_addc(b, ']');
	}
	c->value_depth--;
	if (rc == 0 && b->overflow)
		return terr(c, "a string longer than %zu MiB",
			    TMPL_MAX_OUTPUT >> 20);
	return rc;
}

int tv_json(struct rctx *c, const struct tvalue *v, int indent,
	    struct mae_buf *b)
{
	return json_inner(c, v, indent, 0, b);
}
