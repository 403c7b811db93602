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
/* o's member k, or NULL having recorded "missing". */
const json_t *pj_member(struct pj *r, const json_t *o, const char *k);
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

/*
 * The canonical texts of every step's spec (n strings; free with
 * plan_texts_free), computed once per operation: keys, numbering and the
 * hash all need them.
 */
char **plan_spec_texts(const struct plan_step *steps, size_t n);
void plan_texts_free(char **texts, size_t n);

/*
 * A step's canonical JSON (what mae_json_canonical(plan_step_to_json())
 * gives), written by hand around its spec's canonical text: a plan of
 * 50,000 steps is hashed and printed without building 50,000 objects.
 */
void plan_step_text(const struct plan_step *s, const char *spec,
		    bool with_status, struct mae_buf *b);
/* plan_hash with the spec texts already computed (NULL: compute them). */
void plan_hash_texts(const struct plan *p, char *const *spec_texts,
		     char out[MAE_SHA256_HEX_LEN + 1]);
/* plan_number_order with the spec texts already computed. */
int plan_order_texts(const struct plan_step *steps, size_t n,
		     char *const *spec_texts, size_t *order,
		     struct mae_error *e);
/* plan_step_key with the spec text already computed. */
void plan_key_text(const struct plan_step *s, const char *spec,
		   const char *const *dep_keys, size_t ndeps,
		   char out[MAE_SHA256_HEX_LEN + 1]);

/* The name of a JSON value's type, for messages. */
const char *pj_type_name(const json_t *v);

#endif
