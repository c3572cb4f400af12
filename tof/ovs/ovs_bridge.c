/* The bridge and tofd's port, through OVSDB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovs_bridge.h"

#define VHOST_TYPE "dpdkvhostuserclient"

json_t *ovs_bridge_monitor_tables(void)
{
	return json_pack("{s:[s,s],s:[s,s,s,s],s:[s,s,s],s:[s,s,s,s,s,s]}",
			 "Open_vSwitch", "bridges", "dpdk_initialized",
			 "Bridge", "name", "ports", "datapath_type", "fail_mode",
			 "Port", "name", "interfaces", "external_ids",
			 "Interface", "name", "type", "options", "error", "link_state",
			 "status");
}

static int push_name(char ***v, uint32_t *n, const char *name)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -1;
	*v = nv;
	nv[*n] = strdup(name);
	if (!nv[*n])
		return -1;
	(*n)++;
	return 0;
}

void ovs_bridge_view_free(struct ovs_bridge_view *v)
{
	for (uint32_t i = 0; i < v->n_ports; i++)
		free(v->ports[i]);
	for (uint32_t i = 0; i < v->n_marked; i++)
		free(v->marked[i]);
	free(v->ports);
	free(v->marked);
	memset(v, 0, sizeof(*v));
}

/* The row of table with name, and its uuid. */
static const json_t *row_named(const struct ovsdb *db, const char *table, const char *name,
			       const char **uuid)
{
	const char *u;
	json_t *row;

	json_object_foreach(ovsdb_table(db, table), u, row) {
		if (strcmp(ovsdb_str(row, "name"), name) == 0) {
			if (uuid)
				*uuid = u;
			return row;
		}
	}
	return NULL;
}

static const json_t *row_by_uuid(const struct ovsdb *db, const char *table, const char *uuid)
{
	return uuid ? json_object_get(ovsdb_table(db, table), uuid) : NULL;
}

/* Does the bridge row list the port with this uuid? */
static bool bridge_has_port(const json_t *br, const char *port_uuid)
{
	const json_t *e;

	for (size_t i = 0; (e = ovsdb_set_elem(json_object_get(br, "ports"), i)); i++) {
		const char *u = ovsdb_uuid(e);

		if (u && strcmp(u, port_uuid) == 0)
			return true;
	}
	return false;
}

/* The interface of a port (tofd's has one). */
static const json_t *port_iface(const struct ovsdb *db, const json_t *port)
{
	return row_by_uuid(db, "Interface",
			   ovsdb_uuid(ovsdb_set_elem(json_object_get(port, "interfaces"), 0)));
}

/* The columns of tofd's interface that follow from the data plane: a
 * vhost-user client of tofd's socket (DPDK), or a plain netdev, the OVS
 * end of tofd's veth (kernel mode). New reference. */
static json_t *iface_columns(const struct tof_ovs_config *cfg)
{
	if (cfg->port_type == TOF_OVS_PORT_SYSTEM)
		return json_pack("{s:s,s:[s,[]]}", "type", "", "options", "map");
	return json_pack("{s:s,s:[s,[[s,s]]]}", "type", VHOST_TYPE, "options", "map",
			 "vhost-server-path", cfg->socket);
}

static bool iface_ok(const json_t *ifc, const struct tof_ovs_config *cfg)
{
	const char *path = json_string_value(ovsdb_map_get(ifc, "options", "vhost-server-path"));

	if (!ifc)
		return false;
	if (cfg->port_type == TOF_OVS_PORT_SYSTEM)
		return ovsdb_str(ifc, "type")[0] == '\0' && !path;
	return strcmp(ovsdb_str(ifc, "type"), VHOST_TYPE) == 0 && path &&
	       strcmp(path, cfg->socket) == 0;
}

static void view_port(const struct ovsdb *db, const struct tof_ovs_config *cfg,
		      const json_t *br, struct ovs_bridge_view *v)
{
	const char *puuid = NULL;
	const json_t *port = row_named(db, "Port", cfg->port, &puuid), *ifc;
	const char *bname, *e;
	json_t *other;

	if (!port)
		return;
	if (!br || !bridge_has_port(br, puuid)) {
		/* on some other bridge? */
		json_object_foreach(ovsdb_table(db, "Bridge"), bname, other) {
			if (bridge_has_port(other, puuid))
				snprintf(v->elsewhere, sizeof(v->elsewhere), "%s",
					 ovsdb_str(other, "name"));
		}
		return;
	}
	v->port_found = true;
	ifc = port_iface(db, port);
	v->port_ok = iface_ok(ifc, cfg);
	e = json_string_value(ovsdb_set_elem(json_object_get(ifc, "error"), 0));
	snprintf(v->port_error, sizeof(v->port_error), "%s", e ? e : "");
	/* a vhost-user client says in its status whether it is connected
	 * (its link_state can lag behind after a restart) */
	e = json_string_value(ovsdb_set_elem(json_object_get(ifc, "link_state"), 0));
	v->port_up = e && strcmp(e, "up") == 0;
	e = json_string_value(ovsdb_map_get(ifc, "status", "status"));
	v->port_up = v->port_up || (e && strcmp(e, "connected") == 0);
}

int ovs_bridge_view(const struct ovsdb *db, const struct tof_ovs_config *cfg,
		    struct ovs_bridge_view *v)
{
	const json_t *br, *e, *root;
	const char *u;
	json_t *row;

