#!/usr/bin/env node
// Builds dfs's two FUSE addons, offline, as the `postinstall` script (so `npm ci` does it)
// and as `npm run build:native`:
//
// 1. fuse-native's own addon (libfuse 2, the high-level API) from its source with dfs's
//    patch applied (native/fuse-native-utimens.patch: utimens gets the modification time,
//    and UTIME_NOW / UTIME_OMIT as such), put where fuse-native loads from first:
//    node_modules/fuse-native/build/Release/fuse.node, ahead of the upstream prebuild.
// 2. dfs's low-level addon (libfuse 3, the inode API on Node's event loop) from
//    native/fuse-lowlevel.c, against Debian's libfuse3-dev, put beside it at
//    node_modules/fuse-native/build-dfs/fuse_lowlevel.node (src/fuse/lowlevel-addon.ts).
//
// node-gyp is the one bundled with npm, the Node headers are the ones installed with Node
// (passed as --nodedir, so node-gyp never downloads any); libfuse 2's headers come from
// fuse-native's dependency fuse-shared-library, libfuse 3's from libfuse3-dev. Needs
// python3, make and a C compiler. A failure stops with one line saying why (node-gyp's own
// output goes to a log file it names) and a non-zero exit: without these builds `dfs mount`
// refuses to start (src/fuse/binding.ts). See native-notes/README.md, "The patched addon",
// and native-notes/lowlevel.md.
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

/** The addon being built, and where it is explained, for the one line a failure prints. */
let building = { what: 'the patched FUSE addon (fuse-native)', notes: 'native-notes/README.md' };

function fail(message) {
  console.error(`dfs: cannot build ${building.what}: ${message} (see ${building.notes})`);
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

/** Where Debian's libfuse3-dev puts the header the low-level addon is compiled against. */
const FUSE3_HEADER = '/usr/include/fuse3/fuse_lowlevel.h';

/**
 * python3, make and g++ must be on PATH, and libfuse 3's headers installed. On a bare
 * machine the README's first command is `npm ci`, which runs this before anything else
 * could install them: let scripts/system-deps.sh (which installs only what is missing) do it
 * now.
 */
function ensureBuildTools() {
  const missing = () => ['python3', 'make', 'g++'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
  const pkgConfigKnows = () => spawnSync('pkg-config', ['--exists', 'fuse3'], { stdio: 'ignore' }).status === 0;
  if (missing().length === 0 && (fs.existsSync(FUSE3_HEADER) || pkgConfigKnows())) return;
  const deps = path.join(root, 'scripts', 'system-deps.sh');
  if (fs.existsSync(deps)) spawnSync('bash', [deps], { stdio: 'inherit' });
  const still = missing();
  if (still.length) fail(`${still.join(', ')} not found: install them (Debian: apt-get install python3 make g++)`);
}

/** npm's own node-gyp: npm names it in npm_config_node_gyp for scripts; else next to npm. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) fail(`node-gyp not found (looked at ${candidates.join(', ')}); run this through npm (npm run build:native)`);
  return found;
}

/**
 * Runs npm's node-gyp in `dir` with its output in `dir/build.log`; a failure names the
 * first compiler error and the log, on one line.
 */
function gypRebuild(dir, nodedir) {
  const log = path.join(dir, 'build.log');
  const gyp = spawnSync(process.execPath, [nodeGyp(), 'rebuild', `--nodedir=${nodedir}`, '--loglevel=warn'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, npm_config_nodedir: nodedir },
  });
  fs.writeFileSync(log, `${gyp.stdout ?? ''}${gyp.stderr ?? ''}`);
  if (gyp.error) fail(`node-gyp did not run: ${gyp.error.message}`);
  if (gyp.status !== 0) {
    const firstError = `${gyp.stdout}\n${gyp.stderr}`.split('\n').find((l) => /error/i.test(l))?.trim();
    fail(`node-gyp rebuild exited ${gyp.status ?? gyp.signal}${firstError ? `: ${firstError}` : ''}; full output in ${path.relative(root, log)}`);
  }
}

const require = createRequire(path.join(root, 'package.json'));
let pkgDir;
try {
  pkgDir = path.dirname(require.resolve('fuse-native/package.json'));
} catch {
  fail('fuse-native is not installed (run npm ci)');
}
// Both builds happen in a directory of their own inside the package: binding.gyp's
// `require('napi-macros')` and `require('fuse-shared-library/...')` resolve as they do for
// fuse-native itself, upstream's files stay as npm installed them, and the image's
// node_modules carries the results.
const work = path.join(pkgDir, 'build-dfs');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work);
ensureBuildTools();
const nodedir = nodeHeaders();
buildHighLevel();
buildLowLevel();

