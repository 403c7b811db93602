/*
 * MaestroNG's environment and conductor tests (spec §10), in our words
 * and on our own fixtures (tests/fixtures/env/): env file precedence, the
 * environment name, link variables, volumes_from dependencies, the
 * selection filters, and located errors for env files.  Every expected
 * value is written by hand from spec §3 and §6.2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compute.h"
#include "schema.h"

extern char **environ;

struct loaded {
	struct schema_env *env;
	struct container_specs *specs;
	struct mae_diags d;
	char path[512];
};

static int load(const char *name, struct loaded *l)
{
	snprintf(l->path, sizeof(l->path), "%s/%s", FIXTURES, name);
	mae_diags_init(&l->d, l->path);
	l->env = NULL;
	l->specs = NULL;
	int rc = schema_load(l->path, environ, &l->env, &l->d);
	if (rc == 0)
		rc = container_specs_compute(l->env, &l->specs, &l->d);
	/* every environment was measured before it was built: the same */
	for (size_t i = 0; l->specs && i < l->specs->n; i++) {
		const struct container_spec *cs = &l->specs->v[i];
		size_t bytes = 0;
		for (size_t k = 0; k < cs->env.n; k++)
			bytes += strlen(cs->env.v[k].key) + 1 +
				 (cs->env.v[k].value ?
				  strlen(cs->env.v[k].value) + 1 : 0);
		assert_int_equal(cs->env_count, cs->env.n);
		assert_int_equal(cs->env_bytes, bytes);
	}
	return rc;
}

static void unload(struct loaded *l)
{
	container_specs_free(l->specs);
	schema_env_free(l->env);
	mae_diags_release(&l->d);
}

/* The container's environment as "K=V" lines, in order. */
static void check_env(const struct loaded *l, const char *inst,
		      const char *const *want, size_t n)
{
	const struct container_spec *cs = container_specs_find(l->specs, inst);
	assert_non_null(cs);
	for (size_t i = 0; i < n && i < cs->env.n; i++) {
		char *got = cs->env.v[i].value
				    ? mae_xasprintf("%s=%s", cs->env.v[i].key,
						    cs->env.v[i].value)
				    : mae_xstrdup(cs->env.v[i].key);
		if (strcmp(got, want[i]) != 0)
			fail_msg("%s: variable %zu is '%s', expected '%s'", inst,
				 i, got, want[i]);
		free(got);
	}
	assert_int_equal(cs->env.n, n);
	/* the create body carries the same list */
	json_t *envl = json_object_get((json_t *)cs->create, "Env");
	assert_int_equal(json_array_size(envl), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(envl, i)), want[i]);
}

static void test_envfile_precedence(void **state)
{
	(void)state;
	struct loaded l;
	assert_int_equal(load("precedence.yaml", &l), 0);
	check_env(&l, "alpha-1",
		  (const char *[]){ "COLOR=red", "LAYER=service", "SERVICE_NAME=alpha",
				    "MAESTRO_ENVIRONMENT_NAME=precedence",
				    "CONTAINER_NAME=alpha-1",
				    "CONTAINER_HOST_ADDRESS=10.1.2.3",
				    "DOCKER_IMAGE=busybox", "DOCKER_TAG=latest",
				    "ALPHA_ALPHA_1_HOST=10.1.2.3",
				    "ALPHA_ALPHA_2_HOST=10.1.2.3",
				    "ALPHA_INSTANCES=alpha-1,alpha-2" },
		  11);
	check_env(&l, "alpha-2",
		  (const char *[]){ "COLOR=red", "LAYER=file-two", "SERVICE_NAME=alpha",
				    "MAESTRO_ENVIRONMENT_NAME=precedence",
				    "CONTAINER_NAME=alpha-2",
				    "CONTAINER_HOST_ADDRESS=10.1.2.3",
				    "DOCKER_IMAGE=busybox", "DOCKER_TAG=latest",
				    "ALPHA_ALPHA_1_HOST=10.1.2.3",
				    "ALPHA_ALPHA_2_HOST=10.1.2.3",
				    "ALPHA_INSTANCES=alpha-1,alpha-2" },
		  11);
	check_env(&l, "beta-1",
		  (const char *[]){ "COLOR=red", "LAYER=file-two",
				    "MAESTRO_ENVIRONMENT_NAME=precedence",
				    "SERVICE_NAME=beta", "CONTAINER_NAME=beta-1",
				    "CONTAINER_HOST_ADDRESS=10.1.2.3",
				    "DOCKER_IMAGE=busybox:1.36", "DOCKER_TAG=1.36",
				    "BETA_BETA_1_HOST=10.1.2.3",
				    "BETA_BETA_2_HOST=10.1.2.3",
				    "BETA_INSTANCES=beta-1,beta-2" },
		  11);
	/* an instance's env may override the environment's name */
	check_env(&l, "beta-2",
		  (const char *[]){ "COLOR=red", "LAYER=instance",
				    "MAESTRO_ENVIRONMENT_NAME=other",
				    "SERVICE_NAME=beta", "CONTAINER_NAME=beta-2",
				    "CONTAINER_HOST_ADDRESS=10.1.2.3",
				    "DOCKER_IMAGE=busybox:1.36", "DOCKER_TAG=1.36",
				    "BETA_BETA_1_HOST=10.1.2.3",
				    "BETA_BETA_2_HOST=10.1.2.3",
				    "BETA_INSTANCES=beta-1,beta-2" },
		  11);
	unload(&l);
}

