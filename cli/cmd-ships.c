/*
 * cmd-ships.c - `maestro ships [--json]`: every ship of the description
 * with its transport, whether its daemon answers (and why not), its Docker
 * and API versions and container counts (docs/cmd-ships.md).  All ships
 * are probed at once, one thread each, so the command takes about as long
 * as the slowest ship's timeout.  Exit 1 when any ship is unreachable or
 * a call after its _ping failed.
 */
#include "cli.h"
#include "cli-model.h"
#include "compiler.h"
#include "executor.h"
#include "schema.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ships_run(const struct cli_globals *g, const struct cli_args *a);

const struct cli_command cmd_ships = {
	.name = "ships",
	.alias = NULL,
	.summary = "every ship: transport, reachability, versions",
	.usage = "maestro [-f FILE] ships [--json]",
	.help = "Probes every ship of the description at once: is its Docker\n"
		"daemon reachable (and if not, why), which Docker and API versions\n"
		"it runs, how many containers of this environment it holds.\n\n"
		"--json prints one JSON object (docs/cmd-ships.md).\n\n"
		"Exit status: 0 every ship answered every call, 1 some ship\n"
		"is unreachable or a call failed,\n"
		"3 the description is invalid.\n",
	.shared = CLI_F(JSON),
	.max_operands = 0,
	.run = ships_run,
};

struct probe {
	struct ship_conn conn;
	bool debug;
	const char *environment;
	char *url;
	bool reachable;
	char error[MAE_ERROR_MSG_MAX];
	char *docker_version;
	char *api_version;
	long containers;       /* -1: unknown */
	long containers_total; /* -1: unknown */
};

static void *probe_run(void *arg)
{
	struct probe *p = arg;
	struct ship_client *cl = NULL;
	struct mae_error e;
	json_t *j = NULL;
	mae_error_clear(&e);
	p->containers = p->containers_total = -1;
	if (ship_client_new(&p->conn, &cl, &e))
		goto fail;
	if (p->debug)
		ship_client_set_trace(cl, cli_trace_call, NULL);
	if (ship_ping(cl, &e))
		goto fail;
	p->reachable = true;
	const char *api = NULL;
	if (ship_client_api_version(cl, &api, &e))
		goto fail;
	p->api_version = mae_xstrdup(api);
	if (ship_version(cl, &j, &e))
		goto fail;
	const char *v = json_string_value(json_object_get(j, "Version"));
	p->docker_version = mae_xstrdup(v ? v : "");
	json_decref(j);
	if (ship_info(cl, &j, &e))
		goto fail;
	json_t *n = json_object_get(j, "Containers");
	if (json_is_integer(n))
		p->containers_total = (long)json_integer_value(n);
	json_decref(j);
	char *label = mae_xasprintf("maestro.environment=%s", p->environment);
	const char *labels[] = { label };
	int rc = ship_containers_by_labels(cl, labels, 1, &j, &e);
	free(label);
	if (rc)
		goto fail;
	p->containers = (long)json_array_size(j);
	json_decref(j);
	ship_client_free(cl);
	return NULL;
fail:
	snprintf(p->error, sizeof(p->error), "%s", e.msg);
	ship_client_free(cl);
	return NULL;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *count_or_null(long n)
{
	return n >= 0 ? json_integer(n) : json_null();
}

static void print_json(struct probe *p, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(p[i].conn.name));
		json_object_set_new(o, "transport", json_string(
			ship_transport_name(p[i].conn.transport)));
		json_object_set_new(o, "endpoint", json_string(p[i].url));
		json_object_set_new(o, "reachable", json_boolean(p[i].reachable));
		json_object_set_new(o, "error", str_or_null(
			p[i].error[0] ? p[i].error : NULL));
		json_object_set_new(o, "docker_version",
				    str_or_null(p[i].docker_version));
		json_object_set_new(o, "api_version",
				    str_or_null(p[i].api_version));
		json_object_set_new(o, "containers",
				    count_or_null(p[i].containers));
		json_object_set_new(o, "containers_total",
				    count_or_null(p[i].containers_total));
		json_array_append_new(arr, o);
	}
	json_t *top = json_pack("{s:o}", "ships", arr);
	cli_out_json(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(top);
}

static void print_table(struct probe *p, size_t n)
{
	static const char *const heads[] = {
		"SHIP", "TRANSPORT", "ENDPOINT", "STATE", "DOCKER", "API",
		"CONTAINERS",
	};
	struct cli_table t;
	cli_table_init(&t, 7, heads);
	for (size_t i = 0; i < n; i++) {
		char counts[64] = "-";
		if (p[i].containers >= 0 && p[i].containers_total >= 0)
			snprintf(counts, sizeof(counts), "%ld (of %ld)",
				 p[i].containers, p[i].containers_total);
		const char *row[] = {
			p[i].conn.name,
			ship_transport_name(p[i].conn.transport),
			p[i].url,
			p[i].reachable ? "reachable" : "unreachable",
			p[i].docker_version ? p[i].docker_version : "-",
			p[i].api_version ? p[i].api_version : "-",
			counts,
		};
		cli_table_add(&t, row);
	}
	cli_table_print(&t);
	cli_table_release(&t);
	for (size_t i = 0; i < n; i++)
		if (p[i].error[0])
			cli_error("%s", p[i].error);
}

static int ships_run(const struct cli_globals *g, const struct cli_args *a)
{
	bool json = a->json;
	struct cli_model m;
	int rc = cli_model_load(g, 0, &m);
	if (rc != CLI_EXIT_OK)
		return rc;
	const struct schema_env *env = m.env;

	size_t n = env->nships;
	struct probe *p = mae_xcalloc(n ? n : 1, sizeof(*p));
	pthread_t *t = mae_xcalloc(n ? n : 1, sizeof(*t));
	bool *threaded = mae_xcalloc(n ? n : 1, sizeof(*threaded));
	for (size_t i = 0; i < n; i++) {
		compile_ship_conn(&env->ships[i], &p[i].conn);
		p[i].environment = env->name;
		p[i].debug = g->debug;
		p[i].url = ship_conn_url(&p[i].conn);
		threaded[i] = pthread_create(&t[i], NULL, probe_run, &p[i]) == 0;
		if (!threaded[i])
			probe_run(&p[i]);
	}
	for (size_t i = 0; i < n; i++)
		if (threaded[i])
			pthread_join(t[i], NULL);
	free(threaded);

	if (json)
		print_json(p, n);
	else
		print_table(p, n);
	int status = CLI_EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		/* reachable, then a later call failed: that failed too */
		if (!p[i].reachable || p[i].error[0])
			status = CLI_EXIT_FAILED;
		ship_conn_release(&p[i].conn);
		free(p[i].url);
		free(p[i].docker_version);
		free(p[i].api_version);
	}
	free(p);
	free(t);
	cli_model_release(&m);
	return status;
}
