from enum import StrEnum


class BulletinLevel(StrEnum):
    """The areas that get a bulletin: a township's station and a county's brigade report
    their month; villages and grids appear inside them."""

    TOWNSHIP = "township"  # 乡镇/街道
    COUNTY = "county"  # 县/区


# How many months before the bulletin's own the trend shows (环比 and the line chart).
TREND_MONTHS = 6
