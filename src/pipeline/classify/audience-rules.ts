import type { Audience } from '../../core/research.js';
import type { Rule } from './rule.js';

/**
 * Who is asking. Beginners say so ("new to", "ELI5", "first project") or ask for definitions;
 * advanced askers name internals, scale figures and low-level mechanisms. Intermediate is the
 * default (`INTERMEDIATE_PRIOR`), which matches how most developer questions read.
 */
export const AUDIENCE_RULES: readonly Rule<Audience>[] = [
  { label: 'beginner', name: 'phrase:"new to/beginner"', weight: 2.5, pattern: /\b(?:new to|beginner|newbie|noob|just started|i'm learning|first (?:time|project|web project|app)|my first|getting started|never used|step[- ]by[- ]step|tutorial|from scratch|fresh install|prototype|hobby)\b/ },
  { label: 'beginner', name: 'phrase:"ELI5/simple terms"', weight: 2.5, pattern: /\b(?:eli5|like i'm five|in simple terms|simple explanation|without the maths?|for dummies|teach me|basics|intro to|fundamentals)\b/ },
  { label: 'beginner', name: 'shape:"what is a <concept>"', weight: 1.4, pattern: /^(?:what is|what's|what are) (?:a|an|the)? ?(?:\S+ ){0,3}\S+\??$|^(?:what is|what are|why do|how does) [^,;:]{0,40}(?:\?|$| and why)/ },
  { label: 'beginner', name: 'phrase:"difference between"', weight: 0.8, pattern: /\bdifference between\b/ },
  { label: 'beginner', name: 'phrase:"i don\'t understand"', weight: 1.5, pattern: /\b(?:i don't understand|i'm confused|confused about|can someone explain|simple|hobby)\b/ },
  { label: 'advanced', name: 'term:internals', weight: 1.8, pattern: /\b(?:internals|under the hood|memory ordering|seqcst|acquire\/release|relaxed|lock-free|atomics|io_uring|epoll|ebpf|mmap|allocator|zero-copy|simd|spsc|mvcc|wal|checkpoints|query planner|bitmap scan|autovacuum|bloat|replication lag|sharding|shard|hnsw|ivf-pq|quantiz|side-channel|spectre|out of order|page cache|copy-on-write|higher-ranked|for<'a>|typestate|transmute|unsafe|ffi|exactly-once|double-checked|undefined behaviou?r|gc pauses|tail latency|p99|time_wait|ephemeral ports|oom killer|mtls|mutual tls|csp|nonces|cross-region|zero-downtime|multi-tenant|row-level security|skip locked|partitions?|global ordering|rebalanc\w*|embedded|-o2|state machines?|garbage collection|schedul\w+|implemented|guarantees?|lock(?:s|ing)? (?:across|contention)|concurrent inserts)\b/ },
  { label: 'advanced', name: 'shape:scale figure', weight: 1.2, pattern: /\b\d+(?:\.\d+)?\s?(?:[mk]|million|billion|gb|tb)\b(?! ram)|\b\d+k (?:times|requests|rps|qps)|\b\d{2,}m row/ },
  { label: 'advanced', name: 'phrase:"trade-offs/scales"', weight: 0.8, pattern: /\b(?:trade-?offs?|scales? better|at scale|high-throughput|throughput|latency budget|tight memory)\b/ },
];

/** Score intermediate starts with. */
export const INTERMEDIATE_PRIOR = 1.0;
