/*
 * Unit tests for the YAML reader (schema/yaml-tree.c, schema/pyscalar.c):
 * structure and positions, anchors/aliases/merges, duplicate keys, every
 * error it reports, its limits, and mae_float_repr.  Expected values are
 * worked out by hand from PyYAML's rules or printed by Python itself
 * (noted where so); the bulk comparison with PyYAML is the differential
 * suite.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "pyscalar.h"
#include "yaml-tree.h"

/* A parse with its diagnostics, for the tests below. */
struct parsed {
	struct mae_diags d;
	struct ydoc *doc;
	int rc;
};

static void parse(struct parsed *p, const char *text)
{
	mae_diags_init(&p->d, "t.yaml");
	p->doc = NULL;
	p->rc = ydoc_parse(text, strlen(text), &p->doc, &p->d);
}

static void parsed_release(struct parsed *p)
{
	ydoc_free(p->doc);
	mae_diags_release(&p->d);
}

/* The formatted diagnostic i. */
static char *diag(const struct parsed *p, size_t i)
{
	assert_true(i < p->d.n);
	return mae_diag_format(&p->d.v[i]);
}

static void assert_diag(const struct parsed *p, size_t i, const char *want)
{
	char *s = diag(p, i);
	assert_string_equal(s, want);
	free(s);
}

/* The only error of a parse, which must have exactly one. */
static void assert_one_error(const char *text, const char *want)
{
	struct parsed p;
	parse(&p, text);
	assert_int_equal(p.d.nerrors, 1);
	assert_diag(&p, 0, want);
	parsed_release(&p);
}

static void test_structure_and_positions(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "name: demo\n"
		  "ships:\n"
		  "  s1: {ip: 10.0.0.1}\n"
		  "list:\n"
		  "  - a\n"
		  "  -   \"b\"\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.d.n, 0);
	const struct ynode *root = ydoc_root(p.doc);
	assert_non_null(root);
	assert_int_equal(root->kind, YNODE_MAP);
	assert_int_equal(root->npairs, 3);
	assert_int_equal(root->line, 1);
	assert_int_equal(root->col, 1);

	const struct ypair *name = ynode_get_pair(root, "name");
	assert_non_null(name);
	assert_int_equal(name->key->line, 1);
	assert_int_equal(name->key->col, 1);
	assert_int_equal(name->value->line, 1);
	assert_int_equal(name->value->col, 7);
	assert_string_equal(name->value->str, "demo");
	assert_false(name->value->quoted);

	const struct ynode *s1 = ynode_get(ynode_get(root, "ships"), "s1");
	assert_int_equal(s1->kind, YNODE_MAP);
	assert_int_equal(s1->line, 3);
	assert_int_equal(s1->col, 7);
	const struct ynode *ip = ynode_get(s1, "ip");
	assert_string_equal(ip->str, "10.0.0.1");
	assert_int_equal(ip->col, 12);

	const struct ynode *list = ynode_get(root, "list");
	assert_int_equal(list->kind, YNODE_SEQ);
	assert_int_equal(list->nitems, 2);
	assert_int_equal(list->line, 5);
	assert_int_equal(list->col, 3);
	assert_int_equal(list->items[1]->line, 6);
	assert_int_equal(list->items[1]->col, 7);
	assert_true(list->items[1]->quoted);

	assert_null(ynode_get(root, "nope"));
	assert_null(ynode_get(list, "a"));
	assert_string_equal(ynode_describe(root), "a mapping");
	assert_string_equal(ynode_describe(list), "a list");
	assert_string_equal(ynode_describe(ip), "a string");
	parsed_release(&p);
}

