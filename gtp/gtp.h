/* GTPv1-U (3GPP TS 29.281): header parsing and validation, extension header
 * chain, message builders. No dependencies beyond libc. */
#ifndef GTP_GTP_H
#define GTP_GTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtp_addr.h"

#define GTPU_PORT 2152
#define GTPC_PORT 2123

/* Message types carried by GTP-U. */
#define GTP_MSG_ECHO_REQ 1
#define GTP_MSG_ECHO_RSP 2
#define GTP_MSG_ERROR_IND 26
#define GTP_MSG_SUPP_EXT_NOTIF 31
#define GTP_MSG_END_MARKER 254
#define GTP_MSG_GPDU 255

/* First octet: version (3 bits) | PT | spare | E | S | PN. */
#define GTP_FLAG_PN 0x01
#define GTP_FLAG_S 0x02
#define GTP_FLAG_E 0x04
#define GTP_FLAG_PT 0x10
#define GTP_VERSION_1 0x20

/* Extension header types. */
#define GTP_EXT_NONE 0x00
#define GTP_EXT_SCI 0x20           /* Service Class Indicator */
#define GTP_EXT_UDP_PORT 0x40
#define GTP_EXT_RAN_CONTAINER 0x81
#define GTP_EXT_LONG_PDCP 0x82
#define GTP_EXT_XW_RAN_CONTAINER 0x83
#define GTP_EXT_NR_RAN_CONTAINER 0x84
#define GTP_EXT_PDU_SESSION 0x85
#define GTP_EXT_PDCP_PDU_NUMBER 0xc0

/* Information elements used by the path-management messages. */
#define GTP_IE_RECOVERY 14
#define GTP_IE_TEID_DATA_I 16
#define GTP_IE_GSN_ADDRESS 133
#define GTP_IE_EXT_HDR_TYPE_LIST 141
#define GTP_IE_PRIVATE_EXT 255

#define GTP_HDR_LEN 8      /* mandatory part */
#define GTP_OPT_LEN 4      /* seq(2) + N-PDU(1) + next ext type(1) */
#define GTP_MAX_EXT 16     /* extension headers we walk before giving up */

enum gtp_err {
	GTP_OK = 0,
	GTP_ERR_SHORT,        /* fewer than 8 octets, or than the optional fields */
	GTP_ERR_VERSION,      /* version is not 1 */
	GTP_ERR_PT,           /* PT=0: GTP' (charging), not GTP */
	GTP_ERR_LENGTH,       /* length field disagrees with the UDP payload */
	GTP_ERR_EXT_ZERO_LEN, /* extension header with length 0 */
	GTP_ERR_EXT_TRUNC,    /* extension chain runs past the message */
	GTP_ERR_EXT_TOO_MANY, /* more than GTP_MAX_EXT extension headers */
	GTP_ERR_EXT_BAD,      /* a known extension header with a wrong length/content */
	GTP_ERR_NO_PAYLOAD,   /* G-PDU with no T-PDU */
	GTP_ERR__COUNT
};
const char *gtp_strerror(enum gtp_err err);
/* Stable snake_case key of err ("short", "ext_bad", ...); "?" if out of range. */
const char *gtp_err_name(enum gtp_err err);

/* What gtp_parse learned of one GTP-U message. */
struct gtp_hdr {
	uint8_t flags;       /* first octet as received */
	uint8_t msg_type;
	uint16_t length;     /* length field: octets after the first 8 */
	uint32_t teid;       /* host order */
	bool has_opt;        /* any of E/S/PN: the 4 optional octets are present */
	uint16_t seq;        /* valid when flags & GTP_FLAG_S */
	uint8_t npdu;        /* valid when flags & GTP_FLAG_PN */
	uint8_t ext_count;   /* extension headers in the chain */
	uint8_t ext_types[GTP_MAX_EXT];
	bool ext_unknown_required; /* an unknown type whose comprehension is
				    * required by the receiving endpoint */
	bool has_pdu_session; /* PDU Session Container (0x85) present */
	uint8_t pdu_type;     /* 0 = DL PDU SESSION INFORMATION, 1 = UL */
	uint8_t qfi;          /* QoS Flow Identifier from the container */
	bool has_udp_port;    /* UDP Port extension header present */
	uint16_t udp_port;    /* its value, host order */
	uint16_t hdr_len;     /* octets before the payload (T-PDU or IEs) */
	uint16_t msg_len;     /* 8 + length */
};

