"""A real Lintel server on loopback for the external checkers (fuzz.py, scim.py).

`started(lintel)` runs the given binary on 127.0.0.1:0 with a fresh data folder and a
bootstrap SUPER, yields its base URL and its data folder, and stops it afterwards;
`api_token(base, scopes)` signs in as that SUPER and creates an API token, as an
integration would hold one.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.request

PASSWORD = "external checks admin password 1"


def call(base, method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def api_token(base, name, scopes):
    login = call(base, "POST", "/v1/login", body={"username": "admin", "password": PASSWORD})["access_token"]
    account = call(base, "GET", "/v1/accounts/self", login)["accounts"][0]["id"]
    site = call(base, "POST", f"/v1/login/{account}", login)["access_token"]
    return call(base, "POST", "/v1/tokens", site, {"name": name, "scopes": scopes})["token"]


@contextlib.contextmanager
def started(lintel, prefix):
    with tempfile.TemporaryDirectory(prefix=prefix) as data:
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
                sys.exit("the server did not start")
            # Keep reading what the server prints, so a full pipe never stalls it.
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            yield base, data
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
