/* Putting an IP packet into a GTP-U tunnel in place: link header from a
 * learned template + outer IP + UDP + GTP-U (+ PDU Session Container on
 * 5G sessions). Used for app replies (downlink) and pinger probes (uplink). */
#ifndef TOF_CORE_ENCAP_H
#define TOF_CORE_ENCAP_H

#include <stdbool.h>
#include <stdint.h>

#include "pkt.h"
#include "tof_pipeline.h"
#include "tof_tables.h"

struct tof_encap_params {
	struct gtp_addr src, dst;       /* outer endpoints */
	uint32_t teid;
	bool with_qfi;                  /* add a PDU Session Container */
	uint8_t pdu_type;               /* 0 = DL, 1 = UL */
	uint8_t qfi;
	const struct tof_l2_tmpl *l2;   /* link header template (may be empty) */
	bool swap_macs;                 /* Ethernet template seen in the other direction */
	enum pkt_l2_type l2_type;       /* link type of the port it leaves by */
	uint8_t ttl;
	uint16_t ip_id;
	uint16_t mtu;                   /* largest outer IP packet */
};

/* Octets of outer IP + UDP + GTP-U (+ extension) the encapsulation adds. */
uint32_t tof_encap_outer_len(const struct tof_encap_params *p);

/* The IP packet is at f->buf + f->off (f->len octets). Prepend the headers,
 * moving f->off back. Returns TOF_R__COUNT on success, or the reason it
 * could not (TOF_R_NO_HEADROOM, TOF_R_APPS_TOO_BIG). */
enum tof_reason tof_encap_prepend(struct tof_frame *f, const struct tof_encap_params *p);

/* The same for an app's reply into a session's downlink tunnel, from the
 * snapshot's prebuilt outer headers: copied, then only the lengths, the IP
 * identification and the checksums patched. */
enum tof_reason tof_encap_hot(struct tof_frame *f, const struct tof_sess_hot *h,
			      enum pkt_l2_type l2_type, uint16_t ip_id, uint16_t mtu);

/* Write a link header of the given type for an IP packet of family fam at
 * out (room octets before the IP header). Returns its length. */
uint32_t tof_l2_write(uint8_t *out, enum pkt_l2_type type, const struct tof_l2_tmpl *tmpl,
		      bool swap_macs, uint8_t family);
uint32_t tof_l2_len(enum pkt_l2_type type, const struct tof_l2_tmpl *tmpl);

#endif
