// Fidelity check: runs the official @supabase/supabase-js against a local-auth server.
//
// Input (stdin, JSON): {"url", "key", "errorCases": [{"label", "fault", "password"}]}.
// Output (stdout, JSON): {"checks": [{name, ok, detail}], "errors": [{label, actual}]}.
// Exits 1 with the failed checks on stderr when any check fails. Driven by tests/fidelity.rs.
import { createClient } from '@supabase/supabase-js';

const input = JSON.parse(await new Promise((resolve, reject) => {
  let data = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => { data += chunk; });
  process.stdin.on('end', () => resolve(data));
  process.stdin.on('error', reject);
}));
const { url, key, errorCases } = input;
const checks = [];
const check = (name, ok, detail) => checks.push({ name, ok: Boolean(ok), detail: detail ?? null });

async function admin(method, path, body) {
  const res = await fetch(url + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status}`);
  return res.status === 204 ? null : res.json();
}

// A fresh client with its own in-memory storage (no cross-test state except auth-js's
// process-global JWKS cache, which is what getClaims is about).
function client() {
  const store = new Map();
  return createClient(url, key, {
    auth: {
      storage: {
        getItem: (k) => store.get(k) ?? null,
        setItem: (k, v) => { store.set(k, v); },
        removeItem: (k) => { store.delete(k); },
      },
      persistSession: true,
      autoRefreshToken: false,
      detectSessionInUrl: false,
      flowType: 'pkce',
    },
  });
}

const errInfo = (e) => e && { name: e.name, message: e.message, status: e.status ?? null, code: e.code ?? null, reasons: e.reasons ?? null };
const lastMessage = async (to) => {
  const { messages } = await admin('GET', `/__outbox?to=${encodeURIComponent(to)}`);
  return messages[messages.length - 1];
};
const refreshWith = (refresh_token) => client().auth.refreshSession({ refresh_token });

// --- sign-up, confirmed (autoconfirm) and unconfirmed
{
  const { data, error } = await client().auth.signUp({ email: 'confirmed@example.com', password: 'password123' });
  check('signUp (autoconfirm) returns a session', !error && data.session && data.user.email === 'confirmed@example.com', errInfo(error));
  await admin('POST', '/__settings', { autoconfirm: false });
  const c = client();
  const r = await c.auth.signUp({ email: 'pending@example.com', password: 'password123' });
  check('signUp (unconfirmed) returns a user and no session', !r.error && r.data.session === null && r.data.user?.email === 'pending@example.com' && !r.data.user.email_confirmed_at, errInfo(r.error));
  const s = await c.auth.signInWithPassword({ email: 'pending@example.com', password: 'password123' });
  check('unconfirmed sign-in fails with email_not_confirmed', s.error?.code === 'email_not_confirmed', errInfo(s.error));
  const msg = await lastMessage('pending@example.com');
  const v = await c.auth.verifyOtp({ token_hash: msg.token_hash, type: 'signup' });
  check('confirmation token_hash from the outbox verifies', !v.error && v.data.session && v.data.user.email_confirmed_at, errInfo(v.error));
  await admin('POST', '/__settings', { autoconfirm: true });
}

// --- password sign-in and wrong password
const c = client();
const signIn = await c.auth.signInWithPassword({ email: 'user@example.com', password: 'password123' });
check('signInWithPassword returns a session', !signIn.error && signIn.data.session?.access_token, errInfo(signIn.error));
const userId = signIn.data.user?.id;
{
  const { error } = await client().auth.signInWithPassword({ email: 'user@example.com', password: 'wrong' });
  check('wrong password is AuthApiError invalid_credentials', error?.name === 'AuthApiError' && error.code === 'invalid_credentials' && error.status === 400, errInfo(error));
}

// --- getClaims verifies locally: JWKS fetched once, /user never
{
  await admin('DELETE', '/__counters');
  let allOk = true;
  for (let i = 0; i < 5; i += 1) {
    const { data, error } = await c.auth.getClaims();
    allOk = allOk && !error && data?.claims?.sub === userId && data.header.alg === 'ES256';
  }
  const counters = await admin('GET', '/__counters');
  check('getClaims returns the claims', allOk);
  check('getClaims fetched JWKS once and never called /user', (counters.jwks ?? 0) === 1 && (counters.user_get ?? 0) === 0, counters);
}

// --- getUser
{
  const { data, error } = await c.auth.getUser();
  check('getUser returns the user', !error && data.user?.id === userId, errInfo(error));
}

// --- refresh and the rotation rules
{
  const t0 = signIn.data.session.refresh_token;
  const r1 = await c.auth.refreshSession();
  const t1 = r1.data.session?.refresh_token;
  check('refreshSession rotates the refresh token', !r1.error && t1 && t1 !== t0, errInfo(r1.error));
  const r2 = await c.auth.refreshSession();
  const t2 = r2.data.session?.refresh_token;
  check('second refresh rotates again', !r2.error && t2 && t2 !== t1, errInfo(r2.error));
  const parent = await refreshWith(t1);
  check('revoked parent of the active token returns the active token', !parent.error && parent.data.session?.refresh_token === t2, errInfo(parent.error));
  const within = await refreshWith(t0);
  const t3 = within.data.session?.refresh_token;
  check('old token within the reuse interval gets a new token', !within.error && t3 && ![t0, t1, t2].includes(t3), errInfo(within.error));
  await admin('POST', '/__clock', { advance_secs: 11 });
  const beyond = await refreshWith(t1);
  check('old token beyond the reuse interval: refresh_token_already_used', beyond.error?.name === 'AuthApiError' && beyond.error.code === 'refresh_token_already_used', errInfo(beyond.error));
  const family = await refreshWith(t3);
  check('the whole family is revoked', family.error?.code === 'refresh_token_already_used', errInfo(family.error));
  await admin('POST', '/__clock', { reset: true });
}

// --- OTP by email: token_hash, then email + code
{
  const o = client();
  const sent = await o.auth.signInWithOtp({ email: 'user@example.com' });
  check('signInWithOtp succeeds', !sent.error, errInfo(sent.error));
  const msg = await lastMessage('user@example.com');
  const v = await o.auth.verifyOtp({ token_hash: msg.token_hash, type: 'email' });
  check('verifyOtp with the outbox token_hash signs in', !v.error && v.data.session && v.data.user.id === userId, errInfo(v.error));
  await client().auth.signInWithOtp({ email: 'user@example.com' });
  const msg2 = await lastMessage('user@example.com');
  const v2 = await client().auth.verifyOtp({ email: 'user@example.com', token: msg2.otp, type: 'email' });
  check('verifyOtp with email + code signs in', !v2.error && v2.data.session, errInfo(v2.error));
  const again = await client().auth.verifyOtp({ email: 'user@example.com', token: msg2.otp, type: 'email' });
  check('a used code is otp_expired', again.error?.code === 'otp_expired' && again.error.status === 403, errInfo(again.error));
}

// --- OAuth with PKCE through the test provider
{
  const o = client();
  const { data, error } = await o.auth.signInWithOAuth({
    provider: 'github',
    options: { redirectTo: 'http://localhost:3000/callback', skipBrowserRedirect: true },
  });
  check('signInWithOAuth gives an authorize URL with a PKCE challenge', !error && data.url.includes('code_challenge='), errInfo(error));
  const res = await fetch(data.url, { redirect: 'manual' });
  const location = new URL(res.headers.get('location'));
  const code = location.searchParams.get('code');
  check('the test provider redirects to redirect_to with ?code=', res.status === 302 && location.pathname === '/callback' && code, location.href);
  const ex = await o.auth.exchangeCodeForSession(code);
  check('exchangeCodeForSession signs in', !ex.error && ex.data.session?.provider_token && ex.data.user.app_metadata.provider === 'github', errInfo(ex.error));
  const replay = await o.auth.exchangeCodeForSession(code);
  check('a second exchange fails (verifier gone or flow_state_not_found)', replay.error, errInfo(replay.error));
}

// --- updateUser
{
  const { data, error } = await c.auth.updateUser({ data: { theme: 'dark' } });
  check('updateUser merges user_metadata', !error && data.user.user_metadata.theme === 'dark', errInfo(error));
  const pw = await c.auth.updateUser({ password: 'password456' });
  check('updateUser changes the password', !pw.error, errInfo(pw.error));
  const s = await client().auth.signInWithPassword({ email: 'user@example.com', password: 'password456' });
  check('the new password signs in', !s.error, errInfo(s.error));
  await c.auth.updateUser({ password: 'password123' });
}

// --- signOut, then refresh fails
{
  const { data } = await c.auth.getSession();
  const rt = data.session.refresh_token;
  const out = await c.auth.signOut();
  check('signOut succeeds', !out.error, errInfo(out.error));
  const after = await refreshWith(rt);
  check('refresh after signOut fails with refresh_token_not_found', after.error?.code === 'refresh_token_not_found', errInfo(after.error));
}

// --- the 22 recorded error mappings
const errors = [];
for (const kase of errorCases) {
  if (kase.fault) {
    await admin('POST', '/__faults', { endpoint: 'token_password', fault: { ...kase.fault, times: 1 } });
  }
  const { error } = await client().auth.signInWithPassword({ email: 'user@example.com', password: kase.password });
  errors.push({ label: kase.label, actual: errInfo(error) });
}
await admin('POST', '/__faults', { clear: 'all' });

const report = { checks, errors };
process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
const failed = checks.filter((c2) => !c2.ok);
if (failed.length > 0) {
  process.stderr.write(`fidelity: ${failed.length} check(s) failed:\n${failed.map((f) => `- ${f.name}: ${JSON.stringify(f.detail)}`).join('\n')}\n`);
  process.exit(1);
}
process.exit(0);
