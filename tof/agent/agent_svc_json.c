/* Services <-> JSON for the REST API and the state file. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent_svc_json.h"
#include "config_read.h"
#include "gtp_addr.h"
#include "pkt.h"

bool tof_svc_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > TOF_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

__attribute__((format(printf, 3, 4)))
int tof_svc_json_fail(struct tof_svc_json_err *e, const char *field, const char *fmt, ...)
{
	va_list ap;

	cfg_text(field ? field : "", e->field, sizeof(e->field));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* A name, chain or port: a JSON string of the name characters. */
int tof_svc_json_name(const json_t *v, const char *field, char out[TOF_NAME_MAX + 1],
			 struct tof_svc_json_err *e)
{
	char t[CFG_TEXT_MAX];
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return tof_svc_json_fail(e, field, "%s must be a string", field);
	s = json_string_value(v);
	len = json_string_length(v);
	if (!tof_svc_name_valid(s, len) || strlen(s) != len)
		return tof_svc_json_fail(e, field, "%s \"%s\" must be 1 to %d of A-Z a-z 0-9 . _ -", field,
				cfg_text(s, t, sizeof(t)), TOF_NAME_MAX);
	memcpy(out, s, len + 1);
	return 0;
}

static int svc_read_addr(const json_t *v, const char *field, struct gtp_addr *out,
			 struct tof_svc_json_err *e)
{
	char t[CFG_TEXT_MAX];
	const char *s;

	if (!json_is_string(v))
		return tof_svc_json_fail(e, field, "%s must be an IP address string", field);
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || gtp_addr_parse(s, out) != 0)
		return tof_svc_json_fail(e, field, "%s \"%s\" is not an IPv4 or IPv6 address", field,
				cfg_text(s, t, sizeof(t)));
	if (!gtp_addr_is_unicast(out))
		return tof_svc_json_fail(e, field, "%s %s is not a unicast address", field,
				cfg_text(s, t, sizeof(t)));
	return 0;
}

static int svc_read_mac(const json_t *v, const char *field, uint8_t mac[6],
			struct tof_svc_json_err *e)
{
	static const uint8_t zero[6];
	char t[CFG_TEXT_MAX];
	const char *s;

	if (!json_is_string(v))
		return tof_svc_json_fail(e, field, "%s must be a MAC address string like "
				"\"02:00:00:00:00:01\"", field);
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v) || pkt_mac_parse(s, mac) != 0)
		return tof_svc_json_fail(e, field, "%s \"%s\" is not a MAC address", field,
				cfg_text(s, t, sizeof(t)));
	if ((mac[0] & 0x01) || memcmp(mac, zero, 6) == 0)
		return tof_svc_json_fail(e, field, "%s %s is not a unicast MAC address", field,
				cfg_text(s, t, sizeof(t)));
	return 0;
}

int tof_svc_json_read(const json_t *obj, unsigned int flags, struct tof_service_config *out,
		      bool *has_name, struct tof_svc_json_err *e)
{
	bool name = false, sip = false, aip = false;
	char t[CFG_TEXT_MAX], a1[GTP_ADDR_STRLEN], a2[GTP_ADDR_STRLEN];
	const char *key;
	json_t *v;
	int rc;

	memset(out, 0, sizeof(*out));
	e->field[0] = e->msg[0] = '\0';
	if (!json_is_object(obj))
		return tof_svc_json_fail(e, NULL, "a service must be a JSON object");
	/* document order, so the first problem is the one reported */
	json_object_foreach((json_t *)obj, key, v) {
		if (strcmp(key, "name") == 0) {
			rc = tof_svc_json_name(v, key, out->name, e);
			name = true;
		} else if (strcmp(key, "serviceIP") == 0) {
			rc = svc_read_addr(v, key, &out->service_ip, e);
			sip = true;
		} else if (strcmp(key, "applicationIP") == 0) {
			rc = svc_read_addr(v, key, &out->app_ip, e);
			aip = true;
		} else if (strcmp(key, "applicationMAC") == 0) {
			rc = svc_read_mac(v, key, out->app_mac, e);
			out->has_app_mac = true;
		} else if (strcmp(key, "chain") == 0) {
			rc = tof_svc_json_name(v, key, out->chain, e);
		} else if (strcmp(key, "applicationPort") == 0) {
			rc = tof_svc_json_name(v, key, out->app_port, e);
		} else {
			rc = tof_svc_json_fail(e, key, "unknown field \"%s\"", cfg_text(key, t, sizeof(t)));
		}
		if (rc)
			return -1;
	}
	if (has_name)
		*has_name = name;
	if (!name && !(flags & TOF_SVC_NAME_OPTIONAL))
		return tof_svc_json_fail(e, "name", "name is missing");
	if (!sip)
		return tof_svc_json_fail(e, "serviceIP", "serviceIP is missing");
	if (!aip)
		return tof_svc_json_fail(e, "applicationIP", "applicationIP is missing");
	if (out->service_ip.family != out->app_ip.family)
		return tof_svc_json_fail(e, "applicationIP", "applicationIP %s is not of the family of "
				"serviceIP %s", gtp_addr_format(&out->app_ip, a1, sizeof(a1)),
				gtp_addr_format(&out->service_ip, a2, sizeof(a2)));
	if (gtp_addr_eq(&out->service_ip, &out->app_ip))
		return tof_svc_json_fail(e, "applicationIP", "applicationIP must differ from serviceIP");
	return 0;
}

json_t *tof_svc_json_write(const struct tof_service_config *sc)
{
	char a[GTP_ADDR_STRLEN], mac[18];
	json_t *o = json_object();
	int rc = 0;

	if (!o)
		return NULL;
	rc |= json_object_set_new(o, "name", json_string(sc->name));
	rc |= json_object_set_new(o, "serviceIP",
				  json_string(gtp_addr_format(&sc->service_ip, a, sizeof(a))));
	rc |= json_object_set_new(o, "applicationIP",
				  json_string(gtp_addr_format(&sc->app_ip, a, sizeof(a))));
	if (sc->has_app_mac) {
		const uint8_t *m = sc->app_mac;

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
			 m[3], m[4], m[5]);
		rc |= json_object_set_new(o, "applicationMAC", json_string(mac));
	}
	if (sc->chain[0])
		rc |= json_object_set_new(o, "chain", json_string(sc->chain));
	if (sc->app_port[0])
		rc |= json_object_set_new(o, "applicationPort", json_string(sc->app_port));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}
