// The fires' screens, children of the layout (each under its menu entry's path).
import AlertDetail from './AlertDetail.vue'
import AlertsView from './AlertsView.vue'
import IncidentsView from './IncidentsView.vue'
import StationsView from './StationsView.vue'

export const fireRoutes = [
  { path: 'fire-incidents', name: 'fire-incidents', component: IncidentsView, meta: { title: '火灾事故' } },
  { path: 'fire-alerts', name: 'fire-alerts', component: AlertsView, meta: { title: '火警' } },
  { path: 'fire-alerts/:id', name: 'fire-alert', component: AlertDetail, meta: { title: '火警' } },
  { path: 'fire-stations', name: 'fire-stations', component: StationsView, meta: { title: '微型消防站' } },
]
