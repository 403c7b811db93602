/*
 * container-priv.h - what container.c shares with config-doc.c: the JSON
 * helpers of the create body.
 * Internal to schema/.
 */
#ifndef MAESTRO_SCHEMA_CONTAINER_PRIV_H
#define MAESTRO_SCHEMA_CONTAINER_PRIV_H

#include "compute.h"
#include "schema.h"

#include <jansson.h>

/* A string, or JSON null for NULL. */
json_t *jstr(const char *s);
/* A number: an integer when it is one, else a real. */
json_t *jnum(double f);
json_t *jstrlist(const struct schema_strlist *l);
json_t *jstrpairs(const struct schema_strpairs *p);
/* An argv as a JSON array, or null for NULL. */
json_t *jargv(char **argv, size_t argc);

/*
 * Fill each spec's secrets (secret_env) and warn about keys no container
 * has and about secrets inside other values (secrets.c).
 */
void container_specs_secrets(const struct schema_env *env,
			     struct container_specs *s, struct mae_diags *d);
void container_spec_secrets_release(struct container_spec *cs);

#endif
