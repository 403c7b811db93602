/*
 * unit.h - what the unit tests share: diagnostics as text, files written
 * for a test, a description loaded that must load.  Include it after
 * <cmocka.h> (and after schema.h for the loader).
 */
#ifndef MAESTRO_TESTS_UNIT_H
#define MAESTRO_TESTS_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base.h"

/* Every diagnostic of d formatted, one a line; newly allocated. */
static inline char *test_diags_text(const struct mae_diags *d)
{
	struct mae_buf b = MAE_BUF_INIT;
	for (size_t i = 0; i < d->n; i++) {
		char *s = mae_diag_format(&d->v[i]);
		mae_buf_addf(&b, "%s\n", s);
		free(s);
	}
	return mae_buf_detach(&b);
}

/* Write text to path (created or truncated), or fail the test. */
static inline void test_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	if (fclose(f) != 0)
		fail_msg("cannot write %s", path);
}

/* A new file under /tmp holding text: its path, newly allocated. */
static inline char *test_write_tmp(const char *text)
{
	char *path = mae_xstrdup("/tmp/maestro-test-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		fail_msg("mkstemp failed");
	close(fd);
	test_write_file(path, text);
	return path;
}

#ifdef MAESTRO_SCHEMA_H
/*
 * A description given as text (file name `name`, relative paths from the
 * current directory), which must load: otherwise its diagnostics are
 * printed and the test fails.
 */
static inline struct schema_env *test_load_ok(const char *name,
					      const char *text,
					      char *const *envp)
{
	static char *const no_env[] = { NULL };
	struct mae_diags d;
	mae_diags_init(&d, name);
	struct schema_env *env = NULL;
	int rc = schema_load_text(name, text, strlen(text), ".",
				  envp ? envp : no_env, &env, &d);
	if (rc < 0) {
		char *s = test_diags_text(&d);
		print_error("%s", s);
		free(s);
		fail_msg("the description %s does not load", name);
	}
	mae_diags_release(&d);
	return env;
}
#endif

#endif
