"""Where a form returns to: a page of this site named by the request's `next` argument (the
record page and tab a 【新增】 was opened from), never another site."""
from urllib.parse import urlsplit

from flask import request


def return_url():
    """The request's `next` when it is a path on this site, else None."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or "\\" in target \
            or parts.scheme or parts.netloc:
        return None
    return target
