#!/usr/bin/env python3
"""Stage 6 of the guide (wait for the broadcast's video to be processed), driven by Google's own client.

Starts `onair-local` on the chosen store (the embedded one, or DynamoDB on the moto server named by
AWS_ENDPOINT_URL), signs the demo streamer in through the real login page, and calls `videos.list`
with `googleapiclient` built from the `youtube.v3.json` discovery document it ships, its endpoint set
to the local server. The platform's side (ending a broadcast, reporting its recording processed) goes
through the admin API with the demo's admin token, as the media plane would.

Usage: videos_client.py LOCAL_BINARY {embedded|dynamodb}   (run by the integration test
`youtube::videos_client`, on both stores). Exit status 0 only if every test passed; the last line ends
with `N run, 0 failed`.
"""

import sys
import time
import unittest
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from googleapiclient.errors import HttpError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra/scripts"))
from demo_login import access_token  # noqa: E402

sys.path.insert(0, str(ROOT / "tests/python"))
# The local server is started as the lifecycle end-to-end test starts it (its ingest settings unused here).
from lifecycle_e2e import ENV, admin, reason, serve_and_run, youtube  # noqa: E402

SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl"
PARTS = "id,snippet,status,processingDetails,liveStreamingDetails"


def in_an_hour() -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Videos(unittest.TestCase):
    """videos.list through the stock client: shapes, stage 6's wait for `processed`, failures, errors."""

    @classmethod
    def setUpClass(cls):
        cls.yt = youtube(ENV["token"])
        cls.user = ENV["demo"]["user_id"]

    def broadcast(self) -> str:
        b = self.yt.liveBroadcasts().insert(part="snippet,status", body={
            "snippet": {"title": "videos e2e", "scheduledStartTime": in_an_hour()},
            "status": {"privacyStatus": "unlisted"}}).execute()
        self.channel = b["snippet"]["channelId"]
        return b["id"]

    def end(self, broadcast: str):
        reply = admin("POST", f"/admin/users/{self.user}/broadcasts/{broadcast}/end")
        self.assertEqual(reply.status_code, 200, reply.text)

    def report(self, broadcast: str, body: dict) -> requests.Response:
        return admin("PUT", f"/admin/users/{self.user}/videos/{broadcast}/processing", body)

    def video(self, broadcast: str) -> dict:
        listed = self.yt.videos().list(part=PARTS, id=broadcast).execute()
        self.assertEqual(listed["kind"], "youtube#videoListResponse")
        self.assertEqual(len(listed["items"]), 1, listed)
        return listed["items"][0]

    def test_stage_6_waits_for_the_broadcasts_video_to_be_processed(self):
        b = self.broadcast()
        v = self.video(b)
        self.assertEqual(v["kind"], "youtube#video")
        self.assertEqual(v["id"], b)
        self.assertEqual(v["snippet"]["title"], "videos e2e")
        self.assertEqual(v["snippet"]["channelId"], self.channel)
        self.assertEqual(v["snippet"]["liveBroadcastContent"], "upcoming")
        self.assertEqual(v["status"]["uploadStatus"], "uploaded")
        self.assertEqual(v["status"]["privacyStatus"], "unlisted")
        self.assertEqual(v["processingDetails"], {"processingStatus": "processing"})
        self.assertIn("scheduledStartTime", v["liveStreamingDetails"])
        # Processing belongs to the media plane, and only once the broadcast is complete.
        early = self.report(b, {"status": "processed"})
        self.assertEqual(early.status_code, 409, early.text)
        self.end(b)
        v = self.video(b)
        self.assertEqual(v["snippet"]["liveBroadcastContent"], "none")
        self.assertEqual(v["status"]["uploadStatus"], "uploaded")
        self.assertIn("actualEndTime", v["liveStreamingDetails"])
        self.assertNotIn("activeLiveChatId", v["liveStreamingDetails"])
        done = self.report(b, {"status": "processed"})
        self.assertEqual(done.status_code, 200, done.text)
        # The guide's loop: poll videos.list(part=status) until uploadStatus is processed.
        for _ in range(10):
            status = self.yt.videos().list(part="status", id=b).execute()["items"][0]["status"]
            if status["uploadStatus"] == "processed":
                break
            time.sleep(0.2)
        self.assertEqual(status["uploadStatus"], "processed")
        self.assertEqual(self.video(b)["processingDetails"], {"processingStatus": "succeeded"})

    def test_a_failed_recording_shows_its_failure_reason_and_unknown_ids_are_left_out(self):
        b = self.broadcast()
        self.end(b)
        reply = self.report(b, {"status": "failed", "failureReason": "codec"})
        self.assertEqual(reply.status_code, 200, reply.text)
        v = self.video(b)
        self.assertEqual(v["status"]["uploadStatus"], "failed")
        self.assertEqual(v["status"]["failureReason"], "codec")
        self.assertEqual(v["processingDetails"], {"processingStatus": "failed"})
        listed = self.yt.videos().list(part="id", id=f"nope,{b},also-nope", maxResults=5, hl="en").execute()
        self.assertEqual([item["id"] for item in listed["items"]], [b])

    def test_error_reasons_reach_the_client_in_googles_envelope(self):
        b = self.broadcast()
        cases = [
            (self.yt.videos().list(part="statistics", id=b), "unexpectedPart"),
            (self.yt.videos().list(part="bogus", id=b), "unknownPart"),
            (self.yt.videos().list(part="id", chart="mostPopular"), "unexpectedParameter"),
            (self.yt.videos().list(part="id", id=b, onBehalfOfContentOwner="cms"), "unexpectedParameter"),
            (self.yt.videos().list(part="id", id=b, pageToken="forged"), "invalidPageToken"),
        ]
        for request, expected in cases:
            with self.assertRaises(HttpError) as caught:
                request.execute()
            self.assertEqual(caught.exception.resp.status, 400, caught.exception.content)
            self.assertEqual(reason(caught.exception), expected, caught.exception.content)
        read_only = youtube(access_token(ENV["demo"], scope="https://www.googleapis.com/auth/youtube.readonly"))
        self.assertEqual(read_only.videos().list(part="status", id=b).execute()["items"][0]["id"], b)


def main() -> int:
    return serve_and_run(Videos, "youtube videos client", SCOPE)


if __name__ == "__main__":
    sys.exit(main())
