// Request comparison with auth-js, driven by integration-tests/tests/auth_requests.rs: each case
// makes one call of the official library against its own recording proxy, and the Rust test
// compares what reached the proxy with what our client sent for the same call.
//
//   node --experimental-websocket auth-requests.mjs < {cases: [case]}
//     case: {name, url, key, client, cookie_header, flow_ids, call, args}
//       client: "server" — @supabase/ssr's createServerClient(url, key) over `cookie_header`
//               "admin"  — supabase-js's createClient(url, key) with the secret key as `key`
//       call:   a dotted path on the client, e.g. "auth.signInWithPassword" or
//               "auth.admin.mfa.listFactors"; called with `args` (a JSON array) spread
//     -> [{name, ok, error}]: whether the call succeeded, and the error's code or message
import { createServerClient, parseCookieHeader } from "@supabase/ssr";
import { createClient } from "@supabase/supabase-js";

const input = JSON.parse(await new Promise((resolve, reject) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
  process.stdin.on("error", reject);
}));

function makeClient({ url, key, client, cookie_header, flow_ids }) {
  if (client === "admin") {
    return createClient(url, key, {
      auth: { autoRefreshToken: false, persistSession: false, detectSessionInUrl: false },
    });
  }
  if (client !== "server") throw new Error(`unknown client kind ${client}`);
  return createServerClient(url, key, {
    // Each PKCE flow's id on its redirect, when the case asks for it.
    auth: flow_ids ? { experimental: { appendPkceFlowIdToRedirects: true } } : {},
    cookies: {
      getAll: () => parseCookieHeader(cookie_header ?? ""),
      // The cookies written are not compared here: only the requests.
      setAll: () => {},
    },
  });
}

async function run(testCase) {
  const supabase = makeClient(testCase);
  const path = testCase.call.split(".");
  const method = path.pop();
  const target = path.reduce((object, name) => object[name], supabase);
  if (typeof target?.[method] !== "function") throw new Error(`no method ${testCase.call}`);
  const result = await target[method](...testCase.args);
  const error = result?.error ?? null;
  return { name: testCase.name, ok: !error, error: error ? (error.code ?? error.message) : null };
}

const results = [];
for (const testCase of input.cases) {
  try {
    results.push(await run(testCase));
  } catch (thrown) {
    results.push({ name: testCase.name, ok: false, error: `threw: ${thrown?.message ?? thrown}` });
  }
}
process.stdout.write(JSON.stringify(results));
