/*
 * test-model.c - the model built from descriptions: MaestroNG's model
 * tests (its tests/unittests.py EntityTest, ShipTest, ServiceTest,
 * ContainerTest and ConductorTest's duplicate, volume and name cases)
 * restated for maestro, with fixtures of the same shapes written for this
 * suite (tests/fixtures/model/).  Where maestro answers differently on
 * purpose, the test says so and docs/maestrong.md gives the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema.h"
#include "unit.h"

static char *const no_env[] = { NULL };

/* Diagnostics of the last load, as one string for substring checks. */
static char *last_diags;

/* Keep the diagnostics of a load for assert_diag(), then release them. */
static void keep_diags(struct mae_diags *d)
{
	free(last_diags);
	last_diags = test_diags_text(d);
	mae_diags_release(d);
}

static struct schema_env *load_text(const char *text)
{
	struct mae_diags d;
	mae_diags_init(&d, "test.yaml");
	struct schema_env *env = NULL;
	schema_load_text("test.yaml", text, strlen(text), ".", no_env, &env, &d);
	keep_diags(&d);
	return env;
}

static struct schema_env *load_fixture(const char *name)
{
	char *path = mae_xasprintf("%s/model/%s", FIXTURES, name);
	struct mae_diags d;
	mae_diags_init(&d, path);
	struct schema_env *env = NULL;
	schema_load(path, no_env, &env, &d);
	keep_diags(&d);
	free(path);
	return env;
}

static void assert_diag(const char *needle)
{
	if (!strstr(last_diags, needle)) {
		print_error("expected a diagnostic containing\n  %s\ngot:\n%s",
			    needle, last_diags);
		fail();
	}
}

/*
 * MaestroNG's ContainerTest setting: service foo (image
 * stackbrew/ubuntu:13.10, port server: 4848), ship `ship` at 10.0.0.1,
 * schema 2, and one instance foo1 with the given options (YAML lines,
 * indented here).
 */
static struct schema_env *container_env(int schema, const char *opts)
{
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_addf(&b,
		     "__maestro: {schema: %d}\n"
		     "name: test\n"
		     "ships:\n"
		     "  ship: {ip: 10.0.0.1}\n"
		     "services:\n"
		     "  foo:\n"
		     "    image: stackbrew/ubuntu:13.10\n"
		     "    env: {FROM_SERVICE: s}\n"
		     "    ports: {server: 4848}\n"
		     "    instances:\n"
		     "      foo1:\n"
		     "        ship: ship\n",
		     schema);
	const char *p = opts;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		mae_buf_adds(&b, "        ");
		mae_buf_add(&b, p, n);
		mae_buf_addc(&b, '\n');
		p = nl ? nl + 1 : p + n;
	}
	struct schema_env *env = load_text(mae_buf_str(&b));
	mae_buf_release(&b);
	return env;
}

static struct schema_instance *foo1(struct schema_env *env)
{
	assert_non_null(env);
	struct schema_instance *c = schema_env_instance(env, "foo1");
	assert_non_null(c);
	return c;
}

/* ------------------------------------------------------------------ */
/* EntityTest, ShipTest, ServiceTest                                    */

static void test_entity_names(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, NULL);
	struct schema_instance *c = foo1(env);
	assert_string_equal(c->name, "foo1");
	assert_string_equal(c->service->name, "foo");
	assert_string_equal(c->ship->name, "ship");
	assert_string_equal(env->name, "test");
	schema_env_free(env);
}

static void test_ship_endpoint_defaults_to_ip(void **state)
{
	(void)state;
	struct schema_env *env = load_fixture("ships.yaml");
	assert_non_null(env);
	struct schema_ship *beta = schema_env_ship(env, "beta");
	assert_string_equal(beta->ip, "10.1.0.2");
	assert_string_equal(beta->endpoint, "10.1.0.2");
	schema_env_free(env);
}

static void test_ship_endpoint_kept(void **state)
{
	(void)state;
	struct schema_env *env = load_fixture("ships.yaml");
	assert_non_null(env);
	struct schema_ship *alpha = schema_env_ship(env, "alpha");
	assert_string_equal(alpha->ip, "10.1.0.1");
	assert_string_equal(alpha->endpoint, "172.16.0.1");
	schema_env_free(env);
}

