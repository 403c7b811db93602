/*
 * plan-golden.c - the compiler on a test case, for the golden plans
 * (tests/golden/plans/).  A case is a JSON file:
 *
 *   {"description": "chain.yaml",          (relative to the case's folder)
 *    "observed": "chain-up.observed.json" | null (null: --offline),
 *    "action": "start", "things": [...],
 *    "opts": {"with_deps": true, "batch": 2, ...}}   (compile_opts fields)
 *
 * and the output, on stdout, is {"notes": [...], "plan": PLAN} with the
 * plan as `maestro plan --json` writes it (its number and times null),
 * or {"error": MESSAGE, "code": NAME} when the compiler refuses.
 * Exit 0 either way; 3 when the case itself cannot be read.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "compute.h"
#include "observed.h"
#include "plan.h"
#include "schema.h"

static char *join(const char *dir, const char *name)
{
	return mae_xasprintf("%s/%s", dir, name);
}

static bool flag(const json_t *opts, const char *name)
{
	return json_is_true(json_object_get(opts, name));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: plan-golden CASE.json\n");
		return 3;
	}
	json_error_t je;
	json_t *c = json_load_file(argv[1], 0, &je);
	if (!c) {
		fprintf(stderr, "%s:%d: %s\n", argv[1], je.line, je.text);
		return 3;
	}
	char *dir = mae_xstrdup(argv[1]);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");

	char *desc = join(dir, json_string_value(json_object_get(c, "description")));
	struct mae_diags d;
	mae_diags_init(&d, desc);
	char *envp[] = { NULL };
	struct schema_env *env = NULL;
	struct container_specs *specs = NULL;
	if (schema_load(desc, envp, &env, &d) < 0 ||
	    container_specs_compute(env, &specs, &d) < 0) {
		for (size_t i = 0; i < d.n; i++) {
			char *m = mae_diag_format(&d.v[i]);
			fprintf(stderr, "%s\n", m);
			free(m);
		}
		return 3;
	}

	const json_t *opts = json_object_get(c, "opts");
	const json_t *things = json_object_get(c, "things");
	const char **tv = mae_xcalloc(json_array_size(things) + 1, sizeof(char *));
	for (size_t i = 0; i < json_array_size(things); i++)
		tv[i] = json_string_value(json_array_get(things, i));
	struct compile_opts o = {
		.things = tv,
		.nthings = json_array_size(things),
		.with_deps = flag(opts, "with_deps"),
		.ignore_deps = flag(opts, "ignore_deps"),
		.expand = flag(opts, "expand"),
		.all = flag(opts, "all"),
		.container_glob = json_string_value(json_object_get(opts, "container_glob")),
		.ship_glob = json_string_value(json_object_get(opts, "ship_glob")),
		.refresh = flag(opts, "refresh"),
		.reuse = flag(opts, "reuse"),
		.only_if_changed = flag(opts, "only_if_changed"),
		.step_delay = json_number_value(json_object_get(opts, "step_delay")),
		.stop_start_delay = json_number_value(json_object_get(opts, "stop_start_delay")),
		.batch = (unsigned)json_integer_value(json_object_get(opts, "batch")),
		.batch_percent = flag(opts, "batch_percent"),
		.no_recreate = flag(opts, "no_recreate"),
		.recreate_unmanaged = flag(opts, "recreate_unmanaged"),
		.orphans = flag(opts, "orphans"),
		.cwd = "/cwd",
	};
	/* a fixed key, so that digests of secrets are reproducible */
	static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
	o.secret_key = key;
	o.secret_key_len = sizeof(key);
	int a = compile_action_parse(json_string_value(json_object_get(c, "action")));
	struct mae_error e;
	mae_error_clear(&e);
	struct observed *obs = NULL;
	const json_t *obs_name = json_object_get(c, "observed");
	o.offline = !json_is_string(obs_name);
	if (!o.offline) {
		char *path = join(dir, json_string_value(obs_name));
		json_t *od = json_load_file(path, 0, &je);
		if (!od || observed_from_json(od, path, &obs, &e) < 0) {
			fprintf(stderr, "%s: %s\n", path, od ? e.msg : je.text);
			return 3;
		}
		json_decref(od);
		free(path);
	}

	json_t *out;
	struct compile_result r;
	int rc = a < 0 ? mae_error_set(&e, MAE_ERR_INVALID, "unknown action")
		       : 0;
	if (rc == 0) {
		o.action = (enum compile_action)a;
		rc = compile_plan(env, specs, &o, obs, &r, &e);
	}
	if (rc < 0) {
		out = json_pack("{s:s,s:s}", "error", e.msg, "code",
				mae_err_name(rc));
	} else {
		for (size_t i = 0; i < env->nships; i++) {
			struct ship_conn sc;
			compile_ship_conn(&env->ships[i], &sc);
			plan_add_ship(r.plan, &sc);
			ship_conn_release(&sc);
		}
		for (size_t i = 0; i < o.nthings; i++)
			plan_add_arg(r.plan, tv[i]);
		json_t *notes = json_array();
		for (size_t i = 0; i < r.nnotes; i++)
			json_array_append_new(
				notes, json_pack("{s:s,s:s,s:s,s:s}", "kind",
						 compile_note_kind_name(r.notes[i].kind),
						 "ship", r.notes[i].ship, "container",
						 r.notes[i].container, "detail",
						 r.notes[i].detail));
		if (plan_verify(r.plan, "plan", &e) < 0) {
			fprintf(stderr, "%s\n", e.msg);
			return 1;
		}
		out = json_pack("{s:o,s:o}", "notes", notes, "plan",
				plan_to_json(r.plan));
		compile_result_release(&r);
	}
	/* Python's json.dumps(indent=2, sort_keys=True), as plan --json */
	struct mae_buf text = MAE_BUF_INIT;
	text.max = SIZE_MAX / 2;
	mae_json_indented_add(&text, out, 2);
	printf("%s\n", mae_buf_str(&text));
	mae_buf_release(&text);
	json_decref(out);
	observed_free(obs);
	container_specs_free(specs);
	schema_env_free(env);
	mae_diags_release(&d);
	free(tv);
	free(desc);
	free(dir);
	json_decref(c);
	return 0;
}
