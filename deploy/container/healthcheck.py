"""The image's HEALTHCHECK: exit 0 when the service in this container answers /health.

Liveness: "degraded" (stale input data, see the watchdog) is still a live service; a
container restart would not bring the snapshots back.

Reads the port from FEDERATION_SERVICE__PORT (default 8000), like the service does, and
asks on loopback, so the service must listen on 0.0.0.0 or 127.0.0.1 (the image's
default is 0.0.0.0). Standard library only: the image has no curl.
"""

import json
import os
import sys
import urllib.request

port = int(os.environ.get("FEDERATION_SERVICE__PORT", "8000"))
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=3) as reply:  # noqa: S310 - a fixed http URL
        ok = reply.status == 200 and json.load(reply).get("status") in {"ok", "degraded"}
except (OSError, ValueError):
    ok = False
sys.exit(0 if ok else 1)
