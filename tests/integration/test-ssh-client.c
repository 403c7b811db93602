/*
 * test-ssh-client.c - the Docker client (executor.h) over SSH ships of the
 * fleet, and registry pulls through registry_pull(): run by ssh.sh inside
 * `fleet run` (it reads the fleet's SHIPn_* and REGISTRY_* variables).
 *
 * Prints one line per check ("ok - ..." / "FAIL - ...") and every error
 * message it meets, so that ssh.sh can grep all of it for the password.
 * Exit status: 0 when every check passed.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "executor.h"
#include "registry-auth.h"

static int fails, passes;

#define CHECK(cond, ...)                                        \
	do {                                                    \
		if (cond) {                                     \
			passes++;                               \
			printf("ok - ");                        \
		} else {                                        \
			fails++;                                \
			printf("FAIL - ");                      \
		}                                               \
		printf(__VA_ARGS__);                            \
		printf("\n");                                   \
		fflush(stdout);                                 \
	} while (0)

static const char *env(const char *k)
{
	const char *v = getenv(k);
	if (!v) {
		fprintf(stderr, "test-ssh-client: %s is not set (run under the fleet)\n", k);
		exit(2);
	}
	return v;
}

static char *envf(const char *fmt, int n)
{
	char k[64];
	snprintf(k, sizeof(k), fmt, n);
	return (char *)env(k);
}

static void show(const char *what, const struct mae_error *e)
{
	printf("# %s: [%s] %s\n", what, mae_err_name(e->code), e->msg);
}

/* The connection settings of ssh ship n; socket: forward to its unix socket. */
static struct ship_conn ssh_conn(int n, bool socket, const char *known_hosts,
				 const char *key)
{
	struct ship_conn c = { 0 };
	c.name = mae_xasprintf("ship%d", n);
	c.transport = SHIP_SSH;
	c.endpoint = mae_xstrdup(envf("SHIP%d_IP", n));
	c.port = atoi(envf("SHIP%d_PORT", n));
	c.socket_path = socket ? mae_xstrdup(envf("SHIP%d_REMOTE_SOCK", n)) : NULL;
	c.has_ssh = true;
	c.ssh.user = mae_xstrdup(envf("SHIP%d_SSH_USER", n));
	c.ssh.key = mae_xstrdup(key ? key : envf("SHIP%d_SSH_KEY", n));
	c.ssh.port = 22;
	c.ssh.known_hosts = mae_xstrdup(known_hosts ? known_hosts
						    : envf("SHIP%d_SSH_KNOWN_HOSTS", n));
	c.ssh.timeout_s = 2;
	c.timeout_s = 2;
	return c;
}

static struct ship_client *client(const struct ship_conn *c)
{
	struct ship_client *cl = NULL;
	struct mae_error e;
	mae_error_clear(&e);
	if (ship_client_new(c, &cl, &e) < 0) {
		show("client", &e);
		exit(1);
	}
	return cl;
}

static json_t *sleeper_body(void)
{
	return json_pack("{s:s, s:[s,s,s]}", "Image", "tiny:1", "Cmd", "sh", "-c",
			 "echo hello-ssh-client; trap 'exit 0' TERM; while :; do sleep 1; done");
}

static int on_out(void *ud, enum ship_stream s, const char *d, size_t n)
{
	(void)s;
	mae_buf_add(ud, d, n);
	return 0;
}

