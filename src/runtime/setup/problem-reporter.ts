import type { OtlpSettingProblem } from './otlp-config.js';

/**
 * Reports a problem in one `openjoules:` line, with what follows from it (`consequence`); without one it is a note (a
 * setting ignored). Each variable's problem, and each variable's note, is reported once.
 */
export type ProblemReporter = (problem: OtlpSettingProblem, consequence?: string) => void;

/** A {@link ProblemReporter} that says each variable's problem and note once (traces and metrics read the same ones). */
export function reportOncePerVariable(warn: (message: string) => void): ProblemReporter {
  const said = new Set<string>();
  return (problem, consequence) => {
    const key = `${problem.variable}${consequence === undefined ? ' note' : ''}`;
    if (said.has(key)) return;
    said.add(key);
    warn(`openjoules: ${problem.message}${consequence ? `; ${consequence}` : ''}`);
  };
}
