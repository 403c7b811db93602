/*
 * test-blocks.c - base's building blocks: the arena, the string map and
 * the UTF-8 decoder (valid, invalid, overlong, surrogates, cut).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

static void test_arena(void **state)
{
	(void)state;
	struct mae_arena a = MAE_ARENA_INIT;
	/* zeroed, aligned for any type, small and big blocks alike */
	for (size_t n = 0; n < 70000; n += n < 64 ? 1 : 4097) {
		unsigned char *p = mae_arena_alloc(&a, n);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(p[i], 0);
		memset(p, 0xa5, n);
	}
	/* a big block does not end the current chunk: a small one after it
	 * lands next to the small one before */
	char *s1 = mae_arena_alloc(&a, 16);
	mae_arena_alloc(&a, 1 << 20);
	char *s2 = mae_arena_alloc(&a, 16);
	assert_ptr_equal(s2, s1 + 16);
	char *d = mae_arena_strndup(&a, "ab\0cd", 5);
	assert_memory_equal(d, "ab\0cd", 6);
	assert_null(mae_arena_strdup(&a, NULL));
	assert_string_equal(mae_arena_printf(&a, "%s-%d", "x", 7), "x-7");
	mae_arena_release(&a);
	assert_int_equal(a.bytes, 0);

	/* with a limit, past it is NULL and the arena stays usable */
	a.max = 1000;
	assert_non_null(mae_arena_alloc(&a, 900));
	assert_null(mae_arena_alloc(&a, 200));
	assert_null(mae_arena_array(&a, SIZE_MAX / 4, 8));
	assert_non_null(mae_arena_alloc(&a, 50));
	mae_arena_release(&a);
	assert_int_equal(a.max, 1000);

	struct mae_arena *h = mae_arena_new();
	assert_non_null(mae_arena_array(h, 10, sizeof(double)));
	mae_arena_free(h);
	mae_arena_free(NULL);
}

static void test_map(void **state)
{
	(void)state;
	enum { N = 5000 };
	static char keys[N][16];
	struct mae_map m;
	mae_map_init(&m, NULL);
	assert_null(mae_map_get(&m, "absent"));
	assert_null(mae_map_get(NULL, "absent"));
	for (size_t i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "key-%zu", i);
		assert_true(mae_map_add(&m, keys[i], (void *)(i + 1)));
	}
	assert_int_equal(m.n, N);
	assert_true(m.cap >= 2 * N);
	for (size_t i = 0; i < N; i++)
		assert_int_equal((size_t)mae_map_get(&m, keys[i]), i + 1);
	assert_null(mae_map_get(&m, "key-5000"));
	assert_null(mae_map_get(&m, ""));
	/* add keeps the first value; set replaces */
	assert_false(mae_map_add(&m, "key-7", (void *)99));
	assert_int_equal((size_t)mae_map_get(&m, "key-7"), 8);
	mae_map_set(&m, "key-7", (void *)99);
	assert_int_equal((size_t)mae_map_get(&m, "key-7"), 99);
	mae_map_set(&m, "", (void *)3);
	assert_int_equal((size_t)mae_map_get(&m, ""), 3);
	assert_int_equal(m.n, N + 1);
	bool added;
	struct mae_map_slot *s = mae_map_slot(&m, "new", &added);
	assert_true(added);
	assert_null(s->val);
	s = mae_map_slot(&m, "new", &added);
	assert_false(added);
	size_t seen = 0;
	for (size_t i = 0; i < m.cap; i++)
		seen += m.slots[i].key != NULL;
	assert_int_equal(seen, N + 2);
	mae_map_release(&m);
	assert_null(mae_map_get(&m, "key-1"));

	/* in an arena: nothing to free but the arena */
	struct mae_arena a = MAE_ARENA_INIT;
	mae_map_init(&m, &a);
	for (size_t i = 0; i < 100; i++)
		mae_map_add(&m, keys[i], keys[i]);
	assert_ptr_equal(mae_map_get(&m, "key-42"), keys[42]);
	mae_map_release(&m);
	mae_arena_release(&a);

	/* in a limited arena: at the limit additions fail, and the map
	 * keeps what it had */
	a.max = 2048;
	mae_map_init(&m, &a);
	size_t ok = 0;
	while (ok < N && mae_map_set(&m, keys[ok], keys[ok]))
		ok++;
	assert_true(ok > 8 && ok < N);
	assert_false(mae_map_add(&m, keys[ok], keys[ok]));
	assert_null(mae_map_slot(&m, keys[ok], &added));
	for (size_t i = 0; i < ok; i++)
		assert_ptr_equal(mae_map_get(&m, keys[i]), keys[i]);
	assert_null(mae_map_get(&m, keys[ok]));
	mae_arena_release(&a);

	/* FNV-1a, 64-bit, as published */
	assert_int_equal((uint64_t)mae_str_hash(""), 0xcbf29ce484222325ULL);
	assert_int_equal((uint64_t)mae_str_hash("a"), 0xaf63dc4c8601ec8cULL);
}

