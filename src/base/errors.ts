// Errors meant for the user: one sentence of what went wrong and, where there is one, the fix.
// main.ts prints them without a stack trace unless XCROSS_DEBUG=1 or -vv.

export class XcrossError extends Error {
  readonly fix: string | undefined;
  readonly exitCode: number;

  constructor(message: string, opts: { fix?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'XcrossError';
    this.fix = opts.fix;
    this.exitCode = opts.exitCode ?? 1;
  }
}

export function isXcrossError(e: unknown): e is XcrossError {
  return e instanceof XcrossError;
}
