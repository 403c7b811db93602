/*
 * cmd-deptree.c - `maestro deptree [-r] [--dot] [THING...]`: the service
 * dependency tree as MaestroNG prints it (spec §6.4), or as a Graphviz
 * digraph with --dot.  Things are services or containers (a container
 * stands for its service); none means every service without `omit`.
 */
#include "cli.h"
#include "cli-model.h"
#include "compute.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct cli_command cmd_deptree;

static int run(const struct cli_globals *g, int argc, char **argv)
{
	bool recursive = false, dot = false, opts = true;
	const char **things = mae_xcalloc((size_t)argc + 1, sizeof(*things));
	size_t nthings = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (opts && strcmp(a, "--") == 0)
			opts = false;
		else if (opts && (strcmp(a, "-r") == 0 || strcmp(a, "--recursive") == 0))
			recursive = true;
		else if (opts && strcmp(a, "--dot") == 0)
			dot = true;
		else if (opts && a[0] == '-' && a[1]) {
			free(things);
			return cli_usage_error(&cmd_deptree, "unknown option '%s'", a);
		} else
			things[nthings++] = a;
	}
	struct cli_model m;
	int rc = cli_model_load(g, 0, &m);
	if (rc != CLI_EXIT_OK) {
		free(things);
		return rc;
	}
	struct sgraph sg;
	sgraph_from_model(m.env, &sg);
	size_t *roots = NULL, nroots = 0;
	struct mae_error e;
	mae_error_clear(&e);
	if (deptree_roots(&sg, things, nthings, &roots, &nroots, &e) < 0) {
		cli_error("%s", e.msg);
		rc = CLI_EXIT_USAGE;
	} else {
		struct mae_buf out = MAE_BUF_INIT;
		if (dot)
			deptree_print_dot(&sg, roots, nroots, &out);
		else
			deptree_print(&sg, roots, nroots, recursive, &out);
		fputs(mae_buf_str(&out), stdout);
		mae_buf_release(&out);
	}
	free(roots);
	free(things);
	sgraph_release(&sg);
	cli_model_release(&m);
	return rc;
}

const struct cli_command cmd_deptree = {
	.name = "deptree",
	.alias = NULL,
	.summary = "print the service dependency tree",
	.usage = "maestro [-f FILE] deptree [-r] [--dot] [THING...]",
	.help = "Options:\n"
		"  -r, --recursive   repeat a dependency every time it is reached\n"
		"                    (without -r it is shown once per tree)\n"
		"  --dot             print a Graphviz digraph instead\n"
		"\nTHING is a service or a container (its service); without any,\n"
		"every service not marked `omit`.\n",
	.run = run,
};
