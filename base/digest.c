/*
 * digest.c - SHA-256 (libcrypto) and base64.  With json.c, the only
 * files of base/ that include third-party headers.
 */
#include "base.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mae_sha256_init(struct mae_sha256 *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		fprintf(stderr, "maestro: fatal: SHA-256 unavailable\n");
		abort();
	}
	h->ctx = ctx;
}

void mae_sha256_update(struct mae_sha256 *h, const void *data, size_t n)
{
	EVP_DigestUpdate(h->ctx, data, n);
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

void mae_sha256_final(struct mae_sha256 *h, unsigned char out[MAE_SHA256_LEN])
{
	unsigned int len = 0;
	EVP_DigestFinal_ex(h->ctx, out, &len);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void mae_sha256_final_hex(struct mae_sha256 *h, char out[65])
{
	unsigned char md[MAE_SHA256_LEN];
	mae_sha256_final(h, md);
	to_hex(md, sizeof(md), out);
}

void mae_sha256(const void *data, size_t n, unsigned char out[MAE_SHA256_LEN])
{
	struct mae_sha256 h;
	mae_sha256_init(&h);
	mae_sha256_update(&h, data, n);
	mae_sha256_final(&h, out);
}

void mae_sha256_hex(const void *data, size_t n, char out[65])
{
	struct mae_sha256 h;
	mae_sha256_init(&h);
	mae_sha256_update(&h, data, n);
	mae_sha256_final_hex(&h, out);
}

void mae_hmac_sha256_hex(const void *key, size_t keylen, const void *data,
			 size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	static const unsigned char none;
	if (!HMAC(EVP_sha256(), key ? key : &none, (int)keylen,
		  data ? data : &none, n, md, &len)) {
		fprintf(stderr, "maestro: fatal: HMAC-SHA256 unavailable\n");
		abort();
	}
	to_hex(md, len, out);
}

void mae_secret_digest(const void *key, size_t keylen, const char *value,
		       char out[MAE_SECRET_DIGEST_LEN + 1])
{
	size_t p = sizeof(MAE_SECRET_DIGEST_PREFIX) - 1;
	memcpy(out, MAE_SECRET_DIGEST_PREFIX, p);
	mae_hmac_sha256_hex(key, keylen, value, strlen(value), out + p);
}

static const char b64_std[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *mae_base64_encode(const void *data, size_t n, bool url)
{
	const unsigned char *p = data;
	const char *al = url ? b64_url : b64_std;
	char *out = mae_xmalloc(4 * ((n + 2) / 3) + 1);
	size_t o = 0, i = 0;
	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = al[v >> 6 & 63];
		out[o++] = al[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = i + 1 < n ? al[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+' || c == '-') return 62;
	if (c == '/' || c == '_') return 63;
	return -1;
}

int mae_base64_decode(const char *text, size_t len, unsigned char **ret,
		      size_t *ret_len)
{
	while (len > 0 && text[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return MAE_ERR_INVALID;
	unsigned char *out = mae_xmalloc(len * 3 / 4 + 1);
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(text[i]);
		if (v < 0) {
			free(out);
			return MAE_ERR_INVALID;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	*ret = out;
	*ret_len = o;
	return 0;
}
