/* eslint-disable @typescript-eslint/no-explicit-any -- JSON wire formats (provider bodies, OTLP JSON) read loosely */
/**
 * Local servers on 127.0.0.1 speaking the providers' wire protocols, built from their documented examples:
 * OpenAI chat completions (JSON, and SSE `data: {...}` … `data: [DONE]`, with the usage-only chunk when
 * `stream_options.include_usage` is set), OpenAI responses (SSE `event: response.*`), Anthropic messages (JSON, and
 * SSE `message_start` … `message_delta` with usage … `message_stop`). Each request is kept for assertions.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface SeenRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, any>;
}

export interface FakeProvider {
  readonly url: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

/** Milliseconds the server waits before the first streamed chunk (the "prefill"). */
export const FIRST_CHUNK_DELAY_MS = 80;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Writer = (event: string | undefined, data: unknown) => void;

function openaiChat(body: Record<string, any>): { json?: unknown; sse?: (send: Writer) => Promise<void> } {
  const model = `${body.model}-2024-08-06`;
  const toolCall = Array.isArray(body.tools) && body.tools.length > 0 && !body.messages.some((m: any) => m.role === 'tool');
  const message = toolCall
    ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: body.tools[0].function.name, arguments: '{"city":"Paris"}' } }] }
    : { role: 'assistant', content: 'Hello world' };
  const usage = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 1 } };
  if (!body.stream) {
    return {
      json: { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message, finish_reason: toolCall ? 'tool_calls' : 'stop' }], usage },
    };
  }
  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (choices: unknown[]) => ({ id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model, choices, ...(includeUsage ? { usage: null } : {}) });
  return {
    sse: async (send) => {
      await sleep(FIRST_CHUNK_DELAY_MS);
      send(undefined, chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
      for (const word of ['Hello', ' world']) {
        await sleep(20);
        send(undefined, chunk([{ index: 0, delta: { content: word }, finish_reason: null }]));
      }
      send(undefined, chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
      if (includeUsage) send(undefined, { id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model, choices: [], usage });
      send(undefined, '[DONE]');
    },
  };
}

function openaiResponses(body: Record<string, any>): { json?: unknown; sse?: (send: Writer) => Promise<void> } {
  const response = (status: string) => ({
    id: 'resp_1',
    object: 'response',
    created_at: 1,
    model: `${body.model}-2024-08-06`,
    status,
    output: status === 'completed' ? [{ id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hi there', annotations: [] }] }] : [],
    usage: status === 'completed' ? { input_tokens: 10, output_tokens: 2, total_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } } : null,
  });
  if (!body.stream) return { json: response('completed') };
  return {
    sse: async (send) => {
      send('response.created', { type: 'response.created', sequence_number: 0, response: response('in_progress') });
      await sleep(FIRST_CHUNK_DELAY_MS);
      send('response.output_text.delta', { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi' });
      await sleep(20);
      send('response.output_text.delta', { type: 'response.output_text.delta', sequence_number: 2, item_id: 'msg_1', output_index: 0, content_index: 0, delta: ' there' });
      send('response.completed', { type: 'response.completed', sequence_number: 3, response: response('completed') });
    },
  };
}

function anthropicMessages(body: Record<string, any>): { json?: unknown; sse?: (send: Writer) => Promise<void> } {
  const model = `${body.model}-20250101`;
  if (!body.stream) {
    return {
      json: {
        id: 'msg_01',
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: 'Hello!' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 20, output_tokens: 6, cache_read_input_tokens: 5, cache_creation_input_tokens: 2 },
      },
    };
  }
  return {
    sse: async (send) => {
      send('message_start', {
        type: 'message_start',
        message: { id: 'msg_02', type: 'message', role: 'assistant', content: [], model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, output_tokens: 1, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 } },
      });
      await sleep(FIRST_CHUNK_DELAY_MS);
      send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      send('ping', { type: 'ping' });
      for (const text of ['Hello', ' there']) {
        await sleep(20);
        send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
      }
      send('content_block_stop', { type: 'content_block_stop', index: 0 });
      send('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } });
      send('message_stop', { type: 'message_stop' });
    },
  };
}

/** Starts one server answering OpenAI (`/v1/chat/completions`, `/v1/responses`) and Anthropic (`/v1/messages`) routes. */
export function startFakeProvider(): Promise<FakeProvider> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, any>) : {};
      const path = (req.url ?? '').split('?')[0] ?? '';
      requests.push({ path, headers: req.headers, body });
      const route = path.endsWith('/chat/completions') ? openaiChat : path.endsWith('/responses') ? openaiResponses : path.endsWith('/messages') ? anthropicMessages : undefined;
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      if (body.model === 'fail-model') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"type":"error","error":{"type":"invalid_request_error","message":"bad model"}}');
        return;
      }
      const answer = route(body);
      if (answer.json !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_1', 'request-id': 'req_1' }).end(JSON.stringify(answer.json));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-request-id': 'req_2', 'request-id': 'req_2' });
      const send: Writer = (event, data) => {
        res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
      };
      void answer.sse!(send).then(() => res.end());
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        requests,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}
