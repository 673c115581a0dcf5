#!/usr/bin/env python3
"""The live-broadcast guide's whole sequence (stages 1–6, spec §13) with Content ID, end to end.

Starts `onair-local` on the chosen store (the embedded one, or DynamoDB on the moto server named by
AWS_ENDPOINT_URL) and a real nginx-rtmp ingest pointed at it, exactly as `lifecycle_e2e.py` does (its
helpers are imported, not copied), signs the demo streamer in through the real login page with the
`youtube.force-ssl` and `youtubepartner` scopes, and then:
- drives YouTube's Data API (liveBroadcasts, liveStreams, videos) with `googleapiclient` built from the
  shipped `youtube.v3.json`, its endpoint set to the local server;
- drives the Content ID API (`/youtube/partner/v1/…`) with plain `requests` and the same bearer token
  (no partner discovery document is shipped);
- plays the platform's part (registering content owners, linking the streamer's channel, reporting the
  recording processed) through the admin API with the demo's admin token.
A real ffmpeg publishes a generated test pattern into nginx-rtmp (at most one per test).

The client-side latency of every partner call (min/median over the run) and the script's wall time are
printed to stderr.

Usage: content_id_e2e.py LOCAL_BINARY {embedded|dynamodb}   (run by the integration test
`partner::guide_client`, so by the test command, on both stores). Exit status 0 only if every test
passed; the last line of stdout ends with `N run, 0 failed`.
"""

import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import unittest
from collections import defaultdict
from pathlib import Path

import requests
from googleapiclient.errors import HttpError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra/scripts"))
from demo_login import access_token  # noqa: E402

sys.path.insert(0, str(ROOT / "tests/python"))
# The server, the ingest, the encoder and the polling loop are the lifecycle end-to-end test's own.
from lifecycle_e2e import (ENV, Publisher, admin, free_port, in_a_minute, reason, start_ingest,  # noqa: E402
                           start_server, wait_for, youtube)

SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl https://www.googleapis.com/auth/youtubepartner"
PARTNER = "/youtube/partner/v1"
VIDEO_PARTS = "id,snippet,status,processingDetails,liveStreamingDetails"
# Client-side latency of each partner call, in seconds, by method name.
LATENCY = defaultdict(list)


class Owner:
    """A content owner registered through the admin API with the streamer's channel linked; its partner
    calls go out with plain `requests`, the streamer's bearer token and `onBehalfOfContentOwner`."""

    def __init__(self, test: unittest.TestCase, name: str, channel: str, live_fingerprinting: bool = False):
        self.test = test
        created = admin("POST", "/admin/content-owners",
                        {"displayName": name, "liveFingerprinting": live_fingerprinting})
        test.assertEqual(created.status_code, 201, created.text)
        self.id = created.json()["id"]
        self.name = name
        test.assertEqual(created.json()["liveFingerprinting"], live_fingerprinting)
        linked = admin("PUT", f"/admin/content-owners/{self.id}/channels/{channel}",
                       {"userId": ENV["demo"]["user_id"]})
        test.assertEqual(linked.status_code, 200, linked.text)

    def call(self, name: str, method: str, path: str, body=None, expect: int = 200, **params) -> dict:
        """One partner call, timed as the client sees it; asserts the status and returns the JSON body."""
        params["onBehalfOfContentOwner"] = self.id
        started = time.perf_counter()
        reply = requests.request(method, ENV["base"] + PARTNER + path, params=params, json=body, timeout=30,
                                 headers={"Authorization": f"Bearer {ENV['token']}"})
        LATENCY[name].append(time.perf_counter() - started)
        self.test.assertEqual(reply.status_code, expect, f"{name}: {reply.text}")
        return reply.json()

    def refused(self, name: str, method: str, path: str, body, status: int, why: str, **params):
        # Refusals are timed apart from the successes of the same method.
        error = self.call(f"{name} (refused)", method, path, body, expect=status, **params)["error"]
        self.test.assertEqual(error["code"], status, error)
        self.test.assertEqual(error["errors"][0]["reason"], why, error)

    def claim(self, video: str, breaks: list) -> dict:
        """Stage 2 in short: a `web` asset, a claim of `video` with inline rules, ad options with `breaks`."""
        asset = self.call("assets.insert", "POST", "/assets",
                          {"type": "web", "metadata": {"title": f"asset of {video}"}})
        claim = self.call("claims.insert", "POST", "/claims", {
            "assetId": asset["id"], "videoId": video, "contentType": "audiovisual",
            "policy": {"rules": [{"action": "monetize"}]}})
        self.call("videoAdvertisingOptions.update", "PUT", f"/videoAdvertisingOptions/{video}",
                  {"adFormats": ["standard_instream"], "breakPosition": breaks})
        return claim


