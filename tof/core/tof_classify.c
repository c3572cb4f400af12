/* Frame classification shared by the pipeline and the agent. */
#include <string.h>

#include "tof_classify.h"

enum tof_class tof_classify_s1(const uint8_t *frame, uint32_t len, enum pkt_l2_type l2,
			       struct tof_s1_pkt *p)
{
	enum pkt_err perr;

	p->gtp_err = GTP_OK;
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
