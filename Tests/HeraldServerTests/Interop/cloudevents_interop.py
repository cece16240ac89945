#!/usr/bin/env python3
"""Interop with the CloudEvents Python SDK (PyPI `cloudevents`), run by CloudEventsInteropTests.

Usage: cloudevents_interop.py BASE_URL TOPIC

Publishes events made with the SDK to a running `herald serve` in binary mode (`to_binary`), structured
mode (`to_structured`) and batch mode (a JSON array of the SDK's JSON format: the SDK has no batch writer),
then fetches them back through a pull consumer, reads each delivered event with the SDK's JSON format and
checks every attribute, extension and the data against what was sent. Prints `OK <n>` on success; exits 1
with the differences otherwise.
"""
import base64
import datetime
import json
import sys
import urllib.request

from cloudevents.core.bindings.http import to_binary, to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent


def post(url, body, headers):
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read() or b"{}")


def make(index, mode):
    attributes = {
        "id": f"py-{mode}-{index}",
        "source": "/interop/python",
        "type": "interop.python.v1",
        "subject": f"customer-{index}",
        "time": datetime.datetime(2026, 12, 3, 6, 30, index, 125000, tzinfo=datetime.timezone.utc),
        "dataschema": "https://example.com/schemas/order.json",
        "tenant": "acme",
        "priority": "high",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    }
    if index % 2 == 0:
        attributes["datacontenttype"] = "application/json"
        data = {"drink": "flat white", "index": index, "milk": None}
    else:
        attributes["datacontenttype"] = "application/octet-stream"
        data = bytes([0, 1, 2, 255, index])
    return CloudEvent(attributes=attributes, data=data)


def main():
    base, topic = sys.argv[1], sys.argv[2]
    url = f"{base}/topics/{topic}/events"
    fmt = JSONFormat()
    sent = {}
    for index in range(2):
        event = make(index, "binary")
        message = to_binary(event, fmt)
        status, answer = post(url, message.body, dict(message.headers))
        assert status == 200 and len(answer["receipts"]) == 1, answer
        sent[event.get_id()] = event
    for index in range(2):
        event = make(index, "structured")
        message = to_structured(event, fmt)
        status, answer = post(url, message.body, dict(message.headers))
        assert status == 200 and len(answer["receipts"]) == 1, answer
        sent[event.get_id()] = event
    batch = [make(index, "batch") for index in range(3)]
    body = b"[" + b",".join(fmt.write(event) for event in batch) + b"]"
    status, answer = post(url, body, {"Content-Type": "application/cloudevents-batch+json"})
    assert status == 200 and len(answer["receipts"]) == 3, answer
    for event in batch:
        sent[event.get_id()] = event

    received = {}
    tokens = []
    for _ in range(20):
        if len(received) >= len(sent):
            break
        status, answer = post(
            f"{base}/topics/{topic}/groups/python/fetch",
            json.dumps({"maxEvents": 100, "waitMilliseconds": 1000}).encode(),
            {"Content-Type": "application/json"},
        )
        for delivery in answer["deliveries"]:
            event = fmt.read(None, json.dumps(delivery["event"]).encode())
            received[event.get_id()] = event
            tokens.append(delivery["token"])
    post(
        f"{base}/topics/{topic}/groups/python/settle",
        json.dumps({"settlements": [{"token": token, "action": "ack"} for token in tokens]}).encode(),
        {"Content-Type": "application/json"},
    )

    problems = []
    if set(received) != set(sent):
        problems.append(f"ids differ: sent {sorted(sent)}, received {sorted(received)}")
    for identifier, original in sent.items():
        back = received.get(identifier)
        if back is None:
            continue
        if back.get_attributes() != original.get_attributes():
            problems.append(f"{identifier}: attributes {back.get_attributes()} != {original.get_attributes()}")
        if back.get_data() != original.get_data():
            problems.append(f"{identifier}: data {back.get_data()!r} != {original.get_data()!r}")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"OK {len(received)}")


if __name__ == "__main__":
    main()
