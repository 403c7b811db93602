/*
 * test-ssh-known-hosts.c - the host key check of executor/ssh-tunnel
 * against known_hosts fixtures (data/: our own keys, made with
 * ssh-keygen; the hashed file with `ssh-keygen -H`).  Expected results are
 * OpenSSH's: port 22 looks up "host", other ports only "[host]:port";
 * fingerprints are those `ssh-keygen -lf` prints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh-known-hosts.h"
#include "ssh-tunnel.h"

#include <sys/stat.h>
#include <unistd.h>

#define D DATA_DIR "/"

struct key {
	enum ssh_key_type type;
	unsigned char *raw;
	size_t len;
};

static struct key key_load(const char *pub)
{
	struct key k = { 0 };
	FILE *f = fopen(pub, "r");
	assert_non_null(f);
	char t[64], b[1024];
	assert_int_equal(fscanf(f, "%63s %1023s", t, b), 2);
	fclose(f);
	k.type = ssh_key_type_from_name(t);
	assert_int_equal(mae_base64_decode(b, strlen(b), &k.raw, &k.len), 0);
	return k;
}

static int check(const char *kh, const char *pub, const char *host, int port,
		 struct mae_error *e)
{
	struct key k = key_load(pub);
	mae_error_clear(e);
	int rc = ssh_known_hosts_check(kh, host, port, k.raw, k.len, k.type, e);
	free(k.raw);
	return rc;
}

static void test_key_type_names(void **state)
{
	(void)state;
	assert_int_equal(ssh_key_type_from_name("ssh-ed25519"), SSH_KEY_ED25519);
	assert_int_equal(ssh_key_type_from_name("ecdsa-sha2-nistp256"), SSH_KEY_ECDSA_256);
	assert_int_equal(ssh_key_type_from_name("ssh-rsa"), SSH_KEY_RSA);
	assert_int_equal(ssh_key_type_from_name("sk-ssh-ed25519@openssh.com"), SSH_KEY_UNKNOWN);
}

static void test_plain_match(void **state)
{
	(void)state;
	struct mae_error e;
	assert_int_equal(check(D "known_hosts", D "host-ed25519.pub", "host.example", 22, &e), 0);
	/* the second name of a comma list */
	assert_int_equal(check(D "known_hosts", D "host-ed25519.pub", "192.0.2.7", 22, &e), 0);
}

static void test_skips_unreadable_lines(void **state)
{
	(void)state;
	/* the file starts with a @cert-authority line and a key type that
	 * libssh2 1.10 cannot read: the entries after them still count */
	struct mae_error e;
	assert_int_equal(check(D "known_hosts", D "host-ecdsa.pub", "multi.example", 22, &e), 0);
	assert_int_equal(check(D "known_hosts", D "host-ed25519.pub", "multi.example", 22, &e), 0);
}

static void test_port_forms(void **state)
{
	(void)state;
	struct mae_error e;
	assert_int_equal(check(D "known_hosts", D "other-ed25519.pub", "host.example", 2222, &e), 0);
	/* port 2222 is only "[host.example]:2222", which holds another key */
	assert_int_equal(check(D "known_hosts", D "host-ed25519.pub", "host.example", 2222, &e),
			 MAE_ERR_AUTH);
	assert_non_null(strstr(e.msg, "host key of '[host.example]:2222' has CHANGED"));
	/* no entry at all for another port */
	assert_int_equal(check(D "known_hosts", D "host-ed25519.pub", "192.0.2.7", 2200, &e),
			 MAE_ERR_AUTH);
	assert_non_null(strstr(e.msg, "is unknown"));
}

static void test_hashed(void **state)
{
	(void)state;
	struct mae_error e;
	assert_int_equal(check(D "known_hosts_hashed", D "host-ed25519.pub", "hashed.example", 22, &e), 0);
	assert_int_equal(check(D "known_hosts_hashed", D "host-ed25519.pub", "hashed.example", 2200, &e), 0);
	assert_int_equal(check(D "known_hosts_hashed", D "host-ed25519.pub", "hashed.example", 2201, &e),
			 MAE_ERR_AUTH);
	assert_int_equal(check(D "known_hosts_hashed", D "host-ed25519.pub", "other.example", 22, &e),
			 MAE_ERR_AUTH);
}

static void test_changed(void **state)
{
	(void)state;
	struct mae_error e;
	assert_int_equal(check(D "known_hosts", D "other-ed25519.pub", "host.example", 22, &e),
			 MAE_ERR_AUTH);
	assert_non_null(strstr(e.msg, "host key of 'host.example' has CHANGED"));
	/* the offered key's fingerprint, as `ssh-keygen -lf` shows it */
	assert_non_null(strstr(e.msg, "SHA256:OZrrVSej/P9/xl6/6/qncdwzElqFNUdigWguGqAaLF0"));
	assert_int_equal(check(D "known_hosts_changed", D "host-ed25519.pub", "host.example", 22, &e),
			 MAE_ERR_AUTH);
	assert_non_null(strstr(e.msg, "CHANGED"));
}

