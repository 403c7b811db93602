/*
 * model.c - the YAML tree to the typed model, with every check of
 * docs/description.md.  Problems go to the diagnostics list; building goes
 * on after each one so that a run reports all of them.  This file holds
 * the top level; the sections are in model-get.c (positions and messages,
 * node getters, keyword tables, raw values, ports, limits),
 * model-check.c (lifecycle checks), model-ship.c (registries, ships,
 * audit), model-instance.c (instances) and model-deps.c (services and the
 * dependency graph).
 *
 * Must not: read envfiles, talk to ships, print.
 */
#include "model-priv.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* The top level                                                        */

static void build_schema_version(struct builder *b, const struct ynode *root)
{
	struct schema_env *env = b->env;
	env->schema_version = 1;
	const struct ynode *m = ynode_get(root, "__maestro");
	const struct ynode *sv = NULL;
	if (want_map(b, m, "__maestro", "at the top level")) {
		check_keys(b, m, maestro_keys, "in __maestro");
		sv = ynode_get(m, "schema");
	}
	if (!sv) {
		model_warn(b, root,
			   "no schema version declared: reading the description as schema 1 (volumes as 'container_path: host_path'); declare '__maestro: {schema: 2}'");
		return;
	}
	if (is_scalar(sv, YSCALAR_INT) && sv->int_fits &&
	    (sv->i == 1 || sv->i == 2)) {
		env->schema_version = (int)sv->i;
		return;
	}
	if (is_scalar(sv, YSCALAR_INT))
		model_err(b, sv, "unsupported schema version %s (maestro reads schema 1 and 2)",
			  YNODE_QUOTE_AS(sv, sv->str));
	else if (sv->kind == YNODE_SCALAR && !is_null(sv))
		model_err(b, sv, "unsupported schema version %s: %s, not the integer 1 or 2",
			  YNODE_QUOTE_AS(sv, sv->str), ynode_describe(sv));
	else
		model_err(b, sv, "unsupported schema version: expected 1 or 2, not %s",
			  ynode_describe(sv));
}

void model_build(struct builder *b, const struct ynode *root)
{
	struct schema_env *env = b->env;
	if (root->kind != YNODE_MAP) {
		model_err(b, root, "the description must be a mapping, not %s",
			  ynode_describe(root));
		return;
	}
	check_keys(b, root, top_keys, "at the top level");
	const struct ynode *name = ynode_get(root, "name");
	if (!name)
		model_err(b, root, "missing 'name' (the environment's name) at the top level");
	else if (!is_texty(name))
		model_err(b, name, "'name' at the top level must be a string, not %s",
			  ynode_describe(name));
	else if (!*name->str)
		model_err(b, name, "'name' at the top level must not be empty");
	else
		env->name = mae_arena_strdup(b->a, name->str);

	build_schema_version(b, root);
	const struct ynode *sp = ynode_get(root, "ship_provider");
	if (!is_null(sp) && !(is_scalar(sp, YSCALAR_STR) &&
			      strcmp(sp->str, "static") == 0))
		model_err(b, sp, "unsupported ship_provider %s (only 'static' exists)",
			  sp->kind == YNODE_SCALAR ? YNODE_QUOTE(sp)
						   : ynode_describe(sp));
	build_registries(b, root);
	build_ships(b, root);
	build_services(b, root);
	build_audit(b, root);
}
