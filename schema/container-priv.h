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
/* The warning about each service secret_env key that in_env() finds in
 * none of the service's containers (inst: an index in env->instances). */
void container_secrets_service_warnings(const struct schema_env *env,
					bool (*in_env)(void *ud, size_t inst,
						       const char *key),
					void *ud, struct mae_diags *d);
/* Whether c's service or c itself names secret_env keys. */
bool container_has_secret_env(const struct schema_instance *c);
/* Fill cs's secrets from its environment; with d, the warnings about
 * one container (a key not in its environment, a secret inside another
 * value). */
void container_spec_secrets_fill(struct container_spec *cs,
				 struct mae_diags *d);

#endif
