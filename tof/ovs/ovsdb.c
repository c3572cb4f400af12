/* OVSDB JSON-RPC over a stream: messages are JSON texts back to back, so
 * each is cut off the buffer by parsing one value at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ovs_sock.h"
#include "ovsdb.h"

#define OVSDB_MAX_MSG (16u << 20) /* a monitor reply of a big switch */

void ovsdb_init(struct ovsdb *db)
{
	memset(db, 0, sizeof(*db));
	db->fd = -1;
	db->next_id = 1;
}

bool ovsdb_is_open(const struct ovsdb *db)
{
	return db->fd >= 0;
}

void ovsdb_close(struct ovsdb *db)
{
	if (db->fd >= 0)
		close(db->fd);
	free(db->rbuf);
	json_decref(db->replica);
	db->fd = -1;
	db->rbuf = NULL;
	db->rlen = db->rcap = 0;
	db->replica = NULL;
}

static int ovsdb_send(struct ovsdb *db, json_t *msg, int timeout_ms)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	int rc;

	json_decref(msg);
	if (!text) {
		snprintf(db->err, sizeof(db->err), "out of memory");
		return -1;
	}
	rc = ovs_sock_write_all(db->fd, text, strlen(text), timeout_ms, db->err, sizeof(db->err));
	free(text);
	if (rc < 0)
		ovsdb_close(db);
	return rc;
}

/* One whole message off the buffer: 1 (in *out), 0 not yet, -1 bad. */
static int ovsdb_take(struct ovsdb *db, json_t **out)
{
	json_error_t e;
	size_t skip = 0;
	json_t *v;

	while (skip < db->rlen && strchr(" \t\r\n", db->rbuf[skip]))
		skip++;
	if (skip == db->rlen) {
		db->rlen = 0;
		return 0;
	}
	v = json_loadb(db->rbuf + skip, db->rlen - skip, JSON_DISABLE_EOF_CHECK, &e);
	if (!v) {
		if (json_error_code(&e) == json_error_premature_end_of_input)
			return 0;
		snprintf(db->err, sizeof(db->err), "malformed JSON-RPC from the database: %s",
			 e.text);
		return -1;
	}
	skip += (size_t)e.position;
	memmove(db->rbuf, db->rbuf + skip, db->rlen - skip);
	db->rlen -= skip;
	*out = v;
	return 1;
}

/* Apply {"Table": {"uuid": {"old": .., "new": ..}}} to the replica. */
static void ovsdb_update(struct ovsdb *db, const json_t *upd)
{
	const char *table, *uuid;
	json_t *rows, *chg;

	if (!json_is_object(upd))
		return;
	json_object_foreach((json_t *)upd, table, rows) {
		json_t *t = json_object_get(db->replica, table);

		if (!t) {
			t = json_object();
			json_object_set_new(db->replica, table, t);
		}
		json_object_foreach(rows, uuid, chg) {
			json_t *nw = json_object_get(chg, "new");

			if (nw)
				json_object_set(t, uuid, nw);
			else
				json_object_del(t, uuid);
		}
	}
	db->changed = true;
}

/* A message that is not the reply being waited for: a notification, an
 * echo, or a stale reply. */
static void ovsdb_other(struct ovsdb *db, json_t *m)
{
	const char *method = json_string_value(json_object_get(m, "method"));
	json_t *params = json_object_get(m, "params");

	if (method && strcmp(method, "echo") == 0) {
		json_t *r = json_pack("{s:O?,s:o,s:n}", "id", json_object_get(m, "id"), "result",
				      params ? json_incref(params) : json_array(), "error");

		if (r)
			ovsdb_send(db, r, 1000);
	} else if (method && strcmp(method, "update") == 0 && json_array_size(params) == 2) {
		ovsdb_update(db, json_array_get(params, 1));
	}
}

/* Read until the reply with id (or, with id 0, until nothing is pending).
 * 1 with *reply, 0 timeout, -1 error. */
static int ovsdb_read(struct ovsdb *db, uint64_t id, json_t **reply, int timeout_ms)
{
	uint64_t end = ovs_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);

	for (;;) {
		json_t *m = NULL;
		int rc;

		if (db->fd < 0)
			return -1;
		rc = ovsdb_take(db, &m);
		if (rc < 0) {
			ovsdb_close(db);
			return -1;
		}
		if (rc > 0) {
			json_t *mid = json_object_get(m, "id");

			if (id && json_is_integer(mid) && (uint64_t)json_integer_value(mid) == id &&
			    !json_object_get(m, "method")) {
				*reply = m;
				return 1;
			}
			ovsdb_other(db, m);
			json_decref(m);
			continue;
		}
		if (db->rcap - db->rlen < 4096) {
			size_t cap = db->rcap ? db->rcap * 2 : 65536;
			char *p = cap > OVSDB_MAX_MSG ? NULL : realloc(db->rbuf, cap);

			if (!p) {
				snprintf(db->err, sizeof(db->err), "database message too big");
				ovsdb_close(db);
				return -1;
			}
			db->rbuf = p;
			db->rcap = cap;
		}
		uint64_t now = ovs_now_ms();
		int left = now >= end ? 0 : (int)(end - now);
		ssize_t n = ovs_sock_read(db->fd, db->rbuf + db->rlen, db->rcap - db->rlen, left,
					  db->err, sizeof(db->err));

		if (n < 0) {
			ovsdb_close(db);
			return -1;
		}
		db->rlen += (size_t)n;
		if (n == 0 && left == 0)
			return 0;
	}
}

