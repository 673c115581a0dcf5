#!/usr/bin/env python3
"""YouTube's live chat for viewers, driven by Google's own client library against the real server.

Starts `onair-local` on the chosen store (the embedded one, or DynamoDB on the moto server named by
AWS_ENDPOINT_URL), signs the demo streamer in through the real login page, creates two more users
through the admin API (the demo's admin token), signs them in the same way, and drives
`liveChatMessages`, `liveChatBans` and `liveChatModerators` with `googleapiclient` built from the
`youtube.v3.json` discovery document it ships, its endpoint set to the local server.

Usage: chat_client.py LOCAL_BINARY {embedded|dynamodb}   (run by the integration test
`youtube::chat_client`, on both stores). Exit status 0 only if every test passed; the last line ends
with `N run, 0 failed`.
"""

import secrets
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
from lifecycle_e2e import ENV, reason, serve_and_run, youtube  # noqa: E402

SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl"


def new_user(name: str) -> tuple[str, object]:
    """A user created through the admin API and signed in through the login page: (user id, client)."""
    demo = ENV["demo"]
    login, password = f"{name}-{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    reply = requests.post(f"{ENV['base']}/admin/users", timeout=30,
                          headers={"Authorization": f"Bearer {demo['admin_token']}"},
                          json={"login": login, "password": password, "userName": name.title()})
    if reply.status_code != 201:
        raise RuntimeError(f"creating {name}: {reply.status_code} {reply.text}")
    token = access_token({**demo, "username": login, "password": password}, scope=SCOPE, state=name)
    return reply.json()["userId"], youtube(token)


