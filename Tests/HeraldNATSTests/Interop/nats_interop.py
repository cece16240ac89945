#!/usr/bin/env python3
"""The other side of Herald's NATS interop tests, written with the official Python client (nats-py).

  read     --url U --subject S --count N   reads N messages of the JetStream stream holding subject S
                                           (an ordered consumer from the start) and prints one JSON
                                           object per message: subject, headers, data (base64), seq.
  publish  --url U --subject S --count N --source SRC
                                           publishes N CloudEvents in binary mode (ce-* headers) to
                                           subject S through JetStream and prints one JSON object per
                                           publish acknowledgement: stream, seq, duplicate.

Exit status 0 on success; 2 when nats-py is missing (the Swift test then skips or fails, as configured).
"""
import argparse
import asyncio
import base64
import json
import sys

try:
    import nats
except ImportError:  # pragma: no cover - reported to the caller
    print("nats-py is not installed: pip install nats-py", file=sys.stderr)
    sys.exit(2)


async def read(url: str, subject: str, count: int, timeout: float) -> None:
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        subscription = await js.subscribe(subject, ordered_consumer=True)
        for _ in range(count):
            message = await subscription.next_msg(timeout=timeout)
            print(json.dumps({
                "subject": message.subject,
                "headers": dict(message.headers or {}),
                "data": base64.b64encode(message.data).decode("ascii"),
                "seq": message.metadata.sequence.stream,
            }), flush=True)
        await subscription.unsubscribe()
    finally:
        await client.close()


async def publish(url: str, subject: str, count: int, source: str) -> None:
    client = await nats.connect(url)
    try:
        js = client.jetstream()
        for index in range(count):
            headers = {
                "ce-specversion": "1.0",
                "ce-id": f"py-{index}",
                "ce-source": source,
                "ce-type": "org.example.python.greeting.v1",
                "ce-subject": f"greeting-{index}",
                "ce-time": "2026-11-23T12:00:00Z",
                "ce-pythonextension": "from-nats-py",
                "Content-Type": "application/json",
            }
            data = json.dumps({"index": index, "greeting": "hello from nats-py"}).encode()
            ack = await js.publish(subject, data, headers=headers)
            print(json.dumps({"stream": ack.stream, "seq": ack.seq, "duplicate": bool(ack.duplicate)}), flush=True)
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["read", "publish"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--subject", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--source", default="/interop/nats-py")
    parser.add_argument("--timeout", type=float, default=10.0)
    arguments = parser.parse_args()
    if arguments.mode == "read":
        asyncio.run(read(arguments.url, arguments.subject, arguments.count, arguments.timeout))
    else:
        asyncio.run(publish(arguments.url, arguments.subject, arguments.count, arguments.source))


if __name__ == "__main__":
    main()
