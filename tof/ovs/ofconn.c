/* OpenFlow over a stream socket, with deadlines. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ofconn.h"
#include "ovs_sock.h"

void ofconn_init(struct ofconn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->next_xid = 1;
}

bool ofconn_is_open(const struct ofconn *c)
{
	return c->fd >= 0;
}

uint32_t ofconn_xid(struct ofconn *c)
{
	return c->next_xid++;
}

void ofconn_close(struct ofconn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->rbuf);
	c->fd = -1;
	c->rbuf = NULL;
	c->rlen = c->rcap = c->rskip = 0;
}

int ofconn_send(struct ofconn *c, const struct ofp_buf *b, int timeout_ms)
{
	if (b->oom) {
		snprintf(c->err, sizeof(c->err), "out of memory building OpenFlow messages");
		return -1;
	}
	if (ovs_sock_write_all(c->fd, b->data, b->len, timeout_ms, c->err, sizeof(c->err)) < 0) {
		ofconn_close(c);
		return -1;
	}
	return 0;
}

/* A whole message at the front of rbuf: its length, or 0. */
static size_t rbuf_msg(struct ofconn *c)
{
	struct ofp_header h;

	if (c->rlen < OFP_HEADER_LEN)
		return 0;
	if (ofp_parse_header(c->rbuf, c->rlen, &h) < 0)
		return SIZE_MAX;
	return c->rlen >= h.length ? h.length : 0;
}

/* Read what the socket has, waiting up to timeout_ms. 1 read, 0 timeout,
 * -1 gone. */
static int rbuf_fill(struct ofconn *c, int timeout_ms)
{
	ssize_t n;

	if (c->rcap - c->rlen < 4096) {
		size_t cap = c->rcap ? c->rcap * 2 : 65536;
		uint8_t *p = realloc(c->rbuf, cap);

		if (!p) {
			snprintf(c->err, sizeof(c->err), "out of memory");
			return -1;
		}
		c->rbuf = p;
		c->rcap = cap;
	}
	n = ovs_sock_read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, timeout_ms, c->err,
			  sizeof(c->err));
	if (n > 0)
		c->rlen += (size_t)n;
	return n > 0 ? 1 : (int)n;
}

/* Handle what the switch says by itself. true: it was such a message. */
static bool ofconn_unsolicited(struct ofconn *c, const uint8_t *m, size_t len)
{
	struct ofp_header h;
	struct ofp_buf b;

	ofp_parse_header(m, len, &h);
	if (h.type == OFPT_ECHO_REQUEST) {
		ofp_buf_init(&b);
		ofp_put_echo_reply(&b, c->version, h.xid, m + OFP_HEADER_LEN,
				   len - OFP_HEADER_LEN);
		ofconn_send(c, &b, 1000);
		ofp_buf_free(&b);
		return true;
	}
	if (h.type == OFPT_PORT_STATUS) {
		c->ports_changed = true;
		return true;
	}
	return false;
}

int ofconn_recv(struct ofconn *c, const uint8_t **msg, size_t *len, int timeout_ms)
{
	uint64_t end = ovs_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);

	for (;;) {
		size_t n;

		if (c->fd < 0) {
			if (!c->err[0])
				snprintf(c->err, sizeof(c->err), "not connected");
			return -1;
		}
		/* drop the message handed out last */
		if (c->rskip) {
			memmove(c->rbuf, c->rbuf + c->rskip, c->rlen - c->rskip);
			c->rlen -= c->rskip;
			c->rskip = 0;
		}
		n = rbuf_msg(c);
		if (n == SIZE_MAX) {
			snprintf(c->err, sizeof(c->err), "malformed OpenFlow message from the switch");
			ofconn_close(c);
			return -1;
		}
		if (n > 0) {
			c->rskip = n;
			if (ofconn_unsolicited(c, c->rbuf, n))
				continue;
			*msg = c->rbuf;
			*len = n;
			return 1;
		}
		uint64_t now = ovs_now_ms();
		int left = now >= end ? 0 : (int)(end - now);
		int rc = rbuf_fill(c, left);

		if (rc < 0) {
			ofconn_close(c);
			return -1;
		}
		if (rc == 0 && left == 0)
			return 0;
	}
}

int ofconn_poll(struct ofconn *c)
{
	const uint8_t *m;
	size_t len;
	int rc;

	/* nothing is expected: whatever is not unsolicited is stale */
	while ((rc = ofconn_recv(c, &m, &len, 0)) > 0)
		;
	return rc < 0 ? -1 : 0;
}

