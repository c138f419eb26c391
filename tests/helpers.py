"""Small builders shared by tests."""
import datetime as dt
import itertools

from app.services.idnumber import make_id_number

_counter = itertools.count(1)


def fresh_id_number(gender="male", region="330106", year=1988):
    """A valid ID number no demo or earlier test row uses (birth dates of year `year`
    walked day by day, sequence numbers from the top of the range)."""
    n = next(_counter)
    birth = dt.date(year, 1, 1) + dt.timedelta(days=n % 360)
    return make_id_number(region, birth, 499 - (n // 360) % 100, gender)


def unique_name(prefix="测试"):
    return f"{prefix}{next(_counter):05d}"
