/*
 * model-get.c - positions and messages, the typed getters over YAML
 * nodes and the keyword tables of every level, raw values (env, command,
 * requests_options, audit), ports and limits.  Part of the model builder
 * (model.c).
 */
#include "model-priv.h"
#include "compute.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

/* ------------------------------------------------------------------ */
/* Positions and messages                                               */

static const char *intern_file(struct builder *b, const char *f)
{
	if (!f)
		return b->file;
	for (size_t i = 0; i < b->nfiles; i++)
		if (b->files_src[i] == f)
			return b->files_dst[i];
	b->files_src = mae_xrealloc(b->files_src,
				    (b->nfiles + 1) * sizeof(*b->files_src));
	b->files_dst = mae_xrealloc(b->files_dst,
				    (b->nfiles + 1) * sizeof(*b->files_dst));
	b->files_src[b->nfiles] = f;
	b->files_dst[b->nfiles] = mae_arena_strdup(b->a, f);
	return b->files_dst[b->nfiles++];
}

struct schema_pos model_pos(struct builder *b, const struct ynode *n)
{
	struct schema_pos p = { b->file, 0, 0 };
	if (!n)
		return p;
	p.line = n->line;
	p.col = n->col;
	if (b->map && p.line > 0 && b->map->n > 0) {
		size_t i = (size_t)p.line <= b->map->n ? (size_t)p.line - 1
						       : b->map->n - 1;
		p.file = intern_file(b, b->map->lines[i].file);
		p.line = b->map->lines[i].line;
	}
	return p;
}

void model_err(struct builder *b, const struct ynode *n, const char *fmt, ...)
{
	if (b->mute)
		return;
	va_list ap;
	va_start(ap, fmt);
	mae_diag_vat(b->d, MAE_SEV_ERROR, n ? n->line : 0, n ? n->col : 0, fmt,
		     ap);
	va_end(ap);
}

void model_warn(struct builder *b, const struct ynode *n, const char *fmt, ...)
{
	if (b->mute)
		return;
	va_list ap;
	va_start(ap, fmt);
	mae_diag_vat(b->d, MAE_SEV_WARNING, n ? n->line : 0, n ? n->col : 0,
		     fmt, ap);
	va_end(ap);
}

void schema_diag(struct mae_diags *d, enum mae_severity sev,
		 const struct schema_pos *pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mae_diag_vfile(d, sev, pos ? pos->file : d->file, pos ? pos->line : 0,
		       pos ? pos->col : 0, fmt, ap);
	va_end(ap);
}

