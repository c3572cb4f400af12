/* tofd health: the container's HEALTHCHECK and an exec probe. GET
 * /health/live (or with --ready /health) from the API the config
 * describes, with its token, over TLS when the API uses it (the local
 * server's certificate is not verified: this is a probe, not a client).
 * Exit 0 for a 200, 1 for anything else. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <jansson.h>

#include "api.h"
#include "config.h"
#include "tofd_cmds.h"

#define HEALTH_REPLY_MAX 8192

struct health_conn {
	int fd;
	gnutls_session_t tls; /* NULL: plain HTTP */
	gnutls_certificate_credentials_t cred;
};

static int conn_send(struct health_conn *c, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = c->tls ? gnutls_record_send(c->tls, buf, len) : send(c->fd, buf, len, MSG_NOSIGNAL);

		if (w < 0 && (c->tls ? w == GNUTLS_E_INTERRUPTED || w == GNUTLS_E_AGAIN : errno == EINTR))
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Until the server closes (Connection: close) or the buffer is full. */
static ssize_t conn_recv_all(struct health_conn *c, char *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t r = c->tls ? gnutls_record_recv(c->tls, buf + got, cap - got) :
				     recv(c->fd, buf + got, cap - got, 0);

		if (r < 0 && (c->tls ? r == GNUTLS_E_INTERRUPTED || r == GNUTLS_E_AGAIN : errno == EINTR))
			continue;
		if (r == 0 || (r < 0 && got > 0))
			break;
		if (r < 0)
			return -1;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int conn_open(struct health_conn *c, const struct tof_api_client *api, unsigned int timeout_s,
		     char *err, size_t errlen)
{
	struct timeval tv = { .tv_sec = timeout_s };
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = socket(api->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Linux applies the send timeout to connect() too */
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (const struct sockaddr *)&api->addr, api->addrlen) < 0) {
		snprintf(err, errlen, "connect: %s", strerror(errno));
		return -1;
	}
	if (!api->tls)
		return 0;
	if (gnutls_certificate_allocate_credentials(&c->cred) < 0 ||
	    gnutls_init(&c->tls, GNUTLS_CLIENT) < 0 || gnutls_set_default_priority(c->tls) < 0 ||
	    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->cred) < 0) {
		snprintf(err, errlen, "TLS: cannot set up a session");
		return -1;
	}
	gnutls_transport_set_int(c->tls, c->fd);
	gnutls_handshake_set_timeout(c->tls, timeout_s * 1000);
	do {
		rc = gnutls_handshake(c->tls);
	} while (rc < 0 && !gnutls_error_is_fatal(rc));
	if (rc < 0) {
		snprintf(err, errlen, "TLS handshake: %s", gnutls_strerror(rc));
		return -1;
	}
	return 0;
}

static void conn_close(struct health_conn *c)
{
	if (c->tls) {
		gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
	}
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	if (c->fd >= 0)
		close(c->fd);
}

/* GET path; the status code (0 if none could be read) and the body's first
 * line in body. */
static int health_get(const struct tof_api_client *api, const char *path, unsigned int timeout_s,
		      char *body, size_t bodylen, char *err, size_t errlen)
{
	char req[4096 + 256], reply[HEALTH_REPLY_MAX + 1];
	struct health_conn c;
	int status = 0, n;
	ssize_t got;
	char *b;

	c.fd = -1;
	if (conn_open(&c, api, timeout_s, err, errlen) < 0) {
		conn_close(&c);
		return 0;
	}
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: tofd\r\nConnection: close\r\n"
		     "%s%s%s\r\n", path, api->token ? "Authorization: Bearer " : "",
		     api->token ? api->token : "", api->token ? "\r\n" : "");
	if (conn_send(&c, req, (size_t)n) < 0) {
		snprintf(err, errlen, "send: %s", strerror(errno));
	} else if ((got = conn_recv_all(&c, reply, HEALTH_REPLY_MAX)) <= 0) {
		snprintf(err, errlen, "no reply");
	} else {
		reply[got] = '\0';
		if (sscanf(reply, "HTTP/1.%*d %d", &status) != 1)
			snprintf(err, errlen, "not an HTTP reply");
		b = strstr(reply, "\r\n\r\n");
		snprintf(body, bodylen, "%.*s", b ? (int)strcspn(b + 4, "\r\n") : 0, b ? b + 4 : "");
	}
	explicit_bzero(req, sizeof(req));
	conn_close(&c);
	return status;
}

/* The API settings of the config file (or the defaults without one).
 * Only its "api" object is read: the probe must not fail while someone
 * edits another part of the file that a running tofd has not reloaded. */
static int health_config(const char *path, struct tof_config *cfg, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc, *part;
	char *text;
	int rc;

	if (!path)
		return tof_config_load_string("{}", cfg, err, errlen);
	doc = json_load_file(path, 0, &jerr);
	if (!doc) {
		snprintf(err, errlen, "%s", jerr.text);
		return -1;
	}
	part = json_object();
	if (json_is_object(doc) && json_object_get(doc, "api"))
		json_object_set(part, "api", json_object_get(doc, "api"));
	text = json_dumps(part, JSON_COMPACT);
	json_decref(part);
	json_decref(doc);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = tof_config_load_string(text, cfg, err, errlen);
	free(text);
	return rc;
}

int tofd_cmd_health(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "ready", no_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tof_config cfg;
	struct tof_api_client api;
	const char *config = NULL, *path = "/health/live";
	char err[1024] = "", body[512] = "";
	unsigned long timeout_s = 5;
	int c, status;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:rt:h", longopts, NULL)) != -1) {
		char *end = NULL;

		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'r':
			path = "/health";
			break;
		case 't':
			timeout_s = strtoul(optarg, &end, 10);
			if (*end || timeout_s < 1 || timeout_s > 300) {
				fprintf(stderr, "tofd health: --timeout: 1 to 300 seconds\n");
				return TOFD_EXIT_USAGE;
			}
			break;
		case 'h':
			printf("Usage: tofd health [--config FILE] [--ready] [--timeout S]\n");
			return TOFD_EXIT_OK;
		default:
			fprintf(stderr, "tofd health: usage: tofd health [--config FILE] [--ready] "
				"[--timeout S]\n");
			return TOFD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tofd health: unexpected argument '%s'\n", argv[optind]);
		return TOFD_EXIT_USAGE;
	}
	if (health_config(config, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "tofd health: %s: %s\n", config ? config : "defaults", err);
		return TOFD_EXIT_USAGE;
	}
	if (tof_api_client_config(&cfg, &api, err, sizeof(err)) < 0) {
		fprintf(stderr, "tofd health: %s: %s\n", config, err);
		tof_config_free(&cfg);
		return TOFD_EXIT_USAGE;
	}
	status = health_get(&api, path, (unsigned int)timeout_s, body, sizeof(body), err,
			    sizeof(err));
	tof_api_client_free(&api);
	tof_config_free(&cfg);
	if (status == 200) {
		printf("healthy: %s %d %s\n", path, status, body);
		return TOFD_EXIT_OK;
	}
	if (status)
		printf("unhealthy: %s %d %s\n", path, status, body);
	else
		printf("unhealthy: %s: %s\n", path, err);
	return TOFD_EXIT_FAIL;
}
