/*
 * plan-reader.c - the reader of plan-int.h: walks a JSON document of plan/
 * and says where a bad field is ("WHERE: steps[2].spec: ...").  Used by
 * plan.c (plan_verify) and plan-json.c (the loaders); uses base only.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan-int.h"

/* ------------------------------------------------------------------ */
/* The reader                                                         */

void pj_init(struct pj *r, const char *where, struct mae_error *e)
{
	memset(r, 0, sizeof(*r));
	r->where = where && *where ? where : "plan";
	r->e = e;
}

static void path_add(struct pj *r, const char *fmt, ...) MAE_PRINTF(2, 3);
static void path_add(struct pj *r, const char *fmt, ...)
{
	size_t len = strlen(r->path);
	if (r->depth < PJ_DEPTH_MAX)
		r->marks[r->depth] = len;
	r->depth++;
	va_list ap;
	va_start(ap, fmt);
	if (len < sizeof(r->path))
		vsnprintf(r->path + len, sizeof(r->path) - len, fmt, ap);
	va_end(ap);
}

void pj_push(struct pj *r, const char *key)
{
	path_add(r, r->path[0] ? ".%s" : "%s", key);
}

void pj_push_index(struct pj *r, size_t i)
{
	path_add(r, "[%zu]", i);
}

void pj_pop(struct pj *r)
{
	if (r->depth <= 0)
		return;
	r->depth--;
	if (r->depth < PJ_DEPTH_MAX)
		r->path[r->marks[r->depth]] = '\0';
}

int pj_fail(struct pj *r, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const char *dot = r->path[0] && key ? "." : "";
	if (!r->path[0] && !key)
		mae_error_set(r->e, MAE_ERR_INVALID, "%s: %s", r->where, msg);
	else
		mae_error_set(r->e, MAE_ERR_INVALID, "%s: %s%s%s: %s",
			      r->where, r->path, dot, key ? key : "", msg);
	r->rc = MAE_ERR_INVALID;
	return MAE_ERR_INVALID;
}

const char *pj_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

int pj_object(struct pj *r, const json_t *v, const char *const *allowed)
{
	if (!json_is_object(v))
		return pj_fail(r, NULL, "%s where an object was expected",
			       v ? pj_type_name(v) : "nothing");
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)v, k, x) {
		size_t i = 0;
		while (allowed[i] && strcmp(allowed[i], k))
			i++;
		if (!allowed[i])
			return pj_fail(r, NULL, "unknown key '%s'", k);
	}
	return 0;
}

const json_t *pj_member(struct pj *r, const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	if (!v)
		pj_fail(r, k, "missing");
	return v;
}

int pj_str(struct pj *r, const json_t *o, const char *k, bool nullable,
	   const char **out)
{
	const json_t *v = pj_member(r, o, k);
	if (!v)
		return MAE_ERR_INVALID;
	if (nullable && json_is_null(v)) {
		*out = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return pj_fail(r, k, "%s where a string%s was expected",
			       pj_type_name(v), nullable ? " or null" : "");
	*out = json_string_value(v);
	return 0;
}

int pj_strdup(struct pj *r, const json_t *o, const char *k, bool nullable,
	      char **out)
{
	const char *s;
	int rc = pj_str(r, o, k, nullable, &s);
	if (rc < 0)
		return rc;
	free(*out);
	*out = mae_xstrdup_or_null(s);
	return 0;
}

int pj_int(struct pj *r, const json_t *o, const char *k, json_int_t *out)
{
	const json_t *v = pj_member(r, o, k);
	if (!v)
		return MAE_ERR_INVALID;
	if (!json_is_integer(v))
		return pj_fail(r, k, "%s where an integer was expected",
			       pj_type_name(v));
	*out = json_integer_value(v);
	return 0;
}

int pj_number(struct pj *r, const json_t *o, const char *k, double *out)
{
	const json_t *v = pj_member(r, o, k);
	if (!v)
		return MAE_ERR_INVALID;
	if (!json_is_number(v))
		return pj_fail(r, k, "%s where a number was expected",
			       pj_type_name(v));
	*out = json_number_value(v);
	return 0;
}

int pj_bool(struct pj *r, const json_t *o, const char *k, bool *out)
{
	const json_t *v = pj_member(r, o, k);
	if (!v)
		return MAE_ERR_INVALID;
	if (!json_is_boolean(v))
		return pj_fail(r, k, "%s where a boolean was expected",
			       pj_type_name(v));
	*out = json_is_true(v);
	return 0;
}

int pj_hex64(struct pj *r, const json_t *o, const char *k,
	     char out[MAE_SHA256_HEX_LEN + 1])
{
	const char *s;
	int rc = pj_str(r, o, k, false, &s);
	if (rc < 0)
		return rc;
	size_t i = 0;
	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			break;
	if (s[i] || i != MAE_SHA256_HEX_LEN)
		return pj_fail(r, k, "not a SHA-256 in lowercase hex");
	memcpy(out, s, MAE_SHA256_HEX_LEN + 1);
	return 0;
}
