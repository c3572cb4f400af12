/* Kernel mode with "ovs": tofd's apps interface (kernel.apps) and its port
 * on the OVS bridge (ovs.port) are the two ends of one veth pair, made
 * here if missing. tofd reads and writes its end with AF_PACKET; OVS's
 * netdev datapath does the same on the other end (a system port). */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "nfq_internal.h"

static int nfq_veth_create(struct mnl_socket *nl, const char *name, const char *peer)
{
	char buf[1024];
	struct nlmsghdr *nlh = nfq_link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* the peer's own link message: a header, then its name */
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nfq_rtnl_talk(nl, nlh);
}

/* The ifindex a veth end says its peer has (its own for other devices). */
static int nfq_iflink(const char *ifname)
{
	char path[128];
	int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/iflink", ifname);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Offloads off, as deploy/ovs/attach.sh does for the apps' veths: both
 * ends are read with AF_PACKET, which must see whole frames with their
 * checksums, not aggregates. A failure only warns. */
static void nfq_veth_no_offloads(const char *ifname)
{
	static const uint32_t cmds[] = { ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO,
					 ETHTOOL_SGRO };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	for (size_t i = 0; fd >= 0 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct ethtool_value ev = { .cmd = cmds[i], .data = 0 };
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		ifr.ifr_data = (void *)&ev;
		if (ioctl(fd, SIOCETHTOOL, &ifr) != 0 && errno != EOPNOTSUPP)
			tof_log(TOF_LOG_WARNING, "kernel_offload_left_on",
				TOF_FIELDS(TOF_LOG_STR("interface", ifname),
					   TOF_LOG_STR("error", strerror(errno))),
				"kernel: %s: cannot turn an offload off: %s", ifname,
				strerror(errno));
	}
	if (fd >= 0)
		close(fd);
}

/* Both ends there and paired with each other, or neither (then made). */
static int nfq_veth_check(struct mnl_socket *nl, const char *apps, const char *port, char *err,
			  size_t errlen)
{
	int ia = (int)if_nametoindex(apps), ip = (int)if_nametoindex(port), rc;

	if (ia == 0 && ip == 0) {
		rc = nfq_veth_create(nl, apps, port);
		if (rc < 0) {
			snprintf(err, errlen, "cannot create the veth pair %s (kernel.apps) - %s "
				 "(ovs.port): %s", apps, port, strerror(-rc));
			return -1;
		}
		tof_log(TOF_LOG_INFO, "kernel_veth_created",
			TOF_FIELDS(TOF_LOG_STR("apps", apps), TOF_LOG_STR("port", port)),
			"kernel: created the veth pair %s - %s (its OVS end)", apps, port);
		return 0;
	}
	if (ia == 0 || ip == 0) {
		snprintf(err, errlen, "config: \"%s\": no interface named \"%s\" here, but %s "
			 "(%s) exists: tofd makes the veth pair only when neither end exists",
			 ia ? "ovs.port" : "kernel.apps", ia ? port : apps, ia ? apps : port,
			 ia ? "kernel.apps" : "ovs.port");
		return -1;
	}
	if (nfq_iflink(apps) != ip || nfq_iflink(port) != ia) {
		snprintf(err, errlen, "config: \"kernel.apps\": %s is not a veth paired with %s "
			 "(ovs.port)", apps, port);
		return -1;
	}
	return 0;
}

int tof_nfq_veth_setup(const struct tof_config *cfg, char *err, size_t errlen)
{
	const char *apps = cfg->kernel.apps, *port = cfg->ovs.port;
	struct mnl_socket *nl = nfq_rtnl_open(err, errlen);
	int rc;

	if (nl == NULL)
		return -1;
	rc = nfq_veth_check(nl, apps, port, err, errlen);
	if (rc == 0) {
		nfq_veth_no_offloads(apps);
		nfq_veth_no_offloads(port);
		rc = nfq_links_up(nl, port, apps, err, errlen);
	}
	mnl_socket_close(nl);
	return rc;
}