void pos_err(struct builder *b, const struct schema_pos *p,
	     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mae_diag_vfile(b->d, MAE_SEV_ERROR, p->file, p->line, p->col, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Keyword maps                                                         */

const char *const top_keys[] = {
	"name", "__maestro", "registries", "ship_provider", "ship_defaults",
	"ships", "services", "audit", NULL,
};
const char *const maestro_keys[] = { "schema", "base_dir", NULL };
const char *const registry_keys[] = {
	"registry", "username", "password", "email", "retry", NULL,
};
const char *const retry_keys[] = { "attempts", "when", NULL };
const char *const ship_keys[] = {
	"ip", "endpoint", "docker_port", "socket_path", "ssh_tunnel",
	"ssh_timeout", "tls", "tls_verify", "tls_ca_cert", "tls_cert",
	"tls_key", "timeout", "api_version", "ssl_version", NULL,
};
const char *const ship_default_keys[] = {
	"docker_port", "socket_path", "ssh_tunnel", "ssh_timeout", "tls",
	"tls_verify", "tls_ca_cert", "tls_cert", "tls_key", "timeout",
	"api_version", "ssl_version", NULL,
};
const char *const tunnel_keys[] = {
	"user", "key", "port", "known_hosts", "insecure_host_key", NULL,
};
const char *const service_keys[] = {
	"image", "env", "envfile", "requires", "wants_info", "omit",
	"lifecycle", "limits", "ports", "instances", "secret_env", NULL,
};
const char *const instance_keys[] = {
	"ship", "image", "command", "cmd", "ports", "env", "envfile",
	"volumes", "container_volumes", "volumes_from", "links", "username",
	"workdir", "privileged", "cap_add", "cap_drop", "extra_hosts", "net",
	"restart", "dns", "stop_timeout", "limits", "log_driver", "log_opt",
	"security_opt", "ulimits", "labels", "lxc_conf", "lifecycle",
	"secret_env", NULL,
};
const char *const limits_keys[] = { "cpu", "memory", "swap", NULL };
const char *const restart_keys[] = {
	"name", "retries", "maximum_retry_count", NULL,
};
const char *const port_map_keys[] = { "exposed", "external", NULL };
const char *const volume_map_keys[] = { "target", "mode", NULL };
const char *const ulimit_keys[] = { "soft", "hard", NULL };

const char *const check_type_names[] = {
	"tcp", "http", "exec", "rexec", "sleep", "docker_health", NULL,
};
const char *const check_keys_by_type[][12] = {
	{ "type", "port", "max_wait", NULL },
	{ "type", "port", "host", "match_regex", "path", "scheme", "method",
	  "max_wait", "requests_options", NULL },
	{ "type", "command", "attempts", "envfrom", NULL },
	{ "type", "command", "attempts", NULL },
	{ "type", "wait", NULL },
	{ "type", "max_wait", NULL },
};
const char *const state_names[] = {
	"pre-start", "running", "pre-stop", "stopped", NULL,
};

/* The levels a misplaced keyword is looked up in, for "it belongs ...". */
static const struct {
	const char *const *keys;
	const char *where;
} levels[] = {
	{ top_keys, "at the top level" },
	{ ship_keys, "in a ship" },
	{ registry_keys, "in a registry" },
	{ service_keys, "in a service" },
	{ instance_keys, "in an instance" },
	{ tunnel_keys, "in ssh_tunnel" },
	{ limits_keys, "in limits" },
};

const char *schema_state_name(enum schema_state s)
{
	return (unsigned)s < SCHEMA_NSTATES ? state_names[s] : "?";
}

const char *schema_check_type_name(enum schema_check_type t)
{
	return (unsigned)t <= SCHEMA_CHECK_DOCKER_HEALTH ? check_type_names[t]
							  : "?";
}

/* What every unknown-key message says (INTERFACES.md "Values"). */
#define SCRATCH_HINT "keys beginning with '_' or 'x-' are free scratch keys"

/* Where keyword k is valid, other than in keys: "in a service or in an
 * instance", appended to out (empty when nowhere). */
static void levels_of(const char *k, const char *const *keys,
		      struct mae_buf *out)
{
	for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++)
		if (levels[l].keys != keys && in_list(k, levels[l].keys))
			mae_buf_addf(out, "%s%s", out->len ? " or " : "",
				     levels[l].where);
}

void unknown_key(struct builder *b, const struct ynode *keynode,
		 const char *k, const char *const *keys, const char *where,
		 const char *hint, bool warn)
{
	struct mae_buf note = MAE_BUF_INIT;
	if (!hint)
		hint = mae_suggest(k, keys, list_len(keys));
	if (hint) {
		mae_buf_addf(&note, "did you mean '%s'? ", hint);
	} else {
		/* a keyword of another level, misspelt */
		const char *best = NULL;
		size_t best_d = (size_t)-1;
		for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
			const char *c = mae_suggest(k, levels[l].keys,
						    list_len(levels[l].keys));
			size_t d = c ? mae_edit_distance(k, c, 8) : (size_t)-1;
			if (c && d < best_d) {
				best = c;
				best_d = d;
			}
		}
		if (best) {
			struct mae_buf at = MAE_BUF_INIT;
			levels_of(best, keys, &at);
			mae_buf_addf(&note, "did you mean '%s'? it belongs %s; ",
				     best, mae_buf_str(&at));
			mae_buf_release(&at);
		}
	}
	mae_buf_adds(&note, SCRATCH_HINT);
	if (warn)
		model_warn(b, keynode, "unknown key %s %s is ignored, as "
			   "MaestroNG ignored it (%s)", YNODE_QUOTE(keynode), where,
			   mae_buf_str(&note));
	else
		model_err(b, keynode, "unknown key %s %s (%s)", YNODE_QUOTE(keynode),
			  where, mae_buf_str(&note));
	mae_buf_release(&note);
}

