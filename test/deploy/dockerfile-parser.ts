/**
 * Just enough of the Dockerfile grammar to lint one statically (no Docker engine runs here):
 * comments, `\` continuations, global ARG defaults, stages and their instructions.
 */

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY… */
  keyword: string;
  /** Everything after the keyword, continuations joined with a space. */
  argument: string;
  line: number;
}

export interface Stage {
  name: string | undefined;
  /** Image reference after ARG substitution (`node:20-bookworm-slim`). */
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  let pending: { parts: string[]; line: number } | undefined;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) return;
    const continued = trimmed.endsWith('\\');
    const content = continued ? trimmed.slice(0, -1).trim() : trimmed;
    if (pending) pending.parts.push(content);
    else pending = { parts: [content], line: index + 1 };
    if (continued) return;
    const joined = pending.parts.filter((part) => part !== '').join(' ');
    const match = /^(\S+)\s*(.*)$/.exec(joined);
    if (match) instructions.push({ keyword: match[1]!.toUpperCase(), argument: match[2]!, line: pending.line });
    pending = undefined;
  });
  return instructions;
}

function substitute(text: string, args: Record<string, string>): string {
  return text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => args[name] ?? whole);
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of parseInstructions(text)) {
    if (instruction.keyword === 'FROM') {
      const parts = instruction.argument.split(/\s+/).filter((part) => !part.startsWith('--'));
      const alias = parts.length >= 3 && parts[1]!.toUpperCase() === 'AS' ? parts[2] : undefined;
      stages.push({ name: alias, image: substitute(parts[0] ?? '', globalArgs), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage) stage.instructions.push(instruction);
    else if (instruction.keyword === 'ARG') {
      const [name, value = ''] = instruction.argument.split('=');
      globalArgs[name!.trim()] = value.trim();
    }
  }
  return { globalArgs, stages };
}

/** `KEY=value KEY2="v 2"` pairs of an ENV instruction. */
export function envPairs(argument: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const match of argument.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) pairs[match[1]!] = match[2]!.replace(/^"|"$/g, '');
  return pairs;
}
