/* One tofd per Open vSwitch bridge. tofd's OVS side starts before its data
 * plane, whose own locks (kernel mode's per Linux bridge, DPDK's EAL file
 * prefix) would refuse a second tofd only after that one had put its own
 * service list into the bridge's flows; this lock refuses it first. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "ovs_int.h"

/* FNV-1a of the database address: two OVS instances on one host may both
 * have a bridge of that name. */
static uint32_t ovs_lock_db_hash(const char *db)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)db; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

int ovs_lock_take(const char *dir, const char *db, const char *bridge, char *err, size_t errlen)
{
	char path[512];
	int fd;

	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/ovs-%s-%08x.lock", dir, bridge, ovs_lock_db_hash(db));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		/* A read-only /run (some containers): no guard, but no reason
		 * to keep the apps side down either. */
		tof_log(TOF_LOG_WARNING, "ovs_lock_unavailable",
			TOF_FIELDS(TOF_LOG_STR("path", path), TOF_LOG_STR("error", strerror(errno))),
			"ovs: cannot lock %s (%s): a second tofd on bridge %s would not be refused",
			path, strerror(errno), bridge);
		return OVS_LOCK_NONE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "ovs.bridge: another tofd manages bridge %s of %s (%s is locked)",
			 bridge, db, path);
		close(fd);
		return -1;
	}
	return fd;
}
