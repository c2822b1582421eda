/**
 * Span id → slot, for the span processor: a chained hash table in typed arrays, so adding and removing a span allocates
 * nothing. Span ids are random hex, so a few of their characters make a good hash.
 */
export class SpanIdTable {
  private _buckets = new Int32Array(1024).fill(-1);
  private _mask = 1023;
  /** Per slot: the next slot in its bucket, or -1. */
  private _next = new Int32Array(256);
  /** Per slot: its span id while it is in the table. */
  private readonly _ids: Array<string | undefined> = [];
  private _count = 0;

  /** Adds `slot` under `id` (a slot is in the table at most once). */
  set(id: string, slot: number): void {
    if (this._count * 2 >= this._buckets.length) this._rehash(this._buckets.length * 2);
    if (slot >= this._next.length) {
      const next = new Int32Array(Math.max(slot + 1, this._next.length * 2));
      next.set(this._next);
      this._next = next;
    }
    while (this._ids.length <= slot) this._ids.push(undefined);
    const b = hash(id) & this._mask;
    this._ids[slot] = id;
    this._next[slot] = this._buckets[b] ?? -1;
    this._buckets[b] = slot;
    this._count++;
  }

  /** The slot added last under `id`, or -1. */
  get(id: string): number {
    for (let s = this._buckets[hash(id) & this._mask] ?? -1; s >= 0; s = this._next[s] ?? -1) {
      if (this._ids[s] === id) return s;
    }
    return -1;
  }

  /** Removes `slot` (whatever id it was added under); nothing when it is not in the table. */
  delete(slot: number): void {
    const id = this._ids[slot];
    if (id === undefined) return;
    this._ids[slot] = undefined;
    this._count--;
    const b = hash(id) & this._mask;
    let s = this._buckets[b] ?? -1;
    if (s === slot) {
      this._buckets[b] = this._next[slot] ?? -1;
      return;
    }
    while (s >= 0) {
      const n = this._next[s] ?? -1;
      if (n === slot) {
        this._next[s] = this._next[slot] ?? -1;
        return;
      }
      s = n;
    }
  }

  private _rehash(size: number): void {
    this._buckets = new Int32Array(size).fill(-1);
    this._mask = size - 1;
    for (let slot = 0; slot < this._ids.length; slot++) {
      const id = this._ids[slot];
      if (id === undefined) continue;
      const b = hash(id) & this._mask;
      this._next[slot] = this._buckets[b] ?? -1;
      this._buckets[b] = slot;
    }
  }
}

/** Mixes the last 8 characters (any string works; span ids are 16 random hex digits). */
function hash(id: string): number {
  let h = 0;
  for (let i = Math.max(0, id.length - 8); i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}
