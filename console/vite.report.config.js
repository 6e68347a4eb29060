import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The citizens' page 随手拍, served by firegrid itself at /report/ (backend/console.py) from
// dist-report/. Vue only (no Element Plus: the page must load quickly on a slow phone line),
// plain CSS, nothing from outside (no CDN, no web fonts). docs/citizens.md.
export default defineConfig({
  root: fileURLToPath(new URL('./report', import.meta.url)),
  base: '/report/',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('./dist-report', import.meta.url)),
    emptyOutDir: true,
    // WeChat's built-in browser (XWeb, Chromium-based) and older Android WebViews.
    target: 'es2018',
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
})
