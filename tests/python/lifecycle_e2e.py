#!/usr/bin/env python3
"""The broadcast lifecycle end to end, driven by Google's own client library.

Starts `onair-local` on the chosen store (the embedded one, or DynamoDB on the moto server named by
AWS_ENDPOINT_URL), a real nginx-rtmp ingest with its hooks pointed at that server (`infra/ingest/run`),
signs the demo streamer in through the real login page, and then drives YouTube's Live Streaming API with
`googleapiclient` built from the `youtube.v3.json` discovery document it ships, its endpoint set to the
local server. A real ffmpeg publishes a generated test pattern into nginx-rtmp.

Usage: lifecycle_e2e.py LOCAL_BINARY {embedded|dynamodb}   (run by the integration test
`youtube::lifecycle_client`, so by the test command, on both stores)
Exit status 0 only if every test passed.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra/scripts"))
from demo_login import access_token  # noqa: E402

SETTLE_SECONDS = 1
AUTO_STOP_SECONDS = 3
# The run's settings (server, tokens, ingest), filled by each script's main; the scripts that import
# this harness share it, with `youtube`, `reason` and `admin`.
ENV = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, probe, timeout=30.0, every=0.25):
    """Polls `probe` until it returns a truthy value; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last seen: {last!r}")


def start_server(binary: str, store: str, workdir: Path, rtmp_port: int, ingest_secret: str):
    demo_file = workdir / "demo.json"
    env = dict(os.environ)
    if store == "embedded":
        env = {k: v for k, v in env.items() if not k.startswith("AWS_ENDPOINT_URL")}
        env.update({"ONAIR_STORE": "embedded", "ONAIR_SECRETS": "static"})
    else:
        if "AWS_ENDPOINT_URL" not in env:
            sys.exit("the dynamodb run needs AWS_ENDPOINT_URL (the moto server)")
        suffix = secrets.token_hex(4)
        env.update({"ONAIR_STORE": "dynamodb", "ONAIR_REGISTRATIONS_TABLE": f"e2e-yt-reg-{suffix}",
                    "ONAIR_TOKENS_TABLE": f"e2e-yt-tok-{suffix}", "ONAIR_SECRET_PREFIX": f"e2e-yt-{suffix}/"})
    env.update({
        "ONAIR_LISTEN": "127.0.0.1:0",
        "ONAIR_DEMO_FILE": str(demo_file),
        "ONAIR_SETTLE_SECONDS": str(SETTLE_SECONDS),
        "ONAIR_AUTO_STOP_SECONDS": str(AUTO_STOP_SECONDS),
        "ONAIR_INGEST_RTMP_URL": f"rtmp://127.0.0.1:{rtmp_port}/live",
        "ONAIR_INGEST_SECRET": ingest_secret,
        "RUST_LOG": "info",
    })
    log = open(workdir / "server.log", "wb")
    server = subprocess.Popen([binary], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"onair-local exited with {server.returncode}:\n{(workdir / 'server.log').read_text()}")
        try:
            return server, json.loads(demo_file.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            time.sleep(0.1)
    server.kill()
    sys.exit("onair-local did not write its demo within 60 s")


def start_ingest(workdir: Path, rtmp_port: int, base_url: str, ingest_secret: str):
    env = dict(os.environ, ONAIR_RTMP_LISTEN=f"127.0.0.1:{rtmp_port}", ONAIR_BASE_URL=base_url,
               ONAIR_INGEST_SECRET=ingest_secret, ONAIR_RTMP_DIR=str(workdir / "nginx"))
    log = open(workdir / "nginx.log", "wb")
    nginx = subprocess.Popen([str(ROOT / "infra/ingest/run")], env=env, stdout=log, stderr=subprocess.STDOUT)

    def listening():
        if nginx.poll() is not None:
            sys.exit(f"infra/ingest/run exited with {nginx.returncode}:\n{(workdir / 'nginx.log').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", rtmp_port), timeout=0.5):
                return True
        except OSError:
            return False

    wait_for("nginx-rtmp to listen", listening, timeout=60)
    return nginx


def youtube(token: str):
    """The stock client, built from the shipped discovery document, pointed at onair."""
    return build("youtube", "v3", credentials=Credentials(token), static_discovery=True,
                 client_options={"api_endpoint": ENV["base"] + "/"}, cache_discovery=False)


