"""Electronic certificates (电子保安员证, 许可证电子副本): signed QR tokens and key rotation,
the printable page and the PDF (Chinese text read back, the QR code decoded from the
rendered page), who may print which card, and the revocation that the QR code shows."""
import datetime as dt
import math
import os
import re

import pytest

from app.models import AppUser, Certificate
from app.services import ecert, register, signing
from app.services.privacy import mask_name
from tests.conftest import csrf_token
from tests.helpers import data
from tests.test_register import _rows, guard_of

KEY_A, KEY_B = "a" * 32, "b" * 40


# ------------------------------------------------------------------ tokens

def _ring(keys, active=None):
    return signing.Keyring.from_config({"ECERT_SIGNING_KEYS": keys,
                                        "ECERT_ACTIVE_KEY": active or ""})


def test_a_token_verifies_and_any_change_breaks_it():
    ring = _ring(f"k1:{KEY_A}")
    token = signing.sign("g:浙33010020200004", ring)
    kid, subject, signature = token.split(".")
    assert kid == "k1" and signing.verify(token, ring) == "g:浙33010020200004"
    other = signing._b64("g:浙33010020200005".encode())
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for forged in (f"{kid}.{other}.{signature}",            # another number, same signature
                   f"{kid}.{subject}.{flipped}",             # a changed signature
                   f"k2.{subject}.{signature}",              # an unknown key id
                   token[:-1], token + "A", "", "x", "a.b.c", token.replace(".", "", 1),
                   f"{kid}.{subject}.{signature}.{signature}"):
        assert signing.verify(forged, ring) is None, forged
    # Signed with another secret under the same key id: refused.
    assert signing.verify(signing.sign("g:1", _ring(f"k1:{KEY_B}")), ring) is None


def test_keys_rotate_and_retire():
    old = _ring(f"k1:{KEY_A}")
    token = signing.sign("g:1", old)
    rotated = _ring(f"k1:{KEY_A};k2:{KEY_B}", active="k2")
    assert signing.verify(token, rotated) == "g:1", "the old key verifies until retired"
    fresh = signing.sign("g:1", rotated)
    assert fresh.startswith("k2.") and signing.verify(fresh, rotated) == "g:1"
    retired = _ring(f"k2:{KEY_B}")
    assert signing.verify(token, retired) is None and signing.verify(fresh, retired) == "g:1"


@pytest.mark.parametrize("keys,active,message", [
    ("k1:short", "", "shorter than 32 bytes"), (f"k 1:{KEY_A}", "", "is not 1-16"),
    (f"k1:{KEY_A}", "k9", "not in ECERT_SIGNING_KEYS"), ("k1", "", "id:secret")])
def test_misconfigured_keys_are_named(keys, active, message):
    with pytest.raises(signing.SigningKeyError, match=message):
        _ring(keys, active)


def test_without_keys_one_is_derived_from_the_secret_key():
    ring = signing.Keyring.from_config({"SECRET_KEY": "s"})
    assert list(ring.keys) == ["dev"] and ring.active == "dev"
    assert signing.Keyring.from_config({"SECRET_KEY": "t"}).keys != ring.keys


# ------------------------------------------------------------------ the cards

@pytest.fixture(scope="module")
def guard(app):
    with data(app) as s:
        person, cert, unit = guard_of(s, "company_hz")
        return {"cert": cert.id, "number": cert.number, "name": person.name,
                "id_number": person.id_number, "issuer": cert.issuer,
                "issued_on": cert.issued_on, "unit": unit.id, "person": person.id}


_addresses = iter(f"10.19.3.{n}" for n in range(1, 250))


