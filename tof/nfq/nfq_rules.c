/* Kernel mode's iptables rules, in a chain of tofd's own ("TOF-<bridge>")
 * of the filter table's FORWARD chain, for IPv4 and IPv6 outer headers:
 * GTP-U (UDP 2152) crossing the bridge goes to the eNB side's or the SGW
 * side's queue with --queue-bypass (nobody listening: ACCEPT), unless the
 * BPF program passes it first (nfq_bpf.h). iptables-nft: other programs may
 * change the ruleset at any time without re-checking our rules (with
 * iptables-legacy every change re-opens our pinned program, and fails once
 * it is gone). Start-up replaces the rules a previous tofd left. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nfq_internal.h"

#define NFQ_SCRIPT_MAX 65536

static const char *const nfq_ipt[2][2] = {
	{ "iptables-nft", "iptables-nft-restore" },
	{ "ip6tables-nft", "ip6tables-nft-restore" },
};

/* Run argv with input on stdin (may be NULL); its output (both streams)
 * in out. Returns the exit status, or -1 if it could not run. */
static int nfq_run(const char *const argv[], const char *input, char *out, size_t outlen)
{
	int in[2] = { -1, -1 }, res[2] = { -1, -1 }, status = -1;
	size_t got = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(res, O_CLOEXEC) != 0)
		goto out;
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(res[1], 1);
		dup2(res[1], 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	in[0] = res[1] = -1;
	if (input) {
		size_t len = strlen(input), done = 0;
		while (done < len) {
			ssize_t w = write(in[1], input + done, len - done);
			if (w <= 0)
				break;
			done += (size_t)w;
		}
	}
	close(in[1]);
	in[1] = -1;
	for (;;) {
		char sink[256];
		bool full = got + 1 >= outlen;
		ssize_t r = full ? read(res[0], sink, sizeof(sink)) :
				   read(res[0], out + got, outlen - got - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (!full) {
			got += (size_t)r;
			out[got] = '\0';
		}
	}
	while (got > 0 && (out[got - 1] == '\n' || out[got - 1] == ' '))
		out[--got] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (res[i] >= 0)
			close(res[i]);
	}
	return status;
}

/* The jump from FORWARD into our chain: op is -C, -D, or -I (at the top). */
static int nfq_jump(struct tof_nfq *n, int v6, const char *op, char *out, size_t outlen)
{
	const char *argv[] = { nfq_ipt[v6][0], op, "FORWARD", strcmp(op, "-I") == 0 ? "1" : NULL,
			       "-i", n->bridge.name, "-p", "udp", "--dport", "2152", "-m",
			       "comment", "--comment", "tofd: S1-U to the TOF", "-j", n->chain,
			       NULL };

	if (argv[3] == NULL) /* no rule number: close the gap */
		memmove(&argv[3], &argv[4], sizeof(argv) - 4 * sizeof(argv[0]));
	return nfq_run(argv, NULL, out, outlen);
}

/* Comma-separated prefixes of one family ("" if none). */
static void nfq_prefixes(const struct tof_prefix *list, unsigned int n, int v6, char *out,
			 size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < n; i++) {
		char a[GTP_ADDR_STRLEN];
		if ((list[i].addr.family == GTP_AF_INET6) != v6)
			continue;
		int w = snprintf(out + used, len - used, "%s%s/%u", used ? "," : "",
				 gtp_addr_format(&list[i].addr, a, sizeof(a)), list[i].plen);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}

/* The queue of one side. src: the sources its packets have ("" = any). */
static size_t nfq_side(struct tof_nfq *n, char *s, size_t room, const char *port, const char *src,
		       uint16_t queue)
{
	int w = snprintf(s, room, "-A %s -m physdev --physdev-in %s%s%s -j NFQUEUE --queue-num %u "
			 "--queue-bypass\n", n->chain, port, src[0] ? " -s " : "", src, queue);

	return w < 0 || (size_t)w >= room ? room - 1 : (size_t)w;
}

static int nfq_rules_family(struct tof_nfq *n, int v6, char *err, size_t errlen)
{
	const struct tof_config *cfg = n->ctx.cfg;
	char *script = malloc(NFQ_SCRIPT_MAX), out[1024];
	char enb[2048] = "", sgw[2048] = "";
	size_t used;
	int rc = -1;

	if (script == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	used = (size_t)snprintf(script, NFQ_SCRIPT_MAX, "*filter\n:%s - [0:0]\n", n->chain);
	/* First the kernel's own pass, whichever side: the one rule most
	 * packets see. */
	if (n->bpf_on)
		used += (size_t)snprintf(script + used, NFQ_SCRIPT_MAX - used,
					 "-A %s -m bpf --object-pinned %s -j ACCEPT\n", n->chain,
					 n->bpf.pin);
	if (n->n_s1 == 2) {
		used += nfq_side(n, script + used, NFQ_SCRIPT_MAX - used, n->s1[0].name, "",
				 cfg->kernel.queue_enb);
		used += nfq_side(n, script + used, NFQ_SCRIPT_MAX - used, n->s1[1].name, "",
				 cfg->kernel.queue_sgw);
	} else {
		/* single mode: which side a packet comes from, by its source */
		nfq_prefixes(cfg->enb, cfg->n_enb, v6, enb, sizeof(enb));
		nfq_prefixes(cfg->sgw, cfg->n_sgw, v6, sgw, sizeof(sgw));
		if (enb[0])
			used += nfq_side(n, script + used, NFQ_SCRIPT_MAX - used, n->s1[0].name, enb,
					 cfg->kernel.queue_enb);
		if (sgw[0])
			used += nfq_side(n, script + used, NFQ_SCRIPT_MAX - used, n->s1[0].name, sgw,
					 cfg->kernel.queue_sgw);
	}
	snprintf(script + used, NFQ_SCRIPT_MAX - used, "COMMIT\n");
	const char *restore[] = { nfq_ipt[v6][1], "--noflush", NULL };
	int st = nfq_run(restore, script, out, sizeof(out));
	if (st != 0) {
		snprintf(err, errlen, "%s: %s%s", nfq_ipt[v6][1],
			 st == 127 || st < 0 ? "cannot run it (kernel mode needs iptables: "
					       "apt-get install iptables) " : "",
			 out);
		goto done;
	}
	/* The jump goes in last, once, in front of the host's own rules. */
	if (nfq_jump(n, v6, "-C", out, sizeof(out)) != 0 &&
	    nfq_jump(n, v6, "-I", out, sizeof(out)) != 0) {
		snprintf(err, errlen, "%s -I FORWARD: %s", nfq_ipt[v6][0], out);
		goto done;
	}
	rc = 0;
done:
	free(script);
	return rc;
}

int nfq_rules_install(struct tof_nfq *n, char *err, size_t errlen)
{
	for (int v6 = 0; v6 < 2; v6++) {
		if (nfq_rules_family(n, v6, err, errlen) != 0) {
			nfq_rules_remove(n);
			return -1;
		}
	}
	n->rules_on = true;
	return 0;
}

void nfq_rules_remove(struct tof_nfq *n)
{
	char out[1024];

	for (int v6 = 0; v6 < 2; v6++) {
		for (int i = 0; i < 16 && nfq_jump(n, v6, "-D", out, sizeof(out)) == 0; i++)
			;
		const char *flush[] = { nfq_ipt[v6][0], "-F", n->chain, NULL };
		const char *del[] = { nfq_ipt[v6][0], "-X", n->chain, NULL };
		nfq_run(flush, NULL, out, sizeof(out));
		nfq_run(del, NULL, out, sizeof(out));
	}
	n->rules_on = false;
}
