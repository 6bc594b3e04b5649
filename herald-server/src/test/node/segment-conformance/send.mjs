// Sends Segment calls with the official @segment/analytics-node client, for SegmentNodeClientConformanceTest.
//
//   node send.mjs <host> <writeKey> <calls.json>
//
// calls.json is an array of {type: "identify"|"track", userId?, anonymousId?, messageId, traits?, event?,
// properties?}. Exits 0 only when every call was delivered (Herald answered 2xx); any error event, failed
// delivery or unknown call type exits non-zero with the reason on stderr.
import { readFileSync } from 'node:fs'
import { Analytics } from '@segment/analytics-node'

const [host, writeKey, callsFile] = process.argv.slice(2)
if (!host || !writeKey || !callsFile) {
  console.error('usage: node send.mjs <host> <writeKey> <calls.json>')
  process.exit(2)
}
const calls = JSON.parse(readFileSync(callsFile, 'utf8'))

const analytics = new Analytics({
  writeKey,
  host, // the client posts to host + path; path defaults to /v1/batch
  flushAt: 3, // small batches, so the run exercises several requests rather than one
  flushInterval: 60000, // only our closeAndFlush flushes the tail, not a timer
  maxRetries: 2,
  httpRequestTimeout: 10000,
})

const failures = []
analytics.on('error', (err) => failures.push(`error event ${err.code}: ${err.reason?.message ?? err.reason}`))
analytics.on('http_response', (r) => {
  if (r.status < 200 || r.status >= 300) failures.push(`HTTP ${r.status} ${r.statusText} from ${r.url}`)
})

let delivered = 0
const done = (call) => (err) => {
  if (err) failures.push(`${call.type} ${call.messageId} failed: ${err?.message ?? err}`)
  else delivered++
}

for (const call of calls) {
  const ids = {
    ...(call.userId ? { userId: call.userId } : {}),
    ...(call.anonymousId ? { anonymousId: call.anonymousId } : {}),
    messageId: call.messageId,
  }
  if (call.type === 'identify') {
    analytics.identify({ ...ids, traits: call.traits ?? {} }, done(call))
  } else if (call.type === 'track') {
    analytics.track({ ...ids, event: call.event, properties: call.properties ?? {} }, done(call))
  } else {
    console.error(`unknown call type ${call.type}`)
    process.exit(2)
  }
}

await analytics.closeAndFlush({ timeout: 20000 })

if (failures.length > 0 || delivered !== calls.length) {
  console.error(`delivered ${delivered} of ${calls.length} calls`)
  for (const f of failures) console.error(f)
  process.exit(1)
}
console.log(`delivered ${delivered} calls`)
