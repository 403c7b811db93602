/*
 * utf8.c - the one UTF-8 decoder and encoder (base.h).  Strict, as
 * Python's str and Jinja2 read text: overlong forms, surrogates
 * (U+D800-U+DFFF), code points past U+10FFFF, stray continuation bytes
 * and truncated sequences are not UTF-8.
 */
#include "base.h"

#include <string.h>

size_t mae_utf8_decode(const void *text, size_t n, uint32_t *cp)
{
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char *s = text;
	if (n == 0)
		return 0;
	size_t len = s[0] < 0x80   ? 1
		     : s[0] < 0xc2 ? 0 /* a continuation byte, or overlong */
		     : s[0] < 0xe0 ? 2
		     : s[0] < 0xf0 ? 3
		     : s[0] < 0xf5 ? 4
				   : 0;
	if (len == 0 || len > n)
		return 0;
	uint32_t c = len == 1 ? s[0] : s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

size_t mae_utf8_encode(uint32_t c, char out[4])
{
	unsigned char *p = (unsigned char *)out;
	if (c < 0x80) {
		p[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		p[0] = (unsigned char)(0xc0 | (c >> 6));
		p[1] = (unsigned char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		p[0] = (unsigned char)(0xe0 | (c >> 12));
		p[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		p[2] = (unsigned char)(0x80 | (c & 0x3f));
		return 3;
	}
	p[0] = (unsigned char)(0xf0 | (c >> 18));
	p[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
	p[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
	p[3] = (unsigned char)(0x80 | (c & 0x3f));
	return 4;
}

void mae_buf_add_utf8(struct mae_buf *b, uint32_t c)
{
	char out[4];
	mae_buf_add(b, out, mae_utf8_encode(c, out));
}

size_t mae_utf8_valid_prefix(const void *text, size_t n)
{
	const unsigned char *s = text;
	size_t i = 0;
	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t c;
		size_t l = mae_utf8_decode(s + i, n - i, &c);
		if (!l)
			break;
		i += l;
	}
	return i;
}

bool mae_utf8_valid(const void *text, size_t n)
{
	return mae_utf8_valid_prefix(text, n) == n;
}

size_t mae_utf8_count(const void *text, size_t n)
{
	const unsigned char *s = text;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += (s[i] & 0xc0) != 0x80;
	return k;
}
