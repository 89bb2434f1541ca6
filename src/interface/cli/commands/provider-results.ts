import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { newTable } from '../table.js';
import { FortitudeError } from '../../../core/errors.js';

/**
 * `fortitude benchmark analyze-providers --results-dir DIR`: the seed's benchmark script appends
 * curl's `-w` output per request to `provider-<name>-results.txt`. Each request is found by its
 * `time_total` (seconds; `time_total: 0.123s` or `time_total=0.123`), or, when the format prints
 * bare numbers, by the first number on each line. An `http_code` beside it counts errors (>= 400).
 */
export interface ProviderResultSummary {
  provider: string;
  file: string;
  requests: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

const FILE = /^provider-(.+)-results\.txt$/;

export function readProviderResults(directory: string): ProviderResultSummary[] {
  const path = resolve(directory);
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new FortitudeError('bad_request', `--results-dir: no such folder ${path} (run the benchmark script there first, or drop --results-dir to analyse recorded requests)`);
  }
  if (!isDirectory) throw new FortitudeError('bad_request', `--results-dir: ${path} is a file, not a folder`);
  const files = readdirSync(path).filter((name) => FILE.test(name)).sort();
  if (files.length === 0) {
    throw new FortitudeError('bad_request', `--results-dir: no provider-<name>-results.txt files in ${path} (the seed's benchmark script writes them with curl -w)`);
  }
  return files.map((name) => summarise(FILE.exec(name)![1]!, name, parseCurlResults(readFileSync(join(path, name), 'utf8'))));
}

export function parseCurlResults(text: string): { seconds: number; status?: number }[] {
  const totals = [...text.matchAll(/time_total["\s:=]+([\d.]+)/g)].map((match) => Number(match[1]));
  const statuses = [...text.matchAll(/http_code["\s:=]+(\d{3})/g)].map((match) => Number(match[1]));
  if (totals.length > 0) return totals.map((seconds, index) => ({ seconds, ...(statuses[index] === undefined ? {} : { status: statuses[index] }) }));
  return text
    .split('\n')
    .map((line) => /(\d+(?:\.\d+)?)/.exec(line)?.[1])
    .filter((value): value is string => value !== undefined)
    .map((value) => ({ seconds: Number(value) }));
}

function summarise(provider: string, file: string, samples: { seconds: number; status?: number }[]): ProviderResultSummary {
  const ms = samples.map((sample) => sample.seconds * 1000).sort((a, b) => a - b);
  const at = (fraction: number) => (ms.length === 0 ? 0 : ms[Math.min(ms.length - 1, Math.ceil(fraction * ms.length) - 1)]!);
  return {
    provider,
    file,
    requests: samples.length,
    errors: samples.filter((sample) => sample.status !== undefined && (sample.status >= 400 || sample.status === 0)).length,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    maxMs: ms.at(-1) ?? 0,
  };
}

/** Ranked fastest first by p95 (providers with no parsed request last). */
export function renderProviderResults(summaries: ProviderResultSummary[], format: 'table' | 'csv' | 'json', directory: string): string {
  const ranked = [...summaries].sort((a, b) => (a.requests === 0 ? 1 : 0) - (b.requests === 0 ? 1 : 0) || a.p95Ms - b.p95Ms);
  if (format === 'json') return JSON.stringify({ resultsDir: resolve(directory), providers: ranked }, null, 2);
  if (format === 'csv') return ['provider,requests,errors,p50_ms,p95_ms,max_ms', ...ranked.map((row) => [row.provider, row.requests, row.errors, row.p50Ms, row.p95Ms, row.maxMs].join(','))].join('\n');
  const table = newTable({ head: ['rank', 'provider', 'requests', 'errors', 'p50', 'p95', 'max'], style: { head: [], border: [] } });
  ranked.forEach((row, index) => table.push([index + 1, row.provider, row.requests, row.errors, `${row.p50Ms.toFixed(0)} ms`, `${row.p95Ms.toFixed(0)} ms`, `${row.maxMs.toFixed(0)} ms`]));
  return [`provider results from ${resolve(directory)} (curl time_total per request, ranked by p95)`, table.toString()].join('\n');
}
