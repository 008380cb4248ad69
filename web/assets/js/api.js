// How every authd page talks to the API (docs/WEB.md). The session lives in HttpOnly cookies the
// page never sees; the page only reads the `authd_csrf` cookie and echoes it in X-CSRF-Token on
// every request, so a form posted by another site (which cannot read our cookies) is refused.
// No token is ever stored in localStorage or sessionStorage.

export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "authd_csrf") return decodeURIComponent(rest.join("="));
  }
  return "";
}

// Plain-words messages by problem code, for answers whose own text is too technical or missing.
const MESSAGES = {
  invalid_credentials: "That username or password is not right.",
  account_disabled: "This account is disabled. Contact your administrator.",
  too_many_attempts: "Too many attempts.",
  rate_limited: "Too many requests.",
  invalid_mfa_code: "That code is not right, or was already used. Try the next code.",
  username_taken: "That username is taken.",
  email_taken: "An account with that email already exists.",
  reauthentication_required: "Please confirm it is you.",
  csrf_failed: "Your page is out of date. Reload it and try again.",
  forbidden: "You do not have access to this.",
  storage_unavailable: "The server cannot save right now. Try again in a moment.",
  internal: "Something went wrong on the server. Try again.",
  server_busy: "The server is busy. Try again in a moment.",
};

export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || "";
    this.problem = problem;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.retryAfter = retryAfter; // seconds, or null
  }
  // The sentence to show a person.
  get plain() {
    let text = MESSAGES[this.code] || this.problem.detail || this.problem.title || "Request failed.";
    if (this.retryAfter != null) text += ` ${retryText(this.retryAfter)}`;
    return text;
  }
}

export function retryText(seconds) {
  const at = new Date(Date.now() + seconds * 1000);
  const clock = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return `Try again in ${seconds} second${seconds === 1 ? "" : "s"} (at ${clock}).`;
}

async function send(method, path, body) {
  const headers = { Accept: "application/json, application/problem+json" };
  const token = csrfToken();
  if (token) headers["X-CSRF-Token"] = token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function parse(res) {
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text };
  }
}

let refreshing = null;
// One refresh at a time, shared by every request that found its access cookie expired.
function refreshSession() {
  refreshing ??= send("POST", "/v1/sessions/refresh", { use_cookies: true })
    .then((res) => res.ok)
    .catch(() => false)
    .finally(() => setTimeout(() => { refreshing = null; }, 0));
  return refreshing;
}

// Calls the API; resolves with the JSON body (null for 204), rejects with ApiError.
// An expired access cookie is refreshed once, transparently.
export async function api(method, path, body, { retry = true } = {}) {
  let res = await send(method, path, body);
  if (res.status === 403 && method !== "GET") {
    // No token yet, or one from an older session: GET /v1/csrf sets a valid one; try once more.
    const problem = await parse(res.clone());
    if (problem && problem.code === "csrf_failed") {
      const fresh = await fetch("/v1/csrf", { credentials: "same-origin", cache: "no-store" }).catch(() => null);
      if (fresh && fresh.ok) res = await send(method, path, body);
    }
  }
  if (res.status === 401 && retry) {
    const problem = await parse(res.clone());
    if (problem && (problem.code === "token_expired" || problem.code === "invalid_token")) {
      if (await refreshSession()) res = await send(method, path, body);
    }
  }
  const data = await parse(res);
  if (!res.ok) {
    const ra = res.headers.get("Retry-After");
    const retryAfter = ra !== null && /^\d+$/.test(ra) ? Number(ra) : null;
    throw new ApiError(res.status, data || {}, retryAfter);
  }
  return data;
}

// The signed-in user, or null (then the caller usually sends the visitor to /login).
export async function currentUser() {
  try {
    return await api("GET", "/v1/users/me");
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export function goToLogin() {
  const next = location.pathname === "/login" ? "" : `?next=${encodeURIComponent(location.pathname)}`;
  location.assign(`/login${next}`);
}

export async function logout() {
  try {
    await api("DELETE", "/v1/sessions/current", undefined, { retry: false });
  } finally {
    location.assign("/login");
  }
}
