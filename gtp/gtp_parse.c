/* GTPv1-U parsing and validation (3GPP TS 29.281 section 5), and the
 * Information Elements of the Error Indication. */
#include <string.h>

#include "gtp.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

const char *gtp_strerror(enum gtp_err err)
{
	switch (err) {
	case GTP_OK:
		return "ok";
	case GTP_ERR_SHORT:
		return "message shorter than its header";
	case GTP_ERR_VERSION:
		return "GTP version is not 1";
	case GTP_ERR_PT:
		return "protocol type 0 (GTP')";
	case GTP_ERR_LENGTH:
		return "length field disagrees with the UDP payload";
	case GTP_ERR_EXT_ZERO_LEN:
		return "extension header of length 0";
	case GTP_ERR_EXT_TRUNC:
		return "extension header chain runs past the message";
	case GTP_ERR_EXT_TOO_MANY:
		return "too many extension headers";
	case GTP_ERR_EXT_BAD:
		return "malformed extension header";
	case GTP_ERR_NO_PAYLOAD:
		return "G-PDU without T-PDU";
	case GTP_ERR__COUNT:
		break;
	}
	return "unknown error";
}

/* Stable snake_case keys for JSON, metrics and reports: from the enum, so
 * they stay put whatever gtp_strerror() says. */
static const char *const gtp_err_names[GTP_ERR__COUNT] = {
	[GTP_OK] = "ok",
	[GTP_ERR_SHORT] = "short",
	[GTP_ERR_VERSION] = "version",
	[GTP_ERR_PT] = "gtp_prime",
	[GTP_ERR_LENGTH] = "length",
	[GTP_ERR_EXT_ZERO_LEN] = "ext_zero_length",
	[GTP_ERR_EXT_TRUNC] = "ext_truncated",
	[GTP_ERR_EXT_TOO_MANY] = "ext_too_many",
	[GTP_ERR_EXT_BAD] = "ext_bad",
	[GTP_ERR_NO_PAYLOAD] = "no_payload",
};
_Static_assert(GTP_ERR__COUNT == 10, "a GTP error without a name");

const char *gtp_err_name(enum gtp_err err)
{
	return (unsigned int)err < GTP_ERR__COUNT ? gtp_err_names[err] : "?";
}

bool gtp_ext_known(uint8_t type)
{
	switch (type) {
	case GTP_EXT_SCI:
	case GTP_EXT_UDP_PORT:
	case GTP_EXT_RAN_CONTAINER:
	case GTP_EXT_LONG_PDCP:
	case GTP_EXT_XW_RAN_CONTAINER:
	case GTP_EXT_NR_RAN_CONTAINER:
	case GTP_EXT_PDU_SESSION:
	case GTP_EXT_PDCP_PDU_NUMBER:
		return true;
	default:
		return false;
	}
}

/* Length in 4-octet units that a known type must have (TS 29.281 5.2.2),
 * 0 for the variable-length containers. */
static unsigned int ext_fixed_units(uint8_t type)
{
	switch (type) {
	case GTP_EXT_SCI:
	case GTP_EXT_UDP_PORT:
	case GTP_EXT_PDCP_PDU_NUMBER:
		return 1;
	case GTP_EXT_LONG_PDCP:
		return 2;
	default:
		return 0;
	}
}

/* One extension header of elen octets at e: content from e[1] up to the
 * next-type octet e[elen - 1]. */
static enum gtp_err ext_decode(uint8_t type, const uint8_t *e, size_t elen,
			       struct gtp_hdr *out)
{
	unsigned int units = ext_fixed_units(type);

	if (!gtp_ext_known(type)) {
		if (gtp_ext_comprehension(type) >= 2)
			out->ext_unknown_required = true;
		return GTP_OK;
	}
	if (units != 0 && elen != units * 4)
		return GTP_ERR_EXT_BAD;
	switch (type) {
	case GTP_EXT_PDU_SESSION:
		/* TS 38.415 5.5.2: PDU type in the high nibble of the first
		 * octet, QFI in the low 6 bits of the second (DL and UL). */
		out->has_pdu_session = true;
		out->pdu_type = e[1] >> 4;
		out->qfi = e[2] & 0x3f;
		break;
	case GTP_EXT_UDP_PORT:
		out->has_udp_port = true;
		out->udp_port = rd16(e + 1);
		break;
	default:
		break;
	}
	return GTP_OK;
}

