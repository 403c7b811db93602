/*
 * model-instance.c - one instance of a service: its keywords, what it
 * inherits from its service, its checks.  Part of the model builder
 * (model.c).
 */
#include "model-priv.h"

#include <stdlib.h>
#include <string.h>
#include <limits.h>

/* ------------------------------------------------------------------ */
/* Instances                                                            */

static void get_volumes(struct builder *b, const struct ynode *map,
			const char *where, struct schema_instance *c)
{
	const struct ynode *v = ynode_get(map, "volumes");
	if (!want_map(b, v, "volumes", where))
		return;
	c->volumes = mae_arena_array(b->a, v->npairs, sizeof(*c->volumes));
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = key_of(&v->pairs[i]);
		const struct ynode *val = v->pairs[i].value;
		struct schema_bind *bd = &c->volumes[c->nvolumes];
		bd->pos = model_pos(b, v->pairs[i].key);
		bd->mode = "rw";
		if (b->env->schema_version == 1) {
			/* schema 1: container path: host path, always rw */
			if (!is_texty(val)) {
				model_err(b, val,
					  "invalid volume %s %s: schema 1 maps a container path to a host path, not %s",
					  YNODE_QUOTE(v->pairs[i].key), where, ynode_describe(val));
				continue;
			}
			bd->target = mae_arena_strdup(b->a, k);
			bd->host = mae_arena_strdup(b->a, val->str);
		} else if (is_texty(val)) {
			bd->host = mae_arena_strdup(b->a, k);
			bd->target = mae_arena_strdup(b->a, val->str);
		} else if (val && val->kind == YNODE_MAP &&
			   is_texty(ynode_get(val, "target"))) {
			char *w = mae_xasprintf("in volume %s %s",
						YNODE_QUOTE(v->pairs[i].key), where);
			check_keys(b, val, volume_map_keys, w);
			bd->host = mae_arena_strdup(b->a, k);
			bd->target = mae_arena_strdup(b->a, ynode_get(val, "target")->str);
			const char *mode = get_str(b, val, "mode", w, false);
			free(w);
			if (mode)
				bd->mode = mode;
		} else {
			model_err(b, val ? val : v->pairs[i].key,
				  "invalid volume %s %s: expected a container path or {target, mode}, not %s",
				  YNODE_QUOTE(v->pairs[i].key), where, ynode_describe(val));
			continue;
		}
		if (control_char_in(bd->host) || control_char_in(bd->target)) {
			model_err(b, v->pairs[i].key, "invalid volume %s %s: "
				  "a path must not hold a control character",
				  YNODE_QUOTE(v->pairs[i].key), where);
			continue;
		}
		/* Docker reads a bind as HOST:CONTAINER[:MODE], split at ':' */
		const struct ynode *val_path =
			is_texty(val) ? val : ynode_get(val, "target");
		bool host_colon = strchr(bd->host, ':') != NULL;
		if (host_colon || strchr(bd->target, ':')) {
			bool key_side = host_colon == (b->env->schema_version != 1);
			const struct ynode *at = key_side ? v->pairs[i].key
							  : val_path;
			model_err(b, at,
				  "invalid volume %s %s: the %s path %s holds "
				  "':', which Docker's bind syntax "
				  "(HOST:CONTAINER:MODE) cannot carry",
				  YNODE_QUOTE(v->pairs[i].key), where,
				  host_colon ? "host" : "container",
				  YNODE_QUOTE_AS(at, host_colon ? bd->host
								: bd->target));
			continue;
		}
		c->nvolumes++;
	}
}

/*
 * Docker's rule for container names ([a-zA-Z0-9][a-zA-Z0-9_.-]*), a
 * length maestro bounds, and the hostname an instance also gets unless
 * `net` says otherwise (Linux: at most 64 bytes).
 */
#define CONTAINER_NAME_MAX 255
#define HOSTNAME_MAX 64

