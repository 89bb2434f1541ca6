/**
 * Memory of the real `fortitude serve` process by process (issue 17): the built package
 * (`dist/main.js`, or `--main` another build's) with one `openai_compatible` provider at the fake
 * upstream (bench/gateway/upstream-child.ts `fixed`, `--latency` ms), serve's tree pinned to core 1
 * and this process to core 0. Prints, idle, after a 2 s warm-up and every second under load
 * (autocannon at 50 connections for `--seconds`, or `--mode open --rate R`): each serve process's
 * RSS split into anonymous and file-backed pages, its PSS (shared pages — the node binary mapped by
 * primary and worker alike — divided among the processes that map them) and peak RSS, and the
 * tree's sums; then CPU µs/request of the tree and the primary's CPU during the load.
 *
 * Summed RSS counts the node binary's ~41 MB of file pages once per process; summed PSS is the
 * memory the tree actually holds.
 *
 *   npm run build && node --import tsx bench/gateway/serve-memory.ts [--seconds 8] [--workers 1] [--mode sat|open] [--rate 1000] [--latency 0]
 *     [--main DIR/dist/main.js] [--node-flags "…"] [--env NAME=VALUE]… [--yaml 'extra fortitude.yaml lines, \n-separated']
 *
 * `--node-flags "…"` starts serve's process with those node flags: with all of `server.runtime`'s
 * (and `--env` its allocator variables) one worker runs in that process, with no primary, e.g.
 * `--workers 1 --node-flags "--max-semi-space-size=4 --heap-growing-percent=50 --single-threaded-gc"
 * --env MALLOC_MMAP_THRESHOLD_=131072 --env MALLOC_TRIM_THRESHOLD_=131072` (pinned to one core, the
 * default `single_threaded_gc: auto` asks for `--single-threaded-gc`).
 * `--env` goes to serve's environment, e.g. `--env FORTITUDE_SERVER__RUNTIME__YOUNG_GENERATION_MB=4`,
 * or `--env NODE_OPTIONS=--import=…` for a profiling preload.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fakeProviderYaml, pinSelf, processTree, readStat, readTreeStat, setFakeUpstream, spawnChild, spawnRealServe } from './child-process.js';
import { CHAT_BODY } from './arms.js';
import { openLoop, saturate } from './load.js';

const opt = (name: string, fallback: string) => { const i = process.argv.indexOf(name); return i >= 0 ? process.argv[i + 1]! : fallback; };
const mode = opt('--mode', 'sat');
const seconds = Number(opt('--seconds', '8'));
const rate = Number(opt('--rate', '1000'));
const workers = opt('--workers', '1');
const extraEnv: Record<string, string> = {};
process.argv.forEach((a, i) => { if (a === '--env') { const [k, ...v] = process.argv[i + 1]!.split('='); extraEnv[k!] = v.join('='); } });
const latency = Number(opt('--latency', '0'));
const extraYaml = opt('--yaml', '');
pinSelf(0);
const upstream = await spawnChild('upstream', 'upstream-child.ts', ['fixed'], 0);
await setFakeUpstream(upstream.url, 'latency', latency);
const yaml = fakeProviderYaml('openai_compatible', `${upstream.url}/v1`, 'gpt-4o-mini') + extraYaml.replace(/\\n/g, '\n');
const mainPath = opt('--main', '') || undefined;
const nodeFlags = opt('--node-flags', '').split(' ').filter(Boolean);
const serve = await spawnRealServe(upstream.url, 1, ['--workers', workers], extraEnv, mainPath, yaml, nodeFlags);
const mem = (pid: number) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const num = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
  let pss = 0;
  try { pss = Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024; } catch {
    // smaps_rollup needs Linux 4.14+; PSS stays 0 without it
  }
  return { rss: num('VmRSS'), anon: num('RssAnon'), file: num('RssFile'), hwm: num('VmHWM'), pss };
};
const snap = (label: string) => {
  const tree = processTree(serve.pid).filter((p) => { try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('main.js'); } catch { return false; } });
  const rows = tree.map((p) => ({ pid: p, ...mem(p) }));
  const sum = rows.reduce((a, r) => ({ rss: a.rss + r.rss, pss: a.pss + r.pss }), { rss: 0, pss: 0 });
  console.log(label, rows.map((r) => `${r.pid}: rss ${r.rss.toFixed(0)} (anon ${r.anon.toFixed(0)} file ${r.file.toFixed(0)}) pss ${r.pss.toFixed(0)} hwm ${r.hwm.toFixed(0)}`).join(' | '), `| tree rss ${sum.rss.toFixed(0)} pss ${sum.pss.toFixed(0)}`);
  return sum;
};
const target = { url: serve.url, path: '/v1/chat/completions', body: CHAT_BODY };
await new Promise((r) => setTimeout(r, 1000));
snap('idle');
// warm-up
await saturate(target, 20, 2);
snap('after warm-up');
let peakRss = 0, peakPss = 0;
const sampler = setInterval(() => { const s = snap('load'); peakRss = Math.max(peakRss, s.rss); peakPss = Math.max(peakPss, s.pss); }, 1000);
const cpu0 = readTreeStat(serve.pid).cpuMicros;
const primaryCpu0 = readStat(serve.pid).cpuMicros;
let ok = 0;
const load0 = loadavg()[0]!;
if (mode === 'sat') { const r = await saturate(target, 50, seconds); ok = r.ok; console.log(`saturation: ${(r.ok / r.durationSeconds).toFixed(0)} rps, p50 ${r.p50} p99 ${r.p99}, errors ${r.errors}`); }
else { const r = await openLoop(target, rate, seconds * 1000, { drainMs: 3000 }); ok = r.ok; const s = Float64Array.from(r.latencies).sort(); console.log(`open ${rate}/s: ok ${r.ok} err ${r.errors} p50 ${s[Math.floor(s.length * 0.5)]!.toFixed(2)} p99 ${s[Math.floor(s.length * 0.99)]!.toFixed(2)} ms`); }
clearInterval(sampler);
const cpu = readTreeStat(serve.pid).cpuMicros - cpu0;
console.log(`root process cpu during load (the primary, or the one process): ${((readStat(serve.pid).cpuMicros - primaryCpu0) / 1000).toFixed(0)} ms`);
console.log(`cpu µs/request ${(cpu / ok).toFixed(0)}; peak tree rss ${peakRss.toFixed(0)} pss ${peakPss.toFixed(0)}; load ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}`);
await new Promise((r) => setTimeout(r, 1500));
snap('after');
await serve.stop();
await upstream.stop();
