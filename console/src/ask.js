// Asking before doing what cannot be undone: one wording of the two buttons, one way of saying
// "the person changed their mind" (false / null, never an exception to catch).
import { ElMessageBox } from 'element-plus'

/** Whether the person confirmed `message`; `confirm` is the button that goes ahead. */
export async function confirmed(message, title, confirm, type = 'warning') {
  try {
    await ElMessageBox.confirm(message, title, { confirmButtonText: confirm, cancelButtonText: '取消', type })
    return true
  } catch {
    return false
  }
}

/** The reason typed for `message` (trimmed, never empty), or null when the person went back. */
export async function reasonFor(message, title, confirm, placeholder = '原因') {
  try {
    const { value } = await ElMessageBox.prompt(message, title, {
      confirmButtonText: confirm,
      cancelButtonText: '返回',
      inputPlaceholder: placeholder,
      inputValidator: (text) => Boolean(text && text.trim()) || `请填写${placeholder}`,
    })
    return value.trim()
  } catch {
    return null
  }
}
