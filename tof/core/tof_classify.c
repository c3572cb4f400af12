/* Frame classification shared by the pipeline and the agent. */
#include <string.h>

#include "tof_classify.h"

static inline uint16_t tof_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The shape nearly every frame on S1-U has: untagged Ethernet, IPv4
 * without options or fragmentation, UDP to 2152, a GTP-U G-PDU with no
 * optional fields. Read it with straight loads and fill p exactly as the
 * general parsers would; anything else (or anything odd) takes the
 * general path, which also names the error. */
static bool tof_classify_fast(const uint8_t *f, uint32_t len, struct tof_s1_pkt *p)
{
	enum { L3 = PKT_ETH_HLEN, L4 = L3 + PKT_IPV4_HLEN, G = L4 + PKT_UDP_HLEN, T = G + GTP_HDR_LEN };

	if (len < T + PKT_IPV4_HLEN || f[12] != 0x08 || f[13] != 0x00)
		return false;
	const uint8_t *ip = f + L3, *udp = f + L4, *g = f + G;
	uint16_t tot = tof_rd16(ip + 2);
	if (ip[0] != 0x45 || ip[9] != PKT_PROTO_UDP || (tof_rd16(ip + 6) & 0x3fff) != 0 ||
	    tot > len - L3 || tot < T - L3 + 1)
		return false;
	uint16_t ulen = tof_rd16(udp + 4);
	if (tof_rd16(udp + 2) != GTPU_PORT || ulen != tot - PKT_IPV4_HLEN || g[0] != 0x30 ||
	    g[1] != GTP_MSG_GPDU || tof_rd16(g + 2) + GTP_HDR_LEN != ulen - PKT_UDP_HLEN)
		return false;
	uint16_t tpdu = (uint16_t)(ulen - PKT_UDP_HLEN - GTP_HDR_LEN);
	if (pkt_parse_ip(f + T, tpdu, &p->inner) != PKT_OK)
		return false;

	memset(&p->l2, 0, sizeof(p->l2));
	p->l2.l3_off = L3;
	p->l2.ethertype = PKT_ETHERTYPE_IPV4;
	p->l2.proto_off = 12;
	memset(&p->outer, 0, sizeof(p->outer));
	p->outer.family = GTP_AF_INET;
	p->outer.proto = PKT_PROTO_UDP;
	p->outer.ttl = ip[8];
	p->outer.first_fragment = true;
	p->outer.hdr_len = PKT_IPV4_HLEN;
	p->outer.tot_len = tot;
	p->outer.l4_off = PKT_IPV4_HLEN;
	p->outer.l4_len = (uint16_t)(tot - PKT_IPV4_HLEN);
	gtp_addr_set4(&p->outer.src, ip + 12);
	gtp_addr_set4(&p->outer.dst, ip + 16);
	memset(&p->udp, 0, sizeof(p->udp));
	p->udp.sport = tof_rd16(udp);
	p->udp.dport = GTPU_PORT;
	p->udp.len = ulen;
	p->udp.payload_off = L4 - L3 + PKT_UDP_HLEN;
	p->udp.payload_len = (uint16_t)(ulen - PKT_UDP_HLEN);
	memset(&p->gtp, 0, sizeof(p->gtp));
	p->gtp.flags = 0x30;
	p->gtp.msg_type = GTP_MSG_GPDU;
	p->gtp.length = (uint16_t)(tpdu);
	p->gtp.teid = (uint32_t)g[4] << 24 | (uint32_t)g[5] << 16 | (uint32_t)g[6] << 8 | g[7];
	p->gtp.hdr_len = GTP_HDR_LEN;
	p->gtp.msg_len = (uint16_t)(GTP_HDR_LEN + tpdu);
	p->gtp_off = G;
	p->inner_off = T;
	p->inner_avail = tpdu;
	p->has_sig = false;
	p->reason = TOF_R_NOT_GTPU;
	p->gtp_err = GTP_OK;
	return true;
}

enum tof_class tof_classify_s1(const uint8_t *frame, uint32_t len, enum pkt_l2_type l2,
			       struct tof_s1_pkt *p)
{
	if (l2 == PKT_L2_ETH && tof_classify_fast(frame, len, p))
		return TOF_C_GPDU;
	return tof_classify_s1_general(frame, len, l2, p);
}

enum tof_class tof_classify_s1_general(const uint8_t *frame, uint32_t len, enum pkt_l2_type l2,
				       struct tof_s1_pkt *p)
{
	enum pkt_err perr;

