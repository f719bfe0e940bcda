// newsmon desk. Article text is untrusted: every node is built with createElement and
// textContent; nothing from the API is ever parsed as HTML.
"use strict";

const state = { filters: {}, cursor: null, token: sessionStorage.getItem("newsmon.token") || "" };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, options = {}) {
  const headers = { "Content-Type": "application/json", ...(options.headers || {}) };
  if (options.method && options.method !== "GET" && state.token) headers.Authorization = "Bearer " + state.token;
  const response = await fetch(path, { ...options, headers });
  if (response.status === 204) return null;
  const body = await response.json().catch(() => ({ error: "HTTP " + response.status }));
  if (!response.ok) {
    const problems = body.problems ? "\n" + body.problems.join("\n") : "";
    throw new Error((body.error || "HTTP " + response.status) + problems);
  }
  return body;
}

function when(value) {
  if (!value) return "";
  const date = new Date(value);
  return isNaN(date) ? "" : date.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

function chips(values, kind, limit = 6) {
  const box = el("div", { class: "chips" });
  for (const value of (values || []).slice(0, limit)) {
    box.append(el("button", { type: "button", class: "chip", title: "Filter on " + kind, onclick: () => addFilter(kind, value) }, value));
  }
  return box;
}

function articleItem(article, fresh) {
  return el(
    "li",
    { class: fresh ? "fresh" : "", "data-id": article.id },
    el("button", { type: "button", class: "title", onclick: () => openArticle(article.id) }, article.title || "(no title)"),
    el("div", { class: "muted" }, [article.source, when(article.published_at || article.ingested_at)].filter(Boolean).join(" · ")),
    chips(article.entity_names, "entity", 5),
  );
}

// ---- Live stream (server-sent events; the browser resumes with Last-Event-ID) ----
function connectLive() {
  const source = new EventSource("api/live");
  source.onopen = () => { $("live-status").textContent = "live"; $("live-status").className = "status on"; };
  source.onerror = () => { $("live-status").textContent = "reconnecting"; $("live-status").className = "status off"; };
  source.addEventListener("article", (event) => {
    const list = $("live-articles");
    list.prepend(articleItem(JSON.parse(event.data), true));
    while (list.children.length > 100) list.lastChild.remove();
  });
  source.addEventListener("alert", (event) => {
    const alert = JSON.parse(event.data);
    const existing = document.querySelector(`#alerts li[data-id="${CSS.escape(alert.id)}"]`);
    const item = alertItem(alert, true);
    if (existing) existing.replaceWith(item); else $("alerts").prepend(item);
    countAlerts();
  });
}

// ---- Alerts ----
function alertItem(alert, isNew) {
  const classes = ["sev-" + alert.severity];
  if (isNew && !alert.acknowledged) classes.push("new");
  if (alert.acknowledged) classes.push("acknowledged");
  const ack = el("button", { type: "button", class: "secondary ack", onclick: () => acknowledge(alert.id, item) }, "Acknowledge");
  if (alert.acknowledged) ack.hidden = true;
  const item = el(
    "li",
    { class: classes.join(" "), "data-id": alert.id },
    el("div", {}, el("strong", {}, `[${alert.severity}] ${alert.rule_name}`), " ", el("span", { class: "muted" }, when(alert.created_at))),
    el("button", { type: "button", class: "title", onclick: () => openArticle(alert.article_id) }, alert.title || "(no title)"),
    el("div", { class: "muted" }, (alert.matched || []).join(", ")),
    ...(alert.highlights || []).slice(0, 1).map(highlightSnippet),
    ack,
  );
  return item;
}

function highlightSnippet(h) {
  const text = h.text || "";
  return el("div", { class: "snippet" }, "…" + text.slice(0, h.start), el("mark", {}, text.slice(h.start, h.end)), text.slice(h.end) + "…");
}

function countAlerts() {
  const open = document.querySelectorAll("#alerts li:not(.acknowledged)").length;
  $("alert-count").textContent = open ? `${open} open` : "";
}

async function loadAlerts() {
  const page = await api("api/alerts?size=30");
  $("alerts").replaceChildren(...page.alerts.map((a) => alertItem(a, false)));
  countAlerts();
}

async function acknowledge(id, item) {
  try {
    await api(`api/alerts/${encodeURIComponent(id)}/ack`, { method: "POST", body: "{}" });
    item.classList.remove("new");
    item.classList.add("acknowledged");
    item.querySelector(".ack").hidden = true;
    countAlerts();
  } catch (error) {
    window.alert(error.message);
  }
}

// ---- Search with facets ----
function addFilter(kind, value) {
  const values = state.filters[kind] || [];
  if (!values.includes(value)) state.filters[kind] = [...values, value];
  search();
}

function removeFilter(kind, value) {
  state.filters[kind] = (state.filters[kind] || []).filter((v) => v !== value);
  search();
}

function searchParams(cursor) {
  const params = new URLSearchParams();
  const q = $("q").value.trim();
  if (q) params.set("q", q);
  params.set("sort", $("sort").value);
  params.set("size", "20");
  if ($("by-story").checked) params.set("by_story", "true");
  if ($("hide-copies").checked) params.set("copies", "false");
  for (const [kind, values] of Object.entries(state.filters)) for (const v of values) params.append(kind, v);
  if (cursor) { params.set("cursor", cursor); params.set("facets", "false"); }
  return params;
}

const FACET_FILTER = { entities: "entity", speakers: "speaker", topics: "topic", regions: "region", countries: "country", sources: "source", languages: "language" };

async function search(more = false) {
  const page = await api("api/articles?" + searchParams(more ? state.cursor : null));
  state.cursor = page.next;
  $("more").hidden = !page.next;
  $("total").textContent = `${page.total} articles`;
  const items = page.articles.map((article) => {
    const item = articleItem(article, false);
    if (article.story && article.story.articles > 1) {
      const outlets = [...new Set(article.story.sources.map((s) => s.source).filter(Boolean))];
      item.insertBefore(el("div", { class: "story" }, `story of ${article.story.articles} articles: ${outlets.join(", ")}`), item.lastChild);
    }
    if (article.duplicate) item.insertBefore(el("div", { class: "copy" }, `copy (${article.duplicate.kind}) of an earlier article`), item.lastChild);
    for (const fragment of (article.highlights.body || []).slice(0, 1)) {
      item.insertBefore(el("div", { class: "snippet" }, ...fragment.map((s) => (s.hit ? el("mark", {}, s.text) : s.text))), item.lastChild);
    }
    return item;
  });
  if (more) $("results").append(...items);
  else $("results").replaceChildren(...items);
  if (!more) renderFacets(page.facets);
  const active = [];
  for (const [kind, values] of Object.entries(state.filters)) {
    for (const v of values) active.push(el("button", { type: "button", class: "chip active", title: "Remove", onclick: () => removeFilter(kind, v) }, `${kind}: ${v} ×`));
  }
  $("filters").replaceChildren(...active);
}

function renderFacets(facets) {
  const blocks = [];
  for (const [name, buckets] of Object.entries(facets || {})) {
    if (!buckets.length) continue;
    const kind = FACET_FILTER[name];
    const box = el("div", { class: "chips" });
    for (const b of buckets.slice(0, 8)) {
      box.append(el("button", { type: "button", class: "chip", onclick: () => addFilter(kind, b.value) }, `${b.value} (${b.count})`));
    }
    blocks.push(el("div", { class: "facet", "data-facet": name }, el("div", { class: "facet-name" }, name), box));
  }
  $("facets").replaceChildren(...blocks);
}

// ---- One article, entities and quotes marked by their offsets ----
function markedBody(body, entities, quotes) {
  const spans = [];
  for (const entity of entities || []) {
    for (const m of entity.mentions || []) spans.push({ start: m.start, end: m.end, kind: "entity", type: entity.type, label: entity.canonical });
  }
  for (const q of quotes || []) spans.push({ start: q.start, end: q.end, kind: "quote", label: "Quote: " + (q.speaker || "unknown speaker") });
  const cuts = new Set([0, body.length]);
  for (const s of spans) if (s.start >= 0 && s.end <= body.length && s.start < s.end) { cuts.add(s.start); cuts.add(s.end); }
  const points = [...cuts].sort((a, b) => a - b);
  const nodes = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const text = body.slice(a, b);
    const entity = spans.find((s) => s.kind === "entity" && s.start <= a && s.end >= b);
    const quote = spans.find((s) => s.kind === "quote" && s.start <= a && s.end >= b);
    if (!entity && !quote) { nodes.push(document.createTextNode(text)); continue; }
    const classes = [];
    if (quote) classes.push("quote");
    if (entity) classes.push("entity", "entity-" + entity.type);
    nodes.push(el("span", { class: classes.join(" "), title: entity ? `${entity.label} (${entity.type})` : quote.label }, text));
  }
  return nodes;
}

