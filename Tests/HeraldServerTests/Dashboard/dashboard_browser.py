"""Drives the Herald dashboard in headless Chromium (selenium + chromium-driver) against a running
`herald serve`, and checks what an operator sees and does.

Usage: dashboard_browser.py MODE BASE_URL ADMIN_TOKEN READ_TOKEN SCREENSHOT_DIR [TRACE_ID]

MODE `demo`: the server holds the events of `herald demo` (one order dead-lettered by the cashier).
While events flow into a topic, it checks the overview's counts and live updates, a redrive refused to
a read-only token and done by an admin, the message browser and an event's life, a seek with its
confirmation, the flow map of the demo's services and event types, and a trace by correlation id.

MODE `timing`: loads every page afresh and prints how long each took (navigation start to the view
drawn, in the browser's clock), as JSON on the last line.

Exits 0 when every check held; otherwise prints what failed and exits 1. Saves a screenshot per page.
"""

import json
import os
import sys
import threading
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

MODE, BASE, ADMIN, READER, SHOTS = sys.argv[1:6]
TRACE_ID = sys.argv[6] if len(sys.argv) > 6 else "evt-A-1001"
SAGA_TRACE_ID = "evt-O-2001"
WAIT = 30


def call(method, path, token=ADMIN, body=None, content_type="application/json"):
    request = urllib.request.Request(BASE + path, method=method, data=body)
    request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
        return json.loads(text) if "json" in response.headers.get("Content-Type", "") else text


def publish(topic, events):
    batch = [
        {"specversion": "1.0", "id": f"{topic}-{n}", "source": "/dashboard-test", "type": "test.tick.v1", "subject": str(n), "data": {"n": n}}
        for n in events
    ]
    return call("POST", f"/topics/{topic}/events", body=json.dumps(batch).encode(), content_type="application/cloudevents-batch+json")


