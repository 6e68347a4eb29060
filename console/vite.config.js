import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// Served by firegrid itself at /console/ (backend/console.py); every asset is built into
// dist/ and nothing is loaded from outside (no CDN, no web fonts).
export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Node 18 and 20 both build it; the browsers are the stations' own (Chromium-based,
    // 360/QQ/Edge in their Chromium modes).
    target: 'es2020',
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks: {
          'element-plus': ['element-plus'],
          vue: ['vue', 'vue-router'],
        },
      },
    },
  },
  server: {
    // `npm run dev`: the API is the firegrid served by `make run`.
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
})
