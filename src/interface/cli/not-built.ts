import { FortitudeError } from '../../core/errors.js';

/** Commands of the seed that are planned but not built yet say so plainly and exit non-zero. */
export function notBuilt(command: string, issue: number): never {
  throw new FortitudeError('not_implemented', `"fortitude ${command}" is not built yet (planned in issue #${issue}); nothing was done.`);
}
