/**
 * Prompt, completion and tool argument content is recorded only when the user opts in with the instrumentation-level
 * convention OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true (as @opentelemetry/instrumentation-openai does).
 * Read on each call so tests and long-lived processes can change it.
 */
export function isContentCaptureEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase();
  return value === 'true' || value === '1' || value === 'span_only' || value === 'span_and_event';
}

const SECRET_KEY = /^(authorization|proxy-authorization|x-api-key|api[-_]?key|apikey|secret|client[-_]?secret|password|passwd|(access|refresh|auth|session|id)[-_]?token|cookie|set-cookie|credentials?)$/i;
const SECRET_VALUE = /\b(sk-[A-Za-z0-9_-]{16,}|sk-ant-[A-Za-z0-9_-]{16,}|Bearer\s+[A-Za-z0-9._~+/-]{16,}=*|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,})/g;

/**
 * JSON text of captured content with secrets removed: values under secret-looking keys become "[REDACTED]" and
 * API-key-shaped strings anywhere are masked. Content capture is opt-in; secrets are never recorded even then.
 */
export function serializeContent(value: unknown): string {
  const text = JSON.stringify(value, (key, v: unknown) => (key !== '' && SECRET_KEY.test(key) && typeof v !== 'object' ? '[REDACTED]' : v));
  return (text ?? String(value)).replace(SECRET_VALUE, '[REDACTED]');
}
