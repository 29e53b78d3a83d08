// A doctor check's result: ok, warn or fail, one sentence, and the command that fixes it.
export type Status = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  id: string;
  status: Status;
  message: string;
  fix?: string;
}

export const ok = (id: string, message: string): CheckResult => ({ id, status: 'ok', message });
export const warn = (id: string, message: string, fix?: string): CheckResult => ({
  id,
  status: 'warn',
  message,
  ...(fix ? { fix } : {}),
});
export const fail = (id: string, message: string, fix?: string): CheckResult => ({
  id,
  status: 'fail',
  message,
  ...(fix ? { fix } : {}),
});
