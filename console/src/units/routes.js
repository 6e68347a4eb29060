// The unit record and its queues, children of the layout (each under its menu entry's path).
import ExtensionsView from './ExtensionsView.vue'
import MeasuresView from './MeasuresView.vue'
import NoticesView from './NoticesView.vue'
import ReferralsView from './ReferralsView.vue'
import UnitDetail from './UnitDetail.vue'
import UnitList from './UnitList.vue'

export const unitRoutes = [
  { path: 'units', name: 'units', component: UnitList, meta: { title: '单位档案' } },
  { path: 'units/:id', name: 'unit', component: UnitDetail, meta: { title: '单位档案' } },
  { path: 'measures', name: 'measures', component: MeasuresView, meta: { title: '约谈告诫' } },
  { path: 'referrals', name: 'referrals', component: ReferralsView, meta: { title: '抄告移送' } },
  { path: 'extensions', name: 'extensions', component: ExtensionsView, meta: { title: '延期申请' } },
  { path: 'notices', name: 'notices', component: NoticesView, meta: { title: '待送达' } },
]
