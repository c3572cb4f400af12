/* tshark as a test oracle for GTP-U captures: what Wireshark's dissectors
 * say about every UDP frame of a capture, and the raw T-PDU bytes of every
 * G-PDU. Needs tshark on PATH. */
#ifndef TESTS_TSHARK_ORACLE_H
#define TESTS_TSHARK_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* tshark's view of one frame. */
struct tsk_frame {
	bool seen;            /* tshark listed it (a UDP frame) */
	char *protos;         /* frame.protocols, e.g. "eth:ethertype:ip:udp:gtp:ip:icmp" */
	bool has_flags;       /* a GTPv1/GTP' header was dissected */
	unsigned int flags, msg;
	uint32_t teid;
	bool has_seq;
	unsigned int seq;
	bool has_pdu;         /* PDU Session Container */
	unsigned int pdu_type, qfi;
	bool malformed;       /* Wireshark's "Malformed Packet" */
	/* comma-separated, one per occurrence, outermost first */
	char *ip_src, *ip_dst, *ip_proto, *ip_len;
	char *ip6_src, *ip6_dst, *ip6_nxt, *ip6_plen;
	/* from a second run that leaves the T-PDU undissected */
	bool gpdu;            /* a GTP-U G-PDU (message type 255) */
	uint32_t raw_teid;
	uint8_t *tpdu;        /* the T-PDU as tshark cuts it */
	size_t tpdu_len;
};

/* Run tshark over the capture at path (nframes frames) and fill
 * frames[1..nframes] (frames[0] unused). Returns 0, or -1 with a message in
 * err. The path must not contain a single quote. */
int tshark_oracle_load(const char *path, unsigned int nframes, struct tsk_frame *frames,
		       char *err, size_t err_len);

/* Free what tshark_oracle_load allocated in frames[0..nframes]. */
void tshark_oracle_free(struct tsk_frame *frames, unsigned int nframes);

/* Is name one of the colon-separated layers of protos? */
bool tshark_protos_has(const char *protos, const char *name);

/* The k-th (0-based) element of a comma-separated list, copied to out. */
bool tshark_list_nth(const char *list, unsigned int k, char *out, size_t room);

#endif
