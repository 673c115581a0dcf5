#!/usr/bin/env python3
"""The PRISM Service API end to end, called exactly as the B2B PRISM Live Studio gateway calls it.

Starts `onair-local` on the chosen store and a real nginx-rtmp ingest (the helpers of
`lifecycle_e2e.py`), signs the demo streamer in through the login page and PRISM's token endpoint (R2,
R1 with the `x-prism-client-*` headers), and drives the Service API with plain HTTP: R4 → R8 → R6 →
R9, a real ffmpeg publishing to the returned `rtmpPath` (split at its last `/`), R7 polled until
`ON_AIR`, chat O2/O1/O3 with the page-token rules, a viewer (a second user created through the admin
API, signed in through the same OAuth server) posting with google-api-python-client's
`liveChatMessages.insert`, banned with O4 and refused, unbanned with O6, moderator O7/O8, then R10 →
`END`. Then the force-end rule, a platform-forced end (the channel disabled mid-live: `END` at the next
poll and the encoder dropped by nginx-rtmp), and a restart of an ended live.

Usage: prism_e2e.py LOCAL_BINARY {embedded|dynamodb}   (run by the integration test
`prism::gateway_client`, so by the test command, on both stores)
Exit status 0 only if every test passed.
"""

import json
import secrets
import sys
import tempfile
import time
import unittest
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "infra/scripts"))
from demo_login import HIDDEN, access_token  # noqa: E402
from lifecycle_e2e import Publisher, free_port, start_ingest, start_server, wait_for  # noqa: E402

ENV = {}
PRISM = "/prism/v1/service"


def prism_token(demo: dict) -> str:
    """R2 then R1 as PRISM runs them: the login page, the redirect with the code, then the token
    endpoint's GET form with the client in `x-prism-client-id` / `x-prism-client-secret`."""
    import html

    base = demo["base_url"]
    browser = requests.Session()
    query = {"response_type": "code", "client_id": demo["client_id"], "redirect_uri": demo["redirect_uri"],
             "state": "prism-e2e"}
    page = browser.get(f"{base}/oauth/authorize?{urlencode(query)}", timeout=10)
    page.raise_for_status()
    form = {html.unescape(n): html.unescape(v) for n, v in HIDDEN.findall(page.text)}
    form.update({"login": demo["username"], "password": demo["password"]})
    login = browser.post(f"{base}/oauth/authorize", data=form, allow_redirects=False, timeout=30)
    assert login.status_code == 303, login.text[:300]
    redirect = parse_qs(urlparse(login.headers["location"]).query)
    assert redirect["state"] == ["prism-e2e"], redirect
    token = requests.get(f"{base}{PRISM}/oauth2/token", timeout=10,
                         headers={"x-prism-client-id": demo["client_id"],
                                  "x-prism-client-secret": demo["client_secret"]},
                         params={"grant_type": "authorization_code", "code": redirect["code"][0],
                                 "redirect_uri": demo["redirect_uri"], "state": "prism-e2e"})
    assert token.status_code == 200, token.text
    return token.json()["access_token"]


class Gateway:
    """PRISM's calls: the access token in `x-prism-access-token`, JSON bodies, the standard envelope."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body=None, expect: int = 200) -> dict:
        reply = requests.request(method, f"{self.base}{PRISM}{path}", json=body, timeout=10,
                                 headers={"x-prism-access-token": self.token})
        assert reply.status_code == expect, f"{method} {path} → {reply.status_code}: {reply.text[:500]}"
        envelope = reply.json()
        assert set(envelope) >= {"success", "errorCode", "errorName", "message", "data"}, envelope
        assert envelope["success"] is (expect == 200), envelope
        return envelope

    def data(self, method: str, path: str, body=None) -> dict:
        return self.call(method, path, body)["data"]


def reserved_in(seconds: int) -> str:
    """PRISM's "now + 20 s" for an immediate live, with an explicit offset."""
    at = datetime.now(timezone(timedelta(hours=9))) + timedelta(seconds=seconds)
    return at.isoformat(timespec="seconds")