static void test_scalar_types(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "port: 80:25\n"
		  "oct: 010\n"
		  "api: 1.20\n"
		  "flag: no\n"
		  "none: ~\n"
		  "empty:\n"
		  "quoted: \"yes\"\n"
		  "hex: +0x1F\n"
		  "big: 18446744073709551616\n"
		  "min: -9223372036854775808\n"
		  "exp: 1e3\n"
		  "fexp: 1.0e+3\n"
		  "date: 2001-12-14\n"
		  "block: |\n  text\n");
	assert_int_equal(p.d.n, 0);
	const struct ynode *r = ydoc_root(p.doc);
	const struct ynode *n = ynode_get(r, "port");
	assert_int_equal(n->type, YSCALAR_INT);
	assert_true(n->int_fits);
	assert_int_equal(n->i, 4825);
	assert_string_equal(n->str, "4825");
	assert_string_equal(n->text, "80:25");
	assert_string_equal(ynode_describe(n), "an integer");

	n = ynode_get(r, "oct");
	assert_int_equal(n->i, 8);
	n = ynode_get(r, "api");
	assert_int_equal(n->type, YSCALAR_FLOAT);
	assert_true(n->f == 1.2);
	assert_string_equal(n->str, "1.2");
	n = ynode_get(r, "flag");
	assert_int_equal(n->type, YSCALAR_BOOL);
	assert_false(n->b);
	assert_string_equal(n->str, "False");
	assert_string_equal(ynode_describe(n), "a boolean");
	assert_int_equal(ynode_get(r, "none")->type, YSCALAR_NULL);
	n = ynode_get(r, "empty");
	assert_int_equal(n->type, YSCALAR_NULL);
	assert_string_equal(n->str, "None");
	n = ynode_get(r, "quoted");
	assert_int_equal(n->type, YSCALAR_STR);
	assert_true(n->quoted);
	assert_int_equal(ynode_get(r, "hex")->i, 31);
	n = ynode_get(r, "big");
	assert_int_equal(n->type, YSCALAR_INT);
	assert_false(n->int_fits);
	assert_string_equal(n->str, "18446744073709551616");
	n = ynode_get(r, "min");
	assert_true(n->int_fits);
	assert_true(n->i == INT64_MIN);
	n = ynode_get(r, "exp");
	assert_int_equal(n->type, YSCALAR_STR); /* no dot: not a float */
	n = ynode_get(r, "fexp");
	assert_string_equal(n->str, "1000.0");
	n = ynode_get(r, "date");
	assert_int_equal(n->type, YSCALAR_STR);
	assert_true(n->timestamp);
	assert_string_equal(n->str, "2001-12-14");
	n = ynode_get(r, "block");
	assert_string_equal(n->str, "text\n");
	assert_true(n->quoted);
	parsed_release(&p);
}

static void test_escapes_keep_nul(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "a: \"x\\0y\"\n");
	const struct ynode *n = ynode_get(ydoc_root(p.doc), "a");
	assert_int_equal(n->text_len, 3);
	assert_memory_equal(n->text, "x\0y", 3);
	parsed_release(&p);
}

static void test_empty_documents(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "");
	assert_int_equal(p.rc, 0);
	assert_non_null(p.doc);
	assert_null(ydoc_root(p.doc));
	parsed_release(&p);
	parse(&p, "# only a comment\n");
	assert_null(ydoc_root(p.doc));
	parsed_release(&p);
	parse(&p, "---\n");
	assert_int_equal(ydoc_root(p.doc)->type, YSCALAR_NULL);
	parsed_release(&p);
}

static void test_anchors_and_aliases(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "a: &env {X: 1}\n"
		  "b: *env\n"
		  "c: [&s str, *s]\n");
	assert_int_equal(p.d.n, 0);
	const struct ynode *r = ydoc_root(p.doc);
	const struct ynode *a = ynode_get(r, "a");
	assert_ptr_equal(a, ynode_get(r, "b"));
	assert_string_equal(a->anchor, "env");
	const struct ynode *c = ynode_get(r, "c");
	assert_ptr_equal(c->items[0], c->items[1]);
	assert_null(c->anchor);
	parsed_release(&p);
}

