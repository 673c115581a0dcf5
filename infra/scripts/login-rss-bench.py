#!/usr/bin/env python3
"""Memory benchmark of password hashing: RSS of the local server before and after bursts of parallel
failed logins.

Starts `onair-local` (default: target/debug/onair-local; pass another path as the first argument) on the
embedded store, then sends BURSTS bursts of PARALLEL simultaneous failed logins with unknown login names,
each request of a burst from its own 127.0.1.x source address so that neither the per-account nor the
per-IP lockout (20 per IP per 15 minutes) stops a login before its password is hashed. Prints VmRSS and
VmHWM (peak) of the server from /proc before and after, and the status codes the logins got (401: the
password was checked; 503: the hashing queue was full for longer than the wait deadline).

Usage: infra/scripts/login-rss-bench.py [path/to/onair-local] [--bursts 6] [--parallel 32]
Python standard library only; Linux only (/proc, 127.0.0.0/8 on the loopback interface).
"""

import argparse
import collections
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/{pid}/status")


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def start_server(binary):
    demo_file = os.path.join(tempfile.mkdtemp(), "demo.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(ONAIR_LISTEN="127.0.0.1:0", ONAIR_DEMO_FILE=demo_file, RUST_LOG="warn")
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with open(demo_file) as f:
                return proc, json.load(f)
        except (OSError, ValueError):
            time.sleep(0.05)
    proc.kill()
    sys.exit("onair-local did not write its demo file within 30 s")


def login_form(host, port, demo):
    """The hidden fields of the login form and its CSRF cookie."""
    query = urllib.parse.urlencode(
        {"response_type": "code", "client_id": demo["client_id"], "redirect_uri": demo["redirect_uri"]}
    )
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", f"/oauth/authorize?{query}")
    reply = conn.getresponse()
    html = reply.read().decode()
    cookie = re.search(r"onair_csrf=([^;]+)", reply.getheader("set-cookie") or "").group(1)
    hidden = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', html)
    conn.close()
    return hidden, cookie


def attempt(host, port, source, hidden, cookie, login, results, lock):
    body = urllib.parse.urlencode(hidden + [("login", login), ("password", "wrong password"), ("action", "login")])
    try:
        conn = http.client.HTTPConnection(host, port, timeout=60, source_address=(source, 0))
        conn.request(
            "POST",
            "/oauth/authorize",
            body=body,
            headers={"content-type": "application/x-www-form-urlencoded", "cookie": f"onair_csrf={cookie}"},
        )
        status = conn.getresponse().status
        conn.close()
    except OSError as e:
        status = f"error {e.__class__.__name__}"
    with lock:
        results[status] += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", nargs="?", default=os.path.join(ROOT, "target/debug/onair-local"))
    parser.add_argument("--bursts", type=int, default=6)
    parser.add_argument("--parallel", type=int, default=32)
    args = parser.parse_args()
    proc, demo = start_server(args.binary)
    try:
        url = urllib.parse.urlparse(demo["base_url"])
        host, port = url.hostname, url.port
        hidden, cookie = login_form(host, port, demo)
        before_rss, before_hwm = status_kib(proc.pid, "VmRSS"), status_kib(proc.pid, "VmHWM")
        print(f"before: VmRSS {mib(before_rss)}, VmHWM {mib(before_hwm)}")
        results, lock = collections.Counter(), threading.Lock()
        started = time.time()
        for burst in range(args.bursts):
            threads = [
                threading.Thread(
                    target=attempt,
                    args=(host, port, f"127.0.1.{i + 1}", hidden, cookie, f"nobody-{burst}-{i}", results, lock),
                )
                for i in range(args.parallel)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rss = status_kib(proc.pid, "VmRSS")
            print(f"burst {burst + 1}: VmRSS {mib(rss)}")
        elapsed = time.time() - started
        after_rss, after_hwm = status_kib(proc.pid, "VmRSS"), status_kib(proc.pid, "VmHWM")
        print(f"after {args.bursts}x{args.parallel} failed logins in {elapsed:.1f} s: "
              f"VmRSS {mib(after_rss)}, VmHWM {mib(after_hwm)}")
        print("statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(results.items(), key=str)))
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