static void test_ship_defaults_applied(void **state)
{
	(void)state;
	struct schema_env *env = load_fixture("ships.yaml");
	assert_non_null(env);
	struct schema_ship *alpha = schema_env_ship(env, "alpha");
	struct schema_ship *beta = schema_env_ship(env, "beta");
	struct schema_ship *gamma = schema_env_ship(env, "gamma");
	/* ship_defaults fill what a ship does not say */
	assert_int_equal(alpha->docker_port, 4243);
	assert_true(alpha->timeout_s == 60);
	assert_true(alpha->ssh_timeout_s == 60);
	/* the ship's own value wins */
	assert_int_equal(beta->docker_port, 1234);
	/* a null in the ship beats the default: the built-in one (tls) */
	assert_true(gamma->tls);
	assert_int_equal(gamma->docker_port, 2376);
	assert_true(gamma->timeout_s == 3);
	assert_true(gamma->ssh_timeout_s == 7);
	assert_true(gamma->has_ssh_tunnel);
	assert_string_equal(gamma->ssh_tunnel.user, "ops");
	assert_null(gamma->ssh_tunnel.key); /* ssh-agent */
	assert_int_equal(gamma->ssh_tunnel.port, 22);
	assert_string_equal(gamma->ssh_tunnel.known_hosts, "/etc/ssh/known");
	assert_false(alpha->has_ssh_tunnel);
	schema_env_free(env);
}

static void test_service_image_limits_ports(void **state)
{
	(void)state;
	struct schema_env *env = load_text(
		"__maestro: {schema: 2}\nname: t\nships: {s: {ip: 1.2.3.4}}\n"
		"services:\n"
		"  plain: {image: ubuntu, instances: {}}\n"
		"  full:\n"
		"    image: ubuntu\n"
		"    limits: {memory: 10m, cpu: 2}\n"
		"    ports: {web: 80}\n"
		"    instances: {}\n");
	assert_non_null(env);
	struct schema_service *plain = schema_env_service(env, "plain");
	struct schema_service *full = schema_env_service(env, "full");
	assert_string_equal(plain->image, "ubuntu");
	assert_false(plain->limits.has_memory || plain->limits.has_cpu ||
		     plain->limits.has_swap);
	assert_int_equal(plain->nports, 0);
	assert_true(full->limits.has_memory);
	assert_int_equal(full->limits.memory, 10 * 1024 * 1024);
	assert_int_equal(full->limits.cpu, 2);
	assert_int_equal(full->nports, 1);
	assert_string_equal(full->ports[0].name, "web");
	assert_string_equal(full->ports[0].exposed, "80/tcp");
	schema_env_free(env);
}

/* ------------------------------------------------------------------ */
/* ContainerTest                                                        */

static void test_container_inherits_image_and_ports(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, NULL);
	struct schema_instance *c = foo1(env);
	assert_string_equal(c->image, "stackbrew/ubuntu:13.10");
	assert_int_equal(c->nports, 1);
	assert_string_equal(c->ports[0].name, "server");
	assert_string_equal(c->ports[0].exposed, "4848/tcp");
	assert_string_equal(c->ports[0].external, "4848/tcp");
	assert_string_equal(c->ports[0].external_ip, "0.0.0.0");
	assert_true(c->ports[0].from_service);
	schema_env_free(env);
}

static void test_container_image_override(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, "image: quay.io/foo/bar:13.10");
	assert_string_equal(foo1(env)->image, "quay.io/foo/bar:13.10");
	assert_string_equal(foo1(env)->service->image, "stackbrew/ubuntu:13.10");
	schema_env_free(env);
}

static void test_container_env_both_levels(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, "env: {FROM_INSTANCE: i, NUM: 42, FLAG: yes, NOTHING: null, LIST: [a, [b, c]]}");
	struct schema_instance *c = foo1(env);
	const struct schema_value *v = schema_map_get(&c->service->env, "FROM_SERVICE");
	assert_non_null(v);
	assert_string_equal(v->str, "s");
	v = schema_map_get(&c->env, "FROM_INSTANCE");
	assert_non_null(v);
	assert_string_equal(v->str, "i");
	v = schema_map_get(&c->env, "NUM");
	assert_int_equal(v->type, SCHEMA_S_INT);
	assert_string_equal(v->str, "42");
	v = schema_map_get(&c->env, "FLAG");
	assert_int_equal(v->type, SCHEMA_S_BOOL);
	assert_string_equal(v->str, "True");
	v = schema_map_get(&c->env, "NOTHING");
	assert_int_equal(v->type, SCHEMA_S_NULL);
	v = schema_map_get(&c->env, "LIST");
	assert_int_equal(v->kind, SCHEMA_V_LIST);
	assert_int_equal(v->nitems, 2);
	assert_int_equal(v->items[1].kind, SCHEMA_V_LIST);
	assert_string_equal(v->items[1].items[1].str, "c");
	/* insertion order */
	assert_string_equal(c->env.v[0].key, "FROM_INSTANCE");
	assert_string_equal(c->env.v[4].key, "LIST");
	schema_env_free(env);
}

