// The alarm feeds' screens, children of the layout (under the menu entry's path).
import DeviceDetail from './DeviceDetail.vue'
import DevicesView from './DevicesView.vue'

export const alarmRoutes = [
  { path: 'alarm-feeds', name: 'alarm-feeds', component: DevicesView, meta: { title: '物联网报警' } },
  { path: 'alarm-feeds/devices/:id', name: 'alarm-device', component: DeviceDetail, meta: { title: '物联网报警' } },
]