/* Parse and validate the GTPv1-U message at p; len is the UDP payload
 * length. The length field must make the message exactly fill len. */
enum gtp_err gtp_parse(const uint8_t *p, size_t len, struct gtp_hdr *out);

/* Comprehension class of an extension header type (TS 29.281 5.2.1): the two
 * most significant bits. 0/1: not required; 2: required by the endpoint
 * receiver; 3: required by endpoint and intermediate node. */
static inline unsigned int gtp_ext_comprehension(uint8_t type)
{
	return type >> 6;
}

/* Is type one of the extension headers this library understands? */
bool gtp_ext_known(uint8_t type);

/* Build a GTP-U header (type, TEID, optional seq, optional extension chain)
 * at out. ext points to a pre-encoded extension chain of ext_len octets (each
 * header: len/4, content, next type; the last next type 0); first_ext is the
 * type of the first one. payload_len is the octets that follow the header.
 * Returns the header length written, or 0 if room is too small. */
struct gtp_build {
	uint8_t msg_type;
	uint32_t teid;
	bool with_seq;
	uint16_t seq;
	uint8_t first_ext;
	const uint8_t *ext;
	size_t ext_len;
};
size_t gtp_hdr_len(const struct gtp_build *b);
size_t gtp_build_hdr(uint8_t *out, size_t room, const struct gtp_build *b, size_t payload_len);

/* Encode a PDU Session Container extension header (4 octets incl. the
 * trailing next-type 0): pdu_type 0 = DL, 1 = UL; qfi 0..63. */
size_t gtp_ext_pdu_session(uint8_t out[4], uint8_t pdu_type, uint8_t qfi);

/* A complete outer encapsulation: IPv4 or IPv6 + UDP + GTP-U header. */
struct gtp_encap {
	struct gtp_addr src, dst; /* outer endpoints (same family) */
	uint16_t sport, dport;    /* host order; usually both GTPU_PORT */
	uint8_t ttl;
	uint16_t ip_id;           /* IPv4 identification */
	bool udp_csum;            /* IPv4: compute the UDP checksum (IPv6: always) */
	struct gtp_build gtp;
};

/* Octets of IP + UDP + GTP headers that gtp_encap_write will put in front of
 * a payload. */
size_t gtp_encap_len(const struct gtp_encap *e);

/* Write the outer headers at out; the payload of payload_len octets must
 * already be at out + gtp_encap_len(e) (checksums cover it). Returns the
 * header length, or 0 if the result would exceed 65535 octets. */
size_t gtp_encap_write(uint8_t *out, const struct gtp_encap *e, size_t payload_len);

/* Path management messages (payload after the GTP header). Each builder
 * writes the whole GTP message (header + IEs) and returns its length, or 0
 * if room is too small. Echo: S flag, TEID 0; the Recovery IE goes only into
 * an Echo Response (TS 29.281 7.2). Error Indication: TEID 0, S flag, TEID
 * Data I + GSN Address IEs. End Marker: no IEs. */
size_t gtp_build_echo(uint8_t *out, size_t room, uint8_t msg_type, uint16_t seq,
		      uint8_t recovery);
size_t gtp_build_end_marker(uint8_t *out, size_t room, uint32_t teid);
size_t gtp_build_error_ind(uint8_t *out, size_t room, uint32_t teid_data,
			   const struct gtp_addr *gsn, uint16_t seq);

/* Error Indication contents: the TEID and GSN address of the tunnel the
 * sender does not know. p/len: the IEs (after hdr_len). 0 or -1 if the
 * mandatory IEs are missing or malformed. */
struct gtp_error_ind {
	uint32_t teid;
	struct gtp_addr gsn;
};
int gtp_parse_error_ind(const uint8_t *ies, size_t len, struct gtp_error_ind *out);

#endif
