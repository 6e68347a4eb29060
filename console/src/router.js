import { createRouter, createWebHistory } from 'vue-router'

import { onSignedOut, tokens } from './api/client.js'
import { loadMe, mayUseConsole } from './session.js'
import { menuFor } from './menu.js'
import ConsoleLayout from './views/ConsoleLayout.vue'
import HazardDetail from './views/HazardDetail.vue'
import HazardQueue from './views/HazardQueue.vue'
import CallbackDeadLetters from './views/CallbackDeadLetters.vue'
import ComplaintDetail from './views/ComplaintDetail.vue'
import ComplaintList from './views/ComplaintList.vue'
import MapView from './views/MapView.vue'
import PeopleView from './views/PeopleView.vue'
import PremisesView from './views/PremisesView.vue'
import TeamView from './views/TeamView.vue'
import InspectionsView from './views/InspectionsView.vue'
import PublicInspections from './views/PublicInspections.vue'
import PatrolsView from './patrols/PatrolsView.vue'
import BulletinView from './views/BulletinView.vue'
import RiskView from './risk/RiskView.vue'
import { inboxRoutes } from './inbox/routes.js'
import { unitRoutes } from './units/routes.js'
import { fireRoutes } from './fires/routes.js'
import { alarmRoutes } from './alarms/routes.js'
import SignIn from './views/SignIn.vue'
import ChangePassword from './views/ChangePassword.vue'

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/signin', name: 'signin', component: SignIn, meta: { title: '登录', public: true } },
    // 一公开: for anyone, no sign-in (GET /public/inspections).
    {
      path: '/public/inspections',
      name: 'public-inspections',
      component: PublicInspections,
      meta: { title: '双随机抽查公示', public: true },
    },
    // Signed in, but outside the menu: anyone may change their password, and one whose
    // password an administrator reset must before anything else.
    { path: '/password', name: 'password', component: ChangePassword, meta: { title: '修改密码', own: true } },
    {
      path: '/',
      component: ConsoleLayout,
      children: [
        { path: '', name: 'home', component: { render: () => null } },
        { path: 'hazards', name: 'hazards', component: HazardQueue, meta: { title: '隐患' } },
        { path: 'complaints', name: 'complaints', component: ComplaintList, meta: { title: '投诉' } },
        { path: 'complaints/:id', name: 'complaint', component: ComplaintDetail, meta: { title: '投诉' } },
        { path: 'callbacks', name: 'callbacks', component: CallbackDeadLetters, meta: { title: '热线回传' } },
        { path: 'map', name: 'map', component: MapView, meta: { title: '地图' } },
        { path: 'premises', name: 'premises', component: PremisesView, meta: { title: '场所' } },
        { path: 'people', name: 'people', component: PeopleView, meta: { title: '人员' } },
        { path: 'teams', name: 'teams', component: TeamView, meta: { title: '网格团队' } },
        { path: 'inspections', name: 'inspections', component: InspectionsView, meta: { title: '双随机' } },
        { path: 'patrols', name: 'patrols', component: PatrolsView, meta: { title: '巡查' } },
        { path: 'bulletins', name: 'bulletins', component: BulletinView, meta: { title: '简报' } },
        { path: 'risk', name: 'risk', component: RiskView, meta: { title: '风险评估' } },
        { path: 'hazards/:id', name: 'hazard', component: HazardDetail, meta: { title: '隐患详情' } },
        ...unitRoutes,
        ...fireRoutes,
        ...alarmRoutes,
        ...inboxRoutes,
      ],
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!tokens()) return { name: 'signin', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  let me
  try {
    me = await loadMe()
  } catch {
    return { name: 'signin' }
  }
  if (!mayUseConsole(me)) return { name: 'signin' }
  if (me.password_change_required && to.name !== 'password') {
    return { name: 'password', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  }
  if (to.meta.own) return true
  const menu = menuFor(me)
  if (to.name === 'home') return menu.length ? menu[0].path : true
  if (!menu.some((entry) => to.path.startsWith(entry.path))) return menu.length ? menu[0].path : '/'
  return true
})

// Signed out (by the user, or because the session could not be refreshed): back to 登录.
onSignedOut(() => {
  if (!router.currentRoute.value.meta.public) router.replace({ name: 'signin' })
})

router.afterEach((to) => {
  document.title = `${to.meta.title ? `${to.meta.title} - ` : ''}网格化消防安全巡查 管理端`
})
