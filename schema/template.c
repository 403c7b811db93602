/*
 * template.c - the template pass: loads template files from base_dir as
 * Jinja2's FileSystemLoader does, evaluates the tree template-parse.c
 * builds with Jinja2's scoping rules, and writes the output with a map
 * from each output line to the template line that produced it.
 *
 * Scoping (Jinja2 3.1): every loop iteration, `with`, macro call, block
 * and included template gets a scope of its own whose parent is where it
 * appears (a block's parent is the template's top scope); `set` writes
 * into the current scope only, so loop variables and assignments in a
 * loop never leak, while mutating a shared list (append) is seen
 * everywhere.  namespace() objects carry assignments across scopes.
 *
 * Must not print: errors and warnings go to the caller's diagnostics.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "template-int.h"

struct blockdef {
	const char *name;
	struct node *node;
	struct tfile *tf;
};

struct level {
	struct scope *top;
	struct blockdef *blocks;
	size_t nblocks;
	struct tfile *parent;     /* set by extends */
	const char *block_name;   /* block being rendered, for super() */
	size_t block_idx;
};

static struct tvalue *eval(struct rctx *c, struct node *n, struct scope *s);
static void warn_undef(struct rctx *c, const struct tvalue *v);
static bool is_digit_ascii(char ch)
{
	return ch >= '0' && ch <= '9';
}
static int exec_body(struct rctx *c, struct node *body, struct scope *s);

static void *palloc(struct rctx *c, size_t n)
{
	void *p = tpool_alloc(&c->pool, n);
	if (!p)
		terr(c, "template uses more than %zu MiB of memory",
		     TMPL_MAX_MEMORY >> 20);
	return p;
}

/* ------------------------------------------------------------------ */
/* Scopes                                                               */

static struct scope *scope_new(struct rctx *c, struct scope *parent)
{
	struct scope *s = palloc(c, sizeof(*s));
	if (s)
		s->parent = parent;
	return s;
}

/*
 * Names of one scope: an array in definition order (imports export them
 * in that order), indexed by a hash table once the scope holds more than
 * a few, so that a file of 150,000 `set`s renders in linear time.
 */
#define SCOPE_LINEAR 8

static struct tvalue **scope_here(const struct scope *s, const char *name)
{
	if (s->ix.cap) {
		size_t i = (size_t)mae_map_get(&s->ix, name);
		return i ? &s->vals[i - 1] : NULL;
	}
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return &s->vals[i];
	return NULL;
}

static struct tvalue **scope_find(struct scope *s, const char *name)
{
	for (; s; s = s->parent) {
		struct tvalue **v = scope_here(s, name);
		if (v)
			return v;
	}
	return NULL;
}

static int scope_set(struct rctx *c, struct scope *s, const char *name,
		     struct tvalue *v)
{
	struct tvalue **old = scope_here(s, name);
	if (old) {
		*old = v;
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4;
		const char **nn = tpool_realloc(&c->pool, (void *)s->names,
						cap * sizeof(*nn));
		struct tvalue **nv = nn ? tpool_realloc(&c->pool, s->vals,
							cap * sizeof(*nv)) : NULL;
		if (!nv || cap > UINT32_MAX / 4)
			return terr(c, "template uses more than %zu MiB of memory",
				    TMPL_MAX_MEMORY >> 20);
		s->names = nn;
		s->vals = nv;
		s->cap = cap;
	}
	s->names[s->n] = name;
	s->vals[s->n++] = v;
	if (s->n > SCOPE_LINEAR) {
		bool ok = true;
		if (!s->ix.cap) {
			mae_map_init(&s->ix, &c->pool.arena);
			for (size_t i = 0; ok && i + 1 < s->n; i++)
				ok = mae_map_set(&s->ix, s->names[i], (void *)(i + 1));
		}
		if (!ok || !mae_map_set(&s->ix, name, (void *)s->n))
			return terr(c, "template uses more than %zu MiB of memory",
				    TMPL_MAX_MEMORY >> 20);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Output                                                               */

static int sink_line(struct sink *o, const char *file, int line)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 64;
		o->lines = mae_xrealloc(o->lines, o->cap * sizeof(*o->lines));
	}
	o->lines[o->n++] = (struct mae_srcloc){ file, line };
	return 0;
}

/*
 * Append text produced at file:line.  Data (advance) moves down a line
 * at each newline; an expression's output stays on its line.
 */
static int emit(struct rctx *c, const char *s, size_t n, int line,
		bool advance)
{
	struct sink *o = c->out;
	if (o->discard || n == 0)
		return 0;
	if (o->mapped) {
		for (size_t i = 0; i < n; i++) {
			if (o->pending || (o->n == 0 && o->buf.len == 0 && i == 0)) {
				sink_line(o, c->file, line);
				o->pending = false;
			}
			if (s[i] == '\n') {
				if (advance)
					line++;
				o->pending = true;
				o->after = (struct mae_srcloc){ c->file, line };
			}
		}
	}
	mae_buf_add(&o->buf, s, n);
	if (o->buf.overflow)
		return terr(c, "output larger than %zu MiB",
			    TMPL_MAX_OUTPUT >> 20);
	return 0;
}

static void sink_init(struct sink *o, bool mapped)
{
	memset(o, 0, sizeof(*o));
	mae_buf_init(&o->buf);
	o->buf.max = TMPL_MAX_OUTPUT;
	o->mapped = mapped;
}

static void sink_release(struct sink *o)
{
	mae_buf_release(&o->buf);
	free(o->lines);
	free(o->secret);
}

/* Text of the environment was emitted at [from, buf.len). */
static void sink_secret(struct sink *o, size_t from)
{
	if (o->discard || o->buf.len <= from)
		return;
	o->has_secret = true;
	if (!o->mapped)
		return;
	struct mae_span *last = o->nsecret ? &o->secret[o->nsecret - 1] : NULL;
	if (last && last->off + last->len == from) {
		last->len = o->buf.len - last->off;
		return;
	}
	if (o->nsecret == o->capsecret) {
		o->capsecret = o->capsecret ? 2 * o->capsecret : 16;
		o->secret = mae_xrealloc(o->secret,
					 o->capsecret * sizeof(*o->secret));
	}
	o->secret[o->nsecret++] = (struct mae_span){ from, o->buf.len - from };
}

/* A capture's text as a string: environment text in it taints it. */
static struct tvalue *sink_value(struct rctx *c, struct sink *o)
{
	struct mae_buf b = o->buf;
	mae_buf_init(&o->buf);
	struct tvalue *v = tv_str_buf(c, &b);
	if (v && o->has_secret)
		v->taint |= TAINT_ENV;
	return v;
}

/* ------------------------------------------------------------------ */
/* Loading templates                                                    */

static const char *intern_path(struct rctx *c, const char *p)
{
	for (size_t i = 0; i < c->npaths; i++)
		if (!strcmp(c->paths[i], p))
			return c->paths[i];
	c->paths = mae_xrealloc(c->paths, (c->npaths + 1) * sizeof(*c->paths));
	c->paths[c->npaths] = mae_xstrdup(p);
	return c->paths[c->npaths++];
}

/*
 * Refuse a NUL character or bytes that are not UTF-8 (Jinja2 reads str),
 * at their line and column: lines end at \n, \r\n or \r as the lexer
 * will see them, columns count characters.  0, or -1 (reported).
 */
static int check_text(struct rctx *c, const char *src, size_t len)
{
	const unsigned char *u = (const unsigned char *)src;
	int line = 1, col = 1;
	for (size_t i = 0; i < len; col++) {
		uint32_t cp;
		size_t l = mae_utf8_decode(u + i, len - i, &cp);
		if (l == 0 || u[i] == 0) {
			c->pos = (struct tpos){ line, col };
			if (l == 0)
				return terr(c, "template is not valid UTF-8 "
					    "(byte 0x%02x)", u[i]);
			return terr(c, "unsupported NUL character in template");
		}
		if (u[i] == '\n' || (u[i] == '\r' && !(i + 1 < len &&
							u[i + 1] == '\n'))) {
			line++;
			col = 0;
		}
		i += l;
	}
	return 0;
}

/*
 * Jinja's lexer preparation: \r\n and \r become \n, one trailing newline
 * is dropped (keep_trailing_newline off).
 */
static char *normalise(struct rctx *c, const char *src, size_t len,
		       size_t *ret_len)
{
	char *o = palloc(c, len + 1);
	size_t k = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\r') {
			if (i + 1 < len && src[i + 1] == '\n')
				i++;
			o[k++] = '\n';
		} else {
			o[k++] = src[i];
		}
	}
	if (k > 0 && o[k - 1] == '\n')
		k--;
	o[k] = '\0';
	*ret_len = k;
	return o;
}

static struct tfile *compile(struct rctx *c, const char *name,
			     const char *path, const char *src, size_t len)
{
	struct tfile *tf = palloc(c, sizeof(*tf));
	if (!tf)
		return NULL;
	tf->name = tpool_strndup(&c->pool, name, strlen(name));
	tf->path = intern_path(c, path);
	const char *saved = c->file;
	c->file = tf->path;
	if (!tf->name) {
		terr(c, "template uses too much memory");
		return NULL;
	}
	if (check_text(c, src, len) < 0)
		return NULL;
	size_t n;
	char *text = normalise(c, src, len, &n);
	struct tok *toks = NULL;
	size_t ntoks = 0;
	if (!text || tmpl_lex(tf, text, n, &c->pool, c->d, &toks, &ntoks) < 0 ||
	    tmpl_parse(tf, toks, ntoks, &c->pool, c->d) < 0) {
		tmpl_toks_free(&c->pool, toks, ntoks);
		c->failed = true;
		return NULL;
	}
	tmpl_toks_free(&c->pool, toks, ntoks);
	c->file = saved;
	return tf;
}

/* The template named `name`, loaded and compiled once; NULL if missing
 * (*missing set) or broken (reported). */
static struct tfile *load(struct rctx *c, const char *name, bool *missing)
{
	*missing = false;
	for (size_t i = 0; i < c->nfiles; i++)
		if (!strcmp(c->files[i]->name, name))
			return c->files[i];
	/* split_template_path: no "..", empty and "." pieces dropped */
	struct mae_buf path = MAE_BUF_INIT;
	if (c->base_dir && *c->base_dir)
		mae_buf_adds(&path, c->base_dir);
	const char *p = name;
	bool bad = false;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 2 && p[0] == '.' && p[1] == '.')
			bad = true;
		else if (l > 0 && !(l == 1 && p[0] == '.')) {
			if (path.len)
				mae_buf_addc(&path, '/');
			mae_buf_add(&path, p, l);
		}
		p += l + (e != NULL);
	}
	char *data = NULL;
	size_t len = 0;
	struct mae_error err;
	mae_error_clear(&err);
	int rc = bad || !path.len ? MAE_ERR_NOTFOUND
		 : mae_read_file(mae_buf_str(&path), TMPL_MAX_FILE, &data,
				 &len, &err);
	if (rc == MAE_ERR_INVALID) {
		/* a directory, FIFO, device: not a template, as Jinja2's
		 * loader (os.path.isfile) sees it, but say what it is */
		c->missing_why = tpool_strndup(&c->pool, err.msg,
					       strlen(err.msg));
		rc = MAE_ERR_NOTFOUND;
	}
	if (rc == MAE_ERR_LIMIT) {
		terr(c, "template '%s' is larger than 16 MiB (the limit)",
		     name);
	} else if (rc == MAE_ERR_IO) {
		terr(c, "cannot read template '%s': %s", name,
		     err.sys_errno ? strerror(err.sys_errno) : err.msg);
	}
	if (rc < 0) {
		mae_buf_release(&path);
		*missing = rc == MAE_ERR_NOTFOUND;
		return NULL;
	}
	struct tfile *tf = compile(c, name, mae_buf_str(&path), data, len);
	mae_buf_release(&path);
	free(data);
	if (!tf)
		return NULL;
	c->files = mae_xrealloc(c->files, (c->nfiles + 1) * sizeof(*c->files));
	c->files[c->nfiles++] = tf;
	return tf;
}

/* Evaluated template name(s) to a file; include's list selects the
 * first that exists. */
