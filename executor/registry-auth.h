/*
 * registry-auth.h - which credentials a pull of an image uses, and the
 * X-Registry-Auth header that carries them to the daemon.
 *
 * Order (docs/registries.md): the `registries` entry of the description
 * that matches the image as MaestroNG matched it (spec §2.3: the first path
 * component of the repository names an entry, else equals the host of an
 * entry's URL, with or without its port); an entry without a username takes
 * its credentials from the Docker client configuration by the URL's host.
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

/* retry: {attempts, when} of a registries entry (spec §2.3). */
struct registry_retry {
	int attempts;  /* total attempts, >= 1 (default 3) */
	long *when;    /* HTTP statuses worth another attempt (owned) */
	size_t n_when; /* 0: never retry */
};

/* One `registries` entry, as cli fills it from the model.  All owned. */
struct registry_entry {
	char *name;
	char *registry; /* URL, e.g. "https://quay.io/v1/" */
	char *username; /* NULL: ask the Docker client configuration */
	char *password;
	char *email;
	struct registry_retry retry;
};

struct registry_list {
	struct registry_entry *v;
	size_t n;
};

/* Free the entries' strings (and wipe the passwords) and the array. */
void registry_list_release(struct registry_list *l);

/*
 * The entry that spec §2.3 matches to image ("quay.io/user/foo:1",
 * "foo4/bar"), or NULL.  Borrowed from l.
 */
const struct registry_entry *registry_find(const struct registry_list *l,
					   const char *image);

/*
 * The host of the registry an image lives on, as the Docker client sees
 * it: the first path component when it looks like a host (has '.' or ':',
 * or is "localhost"), else "docker.io".  Newly allocated.
 */
char *registry_host_of(const char *image);

/* The host[:port] of a registry URL ("https://quay.io/v1/" -> "quay.io"). */
char *registry_url_host(const char *url);

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
			     const char *image, struct registry_creds *ret,
			     struct mae_error *e);

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

/*
 * Pull image on the ship of cl with the credentials registry_creds_for_image()
 * finds in l (NULL: none but the Docker configuration), reporting progress
 * (layers, bytes) through progress as ship_image_pull() does.  A failure
 * whose HTTP status is in the matched entry's retry.when is tried again
 * after a second, up to retry.attempts in all; running out of attempts is
 * an error that says how many were made.  A registry that refuses the
 * credentials (the daemon answers 500 "unauthorized", "authentication
 * required", "no basic auth credentials" or "denied") is MAE_ERR_AUTH,
 * naming the user and where the credentials came from, never the password.
 */
int registry_pull(struct ship_client *cl, const char *image,
		  const struct registry_list *l, ship_pull_fn progress,
		  void *ud, struct mae_error *e);

#endif