async function openArticle(id) {
  showTab("article");
  const article = await api("api/articles/" + encodeURIComponent(id));
  $("article-empty").hidden = true;
  $("article").hidden = false;
  $("article").dataset.id = article.id;
  $("article-title").textContent = article.title || "(no title)";
  $("article-meta").textContent = [article.source, when(article.published_at), article.language, (article.countries || []).join(", ")].filter(Boolean).join(" · ");
  const lineage = [];
  if (article.duplicate) {
    lineage.push(el("button", { type: "button", class: "chip", onclick: () => openArticle(article.duplicate.of) }, `copy (${article.duplicate.kind}) of the first report`));
  }
  if (article.story_id) {
    lineage.push(el("button", { type: "button", class: "chip", onclick: () => addFilter("story", article.story_id) }, "all articles of this story"));
  }
  $("article-lineage").replaceChildren(...lineage);
  $("article-topics").replaceChildren(...(article.topics || []).map((t) => el("span", { class: "chip", title: (t.evidence || []).join(", ") }, `${t.label} ${t.score.toFixed(2)}`)));
  $("article-body").replaceChildren(...markedBody(article.body || "", article.entities, article.quotes));
  $("article-quotes").replaceChildren(
    ...(article.quotes || []).map((q) => el("li", {}, el("q", {}, q.text), " — ", el("strong", {}, q.speaker || "unknown"), q.cue ? el("span", { class: "muted" }, ` (${q.cue})`) : null)),
  );
  $("article-alerts").replaceChildren(...(article.alerts || []).map((a) => el("li", {}, `[${a.severity}] ${a.rule_name}: ${(a.matched || []).join(", ")}`)));
}

