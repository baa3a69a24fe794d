// The JavaScript stack the benchmark runner (integration-tests/bench) compares the Rust examples
// with: node:http, @supabase/ssr's createServerClient and auth.getClaims(), serving the routes
// the examples serve for the benchmark.
//
//   SUPABASE_URL=... SUPABASE_PUBLISHABLE_KEY=... PORT=0 \
//     node --experimental-websocket bench-server.mjs
//   -> prints `listening on http://127.0.0.1:<port>` once it accepts connections
//
//   GET /api/whoami  the verified claims as JSON (as examples/site's whoami), or 401
//   GET /api/health  {"status":"ok"}, without a Supabase client (the bare route)
import http from "node:http";
import { createServerClient, parseCookieHeader, serializeCookieHeader } from "@supabase/ssr";

const url = process.env.SUPABASE_URL;
const key = process.env.SUPABASE_PUBLISHABLE_KEY;
if (!url || !key) {
  console.error("SUPABASE_URL and SUPABASE_PUBLISHABLE_KEY must be set");
  process.exit(2);
}

function json(res, status, body, headers = {}) {
  res.writeHead(status, { ...headers, "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

async function whoami(req, res) {
  const headers = {};
  const supabase = createServerClient(url, key, {
    cookies: {
      getAll: () => parseCookieHeader(req.headers.cookie ?? ""),
      setAll: (cookies, cacheHeaders) => {
        res.setHeader(
          "Set-Cookie",
          cookies.map(({ name, value, options }) => serializeCookieHeader(name, value, options)),
        );
        Object.assign(headers, cacheHeaders ?? {});
      },
    },
  });
  const { data, error } = await supabase.auth.getClaims();
  if (error || !data) {
    json(res, 401, { error: error?.message ?? "no session" }, headers);
    return;
  }
  const { claims } = data;
  json(
    res,
    200,
    {
      sub: claims.sub,
      email: claims.email,
      role: claims.role,
      aal: claims.aal,
      session_id: claims.session_id,
    },
    headers,
  );
}

const server = http.createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method === "GET" && path === "/api/health") {
    json(res, 200, { status: "ok" });
  } else if (req.method === "GET" && path === "/api/whoami") {
    whoami(req, res).catch((error) => json(res, 500, { error: String(error) }));
  } else {
    json(res, 404, { error: "not found" });
  }
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
