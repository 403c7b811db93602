/*
 * Unit tests for the service graph, selection and the dependency tree
 * (schema/select.c).  The filter cases are MaestroNG's ConductorTest on
 * container_filter.yaml (spec §10), on a graph of the same shape; the
 * tree outputs are written by hand from spec §6.4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "compute.h"

/*
 * webapp: webapp-a (ship1), webapp-b (ship2)
 * webapp1: webapp1-a (ship1), webapp1-b (ship2)
 */
static size_t webapp_inst[] = { 0, 1 };
static size_t webapp1_inst[] = { 2, 3 };
static struct sgraph_service filt_services[] = {
	{ "webapp", false, NULL, 0, webapp_inst, 2 },
	{ "webapp1", false, NULL, 0, webapp1_inst, 2 },
};
static struct sgraph_instance filt_instances[] = {
	{ "webapp-a", 0, "ship1" },
	{ "webapp-b", 0, "ship2" },
	{ "webapp1-a", 1, "ship1" },
	{ "webapp1-b", 1, "ship2" },
};
static const struct sgraph filt = { filt_services, 2, filt_instances, 4 };

static void check_sel(const struct sgraph *g, const struct select_opts *o,
		      const char *const *want, size_t n)
{
	size_t *v = NULL, got = 0;
	struct mae_error e;
	mae_error_clear(&e);
	assert_int_equal(select_instances(g, o, &v, &got, &e), 0);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(g->instances[v[i]].name, want[i]);
	free(v);
}

static void test_filters(void **state)
{
	(void)state;
	const char *webapp[] = { "webapp" };
	struct select_opts o = { .things = webapp, .nthings = 1, .expand = true };
	check_sel(&filt, &o, (const char *[]){ "webapp-a", "webapp-b" }, 2);
	o.container_glob = "*-a";
	check_sel(&filt, &o, (const char *[]){ "webapp-a" }, 1);
	o.container_glob = NULL;
	o.ship_glob = "ship*2";
	check_sel(&filt, &o, (const char *[]){ "webapp-b" }, 1);
	const char *both[] = { "webapp", "webapp1" };
	struct select_opts o2 = { .things = both, .nthings = 2, .expand = true,
				  .container_glob = "*-b", .ship_glob = "ship*2" };
	check_sel(&filt, &o2, (const char *[]){ "webapp-b", "webapp1-b" }, 2);
	/* unlike MaestroNG, the filters also hold with dependencies */
	struct select_opts o3 = { .with_deps = true, .expand = true,
				  .container_glob = "webapp1-*" };
	check_sel(&filt, &o3, (const char *[]){ "webapp1-a", "webapp1-b" }, 2);
	/* a thing named twice is selected once */
	const char *dup[] = { "webapp", "webapp-a" };
	struct select_opts o4 = { .things = dup, .nthings = 2, .expand = true };
	check_sel(&filt, &o4, (const char *[]){ "webapp-a", "webapp-b" }, 2);
}

static void test_errors(void **state)
{
	(void)state;
	size_t *v = NULL, n = 0;
	struct mae_error e;
	const char *bad[] = { "webap" };
	struct select_opts o = { .things = bad, .nthings = 1, .expand = true };
	mae_error_clear(&e);
	assert_int_equal(select_instances(&filt, &o, &v, &n, &e), MAE_ERR_INVALID);
	assert_string_equal(e.msg,
			    "'webap' is neither a service nor a container (did you mean 'webapp'?)");
	const char *svc[] = { "webapp" };
	struct select_opts o2 = { .things = svc, .nthings = 1, .expand = false };
	assert_int_equal(select_instances(&filt, &o2, &v, &n, &e), MAE_ERR_INVALID);
	assert_string_equal(e.msg,
			    "'webapp' is a service but --expand-services was not specified");
	const char *inst[] = { "webapp-b" };
	struct select_opts o3 = { .things = inst, .nthings = 1, .expand = false };
	check_sel(&filt, &o3, (const char *[]){ "webapp-b" }, 1);
}

/*
 * web requires api and cache; api requires db and cache; cache requires
 * db; db; tools (omit) requires db.  Instances: one per service, plus
 * web-2.
 */
static size_t web_deps[] = { 3, 1 };    /* cache, api (unsorted on purpose) */
static size_t api_deps[] = { 2, 3 };    /* db, cache */
static size_t cache_deps[] = { 2 };     /* db */
static size_t tools_deps[] = { 2 };
static size_t web_i[] = { 0, 5 }, api_i[] = { 1 }, db_i[] = { 2 },
	      cache_i[] = { 3 }, tools_i[] = { 4 };
