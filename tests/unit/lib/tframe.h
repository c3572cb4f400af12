/* Test frames: Ethernet (or another link type) + optional outer IP/UDP/GTP-U
 * + an inner IP packet with a UDP, TCP or ICMP header and a payload. */
#ifndef TESTS_TFRAME_H
#define TESTS_TFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtp_addr.h"
#include "pkt.h"
#include "tof_pipeline.h"

struct tframe_spec {
	enum pkt_l2_type l2;
	uint8_t src_mac[6], dst_mac[6];
	const char *outer_src, *outer_dst; /* NULL: no tunnel, just the inner packet */
	uint32_t teid;
	uint8_t msg_type;                  /* 0 = G-PDU */
	bool with_qfi;
	uint8_t qfi, pdu_type;
	const char *inner_src, *inner_dst;
	uint8_t proto;                     /* PKT_PROTO_UDP (default), TCP, ICMP/ICMPV6 */
	uint16_t sport, dport;
	size_t payload_len;
};

/* Fill spec defaults: Ethernet, MACs 02:..:01 -> 02:..:02, UDP 1000 -> 2000,
 * 32 octets of payload, G-PDU. */
void tframe_default(struct tframe_spec *s);

/* Build into f (which owns a buffer of TFRAME_CAP with TFRAME_HEADROOM
 * headroom). Returns the frame length. */
#define TFRAME_CAP 4096
#define TFRAME_HEADROOM 256
struct tframe {
	uint8_t buf[TFRAME_CAP];
	struct tof_frame f;
};
size_t tframe_build(struct tframe *t, const struct tframe_spec *s);

struct gtp_addr tframe_addr(const char *text);

/* Verify IPv4 header checksum and L4 checksum (UDP/TCP/ICMP/ICMPv6) of the
 * IP packet at ip: true if both are right (UDP zero over IPv4 counts right). */
bool tframe_csum_ok(const uint8_t *ip, size_t len);

#endif
