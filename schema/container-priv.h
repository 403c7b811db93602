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
 * The warnings about secret_env keys no container has, for the specs
 * computed (container_specs_secrets) and for validate's check, which
 * builds one environment at a time (secrets.c): init, then each
 * container's environment (a key of its own missing is a warning there),
 * then finish (a service's key in none of its containers; d NULL: no
 * warning) and free.
 * secret_keys_wanted: whether the container's environment is needed.
 */
struct secret_keys {
	bool **found;  /* per service, per key of its secret_env */
};
void secret_keys_init(struct secret_keys *sk, const struct schema_env *env);
bool secret_keys_wanted(const struct schema_instance *c);
void secret_keys_container(struct secret_keys *sk,
			   const struct schema_env *env,
			   const struct schema_instance *c,
			   const struct env_map *m, struct mae_diags *d);
void secret_keys_finish(struct secret_keys *sk, const struct schema_env *env,
			struct mae_diags *d);

/*
 * Fill each spec's secrets (secret_env) and warn about keys no container
 * has and about secrets inside other values (secrets.c).
 */
void container_specs_secrets(const struct schema_env *env,
			     struct container_specs *s, struct mae_diags *d);
void container_spec_secrets_release(struct container_spec *cs);
/* Fill cs's secrets from its environment; with d, the warning about a
 * secret inside another value. */
void container_spec_secrets_fill(struct container_spec *cs,
				 struct mae_diags *d);

#endif
