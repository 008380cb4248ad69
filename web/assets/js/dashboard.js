// /dashboard (admins and auditors): the live audit feed, the security stream's alerts and
// counters, and a chart of sign-ins per minute. Both WebSockets authenticate with the session
// cookie (same origin); the audit feed resumes from the last seq it saw after a disconnect.
import { api, currentUser, goToLogin } from "./api.js";
import { el, isStaff, wireNav } from "./nav.js";

const $ = (id) => document.getElementById(id);
const MAX_ROWS = 200;
const MINUTES = 30;
const LABELS = {
  "user.login_succeeded": "Signed in",
  "user.login_failed": "Failed sign-in",
  "user.login_throttled": "Sign-in throttled",
  "user.signed_up": "Signed up",
  "user.password_changed": "Changed password",
  "user.mfa_enrolled": "Turned on two-step",
  "user.mfa_disabled": "Turned off two-step",
  "user.roles_changed": "Roles changed",
  "session.revoked": "Session ended",
  "session.refreshed": "Session refreshed",
};

let lastSeq = 0;
let events = []; // newest first, at most MAX_ROWS
const perMinute = new Map(); // minute (ms) -> {ok, failed}
let chart = null;
const wsUrl = (path) => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;

function setLive(on, text) {
  $("live-dot").classList.toggle("live", on);
  $("live-text").textContent = text;
}

// --- audit feed
// A name when the event carries one; else the user id, shortened (the full id in the tooltip).
function who(e) {
  const d = e.data || {};
  const name = d.username || d.email;
  if (name) return el("span", {}, name);
  const id = e.subject || e.actor?.user_id || "";
  if (!id) return el("span", {}, "—");
  return el("span", { class: "mono", title: id }, id.length > 16 ? `${id.slice(0, 12)}…` : id);
}

function renderFeed() {
  const type = $("type-filter").value;
  const rows = events.filter((e) => !type || e.type === type);
  if (!rows.length) {
    $("feed").replaceChildren(el("tr", {}, el("td", { colspan: "4", class: "empty" }, type ? "No events of this kind yet." : "Waiting for events…")));
    return;
  }
  $("feed").replaceChildren(
    ...rows.map((e) =>
      el(
        "tr",
        { "data-type": e.type },
        el("td", { class: "small" }, new Date(e.at).toLocaleTimeString()),
        el("td", {}, el("span", { class: `badge${e.type === "user.login_failed" || e.type === "user.login_throttled" ? " warn" : e.type === "user.login_succeeded" ? " ok" : ""}` }, LABELS[e.type] || e.type)),
        el("td", {}, who(e)),
        el("td", { class: "small muted" }, e.actor?.ip || ""),
      ),
    ),
  );
}

function countLogin(e) {
  const ok = e.type === "user.login_succeeded";
  if (!ok && e.type !== "user.login_failed") return;
  const minute = Math.floor(Date.parse(e.at) / 60000) * 60000;
  if (Date.now() - minute > MINUTES * 60000) return;
  const slot = perMinute.get(minute) || { ok: 0, failed: 0 };
  slot[ok ? "ok" : "failed"]++;
  perMinute.set(minute, slot);
}

