// The newsflow page: reads the daemon's /api/ streams, never writes.
"use strict";

// A token given as ?token= on the page's URL goes along to every API call
// (EventSource cannot send an Authorization header).
const token = new URLSearchParams(location.search).get("token");
function api(path, params = {}) {
  const query = new URLSearchParams(params);
  if (token) query.set("token", token);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

const $ = (id) => document.getElementById(id);
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}
function svg(tag, attrs = {}, text) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
const short = (key) => key.replace(/^(sources|transforms|sinks)\./, "");
const rate = (r) => (r == null ? "–" : r.toFixed(1));

function show(view) {
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("on", b.dataset.view === view));
  document.querySelectorAll(".view").forEach((s) => s.classList.toggle("on", s.id === view));
}
document.querySelectorAll("nav button").forEach((b) => (b.onclick = () => show(b.dataset.view)));

// ---- Pipeline view -------------------------------------------------------

const W = 210, H = 96, GX = 70, GY = 22;

async function loadTopology() {
  const response = await fetch(api("/api/topology"));
  if (!response.ok) {
    $("state").textContent = await response.text();
    $("state").className = "state down";
    return;
  }
  const { nodes } = await response.json();
  drawGraph(nodes);
  fillStages(nodes);
}

// Columns by depth: sources, transforms in order, sinks; dead letters last.
function layout(nodes) {
  const byKey = Object.fromEntries(nodes.map((n) => [n.key, n]));
  const depth = {};
  const depthOf = (n) =>
    (depth[n.key] ??= n.inputs.length ? 1 + Math.max(...n.inputs.map((k) => (byKey[k] ? depthOf(byKey[k]) : 0))) : 0);
  nodes.forEach(depthOf);
  const last = Math.max(1, ...nodes.filter((n) => n.kind !== "dead_letter").map((n) => depth[n.key]));
  const rows = {}, pos = {};
  for (const n of nodes) {
    const column = n.kind === "dead_letter" ? last : depth[n.key];
    const row = (rows[column] = (rows[column] ?? -1) + 1);
    pos[n.key] = { x: 10 + column * (W + GX), y: 10 + row * (H + GY) };
  }
  return pos;
}

