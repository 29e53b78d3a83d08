// The 'mapped' placement: xcross runs in a container, the engine outside it. The engine resolves a
// bind mount's source on its own host, so each source (a path in xcross's container) becomes the
// host path behind the container's mount that holds it; targets stay the container's paths, so that
// compiler messages show the paths the job knows. Pure: the engine's view of the container and the
// path resolution come in as arguments.
import * as path from 'node:path';
import { XcrossError } from '../base/errors';
import { isInside } from '../base/paths';
import type { Mount } from '../../runtimes/spec';
import type { KnownMount } from '../../runtimes/container-inspect';
import { quoted } from '../ui/quote';

export interface MappedContext {
  /** How the messages name the container (its short ID or name). */
  container: string;
  /** The engine, as the messages name it. */
  engine: string;
  /** The container's mounts, as the engine reports them. */
  mounts: KnownMount[];
  /** What a source is for the user ("the workspace", "the cargo home"), for messages. */
  role(source: string): string;
  /** A source with its symbolic links resolved (mount destinations are real paths). */
  real(source: string): string;
  /** Says that an optional mount the engine cannot reach is left out. */
  warn?(message: string): void;
}

/** The spec's mounts with host sources; the container's mounts below each one come along. */
export function mapMounts(mounts: Mount[], ctx: MappedContext): Mount[] {
  const out: Mount[] = [];
  for (const m of mounts) {
    const source = ctx.real(m.source);
    const holder = holdingMount(source, ctx.mounts);
    if (!holder && m.optional) {
      ctx.warn?.(
        `${unreachable(m.optional, m.source, ctx)}: this run goes without it (mount a host folder there to keep it)`,
      );
      continue;
    }
    if (!holder) throw uncovered(m.source, ctx);
    if (!holder.source) throw sourceless(m.source, holder, ctx);
    out.push({
      source: path.join(holder.source, path.relative(holder.destination, source)),
      target: m.target,
      // What the job may only read stays read-only for the engine's container too.
      readOnly: m.readOnly || !holder.rw,
    });
    // A mount of the job's below this source (target/ on a volume of its own) shows what the job sees
    // there only if it is mounted there again.
    for (const below of ctx.mounts.filter((o) => o.destination !== source && isInside(o.destination, source))) {
      if (!below.source) throw sourceless(below.destination, below, ctx);
      out.push({
        source: below.source,
        target: path.join(m.target, path.relative(source, below.destination)),
        readOnly: m.readOnly || !below.rw,
      });
    }
  }
  // The engine mounts in this order: a parent before what is mounted inside it.
  return out
    .map((m, i) => ({ m, i }))
    .sort((a, b) => depth(a.m.target) - depth(b.m.target) || a.i - b.i)
    .map((x) => x.m);
}

/** The container's mount whose destination holds `p` most closely (the longest destination). */
export function holdingMount(p: string, mounts: KnownMount[]): KnownMount | undefined {
  let best: KnownMount | undefined;
  for (const o of mounts) {
    if (!isInside(p, o.destination)) continue;
    if (!best || o.destination.length > best.destination.length) best = o;
  }
  return best;
}

function depth(p: string): number {
  return p.split('/').filter(Boolean).length;
}

/** The sentence for a source on none of the container's mounts; `what` is its role ("the cargo home"). */
function unreachable(what: string, source: string, ctx: MappedContext): string {
  return `${what} ${quoted(source)} is on none of the mounts of this container (${ctx.container}), so ${ctx.engine}, which runs outside it, cannot mount it`;
}

function uncovered(source: string, ctx: MappedContext): XcrossError {
  const mounted = ctx.mounts
    .filter((o) => o.source && o.rw && !isSystemPath(o.destination))
    .map((o) => o.destination)
    .sort();
  return new XcrossError(unreachable(ctx.role(source), source, ctx), {
    fix: `mount a host folder or volume there when the container starts (-v HOST_DIR:${source}), or move it under a folder that is mounted${mounted.length ? ` (here: ${mounted.join(', ')})` : ''}${/cargo home/.test(ctx.role(source)) ? `, e.g. CARGO_HOME=${path.join(mounted[0] ?? '/builds', '.cargo')}` : ''}`,
  });
}

function sourceless(p: string, holder: KnownMount, ctx: MappedContext): XcrossError {
  return new XcrossError(
    `${quoted(p)} is on a ${holder.type} mount of this container (${ctx.container}) at ${holder.destination}, which ${ctx.engine} cannot mount into another container`,
    { fix: `mount a host folder or a named volume at ${holder.destination} instead of a ${holder.type}` },
  );
}

/** The engine's own files in a container (/etc/hosts, a socket): no place for a workspace. */
function isSystemPath(p: string): boolean {
  return /^\/(etc|run|proc|sys|dev)(\/|$)/.test(p) || p.endsWith('.sock');
}
