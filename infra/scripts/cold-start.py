"""Measures a function binary's cold start: process start to the first response, served through a
stand-in for the Lambda Runtime API on 127.0.0.1 (the same protocol the real runtime speaks), with
DynamoDB and Secrets Manager on a moto server.

Usage: cold-start.py BINARY EVENT_JSON MOTO_URL [RUNS] [STATUS]
Prints the median and range of: process start -> first `next` poll (init) and -> response (first call).
STATUS (default 200) is the status the first call must answer with — e.g. 401 for a resource call
measured without a token, which still runs the whole host, router and token check.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def provision(moto: str, suffix: str) -> None:
    """Creates what a deployed stack would have: both tables and the signing key."""
    import boto3

    args = dict(endpoint_url=moto, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    ddb = boto3.client("dynamodb", **args)
    ddb.create_table(
        TableName=f"cold-reg-{suffix}",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gsi1pk", "gsi1sk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "gsi1",
            "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"}, {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
    )
    ddb.create_table(
        TableName=f"cold-tok-{suffix}",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    boto3.client("secretsmanager", **args).create_secret(
        Name=f"cold-{suffix}/signing-key", SecretString=json.dumps({"current": "k" * 64})
    )


def measure(binary: str, event: dict, moto: str, suffix: str, status: int = 200) -> tuple[float, float]:
    provision(moto, suffix)
    marks: dict[str, float] = {}
    done = threading.Event()
    served = {"event": False}

    class Runtime(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):  # /2018-06-01/runtime/invocation/next
            marks.setdefault("poll", time.monotonic())
            if served["event"]:
                done.wait(5)
                self.send_response(500)
                self.end_headers()
                return
            served["event"] = True
            body = json.dumps(event).encode()
            self.send_response(200)
            self.send_header("Lambda-Runtime-Aws-Request-Id", "cold-start-1")
            self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 10_000))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:f")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # .../response or .../error
            length = int(self.headers.get("Content-Length", 0))
            reply = self.rfile.read(length)
            marks["response"] = time.monotonic()
            marks["ok"] = (self.path.endswith("/response")
                           and f'"statusCode":{status}'.encode() in reply.replace(b" ", b""))
            self.send_response(202)
            self.end_headers()
            done.set()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Runtime)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(
        os.environ,
        AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}",
        AWS_LAMBDA_FUNCTION_NAME="cold-start",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
        AWS_LAMBDA_FUNCTION_VERSION="1",
        AWS_LAMBDA_LOG_STREAM_NAME="s",
        AWS_LAMBDA_LOG_GROUP_NAME="g",
        AWS_ENDPOINT_URL=moto,
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        ONAIR_REGISTRATIONS_TABLE=f"cold-reg-{suffix}",
        ONAIR_TOKENS_TABLE=f"cold-tok-{suffix}",
        ONAIR_SECRET_PREFIX=f"cold-{suffix}/",
        # The deployed step scheduler's targets (nothing is planned during a cold start; the values only
        # have to be complete, as the template's are).
        ONAIR_SCHEDULE_GROUP="cold-lifecycle",
        ONAIR_SCHEDULER_ROLE_ARN="arn:aws:iam::123456789012:role/cold-step-scheduler",
        ONAIR_STEP_DLQ_ARN="arn:aws:sqs:us-east-1:123456789012:cold-step-failures",
        ONAIR_STEP_FUNCTION_ARNS=",".join(
            f"{kind}=arn:aws:lambda:us-east-1:123456789012:function:cold-lifecycle-{kind}"
            for kind in ("auto-stop", "scheduled-start", "scheduled-end")
        ),
        ONAIR_STEP_QUEUE_URLS=",".join(
            f"{kind}={moto}/123456789012/cold-lifecycle-{kind}" for kind in ("settle", "stream-changed")
        ),
        RUST_LOG="warn",
    )
    start = time.monotonic()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not done.wait(15):
        proc.kill()
        raise SystemExit("no response within 15 s")
    proc.kill()
    proc.wait()
    server.shutdown()
    if not marks.get("ok"):
        raise SystemExit(f"the function did not answer {status}")
    return (marks["poll"] - start) * 1e3, (marks["response"] - start) * 1e3


def main() -> None:
    binary, event_file, moto = sys.argv[1], sys.argv[2], sys.argv[3]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    status = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    event = json.load(open(event_file))
    results = [measure(binary, event, moto, f"{os.getpid()}-{i}", status) for i in range(runs)]
    init = [r[0] for r in results]
    first = [r[1] for r in results]
    print(f"{os.path.basename(binary)}: init median {statistics.median(init):.1f} ms "
          f"(min {min(init):.1f}, max {max(init):.1f}); first response median {statistics.median(first):.1f} ms "
          f"(min {min(first):.1f}, max {max(first):.1f}) over {runs} runs")


if __name__ == "__main__":
    main()
