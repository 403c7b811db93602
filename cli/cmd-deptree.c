/*
 * cmd-deptree.c - `maestro deptree [-r] [--dot] [THING...]`: the service
 * dependency tree in MaestroNG's layout (spec §6.4; each subtree printed
 * once, cli/deptree-print.c), or as a Graphviz
 * digraph with --dot.  Things are services or containers (a container
 * stands for its service); none means every service without `omit`.
 */
#include "cli.h"
#include "cli-model.h"
#include "compute.h"
#include "deptree-print.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct cli_command cmd_deptree;

enum { OPT_RECURSIVE };
static const struct cli_option options[] = {
	[OPT_RECURSIVE] = { "recursive", 'r', NULL,
		"list a dependency everywhere it is reached" },
	{ NULL, 0, NULL, NULL },
};

/*
 * The most deptree prints.  The tree is measured before it is printed, so
 * that one too large is refused whole: never a cut tree that looks whole.
 */
#define DEPTREE_MAX MAE_BUF_DEFAULT_MAX

static bool measure(void *ctx, const char *s, size_t n)
{
	(void)s;
	size_t *total = ctx;
	*total += n;
	return *total <= DEPTREE_MAX;
}

static bool to_stdout(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	cli_out(s, n);
	return true;
}

static bool print(const struct sgraph *sg, const size_t *roots, size_t n,
		  bool recursive, bool dot, deptree_out_fn *out, void *ctx)
{
	return dot ? deptree_print_dot(sg, roots, n, out, ctx)
		   : deptree_print(sg, roots, n, recursive, out, ctx);
}

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
		size_t total = 0;
		if (!print(&sg, roots, nroots, recursive, dot, measure, &total)) {
			cli_error("the dependency tree is larger than %zu MiB, "
				  "the most deptree prints: name fewer "
				  "services, or use --dot",
				  (size_t)DEPTREE_MAX >> 20);
			rc = CLI_EXIT_FAILED;
		} else {
			print(&sg, roots, nroots, recursive, dot, to_stdout, NULL);
		}
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
	.help = "Without -r a dependency is shown once per tree.  A service\n"
		"whose dependencies were printed above is marked (*).  THING is a\n"
		"service or a container (its service); without any, every\n"
		"service not marked `omit`.\n",
	.shared = CLI_F(DOT),
	.options = options,
	.max_operands = -1,
	.operand = "THING",
	.run = run,
};
