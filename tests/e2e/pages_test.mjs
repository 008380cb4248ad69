// The static handler, over plain HTTP: content types, the CSP and cache headers, 304s, and that
// no request path reaches a file outside the loaded pages (traversal, encoded variants).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { startAuthd } from "./harness.mjs";

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
let server;

before(async () => {
  server = await startAuthd();
});
after(async () => {
  await server?.stop();
});

// A request with the target exactly as given (fetch would normalise "..").
function rawGet(target) {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let data = "";
    socket.setTimeout(5000, () => socket.destroy(new Error("timeout")));
    socket.on("data", (d) => { data += d; });
    socket.on("error", reject);
    socket.on("end", () => resolve({ status: Number(data.split(" ")[1]), text: data }));
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

for (const page of ["/login", "/signup", "/account", "/dashboard"]) {
  test(`${page} is HTML with the strict CSP and is never cached`, async () => {
    const res = await fetch(server.url + page);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(res.headers.get("content-security-policy"), CSP);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    const html = await res.text();
    assert.match(html, /<script type="module" src="\/assets\/js\//);
    assert.doesNotMatch(html, /<script>|<script type="module">|style=|<style/, "no inline script or style");
  });
}

test("assets have their types and revalidate with ETag", async () => {
  for (const [path, type] of [
    ["/assets/css/app.css", "text/css; charset=utf-8"],
    ["/assets/js/login.js", "text/javascript; charset=utf-8"],
    ["/assets/vendor/chart.umd.js", "text/javascript; charset=utf-8"],
    ["/assets/vendor/qrcode.js", "text/javascript; charset=utf-8"],
  ]) {
    const res = await fetch(server.url + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), type, path);
    assert.equal(res.headers.get("cache-control"), "no-cache", path);
    const etag = res.headers.get("etag");
    assert.match(etag, /^"[0-9a-f]+"$/);
    const again = await fetch(server.url + path, { headers: { "If-None-Match": etag } });
    assert.equal(again.status, 304, path);
  }
});

test("unknown files are a 404 problem", async () => {
  for (const path of ["/assets/js/nope.js", "/assets/nope", "/assets/vendor/LICENSE.md", "/login.html", "/assets/js/login.js.map"]) {
    const res = await fetch(server.url + path);
    assert.equal(res.status, 404, path);
    assert.equal(res.headers.get("content-type"), "application/problem+json", path);
    assert.equal((await res.json()).code, "not_found");
  }
});

test("no traversal out of the web root, encoded or not", async () => {
  // The raw client does reach files (so the refusals below are the handler's doing).
  assert.equal((await rawGet("/assets/css/app.css")).status, 200);
  for (const target of [
    "/assets/../../etc/passwd",
    "/assets/../../../../../../etc/passwd",
    "/assets/%2e%2e/%2e%2e/etc/passwd",
    "/assets/css/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/assets/%2e%2e%2f%2e%2e%2fpackage.json",
    "/assets/..%2f..%2fpackage.json",
    "/assets/css/..%5c..%5cpackage.json",
    "/assets/%252e%252e/%252e%252e/etc/passwd",
    "/assets/css/app.css%00.js",
    "/assets/.hidden",
    "/assets/js/%2e%2e",
    "/assets//etc/passwd",
  ]) {
    const res = await rawGet(target);
    assert.ok(res.status === 404 || res.status === 400, `${target}: ${res.status}`);
    assert.doesNotMatch(res.text, /root:|"authd-web"|"dependencies"/, target);
  }
});

test("/ sends people to their account", async () => {
  const res = await fetch(`${server.url}/`, { redirect: "manual" });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get("location"), "/account");
});

test("[cookies] a page gives a browser without one an anonymous CSRF token it can read", async () => {
  const res = await fetch(`${server.url}/login`);
  const cookie = res.headers.get("set-cookie") || "";
  assert.match(cookie, /^authd_csrf=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+;/);
  assert.match(cookie, /SameSite=Strict/i);
  assert.match(cookie, /Secure/i);
  assert.doesNotMatch(cookie, /HttpOnly/i, "page scripts must read it");
  // A browser that holds one keeps it (it may be bound to its session).
  const again = await fetch(`${server.url}/signup`, { headers: { Cookie: cookie.split(";")[0] } });
  assert.equal(again.headers.get("set-cookie"), null);
  // Assets never set cookies.
  assert.equal((await fetch(`${server.url}/assets/css/app.css`)).headers.get("set-cookie"), null);
});
