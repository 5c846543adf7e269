// What the client library's own calls take, beyond the wire's shapes (src/protocol/types.ts).

export interface OpenFlags {
  read: boolean;
  write: boolean;
  truncate?: boolean;
  append?: boolean;
}