def admin(method: str, path: str, body=None, expect: int = 200) -> dict:
    reply = requests.request(method, f"{ENV['base']}/admin{path}", json=body, timeout=30,
                             headers={"authorization": f"Bearer {ENV['demo']['admin_token']}"})
    assert reply.status_code == expect, f"{method} /admin{path} → {reply.status_code}: {reply.text[:500]}"
    return reply.json() if reply.content else {}


class Sequence(unittest.TestCase):
    """The gateway's whole sequence, then the platform's ways to end a live."""

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(ENV["base"], ENV["token"])
        channels = cls.gw.data("GET", "/channel/list")["channels"]  # R4
        enabled = [c for c in channels if c["channelEnabled"]]
        assert enabled, channels
        cls.channel = enabled[0]["channelId"]

    def tearDown(self):
        for publisher in getattr(self, "_publishers", []):
            publisher.stop()

    def publish(self, rtmp_path: str) -> Publisher:
        server, key = rtmp_path.rsplit("/", 1)
        publisher = Publisher(server, key)
        self.__dict__.setdefault("_publishers", []).append(publisher)
        return publisher

    def create(self, title: str, channel: str | None = None) -> dict:
        body = {"title": title, "description": "<b>not bold</b>", "reservedAt": reserved_in(20), "scope": "PUBLIC"}
        return self.gw.data("POST", f"/channel/{channel or self.channel}/live", body)["live"]  # R8

    def live(self, live_id: str) -> dict:
        return self.gw.data("GET", f"/live/{live_id}")["live"]  # R7

    def polled(self, live_id: str) -> dict:
        """R7 as PRISM polls it: a 503 (`Retry-After`) is retried at the next poll, not a failure."""
        reply = requests.get(f"{self.gw.base}{PRISM}/live/{live_id}", timeout=10,
                             headers={"x-prism-access-token": self.gw.token})
        if reply.status_code == 503:
            return {}
        assert reply.status_code == 200, reply.text[:500]
        return reply.json()["data"]["live"]

    def status_becomes(self, live_id: str, status: str, timeout: float = 20, every: float = 0.5) -> dict:
        return wait_for(f"live {live_id} to be {status}",
                        lambda: (v := self.polled(live_id)).get("status") == status and v, timeout=timeout, every=every)

    def chat(self, live_id: str, max_results=100, page_token=None) -> dict:
        return self.gw.data("POST", f"/live/{live_id}/chat", {"maxResults": max_results, "pageToken": page_token})

    def viewer(self) -> tuple[str, object]:
        """A second user, created through the admin API and signed in through the OAuth server; its
        YouTube client."""
        login = f"viewer{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(12)
        user = admin("POST", "/users", {"login": login, "password": password, "userName": "Viewer One"}, expect=201)
        demo = dict(ENV["demo"], username=login, password=password)
        token = access_token(demo)
        client = build("youtube", "v3", credentials=Credentials(token), static_discovery=True,
                       client_options={"api_endpoint": ENV["base"] + "/"}, cache_discovery=False)
        return user["userId"], client

    def test_1_the_gateways_sequence(self):
        live = self.create("Gateway sequence")
        self.assertEqual(live["status"], "RESERVED")
        self.assertRegex(live["reservedAt"], r"[+-]\d\d:\d\d$")
        self.assertIsNone(live["startAt"])
        self.assertEqual(live["liveStat"], {"viewCount": 0, "viewerCount": 0, "likeCount": 0, "chatCount": 0})
        live_id = live["liveId"]
        self.assertIsInstance(live_id, str)

        reserved = self.gw.data("GET", f"/channel/{self.channel}/lives?status=RESERVED")["lives"]  # R6
        self.assertIn(live_id, [l["liveId"] for l in reserved])
        everything = self.gw.data("GET", f"/channel/{self.channel}/lives?status=ALL")["lives"]
        self.assertEqual(everything[0]["liveId"], live_id, "modified desc: the new live first")

        started = self.gw.data("PUT", f"/live/{live_id}/start")["live"]  # R9
        self.assertEqual(started["status"], "ON_AIR")
        self.assertRegex(started["rtmpPath"], r"^rtmps?://.+/[^/]+$")
        self.publish(started["rtmpPath"])
        on_air = wait_for("startAt once the encoder is live",
                          lambda: (v := self.polled(live_id)).get("startAt") and v, timeout=30)
        self.assertEqual(on_air["status"], "ON_AIR")
        self.assertRegex(on_air["startAt"], r"[+-]\d\d:\d\d$")
        self.assertEqual(set(on_air["liveStat"]), {"viewCount", "viewerCount", "likeCount", "chatCount"})

        # O2 then O1: the latest messages, oldest first; a token gives only newer ones, and the same
        # token comes back when nothing new arrived.
        first = self.chat(live_id)
        self.assertEqual(first["messages"], [])
        self.assertEqual(first["liveId"], live_id)
        for text in ("hello", "  <script>alert(1)</script>  ", "third"):
            self.gw.call("PUT", f"/live/{live_id}/chat", {"message": text})  # O2
        page = self.chat(live_id, 0, first["nextPageToken"])
        texts = [m["message"] for m in page["messages"]]
        self.assertEqual(texts, ["hello", "<script>alert(1)</script>", "third"])
        mine = page["messages"][0]
        self.assertTrue(mine["isLiveOwner"])
        self.assertFalse(mine["isLiveManager"])
        self.assertEqual(set(mine) >= {"messageId", "messageAt", "authorId", "authorName", "isLiveOwner",
                                       "isLiveManager", "message"}, True, mine)
        self.assertRegex(mine["messageAt"], r"[+-]\d\d:\d\d$")
        same = self.chat(live_id, 100, page["nextPageToken"])
        self.assertEqual(same["messages"], [])
        self.assertEqual(same["nextPageToken"], page["nextPageToken"])
        latest_two = self.chat(live_id, 2)
        self.assertEqual([m["message"] for m in latest_two["messages"]], ["<script>alert(1)</script>", "third"])

        self.gw.call("DELETE", f"/live/{live_id}/chat/{mine['messageId']}")  # O3
        remaining = [m["message"] for m in self.chat(live_id)["messages"]]
        self.assertEqual(remaining, ["<script>alert(1)</script>", "third"])

        # A viewer posts through YouTube's client on the same chat store.
        chat_id = ENV["youtube"].liveBroadcasts().list(part="snippet", mine=True, maxResults=50).execute()
        chat_id = next(b["snippet"]["liveChatId"] for b in chat_id["items"]
                       if b["snippet"].get("liveChatId") == live_id or b["snippet"]["title"] == "Gateway sequence")
        viewer_id, viewer = self.viewer()
        body = {"snippet": {"liveChatId": chat_id, "type": "textMessageEvent",
                            "textMessageDetails": {"messageText": "hi from a viewer"}}}
        posted = viewer.liveChatMessages().insert(part="snippet", body=body).execute()
        self.assertEqual(posted["snippet"]["textMessageDetails"]["messageText"], "hi from a viewer")
        seen = self.chat(live_id, 100, same["nextPageToken"])
        self.assertEqual([(m["authorId"], m["message"]) for m in seen["messages"]], [(viewer_id, "hi from a viewer")])
        self.assertFalse(seen["messages"][0]["isLiveOwner"])

        self.gw.call("PUT", f"/live/{live_id}/ban/{viewer_id}")  # O4
        with self.assertRaises(HttpError) as refused:
            body["snippet"]["textMessageDetails"]["messageText"] = "banned words"
            viewer.liveChatMessages().insert(part="snippet", body=body).execute()
        self.assertEqual(refused.exception.resp.status, 403)
        after_ban = self.chat(live_id, 100, seen["nextPageToken"])
        self.assertEqual(after_ban["messages"], [], "a banned viewer's message is stored nowhere")
        self.gw.call("PUT", f"/live/{live_id}/unban/{viewer_id}")  # O6
        body["snippet"]["textMessageDetails"]["messageText"] = "back again"
        viewer.liveChatMessages().insert(part="snippet", body=body).execute()

        self.gw.call("PUT", f"/live/{live_id}/mod/{viewer_id}")  # O7
        managed = self.chat(live_id, 100, after_ban["nextPageToken"])["messages"]
        self.assertEqual([(m["message"], m["isLiveManager"]) for m in managed], [("back again", True)])
        self.gw.call("PUT", f"/live/{live_id}/unmod/{viewer_id}")  # O8
        unmanaged = self.chat(live_id)["messages"]
        self.assertFalse(next(m for m in unmanaged if m["message"] == "back again")["isLiveManager"])
        self.assertGreaterEqual(self.live(live_id)["liveStat"]["chatCount"], 5)

        ended = self.gw.data("PUT", f"/live/{live_id}/stop")["live"]  # R10
        self.assertEqual(ended["status"], "END")
        self.assertEqual(self.live(live_id)["status"], "END")
        history = self.chat(live_id)["messages"]
        self.assertIn("back again", [m["message"] for m in history], "history stays readable")
        with self.assertRaises(HttpError) as closed:
            viewer.liveChatMessages().insert(part="snippet", body=body).execute()
        self.assertIn(closed.exception.resp.status, (400, 403))

    def test_2_starting_a_second_live_ends_the_first(self):
        first = self.create("First of the channel")["liveId"]
        self.gw.data("PUT", f"/live/{first}/start")
        second = self.create("Second of the channel")["liveId"]
        self.assertEqual(self.gw.data("PUT", f"/live/{second}/start")["live"]["status"], "ON_AIR")
        self.assertEqual(self.live(first)["status"], "END")
        self.assertEqual(self.live(second)["status"], "ON_AIR")
        self.gw.data("PUT", f"/live/{second}/stop")

    def test_3_a_disabled_channel_ends_the_live_and_drops_the_encoder(self):
        user = ENV["demo"]["user_id"]
        channel = admin("POST", f"/users/{user}/channels",
                        {"channelName": "Forced end", "channelLink": "https://example.test/forced"},
                        expect=201)["channelId"]
        live = self.create("Forced end", channel)["liveId"]
        started = self.gw.data("PUT", f"/live/{live}/start")["live"]
        publisher = self.publish(started["rtmpPath"])
        wait_for("startAt once the encoder is live", lambda: self.polled(live).get("startAt"), timeout=30)
        disabled_at = time.monotonic()
        admin("PATCH", f"/users/{user}/channels/{channel}", {"channelEnabled": False})
        # PRISM polls every 5 s: any poll after the disable answered sees END.
        self.assertEqual(self.live(live)["status"], "END")
        wait_for("nginx-rtmp to drop the encoder", lambda: publisher.process.poll() is not None, timeout=30)
        ENV["figures"]["disable → encoder dropped (s)"] = round(time.monotonic() - disabled_at, 1)

    def test_4_an_ended_live_starts_again_with_a_new_key(self):
        live = self.create("Reusable")["liveId"]
        once = self.gw.data("PUT", f"/live/{live}/start")["live"]
        self.gw.data("PUT", f"/live/{live}/stop")
        again = self.gw.data("PUT", f"/live/{live}/start")["live"]
        self.assertEqual(again["liveId"], live)
        self.assertEqual(again["status"], "ON_AIR")
        self.assertNotEqual(again["rtmpPath"], once["rtmpPath"])
        self.publish(again["rtmpPath"])
        wait_for("the restarted live to air", lambda: self.polled(live).get("startAt"), timeout=30)
        self.gw.data("PUT", f"/live/{live}/stop")
        self.assertEqual(self.live(live)["status"], "END")


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("embedded", "dynamodb"):
        sys.exit(__doc__)
    binary, store = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        rtmp_port, secret = free_port(), secrets.token_urlsafe(24)
        server, demo = start_server(binary, store, workdir, rtmp_port, secret)
        nginx = None
        try:
            nginx = start_ingest(workdir, rtmp_port, demo["base_url"], secret)
            ENV.update(base=demo["base_url"], demo=demo, token=prism_token(demo), figures={})
            ENV["youtube"] = build("youtube", "v3", credentials=Credentials(access_token(demo)),
                                   static_discovery=True, client_options={"api_endpoint": ENV["base"] + "/"},
                                   cache_discovery=False)
            result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(
                unittest.defaultTestLoader.loadTestsFromTestCase(Sequence))
            print(json.dumps(ENV["figures"]))
            print(f"{result.testsRun} run, {len(result.failures) + len(result.errors)} failed")
            if not result.wasSuccessful():
                print((workdir / "server.log").read_text()[-20000:])
                sys.exit(1)
        finally:
            for process in (nginx, server):
                if process is not None:
                    process.terminate()
                    process.wait(10)


if __name__ == "__main__":
    main()