static struct sgraph_service tree_services[] = {
	{ "web", false, web_deps, 2, web_i, 2 },
	{ "api", false, api_deps, 2, api_i, 1 },
	{ "db", false, NULL, 0, db_i, 1 },
	{ "cache", false, cache_deps, 1, cache_i, 1 },
	{ "tools", true, tools_deps, 1, tools_i, 1 },
};
static struct sgraph_instance tree_instances[] = {
	{ "web-1", 0, "a" }, { "api-1", 1, "a" }, { "db-1", 2, "b" },
	{ "cache-1", 3, "b" }, { "tools-1", 4, "a" }, { "web-2", 0, "b" },
};
static const struct sgraph tree = { tree_services, 5, tree_instances, 6 };

static void test_deps_direction(void **state)
{
	(void)state;
	const char *api[] = { "api-1" };
	struct select_opts o = { .things = api, .nthings = 1, .with_deps = true };
	check_sel(&tree, &o, (const char *[]){ "api-1", "cache-1", "db-1" }, 3);
	o.direction = SELECT_DEPENDENTS;
	check_sel(&tree, &o, (const char *[]){ "api-1", "web-1", "web-2" }, 3);
	/* no things: every service but the omitted ones; dependencies of
	 * what is selected still come in */
	struct select_opts all = { .with_deps = true, .expand = true };
	check_sel(&tree, &all,
		  (const char *[]){ "api-1", "cache-1", "db-1", "web-1", "web-2" }, 5);
	all.include_omitted = true;
	all.with_deps = false;
	check_sel(&tree, &all,
		  (const char *[]){ "api-1", "cache-1", "db-1", "tools-1", "web-1",
				    "web-2" }, 6);
	/* stopping db with -d takes every dependent, the omitted one too */
	const char *db[] = { "db" };
	struct select_opts st = { .things = db, .nthings = 1, .expand = true,
				  .with_deps = true,
				  .direction = SELECT_DEPENDENTS, .ship_glob = "a" };
	check_sel(&tree, &st, (const char *[]){ "api-1", "tools-1", "web-1" }, 3);
}

static void test_opts_for_action(void **state)
{
	(void)state;
	struct select_opts o;
	const char *db[] = { "db" };
	/* stop db -s: dependents of db, the omitted tools-1 too */
	assert_int_equal(select_opts_for_action(&o, "stop", db, 1, false, false,
						true, NULL, NULL, NULL), 0);
	check_sel(&tree, &o, (const char *[]){ "db-1" }, 1);
	assert_int_equal(select_opts_for_action(&o, "stop", db, 1, true, false,
						true, NULL, NULL, NULL), 0);
	check_sel(&tree, &o,
		  (const char *[]){ "api-1", "cache-1", "db-1", "tools-1", "web-1",
				    "web-2" }, 6);
	/* stop without -s: a service is refused */
	assert_int_equal(select_opts_for_action(&o, "stop", db, 1, false, false,
						false, NULL, NULL, NULL), 0);
	size_t *v = NULL, n = 0;
	assert_int_equal(select_instances(&tree, &o, &v, &n, NULL), MAE_ERR_INVALID);
	/* start with no things: dependencies, omitted services left out */
	assert_int_equal(select_opts_for_action(&o, "start", NULL, 0, false, false,
						false, NULL, NULL, NULL), 0);
	assert_true(o.with_deps && o.expand && !o.include_omitted);
	/* ... unless -i */
	assert_int_equal(select_opts_for_action(&o, "start", NULL, 0, false, true,
						false, NULL, "b", NULL), 0);
	check_sel(&tree, &o, (const char *[]){ "cache-1", "db-1", "web-2" }, 3);
	/* status with no things shows the omitted services too */
	assert_int_equal(select_opts_for_action(&o, "status", NULL, 0, false, true,
						false, "tools-*", NULL, NULL), 0);
	check_sel(&tree, &o, (const char *[]){ "tools-1" }, 1);
	struct mae_error e;
	mae_error_clear(&e);
	assert_int_equal(select_opts_for_action(&o, "launch", NULL, 0, false, false,
						false, NULL, NULL, &e), MAE_ERR_INVALID);
	assert_string_equal(e.msg, "unknown action 'launch'");
}

static void test_glob(void **state)
{
	(void)state;
	/* Python's fnmatch.fnmatchcase */
	assert_true(glob_match("*-a", "webapp-a"));
	assert_false(glob_match("*-a", "webapp-b"));
	assert_true(glob_match("ship?2", "ship-2"));
	assert_true(glob_match("w[a-c]b", "wbb"));
	assert_false(glob_match("w[!a-c]b", "wbb"));
	assert_true(glob_match("w[!a-c]b", "wzb"));
	assert_true(glob_match("[]]", "]"));
	assert_true(glob_match("a[b", "a[b"));
	assert_true(glob_match("*", ""));
	assert_false(glob_match("?", ""));
	assert_true(glob_match("a*b*c", "aXXbYYc"));
	assert_false(glob_match("A*", "a"));
	assert_true(glob_match("a\\b", "a\\b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_deps_direction),
		cmocka_unit_test(test_opts_for_action),
		cmocka_unit_test(test_glob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
