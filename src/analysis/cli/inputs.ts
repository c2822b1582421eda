/**
 * Every `--input`/`-i` value of a command line, in order, plus positional arguments. citty (node:util parseArgs
 * without `multiple`) keeps only the last value of a repeated option, so the raw arguments are read here.
 * `takesValue` are the spellings of the command's options that take a value ({@link valueFlags}), whose values are
 * not inputs.
 */
export function collectInputs(rawArgs: readonly string[], takesValue: readonly string[]): string[] {
  const valued = new Set(takesValue);
  const inputs: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === '--') {
      inputs.push(...rawArgs.slice(i + 1));
      break;
    }
    if (arg === '--input' || arg === '-i') {
      const value = rawArgs[i + 1];
      if (value !== undefined) inputs.push(value);
      i++;
    } else if (arg.startsWith('--input=')) {
      inputs.push(arg.slice('--input='.length));
    } else if (valued.has(arg)) {
      i++;
    } else if (arg === '-' || !arg.startsWith('-')) {
      inputs.push(arg);
    }
  }
  return inputs;
}
