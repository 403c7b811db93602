/*
 * cmd-plan.c - `maestro plan ACTION [THING...] [FLAGS] [--offline]
 * [--json] [--dot]`: observe the ships, compile the action into a plan,
 * store it and print it (docs/cmd-plan.md).
 *
 * Exit status: 0 stored; 1 a ship could not be observed, or a container
 * of another environment holds a selected name; 2 usage (unknown action
 * or thing, contradictory flags, stop/kill/restart without things or
 * --all); 3 the description is invalid; 4 the database refused.  Nothing
 * is stored unless the exit status is 0.
 */
#include "cli.h"
#include "cli-model.h"
#include "compiler.h"
#include "compute.h"
#include "observe.h"
#include "observed.h"
#include "plan-print.h"
#include "plan.h"
#include "schema.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int plan_run(const struct cli_globals *g, const struct cli_args *a);

const struct cli_command cmd_plan = {
	.name = "plan",
	.alias = NULL,
	.summary = "compile, store and print a plan",
	.usage = "maestro [-f FILE] [--state DB] plan ACTION [THING...] [FLAGS] "
		 "[--offline] [--json] [--dot]",
	.help = "ACTION is start, stop, kill, restart, pull or clean; THING a\n"
		"service or a container.  The ships are observed (all at once)\n"
		"unless --offline, the plan is stored in the state database and\n"
		"printed: a header and one line per step (docs/cmd-plan.md),\n"
		"the plan document with --json, a Graphviz digraph with --dot.\n\n"
		"Exit status: 0 stored, 1 a ship could not be observed or a\n"
		"container belongs to another environment, 2 usage, 3 invalid\n"
		"description, 4 the state database refused.\n",
	.shared = CLI_F_PLAN,
	.min_operands = 1,
	.max_operands = -1,
	.operand = "ACTION [THING...]",
	.run = plan_run,
};

/* Relative paths of the ships' settings are relative to the current
 * directory (INTERFACES.md); a plan stores them absolute. */
static void absolute(char **path, const char *cwd)
{
	if (!*path || (*path)[0] == '/' || (*path)[0] == '~' || !cwd)
		return;
	const char *p = *path;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	char *abs = mae_xasprintf("%s/%s", cwd, p);
	free(*path);
	*path = abs;
}

/* The command's arguments, for the record: things, then the flags that
 * shape the plan. */
static void record_args(struct plan *p, const struct cli_args *a)
{
	for (size_t i = 1; i < a->noperands; i++)
		plan_add_arg(p, a->operands[i]);
	for (int id = 0; id < CLI_OPT_NSHARED; id++) {
		if (id == CLI_OPT_JSON || id == CLI_OPT_DOT)
			continue;
		char *arg = cli_args_flag_text(a, (enum cli_opt_id)id);
		if (arg)
			plan_add_arg(p, arg);
		free(arg);
	}
}