def reason(err: HttpError) -> str:
    body = json.loads(err.content)
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == err.resp.status, body
    return body["error"]["errors"][0]["reason"]


def admin(method: str, path: str, body=None) -> requests.Response:
    """A call of the admin API with the demo's admin token, as the platform makes it."""
    return requests.request(method, ENV["base"] + path, timeout=30, json=body,
                            headers={"Authorization": f"Bearer {ENV['demo']['admin_token']}"})


def serve_and_run(case, label: str, scope: str) -> int:
    """The main of a script that needs only the local server (no ingest): starts `onair-local` on the
    store named by argv, signs the demo in with `scope`, runs `case` and reports as the integration
    test expects (`{label} on {store}: N run, M failed`); the server log tail on failure."""
    if len(sys.argv) != 3 or sys.argv[2] not in ("embedded", "dynamodb"):
        sys.exit(sys.modules["__main__"].__doc__)
    binary, store = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="onair-e2e-") as tmp:
        workdir = Path(tmp)
        server, demo = start_server(binary, store, workdir, free_port(), secrets.token_urlsafe(24))
        try:
            ENV.update(base=demo["base_url"], demo=demo, token=access_token(demo, scope=scope))
            suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
            result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
            if not result.wasSuccessful():
                print("--- server.log (last 60 lines) ---")
                print("\n".join((workdir / "server.log").read_text(errors="replace").splitlines()[-60:]))
            print(f"{label} on {store}: {result.testsRun} run, "
                  f"{len(result.failures) + len(result.errors)} failed")
            return 0 if result.wasSuccessful() else 1
        finally:
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(10)
                except subprocess.TimeoutExpired:
                    server.kill()


