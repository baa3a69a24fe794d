// Real-browser tests of the example servers: headless Chromium (playwright-core, the system
// browser) signs up, in and out, rides a refresh, follows a magic link and an OAuth round trip
// on every example, enrolls a TOTP factor and steps up to aal2 (the codes computed here from the
// secret the page shows, RFC 6238), checks that a login form on another site is refused (CSRF
// guard), and checks cookie interop with the official createBrowserClient; plain `fetch` sends
// every open-redirect payload (redirect-payloads.json) through the `next` routes and drives the
// MFA JSON routes.
//
//   EXAMPLE_BINS="target/debug/example-axum:axum,target/debug/example-actix-web:actix-web" \
//     node --test --test-concurrency=1 browser.test.mjs
//
// Env: EXAMPLE_BINS (required; `path:name` pairs, comma-separated; a missing binary fails the
// run), CHROMIUM (default /usr/bin/chromium), INTEROP_EXAMPLES (names of the examples to run
// the interop test on; default: axum and actix-web when given, else the first one),
// SCREENSHOT_DIR (default: a new temp dir; screenshots of every open page on failure).
// `integration-tests/browser/run.sh` builds the binaries and runs this.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

import { chromium } from "playwright-core";
import { build } from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "../..");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// The local Auth server's default key (supabase_ssr_testing::server::DEFAULT_PUBLISHABLE_KEY);
// the examples do not print it.
const PUBLISHABLE_KEY = process.env.LOCAL_AUTH_KEY || "sb_publishable_local-auth-0000000000000000";
const PASSWORD = "browser-pass-123";
const DEMO = { email: "demo@example.com", password: "password123" };
const COOKIE = "sb-127-auth-token"; // storage key of http://127.0.0.1:<port>
const OAUTH_EMAIL = "oauth-user@example.com"; // the local test provider's account
const TTL_SECS = 5;
const FLOW_ID_PARAM = "sb_flow_id"; // supabase_ssr_core::auth::FLOW_ID_PARAM, as auth-js
// Untrusted `next` values and where they must lead (supabase_ssr_testing::redirect_payloads).
const PAYLOADS = JSON.parse(readFileSync(join(HERE, "redirect-payloads.json"), "utf8")).cases.map((c) => ({
  next: c.next + "a".repeat(c.pad ?? 0),
  location: c.expect ?? "/private",
}));
const FRAME_HEADERS = { "x-frame-options": "DENY", "content-security-policy": "frame-ancestors 'none'" };
const STEP_TIMEOUT = 15_000;

const SHOTS = process.env.SCREENSHOT_DIR
  ? (mkdirSync(process.env.SCREENSHOT_DIR, { recursive: true }), process.env.SCREENSHOT_DIR)
  : null;
let shotsDir = SHOTS;
const screenshotDir = () => (shotsDir ??= mkdtempSync(join(tmpdir(), "supabase-ssr-browser-")));

// ---------------------------------------------------------------------------------------------
// Examples under test

function parseExamples(spec) {
  return (spec || "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf(":");
      const path = at > 0 ? entry.slice(0, at) : entry;
      const name = at > 0 ? entry.slice(at + 1) : path.split("/").pop().replace(/^example-/, "");
      return { name, bin: resolve(REPO, path) };
    });
}

const EXAMPLES = parseExamples(process.env.EXAMPLE_BINS);
const INTEROP = process.env.INTEROP_EXAMPLES
  ? process.env.INTEROP_EXAMPLES.split(",").map((s) => s.trim())
  : EXAMPLES.some((e) => ["axum", "actix-web"].includes(e.name))
    ? ["axum", "actix-web"]
    : EXAMPLES.slice(0, 1).map((e) => e.name);

const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => process.exit(130)); // runs the exit hook: no example outlives us
}

/** The example's environment: offline mode (no SUPABASE_URL), any free port, 5 s tokens. */
function exampleEnv() {
  const env = { ...process.env, PORT: "0", ACCESS_TOKEN_TTL: String(TTL_SECS) };
  delete env.SUPABASE_URL;
  delete env.SUPABASE_PUBLISHABLE_KEY;
  return env;
}

/** Starts an example with PORT=0 and the short token lifetime; resolves with its addresses. */
function startExample({ name, bin }) {
  const child = spawn(bin, [], {
    cwd: REPO,
    env: exampleEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  delete child.spawnargs; // keep failure messages short
  children.add(child);
  const stderr = [];
  child.stderr.on("data", (d) => {
    stderr.push(d.toString());
    if (stderr.length > 200) stderr.shift();
  });
  const logs = () => stderr.join("").split("\n").slice(-30).join("\n");
  return new Promise((resolvePromise, reject) => {
    const info = { name, child, logs };
    const timer = setTimeout(
      () => fail(`${name}: no "listening on" and "offline mode" lines within 60 s`),
      60_000,
    );
    const fail = (message) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${message}\n--- stderr of ${bin} ---\n${logs()}`));
    };
    child.on("error", (e) => fail(`${name}: cannot start ${bin}: ${e.message}`));
    child.on("exit", (code, signal) => {
      children.delete(child);
      if (!info.auth) fail(`${name}: exited early (code ${code}, signal ${signal})`);
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      let m;
      if ((m = line.match(/^listening on (http:\/\/127\.0\.0\.1:\d+)$/))) info.origin = m[1];
      else if ((m = line.match(/^offline mode: local Auth server at (http:\/\/127\.0\.0\.1:\d+)/))) {
        if (!info.origin) return fail(`${name}: "offline mode" printed before "listening on"`);
        info.auth = m[1];
        clearTimeout(timer);
        resolvePromise(info);
      } else if (/^using the Supabase project/.test(line)) {
        fail(`${name}: not in offline mode (is SUPABASE_URL set?): ${line}`);
      }
    });
  });
}

function stopExample(info) {
  if (!info?.child || info.child.exitCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const t = setTimeout(() => {
      info.child.kill("SIGKILL");
      res();
    }, 3_000);
    info.child.once("exit", () => {
      clearTimeout(t);
      res();
    });
    info.child.kill("SIGTERM");
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

async function getJson(url, init) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  assert.ok(res.ok, `${init?.method ?? "GET"} ${url}: HTTP ${res.status}`);
  return res.json();
}

/** The local Auth server's call counters (`{"token_refresh": n, ...}`). */
const counters = (ex) => getJson(`${ex.auth}/__counters`);
const count = (c, endpoint) => c[endpoint] ?? 0;
const setTtl = (ex, secs) =>
  getJson(`${ex.auth}/__settings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ access_token_ttl_secs: secs }),
  });

/** Moves the local Auth server's clock `secs` on (after going back to the real time with `reset`). */
const advanceClock = (ex, secs, reset = false) =>
  getJson(`${ex.auth}/__clock`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ advance_secs: secs, reset }),
  });
