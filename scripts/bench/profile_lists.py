#!/usr/bin/env python3
"""Prints one cryptrec-high list in OpenSSL syntax (colon-separated), read from the profile's
single source of truth, Sources/SekishoCore/CryptrecHighProfile.swift, so that the nginx
configuration in compare.sh cannot drift from what sekisho enforces.

Usage: profile_lists.py CryptrecHighProfile.swift tls12|tls13|groups|sigalgs
"""
import re
import sys

NAMES = {
    "tls12": "tls12CipherSuites",
    "tls13": "tls13CipherSuites",
    "groups": "groups",
    "sigalgs": "signatureAlgorithms",
}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in NAMES:
        sys.exit(__doc__)
    text = open(sys.argv[1], encoding="utf-8").read()
    start = re.search(r"static let %s\s*:[^=]*=\s*\[" % NAMES[sys.argv[2]], text)
    if not start:
        sys.exit("profile_lists.py: %s not found in %s" % (NAMES[sys.argv[2]], sys.argv[1]))
    body = text[start.end():text.index("\n    ]", start.end())]
    body = re.sub(r"//[^\n]*", "", body)
    if sys.argv[2] == "sigalgs":
        items = re.findall(r'"([^"]+)"', body)
    else:
        items = re.findall(r'openSSL:\s*"([^"]+)"', body)
    if not items:
        sys.exit("profile_lists.py: empty list for " + sys.argv[2])
    print(":".join(items))


main()