def browser():
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    options.binary_location = os.environ.get("HERALD_CHROMIUM", "/usr/bin/chromium")
    service = Service(executable_path=os.environ.get("HERALD_CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


class Dashboard:
    def __init__(self, driver):
        self.driver = driver
        self.shot = 0

    def wait(self, condition, what):
        try:
            # The overview is redrawn from its stream: an element read a moment ago may be gone; look again.
            return WebDriverWait(self.driver, WAIT, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]).until(
                lambda d: condition(d))
        except Exception as error:
            notice = self.driver.execute_script("return document.getElementById('notice').textContent")
            raise AssertionError(f"{what} (within {WAIT} s; the page says: {notice!r})") from error

    def open(self, hash_path, fresh=False):
        if fresh:
            self.driver.get("about:blank")
        if fresh or not self.driver.current_url.startswith(BASE + "/dashboard"):
            self.driver.get(f"{BASE}/dashboard#/{hash_path}")
        else:
            self.driver.execute_script(
                "document.getElementById('view').dataset.loaded = 'false';"
                "if (location.hash === arguments[0]) window.heraldRender(); else location.hash = arguments[0];", f"#/{hash_path}")
        view = hash_path.split("?")[0] or "overview"
        self.wait(lambda d: d.execute_script(
            "const v = document.getElementById('view'); return v.dataset.loaded === 'true' && v.dataset.view === arguments[0]", view),
            f"the {view} view loaded")

    def use_token(self, token):
        field = self.driver.find_element(By.ID, "token")
        field.clear()
        field.send_keys(token)
        self.driver.find_element(By.CSS_SELECTOR, "#token-form button").click()
        self.wait(lambda d: d.execute_script("return document.getElementById('view').dataset.loaded === 'true'"), "the view reloaded with the token")

    def screenshot(self, name):
        self.shot += 1
        os.makedirs(SHOTS, exist_ok=True)
        self.driver.save_screenshot(os.path.join(SHOTS, f"{self.shot:02d}-{name}.png"))

    def text(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector).text.strip()

    def cell(self, topic, field, group=None):
        selector = f'tr[data-topic="{topic}"]' + (f'[data-group="{group}"]' if group else ":not([data-group])") + f' td[data-field="{field}"]'
        for _ in range(5):
            try:
                cells = self.driver.find_elements(By.CSS_SELECTOR, selector)
                return cells[0].text.strip().replace(",", "") if cells else None
            except StaleElementReferenceException:
                continue  # redrawn between the lookup and the read
        return None


def demo(page):
    checks = []
    call("POST", "/topics", body=json.dumps({"name": "counted", "partitions": 2}).encode())
    call("POST", "/topics", body=json.dumps({"name": "live", "partitions": 1}).encode())
    publish("counted", range(25))
    flowing = threading.Event()

    def traffic():
        n = 0
        while not flowing.is_set() and n < 2_000:
            publish("live", [n])
            n += 1
            flowing.wait(0.1)

    threading.Thread(target=traffic, daemon=True).start()
    try:
        # Overview: the right counts, updated live.
        page.open("overview")
        page.use_token(ADMIN)
        page.wait(lambda d: page.cell("counted", "events") == "25", "the overview shows the 25 events of topic counted")
        page.wait(lambda d: page.cell("orders", "deadLetters", group="cashier") == "1", "the overview shows the cashier's one dead letter")
        first = int(page.cell("live", "published") or 0)
        updates = int(page.driver.execute_script("return document.getElementById('view').dataset.updates || '0'"))
        page.wait(lambda d: int(page.cell("live", "published") or 0) > first, "the live topic's count grows without a reload")
        later = int(page.driver.execute_script("return document.getElementById('view').dataset.updates || '0'"))
        assert later > updates, "the overview was redrawn from the stream"
        # An HTTP consumer's processing time (hand-out to settlement) and handled count.
        fetched = call("POST", "/topics/counted/groups/http-worker/fetch", body=json.dumps({"maxEvents": 10, "group": {"startPosition": "earliest"}}).encode())
        tokens = [{"token": d["token"], "action": "ack"} for d in fetched["deliveries"]]
        call("POST", "/topics/counted/groups/http-worker/settle", body=json.dumps({"settlements": tokens}).encode())
        page.wait(lambda d: page.cell("counted", "handled", group="http-worker") == str(len(tokens)), "the HTTP consumer's handled count")
        page.wait(lambda d: (page.cell("counted", "processingTime", group="http-worker") or "—") != "—", "the HTTP consumer's processing time")
        checks.append(f"overview: counted 25 events, cashier 1 dead letter, live {first} -> {page.cell('live', 'published')} by the stream, "
                      f"http-worker handled {len(tokens)} in {page.cell('counted', 'processingTime', group='http-worker')}")
        page.screenshot("overview")

        # A read-only token sees the dead letter but cannot redrive it.
        page.use_token(READER)
        page.open("deadletters?topic=orders&group=cashier")
        page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "tr.dead-letter"), "the read-only token sees the dead letter")
        page.driver.find_element(By.CSS_SELECTOR, "tr.dead-letter input.select-letter").click()
        page.driver.find_element(By.ID, "redrive").click()
        page.wait(lambda d: "permission" in page.text("#notice") and "error" in d.find_element(By.ID, "notice").get_attribute("class"),
                  "the redrive is refused to the read-only token")
        refused = page.text("#notice")
        open_after_refusal = call("GET", "/topics/orders/groups/cashier/deadletters/categories")["open"]
        assert open_after_refusal == 1, f"the refused redrive changed nothing: {open_after_refusal} open"
        checks.append(f"read-only redrive refused: {refused[:90]}")
        page.screenshot("deadletters-read-only")

        # An admin redrives it from the page, and the event moves back to its topic.
        before = call("GET", "/topics/orders")
        stored_before = sum(p["endOffset"] for p in before["partitions"])
        page.use_token(ADMIN)
        page.open("deadletters?topic=orders&group=cashier")
        page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "tr.dead-letter"), "the admin sees the dead letter")
        page.screenshot("deadletters")
        page.driver.find_element(By.CSS_SELECTOR, "tr.dead-letter input.select-letter").click()
        page.driver.find_element(By.ID, "dry-run").click()
        page.wait(lambda d: "would change 1" in page.text("#notice"), "the dry run says what the redrive would do")
        page.driver.find_element(By.ID, "redrive").click()
        page.wait(lambda d: "Redrove 1" in page.text("#notice"), "the redrive is reported")
        after = call("GET", "/topics/orders")
        stored_after = sum(p["endOffset"] for p in after["partitions"])
        open_now = call("GET", "/topics/orders/groups/cashier/deadletters/categories")["open"]
        assert stored_after == stored_before + 1, f"the redriven event is back in orders: {stored_before} -> {stored_after}"
        assert open_now == 0, f"no dead letter is open after the redrive: {open_now}"
        audit = call("GET", "/audit?limit=100")["entries"]
        assert any(e.get("action") == "redrive" and e.get("count") == 1 for e in audit), "the audit log records the redrive"
        checks.append(f"admin redrive: orders {stored_before} -> {stored_after} events, 0 open dead letters, audited")

        # The original's life in the message browser says it was dead-lettered and redriven.
        original = None
        for partition in range(2):
            for item in call("GET", f"/topics/orders/events?partition={partition}&from=0&limit=50")["events"]:
                if item["event"]["id"] == "evt-A-1004" and "heraldredriveof" not in item["event"]:
                    original = item
        assert original, "the dead-lettered order is in the browser"
        page.open(f"events?topic=orders&partition={original['partition']}&from={original['offset']}&limit=1")

        def shows_redrive(driver):
            # The observer reads the redriven copy at its next sample: ask again until it has.
            shown = driver.find_elements(By.CSS_SELECTOR, "#event-life")
            if shown and "redriven" in shown[0].text:
                return True
            driver.find_element(By.CSS_SELECTOR, "tr.event").click()
            return False

        WebDriverWait(page.driver, WAIT, poll_frequency=1.0, ignored_exceptions=[StaleElementReferenceException]).until(shows_redrive, "the original's life shows that it was redriven")
        checks.append(f"event life after the redrive: {page.text('#event-life').splitlines()[-1][:100]}")

        # The message browser: a filter, and an event's life in each group.
        page.open("events?topic=orders&filter=subject%20%3D%3D%20A-1002")
        rows = page.driver.find_elements(By.CSS_SELECTOR, "tr.event")
        assert rows, "the filter subject == A-1002 finds the order"
        rows[0].click()
        page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#event-life tbody tr"), "the event's life in each group is shown")
        life = page.text("#event-life")
        assert "cashier" in life, f"the cashier group is in the event's life: {life!r}"
        envelope = json.loads(page.text("#envelope"))
        assert envelope.get("subject") == "A-1002", f"the envelope is the event's: {envelope}"
        checks.append(f"message browser: {len(rows)} event(s) for subject A-1002; life: {life.splitlines()[-1][:80]}")
        page.screenshot("events")

        # Groups: a seek asks for confirmation with the number of events it replays.
        page.open("groups?topic=orders")
        group = call("GET", "/topics/orders/groups/cashier")
        committed = sum(p["committedOffset"] for p in group["partitions"])
        page.screenshot("groups")
        target = page.driver.find_element(By.CSS_SELECTOR, 'table.partitions[data-group="cashier"] ~ form input.seek-target')
        target.send_keys("0", Keys.ENTER)
        alert = page.wait(expected_conditions.alert_is_present(), "the seek asks for confirmation")
        question = alert.text
        assert f"{committed} events will be delivered again" in question, f"the confirmation counts the replay: {question!r}"
        alert.accept()
        page.wait(lambda d: sum(p["committedOffset"] for p in call("GET", "/topics/orders/groups/cashier")["partitions"]) == 0,
                  "the group was moved to offset 0")
        checks.append(f"seek confirmed: {question}")

        # The flow map of the demo's services and event types.
        page.open("flow")
        for kind, name in [("service", "/coffee/counter"), ("service", "/coffee/cashier"), ("service", "/coffee/barista"),
                           ("type", "coffee.order.placed.v1"), ("type", "coffee.payment.captured.v1"), ("type", "coffee.drink.ready.v1"),
                           ("topic", "orders"), ("group", "cashier"), ("group", "barista")]:
            nodes = page.driver.find_elements(By.CSS_SELECTOR, f'#flow-map g.node[data-kind="{kind}"][data-name="{name}"]')
            assert nodes, f"the flow map shows the {kind} {name}"
        reactions = page.driver.find_elements(By.CSS_SELECTOR, '#flow-map path[stroke-dasharray="4 3"]')
        assert reactions, "the flow map shows who reacted to what"
        # A new kind of event shows up on the open map, without a reload.
        late = [{"specversion": "1.0", "id": "late-1", "source": "/dashboard-late", "type": "test.late.v1", "data": {}}]
        call("POST", "/topics/counted/events", body=json.dumps(late).encode(), content_type="application/cloudevents-batch+json")
        page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, '#flow-map g.node[data-kind="type"][data-name="test.late.v1"]'),
                  "the open flow map draws a new event type as it flows")
        page.driver.find_element(By.ID, "export-mermaid").click()
        page.wait(lambda d: page.text("#export").startswith("flowchart LR"), "the Mermaid export is shown")
        checks.append(f"flow map: the demo's services, types, topics and groups, {len(reactions)} reaction edges, a new type drawn live, Mermaid export")
        page.screenshot("flow")

        # A trace by correlation id: the order's whole flow.
        page.open(f"trace?id={TRACE_ID}")
        page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "tr.trace-event"), "the trace lists the flow's events")
        steps = [(row.get_attribute("data-type"), row.get_attribute("data-source")) for row in page.driver.find_elements(By.CSS_SELECTOR, "tr.trace-event")]
        types = [t for t, _ in steps]
        assert types[0] == "coffee.order.placed.v1", f"the flow starts with the order: {types}"
        for expected in ("coffee.payment.captured.v1", "coffee.drink.ready.v1"):
            assert expected in types, f"the flow holds {expected}: {types}"
        assert types.index("coffee.payment.captured.v1") < types.index("coffee.drink.ready.v1"), f"payment before the drink: {types}"
        sources = {s for _, s in steps}
        assert {"/coffee/counter", "/coffee/cashier", "/coffee/barista"} <= sources, f"the flow crosses the three services: {sources}"
        checks.append(f"trace {TRACE_ID}: " + " -> ".join(types))
        page.screenshot("trace")

        # The orchestrated order's trace holds the saga's steps: its commands and the events answering them.
        page.open(f"trace?id={SAGA_TRACE_ID}")
        page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "tr.trace-event"), "the saga's trace lists its events")
        saga = [(row.get_attribute("data-type"), row.get_attribute("data-source")) for row in page.driver.find_elements(By.CSS_SELECTOR, "tr.trace-event")]
        commands = [t for t, s in saga if s == "/coffee/order-saga"]
        assert {"coffee.card.charge.v1", "coffee.drink.make.v1"} <= set(commands), f"the saga's commands are in its trace: {saga}"
        checks.append(f"saga trace {SAGA_TRACE_ID}: " + " -> ".join(t for t, _ in saga))
        page.screenshot("trace-saga")
    finally:
        flowing.set()
    for line in checks:
        print("ok:", line)