class Guide(unittest.TestCase):
    """The guide's sequence with a claim, the midroll rule, and the reference rules."""

    @classmethod
    def setUpClass(cls):
        cls.yt = youtube(ENV["token"])

    def tearDown(self):
        for publisher in getattr(self, "_publishers", []):
            publisher.stop()

    def publish(self, stream: dict) -> Publisher:
        info = stream["cdn"]["ingestionInfo"]
        self.assertEqual(info["ingestionAddress"], ENV["rtmp"])
        publisher = Publisher(info["ingestionAddress"], info["streamName"])
        self.__dict__.setdefault("_publishers", []).append(publisher)
        return publisher

    def broadcast(self, title: str, monitor: bool = True, record: bool = True) -> dict:
        body = {"snippet": {"title": title, "scheduledStartTime": in_a_minute()},
                "status": {"privacyStatus": "unlisted"},
                "contentDetails": {"enableAutoStart": False, "enableAutoStop": False, "recordFromStart": record,
                                   "enableDvr": True, "monitorStream": {"enableMonitorStream": monitor}}}
        b = self.yt.liveBroadcasts().insert(part="snippet,status,contentDetails", body=body).execute()
        self.assertEqual(b["contentDetails"]["recordFromStart"], record)
        return b

    def stream(self, title: str) -> dict:
        body = {"snippet": {"title": title},
                "cdn": {"frameRate": "30fps", "ingestionType": "rtmp", "resolution": "720p"},
                "contentDetails": {"isReusable": True}}
        return self.yt.liveStreams().insert(part="snippet,cdn,contentDetails,status", body=body).execute()

    def bound(self, title: str, monitor: bool = True) -> tuple:
        """A broadcast bound to a fresh stream: `ready`."""
        b, s = self.broadcast(title, monitor=monitor), self.stream(f"{title} stream")
        bound = self.yt.liveBroadcasts().bind(id=b["id"], part="id,contentDetails,status", streamId=s["id"]).execute()
        self.assertEqual(bound["status"]["lifeCycleStatus"], "ready")
        return b, s

    def broadcast_now(self, broadcast_id: str) -> dict:
        items = self.yt.liveBroadcasts().list(part="id,snippet,status,contentDetails", id=broadcast_id).execute()
        self.assertEqual(len(items["items"]), 1, items)
        return items["items"][0]

    def stream_status(self, stream_id: str) -> str:
        items = self.yt.liveStreams().list(part="id,status", id=stream_id).execute()["items"]
        self.assertEqual(len(items), 1)
        return items[0]["status"]["streamStatus"]

    def transition(self, broadcast_id: str, target: str, settles_to: str) -> dict:
        """`transition(target)` and the poll until the broadcast is `settles_to`."""
        self.yt.liveBroadcasts().transition(id=broadcast_id, part="status", broadcastStatus=target).execute()
        return wait_for(f"broadcast {broadcast_id} to be {settles_to}",
                        lambda: (b := self.broadcast_now(broadcast_id))["status"]["lifeCycleStatus"] == settles_to
                        and b, timeout=15)

    def cuepoint(self, broadcast_id: str):
        return self.yt.liveBroadcasts().insertCuepoint(
            id=broadcast_id, part="snippet", body={"cueType": "cueTypeAd", "durationSecs": 30})

    def video(self, broadcast_id: str) -> dict:
        listed = self.yt.videos().list(part=VIDEO_PARTS, id=broadcast_id).execute()
        self.assertEqual(len(listed["items"]), 1, listed)
        return listed["items"][0]

    def test_the_guides_sequence_with_a_claim_runs_from_broadcast_to_processed_video(self):
        # Stage 1: a broadcast that records from the start, with the monitor stream on and auto start off.
        b = self.broadcast("guide e2e")
        self.assertEqual(b["kind"], "youtube#liveBroadcast")
        self.assertEqual(b["status"]["lifeCycleStatus"], "created")
        self.assertTrue(b["contentDetails"]["monitorStream"]["enableMonitorStream"])
        self.assertFalse(b["contentDetails"]["enableAutoStart"])
        channel = b["snippet"]["channelId"]
        s = self.stream("guide e2e stream")
        self.assertEqual(s["kind"], "youtube#liveStream")
        bound = self.yt.liveBroadcasts().bind(id=b["id"], part="id,contentDetails,status", streamId=s["id"]).execute()
        self.assertEqual(bound["contentDetails"]["boundStreamId"], s["id"])
        self.assertEqual(bound["status"]["lifeCycleStatus"], "ready")

        # Stage 2: the platform registers the partner and links the streamer's channel; the partner
        # creates an asset, owns it, finds or creates a policy, sets the match policy, claims the
        # broadcast and enables midroll ads. Each write is read back with its get.
        owner = Owner(self, "Guide Rights", channel)
        asset = owner.call("assets.insert", "POST", "/assets", {
            "type": "web", "metadata": {"title": "Guide launch live", "customId": "guide-live-1"}})
        self.assertEqual(asset["kind"], "youtubePartner#asset")
        self.assertEqual(asset["type"], "web")
        self.assertTrue(asset["etag"])
        self.assertEqual(owner.call("assets.get", "GET", f"/assets/{asset['id']}"), asset)
        ownership = owner.call("ownership.update", "PUT", f"/assets/{asset['id']}/ownership", {
            "general": [{"owner": owner.name, "ratio": 100, "territories": ["US", "KR"], "type": "include"}]})
        self.assertEqual(ownership["kind"], "youtubePartner#rightsOwnership")
        self.assertEqual(ownership["general"][0]["ratio"], 100)
        self.assertEqual(ownership["general"][0]["territories"], ["US", "KR"])
        self.assertEqual(owner.call("ownership.get", "GET", f"/assets/{asset['id']}/ownership"), ownership)
        wanted = "Monetize the launch"

        def find_policy():
            listed = owner.call("policies.list", "GET", "/policies", sort="timeUpdatedDesc")
            self.assertEqual(listed["kind"], "youtubePartner#policyList")
            return next((p for p in listed.get("items", []) if p["name"] == wanted), None)

        self.assertIsNone(find_policy(), "a new owner has no policies")
        policy = owner.call("policies.insert", "POST", "/policies", {
            "name": wanted, "description": "Monetize matches of the launch",
            "rules": [{"action": "monetize", "conditions": {
                "contentMatchType": ["audiovisual"], "matchDuration": [{"low": 10, "high": 3600}],
                "requiredTerritories": {"type": "include", "territories": ["US", "KR"]}}}]})
        self.assertEqual(policy["kind"], "youtubePartner#policy")
        self.assertEqual(find_policy(), policy)
        by_id = owner.call("policies.list", "GET", "/policies", id=policy["id"])
        self.assertEqual([p["id"] for p in by_id["items"]], [policy["id"]])
        match = owner.call("assetMatchPolicy.update", "PUT", f"/assets/{asset['id']}/matchPolicy",
                           {"policyId": policy["id"]})
        self.assertEqual(match["kind"], "youtubePartner#assetMatchPolicy")
        self.assertEqual(match["policyId"], policy["id"])
        self.assertEqual(owner.call("assetMatchPolicy.get", "GET", f"/assets/{asset['id']}/matchPolicy"), match)
        claim = owner.call("claims.insert", "POST", "/claims", {
            "assetId": asset["id"], "videoId": b["id"], "policy": {"id": policy["id"]},
            "contentType": "audiovisual"})
        self.assertEqual(claim["kind"], "youtubePartner#claim")
        self.assertEqual((claim["assetId"], claim["videoId"], claim["status"]), (asset["id"], b["id"], "active"))
        self.assertEqual(claim["policy"]["id"], policy["id"])
        self.assertEqual(owner.call("claims.get", "GET", f"/claims/{claim['id']}"), claim)
        ads = owner.call("videoAdvertisingOptions.update", "PUT", f"/videoAdvertisingOptions/{b['id']}", {
            "adFormats": ["standard_instream", "trueview_instream"], "breakPosition": ["preroll", "midroll"]})
        self.assertEqual(ads["kind"], "youtubePartner#videoAdvertisingOption")
        self.assertEqual(ads["id"], b["id"])
        self.assertEqual(ads["breakPosition"], ["preroll", "midroll"])
        self.assertEqual(ads["adFormats"], ["standard_instream", "trueview_instream"])
        self.assertEqual(owner.call("videoAdvertisingOptions.get", "GET", f"/videoAdvertisingOptions/{b['id']}"), ads)
        # The claim changed nothing of the broadcast's lifecycle.
        self.assertEqual(self.broadcast_now(b["id"])["status"]["lifeCycleStatus"], "ready")

        # Stage 3: the monitor player, the encoder, the stream active, the test phase.
        embed = self.broadcast_now(b["id"])["contentDetails"]["monitorStream"]["embedHtml"]
        self.assertIn("<iframe", embed)
        publisher = self.publish(s)
        wait_for("the stream to be active", lambda: self.stream_status(s["id"]) == "active")
        self.transition(b["id"], "testing", "testing")
        # Stage 4: live, and a midroll ad cuepoint, which the claim's ad options allow.
        on_air = self.transition(b["id"], "live", "live")
        self.assertTrue(on_air["snippet"]["actualStartTime"].endswith("Z"))
        self.assertEqual(self.video(b["id"])["snippet"]["liveBroadcastContent"], "live")
        cue = self.cuepoint(b["id"]).execute()
        self.assertTrue(cue["id"])
        self.assertEqual((cue["cueType"], cue["durationSecs"]), ("cueTypeAd", 30))
        # Stage 5: the encoder stops, then the broadcast is completed.
        publisher.stop()
        wait_for("the stream to be inactive", lambda: self.stream_status(s["id"]) == "inactive")
        done = self.yt.liveBroadcasts().transition(id=b["id"], part="status,snippet",
                                                   broadcastStatus="complete").execute()
        self.assertEqual(done["status"]["lifeCycleStatus"], "complete")
        self.assertTrue(done["snippet"]["actualEndTime"].endswith("Z"))

        # Stage 6: the recording is uploaded but not yet processed; the media plane reports it
        # processed (admin API, as the platform would); the guide polls videos.list until `processed`.
        v = self.video(b["id"])
        self.assertEqual(v["status"]["uploadStatus"], "uploaded")
        self.assertEqual(v["processingDetails"]["processingStatus"], "processing")
        self.assertEqual(v["snippet"]["liveBroadcastContent"], "none")
        self.assertIn("actualStartTime", v["liveStreamingDetails"])
        self.assertIn("actualEndTime", v["liveStreamingDetails"])
        # This owner is not approved for live fingerprinting: no reference before the recording is processed.
        owner.refused("references.insert", "POST", "/references", {}, 403, "fingerprintingNotAllowed",
                      claimId=claim["id"])
        reported = admin("PUT", f"/admin/users/{ENV['demo']['user_id']}/videos/{b['id']}/processing",
                         {"status": "processed"})
        self.assertEqual(reported.status_code, 200, reported.text)
        wait_for("the video to be processed", lambda: self.yt.videos().list(part="status", id=b["id"]).execute()
                 ["items"][0]["status"]["uploadStatus"] == "processed", timeout=10, every=0.2)
        self.assertEqual(self.video(b["id"])["processingDetails"]["processingStatus"], "succeeded")
        # Stage 6.2: the reference from the claim, built from the processed recording.
        reference = owner.call("references.insert", "POST", "/references", {}, claimId=claim["id"])
        self.assertEqual(reference["kind"], "youtubePartner#reference")
        self.assertTrue(reference["etag"])
        self.assertEqual(reference["status"], "active")
        self.assertEqual((reference["claimId"], reference["assetId"], reference["videoId"]),
                         (claim["id"], asset["id"], b["id"]))
        self.assertEqual(reference["contentType"], "audiovisual")
        self.assertEqual(owner.call("references.get", "GET", f"/references/{reference['id']}"), reference)
        # One reference per claim.
        owner.refused("references.insert", "POST", "/references", {}, 409, "alreadyExists", claimId=claim["id"])

    def test_a_midroll_cuepoint_on_a_claimed_broadcast_without_midroll_is_refused(self):
        b, s = self.bound("guide no midroll", monitor=False)
        owner = Owner(self, "Preroll Only", b["snippet"]["channelId"])
        owner.claim(b["id"], ["preroll", "postroll"])
        self.publish(s)
        wait_for("the stream to be active", lambda: self.stream_status(s["id"]) == "active")
        self.transition(b["id"], "live", "live")
        with self.assertRaises(HttpError) as caught:
            self.cuepoint(b["id"]).execute()
        self.assertEqual(caught.exception.resp.status, 403, caught.exception.content)
        self.assertEqual(reason(caught.exception), "midrollNotEnabled", caught.exception.content)
        # Enabling midroll lets the same live broadcast take the cuepoint.
        owner.call("videoAdvertisingOptions.patch", "PATCH", f"/videoAdvertisingOptions/{b['id']}",
                   {"breakPosition": ["preroll", "midroll"]})
        self.assertTrue(self.cuepoint(b["id"]).execute()["id"])
        self.yt.liveBroadcasts().transition(id=b["id"], part="status", broadcastStatus="complete").execute()


    def test_an_owner_approved_for_live_fingerprinting_references_a_ready_broadcast_and_locks_its_recording(self):
        b, _ = self.bound("guide live fingerprinting")
        owner = Owner(self, "Live Rights", b["snippet"]["channelId"], live_fingerprinting=True)
        claim = owner.claim(b["id"], ["preroll", "midroll"])
        # Before testing, the approved owner's reference is built while the broadcast runs.
        reference = owner.call("references.insert", "POST", "/references", {}, claimId=claim["id"])
        self.assertEqual(reference["kind"], "youtubePartner#reference")
        self.assertEqual(reference["status"], "activating")
        self.assertEqual((reference["claimId"], reference["videoId"]), (claim["id"], b["id"]))
        self.assertEqual(owner.call("references.get", "GET", f"/references/{reference['id']}"), reference)
        # recordFromStart is now locked on, although the broadcast is still ready.
        with self.assertRaises(HttpError) as caught:
            self.yt.liveBroadcasts().update(part="contentDetails", body={"id": b["id"], "contentDetails": {
                "recordFromStart": False, "enableDvr": True, "enableAutoStart": False, "enableAutoStop": False,
                "monitorStream": {"enableMonitorStream": True}}}).execute()
        self.assertEqual(caught.exception.resp.status, 403, caught.exception.content)
        self.assertEqual(reason(caught.exception), "recordFromStartModificationNotAllowed", caught.exception.content)
        now = self.broadcast_now(b["id"])
        self.assertTrue(now["contentDetails"]["recordFromStart"])
        self.assertEqual(now["status"]["lifeCycleStatus"], "ready")

    def test_an_unapproved_owner_waits_for_processing_and_a_reference_needs_record_from_start(self):
        b, _ = self.bound("guide unapproved")
        owner = Owner(self, "Unapproved Rights", b["snippet"]["channelId"])
        claim = owner.claim(b["id"], ["preroll"])
        owner.refused("references.insert", "POST", "/references", {}, 403, "fingerprintingNotAllowed",
                      claimId=claim["id"])
        # The refusal locked nothing: the streamer may still turn recording off, and then no reference
        # can be made from the claim at all.
        updated = self.yt.liveBroadcasts().update(part="contentDetails", body={"id": b["id"], "contentDetails": {
            "recordFromStart": False, "enableDvr": True, "enableAutoStart": False, "enableAutoStop": False,
            "monitorStream": {"enableMonitorStream": True}}}).execute()
        self.assertFalse(updated["contentDetails"]["recordFromStart"])
        owner.refused("references.insert", "POST", "/references", {}, 403, "recordFromStartRequired",
                      claimId=claim["id"])