// ---- Trends: an SVG line chart built from DOM nodes ----
const SVG = "http://www.w3.org/2000/svg";
const COLOURS = ["#1f5fbf", "#c0392b", "#1e8449", "#8e44ad", "#d68910"];

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

async function showTrends(event) {
  if (event) event.preventDefault();
  const params = new URLSearchParams({ interval: $("trend-interval").value });
  const split = (value) => value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const e of split($("trend-entities").value)) params.append("entity", e);
  for (const t of split($("trend-topics").value)) params.append("topic", t);
  if (![...params.keys()].some((k) => k !== "interval")) return;
  const data = await api("api/trends?" + params);
  const series = data.series.filter((s) => s.buckets.length);
  const times = [...new Set(series.flatMap((s) => s.buckets.map((b) => b.time)))].sort();
  const max = Math.max(1, ...series.flatMap((s) => s.buckets.map((b) => b.count)));
  const [w, h, pad] = [600, 180, 24];
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": "Mentions over time" });
  chart.append(svg("line", { x1: pad, y1: h - pad, x2: w - 4, y2: h - pad, stroke: "#ccc" }));
  series.forEach((s, n) => {
    const points = s.buckets.map((b) => {
      const x = pad + (times.indexOf(b.time) / Math.max(1, times.length - 1)) * (w - pad - 8);
      const y = h - pad - (b.count / max) * (h - 2 * pad);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    });
    chart.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: COLOURS[n % COLOURS.length], "stroke-width": 2 }));
  });
  const label = svg("text", { x: pad, y: 12, "font-size": 11, fill: "#6b7385" });
  label.textContent = `max ${max} per ${data.interval}; ${times[0] || ""} – ${times[times.length - 1] || ""}`;
  chart.append(label);
  const legend = el("div", { class: "legend" }, ...data.series.map((s, n) => el("span", { style: null }, `■ ${s.value}: ${s.total}`)));
  [...legend.children].forEach((node, n) => { node.style.color = COLOURS[n % COLOURS.length]; });
  $("trend-chart").replaceChildren(chart, legend);
  const movers = await api("api/trends/movers?facet=entities&window=1h&baseline=1d");
  $("movers").replaceChildren(...movers.movers.map((m) => el("li", {}, `${m.value}: ${m.recent} (x${m.ratio})`)));
}

