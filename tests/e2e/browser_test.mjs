// The pages in headless chromium, as a person uses them. Tests marked [cookies] need the server's
// browser-session cookies and CSRF checks (API.md "Browser clients and CSRF").
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { ADMIN, freshTotp, totp, launchBrowser, newPage, startAuthd, uniqueUser, waitForFreshStep } from "./harness.mjs";

let server;
let browser;

before(async () => {
  // A long backoff so the throttled answer is still there when the page asks again.
  server = await startAuthd({ admin: true, extra: ["--login-backoff-base-ms", "30000"] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signUp(page, u) {
  await page.goto(`${server.url}/signup`);
  await page.getByLabel("Username").fill(u.username);
  await page.getByLabel("Email").fill(u.email);
  await page.getByLabel("Password", { exact: true }).fill(u.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${server.url}/account`);
  await page.getByText(`Signed in as ${u.username}`).waitFor();
}

async function logIn(page, login, password) {
  await page.goto(`${server.url}/login`);
  await page.getByLabel("Username or email").fill(login);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("every page loads with no CSP violation or script error", async () => {
  const { context, page } = await newPage(browser);
  for (const path of ["/login", "/signup", "/account", "/dashboard"]) {
    await page.goto(server.url + path);
    await page.waitForLoadState("networkidle");
  }
  assert.deepEqual(page.problems, []);
  await context.close();
});

test("signup checks the server's rules before sending, next to each field", async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${server.url}/signup`);
  await page.getByLabel("Username").fill("No Spaces!");
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.locator("#username-error", { hasText: "Use only letters, digits" }).waitFor();
  await page.locator("#email-error", { hasText: "name@example.com" }).waitFor();
  await page.locator("#password-error", { hasText: "at least 12 characters" }).waitFor();
  assert.equal(await page.getByLabel("Username").evaluate((el) => el === document.activeElement), true, "first bad field focused");
  // The password must not contain the username.
  await page.getByLabel("Username").fill("carol");
  await page.getByLabel("Password", { exact: true }).fill("carol-is-my-password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.locator("#password-error", { hasText: "must not contain your username" }).waitFor();
  assert.equal(page.url(), `${server.url}/signup`);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test("a taken username is shown by the username field (server answer)", async () => {
  const { context, page } = await newPage(browser);
  await page.goto(`${server.url}/signup`);
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Email").fill("someone-else@example.com");
  await page.getByLabel("Password", { exact: true }).fill("a perfectly fine passphrase");
  await page.getByRole("button", { name: "Create account" }).click();
  // "admin" is both taken and reserved: either answer belongs next to the username.
  await page.locator("#username-error").filter({ hasText: /\S/ }).waitFor();
  assert.equal(page.url(), `${server.url}/signup`);
  await context.close();
});

test("a wrong password is shown by the password field", async () => {
  const { context, page } = await newPage(browser);
  await logIn(page, ADMIN.username, "not the admin password");
  await page.locator("#password-error", { hasText: "username or password is not right" }).waitFor();
  assert.equal(page.url(), `${server.url}/login`);
  assert.equal(await page.getByLabel("Password", { exact: true }).evaluate((el) => el.getAttribute("aria-invalid")), "true");
  await context.close();
});

test("throttling shows when to try again and holds the button", async () => {
  const u = uniqueUser("throttled");
  const made = await fetch(`${server.url}/v1/users`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(u) });
  assert.equal(made.status, 201);
  const { context, page } = await newPage(browser);
  await page.goto(`${server.url}/login`);
  await page.getByLabel("Username or email").fill(u.username);
  const button = page.getByRole("button", { name: "Sign in" });
  // Five failures of one account from one address start the backoff (docs/THROTTLING.md).
  for (let i = 0; i < 6; i++) {
    await page.getByLabel("Password", { exact: true }).fill(`wrong guess ${i}`);
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/v1/sessions")), button.click()]);
    if (res.status() === 429) break;
  }
  await page.locator("#login-form .alert", { hasText: /Too many attempts\. Try again in \d+ seconds? \(at / }).waitFor();
  assert.equal(await button.isDisabled(), true);
  await context.close();
});

test("[cookies] sign up, edit profile, enroll TOTP, sign out, sign in with the code", async () => {
  const u = uniqueUser("flow");
  const used = new Set();
  const { context, page } = await newPage(browser);
  await signUp(page, u);

  // The tokens stay in HttpOnly cookies: nothing in storage, nothing readable but the CSRF token.
  const cookies = await context.cookies();
  const at = cookies.find((c) => c.name === "__Host-authd_at");
  assert.ok(at && at.httpOnly && at.secure && at.sameSite === "Strict", "access cookie is HttpOnly, Secure, Strict");
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
  assert.doesNotMatch(await page.evaluate(() => document.cookie), /authd_at|authd_rt/);

  await page.getByLabel("Display name").fill("Flow Tester");
  await page.getByRole("button", { name: "Save profile" }).click();
  await page.getByText("Profile saved.").waitFor();
  await page.getByRole("heading", { name: "Hello, Flow Tester" }).waitFor();

  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  const secretBox = page.locator("#totp-secret");
  await secretBox.waitFor();
  const secret = await secretBox.getAttribute("data-secret");
  assert.match(secret, /^[A-Z2-7]+=*$/);
  // The QR code was drawn (not a blank canvas).
  const dark = await page.locator("#qr").evaluate((c) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 100) n++;
    return n;
  });
  assert.ok(dark > 1000, `QR code drawn (${dark} dark pixels)`);
  // The previous step's code (the server accepts it) leaves the current one for the login below,
  // so the test never waits for the next 30-second step.
  await waitForFreshStep();
  const enrollCode = totp(secret, Date.now() - 30000);
  used.add(enrollCode);
  await page.getByLabel("Code from the app").fill(enrollCode);
  await page.getByRole("button", { name: "Turn on" }).click();
  await page.getByText("Save these recovery codes now.").waitFor();
  assert.equal(await page.locator("#recovery-codes li").count(), 10);
  await page.getByRole("button", { name: "I have saved them" }).click();
  assert.equal(await page.locator("#recovery-codes li").count(), 0, "codes gone once dismissed");

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login/);
  assert.equal((await context.cookies()).some((c) => c.name === "__Host-authd_at" && c.value), false, "cookies cleared");
  await page.goto(`${server.url}/account`);
  await page.waitForURL(/\/login/);

  await logIn(page, u.username, u.password);
  await page.getByRole("heading", { name: "Two-step verification" }).waitFor();
  await page.getByLabel("Authentication code").fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await page.locator("#code-error", { hasText: "code is not right" }).waitFor();
  await page.getByLabel("Authentication code").fill(await freshTotp(secret, used));
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL(`${server.url}/account`);
  await page.getByText(`Signed in as ${u.username}`).waitFor();
  assert.deepEqual(page.problems, []);
  await context.close();
});

test("[cookies] the admin dashboard shows a failed login from another browser within a second", async () => {
  const admin = await newPage(browser);
  await logIn(admin.page, ADMIN.username, ADMIN.password);
  await admin.page.waitForURL(`${server.url}/account`);
  await admin.page.getByRole("link", { name: "Dashboard" }).click();
  await admin.page.waitForURL(`${server.url}/dashboard`);
  await admin.page.getByText("Live", { exact: true }).waitFor();
  await admin.page.locator("#type-filter").selectOption("user.login_failed");

  const intruder = await newPage(browser);
  await logIn(intruder.page, ADMIN.username, "guessing the password");
  await intruder.page.locator("#password-error", { hasText: /\S/ }).waitFor();
  const failedAt = Date.now();
  await admin.page.locator('#feed tr[data-type="user.login_failed"]').first().waitFor({ timeout: 1000 });
  assert.ok(Date.now() - failedAt <= 1000);
  // The counters and the chart came from the streams without a script error.
  assert.deepEqual(admin.page.problems, []);
  await intruder.context.close();
  await admin.context.close();
});

test("[cookies] a page on another origin cannot change anything (CSRF)", async () => {
  const u = uniqueUser("victim");
  const { context, page } = await newPage(browser);
  await signUp(page, u);
  const before = await page.evaluate(() => fetch("/v1/users/me").then((r) => r.json()));
  const logStart = server.log().length; // the server's access log from here on is the attack's

  // The attacker's site: another port on the same host (same site, so SameSite=Strict cookies DO
  // travel; only the CSRF token and the Origin check stand in the way).
  const target = server.url;
  const attack = `<!doctype html><body>
<script>
const results = [];
const tries = [
  fetch("${target}/v1/users/me", {method: "PATCH", credentials: "include", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: JSON.stringify({display_name: "pwned"})}),
  fetch("${target}/v1/users/me/mfa/totp", {method: "POST", credentials: "include", mode: "no-cors"}),
  fetch("${target}/v1/sessions/current", {method: "DELETE", credentials: "include"}),
  fetch("${target}/v1/api-keys", {method: "POST", credentials: "include", headers: {"Content-Type": "application/json", "X-CSRF-Token": "guess"}, body: JSON.stringify({name: "evil", scopes: ["profile:read"]})}),
];
Promise.allSettled(tries).then(() => { document.title = "done"; });
</script></body>`;
  const evil = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(attack);
  });
  await new Promise((r) => evil.listen(0, "127.0.0.1", r));
  try {
    const attacker = await context.newPage();
    await attacker.goto(`http://127.0.0.1:${evil.address().port}/`);
    await attacker.waitForFunction(() => document.title === "done", null, { timeout: 10000 });
    await attacker.close();
  } finally {
    evil.close();
  }

  // Still signed in, profile unchanged, no key, no pending enrollment answered anything but 403.
  const after = await page.evaluate(() => fetch("/v1/users/me").then((r) => r.json()));
  assert.equal(after.username, u.username, "still signed in");
  assert.equal(after.display_name, before.display_name);
  assert.equal(after.mfa_enabled, false);
  const keys = await page.evaluate(() => fetch("/v1/api-keys").then((r) => r.json()));
  assert.equal(keys.items.length, 0);
  const log = server.log().slice(logStart);
  const hits = log.split("\n").filter((l) => l.includes('"/v1/users/me/mfa/totp"') || (l.includes('"/v1/users/me"') && l.includes('"PATCH"')));
  assert.ok(hits.length >= 1, "the no-cors requests reached the server");
  for (const line of hits) assert.match(line, /"status":\s*(403|415)/, line);
  assert.ok(hits.some((l) => /"status":\s*403/.test(l)), "refused as cross-site (csrf_failed)");
  await context.close();
});

test("[cookies] a sensitive action asks for the password again, then goes through", async () => {
  // Its own server with a three-second re-authentication window. auth_time has whole seconds,
  // so a window of W seconds leaves between W - 1 and W after a sign-in: with one second, the
  // retried request after the password could arrive too late on a slow (sanitizer) build.
  const strict = await startAuthd({ extra: ["--reauth-window", "3"] });
  const { context, page } = await newPage(browser);
  try {
    const u = uniqueUser("stepup");
    await page.goto(`${strict.url}/signup`);
    await page.getByLabel("Username").fill(u.username);
    await page.getByLabel("Email").fill(u.email);
    await page.getByLabel("Password", { exact: true }).fill(u.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(`${strict.url}/account`);
    await page.waitForTimeout(4100); // past the window
    await page.getByLabel("Name", { exact: true }).fill("deploy bot");
    await page.getByLabel("profile:read").check();
    await page.getByRole("button", { name: "Create key" }).click();
    const dialog = page.getByRole("dialog", { name: "Confirm it’s you" });
    await dialog.waitFor();
    await dialog.getByLabel("Password").fill("not my password");
    await dialog.getByRole("button", { name: "Continue" }).click();
    await dialog.locator("#reauth-password-error").filter({ hasText: /\S/ }).waitFor();
    await dialog.getByLabel("Password").fill(u.password);
    await dialog.getByRole("button", { name: "Continue" }).click();
    await page.getByText("Copy this key now.").waitFor();
    assert.match(await page.locator("#new-key-value").textContent(), /^ak_/);
    await page.getByRole("button", { name: "Revoke key deploy bot" }).waitFor();
    const first = await page.locator("#new-key-value").textContent();
    await page.getByRole("button", { name: "Done" }).click();
    assert.equal(await page.locator("#new-key").isHidden(), true, "the secret leaves the page");
    await page.getByRole("button", { name: "Rotate key deploy bot" }).click();
    await page.getByText("Copy this key now.").waitFor();
    const second = await page.locator("#new-key-value").textContent();
    assert.match(second, /^ak_/);
    assert.notEqual(second, first);
    await page.getByRole("button", { name: "Revoke key deploy bot" }).click();
    await page.getByText("No API keys yet.").waitFor();
    // The step-up ended the session it replaced: one session left.
    const sessions = await page.evaluate(() => fetch("/v1/sessions").then((r) => r.json()));
    assert.equal(sessions.items.length, 1);
    assert.deepEqual(page.problems, []);
  } finally {
    await context.close();
    await strict.stop();
  }
});
