"""使用须知 → 【Chrome下载】 in the user menu: the police network has no internet, so the app
serves the browser installer itself. The province admin sets (系统管理 → 参数) either a file
under the instance folder (chrome.installer_path, e.g. "downloads/ChromeSetup.exe") or a link
on the internal network (chrome.installer_url); with neither (or a missing file) the entry
opens a page saying whom to ask (chrome.contact)."""
from pathlib import Path

from flask import current_app, redirect, render_template, send_file
from flask_appbuilder import BaseView, expose
from flask_login import current_user

from app.services import settings


def installer_file() -> Path | None:
    """The configured installer inside the instance folder, if it exists (a path leaving
    the instance folder is ignored: the setting names a file there, nothing else)."""
    setting = (settings.get("chrome.installer_path") or "").strip()
    if not setting:
        return None
    root = Path(current_app.instance_path).resolve()
    path = (root / setting).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


class ChromeDownloadView(BaseView):
    route_base = "/download/chrome"
    default_view = "download"

    @expose("/")
    def download(self):
        if not current_user.is_authenticated:
            return redirect(self.appbuilder.get_url_for_login)
        path = installer_file()
        if path is not None:
            return send_file(path, as_attachment=True, download_name=path.name,
                             mimetype="application/octet-stream")
        url = (settings.get("chrome.installer_url") or "").strip()
        if url.startswith(("http://", "https://", "/")):
            return redirect(url)
        return render_template("help/chrome_download.html", appbuilder=self.appbuilder,
                               base_template=self.appbuilder.base_template,
                               contact=settings.get("chrome.contact"))


MENU = []
NO_MENU = [ChromeDownloadView]
