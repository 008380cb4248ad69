// /account: profile, password, two-step verification, sessions and API keys of the signed-in
// user. Every change goes through api() (CSRF header) and, when the server wants a fresh
// password, through withReauth().
import { api, currentUser, goToLogin } from "./api.js";
import { busy, checkEmail, checkPassword, clearErrors, formAlert, setFieldError, showProblem, validate } from "./forms.js";
import { el, when, wireNav } from "./nav.js";
import { withReauth } from "./reauth.js";

const SCOPES = ["profile:read", "profile:write", "sessions:read", "sessions:write", "users:read", "users:write", "roles:write", "audit:read", "security:read"];
const $ = (id) => document.getElementById(id);
let user = null;

function showUser() {
  $("greeting").textContent = user.display_name ? `Hello, ${user.display_name}` : "Your account";
  $("whoami").textContent = `Signed in as ${user.username} · ${user.roles.join(", ")}`;
  const profile = $("profile-form").elements;
  profile.display_name.value = user.display_name || "";
  profile.email.value = user.email || "";
  $("email-status").textContent = user.email_verified ? "Verified." : "Not verified yet: check your inbox for the link.";
  $("password-form").elements.username.value = user.username;
  showMfa(user.mfa_enabled ? "on" : "off");
}

function showMfa(state) {
  for (const s of ["off", "enroll", "codes", "on"]) $(`mfa-${s}`).hidden = s !== state;
}

// --- profile
$("profile-form").addEventListener("submit", (event) => {
  const form = event.target;
  event.preventDefault();
  clearErrors(form);
  const email = form.elements.email.value.trim();
  const display = form.elements.display_name.value.trim();
  if (!validate(form, { email: () => checkEmail(email) })) return;
  const body = {};
  if (email !== user.email) body.email = email;
  if (display !== (user.display_name || "")) body.display_name = display;
  if (!Object.keys(body).length) return formAlert(form, "Nothing to save.", "info");
  busy(form, async () => {
    try {
      user = await withReauth(user, () => api("PATCH", "/v1/users/me", body));
      showUser();
      formAlert(form, "Profile saved.", "ok");
    } catch (err) {
      showProblem(form, err);
    }
  });
});

// --- password
$("password-form").addEventListener("submit", (event) => {
  const form = event.target;
  event.preventDefault();
  clearErrors(form);
  const current = form.elements.current_password.value;
  const next = form.elements.new_password.value;
  const ok = validate(form, {
    current_password: () => (current ? "" : "Enter your current password."),
    new_password: () => checkPassword(next, user.username) || (next === current ? "Choose a password different from the current one." : ""),
  });
  if (!ok) return;
  busy(form, async () => {
    try {
      await withReauth(user, () => api("PUT", "/v1/users/me/password", { current_password: current, new_password: next }));
      form.reset();
      form.elements.username.value = user.username;
      formAlert(form, "Password changed. Your other sessions were signed out.", "ok");
      loadSessions();
    } catch (err) {
      if (err.code === "invalid_credentials") setFieldError(form, "current_password", "That is not your current password.");
      else showProblem(form, err, { password: "new_password" });
    }
  });
});

// --- two-step verification
function drawQr(uri) {
  const canvas = $("qr");
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (typeof globalThis.qrcode !== "function") return; // vendor file missing: the key text still works
  const qr = globalThis.qrcode(0, "M");
  qr.addData(uri);
  qr.make();
  const n = qr.getModuleCount();
  const quiet = 4;
  const cell = Math.floor(canvas.width / (n + 2 * quiet));
  const offset = Math.floor((canvas.width - cell * n) / 2);
  ctx.fillStyle = "#1c2233";
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) if (qr.isDark(r, c)) ctx.fillRect(offset + c * cell, offset + r * cell, cell, cell);
  }
}

$("mfa-start").addEventListener("click", async (event) => {
  const button = event.target;
  button.disabled = true;
  try {
    const res = await withReauth(user, () => api("POST", "/v1/users/me/mfa/totp"));
    $("totp-secret").textContent = res.secret.replace(/(.{4})/g, "$1 ").trim();
    $("totp-secret").dataset.secret = res.secret;
    drawQr(res.otpauth_uri);
    showMfa("enroll");
    $("totp_code").focus();
  } catch (err) {
    showMfa("enroll");
    formAlert($("mfa-enroll"), err.plain);
  } finally {
    button.disabled = false;
  }
});

$("mfa-cancel").addEventListener("click", () => showMfa("off"));

$("mfa-enroll").addEventListener("submit", (event) => {
  const form = event.target;
  event.preventDefault();
  clearErrors(form);
  const code = form.elements.code.value.replace(/\s/g, "");
  if (!validate(form, { code: () => (/^\d{6}$/.test(code) ? "" : "Enter the 6 digits from your app.") })) return;
  busy(form, async () => {
    try {
      const res = await withReauth(user, () => api("POST", "/v1/users/me/mfa/totp/confirm", { code }));
      const list = $("recovery-codes");
      list.replaceChildren(...res.recovery_codes.map((c) => el("li", {}, c)));
      user.mfa_enabled = true;
      form.reset();
      showMfa("codes");
      $("mfa-codes-done").focus();
    } catch (err) {
      if (err.code === "invalid_mfa_code") setFieldError(form, "code", err.plain);
      else showProblem(form, err);
    }
  });
});

$("mfa-codes-done").addEventListener("click", () => {
  $("recovery-codes").replaceChildren(); // shown once: gone from the page too
  showMfa("on");
});

