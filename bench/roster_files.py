#!/usr/bin/env python
"""Region-sized roster files, deterministic by seed, and how fast and in how much memory
``integrations.roster.readers`` reads them.

As a library (for the import benchmark): ``school_names(n)``, ``people(seed, n, schools)``,
``write_csv(path, ...)`` and ``write_xlsx(path, ...)``. Run as a script it writes a 250,000-row
CSV and XLSX into a temporary directory and reads each one in a fresh process, printing the read
time and that process's peak RSS (VmHWM), so that the figures belong to the reader alone:

    .venv/bin/python bench/roster_files.py [--rows 250000]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import django
import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from integrations.roster.readers import open_roster  # noqa: E402

HEADERS = ["ID", "First name", "Middle name", "Last name", "Role", "School", "E-mail"]

# (first names, patronymics or None, last names) per language; patronymics are used by bg and ru.
NAMES = {
    "bg": (
        ["Иван", "Мария", "Георги", "Елена", "Димитър", "Йорданка", "Петър", "Цветелина", "Стоян",
         "Радослава", "Никола", "Десислава", "Христо", "Теодора", "Васил", "Галина", "Калоян", "Ралица"],
        ["Иванов", "Георгиев", "Петров", "Димитров", "Стоянов", "Николов", "Христов", "Василев"],
        ["Иванова", "Петров", "Георгиева", "Димитров", "Стоянова", "Николов", "Христова", "Тодоров",
         "Атанасова", "Илиев", "Ангелова", "Колев", "Маринова", "Йорданов", "Костадинова", "Цветков"],
    ),
    "pl": (
        ["Łukasz", "Małgorzata", "Zbigniew", "Żaneta", "Jędrzej", "Agnieszka", "Paweł", "Grażyna",
         "Michał", "Ewa", "Krzysztof", "Bożena", "Wojciech", "Katarzyna", "Tomasz", "Dorota"],
        None,
        ["Wójcik", "Kowalczyk", "Dąbrowski", "Zieliński", "Szymańska", "Woźniak", "Kamińska",
         "Lewandowski", "Kozłowska", "Jankowski", "Mazur", "Krawczyk", "Piotrowska", "Grabowski"],
    ),
    "ru": (
        ["Андрей", "Юлия", "Сергей", "Эльвира", "Алексей", "Татьяна", "Дмитрий", "Ольга", "Михаил",
         "Наталья", "Фёдор", "Ксения", "Григорий", "Людмила", "Владимир", "Анастасия"],
        ["Сергеевич", "Александровна", "Владимирович", "Петровна", "Иванович", "Николаевна"],
        ["Щукина", "Ёлкин", "Малыгина", "Кузнецов", "Смирнова", "Попов", "Васильева", "Соколов",
         "Михайлова", "Новиков", "Фёдорова", "Морозов", "Волкова", "Алексеев", "Лебедева"],
    ),
}  # fmt: skip
SCHOOL_PATTERNS = {
    "bg": "{n} ОУ „Христо Ботев“",
    "pl": "Szkoła Podstawowa nr {n} im. Tadeusza Kościuszki",
    "ru": "МБОУ «СОШ № {n}»",
}
TEACHERS_PER_STUDENTS = 10  # the region of issue 17: 20,000 teachers and 200,000 students


def school_names(n: int) -> list[str]:
    """``n`` distinct school names, the languages taking turns."""
    languages = list(NAMES)
    return [SCHOOL_PATTERNS[languages[i % 3]].format(n=i // 3 + 1) for i in range(n)]


def people(seed: int, n: int, schools: int | Sequence[str] = 500) -> Iterator[list[str]]:
    """``n`` rows in the order of HEADERS; one in eleven a teacher, the rest students. Names
    repeat as real ones do; identifiers and e-mails are unique."""
    names = school_names(schools) if isinstance(schools, int) else list(schools)
    rng = random.Random(seed)
    languages = list(NAMES)
    for i in range(n):
        school = rng.randrange(len(names))
        first, middle, last = NAMES[languages[school % 3]]
        role = "teacher" if i % (TEACHERS_PER_STUDENTS + 1) == 0 else "student"
        yield [
            f"P{seed % 1000:03d}{i:07d}",
            rng.choice(first),
            rng.choice(middle) if middle else "",
            rng.choice(last),
            role,
            names[school],
            f"person{i:07d}.{seed}@school{school:03d}.example.org",
        ]


def write_csv(
    path: Path,
    rows: int = 250_000,
    seed: int = 17,
    schools: int | Sequence[str] = 500,
    encoding: str = "utf-8",
) -> Path:
    with open(path, "w", encoding=encoding, newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADERS)
        writer.writerows(people(seed, rows, schools))
    return path


def write_xlsx(
    path: Path,
    rows: int = 250_000,
    seed: int = 17,
    schools: int | Sequence[str] = 500,
    shared_strings: bool = True,
) -> Path:
    """An XLSX of ``people``. With ``shared_strings`` (the default) its texts are in a shared
    strings table as Excel saves them; without, openpyxl's write-only mode writes them inline."""
    if shared_strings:
        return _write_excel_like(path, [HEADERS, *people(seed, rows, schools)])
    workbook = openpyxl.Workbook(write_only=True)  # rows go to disk as they are appended
    sheet = workbook.create_sheet("Roster")
    sheet.append(HEADERS)
    for row in people(seed, rows, schools):
        sheet.append(row)
    workbook.save(path)
    return path


XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Roster" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        '<Relationship Id="rId2" Target="sharedStrings.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
        "</Relationships>"
    ),
}


def _write_excel_like(path: Path, rows: Iterable[Sequence[str]]) -> Path:
    """A one-sheet workbook the way Excel writes it: cells refer to a shared strings table."""
    strings: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            for number, row in enumerate(rows, 1):
                cells = "".join(
                    f'<c r="{_column(i)}{number}" t="s"><v>{strings.setdefault(value, len(strings))}</v></c>'
                    for i, value in enumerate(row)
                    if value
                )
                sheet.write(f'<row r="{number}">{cells}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w") as table:
            table.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                f'count="{len(strings)}" uniqueCount="{len(strings)}">'.encode()
            )
            for text in strings:
                table.write(f"<si><t>{escape(text)}</t></si>".encode())
            table.write(b"</sst>")
    return path


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _read(path: Path, filename: str) -> None:
    """Child process: read every row, print seconds, rows and peak RSS as one line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()  # the reader's messages are translated
    before = _peak()
    started, cpu = time.perf_counter(), time.process_time()
    count, resident = 0, []
    with open_roster(path, filename) as stream:
        resident.append(_resident())  # opened: for XLSX, the shared strings are loaded
        for _row in stream.rows:
            count += 1
            if count % 50_000 == 0:
                resident.append(_resident())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{count} {seconds:.2f} {cpu:.2f} {before} {_peak()} {','.join(resident)}")


def _peak() -> str:
    """This process's peak resident memory in MiB: VmHWM, which (unlike getrusage's ru_maxrss)
    does not carry over the parent's peak from before the exec."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return f"{int(line.split()[1]) / 1024:.0f}"


def _resident() -> str:
    """This process's resident memory now, in MiB (Linux)."""
    with open("/proc/self/statm") as statm:
        return f"{int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--read", nargs=2, metavar=("PATH", "FILENAME"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        _read(Path(args.read[0]), args.read[1])
        return
    with tempfile.TemporaryDirectory() as directory:
        files = {
            "roster.csv": write_csv,
            "roster.xlsx": write_xlsx,
            "inline.xlsx": lambda path, rows: write_xlsx(path, rows, shared_strings=False),
        }
        for name, writer in files.items():
            path = Path(directory) / name
            started = time.perf_counter()
            writer(path, rows=args.rows)
            written = time.perf_counter() - started
            result = subprocess.run(  # noqa: S603 (this script, on the file it has just written)
                [sys.executable, __file__, "--read", str(path), name],
                capture_output=True,
                text=True,
                check=True,
            )
            count, seconds, cpu, base, peak, resident = result.stdout.split()
            print(
                f"{name}: {int(count):,} rows, {path.stat().st_size / 2**20:.1f} MB "
                f"(written in {written:.1f} s); "
                f"read in {seconds} s wall, {cpu} s CPU; peak RSS {peak} MiB "
                f"(the process before reading: {base} MiB; resident when opened and every 50,000 rows: "
                f"{resident.replace(',', ', ')} MiB)"
            )


if __name__ == "__main__":
    main()
