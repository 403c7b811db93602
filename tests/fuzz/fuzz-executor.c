/*
 * fuzz-executor.c - fuzz target for the ship client's parsers of what a
 * daemon sends (executor/streams.c): multiplexed output frames, a pull's
 * JSON progress stream, the event stream, RFC 3339 times.  The first byte
 * picks the parser (low 2 bits) and the piece size the bytes arrive in
 * (the rest), so frame and line boundaries fall anywhere.  Besides "no
 * crash, no leak, no hang": an error always comes with a message naming
 * the ship.  The same bytes go to ship_json_load() (executor/json-load.c),
 * which must agree with jansson: what it accepts jansson parsed, and what
 * jansson parses (without a NUL byte, within the depth budget) it accepts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client-int.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ship_client *cl;
	if (!cl) {
		struct ship_conn c = { .name = "fuzz", .transport = SHIP_TCP,
				       .endpoint = "127.0.0.1", .port = 9 };
		if (ship_client_new(&c, &cl, NULL))
			abort();
	}
	if (size < 1)
		return 0;
	enum ship_feed_kind kind = (enum ship_feed_kind)(data[0] & 3);
	size_t piece = (size_t)(data[0] >> 2) + 1;
	struct mae_error e;
	mae_error_clear(&e);
	int rc = ship_stream_feed(cl, kind, (const char *)data + 1, size - 1,
				  piece, &e);
	if (rc && kind != SHIP_FEED_TIME && strncmp(e.msg, "fuzz: ", 6) != 0)
		abort();

	const char *text = (const char *)data + 1;
	size_t n = size - 1;
	json_t *j = NULL;
	char why[160];
	rc = ship_json_load(text, n, 0, &j, why, sizeof(why));
	json_t *k = json_loadb(text, n, 0, NULL);
	if (rc == 0 && (!j || !k))
		abort();
	if (rc == MAE_ERR_PROTOCOL && k && !memchr(text, 0, n))
		abort();
	if (rc && rc != MAE_ERR_PROTOCOL &&
	    !(rc == MAE_ERR_LIMIT && strstr(why, "deeper than")))
		abort();
	json_decref(j);
	json_decref(k);
	return 0;
}