	memset(v, 0, sizeof(*v));
	json_object_foreach(ovsdb_table(db, "Open_vSwitch"), u, row) {
		v->has_root = true;
		v->dpdk_initialized = json_is_true(json_object_get(row, "dpdk_initialized"));
	}
	br = row_named(db, "Bridge", cfg->bridge, NULL);
	v->bridge_found = br != NULL;
	v->netdev = br && strcmp(ovsdb_str(br, "datapath_type"), "netdev") == 0;
	v->secure = br && strcmp(ovsdb_str(br, "fail_mode"), "secure") == 0;
	view_port(db, cfg, br, v);
	for (size_t i = 0; br && (e = ovsdb_set_elem(json_object_get(br, "ports"), i)); i++) {
		root = row_by_uuid(db, "Port", ovsdb_uuid(e));
		if (!root)
			continue;
		if (push_name(&v->ports, &v->n_ports, ovsdb_str(root, "name")) < 0)
			goto oom;
		const char *mark = json_string_value(ovsdb_map_get(root, "external_ids",
								   "tof-hop"));
		if (mark && strcmp(mark, "true") == 0 &&
		    push_name(&v->marked, &v->n_marked, ovsdb_str(root, "name")) < 0)
			goto oom;
	}
	return 0;
oom:
	ovs_bridge_view_free(v);
	return -1;
}

/* Insert tofd's port (interface + port rows named "itof"/"ptof"). */
static void ops_insert_port(json_t *ops, const struct tof_ovs_config *cfg)
{
	json_t *row = iface_columns(cfg);

	json_object_set_new(row, "name", json_string(cfg->port));
	json_array_append_new(ops, json_pack("{s:s,s:s,s:o,s:s}", "op", "insert", "table",
					     "Interface", "row", row, "uuid-name", "itof"));
	json_array_append_new(ops, json_pack(
		"{s:s,s:s,s:{s:s,s:[s,s]},s:s}", "op", "insert", "table", "Port", "row", "name",
		cfg->port, "interfaces", "named-uuid", "itof", "uuid-name", "ptof"));
}

static json_t *where_uuid(const char *uuid)
{
	return json_pack("[[s,s,[s,s]]]", "_uuid", "==", "uuid", uuid);
}

json_t *ovs_bridge_fix(const struct ovsdb *db, const struct tof_ovs_config *cfg,
		       const struct ovs_bridge_view *v)
{
	const char *buuid = NULL, *puuid = NULL, *iuuid = NULL;
	const json_t *port, *ifc;
	json_t *ops;

	if (!v->has_root || v->elsewhere[0] ||
	    (v->bridge_found && v->netdev && v->secure && v->port_found && v->port_ok))
		return NULL;
	ops = json_array();
	if (!v->bridge_found) {
		/* as ovs-vsctl add-br does, with the bridge's own internal port;
		 * the wait makes a racing creator's bridge win */
		json_array_append_new(ops, json_pack(
			"{s:s,s:s,s:[[s,s,s]],s:[s],s:s,s:[]}", "op", "wait", "table", "Bridge",
			"where", "name", "==", cfg->bridge, "columns", "name", "until", "==",
			"rows"));
		json_array_append_new(ops, json_pack(
			"{s:s,s:s,s:{s:s,s:s},s:s}", "op", "insert", "table", "Interface", "row",
			"name", cfg->bridge, "type", "internal", "uuid-name", "ibr"));
		json_array_append_new(ops, json_pack(
			"{s:s,s:s,s:{s:s,s:[s,s]},s:s}", "op", "insert", "table", "Port", "row",
			"name", cfg->bridge, "interfaces", "named-uuid", "ibr", "uuid-name", "pbr"));
		ops_insert_port(ops, cfg);
		json_array_append_new(ops, json_pack(
			"{s:s,s:s,s:{s:s,s:s,s:s,s:[s,[[s,s],[s,s]]]},s:s}", "op", "insert", "table",
			"Bridge", "row", "name", cfg->bridge, "datapath_type", "netdev", "fail_mode",
			"secure", "ports", "set", "named-uuid", "pbr", "named-uuid", "ptof",
			"uuid-name", "br"));
		json_array_append_new(ops, json_pack(
			"{s:s,s:s,s:[],s:[[s,s,[s,[[s,s]]]]]}", "op", "mutate", "table",
			"Open_vSwitch", "where", "mutations", "bridges", "insert", "set",
			"named-uuid", "br"));
		json_array_append_new(ops, json_pack("{s:s,s:s}", "op", "comment", "comment",
						     "tofd: bridge and its apps port"));
		return ops;
	}
	row_named(db, "Bridge", cfg->bridge, &buuid);
	if (!v->netdev || !v->secure)
		json_array_append_new(ops, json_pack(
			"{s:s,s:s,s:o,s:{s:s,s:s}}", "op", "update", "table", "Bridge", "where",
			where_uuid(buuid), "row", "datapath_type", "netdev", "fail_mode", "secure"));
	if (!v->port_found) {
		ops_insert_port(ops, cfg);
		json_array_append_new(ops, json_pack(
			"{s:s,s:s,s:o,s:[[s,s,[s,[[s,s]]]]]}", "op", "mutate", "table", "Bridge",
			"where", where_uuid(buuid), "mutations", "ports", "insert", "set",
			"named-uuid", "ptof"));
	} else if (!v->port_ok) {
		port = row_named(db, "Port", cfg->port, &puuid);
		ifc = port_iface(db, port);
		iuuid = ovsdb_uuid(ovsdb_set_elem(json_object_get(port, "interfaces"), 0));
		if (ifc && iuuid)
			json_array_append_new(ops, json_pack(
				"{s:s,s:s,s:o,s:o}", "op", "update", "table", "Interface", "where",
				where_uuid(iuuid), "row", iface_columns(cfg)));
	}
	json_array_append_new(ops, json_pack("{s:s,s:s}", "op", "comment", "comment",
					     "tofd: its bridge and apps port"));
	return ops;
}
