import type { z } from 'zod';
import type { costManagementSchema } from '../../app/config/sections/costs.js';

/** The validated `cost_management` section, as the budget and cost code takes it. */
export type CostManagementConfig = z.output<typeof costManagementSchema>;
/** One entry of `cost_management.providers`. */
export type ProviderCostConfig = CostManagementConfig['providers'][string];
export type ModelSelectionConfig = NonNullable<ProviderCostConfig['model_selection']>;
export type TokenOptimizationConfig = NonNullable<ProviderCostConfig['token_optimization']>;
