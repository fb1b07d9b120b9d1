"""Schema 2 of the results JSON: cloud and AD users as rows of tables, the same information in half
the bytes (issue 14; the layout is described in README "Results JSON" and proposed for SPEC §6).

Schema 1 writes every user as an object holding all its results — twenty passes repeated for every
user — and its facts under repeated keys. Schema 2 keeps the header and `subjects` (every subject
that is not in a table, as schema 1 writes it) and adds `tables`: a run of users of one kind, at
position `at` of schema 1's order, each a row of `columns`:

- `subject`, `id`, `readiness`; `results`: only the results that differ from the table's `usual`
  (each check's result for a row that names none; `null` = no result for that check);
- a facts part (`cloud`, `onprem`, `prediction`): the values in the order of `facts[part]`, `null`
  where schema 1 leaves the fact out, nulls at the end dropped (so the array may be shorter);
  `false` = the entry has no such part, `null` = it is null; the fact named in `subject_fact` (a
  cloud user's upn, an AD user's dn) is the row's subject, first, and not in the array;
- `already_synchronized`: true, else left out. Values left out at the end of a row are dropped.

A user whose entry a row could not give back exactly (its name not its own UPN or DN, facts out of
order; from a hand-edited schema 1 file) stays an object in `subjects`.

`expand` turns the tables back into schema 1's entries, key for key in schema 1's order, so every
reader (report, verify, --baseline, checklist) reads both schemas; `TableEntries` makes them as they
are read, and gives the HTML packing the rows themselves (`syncready report --html`).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from json.encoder import encode_basestring
from typing import Any, Protocol

from .errors import SourceError
from .vocab import Readiness, SubjectKind

SCHEMA_2 = "syncready/results/2"
HEAD = ("subject", "id", "readiness", "results")
SYNCED = "already_synchronized"
PARTS: dict[str, tuple[str, str]] = {SubjectKind.CLOUD_USER: ("cloud", "onprem"),
                                     SubjectKind.ONPREM_USER: ("onprem", "prediction")}
SUBJECT_FACT: dict[str, tuple[str, str]] = {SubjectKind.CLOUD_USER: ("cloud", "upn"),
                                            SubjectKind.ONPREM_USER: ("onprem", "dn")}
_SAMPLE = 1000          # ready subjects of a table whose results choose its `usual`
LEFT_OUT = "false"      # a part the entry does not have


class TableShape:
    """One kind's table header: columns, the facts of each part (the subject fact left out), usual."""

    def __init__(self, kind: str, facts: Mapping[str, tuple[str, ...]]):
        self.kind = kind
        self.parts = PARTS[kind]
        self.columns = (*HEAD, *self.parts, SYNCED)
        part, key = SUBJECT_FACT[kind]
        self.subject_part = part
        self.subject_key = key
        self.facts = {p: tuple(k for k in facts[p] if not (p == part and k == key)) for p in self.parts}
        if facts[part][0] != key:
            raise ValueError(f"{kind}: the subject fact {key} must come first in {part}")

    def header(self, at: int, usual: Iterable[tuple[str, str]], dumps: Callable[[Any], str]) -> str:
        """The table's members up to its rows' opening bracket; `usual` as (check id, encoded result)."""
        usual_text = "{" + ",".join(f"{dumps(cid)}:{text}" for cid, text in usual) + "}"
        return (f'{{"kind":{dumps(self.kind)},"at":{at},"columns":{dumps(list(self.columns))},'
                f'"facts":{dumps({p: list(k) for p, k in self.facts.items()})},'
                f'"subject_fact":{dumps({self.subject_part: self.subject_key})},'
                f'"usual":{usual_text},"rows":[\n')


def row_text(head: tuple[str, str, str], results: str, parts: list[str], synced: bool) -> str:
    """A row as text: the head's strings, the results object, each part's text; trailing left-outs dropped."""
    cells = [encode_basestring(head[0]), encode_basestring(head[1]), encode_basestring(head[2]), results, *parts]
    if synced:
        cells.append("true")
    else:
        while len(cells) > len(HEAD) and cells[-1] == LEFT_OUT:
            cells.pop()
    return "[" + ",".join(cells) + "]"


def values_text(values: Iterable[Any], dumps: Callable[[Any], str]) -> str:
    """A facts part as an array: a value schema 1 leaves out (None, "", []) is null; nulls at the end
    dropped. `dumps` is the compact encoder: the whole array in one call of its C code."""
    cells = [None if v == "" or v == [] else v for v in values]
    while cells and cells[-1] is None:
        cells.pop()
    return dumps(cells)


def over_text(cids: Iterable[str], texts: Iterable[str], usual: list[str], name_of: Callable[[str], str]) -> str:
    """A row's `results`: the encoded results that are not the table's usual ones, by check id."""
    return "{" + ",".join([f"{name_of(cid)}:{text}" for cid, text, known in zip(cids, texts, usual, strict=True)
                           if text is not known and text != known]) + "}"


