/**
 * How the rough prompt-token estimate (`roughChatTokens`: no tokenizer, used while no
 * `tokens_per_minute` limit or budget threshold is near) compares with the exact cl100k_base count
 * (`estimateChatTokens` once gpt-tokenizer is loaded), on texts of four kinds: English questions
 * (the development paraphrase pairs), TypeScript source (this repository's src/), Markdown (docs/),
 * and short non-English texts. Prints, per kind, the share of texts the rough estimate counts below
 * the exact one (an under-estimate lets a limit be overshot until the call settles), the ratio
 * rough ÷ exact (min, median, max), and CPU per call of each.
 *
 *   node --import tsx bench/token-estimate.ts
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatRequest } from '../src/core/chat.js';
import { estimateChatTokens, loadTokenizer, roughChatTokens } from '../src/providers/rate-limit/token-estimator.js';

const files = (dir: string, ext: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, ext) : path.endsWith(ext) && !path.endsWith('.test.ts') ? [path] : [];
  });
const pairs = JSON.parse(readFileSync(new URL('../../shared/data/paraphrase-pairs-gptcache.json', import.meta.url), 'utf8')) as { origin: string; similar: string }[];
const chunks = (text: string, size: number): string[] => Array.from({ length: Math.ceil(text.length / size) }, (_, index) => text.slice(index * size, (index + 1) * size));
const kinds: Record<string, string[]> = {
  'English questions': pairs.flatMap((pair) => [pair.origin, pair.similar]),
  'TypeScript (2,000-char pieces)': files('src', '.ts').flatMap((path) => chunks(readFileSync(path, 'utf8'), 2_000)).slice(0, 2_000),
  'Markdown (2,000-char pieces)': files('docs', '.md').flatMap((path) => chunks(readFileSync(path, 'utf8'), 2_000)),
  'non-English': [
    '如何在 PostgreSQL 中为高并发写入配置连接池？请给出具体参数。',
    'Rustでtokioを使った非同期HTTPサーバーのタイムアウト設定はどうすればよいですか？',
    '비동기 Rust에서 채널 백프레셔를 구현하는 가장 좋은 방법은 무엇인가요?',
    'Wie konfiguriere ich Redis-Cluster-Failover für eine Node.js-Anwendung mit ioredis?',
    'Какой лучший способ ограничить скорость запросов к API в Express?',
    'ما هي أفضل طريقة لتخزين التضمينات المتجهة في قاعدة بيانات PostgreSQL؟',
    '🚀 deploy ✅ tests ❌ lint 🔥 hotfix — emoji-heavy commit summary 🎉🎉🎉',
  ],
};
await loadTokenizer();
const request = (content: string): ChatRequest => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
const cpuPerCall = (estimate: (request: ChatRequest) => number, requests: ChatRequest[]): number => {
  for (const each of requests) estimate(each); // warm-up (and the exact count's piece table)
  const started = process.cpuUsage();
  let rounds = 0;
  while (process.cpuUsage(started).user < 300_000) {
    for (const each of requests) estimate(each);
    rounds += 1;
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / (rounds * requests.length);
};
console.log('| texts | n | rough below exact | rough ÷ exact min / median / max | rough µs/call | exact µs/call |');
console.log('|---|---|---|---|---|---|');
for (const [kind, texts] of Object.entries(kinds)) {
  const requests = texts.map(request);
  const ratios = requests.map((each) => roughChatTokens(each) / estimateChatTokens(each)).sort((a, b) => a - b);
  const below = ratios.filter((ratio) => ratio < 1).length;
  const at = (q: number) => ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))]!.toFixed(2);
  console.log(
    `| ${kind} | ${ratios.length} | ${below} (${((100 * below) / ratios.length).toFixed(1)} %) | ${at(0)} / ${at(0.5)} / ${at(1)} | ${cpuPerCall(roughChatTokens, requests).toFixed(2)} | ${cpuPerCall(estimateChatTokens, requests).toFixed(2)} |`,
  );
}
