#!/usr/bin/env python3
"""Fuzzes the local server against its own OpenAPI document with schemathesis.

Starts `onair-local` on the embedded store (a free 127.0.0.1 port, the demo written to a file), signs
the demo streamer in the way PRISM does (authorization page, login form, code, token endpoint) to get a
real access token, then runs schemathesis over every operation of the served `/openapi.json` with the
admin token, the demo client's credentials and that access token. It fails on any 5xx and on any
reply that the document does not describe (status, content type, headers, body).

Usage: schemathesis.py LOCAL_BINARY [MAX_EXAMPLES]
Environment: ONAIR_SCHEMATHESIS_SEED fixes hypothesis' seed (default: a fixed one, so CI is
reproducible); ONAIR_SCHEMATHESIS_REPORT names a directory for the JUnit report.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_login import access_token  # noqa: E402

CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
])
DEFAULT_SEED = "20261130"

# schemathesis with its two workers describes hypothesis filter lambdas by parsing their source with
# `ast.parse` on both threads at once, which CPython 3.11 sometimes fails with "SystemError: AST
# constructor recursion depth mismatch" — a Runtime Error on a random operation, whatever the API did
# (seen about one run in three at 100 examples). Serialising `ast.parse` removes the race; nothing else
# changes.
SCHEMATHESIS = """
import ast, sys, threading
_parse, _lock = ast.parse, threading.Lock()
def _serialised_parse(*args, **kwargs):
    with _lock:
        return _parse(*args, **kwargs)
ast.parse = _serialised_parse
from schemathesis.cli import schemathesis
sys.argv[0] = "schemathesis"
sys.exit(schemathesis())
"""


def start_server(binary: str, workdir: Path) -> tuple[subprocess.Popen, dict]:
    demo_file = workdir / "demo.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update({"ONAIR_LISTEN": "127.0.0.1:0", "ONAIR_DEMO_FILE": str(demo_file), "ONAIR_STORE": "embedded",
                "ONAIR_SECRETS": "static"})
    log = open(workdir / "server.log", "wb")
    server = subprocess.Popen([binary], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"onair-local exited with {server.returncode}; see {workdir / 'server.log'}")
        try:
            return server, json.loads(demo_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            time.sleep(0.1)
    server.kill()
    sys.exit("onair-local did not write its demo within 30 s")


def main() -> int:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    max_examples = sys.argv[2] if len(sys.argv) > 2 else "100"
    venv_bin = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="onair-schemathesis-") as tmp:
        workdir = Path(tmp)
        server, demo = start_server(binary, workdir)
        try:
            token = access_token(demo, state="schemathesis")
            # Credentials go by security scheme, so each operation gets exactly the ones it declares.
            config = workdir / "schemathesis.toml"
            config.write_text(f"""
[auth.openapi.adminToken]
bearer = "${{ONAIR_ST_ADMIN}}"
[auth.openapi.prismAccessToken]
api_key = "${{ONAIR_ST_ACCESS}}"
[auth.openapi.bearerAccessToken]
bearer = "${{ONAIR_ST_ACCESS}}"
[auth.openapi.prismClientId]
api_key = "${{ONAIR_ST_CLIENT_ID}}"
[auth.openapi.prismClientSecret]
api_key = "${{ONAIR_ST_CLIENT_SECRET}}"
[auth.openapi.clientSecretBasic]
username = "${{ONAIR_ST_CLIENT_ID}}"
password = "${{ONAIR_ST_CLIENT_SECRET}}"
[auth.openapi.ingestToken]
api_key = "${{ONAIR_ST_INGEST}}"
""")
            env = {**os.environ, "ONAIR_ST_ADMIN": demo["admin_token"], "ONAIR_ST_ACCESS": token,
                   "ONAIR_ST_CLIENT_ID": demo["client_id"], "ONAIR_ST_CLIENT_SECRET": demo["client_secret"],
                   "ONAIR_ST_INGEST": demo["ingest_secret"]}
            command = [
                sys.executable, "-c", SCHEMATHESIS, "--no-color", "--config-file", str(config), "run",
                f"{demo['base_url']}/openapi.json",
                "--checks", CHECKS,
                "--max-examples", max_examples,
                "--seed", os.environ.get("ONAIR_SCHEMATHESIS_SEED", DEFAULT_SEED),
                "--workers", "2",
                "--request-timeout", "30",
                "--max-redirects", "0",
                "--generation-database", "none",
                "--suppress-health-check", "all",
            ]
            report = os.environ.get("ONAIR_SCHEMATHESIS_REPORT")
            if report:
                command += ["--report", "junit", "--report-dir", report]
            started = time.monotonic()
            result = subprocess.run(command, env=env)
            print(f"schemathesis finished in {time.monotonic() - started:.0f} s with exit code {result.returncode}")
            if result.returncode != 0:
                log = (workdir / "server.log").read_text(errors="replace").splitlines()
                errors = [line for line in log if " ERROR " in line]
                print("server errors logged:", *errors[-20:], sep="\n  ")
            return result.returncode
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main())
