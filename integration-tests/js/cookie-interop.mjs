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
import { createServerClient, parseCookieHeader, serializeCookieHeader } from "@supabase/ssr";

const mode = process.argv[2];
const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));

function client({ encoding, cookieHeader = "", written = [], fetch }) {
  return createServerClient(input.url, input.key, {
    cookieEncoding: encoding,
    cookies: {
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

// The server client's user proxy warns on every property access; keep stdout clean.
console.warn = () => {};
const run = { read, write, "sign-in": signIn, "get-user": getUser }[mode];
if (!run) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
const results = [];
for (const testCase of input.cases) results.push(await run(testCase));
process.stdout.write(JSON.stringify(results));
