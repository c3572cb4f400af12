/* An OpenFlow connection to a switch (the bridge's management socket,
 * "unix:PATH", or "tcp:IP:PORT"): hello, requests and their replies with
 * timeouts, echo answered on the way, port status noted. One thread uses
 * a connection; nothing here retries (the caller does, with backoff). */
#ifndef TOF_OVS_OFCONN_H
#define TOF_OVS_OFCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofp.h"

struct ofconn {
	int fd;
	uint8_t version;
	uint32_t next_xid;
	uint8_t *rbuf;             /* received, not yet consumed */
	size_t rlen, rcap, rskip;  /* rskip: the message handed out last */
	bool ports_changed;        /* a port status came since the flag was cleared */
	char err[256];             /* why the last call failed */
};

void ofconn_init(struct ofconn *c);

/* Connect and agree on version (OFP_VERSION_14 or _10). 0, or -1 with
 * c->err. */
int ofconn_open(struct ofconn *c, const char *target, uint8_t version, int timeout_ms);
void ofconn_close(struct ofconn *c);
bool ofconn_is_open(const struct ofconn *c);

uint32_t ofconn_xid(struct ofconn *c);

/* Send what b holds. 0 or -1. */
int ofconn_send(struct ofconn *c, const struct ofp_buf *b, int timeout_ms);

/* The next message that is not an echo request (answered here) or a port
 * status (noted in ports_changed): 1 with *msg and *len valid until the next
 * call, 0 when none came within timeout_ms, -1 on error or end of stream. */
int ofconn_recv(struct ofconn *c, const uint8_t **msg, size_t *len, int timeout_ms);

/* Answer what the switch sent by itself (echo, port status) without
 * waiting: 0, or -1 when the connection is gone. */
int ofconn_poll(struct ofconn *c);

/* Send a multipart request (in b, xid) and hand every part's body to fn
 * until the last. 0, or -1 (error reply, timeout, fn's -1) with c->err. */
typedef int (*ofconn_part_fn)(void *ctx, const uint8_t *body, size_t len);
int ofconn_multipart(struct ofconn *c, const struct ofp_buf *b, uint32_t xid,
		     ofconn_part_fn fn, void *ctx, int timeout_ms);

/* Send b, whose messages carry xids first..last, and wait for the reply to
 * last; an error reply to any of them fails the call (c->err says which).
 * Returns 0 or -1. */
int ofconn_transact(struct ofconn *c, const struct ofp_buf *b, uint32_t first, uint32_t last,
		    int timeout_ms);

#endif
