// The fires' screens, children of the layout (each under its menu entry's path).
import IncidentsView from './IncidentsView.vue'

export const fireRoutes = [
  { path: 'fire-incidents', name: 'fire-incidents', component: IncidentsView, meta: { title: '火灾事故' } },
]
