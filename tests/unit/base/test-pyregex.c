/*
 * test-pyregex.c - the limits of base/pyregex.c: no pattern and no body
 * makes compiling or searching slow or large.  (What patterns mean is
 * tested against Python in tests/differential/regex-differential.py.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pyregex.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Compile p: the result code, with the message in msg. */
static int compile(const char *p, char *msg, size_t cap)
{
	struct mae_error err;
	mae_error_clear(&err);
	int rc = mae_regex_compile(p, NULL, &err);
	snprintf(msg, cap, "%s", rc ? err.msg : "");
	return rc;
}

/* glibc's regcomp took 4 s and 3.5 GB for the first, and grew until
 * killed on the second. */
static void test_nested_counts_fast(void **state)
{
	(void)state;
	char msg[MAE_ERROR_MSG_MAX + 1];
	double t0 = now_s();
	assert_int_equal(compile("((a{255}){255}){255}", msg, sizeof(msg)),
			 MAE_ERR_INVALID);
	assert_non_null(strstr(msg, "too large"));
	assert_int_equal(compile("a{1000}{1000}{1000}", msg, sizeof(msg)),
			 MAE_ERR_INVALID);
	assert_string_equal(msg, "multiple repeat at position 7");
	assert_int_equal(compile("(a{65535}){65535}", msg, sizeof(msg)),
			 MAE_ERR_INVALID);
	assert_int_equal(compile("a{70000}", msg, sizeof(msg)),
			 MAE_ERR_INVALID);
	assert_non_null(strstr(msg, "limit of 65535"));
	assert_true(now_s() - t0 < 1.0);
}

static void test_length_and_nesting(void **state)
{
	(void)state;
	char msg[MAE_ERROR_MSG_MAX + 1];
	char *p = malloc(MAE_REGEX_MAX_LEN + 2);
	memset(p, 'a', MAE_REGEX_MAX_LEN + 1);
	p[MAE_REGEX_MAX_LEN + 1] = '\0';
	assert_int_equal(compile(p, msg, sizeof(msg)), MAE_ERR_INVALID);
	assert_non_null(strstr(msg, "longer than 4096 bytes"));
	p[MAE_REGEX_MAX_LEN] = '\0';
	assert_int_equal(compile(p, msg, sizeof(msg)), 0);

	/* groups nested one deeper than the limit, then at the limit */
	int d = MAE_REGEX_MAX_NEST + 1;
	memset(p, '(', (size_t)d);
	memset(p + d, ')', (size_t)d);
	p[2 * d] = '\0';
	assert_int_equal(compile(p, msg, sizeof(msg)), MAE_ERR_INVALID);
	assert_non_null(strstr(msg, "nested deeper than 64"));
	d--;
	memset(p, '(', (size_t)d);
	memset(p + d, ')', (size_t)d);
	p[2 * d] = '\0';
	assert_int_equal(compile(p, msg, sizeof(msg)), 0);
	/* many small groups stay within the compile budget or are refused */
	for (int i = 0; i + 8 < MAE_REGEX_MAX_LEN; i += 8)
		memcpy(p + i, "(a{99})?", 8);
	p[MAE_REGEX_MAX_LEN - MAE_REGEX_MAX_LEN % 8] = '\0';
	double t0 = now_s();
	(void)compile(p, msg, sizeof(msg));
	assert_true(now_s() - t0 < 1.0);
	free(p);
}

/* Catastrophic backtracking ends with MAE_ERR_LIMIT, not a hang. */
static void test_match_limit(void **state)
{
	(void)state;
	struct mae_regex *re;
	struct mae_error err;
	mae_error_clear(&err);
	assert_int_equal(mae_regex_compile("(a+)+$", &re, &err), 0);
	char body[64];
	memset(body, 'a', 40);
	body[40] = 'b';
	body[41] = '\0';
	bool hit = true;
	double t0 = now_s();
	assert_int_equal(mae_regex_search(re, body, 41, &hit, &err),
			 MAE_ERR_LIMIT);
	assert_non_null(strstr(err.msg, "gave up"));
	assert_true(now_s() - t0 < 20.0);
	assert_int_equal(mae_regex_search(re, "aaa", 3, &hit, &err), 0);
	assert_true(hit);
	mae_regex_free(re);

	/* a large body searched with a pattern that needs heap */
	assert_int_equal(mae_regex_compile("(?:(x)|.)*$", &re, &err), 0);
	size_t n = 4u << 20;
	char *big = malloc(n);
	memset(big, 'y', n);
	t0 = now_s();
	int rc = mae_regex_search(re, big, n, &hit, &err);
	assert_true(rc == 0 || rc == MAE_ERR_LIMIT);
	assert_true(now_s() - t0 < 20.0);
	free(big);
	mae_regex_free(re);
}

/* A body that is not UTF-8 is read as ISO-8859-1. */
static void test_latin1_body(void **state)
{
	(void)state;
	struct mae_regex *re;
	struct mae_error err;
	mae_error_clear(&err);
	assert_int_equal(mae_regex_compile("caf\u00e9$", &re, &err), 0);
	bool hit = false;
	assert_int_equal(mae_regex_search(re, "caf\xe9", 4, &hit, &err), 0);
	assert_true(hit);
	assert_int_equal(mae_regex_search(re, "caf\xc3\xa9", 5, &hit, &err),
			 0);
	assert_true(hit);
	assert_int_equal(mae_regex_search(re, "cafe\xff", 5, &hit, &err), 0);
	assert_false(hit);
	mae_regex_free(re);
	/* a NUL byte is part of the body */
	assert_int_equal(mae_regex_compile("a\\x00b", &re, &err), 0);
	assert_int_equal(mae_regex_search(re, "a\0b", 3, &hit, &err), 0);
	assert_true(hit);
	mae_regex_free(re);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_counts_fast),
		cmocka_unit_test(test_length_and_nesting),
		cmocka_unit_test(test_match_limit),
		cmocka_unit_test(test_latin1_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
