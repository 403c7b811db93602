/*
 * pyregex.h - the regular expressions users write (an http check's
 * match_regex): Python's `re` syntax, searched with re.DOTALL as
 * MaestroNG searched a response body (spec §5).
 *
 * A pattern is read as Python 3.11's `re` reads a str pattern and
 * translated for PCRE2, which does the matching.  What Python refuses is
 * refused with Python's message; the few things Python reads that PCRE2
 * cannot do the same way are refused with a message saying so (named
 * characters \N{...}, scoped (?a:...), repetition counts above 65535,
 * patterns too large once compiled).  docs/description.md lists them.
 *
 * Limits (so that no pattern can hang validate or a check): a pattern is
 * at most MAE_REGEX_MAX_LEN bytes and MAE_REGEX_MAX_NEST groups
 * deep; compiling may use MAE_REGEX_COMPILE_HEAP bytes; one search
 * takes at most MAE_REGEX_MATCH_LIMIT steps and MAE_REGEX_MATCH_HEAP
 * bytes, or fails with MAE_ERR_LIMIT.
 *
 * PCRE2's header is included only by pyregex.c.
 */
#ifndef MAESTRO_BASE_PYREGEX_H
#define MAESTRO_BASE_PYREGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "base.h"

#define MAE_REGEX_MAX_LEN 4096
#define MAE_REGEX_MAX_NEST 64
#define MAE_REGEX_MAX_REPEAT 65535
#define MAE_REGEX_COMPILE_HEAP (8u << 20)
#define MAE_REGEX_MATCH_LIMIT 10000000u
#define MAE_REGEX_MATCH_HEAP (16u << 20)

struct mae_regex;

/*
 * Compile pattern (NUL-terminated UTF-8).  On success *ret owns the
 * compiled form (free it with mae_regex_free) and 0 is returned; on a
 * bad or too large pattern MAE_ERR_INVALID with the reason in err (e.g.
 * "multiple repeat at position 7").  ret may be NULL to only check.
 */
int mae_regex_compile(const char *pattern, struct mae_regex **ret,
			 struct mae_error *err);

/*
 * Search text[0..len) for the pattern (Python's re.search with DOTALL).
 * Text that is not valid UTF-8 is read as ISO-8859-1, as python-requests
 * decodes a text body with no charset.  *ret_matched is written on
 * success (0); MAE_ERR_LIMIT when the search hit a limit.  Thread-safe:
 * one compiled pattern may be searched from several threads.
 */
int mae_regex_search(const struct mae_regex *re, const char *text,
			size_t len, bool *ret_matched, struct mae_error *err);

void mae_regex_free(struct mae_regex *re); /* NULL-safe */

#endif
