import { describe, expect, it } from 'vitest';
import type { CpuProfile } from './cpu-profiler.js';
import { buildFlameTree, renderFlameGraph, topFunctions } from './flame-graph.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, scriptId: '1', url, lineNumber, columnNumber: 0 });

/** root → main → (work ×6 self, helper ×2), root → (idle) ×10, root → (garbage collector) ×1 */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5, 6] },
    { id: 2, callFrame: frame('main', 'file:///app/src/main.ts', 9), children: [3, 4] },
    { id: 3, callFrame: frame('work<&>', 'file:///app/src/work.ts', 0) },
    { id: 4, callFrame: frame('helper', 'file:///app/node_modules/lib/index.js', 41) },
    { id: 5, callFrame: frame('(idle)') },
    { id: 6, callFrame: frame('(garbage collector)') },
  ],
  startTime: 0,
  endTime: 19_000,
  samples: [3, 3, 3, 3, 3, 3, 4, 4, 6, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5],
  timeDeltas: Array.from({ length: 19 }, () => 1000),
};

describe('flame graph', () => {
  it('merges stacks, counts self and total samples, and drops idle by default', () => {
    const tree = buildFlameTree(PROFILE);
    expect(tree.total).toBe(9);
    const main = tree.children.find((child) => child.name === 'main')!;
    expect(main.total).toBe(8);
    expect(main.self).toBe(0);
    expect(main.location).toBe('/app/src/main.ts:10');
    expect(main.children.map((child) => [child.name, child.total])).toEqual([
      ['helper', 2],
      ['work<&>', 6],
    ]);
    expect(tree.children.some((child) => child.name === '(idle)')).toBe(false);
    expect(buildFlameTree(PROFILE, { keepIdle: true }).total).toBe(19);
  });

  it('ranks functions by self time with their share of busy samples', () => {
    const top = topFunctions(PROFILE, 3);
    expect(top.map((entry) => entry.name)).toEqual(['work<&>', 'helper', '(garbage collector)']);
    expect(top[0]!.selfShare).toBeCloseTo(6 / 9, 9);
    expect(top[0]!.selfMs).toBeCloseTo(6, 9); // 19 ms over 19 samples
  });

  it('renders an SVG with one titled frame per node, escaping names', () => {
    const svg = renderFlameGraph(PROFILE, { title: 'test <profile>' });
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('test &#60;profile&#62;');
    expect(svg).toContain('work&#60;&#38;&#62; (/app/src/work.ts:1) — 6 samples, 66.67%');
    expect(svg).not.toContain('<&>');
    expect((svg.match(/<rect x=/g) ?? []).length).toBe(5); // all, main, work, helper, GC
  });

  it('says so when there are no busy samples', () => {
    const idle: CpuProfile = { ...PROFILE, samples: [5, 5, 5] };
    expect(renderFlameGraph(idle)).toContain('no samples');
    expect(topFunctions(idle)).toEqual([]);
  });
});
