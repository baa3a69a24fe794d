// Fidelity check: runs the official @supabase/supabase-js against a local-auth server.
//
// Input (stdin, JSON): {"url", "key", "errorCases": [{"label", "fault", "password"}],
// "flows": {"url", "key", "email", "password", "ssoDomain", "idToken", "idTokenNonce",
// "linkIdToken"}, "admin": {"url", "key", "secretKey"}} (flows and admin: servers of their own,
// see runFlows and runAdmin).
// Output (stdout, JSON): {"checks": [{name, ok, detail}], "errors": [{label, actual}],
// "mfaCalls": [the auth.mfa methods called, in order], "flowCalls": [the flows' auth calls],
// "adminCalls": [the auth.admin methods called, in order], "oauthServerCalls": [the
// auth.admin.oauth and auth.oauth methods called, in order]}. Input "oauthServer": {"url",
// "key", "secretKey", "email", "password", "consentPath"} (see runOAuthServer).
// Exits 1 with the failed checks on stderr when any check fails. Driven by tests/fidelity.rs.
import { createHash, createHmac } from 'node:crypto';
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

async function admin(method, path, body, base = url) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`admin ${method} ${path}: ${res.status}`);
  return res.status === 204 ? null : res.json();
}

// A fresh client with its own in-memory storage (no cross-test state except auth-js's
// process-global JWKS cache, which is what getClaims is about).
function client(server = { url, key }) {
  const store = new Map();
  return createClient(server.url, server.key, {
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

// --- MFA: every auth.mfa call, against a user of its own (a verification ends the user's aal1
// sessions, as on the Go server).
// RFC 6238 written here on node:crypto, independently of the server's totp-rs: the codes this
// script computes are the test's own check of the server's TOTP (SHA-1, 6 digits, 30 s).
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
function totp(secret, unixSecs = Math.floor(Date.now() / 1000)) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSecs / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, '0');
}
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
const mfaCalls = [];
const mfa = async (m, name, ...args) => {
  mfaCalls.push(name);
  return m.auth.mfa[name](...args);
};
{
  check('RFC 6238 vector (t=59) of the script\'s own TOTP', totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59) === '287082');
  const m = client();
  const up = await m.auth.signUp({ email: 'mfa@example.com', password: 'password123' });
  check('mfa user signs up', !up.error && up.data.session, errInfo(up.error));

  let aal = await mfa(m, 'getAuthenticatorAssuranceLevel');
  check('aal1 without factors: current aal1, next aal1', !aal.error && aal.data.currentLevel === 'aal1' && aal.data.nextLevel === 'aal1' && aal.data.currentAuthenticationMethods.length === 1, aal);

  const en = await mfa(m, 'enroll', { factorType: 'totp', issuer: 'Fidelity', friendlyName: 'app' });
  const totpId = en.data?.id;
  const secret = en.data?.totp?.secret ?? '';
  check('enroll totp: id, type, friendly_name, QR data URI, otpauth URI, base32 secret',
    !en.error && totpId && en.data.type === 'totp' && en.data.friendly_name === 'app'
      && en.data.totp.qr_code.startsWith('data:image/svg+xml;utf-8,') && en.data.totp.qr_code.includes('<svg')
      && en.data.totp.uri.startsWith('otpauth://totp/Fidelity:mfa%40example.com?')
      && en.data.totp.uri.includes(`secret=${secret}`) && /^[A-Z2-7]{32}$/.test(secret),
    errInfo(en.error));

  let list = await mfa(m, 'listFactors');
  check('listFactors: the unverified factor in all, none in totp', !list.error && list.data.all.length === 1 && list.data.all[0].status === 'unverified' && list.data.totp.length === 0, list);

  const ch = await mfa(m, 'challenge', { factorId: totpId });
  check('challenge totp: id, type, expires_at about 300 s ahead', !ch.error && ch.data.id && ch.data.type === 'totp' && Math.abs(ch.data.expires_at - Date.now() / 1000 - 300) < 5, ch);

  const wrong = await mfa(m, 'verify', { factorId: totpId, challengeId: ch.data.id, code: totp(secret) === '000000' ? '111111' : '000000' });
  check('verify with a wrong code: AuthApiError 422 mfa_verification_failed', wrong.error?.name === 'AuthApiError' && wrong.error.status === 422 && wrong.error.code === 'mfa_verification_failed', errInfo(wrong.error));

  const ok = await mfa(m, 'verify', { factorId: totpId, challengeId: ch.data.id, code: totp(secret) });
  check('verify totp: a session at aal2 with the totp amr entry', !ok.error && claimsOf(ok.data.access_token).aal === 'aal2' && claimsOf(ok.data.access_token).amr[0].method === 'totp', errInfo(ok.error));

  aal = await mfa(m, 'getAuthenticatorAssuranceLevel');
  check('after verify: current aal2, next aal2, totp first', !aal.error && aal.data.currentLevel === 'aal2' && aal.data.nextLevel === 'aal2' && aal.data.currentAuthenticationMethods[0]?.method === 'totp', aal);

  list = await mfa(m, 'listFactors');
  check('listFactors: the verified totp factor', !list.error && list.data.totp.length === 1 && list.data.totp[0].id === totpId && list.data.totp[0].status === 'verified', list);

  const r = await m.auth.refreshSession();
  check('refreshing an aal2 session keeps aal2', !r.error && claimsOf(r.data.session.access_token).aal === 'aal2', errInfo(r.error));

  const cv = await mfa(m, 'challengeAndVerify', { factorId: totpId, code: totp(secret) });
  check('challengeAndVerify totp', !cv.error && claimsOf(cv.data.access_token).aal === 'aal2', errInfo(cv.error));

  const ph = await mfa(m, 'enroll', { factorType: 'phone', phone: '+15550100000', friendlyName: 'mobile' });
  const phoneId = ph.data?.id;
  check('enroll phone: id, type, friendly_name, phone', !ph.error && phoneId && ph.data.type === 'phone' && ph.data.friendly_name === 'mobile' && ph.data.phone === '+15550100000', errInfo(ph.error));
  const pch = await mfa(m, 'challenge', { factorId: phoneId, channel: 'sms' });
  const sms = await lastMessage('15550100000');
  check('challenge phone: the code lands in the outbox as mfa_sms', !pch.error && pch.data.type === 'phone' && sms?.kind === 'mfa_sms' && /^\d{6}$/.test(sms.otp), errInfo(pch.error));
  const pv = await mfa(m, 'verify', { factorId: phoneId, challengeId: pch.data.id, code: sms.otp });
  check('verify phone: aal2 with the mfa/phone amr entry first', !pv.error && claimsOf(pv.data.access_token).amr[0].method === 'mfa/phone', errInfo(pv.error));
  list = await mfa(m, 'listFactors');
  check('listFactors: one totp, one phone', !list.error && list.data.all.length === 2 && list.data.totp.length === 1 && list.data.phone.length === 1, list);

  const up1 = await mfa(m, 'unenroll', { factorId: phoneId });
  check('unenroll phone at aal2', !up1.error && up1.data.id === phoneId, errInfo(up1.error));
  const back = await mfa(m, 'challengeAndVerify', { factorId: totpId, code: totp(secret) });
  check('challengeAndVerify totp again', !back.error, errInfo(back.error));

  const a1 = client();
  const s1 = await a1.auth.signInWithPassword({ email: 'mfa@example.com', password: 'password123' });
  aal = await mfa(a1, 'getAuthenticatorAssuranceLevel');
  check('a password sign-in of a user with a factor: current aal1, next aal2', !s1.error && aal.data?.currentLevel === 'aal1' && aal.data.nextLevel === 'aal2', aal);
  const denied = await mfa(a1, 'unenroll', { factorId: totpId });
  check('unenroll a verified factor at aal1: 422 insufficient_aal', denied.error?.status === 422 && denied.error.code === 'insufficient_aal', errInfo(denied.error));

  const gone = await mfa(m, 'unenroll', { factorId: totpId });
  check('unenroll totp at aal2', !gone.error && gone.data.id === totpId, errInfo(gone.error));
  const after = await m.auth.refreshSession();
  check('after unenroll the refreshed session is aal1', !after.error && claimsOf(after.data.session.access_token).aal === 'aal1', errInfo(after.error));
  aal = await mfa(m, 'getAuthenticatorAssuranceLevel');
  list = await mfa(m, 'listFactors');
  check('no factors left: aal1 / aal1, empty lists', aal.data?.currentLevel === 'aal1' && aal.data.nextLevel === 'aal1' && list.data?.all.length === 0, { aal, list });
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

const flowCalls = input.flows ? await runFlows(input.flows) : [];
const adminCalls = input.admin ? await runAdmin(input.admin) : [];
const oauthServerCalls = input.oauthServer ? await runOAuthServer(input.oauthServer) : [];

const report = { checks, errors, mfaCalls, flowCalls, adminCalls, oauthServerCalls };
process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
const failed = checks.filter((c2) => !c2.ok);
if (failed.length > 0) {
  process.stderr.write(`fidelity: ${failed.length} check(s) failed:\n${failed.map((f) => `- ${f.name}: ${JSON.stringify(f.detail)}`).join('\n')}\n`);
  process.exit(1);
}
process.exit(0);

// --- Auth flows against their own server (secure password change, current password required,
// autoconfirm off, an SSO domain): resend, reauthenticate + updateUser({password, nonce}),
// signInWithIdToken, signInWithSSO, getUserIdentities, linkIdentity (OAuth and ID token),
// unlinkIdentity. Returns the auth calls made, in order.
async function runFlows(f) {
  const calls = [];
  const server = { url: f.url, key: f.key };
  const fAdmin = (method, path, body) => admin(method, path, body, f.url);
  const lastTo = async (to) => {
    const { messages } = await fAdmin('GET', `/__outbox?to=${encodeURIComponent(to)}`);
    return messages[messages.length - 1];
  };
  const auth = async (a, name, ...args) => {
    calls.push(name);
    return a[name](...args);
  };
  const flowCheck = (name, ok, detail) => check(`flows: ${name}`, ok, detail);

  // resend: a sign-up confirmation again; SMS codes with their message id.
  {
    const a = client(server).auth;
    const up = await auth(a, 'signUp', { email: 'resend@example.com', password: 'password123' });
    flowCheck('signUp without autoconfirm sends a confirmation', !up.error && !up.data.session, errInfo(up.error));
    const first = await lastTo('resend@example.com');
    const r = await auth(a, 'resend', { type: 'signup', email: 'resend@example.com', options: { emailRedirectTo: 'http://localhost:3000/confirm' } });
    const again = await lastTo('resend@example.com');
    flowCheck('resend signup: a new confirmation in the outbox', !r.error && again.kind === 'signup' && again.id !== first.id && again.redirect_to?.startsWith('http://localhost:3000/confirm'), { error: errInfo(r.error), again });
    const link = await fetch(again.link, { redirect: 'manual' });
    const code = new URL(link.headers.get('location')).searchParams.get('code');
    const confirmed = await auth(a, 'exchangeCodeForSession', code);
    flowCheck('the resent link confirms through PKCE', !confirmed.error && confirmed.data.user.email === 'resend@example.com' && confirmed.data.user.email_confirmed_at, errInfo(confirmed.error));
    const otp = await auth(a, 'signInWithOtp', { phone: '+15550100' });
    const sms = await lastTo('+15550100');
    flowCheck('signInWithOtp by SMS answers the message id', !otp.error && otp.data.messageId === sms.id, { error: errInfo(otp.error), data: otp.data });
    const rs = await auth(a, 'resend', { type: 'sms', phone: '+15550100' });
    const sms2 = await lastTo('+15550100');
    flowCheck('resend sms answers the new message id', !rs.error && rs.data.messageId === sms2.id && sms2.id !== sms.id, { error: errInfo(rs.error), data: rs.data });
  }

  // signInWithIdToken with a server-minted token and its raw nonce.
  {
    const a = client(server).auth;
    const { data, error } = await auth(a, 'signInWithIdToken', { provider: 'google', token: f.idToken, nonce: f.idTokenNonce });
    flowCheck('signInWithIdToken signs the provider account in', !error && data.session && data.user.email === 'id-token@example.com' && data.user.identities[0]?.provider === 'google', errInfo(error));
    const bad = await auth(a, 'signInWithIdToken', { provider: 'google', token: f.idToken, nonce: 'not-the-nonce' });
    flowCheck('a wrong nonce is refused', bad.error?.status === 400 && /Nonces mismatch/.test(bad.error.message), errInfo(bad.error));
  }

  // signInWithSSO: the identity provider page, its Continue form, then the code exchange.
  {
    const a = client(server).auth;
    const { data, error } = await auth(a, 'signInWithSSO', { domain: f.ssoDomain, options: { redirectTo: 'http://localhost:3000/sso-callback' } });
    flowCheck('signInWithSSO answers the identity provider URL', !error && data?.url?.includes('/__idp/sso?'), errInfo(error));
    const page = await (await fetch(data.url)).text();
    const action = page.match(/action="([^"]+)"/)[1];
    const relay = page.match(/name="RelayState" value="([^"]+)"/)[1];
    const res = await fetch(action, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ RelayState: relay, email: `sso-user@${f.ssoDomain}` }),
    });
    const code = new URL(res.headers.get('location')).searchParams.get('code');
    const ex = await auth(a, 'exchangeCodeForSession', code);
    flowCheck('the SSO callback code signs the SSO user in', !ex.error && ex.data.user.email === `sso-user@${f.ssoDomain}` && ex.data.user.app_metadata.provider.startsWith('sso:'), errInfo(ex.error));
    const unknown = await auth(a, 'signInWithSSO', { domain: 'unknown.test' });
    flowCheck('an unknown domain is sso_provider_not_found', unknown.error?.code === 'sso_provider_not_found' && unknown.error.status === 404, errInfo(unknown.error));
  }

  // Identities: list, link by OAuth and by ID token, unlink.
  const a = client(server).auth;
  {
    const s = await auth(a, 'signInWithPassword', { email: f.email, password: f.password });
    flowCheck('the flows user signs in', !s.error, errInfo(s.error));
    const ids = await auth(a, 'getUserIdentities');
    flowCheck('getUserIdentities lists the email identity', !ids.error && ids.data.identities.length === 1 && ids.data.identities[0].provider === 'email', { error: errInfo(ids.error), data: ids.data });
    const link = await auth(a, 'linkIdentity', { provider: 'github', options: { redirectTo: 'http://localhost:3000/link-callback', queryParams: { login_hint: 'octocat@example.com' } } });
    flowCheck('linkIdentity (OAuth) answers the provider URL', !link.error && link.data.url?.includes('/authorize?'), errInfo(link.error));
    const res = await fetch(link.data.url, { redirect: 'manual' });
    const code = new URL(res.headers.get('location')).searchParams.get('code');
    const ex = await auth(a, 'exchangeCodeForSession', code);
    flowCheck('the link callback code keeps the user and adds the github identity', !ex.error && ex.data.user.email === f.email && ex.data.user.identities.some((i) => i.provider === 'github'), errInfo(ex.error));
    const byToken = await auth(a, 'linkIdentity', { provider: 'google', token: f.linkIdToken });
    flowCheck('linkIdentity with an ID token adds the google identity', !byToken.error && byToken.data.user.email === f.email && byToken.data.user.identities.length === 3, errInfo(byToken.error));
    const after = await auth(a, 'getUserIdentities');
    const github = after.data.identities.find((i) => i.provider === 'github');
    const un = await auth(a, 'unlinkIdentity', github);
    flowCheck('unlinkIdentity removes it', !un.error, errInfo(un.error));
    const left = await auth(a, 'getUserIdentities');
    flowCheck('two identities left, github gone', left.data.identities.length === 2 && !left.data.identities.some((i) => i.provider === 'github'), left.data);
  }

  // Password change: the current password always; a day later the reauthentication nonce too.
  {
    const noCurrent = await auth(a, 'updateUser', { password: 'second-pw' });
    flowCheck('a password change without current_password is refused', noCurrent.error?.code === 'current_password_required', errInfo(noCurrent.error));
    const changed = await auth(a, 'updateUser', { password: 'second-pw', current_password: f.password });
    flowCheck('with current_password it succeeds', !changed.error, errInfo(changed.error));
    await fAdmin('POST', '/__clock', { advance_secs: 25 * 3600 });
    // auth-js judges expiry by its own clock, which did not move: refresh explicitly.
    const refreshed = await auth(a, 'refreshSession');
    flowCheck('the day-old session refreshes', !refreshed.error, errInfo(refreshed.error));
    const needed = await auth(a, 'updateUser', { password: 'third-pw', current_password: 'second-pw' });
    flowCheck('a day-old session needs reauthentication', needed.error?.code === 'reauthentication_needed', errInfo(needed.error));
    const re = await auth(a, 'reauthenticate');
    const nonce = (await lastTo(f.email))?.otp ?? '';
    flowCheck('reauthenticate sends a nonce', !re.error && /^[0-9]{6}$/.test(nonce), errInfo(re.error));
    const wrong = await auth(a, 'updateUser', { password: 'third-pw', current_password: 'second-pw', nonce: nonce === '000000' ? '111111' : '000000' });
    flowCheck('a wrong nonce is reauthentication_not_valid', wrong.error?.code === 'reauthentication_not_valid', errInfo(wrong.error));
    const ok = await auth(a, 'updateUser', { password: 'third-pw', current_password: 'second-pw', nonce });
    flowCheck('updateUser({password, nonce}) succeeds', !ok.error, errInfo(ok.error));
    const again = await auth(client(server).auth, 'signInWithPassword', { email: f.email, password: 'third-pw' });
    flowCheck('the new password signs in', !again.error, errInfo(again.error));
  }
  return calls;
}

