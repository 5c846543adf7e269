// The layers of src/ as rules (`npm run lint` runs `depcruise src`), so the shape the
// README's layout section draws holds: the wire's shapes (src/protocol) and the RPC layer
// (src/rpc) below every component; storage nodes and clients reach the master only over RPC;
// the CLI runs a master's or a storage node's code only in the file that starts the servers
// (src/cli/servers.ts); the FUSE layer works only through the client library; no circles.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle of imports: the modules in it cannot be understood, tested or loaded one without the others.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'protocol-and-rpc-import-no-component',
      severity: 'error',
      comment: 'src/protocol and src/rpc are what every component speaks through; they know none of them.',
      from: { path: '^src/(protocol|rpc)/' },
      to: { path: '^src/(master|storage|client|fuse|cli)/' },
    },
    {
      name: 'shared-parts-import-no-component',
      severity: 'error',
      comment: 'src/fsutil and the files at the top of src/ (defaults, log, version) are shared by every component and know none of them.',
      from: { path: '^src/(fsutil/|[^/]+$)' },
      to: { path: '^src/(master|storage|client|fuse|cli)/' },
    },
    {
      name: 'storage-and-client-reach-the-master-over-rpc',
      severity: 'error',
      comment: 'A storage node and the client library talk to the master over RPC (src/protocol/methods.ts), never by calling its code.',
      from: { path: '^src/(storage|client)/' },
      to: { path: '^src/master/' },
    },
    {
      name: 'servers-import-no-client',
      severity: 'error',
      comment: 'The master and storage nodes serve clients; they do not use the client library, the FUSE layer or the CLI.',
      from: { path: '^src/(master|storage)/' },
      to: { path: '^src/(client|fuse|cli)/' },
    },
    {
      name: 'master-and-storage-apart',
      severity: 'error',
      comment: 'The master and the storage nodes are separate servers: they meet only over RPC.',
      from: { path: '^src/(master|storage)/' },
      to: { path: '^src/(master|storage)/', pathNot: '^src/$1/' },
    },
    {
      name: 'client-library-below-its-users',
      severity: 'error',
      comment: 'The client library is what the FUSE layer and the CLI use; it knows neither.',
      from: { path: '^src/client/' },
      to: { path: '^src/(fuse|cli)/' },
    },
    {
      name: 'cli-starts-servers-in-one-file',
      severity: 'error',
      comment: "The CLI is a client: only the file that starts a master or a storage node (src/cli/servers.ts) imports their code.",
      from: { path: '^src/cli/', pathNot: '^src/cli/servers\\.ts$' },
      to: { path: '^src/(master|storage)/' },
    },
    {
      name: 'fuse-through-the-client-library',
      severity: 'error',
      comment: 'The FUSE layer reaches the cluster only through the client library (src/client).',
      from: { path: '^src/fuse/' },
      to: { path: '^src/(master|storage|cli)/' },
    },
    {
      name: 'src-imports-no-test',
      severity: 'error',
      comment: 'What ships (src/) does not depend on the tests or the benchmarks.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dependency',
      severity: 'error',
      comment: 'What ships (src/) must not need a package that `npm install --omit=dev` leaves out.',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js'],
    },
  },
};
