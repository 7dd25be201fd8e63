import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/**
 * The console: built into dist/web, which the API process serves at `/`. `npm run dev` serves it
 * with hot reload and sends /api (and its WebSockets) to the API on SWITCHBOARD_API (port 8080).
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: '../../dist/web', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  // Component tests (npm test runs them with Vitest before the node tests).
  test: { environment: 'happy-dom', include: ['**/*.test.{ts,tsx}'] },
  server: { proxy: { '/api': { target: process.env.SWITCHBOARD_API ?? 'http://127.0.0.1:8080', ws: true } } },
});
