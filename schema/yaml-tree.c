/*
 * yaml-tree.c - the YAML reader: libyaml's event parser in, a tree of
 * resolved nodes out (schema/yaml-tree.h), composed and constructed as
 * PyYAML's SafeLoader does, with maestro's stricter checks (duplicate
 * keys, recursive aliases) and limits (size, depth, expanded nodes).
 *
 * Every node lives until ydoc_free(): allocations are recorded on the
 * document and freed together.  An alias is the anchored node itself, so
 * the tree is a DAG; nothing ever expands it.  Each node knows its
 * expanded size (itself plus its children's expanded sizes), computed
 * once when it is closed, which is how the billion-laughs limit is
 * enforced without expanding anything.
 *
 * Must not: print, or include libyaml's types in a header.
 */
#include "yaml-tree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "pyscalar.h"

#define YTREE_MAX_INPUT ((size_t)16 << 20)
#define YTREE_MAX_DEPTH 256
#define YTREE_MAX_NODES ((uint64_t)1000000)

/* A node with what composing needs to know about it. */
struct xnode {
	struct ynode n;
	bool open;                     /* a collection not ended yet */
	enum pyscalar_special special; /* plain `<<` or `=` */
	uint64_t size;                 /* expanded node count */
};

struct ydoc {
	struct mae_arena arena; /* everything, freed by ydoc_free() */
	struct ynode *root;
};

/* A pair as written, before merge keys are flattened. */
struct rawpair {
	struct ynode *key;
	struct ynode *value;
	int line, col; /* where the key was written (aliases included) */
	bool merge;
	bool drop;     /* the key was refused: drop the pair */
};

struct frame {
	struct xnode *node;
	struct ynode **items;
	size_t nitems, capitems;
	struct rawpair *pairs;
	size_t npairs, cappairs;
	bool want_value; /* a map frame whose last key has no value yet */
	uint64_t size;
};

/* A secret range of the text in characters, as libyaml's mark.index. */
struct cspan {
	size_t a, b;
};

struct composer {
	struct ydoc *doc;
	struct mae_diags *d;
	struct cspan *secret;   /* in order, disjoint */
	size_t nsecret;
	struct frame *stack;
	size_t depth, capstack;
	struct mae_map anchors; /* name -> struct xnode */
	uint64_t created;
	int limit_hit; /* MAE_ERR_LIMIT once a limit stopped us */
};

/* ------------------------------------------------------------------ */
/* Memory                                                               */

/* Zeroed memory that lives as long as the document. */
static void *doc_alloc(struct ydoc *doc, size_t n)
{
	return mae_arena_alloc(&doc->arena, n);
}

static char *doc_strndup(struct ydoc *doc, const char *s, size_t n)
{
	return mae_arena_strndup(&doc->arena, s, n);
}

void ydoc_free(struct ydoc *doc)
{
	if (!doc)
		return;
	mae_arena_release(&doc->arena);
	free(doc);
}

const struct ynode *ydoc_root(const struct ydoc *doc)
{
	return doc ? doc->root : NULL;
}

static struct xnode *as_x(const struct ynode *n)
{
	return (struct xnode *)n;
}

/* ------------------------------------------------------------------ */
/* Messages                                                             */

/* "!!int" for YAML's own tags, the tag itself otherwise. */
static char *short_tag(const char *tag)
{
	if (mae_startswith(tag, "tag:yaml.org,2002:"))
		return mae_xasprintf("!!%s", tag + strlen("tag:yaml.org,2002:"));
	return mae_xstrdup(tag);
}

const char *ynode_describe(const struct ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case YNODE_MAP:
		return "a mapping";
	case YNODE_SEQ:
		return "a list";
	case YNODE_SCALAR:
		break;
	}
	switch (n->type) {
	case YSCALAR_NULL:
		return "null";
	case YSCALAR_BOOL:
		return "a boolean";
	case YSCALAR_INT:
		return "an integer";
	case YSCALAR_FLOAT:
		return "a float";
	case YSCALAR_STR:
		break;
	}
	return n->timestamp ? "a date" : "a string";
}

static void limit_error(struct composer *c, int line, int col,
			const char *what)
{
	if (!c->limit_hit)
		mae_diag_at(c->d, MAE_SEV_ERROR, line, col, "%s", what);
	c->limit_hit = MAE_ERR_LIMIT;
}