function buildHighLevel() {
  const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
  const source = fs.readFileSync(path.join(pkgDir, 'fuse-native.c'), 'utf8');
  const sha = createHash('sha256').update(source).digest('hex');
  if (version !== FUSE_NATIVE_VERSION || sha !== SOURCE_SHA256) {
    fail(`the patch is made for fuse-native ${FUSE_NATIVE_VERSION} (fuse-native.c sha256 ${SOURCE_SHA256}); ` +
      `installed is ${version} with sha256 ${sha}: remake native/fuse-native-utimens.patch for it`);
  }
  const dir = path.join(work, 'high-level');
  fs.mkdirSync(dir);
  for (const f of ['binding.gyp', 'semaphore.h']) fs.copyFileSync(path.join(pkgDir, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'fuse-native.c'), applyPatch(source, fs.readFileSync(patchFile, 'utf8')));
  gypRebuild(dir, nodedir);

  const built = path.join(dir, 'build', 'Release', 'fuse.node');
  const target = path.join(pkgDir, 'build', 'Release', 'fuse.node');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(built, target);
  fs.rmSync(dir, { recursive: true, force: true });

  // node-gyp-build, as fuse-native calls it, must now choose this file over the prebuild
  const chosen = createRequire(path.join(pkgDir, 'index.js'))('node-gyp-build').path(pkgDir);
  if (path.resolve(chosen) !== target) fail(`fuse-native would load ${chosen}, not ${target}`);
  console.error(`dfs: built the patched FUSE addon: ${path.relative(root, target)}`);
}

/** libfuse 3's compiler and linker flags: pkg-config's when it knows fuse3, else Debian's paths. */
function fuse3Flags() {
  const pc = (what) => spawnSync('pkg-config', [what, 'fuse3'], { encoding: 'utf8' });
  const cflags = pc('--cflags');
  const libs = pc('--libs');
  const split = (s) => s.trim().split(/\s+/).filter(Boolean);
  const flags = cflags.status === 0 && libs.status === 0
    ? { include: split(cflags.stdout).filter((f) => f.startsWith('-I')).map((f) => f.slice(2)), libraries: split(libs.stdout) }
    : { include: [path.dirname(FUSE3_HEADER)], libraries: ['-lfuse3', '-lpthread'] };
  const header = flags.include.map((d) => path.join(d, 'fuse_lowlevel.h')).find((f) => fs.existsSync(f));
  if (!header) fail('libfuse 3 headers not found (fuse3/fuse_lowlevel.h): install libfuse3-dev (Debian 12: apt-get install libfuse3-dev, or run scripts/system-deps.sh)');
  const common = fs.readFileSync(path.join(path.dirname(header), 'fuse_common.h'), 'utf8');
  const [major, minor] = ['MAJOR', 'MINOR'].map((w) => Number(new RegExp(`#define FUSE_${w}_VERSION\\s+(\\d+)`).exec(common)?.[1]));
  if (major !== 3 || minor < 14) fail(`libfuse ${major}.${minor} headers in ${path.dirname(header)}; the low-level addon needs libfuse 3.14 or later (Debian 12's libfuse3-dev)`);
  return flags;
}

function buildLowLevel() {
  building = { what: 'the low-level FUSE addon (native/fuse-lowlevel.c, libfuse 3)', notes: 'native-notes/lowlevel.md' };
  const flags = fuse3Flags();
  const dir = path.join(work, 'low-level');
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(root, 'native', 'fuse-lowlevel.c'), path.join(dir, 'fuse-lowlevel.c'));
  const gypFile = {
    targets: [{
      target_name: 'fuse_lowlevel',
      sources: ['fuse-lowlevel.c'],
      include_dirs: flags.include,
      libraries: flags.libraries,
      defines: ['NAPI_VERSION=8'],
      cflags: ['-O2', '-g', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-missing-field-initializers'],
    }],
  };
  fs.writeFileSync(path.join(dir, 'binding.gyp'), JSON.stringify(gypFile, null, 2));
  gypRebuild(dir, nodedir);
  const target = path.join(work, 'fuse_lowlevel.node');
  fs.copyFileSync(path.join(dir, 'build', 'Release', 'fuse_lowlevel.node'), target);
  fs.rmSync(dir, { recursive: true, force: true });
  // loading it proves the link: libfuse3.so.3 is there and every symbol resolves
  const loaded = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(target)}); process.stdout.write(a.libfuseVersion)`], { encoding: 'utf8' });
  if (loaded.status !== 0) fail(`the built addon does not load: ${loaded.stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? loaded.stderr.trim()} (is libfuse3-3 installed?)`);
  console.error(`dfs: built the low-level FUSE addon on libfuse ${loaded.stdout}: ${path.relative(root, target)}`);
}
