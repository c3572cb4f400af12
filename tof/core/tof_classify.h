/* Parsing a frame from an S1 port far enough to decide: link header, outer
 * IP, UDP, GTP-U, inner IP. Shared by the pipeline (readers) and the agent
 * (learning from punts), so both see a frame the same way. */
#ifndef TOF_CORE_CLASSIFY_H
#define TOF_CORE_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "gtp.h"
#include "pkt.h"
#include "tof_pipeline.h"
#include "tof_types.h"

enum tof_class {
	TOF_C_OTHER = 0, /* not GTP-U: pass, reason says why */
	TOF_C_GTP_MSG,   /* a valid GTP-U message that is not a G-PDU */
	TOF_C_GPDU,      /* a valid G-PDU with a parsed inner IP packet */
};

struct tof_s1_pkt {
	struct pkt_l2 l2;
	struct pkt_ip outer; /* offsets relative to l2.l3_off */
	struct pkt_udp udp;
	struct gtp_hdr gtp;
	uint16_t gtp_off;    /* from the frame start */
	uint16_t inner_off;  /* from the frame start */
	uint16_t inner_avail; /* octets of the T-PDU */
	struct pkt_ip inner;
	bool has_sig;        /* tun_sig holds the tunnel key's hash */
	uint32_t tun_sig;    /* hash of (outer dst, TEID), from the burst's
			      * prefetch pass, so the lookup need not redo it */
	enum tof_reason reason; /* for TOF_C_OTHER (and inner errors) */
	enum gtp_err gtp_err;
};

enum tof_class tof_classify_s1(const uint8_t *frame, uint32_t len, enum pkt_l2_type l2,
			       struct tof_s1_pkt *p);

/* The same without the fast path for the common frame shape (tests hold
 * the two to the same result). */
enum tof_class tof_classify_s1_general(const uint8_t *frame, uint32_t len, enum pkt_l2_type l2,
				       struct tof_s1_pkt *p);

/* Direction of a classified S1 frame that arrived on port `in`: dual mode
 * by port, single mode by the configured eNB/SGW address lists. */
enum tof_dir tof_classify_dir(const struct tof_config *cfg, enum tof_port in,
			      const struct tof_s1_pkt *p);

/* Learn the link header of a frame as a template for frames we inject in
 * the same direction. */
void tof_l2_tmpl_learn(struct tof_l2_tmpl *t, const uint8_t *frame, const struct pkt_l2 *l2,
		       enum pkt_l2_type type);

#endif
