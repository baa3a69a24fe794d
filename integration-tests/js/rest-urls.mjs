// Builds every query of rest-cases.json with @supabase/supabase-js (postgrest-js inside) and
// prints what each would send: method, URL, the headers that shape the query, and the body.
// The fetch is replaced by a recorder that answers `[]`, so nothing leaves the process.
// supabase-ssr-core's tests/rest_js_urls.rs builds the same cases and compares byte for byte.
import { readFileSync } from 'node:fs'
import { createClient } from '@supabase/supabase-js'

const URL_BASE = process.argv[2] ?? 'https://abcdefghijklmnop.supabase.co'
const KEY = 'sb_publishable_test'
const cases = JSON.parse(readFileSync(new URL('./rest-cases.json', import.meta.url), 'utf8'))

let recorded = null
const recorder = async (input, init = {}) => {
  const headers = new Headers(init.headers)
  const pick = (name) => headers.get(name)
  recorded = {
    method: init.method ?? 'GET',
    url: input.toString(),
    prefer: pick('prefer'),
    accept: pick('accept'),
    accept_profile: pick('accept-profile'),
    content_profile: pick('content-profile'),
    content_type: pick('content-type'),
    custom: pick('x-custom'),
    body: init.body ?? null,
  }
  return new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } })
}

// A case's `db` holds supabase-js's `db` options (the default schema).
const client = (db) =>
  createClient(URL_BASE, KEY, {
    global: { fetch: recorder },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...(db ? { db } : {}),
  })

function build(ops, db) {
  const supabase = client(db)
  let target = supabase
  let query = null
  for (const [name, ...args] of ops) {
    if (name === 'schema') target = supabase.schema(args[0])
    else if (name === 'getOpenApiSpec') query = target.getOpenApiSpec()
    else if (name === 'from') query = target.from(args[0])
    else if (name === 'rpc') query = target.rpc(...args)
    else if (typeof query?.[name] === 'function') query = query[name](...args)
    else throw new Error(`unknown operation ${name}`)
  }
  return query
}

const out = []
for (const { id, ops, db } of cases) {
  recorded = null
  await build(ops, db)
  if (!recorded) throw new Error(`case ${id} sent no request`)
  out.push({ id, ...recorded })
}
process.stdout.write(JSON.stringify(out, null, 1))
