/*
 * test-output.c - cli/output.c and cli/yaml-out.c: the one escaping of
 * text bound for a terminal (control characters, separators, bidi
 * controls, bytes that are not UTF-8, cut widths), the aligned table, and
 * the YAML writer's quoting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "yaml-out.h"

static void expect_escape(const char *in, size_t max, const char *want,
			  size_t want_cols)
{
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_adds(&b, "<");
	size_t cols = cli_escape(&b, in, max);
	char *w = mae_xasprintf("<%s", want);
	if (strcmp(mae_buf_str(&b), w) != 0)
		fail_msg("escape('%s', %zu): '%s', expected '%s'", in, max,
			 mae_buf_str(&b), w);
	assert_int_equal(cols, want_cols);
	free(w);
	mae_buf_release(&b);
}

static void escape(void **state)
{
	(void)state;
	expect_escape("web-1", 0, "web-1", 5);
	expect_escape("", 0, "", 0);
	expect_escape(NULL, 0, "", 0);
	/* a fake line, a colour, a title, a rewritten line */
	expect_escape("a\nmaestro: ok", 0, "a\\nmaestro: ok", 14);
	expect_escape("\x1b[31mred\x1b[0m", 0, "\\x1b[31mred\\x1b[0m", 18);
	expect_escape("\x1b]0;t\x07", 0, "\\x1b]0;t\\x07", 12);
	expect_escape("ok\rFAIL", 0, "ok\\rFAIL", 8);
	expect_escape("a\tb\x7f", 0, "a\\tb\\x7f", 8);
	/* C1 controls (CSI as one byte), separators, bidi overrides */
	expect_escape("\xc2\x9b" "2J", 0, "\\u009b2J", 8);
	expect_escape("x\xe2\x80\xa8y", 0, "x\\u2028y", 8);
	expect_escape("abc\xe2\x80\xae" "fed", 0, "abc\\u202efed", 12);
	expect_escape("\xe2\x81\xa6z", 0, "\\u2066z", 7);
	/* UTF-8 stays; what is not UTF-8 is shown as bytes */
	expect_escape("h\xc3\xa9 \xe6\x97\xa5", 0, "h\xc3\xa9 \xe6\x97\xa5", 4);
	expect_escape("\xff\xfe", 0, "\\xff\\xfe", 8);
	expect_escape("\xc0\xaf", 0, "\\xc0\\xaf", 8);         /* overlong */
	expect_escape("\xed\xa0\x80", 0, "\\xed\\xa0\\x80", 12); /* surrogate */
	expect_escape("\xe2\x80", 0, "\\xe2\\x80", 8);          /* cut */
	expect_escape("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80", 16);
	/* widths: cut with "...", counted in characters */
	expect_escape("abcdef", 6, "abcdef", 6);
	expect_escape("abcdefg", 6, "abc...", 6);
	expect_escape("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4,
		      "\xc3\xa9...", 4);
	expect_escape("ab\ncdef", 6, "ab...", 5); /* an escape is not split */
	expect_escape("abcdef", 2, "...", 3);
	char *big = mae_xmalloc(1 << 20);
	memset(big, 'v', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	char *s = cli_escaped(big, CLI_CELL_MAX);
	assert_int_equal(strlen(s), CLI_CELL_MAX);
	free(s);
	free(big);
}

/* standard output of f(), through a temporary file */
static char *capture(void (*f)(void *), void *ud)
{
	fflush(stdout);
	FILE *tmp = tmpfile();
	int saved = dup(1);
	dup2(fileno(tmp), 1);
	f(ud);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	long n = ftell(tmp);
	rewind(tmp);
	char *out = mae_xcalloc((size_t)n + 1, 1);
	assert_int_equal(fread(out, 1, (size_t)n, tmp), (size_t)n);
	fclose(tmp);
	return out;
}

static void print_table(void *ud)
{
	cli_table_print(ud);
}

static void table(void **state)
{
	(void)state;
	static const char *const heads[] = { "SHIP", "VERSION", "API" };
	struct cli_table t;
	cli_table_init(&t, 3, heads);
	const char *r1[] = { "s\xc3\xa9", "20.10\x1b[2K", "1.41" };
	const char *r2[] = { "a-long-name", NULL, "-" };
	cli_table_add(&t, r1);
	cli_table_add(&t, r2);
	char *out = capture(print_table, &t);
	assert_string_equal(out,
		"SHIP         VERSION       API\n"
		"s\xc3\xa9           20.10\\x1b[2K  1.41\n"
		"a-long-name                -\n");
	free(out);
	cli_table_release(&t);

	/* a huge cell pads nothing past the cut */
	cli_table_init(&t, 2, heads);
	char *big = mae_xmalloc(1 << 20);
	memset(big, 'v', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	const char *r3[] = { "x", big };
	cli_table_add(&t, r3);
	out = capture(print_table, &t);
	assert_true(strlen(out) < 200);
	free(out);
	free(big);
	cli_table_release(&t);
}

static void collect(void *ud, const void *data, size_t n)
{
	mae_buf_add(ud, data, n);
}

static void expect_yaml(const char *json, const char *want)
{
	struct mae_buf b = MAE_BUF_INIT;
	cli_yaml_from_json(json, collect, &b);
	if (strcmp(mae_buf_str(&b), want) != 0)
		fail_msg("yaml(%s):\n%s\nexpected:\n%s", json, mae_buf_str(&b),
			 want);
	mae_buf_release(&b);
}

static void yaml(void **state)
{
	(void)state;
	expect_yaml("{\"a\":1,\"b\":[\"x\",{\"c\":true,\"d\":[]}],\"e\":{}}",
		    "a: 1\nb:\n  - x\n  - c: true\n    d: []\ne: {}\n");
	/* strings YAML would read otherwise, and the unsafe characters */
	expect_yaml("{\"k\":[\"yes\",\"1\",\"\",\"a b\",\"-x\",\"/p\"]}",
		    "k:\n  - \"yes\"\n  - \"1\"\n  - \"\"\n  - \"a b\"\n  - -x\n  - /p\n");
	expect_yaml("[\"a\\u001b[31m\\n\"]", "- \"a\\u001b[31m\\n\"\n");
	expect_yaml("[\"\x7f \xc2\x85 \xe2\x80\xa9 \xe2\x80\xae \xef\xbf\xbe \xc3\xa9\"]",
		    "- \"\\u007f \\u0085 \\u2029 \\u202e \\ufffe \xc3\xa9\"\n");
	expect_yaml("\"top\"", "top\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape),
		cmocka_unit_test(table),
		cmocka_unit_test(yaml),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
