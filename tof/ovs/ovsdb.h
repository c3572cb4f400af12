/* A client of the OVSDB JSON-RPC protocol (RFC 7047) with jansson: one
 * connection, a monitor that keeps a replica of the tables tofd looks at,
 * and transactions. Echo requests are answered on the way. One thread
 * uses it; nothing here retries. */
#ifndef TOF_OVS_OVSDB_H
#define TOF_OVS_OVSDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct ovsdb {
	int fd;
	char *rbuf;
	size_t rlen, rcap;
	uint64_t next_id;
	json_t *replica;   /* {"Bridge": {"<uuid>": {row}}, ...} */
	bool changed;      /* an update came since the flag was cleared */
	char err[256];
};

void ovsdb_init(struct ovsdb *db);

/* Connect to "unix:PATH" or "tcp:IP:PORT" and monitor these columns of
 * database Open_vSwitch: {"Table": ["col", ...], ...} (borrowed). 0, or
 * -1 with db->err. The replica holds the tables' rows from then on. */
int ovsdb_open(struct ovsdb *db, const char *target, const json_t *tables, int timeout_ms);
void ovsdb_close(struct ovsdb *db);
bool ovsdb_is_open(const struct ovsdb *db);

/* Take what the server sent (updates, echo) without waiting. 0, or -1
 * when the connection is gone. */
int ovsdb_poll(struct ovsdb *db);

/* Run a transaction on Open_vSwitch: ops is a JSON array of operations
 * (taken over). *result: the reply's result array (the caller's), or NULL
 * when not wanted. 0 when every operation succeeded, -1 otherwise with
 * db->err (the first failed operation's error and details). */
int ovsdb_transact(struct ovsdb *db, json_t *ops, json_t **result, int timeout_ms);

/* The rows of a table in the replica (an object by uuid; may be NULL). */
json_t *ovsdb_table(const struct ovsdb *db, const char *table);

/* --- reading OVSDB values --- */

/* A string column (or "" if not a string). */
const char *ovsdb_str(const json_t *row, const char *col);
/* An integer column, or dflt. */
json_int_t ovsdb_int(const json_t *row, const char *col, json_int_t dflt);
/* Elements of a set column: ["set", [...]] or a single atom. The i-th,
 * or NULL past the end. */
const json_t *ovsdb_set_elem(const json_t *v, size_t i);
/* The uuid string of ["uuid", "..."] (or NULL). */
const char *ovsdb_uuid(const json_t *v);
/* The value of key in a map column ["map", [[k, v], ...]] (or NULL). */
const json_t *ovsdb_map_get(const json_t *row, const char *col, const char *key);

#endif
