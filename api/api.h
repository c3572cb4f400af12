/* The REST API of the TOF: libmicrohttpd + jansson, in front of the ctl
 * (tof/agent/agent_ctl.h). openapi/openapi.yaml is its contract and
 * api/README.md its guide. */
#ifndef TOF_API_H
#define TOF_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "agent_ctl.h"
#include "tof_config.h"

#define TOF_API_LISTEN_DEFAULT "127.0.0.1:8080"
#define TOF_API_BODY_LIMIT (64u * 1024)

struct tof_api;

struct tof_api_opts {
	const struct tof_config *cfg; /* api.*, mode (for the port names) */
	size_t body_limit;            /* 0: TOF_API_BODY_LIMIT */
	unsigned int threads;         /* 0: 4 */
	bool quiet;                   /* no log of service changes */
};

/* Read the token, certificate and key, bind and start serving. Returns 0;
 * -1 for a bad config field (the message in err names it); -2 when the
 * address cannot be bound. */
int tof_api_start(const struct tof_api_opts *o, struct tof_ctl *ctl, struct tof_api **out,
		  char *err, size_t errlen);

/* Where it listens, e.g. "https://[::1]:8443", and the port (useful with
 * port 0, which binds any free one). */
const char *tof_api_url(const struct tof_api *api);
uint16_t tof_api_port(const struct tof_api *api);

/* Stop serving (requests in flight finish) and free everything. */
void tof_api_stop(struct tof_api *api);

/* How a local client reaches the API this config describes: the address
 * to connect to (a wildcard listen address means loopback), TLS or not,
 * and the bearer token (malloc'd; NULL when none). Reads the token and TLS
 * files as tof_api_start would, so it also checks them. Returns 0, or -1
 * with a message naming the config field in err. */
struct tof_api_client {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool tls;
	char *token;
};

int tof_api_client_config(const struct tof_config *cfg, struct tof_api_client *out, char *err,
			  size_t errlen);
void tof_api_client_free(struct tof_api_client *c);

#endif