static void nodes_limit(struct composer *c, int line, int col)
{
	limit_error(c, line, col,
		    "document too large: more than 1000000 nodes counting "
		    "every alias and merge (the limit)");
}

/* ------------------------------------------------------------------ */
/* Text from the environment                                            */

/* The map's secret byte ranges as character indices (libyaml's marks
 * count characters; the text is UTF-8 or libyaml refuses it). */
static void secret_init(struct composer *c, const char *text, size_t len,
			const struct mae_srcmap *map)
{
	if (!map || !map->nsecret)
		return;
	c->secret = mae_xcalloc(map->nsecret, sizeof(*c->secret));
	size_t bi = 0, ci = 0;
	for (size_t k = 0; k < map->nsecret; k++) {
		size_t off = map->secret[k].off, end = off + map->secret[k].len;
		for (; bi < off && bi < len; bi++)
			ci += ((unsigned char)text[bi] & 0xc0) != 0x80;
		size_t a = ci;
		for (; bi < end && bi < len; bi++)
			ci += ((unsigned char)text[bi] & 0xc0) != 0x80;
		c->secret[c->nsecret++] = (struct cspan){ a, ci };
	}
}

/* Characters [a, b) (at least one) overlap text from the environment. */
static bool secret_at(const struct composer *c, size_t a, size_t b)
{
	if (b <= a)
		b = a + 1;
	size_t lo = 0, hi = c->nsecret; /* first span ending after a */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->secret[mid].b <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nsecret && c->secret[lo].a < b;
}

/* Bytes [off, off + 1) of the text came from the environment. */
static bool secret_byte(const struct mae_srcmap *map, size_t off)
{
	for (size_t k = 0; map && k < map->nsecret; k++)
		if (off >= map->secret[k].off &&
		    off < map->secret[k].off + map->secret[k].len)
			return true;
	return false;
}

char *ynode_quote(char *buf, const struct ynode *n, const char *s)
{
	if (n && n->secret)
		return strcpy(buf, YNODE_SECRET_TEXT);
	if (!s)
		s = !n || n->kind != YNODE_SCALAR ? ""
		    : n->type == YSCALAR_STR || !n->str ? n->text
		    : n->str;
	buf[0] = '\'';
	mae_quote(buf + 1, s);
	strcat(buf, "'");
	return buf;
}

/* ------------------------------------------------------------------ */
/* Anchors                                                              */

static void anchor_put(struct composer *c, const char *name,
		       struct xnode *node)
{
	mae_map_set(&c->anchors, name, node);
}

static struct xnode *anchor_get(struct composer *c, const char *name)
{
	return mae_map_get(&c->anchors, name);
}

/* ------------------------------------------------------------------ */
/* Nodes                                                                */

static struct xnode *node_new(struct composer *c, enum ynode_kind kind,
			      const yaml_mark_t *m, const yaml_mark_t *end,
			      const yaml_char_t *anchor)
{
	struct xnode *x = doc_alloc(c->doc, sizeof(*x));
	x->n.kind = kind;
	x->n.line = (int)m->line + 1;
	x->n.col = (int)m->column + 1;
	x->n.secret = c->nsecret && secret_at(c, m->index, end->index);
	x->size = 1;
	c->created++;
	if (anchor) {
		const char *name = (const char *)anchor;
		struct xnode *prev = anchor_get(c, name);
		if (prev && x->n.secret)
			mae_diag_at(c->d, MAE_SEV_ERROR, x->n.line, x->n.col,
				    "duplicate anchor in a value from the "
				    "environment, not shown (first at line %d; "
				    "%s)", prev->n.line, YNODE_SECRET_HINT);
		else if (prev)
			mae_diag_at(c->d, MAE_SEV_ERROR, x->n.line, x->n.col,
				    "duplicate anchor '%s' (first at line %d)",
				    name, prev->n.line);
		x->n.anchor = doc_strndup(c->doc, name, strlen(name));
		anchor_put(c, x->n.anchor, x);
	}
	return x;
}

/* Make n a plain string node holding its text (after an error). */
static void scalar_as_text(struct composer *c, struct xnode *x)
{
	x->n.type = YSCALAR_STR;
	x->n.str = doc_strndup(c->doc, x->n.text, x->n.text_len);
}

