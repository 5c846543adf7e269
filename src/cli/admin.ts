// Session and administration commands: login, logout, whoami, fsck (status is in status.ts).
import { REASON } from '../protocol/reasons.js';
import path from 'node:path';
import type { Command } from 'commander';
import { DfsClient, normalizePath } from '../client/client.js';
import type { LoginResult } from '../protocol/types.js';
import { DfsError } from '../rpc/errors.js';
import { clearSession, loadSession, saveSession } from './config.js';
import { caFileFor, masterUrl, readCa, withClient, type GlobalOptions } from './connect.js';
import { action, UsageError } from './errors.js';
import { printJson, timeString } from './format.js';
import { readLine, readSecret } from './prompt.js';

export function registerAdminCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('login')
    .description('log in to a cluster and save the session')
    .requiredOption('-u, --user <name>', 'user name')
    .option('--password-stdin', 'read the password from stdin')
    .option('--totp <code>', 'the one-time code from your authenticator app (asked for when needed)')
    .action(
      action(async (o: { user: string; passwordStdin?: boolean; totp?: string }) => {
        const g = globals();
        const url = masterUrl(g);
        // a new login to the same master keeps trusting the CA the last one was given
        const caFile = caFileFor(g, url);
        const password = await readSecret('Password: ', o.passwordStdin ?? false);
        const c = new DfsClient(url, { ca: readCa(caFile) });
        try {
          let r: LoginResult;
          try {
            r = await c.login(o.user, password, o.totp);
          } catch (err) {
            if (!(err instanceof DfsError && err.reason === REASON.totpRequired)) throw err;
            if (!process.stdin.isTTY) throw new UsageError(`${o.user} has a second factor: pass --totp CODE`);
            r = await c.login(o.user, password, await readLine('One-time code: '));
          }
          saveSession({ master: url, token: r.token, user: r.user, expires: r.expires, ca: caFile ? path.resolve(caFile) : undefined });
          process.stderr.write(`logged in to ${url} as ${r.user} until ${timeString(r.expires)} UTC\n`);
        } finally {
          c.close();
        }
      }),
    );

  program
    .command('logout')
    .description('end the session and forget it')
    .action(
      action(async () => {
        const saved = loadSession();
        if (!saved) throw new UsageError('not logged in');
        const c = new DfsClient(saved.master, { token: saved.token, ca: readCa(saved.ca) });
        try {
          await c.logout();
        } catch {
          // an unreachable master or a dead session: forgetting it locally is what matters
        } finally {
          c.close();
          clearSession();
        }
      }),
    );

  program
    .command('whoami')
    .description('show the logged-in user')
    .action(
      action(async () => {
        await withClient(globals(), async (c) => {
          const w = await c.whoami();
          process.stdout.write(`${w.user} (uid ${w.uid}, gid ${w.gid}${w.admin ? ', admin' : ''})\n`);
        });
      }),
    );

  program
    .command('fsck')
    .description('check that every block of every file under PATH has its copies (admin); exit 1 if not')
    .argument('[path]', 'subtree to check', '/')
    .option('--json', 'print JSON')
    .action(
      action(async (p: string, o: { json?: boolean }) => {
        await withClient(globals(), async (c) => {
          const r = await c.call('cluster.fsck', { path: normalizePath(p) });
          if (!r.healthy) process.exitCode = 1;
          if (o.json) {
            printJson(r);
            return;
          }
          const lines: string[] = [];
          for (const d of r.damaged) {
            const what = [];
            if (d.missing) what.push(`${d.missing} of ${d.blocks} blocks missing`);
            if (d.underReplicated) what.push(`${d.underReplicated} of ${d.blocks} blocks under-replicated (want ${d.replicas} copies)`);
            lines.push(`${d.path}: ${what.join(', ')}`);
          }
          if (r.truncated) lines.push('… more damaged files than listed');
          for (const d of r.dangling) lines.push(`${d}: directory entry names a missing inode`);
          for (const n of r.unverifiedNodes) lines.push(`node ${n} did not list its blocks; its copies were taken on trust`);
          if (r.beyondNodes) {
            lines.push(`${r.beyondNodes} files ask for more copies than the cluster has storage nodes: one copy a node is what they can have`);
          }
          lines.push(
            `${r.path}: ${r.files} files, ${r.dirs} directories, ${r.blocks} blocks: ` +
              `${r.missing} missing, ${r.underReplicated} under-replicated, ${r.corrupt} corrupt (cluster-wide)`,
          );
          lines.push(r.healthy ? 'HEALTHY' : 'DAMAGED');
          process.stdout.write(lines.join('\n') + '\n');
        });
      }),
    );
}
