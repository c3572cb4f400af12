/* Who may talk to the API and how: the bearer token, TLS material, and the
 * listen address. Read once at start; a bad file stops start-up with a
 * message that names the config field. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "api_int.h"

#define API_TOKEN_MAX 4096
#define API_PEM_MAX (1024 * 1024)

/* The whole file, NUL-terminated; NULL with a message in err. */
static char *api_read_file(const char *field, const char *path, size_t max, size_t *len,
			   char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!fp) {
		snprintf(err, errlen, "%s: %s: %s", field, path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	if (!buf) {
		fclose(fp);
		snprintf(err, errlen, "%s: out of memory", field);
		return NULL;
	}
	n = fread(buf, 1, max + 1, fp);
	if (ferror(fp) || n > max) {
		snprintf(err, errlen, "%s: %s: %s", field, path,
			 ferror(fp) ? "read error" : "too big");
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int api_load_token(struct tof_api *api, const char *path, char *err, size_t errlen)
{
	size_t len;
	char *t = api_read_file("api.token_file", path, API_TOKEN_MAX, &len, err, errlen);

	if (!t)
		return -1;
	/* one line; the newline an editor adds is not part of it */
	while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r' || t[len - 1] == ' ' ||
			   t[len - 1] == '\t'))
		t[--len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if (t[i] <= 0x20 || t[i] >= 0x7f) {
			snprintf(err, errlen, "api.token_file: %s: the token must be one word of "
				 "printable ASCII", path);
			free(t);
			return -1;
		}
	}
	if (len < 16) {
		snprintf(err, errlen, "api.token_file: %s: the token must be at least 16 "
			 "characters", path);
		free(t);
		return -1;
	}
	api->token = t;
	api->token_len = len;
	return 0;
}

int api_auth_load(struct tof_api *api, const struct tof_config *cfg, char *err, size_t errlen)
{
	size_t len;

	if (cfg->api_token_file && api_load_token(api, cfg->api_token_file, err, errlen) < 0)
		return -1;
	if (!cfg->api_tls_cert)
		return 0;
	api->cert_pem = api_read_file("api.tls_cert", cfg->api_tls_cert, API_PEM_MAX, &len, err,
				      errlen);
	if (!api->cert_pem)
		return -1;
	if (!strstr(api->cert_pem, "-----BEGIN CERTIFICATE-----")) {
		snprintf(err, errlen, "api.tls_cert: %s: not a PEM certificate",
			 cfg->api_tls_cert);
		return -1;
	}
	api->key_pem = api_read_file("api.tls_key", cfg->api_tls_key, API_PEM_MAX, &len, err,
				     errlen);
	if (!api->key_pem)
		return -1;
	if (!strstr(api->key_pem, "PRIVATE KEY-----")) {
		snprintf(err, errlen, "api.tls_key: %s: not a PEM private key", cfg->api_tls_key);
		return -1;
	}
	return 0;
}

void api_auth_free(struct tof_api *api)
{
	if (api->token)
		explicit_bzero(api->token, api->token_len);
	if (api->key_pem)
		explicit_bzero(api->key_pem, strlen(api->key_pem));
	free(api->token);
	free(api->cert_pem);
	free(api->key_pem);
	api->token = api->cert_pem = api->key_pem = NULL;
}

int tof_api_client_config(const struct tof_config *cfg, struct tof_api_client *out, char *err,
			  size_t errlen)
{
	const char *listen = cfg->api_listen ? cfg->api_listen : TOF_API_LISTEN_DEFAULT;
	struct tof_api api;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&api, 0, sizeof(api));
	if (api_parse_listen(listen, &out->addr, &out->addrlen, err, errlen) < 0)
		return -1;
	if (out->addr.ss_family == AF_INET6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->addr;

		if (IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr))
			a6->sin6_addr = in6addr_loopback;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&out->addr;

		if (a4->sin_addr.s_addr == htonl(INADDR_ANY))
			a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	rc = api_auth_load(&api, cfg, err, errlen);
	if (rc == 0) {
		out->tls = api.cert_pem != NULL;
		out->token = api.token;
		api.token = NULL;
	}
	api_auth_free(&api);
	return rc;
}

void tof_api_client_free(struct tof_api_client *c)
{
	if (c->token)
		explicit_bzero(c->token, strlen(c->token));
	free(c->token);
	c->token = NULL;
}

/* Time depends on the length of the expected token only. */
static bool api_token_equal(const char *got, size_t got_len, const char *want, size_t want_len)
{
	volatile unsigned char diff = got_len != want_len;

	for (size_t i = 0; i < want_len; i++)
		diff |= (unsigned char)want[i] ^ (unsigned char)(i < got_len ? got[i] : 0);
	return diff == 0;
}

bool api_auth_ok(struct api_req *r)
{
	const struct tof_api *api = r->api;
	const char *h;

	if (!api->token)
		return true;
	h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_AUTHORIZATION);
	/* the scheme is case-insensitive (RFC 7235) */
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	while (*h == ' ')
		h++;
	return api_token_equal(h, strlen(h), api->token, api->token_len);
}

int api_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen, char *err,
		     size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *orig = s, *colon, *p;
	bool v6 = s[0] == '[';
	unsigned long port = 0;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			goto bad;
		hlen = (size_t)(end - s - 1);
		colon = end + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	p = colon + 1;
	if (*p == '\0' || strlen(p) > 5)
		goto bad;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port > 65535)
		goto bad;
	if (v6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			goto bad;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			goto bad;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*sslen = sizeof(*a4);
	}
	return 0;
bad:
	snprintf(err, errlen, "api.listen: \"%.64s\" must be ADDRESS:PORT with an IP address, "
		 "e.g. 127.0.0.1:8080 or [::1]:8080", orig);
	return -1;
}
