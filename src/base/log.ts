// What xcross says, as both layers see it: the app makes the logger (src/ui/log.ts), the engines
// only talk through it.
export interface Logger {
  readonly verbose: number;
  info(msg: string): void;
  warn(msg: string): void;
  /** Shown with -v. */
  debug(msg: string): void;
  /** An engine command line, shown with -v, quoted so it can be pasted into a shell. */
  command(argv: string[]): void;
}
