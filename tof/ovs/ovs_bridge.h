/* tofd's bridge as the OVSDB replica shows it, and the transaction that
 * makes it what the config says: the bridge (datapath_type=netdev,
 * fail_mode=secure) with tofd's port, whose interface follows the data
 * plane (cfg->port_type): a dpdkvhostuserclient on tofd's socket, or a
 * system port (type "", the OVS end of tofd's veth). fail_mode secure: an ovs-vswitchd that restarts comes back
 * with no flows rather than the NORMAL flow of a bridge without a
 * controller, so until tofd has put the chains' flows back nothing reaches
 * an app around its chain's functions. */
#ifndef TOF_OVS_BRIDGE_H
#define TOF_OVS_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ovsdb.h"
#include "tof_config.h"

/* The tables and columns the replica needs. New reference. */
json_t *ovs_bridge_monitor_tables(void);

struct ovs_bridge_view {
	bool has_root;          /* the Open_vSwitch row exists */
	bool dpdk_initialized;
	bool bridge_found, netdev;
	bool secure;                /* fail_mode=secure */
	bool port_found, port_ok;   /* on the bridge; the interface as configured */
	char elsewhere[64];         /* tofd's port is on this other bridge */
	char port_error[160];       /* the interface's "error" column */
	bool port_up;               /* its link: vhost-user connected, veth up */
	char **ports;               /* names of the bridge's ports */
	uint32_t n_ports;
	char **marked;              /* ports with external_ids:tof-hop=true */
	uint32_t n_marked;
};

/* Read the replica. 0, or -1 when out of memory. */
int ovs_bridge_view(const struct ovsdb *db, const struct tof_ovs_config *cfg,
		    struct ovs_bridge_view *v);
void ovs_bridge_view_free(struct ovs_bridge_view *v);

/* The operations that put things right (a new reference), or NULL when
 * nothing needs doing (or nothing can be done: see v->elsewhere). */
json_t *ovs_bridge_fix(const struct ovsdb *db, const struct tof_ovs_config *cfg,
		       const struct ovs_bridge_view *v);

#endif