static void test_container_dns(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, "dns: '8.8.8.8'");
	struct schema_instance *c = foo1(env);
	assert_true(c->has_dns);
	assert_int_equal(c->dns.n, 1);
	assert_string_equal(c->dns.v[0].s, "8.8.8.8");
	schema_env_free(env);

	env = container_env(2, "dns: ['8.8.8.8', '8.8.4.4']");
	c = foo1(env);
	assert_int_equal(c->dns.n, 2);
	assert_string_equal(c->dns.v[1].s, "8.8.4.4");
	schema_env_free(env);

	env = container_env(2, NULL);
	assert_false(foo1(env)->has_dns);
	schema_env_free(env);
}

static void test_container_swap(void **state)
{
	(void)state;
	static const struct {
		const char *yaml;
		int64_t want;
	} cases[] = {
		{ "limits: {swap: 42}", 42 },
		{ "limits: {swap: '42'}", 42 },
		{ "limits: {swap: '42k'}", 43008 },
		{ "limits: {swap: 42K}", 43008 },
		{ "limits: {swap: 3m}", 3 * 1024 * 1024 },
		{ "limits: {swap: 2G}", 2LL * 1024 * 1024 * 1024 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct schema_env *env = container_env(2, cases[i].yaml);
		struct schema_instance *c = foo1(env);
		assert_true(c->limits.has_swap);
		assert_int_equal(c->limits.swap, cases[i].want);
		schema_env_free(env);
	}
}

static void test_container_limits_merge(void **state)
{
	(void)state;
	struct schema_env *env = load_text(
		"__maestro: {schema: 2}\nname: t\nships: {s: {ip: 1.2.3.4}}\n"
		"services:\n"
		"  a:\n"
		"    image: x\n"
		"    limits: {memory: 1g, cpu: 4}\n"
		"    instances:\n"
		"      a1: {ship: s, limits: {memory: 256m}}\n"
		"      a2: {ship: s}\n");
	assert_non_null(env);
	struct schema_instance *a1 = schema_env_instance(env, "a1");
	struct schema_instance *a2 = schema_env_instance(env, "a2");
	assert_int_equal(a1->limits.memory, 256 * 1024 * 1024);
	assert_int_equal(a1->limits.cpu, 4);
	assert_int_equal(a2->limits.memory, 1024 * 1024 * 1024);
	schema_env_free(env);
}

static void test_container_ulimits(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, NULL);
	assert_int_equal(foo1(env)->nulimits, 0);
	schema_env_free(env);

	env = container_env(2, "ulimits: {nofile: {hard: 1024, soft: 1024}}");
	struct schema_instance *c = foo1(env);
	assert_int_equal(c->nulimits, 1);
	assert_string_equal(c->ulimits[0].name, "nofile");
	assert_int_equal(c->ulimits[0].soft, 1024);
	assert_int_equal(c->ulimits[0].hard, 1024);
	schema_env_free(env);

	env = container_env(2, "ulimits: {nproc: 65535}");
	c = foo1(env);
	assert_int_equal(c->nulimits, 1);
	assert_int_equal(c->ulimits[0].soft, 65535);
	assert_int_equal(c->ulimits[0].hard, 65535);
	schema_env_free(env);
}

static void test_container_log_config(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, NULL);
	assert_null(foo1(env)->log_driver);
	schema_env_free(env);

	env = container_env(2, "log_driver: syslog");
	assert_string_equal(foo1(env)->log_driver, "syslog");
	assert_int_equal(foo1(env)->log_opt.n, 0);
	schema_env_free(env);

	env = container_env(2, "log_driver: syslog\nlog_opt: {syslog-address: 'tcp://192.168.0.42:123'}");
	struct schema_instance *c = foo1(env);
	assert_int_equal(c->log_opt.n, 1);
	assert_string_equal(c->log_opt.v[0].key, "syslog-address");
	assert_string_equal(c->log_opt.v[0].value, "tcp://192.168.0.42:123");
	schema_env_free(env);

	env = container_env(2, "log_driver: notvalid");
	assert_null(env);
	assert_diag("unknown log_driver 'notvalid'");

	env = container_env(2, "log_driver: syslog\nlog_opt: notvalid");
	assert_null(env);
	assert_diag("'log_opt' in instance 'foo1' must be a mapping");

	/* option values become strings */
	env = container_env(2, "log_driver: json-file\nlog_opt: {max-file: 2, max-size: 1m}");
	c = foo1(env);
	assert_string_equal(c->log_opt.v[0].value, "2");
	assert_string_equal(c->log_opt.v[1].value, "1m");
	schema_env_free(env);
}

static void check_restart(const char *yaml, const char *name, int retries)
{
	struct schema_env *env = container_env(2, yaml);
	struct schema_instance *c = foo1(env);
	assert_string_equal(c->restart.name, name);
	assert_int_equal(c->restart.retries, retries);
	schema_env_free(env);
}

