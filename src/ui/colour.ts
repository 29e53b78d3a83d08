// Colour: decided in one place (colourOn, which the settings call for each stream), and painted by a
// painter made for that decision. No global switch: kleur's was set from NO_COLOR at import and then
// overwritten by us, and doctor's stdout and the log's stderr could not each have their own answer.
import type { Env } from '../host';

/** On a terminal, unless NO_COLOR is set and not empty (no-color.org). */
export function colourOn(isTTY: boolean, env: Env): boolean {
  return isTTY && !env.NO_COLOR;
}

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const sgr = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const COLOURED: Paint = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};
const plain = (s: string) => s;
const PLAIN: Paint = { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };

export function paint(on: boolean): Paint {
  return on ? COLOURED : PLAIN;
}
