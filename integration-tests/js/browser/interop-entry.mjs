// The page of the browser interop test, bundled by esbuild at test time from the pinned
// @supabase/ssr: the official createBrowserClient, on an origin of its own (same host as the
// Rust example, another port), talking to the local Auth server cross-origin.
//
// Query: ?url=<Supabase URL>&key=<publishable key>. Exposes window.interop for the test.
import { createBrowserClient } from "@supabase/ssr";

const params = new URLSearchParams(location.search);
const calls = [];
const supabase = createBrowserClient(params.get("url"), params.get("key"), {
  global: {
    // Every request the client makes, so the test can tell whether it refreshed by itself.
    fetch: (input, init) => {
      calls.push(`${init?.method ?? "GET"} ${typeof input === "string" ? input : input.url}`);
      return fetch(input, init);
    },
  },
});

window.interop = {
  calls,
  async signIn(email, password) {
    const { data, error } = await supabase.auth.signInWithPassword({ email, password });
    if (error) throw new Error(`signInWithPassword: ${error.message}`);
    return { access_token: data.session.access_token, refresh_token: data.session.refresh_token };
  },
  async getSession() {
    const { data, error } = await supabase.auth.getSession();
    if (error) throw new Error(`getSession: ${error.message}`);
    const s = data.session;
    return s && {
      access_token: s.access_token,
      refresh_token: s.refresh_token,
      expires_at: s.expires_at,
      email: s.user?.email ?? null,
    };
  },
  cookie: () => document.cookie,
};
document.getElementById("status").textContent = "ready";
