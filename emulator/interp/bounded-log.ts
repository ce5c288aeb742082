// A log that keeps only its latest entries: a long run that prints or emits events on every few
// instructions must not grow the host's memory without bound. Its length counts every entry appended
// (so an entry's index stays its place in the timeline), and checkpoints rewind it by length.

export class BoundedLog<T> {
  private items: T[] = [];
  /** Entries appended before the first one still kept. */
  private dropped = 0;

  /** Keeps at least the last `limit` entries (Infinity: all of them). */
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`a log keeps at least 1 entry (got ${limit})`);
  }

  /** Entries ever appended in this timeline, kept or not. */
  get length(): number {
    return this.dropped + this.items.length;
  }

  /** Index of the oldest entry still kept. */
  get firstKept(): number {
    return this.dropped;
  }

  /** The entries still kept, oldest first. */
  get kept(): readonly T[] {
    return this.items;
  }

  /** The entry at a timeline index, if still kept. */
  at(index: number): T | undefined {
    return index >= this.dropped ? this.items[index - this.dropped] : undefined;
  }

  push(item: T): void {
    this.items.push(item);
    // Trimmed by halves, so appending stays amortized constant time.
    if (this.items.length >= 2 * this.limit) {
      const excess = this.items.length - this.limit;
      this.items.splice(0, excess);
      this.dropped += excess;
    }
  }

  /** Back to `length` entries (a checkpoint's); entries no longer kept stay forgotten. */
  truncate(length: number): void {
    if (length >= this.length) return;
    if (length >= this.dropped) this.items.length = length - this.dropped;
    else { this.items = []; this.dropped = length; }
  }

  map<U>(f: (item: T, index: number) => U): U[] {
    return this.items.map(f);
  }

  filter(f: (item: T) => boolean): T[] {
    return this.items.filter(f);
  }
}