/*
 * Check the keys of a keyword map: unknown ones are errors with a
 * suggestion (looked for at every level), keywords of another level say
 * where they belong, scratch keys are free.  At the top level an unknown
 * key that is no misspelling of a top-level keyword is a warning, as
 * MaestroNG ignored it (files keep YAML anchors there).  `where` is "in
 * service 'web'" and the like.
 */
void check_keys(struct builder *b, const struct ynode *map,
		const char *const *keys, const char *where)
{
	if (!map || map->kind != YNODE_MAP)
		return;
	for (size_t i = 0; i < map->npairs; i++) {
		const char *k = key_of(&map->pairs[i]);
		if (is_scratch(k) || in_list(k, keys))
			continue;
		struct mae_buf where_else = MAE_BUF_INIT;
		levels_of(k, keys, &where_else);
		if (where_else.len)
			model_err(b, map->pairs[i].key,
				  "key %s is not valid %s (it belongs %s)",
				  YNODE_QUOTE(map->pairs[i].key),
				  where, mae_buf_str(&where_else));
		else
			unknown_key(b, map->pairs[i].key, k, keys, where, NULL,
				    keys == top_keys &&
					    !mae_suggest(k, keys, list_len(keys)));
		mae_buf_release(&where_else);
	}
}

/* The value must be a mapping (or null: nothing); else an error. */
bool want_map(struct builder *b, const struct ynode *v,
	      const char *what, const char *where)
{
	if (!v || is_null(v))
		return false;
	if (v->kind == YNODE_MAP)
		return true;
	model_err(b, v, "'%s' %s must be a mapping, not %s", what, where,
		  ynode_describe(v));
	return false;
}

void type_err(struct builder *b, const struct ynode *v,
	      const char *key, const char *where, const char *want)
{
	/* a date (2001-12-14) is no string to MaestroNG either: PyYAML made
	 * it a datetime; quoting keeps the text */
	const char *hint = v && v->secret ? " (" YNODE_SECRET_HINT ")"
			   : v && v->timestamp ? " (quote it to keep the text)"
			   : "";
	model_err(b, v, "'%s' %s must be %s, not %s%s", key, where, want,
		  ynode_describe(v), hint);
}

/* An optional string (string, integer or float as written by str()). */
const char *get_str(struct builder *b, const struct ynode *map,
		    const char *key, const char *where, bool required)
{
	const struct ynode *v = ynode_get(map, key);
	if (!v) {
		if (required)
			model_err(b, map, "missing '%s' %s", key, where);
		return NULL;
	}
	if (is_null(v) && !required)
		return NULL;
	if (!is_texty(v)) {
		type_err(b, v, key, where, "a string");
		return NULL;
	}
	if (!*v->str && required) {
		/* an empty ip, user, type or image only fails later, at a ship */
		model_err(b, v, "'%s' %s must not be empty", key, where);
		return NULL;
	}
	return mae_arena_strdup(b->a, v->str);
}

bool get_bool(struct builder *b, const struct ynode *map,
	      const char *key, const char *where, bool dflt)
{
	const struct ynode *v = ynode_get(map, key);
	if (is_null(v))
		return dflt;
	if (!is_scalar(v, YSCALAR_BOOL)) {
		type_err(b, v, key, where, "a boolean (true or false)");
		return dflt;
	}
	return v->b;
}

/* An integer in [lo, hi]; dflt when absent or wrong. */
int64_t node_int(struct builder *b, const struct ynode *v,
		 const char *key, const char *where, int64_t lo,
		 int64_t hi, int64_t dflt)
{
	if (!is_scalar(v, YSCALAR_INT)) {
		type_err(b, v, key, where, "an integer");
		return dflt;
	}
	if (!v->int_fits || v->i < lo || v->i > hi) {
		model_err(b, v, "'%s' %s must be between %lld and %lld, not %s",
			  key, where, (long long)lo, (long long)hi, YNODE_QUOTE(v));
		return dflt;
	}
	return v->i;
}

