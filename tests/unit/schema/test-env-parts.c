/*
 * Unit tests for the pieces of a container's environment (schema/env.c):
 * N(x), value formatting, the ordered map, env files and
 * shlex-like splitting.  Expected values come from
 * the spec (§2.3, §3) and from what Python 3 / PyYAML / shlex give.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compute.h"
#include "shell-split.h"
#include "schema.h"
#include "unit.h"

static void check_norm(const char *in, const char *want)
{
	char *s = env_name_normalise(in);
	assert_string_equal(s, want);
	free(s);
}

static void test_normalise(void **state)
{
	(void)state;
	check_norm("zk-node-1", "ZK_NODE_1");
	check_norm("my.svc", "MY_SVC");
	check_norm("a_b", "A_B");
	check_norm("web 1/x:y", "WEB_1_X_Y");
	/* Python 3: 'café'.upper() == 'CAFÉ', 'straße' -> 'STRASSE' */
	check_norm("caf\xc3\xa9", "CAF\xc3\x89");
	check_norm("stra\xc3\x9f" "e", "STRASSE");
	/* × is not a word character; an invalid byte becomes '_' */
	check_norm("a\xc3\x97" "b", "A_B");
	check_norm("a\xff" "b", "A_B");
	check_norm("", "");
}

static struct schema_value scalar(enum schema_stype t, const char *str)
{
	struct schema_value v;
	memset(&v, 0, sizeof(v));
	v.kind = SCHEMA_V_SCALAR;
	v.type = t;
	v.str = str;
	v.str_len = strlen(str);
	return v;
}

static void test_value_format(void **state)
{
	(void)state;
	char *s = NULL;
	struct schema_value v = scalar(SCHEMA_S_BOOL, "True");
	assert_int_equal(env_value_format("'K'", &v, &s, NULL), 0);
	assert_string_equal(s, "True");
	free(s);
	v = scalar(SCHEMA_S_FLOAT, "1.2");
	assert_int_equal(env_value_format("'K'", &v, &s, NULL), 0);
	assert_string_equal(s, "1.2");
	free(s);
	v = scalar(SCHEMA_S_NULL, "None");
	assert_int_equal(env_value_format("'K'", &v, &s, NULL), 0);
	assert_null(s);

	/* [This, [is, a], test] -> "This is a test" */
	struct schema_value inner[2] = { scalar(SCHEMA_S_STR, "is"),
					 scalar(SCHEMA_S_STR, "a") };
	struct schema_value items[3] = { scalar(SCHEMA_S_STR, "This"), { 0 },
					 scalar(SCHEMA_S_STR, "test") };
	items[1].kind = SCHEMA_V_LIST;
	items[1].items = inner;
	items[1].nitems = 2;
	struct schema_value list = { 0 };
	list.kind = SCHEMA_V_LIST;
	list.items = items;
	list.nitems = 3;
	assert_int_equal(env_value_format("'K'", &list, &s, NULL), 0);
	assert_string_equal(s, "This is a test");
	free(s);

	/* an empty list joins to "" */
	list.nitems = 0;
	assert_int_equal(env_value_format("'K'", &list, &s, NULL), 0);
	assert_string_equal(s, "");
	free(s);

	/* MaestroNG joins each list's items by one space, an empty list
	 * (at any depth) being the item "": [a, [], b] -> "a  b",
	 * [[], [x]] -> " x", ["", a] -> " a" (Python, by hand) */
	struct schema_value none = { 0 };
	none.kind = SCHEMA_V_LIST;
	struct schema_value one[1] = { scalar(SCHEMA_S_STR, "x") };
	struct schema_value xs = { 0 };
	xs.kind = SCHEMA_V_LIST;
	xs.items = one;
	xs.nitems = 1;
	items[0] = scalar(SCHEMA_S_STR, "a");
	items[1] = none;
	items[2] = scalar(SCHEMA_S_STR, "b");
	list.nitems = 3;
	assert_int_equal(env_value_format("'K'", &list, &s, NULL), 0);
	assert_string_equal(s, "a  b");
	free(s);
	items[0] = none;
	items[1] = xs;
	list.nitems = 2;
	assert_int_equal(env_value_format("'K'", &list, &s, NULL), 0);
	assert_string_equal(s, " x");
	free(s);
	items[1] = none;
	assert_int_equal(env_value_format("'K'", &list, &s, NULL), 0);
	assert_string_equal(s, " ");
	free(s);
	items[0] = scalar(SCHEMA_S_STR, "");
	items[1] = scalar(SCHEMA_S_STR, "a");
	assert_int_equal(env_value_format("'K'", &list, &s, NULL), 0);
	assert_string_equal(s, " a");
	free(s);
	items[1] = inner[0];
	items[2] = scalar(SCHEMA_S_STR, "test");

	/* an integer inside a list: MaestroNG's TypeError, our error */
	items[0] = scalar(SCHEMA_S_INT, "42");
	items[0].pos.line = 7;
	list.nitems = 3;
	struct mae_error e;
	mae_error_clear(&e);
	assert_int_equal(env_value_format("'K'", &list, &s, &e), MAE_ERR_INVALID);
	assert_null(s);
	assert_int_equal(e.line, 7);
	assert_non_null(strstr(e.msg, "'K'"));
}

