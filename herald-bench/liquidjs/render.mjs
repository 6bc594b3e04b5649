// Renders RenderBenchmark's push message (title + body) with LiquidJS over the same 1,000 people, on one thread,
// and prints renders per second (one render = the whole message, as in the JMH benchmark).
//   cd herald-bench/liquidjs && npm install && node render.mjs [seconds per round, default 3] [nodate]
// "nodate" drops the date filter from the body: LiquidJS's date formatting dominates its cost, and this shows the
// rest.
// The templates are copied from io.herald.bench.jmh.RenderBenchmark (TITLE, BODY); keep them in step.
import { Liquid } from 'liquidjs';

const TITLE = 'Hi {{ person.first_name | default: "there" }}, you hit your {{ event.resource }} limit';
const BODY_WITH_DATE = 'You used {{ event.used | number_with_delimiter }} of {{ event.limit }} {{ event.resource }}.'
  + ' Upgrade before {{ event.resets_at | date: "%b %-d" }} to keep going.';
const BODY = process.argv[3] === 'nodate' ? BODY_WITH_DATE.replace(' | date: "%b %-d"', '') : BODY_WITH_DATE;

const engine = new Liquid({ cache: true });
// Herald's filter, written the same way (LiquidJS has no number_with_delimiter).
engine.registerFilter('number_with_delimiter', (v, mark = ',') => {
  const [whole, fraction] = String(v).split('.');
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign ? whole.slice(1) : whole;
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, mark) + (fraction !== undefined ? '.' + fraction : '');
});

const zones = ['Europe/Lisbon', 'America/New_York', 'Asia/Tokyo', 'UTC'];
const people = [];
for (let i = 0; i < 1000; i++) {
  const person = { userId: 'user-' + i, plan: 'free', email: `user${i}@example.com` };
  if (i % 10 !== 0) person.first_name = 'Person' + i;
  people.push({
    person,
    event: { resource: 'contacts', used: 1000 + i, limit: 1000, resets_at: '2026-11-30T00:00:00Z' },
    journey: {}, campaign: { id: 'c1', name: 'Upgrade' }, delivery: { id: 'd' + i }, timezone: zones[i % 4],
  });
}
const title = engine.parse(TITLE);
const body = engine.parse(BODY);

function render(ctx) {
  return { title: engine.renderSync(title, ctx), body: engine.renderSync(body, ctx), deepLink: 'app://billing' };
}

const seconds = Number(process.argv[2] ?? 3);
function round() {
  let n = 0;
  let sink = 0;
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  while (true) {
    for (let k = 0; k < 1000; k++) sink += render(people[(n + k) % 1000]).title.length;
    n += 1000;
    if (process.hrtime.bigint() >= end) break;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  // Per CPU second as well: on a shared machine the wall clock also counts time other processes had the core.
  return { rate: n / elapsed, perCpuSecond: n / ((cpu.user + cpu.system) / 1e6), sink };
}

console.log('sample:', JSON.stringify(render(people[1])));
for (let w = 0; w < 2; w++) console.log(`warmup ${w + 1}: ${Math.round(round().rate)} renders/s`);
const rates = [];
const cpuRates = [];
for (let i = 0; i < 3; i++) {
  const r = round();
  rates.push(r.rate);
  cpuRates.push(r.perCpuSecond);
  console.log(`round ${i + 1}: ${Math.round(r.rate)} renders/s, ${Math.round(r.perCpuSecond)} per CPU second`);
}
const mean = (xs) => Math.round(xs.reduce((a, b) => a + b) / xs.length);
console.log(`liquidjs ${JSON.parse((await import('fs')).readFileSync(new URL('./node_modules/liquidjs/package.json', import.meta.url))).version}: `
  + `mean ${mean(rates)} renders/s, ${mean(cpuRates)} per CPU second (node ${process.version})`);