function drawGraph(nodes) {
  const pos = layout(nodes);
  const g = $("graph");
  g.replaceChildren();
  const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" });
  marker.append(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#78909c" }));
  const defs = svg("defs");
  defs.append(marker);
  g.append(defs);
  const edge = (from, to, cls) => {
    const a = pos[from], b = pos[to];
    if (!a || !b) return;
    // Stages in one column (a sink above the dead letters) join top to bottom.
    const d = a.x === b.x
      ? `M${a.x + W / 2},${a.y + H} L${b.x + W / 2},${b.y}`
      : `M${a.x + W},${a.y + H / 2} C${a.x + W + GX / 2},${a.y + H / 2} ${b.x - GX / 2},${b.y + H / 2} ${b.x},${b.y + H / 2}`;
    g.append(svg("path", { class: cls, d }));
  };
  const dead = nodes.find((n) => n.kind === "dead_letter");
  for (const n of nodes) {
    n.inputs.forEach((input) => edge(input, n.key, "edge"));
    if (dead && n !== dead) edge(n.key, dead.key, "edge dl");
  }
  for (const n of nodes) {
    const { x, y } = pos[n.key];
    const node = svg("g", { class: `node ${n.kind}`, id: `node-${n.key}`, transform: `translate(${x},${y})` });
    node.append(
      svg("rect", { width: W, height: H, class: "box" }),
      svg("text", { x: 8, y: 16, class: "name" }, n.kind === "dead_letter" ? "dead letters" : short(n.key)),
      svg("text", { x: 8, y: 31 }, `${n.kind.replace("_", " ")} · ${n.type_name}`),
      svg("text", { x: 8, y: 48, class: "rates" }, "in – /s · out – /s"),
      svg("text", { x: 8, y: 64, class: "queue" }, ""),
      svg("rect", { x: 8, y: 68, width: W - 16, height: 5, class: "bar" }),
      svg("rect", { x: 8, y: 68, width: 0, height: 5, class: "fill" }),
      svg("text", { x: 8, y: 88, class: "counts" }, ""),
    );
    if (n.kind !== "dead_letter") node.onclick = () => { $("stage").value = n.key; watchStage(); show("articles"); };
    g.append(node);
  }
  const width = Math.max(...Object.values(pos).map((p) => p.x)) + W + 10;
  const height = Math.max(...Object.values(pos).map((p) => p.y)) + H + 10;
  g.setAttribute("viewBox", `0 0 ${width} ${height}`);
  g.style.maxWidth = `${width}px`;
}

let reloadsSeen = null;
function onStats(stats) {
  const state = $("state");
  state.textContent = `${stats.draining ? "draining" : stats.ready ? "ready" : "not ready"} · reloads ${stats.reloads}` +
    (stats.failed_reloads ? ` (${stats.failed_reloads} refused)` : "");
  state.className = `state ${stats.ready ? "ready" : "down"}`;
  if (reloadsSeen !== null && reloadsSeen !== stats.reloads) loadTopology();
  reloadsSeen = stats.reloads;
  for (const s of stats.stages) {
    const node = document.getElementById(`node-${s.key}`);
    if (!node) continue;
    node.classList.toggle("notready", !s.ready);
    node.querySelector(".rates").textContent = `in ${rate(s.in_per_sec)}/s · out ${rate(s.out_per_sec)}/s`;
    const q = s.queue;
    node.querySelector(".queue").textContent = q ? `queue ${q.depth} / ${q.capacity}` : s.kind === "source" ? `backlog ${s.backlog}` : "";
    node.querySelector(".fill").setAttribute("width", q ? ((W - 16) * q.depth) / Math.max(1, q.capacity) : 0);
    node.querySelector(".counts").textContent =
      `${s.received} in · ${s.emitted} out · ${s.failed} failed · ${s.ready ? "ready" : "NOT READY"}`;
  }
}

const events = new EventSource(api("/api/events"));
events.addEventListener("stats", (e) => onStats(JSON.parse(e.data)));
events.onerror = () => {
  $("state").textContent = "disconnected; retrying…";
  $("state").className = "state down";
};

// ---- Articles view -------------------------------------------------------

const KEEP = 100;
let articles = [], current = null, tap = null;

function fillStages(nodes) {
  const select = $("stage");
  const chosen = select.value;
  const keys = nodes.filter((n) => n.kind !== "dead_letter").map((n) => n.key);
  select.replaceChildren(...keys.map((k) => el("option", { value: k }, k)));
  // Enriched articles by default: what the first sink writes.
  select.value = keys.includes(chosen) ? chosen : nodes.find((n) => n.kind === "sink")?.key ?? keys[0];
  if (select.value !== chosen) watchStage();
}

function watchStage() {
  if (tap) tap.close();
  articles = [];
  $("skipped").textContent = "";
  renderList();
  tap = new EventSource(api("/api/tap", { stage: $("stage").value, recent: true }));
  tap.addEventListener("record", (e) => {
    const { record } = JSON.parse(e.data);
    articles.unshift(record);
    articles.length = Math.min(articles.length, KEEP);
    addOptions(record);
    renderList();
  });
  tap.addEventListener("skipped", (e) => {
    $("skipped").textContent = `${JSON.parse(e.data).skipped} articles went by unseen (this page fell behind)`;
  });
}
$("stage").onchange = watchStage;

function addOptions(article) {
  for (const [id, values] of [["f-kind", (article.figures ?? []).map((f) => f.kind)], ["f-event", (article.figures ?? []).map((f) => f.event).filter(Boolean)]]) {
    const select = $(id);
    const have = new Set([...select.options].map((o) => o.value));
    for (const v of values) if (!have.has(v)) { select.append(el("option", { value: v }, v)); have.add(v); }
  }
}

const filters = () => ({ name: $("f-name").value.trim().toLowerCase(), type: $("f-type").value, kind: $("f-kind").value, event: $("f-event").value });
const entityMatches = (e, f) => (!f.name || e.name.toLowerCase().includes(f.name)) && (!f.type || e.type === f.type);
const figureMatches = (x, f) => (!f.kind || x.kind === f.kind) && (!f.event || x.event === f.event);
function articleMatches(a, f) {
  const entityOk = !(f.name || f.type) || (a.entities ?? []).some((e) => entityMatches(e, f));
  const figureOk = !(f.kind || f.event) || (a.figures ?? []).some((x) => figureMatches(x, f));
  return entityOk && figureOk;
}
for (const id of ["f-name", "f-type", "f-kind", "f-event"]) $(id).oninput = () => { renderList(); if (current) openArticle(current); };

function renderList() {
  const f = filters();
  $("list").replaceChildren(...articles.filter((a) => articleMatches(a, f)).map((a) => {
    const item = el("li", {}, a.title || a.id, el("small", {}, `${a.id} · ${(a.entities ?? []).length} entities · ${(a.figures ?? []).length} figures`));
    if (current && current.id === a.id) item.className = "on";
    item.onclick = () => { openArticle(a); renderList(); };
    return item;
  }));
}

// Renders `text` into `parent` with `spans` ({start, end, make}) marked.
// Offsets are code points; nested spans nest, crossing ones are left out.
function markup(parent, text, spans) {
  const chars = Array.from(text);
  const root = { start: 0, end: chars.length, children: [] };
  const stack = [root];
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  for (const s of spans) {
    while (stack.length > 1 && stack[stack.length - 1].end <= s.start) stack.pop();
    const top = stack[stack.length - 1];
    const last = top.children[top.children.length - 1];
    if (s.end > top.end || s.start < top.start || (last && last.end > s.start)) continue;
    const span = { ...s, children: [] };
    top.children.push(span);
    stack.push(span);
  }
  const build = (node, into) => {
    let at = node.start;
    for (const child of node.children) {
      into.append(chars.slice(at, child.start).join(""));
      const mark = child.make();
      build(child, mark);
      into.append(mark);
      at = child.end;
    }
    into.append(chars.slice(at, node.end).join(""));
  };
  build(root, parent);
}

function openArticle(a) {
  current = a;
  const f = filters();
  const spans = { title: [], body: [] };
  for (const e of a.entities ?? []) {
    const dim = entityMatches(e, f) ? "" : " dim";
    const make = () => el("mark", { class: `ent ent-${e.type}${dim}`, "data-type": e.type, "data-name": e.name,
      title: `${e.name} · ${e.type} · confidence ${Number(e.confidence).toFixed(2)}` });
    for (const m of e.mentions) spans[m.field === "title" ? "title" : "body"].push({ start: m.start, end: m.end, make });
  }
  for (const x of a.figures ?? []) {
    const dim = figureMatches(x, f) ? "" : " dim";
    const value = `${x.value ?? "?"}${x.unit ? " " + x.unit : ""}`;
    const make = () => el("mark", { class: `fig${dim}`, "data-kind": x.kind, "data-event": x.event ?? "",
      title: `value ${value} · kind ${x.kind} · qualifier ${x.qualifier} · event ${x.event ?? "–"} · subject ${x.subject ?? "–"}` });
    spans[x.field === "title" ? "title" : "body"].push({ start: x.start, end: x.end, make });
  }
  const heading = el("h2");
  markup(heading, a.title || a.id, a.title ? spans.title : []);
  const meta = el("p", { class: "hint" }, [a.id, a.source, a.published_at, a.url].filter(Boolean).join(" · "));
  const body = el("div", { class: "body" });
  markup(body, a.body, spans.body);
  $("doc").replaceChildren(heading, meta, body);
  renderSide(a, f);
}

function renderSide(a, f) {
  const side = [];
  for (const type of ["PER", "ORG", "LOC", "MISC"]) {
    const group = (a.entities ?? []).filter((e) => e.type === type && entityMatches(e, f));
    if (!group.length) continue;
    side.push(el("h3", {}, `${type} (${group.length})`), el("ul", {}, ...group.map((e) =>
      el("li", {}, `${e.name} `, el("small", {}, `${Number(e.confidence).toFixed(2)} · ${e.mentions.map((m) => m.text).join(", ")}`)))));
  }
  const figures = (a.figures ?? []).filter((x) => figureMatches(x, f));
  if (figures.length) {
    side.push(el("h3", {}, `Figures (${figures.length})`), el("ul", {}, ...figures.map((x) =>
      el("li", {}, `${x.text} `, el("small", {}, [x.kind, x.event, x.subject].filter(Boolean).join(" · "))))));
  }
  $("side").replaceChildren(...side);
}

// ---- Dead letters view ---------------------------------------------------

const letters = new EventSource(api("/api/tap", { stage: "dead_letter", recent: true }));
letters.addEventListener("record", (e) => {
  const { record } = JSON.parse(e.data);
  const raw = record.raw.length > 200 ? record.raw.slice(0, 200) + "…" : record.raw;
  const rows = $("letters");
  rows.prepend(el("tr", {}, el("td", {}, record.stage), el("td", {}, record.location ?? "–"), el("td", {}, record.reason), el("td", {}, el("code", {}, raw))));
  while (rows.children.length > KEEP) rows.lastChild.remove();
});

loadTopology();
