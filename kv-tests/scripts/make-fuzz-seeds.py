#!/usr/bin/env python3
"""Writes the seed corpus of PipelineFuzzTest: MCBP request frames as the SDKs send them (HELLO with
the Java SDK's features, SASL, SELECT_BUCKET, the KV commands, sub-document lookups and mutations
with xattrs, flexible-framing frames with durability and preserve-TTL). Each seed is frames followed
by the 8-byte feature mask the fuzz target reads from the end of its input. Run from the repository
root; idempotent."""
import os
import struct

OUT = "kv-frontend/src/test/resources/io/kvfrontend/dispatch/PipelineFuzzTestInputs/anyBytesThroughTheDecoderAndEveryExecutor"
FEATURES_ALL = sum(1 << f for f in (0x04, 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15))
FEATURES_NONE = 0


def frame(op, key=b"", extras=b"", value=b"", cas=0, datatype=0, vb=0, opaque=1, fe=b""):
    if isinstance(key, str):
        key = key.encode()
    if isinstance(value, str):
        value = value.encode()
    body = len(fe) + len(extras) + len(key) + len(value)
    if fe:
        header = struct.pack(">BBBBBBHIIQ", 0x08, op, len(fe), len(key), len(extras), datatype, vb, body, opaque, cas)
    else:
        header = struct.pack(">BBHBBHIIQ", 0x80, op, len(key), len(extras), datatype, vb, body, opaque, cas)
    return header + fe + extras + key + value


def store(op, key, value, flags=0, expiry=0, datatype=0, cas=0):
    return frame(op, key, struct.pack(">II", flags, expiry), value, cas=cas, datatype=datatype)


def subdoc_single(op, key, path, value=b"", pflags=0, dflags=None):
    extras = struct.pack(">HB", len(path), pflags) + (bytes([dflags]) if dflags is not None else b"")
    return frame(op, key, extras, path.encode() + value)


def lookups(*specs):
    out = b""
    for op, flags, path in specs:
        out += struct.pack(">BBH", op, flags, len(path)) + path.encode()
    return out


def mutations(*specs):
    out = b""
    for op, flags, path, value in specs:
        out += struct.pack(">BBHI", op, flags, len(path), len(value)) + path.encode() + value.encode()
    return out


hello = frame(0x1f, '{"a":"java/3.12.1","i":"1/2"}', value=b"".join(struct.pack(">H", f) for f in (
    0x04, 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x0c, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x17, 0x1a, 0x1c, 0x1d, 0x1e, 0x1f, 0x21)))
session = [
    hello,
    frame(0xfe, value=struct.pack(">H", 2)),                       # GetErrorMap v2
    frame(0x21, "PLAIN", value=b"\0Administrator\0password"),     # SASL_AUTH
    frame(0x21, "SCRAM-SHA512", value=b"n,,n=Administrator,r=abcdef0123456789"),
    frame(0x89, "default"),                                       # SELECT_BUCKET
    frame(0xb5),                                                  # GET_CLUSTER_CONFIG
    frame(0xbb, value=b"_default._default"),                      # GET_COLLECTION_ID
]
doc = b'{"name":"Ann","n":10,"tags":["a","b"],"address":{"city":"Oslo"}}'
kv = [
    store(0x01, "doc", doc, datatype=0x01),
    frame(0x00, "doc"), frame(0x0c, "doc"), frame(0x09, "missing"),
    store(0x02, "add", "v"), store(0x03, "doc", "x"), frame(0x04, "add"),
    frame(0x05, "ctr", struct.pack(">QQI", 1, 5, 0)), frame(0x06, "ctr", struct.pack(">QQI", 1, 5, 0)),
    frame(0x0e, "doc", value=b"tail"), frame(0x0f, "doc", value=b"head"),
    frame(0x1c, "doc", struct.pack(">I", 60)), frame(0x1d, "doc", struct.pack(">I", 60)),
    frame(0x94, "doc", struct.pack(">I", 5)), frame(0x95, "doc", cas=1),
    frame(0xa0, "doc", b"\x02"), frame(0x91, vb=0, value=struct.pack(">Q", 1)),
    frame(0x92, value=struct.pack(">HH", 0, 3) + b"doc"),
    frame(0x10), frame(0x10, "vbucket-seqno"), frame(0x0a), frame(0x07), frame(0x48),
    store(0x01, "z", b"\x1c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", datatype=0x02),
]
flex = [
    frame(0x01, "dur", struct.pack(">II", 0, 0), b"{}", datatype=0x01, fe=b"\x11\x01"),   # durability majority
    frame(0x01, "ttl", struct.pack(">II", 0, 0), b"{}", fe=b"\x50"),                       # preserve TTL
    frame(0x00, "imp", fe=b"\x43Administrator"),                                          # impersonate-ish
]
subdoc = [
    subdoc_single(0xc5, "doc", "address.city"),
    subdoc_single(0xc6, "doc", "tags[-1]"),
    subdoc_single(0xd2, "doc", "tags"),
    subdoc_single(0xc8, "doc", "a.b", b"1", pflags=0x01),
    subdoc_single(0xcf, "doc", "n", b"5"),
    subdoc_single(0xcb, "doc", "tags", b'"c","d"'),
    frame(0xd0, "doc", value=lookups((0xc5, 0x04, "$document.exptime"), (0xc5, 0x04, "$document.flags"), (0x00, 0, ""))),
    frame(0xd0, "doc", b"\x04", lookups((0xc5, 0x04, "txn.id"), (0xc5, 0x04, "$document"), (0xc5, 0x04, "$vbucket.HLC"), (0x00, 0, ""))),
    frame(0xd1, "doc", value=mutations((0xc8, 0x05, "meta.by", '"fuzz"'), (0xc8, 0x14, "meta.cas", '"${Mutation.CAS}"'), (0xca, 0, "name", '"Bea"'), (0xcd, 0, "tags[0]", '"z"'), (0xce, 0, "tags", '"e"'), (0xc9, 0, "n", ""))),
    frame(0xd1, "staged", b"\x0e", mutations((0xc8, 0x05, "txn.op.stgd", '{"v":1}'))),
    frame(0xd1, "staged", b"\x14", mutations((0xd3, 0x04, "txn.op.stgd", ""), (0xc9, 0x04, "txn", ""))),
    frame(0xd1, "atr", b"\x01", mutations((0xc7, 0x05, "attempts.a.tid", '"t"'), (0x01, 0, "", "\x00"))),
    frame(0xd1, "doc", value=mutations((0x04, 0, "", ""))),
]
seeds = {
    "session": session + kv,
    "subdoc": session + [kv[0]] + subdoc,
    "flex": session + flex,
    "hello-only": [hello],
}
os.makedirs(OUT, exist_ok=True)
for name, frames in seeds.items():
    for mask_name, mask in (("all", FEATURES_ALL), ("none", FEATURES_NONE)):
        with open(os.path.join(OUT, f"{name}-{mask_name}"), "wb") as f:
            f.write(b"".join(frames) + struct.pack("<q", mask))
print("wrote", len(seeds) * 2, "seeds to", OUT)
