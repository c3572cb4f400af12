/* The API in-process, for what a live tofd without a data plane cannot
 * show: /tunnels with learned sessions (pages, UE filter), /stats and
 * /metrics with counters from a registered source. Plus the streaming JSON
 * writer's escapes, read back by jansson. (tests/api holds the live server
 * to every route and error.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <jansson.h>

#include "agent_ctl.h"
#include "api.h"
#include "api_jw.h"
#include "config.h"

struct fx {
	struct tof_config cfg;
	struct tof_tables *t;
	struct tof_ctl *ctl;
	struct tof_api *api;
	struct tof_counters c;
	struct tof_service_counters svc[16];
};

static void fake_counters(void *ctx, struct tof_counters *c, struct tof_service_counters *svc,
			  uint32_t n)
{
	struct fx *f = ctx;

	*c = f->c;
	memcpy(svc, f->svc, (n < 16 ? n : 16) * sizeof(*svc));
}

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct tof_api_opts o = { .quiet = true };
	struct tof_ctl_err e;
	char err[256];

	if (tof_config_load_string("{\"mode\": \"single\", \"enb\": [\"198.18.0.1\"],"
				   " \"sgw\": [\"198.18.0.2\"],"
				   " \"api\": {\"listen\": \"127.0.0.1:0\"}}",
				   &f->cfg, err, sizeof(err)) != 0)
		return -1;
	f->t = tof_tables_create(64, 16);
	f->ctl = tof_ctl_create(f->t, NULL, NULL);
	if (tof_ctl_load_services(f->ctl, NULL, 0, false, &e) != TOF_CTL_OK)
		return -1;
	o.cfg = &f->cfg;
	if (tof_api_start(&o, f->ctl, &f->api, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	tof_api_stop(f->api);
	tof_ctl_destroy(f->ctl);
	tof_tables_destroy(f->t);
	tof_config_free(&f->cfg);
	free(f);
	return 0;
}

/* One request on a fresh connection; the body of the answer (malloc'd). */
static char *http(struct fx *f, const char *method, const char *path, const char *body,
		  int *status)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(tof_api_port(f->api)) };
	char req[1024], *buf = malloc(1 << 20), *p;
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0), n;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		     method, path, body ? strlen(body) : 0, body ? body : "");
	assert_int_equal(write(fd, req, (size_t)n), n);
	for (;;) {
		ssize_t r = read(fd, buf + got, (1 << 20) - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*status = atoi(buf + 9);
	p = strstr(buf, "\r\n\r\n");
	assert_non_null(p);
	memmove(buf, p + 4, strlen(p + 4) + 1);
	return buf;
}

static json_t *get_json(struct fx *f, const char *path)
{
	int status;
	char *body = http(f, "GET", path, NULL, &status);
	json_error_t jerr;
	json_t *v;

	assert_int_equal(status, 200);
	v = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
	if (!v)
		fail_msg("%s: %s: %s", path, jerr.text, body);
	free(body);
	return v;
}

static void session(struct fx *f, const char *ue, uint32_t ul, uint32_t dl)
{
	struct gtp_addr u, en, sg;
	uint32_t slot;

	gtp_addr_parse(ue, &u);
	gtp_addr_parse("198.18.0.1", &en);
	gtp_addr_parse("198.18.0.2", &sg);
	tof_ctl_lock(f->ctl);
	slot = tof_session_add(f->t, &u);
	tof_session_set_ul(f->t, slot, &en, &sg, ul, 0);
	if (dl)
		tof_session_set_dl(f->t, slot, dl);
	tof_ctl_unlock(f->ctl);
}

static void test_tunnels(void **state)
{
	struct fx *f = *state;
	char path[64], ue[32];
	json_t *v, *s;
	int seen = 0;

	for (int i = 0; i < 5; i++) {
		snprintf(ue, sizeof(ue), "198.19.0.%d", i + 1);
		session(f, ue, 0x100 + (uint32_t)i, i == 0 ? 0x200 : 0);
	}
	session(f, "2001:db8:77:1::5", 0x300, 0);

	v = get_json(f, "/tunnels?ue=198.19.0.1");
	assert_int_equal(json_integer_value(json_object_get(v, "total")), 6);
	assert_int_equal(json_integer_value(json_object_get(v, "count")), 1);
	assert_true(json_is_null(json_object_get(v, "next")));
	s = json_array_get(json_object_get(v, "sessions"), 0);
	assert_string_equal(json_string_value(json_object_get(s, "ue")), "198.19.0.1");
	assert_true(json_is_null(json_object_get(s, "ue6")));
	assert_string_equal(json_string_value(json_object_get(s, "enb")), "198.18.0.1");
	assert_string_equal(json_string_value(json_object_get(s, "sgw")), "198.18.0.2");
	assert_int_equal(json_integer_value(json_object_get(s, "uplink_teid")), 0x100);
	assert_int_equal(json_integer_value(json_object_get(s, "downlink_teid")), 0x200);
	assert_true(json_is_null(json_object_get(s, "qfi")));
	assert_string_equal(json_string_value(json_object_get(s, "pinger")), "idle");
	json_decref(v);

	v = get_json(f, "/tunnels?ue=2001:db8:77:1::abc");
	s = json_array_get(json_object_get(v, "sessions"), 0);
	assert_string_equal(json_string_value(json_object_get(s, "ue6")), "2001:db8:77:1::/64");
	assert_true(json_is_null(json_object_get(s, "ue")));
	assert_true(json_is_null(json_object_get(s, "downlink_teid")));
	json_decref(v);

	/* pages of two, following "next" */
	strcpy(path, "/tunnels?limit=2");
	for (int pages = 0;; pages++) {
		json_t *next;

		assert_true(pages < 10);
		v = get_json(f, path);
		seen += (int)json_array_size(json_object_get(v, "sessions"));
		next = json_object_get(v, "next");
		if (json_is_null(next)) {
			json_decref(v);
			break;
		}
		snprintf(path, sizeof(path), "/tunnels?limit=2&cursor=%s", json_string_value(next));
		json_decref(v);
	}
	assert_int_equal(seen, 6);
}

static void test_stats_and_metrics(void **state)
{
	struct fx *f = *state;
	const char *body = "{\"name\": \"cache\", \"serviceIP\": \"203.0.113.100\","
			   " \"applicationIP\": \"198.51.100.10\"}";
	struct gtp_addr a;
	uint32_t slot;
	int status;
	char *text;
	json_t *v, *s;

	text = http(f, "POST", "/service", body, &status);
	assert_int_equal(status, 200);
	free(text);
	tof_ctl_set_counters(f->ctl, fake_counters, f);
	gtp_addr_parse("203.0.113.100", &a);
	slot = tof_service_find_ip(f->t, &a);
	f->c.rx_pkts[TOF_PORT_S1] = 12345678901ULL;
	f->c.decision_pkts[TOF_D_OFFLOAD] = 3;
	f->c.reason[TOF_R_UL_SERVICE] = 3;
	f->c.gtp_err[GTP_ERR_SHORT] = 2;
	f->svc[slot].ul_pkts = 3;
	f->svc[slot].ul_bytes = 252;
	f->svc[slot].dl_pkts = 1;

	v = get_json(f, "/stats");
	assert_true(json_is_true(json_object_get(v, "dataplane")));
	s = json_object_get(json_object_get(v, "ports"), "s1");
	assert_int_equal(json_integer_value(json_object_get(s, "rx_packets")), 12345678901LL);
	assert_null(json_object_get(json_object_get(v, "ports"), "enb")); /* single mode */
	s = json_object_get(json_object_get(v, "decisions"), "offload");
	assert_int_equal(json_integer_value(json_object_get(s, "packets")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "reasons"),
							    "uplink_service")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "gtp_errors"),
							    "short")), 2);
	s = json_array_get(json_object_get(v, "services"), 0);
	assert_string_equal(json_string_value(json_object_get(s, "name")), "cache");
	assert_int_equal(json_integer_value(json_object_get(s, "uplink_packets")), 3);
	assert_int_equal(json_integer_value(json_object_get(s, "uplink_bytes")), 252);
	assert_int_equal(json_integer_value(json_object_get(s, "downlink_packets")), 1);
	json_decref(v);

	text = http(f, "GET", "/metrics", NULL, &status);
	assert_int_equal(status, 200);
	assert_non_null(strstr(text, "\ntof_rx_packets_total{port=\"s1\"} 12345678901\n"));
	assert_non_null(strstr(text, "\ntof_reason_packets_total{reason=\"uplink_service\"} 3\n"));
	assert_non_null(strstr(text, "\ntof_service_packets_total{service=\"cache\","
				     "direction=\"uplink\"} 3\n"));
	assert_non_null(strstr(text, "\ntof_service_bytes_total{service=\"cache\","
				     "direction=\"uplink\"} 252\n"));
	assert_non_null(strstr(text, "\ntof_dataplane_up 1\n"));
	assert_non_null(strstr(text, "# TYPE tof_gtp_errors_total counter\n"));
	free(text);
	tof_ctl_set_counters(f->ctl, NULL, NULL);
}

