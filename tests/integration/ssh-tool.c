/*
 * ssh-tool.c - drives executor/ssh-tunnel and executor/registry-auth for
 * the integration script tests/integration/ssh.sh, which talk to the real
 * fleet with curl through what this tool sets up.
 *
 *   ssh-tool tunnel     open a tunnel from MT_* variables; print its socket
 *                       path, then "dead: REASON" if the session is lost;
 *                       close it when standard input ends
 *   ssh-tool auth FILE INSTANCE
 *                       read the description FILE as maestro does (schema,
 *                       container specs, cli's registry settings), write
 *                       the X-Registry-Auth value for INSTANCE's image to
 *                       the file MT_HEADER_FILE (0600) and print where the
 *                       credentials came from (never the secret)
 *   ssh-tool pull FILE INSTANCE SOCKET
 *                       the same, then pull INSTANCE's image with
 *                       registry_pull() from the daemon at the unix socket
 *                       SOCKET; print "pulled as WHO", or the error
 *
 * Tunnel settings: MT_ENDPOINT, MT_SSH_PORT, MT_USER, MT_KEY (empty: agent),
 * MT_KNOWN_HOSTS, MT_INSECURE (1), MT_TIMEOUT (s), MT_SOCKET (remote unix
 * socket, or empty), MT_PORT.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compute.h"
#include "registry-auth.h"
#include "registry-settings.h"
#include "schema.h"
#include "ssh-tunnel.h"

extern char **environ;

static char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return (char *)(v && *v ? v : def);
}

static int cmd_tunnel(void)
{
	struct ship_conn c = { 0 };
	c.name = (char *)"ssh-test";
	c.transport = SHIP_SSH;
	c.endpoint = env_or("MT_ENDPOINT", NULL);
	c.port = atoi(env_or("MT_PORT", "2375"));
	c.socket_path = env_or("MT_SOCKET", NULL);
	c.has_ssh = true;
	c.ssh.user = env_or("MT_USER", "root");
	c.ssh.key = env_or("MT_KEY", NULL);
	c.ssh.port = atoi(env_or("MT_SSH_PORT", "22"));
	c.ssh.known_hosts = env_or("MT_KNOWN_HOSTS", NULL);
	c.ssh.insecure_host_key = mae_streq(env_or("MT_INSECURE", "0"), "1");
	c.ssh.timeout_s = atof(env_or("MT_TIMEOUT", "5"));
	c.timeout_s = c.ssh.timeout_s;
	struct ssh_tunnel *t = NULL;
	struct mae_error e;
	mae_error_clear(&e);
	if (ssh_tunnel_open(&c, &t, &e) < 0) {
		fprintf(stderr, "error (%s): %s\n", mae_err_name(e.code), e.msg);
		return 1;
	}
	printf("%s\n", ssh_tunnel_path(t));
	fflush(stdout);
	bool reported = false;
	for (;;) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		int n = poll(&p, 1, 100);
		if (n > 0) {
			char buf[64];
			if (read(0, buf, sizeof(buf)) <= 0)
				break;
		}
		if (!reported && ssh_tunnel_status(t, &e) < 0) {
			printf("dead: %s\n", e.msg);
			fflush(stdout);
			reported = true;
		}
	}
	ssh_tunnel_close(t);
	return 0;
}

/* What maestro reads from the description: the instance's pull. */
struct pull_setup {
	struct schema_env *env;
	struct container_specs *specs;
	struct registry_list l;
	struct ship_pull_image img;
};

static int setup(const char *file, const char *instance, struct pull_setup *p)
{
	memset(p, 0, sizeof(*p));
	struct mae_diags d;
	mae_diags_init(&d, file);
	int rc = schema_load(file, environ, &p->env, &d);
	if (!rc)
		rc = container_specs_compute(p->env, &p->specs, &d);
	for (size_t i = 0; i < d.n; i++) {
		char *m = mae_diag_format(&d.v[i]);
		fprintf(stderr, "%s\n", m);
		free(m);
	}
	mae_diags_release(&d);
	if (rc)
		return 1;
	const struct container_spec *cs = container_specs_find(p->specs, instance);
	if (!cs) {
		fprintf(stderr, "no instance '%s'\n", instance);
		return 1;
	}
	cli_registries_from_model(p->env, &p->l);
	cli_pull_image_from_spec(cs, &p->img);
	return 0;
}

static void teardown(struct pull_setup *p)
{
	registry_list_release(&p->l);
	container_specs_free(p->specs);
	schema_env_free(p->env);
}

static int cmd_auth(const char *file, const char *instance)
{
	struct pull_setup p;
	if (setup(file, instance, &p)) {
		teardown(&p);
		return 1;
	}
	struct registry_creds cr;
	struct mae_error e;
	mae_error_clear(&e);
	int rc = registry_creds_for_image(&p.l, &p.img, &cr, &e);
	teardown(&p);
	if (rc < 0) {
		fprintf(stderr, "error (%s): %s\n", mae_err_name(e.code), e.msg);
		return 1;
	}
	char *desc = registry_creds_describe(&cr);
	printf("%s\n", desc);
	free(desc);
	char *h = registry_auth_header(&cr);
	registry_creds_release(&cr);
	const char *out = getenv("MT_HEADER_FILE");
	if (out) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || (h && write(fd, h, strlen(h)) < 0)) {
			perror(out);
			registry_secret_free(h);
			return 1;
		}
		close(fd);
	}
	registry_secret_free(h);
	return 0;
}

static int cmd_pull(const char *file, const char *instance, const char *sock)
{
	struct pull_setup p;
	if (setup(file, instance, &p)) {
		teardown(&p);
		return 1;
	}
	struct ship_conn c = { 0 };
	c.name = (char *)"ship1";
	c.transport = SHIP_UNIX;
	c.socket_path = (char *)sock;
	c.timeout_s = 10;
	struct ship_client *cl = NULL;
	struct mae_error e;
	mae_error_clear(&e);
	int rc = ship_client_new(&c, &cl, &e);
	if (!rc)
		rc = registry_pull(cl, &p.img, &p.l, NULL, NULL, &e);
	if (!rc) {
		struct registry_creds cr;
		rc = registry_creds_for_image(&p.l, &p.img, &cr, &e);
		char *desc = registry_creds_describe(&cr);
		printf("pulled as %s\n", desc);
		free(desc);
		registry_creds_release(&cr);
	}
	if (rc < 0)
		printf("error (%s): %s\n", mae_err_name(e.code), e.msg);
	ship_client_free(cl);
	teardown(&p);
	return rc < 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "tunnel"))
		return cmd_tunnel();
	if (argc >= 4 && !strcmp(argv[1], "auth"))
		return cmd_auth(argv[2], argv[3]);
	if (argc >= 5 && !strcmp(argv[1], "pull"))
		return cmd_pull(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: ssh-tool tunnel | ssh-tool auth FILE INSTANCE | "
		"ssh-tool pull FILE INSTANCE SOCKET\n");
	return 2;
}