function drawChart() {
  const now = Math.floor(Date.now() / 60000) * 60000;
  const minutes = Array.from({ length: MINUTES }, (_, i) => now - (MINUTES - 1 - i) * 60000);
  const labels = minutes.map((m) => new Date(m).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  const ok = minutes.map((m) => perMinute.get(m)?.ok || 0);
  const failed = minutes.map((m) => perMinute.get(m)?.failed || 0);
  if (typeof globalThis.Chart !== "function") return;
  if (!chart) {
    chart = new globalThis.Chart($("chart"), {
      type: "bar",
      data: {
        labels,
        datasets: [
          { label: "Succeeded", data: ok, backgroundColor: "#4f46e5" },
          { label: "Failed", data: failed, backgroundColor: "#f97066" },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { stacked: true, ticks: { maxTicksLimit: 6 } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  } else {
    chart.data.labels = labels;
    chart.data.datasets[0].data = ok;
    chart.data.datasets[1].data = failed;
    chart.update("none");
  }
}

let pending = false;
function scheduleRender() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    renderFeed();
    drawChart();
  });
}

let auditDelay = 500;
function openAudit() {
  const ws = new WebSocket(wsUrl(`/v1/audit/stream?after=${lastSeq}`));
  ws.addEventListener("open", () => {
    auditDelay = 500;
    setLive(true, "Live");
  });
  ws.addEventListener("message", (msg) => {
    const e = JSON.parse(msg.data);
    if (typeof e.seq !== "number" || e.seq <= lastSeq) return; // never show one twice
    lastSeq = e.seq;
    events.unshift(e);
    if (events.length > MAX_ROWS) events.length = MAX_ROWS;
    countLogin(e);
    scheduleRender();
  });
  ws.addEventListener("close", async (event) => {
    setLive(false, "Reconnecting…");
    // 1008: the access cookie expired. Refresh it (any API call does), then resume from lastSeq.
    if (event.code === 1008) await api("GET", "/v1/users/me").catch(() => {});
    setTimeout(openAudit, auditDelay);
    auditDelay = Math.min(auditDelay * 2, 15000);
  });
}

// --- security stream
const openAlerts = new Map();
function renderAlerts() {
  $("stat-alerts").textContent = openAlerts.size;
  if (!openAlerts.size) {
    $("alerts").replaceChildren(el("li", { class: "empty" }, "No open alerts. All quiet."));
    return;
  }
  $("alerts").replaceChildren(
    ...[...openAlerts.values()].map((a) =>
      el("li", {}, el("span", { class: "badge warn" }, a.severity || "alert"), " ", el("strong", {}, (a.kind || "alert").replace(/_/g, " ")), el("div", { class: "small muted" }, `since ${new Date(a.started_at).toLocaleTimeString()}`)),
    ),
  );
}

let securityDelay = 500;
function openSecurity() {
  const ws = new WebSocket(wsUrl("/v1/security/stream"));
  ws.addEventListener("open", () => {
    securityDelay = 500;
  });
  ws.addEventListener("message", (msg) => {
    const m = JSON.parse(msg.data);
    if (m.type === "counters" && m.totals) {
      $("stat-ok").textContent = m.totals.logins_succeeded ?? 0;
      $("stat-failed").textContent = m.totals.logins_failed ?? 0;
      $("stat-throttled").textContent = m.totals.logins_throttled ?? 0;
    } else if (m.type === "alert_opened" && m.alert) {
      openAlerts.set(m.alert.id, m.alert);
      renderAlerts();
    } else if (m.type === "alert_closed" && m.alert) {
      openAlerts.delete(m.alert.id);
      renderAlerts();
    }
  });
  ws.addEventListener("close", () => {
    setTimeout(openSecurity, securityDelay);
    securityDelay = Math.min(securityDelay * 2, 15000);
  });
}

// The feed starts with the last few hundred events rather than the whole log (which can be
// millions): /readyz tells the log's head.
const BACKLOG = 500;
async function startSeq() {
  try {
    const res = await fetch("/readyz", { cache: "no-store" });
    const body = await res.json();
    return Math.max(0, Number(body.head || 0) - BACKLOG);
  } catch {
    return 0;
  }
}

async function main() {
  const user = await currentUser();
  if (!user) return goToLogin();
  wireNav(user);
  if (!isStaff(user)) {
    setLive(false, "Not available");
    $("page-alert").className = "alert info";
    $("page-alert").textContent = "The dashboard is for administrators and auditors. Ask an administrator if you need access.";
    return;
  }
  $("dashboard").hidden = false;
  $("type-filter").addEventListener("change", renderFeed);
  drawChart();
  setInterval(drawChart, 30000); // slide the minute window even when nothing happens
  lastSeq = await startSeq();
  openAudit();
  openSecurity();
}

main().catch((err) => {
  $("page-alert").className = "alert error";
  $("page-alert").textContent = err.plain || "Could not load the dashboard. Reload the page.";
});
