/*
 * fuzz-docker-config.c - fuzz target for the Docker client configuration
 * reader (registry_config_parse), both formats, and the image matching and
 * header encoding that follow it.  Properties checked for any input:
 *   - an error leaves no credentials and no helper behind;
 *   - found credentials have a password or a token, and the header
 *     they make decodes (base64url, padded) back to JSON naming the host;
 *   - no error message contains the decoded password.
 * The first byte picks the host looked up and the format.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "registry-auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hosts[] = {
	"reg.example", "reg.example:5000", "docker.io", "a", "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *host = hosts[data[0] % 5];
	bool legacy = data[0] & 0x80;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	struct registry_creds c;
	char *helper = NULL;
	struct mae_error e;
	mae_error_clear(&e);
	int rc = registry_config_parse(text, len, "config.json", host, legacy,
				       &helper, &c, &e);
	if (rc < 0) {
		if (helper || c.username || c.password || c.identitytoken)
			abort();
		if (!e.msg[0])
			abort();
		return 0;
	}
	if (rc == 1) {
		if (!c.password && !c.identitytoken)
			abort();
		if (c.password && *c.password && strstr(e.msg, c.password))
			abort();
		char *h = registry_auth_header(&c);
		if (!h || strlen(h) % 4)
			abort();
		unsigned char *raw = NULL;
		size_t rawlen = 0;
		if (mae_base64_decode(h, strlen(h), &raw, &rawlen) < 0)
			abort();
		json_t *j = json_loadb((const char *)raw, rawlen, 0, NULL);
		if (!j || !mae_streq(json_string_value(json_object_get(j, "serveraddress")), host))
			abort();
		json_decref(j);
		free(raw);
		registry_secret_free(h);
	}
	registry_creds_release(&c);
	free(helper);

	/* the same bytes as a registry name */
	char *name = mae_xstrndup(text, len);
	struct registry_list l = { mae_xcalloc(1, sizeof(struct registry_entry)), 1 };
	l.v[0].name = mae_xstrdup("reg.example");
	l.v[0].registry = mae_xstrdup("https://reg.example:5000/v1/");
	const struct registry_entry *ent = registry_find(&l, name);
	if (ent && !mae_streq(name, "reg.example"))
		abort();
	registry_list_release(&l);
	free(name);
	return 0;
}