static struct tfile *load_value(struct rctx *c, struct tvalue *v,
				bool ignore_missing, bool *skipped)
{
	*skipped = false;
	struct tvalue *one[1] = { v };
	struct tvalue **names = one;
	size_t n = 1;
	if (v->k == TV_LIST || v->k == TV_TUPLE) {
		names = v->u.seq.v;
		n = v->u.seq.n;
	}
	c->missing_why = NULL;
	for (size_t i = 0; i < n; i++) {
		if (names[i]->k == TV_UNDEF) {
			terr(c, "'%s' is undefined", names[i]->u.undef);
			return NULL;
		}
		if (names[i]->k != TV_STR) {
			terr(c, "unsupported template name of type '%s'",
			     tv_type_name(names[i]));
			return NULL;
		}
		if (tv_taint(names[i]) & TAINT_WHOLE) {
			/* "template 'VALUE' not found" would print it */
			terr(c, "unsupported: a template name derived from 'env' "
			     "as a whole");
			return NULL;
		}
		bool missing;
		struct tfile *tf = load(c, names[i]->u.str.s, &missing);
		if (tf || !missing)
			return tf;
	}
	if (ignore_missing) {
		*skipped = true;
		return NULL;
	}
	if (n == 1 && (tv_taint(v) & TAINT_ENV))
		terr(c, "template not found (its name is a value from the "
		     "environment, not shown)");
	else if (n == 1 && c->missing_why)
		terr(c, "template '%s' not found: %s", v->u.str.s,
		     c->missing_why);
	else if (n == 1)
		terr(c, "template '%s' not found", v->u.str.s);
	else
		terr(c, "none of the templates given were found");
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Calls: arguments                                                     */

struct args {
	struct tvalue **v;
	size_t n;
	const char **kwn;
	struct tvalue **kwv;
	size_t nkw;
};

/*
 * Bind args to params (out[i] NULL when not given); nreq are required.
 * Errors are Python's TypeErrors.
 */
static int bind(struct rctx *c, const char *what, const char *const *params,
		size_t np, size_t nreq, const struct args *a,
		struct tvalue **out)
{
	for (size_t i = 0; i < np; i++)
		out[i] = i < a->n ? a->v[i] : NULL;
	if (a->n > np)
		return terr(c, "%s takes at most %zu argument(s) (%zu given)",
			    what, np, a->n);
	for (size_t k = 0; k < a->nkw; k++) {
		size_t i;
		for (i = 0; i < np; i++)
			if (!strcmp(params[i], a->kwn[k]))
				break;
		if (i == np)
			return terr(c, "%s got an unexpected keyword argument '%s'",
				    what, a->kwn[k]);
		if (out[i])
			return terr(c, "%s got multiple values for argument '%s'",
				    what, a->kwn[k]);
		out[i] = a->kwv[k];
	}
	for (size_t i = 0; i < nreq; i++)
		if (!out[i])
			return terr(c, "%s missing required argument '%s'", what,
				    params[i]);
	return 0;
}

static int want_int(struct rctx *c, const char *what, struct tvalue *v,
		    int64_t *ret)
{
	if (v->k == TV_INT || v->k == TV_BOOL) {
		*ret = v->k == TV_BOOL ? v->u.b : v->u.i;
		return 0;
	}
	if (v->k == TV_UNDEF)
		return terr(c, "'%s' is undefined", v->u.undef);
	return terr(c, "%s: '%s' object cannot be interpreted as an integer",
		    what, tv_type_name(v));
}

static int want_str(struct rctx *c, const char *what, struct tvalue *v)
{
	if (v->k == TV_STR)
		return 0;
	if (v->k == TV_UNDEF)
		return terr(c, "'%s' is undefined", v->u.undef);
	return terr(c, "%s: expected a string, not '%s'", what, tv_type_name(v));
}

static bool ascii_only(const struct tvalue *v)
{
	for (size_t i = 0; i < v->u.str.n; i++)
		if ((unsigned char)v->u.str.s[i] >= 0x80)
			return false;
	return true;
}

/* str(v) as a new string value (Undefined: ""). */
static struct tvalue *to_strv(struct rctx *c, struct tvalue *v)
{
	if (v->k == TV_STR)
		return v;
	struct mae_buf b = MAE_BUF_INIT;
	b.max = TMPL_MAX_OUTPUT;
	if (tv_to_str(c, v, &b) < 0) {
		mae_buf_release(&b);
		return NULL;
	}
	return tv_str_buf(c, &b);
}

/* ------------------------------------------------------------------ */
/* String helpers (Python semantics)                                    */

static struct tvalue *str_case(struct rctx *c, struct tvalue *s, bool up,
			       const char *what)
{
	if (!ascii_only(s)) {
		terr(c, "unsupported: '%s' of non-ASCII text", what);
		return NULL;
	}
	struct tvalue *r = tv_str(c, s->u.str.s, s->u.str.n);
	if (!r)
		return NULL;
	char *d = (char *)r->u.str.s;
	for (size_t i = 0; i < r->u.str.n; i++) {
		if (up && d[i] >= 'a' && d[i] <= 'z')
			d[i] = (char)(d[i] - 32);
		else if (!up && d[i] >= 'A' && d[i] <= 'Z')
			d[i] = (char)(d[i] + 32);
	}
	return r;
}

/* Is the character at s (length l) one of chars? */
static bool in_chars(const char *s, size_t l, const struct tvalue *chars)
{
	const char *p = chars->u.str.s;
	size_t n = chars->u.str.n;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = tmpl_utf8_get(p + i, &cp);
		if (k == l && !memcmp(p + i, s, l))
			return true;
		i += k;
	}
	return false;
}

static size_t char_len_back(const char *s, size_t n)
{
	size_t k = 1;
	while (k < n && ((unsigned char)s[n - k] & 0xc0) == 0x80)
		k++;
	return k;
}

static struct tvalue *str_strip(struct rctx *c, struct tvalue *s,
				struct tvalue *chars)
{
	const char *p = s->u.str.s;
	size_t b = 0, e = s->u.str.n;
	if (chars && chars->k == TV_NONE)
		chars = NULL;
	if (chars && want_str(c, "strip()", chars) < 0)
		return NULL;
	while (b < e) {
		uint32_t cp;
		size_t l = chars ? tmpl_utf8_get(p + b, &cp) :
				   tmpl_space_len(p + b, e - b);
		if (chars && tmpl_work(c, 1 + (int64_t)(chars->u.str.n / 64)) < 0)
			return NULL;
		if (!l || (chars && !in_chars(p + b, l, chars)))
			break;
		b += l;
	}
	while (e > b) {
		size_t l = char_len_back(p + b, e - b);
		if (chars && tmpl_work(c, 1 + (int64_t)(chars->u.str.n / 64)) < 0)
			return NULL;
		bool strip = chars ? in_chars(p + e - l, l, chars) :
				     tmpl_space_len(p + e - l, l) == l;
		if (!strip)
			break;
		e -= l;
	}
	return tv_str(c, p + b, e - b);
}

static struct tvalue *str_replace(struct rctx *c, struct tvalue *s,
				  struct tvalue *old, struct tvalue *nw,
				  int64_t count)
{
	if (tmpl_work(c, 1 + (int64_t)(s->u.str.n / 64)) < 0)
		return NULL;
	struct mae_buf b = MAE_BUF_INIT;
	b.max = TMPL_MAX_OUTPUT;
	const char *p = s->u.str.s;
	size_t n = s->u.str.n, on = old->u.str.n;
	if (count < 0)
		count = INT64_MAX;
	if (on == 0) {
		/* "abc".replace("", "-") == "-a-b-c-" */
		size_t i = 0;
		while (i <= n) {
			if (count > 0) {
				mae_buf_add(&b, nw->u.str.s, nw->u.str.n);
				count--;
			}
			if (i == n)
				break;
			uint32_t cp;
			size_t l = tmpl_utf8_get(p + i, &cp);
			mae_buf_add(&b, p + i, l);
			i += l;
			if (b.overflow)
				break;
		}
		return tv_str_buf(c, &b);
	}
	size_t i = 0;
	while (i < n) {
		const char *f = count > 0 && n - i >= on ?
			memmem(p + i, n - i, old->u.str.s, on) : NULL;
		if (!f) {
			mae_buf_add(&b, p + i, n - i);
			break;
		}
		mae_buf_add(&b, p + i, (size_t)(f - (p + i)));
		mae_buf_add(&b, nw->u.str.s, nw->u.str.n);
		i = (size_t)(f - p) + on;
		count--;
		if (b.overflow)
			break;
	}
	return tv_str_buf(c, &b);
}

static struct tvalue *str_split(struct rctx *c, struct tvalue *s,
				struct tvalue *sep, int64_t maxsplit)
{
	struct tvalue *r = tv_new(c, TV_LIST);
	const char *p = s->u.str.s;
	size_t n = s->u.str.n, i = 0;
	if (!r || tmpl_work(c, 1 + (int64_t)(n / 64)) < 0)
		return NULL;
	if (maxsplit < 0)
		maxsplit = INT64_MAX;
	if (!sep || sep->k == TV_NONE) {
		for (;;) {
			size_t l;
			while (i < n && (l = tmpl_space_len(p + i, n - i)))
				i += l;
			if (i >= n)
				break;
			size_t j = i;
			if (maxsplit-- <= 0) {
				/* rest, right-stripped of whitespace */
				size_t e = n;
				while (e > j && (l = char_len_back(p + j, e - j)) &&
				       tmpl_space_len(p + e - l, l) == l)
					e -= l;
				struct tvalue *x = tv_str(c, p + j, e - j);
				if (!x || tseq_push(c, &r->u.seq, x) < 0)
					return NULL;
				break;
			}
			while (j < n && !tmpl_space_len(p + j, n - j))
				j++;
			struct tvalue *x = tv_str(c, p + i, j - i);
			if (!x || tmpl_step(c) < 0 || tseq_push(c, &r->u.seq, x) < 0)
				return NULL;
			i = j;
		}
		return r;
	}
	if (want_str(c, "split()", sep) < 0)
		return NULL;
	if (sep->u.str.n == 0) {
		terr(c, "empty separator");
		return NULL;
	}
	for (;;) {
		const char *f = maxsplit > 0 && n - i >= sep->u.str.n ?
			memmem(p + i, n - i, sep->u.str.s, sep->u.str.n) : NULL;
		size_t e = f ? (size_t)(f - p) : n;
		struct tvalue *x = tv_str(c, p + i, e - i);
		if (!x || tmpl_step(c) < 0 || tseq_push(c, &r->u.seq, x) < 0)
			return NULL;
		if (!f)
			break;
		i = e + sep->u.str.n;
		maxsplit--;
	}
	return r;
}

static int affix(struct rctx *c, struct tvalue *s, struct tvalue *x,
		 bool start, const char *what)
{
	if (x->k == TV_TUPLE) {
		for (size_t i = 0; i < x->u.seq.n; i++) {
			int r = affix(c, s, x->u.seq.v[i], start, what);
			if (r != 0)
				return r;
		}
		return 0;
	}
	if (x->k != TV_STR)
		return terr(c, "%s first arg must be str or a tuple of str, not %s",
			    what, tv_type_name(x));
	if (tmpl_work(c, 1 + (int64_t)(x->u.str.n / 64)) < 0)
		return -1;
	if (x->u.str.n > s->u.str.n)
		return 0;
	return !memcmp(start ? s->u.str.s : s->u.str.s + s->u.str.n - x->u.str.n,
		       x->u.str.s, x->u.str.n);
}

