import { describe, expect, it } from 'vitest';
import { InFlightRegistry } from './in-flight.js';

const member = (name: string) => ({ name, inFlightSlot: -1 });

describe('InFlightRegistry', () => {
  it('tracks members through adds and deletes in any order, keeping slots consistent', () => {
    const registry = new InFlightRegistry<ReturnType<typeof member>>();
    const members = ['a', 'b', 'c', 'd', 'e'].map(member);
    for (const m of members) registry.add(m);
    expect(registry.size).toBe(5);

    expect(registry.delete(members[1]!)).toBe(true); // middle: the last moves into its slot
    expect(registry.delete(members[4]!)).toBe(true);
    expect(registry.delete(members[0]!)).toBe(true);
    expect(registry.size).toBe(2);
    expect(registry.snapshot().map((m) => m.name).sort()).toEqual(['c', 'd']);
    for (const [index, m] of registry.snapshot().entries()) expect(m.inFlightSlot).toBe(index);
    expect(members[1]!.inFlightSlot).toBe(-1);
  });

  it('ignores a second add and a delete of a member it does not hold', () => {
    const registry = new InFlightRegistry<ReturnType<typeof member>>();
    const a = member('a');
    const stranger = member('x');
    registry.add(a);
    registry.add(a);
    expect(registry.size).toBe(1);
    expect(registry.delete(stranger)).toBe(false);
    stranger.inFlightSlot = 0; // claims a's slot without being there
    expect(registry.delete(stranger)).toBe(false);
    expect(registry.snapshot()).toEqual([a]);
    expect(registry.delete(a)).toBe(true);
    expect(registry.delete(a)).toBe(false);
    expect(registry.size).toBe(0);
  });

  it('lets callers delete members while walking a snapshot', () => {
    const registry = new InFlightRegistry<ReturnType<typeof member>>();
    const members = ['a', 'b', 'c'].map(member);
    for (const m of members) registry.add(m);
    const seen: string[] = [];
    for (const m of registry.snapshot()) {
      seen.push(m.name);
      registry.delete(m);
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    expect(registry.size).toBe(0);
  });
});
