// Account commands: users (with their second factor and password), groups and sessions.
import type { Command } from 'commander';
import qrcode from 'qrcode-terminal';
import { withClient, type GlobalOptions } from './connect.js';
import { action, UsageError } from './errors.js';
import { printJson, table, timeString } from './format.js';
import { readLine, readSecret } from './prompt.js';

function qr(text: string): Promise<string> {
  return new Promise((resolve) => qrcode.generate(text, { small: true }, resolve));
}

const CODE_RE = /^[0-9]{6}$/;

function totpCodeArg(code: string): string {
  const c = code.replace(/\s+/g, '');
  if (!CODE_RE.test(c)) throw new UsageError('a one-time code is 6 digits');
  return c;
}

export function registerAccountCommands(program: Command, globals: () => GlobalOptions): void {
  const user = program.command('user').description('manage users');
  user
    .command('add')
    .description('add a user (admin)')
    .argument('<name>')
    .option('--password-stdin', 'read the password from stdin')
    .action(
      action(async (name: string, o: { passwordStdin?: boolean }) => {
        const password = await readSecret(`Password for ${name}: `, o.passwordStdin ?? false);
        await withClient(globals(), async (c) => {
          const u = await c.addUser(name, password);
          process.stdout.write(`added ${u.name} (uid ${u.uid})\n`);
        });
      }),
    );
  user
    .command('list')
    .description('list users')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        await withClient(globals(), async (c) => {
          const users = await c.listUsers();
          if (o.json) {
            printJson(users);
            return;
          }
          const rows = [['USER', 'UID', 'GID', 'ADMIN', 'MFA']];
          for (const u of users) {
            rows.push([u.name, String(u.uid), String(u.gid), u.admin ? 'yes' : '', u.mfa ? 'yes' : '']);
          }
          process.stdout.write(table(rows) + '\n');
        });
      }),
    );
  user
    .command('passwd')
    .description("change your password (or, as admin, another user's); ends that user's other sessions")
    .argument('[name]')
    .option('--password-stdin', 'read the new password from stdin')
    .action(
      action(async (name: string | undefined, o: { passwordStdin?: boolean }) => {
        const password = await readSecret('New password: ', o.passwordStdin ?? false);
        await withClient(globals(), async (c) => {
          await c.setPassword(password, name);
          process.stderr.write('password changed\n');
        });
      }),
    );

  const mfa = user.command('mfa').description('second factor: a TOTP code from an authenticator app at login');
  mfa
    .command('enable')
    .description('make a TOTP secret for you: scan the QR code, then confirm with a code')
    .option('--code <code>', 'a code from your current app, when replacing a working second factor')
    .option('--no-qr', 'print only the otpauth:// URI')
    .action(
      action(async (o: { code?: string; qr: boolean }) => {
        await withClient(globals(), async (c) => {
          const r = await c.mfaEnable(o.code === undefined ? undefined : totpCodeArg(o.code));
          const out = process.stdout;
          out.write(`secret: ${r.secret}\n${r.uri}\n`);
          if (o.qr) out.write(`\n${await qr(r.uri)}\n`);
          if (!process.stdin.isTTY) {
            out.write('not active yet: confirm with `dfs user mfa confirm CODE`\n');
            return;
          }
          const code = totpCodeArg(await readLine('Code from your app, to confirm: '));
          await c.mfaConfirm(code);
          process.stderr.write(`second factor ${r.replacing ? 'replaced' : 'on'}: \`dfs login\` will ask for a code\n`);
        });
      }),
    );
  mfa
    .command('confirm')
    .description('turn on the secret from `mfa enable` by giving a code it makes')
    .argument('<code>')
    .action(
      action(async (code: string) => {
        await withClient(globals(), async (c) => {
          await c.mfaConfirm(totpCodeArg(code));
          process.stderr.write('second factor on: `dfs login` will ask for a code\n');
        });
      }),
    );
  mfa
    .command('disable')
    .description("turn the second factor off: yours (with a current code), or any user's (admin)")
    .argument('[name]')
    .option('--code <code>', 'a current code from your app')
    .action(
      action(async (name: string | undefined, o: { code?: string }) => {
        await withClient(globals(), async (c) => {
          await c.mfaDisable(name, o.code === undefined ? undefined : totpCodeArg(o.code));
          process.stderr.write('second factor off\n');
        });
      }),
    );

  const group = program.command('group').description('manage groups (changes: admin)');
  group
    .command('add')
    .description('add a group')
    .argument('<name>')
    .action(
      action(async (name: string) => {
        await withClient(globals(), async (c) => {
          const g = await c.addGroup(name);
          process.stdout.write(`added group ${g.name} (gid ${g.gid})\n`);
        });
      }),
    );
  group
    .command('adduser')
    .description('add a user to a group')
    .argument('<group>')
    .argument('<user>')
    .action(
      action(async (groupName: string, userName: string) => {
        await withClient(globals(), async (c) => {
          await c.addGroupMember(groupName, userName);
        });
      }),
    );
  group
    .command('deluser')
    .description('remove a user from a group')
    .argument('<group>')
    .argument('<user>')
    .action(
      action(async (groupName: string, userName: string) => {
        await withClient(globals(), async (c) => {
          await c.removeGroupMember(groupName, userName);
        });
      }),
    );
  group
    .command('list')
    .description('list groups and their members')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        await withClient(globals(), async (c) => {
          const groups = await c.listGroups();
          if (o.json) {
            printJson(groups);
            return;
          }
          const rows = [['GROUP', 'GID', 'MEMBERS']];
          for (const g of groups) rows.push([g.name, String(g.gid), g.members.join(',')]);
          process.stdout.write(table(rows) + '\n');
        });
      }),
    );

  const session = program.command('session').description("list and end sessions (yours; an admin: everyone's)");
  session
    .command('list')
    .description('list live sessions; ids are hash prefixes, never tokens')
    .option('--json', 'print JSON')
    .action(
      action(async (o: { json?: boolean }) => {
        await withClient(globals(), async (c) => {
          const list = await c.listSessions();
          if (o.json) {
            printJson(list);
            return;
          }
          const rows = [['ID', 'USER', 'FROM', 'CREATED', 'EXPIRES', '']];
          for (const s of list) {
            rows.push([s.id, s.user, s.from ?? '', s.created ? timeString(s.created) : '', timeString(s.expires), s.current ? '(this one)' : '']);
          }
          process.stdout.write(table(rows) + '\n');
        });
      }),
    );
  session
    .command('revoke')
    .description('end a session by id, or every session of a user')
    .argument('[id]')
    .option('--user <name>', 'end all sessions of this user')
    .action(
      action(async (id: string | undefined, o: { user?: string }) => {
        if ((id === undefined) === (o.user === undefined)) throw new UsageError('give a session id or --user NAME');
        await withClient(globals(), async (c) => {
          const n = await c.revokeSessions(id !== undefined ? { id } : { user: o.user! });
          process.stderr.write(`ended ${n} session${n === 1 ? '' : 's'}\n`);
        });
      }),
    );
}
