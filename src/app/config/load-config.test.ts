import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig, parseConfigText } from './load-config.js';
import { runtimeEnvironment, runtimeNodeFlags } from './runtime-flags.js';
import { maskSecrets } from '../../infrastructure/logging/mask-secrets.js';
import { breakerPolicy } from '../component-options.js';
import { DEFAULT_BREAKER_POLICY } from '../../providers/circuit-breaker/breaker-state.js';

const seedBlocks = readFileSync(new URL('../../../examples/fortitude.seed.yaml', import.meta.url), 'utf8');
const brokenDir = new URL('../../../test/fixtures/config/broken/', import.meta.url);

function problemsOf(text: string) {
  try {
    parseConfigText(text, { file: 'test.yaml' });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

/** The error for `text` read as `file` (null: no file, the built-in defaults) with `env`. */
function configErrorOf(text: string, env: NodeJS.ProcessEnv, file: string | null = 'test.yaml'): ConfigError {
  try {
    parseConfigText(text, { env, ...(file === null ? {} : { file }) });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('configuration', () => {
  it('runs on the seed defaults with no file at all', () => {
    const config = parseConfigText('');
    expect(Object.keys(config.providers)).toEqual(['openai', 'claude', 'gemini']);
    expect(config.providers.claude!.kind).toBe('anthropic');
    expect(config.providers.claude!.connection_pool.max_connections).toBe(80);
    expect(config.providers.openai!.rate_limit.burst_allowance).toBe(50);
    expect(config.selection_strategy.criteria).toEqual({ latency: 0.4, quality: 0.3, cost: 0.2, availability: 0.1 });
    expect(config.caching.levels.memory.max_size_mb).toBe(512);
    expect(config.caching.strategies.provider_responses.cache_levels).toEqual(['redis', 'disk']);
    expect(config.cost_management.budget_controls.actions['95_percent']).toBe('pause_expensive_providers');
    expect(config.sla_targets.error_rate).toEqual({ op: '<', value: 0.001, unit: '%' });
    expect(config.performance_targets.throughput).toEqual({ op: '>', value: 1000, unit: 'rps' });
    expect(config.monitoring.alerts.map((alert) => alert.condition.metric)).toEqual(['api_response_time', 'error_rate', 'api_response_time']);
    expect(config.load_tests.api_tests.map((test) => test.name)).toEqual(['baseline_performance', 'stress_test', 'spike_test']);
  });

  it("accepts the seed's YAML blocks pasted into one file, merging the repeated monitoring block", () => {
    const config = parseConfigText(seedBlocks);
    expect(config.monitoring.alerts).toHaveLength(3);
    expect(config.monitoring.dashboards.map((dashboard) => dashboard.name)).toEqual(['Performance Overview', 'Cost Performance']);
    expect(config.monitoring.generate_report).toBe(true);
    expect(config.logging.filters[1]).toEqual({ type: 'rate_limit', limit: 100, window: 60, action: 'drop' });
    expect(config.load_tests.api_tests[0]!.ramp_up).toBe(120);
    expect(config.sla_targets.api_response_time.p99).toBe(500);
    expect(config.sla_targets.system_availability).toBeCloseTo(0.999);
  });

  it('reads durations, percentages and bounds in the forms the seed writes them', () => {
    const config = parseConfigText(
      [
        'sla_targets:',
        '  api_response_time: { p50: 0.1s, p95: 200ms, p99: 1s }',
        '  system_availability: 99.5%',
        '  error_rate: "<= 1%"',
        'providers:',
        '  openai: { timeout_seconds: 1500ms, connection_pool: { idle_timeout: 2m } }',
      ].join('\n'),
    );
    expect(config.sla_targets.api_response_time).toEqual({ p50: 100, p95: 200, p99: 1000 });
    expect(config.sla_targets.system_availability).toBeCloseTo(0.995);
    expect(config.sla_targets.error_rate).toEqual({ op: '<=', value: 0.01, unit: '%' });
    expect(config.providers.openai!.timeout_seconds).toBe(1.5);
    expect(config.providers.openai!.connection_pool.idle_timeout).toBe(120);
  });

  it.each(readdirSync(brokenDir).filter((name) => name.endsWith('.yaml')))('rejects broken file %s with a located, actionable line', (name) => {
    const problems = problemsOf(readFileSync(new URL(name, brokenDir), 'utf8'));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem.line).toBeGreaterThan(0);
      expect(problem.message.length).toBeGreaterThan(10);
      expect(problem.message).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('takes the semantic cache\'s opt-in pair-model override, off unless set, and refuses one outside (0, 1]', () => {
    expect(parseConfigText('').caching.semantic.pair_model_accept).toBeUndefined();
    expect(parseConfigText('caching:\n  semantic:\n    pair_model_accept: 0.99\n').caching.semantic.pair_model_accept).toBe(0.99);
    expect(problemsOf('caching:\n  semantic:\n    pair_model_accept: 1.5\n').map((problem) => problem.path)).toContain('caching.semantic.pair_model_accept');
  });

  it('names the YAML path and the fix for each kind of mistake', () => {
    const expectations: Record<string, [string, RegExp]> = {
      '01-unknown-key.yaml': ['caching.levels.memory.max_sise_mb', /did you mean "max_size_mb"/],
      '02-negative-ttl.yaml': ['caching.levels.memory.ttl_seconds', /negative/],
      '03-weights-not-one.yaml': ['selection_strategy.criteria', /sum to 1/],
      '04-wrong-type.yaml': ['providers.openai.rate_limit.requests_per_minute', /expected number/],
      '05-unquoted-bound.yaml': ['', /quote it/],
      '06-bad-duration.yaml': ['monitoring.alerts.0.duration', /100ms, 30s, 5m/],
      '07-bad-enum.yaml': ['selection_strategy.type', /performance_optimized/],
      '08-impossible-percentage.yaml': ['sla_targets.system_availability', /percentage/],
      '09-provider-without-kind.yaml': ['providers.acme-llm.kind', /openai_compatible/],
      '10-unknown-alert-metric.yaml': ['monitoring.alerts.0.condition', /unknown metric "latency"/],
      '11-misspelt-section.yaml': ['cachng', /did you mean "caching"/],
      '12-yaml-syntax.yaml': ['', /YAML syntax/],
      '13-bad-circuit-breaker.yaml': ['providers.openai.circuit_breaker.failure_ratio', /above 0/],
    };
    for (const [file, [path, message]] of Object.entries(expectations)) {
      const problems = problemsOf(readFileSync(new URL(file, brokenDir), 'utf8'));
      expect(problems.some((problem) => problem.path === path && message.test(problem.message)), file).toBe(true);
    }
  });

  it('gives every provider a circuit breaker block whose defaults are the built-in policy', () => {
    const { halfOpenMaxProbes: _probes, ...configurable } = DEFAULT_BREAKER_POLICY;
    for (const provider of Object.values(parseConfigText('').providers)) {
      expect(provider.circuit_breaker).toEqual({ consecutive_failures: 5, failure_ratio: 0.5, minimum_requests: 20, window: 60, open_duration: 30 });
      expect(breakerPolicy(provider.circuit_breaker)).toEqual(configurable);
    }
  });

  it('reads a circuit breaker block in seconds, durations and percentages', () => {
    const config = parseConfigText(
      ['providers:', '  openai:', '    circuit_breaker: { consecutive_failures: 2, failure_ratio: 25%, minimum_requests: 4, window: 2m, open_duration: 1500ms }', '  claude: {}'].join('\n'),
    );
    expect(config.providers.openai!.circuit_breaker).toEqual({ consecutive_failures: 2, failure_ratio: 0.25, minimum_requests: 4, window: 120, open_duration: 1.5 });
    expect(breakerPolicy(config.providers.openai!.circuit_breaker)).toEqual({
      failureThreshold: 2,
      errorRateThreshold: 0.25,
      minimumRequests: 4,
      windowMs: 120_000,
      openDurationMs: 1_500,
    });
    expect(config.providers.claude!.circuit_breaker.consecutive_failures).toBe(5);
    expect(parseConfigText('providers:\n  openai:\n    circuit_breaker: { failure_ratio: 1 }\n').providers.openai!.circuit_breaker.failure_ratio).toBe(1);
  });

  it.each([
    ['consecutive_failures: 0', 'consecutive_failures', /at least 1/],
    ['consecutive_failures: 2.5', 'consecutive_failures', /whole number/],
    ['minimum_requests: -3', 'minimum_requests', /at least 1/],
    ['failure_ratio: 0', 'failure_ratio', /above 0/],
    ['failure_ratio: 1.5', 'failure_ratio', /fraction 0–1 or a percentage/],
    ['failure_ratio: 150%', 'failure_ratio', /fraction 0–1 or a percentage/],
    ['window: 0s', 'window', /positive duration/],
    ['open_duration: soon', 'open_duration', /30s, 5m/],
    ['treshold: 3', 'treshold', /unknown key; allowed here: consecutive_failures, failure_ratio/],
  ])('rejects circuit_breaker { %s } at its path', (entry, key, message) => {
    const problems = problemsOf(`providers:\n  openai:\n    circuit_breaker: { ${entry} }\n`);
    expect(problems.some((problem) => problem.path === `providers.openai.circuit_breaker.${key}` && message.test(problem.message)), JSON.stringify(problems)).toBe(true);
  });

  it('reports every problem at once, sorted by line', () => {
    const problems = problemsOf('caching:\n  levels:\n    memory:\n      ttl_seconds: -1\nselection_strategy:\n  type: nope\n  bogus: 1\n');
    expect(problems.map((problem) => problem.line)).toEqual([4, 6, 7]);
  });

  it('takes secrets and connection strings from the environment, and FORTITUDE_ overrides', () => {
    const config = parseConfigText('providers:\n  openai: {}\n  local:\n    kind: openai_compatible\n    base_url: http://127.0.0.1:11434/v1\n    api_key: ${LOCAL_KEY}\n', {
      env: {
        OPENAI_API_KEY: 'sk-test-0123456789abcdef0123',
        LOCAL_KEY: 'local-secret',
        DATABASE_URL: 'postgres://app:hunter2@db:5432/fortitude',
        FORTITUDE_PORT: '9090',
        FORTITUDE_CACHING__LEVELS__MEMORY__MAX_SIZE_MB: '64',
      },
    });
    expect(config.providers.openai!.api_key).toBe('sk-test-0123456789abcdef0123');
    expect(config.providers.local!.api_key).toBe('local-secret');
    expect(config.server.port).toBe(9090);
    expect(config.caching.levels.memory.max_size_mb).toBe(64);
    const shown = JSON.stringify(maskSecrets(config));
    expect(shown).not.toContain('sk-test-0123456789abcdef0123');
    expect(shown).not.toContain('local-secret');
    expect(shown).not.toContain('hunter2');
    expect(shown).toContain('postgres://app:****@db:5432/fortitude');
  });

  it('adjusts one seed provider from the environment without dropping the others', () => {
    const config = parseConfigText('', { env: { FORTITUDE_PROVIDERS__OPENAI__RATE_LIMIT__REQUESTS_PER_MINUTE: '12' } });
    expect(Object.keys(config.providers)).toEqual(['openai', 'claude', 'gemini']);
    expect(config.providers.openai!.rate_limit.requests_per_minute).toBe(12);
    expect(config.providers.openai!.rate_limit.burst_allowance).toBe(50);
  });

  it('takes an override of a string-typed key as the string written (issue 14.6: `x:` is not YAML)', () => {
    const config = parseConfigText('', {
      env: {
        FORTITUDE_REDIS__KEY_PREFIX: 'x:',
        FORTITUDE_RESEARCH__REFERENCE_LIBRARY_DIR: '[lib]',
        FORTITUDE_DATA_DIR: '123',
        // Numbers and booleans are still read as YAML scalars.
        FORTITUDE_PORT: '9091',
        FORTITUDE_SERVER__RUNTIME__SINGLE_THREADED_GC: 'false',
      },
    });
    expect(config.redis.key_prefix).toBe('x:');
    expect(config.research.reference_library_dir).toBe('[lib]');
    expect(config.data_dir).toBe('123');
    expect(config.server.port).toBe(9091);
    expect(config.server.runtime.single_threaded_gc).toBe(false);
    // A value quoted as YAML (the old workaround) is unquoted, not kept with its quotes.
    expect(parseConfigText('', { env: { FORTITUDE_REDIS__KEY_PREFIX: "'y:'" } }).redis.key_prefix).toBe('y:');
  });

  it('reports a missing ${VAR} and a bad FORTITUDE_ override by path', () => {
    const problems = problemsOf('providers:\n  openai:\n    api_key: ${NOT_SET_ANYWHERE}\n');
    expect(problems[0]).toMatchObject({ path: 'providers.openai.api_key', line: 3 });
    expect(problems[0]!.message).toContain('NOT_SET_ANYWHERE');
  });

  it('reports a missing ${VAR} once, not again as an empty value', () => {
    const error = configErrorOf('providers:\n  openai:\n    api_key: ${MY_SECRET_KEY}\n', {});
    expect(error.message).toBe('test.yaml:3:5 providers.openai.api_key: environment variable MY_SECRET_KEY is not set');
  });

  it('blames a bad environment override on its variable, not on the defaults or the file', () => {
    const memory = configErrorOf('', { FORTITUDE_CACHING__LEVELS__MEMORY__MAX_SIZE_MB: 'lots' }, null);
    expect(memory.message).toBe(
      'FORTITUDE_CACHING__LEVELS__MEMORY__MAX_SIZE_MB: caching.levels.memory.max_size_mb: expected a number, got "lots" (fix or unset the variable)',
    );
    expect(memory.problems).toEqual([expect.objectContaining({ path: 'caching.levels.memory.max_size_mb', source: 'FORTITUDE_CACHING__LEVELS__MEMORY__MAX_SIZE_MB' })]);
    // The file sets the key too: the variable that overrides it is at fault, and no file line is given.
    const port = configErrorOf('server:\n  port: 8080\n', { FORTITUDE_PORT: 'abc' });
    expect(port.message).toBe('FORTITUDE_PORT: server.port: expected a number, got "abc" (fix or unset the variable)');
    expect(port.problems[0]!.line).toBeUndefined();
    // A check across values the environment set alone.
    const weights = configErrorOf('', { FORTITUDE_SELECTION_STRATEGY__CRITERIA__LATENCY: '0.9' }, null);
    expect(weights.message).toMatch(/^FORTITUDE_SELECTION_STRATEGY__CRITERIA__LATENCY: selection_strategy\.criteria: .*must sum to 1/);
    // A problem of the file itself still names the file.
    expect(configErrorOf('server:\n  port: abc\n', { FORTITUDE_LOG_LEVEL: 'debug' }).message).toMatch(/^test\.yaml:2:3 server\.port: /);
  });

  it('freezes the validated config', () => {
    const config = parseConfigText('');
    expect(Object.isFrozen(config.caching.levels.memory)).toBe(true);
  });

  it('loads from --config, FORTITUDE_CONFIG or ./fortitude.yaml, and refuses a missing explicit file', () => {
    const directory = mkdtempSync(join(tmpdir(), 'fortitude-config-'));
    writeFileSync(join(directory, 'fortitude.yaml'), 'server:\n  port: 7001\n');
    writeFileSync(join(directory, 'other.yaml'), 'server:\n  port: 7002\n');
    expect(loadConfig({ cwd: directory, env: {} }).config.server.port).toBe(7001);
    expect(loadConfig({ cwd: directory, env: { FORTITUDE_CONFIG: 'other.yaml' } }).config.server.port).toBe(7002);
    expect(loadConfig({ cwd: directory, env: {}, path: 'other.yaml' }).file).toBe(join(directory, 'other.yaml'));
    expect(() => loadConfig({ cwd: directory, env: {}, path: 'missing.yaml' })).toThrow(/not found/);
  });
});

describe('server.runtime', () => {
  it('turns the V8 heap settings into node flags, saying V8\'s own defaults where the shipped #! line sets others', () => {
    const defaults = parseConfigText('');
    expect(runtimeNodeFlags(defaults.server.runtime, { workers: 1, cores: 4 })).toEqual(['--max-semi-space-size=8', '--heap-growing-percent=50', '--no-allocation-site-pretenuring']);
    const tuned = parseConfigText('server:\n  runtime:\n    young_generation_mb: 0\n    heap_growth_percent: 0\n    max_old_space_mb: 1024\n    allocation_site_pretenuring: true\n');
    // Left to V8, yet said explicitly: they override the shipped entry point's #! defaults.
    expect(runtimeNodeFlags(tuned.server.runtime, { workers: 1, cores: 4 })).toEqual(['--max-semi-space-size=0', '--heap-growing-percent=0', '--max-old-space-size=1024', '--allocation-site-pretenuring']);
  });

  it('collects garbage on the serving thread only when every core runs a worker, unless told', () => {
    const auto = parseConfigText('').server.runtime;
    expect(auto.single_threaded_gc).toBe('auto');
    expect(runtimeNodeFlags(auto, { workers: 2, cores: 2 })).toContain('--single-threaded-gc');
    expect(runtimeNodeFlags(auto, { workers: 1, cores: 1 })).toContain('--single-threaded-gc');
    expect(runtimeNodeFlags(auto, { workers: 1, cores: 2 })).not.toContain('--single-threaded-gc');
    const never = parseConfigText('server:\n  runtime:\n    single_threaded_gc: false\n').server.runtime;
    expect(runtimeNodeFlags(never, { workers: 8, cores: 2 })).not.toContain('--single-threaded-gc');
    const always = parseConfigText('server:\n  runtime:\n    single_threaded_gc: true\n').server.runtime;
    expect(runtimeNodeFlags(always, { workers: 1, cores: 8 })).toContain('--single-threaded-gc');
    expect(() => parseConfigText('server:\n  runtime:\n    single_threaded_gc: sometimes\n')).toThrow(/server\.runtime\.single_threaded_gc/);
    expect(() => parseConfigText('server:\n  runtime:\n    allocation_site_pretenuring: no\n')).toThrow(/server\.runtime\.allocation_site_pretenuring/);
  });

  it('fixes glibc malloc thresholds for the workers unless set to 0', () => {
    expect(runtimeEnvironment(parseConfigText('').server.runtime)).toEqual({ MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' });
    expect(runtimeEnvironment(parseConfigText('server:\n  runtime:\n    malloc_threshold_kb: 0\n').server.runtime)).toEqual({});
    expect(() => parseConfigText('server:\n  runtime:\n    malloc_threshold_kb: -5\n')).toThrow(/server\.runtime\.malloc_threshold_kb/);
  });

  it('rejects a negative or fractional size with the path in the message', () => {
    expect(() => parseConfigText('server:\n  runtime:\n    young_generation_mb: -1\n')).toThrow(/server\.runtime\.young_generation_mb/);
    expect(() => parseConfigText('server:\n  runtime:\n    heap_growth_percent: 12.5\n')).toThrow(/server\.runtime\.heap_growth_percent/);
  });
});

describe('server allow-lists', () => {
  it('are empty by default (derived from the listen address), heap snapshots off, invalid keys limited', () => {
    const { config } = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'fortitude-config-')) });
    expect(config.server).toMatchObject({ allowed_hosts: [], allowed_origins: [], heap_snapshots: false, auth: { max_failed_keys_per_minute: 20 } });
  });

  it('read a YAML list or a comma-separated environment value', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fortitude-config-'));
    const { config } = loadConfig({ env: { FORTITUDE_SERVER__ALLOWED_HOSTS: 'fortitude.internal, localhost:8080', FORTITUDE_SERVER__ALLOWED_ORIGINS: '[http://localhost:5173]' }, cwd });
    expect(config.server.allowed_hosts).toEqual(['fortitude.internal', 'localhost:8080']);
    expect(config.server.allowed_origins).toEqual(['http://localhost:5173']);
    expect(parseConfigText('server:\n  allowed_hosts: ["[::1]:8080", "*"]\n').server.allowed_hosts).toEqual(['[::1]:8080', '*']);
  });

  it('reject a scheme or path in a host and a path in an origin, naming the entry and the form', () => {
    expect(() => parseConfigText('server:\n  allowed_hosts: ["http://fortitude.internal"]\n')).toThrow(/server\.allowed_hosts\.0.*host:port/s);
    expect(() => parseConfigText('server:\n  allowed_origins: ["https://app.example.com/path"]\n')).toThrow(/server\.allowed_origins\.0.*scheme, host, port/s);
  });
});