def in_an_hour() -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Chat(unittest.TestCase):
    """A viewer's chat through the stock client: messages, paging, bans, moderators, error reasons."""

    @classmethod
    def setUpClass(cls):
        cls.owner = youtube(ENV["token"])
        cls.owner_id = ENV["demo"]["user_id"]
        cls.viewer_id, cls.viewer = new_user("viewer")
        cls.other_id, cls.other = new_user("other")

    def chat(self) -> str:
        """A new public broadcast of the demo streamer; its live chat id."""
        b = self.owner.liveBroadcasts().insert(part="snippet,status", body={
            "snippet": {"title": "chat e2e", "scheduledStartTime": in_an_hour()},
            "status": {"privacyStatus": "public"}}).execute()
        return b["snippet"].get("liveChatId", b["id"])

    def post(self, client, chat: str, text: str) -> dict:
        return client.liveChatMessages().insert(part="snippet,authorDetails", body={
            "snippet": {"liveChatId": chat, "type": "textMessageEvent",
                        "textMessageDetails": {"messageText": text}}}).execute()

    def refused(self, request, status: int, expected: str):
        with self.assertRaises(HttpError) as caught:
            request.execute()
        self.assertEqual(caught.exception.resp.status, status, caught.exception.content)
        self.assertEqual(reason(caught.exception), expected, caught.exception.content)

    def insert_request(self, client, chat: str, text: str):
        return client.liveChatMessages().insert(part="snippet", body={
            "snippet": {"liveChatId": chat, "type": "textMessageEvent",
                        "textMessageDetails": {"messageText": text}}})

    def test_a_viewer_inserts_lists_with_list_next_and_deletes(self):
        chat = self.chat()
        sent = self.post(self.viewer, chat, "hello from a viewer")
        self.assertEqual(sent["kind"], "youtube#liveChatMessage")
        self.assertEqual(sent["authorDetails"]["channelId"], self.viewer_id)
        self.assertFalse(sent["authorDetails"]["isChatOwner"])
        self.post(self.owner, chat, "<b>welcome</b>")
        messages = self.viewer.liveChatMessages()
        request = messages.list(liveChatId=chat, part="id,snippet,authorDetails", maxResults=200)
        first = request.execute()
        self.assertEqual(first["kind"], "youtube#liveChatMessageListResponse")
        self.assertEqual(first["pollingIntervalMillis"], 5000)
        self.assertEqual([m["snippet"]["displayMessage"] for m in first["items"]],
                         ["hello from a viewer", "<b>welcome</b>"])
        self.assertTrue(first["items"][1]["authorDetails"]["isChatOwner"])
        self.assertEqual(first["items"][1]["authorDetails"]["channelId"], self.owner_id)
        # list_next: nothing new gives no item and the same token; a new message comes alone.
        nothing_request = messages.list_next(request, first)
        nothing = nothing_request.execute()
        self.assertEqual(nothing["items"], [])
        self.assertEqual(nothing["nextPageToken"], first["nextPageToken"])
        self.post(self.other, chat, "a third voice")
        newer = messages.list_next(nothing_request, nothing).execute()
        self.assertEqual([m["snippet"]["displayMessage"] for m in newer["items"]], ["a third voice"])
        messages.delete(id=sent["id"]).execute()
        after = messages.list(liveChatId=chat, part="snippet").execute()
        self.assertEqual([m["snippet"]["displayMessage"] for m in after["items"]],
                         ["<b>welcome</b>", "a third voice"])

    def test_bans_refuse_the_viewer_until_deleted_and_a_temporary_ban_lifts(self):
        chat = self.chat()
        self.post(self.viewer, chat, "before the ban")
        ban = self.owner.liveChatBans().insert(part="snippet", body={"snippet": {
            "liveChatId": chat, "type": "permanent", "bannedUserDetails": {"channelId": self.viewer_id}}}).execute()
        self.assertEqual(ban["kind"], "youtube#liveChatBan")
        self.refused(self.insert_request(self.viewer, chat, "during the ban"), 403, "forbidden")
        self.owner.liveChatBans().delete(id=ban["id"]).execute()
        self.post(self.viewer, chat, "after the ban")
        timed = self.owner.liveChatBans().insert(part="snippet", body={"snippet": {
            "liveChatId": chat, "type": "temporary", "banDurationSeconds": "1",
            "bannedUserDetails": {"channelId": self.viewer_id}}}).execute()
        self.assertEqual(timed["snippet"]["banDurationSeconds"], "1")
        self.refused(self.insert_request(self.viewer, chat, "banned for a second"), 403, "forbidden")
        time.sleep(1.5)
        self.post(self.viewer, chat, "the ban lifted by itself")
        texts = [m["snippet"]["displayMessage"] for m in
                 self.owner.liveChatMessages().list(liveChatId=chat, part="snippet").execute()["items"]]
        self.assertEqual(texts, ["before the ban", "after the ban", "the ban lifted by itself"])

    def test_moderators_are_listed_paged_and_managed_by_the_owner_only(self):
        chat = self.chat()
        mods = self.owner.liveChatModerators()
        for user in (self.viewer_id, self.other_id):
            made = mods.insert(part="snippet", body={"snippet": {
                "liveChatId": chat, "moderatorDetails": {"channelId": user}}}).execute()
            self.assertEqual(made["kind"], "youtube#liveChatModerator")
        seen, request = [], mods.list(liveChatId=chat, part="snippet", maxResults=1)
        while request is not None:
            page = request.execute()
            seen += [m["snippet"]["moderatorDetails"]["channelId"] for m in page["items"]]
            request = mods.list_next(request, page)
        self.assertEqual(seen, sorted([self.viewer_id, self.other_id]))
        # A moderator deletes a viewer's message (here: the other moderator's is refused).
        theirs = self.post(self.other, chat, "a moderator's message")
        self.refused(self.viewer.liveChatMessages().delete(id=theirs["id"]), 403, "forbidden")
        mod_id = f"{chat}.mod.{self.other_id}"
        self.refused(self.viewer.liveChatModerators().delete(id=mod_id), 403, "forbidden")
        mods.delete(id=mod_id).execute()
        self.viewer.liveChatMessages().delete(id=theirs["id"]).execute()
        self.refused(self.other.liveChatModerators().insert(part="snippet", body={"snippet": {
            "liveChatId": chat, "moderatorDetails": {"channelId": self.other_id}}}), 403, "forbidden")
        left = mods.list(liveChatId=chat, part="snippet").execute()["items"]
        self.assertEqual([m["snippet"]["moderatorDetails"]["channelId"] for m in left], [self.viewer_id])

    def test_error_reasons_reach_the_client_in_googles_envelope(self):
        chat = self.chat()
        self.refused(self.insert_request(self.viewer, chat, "   "), 400, "messageTextRequired")
        self.refused(self.insert_request(self.viewer, chat, "x" * 201), 400, "messageTextInvalid")
        self.refused(self.insert_request(self.viewer, chat, "new\nline"), 400, "messageTextInvalid")
        self.refused(self.insert_request(self.viewer, "no-such-chat", "hi"), 404, "liveChatNotFound")
        self.refused(self.viewer.liveChatMessages().list(liveChatId=chat, part="snippet", pageToken="forged"),
                     400, "invalidPageToken")
        self.refused(self.viewer.liveChatBans().insert(part="snippet", body={"snippet": {
            "liveChatId": chat, "type": "permanent", "bannedUserDetails": {"channelId": self.owner_id}}}),
            403, "forbidden")
        for i in range(5):
            self.post(self.other, chat, f"burst {i}")
        self.refused(self.insert_request(self.other, chat, "one too many"), 403, "rateLimitExceeded")
        read_only = youtube(access_token(ENV["demo"], scope="https://www.googleapis.com/auth/youtube.readonly"))
        read_only.liveChatMessages().list(liveChatId=chat, part="snippet").execute()
        self.refused(self.insert_request(read_only, chat, "read only"), 403, "insufficientPermissions")


def main() -> int:
    return serve_and_run(Chat, "youtube chat client", SCOPE)


if __name__ == "__main__":
    sys.exit(main())
