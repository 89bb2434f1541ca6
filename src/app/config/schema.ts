import { z } from 'zod';
import { gatewaySchema } from './sections/gateway.js';
import { cachingSchema } from './sections/caching.js';
import { costManagementSchema } from './sections/costs.js';
import { loadTestsSchema, performanceTargetsSchema } from './sections/load-tests.js';
import { loggingSchema } from './sections/logging.js';
import { metricsSchema, monitoringSchema, slaTargetsSchema } from './sections/monitoring.js';
import { providersSchema } from './sections/providers.js';
import { databaseSchema, optimizerSchema, redisSchema, researchSchema, serverSchema, simulatorSchema } from './sections/runtime.js';
import { selectionStrategySchema } from './sections/selection.js';

/**
 * The whole of `fortitude.yaml`. Top-level sections are exactly the seed's YAML blocks, so a
 * user can paste them from the performance tuning guide, plus Fortitude's own runtime sections.
 * Every default is the seed's value.
 */
export const configSchema = z.strictObject({
  providers: providersSchema,
  selection_strategy: selectionStrategySchema,
  caching: cachingSchema,
  cost_management: costManagementSchema,
  sla_targets: slaTargetsSchema,
  monitoring: monitoringSchema,
  metrics: metricsSchema,
  logging: loggingSchema,
  load_tests: loadTestsSchema,
  performance_targets: performanceTargetsSchema,
  server: serverSchema,
  database: databaseSchema,
  redis: redisSchema,
  simulator: simulatorSchema,
  research: researchSchema,
  optimizer: optimizerSchema,
  gateway: gatewaySchema,
  /** Where embedded state lives (SQLite file, disk cache, vector index). */
  data_dir: z.string().default('.fortitude'),
});

export type FortitudeConfig = z.output<typeof configSchema>;
export type FortitudeConfigInput = z.input<typeof configSchema>;