class Publisher:
    """ffmpeg publishing a generated test pattern, as an encoder would."""

    def __init__(self, address: str, key: str, seconds: int = 120):
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
             "-f", "lavfi", "-i", "testsrc=size=640x360:rate=30",
             "-f", "lavfi", "-i", "sine=frequency=440",
             "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "60",
             "-c:a", "aac", "-f", "flv", f"{address}/{key}"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def in_a_minute() -> str:
    return (datetime.now(timezone.utc) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Lifecycle(unittest.TestCase):
    """Stages 1, 3, 4 and 5 of the guide, the error reasons, auto start/stop and the delete rules."""

    @classmethod
    def setUpClass(cls):
        cls.yt = youtube(ENV["token"])

    def tearDown(self):
        for publisher in getattr(self, "_publishers", []):
            publisher.stop()

    def publish(self, stream: dict) -> Publisher:
        info = stream["cdn"]["ingestionInfo"]
        publisher = Publisher(info["ingestionAddress"], info["streamName"])
        self.__dict__.setdefault("_publishers", []).append(publisher)
        return publisher

    def broadcast(self, title: str, **details) -> dict:
        body = {"snippet": {"title": title, "scheduledStartTime": in_a_minute()},
                "status": {"privacyStatus": "unlisted"},
                "contentDetails": {"enableAutoStart": False, "enableAutoStop": False,
                                   "monitorStream": {"enableMonitorStream": True}, **details}}
        return self.yt.liveBroadcasts().insert(part="snippet,status,contentDetails", body=body).execute()

    def stream(self, title: str, reusable: bool = True) -> dict:
        body = {"snippet": {"title": title},
                "cdn": {"frameRate": "30fps", "ingestionType": "rtmp", "resolution": "720p"},
                "contentDetails": {"isReusable": reusable}}
        return self.yt.liveStreams().insert(part="snippet,cdn,contentDetails,status", body=body).execute()

    def broadcast_now(self, broadcast_id: str) -> dict:
        items = self.yt.liveBroadcasts().list(part="id,snippet,status,contentDetails", id=broadcast_id).execute()
        self.assertEqual(len(items["items"]), 1, items)
        return items["items"][0]

    def stream_status(self, stream_id: str) -> dict:
        items = self.yt.liveStreams().list(part="id,status", id=stream_id).execute()["items"]
        self.assertEqual(len(items), 1)
        return items[0]["status"]

    def state_becomes(self, broadcast_id: str, state: str, timeout: float = 15) -> dict:
        return wait_for(f"broadcast {broadcast_id} to be {state}",
                        lambda: (b := self.broadcast_now(broadcast_id))["status"]["lifeCycleStatus"] == state and b,
                        timeout=timeout)

    def refused(self, request, expected_status: int, expected_reason: str):
        with self.assertRaises(HttpError) as caught:
            request.execute()
        self.assertEqual(caught.exception.resp.status, expected_status, caught.exception.content)
        self.assertEqual(reason(caught.exception), expected_reason, caught.exception.content)

    def test_stages_1_3_4_5_with_a_real_encoder(self):
        # Stage 1: broadcast, stream, bind.
        b = self.broadcast("e2e guide")
        self.assertEqual(b["kind"], "youtube#liveBroadcast")
        self.assertTrue(b["etag"])
        self.assertEqual(b["status"]["lifeCycleStatus"], "created")
        self.assertIn("<iframe", b["contentDetails"]["monitorStream"]["embedHtml"])
        s = self.stream("e2e guide stream")
        self.assertEqual(s["kind"], "youtube#liveStream")
        key = s["cdn"]["ingestionInfo"]["streamName"]
        self.assertGreaterEqual(len(key), 22, "at least 128 bits")
        self.assertEqual(s["cdn"]["ingestionInfo"]["ingestionAddress"], ENV["rtmp"])
        bound = self.yt.liveBroadcasts().bind(id=b["id"], part="id,contentDetails,status", streamId=s["id"]).execute()
        self.assertEqual(bound["contentDetails"]["boundStreamId"], s["id"])
        self.assertEqual(bound["status"]["lifeCycleStatus"], "ready")
        # Nothing is arriving yet: testing is refused.
        self.refused(self.yt.liveBroadcasts().transition(id=b["id"], part="status", broadcastStatus="testing"),
                     403, "errorStreamInactive")
        # Stage 3: the encoder publishes; the stream becomes active through the ingest hooks.
        self.publish(s)
        wait_for("the stream to be active", lambda: self.stream_status(s["id"])["streamStatus"] == "active")
        testing = self.yt.liveBroadcasts().transition(id=b["id"], part="status", broadcastStatus="testing").execute()
        self.assertEqual(testing["status"]["lifeCycleStatus"], "testStarting")
        self.state_becomes(b["id"], "testing")
        self.refused(self.yt.liveBroadcasts().transition(id=b["id"], part="status", broadcastStatus="testing"),
                     403, "redundantTransition")
        # Stage 4: live, a cuepoint, no deletion while on air.
        live = self.yt.liveBroadcasts().transition(id=b["id"], part="status", broadcastStatus="live").execute()
        self.assertEqual(live["status"]["lifeCycleStatus"], "liveStarting")
        on_air = self.state_becomes(b["id"], "live")
        self.assertTrue(on_air["snippet"]["actualStartTime"].endswith("Z"))
        cue = self.yt.liveBroadcasts().insertCuepoint(id=b["id"], part="snippet",
                                                      body={"cueType": "cueTypeAd", "durationSecs": 30}).execute()
        self.assertTrue(cue["id"])
        self.refused(self.yt.liveBroadcasts().delete(id=b["id"]), 403, "liveBroadcastDeletionNotAllowed")
        self.refused(self.yt.liveStreams().delete(id=s["id"]), 403, "liveStreamDeletionNotAllowed")
        # Stage 5: complete; then both may be deleted.
        done = self.yt.liveBroadcasts().transition(id=b["id"], part="status,snippet", broadcastStatus="complete").execute()
        self.assertEqual(done["status"]["lifeCycleStatus"], "complete")
        self.assertTrue(done["snippet"]["actualEndTime"].endswith("Z"))
        self.refused(self.yt.liveBroadcasts().insertCuepoint(id=b["id"], part="snippet",
                                                             body={"cueType": "cueTypeAd", "durationSecs": 30}),
                     403, "liveBroadcastNotLive")
        self._publishers[0].stop()
        wait_for("the stream to be inactive", lambda: self.stream_status(s["id"])["streamStatus"] == "inactive")
        self.yt.liveBroadcasts().delete(id=b["id"]).execute()
        self.yt.liveStreams().delete(id=s["id"]).execute()
        self.assertEqual(self.yt.liveBroadcasts().list(part="id", id=b["id"]).execute()["items"], [])

    def test_auto_start_and_auto_stop_follow_the_encoder(self):
        b = self.broadcast("e2e auto", enableAutoStart=True, enableAutoStop=True,
                           monitorStream={"enableMonitorStream": False})
        s = self.stream("e2e auto stream")
        self.yt.liveBroadcasts().bind(id=b["id"], part="id", streamId=s["id"]).execute()
        publisher = self.publish(s)
        on_air = self.state_becomes(b["id"], "live", timeout=30)
        self.assertIn("actualStartTime", on_air["snippet"])
        publisher.stop()
        stopped = time.monotonic()
        done = self.state_becomes(b["id"], "complete", timeout=AUTO_STOP_SECONDS + 20)
        self.assertGreaterEqual(time.monotonic() - stopped, AUTO_STOP_SECONDS - 1,
                                "auto-stop waits for the configured time")
        self.assertIn("actualEndTime", done["snippet"])

    def test_a_republish_within_the_auto_stop_window_keeps_the_broadcast_live(self):
        b = self.broadcast("e2e republish", enableAutoStart=True, enableAutoStop=True,
                           monitorStream={"enableMonitorStream": False})
        s = self.stream("e2e republish stream")
        self.yt.liveBroadcasts().bind(id=b["id"], part="id", streamId=s["id"]).execute()
        first = self.publish(s)
        self.state_becomes(b["id"], "live", timeout=30)
        first.stop()
        wait_for("the stream to be inactive", lambda: self.stream_status(s["id"])["streamStatus"] != "active")
        self.publish(s)
        wait_for("the stream to be active again", lambda: self.stream_status(s["id"])["streamStatus"] == "active")
        time.sleep(AUTO_STOP_SECONDS + 2)
        self.assertEqual(self.broadcast_now(b["id"])["status"]["lifeCycleStatus"], "live")
        self.yt.liveBroadcasts().transition(id=b["id"], part="status", broadcastStatus="complete").execute()

    def test_error_reasons_reach_the_client_in_googles_envelope(self):
        b = self.broadcast("e2e errors")
        self.refused(self.yt.liveBroadcasts().transition(id=b["id"], part="status", broadcastStatus="live"),
                     403, "invalidTransition")
        self.refused(self.yt.liveBroadcasts().transition(id="no-such-broadcast", part="status",
                                                        broadcastStatus="live"), 404, "liveBroadcastNotFound")
        self.refused(self.yt.liveBroadcasts().bind(id=b["id"], part="id", streamId="no-such-stream"),
                     404, "liveStreamNotFound")
        self.refused(self.yt.liveBroadcasts().insert(part="snippet,status", body={
            "snippet": {"scheduledStartTime": in_a_minute()}, "status": {"privacyStatus": "private"}}),
            400, "titleRequired")
        self.refused(self.yt.liveBroadcasts().insert(part="snippet,status", body={
            "snippet": {"title": "x" * 101, "scheduledStartTime": in_a_minute()},
            "status": {"privacyStatus": "private"}}), 400, "invalidTitle")
        self.refused(self.yt.liveStreams().insert(part="snippet,cdn", body={
            "snippet": {"title": "bad"}, "cdn": {"frameRate": "30fps", "ingestionType": "rtmp",
                                                 "resolution": "9000p"}}), 400, "invalidResolution")
        self.refused(self.yt.liveStreams().insert(part="snippet,cdn", body={
            "snippet": {"title": "bad"}, "cdn": {"frameRate": "31fps", "ingestionType": "rtmp",
                                                 "resolution": "720p"}}), 400, "invalidFrameRate")
        self.refused(self.yt.liveStreams().insert(part="snippet,cdn", body={
            "snippet": {"title": "bad"}, "cdn": {"frameRate": "30fps", "ingestionType": "smoke",
                                                 "resolution": "720p"}}), 400, "invalidIngestionType")
        s = self.stream("e2e errors stream", reusable=False)
        changed = dict(s, cdn={"frameRate": "60fps", "ingestionType": "rtmp", "resolution": "1080p"})
        self.refused(self.yt.liveStreams().update(part="snippet,cdn", body={
            "id": s["id"], "snippet": changed["snippet"], "cdn": changed["cdn"]}), 403,
            "liveStreamModificationNotAllowed")
        self.yt.liveBroadcasts().bind(id=b["id"], part="id", streamId=s["id"]).execute()
        other = self.broadcast("e2e errors other")
        self.refused(self.yt.liveBroadcasts().bind(id=other["id"], part="id", streamId=s["id"]),
                     403, "liveBroadcastBindingNotAllowed")
        self.refused(self.yt.liveStreams().delete(id=s["id"]), 403, "liveStreamDeletionNotAllowed")
        self.refused(self.yt.liveBroadcasts().list(part="snippet,nonsense", id=b["id"]), 400, "unknownPart")

    def test_lists_page_with_the_clients_own_paging(self):
        ids = {self.broadcast(f"e2e page {i}")["id"] for i in range(7)}
        seen, request = [], self.yt.liveBroadcasts().list(part="id", mine=True, maxResults=3)
        while request is not None:
            page = request.execute()
            self.assertEqual(page["kind"], "youtube#liveBroadcastListResponse")
            self.assertLessEqual(len(page["items"]), 3)
            seen += [item["id"] for item in page["items"]]
            request = self.yt.liveBroadcasts().list_next(request, page)
        self.assertTrue(ids <= set(seen), "every broadcast is reached through nextPageToken")
        self.assertEqual(len(seen), len(set(seen)), "no broadcast is listed twice")

    def test_extension_fields_pass_through_the_stock_client(self):
        b = self.broadcast("e2e extension", onairStopAtScheduledEndTime=True)
        self.assertTrue(b["contentDetails"]["onairStopAtScheduledEndTime"])
        self.assertFalse(b["contentDetails"].get("onairStartAtScheduledTime", False))

    def test_a_read_only_token_lists_but_cannot_write(self):
        yt = youtube(access_token(ENV["demo"], scope="https://www.googleapis.com/auth/youtube.readonly"))
        yt.liveBroadcasts().list(part="id", mine=True).execute()
        with self.assertRaises(HttpError) as caught:
            yt.liveStreams().insert(part="snippet,cdn", body={
                "snippet": {"title": "nope"},
                "cdn": {"frameRate": "30fps", "ingestionType": "rtmp", "resolution": "720p"}}).execute()
        self.assertEqual(caught.exception.resp.status, 403)
        self.assertEqual(reason(caught.exception), "insufficientPermissions")

    def test_an_unknown_stream_key_is_dropped_by_the_ingest(self):
        publisher = Publisher(ENV["rtmp"], secrets.token_urlsafe(32), seconds=20)
        self.__dict__.setdefault("_publishers", []).append(publisher)
        code = publisher.process.wait(timeout=20)
        self.assertNotEqual(code, 0, "nginx-rtmp refuses the publisher when the hook says no")


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[2] not in ("embedded", "dynamodb"):
        sys.exit(__doc__)
    binary, store = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="onair-yt-e2e-") as tmp:
        workdir = Path(tmp)
        rtmp_port, ingest_secret = free_port(), secrets.token_urlsafe(32)
        server, demo = start_server(binary, store, workdir, rtmp_port, ingest_secret)
        nginx = None
        try:
            nginx = start_ingest(workdir, rtmp_port, demo["base_url"], ingest_secret)
            ENV.update(base=demo["base_url"], demo=demo, token=access_token(demo),
                       rtmp=f"rtmp://127.0.0.1:{rtmp_port}/live")
            suite = unittest.defaultTestLoader.loadTestsFromTestCase(Lifecycle)
            result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
            if not result.wasSuccessful():
                for name in ("server.log", "nginx.log"):
                    print(f"--- {name} (last 60 lines) ---")
                    print("\n".join((workdir / name).read_text(errors="replace").splitlines()[-60:]))
            print(f"youtube client e2e on {store}: {result.testsRun} run, "
                  f"{len(result.failures) + len(result.errors)} failed")
            return 0 if result.wasSuccessful() else 1
        finally:
            for process in (nginx, server):
                if process is not None and process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(10)
                    except subprocess.TimeoutExpired:
                        process.kill()


if __name__ == "__main__":
    sys.exit(main())
