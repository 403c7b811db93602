/*
 * plan-int.h - private to plan/: a small reader for the JSON documents of
 * plan/ that says where a bad field is ("WHERE: steps[2].spec: ...").
 */
#ifndef MAESTRO_PLAN_INT_H
#define MAESTRO_PLAN_INT_H

#include <jansson.h>

#include "plan.h"

#define PJ_PATH_MAX 256
#define PJ_DEPTH_MAX 8

struct pj {
	const char *where;
	struct mae_error *e;
	int rc;                       /* 0, or the error returned */
	char path[PJ_PATH_MAX];       /* "steps[2].pre" */
	size_t marks[PJ_DEPTH_MAX];
	int depth;
};

void pj_init(struct pj *r, const char *where, struct mae_error *e);
/* Enter a member (".key") or an element ("[i]"); pj_pop leaves it. */
void pj_push(struct pj *r, const char *key);
void pj_push_index(struct pj *r, size_t i);
void pj_pop(struct pj *r);
/*
 * Record the error "WHERE: PATH.key: MESSAGE" (key may be NULL) and
 * return MAE_ERR_INVALID.
 */
int pj_fail(struct pj *r, const char *key, const char *fmt, ...)
	MAE_PRINTF(3, 4);
/* v is an object whose keys are all among allowed (NULL-terminated). */
int pj_object(struct pj *r, const json_t *v, const char *const *allowed);
/* Required members of o.  A nullable string may be null (out NULL). */
int pj_str(struct pj *r, const json_t *o, const char *k, bool nullable,
	   const char **out);
int pj_strdup(struct pj *r, const json_t *o, const char *k, bool nullable,
	      char **out);
int pj_int(struct pj *r, const json_t *o, const char *k, json_int_t *out);
int pj_number(struct pj *r, const json_t *o, const char *k, double *out);
int pj_bool(struct pj *r, const json_t *o, const char *k, bool *out);
/* A lowercase hex SHA-256 (64 digits). */
int pj_hex64(struct pj *r, const json_t *o, const char *k,
	     char out[MAE_SHA256_HEX_LEN + 1]);

/* The name of a JSON value's type, for messages. */
const char *pj_type_name(const json_t *v);

#endif
