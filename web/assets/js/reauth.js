// Step-up for sensitive actions (password change, TOTP enrollment, API key creation...): when the
// server answers 401 `reauthentication_required`, ask for the password (and a code when MFA is on),
// sign in again with cookies, and retry the action once.
import { api } from "./api.js";
import { clearErrors, setFieldError, showProblem } from "./forms.js";

const dialog = document.getElementById("reauth");
const form = document.getElementById("reauth-form");
const codeField = document.getElementById("reauth-code-field");

// Resolves true once the person has signed in again, false if they cancelled.
function ask(user) {
  return new Promise((resolve) => {
    clearErrors(form);
    form.reset();
    form.elements.username.value = user.username; // lets password managers fill the right entry
    codeField.hidden = !user.mfa_enabled;
    let mfaToken = "";
    let oldSession = null;
    const finish = (ok) => {
      form.removeEventListener("submit", onSubmit);
      cancel.removeEventListener("click", onCancel);
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      resolve(ok);
    };
    const onCancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    const onSubmit = async (event) => {
      event.preventDefault();
      clearErrors(form);
      const password = form.elements.password.value;
      const code = form.elements.code.value.trim();
      if (!password) return setFieldError(form, "password", "Enter your password.");
      if (user.mfa_enabled && !/^\d{6}$/.test(code)) return setFieldError(form, "code", "Enter the 6 digits from your app.");
      try {
        // The new sign-in is a new session: remember the old one, to end it afterwards rather
        // than leave a second live session behind.
        oldSession ??= await api("GET", "/v1/sessions")
          .then((r) => (r.items || []).find((x) => x.current)?.id || "")
          .catch(() => "");
        if (!mfaToken) {
          const res = await api("POST", "/v1/sessions", { username: user.username, password, use_cookies: true }, { retry: false });
          if (res && res.mfa_required) mfaToken = res.mfa_token;
        }
        if (mfaToken) {
          await api("POST", "/v1/sessions/mfa", { mfa_token: mfaToken, code, use_cookies: true }, { retry: false });
        }
        if (oldSession) await api("DELETE", `/v1/sessions/${encodeURIComponent(oldSession)}`).catch(() => {});
        finish(true);
      } catch (err) {
        if (err.code === "invalid_credentials") setFieldError(form, "password", err.plain);
        else if (err.code === "invalid_mfa_code") setFieldError(form, "code", err.plain);
        else showProblem(form, err);
        if (err.code !== "invalid_mfa_code") mfaToken = "";
      }
    };
    const cancel = document.getElementById("reauth-cancel");
    form.addEventListener("submit", onSubmit);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    form.elements.password.focus();
  });
}

// Runs `action`; on `reauthentication_required` asks, then runs it once more.
export async function withReauth(user, action) {
  try {
    return await action();
  } catch (err) {
    if (err.code !== "reauthentication_required") throw err;
    if (!(await ask(user))) throw err;
    return action();
  }
}
