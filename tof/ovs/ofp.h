/* OpenFlow 1.4 messages, only those tofd needs to keep an Open vSwitch
 * bridge's flow table: flow mods in bundles, flow stats and port
 * descriptions (multipart), port status, echo, errors; and the OpenFlow
 * 1.0 port mod that sets OFPPC_NO_FLOOD (gone from 1.1 on, kept by OVS).
 *
 * Flows are held in one small model: a table, a priority, a match on
 * in_port / eth_type / IPv4 or IPv6 source and destination, and actions
 * output and set in_port (none: drop). Anything else read from a switch is
 * kept raw and marked unknown, so it can be deleted but never taken for a
 * flow of ours. Pure encoding and decoding: no I/O here. */
#ifndef TOF_OVS_OFP_H
#define TOF_OVS_OFP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtp_addr.h"

#define OFP_VERSION_10 0x01
#define OFP_VERSION_14 0x05
#define OFP_HEADER_LEN 8
#define OFP_MAX_MSG 65535

/* Message types (1.4 numbering; PORT_MOD differs in 1.0). */
enum ofp_type {
	OFPT_HELLO = 0,
	OFPT_ERROR = 1,
	OFPT_ECHO_REQUEST = 2,
	OFPT_ECHO_REPLY = 3,
	OFPT_FEATURES_REQUEST = 5,
	OFPT_PORT_STATUS = 12,
	OFPT_FLOW_MOD = 14,
	OFPT10_PORT_MOD = 15,
	OFPT_MULTIPART_REQUEST = 18,
	OFPT_MULTIPART_REPLY = 19,
	OFPT_BARRIER_REQUEST = 20,
	OFPT_BARRIER_REPLY = 21,
	OFPT_SET_ASYNC = 28,
	OFPT_BUNDLE_CONTROL = 33,
	OFPT_BUNDLE_ADD_MESSAGE = 34,
};

enum ofp_flow_cmd { OFPFC_ADD = 0, OFPFC_MODIFY_STRICT = 2, OFPFC_DELETE_STRICT = 4 };
enum ofp_bundle_ctrl {
	OFPBCT_OPEN_REQUEST = 0, OFPBCT_OPEN_REPLY, OFPBCT_CLOSE_REQUEST, OFPBCT_CLOSE_REPLY,
	OFPBCT_COMMIT_REQUEST, OFPBCT_COMMIT_REPLY, OFPBCT_DISCARD_REQUEST,
	OFPBCT_DISCARD_REPLY,
};
enum ofp_multipart { OFPMP_FLOW = 1, OFPMP_PORT_DESC = 13 };

#define OFPP_NORMAL 0xfffffffaU
#define OFPP_LOCAL 0xfffffffeU
#define OFPP_ANY 0xffffffffU
#define OFPTT_ALL 0xff
#define OFPMPF_MORE 0x0001
#define OFPPC10_NO_FLOOD (1u << 4)

/* A flow in the model above. */
enum ofp_act_kind { OFP_ACT_OUTPUT = 1, OFP_ACT_SET_IN_PORT };

struct ofp_action {
	uint8_t kind;  /* enum ofp_act_kind */
	uint32_t port;
};

#define OFP_MAX_ACTIONS 4
#define OFP_RAW_MATCH_MAX 240

struct ofp_flow {
	uint8_t table;
	uint16_t priority;
	uint64_t cookie;
	bool has_in_port;
	uint32_t in_port;
	uint16_t eth_type;          /* 0: any */
	struct gtp_addr src, dst;   /* GTP_AF_NONE: any */
	uint8_t n_actions;          /* 0: drop */
	struct ofp_action actions[OFP_MAX_ACTIONS];
	/* read from a switch only */
	bool unknown;               /* fields or actions outside the model */
	uint64_t packets, bytes;
	uint16_t raw_len;           /* the match as the switch sent it */
	uint8_t raw_match[OFP_RAW_MATCH_MAX];
};

