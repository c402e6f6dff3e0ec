/**
 * Indexed binary min-heap over node ids with decrease-key, in typed arrays (kdbush style): searches on a
 * city graph run thousands of times per matrix, so nothing is allocated per push or pop. Keys are
 * float64 (packed costs, see cost.ts); equal keys pop in the order of the smaller node id so that every
 * search is deterministic.
 */
export class NodeHeap {
  private readonly keys: Float64Array;
  private readonly items: Int32Array;
  /** Position of a node in `items`, or -1 when absent. */
  private readonly pos: Int32Array;
  private count = 0;

  constructor(readonly nodeCount: number) {
    this.keys = new Float64Array(nodeCount);
    this.items = new Int32Array(nodeCount);
    this.pos = new Int32Array(nodeCount).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  minKey(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : (this.keys[0] as number);
  }

  has(node: number): boolean {
    return (this.pos[node] as number) >= 0;
  }

  /** Inserts `node` or lowers its key; a higher key is ignored. */
  pushOrDecrease(node: number, key: number): void {
    let i = this.pos[node] as number;
    if (i < 0) {
      i = this.count++;
      this.items[i] = node;
      this.keys[i] = key;
      this.pos[node] = i;
    } else if (key < (this.keys[i] as number)) {
      this.keys[i] = key;
    } else return;
    this.up(i);
  }

  /** Sets the key of `node` (inserting it if absent), up or down. */
  set(node: number, key: number): void {
    const i = this.pos[node] as number;
    if (i < 0 || key < (this.keys[i] as number)) {
      this.pushOrDecrease(node, key);
      return;
    }
    this.keys[i] = key;
    this.down(i);
  }

  /** Removes and returns the node with the smallest key (the heap must not be empty). */
  pop(): number {
    const top = this.items[0] as number;
    this.pos[top] = -1;
    const last = --this.count;
    if (last > 0) {
      const node = this.items[last] as number;
      this.items[0] = node;
      this.keys[0] = this.keys[last] as number;
      this.pos[node] = 0;
      this.down(0);
    }
    return top;
  }

  clear(): void {
    for (let i = 0; i < this.count; i++) this.pos[this.items[i] as number] = -1;
    this.count = 0;
  }

  private less(i: number, j: number): boolean {
    const ki = this.keys[i] as number;
    const kj = this.keys[j] as number;
    return ki < kj || (ki === kj && (this.items[i] as number) < (this.items[j] as number));
  }

  private swap(i: number, j: number): void {
    const ni = this.items[i] as number;
    const nj = this.items[j] as number;
    const ki = this.keys[i] as number;
    this.items[i] = nj;
    this.items[j] = ni;
    this.keys[i] = this.keys[j] as number;
    this.keys[j] = ki;
    this.pos[nj] = i;
    this.pos[ni] = j;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.count) return;
      const r = l + 1;
      const c = r < this.count && this.less(r, l) ? r : l;
      if (!this.less(c, i)) return;
      this.swap(c, i);
      i = c;
    }
  }
}