/* str.format with {} / {0} / {name} and !s / !r. */
static struct tvalue *str_format(struct rctx *c, struct tvalue *fmt,
				 const struct args *a)
{
	struct mae_buf b = MAE_BUF_INIT;
	b.max = TMPL_MAX_OUTPUT;
	const char *p = fmt->u.str.s;
	size_t n = fmt->u.str.n;
	int autonum = -1; /* -1 unknown, 1 auto, 0 manual */
	size_t next = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '}') {
			if (i + 1 < n && p[i + 1] == '}') {
				mae_buf_addc(&b, '}');
				i++;
				continue;
			}
			terr(c, "single '}' encountered in format string");
			goto fail;
		}
		if (p[i] != '{') {
			mae_buf_addc(&b, p[i]);
			continue;
		}
		if (i + 1 < n && p[i + 1] == '{') {
			mae_buf_addc(&b, '{');
			i++;
			continue;
		}
		const char *close = memchr(p + i, '}', n - i);
		if (!close) {
			terr(c, "single '{' encountered in format string");
			goto fail;
		}
		const char *f = p + i + 1;
		size_t fl = (size_t)(close - f);
		char conv = 0;
		for (size_t k = 0; k < fl; k++) {
			if (f[k] == '{') {
				terr(c, "unsupported nested field in format string");
				goto fail;
			}
			if (f[k] == ':' || f[k] == '.' || f[k] == '[') {
				terr(c, "unsupported format field '{%.*s}'", (int)fl, f);
				goto fail;
			}
			if (f[k] == '!') {
				if (k + 2 != fl || (f[k + 1] != 's' && f[k + 1] != 'r')) {
					terr(c, "unsupported format field '{%.*s}'",
					     (int)fl, f);
					goto fail;
				}
				conv = f[k + 1];
				fl = k;
				break;
			}
		}
		struct tvalue *v = NULL;
		if (fl == 0 || (f[0] >= '0' && f[0] <= '9')) {
			int mode = fl == 0; /* 1: automatic {}, 0: manual {0} */
			size_t idx = next;
			for (size_t k = 0; k < fl; k++) {
				if (f[k] < '0' || f[k] > '9' || idx > 100000) {
					terr(c, "unsupported format field '{%.*s}'",
					     (int)fl, f);
					goto fail;
				}
				idx = (k ? idx * 10 : 0) + (size_t)(f[k] - '0');
			}
			if (autonum >= 0 && autonum != mode) {
				terr(c, mode ? "cannot switch from manual field specification "
				     "to automatic field numbering" :
				     "cannot switch from automatic field numbering "
				     "to manual field specification");
				goto fail;
			}
			autonum = mode;
			next += (size_t)mode;
			if (idx >= a->n) {
				terr(c, "replacement index %zu out of range for "
				     "positional args tuple", idx);
				goto fail;
			}
			v = a->v[idx];
		} else {
			for (size_t k = 0; k < a->nkw; k++)
				if (strlen(a->kwn[k]) == fl &&
				    !memcmp(a->kwn[k], f, fl))
					v = a->kwv[k];
			if (!v && (tv_taint(fmt) & TAINT_ENV)) {
				terr(c, "a format key not given (the format is a "
				     "value from the environment, not shown)");
				goto fail;
			}
			if (!v) {
				terr(c, "format key '%.*s' not given", (int)fl, f);
				goto fail;
			}
		}
		if ((conv == 'r' ? tv_repr(c, v, &b) : tv_to_str(c, v, &b)) < 0)
			goto fail;
		i = (size_t)(close - p);
	}
	return tv_str_buf(c, &b);
fail:
	mae_buf_release(&b);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Attributes and items                                                 */

static const char *const str_attrs[] = {
	"capitalize", "casefold", "center", "count", "encode", "endswith",
	"expandtabs", "find", "format", "format_map", "index", "isalnum",
	"isalpha", "isascii", "isdecimal", "isdigit", "isidentifier",
	"islower", "isnumeric", "isprintable", "isspace", "istitle",
	"isupper", "join", "ljust", "lower", "lstrip", "maketrans",
	"partition", "removeprefix", "removesuffix", "replace", "rfind",
	"rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
	"splitlines", "startswith", "strip", "swapcase", "title",
	"translate", "upper", "zfill", NULL,
};
static const char *const str_methods[] = {
	"format", "split", "join", "upper", "lower", "strip", "replace",
	"startswith", "endswith", NULL,
};
static const char *const list_attrs[] = {
	"append", "clear", "copy", "count", "extend", "index", "insert", "pop",
	"remove", "reverse", "sort", NULL,
};
static const char *const dict_attrs[] = {
	"clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem",
	"setdefault", "update", "values", NULL,
};
static const char *const environ_attrs[] = {
	"data", "encodekey", "decodekey", "encodevalue", "decodevalue", NULL,
};
static const char *const num_attrs[] = {
	"as_integer_ratio", "bit_count", "bit_length", "conjugate",
	"denominator", "from_bytes", "imag", "numerator", "real", "to_bytes",
	"fromhex", "hex", "is_integer", NULL,
};
static const char *const tuple_attrs[] = { "count", "index", NULL };
static const char *const loop_attrs[] = { "previtem", "nextitem", "cycle",
					  "changed", NULL };
static const char *const macro_attrs[] = { "name", "arguments", "defaults",
					   "catch_kwargs", "catch_varargs",
					   "caller", "explicit_caller", NULL };
static const char *const gen_attrs[] = { "send", "throw", "close", "gi_code",
					 "gi_frame", "gi_running",
					 "gi_yieldfrom", "gi_suspended", NULL };
static const char *const range_attrs[] = { "start", "stop", "step", "count",
					   "index", NULL };

static bool in_list(const char *s, const char *const *l)
{
	for (; *l; l++)
		if (!strcmp(s, *l))
			return true;
	return false;
}

static struct tvalue *method(struct rctx *c, struct tvalue *self,
			     const char *name)
{
	struct tvalue *m = tv_new(c, TV_METHOD);
	if (m) {
		m->u.method.self = self;
		m->u.method.name = name;
	}
	return m;
}

static struct tvalue *unsupported_attr(struct rctx *c, struct tvalue *v,
				       const char *name)
{
	terr(c, "unsupported attribute '%s' of a %s value", name,
	     tv_type_name(v));
	return NULL;
}

/* What an undefined result is called in warnings. */
static const char *describe(struct rctx *c, struct node *n)
{
	if (n->k == N_NAME)
		return n->name;
	if (n->k == N_GETATTR) {
		const char *o = describe(c, n->a);
		char *s = mae_xasprintf("%s.%s", o, n->name);
		const char *r = tpool_strndup(&c->pool, s, strlen(s));
		free(s);
		return r ? r : n->name;
	}
	if (n->k == N_GETITEM && n->b->k == N_CONST) {
		struct mae_buf b = MAE_BUF_INIT;
		mae_buf_adds(&b, describe(c, n->a));
		mae_buf_addc(&b, '[');
		if (tv_repr(c, n->b->val, &b) < 0)
			c->failed = false; /* a description only */
		mae_buf_addc(&b, ']');
		const char *r = tpool_strndup(&c->pool, mae_buf_str(&b), b.len);
		mae_buf_release(&b);
		return r ? r : "value";
	}
	return "value";
}

/* Jinja's Environment.getattr: attribute, then item; else undefined. */
static struct tvalue *get_attr(struct rctx *c, struct tvalue *v,
			       const char *name, const char *desc)
{
	if (name[0] == '_' && name[1] == '_')
		return unsupported_attr(c, v, name);
	if (v->k == TV_UNDEF) {
		terr(c, "'%s' is undefined", v->u.undef);
		return NULL;
	}
	switch (v->k) {
	case TV_STR:
		if (in_list(name, str_methods))
			return method(c, v, name);
		if (in_list(name, str_attrs))
			return unsupported_attr(c, v, name);
		break;
	case TV_LIST:
		if (!strcmp(name, "append"))
			return method(c, v, name);
		if (in_list(name, list_attrs))
			return unsupported_attr(c, v, name);
		break;
	case TV_TUPLE:
		if (in_list(name, tuple_attrs))
			return unsupported_attr(c, v, name);
		break;
	case TV_DICT: {
		if (!strcmp(name, "get") || !strcmp(name, "items") ||
		    !strcmp(name, "keys") || !strcmp(name, "values"))
			return method(c, v, name);
		if (in_list(name, dict_attrs) || name[0] == '_' ||
		    (v->environ && in_list(name, environ_attrs)))
			return unsupported_attr(c, v, name);
		struct tvalue key = { .k = TV_STR };
		key.u.str.s = name;
		key.u.str.n = strlen(name);
		bool err;
		struct tvalue *r = tdict_get(c, &v->u.dict, &key, &err);
		if (r)
			return r;
		break;
	}
	case TV_NS: {
		struct tvalue key = { .k = TV_STR };
		key.u.str.s = name;
		key.u.str.n = strlen(name);
		bool err;
		struct tvalue *r = tdict_get(c, &v->u.dict, &key, &err);
		if (r)
			return r;
		break;
	}
	case TV_BOOL: case TV_INT: case TV_FLOAT:
		if (in_list(name, num_attrs))
			return unsupported_attr(c, v, name);
		break;
	case TV_RANGE:
		if (in_list(name, range_attrs))
			return unsupported_attr(c, v, name);
		break;
	case TV_LOOP: {
		int64_t i = v->u.loop.index0, n = v->u.loop.length;
		if (!strcmp(name, "index"))
			return tv_int(c, i + 1);
		if (!strcmp(name, "index0"))
			return tv_int(c, i);
		if (!strcmp(name, "revindex"))
			return tv_int(c, n - i);
		if (!strcmp(name, "revindex0"))
			return tv_int(c, n - i - 1);
		if (!strcmp(name, "first"))
			return tv_bool(c, i == 0);
		if (!strcmp(name, "last"))
			return tv_bool(c, i == n - 1);
		if (!strcmp(name, "length"))
			return tv_int(c, n);
		if (!strcmp(name, "depth"))
			return tv_int(c, 1);
		if (!strcmp(name, "depth0"))
			return tv_int(c, 0);
		if (in_list(name, loop_attrs) || name[0] == '_')
			return unsupported_attr(c, v, name);
		break;
	}
	case TV_MACRO:
		if (in_list(name, macro_attrs) || name[0] == '_')
			return unsupported_attr(c, v, name);
		break;
	case TV_VIEW:
		if (!strcmp(name, "isdisjoint") || !strcmp(name, "mapping"))
			return unsupported_attr(c, v, name);
		break;
	case TV_GEN:
		if (in_list(name, gen_attrs))
			return unsupported_attr(c, v, name);
		break;
	case TV_METHOD: case TV_NONE:
		break;
	default:
		return unsupported_attr(c, v, name);
	}
	return tv_undef(c, desc); /* Jinja2: no attribute, no item */
}

/* Jinja's Environment.getitem: item, then attribute for str keys. */
static struct tvalue *get_item(struct rctx *c, struct tvalue *v,
			       struct tvalue *k, const char *desc)
{
	if (v->k == TV_UNDEF) {
		terr(c, "'%s' is undefined", v->u.undef);
		return NULL;
	}
	if (k->k == TV_UNDEF && v->k != TV_DICT)
		return tv_undef(c, desc);
	switch (v->k) {
	case TV_DICT: {
		bool err;
		struct tvalue *r = tdict_get(c, &v->u.dict, k, &err);
		if (r)
			return r;
		if (c->failed)
			return NULL;
		break;
	}
	case TV_RANGE: {
		if (k->k != TV_INT && k->k != TV_BOOL)
			break;
		/* Python indexes ranges longer than len() allows */
		int64_t i = k->k == TV_BOOL ? k->u.b : k->u.i;
		uint64_t n = tv_range_len(v);
		uint64_t at = i >= 0 ? (uint64_t)i : n - (0 - (uint64_t)i);
		if (i >= 0 ? at >= n : 0 - (uint64_t)i > n)
			break;
		return tv_int(c, tv_range_item(v, at));
	}
	case TV_LIST: case TV_TUPLE: case TV_STR: {
		if (k->k != TV_INT && k->k != TV_BOOL)
			break;
		int64_t i = k->k == TV_BOOL ? k->u.b : k->u.i;
		int64_t n = tv_len(c, v);
		if (n < 0)
			return NULL;
		if (i < 0)
			i += n;
		if (i < 0 || i >= n)
			break;
		if (v->k != TV_STR)
			return v->u.seq.v[i];
		const char *p = v->u.str.s;
		size_t off = 0;
		if (tmpl_work(c, 1 + i / 64) < 0)
			return NULL;
		for (int64_t j = 0; j < i; j++) {
			uint32_t cp;
			off += tmpl_utf8_get(p + off, &cp);
		}
		uint32_t cp;
		return tv_str(c, p + off, tmpl_utf8_get(p + off, &cp));
	}
	default:
		break;
	}
	if (k->k == TV_STR)
		return get_attr(c, v, k->u.str.s, desc);
	return tv_undef(c, desc);
}

/* ------------------------------------------------------------------ */
/* Macros                                                               */

