import { describe, expect, it } from 'vitest';
import { allocationsByStage, cpuByStage, formatStageTable, stageOfStack, stageTable, STAGES, type CallFrame, type CpuProfile, type HeapProfileNode } from '../../bench/gateway/stages.js';

const DIST = 'file:///work/fortitude/dist/';
const frame = (functionName: string, url: string): CallFrame => ({ functionName, url, lineNumber: 0 });
const dist = (functionName: string, path: string) => frame(functionName, DIST + path);

/**
 * A hand-made worker profile: each node with its call frame and children (node ids), and the
 * samples with their time deltas (µs).
 */
function profile(): CpuProfile {
  const nodes: CpuProfile['nodes'] = [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4, 10, 16] },
    { id: 2, callFrame: frame('(garbage collector)', '') },
    { id: 3, callFrame: frame('(idle)', '') },
    { id: 4, callFrame: frame('processTicksAndRejections', 'node:internal/process/task_queues'), children: [5, 8, 12, 15] },
    { id: 5, callFrame: dist('chatCompletions', 'interface/http/routes/gateway-routes.js'), children: [6, 13] },
    // The response write: node's socket write called from exchange.js's sendBody is render, below Fortitude's frames.
    { id: 6, callFrame: dist('sendBody', 'interface/http/exchange.js'), children: [7] },
    { id: 7, callFrame: frame('writev', '') },
    // No Fortitude frame: node's socket read path.
    { id: 8, callFrame: frame('onStreamRead', 'node:internal/stream_base_commons'), children: [9] },
    { id: 9, callFrame: frame('emit', 'node:events') },
    // A Fortitude file no rule maps, calling a package (whose own dist/ is not Fortitude's).
    { id: 10, callFrame: dist('sweep', 'operations/unmapped-thing.js'), children: [11, 18] },
    { id: 11, callFrame: frame('compile', 'file:///work/fortitude/node_modules/kysely/dist/esm/compiler.js') },
    // A shared helper: alone (a timer fired it), its own stage; called from the transport, the transport's.
    { id: 12, callFrame: dist('sweep', 'providers/fallback/due-timers.js') },
    { id: 13, callFrame: dist('#open', 'providers/http-transport.js'), children: [14] },
    { id: 14, callFrame: dist('schedule', 'providers/fallback/due-timers.js') },
    { id: 15, callFrame: frame('runMicrotasks', '') },
    { id: 16, callFrame: frame('onData', 'file:///work/fortitude/node_modules/undici/lib/dispatcher/client-h1.js'), children: [17] },
    { id: 17, callFrame: frame('wasm-function[10]', 'wasm://wasm/00034eea') },
    // An unmapped caller of an inherited helper stays "other": the helper does not hide it.
    { id: 18, callFrame: dist('bound', 'core/bound.js') },
  ];
  // node id → µs sampled there
  const weights: [number, number][] = [
    [2, 30],
    [3, 100],
    [5, 5],
    [6, 4],
    [7, 20],
    [9, 7],
    [11, 3],
    [12, 2],
    [14, 6],
    [15, 1],
    [17, 9],
    [18, 2],
  ];
  // Each weight as several samples, to check they add up.
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  for (const [id, micros] of weights) {
    samples.push(id, id);
    timeDeltas.push(micros / 2, micros / 2);
  }
  return { nodes, samples, timeDeltas };
}