static void check_container_name(struct builder *b, const struct ynode *key,
				 const char *name, bool hostname)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') ||
			  (i > 0 && (ch == '_' || ch == '.' || ch == '-'));
		if (!ok) {
			model_err(b, key, "instance name %s is not a valid "
				  "container name: Docker's are "
				  "[a-zA-Z0-9][a-zA-Z0-9_.-]* (%s at offset %zu)",
				  YNODE_QUOTE_AS(key, name),
				  key->secret ? "a character not allowed" :
				  ch < 0x20 || ch >= 0x7f ? "a control or non-ASCII "
				  "character" : mae_arena_printf(b->a, "'%c'", ch), i);
			return;
		}
	}
	if (n == 0)
		model_err(b, key, "an instance name is empty");
	else if (n > CONTAINER_NAME_MAX)
		model_err(b, key, "instance name %s is %zu characters: at most "
			  "%d", YNODE_QUOTE_AS(key, name), n, CONTAINER_NAME_MAX);
	else if (hostname && n > HOSTNAME_MAX)
		model_err(b, key, "instance name %s is %zu characters: it is "
			  "also the container's hostname, at most %d (set 'net' "
			  "or shorten it)", YNODE_QUOTE_AS(key, name), n,
			  HOSTNAME_MAX);
}

static void get_restart(struct builder *b, const struct ynode *map,
			const char *where, struct schema_restart *r)
{
	static const char *const names[] = {
		"no", "always", "on-failure", "unless-stopped", NULL,
	};
	r->name = "no";
	r->retries = 0;
	const struct ynode *v = ynode_get(map, "restart");
	if (is_null(v) || (is_scalar(v, YSCALAR_BOOL) && !v->b))
		return; /* YAML `no` is false: the default */
	r->pos = model_pos(b, v);
	const char *name = NULL;
	const struct ynode *namenode = v;
	if (is_scalar(v, YSCALAR_STR)) {
		const char *s = v->str;
		const char *colon = strchr(s, ':');
		name = mae_arena_strndup(b->a, s, colon ? (size_t)(colon - s) : strlen(s));
		if (colon) {
			char *end;
			const char *num = colon + 1;
			long n = strtol(num, &end, 10);
			if (!*num || *end || n < 0 || n > 1000000 ||
			    !(num[0] >= '0' && num[0] <= '9')) {
				model_err(b, v, "invalid restart policy format %s %s (expected NAME or NAME:RETRIES)",
					  YNODE_QUOTE(v), where);
				return;
			}
			r->retries = (int)n;
		}
	} else if (v->kind == YNODE_MAP) {
		const char *w = mae_arena_printf(b->a, "in restart of %s", where + 3);
		check_keys(b, v, restart_keys, w);
		namenode = ynode_get(v, "name");
		name = get_str(b, v, "name", w, false);
		if (!name)
			name = "no";
		const struct ynode *rt = ynode_get(v, "retries");
		const struct ynode *mr = ynode_get(v, "maximum_retry_count");
		if (rt && mr)
			model_err(b, mr, "'retries' and 'maximum_retry_count' %s say the same thing: keep one",
				  w);
		if (!rt)
			rt = mr;
		if (!is_null(rt))
			r->retries = (int)node_int(b, rt, rt == mr ? "maximum_retry_count"
								  : "retries",
						   w, 0, 1000000, 0);
	} else {
		model_err(b, v, "invalid restart policy %s: expected a name, NAME:RETRIES or {name, retries}, not %s",
			  where, ynode_describe(v));
		return;
	}
	if (!in_list(name, names)) {
		const char *hint = mae_suggest(name, names, list_len(names));
		if (hint)
			model_err(b, namenode ? namenode : v,
				  "invalid restart policy %s %s (did you mean '%s'?)",
				  YNODE_QUOTE_AS(namenode ? namenode : v, name),
				  where, hint);
		else
			model_err(b, namenode ? namenode : v,
				  "invalid restart policy %s %s (choose one of no, always, on-failure, unless-stopped)",
				  YNODE_QUOTE_AS(namenode ? namenode : v, name),
				  where);
		return;
	}
	r->name = name;
}