static void test_merge_keys(void **state)
{
	(void)state;
	struct parsed p;
	/* Python's dict order: a key sits where it first appeared, with the
	 * value of its last occurrence; merge sources come first, earlier
	 * sources win, written keys win. */
	parse(&p, "one: &one {a: 1, b: 2}\n"
		  "two: &two {b: 20, c: 30}\n"
		  "m:\n"
		  "  x: 0\n"
		  "  <<: [*one, *two]\n"
		  "  a: 10\n"
		  "single: {<<: *two, c: 3}\n");
	assert_int_equal(p.d.n, 0);
	const struct ynode *m = ynode_get(ydoc_root(p.doc), "m");
	assert_int_equal(m->npairs, 4);
	const char *keys[] = { "b", "c", "a", "x" };
	const char *vals[] = { "2", "30", "10", "0" };
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(m->pairs[i].key->str, keys[i]);
		assert_string_equal(m->pairs[i].value->str, vals[i]);
	}
	const struct ynode *s = ynode_get(ydoc_root(p.doc), "single");
	assert_int_equal(s->npairs, 2);
	assert_string_equal(ynode_get(s, "b")->str, "20");
	assert_string_equal(ynode_get(s, "c")->str, "3");
	assert_null(ynode_get(s, "<<"));
	parsed_release(&p);
}

static void test_merge_errors(void **state)
{
	(void)state;
	assert_one_error("a: {<<: 1}\n",
			 "t.yaml:1:9: error: expected a mapping or list of "
			 "mappings for merging, found an integer");
	assert_one_error("a: {<<: [{x: 1}, [2]]}\n",
			 "t.yaml:1:18: error: expected a mapping for merging, "
			 "found a list");
	assert_one_error("a: <<\n",
			 "t.yaml:1:4: error: '<<' is a merge key, valid only "
			 "as a mapping key (quote it for the string)");
	assert_one_error("- =\n",
			 "t.yaml:1:3: error: a plain '=' is YAML 1.1's value "
			 "key, not a value (quote it for the string)");
	/* as a key, '=' is the string "=" (SafeConstructor.flatten_mapping) */
	struct parsed p;
	parse(&p, "=: 1\n\"<<\": 2\n");
	assert_int_equal(p.d.n, 0);
	assert_string_equal(ynode_get(ydoc_root(p.doc), "=")->str, "1");
	assert_string_equal(ynode_get(ydoc_root(p.doc), "<<")->str, "2");
	parsed_release(&p);
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "services:\n"
		  "  web: {image: a}\n"
		  "  db: {image: b}\n"
		  "  web: {image: c}\n");
	assert_int_equal(p.rc, 0); /* read, with errors */
	assert_int_equal(p.d.nerrors, 1);
	assert_diag(&p, 0, "t.yaml:4:3: error: duplicate key 'web' in mapping "
			   "(first at line 2)");
	/* the first one is kept */
	const struct ynode *svc = ynode_get(ydoc_root(p.doc), "services");
	assert_int_equal(svc->npairs, 2);
	assert_string_equal(ynode_get(ynode_get(svc, "web"), "image")->str,
			    "a");
	parsed_release(&p);

	/* Python's key equality: 1 == 0x1 == True */
	parse(&p, "1: a\nb: c\n0x1: d\ntrue: e\n");
	assert_int_equal(p.d.nerrors, 2);
	assert_diag(&p, 0, "t.yaml:3:1: error: duplicate key '1' in mapping "
			   "(first at line 1)");
	assert_diag(&p, 1, "t.yaml:4:1: error: duplicate key 'True' in "
			   "mapping (first at line 1)");
	parsed_release(&p);

	/* keys that only come from merges are not duplicates */
	parse(&p, "a: &a {x: 1}\nb: {<<: *a, x: 2}\n");
	assert_int_equal(p.d.n, 0);
	parsed_release(&p);
}

