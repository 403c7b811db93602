/*
 * template-int.h - internals of the template pass (schema/template*.c):
 * tokens, the syntax tree, Python-like values and the render context.
 * Nothing outside schema/template*.c includes this file.
 *
 * Memory: every token, node and value of one render lives in one pool
 * (struct tpool) freed at the end, so values may share and even form
 * cycles (a list appended to itself) without reference counts.  The pool
 * counts its bytes and refuses to grow past TMPL_MAX_MEMORY.
 */
#ifndef MAESTRO_SCHEMA_TEMPLATE_INT_H
#define MAESTRO_SCHEMA_TEMPLATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "template.h"

/* Documented limits (docs/templates.md). */
#define TMPL_MAX_DEPTH 256              /* parser nesting (statements, brackets) */
#define TMPL_MAX_OUTPUT ((size_t)16 << 20)  /* = the YAML reader's input */
#define TMPL_MAX_ITERATIONS 1000000LL   /* loop and sequence steps, in total */
#define TMPL_MAX_CALL_DEPTH 64          /* includes, imports, macro calls */
#define TMPL_MAX_MEMORY ((size_t)256 << 20)
#define TMPL_MAX_EVAL_DEPTH 1500        /* evaluator recursion, all files */
#define TMPL_MAX_FILE ((size_t)16 << 20)
#define TMPL_MAX_VALUE_DEPTH 200        /* nested lists when printing/comparing */
#define TMPL_MAX_WORK 300000000LL       /* comparisons and scanned bytes / 64 */

/* ------------------------------------------------------------------ */
/* Pool                                                                 */

struct tpool {
	struct mae_arena arena;   /* base's, limited to TMPL_MAX_MEMORY */
};

void *tpool_alloc(struct tpool *p, size_t n);  /* zeroed; NULL past the limit */
void *tpool_realloc(struct tpool *p, void *old, size_t n);
char *tpool_strndup(struct tpool *p, const char *s, size_t n);
void tpool_release(struct tpool *p);

/* ------------------------------------------------------------------ */
/* Tokens                                                               */

enum tok_kind {
	TK_DATA,
	TK_VAR_BEGIN, TK_VAR_END,
	TK_BLOCK_BEGIN, TK_BLOCK_END,
	TK_NAME, TK_STRING, TK_INT, TK_FLOAT, TK_OP,
	TK_EOF,
};

/* A place in a template: 1-based line and column (in characters). */
struct tpos {
	int line, col;
};

struct tok {
	enum tok_kind k;
	struct tpos pos;
	const char *s;  /* name, operator, decoded string or data; NUL-ended */
	size_t n;
	int64_t i;
	double f;
};

struct tfile; /* a loaded template */

/*
 * Tokenise a template's source; 0 or -1 (error reported).  The tokens
 * are malloc'd (what they point to is in the pool) and counted against
 * the pool's budget until tmpl_toks_free().
 */
int tmpl_lex(struct tfile *tf, const char *src, size_t len,
	     struct tpool *pool, struct mae_diags *d,
	     struct tok **ret, size_t *ret_n);
void tmpl_toks_free(struct tpool *pool, struct tok *toks, size_t n);

/* ------------------------------------------------------------------ */
/* Syntax tree                                                          */

