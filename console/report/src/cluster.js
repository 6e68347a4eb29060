// 附近的举报's clusters: reports closer on the screen than a fingertip are drawn as one circle
// with their count, so that a township with hundreds of reports stays readable (and its SVG
// small). Greedy, by screen distance at the map's zoom: the first report not yet taken (the
// newest: Open311 lists them so) takes every report within the radius around it, found through
// a grid of cells as wide as the radius. Only 附近的举报 loads it (its own chunk).

/**
 * @param dots [{key, at: [x, y], status}] in the map's units, newest first
 * @param radius how close (in the map's units) dots are to be taken together
 * @returns the dots left alone as they came, and clusters as
 *   {key, at, count, status ('open' if any is), keys, box: [x0, y0, x1, y1]}
 */
export function cluster(dots, radius) {
  if (!(radius > 0) || dots.length < 2) return dots
  const cells = new Map()
  const cellOf = (v) => Math.floor(v / radius)
  dots.forEach((dot, index) => {
    const id = `${cellOf(dot.at[0])}:${cellOf(dot.at[1])}`
    if (!cells.has(id)) cells.set(id, [])
    cells.get(id).push(index)
  })
  const taken = new Uint8Array(dots.length)
  const shown = []
  dots.forEach((first, index) => {
    if (taken[index]) return
    taken[index] = 1
    const [cx, cy] = [cellOf(first.at[0]), cellOf(first.at[1])]
    const members = [first]
    for (let i = cx - 1; i <= cx + 1; i++)
      for (let j = cy - 1; j <= cy + 1; j++)
        for (const other of cells.get(`${i}:${j}`) || []) {
          const dot = dots[other]
          if (taken[other] || Math.hypot(dot.at[0] - first.at[0], dot.at[1] - first.at[1]) > radius) continue
          taken[other] = 1
          members.push(dot)
        }
    if (members.length === 1) return shown.push(first)
    const xs = members.map((m) => m.at[0])
    const ys = members.map((m) => m.at[1])
    shown.push({
      key: `c:${first.key}`,
      at: [xs.reduce((a, b) => a + b, 0) / xs.length, ys.reduce((a, b) => a + b, 0) / ys.length],
      count: members.length,
      status: members.some((m) => m.status === 'open') ? 'open' : 'closed',
      keys: members.map((m) => m.key),
      box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
    })
  })
  return shown
}
