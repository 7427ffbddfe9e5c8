// Name keys kept in sorted order, so that a listing page is found by binary search and costs
// the page, not the whole list: `LIST_GROUPS AFTER x` over 10,000 groups must not sort 10,000
// names each time it is asked. Adding and removing shift the array (a memmove of pointers, a few
// microseconds at 10,000), which only joins, leaves and group changes pay.

export class SortedKeys {
  private readonly keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  add(key: string): void {
    const at = this.firstAfterOrAt(key);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  delete(key: string): void {
    const at = this.firstAfterOrAt(key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  /** Up to `limit` keys that sort after `after` (all from the first when undefined), and whether more follow. */
  page(after: string | undefined, limit: number): { keys: string[]; more: boolean } {
    let start = 0;
    if (after !== undefined) {
      start = this.firstAfterOrAt(after);
      if (this.keys[start] === after) start++;
    }
    const keys = this.keys.slice(start, start + limit);
    return { keys, more: start + keys.length < this.keys.length };
  }

  clear(): void {
    this.keys.length = 0;
  }

  /** The index of the first key ≥ `key` (code-unit order). */
  private firstAfterOrAt(key: string): number {
    let low = 0;
    let high = this.keys.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.keys[mid]! < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