static void test_map_order(void **state)
{
	(void)state;
	struct env_map m;
	env_map_init(&m);
	char key[32];
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "K%d", i);
		env_map_set(&m, key, key);
	}
	env_map_set(&m, "K5", NULL);
	env_map_set(&m, "NEW", "x");
	assert_int_equal(m.n, 101);
	assert_string_equal(m.v[5].key, "K5");
	assert_null(m.v[5].value);
	assert_string_equal(m.v[100].key, "NEW");
	assert_string_equal(env_map_get(&m, "K99")->value, "K99");
	assert_null(env_map_get(&m, "nope"));
	env_map_release(&m);
}

static void test_envfile(void **state)
{
	(void)state;
	char *p = test_write_tmp("# comment\nA=1\r\n\n   \n  B = two words  \n"
			    "C==x\n #not a comment=y\nA=again\nD=\n");
	struct env_map m;
	env_map_init(&m);
	assert_int_equal(envfile_read(p, &m, NULL), 0);
	assert_int_equal(m.n, 5);
	assert_string_equal(m.v[0].key, "A");
	assert_string_equal(m.v[0].value, "again");
	assert_string_equal(m.v[1].key, "B ");
	assert_string_equal(m.v[1].value, " two words");
	assert_string_equal(m.v[2].key, "C");
	assert_string_equal(m.v[2].value, "=x");
	assert_string_equal(m.v[3].key, "#not a comment");
	assert_string_equal(m.v[4].key, "D");
	assert_string_equal(m.v[4].value, "");
	env_map_release(&m);
	unlink(p);
	free(p);

	p = test_write_tmp("A=1\nnoequals\n");
	env_map_init(&m);
	struct mae_error e;
	mae_error_clear(&e);
	assert_int_equal(envfile_read(p, &m, &e), MAE_ERR_INVALID);
	assert_int_equal(e.line, 2);
	assert_string_equal(e.file, p);
	env_map_release(&m);
	unlink(p);
	free(p);

	env_map_init(&m);
	mae_error_clear(&e);
	assert_int_equal(envfile_read("/nonexistent/x.env", &m, &e), MAE_ERR_IO);
	assert_non_null(strstr(e.msg, "/nonexistent/x.env"));
	env_map_release(&m);
}

static void check_split(const char *in, const char *const *want, size_t n)
{
	char **argv = NULL;
	size_t argc = 0;
	assert_int_equal(shell_split(in, &argv, &argc, NULL), 0);
	assert_int_equal(argc, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[n]);
	argv_free(argv);
}

static void test_split(void **state)
{
	(void)state;
	/* what Python's shlex.split() returns for each */
	check_split("python foo.py -arg", (const char *[]){ "python", "foo.py", "-arg" }, 3);
	check_split("  sh -c 'echo $HOME; x'  ",
		    (const char *[]){ "sh", "-c", "echo $HOME; x" }, 3);
	check_split("a\"b c\"d e\\ f", (const char *[]){ "ab cd", "e f" }, 2);
	check_split("\"a\\\"b\\\\c\\d\"", (const char *[]){ "a\"b\\c\\d" }, 1);
	check_split("'' x", (const char *[]){ "", "x" }, 2);
	check_split("", NULL, 0);
	char **argv = NULL;
	assert_int_equal(shell_split("echo 'oops", &argv, NULL, NULL), MAE_ERR_INVALID);
	assert_null(argv);
	assert_int_equal(shell_split("echo oops\\", &argv, NULL, NULL), MAE_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_value_format),
		cmocka_unit_test(test_map_order),
		cmocka_unit_test(test_envfile),
		cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