int64_t get_int(struct builder *b, const struct ynode *map,
		const char *key, const char *where, int64_t lo,
		int64_t hi, int64_t dflt)
{
	const struct ynode *v = ynode_get(map, key);
	if (is_null(v))
		return dflt;
	return node_int(b, v, key, where, lo, hi, dflt);
}

/* A number of seconds (integer or float) between lo and hi; why says
 * what a value below lo would mean, or is NULL. */
double node_seconds_in(struct builder *b, const struct ynode *v,
		       const char *key, const char *where, double lo,
		       double hi, const char *why, double dflt)
{
	double x;
	if (is_scalar(v, YSCALAR_INT) && v->int_fits)
		x = (double)v->i;
	else if (is_scalar(v, YSCALAR_FLOAT))
		x = v->f;
	else if (is_scalar(v, YSCALAR_INT))
		x = v->str[0] == '-' ? -1e300 : 1e300; /* too large for int64 */
	else {
		type_err(b, v, key, where, "a number of seconds");
		return dflt;
	}
	if (!(x >= lo && x <= hi)) {
		model_err(b, v, "'%s' %s must be between %.15g and %.15g "
			  "seconds, not %s%s%s", key, where, lo, hi,
			  YNODE_QUOTE(v), why && x >= 0 && x < lo ? " " : "",
			  why && x >= 0 && x < lo ? why : "");
		return dflt;
	}
	return x;
}

double node_seconds(struct builder *b, const struct ynode *v,
		    const char *key, const char *where, double dflt)
{
	return node_seconds_in(b, v, key, where, 0, 1e9, NULL, dflt);
}

double get_seconds(struct builder *b, const struct ynode *map,
		   const char *key, const char *where, double dflt)
{
	const struct ynode *v = ynode_get(map, key);
	if (is_null(v))
		return dflt;
	return node_seconds(b, v, key, where, dflt);
}

/* A string or a list of strings (as str()), e.g. dns, cap_add. */
static bool node_strlist(struct builder *b, const struct ynode *v,
			 const char *key, const char *where,
			 struct schema_strlist *out)
{
	memset(out, 0, sizeof(*out));
	if (is_null(v))
		return false;
	if (is_texty(v)) {
		out->v = mae_arena_alloc(b->a, sizeof(*out->v));
		out->v[0].s = mae_arena_strdup(b->a, v->str);
		out->v[0].pos = model_pos(b, v);
		out->v[0].secret = v->secret;
		out->n = 1;
		return true;
	}
	if (v->kind != YNODE_SEQ) {
		type_err(b, v, key, where, "a string or a list of strings");
		return false;
	}
	out->v = mae_arena_array(b->a, v->nitems, sizeof(*out->v));
	for (size_t i = 0; i < v->nitems; i++) {
		const struct ynode *it = v->items[i];
		if (!is_texty(it)) {
			model_err(b, it, "'%s' %s must list strings, not %s",
				  key, where, ynode_describe(it));
			continue;
		}
		out->v[out->n].s = mae_arena_strdup(b->a, it->str);
		out->v[out->n].pos = model_pos(b, it);
		out->v[out->n].secret = it->secret;
		out->n++;
	}
	return true;
}

bool get_strlist(struct builder *b, const struct ynode *map,
		 const char *key, const char *where,
		 struct schema_strlist *out)
{
	return node_strlist(b, ynode_get(map, key), key, where, out);
}

/* ------------------------------------------------------------------ */
/* Raw values (env, command, requests_options, audit)                   */


void copy_map(struct builder *b, const struct ynode *n,
	      struct schema_map *out)
{
	out->v = mae_arena_array(b->a, n->npairs, sizeof(*out->v));
	out->n = n->npairs;
	for (size_t i = 0; i < n->npairs; i++) {
		out->v[i].key = mae_arena_strdup(b->a, key_of(&n->pairs[i]));
		out->v[i].key_pos = model_pos(b, n->pairs[i].key);
		out->v[i].key_secret = n->pairs[i].key->secret;
		copy_value(b, n->pairs[i].value, &out->v[i].value);
	}
}

