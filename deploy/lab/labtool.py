#!/usr/bin/python3
"""Helpers for deploy/lab/lab.sh and tests/live (stdlib only).

  labtool.py pdp                 PDP contexts from the GGSN's VTY, one a line:
                                 ue_ip sgw_ip uplink_teid enb_ip downlink_teid imsi
  labtool.py vty CMD...          run VTY commands on the GGSN, print the output
  labtool.py gtpu-echo SRC DST [--timeout S] [--tries N]
                                 send a GTP-U Echo Request from SRC (ephemeral
                                 port) to DST:2152; exit 0 when the Echo
                                 Response comes back, 1 when it does not

Run the first two inside tof-sgw (the VTY listens on 127.0.0.1 there), the
last one in the namespace that owns SRC.
"""
import re
import socket
import struct
import sys
import time

VTY_PORT = 4260
GTPU_PORT = 2152


def _strip_telnet(data):
    """Drop telnet negotiation (IAC sequences) from VTY output."""
    out = bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        if b == 0xFF and i + 1 < len(data):
            cmd = data[i + 1]
            if cmd in (0xFB, 0xFC, 0xFD, 0xFE):  # WILL WONT DO DONT opt
                i += 3
                continue
            if cmd == 0xFA:  # SB ... IAC SE
                end = data.find(b"\xff\xf0", i + 2)
                i = len(data) if end < 0 else end + 2
                continue
            i += 2
            continue
        out.append(b)
        i += 1
    return bytes(out)


def vty(commands, timeout=5.0):
    """Run VTY commands; return the output of each (prompt lines removed)."""
    s = socket.create_connection(("127.0.0.1", VTY_PORT), timeout=timeout)
    deadline = time.monotonic() + timeout

    def read_prompt():
        buf = b""
        while True:
            clean = _strip_telnet(buf)
            if re.search(rb"[>#] $", clean):
                return clean
            if time.monotonic() > deadline:
                raise TimeoutError("no VTY prompt from osmo-ggsn")
            d = s.recv(65536)
            if not d:
                return clean
            buf += d

    read_prompt()
    outs = []
    for cmd in commands:
        s.sendall(cmd.encode() + b"\r\n")
        text = read_prompt().decode(errors="replace")
        lines = text.replace("\r", "").split("\n")
        # first line echoes the command, the last holds the next prompt
        outs.append("\n".join(l for l in lines[1:-1]))
    s.close()
    return outs


def pdp_contexts():
    """[(ue_ip, sgw_ip, ul_teid, enb_ip, dl_teid, imsi)] from the GGSN."""
    text = vty(["show pdp-context ggsn ggsn0"])[0]
    res = []
    cur = {}
    for line in text.split("\n"):
        m = re.match(r"IMSI: (\S+?),", line)
        if m:
            cur = {"imsi": m.group(1)}
            continue
        m = re.match(r"\s*Data: ([\d.]+):([0-9a-fA-F]+) <-> ([\d.]+):([0-9a-fA-F]+)", line)
        if m:
            cur.update(sgw=m.group(1), ul=int(m.group(2), 16), enb=m.group(3), dl=int(m.group(4), 16))
            continue
        m = re.match(r"\s*End-User Address \(IPv4\): ([\d.]+)", line)
        if m and "sgw" in cur:
            res.append((m.group(1), cur["sgw"], cur["ul"], cur["enb"], cur["dl"], cur["imsi"]))
    return res


def gtpu_echo(src, dst, timeout=1.0, tries=1, seq=0x7E57):
    """Echo Request src:ephemeral -> dst:2152; True when answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(timeout)
    # GTPv1-U, PT=1, S=1: flags 0x32, type 1 (Echo Request), len 4, TEID 0
    for t in range(tries):
        sq = (seq + t) & 0xFFFF
        s.sendto(struct.pack("!BBHIHBB", 0x32, 1, 4, 0, sq, 0, 0), (dst, GTPU_PORT))
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                d, _ = s.recvfrom(2048)
            except socket.timeout:
                break
            if len(d) >= 12 and d[1] == 2 and struct.unpack("!H", d[8:10])[0] == sq:
                return True
    return False


def udp_echo(src, dst, port, count, timeout):
    """Datagrams out, their echoes back (same payload, from dst:port)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(timeout)
    got = 0
    for i in range(count):
        payload = b"tof-lab udp %d" % i
        s.sendto(payload, (dst, port))
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                data, peer = s.recvfrom(2048)
            except socket.timeout:
                break
            if data == payload and peer == (dst, port):
                got += 1
                break
    s.close()
    return got


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "pdp":
        for row in pdp_contexts():
            print("%s %s 0x%08x %s 0x%08x %s" % row)
        return 0
    if cmd == "vty":
        for out in vty(args):
            print(out)
        return 0
    if cmd == "gtpu-echo":
        timeout, tries = 1.0, 1
        pos = []
        i = 0
        while i < len(args):
            if args[i] == "--timeout":
                timeout = float(args[i + 1])
                i += 2
            elif args[i] == "--tries":
                tries = int(args[i + 1])
                i += 2
            else:
                pos.append(args[i])
                i += 1
        if len(pos) != 2:
            print("usage: labtool.py gtpu-echo SRC DST [--timeout S] [--tries N]", file=sys.stderr)
            return 2
        return 0 if gtpu_echo(pos[0], pos[1], timeout, tries) else 1
    if cmd == "udp-echo":
        opts = {"--count": 5, "--timeout": 1.0}
        pos = []
        i = 0
        while i < len(args):
            if args[i] in opts:
                opts[args[i]] = type(opts[args[i]])(args[i + 1])
                i += 2
            else:
                pos.append(args[i])
                i += 1
        if len(pos) != 3:
            print("usage: labtool.py udp-echo SRC DST PORT [--count N] [--timeout S]",
                  file=sys.stderr)
            return 2
        got = udp_echo(pos[0], pos[1], int(pos[2]), opts["--count"], opts["--timeout"])
        print("%d of %d echoed" % (got, opts["--count"]))
        return 0 if got == opts["--count"] else 1
    print("labtool.py: unknown command %r" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