static void get_ulimits(struct builder *b, const struct ynode *map,
			const char *where, struct schema_instance *c)
{
	const struct ynode *v = ynode_get(map, "ulimits");
	if (!want_map(b, v, "ulimits", where))
		return;
	c->ulimits = mae_arena_array(b->a, v->npairs, sizeof(*c->ulimits));
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = key_of(&v->pairs[i]);
		const struct ynode *val = v->pairs[i].value;
		struct schema_ulimit *u = &c->ulimits[c->nulimits];
		u->name = mae_arena_strdup(b->a, k);
		u->pos = model_pos(b, v->pairs[i].key);
		const char *qk = YNODE_QUOTE(v->pairs[i].key);
		const char *w = mae_arena_printf(b->a, "in ulimit %s %s", qk, where);
		if (is_scalar(val, YSCALAR_INT)) {
			const char *uw = mae_arena_printf(b->a, "in ulimits of %s", where + 3);
			u->soft = u->hard = node_int(b, val, k, uw, INT64_MIN + 1,
						     INT64_MAX, 0);
			if (val->int_fits)
				c->nulimits++;
			continue;
		}
		if (!val || val->kind != YNODE_MAP) {
			model_err(b, val ? val : v->pairs[i].key,
				  "ulimit %s %s must be an integer or {soft, hard}, not %s",
				  qk, where, ynode_describe(val));
			continue;
		}
		check_keys(b, val, ulimit_keys, w);
		const struct ynode *so = ynode_get(val, "soft");
		const struct ynode *ha = ynode_get(val, "hard");
		if (is_null(so) || is_null(ha)) {
			model_err(b, val, "missing '%s' %s", is_null(so) ? "soft" : "hard", w);
			continue;
		}
		u->soft = node_int(b, so, "soft", w, INT64_MIN + 1, INT64_MAX, 0);
		u->hard = node_int(b, ha, "hard", w, INT64_MIN + 1, INT64_MAX, 0);
		c->nulimits++;
	}
}

static void get_labels(struct builder *b, const struct ynode *map,
		       const char *where, struct schema_instance *c)
{
	const struct ynode *v = ynode_get(map, "labels");
	if (is_null(v))
		return;
	c->has_labels = true;
	if (v->kind == YNODE_MAP) {
		get_strpairs(b, v, "labels", where, &c->labels);
		return;
	}
	if (v->kind != YNODE_SEQ) {
		model_err(b, v, "invalid labels %s: must be a list or a mapping, not %s",
			  where, ynode_describe(v));
		c->has_labels = false;
		return;
	}
	c->labels.v = mae_arena_array(b->a, v->nitems, sizeof(*c->labels.v));
	for (size_t i = 0; i < v->nitems; i++) {
		const struct ynode *it = v->items[i];
		if (!is_texty(it)) {
			model_err(b, it, "'labels' %s must list strings, not %s",
				  where, ynode_describe(it));
			continue;
		}
		struct schema_strpair *p = &c->labels.v[c->labels.n++];
		p->key = mae_arena_strdup(b->a, it->str);
		p->value = "";
		p->pos = model_pos(b, it);
	}
}

static const char *const log_drivers[] = {
	"json-file", "syslog", "journald", "gelf", "fluentd", "awslogs",
	"splunk", "etwlogs", "gcplogs", "logentries", "local", "none", NULL,
};

static void unknown_ship(struct builder *b, const struct ynode *n,
			 const char *name, const char *where)
{
	const char **names = mae_xcalloc(b->env->nships + 1, sizeof(char *));
	size_t nnames = 0;
	for (size_t j = 0; j < b->env->nships && !quiet(b); j++)
		if (suggestible(b->env->ships[j].qname))
			names[nnames++] = b->env->ships[j].name;
	const char *hint = quiet(b) ? NULL : mae_suggest(name, names, nnames);
	if (hint)
		model_err(b, n, "unknown ship %s %s (did you mean '%s'?)",
			  YNODE_QUOTE_AS(n, name),
			  where, hint);
	else
		model_err(b, n, "unknown ship %s %s", YNODE_QUOTE_AS(n, name),
			  where);
	free(names);
}