// ---- Rules ----
async function loadRules() {
  const data = await api("api/rules");
  $("rules").replaceChildren(
    ...data.rules.map((r) => {
      const item = el("li", { "data-id": r.id }, el("strong", {}, r.name || r.id), " ", el("span", { class: "muted" }, `${r.kind} · ${r.origin} · ${r.severity}${r.enabled ? "" : " · disabled"}`));
      if (r.origin === "api") {
        item.append(
          " ",
          el("button", { type: "button", class: "secondary edit", onclick: () => editRule(r) }, "Edit"),
          " ",
          el("button", { type: "button", class: "secondary", onclick: () => switchRule(r.id, !r.enabled) }, r.enabled ? "Disable" : "Enable"),
        );
      }
      return item;
    }),
    ...data.errors.map((e) => el("li", { class: "error" }, `refused ${e.rule_id || e.file}: ${e.problem}`)),
  );
}

async function switchRule(id, enabled) {
  try {
    await api("api/rules/" + encodeURIComponent(id), { method: "PATCH", body: JSON.stringify({ enabled }) });
    await loadRules();
  } catch (error) {
    window.alert(error.message);
  }
}

// Editing puts the stored rule, as JSON, in the form; saving replaces it (PUT).
function editRule(rule) {
  const { kind, origin, updated_at, ...stored } = rule;
  state.editing = rule.id;
  $("rule-json").value = JSON.stringify(stored, null, 2);
  $("rule-json").dispatchEvent(new Event("input"));
  $("rule-submit").textContent = "Save rule " + rule.id;
}

async function saveRule(event) {
  event.preventDefault();
  $("rule-error").textContent = "";
  try {
    const raw = $("rule-json").value.trim();
    const rule = raw
      ? JSON.parse(raw)
      : { id: $("rule-id").value.trim(), name: $("rule-name").value.trim(), severity: $("rule-severity").value, when: { [$("rule-condition").value]: $("rule-value").value.trim() } };
    if (state.editing) await api("api/rules/" + encodeURIComponent(state.editing), { method: "PUT", body: JSON.stringify(rule) });
    else await api("api/rules", { method: "POST", body: JSON.stringify(rule) });
    state.editing = null;
    $("rule-form").reset();
    $("rule-submit").textContent = "Create rule";
    await loadRules();
  } catch (error) {
    $("rule-error").textContent = error.message;
  }
}

// ---- Tabs and start ----
function showTab(name) {
  for (const button of document.querySelectorAll(".tabs button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const tab of document.querySelectorAll(".tab")) tab.hidden = tab.id !== "tab-" + name;
  if (name === "rules") loadRules().catch((e) => ($("rule-error").textContent = e.message));
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = state.token;
  $("save-token").addEventListener("click", () => { state.token = $("token").value; sessionStorage.setItem("newsmon.token", state.token); });
  $("search-form").addEventListener("submit", (event) => { event.preventDefault(); search().catch((e) => window.alert(e.message)); });
  $("more").addEventListener("click", () => search(true));
  for (const box of ["by-story", "hide-copies"]) $(box).addEventListener("change", () => search().catch((e) => window.alert(e.message)));
  $("trend-form").addEventListener("submit", (event) => showTrends(event).catch((e) => window.alert(e.message)));
  $("rule-form").addEventListener("submit", saveRule);
  for (const button of document.querySelectorAll(".tabs button")) button.addEventListener("click", () => showTab(button.dataset.tab));
  // The rule form's "required" fields do not apply when the JSON box is used.
  $("rule-json").addEventListener("input", () => { const json = !!$("rule-json").value.trim(); $("rule-id").required = !json; $("rule-value").required = !json; });
  loadAlerts().catch(() => {});
  search().catch(() => {});
  connectLive();
});