class RowSource(Protocol):
    """What write_tables reads subjects through: EntryRows (entry dicts) or a run's subjects
    (results._SubjectRows); both must write the same bytes for the same entries."""

    @property
    def shapes(self) -> Mapping[str, TableShape]: ...

    def signatures(self) -> list[tuple | None]:
        """Per subject, (kind, check ids) if a row holds it exactly, else None (it is an object)."""

    def object_text(self, position: int) -> str:
        """The subject's entry as schema 1 writes it."""

    def texts(self, position: int) -> list[str]:
        """Its results encoded as schema 1 writes them, in order."""

    def is_ready(self, position: int) -> bool: ...

    def row(self, position: int, usual: list[str]) -> str:
        """Its row, given its table's usual results."""


class EntryRows:
    """Schema 1 entries (dicts: read from a file, or built by a test) as rows: `signature` is None for
    an entry a row cannot hold exactly (it is then written as an object, as schema 1 writes it)."""

    def __init__(self, entries: list, dumps: Callable[[Any], str], shapes: Mapping[str, TableShape]):
        self.entries, self.dumps, self.shapes = entries, dumps, shapes

    def signatures(self) -> list[tuple | None]:
        return [self._signature(e) for e in self.entries]

    def _signature(self, entry: Any) -> tuple | None:
        if type(entry) is not dict or not isinstance(entry.get("kind"), str) or entry["kind"] not in self.shapes:
            return None
        shape = self.shapes[entry["kind"]]
        keys = list(entry)
        if keys[:5] != ["subject", "id", "kind", "readiness", "results"] or not all(
                isinstance(entry[k], str) for k in ("subject", "id", "readiness")):
            return None
        allowed = [*shape.parts, SYNCED]
        if [k for k in allowed if k in entry] != keys[5:] or entry.get(SYNCED, True) is not True:
            return None
        if not all(_part_fits(shape, part, entry[part], entry["subject"]) for part in shape.parts if part in entry):
            return None
        results = entry["results"]
        if type(results) is not dict or not all(type(r) is dict for r in results.values()):
            return None
        return (entry["kind"], tuple(results))

    def object_text(self, position: int) -> str:
        return self.dumps(self.entries[position])

    def texts(self, position: int) -> list[str]:
        return [self.dumps(r) for r in self.entries[position]["results"].values()]

    def is_ready(self, position: int) -> bool:
        return self.entries[position]["readiness"] == Readiness.READY

    def row(self, position: int, usual: list[str]) -> str:
        entry = self.entries[position]
        shape = self.shapes[entry["kind"]]
        dumps = self.dumps
        results = over_text(entry["results"], self.texts(position), usual, dumps)
        parts = []
        for part in shape.parts:
            value = entry.get(part, _ABSENT)
            if value is _ABSENT:
                parts.append(LEFT_OUT)
            elif value is None:
                parts.append("null")
            else:
                parts.append(values_text([value.get(k) for k in shape.facts[part]], dumps))
        return row_text((entry["subject"], entry["id"], entry["readiness"]), results, parts, SYNCED in entry)


_ABSENT = object()


def _part_fits(shape: TableShape, part: str, value: Any, subject: str) -> bool:
    """Whether a row's array gives back exactly this part: its facts in order, none empty, and the
    subject fact (when the part has one) first and equal to the subject, or absent with an empty one."""
    if value is None:
        return True
    if type(value) is not dict:
        return False
    keys = list(value)
    if part == shape.subject_part:
        if subject:
            if keys[:1] != [shape.subject_key] or value[shape.subject_key] != subject:
                return False
            keys = keys[1:]
        elif shape.subject_key in value:
            return False
    if [k for k in shape.facts[part] if k in value] != keys:
        return False
    return not any(value[k] is None or value[k] == "" or value[k] == [] for k in keys)


def blocks(signatures: list[tuple | None]) -> list[tuple[int, int]]:
    """(start, end) of each maximal run of one signature; a None is a subject written as an object."""
    found: list[tuple[int, int]] = []
    start = None
    for position, signature in enumerate(signatures):
        if signature is None:
            if start is not None:
                found.append((start, position))
                start = None
        elif start is None:
            start = position
        elif signature != signatures[start]:
            found.append((start, position))
            start = position
    if start is not None:
        found.append((start, len(signatures)))
    return found