enum node_kind {
	/* expressions */
	N_CONST,    /* val */
	N_NAME,     /* name */
	N_LIST, N_TUPLE, /* v[nv] */
	N_DICT,     /* v[nv] keys, v2[nv] values */
	N_BINOP,    /* a op b; op: + - * / // % ** */
	N_NEG, N_POS, N_NOT, /* a */
	N_AND, N_OR, /* a, b */
	N_COMPARE,  /* a, then ops[i] v[i] */
	N_CONCAT,   /* v[nv] */
	N_COND,     /* a if b else c (c may be NULL) */
	N_GETATTR,  /* a.name */
	N_GETITEM,  /* a[b] */
	N_CALL,     /* a(args): v[nv] positional, names[nnames]=v2[] kw */
	N_FILTER,   /* a|name(args) */
	N_TEST,     /* a is [not] name; op=1 when negated */
	N_SLICE,    /* a[b:c:d] (unsupported, reported) */
	/* statements */
	S_BODY,     /* v[nv] */
	S_DATA,     /* s, n */
	S_PRINT,    /* a */
	S_FOR,      /* target a, iter b, cond c (may be NULL), body d, else e */
	S_IF,       /* cond a, body d, else e */
	S_SET,      /* target a, value b */
	S_SETBLOCK, /* target a, body d, optional filters (unsupported) */
	S_WITH,     /* names[] = v[] values, body d */
	S_MACRO,    /* name, names[] args, v2[nnames] defaults (NULL), body d */
	S_CALLBLOCK,/* call a; caller args names[], v2[]; body d */
	S_INCLUDE,  /* template a; op: bit0 ignore missing, bit1 without context */
	S_IMPORT,   /* template a, name = target; op bit1 with context */
	S_FROMIMPORT, /* template a, names[] (imported), names2[] (as) */
	S_EXTENDS,  /* template a */
	S_BLOCK,    /* name, body d; op bit0 scoped */
};

struct tvalue;

/* The supported filters: one table (template-filter.c) for the parser,
 * which refuses other names, and the evaluator, which binds by it. */
enum tfilter_id {
	TF_DEFAULT, TF_LENGTH, TF_JOIN, TF_UPPER, TF_LOWER, TF_INT, TF_FLOAT,
	TF_STRING, TF_REPLACE, TF_TRIM, TF_FIRST, TF_LAST, TF_LIST, TF_SORT,
	TF_UNIQUE, TF_TOJSON, TF_INDENT,
};

struct tfilter {
	const char *name;          /* as written ("d" and "count" alias) */
	enum tfilter_id id;
	const char *const *params; /* after the value, NULL-ended; NULL when
	                              the filter takes no arguments */
	size_t nrequired;
};

/* The filter called name, or NULL when it is not supported. */
const struct tfilter *tfilter_find(const char *name);
size_t tfilter_nparams(const struct tfilter *f);

struct node {
	enum node_kind k;
	struct tpos pos;
	int op;
	const char *opname;          /* operator text for N_BINOP */
	const char *name;
	const char *s;
	size_t n;
	struct tvalue *val;
	struct node *a, *b, *c, *d, *e;
	struct node **v, **v2;
	size_t nv;
	const char **names, **names2;
	const char **ops;            /* N_COMPARE operators */
	const struct tfilter *filter; /* N_FILTER */
	size_t nnames;
	bool uses_caller, uses_varargs, uses_kwargs; /* S_MACRO */
};

struct tfile {
	const char *name;    /* template name as given (cache key) */
	const char *path;    /* shown in messages */
	struct node *root;   /* S_BODY */
	struct node **blocks; /* every S_BLOCK of the file */
	size_t nblocks;
};

/* Parse tokens into tf->root; 0 or -1 (error reported). */
int tmpl_parse(struct tfile *tf, struct tok *toks, size_t ntoks,
	       struct tpool *pool, struct mae_diags *d);

/* ------------------------------------------------------------------ */
/* Values                                                               */

enum tval_kind {
	TV_UNDEF, TV_NONE, TV_BOOL, TV_INT, TV_FLOAT, TV_STR,
	TV_LIST, TV_TUPLE, TV_DICT,
	TV_RANGE, TV_MACRO, TV_NS, TV_LOOP, TV_METHOD, TV_BUILTIN,
	TV_GEN,   /* a one-shot generator (filter unique), run when iterated */
	TV_VIEW,  /* dict_keys/dict_values/dict_items: items in seq */
};

struct tseq {
	struct tvalue **v;
	size_t n, cap;
	uint8_t taint;                    /* what its items carry (below) */
};

struct tdict {
	struct tvalue **keys, **vals;
	size_t n, cap;
	uint8_t taint;
};

struct scope;
struct tmacro {
	struct node *def;            /* S_MACRO, or S_CALLBLOCK for a caller */
	struct scope *scope;         /* where it was defined */
	struct tfile *file;
	const char *name;
	struct tvalue *caller;       /* bound caller when called from a call block */
};

struct tloop {
	int64_t index0, length;
};

