/** One tracked value; the handle `add` gives back for `delete`. */
export interface InFlightEntry<T> {
  value: T | undefined;
  older: InFlightEntry<T> | undefined;
  newer: InFlightEntry<T> | undefined;
}

/**
 * What a host is answering right now (each request's response and its settling promise), for its graceful
 * stop: a doubly linked list through the entries, and an entry let go is emptied.
 *
 * Why not a Set: a Set that lives as long as the host sits in V8's old generation, and every rehash of its
 * table (which add/delete churn causes every few dozen requests) then allocates the new table in the old
 * generation too. The table it replaces keeps its entries (V8 leaves them for live iterators) and is
 * garbage that only a full collection frees; until then each young response it still names survives the
 * scavenges and is promoted. Measured on `npm start` (docs/benchmarks.md): about 3.4 KB promoted per cached
 * request instead of 15 bytes, a quarter fewer requests/s and twice the p99. A list holds only what is in
 * flight now, and an emptied entry holds nothing, whatever generation it ends up in.
 */
export class InFlight<T extends object> {
  #newest: InFlightEntry<T> | undefined;

  add(value: T): InFlightEntry<T> {
    const entry: InFlightEntry<T> = { value, older: this.#newest, newer: undefined };
    if (this.#newest) this.#newest.newer = entry;
    this.#newest = entry;
    return entry;
  }

  /** Lets an entry go; a second call for the same entry does nothing. */
  delete(entry: InFlightEntry<T>): void {
    if (entry.value === undefined) return;
    if (entry.newer) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    if (entry.older) entry.older.newer = entry.newer;
    entry.value = entry.older = entry.newer = undefined;
  }

  /** The values in flight, newest first (a snapshot: deleting while iterating it is safe). */
  values(): T[] {
    const out: T[] = [];
    for (let e = this.#newest; e; e = e.older) out.push(e.value!);
    return out;
  }
}
