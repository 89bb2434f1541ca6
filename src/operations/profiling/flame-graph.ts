import type { CpuProfile, CpuProfileCallFrame } from './cpu-profiler.js';
import { escapeXml, round } from './svg-text.js';

/**
 * A flame graph from a `.cpuprofile`: stacks merged by frame (function, file, line), widths
 * proportional to sampled time, the root at the bottom, callees stacked above their callers.
 * Self-contained SVG with no script: each frame's `<title>` shows its name, location and share.
 */

export interface FlameNode {
  name: string;
  location: string;
  /** Samples in this frame or its callees. */
  total: number;
  /** Samples in this frame itself. */
  self: number;
  children: FlameNode[];
}

export interface FunctionTime {
  name: string;
  location: string;
  selfSamples: number;
  /** Share of all non-idle samples, 0–1. */
  selfShare: number;
  selfMs: number;
}

const PSEUDO_FRAMES = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

function locationOf(frame: CpuProfileCallFrame): string {
  if (!frame.url) return '';
  const url = frame.url.replace(/^file:\/\//, '');
  return `${url}:${frame.lineNumber + 1}`;
}

function frameName(frame: CpuProfileCallFrame): string {
  return frame.functionName || (frame.url ? '(anonymous)' : '(native)');
}

/** Samples per profile node id (from `samples`, or `hitCount` when absent). */
function selfCounts(profile: CpuProfile): Map<number, number> {
  const counts = new Map<number, number>();
  if (profile.samples && profile.samples.length > 0) {
    for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  } else {
    for (const node of profile.nodes) if (node.hitCount) counts.set(node.id, node.hitCount);
  }
  return counts;
}

/** Average sampling interval, ms. */
export function sampleIntervalMs(profile: CpuProfile): number {
  const samples = profile.samples?.length ?? profile.nodes.reduce((total, node) => total + (node.hitCount ?? 0), 0);
  return samples > 0 ? (profile.endTime - profile.startTime) / 1000 / samples : 0;
}

/** The merged call tree; `(idle)` is dropped unless `keepIdle`. */
export function buildFlameTree(profile: CpuProfile, options: { keepIdle?: boolean } = {}): FlameNode {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = selfCounts(profile);
  const childIds = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  const rootNode = profile.nodes.find((node) => !childIds.has(node.id));
  const root: FlameNode = { name: 'all', location: '', total: 0, self: 0, children: [] };
  if (!rootNode) return root;

  const visit = (id: number, into: FlameNode) => {
    const node = byId.get(id);
    if (!node) return;
    const name = frameName(node.callFrame);
    if (name === '(idle)' && !options.keepIdle) return;
    const location = locationOf(node.callFrame);
    let target = into.children.find((child) => child.name === name && child.location === location);
    if (!target) into.children.push((target = { name, location, total: 0, self: 0, children: [] }));
    target.self += counts.get(id) ?? 0;
    for (const child of node.children ?? []) visit(child, target);
  };
  // The profile's own `(root)` frame is replaced by `all`.
  root.self += counts.get(rootNode.id) ?? 0;
  for (const child of rootNode.children ?? []) visit(child, root);

  const sum = (node: FlameNode): number => {
    node.total = node.self + node.children.reduce((total, child) => total + sum(child), 0);
    node.children.sort((a, b) => a.name.localeCompare(b.name) || a.location.localeCompare(b.location));
    return node.total;
  };
  sum(root);
  return root;
}

/** Functions by self time, highest first (idle excluded). */
export function topFunctions(profile: CpuProfile, limit = 20): FunctionTime[] {
  const tree = buildFlameTree(profile);
  const interval = sampleIntervalMs(profile);
  const table = new Map<string, FunctionTime>();
  const walk = (node: FlameNode) => {
    if (node.self > 0 && node !== tree) {
      const key = `${node.name}\u0000${node.location}`;
      const entry = table.get(key) ?? { name: node.name, location: node.location, selfSamples: 0, selfShare: 0, selfMs: 0 };
      entry.selfSamples += node.self;
      table.set(key, entry);
    }
    for (const child of node.children) walk(child);
  };
  walk(tree);
  const total = Math.max(1, tree.total);
  return [...table.values()]
    .map((entry) => ({ ...entry, selfShare: entry.selfSamples / total, selfMs: entry.selfSamples * interval }))
    .sort((a, b) => b.selfSamples - a.selfSamples)
    .slice(0, limit);
}

export interface FlameGraphOptions {
  title?: string;
  /** SVG width in px (default 1200). */
  width?: number;
  keepIdle?: boolean;
}

const FRAME_HEIGHT = 17;
const FONT_SIZE = 11;
const CHAR_WIDTH = 6.4;
const MIN_WIDTH = 0.3;

function colourOf(node: FlameNode): string {
  if (PSEUDO_FRAMES.has(node.name)) return node.name === '(garbage collector)' ? '#e06c5b' : '#b8b8b8';
  const location = node.location;
  let hash = 0;
  for (let index = 0; index < node.name.length; index++) hash = (hash * 31 + node.name.charCodeAt(index)) >>> 0;
  const jitter = hash % 40;
  if (location.startsWith('node:') || location === '') return `hsl(${90 + (jitter % 30)}, 35%, ${62 + (jitter % 10)}%)`; // runtime: green-grey
  if (location.includes('/node_modules/')) return `hsl(${195 + (jitter % 25)}, 55%, ${62 + (jitter % 12)}%)`; // dependencies: blue
  return `hsl(${18 + jitter}, 85%, ${58 + (jitter % 12)}%)`; // application code: warm
}

/** Renders the flame graph as a standalone SVG document. */
export function renderFlameGraph(profile: CpuProfile, options: FlameGraphOptions = {}): string {
  const width = options.width ?? 1200;
  const tree = buildFlameTree(profile, { keepIdle: options.keepIdle });
  const interval = sampleIntervalMs(profile);
  const depthOf = (node: FlameNode): number => 1 + Math.max(0, ...node.children.map(depthOf));
  const depth = depthOf(tree);
  const top = 40;
  const height = top + depth * FRAME_HEIGHT + 24;
  const scale = tree.total > 0 ? (width - 20) / tree.total : 0;
  const frames: string[] = [];

  const draw = (node: FlameNode, x: number, level: number) => {
    const frameWidth = node.total * scale;
    if (frameWidth < MIN_WIDTH) return;
    const y = height - 24 - (level + 1) * FRAME_HEIGHT;
    const share = tree.total > 0 ? (node.total / tree.total) * 100 : 0;
    const label = `${node.name}${node.location ? ` (${node.location})` : ''}`;
    const tip = `${label} — ${node.total} samples, ${share.toFixed(2)}%${interval > 0 ? `, ${(node.total * interval).toFixed(1)} ms` : ''}; self ${node.self}`;
    const maxChars = Math.floor((frameWidth - 6) / CHAR_WIDTH);
    const text = maxChars >= 3 ? (node.name.length > maxChars ? `${node.name.slice(0, maxChars - 1)}…` : node.name) : '';
    frames.push(
      `<g><title>${escapeXml(tip)}</title><rect x="${round(10 + x)}" y="${y}" width="${round(frameWidth)}" height="${FRAME_HEIGHT - 1}" rx="2" fill="${colourOf(node)}"/>` +
        (text ? `<text x="${round(13 + x)}" y="${y + 12}">${escapeXml(text)}</text>` : '') +
        '</g>',
    );
    let offset = x;
    for (const child of node.children) {
      draw(child, offset, level + 1);
      offset += child.total * scale;
    }
  };
  draw(tree, 0, 0);

  const seconds = (profile.endTime - profile.startTime) / 1e6;
  const title = options.title ?? 'CPU flame graph';
  const subtitle = `${tree.total} samples over ${seconds.toFixed(1)} s${interval > 0 ? ` (≈${(interval * 1000).toFixed(0)} µs each)` : ''}${options.keepIdle ? '' : ', idle excluded'} — wider = more CPU time; hover a frame for details`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Menlo, Consolas, monospace" font-size="${FONT_SIZE}">`,
    `<rect width="100%" height="100%" fill="#fdfcf8"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-family="sans-serif">${escapeXml(title)}</text>`,
    `<text x="${width / 2}" y="34" text-anchor="middle" fill="#555" font-family="sans-serif">${escapeXml(subtitle)}</text>`,
    tree.total === 0 ? `<text x="${width / 2}" y="${top + 20}" text-anchor="middle" fill="#777">no samples (the process was idle)</text>` : '',
    ...frames,
    `</svg>`,
  ].join('\n');
}
