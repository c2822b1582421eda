import type { SpanEnergy } from './genai-span.js';
import type { SpanForest } from './span-forest.js';

/**
 * Joules of a set of spans, counted once, in total and per device class. A component is undefined when no
 * contributing span carried it (so "not measured" stays distinct from 0 J).
 */
export interface EnergyTotals {
  joules?: number;
  gpuJoules?: number;
  cpuJoules?: number;
  dramJoules?: number;
  aneJoules?: number;
}

/**
 * A span's fair share: `energy.attributed.joules` (else the inclusive `energy.joules`), and each inclusive component
 * scaled by the same attributed ÷ inclusive share, since components are recorded inclusive only.
 */
export function fairShare(energy: SpanEnergy): EnergyTotals {
  const joules = energy.attributedJoules ?? energy.inclusiveJoules;
  const inclusive = energy.inclusiveJoules;
  const share = joules !== undefined && inclusive !== undefined && inclusive > 0 ? Math.min(joules / inclusive, 1) : 1;
  const scale = (v: number | undefined): number | undefined => (v === undefined ? undefined : v * share);
  return {
    joules,
    gpuJoules: scale(energy.gpuJoules),
    cpuJoules: scale(energy.cpuJoules),
    dramJoules: scale(energy.dramJoules),
    aneJoules: scale(energy.aneJoules),
  };
}

const KEYS = ['joules', 'gpuJoules', 'cpuJoules', 'dramJoules', 'aneJoules'] as const;

/** Adds `b × sign` into `a`, component by component (an undefined component of `b` leaves `a`'s as it is). */
export function addEnergy(a: EnergyTotals, b: EnergyTotals, sign = 1): EnergyTotals {
  for (const key of KEYS) {
    const v = b[key];
    if (v !== undefined) a[key] = (a[key] ?? 0) + sign * v;
  }
  return a;
}

/** Whether the link from `i` to its parent stays in one process (attribution only nests within a process). */
function sameProcess(forest: SpanForest, i: number): boolean {
  const p = forest.parent[i]!;
  return p >= 0 && forest.nodes[p]!.process === forest.nodes[i]!.process;
}

/**
 * **The energy rule.** The spans whose joules make up the energy of the subtrees under `tops` (default: the whole
 * forest), each joule once: the outermost spans that carry energy, per process. A span's fair share already holds its
 * descendants' shares in its process, so a span under an energy-carrying ancestor of the same process is never
 * added; a span whose parent ran in another process (a remote tool server, an inference server) starts a new root,
 * since that process measured its own devices. Fair shares of concurrent roots never overlap, where their inclusive
 * joules would: that is why inclusive joules of roots are never added.
 */
export function energyRoots(forest: SpanForest, tops: Iterable<number> = forest.roots): number[] {
  const out: number[] = [];
  // node × 2 + 1 when an energy root above covers it (in this process); one number per entry, no tuples.
  const stack: number[] = [];
  for (const top of tops) stack.push(top * 2);
  stack.reverse();
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const i = entry >> 1;
    let covered = (entry & 1) === 1;
    if (!covered && forest.nodes[i]!.energy !== undefined) {
      out.push(i);
      covered = true;
    }
    const kids = forest.children(i);
    for (let k = kids.length - 1; k >= 0; k--) {
      const c = kids[k]!;
      stack.push(c * 2 + (covered && sameProcess(forest, c) ? 1 : 0));
    }
  }
  return out;
}

/** {@link energyRoots}' joules summed: the energy of the subtrees under `tops`. */
export function subtreeEnergy(forest: SpanForest, tops: Iterable<number> = forest.roots): EnergyTotals {
  const total: EnergyTotals = {};
  for (const r of energyRoots(forest, tops)) addEnergy(total, fairShare(forest.nodes[r]!.energy!));
  return total;
}

const NONE = 0;
const OURS = 1;
const OTHERS = 2;

/**
 * The energy of one unit (a turn, a call, a tool call: see genai-units.ts) exclusive of the units nested in it:
 * the energy of the subtree under `top`, minus the energy of the subtrees under the nested units' tops (`isNestedTop`)
 * that the unit's own roots hold. Summed over all units of a kind, this is the energy of the subtrees under all of
 * them, each joule once. Components never go below 0 (a child outliving its parent can hold a sliver more).
 */
export function exclusiveEnergy(forest: SpanForest, top: number, isNestedTop: (i: number) => boolean): EnergyTotals {
  const total: EnergyTotals = {};
  // covered: NONE (no energy root above in this process), OURS (one of this unit's roots), OTHERS (a nested unit's).
  const stack: Array<[node: number, covered: number, nested: boolean]> = [[top, NONE, false]];
  while (stack.length > 0) {
    const [i, coveredAbove, nestedAbove] = stack.pop()!;
    const nested = nestedAbove || (i !== top && isNestedTop(i));
    let covered = coveredAbove;
    const energy = forest.nodes[i]!.energy;
    if (energy !== undefined) {
      if (!nested && covered === NONE) {
        addEnergy(total, fairShare(energy));
        covered = OURS;
      } else if (nested && covered === OURS) {
        addEnergy(total, fairShare(energy), -1);
        covered = OTHERS;
      } else if (nested && covered === NONE) {
        covered = OTHERS;
      }
    }
    const kids = forest.children(i);
    for (let k = kids.length - 1; k >= 0; k--) {
      const c = kids[k]!;
      stack.push([c, sameProcess(forest, c) ? covered : NONE, nested]);
    }
  }
  for (const key of KEYS) if (total[key] !== undefined && total[key]! < 0) total[key] = 0;
  return total;
}
