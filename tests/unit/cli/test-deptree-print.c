/*
 * test-deptree-print.c - the deptree printer (cli/deptree-print.c) on
 * graphs made by hand: MaestroNG's tree without -r, each subtree once with
 * "(*)" for a repeat, roots sharing dependencies, the digraph, and graphs
 * whose full tree is exponential (diamonds) or cubic (a long chain).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compute.h"
#include "deptree-print.h"

/*
 * web requires api and cache; api requires db and cache; cache requires
 * db; db; tools (omit) requires db.
 */
static size_t web_deps[] = { 3, 1 };    /* cache, api (unsorted on purpose) */
static size_t api_deps[] = { 2, 3 };    /* db, cache */
static size_t cache_deps[] = { 2 };     /* db */
static size_t tools_deps[] = { 2 };
static struct sgraph_service tree_services[] = {
	{ "web", false, web_deps, 2, NULL, 0 },
	{ "api", false, api_deps, 2, NULL, 0 },
	{ "db", false, NULL, 0, NULL, 0 },
	{ "cache", false, cache_deps, 1, NULL, 0 },
	{ "tools", true, tools_deps, 1, NULL, 0 },
};
static const struct sgraph tree = { tree_services, 5, NULL, 0 };

static bool to_buf(void *ctx, const char *s, size_t n)
{
	mae_buf_add(ctx, s, n);
	return true;
}

static char *text(const struct sgraph *g, const size_t *roots, size_t n,
		  bool recursive)
{
	struct mae_buf b = MAE_BUF_INIT;
	deptree_print(g, roots, n, recursive, to_buf, &b);
	return mae_buf_detach(&b);
}

static void test_one_root(void **state)
{
	(void)state;
	size_t web = 0;
	char *s = text(&tree, &web, 1, false);
	/* level 1 {api, cache} is marked shown before descending: under api
	 * only db is new; under cache nothing is left */
	assert_string_equal(s, "web\n"
			       " +- api\n"
			       " |  \\- db\n"
			       " \\- cache\n");
	free(s);
	/* -r: every dependency where it is reached, cache's subtree once */
	s = text(&tree, &web, 1, true);
	assert_string_equal(s, "web\n"
			       " +- api\n"
			       " |  +- cache\n"
			       " |  |  \\- db\n"
			       " |  \\- db\n"
			       " \\- cache (*)\n");
	free(s);
}

static void test_roots_share(void **state)
{
	(void)state;
	/* sorted roots: api, cache, db, web */
	size_t roots[] = { 1, 3, 2, 0 };
	char *s = text(&tree, roots, 4, false);
	assert_string_equal(s, "api\n"
			       " +- cache\n"
			       " \\- db\n"
			       "\n"
			       "cache (*)\n"
			       "\n"
			       "db\n"
			       "\n"
			       "web\n"
			       " +- api (*)\n"
			       " \\- cache (*)\n");
	free(s);
	s = text(&tree, roots, 4, true);
	assert_string_equal(s, "api\n"
			       " +- cache\n"
			       " |  \\- db\n"
			       " \\- db\n"
			       "\n"
			       "cache (*)\n"
			       "\n"
			       "db\n"
			       "\n"
			       "web\n"
			       " +- api (*)\n"
			       " \\- cache (*)\n");
	free(s);
}

static void test_dot(void **state)
{
	(void)state;
	size_t root = 2;
	struct mae_buf b = MAE_BUF_INIT;
	deptree_print_dot(&tree, &root, 1, to_buf, &b);
	assert_string_equal(mae_buf_str(&b), "digraph deptree {\n  \"db\";\n}\n");
	b.len = 0;
	root = 1;
	deptree_print_dot(&tree, &root, 1, to_buf, &b);
	assert_string_equal(mae_buf_str(&b), "digraph deptree {\n"
					     "  \"api\";\n"
					     "  \"db\";\n"
					     "  \"cache\";\n"
					     "  \"api\" -> \"cache\";\n"
					     "  \"api\" -> \"db\";\n"
					     "  \"cache\" -> \"db\";\n"
					     "}\n");
	mae_buf_release(&b);
}

