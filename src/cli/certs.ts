// TLS material for a local cluster: a private CA and one server certificate for the
// loopback names, made with the `openssl` command (no hand-written ASN.1), kept in the
// cluster's data dir and reused on the next start.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { TlsFiles } from '../rpc/server.js';
import { UsageError } from './errors.js';

export interface LoopbackCerts {
  /** The CA certificate clients and nodes must trust (PEM). */
  ca: string;
  /** The server certificate (PEM) for 127.0.0.1, ::1 and localhost. */
  cert: string;
  key: string;
}

const CA_DAYS = 3650;
const SERVER_DAYS = 825;
const CURVE = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new UsageError('--tls needs the openssl command (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString('utf8').trim() ?? e.message}`, { cause: err });
  }
}

/**
 * Makes (once) a CA named `caName` and a server certificate it signs for the loopback
 * addresses, in `dir`. Returns the file paths; an existing set is reused.
 */
export function ensureLoopbackCerts(dir: string, caName = 'dfs local CA'): LoopbackCerts {
  const files: LoopbackCerts = {
    ca: path.join(dir, 'ca.pem'),
    cert: path.join(dir, 'server.pem'),
    key: path.join(dir, 'server.key'),
  };
  if ([files.ca, files.cert, files.key].every((f) => fs.existsSync(f))) return files;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = path.join(dir, 'ca.key');
  const csr = path.join(dir, 'server.csr');
  const ext = path.join(dir, 'server.ext');
  const oldUmask = process.umask(0o077); // private keys are born 0600
  try {
    openssl(
      [
        'req',
        '-x509',
        ...CURVE,
        '-keyout',
        caKey,
        '-out',
        files.ca,
        '-days',
        String(CA_DAYS),
        '-subj',
        `/CN=${caName}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
    openssl(['req', ...CURVE, '-keyout', files.key, '-out', csr, '-subj', '/CN=localhost'], dir);
    fs.writeFileSync(
      ext,
      ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost'].join('\n') +
        '\n',
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        files.ca,
        '-CAkey',
        caKey,
        '-out',
        files.cert,
        '-days',
        String(SERVER_DAYS),
        '-set_serial',
        `0x${randomBytes(16).toString('hex')}`,
        '-extfile',
        ext,
      ],
      dir,
    );
  } finally {
    process.umask(oldUmask);
    fs.rmSync(csr, { force: true });
    fs.rmSync(ext, { force: true });
  }
  fs.chmodSync(files.ca, 0o644);
  fs.chmodSync(files.cert, 0o644);
  return files;
}

/** Reads a certificate and key pair given on the command line; both or neither. */
export function readTlsFiles(cert: string | undefined, key: string | undefined): TlsFiles | undefined {
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new UsageError('TLS needs both --tls-cert and --tls-key');
  const read = (file: string, what: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch {
      throw new UsageError(`cannot read TLS ${what} ${file}`);
    }
  };
  return { cert: read(cert, 'certificate'), key: read(key, 'key') };
}