static void test_env_name(void **state)
{
	(void)state;
	struct loaded l;
	assert_int_equal(load("volumes-from.yaml", &l), 0);
	assert_string_equal(l.env->name, "vf");
	const struct container_spec *cs = container_specs_find(l.specs, "data-1");
	assert_string_equal(env_map_get(&cs->env, "MAESTRO_ENVIRONMENT_NAME")->value, "vf");
	json_t *labels = json_object_get(json_object_get((json_t *)cs->create, "Labels"),
					 "maestro.environment");
	assert_string_equal(json_string_value(labels), "vf");
	unload(&l);
}

static void test_link_variables(void **state)
{
	(void)state;
	struct loaded l;
	assert_int_equal(load("links.yaml", &l), 0);
	check_env(&l, "app-1",
		  (const char *[]){
			  "MAESTRO_ENVIRONMENT_NAME=links", "SERVICE_NAME=app",
			  "CONTAINER_NAME=app-1", "CONTAINER_HOST_ADDRESS=192.0.2.1",
			  "DOCKER_IMAGE=app", "DOCKER_TAG=latest",
			  "APP_APP_1_HOST=192.0.2.1", "APP_INSTANCES=app-1",
			  /* kafka, monitor, zk-ensemble: by name */
			  "KAFKA_KAFKA_B_HOST=192.0.2.2", "KAFKA_KAFKA_B_BROKER_PORT=9092",
			  "KAFKA_KAFKA_A_HOST=192.0.2.1", "KAFKA_KAFKA_A_BROKER_PORT=19092",
			  "KAFKA_INSTANCES=kafka-a,kafka-b",
			  "MONITOR_MON_1_HOST=192.0.2.2", "MONITOR_MON_1_UI_PORT=8080",
			  "MONITOR_INSTANCES=mon-1",
			  "ZK_ENSEMBLE_ZK_NODE_1_HOST=192.0.2.1",
			  "ZK_ENSEMBLE_ZK_NODE_1_CLIENT_PORT=2181",
			  "ZK_ENSEMBLE_ZK_NODE_1_PEER_PORT=12888",
			  "ZK_ENSEMBLE_ZK_NODE_1_RANGE_PORT=3000-3002",
			  "ZK_ENSEMBLE_ZK_NODE_2_HOST=192.0.2.2",
			  "ZK_ENSEMBLE_ZK_NODE_2_CLIENT_PORT=2181",
			  "ZK_ENSEMBLE_INSTANCES=zk.node-1,zk.node-2" },
		  23);
	check_env(&l, "zk.node-1",
		  (const char *[]){
			  "MAESTRO_ENVIRONMENT_NAME=links", "SERVICE_NAME=zk-ensemble",
			  "CONTAINER_NAME=zk.node-1", "CONTAINER_HOST_ADDRESS=192.0.2.1",
			  "DOCKER_IMAGE=zk", "DOCKER_TAG=latest",
			  "ZK_ENSEMBLE_ZK_NODE_1_HOST=192.0.2.1",
			  "ZK_ENSEMBLE_ZK_NODE_1_CLIENT_PORT=2181",
			  "ZK_ENSEMBLE_ZK_NODE_1_CLIENT_INTERNAL_PORT=2181",
			  "ZK_ENSEMBLE_ZK_NODE_1_PEER_PORT=12888",
			  "ZK_ENSEMBLE_ZK_NODE_1_PEER_INTERNAL_PORT=2888",
			  "ZK_ENSEMBLE_ZK_NODE_1_RANGE_PORT=3000-3002",
			  "ZK_ENSEMBLE_ZK_NODE_1_RANGE_INTERNAL_PORT=3000-3002",
			  "ZK_ENSEMBLE_ZK_NODE_2_HOST=192.0.2.2",
			  "ZK_ENSEMBLE_ZK_NODE_2_CLIENT_PORT=2181",
			  "ZK_ENSEMBLE_ZK_NODE_2_CLIENT_INTERNAL_PORT=2181",
			  "ZK_ENSEMBLE_INSTANCES=zk.node-1,zk.node-2" },
		  17);
	/* monitor requires metrics: its containers know metrics */
	const struct container_spec *mon = container_specs_find(l.specs, "mon-1");
	assert_non_null(env_map_get(&mon->env, "METRICS_INSTANCES"));
	unload(&l);
}

