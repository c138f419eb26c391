"""信用评价 downloads shared by the pages (the ranking) and the REST export for the credit
platform: the rows as .xlsx, ID numbers masked for masking scopes, the export logged."""
import datetime as dt


from app.security.scope import current_scope
from app.services import credit
from app.services.export import log_export, write_xlsx
from app.web.display import masks
from app.web.files import send_temporary
from app.web.transaction import atomic



def send_grades_xlsx(session, user, grades, title, stem, resource, filters):
    path, count = write_xlsx(credit.export_rows(grades), credit.export_headers(),
                             sheet_title=title, mask=masks(current_scope()))
    with atomic(session):
        log_export(session, user.id, user.username, resource, filters, count)
    return send_temporary(path, f"{stem}-{dt.date.today():%Y%m%d}.xlsx")


def year_arg(value, default):
    """A year from a query argument, else `default`."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 1990 <= year <= 2100 else default
