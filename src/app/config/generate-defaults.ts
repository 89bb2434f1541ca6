import { renderDefaultConfig, type GeneratedDefaults } from './default-config.js';
import { parseConfigText } from './load-config.js';
import { PROVIDER_DEFINITIONS } from '../../providers/provider-kinds.js';

/**
 * What the build writes to `dist/app/config/default-config.json` (`scripts/write-default-config.mjs`):
 * the schema's output for an empty configuration with no environment, and each provider kind's
 * API-key variables. Build-time only: it loads zod, the schema and the provider definitions.
 */
export function generateDefaults(): GeneratedDefaults {
  const apiKeyEnv: Partial<GeneratedDefaults['apiKeyEnv']> = {};
  for (const definition of PROVIDER_DEFINITIONS) apiKeyEnv[definition.kind] = [...definition.apiKeyEnv];
  return { config: parseConfigText('', { env: {} }), apiKeyEnv: apiKeyEnv as GeneratedDefaults['apiKeyEnv'] };
}

/** The generated file's text. */
export function generateDefaultsFile(): string {
  return renderDefaultConfig(generateDefaults());
}
