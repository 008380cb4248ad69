// /login: username-or-email and password, then the TOTP step when the server asks for it.
// Both steps send use_cookies, so the session arrives as HttpOnly cookies.
import { api } from "./api.js";
import { busy, clearErrors, formAlert, holdUntilRetry, setFieldError, showProblem, validate, wirePasswordToggles } from "./forms.js";

const loginForm = document.getElementById("login-form");
const mfaForm = document.getElementById("mfa-form");
let mfaToken = "";
let useRecovery = false;

// Only same-site paths, so ?next= cannot send people to another site after they sign in.
function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "";
  return /^\/[a-z]+$/.test(next) ? next : "/account";
}

function failed(form, err) {
  showProblem(form, err, { username: "login", email: "login" });
  if (err.status === 429 && err.retryAfter != null) holdUntilRetry(form, err.retryAfter);
}

loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearErrors(loginForm);
  const login = loginForm.elements.login.value.trim();
  const password = loginForm.elements.password.value;
  const ok = validate(loginForm, {
    login: () => (login ? "" : "Enter your username or email."),
    password: () => (password ? "" : "Enter your password."),
  });
  if (!ok) return;
  const body = login.includes("@") ? { email: login, password } : { username: login.toLowerCase(), password };
  body.use_cookies = true;
  busy(loginForm, async () => {
    try {
      const res = await api("POST", "/v1/sessions", body, { retry: false });
      if (res && res.mfa_required) {
        mfaToken = res.mfa_token;
        loginForm.hidden = true;
        mfaForm.hidden = false;
        mfaForm.elements.code.focus();
        return;
      }
      location.assign(nextPage());
    } catch (err) {
      if (err.code === "invalid_credentials") {
        // One answer for unknown users and wrong passwords (no account enumeration): shown by the
        // password field, where the person will retype.
        setFieldError(loginForm, "password", err.plain);
        loginForm.elements.password.focus();
        loginForm.elements.password.select();
      } else {
        failed(loginForm, err);
      }
    }
  });
});

document.getElementById("use-recovery").addEventListener("click", (event) => {
  useRecovery = !useRecovery;
  document.getElementById("code-field").hidden = useRecovery;
  document.getElementById("recovery-field").hidden = !useRecovery;
  document.getElementById("mfa-lead").textContent = useRecovery
    ? "Enter one of the recovery codes you saved when you turned on two-step verification."
    : "Enter the 6-digit code from your authenticator app.";
  event.target.textContent = useRecovery ? "Use an authenticator code instead" : "Use a recovery code instead";
  clearErrors(mfaForm);
  mfaForm.elements[useRecovery ? "recovery_code" : "code"].focus();
});

mfaForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearErrors(mfaForm);
  const code = mfaForm.elements.code.value.replace(/\s/g, "");
  const recovery = mfaForm.elements.recovery_code.value.trim();
  const ok = useRecovery
    ? validate(mfaForm, { recovery_code: () => (recovery ? "" : "Enter a recovery code.") })
    : validate(mfaForm, { code: () => (/^\d{6}$/.test(code) ? "" : "Enter the 6 digits from your app.") });
  if (!ok) return;
  const body = { mfa_token: mfaToken, use_cookies: true };
  if (useRecovery) body.recovery_code = recovery;
  else body.code = code;
  busy(mfaForm, async () => {
    try {
      await api("POST", "/v1/sessions/mfa", body, { retry: false });
      location.assign(nextPage());
    } catch (err) {
      if (err.code === "invalid_mfa_code") {
        setFieldError(mfaForm, useRecovery ? "recovery_code" : "code", err.plain);
      } else if (err.status === 401) {
        // The MFA token expired or was used up: start again from the password.
        mfaForm.hidden = true;
        loginForm.hidden = false;
        formAlert(loginForm, "That sign-in took too long. Please enter your password again.");
        loginForm.elements.password.value = "";
        loginForm.elements.password.focus();
      } else {
        failed(mfaForm, err);
      }
    }
  });
});

wirePasswordToggles();
