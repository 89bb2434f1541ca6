/** The components `performance analyze` can judge (a module of its own so the CLI can list them without loading the analysis). */
export const ANALYSIS_COMPONENTS = ['api', 'providers', 'quality', 'learning', 'cache', 'system'] as const;
export type AnalysisComponent = (typeof ANALYSIS_COMPONENTS)[number];
