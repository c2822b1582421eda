// A host app that traces with @opentelemetry/api itself, run zero-code: `node --import openjoules/register
// own-tracer.mjs`. Its own spans must be recording (one @opentelemetry/api in the tree, openjoules' provider
// registered on it) and reach the exporter with energy. With HOST_APP_OPENAI=1 it also calls the installed `openai`
// against a local server speaking the Chat Completions wire format (openjoules hooks it: one `chat` span).
import { createServer } from 'node:http';
import { trace } from '@opentelemetry/api';

const tracer = trace.getTracer('host-app', '1.0.0');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function chatOnce() {
  const { default: OpenAI } = await import('openai');
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'chatcmpl-pack', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: 'gpt-pack',
          choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
        }),
      );
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const client = new OpenAI({ apiKey: 'test', baseURL: `http://127.0.0.1:${server.address().port}/v1`, maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'gpt-pack', messages: [{ role: 'user', content: 'hi' }] });
    console.log(`openai answered ${res.choices[0].message.content}`);
  } finally {
    server.close();
  }
}

await tracer.startActiveSpan('host.request', async (span) => {
  console.log(`host span recording=${span.isRecording()}`);
  if (!span.isRecording()) process.exitCode = 1;
  await tracer.startActiveSpan('host.step', async (step) => {
    await sleep(150);
    step.end();
  });
  if (process.env.HOST_APP_OPENAI === '1') await chatOnce();
  span.end();
});
