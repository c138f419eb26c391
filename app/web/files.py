"""Files written for one response (exports, reports): sent as an attachment, then removed
when the response closes — the one way pages hand out a temporary file."""
import os

from flask import after_this_request, send_file

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_temporary(path, download_name, mimetype=XLSX_MIMETYPE):
    """`path` as a download named `download_name`, deleted once it has been sent."""
    @after_this_request
    def _cleanup(response):
        response.call_on_close(lambda: os.path.exists(path) and os.remove(path))
        return response

    return send_file(path, as_attachment=True, mimetype=mimetype, download_name=download_name)