def timing(page):
    views = ["overview", "events?topic=t000", "deadletters?topic=t000&group=worker", "groups?topic=t000", "flow", f"trace?id={TRACE_ID}"]
    page.open("overview")
    page.use_token(ADMIN)
    results = {}
    details = {}
    for attempt in range(3):
        for hash_path in views:
            page.open(hash_path, fresh=True)
            loaded = page.driver.execute_script("return Number(document.getElementById('view').dataset.loadedAt)")
            name = hash_path.split("?")[0]
            heading = page.text("#view h1")
            assert heading != "Could not load this view", f"the {name} page loaded with an error: {page.text('#notice')}"
            if name == "trace":
                assert len(page.driver.find_elements(By.CSS_SELECTOR, "tr.trace-event")) == 3, "the trace shows the flow's three events"
            if name == "events":
                assert page.driver.find_elements(By.CSS_SELECTOR, "tr.event"), "the browser lists events"
            results.setdefault(name, []).append(loaded)
            # Where the time went: the page and script, and the slowest API answer.
            parts = page.driver.execute_script(
                "const n = performance.getEntriesByType('navigation')[0];"
                "const api = performance.getEntriesByType('resource').filter(r => !r.name.includes('/stream'));"
                "const v = document.getElementById('view');"
                "return [Math.round(n.responseEnd), Number(v.dataset.loadedAt) - Number(v.dataset.loadMs), Math.round(Math.max(0, ...api.map(r => r.duration)))];")
            details.setdefault(name, []).append(parts)
            if attempt == 0:
                page.screenshot(f"large-{name}")
    print("page answered by, view started at, slowest API answer (ms):", json.dumps(details))
    print(json.dumps({"millisecondsToDrawn": results}))


def main():
    os.makedirs(SHOTS, exist_ok=True)
    stale = os.path.join(SHOTS, "failure.png")
    if os.path.exists(stale):
        os.remove(stale)
    driver = browser()
    try:
        page = Dashboard(driver)
        (demo if MODE == "demo" else timing)(page)
    except AssertionError as failure:
        print("FAILED:", failure)
        try:
            driver.save_screenshot(os.path.join(SHOTS, "failure.png"))
        except Exception:
            pass
        sys.exit(1)
    finally:
        driver.quit()


main()
