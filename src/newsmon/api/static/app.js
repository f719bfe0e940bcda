// newsmon desk. Article text is untrusted: every node is built with createElement and
// textContent; nothing from the API is ever parsed as HTML (map tooltips and chart
// labels included). Charts are uPlot, the map d3-geo over Natural Earth (vendor/).
"use strict";

const state = {
  filters: {},
  cursor: null,
  token: sessionStorage.getItem("newsmon.token") || "",
  groups: new Map(), // alert group -> {first, latest, alerts, sources:Set, acknowledged}
  stories: new Map(), // story id -> row element
  selected: -1,
  watch: "",
  charts: {},
  // ?until=<time> opens the desk as it was then (a replay, a review of a shift).
  until: new URLSearchParams(location.search).get("until"),
};
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

function headlineOf(item) {
  return item.headline || item.title || "(no title)";
}

// A headline taken from the lead (the given title was page furniture) says so.
function headlineNodes(item) {
  const nodes = [headlineOf(item)];
  if (item.headline_derived) nodes.push(" ", el("span", { class: "derived", title: "Headline from the article's lead; the given title was: " + (item.title || "(none)") }, "from lead"));
  return nodes;
}

function entityButton(name, label) {
  return el("button", { type: "button", class: "chip entity-link", title: "Open the page of " + name, onclick: () => openEntity(name) }, label || name);
}

function chips(values, kind, limit = 6) {
  const box = el("div", { class: "chips" });
  for (const value of (values || []).slice(0, limit)) {
    box.append(kind === "entity" ? entityButton(value) : el("button", { type: "button", class: "chip", title: "Filter on " + kind, onclick: () => addFilter(kind, value) }, value));
  }
  return box;
}

function articleItem(article, fresh) {
  return el(
    "li",
    { class: fresh ? "fresh" : "", "data-id": article.id },
    el("button", { type: "button", class: "title", onclick: () => openArticle(article.id) }, ...headlineNodes(article)),
    el("div", { class: "muted" }, [article.source, when(article.published_at || article.ingested_at)].filter(Boolean).join(" · ")),
    chips(article.entity_names, "entity", 5),
  );
}

// ---- Charts (uPlot) ----
function timeChart(target, key, series, height = 160) {
  const box = $(target);
  if (state.charts[key]) { state.charts[key].destroy(); delete state.charts[key]; }
  box.replaceChildren();
  const times = [...new Set(series.flatMap((s) => s.buckets.map((b) => b.time)))].sort();
  if (!times.length) { box.append(el("p", { class: "muted" }, "no articles")); return; }
  const data = [times.map((t) => Date.parse(t) / 1000)];
  for (const s of series) {
    const counts = new Map(s.buckets.map((b) => [b.time, b.count]));
    data.push(times.map((t) => counts.get(t) || 0));
  }
  const colours = ["#1f5fbf", "#c0392b", "#1e8449", "#8e44ad", "#d68910"];
  const options = {
    width: Math.max(280, box.clientWidth || 560),
    height,
    scales: { x: { time: true } },
    legend: { show: series.length > 1 || !!series[0].label },
    series: [{}, ...series.map((s, n) => ({ label: s.label || "articles", stroke: colours[n % colours.length], width: 2, fill: series.length === 1 ? "rgba(31,95,191,.12)" : undefined, paths: uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined }))],
    axes: [{}, { size: 40 }],
  };
  state.charts[key] = new uPlot(options, data, box);
  box.dataset.points = String(times.length);
}

function sparkline(counts) {
  const box = el("span", { class: "spark", title: "articles per 10 minutes, last 6 hours" });
  if (!counts.length || !counts.some((c) => c > 0)) return box;
  const xs = counts.map((_, n) => n);
  const options = {
    width: 110, height: 26, legend: { show: false }, cursor: { show: false }, select: { show: false },
    scales: { x: { time: false }, y: { range: [0, Math.max(...counts)] } },
    axes: [{ show: false }, { show: false }],
    series: [{}, { stroke: "#1f5fbf", fill: "rgba(31,95,191,.18)", width: 1.5, points: { show: false } }],
  };
  // Drawn once the row is in the page (uPlot measures its container).
  requestAnimationFrame(() => { if (box.isConnected) new uPlot(options, [xs, counts], box); });
  return box;
}