static void test_unknown(void **state)
{
	(void)state;
	struct mae_error e;
	assert_int_equal(check(D "known_hosts", D "host-ed25519.pub", "nope.example", 22, &e),
			 MAE_ERR_AUTH);
	assert_non_null(strstr(e.msg, "host key of 'nope.example' is unknown"));
	assert_non_null(strstr(e.msg, "SHA256:gzVFY+Fu2IyowyR+h6KNB8iuU8Y3eLJo3WHuKOXLGS4"));
	/* a key of another type than the one known is unknown, not changed */
	assert_int_equal(check(D "known_hosts", D "host-ecdsa.pub", "host.example", 22, &e),
			 MAE_ERR_AUTH);
	assert_non_null(strstr(e.msg, "is unknown"));
	assert_non_null(strstr(e.msg, "SHA256:QI82HPWNEgg/hNXrbTlDXIaJLcQoWiR+uloYvdKQNh8"));
}

static void test_missing_file_is_empty(void **state)
{
	(void)state;
	struct mae_error e;
	assert_int_equal(check(D "no-such-file", D "host-ed25519.pub", "host.example", 22, &e),
			 MAE_ERR_AUTH);
	assert_non_null(strstr(e.msg, "is unknown"));
}

static void test_algorithms(void **state)
{
	(void)state;
	char *a = ssh_known_hosts_algorithms(D "known_hosts", "multi.example", 22);
	assert_string_equal(a, "ssh-ed25519,ecdsa-sha2-nistp256");
	free(a);
	a = ssh_known_hosts_algorithms(D "known_hosts", "host.example", 2222);
	assert_string_equal(a, "ssh-ed25519");
	free(a);
	a = ssh_known_hosts_algorithms(D "known_hosts_hashed", "hashed.example", 2200);
	assert_string_equal(a, "ssh-ed25519");
	free(a);
	assert_null(ssh_known_hosts_algorithms(D "known_hosts", "nope.example", 22));
	assert_null(ssh_known_hosts_algorithms(D "no-such-file", "host.example", 22));
}

/* A FIFO (or any file that is not regular) is refused, never opened to
 * block: known_hosts itself, and the files ssh_tunnel_open() would hand to
 * libssh2, checked before it connects anywhere. */
static void test_fifo_refused(void **state)
{
	(void)state;
	char dir[] = "/tmp/maestro-kh-fifo.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *fifo = mae_xasprintf("%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	struct mae_error e;
	mae_error_clear(&e);
	int64_t t0 = mae_now_ms();
	assert_int_equal(check(fifo, D "host-ed25519.pub", "host.example", 22, &e),
			 MAE_ERR_INVALID);
	char *want = mae_xasprintf("known_hosts '%s' is not a regular file", fifo);
	assert_string_equal(e.msg, want);
	free(want);
	assert_null(ssh_known_hosts_algorithms(fifo, "host.example", 22));

	struct ship_conn c = { .name = "s1", .transport = SHIP_SSH,
			       .endpoint = "192.0.2.1", .port = 2375,
			       .has_ssh = true, .timeout_s = 1 };
	c.ssh.user = "root";
	c.ssh.key = fifo;
	c.ssh.known_hosts = D "known_hosts";
	struct ssh_tunnel *t = NULL;
	assert_int_equal(ssh_tunnel_open(&c, &t, &e), MAE_ERR_INVALID);
	want = mae_xasprintf("ssh_tunnel key '%s' is not a regular file (a FIFO)", fifo);
	assert_string_equal(e.msg, want);
	free(want);
	c.ssh.key = NULL;
	c.ssh.known_hosts = dir;
	assert_int_equal(ssh_tunnel_open(&c, &t, &e), MAE_ERR_INVALID);
	want = mae_xasprintf("ssh_tunnel known_hosts '%s' is not a regular file (a directory)", dir);
	assert_string_equal(e.msg, want);
	free(want);
	assert_true(mae_now_ms() - t0 < 2000);
	unlink(fifo);
	rmdir(dir);
	free(fifo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_type_names),
		cmocka_unit_test(test_plain_match),
		cmocka_unit_test(test_skips_unreadable_lines),
		cmocka_unit_test(test_port_forms),
		cmocka_unit_test(test_hashed),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_missing_file_is_empty),
		cmocka_unit_test(test_algorithms),
		cmocka_unit_test(test_fifo_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