static void get_extra_hosts(struct builder *b, const struct ynode *map,
			    const char *where, struct schema_instance *c)
{
	const struct ynode *v = ynode_get(map, "extra_hosts");
	if (!want_map(b, v, "extra_hosts", where))
		return;
	c->extra_hosts.v = mae_arena_array(b->a, v->npairs, sizeof(*c->extra_hosts.v));
	for (size_t i = 0; i < v->npairs; i++) {
		const char *k = key_of(&v->pairs[i]);
		const struct ynode *val = v->pairs[i].value;
		const char *ip = NULL;
		if (is_texty(val)) {
			ip = mae_arena_strdup(b->a, val->str);
		} else if (val && val->kind == YNODE_MAP &&
			   val->npairs == 1 && ynode_get(val, "ship")) {
			const struct ynode *sn = ynode_get(val, "ship");
			if (!is_texty(sn)) {
				type_err(b, sn, "ship", where, "a ship name");
				continue;
			}
			struct schema_ship *s = schema_env_ship(b->env, sn->str);
			if (!s) {
				char *ew = mae_xasprintf("in extra_hosts %s %s",
							 YNODE_QUOTE(v->pairs[i].key),
							 where);
				unknown_ship(b, sn, sn->str, ew);
				free(ew);
				continue;
			}
			ip = s->ip ? s->ip : "";
		} else {
			model_err(b, val ? val : v->pairs[i].key,
				  "extra host %s %s must be an address or {ship: NAME}, not %s",
				  YNODE_QUOTE(v->pairs[i].key), where, ynode_describe(val));
			continue;
		}
		struct schema_strpair *p = &c->extra_hosts.v[c->extra_hosts.n++];
		p->key = mae_arena_strdup(b->a, k);
		p->value = ip;
		p->pos = model_pos(b, v->pairs[i].key);
	}
}

/* Copy the service's checks and append the instance's (fresh arrays). */
static void merge_checks(struct builder *b, const struct schema_service *svc,
			 struct schema_checks own[SCHEMA_NSTATES],
			 struct schema_instance *c)
{
	for (int st = 0; st < SCHEMA_NSTATES; st++) {
		size_t n = svc->lifecycle[st].n + own[st].n;
		c->lifecycle[st].v = mae_arena_array(b->a, n, sizeof(struct schema_check));
		if (svc->lifecycle[st].n)
			memcpy(c->lifecycle[st].v, svc->lifecycle[st].v,
			       svc->lifecycle[st].n * sizeof(struct schema_check));
		if (own[st].n)
			memcpy(c->lifecycle[st].v + svc->lifecycle[st].n, own[st].v,
			       own[st].n * sizeof(struct schema_check));
		c->lifecycle[st].n = n;
	}
}

static void merge_ports(struct builder *b, const struct schema_service *svc,
			struct schema_port *own, size_t nown,
			struct schema_instance *c)
{
	c->ports = mae_arena_array(b->a, svc->nports + nown, sizeof(*c->ports));
	for (size_t i = 0; i < svc->nports; i++) {
		c->ports[c->nports] = svc->ports[i];
		c->ports[c->nports++].from_service = true;
	}
	/* own names are distinct (a YAML map): only the service's are
	 * looked up, in constant time */
	struct mae_map ix;
	mae_map_init(&ix, NULL);
	if (nown)
		for (size_t i = 0; i < svc->nports; i++)
			mae_map_add(&ix, svc->ports[i].name, &c->ports[i]);
	for (size_t i = 0; i < nown; i++) {
		struct schema_port *same = mae_map_get(&ix, own[i].name);
		if (same)
			*same = own[i];
		else
			c->ports[c->nports++] = own[i];
	}
	mae_map_release(&ix);
}

static void merge_limits(const struct schema_limits *s,
			 const struct schema_limits *own,
			 struct schema_limits *out)
{
	*out = *s;
	if (own->has_cpu)
		out->has_cpu = true, out->cpu = own->cpu, out->cpu_pos = own->cpu_pos;
	if (own->has_memory)
		out->has_memory = true, out->memory = own->memory,
		out->memory_pos = own->memory_pos;
	if (own->has_swap)
		out->has_swap = true, out->swap = own->swap,
		out->swap_pos = own->swap_pos;
}

