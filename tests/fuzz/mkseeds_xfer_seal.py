#!/usr/bin/env python3
"""The seed corpus of fuzz_xfer_seal: records sealed as xfer/xfer_seal.c
seals them, under the target's fixed key and challenge (keep the two
alike).  Writes tests/fuzz/corpus/fuzz_xfer_seal/ anew.

    tests/fuzz/mkseeds_xfer_seal.py
"""
import os
import shutil
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY = b"corral fuzz key, 32 bytes long!\0"
CHAL = b"corral fuzz challenge, 32 bytes\0"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "corpus", "fuzz_xfer_seal")


def seal(direction, counter, text):
    hdr = struct.pack(">I", len(text))
    iv = struct.pack(">IQ", direction, counter)
    return hdr + AESGCM(KEY).encrypt(iv, text, hdr)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    seeds = {
        # 0: the sender's records after its hello (counter 1 on)
        "stream_two": b"\0" + seal(0, 1, b"ENTRIES") + seal(0, 2, b""),
        "stream_tampered": b"\0" + seal(0, 1, b"DATA")[:-1] + b"\x01",
        "stream_cut": b"\0" + seal(0, 1, b"a longer record")[:20],
        "stream_too_big": b"\0" + struct.pack(">I", 256 * 1024 + 1),
        "stream_replayed": b"\0" + seal(0, 1, b"x") + seal(0, 1, b"x"),
        "stream_reflected": b"\0" + seal(1, 1, b"from the receiver"),
        # 1: a first record over the challenge, and wrong ones
        "hello": b"\1" + seal(0, 0, b"corral direct v4" + CHAL),
        "hello_other_chal": b"\1" + seal(0, 0, b"corral direct v4" +
                                         bytes(32)),
        "hello_counter_1": b"\1" + seal(0, 1, b"corral direct v4" + CHAL),
        # 2: plaintexts in chunks
        "round": b"\2" + b"\5hello\0\x10" + bytes(range(16)),
    }
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
