#!/usr/bin/env python3
"""Turns a packet capture of real clients talking to the server into PipelineFuzzTest seeds.

    pcap-to-seeds.py CAPTURE.pcap SERVER_PORT OUT_DIR [MAX_SEEDS]

Reassembles every TCP stream towards SERVER_PORT (client to server only), names it by the agent in
its HELLO (e.g. "couchbase-nodejs", "java"), drops streams of kv-bench's own raw client, and keeps
the stream cut at frame boundaries into chunks of at most 60 frames and 48 KiB, one chunk per
distinct set of opcodes. Each seed is the stream's bytes followed by the 8-byte feature mask PipelineFuzzTest reads
from the end of its input (the features the client's HELLO asked for). Files are named
sdk-<agent>-<nn> and written only when new; existing sdk-* seeds from the same agent are replaced.
Standard library only."""
import hashlib
import json
import os
import re
import struct
import sys

MAX_FRAMES = 60
MAX_BYTES = 48 * 1024


def packets(path):
    """(link type, packet bytes) of every record in a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        sys.exit(f"{path}: not a pcap file (pcapng is not read here: run tcpdump with -w)")
    link = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        yield link, data[off + 16:off + 16 + incl]
        off += 16 + incl


def ip_payload(link, pkt):
    """The IP packet inside a link-layer frame, or None."""
    if link == 1:  # Ethernet (Linux loopback is captured as Ethernet)
        ethertype, off = struct.unpack(">H", pkt[12:14])[0], 14
    elif link == 113:  # Linux cooked
        ethertype, off = struct.unpack(">H", pkt[14:16])[0], 16
    elif link == 276:  # Linux cooked v2
        ethertype, off = struct.unpack(">H", pkt[0:2])[0], 20
    elif link == 0:  # BSD loopback
        return pkt[4:]
    else:
        sys.exit(f"link type {link} is not read here")
    return pkt[off:] if ethertype in (0x0800, 0x86DD) else None


def tcp_segments(link, pkt):
    """(flow, seq, flags, payload) of a TCP segment, or None."""
    ip = ip_payload(link, pkt)
    if not ip:
        return None
    version = ip[0] >> 4
    if version == 4:
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 6:
            return None
        total = struct.unpack(">H", ip[2:4])[0]
        src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:total]
    elif version == 6:
        if ip[6] != 6:
            return None
        plen = struct.unpack(">H", ip[4:6])[0]
        src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + plen]
    else:
        return None
    sport, dport, seq = struct.unpack(">HHI", tcp[:8])
    doff = (tcp[12] >> 4) * 4
    flags = tcp[13]
    return (src, sport, dst, dport), seq, flags, tcp[doff:]


def streams(path, port):
    """Client-to-server bytes of every connection to `port`, in connection order."""
    segs = {}
    order = []
    for link, pkt in packets(path):
        s = tcp_segments(link, pkt)
        if not s:
            continue
        flow, seq, flags, payload = s
        if flow[3] != port:
            continue
        if flow not in segs:
            segs[flow] = {"isn": None, "parts": []}
            order.append(flow)
        st = segs[flow]
        if flags & 0x02:  # SYN
            st["isn"] = (seq + 1) & 0xFFFFFFFF
        if payload:
            st["parts"].append((seq, payload))
    out = []
    for flow in order:
        st = segs[flow]
        if not st["parts"]:
            continue
        base = st["isn"] if st["isn"] is not None else st["parts"][0][0]
        buf = bytearray()
        for rel, payload in sorted(((seq - base) & 0xFFFFFFFF, p) for seq, p in st["parts"]):
            if rel + len(payload) > len(buf) and rel <= len(buf):  # skip retransmissions, overlap
                buf += payload[len(buf) - rel:]
        out.append(bytes(buf))
    return out


def frames(data):
    """Whole request frames at the start of `data` (both magics), until one is cut or malformed."""
    off = 0
    while off + 24 <= len(data) and data[off] in (0x80, 0x08):
        body = struct.unpack(">I", data[off + 8:off + 12])[0]
        if off + 24 + body > len(data):
            break
        yield data[off:off + 24 + body]
        off += 24 + body


def key_of(frame):
    if frame[0] == 0x08:
        fe, klen, ext = frame[2], frame[3], frame[4]
    else:
        fe, klen, ext = 0, struct.unpack(">H", frame[2:4])[0], frame[4]
    start = 24 + fe + ext
    return frame[start:start + klen], frame[start + klen:]


def agent_and_features(first):
    """The HELLO's agent name (slug) and requested features as a mask, or None if no HELLO."""
    if first[1] != 0x1F:
        return None
    key, value = key_of(first)
    text = key.decode("utf-8", "replace")
    try:
        agent = json.loads(text).get("a", "")
    except ValueError:
        agent = text
    slug = re.sub(r"[^a-z0-9]+", "-", agent.split("/")[0].lower()).strip("-") or "unnamed"
    mask = 0
    for i in range(0, len(value) - 1, 2):
        f = struct.unpack(">H", value[i:i + 2])[0]
        if f < 63:
            mask |= 1 << f
    return slug, mask


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    capture, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    chosen = {}
    seen = set()
    total = 0
    for data in streams(capture, port):
        total += 1
        fs = list(frames(data))
        if not fs:
            continue
        named = agent_and_features(fs[0])
        if not named or named[0].startswith("kv-bench"):
            continue
        agent, mask = named
        # Consecutive chunks of the stream: the fuzz target's session is already logged in with a
        # bucket selected, so a chunk from the middle of a long connection runs as it did.
        chunk, size = [], 0
        for f in fs + [None]:
            if f is None or len(chunk) == MAX_FRAMES or size + len(f) > MAX_BYTES:
                signature = (agent, frozenset(c[1] for c in chunk))
                if chunk and signature not in seen:
                    seen.add(signature)
                    chosen.setdefault(agent, []).append(b"".join(chunk) + struct.pack("<q", mask))
                chunk, size = [], 0
                if f is None or len(f) > MAX_BYTES:
                    continue
            chunk.append(f)
            size += len(f)
    os.makedirs(out, exist_ok=True)
    written = 0
    for agent, seeds in chosen.items():
        for name in os.listdir(out):
            if name.startswith(f"sdk-{agent}-"):
                os.remove(os.path.join(out, name))
        # The richest streams (most distinct opcodes) first.
        seeds.sort(key=lambda s: (-len(set(f[1] for f in frames(s[:-8]))), hashlib.sha1(s).hexdigest()))
        for i, seed in enumerate(seeds[:limit]):
            with open(os.path.join(out, f"sdk-{agent}-{i:02d}"), "wb") as f:
                f.write(seed)
            written += 1
        opcodes = sorted({f[1] for s in seeds for f in frames(s[:-8])})
        print(f"{agent}: {len(seeds)} distinct streams, wrote {min(len(seeds), limit)}; opcodes "
              + " ".join(f"{o:02x}" for o in opcodes))
    print(f"{total} connections in {capture}; wrote {written} seeds to {out}")


if __name__ == "__main__":
    main()
