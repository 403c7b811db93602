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

enum { OPT_RECURSIVE };
static const struct cli_option options[] = {
	[OPT_RECURSIVE] = { "recursive", 'r', NULL,
		"repeat a dependency every time it is reached" },
	{ NULL, 0, NULL, NULL },
};

static int run(const struct cli_globals *g, const struct cli_args *a)
{
	bool recursive = a->own[OPT_RECURSIVE] != NULL, dot = a->dot;
	const char **things = a->operands;
	size_t nthings = a->noperands;
	struct cli_model m;
	int rc = cli_model_load(g, 0, &m);
	if (rc != CLI_EXIT_OK)
		return rc;
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
		if (out.overflow) {
			/* never a cut tree that looks whole */
			cli_error("the dependency tree is larger than %zu MiB, "
				  "the most deptree prints: name fewer "
				  "services, or use --dot",
				  MAE_BUF_DEFAULT_MAX >> 20);
			rc = CLI_EXIT_FAILED;
		} else {
			cli_out(mae_buf_str(&out), out.len);
		}
		mae_buf_release(&out);
	}
	free(roots);
	sgraph_release(&sg);
	cli_model_release(&m);
	return rc;
}

const struct cli_command cmd_deptree = {
	.name = "deptree",
	.alias = NULL,
	.summary = "print the service dependency tree",
	.usage = "maestro [-f FILE] deptree [-r] [--dot] [THING...]",
	.help = "Without -r a dependency is shown once per tree.  THING is a\n"
		"service or a container (its service); without any, every\n"
		"service not marked `omit`.\n",
	.shared = CLI_F(DOT),
	.options = options,
	.max_operands = -1,
	.operand = "THING",
	.run = run,
};
