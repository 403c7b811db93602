/*
 * pyscalar.h - YAML 1.1 scalar resolution and construction as PyYAML 6's
 * SafeLoader does them, and Python's str() of the result.  Internal to
 * schema/ (the YAML reader uses it; tests call it directly).
 *
 * Pure functions over bytes: no libyaml, no printing.
 */
#ifndef MAESTRO_SCHEMA_PYSCALAR_H
#define MAESTRO_SCHEMA_PYSCALAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yaml-tree.h"

/* Integers longer than this many decimal digits are refused, as Python
 * 3.11's int/str conversion refuses them (sys.get_int_max_str_digits()). */
#define PYSCALAR_MAX_INT_DIGITS 4300

/* What a plain scalar resolves to besides the five value types. */
enum pyscalar_special {
	PYSCALAR_VALUE,  /* an ordinary value: see type */
	PYSCALAR_MERGE,  /* plain `<<`: the merge key */
	PYSCALAR_EQUALS, /* plain `=`: YAML 1.1's value key */
};

struct pyscalar {
	enum pyscalar_special special;
	enum yscalar_type type;
	bool b;
	bool int_fits;
	int64_t i;
	double f;
	bool timestamp; /* a date/datetime (type is YSCALAR_STR) */
	char *str;      /* Python's str(), malloc'd; NULL when special */
	size_t str_len;
};

/*
 * Resolve and construct one scalar.  text/len is the scalar's value;
 * `plain` says it was written plain (only plain scalars are implicitly
 * typed); tag is libyaml's tag for it (NULL when none, "!" for the
 * non-specific tag, else the full tag such as "tag:yaml.org,2002:int").
 * Returns 0 and fills *out (free out->str), or -1 and sets *err to a
 * malloc'd message (an unsupported tag, a value the tag's constructor
 * refuses, an integer over the digit limit).
 */
int pyscalar_resolve(const char *text, size_t len, bool plain,
		     const char *tag, struct pyscalar *out, char **err);

/*
 * A scalar's text for a message, malloc'd: control bytes escaped as \xNN,
 * cut to 57 bytes and "..." when longer than 60.
 */
char *pyscalar_quote(const char *s, size_t n);

#endif
