// Cookie interop with the official @supabase/ssr, driven by integration-tests/tests/js_cookie_interop.rs.
//
//   node --experimental-websocket cookie-interop.mjs read   < {url, key, cases: [{encoding, cookie_header}]}
//     -> [{session_json}]: what createServerClient(...).auth.getSession() returns, as JSON text
//   node --experimental-websocket cookie-interop.mjs write  < {url, key, cases: [{encoding, token_response}]}
//     -> [{set_cookies, session_json}]: the Set-Cookie values a server using @supabase/ssr sends after
//        signInWithPassword (answered by a canned token response, no network), and the stored session
//   node --experimental-websocket cookie-interop.mjs sign-in < {url, key, cases: [{encoding, email, password}]}
//     -> [{set_cookies}]: signInWithPassword against a real (local) Auth server
//   node --experimental-websocket cookie-interop.mjs get-user < {url, key, cases: [{encoding, cookie_header}]}
//     -> [{email, set_cookies}]: getUser() against a real (local) Auth server with these cookies
//   node --experimental-websocket cookie-interop.mjs get-claims < {url, key, cases: [{encoding, cookie_header}]}
//     -> [{aal, sub, set_cookies}]: getClaims() (verified by the JS library) with these cookies
//   node --experimental-websocket cookie-interop.mjs sign-in-mfa < {url, key, cases: [{encoding, email, password, factor_id, code}]}
//     -> [{set_cookies, aal}]: signInWithPassword, then mfa.challenge + mfa.verify with `code` against a real
//        (local) Auth server: every Set-Cookie written, in order, and the aal getAuthenticatorAssuranceLevel reports
//   node --experimental-websocket cookie-interop.mjs aal < {url, key, cases: [{encoding, cookie_header}]}
//     -> [{level, set_cookies}]: what mfa.getAuthenticatorAssuranceLevel() answers with these cookies
//   node --experimental-websocket cookie-interop.mjs get-session < {url, key, cases: [{encoding, cookie_header}]}
//     -> [{tokens_json, user_available, email, set_cookies}]: getSession() with these cookies: the
//        session without `user` as JSON text, and whether its user can be read (tokens-only: a proxy
//        that throws on any property access)
//   node --experimental-websocket cookie-interop.mjs serialize < {cases: [{name, value, options}]}
//     -> [{set_cookie}]: serializeCookieHeader (cookie.serialize) of each
//   node --experimental-websocket cookie-interop.mjs clear < {cases: [{cookie_header, storage_key, scopes}]}
//     -> [{set_cookies}]: what clearAuthCookiesAtScopes hands to setAll, rendered with serializeCookieHeader
//
// Every case may also carry `contents: "tokens-only"` (cookies.encode) and `cookie_options`
// (cookieOptions) for the client it makes.
import {
  clearAuthCookiesAtScopes,
  createServerClient,
  parseCookieHeader,
  serializeCookieHeader,
} from "@supabase/ssr";

const mode = process.argv[2];
const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));

let contents;
let cookieOptions;

function client({ encoding, cookieHeader = "", written = [], fetch }) {
  return createServerClient(input.url, input.key, {
    cookieEncoding: encoding,
    cookieOptions,
    cookies: {
      ...(contents ? { encode: contents } : {}),
      getAll: () => parseCookieHeader(cookieHeader),
      setAll: (cookies) => {
        for (const { name, value, options } of cookies) {
          written.push(serializeCookieHeader(name, value, options));
        }
      },
    },
    global: fetch ? { fetch } : undefined,
  });
}

async function read({ encoding, cookie_header }) {
  const supabase = client({
    encoding,
    cookieHeader: cookie_header,
    fetch: () => { throw new Error("reading a valid session must not touch the network"); },
  });
  const { data, error } = await supabase.auth.getSession();
  if (error) throw error;
  return { session_json: data.session ? JSON.stringify(data.session) : null };
}

