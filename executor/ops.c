/*
 * ops.c - the Docker Engine API operations of a ship client that are one
 * request and one answer: ping, version, info, containers, images, execs
 * (but not their output: streams.c).
 */
#include "client-int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Budgets of the small calls (client-int.h) */
#define PING_BODY_MAX ((size_t)4 << 10)
#define VERSION_BODY_MAX ((size_t)64 << 10)
#define VERSION_JSON_MAX ((size_t)10000)
#define INFO_BODY_MAX ((size_t)4 << 20)
#define INFO_JSON_MAX ((size_t)100000)
#define LIST_BODY_MAX ((size_t)16 << 20)

static long ordinary_ms(const struct ship_client *cl)
{
	return ship_limit_ms(cl->conn.timeout_s);
}

/* One ordinary call; ret (may be NULL) gets the JSON answer. */
static int call(struct ship_client *cl, struct ship_req *r, json_t **ret,
		struct mae_error *e)
{
	if (!r->timeout_ms)
		r->timeout_ms = ordinary_ms(cl);
	struct ship_resp resp;
	int rc = ship_request(cl, r, &resp, e);
	if (!rc && ret)
		rc = ship_resp_json(cl, r, &resp, ret, e);
	mae_buf_release(&resp.body);
	return rc;
}

/* An ordinary call whose answer must be a JSON object (or array). */
static int call_shaped(struct ship_client *cl, struct ship_req *r,
		       bool array, json_t **ret, struct mae_error *e)
{
	json_t *j = NULL;
	int rc = call(cl, r, &j, e);
	if (rc)
		return rc;
	if (array ? !json_is_array(j) : !json_is_object(j)) {
		json_decref(j);
		return ship_fail(cl, r, MAE_ERR_PROTOCOL, e,
				 "the daemon's answer is not a JSON %s",
				 array ? "array" : "object");
	}
	*ret = j;
	return 0;
}

static int call_object(struct ship_client *cl, struct ship_req *r,
		       json_t **ret, struct mae_error *e)
{
	return call_shaped(cl, r, false, ret, e);
}

static int call_array(struct ship_client *cl, struct ship_req *r,
		      json_t **ret, struct mae_error *e)
{
	return call_shaped(cl, r, true, ret, e);
}

int ship_ping(struct ship_client *cl, struct mae_error *e)
{
	struct ship_req r = { .op = "ping", .method = "GET", .path = "/_ping",
			      .unversioned = true, .body_max = PING_BODY_MAX };
	r.timeout_ms = ordinary_ms(cl);
	struct ship_resp resp;
	int rc = ship_request(cl, &r, &resp, e);
	if (!rc && strcmp(mae_buf_str(&resp.body), "OK") != 0)
		rc = ship_fail(cl, &r, MAE_ERR_PROTOCOL, e,
			       "the daemon answered '%.40s', not 'OK'",
			       mae_buf_str(&resp.body));
	mae_buf_release(&resp.body);
	return rc;
}

int ship_version(struct ship_client *cl, json_t **ret, struct mae_error *e)
{
	struct ship_req r = { .op = "version", .method = "GET",
			      .path = "/version", .unversioned = true,
			      .body_max = VERSION_BODY_MAX,
			      .json_max = VERSION_JSON_MAX };
	return call_object(cl, &r, ret, e);
}

int ship_info(struct ship_client *cl, json_t **ret, struct mae_error *e)
{
	struct ship_req r = { .op = "info", .method = "GET", .path = "/info",
			      .body_max = INFO_BODY_MAX,
			      .json_max = INFO_JSON_MAX };
	return call_object(cl, &r, ret, e);
}

/* GET /containers/json?all=1&filters=... (filters is taken) */
static int list_filtered(struct ship_client *cl, const char *subject,
			 json_t *filters, json_t **ret, struct mae_error *e)
{
	char *path = ship_filters_path("/containers/json?all=1", filters);
	struct ship_req r = { .op = "list containers", .subject = subject,
			      .method = "GET", .path = path,
			      .body_max = LIST_BODY_MAX };
	int rc = call_array(cl, &r, ret, e);
	free(path);
	return rc;
}

