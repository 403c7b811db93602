/*
 * Unit tests for plan/observed.c: Docker's list answers and fixtures
 * read into an observation, lookups, and the one classifier of
 * INTERFACES.md "Containers on the ships".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "observed.h"

static void test_docker_lists(void **state)
{
	(void)state;
	json_t *cs = json_loads(
		"[{\"Id\":\"aa\",\"Names\":[\"/web-1\"],\"State\":\"running\","
		"\"Image\":\"tiny:1\",\"ImageID\":\"sha256:11\","
		"\"Labels\":{\"maestro.environment\":\"e\",\"maestro.service\":\"web\","
		"\"maestro.spec\":\"s1\"}},"
		"{\"Id\":\"bb\",\"Names\":[\"/db-1\",\"/web-1/db\"],\"State\":\"exited\","
		"\"Image\":\"tiny:1\",\"Labels\":{}},"
		"{\"Id\":\"cc\",\"Names\":[\"/paused\"],\"State\":\"paused\",\"Image\":\"x\"}]",
		0, NULL);
	json_t *ims = json_loads(
		"[{\"Id\":\"sha256:11\",\"RepoTags\":[\"tiny:1\",\"tiny:latest\"]},"
		"{\"Id\":\"sha256:22\",\"RepoTags\":[\"<none>:<none>\"]},"
		"{\"Id\":\"sha256:33\",\"RepoTags\":null}]",
		0, NULL);
	struct observed *o = observed_new();
	struct obs_ship *s = observed_add_ship(o, "ship1");
	struct mae_error e;
	mae_error_clear(&e);
	assert_int_equal(obs_ship_add_docker_containers(s, cs, &e), 0);
	assert_int_equal(obs_ship_add_docker_images(s, ims, &e), 0);
	assert_int_equal(obs_ship_add_inspect(s, "web-1", json_pack("{s:{}}", "Config")), 0);
	assert_int_equal(obs_ship_add_inspect(s, "nobody", json_object()),
			 MAE_ERR_NOTFOUND);
	assert_int_equal(observed_seal(o, &e), 0);

	const struct obs_ship *sh = observed_ship(o, "ship1");
	assert_non_null(sh);
	assert_null(observed_ship(o, "ship2"));
	const struct obs_container *w = obs_ship_container(sh, "web-1");
	assert_non_null(w);
	assert_true(w->running);
	assert_string_equal(w->id, "aa");
	assert_string_equal(w->spec, "s1");
	assert_string_equal(w->image_id, "sha256:11");
	assert_non_null(json_object_get(w->inspect, "Config"));
	const struct obs_container *d = obs_ship_container(sh, "db-1");
	assert_non_null(d);
	assert_false(d->running);
	assert_null(d->environment);
	assert_null(d->image_id);
	assert_true(obs_ship_container(sh, "paused")->running);
	assert_null(obs_ship_container(sh, "web-1/db"));
	assert_string_equal(obs_ship_image_id(sh, "tiny:latest"), "sha256:11");
	assert_null(obs_ship_image_id(sh, "<none>:<none>"));
	assert_null(obs_ship_image_id(sh, "tiny:2"));

	assert_int_equal(obs_classify(w, "e", true), OBS_MANAGED);
	assert_int_equal(obs_classify(w, "e", false), OBS_ORPHAN);
	assert_int_equal(obs_classify(w, "other", true), OBS_FOREIGN);
	assert_int_equal(obs_classify(w, "other", false), OBS_UNRELATED);
	assert_int_equal(obs_classify(d, "e", true), OBS_UNMANAGED);
	assert_int_equal(obs_classify(d, "e", false), OBS_UNRELATED);
	assert_string_equal(obs_class_name(OBS_FOREIGN), "foreign");

	/* a malformed list adds nothing */
	json_t *bad = json_loads("[{\"Id\":\"dd\",\"Names\":[\"/x\"]},{\"Names\":[]}]",
				 0, NULL);
	size_t before = s->ncontainers;
	assert_int_equal(obs_ship_add_docker_containers(s, bad, &e),
			 MAE_ERR_PROTOCOL);
	assert_int_equal(s->ncontainers, before);
	assert_non_null(strstr(e.msg, "ship1"));
	json_decref(bad);
	json_decref(cs);
	json_decref(ims);
	observed_free(o);
}

static void test_fixture(void **state)
{
	(void)state;
	const char *text =
		"{\"ships\": {\"b\": {\"error\": \"connection refused\"},"
		" \"a\": {\"containers\": [{\"name\": \"x\", \"id\": \"1\","
		" \"state\": \"created\", \"image\": \"i:1\","
		" \"labels\": {\"maestro.environment\": \"e\"}}],"
		" \"images\": {\"i:1\": \"sha256:1\"}}}}";
	struct observed *o = NULL;
	struct mae_error e;
	mae_error_clear(&e);
	assert_int_equal(observed_from_text(text, strlen(text), "f.json", &o, &e), 0);
	assert_string_equal(o->ships[0].name, "a");
	assert_false(observed_ship(o, "b")->observed);
	assert_string_equal(observed_ship(o, "b")->error, "connection refused");
	const struct obs_container *x = obs_ship_container(observed_ship(o, "a"), "x");
	assert_false(x->running);
	assert_string_equal(obs_ship_image_id(observed_ship(o, "a"), "i:1"), "sha256:1");
	observed_free(o);

	const char *dup = "{\"ships\": {\"a\": {\"containers\": ["
			  "{\"name\": \"x\", \"id\": \"1\", \"state\": \"running\", \"image\": \"i\"},"
			  "{\"name\": \"x\", \"id\": \"2\", \"state\": \"running\", \"image\": \"i\"}]}}}";
	assert_int_equal(observed_from_text(dup, strlen(dup), "f.json", &o, &e),
			 MAE_ERR_INVALID);
	assert_null(o);
	assert_non_null(strstr(e.msg, "two containers named 'x'"));
	const char *nokey = "{\"ships\": {\"a\": {\"containers\": [{\"name\": \"x\"}]}}}";
	assert_int_equal(observed_from_text(nokey, strlen(nokey), "f.json", &o, &e),
			 MAE_ERR_INVALID);
	assert_non_null(strstr(e.msg, "f.json: ships.a"));
	assert_int_equal(observed_from_text("{", 1, "f.json", &o, &e), MAE_ERR_INVALID);
	assert_non_null(strstr(e.msg, "f.json:1:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_lists),
		cmocka_unit_test(test_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