async function write({ encoding, token_response }) {
  const written = [];
  const fetch = async () =>
    new Response(JSON.stringify(token_response), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  const supabase = client({ encoding, written, fetch });
  const { data, error } = await supabase.auth.signInWithPassword({
    email: "user@example.com",
    password: "password123",
  });
  if (error) throw error;
  return { set_cookies: written, session_json: JSON.stringify(data.session) };
}

async function signIn({ encoding, email, password }) {
  const written = [];
  const supabase = client({ encoding, written });
  const { error } = await supabase.auth.signInWithPassword({ email, password });
  if (error) throw error;
  return { set_cookies: written };
}

async function getUser({ encoding, cookie_header }) {
  const written = [];
  const supabase = client({ encoding, cookieHeader: cookie_header, written });
  const { data, error } = await supabase.auth.getUser();
  if (error) throw error;
  return { email: data.user.email, set_cookies: written };
}

async function getClaims({ encoding, cookie_header }) {
  const written = [];
  const supabase = client({ encoding, cookieHeader: cookie_header, written });
  const { data, error } = await supabase.auth.getClaims();
  if (error) throw error;
  return { aal: data?.claims?.aal ?? null, sub: data?.claims?.sub ?? null, set_cookies: written };
}

async function signInMfa({ encoding, email, password, factor_id, code }) {
  const written = [];
  const supabase = client({ encoding, written });
  const signIn = await supabase.auth.signInWithPassword({ email, password });
  if (signIn.error) throw signIn.error;
  const challenge = await supabase.auth.mfa.challenge({ factorId: factor_id });
  if (challenge.error) throw challenge.error;
  const verify = await supabase.auth.mfa.verify({
    factorId: factor_id,
    challengeId: challenge.data.id,
    code,
  });
  if (verify.error) throw verify.error;
  const level = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  if (level.error) throw level.error;
  return { set_cookies: written, aal: level.data.currentLevel };
}

async function assuranceLevel({ encoding, cookie_header }) {
  const written = [];
  const supabase = client({ encoding, cookieHeader: cookie_header, written });
  const { data, error } = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  if (error) throw error;
  return { level: data, set_cookies: written };
}

async function getSession({ encoding, cookie_header }) {
  const written = [];
  const supabase = client({ encoding, cookieHeader: cookie_header, written });
  const { data, error } = await supabase.auth.getSession();
  if (error) throw error;
  if (!data.session) return { tokens_json: null, user_available: false, email: null, set_cookies: written };
  // Destructuring takes the user without reading a property of it (the tokens-only proxy throws).
  const { user, ...tokens } = data.session;
  let email = null;
  let userAvailable = true;
  try {
    email = user.email;
  } catch {
    userAvailable = false;
  }
  return { tokens_json: JSON.stringify(tokens), user_available: userAvailable, email, set_cookies: written };
}

function serialize({ name, value, options }) {
  return { set_cookie: serializeCookieHeader(name, value, options) };
}

async function clear({ cookie_header, storage_key, scopes }) {
  const written = [];
  await clearAuthCookiesAtScopes({
    getAll: () => parseCookieHeader(cookie_header),
    setAll: (cookies) => {
      for (const { name, value, options } of cookies) {
        written.push(serializeCookieHeader(name, value, options));
      }
    },
    storageKey: storage_key,
    scopes,
  });
  return { set_cookies: written };
}

// The server client's user proxy warns on every property access; keep stdout clean.
console.warn = () => {};
const run = {
  read,
  write,
  "sign-in": signIn,
  "get-user": getUser,
  "get-claims": getClaims,
  "sign-in-mfa": signInMfa,
  aal: assuranceLevel,
  "get-session": getSession,
  serialize,
  clear,
}[mode];
if (!run) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
const results = [];
for (const testCase of input.cases) {
  contents = testCase.contents;
  cookieOptions = testCase.cookie_options;
  results.push(await run(testCase));
}
process.stdout.write(JSON.stringify(results));
