// Progress for long work: on a terminal one status line that is rewritten (step and elapsed time);
// elsewhere plain lines, one per step, so CI logs read well. -v shows every line of the engine.
export interface Progress {
  line(text: string): void;
  done(summary: string): void;
  fail(): void;
}

export function startProgress(
  title: string,
  opts: { tty: boolean; verbose: boolean; stream?: NodeJS.WriteStream },
): Progress {
  const out = opts.stream ?? process.stderr;
  const started = Date.now();
  const elapsed = () => formatDuration(Date.now() - started);
  let step = '';
  if (!opts.tty || opts.verbose) {
    out.write(`xcross: ${title}\n`);
    return {
      line: (text) => {
        if (opts.verbose) out.write(`  ${text}\n`);
        else if (isStep(text)) out.write(`xcross:   ${text.slice(0, 160)} (${elapsed()})\n`);
      },
      done: (summary) => out.write(`xcross: ${summary} in ${elapsed()}\n`),
      fail: () => {},
    };
  }
  const width = () => Math.max(40, (out.columns ?? 100) - 1);
  const render = () => out.write(`\r\x1b[2K${`xcross: ${title}: ${step} (${elapsed()})`.slice(0, width())}`);
  const timer = setInterval(render, 1000);
  timer.unref();
  render();
  return {
    line: (text) => {
      if (isActivity(text)) {
        step = text;
        render();
      }
    },
    done: (summary) => {
      clearInterval(timer);
      out.write(`\r\x1b[2Kxcross: ${summary} in ${elapsed()}\n`);
    },
    fail: () => {
      clearInterval(timer);
      out.write('\r\x1b[2K');
    },
  };
}

/** A line worth its own line in a log: a build step that does work, or a pull. */
function isStep(text: string): boolean {
  return (
    /^STEP \d+\/\d+: (?!ARG |LABEL |ENV )/.test(text) ||
    /^(Trying to pull|Writing manifest|compressed layer \d+)/.test(text)
  );
}

/** A line worth showing in the terminal's status line: also apt's progress inside a step. */
function isActivity(text: string): boolean {
  return isStep(text) || /^(Setting up |Unpacking |Get:\d+ |Copying blob|verify-pins: )/.test(text);
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