/* Tie tcp/http checks to the instance's ports. */
static void resolve_checks(struct builder *b, struct schema_instance *c)
{
	for (int st = 0; st < SCHEMA_NSTATES; st++) {
		for (size_t i = 0; i < c->lifecycle[st].n; i++) {
			struct schema_check *k = &c->lifecycle[st].v[i];
			if ((k->type != SCHEMA_CHECK_TCP &&
			     k->type != SCHEMA_CHECK_HTTP) || !k->port)
				continue;
			const struct schema_port *p = schema_instance_port(c, k->port);
			const char *tn = schema_check_type_name(k->type);
			if (!p && k->type == SCHEMA_CHECK_HTTP) {
				char *end;
				long n = strtol(k->port, &end, 10);
				if (*k->port && !*end && n >= 1 && n <= 65535) {
					k->port_number = (int)n;
					continue;
				}
			}
			if (!p) {
				pos_err(b, &k->port_pos,
					"port %s of %s check (%s) is not defined by instance %s",
					YNODE_QUOTE_AS(secret_if(k->port_secret), k->port),
					tn, state_names[st], c->qname);
				continue;
			}
			if (strcmp(p->proto, "tcp") != 0) {
				pos_err(b, &k->port_pos,
					"port %s of %s check (%s) of instance %s is not TCP",
					YNODE_QUOTE_AS(secret_if(k->port_secret), k->port),
					tn, state_names[st], c->qname);
				continue;
			}
			if (p->external_lo != p->external_hi) {
				pos_err(b, &k->port_pos,
					"port %s of %s check (%s) of instance %s is a range; a check needs one port",
					YNODE_QUOTE_AS(secret_if(k->port_secret), k->port),
					tn, state_names[st], c->qname);
				continue;
			}
			k->port_ref = p;
		}
	}
}