static void test_volumes_from_dependency(void **state)
{
	(void)state;
	struct loaded l;
	assert_int_equal(load("volumes-from.yaml", &l), 0);
	struct sgraph g;
	sgraph_from_model(l.env, &g);
	long worker = sgraph_find_service(&g, "worker");
	long data = sgraph_find_service(&g, "data");
	assert_true(worker >= 0 && data >= 0);
	assert_int_equal(g.services[worker].ndeps, 1);
	assert_int_equal(g.services[worker].deps[0], (size_t)data);

	const char *w[] = { "worker-1" };
	struct select_opts o = { .things = w, .nthings = 1, .with_deps = true };
	size_t *v = NULL, n = 0;
	assert_int_equal(select_instances(&g, &o, &v, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(g.instances[v[0]].name, "data-1");
	assert_string_equal(g.instances[v[1]].name, "worker-1");
	free(v);

	/* no link variables from a volumes_from dependency */
	const struct container_spec *cs = container_specs_find(l.specs, "worker-1");
	assert_null(env_map_get(&cs->env, "DATA_INSTANCES"));
	json_t *hc = json_object_get((json_t *)cs->create, "HostConfig");
	json_t *vf = json_object_get(hc, "VolumesFrom");
	assert_int_equal(json_array_size(vf), 1);
	assert_string_equal(json_string_value(json_array_get(vf, 0)), "data-1");

	size_t *roots = NULL, nroots = 0;
	assert_int_equal(deptree_roots(&g, NULL, 0, &roots, &nroots, NULL), 0);
	assert_int_equal(nroots, 2);
	assert_string_equal(g.services[roots[0]].name, "data");
	assert_string_equal(g.services[roots[1]].name, "worker");
	free(roots);
	sgraph_release(&g);
	unload(&l);
}

static void check_select(const struct sgraph *g, const char *const *things,
			 size_t nthings, const char *cglob, const char *sglob,
			 const char *const *want, size_t n)
{
	struct select_opts o = { .things = things, .nthings = nthings,
				 .expand = true, .container_glob = cglob,
				 .ship_glob = sglob };
	size_t *v = NULL, got = 0;
	assert_int_equal(select_instances(g, &o, &v, &got, NULL), 0);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(g->instances[v[i]].name, want[i]);
	free(v);
}

static void test_filters(void **state)
{
	(void)state;
	struct loaded l;
	assert_int_equal(load("filters.yaml", &l), 0);
	struct sgraph g;
	sgraph_from_model(l.env, &g);
	const char *shop[] = { "shop" };
	check_select(&g, shop, 1, NULL, NULL, (const char *[]){ "shop-x", "shop-y" }, 2);
	check_select(&g, shop, 1, "*-x", NULL, (const char *[]){ "shop-x" }, 1);
	check_select(&g, shop, 1, NULL, "north*2", (const char *[]){ "shop-y" }, 1);
	const char *both[] = { "shop", "shop2" };
	check_select(&g, both, 2, "*-y", "north*2",
		     (const char *[]){ "shop-y", "shop2-y" }, 2);
	sgraph_release(&g);
	unload(&l);
}

static void add_text(void *ud, const void *data, size_t n)
{
	mae_buf_add(ud, data, n);
}

/* What `config --json` prints, through the streamed computation. */
static char *streamed_text(const struct schema_env *env)
{
	struct mae_diags d;
	mae_diags_init(&d, NULL);
	struct spec_stream *st = NULL;
	struct mae_buf b = MAE_BUF_INIT;
	if (spec_stream_open(env, &st, &d) != 0 ||
	    config_document_write(env, st, false, add_text, &b, &d) != 0)
		abort();
	spec_stream_close(st);
	mae_diags_release(&d);
	return mae_buf_detach(&b);
}

/* The three ways to the model hash agree: model_hash(), the JSON
 * document, and the text `config --json` prints. */
static void test_model_hash(void **state)
{
	(void)state;
	struct loaded l;
	assert_int_equal(load("links.yaml", &l), 0);
	char h[MAE_SHA256_HEX_LEN + 1];
	model_hash(l.env, l.specs, h);
	json_t *doc = (json_t *)config_document(l.env, l.specs);
	assert_string_equal(json_string_value(json_object_get(doc, "model_hash")), h);
	char *text = streamed_text(l.env);
	json_t *parsed = json_loads(text, 0, NULL);
	assert_non_null(parsed);
	assert_true(json_equal(parsed, doc));
	/* the hash is of the document without model_hash */
	json_object_del(doc, "model_hash");
	char h2[MAE_SHA256_HEX_LEN + 1];
	mae_json_sha256_hex((const struct json_t *)doc, h2);
	assert_string_equal(h, h2);
	json_decref(parsed);
	json_decref(doc);
	free(text);
	unload(&l);
}

/* config streams: an env file that vanishes between the check and a
 * container's turn is an error, located, not a silent gap. */
static void test_stream_envfile_gone(void **state)
{
	(void)state;
	char dir[] = "/tmp/maestro-stream-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char envf[600];
	snprintf(envf, sizeof(envf), "%s/a.env", dir);
	FILE *f = fopen(envf, "w");
	assert_non_null(f);
	fputs("A=1\n", f);
	fclose(f);
	static const char text[] =
		"__maestro: {schema: 2}\nname: s\nships: {s1: {ip: 10.0.0.1}}\n"
		"services:\n  web:\n    image: nginx\n"
		"    instances:\n      web-1: {ship: s1, envfile: a.env}\n";
	struct mae_diags d;
	mae_diags_init(&d, "s.yaml");
	struct schema_env *env = NULL;
	char *const no_env[] = { NULL };
	assert_int_equal(schema_load_text("s.yaml", text, sizeof(text) - 1, dir,
					  no_env, &env, &d), 0);
	struct spec_stream *st = NULL;
	assert_int_equal(spec_stream_open(env, &st, &d), 0);
	assert_int_equal(d.nerrors, 0);
	struct mae_buf b = MAE_BUF_INIT;
	assert_int_equal(config_document_write(env, st, false, add_text, &b, &d), 0);
	assert_non_null(strstr(mae_buf_str(&b), "\"A\": \"1\""));
	mae_buf_reset(&b);
	assert_int_equal(unlink(envf), 0);
	assert_int_equal(config_document_write(env, st, false, add_text, &b, &d),
			 MAE_ERR_INVALID);
	assert_int_equal(d.nerrors, 1);
	assert_null(strstr(mae_buf_str(&b), "model_hash"));
	mae_buf_release(&b);
	spec_stream_close(st);
	schema_env_free(env);
	mae_diags_release(&d);
	rmdir(dir);
}

static void test_envfile_errors(void **state)
{
	(void)state;
	struct loaded l;
	assert_int_not_equal(load("missing-envfile.yaml", &l), 0);
	assert_int_equal(l.d.nerrors, 1);
	/* located at the envfile entry of the description */
	assert_non_null(strstr(l.d.v[0].file, "missing-envfile.yaml"));
	assert_int_equal(l.d.v[0].line, 12);
	assert_non_null(strstr(l.d.v[0].msg, "does-not-exist.env"));
	unload(&l);

	assert_int_not_equal(load("bad-envfile.yaml", &l), 0);
	assert_int_equal(l.d.nerrors, 1);
	/* located in the env file itself */
	assert_non_null(strstr(l.d.v[0].file, "bad.env"));
	assert_int_equal(l.d.v[0].line, 2);
	unload(&l);
}

/* Colliding link keys and replaced values: measured as built (load()
 * compares), and the values are the last ones set. */
static void test_env_measured(void **state)
{
	(void)state;
	struct loaded l;
	assert_int_equal(load("env-collide.yaml", &l), 0);
	const struct container_spec *cs = container_specs_find(l.specs, "app-1");
	assert_non_null(cs);
	/* a-b sorts before a? no: "a" < "a-b", so a-b's value is set last */
	assert_string_equal(env_map_get(&cs->env, "A_B_C_HOST")->value,
			    "192.0.2.1");
	assert_string_equal(env_map_get(&cs->env, "OVER")->value,
			    "the instance wins");
	assert_string_equal(env_map_get(&cs->env, "CONTAINER_NAME")->value,
			    "app-1");
	cs = container_specs_find(l.specs, "plain-1");
	assert_string_equal(env_map_get(&cs->env, "APP_APP_1_HOST")->value,
			    "192.0.2.1");
	unload(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envfile_precedence),
		cmocka_unit_test(test_env_name),
		cmocka_unit_test(test_link_variables),
		cmocka_unit_test(test_volumes_from_dependency),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_model_hash),
		cmocka_unit_test(test_stream_envfile_gone),
		cmocka_unit_test(test_envfile_errors),
		cmocka_unit_test(test_env_measured),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