/* A name with a control character is escaped, not sent to the terminal. */
static void test_escaped(void **state)
{
	(void)state;
	struct sgraph_service sv[] = { { "we\033[2Jb", false, NULL, 0, NULL, 0 } };
	const struct sgraph g = { sv, 1, NULL, 0 };
	size_t r = 0;
	char *s = text(&g, &r, 1, false);
	assert_string_equal(s, "we\\x1b[2Jb\n");
	free(s);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/*
 * levels diamonds: a_i and b_i each require a_{i+1} and b_{i+1}.  Every
 * path printed would be 2^levels lines; each subtree once is linear.
 */
static void test_diamonds(void **state)
{
	(void)state;
	enum { LEVELS = 40, N = 2 * LEVELS };
	struct sgraph_service sv[N];
	size_t deps[N][2];
	char names[N][8];
	for (size_t i = 0; i < N; i++) {
		size_t level = i / 2;
		snprintf(names[i], sizeof(names[i]), "%c%02zu", i % 2 ? 'b' : 'a',
			 level);
		deps[i][0] = 2 * level + 2;
		deps[i][1] = 2 * level + 3;
		sv[i] = (struct sgraph_service){ names[i], false, deps[i],
						 level + 1 < LEVELS ? 2 : 0, NULL, 0 };
	}
	const struct sgraph g = { sv, N, NULL, 0 };
	size_t root = 0;
	char *s = text(&g, &root, 1, true);
	/* the root, then two lines for each service expanded once: a00 and
	 * both services of levels 1 to LEVELS - 2 (the last level is leaves) */
	assert_int_equal(count_lines(s), 1 + 2 * (1 + 2 * (LEVELS - 2)));
	assert_non_null(strstr(s, "\n \\- b01\n   +- a02 (*)\n   \\- b02 (*)\n"));
	free(s);
	/* MaestroNG's: a level is shown once, so b_i shows nothing new */
	s = text(&g, &root, 1, false);
	assert_int_equal(count_lines(s), 1 + 2 * (LEVELS - 1));
	free(s);
	/* every service a root: each subtree still printed once */
	size_t roots[N];
	for (size_t i = 0; i < N; i++)
		roots[i] = i;
	s = text(&g, roots, N, true);
	assert_true(count_lines(s) < 4 * N);
	free(s);
}

struct counts {
	size_t bytes, lines;
};

static bool count(void *ctx, const char *s, size_t n)
{
	struct counts *c = ctx;
	c->bytes += n;
	for (size_t i = 0; i < n; i++)
		c->lines += s[i] == '\n';
	return true;
}

/*
 * A chain of 5,000 services, every one a root: the first tree holds the
 * chain once, each later root is one "(*)" line (MaestroNG repeated the
 * chain under every root: N^2 / 2 lines of up to 3N columns).
 */
static void test_long_chain(void **state)
{
	(void)state;
	enum { N = 5000 };
	struct sgraph_service *sv = calloc(N, sizeof(*sv));
	size_t *next = calloc(N, sizeof(*next));
	char (*names)[12] = calloc(N, sizeof(*names));
	size_t *roots = calloc(N, sizeof(*roots));
	assert_non_null(sv);
	assert_non_null(next);
	assert_non_null(names);
	assert_non_null(roots);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "s%06zu", i);
		next[i] = i + 1;
		sv[i] = (struct sgraph_service){ names[i], false, &next[i],
						 i + 1 < N ? 1 : 0, NULL, 0 };
		roots[i] = i;
	}
	const struct sgraph g = { sv, N, NULL, 0 };
	struct counts c = { 0, 0 };
	deptree_print(&g, roots, N, false, count, &c);
	/* tree: N lines; then N - 1 roots, each a blank line and a line */
	assert_int_equal(c.lines, N + 2 * (N - 1));
	/* the tree's line d (d >= 1) is " " + 2 (d - 1) + "\- " + name */
	size_t want = 8 + (N - 2) * 12 /* "(*)" roots: "s000001 (*)\n" */
		      + (N - 1) + 8 /* blank lines, the last root */;
	for (size_t d = 1; d < N; d++)
		want += 1 + 2 * (d - 1) + 3 + 8;
	assert_int_equal(c.bytes, want);
	char *s = text(&g, roots + N - 3, 3, true);
	assert_string_equal(s, "s004997\n"
			       " \\- s004998\n"
			       "   \\- s004999\n"
			       "\n"
			       "s004998 (*)\n"
			       "\n"
			       "s004999\n");
	free(s);
	free(sv);
	free(next);
	free(names);
	free(roots);
}

/* A writer that says stop is not called again, and the printer says so. */
static bool stop_after_two(void *ctx, const char *s, size_t n)
{
	(void)s;
	(void)n;
	size_t *calls = ctx;
	return ++*calls < 2;
}

static void test_stopped(void **state)
{
	(void)state;
	size_t roots[] = { 1, 3, 2, 0 };
	size_t calls = 0;
	assert_false(deptree_print(&tree, roots, 4, true, stop_after_two, &calls));
	assert_int_equal(calls, 2);
	calls = 0;
	assert_false(deptree_print_dot(&tree, roots, 4, stop_after_two, &calls));
	assert_int_equal(calls, 2);
	struct mae_buf b = MAE_BUF_INIT;
	assert_true(deptree_print(&tree, roots, 4, true, to_buf, &b));
	assert_true(deptree_print_dot(&tree, roots, 4, to_buf, &b));
	mae_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_root),
		cmocka_unit_test(test_roots_share),
		cmocka_unit_test(test_dot),
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_diamonds),
		cmocka_unit_test(test_long_chain),
		cmocka_unit_test(test_stopped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