def usual_of(source: RowSource, start: int, end: int) -> list[str]:
    """The table's `usual`: each check's most common encoded result among its first ready rows (its
    first rows if none is ready), so that most rows name none; the choice changes bytes, never
    information, and depends only on the rows."""
    chosen = list(islice((p for p in range(start, end) if source.is_ready(p)), _SAMPLE))
    chosen = chosen or list(range(start, min(end, start + _SAMPLE)))
    samples = [source.texts(p) for p in chosen]
    counts: list[Counter[str]] = [Counter() for _ in samples[0]]
    for texts in samples:
        for counter, text in zip(counts, texts, strict=True):
            counter[text] += 1
    return [counter.most_common(1)[0][0] for counter in counts]


def write_tables(fp: Any, source: RowSource, dumps: Callable[[Any], str], chunk: int) -> None:
    """`"subjects": [...], "tables": [...]` of schema 2: the subjects that are no row as objects, then
    each run of rows; `chunk` entries per write, so no part of the file is ever one giant string."""
    signatures = source.signatures()
    runs = blocks(signatures)
    objects = [p for p, s in enumerate(signatures) if s is None]
    fp.write('"subjects": [\n')
    for first in range(0, len(objects), chunk):
        texts = [source.object_text(p) for p in objects[first:first + chunk]]
        fp.write(("" if first == 0 else ",\n") + ",\n".join(texts))
    fp.write('\n],\n"tables": [\n')
    for number, (start, end) in enumerate(runs):
        usual = usual_of(source, start, end)
        kind, ids = signatures[start] or ("", ())      # a run's signatures are never None
        shape = source.shapes[kind]
        fp.write(("" if number == 0 else ",\n") + shape.header(start, zip(ids, usual, strict=True), dumps))
        for first in range(start, end, chunk):
            fp.write(("" if first == start else ",\n")
                     + ",\n".join([source.row(p, usual) for p in range(first, min(end, first + chunk))]))
        fp.write("\n]}")
    fp.write("\n]}\n")


def expand(doc: dict, where: str) -> list[dict]:
    """Schema 2's `subjects` and `tables` as schema 1's entries, in schema 1's order; a malformed
    table is a SourceError naming it.

    Entries share what their rows share: a row naming no result has the table's `usual` dict itself
    as its "results", and every entry's usual results are the table's result dicts (at 500k users
    this is most of the memory saved). Readers only read them; a caller that edits an entry's results
    must copy them first (copy.deepcopy)."""
    return list(TableEntries(doc, where))


class TableEntries:
    """A schema 2 document's subjects as schema 1's entries, made as they are iterated (as
    results.SubjectEntries makes a run's), so `syncready report` of a 500k-user file never holds them
    all; `segments` gives renderers that read rows (the HTML packing) the tables themselves.

    The tables' headers and positions are checked here; a row when it is read (a SourceError naming
    the table and row). Each iteration makes the entries anew: equal, not the same dicts. `once`:
    they are read once (by iterating or by `segments`), each row and object let go as it is handed
    out, so a page rendered from a file never holds both the whole file and the whole page."""

    def __init__(self, doc: dict, where: str, *, once: bool = False):
        self.once, self._started = once, False
        objects = doc.get("subjects")
        tables = doc.get("tables")
        if not isinstance(objects, list):
            raise SourceError(f'{where}: "subjects" is not a list')
        if not isinstance(tables, list):
            raise SourceError(f'{where}: "tables" is not a list')
        self._segments: list[tuple[TableReader | None, list]] = []
        taken = placed = 0          # objects placed so far; subjects placed so far
        for number, table in enumerate(tables):
            reader = TableReader(table, f"{where}: table {number}", release=once)
            if reader.at > placed + len(objects) - taken:
                raise SourceError(f"{where}: table {number} is at {reader.at}, past the "
                                  f"{placed + len(objects) - taken} subjects before it")
            if reader.at < placed:
                raise SourceError(f"{where}: table {number} is at {reader.at}, inside the subjects before it")
            before = reader.at - placed
            if before:
                self._segments.append((None, objects[taken:taken + before]))
            taken += before
            self._segments.append((reader, reader.rows))
            placed = reader.at + len(reader.rows)
        if taken < len(objects):
            self._segments.append((None, objects[taken:]))
        self._length = sum(len(items) for _, items in self._segments)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[dict]:
        for reader, items in self.segments():
            if reader is None:
                yield from self.handed(items)
            else:
                yield from reader.entries()

    def __getitem__(self, item):
        """By position, as a list would (each call makes every entry: for the rare reader that indexes)."""
        return list(self)[item]

    def segments(self) -> Iterator[tuple[TableReader | None, list]]:
        """In order: (None, objects) for a run of subjects written as objects, (reader, rows) for a
        table (its rows read through `reader.each_row()`, objects through `handed`)."""
        if self.once and self._started:
            raise RuntimeError("these results were read with once=True, and they have been read")
        self._started = True
        return iter(self._segments)

    def handed(self, items: list) -> Iterator[dict]:
        """A segment's objects, each let go as it is handed out when the entries are read once."""
        return _handed(items, self.once)


