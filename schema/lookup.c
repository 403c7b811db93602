/*
 * lookup.c - a loaded model's lookups by name, and its release.
 */
#include "schema.h"

#include <string.h>

const char *schema_env_source_sha256(struct schema_env *env)
{
	if (!env->source_sha256[0])
		mae_sha256_hex(env->source ? env->source : "", env->source_len,
			       env->source_sha256);
	return env->source_sha256;
}

void schema_env_free(struct schema_env *env)
{
	if (!env)
		return;
	mae_arena_free(env->arena);
}

struct schema_ship *schema_env_ship(const struct schema_env *env,
				    const char *name)
{
	return mae_map_get(&env->ships_ix, name);
}

struct schema_service *schema_env_service(const struct schema_env *env,
					  const char *name)
{
	return mae_map_get(&env->services_ix, name);
}

struct schema_instance *schema_env_instance(const struct schema_env *env,
					    const char *name)
{
	return mae_map_get(&env->instances_ix, name);
}

const struct schema_port *schema_instance_port(const struct schema_instance *c,
					       const char *name)
{
	for (size_t i = 0; i < c->nports; i++)
		if (strcmp(c->ports[i].name, name) == 0)
			return &c->ports[i];
	return NULL;
}
