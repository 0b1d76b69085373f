#!/usr/bin/env python3
"""The OpenAPI-driven fuzz run against a real Lintel server on loopback.

Starts the given `lintel` binary on 127.0.0.1:0 with a fresh data folder and a bootstrap
SUPER, creates an API token with the users scopes (as an integration would hold), runs
schemathesis with server/fuzz/schemathesis.toml, stops the server and exits with
schemathesis's code. Extra arguments go to `st run` (e.g. --max-examples 5).

Usage: run.py <path to lintel> [st run options...]
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "fuzzing admin password 1"


def call(base, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def api_token(base):
    login = call(base, "POST", "/v1/login", body={"username": "admin", "password": PASSWORD})["access_token"]
    account = call(base, "GET", "/v1/accounts/self", login)["accounts"][0]["id"]
    site = call(base, "POST", f"/v1/login/{account}", login)["access_token"]
    created = call(base, "POST", "/v1/tokens", site, {"name": "fuzz", "scopes": ["users:read", "users:write"]})
    return created["token"]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    lintel, st_args = sys.argv[1], sys.argv[2:]
    with tempfile.TemporaryDirectory(prefix="lintel-fuzz-") as data:
        env = dict(
            os.environ,
            LINTEL_DATA_DIR=data,
            LINTEL_LISTEN="127.0.0.1:0",
            LINTEL_BOOTSTRAP_ADMIN="admin:" + PASSWORD,
            RUST_LOG="warn",
        )
        server = subprocess.Popen([lintel], env=env, stdout=subprocess.PIPE, text=True)
        try:
            base = None
            for line in server.stdout:
                found = re.search(r"listening on (127\.0\.0\.1:\d+)", line)
                if found:
                    base = "http://" + found.group(1)
                    break
            if base is None:
                sys.exit("fuzz: the server did not start")
            # Keep reading what the server prints, so a full pipe never stalls it.
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            token = api_token(base)
            config = os.path.join(HERE, "schemathesis.toml")
            command = [sys.executable, "-m", "schemathesis.cli", "--config-file", config, "run",
                       base + "/v1/openapi.json", "-H", "Authorization: Bearer " + token, *st_args]
            # Run in the temporary folder: schemathesis keeps its cache where it runs.
            return subprocess.call(command, cwd=data)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
