/*
 * cmd-config.c - `maestro config [--json]` (alias `dump`, MaestroNG's
 * name): the normalised model and each container's computed spec, as the
 * JSON document of INTERFACES.md (keys sorted, byte-stable) or, without
 * --json, the same document as readable YAML.  Registry passwords are
 * shown as "***", secret_env values as "<secret>" (--show-secrets shows
 * them); nothing contacts a ship.
 */
#include "cli.h"
#include "base.h"
#include "cli-model.h"
#include "yaml-out.h"
#include "compute.h"
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct cli_command cmd_config;
#define cmd cmd_config

enum { OPT_SHOW_SECRETS };
static const struct cli_option options[] = {
	[OPT_SHOW_SECRETS] = { "show-secrets", 0, NULL,
		"show the values of secret_env keys instead of <secret>" },
	{ NULL, 0, NULL, NULL },
};

/* The YAML form, a part at a time: "containers:" and each container at
 * indent 2, then the other members. */
static void yaml_part(void *ud, enum config_part part, const char *canon,
		      size_t n)
{
	bool *any = ud;
	(void)n;
	if (part == CONFIG_CONTAINER) {
		if (!*any)
			cli_outs("containers:\n");
		*any = true;
		cli_yaml_members(canon, 2, cli_out_sink, NULL);
	} else {
		if (!*any)
			cli_outs("containers: {}\n");
		cli_yaml_members(canon, 0, cli_out_sink, NULL);
	}
}

static int run(const struct cli_globals *g, const struct cli_args *a)
{
	struct cli_model m;
	int rc = cli_model_load(g, CLI_MODEL_STREAM, &m);
	if (rc != CLI_EXIT_OK)
		return rc;
	bool show = a->own[OPT_SHOW_SECRETS] != NULL;
	struct mae_diags d;
	mae_diags_init(&d, g->file);
	bool any = false;
	int r = a->json ? config_document_write(m.env, m.stream, show,
						cli_out_sink, NULL, &d)
			: config_document_parts(m.env, m.stream, show, yaml_part,
						&any, &d);
	/* a container that could not be computed now (an env file changed
	 * since the check): the output is cut, and the command fails */
	if (r < 0)
		cli_print_diags(g, &d);
	mae_diags_release(&d);
	cli_model_release(&m);
	return r < 0 ? CLI_EXIT_INVALID : CLI_EXIT_OK;
}

const struct cli_command cmd_config = {
	.name = "config",
	.alias = "dump",
	.summary = "print the normalised model and each container's computed spec",
	.usage = "maestro [-f FILE] config [--json] [--show-secrets]",
	.help = "--json prints the document as JSON (keys sorted, byte-stable);\n"
		"without it the same document is printed as YAML.\n"
		"Registry passwords are shown as ***, the values of secret_env\n"
		"keys (and the maestro.spec label of their containers) as\n"
		"<secret> unless --show-secrets.\n",
	.shared = CLI_F(JSON),
	.options = options,
	.max_operands = 0,
	.run = run,
};