void copy_value(struct builder *b, const struct ynode *n,
		struct schema_value *out)
{
	out->kind = SCHEMA_V_SCALAR;
	out->type = SCHEMA_S_NULL;
	out->str = "None";
	out->str_len = 4;
	if (!n)
		return;
	out->pos = model_pos(b, n);
	if (++b->nvalues > MODEL_MAX_VALUES) {
		if (!b->values_overflow)
			model_err(b, n, "too many values (more than %zu, aliases expanded)",
				  MODEL_MAX_VALUES);
		b->values_overflow = true;
		return;
	}
	switch (n->kind) {
	case YNODE_SCALAR:
		out->type = (enum schema_stype)n->type;
		out->b = n->b;
		out->int_fits = n->int_fits;
		out->i = n->i;
		out->f = n->f;
		if (n->type == YSCALAR_STR && !n->timestamp) {
			out->str = mae_arena_strndup(b->a, n->text, n->text_len);
			out->str_len = n->text_len;
		} else {
			out->str = mae_arena_strdup(b->a, n->str ? n->str : "");
			out->str_len = strlen(out->str);
		}
		break;
	case YNODE_SEQ:
		out->kind = SCHEMA_V_LIST;
		out->items = mae_arena_array(b->a, n->nitems, sizeof(*out->items));
		out->nitems = n->nitems;
		for (size_t i = 0; i < n->nitems; i++)
			copy_value(b, n->items[i], &out->items[i]);
		break;
	case YNODE_MAP:
		out->kind = SCHEMA_V_MAP;
		struct schema_map m;
		copy_map(b, n, &m);
		out->pairs = m.v;
		out->npairs = m.n;
		break;
	}
}

const struct schema_value *schema_map_get(const struct schema_map *m,
					  const char *key)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0)
			return &m->v[i].value;
	return NULL;
}

static bool has_map_inside(const struct ynode *n, int depth)
{
	if (!n || depth > 64)
		return false;
	if (n->kind == YNODE_MAP)
		return true;
	if (n->kind == YNODE_SEQ)
		for (size_t i = 0; i < n->nitems; i++)
			if (has_map_inside(n->items[i], depth + 1))
				return true;
	return false;
}

/* env: a map of names to scalars or (nested) lists. */
const char *control_char_in(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return (const char *)p;
	return NULL;
}

void get_env(struct builder *b, const struct ynode *map,
	     const char *where, struct schema_map *out)
{
	memset(out, 0, sizeof(*out));
	const struct ynode *v = ynode_get(map, "env");
	if (!want_map(b, v, "env", where))
		return;
	for (size_t i = 0; i < v->npairs; i++) {
		const struct ynode *val = v->pairs[i].value;
		const char *why = env_name_problem(key_of(&v->pairs[i]));
		if (why)
			model_err(b, v->pairs[i].key,
				  "environment variable name %s %s is not "
				  "valid: %s", YNODE_QUOTE(v->pairs[i].key),
				  where, why);
		if (has_map_inside(val, 0))
			model_err(b, val,
				  "environment variable %s %s must be a scalar or a list, not a mapping",
				  YNODE_QUOTE(v->pairs[i].key), where);
	}
	copy_map(b, v, out);
}

static const char *join_path(struct builder *b, const char *p)
{
	const char *base = b->env->base_dir;
	if (p[0] == '/' || !base || !*base || strcmp(base, ".") == 0)
		return mae_arena_strdup(b->a, p);
	return mae_arena_printf(b->a, "%s%s%s", base,
			    mae_endswith(base, "/") ? "" : "/", p);
}

void get_envfile(struct builder *b, const struct ynode *map,
		 const char *where, struct schema_strlist *out)
{
	if (!get_strlist(b, map, "envfile", where, out))
		return;
	for (size_t i = 0; i < out->n; i++)
		out->v[i].s = join_path(b, out->v[i].s);
}