static void test_alias_errors(void **state)
{
	(void)state;
	assert_one_error("a: &a\n  b: *a\n",
			 "t.yaml:2:6: error: recursive alias 'a' (the anchored "
			 "node at line 1 contains it)");
	assert_one_error("a: 1\nb: *nope\n",
			 "t.yaml:2:4: error: undefined alias 'nope'");
	assert_one_error("a: &x 1\nb: &x 2\n",
			 "t.yaml:2:4: error: duplicate anchor 'x' (first at "
			 "line 1)");
}

static void test_key_and_tag_errors(void **state)
{
	(void)state;
	assert_one_error("? [a, b]\n: c\n",
			 "t.yaml:1:3: error: a mapping key must be a scalar, "
			 "found a list");
	assert_one_error("a: !!binary aGVsbG8=\n",
			 "t.yaml:1:4: error: invalid scalar 'aGVsbG8=': "
			 "unsupported tag '!!binary' (only !!str, !!int, "
			 "!!float, !!bool and !!null)");
	assert_one_error("a: !foo x\n",
			 "t.yaml:1:4: error: invalid scalar 'x': unsupported "
			 "tag '!foo' (only !!str, !!int, !!float, !!bool and "
			 "!!null)");
	assert_one_error("a: !!set {x: ~}\n",
			 "t.yaml:1:4: error: unsupported tag '!!set' on a "
			 "mapping");
	assert_one_error("a: !!int abc\n",
			 "t.yaml:1:4: error: invalid scalar 'abc': invalid "
			 "literal for int() with base 10: 'abc'");
	assert_one_error("d: 2001-02-29\n",
			 "t.yaml:1:4: error: invalid scalar '2001-02-29': day "
			 "is out of range for month");
	assert_one_error("a: 0x_\n",
			 "t.yaml:1:4: error: invalid scalar '0x_': invalid "
			 "literal for int() with base 16: ''");

	/* explicit tags that work */
	struct parsed p;
	parse(&p, "a: !!str 123\nb: !!int \"0x10\"\nc: !!float 1\n"
		  "d: ! 12\ne: !!bool \"On\"\nf: !!map {}\n");
	assert_int_equal(p.d.n, 0);
	const struct ynode *r = ydoc_root(p.doc);
	assert_int_equal(ynode_get(r, "a")->type, YSCALAR_STR);
	assert_int_equal(ynode_get(r, "b")->i, 16);
	assert_string_equal(ynode_get(r, "c")->str, "1.0");
	assert_int_equal(ynode_get(r, "d")->type, YSCALAR_STR);
	assert_true(ynode_get(r, "e")->b);
	parsed_release(&p);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "a: b\n  c: d\n");
	assert_true(p.rc < 0);
	assert_null(p.doc);
	assert_diag(&p, 0, "t.yaml:2:4: error: mapping values are not allowed "
			   "in this context");
	parsed_release(&p);

	parse(&p, "a: [1, 2\nb: c\n");
	assert_true(p.rc < 0);
	char *s = diag(&p, 0);
	assert_non_null(strstr(s, "(while parsing a flow sequence at line 1, "
				  "column 4)"));
	free(s);
	parsed_release(&p);

	parse(&p, "a: 1\n---\nb: 2\n");
	assert_true(p.rc < 0);
	assert_diag(&p, 0, "t.yaml:2:1: error: expected a single document in "
			   "the stream, but found another document");
	parsed_release(&p);

	parse(&p, "a: \"\xff\"\n");
	assert_true(p.rc < 0);
	s = diag(&p, 0);
	assert_non_null(strstr(s, "t.yaml:1:5: error: invalid leading UTF-8 "
				  "octet"));
	free(s);
	parsed_release(&p);
}

static void test_positions_through_source_map(void **state)
{
	(void)state;
	struct mae_srcloc locs[] = { { "top.yaml", 1 }, { "inc.yaml", 9 } };
	struct mae_srcmap map = { .lines = locs, .n = 2 };
	struct mae_diags d;
	mae_diags_init(&d, "rendered");
	d.map = &map;
	struct ydoc *doc;
	const char *text = "a: 1\na: 2\n";
	assert_int_equal(ydoc_parse(text, strlen(text), &doc, &d), 0);
	char *s = mae_diag_format(&d.v[0]);
	assert_string_equal(s, "inc.yaml:9:1: error: duplicate key 'a' in "
			       "mapping (first at line 1)");
	free(s);
	ydoc_free(doc);
	mae_diags_release(&d);
}

