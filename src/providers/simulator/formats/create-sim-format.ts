import { providerDefinition } from '../../provider-kinds.js';
import type { SimFormat, SimulatorFormat } from './sim-format.js';

export function createSimFormat(kind: SimulatorFormat): SimFormat {
  return providerDefinition(kind).simulator.createFormat();
}

/** The path under a provider's prefix that its official SDK wants as base URL. */
export function sdkBasePath(kind: SimulatorFormat): string {
  return providerDefinition(kind).simulator.basePath;
}
