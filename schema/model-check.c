/*
 * model-check.c - lifecycle checks: their keywords, types and targets.
 * Part of the model builder (model.c).
 */
#include "model-priv.h"
#include "pyregex.h"
#include "shell-split.h"

#include <string.h>

/* ------------------------------------------------------------------ */
/* Lifecycle checks                                                     */

static const char *check_where(struct builder *b, enum schema_state st,
			       size_t idx, const char *type, const char *where)
{
	return mae_arena_printf(b->a, "in %s check %zu of %s (%s)", type ? type : "",
			    idx + 1, where + 3, state_names[st]);
}

/*
 * An exec/rexec 'command' must name something to run: a string that
 * shlex.split() accepts and that has at least one word, or a non-empty
 * list.  Checked here so that it is reported with every other problem.
 */
static bool check_command_words(struct builder *b, const struct ynode *p,
				const char *w)
{
	size_t n = p->kind == YNODE_SEQ ? p->nitems : 0;
	if (p->kind == YNODE_SCALAR) {
		struct mae_error e;
		char **argv = NULL;
		mae_error_clear(&e);
		if (shell_split(p->str, &argv, &n, &e) < 0) {
			model_err(b, p, "%s in 'command' %s", e.msg, w);
			return false;
		}
		argv_free(argv);
	}
	if (n == 0) {
		model_err(b, p, "empty 'command' %s", w);
		return false;
	}
	return true;
}

/* The check type named by t (a string), or -1 after the message. */
static int check_type(struct builder *b, const struct ynode *t,
		      const char *where)
{
	int type = -1;
	for (int i = 0; check_type_names[i]; i++)
		if (strcmp(check_type_names[i], t->str) == 0)
			type = i;
	if (type < 0) {
		const char *hint = mae_suggest(t->str, check_type_names,
					       list_len(check_type_names));
		if (hint)
			model_err(b, t, "unknown lifecycle check type %s %s (did you mean '%s'?)",
				  YNODE_QUOTE(t), where, hint);
		else
			model_err(b, t, "unknown lifecycle check type %s %s (one of tcp, http, exec, rexec, sleep, docker_health)",
				  YNODE_QUOTE(t), where);
		return -1;
	}
	return type;
}

/* Keys of a check of this type that are not its own: which types take
 * them, or a suggestion. */
static void check_foreign_keys(struct builder *b, const struct ynode *v,
			       const char *const *keys, const char *w)
{
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = key_of(&v->pairs[i]);
		if (is_scratch(k) || in_list(k, keys))
			continue;
		struct mae_buf types = MAE_BUF_INIT;
		for (int ty = 0; check_type_names[ty]; ty++)
			if (in_list(k, check_keys_by_type[ty]))
				mae_buf_addf(&types, "%s%s", types.len ? ", " : "",
					     check_type_names[ty]);
		const char *hint = mae_suggest(k, keys, list_len(keys));
		if (strcmp(k, "cmd") == 0 && in_list("command", keys))
			hint = "command"; /* MaestroNG's docs wrote cmd */
		if (types.len)
			model_err(b, v->pairs[i].key,
				  "key %s is not valid %s (it belongs in %s checks)",
				  YNODE_QUOTE(v->pairs[i].key), w, mae_buf_str(&types));
		else
			unknown_key(b, v->pairs[i].key, k, keys, w, hint, false);
		mae_buf_release(&types);
	}
}

