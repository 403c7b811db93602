/*
 * registry-settings.h - from the registries of the model (schema.h) to
 * the executor's registry list (executor.h), and from a container's spec
 * (compute.h) to the image a pull takes, with the name of the entry schema
 * matched.  Private to cli/.  The list holds the passwords: release it
 * (registry_list_release wipes them) as soon as the pulls are done.
 */
#ifndef MAESTRO_CLI_REGISTRY_SETTINGS_H
#define MAESTRO_CLI_REGISTRY_SETTINGS_H

#include "compute.h"
#include "executor.h"
#include "schema.h"

/* Fill out with a copy of every registry of env, in the order written. */
void cli_registries_from_model(const struct schema_env *env,
			       struct registry_list *out);

/*
 * The image cs pulls, as schema read it: Docker's name and tag or digest,
 * the registry host, and the name of the registries entry that
 * registry_match() chose (the entry `config` shows).  Borrowed from cs.
 */
void cli_pull_image_from_spec(const struct container_spec *cs,
			      struct ship_pull_image *out);

#endif
