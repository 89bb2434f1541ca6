/**
 * The requests being served, for the timeout sweeper and the shutdown drain. A dense array with
 * swap-remove (each member keeps its slot) rather than a `Set`: a `Set` that grows and shrinks as
 * requests come and go replaces its hash table, and each obsolete table points to its successor.
 * Once one of them is promoted to the old generation, that chain keeps every later table — and
 * the finished requests they held — alive across scavenges until the next full GC: promotion on
 * every request, and full-GC pauses under load. Here a finished request leaves no reference behind.
 */
export interface InFlightMember {
  /** Position in the registry; -1 when not registered. Owned by the registry. */
  inFlightSlot: number;
}

export class InFlightRegistry<T extends InFlightMember> {
  readonly #members: T[] = [];

  get size(): number {
    return this.#members.length;
  }

  add(member: T): void {
    if (member.inFlightSlot !== -1) return;
    member.inFlightSlot = this.#members.length;
    this.#members.push(member);
  }

  delete(member: T): boolean {
    const slot = member.inFlightSlot;
    if (slot === -1 || this.#members[slot] !== member) return false;
    const last = this.#members.pop()!;
    if (last !== member) {
      this.#members[slot] = last;
      last.inFlightSlot = slot;
    }
    member.inFlightSlot = -1;
    return true;
  }

  /** A copy: callers may finish (delete) members while they walk it. */
  snapshot(): readonly T[] {
    return this.#members.slice();
  }
}
