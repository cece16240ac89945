/// The dashboard's script: plain JavaScript, no framework and no build step. Each view reads the
/// server's public API with the token the operator gave (kept for the browser tab only); charts and the
/// flow map are drawn as SVG by hand, small enough not to need a library.
enum DashboardScript {
    /// The JavaScript.
    static let source = #"""
        "use strict";
        const state = { token: sessionStorage.getItem("herald.token") || "", overview: null, stream: null };
        const view = document.getElementById("view");

        function h(tag, attributes, ...children) {
          const element = document.createElement(tag);
          for (const [key, value] of Object.entries(attributes || {})) {
            if (value === undefined || value === null || value === false) continue;
            if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
            else if (key === "dataset") Object.assign(element.dataset, value);
            else element.setAttribute(key, value === true ? "" : value);
          }
          for (const child of children.flat()) {
            if (child === undefined || child === null || child === false) continue;
            element.append(child instanceof Node ? child : document.createTextNode(String(child)));
          }
          return element;
        }
        function svg(tag, attributes, ...children) {
          const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
          for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, value);
          for (const child of children.flat()) if (child) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
          return element;
        }
        function notice(text, kind) {
          const box = document.getElementById("notice");
          box.textContent = text;
          box.className = kind || "";
          box.hidden = !text;
        }
        // One formatter for every count: toLocaleString made one per call, about half of the overview table's drawing time.
        const grouped = new Intl.NumberFormat("en-US");
        function number(value) { return value === null || value === undefined ? "—" : grouped.format(Number(value)); }
        function rate(value) { return value ? value.toFixed(1) : "0"; }
        function seconds(value) { return value === null || value === undefined ? "—" : value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(1)} s`; }

        async function api(path, options) {
          const headers = Object.assign({ "Accept": "application/json" }, (options && options.headers) || {});
          if (state.token) headers["Authorization"] = `Bearer ${state.token}`;
          const response = await fetch(path, Object.assign({}, options || {}, { headers }));
          const type = response.headers.get("content-type") || "";
          const body = type.includes("json") ? await response.json() : await response.text();
          if (!response.ok) {
            const detail = body && body.detail ? body.detail : `${response.status} ${response.statusText}`;
            const error = new Error(detail);
            error.status = response.status;
            throw error;
          }
          return body;
        }
        function post(path, body) {
          return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
        }

        // A query string with every character but the unreserved ones percent-encoded (never `+` for a space).
        function queryString(params) {
          return [...params.entries()].map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join("&");
        }
        function route() {
          const hash = location.hash.replace(/^#\/?/, "") || "overview";
          const [name, query] = hash.split("?");
          return { name, params: new URLSearchParams(query || "") };
        }
        function go(name, params) {
          const query = new URLSearchParams(params || {}).toString();
          location.hash = `#/${name}${query ? "?" + query : ""}`;
        }

        async function render() {
          const { name, params } = route();
          for (const link of document.querySelectorAll("nav a")) link.classList.toggle("active", link.dataset.view === name);
          view.dataset.loaded = "false";
          view.dataset.view = name;
          const started = performance.now();
          if (name !== "overview") stopStream();
          if (state.flowTimer) { clearInterval(state.flowTimer); state.flowTimer = null; }
          try {
            const draw = views[name] || views.overview;
            view.replaceChildren(await draw(params));
            notice("");
          } catch (error) {
            view.replaceChildren(h("h1", {}, "Could not load this view"), h("p", { class: "muted" }, error.message));
            notice(error.message, "error");
          }
          view.dataset.loadMs = String(Math.round(performance.now() - started));
          view.dataset.loadedAt = String(Math.round(performance.now()));
          view.dataset.loaded = "true";
        }

        function sparkline(values, width, height) {
          const most = Math.max(1, ...values);
          const step = values.length > 1 ? width / (values.length - 1) : width;
          const points = values.map((value, index) => `${(index * step).toFixed(1)},${(height - 2 - (value / most) * (height - 4)).toFixed(1)}`).join(" ");
          return svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `last hour, at most ${most} a minute` },
            svg("polyline", { points, fill: "none", stroke: "#2f5bea", "stroke-width": "1.5" }));
        }

        // Overview: per topic and group, counts, lag, rates, the last hour, critical time, dead letters; live.
        function overviewTable(overview) {
          const topics = overview.topics;
          const totals = topics.reduce((sum, topic) => {
            sum.events += topic.isDeadLetterTopic ? 0 : topic.events;
            for (const group of topic.groups) { sum.pending += group.pending; sum.deadLetters += group.deadLetters; }
            return sum;
          }, { events: 0, pending: 0, deadLetters: 0 });
          const cards = h("div", { class: "cards" },
            h("div", { class: "card" }, h("div", { class: "value", id: "total-topics" }, number(topics.filter(t => !t.isDeadLetterTopic).length)), h("div", { class: "label" }, "topics")),
            h("div", { class: "card" }, h("div", { class: "value", id: "total-events" }, number(totals.events)), h("div", { class: "label" }, "events stored")),
            h("div", { class: "card" }, h("div", { class: "value", id: "total-pending" }, number(totals.pending)), h("div", { class: "label" }, "pending")),
            h("div", { class: "card" }, h("div", { class: "value", id: "total-deadletters" }, number(totals.deadLetters)), h("div", { class: "label" }, "dead letters")));
          const rows = [];
          for (const topic of topics) {
            rows.push(h("tr", { class: "topic clickable", dataset: { topic: topic.name }, onclick: () => go("events", { topic: topic.name }) },
              h("td", {}, h("strong", {}, topic.name), topic.isDeadLetterTopic ? h("span", { class: "pill bad" }, " dead letters") : ""),
              h("td", { class: "number", dataset: { field: "events" } }, number(topic.events)),
              h("td", { class: "number", dataset: { field: "published" } }, number(topic.published)),
              h("td", { class: "number" }, rate(topic.publishedPerSecond)),
              h("td", {}, sparkline(topic.publishedPerMinute, 120, 24)),
              h("td", { class: "number" }, ""), h("td", { class: "number" }, ""), h("td", { class: "number" }, ""), h("td", { class: "number" }, ""), h("td", { class: "number" }, "")));
            for (const group of topic.groups) {
              rows.push(h("tr", { class: "group clickable", dataset: { topic: topic.name, group: group.name }, onclick: () => go("groups", { topic: topic.name }) },
                h("td", {}, group.name, group.paused ? h("span", { class: "pill bad" }, " paused") : "", h("span", { class: "muted" }, ` · ${group.members} members`)),
                h("td", { class: "number", dataset: { field: "handled" } }, number(group.handled)),
                h("td", { class: "number" }, ""),
                h("td", { class: "number" }, rate(group.handledPerSecond)),
                h("td", {}, sparkline(group.handledPerMinute, 120, 24)),
                h("td", { class: "number", dataset: { field: "pending" } }, number(group.pending)),
                h("td", { class: "number", dataset: { field: "inFlight" } }, number(group.inFlight)),
                h("td", { class: "number", dataset: { field: "criticalTime" } }, seconds(group.criticalTimeSeconds)),
                h("td", { class: "number", dataset: { field: "processingTime" } }, seconds(group.processingTimeSeconds)),
                h("td", { class: "number", dataset: { field: "deadLetters" } },
                  group.deadLetters ? h("a", { href: `#/deadletters?topic=${encodeURIComponent(topic.name)}&group=${encodeURIComponent(group.name)}`, onclick: (e) => e.stopPropagation() }, number(group.deadLetters)) : "0")));
            }
          }
          return h("div", { id: "overview" }, cards,
            h("table", {},
              h("thead", {}, h("tr", {}, ["topic / group", "events · handled", "published", "per second", "last hour", "pending", "in flight", "critical time", "processing time", "dead letters"].map((title, index) => h("th", { class: index === 0 || index === 4 ? "" : "number" }, title)))),
              h("tbody", {}, rows)),
            h("p", { class: "muted" }, `Sampled ${overview.at} every ${overview.intervalSeconds} s; ${number(overview.observedEvents)} events read to learn the flow.`));
        }
        function stopStream() {
          if (state.stream) { state.stream.abort(); state.stream = null; }
        }
        async function startStream() {
          stopStream();
          const controller = new AbortController();
          state.stream = controller;
          const headers = state.token ? { "Authorization": `Bearer ${state.token}` } : {};
          try {
            const response = await fetch("/dashboard/overview/stream", { headers, signal: controller.signal });
            if (!response.ok || !response.body) return;
            const reader = response.body.getReader();
            const decoder = new TextDecoder();
            let buffer = "";
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              buffer += decoder.decode(value, { stream: true });
              let end;
              while ((end = buffer.indexOf("\n\n")) >= 0) {
                const message = buffer.slice(0, end);
                buffer = buffer.slice(end + 2);
                const data = message.split("\n").filter(line => line.startsWith("data: ")).map(line => line.slice(6)).join("\n");
                if (!data || route().name !== "overview") continue;
                state.overview = JSON.parse(data);
                const current = document.getElementById("overview");
                if (current) { current.replaceWith(overviewTable(state.overview)); view.dataset.updates = String(Number(view.dataset.updates || 0) + 1); }
              }
            }
          } catch (error) {
            if (error.name !== "AbortError") notice(`The live stream stopped: ${error.message}`, "error");
          }
        }

        function topicOptions(overview, selected) {
          return overview.topics.map(topic => h("option", { value: topic.name, selected: topic.name === selected }, topic.name));
        }
        // `fetch` of the topic the route names, started at once so that it runs beside the overview's
        // request instead of after it; null when the route names none (a failure is seen where it is awaited).
        function namedTopicRequest(params, fetch) {
          const topic = params.get("topic");
          if (!topic) return null;
          const request = fetch(topic);
          request.catch(() => {});
          return request;
        }
        async function overviewNow() {
          state.overview = await api("/dashboard/overview");
          return state.overview;
        }

        const views = {
          async overview() {
            const overview = await overviewNow();
            // Live from the next sample on, once this one is drawn.
            setTimeout(startStream, 0);
            return h("section", {}, h("h1", {}, "Overview"), overviewTable(overview));
          },

          // Message browser: a topic's events by partition and offset or time, filtered.
          async events(params) {
            const query = new URLSearchParams({ partition: params.get("partition") || "0", limit: params.get("limit") || "50" });
            if (params.get("from")) query.set("from", params.get("from"));
            if (params.get("time")) query.set("time", params.get("time"));
            if (params.get("filter")) query.set("filter", params.get("filter"));
            const eventsOf = (topic) => api(`/topics/${encodeURIComponent(topic)}/events?${queryString(query)}`);
            const named = namedTopicRequest(params, eventsOf);
            const overview = await overviewNow();
            const topic = params.get("topic") || (overview.topics[0] && overview.topics[0].name) || "";
            const form = h("form", { class: "inline", id: "event-query", onsubmit: (event) => {
                event.preventDefault();
                const data = new FormData(event.target);
                const next = {};
                for (const [key, value] of data.entries()) if (value) next[key] = value;
                go("events", next);
              } },
              h("label", {}, "topic", h("select", { name: "topic" }, topicOptions(overview, topic))),
              h("label", {}, "partition", h("input", { name: "partition", type: "number", min: "0", value: params.get("partition") || "0", style: "width:5rem" })),
              h("label", {}, "from offset", h("input", { name: "from", type: "number", min: "0", value: params.get("from") || "", style: "width:7rem" })),
              h("label", {}, "or from time", h("input", { name: "time", placeholder: "2026-12-01T00:00:00Z", value: params.get("time") || "" })),
              h("label", {}, "filter", h("input", { name: "filter", id: "filter", placeholder: "type == orders.placed.v1 and data.size ~= large", value: params.get("filter") || "", style: "width:26rem" })),
              h("button", { type: "submit" }, "Show"));
            const section = h("section", {}, h("h1", {}, "Events"), form);
            if (!topic) return section;
            const page = await (named || eventsOf(topic));
            const detail = h("div", { id: "event-detail" }, h("p", { class: "muted" }, "Select an event to see its envelope and its life in each group."));
            const rows = page.events.map(item => h("tr", { class: "clickable event", dataset: { offset: item.offset }, onclick: () => showEvent(detail, topic, item.partition, item.offset) },
              h("td", { class: "number" }, item.offset), h("td", {}, item.event.type), h("td", {}, item.event.source), h("td", {}, item.event.subject || ""),
              h("td", {}, item.event.time || item.storedAt)));
            const more = page.next < page.endOffset ? h("button", { class: "secondary", onclick: () => go("events", Object.assign(Object.fromEntries(params), { topic, from: String(page.next) })) }, "Next") : "";
            section.append(
              h("p", { class: "muted", id: "event-range" }, `Offsets ${page.startOffset}–${page.endOffset - 1} stored; ${page.events.length} shown of ${page.scanned} read${page.filter ? ` matching ${page.filter}` : ""}.`),
              h("div", { class: "split" },
                h("div", {}, h("table", { id: "event-list" }, h("thead", {}, h("tr", {}, ["offset", "type", "source", "subject", "time"].map(t => h("th", {}, t)))), h("tbody", {}, rows)), more),
                detail));
            return section;
          },

          // Dead letters: categories, the open letters, redrive (with a dry run), archive, edit, the audit log.
          async deadletters(params) {
            const overview = await overviewNow();
            const choices = [];
            for (const topic of overview.topics) for (const group of topic.groups) choices.push({ topic: topic.name, group: group.name, count: group.deadLetters });
            const chosen = choices.find(c => c.topic === params.get("topic") && c.group === params.get("group")) || choices.find(c => c.count > 0) || choices[0];
            const section = h("section", {}, h("h1", {}, "Dead letters"));
            const picker = h("select", { id: "dead-letter-group", onchange: (event) => { const [topic, group] = event.target.value.split("\u0000"); go("deadletters", { topic, group }); } },
              choices.map(c => h("option", { value: `${c.topic}\u0000${c.group}`, selected: c === chosen }, `${c.topic} / ${c.group} (${c.count})`)));
            section.append(h("form", { class: "inline" }, h("label", {}, "topic / group", picker)));
            if (!chosen) { section.append(h("p", { class: "muted" }, "No consumer group yet.")); return section; }
            const base = `/topics/${encodeURIComponent(chosen.topic)}/groups/${encodeURIComponent(chosen.group)}/deadletters`;
            const [categories, letters, audit] = await Promise.all([api(`${base}/categories`), api(`${base}?limit=200`), api("/audit?limit=50").catch(() => ({ entries: [] }))]);
            section.append(h("h2", {}, `Failure categories (${categories.open} open)`),
              h("table", { id: "categories" }, h("thead", {}, h("tr", {}, ["category", "error", "event type", "count", "first seen", "last seen", ""].map(t => h("th", {}, t)))),
                h("tbody", {}, categories.categories.map(category => h("tr", {},
                  h("td", {}, category.pattern), h("td", {}, category.errorType), h("td", {}, category.eventType), h("td", { class: "number" }, category.count),
                  h("td", {}, category.firstSeen), h("td", {}, category.lastSeen),
                  h("td", {}, h("button", { class: "secondary", onclick: () => act(base, "redrive", { category: category.id }) }, "Redrive category")))))));
            const boxes = [];
            const rows = letters.deadLetters.map(letter => {
              const box = h("input", { type: "checkbox", value: letter.position, class: "select-letter" });
              boxes.push(box);
              return h("tr", { class: "dead-letter", dataset: { position: letter.position } },
                h("td", {}, box), h("td", {}, letter.position), h("td", {}, letter.event.type), h("td", {}, letter.errorType, h("div", { class: "muted" }, letter.message || "")),
                h("td", { class: "number" }, letter.attempts ?? ""), h("td", {}, letter.lastFailureAt || ""),
                h("td", {}, h("button", { class: "secondary", onclick: () => editLetter(base, letter) }, "Edit")));
            });
            const selected = () => boxes.filter(box => box.checked).map(box => box.value);
            const all = h("input", { type: "checkbox", id: "select-all", onchange: (event) => boxes.forEach(box => { box.checked = event.target.checked; }) });
            section.append(h("h2", {}, `Open dead letters (${letters.deadLetters.length} shown)`),
              h("div", { class: "inline", style: "margin-bottom:.5rem; display:flex; gap:.5rem" },
                h("button", { id: "dry-run", class: "secondary", onclick: () => act(base, "redrive", { positions: selected(), dryRun: true }) }, "Dry run"),
                h("button", { id: "redrive", onclick: () => act(base, "redrive", { positions: selected() }) }, "Redrive selected"),
                h("button", { id: "archive", class: "danger", onclick: () => act(base, "archive", { positions: selected() }) }, "Archive selected")),
              h("table", { id: "dead-letters" }, h("thead", {}, h("tr", {}, h("th", {}, all), ["position", "event type", "failure", "attempts", "last failure", ""].map(t => h("th", {}, t)))), h("tbody", {}, rows)),
              h("div", { id: "edit-panel" }));
            section.append(h("h2", {}, "Audit log"),
              h("table", { id: "audit" }, h("thead", {}, h("tr", {}, ["when", "who", "action", "topic / group", "selection", "count"].map(t => h("th", {}, t)))),
                h("tbody", {}, audit.entries.slice().reverse().map(entry => h("tr", {}, h("td", {}, entry.at || ""), h("td", {}, entry.actor || ""), h("td", {}, entry.action || ""),
                  h("td", {}, `${entry.topic || ""} / ${entry.group || ""}`), h("td", {}, entry.selection || ""), h("td", { class: "number" }, entry.count ?? ""))))));
            return section;
          },

          // Groups: members, lag per partition, seek with a count of what it replays, pause and resume.
          async groups(params) {
            const groupsOf = (topic) => api(`/topics/${encodeURIComponent(topic)}/groups`);
            const named = namedTopicRequest(params, groupsOf);
            const overview = await overviewNow();
            const topic = params.get("topic") || (overview.topics.find(t => t.groups.length) || overview.topics[0] || {}).name;
            const section = h("section", {}, h("h1", {}, "Groups"),
              h("form", { class: "inline" }, h("label", {}, "topic", h("select", { id: "group-topic", onchange: (event) => go("groups", { topic: event.target.value }) }, topicOptions(overview, topic)))));
            if (!topic) return section;
            const list = await (named || groupsOf(topic));
            for (const group of list.groups) {
              const path = `/topics/${encodeURIComponent(topic)}/groups/${encodeURIComponent(group.group)}`;
              const partitions = group.partitions || [];
              const target = h("input", { placeholder: "offset, RFC 3339 time, earliest or latest", class: "seek-target", style: "width:22rem" });
              section.append(h("h2", {}, `${group.group} `, group.paused ? h("span", { class: "pill bad" }, "paused") : h("span", { class: "pill good" }, "running")),
                h("p", { class: "muted" }, `${(group.members || []).length} members: ${(group.members || []).map(m => `#${m.id} (${m.inFlight} in flight)`).join(", ") || "none connected"}`),
                h("table", { class: "partitions", dataset: { group: group.group } }, h("thead", {}, h("tr", {}, ["partition", "committed", "end", "pending", "in flight", "awaiting redelivery"].map(t => h("th", { class: "number" }, t)))),
                  h("tbody", {}, partitions.map(p => h("tr", {}, h("td", { class: "number" }, p.partition), h("td", { class: "number" }, number(p.committedOffset)), h("td", { class: "number" }, number(p.endOffset)),
                    h("td", { class: "number" }, number(p.pending)), h("td", { class: "number" }, number(p.inFlight)), h("td", { class: "number" }, number(p.awaitingRedelivery)))))),
                h("form", { class: "inline", style: "margin-top:.5rem", onsubmit: (event) => { event.preventDefault(); seek(topic, group, target.value.trim()); } },
                  h("label", {}, "seek to", target), h("button", { type: "submit" }, "Seek…"),
                  h("button", { type: "button", class: "secondary", onclick: () => post(`${path}/${group.paused ? "resume" : "pause"}`).then(() => { notice(`${group.group} ${group.paused ? "resumed" : "paused"}`, "ok"); render(); }, e => notice(e.message, "error")) }, group.paused ? "Resume" : "Pause")));
            }
            if (!list.groups.length) section.append(h("p", { class: "muted" }, "No group has subscribed to this topic."));
            return section;
          },

          // The flow map learned from traffic, with its Mermaid and AsyncAPI exports.
          async flow() {
            let flow = await api("/flow");
            // The map grows as traffic flows: look again every few seconds and redraw what changed.
            state.flowTimer = setInterval(async () => {
              const next = await api("/flow").catch(() => null);
              const current = document.getElementById("flow-map");
              if (!next || !current || JSON.stringify(next) === JSON.stringify(flow)) return;
              flow = next;
              current.replaceWith(flowDiagram(next));
              view.dataset.updates = String(Number(view.dataset.updates || 0) + 1);
            }, 5000);
            const section = h("section", {}, h("h1", {}, "Flow map"),
              h("p", { class: "muted" }, "Learned from the events the server read: services publish event types to topics, groups consume topics; a dashed line runs from an event type to the service that reacted to it (from causation ids)."),
              h("div", { style: "display:flex; gap:.5rem; margin-bottom:.8rem" },
                h("button", { class: "secondary", id: "export-mermaid", onclick: () => exportText("/flow/mermaid", "flow.mmd") }, "Mermaid"),
                h("button", { class: "secondary", id: "export-asyncapi", onclick: () => exportText("/flow/asyncapi", "asyncapi.json") }, "AsyncAPI 3")),
              flowDiagram(flow), h("pre", { id: "export", hidden: true }));
            return section;
          },

          // A trace: every event of one correlation id, as a tree and a timeline.
          async trace(params) {
            const id = params.get("id") || "";
            const input = h("input", { id: "correlation-id", value: id, placeholder: "correlation id", style: "width:24rem" });
            const section = h("section", {}, h("h1", {}, "Trace"),
              h("form", { class: "inline", onsubmit: (event) => { event.preventDefault(); go("trace", { id: input.value.trim() }); } }, h("label", {}, "correlation id", input), h("button", { type: "submit" }, "Trace")));
            if (!id) {
              const recent = await api("/traces");
              section.append(h("h2", {}, "Recent flows"), h("ul", { id: "recent-flows" }, recent.correlationIds.slice(0, 30).map(cid => h("li", {}, h("a", { href: `#/trace?id=${encodeURIComponent(cid)}` }, cid)))));
              return section;
            }
            const trace = await api(`/traces/${encodeURIComponent(id)}`);
            const times = trace.events.map(e => Date.parse(e.time)).filter(t => !Number.isNaN(t));
            const start = Math.min(...times), end = Math.max(...times), span = Math.max(1, end - start);
            section.append(h("p", { class: "muted", id: "trace-summary" }, `${trace.events.length} events across ${trace.services.length} services: ${trace.services.join(", ")}${trace.truncated ? " (truncated)" : ""}`),
              h("table", { class: "timeline", id: "trace" }, h("thead", {}, h("tr", {}, ["+ms", "event", "service", "topic", "timeline"].map(t => h("th", {}, t)))),
                h("tbody", {}, trace.events.map(e => {
                  const at = Date.parse(e.time), offset = Number.isNaN(at) ? null : at - start;
                  return h("tr", { class: "trace-event clickable", dataset: { type: e.type, source: e.source }, onclick: () => go("events", { topic: e.topic, partition: String(e.partition), from: String(e.offset) }) },
                    h("td", { class: "number" }, offset === null ? "" : offset), h("td", { style: `padding-left:${0.6 + e.depth * 1.2}rem` }, e.type, e.subject ? h("span", { class: "muted" }, ` ${e.subject}`) : ""),
                    h("td", {}, e.source), h("td", {}, `${e.topic} ${e.partition}:${e.offset}`),
                    h("td", { class: "bar" }, svg("svg", { width: 240, height: 10 }, svg("rect", { x: offset === null ? 0 : (offset / span) * 232, y: 1, width: 8, height: 8, fill: "#2f5bea" }))));
                }))));
            return section;
          },
        };

        async function showEvent(panel, topic, partition, offset) {
          try {
            const item = await api(`/topics/${encodeURIComponent(topic)}/events/${partition}/${offset}`);
            const correlation = item.event.correlationid || item.event.id;
            panel.replaceChildren(h("h2", {}, `${topic} ${partition}:${offset}`),
              h("p", {}, h("a", { href: `#/trace?id=${encodeURIComponent(correlation)}`, id: "trace-link" }, `Trace ${correlation}`)),
              h("table", { id: "event-life" }, h("thead", {}, h("tr", {}, ["group", "state", "detail"].map(t => h("th", {}, t)))),
                h("tbody", {}, item.groups.map(g => h("tr", {}, h("td", {}, g.group),
                  h("td", {}, h("span", { class: `pill ${g.state === "acknowledged" ? "good" : g.state === "dead-lettered" || g.state === "awaiting redelivery" ? "bad" : ""}` }, g.state)),
                  h("td", { class: "muted" }, lifeDetail(g)))))),
              item.redriveOf ? h("p", { class: "muted" }, `A redriven copy of dead letter ${item.redriveOf}.`) : "",
              h("pre", { id: "envelope" }, JSON.stringify(item.event, null, 2)));
          } catch (error) { notice(error.message, "error"); }
        }

        function lifeDetail(g) {
          if (g.deadLetter) return `dead-lettered after ${g.attempts} attempts: ${g.reason} (${g.deadLetter})${g.redrivenTo ? `; redriven to ${g.redrivenTo}` : ""}`;
          const failure = g.lastFailure ? `; last failure ${g.lastFailureAt || ""}: ${g.lastFailure}` : "";
          if (g.state === "in flight") return `delivery ${g.attempts} with member #${g.member}, to settle by ${g.deadline}${failure}`;
          if (g.state === "awaiting redelivery") return `delivered ${g.attempts} times, again at ${g.due}${failure}`;
          const tried = g.attempts > 1 ? `; delivered ${g.attempts} times` : "";
          return `committed to ${g.committedOffset}; ${g.partitionInFlight} in flight, ${g.partitionAwaitingRedelivery} awaiting redelivery on the partition${tried}${failure}`;
        }

        async function act(base, action, body) {
          if (body.positions && !body.positions.length) { notice("Select at least one dead letter first.", "error"); return; }
          try {
            const report = await post(`${base}/${action}`, body);
            const verb = report.dryRun ? `A ${action} would change` : `${action === "redrive" ? "Redrove" : "Archived"}`;
            notice(`${verb} ${report.count} dead letters${Object.keys(report.topics || {}).length ? ` (to ${Object.entries(report.topics).map(([t, n]) => `${t}: ${n}`).join(", ")})` : ""}.`, "ok");
            if (!report.dryRun) { const message = document.getElementById("notice").textContent; await render(); notice(message, "ok"); }
          } catch (error) { notice(error.message, "error"); }
        }

        function editLetter(base, letter) {
          const panel = document.getElementById("edit-panel");
          const event = Object.assign({}, letter.event);
          event.id = `${event.id}-edited`;
          const text = h("textarea", { rows: 14, style: "width:100%", id: "edit-text" }, JSON.stringify(event, null, 2));
          const [partition, offset] = letter.position.split(":");
          panel.replaceChildren(h("h2", {}, `Edit ${letter.position} and redrive it (admin only)`), text,
            h("div", { style: "display:flex; gap:.5rem; margin-top:.4rem" },
              h("button", { class: "secondary", onclick: () => send(true) }, "Dry run"), h("button", { onclick: () => send(false) }, "Publish the edited event")));
          async function send(dryRun) {
            try {
              const result = await post(`${base}/${partition}/${offset}/edit`, { event: JSON.parse(text.value), dryRun });
              notice(dryRun ? "The edit would be accepted." : `Published ${result.receipt ? result.receipt.id : "the edited event"}.`, "ok");
              if (!dryRun) render();
            } catch (error) { notice(error.message, "error"); }
          }
        }

        async function seek(topic, group, target) {
          const partitions = group.partitions || [];
          let body, offsets = {};
          if (target === "earliest" || target === "latest") body = { to: target };
          else if (/^\d+$/.test(target)) { body = { offset: Number(target) }; for (const p of partitions) offsets[p.partition] = Number(target); }
          else if (!Number.isNaN(Date.parse(target))) body = { time: target };
          else { notice(`'${target}' is not an offset, a time, earliest or latest.`, "error"); return; }
          if (body.to === "earliest") for (const p of partitions) offsets[p.partition] = 0;
          if (body.to === "latest") for (const p of partitions) offsets[p.partition] = p.endOffset;
          if (body.time) {
            for (const p of partitions) {
              const page = await api(`/topics/${encodeURIComponent(topic)}/events?partition=${p.partition}&time=${encodeURIComponent(target)}&limit=1`);
              offsets[p.partition] = page.from;
            }
          }
          const replayed = partitions.reduce((sum, p) => sum + Math.max(0, p.committedOffset - Math.max(offsets[p.partition] ?? p.committedOffset, 0)), 0);
          const skipped = partitions.reduce((sum, p) => sum + Math.max(0, (offsets[p.partition] ?? p.committedOffset) - p.committedOffset), 0);
          const message = `Seek ${group.group} on ${topic} to ${target}? ${replayed} events will be delivered again${skipped ? ` and ${skipped} skipped` : ""}.`;
          if (!window.confirm(message)) return;
          try {
            await post(`/topics/${encodeURIComponent(topic)}/groups/${encodeURIComponent(group.group)}/seek`, body);
            await render();
            notice(`Moved ${group.group}: ${replayed} events to replay.`, "ok");
          } catch (error) { notice(error.message, "error"); }
        }

        async function exportText(path, name) {
          try {
            const body = await api(path);
            const text = typeof body === "string" ? body : JSON.stringify(body, null, 2);
            const box = document.getElementById("export");
            box.hidden = false;
            box.textContent = text;
            const link = h("a", { href: URL.createObjectURL(new Blob([text])), download: name });
            link.click();
          } catch (error) { notice(error.message, "error"); }
        }

        // Columns: services → event types → topics → groups; reactions dashed from a type back to a service.
        function flowDiagram(flow) {
          const columns = [flow.services, flow.types, flow.topics, flow.groups];
          const kinds = ["service", "type", "topic", "group"];
          const width = 1100, columnWidth = width / 4, rowHeight = 34;
          const height = Math.max(120, Math.max(...columns.map(c => c.length)) * rowHeight + 40);
          const place = {};
          columns.forEach((names, column) => names.forEach((name, row) => { place[`${kinds[column]}:${name}`] = { x: column * columnWidth + 20, y: 30 + row * rowHeight }; }));
          const boxWidth = columnWidth - 60;
          const lines = [];
          function line(from, to, dashed, title) {
            const a = place[from], b = place[to];
            if (!a || !b) return;
            const forward = b.x > a.x;
            const x1 = forward ? a.x + boxWidth : a.x, x2 = forward ? b.x : b.x + boxWidth;
            const middle = (x1 + x2) / 2;
            lines.push(svg("path", { d: `M${x1},${a.y + 11} C${middle},${a.y + 11} ${middle},${b.y + 11} ${x2},${b.y + 11}`, fill: "none", stroke: dashed ? "#c0362c" : "#98a2b3", "stroke-width": "1.2", "stroke-dasharray": dashed ? "4 3" : "" }, svg("title", {}, title)));
          }
          for (const p of flow.publications) { line(`service:${p.source}`, `type:${p.type}`, false, `${p.source} publishes ${p.type} (${p.count})`); line(`type:${p.type}`, `topic:${p.topic}`, false, `${p.type} to ${p.topic}`); }
          for (const c of flow.consumptions) line(`topic:${c.topic}`, `group:${c.group}`, false, `${c.group} consumes ${c.topic}`);
          for (const r of flow.reactions) line(`type:${r.cause}`, `service:${r.service}`, true, `${r.service} reacts to ${r.cause} with ${r.reaction} (${r.count})`);
          const fills = { service: "#e8eefc", type: "#fff7e0", topic: "#e3f4ea", group: "#f1e8fc" };
          const boxes = Object.entries(place).map(([key, at]) => {
            const [kind, ...rest] = key.split(":");
            const name = rest.join(":");
            return svg("g", { class: `node ${kind}`, "data-kind": kind, "data-name": name },
              svg("rect", { x: at.x, y: at.y, width: boxWidth, height: 22, rx: kind === "service" ? 11 : 3, fill: fills[kind], stroke: "#98a2b3" }),
              svg("text", { x: at.x + 8, y: at.y + 15 }, name.length > 34 ? name.slice(0, 33) + "…" : name), svg("title", {}, `${kind}: ${name}`));
          });
          const headings = ["services", "event types", "topics", "groups"].map((title, column) => svg("text", { x: column * columnWidth + 20, y: 16, "font-weight": "600" }, title));
          return svg("svg", { id: "flow-map", width, height, viewBox: `0 0 ${width} ${height}` }, headings, lines, boxes);
        }

        document.getElementById("token-form").addEventListener("submit", (event) => {
          event.preventDefault();
          state.token = document.getElementById("token").value.trim();
          sessionStorage.setItem("herald.token", state.token);
          document.getElementById("token").value = "";
          render();
        });
        window.addEventListener("hashchange", render);
        window.heraldRender = render;
        render();
        """#
}
