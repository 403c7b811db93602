/*
 * test-registry-auth.c - the registries entry found by the name schema
 * matched (matching itself: tests/unit/schema/test-image-ref.c), the Docker
 * client configuration (auths, credHelpers, credsStore,
 * ~/.dockercfg), the X-Registry-Auth encoding and the retry policy.
 * Expected header values were computed with Python's json.dumps
 * (sort_keys, compact) and base64.urlsafe_b64encode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry-auth.h"
#include "unit.h"

/* ------------------------------------------------------------------ */
/* Fixtures                                                             */

static void entry_set(struct registry_entry *r, const char *name,
		      const char *url, const char *user, const char *pw)
{
	memset(r, 0, sizeof(*r));
	r->name = mae_xstrdup(name);
	r->registry = url ? mae_xstrdup(url) : NULL;
	r->username = user ? mae_xstrdup(user) : NULL;
	r->password = pw ? mae_xstrdup(pw) : NULL;
	r->retry.attempts = 3;
}

/*
 * Of the shape of test_find_registry.yaml:
 *   registries:
 *     registry.example: {registry: https://registry.example/v1, ...}
 *     mirror:           {registry: https://mirror1.example/v2, ...}
 *     lib:              {registry: https://lib.example/v1, ...}
 *     ported:           {registry: https://ported.example:5000/, ...}
 *     plain:            {registry: https://plain.example/, ...}
 */
static struct registry_list fixture(void)
{
	struct registry_list l = { mae_xcalloc(5, sizeof(struct registry_entry)), 5 };
	entry_set(&l.v[0], "registry.example", "https://registry.example/v1", "u0", "p0");
	entry_set(&l.v[1], "mirror", "https://mirror1.example/v2", "u1", "p1");
	entry_set(&l.v[2], "lib", "https://lib.example/v1", "u2", "p2");
	entry_set(&l.v[3], "ported", "https://ported.example:5000/", "u3", "p3");
	entry_set(&l.v[4], "plain", "https://plain.example/", "u4", "p4");
	return l;
}

/* registry_find() looks an entry up by the name schema matched */
static void test_find_by_name(void **state)
{
	(void)state;
	struct registry_list l = fixture();
	assert_ptr_equal(registry_find(&l, "mirror"), &l.v[1]);
	assert_ptr_equal(registry_find(&l, "plain"), &l.v[4]);
	assert_null(registry_find(&l, "mirror1.example"));
	assert_null(registry_find(&l, NULL));
	assert_null(registry_find(NULL, "mirror"));
	registry_list_release(&l);
	struct registry_list none = { NULL, 0 };
	assert_null(registry_find(&none, "mirror"));
}

/* what cli hands on: schema's reading of the image and its entry */
static struct ship_pull_image img(const char *image, const char *host,
				  const char *registry)
{
	return (struct ship_pull_image){ .image = image, .host = host,
					 .registry = registry };
}

/* ------------------------------------------------------------------ */
/* Docker client configuration                                          */

static char tmp[64];

static void write_file(const char *rel, const char *text, mode_t mode)
{
	char *p = mae_xasprintf("%s/%s", tmp, rel);
	test_write_file(p, text);
	chmod(p, mode);
	free(p);
}

