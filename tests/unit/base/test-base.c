/* Unit tests for base/: buffers, diagnostics, suggestions, digests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

static void test_buf_bounded(void **state)
{
	(void)state;
	struct mae_buf b = MAE_BUF_INIT;
	b.max = 8;
	mae_buf_adds(&b, "12345");
	mae_buf_addf(&b, "%d", 678);
	assert_string_equal(mae_buf_str(&b), "12345678");
	assert_false(b.overflow);
	mae_buf_addc(&b, '9');
	assert_true(b.overflow);
	assert_string_equal(mae_buf_str(&b), "12345678");
	char *s = mae_buf_detach(&b);
	assert_string_equal(s, "12345678");
	free(s);
	assert_null(b.s);
}

static void test_diag_format_and_map(void **state)
{
	(void)state;
	struct mae_srcloc locs[] = { { "top.yaml", 1 }, { "inc.yaml", 7 } };
	struct mae_srcmap map = { .lines = locs, .n = 2 };
	struct mae_diags d;
	mae_diags_init(&d, "maestro.yaml");
	mae_diag_at(&d, MAE_SEV_ERROR, 12, 7,
		    "unknown key '%s' in service '%s' (did you mean '%s'?)",
		    "imgae", "web", "image");
	d.map = &map;
	mae_diag_at(&d, MAE_SEV_WARNING, 2, 3, "undefined variable '%s'", "x");
	mae_diag_file(&d, MAE_SEV_ERROR, NULL, 0, 0, "no place");
	assert_int_equal(d.nerrors, 2);
	assert_int_equal(d.nwarnings, 1);
	char *s = mae_diag_format(&d.v[0]);
	assert_string_equal(s, "maestro.yaml:12:7: error: unknown key 'imgae' in "
			       "service 'web' (did you mean 'image'?)");
	free(s);
	s = mae_diag_format(&d.v[1]);
	assert_string_equal(s, "inc.yaml:7:3: warning: undefined variable 'x'");
	free(s);
	s = mae_diag_format(&d.v[2]);
	assert_string_equal(s, "error: no place");
	free(s);
	mae_diags_release(&d);
}

static void test_diag_limit(void **state)
{
	(void)state;
	struct mae_diags d;
	mae_diags_init(&d, "f");
	for (int i = 0; i < 60; i++)
		mae_diag_at(&d, MAE_SEV_ERROR, i + 1, 1, "e%d", i);
	assert_int_equal(d.n, MAE_DIAGS_MAX_ERRORS);
	assert_int_equal(d.dropped, 10);
	assert_true(mae_diags_failed(&d));
	mae_diags_release(&d);
}

static void test_suggest(void **state)
{
	(void)state;
	const char *keys[] = { "image", "instances", "requires", "env" };
	assert_string_equal(mae_suggest("imgae", keys, 4), "image");
	assert_string_equal(mae_suggest("instnaces", keys, 4), "instances");
	assert_null(mae_suggest("zzzzzz", keys, 4));
	assert_int_equal(mae_edit_distance("kitten", "sitting", 10), 3);
	assert_int_equal(mae_edit_distance("kitten", "sitting", 2), 3);
}

/* Quoting a user's value in a message: bounded, control characters
 * visible, a multi-byte character never cut. */
static void test_quote(void **state)
{
	(void)state;
	assert_string_equal(MAE_QUOTE("web"), "web");
	assert_string_equal(MAE_QUOTE(NULL), "");
	assert_string_equal(MAE_QUOTE("web\n2\t\x1b[31m"), "web\\n2\\t\\x1b[31m");
	char *big = malloc(1 << 20);
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	const char *q = MAE_QUOTE(big);
	assert_true(strlen(q) < 100);
	assert_int_equal(strspn(q, "x"), MAE_QUOTE_CHARS);
	assert_string_equal(q + MAE_QUOTE_CHARS, "\u2026 (1048575 bytes)");
	/* 2-byte characters: 60 whole ones, then the note */
	for (size_t i = 0; i + 2 < (1 << 20); i += 2)
		memcpy(big + i, "\u00e9", 2);
	big[(1 << 20) - 2] = '\0';
	q = MAE_QUOTE(big);
	assert_memory_equal(q + 2 * (MAE_QUOTE_CHARS - 1), "\u00e9\u2026", 5);
	/* at the limit: whole, no note */
	memset(big, 'y', MAE_QUOTE_CHARS);
	big[MAE_QUOTE_CHARS] = '\0';
	assert_string_equal(MAE_QUOTE(big), big);
	free(big);
}

