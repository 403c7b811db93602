/*
 * guest-in-container - runs a script inside a real container made, through
 * maestro's ship client (executor/), from the create body maestro computed
 * for an instance (`maestro config --json`), with maestro-guest and the
 * script's folder bind-mounted in.  Used by tests/guest/integration.py.
 *
 *   guest-in-container SOCKET CONFIG-JSON CONTAINER GUEST-BIN SCRIPT-DIR
 *
 * The create body is the computed one (environment, ports, hostname,
 * labels, ...) with two changes: Cmd runs /guest-test/run.sh, and
 * HostConfig.Binds gains GUEST-BIN at /usr/local/bin/maestro-guest and
 * SCRIPT-DIR at /guest-test (both read-only).  The script must end by
 * waiting for /guest-test/done, which is created once the running
 * container has been inspected.  Prints the container's standard output,
 * then "#ip ADDRESS" (its address on the ship's bridge, from inspect) and
 * "#status N" (its exit status).  The container is removed afterwards,
 * also after a failure.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base.h"
#include "executor.h"

static int to_stdout(void *ud, enum ship_stream stream, const char *data,
		     size_t n)
{
	(void)ud;
	fwrite(data, 1, n, stream == SHIP_STDOUT ? stdout : stderr);
	return 0;
}

static json_t *make_body(const char *config, const char *container,
			 const char *guest_bin, const char *script_dir)
{
	json_error_t jerr;
	json_t *doc = json_load_file(config, 0, &jerr);
	if (!doc) {
		fprintf(stderr, "%s:%d: %s\n", config, jerr.line, jerr.text);
		return NULL;
	}
	json_t *c = json_object_get(json_object_get(doc, "containers"),
				    container);
	json_t *create = json_object_get(c, "create");
	if (!json_is_object(create)) {
		fprintf(stderr, "no create body for '%s' in %s\n", container,
			config);
		json_decref(doc);
		return NULL;
	}
	json_t *body = json_deep_copy(create);
	json_decref(doc);
	json_object_set_new(body, "Cmd",
			    json_pack("[ss]", "/bin/sh", "/guest-test/run.sh"));
	json_t *hc = json_object_get(body, "HostConfig");
	if (!json_is_object(hc)) {
		hc = json_object();
		json_object_set_new(body, "HostConfig", hc);
	}
	json_t *binds = json_object_get(hc, "Binds");
	if (!json_is_array(binds)) {
		binds = json_array();
		json_object_set_new(hc, "Binds", binds);
	}
	char *b1 = mae_xasprintf("%s:/usr/local/bin/maestro-guest:ro",
				 guest_bin);
	char *b2 = mae_xasprintf("%s:/guest-test:ro", script_dir);
	json_array_append_new(binds, json_string(b1));
	json_array_append_new(binds, json_string(b2));
	free(b1);
	free(b2);
	return body;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: guest-in-container SOCKET CONFIG-JSON "
				"CONTAINER GUEST-BIN SCRIPT-DIR\n");
		return 2;
	}
	const char *name = argv[3];
	json_t *body = make_body(argv[2], name, argv[4], argv[5]);
	if (!body)
		return 1;

	struct ship_conn conn = {
		.name = "ship",
		.transport = SHIP_UNIX,
		.socket_path = argv[1],
		.timeout_s = 30,
	};
	struct ship_client *cl = NULL;
	struct mae_error e = { 0 };
	json_t *info = NULL;
	char *done = NULL;
	int status = -1, rc = 1;
	if (ship_client_new(&conn, &cl, &e) < 0)
		goto out;
	/* A container of that name left by an interrupted run goes first. */
	ship_container_remove(cl, name, true, true, NULL);
	/* The address is known while the container runs: inspect it then,
	 * and let the script end (it waits for SCRIPT-DIR/done). */
	done = mae_xasprintf("%s/done", argv[5]);
	unlink(done);
	if (ship_container_create(cl, name, body, NULL, &e) < 0 ||
	    ship_container_start(cl, name, &e) < 0 ||
	    ship_container_inspect(cl, name, &info, &e) < 0)
		goto out;
	int fd = open(done, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		mae_error_set(&e, MAE_ERR_IO, "cannot create '%s'", done);
		goto out;
	}
	close(fd);
	if (ship_container_wait(cl, name, &status, &e) < 0)
		goto out;
	struct ship_logs_opts lo = { .tail = -1 };
	if (ship_container_logs(cl, name, &lo, to_stdout, NULL, &e) < 0)
		goto out;
	const char *ip = json_string_value(json_object_get(
		json_object_get(info, "NetworkSettings"), "IPAddress"));
	printf("#ip %s\n#status %d\n", ip ? ip : "", status);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "guest-in-container: %s\n", e.msg);
	if (cl)
		ship_container_remove(cl, name, true, true, NULL);
	ship_client_free(cl);
	if (done)
		unlink(done);
	free(done);
	json_decref(info);
	json_decref(body);
	return rc;
}
