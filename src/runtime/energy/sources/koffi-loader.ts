/**
 * Loads koffi lazily and opens shared libraries from a list of candidate names.
 *
 * koffi is required (not imported) so that nothing native is loaded until a backend is actually opened:
 * `openjoules --help` and hosts that set `OPENJOULES_ENERGY_SOURCES=none` never touch it.
 */
import { createRequire } from 'node:module';
import type * as KoffiModule from 'koffi';
import { FfiUnavailableError, LibraryNotFoundError } from './errors.js';
import type { EnergySourceName } from './source.js';

/** The koffi module's type. */
export type Koffi = typeof KoffiModule;
/** A library handle from `koffi.load`. */
export type KoffiLibrary = ReturnType<Koffi['load']>;
/** A bound native function. */
export type KoffiFunction = ReturnType<KoffiLibrary['func']>;

let cached: Koffi | undefined;

/** koffi, loaded on first use. Throws {@link FfiUnavailableError} when it has no binary for this platform. */
export function loadKoffi(source: EnergySourceName): Koffi {
  if (cached) return cached;
  try {
    const require = createRequire(import.meta.url);
    cached = require('koffi') as Koffi;
    return cached;
  } catch (error) {
    throw new FfiUnavailableError(source, `koffi could not be loaded: ${firstLine(error)}`);
  }
}

/**
 * Opens the first candidate that loads. Throws {@link LibraryNotFoundError} naming what was tried; when a single
 * explicit path was given, the loader's own message (dlerror) is kept because it says why (missing file, wrong ELF
 * class, missing dependency).
 */
export function openFirstLibrary(
  koffi: Koffi,
  source: EnergySourceName,
  candidates: readonly string[],
): { lib: KoffiLibrary; path: string } {
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      return { lib: koffi.load(path), path };
    } catch (error) {
      failures.push(firstLine(error));
    }
  }
  const first = candidates[0] ?? '(none)';
  const message =
    candidates.length === 1
      ? `${first}: not loadable: ${failures[0] ?? 'unknown error'}`
      : `${first}: not found (tried ${candidates.join(', ')})`;
  throw new LibraryNotFoundError(source, message);
}

/** Binds `prototype` if the library exports it, else `undefined` (older drivers lack some functions). */
export function optionalFunc(lib: KoffiLibrary, prototype: string): KoffiFunction | undefined {
  try {
    return lib.func(prototype);
  } catch {
    return undefined;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