/* An http check's own keys; false when one is wrong. */
static bool http_options(struct builder *b, const struct ynode *v,
			 const char *w, struct schema_check *c)
{
	bool ok = true;
	c->host = get_str(b, v, "host", w, false);
	c->match_regex = get_str(b, v, "match_regex", w, false);
	struct mae_error rerr;
	mae_error_clear(&rerr);
	if (c->match_regex &&
	    mae_regex_compile(c->match_regex, NULL, &rerr) != 0) {
		model_err(b, ynode_get(v, "match_regex"),
			  "bad regex %s %s: %s",
			  YNODE_QUOTE(ynode_get(v, "match_regex")), w, rerr.msg);
		ok = false;
	}
	c->path = get_str(b, v, "path", w, false);
	if (!c->path)
		c->path = "/";
	else if (c->path[0] != '/')
		c->path = mae_arena_printf(b->a, "/%s", c->path);
	c->scheme = get_str(b, v, "scheme", w, false);
	if (!c->scheme)
		c->scheme = "http";
	else if (strcmp(c->scheme, "http") && strcmp(c->scheme, "https")) {
		model_err(b, ynode_get(v, "scheme"),
			  "unknown scheme %s %s (http or https)",
			  YNODE_QUOTE(ynode_get(v, "scheme")), w);
		ok = false;
	}
	c->method = get_str(b, v, "method", w, false);
	if (!c->method) {
		c->method = "get";
	} else {
		char *m = (char *)c->method;
		for (; *m; m++)
			if (*m >= 'A' && *m <= 'Z')
				*m = (char)(*m - 'A' + 'a');
		static const char *const methods[] = {
			"get", "head", "post", "put", "delete",
			"options", "patch", NULL,
		};
		if (!in_list(c->method, methods)) {
			model_err(b, ynode_get(v, "method"),
				  "unknown HTTP method %s %s",
				  YNODE_QUOTE_AS(ynode_get(v, "method"), c->method),
				  w);
			ok = false;
		}
	}
	c->max_wait = get_seconds(b, v, "max_wait", w, 300);
	const struct ynode *p = ynode_get(v, "requests_options");
	if (want_map(b, p, "requests_options", w))
		copy_map(b, p, &c->requests_options);
	return ok;
}

/* An exec or rexec check's own keys; false when one is wrong. */
static bool exec_options(struct builder *b, const struct ynode *v,
			 const char *w, struct schema_check *c)
{
	bool ok = true;
	const struct ynode *p = ynode_get(v, "command");
	if (is_null(p)) {
		model_err(b, v, "missing 'command' %s", w);
		ok = false;
	} else if (!(is_texty(p) || p->kind == YNODE_SEQ)) {
		type_err(b, p, "command", w, "a string or a list");
		ok = false;
	} else {
		for (size_t i = 0; p->kind == YNODE_SEQ && i < p->nitems; i++)
			if (!is_texty(p->items[i])) {
				model_err(b, p->items[i],
					  "'command' %s must list strings, not %s",
					  w, ynode_describe(p->items[i]));
				ok = false;
			}
		ok = check_command_words(b, p, w) && ok;
		struct schema_value *cv = mae_arena_alloc(b->a, sizeof(*cv));
		copy_value(b, p, cv);
		c->command = cv;
	}
	c->attempts = (int)get_int(b, v, "attempts", w, 1, 1000000, 180);
	if (c->type == SCHEMA_CHECK_EXEC) {
		const char *ef = get_str(b, v, "envfrom", w, false);
		if (!ef || strcmp(ef, "env") == 0) {
			c->envfrom = SCHEMA_ENVFROM_ENV;
		} else if (strcmp(ef, "stdin") == 0) {
			c->envfrom = SCHEMA_ENVFROM_STDIN;
		} else {
			model_err(b, ynode_get(v, "envfrom"),
				  "unknown envfrom %s %s (env or stdin)",
				  YNODE_QUOTE(ynode_get(v, "envfrom")), w);
			ok = false;
		}
	}
	return ok;
}

