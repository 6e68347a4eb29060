// Browser notifications through Web Push (docs/notifications.md): the service worker
// public/sw.js (scope /console/) shows a push and opens its page on a click; the switch
// 开启浏览器通知 asks the browser's permission, subscribes with the server's VAPID key
// (GET /api/v1/devices/webpush-key, 404 while Web Push is off) and registers the subscription
// (POST /api/v1/devices); switched off, it unsubscribes and retires it (DELETE).
import { ApiError, request } from '../api/client.js'

const WORKER = '/console/sw.js'
const SCOPE = '/console/'

export function supported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window
}

let registering = null

export function registerWorker() {
  if (!('serviceWorker' in navigator)) return Promise.resolve(null)
  registering =
    registering ||
    navigator.serviceWorker.register(WORKER, { scope: SCOPE }).catch(() => {
      registering = null
      return null
    })
  return registering
}

// What the switch shows: 'unsupported', 'off' (the server has no Web Push), 'denied' (the
// browser blocks this site), 'on' or 'available'; `key` while the server has one.
export async function currentState() {
  if (!supported()) return { state: 'unsupported' }
  let key
  try {
    key = (await request('GET', '/api/v1/devices/webpush-key', { quiet: true })).public_key
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { state: 'off' }
    throw error
  }
  if (Notification.permission === 'denied') return { state: 'denied', key }
  const registration = await registerWorker()
  const subscription = registration && (await registration.pushManager.getSubscription())
  return { state: subscription ? 'on' : 'available', key }
}

function keyBytes(base64url) {
  const padded = base64url.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((base64url.length + 3) % 4)
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))
}

export class PushRefused extends Error {}

// Throws PushRefused with what to tell the user, in Chinese.
export async function subscribe(key) {
  const permission = await Notification.requestPermission()
  if (permission !== 'granted') {
    throw new PushRefused('浏览器未允许本站发送通知：请在浏览器的网站设置中允许通知后重试')
  }
  const registration = await registerWorker()
  if (!registration) throw new PushRefused('浏览器通知组件（Service Worker）未能启用，请刷新页面后重试')
  await navigator.serviceWorker.ready
  let subscription
  try {
    subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(key),
    })
  } catch {
    throw new PushRefused(
      '订阅失败：浏览器的推送服务无法连接（内网或离线时常见）。新消息仍会显示在本页和左侧菜单的未读数中',
    )
  }
  try {
    await request('POST', '/api/v1/devices', {
      json: { provider: 'webpush', platform: 'web', subscription: subscription.toJSON() },
      quiet: true,
    })
  } catch {
    await subscription.unsubscribe().catch(() => {})
    throw new PushRefused('订阅未能登记到服务器，请稍后重试')
  }
}

export async function unsubscribe() {
  const registration = await registerWorker()
  const subscription = registration && (await registration.pushManager.getSubscription())
  if (!subscription) return
  const endpoint = subscription.endpoint
  await subscription.unsubscribe().catch(() => {})
  await request('DELETE', `/api/v1/devices/${encodeURIComponent(endpoint)}`, { quiet: true }).catch(
    () => {},
  )
}