/* A map of user keys to str() values (labels, log_opt, lxc_conf, links). */
void get_strpairs(struct builder *b, const struct ynode *v,
		  const char *key, const char *where,
		  struct schema_strpairs *out)
{
	memset(out, 0, sizeof(*out));
	if (!want_map(b, v, key, where))
		return;
	out->v = mae_arena_array(b->a, v->npairs, sizeof(*out->v));
	for (size_t i = 0; i < v->npairs; i++) {
		const struct ynode *val = v->pairs[i].value;
		if (!val || val->kind != YNODE_SCALAR) {
			model_err(b, val, "value of %s in '%s' %s must be a scalar, not %s",
				  YNODE_QUOTE(v->pairs[i].key), key, where,
				  ynode_describe(val));
			continue;
		}
		struct schema_strpair *p = &out->v[out->n++];
		p->key = mae_arena_strdup(b->a, key_of(&v->pairs[i]));
		p->value = mae_arena_strdup(b->a, val->str ? val->str : "");
		p->pos = model_pos(b, v->pairs[i].key);
	}
}

/* ------------------------------------------------------------------ */
/* Ports                                                                */

/* One atom: PORT, PORT-PORT, with /tcp or /udp; *why says what is wrong
 * when it is not one. */
static bool port_atom(const char *s, unsigned *lo, unsigned *hi,
		      const char **proto, const char **why)
{
	unsigned long a = 0, z;
	const char *p = s;
	*why = NULL;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		a = a * 10 + (unsigned long)(*p++ - '0');
		if (a > 65535) {
			*why = "ports are 1 to 65535";
			return false;
		}
	}
	z = a;
	if (*p == '-') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		z = 0;
		while (*p >= '0' && *p <= '9') {
			z = z * 10 + (unsigned long)(*p++ - '0');
			if (z > 65535) {
				*why = "ports are 1 to 65535";
				return false;
			}
		}
	}
	*proto = "tcp";
	if (*p == '/') {
		if (strcmp(p + 1, "tcp") == 0)
			*proto = "tcp";
		else if (strcmp(p + 1, "udp") == 0)
			*proto = "udp";
		else {
			*why = "the protocol is tcp or udp";
			return false;
		}
	} else if (*p) {
		return false;
	}
	if (a == 0) {
		*why = "ports are 1 to 65535";
		return false;
	}
	if (z < a) {
		*why = "a range ends at or above its start";
		return false;
	}
	*lo = (unsigned)a;
	*hi = (unsigned)z;
	return true;
}

static const char *atom_text(struct builder *b, unsigned lo, unsigned hi,
			     const char *proto)
{
	if (lo == hi)
		return mae_arena_printf(b->a, "%u/%s", lo, proto);
	return mae_arena_printf(b->a, "%u-%u/%s", lo, hi, proto);
}

static void warn_sexagesimal(struct builder *b, const struct ynode *v,
			     const char *qn, const char *where)
{
	if (!is_scalar(v, YSCALAR_INT) || v->quoted || !v->text ||
	    !memchr(v->text, ':', v->text_len))
		return;
	if (v->secret)
		model_warn(b, v,
			   "port %s %s: %s is a YAML 1.1 sexagesimal number; %s",
			   qn, where, YNODE_SECRET_TEXT, YNODE_SECRET_HINT);
	else
		model_warn(b, v,
			   "port %s %s: '%s' is the YAML 1.1 sexagesimal number %s; quote it to map one port to another",
			   qn, where, MAE_QUOTE(v->text), MAE_QUOTE(v->str));
}

#define PORT_FORMS "expected PORT, PORT-PORT or PORT/tcp|udp, or EXPOSED:EXTERNAL"