static struct xnode *scalar_new(struct composer *c, const yaml_event_t *ev)
{
	struct xnode *x = node_new(c, YNODE_SCALAR, &ev->start_mark,
				   &ev->end_mark, ev->data.scalar.anchor);
	const char *text = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	x->n.text = doc_strndup(c->doc, text, len);
	x->n.text_len = len;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	x->n.quoted = !plain;
	const char *tag = (const char *)ev->data.scalar.tag;
	if (memchr(text, '\0', len)) {
		/* "\0", "\x00", "\u0000": C strings, environment variables
		 * and Docker's names end there, so what is deployed would not
		 * be what a reviewer reads */
		mae_diag_at(c->d, MAE_SEV_ERROR, x->n.line, x->n.col,
			    "a NUL character (U+0000) in a scalar is not "
			    "allowed");
		scalar_as_text(c, x);
		return x;
	}
	/* libyaml reports an implicit plain scalar with no tag */
	struct pyscalar ps;
	char *err = NULL;
	if (pyscalar_resolve(text, len, plain && !tag, tag, &ps, &err) < 0) {
		char *q = pyscalar_quote(text, len);
		if (x->n.secret) /* the reason quotes it (its tag, digits) */
			mae_diag_at(c->d, MAE_SEV_ERROR, x->n.line, x->n.col,
				    "invalid scalar in a value from the "
				    "environment, not shown (%s)",
				    YNODE_SECRET_HINT);
		else
			mae_diag_at(c->d, MAE_SEV_ERROR, x->n.line, x->n.col,
				    "invalid scalar '%s': %s", q, err);
		free(q);
		free(err);
		scalar_as_text(c, x);
		return x;
	}
	x->special = ps.special;
	if (ps.special != PYSCALAR_VALUE) {
		scalar_as_text(c, x);
		return x;
	}
	x->n.type = ps.type;
	x->n.b = ps.b;
	x->n.int_fits = ps.int_fits;
	x->n.i = ps.i;
	x->n.f = ps.f;
	x->n.timestamp = ps.timestamp;
	if (ps.type == YSCALAR_STR && !ps.timestamp) {
		/* str() of a string is the string: share the text */
		free(ps.str);
		x->n.str = x->n.text;
	} else {
		x->n.str = doc_strndup(c->doc, ps.str, ps.str_len);
		free(ps.str);
	}
	return x;
}

/* ------------------------------------------------------------------ */
/* Key identity: Python's dict equality on the constructed keys.        */

struct keyid {
	char *id;
	size_t len;
	size_t idx;
};

static void key_identity(const struct ynode *k, struct keyid *out)
{
	struct mae_buf b = MAE_BUF_INIT;
	switch (k->type) {
	case YSCALAR_NULL:
		mae_buf_adds(&b, "n");
		break;
	case YSCALAR_BOOL:
		mae_buf_adds(&b, k->b ? "i1" : "i0"); /* True == 1 */
		break;
	case YSCALAR_INT:
		mae_buf_addf(&b, "i%s", k->str);
		break;
	case YSCALAR_FLOAT:
		if (isnan(k->f))
			mae_buf_addf(&b, "N%p", (const void *)k);
		else if (k->f == 0)
			mae_buf_adds(&b, "i0"); /* -0.0 == 0 */
		else if (isfinite(k->f) && floor(k->f) == k->f)
			mae_buf_addf(&b, "i%.0f", k->f); /* 2.0 == 2 */
		else
			mae_buf_addf(&b, "f%s", k->str);
		break;
	case YSCALAR_STR:
		mae_buf_adds(&b, k->timestamp ? "t" : "s");
		mae_buf_add(&b, k->str, k->timestamp ? strlen(k->str)
						      : k->text_len);
		break;
	}
	out->len = b.len;
	out->id = mae_buf_detach(&b);
}

static int keyid_cmp(const void *pa, const void *pb)
{
	const struct keyid *a = pa, *b = pb;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	int r = memcmp(a->id, b->id, a->len);
	if (r)
		return r;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static bool keyid_eq(const struct keyid *a, const struct keyid *b)
{
	return a->len == b->len && memcmp(a->id, b->id, a->len) == 0;
}

static int size_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	return a < b ? -1 : a > b;
}

static void keyids_free(struct keyid *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i].id);
	free(ids);
}

/* ------------------------------------------------------------------ */
/* Closing collections                                                  */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t s = a + b;
	return s > YTREE_MAX_NODES + 1 ? YTREE_MAX_NODES + 1 : s;
}

