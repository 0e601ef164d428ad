import { defineConfig } from 'vite';

// The dashboard is served by Keel.Server from its wwwroot folder; the build writes there.
export default defineConfig({
  base: '/',
  build: {
    outDir: '../wwwroot',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
