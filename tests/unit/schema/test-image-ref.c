/*
 * test-image-ref.c - the one image-reference parser and registry matcher
 * (schema/image-ref.c): MaestroNG's split (spec §10 ContainerTest), Docker's
 * reference, and which `registries` entry serves an image (spec §10
 * LoginTaskTest, with fixtures of the shape of test_find_registry.yaml),
 * including the shapes on which config and pulls once disagreed: a
 * `registry` without a scheme, userinfo in the URL, IPv6 hosts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "compute.h"

static void check_split(const char *img, const char *repo, const char *tag,
			const char *reg)
{
	struct image_ref r;
	image_ref_parse(img, &r);
	assert_string_equal(r.repository, repo);
	assert_string_equal(r.tag, tag);
	if (reg)
		assert_string_equal(r.registry, reg);
	else
		assert_null(r.registry);
	image_ref_release(&r);
}

static void test_maestrong_split(void **state)
{
	(void)state;
	check_split("stackbrew/ubuntu:13.10", "stackbrew/ubuntu", "13.10", "stackbrew");
	check_split("stackbrew/ubuntu", "stackbrew/ubuntu", "latest", "stackbrew");
	check_split("quay.io/foo/bar:13.10", "quay.io/foo/bar", "13.10", "quay.io");
	check_split("quay.io:8081/foo/bar:13.10", "quay.io:8081/foo/bar", "13.10",
		    "quay.io:8081");
	check_split("quay.io:8081/foo/bar", "quay.io:8081/foo/bar", "latest",
		    "quay.io:8081");
	check_split("ubuntu", "ubuntu", "latest", NULL);
	check_split("tiny:1", "tiny", "1", NULL);
	check_split("tiny:", "tiny", "latest", NULL); /* `p[1] or 'latest'` */
	check_split("/lib/x", "/lib/x", "latest", NULL);
	check_split("[::1]:5000/foo", "[::1]:5000/foo", "latest", "[::1]:5000");
	/* digests are not understood: split at the last ':' (spec §3.4) */
	check_split("app@sha256:ab12", "app@sha256", "ab12", NULL);
	check_split("a/b@sha256:ab12", "a/b@sha256", "ab12", "a");
}

static void check_docker(const char *img, const char *name, const char *tag,
			 const char *digest, const char *host,
			 const char *pull_tag)
{
	struct image_ref r;
	image_ref_parse(img, &r);
	assert_string_equal(r.name, name);
	if (tag)
		assert_string_equal(r.ref_tag, tag);
	else
		assert_null(r.ref_tag);
	if (digest)
		assert_string_equal(r.digest, digest);
	else
		assert_null(r.digest);
	assert_string_equal(r.host, host);
	assert_string_equal(image_ref_pull_tag(&r), pull_tag);
	image_ref_release(&r);
}

static void test_docker_reference(void **state)
{
	(void)state;
	check_docker("ubuntu", "ubuntu", NULL, NULL, "docker.io", "latest");
	check_docker("library/ubuntu:22.04", "library/ubuntu", "22.04", NULL,
		     "docker.io", "22.04");
	check_docker("localhost/x", "localhost/x", NULL, NULL, "localhost", "latest");
	check_docker("localhost:5000/x:1", "localhost:5000/x", "1", NULL,
		     "localhost:5000", "1");
	check_docker("quay.io/a/b@sha256:00", "quay.io/a/b", NULL, "sha256:00",
		     "quay.io", "sha256:00");
	check_docker("10.0.0.1:5000/a", "10.0.0.1:5000/a", NULL, NULL,
		     "10.0.0.1:5000", "latest");
	check_docker("[::1]:5000/foo", "[::1]:5000/foo", NULL, NULL, "[::1]:5000",
		     "latest");
	check_docker("[::1]:5000/foo:2", "[::1]:5000/foo", "2", NULL, "[::1]:5000",
		     "2");
	/* a tag and a digest: the digest is what is pulled */
	check_docker("reg.example:5000/a/b:1@sha256:12", "reg.example:5000/a/b", "1",
		     "sha256:12", "reg.example:5000", "sha256:12");
	check_docker("app@sha256:ab12", "app", NULL, "sha256:ab12", "docker.io",
		     "sha256:ab12");
}

/* The index registry_match() gives, or -1. */
static long match(const char *image, const char *const *names,
		  const char *const *urls, size_t n)
{
	struct image_ref r;
	image_ref_parse(image, &r);
	long k = registry_match(&r, names, urls, n);
	image_ref_release(&r);
	return k;
}

static void test_login_task(void **state)
{
	(void)state;
	/* the shape of MaestroNG's LoginTaskTest */
	const char *names[] = { "quay.io", "foo2", "foo4" };
	const char *urls[] = { "https://quay.io/v1", "https://foo1.registry/v1",
			       "https://foo4.registry:5000/v1" };
	assert_int_equal(match("quay.io/user/foo1", names, urls, 3), 0);
	assert_int_equal(match("foo1.registry/user/foo2", names, urls, 3), 1);
	assert_int_equal(match("foo2.registry/user/foo2", names, urls, 3), -1);
	assert_int_equal(match("foo4/bar", names, urls, 3), 2);
	/* the host without its port */
	assert_int_equal(match("foo4.registry/x:1", names, urls, 3), 2);
	assert_int_equal(match("foo4.registry:5000/x", names, urls, 3), 2);
	assert_int_equal(match("ubuntu", names, urls, 3), -1);
	assert_int_equal(match("ubuntu:22.04", names, urls, 3), -1);
}