static void parse_check(struct builder *b, const struct ynode *v,
			enum schema_state st, size_t idx, const char *where,
			bool from_service, struct schema_checks *out)
{
	if (!v || v->kind != YNODE_MAP) {
		model_err(b, v, "lifecycle check %zu (%s) %s must be a mapping, not %s",
			  idx + 1, state_names[st], where, ynode_describe(v));
		return;
	}
	const struct ynode *t = ynode_get(v, "type");
	if (!t) {
		model_err(b, v, "missing 'type' in lifecycle check %zu (%s) %s",
			  idx + 1, state_names[st], where);
		return;
	}
	if (!is_scalar(t, YSCALAR_STR)) {
		model_err(b, t, "'type' of lifecycle check %zu (%s) %s must be a string, not %s",
			  idx + 1, state_names[st], where, ynode_describe(t));
		return;
	}
	int type = check_type(b, t, where);
	if (type < 0)
		return;
	const char *w = check_where(b, st, idx, t->str, where);
	const char *const *keys = check_keys_by_type[type];
	check_foreign_keys(b, v, keys, w);

	struct schema_check *c = &out->v[out->n];
	memset(c, 0, sizeof(*c));
	c->type = (enum schema_check_type)type;
	c->pos = model_pos(b, v);
	c->from_service = from_service;
	bool ok = true;
	const struct ynode *p;
	switch (c->type) {
	case SCHEMA_CHECK_TCP:
	case SCHEMA_CHECK_HTTP:
		p = ynode_get(v, "port");
		if (is_null(p)) {
			model_err(b, v, "missing 'port' %s", w);
			ok = false;
		} else if (!is_texty(p)) {
			type_err(b, p, "port", w, "a port name or number");
			ok = false;
		} else {
			c->port = mae_arena_strdup(b->a, p->str);
			c->port_pos = model_pos(b, p);
			c->port_secret = p->secret;
		}
		if (c->type == SCHEMA_CHECK_TCP) {
			c->max_wait = get_seconds(b, v, "max_wait", w, 180);
			break;
		}
		ok = http_options(b, v, w, c) && ok;
		break;
	case SCHEMA_CHECK_EXEC:
	case SCHEMA_CHECK_REXEC:
		ok = exec_options(b, v, w, c);
		break;
	case SCHEMA_CHECK_SLEEP:
		p = ynode_get(v, "wait");
		if (is_null(p)) {
			model_err(b, v, "missing 'wait' %s", w);
			ok = false;
		} else {
			c->wait = node_seconds(b, p, "wait", w, 0);
		}
		break;
	case SCHEMA_CHECK_DOCKER_HEALTH:
		c->max_wait = get_seconds(b, v, "max_wait", w, 300);
		break;
	}
	if (ok)
		out->n++;
}

void get_lifecycle(struct builder *b, const struct ynode *map,
		   const char *where, bool from_service,
		   struct schema_checks out[SCHEMA_NSTATES])
{
	memset(out, 0, SCHEMA_NSTATES * sizeof(out[0]));
	const struct ynode *v = ynode_get(map, "lifecycle");
	if (!want_map(b, v, "lifecycle", where))
		return;
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = key_of(&v->pairs[i]);
		if (is_scratch(k))
			continue;
		int st = -1;
		for (int s = 0; state_names[s]; s++)
			if (strcmp(state_names[s], k) == 0)
				st = s;
		if (st < 0) {
			const char *hint = mae_suggest(k, state_names,
						       list_len(state_names));
			if (hint)
				model_err(b, v->pairs[i].key,
					  "unknown lifecycle state %s %s (did you mean '%s'?)",
					  YNODE_QUOTE(v->pairs[i].key), where, hint);
			else
				model_err(b, v->pairs[i].key,
					  "unknown lifecycle state %s %s (one of pre-start, running, pre-stop, stopped)",
					  YNODE_QUOTE(v->pairs[i].key), where);
			continue;
		}
		const struct ynode *list = v->pairs[i].value;
		if (is_null(list))
			continue;
		if (list->kind != YNODE_SEQ) {
			model_err(b, list, "%s lifecycle checks %s must be a list of checks, not %s",
				  state_names[st], where, ynode_describe(list));
			continue;
		}
		out[st].v = mae_arena_array(b->a, list->nitems, sizeof(*out[st].v));
		for (size_t j = 0; j < list->nitems; j++)
			parse_check(b, list->items[j], (enum schema_state)st, j,
				    where, from_service, &out[st]);
	}
}