int ship_containers_by_name(struct ship_client *cl, const char *name,
			    json_t **ret, struct mae_error *e)
{
	/* Docker's name filter is a regular expression over "/NAME" */
	struct mae_buf re = MAE_BUF_INIT;
	mae_buf_adds(&re, "^/");
	for (const char *p = name; *p; p++) {
		if (strchr(".[]()*+?{}|^$\\", *p))
			mae_buf_addc(&re, '\\');
		mae_buf_addc(&re, *p);
	}
	mae_buf_addc(&re, '$');
	json_t *filters = json_pack("{s:[s]}", "name", mae_buf_str(&re));
	mae_buf_release(&re);
	return list_filtered(cl, name, filters, ret, e);
}

int ship_containers_by_labels(struct ship_client *cl,
			      const char *const *labels, size_t nlabels,
			      json_t **ret, struct mae_error *e)
{
	json_t *l = json_array();
	for (size_t i = 0; i < nlabels; i++)
		json_array_append_new(l, json_string(labels[i]));
	json_t *filters = json_object();
	json_object_set_new(filters, "label", l);
	return list_filtered(cl, NULL, filters, ret, e);
}

/* "/containers/NAME" + rest, NAME encoded */
static char *obj_path(const char *kind, const char *name, const char *rest)
{
	char *n = ship_urlencode(name);
	char *p = mae_xasprintf("/%s/%s%s", kind, n, rest);
	free(n);
	return p;
}

int ship_container_inspect(struct ship_client *cl, const char *name,
			   json_t **ret, struct mae_error *e)
{
	char *path = obj_path("containers", name, "/json");
	struct ship_req r = { .op = "inspect", .subject = name,
			      .method = "GET", .path = path };
	int rc = call_object(cl, &r, ret, e);
	free(path);
	return rc;
}

/* POST with a JSON body; ret_id gets answer.Id */
static int post_for_id(struct ship_client *cl, struct ship_req *r,
		       const json_t *body, char **ret_id, struct mae_error *e)
{
	char *b = json_dumps(body, JSON_COMPACT);
	if (!b)
		return ship_fail(cl, r, MAE_ERR_INVALID, e,
				 "the request body is not valid JSON");
	r->body = b;
	r->body_len = strlen(b);
	json_t *j = NULL;
	int rc = call_object(cl, r, &j, e);
	free(b);
	if (rc)
		return rc;
	const char *id = json_string_value(json_object_get(j, "Id"));
	if (!id) {
		rc = ship_fail(cl, r, MAE_ERR_PROTOCOL, e,
			       "the daemon's answer has no Id");
	} else if (ret_id) {
		*ret_id = mae_xstrdup(id);
	}
	json_decref(j);
	return rc;
}

int ship_container_create(struct ship_client *cl, const char *name,
			  const json_t *body, char **ret_id,
			  struct mae_error *e)
{
	char *n = ship_urlencode(name);
	char *path = mae_xasprintf("/containers/create?name=%s", n);
	struct ship_req r = { .op = "create", .subject = name,
			      .method = "POST", .path = path };
	int rc = post_for_id(cl, &r, body, ret_id, e);
	free(path);
	free(n);
	return rc;
}

static int container_post(struct ship_client *cl, const char *op,
			  const char *name, const char *rest, long timeout_ms,
			  struct mae_error *e)
{
	char *path = obj_path("containers", name, rest);
	struct ship_req r = { .op = op, .subject = name, .method = "POST",
			      .path = path, .timeout_ms = timeout_ms };
	int rc = call(cl, &r, NULL, e);
	free(path);
	return rc;
}

int ship_container_start(struct ship_client *cl, const char *name,
			 struct mae_error *e)
{
	return container_post(cl, "start", name, "/start", 0, e);
}

int ship_container_stop(struct ship_client *cl, const char *name,
			int timeout_s, struct mae_error *e)
{
	if (timeout_s < 0)
		timeout_s = 0;
	char rest[48];
	snprintf(rest, sizeof(rest), "/stop?t=%d", timeout_s);
	return container_post(cl, "stop", name, rest,
			      (long)timeout_s * 1000 + ordinary_ms(cl), e);
}