	p->gtp_err = GTP_OK;
	p->has_sig = false;
	if (pkt_parse_l2(frame, len, l2, &p->l2) != PKT_OK) {
		p->reason = TOF_R_L2_TRUNC;
		return TOF_C_OTHER;
	}
	if (p->l2.ethertype != PKT_ETHERTYPE_IPV4 && p->l2.ethertype != PKT_ETHERTYPE_IPV6) {
		p->reason = TOF_R_NOT_IP;
		return TOF_C_OTHER;
	}
	const uint8_t *ip = frame + p->l2.l3_off;
	uint32_t ip_len = len - p->l2.l3_off;
	if (pkt_parse_ip(ip, ip_len, &p->outer) != PKT_OK) {
		p->reason = TOF_R_IP_MALFORMED;
		return TOF_C_OTHER;
	}
	if (p->outer.proto != PKT_PROTO_UDP) {
		p->reason = TOF_R_NOT_GTPU;
		return TOF_C_OTHER;
	}
	if (p->outer.is_fragment) {
		p->reason = TOF_R_OUTER_FRAGMENT;
		return TOF_C_OTHER;
	}
	perr = pkt_parse_udp(ip, &p->outer, &p->udp);
	if (perr != PKT_OK) {
		p->reason = TOF_R_IP_MALFORMED;
		return TOF_C_OTHER;
	}
	if (p->udp.dport != GTPU_PORT) {
		p->reason = (p->udp.dport == GTPC_PORT || p->udp.sport == GTPC_PORT) ?
				    TOF_R_GTPC : TOF_R_NOT_GTPU;
		return TOF_C_OTHER;
	}
	p->gtp_off = p->l2.l3_off + p->udp.payload_off;
	p->gtp_err = gtp_parse(frame + p->gtp_off, p->udp.payload_len, &p->gtp);
	if (p->gtp_err != GTP_OK) {
		p->reason = TOF_R_GTP_MALFORMED;
		return TOF_C_OTHER;
	}
	if (p->gtp.msg_type != GTP_MSG_GPDU) {
		switch (p->gtp.msg_type) {
		case GTP_MSG_ECHO_REQ:
		case GTP_MSG_ECHO_RSP:
			p->reason = TOF_R_GTP_ECHO;
			break;
		case GTP_MSG_END_MARKER:
			p->reason = TOF_R_GTP_END_MARKER;
			break;
		case GTP_MSG_ERROR_IND:
			p->reason = TOF_R_GTP_ERROR_IND;
			break;
		default:
			p->reason = TOF_R_GTP_OTHER_MSG;
			break;
		}
		return TOF_C_GTP_MSG;
	}
	p->inner_off = p->gtp_off + p->gtp.hdr_len;
	p->inner_avail = p->udp.payload_len - p->gtp.hdr_len;
	if (pkt_parse_ip(frame + p->inner_off, p->inner_avail, &p->inner) != PKT_OK) {
		p->reason = TOF_R_INNER_MALFORMED;
		return TOF_C_OTHER;
	}
	p->reason = TOF_R_NOT_GTPU; /* set by the caller from here on */
	return TOF_C_GPDU;
}

static bool tof_prefix_match(const struct tof_prefix *list, unsigned int n,
			     const struct gtp_addr *a)
{
	for (unsigned int i = 0; i < n; i++)
		if (gtp_addr_in_prefix(a, &list[i].addr, list[i].plen))
			return true;
	return false;
}

enum tof_dir tof_classify_dir(const struct tof_config *cfg, enum tof_port in,
			      const struct tof_s1_pkt *p)
{
	if (in == TOF_PORT_ENB)
		return TOF_DIR_UPLINK;
	if (in == TOF_PORT_SGW)
		return TOF_DIR_DOWNLINK;
	if (in != TOF_PORT_S1)
		return TOF_DIR_NONE;
	if (tof_prefix_match(cfg->sgw, cfg->n_sgw, &p->outer.dst) ||
	    tof_prefix_match(cfg->enb, cfg->n_enb, &p->outer.src))
		return TOF_DIR_UPLINK;
	if (tof_prefix_match(cfg->enb, cfg->n_enb, &p->outer.dst) ||
	    tof_prefix_match(cfg->sgw, cfg->n_sgw, &p->outer.src))
		return TOF_DIR_DOWNLINK;
	return TOF_DIR_NONE;
}

void tof_l2_tmpl_learn(struct tof_l2_tmpl *t, const uint8_t *frame, const struct pkt_l2 *l2,
		       enum pkt_l2_type type)
{
	if (type == PKT_L2_RAW || l2->l3_off > TOF_L2_TMPL_MAX) {
		t->len = 0;
		return;
	}
	memcpy(t->bytes, frame, l2->l3_off);
	t->len = (uint8_t)l2->l3_off;
	t->proto_off = (uint8_t)l2->proto_off;
}