static void test_sha256_and_canonical_json(void **state)
{
	(void)state;
	char hex[65];
	mae_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	json_t *v = json_pack("{s:i,s:[s,b],s:n}", "b", 1, "a", "x", 1, "c");
	char *c = mae_json_canonical(v);
	assert_string_equal(c, "{\"a\":[\"x\",true],\"b\":1,\"c\":null}");
	char hex2[65];
	mae_json_sha256_hex(v, hex2);
	mae_sha256_hex(c, strlen(c), hex);
	assert_string_equal(hex, hex2);
	free(c);
	json_decref(v);

	/* the raw digest is the hex one's bytes */
	unsigned char raw[MAE_SHA256_LEN];
	mae_sha256("abc", 3, raw);
	assert_int_equal(raw[0], 0xba);
	assert_int_equal(raw[31], 0xad);
	mae_sha256_hex("abc", 3, hex);
	for (size_t i = 0; i < MAE_SHA256_LEN; i++) {
		char two[3];
		snprintf(two, sizeof(two), "%02x", raw[i]);
		assert_memory_equal(two, hex + 2 * i, 2);
	}
}

/* The writer's own cases; json-differential.py checks it against Python. */
static void test_canonical_numbers_and_strings(void **state)
{
	(void)state;
	json_t *v = json_pack("{s:f,s:f,s:f,s:f,s:f,s:I,s:s#}", "a", 0.1,
			      "b", 1e16, "c", -0.0, "d", 5e-324, "e", 1e-7,
			      "f", (json_int_t)INT64_MIN, "g", "\x01\x1f\x7f\t\"\\\xe2\x80\xa8\0", (int)10);
	char *c = mae_json_canonical(v);
	assert_string_equal(c, "{\"a\":0.1,\"b\":1e+16,\"c\":-0.0,\"d\":5e-324,"
			       "\"e\":1e-07,\"f\":-9223372036854775808,"
			       "\"g\":\"\\u0001\\u001f\x7f\\t\\\"\\\\\xe2\x80\xa8\\u0000\"}");
	free(c);
	json_decref(v);
	/* keys by code point: U+FFFF sorts before U+10000 (not so in UTF-16) */
	v = json_pack("{s:i,s:i,s:i}", "\xf0\x90\x80\x80", 1, "\xef\xbf\xbf", 2, "z", 3);
	c = mae_json_canonical(v);
	assert_string_equal(c, "{\"z\":3,\"\xef\xbf\xbf\":2,\"\xf0\x90\x80\x80\":1}");
	free(c);
	json_decref(v);
	/* a sink's refusal stops the writer and is returned */
	struct mae_buf b = MAE_BUF_INIT;
	b.max = 8;
	v = json_pack("[s]", "longer than eight bytes");
	assert_int_equal(mae_json_canonical_add(&b, v), MAE_ERR_LIMIT);
	json_decref(v);
	mae_buf_release(&b);
}

static void test_base64(void **state)
{
	(void)state;
	char *s = mae_base64_encode("\xfb\xff", 2, false);
	assert_string_equal(s, "+/8=");
	free(s);
	s = mae_base64_encode("\xfb\xff", 2, true);
	assert_string_equal(s, "-_8=");
	unsigned char *out;
	size_t n;
	assert_int_equal(mae_base64_decode(s, strlen(s), &out, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\xfb\xff", 2);
	free(out);
	free(s);
	s = mae_base64_encode("{\"username\":\"u\"}", 16, true);
	assert_string_equal(s, "eyJ1c2VybmFtZSI6InUifQ==");
	free(s);
	assert_int_equal(mae_base64_decode("a$==", 4, &out, &n), MAE_ERR_INVALID);
}

static void test_error_prefix(void **state)
{
	(void)state;
	struct mae_error e;
	assert_int_equal(mae_error_set(&e, MAE_ERR_REMOTE, "create '%s': 409 Conflict",
				       "kafka-1"), MAE_ERR_REMOTE);
	mae_error_prefix(&e, "%s", "ship2");
	assert_string_equal(e.msg, "ship2: create 'kafka-1': 409 Conflict");
	assert_int_equal(mae_error_set(NULL, MAE_ERR_IO, "x"), MAE_ERR_IO);
}

/* RFC 4231 test cases 1 and 2; the stored form of a secret */
static void test_hmac(void **state)
{
	(void)state;
	char out[65];
	unsigned char k1[20];
	memset(k1, 0x0b, sizeof(k1));
	mae_hmac_sha256_hex(k1, sizeof(k1), "Hi There", 8, out);
	assert_string_equal(out, "b0344c61d8db38535ca8afceaf0bf12b"
				 "881dc200c9833da726e9376c2e32cff7");
	mae_hmac_sha256_hex("Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_string_equal(out, "5bdcc146bf60754e6a042426089575c7"
				 "5a003f089d2739839dec58b964ec3843");
	char d[MAE_SECRET_DIGEST_LEN + 1];
	mae_secret_digest("Jefe", 4, "what do ya want for nothing?", d);
	assert_string_equal(d, "hmac-sha256:5bdcc146bf60754e6a042426089575c7"
			       "5a003f089d2739839dec58b964ec3843");
	assert_int_equal(strlen(d), MAE_SECRET_DIGEST_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_bounded),
		cmocka_unit_test(test_diag_format_and_map),
		cmocka_unit_test(test_diag_limit),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_sha256_and_canonical_json),
		cmocka_unit_test(test_canonical_numbers_and_strings),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_error_prefix),
		cmocka_unit_test(test_hmac),
	};
	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