/* An atom from an int or a string node. */
static bool port_side(struct builder *b, const struct ynode *v,
		      const char *qn, const char *where, unsigned *lo,
		      unsigned *hi, const char **proto)
{
	if (!v || !(is_scalar(v, YSCALAR_INT) || is_scalar(v, YSCALAR_STR))) {
		model_err(b, v, "invalid port spec for port %s %s: %s, not %s",
			  qn, where, PORT_FORMS, ynode_describe(v));
		return false;
	}
	warn_sexagesimal(b, v, qn, where);
	const char *why;
	if (!port_atom(v->str, lo, hi, proto, &why)) {
		model_err(b, v, "invalid port spec %s for port %s %s (%s)",
			  YNODE_QUOTE_AS(v, v->str), qn, where,
			  why ? why : PORT_FORMS);
		return false;
	}
	return true;
}

static bool parse_port(struct builder *b, const struct ynode *key,
		       const struct ynode *v, const char *where,
		       struct schema_port *out)
{
	const char *name = key && key->str ? key->str : "";
	const char *qn = YNODE_QUOTE(key);
	unsigned elo, ehi, xlo, xhi;
	const char *eproto, *xproto;
	const struct ynode *errnode = v;
	out->name = mae_arena_strdup(b->a, name);
	out->pos = model_pos(b, v);
	out->external_ip = "0.0.0.0";
	if (is_scalar(v, YSCALAR_STR)) {
		const char *s = v->str;
		const char *colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':')) {
			model_err(b, v, "invalid port spec %s for port %s %s (%s)",
				  YNODE_QUOTE(v), qn, where,
				  PORT_FORMS);
			return false;
		}
		char *first = mae_xstrndup(s, colon ? (size_t)(colon - s)
						    : strlen(s));
		const char *why = NULL;
		bool ok = port_atom(first, &elo, &ehi, &eproto, &why);
		free(first);
		if (ok && colon)
			ok = port_atom(colon + 1, &xlo, &xhi, &xproto, &why);
		else if (ok) {
			xlo = elo, xhi = ehi, xproto = eproto;
		}
		if (!ok) {
			model_err(b, v, "invalid port spec %s for port %s %s (%s)",
				  YNODE_QUOTE(v), qn, where,
				  why ? why : PORT_FORMS);
			return false;
		}
	} else if (is_scalar(v, YSCALAR_INT)) {
		if (!port_side(b, v, qn, where, &elo, &ehi, &eproto))
			return false;
		xlo = elo, xhi = ehi, xproto = eproto;
	} else if (v && v->kind == YNODE_MAP) {
		char *w = mae_xasprintf("in port %s %s", qn, where);
		check_keys(b, v, port_map_keys, w);
		free(w);
		const struct ynode *ex = ynode_get(v, "exposed");
		const struct ynode *xt = ynode_get(v, "external");
		if (!ex || !xt) {
			model_err(b, v, "missing '%s' in port %s %s",
				  ex ? "external" : "exposed", qn, where);
			return false;
		}
		if (!port_side(b, ex, qn, where, &elo, &ehi, &eproto))
			return false;
		if (xt->kind == YNODE_SEQ) {
			if (xt->nitems != 2 || !is_texty(xt->items[0])) {
				model_err(b, xt,
					  "invalid external spec for port %s %s: expected [HOST_IP, PORT]",
					  qn, where);
				return false;
			}
			out->external_ip = mae_arena_strdup(b->a, xt->items[0]->str);
			xt = xt->items[1];
		}
		if (!port_side(b, xt, qn, where, &xlo, &xhi, &xproto))
			return false;
		errnode = xt;
	} else {
		model_err(b, v, "invalid port spec for port %s %s: %s, not %s",
			  qn, where, PORT_FORMS, ynode_describe(v));
		return false;
	}
	out->exposed = atom_text(b, elo, ehi, eproto);
	out->external = atom_text(b, xlo, xhi, xproto);
	if (strcmp(eproto, xproto) != 0 && (v->secret || errnode->secret)) {
		model_err(b, errnode,
			  "mismatched protocols between %s and %s for port %s %s",
			  YNODE_SECRET_TEXT, "the other side", qn, where);
		return false;
	}
	if (strcmp(eproto, xproto) != 0) {
		model_err(b, errnode,
			  "mismatched protocols between '%s' and '%s' for port %s %s",
			  out->exposed, out->external, qn, where);
		return false;
	}
	out->exposed_lo = elo, out->exposed_hi = ehi;
	out->external_lo = xlo, out->external_hi = xhi;
	out->proto = eproto;
	return true;
}