/* Report keys written twice in the same mapping; mark the later ones. */
static void check_duplicates(struct composer *c, struct frame *f)
{
	size_t n = 0;
	struct keyid *ids = mae_xcalloc(f->npairs ? f->npairs : 1,
					sizeof(*ids));
	for (size_t i = 0; i < f->npairs; i++) {
		if (f->pairs[i].merge || f->pairs[i].drop)
			continue;
		key_identity(f->pairs[i].key, &ids[n]);
		ids[n++].idx = i;
	}
	qsort(ids, n, sizeof(*ids), keyid_cmp);
	/* (index of the later pair, line of the first), in written order */
	struct dup {
		size_t idx;
		int first_line;
	} *dups = mae_xcalloc(n ? n : 1, sizeof(*dups));
	size_t ndups = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		/* sorted by identity, then by index: ids[i] came first */
		while (j < n && keyid_eq(&ids[i], &ids[j])) {
			dups[ndups].idx = ids[j].idx;
			dups[ndups++].first_line = f->pairs[ids[i].idx].line;
			j++;
		}
		i = j;
	}
	/* size_cmp orders by the first member, idx */
	qsort(dups, ndups, sizeof(*dups), size_cmp);
	for (size_t i = 0; i < ndups; i++) {
		struct rawpair *p = &f->pairs[dups[i].idx];
		mae_diag_at(c->d, MAE_SEV_ERROR, p->line, p->col,
			    "duplicate key %s in mapping (first at line %d)",
			    YNODE_QUOTE(p->key), dups[i].first_line);
		p->drop = true;
	}
	free(dups);
	keyids_free(ids, n);
}

static void pairs_push(struct ypair **v, size_t *n, size_t *cap,
		       struct ynode *k, struct ynode *val)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = mae_xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[*n].key = k;
	(*v)[*n].value = val;
	(*n)++;
}

/*
 * Flatten merge keys as SafeConstructor.flatten_mapping() does, then
 * build the pairs as a Python dict would hold them: a key keeps the
 * position of its first occurrence and the value of its last.
 */
static void map_close(struct composer *c, struct frame *f)
{
	struct xnode *x = f->node;
	check_duplicates(c, f);

	struct ypair *merged = NULL;
	size_t nm = 0, capm = 0;
	uint64_t budget = 0;
	for (size_t i = 0; i < f->npairs; i++) {
		struct rawpair *p = &f->pairs[i];
		if (!p->merge || p->drop)
			continue;
		struct ynode *v = p->value;
		if (v->kind == YNODE_MAP) {
			budget = sat_add(budget, as_x(v)->size);
			if (budget > YTREE_MAX_NODES)
				break;
			for (size_t k = 0; k < v->npairs; k++)
				pairs_push(&merged, &nm, &capm,
					   v->pairs[k].key, v->pairs[k].value);
		} else if (v->kind == YNODE_SEQ) {
			for (size_t j = v->nitems; j-- > 0;) {
				struct ynode *s = v->items[j];
				if (s->kind != YNODE_MAP) {
					mae_diag_at(c->d, MAE_SEV_ERROR,
						    s->line, s->col,
						    "expected a mapping for "
						    "merging, found %s",
						    ynode_describe(s));
					continue;
				}
				budget = sat_add(budget, as_x(s)->size);
				if (budget > YTREE_MAX_NODES)
					break;
				for (size_t k = 0; k < s->npairs; k++)
					pairs_push(&merged, &nm, &capm,
						   s->pairs[k].key,
						   s->pairs[k].value);
			}
		} else {
			mae_diag_at(c->d, MAE_SEV_ERROR, v->line, v->col,
				    "expected a mapping or list of mappings "
				    "for merging, found %s",
				    ynode_describe(v));
		}
	}
	if (budget > YTREE_MAX_NODES) {
		free(merged);
		nodes_limit(c, x->n.line, x->n.col);
		return;
	}
	for (size_t i = 0; i < f->npairs; i++) {
		struct rawpair *p = &f->pairs[i];
		if (!p->merge && !p->drop)
			pairs_push(&merged, &nm, &capm, p->key, p->value);
	}

	/* dict semantics */
	struct keyid *ids = mae_xcalloc(nm ? nm : 1, sizeof(*ids));
	for (size_t i = 0; i < nm; i++) {
		key_identity(merged[i].key, &ids[i]);
		ids[i].idx = i;
	}
	qsort(ids, nm, sizeof(*ids), keyid_cmp);
	/* keep[i]: the index of the value for the key first seen at i */
	size_t *keep = mae_xmalloc((nm ? nm : 1) * sizeof(*keep));
	for (size_t i = 0; i < nm; i++)
		keep[i] = SIZE_MAX;
	for (size_t i = 0; i < nm;) {
		size_t j = i;
		while (j + 1 < nm && keyid_eq(&ids[i], &ids[j + 1]))
			j++;
		keep[ids[i].idx] = ids[j].idx;
		i = j + 1;
	}
	size_t np = 0;
	for (size_t i = 0; i < nm; i++)
		np += keep[i] != SIZE_MAX;
	x->n.pairs = doc_alloc(c->doc, np * sizeof(struct ypair));
	uint64_t size = 1;
	for (size_t i = 0; i < nm; i++) {
		if (keep[i] == SIZE_MAX)
			continue;
		struct ypair *out = &x->n.pairs[x->n.npairs++];
		out->key = merged[i].key;
		out->value = merged[keep[i]].value;
		size = sat_add(size, as_x(out->key)->size);
		size = sat_add(size, as_x(out->value)->size);
	}
	x->size = size;
	free(keep);
	keyids_free(ids, nm);
	free(merged);
}

