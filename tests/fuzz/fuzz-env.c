/*
 * fuzz-env.c - fuzz target for the parsers of a container's environment
 * (schema/env.c, schema/select.c): the first byte picks one, the rest is
 * its input.  Besides "no crash, no leak, no hang" it checks:
 *   - env files: the map finds every key it holds (each key once);
 *   - shell_split: a NULL-terminated argv of the announced length;
 *   - N(x): only '_', digits, upper-case ASCII and non-ASCII bytes;
 *   - image_ref_parse: repository + ":" + tag gives the image back when
 *     a tag was written; the registry is a prefix of the repository;
 *     Docker's name is a prefix of the image, and the registry host a
 *     prefix of the name (or docker.io);
 *   - glob_match: "*" matches everything, a string matches itself when it
 *     holds no pattern characters.
 */
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "compute.h"
#include "shell-split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned mode = data[0] % 5;
	char *s = mae_xstrndup((const char *)data + 1, size - 1);
	size_t n = size - 1;
	switch (mode) {
	case 0: {
		struct env_map m;
		env_map_init(&m);
		struct mae_error e;
		mae_error_clear(&e);
		envfile_parse("fuzz.env", (const char *)data + 1, n, &m, &e);
		for (size_t i = 0; i < m.n; i++)
			if (env_map_get(&m, m.v[i].key) != &m.v[i])
				abort();
		env_map_release(&m);
		break;
	}
	case 1: {
		char **argv = NULL;
		size_t argc = 0;
		if (shell_split(s, &argv, &argc, NULL) == 0) {
			for (size_t i = 0; i < argc; i++)
				if (!argv[i])
					abort();
			if (argv[argc])
				abort();
		} else if (argv) {
			abort();
		}
		argv_free(argv);
		break;
	}
	case 2: {
		char *norm = env_name_normalise(s);
		for (const unsigned char *p = (const unsigned char *)norm; *p; p++)
			if (*p < 0x80 && *p != '_' && !(*p >= '0' && *p <= '9') &&
			    !(*p >= 'A' && *p <= 'Z'))
				abort();
		free(norm);
		break;
	}
	case 3: {
		struct image_ref r;
		image_ref_parse(s, &r);
		if (r.registry && strncmp(r.repository, r.registry, strlen(r.registry)))
			abort();
		if (strcmp(r.repository, s) != 0) {
			char *back = mae_xasprintf("%s:%s", r.repository, r.tag);
			if (strcmp(back, s) != 0 && !mae_endswith(s, ":"))
				abort();
			free(back);
		}
		if (!mae_startswith(s, r.name) ||
		    (!mae_startswith(r.name, r.host) && !mae_streq(r.host, "docker.io")))
			abort();
		const char *names[] = { "quay.io", "x" };
		const char *urls[] = { s, "https://x.example:5000/v1" };
		long k = registry_match(&r, names, urls, 2);
		if (k < -1 || k > 1)
			abort();
		image_ref_release(&r);
		char *host = mae_url_host(s);
		if (!host || strlen(host) > strlen(s) || mae_host_len(host) > strlen(host))
			abort();
		free(host);
		break;
	}
	default: {
		if (!glob_match("*", s))
			abort();
		if (!strpbrk(s, "*?[") && !glob_match(s, s))
			abort();
		const char *half = s + strlen(s) / 2;
		(void)glob_match(half, s);
		break;
	}
	}
	free(s);
	return 0;
}
