/*
 * ssh-tool.c - drives executor/ssh-tunnel and executor/registry-auth for
 * the integration script tests/integration/ssh.sh, which talk to the real
 * fleet with curl through what this tool sets up.
 *
 *   ssh-tool tunnel     open a tunnel from MT_* variables; print its socket
 *                       path, then "dead: REASON" if the session is lost;
 *                       close it when standard input ends
 *   ssh-tool auth IMAGE write the X-Registry-Auth value for IMAGE to the
 *                       file MT_HEADER_FILE (0600) and print where the
 *                       credentials came from (never the secret)
 *
 * Tunnel settings: MT_ENDPOINT, MT_SSH_PORT, MT_USER, MT_KEY (empty: agent),
 * MT_KNOWN_HOSTS, MT_INSECURE (1), MT_TIMEOUT (s), MT_SOCKET (remote unix
 * socket, or empty), MT_PORT.  Registry entry (optional): MT_REG_NAME,
 * MT_REG_URL, MT_REG_USER, MT_REG_PASSWORD.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry-auth.h"
#include "ssh-tunnel.h"

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

static int cmd_auth(const char *image)
{
	struct registry_list l = { 0 };
	struct registry_entry ent = { 0 };
	if (getenv("MT_REG_NAME")) {
		ent.name = mae_xstrdup(env_or("MT_REG_NAME", ""));
		ent.registry = mae_xstrdup(env_or("MT_REG_URL", ""));
		if (getenv("MT_REG_USER"))
			ent.username = mae_xstrdup(getenv("MT_REG_USER"));
		if (getenv("MT_REG_PASSWORD"))
			ent.password = mae_xstrdup(getenv("MT_REG_PASSWORD"));
		ent.retry.attempts = 3;
		l.v = mae_xmalloc(sizeof(ent));
		l.v[0] = ent;
		l.n = 1;
	}
	struct registry_creds cr;
	struct mae_error e;
	mae_error_clear(&e);
	int rc = registry_creds_for_image(&l, image, &cr, &e);
	registry_list_release(&l);
	if (rc < 0) {
		fprintf(stderr, "error (%s): %s\n", mae_err_name(e.code), e.msg);
		return 1;
	}
	char *desc = registry_creds_describe(&cr);
	printf("%s\n", desc);
	free(desc);
	char *h = registry_auth_header(&cr);
	registry_creds_release(&cr);
	const char *file = getenv("MT_HEADER_FILE");
	if (file) {
		int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || (h && write(fd, h, strlen(h)) < 0)) {
			perror(file);
			registry_secret_free(h);
			return 1;
		}
		close(fd);
	}
	registry_secret_free(h);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "tunnel"))
		return cmd_tunnel();
	if (argc >= 3 && !strcmp(argv[1], "auth"))
		return cmd_auth(argv[2]);
	fprintf(stderr, "usage: ssh-tool tunnel | ssh-tool auth IMAGE\n");
	return 2;
}