static void seq_close(struct composer *c, struct frame *f)
{
	struct xnode *x = f->node;
	x->n.items = doc_alloc(c->doc, f->nitems * sizeof(struct ynode *));
	if (f->nitems)
		memcpy(x->n.items, f->items, f->nitems * sizeof(*f->items));
	x->n.nitems = f->nitems;
	x->size = sat_add(1, f->size);
}

/* ------------------------------------------------------------------ */
/* Composing                                                            */

static void special_as_value(struct composer *c, struct xnode *x)
{
	if (x->special == PYSCALAR_MERGE)
		mae_diag_at(c->d, MAE_SEV_ERROR, x->n.line, x->n.col,
			    "'<<' is a merge key, valid only as a mapping key "
			    "(quote it for the string)");
	else if (x->special == PYSCALAR_EQUALS)
		mae_diag_at(c->d, MAE_SEV_ERROR, x->n.line, x->n.col,
			    "a plain '=' is YAML 1.1's value key, not a value "
			    "(quote it for the string)");
}

/* Add a finished node (new, or an alias's target) where it belongs. */
static void node_add(struct composer *c, struct xnode *x, int line, int col)
{
	if (c->depth == 0) {
		special_as_value(c, x);
		c->doc->root = &x->n;
		if (x->size > YTREE_MAX_NODES)
			nodes_limit(c, line, col);
		return;
	}
	struct frame *f = &c->stack[c->depth - 1];
	f->size = sat_add(f->size, x->size);
	if (f->size > YTREE_MAX_NODES) {
		nodes_limit(c, line, col);
		return;
	}
	if (f->node->n.kind == YNODE_SEQ) {
		special_as_value(c, x);
		if (f->nitems == f->capitems) {
			f->capitems = f->capitems ? f->capitems * 2 : 8;
			f->items = mae_xrealloc(f->items, f->capitems *
							      sizeof(*f->items));
		}
		f->items[f->nitems++] = &x->n;
		return;
	}
	if (f->want_value) {
		struct rawpair *p = &f->pairs[f->npairs - 1];
		p->value = &x->n;
		f->want_value = false;
		if (!p->merge)
			special_as_value(c, x);
		return;
	}
	/* a key */
	if (f->npairs == f->cappairs) {
		f->cappairs = f->cappairs ? f->cappairs * 2 : 8;
		f->pairs = mae_xrealloc(f->pairs, f->cappairs *
							  sizeof(*f->pairs));
	}
	struct rawpair *p = &f->pairs[f->npairs++];
	memset(p, 0, sizeof(*p));
	p->key = &x->n;
	p->line = line;
	p->col = col;
	f->want_value = true;
	if (x->n.kind != YNODE_SCALAR) {
		mae_diag_at(c->d, MAE_SEV_ERROR, line, col,
			    "a mapping key must be a scalar, found %s",
			    ynode_describe(&x->n));
		p->drop = true;
	} else if (x->special == PYSCALAR_MERGE) {
		p->merge = true;
	}
	/* a plain '=' key is the string "=" (flatten_mapping's rule) */
}

