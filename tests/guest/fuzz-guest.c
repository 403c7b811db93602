/*
 * fuzz-guest.c - a fuzz target for guest/: every function over an
 * environment and arguments taken from the input, with the invariants
 * that must hold whatever the input.
 *
 * Input: NUL-separated pieces: SERVICE, CONTAINER, PORT, DEFAULT (an empty
 * piece means none), then "NAME=value" environment entries.
 *
 * With -Dfuzz=true (clang) this is a libFuzzer target; otherwise
 * tests/fuzz/replay-main.c replays the corpus (tests/guest/corpus) in the
 * `fuzz` suite of every build.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maestro-guest.h"

#define MAX_PIECES 64

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "invariant broken: %s\n", what);
		abort();
	}
}

static void check_name(const char *in)
{
	char *n = guest_var_name(in);
	check(n != NULL, "guest_var_name answers");
	check(strlen(n) <= 2 * strlen(in), "a name grows twice at most");
	bool ascii = true;
	for (const char *p = in; *p; p++)
		ascii = ascii && (unsigned char)*p < 0x80;
	if (ascii) {
		check(strlen(n) == strlen(in), "an ASCII name keeps its length");
		for (const char *p = n; *p; p++)
			check((*p >= 'A' && *p <= 'Z') ||
				      (*p >= '0' && *p <= '9') || *p == '_',
			      "an ASCII name becomes [A-Z0-9_]");
	}
	free(n);
}

static void check_int(const char *in)
{
	long v;
	if (guest_parse_int(in, &v) == 0) {
		char buf[32];
		long w;
		snprintf(buf, sizeof(buf), "%ld", v);
		check(guest_parse_int(buf, &w) == 0 && w == v,
		      "an integer read back is the same");
	}
}

static void run(char **piece, size_t n)
{
	const char *service = piece[0], *container = piece[1];
	const char *port = piece[2], *def = *piece[3] ? piece[3] : NULL;
	char **envp = piece + 4;
	(void)n;
	struct guest_error err;
	char *s = NULL;
	long v;

	for (size_t i = 0; i < 4; i++) {
		check_name(piece[i]);
		check_int(piece[i]);
	}
	if (guest_environment_name(envp, &s, &err) == 0)
		free(s);
	if (guest_service_name(envp, &s, &err) == 0) {
		check(*s != '\0', "a service name is never empty");
		free(s);
	}
	if (guest_container_name(envp, &s, &err) == 0)
		free(s);
	if (guest_container_host_address(envp, false, &s, &err) == 0)
		free(s);
	if (guest_specific_host(envp, service, container, &s, &err) == 0)
		free(s);
	guest_specific_port(envp, service, container, port, def, &v, &err);
	guest_specific_exposed_port(envp, service, container, port, def, &v,
				    &err);
	guest_port(envp, port, def, &v, &err);

	struct guest_list names, nodes;
	if (guest_instance_names(envp, service, &names, &err) == 0) {
		const char *ports[] = { port, container };
		int r = guest_node_list(envp, service, ports, 2, 0, &nodes,
					&err);
		if (r == 0) {
			check(nodes.n == names.n, "one node per instance");
			guest_list_release(&nodes);
		}
		guest_list_release(&names);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	buf[size] = '\0';
	char *piece[MAX_PIECES + 1];
	size_t n = 0;
	for (char *p = buf; n < MAX_PIECES && p <= buf + size;
	     p += strlen(p) + 1)
		piece[n++] = p;
	while (n < 4)
		piece[n++] = "";
	piece[n] = NULL;
	run(piece, n);
	free(buf);
	return 0;
}