def _public(app):
    """An anonymous visitor of its own address (the register limits look-ups per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = next(_addresses)
    return client


def _verify_url(html):
    return re.search(r'id="ecert-verify-url" href="([^"]+)"', html).group(1)


def _path(url):
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_unit_opens_its_guards_card(app, client_for, guard):
    response = client_for("company_hz").get(f"/ecert/certificate/{guard['cert']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    issued = guard["issued_on"]
    for text in ("保安员证", guard["name"], guard["number"], guard["issuer"],
                 f"{issued.year}年{issued.month}月{issued.day}日", "扫码核验"):
        assert text in html, text
    assert guard["id_number"] not in html
    assert 'src="data:image/png;base64,' in html and "<svg" in html
    # The QR code holds the address shown under the card: the register's live answer.
    url = _verify_url(html)
    assert _path(url).startswith("/verify/?t=")
    rows = dict(_rows(_public(app).get(_path(url))))
    assert rows["状态"] == "有效" and rows["持证人"] == mask_name(guard["name"])
    assert rows["证件编号"] == guard["number"]


def _need_font():
    if ecert._located("") is None:
        if os.environ.get("CI"):
            pytest.fail("no CJK font: CI installs fonts-noto-cjk")
        pytest.skip("no CJK font (apt-get install fonts-noto-cjk)")


def _pdf_pages(data_bytes):
    """(text, PIL image) of every page, read back by PDFium."""
    import pypdfium2
    document = pypdfium2.PdfDocument(data_bytes)
    pages = []
    for page in document:
        text = page.get_textpage().get_text_bounded()
        pages.append((text, page.render(scale=4).to_pil()))
    return pages


def _qr_urls(image):
    import zxingcpp
    return [r.text for r in zxingcpp.read_barcodes(image)
            if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_the_pdf_shows_the_chinese_text_and_its_qr_code_verifies(app, client_for, guard):
    _need_font()
    response = client_for("company_hz").get(f"/ecert/certificate/{guard['cert']}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    body = response.data
    # The font is embedded (a CFF or TrueType subset) with a ToUnicode map.
    assert re.search(rb"/FontFile[23]", body) and b"/ToUnicode" in body
    # The holder's photo is drawn as an image (the guard has one), not the empty frame.
    assert body.count(b"/Subtype /Image") == 1
    ((text, image),) = _pdf_pages(body)
    assert "未上传照片" not in text
    issued = guard["issued_on"]
    for expected in ("保安员证", "姓名", guard["name"], "证件编号", guard["number"], "发证机关",
                     guard["issuer"], f"{issued.year}年{issued.month}月{issued.day}日",
                     "扫码核验"):
        assert expected in text, expected
    assert guard["id_number"] not in text
    (url,) = _qr_urls(image)
    rows = dict(_rows(_public(app).get(_path(url))))
    assert rows["状态"] == "有效" and rows["证件编号"] == guard["number"]


def test_a_unit_downloads_its_guards_cards_in_bulk(app, client_for, guard):
    _need_font()
    client = client_for("company_hz")
    holders = client.get(f"/unitview/holders/{guard['unit']}/guard").get_data(as_text=True)
    assert "批量下载电子保安员证" in holders
    with data(app) as s, app.test_request_context():
        from app.security.scope import SYSTEM
        expected = ecert.count_unit_guard_certificates(s, guard["unit"], SYSTEM,
                                                       dt.date.today())
        _unit, certs = ecert.unit_guard_certificates(s, guard["unit"], SYSTEM,
                                                     dt.date.today())
        names = [c.person.name for c in certs]
    response = client.get(f"/ecert/unit/{guard['unit']}/guards/pdf")
    assert response.status_code == 200
    pages = _pdf_pages(response.data)
    assert len(pages) == math.ceil(expected / 10)
    text = "".join(t for t, _image in pages)
    assert all(name in text for name in names) and guard["number"] in text
    assert len(_qr_urls(pages[0][1])) == min(expected, 10)
    # A file holds ECERT_BULK_MAX cards; the next ones are on ?page=1.
    previous = app.config["ECERT_BULK_MAX"]
    app.config["ECERT_BULK_MAX"] = 3
    try:
        first = _pdf_pages(client.get(f"/ecert/unit/{guard['unit']}/guards/pdf").data)
        second = _pdf_pages(client.get(
            f"/ecert/unit/{guard['unit']}/guards/pdf?page=1").data)
        assert names[0] in first[0][0] and names[3] in second[0][0]
        assert names[3] not in first[0][0]
    finally:
        app.config["ECERT_BULK_MAX"] = previous


def test_the_licence_copy(app, client_for):
    _need_font()
    with data(app) as s:
        unit = s.query(AppUser).filter_by(username="company_hz").one().unit
        pk, number, name = unit.id, unit.licence_number, unit.name
    client = client_for("company_hz")
    assert 'id="ecert-licence"' in client.get(f"/unitview/show/{pk}").get_data(as_text=True)
    page = client.get(f"/ecert/unit/{pk}/licence")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "保安服务许可证" in html and number in html and "浙江省公安厅" in html
    rows = dict(_rows(_public(app).get(_path(_verify_url(html)))))
    assert rows["状态"] == "有效" and rows["许可证号"] == number
    ((text, image),) = _pdf_pages(client.get(f"/ecert/unit/{pk}/licence/pdf").data)
    assert "保安服务许可证" in text and name in text and number in text
    (url,) = _qr_urls(image)
    assert dict(_rows(_public(app).get(_path(url))))["单位名称"] == name
    school = client_for("school_hz")
    with data(app) as s:
        school_unit = s.query(AppUser).filter_by(username="school_hz").one().unit.id
    assert "保安培训许可证" in school.get(f"/ecert/unit/{school_unit}/licence").get_data(
        as_text=True)


# ------------------------------------------------------------------ who may print

def _denied(response):
    return response.status_code in (302, 401, 403)


def test_who_may_print_which_card(app, client_for, guard):
    with data(app) as s:
        _p, foreign, nb = guard_of(s, "company_nb")
        foreign = foreign.id
        # A former guard of company_hz (the demo's revoked certificate is one): not its now.
        revoked = s.query(Certificate).filter_by(status="revoked").first().id
        licence = s.query(Certificate).filter(Certificate.kind == "driving_licence",
                                              Certificate.person_id == guard["person"]).first()
        selfhire = s.query(AppUser).filter_by(username="selfhire_hz").one().unit.id
        nb = nb.id
    own = guard["cert"]
    url = "/ecert/certificate/{}"
    assert client_for("company_hz").get(url.format(foreign)).status_code == 404
    assert client_for("company_nb").get(url.format(own)).status_code == 404
    assert client_for("police_nb").get(url.format(own)).status_code == 404
    assert client_for("police_hz").get(url.format(own)).status_code == 200
    assert client_for("police_sc").get(url.format(own)).status_code == 200
    assert client_for("admin").get(url.format(foreign)).status_code == 200
    assert client_for("company_hz").get(url.format(own) + "/pdf").status_code in (200, 503)
    assert client_for("company_nb").get(url.format(own) + "/pdf").status_code == 404
    # The association reads certificates but prints none (docs/register.md).
    assert _denied(client_for("association").get(url.format(own)))
    assert _denied(client_for("association").get(f"/ecert/unit/{guard['unit']}/guards/pdf"))
    # Only a valid guard certificate: a revoked one is refused with its status.
    refused = client_for("police_hz").get(url.format(revoked))
    assert refused.status_code == 409 and "已吊销" in refused.get_data(as_text=True)
    if licence is not None:
        assert client_for("company_hz").get(url.format(licence.id)).status_code == 404
    # Licences: a unit its own, police in their jurisdiction; no licence, no copy.
    licence_url = "/ecert/unit/{}/licence"
    assert client_for("company_hz").get(licence_url.format(nb)).status_code == 404
    assert client_for("police_hz").get(licence_url.format(nb)).status_code == 404
    assert client_for("police_nb").get(licence_url.format(nb)).status_code == 200
    assert client_for("selfhire_hz").get(licence_url.format(selfhire)).status_code == 404
    assert client_for("company_hz").get(
        f"/ecert/unit/{nb}/guards/pdf").status_code == 404


def test_the_police_print_every_card_of_their_jurisdiction(app, client_for, guard):
    """The police download a unit's guards' cards in bulk within their jurisdiction (the
    city and the district), not outside it."""
    _need_font()
    url = f"/ecert/unit/{guard['unit']}/guards/pdf"
    for user in ("police_hz", "police_sc", "admin"):
        response = client_for(user).get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", user
        text = "".join(t for t, _image in _pdf_pages(response.data))
        assert guard["number"] in text, user
    assert client_for("police_nb").get(url).status_code == 404


def test_a_former_employer_prints_no_card(app, client_for):
    """The demo's revoked certificate belongs to a former guard of company_hz; reinstated,
    company_hz still may not print it (the person works there no longer), the police may."""
    with data(app) as s:
        cert = s.query(Certificate).filter_by(status="revoked").first()
        pk = cert.id
        cert.status, cert.status_reason, cert.status_changed_on = "valid", None, None
        s.commit()
    try:
        assert client_for("company_hz").get(f"/ecert/certificate/{pk}").status_code == 404
        assert client_for("police_hz").get(f"/ecert/certificate/{pk}").status_code == 200
    finally:
        with data(app) as s:
            cert = s.get(Certificate, pk)
            cert.status, cert.status_reason = "revoked", "恢复演示数据"
            cert.status_changed_on = dt.date(2024, 8, 20)
            s.commit()


# ------------------------------------------------------------------ revocation

def test_the_police_revoke_and_the_qr_code_shows_it_at_once(app, client_for, guard):
    unit_client, police = client_for("company_hz"), client_for("police_sc")
    url = _path(_verify_url(unit_client.get(f"/ecert/certificate/{guard['cert']}")
                            .get_data(as_text=True)))
    public = _public(app)
    assert dict(_rows(public.get(url)))["状态"] == "有效"
    form = {"person": str(guard["person"]), "kind": "guard", "number": guard["number"],
            "issuer": guard["issuer"], "issued_on": guard["issued_on"].isoformat(),
            "status": "revoked"}
    edit = f"/certificateview/edit/{guard['cert']}"
    try:
        # A unit may not revoke (a police record): 403, nothing changed.
        refused = unit_client.post(edit, data={**form, "status_reason": "x",
                                               "csrf_token": csrf_token(unit_client, edit)})
        assert refused.status_code == 403
        assert dict(_rows(public.get(url)))["状态"] == "有效"
        # Without a reason the police are asked for one, at the field.
        missing = police.post(edit, data={**form, "csrf_token": csrf_token(police, edit)})
        assert missing.status_code == 200 and "请填写吊销或注销的原因" in missing.get_data(
            as_text=True)
        assert dict(_rows(public.get(url)))["状态"] == "有效"
        saved = police.post(edit, data={**form, "status_reason": "违法被处罚",
                                        "csrf_token": csrf_token(police, edit)})
        assert saved.status_code == 302
        rows = dict(_rows(public.get(url)))
        assert rows["状态"] == "已吊销"
        assert rows["吊销/注销日期"] == dt.date.today().isoformat()
        # The card is no longer printed, and the page no longer offers it.
        assert unit_client.get(f"/ecert/certificate/{guard['cert']}").status_code == 409
        show = police.get(f"/certificateview/show/{guard['cert']}").get_data(as_text=True)
        assert 'id="ecert-open"' not in show and "违法被处罚" in show
    finally:
        with data(app) as s:
            cert = s.get(Certificate, guard["cert"])
            cert.status, cert.status_reason, cert.status_changed_on = "valid", None, None
            s.commit()
    show = police.get(f"/certificateview/show/{guard['cert']}").get_data(as_text=True)
    assert 'id="ecert-open"' in show


def test_a_retired_key_makes_its_qr_codes_invalid(app, client_for, guard):
    previous = app.config["ECERT_SIGNING_KEYS"], app.config["ECERT_ACTIVE_KEY"]
    try:
        app.config.update(ECERT_SIGNING_KEYS=f"k2025:{KEY_A}", ECERT_ACTIVE_KEY="")
        old = _path(_verify_url(client_for("company_hz").get(
            f"/ecert/certificate/{guard['cert']}").get_data(as_text=True)))
        assert "t=k2025." in old
        app.config.update(ECERT_SIGNING_KEYS=f"k2025:{KEY_A};k2026:{KEY_B}",
                          ECERT_ACTIVE_KEY="k2026")
        new = _path(_verify_url(client_for("company_hz").get(
            f"/ecert/certificate/{guard['cert']}").get_data(as_text=True)))
        assert "t=k2026." in new
        public = _public(app)
        assert dict(_rows(public.get(old)))["状态"] == "有效"
        app.config.update(ECERT_SIGNING_KEYS=f"k2026:{KEY_B}", ECERT_ACTIVE_KEY="")
        assert "无效的二维码" in public.get(old).get_data(as_text=True)
        assert dict(_rows(public.get(new)))["状态"] == "有效"
    finally:
        app.config.update(ECERT_SIGNING_KEYS=previous[0], ECERT_ACTIVE_KEY=previous[1])


def test_a_forged_qr_code_is_invalid_and_logged(app, guard):
    from app.models import PublicQuery
    with app.test_request_context():
        token = signing.sign(register.guard_subject(guard["number"]))
    kid, _subject, signature = token.split(".")
    forged = f"{kid}.{signing._b64('g:浙33019999999999'.encode())}.{signature}"
    client = _public(app)
    client.environ_base["REMOTE_ADDR"] = "10.19.2.1"
    for bad in (forged, token[:-3] + "abc", "nonsense"):
        body = client.get(f"/verify/?t={bad}").get_data(as_text=True)
        assert "无效的二维码" in body and "register-status" not in body
    with data(app) as s:
        results = [r for (r,) in s.query(PublicQuery.result).filter_by(address="10.19.2.1")]
    assert results == ["invalid_qr"] * 3
