/*
 * error.c - error values: a code and a located message (struct mae_error).
 * Prints nothing.
 */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *mae_err_name(int code)
{
	switch (code) {
	case MAE_OK: return "ok";
	case MAE_ERR_INVALID: return "invalid";
	case MAE_ERR_IO: return "io";
	case MAE_ERR_CONNECT: return "connect";
	case MAE_ERR_TIMEOUT: return "timeout";
	case MAE_ERR_PROTOCOL: return "protocol";
	case MAE_ERR_REMOTE: return "remote";
	case MAE_ERR_AUTH: return "auth";
	case MAE_ERR_CANCELLED: return "cancelled";
	case MAE_ERR_LIMIT: return "limit";
	case MAE_ERR_STATE: return "state";
	case MAE_ERR_NOTFOUND: return "notfound";
	case MAE_ERR_INTERNAL: return "internal";
	}
	return "unknown";
}

void mae_error_clear(struct mae_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

int mae_error_vset(struct mae_error *e, int code, const char *fmt, va_list ap)
{
	if (!e)
		return code;
	mae_error_clear(e);
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return code;
}

int mae_error_set(struct mae_error *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mae_error_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

void mae_error_prefix(struct mae_error *e, const char *fmt, ...)
{
	if (!e)
		return;
	char prefix[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* the result is cut to the message's size, as every message is */
	char *joined = mae_xasprintf("%s: %s", prefix, e->msg);
	size_t n = strlen(joined);
	if (n >= sizeof(e->msg))
		n = sizeof(e->msg) - 1;
	memcpy(e->msg, joined, n);
	e->msg[n] = '\0';
	free(joined);
}