describe('per-stage attribution (bench/gateway/stages.ts)', () => {
  it('gives each sample to the nearest Fortitude frame, node work to buckets, unmapped files to other', () => {
    const totals = cpuByStage(profile());
    expect(Object.fromEntries([...totals].map(([stage, total]) => [stage, total]))).toEqual({
      '(garbage collector)': { value: 30, below: 0 },
      '(idle)': { value: 100, below: 0 },
      route: { value: 5, below: 0 },
      render: { value: 24, below: 20 },
      'HTTP parse/write (node)': { value: 7, below: 0 },
      'other: operations/unmapped-thing.js': { value: 5, below: 3 },
      'fallback + retry': { value: 2, below: 0 },
      transport: { value: 6, below: 0 },
      'promise/tick plumbing': { value: 1, below: 0 },
      'transport (undici)': { value: 9, below: 0 },
    });
    const sampled = profile().timeDeltas.reduce((sum, value) => sum + value, 0);
    expect([...totals.values()].reduce((sum, total) => sum + total.value, 0)).toBe(sampled);
  });

  it('maps by function where a file does two stages', () => {
    expect(stageOfStack([dist('json', 'providers/http-transport.js')]).stage).toBe('parse');
    expect(stageOfStack([dist('buildChatRequest', 'wire/openai/openai-style-wire.js')]).stage).toBe('transport');
    expect(stageOfStack([dist('parseChatResponse', 'wire/openai/openai-style-wire.js')]).stage).toBe('parse');
    expect(stageOfStack([dist('reserve', 'pipeline/provider-call.js'), dist('call', 'pipeline/provider-call.js')]).stage).toBe('reserve');
    expect(stageOfStack([dist('record', 'pipeline/routing/performance-window.js')]).stage).toBe('record');
    expect(stageOfStack([dist('stats', 'pipeline/routing/performance-window.js')]).stage).toBe('plan');
  });

  it('attributes a heap profile the same way, by each node’s own bytes', () => {
    const node = (callFrame: CallFrame, selfSize: number, children: HeapProfileNode[] = []): HeapProfileNode => ({ callFrame, selfSize, children });
    const head = node(frame('(root)', ''), 0, [
      node(dist('chatCompletions', 'interface/http/routes/gateway-routes.js'), 100, [node(dist('sendBody', 'interface/http/exchange.js'), 40, [node(frame('processHeader', 'node:_http_outgoing'), 300)])]),
      node(frame('clearBuffer', 'node:internal/streams/writable'), 500),
      node(dist('anything', 'somewhere/new.js'), 7),
    ]);
    expect(Object.fromEntries(allocationsByStage(head))).toEqual({
      route: { value: 100, below: 0 },
      render: { value: 340, below: 300 },
      'HTTP parse/write (node)': { value: 500, below: 0 },
      'other: somewhere/new.js': { value: 7, below: 0 },
    });
  });

  it('tabulates per request against the budgets, idle out of the busy time', () => {
    const rows = stageTable(2, cpuByStage(profile()), undefined);
    const row = (stage: string) => rows.find((candidate) => candidate.stage === stage)!;
    // Every stage appears in order, measured or not; the unmapped file after them.
    expect(rows.slice(0, STAGES.length).map((candidate) => candidate.stage)).toEqual(STAGES.map((stage) => stage.name));
    expect(rows.at(-2)!.stage).toBe('other: operations/unmapped-thing.js');
    // 89 µs busy over the profile (all but the 100 idle).
    expect(row('render')).toMatchObject({ microsPerRequest: 12, belowMicrosPerRequest: 10, withinBudget: true });
    expect(row('render').busyPercent).toBeCloseTo((100 * 24) / 89, 6);
    expect(row('(idle)').microsPerRequest).toBe(50);
    expect(row('(idle)')).not.toHaveProperty('busyPercent');
    expect(row('(idle)')).not.toHaveProperty('withinBudget');
    // 2.5 µs per request over the 1 µs an unmapped file may take.
    expect(row('other: operations/unmapped-thing.js')).toMatchObject({ microsPerRequest: 2.5, withinBudget: false });
    expect(row('total (busy)')).toMatchObject({ microsPerRequest: 44.5, busyPercent: 100 });
    expect(formatStageTable(rows)).toContain('✗');
  });

  it('shares the thread’s measured CPU time among the busy samples', () => {
    // 178 µs of CPU for 89 µs of busy samples: each busy stage counts double; idle only as a share of the samples.
    const rows = stageTable(2, cpuByStage(profile()), undefined, { cpuMicros: 178 });
    const row = (stage: string) => rows.find((candidate) => candidate.stage === stage)!;
    expect(row('render')).toMatchObject({ microsPerRequest: 24, belowMicrosPerRequest: 20 });
    expect(row('(idle)')).not.toHaveProperty('microsPerRequest');
    expect(row('(idle)').sampledPercent).toBeCloseTo((100 * 100) / 189, 6);
    expect(row('total (busy)').microsPerRequest).toBeCloseTo(89, 6);
  });
});