static int setup_dirs(void **state)
{
	(void)state;
	strcpy(tmp, "/tmp/maestro-test-reg-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	char *p;
	const char *sub[] = { "home", "home/.docker", "dc", "bin" };
	for (size_t i = 0; i < 4; i++) {
		p = mae_xasprintf("%s/%s", tmp, sub[i]);
		mkdir(p, 0700);
		free(p);
	}
	p = mae_xasprintf("%s/home", tmp);
	setenv("HOME", p, 1);
	free(p);
	p = mae_xasprintf("%s/dc", tmp);
	setenv("DOCKER_CONFIG", p, 1);
	free(p);
	p = mae_xasprintf("%s/bin:/usr/bin:/bin", tmp);
	setenv("PATH", p, 1);
	free(p);
	return 0;
}

static int teardown_dirs(void **state)
{
	(void)state;
	char *cmd = mae_xasprintf("rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static void lookup(const char *host, struct registry_creds *c, int want_rc,
		   struct mae_error *e)
{
	mae_error_clear(e);
	assert_int_equal(registry_creds_from_docker_config(host, c, e), want_rc);
}

static void test_config_auths(void **state)
{
	(void)state;
	struct registry_creds c;
	struct mae_error e;
	/* "bob:s3cr:et" - the password may hold ':' */
	write_file("dc/config.json",
		   "{\"auths\": {\"https://reg.example/v1/\": {\"auth\": \"Ym9iOnMzY3I6ZXQ=\","
		   " \"email\": \"bob@example.org\"},"
		   " \"reg.example:5000\": {\"auth\": \"Ym9iOnMzY3I6ZXQ=\"},"
		   " \"https://index.docker.io/v1/\": {\"auth\": \"Ym9iOnMzY3I6ZXQ=\"},"
		   " \"tok.example\": {\"identitytoken\": \"tok-1\"}}}",
		   0600);
	lookup("reg.example", &c, 0, &e);
	assert_int_equal(c.source, REGISTRY_SRC_CONFIG);
	assert_string_equal(c.username, "bob");
	assert_string_equal(c.password, "s3cr:et");
	assert_string_equal(c.email, "bob@example.org");
	assert_string_equal(c.serveraddress, "reg.example");
	char *want = mae_xasprintf("%s/dc/config.json", tmp);
	assert_string_equal(c.origin, want);
	char *d = registry_creds_describe(&c);
	char *wd = mae_xasprintf("user 'bob' (from %s)", want);
	assert_string_equal(d, wd);
	assert_null(strstr(d, "s3cr"));
	free(d);
	free(wd);
	free(want);
	registry_creds_release(&c);

	lookup("reg.example:5000", &c, 0, &e);
	assert_string_equal(c.username, "bob");
	registry_creds_release(&c);
	lookup("docker.io", &c, 0, &e);
	assert_string_equal(c.username, "bob");
	registry_creds_release(&c);
	lookup("tok.example", &c, 0, &e);
	assert_null(c.password);
	assert_string_equal(c.identitytoken, "tok-1");
	registry_creds_release(&c);
	/* another port is another registry */
	lookup("reg.example:5001", &c, 0, &e);
	assert_int_equal(c.source, REGISTRY_SRC_NONE);
	registry_creds_release(&c);
}

static void test_config_errors(void **state)
{
	(void)state;
	struct registry_creds c;
	struct mae_error e;
	write_file("dc/config.json", "{\"auths\": {\"a.example\": {\"auth\": 12", 0600);
	lookup("a.example", &c, MAE_ERR_INVALID, &e);
	assert_non_null(strstr(e.msg, "/dc/config.json:1:"));
	write_file("dc/config.json", "{\"auths\": {\"a.example\": {\"auth\": \"!!notbase64\"}}}", 0600);
	lookup("a.example", &c, MAE_ERR_INVALID, &e);
	assert_non_null(strstr(e.msg, "is not base64"));
	/* base64("nocolonsecret"): no ':' - and the secret is not quoted */
	write_file("dc/config.json", "{\"auths\": {\"a.example\": {\"auth\": \"bm9jb2xvbnNlY3JldA==\"}}}", 0600);
	lookup("a.example", &c, MAE_ERR_INVALID, &e);
	assert_non_null(strstr(e.msg, "is not user:password"));
	assert_null(strstr(e.msg, "nocolonsecret"));
	/* a secret written without quotes: jansson's message would quote the
	 * token ("invalid token near '...'"); the error must not */
	write_file("dc/config.json", "{\"auths\": {\"a.example\": {\"auth\": Unquotedsecret}}}", 0600);
	lookup("a.example", &c, MAE_ERR_INVALID, &e);
	assert_non_null(strstr(e.msg, "/dc/config.json:1:"));
	assert_null(strstr(e.msg, "Unquoted"));
	write_file("dc/config.json", "[1, 2]", 0600);
	lookup("a.example", &c, MAE_ERR_INVALID, &e);
	assert_non_null(strstr(e.msg, "is not a JSON object"));
	write_file("dc/config.json", "{}", 0600);
}

static void test_dockercfg(void **state)
{
	(void)state;
	struct registry_creds c;
	struct mae_error e;
	/* no config.json at all: the old ~/.dockercfg */
	char *p = mae_xasprintf("%s/dc/config.json", tmp);
	unlink(p);
	free(p);
	write_file("home/.dockercfg",
		   "{\"https://old.example\": {\"auth\": \"Ym9iOnMzY3I6ZXQ=\", \"email\": \"e@x\"}}", 0600);
	lookup("old.example", &c, 0, &e);
	assert_int_equal(c.source, REGISTRY_SRC_DOCKERCFG);
	assert_string_equal(c.username, "bob");
	assert_string_equal(c.password, "s3cr:et");
	registry_creds_release(&c);
	/* with a config.json, .dockercfg is not read */
	write_file("dc/config.json", "{}", 0600);
	lookup("old.example", &c, 0, &e);
	assert_int_equal(c.source, REGISTRY_SRC_NONE);
	/* no DOCKER_CONFIG: ~/.docker/config.json */
	unsetenv("DOCKER_CONFIG");
	write_file("home/.docker/config.json",
		   "{\"auths\": {\"home.example\": {\"auth\": \"Ym9iOnMzY3I6ZXQ=\"}}}", 0600);
	lookup("home.example", &c, 0, &e);
	assert_int_equal(c.source, REGISTRY_SRC_CONFIG);
	registry_creds_release(&c);
	p = mae_xasprintf("%s/dc", tmp);
	setenv("DOCKER_CONFIG", p, 1);
	free(p);
}

static void test_helpers(void **state)
{
	(void)state;
	struct registry_creds c;
	struct mae_error e;
	write_file("bin/docker-credential-t1",
		   "#!/bin/sh\n[ \"$1\" = get ] || exit 3\nread -r s\n"
		   "case $s in\n"
		   "  h.example) echo '{\"ServerURL\":\"h.example\",\"Username\":\"hu\",\"Secret\":\"hs\"}' ;;\n"
		   "  t.example) echo '{\"ServerURL\":\"t.example\",\"Username\":\"<token>\",\"Secret\":\"ht\"}' ;;\n"
		   "  https://index.docker.io/v1/) echo '{\"Username\":\"hub\",\"Secret\":\"hubs\"}' ;;\n"
		   "  broken.example) echo 'the keychain is locked'; exit 1 ;;\n"
		   "  junk.example) echo 'not json' ;;\n"
		   "  *) echo 'credentials not found in native keychain'; exit 1 ;;\n"
		   "esac\n",
		   0755);
	write_file("dc/config.json",
		   "{\"credHelpers\": {\"h.example\": \"t1\", \"t.example\": \"t1\","
		   " \"broken.example\": \"t1\", \"junk.example\": \"t1\", \"none.example\": \"t1\","
		   " \"missing.example\": \"nosuchhelper\"},"
		   " \"auths\": {\"none.example\": {\"auth\": \"Ym9iOnMzY3I6ZXQ=\"}}}",
		   0600);
	lookup("h.example", &c, 0, &e);
	assert_int_equal(c.source, REGISTRY_SRC_HELPER);
	assert_string_equal(c.username, "hu");
	assert_string_equal(c.password, "hs");
	assert_string_equal(c.origin, "docker-credential-t1");
	registry_creds_release(&c);
	lookup("t.example", &c, 0, &e);
	assert_null(c.username);
	assert_string_equal(c.identitytoken, "ht");
	registry_creds_release(&c);
	/* the helper has nothing: the auths entry is used */
	lookup("none.example", &c, 0, &e);
	assert_int_equal(c.source, REGISTRY_SRC_CONFIG);
	registry_creds_release(&c);
	lookup("broken.example", &c, MAE_ERR_AUTH, &e);
	assert_non_null(strstr(e.msg, "credential helper 'docker-credential-t1' failed for "
				      "'broken.example' (exit status 1): the keychain is locked"));
	lookup("junk.example", &c, MAE_ERR_AUTH, &e);
	assert_non_null(strstr(e.msg, "not a JSON object"));
	lookup("missing.example", &c, MAE_ERR_AUTH, &e);
	assert_non_null(strstr(e.msg, "cannot run credential helper 'docker-credential-nosuchhelper'"));

	/* a helper that exits without reading its input: no SIGPIPE death */
	write_file("bin/docker-credential-t2", "#!/bin/sh\nexec 0<&-\nexit 4\n", 0755);
	write_file("dc/config.json", "{\"credHelpers\": {\"c.example\": \"t2\"}}", 0600);
	for (int i = 0; i < 20; i++) {
		lookup("c.example", &c, MAE_ERR_AUTH, &e);
		assert_non_null(strstr(e.msg, "(exit status 4)"));
	}

	/* credsStore: every host, Docker Hub by its old URL */
	write_file("dc/config.json", "{\"credsStore\": \"t1\"}", 0600);
	lookup("docker.io", &c, 0, &e);
	assert_string_equal(c.username, "hub");
	assert_string_equal(c.serveraddress, "docker.io");
	registry_creds_release(&c);
	lookup("elsewhere.example", &c, 0, &e);
	assert_int_equal(c.source, REGISTRY_SRC_NONE);
	write_file("dc/config.json", "{}", 0600);
}

static void test_creds_for_image(void **state)
{
	(void)state;
	struct registry_list l = fixture();
	struct registry_creds c;
	struct mae_error e;
	const struct ship_pull_image mi = img("mirror1.example/u/a:1", "mirror1.example", "mirror");
	const struct ship_pull_image lib = img("lib/thing", "docker.io", "lib");
	const struct ship_pull_image other = img("other.example:5000/a/b", "other.example:5000", NULL);
	const struct ship_pull_image ubuntu = img("ubuntu", "docker.io", NULL);
	const struct ship_pull_image reg = img("registry.example/a/b", "registry.example", "registry.example");
	mae_error_clear(&e);
	assert_int_equal(registry_creds_for_image(&l, &mi, &c, &e), 0);
	assert_int_equal(c.source, REGISTRY_SRC_DESCRIPTION);
	assert_string_equal(c.username, "u1");
	assert_string_equal(c.password, "p1");
	assert_string_equal(c.serveraddress, "mirror1.example");
	assert_ptr_equal(c.entry, &l.v[1]);
	char *d = registry_creds_describe(&c);
	assert_string_equal(d, "user 'u1' (from registry 'mirror' of the description)");
	free(d);
	registry_creds_release(&c);

	/* an entry without a username: the Docker configuration, by the
	 * host of the entry's URL (MaestroNG 0.4.5) */
	free(l.v[2].username);
	l.v[2].username = NULL;
	write_file("dc/config.json",
		   "{\"auths\": {\"lib.example\": {\"auth\": \"Ym9iOnMzY3I6ZXQ=\"}}}", 0600);
	assert_int_equal(registry_creds_for_image(&l, &lib, &c, &e), 0);
	assert_int_equal(c.source, REGISTRY_SRC_CONFIG);
	assert_string_equal(c.username, "bob");
	assert_ptr_equal(c.entry, &l.v[2]);
	registry_creds_release(&c);

	/* no entry: the image's own registry host */
	write_file("dc/config.json",
		   "{\"auths\": {\"other.example:5000\": {\"auth\": \"Ym9iOnMzY3I6ZXQ=\"}}}", 0600);
	assert_int_equal(registry_creds_for_image(&l, &other, &c, &e), 0);
	assert_int_equal(c.source, REGISTRY_SRC_CONFIG);
	assert_null(c.entry);
	registry_creds_release(&c);
	assert_int_equal(registry_creds_for_image(&l, &ubuntu, &c, &e), 0);
	assert_int_equal(c.source, REGISTRY_SRC_NONE);
	d = registry_creds_describe(&c);
	assert_string_equal(d, "no credentials");
	free(d);

	/* a username without a password */
	registry_secret_free(l.v[0].password);
	l.v[0].password = NULL;
	assert_int_equal(registry_creds_for_image(&l, &reg, &c, &e),
			 MAE_ERR_INVALID);
	assert_string_equal(e.msg, "registry 'registry.example' has a username but no password");
	write_file("dc/config.json", "{}", 0600);
	registry_list_release(&l);
}

/* ------------------------------------------------------------------ */
/* Header and retries                                                   */

static void test_header(void **state)
{
	(void)state;
	struct registry_creds c = { 0 };
	c.source = REGISTRY_SRC_DESCRIPTION;
	c.username = (char *)"bob";
	c.password = (char *)"p@ss+/w?rd";
	c.serveraddress = (char *)"reg.example:5000";
	char *h = registry_auth_header(&c);
	/* URL-safe alphabet ('_' here) and '=' padding */
	assert_string_equal(h, "eyJwYXNzd29yZCI6InBAc3MrL3c_cmQiLCJzZXJ2ZXJhZGRyZXNzIjoicmVnLmV4YW1w"
			       "bGU6NTAwMCIsInVzZXJuYW1lIjoiYm9iIn0=");
	registry_secret_free(h);

	c.email = (char *)"a@b.c";
	c.username = (char *)"a";
	c.password = (char *)"b";
	c.serveraddress = (char *)"c";
	h = registry_auth_header(&c);
	assert_string_equal(h, "eyJlbWFpbCI6ImFAYi5jIiwicGFzc3dvcmQiOiJiIiwic2VydmVyYWRkcmVzcyI6ImMiLC"
			       "J1c2VybmFtZSI6ImEifQ==");
	registry_secret_free(h);

	struct registry_creds t = { 0 };
	t.source = REGISTRY_SRC_HELPER;
	t.identitytoken = (char *)"tok-1";
	t.serveraddress = (char *)"reg.example";
	h = registry_auth_header(&t);
	assert_string_equal(h, "eyJpZGVudGl0eXRva2VuIjoidG9rLTEiLCJzZXJ2ZXJhZGRyZXNzIjoicmVnLmV4YW1wbGUifQ==");
	registry_secret_free(h);

	struct registry_creds none = { 0 };
	assert_null(registry_auth_header(&none));
	assert_null(registry_auth_header(NULL));
}

static void test_retry(void **state)
{
	(void)state;
	long when[] = { 500, 502 };
	struct registry_retry r = { 3, when, 2 };
	assert_true(registry_retry_wanted(&r, 1, 500));
	assert_true(registry_retry_wanted(&r, 2, 502));
	assert_false(registry_retry_wanted(&r, 3, 500)); /* third was the last */
	assert_false(registry_retry_wanted(&r, 1, 404));
	assert_false(registry_retry_wanted(&r, 1, 0));   /* no HTTP status */
	struct registry_retry never = { 3, NULL, 0 };     /* when: [] */
	assert_false(registry_retry_wanted(&never, 1, 500));
	assert_false(registry_retry_wanted(NULL, 1, 500));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_by_name),
		cmocka_unit_test(test_config_auths),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_dockercfg),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_creds_for_image),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_retry),
	};
	return cmocka_run_group_tests(tests, setup_dirs, teardown_dirs);
}