// --- auth.admin against a server of its own, with a client made with the secret key (as a
// server would): every admin method the local server supports, each answer checked. Returns
// the auth.admin methods called, in order ("mfa.*" for auth.admin.mfa).
async function runAdmin(a) {
  const calls = [];
  const server = { url: a.url, key: a.key };
  const sb = createClient(a.url, a.secretKey, {
    auth: { autoRefreshToken: false, persistSession: false, detectSessionInUrl: false },
  });
  const call = async (name, ...args) => {
    calls.push(name);
    const [group, method] = name.includes('.') ? name.split('.') : [null, name];
    return group ? sb.auth.admin[group][method](...args) : sb.auth.admin[method](...args);
  };
  const adminCheck = (name, ok, detail) => check(`admin: ${name}`, ok, detail);
  const follow = async (link) => {
    const res = await fetch(link, { redirect: 'manual' });
    return res.headers.get('location') ?? '';
  };

  // createUser: confirmed with metadata, unconfirmed, and a duplicate.
  const made = await call('createUser', {
    email: 'Made@Example.com', password: 'password123', email_confirm: true,
    user_metadata: { name: 'Made' }, app_metadata: { plan: 'pro' },
  });
  const madeUser = made.data.user;
  adminCheck('createUser: a confirmed user with both metadata', !made.error && madeUser.email === 'made@example.com'
    && madeUser.email_confirmed_at && madeUser.user_metadata.name === 'Made' && madeUser.app_metadata.plan === 'pro'
    && madeUser.app_metadata.provider === 'email', errInfo(made.error));
  const signed = await client(server).auth.signInWithPassword({ email: 'made@example.com', password: 'password123' });
  adminCheck('the created user signs in with its password', !signed.error && signed.data.user.id === madeUser.id, errInfo(signed.error));
  for (const n of [1, 2, 3]) {
    const r = await call('createUser', { email: `bulk${n}@example.com` });
    adminCheck(`createUser bulk${n}: unconfirmed without email_confirm`, !r.error && !r.data.user.email_confirmed_at, errInfo(r.error));
  }
  const dup = await call('createUser', { email: 'made@example.com' });
  adminCheck('createUser with a taken email: AuthApiError 422 email_exists', dup.error?.name === 'AuthApiError'
    && dup.error.status === 422 && dup.error.code === 'email_exists' && dup.data.user === null, errInfo(dup.error));

  // listUsers: five users (the seeded one and four above); pages of two.
  const page1 = await call('listUsers', { page: 1, perPage: 2 });
  adminCheck('listUsers page 1 of 3: two users, newest first, nextPage 2, lastPage 3, total 5', !page1.error
    && page1.data.users.length === 2 && page1.data.users[0].email === 'bulk3@example.com'
    && page1.data.nextPage === 2 && page1.data.lastPage === 3 && page1.data.total === 5 && page1.data.aud === 'authenticated',
  { error: errInfo(page1.error), nextPage: page1.data.nextPage, lastPage: page1.data.lastPage, total: page1.data.total });
  const page3 = await call('listUsers', { page: 3, perPage: 2 });
  adminCheck('listUsers page 3: the oldest user, no nextPage', !page3.error && page3.data.users.length === 1
    && page3.data.users[0].email === a.email && page3.data.nextPage === null && page3.data.lastPage === 3 && page3.data.total === 5,
  { error: errInfo(page3.error), nextPage: page3.data.nextPage, lastPage: page3.data.lastPage });
  const all = await call('listUsers');
  adminCheck('listUsers without options: all five on one page', !all.error && all.data.users.length === 5 && all.data.total === 5 && all.data.lastPage === 1, errInfo(all.error));

  // getUserById / updateUserById.
  const got = await call('getUserById', madeUser.id);
  adminCheck('getUserById', !got.error && got.data.user.id === madeUser.id && got.data.user.email === 'made@example.com', errInfo(got.error));
  const missing = await call('getUserById', '5b1e4a0c-7c2e-4d0b-9c41-2f0e8d4f1a11');
  adminCheck('getUserById of no user: 404 user_not_found', missing.error?.status === 404 && missing.error.code === 'user_not_found', errInfo(missing.error));
  const upd = await call('updateUserById', madeUser.id, {
    email: 'renamed@example.com', password: 'password456', user_metadata: { name: 'Renamed' }, ban_duration: 'none',
  });
  adminCheck('updateUserById: email, password, metadata', !upd.error && upd.data.user.email === 'renamed@example.com'
    && upd.data.user.user_metadata.name === 'Renamed', errInfo(upd.error));
  const renamed = await client(server).auth.signInWithPassword({ email: 'renamed@example.com', password: 'password456' });
  adminCheck('the updated email and password sign in', !renamed.error, errInfo(renamed.error));
  const banned = await call('updateUserById', madeUser.id, { ban_duration: '24h' });
  const bannedSignIn = await client(server).auth.signInWithPassword({ email: 'renamed@example.com', password: 'password456' });
  adminCheck('updateUserById ban_duration 24h: banned_until set, sign-in user_banned', !banned.error
    && banned.data.user.banned_until && bannedSignIn.error?.code === 'user_banned', errInfo(bannedSignIn.error));
  await call('updateUserById', madeUser.id, { ban_duration: 'none' });

  // signOut(jwt, scope): the user's own token beside the secret key.
  {
    const u1 = client(server);
    const u2 = client(server);
    const s1 = await u1.auth.signInWithPassword({ email: 'renamed@example.com', password: 'password456' });
    await u2.auth.signInWithPassword({ email: 'renamed@example.com', password: 'password456' });
    const r2 = (await u2.auth.getSession()).data.session.refresh_token;
    const others = await call('signOut', s1.data.session.access_token, 'others');
    const gone = await client(server).auth.refreshSession({ refresh_token: r2 });
    const kept = await u1.auth.refreshSession();
    adminCheck('signOut(jwt, "others"): the other session ends, the own one stays', !others.error
      && gone.error?.code === 'refresh_token_not_found' && !kept.error, { others: errInfo(others.error), gone: errInfo(gone.error), kept: errInfo(kept.error) });
    const global = await call('signOut', kept.data.session.access_token, 'global');
    const after = await u1.auth.refreshSession();
    adminCheck('signOut(jwt, "global"): every session ends', !global.error && after.error?.code === 'refresh_token_not_found', errInfo(after.error));
  }

  // inviteUserByEmail: the invitation lands in the outbox; its link signs the invitee in.
  {
    const inv = await call('inviteUserByEmail', 'invitee@example.com', { data: { team: 'blue' }, redirectTo: 'http://localhost:3000/welcome' });
    const { messages } = await admin('GET', '/__outbox?to=invitee%40example.com', undefined, a.url);
    const mail = messages[messages.length - 1];
    adminCheck('inviteUserByEmail: invited user, invite mail with the redirect', !inv.error && inv.data.user.email === 'invitee@example.com'
      && inv.data.user.invited_at && inv.data.user.user_metadata.team === 'blue' && mail?.kind === 'invite'
      && mail.redirect_to === 'http://localhost:3000/welcome', { error: errInfo(inv.error), mail });
    const location = await follow(mail.link);
    adminCheck('the invitation link signs in at the redirect', location.startsWith('http://localhost:3000/welcome#access_token=') && location.endsWith('&type=invite'), location);
    const again = await call('inviteUserByEmail', 'invitee@example.com');
    adminCheck('inviting an accepted user: 422 email_exists', again.error?.status === 422 && again.error.code === 'email_exists', errInfo(again.error));
  }

  // generateLink: every type; the properties, and the link or code verifies.
  {
    const props = (r) => r.data?.properties ?? {};
    const shaped = (r, type, email) => !r.error && r.data.user?.email === email && props(r).verification_type === type
      && /^\d{6}$/.test(props(r).email_otp) && /^[0-9a-f]{56}$/.test(props(r).hashed_token)
      && props(r).action_link.startsWith(`${a.url}/auth/v1/verify?token=`);
    const signup = await call('generateLink', { type: 'signup', email: 'linked@example.com', password: 'password123', options: { data: { from: 'link' }, redirectTo: 'http://localhost:3000/done' } });
    adminCheck('generateLink signup: user and properties, redirect_to from options', shaped(signup, 'signup', 'linked@example.com')
      && props(signup).redirect_to === 'http://localhost:3000/done' && signup.data.user.user_metadata.from === 'link'
      && props(signup).action_link.includes(`token=${props(signup).hashed_token}&type=signup&`), { error: errInfo(signup.error), props: props(signup) });
    const confirmed = await follow(props(signup).action_link);
    adminCheck('the signup link confirms and signs in', confirmed.startsWith('http://localhost:3000/done#access_token='), confirmed);

    const magic = await call('generateLink', { type: 'magiclink', email: 'linked@example.com' });
    const mv = await client(server).auth.verifyOtp({ email: 'linked@example.com', token: props(magic).email_otp, type: 'magiclink' });
    adminCheck('generateLink magiclink: its email_otp verifies', shaped(magic, 'magiclink', 'linked@example.com') && !mv.error && mv.data.session, errInfo(mv.error ?? magic.error));

    const recovery = await call('generateLink', { type: 'recovery', email: 'linked@example.com' });
    const rv = await client(server).auth.verifyOtp({ token_hash: props(recovery).hashed_token, type: 'recovery' });
    adminCheck('generateLink recovery: its hashed_token verifies', shaped(recovery, 'recovery', 'linked@example.com') && !rv.error && rv.data.session, errInfo(rv.error ?? recovery.error));

    const invite = await call('generateLink', { type: 'invite', email: 'guest@example.com', options: { data: { team: 'red' } } });
    const iv = await client(server).auth.verifyOtp({ token_hash: props(invite).hashed_token, type: 'invite' });
    adminCheck('generateLink invite: a new invited user, its hashed_token verifies', shaped(invite, 'invite', 'guest@example.com')
      && invite.data.user.invited_at && invite.data.user.user_metadata.team === 'red' && !iv.error, errInfo(iv.error ?? invite.error));

    const current = await call('generateLink', { type: 'email_change_current', email: 'linked@example.com', newEmail: 'changed@example.com' });
    const cv = await client(server).auth.verifyOtp({ email: 'linked@example.com', token: props(current).email_otp, type: 'email_change' });
    adminCheck('generateLink email_change_current: new_email set, the code completes the change', shaped(current, 'email_change_current', 'linked@example.com')
      && current.data.user.new_email === 'changed@example.com' && !cv.error && cv.data.user.email === 'changed@example.com', errInfo(cv.error ?? current.error));

    const next = await call('generateLink', { type: 'email_change_new', email: 'changed@example.com', newEmail: 'final@example.com' });
    const nv = await client(server).auth.verifyOtp({ email: 'final@example.com', token: props(next).email_otp, type: 'email_change' });
    adminCheck('generateLink email_change_new: the code sent to the new address completes the change', shaped(next, 'email_change_new', 'changed@example.com')
      && !nv.error && nv.data.user.email === 'final@example.com', errInfo(nv.error ?? next.error));

    const unknown = await call('generateLink', { type: 'recovery', email: 'ghost@example.com' });
    adminCheck('generateLink recovery for no user: 404 user_not_found', unknown.error?.status === 404 && unknown.error.code === 'user_not_found' && unknown.data.properties === null, errInfo(unknown.error));
    const { messages } = await admin('GET', '/__outbox?to=linked%40example.com', undefined, a.url);
    adminCheck('generateLink sends no mail', messages.length === 0, messages);
  }

  // mfa.listFactors / mfa.deleteFactor, on a factor the user enrolled.
  {
    const u = client(server);
    const s = await u.auth.signInWithPassword({ email: 'renamed@example.com', password: 'password456' });
    const en = await u.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'phone app' });
    adminCheck('the user enrolls a factor', !s.error && !en.error, errInfo(s.error ?? en.error));
    const list = await call('mfa.listFactors', { userId: madeUser.id });
    adminCheck('mfa.listFactors: the factor', !list.error && list.data.factors.length === 1 && list.data.factors[0].id === en.data.id
      && list.data.factors[0].factor_type === 'totp' && list.data.factors[0].status === 'unverified', errInfo(list.error));
    const del = await call('mfa.deleteFactor', { userId: madeUser.id, id: en.data.id });
    // auth-js 2.119 wraps the answer once more than its types say: data.data is the factor.
    adminCheck('mfa.deleteFactor answers the deleted factor', !del.error && del.data.data.id === en.data.id
      && del.data.data.factor_type === 'totp', errInfo(del.error));
    const empty = await call('mfa.listFactors', { userId: madeUser.id });
    adminCheck('mfa.listFactors afterwards: none', !empty.error && empty.data.factors.length === 0, errInfo(empty.error));
  }

  // passkey.listPasskeys / passkey.deletePasskey, on the passkey the test stored for the seeded
  // user (registering one takes a browser's WebAuthn ceremony).
  {
    const list = await call('passkey.listPasskeys', { userId: a.userId });
    adminCheck('passkey.listPasskeys: the stored passkey', !list.error && Array.isArray(list.data) && list.data.length === 1
      && list.data[0].id === a.passkeyId && list.data[0].friendly_name === 'Passkey 1' && typeof list.data[0].created_at === 'string',
    { error: errInfo(list.error), data: list.data });
    const del = await call('passkey.deletePasskey', { userId: a.userId, passkeyId: a.passkeyId });
    adminCheck('passkey.deletePasskey', !del.error && del.data === null, errInfo(del.error));
    const again = await call('passkey.deletePasskey', { userId: a.userId, passkeyId: a.passkeyId });
    adminCheck('passkey.deletePasskey again: 404 validation_failed', again.error?.status === 404 && again.error.code === 'validation_failed', errInfo(again.error));
    const empty = await call('passkey.listPasskeys', { userId: a.userId });
    adminCheck('passkey.listPasskeys afterwards: none', !empty.error && empty.data.length === 0, errInfo(empty.error));
  }

  // customProviders.*: a custom OAuth 2.0 provider created, read, disabled and enabled (users
  // sign in through it only when enabled), deleted.
  {
    const created = await call('customProviders.createProvider', {
      provider_type: 'oauth2', identifier: 'custom:acme', name: 'Acme', client_id: 'acme-client', client_secret: 'acme-secret',
      scopes: ['email'], authorization_url: 'https://acme.example/authorize', token_url: 'https://acme.example/token',
      userinfo_url: 'https://acme.example/userinfo', enabled: false,
    });
    const p = created.data ?? {};
    adminCheck('customProviders.createProvider: the provider, PKCE on by default, no secret shown', !created.error
      && p.identifier === 'custom:acme' && p.provider_type === 'oauth2' && p.pkce_enabled === true && p.enabled === false
      && !('client_secret' in p), { error: errInfo(created.error), p });
    const dup = await call('customProviders.createProvider', {
      provider_type: 'oauth2', identifier: 'custom:acme', name: 'Acme', client_id: 'c', client_secret: 's',
      authorization_url: 'https://acme.example/a', token_url: 'https://acme.example/t', userinfo_url: 'https://acme.example/u',
    });
    adminCheck('customProviders.createProvider twice: 400 conflict', dup.error?.status === 400 && dup.error.code === 'conflict', errInfo(dup.error));
    const all = await call('customProviders.listProviders');
    adminCheck('customProviders.listProviders: the provider', !all.error && all.data.providers.length === 1 && all.data.providers[0].id === p.id, errInfo(all.error));
    const oidc = await call('customProviders.listProviders', { type: 'oidc' });
    adminCheck('customProviders.listProviders of type oidc: none', !oidc.error && oidc.data.providers.length === 0, errInfo(oidc.error));
    const got = await call('customProviders.getProvider', 'custom:acme');
    adminCheck('customProviders.getProvider', !got.error && got.data.id === p.id && got.data.client_id === 'acme-client', errInfo(got.error));
    const authorize = async () => {
      const { data } = await client(server).auth.signInWithOAuth({ provider: 'custom:acme', options: { redirectTo: 'http://localhost:3000/auth/callback', skipBrowserRedirect: true } });
      const res = await fetch(data.url, { redirect: 'manual' });
      return { status: res.status, location: res.headers.get('location') ?? '' };
    };
    const disabled = await authorize();
    adminCheck('a disabled custom provider signs nobody in: 400', disabled.status === 400, disabled);
    const upd = await call('customProviders.updateProvider', 'custom:acme', { name: 'Acme Inc', enabled: true });
    adminCheck('customProviders.updateProvider: renamed and enabled, the rest kept', !upd.error && upd.data.name === 'Acme Inc'
      && upd.data.enabled === true && upd.data.client_id === 'acme-client', errInfo(upd.error));
    const enabled = await authorize();
    adminCheck('an enabled custom provider signs the user in (back at the redirect with a code)', enabled.status === 302
      && enabled.location.startsWith('http://localhost:3000/auth/callback?code='), enabled);
    const del = await call('customProviders.deleteProvider', 'custom:acme');
    adminCheck('customProviders.deleteProvider', !del.error && del.data === null, errInfo(del.error));
    const gone = await call('customProviders.getProvider', 'custom:acme');
    adminCheck('customProviders.getProvider afterwards: 404 custom_provider_not_found', gone.error?.status === 404
      && gone.error.code === 'custom_provider_not_found', errInfo(gone.error));
  }

  // deleteUser: soft keeps an obfuscated record, hard removes it.
  {
    const soft = await call('deleteUser', madeUser.id, true);
    const kept = await call('getUserById', madeUser.id);
    adminCheck('deleteUser soft: the user stays with deleted_at and an obfuscated email', !soft.error && !kept.error
      && soft.data.user.id === madeUser.id
      && kept.data.user.deleted_at && kept.data.user.email !== 'renamed@example.com', errInfo(soft.error ?? kept.error));
    const hard = await call('deleteUser', madeUser.id);
    const gone = await call('getUserById', madeUser.id);
    adminCheck('deleteUser hard: the user is gone', !hard.error && gone.error?.code === 'user_not_found', errInfo(hard.error));
  }

  // The publishable key and a user's token are not admins.
  {
    const anon = createClient(a.url, a.key, { auth: { autoRefreshToken: false, persistSession: false } });
    const r = await anon.auth.admin.listUsers();
    adminCheck('listUsers with the publishable key: 403 not_admin', r.error?.status === 403 && r.error.code === 'not_admin', errInfo(r.error));
  }
  return calls;
}

