/* ctl fixture for unit tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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