static struct tvalue *call_macro(struct rctx *c, struct tmacro *m,
				 const struct args *a, struct tvalue *caller)
{
	struct node *def = m->def;
	struct tvalue *ret = NULL;
	if (c->call_depth >= TMPL_MAX_CALL_DEPTH) {
		terr(c, "macro calls and includes nested deeper than %d",
		     TMPL_MAX_CALL_DEPTH);
		return NULL;
	}
	struct scope *s = scope_new(c, m->scope);
	if (!s)
		return NULL;
	size_t np = def->nnames;
	struct tvalue *varargs = NULL, *kwargs = NULL;
	if (def->uses_varargs && !(varargs = tv_new(c, TV_TUPLE)))
		return NULL;
	if (def->uses_kwargs && !(kwargs = tv_new(c, TV_DICT)))
		return NULL;
	if (a->n > np && !varargs) {
		terr(c, "macro '%s' takes not more than %zu argument(s)",
		     m->name, np);
		return NULL;
	}
	for (size_t i = np; i < a->n; i++)
		if (tseq_push(c, &varargs->u.seq, a->v[i]) < 0)
			return NULL;
	struct tvalue **given = palloc(c, (np + 1) * sizeof(*given));
	if (!given)
		return NULL;
	for (size_t i = 0; i < np && i < a->n; i++)
		given[i] = a->v[i];
	for (size_t k = 0; k < a->nkw; k++) {
		size_t i;
		for (i = 0; i < np; i++)
			if (!strcmp(def->names[i], a->kwn[k]))
				break;
		if (i < np) {
			if (given[i]) {
				terr(c, "macro '%s' got multiple values for argument '%s'",
				     m->name, a->kwn[k]);
				return NULL;
			}
			given[i] = a->kwv[k];
		} else if (kwargs) {
			struct tvalue *key = tv_str(c, a->kwn[k], strlen(a->kwn[k]));
			if (!key || tdict_set(c, &kwargs->u.dict, key, a->kwv[k]) < 0)
				return NULL;
		} else {
			terr(c, "macro '%s' takes no keyword argument '%s'",
			     m->name, a->kwn[k]);
			return NULL;
		}
	}
	if (caller && !def->uses_caller) {
		terr(c, "macro '%s' takes no keyword argument 'caller'", m->name);
		return NULL;
	}
	const char *saved_file = c->file;
	struct tpos saved_pos = c->pos;
	struct sink *saved_out = c->out, cap;
	bool saved_check = c->out_check;
	c->out_check = false;
	c->call_depth++;
	c->frame_depth++;
	c->file = m->file->path;
	for (size_t i = 0; i < np; i++) {
		struct tvalue *v = given[i];
		if (!v && def->v2[i])
			v = eval(c, def->v2[i], s);
		else if (!v)
			v = tv_undef(c, def->names[i]);
		if (!v || scope_set(c, s, def->names[i], v) < 0)
			goto out;
	}
	if ((varargs && scope_set(c, s, "varargs", varargs) < 0) ||
	    (kwargs && scope_set(c, s, "kwargs", kwargs) < 0))
		goto out;
	if (def->uses_caller) {
		struct tvalue *cv = caller ? caller : tv_undef(c, "caller");
		if (!cv || scope_set(c, s, "caller", cv) < 0)
			goto out;
	}
	sink_init(&cap, false);
	c->out = &cap;
	if (exec_body(c, def->d, s) == 0)
		ret = sink_value(c, &cap);
	sink_release(&cap);
out:
	c->out = saved_out;
	c->out_check = saved_check;
	c->file = saved_file;
	c->pos = saved_pos;
	c->call_depth--;
	c->frame_depth--;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Methods                                                              */

static struct tvalue *view(struct rctx *c, struct tvalue *d, const char *kind)
{
	struct tvalue *r = tv_new(c, TV_VIEW);
	if (!r)
		return NULL;
	r->view = kind;
	r->taint = (uint8_t)tv_taint_src(d);
	for (size_t i = 0; i < d->u.dict.n; i++) {
		struct tvalue *x;
		if (kind[5] == 'k') {
			x = d->u.dict.keys[i];
		} else if (kind[5] == 'v') {
			x = d->u.dict.vals[i];
		} else {
			x = tv_new(c, TV_TUPLE);
			if (!x || tseq_push(c, &x->u.seq, d->u.dict.keys[i]) < 0 ||
			    tseq_push(c, &x->u.seq, d->u.dict.vals[i]) < 0)
				return NULL;
		}
		if (tmpl_step(c) < 0 || tseq_push(c, &r->u.seq, x) < 0)
			return NULL;
	}
	return r;
}

static struct tvalue *call_method(struct rctx *c, struct tvalue *self,
				  const char *name, const struct args *a)
{
	struct tvalue *p[3];
	char what[64];
	snprintf(what, sizeof(what), "%s()", name);
	if (self->k == TV_LIST) { /* append */
		static const char *const pn[] = { "object" };
		if (a->nkw || bind(c, what, pn, 1, 1, a, p) < 0) {
			if (a->nkw)
				terr(c, "append() takes no keyword arguments");
			return NULL;
		}
		if (tv_taint_src(p[0]) & TAINT_WHOLE) {
			/* a list another one holds would not know */
			terr(c, "unsupported: appending a value derived from "
			     "'env' as a whole to a list");
			return NULL;
		}
		if (tmpl_step(c) < 0 || tseq_push(c, &self->u.seq, p[0]) < 0)
			return NULL;
		return tv_none(c);
	}
	if (self->k == TV_DICT) {
		if (!strcmp(name, "get")) {
			static const char *const pn[] = { "key", "default" };
			if (a->nkw) {
				terr(c, "get() takes no keyword arguments");
				return NULL;
			}
			if (bind(c, what, pn, 2, 1, a, p) < 0)
				return NULL;
			bool err;
			struct tvalue *r = tdict_get(c, &self->u.dict, p[0], &err);
			if (err) {
				if (!c->failed)
					terr(c, "unhashable type: '%s'",
					     tv_type_name(p[0]));
				return NULL;
			}
			return r ? r : p[1] ? p[1] : tv_none(c);
		}
		if (a->n || a->nkw) {
			terr(c, "%s takes no arguments", what);
			return NULL;
		}
		return view(c, self, !strcmp(name, "items") ? "dict_items" :
			    !strcmp(name, "keys") ? "dict_keys" : "dict_values");
	}
	/* str */
	if (self->markup) {
		terr(c, "unsupported: method '%s' of the result of tojson", name);
		return NULL;
	}
	if (!strcmp(name, "format"))
		return str_format(c, self, a);
	if (a->nkw && strcmp(name, "split")) {
		terr(c, "%s takes no keyword arguments", what);
		return NULL;
	}
	if (!strcmp(name, "upper") || !strcmp(name, "lower")) {
		if (bind(c, what, NULL, 0, 0, a, p) < 0)
			return NULL;
		return str_case(c, self, name[0] == 'u', name);
	}
	if (!strcmp(name, "strip")) {
		static const char *const pn[] = { "chars" };
		if (bind(c, what, pn, 1, 0, a, p) < 0)
			return NULL;
		return str_strip(c, self, p[0]);
	}
	if (!strcmp(name, "split")) {
		static const char *const pn[] = { "sep", "maxsplit" };
		int64_t maxsplit = -1;
		if (bind(c, what, pn, 2, 0, a, p) < 0 ||
		    (p[1] && want_int(c, what, p[1], &maxsplit) < 0))
			return NULL;
		return str_split(c, self, p[0], maxsplit);
	}
	if (!strcmp(name, "replace")) {
		static const char *const pn[] = { "old", "new", "count" };
		int64_t count = -1;
		if (bind(c, what, pn, 3, 2, a, p) < 0 ||
		    want_str(c, what, p[0]) < 0 || want_str(c, what, p[1]) < 0 ||
		    (p[2] && want_int(c, what, p[2], &count) < 0))
			return NULL;
		return str_replace(c, self, p[0], p[1], count);
	}
	if (!strcmp(name, "startswith") || !strcmp(name, "endswith")) {
		static const char *const pn[] = { "prefix" };
		if (bind(c, what, pn, 1, 1, a, p) < 0)
			return NULL;
		int r = affix(c, self, p[0], name[0] == 's', what);
		return r < 0 ? NULL : tv_bool(c, r);
	}
	if (!strcmp(name, "join")) {
		static const char *const pn[] = { "iterable" };
		if (bind(c, what, pn, 1, 1, a, p) < 0)
			return NULL;
		struct tseq *q = tv_items(c, p[0]);
		if (!q)
			return NULL;
		struct mae_buf b = MAE_BUF_INIT;
		b.max = TMPL_MAX_OUTPUT;
		for (size_t i = 0; i < q->n; i++) {
			if (q->v[i]->k != TV_STR) {
				mae_buf_release(&b);
				terr(c, "sequence item %zu: expected str instance, "
				     "%s found", i, tv_type_name(q->v[i]));
				return NULL;
			}
			if (i)
				mae_buf_add(&b, self->u.str.s, self->u.str.n);
			mae_buf_add(&b, q->v[i]->u.str.s, q->v[i]->u.str.n);
		}
		return tv_str_buf(c, &b);
	}
	terr(c, "unsupported method '%s'", name);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Built-in functions                                                   */

static struct tvalue *call_builtin(struct rctx *c, const char *name,
				   const struct args *a)
{
	if (!strcmp(name, "range")) {
		int64_t x[3] = { 0, 0, 1 };
		if (a->nkw) {
			terr(c, "range() takes no keyword arguments");
			return NULL;
		}
		if (a->n < 1 || a->n > 3) {
			terr(c, "range expected 1 to 3 arguments, got %zu", a->n);
			return NULL;
		}
		for (size_t i = 0; i < a->n; i++)
			if (want_int(c, "range()", a->v[i], &x[a->n == 1 ? 1 : i]) < 0)
				return NULL;
		if (x[2] == 0) {
			terr(c, "range() arg 3 must not be zero");
			return NULL;
		}
		struct tvalue *r = tv_new(c, TV_RANGE);
		if (r) {
			r->u.range.start = x[0];
			r->u.range.stop = x[1];
			r->u.range.step = x[2];
		}
		return r;
	}
	if (!strcmp(name, "namespace")) {
		struct tvalue *ns = tv_new(c, TV_NS);
		if (!ns)
			return NULL;
		if (a->n > 1) {
			terr(c, "namespace() takes at most one positional argument");
			return NULL;
		}
		if (a->n == 1) {
			struct tvalue *d = a->v[0];
			if (d->k != TV_DICT || d->environ) {
				terr(c, "unsupported namespace() argument of type '%s'",
				     tv_type_name(d));
				return NULL;
			}
			for (size_t i = 0; i < d->u.dict.n; i++) {
				if (d->u.dict.keys[i]->k != TV_STR) {
					terr(c, "keywords must be strings");
					return NULL;
				}
				if (tdict_set(c, &ns->u.dict, d->u.dict.keys[i],
					      d->u.dict.vals[i]) < 0)
					return NULL;
			}
		}
		for (size_t k = 0; k < a->nkw; k++) {
			struct tvalue *key = tv_str(c, a->kwn[k], strlen(a->kwn[k]));
			if (!key || tdict_set(c, &ns->u.dict, key, a->kwv[k]) < 0)
				return NULL;
		}
		return ns;
	}
	terr(c, "unsupported function '%s'", name);
	return NULL;
}

static struct tvalue *call_value(struct rctx *c, struct tvalue *f,
				 const struct args *a, struct tvalue *caller)
{
	if (caller && f->k != TV_MACRO) {
		terr(c, "unsupported: call block on a %s", tv_type_name(f));
		return NULL;
	}
	switch (f->k) {
	case TV_MACRO: return call_macro(c, f->u.macro, a, caller);
	case TV_METHOD: return call_method(c, f->u.method.self, f->u.method.name, a);
	case TV_BUILTIN: return call_builtin(c, f->u.builtin, a);
	case TV_UNDEF:
		terr(c, "'%s' is undefined", f->u.undef);
		return NULL;
	default:
		terr(c, "'%s' object is not callable", tv_type_name(f));
		return NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Filters                                                              */

/*
 * Whitespace as int() and float() strip it: the ASCII " \t\n\r\v\f" and
 * Unicode spaces, but not \x1c-\x1f (Python maps non-ASCII spaces to ' '
 * and then strips C-locale spaces).
 */
static size_t num_space_len(const char *s, size_t n)
{
	unsigned char ch = (unsigned char)s[0];
	if (n == 0 || (ch >= 0x1c && ch <= 0x1f))
		return 0;
	return tmpl_space_len(s, n);
}

/* First code points of the Unicode decimal digit (Nd) runs, 0 to 9. */
static const uint32_t nd_zeros[] = {
	0x0660, 0x06f0, 0x07c0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6,
	0x0c66, 0x0ce6, 0x0d66, 0x0de6, 0x0e50, 0x0ed0, 0x0f20, 0x1040, 0x1090,
	0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40,
	0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
	0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450,
	0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50,
	0x11da0, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec,
	0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
};

/*
 * What int() and float() parse: Python first turns Unicode spaces into ' '
 * and Unicode decimal digits into ASCII ones.  Other non-ASCII characters
 * stay (and make the number invalid).  Returns a new string value.
 */
static struct tvalue *num_text(struct rctx *c, const struct tvalue *s)
{
	struct mae_buf b = MAE_BUF_INIT;
	for (size_t i = 0; i < s->u.str.n;) {
		uint32_t cp;
		size_t l = tmpl_utf8_get(s->u.str.s + i, &cp);
		char ch = 0;
		if (cp >= 0x80 && tmpl_space_len(s->u.str.s + i, l) == l)
			ch = ' ';
		for (size_t k = 0; cp >= 0x80 && !ch &&
		     k < sizeof(nd_zeros) / sizeof(*nd_zeros); k++)
			if (cp >= nd_zeros[k] && cp <= nd_zeros[k] + 9)
				ch = (char)('0' + (cp - nd_zeros[k]));
		if (ch)
			mae_buf_addc(&b, ch);
		else
			mae_buf_add(&b, s->u.str.s + i, l);
		i += l;
	}
	return tv_str_buf(c, &b);
}

/* Python's int(str) for base 10: whitespace, sign, digits with single
 * underscores; false if not an integer. */
static int parse_int(struct rctx *c, const struct tvalue *s, int64_t *ret,
		     bool *ok)
{
	const char *p = s->u.str.s;
	size_t n = s->u.str.n, i = 0, l;
	*ok = false;
	while (i < n && (l = num_space_len(p + i, n - i)))
		i += l;
	while (n > i && (l = char_len_back(p + i, n - i)) &&
	       num_space_len(p + n - l, l) == l)
		n -= l;
	bool neg = false;
	if (i < n && (p[i] == '+' || p[i] == '-'))
		neg = p[i++] == '-';
	if (i >= n || !is_digit_ascii(p[i]))
		return 0;
	uint64_t v = 0;
	for (; i < n; i++) {
		if (p[i] == '_' && i + 1 < n && is_digit_ascii(p[i + 1]) &&
		    is_digit_ascii(p[i - 1]))
			continue;
		if (!is_digit_ascii(p[i]))
			return 0;
		if (v > (UINT64_MAX - 9) / 10)
			return terr(c, "integer overflow (template integers are 64-bit)");
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX + neg)
		return terr(c, "integer overflow (template integers are 64-bit)");
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	*ok = true;
	return 0;
}

/* Python's float(str); false if not a float. */
static bool parse_float(const struct tvalue *s, double *ret)
{
	const char *p = s->u.str.s;
	size_t n = s->u.str.n, i = 0, l;
	while (i < n && (l = num_space_len(p + i, n - i)))
		i += l;
	while (n > i && (l = char_len_back(p + i, n - i)) &&
	       num_space_len(p + n - l, l) == l)
		n -= l;
	if (n - i > 400)
		return false;
	char buf[512];
	size_t k = 0;
	size_t j = i;
	bool neg = false;
	if (j < n && (p[j] == '+' || p[j] == '-')) {
		neg = p[j] == '-';
		buf[k++] = p[j++];
	}
	const char *words[] = { "inf", "infinity", "nan" };
	for (size_t w = 0; w < 3; w++)
		if (n - j == strlen(words[w]) && !strncasecmp(p + j, words[w], n - j)) {
			double v = w == 2 ? NAN : INFINITY;
			*ret = neg ? -v : v;
			return true;
		}
	bool digits = false, dot = false, exp = false;
	for (; j < n; j++) {
		char ch = p[j];
		if (is_digit_ascii(ch)) {
			digits = true;
		} else if (ch == '_') {
			if (j == 0 || j + 1 >= n || !is_digit_ascii(p[j - 1]) ||
			    !is_digit_ascii(p[j + 1]))
				return false;
			continue;
		} else if (ch == '.' && !dot && !exp) {
			dot = true;
		} else if ((ch == 'e' || ch == 'E') && digits && !exp) {
			exp = true;
			buf[k++] = ch;
			if (j + 1 < n && (p[j + 1] == '+' || p[j + 1] == '-'))
				buf[k++] = p[++j];
			if (j + 1 >= n || !is_digit_ascii(p[j + 1]))
				return false;
			continue;
		} else {
			return false;
		}
		buf[k++] = ch;
	}
	if (!digits)
		return false;
	buf[k] = '\0';
	errno = 0;
	*ret = strtod(buf, NULL);
	return true;
}

static struct tvalue *filter_int(struct rctx *c, struct tvalue *v,
				 struct tvalue *def, struct tvalue *base)
{
	int64_t b = 10, r;
	bool ok;
	if (base && want_int(c, "int", base, &b) < 0)
		return NULL;
	if (b != 10) {
		terr(c, "unsupported: int filter with base %lld", (long long)b);
		return NULL;
	}
	if (!def)
		def = tv_int(c, 0);
	switch (v->k) {
	case TV_UNDEF:
		terr(c, "'%s' is undefined", v->u.undef);
		return NULL;
	case TV_INT: return v;
	case TV_BOOL: return tv_int(c, v->u.b);
	case TV_FLOAT:
		if (isnan(v->u.f))
			return def;
		if (isinf(v->u.f) || fabs(v->u.f) >= 9.2233720368547758e18) {
			terr(c, isinf(v->u.f) ? "cannot convert float infinity to integer" :
			     "integer overflow (template integers are 64-bit)");
			return NULL;
		}
		return tv_int(c, (int64_t)v->u.f);
	case TV_STR: {
		if (!(v = num_text(c, v)) || parse_int(c, v, &r, &ok) < 0)
			return NULL;
		if (ok)
			return tv_int(c, r);
		double f;
		if (!parse_float(v, &f) || isnan(f))
			return def;
		struct tvalue fv = { .k = TV_FLOAT, .u.f = f };
		return filter_int(c, &fv, def, NULL);
	}
	default:
		return def;
	}
}

static struct tvalue *filter_float(struct rctx *c, struct tvalue *v,
				   struct tvalue *def)
{
	double f;
	if (!def)
		def = tv_float(c, 0.0);
	switch (v->k) {
	case TV_UNDEF:
		terr(c, "'%s' is undefined", v->u.undef);
		return NULL;
	case TV_FLOAT: return v;
	case TV_INT: return tv_float(c, (double)v->u.i);
	case TV_BOOL: return tv_float(c, v->u.b);
	case TV_STR:
		if (!(v = num_text(c, v)))
			return NULL;
		if (parse_float(v, &f))
			return tv_float(c, f);
		return def;
	default:
		return def;
	}
}

/* Python's str.lower() key for sort/unique when not case-sensitive. */
static struct tvalue *fold(struct rctx *c, struct tvalue *v, bool cs)
{
	return cs ? v : tv_lower_key(c, v);
}

static struct tvalue *filter_sort(struct rctx *c, struct tvalue *v,
				  bool reverse, bool cs)
{
	struct tseq *q = tv_items(c, v);
	if (!q)
		return NULL;
	size_t n = q->n;
	struct tvalue **keys = palloc(c, (n + 1) * sizeof(*keys));
	struct tvalue **items = palloc(c, (n + 1) * sizeof(*items));
	struct tvalue **tk = palloc(c, (n + 1) * sizeof(*tk));
	struct tvalue **ti = palloc(c, (n + 1) * sizeof(*ti));
	if (!keys || !items || !tk || !ti)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		items[i] = q->v[i];
		if (!(keys[i] = fold(c, q->v[i], cs)))
			return NULL;
	}
	/* bottom-up merge sort: stable, Python's < only */
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi) {
				int lt = reverse ? tv_lt(c, keys[i], keys[j]) :
						   tv_lt(c, keys[j], keys[i]);
				if (lt < 0 || tmpl_step(c) < 0)
					return NULL;
				if (lt) {
					tk[k] = keys[j];
					ti[k++] = items[j++];
				} else {
					tk[k] = keys[i];
					ti[k++] = items[i++];
				}
			}
			while (i < mid) {
				tk[k] = keys[i];
				ti[k++] = items[i++];
			}
			while (j < hi) {
				tk[k] = keys[j];
				ti[k++] = items[j++];
			}
		}
		memcpy(keys, tk, n * sizeof(*keys));
		memcpy(items, ti, n * sizeof(*items));
	}
	struct tvalue *r = tv_new(c, TV_LIST);
	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (tseq_push(c, &r->u.seq, items[i]) < 0)
			return NULL;
	return r;
}