// ---- The map (d3-geo, Natural Earth 1:110m from world-atlas; ids are ISO alpha-2) ----
let atlas = null;
async function loadAtlas() {
  if (atlas) return atlas;
  const topology = await (await fetch("vendor/countries-110m.json")).json();
  atlas = topojson.feature(topology, topology.objects.countries);
  return atlas;
}

async function renderMap(counts) {
  const world = await loadAtlas();
  const box = $("map");
  const width = Math.max(300, box.clientWidth || 560);
  const height = Math.round(width * 0.5);
  const projection = d3.geoNaturalEarth1().fitSize([width, height], world);
  const path = d3.geoPath(projection);
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Articles by country");
  const max = Math.max(1, ...Object.values(counts || {}));
  for (const feature of world.features) {
    const code = feature.id;
    const count = (counts || {})[code] || 0;
    const shape = document.createElementNS(NS, "path");
    shape.setAttribute("d", path(feature) || "");
    const level = count ? Math.min(5, 1 + Math.floor((Math.log(count) / Math.log(max + 1)) * 5)) : 0;
    shape.setAttribute("class", "country level-" + level);
    if (code) shape.setAttribute("data-code", code);
    const tip = document.createElementNS(NS, "title");
    tip.textContent = `${feature.properties.name}: ${count} article${count === 1 ? "" : "s"}`;
    shape.append(tip);
    if (code && count) shape.addEventListener("click", () => addFilter("country", code));
    svg.append(shape);
  }
  box.replaceChildren(svg);
}

// ---- Overview: chart, map and movers of the current search or watchlist ----
async function loadOverview() {
  const params = filterParams();
  params.set("size", "1");
  const page = await api("api/articles?" + params);
  $("overview-span").textContent = page.over_time ? `(${page.total} articles, per ${page.over_time.interval})` : "";
  timeChart("overview-chart", "overview", [{ label: "articles", buckets: page.over_time ? page.over_time.buckets : [] }]);
  await renderMap(page.countries || {});
  const movers = await api("api/trends/movers?facet=entities&window=1h&baseline=1d");
  $("overview-movers").replaceChildren(...movers.movers.map((m) => el("li", {}, entityButton(m.value), ` ${m.recent} (x${m.ratio})`)));
}

// ---- Stories (the front page) ----
function storyRow(story, fresh) {
  const growth = story.growth || {};
  const item = el(
    "li",
    { class: "story-row" + (fresh ? " fresh" : "") + (story.breaking ? " breaking" : ""), "data-story": story.story_id },
    story.breaking ? el("div", { class: "breaking-mark", title: `x${growth.ratio} its usual rate` }, `BREAKING · ${growth.recent} articles from ${growth.recent_sources} sources in ${growth.minutes} min`) : null,
    el("button", { type: "button", class: "title", onclick: () => openStory(story.story_id) }, ...headlineNodes({ ...story.article, headline: story.headline, headline_derived: story.headline_derived })),
    el(
      "div",
      { class: "story-line" },
      el("span", { class: "counts" }, `${story.articles} article${story.articles === 1 ? "" : "s"} · ${story.sources} source${story.sources === 1 ? "" : "s"}`),
      " ",
      sparkline(story.sparkline || []),
      " ",
      el("span", { class: "muted" }, `first ${when(story.first_seen)} · last ${when(story.last_update)}`),
    ),
    chips(story.entities, "entity", 5),
    chips(story.countries, "country", 4),
  );
  return item;
}

