/*
 * test-ship-settings.c - from a description's ships to connection
 * settings and URLs: MaestroNG's ShipTest and ConfigTest ship cases (spec
 * §10), with fixtures of our own, and the transport rules of spec §2.4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler.h"
#include "ship-settings.h"
#include "unit.h"

static struct schema_env *load(const char *text)
{
	return test_load_ok("test.yaml", text, NULL);
}

/* settings and URL of one ship */
static char *url_of(const struct schema_env *env, const char *ship,
		    struct ship_conn *c)
{
	const struct schema_ship *s = schema_env_ship(env, ship);
	assert_non_null(s);
	compile_ship_conn(s, c);
	return ship_conn_url(c);
}

/* ShipTest: a ship's ip is its endpoint unless one is given */
static void test_ship_endpoint_defaults_to_ip(void **st)
{
	(void)st;
	struct schema_env *env = load(
		"__maestro: {schema: 2}\n"
		"name: ships-a\n"
		"ships:\n"
		"  foo: {ip: 10.0.0.1}\n"
		"  bar: {ip: 10.0.0.1, endpoint: 192.168.10.1}\n");
	struct ship_conn c;
	char *u = url_of(env, "foo", &c);
	assert_string_equal(schema_env_ship(env, "foo")->ip, "10.0.0.1");
	assert_string_equal(c.endpoint, "10.0.0.1");
	assert_string_equal(u, "http://10.0.0.1:2375");
	assert_int_equal(c.transport, SHIP_TCP);
	free(u);
	ship_conn_release(&c);

	u = url_of(env, "bar", &c);
	assert_string_equal(schema_env_ship(env, "bar")->ip, "10.0.0.1");
	assert_string_equal(c.endpoint, "192.168.10.1");
	assert_non_null(strstr(u, "192.168.10.1"));
	free(u);
	ship_conn_release(&c);
	schema_env_free(env);
}

/* ConfigTest: ships of a file, one with an endpoint, one with a port */
static void test_config_ships(void **st)
{
	(void)st;
	struct schema_env *env = load(
		"__maestro: {schema: 2}\n"
		"name: ships-b\n"
		"ships:\n"
		"  alpha:\n"
		"    ip: 10.1.0.1\n"
		"    endpoint: 172.16.5.5\n"
		"  beta:\n"
		"    ip: 10.1.0.2\n"
		"    docker_port: 4321\n");
	struct ship_conn c;
	char *u = url_of(env, "alpha", &c);
	assert_non_null(strstr(u, "172.16.5.5"));
	assert_null(strstr(u, "10.1.0.1"));
	free(u);
	ship_conn_release(&c);
	u = url_of(env, "beta", &c);
	assert_string_equal(c.endpoint, "10.1.0.2");
	assert_non_null(strstr(u, ":4321"));
	assert_string_equal(u, "http://10.1.0.2:4321");
	free(u);
	ship_conn_release(&c);
	schema_env_free(env);
}

/* spec §2.4: tls -> https on 2376; tls_verify alone -> https on 2375 */
static void test_tls_rules(void **st)
{
	(void)st;
	struct schema_env *env = load(
		"__maestro: {schema: 2}\n"
		"name: ships-c\n"
		"ships:\n"
		"  t1: {ip: 10.2.0.1, tls: true, tls_cert: c.pem, tls_key: k.pem}\n"
		"  t2: {ip: 10.2.0.2, tls_verify: true, tls_ca_cert: ca.pem}\n"
		"  t3: {ip: 10.2.0.3, tls: true, tls_verify: true, docker_port: 2380}\n"
		"  t4: {ip: 10.2.0.4, tls: false}\n");
	struct ship_conn c;
	char *u = url_of(env, "t1", &c);
	assert_string_equal(u, "https://10.2.0.1:2376");
	assert_int_equal(c.transport, SHIP_TLS);
	assert_true(c.tls_on);
	assert_false(c.tls.verify);
	assert_string_equal(c.tls.cert, "c.pem");
	assert_string_equal(c.tls.key, "k.pem");
	assert_null(c.tls.ca_cert);
	free(u);
	ship_conn_release(&c);

	u = url_of(env, "t2", &c);
	assert_string_equal(u, "https://10.2.0.2:2375");
	assert_int_equal(c.transport, SHIP_TLS);
	assert_true(c.tls.verify);
	assert_string_equal(c.tls.ca_cert, "ca.pem");
	free(u);
	ship_conn_release(&c);

	u = url_of(env, "t3", &c);
	assert_string_equal(u, "https://10.2.0.3:2380");
	assert_true(c.tls.verify);
	free(u);
	ship_conn_release(&c);

	u = url_of(env, "t4", &c);
	assert_string_equal(u, "http://10.2.0.4:2375");
	assert_int_equal(c.transport, SHIP_TCP);
	free(u);
	ship_conn_release(&c);
	schema_env_free(env);
}

