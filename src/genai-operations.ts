/**
 * The GenAI `gen_ai.operation.name` values that are one call to a model (inference), in one place for the code that
 * writes spans and the analysis that reads them.
 */
export const MODEL_OPERATIONS: ReadonlySet<string> = new Set(['chat', 'text_completion', 'generate_content']);