/* str.splitlines() pieces of s (without their line ends). */
static struct tseq *splitlines(struct rctx *c, const char *s, size_t n)
{
	struct tseq *q = palloc(c, sizeof(*q));
	size_t b = 0, i = 0;
	if (!q)
		return NULL;
	while (i < n) {
		unsigned char ch = (unsigned char)s[i];
		size_t l = 0;
		if (ch == '\r')
			l = i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
		else if (ch == '\n' || ch == '\v' || ch == '\f' ||
			 (ch >= 0x1c && ch <= 0x1e))
			l = 1;
		else if (ch == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0x85)
			l = 2;
		else if (ch == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
			 ((unsigned char)s[i + 2] == 0xa8 ||
			  (unsigned char)s[i + 2] == 0xa9))
			l = 3;
		if (!l) {
			i++;
			continue;
		}
		struct tvalue *x = tv_str(c, s + b, i - b);
		if (!x || tmpl_step(c) < 0 || tseq_push(c, q, x) < 0)
			return NULL;
		i += l;
		b = i;
	}
	if (b < n) {
		struct tvalue *x = tv_str(c, s + b, n - b);
		if (!x || tseq_push(c, q, x) < 0)
			return NULL;
	}
	return q;
}

static struct tvalue *filter_indent(struct rctx *c, struct tvalue *s,
				    struct tvalue *width, struct tvalue *first,
				    struct tvalue *blank)
{
	struct mae_buf ind = MAE_BUF_INIT, b = MAE_BUF_INIT;
	b.max = TMPL_MAX_OUTPUT;
	if (s->k != TV_STR) {
		if (s->k == TV_UNDEF)
			terr(c, "'%s' is undefined", s->u.undef);
		else
			terr(c, "unsupported operand type(s) for +=: '%s' and 'str'",
			     tv_type_name(s));
		return NULL;
	}
	if (!width) {
		mae_buf_adds(&ind, "    ");
	} else if (width->k == TV_STR) {
		mae_buf_add(&ind, width->u.str.s, width->u.str.n);
	} else {
		int64_t w;
		if (want_int(c, "indent", width, &w) < 0)
			return NULL;
		if (w > (int64_t)TMPL_MAX_OUTPUT) {
			terr(c, "a string longer than %zu MiB", TMPL_MAX_OUTPUT >> 20);
			return NULL;
		}
		if (tmpl_work(c, 1 + w / 64) < 0)
			return NULL;
		for (int64_t i = 0; i < w; i++)
			mae_buf_addc(&ind, ' ');
	}
	struct mae_buf text = MAE_BUF_INIT;
	mae_buf_add(&text, s->u.str.s, s->u.str.n);
	mae_buf_addc(&text, '\n');
	struct tseq *lines = splitlines(c, mae_buf_str(&text), text.len);
	mae_buf_release(&text);
	if (!lines) {
		mae_buf_release(&ind);
		return NULL;
	}
	if (first && tv_truthy(first))
		mae_buf_add(&b, mae_buf_str(&ind), ind.len);
	for (size_t i = 0; i < lines->n; i++) {
		struct tvalue *l = lines->v[i];
		if (i) {
			mae_buf_addc(&b, '\n');
			if (l->u.str.n || (blank && tv_truthy(blank)))
				mae_buf_add(&b, mae_buf_str(&ind), ind.len);
		}
		mae_buf_add(&b, l->u.str.s, l->u.str.n);
	}
	mae_buf_release(&ind);
	return tv_str_buf(c, &b);
}

