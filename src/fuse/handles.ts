// Open file handles by number, as the kernel knows them. Numbers start at 1: libfuse
// passes 0 for "no handle" (and fuse-native does not store a 0 we return).
import { DfsError } from '../rpc/errors.js';

const MAX_FD = 0x7fffffff; // fuse-native reads the number back as an int32

export class HandleTable<T> {
  private readonly open = new Map<number, T>();
  private next = 1;

  add(value: T): number {
    while (this.open.has(this.next)) this.next = this.next >= MAX_FD ? 1 : this.next + 1;
    const fd = this.next;
    this.next = fd >= MAX_FD ? 1 : fd + 1;
    this.open.set(fd, value);
    return fd;
  }

  get(fd: number): T {
    const v = this.open.get(fd);
    if (v === undefined) throw new DfsError('EBADF', `no open file with handle ${fd}`);
    return v;
  }

  /** Forgets the handle and returns what it held. */
  remove(fd: number): T {
    const v = this.get(fd);
    this.open.delete(fd);
    return v;
  }

  values(): IterableIterator<T> {
    return this.open.values();
  }

  get size(): number {
    return this.open.size;
  }
}
