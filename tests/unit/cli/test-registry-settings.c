/*
 * test-registry-settings.c - spec §10 LoginTaskTest from a description:
 * a fixture of the shape of MaestroNG's test_find_registry.yaml (our own
 * names) goes through the real template pass, model and container specs,
 * then through cli_pull_image_from_spec(), cli_registries_from_model() and
 * registry_find() (by the name schema matched).  Also: a password taken
 * from the process environment by the template pass ({{ env.NAME }}), and
 * the retry settings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "registry-auth.h"
#include "registry-settings.h"
#include "unit.h"

static const char fixture[] =
	"__maestro:\n"
	"  schema: 2\n"
	"name: find_registry\n"
	"registries:\n"
	"  registry.example:\n"
	"    registry: https://registry.example/v1\n"
	"    username: user\n"
	"    password: '{{ env.REGISTRY_PASSWORD }}'\n"
	"  mirror:\n"
	"    registry: https://mirror1.example/v1\n"
	"    username: user\n"
	"    password: secret\n"
	"    retry: {attempts: 5, when: [500, 503]}\n"
	"  lib:\n"
	"    registry: https://lib.example/v1\n"
	"    username: user\n"
	"    password: secret\n"
	"ships:\n"
	"  ship1: {ip: localhost}\n"
	"services:\n"
	"  service1:\n"
	"    image: registry.example/user/app1\n"
	"    instances: {app1: {ship: ship1}}\n"
	"  service2:\n"
	"    image: mirror1.example/user/app2\n"
	"    instances: {app2: {ship: ship1}}\n"
	"  service3:\n"
	"    image: mirror2.example/user/app2\n"
	"    instances: {app3: {ship: ship1}}\n"
	"  service4:\n"
	"    image: lib/thing\n"
	"    instances: {app4: {ship: ship1}}\n"
	"  service5:\n"
	"    image: lib.example/x/y:3@sha256:0011\n"
	"    instances: {app5: {ship: ship1}}\n";

static struct schema_env *load(void)
{
	char *envp[] = { (char *)"REGISTRY_PASSWORD=from-the-environment", NULL };
	return test_load_ok("find_registry.yaml", fixture, envp);
}

/* The entry a pull of instance's image authenticates as, through cli. */
static const char *found(const struct registry_list *l,
			 const struct container_specs *specs,
			 const char *instance)
{
	const struct container_spec *cs = container_specs_find(specs, instance);
	assert_non_null(cs);
	struct ship_pull_image img;
	cli_pull_image_from_spec(cs, &img);
	const struct registry_entry *r = registry_find(l, img.registry);
	/* the entry config shows is the entry the pull uses */
	if (cs->registry) {
		assert_non_null(r);
		assert_string_equal(r->name, cs->registry->name);
	} else {
		assert_null(r);
	}
	return r ? r->name : NULL;
}

static struct container_specs *specs_of(const struct schema_env *env)
{
	struct container_specs *s = NULL;
	struct mae_diags d;
	mae_diags_init(&d, "find_registry.yaml");
	assert_int_equal(container_specs_compute(env, &s, &d), 0);
	mae_diags_release(&d);
	return s;
}

static void test_login_task(void **state)
{
	(void)state;
	struct schema_env *env = load();
	struct container_specs *s = specs_of(env);
	struct registry_list l;
	cli_registries_from_model(env, &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(found(&l, s, "app1"), "registry.example"); /* by name */
	assert_string_equal(found(&l, s, "app2"), "mirror");           /* by FQDN */
	assert_null(found(&l, s, "app3"));                             /* none */
	assert_string_equal(found(&l, s, "app4"), "lib");              /* first component */
	assert_string_equal(found(&l, s, "app5"), "lib");              /* by host, digest */

	/* what the pull takes: Docker's reading of the image */
	struct ship_pull_image img;
	cli_pull_image_from_spec(container_specs_find(s, "app5"), &img);
	assert_string_equal(img.image, "lib.example/x/y:3@sha256:0011");
	assert_string_equal(img.name, "lib.example/x/y");
	assert_string_equal(img.tag, "sha256:0011");
	assert_string_equal(img.host, "lib.example");
	cli_pull_image_from_spec(container_specs_find(s, "app4"), &img);
	assert_string_equal(img.name, "lib/thing");
	assert_string_equal(img.tag, "latest");
	assert_string_equal(img.host, "docker.io");
	registry_list_release(&l);
	container_specs_free(s);
	schema_env_free(env);
}

static void test_settings(void **state)
{
	(void)state;
	struct schema_env *env = load();
	struct registry_list l;
	cli_registries_from_model(env, &l);
	/* the password came from the process environment */
	assert_string_equal(l.v[0].password, "from-the-environment");
	assert_int_equal(l.v[0].retry.attempts, 3);
	assert_int_equal(l.v[0].retry.n_when, 0);
	assert_int_equal(l.v[1].retry.attempts, 5);
	assert_int_equal(l.v[1].retry.n_when, 2);
	assert_int_equal(l.v[1].retry.when[0], 500);
	assert_int_equal(l.v[1].retry.when[1], 503);
	struct container_specs *s = specs_of(env);
	struct ship_pull_image img;
	cli_pull_image_from_spec(container_specs_find(s, "app1"), &img);
	struct registry_creds c;
	struct mae_error e;
	mae_error_clear(&e);
	assert_int_equal(registry_creds_for_image(&l, &img, &c, &e), 0);
	assert_string_equal(c.password, "from-the-environment");
	assert_string_equal(c.serveraddress, "registry.example");
	registry_creds_release(&c);
	registry_list_release(&l);
	container_specs_free(s);
	schema_env_free(env);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_task),
		cmocka_unit_test(test_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
