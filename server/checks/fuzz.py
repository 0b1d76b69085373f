#!/usr/bin/env python3
"""The OpenAPI-driven fuzz run against a real Lintel server on loopback.

Starts the given `lintel` binary (see lintel.py), creates an API token with the users
scopes, runs schemathesis with server/checks/schemathesis.toml, stops the server and exits
with schemathesis's code. Extra arguments go to `st run` (e.g. --max-examples 5).

Usage: fuzz.py <path to lintel> [st run options...]
"""

import os
import subprocess
import sys

from lintel import api_token, started

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    lintel, st_args = sys.argv[1], sys.argv[2:]
    with started(lintel, "lintel-fuzz-") as (base, data):
        token = api_token(base, "fuzz", ["users:read", "users:write"])
        config = os.path.join(HERE, "schemathesis.toml")
        command = [sys.executable, "-m", "schemathesis.cli", "--config-file", config, "run",
                   base + "/v1/openapi.json", "-H", "Authorization: Bearer " + token, *st_args]
        # Run in the temporary folder: schemathesis keeps its cache where it runs.
        return subprocess.call(command, cwd=data)


if __name__ == "__main__":
    sys.exit(main())