static void test_jw_escapes(void **state)
{
	static const char tricky[] = "a\"b\\c\n\t\x01 z/\xc3\xbc";
	struct gtp_addr a4, a6;
	json_error_t jerr;
	struct jw w;
	size_t len;
	char *text;
	json_t *v;

	(void)state;
	gtp_addr_parse("203.0.113.255", &a4);
	gtp_addr_parse("2001:db8::1", &a6);
	jw_init(&w, 4); /* tiny, so it has to grow */
	jw_obj(&w);
	jw_key(&w, "s");
	jw_str(&w, tricky);
	jw_key(&w, "n");
	jw_u64(&w, UINT64_C(18446744073709551615));
	jw_key(&w, "a");
	jw_arr(&w);
	jw_addr(&w, &a4);
	jw_addr(&w, &a6);
	jw_addr(&w, &(struct gtp_addr){ .family = GTP_AF_NONE });
	jw_bool(&w, true);
	jw_obj(&w);
	jw_end_obj(&w);
	jw_end_arr(&w);
	jw_end_obj(&w);
	text = jw_finish(&w, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	v = json_loads(text, JSON_DECODE_INT_AS_REAL, &jerr);
	if (!v)
		fail_msg("%s: %s", jerr.text, text);
	assert_string_equal(json_string_value(json_object_get(v, "s")), tricky);
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "a"), 0)),
			    "203.0.113.255");
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "a"), 1)),
			    "2001:db8::1");
	assert_true(json_is_null(json_array_get(json_object_get(v, "a"), 2)));
	assert_non_null(strstr(text, "\"n\":18446744073709551615"));
	json_decref(v);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tunnels, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stats_and_metrics, fx_setup, fx_teardown),
		cmocka_unit_test(test_jw_escapes),
	};
	return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