/* spec §2.4: ssh_tunnel > socket_path > TCP; defaults via ship_defaults */
static void test_transport_precedence(void **st)
{
	(void)st;
	struct schema_env *env = load(
		"__maestro: {schema: 2}\n"
		"name: ships-d\n"
		"ship_defaults:\n"
		"  timeout: 9\n"
		"  api_version: '1.18'\n"
		"ships:\n"
		"  s1: {ip: 10.3.0.1, socket_path: /run/d.sock, tls: true}\n"
		"  s2:\n"
		"    ip: 10.3.0.2\n"
		"    socket_path: /run/d.sock\n"
		"    ssh_tunnel: {user: deploy, key: id_ed25519, port: 2222}\n"
		"  s3:\n"
		"    ip: 10.3.0.3\n"
		"    endpoint: gw.example\n"
		"    timeout: 3\n"
		"    ssh_tunnel: {user: ops, key: k}\n");
	struct ship_conn c;
	char *u = url_of(env, "s1", &c);
	assert_int_equal(c.transport, SHIP_UNIX);
	assert_string_equal(u, "unix:///run/d.sock");
	assert_false(c.tls_on);
	assert_true(c.timeout_s == 9);
	assert_string_equal(c.api_version, "1.18");
	free(u);
	ship_conn_release(&c);

	u = url_of(env, "s2", &c);
	assert_int_equal(c.transport, SHIP_SSH);
	assert_true(c.has_ssh);
	assert_string_equal(c.ssh.user, "deploy");
	assert_string_equal(c.ssh.key, "id_ed25519");
	assert_int_equal(c.ssh.port, 2222);
	assert_string_equal(u, "ssh://deploy@10.3.0.2:2222 -> unix:///run/d.sock");
	free(u);
	ship_conn_release(&c);

	u = url_of(env, "s3", &c);
	assert_int_equal(c.transport, SHIP_SSH);
	assert_int_equal(c.ssh.port, 22);
	assert_true(c.timeout_s == 3);
	assert_string_equal(u, "ssh://ops@gw.example:22 -> http://127.0.0.1:2375");
	free(u);
	ship_conn_release(&c);
	schema_env_free(env);
}

/* the notes validate prints about api_version pins */
static void test_api_notes(void **st)
{
	(void)st;
	struct schema_env *env = load(
		"__maestro: {schema: 2}\n"
		"name: ships-e\n"
		"ships:\n"
		"  a: {ip: 10.4.0.1, api_version: '1.18'}\n"
		"  b: {ip: 10.4.0.2, api_version: 1.20}\n"
		"  c: {ip: 10.4.0.3, api_version: auto}\n"
		"  d: {ip: 10.4.0.4, api_version: '1.41'}\n"
		"  e: {ip: 10.4.0.5, api_version: latest}\n");
	struct mae_diags d;
	mae_diags_init(&d, "test.yaml");
	assert_int_equal(cli_ship_api_notes(env, &d), 1);
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(d.nwarnings, 1);
	int seen = 0;
	for (size_t i = 0; i < d.n; i++) {
		char *s = mae_diag_format(&d.v[i]);
		if (d.v[i].sev == MAE_SEV_WARNING) {
			/* 1.20 unquoted is the float 1.2: raised too */
			assert_string_equal(s, "test.yaml:4:3: warning: api_version "
					       "'1.18' of ship 'a' is older than "
					       "1.24, the oldest API maestro "
					       "speaks: 1.24 is used (so is the "
					       "pin of 1 more ship)");
			seen |= 1;
		} else {
			assert_string_equal(s, "test.yaml:8:3: error: invalid "
					       "api_version 'latest' for ship 'e' "
					       "(expected 'auto' or a version such "
					       "as '1.41')");
			seen |= 2;
		}
		free(s);
	}
	assert_int_equal(seen, 3);
	mae_diags_release(&d);
	schema_env_free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ship_endpoint_defaults_to_ip),
		cmocka_unit_test(test_config_ships),
		cmocka_unit_test(test_tls_rules),
		cmocka_unit_test(test_transport_precedence),
		cmocka_unit_test(test_api_notes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
