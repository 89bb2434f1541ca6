/**
 * Where a research cache miss spends its CPU in `fortitude serve` (issue 17): the same setup as
 * `research-miss.ts` (real serve from dist/, `--workers 1`, three providers pointed at the
 * simulator in its own process at a lognormal latency, a unique question per request), a warm-up,
 * then a closed loop of `--connections` clients for `--seconds`, profiled in every serve process
 * by a preloaded module between two SIGUSR2s (`--cpu-prof` is refused in NODE_OPTIONS). Prints self time by stage (each frame's
 * source file mapped to a pipeline stage) and the top functions, CPU per request over the whole
 * serve tree, and keeps the `.cpuprofile` in bench/out/ for DevTools or speedscope.
 *
 *   npm run build && node --import tsx bench/gateway/profile-research-miss.ts [--seconds 20] [--connections 16] [--latency-ms 200]
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchMachine } from './arms.js';
import { compileChildren, processTree, simulatorProvidersYaml, spawnChild, spawnRealServe } from './child-process.js';
import { closedLoop } from './load.js';

const option = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!(Number.isFinite(value) && value > 0)) throw new Error(`${name}: expected a positive number, got ${process.argv[index + 1]}`);
  return value;
};
const SECONDS = option('--seconds', 20);
const CONNECTIONS = option('--connections', 16);
const LATENCY_MS = option('--latency-ms', 200);

const RUN_ID = Date.now().toString(36);
let nextQuestion = 0;
const question = (): string => {
  const n = nextQuestion++;
  return `What breaks when service ${RUN_ID}-${n} loses its database connection pool during deploy ${n % 97}?`;
};

const machine = benchMachine();
const buildDir = join(machine.outDir, 'gateway-build');
compileChildren(buildDir);
const profileDir = mkdtempSync(join(tmpdir(), 'fortitude-research-profile-'));
const simulator = await spawnChild('simulator', 'upstream-child.ts', ['sim', String(LATENCY_MS), String(LATENCY_MS * 4)], machine.upstreamCore, buildDir);
const serveYaml = simulatorProvidersYaml(simulator.url);
// `--cpu-prof` is refused in NODE_OPTIONS, so every serve process preloads a module that drives
// the inspector's profiler.
const preload = join(profileDir, 'profile-preload.mjs');
writeFileSync(
  preload,
  [
    "import { Session } from 'node:inspector';",
    "import { writeFileSync } from 'node:fs';",
    'const session = new Session();',
    'session.connect();',
    "session.post('Profiler.enable');",
    "session.post('Profiler.setSamplingInterval', { interval: 200 });",
    // The first SIGUSR2 (after the warm-up) starts the profiler, the second (at the end of the
    // measured loop) stops it and writes the profile: start-up, warm-up and shutdown stay out.
    'let running = false;',
    "process.on('SIGUSR2', () => {",
    "  if (!running) { running = true; session.post('Profiler.start'); return; }",
    "  session.post('Profiler.stop', (error, result) => {",
    `    if (!error) writeFileSync(${JSON.stringify(profileDir)} + '/' + process.pid + '.cpuprofile', JSON.stringify(result.profile));`,
    '  });',
    '});',
    '',
  ].join('\n'),
);
const serve = await spawnRealServe(simulator.url, machine.serverCore, ['--workers', '1'], { NODE_OPTIONS: `--import ${preload}` }, undefined, serveYaml);

/** SIGUSR2 to a serve process (the preload starts its profiler); `taskset` execs node in place, so every pid is node's. */
const signal = (pid: number): void => {
  try {
    process.kill(pid, 'SIGUSR2');
  } catch {
    // exited
  }
};
const target = { url: serve.url, path: '/api/research', body: '', bodyFor: () => JSON.stringify({ query: question() }) };
let run;
let cpuMicros = 0;
const loadBefore = loadavg()[0]!;
try {
  await closedLoop(target, CONNECTIONS, 2_000); // warm-up: connections, JIT, SQLite pages
  for (const pid of processTree(serve.pid)) signal(pid);
  const before = serve.cpuMicros();
  run = await closedLoop(target, CONNECTIONS, SECONDS * 1000);
  cpuMicros = serve.cpuMicros() - before;
  for (const pid of processTree(serve.pid)) signal(pid);
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // the profiles are written
} finally {
  await serve.stop();
  await simulator.stop();
}