static enum gtp_err ext_walk(const uint8_t *p, size_t len, size_t *off, struct gtp_hdr *out)
{
	uint8_t next = p[GTP_HDR_LEN + 3];
	size_t elen;
	enum gtp_err err;

	while (next != GTP_EXT_NONE) {
		if (out->ext_count == GTP_MAX_EXT)
			return GTP_ERR_EXT_TOO_MANY;
		if (*off >= len)
			return GTP_ERR_EXT_TRUNC;
		elen = (size_t)p[*off] * 4;
		if (elen == 0)
			return GTP_ERR_EXT_ZERO_LEN;
		if (elen > len - *off)
			return GTP_ERR_EXT_TRUNC;
		out->ext_types[out->ext_count++] = next;
		err = ext_decode(next, p + *off, elen, out);
		if (err != GTP_OK)
			return err;
		next = p[*off + elen - 1];
		*off += elen;
	}
	return GTP_OK;
}

enum gtp_err gtp_parse(const uint8_t *p, size_t len, struct gtp_hdr *out)
{
	size_t off = GTP_HDR_LEN;
	enum gtp_err err;

	memset(out, 0, sizeof(*out));
	if (len < GTP_HDR_LEN)
		return GTP_ERR_SHORT;
	out->flags = p[0];
	if ((p[0] >> 5) != 1)
		return GTP_ERR_VERSION;
	if (!(p[0] & GTP_FLAG_PT))
		return GTP_ERR_PT;
	out->msg_type = p[1];
	out->length = rd16(p + 2);
	out->teid = rd32(p + 4);
	out->msg_len = (uint16_t)(GTP_HDR_LEN + out->length);
	if ((size_t)GTP_HDR_LEN + out->length != len)
		return GTP_ERR_LENGTH;

	out->has_opt = (p[0] & (GTP_FLAG_E | GTP_FLAG_S | GTP_FLAG_PN)) != 0;
	if (out->has_opt) {
		if (len < GTP_HDR_LEN + GTP_OPT_LEN)
			return GTP_ERR_SHORT;
		/* The fields are there whenever any flag is set; each is
		 * meaningful only under its own flag. */
		out->seq = rd16(p + 8);
		out->npdu = p[10];
		off += GTP_OPT_LEN;
		if (p[0] & GTP_FLAG_E) {
			err = ext_walk(p, len, &off, out);
			if (err != GTP_OK)
				return err;
		}
	}
	out->hdr_len = (uint16_t)off;
	if (out->msg_type == GTP_MSG_GPDU && off == len)
		return GTP_ERR_NO_PAYLOAD;
	return GTP_OK;
}

/* Length of the value of a TV information element (type < 128), from
 * TS 29.281 8 and TS 29.060 7.7; 0 for types we cannot step over. */
static size_t ie_tv_len(uint8_t type)
{
	switch (type) {
	case GTP_IE_RECOVERY:
		return 1;
	case GTP_IE_TEID_DATA_I:
		return 4;
	default:
		return 0;
	}
}

int gtp_parse_error_ind(const uint8_t *ies, size_t len, struct gtp_error_ind *out)
{
	bool have_teid = false, have_gsn = false;
	size_t off = 0, vlen;
	uint8_t type;

	memset(out, 0, sizeof(*out));
	while (off < len) {
		type = ies[off];
		if (type < 128) {
			vlen = ie_tv_len(type);
			if (vlen == 0 || vlen > len - off - 1)
				return -1;
			if (type == GTP_IE_TEID_DATA_I && !have_teid) {
				out->teid = rd32(ies + off + 1);
				have_teid = true;
			}
			off += 1 + vlen;
			continue;
		}
		/* TLV: type, 2-octet length, value */
		if (len - off < 3)
			return -1;
		vlen = rd16(ies + off + 1);
		if (vlen > len - off - 3)
			return -1;
		if (type == GTP_IE_GSN_ADDRESS && !have_gsn) {
			if (vlen == 4)
				gtp_addr_set4(&out->gsn, ies + off + 3);
			else if (vlen == 16)
				gtp_addr_set6(&out->gsn, ies + off + 3);
			else
				return -1;
			have_gsn = true;
		}
		off += 3 + vlen;
	}
	return have_teid && have_gsn ? 0 : -1;
}
