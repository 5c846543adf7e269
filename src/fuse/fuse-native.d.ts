// Types for fuse-native 2.2.6 (CommonJS, ships none). Only what dfs uses, written from the
// package's index.js: each handler ends in a callback whose first argument is 0 or a
// negative errno; read and write answer with the byte count (or a negative errno) instead.
declare module 'fuse-native' {
  export type Done = (errno: number) => void;
  export type Answer<T> = (errno: number, value?: T) => void;

  export interface FuseStat {
    mode: number;
    uid: number;
    gid: number;
    size: number;
    nlink: number;
    ino: number;
    blksize: number;
    blocks: number;
    dev?: number;
    rdev?: number;
    /** Milliseconds since the epoch (or a Date). */
    atime: number | Date;
    mtime: number | Date;
    ctime: number | Date;
  }

  /** Every field travels as a uint32. */
  export interface FuseStatfs {
    bsize: number;
    frsize: number;
    blocks: number;
    bfree: number;
    bavail: number;
    files: number;
    ffree: number;
    favail: number;
    fsid: number;
    flag: number;
    namemax: number;
  }

  export interface FuseOps {
    init?(cb: Done): void;
    access?(path: string, mode: number, cb: Done): void;
    statfs?(path: string, cb: Answer<FuseStatfs>): void;
    getattr?(path: string, cb: Answer<FuseStat>): void;
    fgetattr?(path: string, fd: number, cb: Answer<FuseStat>): void;
    flush?(path: string, fd: number, cb: Done): void;
    fsync?(path: string, datasync: number, fd: number, cb: Done): void;
    readdir?(path: string, cb: (errno: number, names?: string[], stats?: FuseStat[]) => void): void;
    truncate?(path: string, size: number, cb: Done): void;
    ftruncate?(path: string, fd: number, size: number, cb: Done): void;
    /**
     * As DfsFuse calls it over dfs's patched addon (src/fuse/mount.ts): each time in ms since
     * the epoch, 'now' (UTIME_NOW), or undefined to leave it alone (UTIME_OMIT); see
     * src/fuse/binding.ts.
     */
    utimens?(path: string, atime: number | 'now' | undefined, mtime: number | 'now' | undefined, cb: Done): void;
    readlink?(path: string, cb: Answer<string>): void;
    chown?(path: string, uid: number, gid: number, cb: Done): void;
    chmod?(path: string, mode: number, cb: Done): void;
    open?(path: string, flags: number, cb: Answer<number>): void;
    create?(path: string, mode: number, cb: Answer<number>): void;
    /** `buf` is a view of libfuse's memory, valid only until `cb` runs. */
    read?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytesOrErrno: number) => void): void;
    write?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytesOrErrno: number) => void): void;
    release?(path: string, fd: number, cb: Done): void;
    unlink?(path: string, cb: Done): void;
    rename?(src: string, dest: string, cb: Done): void;
    link?(src: string, dest: string, cb: Done): void;
    symlink?(target: string, path: string, cb: Done): void;
    mkdir?(path: string, mode: number, cb: Done): void;
    /** `mode` has the S_IF* type bits; `dev` is the low 32 bits of the device's dev_t. */
    mknod?(path: string, mode: number, dev: number, cb: Done): void;
    rmdir?(path: string, cb: Done): void;
  }

  export interface FuseOptions {
    /** Per-operation deadline in ms (false: none); answered with ETIMEDOUT. */
    timeout?: number | false | Record<string, number | false>;
    force?: boolean;
    mkdir?: boolean;
    debug?: boolean;
    fsname?: string;
    subtype?: string;
    autoCache?: boolean;
    kernelCache?: boolean;
    entryTimeout?: number;
    attrTimeout?: number;
    acAttrTimeout?: number;
    maxRead?: number;
    allowOther?: boolean;
    defaultPermissions?: boolean;
  }

  export default class Fuse {
    constructor(mnt: string, ops: FuseOps, opts?: FuseOptions);
    readonly mnt: string;
    readonly opts: FuseOptions;
    readonly ops: FuseOps;
    mount(cb: (err: Error | null) => void): void;
    unmount(cb: (err: Error | null) => void): void;
    static unmount(mnt: string, cb: (err: Error | null) => void): void;
    /** The `-o` string handed to libfuse; subclasses may extend it. */
    protected _fuseOptions(): string;
    /** The glue between the native fgetattr call and `ops`; `signal` answers the kernel. */
    protected _op_fgetattr(signal: (errno: number, stat?: Uint32Array) => void, path: string, fd: number): void;
    /** The glue for utimens: four numbers after the path, whose meaning depends on the addon. */
    protected _op_utimens(signal: (errno: number) => void, path: string, a: number, b: number, c: number, d: number): void;
  }
}