static void test_find_registry(void **state)
{
	(void)state;
	/* of the shape of test_find_registry.yaml */
	const char *names[] = { "registry.example", "mirror", "lib", "ported", "plain" };
	const char *urls[] = { "https://registry.example/v1", "https://mirror1.example/v2",
			       "https://lib.example/v1", "https://ported.example:5000/",
			       "https://plain.example/" };
	assert_int_equal(match("registry.example/user/app1", names, urls, 5), 0);
	assert_int_equal(match("registry.example/user/app1:2.0", names, urls, 5), 0);
	assert_int_equal(match("mirror1.example/user/app2", names, urls, 5), 1);
	assert_int_equal(match("mirror2.example/user/app2", names, urls, 5), -1);
	assert_int_equal(match("lib/thing", names, urls, 5), 2);
	assert_int_equal(match("/lib/x", names, urls, 5), -1); /* starts with '/' */
	assert_int_equal(match("ported.example:5000/x/y:1", names, urls, 5), 3);
	assert_int_equal(match("ported.example/x/y", names, urls, 5), 3);
	/* a port in the image does not match a URL without that port */
	assert_int_equal(match("plain.example:5000/x/y", names, urls, 5), -1);
	/* Docker's reference: the digest is not part of the name */
	assert_int_equal(match("plain.example/x/y@sha256:0123", names, urls, 5), 4);
	assert_int_equal(match("lib@sha256:0123", names, urls, 5), -1);
	assert_int_equal(match("anything/x", names, urls, 0), -1);
}

/* The shapes on which config (schema) and pulls (executor) disagreed. */
static void test_shapes_once_disagreeing(void **state)
{
	(void)state;
	/* a `registry` without a scheme is a host (MaestroNG matched nothing) */
	const char *n1[] = { "q" };
	const char *u1[] = { "quay.io" };
	assert_int_equal(match("quay.io/foo/bar:1", n1, u1, 1), 0);
	const char *u1b[] = { "quay.io:8443/v1/" };
	assert_int_equal(match("quay.io:8443/foo/bar:1", n1, u1b, 1), 0);
	assert_int_equal(match("quay.io/foo/bar:1", n1, u1b, 1), 0);
	assert_int_equal(match("quay.io:9/foo/bar:1", n1, u1b, 1), -1);

	/* userinfo is not part of the host */
	const char *u2[] = { "https://user@quay.io/v1/" };
	assert_int_equal(match("quay.io/foo/bar:1", n1, u2, 1), 0);
	const char *u2b[] = { "https://user:pw@quay.io:8443/v1/" };
	assert_int_equal(match("quay.io:8443/foo/bar", n1, u2b, 1), 0);
	assert_int_equal(match("user/foo", n1, u2, 1), -1);

	/* IPv6 hosts keep their brackets; the port goes after them */
	const char *u3[] = { "https://[::1]:5000/" };
	assert_int_equal(match("[::1]:5000/foo", n1, u3, 1), 0);
	assert_int_equal(match("[::1]:5000/foo:1", n1, u3, 1), 0);
	assert_int_equal(match("[::1]/foo", n1, u3, 1), 0);
	assert_int_equal(match("[::1]:5001/foo", n1, u3, 1), -1);
	assert_int_equal(match("[/foo", n1, u3, 1), -1);
	const char *u3b[] = { "https://[::1]/" };
	assert_int_equal(match("[::1]:5000/foo", n1, u3b, 1), -1);
	assert_int_equal(match("[::1]/foo", n1, u3b, 1), 0);

	/* an entry without a URL matches by name only */
	const char *u4[] = { NULL };
	assert_int_equal(match("q/foo", n1, u4, 1), 0);
	assert_int_equal(match("quay.io/foo", n1, u4, 1), -1);
	const char *u5[] = { "" };
	assert_int_equal(match("quay.io/foo", n1, u5, 1), -1);
}

static void test_url_host(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "https://user@quay.io:8443/v1/?x", "quay.io:8443" },
		{ "quay.io/v1", "quay.io" },
		{ "quay.io", "quay.io" },
		{ "quay.io:5000", "quay.io:5000" },
		{ "//quay.io/x", "quay.io" },
		{ "http://u:p@h:1/x?y", "h:1" },
		{ "https://[::1]:5000/", "[::1]:5000" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *h = mae_url_host(cases[i][0]);
		assert_string_equal(h, cases[i][1]);
		free(h);
	}
	assert_null(mae_url_host(NULL));
	assert_int_equal(mae_host_len("reg:5000"), 3);
	assert_int_equal(mae_host_len("[::1]:5000"), 5);
	assert_int_equal(mae_host_len("[::1]"), 5);
	assert_int_equal(mae_host_len("reg"), 3);
	assert_int_equal(mae_host_len("::1"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maestrong_split),
		cmocka_unit_test(test_docker_reference),
		cmocka_unit_test(test_login_task),
		cmocka_unit_test(test_find_registry),
		cmocka_unit_test(test_shapes_once_disagreeing),
		cmocka_unit_test(test_url_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
