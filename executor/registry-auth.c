/*
 * registry-auth.c - the credentials of a pull: the registries entry schema
 * matched (by name), the Docker client configuration and its credential
 * helpers, and X-Registry-Auth.
 *
 * Must not: print, log, or put a secret into an error message (helper
 * output is quoted only when the helper failed, and then it holds no
 * credentials).
 */
#include "registry-auth.h"
#include "client-int.h"
#include "proc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#define DOCKER_HUB_KEY "https://index.docker.io/v1/"
#define CONFIG_MAX ((size_t)4 << 20)
#define HELPER_OUT_MAX ((size_t)1 << 20)
#define HELPER_TIMEOUT_MS 30000

void registry_secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void registry_list_release(struct registry_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		struct registry_entry *r = &l->v[i];
		free(r->name);
		free(r->registry);
		free(r->username);
		registry_secret_free(r->password);
		free(r->email);
		free(r->retry.when);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void registry_creds_release(struct registry_creds *c)
{
	if (!c)
		return;
	free(c->username);
	registry_secret_free(c->password);
	registry_secret_free(c->identitytoken);
	free(c->email);
	free(c->serveraddress);
	free(c->origin);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------------ */
/* The entry schema matched                                             */

const struct registry_entry *registry_find(const struct registry_list *l,
					   const char *name)
{
	if (!l || !name)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		if (mae_streq(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Docker client configuration                                          */

static bool is_hub(const char *host)
{
	return mae_streq(host, "docker.io") ||
	       mae_streq(host, "index.docker.io") ||
	       mae_streq(host, "registry-1.docker.io");
}

/* Does a config key ("https://quay.io/v1/", "quay.io") name host? */
static bool key_names_host(const char *key, const char *host)
{
	char *kh = mae_url_host(key);
	bool ret = mae_streq(kh, host) || (is_hub(kh) && is_hub(host));
	free(kh);
	return ret;
}

static json_t *object_for_host(json_t *obj, const char *host)
{
	if (!json_is_object(obj))
		return NULL;
	json_t *v = json_object_get(obj, host);
	if (v)
		return v;
	const char *k;
	json_object_foreach(obj, k, v)
		if (key_names_host(k, host))
			return v;
	return NULL;
}

static char *dup_json_string(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? mae_xstrdup(s) : NULL;
}

/* An "auths" (or .dockercfg) entry: {"auth": base64(user:pass), ...}. */
static int creds_from_auth_entry(json_t *ent, const char *file,
				 const char *host, struct registry_creds *ret,
				 struct mae_error *e)
{
	if (!json_is_object(ent))
		return mae_error_set(e, MAE_ERR_INVALID,
				     "'%s': the entry for '%s' is not an object",
				     file, host);
	const char *auth = json_string_value(json_object_get(ent, "auth"));
	char *token = dup_json_string(ent, "identitytoken");
	if ((!auth || !*auth) && !token)
		return 0; /* e.g. an entry a helper fills: nothing here */
	if (auth && *auth) {
		unsigned char *raw = NULL;
		size_t rawlen = 0;
		if (mae_base64_decode(auth, strlen(auth), &raw, &rawlen) < 0) {
			registry_secret_free(token);
			return mae_error_set(e, MAE_ERR_INVALID,
					     "'%s': the 'auth' of '%s' is not base64",
					     file, host);
		}
		char *colon = memchr(raw, ':', rawlen);
		if (!colon) {
			explicit_bzero(raw, rawlen);
			free(raw);
			registry_secret_free(token);
			return mae_error_set(e, MAE_ERR_INVALID,
					     "'%s': the 'auth' of '%s' is not user:password",
					     file, host);
		}
		ret->username = mae_xstrndup((char *)raw,
					     (size_t)(colon - (char *)raw));
		ret->password = mae_xstrndup(colon + 1,
					     rawlen - (size_t)(colon + 1 - (char *)raw));
		explicit_bzero(raw, rawlen);
		free(raw);
	}
	ret->identitytoken = token;
	ret->email = dup_json_string(ent, "email");
	return 1;
}

/*
 * Run `docker-credential-NAME get` with the server address on stdin.
 * Returns 1 with credentials, 0 when the helper has none, or an error.
 */
static int creds_from_helper(const char *name, const char *host,
			     struct registry_creds *ret, struct mae_error *e)
{
	char *prog = mae_xasprintf("docker-credential-%s", name);
	const char *server = is_hub(host) ? DOCKER_HUB_KEY : host;
	char *argv[] = { prog, (char *)"get", NULL };
	const struct proc_spec spec = { .argv = argv, .in = server,
					.in_len = strlen(server),
					.out_max = HELPER_OUT_MAX,
					.timeout_ms = HELPER_TIMEOUT_MS };
	struct proc_result res;
	struct mae_error pe;
	mae_error_clear(&pe);
	int rc = proc_run(&spec, &res, &pe);
	if (rc < 0) {
		rc = mae_error_set(e, MAE_ERR_AUTH,
				   "cannot run credential helper '%s' for '%s': %s",
				   prog, host, strerror(pe.sys_errno));
		goto out;
	}
	switch (res.end) {
	case PROC_TIMED_OUT:
		rc = mae_error_set(e, MAE_ERR_TIMEOUT,
				   "credential helper '%s' did not answer for '%s' within %d s",
				   prog, host, HELPER_TIMEOUT_MS / 1000);
		goto out;
	case PROC_TOO_MUCH:
		rc = mae_error_set(e, MAE_ERR_AUTH,
				   "credential helper '%s' answered more than %zu bytes for '%s'",
				   prog, HELPER_OUT_MAX, host);
		goto out;
	case PROC_SIGNALED:
	case PROC_EXITED:
		break;
	}
	if (res.end != PROC_EXITED || res.status != 0) {
		/* A failing helper prints its reason, not credentials. */
		if (strstr(res.out, "credentials not found")) {
			rc = 0;
			goto out;
		}
		char first[200];
		snprintf(first, sizeof(first), "%.*s",
			 (int)strcspn(res.out, "\r\n"), res.out);
		rc = mae_error_set(e, MAE_ERR_AUTH,
				   "credential helper '%s' failed for '%s' (%s %d)%s%s",
				   prog, host,
				   res.end == PROC_EXITED ? "exit status" : "signal",
				   res.status, *first ? ": " : "", first);
		goto out;
	}
	json_error_t jerr;
	json_t *j = json_loadb(res.out, res.out_len, 0, &jerr);
	if (!json_is_object(j)) {
		json_decref(j);
		rc = mae_error_set(e, MAE_ERR_AUTH,
				   "credential helper '%s' answered something that is not "
				   "a JSON object for '%s'",
				   prog, host);
		goto out;
	}
	char *user = dup_json_string(j, "Username");
	char *secret = dup_json_string(j, "Secret");
	json_decref(j); /* jansson does not wipe; the output below is */
	if (mae_streq(user, "<token>")) {
		free(user);
		ret->identitytoken = secret;
	} else {
		ret->username = user;
		ret->password = secret;
	}
	ret->origin = mae_xstrdup(prog);
	ret->source = REGISTRY_SRC_HELPER;
	rc = secret ? 1 : 0;
out:
	proc_result_release(&res);
	free(prog);
	return rc;
}

/* Read a whole file: 1 with its text, 0 when it does not exist. */
static int read_config(const char *path, char **ret, size_t *ret_len,
		       struct mae_error *e)
{
	struct mae_error fe;
	mae_error_clear(&fe);
	*ret = NULL;
	if (mae_read_file(path, CONFIG_MAX, ret, ret_len, &fe) < 0) {
		if (fe.sys_errno == ENOENT)
			return 0;
		return mae_error_set(e, MAE_ERR_IO, "%s", fe.msg);
	}
	return 1;
}

int registry_config_parse(const char *text, size_t len, const char *file,
			  const char *host, bool dockercfg, char **ret_helper,
			  struct registry_creds *ret, struct mae_error *e)
{
	memset(ret, 0, sizeof(*ret));
	*ret_helper = NULL;
	json_error_t jerr;
	json_t *cfg = json_loadb(text, len, 0, &jerr);
	if (!cfg) {
		/* jansson quotes the token it stopped at ("... near 'x'"):
		 * in this file that can be a credential, so it is cut off */
		char *near = strstr(jerr.text, " near '");
		if (near)
			*near = '\0';
		return mae_error_set(e, MAE_ERR_INVALID, "%s:%d:%d: error: %s", file,
				     jerr.line, jerr.column, jerr.text);
	}
	int rc = 0;
	if (!json_is_object(cfg)) {
		rc = mae_error_set(e, MAE_ERR_INVALID, "'%s' is not a JSON object",
				   file);
		goto out;
	}
	json_t *auths = cfg;
	if (!dockercfg) {
		json_t *helpers = json_object_get(cfg, "credHelpers");
		const char *helper = json_string_value(object_for_host(helpers, host));
		if (!helper)
			helper = json_string_value(json_object_get(cfg, "credsStore"));
		if (helper && *helper)
			*ret_helper = mae_xstrdup(helper);
		auths = json_object_get(cfg, "auths");
	}
	json_t *ent = object_for_host(auths, host);
	if (ent)
		rc = creds_from_auth_entry(ent, file, host, ret, e);
	if (rc == 1) {
		ret->source = dockercfg ? REGISTRY_SRC_DOCKERCFG : REGISTRY_SRC_CONFIG;
		ret->origin = mae_xstrdup(file);
		ret->serveraddress = mae_xstrdup(host);
	}
out:
	json_decref(cfg);
	if (rc <= 0) {
		registry_creds_release(ret);
		if (rc < 0) {
			free(*ret_helper);
			*ret_helper = NULL;
		}
	}
	return rc;
}

int registry_creds_from_docker_config(const char *host,
				      struct registry_creds *ret,
				      struct mae_error *e)
{
	memset(ret, 0, sizeof(*ret));
	const char *dc = getenv("DOCKER_CONFIG");
	const char *home = getenv("HOME");
	char *path = dc && *dc ? mae_xasprintf("%s/config.json", dc)
			       : mae_xasprintf("%s/.docker/config.json",
					       home ? home : "");
	bool legacy = false;
	char *text = NULL, *helper = NULL;
	size_t len = 0;
	int rc = read_config(path, &text, &len, e);
	if (rc == 0) {
		/* No config.json: the old ~/.dockercfg (entries at the top level). */
		free(path);
		path = mae_xasprintf("%s/.dockercfg", home ? home : "");
		legacy = true;
		rc = read_config(path, &text, &len, e);
	}
	if (rc == 1)
		rc = registry_config_parse(text, len, path, host, legacy, &helper,
					   ret, e);
	if (text) {
		explicit_bzero(text, len);
		free(text);
	}
	if (rc >= 0 && helper) {
		/* the helper first; the auths entry when it has nothing */
		struct registry_creds hc;
		memset(&hc, 0, sizeof(hc));
		int hr = creds_from_helper(helper, host, &hc, e);
		if (hr < 0) {
			registry_creds_release(ret);
			rc = hr;
		} else if (hr == 1) {
			registry_creds_release(ret);
			*ret = hc;
			ret->serveraddress = mae_xstrdup(host);
			rc = 1;
		} else {
			registry_creds_release(&hc);
		}
	}
	free(helper);
	free(path);
	if (rc < 0)
		return rc;
	if (rc == 0)
		registry_creds_release(ret);
	return 0;
}

int registry_creds_for_image(const struct registry_list *l,
			     const struct ship_pull_image *img,
			     struct registry_creds *ret, struct mae_error *e)
{
	memset(ret, 0, sizeof(*ret));
	const struct registry_entry *ent = registry_find(l, img->registry);
	if (ent && ent->username && *ent->username) {
		if (!ent->password)
			return mae_error_set(e, MAE_ERR_INVALID,
					     "registry '%s' has a username but no password",
					     ent->name);
		ret->source = REGISTRY_SRC_DESCRIPTION;
		ret->username = mae_xstrdup(ent->username);
		ret->password = mae_xstrdup(ent->password);
		ret->email = mae_xstrdup_or_null(ent->email);
		ret->serveraddress = mae_url_host(ent->registry);
		if (!ret->serveraddress || !*ret->serveraddress) {
			free(ret->serveraddress);
			ret->serveraddress = mae_xstrdup(img->host);
		}
		ret->origin = mae_xasprintf("registry '%s' of the description",
					    ent->name);
		ret->entry = ent;
		return 0;
	}
	char *host = NULL;
	if (ent) {
		host = mae_url_host(ent->registry);
		if (!host || !*host)
			return mae_error_set(e, MAE_ERR_INVALID,
					     "registry '%s' has no 'registry' URL to look its "
					     "credentials up by",
					     ent->name);
	} else {
		host = mae_xstrdup(img->host);
	}
	int rc = registry_creds_from_docker_config(host, ret, e);
	free(host);
	ret->entry = ent;
	return rc;
}

/* ------------------------------------------------------------------ */
/* The header                                                           */

char *registry_auth_header(const struct registry_creds *c)
{
	if (!c || (!c->password && !c->identitytoken))
		return NULL;
	json_t *j = json_object();
	if (c->identitytoken) {
		json_object_set_new(j, "identitytoken",
				    json_string(c->identitytoken));
	} else {
		json_object_set_new(j, "username",
				    json_string(c->username ? c->username : ""));
		json_object_set_new(j, "password", json_string(c->password));
		if (c->email)
			json_object_set_new(j, "email", json_string(c->email));
	}
	if (c->serveraddress)
		json_object_set_new(j, "serveraddress",
				    json_string(c->serveraddress));
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	char *ret = mae_base64_encode(text, strlen(text), true);
	registry_secret_free(text);
	return ret;
}

char *registry_creds_describe(const struct registry_creds *c)
{
	if (!c || c->source == REGISTRY_SRC_NONE)
		return mae_xstrdup("no credentials");
	const char *from = c->origin ? c->origin : "?";
	if (c->identitytoken && !c->password)
		return mae_xasprintf("an identity token (from %s)", from);
	return mae_xasprintf("user '%s' (from %s)",
			     c->username ? c->username : "", from);
}

bool registry_retry_wanted(const struct registry_retry *r, int attempt,
			   long status)
{
	if (!r || attempt >= r->attempts)
		return false;
	for (size_t i = 0; i < r->n_when; i++)
		if (r->when[i] == status)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Pulls                                                                */

static bool auth_refused(const struct mae_error *e)
{
	static const char *const words[] = {
		"unauthorized", "authentication required",
		"no basic auth credentials", "denied", "incorrect username or password",
	};
	if (e->http_status != 500 && e->http_status != 401 &&
	    e->http_status != 403 && e->http_status != 0)
		return false;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(e->msg, words[i]))
			return true;
	return false;
}

/* A second between attempts, cut short by a cancel. */
static void retry_pause(struct ship_client *cl)
{
	for (int i = 0; i < 10 && !ship_client_cancelled(cl); i++)
		usleep(100 * 1000);
}

int registry_pull(struct ship_client *cl, const struct ship_pull_image *img,
		  const struct registry_list *l, ship_pull_fn progress,
		  void *ud, struct mae_error *e)
{
	const char *image = img->image;
	struct registry_creds cr;
	struct mae_error le;
	mae_error_clear(&le);
	int rc = registry_creds_for_image(l, img, &cr, &le);
	if (rc < 0) {
		mae_error_set(e, rc, "%s: pull '%s': %s", ship_client_name(cl),
			      image, le.msg);
		return rc;
	}
	char *hdr = registry_auth_header(&cr);
	const struct registry_retry *retry = cr.entry ? &cr.entry->retry : NULL;
	int attempt = 0;
	for (;;) {
		attempt++;
		mae_error_clear(&le);
		rc = ship_image_pull(cl, img, hdr, progress, ud, &le);
		if (rc == 0 || rc == MAE_ERR_CANCELLED)
			break;
		if (!registry_retry_wanted(retry, attempt, le.http_status))
			break;
		retry_pause(cl);
	}
	if (rc < 0 && rc != MAE_ERR_CANCELLED) {
		bool refused = auth_refused(&le);
		char tries[48] = "";
		if (attempt > 1)
			snprintf(tries, sizeof(tries), " (gave up after %d attempts)",
				 attempt);
		if (refused) {
			/* le.msg says "SHIP: pull 'IMAGE': ..." already */
			char *pre = mae_xasprintf("%s: pull '%s': ",
						  ship_client_name(cl), image);
			const char *why = mae_startswith(le.msg, pre)
						  ? le.msg + strlen(pre)
						  : le.msg;
			char *who = registry_creds_describe(&cr);
			const char *host = img->host;
			rc = MAE_ERR_AUTH;
			if (cr.source == REGISTRY_SRC_NONE)
				mae_error_set(e, rc,
					      "%s: pull '%s': registry '%s' wants credentials and "
					      "none were found (registries, DOCKER_CONFIG or "
					      "~/.docker/config.json, ~/.dockercfg): %s%s",
					      ship_client_name(cl), image, host, why, tries);
			else
				mae_error_set(e, rc,
					      "%s: pull '%s': registry '%s' refused %s: %s%s",
					      ship_client_name(cl), image, host, who,
					      why, tries);
			free(pre);
			free(who);
		} else {
			mae_error_set(e, rc, "%s%s", le.msg, tries);
		}
		if (e) {
			e->http_status = le.http_status;
			e->sys_errno = le.sys_errno;
		}
	} else if (rc < 0 && e) {
		*e = le;
	}
	registry_secret_free(hdr);
	registry_creds_release(&cr);
	return rc;
}
