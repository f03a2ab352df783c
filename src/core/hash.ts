import * as nodeCrypto from 'node:crypto';

// One-shot crypto.hash (Node 20.12+) is several times cheaper than a Hash object per digest; same digest.
type OneShot = (algorithm: string, data: string | Buffer, encoding: 'hex' | 'buffer') => string | Buffer;
const oneShot = (nodeCrypto as { hash?: OneShot }).hash;

/** SHA-1 of a string's UTF-8 bytes, as hex. */
export function sha1Hex(s: string): string {
  return oneShot ? (oneShot('sha1', s, 'hex') as string) : nodeCrypto.createHash('sha1').update(s).digest('hex');
}

/** SHA-1 of `prefix` followed by a string's UTF-8 bytes (name-based UUIDs hash a namespace, then the name). */
export function sha1Of(prefix: Buffer, s: string): Buffer {
  if (!oneShot) return nodeCrypto.createHash('sha1').update(prefix).update(s).digest();
  const n = prefix.length + Buffer.byteLength(s);
  const buf = n <= scratch.length ? scratch : Buffer.allocUnsafe(n);
  prefix.copy(buf, 0);
  buf.write(s, prefix.length, 'utf8');
  return oneShot('sha1', buf.subarray(0, n), 'buffer') as Buffer;
}
const scratch = Buffer.allocUnsafe(2048);
