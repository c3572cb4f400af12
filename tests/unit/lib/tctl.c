/* ctl fixture for unit tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "tctl.h"

const char tctl_cfg_json[] =
	"{\"mode\": \"dual\", \"enb\": [\"" TCTL_ENB "\"], \"sgw\": [\"" TCTL_SGW "\"]}";

int tctl_setup(void **state)
{
	struct tctl *f = calloc(1, sizeof(*f));
	struct tof_ctl_err e;
	char err[256];

	f->x = tfix_new(tctl_cfg_json, 64);
	if (!f->x)
		return -1;
	strcpy(f->dir, "/tmp/tof-test-ctl.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/state.json", f->dir);
	if (tof_state_open(f->path, &f->st, err, sizeof(err)) != 0)
		return -1;
	f->ctl = tof_ctl_create(f->x->t, &f->x->a, f->st);
	if (!f->ctl || tof_ctl_load_services(f->ctl, NULL, 0, true, &e) != TOF_CTL_OK)
		return -1;
	*state = f;
	return 0;
}

int tctl_teardown(void **state)
{
	struct tctl *f = *state;
	char cmd[128];

	tof_ctl_destroy(f->ctl);
	tof_state_close(f->st);
	tfix_free(f->x);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

struct tof_service_config tctl_svc(const char *name, const char *sip, const char *aip)
{
	struct tof_service_config s;

	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	if (sip)
		assert_int_equal(gtp_addr_parse(sip, &s.service_ip), 0);
	if (aip)
		assert_int_equal(gtp_addr_parse(aip, &s.app_ip), 0);
	return s;
}

void tctl_expect_saved(struct tctl *f, const char *const *names, uint32_t n)
{
	struct tof_config cfg;
	struct tof_service_config *v;
	char err[256];
	uint32_t got;
	bool seeded;

	tof_config_defaults(&cfg);
	assert_int_equal(tof_state_load(f->st, &cfg, &v, &got, &seeded, err, sizeof(err)), 0);
	assert_false(seeded);
	assert_int_equal(got, n);
	for (uint32_t i = 0; i < n; i++)
		assert_string_equal(v[i].name, names[i]);
	free(v);
}

bool tctl_visible(struct tctl *f, const char *sip)
{
	struct gtp_addr a;

	assert_int_equal(gtp_addr_parse(sip, &a), 0);
	return tof_service_find_ip(f->x->t, &a) != TOF_NO_SLOT;
}

uint32_t tctl_session(struct tctl *f, const char *ue, uint32_t teid)
{
	struct gtp_addr u, en, sg;
	uint32_t slot;

	gtp_addr_parse(ue, &u);
	gtp_addr_parse(TCTL_ENB, &en);
	gtp_addr_parse(TCTL_SGW, &sg);
	tof_ctl_lock(f->ctl);
	slot = tof_session_add(f->x->t, &u);
	tof_session_set_ul(f->x->t, slot, &en, &sg, teid, 0);
	tof_ctl_unlock(f->ctl);
	return slot;
}

void tctl_uplink(struct tctl *f, const char *dst, struct tframe *tf, struct tof_result *r)
{
	struct tframe_spec s;

	tframe_default(&s);
	s.outer_src = TCTL_ENB, s.outer_dst = TCTL_SGW, s.teid = 0x100;
	s.inner_src = TCTL_UE, s.inner_dst = dst;
	tframe_build(tf, &s);
	tfix_run(f->x, tf, TOF_PORT_ENB, 1000000000ULL, r);
}

struct gtp_addr tctl_offload_dst(const struct tframe *tf)
{
	struct gtp_addr a;

	gtp_addr_set4(&a, tf->buf + tf->f.off + 14 + 16);
	return a;
}