static void test_container_restart(void **state)
{
	(void)state;
	check_restart(NULL, "no", 0);
	check_restart("restart: 'no'", "no", 0);
	check_restart("restart: no", "no", 0); /* YAML's false */
	check_restart("restart: always", "always", 0);
	check_restart("restart: on-failure", "on-failure", 0);
	check_restart("restart: unless-stopped", "unless-stopped", 0);
	check_restart("restart: 'on-failure:5'", "on-failure", 5);
	check_restart("restart: {name: on-failure, retries: 42}", "on-failure", 42);
	check_restart("restart: {name: on-failure}", "on-failure", 0);
	/* maestro's extension: the form of MaestroNG's documentation */
	check_restart("restart: {name: on-failure, maximum_retry_count: 3}",
		      "on-failure", 3);

	/* intentional difference: MaestroNG took [] as the default */
	struct schema_env *env = container_env(2, "restart: []");
	assert_null(env);
	assert_diag("invalid restart policy in instance 'foo1'");

	env = container_env(2, "restart: noclue");
	assert_null(env);
	assert_diag("invalid restart policy 'noclue' in instance 'foo1'");

	env = container_env(2, "restart: {name: on-failure, retries: many}");
	assert_null(env);
	assert_diag("'retries' in restart of instance 'foo1' must be an integer");
}

static void test_container_volumes(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, "volumes: {/outside: /inside}");
	struct schema_instance *c = foo1(env);
	assert_int_equal(c->nvolumes, 1);
	assert_string_equal(c->volumes[0].host, "/outside");
	assert_string_equal(c->volumes[0].target, "/inside");
	assert_string_equal(c->volumes[0].mode, "rw");
	schema_env_free(env);

	env = container_env(2, "volumes: {/outside: {target: /inside}}");
	c = foo1(env);
	assert_string_equal(c->volumes[0].target, "/inside");
	assert_string_equal(c->volumes[0].mode, "rw");
	schema_env_free(env);

	env = container_env(2, "volumes: {/outside: {target: /inside, mode: ro}}");
	assert_string_equal(foo1(env)->volumes[0].mode, "ro");
	schema_env_free(env);

	env = container_env(2, "volumes: {/outside: {target: /inside, mode: 'ro,Z'}}");
	assert_string_equal(foo1(env)->volumes[0].mode, "ro,Z");
	schema_env_free(env);

	env = container_env(2, "volumes: {/outside: [/inside]}");
	assert_null(env);
	assert_diag("invalid volume '/outside' in instance 'foo1'");

	env = container_env(2, "volumes: {/outside: {bind: /inside}}");
	assert_null(env);
	assert_diag("invalid volume '/outside' in instance 'foo1'");

	/* schema 1: container path first, always rw */
	env = container_env(1, "volumes: {/inside: /outside}");
	c = foo1(env);
	assert_string_equal(c->volumes[0].host, "/outside");
	assert_string_equal(c->volumes[0].target, "/inside");
	assert_string_equal(c->volumes[0].mode, "rw");
	assert_int_equal(env->schema_version, 1);
	schema_env_free(env);
}

static void test_container_workdir(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, "workdir: /tmp");
	assert_string_equal(foo1(env)->workdir, "/tmp");
	schema_env_free(env);
}

static void test_container_volume_conflict(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2,
		"volumes: {/out1: /in1}\ncontainer_volumes: [/in1]");
	assert_null(env);
	assert_diag("conflict in instance 'foo1' between bind-mounted volume and container-only volume on '/in1'");
}

static void check_port(const char *yaml, const char *exposed,
		       const char *external)
{
	struct schema_env *env = container_env(2, yaml);
	struct schema_instance *c = foo1(env);
	const struct schema_port *p = schema_instance_port(c, "p");
	assert_non_null(p);
	assert_string_equal(p->exposed, exposed);
	assert_string_equal(p->external, external);
	assert_string_equal(p->external_ip, "0.0.0.0");
	schema_env_free(env);
}

