/* Internet checksums: full computation and incremental update (RFC 1071,
 * RFC 1624). All values are in network byte order as they sit in packets. */
#ifndef GTP_CSUM_H
#define GTP_CSUM_H

#include <stddef.h>
#include <stdint.h>

#include "gtp_addr.h"

/* Ones-complement sum of len bytes added to sum (not folded). */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);

/* Fold a 32-bit partial sum to 16 bits and complement it. */
uint16_t csum_fold(uint32_t sum);

/* IPv4 header checksum over hlen bytes, with the checksum field taken as 0. */
uint16_t csum_ipv4_hdr(const void *iph, size_t hlen);

/* Partial sum of the TCP/UDP/ICMPv6 pseudo-header (both families). */
uint32_t csum_pseudo(const struct gtp_addr *src, const struct gtp_addr *dst,
		     uint8_t proto, uint32_t l4_len);

/* Full L4 checksum (pseudo-header + l4 bytes with its checksum field zero).
 * For UDP the caller maps a result of 0 to 0xffff. The checksum field (TCP
 * 16, UDP 6, ICMP/ICMPv6 2) counts as zero whatever it holds; proto 1
 * (ICMPv4) takes no pseudo-header. */
uint16_t csum_l4(const struct gtp_addr *src, const struct gtp_addr *dst,
		 uint8_t proto, const void *l4, size_t l4_len);

/* RFC 1624 eqn. 3: new checksum after a 16-bit field changed old -> new. */
uint16_t csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val);

/* Same for a run of len bytes (len even) changing from old_buf to new_buf,
 * e.g. an address inside the pseudo-header. */
uint16_t csum_update_buf(uint16_t csum, const void *old_buf, const void *new_buf,
			 size_t len);

#endif