/* Text the map says came from the environment is never quoted, and its
 * nodes are marked secret (for the model's messages: ynode_quote). */
static void test_secret_spans(void **state)
{
	(void)state;
	struct mae_srcloc locs[] = { { "t.yaml", 1 }, { "t.yaml", 2 },
				     { "t.yaml", 3 }, { "t.yaml", 4 } };
	/* "é: " before the first secret: spans are bytes, marks characters */
	const char *text = "\xc3\xa9: *s3cret\nb: [!t0p y, ok]\n"
			   "hunter2: 1\nhunter2: 2\n";
	size_t o1 = 4, o2 = strlen("\xc3\xa9: *s3cret\nb: ["),
	       o3 = strlen("\xc3\xa9: *s3cret\nb: [!t0p y, ok]\nhunter2: 1\n");
	struct mae_span sp[] = { { o1, 7 }, { o2, 6 }, { o3, 7 } };
	struct mae_srcmap map = { .lines = locs, .n = 4, .secret = sp,
				  .nsecret = 3 };
	struct mae_diags d;
	mae_diags_init(&d, "t.yaml");
	d.map = &map;
	struct ydoc *doc;
	assert_int_equal(ydoc_parse(text, strlen(text), &doc, &d), 0);
	assert_int_equal(d.nerrors, 3);
	const char *want[] = {
		"t.yaml:1:4: error: undefined alias in a value from the "
		"environment, not shown (quote it in the template: "
		"{{ env.NAME|tojson }})",
		"t.yaml:2:5: error: invalid scalar in a value from the "
		"environment, not shown (quote it in the template: "
		"{{ env.NAME|tojson }})",
		"t.yaml:4:1: error: duplicate key (a value from the environment, "
		"not shown) in mapping (first at line 3)",
	};
	for (size_t i = 0; i < 3; i++) {
		char *m = mae_diag_format(&d.v[i]);
		assert_string_equal(m, want[i]);
		assert_null(strstr(m, "s3cret"));
		free(m);
	}
	const struct ynode *root = ydoc_root(doc);
	const struct ynode *b = ynode_get(root, "b");
	assert_true(b->items[0]->secret);
	assert_false(b->items[1]->secret);
	assert_false(b->secret);
	assert_string_equal(YNODE_QUOTE(b->items[0]), YNODE_SECRET_TEXT);
	assert_string_equal(YNODE_QUOTE_AS(b->items[0], "ok"), YNODE_SECRET_TEXT);
	assert_string_equal(YNODE_QUOTE(b->items[1]), "'ok'");
	assert_string_equal(YNODE_QUOTE_AS(b->items[1], "o\nk"), "'o\\nk'");
	assert_string_equal(YNODE_QUOTE(NULL), "''");
	ydoc_free(doc);
	mae_diags_release(&d);
}

static void test_limit_input_size(void **state)
{
	(void)state;
	size_t n = ((size_t)16 << 20) + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	struct mae_diags d;
	mae_diags_init(&d, "t.yaml");
	struct ydoc *doc = (struct ydoc *)&d; /* must be reset */
	assert_int_equal(ydoc_parse(big, n, &doc, &d), MAE_ERR_LIMIT);
	assert_null(doc);
	char *s = mae_diag_format(&d.v[0]);
	assert_string_equal(s, "t.yaml: error: file too large: 16777217 bytes, "
			       "more than 16 MiB (the limit)");
	free(s);
	mae_diags_release(&d);
	free(big);
}