static void test_container_ports(void **state)
{
	(void)state;
	check_port("ports: {p: '80'}", "80/tcp", "80/tcp");
	check_port("ports: {p: 80}", "80/tcp", "80/tcp");
	check_port("ports: {p: '80/udp'}", "80/udp", "80/udp");
	check_port("ports: {p: '80:8080'}", "80/tcp", "8080/tcp");
	check_port("ports: {p: '80/tcp:8080'}", "80/tcp", "8080/tcp");
	check_port("ports: {p: {exposed: 1234-1236, external: 1234-1236}}",
		   "1234-1236/tcp", "1234-1236/tcp");
	check_port("ports: {p: {exposed: 1234, external: 1234-1236}}",
		   "1234/tcp", "1234-1236/tcp");
	check_port("ports: {p: '1234-1236:1234-1236'}", "1234-1236/tcp",
		   "1234-1236/tcp");

	struct schema_env *env = container_env(2,
		"ports: {p: {exposed: 53/udp, external: [127.0.0.1, 5353/udp]}}");
	const struct schema_port *p = schema_instance_port(foo1(env), "p");
	assert_string_equal(p->external_ip, "127.0.0.1");
	assert_string_equal(p->external, "5353/udp");
	assert_string_equal(p->proto, "udp");
	assert_int_equal(p->external_lo, 5353);
	schema_env_free(env);

	env = container_env(2, "ports: {p: '80/tcp:8080/udp'}");
	assert_null(env);
	assert_diag("mismatched protocols between '80/tcp' and '8080/udp'");

	/* YAML 1.1: 22:22 is the number 1342, as PyYAML reads it */
	env = container_env(2, "ports: {p: 22:22}");
	p = schema_instance_port(foo1(env), "p");
	assert_string_equal(p->exposed, "1342/tcp");
	assert_diag("warning: port 'p' in instance 'foo1': '22:22' is the YAML 1.1 sexagesimal number 1342");
	schema_env_free(env);
}

static void test_container_ports_override_service(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, "ports: {server: 9000, extra: 9001}");
	struct schema_instance *c = foo1(env);
	assert_int_equal(c->nports, 2);
	assert_string_equal(c->ports[0].name, "server");
	assert_string_equal(c->ports[0].exposed, "9000/tcp");
	assert_false(c->ports[0].from_service);
	assert_string_equal(c->ports[1].name, "extra");
	/* the service's copy is untouched (MaestroNG bug 18) */
	assert_string_equal(c->service->ports[0].exposed, "4848/tcp");
	schema_env_free(env);
}

static void test_container_extra_hosts(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, "extra_hosts: {foo: 192.168.0.1, bar: {ship: ship}}");
	struct schema_instance *c = foo1(env);
	assert_int_equal(c->extra_hosts.n, 2);
	assert_string_equal(c->extra_hosts.v[0].key, "foo");
	assert_string_equal(c->extra_hosts.v[0].value, "192.168.0.1");
	assert_string_equal(c->extra_hosts.v[1].key, "bar");
	assert_string_equal(c->extra_hosts.v[1].value, "10.0.0.1");
	schema_env_free(env);
}

static void test_container_labels(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, "labels: foo");
	assert_null(env);
	assert_diag("invalid labels in instance 'foo1': must be a list or a mapping, not a string");
	env = container_env(2, "labels: 42");
	assert_null(env);
	assert_diag("not an integer");

	env = container_env(2, "labels: [foo, bar]");
	struct schema_instance *c = foo1(env);
	assert_true(c->has_labels);
	assert_int_equal(c->labels.n, 2);
	assert_string_equal(c->labels.v[1].key, "bar");
	assert_string_equal(c->labels.v[1].value, "");
	schema_env_free(env);

	env = container_env(2, "labels: {foo: '1', bar: 2}");
	c = foo1(env);
	assert_string_equal(c->labels.v[0].value, "1");
	assert_string_equal(c->labels.v[1].value, "2");
	schema_env_free(env);
}

/* ------------------------------------------------------------------ */
/* Lifecycle checks (LifecycleHelperTest's parsing, and merging)         */

static void test_checks_defaults(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2,
		"ports: {data: 4243/udp}\n"
		"lifecycle:\n"
		"  running:\n"
		"    - {type: tcp, port: server}\n"
		"    - {type: tcp, port: server, max_wait: 2}\n"
		"    - {type: http, port: server}\n"
		"    - {type: http, port: server, method: PUT, scheme: https, path: blah,\n"
		"       match_regex: 'abc[^d]', requests_options: {verify: false}}\n"
		"    - {type: exec, command: 'python foo.py -arg'}\n"
		"    - {type: rexec, command: [pg_isready]}\n"
		"    - {type: sleep, wait: 2}\n"
		"    - {type: docker_health}\n"
		"    - {type: http, port: 8080}\n");
	struct schema_instance *c = foo1(env);
	const struct schema_checks *k = &c->lifecycle[SCHEMA_STATE_RUNNING];
	assert_int_equal(k->n, 9);
	assert_int_equal(k->v[0].type, SCHEMA_CHECK_TCP);
	assert_true(k->v[0].max_wait == 180);
	assert_ptr_equal(k->v[0].port_ref, schema_instance_port(c, "server"));
	assert_true(k->v[1].max_wait == 2);
	assert_true(k->v[2].max_wait == 300);
	assert_string_equal(k->v[2].path, "/");
	assert_string_equal(k->v[2].scheme, "http");
	assert_string_equal(k->v[2].method, "get");
	assert_null(k->v[2].match_regex);
	assert_null(k->v[2].host);
	assert_int_equal(k->v[2].requests_options.n, 0);
	assert_string_equal(k->v[3].method, "put");
	assert_string_equal(k->v[3].scheme, "https");
	assert_string_equal(k->v[3].path, "/blah");
	assert_string_equal(k->v[3].match_regex, "abc[^d]");
	assert_int_equal(schema_map_get(&k->v[3].requests_options, "verify")->type,
			 SCHEMA_S_BOOL);
	assert_int_equal(k->v[4].type, SCHEMA_CHECK_EXEC);
	assert_int_equal(k->v[4].attempts, 180);
	assert_int_equal(k->v[4].envfrom, SCHEMA_ENVFROM_ENV);
	assert_string_equal(k->v[4].command->str, "python foo.py -arg");
	assert_int_equal(k->v[5].attempts, 180);
	assert_int_equal(k->v[5].command->kind, SCHEMA_V_LIST);
	assert_true(k->v[6].wait == 2);
	assert_true(k->v[7].max_wait == 300);
	assert_null(k->v[8].port_ref);
	assert_int_equal(k->v[8].port_number, 8080);
	schema_env_free(env);
}

