// The inbox's routes, children of the layout.
import InboxView from './InboxView.vue'

export const inboxRoutes = [
  { path: 'notifications', name: 'notifications', component: InboxView, meta: { title: '消息' } },
]