function filterParams() {
  const params = new URLSearchParams();
  const q = $("q").value.trim();
  if (q) params.set("q", q);
  if ($("hide-copies").checked) params.set("copies", "false");
  for (const [kind, values] of Object.entries(state.filters)) for (const v of values) params.append(kind, v);
  if (state.until) params.set("until", state.until);
  return params;
}

async function loadStories() {
  const page = await api("api/stories?" + filterParams());
  state.stories.clear();
  const rows = page.stories.map((s) => { const row = storyRow(s, false); state.stories.set(s.story_id, row); return row; });
  $("stories").replaceChildren(...rows);
  $("stories-span").textContent = page.until ? `${page.stories.length} · ${when(page.since)} – ${when(page.until)}` : "no articles yet";
}

// A live article lifts its story to the top (or starts one).
function liveStory(article) {
  const id = article.story_id || article.id;
  const row = state.stories.get(id);
  if (row) {
    const counts = row.querySelector(".counts");
    const n = (parseInt(counts.textContent, 10) || 0) + 1;
    counts.textContent = counts.textContent.replace(/^\d+ articles?/, `${n} articles`);
    row.classList.remove("fresh"); void row.offsetWidth; row.classList.add("fresh");
    $("stories").prepend(row);
    return;
  }
  const story = { story_id: id, headline: headlineOf(article), headline_derived: article.headline_derived, article, articles: 1, sources: 1, first_seen: article.event_time, last_update: article.event_time, sparkline: [], entities: article.entity_names, countries: article.countries };
  const fresh = storyRow(story, true);
  state.stories.set(id, fresh);
  $("stories").prepend(fresh);
}

