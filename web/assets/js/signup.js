// /signup: checks the server's rules as the person types (on leaving a field and on submit),
// creates the account, then signs in with cookies and goes to /account.
import { api } from "./api.js";
import { busy, checkEmail, checkPassword, checkUsername, clearErrors, holdUntilRetry, setFieldError, showProblem, validate, wirePasswordToggles } from "./forms.js";

const form = document.getElementById("signup-form");
const f = form.elements;

const checks = {
  username: () => checkUsername(f.username.value),
  email: () => checkEmail(f.email.value),
  display_name: () => ([...f.display_name.value].length > 100 ? "Use at most 100 characters." : ""),
  password: () => checkPassword(f.password.value, f.username.value),
};

// Check a field when the person leaves it (not on every key, which would nag mid-word), except
// when they leave it for the submit button: a message appearing then would push the button down
// between mousedown and mouseup, and the click would be lost. The submit handler checks anyway.
for (const [field, check] of Object.entries(checks)) {
  f[field].addEventListener("blur", (event) => {
    if (event.relatedTarget && event.relatedTarget.type === "submit") return;
    if (f[field].value) setFieldError(form, field, check());
  });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearErrors(form);
  if (!validate(form, checks)) return;
  const username = f.username.value.trim().toLowerCase();
  const password = f.password.value;
  const body = { username, email: f.email.value.trim(), password };
  if (f.display_name.value.trim()) body.display_name = f.display_name.value.trim();
  busy(form, async () => {
    try {
      await api("POST", "/v1/users", body, { retry: false });
      await api("POST", "/v1/sessions", { username, password, use_cookies: true }, { retry: false });
      location.assign("/account");
    } catch (err) {
      if (err.code === "username_taken") setFieldError(form, "username", err.plain);
      else if (err.code === "email_taken") setFieldError(form, "email", err.plain);
      else showProblem(form, err);
      if (err.status === 429 && err.retryAfter != null) {
        showProblem(form, err);
        holdUntilRetry(form, err.retryAfter);
      }
    }
  });
});

wirePasswordToggles();
