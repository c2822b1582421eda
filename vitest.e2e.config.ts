import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The e2e tier (`npm run test:e2e`): real Collector, Jaeger, Tempo and Prometheus processes on 127.0.0.1.
// Files run one after another (2-core CI); each starts and stops its own servers.
export default defineConfig({
  resolve: {
    // examples/agent.ts imports 'openjoules': use the sources, so the agent and the SDK are one module graph.
    alias: {
      'openjoules/register': fileURLToPath(new URL('./src/register.ts', import.meta.url)),
      'openjoules/analysis': fileURLToPath(new URL('./src/analytics.ts', import.meta.url)),
      openjoules: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
