/*
 * registry-auth.h - which credentials a pull of an image uses, and the
 * X-Registry-Auth header that carries them to the daemon.
 *
 * Order (docs/registries.md): the `registries` entry of the description
 * that schema matched to the image (schema/image-ref.c; it reaches the
 * executor by name in struct ship_pull_image); an entry without a username
 * takes its credentials from the Docker client configuration by the URL's
 * host.
 * With no entry, the Docker client configuration for the image's registry
 * host: `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`) with
 * `credHelpers`, `credsStore` (through `docker-credential-NAME get`) and
 * `auths`, else the old `~/.dockercfg`.
 *
 * Secrets: passwords and tokens live only in struct registry_creds and the
 * header string; registry_creds_release() wipes them.  Nothing here prints,
 * and no error message carries a password or the output of a helper that
 * succeeded.
 */
#ifndef MAESTRO_EXECUTOR_REGISTRY_AUTH_H
#define MAESTRO_EXECUTOR_REGISTRY_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "base.h"
#include "executor.h"

/*
 * The entry of l named name, or NULL (l or name NULL: NULL).  Borrowed
 * from l.
 */
const struct registry_entry *registry_find(const struct registry_list *l,
					   const char *name);

enum registry_source {
	REGISTRY_SRC_NONE,        /* no credentials: pull anonymously */
	REGISTRY_SRC_DESCRIPTION, /* the registries entry */
	REGISTRY_SRC_CONFIG,      /* config.json "auths" */
	REGISTRY_SRC_HELPER,      /* a docker-credential-NAME helper */
	REGISTRY_SRC_DOCKERCFG,   /* ~/.dockercfg */
};

struct registry_creds {
	enum registry_source source;
	char *username;
	char *password;      /* secret */
	char *identitytoken; /* secret (helpers answering "<token>") */
	char *email;
	char *serveraddress; /* the registry host the credentials are for */
	char *origin;        /* where they came from, for messages: a file
			      * path or "docker-credential-NAME"; no secret */
	const struct registry_entry *entry; /* matched entry or NULL */
};

/* Wipe and free. NULL-safe. */
void registry_creds_release(struct registry_creds *c);

/*
 * Find the credentials for pulling image.  *ret is always initialised;
 * REGISTRY_SRC_NONE with 0 means "none found".  Errors: MAE_ERR_IO or
 * MAE_ERR_INVALID for an unreadable or malformed Docker configuration,
 * MAE_ERR_AUTH when a credential helper fails, MAE_ERR_INVALID when the
 * matched entry has a username but no password.
 */
int registry_creds_for_image(const struct registry_list *l,
			     const struct ship_pull_image *img,
			     struct registry_creds *ret, struct mae_error *e);

/*
 * Credentials for registry host `host` from the Docker client
 * configuration only (the seam the unit tests use).  Same contract as
 * registry_creds_for_image().
 */
int registry_creds_from_docker_config(const char *host,
				      struct registry_creds *ret,
				      struct mae_error *e);

/*
 * The pure part of the above, for one configuration text (the seam the
 * fuzz target uses): `file` names it in messages; dockercfg selects the old
 * format (entries at the top level, no helpers).  Returns 1 with the
 * "auths" credentials for host in *ret, 0 with none, or an error
 * (MAE_ERR_INVALID).  *ret_helper gets the credential helper config.json
 * names for host (credHelpers, else credsStore), newly allocated, or NULL:
 * the caller asks it first.
 */
int registry_config_parse(const char *text, size_t len, const char *file,
			  const char *host, bool dockercfg, char **ret_helper,
			  struct registry_creds *ret, struct mae_error *e);

/*
 * The X-Registry-Auth header value for c: base64url, with '=' padding
 * (dockerd 20.10 ignores it unpadded), of the JSON
 * {"username","password","email","serveraddress"} or
 * {"identitytoken","serveraddress"}.  NULL when c has no credentials.
 * Newly allocated; a secret: wipe it (registry_secret_free()).
 */
char *registry_auth_header(const struct registry_creds *c);

/* Wipe and free a string that held a secret. NULL-safe. */
void registry_secret_free(char *s);

/*
 * "user 'bob' (from the description)", "user 'bob' (from
 * /root/.docker/config.json)", "no credentials": for messages, never a
 * secret.  Newly allocated.
 */
char *registry_creds_describe(const struct registry_creds *c);

/*
 * Whether a pull that failed on attempt number `attempt` (1-based) with
 * HTTP status `status` is tried again under r (NULL: never).
 */
bool registry_retry_wanted(const struct registry_retry *r, int attempt,
			   long status);

#endif
