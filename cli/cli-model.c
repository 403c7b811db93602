/*
 * cli-model.c - load the description and compute the container specs
 * for a command, printing every diagnostic.
 */
#include "cli-model.h"
#include "compute.h"
#include "schema.h"
#include "ship-settings.h"

#include <string.h>

extern char **environ;

int cli_model_load(const struct cli_globals *g, unsigned flags,
		   struct cli_model *m)
{
	memset(m, 0, sizeof(*m));
	struct mae_diags d;
	mae_diags_init(&d, g->file);
	int rc = schema_load(g->file, environ, &m->env, &d);
	if (rc == 0 && (flags & CLI_MODEL_SPECS))
		rc = container_specs_compute(m->env, &m->specs, &d);
	else if (rc == 0 && (flags & CLI_MODEL_STREAM))
		rc = spec_stream_open(m->env, &m->stream, &d);
	else if (rc == 0 && (flags & CLI_MODEL_CHECK))
		rc = container_specs_check(m->env, &d);
	if (rc == 0 && (flags & CLI_MODEL_SHIP_NOTES) &&
	    cli_ship_api_notes(m->env, &d) > 0)
		rc = MAE_ERR_INVALID;
	cli_print_diags(g, &d);
	mae_diags_release(&d);
	if (rc < 0) {
		cli_model_release(m);
		return CLI_EXIT_INVALID;
	}
	return CLI_EXIT_OK;
}

void cli_model_release(struct cli_model *m)
{
	container_specs_free(m->specs);
	spec_stream_close(m->stream);
	schema_env_free(m->env);
	memset(m, 0, sizeof(*m));
}
