// Request comparison with storage-js and functions-js, driven by supabase-ssr-core's
// tests/storage_functions_js.rs: each case makes one call of supabase-js 2.119.1 whose fetch is
// replaced by a recorder. The recorder builds the `Request` fetch would send (so the URL is
// normalized and the body serialized exactly as on the wire: FormData as multipart, streams read
// out), keeps it, and answers with the case's canned answer so the call completes.
//
//   node --experimental-websocket storage-functions-requests.mjs < {url, key, cases: [case]}
//     case: {name, key, global_headers, cookie_header, on, bucket, method, args, chain, answer, result}
//       key:    the API key of this case's client (default: the input's `key`)
//       global_headers: the client's `global.headers`
//       cookie_header: signed in — @supabase/ssr's createServerClient over these cookies
//       on:     "bucket" (supabase.storage.from(bucket)), "storage" or "functions"
//       args:   JSON, with these objects turned into JavaScript values first:
//               {"$bytes": b64} Uint8Array, {"$arraybuffer": b64} ArrayBuffer,
//               {"$blob": b64, "type": t} Blob, {"$stream": [b64…]} ReadableStream of chunks,
//               {"$readable": [b64…]} a Node.js Readable (a piped body, as a file stream),
//               {"$form": [[name, value]…]} FormData (a value may be a $blob, with "filename")
//       chain:  method names called on the result before awaiting it (e.g. ["asStream"])
//       answer: {status, headers, body} — what the recorder answers (body: base64)
//       result: a dotted path into the call's `data` whose value is printed (e.g. "signedUrl"),
//               or a name starting with `$` for the whole `data`
//     -> [{name, requests: [{method, url, headers, body}], ok, error, result}]
//        url: path and query as sent; headers: lower-case names; body: base64 or null
import { Readable } from 'node:stream'
import { createServerClient, parseCookieHeader } from '@supabase/ssr'
import { createClient } from '@supabase/supabase-js'

const input = JSON.parse(await new Promise((resolve, reject) => {
  let text = ''
  process.stdin.setEncoding('utf8')
  process.stdin.on('data', (chunk) => (text += chunk))
  process.stdin.on('end', () => resolve(text))
  process.stdin.on('error', reject)
}))

const bytes = (b64) => new Uint8Array(Buffer.from(b64, 'base64'))

function revive(value) {
  if (Array.isArray(value)) return value.map(revive)
  if (value === null || typeof value !== 'object') return value
  if ('$bytes' in value) return bytes(value.$bytes)
  if ('$arraybuffer' in value) {
    const view = bytes(value.$arraybuffer)
    return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength)
  }
  if ('$blob' in value) return new Blob([bytes(value.$blob)], value.type ? { type: value.type } : {})
  if ('$stream' in value) {
    const chunks = value.$stream.map(bytes)
    return new ReadableStream({
      pull(controller) {
        const next = chunks.shift()
        if (next) controller.enqueue(next)
        else controller.close()
      },
    })
  }
  if ('$readable' in value) return Readable.from(value.$readable.map((c) => Buffer.from(c, 'base64')))
  if ('$form' in value) {
    const form = new FormData()
    for (const [name, field] of value.$form) {
      if (field !== null && typeof field === 'object' && '$blob' in field) {
        form.append(name, revive(field), field.filename)
      } else form.append(name, field)
    }
    return form
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]))
}

let recorded = []
let answer = null

// What `fetch` would send: `new Request` normalizes the URL as fetch does and serializes the
// body (a Node.js Readable is read out the way undici reads it: as an async iterable).
async function recorder(input, init = {}) {
  let request
  if (init.body && typeof init.body === 'object' && typeof init.body.pipe === 'function') {
    const chunks = []
    for await (const chunk of init.body) chunks.push(Buffer.from(chunk))
    request = new Request(input, { ...init, body: Buffer.concat(chunks), duplex: undefined })
  } else {
    request = new Request(input, init)
  }
  const url = new URL(request.url)
  const body = request.body === null ? null : Buffer.from(await request.arrayBuffer())
  const headers = {}
  request.headers.forEach((value, name) => { headers[name] = value })
  recorded.push({
    method: request.method,
    url: url.pathname + url.search,
    headers,
    body: body === null ? null : body.toString('base64'),
  })
  const { status = 200, headers: answerHeaders = {}, body: answerBody = 'e30=' } = answer ?? {}
  return new Response(status === 204 ? null : bytes(answerBody), { status, headers: answerHeaders })
}

const client = (key, headers) => createClient(input.url, key, {
  global: { fetch: recorder, ...(headers ? { headers } : {}) },
  auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
})
const defaultClient = client(input.key)
// A signed-in case: @supabase/ssr's server client over the request's cookies, as in an app.
const serverClient = (cookieHeader) => createServerClient(input.url, input.key, {
  global: { fetch: recorder },
  cookies: { getAll: () => parseCookieHeader(cookieHeader), setAll: () => {} },
})

function target(testCase) {
  const supabase = testCase.cookie_header
    ? serverClient(testCase.cookie_header)
    : testCase.key || testCase.global_headers
      ? client(testCase.key ?? input.key, testCase.global_headers)
      : defaultClient
  if (testCase.on === 'bucket') return supabase.storage.from(testCase.bucket)
  if (testCase.on === 'storage') return supabase.storage
  if (testCase.on === 'functions') return supabase.functions
  throw new Error(`unknown target ${testCase.on}`)
}

async function run(testCase) {
  recorded = []
  answer = testCase.answer
  const on = target(testCase)
  if (typeof on[testCase.method] !== 'function') throw new Error(`no method ${testCase.method}`)
  let pending = on[testCase.method](...revive(testCase.args ?? []))
  for (const name of testCase.chain ?? []) pending = pending[name]()
  const outcome = await pending
  // A stream download: read it out, as a caller would.
  if (outcome?.data instanceof ReadableStream) await new Response(outcome.data).arrayBuffer()
  const error = outcome?.error ?? null
  let result = null
  if (testCase.result) {
    result = testCase.result.startsWith('$')
      ? outcome?.data
      : testCase.result.split('.').reduce((value, key) => value?.[key], outcome?.data)
    if (result === undefined) result = null
  }
  return {
    name: testCase.name,
    requests: recorded,
    ok: !error,
    error: error ? String(error.message ?? error) : null,
    result,
  }
}

const results = []
for (const testCase of input.cases) {
  try {
    results.push(await run(testCase))
  } catch (thrown) {
    results.push({
      name: testCase.name,
      requests: recorded,
      ok: false,
      error: `threw: ${thrown?.message ?? thrown}`,
      result: null,
    })
  }
}
process.stdout.write(JSON.stringify(results))
