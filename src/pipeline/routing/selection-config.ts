import type { z } from 'zod';
import type { selectionStrategySchema } from '../../app/config/sections/selection.js';

/** The validated `selection_strategy` section (`performance_window` in ms, thresholds 0–1 / ms). */
export type SelectionStrategyConfig = z.output<typeof selectionStrategySchema>;
export type SelectionCriteria = SelectionStrategyConfig['criteria'];
export type SelectionStrategyType = SelectionStrategyConfig['type'];
