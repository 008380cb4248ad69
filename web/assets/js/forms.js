// Field errors next to their fields, form-level messages in the form's alert box, and the
// client-side checks that mirror the server's rules (API.md: usernames, passwords, emails).

export const RULES = {
  usernamePattern: /^[a-z0-9._-]{3,32}$/,
  passwordMin: 12,
  passwordMax: 128,
  emailMax: 254,
};

// Code points, as the server counts them.
export const length = (s) => [...s].length;

export function checkUsername(value) {
  const v = value.trim().toLowerCase();
  if (length(v) < 3) return "Use at least 3 characters.";
  if (length(v) > 32) return "Use at most 32 characters.";
  if (!RULES.usernamePattern.test(v)) return "Use only letters, digits, dots, dashes and underscores.";
  return "";
}

export function checkEmail(value) {
  const v = value.trim();
  if (!v) return "Enter your email address.";
  if (length(v) > RULES.emailMax) return "That email address is too long.";
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return "Enter an email address like name@example.com.";
  return "";
}

export function checkPassword(value, username = "") {
  const n = length(value);
  if (n < RULES.passwordMin) return `Use at least ${RULES.passwordMin} characters (you have ${n}).`;
  if (n > RULES.passwordMax) return `Use at most ${RULES.passwordMax} characters.`;
  const u = username.trim().toLowerCase();
  if (u.length >= 3 && value.toLowerCase().includes(u)) return "Your password must not contain your username.";
  return "";
}

// Moves focus after the click that submitted the form has finished (Chromium would otherwise
// leave it on the button that was pressed).
export function focusSoon(input) {
  if (input && input.focus) setTimeout(() => input.focus(), 0);
}

function errorBox(form, field) {
  return form.querySelector(`[data-error-for="${field}"]`);
}

export function setFieldError(form, field, message) {
  const box = errorBox(form, field);
  const input = form.elements.namedItem(field);
  if (box) box.textContent = message;
  if (input && input.setAttribute) {
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  return Boolean(box);
}

export function clearErrors(form) {
  for (const box of form.querySelectorAll("[data-error-for]")) box.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const alert = form.querySelector(".alert");
  if (alert) {
    alert.textContent = "";
    alert.className = "alert";
  }
}

export function formAlert(form, message, kind = "error") {
  const alert = form.querySelector(".alert");
  if (!alert) return;
  alert.className = `alert ${kind}`;
  alert.textContent = message;
}

// Shows an ApiError: each errors[] entry by its field (or in the alert when the form has no such
// field), and the problem's plain sentence in the alert. Focuses the first bad field.
export function showProblem(form, err, fieldMap = {}) {
  let first = null;
  const loose = [];
  for (const e of err.errors || []) {
    const field = fieldMap[e.field] || e.field;
    if (setFieldError(form, field, e.message)) first ??= field;
    else loose.push(e.message);
  }
  if (!err.errors?.length || loose.length) formAlert(form, [err.plain, ...loose].join(" "));
  else formAlert(form, "Please fix the highlighted fields.");
  if (first) focusSoon(form.elements.namedItem(first));
}

// Runs the checks {field: fn} and shows their messages; true when all pass.
export function validate(form, checks) {
  let first = null;
  for (const [field, check] of Object.entries(checks)) {
    const message = check();
    setFieldError(form, field, message);
    if (message && !first) first = field;
  }
  if (first) focusSoon(form.elements.namedItem(first));
  return !first;
}

// Disables the submit button while `work` runs, so a double click sends one request.
export async function busy(form, work) {
  const button = form.querySelector("button[type=submit]");
  if (button) button.disabled = true;
  try {
    return await work();
  } finally {
    if (button && !button.dataset.locked) button.disabled = false;
  }
}

// A 429: says when to retry and keeps the submit button off until then.
export function holdUntilRetry(form, seconds) {
  const button = form.querySelector("button[type=submit]");
  if (!button) return;
  button.dataset.locked = "1";
  button.disabled = true;
  setTimeout(() => {
    delete button.dataset.locked;
    button.disabled = false;
  }, seconds * 1000);
}

// Password fields with a "Show" toggle (a button next to them).
export function wirePasswordToggles(root = document) {
  for (const button of root.querySelectorAll("[data-toggle-password]")) {
    const input = document.getElementById(button.dataset.togglePassword);
    button.addEventListener("click", () => {
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? "Hide" : "Show";
      button.setAttribute("aria-pressed", String(show));
    });
  }
}