const setAutoconfirm = (ex, autoconfirm) =>
  getJson(`${ex.auth}/__settings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ autoconfirm }),
  });
/** The local Auth server's emails to `to`, oldest first (`{kind, otp, token_hash, ...}`). */
const outbox = async (ex, to) => (await getJson(`${ex.auth}/__outbox?to=${encodeURIComponent(to)}`)).messages;

/** The session cookie (chunks joined in order) as the browser holds it, or null. */
async function sessionCookie(context) {
  const chunks = (await context.cookies("http://127.0.0.1/"))
    .filter((c) => c.name === COOKIE || c.name.startsWith(`${COOKIE}.`))
    .sort((a, b) => chunkIndex(a.name) - chunkIndex(b.name));
  if (chunks.length === 0) return null;
  return chunks.map((c) => c.value).join("");
}
const chunkIndex = (name) => (name === COOKIE ? -1 : Number(name.slice(COOKIE.length + 1)));

/** The session stored in a cookie value (`base64-` + base64url JSON, or raw JSON). */
function decodeSession(value) {
  assert.ok(value, `no ${COOKIE} cookie in the browser`);
  const text = value.startsWith("base64-")
    ? Buffer.from(value.slice(7), "base64url").toString("utf8")
    : decodeURIComponent(value);
  const session = JSON.parse(text);
  assert.ok(session.access_token && session.refresh_token, `cookie holds no session: ${text.slice(0, 200)}`);
  return session;
}

const sbCookies = async (context) =>
  (await context.cookies()).filter((c) => c.name.startsWith("sb-")).map((c) => c.name);

async function expectPrivate(page, email, what) {
  await page.waitForURL(/\/private$/, { timeout: STEP_TIMEOUT }).catch(async () => {
    const error = await page.locator("#error").textContent({ timeout: 500 }).catch(() => null);
    assert.fail(`${what}: expected /private, browser is on ${page.url()}${error ? ` with error "${error}"` : ""}`);
  });
  const text = await page.locator("#email").textContent({ timeout: STEP_TIMEOUT });
  assert.ok(text.includes(email), `${what}: /private shows "${text.trim()}", expected ${email}`);
}

async function sleepUntilExpired(session) {
  const wait = session.expires_at * 1000 - Date.now() + 1_500;
  assert.ok(wait < 20_000, `access token expires in ${wait} ms; ACCESS_TOKEN_TTL=${TTL_SECS} was not applied`);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/** Runs `body`; on failure, screenshots every open page before rethrowing. */
async function step(label, body) {
  try {
    await body();
  } catch (error) {
    const saved = [];
    const pages = (browser?.contexts() ?? []).flatMap((c) => c.pages());
    for (const [i, page] of pages.entries()) {
      const file = join(screenshotDir(), `${label.replace(/[^a-z0-9-]+/gi, "_")}-${i}.png`);
      try {
        await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
        saved.push(`${file} (${page.url()})`);
      } catch {}
    }
    if (saved.length && error instanceof Error) {
      const note = `\n  screenshots: ${saved.join(", ")}`;
      const first = error.message;
      error.message += note;
      if (typeof error.stack === "string") error.stack = error.stack.replace(first, first + note);
    }
    throw error;
  }
}

/**
 * Plain HTTP against an example, without a browser: `fetch` that never follows redirects and
 * keeps the cookies it is given (a minimal jar: name → value, deletions applied).
 */
class HttpClient {
  constructor(origin) {
    this.origin = origin;
    this.cookies = new Map();
  }

  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(new URL(url, this.origin), {
      ...init,
      headers,
      redirect: "manual",
      signal: AbortSignal.timeout(5_000),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const gone = value === "" || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get(url) {
    return this.request(url);
  }

  postForm(url, fields) {
    return this.request(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

/** A 303 whose `Location` a browser resolves to `origin`; returns the path it leads to. */
function sameSiteRedirect(res, origin, what) {
  assert.equal(res.status, 303, `${what}: HTTP ${res.status}, expected 303`);
  const location = res.headers.get("location");
  assert.ok(location, `${what}: no Location`);
  const followed = new URL(location, `${origin}/auth/confirm`);
  assert.equal(followed.origin, origin, `${what}: Location ${JSON.stringify(location)} leaves the site`);
  return followed.href.slice(followed.origin.length);
}

function assertFrameHeaders(res, what) {
  for (const [name, value] of Object.entries(FRAME_HEADERS)) {
    assert.equal(res.headers.get(name), value, `${what}: ${name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits), as an authenticator app computes it.

function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const bytes = [];
  for (const c of text.replace(/[\s=]/g, "").toUpperCase()) {
    const index = alphabet.indexOf(c);
    assert.ok(index >= 0, `the TOTP secret is not base32 (character ${JSON.stringify(c)})`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** The code of `secret` for the 30 s step holding `time` (ms). */
function totp(secret, time = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(time / 30_000)));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/** A code no step of the ±1 window accepts. */
function wrongCode(secret) {
  const now = Date.now();
  const valid = [-30_000, 0, 30_000].map((d) => totp(secret, now + d));
  return ["000000", "111111", "222222"].find((c) => !valid.includes(c));
}

/**
 * A code not used before: the current step's, else the next step's (the server accepts one
 * step of skew either way, as GoTrue does), so a test never waits 30 s for a new code and never
 * depends on whether the server refuses a replayed code.
 */
function freshCode(secret, used) {
  const now = Date.now();
  const code = [0, 30_000].map((d) => totp(secret, now + d)).find((c) => !used.has(c));
  assert.ok(code, "both codes of the window already used");
  used.add(code);
  return code;
}

/** The payload of the access token in a session cookie. */
function tokenClaims(session) {
  return JSON.parse(Buffer.from(session.access_token.split(".")[1], "base64url").toString("utf8"));
}

const label = (next) => JSON.stringify(next.length > 60 ? `${next.slice(0, 60)}…(${next.length})` : next);

// ---------------------------------------------------------------------------------------------
// The interop page: bundled from the pinned @supabase/ssr, served from another port.

async function startInteropServer() {
  const result = await build({
    entryPoints: [join(HERE, "browser/interop-entry.mjs")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    write: false,
    logLevel: "silent",
  });
  const bundle = result.outputFiles[0].contents;
  const html =
    '<!doctype html><meta charset="utf-8"><title>interop</title>' +
    '<p id="status">loading</p><script type="module" src="/bundle.js"></script>';
  const server = createServer((req, res) => {
    if (req.url.startsWith("/bundle.js")) {
      res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    } else if (req.url === "/" || req.url.startsWith("/?")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

// ---------------------------------------------------------------------------------------------
// Another site: http://localhost:<port> is a different site from the examples' http://127.0.0.1.

const escapeAttr = (value) => value.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");

/** A login form that posts the demo user's credentials to `action`. */
const loginForm = (action) =>
  `<form id="elsewhere-form" method="post" action="${escapeAttr(action)}">` +
  `<input name="email" value="${escapeAttr(DEMO.email)}">` +
  `<input name="password" type="password" value="${escapeAttr(DEMO.password)}">` +
  '<button id="elsewhere-submit">Sign in</button></form>';

/** Serves `loginForm(?action=)` from another site. */
async function startOtherSite() {
  const server = createServer((req, res) => {
    const action = new URL(req.url, "http://localhost").searchParams.get("action") ?? "/";
    const html = '<!doctype html><meta charset="utf-8"><title>another site</title>' + loginForm(action);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, origin: `http://localhost:${server.address().port}` };
}

// ---------------------------------------------------------------------------------------------
// The suite

let browser;
let interopServer;
let otherSite;

before(async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} not found: install it (Debian/Ubuntu: apt-get install -y chromium chromium-driver) or set CHROMIUM`,
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  interopServer = await startInteropServer();
  otherSite = await startOtherSite();
});

after(async () => {
  await browser?.close().catch(() => {});
  interopServer?.server.close();
  otherSite?.server.close();
  for (const child of children) child.kill("SIGKILL");
  if (shotsDir) console.log(`# screenshots in ${shotsDir}`);
});

test("EXAMPLE_BINS names at least one example", () => {
  assert.ok(
    EXAMPLES.length > 0,
    'EXAMPLE_BINS is empty: set it to "path/to/example-axum:axum,..." (integration-tests/browser/run.sh does)',
  );
});

for (const example of EXAMPLES) {
  describe(`example ${example.name}`, { timeout: 240_000 }, () => {
    let ex;
    let context;
    let oauthContext;
    const email = `browser-${example.name}-${Date.now()}@example.com`;
    const at = (path) => `${ex.origin}${path}`;

    before(async () => {
      assert.ok(
        existsSync(example.bin),
        `${example.name}: binary ${example.bin} does not exist (build it: cargo build -p example-${example.name})`,
      );
      ex = await startExample(example);
      context = await browser.newContext();
      context.setDefaultTimeout(STEP_TIMEOUT);
      context.setDefaultNavigationTimeout(STEP_TIMEOUT);
    });

    after(async () => {
      await context?.close().catch(() => {});
      await oauthContext?.close().catch(() => {});
      await stopExample(ex);
    });

    test("sign up, sign out, wrong password, sign in", () =>
      step(`${example.name}-signup`, async () => {
        const page = await context.newPage();
        await page.goto(at("/login"));
        await page.fill("#login-form input[name=email]", email);
        await page.fill("#login-form input[name=password]", PASSWORD);
        await page.click("#signup");
        await page.waitForLoadState();
        // Auto-confirming project: signed in at once. Otherwise: the outbox link confirms.
        if (!/\/private$/.test(page.url())) {
          const link = page.locator("#outbox-link");
          assert.ok(await link.count(), `sign-up: neither /private nor #outbox-link (on ${page.url()})`);
          await link.click();
        }
        await expectPrivate(page, email, "sign-up");
        assert.ok(await sessionCookie(context), "sign-up: no session cookie after signing up");

        await page.click("#logout");
        await page.waitForURL((u) => u.pathname === "/");
        assert.deepEqual(await sbCookies(context), [], "sign-out: sb- cookies left");
        const greeting = await page.locator("#greeting").textContent();
        assert.match(greeting, /not signed in/, "home after sign-out");

        await page.goto(at("/login"));
        await page.fill("#login-form input[name=email]", email);
        await page.fill("#login-form input[name=password]", "wrong-password");
        await page.click("#login");
        const error = await page.locator("#error").textContent({ timeout: STEP_TIMEOUT });
        assert.match(error, /invalid login credentials/i, "wrong password: #error");
        assert.equal(await sessionCookie(context), null, "wrong password: a session cookie was set");

        await page.fill("#login-form input[name=email]", email);
        await page.fill("#login-form input[name=password]", PASSWORD);
        await page.click("#login");
        await expectPrivate(page, email, "sign-in");
        await page.close();
      }));

    test("after the access token expires, one reload refreshes once", () =>
      step(`${example.name}-refresh`, async () => {
        const page = await context.newPage();
        await page.goto(at("/private"));
        await expectPrivate(page, email, "before expiry");
        await page.waitForTimeout(300); // let anything the page load triggered settle
        const cookieBefore = await sessionCookie(context);
        const before = decodeSession(cookieBefore);
        await sleepUntilExpired(before);
        const c0 = await counters(ex);
        await page.reload();
        await expectPrivate(page, email, "reload after expiry");
        await page.waitForTimeout(500);
        const c1 = await counters(ex);
        const refreshes = count(c1, "token_refresh") - count(c0, "token_refresh");
        assert.equal(
          refreshes,
          1,
          `reload after expiry: ${refreshes} /token?grant_type=refresh_token calls for one page load ` +
            `(counters before ${JSON.stringify(c0)}, after ${JSON.stringify(c1)}). ` +
            (refreshes === 2
              ? `With ACCESS_TOKEN_TTL=${TTL_SECS} s, below the 90 s refresh margin, a token just refreshed by ` +
                "the middleware (proxy) still \"expires soon\" and the handler's get_claims refreshes it again."
              : ""),
        );
        const cookieAfter = await sessionCookie(context);
        assert.notEqual(cookieAfter, cookieBefore, `${COOKIE} did not change after the refresh`);
        const afterSession = decodeSession(cookieAfter);
        assert.notEqual(afterSession.access_token, before.access_token, "access token not replaced");
        assert.notEqual(afterSession.refresh_token, before.refresh_token, "refresh token not rotated");
        assert.ok(afterSession.expires_at * 1000 > Date.now(), "the new access token is already expired");
        await page.close();
      }));

    test("magic link: outbox link → /auth/confirm → signed in", () =>
      step(`${example.name}-magic`, async () => {
        const fresh = await browser.newContext();
        try {
          const page = await fresh.newPage();
          const c0 = await counters(ex);
          await page.goto(at("/login"));
          await page.fill("#magic-form input[name=email]", email);
          await page.click("#magic-link");
          const link = page.locator("#outbox-link");
          await link.waitFor({ timeout: STEP_TIMEOUT });
          const href = await link.getAttribute("href");
          assert.match(href, /^\/auth\/confirm\?token_hash=[^&]+&type=\w+/, "#outbox-link href");
          assert.equal(await sessionCookie(fresh), null, "signed in before following the link");
          await link.click();
          await expectPrivate(page, email, "magic link");
          const c1 = await counters(ex);
          assert.equal(count(c1, "otp") - count(c0, "otp"), 1, "one /otp call");
          assert.equal(count(c1, "verify_post") - count(c0, "verify_post"), 1, "one POST /verify call");
          decodeSession(await sessionCookie(fresh));
        } finally {
          await fresh.close();
        }
      }));

    test("OAuth through the test provider → /auth/callback → signed in", () =>
      step(`${example.name}-oauth`, async () => {
        oauthContext = await browser.newContext();
        const page = await oauthContext.newPage();
        const c0 = await counters(ex);
        const seen = [];
        let seenCallbackFlowId = false;
        page.on("request", (r) => {
          if (!r.isNavigationRequest()) return;
          const url = new URL(r.url());
          seen.push(url.pathname);
          if (url.pathname === "/auth/callback") seenCallbackFlowId ||= url.searchParams.has(FLOW_ID_PARAM);
        });
        await page.goto(at("/login"));
        await page.click("#oauth");
        await expectPrivate(page, OAUTH_EMAIL, "OAuth");
        for (const path of ["/auth/oauth", "/auth/v1/authorize", "/auth/callback", "/private"]) {
          assert.ok(seen.includes(path), `OAuth: the browser never went through ${path} (went: ${seen.join(" → ")})`);
        }
        const c1 = await counters(ex);
        assert.equal(count(c1, "authorize") - count(c0, "authorize"), 1, "one /authorize call");
        assert.equal(count(c1, "token_pkce") - count(c0, "token_pkce"), 1, "one PKCE code exchange");
        // The callback URL carries the flow id (sb_flow_id), so the exchange removes every
        // verifier cookie of the flow: its slot, the flow index and the fixed key.
        assert.ok(seenCallbackFlowId, `OAuth: no ${FLOW_ID_PARAM} on /auth/callback`);
        const names = await sbCookies(oauthContext);
        const verifiers = names.filter((n) => n.endsWith("-code-verifier"));
        assert.deepEqual(verifiers, [], `PKCE verifier cookies left after the callback: ${names}`);
        decodeSession(await sessionCookie(oauthContext));
        await page.close();
      }));

    test(`next: ${PAYLOADS.length} payloads through /login, /auth/confirm and /auth/callback stay on the site, never a 500`, () =>
      step(`${example.name}-next`, async () => {
        for (const path of ["/", "/login", "/private", "/api/whoami"]) {
          assertFrameHeaders(await new HttpClient(ex.origin).get(path), `GET ${path}`);
        }
        for (const { next, location } of PAYLOADS) {
          const what = (route) => `${route} next=${label(next)}`;
          // The sign-in page: the hidden field holds the checked target.
          const http = new HttpClient(ex.origin);
          const form = await http.get(`/login?next=${encodeURIComponent(next)}`);
          assert.equal(form.status, 200, `${what("GET /login")}: HTTP ${form.status}`);
          const hidden = (await form.text()).match(/name="next" value="([^"]*)"/);
          assert.equal(hidden?.[1].replaceAll("&amp;", "&"), location, `${what("GET /login")}: hidden next`);

          // Signing in, and failing to.
          const login = await http.postForm("/login", { email: DEMO.email, password: DEMO.password, next });
          assert.equal(sameSiteRedirect(login, ex.origin, what("POST /login")), location, what("POST /login"));
          const wrong = await new HttpClient(ex.origin).postForm("/login", { email: DEMO.email, password: "wrong", next });
          assert.equal(wrong.status, 400, `${what("POST /login (wrong password)")}: HTTP ${wrong.status}`);

          // A fresh magic link, confirmed with the payload; then once more, spent.
          const sent = await new HttpClient(ex.origin).postForm("/magic-link", { email: DEMO.email });
          const link = (await sent.text()).match(/id="outbox-link" href="([^"]+)"/)?.[1].replaceAll("&amp;", "&");
          assert.ok(link, `${what("POST /magic-link")}: no #outbox-link`);
          const confirm = new URL(link, ex.origin);
          confirm.searchParams.set("next", next);
          const browser = new HttpClient(ex.origin);
          const confirmed = await browser.get(confirm);
          assert.equal(sameSiteRedirect(confirmed, ex.origin, what("/auth/confirm")), location, what("/auth/confirm"));
          const spent = sameSiteRedirect(await browser.get(confirm), ex.origin, what("/auth/confirm (spent)"));
          assert.match(spent, /^\/login\?error=/, what("/auth/confirm (spent)"));

          // OAuth: the sign-in link's next comes back checked; a callback forged with the
          // payload redirects on the site; the spent code's error path too.
          const oauth = new HttpClient(ex.origin);
          const start = await oauth.get(`/auth/oauth?provider=github&next=${encodeURIComponent(next)}`);
          assert.equal(start.status, 303, `${what("/auth/oauth")}: HTTP ${start.status}`);
          const provider = await fetch(start.headers.get("location"), { redirect: "manual", signal: AbortSignal.timeout(5_000) });
          const callback = new URL(provider.headers.get("location"));
          assert.equal(callback.searchParams.get("next"), location, `${what("/auth/oauth")}: next on the callback URL`);
          callback.searchParams.set("next", next);
          const back = await oauth.get(callback.pathname + callback.search);
          assert.equal(sameSiteRedirect(back, ex.origin, what("/auth/callback")), location, what("/auth/callback"));
          const verifiers = [...oauth.cookies.keys()].filter((n) => n.endsWith("-code-verifier"));
          assert.deepEqual(verifiers, [], `${what("/auth/callback")}: verifier cookies left`);
          const again = sameSiteRedirect(await oauth.get(callback.pathname + callback.search), ex.origin, what("/auth/callback (spent)"));
          assert.match(again, /^\/login\?error=/, what("/auth/callback (spent)"));
        }
      }));

    test("sign out: /private redirects to /login and no sb- cookie is left", () =>
      step(`${example.name}-signout`, async () => {
        const page = await context.newPage();
        await page.goto(at("/private"));
        await expectPrivate(page, email, "before sign-out");
        const c0 = await counters(ex);
        await page.click("#logout");
        await page.waitForURL((u) => u.pathname === "/");
        const c1 = await counters(ex);
        assert.equal(count(c1, "logout") - count(c0, "logout"), 1, "one /logout call");
        await page.goto(at("/private"));
        assert.equal(new URL(page.url()).pathname, "/login", `/private after sign-out went to ${page.url()}`);
        assert.deepEqual(await sbCookies(context), [], "sb- cookies left after sign-out");
        await page.close();

        // The OAuth browser too: sign-out also removes the PKCE flow cookies.
        assert.ok(oauthContext, "no OAuth session to sign out (the OAuth test failed)");
        const oauthPage = await oauthContext.newPage();
        await oauthPage.goto(at("/private"));
        await expectPrivate(oauthPage, OAUTH_EMAIL, "OAuth user before sign-out");
        await oauthPage.click("#logout");
        await oauthPage.waitForURL((u) => u.pathname === "/");
        await oauthPage.goto(at("/private"));
        assert.equal(new URL(oauthPage.url()).pathname, "/login", `/private after the OAuth user's sign-out went to ${oauthPage.url()}`);
        assert.deepEqual(await sbCookies(oauthContext), [], "sb- cookies left after the OAuth user's sign-out");
      }));

    test("a login form posted from another site is refused; the same form on the site signs in", () =>
      step(`${example.name}-csrf`, async () => {
        const fresh = await browser.newContext();
        try {
          const page = await fresh.newPage();
          const c0 = await counters(ex);
          await page.goto(`${otherSite.origin}/?action=${encodeURIComponent(at("/login"))}`);
          const [refused] = await Promise.all([page.waitForNavigation(), page.click("#elsewhere-submit")]);
          assert.equal(refused.status(), 403, `cross-site POST /login: HTTP ${refused.status()} (on ${page.url()})`);
          const sent = await refused.request().allHeaders();
          assert.equal(sent["sec-fetch-site"], "cross-site", "Chromium's Sec-Fetch-Site for the other site's form");
          assert.match(await page.locator("body").textContent(), /cross-site request refused/);
          const c1 = await counters(ex);
          assert.equal(count(c1, "token_password") - count(c0, "token_password"), 0, "the refused sign-in reached the Auth server");
          assert.equal(await sessionCookie(fresh), null, "the refused sign-in set a session cookie");

          // The very same form, served by the site itself.
          await page.goto(at("/login"));
          await page.evaluate((html) => document.body.insertAdjacentHTML("beforeend", html), loginForm(at("/login")));
          await page.click("#elsewhere-submit");
          await expectPrivate(page, DEMO.email, "the same form on the site");
          decodeSession(await sessionCookie(fresh));
        } finally {
          await fresh.close();
        }
      }));

    test("MFA: enroll TOTP → /private/security; sign in again → /mfa/challenge, wrong code, right code; unenroll", () =>
      step(`${example.name}-mfa`, async () => {
        const fresh = await browser.newContext();
        fresh.setDefaultTimeout(STEP_TIMEOUT);
        try {
          const mfaEmail = `mfa-${example.name}-${Date.now()}@example.com`;
          const page = await fresh.newPage();
          const used = new Set();
          const aalShown = () => page.locator("#aal strong").textContent();
          const onPath = (path) => page.waitForURL((u) => u.pathname === path);

          // A new user, signed in at aal1 with no factor: the security page is open (auth-js rule).
          await page.goto(at("/login"));
          await page.fill("#login-form input[name=email]", mfaEmail);
          await page.fill("#login-form input[name=password]", PASSWORD);
          await page.click("#signup");
          await page.waitForLoadState();
          if (!/\/private$/.test(page.url())) await page.click("#outbox-link");
          await expectPrivate(page, mfaEmail, "MFA user sign-up");
          const [open] = await Promise.all([page.waitForNavigation(), page.click("#security")]);
          assert.equal(new URL(page.url()).pathname, "/private/security", "#security link");
          assert.match(open.headers()["cache-control"] ?? "", /private/, "/private/security: Cache-Control");
          assert.equal(await aalShown(), "aal1", "before enrolling");
          await page.locator("#no-factors").waitFor();

          // Enroll: the QR code is an image the browser renders; the code comes from the secret.
          const [enrollPage] = await Promise.all([page.waitForNavigation(), page.click("#enroll")]);
          assert.equal(new URL(page.url()).pathname, "/mfa", "#enroll link");
          assert.match(enrollPage.headers()["cache-control"] ?? "", /no-store/, "/mfa shows a secret: Cache-Control");
          const secret = (await page.locator("#secret").textContent()).trim();
          const qr = page.locator("#qr");
          assert.match(await qr.getAttribute("src"), /^data:image\/svg\+xml[;,]/, "#qr src");
          const rendered = await qr.evaluate((img) => img.complete && img.naturalWidth > 0);
          assert.ok(rendered, "the QR code image did not render");
          assert.match(await page.locator("#otpauth").getAttribute("href"), /^otpauth:\/\/totp\//);
          await page.fill("#mfa-enroll-form input[name=code]", freshCode(secret, used));
          await page.click("#mfa-verify");
          await onPath("/private/security");
          assert.equal(await aalShown(), "aal2", "after enrolling");
          assert.equal(await page.locator('#factors li[data-status="verified"]').count(), 1, "verified factors");
          assert.equal(tokenClaims(decodeSession(await sessionCookie(fresh))).aal, "aal2", "cookie's token aal");
          const api = (path, accept = "application/json") =>
            page.evaluate(
              async ([path, accept]) => {
                const res = await fetch(path, { headers: { accept } });
                return { status: res.status, body: await res.json() };
              },
              [path, accept],
            );
          const stepped = await api("/api/aal2");
          assert.equal(stepped.status, 200, `GET /api/aal2 at aal2: ${JSON.stringify(stepped)}`);
          assert.equal(stepped.body.aal, "aal2");
          assert.equal((await api("/api/whoami")).body.aal, "aal2", "/api/whoami at aal2");

          // Sign out, sign in: aal1 with a verified factor → the challenge.
          await page.click("#logout");
          await onPath("/");
          await page.goto(at("/login"));
          await page.fill("#login-form input[name=email]", mfaEmail);
          await page.fill("#login-form input[name=password]", PASSWORD);
          await page.click("#login");
          await expectPrivate(page, mfaEmail, "MFA user sign-in");
          const refused = await api("/api/aal2");
          assert.deepEqual(refused, { status: 403, body: { error: "mfa_required" } }, "GET /api/aal2 at aal1");
          assert.equal((await api("/api/whoami")).body.aal, "aal1", "/api/whoami at aal1");
          await page.goto(at("/private/security"));
          assert.equal(new URL(page.url()).pathname, "/mfa/challenge", `/private/security at aal1 went to ${page.url()}`);
          assert.equal(new URL(page.url()).searchParams.get("next"), "/private/security", `the way back on ${page.url()}`);

          await page.fill("#mfa-challenge-form input[name=code]", wrongCode(secret));
          const [wrong] = await Promise.all([page.waitForNavigation(), page.click("#mfa-submit")]);
          assert.equal(wrong.status(), 400, "wrong code: HTTP status");
          assert.equal(new URL(page.url()).pathname, "/mfa/challenge", "wrong code");
          assert.ok((await page.locator("#error").textContent()).trim(), "wrong code: no #error");

          await page.fill("#mfa-challenge-form input[name=code]", freshCode(secret, used));
          await page.click("#mfa-submit");
          await onPath("/private/security");
          assert.equal(await aalShown(), "aal2", "after the challenge");

          // Unenroll: no factor left, the session is aal1 again and the page stays open.
          await page.click("#factors .unenroll");
          await page.locator("#no-factors").waitFor();
          assert.equal(new URL(page.url()).pathname, "/private/security", "after unenrolling");
          assert.equal(await aalShown(), "aal1", "after unenrolling");
          assert.equal(tokenClaims(decodeSession(await sessionCookie(fresh))).aal, "aal1", "cookie's token aal after unenrolling");
        } finally {
          await fresh.close();
        }
      }));

    test("MFA JSON: /api/mfa/enroll, /api/mfa/verify, /api/aal2 (plain HTTP)", () =>
      step(`${example.name}-mfa-json`, async () => {
        const json = (res) => res.json();
        const postJson = (client, path, body) =>
          client.request(path, {
            method: "POST",
            headers: { "content-type": "application/json", accept: "application/json" },
            body: typeof body === "string" ? body : JSON.stringify(body),
          });
        const getJsonAt = (client, path) => client.request(path, { headers: { accept: "application/json" } });

        const anonymous = new HttpClient(ex.origin);
        const noSession = await getJsonAt(anonymous, "/api/aal2");
        assert.equal(noSession.status, 401, "GET /api/aal2 without a session");
        assert.ok((await json(noSession)).error);
        assert.equal((await postJson(anonymous, "/api/mfa/enroll", {})).status, 401, "enroll without a session");
        assert.equal((await postJson(anonymous, "/api/mfa/verify", { factor_id: "x", code: "1" })).status, 401);

        const apiEmail = `mfa-json-${example.name}-${Date.now()}@example.com`;
        const http = new HttpClient(ex.origin);
        const signup = await http.postForm("/signup", { email: apiEmail, password: PASSWORD });
        assert.equal(signup.status, 303, `POST /signup: HTTP ${signup.status} (the local server confirms at once)`);
        const noFactor = await getJsonAt(http, "/api/aal2");
        assert.equal(noFactor.status, 200, "aal1 without a factor passes (next level = current level)");
        assert.equal((await json(noFactor)).aal, "aal1");

        const enrolled = await postJson(http, "/api/mfa/enroll", {});
        assert.equal(enrolled.status, 200, "POST /api/mfa/enroll");
        assert.match(enrolled.headers.get("cache-control") ?? "", /no-store/, "POST /api/mfa/enroll: Cache-Control");
        const { factor_id, secret, uri } = await json(enrolled);
        assert.ok(factor_id && secret, "enroll: factor_id and secret");
        assert.match(uri, /^otpauth:\/\/totp\//, "enroll: uri");

        const bad = await postJson(http, "/api/mfa/verify", "{not json");
        assert.deepEqual([bad.status, await json(bad)], [400, { error: "bad_json" }], "verify: malformed body");
        const wrong = await postJson(http, "/api/mfa/verify", { factor_id, code: wrongCode(secret) });
        assert.deepEqual([wrong.status, await json(wrong)], [400, { error: "mfa_verification_failed" }], "verify: wrong code");
        const used = new Set();
        const before = http.cookies.get(COOKIE) ?? http.cookies.get(`${COOKIE}.0`);
        const verified = await postJson(http, "/api/mfa/verify", { factor_id, code: freshCode(secret, used) });
        assert.deepEqual([verified.status, await json(verified)], [200, { aal: "aal2" }], "verify: right code");
        assert.ok(verified.headers.getSetCookie().some((c) => c.startsWith(`${COOKIE}`)), "verify: no new session cookie");
        assert.notEqual(http.cookies.get(COOKIE) ?? http.cookies.get(`${COOKIE}.0`), before, "verify: the cookie did not change");
        const stepped = await getJsonAt(http, "/api/aal2");
        const steppedBody = await json(stepped);
        assert.equal(stepped.status, 200, "GET /api/aal2 at aal2");
        assert.equal(steppedBody.aal, "aal2");
        assert.ok(steppedBody.sub, "GET /api/aal2: sub");
        assert.equal((await json(await getJsonAt(http, "/api/whoami"))).aal, "aal2", "whoami at aal2");
        const security = await http.request("/private/security", { headers: { accept: "text/html" } });
        assert.equal(security.status, 200, "GET /private/security at aal2");
        assert.match(security.headers.get("cache-control") ?? "", /private/, "/private/security: Cache-Control");
        assertFrameHeaders(security, "GET /private/security");

        // A new sign-in is aal1 with a verified factor: refused until the challenge.
        const again = new HttpClient(ex.origin);
        const login = await again.postForm("/login", { email: apiEmail, password: PASSWORD });
        assert.equal(login.status, 303, "POST /login");
        const refused = await getJsonAt(again, "/api/aal2");
        assert.deepEqual([refused.status, await json(refused)], [403, { error: "mfa_required" }], "GET /api/aal2 at aal1");
        assert.equal((await json(await getJsonAt(again, "/api/whoami"))).aal, "aal1", "whoami at aal1");
        const page = await again.request("/private/security", { headers: { accept: "text/html" } });
        // The MFA page is told where to come back to (`login_next_param("next")`).
        assert.equal(sameSiteRedirect(page, ex.origin, "/private/security at aal1"), "/mfa/challenge?next=%2Fprivate%2Fsecurity");
        const wrongForm = await again.postForm("/mfa/challenge", { factor_id, code: wrongCode(secret), next: "/api/aal2" });
        assert.equal(wrongForm.status, 400, "POST /mfa/challenge, wrong code");
        assert.match(await wrongForm.text(), /id="error"/, "POST /mfa/challenge, wrong code: no #error");
        const evil = await again.postForm("/mfa/challenge", { factor_id, code: freshCode(secret, used), next: "//evil.example" });
        assert.equal(sameSiteRedirect(evil, ex.origin, "POST /mfa/challenge next=//evil.example"), "/private/security");
        const done = await getJsonAt(again, "/api/aal2");
        assert.equal(done.status, 200, "GET /api/aal2 after the challenge");
      }));

    test("resend: a sign-up waiting for its confirmation sends the email again (outbox), whose link confirms", () =>
      step(`${example.name}-resend`, async () => {
        const fresh = await browser.newContext();
        fresh.setDefaultTimeout(STEP_TIMEOUT);
        await setAutoconfirm(ex, false);
        try {
          const resendEmail = `resend-${example.name}-${Date.now()}@example.com`;
          const page = await fresh.newPage();
          await page.goto(at("/login"));
          await page.fill("#login-form input[name=email]", resendEmail);
          await page.fill("#login-form input[name=password]", PASSWORD);
          await page.click("#signup");
          await page.locator("#resend-form").waitFor();
          const first = await outbox(ex, resendEmail);
          assert.deepEqual(first.map((m) => m.kind), ["signup"], "the sign-up's email");

          const c0 = await counters(ex);
          const [sent] = await Promise.all([page.waitForNavigation(), page.click("#resend")]);
          assert.equal(sent.status(), 200, `POST /signup/resend: HTTP ${sent.status()}`);
          assert.match(await page.locator("#notice").textContent(), /again/, "#notice after resending");
          const c1 = await counters(ex);
          assert.equal(count(c1, "resend") - count(c0, "resend"), 1, "one /resend call");
          const messages = await outbox(ex, resendEmail);
          assert.deepEqual(messages.map((m) => m.kind), ["signup", "signup"], "the email again in the outbox");
          const link = await page.locator("#outbox-link").getAttribute("href");
          assert.ok(link.includes(messages[1].token_hash), `#outbox-link is not the new email's: ${link}`);
          assert.ok(await page.locator("#resend-form").count(), "the resend form stays");
          await page.click("#outbox-link");
          await expectPrivate(page, resendEmail, "the resent link");
        } finally {
          await setAutoconfirm(ex, true);
          await fresh.close();
        }
      }));

    test("account: link an identity through the test provider, unlink it (not the last); change the password with the code from the outbox", () =>
      step(`${example.name}-account`, async () => {
        const fresh = await browser.newContext();
        fresh.setDefaultTimeout(STEP_TIMEOUT);
        try {
          const accountEmail = `account-${example.name}-${Date.now()}@example.com`;
          const newPassword = "browser-new-pass-456";
          const page = await fresh.newPage();
          const identity = (provider) => page.locator(`#identities li[data-provider="${provider}"]`);
          const post = (selector) => Promise.all([page.waitForNavigation(), page.click(selector)]).then(([res]) => res);

          // Tokens living 30 h: the session stays valid when the Auth server's clock is moved
          // 25 h on below, where "secure password change" (on in the examples) needs the code.
          await setTtl(ex, 30 * 3600);
          await page.goto(at("/login"));
          await page.fill("#login-form input[name=email]", accountEmail);
          await page.fill("#login-form input[name=password]", PASSWORD);
          await page.click("#signup");
          await expectPrivate(page, accountEmail, "account user sign-up (the local server confirms at once)");
          await setTtl(ex, TTL_SECS);
          const opened = await post("#account");
          assert.equal(new URL(page.url()).pathname, "/private/account", "#account link");
          assert.match(opened.headers()["cache-control"] ?? "", /private/, "/private/account: Cache-Control");
          assertFrameHeaders({ headers: new Headers(opened.headers()) }, "GET /private/account");
          assert.equal(await identity("email").count(), 1, "the email identity");

          // Link: the provider, then /auth/callback (with the flow id), back to the account.
          const seen = [];
          let callbackFlowId = false;
          page.on("request", (r) => {
            if (!r.isNavigationRequest()) return;
            const url = new URL(r.url());
            seen.push(url.pathname);
            if (url.pathname === "/auth/callback") callbackFlowId ||= url.searchParams.has(FLOW_ID_PARAM);
          });
          // The sign-up's PKCE flow (its email link) keeps its verifier cookies, as in auth-js;
          // the link's flow must leave none of its own.
          const verifierCookies = async () => (await sbCookies(fresh)).filter((n) => n.endsWith("-code-verifier"));
          const before = await verifierCookies();
          const c0 = await counters(ex);
          await page.click("#link-google");
          await page.waitForURL((u) => u.pathname === "/private/account" && seen.includes("/auth/callback"));
          assert.ok(callbackFlowId, `link: no ${FLOW_ID_PARAM} on /auth/callback (went: ${seen.join(" → ")})`);
          const c1 = await counters(ex);
          assert.equal(count(c1, "token_pkce") - count(c0, "token_pkce"), 1, "link: one PKCE code exchange");
          await identity("google").waitFor();
          assert.equal(await page.locator("#link-google").count(), 0, "google still offered after linking");
          const left = (await verifierCookies()).filter((n) => !before.includes(n));
          assert.deepEqual(left, [], "link: its PKCE verifier cookies left after the callback");

          // A form posted from another site to the account's routes is refused by the CSRF guard.
          const elsewhere = await fresh.newPage();
          const c2 = await counters(ex);
          for (const path of ["/private/account/password", "/private/account/unlink"]) {
            await elsewhere.goto(`${otherSite.origin}/?action=${encodeURIComponent(at(path))}`);
            const [refused] = await Promise.all([elsewhere.waitForNavigation(), elsewhere.click("#elsewhere-submit")]);
            assert.equal(refused.status(), 403, `cross-site POST ${path}: HTTP ${refused.status()}`);
          }
          await elsewhere.close();
          const c3 = await counters(ex);
          assert.equal(count(c3, "user_put") - count(c2, "user_put"), 0, "a refused form reached PUT /user");
          assert.equal(count(c3, "identities_unlink") - count(c2, "identities_unlink"), 0, "a refused form unlinked");

          // Unlink it; then the last one is refused, in words.
          await post(`#identities li[data-provider="google"] .unlink`);
          assert.equal(new URL(page.url()).pathname, "/private/account", "after unlinking");
          assert.equal(await identity("google").count(), 0, "google still listed after unlinking");
          const last = await post(`#identities li[data-provider="email"] .unlink`);
          assert.equal(last.status(), 400, "unlinking the last identity: HTTP status");
          assert.match(await page.locator("#error").textContent(), /only way to sign in/, "unlinking the last identity: #error");
          assert.equal(await identity("email").count(), 1, "the email identity is kept");

          // The password, of a session signed in 25 h ago: the server wants the code. Without
          // one, refused; a code by email (the outbox), then the code with the new password.
          await advanceClock(ex, 25 * 3600);
          await page.fill("#password-form input[name=nonce]", "000000");
          await page.fill("#password-form input[name=password]", newPassword);
          const refused = await post("#change-password");
          assert.equal(refused.status(), 400, "a wrong code: HTTP status");
          assert.match(await page.locator("#error").textContent(), /not valid/, "a wrong code: #error");
          const sent = await post("#reauthenticate");
          assert.equal(sent.status(), 200, `POST /private/account/reauthenticate: HTTP ${sent.status()}`);
          assert.match(sent.headers()["cache-control"] ?? "", /no-store/, "the page showing the code: Cache-Control");
          const mail = (await outbox(ex, accountEmail)).filter((m) => m.kind === "reauthentication").at(-1);
          assert.ok(mail?.otp, "no reauthentication email in the outbox");
          assert.equal((await page.locator("#outbox-code").textContent()).trim(), mail.otp, "#outbox-code");
          await page.fill("#password-form input[name=nonce]", mail.otp);
          await page.fill("#password-form input[name=password]", newPassword);
          const changed = await post("#change-password");
          assert.equal(changed.status(), 200, `POST /private/account/password: HTTP ${changed.status()}`);
          assert.match(await page.locator("#notice").textContent(), /changed/, "#notice after the change");

          // Signed out: the old password is refused, the new one signs in.
          await page.click("#logout");
          await page.waitForURL((u) => u.pathname === "/");
          await page.goto(at("/login"));
          await page.fill("#login-form input[name=email]", accountEmail);
          await page.fill("#login-form input[name=password]", PASSWORD);
          await page.click("#login");
          assert.match(await page.locator("#error").textContent(), /invalid login credentials/i, "the old password");
          await page.fill("#login-form input[name=email]", accountEmail);
          await page.fill("#login-form input[name=password]", newPassword);
          await page.click("#login");
          await expectPrivate(page, accountEmail, "sign-in with the new password");
        } finally {
          await advanceClock(ex, 0, true);
          await setTtl(ex, TTL_SECS);
          await fresh.close();
        }
      }));

    if (INTEROP.includes(example.name)) {
      test("interop: createBrowserClient signs in, the Rust server reads and refreshes, the browser client sees it", () =>
        step(`${example.name}-interop`, async () => {
          const fresh = await browser.newContext();
          try {
            const page = await fresh.newPage();
            const js = `${interopServer.origin}/?url=${encodeURIComponent(ex.auth)}&key=${encodeURIComponent(PUBLISHABLE_KEY)}`;
            const openJs = async () => {
              await page.goto(js);
              await page.locator("#status", { hasText: "ready" }).waitFor({ timeout: STEP_TIMEOUT });
            };

            // 1. A long-lived session signed in by the JS client: Rust reads it as is.
            await setTtl(ex, 3600);
            await openJs();
            const long = await page.evaluate(({ email, password }) => window.interop.signIn(email, password), DEMO);
            const written = decodeSession(await sessionCookie(fresh));
            assert.equal(written.access_token, long.access_token, "the JS client's cookie holds its session");
            let c0 = await counters(ex);
            await page.goto(at("/private"));
            await expectPrivate(page, DEMO.email, "Rust reading the JS client's cookie");
            let c1 = await counters(ex);
            assert.equal(count(c1, "token_refresh") - count(c0, "token_refresh"), 0, "Rust refreshed a valid session");
            assert.equal(decodeSession(await sessionCookie(fresh)).access_token, long.access_token, "Rust changed a valid session");

            // 2. A 5-second session signed in by the JS client; once expired, Rust refreshes it
            //    (the new token lives an hour, so the JS client has no reason to refresh again).
            await setTtl(ex, TTL_SECS);
            await openJs();
            const short = await page.evaluate(({ email, password }) => window.interop.signIn(email, password), DEMO);
            assert.ok(short.access_token !== long.access_token, "second sign-in gave the same token");
            const first = decodeSession(await sessionCookie(fresh));
            assert.equal(first.access_token, short.access_token, "the JS client's cookie holds its new session");
            await page.goto("about:blank"); // nothing of the JS client runs while it expires
            await sleepUntilExpired(first);
            await setTtl(ex, 3600);
            c0 = await counters(ex);
            await page.goto(at("/private"));
            await expectPrivate(page, DEMO.email, "Rust refreshing the JS client's session");
            c1 = await counters(ex);
            assert.equal(count(c1, "token_refresh") - count(c0, "token_refresh"), 1, "Rust refresh calls");
            const refreshed = decodeSession(await sessionCookie(fresh));
            assert.notEqual(refreshed.access_token, first.access_token, "Rust did not write a new session");

            // 3. The JS client reads what Rust wrote, without calling the Auth server.
            await openJs();
            const callsBefore = await page.evaluate(() => window.interop.calls.length);
            const seen = await page.evaluate(() => window.interop.getSession());
            assert.ok(seen, "the JS client sees no session after the server-side refresh");
            assert.equal(seen.access_token, refreshed.access_token, "JS access token ≠ the one the Rust server wrote");
            assert.equal(seen.refresh_token, refreshed.refresh_token, "JS refresh token ≠ the one the Rust server wrote");
            assert.notEqual(seen.access_token, first.access_token, "JS still holds the first token");
            assert.equal(seen.email, DEMO.email);
            const calls = await page.evaluate((n) => window.interop.calls.slice(n), callsBefore);
            assert.ok(!calls.some((c) => c.includes("grant_type=refresh_token")), `the JS client refreshed: ${calls}`);
          } finally {
            await fresh.close();
            await setTtl(ex, TTL_SECS).catch(() => {});
          }
        }));
    }
  });
}

for (const name of INTEROP) {
  if (process.env.INTEROP_EXAMPLES && !EXAMPLES.some((e) => e.name === name)) {
    test(`interop example ${name} is in EXAMPLE_BINS`, () => assert.fail(`INTEROP_EXAMPLES names ${name}, which EXAMPLE_BINS does not`));
  }
}
