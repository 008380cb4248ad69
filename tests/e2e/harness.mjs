// Shared pieces of the end-to-end tests: a real `authd serve` on a free loopback port (cheap
// argon2, its own temp data folder, an admin made with `authd user add` first), headless Debian
// chromium driven by playwright-core, and an RFC 6238 TOTP computed with node's crypto.
// Every wait is bounded.
import { spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, "..", "..");
// playwright-core lives in web/node_modules (pinned by web/package-lock.json).
const require = createRequire(join(repo, "web", "package.json"));
const { chromium } = require("playwright-core");

export const ADMIN = { username: "admin", email: "admin@example.com", password: "correct horse battery e2e" };

// Not AUTHD_*: `authd serve` reads every AUTHD_* variable as an option and refuses unknown ones.
export const binary = process.env.E2E_AUTHD_BINARY || join(repo, "build", "dbg", "app", "authd");

function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AUTHD_")) env[k] = v;
  return env;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts authd; resolves with {url, port, log(), stop()}.
export async function startAuthd({ admin = false, extra = [] } = {}) {
  const data = mkdtempSync(join(tmpdir(), "authd-e2e-"));
  if (admin) {
    const r = spawnSync(binary, ["user", "add", "--data", data, "--username", ADMIN.username, "--email", ADMIN.email, "--role", "admin", "--password-stdin"], { input: `${ADMIN.password}\n`, env: cleanEnv(), encoding: "utf8", timeout: 60000 });
    if (r.status !== 0) throw new Error(`authd user add failed: ${r.stderr}`);
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    let log = "";
    const child = spawn(binary, ["serve", "--data", data, "--listen", `127.0.0.1:${port}`, "--argon2-memory-kib", "8192", "--argon2-iterations", "1", "--signup-burst", "0", "--refresh-burst", "0", "--web-root", join(repo, "web"), ...extra], { env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => { log += d; });
    child.stderr.on("data", (d) => { log += d; });
    let exited = false;
    child.on("exit", () => { exited = true; });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 15000;
    while (!exited && Date.now() < deadline) {
      try {
        const res = await fetch(`${url}/healthz`);
        if (res.ok) {
          return {
            url,
            port,
            data,
            log: () => log,
            async stop() {
              if (!exited) {
                child.kill("SIGTERM");
                const until = Date.now() + 10000;
                while (!exited && Date.now() < until) await sleep(50);
                if (!exited) child.kill("SIGKILL");
              }
              rmSync(data, { recursive: true, force: true });
            },
          };
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    if (!exited) child.kill("SIGKILL");
    if (!/address already in use|cannot listen/i.test(log)) throw new Error(`authd did not start:\n${log}`);
  }
  throw new Error("authd did not start: no free port");
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.E2E_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
    timeout: 30000,
  });
}

// A fresh context (its own cookie jar) and page; collects CSP violations and page errors, which
// every test asserts to be empty.
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) page.problems.push(`csp: ${m.text()}`);
  });
  return { context, page };
}

function base32Decode(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/[\s=]/g, "").toUpperCase()) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`bad base32 character ${ch}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// RFC 6238: HMAC-SHA1 over the 30-second step, dynamic truncation, 6 digits.
export function totp(secret, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(code).padStart(6, "0");
}

// A code for step s-1 typed in the last moments of step s reaches the server in step s+1, where it
// is too old. Wait until the current step has at least six seconds left (as WaitForFreshStep does
// for the C++ tests).
export async function waitForFreshStep() {
  while (30000 - (Date.now() % 30000) < 6000) await sleep(200);
}

// Each code is accepted once: wait for the next step when the current one was just used.
export async function freshTotp(secret, used) {
  const deadline = Date.now() + 35000;
  let code = totp(secret);
  while (used.has(code) && Date.now() < deadline) {
    await sleep(500);
    code = totp(secret);
  }
  used.add(code);
  return code;
}

let counter = 0;
export function uniqueUser(prefix = "e2e") {
  counter += 1;
  const name = `${prefix}${process.pid % 10000}x${counter}`;
  return { username: name, email: `${name}@example.com`, password: `a long passphrase ${counter} for e2e` };
}
