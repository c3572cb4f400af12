/* Link-layer, IPv4/IPv6, UDP and ICMP helpers: bounds-checked parsing of a
 * frame into offsets, NAT rewrites with incremental checksums, and builders
 * for the headers the appliance injects. */
#ifndef GTP_PKT_H
#define GTP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtp_addr.h"

#define PKT_ETHERTYPE_IPV4 0x0800
#define PKT_ETHERTYPE_ARP 0x0806
#define PKT_ETHERTYPE_VLAN 0x8100
#define PKT_ETHERTYPE_QINQ 0x88a8
#define PKT_ETHERTYPE_IPV6 0x86dd

#define PKT_PROTO_ICMP 1
#define PKT_PROTO_TCP 6
#define PKT_PROTO_UDP 17
#define PKT_PROTO_ICMPV6 58

#define PKT_ETH_HLEN 14
#define PKT_SLL_HLEN 16
#define PKT_SLL2_HLEN 20
#define PKT_IPV4_HLEN 20
#define PKT_IPV6_HLEN 40
#define PKT_UDP_HLEN 8

/* Link types of frames: what precedes the IP header. */
enum pkt_l2_type {
	PKT_L2_ETH = 0, /* Ethernet II, optional 802.1Q/802.1ad tags */
	PKT_L2_RAW,     /* no link header: the frame starts with IP */
	PKT_L2_SLL,     /* Linux cooked capture v1 (16 octets) */
	PKT_L2_SLL2,    /* Linux cooked capture v2 (20 octets) */
};

/* Where the link header ends and what it says the payload is. */
struct pkt_l2 {
	uint16_t l3_off;    /* offset of the network header */
	uint16_t ethertype; /* host order: PKT_ETHERTYPE_* of the payload */
	uint16_t proto_off; /* offset of the (last) ethertype field, for rewriting */
	uint8_t vlan_count; /* 802.1Q/ad tags crossed */
};

enum pkt_err {
	PKT_OK = 0,
	PKT_ERR_TRUNC,    /* frame shorter than its headers */
	PKT_ERR_VERSION,  /* IP version nibble does not match */
	PKT_ERR_HDRLEN,   /* IHL < 5, or header longer than the packet */
	PKT_ERR_TOTLEN,   /* IP total/payload length larger than the frame, or too small */
	PKT_ERR_EXTHDR,   /* IPv6 extension header chain malformed or truncated */
	PKT_ERR_UDPLEN,   /* UDP length inconsistent with the IP payload */
	PKT_ERR__COUNT
};
const char *pkt_strerror(enum pkt_err err);

/* Parse the link header of a frame of the given type. Returns PKT_OK or
 * PKT_ERR_TRUNC. For PKT_L2_RAW the ethertype comes from the IP version. */
enum pkt_err pkt_parse_l2(const uint8_t *frame, size_t len, enum pkt_l2_type type,
			  struct pkt_l2 *out);

/* A parsed IP packet. Offsets are from the start of the buffer given to
 * pkt_parse_ip (the IP header). */
struct pkt_ip {
	uint8_t family;     /* GTP_AF_INET or GTP_AF_INET6 */
	uint8_t proto;      /* upper-layer protocol after IPv6 extension headers */
	uint8_t ttl;        /* TTL / hop limit */
	bool has_options;   /* IPv4 options or IPv6 extension headers present */
	bool is_fragment;   /* MF or offset != 0, or an IPv6 fragment header */
	bool first_fragment; /* offset 0 (true for unfragmented packets too) */
	uint16_t hdr_len;   /* IP header incl. options / extension headers */
	uint16_t tot_len;   /* IP header + payload, from the header (<= buffer) */
	uint16_t l4_off;    /* == hdr_len */
	uint16_t l4_len;    /* tot_len - hdr_len */
	struct gtp_addr src;
	struct gtp_addr dst;
};

/* Parse an IPv4 or IPv6 header at ip (len bytes available, may include
 * link padding past tot_len). Walks IPv6 extension headers (hop-by-hop,
 * routing, fragment, destination options, AH). */
enum pkt_err pkt_parse_ip(const uint8_t *ip, size_t len, struct pkt_ip *out);