def _handed(items: list, release: bool) -> Iterator[Any]:
    if not release:
        yield from items
        return
    for number, item in enumerate(items):
        items[number] = None
        yield item


class TableReader:
    """One table of a file, its header checked; `entries` checks each row as it makes its entry."""

    def __init__(self, table: Any, where: str, *, release: bool = False):
        self.where, self.release = where, release
        if not isinstance(table, dict):
            raise SourceError(f"{where} is not an object")
        kind, at, columns = table.get("kind"), table.get("at"), table.get("columns")
        facts, subject_fact, usual, rows = (table.get(k) for k in ("facts", "subject_fact", "usual", "rows"))
        if not isinstance(kind, str):
            raise SourceError(f'{where}: "kind" is not a string')
        if type(at) is not int or at < 0:
            raise SourceError(f'{where}: "at" is not a position')
        if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)
                and tuple(columns[:len(HEAD)]) == HEAD and len(set(columns)) == len(columns)):
            raise SourceError(f'{where}: "columns" does not start with {", ".join(HEAD)}')
        if not (isinstance(facts, dict) and all(isinstance(v, list) and all(isinstance(k, str) for k in v)
                                                 for v in facts.values())):
            raise SourceError(f'{where}: "facts" is not an object of key lists')
        stray = [c for c in columns[len(HEAD):] if c not in facts and c != SYNCED]
        if stray:
            raise SourceError(f'{where}: column {stray[0]!r} is neither a facts part nor {SYNCED}')
        if not (isinstance(subject_fact, dict) and all(isinstance(v, str) and p in facts
                                                        for p, v in subject_fact.items())):
            raise SourceError(f'{where}: "subject_fact" does not name a facts part')
        if not (isinstance(usual, dict) and all(isinstance(r, dict) for r in usual.values())):
            raise SourceError(f'{where}: "usual" is not an object of results')
        if not isinstance(rows, list):
            raise SourceError(f'{where}: "rows" is not a list')
        self.kind, self.at, self.columns, self.usual, self.rows = kind, at, columns, usual, rows
        self.facts, self.subject_fact = facts, subject_fact

    def each_row(self) -> Iterator[Any]:
        """The rows as written, each let go as it is handed out with `release` (read once)."""
        return _handed(self.rows, self.release)

    def entries(self) -> Iterator[dict]:
        kind, columns, facts, subject_fact = self.kind, self.columns, self.facts, self.subject_fact
        for number, row in enumerate(self.each_row()):
            self.check_row(number, row)
            subject = row[0]
            entry: dict[str, Any] = {"subject": subject, "id": row[1], "kind": kind, "readiness": row[2],
                                     "results": self.results(row[3], number)}
            self.check_parts(number, row)
            for position in range(len(HEAD), len(row)):
                name, value = columns[position], row[position]
                if value is False:
                    continue
                keys = facts.get(name)
                if keys is None or value is None:       # already_synchronized, or a part that is null
                    entry[name] = value
                    continue
                part: dict[str, Any] = {}
                first = subject_fact.get(name)
                if first is not None and subject:
                    part[first] = subject
                for key, fact in zip(keys, value, strict=False):
                    if fact is not None:
                        part[key] = fact
                entry[name] = part
            yield entry

    def check_row(self, number: int, row: Any) -> None:
        """The SourceError for a row that is not [subject, id, readiness, results, ...]."""
        if not (isinstance(row, list) and len(HEAD) <= len(row) <= len(self.columns) and isinstance(row[0], str)
                and isinstance(row[1], str) and isinstance(row[2], str) and isinstance(row[3], dict)):
            raise SourceError(f"{self.where}: row {number} is not [subject, id, readiness, results, ...]")

    def check_parts(self, number: int, row: list) -> None:
        """The SourceError for a row whose facts part is neither false, null nor a list of its facts."""
        for position in range(len(HEAD), len(row)):
            value = row[position]
            if value is False or value is None:
                continue
            name = self.columns[position]
            keys = self.facts.get(name)
            if keys is not None and (not isinstance(value, list) or len(value) > len(keys)):
                raise SourceError(f"{self.where}: row {number}: {name} is not a list of its facts")

    def results(self, over: dict, number: int) -> dict:
        """A row's results: the usual ones, with those the row names instead (null: none)."""
        if not over:
            return self.usual
        if not all(r is None or isinstance(r, dict) for r in over.values()):
            raise SourceError(f"{self.where}: row {number}: a result is not an object")
        results = {}
        for cid, usual in self.usual.items():
            found = over.get(cid, usual)
            if found is not None:
                results[cid] = found
        for cid, found in over.items():
            if cid not in self.usual and found is not None:
                results[cid] = found
        return results