int ovsdb_poll(struct ovsdb *db)
{
	return ovsdb_read(db, 0, NULL, 0) < 0 ? -1 : 0;
}

/* Send method(params) and wait for its reply's result (new reference). */
static int ovsdb_call(struct ovsdb *db, const char *method, json_t *params, json_t **result,
		      int timeout_ms)
{
	uint64_t id = db->next_id++;
	json_t *reply = NULL, *err;
	json_t *msg = json_pack("{s:s,s:o,s:I}", "method", method, "params", params, "id",
				(json_int_t)id);

	if (!msg || ovsdb_send(db, msg, timeout_ms) < 0) {
		if (!msg)
			snprintf(db->err, sizeof(db->err), "out of memory");
		return -1;
	}
	int rc = ovsdb_read(db, id, &reply, timeout_ms);

	if (rc <= 0) {
		if (rc == 0)
			snprintf(db->err, sizeof(db->err), "no reply from the database within %d ms",
				 timeout_ms);
		return -1;
	}
	err = json_object_get(reply, "error");
	if (err && !json_is_null(err)) {
		char *t = json_dumps(err, JSON_COMPACT | JSON_ENCODE_ANY);

		snprintf(db->err, sizeof(db->err), "database: %s", t ? t : "error");
		free(t);
		json_decref(reply);
		return -1;
	}
	*result = json_incref(json_object_get(reply, "result"));
	json_decref(reply);
	return 0;
}

int ovsdb_open(struct ovsdb *db, const char *target, const json_t *tables, int timeout_ms)
{
	json_t *req = json_object(), *result = NULL, *cols;
	const char *t;

	ovsdb_close(db);
	db->err[0] = '\0';
	db->fd = ovs_sock_connect(target, timeout_ms, db->err, sizeof(db->err));
	if (db->fd < 0) {
		json_decref(req);
		return -1;
	}
	json_object_foreach((json_t *)tables, t, cols)
		json_object_set_new(req, t, json_pack("{s:O}", "columns", cols));
	db->replica = json_object();
	if (ovsdb_call(db, "monitor", json_pack("[s,s,o]", "Open_vSwitch", "tof", req), &result,
		       timeout_ms) < 0) {
		ovsdb_close(db);
		return -1;
	}
	ovsdb_update(db, result);
	json_decref(result);
	return 0;
}

int ovsdb_transact(struct ovsdb *db, json_t *ops, json_t **result, int timeout_ms)
{
	json_t *params = json_pack("[s]", "Open_vSwitch"), *res = NULL, *op;
	size_t i;

	if (!params || json_array_extend(params, ops) < 0) {
		json_decref(params);
		json_decref(ops);
		snprintf(db->err, sizeof(db->err), "out of memory");
		return -1;
	}
	json_decref(ops);
	if (ovsdb_call(db, "transact", params, &res, timeout_ms) < 0)
		return -1;
	/* a failed operation leaves an object with "error" in its place */
	json_array_foreach(res, i, op) {
		json_t *e = json_object_get(op, "error");

		if (json_is_string(e)) {
			const char *d = json_string_value(json_object_get(op, "details"));

			snprintf(db->err, sizeof(db->err), "database refused the change: %s%s%s",
				 json_string_value(e), d ? ": " : "", d ? d : "");
			json_decref(res);
			return -1;
		}
	}
	if (result)
		*result = res;
	else
		json_decref(res);
	return 0;
}

/* --- values --- */

json_t *ovsdb_table(const struct ovsdb *db, const char *table)
{
	return db->replica ? json_object_get(db->replica, table) : NULL;
}

const char *ovsdb_str(const json_t *row, const char *col)
{
	const char *s = json_string_value(json_object_get(row, col));

	return s ? s : "";
}

json_int_t ovsdb_int(const json_t *row, const char *col, json_int_t dflt)
{
	const json_t *v = ovsdb_set_elem(json_object_get(row, col), 0);

	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

const json_t *ovsdb_set_elem(const json_t *v, size_t i)
{
	if (json_is_array(v) && json_array_size(v) == 2 &&
	    json_is_string(json_array_get(v, 0)) &&
	    strcmp(json_string_value(json_array_get(v, 0)), "set") == 0)
		return json_array_get(json_array_get(v, 1), i);
	return v && i == 0 ? v : NULL;
}

const char *ovsdb_uuid(const json_t *v)
{
	if (json_is_array(v) && json_array_size(v) == 2 &&
	    json_is_string(json_array_get(v, 0)) &&
	    strcmp(json_string_value(json_array_get(v, 0)), "uuid") == 0)
		return json_string_value(json_array_get(v, 1));
	return NULL;
}

const json_t *ovsdb_map_get(const json_t *row, const char *col, const char *key)
{
	const json_t *v = json_object_get(row, col), *pair;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) != 2)
		return NULL;
	json_array_foreach(json_array_get(v, 1), i, pair) {
		const char *k = json_string_value(json_array_get(pair, 0));

		if (k && strcmp(k, key) == 0)
			return json_array_get(pair, 1);
	}
	return NULL;
}