void get_ports(struct builder *b, const struct ynode *map,
	       const char *where, struct schema_port **ret,
	       size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	const struct ynode *v = ynode_get(map, "ports");
	if (!want_map(b, v, "ports", where))
		return;
	struct schema_port *ports = mae_arena_array(b->a, v->npairs, sizeof(*ports));
	size_t n = 0;
	for (size_t i = 0; i < v->npairs; i++)
		if (parse_port(b, v->pairs[i].key, v->pairs[i].value,
			       where, &ports[n]))
			n++;
	*ret = ports;
	*ret_n = n;
}

/* ------------------------------------------------------------------ */
/* Limits                                                               */

/* Bytes: an integer, or digits with a k/m/g suffix (spec §4.4). */
static bool parse_bytes(struct builder *b, const struct ynode *v,
			const char *key, const char *where, int64_t *out)
{
	if (is_scalar(v, YSCALAR_INT)) {
		if (!v->int_fits || v->i < 0) {
			model_err(b, v, "invalid %s limit %s %s", key,
				  YNODE_QUOTE_AS(v, v->str),
				  where);
			return false;
		}
		*out = v->i;
		return true;
	}
	if (!is_scalar(v, YSCALAR_STR)) {
		type_err(b, v, key, where, "a number of bytes (e.g. 512m)");
		return false;
	}
	const char *s = v->str;
	size_t len = strlen(s);
	int64_t mult = 1;
	size_t ndig = len;
	if (len > 0 && !(s[len - 1] >= '0' && s[len - 1] <= '9')) {
		switch (s[len - 1]) {
		case 'k': case 'K':
			mult = 1024;
			break;
		case 'm': case 'M':
			mult = 1024 * 1024;
			break;
		case 'g': case 'G':
			mult = 1024 * 1024 * 1024;
			break;
		default:
			if (v->secret)
				model_err(b, v, "unknown unit suffix in %s limit %s %s (use k, m or g)",
					  key, YNODE_QUOTE(v), where);
			else
				model_err(b, v, "unknown unit suffix '%c' in %s limit %s %s (use k, m or g)",
					  s[len - 1], key, YNODE_QUOTE(v), where);
			return false;
		}
		ndig = len - 1;
	}
	int64_t x = 0;
	if (ndig == 0)
		goto bad;
	for (size_t i = 0; i < ndig; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		if (x > (INT64_MAX - 9) / 10)
			goto bad;
		x = x * 10 + (s[i] - '0');
	}
	if (x > INT64_MAX / mult)
		goto bad;
	*out = x * mult;
	return true;
bad:
	model_err(b, v, "invalid %s limit %s %s (expected a whole number with an optional k, m or g suffix)",
		  key, YNODE_QUOTE(v), where);
	return false;
}

void get_limits(struct builder *b, const struct ynode *map,
		const char *where, struct schema_limits *out)
{
	memset(out, 0, sizeof(*out));
	const struct ynode *v = ynode_get(map, "limits");
	if (!want_map(b, v, "limits", where))
		return;
	char *w = mae_xasprintf("in limits of %s", where + 3);
	check_keys(b, v, limits_keys, w);
	const struct ynode *c = ynode_get(v, "cpu");
	if (!is_null(c)) {
		out->cpu = node_int(b, c, "cpu", w, 0, INT64_MAX, 0);
		out->has_cpu = is_scalar(c, YSCALAR_INT) && c->int_fits &&
			       c->i >= 0;
		out->cpu_pos = model_pos(b, c);
	}
	const struct ynode *m = ynode_get(v, "memory");
	if (!is_null(m)) {
		out->has_memory = parse_bytes(b, m, "memory", where, &out->memory);
		out->memory_pos = model_pos(b, m);
	}
	const struct ynode *s = ynode_get(v, "swap");
	if (!is_null(s)) {
		out->has_swap = parse_bytes(b, s, "swap", where, &out->swap);
		out->swap_pos = model_pos(b, s);
	}
	free(w);
}