int ofconn_open(struct ofconn *c, const char *target, uint8_t version, int timeout_ms)
{
	struct ofp_buf b;
	struct ofp_header h;
	const uint8_t *m;
	size_t len;

	ofconn_close(c);
	c->err[0] = '\0';
	c->fd = ovs_sock_connect(target, timeout_ms, c->err, sizeof(c->err));
	if (c->fd < 0)
		return -1;
	c->version = version;
	ofp_buf_init(&b);
	ofp_put_hello(&b, version, ofconn_xid(c));
	if (version == OFP_VERSION_14)
		ofp_put_async_port_status(&b, ofconn_xid(c));
	if (ofconn_send(c, &b, timeout_ms) < 0) {
		ofp_buf_free(&b);
		return -1;
	}
	ofp_buf_free(&b);
	if (ofconn_recv(c, &m, &len, timeout_ms) <= 0) {
		if (!c->err[0] || ofconn_is_open(c))
			snprintf(c->err, sizeof(c->err), "%s: no OpenFlow hello", target);
		ofconn_close(c);
		return -1;
	}
	ofp_parse_header(m, len, &h);
	if (h.type != OFPT_HELLO || h.version < version) {
		snprintf(c->err, sizeof(c->err), "%s: the switch does not speak OpenFlow 1.%d "
			 "(enable it in the bridge's protocols)", target, version == OFP_VERSION_14 ?
			 4 : 0);
		ofconn_close(c);
		return -1;
	}
	return 0;
}

static int ofconn_error_text(struct ofconn *c, const uint8_t *m, size_t len, const char *what)
{
	uint16_t type = 0, code = 0;

	ofp_parse_error(m, len, &type, &code);
	snprintf(c->err, sizeof(c->err), "the switch refused %s (OpenFlow error type %u code %u)",
		 what, type, code);
	return -1;
}

/* The next message before end (its header parsed into h): -1 with c->err
 * set when the connection fails or no reply came within timeout_ms. */
static int ofconn_next(struct ofconn *c, uint64_t end, int timeout_ms, const uint8_t **m,
		       size_t *len, struct ofp_header *h)
{
	uint64_t now = ovs_now_ms();
	int rc = ofconn_recv(c, m, len, now >= end ? 0 : (int)(end - now));

	if (rc <= 0) {
		if (rc == 0)
			snprintf(c->err, sizeof(c->err), "no reply from the switch within %d ms",
				 timeout_ms);
		return -1;
	}
	ofp_parse_header(*m, *len, h);
	return 0;
}

int ofconn_multipart(struct ofconn *c, const struct ofp_buf *b, uint32_t xid,
		     ofconn_part_fn fn, void *ctx, int timeout_ms)
{
	uint64_t end = ovs_now_ms() + (uint64_t)timeout_ms;

	if (ofconn_send(c, b, timeout_ms) < 0)
		return -1;
	for (;;) {
		const uint8_t *m, *body;
		struct ofp_header h;
		size_t len, blen;
		uint16_t kind;
		bool more;

		if (ofconn_next(c, end, timeout_ms, &m, &len, &h) < 0)
			return -1;
		if (h.xid != xid)
			continue; /* a late reply to something given up on */
		if (h.type == OFPT_ERROR)
			return ofconn_error_text(c, m, len, "a request");
		if (h.type != OFPT_MULTIPART_REPLY ||
		    ofp_parse_multipart(m, len, &kind, &more, &body, &blen) < 0) {
			snprintf(c->err, sizeof(c->err), "unexpected reply from the switch");
			return -1;
		}
		if (fn(ctx, body, blen) < 0) {
			if (!c->err[0])
				snprintf(c->err, sizeof(c->err), "malformed multipart reply");
			return -1;
		}
		if (!more)
			return 0;
	}
}

int ofconn_transact(struct ofconn *c, const struct ofp_buf *b, uint32_t first, uint32_t last,
		    int timeout_ms)
{
	uint64_t end = ovs_now_ms() + (uint64_t)timeout_ms;
	bool failed = false;

	c->err[0] = '\0';
	if (ofconn_send(c, b, timeout_ms) < 0)
		return -1;
	for (;;) {
		const uint8_t *m;
		struct ofp_header h;
		size_t len;

		if (ofconn_next(c, end, timeout_ms, &m, &len, &h) < 0)
			return -1;
		if (h.xid < first || h.xid > last)
			continue;
		if (h.type == OFPT_ERROR && !failed) {
			failed = true;
			ofconn_error_text(c, m, len, h.xid == last ? "the commit" : "a change");
		}
		if (h.xid == last)
			return failed ? -1 : 0;
	}
}
