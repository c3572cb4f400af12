/* OpenFlow 1.4 (and one 1.0) messages: encoders into a growing buffer,
 * bounds-checked decoders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofp.h"

/* OXM, OpenFlow basic class. */
#define OXM_CLASS_BASIC 0x8000
#define OXM_CLASS_NXM0 0x0000  /* Nicira's first class: NXM_OF_IN_PORT (16 bits) */
enum { OXM_IN_PORT = 0, OXM_ETH_TYPE = 5, OXM_IPV4_SRC = 11, OXM_IPV4_DST = 12,
       OXM_IPV6_SRC = 26, OXM_IPV6_DST = 27 };
enum { OFPIT_APPLY_ACTIONS = 4 };
enum { OFPAT_OUTPUT = 0, OFPAT_SET_FIELD = 25 };
#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define FLOW_MOD_FIXED 48  /* OF1.4 flow mod before the match */
#define FLOW_STATS_FIXED 48 /* a flow stats entry before the match */
#define PORT14_LEN 40       /* an OF1.4 port before its properties */

/* --- output buffer --- */

void ofp_buf_init(struct ofp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void ofp_buf_free(struct ofp_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Room for n more octets, zeroed; NULL (and oom set) when out of memory. */
static uint8_t *buf_grow(struct ofp_buf *b, size_t n)
{
	uint8_t *p;

	if (b->oom)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->oom = true;
			return NULL;
		}
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	memset(p, 0, n);
	b->len += n;
	return p;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* Start a message; returns its offset in b (for ofp_end), or SIZE_MAX. */
static size_t msg_begin(struct ofp_buf *b, uint8_t version, uint8_t type, uint32_t xid,
			size_t fixed)
{
	size_t at = b->len;
	uint8_t *p = buf_grow(b, OFP_HEADER_LEN + fixed);

	if (!p)
		return SIZE_MAX;
	p[0] = version;
	p[1] = type;
	put32(p + 4, xid);
	return at;
}

/* Set the length of the message that starts at `at`. */
static void msg_end(struct ofp_buf *b, size_t at)
{
	if (at == SIZE_MAX || b->oom)
		return;
	if (b->len - at > OFP_MAX_MSG) {
		b->oom = true; /* cannot happen with the model's sizes */
		return;
	}
	put16(b->data + at + 2, (uint16_t)(b->len - at));
}

void ofp_put_hello(struct ofp_buf *b, uint8_t version, uint32_t xid)
{
	/* a version bitmap element, so the switch knows exactly what we speak */
	size_t at = msg_begin(b, version, OFPT_HELLO, xid, 8);

	if (at == SIZE_MAX)
		return;
	put16(b->data + at + 8, 1);  /* OFPHET_VERSIONBITMAP */
	put16(b->data + at + 10, 8);
	put32(b->data + at + 12, 1u << version);
	msg_end(b, at);
}

void ofp_put_echo_reply(struct ofp_buf *b, uint8_t version, uint32_t xid, const uint8_t *body,
			size_t len)
{
	size_t at = msg_begin(b, version, OFPT_ECHO_REPLY, xid, len);

	if (at != SIZE_MAX && len)
		memcpy(b->data + at + OFP_HEADER_LEN, body, len);
	msg_end(b, at);
}

void ofp_put_barrier(struct ofp_buf *b, uint8_t version, uint32_t xid)
{
	/* OpenFlow 1.0 numbers it 18 */
	msg_end(b, msg_begin(b, version, version == OFP_VERSION_10 ? 18 : OFPT_BARRIER_REQUEST,
			     xid, 0));
}

/* One OXM field (value only, no mask). */
static void put_oxm(struct ofp_buf *b, uint8_t field, const void *val, uint8_t len)
{
	uint8_t *p = buf_grow(b, 4u + len);

	if (!p)
		return;
	put16(p, OXM_CLASS_BASIC);
	p[2] = (uint8_t)(field << 1);
	p[3] = len;
	memcpy(p + 4, val, len);
}

static void put_match(struct ofp_buf *b, const struct ofp_flow *f)
{
	size_t at = b->len, n;
	uint8_t v[4];

	if (f->raw_len) {
		/* a flow read from the switch: its match as it came */
		uint8_t *p = buf_grow(b, f->raw_len);

		if (p)
			memcpy(p, f->raw_match, f->raw_len);
		return;
	}
	if (!buf_grow(b, 4))
		return;
	if (f->has_in_port) {
		put32(v, f->in_port);
		put_oxm(b, OXM_IN_PORT, v, 4);
	}
	if (f->eth_type) {
		put16(v, f->eth_type);
		put_oxm(b, OXM_ETH_TYPE, v, 2);
	}
	if (f->src.family == GTP_AF_INET)
		put_oxm(b, OXM_IPV4_SRC, f->src.b, 4);
	else if (f->src.family == GTP_AF_INET6)
		put_oxm(b, OXM_IPV6_SRC, f->src.b, 16);
	if (f->dst.family == GTP_AF_INET)
		put_oxm(b, OXM_IPV4_DST, f->dst.b, 4);
	else if (f->dst.family == GTP_AF_INET6)
		put_oxm(b, OXM_IPV6_DST, f->dst.b, 16);
	if (b->oom)
		return;
	n = b->len - at;
	put16(b->data + at, 1); /* OFPMT_OXM */
	put16(b->data + at + 2, (uint16_t)n);
	buf_grow(b, (8 - n % 8) % 8);
}

static void put_actions(struct ofp_buf *b, const struct ofp_flow *f)
{
	size_t at = b->len;
	uint8_t *p;

	if (f->n_actions == 0)
		return; /* no instruction: drop */
	if (!buf_grow(b, 8))
		return;
	for (uint8_t i = 0; i < f->n_actions && i < OFP_MAX_ACTIONS; i++) {
		const struct ofp_action *a = &f->actions[i];

		if (a->kind == OFP_ACT_OUTPUT) {
			p = buf_grow(b, 16);
			if (!p)
				return;
			put16(p, OFPAT_OUTPUT);
			put16(p + 2, 16);
			put32(p + 4, a->port);
		} else {
			/* OXM_OF_IN_PORT is read-only; OVS takes the 16-bit
			 * NXM_OF_IN_PORT (class 0) in a set-field, as it also
			 * writes it back */
			p = buf_grow(b, 16);
			if (!p)
				return;
			put16(p, OFPAT_SET_FIELD);
			put16(p + 2, 16);
			put16(p + 4, OXM_CLASS_NXM0);
			p[6] = OXM_IN_PORT << 1;
			p[7] = 2;
			put16(p + 8, a->port == OFPP_LOCAL ? 0xfffe : (uint16_t)a->port);
		}
	}
	if (b->oom)
		return;
	put16(b->data + at, OFPIT_APPLY_ACTIONS);
	put16(b->data + at + 2, (uint16_t)(b->len - at));
}

static void put_flow_mod_at(struct ofp_buf *b, uint32_t xid, enum ofp_flow_cmd cmd,
			    const struct ofp_flow *f, uint64_t cookie_mask)
{
	size_t at = msg_begin(b, OFP_VERSION_14, OFPT_FLOW_MOD, xid, FLOW_MOD_FIXED - 8);
	uint8_t *p;

	if (at == SIZE_MAX)
		return;
	p = b->data + at;
	put64(p + 8, f->cookie);
	put64(p + 16, cmd == OFPFC_DELETE_STRICT ? cookie_mask : 0);
	p[24] = f->table;
	p[25] = (uint8_t)cmd;
	put16(p + 30, f->priority);
	put32(p + 32, 0xffffffffU); /* no buffer */
	put32(p + 36, OFPP_ANY);
	put32(p + 40, 0xffffffffU); /* OFPG_ANY */
	put_match(b, f);
	if (cmd != OFPFC_DELETE_STRICT)
		put_actions(b, f);
	msg_end(b, at);
}

void ofp_put_flow_mod(struct ofp_buf *b, uint32_t xid, enum ofp_flow_cmd cmd,
		      const struct ofp_flow *f, uint64_t cookie_mask)
{
	put_flow_mod_at(b, xid, cmd, f, cookie_mask);
}

void ofp_put_bundle_ctrl(struct ofp_buf *b, uint32_t xid, uint32_t bundle_id,
			 enum ofp_bundle_ctrl type)
{
	size_t at = msg_begin(b, OFP_VERSION_14, OFPT_BUNDLE_CONTROL, xid, 8);

	if (at == SIZE_MAX)
		return;
	put32(b->data + at + 8, bundle_id);
	put16(b->data + at + 12, (uint16_t)type);
	put16(b->data + at + 14, 0x3); /* OFPBF_ATOMIC | OFPBF_ORDERED */
	msg_end(b, at);
}

void ofp_put_bundle_flow_mod(struct ofp_buf *b, uint32_t xid, uint32_t bundle_id,
			     enum ofp_flow_cmd cmd, const struct ofp_flow *f,
			     uint64_t cookie_mask)
{
	size_t at = msg_begin(b, OFP_VERSION_14, OFPT_BUNDLE_ADD_MESSAGE, xid, 8);

	if (at == SIZE_MAX)
		return;
	put32(b->data + at + 8, bundle_id);
	put16(b->data + at + 14, 0x3);
	put_flow_mod_at(b, xid, cmd, f, cookie_mask);
	msg_end(b, at);
}

static size_t multipart_begin(struct ofp_buf *b, uint32_t xid, uint16_t kind, size_t body)
{
	size_t at = msg_begin(b, OFP_VERSION_14, OFPT_MULTIPART_REQUEST, xid, 8 + body);

	if (at != SIZE_MAX)
		put16(b->data + at + 8, kind);
	return at;
}

void ofp_put_flow_stats_request(struct ofp_buf *b, uint32_t xid, uint64_t cookie,
				uint64_t mask)
{
	size_t at = multipart_begin(b, xid, OFPMP_FLOW, 32);
	uint8_t *p;

	if (at == SIZE_MAX)
		return;
	p = b->data + at + 16;
	p[0] = OFPTT_ALL;
	put32(p + 4, OFPP_ANY);
	put32(p + 8, 0xffffffffU);
	put64(p + 16, cookie);
	put64(p + 24, mask);
	p = buf_grow(b, 8); /* empty OXM match, padded */
	if (p) {
		put16(p, 1);
		put16(p + 2, 4);
	}
	msg_end(b, at);
}

void ofp_put_port_desc_request(struct ofp_buf *b, uint32_t xid)
{
	msg_end(b, multipart_begin(b, xid, OFPMP_PORT_DESC, 0));
}

void ofp_put_async_port_status(struct ofp_buf *b, uint32_t xid)
{
	/* OFPACPT_PORT_STATUS_SLAVE (2) and _MASTER (3): add, delete, modify */
	size_t at = msg_begin(b, OFP_VERSION_14, OFPT_SET_ASYNC, xid, 16);

	if (at == SIZE_MAX)
		return;
	for (int i = 0; i < 2; i++) {
		uint8_t *p = b->data + at + 8 + 8 * i;

		put16(p, (uint16_t)(2 + i));
		put16(p + 2, 8);
		put32(p + 4, 0x7);
	}
	msg_end(b, at);
}

void ofp_put_port_mod10_no_flood(struct ofp_buf *b, uint32_t xid, const struct ofp_port *p,
				 bool no_flood)
{
	size_t at = msg_begin(b, OFP_VERSION_10, OFPT10_PORT_MOD, xid, 24);
	uint8_t *m;

	if (at == SIZE_MAX)
		return;
	m = b->data + at + 8;
	/* OF1.0 port numbers are 16 bits; LOCAL is 0xfffe there */
	put16(m, p->port_no == OFPP_LOCAL ? 0xfffe : (uint16_t)p->port_no);
	memcpy(m + 2, p->hw_addr, 6);
	put32(m + 8, no_flood ? OFPPC10_NO_FLOOD : 0);
	put32(m + 12, OFPPC10_NO_FLOOD);
	msg_end(b, at);
}

/* --- decoding --- */

int ofp_parse_header(const uint8_t *p, size_t len, struct ofp_header *h)
{
	if (len < OFP_HEADER_LEN)
		return -1;
	h->version = p[0];
	h->type = p[1];
	h->length = get16(p + 2);
	h->xid = get32(p + 4);
	return h->length < OFP_HEADER_LEN ? -1 : 0;
}

int ofp_parse_multipart(const uint8_t *msg, size_t len, uint16_t *kind, bool *more,
			const uint8_t **body, size_t *blen)
{
	if (len < 16)
		return -1;
	*kind = get16(msg + 8);
	*more = (get16(msg + 10) & OFPMPF_MORE) != 0;
	*body = msg + 16;
	*blen = len - 16;
	return 0;
}

/* One OXM of a match into the model; false when outside it. */
static bool oxm_take(struct ofp_flow *f, uint16_t cls, uint8_t field, bool hasmask,
		     const uint8_t *v, uint8_t vlen)
{
	if (cls != OXM_CLASS_BASIC || hasmask)
		return false;
	switch (field) {
	case OXM_IN_PORT:
		if (vlen != 4)
			return false;
		f->has_in_port = true;
		f->in_port = get32(v);
		return true;
	case OXM_ETH_TYPE:
		if (vlen != 2)
			return false;
		f->eth_type = get16(v);
		return true;
	case OXM_IPV4_SRC:
	case OXM_IPV4_DST:
		if (vlen != 4)
			return false;
		gtp_addr_set4(field == OXM_IPV4_SRC ? &f->src : &f->dst, v);
		return true;
	case OXM_IPV6_SRC:
	case OXM_IPV6_DST:
		if (vlen != 16)
			return false;
		gtp_addr_set6(field == OXM_IPV6_SRC ? &f->src : &f->dst, v);
		return true;
	default:
		return false;
	}
}

/* The match at p (mlen octets incl. its header, unpadded). */
static int parse_match(const uint8_t *p, size_t avail, struct ofp_flow *f, size_t *padded)
{
	uint16_t mlen;
	size_t off = 4;

	if (avail < 4 || get16(p) != 1)
		return -1;
	mlen = get16(p + 2);
	*padded = ((size_t)mlen + 7) / 8 * 8;
	if (mlen < 4 || *padded > avail)
		return -1;
	if (mlen <= OFP_RAW_MATCH_MAX) {
		f->raw_len = (uint16_t)*padded;
		memcpy(f->raw_match, p, *padded);
	} else {
		f->unknown = true; /* too big to keep: never ours */
	}
	while (off + 4 <= mlen) {
		uint16_t cls = get16(p + off);
		uint8_t fh = p[off + 2], vlen = p[off + 3];

		if (off + 4 + vlen > mlen)
			return -1;
		if (!oxm_take(f, cls, fh >> 1, fh & 1, p + off + 4, vlen))
			f->unknown = true;
		off += 4u + vlen;
	}
	return off == mlen ? 0 : -1;
}

static void parse_actions(const uint8_t *p, size_t len, struct ofp_flow *f)
{
	size_t off = 0;

	while (off + 4 <= len) {
		uint16_t type = get16(p + off), alen = get16(p + off + 2);
		struct ofp_action *a = &f->actions[f->n_actions];

		if (alen < 8 || off + alen > len || f->n_actions == OFP_MAX_ACTIONS) {
			f->unknown = true;
			return;
		}
		if (type == OFPAT_OUTPUT && alen == 16) {
			a->kind = OFP_ACT_OUTPUT;
			a->port = get32(p + off + 4);
			f->n_actions++;
		} else if (type == OFPAT_SET_FIELD && alen >= 12 &&
			   get16(p + off + 4) == OXM_CLASS_NXM0 &&
			   p[off + 6] == (OXM_IN_PORT << 1) && p[off + 7] == 2) {
			uint16_t port = get16(p + off + 8);

			a->kind = OFP_ACT_SET_IN_PORT;
			a->port = port == 0xfffe ? OFPP_LOCAL : port;
			f->n_actions++;
		} else {
			f->unknown = true;
		}
		off += alen;
	}
	if (off != len)
		f->unknown = true;
}

static void parse_instructions(const uint8_t *p, size_t len, struct ofp_flow *f)
{
	size_t off = 0;

	while (off + 4 <= len) {
		uint16_t type = get16(p + off), ilen = get16(p + off + 2);

		if (ilen < 8 || off + ilen > len) {
			f->unknown = true;
			return;
		}
		if (type == OFPIT_APPLY_ACTIONS && f->n_actions == 0)
			parse_actions(p + off + 8, ilen - 8u, f);
		else
			f->unknown = true;
		off += ilen;
	}
	if (off != len)
		f->unknown = true;
}

int ofp_next_flow_stats(const uint8_t *body, size_t len, size_t *off, struct ofp_flow *f)
{
	const uint8_t *p = body + *off;
	size_t elen, mpad;

	if (*off >= len)
		return 0;
	if (len - *off < FLOW_STATS_FIXED + 8)
		return -1;
	elen = get16(p);
	if (elen < FLOW_STATS_FIXED + 8 || elen > len - *off)
		return -1;
	memset(f, 0, sizeof(*f));
	f->table = p[2];
	f->priority = get16(p + 12);
	f->cookie = get64(p + 24);
	f->packets = get64(p + 32);
	f->bytes = get64(p + 40);
	if (parse_match(p + FLOW_STATS_FIXED, elen - FLOW_STATS_FIXED, f, &mpad) < 0)
		return -1;
	parse_instructions(p + FLOW_STATS_FIXED + mpad, elen - FLOW_STATS_FIXED - mpad, f);
	*off += elen;
	return 1;
}

static void port_fill(const uint8_t *p, struct ofp_port *port)
{
	memset(port, 0, sizeof(*port));
	port->port_no = get32(p);
	memcpy(port->hw_addr, p + 8, 6);
	memcpy(port->name, p + 16, 15);
	port->name[15] = '\0';
	port->config = get32(p + 32);
	port->state = get32(p + 36);
}

int ofp_next_port(const uint8_t *body, size_t len, size_t *off, struct ofp_port *port)
{
	const uint8_t *p = body + *off;
	size_t plen;

	if (*off >= len)
		return 0;
	if (len - *off < PORT14_LEN)
		return -1;
	plen = get16(p + 4);
	if (plen < PORT14_LEN || plen > len - *off)
		return -1;
	port_fill(p, port);
	*off += plen;
	return 1;
}

int ofp_parse_port_status(const uint8_t *msg, size_t len, uint8_t *reason,
			  struct ofp_port *port)
{
	if (len < 16 + PORT14_LEN)
		return -1;
	*reason = msg[8];
	port_fill(msg + 16, port);
	return 0;
}

int ofp_parse_error(const uint8_t *msg, size_t len, uint16_t *type, uint16_t *code)
{
	if (len < 12)
		return -1;
	*type = get16(msg + 8);
	*code = get16(msg + 10);
	return 0;
}

int ofp_parse_bundle_ctrl(const uint8_t *msg, size_t len, uint16_t *type)
{
	if (len < 16)
		return -1;
	*type = get16(msg + 12);
	return 0;
}

/* --- the model --- */

bool ofp_flow_same_entry(const struct ofp_flow *a, const struct ofp_flow *b)
{
	return !a->unknown && !b->unknown && a->table == b->table &&
	       a->priority == b->priority && a->has_in_port == b->has_in_port &&
	       (!a->has_in_port || a->in_port == b->in_port) && a->eth_type == b->eth_type &&
	       gtp_addr_eq(&a->src, &b->src) && gtp_addr_eq(&a->dst, &b->dst);
}

bool ofp_flow_same_actions(const struct ofp_flow *a, const struct ofp_flow *b)
{
	if (a->n_actions != b->n_actions)
		return false;
	for (uint8_t i = 0; i < a->n_actions; i++)
		if (a->actions[i].kind != b->actions[i].kind ||
		    a->actions[i].port != b->actions[i].port)
			return false;
	return true;
}

static const char *port_text(uint32_t port, char *buf, size_t len)
{
	if (port == OFPP_NORMAL)
		return "NORMAL";
	if (port == OFPP_LOCAL)
		return "LOCAL";
	snprintf(buf, len, "%u", port);
	return buf;
}

void ofp_flow_format(const struct ofp_flow *f, char *buf, size_t len)
{
	char a[GTP_ADDR_STRLEN], pt[16];
	size_t n;
	bool v6 = f->eth_type == ETH_IPV6;

	n = (size_t)snprintf(buf, len, "cookie=0x%llx,priority=%u", (unsigned long long)f->cookie,
			     f->priority);
	if (f->unknown && n < len)
		n += (size_t)snprintf(buf + n, len - n, ",(not tofd's shape)");
	if (f->has_in_port && n < len)
		n += (size_t)snprintf(buf + n, len - n, ",in_port=%s",
				      port_text(f->in_port, pt, sizeof(pt)));
	if (f->eth_type && n < len)
		n += (size_t)snprintf(buf + n, len - n, ",%s", v6 ? "ipv6" :
				      f->eth_type == ETH_IPV4 ? "ip" : "eth_type=?");
	if (f->src.family != GTP_AF_NONE && n < len)
		n += (size_t)snprintf(buf + n, len - n, ",%s=%s", v6 ? "ipv6_src" : "nw_src",
				      gtp_addr_format(&f->src, a, sizeof(a)));
	if (f->dst.family != GTP_AF_NONE && n < len)
		n += (size_t)snprintf(buf + n, len - n, ",%s=%s", v6 ? "ipv6_dst" : "nw_dst",
				      gtp_addr_format(&f->dst, a, sizeof(a)));
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, " actions=%s", f->n_actions ? "" : "drop");
	for (uint8_t i = 0; i < f->n_actions && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s%s", i ? "," : "",
				      f->actions[i].kind == OFP_ACT_OUTPUT ? "output:" :
				      "set_field:in_port=",
				      port_text(f->actions[i].port, pt, sizeof(pt)));
}