static void test_checks_bad(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2,
		"lifecycle: {running: [{type: tcp, port: nope}]}");
	assert_null(env);
	assert_diag("port 'nope' of tcp check (running) is not defined by instance 'foo1'");

	env = container_env(2, "ports: {data: 4243/udp}\n"
			       "lifecycle: {running: [{type: tcp, port: data}]}");
	assert_null(env);
	assert_diag("port 'data' of tcp check (running) of instance 'foo1' is not TCP");

	env = container_env(2, "lifecycle: {running: [{type: foo}]}");
	assert_null(env);
	assert_diag("unknown lifecycle check type 'foo'");

	env = container_env(2, "lifecycle: {running: {type: tcp, port: server}}");
	assert_null(env);
	assert_diag("running lifecycle checks in instance 'foo1' must be a list of checks, not a mapping");
}

static void test_checks_merged_without_leaking(void **state)
{
	(void)state;
	struct schema_env *env = load_text(
		"__maestro: {schema: 2}\nname: t\nships: {s: {ip: 1.2.3.4}}\n"
		"services:\n"
		"  web:\n"
		"    image: x\n"
		"    ports: {http: 80}\n"
		"    lifecycle:\n"
		"      running: [{type: http, port: http, host: example.test}]\n"
		"    instances:\n"
		"      w1:\n"
		"        ship: s\n"
		"        lifecycle: {running: [{type: sleep, wait: 1}]}\n"
		"      w2: {ship: s}\n");
	assert_non_null(env);
	struct schema_instance *w1 = schema_env_instance(env, "w1");
	struct schema_instance *w2 = schema_env_instance(env, "w2");
	/* service checks first, the instance's appended (MaestroNG's order) */
	assert_int_equal(w1->lifecycle[SCHEMA_STATE_RUNNING].n, 2);
	assert_int_equal(w1->lifecycle[SCHEMA_STATE_RUNNING].v[0].type, SCHEMA_CHECK_HTTP);
	assert_true(w1->lifecycle[SCHEMA_STATE_RUNNING].v[0].from_service);
	assert_int_equal(w1->lifecycle[SCHEMA_STATE_RUNNING].v[1].type, SCHEMA_CHECK_SLEEP);
	/* bugs 16 and 17: nothing leaks into w2, its http check keeps host */
	assert_int_equal(w2->lifecycle[SCHEMA_STATE_RUNNING].n, 1);
	assert_string_equal(w2->lifecycle[SCHEMA_STATE_RUNNING].v[0].host, "example.test");
	assert_ptr_equal(w2->lifecycle[SCHEMA_STATE_RUNNING].v[0].port_ref,
			 schema_instance_port(w2, "http"));
	assert_int_equal(w1->service->lifecycle[SCHEMA_STATE_RUNNING].n, 1);
	schema_env_free(env);
}

/* ------------------------------------------------------------------ */
/* ConductorTest: duplicates, volumes, names                             */

static void test_duplicate_service(void **state)
{
	(void)state;
	assert_null(load_fixture("duplicate-service.yaml"));
	assert_diag("duplicate-service.yaml:10:3: error: duplicate key 'api'");
}

static void test_duplicate_instance(void **state)
{
	(void)state;
	assert_null(load_fixture("duplicate-instance.yaml"));
	assert_diag("duplicate-instance.yaml:10:7: error: duplicate key 'api-1'");
}

static void test_instance_across_services(void **state)
{
	(void)state;
	assert_null(load_fixture("instance-across-services.yaml"));
	assert_diag("instance-across-services.yaml:15:7: error: instance 'node1' of service 'backend' is already defined in service 'frontend'");
}

static void test_empty_registries(void **state)
{
	(void)state;
	struct schema_env *env = load_fixture("empty-registries.yaml");
	assert_non_null(env);
	assert_int_equal(env->nregistries, 0);
	schema_env_free(env);
}

