#!/usr/bin/env node
// Builds fuse-native's addon from its own source with dfs's patch applied
// (native/fuse-native-utimens.patch: utimens gets the modification time, and UTIME_NOW /
// UTIME_OMIT as such) and puts it where fuse-native loads from first:
// node_modules/fuse-native/build/Release/fuse.node, ahead of the upstream prebuild.
// Runs as the `postinstall` script (so `npm ci` does it) and as `npm run build:native`.
//
// Offline by design: node-gyp is the one bundled with npm, the Node headers are the ones
// installed with Node (passed as --nodedir, so node-gyp never downloads any), and libfuse's
// headers and link library come from fuse-native's dependency fuse-shared-library. Needs
// python3, make and a C compiler. Any failure stops with a message and a non-zero exit:
// without this build `dfs mount` refuses to start (src/fuse/binding.ts).
// See native-notes/README.md, "The patched addon".
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FUSE_NATIVE_VERSION = '2.2.6';
/** sha256 of fuse-native 2.2.6's fuse-native.c, the file the patch is made against. */
const SOURCE_SHA256 = 'e20f3726f19bc22613377b6b2e1516d8aacec09eca2ae79398cae612db7da7e8';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const patchFile = path.join(root, 'native', 'fuse-native-utimens.patch');

function fail(message) {
  console.error(`dfs: cannot build the patched FUSE addon: ${message}`);
  console.error('dfs: without it `dfs mount` refuses to start; see native-notes/README.md ("The patched addon").');
  process.exit(1);
}

/** Applies a one-file unified diff; every hunk must match exactly where it says (no fuzz). */
function applyPatch(source, patch) {
  const lines = source.split('\n');
  const diff = patch.split('\n');
  const out = [];
  let next = 0; // index in `lines` of the first line not yet copied
  for (let i = 0; i < diff.length; i++) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(diff[i]);
    if (!header) continue;
    const start = Number(header[1]) - (header[2] === '0' ? 0 : 1);
    let [oldLeft, newLeft] = [Number(header[2] ?? 1), Number(header[3] ?? 1)];
    if (start < next) fail(`${patchFile}: hunks overlap or are out of order`);
    out.push(...lines.slice(next, start));
    next = start;
    while (oldLeft > 0 || newLeft > 0) {
      const line = diff[++i];
      if (line === undefined) fail(`${patchFile}: a hunk ends early`);
      const op = line === '' ? ' ' : line[0]; // an empty context line may have lost its space
      const text = line.slice(1);
      if (op === '\\') continue; // "\ No newline at end of file"
      if (op === '+') {
        out.push(text);
        newLeft--;
        continue;
      }
      if (op !== ' ' && op !== '-') fail(`${patchFile}: unexpected line in a hunk: ${line}`);
      if (lines[next] !== text) fail(`${patchFile}: line ${next + 1} of fuse-native.c does not match the patch`);
      if (op === ' ') {
        out.push(text);
        newLeft--;
      }
      oldLeft--;
      next++;
    }
  }
  return [...out, ...lines.slice(next)].join('\n');
}

/** A directory whose include/node holds Node's headers (node_api.h, common.gypi). */
function nodeHeaders() {
  const candidates = [process.env.npm_config_nodedir, path.resolve(path.dirname(process.execPath), '..')].filter(Boolean);
  const found = candidates.find((dir) => ['node_api.h', 'common.gypi'].every((f) => fs.existsSync(path.join(dir, 'include', 'node', f))));
  if (!found) {
    fail(`no Node headers in ${candidates.map((d) => path.join(d, 'include', 'node')).join(' or ')} ` +
      '(the Node release tarballs and the nodesource packages ship them; set npm_config_nodedir to the prefix that holds include/node)');
  }
  return found;
}

/** npm's own node-gyp: npm names it in npm_config_node_gyp for scripts; else next to npm. */
/**
 * python3, make and g++ must be on PATH. On a bare machine the README's first command is
 * `npm ci`, which runs this before anything else could install them: let
 * scripts/system-deps.sh (which installs only what is missing) do it now.
 */
function ensureBuildTools() {
  const missing = () => ['python3', 'make', 'g++'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
  if (missing().length === 0) return;
  const deps = path.join(root, 'scripts', 'system-deps.sh');
  if (fs.existsSync(deps)) spawnSync('bash', [deps], { stdio: 'inherit' });
  const still = missing();
  if (still.length) fail(`${still.join(', ')} not found: install them (Debian: apt-get install python3 make g++)`);
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) fail(`node-gyp not found (looked at ${candidates.join(', ')}); run this through npm (npm run build:native)`);
  return found;
}

const require = createRequire(path.join(root, 'package.json'));
let pkgDir;
try {
  pkgDir = path.dirname(require.resolve('fuse-native/package.json'));
} catch {
  fail('fuse-native is not installed (run npm ci)');
}
const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
const source = fs.readFileSync(path.join(pkgDir, 'fuse-native.c'), 'utf8');
const sha = createHash('sha256').update(source).digest('hex');
if (version !== FUSE_NATIVE_VERSION || sha !== SOURCE_SHA256) {
  fail(`the patch is made for fuse-native ${FUSE_NATIVE_VERSION} (fuse-native.c sha256 ${SOURCE_SHA256}); ` +
    `installed is ${version} with sha256 ${sha}: remake native/fuse-native-utimens.patch for it`);
}

// The patched copy is built in a directory of its own inside the package, so that
// binding.gyp's `require('napi-macros')` and `require('fuse-shared-library/...')` resolve
// as they do for fuse-native itself, and upstream's files stay as npm installed them.
const work = path.join(pkgDir, 'build-dfs');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work);
for (const f of ['binding.gyp', 'semaphore.h']) fs.copyFileSync(path.join(pkgDir, f), path.join(work, f));
fs.writeFileSync(path.join(work, 'fuse-native.c'), applyPatch(source, fs.readFileSync(patchFile, 'utf8')));

ensureBuildTools();
const nodedir = nodeHeaders();
const gyp = spawnSync(process.execPath, [nodeGyp(), 'rebuild', `--nodedir=${nodedir}`, '--loglevel=warn'], {
  cwd: work,
  stdio: 'inherit',
  env: { ...process.env, npm_config_nodedir: nodedir },
});
if (gyp.error) fail(`node-gyp did not run: ${gyp.error.message}`);
if (gyp.status !== 0) fail(`node-gyp rebuild exited ${gyp.status ?? gyp.signal} (it needs python3, make and a C compiler)`);

const built = path.join(work, 'build', 'Release', 'fuse.node');
const target = path.join(pkgDir, 'build', 'Release', 'fuse.node');
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.copyFileSync(built, target);
fs.rmSync(path.join(work, 'build'), { recursive: true, force: true });

// node-gyp-build, as fuse-native calls it, must now choose this file over the prebuild
const chosen = createRequire(path.join(pkgDir, 'index.js'))('node-gyp-build').path(pkgDir);
if (path.resolve(chosen) !== target) fail(`fuse-native would load ${chosen}, not ${target}`);
console.error(`dfs: built the patched FUSE addon: ${path.relative(root, target)}`);