/*
 * Where a value came from, as far as secrets go.  Whatever an expression
 * computes from a value carries its bits too (eval()), and so does a
 * container holding it.
 *   TAINT_WHOLE: derived from the `env` mapping as a whole (iterated,
 *     viewed, filtered, indexed by such a key) rather than one variable
 *     read by name: it may be computed with, never printed;
 *   TAINT_ENV: holds text of an environment variable (env.NAME too): it
 *     prints, but the output records where (tmpl_output.map.secret), so
 *     that no message about that text quotes it.
 */
#define TAINT_WHOLE 1u
#define TAINT_ENV 2u

struct tvalue {
	enum tval_kind k;
	union {
		bool b;
		int64_t i;
		double f;
		struct { const char *s; size_t n; } str;
		struct tseq seq;          /* list, tuple, gen, view */
		struct tdict dict;        /* dict, namespace */
		struct { int64_t start, stop, step; } range;
		struct tmacro *macro;
		struct tloop loop;
		struct { struct tvalue *self; const char *name; } method;
		const char *builtin;
		const char *undef;        /* TV_UNDEF: what was missing */
	} u;
	bool consumed;                    /* TV_GEN iterated once */
	bool markup;                      /* TV_STR: Jinja2's Markup (tojson) */
	bool gen_cs;                      /* TV_GEN: unique(case_sensitive) */
	struct tvalue *gen_src;           /* TV_GEN: what unique() reads */
	bool environ;                     /* the `env` mapping */
	uint8_t taint;                    /* TAINT_* bits */
	const char *view;                 /* TV_VIEW: "dict_items" ... */
};

/* ------------------------------------------------------------------ */
/* Render context                                                       */

struct scope {
	struct scope *parent;
	const char **names;        /* in definition order */
	struct tvalue **vals;
	size_t n, cap;
	struct mae_map ix;         /* name -> index + 1, in the pool; empty
	                              while the scope is small */
};

/* One output: the document (with a line map) or a capture (macro body). */
struct sink {
	struct mae_buf buf;
	bool mapped, discard;
	struct mae_srcloc *lines;
	size_t n, cap;
	bool pending;              /* a line was ended, the next is not started */
	struct mae_srcloc after;   /* where the pending line would start */
	struct mae_span *secret;   /* mapped: where environment text went */
	size_t nsecret, capsecret;
	bool has_secret;           /* a capture: environment text went in */
};

struct level; /* one render of a template file: extends chain, blocks */

struct rctx {
	struct tpool pool;
	struct mae_diags *d;
	const char *base_dir;
	struct tvalue *env;
	struct scope *globals;
	const char *file;          /* current template path (interned) */
	struct tpos pos;           /* where in it, for messages */
	bool failed;
	int64_t iterations;
	int64_t work;
	unsigned taint_in;          /* TAINT_* of the values eval() produced
	                               since the node being evaluated began */
	bool taint_exempt;          /* ... but it only named one variable */
	int call_depth;
	int value_depth;
	int eval_depth;
	int frame_depth;            /* for/with/macro bodies around us */
	bool out_check;             /* in a template's own frames (not a macro,
	                               block or set block): after `extends`,
	                               output there is not even evaluated */
	const struct tvalue *vstack[TMPL_MAX_VALUE_DEPTH + 1]; /* printing */
	const char *missing_why;   /* why the last template was not found,
	                              when it exists but is no file */
	struct tfile **files;      /* loaded templates */
	size_t nfiles;
	char **paths;              /* interned paths, owned (malloc) */
	size_t npaths;
	struct sink *out;
	struct level *level;
};

/* Report an error at c->file:c->pos (first error only); returns -1. */
int terr(struct rctx *c, const char *fmt, ...) MAE_PRINTF(2, 3);
/* A warning at c->file:c->pos. */
void twarn(struct rctx *c, const char *fmt, ...) MAE_PRINTF(2, 3);

/* Counts one step against TMPL_MAX_ITERATIONS; -1 (reported) past it. */
int tmpl_step(struct rctx *c);
/* Counts n units of work (a comparison, 64 bytes scanned) against
 * TMPL_MAX_WORK, so that loops over big values cannot hang; -1 past it. */
