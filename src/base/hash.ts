// Digests. node:crypto is loaded only when a sha256 is wanted: loading it costs more than a warm
// build may spend. FNV-1a is for fingerprints that only need to notice a change (file names, caches).
import type { Hash } from 'node:crypto';

export function createHash(algorithm: string): Hash {
  return (require('node:crypto') as typeof import('node:crypto')).createHash(algorithm);
}

/** 32-bit FNV-1a of a string, as 8 hex digits. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
