// How a browser resolves redirect targets: reads `{"base": url, "inputs": [string, ...]}` on
// stdin and prints, for each input, `[origin, what follows the origin]` of `new URL(input,
// base)` (the WHATWG URL parser, as browsers implement it; an empty `?` or `#` is kept), or
// null when it does not parse. A URL with userinfo gives `[origin, null]`.
// supabase-ssr-core's tests/redirects.rs checks what `same_origin_path` returns against it.
import { readFileSync } from 'node:fs'

const { base, inputs } = JSON.parse(readFileSync(0, 'utf8'))
const resolve = (input) => {
  try {
    const url = new URL(input, base)
    const userinfo = url.username !== '' || url.password !== ''
    return [url.origin, userinfo ? null : url.href.slice(url.origin.length)]
  } catch {
    return null
  }
}
process.stdout.write(JSON.stringify(inputs.map(resolve)))