int ship_container_kill(struct ship_client *cl, const char *name,
			const char *signal, struct mae_error *e)
{
	char *s = ship_urlencode(signal ? signal : "KILL");
	char *rest = mae_xasprintf("/kill?signal=%s", s);
	int rc = container_post(cl, "kill", name, rest, 0, e);
	free(rest);
	free(s);
	return rc;
}

int ship_container_remove(struct ship_client *cl, const char *name,
			  bool volumes, bool force, struct mae_error *e)
{
	char rest[32];
	snprintf(rest, sizeof(rest), "?v=%d&force=%d", volumes, force);
	char *path = obj_path("containers", name, rest);
	struct ship_req r = { .op = "remove", .subject = name,
			      .method = "DELETE", .path = path };
	int rc = call(cl, &r, NULL, e);
	free(path);
	return rc;
}

int ship_container_wait(struct ship_client *cl, const char *name,
			int *ret_status, struct mae_error *e)
{
	char *path = obj_path("containers", name, "/wait?condition=not-running");
	/* no total: it lasts as long as the container; a dead daemon closes
	 * the connection (or keepalive finds it gone) */
	struct ship_req r = { .op = "wait", .subject = name, .method = "POST",
			      .path = path, .timeout_ms = -1 };
	json_t *j = NULL;
	struct ship_resp resp;
	int rc = ship_request(cl, &r, &resp, e);
	if (!rc)
		rc = ship_resp_json(cl, &r, &resp, &j, e);
	mae_buf_release(&resp.body);
	free(path);
	if (rc)
		return rc;
	json_t *code = json_object_get(j, "StatusCode");
	if (!json_is_integer(code)) {
		rc = ship_fail(cl, &r, MAE_ERR_PROTOCOL, e,
			       "the daemon's answer has no StatusCode");
	} else {
		const char *msg = json_string_value(
			json_object_get(json_object_get(j, "Error"), "Message"));
		if (msg && *msg)
			rc = ship_fail(cl, &r, MAE_ERR_REMOTE, e, "%s", msg);
		else if (ret_status)
			*ret_status = (int)json_integer_value(code);
	}
	json_decref(j);
	return rc;
}

int ship_exec_create(struct ship_client *cl, const char *container,
		     const json_t *body, char **ret_id, struct mae_error *e)
{
	char *path = obj_path("containers", container, "/exec");
	struct ship_req r = { .op = "exec", .subject = container,
			      .method = "POST", .path = path };
	int rc = post_for_id(cl, &r, body, ret_id, e);
	free(path);
	return rc;
}

int ship_exec_inspect(struct ship_client *cl, const char *exec_id,
		      json_t **ret, struct mae_error *e)
{
	char *path = obj_path("exec", exec_id, "/json");
	struct ship_req r = { .op = "exec inspect", .subject = exec_id,
			      .method = "GET", .path = path };
	int rc = call_object(cl, &r, ret, e);
	free(path);
	return rc;
}

int ship_image_inspect(struct ship_client *cl, const char *image,
		       json_t **ret, struct mae_error *e)
{
	/* an image name keeps its slashes in the path */
	struct mae_buf p = MAE_BUF_INIT;
	mae_buf_adds(&p, "/images/");
	for (const char *s = image; *s; s++) {
		if (*s == '/' || *s == ':' || *s == '@' || *s == '.' ||
		    *s == '-' || *s == '_' ||
		    (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9'))
			mae_buf_addc(&p, *s);
		else
			mae_buf_addf(&p, "%%%02X", (unsigned char)*s);
	}
	mae_buf_adds(&p, "/json");
	struct ship_req r = { .op = "image inspect", .subject = image,
			      .method = "GET", .path = mae_buf_str(&p) };
	int rc = call_object(cl, &r, ret, e);
	mae_buf_release(&p);
	return rc;
}

int ship_image_list(struct ship_client *cl, json_t **ret, struct mae_error *e)
{
	struct ship_req r = { .op = "list images", .method = "GET",
			      .path = "/images/json" };
	return call_array(cl, &r, ret, e);
}
