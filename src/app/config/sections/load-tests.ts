import { z } from 'zod';
import { bound, milliseconds, seconds } from '../units.js';

const scenario = z.strictObject({
  name: z.string().min(1),
  weight: z.number().positive(),
  requests_per_second: z.number().positive().optional(),
});

const apiTest = z.strictObject({
  name: z.string().min(1),
  duration: seconds(),
  users: z.number().int().positive(),
  ramp_up: seconds().default(0),
  scenarios: z.array(scenario).optional(),
  target_rps: z.number().positive().optional(),
});

export const SEED_API_TESTS = [
  {
    name: 'baseline_performance',
    duration: '10m',
    users: 100,
    ramp_up: '2m',
    scenarios: [
      { name: 'simple_queries', weight: 60, requests_per_second: 50 },
      { name: 'complex_queries', weight: 30, requests_per_second: 20 },
      { name: 'quality_intensive', weight: 10, requests_per_second: 5 },
    ],
  },
  { name: 'stress_test', duration: '5m', users: 500, ramp_up: '1m', target_rps: 1000 },
  { name: 'spike_test', duration: '2m', users: 1000, ramp_up: '30s', target_rps: 2000 },
];

export const loadTestsSchema = z
  .strictObject({
    api_tests: z.array(apiTest).prefault(SEED_API_TESTS),
    provider_tests: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          providers: z.array(z.string()),
          concurrent_requests: z.number().int().positive(),
          duration: seconds(),
        }),
      )
      .prefault([{ name: 'provider_capacity', providers: ['openai', 'claude', 'gemini'], concurrent_requests: 50, duration: '5m' }]),
    database_tests: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          connection_pool_size: z.number().int().positive(),
          concurrent_queries: z.number().int().positive(),
          duration: seconds(),
        }),
      )
      .prefault([{ name: 'query_performance', connection_pool_size: 20, concurrent_queries: 100, duration: '5m' }]),
  })
  .prefault({});

export const performanceTargetsSchema = z
  .strictObject({
    api_response_time_p95: milliseconds().default(200),
    api_response_time_p99: milliseconds().default(500),
    error_rate: bound().prefault('< 0.1%'),
    throughput: bound().prefault('> 1000 rps'),
  })
  .prefault({});
