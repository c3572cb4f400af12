/* Capture files for the data-plane benchmark (tests/bench/run.sh):
 *
 *   bench_pcap KIND N FILE [PAD [REPEAT]]
 *
 * KIND ul-pdn  uplink G-PDUs eNB -> SGW, UE i -> 203.0.113.7 (pass path)
 *      ul-svc  the same to the service 203.0.113.100 (offload path)
 *      dl      downlink G-PDUs SGW -> eNB to UE i, preceded by PAD non-GTP
 *              frames so the uplink of every UE is learned first
 *      apps    app 198.51.100.10 -> UE i (encap path)
 * N    tunnels (UE i for i in 0..N-1: 198.19.0.0/16 for the first 65536,
 *      IPv6 2001:db8::/32 prefixes beyond, so 1M sessions stay in the test
 *      ranges). One packet per tunnel, the whole set REPEAT times (default 1):
 *      files read once repeat themselves so a punt the agent missed is
 *      made again. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gtp.h"
#include "pkt.h"

static const uint8_t enb_mac[6] = {2, 0, 0, 0, 0xe, 1}, sgw_mac[6] = {2, 0, 0, 0, 5, 2};
static const uint8_t app_mac[6] = {2, 0, 0, 0, 0xa, 0x10}, tof_mac[6] = {2, 0, 0, 0x74, 0x6f, 0x66};

static void addr(struct gtp_addr *a, const char *text)
{
	if (gtp_addr_parse(text, a) != 0)
		abort();
}

static void ue_addr(struct gtp_addr *a, uint32_t i)
{
	if (i < 65536) {
		uint8_t b[4] = {198, 19, (uint8_t)(i >> 8), (uint8_t)i};
		gtp_addr_set4(a, b);
	} else {
		uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, (uint8_t)(i >> 24), (uint8_t)(i >> 16),
				 (uint8_t)(i >> 8), (uint8_t)i};
		b[15] = 1;
		gtp_addr_set6(a, b);
	}
}

/* Inner UDP packet with 64 octets of payload; returns its length. */
static size_t inner(uint8_t *p, const struct gtp_addr *src, const struct gtp_addr *dst)
{
	size_t ih = src->family == GTP_AF_INET6 ? PKT_IPV6_HLEN : PKT_IPV4_HLEN;

	memset(p + ih + 8, 0x42, 64);
	pkt_build_udp(p + ih, src, dst, 40000, 8080, 64, true);
	pkt_build_ip(p, src, dst, PKT_PROTO_UDP, 64, 1, 72);
	return ih + 72;
}

static size_t gpdu(uint8_t *f, const char *osrc, const char *odst, uint32_t teid,
		   const struct gtp_addr *isrc, const struct gtp_addr *idst, bool up)
{
	struct gtp_encap e;

	memset(&e, 0, sizeof(e));
	addr(&e.src, osrc);
	addr(&e.dst, odst);
	e.sport = e.dport = GTPU_PORT;
	e.ttl = 64;
	e.gtp.msg_type = GTP_MSG_GPDU;
	e.gtp.teid = teid;
	size_t hl = gtp_encap_len(&e);
	size_t il = inner(f + 14 + hl, isrc, idst);
	gtp_encap_write(f + 14, &e, il);
	pkt_build_eth(f, up ? sgw_mac : enb_mac, up ? enb_mac : sgw_mac, PKT_ETHERTYPE_IPV4);
	return 14 + hl + il;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench_pcap ul-pdn|ul-svc|dl|apps N FILE [PAD]\n");
		return 2;
	}
	const char *kind = argv[1];
	uint32_t n = (uint32_t)strtoul(argv[2], NULL, 10);
	uint32_t pad = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 0;
	uint32_t repeat = argc > 5 ? (uint32_t)strtoul(argv[5], NULL, 10) : 1;
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(pd, argv[3]);
	struct gtp_addr pdn, svc, pdn6, svc6, app, app6, ue;
	uint8_t f[256];
	struct pcap_pkthdr h;

	if (d == NULL) {
		fprintf(stderr, "bench_pcap: %s\n", pcap_geterr(pd));
		return 1;
	}
	addr(&pdn, "203.0.113.7"), addr(&svc, "203.0.113.100"), addr(&app, "198.51.100.10");
	addr(&pdn6, "2001:db8:ffff::7"), addr(&svc6, "2001:db8:5::100"), addr(&app6, "2001:db8:6::10");
	memset(&h, 0, sizeof(h));
	for (uint32_t i = 0; i < pad; i++) {
		/* ARP-typed filler the TOF forwards untouched */
		memset(f, 0, 60);
		pkt_build_eth(f, enb_mac, sgw_mac, PKT_ETHERTYPE_ARP);
		h.caplen = h.len = 60;
		pcap_dump((u_char *)d, &h, f);
	}
	for (uint64_t k = 0; k < (uint64_t)n * repeat; k++) {
		uint32_t i = (uint32_t)(k % (n ? n : 1));
		size_t len;
		ue_addr(&ue, i);
		bool v6 = ue.family == GTP_AF_INET6;
		if (strcmp(kind, "ul-pdn") == 0)
			len = gpdu(f, "198.18.0.1", "198.18.0.2", 0x100000 + i, &ue, v6 ? &pdn6 : &pdn, true);
		else if (strcmp(kind, "ul-svc") == 0)
			len = gpdu(f, "198.18.0.1", "198.18.0.2", 0x100000 + i, &ue, v6 ? &svc6 : &svc, true);
		else if (strcmp(kind, "dl") == 0)
			len = gpdu(f, "198.18.0.2", "198.18.0.1", 0x200000 + i, v6 ? &pdn6 : &pdn, &ue, false);
		else if (strcmp(kind, "apps") == 0) {
			pkt_build_eth(f, tof_mac, app_mac, v6 ? PKT_ETHERTYPE_IPV6 : PKT_ETHERTYPE_IPV4);
			len = 14 + inner(f + 14, v6 ? &app6 : &app, &ue);
		} else {
			fprintf(stderr, "bench_pcap: unknown kind %s\n", kind);
			return 2;
		}
		h.ts.tv_sec = 1700000000;
		h.ts.tv_usec = (suseconds_t)(i % 1000000);
		h.caplen = h.len = (bpf_u_int32)len;
		pcap_dump((u_char *)d, &h, f);
	}
	pcap_dump_close(d);
	pcap_close(pd);
	return 0;
}
