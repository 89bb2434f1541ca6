/** A comparison written the seed's way: `< 0.1%`, `> 1000 rps`, `<= 200ms`. */
export interface Bound {
  op: '<' | '<=' | '>' | '>=';
  /** Normalised value: fractions for `%`, milliseconds for durations, plain numbers otherwise. */
  value: number;
  /** Unit as written after the number, e.g. `rps`, `%`, `ms`; empty when none. */
  unit: string;
}

/** Whether `observed` satisfies the bound (`observed <op> value`). */
export function isSatisfied(bound: Pick<Bound, 'op' | 'value'>, observed: number): boolean {
  switch (bound.op) {
    case '<':
      return observed < bound.value;
    case '<=':
      return observed <= bound.value;
    case '>':
      return observed > bound.value;
    case '>=':
      return observed >= bound.value;
  }
}
