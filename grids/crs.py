"""Chinese map coordinate systems: WGS-84, GCJ-02 (the mandated offset of AMap, Tencent and
most SDKs) and BD-09 (Baidu).

GCJ-02 has no closed-form inverse; `gcj02_to_wgs84` iterates the forward transform until the
residual is below ~1e-7 degrees (about 1 cm). Outside China's bounding box no offset applies, in
BD-09 as well: Baidu's maps and SDKs use plain WGS-84 abroad.
"""

from __future__ import annotations

import math

from grids.enums import Crs

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as GCJ-02 uses it
_EE = 0.00669342162296594323  # its eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0


def outside_china(lng: float, lat: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


class _ScalarMath:
    """`math` with the `abs` numpy has, so that one formula serves a point and an array."""

    sqrt, sin, cos, abs = math.sqrt, math.sin, math.cos, staticmethod(abs)


def _shift(lng, lat, m):
    """GCJ-02's offset at (lng, lat): the published formula, written once; `m` is the maths
    it runs on (`_ScalarMath` for one point, numpy for arrays of them)."""
    x, y, pi = lng - 105.0, lat - 35.0, math.pi
    d_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * m.sqrt(m.abs(x))
        + (20.0 * m.sin(6.0 * x * pi) + 20.0 * m.sin(2.0 * x * pi)) * 2.0 / 3.0
        + (20.0 * m.sin(y * pi) + 40.0 * m.sin(y / 3.0 * pi)) * 2.0 / 3.0
        + (160.0 * m.sin(y / 12.0 * pi) + 320 * m.sin(y * pi / 30.0)) * 2.0 / 3.0
    )
    d_lng = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * m.sqrt(m.abs(x))
        + (20.0 * m.sin(6.0 * x * pi) + 20.0 * m.sin(2.0 * x * pi)) * 2.0 / 3.0
        + (20.0 * m.sin(x * pi) + 40.0 * m.sin(x / 3.0 * pi)) * 2.0 / 3.0
        + (150.0 * m.sin(x / 12.0 * pi) + 300.0 * m.sin(x / 30.0 * pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * pi
    magic = 1 - _EE * m.sin(rad_lat) ** 2
    sqrt_magic = m.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * m.cos(rad_lat) * pi)
    return d_lng, d_lat


def _offset(lng: float, lat: float) -> tuple[float, float]:
    return _shift(lng, lat, _ScalarMath)


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if outside_china(lng, lat):
        return lng, lat
    d_lng, d_lat = _offset(lng, lat)
    return lng + d_lng, lat + d_lat


def gcj02_to_wgs84(lng: float, lat: float, tolerance: float = 1e-7) -> tuple[float, float]:
    if outside_china(lng, lat):
        return lng, lat
    guess_lng, guess_lat = lng, lat
    for _ in range(30):
        fwd_lng, fwd_lat = wgs84_to_gcj02(guess_lng, guess_lat)
        err_lng, err_lat = fwd_lng - lng, fwd_lat - lat
        if abs(err_lng) < tolerance and abs(err_lat) < tolerance:
            break
        guess_lng, guess_lat = guess_lng - err_lng, guess_lat - err_lat
    return guess_lng, guess_lat


def gcj02_to_bd09(lng: float, lat: float) -> tuple[float, float]:
    if outside_china(lng, lat):
        return lng, lat
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def bd09_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if outside_china(lng, lat):
        return lng, lat
    x, y = lng - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.cos(theta), z * math.sin(theta)


def to_wgs84(lng: float, lat: float, crs: Crs) -> tuple[float, float]:
    if crs is Crs.GCJ02:
        return gcj02_to_wgs84(lng, lat)
    if crs is Crs.BD09:
        return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))
    return lng, lat


def from_wgs84(lng: float, lat: float, crs: Crs) -> tuple[float, float]:
    if crs is Crs.GCJ02:
        return wgs84_to_gcj02(lng, lat)
    if crs is Crs.BD09:
        return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))
    return lng, lat


def _offset_arrays(lng, lat):
    """`_offset` over numpy arrays."""
    import numpy as np

    return _shift(lng, lat, np)


def from_wgs84_array(xy, crs: Crs):
    """`from_wgs84` for an (n, 2) array of WGS-84 points at once (a map layer's vertices):
    the same numbers as point by point, without a Python call per vertex."""
    import numpy as np

    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    if crs is Crs.WGS84 or len(xy) == 0:
        return xy
    lng, lat = xy[:, 0], xy[:, 1]
    outside = (lng < 72.004) | (lng > 137.8347) | (lat < 0.8293) | (lat > 55.8271)
    d_lng, d_lat = _offset_arrays(lng, lat)
    g_lng = np.where(outside, lng, lng + d_lng)
    g_lat = np.where(outside, lat, lat + d_lat)
    if crs is Crs.GCJ02:
        return np.column_stack([g_lng, g_lat])
    # BD-09 from GCJ-02, as gcj02_to_bd09 does
    z = np.sqrt(g_lng * g_lng + g_lat * g_lat) + 0.00002 * np.sin(g_lat * _X_PI)
    theta = np.arctan2(g_lat, g_lng) + 0.000003 * np.cos(g_lng * _X_PI)
    b_lng = np.where(outside, lng, z * np.cos(theta) + 0.0065)
    b_lat = np.where(outside, lat, z * np.sin(theta) + 0.006)
    return np.column_stack([b_lng, b_lat])
