/*
 * cmd-config.c - `maestro config [--json]` (alias `dump`, MaestroNG's
 * name): the normalised model and each container's computed spec, as the
 * JSON document of INTERFACES.md (keys sorted, byte-stable) or, without
 * --json, the same document as readable YAML.  Registry passwords are
 * shown as "***", secret_env values as "<secret>" (--show-secrets shows
 * them); nothing contacts a ship.
 */
#include "cli.h"
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

static int run(const struct cli_globals *g, const struct cli_args *a)
{
	bool as_json = a->json;
	struct cli_model m;
	int rc = cli_model_load(g, CLI_MODEL_SPECS, &m);
	if (rc != CLI_EXIT_OK)
		return rc;
	m.specs->show_secrets = a->own[OPT_SHOW_SECRETS] != NULL;
	if (as_json) {
		char *text = config_document_text(m.env, m.specs);
		cli_outs(text);
		free(text);
	} else {
		char *canon = config_document_canonical(m.env, m.specs, NULL);
		cli_yaml_from_json(canon, cli_out_sink, NULL);
		free(canon);
	}
	cli_model_release(&m);
	return CLI_EXIT_OK;
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
