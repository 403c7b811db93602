/*
 * registry-settings.h - from the registries of the model (schema.h) to
 * the executor's registry list (registry-auth.h), which finds each pull's
 * credentials.  Private to cli/.  The list holds the passwords: release it
 * (registry_list_release wipes them) as soon as the pulls are done.
 */
#ifndef MAESTRO_CLI_REGISTRY_SETTINGS_H
#define MAESTRO_CLI_REGISTRY_SETTINGS_H

#include "registry-auth.h"
#include "schema.h"

/* Fill out with a copy of every registry of env, in the order written. */
void cli_registries_from_model(const struct schema_env *env,
			       struct registry_list *out);

#endif
