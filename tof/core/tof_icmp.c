/* Path MTU discovery for the apps: a reply that would not fit the S1 link
 * once encapsulated is not lost silently. The app hears "fragmentation
 * needed" (IPv4) or "packet too big" (IPv6) with the size that fits, from
 * the service IP (the address the UE talked to), and its stack sends
 * smaller packets from then on. The TOF does not fragment: the answer goes
 * to IPv4 packets without DF too (a Linux sender then fragments them
 * itself to the size learned). Rate limited per worker. */
#include <string.h>

#include "tof_pipeline.h"
#include "tof_worker.h"

void tof_apps_too_big(const struct tof_pipeline *pl, struct tof_worker *w, struct tof_frame *f,
		      const struct pkt_l2 *l2, const struct pkt_ip *ip, const struct gtp_addr *from,
		      uint16_t mtu, uint64_t now_ns, struct tof_result *res)
{
	const struct tof_config *cfg = pl->cfg;
	uint8_t *frame = f->buf + f->off, *ipb = frame + l2->l3_off;
	uint32_t hlen = (uint32_t)pkt_icmp_too_big_hlen(ip->family);
	size_t len;

	res->verdict = TOF_V_DROP;
	res->reason = TOF_R_APPS_TOO_BIG;
	if (cfg->icmp_rate_pps == 0 || f->off < hlen || !pkt_icmp_may_answer(ipb, ip) ||
	    !tof_bucket_take(&w->icmp_tb, now_ns, cfg->icmp_rate_pps, cfg->icmp_burst, NULL))
		return;
	if (from->family != ip->family)
		return;
	/* the link header moves up to make room for the new IP and ICMP
	 * headers (which overwrite where it was); then back where it came from */
	memmove(frame - hlen, frame, l2->l3_off);
	len = pkt_icmp_too_big(ipb, ip, from, mtu, 64, w->ip_id++);
	f->off -= hlen;
	f->len = l2->l3_off + (uint32_t)len;
	if (pl->l2[TOF_PORT_APPS] == PKT_L2_ETH) {
		uint8_t *eth = f->buf + f->off, mac[6];

		memcpy(mac, eth, 6);
		memcpy(eth, eth + 6, 6);
		memcpy(eth + 6, mac, 6);
	}
	w->ctr.icmp_errors++;
	res->verdict = TOF_V_REPLY;
	res->out_port = TOF_PORT_APPS;
}