static size_t dec(const char *s, size_t n, uint32_t *cp)
{
	*cp = 0xdeadbeef;
	return mae_utf8_decode(s, n, cp);
}

static void test_utf8(void **state)
{
	(void)state;
	uint32_t cp;
	/* valid: each length, the edges of each range */
	assert_int_equal(dec("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(dec("\0", 1, &cp), 1);
	assert_int_equal(cp, 0);
	assert_int_equal(dec("\xc2\x80", 2, &cp), 2);
	assert_int_equal(cp, 0x80);
	assert_int_equal(dec("\xdf\xbf", 2, &cp), 2);
	assert_int_equal(cp, 0x7ff);
	assert_int_equal(dec("\xe0\xa0\x80", 3, &cp), 3);
	assert_int_equal(cp, 0x800);
	assert_int_equal(dec("\xed\x9f\xbf", 3, &cp), 3);
	assert_int_equal(cp, 0xd7ff);
	assert_int_equal(dec("\xee\x80\x80", 3, &cp), 3);
	assert_int_equal(cp, 0xe000);
	assert_int_equal(dec("\xe2\x80\xa8", 3, &cp), 3);
	assert_int_equal(cp, 0x2028);
	assert_int_equal(dec("\xef\xbf\xbf", 3, &cp), 3);
	assert_int_equal(cp, 0xffff);
	assert_int_equal(dec("\xf0\x90\x80\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x10000);
	assert_int_equal(dec("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	/* more bytes than the sequence: only the sequence is read */
	assert_int_equal(dec("\xc3\xa9xyz", 5, &cp), 2);
	assert_int_equal(cp, 0xe9);

	/* invalid: nothing, stray continuation, bad lead bytes */
	assert_int_equal(dec("", 0, &cp), 0);
	assert_int_equal(dec("\x80", 1, &cp), 0);
	assert_int_equal(dec("\xbf", 1, &cp), 0);
	assert_int_equal(dec("\xf5\x80\x80\x80", 4, &cp), 0);
	assert_int_equal(dec("\xff", 1, &cp), 0);
	/* overlong forms of '/', U+07FF and U+FFFF */
	assert_int_equal(dec("\xc0\xaf", 2, &cp), 0);
	assert_int_equal(dec("\xc1\xbf", 2, &cp), 0);
	assert_int_equal(dec("\xe0\x9f\xbf", 3, &cp), 0);
	assert_int_equal(dec("\xf0\x8f\xbf\xbf", 4, &cp), 0);
	/* surrogates, and past U+10FFFF */
	assert_int_equal(dec("\xed\xa0\x80", 3, &cp), 0);
	assert_int_equal(dec("\xed\xbf\xbf", 3, &cp), 0);
	assert_int_equal(dec("\xf4\x90\x80\x80", 4, &cp), 0);
	/* truncated (by n, or by a NUL or ASCII in place of a continuation) */
	assert_int_equal(dec("\xe2\x82\xac", 2, &cp), 0);
	assert_int_equal(dec("\xf0\x9f\x98", 3, &cp), 0);
	assert_int_equal(dec("\xe2\0\xac", 4, &cp), 0);
	assert_int_equal(dec("\xc3(", 2, &cp), 0);
	assert_int_equal(cp, 0xdeadbeef); /* untouched on failure */

	/* every scalar value round-trips through the encoder */
	for (uint32_t c = 0; c <= 0x10ffff; c++) {
		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		char out[4];
		size_t l = mae_utf8_encode(c, out);
		assert_int_equal(l, c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4);
		assert_int_equal(mae_utf8_decode(out, l, &cp), l);
		assert_int_equal(cp, c);
	}
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_add_utf8(&b, 0x1f600);
	mae_buf_add_utf8(&b, 'x');
	assert_string_equal(mae_buf_str(&b), "\xf0\x9f\x98\x80x");
	mae_buf_release(&b);

	/* whole texts */
	const char *t = "caf\xc3\xa9 \xf0\x9f\x98\x80";
	assert_true(mae_utf8_valid(t, strlen(t)));
	assert_int_equal(mae_utf8_count(t, strlen(t)), 6);
	assert_true(mae_utf8_valid("a\0b", 3)); /* NUL is a character */
	assert_false(mae_utf8_valid("ok\xed\xa0\x80", 5));
	assert_int_equal(mae_utf8_valid_prefix("ok\xed\xa0\x80", 5), 2);
	assert_int_equal(mae_utf8_valid_prefix("ok\xc3", 3), 2);
	assert_true(mae_utf8_valid("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