static void now_rfc3339(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The peak resident set so far, in KiB (0: unknown). */
static long peak_rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* --debug: how long each part took, and the peak memory after it */
static void timing(const struct cli_globals *g, const char *what, int64_t *t)
{
	int64_t now = mae_now_ms();
	if (g->debug)
		fprintf(stderr, "maestro: debug: plan: %s %lld ms (peak RSS %ld MiB)\n",
			what, (long long)(now - *t), peak_rss_kib() / 1024);
	*t = now;
}

int plan_run(const struct cli_globals *g, const struct cli_args *a)
{
	int64_t t = mae_now_ms();
	const char *action = a->operands[0];
	if (cli_args_check_action(&cmd_plan, a, action) != 0)
		return CLI_EXIT_USAGE;
	struct cli_model m;
	int rc = cli_model_load(g, CLI_MODEL_SPECS, &m);
	if (rc != CLI_EXIT_OK)
		return rc;
	timing(g, "load and compute the model", &t);

	char *cwd = getcwd(NULL, 0);
	struct compile_opts o = {
		.action = (enum compile_action)compile_action_parse(action),
		.things = a->operands + 1,
		.nthings = a->noperands - 1,
		.with_deps = a->with_dependencies,
		.ignore_deps = a->ignore_dependencies,
		.expand = a->expand_services,
		.all = a->all,
		.container_glob = a->container_filter,
		.ship_glob = a->ship_filter,
		.refresh = a->refresh_images,
		.reuse = a->reuse,
		.only_if_changed = a->only_if_changed,
		.step_delay = a->step_delay_ms / 1000.0,
		.stop_start_delay = a->stop_start_delay_ms / 1000.0,
		.batch = a->batch,
		.batch_percent = a->batch_percent,
		.no_recreate = a->no_recreate,
		.recreate_unmanaged = a->recreate_unmanaged,
		.orphans = a->orphans,
		.offline = a->offline,
		.cwd = cwd,
	};
	struct compile_result r;
	struct mae_error e;
	mae_error_clear(&e);
	struct state *st = NULL;
	struct observed *obs = NULL;
	char *path = state_path(g->state_db, getenv("MAESTRO_STATE"), g->file);
	/* secrets are stored as digests under the database's key: with
	 * secrets the database is opened (and the key made) first */
	unsigned char key[STATE_KEY_LEN];
	bool secrets = false;
	for (size_t i = 0; i < m.specs->n; i++)
		secrets |= m.specs->v[i].nsecrets > 0;
	if (secrets) {
		if (state_open(path, STATE_WRITE, &st, &e) < 0 ||
		    state_secret_key(st, true, key, &e) < 0) {
			cli_error("%s", e.msg);
			rc = CLI_EXIT_STATE;
			goto out;
		}
		o.secret_key = key;
		o.secret_key_len = sizeof(key);
	}
	obs = o.offline ? NULL : cli_observe(m.env, g->debug);
	timing(g, "observe the ships", &t);
	int crc = compile_plan(m.env, m.specs, &o, obs, &r, &e);
	timing(g, "compile", &t);
	if (crc < 0) {
		cli_error("%s", e.msg);
		rc = crc == MAE_ERR_INVALID ? CLI_EXIT_USAGE : CLI_EXIT_FAILED;
		goto out;
	}
	struct plan *p = r.plan;
	record_args(p, a);
	for (size_t i = 0; i < m.env->nships; i++) {
		struct ship_conn sc;
		compile_ship_conn(&m.env->ships[i], &sc);
		absolute(&sc.tls.ca_cert, cwd);
		absolute(&sc.tls.cert, cwd);
		absolute(&sc.tls.key, cwd);
		absolute(&sc.ssh.key, cwd);
		absolute(&sc.ssh.known_hosts, cwd);
		plan_add_ship(p, &sc);
		ship_conn_release(&sc);
	}
	char when[32];
	now_rfc3339(when);
	plan_set_str(&p->created_at, when);
	struct state_who who;
	state_who_am_i(&who);
	char *by = mae_xasprintf("%s@%s", who.user, who.host);
	plan_set_str(&p->created_by, by);
	free(by);

	if ((!st && state_open(path, STATE_WRITE, &st, &e) < 0) ||
	    state_plan_store(st, p, schema_env_source_sha256(m.env), &e) < 0) {
		cli_error("%s", e.msg);
		rc = CLI_EXIT_STATE;
		compile_result_release(&r);
		goto out;
	}
	timing(g, "store", &t);
	if (a->json)
		cli_plan_print_json(p);
	else if (a->dot)
		cli_plan_print_dot(p);
	else
		cli_plan_print_text(p, r.notes, r.nnotes, true, false);
	compile_result_release(&r);
	timing(g, "print", &t);
	rc = CLI_EXIT_OK;
out:
	memset(key, 0, sizeof(key));
	free(path);
	state_close(st);
	observed_free(obs);
	free(cwd);
	cli_model_release(&m);
	return rc;
}
