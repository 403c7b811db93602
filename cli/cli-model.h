/*
 * cli-model.h - loading the environment description for a command: the
 * model (schema_load) and every container's computed spec, with the
 * diagnostics printed and the exit status decided (INTERFACES.md: 3 for
 * an invalid description).
 */
#ifndef MAESTRO_CLI_MODEL_H
#define MAESTRO_CLI_MODEL_H

#include "cli.h"

struct schema_env;
struct container_specs;
struct spec_stream;

struct cli_model {
	struct schema_env *env;
	struct container_specs *specs;
	struct spec_stream *stream;
};

enum cli_model_flags {
	CLI_MODEL_SPECS = 1 << 0,      /* compute every container's spec
					* (reads env files) */
	CLI_MODEL_SHIP_NOTES = 1 << 1, /* check api_version pins: invalid
					* ones are errors, old ones noted */
	CLI_MODEL_CHECK = 1 << 2,      /* check every container as SPECS
					* would, keeping nothing */
	CLI_MODEL_STREAM = 1 << 3,     /* check as CHECK, then compute the
					* specs one at a time (stream) */
};

/*
 * Load g->file and do what flags ask; warnings and errors go to stderr,
 * in one list.  Returns CLI_EXIT_OK (m filled) or CLI_EXIT_INVALID (m
 * empty).
 */
int cli_model_load(const struct cli_globals *g, unsigned flags,
		   struct cli_model *m);
void cli_model_release(struct cli_model *m);

#endif
