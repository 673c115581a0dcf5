"""moto's server, serving one request at a time.

moto's stock `moto_server` is threaded, and moto evaluates a DynamoDB condition expression and applies
the write without a lock: two concurrent conditional writes can both "win", which real DynamoDB never
allows. The contract tests race 50 writers on one item on purpose, so they run against this
single-threaded server, where each request is atomic as it is on AWS. Usage: moto_server.py HOST PORT
"""

import os
import sys

from moto.moto_server.threaded_moto_server import DomainDispatcherApplication, MotoRequestHandler
from moto.server import create_backend_app
from werkzeug.serving import run_simple


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    # moto builds some URLs (e.g. in responses) from its own port.
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(host, port, app, threaded=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
