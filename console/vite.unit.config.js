import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The unit's own page, opened from the SMS link to a notice (/unit/#ulk_…), served by firegrid
// itself at /unit/ (backend/console.py) from dist-unit/. Like the citizens' page: Vue only, plain
// CSS, nothing from outside (no CDN, no web fonts), small for a slow phone line.
// docs/unit-page.md.
export default defineConfig({
  root: fileURLToPath(new URL('./unit', import.meta.url)),
  base: '/unit/',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('./dist-unit', import.meta.url)),
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
