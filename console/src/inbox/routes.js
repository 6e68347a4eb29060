// The inbox's routes, children of the layout. Registered after the other screens: a route
// another view registers for the same path (the hazard detail at /hazards/:id) comes first
// and wins, and HazardBrief steps aside.
import HazardBrief from './HazardBrief.vue'
import InboxView from './InboxView.vue'

export const inboxRoutes = [
  { path: 'notifications', name: 'notifications', component: InboxView, meta: { title: '消息' } },
  { path: 'hazards/:id', name: 'inbox-hazard-brief', component: HazardBrief, meta: { title: '隐患' } },
]
