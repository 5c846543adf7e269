// Which storage nodes hold each block, and how many file slots reference it. A block whose
// references drop to zero becomes garbage for the collector to delete from its nodes.
export interface BlockInfo {
  id: string;
  size: number;
  refs: number;
  nodes: Set<string>;
  /** Nodes among `nodes` whose copy a client found bad: kept, but not a good copy (records.ts 'suspect'). */
  suspect?: Set<string>;
}

export class BlockMap {
  readonly blocks = new Map<string, BlockInfo>();
  /** Unreferenced blocks still held by nodes: id → nodes to delete from. */
  readonly garbage = new Map<string, Set<string>>();
  /** One string per node id, however many blocks name it (millions of blocks, a few nodes). */
  private readonly nodeIds = new Map<string, string>();

  internNode(id: string): string {
    const known = this.nodeIds.get(id);
    if (known !== undefined) return known;
    this.nodeIds.set(id, id);
    return id;
  }

  ref(id: string, size: number, nodes: string[]): void {
    let b = this.blocks.get(id);
    if (!b) {
      b = { id, size, refs: 0, nodes: new Set() };
      this.blocks.set(id, b);
    }
    b.refs++;
    for (const n of nodes) b.nodes.add(this.internNode(n));
    this.garbage.delete(id);
  }

  unref(id: string): void {
    const b = this.blocks.get(id);
    if (!b) return;
    b.refs--;
    if (b.refs <= 0) {
      this.blocks.delete(id);
      if (b.nodes.size) this.garbage.set(id, b.nodes);
    }
  }

  locate(id: string, add: string[] = [], remove: string[] = []): void {
    const b = this.blocks.get(id);
    if (!b) {
      // a copy of an unreferenced block that a node has deleted (garbage collection)
      const g = this.garbage.get(id);
      for (const n of remove) g?.delete(n);
      if (g?.size === 0) this.garbage.delete(id);
      return;
    }
    for (const n of add) b.nodes.add(this.internNode(n));
    for (const n of remove) {
      b.nodes.delete(n);
      b.suspect?.delete(n);
    }
    if (b.suspect?.size === 0) delete b.suspect;
  }

  /** Marks the copies of `id` on `nodes` suspect (a node that holds none is skipped). */
  suspect(id: string, nodes: string[]): void {
    const b = this.blocks.get(id);
    if (!b) return;
    for (const n of nodes) {
      if (!b.nodes.has(n)) continue;
      b.suspect ??= new Set();
      b.suspect.add(this.internNode(n));
    }
  }

  /** Copies of an unreferenced block on `nodes`, to delete there; a referenced block is never garbage. */
  addGarbage(id: string, nodes: string[]): void {
    if (this.blocks.has(id) || nodes.length === 0) return;
    let g = this.garbage.get(id);
    if (!g) {
      g = new Set();
      this.garbage.set(id, g);
    }
    for (const n of nodes) g.add(this.internNode(n));
  }

  get(id: string): BlockInfo | undefined {
    return this.blocks.get(id);
  }
}