// --- The project as an OAuth 2.1 server, against its own server: the client registry
// (auth.admin.oauth) and a third-party app's whole loop through the consent page's calls
// (auth.oauth), with the app's own requests (authorize, token) made with fetch.
async function runOAuthServer(o) {
  const calls = [];
  const callback = 'http://localhost:9999/callback';
  const sb = createClient(o.url, o.secretKey, {
    auth: { autoRefreshToken: false, persistSession: false, detectSessionInUrl: false },
  });
  const user = client({ url: o.url, key: o.key });
  const adminCall = async (method, ...args) => {
    calls.push(`admin.oauth.${method}`);
    return sb.auth.admin.oauth[method](...args);
  };
  const userCall = async (method, ...args) => {
    calls.push(`oauth.${method}`);
    return user.auth.oauth[method](...args);
  };
  const oauthCheck = (name, ok, detail) => check(`oauth server: ${name}`, ok, detail);
  const param = (link, name) => new URL(link).searchParams.get(name);
  const verifier = 'fidelity-verifier-fidelity-verifier-fidelity-verifier';
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = async (clientId, scope) => {
    const query = new URLSearchParams({
      client_id: clientId, redirect_uri: callback, response_type: 'code', scope, state: 'app-state',
      code_challenge: challenge, code_challenge_method: 'S256',
    });
    const res = await fetch(`${o.url}/auth/v1/oauth/authorize?${query}`, { redirect: 'manual' });
    const location = res.headers.get('location') ?? '';
    return location.includes(o.consentPath) ? param(location, 'authorization_id') : null;
  };

  // The registry.
  const made = await adminCall('createClient', { client_name: 'Notes', client_uri: 'https://notes.example.com', redirect_uris: [callback] });
  const notes = made.data;
  oauthCheck('createClient: a confidential client with its secret', !made.error && notes.client_type === 'confidential'
    && notes.client_secret && notes.registration_type === 'manual' && notes.redirect_uris[0] === callback, errInfo(made.error));
  const cli = await adminCall('createClient', { client_name: 'CLI', redirect_uris: ['http://localhost:8080/cb'], token_endpoint_auth_method: 'none' });
  oauthCheck('createClient: a public client has no secret', !cli.error && cli.data.client_type === 'public' && !cli.data.client_secret, errInfo(cli.error));
  const listed = await adminCall('listClients');
  oauthCheck('listClients: both, newest first', !listed.error && listed.data.clients.length === 2
    && listed.data.clients[0].client_id === cli.data.client_id, errInfo(listed.error));
  const got = await adminCall('getClient', notes.client_id);
  oauthCheck('getClient: no secret', !got.error && got.data.client_name === 'Notes' && !got.data.client_secret, errInfo(got.error));
  const renamed = await adminCall('updateClient', notes.client_id, { client_name: 'Notes 2' });
  oauthCheck('updateClient', !renamed.error && renamed.data.client_name === 'Notes 2', errInfo(renamed.error));
  const rotated = await adminCall('regenerateClientSecret', notes.client_id);
  oauthCheck('regenerateClientSecret: a new secret', !rotated.error && rotated.data.client_secret
    && rotated.data.client_secret !== notes.client_secret, errInfo(rotated.error));
  const secret = rotated.data.client_secret;

  // The app's loop.
  const signed = await user.auth.signInWithPassword({ email: o.email, password: o.password });
  oauthCheck('the user signs in', !signed.error, errInfo(signed.error));
  const first = await authorize(notes.client_id, 'openid email');
  oauthCheck('authorize redirects to the consent page', first !== null, first);
  const details = await userCall('getAuthorizationDetails', first);
  oauthCheck('getAuthorizationDetails: the client, the user, the scopes', !details.error && details.data.authorization_id === first
    && details.data.client.name === 'Notes 2' && details.data.user.email === o.email && details.data.scope === 'openid email'
    && details.data.redirect_uri === callback, errInfo(details.error));
  const approved = await userCall('approveAuthorization', first, { skipBrowserRedirect: true });
  const code = approved.data?.redirect_url ? param(approved.data.redirect_url, 'code') : null;
  oauthCheck('approveAuthorization: the callback with a code and the state', !approved.error && code
    && approved.data.redirect_url.startsWith(callback) && param(approved.data.redirect_url, 'state') === 'app-state', errInfo(approved.error));
  const exchanged = await fetch(`${o.url}/auth/v1/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${notes.client_id}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: code ?? '', redirect_uri: callback, code_verifier: verifier }),
  });
  const tokens = await exchanged.json();
  oauthCheck('the app exchanges the code', exchanged.status === 200 && tokens.access_token && tokens.refresh_token && !tokens.user, exchanged.status);
  const grants = await userCall('listGrants');
  oauthCheck('listGrants: the app, its scopes', !grants.error && grants.data.length === 1 && grants.data[0].client.id === notes.client_id
    && grants.data[0].scopes.join(' ') === 'openid email', errInfo(grants.error));
  const again = await authorize(notes.client_id, 'email');
  const auto = await userCall('getAuthorizationDetails', again);
  oauthCheck('getAuthorizationDetails within the granted scopes: approved at once, only redirect_url', !auto.error
    && auto.data.redirect_url && param(auto.data.redirect_url, 'code') && auto.data.authorization_id === undefined, errInfo(auto.error));
  const more = await authorize(notes.client_id, 'openid profile');
  const pending = await userCall('getAuthorizationDetails', more);
  oauthCheck('getAuthorizationDetails for more scopes: consent needed', !pending.error && pending.data.authorization_id === more, errInfo(pending.error));
  const denied = await userCall('denyAuthorization', more, { skipBrowserRedirect: true });
  oauthCheck('denyAuthorization: the callback with access_denied', !denied.error && param(denied.data.redirect_url, 'error') === 'access_denied'
    && !param(denied.data.redirect_url, 'code'), errInfo(denied.error));
  const revoked = await userCall('revokeGrant', { clientId: notes.client_id });
  const appUser = await fetch(`${o.url}/auth/v1/user`, { headers: { apikey: o.key, authorization: `Bearer ${tokens.access_token}` } });
  oauthCheck('revokeGrant: the app\'s session ends', !revoked.error && appUser.status === 403, { error: errInfo(revoked.error), status: appUser.status });
  const none = await userCall('listGrants');
  oauthCheck('listGrants afterwards: none', !none.error && none.data.length === 0, errInfo(none.error));

  const deleted = await adminCall('deleteClient', cli.data.client_id);
  const gone = await adminCall('getClient', cli.data.client_id);
  oauthCheck('deleteClient: gone, 404 oauth_client_not_found', !deleted.error && gone.error?.status === 404
    && gone.error.code === 'oauth_client_not_found', errInfo(gone.error));
  return calls;
}