static void test_volumes_fixture(void **state)
{
	(void)state;
	struct schema_env *env = load_fixture("volumes.yaml");
	assert_non_null(env);
	struct schema_instance *a = schema_env_instance(env, "store-a");
	struct schema_instance *b = schema_env_instance(env, "store-b");
	assert_int_equal(a->nvolumes, 1);
	assert_string_equal(a->volumes[0].target, "/data1");
	assert_int_equal(a->container_volumes.n, 1);
	assert_string_equal(a->container_volumes.v[0].s, "/data2");
	assert_int_equal(b->nvolumes, 1);
	assert_string_equal(b->volumes[0].target, "/data3");
	assert_int_equal(b->nvolumes_from, 1);
	assert_ptr_equal(b->volumes_from[0], a);
	/* same service: no service dependency on itself */
	assert_int_equal(b->service->nimplied, 0);
	schema_env_free(env);
}

static void test_volume_conflict_from(void **state)
{
	(void)state;
	assert_null(load_fixture("volume-conflict-from.yaml"));
	assert_diag("volume conflicts between instance 'store-b' and instance 'store-a': '/data1'");
}

static void test_volumes_from_unknown(void **state)
{
	(void)state;
	assert_null(load_fixture("volumes-from-unknown.yaml"));
	assert_diag("unknown container 'store-z' in volumes_from of instance 'store-a'");
}

static void test_volumes_from_adds_dependency(void **state)
{
	(void)state;
	struct schema_env *env = load_fixture("volumes-from-dependency.yaml");
	assert_non_null(env);
	struct schema_service *data = schema_env_service(env, "datastore");
	struct schema_service *worker = schema_env_service(env, "worker");
	struct schema_service *front = schema_env_service(env, "frontend");
	assert_int_equal(worker->nrequires, 0);
	assert_int_equal(worker->nimplied, 1);
	assert_ptr_equal(worker->implied[0], data);
	assert_int_equal(data->ndependents, 1);
	assert_ptr_equal(data->dependents[0], worker);

	size_t n;
	struct schema_service **deps = schema_service_requires_closure(env, worker, true, &n);
	assert_int_equal(n, 1);
	assert_ptr_equal(deps[0], data);
	free(deps);
	/* transitive: frontend -> worker -> (volumes_from) datastore */
	deps = schema_service_requires_closure(env, front, true, &n);
	assert_int_equal(n, 2);
	assert_ptr_equal(deps[0], data);
	assert_ptr_equal(deps[1], worker);
	free(deps);
	/* without the implied edges only `requires` counts (link variables) */
	deps = schema_service_requires_closure(env, front, false, &n);
	assert_int_equal(n, 1);
	assert_ptr_equal(deps[0], worker);
	free(deps);
	deps = schema_service_dependents_closure(env, data, &n);
	assert_int_equal(n, 2);
	assert_ptr_equal(deps[0], front);
	assert_ptr_equal(deps[1], worker);
	free(deps);
	schema_env_free(env);
}

static void test_envname(void **state)
{
	(void)state;
	struct schema_env *env = load_fixture("envname.yaml");
	assert_non_null(env);
	assert_string_equal(env->name, "staging");
	schema_env_free(env);
}

static void test_missing_envname(void **state)
{
	(void)state;
	assert_null(load_fixture("missing-envname.yaml"));
	assert_diag("missing 'name' (the environment's name) at the top level");
}

/* ------------------------------------------------------------------ */
/* maestro's own                                                         */

static void test_envfile_paths_and_base_dir(void **state)
{
	(void)state;
	const char *text =
		"__maestro: {schema: 2}\nname: t\nships: {s: {ip: 1.2.3.4}}\n"
		"services:\n"
		"  a:\n"
		"    image: x\n"
		"    envfile: common.env\n"
		"    instances:\n"
		"      a1: {ship: s, envfile: [one.env, /abs/two.env]}\n";
	struct mae_diags d;
	mae_diags_init(&d, "x.yaml");
	struct schema_env *env = NULL;
	assert_int_equal(schema_load_text("x.yaml", text, strlen(text),
					  "/etc/maestro", no_env, &env, &d), 0);
	mae_diags_release(&d);
	assert_string_equal(env->base_dir, "/etc/maestro");
	struct schema_instance *a1 = schema_env_instance(env, "a1");
	assert_string_equal(a1->service->envfile.v[0].s, "/etc/maestro/common.env");
	assert_string_equal(a1->envfile.v[0].s, "/etc/maestro/one.env");
	assert_string_equal(a1->envfile.v[1].s, "/abs/two.env");
	assert_int_equal(a1->envfile.v[0].pos.line, 9);
	assert_string_equal(a1->envfile.v[0].pos.file, "x.yaml");
	schema_env_free(env);
}

