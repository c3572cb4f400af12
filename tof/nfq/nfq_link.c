/* Kernel mode's interfaces, through rtnetlink: the S1 bridge (created if
 * missing, STP off, no IPv6 of its own so it never speaks on S1), its
 * ports, everything up; br_netfilter's iptables calls on. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "log.h"
#include "nfq_internal.h"

int nfq_rtnl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	char buf[8192];
	uint32_t seq = (uint32_t)time(NULL), portid = mnl_socket_get_portid(nl);

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) < 0)
		return -errno;
	return 0;
}

struct nlmsghdr *nfq_link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nlh;
}

static int nfq_bridge_create(struct mnl_socket *nl, const char *name)
{
	char buf[1024];
	struct nlmsghdr *nlh = nfq_link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
	mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nfq_rtnl_talk(nl, nlh);
}

int nfq_link_set(struct mnl_socket *nl, int ifindex, int master, bool up)
{
	char buf[512];
	struct nlmsghdr *nlh = nfq_link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	if (up) {
		ifm->ifi_flags = IFF_UP;
		ifm->ifi_change = IFF_UP;
	}
	if (master > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return nfq_rtnl_talk(nl, nlh);
}

int nfq_sysctl_write(const char *path, const char *value)
{
	char now[32] = "";
	FILE *f = fopen(path, "r");
	int rc = 0;

	/* Already so (a container sees /proc/sys read-only: the host set it) */
	if (f != NULL) {
		bool same = fgets(now, sizeof(now), f) != NULL &&
			    strncmp(now, value, strlen(value)) == 0 && now[strlen(value)] == '\n';
		fclose(f);
		if (same)
			return 0;
	}
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	if (fputs(value, f) < 0)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* The bridge an interface is a port of ("" if none). */
static void nfq_link_master(const char *ifname, char *out, size_t len)
{
	char path[128], target[256];
	ssize_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/sys/class/net/%s/master", ifname);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	const char *slash = strrchr(target, '/'), *name = slash ? slash + 1 : target;
	size_t nl = strnlen(name, len - 1);
	memcpy(out, name, nl);
	out[nl] = '\0';
}

static bool nfq_link_is_bridge(const char *ifname)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", ifname);
	return stat(path, &st) == 0;
}

/* A port of ours: in our bridge (moved there if it is in none), up. */
static int nfq_port_attach(struct mnl_socket *nl, const struct nfq_port_name *p, const char *br,
			   int br_index, bool hairpin, char *err, size_t errlen)
{
	char master[IF_NAMESIZE + 1], path[128];
	int rc;

	nfq_link_master(p->name, master, sizeof(master));
	if (master[0] && strcmp(master, br) != 0) {
		snprintf(err, errlen, "config: \"%s\": %s is a port of %s, not of the bridge %s",
			 p->field, p->name, master, br);
		return -1;
	}
	rc = nfq_link_set(nl, p->ifindex, master[0] ? 0 : br_index, true);
	if (rc < 0) {
		snprintf(err, errlen, "cannot put %s into %s: %s", p->name, br, strerror(-rc));
		return -1;
	}
	if (hairpin) {
		/* single mode: frames go back out the port they came in by */
		snprintf(path, sizeof(path), "/sys/class/net/%s/brport/hairpin_mode", p->name);
		rc = nfq_sysctl_write(path, "1");
		if (rc < 0) {
			snprintf(err, errlen, "cannot turn hairpin mode on for %s: %s", p->name,
				 strerror(-rc));
			return -1;
		}
	}
	return 0;
}

int nfq_ifindex(struct nfq_port_name *p, char *err, size_t errlen)
{
	p->ifindex = (int)if_nametoindex(p->name);
	if (p->ifindex == 0) {
		snprintf(err, errlen, "config: \"%s\": no interface named \"%s\" here", p->field,
			 p->name);
		return -1;
	}
	return 0;
}

struct mnl_socket *nfq_rtnl_open(char *err, size_t errlen)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);

	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(errno));
		if (nl)
			mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

int nfq_links_up(struct mnl_socket *nl, const char *a, const char *b, char *err, size_t errlen)
{
	int rc;

	if ((rc = nfq_link_set(nl, (int)if_nametoindex(a), 0, true)) < 0 ||
	    (rc = nfq_link_set(nl, (int)if_nametoindex(b), 0, true)) < 0) {
		snprintf(err, errlen, "cannot bring %s and %s up: %s", a, b, strerror(-rc));
		return -1;
	}
	return 0;
}

int nfq_link_setup(struct tof_nfq *n, char *err, size_t errlen)
{
	const struct tof_kernel_config *k = &n->ctx.cfg->kernel;
	struct mnl_socket *nl = nfq_rtnl_open(err, errlen);
	int rc = -1;

	if (nl == NULL)
		return -1;
	for (int i = 0; i < n->n_s1; i++)
		if (nfq_ifindex(&n->s1[i], err, errlen) != 0)
			goto out;
	if (nfq_ifindex(&n->apps, err, errlen) != 0)
		goto out;
	n->bridge.ifindex = (int)if_nametoindex(k->bridge);
	if (n->bridge.ifindex != 0 && !nfq_link_is_bridge(k->bridge)) {
		snprintf(err, errlen, "config: \"kernel.bridge\": %s exists and is not a bridge",
			 k->bridge);
		goto out;
	}
	if (n->bridge.ifindex == 0) {
		char path[128];
		int e = nfq_bridge_create(nl, k->bridge);
		n->bridge.ifindex = (int)if_nametoindex(k->bridge);
		if (e < 0 || n->bridge.ifindex == 0) {
			snprintf(err, errlen, "cannot create the bridge %s: %s", k->bridge,
				 strerror(e < 0 ? -e : ENODEV));
			goto out;
		}
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", k->bridge);
		nfq_sysctl_write(path, "1"); /* no IPv6 here: fine */
		tof_log(TOF_LOG_INFO, "kernel_bridge_created", TOF_FIELDS(TOF_LOG_STR("bridge", k->bridge)),
			"kernel: created the bridge %s", k->bridge);
	}
	for (int i = 0; i < n->n_s1; i++)
		if (nfq_port_attach(nl, &n->s1[i], k->bridge, n->bridge.ifindex, n->n_s1 == 1, err,
				    errlen) != 0)
			goto out;
	if (nfq_links_up(nl, k->bridge, k->apps, err, errlen) != 0)
		goto out;
	/* br_netfilter: bridged IP packets traverse iptables */
	if (nfq_sysctl_write("/proc/sys/net/bridge/bridge-nf-call-iptables", "1") < 0 ||
	    nfq_sysctl_write("/proc/sys/net/bridge/bridge-nf-call-ip6tables", "1") < 0) {
		snprintf(err, errlen, "br_netfilter is not available (/proc/sys/net/bridge): run "
			 "'modprobe br_netfilter' (as root), or build it into the kernel");
		rc = -1;
		goto out;
	}
	rc = 0;
out:
	mnl_socket_close(nl);
	return rc;
}
