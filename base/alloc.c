/*
 * alloc.c - allocation that cannot fail: on exhausted memory one line on
 * stderr and abort(), as git's xmalloc() dies.  Nothing else here prints.
 */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
	fprintf(stderr, "maestro: fatal: out of memory (asked for %zu bytes)\n", n);
	abort();
}

void *mae_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory(n);
	return p;
}

void *mae_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory(n * size);
	return p;
}

void *mae_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory(n);
	return q;
}

char *mae_xstrdup(const char *s)
{
	return mae_xstrndup(s, strlen(s));
}

char *mae_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = mae_xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *mae_xvasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		n = 0;
	char *p = mae_xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *mae_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = mae_xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

char *mae_xstrdup_or_null(const char *s)
{
	return s ? mae_xstrdup(s) : NULL;
}