/* Markup in, Markup out (Jinja2's Markup methods return Markup). */
static struct tvalue *keep_markup(const struct tvalue *in, struct tvalue *out)
{
	if (out && out != in && in->k == TV_STR && in->markup) {
		out->markup = true;
	}
	return out;
}

/* Filter f (from the one table, template-filter.c) applied to v. */
static struct tvalue *apply_filter(struct rctx *c, const struct tfilter *f,
				   struct tvalue *v, const struct args *a)
{
	struct tvalue *p[4] = { NULL, NULL, NULL, NULL };
	const char *name = f->name;
	char what[64];
	snprintf(what, sizeof(what), "filter '%s'", name);
	if (!f->params && (a->n || a->nkw)) {
		terr(c, "%s takes no arguments", what);
		return NULL;
	}
	if (f->params && bind(c, what, f->params, tfilter_nparams(f),
			      f->nrequired, a, p) < 0)
		return NULL;
	switch (f->id) {
	case TF_DEFAULT: {
		bool use = v->k == TV_UNDEF || (p[1] && tv_truthy(p[1]) &&
						!tv_truthy(v));
		if (!use)
			return v;
		return p[0] ? p[0] : tv_str(c, "", 0);
	}
	case TF_LENGTH: {
		int64_t n = tv_len(c, v);
		return n < 0 ? NULL : tv_int(c, n);
	}
	case TF_UPPER: case TF_LOWER: case TF_STRING: {
		if (v->k == TV_UNDEF && f->id == TF_STRING)
			warn_undef(c, v);
		struct tvalue *s = to_strv(c, v);
		if (!s || f->id == TF_STRING)
			return s;
		return keep_markup(v, str_case(c, s, f->id == TF_UPPER, name));
	}
	case TF_JOIN: {
		if (p[1]) {
			terr(c, "unsupported: join with 'attribute'");
			return NULL;
		}
		struct tvalue *sep = p[0] ? to_strv(c, p[0]) : tv_str(c, "", 0);
		struct tseq *q = sep ? tv_items(c, v) : NULL;
		if (!q)
			return NULL;
		struct mae_buf b = MAE_BUF_INIT;
		b.max = TMPL_MAX_OUTPUT;
		for (size_t i = 0; i < q->n; i++) {
			if (i)
				mae_buf_add(&b, sep->u.str.s, sep->u.str.n);
			if (tv_to_str(c, q->v[i], &b) < 0) {
				mae_buf_release(&b);
				return NULL;
			}
		}
		return tv_str_buf(c, &b);
	}
	case TF_INT:
		return filter_int(c, v, p[0], p[1]);
	case TF_FLOAT:
		return filter_float(c, v, p[0]);
	case TF_REPLACE: {
		int64_t count = -1;
		if (p[2] && p[2]->k != TV_NONE && want_int(c, what, p[2], &count) < 0)
			return NULL;
		struct tvalue *s = to_strv(c, v), *o = s ? to_strv(c, p[0]) : NULL,
			      *nw = o ? to_strv(c, p[1]) : NULL;
		return nw ? str_replace(c, s, o, nw, count) : NULL;
	}
	case TF_TRIM: {
		struct tvalue *s = to_strv(c, v);
		return s ? keep_markup(v, str_strip(c, s, p[0])) : NULL;
	}
	case TF_FIRST: case TF_LAST: {
		if (f->id == TF_LAST && v->k == TV_GEN) {
			terr(c, "'generator' object is not reversible");
			return NULL;
		}
		if (v->k == TV_RANGE && tv_range_len(v) > 0)
			/* Jinja2 takes one item, however long the range */
			return tv_int(c, tv_range_item(v, f->id == TF_FIRST ? 0 :
						       tv_range_len(v) - 1));
		struct tseq *q = tv_items(c, v);
		if (!q)
			return NULL;
		if (!q->n)
			return tv_undef(c, f->id == TF_FIRST ? "<no first item>"
							     : "<no last item>");
		return q->v[f->id == TF_FIRST ? 0 : q->n - 1];
	}
	case TF_LIST: {
		struct tseq *q = tv_items(c, v);
		struct tvalue *r = q ? tv_new(c, TV_LIST) : NULL;
		if (!r)
			return NULL;
		for (size_t i = 0; i < q->n; i++)
			if (tmpl_step(c) < 0 || tseq_push(c, &r->u.seq, q->v[i]) < 0)
				return NULL;
		return r;
	}
	case TF_SORT: {
		if (p[2]) {
			terr(c, "unsupported: sort with 'attribute'");
			return NULL;
		}
		int64_t rev = 0;
		if (p[0] && want_int(c, "sort() reverse", p[0], &rev) < 0)
			return NULL;
		return filter_sort(c, v, rev != 0, p[1] && tv_truthy(p[1]));
	}
	case TF_UNIQUE: {
		if (p[1]) {
			terr(c, "unsupported: unique with 'attribute'");
			return NULL;
		}
		struct tvalue *r = tv_new(c, TV_GEN);
		if (r) {
			r->gen_src = v;
			r->gen_cs = p[0] && tv_truthy(p[0]);
		}
		return r;
	}
	case TF_TOJSON: {
		int64_t ind = -1;
		if (p[0] && p[0]->k != TV_NONE) {
			if (want_int(c, what, p[0], &ind) < 0)
				return NULL;
			if (ind < 0 || ind > 64) {
				terr(c, "unsupported tojson indent %lld", (long long)ind);
				return NULL;
			}
		}
		struct mae_buf b = MAE_BUF_INIT;
		b.max = TMPL_MAX_OUTPUT;
		if (tv_json(c, v, (int)ind, &b) < 0) {
			mae_buf_release(&b);
			return NULL;
		}
		struct tvalue *r = tv_str_buf(c, &b);
		if (r)
			r->markup = true;
		return r;
	}
	case TF_INDENT:
		return keep_markup(v, filter_indent(c, v, p[0], p[1], p[2]));
	}
	terr(c, "unsupported filter '%s'", name);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Expressions                                                          */

static int eval_args(struct rctx *c, struct node *n, struct scope *s,
		     struct args *a)
{
	memset(a, 0, sizeof(*a));
	if (n->nv && !(a->v = palloc(c, n->nv * sizeof(*a->v))))
		return -1;
	for (size_t i = 0; i < n->nv; i++)
		if (!(a->v[a->n++] = eval(c, n->v[i], s)))
			return -1;
	if (n->nnames && !(a->kwv = palloc(c, n->nnames * sizeof(*a->kwv))))
		return -1;
	a->kwn = n->names;
	for (size_t i = 0; i < n->nnames; i++)
		if (!(a->kwv[a->nkw++] = eval(c, n->v2[i], s)))
			return -1;
	return 0;
}

static int compare(struct rctx *c, const char *op, struct tvalue *l,
		   struct tvalue *r)
{
	if (!strcmp(op, "==") || !strcmp(op, "!=")) {
		int eq = tv_eq(c, l, r);
		return eq < 0 ? -1 : op[0] == '=' ? eq : !eq;
	}
	if (!strcmp(op, "<"))
		return tv_lt(c, l, r);
	if (!strcmp(op, ">"))
		return tv_lt(c, r, l);
	if (!strcmp(op, "<=") || !strcmp(op, ">=")) {
		struct tvalue *x = op[0] == '<' ? l : r, *y = op[0] == '<' ? r : l;
		if ((x->k == TV_LIST || x->k == TV_TUPLE) && x->k == y->k) {
			int lt = tv_lt(c, x, y);
			if (lt != 0)
				return lt;
			return tv_eq(c, x, y);
		}
		int lt = tv_lt(c, y, x);
		if (lt < 0)
			return -1;
		if (tv_is_num(x) && tv_is_num(y)) {
			double a = x->k == TV_FLOAT ? x->u.f : 0, b = y->k == TV_FLOAT ? y->u.f : 0;
			if (isnan(a) || isnan(b))
				return 0;
		}
		return !lt;
	}
	/* in, not in */
	int found = 0;
	if (r->k == TV_STR) {
		if (l->k != TV_STR) {
			if (l->k == TV_UNDEF)
				return terr(c, "'%s' is undefined", l->u.undef);
			return terr(c, "'in <string>' requires string as left operand, not %s",
				    tv_type_name(l));
		}
		if (tmpl_work(c, 1 + (int64_t)(r->u.str.n / 64)) < 0)
			return -1;
		found = l->u.str.n == 0 ||
			(l->u.str.n <= r->u.str.n &&
			 memmem(r->u.str.s, r->u.str.n, l->u.str.s, l->u.str.n));
	} else if (r->k == TV_DICT || r->k == TV_NS) {
		if (r->k == TV_NS)
			return terr(c, "unsupported 'in' on a namespace");
		bool err;
		if (!tv_hashable(l))
			return terr(c, "unhashable type: '%s'", tv_type_name(l));
		found = tdict_get(c, &r->u.dict, l, &err) != NULL;
		if (err)
			return -1;
	} else if (r->k == TV_RANGE) {
		if (l->k == TV_INT || l->k == TV_BOOL) {
			int64_t x = l->k == TV_BOOL ? l->u.b : l->u.i;
			int64_t a0 = r->u.range.start, st = r->u.range.step;
			/* distances in uint64_t: exact, as never negative */
			if (st > 0 && x >= a0 && x < r->u.range.stop)
				found = ((uint64_t)x - (uint64_t)a0) %
					(uint64_t)st == 0;
			else if (st < 0 && x <= a0 && x > r->u.range.stop)
				found = ((uint64_t)a0 - (uint64_t)x) %
					(0 - (uint64_t)st) == 0;
		} else {
			struct tseq *q = tv_items(c, r);
			if (!q)
				return -1;
			for (size_t i = 0; i < q->n && !found; i++) {
				int eq = tmpl_work(c, 1) < 0 ? -1 :
					 tv_eq(c, l, q->v[i]);
				if (eq < 0)
					return -1;
				found = eq;
			}
		}
	} else if (r->k == TV_LIST || r->k == TV_TUPLE || r->k == TV_VIEW ||
		   r->k == TV_GEN || r->k == TV_UNDEF) {
		struct tseq *q = tv_items(c, r);
		if (!q)
			return -1;
		for (size_t i = 0; i < q->n && !found; i++) {
			int eq = tmpl_work(c, 1) < 0 ? -1 :
				 q->v[i] == l ? 1 : tv_eq(c, l, q->v[i]);
			if (eq < 0)
				return -1;
			found = eq;
		}
	} else {
		return terr(c, "argument of type '%s' is not iterable",
			    tv_type_name(r));
	}
	return op[0] == 'i' ? found : !found;
}

static struct tvalue *eval_inner(struct rctx *c, struct node *n,
				 struct scope *s)
{
	struct tvalue *a, *b, *r;
	c->pos = n->pos;
	switch (n->k) {
	case N_CONST:
		return n->val;
	case N_NAME: {
		struct tvalue **v = scope_find(s, n->name);
		if (!v && !strcmp(n->name, "self")) {
			terr(c, "unsupported: 'self' (the template reference)");
			return NULL;
		}
		return v ? *v : tv_undef(c, n->name);
	}
	case N_LIST: case N_TUPLE:
		r = tv_new(c, n->k == N_LIST ? TV_LIST : TV_TUPLE);
		for (size_t i = 0; r && i < n->nv; i++)
			if (!(a = eval(c, n->v[i], s)) || tseq_push(c, &r->u.seq, a) < 0)
				return NULL;
		return r;
	case N_DICT:
		r = tv_new(c, TV_DICT);
		for (size_t i = 0; r && i < n->nv; i++) {
			if (!(a = eval(c, n->v[i], s)) || !(b = eval(c, n->v2[i], s)))
				return NULL;
			c->pos = n->pos;
			if (tdict_set(c, &r->u.dict, a, b) < 0)
				return NULL;
		}
		return r;
	case N_BINOP:
		if (!(a = eval(c, n->a, s)) || !(b = eval(c, n->b, s)))
			return NULL;
		c->pos = n->pos;
		return tv_binop(c, n->opname, a, b);
	case N_NEG: case N_POS:
		if (!(a = eval(c, n->a, s)))
			return NULL;
		c->pos = n->pos;
		if (a->k == TV_FLOAT)
			return n->k == N_NEG ? tv_float(c, -a->u.f) : a;
		if (a->k == TV_INT || a->k == TV_BOOL) {
			int64_t x = a->k == TV_BOOL ? a->u.b : a->u.i;
			if (n->k == N_POS)
				return tv_int(c, x);
			if (x == INT64_MIN) {
				terr(c, "integer overflow (template integers are 64-bit)");
				return NULL;
			}
			return tv_int(c, -x);
		}
		if (a->k == TV_UNDEF)
			terr(c, "'%s' is undefined", a->u.undef);
		else
			terr(c, "bad operand type for unary %c: '%s'",
			     n->k == N_NEG ? '-' : '+', tv_type_name(a));
		return NULL;
	case N_NOT:
		if (!(a = eval(c, n->a, s)))
			return NULL;
		return tv_bool(c, !tv_truthy(a));
	case N_AND: case N_OR:
		if (!(a = eval(c, n->a, s)))
			return NULL;
		if (tv_truthy(a) == (n->k == N_OR))
			return a;
		return eval(c, n->b, s);
	case N_COMPARE:
		if (!(a = eval(c, n->a, s)))
			return NULL;
		for (size_t i = 0; i < n->nv; i++) {
			if (!(b = eval(c, n->v[i], s)))
				return NULL;
			c->pos = n->pos;
			int rc = compare(c, n->ops[i], a, b);
			if (rc < 0)
				return NULL;
			if (!rc)
				return tv_bool(c, false);
			a = b;
		}
		return tv_bool(c, true);
	case N_CONCAT: {
		struct mae_buf buf = MAE_BUF_INIT;
		buf.max = TMPL_MAX_OUTPUT;
		for (size_t i = 0; i < n->nv; i++) {
			if (!(a = eval(c, n->v[i], s))) {
				mae_buf_release(&buf);
				return NULL;
			}
			c->pos = n->pos;
			if (a->k == TV_UNDEF)
				warn_undef(c, a);
			if (tv_to_str(c, a, &buf) < 0) {
				mae_buf_release(&buf);
				return NULL;
			}
		}
		return tv_str_buf(c, &buf);
	}
	case N_COND:
		if (!(b = eval(c, n->b, s)))
			return NULL;
		if (tv_truthy(b))
			return eval(c, n->a, s);
		if (n->c)
			return eval(c, n->c, s);
		return tv_undef(c, "<inline if without else>");
	case N_GETATTR:
		if (!(a = eval(c, n->a, s)))
			return NULL;
		c->pos = n->pos;
		r = get_attr(c, a, n->name, describe(c, n));
		c->taint_exempt = a->environ; /* env.NAME: one variable */
		return r;
	case N_GETITEM: {
		if (!(a = eval(c, n->a, s)))
			return NULL;
		unsigned a_t = c->taint_in;
		c->taint_in = 0;
		if (!(b = eval(c, n->b, s)))
			return NULL;
		c->pos = n->pos;
		r = get_item(c, a, b, describe(c, n));
		/* env['NAME'] with a key that is not itself derived from env */
		c->taint_exempt = a->environ && !(c->taint_in & TAINT_WHOLE);
		c->taint_in |= a_t;
		return r;
	}
	case N_CALL: {
		struct args args;
		if (n->a->k == N_NAME && !strcmp(n->a->name, "super") &&
		    !scope_find(s, "super") && c->level && c->level->block_name) {
			if (n->nv || n->nnames) {
				terr(c, "super() takes no arguments");
				return NULL;
			}
			return NULL; /* handled by the caller: see eval() */
		}
		if (!(a = eval(c, n->a, s)))
			return NULL;
		unsigned a_t = c->taint_in;
		c->taint_in = 0;
		if (eval_args(c, n, s, &args) < 0)
			return NULL;
		c->pos = n->pos;
		r = call_value(c, a, &args, NULL);
		/* env.get('NAME'[, default]) */
		c->taint_exempt = a->k == TV_METHOD && a->u.method.self->environ &&
				  !strcmp(a->u.method.name, "get") &&
				  !(c->taint_in & TAINT_WHOLE);
		c->taint_in |= a_t;
		return r;
	}
	case N_FILTER: {
		struct args args;
		if (!(a = eval(c, n->a, s)) || eval_args(c, n, s, &args) < 0)
			return NULL;
		c->pos = n->pos;
		return apply_filter(c, n->filter, a, &args);
	}
	case N_TEST:
		if (!(a = eval(c, n->a, s)))
			return NULL;
		if (!strcmp(n->name, "defined"))
			return tv_bool(c, a->k != TV_UNDEF);
		if (!strcmp(n->name, "undefined"))
			return tv_bool(c, a->k == TV_UNDEF);
		return tv_bool(c, a->k == TV_NONE);
	default:
		terr(c, "unsupported expression");
		return NULL;
	}
}

static struct tvalue *render_super(struct rctx *c);

/* Node kinds whose value is computed from their operands' (taint flows
 * through them); the others test them or pass one through as it is. */
static bool derives(enum node_kind k)
{
	switch (k) {
	case N_LIST: case N_TUPLE: case N_DICT: case N_BINOP: case N_NEG:
	case N_POS: case N_CONCAT: case N_GETATTR: case N_GETITEM: case N_CALL:
	case N_FILTER: case N_SLICE:
		return true;
	default:
		return false;
	}
}

static struct tvalue *eval(struct rctx *c, struct node *n, struct scope *s)
{
	if (c->failed)
		return NULL;
	if (++c->eval_depth > TMPL_MAX_EVAL_DEPTH) {
		c->pos = n->pos;
		terr(c, "template evaluation nested deeper than %d levels",
		     TMPL_MAX_EVAL_DEPTH);
		c->eval_depth--;
		return NULL;
	}
	struct tvalue *v;
	unsigned outer = c->taint_in;
	c->taint_in = 0;
	c->taint_exempt = false;
	if (n->k == N_CALL && n->a->k == N_NAME && !strcmp(n->a->name, "super") &&
	    !scope_find(s, "super") && c->level && c->level->block_name &&
	    !n->nv && !n->nnames)
		v = render_super(c);
	else
		v = eval_inner(c, n, s);
	unsigned bits = c->taint_in & ~(c->taint_exempt ? TAINT_WHOLE : 0u);
	if (v && derives(n->k) && (bits & ~tv_taint(v)))
		v = tv_marked(c, v, bits);
	c->taint_exempt = false;
	c->taint_in = outer | (v ? tv_taint_src(v) : 0);
	c->eval_depth--;
	if (!v && !c->failed)
		terr(c, "internal error evaluating an expression");
	return v;
}

/* ------------------------------------------------------------------ */
/* Statements                                                           */

static int assign(struct rctx *c, struct node *t, struct tvalue *v,
		  struct scope *s)
{
	if (t->k == N_NAME)
		return scope_set(c, s, t->name, v);
	if (t->k == N_GETATTR) {
		struct tvalue **ns = scope_find(s, t->a->name);
		if (!ns || (*ns)->k != TV_NS)
			return terr(c, "cannot assign attribute on non-namespace object");
		struct tvalue *key = tv_str(c, t->name, strlen(t->name));
		return key ? tdict_set(c, &(*ns)->u.dict, key, v) : -1;
	}
	/* tuple unpacking */
	struct tseq *q = tv_items(c, v);
	if (!q)
		return -1;
	if (q->n != t->nv)
		return terr(c, q->n > t->nv ? "too many values to unpack (expected %zu)" :
			    "not enough values to unpack (expected %zu, got %zu)",
			    t->nv, q->n);
	for (size_t i = 0; i < t->nv; i++)
		if (assign(c, t->v[i], q->v[i], s) < 0)
			return -1;
	return 0;
}

/* Jinja2 renders an undefined value as ""; maestro also says so. */
static void warn_undef(struct rctx *c, const struct tvalue *v)
{
	if (v->u.undef[0] != '<')
		twarn(c, "undefined variable '%s'", v->u.undef);
}

static int print_value(struct rctx *c, struct tvalue *v, int line)
{
	if (tv_taint(v) & TAINT_WHOLE)
		return terr(c, "unsupported: printing a value derived from 'env' "
			    "as a whole (print one variable: env.NAME, "
			    "env['NAME'] or env.get('NAME'))");
	if (v->k == TV_UNDEF) {
		warn_undef(c, v);
		return 0;
	}
	size_t from = c->out->buf.len;
	int rc;
	if (v->k == TV_STR) {
		rc = emit(c, v->u.str.s, v->u.str.n, line, false);
	} else {
		struct mae_buf b = MAE_BUF_INIT;
		b.max = TMPL_MAX_OUTPUT;
		rc = tv_to_str(c, v, &b);
		if (rc == 0)
			rc = emit(c, mae_buf_str(&b), b.len, line, false);
		mae_buf_release(&b);
	}
	if (rc == 0 && (tv_taint(v) & TAINT_ENV))
		sink_secret(c->out, from);
	return rc;
}

static int exec_for(struct rctx *c, struct node *n, struct scope *s)
{
	struct tvalue *it = eval(c, n->b, s);
	if (!it)
		return -1;
	c->pos = n->pos;
	struct tseq *q = tv_items(c, it);
	if (!q)
		return -1;
	if (n->c) { /* loop filter: sees the loop variables, not `loop` */
		struct tseq *f = palloc(c, sizeof(*f));
		if (!f)
			return -1;
		for (size_t i = 0; i < q->n; i++) {
			struct scope *fs = scope_new(c, s);
			struct tvalue *ok;
			if (!fs || tmpl_step(c) < 0 || assign(c, n->a, q->v[i], fs) < 0 ||
			    !(ok = eval(c, n->c, fs)))
				return -1;
			if (tv_truthy(ok) && tseq_push(c, f, q->v[i]) < 0)
				return -1;
		}
		q = f;
	}
	c->frame_depth++;
	int rc = 0;
	if (q->n == 0 && n->e) {
		struct scope *es = scope_new(c, s);
		rc = es ? exec_body(c, n->e, es) : -1;
	}
	for (size_t i = 0; i < q->n && rc == 0; i++) {
		struct scope *ls = scope_new(c, s);
		struct tvalue *loop = tv_new(c, TV_LOOP);
		c->pos = n->pos;
		if (!ls || !loop || tmpl_step(c) < 0) {
			rc = -1;
			break;
		}
		loop->u.loop.index0 = (int64_t)i;
		loop->u.loop.length = (int64_t)q->n;
		if (scope_set(c, ls, "loop", loop) < 0 ||
		    assign(c, n->a, q->v[i], ls) < 0) {
			rc = -1;
			break;
		}
		rc = exec_body(c, n->d, ls);
	}
	c->frame_depth--;
	return rc;
}

static struct blockdef *find_block(struct level *l, const char *name,
				   size_t idx)
{
	for (size_t i = 0; i < l->nblocks; i++)
		if (!strcmp(l->blocks[i].name, name) && idx-- == 0)
			return &l->blocks[i];
	return NULL;
}

static int render_block(struct rctx *c, const char *name, size_t idx,
			struct scope *here)
{
	struct level *l = c->level;
	struct blockdef *bd = find_block(l, name, idx);
	if (!bd)
		return terr(c, "no parent block called '%s'", name);
	if (c->call_depth >= TMPL_MAX_CALL_DEPTH)
		return terr(c, "blocks, macro calls and includes nested deeper than %d",
			    TMPL_MAX_CALL_DEPTH);
	struct scope *bs = scope_new(c, bd->node->op & 1 ? here : l->top);
	if (!bs)
		return -1;
	const char *saved_name = l->block_name, *saved_file = c->file;
	size_t saved_idx = l->block_idx;
	struct tpos saved_pos = c->pos;
	l->block_name = name;
	l->block_idx = idx;
	c->file = bd->tf->path;
	bool saved_check = c->out_check;
	c->out_check = false;
	c->call_depth++;
	c->frame_depth++;
	int rc = exec_body(c, bd->node->d, bs);
	c->call_depth--;
	c->frame_depth--;
	c->out_check = saved_check;
	l->block_name = saved_name;
	l->block_idx = saved_idx;
	c->file = saved_file;
	c->pos = saved_pos;
	return rc;
}

static struct tvalue *render_super(struct rctx *c)
{
	struct level *l = c->level;
	struct sink cap, *saved = c->out;
	struct tvalue *r = NULL;
	sink_init(&cap, false);
	c->out = &cap;
	if (render_block(c, l->block_name, l->block_idx + 1, l->top) == 0)
		r = sink_value(c, &cap);
	c->out = saved;
	sink_release(&cap);
	return r;
}

static int add_blocks(struct rctx *c, struct level *l, struct tfile *tf)
{
	struct blockdef *nb = tpool_realloc(&c->pool, l->blocks,
					    (l->nblocks + tf->nblocks + 1) *
					    sizeof(*nb));
	if (!nb)
		return terr(c, "template uses more than %zu MiB of memory",
			    TMPL_MAX_MEMORY >> 20);
	l->blocks = nb;
	for (size_t i = 0; i < tf->nblocks; i++)
		l->blocks[l->nblocks++] = (struct blockdef){
			tf->blocks[i]->name, tf->blocks[i], tf };
	return 0;
}

/*
 * Render a template file from its top: its own block namespace, and the
 * extends chain (a child's output after `extends` is dropped; the parent
 * renders with the same top scope and the child's blocks).
 */
static int render_file(struct rctx *c, struct tfile *tf, struct scope *top)
{
	struct level l = { .top = top };
	struct level *saved_level = c->level;
	const char *saved_file = c->file;
	int saved_frames = c->frame_depth;
	struct tpos saved_pos = c->pos;
	struct sink *saved_out = c->out;
	int rc, chain = 0;
	if (c->call_depth >= TMPL_MAX_CALL_DEPTH)
		return terr(c, "includes, imports and macro calls nested deeper than %d",
			    TMPL_MAX_CALL_DEPTH);
	bool saved_check = c->out_check;
	c->call_depth++;
	c->level = &l;
	c->frame_depth = 0;
	c->out_check = true;
	rc = add_blocks(c, &l, tf);
	while (rc == 0) {
		c->file = tf->path;
		rc = exec_body(c, tf->root, top);
		c->out = saved_out;
		if (rc || !l.parent)
			break;
		if (++chain > TMPL_MAX_CALL_DEPTH) {
			rc = terr(c, "extends chain longer than %d templates",
				  TMPL_MAX_CALL_DEPTH);
			break;
		}
		tf = l.parent;
		l.parent = NULL;
		rc = add_blocks(c, &l, tf);
	}
	c->level = saved_level;
	c->file = saved_file;
	c->pos = saved_pos;
	c->frame_depth = saved_frames;
	c->out_check = saved_check;
	c->call_depth--;
	return rc;
}

static struct sink discard_sink = { .discard = true };

static struct tvalue *make_module(struct rctx *c, struct tfile *tf,
				  struct scope *parent)
{
	struct scope *top = scope_new(c, parent);
	struct sink *saved = c->out;
	if (!top)
		return NULL;
	c->out = &discard_sink;
	int rc = render_file(c, tf, top);
	c->out = saved;
	if (rc < 0)
		return NULL;
	struct tvalue *m = tv_new(c, TV_NS);
	if (!m)
		return NULL;
	m->view = "TemplateModule";
	for (size_t i = 0; i < top->n; i++) {
		if (top->names[i][0] == '_')
			continue;
		struct tvalue *k = tv_str(c, top->names[i], strlen(top->names[i]));
		if (!k || tdict_set(c, &m->u.dict, k, top->vals[i]) < 0)
			return NULL;
	}
	return m;
}

static int exec_node(struct rctx *c, struct node *n, struct scope *s)
{
	struct tvalue *v;
	c->pos = n->pos;
	switch (n->k) {
	case S_DATA:
		if (c->out_check && c->level->parent)
			return 0; /* a child template's text outside blocks */
		return emit(c, n->s, n->n, n->pos.line, true);
	case S_PRINT:
		if (c->out_check && c->level->parent)
			return 0; /* not even evaluated, as in Jinja2 */
		if (!(v = eval(c, n->a, s)))
			return -1;
		c->pos = n->pos;
		return print_value(c, v, n->pos.line);
	case S_IF:
		if (!(v = eval(c, n->a, s)))
			return -1;
		if (tv_truthy(v))
			return exec_body(c, n->d, s);
		return n->e ? exec_body(c, n->e, s) : 0;
	case S_FOR:
		return exec_for(c, n, s);
	case S_SET:
		if (!(v = eval(c, n->b, s)))
			return -1;
		c->pos = n->pos;
		return assign(c, n->a, v, s);
	case S_SETBLOCK: {
		struct sink cap, *saved = c->out;
		struct scope *bs = scope_new(c, s);
		if (!bs)
			return -1;
		bool saved_check = c->out_check;
		sink_init(&cap, false);
		c->out = &cap;
		c->out_check = false;
		c->frame_depth++;
		int rc = exec_body(c, n->d, bs);
		c->frame_depth--;
		c->out_check = saved_check;
		c->out = saved;
		if (rc == 0) {
			v = sink_value(c, &cap);
			rc = v ? assign(c, n->a, v, s) : -1;
		}
		sink_release(&cap);
		return rc;
	}
	case S_WITH: {
		struct scope *ws = scope_new(c, s);
		if (!ws)
			return -1;
		for (size_t i = 0; i < n->nv; i++) {
			if (!(v = eval(c, n->v[i], s)) ||
			    scope_set(c, ws, n->names[i], v) < 0)
				return -1;
		}
		c->frame_depth++;
		int rc = exec_body(c, n->d, ws);
		c->frame_depth--;
		return rc;
	}
	case S_MACRO: {
		struct tmacro *m = palloc(c, sizeof(*m));
		if (!m || !(v = tv_new(c, TV_MACRO)))
			return -1;
		m->def = n;
		m->scope = s;
		m->name = n->name;
		for (size_t i = 0; i < c->nfiles; i++)
			if (c->files[i]->path == c->file)
				m->file = c->files[i];
		if (!m->file)
			return terr(c, "internal error: macro outside a file");
		v->u.macro = m;
		return scope_set(c, s, n->name, v);
	}
	case S_CALLBLOCK: {
		struct tmacro *m = palloc(c, sizeof(*m));
		struct tvalue *caller = tv_new(c, TV_MACRO), *f;
		struct args args;
		if (!m || !caller)
			return -1;
		m->def = n;
		m->scope = s;
		m->name = "caller";
		for (size_t i = 0; i < c->nfiles; i++)
			if (c->files[i]->path == c->file)
				m->file = c->files[i];
		if (!m->file)
			return terr(c, "internal error: call block outside a file");
		caller->u.macro = m;
		if (!(f = eval(c, n->a->a, s)) || eval_args(c, n->a, s, &args) < 0)
			return -1;
		c->pos = n->pos;
		if (!(v = call_value(c, f, &args, caller)))
			return -1;
		return print_value(c, v, n->pos.line);
	}
	case S_INCLUDE: {
		bool skipped;
		struct tfile *tf;
		if (!(v = eval(c, n->a, s)))
			return -1;
		c->pos = n->pos;
		if (!(tf = load_value(c, v, n->op & 1, &skipped)))
			return skipped ? 0 : -1;
		struct scope *top = scope_new(c, n->op & 2 ? c->globals : s);
		return top ? render_file(c, tf, top) : -1;
	}
	case S_IMPORT: case S_FROMIMPORT: {
		bool skipped;
		struct tfile *tf;
		if (!(v = eval(c, n->a, s)))
			return -1;
		c->pos = n->pos;
		if (!(tf = load_value(c, v, false, &skipped)))
			return -1;
		struct tvalue *m = make_module(c, tf, n->op & 2 ? s : c->globals);
		if (!m)
			return -1;
		c->pos = n->pos;
		if (n->k == S_IMPORT)
			return scope_set(c, s, n->name, m);
		for (size_t i = 0; i < n->nnames; i++) {
			struct tvalue *x = get_attr(c, m, n->names[i], n->names[i]);
			if (!x || scope_set(c, s, n->names2[i], x) < 0)
				return -1;
		}
		return 0;
	}
	case S_EXTENDS: {
		bool skipped;
		if (c->frame_depth > 0)
			return terr(c, "unsupported 'extends' inside a loop, macro, "
				    "block or with");
		if (c->level->parent)
			return terr(c, "extended multiple times");
		if (!(v = eval(c, n->a, s)))
			return -1;
		c->pos = n->pos;
		if (!(c->level->parent = load_value(c, v, false, &skipped)))
			return -1;
		return 0;
	}
	case S_BLOCK:
		if (c->out_check && c->level->parent)
			return 0; /* the parent renders it */
		return render_block(c, n->name, 0, s);
	case S_BODY:
		return exec_body(c, n, s);
	default:
		return terr(c, "unsupported statement");
	}
}

static int exec_body(struct rctx *c, struct node *body, struct scope *s)
{
	if (c->failed)
		return -1;
	if (++c->eval_depth > TMPL_MAX_EVAL_DEPTH) {
		c->eval_depth--;
		return terr(c, "template evaluation nested deeper than %d levels",
			    TMPL_MAX_EVAL_DEPTH);
	}
	int rc = 0;
	for (size_t i = 0; i < body->nv && rc == 0; i++)
		rc = exec_node(c, body->v[i], s);
	c->eval_depth--;
	if (rc == 0 && c->failed)
		rc = -1;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Entry point                                                          */

static int setup_globals(struct rctx *c, char *const *envp)
{
	static const char *const builtins[] = {
		"range", "namespace", "dict", "lipsum", "cycler", "joiner",
	};
	c->globals = scope_new(c, NULL);
	c->env = tv_new(c, TV_DICT);
	if (!c->globals || !c->env)
		return -1;
	c->env->environ = true;
	for (size_t i = 0; envp && envp[i]; i++) {
		const char *eq = strchr(envp[i], '=');
		if (!eq || eq == envp[i])
			continue;
		struct tvalue *k = tv_str(c, envp[i], (size_t)(eq - envp[i]));
		struct tvalue *v = tv_str(c, eq + 1, strlen(eq + 1));
		if (!k || !v)
			return -1;
		v->taint = TAINT_ENV;
		if (tdict_set(c, &c->env->u.dict, k, v) < 0)
			return -1;
	}
	if (scope_set(c, c->globals, "env", c->env) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(builtins) / sizeof(*builtins); i++) {
		struct tvalue *b = tv_new(c, TV_BUILTIN);
		if (!b)
			return -1;
		b->u.builtin = builtins[i];
		if (scope_set(c, c->globals, builtins[i], b) < 0)
			return -1;
	}
	return 0;
}

int tmpl_render(const char *name, const char *text, size_t len,
		const char *base_dir, char *const *envp,
		struct tmpl_output *out, struct mae_diags *d)
{
	struct rctx *c = mae_xcalloc(1, sizeof(*c));
	struct sink doc;
	int rc = MAE_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	c->d = d;
	c->base_dir = base_dir;
	c->file = intern_path(c, name);
	sink_init(&doc, true);
	c->out = &doc;
	struct tfile *tf = NULL;
	if (setup_globals(c, envp) == 0)
		tf = compile(c, name, name, text, len);
	if (tf) {
		c->files = mae_xrealloc(c->files, sizeof(*c->files));
		c->files[c->nfiles++] = tf;
		struct scope *top = scope_new(c, c->globals);
		if (top && render_file(c, tf, top) == 0 && !c->failed)
			rc = 0;
	}
	if (rc == 0) {
		if (doc.pending)
			sink_line(&doc, doc.after.file, doc.after.line);
		out->len = doc.buf.len;
		out->text = mae_buf_detach(&doc.buf);
		out->map.lines = doc.lines;
		out->map.n = doc.n;
		out->map.secret = doc.secret;
		out->map.nsecret = doc.nsecret;
		doc.secret = NULL;
		doc.lines = NULL;
		out->files = c->paths;
		out->nfiles = c->npaths;
		c->paths = NULL;
		c->npaths = 0;
	} else if (!mae_diags_failed(d)) {
		mae_diag_file(d, MAE_SEV_ERROR, name, 0, 0,
			      "template could not be rendered");
	}
	sink_release(&doc);
	for (size_t i = 0; i < c->npaths; i++)
		free(c->paths[i]);
	free(c->paths);
	free(c->files);
	tpool_release(&c->pool);
	free(c);
	return rc;
}

void tmpl_output_release(struct tmpl_output *out)
{
	if (!out)
		return;
	free(out->text);
	free(out->map.lines);
	free(out->map.secret);
	for (size_t i = 0; i < out->nfiles; i++)
		free(out->files[i]);
	free(out->files);
	memset(out, 0, sizeof(*out));
}