static int stack_push(struct composer *c, struct xnode *x, int line, int col)
{
	if (c->depth >= YTREE_MAX_DEPTH) {
		limit_error(c, line, col,
			    "nesting too deep: more than 256 levels (the "
			    "limit)");
		return -1;
	}
	if (c->depth == c->capstack) {
		c->capstack = c->capstack ? c->capstack * 2 : 16;
		c->stack = mae_xrealloc(c->stack,
					c->capstack * sizeof(*c->stack));
	}
	struct frame *f = &c->stack[c->depth++];
	memset(f, 0, sizeof(*f));
	f->node = x;
	x->open = true;
	return 0;
}

static void frame_release(struct frame *f)
{
	free(f->items);
	free(f->pairs);
}

/* A list or mapping begins: check its tag, open its frame. */
static void collection_start(struct composer *c, enum ynode_kind kind,
			     const yaml_mark_t *mark, const yaml_mark_t *end,
			     const yaml_char_t *anchor, const yaml_char_t *tag)
{
	struct xnode *x = node_new(c, kind, mark, end, anchor);
	const char *allowed = kind == YNODE_SEQ ? "tag:yaml.org,2002:seq"
						: "tag:yaml.org,2002:map";
	const char *t = (const char *)tag;
	if (t && strcmp(t, "!") && strcmp(t, allowed) && x->n.secret) {
		mae_diag_at(c->d, MAE_SEV_ERROR, x->n.line, x->n.col,
			    "unsupported tag on %s in a value from the "
			    "environment, not shown (%s)",
			    ynode_describe(&x->n), YNODE_SECRET_HINT);
	} else if (t && strcmp(t, "!") && strcmp(t, allowed)) {
		char *st = short_tag(t);
		mae_diag_at(c->d, MAE_SEV_ERROR, x->n.line, x->n.col,
			    "unsupported tag '%s' on %s", st,
			    ynode_describe(&x->n));
		free(st);
	}
	stack_push(c, x, x->n.line, x->n.col);
}

static void event_handle(struct composer *c, yaml_event_t *ev)
{
	int line = (int)ev->start_mark.line + 1;
	int col = (int)ev->start_mark.column + 1;
	if (c->created >= YTREE_MAX_NODES &&
	    (ev->type == YAML_SCALAR_EVENT ||
	     ev->type == YAML_SEQUENCE_START_EVENT ||
	     ev->type == YAML_MAPPING_START_EVENT)) {
		nodes_limit(c, line, col);
		return;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		node_add(c, scalar_new(c, ev), line, col);
		break;
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)ev->data.alias.anchor;
		struct xnode *x = anchor_get(c, name);
		bool secret = c->nsecret && secret_at(c, ev->start_mark.index,
						      ev->end_mark.index);
		if (!x || x->open) {
			if (secret)
				mae_diag_at(c->d, MAE_SEV_ERROR, line, col,
					    "%s alias in a value from the "
					    "environment, not shown (%s)",
					    x ? "recursive" : "undefined",
					    YNODE_SECRET_HINT);
			else if (!x)
				mae_diag_at(c->d, MAE_SEV_ERROR, line, col,
					    "undefined alias '%s'", name);
			else
				mae_diag_at(c->d, MAE_SEV_ERROR, line, col,
					    "recursive alias '%s' (the "
					    "anchored node at line %d contains "
					    "it)", name, x->n.line);
			/* stand in a null so composing can go on */
			x = doc_alloc(c->doc, sizeof(*x));
			x->n.kind = YNODE_SCALAR;
			x->n.line = line;
			x->n.col = col;
			x->n.type = YSCALAR_NULL;
			x->n.text = "";
			x->n.str = "None";
			x->n.secret = secret;
			x->size = 1;
		}
		node_add(c, x, line, col);
		break;
	}
	case YAML_SEQUENCE_START_EVENT:
		collection_start(c, YNODE_SEQ, &ev->start_mark, &ev->end_mark,
				 ev->data.sequence_start.anchor,
				 ev->data.sequence_start.tag);
		break;
	case YAML_MAPPING_START_EVENT:
		collection_start(c, YNODE_MAP, &ev->start_mark, &ev->end_mark,
				 ev->data.mapping_start.anchor,
				 ev->data.mapping_start.tag);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		if (c->depth == 0)
			break;
		struct frame *f = &c->stack[c->depth - 1];
		if (f->node->n.kind == YNODE_SEQ)
			seq_close(c, f);
		else
			map_close(c, f);
		f->node->open = false;
		struct xnode *x = f->node;
		frame_release(f);
		c->depth--;
		if (!c->limit_hit)
			node_add(c, x, x->n.line, x->n.col);
		break;
	}
	default:
		break;
	}
}

