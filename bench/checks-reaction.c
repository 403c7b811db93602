/*
 * checks-reaction.c - how soon a tcp lifecycle check (executor/checks.c)
 * sees a port that starts listening OPEN_MS after the check starts, on
 * loopback: for a server that stays silent (the check then waits its
 * docker-proxy window, CHECK_TCP_WINDOW_MS) and for one that greets at
 * once.  Prints the median and the worst of ROUNDS rounds, as the time
 * from the port opening to the check passing.  Run by bench/checks.
 */
#include <jansson.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "checks.h"

static int open_ms = 50;

struct srv {
	int fd, port;
	bool greet;
	int64_t opened;
	int stop;
};

static void *srv_main(void *ud)
{
	struct srv *s = ud;
	struct timespec ts = { 0, (long)open_ms * 1000000L };
	nanosleep(&ts, NULL);
	listen(s->fd, 16);
	s->opened = mae_now_ms();
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		if (poll(&p, 1, 10) <= 0)
			continue;
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		if (s->greet)
			(void)!send(c, "hi\n", 3, MSG_NOSIGNAL);
		struct timespec w = { 0, 300000000L };
		nanosleep(&w, NULL);
		close(c);
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void round_set(bool greet, int rounds)
{
	int64_t *t = calloc((size_t)rounds, sizeof(*t));
	for (int r = 0; r < rounds; r++) {
		struct srv s = { .greet = greet };
		s.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		bind(s.fd, (struct sockaddr *)&a, sizeof(a));
		socklen_t len = sizeof(a);
		getsockname(s.fd, (struct sockaddr *)&a, &len);
		s.port = ntohs(a.sin_port);
		json_t *k = json_pack("{s:s,s:i,s:{s:s,s:i}}", "type", "tcp", "budget_s", 10,
				      "target", "host", "127.0.0.1", "port", s.port);
		pthread_t tid;
		pthread_create(&tid, NULL, srv_main, &s);
		struct check_ctx ctx = { 0 };
		struct mae_error e;
		int64_t t0 = mae_now_ms();
		if (check_run(k, &ctx, &e) != 0) {
			fprintf(stderr, "check failed: %s\n", e.msg);
			exit(1);
		}
		int64_t end = mae_now_ms();
		__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
		pthread_join(tid, NULL);
		close(s.fd);
		json_decref(k);
		t[r] = end - s.opened;
		(void)t0;
	}
	qsort(t, (size_t)rounds, sizeof(*t), cmp);
	printf("%-8s port opens %d ms after start: seen %lld ms after it opened "
	       "(median of %d), worst %lld ms\n",
	       greet ? "greeting" : "silent", open_ms, (long long)t[rounds / 2],
	       rounds, (long long)t[rounds - 1]);
	free(t);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	if (argc > 2)
		open_ms = atoi(argv[2]);
	if (rounds < 1)
		rounds = 1;
	printf("tcp check, docker-proxy window %d ms, polling every %d ms:\n",
	       CHECK_TCP_WINDOW_MS, CHECK_FAST_MS);
	round_set(false, rounds);
	round_set(true, rounds);
	return 0;
}
