/*
 * fuzz-known-hosts.c - fuzz target for the known_hosts check (our line
 * reader and libssh2's parser behind it): the input is a known_hosts file
 * (given through a memfd).  Properties: never a crash or a leak; the
 * answer is 0 or MAE_ERR_AUTH with a message naming the fingerprint; a key
 * that the input does not contain, in base64, is never accepted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base.h"
#include "ssh-known-hosts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* an ed25519 public key blob: string "ssh-ed25519", string 32 bytes */
static const unsigned char key[] = {
	0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9',
	0, 0, 0, 32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("known_hosts", 0);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct mae_error e;
	mae_error_clear(&e);
	int rc = ssh_known_hosts_check(path, "host.example", size % 2 ? 2222 : 22,
				       key, sizeof(key), SSH_KEY_ED25519, &e);
	if (rc != 0 && rc != MAE_ERR_AUTH && rc != MAE_ERR_IO)
		abort();
	if (rc == MAE_ERR_AUTH && !strstr(e.msg, "SHA256:"))
		abort();
	if (rc == 0) {
		char *b64 = mae_base64_encode(key, sizeof(key), false);
		if (!memmem(data, size, b64, strlen(b64)))
			abort();
		free(b64);
	}
	free(ssh_known_hosts_algorithms(path, "host.example", 22));
	close(fd);
	return 0;
}