/* 1-based line and column of a byte offset (libyaml's reader errors). */
static void offset_position(const char *text, size_t len, size_t off,
			    int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static void syntax_error(yaml_parser_t *p, const char *text, size_t len,
			 struct mae_diags *d)
{
	int line, col;
	const char *problem = p->problem ? p->problem : "cannot read YAML";
	if (p->error == YAML_READER_ERROR) {
		offset_position(text, len, p->problem_offset, &line, &col);
		if (p->problem_value != -1 &&
		    !secret_byte(d->map, p->problem_offset))
			mae_diag_at(d, MAE_SEV_ERROR, line, col,
				    "%s (byte 0x%02x)", problem,
				    (unsigned)p->problem_value & 0xffu);
		else
			mae_diag_at(d, MAE_SEV_ERROR, line, col, "%s",
				    problem);
		return;
	}
	line = (int)p->problem_mark.line + 1;
	col = (int)p->problem_mark.column + 1;
	if (p->problem_mark.index >= len && len > 0)
		/* the end of the stream, where libyaml forces a new line: point
		 * at the end of the last line, which the source map can place */
		offset_position(text, len, text[len - 1] == '\n' ? len - 1 : len,
				&line, &col);
	if (p->context) {
		/* the context's line too is one of the file the user wrote */
		int cline = (int)p->context_mark.line + 1;
		if (d->map && cline > 0 && (size_t)cline <= d->map->n)
			cline = d->map->lines[cline - 1].line;
		mae_diag_at(d, MAE_SEV_ERROR, line, col,
			    "%s (%s at line %d, column %d)", problem,
			    p->context, cline,
			    (int)p->context_mark.column + 1);
	} else {
		mae_diag_at(d, MAE_SEV_ERROR, line, col, "%s", problem);
	}
}

int ydoc_parse(const char *text, size_t len, struct ydoc **ret,
	       struct mae_diags *d)
{
	*ret = NULL;
	if (!text) { /* libyaml asserts on a NULL input */
		text = "";
		len = 0;
	}
	if (len > YTREE_MAX_INPUT) {
		mae_diag_at(d, MAE_SEV_ERROR, 0, 0,
			    "file too large: %zu bytes, more than 16 MiB (the "
			    "limit)", len);
		return MAE_ERR_LIMIT;
	}
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		mae_diag_at(d, MAE_SEV_ERROR, 0, 0, "cannot start libyaml");
		return MAE_ERR_INTERNAL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	struct composer c = { 0 };
	c.d = d;
	secret_init(&c, text, len, d->map);
	c.doc = mae_xcalloc(1, sizeof(*c.doc));
	int rc = 0;
	int docs = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			syntax_error(&p, text, len, d);
			rc = MAE_ERR_INVALID;
			break;
		}
		bool done = ev.type == YAML_STREAM_END_EVENT;
		if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			mae_diag_at(d, MAE_SEV_ERROR,
				    (int)ev.start_mark.line + 1,
				    (int)ev.start_mark.column + 1,
				    "expected a single document in the "
				    "stream, but found another document");
			rc = MAE_ERR_INVALID;
			done = true;
		}
		if (!done)
			event_handle(&c, &ev);
		yaml_event_delete(&ev);
		if (c.limit_hit) {
			rc = c.limit_hit;
			break;
		}
		if (done)
			break;
	}
	while (c.depth > 0)
		frame_release(&c.stack[--c.depth]);
	free(c.stack);
	mae_map_release(&c.anchors);
	free(c.secret);
	yaml_parser_delete(&p);
	if (rc < 0) {
		ydoc_free(c.doc);
		return rc;
	}
	*ret = c.doc;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Lookup                                                               */

const struct ypair *ynode_get_pair(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP || !key)
		return NULL;
	size_t klen = strlen(key);
	for (size_t i = 0; i < map->npairs; i++) {
		const struct ynode *k = map->pairs[i].key;
		if (k->kind == YNODE_SCALAR && k->type == YSCALAR_STR &&
		    !k->timestamp && k->text_len == klen &&
		    memcmp(k->text, key, klen) == 0)
			return &map->pairs[i];
	}
	return NULL;
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	const struct ypair *p = ynode_get_pair(map, key);
	return p ? p->value : NULL;
}
