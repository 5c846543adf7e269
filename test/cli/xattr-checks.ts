// The checks test/cli/xattr*.test.ts make of a `dfs` run: it exits 0 and answers stdout, or
// exits with a code and says exactly why, in one line without a stack trace.
import type { Test } from 'tap';
import type { RunResult } from '../helpers/cluster.js';

export /** The runner's checks: `ok` must exit 0 and answers stdout; `fails` must exit `code` with exactly `stderr`. */
function checks(t: Test, dfs: (args: string[], input?: string | Buffer) => Promise<RunResult>) {
  return {
    ok: async (args: string[], input?: string | Buffer): Promise<string> => {
      const r = await dfs(args, input);
      t.equal(r.code, 0, `dfs ${args.join(' ')} exits 0${r.stderr ? `: ${r.stderr}` : ''}`);
      return r.stdout;
    },
    fails: async (args: string[], stderr: string | RegExp, code = 1, input?: string | Buffer): Promise<void> => {
      const r = await dfs(args, input);
      t.equal(r.code, code, `dfs ${args.join(' ')} exits ${code}`);
      if (typeof stderr === 'string') t.equal(r.stderr, stderr, `dfs ${args.join(' ')} says why`);
      else t.match(r.stderr, stderr, `dfs ${args.join(' ')} says why`);
      t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
    },
  };
}