/* Every operation of the client over one SSH ship. */
static void every_operation(struct ship_client *cl, const char *label)
{
	struct mae_error e;
	mae_error_clear(&e);
	json_t *j = NULL;
	const char *api = NULL;
	int rc = ship_ping(cl, &e);
	CHECK(rc == 0, "%s: ping", label);
	if (rc) {
		show("ping", &e);
		return;
	}
	CHECK(ship_client_api_version(cl, &api, &e) == 0 && mae_streq(api, "1.41"),
	      "%s: api version negotiated (%s)", label, api ? api : "-");
	CHECK(ship_version(cl, &j, &e) == 0 && json_object_get(j, "Version"), "%s: version", label);
	json_decref(j);
	j = NULL;
	CHECK(ship_info(cl, &j, &e) == 0 && json_object_get(j, "Containers"), "%s: info", label);
	json_decref(j);
	j = NULL;
	CHECK(ship_image_inspect(cl, "tiny:1", &j, &e) == 0, "%s: image inspect", label);
	json_decref(j);
	j = NULL;
	CHECK(ship_image_list(cl, &j, &e) == 0 && json_array_size(j) >= 1, "%s: image list", label);
	json_decref(j);
	j = NULL;

	char name[64];
	snprintf(name, sizeof(name), "sshc-%s", label);
	json_t *body = sleeper_body();
	char *id = NULL;
	rc = ship_container_create(cl, name, body, &id, &e);
	json_decref(body);
	CHECK(rc == 0 && id && strlen(id) == 64, "%s: create", label);
	if (rc)
		show("create", &e);
	free(id);
	CHECK(ship_container_start(cl, name, &e) == 0, "%s: start", label);
	CHECK(ship_container_inspect(cl, name, &j, &e) == 0 &&
		      json_is_true(json_object_get(json_object_get(j, "State"), "Running")),
	      "%s: inspect says running", label);
	json_decref(j);
	j = NULL;
	CHECK(ship_containers_by_name(cl, name, &j, &e) == 0 && json_array_size(j) == 1,
	      "%s: list by name", label);
	json_decref(j);
	j = NULL;
	usleep(300 * 1000);
	struct mae_buf out = MAE_BUF_INIT;
	struct ship_logs_opts lo = { .tail = -1 };
	CHECK(ship_container_logs(cl, name, &lo, on_out, &out, &e) == 0 &&
		      strstr(mae_buf_str(&out), "hello-ssh-client"),
	      "%s: logs", label);
	mae_buf_reset(&out);
	json_t *xb = json_pack("{s:[s,s], s:b, s:b}", "Cmd", "echo", "exec-over-ssh",
			       "AttachStdout", 1, "AttachStderr", 1);
	char *xid = NULL;
	rc = ship_exec_create(cl, name, xb, &xid, &e);
	json_decref(xb);
	if (rc == 0)
		rc = ship_exec_start(cl, xid, 10, on_out, &out, &e);
	CHECK(rc == 0 && strstr(mae_buf_str(&out), "exec-over-ssh"), "%s: exec", label);
	if (rc == 0) {
		rc = ship_exec_inspect(cl, xid, &j, &e);
		CHECK(rc == 0 && json_integer_value(json_object_get(j, "ExitCode")) == 0,
		      "%s: exec inspect", label);
		json_decref(j);
		j = NULL;
	}
	free(xid);
	mae_buf_release(&out);
	CHECK(ship_container_stop(cl, name, 5, &e) == 0, "%s: stop", label);
	int status = -1;
	CHECK(ship_container_wait(cl, name, &status, &e) == 0 && status == 0,
	      "%s: wait (status %d)", label, status);
	CHECK(ship_container_start(cl, name, &e) == 0, "%s: start again", label);
	CHECK(ship_container_kill(cl, name, NULL, &e) == 0, "%s: kill", label);
	CHECK(ship_container_remove(cl, name, true, true, &e) == 0, "%s: remove", label);
	rc = ship_container_inspect(cl, name, &j, &e);
	CHECK(rc == MAE_ERR_NOTFOUND, "%s: gone after remove", label);
	json_decref(j);
}

struct par {
	struct ship_client *cl;
	int i;
	int rc;
	struct mae_error e;
};

static void *par_one(void *arg)
{
	struct par *p = arg;
	char name[32];
	snprintf(name, sizeof(name), "sshc-par-%d", p->i);
	json_t *body = sleeper_body();
	mae_error_clear(&p->e);
	p->rc = ship_container_create(p->cl, name, body, NULL, &p->e);
	json_decref(body);
	if (!p->rc)
		p->rc = ship_container_start(p->cl, name, &p->e);
	if (!p->rc)
		p->rc = ship_container_remove(p->cl, name, true, true, &p->e);
	return NULL;
}

static void parallel_20(struct ship_client *cl)
{
	struct par ps[20];
	pthread_t th[20];
	for (int i = 0; i < 20; i++) {
		ps[i] = (struct par){ .cl = cl, .i = i };
		pthread_create(&th[i], NULL, par_one, &ps[i]);
	}
	int bad = 0;
	for (int i = 0; i < 20; i++) {
		pthread_join(th[i], NULL);
		if (ps[i].rc) {
			bad++;
			show("parallel", &ps[i].e);
		}
	}
	CHECK(bad == 0, "20 parallel create/start/remove over one ssh session (%d failed)", bad);
}

struct waiter {
	struct ship_client *cl;
	int rc;
	struct mae_error e;
	int64_t ended;
};

