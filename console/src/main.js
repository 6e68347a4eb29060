import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import 'element-plus/dist/index.css'

import App from './App.vue'
import { router } from './router.js'
import './style.css'

// Element Plus is registered whole (decision 0030): one import, no build plugin to keep
// working on two Node versions, and the console's later screens use most of it anyway.
createApp(App).use(ElementPlus, { locale: zhCn }).use(router).mount('#app')