// The worker is the process that served the requests: the largest profile.
const profiles = readdirSync(profileDir).filter((file) => file.endsWith('.cpuprofile'));
if (profiles.length === 0) throw new Error(`no .cpuprofile written in ${profileDir}`);
const sized = profiles.map((file) => ({ file, text: readFileSync(join(profileDir, file), 'utf8') })).sort((a, b) => b.text.length - a.text.length);
mkdirSync(machine.outDir, { recursive: true });
const kept = join(machine.outDir, 'research-miss-worker.cpuprofile');
copyFileSync(join(profileDir, sized[0]!.file), kept);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const profile = JSON.parse(sized[0]!.text) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const selfMicros = new Map<number, number>();
for (let index = 0; index < profile.samples.length; index++) {
  const id = profile.samples[index]!;
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
}
const parent = new Map<number, number>();
const byId = new Map<number, Node>();
for (const node of profile.nodes) {
  byId.set(node.id, node);
  for (const child of node.children ?? []) parent.set(child, node.id);
}

/** The pipeline stage a source file belongs to (the first matching rule). */
const STAGES: [string, RegExp][] = [
  ['classify', /pipeline\/classify\//],
  ['semantic (embed, index, verify)', /cache\/semantic\/|embedding|embedder/],
  ['exact cache (L1/L3)', /infrastructure\/cache\//],
  ['research-cache glue', /pipeline\/research-cache/],
  ['prompt building', /pipeline\/prompts\//],
  ['quality evaluation', /pipeline\/quality\//],
  ['library / sections / store', /pipeline\/library\/|pipeline\/stages\/|infrastructure\/storage\//],
  ['routing / budget', /pipeline\/routing\/|pipeline\/budget\/|infrastructure\/(budget|routing|machine-state)\//],
  ['provider stack (fortitude)', /src\/providers\/|dist\/providers\/|pipeline\/provider-call/],
  ['wire translation', /\/wire\//],
  ['metrics', /infrastructure\/metrics\//],
  ['logging', /infrastructure\/logging\//],
  ['http interface', /interface\/http\//],
  ['pipeline / facade', /dist\/pipeline\/|src\/pipeline\//],
  ['other fortitude', /dist\//],
  ['better-sqlite3 / kysely', /better-sqlite3|kysely/],
  ['undici', /undici/],
  ['node internals', /^node:/],
];
const stageOfUrl = (url: string, functionName: string): string => {
  if (url === '') return functionName === '(garbage collector)' ? 'GC' : functionName === '(idle)' || functionName === '(program)' ? functionName : `native: ${functionName || '(anonymous)'}`;
  for (const [stage, pattern] of STAGES) if (pattern.test(url)) return stage;
  if (url.includes('node_modules')) return `dependency: ${/node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? url}`;
  return 'other';
};
/** Attribute a frame outside Fortitude (native, node internals, dependency) to the nearest Fortitude caller's stage. */
const inclusiveStage = (id: number): string => {
  let current: number | undefined = id;
  while (current !== undefined) {
    const node = byId.get(current)!;
    const stage = stageOfUrl(node.callFrame.url, node.callFrame.functionName);
    if (node.callFrame.url.includes('/dist/') || node.callFrame.url.includes('/src/')) return stage;
    current = parent.get(current);
  }
  return stageOfUrl(byId.get(id)!.callFrame.url, byId.get(id)!.callFrame.functionName);
};

const bySelfStage = new Map<string, number>();
const byCallerStage = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
let idle = 0;
for (const [id, micros] of selfMicros) {
  const node = byId.get(id)!;
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === '(idle)') {
    idle += micros;
    continue;
  }
  total += micros;
  const selfStage = stageOfUrl(url, functionName);
  bySelfStage.set(selfStage, (bySelfStage.get(selfStage) ?? 0) + micros);
  const callerStage = url === '' && functionName === '(garbage collector)' ? 'GC' : inclusiveStage(id);
  byCallerStage.set(callerStage, (byCallerStage.get(callerStage) ?? 0) + micros);
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|src|node_modules)\//, '$1/')}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
}
const requests = run === undefined ? 0 : run.ok + run.errors;
const perRequest = (micros: number): string => (requests > 0 ? `${(micros / requests).toFixed(0)} µs/req` : '');
const top = (map: Map<string, number>, count: number): string[] =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => `  ${((100 * micros) / total).toFixed(1).padStart(5)} %  ${perRequest(micros).padStart(12)}  ${name}`);

process.stdout.write(
  [
    `closed loop ${CONNECTIONS} clients, ${SECONDS} s: ${run?.ok ?? 0} ok, ${run?.errors ?? 0} errors, ${(requests / SECONDS).toFixed(1)} rps; load average ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
    `serve tree CPU ${(cpuMicros / Math.max(1, requests) / 1000).toFixed(2)} ms per research request (from /proc); worker profile (the measured loop only): ${(total / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle`,
    `profile kept at ${kept}`,
    '',
    'Self time by stage of the nearest Fortitude frame (natives, node internals and dependencies charged to their Fortitude caller):',
    ...top(byCallerStage, 25),
    '',
    'Self time by the frame\'s own file:',
    ...top(bySelfStage, 25),
    '',
    'Top functions by self time:',
    ...top(byFunction, 45),
    '',
  ].join('\n'),
);