int tmpl_work(struct rctx *c, int64_t n);

struct tvalue *tv_new(struct rctx *c, enum tval_kind k);
struct tvalue *tv_int(struct rctx *c, int64_t i);
struct tvalue *tv_float(struct rctx *c, double f);
struct tvalue *tv_bool(struct rctx *c, bool b);
struct tvalue *tv_none(struct rctx *c);
struct tvalue *tv_undef(struct rctx *c, const char *what);
struct tvalue *tv_str(struct rctx *c, const char *s, size_t n);
struct tvalue *tv_str_buf(struct rctx *c, struct mae_buf *b); /* releases b */
int tseq_push(struct rctx *c, struct tseq *q, struct tvalue *v);
/* Set key (replacing an equal key's value); -1 on error (unhashable). */
int tdict_set(struct rctx *c, struct tdict *d, struct tvalue *k,
	      struct tvalue *v);
/* The value for key or NULL; *err set on an unhashable key. */
struct tvalue *tdict_get(struct rctx *c, struct tdict *d,
			 const struct tvalue *k, bool *err);
bool tv_hashable(const struct tvalue *v);
/* v's TAINT_* bits, with those of what it holds (containers,
 * generators, a method's object). */
unsigned tv_taint(const struct tvalue *v);
/* ... and TAINT_WHOLE for the `env` mapping itself (or its methods). */
unsigned tv_taint_src(const struct tvalue *v);
/* A copy of v with the bits added (containers get their own arrays). */
struct tvalue *tv_marked(struct rctx *c, const struct tvalue *v,
			 unsigned bits);

const char *tv_type_name(const struct tvalue *v);
bool tv_truthy(const struct tvalue *v);
bool tv_is_num(const struct tvalue *v);
/* Python str(v) appended to b; -1 (reported) for values Jinja would
 * print as an object address or that hold secrets. */
int tv_to_str(struct rctx *c, const struct tvalue *v, struct mae_buf *b);
int tv_repr(struct rctx *c, const struct tvalue *v, struct mae_buf *b);
/* Python ==: 1, 0, or -1 (error reported). */
int tv_eq(struct rctx *c, const struct tvalue *a, const struct tvalue *b);
/* Python a < b: 1, 0, or -1 (error reported, e.g. mixed types). */
int tv_lt(struct rctx *c, const struct tvalue *a, const struct tvalue *b);
struct tvalue *tv_binop(struct rctx *c, const char *op, struct tvalue *a,
			struct tvalue *b);
/* The items of an iterable (list, tuple, str, dict keys, range, ...) as
 * a sequence; undefined iterates as empty.  NULL (reported) otherwise. */
struct tseq *tv_items(struct rctx *c, struct tvalue *v);
/* len(v); -1 (reported) when Python's len() fails (as it does with
 * OverflowError for a range of more than 2**63 - 1 items). */
int64_t tv_len(struct rctx *c, const struct tvalue *v);
/* The exact length of a range (up to 2**64 - 1) and its item i < that. */
uint64_t tv_range_len(const struct tvalue *v);
int64_t tv_range_item(const struct tvalue *v, uint64_t i);
/* str.lower() of an ASCII string (non-ASCII: error); other values as is. */
struct tvalue *tv_lower_key(struct rctx *c, struct tvalue *v);
/* json.dumps(v, sort_keys=True, indent) with Jinja's HTML escapes. */
int tv_json(struct rctx *c, const struct tvalue *v, int indent,
	    struct mae_buf *b);
/* Python float repr. */
void tv_float_repr(double x, struct mae_buf *b);
size_t tmpl_space_len(const char *s, size_t n);
/*
 * The character at s in text the pass has checked (valid UTF-8, so the
 * decoder never stops early); a byte that is not UTF-8 counts as one
 * character of its own value, so a loop over text always advances.
 */
static inline size_t tmpl_utf8_get(const char *s, uint32_t *c)
{
	size_t l = mae_utf8_decode(s, 4, c);
	if (!l) {
		*c = (unsigned char)*s;
		l = 1;
	}
	return l;
}

#endif