async function openStory(id) {
  showTab("story");
  const story = await api("api/stories/" + encodeURIComponent(id));
  $("story-empty").hidden = true;
  $("story-view").hidden = false;
  $("story-view").dataset.story = id;
  $("story-headline").textContent = story.headline || "(no headline)";
  $("story-meta").textContent = `${story.articles} articles · ${story.sources} sources · first ${when(story.first_seen)} · last ${when(story.last_update)}`;
  $("story-entities").replaceChildren(...story.entities.slice(0, 10).map((e) => entityButton(e.value, `${e.value} (${e.count})`)));
  $("story-countries").replaceChildren(...story.countries.map((c) => el("button", { type: "button", class: "chip", onclick: () => addFilter("country", c.value) }, `${c.value} (${c.count})`)));
  $("story-sources").replaceChildren(
    ...story.by_source.map((group) =>
      el(
        "li",
        { class: "source-group", "data-source": group.source },
        el("strong", {}, group.source),
        el("span", { class: "muted" }, ` ${group.articles.length} article${group.articles.length === 1 ? "" : "s"}`),
        el(
          "ol",
          {},
          ...group.articles.map((a) =>
            el(
              "li",
              { "data-id": a.id },
              el("button", { type: "button", class: "title", onclick: () => openArticle(a.id) }, ...headlineNodes(a)),
              el("span", { class: "muted" }, " " + when(a.event_time)),
              a.copies.length
                ? el("details", { class: "copies" }, el("summary", {}, `${a.copies.length} cop${a.copies.length === 1 ? "y" : "ies"} folded`), el("ol", {}, ...a.copies.map((c) => el("li", {}, el("button", { type: "button", class: "title", onclick: () => openArticle(c.id) }, ...headlineNodes(c)), el("span", { class: "muted" }, ` ${c.source || ""} · ${c.duplicate.kind} copy`)))))
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}

// ---- Entity pages ----
async function openEntity(name) {
  showTab("entity");
  const page = await api("api/entities/" + encodeURIComponent(name));
  $("entity-empty").hidden = true;
  $("entity-view").hidden = false;
  $("entity-view").dataset.name = page.name;
  $("entity-name").textContent = page.name;
  $("entity-meta").textContent = [page.type, `${page.articles} articles`, `quoted in ${page.quoted_in}`, page.aliases.length ? "also: " + page.aliases.join(", ") : "", page.first_seen ? `${when(page.first_seen)} – ${when(page.last_seen)}` : ""].filter(Boolean).join(" · ");
  $("entity-rule-status").textContent = "";
  $("entity-rules").replaceChildren(...page.rules.map((rule) => el("button", { type: "button", class: "secondary make-rule", "data-rule": rule.id, onclick: () => makeRule(rule) }, "Alert me: " + rule.name)));
  timeChart("entity-chart", "entity", [{ label: "articles", buckets: page.over_time }], 140);
  $("entity-quotes").replaceChildren(
    ...page.latest_quotes.map((q) =>
      el("li", {}, el("q", {}, q.text), el("div", { class: "muted" }, el("button", { type: "button", class: "title small", onclick: () => openArticle(q.article_id) }, q.headline || "(article)"), ` · ${q.source || ""} · ${when(q.event_time)}`)),
    ),
  );
  if (!page.latest_quotes.length) $("entity-quotes").append(el("li", { class: "muted" }, "no quotes"));
  $("entity-about").replaceChildren(...page.quoted_about.map((t) => el("button", { type: "button", class: "chip", onclick: () => addFilter("topic", t.value) }, `${t.value} (${t.count})`)));
  $("entity-with").replaceChildren(...page.appears_with.map((e) => entityButton(e.value, `${e.value} (${e.count})`)));
  $("entity-sources").replaceChildren(...page.sources.map((s) => el("button", { type: "button", class: "chip", onclick: () => addFilter("source", s.value) }, `${s.value} (${s.count})`)));
  $("entity-countries").replaceChildren(...page.countries.map((c) => el("button", { type: "button", class: "chip", onclick: () => addFilter("country", c.value) }, `${c.value} (${c.count})`)));
}

async function makeRule(rule) {
  try {
    await api("api/rules", { method: "POST", body: JSON.stringify(rule) });
    $("entity-rule-status").textContent = `Rule "${rule.name}" created (${rule.id}).`;
  } catch (error) {
    $("entity-rule-status").textContent = error.message;
  }
}

// ---- Alerts, folded by rule and story ----
function groupCard(group) {
  const { first, latest } = group;
  const classes = ["alert-group", "sev-" + first.severity];
  if (group.fresh && !group.acknowledged) classes.push("new");
  if (group.acknowledged) classes.push("acknowledged");
  const ack = el("button", { type: "button", class: "secondary ack", onclick: () => acknowledgeGroup(group.group) }, "Acknowledge");
  if (group.acknowledged) ack.hidden = true;
  const why = (first.matched || []).map((m) => {
    const [kind, value] = [m.split(":")[0], m.slice(m.indexOf(":") + 1)];
    return ["entity", "quoted"].includes(kind) ? entityButton(value, `${kind}: ${value}`) : el("span", { class: "chip" }, `${kind}: ${value}`);
  });
  const open = () => (latest.story_id ? openStory(latest.story_id) : openArticle(latest.article_id));
  return el(
    "li",
    { class: classes.join(" "), "data-group": group.group, "data-id": first.id },
    el("div", {}, el("strong", {}, `[${first.severity}] ${first.rule_name}`), " ", el("span", { class: "muted" }, when(latest.created_at))),
    el("button", { type: "button", class: "title", onclick: open }, ...headlineNodes({ title: latest.title, headline_derived: latest.headline_derived })),
    el("div", { class: "muted group-counts" }, `${group.alerts} article${group.alerts === 1 ? "" : "s"} · ${group.sources} source${group.sources === 1 ? "" : "s"} · since ${when(first.created_at)}`),
    el("div", { class: "why" }, el("span", { class: "muted" }, "why: "), ...why),
    ...(first.highlights || []).slice(0, 1).map(highlightSnippet),
    ack,
  );
}

function highlightSnippet(h) {
  const text = h.text || "";
  return el("div", { class: "snippet" }, "…" + text.slice(0, h.start), el("mark", {}, text.slice(h.start, h.end)), text.slice(h.end) + "…");
}

function renderGroup(group, top) {
  const card = groupCard(group);
  const existing = document.querySelector(`#alerts li[data-group="${CSS.escape(group.group)}"]`);
  if (existing) existing.remove();
  if (top) $("alerts").prepend(card); else $("alerts").append(card);
  countAlerts();
}

function countAlerts() {
  const open = document.querySelectorAll("#alerts li:not(.acknowledged)").length;
  $("alert-count").textContent = open ? `${open} open` : "";
}

async function loadAlerts() {
  const page = await api("api/alerts/groups?size=40");
  state.groups.clear();
  $("alerts").replaceChildren();
  for (const g of page.groups) {
    state.groups.set(g.group, { ...g, sourceSet: new Set([g.latest.source, g.first.source].filter(Boolean)), ids: new Set([g.first.id, g.latest.id]) });
    renderGroup(state.groups.get(g.group), false);
  }
}

// A live alert updates its group's card (count, sources, latest headline) or adds one.
function liveAlert(alert) {
  const key = alert.group || alert.id;
  const known = state.groups.get(key);
  if (known) {
    if (known.latest.id !== alert.id && !known.ids.has(alert.id)) {
      known.alerts += 1;
      if (alert.source && !known.sourceSet.has(alert.source)) { known.sourceSet.add(alert.source); known.sources += 1; }
    }
    known.ids.add(alert.id);
    known.latest = alert;
    known.fresh = true;
    renderGroup(known, true);
    return;
  }
  const group = { group: key, first: alert, latest: alert, alerts: 1, sources: alert.source ? 1 : 0, articles: 1, acknowledged: !!alert.acknowledged, fresh: true, sourceSet: new Set([alert.source].filter(Boolean)), ids: new Set([alert.id]) };
  state.groups.set(key, group);
  renderGroup(group, true);
}

async function acknowledgeGroup(key) {
  try {
    await api(`api/alerts/groups/${encodeURIComponent(key)}/ack`, { method: "POST", body: "{}" });
    const group = state.groups.get(key);
    if (group) { group.acknowledged = true; group.fresh = false; }
    const card = document.querySelector(`#alerts li[data-group="${CSS.escape(key)}"]`);
    if (card) { card.classList.remove("new"); card.classList.add("acknowledged"); card.querySelector(".ack").hidden = true; }
    countAlerts();
  } catch (error) {
    $("alert-error").textContent = "Not acknowledged: " + error.message;
  }
}

// ---- Live stream (server-sent events; the browser resumes with Last-Event-ID) ----
function connectLive() {
  const source = new EventSource("api/live");
  source.onopen = () => { $("live-status").textContent = "live"; $("live-status").className = "status on"; };
  source.onerror = () => { $("live-status").textContent = "reconnecting"; $("live-status").className = "status off"; };
  source.addEventListener("article", (event) => {
    const article = JSON.parse(event.data);
    const list = $("live-articles");
    list.prepend(articleItem(article, true));
    while (list.children.length > 100) list.lastChild.remove();
    liveStory(article);
    countWatchlists();
  });
  source.addEventListener("alert", (event) => {
    liveAlert(JSON.parse(event.data));
  });
}

async function loadLatest() {
  const page = await api("api/articles?sort=newest&size=30&facets=false");
  $("live-articles").replaceChildren(...page.articles.map((a) => articleItem(a, false)));
}

// ---- Search with facets ----
function addFilter(kind, value) {
  const values = state.filters[kind] || [];
  if (!values.includes(value)) state.filters[kind] = [...values, value];
  refresh();
}

function removeFilter(kind, value) {
  state.filters[kind] = (state.filters[kind] || []).filter((v) => v !== value);
  refresh();
}

function refresh() {
  search().catch((e) => window.alert(e.message));
  loadStories().catch(() => {});
  loadOverview().catch(() => {});
}

function searchParams(cursor) {
  const params = filterParams();
  params.set("sort", $("sort").value);
  params.set("size", "20");
  if ($("by-story").checked) params.set("by_story", "true");
  if (cursor) { params.set("cursor", cursor); params.set("facets", "false"); }
  return params;
}

const FACET_FILTER = { entities: "entity", speakers: "speaker", topics: "topic", regions: "region", countries: "country", sources: "source", languages: "language" };

function activeChips() {
  const active = [];
  for (const [kind, values] of Object.entries(state.filters)) {
    for (const v of values) active.push(el("button", { type: "button", class: "chip active", title: "Remove", onclick: () => removeFilter(kind, v) }, `${kind}: ${v} ×`));
  }
  return active;
}

async function search(more = false) {
  const page = await api("api/articles?" + searchParams(more ? state.cursor : null));
  state.cursor = page.next;
  $("more").hidden = !page.next;
  $("total").textContent = `${page.total} articles`;
  const items = page.articles.map((article) => {
    const item = articleItem(article, false);
    if (article.story && article.story.articles > 1) {
      const outlets = [...new Set(article.story.sources.map((s) => s.source).filter(Boolean))];
      item.insertBefore(el("button", { type: "button", class: "story", onclick: () => openStory(article.story_id) }, `story of ${article.story.articles} articles: ${outlets.join(", ")}`), item.lastChild);
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
  $("filters").replaceChildren(...activeChips());
  $("active-filters").replaceChildren(...activeChips());
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
    const span = el("span", { class: classes.join(" "), title: entity ? `${entity.label} (${entity.type})` : quote.label }, text);
    if (entity) span.addEventListener("click", () => openEntity(entity.label));
    nodes.push(span);
  }
  return nodes;
}

async function openArticle(id) {
  showTab("article");
  const article = await api("api/articles/" + encodeURIComponent(id));
  $("article-empty").hidden = true;
  $("article").hidden = false;
  $("article").dataset.id = article.id;
  $("article-title").replaceChildren(...headlineNodes(article));
  $("article-given-title").hidden = !article.headline_derived;
  $("article-given-title").textContent = article.headline_derived ? `Given title (${article.title_problem || "page furniture"}): ${article.title || "(none)"}` : "";
  $("article-meta").textContent = [article.source, when(article.published_at), article.language, (article.countries || []).join(", ")].filter(Boolean).join(" · ");
  const lineage = [];
  if (article.duplicate) {
    lineage.push(el("button", { type: "button", class: "chip", onclick: () => openArticle(article.duplicate.of) }, `copy (${article.duplicate.kind}) of the first report`));
  }
  if (article.story_id) {
    lineage.push(el("button", { type: "button", class: "chip", onclick: () => openStory(article.story_id) }, "open this story"));
    lineage.push(el("button", { type: "button", class: "chip", onclick: () => addFilter("story", article.story_id) }, "all articles of this story"));
  }
  $("article-lineage").replaceChildren(...lineage);
  $("article-topics").replaceChildren(...(article.topics || []).map((t) => el("span", { class: "chip", title: (t.evidence || []).join(", ") }, `${t.label} ${t.score.toFixed(2)}`)));
  $("article-body").replaceChildren(...markedBody(article.body || "", article.entities, article.quotes));
  $("article-quotes").replaceChildren(
    ...(article.quotes || []).map((q) => el("li", {}, el("q", {}, q.text), " — ", q.speaker ? entityButton(q.speaker) : el("strong", {}, "unknown"), q.cue ? el("span", { class: "muted" }, ` (${q.cue})`) : null)),
  );
  $("article-alerts").replaceChildren(...(article.alerts || []).map((a) => el("li", {}, `[${a.severity}] ${a.rule_name}: ${(a.matched || []).join(", ")}`)));
}

// ---- Trends: entities and topics over time ----
async function showTrends(event) {
  if (event) event.preventDefault();
  const params = new URLSearchParams({ interval: $("trend-interval").value });
  const split = (value) => value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const e of split($("trend-entities").value)) params.append("entity", e);
  for (const t of split($("trend-topics").value)) params.append("topic", t);
  if (![...params.keys()].some((k) => k !== "interval")) return;
  const data = await api("api/trends?" + params);
  timeChart("trend-chart", "trends", data.series.map((s) => ({ label: `${s.value} (${s.total})`, buckets: s.buckets })), 200);
  const movers = await api("api/trends/movers?facet=entities&window=1h&baseline=1d");
  $("movers").replaceChildren(...movers.movers.map((m) => el("li", {}, `${m.value}: ${m.recent} (x${m.ratio})`)));
}

// ---- Watchlists: a saved search with its own count of new articles ----
function watchlists() {
  try { return JSON.parse(localStorage.getItem("newsmon.watchlists") || "[]"); } catch { return []; }
}

function saveWatchlists(lists) {
  localStorage.setItem("newsmon.watchlists", JSON.stringify(lists));
  renderWatchlists();
}

function renderWatchlists() {
  const tabs = watchlists().map((w) =>
    el(
      "span",
      { class: "watch-tab" },
      el("button", { type: "button", class: "watch" + (state.watch === w.name ? " active" : ""), "data-watch": w.name, onclick: () => applyWatchlist(w.name) }, w.name, " ", el("span", { class: "badge", "data-badge": w.name }, "")),
      el("button", { type: "button", class: "secondary small watch-rule", title: "Turn into an alert rule", onclick: () => watchlistRule(w) }, "alert"),
    ),
  );
  $("watch-tabs").replaceChildren(...tabs);
  for (const button of document.querySelectorAll('#watchlists button.watch[data-watch=""]')) button.classList.toggle("active", state.watch === "");
  countWatchlists();
}

async function countWatchlists() {
  for (const w of watchlists()) {
    const params = new URLSearchParams(w.params);
    params.set("size", "1");
    params.set("facets", "false");
    params.set("since", w.seen);
    try {
      const page = await api("api/articles?" + params);
      const badge = document.querySelector(`#watchlists [data-badge="${CSS.escape(w.name)}"]`);
      if (badge) badge.textContent = page.total ? String(page.total) : "";
    } catch { /* counted again at the next article */ }
  }
}

function applyWatchlist(name) {
  state.watch = name;
  const lists = watchlists();
  const w = lists.find((x) => x.name === name);
  state.filters = {};
  $("q").value = "";
  if (w) {
    const params = new URLSearchParams(w.params);
    for (const [k, v] of params) {
      if (k === "q") $("q").value = v;
      else if (k !== "copies") (state.filters[k] = state.filters[k] || []).push(v);
    }
    w.seen = new Date().toISOString();
    saveWatchlists(lists);
  } else {
    renderWatchlists();
  }
  refresh();
}

function addWatchlist() {
  const name = $("watch-name").value.trim();
  if (!name) return;
  const lists = watchlists().filter((w) => w.name !== name);
  lists.push({ name, params: filterParams().toString(), seen: new Date().toISOString() });
  $("watch-name").value = "";
  state.watch = name;
  saveWatchlists(lists);
}

// The watchlist's search as a rule: each filter a condition, all of them together.
async function watchlistRule(w) {
  const params = new URLSearchParams(w.params);
  const kinds = { entity: "entity", speaker: "quoted", topic: "topic", region: "region", country: "country", source: "source" };
  const all = [];
  for (const [k, v] of params) {
    if (k === "q") all.push({ phrase: v });
    else if (kinds[k]) all.push({ [kinds[k]]: v });
  }
  if (!all.length) { window.alert("This watchlist has no filter to alert on."); return; }
  const id = "watch-" + w.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 80);
  try {
    await api("api/rules", { method: "POST", body: JSON.stringify({ id, name: "Watchlist: " + w.name, when: all.length === 1 ? all[0] : { all } }) });
    showTab("rules");
  } catch (error) {
    window.alert(error.message);
  }
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

// ---- Keyboard: move through alerts, open, acknowledge; search; large text ----
function selectAlert(step) {
  const cards = [...document.querySelectorAll("#alerts li")];
  if (!cards.length) return;
  state.selected = Math.max(0, Math.min(cards.length - 1, state.selected + step));
  cards.forEach((c, n) => c.classList.toggle("selected", n === state.selected));
  cards[state.selected].scrollIntoView({ block: "nearest" });
}

function onKey(event) {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  if (typing) { if (event.key === "Escape") document.activeElement.blur(); return; }
  const cards = [...document.querySelectorAll("#alerts li")];
  const card = cards[state.selected];
  if (event.key === "j") selectAlert(1);
  else if (event.key === "k") selectAlert(-1);
  else if (event.key === "a" && card) acknowledgeGroup(card.dataset.group);
  else if (event.key === "Enter" && card) card.querySelector(".title").click();
  else if (event.key === "/") { event.preventDefault(); $("q").focus(); }
  else if (event.key === "L") toggleLarge();
  else return;
  event.preventDefault();
}

function toggleLarge(on) {
  const large = on === undefined ? !document.body.classList.contains("large") : on;
  document.body.classList.toggle("large", large);
  $("large-text").setAttribute("aria-pressed", String(large));
  localStorage.setItem("newsmon.large", large ? "1" : "");
  for (const chart of Object.values(state.charts)) chart.setSize({ width: chart.root.parentElement.clientWidth || chart.width, height: chart.height });
}

// ---- Tabs and start ----
function showTab(name) {
  for (const button of document.querySelectorAll("#detail-panel .tabs button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const tab of document.querySelectorAll("#detail-panel .tab")) tab.hidden = tab.id !== "tab-" + name;
  if (name === "rules") loadRules().catch((e) => ($("rule-error").textContent = e.message));
  if (name === "overview") loadOverview().catch(() => {});
}

function showFront(name) {
  for (const button of document.querySelectorAll(".front-tabs button")) button.classList.toggle("active", button.dataset.front === name);
  $("front-stories").hidden = name !== "stories";
  $("front-articles").hidden = name !== "articles";
}

document.addEventListener("DOMContentLoaded", () => {
  $("token").value = state.token;
  $("save-token").addEventListener("click", () => { state.token = $("token").value; sessionStorage.setItem("newsmon.token", state.token); });
  $("search-form").addEventListener("submit", (event) => { event.preventDefault(); showFront("articles"); refresh(); });
  $("more").addEventListener("click", () => search(true));
  for (const box of ["by-story", "hide-copies"]) $(box).addEventListener("change", refresh);
  $("trend-form").addEventListener("submit", (event) => showTrends(event).catch((e) => window.alert(e.message)));
  $("rule-form").addEventListener("submit", saveRule);
  for (const button of document.querySelectorAll("#detail-panel .tabs button")) button.addEventListener("click", () => showTab(button.dataset.tab));
  for (const button of document.querySelectorAll(".front-tabs button")) button.addEventListener("click", () => showFront(button.dataset.front));
  $("large-text").addEventListener("click", () => toggleLarge());
  $("watch-add").addEventListener("click", addWatchlist);
  document.querySelector('#watchlists button.watch[data-watch=""]').addEventListener("click", () => applyWatchlist(""));
  document.addEventListener("keydown", onKey);
  // The rule form's "required" fields do not apply when the JSON box is used.
  $("rule-json").addEventListener("input", () => { const json = !!$("rule-json").value.trim(); $("rule-id").required = !json; $("rule-value").required = !json; });
  if (localStorage.getItem("newsmon.large")) toggleLarge(true);
  renderWatchlists();
  loadAlerts().catch(() => {});
  loadStories().catch(() => {});
  loadLatest().catch(() => {});
  search().catch(() => {});
  loadOverview().catch(() => {});
  connectLive();
});
