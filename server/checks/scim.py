#!/usr/bin/env python3
"""An independent SCIM 2.0 conformance check (scim2-tester) against a real Lintel server.

Starts the given `lintel` binary (see lintel.py), creates an API token with the `scim`
scope, runs every check of scim2-tester (discovery, then create, read, query with
attributes, replace, patch add/replace/remove and delete for each resource type the server
publishes), prints each result, and exits non-zero when any check reports an ERROR or a
CRITICAL (a MUST of RFC 7643/7644 broken). DEVIATIONs (a SHOULD not followed) are printed.

Usage: scim.py <path to lintel>
"""

import sys

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from lintel import api_token, started

FAILING = {Status.ERROR, Status.CRITICAL}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with started(sys.argv[1], "lintel-scim-") as (base, _):
        token = api_token(base, "scim-check", ["scim"])
        http = httpx2.Client(base_url=base + "/scim/v2", headers={"Authorization": "Bearer " + token}, timeout=30)
        results = check_server(SyncSCIMClient(http))
    counts = {}
    for r in results:
        counts[r.status.name] = counts.get(r.status.name, 0) + 1
        where = f"[{r.resource_type}] " if r.resource_type else ""
        line = f"{r.status.name:<10} {where}{r.title}"
        if r.reason and r.status not in (Status.SUCCESS, Status.COMPLIANT):
            line += f": {r.reason}"
        print(line)
        if r.status in FAILING and r.data is not None:
            print(f"           data: {r.data!r}"[:2000])
    print("scim2-tester: " + ", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items())))
    return 1 if any(r.status in FAILING for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
