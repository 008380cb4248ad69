#!/usr/bin/env node
// Saves every page at desktop (1280x800) and phone (390x844) widths into docs/screenshots/:
// `node scripts/screenshots.mjs` after building authd (build/dbg, or E2E_AUTHD_BINARY) and
// running scripts/install-web-deps.sh. Uses a throwaway server with an admin and some activity,
// so the account page and the dashboard show real content.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ADMIN, launchBrowser, newPage, repo, startAuthd } from "../tests/e2e/harness.mjs";

const out = join(repo, "docs", "screenshots");
mkdirSync(out, { recursive: true });
const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

const server = await startAuthd({ admin: true });
const browser = await launchBrowser();
try {
  // Some traffic for the dashboard: failed and successful sign-ins.
  for (let i = 0; i < 3; i++) {
    await fetch(`${server.url}/v1/sessions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username: ADMIN.username, password: `wrong ${i}` }) });
  }
  await fetch(`${server.url}/v1/sessions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }) });

  for (const [name, viewport] of Object.entries(sizes)) {
    const { context, page } = await newPage(browser, { viewport, deviceScaleFactor: 1 });
    const shot = async (file) => {
      await page.waitForLoadState("networkidle").catch(() => {});
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(out, `${file}-${name}.png`), fullPage: true });
    };
    await page.goto(`${server.url}/signup`);
    await shot("signup");
    await page.getByLabel("Username").fill("Bad Name");
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await shot("signup-errors");
    await page.goto(`${server.url}/login`);
    await shot("login");
    await page.getByLabel("Username or email").fill(ADMIN.username);
    await page.getByLabel("Password", { exact: true }).fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#password-error").filter({ hasText: /\S/ }).waitFor();
    await shot("login-error");
    await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/account/, { timeout: 10000 }).catch(() => {});
    await shot("account");
    await page.goto(`${server.url}/dashboard`);
    await page.waitForTimeout(1500); // a couple of counter messages
    await shot("dashboard");
    if (page.problems.length) console.error(page.problems.join("\n"));
    await context.close();
  }
  console.log(`screenshots in ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