/* Same table, priority and match: the same OpenFlow flow entry. */
bool ofp_flow_same_entry(const struct ofp_flow *a, const struct ofp_flow *b);
/* ... and the same actions. */
bool ofp_flow_same_actions(const struct ofp_flow *a, const struct ofp_flow *b);
/* "priority=300,in_port=3,ip,nw_dst=198.51.100.10 actions=output:4" (logs). */
void ofp_flow_format(const struct ofp_flow *f, char *buf, size_t len);

/* A port as a port description says. */
struct ofp_port {
	uint32_t port_no;
	uint8_t hw_addr[6];
	char name[16];
	uint32_t config, state;
};

/* An output buffer messages are appended to. */
struct ofp_buf {
	uint8_t *data;
	size_t len, cap;
	bool oom;
};

void ofp_buf_init(struct ofp_buf *b);
void ofp_buf_free(struct ofp_buf *b);

/* Append one message (b->oom is set when memory runs out). */
void ofp_put_hello(struct ofp_buf *b, uint8_t version, uint32_t xid);
void ofp_put_echo_reply(struct ofp_buf *b, uint8_t version, uint32_t xid, const uint8_t *body,
			size_t len);
void ofp_put_barrier(struct ofp_buf *b, uint8_t version, uint32_t xid);
void ofp_put_flow_mod(struct ofp_buf *b, uint32_t xid, enum ofp_flow_cmd cmd,
		      const struct ofp_flow *f, uint64_t cookie_mask);
void ofp_put_bundle_ctrl(struct ofp_buf *b, uint32_t xid, uint32_t bundle_id,
			 enum ofp_bundle_ctrl type);
/* A flow mod inside a bundle (inner xid = outer xid, as OVS wants). */
void ofp_put_bundle_flow_mod(struct ofp_buf *b, uint32_t xid, uint32_t bundle_id,
			     enum ofp_flow_cmd cmd, const struct ofp_flow *f,
			     uint64_t cookie_mask);
/* Flows of every table whose cookie matches cookie under mask. */
void ofp_put_flow_stats_request(struct ofp_buf *b, uint32_t xid, uint64_t cookie,
				uint64_t mask);
void ofp_put_port_desc_request(struct ofp_buf *b, uint32_t xid);
/* Ask for port status messages (a management connection gets none by
 * default). */
void ofp_put_async_port_status(struct ofp_buf *b, uint32_t xid);
/* OpenFlow 1.0: set (or clear) OFPPC_NO_FLOOD on a port. */
void ofp_put_port_mod10_no_flood(struct ofp_buf *b, uint32_t xid, const struct ofp_port *p,
				 bool no_flood);

/* The header of a message: 0, or -1 when it is not one (bad length). */
struct ofp_header {
	uint8_t version, type;
	uint16_t length;
	uint32_t xid;
};
int ofp_parse_header(const uint8_t *p, size_t len, struct ofp_header *h);

/* Multipart reply: its kind and whether more parts follow; body/len the
 * entries. -1 when malformed. */
int ofp_parse_multipart(const uint8_t *msg, size_t len, uint16_t *kind, bool *more,
			const uint8_t **body, size_t *blen);

/* Walk flow stats entries: *off is advanced; 1 one read, 0 at the end,
 * -1 malformed. */
int ofp_next_flow_stats(const uint8_t *body, size_t len, size_t *off, struct ofp_flow *f);
/* Walk OF1.4 port descriptions the same way (also the port in a port
 * status message: ofp_parse_port_status). */
int ofp_next_port(const uint8_t *body, size_t len, size_t *off, struct ofp_port *p);
int ofp_parse_port_status(const uint8_t *msg, size_t len, uint8_t *reason,
			  struct ofp_port *p);

/* An error message: its type and code. -1 when malformed. */
int ofp_parse_error(const uint8_t *msg, size_t len, uint16_t *type, uint16_t *code);
/* Bundle control reply: its type. */
int ofp_parse_bundle_ctrl(const uint8_t *msg, size_t len, uint16_t *type);

#endif
