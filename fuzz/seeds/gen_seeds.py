#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ (deterministic; rerun to refresh)."""
import base64, hashlib, hmac, json, os, urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "corpus")
KEY = "sb-abcdefghijklmnop-auth-token"
ISS = "https://abcdefghijklmnop.supabase.co/auth/v1"
SECRET = b"fuzz-secret"  # matches fuzz_targets/jwt_header.rs
EXP = 4102444800  # 2100-01-01: valid for the fixed clock of jwt_header


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(header: dict, payload: dict, key: bytes = SECRET) -> str:
    msg = b64u(json.dumps(header, separators=(",", ":")).encode()) + "." + b64u(
        json.dumps(payload, separators=(",", ":")).encode())
    if header.get("alg") == "HS256":
        sig = hmac.new(key, msg.encode(), hashlib.sha256).digest()
    else:
        sig = b"\x01" * 64  # not a valid signature; the key lookup fails first anyway
    return msg + "." + b64u(sig)


CLAIMS = {
    "aud": "authenticated", "exp": EXP, "iat": 1700000000, "iss": ISS,
    "sub": "8d0f1d8e-2c1a-4f0e-9d5b-6f1f0e8d9c7a", "email": "user@example.com",
    "phone": "", "app_metadata": {"provider": "email", "providers": ["email"]},
    "user_metadata": {"name": "Zoë"}, "role": "authenticated", "aal": "aal1",
    "amr": [{"method": "password", "timestamp": 1700000000}],
    "session_id": "4e0a5c7b-1d2f-4a3b-8c9d-0e1f2a3b4c5d", "is_anonymous": False,
}

TOKENS = {
    "hs256_valid": jwt({"alg": "HS256", "typ": "JWT"}, CLAIMS),
    "hs256_kid": jwt({"alg": "HS256", "typ": "JWT", "kid": "legacy"}, CLAIMS),
    "hs256_wrong_secret": jwt({"alg": "HS256", "typ": "JWT"}, CLAIMS, b"other"),
    "es256_kid": jwt({"alg": "ES256", "typ": "JWT", "kid": "e2a6b1f0-key"}, CLAIMS),
    "rs256_kid": jwt({"alg": "RS256", "typ": "JWT", "kid": "rsa-1"}, CLAIMS),
    "es256_nokid": jwt({"alg": "ES256", "typ": "JWT"}, CLAIMS),
    "alg_none": jwt({"alg": "none"}, CLAIMS).rsplit(".", 1)[0] + ".",
    "expired": jwt({"alg": "HS256", "typ": "JWT"}, dict(CLAIMS, exp=1600000000)),
    "nbf_future": jwt({"alg": "HS256"}, dict(CLAIMS, nbf=EXP - 1)),
    "aud_array": jwt({"alg": "HS256"}, dict(CLAIMS, aud=["x", "authenticated"])),
    "exp_float": jwt({"alg": "HS256"}, dict(CLAIMS, exp=4102444800.5)),
    "wrong_iss": jwt({"alg": "HS256"}, dict(CLAIMS, iss="https://evil.example/auth/v1")),
    "two_segments": "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9",
}


def session(token: str, **extra) -> dict:
    s = {
        "access_token": token, "token_type": "bearer", "expires_in": 3600,
        "expires_at": EXP, "refresh_token": "v1a2b3c4d5e6",
        "user": {
            "id": CLAIMS["sub"], "aud": "authenticated", "role": "authenticated",
            "email": "user@example.com", "phone": "", "app_metadata": CLAIMS["app_metadata"],
            "user_metadata": {"name": "Zoë", "avatar": "https://example.com/a.png"},
            "identities": [], "created_at": "2023-11-14T22:13:20Z", "is_anonymous": False,
        },
    }
    s.update(extra)
    return s


SESSIONS = {
    "full": json.dumps(session(TOKENS["hs256_valid"]), separators=(",", ":")),
    "pretty": json.dumps(session(TOKENS["es256_kid"]), indent=2, ensure_ascii=False),
    "minimal": '{"access_token":"a","refresh_token":"r","expires_at":null}',
    "no_user": '{"access_token":"a","refresh_token":"r","expires_at":1700000000,"user":null}',
    "float_exp": '{"access_token":"a","refresh_token":"r","expires_at":1.5}',
    "dup_keys": '{"access_token":"a","access_token":"b","refresh_token":"r","expires_at":1}',
    "escapes": '{"access_token":"\\u0061\\ud83d\\ude00","refresh_token":"r\\n","expires_at":-1,'
               '"user":{"id":"x","email":null,"is_anonymous":true}}',
    "array": '[1,2,3]',
}


def chunks(value: str, size: int = 3180):
    enc = urllib.parse.quote(value, safe="-_.!~*'()")
    if len(enc) <= size:
        return [(KEY, value)]
    out, cur, used = [], "", 0
    for ch in value:
        n = len(urllib.parse.quote(ch, safe="-_.!~*'()"))
        if used + n > size and cur:
            out.append(cur); cur, used = "", 0
        cur += ch; used += n
    out.append(cur)
    return [(f"{KEY}.{i}", v) for i, v in enumerate(out)]


def header(pairs):
    return "; ".join(f"{n}={v}" for n, v in pairs)


big = session(TOKENS["hs256_valid"], provider_token="p" * 2500)
b64_full = "base64-" + b64u(json.dumps(big).encode())
HEADERS = {
    "chunked_base64": header(chunks(b64_full)),
    "chunked_base64_small": header(chunks("base64-" + b64u(SESSIONS["full"].encode()), 400)),
    "single_base64": header([(KEY, "base64-" + b64u(SESSIONS["minimal"].encode()))]),
    "raw_percent": header([(KEY, urllib.parse.quote(SESSIONS["minimal"], safe=""))]),
    "chunked_raw": header(chunks(urllib.parse.quote(SESSIONS["full"], safe=""), 500)),
    "mixed": "theme=dark; " + header(chunks(b64_full)) + "; " + KEY
             + "-code-verifier=base64-" + b64u(b'"abc123"') + "; " + KEY + ".7=stale; other=1",
    "gap_and_dup": f"{KEY}.0=base64-eyJhY2Nlc3NfdG9rZW4iOiJh; {KEY}.2=IiwicmVmcmVzaF90b2tlbiI6InIifQ; "
                   f"{KEY}.0=dup; {KEY}.01=leading-zero",
    "quoted_and_spaces": f' {KEY}="base64-{b64u(SESSIONS["minimal"].encode())}" ;  a = b ;;; =x; y',
    "two_headers": "a=1; " + KEY + ".0=base64-eyJh\n" + KEY + ".1=Y2Nlc3NfdG9rZW4iOiJhIn0",
    "bad_base64": f"{KEY}=base64-%%%%***; {KEY}.0=base64-8J-YgA",
}


def write(target: str, name: str, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


for name, h in HEADERS.items():
    write("cookie_header", name, h)
for name, s in SESSIONS.items():
    write("session_json", name, s)
for name, t in TOKENS.items():
    write("jwt_header", name, t)
# chunks_decode takes `arbitrary`-structured bytes; real header text still makes useful seeds
# (the strings it decodes into keep runs of the input), alongside a few raw byte patterns.
for name in ("chunked_base64_small", "single_base64", "bad_base64", "gap_and_dup"):
    write("chunks_decode", name, HEADERS[name])
write("chunks_decode", "b64_session", b64u(SESSIONS["full"].encode()))
write("chunks_decode", "multibyte", "Zoë 😀 ✓ " * 8)