$("mfa-on").addEventListener("submit", (event) => {
  const form = event.target;
  event.preventDefault();
  clearErrors(form);
  const code = form.elements.code.value.replace(/\s/g, "");
  if (!validate(form, { code: () => (/^\d{6}$/.test(code) ? "" : "Enter the 6 digits from your app.") })) return;
  busy(form, async () => {
    try {
      await withReauth(user, () => api("DELETE", "/v1/users/me/mfa/totp", { code }));
      user.mfa_enabled = false;
      form.reset();
      showMfa("off");
    } catch (err) {
      if (err.code === "invalid_mfa_code" || err.code === "invalid_credentials") setFieldError(form, "code", "That code is not right. Try the next one.");
      else showProblem(form, err);
    }
  });
});

// --- sessions
function device(s) {
  const ua = s.user_agent || "";
  const browser = /Edg\//.test(ua) ? "Edge" : /Chrom/.test(ua) ? "Chrome" : /Firefox\//.test(ua) ? "Firefox" : /Safari\//.test(ua) ? "Safari" : ua ? "Other client" : "Unknown client";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Mac OS X/.test(ua) ? "macOS" : /Windows/.test(ua) ? "Windows" : /Linux/.test(ua) ? "Linux" : "";
  return os ? `${browser} on ${os}` : browser;
}

async function loadSessions() {
  const body = $("sessions");
  try {
    const res = await api("GET", "/v1/sessions");
    const items = res.items || [];
    if (!items.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: "3", class: "empty" }, "No active sessions.")));
      return;
    }
    body.replaceChildren(
      ...items.map((s) =>
        el(
          "tr",
          {},
          el("td", {}, device(s), s.current ? el("span", { class: "badge" }, " This device") : "", el("div", { class: "small muted" }, s.ip || "")),
          el("td", {}, when(s.last_seen_at || s.created_at)),
          el("td", {}, s.current ? "" : el("button", { type: "button", class: "danger small", "aria-label": `Sign out ${device(s)} session`, onclick: () => revokeSession(s.id) }, "Sign out")),
        ),
      ),
    );
  } catch (err) {
    formAlert({ querySelector: () => $("sessions-alert") }, err.plain);
  }
}

async function revokeSession(id) {
  try {
    await api("DELETE", `/v1/sessions/${encodeURIComponent(id)}`);
  } catch (err) {
    $("sessions-alert").className = "alert error";
    $("sessions-alert").textContent = err.plain;
  }
  loadSessions();
}

// --- API keys
function showNewKey(key) {
  $("new-key-value").textContent = key;
  $("new-key").hidden = false;
  $("new-key-done").focus();
}
$("new-key-done").addEventListener("click", () => {
  $("new-key-value").textContent = "";
  $("new-key").hidden = true;
});

async function loadKeys() {
  const body = $("keys");
  try {
    const res = await api("GET", "/v1/api-keys");
    const items = res.items || [];
    if (!items.length) {
      body.replaceChildren(el("tr", {}, el("td", { colspan: "3", class: "empty" }, "No API keys yet.")));
      return;
    }
    body.replaceChildren(
      ...items.map((k) =>
        el(
          "tr",
          {},
          el("td", {}, el("strong", {}, k.name), el("div", { class: "small muted" }, `Created ${when(k.created_at)}`, k.last_used_at ? ` · used ${when(k.last_used_at)}` : " · never used")),
          el("td", { class: "small" }, (k.scopes || []).join(", ")),
          el(
            "td",
            {},
            el(
              "div",
              { class: "actions" },
              el("button", { type: "button", class: "secondary small", "aria-label": `Rotate key ${k.name}`, onclick: () => keyAction("POST", `/v1/api-keys/${encodeURIComponent(k.id)}/rotate`) }, "Rotate"),
              el("button", { type: "button", class: "danger small", "aria-label": `Revoke key ${k.name}`, onclick: () => keyAction("DELETE", `/v1/api-keys/${encodeURIComponent(k.id)}`) }, "Revoke"),
            ),
          ),
        ),
      ),
    );
  } catch (err) {
    formAlert($("key-form"), err.plain);
  }
}

async function keyAction(method, path) {
  const form = $("key-form");
  clearErrors(form);
  try {
    const res = await withReauth(user, () => api(method, path));
    if (res && res.key) showNewKey(res.key);
  } catch (err) {
    formAlert(form, err.plain);
  }
  loadKeys();
}

$("key-form").addEventListener("submit", (event) => {
  const form = event.target;
  event.preventDefault();
  clearErrors(form);
  const name = form.elements.name.value.trim();
  const scopes = [...form.querySelectorAll("input[name=scope]:checked")].map((i) => i.value);
  const ok = validate(form, { name: () => (name ? "" : "Give the key a name you will recognise.") });
  if (!ok) return;
  if (!scopes.length) return setFieldError(form, "scopes", "Pick at least one scope.");
  busy(form, async () => {
    try {
      const res = await withReauth(user, () => api("POST", "/v1/api-keys", { name, scopes }));
      form.reset();
      showNewKey(res.key);
      loadKeys();
    } catch (err) {
      showProblem(form, err);
    }
  });
});

function scopeBoxes() {
  const staff = user.roles.includes("admin") || user.roles.includes("auditor");
  const box = $("scopes");
  for (const scope of SCOPES) {
    if (!staff && /^(users|roles|audit|security):/.test(scope)) continue;
    const id = `scope-${scope.replace(":", "-")}`;
    box.append(el("label", { for: id }, el("input", { type: "checkbox", name: "scope", value: scope, id }), scope));
  }
}

async function main() {
  user = await currentUser();
  if (!user) return goToLogin();
  wireNav(user);
  showUser();
  scopeBoxes();
  loadSessions();
  loadKeys();
}

main().catch((err) => {
  $("whoami").textContent = err.plain || "Could not load your account. Reload the page.";
});
