/**
 * The analysis commands' heavy libraries (sql.js for the `stats` store, apache-arrow for `export --format hf`) are
 * optional peer dependencies: an agent app that installs openjoules does not carry them. The command that needs one
 * loads it here and, when it is missing, says in one line how to get it.
 */

/** Thrown when an optional peer dependency is not installed; `code` is stable. */
export class MissingPeerError extends Error {
  readonly code = 'OJ_MISSING_PEER';
}

/** Imports `name`, or rejects with a {@link MissingPeerError} naming the command that needs it and the install line. */
export async function importOptionalPeer<T>(name: string, neededBy: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new MissingPeerError(
      `${neededBy} needs the optional package ${name}, which is not installed here: npm i ${name} ` +
        `(or, from anywhere: npx -p openjoules -p ${name} openjoules ${neededBy.replace(/^openjoules /, '')} …)`,
    );
  }
}