def report_latency(store: str, wall: float):
    print(f"content id e2e on {store}: wall time {wall:.1f} s", file=sys.stderr)
    print(f"{'partner call':34} {'n':>3} {'min ms':>8} {'median ms':>10}", file=sys.stderr)
    for name in sorted(LATENCY):
        times = LATENCY[name]
        print(f"{name:34} {len(times):>3} {min(times) * 1000:>8.1f} {statistics.median(times) * 1000:>10.1f}",
              file=sys.stderr)


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[2] not in ("embedded", "dynamodb"):
        sys.exit(__doc__)
    binary, store = sys.argv[1], sys.argv[2]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="onair-cid-e2e-") as tmp:
        workdir = Path(tmp)
        rtmp_port, ingest_secret = free_port(), secrets.token_urlsafe(32)
        server, demo = start_server(binary, store, workdir, rtmp_port, ingest_secret)
        nginx = None
        try:
            nginx = start_ingest(workdir, rtmp_port, demo["base_url"], ingest_secret)
            ENV.update(base=demo["base_url"], demo=demo, token=access_token(demo, scope=SCOPE),
                       rtmp=f"rtmp://127.0.0.1:{rtmp_port}/live")
            suite = unittest.defaultTestLoader.loadTestsFromTestCase(Guide)
            result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
            if not result.wasSuccessful():
                for name in ("server.log", "nginx.log"):
                    print(f"--- {name} (last 60 lines) ---")
                    print("\n".join((workdir / name).read_text(errors="replace").splitlines()[-60:]))
        finally:
            for process in (nginx, server):
                if process is not None and process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(10)
                    except subprocess.TimeoutExpired:
                        process.kill()
    report_latency(store, time.monotonic() - started)
    print(f"content id e2e on {store}: {result.testsRun} run, {len(result.failures) + len(result.errors)} failed")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