static void test_limit_depth(void **state)
{
	(void)state;
	struct mae_buf b = MAE_BUF_INIT;
	for (int i = 0; i < 256; i++)
		mae_buf_addc(&b, '[');
	for (int i = 0; i < 256; i++)
		mae_buf_addc(&b, ']');
	struct parsed p;
	parse(&p, mae_buf_str(&b));
	assert_int_equal(p.rc, 0); /* 256 levels are fine */
	assert_int_equal(p.d.n, 0);
	parsed_release(&p);

	mae_buf_reset(&b);
	for (int i = 0; i < 257; i++)
		mae_buf_addc(&b, '[');
	for (int i = 0; i < 257; i++)
		mae_buf_addc(&b, ']');
	parse(&p, mae_buf_str(&b));
	assert_int_equal(p.rc, MAE_ERR_LIMIT);
	assert_diag(&p, 0, "t.yaml:1:257: error: nesting too deep: more than "
			   "256 levels (the limit)");
	parsed_release(&p);
	mae_buf_release(&b);
}

static void test_limit_billion_laughs(void **state)
{
	(void)state;
	/* 10^9 nodes if expanded; must be refused at once */
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_adds(&b, "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i <= 9; i++) {
		mae_buf_addf(&b, "l%d: &l%d [", i, i);
		for (int j = 0; j < 10; j++)
			mae_buf_addf(&b, "%s*l%d", j ? ", " : "", i - 1);
		mae_buf_adds(&b, "]\n");
	}
	struct parsed p;
	int64_t t0 = mae_now_ms();
	parse(&p, mae_buf_str(&b));
	assert_true(mae_now_ms() - t0 < 30000); /* no-hang bound only */
	assert_int_equal(p.rc, MAE_ERR_LIMIT);
	assert_null(p.doc);
	/* at the alias that brings l5 to 1111111 nodes */
	assert_diag(&p, 0, "t.yaml:6:55: error: document too large: more than "
			   "1000000 nodes counting every alias and merge (the "
			   "limit)");
	parsed_release(&p);

	/* through merge keys too */
	mae_buf_reset(&b);
	mae_buf_adds(&b, "m0: &m0 {a: x, b: x, c: x, d: x, e: x}\n");
	for (int i = 1; i <= 12; i++)
		mae_buf_addf(&b, "m%d: &m%d {<<: *m%d, l%d: [*m%d, *m%d]}\n",
			     i, i, i - 1, i, i - 1, i - 1);
	parse(&p, mae_buf_str(&b));
	assert_int_equal(p.rc, MAE_ERR_LIMIT);
	parsed_release(&p);

	/* a document below the limit with aliases is fine */
	mae_buf_reset(&b);
	mae_buf_adds(&b, "a: &a [1, 2, 3]\nb: [*a, *a, *a]\n");
	parse(&p, mae_buf_str(&b));
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.d.n, 0);
	parsed_release(&p);
	mae_buf_release(&b);
}

static void test_huge_integer_refused(void **state)
{
	(void)state;
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_adds(&b, "a: 1");
	for (int i = 0; i < 4300; i++)
		mae_buf_addc(&b, '0');
	struct parsed p;
	parse(&p, mae_buf_str(&b));
	assert_int_equal(p.d.nerrors, 1);
	char *s = diag(&p, 0);
	assert_non_null(strstr(s, "integer has more than 4300 digits"));
	free(s);
	parsed_release(&p);

	/* 4300 digits are still fine (Python's limit is inclusive) */
	mae_buf_reset(&b);
	mae_buf_adds(&b, "a: 1");
	for (int i = 0; i < 4299; i++)
		mae_buf_addc(&b, '0');
	parse(&p, mae_buf_str(&b));
	assert_int_equal(p.d.n, 0);
	assert_int_equal(strlen(ynode_get(ydoc_root(p.doc), "a")->str), 4300);
	parsed_release(&p);
	mae_buf_release(&b);
}

