// node:crypto, loaded when a digest is wanted: loading it costs more than a warm build may spend.
import type { Hash } from 'node:crypto';

export function createHash(algorithm: string): Hash {
  return (require('node:crypto') as typeof import('node:crypto')).createHash(algorithm);
}
