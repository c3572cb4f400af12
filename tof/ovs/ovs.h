/* Port chains on an Open vSwitch bridge: a thread that keeps the bridge,
 * tofd's port on it and its OpenFlow table equal to the services and
 * chains, whatever happens to OVS.
 *
 * - OVSDB (JSON-RPC, monitored): the bridge exists with
 *   datapath_type=netdev, tofd's port is there with the interface its data
 *   plane needs (DPDK: dpdkvhostuserclient on tofd's socket; kernel mode: a
 *   system port, the OVS end of tofd's veth); put right whenever the
 *   database says otherwise. The flows name the port, whatever its type.
 * - OpenFlow 1.4 on the bridge's management socket: the flows of
 *   ovs_flows.h. Each change is the difference between the flows wanted
 *   and those on the switch (read back by cookie), committed as one atomic
 *   bundle; nothing that did not change is touched. Hop ports are also
 *   kept out of flooding (OpenFlow 1.0 port mod, no-flood).
 * - On start, on every reconnection (OVS restarted) and every few seconds
 *   it reconciles: what is missing is added, tofd's stale flows removed.
 *   While OVS cannot be reached it retries with backoff (100 ms doubling
 *   to 5 s) and says so in its health.
 *
 * Any data plane uses it the same way: tof_ovs_start, then
 * tof_ovs_attach_ctl (the ctl hands it every change), tof_ovs_stop. */
#ifndef TOF_OVS_H
#define TOF_OVS_H

#include <stddef.h>
#include <stdint.h>

#include "agent_ctl.h"
#include "tof_config.h"

struct tof_ovs;

/* Start the thread for the bridge of cfg (copied). NULL with err when out
 * of resources; OVS being down is not an error. */
struct tof_ovs *tof_ovs_start(const struct tof_ovs_config *cfg, char *err, size_t errlen);

/* The services and chains to apply (copied). Waits up to wait_ms for the
 * bridge to have them (not at all while OVS is unreachable). */
void tof_ovs_apply(struct tof_ovs *o, const struct tof_service_config *svcs, uint32_t n,
		   const struct tof_chain_config *chains, uint32_t n_chains, unsigned int wait_ms);

/* Is port on the bridge? 1, 0, or -1 when the database cannot say now. */
int tof_ovs_port_state(struct tof_ovs *o, const char *port);

void tof_ovs_health(struct tof_ovs *o, struct tof_ctl_sink_health *h);

/* Register with the ctl as its sink (the ctl hands over the current set at
 * once); tof_ovs_detach_ctl before tof_ovs_stop. */
void tof_ovs_attach_ctl(struct tof_ovs *o, struct tof_ctl *ctl);
void tof_ovs_detach_ctl(struct tof_ovs *o, struct tof_ctl *ctl);

/* Stop the thread. The bridge, the port and the flows stay: a restarted
 * tofd finds them and changes only what differs. */
void tof_ovs_stop(struct tof_ovs *o);

#endif