static void *wait_one(void *arg)
{
	struct waiter *w = arg;
	mae_error_clear(&w->e);
	w->rc = ship_container_wait(w->cl, "sshc-vanish", NULL, &w->e);
	w->ended = mae_now_ms();
	return NULL;
}

/*
 * Start a container on the ship of c, make nwait calls wait on it, run
 * cmd (which breaks the connection) and check that every wait ended
 * within 3x the ssh timeout (2 s) with the lost session as the reason.
 * Returns the client, for checks after the loss.
 */
static struct ship_client *under_waits(const char *label, const struct ship_conn *c,
				       int nwait, const char *cmd)
{
	struct ship_client *cl = client(c);
	struct mae_error e;
	mae_error_clear(&e);
	json_t *body = sleeper_body();
	int rc = ship_container_create(cl, "sshc-vanish", body, NULL, &e);
	json_decref(body);
	if (!rc)
		rc = ship_container_start(cl, "sshc-vanish", &e);
	CHECK(rc == 0, "%s: container started", label);
	struct waiter ws[8];
	pthread_t th[8];
	for (int i = 0; i < nwait; i++) {
		ws[i] = (struct waiter){ .cl = cl };
		pthread_create(&th[i], NULL, wait_one, &ws[i]);
	}
	sleep(1);
	int64_t t0 = mae_now_ms();
	if (system(cmd) != 0)
		printf("# %s: '%s' failed\n", label, cmd);
	int64_t worst = 0;
	int bad = 0;
	for (int i = 0; i < nwait; i++) {
		pthread_join(th[i], NULL);
		if (ws[i].ended - t0 > worst)
			worst = ws[i].ended - t0;
		if (ws[i].rc != MAE_ERR_CONNECT || !strstr(ws[i].e.msg, "ssh session to"))
			bad++;
		show("pending wait", &ws[i].e);
	}
	CHECK(worst <= 6000, "%s: every pending call ended within 3x the timeout (%lld ms)",
	      label, (long long)worst);
	CHECK(bad == 0, "%s: every pending call failed, saying the ssh session was lost", label);
	return cl;
}

/* Every sshd of ship n killed while five waits are pending. */
static void vanish(int n)
{
	struct ship_conn c = ssh_conn(n, true, NULL, NULL);
	char *cmd = mae_xasprintf(
		"for p in $(ip netns pids %s); do "
		"[ \"$(cat /proc/$p/comm 2>/dev/null)\" = sshd ] && kill -KILL $p; done; true",
		envf("SHIP%d_NS", n));
	struct ship_client *cl = under_waits("vanish", &c, 5, cmd);
	free(cmd);
	struct mae_error e;
	mae_error_clear(&e);
	int64_t t1 = mae_now_ms();
	int rc = ship_ping(cl, &e);
	show("ping after the loss", &e);
	CHECK(rc == MAE_ERR_CONNECT && strstr(e.msg, "ship1: ssh session to") &&
		      mae_now_ms() - t1 < 1000,
	      "vanish: a later call fails at once with the reason");
	ship_client_free(cl);
	ship_conn_release(&c);
	/* sshd back for whatever runs next */
	cmd = mae_xasprintf("nsenter --net=/run/netns/%s /usr/sbin/sshd -f %s -E %s.log",
			    envf("SHIP%d_NS", n), envf("SHIP%d_SSHD_CONFIG", n),
			    envf("SHIP%d_SSHD_CONFIG", n));
	if (system(cmd) != 0)
		printf("# could not restart sshd\n");
	free(cmd);
}

/*
 * The network to ship n cut (its bridge port down: no RST, no FIN) while
 * three waits are pending: TCP keepalives and the TCP user timeout must
 * end them.
 */
static void network_cut(int n)
{
	struct ship_conn c = ssh_conn(n, true, NULL, NULL);
	char *port = mae_xasprintf("%s-s%d", env("FLEET_BRIDGE"), n);
	char *cmd = mae_xasprintf("ip link set %s down", port);
	struct ship_client *cl = under_waits("network cut", &c, 3, cmd);
	free(cmd);
	cmd = mae_xasprintf("ip link set %s up", port);
	if (system(cmd) != 0)
		printf("# could not restore the network\n");
	free(cmd);
	free(port);
	ship_client_free(cl);
	ship_conn_release(&c);
	/* the container, through a new session once the port is up again */
	struct mae_error e;
	mae_error_clear(&e);
	c = ssh_conn(n, true, NULL, NULL);
	c.timeout_s = 10;
	cl = client(&c);
	for (int i = 0; i < 50; i++) {
		if (ship_container_remove(cl, "sshc-vanish", true, true, &e) == 0)
			break;
		ship_client_free(cl);
		usleep(200 * 1000);
		cl = client(&c);
	}
	ship_client_free(cl);
	ship_conn_release(&c);
}

