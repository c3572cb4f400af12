/* Traffic for the kernel-mode benchmark (tests/bench/bench_nfq.py): GTP-U
 * frames of 100 octets sent out of one interface by AF_PACKET, as fast as
 * one core can (sendmmsg bursts, past the qdisc), for a while.
 *
 *   bench_send IFACE KIND N SECONDS [PPS]
 *
 * KIND ul-pdn   uplink eNB 198.18.0.1 -> SGW 198.18.0.2, UE i -> 203.0.113.7
 *      ul-svc   the same to the service 203.0.113.100
 *      dl-echo  downlink SGW -> eNB, 203.0.113.1 -> UE i, ICMP echo replies
 *               with the pinger's identifier (the kernel hands them to tofd,
 *               which passes them: they are not its probes)
 *      dl-pdn   downlink SGW -> eNB, 203.0.113.7 -> UE i (learns downlinks)
 * N     tunnels: TEID 0x100000 + i up, 0x200000 + i down, UE 198.19.x.y.
 * PPS   a rate to keep to (default: as fast as possible).
 * Prints the number of frames sent and the rate. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "csum.h"
#include "gtp.h"
#include "pkt.h"

#define FRAME_LEN 100
#define BURST 64

static const uint8_t enb_mac[6] = { 2, 0, 0, 0, 0xe, 1 }, sgw_mac[6] = { 2, 0, 0, 0, 5, 2 };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void addr(struct gtp_addr *a, const char *text)
{
	if (gtp_addr_parse(text, a) != 0)
		abort();
}

/* A frame of FRAME_LEN octets: Ethernet + IPv4/UDP/GTP-U + inner IPv4 with
 * UDP (or an ICMP echo reply) and filler. */
static void frame(uint8_t *f, const char *kind, uint32_t i)
{
	bool up = kind[0] == 'u', echo = strcmp(kind, "dl-echo") == 0;
	struct gtp_addr ue, peer;
	struct gtp_encap e;
	uint8_t b[4] = { 198, 19, (uint8_t)(i >> 8), (uint8_t)i };

	gtp_addr_set4(&ue, b);
	addr(&peer, strcmp(kind, "ul-svc") == 0 ? "203.0.113.100" : echo ? "203.0.113.1" :
		    "203.0.113.7");
	memset(&e, 0, sizeof(e));
	addr(&e.src, up ? "198.18.0.1" : "198.18.0.2");
	addr(&e.dst, up ? "198.18.0.2" : "198.18.0.1");
	e.sport = e.dport = GTPU_PORT;
	e.ttl = 64;
	e.gtp.msg_type = GTP_MSG_GPDU;
	e.gtp.teid = (up ? 0x100000 : 0x200000) + i;
	size_t hl = gtp_encap_len(&e), il = FRAME_LEN - 14 - hl;
	uint8_t *ip = f + 14 + hl, *l4 = ip + PKT_IPV4_HLEN;
	size_t l4len = il - PKT_IPV4_HLEN;
	memset(l4, 0x42, l4len);
	if (echo) {
		memset(l4, 0, 8);
		l4[4] = 0x54, l4[5] = 0x4f; /* the pinger's default identifier */
		l4[7] = (uint8_t)i;
		uint16_t c = csum_fold(csum_partial(l4, l4len, 0));
		memcpy(l4 + 2, &c, 2);
		pkt_build_ip(ip, &peer, &ue, PKT_PROTO_ICMP, 64, 1, (uint16_t)l4len);
	} else if (up) {
		pkt_build_udp(l4, &ue, &peer, 40000, 8080, (uint16_t)(l4len - 8), false);
		pkt_build_ip(ip, &ue, &peer, PKT_PROTO_UDP, 64, 1, (uint16_t)l4len);
	} else {
		pkt_build_udp(l4, &peer, &ue, 8080, 40000, (uint16_t)(l4len - 8), false);
		pkt_build_ip(ip, &peer, &ue, PKT_PROTO_UDP, 64, 1, (uint16_t)l4len);
	}
	gtp_encap_write(f + 14, &e, il);
	pkt_build_eth(f, up ? sgw_mac : enb_mac, up ? enb_mac : sgw_mac, PKT_ETHERTYPE_IPV4);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: bench_send IFACE ul-pdn|ul-svc|dl-echo|dl-pdn N SECONDS [PPS]\n");
		return 2;
	}
	uint32_t n = (uint32_t)strtoul(argv[3], NULL, 10);
	double secs = atof(argv[4]), pps = argc > 5 ? atof(argv[5]) : 0;
	int fd = socket(AF_PACKET, SOCK_RAW, 0), one = 1;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(argv[1]) };
	uint8_t *frames = calloc(n ? n : 1, FRAME_LEN);
	struct mmsghdr msgs[BURST];
	struct iovec iov[BURST];

	if (n == 0 || frames == NULL || fd < 0 || sll.sll_ifindex == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		fprintf(stderr, "bench_send: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	for (uint32_t i = 0; i < n; i++)
		frame(frames + (size_t)i * FRAME_LEN, argv[2], i);
	uint64_t sent = 0;
	uint32_t next = 0;
	double t0 = now_s(), t = t0;
	while (t - t0 < secs) {
		unsigned int b = BURST;
		if (pps > 0) {
			double due = (t - t0) * pps - (double)sent;
			if (due < 1) {
				usleep(200);
				t = now_s();
				continue;
			}
			if (due < b)
				b = (unsigned int)due;
		}
		for (unsigned int k = 0; k < b; k++) {
			iov[k] = (struct iovec){ frames + (size_t)next * FRAME_LEN, FRAME_LEN };
			msgs[k] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[k], .msg_iovlen = 1 } };
			next = next + 1 == n ? 0 : next + 1;
		}
		int r = sendmmsg(fd, msgs, b, 0);
		if (r > 0)
			sent += (uint64_t)r;
		t = now_s();
	}
	printf("sent %llu in %.3f s: %.0f pps\n", (unsigned long long)sent, t - t0,
	       (double)sent / (t - t0));
	return 0;
}
