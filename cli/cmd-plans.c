/*
 * cmd-plans.c - `maestro plans [--prune KEEP] [--json]`: the stored plans,
 * oldest first, or, with --prune, remove all but the newest KEEP of each
 * environment (docs/cmd-plan.md).  Nothing is created.
 */
#include "cli.h"
#include "state.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int plans_run(const struct cli_globals *g, const struct cli_args *a);

enum { OPT_PRUNE };
static const struct cli_option options[] = {
	[OPT_PRUNE] = { "prune", 0, "KEEP",
			"remove all but the newest KEEP plans of each environment" },
	{ NULL, 0, NULL, NULL },
};

const struct cli_command cmd_plans = {
	.name = "plans",
	.alias = NULL,
	.summary = "the stored plans",
	.usage = "maestro [--state DB] plans [--prune KEEP] [--json]",
	.help = "One line per stored plan: number, environment, action and\n"
		"arguments, steps, when and by whom it was made, its short hash\n"
		"and the outcome of its latest run.  --prune removes the older\n"
		"plans with their runs (not a plan being applied) and says how\n"
		"many.  Needs only the database.\n",
	.shared = CLI_F(JSON),
	.options = options,
	.max_operands = 0,
	.run = plans_run,
};

static char *joined_args(const struct state_plan_info *pi)
{
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_adds(&b, pi->action);
	for (size_t k = 0; k < pi->nargs; k++)
		mae_buf_addf(&b, " %s", pi->args[k]);
	return mae_buf_detach(&b);
}

/* --prune KEEP: a missing database has nothing to prune (none created). */
static int plans_prune(const struct cli_globals *g, const struct cli_args *a)
{
	unsigned keep = 0;
	if (cli_parse_uint(&cmd_plans, "--prune", a->own[OPT_PRUNE], 0,
			   2000000000u, &keep) != 0)
		return CLI_EXIT_USAGE;
	char *path = state_path(g->state_db, getenv("MAESTRO_STATE"), g->file);
	struct state *st = NULL;
	struct mae_error e;
	mae_error_clear(&e);
	size_t removed = 0;
	int rc = 0;
	if (access(path, F_OK) == 0) {
		rc = state_open(path, STATE_WRITE, &st, &e);
		if (rc == 0)
			rc = state_plans_prune(st, NULL, keep, &removed, &e);
	}
	free(path);
	state_close(st);
	if (rc < 0) {
		cli_error("%s", e.msg);
		return CLI_EXIT_STATE;
	}
	if (a->json) {
		json_t *doc = json_pack("{s:I}", "pruned", (json_int_t)removed);
		cli_out_json_sorted(doc);
		json_decref(doc);
	} else {
		cli_outf("pruned %zu plan%s\n", removed, removed == 1 ? "" : "s");
	}
	return CLI_EXIT_OK;
}

int plans_run(const struct cli_globals *g, const struct cli_args *a)
{
	if (a->own[OPT_PRUNE])
		return plans_prune(g, a);
	char *path = state_path(g->state_db, getenv("MAESTRO_STATE"), g->file);
	struct state *st = NULL;
	struct mae_error e;
	mae_error_clear(&e);
	struct state_plan_info *v = NULL;
	size_t n = 0;
	int rc = state_open(path, STATE_READ, &st, &e);
	if (rc == MAE_ERR_NOTFOUND) {
		/* no database yet: no plans, and nothing is created */
		n = 0;
	} else if (rc < 0 || state_plans_list(st, NULL, &v, &n, &e) < 0) {
		cli_error("%s", e.msg);
		state_close(st);
		free(path);
		return CLI_EXIT_STATE;
	}
	free(path);
	if (a->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *args = json_array();
			for (size_t k = 0; k < v[i].nargs; k++)
				json_array_append_new(args, json_string(v[i].args[k]));
			json_array_append_new(
				arr,
				json_pack("{s:I,s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:I,s:I,s:s?}",
					  "plan", (json_int_t)v[i].id, "environment",
					  v[i].environment, "action", v[i].action,
					  "args", args, "hash", v[i].hash,
					  "model_hash", v[i].model_hash, "created_at",
					  v[i].created_at, "created_by", v[i].created_by,
					  "steps", (json_int_t)v[i].nsteps, "runs",
					  (json_int_t)v[i].nruns, "last_outcome",
					  v[i].last_outcome));
			if (!v[i].last_outcome)
				json_object_set_new(json_array_get(arr, i),
						    "last_outcome", json_null());
		}
		json_t *doc = json_pack("{s:o}", "plans", arr);
		cli_out_json_sorted(doc);
		json_decref(doc);
	} else {
		const char *heads[] = { "PLAN", "ENVIRONMENT", "ACTION", "STEPS",
					"CREATED", "BY", "HASH", "LAST RUN" };
		struct cli_table t;
		cli_table_init(&t, 8, heads);
		for (size_t i = 0; i < n; i++) {
			char id[24], steps[24], hash[13];
			snprintf(id, sizeof(id), "%lld", (long long)v[i].id);
			snprintf(steps, sizeof(steps), "%zu", v[i].nsteps);
			snprintf(hash, sizeof(hash), "%.12s", v[i].hash);
			char *act = joined_args(&v[i]);
			const char *cells[] = { id, v[i].environment, act, steps,
						v[i].created_at, v[i].created_by, hash,
						v[i].last_outcome ? v[i].last_outcome
								  : "never applied" };
			cli_table_add(&t, cells);
			free(act);
		}
		if (n)
			cli_table_print(&t);
		cli_table_release(&t);
	}
	state_plan_infos_free(v, n);
	state_close(st);
	return CLI_EXIT_OK;
}