/* A UDP header inside a parsed IP packet: ports in host order. Returns
 * PKT_ERR_TRUNC or PKT_ERR_UDPLEN if the header does not fit or its length
 * field disagrees with the IP payload (must be <= and >= 8). A later
 * fragment (no UDP header in it) gives PKT_ERR_TRUNC; the caller checks
 * that iph->proto is UDP. */
struct pkt_udp {
	uint16_t sport, dport;
	uint16_t len;         /* from the UDP header */
	uint16_t payload_off; /* from the IP header start */
	uint16_t payload_len;
};
enum pkt_err pkt_parse_udp(const uint8_t *ip, const struct pkt_ip *iph, struct pkt_udp *out);

/* NAT: replace the source (which = 0) or destination (which = 1) address of
 * the IP packet at ip, fixing the IPv4 header checksum and, when the
 * transport header is in this packet (first fragment), the TCP/UDP/ICMPv6
 * checksum incrementally. A UDP checksum of zero over IPv4 stays zero. The new
 * address must be of the packet's family. Updates iph->src/dst. Returns 0, or
 * -1 if the family differs.
 * An ICMP error quotes a packet that went the other way: when that packet
 * has the old address at the other end (its destination for a source
 * rewrite, and the reverse), it is rewritten too, with its IPv4 header
 * checksum and its transport checksum when quoted (not behind IPv6
 * extension headers), and the ICMP checksum follows every change. */
#define PKT_NAT_SRC 0
#define PKT_NAT_DST 1
int pkt_nat_rewrite(uint8_t *ip, struct pkt_ip *iph, int which, const struct gtp_addr *addr);

/* ICMP "fragmentation needed" (IPv4: type 3 code 4) / "packet too big"
 * (IPv6: type 2) telling the sender of the packet at ip that the next link
 * takes at most mtu octets. Built in place: the headers go in the
 * pkt_icmp_too_big_hlen(family) octets before ip (the caller has that
 * room), the packet itself becomes the quote, cut so that the error stays
 * within 576 (IPv4) or 1280 (IPv6) octets. From `from` to the packet's
 * source. Returns the error's length (it starts at ip - hlen), or 0 when
 * from is of another family. */
size_t pkt_icmp_too_big_hlen(uint8_t family);
size_t pkt_icmp_too_big(uint8_t *ip, const struct pkt_ip *iph, const struct gtp_addr *from,
			uint16_t mtu, uint8_t ttl, uint16_t ip_id);
/* May the packet get an ICMP error at all? Not a later fragment, and not an
 * ICMP error itself (RFC 1812 4.3.2.7, RFC 4443 2.4 (e)). */
bool pkt_icmp_may_answer(const uint8_t *ip, const struct pkt_ip *iph);

/* Header builders. Each writes at out and returns the bytes written. A TTL /
 * hop limit of 0 is taken as 64. */

/* IPv4 header without options; computes the header checksum. payload_len
 * excludes the header. id is the identification field. */
size_t pkt_build_ipv4(uint8_t *out, const struct gtp_addr *src, const struct gtp_addr *dst,
		      uint8_t proto, uint8_t ttl, uint16_t id, uint16_t payload_len);

/* IPv6 header without extension headers. */
size_t pkt_build_ipv6(uint8_t *out, const struct gtp_addr *src, const struct gtp_addr *dst,
		      uint8_t proto, uint8_t hop_limit, uint16_t payload_len);

/* The family's header (above two). */
size_t pkt_build_ip(uint8_t *out, const struct gtp_addr *src, const struct gtp_addr *dst,
		    uint8_t proto, uint8_t ttl, uint16_t id, uint16_t payload_len);

/* UDP header + checksum over payload, which must already follow the header
 * at out + 8. With csum false (IPv4 only) the checksum is left zero. */
size_t pkt_build_udp(uint8_t *out, const struct gtp_addr *src, const struct gtp_addr *dst,
		     uint16_t sport, uint16_t dport, uint16_t payload_len, bool csum);

/* Ethernet II header. */
size_t pkt_build_eth(uint8_t *out, const uint8_t dst[6], const uint8_t src[6], uint16_t ethertype);

/* MAC text "aa:bb:cc:dd:ee:ff" -> bytes; 0 or -1. */
int pkt_mac_parse(const char *text, uint8_t mac[6]);

#endif