static void test_pyscalar_direct(void **state)
{
	(void)state;
	struct pyscalar ps;
	char *err;
	assert_int_equal(pyscalar_resolve("<<", 2, true, NULL, &ps, &err), 0);
	assert_int_equal(ps.special, PYSCALAR_MERGE);
	assert_int_equal(pyscalar_resolve("=", 1, true, NULL, &ps, &err), 0);
	assert_int_equal(ps.special, PYSCALAR_EQUALS);
	/* 190:20:30 = 190*3600 + 20*60 + 30 (PyYAML's own example) */
	assert_int_equal(pyscalar_resolve("190:20:30", 9, true, NULL, &ps, &err),
			 0);
	assert_int_equal(ps.i, 685230);
	free(ps.str);
	assert_int_equal(pyscalar_resolve("-0b1010_0111", 12, true, NULL, &ps,
					  &err), 0);
	assert_int_equal(ps.i, -167);
	free(ps.str);
	assert_int_equal(pyscalar_resolve("1:30.5", 6, true, NULL, &ps, &err),
			 0);
	assert_string_equal(ps.str, "90.5");
	free(ps.str);
	/* quoted: never typed */
	assert_int_equal(pyscalar_resolve("80:25", 5, false, NULL, &ps, &err),
			 0);
	assert_int_equal(ps.type, YSCALAR_STR);
	free(ps.str);
	assert_int_equal(pyscalar_resolve("2001-12-14t21:59:43.10-05:00", 28,
					  true, NULL, &ps, &err), 0);
	/* str(datetime) as Python prints it */
	assert_string_equal(ps.str, "2001-12-14 21:59:43.100000-05:00");
	free(ps.str);
}

static void test_mae_float_repr(void **state)
{
	(void)state;
	/* repr() values printed by Python 3.11 */
	static const struct {
		double f;
		const char *want;
	} cases[] = {
		{ 0.0, "0.0" },
		{ -0.0, "-0.0" },
		{ 1.0, "1.0" },
		{ 1.2, "1.2" },
		{ 0.1, "0.1" },
		{ 0x1.3333333333334p-2, "0.30000000000000004" },
		{ 1e16, "1e+16" },
		{ 1e15, "1000000000000000.0" },
		{ 9999999999999998.0, "9999999999999998.0" },
		{ 1.5e16, "1.5e+16" },
		{ 1e-4, "0.0001" },
		{ 1e-5, "1e-05" },
		{ 0.00012, "0.00012" },
		{ 123456.789, "123456.789" },
		{ 1e22, "1e+22" },
		{ 1e100, "1e+100" },
		{ 0x0.0000000000001p-1022, "5e-324" },
		{ 0x1p-1022, "2.2250738585072014e-308" },
		{ 0x1.fffffffffffffp+1023, "1.7976931348623157e+308" },
		{ -2.5, "-2.5" },
		{ 6.02e23, "6.02e+23" },
	};
	char out[32];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mae_float_repr(cases[i].f, out);
		assert_string_equal(out, cases[i].want);
	}
	mae_float_repr(INFINITY, out);
	assert_string_equal(out, "inf");
	mae_float_repr(-INFINITY, out);
	assert_string_equal(out, "-inf");
	mae_float_repr(NAN, out);
	assert_string_equal(out, "nan");
	mae_float_repr(-NAN, out);
	assert_string_equal(out, "nan");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure_and_positions),
		cmocka_unit_test(test_scalar_types),
		cmocka_unit_test(test_escapes_keep_nul),
		cmocka_unit_test(test_empty_documents),
		cmocka_unit_test(test_anchors_and_aliases),
		cmocka_unit_test(test_merge_keys),
		cmocka_unit_test(test_merge_errors),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_alias_errors),
		cmocka_unit_test(test_key_and_tag_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_positions_through_source_map),
		cmocka_unit_test(test_limit_input_size),
		cmocka_unit_test(test_limit_depth),
		cmocka_unit_test(test_limit_billion_laughs),
		cmocka_unit_test(test_huge_integer_refused),
		cmocka_unit_test(test_pyscalar_direct),
		cmocka_unit_test(test_secret_spans),
		cmocka_unit_test(test_mae_float_repr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
