import { FortitudeError } from '../../core/errors.js';

export interface ConfigProblem {
  /** Dotted YAML path, e.g. `caching.levels.memory.ttl_seconds`; empty for file-level problems. */
  path: string;
  /** What is wrong and what is allowed. */
  message: string;
  line?: number;
  column?: number;
  /** The environment variable(s) whose value is at fault (`FORTITUDE_PORT`), named instead of the file. */
  source?: string;
}

/** Raised once, at start-up, listing every problem found; rendered one line per problem. */
export class ConfigError extends FortitudeError {
  readonly problems: ConfigProblem[];
  readonly file: string | undefined;

  constructor(problems: ConfigProblem[], file: string | undefined) {
    super('config_invalid', formatProblems(problems, file), { details: { problems } });
    this.name = 'ConfigError';
    this.problems = problems;
    this.file = file;
  }
}

export function formatProblems(problems: ConfigProblem[], file: string | undefined): string {
  return problems
    .map((problem) => {
      const where =
        problem.source !== undefined ? `${problem.source}:` : [file ?? '<defaults>', problem.line, problem.column].filter((part) => part !== undefined).join(':');
      return problem.path ? `${where} ${problem.path}: ${problem.message}` : `${where} ${problem.message}`;
    })
    .join('\n');
}