static void refused(const char *label, struct ship_conn *c, int want, const char *pat)
{
	struct ship_client *cl = client(c);
	struct mae_error e;
	mae_error_clear(&e);
	int rc = ship_ping(cl, &e);
	show(label, &e);
	CHECK(rc == want && strstr(e.msg, pat), "%s", label);
	ship_client_free(cl);
	ship_conn_release(c);
}

struct prog {
	int calls;
	int layers;
	int64_t bytes, total;
};

static void on_pull(void *ud, const struct ship_pull_progress *p)
{
	struct prog *g = ud;
	g->calls++;
	if (p->layers > g->layers)
		g->layers = p->layers;
	if (p->bytes > g->bytes)
		g->bytes = p->bytes;
	if (p->bytes_total > g->total)
		g->total = p->bytes_total;
}

static void remove_image(struct ship_client *cl, const char *image)
{
	/* through the ship's own socket: the client has no image removal */
	char *cmd = mae_xasprintf("curl -s --unix-socket %s -X DELETE "
				  "'http://d/v1.41/images/%s?force=1' >/dev/null",
				  env("SHIP1_SOCK"), image);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", image);
	free(cmd);
	(void)cl;
}

static void pulls(const char *pw)
{
	struct ship_conn c = ssh_conn(1, true, NULL, NULL);
	struct ship_client *cl = client(&c);
	const char *img = env("REGISTRY_BLOB_IMAGE");
	/* what cli hands on from schema: REGISTRY/maestro/blob:1, entry "fleet" */
	char *name = mae_xstrndup(img, strlen(img) - 2);
	const struct ship_pull_image pi = { .image = img, .name = name, .tag = "1",
					    .host = env("REGISTRY"),
					    .registry = "fleet" };
	const struct ship_pull_image pi_none = { .image = img, .name = name,
						 .tag = "1", .host = env("REGISTRY") };
	struct registry_list l = { mae_xcalloc(1, sizeof(struct registry_entry)), 1 };
	l.v[0].name = mae_xstrdup("fleet");
	l.v[0].registry = mae_xstrdup(env("REGISTRY_URL"));
	l.v[0].username = mae_xstrdup("maestro");
	l.v[0].password = mae_xstrdup(pw);
	l.v[0].retry.attempts = 3;
	struct mae_error e;
	mae_error_clear(&e);

	remove_image(cl, img);
	struct prog g = { 0 };
	int rc = registry_pull(cl, &pi, &l, on_pull, &g, &e);
	if (rc)
		show("pull", &e);
	CHECK(rc == 0, "pull over ssh with credentials from the description");
	CHECK(g.layers >= 1 && g.bytes > 0 && g.total > 0,
	      "pull reports progress (%d events, %d layers, %lld of %lld bytes)", g.calls,
	      g.layers, (long long)g.bytes, (long long)g.total);

	/* wrong password, retried on 500 twice */
	remove_image(cl, img);
	registry_secret_free(l.v[0].password);
	l.v[0].password = mae_xasprintf("wrong-%s", pw);
	l.v[0].retry.attempts = 2;
	l.v[0].retry.when = mae_xmalloc(sizeof(long));
	l.v[0].retry.when[0] = 500;
	l.v[0].retry.n_when = 1;
	rc = registry_pull(cl, &pi, &l, NULL, NULL, &e);
	show("wrong password", &e);
	CHECK(rc == MAE_ERR_AUTH &&
		      strstr(e.msg, "refused user 'maestro' (from registry 'fleet' of the description)") &&
		      strstr(e.msg, "(gave up after 2 attempts)") && e.http_status == 500,
	      "wrong password: a clear authentication error after the retries");
	CHECK(!strstr(e.msg, pw), "wrong password: the message holds no password");

	/* no entry: the Docker configuration named by DOCKER_CONFIG */
	registry_list_release(&l);
	struct registry_list none = { NULL, 0 };
	char *dc = mae_xasprintf("%s/dc-client", env("MT_WORK"));
	char *cmd = mae_xasprintf("mkdir -p %s && printf '{\"auths\": {\"%s\": {\"auth\": \"%%s\"}}}' "
				  "\"$(printf 'maestro:%%s' \"$(cat %s)\" | base64 -w0)\" > %s/config.json",
				  dc, env("REGISTRY"), env("REGISTRY_PASSWORD_FILE"), dc);
	if (system(cmd) != 0)
		printf("# could not write the config\n");
	free(cmd);
	setenv("DOCKER_CONFIG", dc, 1);
	remove_image(cl, img);
	rc = registry_pull(cl, &pi_none, &none, NULL, NULL, &e);
	if (rc)
		show("pull (config.json)", &e);
	CHECK(rc == 0, "pull over ssh with credentials from config.json");

	/* anonymous (an empty configuration): refused, as an auth error */
	cmd = mae_xasprintf("echo '{}' > %s/config.json", dc);
	if (system(cmd) != 0)
		printf("# could not write the config\n");
	free(cmd);
	remove_image(cl, img);
	rc = registry_pull(cl, &pi_none, &none, NULL, NULL, &e);
	show("anonymous pull", &e);
	CHECK(rc == MAE_ERR_AUTH && strstr(e.msg, "wants credentials and none were found"),
	      "anonymous pull: an authentication error");
	unsetenv("DOCKER_CONFIG");
	free(dc);
	free(name);
	ship_client_free(cl);
	ship_conn_release(&c);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	char *pw = NULL;
	size_t pwlen = 0;
	struct mae_error e;
	if (mae_read_file(env("REGISTRY_PASSWORD_FILE"), 4096, &pw, &pwlen, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	pw[strcspn(pw, "\n")] = '\0';

	/* unix socket forwarding, then tcp forwarding */
	struct ship_conn c = ssh_conn(1, true, NULL, NULL);
	struct ship_client *cl = client(&c);
	every_operation(cl, "streamlocal");
	ship_client_free(cl);
	ship_conn_release(&c);
	/* 20 starts at once take the daemon several seconds on 2 cores:
	 * calls get 20 s, connecting stays bounded by ssh_timeout 2 s */
	c = ssh_conn(1, true, NULL, NULL);
	c.timeout_s = 20;
	cl = client(&c);
	parallel_20(cl);
	ship_client_free(cl);
	ship_conn_release(&c);
	c = ssh_conn(1, false, envf("SHIP%d_SSH_KNOWN_HOSTS_HASHED", 1), NULL);
	cl = client(&c);
	every_operation(cl, "tcpip");
	ship_client_free(cl);
	ship_conn_release(&c);

	/* TLS inside the tunnel: verified against the ship's address */
	c = ssh_conn(2, false, NULL, NULL);
	c.tls_on = true;
	c.tls.verify = true;
	c.tls.ca_cert = mae_xstrdup(env("SHIP2_TLS_CA"));
	c.tls.cert = mae_xstrdup(env("SHIP2_TLS_CERT"));
	c.tls.key = mae_xstrdup(env("SHIP2_TLS_KEY"));
	cl = client(&c);
	mae_error_clear(&e);
	int rc = ship_ping(cl, &e);
	if (rc)
		show("tls ping", &e);
	CHECK(rc == 0, "TLS through the tunnel: ping with the endpoint's certificate verified");
	json_t *j = NULL;
	CHECK(ship_version(cl, &j, &e) == 0, "TLS through the tunnel: version");
	json_decref(j);
	ship_client_free(cl);
	free(c.tls.ca_cert);
	c.tls.ca_cert = mae_xstrdup(env("SHIP2_TLS_OTHER_CA"));
	refused("TLS through the tunnel: an unknown CA is refused", &c, MAE_ERR_AUTH,
		"not trusted");

	c = ssh_conn(1, true, envf("SHIP%d_SSH_KNOWN_HOSTS_EMPTY", 1), NULL);
	refused("unknown host key refused", &c, MAE_ERR_AUTH, "is unknown");
	c = ssh_conn(1, true, envf("SHIP%d_SSH_KNOWN_HOSTS_CHANGED", 1), NULL);
	refused("changed host key refused", &c, MAE_ERR_AUTH, "has CHANGED");
	c = ssh_conn(1, true, NULL, envf("SHIP%d_SSH_WRONG_KEY", 1));
	refused("wrong key refused", &c, MAE_ERR_AUTH, "refused key");

	pulls(pw);
	network_cut(1);
	vanish(1);

	explicit_bzero(pw, pwlen);
	free(pw);
	printf("test-ssh-client: %d passed, %d failed\n", passes, fails);
	return fails ? 1 : 0;
}