void build_instance(struct builder *b, struct schema_service *svc,
		    struct schema_instance *c, const char *name,
		    const struct ynode *keynode, const struct ynode *v)
{
	c->qname = mae_arena_strdup(b->a, YNODE_QUOTE_AS(keynode, name));
	const char *w = mae_arena_printf(b->a, "in instance %s", c->qname);
	c->name = mae_arena_strdup(b->a, name);
	c->pos = model_pos(b, keynode);
	c->service = svc;
	check_keys(b, v, instance_keys, w);

	const struct ynode *sn = ynode_get(v, "ship");
	if (!sn) {
		model_err(b, v, "missing 'ship' %s", w);
	} else if (!is_texty(sn)) {
		type_err(b, sn, "ship", w, "a ship name");
	} else {
		c->ship = schema_env_ship(b->env, sn->str);
		c->ship_pos = model_pos(b, sn);
		if (!c->ship)
			unknown_ship(b, sn, sn->str, w);
	}
	c->image = get_str(b, v, "image", w, false);
	if (c->image && !*c->image) {
		model_err(b, ynode_get(v, "image"), "'image' %s must not be empty", w);
		c->image = NULL;
	}
	if (!c->image)
		c->image = svc->image;

	const struct ynode *cmd = ynode_get(v, "command");
	const char *cmdkey = "command";
	if (!cmd) {
		cmd = ynode_get(v, "cmd");
		cmdkey = "cmd";
	}
	if (!is_null(cmd)) {
		if (is_texty(cmd) || cmd->kind == YNODE_SEQ) {
			bool ok = true;
			for (size_t i = 0; cmd->kind == YNODE_SEQ && i < cmd->nitems; i++)
				if (!is_texty(cmd->items[i])) {
					model_err(b, cmd->items[i], "'%s' %s must list strings, not %s",
						  cmdkey, w, ynode_describe(cmd->items[i]));
					ok = false;
				}
			if (ok) {
				struct schema_value *cv = mae_arena_alloc(b->a, sizeof(*cv));
				copy_value(b, cmd, cv);
				c->command = cv;
			}
		} else {
			type_err(b, cmd, cmdkey, w, "a string or a list");
		}
	}

	get_env(b, v, w, &c->env);
	get_envfile(b, v, w, &c->envfile);
	get_strlist(b, v, "secret_env", w, &c->secret_env);

	struct schema_port *ports;
	size_t nports;
	get_ports(b, v, w, &ports, &nports);
	merge_ports(b, svc, ports, nports, c);
	/* a range is one entry per port in the create body */
	size_t expanded = 0;
	for (size_t i = 0; i < c->nports; i++)
		expanded += c->ports[i].exposed_hi - c->ports[i].exposed_lo + 1u;
	if (expanded > SCHEMA_PORTS_EXPANDED_MAX)
		model_err(b, ynode_get(v, "ports") ? ynode_get(v, "ports") : v,
			  "instance %s has %zu ports once ranges are expanded: "
			  "at most %d (every port of tcp and udp)",
			  c->qname, expanded, SCHEMA_PORTS_EXPANDED_MAX);

	get_volumes(b, v, w, c);
	get_strlist(b, v, "container_volumes", w, &c->container_volumes);
	get_strlist(b, v, "volumes_from", w, &c->volumes_from_names);
	get_strpairs(b, ynode_get(v, "links"), "links", w, &c->links);

	c->username = get_str(b, v, "username", w, false);
	c->workdir = get_str(b, v, "workdir", w, false);
	c->privileged = get_bool(b, v, "privileged", w, false);
	get_strlist(b, v, "cap_add", w, &c->cap_add);
	get_strlist(b, v, "cap_drop", w, &c->cap_drop);
	get_extra_hosts(b, v, w, c);
	c->net = get_str(b, v, "net", w, false);
	check_container_name(b, keynode, name, !c->net);
	get_restart(b, v, w, &c->restart);
	c->has_dns = get_strlist(b, v, "dns", w, &c->dns);
	c->stop_timeout = (int)get_int(b, v, "stop_timeout", w, 0, 1000000, 10);

	struct schema_limits own;
	get_limits(b, v, w, &own);
	merge_limits(&svc->limits, &own, &c->limits);

	const struct ynode *ld = ynode_get(v, "log_driver");
	c->log_driver = get_str(b, v, "log_driver", w, false);
	if (c->log_driver && !in_list(c->log_driver, log_drivers)) {
		const char *hint = mae_suggest(c->log_driver, log_drivers,
					       list_len(log_drivers));
		if (hint)
			model_err(b, ld, "unknown log_driver %s %s (did you mean '%s'?)",
				  YNODE_QUOTE(ld), w, hint);
		else
			model_err(b, ld, "unknown log_driver %s %s (one of json-file, syslog, journald, gelf, fluentd, awslogs, splunk, etwlogs, gcplogs, logentries, local, none)",
				  YNODE_QUOTE(ld), w);
		c->log_driver = NULL;
	}
	get_strpairs(b, ynode_get(v, "log_opt"), "log_opt", w, &c->log_opt);

	const struct ynode *so = ynode_get(v, "security_opt");
	if (!is_null(so)) {
		if (so->kind != YNODE_SEQ)
			type_err(b, so, "security_opt", w, "a list of strings");
		else
			c->has_security_opt = get_strlist(b, v, "security_opt", w,
							  &c->security_opt);
	}
	get_ulimits(b, v, w, c);
	get_labels(b, v, w, c);
	const struct ynode *lx = ynode_get(v, "lxc_conf");
	if (!is_null(lx)) {
		model_warn(b, ynode_get_pair(v, "lxc_conf")->key,
			   "'lxc_conf' %s is ignored (Docker dropped the LXC driver in 1.10)",
			   w);
		get_strpairs(b, lx, "lxc_conf", w, &c->lxc_conf);
	}

	struct schema_checks own_checks[SCHEMA_NSTATES];
	get_lifecycle(b, v, w, false, own_checks);
	merge_checks(b, svc, own_checks, c);
	resolve_checks(b, c);

	/* a bind target that is also a container-only volume */
	for (size_t i = 0; i < c->nvolumes; i++)
		for (size_t j = 0; j < c->container_volumes.n; j++)
			if (strcmp(c->volumes[i].target,
				   c->container_volumes.v[j].s) == 0)
				pos_err(b, &c->container_volumes.v[j].pos,
					"conflict in instance %s between bind-mounted volume and container-only volume on %s",
					c->qname, STR_QUOTE(&c->container_volumes.v[j]));
}
