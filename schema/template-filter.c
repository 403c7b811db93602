/*
 * template-filter.c - the one table of the filters the template pass
 * supports: the parser refuses any other name at parse time, and the
 * evaluator binds arguments with the parameter names given here and
 * dispatches on the id (template.c apply_filter).
 *
 * Must not: evaluate anything (it is data the parser may use).
 */
#include <string.h>

#include "template-int.h"

#define P(...) (const char *const[]){ __VA_ARGS__, NULL }

/* Jinja2 3.1's parameter names after the value, as its errors name them. */
static const struct tfilter filters[] = {
	{ "default", TF_DEFAULT, P("default_value", "boolean"), 0 },
	{ "d", TF_DEFAULT, P("default_value", "boolean"), 0 },
	{ "length", TF_LENGTH, NULL, 0 },
	{ "count", TF_LENGTH, NULL, 0 },
	{ "join", TF_JOIN, P("d", "attribute"), 0 },
	{ "upper", TF_UPPER, NULL, 0 },
	{ "lower", TF_LOWER, NULL, 0 },
	{ "int", TF_INT, P("default", "base"), 0 },
	{ "float", TF_FLOAT, P("default"), 0 },
	{ "string", TF_STRING, NULL, 0 },
	{ "replace", TF_REPLACE, P("old", "new", "count"), 2 },
	{ "trim", TF_TRIM, P("chars"), 0 },
	{ "first", TF_FIRST, NULL, 0 },
	{ "last", TF_LAST, NULL, 0 },
	{ "list", TF_LIST, NULL, 0 },
	{ "sort", TF_SORT, P("reverse", "case_sensitive", "attribute"), 0 },
	{ "unique", TF_UNIQUE, P("case_sensitive", "attribute"), 0 },
	{ "tojson", TF_TOJSON, P("indent"), 0 },
	{ "indent", TF_INDENT, P("width", "first", "blank"), 0 },
};

const struct tfilter *tfilter_find(const char *name)
{
	for (size_t i = 0; i < sizeof(filters) / sizeof(*filters); i++)
		if (!strcmp(filters[i].name, name))
			return &filters[i];
	return NULL;
}

size_t tfilter_nparams(const struct tfilter *f)
{
	size_t n = 0;
	while (f->params && f->params[n])
		n++;
	return n;
}
