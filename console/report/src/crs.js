// WGS-84 <-> GCJ-02, the mandated offset of AMap's and Tencent's tiles: the published formula,
// as grids/crs.py has it in Python (tests/backend/test_report_page.py compares the two). The
// page keeps every point in WGS-84 (the position a phone gives, the boundaries the server
// gives, the pin it sends) and shifts them only to draw them over a GCJ-02 basemap.

const A = 6378245.0 // Krasovsky 1940 semi-major axis, as GCJ-02 uses it
const EE = 0.00669342162296594323 // its eccentricity squared
const PI = Math.PI

export const outsideChina = (lng, lat) => !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271)

function shift(lng, lat) {
  const x = lng - 105.0
  const y = lat - 35.0
  let dLat =
    -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) +
    ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0 +
    ((20.0 * Math.sin(y * PI) + 40.0 * Math.sin((y / 3.0) * PI)) * 2.0) / 3.0 +
    ((160.0 * Math.sin((y / 12.0) * PI) + 320 * Math.sin((y * PI) / 30.0)) * 2.0) / 3.0
  let dLng =
    300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) +
    ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0 +
    ((20.0 * Math.sin(x * PI) + 40.0 * Math.sin((x / 3.0) * PI)) * 2.0) / 3.0 +
    ((150.0 * Math.sin((x / 12.0) * PI) + 300.0 * Math.sin((x / 30.0) * PI)) * 2.0) / 3.0
  const radLat = (lat / 180.0) * PI
  const magic = 1 - EE * Math.sin(radLat) ** 2
  const sqrtMagic = Math.sqrt(magic)
  dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * PI)
  dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * PI)
  return [dLng, dLat]
}

/** [lng, lat] in WGS-84 to GCJ-02 (unchanged outside China). */
export function wgs84ToGcj02([lng, lat]) {
  if (outsideChina(lng, lat)) return [lng, lat]
  const [dLng, dLat] = shift(lng, lat)
  return [lng + dLng, lat + dLat]
}

/** [lng, lat] in GCJ-02 back to WGS-84: no closed form, the forward shift iterated until the
 * residual is under 1e-7 degrees (about 1 cm), as grids/crs.py does. */
export function gcj02ToWgs84([lng, lat], tolerance = 1e-7) {
  if (outsideChina(lng, lat)) return [lng, lat]
  let [guessLng, guessLat] = [lng, lat]
  for (let i = 0; i < 30; i++) {
    const [fLng, fLat] = wgs84ToGcj02([guessLng, guessLat])
    const [eLng, eLat] = [fLng - lng, fLat - lat]
    if (Math.abs(eLng) < tolerance && Math.abs(eLat) < tolerance) break
    guessLng -= eLng
    guessLat -= eLat
  }
  return [guessLng, guessLat]
}
