"""Building import files in tests: csv (any encoding and separator) or xlsx, from rows of dicts."""

import io

from openpyxl import Workbook

BASE = {
    "Référence ménage": "M1",
    "Nom": "Martin",
    "Prénom": "Léa",
    "Date de naissance": "02/04/1985",
    "Sexe": "F",
    "Place dans le ménage": "adulte",
    "Situation de logement": "rue",
    "Depuis le": "01/01/2026",
    "Date de la saisine": "03/01/2026",
    "Prescripteur": "SIAO",
}


def row(**changes):
    """A valid row with some cells changed; keys use '_' for spaces: Date_de_naissance=…"""
    values = dict(BASE)
    for key, value in changes.items():
        values[key.replace("_", " ")] = value
    return values


def as_csv(rows, separator=";", encoding="utf-8", bom=False) -> bytes:
    headers = list(dict.fromkeys(h for r in rows for h in r))
    lines = [separator.join(headers)]
    for r in rows:
        lines.append(separator.join(_quote(str(r.get(h, "")), separator) for h in headers))
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def _quote(value, separator):
    if separator in value or '"' in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def as_xlsx(rows) -> bytes:
    headers = list(dict.fromkeys(h for r in rows for h in r))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for r in rows:
        sheet.append([r.get(h) for h in headers])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