static void test_positions_kept(void **state)
{
	(void)state;
	struct schema_env *env = container_env(2, "ports: {web: 80}");
	struct schema_instance *c = foo1(env);
	assert_string_equal(c->pos.file, "test.yaml");
	assert_int_equal(c->pos.line, 11);
	assert_int_equal(c->pos.col, 7);
	assert_int_equal(c->ship_pos.line, 12);
	assert_int_equal(c->ship_pos.col, 15);
	schema_env_free(env);
}

static void test_load_missing_file(void **state)
{
	(void)state;
	struct mae_diags d;
	mae_diags_init(&d, "nope.yaml");
	struct schema_env *env = NULL;
	assert_true(schema_load("/nonexistent/nope.yaml", no_env, &env, &d) < 0);
	assert_null(env);
	assert_int_equal(d.nerrors, 1);
	assert_non_null(strstr(d.v[0].msg, "No such file or directory"));
	mae_diags_release(&d);
}


/*
 * A long chain of services: lookups, the graph and the cycle search stay
 * linear and iterative (no quadratic time, no deep recursion).
 */
static char *chain_text(size_t n, bool cycle)
{
	struct mae_buf b = MAE_BUF_INIT;
	mae_buf_adds(&b, "__maestro: {schema: 2}\nname: chain\nships: {a: {ip: 1.2.3.4}}\nservices:\n");
	for (size_t i = 0; i < n; i++) {
		mae_buf_addf(&b, "  s%zu:\n    image: x\n", i);
		if (i > 0)
			mae_buf_addf(&b, "    requires: [s%zu]\n", i - 1);
		else if (cycle)
			mae_buf_addf(&b, "    requires: [s%zu]\n", n - 1);
		mae_buf_addf(&b, "    instances: {i%zu: {ship: a}}\n", i);
	}
	return mae_buf_detach(&b);
}

static void test_long_chain(void **state)
{
	(void)state;
	const size_t n = 20000;
	char *text = chain_text(n, false);
	struct schema_env *env = load_text(text);
	free(text);
	assert_non_null(env);
	assert_int_equal(env->ninstances, n);
	struct schema_service *last = schema_env_service(env, "s19999");
	size_t m;
	struct schema_service **deps = schema_service_requires_closure(env, last, true, &m);
	assert_int_equal(m, n - 1);
	assert_string_equal(deps[0]->name, "s0");
	free(deps);
	deps = schema_service_dependents_closure(env, &env->services[0], &m);
	assert_int_equal(m, n - 1);
	free(deps);
	schema_env_free(env);

	text = chain_text(n, true);
	env = load_text(text);
	free(text);
	assert_null(env);
	assert_diag("error: dependency cycle: 's0' -> 's19999' -> 's19998' -> ");
	assert_diag(" -> 's1' -> 's0'\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entity_names),
		cmocka_unit_test(test_ship_endpoint_defaults_to_ip),
		cmocka_unit_test(test_ship_endpoint_kept),
		cmocka_unit_test(test_ship_defaults_applied),
		cmocka_unit_test(test_service_image_limits_ports),
		cmocka_unit_test(test_container_inherits_image_and_ports),
		cmocka_unit_test(test_container_image_override),
		cmocka_unit_test(test_container_env_both_levels),
		cmocka_unit_test(test_container_dns),
		cmocka_unit_test(test_container_swap),
		cmocka_unit_test(test_container_limits_merge),
		cmocka_unit_test(test_container_ulimits),
		cmocka_unit_test(test_container_log_config),
		cmocka_unit_test(test_container_restart),
		cmocka_unit_test(test_container_volumes),
		cmocka_unit_test(test_container_workdir),
		cmocka_unit_test(test_container_volume_conflict),
		cmocka_unit_test(test_container_ports),
		cmocka_unit_test(test_container_ports_override_service),
		cmocka_unit_test(test_container_extra_hosts),
		cmocka_unit_test(test_container_labels),
		cmocka_unit_test(test_checks_defaults),
		cmocka_unit_test(test_checks_bad),
		cmocka_unit_test(test_checks_merged_without_leaking),
		cmocka_unit_test(test_duplicate_service),
		cmocka_unit_test(test_duplicate_instance),
		cmocka_unit_test(test_instance_across_services),
		cmocka_unit_test(test_empty_registries),
		cmocka_unit_test(test_volumes_fixture),
		cmocka_unit_test(test_volume_conflict_from),
		cmocka_unit_test(test_volumes_from_unknown),
		cmocka_unit_test(test_volumes_from_adds_dependency),
		cmocka_unit_test(test_envname),
		cmocka_unit_test(test_missing_envname),
		cmocka_unit_test(test_envfile_paths_and_base_dir),
		cmocka_unit_test(test_positions_kept),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_long_chain),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(last_diags);
	return rc;
}
